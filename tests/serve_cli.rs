//! The `playtube serve` and `playtube stats` binaries end to end: listening on 127.0.0.1:0 and
//! announcing the address, the access log (JSON, path without query), settings layering through real
//! flags/env/file, SIGTERM/SIGINT giving exit 0, and the stats table and JSON.

mod common;
mod serve_support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serve_support::*;

/// A `playtube serve` child process with a clean environment; stderr lines arrive on a channel.
struct Served {
    child: Child,
    addr: SocketAddr,
    lines: mpsc::Receiver<String>,
    _root: tempfile::TempDir,
}

impl Served {
    fn start(args: &[&str], env: &[(&str, &str)], cwd: Option<&std::path::Path>) -> Served {
        let root = assets();
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("playtube"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", root.path())
            .env("NO_COLOR", "1")
            .current_dir(cwd.unwrap_or(root.path()))
            .arg("serve")
            .args(["--addr", "127.0.0.1:0"]);
        if !env.iter().any(|(k, _)| *k == "PLAYTUBE_ROOT") && !args.contains(&"--no-root") {
            cmd.arg("--root").arg(root.path());
        }
        cmd.args(args.iter().filter(|a| **a != "--no-root"));
        for (k, v) in env {
            let v = v.replace("{root}", &root.path().display().to_string());
            cmd.env(k, v);
        }
        let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("spawn playtube serve");
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut served = Served { child, addr: "127.0.0.1:1".parse().unwrap(), lines, _root: root };
        let announce = served.wait_for("on http://");
        let addr = announce.split("http://").nth(1).unwrap().split_whitespace().next().unwrap();
        served.addr = addr.parse().unwrap();
        served
    }

    /// The next stderr line containing `needle` (fails after 20 s).
    fn wait_for(&self, needle: &str) -> String {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(20)) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => continue,
                Err(e) => panic!("no stderr line with {needle:?}: {e}"),
            }
        }
    }

    fn signal(&self, sig: &str) {
        let status = Command::new("kill").arg(format!("-{sig}")).arg(self.child.id().to_string()).status().unwrap();
        assert!(status.success());
    }

    /// Wait for exit (at most 20 s) and return the exit code.
    fn wait(mut self) -> i32 {
        for _ in 0..200 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().expect("exited, not killed by a signal");
            }
            // Polling the exit status, bounded; stderr lines are drained as they come.
            if self.lines.recv_timeout(Duration::from_millis(100)).is_err() {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        let _ = self.child.kill();
        panic!("playtube serve did not exit");
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn access_log_has_one_json_line_per_request_without_the_query() {
    let s = Served::start(&["--log-format", "json"], &[], None);
    let r = request(s.addr, "GET", "/hls/abc/360p/seg_00000.ts?expires=1&sig=SECRET-TOKEN", &[("Range", "bytes=0-99")]);
    assert_eq!(r.status, 206);
    let line = s.wait_for("playtube::access");
    assert!(!line.contains("SECRET"), "{line}");
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["method"], "GET");
    assert_eq!(v["path"], "/hls/abc/360p/seg_00000.ts");
    assert_eq!(v["status"], 206);
    assert_eq!(v["bytes"], 100);
    assert_eq!(v["cache"], "miss");
    assert!(v["duration_us"].as_u64().is_some());
    let _ = request(s.addr, "GET", "/hls/abc/360p/seg_00000.ts", &[]);
    let line: serde_json::Value = serde_json::from_str(&s.wait_for("playtube::access")).unwrap();
    assert_eq!(line["cache"], "hit");
    assert_eq!(line["bytes"], 20_000);
}

#[test]
fn access_log_reports_mp4_chunk_cache_miss_then_hit() {
    let s = Served::start(&["--log-format", "json"], &[], None);
    for expected in ["miss", "hit"] {
        let r = request(s.addr, "GET", "/stream/abc", &[("Range", "bytes=0-999")]);
        assert_eq!(r.status, 206);
        let line: serde_json::Value = serde_json::from_str(&s.wait_for("playtube::access")).unwrap();
        assert_eq!(line["path"], "/stream/abc");
        assert_eq!(line["cache"], expected, "{line}");
    }
}

