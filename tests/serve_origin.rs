//! `serve --root s3://…` beyond the shared HTTP tests (`serve_http.rs` runs those on both roots):
//! version pinning across a republish, the memory cache keyed by object version, origin counters in
//! `/stats`, storage reachability in `/health`, the watch page. The outage test is
//! `serve_origin_outage.rs` (it stops the garage this binary shares). Every test uses a real Garage it
//! starts itself.

mod serve_support;

use std::time::Duration;

use playtube::layout::AssetId;
use playtube::storage::{PublishOptions, PublishOutcome};
use serve_support::storage_support::block_on;
use serve_support::*;

fn s3_server(tweak: impl FnOnce(&mut playtube::server::Config)) -> TestServer {
    TestServer::start_on_root(Root::S3, assets(), tweak)
}

#[test]
fn playlists_are_pinned_and_a_republish_keeps_old_players_on_their_build() {
    let s = s3_server(|c| {
        if let Some(o) = c.origin.as_mut() {
            o.pointer_ttl = Duration::from_millis(100);
        }
    });
    let p = s.published.as_ref().unwrap();
    let v1 = p.versions["abc"].clone();
    let master = s.get("/hls/abc/master.m3u8");
    assert_eq!(master.status, 200);
    assert!(master.text().contains(&format!("360p/playlist.m3u8?v={v1}")), "{}", master.text());
    let media = s.get(&format!("/hls/abc/360p/playlist.m3u8?v={v1}"));
    assert!(media.text().contains(&format!("seg_00000.ts?v={v1}")), "{}", media.text());

    // Republish a different build of the same asset.
    let next = tempfile::tempdir().unwrap();
    write(&next.path().join("hls/master.m3u8"), MASTER.as_bytes());
    write(&next.path().join("hls/360p/playlist.m3u8"), PLAYLIST.as_bytes());
    write(&next.path().join("hls/360p/seg_00000.ts"), &pattern(20_000, 99));
    write(&next.path().join("hls/360p/seg_00001.ts"), &pattern(20_000, 98));
    write(&next.path().join("stream.mp4"), &pattern(STREAM_LEN, 97));
    let store = p.garage.store(&p.bucket, &p.prefix);
    let id = AssetId::parse("abc").unwrap();
    let options = PublishOptions { force: true, ..PublishOptions::default() };
    let outcome = block_on(store.publish(&id, next.path(), &options, &|_| {})).unwrap();
    let PublishOutcome::Published { pointer, .. } = outcome else { panic!("{outcome:?}") };
    let v2 = pointer.version;
    std::thread::sleep(Duration::from_millis(300));

    // A player holding the old playlist still gets the old build's bytes; new players get the new one.
    let old = s.get(&format!("/hls/abc/360p/seg_00000.ts?v={v1}"));
    assert_eq!((old.status, old.body == pattern(20_000, 3)), (200, true));
    let new = s.get("/hls/abc/360p/seg_00000.ts");
    assert_eq!((new.status, new.body == pattern(20_000, 99)), (200, true));
    assert_ne!(old.header("etag"), new.header("etag"), "a replaced object is never served stale");
    assert!(s.get("/hls/abc/master.m3u8").text().contains(&format!("?v={v2}")));
    assert_eq!(s.get("/stream/abc").body, pattern(STREAM_LEN, 97));
    // A version the pointer does not list (an upload in progress, or made up) is not served.
    assert_eq!(s.get("/hls/abc/360p/seg_00000.ts?v=1-deadbeef").status, 404);
    assert_eq!(s.get("/hls/abc/360p/seg_00000.ts?v=..%2Fx").status, 404);
}

#[test]
fn stats_count_origin_requests_bytes_and_latency_and_the_cache_saves_them() {
    let s = s3_server(|c| c.origin.as_mut().unwrap().pointer_ttl = Duration::from_secs(600));
    for _ in 0..5 {
        assert_eq!(s.get("/hls/abc/360p/seg_00000.ts").body, pattern(20_000, 3));
        assert_eq!(s.get_with("/stream/abc", &[("Range", "bytes=10-19")]).body, pattern(STREAM_LEN, 1)[10..20]);
    }
    let v = s.stats();
    let o = &v["origin"];
    // Pointer, segment GET, stream HEAD, one stream chunk: cold costs; every later request is memory.
    assert_eq!(o["requests"], 4, "{o}");
    assert!(o["bytes"].as_u64().unwrap() >= 20_000 + STREAM_LEN as u64, "{o}");
    assert!(o["latency_mean_ms"].as_f64().unwrap() > 0.0, "{o}");
    assert_eq!(o["errors"], 0, "{o}");
    assert_eq!(v["cache"]["hits"].as_u64(), Some(8), "{v}");
}

#[test]
fn concurrent_cold_requests_for_one_segment_cost_one_origin_get() {
    let s = s3_server(|c| c.origin.as_mut().unwrap().pointer_ttl = Duration::from_secs(600));
    assert_eq!(s.get("/hls/abc/master.m3u8").status, 200, "pointer resolved");
    let before = s.stats()["origin"]["requests"].as_u64().unwrap();
    let addr = s.addr;
    let threads: Vec<_> =
        (0..16).map(|_| std::thread::spawn(move || request(addr, "GET", "/hls/abc/360p/seg_00001.ts", &[]))).collect();
    for t in threads {
        let r = t.join().unwrap();
        assert_eq!((r.status, r.body == pattern(20_000, 4)), (200, true));
    }
    let after = s.stats()["origin"]["requests"].as_u64().unwrap();
    assert_eq!(after - before, 1, "single flight: sixteen requests, one GET");
}

