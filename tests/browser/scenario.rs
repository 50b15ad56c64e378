//! What the browser test does on one watch page, and what it measures: playback starts and
//! `currentTime` advances, `setQuality` switches rungs for real (hls.js level, the segment URLs
//! fetched), `auto` restores ABR, a seek near the end plays on, and no request fails. The checks read
//! the page's own record (`player.events`), the Resource Timing entries and chromium's network log, so
//! a failure anywhere (a 403 on one segment, a CSP block, a request to another host) is caught.

use std::fmt;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::webdriver::Session;

/// The rungs `playtube prepare` makes from `fixtures/landscape.mp4` (854x480).
pub const RUNGS: [&str; 2] = ["360p", "480p"];

/// What one run measured, printed by the test and quoted in reports.
#[derive(Debug, Default)]
pub struct Measured {
    pub label: String,
    /// `currentTime` samples taken while playing normally (seconds).
    pub progression: Vec<f64>,
    /// Qualities the page offered.
    pub qualities: Vec<String>,
    /// For each manual switch: (rung, hls.js currentLevel, segment URLs of that rung fetched after it).
    pub switches: Vec<(String, i64, Vec<String>)>,
    pub auto_restored: bool,
    /// (seek target, currentTime after playing on, ended).
    pub seek: (f64, f64, bool),
    /// Requests the browser made for the page (page, scripts, playlists, segments, poster).
    pub requests: usize,
    /// Requests the player aborted itself (hls.js when switching rungs, the media element on seeks): not failures.
    pub aborted: usize,
    /// Failed requests: HTTP status >= 400, network errors, hls.js network errors, CSP violations.
    pub failed: Vec<String>,
    /// Origins the requests went to.
    pub origins: Vec<String>,
    pub elapsed: Duration,
}

impl fmt::Display for Measured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let times: Vec<String> = self.progression.iter().map(|t| format!("{t:.2}")).collect();
        writeln!(f, "[{}] qualities {:?}", self.label, self.qualities)?;
        writeln!(f, "[{}] currentTime while playing: {} s", self.label, times.join(" -> "))?;
        for (rung, level, urls) in &self.switches {
            // Segment file names without the query; how many URLs carried a token.
            let names: Vec<&str> = urls
                .iter()
                .map(|u| u.split('?').next().unwrap_or(u))
                .map(|u| u.rsplit('/').next().unwrap_or(u))
                .collect();
            let signed = urls.iter().filter(|u| u.contains("sig=")).count();
            writeln!(
                f,
                "[{}] setQuality('{rung}'): hls.currentLevel={level}, fetched {rung} segments {names:?} ({signed} signed)",
                self.label
            )?;
        }
        if !self.switches.is_empty() {
            writeln!(f, "[{}] setQuality('auto'): autoLevelEnabled={}", self.label, self.auto_restored)?;
            writeln!(
                f,
                "[{}] seek to {:.2} s: played on to {:.2} s (ended={})",
                self.label, self.seek.0, self.seek.1, self.seek.2
            )?;
        }
        write!(
            f,
            "[{}] {} requests to {:?}, {} aborted by the player, {} failed {:?} ({:.1} s)",
            self.label,
            self.requests,
            self.origins,
            self.aborted,
            self.failed.len(),
            self.failed,
            self.elapsed.as_secs_f64()
        )
    }
}

