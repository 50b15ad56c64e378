//! `playtube probe`: fields read from each fixture (through the library and the binary), JSON shape,
//! thumbnails, and one clear line per bad input in a batch that still exits 1 at the end.

mod common;

use std::path::Path;

use playtube::config::{Env, Settings};
use playtube::pipeline::probe::{probe, MediaInfo};
use playtube::pipeline::tools::Tools;

fn tools() -> Tools {
    let path = std::env::var("PATH").unwrap_or_default();
    playtube::config::tools::locate(&Settings::defaults(Env::from_pairs([("PATH", path.as_str())])))
        .expect("ffmpeg installed")
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
fn audio_languages_and_subtitle_streams_are_reported_with_their_flags() {
    let mkv = probe_fixture("langs.mkv");
    let langs: Vec<_> = mkv.audio.iter().map(|a| (a.language.as_deref(), a.title.as_deref(), a.default)).collect();
    assert_eq!(langs, [(Some("eng"), Some("English"), true), (Some("spa"), Some("Español"), false)]);
    let subs: Vec<_> =
        mkv.subtitles.iter().map(|s| (s.codec.as_str(), s.language.as_deref(), s.forced, s.is_text())).collect();
    assert_eq!(subs, [("subrip", Some("eng"), false, true), ("ass", Some("spa"), true, true)]);
    let mp4 = probe_fixture("langs.mp4");
    assert!(mp4.subtitles.iter().all(|s| s.codec == "mov_text" && s.is_text()), "{:?}", mp4.subtitles);
    assert_eq!(mp4.subtitles.iter().map(|s| s.language.as_deref()).collect::<Vec<_>>(), [Some("eng"), Some("spa")]);
    // A stream tagged `und` (ffmpeg's default) has no language.
    assert_eq!(probe_fixture("landscape.mp4").audio[0].language, None);
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
    assert_eq!((v.width, v.height), (641, 359));
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

#[test]
fn frames_at_two_rates_are_flagged_variable() {
    let dir = tempfile::tempdir().unwrap();
    let vfr = dir.path().join("vfr.mp4");
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=2"])
        .args(["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30:duration=2"])
        .args(["-filter_complex", "[0:v][1:v]concat=n=2:v=1[v]", "-map", "[v]", "-fps_mode", "vfr"])
        .args(["-c:v", "libx264", "-preset", "ultrafast"])
        .arg(&vfr)
        .status()
        .unwrap();
    assert!(status.success());
    let info = probe(&tools(), &vfr).unwrap();
    assert!(info.video[0].variable_frame_rate, "{:?}", info.video[0]);
}

fn json_of(args: &[&std::ffi::OsStr]) -> serde_json::Value {
    let (mut cmd, _dir) = common::playtube();
    let out = cmd.arg("--json").arg("probe").args(args).assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).expect("stdout is one JSON document")
}

#[test]
fn json_for_one_file_is_an_object_with_numbers_and_nested_streams() {
    let path = common::fixture("clip with spaces ünïcode.mp4");
    let json = json_of(&[path.as_os_str()]);
    assert_eq!(json["path"], path.to_str().unwrap());
    assert_eq!(json["container"], "mp4");
    assert!(json["duration"].as_f64().unwrap() > 1.9);
    assert!(json["size"].as_u64().unwrap() > 0);
    assert_eq!(json["faststart"], false);
    assert_eq!(json["fragmented"], false);
    let v = &json["video"][0];
    assert_eq!((v["width"].as_u64(), v["height"].as_u64()), (Some(320), Some(180)));
    assert_eq!(v["frame_rate"]["num"], 25);
    assert_eq!(v["frame_rate"]["den"], 1);
    assert_eq!(v["fps"], 25.0);
    assert_eq!(v["variable_frame_rate"], false);
    assert!(v["color"].is_object());
    assert_eq!(json["audio"][0]["sample_rate"], 48000);
}

#[test]
fn json_for_several_inputs_is_an_array_in_argument_order() {
    let a = common::fixture("tiny-240p.mp4");
    let b = common::fixture("audio-only.m4a");
    let json = json_of(&[a.as_os_str(), b.as_os_str()]);
    let items = json.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["path"], a.to_str().unwrap());
    assert_eq!(items[1]["video"].as_array().unwrap().len(), 0);
}

#[test]
fn table_on_stdout_names_the_file_and_its_streams() {
    let (mut cmd, _dir) = common::playtube();
    let out =
        cmd.arg("probe").arg(common::fixture("portrait-rotated.mp4")).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    for needle in ["portrait-rotated.mp4", "container", "mp4 (faststart)", "shown 360x640", "video #0", "audio #1"] {
        assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
    }
}

fn image_size(path: &Path) -> (u32, u32) {
    let out = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0"])
        .arg(path)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let (w, h) = text.trim().split_once(',').unwrap();
    (w.parse().unwrap(), h.parse().unwrap())
}

