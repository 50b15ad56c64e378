//! Helpers for the tests that run real `playtube worker` processes on a real redis-server
//! (tests/redis_support): a sterile `playtube` command, a worker process in its own process group
//! (killed on drop), `enqueue --json`, reading the events stream, and checks of the built assets.

#![allow(dead_code)]

use std::collections::HashSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use playtube::queue::{Event, Queue, QueueOptions};

use crate::redis_support::RedisServer;

/// The eight fixtures prepare can build (not the audio-only one, not the text file).
pub const GOOD: [&str; 8] = [
    "landscape.mp4",
    "moov-at-end.mp4",
    "portrait-rotated.mp4",
    "odd-size.mkv",
    "no-audio.mp4",
    "tiny-240p.mp4",
    "fragmented.mp4",
    "clip with spaces ünïcode.mp4",
];
pub const FAST: [&str; 4] = ["--preset", "ultrafast", "--qualities", "360p"];
/// Two rungs of a 40 s 720p source: long enough to be caught mid-encode.
pub const SLOW: [&str; 4] = ["--preset", "ultrafast", "--qualities", "360p,720p"];

/// A sterile `playtube` command (std, so it can run in the background).
pub fn playtube(home: &Path) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("playtube"));
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("PLAYTUBE_") || key.starts_with("VIDEO_") || key == "HLS_SEGMENT_DURATION" {
            cmd.env_remove(&key);
        }
    }
    cmd.env("HOME", home).env("XDG_CONFIG_HOME", home.join(".config")).env("NO_COLOR", "1").current_dir(home);
    cmd
}

/// One `playtube worker` process in its own process group (so a kill takes its ffmpeg too, like a lost
/// machine), its stderr in a log file; killed on drop.
pub struct Worker {
    pub child: Option<Child>,
    log: PathBuf,
}

impl Worker {
    pub fn start(home: &Path, url: &str, name: &str, extra: &[&str]) -> Worker {
        Worker::start_with_env(home, url, name, extra, &[])
    }

    /// A worker with extra environment (e.g. object-store credentials).
    pub fn start_with_env(home: &Path, url: &str, name: &str, extra: &[&str], env: &[(&str, String)]) -> Worker {
        use std::os::unix::process::CommandExt;
        let log = home.join(format!("{name}.log"));
        let child = playtube(home)
            .args(["worker", "--queue", url])
            .args(extra)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .process_group(0)
            .spawn()
            .expect("starting playtube worker");
        Worker { child: Some(child), log }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// Signal the worker process alone (as `kill PID` or systemd's KillMode=mixed do).
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill").args([signal, &self.pid().to_string()]).status().unwrap();
        assert!(status.success());
    }

    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).status();
            let _ = child.wait();
        }
    }

    pub fn wait(&mut self, limit: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + limit;
        let child = self.child.as_mut().unwrap();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                self.child = None;
                return status;
            }
            assert!(Instant::now() < deadline, "worker did not exit: {}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn queue(server: &RedisServer) -> Queue {
    Queue::connect(&QueueOptions::new(server.url())).unwrap()
}

/// Enqueue sources with `playtube enqueue --json` and these build flags; returns (job id, asset id) per source.
pub fn enqueue(
    home: &Path,
    url: &str,
    root: impl AsRef<OsStr>,
    sources: &[PathBuf],
    extra: &[&str],
) -> Vec<(String, String)> {
    let out = playtube(home)
        .args(["enqueue", "--json", "--queue", url, "-o"])
        .arg(root)
        .args(sources)
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "enqueue: {}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    rows.iter().map(|r| (r["job"].as_str().unwrap().to_owned(), r["asset"].as_str().unwrap().to_owned())).collect()
}

/// Read events until `until` says stop (or the deadline passes), returning every one with the time it
/// was received here.
pub fn collect_events(
    q: &mut Queue,
    deadline: Duration,
    mut until: impl FnMut(&[(Instant, Event)]) -> bool,
) -> Vec<(Instant, Event)> {
    let end = Instant::now() + deadline;
    let mut seen = Vec::new();
    let mut last = "0".to_owned();
    while !until(&seen) {
        assert!(
            Instant::now() < end,
            "timed out; events so far: {:#?}",
            seen.iter().map(|(_, e)| e).collect::<Vec<_>>()
        );
        for (id, ev) in q.events(&last, 1000, Some(Duration::from_millis(200))).unwrap() {
            last = id;
            seen.push((Instant::now(), ev));
        }
    }
    seen
}

pub fn count(events: &[(Instant, Event)], job: &str, kind: &str) -> usize {
    events.iter().filter(|(_, e)| e.job == job && e.kind.name() == kind).count()
}

pub fn done_jobs(events: &[(Instant, Event)]) -> HashSet<String> {
    events.iter().filter(|(_, e)| e.kind.name() == "done").map(|(_, e)| e.job.clone()).collect()
}

/// Every non-hidden entry of the root must be a whole asset, every time we look.
pub fn watch_for_partial_assets(root: PathBuf, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<(u64, Vec<String>)> {
    std::thread::spawn(move || {
        let mut looks = 0u64;
        let mut problems = Vec::new();
        while !stop.load(Ordering::SeqCst) {
            looks += 1;
            for entry in std::fs::read_dir(&root).into_iter().flatten().flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') {
                    continue;
                }
                let dir = entry.path();
                for part in ["stream.mp4", "thumb.jpg", "meta.json", "hls/master.m3u8", "renditions"] {
                    if !dir.join(part).exists() && dir.exists() {
                        problems.push(format!("{name} visible without {part}"));
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        (looks, problems)
    })
}

pub fn probe_asset(home: &Path, dir: &Path) {
    let out = playtube(home).arg("probe").arg(dir).output().unwrap();
    assert!(
        out.status.success(),
        "playtube probe {}: {}{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn millis(d: u64) -> String {
    format!("{d} ms")
}
