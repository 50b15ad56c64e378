//! `playtube faststart`: the rewrite is lossless (ffmpeg's framemd5 of every video and audio frame is
//! unchanged and ffprobe reads the result), moov ends up first, already-streamable files are reported,
//! bad inputs fail cleanly without leaving an output or temp file, --in-place replaces atomically,
//! the stco -> co64 upgrade yields a file ffmpeg decodes identically, and Ctrl-C leaves nothing behind.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use playtube::pipeline::mp4::{self, Destination, Options, Outcome};

/// framemd5 of the decoded frames of one stream type (`v` or `a`) of `file`.
fn framemd5(file: &Path, stream: &str) -> String {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(file)
        .args(["-map", &format!("0:{stream}"), "-f", "framemd5", "-"])
        .output()
        .expect("ffmpeg runs");
    assert!(out.status.success(), "ffmpeg framemd5 of {}: {}", file.display(), String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    // Drop comment lines (they name the input), keep one line per frame.
    let frames: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert!(frames.len() > 10, "too few {stream} frames in {}", file.display());
    frames.join("\n")
}

fn assert_lossless(input: &Path, output: &Path) {
    assert_lossless_streams(input, output, &["v", "a"]);
}

fn assert_lossless_streams(input: &Path, output: &Path, streams: &[&str]) {
    for &stream in streams {
        assert!(framemd5(input, stream) == framemd5(output, stream), "{stream} frames differ");
    }
    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "format=duration:stream=codec_type", "-of", "csv=p=0"])
        .arg(output)
        .output()
        .unwrap();
    assert!(probe.status.success() && probe.stderr.is_empty(), "ffprobe: {}", String::from_utf8_lossy(&probe.stderr));
}

/// Top-level box types, read with a ten-line parser independent of the one under test.
fn top_level(file: &Path) -> Vec<String> {
    let bytes = std::fs::read(file).unwrap();
    let (mut at, mut kinds) = (0usize, Vec::new());
    while at + 8 <= bytes.len() {
        let size = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        kinds.push(String::from_utf8_lossy(&bytes[at + 4..at + 8]).into_owned());
        assert!(size >= 8, "unexpected box size {size}");
        at += size;
    }
    assert_eq!(at, bytes.len(), "boxes do not add up to the file length");
    kinds
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

fn copy_fixture(name: &str, dir: &Path) -> PathBuf {
    let dest = dir.join(name);
    std::fs::copy(common::fixture(name), &dest).unwrap();
    dest
}

#[test]
fn moov_at_end_becomes_faststart_and_every_frame_is_unchanged() {
    let (mut cmd, dir) = common::playtube();
    let out = dir.path().join("out.mp4");
    let input = common::fixture("moov-at-end.mp4");
    assert_eq!(top_level(&input), ["ftyp", "free", "mdat", "moov"]);
    cmd.args(["faststart"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicates::str::contains("moov moved to the front"));
    assert_eq!(top_level(&out), ["ftyp", "free", "moov", "mdat"]);
    assert_eq!(std::fs::metadata(&out).unwrap().len(), std::fs::metadata(&input).unwrap().len());
    assert_lossless(&input, &out);
}

#[test]
fn forced_co64_upgrade_still_decodes_identically() {
    let dir = tempfile::tempdir().unwrap();
    let input = common::fixture("moov-at-end.mp4");
    let out = dir.path().join("wide.mp4");
    let outcome =
        mp4::faststart(&input, &Destination::File(out.clone()), &Options { co64_threshold: 0 }, &|_| false).unwrap();
    let Outcome::Rewritten(rw) = outcome else { panic!("expected a rewrite, got {outcome:?}") };
    assert_eq!(rw.tables_upgraded, 2, "one table per track");
    assert_eq!(rw.moov_size_after - rw.moov_size_before, 4 * rw.chunk_offsets);
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.windows(4).any(|w| w == b"co64") && !bytes.windows(4).any(|w| w == b"stco"));
    assert_eq!(top_level(&out), ["ftyp", "free", "moov", "mdat"]);
    assert_lossless(&input, &out);
}

#[test]
fn already_faststart_is_reported_and_copied_unchanged() {
    let (mut cmd, dir) = common::playtube();
    let out = dir.path().join("copy.mp4");
    let input = common::fixture("landscape.mp4");
    cmd.arg("faststart")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicates::str::contains("already faststart; copied unchanged"));
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&input).unwrap());
}

