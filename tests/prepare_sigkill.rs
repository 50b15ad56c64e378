//! `prepare` killed outright (SIGKILL: no handler runs): its ffmpeg child dies with it (parent-death
//! signal) instead of encoding on as an orphan, and the staging folder it leaves is removed by the next
//! run in the same root; but a run never removes the staging folder of a run that is still alive
//! (each is locked by its owner).

#![cfg(target_os = "linux")]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A source long enough (30 s of 640x360) to still be encoding when the test acts.
fn long_source(dir: &Path) -> PathBuf {
    let src = dir.join("long.mp4");
    let made = Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=30"])
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-crf", "35"])
        .arg(&src)
        .status()
        .expect("ffmpeg runs (apt-get install ffmpeg)");
    assert!(made.success());
    src
}

/// `playtube prepare SRC -o ROOT --preset medium` in the background.
fn start_prepare(cwd: &Path, src: &Path, root: &Path) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("playtube"))
        .current_dir(cwd)
        .env("HOME", cwd)
        .env("NO_COLOR", "1")
        .args(["prepare", "--preset", "medium", "--quiet"])
        .arg(src)
        .arg("-o")
        .arg(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Fields of /proc/PID/stat after the command name: (state, parent pid).
fn stat(pid: u32) -> Option<(char, u32)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 2..];
    let mut fields = rest.split(' ');
    let state = fields.next()?.chars().next()?;
    Some((state, fields.next()?.parse().ok()?))
}

fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default().trim().to_owned()
}

/// The ffmpeg child of `parent`, waiting up to a minute for it to start.
fn ffmpeg_child(parent: &mut Child) -> u32 {
    let started = Instant::now();
    loop {
        let found = std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .find(|&pid| stat(pid).is_some_and(|(_, ppid)| ppid == parent.id()) && comm(pid) == "ffmpeg");
        if let Some(pid) = found {
            return pid;
        }
        assert!(parent.try_wait().unwrap().is_none(), "prepare ended before ffmpeg was seen");
        assert!(started.elapsed() < Duration::from_secs(60), "no ffmpeg child within 60 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether `pid` is gone (or a zombie waiting to be reaped by init: it runs no more).
fn dead(pid: u32) -> bool {
    stat(pid).is_none_or(|(state, _)| state == 'Z' || state == 'X')
}

fn staging(root: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(root).map(|d| d.filter_map(|e| Some(e.ok()?.path())).collect()).unwrap_or_default();
    v.retain(|p| p.file_name().unwrap().to_string_lossy().contains(".partial-"));
    v
}

#[test]
fn sigkill_mid_encode_takes_ffmpeg_down_and_the_next_run_removes_the_staging() {
    let dir = tempfile::tempdir().unwrap();
    let src = long_source(dir.path());
    let root = dir.path().join("assets");
    let mut run = start_prepare(dir.path(), &src, &root);
    let ffmpeg = ffmpeg_child(&mut run);
    std::thread::sleep(Duration::from_millis(300));
    let left = staging(&root);
    assert_eq!(left.len(), 1, "one staging folder while encoding: {left:?}");

    run.kill().unwrap(); // SIGKILL
    run.wait().unwrap();
    std::thread::sleep(Duration::from_secs(1));
    assert!(dead(ffmpeg), "ffmpeg ({ffmpeg}) is still running a second after its parent was killed");
    assert_eq!(staging(&root), left, "the killed run's staging is left behind (nothing could remove it)");

    // The next run in the same root (another input) removes it and says so.
    let out = common::playtube_in(dir.path())
        .args(["prepare", "--preset", "ultrafast"])
        .arg(common::fixture("tiny-240p.mp4"))
        .arg("-o")
        .arg(&root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("removed") && stderr.contains(".long.partial-"), "{stderr}");
    assert_eq!(staging(&root), Vec::<PathBuf>::new());
    assert!(root.join("tiny-240p/stream.mp4").is_file());
}

#[test]
fn a_run_never_removes_the_staging_of_a_run_still_alive() {
    let dir = tempfile::tempdir().unwrap();
    let src = long_source(dir.path());
    let root = dir.path().join("assets");
    let mut first = start_prepare(dir.path(), &src, &root);
    ffmpeg_child(&mut first);
    let live = staging(&root);
    assert_eq!(live.len(), 1);

    let out = common::playtube_in(dir.path())
        .args(["prepare", "--preset", "ultrafast"])
        .arg(common::fixture("tiny-240p.mp4"))
        .arg("-o")
        .arg(&root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    if first.try_wait().unwrap().is_none() {
        assert_eq!(staging(&root), live, "the live run's staging folder was touched");
    }
    let status = first.wait().unwrap();
    assert!(status.success(), "the first run failed: its staging was taken from under it? ({status})");
    assert!(root.join("long/stream.mp4").is_file() && root.join("long/hls/master.m3u8").is_file());
    assert_eq!(staging(&root), Vec::<PathBuf>::new());
}
