//! `GET /metrics`: the server's counters in the Prometheus text exposition format (version 0.0.4).
//! [`Http`] counts what the request path records at the end of each response (requests by route and
//! status, response bytes by route, a latency histogram of time to the last byte); [`render`] writes
//! those plus the cache, connection and memory figures that `/stats` reports, through [`Exposition`],
//! a small writer that gets the `# HELP`/`# TYPE` lines, label escaping and number formats right once.
//! Other parts of the program add their own families through [`Source`] (the object-storage origin's
//! request counters are meant to be one), so this file never learns about them.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use super::route::Route;
use super::stats::Snapshot;

/// The route a request was answered on, as the `route` label (a fixed set: bounded cardinality).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteLabel {
    Health,
    Stats,
    Metrics,
    Stream,
    Rendition,
    HlsMaster,
    Hls,
    Thumb,
    Watch,
    Player,
    /// Refused before a route was known (bad Host, method, malformed or unknown path).
    Other,
}

const ROUTES: [RouteLabel; 11] = [
    RouteLabel::Health,
    RouteLabel::Stats,
    RouteLabel::Metrics,
    RouteLabel::Stream,
    RouteLabel::Rendition,
    RouteLabel::HlsMaster,
    RouteLabel::Hls,
    RouteLabel::Thumb,
    RouteLabel::Watch,
    RouteLabel::Player,
    RouteLabel::Other,
];

impl RouteLabel {
    pub fn of(route: &Route) -> RouteLabel {
        match route {
            Route::Health => RouteLabel::Health,
            Route::Stats => RouteLabel::Stats,
            Route::Metrics => RouteLabel::Metrics,
            Route::Stream(_) => RouteLabel::Stream,
            Route::Rendition(..) => RouteLabel::Rendition,
            Route::Master(_) => RouteLabel::HlsMaster,
            Route::HlsFile(..) => RouteLabel::Hls,
            Route::Thumb(_) => RouteLabel::Thumb,
            Route::Watch(_) => RouteLabel::Watch,
            Route::PlayerFile(..) => RouteLabel::Player,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RouteLabel::Health => "health",
            RouteLabel::Stats => "stats",
            RouteLabel::Metrics => "metrics",
            RouteLabel::Stream => "stream",
            RouteLabel::Rendition => "rendition",
            RouteLabel::HlsMaster => "hls_master",
            RouteLabel::Hls => "hls",
            RouteLabel::Thumb => "thumb",
            RouteLabel::Watch => "watch",
            RouteLabel::Player => "player",
            RouteLabel::Other => "other",
        }
    }

    fn index(self) -> usize {
        ROUTES.iter().position(|r| *r == self).unwrap_or(ROUTES.len() - 1)
    }
}

/// The status codes the handler answers with; anything else is counted under its class (`5xx`, ...).
const STATUSES: [u16; 13] = [200, 204, 206, 304, 400, 403, 404, 405, 412, 416, 431, 500, 503];
const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];
const STATUS_SLOTS: usize = STATUSES.len() + CLASSES.len();

fn status_slot(status: u16) -> usize {
    STATUSES
        .iter()
        .position(|s| *s == status)
        .unwrap_or_else(|| STATUSES.len() + usize::from(status.clamp(100, 599) / 100 - 1))
}

fn status_label(slot: usize) -> String {
    STATUSES.get(slot).map_or_else(|| CLASSES[slot - STATUSES.len()].to_owned(), |s| s.to_string())
}

/// Upper bounds of the latency histogram, in seconds.
pub const LATENCY_BUCKETS: [f64; 14] =
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Per-request counters, recorded when a response is finished (or cut short).
#[derive(Debug)]
pub struct Http {
    requests: Vec<AtomicU64>,
    bytes: Vec<AtomicU64>,
    /// Cumulative by construction at render time; stored per bucket (the last one is +Inf).
    latency: Vec<AtomicU64>,
    latency_sum_us: AtomicU64,
}

