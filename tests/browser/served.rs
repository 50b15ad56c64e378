//! `playtube serve` as a child process for the browser test, the way an operator runs it: a clean
//! environment, `--addr 127.0.0.1:0` (the address is read from its start-up line), the JSON access log
//! on stderr collected line by line so the test can count what the server answered and with which
//! status. Killed by its PID on drop.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct Served {
    child: Child,
    pub addr: SocketAddr,
    /// `http`, or `https` when started with a certificate.
    pub scheme: String,
    log: Arc<Mutex<Vec<serde_json::Value>>>,
}

impl Served {
    /// `playtube serve --root ROOT --addr 127.0.0.1:0 --log-format json ARGS` with only `env` set.
    pub fn start(root: &Path, args: &[&str], env: &[(&str, &str)]) -> Served {
        Served::start_at(root.as_os_str(), root, args, env)
    }

    /// As [`start`](Self::start) with any `--root` (`s3://bucket/prefix`), run in `home`.
    pub fn start_at(root: &OsStr, home: &Path, args: &[&str], env: &[(&str, &str)]) -> Served {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("playtube"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("NO_COLOR", "1")
            .current_dir(home)
            .arg("serve")
            .arg("--root")
            .arg(root)
            .args(["--addr", "127.0.0.1:0", "--log-format", "json"])
            .args(args)
            .envs(env.iter().copied());
        let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("spawn playtube serve");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                match serde_json::from_str::<serde_json::Value>(&line) {
                    Ok(v) if v["target"] == "playtube::access" => sink.lock().unwrap().push(v),
                    _ => {
                        let _ = tx.send(line);
                    }
                }
            }
        });
        let (scheme, addr) = loop {
            match rx.recv_timeout(Duration::from_secs(20)) {
                Ok(line) if line.contains(" on http://") || line.contains(" on https://") => {
                    let (scheme, rest) = line.split(" on ").nth(1).unwrap().split_once("://").unwrap();
                    let addr = rest.split_whitespace().next().unwrap().parse().expect("announced address");
                    break (scheme.to_owned(), addr);
                }
                Ok(_) => continue,
                Err(e) => {
                    let _ = child.kill();
                    panic!("playtube serve did not announce its address: {e}");
                }
            }
        };
        Served { child, addr, scheme, log }
    }

    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// The access-log entries so far as (path, status), and clears them. Waits a moment first: a line
    /// is written when its response body ends, which can be just after the browser has it.
    pub fn take_access_log(&self) -> Vec<(String, u64)> {
        std::thread::sleep(Duration::from_millis(200));
        let entries = std::mem::take(&mut *self.log.lock().unwrap());
        entries
            .iter()
            .map(|v| (v["path"].as_str().unwrap_or("").to_owned(), v["status"].as_u64().unwrap_or(0)))
            .collect()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
