//! HTTP semantics of `playtube serve` over real sockets against an in-process server: routes, Range,
//! validators and conditional requests, HEAD, methods, content types, Cache-Control, CORS, the memory
//! cache and `/stats`. Tests in `both_roots!` run against a local root and an `s3://` root (a real
//! Garage the test starts, the same files published to it); the Range and conditional tests also run
//! over HTTP/1.1-over-TLS and HTTP/2.

mod serve_support;

use serve_support::*;

fn stream() -> Vec<u8> {
    pattern(STREAM_LEN, 1)
}

both_roots! {
    fn health_answers_ok_json(root) {
        let s = TestServer::with_assets_on(root, |_| {});
        let r = s.get("/health");
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("application/json"));
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["status"], "ok");
        assert_eq!(v.get("storage").is_some(), root == Root::S3, "storage reachability from an s3:// root");
        assert_eq!(r.header("cache-control"), Some("no-store"));
    }
    fn whole_stream_has_strong_validators_and_accept_ranges(root) {
        let s = TestServer::with_assets_on(root, |_| {});
        let r = s.get("/stream/abc");
        assert_eq!(r.status, 200);
        assert_eq!(r.body, stream());
        assert_eq!(r.header("content-length"), Some("100000"));
        assert_eq!(r.header("content-type"), Some("video/mp4"));
        assert_eq!(r.header("accept-ranges"), Some("bytes"));
        let etag = r.header("etag").unwrap();
        assert!(etag.starts_with('"') && etag.ends_with('"'), "strong etag {etag}");
        assert!(httpdate::parse_http_date(r.header("last-modified").unwrap()).is_ok());
    }
    fn every_route_serves_its_file_with_the_fixed_content_type(root) {
        let s = TestServer::with_assets_on(root, |_| {});
        let cases = [
            ("/stream/abc/360p", "video/mp4", "abc/renditions/360p.mp4"),
            ("/hls/abc/master.m3u8", "application/vnd.apple.mpegurl", "abc/hls/master.m3u8"),
            ("/hls/abc/360p/playlist.m3u8", "application/vnd.apple.mpegurl", "abc/hls/360p/playlist.m3u8"),
            ("/hls/abc/360p/iframes.m3u8", "application/vnd.apple.mpegurl", "abc/hls/360p/iframes.m3u8"),
            ("/hls/abc/360p/seg_00000.ts", "video/mp2t", "abc/hls/360p/seg_00000.ts"),
            ("/hls/abc/360p/init.mp4", "video/mp4", "abc/hls/360p/init.mp4"),
            ("/hls/abc/360p/seg_00001.m4s", "video/iso.segment", "abc/hls/360p/seg_00001.m4s"),
            ("/thumb/abc", "image/jpeg", "abc/thumb.jpg"),
        ];
        for (url, ct, file) in cases {
            let r = s.get(url);
            assert_eq!(r.status, 200, "{url}");
            assert_eq!(r.header("content-type"), Some(ct), "{url}");
            assert_eq!(r.body, s.expected(file), "{url}");
        }
    }
    fn unknown_assets_and_names_are_404(root) {
        let s = TestServer::with_assets_on(root, |_| {});
        for url in ["/stream/nope", "/stream/abc/1080p", "/hls/abc/360p/seg_99999.ts", "/hls/abc/360p/x.exe", "/nope", "/"]
        {
            assert_eq!(s.get(url).status, 404, "{url}");
        }
    }
    fn head_returns_exactly_the_get_headers_without_a_body(root) {
        let s = TestServer::with_assets_on(root, |c| c.allowed_origins = vec!["*".into()]);
        for (url, range) in
            [("/stream/abc", None), ("/stream/abc", Some("bytes=5-9")), ("/hls/abc/master.m3u8", None), ("/health", None)]
        {
            let mut h = vec![("Origin", "https://x.example")];
            if let Some(r) = range {
                h.push(("Range", r));
            }
            let get = request(s.addr, "GET", url, &h);
            let head = request(s.addr, "HEAD", url, &h);
            assert_eq!(head.status, get.status, "{url}");
            assert!(head.body.is_empty(), "{url}");
            let strip = |r: &Resp| -> Vec<(String, String)> {
                let mut v: Vec<_> = r.headers.iter().filter(|(k, _)| !k.eq_ignore_ascii_case("date")).cloned().collect();
                v.sort();
                v
            };
            assert_eq!(strip(&head), strip(&get), "{url}");
        }
    }
    fn other_methods_get_405_with_allow(root) {
        let s = TestServer::with_assets_on(root, |_| {});
        for m in ["POST", "PUT", "DELETE", "PATCH"] {
            let r = request(s.addr, m, "/stream/abc", &[("Content-Length", "0")]);
            assert_eq!(r.status, 405, "{m}");
            assert_eq!(r.header("allow"), Some("GET, HEAD, OPTIONS"));
        }
    }
    fn cache_control_depends_on_the_kind_of_file_and_is_configurable(root) {
        let s = TestServer::with_assets_on(root, |_| {});
        let immutable = "public, max-age=31536000, immutable";
        assert_eq!(s.get("/hls/abc/360p/seg_00000.ts").header("cache-control"), Some(immutable));
        assert_eq!(s.get("/stream/abc/360p").header("cache-control"), Some(immutable));
        assert_eq!(s.get("/thumb/abc").header("cache-control"), Some(immutable));
        assert_eq!(s.get("/hls/abc/master.m3u8").header("cache-control"), Some("public, max-age=5"));
        drop(s);
        let s = TestServer::with_assets_on(root, |c| {
            c.cache_control_playlist = "no-cache".into();
            c.cache_control_media = "public, max-age=60".into();
        });
        assert_eq!(s.get("/hls/abc/360p/playlist.m3u8").header("cache-control"), Some("no-cache"));
        assert_eq!(s.get("/hls/abc/360p/seg_00000.ts").header("cache-control"), Some("public, max-age=60"));
    }
    fn cors_echoes_only_configured_origins_and_exposes_range_headers(root) {
        let s = TestServer::with_assets_on(root, |c| c.allowed_origins = vec!["https://app.example".into()]);
        let ok = s.get_with("/stream/abc", &[("Origin", "https://app.example"), ("Range", "bytes=0-1")]);
        assert_eq!(ok.header("access-control-allow-origin"), Some("https://app.example"));
        let exposed = ok.header("access-control-expose-headers").unwrap();
        for h in ["Content-Range", "Content-Length", "Accept-Ranges", "ETag"] {
            assert!(exposed.contains(h), "{exposed}");
        }
        assert_eq!(ok.header("vary"), Some("Origin"));
        let evil = s.get_with("/stream/abc", &[("Origin", "https://evil.example")]);
        assert!(!evil.has("access-control-allow-origin"));
        assert_eq!(evil.header("vary"), Some("Origin"));
    }
    fn cors_star_is_sent_only_when_configured(root) {
        let none = TestServer::with_assets_on(root, |_| {});
        let r = none.get_with("/stream/abc", &[("Origin", "https://x.example")]);
        assert!(!r.has("access-control-allow-origin") && !r.has("vary"));
        let star = TestServer::with_assets_on(root, |c| c.allowed_origins = vec!["*".into()]);
        let r = star.get_with("/stream/abc", &[("Origin", "https://x.example")]);
        assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    }
    fn preflight_allows_range_from_configured_origins_only(root) {
        let s = TestServer::with_assets_on(root, |c| c.allowed_origins = vec!["https://app.example".into()]);
        let pre = |origin: &str| {
            request(
                s.addr,
                "OPTIONS",
                "/hls/abc/360p/seg_00000.ts",
                &[
                    ("Origin", origin),
                    ("Access-Control-Request-Method", "GET"),
                    ("Access-Control-Request-Headers", "range"),
                ],
            )
        };
        let ok = pre("https://app.example");
        assert_eq!(ok.status, 204);
        assert_eq!(ok.header("access-control-allow-origin"), Some("https://app.example"));
        assert!(ok.header("access-control-allow-headers").unwrap().contains("Range"));
        assert!(ok.header("access-control-allow-methods").unwrap().contains("GET"));
        assert_eq!(ok.header("vary"), Some("Origin"));
        let refused = pre("https://evil.example");
        assert_eq!(refused.status, 403);
        assert!(!refused.has("access-control-allow-origin"));
        let plain = request(s.addr, "OPTIONS", "/stream/abc", &[]);
        assert_eq!((plain.status, plain.header("allow")), (204, Some("GET, HEAD, OPTIONS")));
    }
    fn memory_cache_counts_hits_and_misses_in_stats(root) {
        let s = TestServer::with_assets_on(root, |_| {});
        for _ in 0..3 {
            assert_eq!(s.get("/hls/abc/360p/seg_00000.ts").status, 200);
        }
        let v = s.stats();
        assert_eq!(v["cache"]["enabled"], true);
        assert_eq!(v["cache"]["items"], 1);
        assert_eq!(v["cache"]["hits"], 2);
        assert_eq!(v["cache"]["misses"], 1);
        assert_eq!(v["cache"]["size_bytes"], 20_000);
        assert_eq!(v["cache"]["hit_rate"], "66.7%");
        // An MP4 (100 kB, one chunk of the default size) is held as chunks: a miss, then a hit.
        assert_eq!(s.get("/stream/abc").body, pattern(STREAM_LEN, 1));
        assert_eq!(s.get_with("/stream/abc", &[("Range", "bytes=10-19")]).body, pattern(STREAM_LEN, 1)[10..20]);
        let v = s.stats();
        assert_eq!((v["cache"]["items"].as_u64(), v["cache"]["hits"].as_u64()), (Some(2), Some(3)));
        assert_eq!(v["cache"]["size_bytes"], 20_000 + STREAM_LEN as u64);
        assert!(v["requests"].as_u64().unwrap() >= 5);
        assert!(v["bytes_sent"].as_u64().unwrap() >= 160_000);
        assert!(v["active_connections"].as_u64().unwrap() >= 1, "the /stats request itself");
        assert!(v["tasks"].as_u64().unwrap() >= 1);
        assert!(v["uptime_seconds"].as_f64().is_some());
        assert!(v["memory_alloc"].as_str().unwrap().ends_with("B"));
    }
    fn disabled_cache_still_serves_everything(root) {
        let s = TestServer::with_assets_on(root, |c| c.cache_enabled = false);
        assert_eq!(s.get("/hls/abc/360p/seg_00000.ts").body, pattern(20_000, 3));
        assert_eq!(s.get("/hls/abc/master.m3u8").body, s.expected("abc/hls/master.m3u8"));
        let r = s.get_with("/thumb/abc", &[("Range", "bytes=0-9, 100-109")]);
        assert_eq!(r.status, 206);
        let v = s.stats();
        assert_eq!(v["cache"]["enabled"], false);
        assert_eq!(v["cache"]["items"], 0);
    }
}