#[test]
fn already_faststart_in_place_is_left_alone() {
    let (mut cmd, dir) = common::playtube();
    let file = copy_fixture("landscape.mp4", dir.path());
    let before = std::fs::metadata(&file).unwrap().modified().unwrap();
    cmd.args(["faststart", "--in-place"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicates::str::contains("left as it is"));
    assert_eq!(std::fs::metadata(&file).unwrap().modified().unwrap(), before);
}

#[test]
fn fragmented_mp4_is_reported_as_streamable() {
    let (mut cmd, dir) = common::playtube();
    let out = dir.path().join("frag.mp4");
    cmd.arg("--json").arg("faststart").arg(common::fixture("fragmented.mp4")).arg("-o").arg(&out);
    let output = cmd.assert().success().get_output().stdout.clone();
    let json: serde_json::Value = serde_json::from_slice(&output).unwrap();
    assert_eq!(json["outcome"], "fragmented");
    assert_eq!(json["written"], true);
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(common::fixture("fragmented.mp4")).unwrap());
}

#[test]
fn truncated_input_fails_and_leaves_no_output_or_temp_file() {
    let (mut cmd, dir) = common::playtube();
    let bytes = std::fs::read(common::fixture("moov-at-end.mp4")).unwrap();
    let cut = dir.path().join("cut.mp4");
    std::fs::write(&cut, &bytes[..bytes.len() - 1000]).unwrap();
    let out = dir.path().join("out.mp4");
    let assert = cmd.arg("faststart").arg(&cut).arg("-o").arg(&out).assert().code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cut.mp4") && stderr.contains("truncated MP4") && stderr.contains("moov"), "{stderr}");
    assert_eq!(entries(dir.path()), ["cut.mp4"]);
}

#[test]
fn failed_run_keeps_an_existing_output_intact() {
    let (mut cmd, dir) = common::playtube();
    let junk = dir.path().join("junk.mp4");
    std::fs::write(&junk, (0..5000u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8).collect::<Vec<_>>()).unwrap();
    let out = dir.path().join("out.mp4");
    std::fs::write(&out, b"previous result").unwrap();
    cmd.arg("faststart").arg(&junk).arg("-o").arg(&out).assert().code(1);
    assert_eq!(std::fs::read(&out).unwrap(), b"previous result");
    assert_eq!(entries(dir.path()), ["junk.mp4", "out.mp4"]);
}

#[test]
fn in_place_replaces_the_file_atomically_and_keeps_its_permissions() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let (mut cmd, dir) = common::playtube();
    let file = copy_fixture("moov-at-end.mp4", dir.path());
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let inode = std::fs::metadata(&file).unwrap().ino();
    cmd.args(["faststart", "--in-place"]).arg(&file).assert().success();
    let meta = std::fs::metadata(&file).unwrap();
    assert_ne!(meta.ino(), inode, "a new file was renamed over the old one");
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    assert_eq!(top_level(&file), ["ftyp", "free", "moov", "mdat"]);
    assert_eq!(entries(dir.path()), ["moov-at-end.mp4"]);
    assert_lossless(&common::fixture("moov-at-end.mp4"), &file);
}