#[test]
fn thumbnails_are_scaled_to_the_configured_width_and_rotated() {
    let (mut cmd, dir) = common::playtube();
    let thumbs = dir.path().join("thumbs");
    cmd.arg("probe")
        .arg(common::fixture("landscape.mp4"))
        .arg(common::fixture("portrait-rotated.mp4"))
        .arg("--thumbnail-dir")
        .arg(&thumbs)
        .args(["--at", "50%"])
        .assert()
        .success();
    assert_eq!(image_size(&thumbs.join("landscape.jpg")), (640, 360));
    // Portrait: displayed 360x640, never enlarged past its own width.
    assert_eq!(image_size(&thumbs.join("portrait-rotated.jpg")), (360, 640));
    let bytes = std::fs::read(thumbs.join("landscape.jpg")).unwrap();
    assert_eq!(&bytes[..2], [0xFF, 0xD8], "a JPEG");
}

#[test]
fn thumbnail_width_comes_from_the_config_file() {
    let (mut cmd, dir) = common::playtube();
    std::fs::write(dir.path().join("playtube.toml"), "[probe]\nthumbnail_width = 200\n").unwrap();
    let out = dir.path().join("t.jpg");
    cmd.arg("probe").arg(common::fixture("portrait-rotated.mp4")).arg("--thumbnail").arg(&out).assert().success();
    let (w, h) = image_size(&out);
    assert_eq!(w, 200);
    assert!((354..=356).contains(&h), "height {h} keeps the 9:16 display aspect");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "no temp file left beside the thumbnail");
}

#[test]
fn thumbnail_past_the_end_is_a_clear_error() {
    let (mut cmd, dir) = common::playtube();
    cmd.arg("probe")
        .arg(common::fixture("tiny-240p.mp4"))
        .arg("--thumbnail")
        .arg(dir.path().join("t.jpg"))
        .args(["--at", "60"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("past the end"));
}

#[test]
fn bad_inputs_each_get_one_line_and_good_ones_still_print() {
    let (mut cmd, dir) = common::playtube();
    let d = dir.path();
    std::fs::write(d.join("empty.mp4"), b"").unwrap();
    let noise: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    std::fs::write(d.join("noise.mp4"), noise).unwrap();
    let whole = std::fs::read(common::fixture("landscape.mp4")).unwrap();
    std::fs::write(d.join("cut.mp4"), &whole[..whole.len() / 3]).unwrap();
    std::fs::create_dir(d.join("nothing-here")).unwrap();
    std::fs::write(d.join("nothing-here/notes.txt"), b"hi").unwrap();
    let assert = cmd
        .arg("probe")
        .args(["empty.mp4", "noise.mp4", "cut.mp4", "nothing-here"])
        .arg(common::fixture("tiny-240p.mp4"))
        .assert()
        .code(1);
    let out = assert.get_output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 4, "{stderr}");
    let has = |name: &str, cause: &str| lines.iter().any(|l| l.contains(name) && l.contains(cause));
    assert!(has("nothing-here", "no media files"), "{stderr}");
    assert!(has("empty.mp4", "empty file"), "{stderr}");
    assert!(has("noise.mp4", "not a media file"), "{stderr}");
    assert!(has("cut.mp4", "truncated MP4"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("tiny-240p.mp4"));
}

#[test]
fn missing_ffprobe_is_a_usage_error_with_a_hint() {
    let (mut cmd, _dir) = common::playtube();
    cmd.env("PLAYTUBE_FFPROBE", "/nonexistent/ffprobe")
        .arg("probe")
        .arg(common::fixture("landscape.mp4"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("hint:"));
}

#[test]
fn ctrl_c_while_ffprobe_runs_stops_it_and_exits_130() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let slow = dir.path().join("slow-ffprobe");
    std::fs::write(&slow, "#!/bin/sh\nexec sleep 30\n").unwrap();
    std::fs::set_permissions(&slow, std::fs::Permissions::from_mode(0o755)).unwrap();
    let started = std::time::Instant::now();
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("playtube"))
        .env("PLAYTUBE_FFPROBE", &slow)
        .arg("probe")
        .arg(common::fixture("landscape.mp4"))
        .arg(common::fixture("tiny-240p.mp4"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(started.elapsed().as_secs() < 10, "the sleeping ffprobe was not killed");
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1, "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn audio_only_file_in_a_thumbnail_batch_is_a_warning_not_a_failure() {
    let (mut cmd, dir) = common::playtube();
    let thumbs = dir.path().join("thumbs");
    let assert = cmd
        .arg("probe")
        .arg(common::fixture("audio-only.m4a"))
        .arg(common::fixture("tiny-240p.mp4"))
        .arg("--thumbnail-dir")
        .arg(&thumbs)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr);
    assert!(stderr.contains("audio-only.m4a: no video stream"), "{stderr}");
    let names: Vec<_> = std::fs::read_dir(&thumbs).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["tiny-240p.jpg"]);
}

#[test]
fn single_audio_file_with_thumbnail_is_an_error() {
    let (mut cmd, dir) = common::playtube();
    cmd.arg("probe")
        .arg(common::fixture("audio-only.m4a"))
        .arg("--thumbnail")
        .arg(dir.path().join("t.jpg"))
        .assert()
        .code(1)
        .stderr(predicates::str::contains("no video stream to take a thumbnail from"));
}