// Range and conditional requests behave the same from an s3:// root and over plain HTTP/1.1,
// HTTP/1.1 over TLS and HTTP/2.
every_root_and_transport! {
    fn single_range_returns_206_with_content_range(root) {
        let s = TestServer::with_assets_on(root, |_| {});
        let r = s.get_with("/stream/abc", &[("Range", "bytes=100-199")]);
        assert_eq!(r.status, 206);
        assert_eq!(r.header("content-range"), Some("bytes 100-199/100000"));
        assert_eq!(r.header("content-length"), Some("100"));
        assert_eq!(r.body, stream()[100..200]);
    }
    fn safari_probe_bytes_0_1_returns_two_bytes(root) {
        let s = TestServer::with_assets_on(root, |_| {});
        let r = s.get_with("/stream/abc", &[("Range", "bytes=0-1")]);
        assert_eq!(r.status, 206);
        assert_eq!(r.header("content-range"), Some("bytes 0-1/100000"));
        assert_eq!(r.body, stream()[..2]);
    }
    fn open_range_runs_to_the_end_of_the_file(root) {
        let s = TestServer::with_assets_on(root, |_| {});
        let r = s.get_with("/stream/abc", &[("Range", "bytes=99000-")]);
        assert_eq!(r.status, 206);
        assert_eq!(r.header("content-range"), Some("bytes 99000-99999/100000"));
        assert_eq!(r.body, stream()[99_000..]);
    }
    fn suffix_range_longer_than_file_returns_whole_body(root) {
        let s = TestServer::with_assets_on(root, |_| {});
        let r = s.get_with("/stream/abc", &[("Range", "bytes=-500000")]);
        assert_eq!(r.status, 206);
        assert_eq!(r.header("content-range"), Some("bytes 0-99999/100000"));
        assert_eq!(r.body, stream());
        let tail = s.get_with("/stream/abc", &[("Range", "bytes=-10")]);
        assert_eq!(tail.body, stream()[99_990..]);
    }
    fn ranges_of_cached_segments_are_served_from_memory(root) {
        let s = TestServer::with_assets_on(root, |_| {});
        let seg = pattern(20_000, 3);
        let r = s.get_with("/hls/abc/360p/seg_00000.ts", &[("Range", "bytes=10-19")]);
        assert_eq!((r.status, r.body.as_slice()), (206, &seg[10..20]));
        let r = s.get_with("/hls/abc/360p/seg_00000.ts", &[("Range", "bytes=-5")]);
        assert_eq!((r.status, r.body.as_slice()), (206, &seg[19_995..]));
    }
    fn several_ranges_return_multipart_byteranges(root) {
        let s = TestServer::with_assets_on(root, |_| {});
        for url in ["/stream/abc", "/hls/abc/360p/seg_00000.ts"] {
            let r = s.get_with(url, &[("Range", "bytes=0-9, 50-59")]);
            assert_eq!(r.status, 206, "{url}");
            let ct = r.header("content-type").unwrap();
            let boundary = ct.strip_prefix("multipart/byteranges; boundary=").expect(ct);
            assert_eq!(r.header("content-length").unwrap().parse::<usize>().unwrap(), r.body.len());
            let text = String::from_utf8_lossy(&r.body).into_owned();
            let parts: Vec<&str> = text.split(&format!("--{boundary}")).collect();
            assert_eq!(parts.len(), 4, "{text:?}");
            assert!(parts[1].contains("Content-Range: bytes 0-9/"), "{text:?}");
            assert!(parts[2].contains("Content-Range: bytes 50-59/"), "{text:?}");
            assert_eq!(parts[3], "--\r\n");
            let full = std::fs::read(
                s.path(&format!("abc/{}", if url.contains("hls") { "hls/360p/seg_00000.ts" } else { "stream.mp4" })),
            )
            .unwrap();
            let body1 = parts[1].split("\r\n\r\n").nth(1).unwrap();
            assert_eq!(body1.as_bytes().strip_suffix(b"\r\n").unwrap(), &full[0..10]);
        }
    }
    fn overlapping_or_many_ranges_get_the_whole_body(root) {
        let s = TestServer::with_assets_on(root, |_| {});
        let r = s.get_with("/stream/abc", &[("Range", "bytes=0-999, 500-1500")]);
        assert_eq!((r.status, r.body.len()), (200, STREAM_LEN));
        let many: Vec<String> = (0..40).map(|i| format!("{}-{}", i * 10, i * 10)).collect();
        let r = s.get_with("/stream/abc", &[("Range", &format!("bytes={}", many.join(",")))]);
        assert_eq!((r.status, r.body.len()), (200, STREAM_LEN));
    }
    fn unsatisfiable_range_returns_416_with_star_length(root) {
        let s = TestServer::with_assets_on(root, |_| {});
        let r = s.get_with("/stream/abc", &[("Range", "bytes=100000-")]);
        assert_eq!(r.status, 416);
        assert_eq!(r.header("content-range"), Some("bytes */100000"));
        assert!(r.body.is_empty());
    }
    fn unknown_unit_and_malformed_range_are_ignored(root) {
        let s = TestServer::with_assets_on(root, |_| {});
        for h in ["items=0-1", "bytes=5-1", "bytes=abc", "bytes 0-1"] {
            let r = s.get_with("/stream/abc", &[("Range", h)]);
            assert_eq!((r.status, r.body.len()), (200, STREAM_LEN), "{h}");
        }
    }
    fn if_range_honours_only_the_current_strong_validator(root) {
        let s = TestServer::with_assets_on(root, |_| {});
        let etag = s.get("/stream/abc").header("etag").unwrap().to_owned();
        let lm = s.get("/stream/abc").header("last-modified").unwrap().to_owned();
        let ok = s.get_with("/stream/abc", &[("Range", "bytes=0-9"), ("If-Range", &etag)]);
        assert_eq!(ok.status, 206);
        let by_date = s.get_with("/stream/abc", &[("Range", "bytes=0-9"), ("If-Range", &lm)]);
        assert_eq!(by_date.status, 206);
        let weak = s.get_with("/stream/abc", &[("Range", "bytes=0-9"), ("If-Range", &format!("W/{etag}"))]);
        assert_eq!((weak.status, weak.body.len()), (200, STREAM_LEN));
        let old = s.get_with("/stream/abc", &[("Range", "bytes=0-9"), ("If-Range", "\"old\"")]);
        assert_eq!((old.status, old.body.len()), (200, STREAM_LEN));
    }
    fn if_none_match_returns_304_with_the_same_etag_cache_control_and_vary(root) {
        let s = TestServer::with_assets_on(root, |c| c.allowed_origins = vec!["https://app.example".into()]);
        for url in ["/stream/abc", "/hls/abc/master.m3u8", "/hls/abc/360p/seg_00000.ts"] {
            let first = s.get(url);
            let etag = first.header("etag").unwrap();
            let r = s.get_with(url, &[("If-None-Match", etag)]);
            assert_eq!(r.status, 304, "{url}");
            assert!(r.body.is_empty());
            assert_eq!(r.header("etag"), Some(etag));
            assert_eq!(r.header("cache-control"), first.header("cache-control"));
            assert_eq!(r.header("vary"), Some("Origin"));
            assert_eq!(first.header("vary"), Some("Origin"));
        }
    }
    fn if_modified_since_last_modified_returns_304(root) {
        let s = TestServer::with_assets_on(root, |_| {});
        let lm = s.get("/thumb/abc").header("last-modified").unwrap().to_owned();
        assert_eq!(s.get_with("/thumb/abc", &[("If-Modified-Since", &lm)]).status, 304);
        let old = "Mon, 01 Jan 2001 00:00:00 GMT";
        assert_eq!(s.get_with("/thumb/abc", &[("If-Modified-Since", old)]).status, 200);
    }
    fn failed_if_match_or_if_unmodified_since_returns_412(root) {
        let s = TestServer::with_assets_on(root, |_| {});
        assert_eq!(s.get_with("/stream/abc", &[("If-Match", "\"other\"")]).status, 412);
        let old = "Mon, 01 Jan 2001 00:00:00 GMT";
        assert_eq!(s.get_with("/stream/abc", &[("If-Unmodified-Since", old)]).status, 412);
        let etag = s.get("/stream/abc").header("etag").unwrap().to_owned();
        assert_eq!(s.get_with("/stream/abc", &[("If-Match", &etag)]).status, 200);
    }
}

