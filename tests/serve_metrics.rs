//! `GET /metrics`: scraped from a live server and parsed with a real Prometheus text-format parser
//! (`prometheus-parse`) plus a strict line-by-line check of the exposition grammar; the counters follow
//! the requests made; `/metrics` obeys the same signing switch as `/stats`.

mod serve_support;

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use playtube::server::auth::AuthConfig;
use playtube::signing::{Claims, Key, Keyring, Policy, Scope};
use prometheus_parse::{Scrape, Value};
use serve_support::*;

fn scrape(s: &TestServer) -> (Scrape, String) {
    let r = s.get("/metrics");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/plain; version=0.0.4; charset=utf-8"));
    let text = r.text();
    strict_grammar(&text);
    let scrape = Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("prometheus-parse accepts /metrics");
    (scrape, text)
}

/// Every line is `# HELP name text`, `# TYPE name counter|gauge|histogram` (before its samples), or a
/// sample `name{label="value",...} number` of a declared family.
fn strict_grammar(text: &str) {
    let mut typed: HashMap<String, String> = HashMap::new();
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.chars()
                .enumerate()
                .all(|(i, c)| c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit()))
    };
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            assert!(name_ok(rest.split(' ').next().unwrap()), "{line}");
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert!(name_ok(name) && ["counter", "gauge", "histogram"].contains(&kind), "{line}");
            assert!(typed.insert(name.to_owned(), kind.to_owned()).is_none(), "TYPE twice: {line}");
        } else {
            let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("no value: {line}"));
            assert!(value.parse::<f64>().is_ok() || ["+Inf", "-Inf", "NaN"].contains(&value), "{line}");
            let name = series.split('{').next().unwrap();
            assert!(name_ok(name), "{line}");
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|suffix| {
                    name.strip_suffix(suffix).filter(|f| typed.get(*f).is_some_and(|k| k == "histogram"))
                })
                .unwrap_or(name);
            assert!(typed.contains_key(family), "sample before its TYPE: {line}");
            if let Some(labels) = series.strip_prefix(name) {
                if !labels.is_empty() {
                    let inner = labels.strip_prefix('{').and_then(|l| l.strip_suffix('}')).unwrap();
                    for pair in inner.split(',') {
                        let (k, v) = pair.split_once('=').unwrap();
                        assert!(name_ok(k) && v.starts_with('"') && v.ends_with('"'), "{line}");
                    }
                }
            }
        }
    }
}

fn value(scrape: &Scrape, metric: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape.samples.iter().find(|s| s.metric == metric && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v))).map(
        |s| match &s.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
            other => panic!("{metric} is not a single number: {other:?}"),
        },
    )
}

#[test]
fn metrics_are_prometheus_text_that_follows_the_requests() {
    let s = TestServer::with_assets(|_| {});
    assert_eq!(s.get_with("/stream/abc", &[("Range", "bytes=0-999")]).status, 206);
    assert_eq!(s.get("/hls/abc/360p/seg_00000.ts").status, 200);
    assert_eq!(s.get("/hls/abc/360p/seg_00000.ts").status, 200);
    assert_eq!(s.get("/nope").status, 404);
    assert_eq!(s.get("/health").status, 200);
    let (scraped, text) = scrape(&s);
    assert_eq!(value(&scraped, "playtube_http_requests_total", &[("route", "stream"), ("status", "206")]), Some(1.0));
    assert_eq!(value(&scraped, "playtube_http_requests_total", &[("route", "hls"), ("status", "200")]), Some(2.0));
    assert_eq!(value(&scraped, "playtube_http_requests_total", &[("route", "other"), ("status", "404")]), Some(1.0));
    assert_eq!(value(&scraped, "playtube_http_requests_total", &[("route", "health"), ("status", "200")]), Some(1.0));
    assert_eq!(value(&scraped, "playtube_http_response_bytes_total", &[("route", "stream")]), Some(1000.0));
    assert_eq!(value(&scraped, "playtube_http_response_bytes_total", &[("route", "hls")]), Some(40_000.0));
    assert!(value(&scraped, "playtube_cache_hits_total", &[]).unwrap() >= 1.0, "{text}");
    assert!(value(&scraped, "playtube_cache_misses_total", &[]).unwrap() >= 1.0, "{text}");
    assert_eq!(value(&scraped, "playtube_cache_bytes", &[]), Some(20_000.0 + 100_000.0), "{text}");
    // At least the scrape's own connection (earlier ones may still be closing on the server's side).
    let active = value(&scraped, "playtube_connections_active", &[]).unwrap();
    assert!((1.0..=6.0).contains(&active), "{active}");
    assert_eq!(value(&scraped, "playtube_connections_total", &[]), Some(6.0));
    assert!(value(&scraped, "process_resident_memory_bytes", &[]).unwrap() > 1e6);
    let histogram = scraped
        .samples
        .iter()
        .find_map(|s| match &s.value {
            Value::Histogram(h) if s.metric == "playtube_http_request_duration_seconds" => Some(h.clone()),
            _ => None,
        })
        .expect("latency histogram");
    let inf = histogram.iter().find(|b| b.less_than.is_infinite()).expect("+Inf bucket");
    assert_eq!(inf.count, 5.0, "five responses finished before the scrape");
    assert!(histogram.windows(2).all(|w| w[0].count <= w[1].count), "cumulative buckets");

    // The scrape itself is counted by the next one.
    let (again, _) = scrape(&s);
    assert_eq!(value(&again, "playtube_http_requests_total", &[("route", "metrics"), ("status", "200")]), Some(1.0));
}

#[test]
fn metrics_follow_the_stats_signing_switch() {
    const KEY: &str = "serve-metrics-test-key-0123456789abcdef";
    let mut keys = Keyring::new();
    keys.set_default(Key::new(KEY.as_bytes()).unwrap());
    let s = TestServer::with_assets(|c| {
        c.auth = AuthConfig {
            keys,
            policy: Policy { max_lifetime: 3600, clock_skew: 0 },
            require: true,
            stats: true,
            ..AuthConfig::default()
        };
    });
    let refused = s.get("/metrics");
    assert_eq!((refused.status, refused.text()), (403, "missing\n".to_owned()));
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let sign = |scope: &str| {
        let claims = Claims { scope: Scope::parse(scope).unwrap(), expires: now + 600, ip: None, kid: None };
        claims.sign(&Key::new(KEY.as_bytes()).unwrap()).to_query()
    };
    assert_eq!(s.get(&format!("/metrics?{}", sign("/stats"))).text(), "wrong_scope\n");
    assert_eq!(s.get(&format!("/metrics?{}", sign("/metrics"))).status, 200);
    let open = TestServer::with_assets(|_| {});
    assert_eq!(open.get("/metrics").status, 200);
}