#[test]
fn human_access_log_names_method_path_status_and_bytes() {
    let s = Served::start(&[], &[], None);
    let _ = request(s.addr, "GET", "/nope?sig=SECRET", &[]);
    let line = s.wait_for("playtube::access");
    for part in ["GET", "path=/nope", "status=404", "bytes=10"] {
        assert!(line.contains(part), "{part} missing in {line}");
    }
    assert!(!line.contains("SECRET"));
}

#[test]
fn watch_page_is_announced_and_served_unless_no_player() {
    let s = Served::start(&[], &[], None);
    assert!(s.wait_for("watch in a browser").contains(&format!("http://{}/watch/<id>", s.addr)));
    let page = request(s.addr, "GET", "/watch/abc", &[]);
    assert_eq!(page.status, 200);
    assert!(page.text().contains("/hls/abc/master.m3u8"));
    let off = Served::start(&["--no-player"], &[], None);
    assert_eq!(request(off.addr, "GET", "/watch/abc", &[]).status, 404);
    let remote = Served::start(&[], &[("PLAYTUBE_MEDIA_BASE_URL", "https://media.example")], None);
    let page = request(remote.addr, "GET", "/watch/abc", &[]);
    assert!(page.text().contains("https://media.example/hls/abc/master.m3u8"), "{}", page.text());
    assert!(page.header("content-security-policy").unwrap().contains("connect-src 'self' https://media.example"));
}

#[test]
fn sigterm_stops_the_server_with_exit_0() {
    let s = Served::start(&[], &[], None);
    assert_eq!(request(s.addr, "GET", "/health", &[]).status, 200);
    s.signal("TERM");
    assert_eq!(s.wait(), 0);
}

#[test]
fn sigterm_stops_the_server_while_requests_hit_a_fifo() {
    let s = Served::start(&["--access-log", "false"], &[], None);
    let fifo = s._root.path().join("abc/stream.mp4");
    std::fs::remove_file(&fifo).unwrap();
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success(), "mkfifo runs");
    let addr = s.addr;
    let clients: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(move || {
                let mut c = std::net::TcpStream::connect(addr).unwrap();
                c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
                let _ = c.write_all(b"GET /stream/abc HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
                let mut buf = Vec::new();
                let _ = c.read_to_end(&mut buf);
            })
        })
        .collect();
    // Let the four requests reach the server before the signal.
    std::thread::sleep(Duration::from_millis(300));
    s.signal("TERM");
    assert_eq!(s.wait(), 0);
    for c in clients {
        c.join().unwrap();
    }
}

#[test]
fn sigint_stops_the_single_threaded_server_with_exit_0() {
    let s = Served::start(&["--access-log", "false", "--workers", "1"], &[], None);
    assert_eq!(request(s.addr, "GET", "/hls/abc/master.m3u8", &[]).text(), MASTER);
    s.signal("INT");
    assert_eq!(s.wait(), 0);
}

