//! Audio languages, subtitles and storyboards through `playtube prepare` with real ffmpeg on the
//! `langs.*` fixtures: the package passes `playtube probe`, ffmpeg reads the master's audio renditions
//! and each subtitle playlist, the `X-TIMESTAMP-MAP` equals the first video timestamp measured on the
//! real segment (TS and fMP4), meta.json lists the extras, a malformed subtitle file is an error naming
//! it while the asset is still built (exit 1), and a source without audio or subtitles keeps working.

mod common;
mod serve_support;

use std::path::Path;
use std::process::Command;

use playtube::pipeline::vtt_segment::FFMPEG_TS_START;

fn prepare(input: &str, id: &str, extra: &[&str]) -> (tempfile::TempDir, std::process::Output) {
    let root = tempfile::tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let out = common::playtube_in(cwd.path())
        .arg("prepare")
        .arg(common::fixture(input))
        .arg("-o")
        .arg(root.path())
        .args(["--id", id, "--segment-duration", "2", "--quiet"])
        .args(extra)
        .output()
        .expect("run playtube prepare");
    (root, out)
}

fn ffmpeg_log(args: &[&str], dir: &Path) -> String {
    let out = Command::new("ffmpeg").args(args).current_dir(dir).output().expect("run ffmpeg (apt-get install ffmpeg)");
    String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout)
}

/// The first video packet's PTS (seconds) of a segment, by ffprobe.
fn first_pts(dir: &Path, input: &str) -> f64 {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time", "-of", "csv=p=0", input])
        .current_dir(dir)
        .output()
        .expect("run ffprobe");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim_end_matches(',').parse::<f64>().ok())
        .fold(f64::MAX, f64::min)
}

fn mpegts_of(vtt: &str) -> u64 {
    let line = vtt.lines().find(|l| l.starts_with("X-TIMESTAMP-MAP=")).expect("a timestamp map");
    line.split("MPEGTS:").nth(1).unwrap().split(',').next().unwrap().parse().unwrap()
}

fn probe_ok(asset: &Path) {
    let cwd = tempfile::tempdir().unwrap();
    let out = common::playtube_in(cwd.path()).arg("probe").arg(asset).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    println!("playtube probe {}: {}", asset.display(), text.trim());
    assert!(out.status.success() && text.contains("valid"), "{text}");
}

