//! `playtube prepare` (and `probe`) on sources that are not what they claim or not named in UTF-8:
//! an MP4 whose chunk offsets point past the end of the file (moov at the end, or moov at the front
//! and the file cut short) is an error naming the file and how much was readable, or, with
//! `--allow-partial`, an asset with the shortfall recorded; a file name that is not UTF-8 is
//! processed (real bytes for I/O, lossy form in messages and JSON) and named in every error.
//! The damaged files are made here from a copy of a fixture, in a temp dir.

mod common;
mod pipeline_support;

use std::path::{Path, PathBuf};

use pipeline_support::*;

/// The 2.0 s fixture (320x180, H.264 + AAC, moov after mdat).
const CLIP: &str = "clip with spaces ünïcode.mp4";

/// (type, offset, size, header length) of every box on the path to the sample tables.
fn boxes(data: &[u8], mut off: usize, end: usize, out: &mut Vec<([u8; 4], usize, usize, usize)>) {
    while off + 8 <= end {
        let mut size = u32::from_be_bytes(data[off..off + 4].try_into().unwrap()) as usize;
        let kind: [u8; 4] = data[off + 4..off + 8].try_into().unwrap();
        let mut header = 8;
        if size == 1 {
            size = u64::from_be_bytes(data[off + 8..off + 16].try_into().unwrap()) as usize;
            header = 16;
        } else if size == 0 {
            size = end - off;
        }
        out.push((kind, off, size, header));
        if [b"moov", b"trak", b"mdia", b"minf", b"stbl"].contains(&&kind) {
            boxes(data, off + header, off + size, out);
        }
        off += size;
    }
}

/// The middle of the `mdat` payload: chunks after it are the ones damaged.
fn mdat_middle(data: &[u8]) -> usize {
    let mut all = Vec::new();
    boxes(data, 0, data.len(), &mut all);
    let (_, off, size, _) = all.iter().find(|b| &b.0 == b"mdat").expect("an mdat box");
    off + size / 2
}

/// Moov at the end: every `stco` entry into the second half of `mdat` now points past the end of
/// the file (the file keeps its size and its declared 2.0 s).
fn offsets_past_the_end(src: &Path, dst: &Path) {
    let mut data = std::fs::read(src).unwrap();
    let (middle, len) = (mdat_middle(&data), data.len() as u32);
    let mut all = Vec::new();
    boxes(&data, 0, data.len(), &mut all);
    let mut patched = 0;
    for (kind, off, _, _) in all.into_iter().filter(|b| &b.0 == b"stco") {
        assert_eq!(&kind, b"stco");
        let count = u32::from_be_bytes(data[off + 12..off + 16].try_into().unwrap()) as usize;
        for i in 0..count {
            let at = off + 16 + 4 * i;
            let offset = u32::from_be_bytes(data[at..at + 4].try_into().unwrap());
            if offset as usize >= middle {
                data[at..at + 4].copy_from_slice(&(offset + len).to_be_bytes());
                patched += 1;
            }
        }
    }
    assert!(patched > 4, "{patched} chunk offsets patched");
    std::fs::write(dst, data).unwrap();
}

/// A faststart (moov at the front) copy of `src`.
fn faststart_copy(src: &Path, dst: &Path) {
    let ok = std::process::Command::new(common::required_tool("ffmpeg", "ffmpeg"))
        .args(["-v", "error", "-y", "-i"])
        .arg(src)
        .args(["-c", "copy", "-movflags", "+faststart"])
        .arg(dst)
        .status()
        .unwrap();
    assert!(ok.success());
    let data = std::fs::read(dst).unwrap();
    assert!(data.windows(4).position(|w| w == b"moov") < data.windows(4).position(|w| w == b"mdat"));
}

/// Damaged copies of the 2.0 s clip: chunk offsets past the end with moov at the end and at the
/// front, and a faststart copy cut in the middle of its `mdat` (an interrupted upload).
struct Damaged {
    end: PathBuf,
    front: PathBuf,
    cut: PathBuf,
}

