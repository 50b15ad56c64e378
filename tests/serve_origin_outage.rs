//! A storage outage under `serve --root s3://…`: garage is stopped mid-run (its own binary, as it
//! kills the garage the tests of a binary share). Objects not in memory get a 502/503/504 naming
//! object storage within the origin timeout, never a hang or a wrong body; what the memory cache holds
//! is still served; `/health` says storage is unreachable and `/stats` counts the failures.

mod serve_support;

use std::time::{Duration, Instant};

use serve_support::*;

#[test]
fn storage_outage_is_a_quick_5xx_with_a_reason_never_a_hang() {
    let s = TestServer::start_on_root(Root::S3, assets(), |c| {
        if let Some(o) = c.origin.as_mut() {
            o.timeout = Duration::from_secs(3);
            o.pointer_ttl = Duration::from_millis(50);
        }
        c.access_log = true;
    });
    assert_eq!(s.get("/hls/abc/360p/seg_00000.ts").status, 200);
    assert_eq!(s.get("/health").status, 200);
    s.published.as_ref().unwrap().garage.stop();
    std::thread::sleep(Duration::from_millis(100));
    for url in ["/hls/abc/360p/seg_00001.ts", "/stream/abc", "/thumb/abc"] {
        let started = Instant::now();
        let r = s.get(url);
        let took = started.elapsed();
        assert!(matches!(r.status, 502..=504), "{url}: {} {}", r.status, r.text());
        assert!(took < Duration::from_secs(5), "{url} took {took:?}");
        assert!(r.text().contains("object storage"), "{}", r.text());
    }
    // What is in memory is still served: the pointer keeps its last value while storage is down.
    assert_eq!(s.get("/hls/abc/360p/seg_00000.ts").body, pattern(20_000, 3));
    let health = s.get("/health");
    assert_eq!(health.status, 503, "{}", health.text());
    assert!(health.text().contains("origin_"), "{}", health.text());
    let o = s.stats()["origin"].clone();
    assert!(o["errors"].as_u64().unwrap() >= 3, "{o}");
    assert!(o["last_error"].as_str().is_some(), "{o}");
}