#[test]
fn settings_layer_flags_over_env_over_file_over_defaults() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("playtube.toml"),
        "[serve]\ncache_size = \"1MiB\"\nallowed_origins = [\"https://file.example\"]\n",
    )
    .unwrap();
    let capacity = |s: &Served| -> u64 {
        let v: serde_json::Value = serde_json::from_slice(&request(s.addr, "GET", "/stats", &[]).body).unwrap();
        v["cache"]["capacity_bytes"].as_u64().unwrap()
    };
    let origin = |s: &Served, o: &str| {
        request(s.addr, "GET", "/health", &[("Origin", o)]).header("access-control-allow-origin").map(str::to_owned)
    };

    let file_only = Served::start(&[], &[], Some(dir.path()));
    assert_eq!(capacity(&file_only), 1 << 20);
    assert_eq!(origin(&file_only, "https://file.example").as_deref(), Some("https://file.example"));

    let env = [("VIDEO_CACHE_SIZE", "2097152"), ("ALLOWED_ORIGINS", "https://env.example")];
    let env_over_file = Served::start(&[], &env, Some(dir.path()));
    assert_eq!(capacity(&env_over_file), 2 << 20);
    assert_eq!(origin(&env_over_file, "https://file.example"), None);
    assert_eq!(origin(&env_over_file, "https://env.example").as_deref(), Some("https://env.example"));

    let flags = ["--cache-size", "3MiB", "--allowed-origin", "https://flag.example"];
    let flag_over_env = Served::start(&flags, &env, Some(dir.path()));
    assert_eq!(capacity(&flag_over_env), 3 << 20);
    assert_eq!(origin(&flag_over_env, "https://flag.example").as_deref(), Some("https://flag.example"));

    let defaults = Served::start(&[], &[], None);
    assert_eq!(capacity(&defaults), 1 << 30);
    assert_eq!(origin(&defaults, "https://file.example"), None);
}

#[test]
fn root_can_come_from_the_environment() {
    let s = Served::start(&[], &[("PLAYTUBE_ROOT", "{root}"), ("VIDEO_CACHE_ENABLED", "false")], None);
    let r = request(s.addr, "GET", "/thumb/abc", &[]);
    assert_eq!((r.status, r.body.len()), (200, 3000));
    let v: serde_json::Value = serde_json::from_slice(&request(s.addr, "GET", "/stats", &[]).body).unwrap();
    assert_eq!(v["cache"]["enabled"], false);
}

#[test]
fn serve_without_a_root_exits_2_with_a_hint() {
    let (mut cmd, _dir) = common::playtube();
    cmd.args(["serve", "--addr", "127.0.0.1:0"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no assets root"))
        .stderr(predicates::str::contains("hint: pass --root DIR"));
}

#[test]
fn stats_prints_a_table_and_json() {
    let s = Served::start(&["--access-log", "false"], &[], None);
    let _ = request(s.addr, "GET", "/hls/abc/master.m3u8", &[]);
    let _ = request(s.addr, "GET", "/hls/abc/master.m3u8", &[]);
    let url = format!("http://{}", s.addr);
    let (mut cmd, _dir) = common::playtube();
    let out = cmd.args(["stats", "--url", &url]).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    for part in ["requests", "cache", "1 items", "hit rate 50.0%", "connections"] {
        assert!(text.contains(part), "{part} missing in {text}");
    }
    let (mut cmd, _dir) = common::playtube();
    let out = cmd.args(["stats", "--json", "--url", &url]).assert().success().get_output().stdout.clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["cache"]["hits"], 1);
    let (mut cmd, _dir) = common::playtube();
    let out = cmd.args(["stats", "--json", "--url", &url, "--watch", "0.05", "--count", "3"]).assert().success();
    assert_eq!(String::from_utf8_lossy(&out.get_output().stdout).lines().count(), 3);
}

#[test]
fn stats_against_nothing_listening_fails_with_the_url() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let (mut cmd, _dir) = common::playtube();
    cmd.args(["stats", "--url", &format!("http://{addr}")])
        .assert()
        .code(1)
        .stderr(predicates::str::contains(format!("fetching http://{addr}/stats")));
}

#[test]
fn serve_with_a_missing_root_exits_2_naming_it() {
    let (mut cmd, dir) = common::playtube();
    let missing = dir.path().join("no-such-assets");
    cmd.args(["serve", "--addr", "127.0.0.1:0", "--root"])
        .arg(&missing)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no-such-assets"))
        .stderr(predicates::str::contains("is not a directory"));
}

#[test]
fn serve_on_an_address_in_use_exits_2_with_a_hint() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let root = assets();
    let (mut cmd, _dir) = common::playtube();
    cmd.args(["serve", "--addr", &addr, "--root"])
        .arg(root.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains(format!("cannot listen on {addr}")))
        .stderr(predicates::str::contains("hint: pick another address"));
}
