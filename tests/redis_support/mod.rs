//! A real `redis-server` (Debian's package, /usr/bin/redis-server) per test: its own temp dir, listening
//! only on a unix socket inside it (no TCP port to race for), the append-only file on with
//! `appendfsync always` so a restart (even after SIGKILL) loses nothing, and killed by its PID on drop.
//! A missing redis-server FAILS the test with the install hint. `restart` kills it and starts it again
//! on the same socket and data, as an operator's restart would.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RedisServer {
    child: Option<Child>,
    dir: tempfile::TempDir,
    bin: PathBuf,
}

fn redis_server_bin() -> PathBuf {
    let bin = std::env::var_os("PLAYTUBE_TEST_REDIS_SERVER")
        .map(PathBuf::from)
        .or_else(|| which("redis-server"))
        .unwrap_or_else(|| PathBuf::from("/usr/bin/redis-server"));
    assert!(
        bin.is_file(),
        "redis-server not found (looked on PATH and at /usr/bin/redis-server): install it with \
         `apt-get install redis-server` (or run `bash .ci/run`), or set PLAYTUBE_TEST_REDIS_SERVER"
    );
    bin
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?.to_str()?.split(':').map(|d| Path::new(d).join(name)).find(|p| p.is_file())
}

impl RedisServer {
    pub fn start() -> RedisServer {
        let mut server =
            RedisServer { child: None, dir: tempfile::tempdir().expect("temp dir"), bin: redis_server_bin() };
        server.spawn();
        server
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("redis.sock")
    }

    /// The queue URL of this server.
    pub fn url(&self) -> String {
        format!("unix://{}", self.socket().display())
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    fn spawn(&mut self) {
        let log = self.dir.path().join("redis.log");
        let child = Command::new(&self.bin)
            .arg("--port")
            .arg("0")
            .arg("--bind")
            .arg("127.0.0.1")
            .arg("--unixsocket")
            .arg(self.socket())
            .arg("--unixsocketperm")
            .arg("700")
            .arg("--dir")
            .arg(self.dir.path())
            .args(["--save", "", "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no"])
            .arg("--logfile")
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting redis-server");
        self.child = Some(child);
        self.wait_ready(&log);
    }

    /// Poll PING on the socket until it answers (Redis also answers LOADING while it replays the AOF,
    /// so wait for PONG), with a deadline.
    fn wait_ready(&mut self, log: &Path) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("redis-server exited with {status}: {}", std::fs::read_to_string(log).unwrap_or_default());
            }
            if let Ok(mut s) = std::os::unix::net::UnixStream::connect(self.socket()) {
                use std::io::{Read, Write};
                s.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
                if s.write_all(b"PING\r\n").is_ok() {
                    let mut buf = [0u8; 64];
                    if let Ok(n) = s.read(&mut buf) {
                        if buf[..n].starts_with(b"+PONG") {
                            return;
                        }
                    }
                }
            }
            assert!(Instant::now() < deadline, "redis-server did not answer PING within 20 s");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL the server (a crash: only what `appendfsync always` wrote survives).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_file(self.socket());
    }

    /// Start it again on the same socket and data directory.
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "still running");
        self.spawn();
    }

    /// Run a command with redis-cli against this server and return its output (for raw checks and for
    /// playing "another application" that XADDs jobs itself).
    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .arg("-s")
            .arg(self.socket())
            .args(args)
            .output()
            .expect("redis-cli (apt-get install redis-tools)");
        assert!(out.status.success(), "redis-cli {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}
