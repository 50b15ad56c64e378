//! A small WebDriver client for the browser test: start Debian's `chromedriver` on a port of
//! 127.0.0.1 it picks itself, open headless `chromium` sessions, navigate, run JavaScript, read the
//! performance (network) log and take screenshots. WebDriver is JSON over HTTP, so plain `ureq` is
//! enough (no TLS, no async runtime, no WebDriver crate). Every call is bounded in time; chromedriver
//! is killed by its PID when the [`Driver`] is dropped, and each session's browser when it is closed.
//! It knows nothing about playtube.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

/// A running chromedriver, killed (by PID) on drop.
pub struct Driver {
    child: Child,
    chromium: PathBuf,
    base: String,
    agent: ureq::Agent,
}

impl Driver {
    /// Start chromedriver with `--port=0` and read the port it chose from its stdout. Without
    /// `--allowed-ips` it listens on loopback only (with it, on every interface). Sessions run the
    /// browser binary `chromium`.
    pub fn start(chromedriver: &Path, chromium: &Path) -> Result<Driver, String> {
        let mut child = Command::new(chromedriver)
            .args(["--port=0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting {}: {e}", chromedriver.display()))?;
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        // Reads the start-up line, then keeps draining stdout so chromedriver never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("started successfully on port ").nth(1) {
                    let _ = tx.send(rest.trim_end_matches('.').trim().parse::<u16>().ok());
                }
            }
        });
        let port = match rx.recv_timeout(Duration::from_secs(15)) {
            Ok(Some(port)) => port,
            other => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("chromedriver did not report its port within 15 s ({other:?})"));
            }
        };
        let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(60)).build();
        Ok(Driver { child, chromium: chromium.to_owned(), base: format!("http://127.0.0.1:{port}"), agent })
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = format!("{}{path}", self.base);
        let request = self.agent.request(method, &url);
        let result = match body {
            Some(body) => request.send_json(body),
            None => request.call(),
        };
        let response = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(code, r)) => {
                let text = r.into_string().unwrap_or_default();
                return Err(format!("{method} {path}: HTTP {code}: {}", text.chars().take(2000).collect::<String>()));
            }
            Err(e) => return Err(format!("{method} {path}: {e}")),
        };
        let value: Value = response.into_json().map_err(|e| format!("{method} {path}: bad JSON: {e}"))?;
        Ok(value.get("value").cloned().unwrap_or(Value::Null))
    }

    /// A new headless chromium with a fresh profile in `profile_dir`, background networking off.
    pub fn session(&self, profile_dir: &Path) -> Result<Session<'_>, String> {
        self.session_with(profile_dir, &[])
    }

    /// Like [`session`](Self::session), with extra chromium flags (e.g. `--ignore-certificate-errors`
    /// for a server with a self-signed certificate).
    pub fn session_with(&self, profile_dir: &Path, extra: &[&str]) -> Result<Session<'_>, String> {
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-extensions",
            "--mute-audio",
            "--autoplay-policy=no-user-gesture-required",
            "--window-size=1280,800",
        ];
        let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        args.push(format!("--user-data-dir={}", profile_dir.display()));
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": { "script": 20000, "pageLoad": 20000 },
            "goog:chromeOptions": { "binary": self.chromium, "args": args },
            "goog:loggingPrefs": { "performance": "ALL" },
        }}});
        let value = self.call("POST", "/session", Some(caps))?;
        let id = value["sessionId"].as_str().ok_or_else(|| format!("no sessionId in {value}"))?.to_owned();
        Ok(Session { driver: self, id })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One browser; closed (DELETE /session) on drop, which also ends that chromium.
pub struct Session<'a> {
    driver: &'a Driver,
    id: String,
}