#[test]
fn cached_objects_and_chunks_sent_with_sendfile_are_the_same_bytes() {
    // A segment above the sealing threshold (64 KiB) and a stream in 80 000-byte chunks: both are kept
    // in sealed memfds and, with `sendfile` from the first connection, leave through it.
    let root = assets();
    let segment = pattern(300_000, 41);
    write(&root.path().join("abc/hls/360p/seg_00009.ts"), &segment);
    let s = TestServer::start_on_root(Root::S3, root, |c| {
        c.chunk_size = 80_000;
        c.sendfile_min_connections = 0;
        c.sendfile_min_connections_same_host = 0;
    });
    let stream = pattern(STREAM_LEN, 1);
    for round in 0..2 {
        assert!(s.get("/hls/abc/360p/seg_00009.ts").body == segment, "whole segment, cold then warm");
        assert!(s.get("/stream/abc").body == stream, "whole stream, cold then warm");
        let r = s.get_with("/stream/abc", &[("Range", "bytes=70000-90000")]);
        assert!(r.status == 206 && r.body == stream[70_000..=90_000], "a range across chunks");
        if round == 0 {
            // The server runs in this process: its sealed copies are mappings of ours. No other test
            // here caches an object or chunk of these sizes.
            let sizes = sealed_mapping_sizes();
            assert!(sizes.contains(&pages(300_000)), "the segment is held sealed: {sizes:?}");
            assert!(sizes.contains(&pages(80_000)), "the stream's first chunk is held sealed: {sizes:?}");
        }
    }
    let r = s.get_with("/stream/abc", &[("Range", "bytes=0-9, 85000-85009")]);
    let text = String::from_utf8_lossy(&r.body).into_owned();
    assert!(r.status == 206 && text.contains("Content-Range: bytes 85000-85009/"), "multipart");
    assert_eq!(r.header("content-length").unwrap().parse::<usize>().unwrap(), r.body.len());
    let v = s.stats();
    assert!(v["cache"]["hits"].as_u64().unwrap() >= 4, "the second round came from memory");
    assert!(v["sendfile_bytes"].as_u64().unwrap() >= 300_000, "warm bytes went with sendfile");
}

/// Lengths of this process's mappings of the server's sealed memfds (`/proc/self/maps`).
fn sealed_mapping_sizes() -> Vec<usize> {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    maps.lines()
        .filter(|l| l.contains("memfd:playtube-chunk"))
        .filter_map(|l| {
            let (from, to) = l.split_whitespace().next()?.split_once('-')?;
            Some(usize::from_str_radix(to, 16).ok()? - usize::from_str_radix(from, 16).ok()?)
        })
        .collect()
}

fn pages(len: usize) -> usize {
    len.div_ceil(4096) * 4096
}

#[test]
fn watch_page_offers_what_the_published_version_has() {
    let s = s3_server(|_| {});
    let page = s.get("/watch/abc");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("/hls/abc/master.m3u8"), "{}", page.text());
    assert_eq!(s.get("/watch/unpublished").status, 404);
}

#[test]
fn caption_folders_are_listed_once_per_published_version() {
    let root = assets();
    write(&root.path().join("abc/hls/subs-en/all.vtt"), b"WEBVTT\n");
    let s = TestServer::start_on_root(Root::S3, root, |c| {
        c.origin.as_mut().unwrap().pointer_ttl = Duration::from_millis(100)
    });
    let captions = |s: &TestServer| {
        let page = s.get("/watch/abc").text();
        ["en", "fr"].into_iter().filter(|l| page.contains(&format!("/hls/abc/subs-{l}/all.vtt"))).collect::<Vec<_>>()
    };
    let requests = |s: &TestServer| s.stats()["origin"]["requests"].as_u64().unwrap();
    assert_eq!(captions(&s), ["en"]);
    // Later views of the same version: the pointer is read again (its TTL is over), nothing listed.
    std::thread::sleep(Duration::from_millis(200));
    let before = requests(&s);
    assert_eq!(captions(&s), ["en"]);
    assert_eq!(requests(&s) - before, 1, "only the pointer was read again");

    // A new version with other captions is listed anew.
    let next = tempfile::tempdir().unwrap();
    write(&next.path().join("hls/master.m3u8"), MASTER.as_bytes());
    write(&next.path().join("hls/subs-fr/all.vtt"), b"WEBVTT\n");
    let p = s.published.as_ref().unwrap();
    let store = p.garage.store(&p.bucket, &p.prefix);
    let options = PublishOptions { force: true, ..PublishOptions::default() };
    block_on(store.publish(&AssetId::parse("abc").unwrap(), next.path(), &options, &|_| {})).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(captions(&s), ["fr"]);
}

#[test]
fn unpublished_assets_are_404_not_errors() {
    let s = s3_server(|_| {});
    for url in ["/stream/nope", "/hls/nope/master.m3u8", "/thumb/nope", "/hls/abc/360p/seg_77777.ts"] {
        assert_eq!(s.get(url).status, 404, "{url}");
    }
    assert_eq!(s.stats()["origin"]["errors"], 0);
}