impl Default for Http {
    fn default() -> Self {
        let zeros = |n: usize| (0..n).map(|_| AtomicU64::new(0)).collect();
        Http {
            requests: zeros(ROUTES.len() * STATUS_SLOTS),
            bytes: zeros(ROUTES.len()),
            latency: zeros(LATENCY_BUCKETS.len() + 1),
            latency_sum_us: AtomicU64::new(0),
        }
    }
}

impl Http {
    /// Count one response: its route, status, bytes sent and time from request to last byte.
    pub fn record(&self, route: RouteLabel, status: u16, bytes: u64, elapsed: std::time::Duration) {
        let r = route.index();
        self.requests[r * STATUS_SLOTS + status_slot(status)].fetch_add(1, Ordering::Relaxed);
        self.bytes[r].fetch_add(bytes, Ordering::Relaxed);
        let secs = elapsed.as_secs_f64();
        let bucket = LATENCY_BUCKETS.iter().position(|le| secs <= *le).unwrap_or(LATENCY_BUCKETS.len());
        self.latency[bucket].fetch_add(1, Ordering::Relaxed);
        self.latency_sum_us.fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    }
}

/// Something that adds its own metric families to `/metrics`.
pub trait Source: Send + Sync {
    fn write(&self, out: &mut Exposition);
}

/// A text exposition being written: one family at a time, HELP and TYPE first.
#[derive(Debug, Default)]
pub struct Exposition {
    text: String,
}

/// One sample's labels, as (name, value) pairs.
pub type Labels<'a> = &'a [(&'a str, &'a str)];

impl Exposition {
    /// Start a family: `kind` is `counter`, `gauge` or `histogram`.
    pub fn family(&mut self, name: &str, kind: &str, help: &str) {
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(self.text, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    /// One sample of the current family.
    pub fn sample(&mut self, name: &str, labels: Labels<'_>, value: f64) {
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.text.push(',');
                }
                let v = v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
                let _ = write!(self.text, "{k}=\"{v}\"");
            }
            self.text.push('}');
        }
        let _ = writeln!(self.text, " {}", number(value));
    }

    /// A family with one unlabelled sample.
    pub fn single(&mut self, name: &str, kind: &str, help: &str, value: f64) {
        self.family(name, kind, help);
        self.sample(name, &[], value);
    }

    pub fn finish(self) -> String {
        self.text
    }
}

