//! `playtube prepare`: the whole chain from one decode (meta.json, thumb.jpg, stream.mp4, renditions,
//! HLS), and atomicity: a failing ffmpeg or Ctrl-C leaves no half-made asset and never touches the
//! finished assets of other inputs.

mod common;
mod pipeline_support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use pipeline_support::*;

struct Built {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("assets");
        common::playtube_in(dir.path())
            .arg("prepare")
            .args(FAST)
            .args([common::fixture("landscape.mp4"), common::fixture("odd-size.mkv")])
            .arg("-o")
            .arg(&root)
            .assert()
            .success();
        Built { _dir: dir, root }
    })
}

#[test]
fn prepare_writes_the_whole_asset_layout() {
    let asset = built().root.join("landscape");
    let names: Vec<String> = files(&asset).iter().map(|p| p.to_string_lossy().into_owned()).collect();
    for want in [
        "meta.json",
        "thumb.jpg",
        "stream.mp4",
        "renditions/360p.mp4",
        "renditions/480p.mp4",
        "hls/master.m3u8",
        "hls/360p/playlist.m3u8",
        "hls/360p/iframes.m3u8",
        "hls/480p/seg_00001.ts",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} missing from {names:?}");
    }
    let meta: serde_json::Value = serde_json::from_slice(&std::fs::read(asset.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["video"][0]["width"], 854);
    let thumb = std::fs::read(asset.join("thumb.jpg")).unwrap();
    assert_eq!(&thumb[..3], &[0xff, 0xd8, 0xff], "a JPEG");
    common::playtube().0.arg("probe").arg(&asset).assert().success();
}

#[test]
fn web_playable_source_is_remuxed_not_reencoded_into_stream_mp4() {
    let stream = built().root.join("landscape/stream.mp4");
    let source = common::fixture("landscape.mp4");
    // Same coded frames (stream copy), moov first.
    let sizes = |p: &Path| {
        let out = std::process::Command::new("ffprobe")
            .args(["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=size", "-of", "csv=p=0"])
            .arg(p)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(sizes(&stream), sizes(&source));
    let bytes = std::fs::read(&stream).unwrap();
    assert!(bytes.windows(4).position(|w| w == b"moov") < bytes.windows(4).position(|w| w == b"mdat"));
}

#[test]
fn other_sources_get_the_best_rung_as_stream_mp4() {
    let asset = built().root.join("odd-size");
    assert_eq!(video_size(&asset.join("stream.mp4")), (640, 358));
    assert_eq!(
        std::fs::read(asset.join("stream.mp4")).unwrap(),
        std::fs::read(asset.join("renditions/360p.mp4")).unwrap()
    );
}

#[cfg(unix)]
fn fake_ffmpeg(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("ffmpeg");
    std::fs::write(
        &path,
        "#!/bin/sh\nmkdir -p renditions hls/360p\necho partial > renditions/360p.mp4\n\
         echo 'av_interleaved_write_frame(): No space left on device' >&2\necho 'Conversion failed!' >&2\nexit 1\n",
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn prepared_tiny(dir: &Path) -> PathBuf {
    common::playtube_in(dir)
        .arg("prepare")
        .args(FAST)
        .arg(common::fixture("tiny-240p.mp4"))
        .args(["-o", "assets"])
        .assert()
        .success();
    dir.join("assets/tiny-240p")
}

#[cfg(unix)]
#[test]
fn failing_ffmpeg_leaves_no_partial_asset_and_shows_its_error_with_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let other = prepared_tiny(dir.path());
    let before = files(&other);
    let out = common::playtube_in(dir.path())
        .env("PLAYTUBE_FFMPEG", fake_ffmpeg(dir.path()))
        .args(["prepare", "--force"])
        .args([common::fixture("landscape.mp4"), common::fixture("tiny-240p.mp4")])
        .args(["-o", "assets"])
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("landscape.mp4") && err.contains("No space left on device"), "{err}");
    // The failed asset was never created, the finished one is intact, no staging folder remains.
    assert_eq!(root_entries(&dir.path().join("assets")), ["tiny-240p"]);
    assert_eq!(files(&other), before);
    assert!(other.join("renditions/240p.mp4").metadata().unwrap().len() > 1000);
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_ffmpeg_exits_130_and_leaves_no_partial_asset() {
    let dir = tempfile::tempdir().unwrap();
    prepared_tiny(dir.path());
    // A source long enough to still be encoding when interrupted.
    let src = dir.path().join("long.mp4");
    let made = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=30"])
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-crf", "35"])
        .arg(&src)
        .status()
        .unwrap();
    assert!(made.success());
    let bin = assert_cmd::cargo::cargo_bin("playtube");
    let mut child = std::process::Command::new(bin)
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .args(["prepare", "--preset", "medium"])
        .arg(&src)
        .args(["-o", "assets"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let root = dir.path().join("assets");
    let started = Instant::now();
    while !root_entries(&root).iter().any(|n| n.starts_with(".long.partial")) {
        assert!(started.elapsed() < Duration::from_secs(20), "no staging folder appeared");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(500));
    let killed = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(root_entries(&root), ["tiny-240p"]);
}

#[cfg(unix)]
#[test]
fn bad_thumbnail_width_in_the_environment_exits_2_at_once_naming_it_with_nothing_encoded() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    // An ffmpeg that leaves a mark if anything runs it: the bad setting must stop the run first.
    let ffmpeg = dir.path().join("ffmpeg");
    std::fs::write(&ffmpeg, format!("#!/bin/sh\ntouch {}\nexit 1\n", dir.path().join("ran").display())).unwrap();
    std::fs::set_permissions(&ffmpeg, std::fs::Permissions::from_mode(0o755)).unwrap();
    let started = Instant::now();
    let out = common::playtube_in(dir.path())
        .env("PLAYTUBE_THUMBNAIL_WIDTH", "abc")
        .env("PLAYTUBE_FFMPEG", &ffmpeg)
        .arg("prepare")
        .arg(common::fixture("landscape.mp4"))
        .args(["-o", "x"])
        .assert()
        .code(2);
    assert!(started.elapsed() < Duration::from_secs(1), "took {:?}", started.elapsed());
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("PLAYTUBE_THUMBNAIL_WIDTH"), "{err}");
    assert!(!dir.path().join("ran").exists(), "ffmpeg ran");
    assert!(!dir.path().join("x").exists(), "an output folder was made");
}