impl Session<'_> {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        self.driver.call(method, &format!("/session/{}{path}", self.id), body)
    }

    pub fn goto(&self, url: &str) -> Result<(), String> {
        self.call("POST", "/url", Some(json!({ "url": url }))).map(drop)
    }

    /// Run `script` (a function body; `arguments` holds `args`) in the page and return its result.
    pub fn js(&self, script: &str, args: &[Value]) -> Result<Value, String> {
        self.call("POST", "/execute/sync", Some(json!({ "script": script, "args": args })))
    }

    /// Run a Chrome DevTools Protocol command (chromedriver's `goog/cdp/execute`).
    pub fn cdp(&self, cmd: &str, params: Value) -> Result<Value, String> {
        self.call("POST", "/goog/cdp/execute", Some(json!({ "cmd": cmd, "params": params })))
    }

    /// Poll `script` every 100 ms until it returns something truthy (which is returned), or fail
    /// with `what` and the last value after `limit`.
    pub fn wait_for(&self, what: &str, limit: Duration, script: &str) -> Result<Value, String> {
        let start = Instant::now();
        loop {
            let value = self.js(script, &[])?;
            let truthy = match &value {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::Number(n) => n.as_f64() != Some(0.0),
                Value::String(s) => !s.is_empty(),
                _ => true,
            };
            if truthy {
                return Ok(value);
            }
            if start.elapsed() > limit {
                return Err(format!("timed out after {limit:?} waiting for {what} (last value {value})"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The performance log entries since the last call (chromedriver drains it): DevTools events
    /// such as `Network.requestWillBeSent`, `Network.responseReceived`, `Network.loadingFailed`.
    pub fn network_events(&self) -> Result<Vec<Value>, String> {
        let entries = self.call("POST", "/se/log", Some(json!({ "type": "performance" })))?;
        let entries = entries.as_array().cloned().unwrap_or_default();
        Ok(entries
            .iter()
            .filter_map(|e| serde_json::from_str::<Value>(e["message"].as_str()?).ok())
            .map(|m| m["message"].clone())
            .filter(|m| m["method"].as_str().is_some_and(|s| s.starts_with("Network.")))
            .collect())
    }

    /// The WebDriver id of the first element matching a CSS selector.
    #[allow(dead_code)] // used by browser_media.rs, not browser.rs
    pub fn element(&self, css: &str) -> Result<String, String> {
        let v = self.call("POST", "/element", Some(json!({ "using": "css selector", "value": css })))?;
        v["element-6066-11e4-a52e-4f735466cecf"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("no element {css}: {v}"))
    }

    #[allow(dead_code)]
    /// Move a (mouse) pointer to `x` pixels right of the left edge of the element matching `css`, at
    /// its vertical centre (WebDriver actions: pointer events as a user's mouse makes them).
    pub fn hover(&self, css: &str, x: f64) -> Result<(), String> {
        let id = self.element(css)?;
        let rect = self.call("GET", &format!("/element/{id}/rect"), None)?;
        let offset = x - rect["width"].as_f64().unwrap_or(0.0) / 2.0; // the origin is the element's centre
        let origin = json!({ "element-6066-11e4-a52e-4f735466cecf": id });
        let actions = json!({ "actions": [{ "type": "pointer", "id": "mouse", "parameters": { "pointerType": "mouse" },
            "actions": [{ "type": "pointerMove", "duration": 0, "origin": origin, "x": offset.round() as i64, "y": 0 }] }] });
        self.call("POST", "/actions", Some(actions)).map(drop)
    }

    #[allow(dead_code)]
    /// A PNG screenshot of one element (what is drawn on screen in its box).
    pub fn element_screenshot(&self, css: &str) -> Result<Vec<u8>, String> {
        let id = self.element(css)?;
        let value = self.call("GET", &format!("/element/{id}/screenshot"), None)?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(value.as_str().unwrap_or_default())
            .map_err(|e| format!("screenshot is not base64: {e}"))?;
        if !png.starts_with(b"\x89PNG") {
            return Err("screenshot is not a PNG".into());
        }
        Ok(png)
    }

    /// A PNG screenshot of the viewport, written to `path`.
    pub fn screenshot(&self, path: &Path) -> Result<PathBuf, String> {
        let value = self.call("GET", "/screenshot", None)?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(value.as_str().unwrap_or_default())
            .map_err(|e| format!("screenshot is not base64: {e}"))?;
        if !png.starts_with(b"\x89PNG") {
            return Err("screenshot is not a PNG".into());
        }
        std::fs::write(path, png).map_err(|e| format!("writing {}: {e}", path.display()))?;
        Ok(path.to_owned())
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let _ = self.call("DELETE", "", None);
    }
}