/// Prometheus number formatting: integers without a fraction, `+Inf`/`-Inf`/`NaN` spelled out.
fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// The whole `/metrics` document: the request counters, the `/stats` figures and any extra sources.
pub fn render(http: &Http, snap: &Snapshot, extra: &[&dyn Source]) -> String {
    let mut out = Exposition::default();
    out.family("playtube_http_requests_total", "counter", "HTTP responses, by route and status code.");
    for (r, route) in ROUTES.iter().enumerate() {
        for slot in 0..STATUS_SLOTS {
            let n = http.requests[r * STATUS_SLOTS + slot].load(Ordering::Relaxed);
            if n > 0 {
                let status = status_label(slot);
                out.sample("playtube_http_requests_total", &[("route", route.as_str()), ("status", &status)], n as f64);
            }
        }
    }
    out.family("playtube_http_response_bytes_total", "counter", "Response body bytes sent, by route.");
    for (r, route) in ROUTES.iter().enumerate() {
        let n = http.bytes[r].load(Ordering::Relaxed);
        out.sample("playtube_http_response_bytes_total", &[("route", route.as_str())], n as f64);
    }
    let name = "playtube_http_request_duration_seconds";
    out.family(name, "histogram", "Time from request to the last body byte handed to the socket.");
    let mut cumulative = 0u64;
    for (i, le) in LATENCY_BUCKETS.iter().enumerate() {
        cumulative += http.latency[i].load(Ordering::Relaxed);
        out.sample(&format!("{name}_bucket"), &[("le", &number(*le))], cumulative as f64);
    }
    cumulative += http.latency[LATENCY_BUCKETS.len()].load(Ordering::Relaxed);
    out.sample(&format!("{name}_bucket"), &[("le", "+Inf")], cumulative as f64);
    out.sample(&format!("{name}_sum"), &[], http.latency_sum_us.load(Ordering::Relaxed) as f64 / 1e6);
    out.sample(&format!("{name}_count"), &[], cumulative as f64);

    let c = &snap.cache;
    out.single("playtube_cache_hits_total", "counter", "Memory cache lookups that found the bytes.", c.hits as f64);
    out.single("playtube_cache_misses_total", "counter", "Memory cache lookups that did not.", c.misses as f64);
    out.single("playtube_cache_bytes", "gauge", "Bytes held in the memory cache.", c.size as f64);
    out.single("playtube_cache_capacity_bytes", "gauge", "Byte budget of the memory cache.", c.capacity as f64);
    out.single("playtube_cache_items", "gauge", "Files and chunks held in the memory cache.", c.items as f64);
    out.single("playtube_cache_enabled", "gauge", "1 when the memory cache is on.", f64::from(u8::from(c.enabled)));
    let help = "Bytes of file chunks read but not yet written to sockets (shared budget).";
    out.single("playtube_chunks_in_flight_bytes", "gauge", help, snap.chunks_in_flight as f64);
    let help = "Connections open now.";
    out.single("playtube_connections_active", "gauge", help, snap.active_connections as f64);
    let help = "Connections accepted since start.";
    out.single("playtube_connections_total", "counter", help, snap.connections as f64);
    let help = "Response body bytes sent since start.";
    out.single("playtube_bytes_sent_total", "counter", help, snap.bytes_sent as f64);
    let help = "Bytes of cached chunks handed to sockets with sendfile (the rest were copied with writev).";
    out.single("playtube_sendfile_bytes_total", "counter", help, snap.sendfile_bytes as f64);
    let help = "Resident memory of the process.";
    out.single("process_resident_memory_bytes", "gauge", help, snap.rss_bytes as f64);
    let help = "Seconds since the server started.";
    out.single("playtube_uptime_seconds", "gauge", help, snap.uptime_secs);
    for source in extra {
        source.write(&mut out);
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn statuses_outside_the_table_count_under_their_class() {
        assert_eq!(status_label(status_slot(206)), "206");
        assert_eq!(status_label(status_slot(418)), "4xx");
        assert_eq!(status_label(status_slot(599)), "5xx");
        assert_eq!(status_label(status_slot(101)), "1xx");
    }

    #[test]
    fn histogram_buckets_are_cumulative_and_end_with_inf() {
        let http = Http::default();
        http.record(RouteLabel::Stream, 206, 10, Duration::from_micros(300));
        http.record(RouteLabel::Stream, 206, 10, Duration::from_millis(30));
        http.record(RouteLabel::Health, 200, 15, Duration::from_secs(60));
        let cache =
            super::super::cache::CacheStats { enabled: true, items: 0, size: 0, capacity: 1, hits: 0, misses: 0 };
        let snap = super::super::stats::Stats::default().snapshot(cache, 0);
        let text = render(&http, &snap, &[]);
        assert!(text.contains("playtube_http_request_duration_seconds_bucket{le=\"0.0005\"} 1\n"), "{text}");
        assert!(text.contains("playtube_http_request_duration_seconds_bucket{le=\"0.05\"} 2\n"));
        assert!(text.contains("playtube_http_request_duration_seconds_bucket{le=\"10\"} 2\n"));
        assert!(text.contains("playtube_http_request_duration_seconds_bucket{le=\"+Inf\"} 3\n"));
        assert!(text.contains("playtube_http_request_duration_seconds_count 3\n"));
        assert!(text.contains("playtube_http_requests_total{route=\"stream\",status=\"206\"} 2\n"));
        assert!(text.contains("playtube_http_response_bytes_total{route=\"health\"} 15\n"));
    }

    #[test]
    fn label_values_are_escaped() {
        let mut out = Exposition::default();
        out.family("x", "gauge", "a\nb");
        out.sample("x", &[("l", "q\"\\\n")], 1.5);
        assert_eq!(out.finish(), "# HELP x a\\nb\n# TYPE x gauge\nx{l=\"q\\\"\\\\\\n\"} 1.5\n");
    }
}