fn as_f64(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

const WAIT: Duration = Duration::from_secs(15);

/// Open `page_url`, play, switch rungs, go back to auto, seek near the end; measure all of it.
/// `expected_origins` are the only origins the page may send requests to.
pub fn play_and_check(
    session: &Session<'_>,
    label: &str,
    page_url: &str,
    expected_origins: &[String],
    screenshot: Option<&std::path::Path>,
) -> Result<Measured, String> {
    let started = Instant::now();
    let mut m = Measured { label: label.to_owned(), ..Measured::default() };
    session.goto("about:blank")?;
    session.network_events()?; // drop whatever happened before this page
    session.goto(page_url)?;

    let names = session.wait_for(
        "hls.js to load the master playlist",
        WAIT,
        "if (window.player && player.mode === 'error') return { error: player.events }; \
         return window.player && player.mode === 'hls.js' && player.getQualities().length > 1 \
         && player.getQualities().map(q => q.name)",
    )?;
    if let Some(events) = names.get("error") {
        return Err(format!("the page gave up before playing: {events}"));
    }
    m.qualities = names.as_array().unwrap().iter().filter_map(|v| v.as_str().map(str::to_owned)).collect();
    for rung in RUNGS {
        if !m.qualities.iter().any(|q| q == rung) {
            return Err(format!("quality menu lacks {rung}: {:?}", m.qualities));
        }
    }

    // Playback starts and currentTime advances.
    session.js("player.play(); return true", &[])?;
    session.wait_for("playback to start", WAIT, "return player.video.currentTime > 0.3 && !player.video.paused")?;
    m.progression = sample_progress(session)?;

    // Manual rungs: each one really plays (hls.js level, its segments fetched, time moves on).
    for rung in RUNGS {
        let mark = session.js("return player.events.length", &[])?;
        let t_before =
            as_f64(&session.js(&format!("player.setQuality('{rung}'); return player.video.currentTime"), &[])?);
        let check = format!(
            "const i = player.getQualities().slice(1).findIndex(q => q.name === '{rung}'); \
             const ev = player.events.slice(arguments[0]); \
             const frags = ev.filter(e => e.type === 'frag' && e.level === '{rung}').map(e => e.url); \
             const ok = player.hls.currentLevel === i && !player.hls.autoLevelEnabled \
               && frags.length > 0 && frags.every(u => u.includes('/{rung}/')) \
               && player.video.currentTime > arguments[1] + 0.3; \
             return ok && [i, frags];"
        );
        let start = Instant::now();
        let result = loop {
            let v = session.js(&check, &[mark.clone(), json!(t_before)])?;
            if v.is_array() {
                break v;
            }
            if start.elapsed() > WAIT {
                let state = session.js(
                    "return [player.hls.currentLevel, player.hls.autoLevelEnabled, player.video.currentTime, \
                     player.events.slice(arguments[0])]",
                    std::slice::from_ref(&mark),
                )?;
                return Err(format!("setQuality('{rung}') did not switch within {WAIT:?}: {state}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let urls: Vec<String> =
            result[1].as_array().unwrap().iter().filter_map(|u| u.as_str().map(Into::into)).collect();
        // The browser itself fetched those segment URLs (Resource Timing), not just hls.js said so.
        let fetched =
            session.js("return arguments[0].every(u => performance.getEntriesByName(u).length > 0)", &[json!(urls)])?;
        if fetched != Value::Bool(true) {
            return Err(format!("segments of {rung} not in the browser's resource timing: {urls:?}"));
        }
        let shown = session.js("return player.getQuality()", &[])?;
        if shown["mode"] != "manual" || shown["name"] != rung {
            return Err(format!("after setQuality('{rung}') the page reports {shown}"));
        }
        m.switches.push((rung.to_owned(), result[0].as_i64().unwrap_or(-1), urls));
        if rung == RUNGS[1] {
            if let Some(path) = screenshot {
                session.screenshot(path)?;
            }
        }
    }

    // Back to ABR.
    let auto =
        session.js("player.setQuality('auto'); return [player.hls.autoLevelEnabled, player.getQuality()]", &[])?;
    m.auto_restored = auto[0] == Value::Bool(true) && auto[1]["mode"] == "auto";
    if !m.auto_restored {
        return Err(format!("setQuality('auto') did not restore ABR: {auto}"));
    }

    // Seek near the end and keep playing.
    let target = as_f64(&session.js(
        "const v = player.video; const t = Math.max(0, v.duration - 3); v.currentTime = t; \
         if (v.paused) v.play(); return t",
        &[],
    )?);
    let after = session.wait_for(
        "playback to continue after the seek",
        WAIT,
        &format!("const v = player.video; return v.currentTime > {target} + 1 && [v.currentTime, v.ended]"),
    )?;
    m.seek = (target, as_f64(&after[0]), after[1] == Value::Bool(true));

    collect_failures(session, &mut m, expected_origins, &[])?;
    m.elapsed = started.elapsed();
    if !m.failed.is_empty() {
        return Err(format!("failed requests:\n{m}"));
    }
    Ok(m)
}

/// Sample `currentTime` every 300 ms until it has moved on by a second of media (bounded by `WAIT`):
/// it must never go back, and must get there (a brief stall on a loaded machine is waited out).
fn sample_progress(session: &Session<'_>) -> Result<Vec<f64>, String> {
    let start = Instant::now();
    let mut samples = vec![as_f64(&session.js("return player.video.currentTime", &[])?)];
    while samples[samples.len() - 1] < samples[0] + 1.0 {
        if start.elapsed() > WAIT {
            return Err(format!("currentTime does not advance: {samples:?}"));
        }
        std::thread::sleep(Duration::from_millis(300));
        samples.push(as_f64(&session.js("return player.video.currentTime", &[])?));
        if samples.windows(2).any(|w| w[1] < w[0]) {
            return Err(format!("currentTime went back while playing: {samples:?}"));
        }
    }
    Ok(samples)
}

/// Count the page's requests and everything that failed, from three independent records. A failure
/// whose URL ends with one of `expected` (e.g. the master playlist of an asset without HLS) is allowed.
pub fn collect_failures(
    session: &Session<'_>,
    m: &mut Measured,
    expected_origins: &[String],
    expected: &[&str],
) -> Result<(), String> {
    // 1. The page's own record: hls.js network errors (fatal or not), CSP violations, error messages.
    // With an expected failure (HLS missing on purpose), hls.js's own error for it is expected too.
    let page = session.js(
        "return player.events.filter(e => (e.type === 'hls-error' && !arguments[0] && (e.fatal || e.status >= 400 || \
         e.kind === 'networkError')) || e.type === 'csp-violation' || e.type === 'message')",
        &[json!(!expected.is_empty())],
    )?;
    for e in page.as_array().into_iter().flatten() {
        m.failed.push(format!("page: {e}"));
    }
    // 2. Resource Timing: every fetched resource with its HTTP status.
    let resources =
        session.js("return performance.getEntriesByType('resource').map(e => [e.name, e.responseStatus])", &[])?;
    for r in resources.as_array().into_iter().flatten() {
        let url = r[0].as_str().unwrap_or("").split('?').next().unwrap_or("");
        if r[1].as_u64().is_some_and(|s| s >= 400) && !expected.iter().any(|e| url.ends_with(e)) {
            m.failed.push(format!("resource timing: {} -> {}", r[0], r[1]));
        }
    }
    // 3. chromium's network log (DevTools events): every request, its status, network failures.
    let mut urls = std::collections::HashMap::new();
    for event in session.network_events()? {
        let p = &event["params"];
        match event["method"].as_str().unwrap_or("") {
            "Network.requestWillBeSent" => {
                let url = p["request"]["url"].as_str().unwrap_or("").to_owned();
                // data:/blob: stay in the page; chrome:// is the browser's own start page.
                if !(url.starts_with("http:") || url.starts_with("https:") || url.starts_with("ws")) {
                    continue;
                }
                let origin = url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
                if !expected_origins.contains(&origin) {
                    m.failed.push(format!("request to an unexpected origin: {url}"));
                }
                if !m.origins.contains(&origin) {
                    m.origins.push(origin);
                }
                urls.insert(p["requestId"].as_str().unwrap_or("").to_owned(), url);
                m.requests += 1;
            }
            "Network.responseReceived" => {
                let status = p["response"]["status"].as_u64().unwrap_or(0);
                let url = p["response"]["url"].as_str().unwrap_or("");
                if status >= 400 && !expected.iter().any(|e| url.split('?').next().unwrap_or("").ends_with(e)) {
                    m.failed.push(format!("HTTP {status}: {}", p["response"]["url"]));
                }
            }
            "Network.loadingFailed" => {
                let url = urls.get(p["requestId"].as_str().unwrap_or("")).cloned().unwrap_or_default();
                if p["canceled"] == Value::Bool(true) || p["errorText"] == "net::ERR_ABORTED" {
                    m.aborted += 1; // hls.js aborts the old rung's segment when switching
                } else {
                    m.failed.push(format!("network error {}: {url}", p["errorText"]));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Open a page that cannot play and return the message it shows (waits for it to appear).
pub fn page_message(session: &Session<'_>, page_url: &str) -> Result<String, String> {
    session.goto(page_url)?;
    let text = session.wait_for(
        "an error message on the page",
        WAIT,
        "const m = document.getElementById('message'); return m && !m.hidden && m.textContent",
    )?;
    Ok(text.as_str().unwrap_or_default().to_owned())
}

/// Open a page whose asset has no HLS (or whose HLS is unreachable: `expected` lists the URL endings
/// that may fail, e.g. `master.m3u8`) and check that the progressive stream plays instead.
pub fn plays_progressive(
    session: &Session<'_>,
    label: &str,
    page_url: &str,
    expected_origins: &[String],
    expected: &[&str],
) -> Result<Measured, String> {
    let started = Instant::now();
    let mut m = Measured { label: label.to_owned(), ..Measured::default() };
    session.goto("about:blank")?;
    session.network_events()?;
    session.goto(page_url)?;
    session.wait_for("the progressive fallback", WAIT, "return window.player && player.mode === 'progressive'")?;
    simple_playback(session, &mut m)?;
    collect_failures(session, &mut m, expected_origins, expected)?;
    m.elapsed = started.elapsed();
    if !m.failed.is_empty() {
        return Err(format!("failed requests:\n{m}"));
    }
    Ok(m)
}

/// Open a page in a browser without MediaSource (as iOS Safari before 17.1): hls.js is not supported,
/// so the page must hand the master playlist to the browser's own HLS player (chromium has one too).
pub fn plays_natively(
    session: &Session<'_>,
    label: &str,
    page_url: &str,
    expected_origins: &[String],
) -> Result<Measured, String> {
    let started = Instant::now();
    let mut m = Measured { label: label.to_owned(), ..Measured::default() };
    session.goto("about:blank")?;
    session.network_events()?;
    let hide = "delete window.MediaSource; delete window.ManagedMediaSource; delete window.WebKitMediaSource;";
    let script = session.cdp("Page.addScriptToEvaluateOnNewDocument", json!({ "source": hide }))?;
    let result = (|| {
        session.goto(page_url)?;
        session.wait_for(
            "the native HLS player",
            WAIT,
            "return window.player && !Hls.isSupported() && player.mode === 'native'",
        )?;
        simple_playback(session, &mut m)?;
        let src = session.js("return player.video.currentSrc", &[])?;
        if !src.as_str().unwrap_or("").contains("/master.m3u8") {
            return Err(format!("native mode does not play the master playlist: {src}"));
        }
        collect_failures(session, &mut m, expected_origins, &[])
    })();
    session.cdp("Page.removeScriptToEvaluateOnNewDocument", json!({ "identifier": script["identifier"] }))?;
    result?;
    m.elapsed = started.elapsed();
    if !m.failed.is_empty() {
        return Err(format!("failed requests:\n{m}"));
    }
    Ok(m)
}

/// Play and sample `currentTime` until it has advanced a second; no message may show on the page.
fn simple_playback(session: &Session<'_>, m: &mut Measured) -> Result<(), String> {
    m.qualities = session
        .js("return player.getQualities().map(q => q.name)", &[])?
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    session.js("player.play(); return true", &[])?;
    session.wait_for("playback to start", WAIT, "return player.video.currentTime > 0.3 && !player.video.paused")?;
    m.progression = sample_progress(session)?;
    let hidden = session.js("return document.getElementById('message').hidden", &[])?;
    if hidden != Value::Bool(true) {
        return Err("an error message is shown while playing".into());
    }
    Ok(())
}
