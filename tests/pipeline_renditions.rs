//! `playtube renditions` on the fixtures with real ffmpeg: rung names and sizes, no upscaling,
//! portrait/odd/no-audio/tiny sources, faststart and the 2 s IDR grid, batches that continue past bad
//! inputs, re-runs that skip, --force, --id and --qualities, and failures that leave no partial asset.

mod common;
mod pipeline_support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use pipeline_support::*;

struct Built {
    _dir: tempfile::TempDir,
    root: PathBuf,
    stderr: String,
    code: Option<i32>,
}

/// Every interesting fixture (two of them bad) in one batch, shared by the tests below.
fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("assets");
        let inputs = [
            "landscape.mp4",
            "audio-only.m4a",
            "portrait-rotated.mp4",
            "odd-size.mkv",
            "not-media.mp4",
            "no-audio.mp4",
            "tiny-240p.mp4",
        ];
        let out = common::playtube_in(dir.path())
            .arg("renditions")
            .args(FAST)
            .args(inputs.map(common::fixture))
            .arg("-o")
            .arg(&root)
            .output()
            .unwrap();
        Built { _dir: dir, root, stderr: String::from_utf8_lossy(&out.stderr).into_owned(), code: out.status.code() }
    })
}

fn rendition(id: &str, q: &str) -> PathBuf {
    built().root.join(id).join("renditions").join(format!("{q}.mp4"))
}

fn rungs(id: &str) -> Vec<String> {
    files(&built().root.join(id).join("renditions")).iter().map(|p| p.to_string_lossy().into_owned()).collect()
}

#[test]
fn landscape_480p_source_gets_360p_and_480p_and_nothing_larger() {
    assert_eq!(rungs("landscape"), ["360p.mp4", "480p.mp4"]);
    assert_eq!(video_size(&rendition("landscape", "360p")), (640, 360));
    assert_eq!(video_size(&rendition("landscape", "480p")), (854, 480));
    assert!(has_audio(&rendition("landscape", "480p")));
}

#[test]
fn rotated_portrait_source_gives_a_portrait_rendition() {
    assert_eq!(rungs("portrait-rotated"), ["360p.mp4"]);
    assert_eq!(video_size(&rendition("portrait-rotated", "360p")), (360, 640));
}

#[test]
fn odd_sized_source_keeps_its_aspect_with_even_dimensions() {
    assert_eq!(rungs("odd-size"), ["360p.mp4"]);
    assert_eq!(video_size(&rendition("odd-size", "360p")), (640, 358));
    let s = streams(&rendition("odd-size", "360p"));
    assert_eq!(s[0]["pix_fmt"], "yuv420p", "4:4:4 input is delivered as 4:2:0");
}

#[test]
fn source_without_audio_gives_video_only_renditions() {
    assert_eq!(rungs("no-audio"), ["360p.mp4", "480p.mp4"]);
    assert!(!has_audio(&rendition("no-audio", "360p")));
}

#[test]
fn source_below_360p_gets_one_rung_at_its_own_size() {
    assert_eq!(rungs("tiny-240p"), ["240p.mp4"]);
    assert_eq!(video_size(&rendition("tiny-240p", "240p")), (320, 240));
}

#[test]
fn renditions_are_faststart_with_an_idr_every_2_seconds() {
    let path = rendition("landscape", "480p");
    let bytes = std::fs::read(&path).unwrap();
    let moov = bytes.windows(4).position(|w| w == b"moov").unwrap();
    let mdat = bytes.windows(4).position(|w| w == b"mdat").unwrap();
    assert!(moov < mdat, "moov must precede mdat");
    let keys: Vec<f64> = video_packets(&path).iter().filter(|p| p.key).map(|p| p.pts).collect();
    let mut keys = keys;
    keys.sort_by(f64::total_cmp);
    assert_eq!(keys.len(), 6, "{keys:?}");
    for (i, t) in keys.iter().enumerate() {
        assert!((t - 2.0 * i as f64).abs() < 0.05, "{keys:?}");
    }
}

#[test]
fn bad_inputs_are_reported_by_name_and_the_batch_goes_on_then_exits_1() {
    let b = built();
    assert_eq!(b.code, Some(1), "{}", b.stderr);
    assert!(b.stderr.contains("audio-only.m4a: the input has no video stream"), "{}", b.stderr);
    assert!(b.stderr.contains("not-media.mp4: not a media file"), "{}", b.stderr);
    // Failed inputs leave nothing; good inputs are all there; no staging folders remain.
    assert_eq!(root_entries(&b.root), ["landscape", "no-audio", "odd-size", "portrait-rotated", "tiny-240p"]);
}

fn run_renditions(dir: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    common::playtube_in(dir)
        .arg("renditions")
        .args(FAST)
        .args(extra)
        .arg(common::fixture("tiny-240p.mp4"))
        .arg("-o")
        .arg(dir.join("assets"))
        .assert()
}

#[test]
fn rerun_skips_finished_assets_and_force_rebuilds_them() {
    let dir = tempfile::tempdir().unwrap();
    run_renditions(dir.path(), &[]).success();
    let file = dir.path().join("assets/tiny-240p/renditions/240p.mp4");
    let first = std::fs::metadata(&file).unwrap().modified().unwrap();
    let out = run_renditions(dir.path(), &["--json"]).success().get_output().stdout.clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(json[0]["status"], "skipped");
    assert_eq!(std::fs::metadata(&file).unwrap().modified().unwrap(), first);
    let out = run_renditions(dir.path(), &["--json", "--force"]).success().get_output().stdout.clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(json[0]["status"], "built");
    assert_ne!(std::fs::metadata(&file).unwrap().modified().unwrap(), first);
}

#[test]
fn id_names_the_asset_and_needs_a_single_input() {
    let dir = tempfile::tempdir().unwrap();
    run_renditions(dir.path(), &["--id", "3f2504e0-4f89-11d3-9a0c-0305e82c3301"]).success();
    assert!(dir.path().join("assets/3f2504e0-4f89-11d3-9a0c-0305e82c3301/renditions/240p.mp4").is_file());
    common::playtube_in(dir.path())
        .args(["renditions", "--id", "x"])
        .args([common::fixture("tiny-240p.mp4"), common::fixture("landscape.mp4")])
        .args(["-o", "assets"])
        .assert()
        .code(2);
}

#[test]
fn qualities_pick_rungs_and_unknown_names_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    common::playtube_in(dir.path())
        .args(["renditions", "--qualities", "480p"])
        .args(FAST)
        .arg(common::fixture("landscape.mp4"))
        .args(["-o", "assets"])
        .assert()
        .success();
    assert_eq!(files(&dir.path().join("assets/landscape/renditions")), [PathBuf::from("480p.mp4")]);
    let out = common::playtube_in(dir.path())
        .args(["renditions", "--qualities", "4k"])
        .arg(common::fixture("landscape.mp4"))
        .args(["-o", "assets"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("--qualities") && err.contains("4k"), "{err}");
}

#[test]
fn configured_rungs_in_playtube_toml_replace_the_ladder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("playtube.toml"),
        "[pipeline]\npreset = \"ultrafast\"\n[[pipeline.rungs]]\nname = \"small\"\nwidth = 320\nheight = 180\nvideo_kbps = 300\naudio_kbps = 64\ncrf = 30\n",
    )
    .unwrap();
    common::playtube_in(dir.path())
        .arg("renditions")
        .arg(common::fixture("landscape.mp4"))
        .args(["-o", "assets"])
        .assert()
        .success();
    let out = dir.path().join("assets/landscape/renditions/small.mp4");
    assert_eq!(video_size(&out), (320, 180));
}