#[test]
fn playlist_renamed_over_is_never_served_stale() {
    let s = TestServer::with_assets(|_| {});
    assert_eq!(s.get("/hls/abc/master.m3u8").text(), MASTER);
    assert_eq!(s.get("/hls/abc/master.m3u8").text(), MASTER, "now cached");
    let new = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=1400000\n480p/playlist.m3u8\n";
    write(&s.path("abc/hls/.master.tmp"), new.as_bytes());
    std::fs::rename(s.path("abc/hls/.master.tmp"), s.path("abc/hls/master.m3u8")).unwrap();
    assert_eq!(s.get("/hls/abc/master.m3u8").text(), new);
}

#[test]
fn segment_rewritten_in_place_with_the_same_size_is_never_served_stale() {
    let s = TestServer::with_assets(|_| {});
    let url = "/hls/abc/360p/seg_00001.ts";
    let before = s.get(url);
    assert_eq!(before.body, pattern(20_000, 4));
    let mtime = std::fs::metadata(s.path("abc/hls/360p/seg_00001.ts")).unwrap().modified().unwrap();
    std::fs::write(s.path("abc/hls/360p/seg_00001.ts"), pattern(20_000, 9)).unwrap();
    // Make sure the new mtime differs even on file systems with coarse timestamps.
    let f = std::fs::File::options().write(true).open(s.path("abc/hls/360p/seg_00001.ts")).unwrap();
    f.set_modified(mtime + std::time::Duration::from_secs(2)).unwrap();
    let after = s.get(url);
    assert_eq!(after.body, pattern(20_000, 9));
    assert_ne!(after.header("etag"), before.header("etag"));
}