#[test]
fn two_languages_and_four_subtitle_tracks_make_a_valid_package_ffmpeg_reads() {
    let (root, out) = prepare("langs.mp4", "langs", &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let asset = root.path().join("langs");
    let hls = asset.join("hls");
    probe_ok(&asset);

    let master = std::fs::read_to_string(hls.join("master.m3u8")).unwrap();
    println!("{master}");
    assert_eq!(master.matches("TYPE=AUDIO").count(), 2);
    assert_eq!(master.matches("TYPE=SUBTITLES").count(), 4);
    assert!(
        master.contains("AUDIO=\"audio\",SUBTITLES=\"subs\"")
            && master.contains("CODECS=\"mp4a.40.2\",AUDIO=\"audio\"")
    );

    // ffmpeg opens the master with both audio renditions tagged by language; its HLS demuxer (5.1)
    // parses the SUBTITLES renditions but does not demux them from a master, so each subtitle
    // playlist is read on its own and must give the source's cues back at their times.
    let log = ffmpeg_log(&["-hide_banner", "-loglevel", "debug", "-i", "master.m3u8"], &hls);
    let audio: Vec<&str> = log.lines().filter(|l| l.contains("Stream #") && l.contains("Audio: aac")).collect();
    assert!(audio.iter().any(|l| l.contains("(en)")) && audio.iter().any(|l| l.contains("(es)")), "{log}");
    for lang in ["de", "fr", "en", "es"] {
        assert!(
            log.contains(&format!("subtitle(uri: subs-{lang}/playlist.m3u8)")),
            "ffmpeg did not see subs-{lang}: {log}"
        );
    }
    let en =
        ffmpeg_log(&["-hide_banner", "-loglevel", "error", "-i", "subs-en/playlist.m3u8", "-f", "webvtt", "-"], &hls);
    println!("ffmpeg reads subs-en/playlist.m3u8 as:\n{en}");
    assert!(
        en.contains("00:01.000 --> 00:02.500\nEnglish one") && en.contains("00:06.000 --> 00:07.500\nEnglish three"),
        "{en}"
    );

    // The map is the first video PTS of the real first segment (ffmpeg's HLS muxer starts near 0 with
    // the B-frame delay, not at the plain TS muxer's 1.4 s).
    let seg0 = std::fs::read_to_string(hls.join("subs-es/seg_00000.vtt")).unwrap();
    let measured = (first_pts(&hls.join("180p"), "seg_00000.ts") * 90_000.0).round() as u64;
    println!("X-TIMESTAMP-MAP MPEGTS {} ; first video PTS of 180p/seg_00000.ts {measured}", mpegts_of(&seg0));
    assert_eq!(mpegts_of(&seg0), measured);

    // meta.json lists the extras.
    let meta: serde_json::Value = serde_json::from_slice(&std::fs::read(asset.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["audio_tracks"].as_array().unwrap().len(), 2);
    assert_eq!(meta["captions"].as_array().unwrap().len(), 4);
    assert_eq!(meta["storyboard"]["index"], "hls/storyboard/storyboard.vtt");
    assert_eq!(meta["storyboard"]["sheets"][0], "hls/storyboard/sheet_001.jpg");
    assert_eq!(meta["container"], "mp4", "the probe result is still there");
    // The progressive MP4 keeps the default (English) audio only.
    let mp4 = ffmpeg_log(&["-hide_banner", "-i", "stream.mp4"], &asset);
    assert_eq!(mp4.matches("Audio:").count(), 1, "{mp4}");
    let stats = ffmpeg_log(
        &["-hide_banner", "-nostats", "-i", "stream.mp4", "-map", "0:a", "-af", "astats", "-f", "null", "-"],
        &asset,
    );
    assert!(stats.contains("Zero crossings rate: 0.018"), "the 440 Hz English tone: {stats}");
    // `serve` delivers the new files with their types and caching.
    let server = serve_support::TestServer::start(root, |_| {});
    for (path, kind, cache) in [
        ("/hls/langs/storyboard/sheet_001.jpg", "image/jpeg", "public, max-age=31536000, immutable"),
        ("/hls/langs/storyboard/storyboard.vtt", "text/vtt; charset=utf-8", "public, max-age=31536000, immutable"),
        ("/hls/langs/subs-en/seg_00001.vtt", "text/vtt; charset=utf-8", "public, max-age=31536000, immutable"),
        ("/hls/langs/subs-en/all.vtt", "text/vtt; charset=utf-8", "public, max-age=31536000, immutable"),
        ("/hls/langs/subs-en/playlist.m3u8", "application/vnd.apple.mpegurl", "public, max-age=5"),
        ("/hls/langs/audio-es/seg_00000.ts", "video/mp2t", "public, max-age=31536000, immutable"),
    ] {
        let r = server.get(path);
        assert_eq!(
            (r.status, r.header("content-type"), r.header("cache-control")),
            (200, Some(kind), Some(cache)),
            "{path}"
        );
    }
}

#[test]
fn the_plain_ts_muxer_starts_at_1_4_seconds_and_the_b_frame_delay_comes_on_top() {
    // Why the map is measured: ffmpeg's mpegts muxer puts the first DTS at 1.4 s (126000), and with
    // B-frames the first PTS is later still.
    let dir = tempfile::tempdir().unwrap();
    let src = common::fixture("langs.mp4");
    let log = ffmpeg_log(
        &[
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-i",
            src.to_str().unwrap(),
            "-map",
            "0:v",
            "-c",
            "copy",
            "-f",
            "mpegts",
            "x.ts",
        ],
        dir.path(),
    );
    assert!(dir.path().join("x.ts").is_file(), "{log}");
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "packet=dts",
            "-of",
            "csv=p=0",
            "-read_intervals",
            "%+#1",
            "x.ts",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let dts: u64 = String::from_utf8_lossy(&out.stdout).trim().trim_end_matches(',').parse().unwrap();
    let pts = (first_pts(dir.path(), "x.ts") * 90_000.0).round() as u64;
    println!("plain mpegts: first DTS {dts}, first PTS {pts}");
    assert_eq!(dts, FFMPEG_TS_START);
    assert_eq!(pts, FFMPEG_TS_START + 15_000, "two B-frames at 12 fps");
}

#[test]
fn fmp4_packages_map_subtitles_to_their_own_first_timestamp_and_mkv_tracks_keep_their_flags() {
    let (root, out) = prepare("langs.mkv", "mkv", &["--segment-type", "fmp4", "--no-sidecar-subtitles"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let asset = root.path().join("mkv");
    let hls = asset.join("hls");
    probe_ok(&asset);
    let master = std::fs::read_to_string(hls.join("master.m3u8")).unwrap();
    assert!(master.contains("NAME=\"Español (forced)\",DEFAULT=NO,AUTOSELECT=YES,FORCED=YES"), "{master}");
    assert!(master.contains("NAME=\"English\",DEFAULT=YES"), "the audio titles and default flag: {master}");
    assert_eq!(master.matches("TYPE=SUBTITLES").count(), 2, "no sidecars with --no-sidecar-subtitles");
    let seg0 = std::fs::read_to_string(hls.join("subs-en/seg_00000.vtt")).unwrap();
    let measured = (first_pts(&hls.join("180p"), "concat:init.mp4|seg_00000.m4s") * 90_000.0).round() as u64;
    println!("fMP4: X-TIMESTAMP-MAP MPEGTS {} ; first video PTS {measured}", mpegts_of(&seg0));
    assert_eq!(mpegts_of(&seg0), measured);
    // The ASS stream became WebVTT text.
    let es = std::fs::read_to_string(hls.join("subs-es/all.vtt")).unwrap();
    assert!(es.contains("Español dos"), "{es}");
}

#[test]
fn a_malformed_subtitle_file_is_named_the_video_is_still_built_and_the_batch_exits_1() {
    let bad = common::fixture("malformed.srt");
    let (root, out) =
        prepare("langs.mp4", "bad", &["--subtitles", &format!("it={}", bad.display()), "--audio-languages", "es"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stderr}");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains(&format!("subtitles {}: line 2:", bad.display())), "{stderr}");
    let asset = root.path().join("bad");
    probe_ok(&asset);
    let master = std::fs::read_to_string(asset.join("hls/master.m3u8")).unwrap();
    assert!(!master.contains("LANGUAGE=\"it\"") && master.contains("LANGUAGE=\"de\""), "{master}");
    assert!(!master.contains("TYPE=AUDIO"), "one language left: muxed into the rungs as before: {master}");
    // The Spanish track (the 880 Hz tone) is the one the MP4s carry: its zero-crossing rate is
    // 2 x 880 / 48000 = 0.0367 (English, 440 Hz, would be 0.0183).
    let stats = ffmpeg_log(
        &["-hide_banner", "-nostats", "-i", "stream.mp4", "-map", "0:a", "-af", "astats", "-f", "null", "-"],
        &asset,
    );
    let zcr: f64 = stats
        .lines()
        .find_map(|l| l.split("Zero crossings rate:").nth(1))
        .and_then(|v| v.trim().parse().ok())
        .expect("astats output");
    println!("stream.mp4 audio zero-crossing rate {zcr:.4}");
    assert!((zcr - 0.0367).abs() < 0.003, "{stats}");
}

#[test]
fn a_source_without_audio_or_subtitles_keeps_working_with_a_storyboard() {
    let (root, out) = prepare("no-audio.mp4", "quiet", &["--storyboard-interval", "2"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let asset = root.path().join("quiet");
    probe_ok(&asset);
    let master = std::fs::read_to_string(asset.join("hls/master.m3u8")).unwrap();
    assert!(!master.contains("EXT-X-MEDIA"), "{master}");
    let index = std::fs::read_to_string(asset.join("hls/storyboard/storyboard.vtt")).unwrap();
    assert_eq!(index.matches("#xywh=").count(), 4, "7 s at one frame every 2 s: {index}");
}