fn damaged(dir: &Path) -> Damaged {
    let front_ok = dir.join("front-ok.mp4");
    faststart_copy(&common::fixture(CLIP), &front_ok);
    let d =
        Damaged { end: dir.join("damaged-end.mp4"), front: dir.join("damaged-front.mp4"), cut: dir.join("cut.mp4") };
    offsets_past_the_end(&common::fixture(CLIP), &d.end);
    offsets_past_the_end(&front_ok, &d.front);
    let data = std::fs::read(&front_ok).unwrap();
    std::fs::write(&d.cut, &data[..mdat_middle(&data)]).unwrap();
    d
}

fn stderr(out: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&out.get_output().stderr).into_owned()
}

#[test]
fn damaged_sources_are_errors_naming_the_file_and_how_much_was_readable_and_the_batch_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = damaged(dir.path());
    let out = common::playtube_in(dir.path())
        .arg("prepare")
        .args(FAST)
        .args([&d.end, &d.front, &d.cut, &common::fixture("tiny-240p.mp4")])
        .args(["-o", "assets"])
        .assert()
        .code(1);
    let err = stderr(&out);
    for name in ["damaged-end.mp4", "damaged-front.mp4"] {
        let line = err.lines().find(|l| l.contains(name)).unwrap_or_else(|| panic!("{name} not named in {err}"));
        assert!(line.contains("only partly readable") && line.contains("of the 2.00 s"), "{line}");
        assert!(line.contains("--allow-partial"), "{line}");
    }
    let line = err.lines().find(|l| l.contains("cut.mp4")).unwrap_or_else(|| panic!("cut.mp4 not named in {err}"));
    assert!(line.contains("truncated MP4") && line.contains("--allow-partial"), "{line}");
    assert_eq!(line.matches("truncated MP4").count(), 1, "the cause once: {line}");
    // The good input was built; nothing of the damaged ones was published or left in staging.
    assert_eq!(root_entries(&dir.path().join("assets")), ["tiny-240p"]);
}

#[test]
fn allow_partial_builds_the_readable_part_and_records_the_shortfall_in_meta_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let d = damaged(dir.path());
    // The default plan (storyboard on: its tile filter runs to the declared end, so ffmpeg's own
    // progress time is no measure of what was read).
    let out = common::playtube_in(dir.path())
        .args(["prepare", "--allow-partial", "--json"])
        .args(FAST)
        .args([&d.end, &d.cut])
        .args(["-o", "assets"])
        .assert()
        .success();
    let err = stderr(&out);
    let results: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    for (i, id) in ["damaged-end", "cut"].into_iter().enumerate() {
        assert!(err.lines().any(|l| l.contains(&format!("{id}.mp4")) && l.contains("only partly readable")), "{err}");
        let partial = &results[i]["partial_source"];
        assert_eq!(partial["declared_seconds"], 2.0, "{results}");
        let decoded = partial["decoded_seconds"].as_f64().unwrap();
        assert!(decoded > 0.3 && decoded < 1.7, "{id}: decoded {decoded}");
        let asset = dir.path().join("assets").join(id);
        let meta: serde_json::Value = serde_json::from_slice(&std::fs::read(asset.join("meta.json")).unwrap()).unwrap();
        assert_eq!(meta["partial_source"], *partial);
        // The asset holds what was readable: shorter than the declared 2.0 s.
        let got = streams(&asset.join("renditions/180p.mp4"));
        let v = got.iter().find(|s| s["codec_type"] == "video").unwrap();
        let secs: f64 = v["duration"].as_str().unwrap().parse().unwrap();
        assert!(secs < 1.8, "{id}: the rendition's video lasts {secs} s");
    }
}

#[test]
fn a_complete_source_records_no_partial_source() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::playtube_in(dir.path())
        .args(["prepare", "--json", "--no-storyboard"])
        .args(FAST)
        .arg(common::fixture(CLIP))
        .args(["-o", "assets"])
        .assert()
        .success();
    let results: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert!(results[0].get("partial_source").is_none(), "{results}");
    let id = results[0]["id"].as_str().unwrap();
    let meta = std::fs::read_to_string(dir.path().join("assets").join(id).join("meta.json")).unwrap();
    assert!(!meta.contains("partial_source"), "{meta}");
}