#[test]
fn batch_in_place_goes_past_bad_files_and_exits_1() {
    let (mut cmd, dir) = common::playtube();
    let media = dir.path().join("media");
    std::fs::create_dir(&media).unwrap();
    let good = copy_fixture("moov-at-end.mp4", &media);
    std::fs::write(media.join("empty.mp4"), b"").unwrap();
    std::fs::write(media.join("text.mp4"), b"not a video at all\n").unwrap();
    let assert = cmd.args(["faststart", "--in-place"]).arg(&media).assert().code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
    assert!(stderr.contains("empty.mp4: empty file"), "{stderr}");
    assert!(stderr.contains("text.mp4: not an MP4 file"), "{stderr}");
    assert_eq!(top_level(&good), ["ftyp", "free", "moov", "mdat"]);
}

#[test]
fn output_flag_with_several_inputs_is_a_usage_error() {
    let (mut cmd, dir) = common::playtube();
    cmd.arg("faststart")
        .arg(common::fixture("moov-at-end.mp4"))
        .arg(common::fixture("landscape.mp4"))
        .arg("-o")
        .arg(dir.path().join("x.mp4"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--in-place"));
}

/// A moov-at-end MP4 with a large, mostly empty (sparse) mdat: big enough that copying it takes
/// many pieces, so an interrupt lands mid-copy.
fn big_sparse_mp4(path: &Path, mdat_len: u64) {
    use std::io::Write;
    let b = |kind: &[u8; 4], payload: &[u8]| {
        let mut v = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(payload);
        v
    };
    let ftyp = b(b"ftyp", b"isom\0\0\0\0");
    let mut stco = vec![0, 0, 0, 0, 0, 0, 0, 1];
    stco.extend_from_slice(&(ftyp.len() as u32 + 8).to_be_bytes());
    // One chunk of one 1-byte sample (stsc, stsz): faststart checks each chunk lies inside mdat.
    let words = |w: &[u32]| w.iter().flat_map(|v| v.to_be_bytes()).collect::<Vec<u8>>();
    let stbl = [b(b"stsc", &words(&[0, 1, 1, 1, 1])), b(b"stsz", &words(&[0, 1, 1])), b(b"stco", &stco)].concat();
    let moov = b(b"moov", &b(b"trak", &b(b"mdia", &b(b"minf", &b(b"stbl", &stbl)))));
    let mut f = std::fs::File::create(path).unwrap();
    f.write_all(&ftyp).unwrap();
    f.write_all(&((mdat_len + 8) as u32).to_be_bytes()).unwrap();
    f.write_all(b"mdat").unwrap();
    f.set_len(ftyp.len() as u64 + 8 + mdat_len).unwrap();
    use std::io::Seek;
    f.seek(std::io::SeekFrom::End(0)).unwrap();
    f.write_all(&moov).unwrap();
}

#[test]
fn ctrl_c_mid_copy_exits_130_and_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.mp4");
    big_sparse_mp4(&input, 768 << 20);
    let out = dir.path().join("out.mp4");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("playtube"))
        .arg("faststart")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .env("NO_COLOR", "1")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the temp file exists (the copy has started), then interrupt.
    let started = std::time::Instant::now();
    while !entries(dir.path()).iter().any(|n| n.ends_with(".partial")) {
        assert!(started.elapsed().as_secs() < 30, "no temp file appeared");
        assert!(child.try_wait().unwrap().is_none(), "finished before it could be interrupted");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(entries(dir.path()), ["big.mp4"]);
}

#[test]
fn audio_only_and_unicode_named_files_are_rewritten_losslessly() {
    let (mut cmd, dir) = common::playtube();
    let audio = copy_fixture("audio-only.m4a", dir.path());
    let clip = copy_fixture("clip with spaces ünïcode.mp4", dir.path());
    cmd.args(["faststart", "--in-place"]).arg(&audio).arg(&clip).assert().success();
    assert_eq!(top_level(&audio)[..3], ["ftyp", "free", "moov"]);
    assert_eq!(top_level(&clip)[..3], ["ftyp", "free", "moov"]);
    assert_lossless_streams(&common::fixture("audio-only.m4a"), &audio, &["a"]);
    assert_lossless(&common::fixture("clip with spaces ünïcode.mp4"), &clip);
}