#[test]
fn a_high_bitrate_source_longer_than_a_minute_builds_with_its_storyboard() {
    // 70 s of 720p at about 7.5 Mbit/s: the stream copy alone is past ffmpeg's 50 MB muxing-queue
    // threshold before the end. The storyboard's only sheet comes once the whole source is decoded;
    // while it shared the tee output with the rungs, their packets waited for it and ffmpeg gave up
    // with "Too many packets buffered for output stream".
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("long.mp4");
    let ok = std::process::Command::new(common::required_tool("ffmpeg", "ffmpeg"))
        .args(["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30:duration=70"])
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"])
        .arg(&src)
        .status()
        .unwrap();
    assert!(ok.success());
    assert!(std::fs::metadata(&src).unwrap().len() > 55_000_000, "the source must be past 50 MB");
    let out = common::playtube_in(dir.path())
        .args(["prepare", "--json", "--preset", "ultrafast", "--qualities", "360p"])
        .arg(&src)
        .args(["-o", "assets"])
        .assert();
    let output = out.get_output();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let results: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let id = results[0]["id"].as_str().unwrap();
    let asset = dir.path().join("assets").join(id);
    assert!(asset.join("hls/storyboard/sheet_001.jpg").is_file(), "the storyboard sheet was written");
    assert!(asset.join("hls/storyboard/storyboard.vtt").is_file());
    assert!(asset.join("stream.mp4").is_file() && asset.join("hls/master.m3u8").is_file());
}

#[cfg(unix)]
mod non_utf8 {
    use super::*;
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    /// `clip-<0xff><0xfe>.mp4` (Latin-1 bytes, not UTF-8): a copy of the 2 s clip.
    fn latin1_copy(dir: &Path, tail: &[u8], from: &Path) -> PathBuf {
        let mut name = b"clip-\xff\xfe".to_vec();
        name.extend_from_slice(tail);
        let path = dir.join(OsStr::from_bytes(&name));
        std::fs::copy(from, &path).unwrap();
        assert!(path.to_str().is_none(), "the name is not UTF-8");
        path
    }

    #[test]
    fn probe_json_reports_a_file_whose_name_is_not_utf8_in_its_lossy_form() {
        let dir = tempfile::tempdir().unwrap();
        let path = latin1_copy(dir.path(), b".mp4", &common::fixture(CLIP));
        let out = common::playtube_in(dir.path()).args(["probe", "--json"]).arg(&path).assert().success();
        let info: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        assert!(info["path"].as_str().unwrap().ends_with("clip-\u{FFFD}\u{FFFD}.mp4"), "{info}");
        assert_eq!(info["duration"], 2.0);
    }

    #[test]
    fn errors_about_a_file_whose_name_is_not_utf8_name_it() {
        let dir = tempfile::tempdir().unwrap();
        let bad = latin1_copy(dir.path(), b"-text.mp4", &common::fixture("not-media.mp4"));
        let out = common::playtube_in(dir.path())
            .args(["probe", "--json"])
            .args([&bad, &common::fixture("tiny-240p.mp4")])
            .assert()
            .code(1);
        let err = stderr(&out);
        assert!(err.contains("clip-\u{FFFD}\u{FFFD}-text.mp4"), "{err}");
        let out =
            common::playtube_in(dir.path()).arg("prepare").args(FAST).arg(&bad).args(["-o", "a"]).assert().code(1);
        let err = stderr(&out);
        assert!(err.contains("clip-\u{FFFD}\u{FFFD}-text.mp4"), "{err}");
    }

    #[test]
    fn prepare_builds_a_file_whose_name_is_not_utf8_under_a_sanitised_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = latin1_copy(dir.path(), b".mp4", &common::fixture(CLIP));
        let out = common::playtube_in(dir.path())
            .args(["prepare", "--json", "--no-storyboard"])
            .args(FAST)
            .arg(&path)
            .args(["-o", "assets"])
            .assert()
            .success();
        let results: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        assert_eq!(results[0]["id"], "clip-__");
        assert!(results[0]["input"].as_str().unwrap().ends_with("clip-\u{FFFD}\u{FFFD}.mp4"), "{results}");
        let asset = dir.path().join("assets/clip-__");
        let meta: serde_json::Value = serde_json::from_slice(&std::fs::read(asset.join("meta.json")).unwrap()).unwrap();
        assert!(meta["path"].as_str().unwrap().ends_with("clip-\u{FFFD}\u{FFFD}.mp4"), "{meta}");
        assert!(asset.join("hls/master.m3u8").is_file() && asset.join("stream.mp4").is_file());
    }
}
