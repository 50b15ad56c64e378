//! Connection-level behaviour of the in-process server: header limits, header read timeout, idle
//! timeout, the connection cap, graceful shutdown with its grace period, and files replaced or
//! truncated while they are being streamed.

mod serve_support;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serve_support::*;

fn connect(s: &TestServer) -> TcpStream {
    let c = TcpStream::connect(s.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c
}

/// Read until the server closes the connection; returns the bytes and how long it took.
fn read_until_closed(c: &mut TcpStream) -> (Vec<u8>, Duration) {
    let start = Instant::now();
    let mut buf = Vec::new();
    let _ = c.read_to_end(&mut buf);
    (buf, start.elapsed())
}

/// Read exactly n bytes.
fn read_n(c: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    c.read_exact(&mut buf).unwrap();
    buf
}

/// Read the response head (up to the blank line) byte by byte, leaving the body in the socket.
fn read_head(c: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        c.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    String::from_utf8(head).unwrap()
}

#[test]
fn oversized_request_head_gets_431() {
    let s = TestServer::with_assets(|c| c.max_header_bytes = 4096);
    let big = "a".repeat(8000);
    let r = request(s.addr, "GET", "/health", &[("X-Big", &big)]);
    assert_eq!(r.status, 431);
    assert_eq!(s.get("/health").status, 200, "server still fine");
}

#[test]
fn too_many_headers_get_431() {
    let s = TestServer::with_assets(|c| c.max_headers = 20);
    let names: Vec<String> = (0..40).map(|i| format!("X-H{i}")).collect();
    let headers: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "1")).collect();
    assert_eq!(request(s.addr, "GET", "/health", &headers).status, 431);
    assert_eq!(request(s.addr, "GET", "/health", &headers[..5]).status, 200);
}

#[test]
fn slow_client_that_never_finishes_its_head_is_disconnected() {
    let s = TestServer::with_assets(|c| c.header_read_timeout = Duration::from_millis(300));
    let mut c = connect(&s);
    c.write_all(b"GET /health HTTP/1.1\r\nHost: t\r\n").unwrap();
    let (_, took) = read_until_closed(&mut c);
    assert!(took < Duration::from_secs(5), "closed after {took:?}");
    assert!(took >= Duration::from_millis(250), "closed too early: {took:?}");
}

#[test]
fn idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let s = TestServer::with_assets(|c| {
        c.idle_timeout = Duration::from_millis(300);
        c.header_read_timeout = Duration::from_secs(30);
    });
    let mut c = connect(&s);
    c.write_all(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    let head = read_head(&mut c);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let _ = read_n(&mut c, r#"{"status":"ok"}"#.len());
    let (rest, took) = read_until_closed(&mut c);
    assert!(rest.is_empty());
    assert!(took < Duration::from_secs(5), "idle connection kept {took:?}");
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let s = TestServer::with_assets(|_| {});
    let mut c = connect(&s);
    for _ in 0..3 {
        c.write_all(b"GET /hls/abc/master.m3u8 HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
        let head = read_head(&mut c);
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert_eq!(read_n(&mut c, MASTER.len()), MASTER.as_bytes());
    }
}

#[test]
fn connections_over_the_cap_wait_until_a_slot_frees() {
    let s = TestServer::with_assets(|c| c.max_connections = 1);
    let mut first = connect(&s);
    first.write_all(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    assert!(read_head(&mut first).starts_with("HTTP/1.1 200"));
    let mut second = connect(&s);
    second.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    second.write_all(b"GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").unwrap();
    let mut byte = [0u8; 1];
    let waited = second.read(&mut byte);
    assert!(
        matches!(&waited, Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut),
        "second connection was served while the first held the only slot: {waited:?}"
    );
    drop(first);
    second.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let (rest, _) = read_until_closed(&mut second);
    let mut all = byte[..0].to_vec();
    all.extend(rest);
    assert!(String::from_utf8_lossy(&all).starts_with("HTTP/1.1 200"), "{:?}", String::from_utf8_lossy(&all));
}

/// Size of the streamed file: far more than a stalled client's socket buffers can absorb, so the
/// server is still sending when a test replaces the file.
const BIG: usize = 16 << 20;

/// A server whose streaming reads are small, so a slow reader keeps a response in flight.
/// Truncate `big/stream.mp4` in place while a download of it is under way: the response must end short,
/// and every byte it carried must be the old version's.
fn truncate_during_a_download_and_check_the_body(s: &TestServer) {
    let mut c = start_big_download(s);
    let mut body = read_n(&mut c, 300_000);
    std::fs::OpenOptions::new().write(true).open(s.path("big/stream.mp4")).unwrap().set_len(1000).unwrap();
    let (rest, _) = read_until_closed(&mut c);
    body.extend(rest);
    assert!(body.len() < BIG, "a truncated file cannot give a complete body");
    assert!(body == pattern(BIG, 11)[..body.len()], "the bytes that were sent all belong to the old version");
}

fn slow_stream_server(tweak: impl FnOnce(&mut playtube::server::Config)) -> TestServer {
    let root = assets();
    write(&root.path().join("big/stream.mp4"), &pattern(BIG, 11));
    TestServer::start(root, |c| {
        c.chunk_size = 64 << 10;
        c.max_inflight_bytes = 128 << 10;
        tweak(c);
    })
}

fn start_big_download(s: &TestServer) -> TcpStream {
    let mut c = connect(s);
    c.set_nodelay(true).unwrap();
    // A small receive buffer keeps most of the body on the server side until we read it.
    c.write_all(b"GET /stream/big HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").unwrap();
    let head = read_head(&mut c);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains(&format!("content-length: {BIG}")), "{head}");
    c
}

#[test]
fn shutdown_lets_a_response_in_flight_finish_and_stops_accepting() {
    let mut s = slow_stream_server(|c| c.shutdown_grace = Duration::from_secs(20));
    let mut c = start_big_download(&s);
    let first = read_n(&mut c, 100_000);
    s.signal_stop();
    // New connections are refused (or closed unanswered) once the accept loop is gone.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match TcpStream::connect(s.addr) {
            Err(_) => break,
            Ok(mut late) => {
                late.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let _ = late.write_all(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n");
                let mut buf = Vec::new();
                let _ = late.read_to_end(&mut buf);
                if buf.is_empty() {
                    break;
                }
                assert!(Instant::now() < deadline, "still accepting after shutdown");
            }
        }
    }
    let (rest, _) = read_until_closed(&mut c);
    let mut body = first;
    body.extend(rest);
    assert_eq!(body.len(), BIG, "in-flight response was cut");
    assert!(body == pattern(BIG, 11));
    s.join().unwrap();
}

#[test]
fn shutdown_cuts_stalled_responses_after_the_grace_period() {
    let mut s = slow_stream_server(|c| c.shutdown_grace = Duration::from_millis(300));
    let _stalled = start_big_download(&s);
    let started = Instant::now();
    s.signal_stop();
    s.join().unwrap();
    assert!(started.elapsed() < Duration::from_secs(5), "waited {:?}", started.elapsed());
}

#[test]
fn file_renamed_over_while_streaming_keeps_serving_the_old_version() {
    let s = slow_stream_server(|_| {});
    let mut c = start_big_download(&s);
    let mut body = read_n(&mut c, 300_000);
    write(&s.path("big/.stream.new"), &pattern(BIG, 99));
    std::fs::rename(s.path("big/.stream.new"), s.path("big/stream.mp4")).unwrap();
    let (rest, _) = read_until_closed(&mut c);
    body.extend(rest);
    assert_eq!(body.len(), BIG);
    assert!(body == pattern(BIG, 11), "bytes of two versions were mixed");
    let fresh = s.get_with("/stream/big", &[("Range", "bytes=0-99")]);
    assert_eq!(fresh.body, pattern(BIG, 99)[..100]);
}

#[test]
fn file_truncated_while_streaming_aborts_the_response_and_the_server_lives_on() {
    let s = slow_stream_server(|_| {});
    truncate_during_a_download_and_check_the_body(&s);
    assert_eq!(s.get("/health").status, 200);
    assert_eq!(s.get("/stream/big").body.len(), 1000);
}

#[test]
fn file_rewritten_in_place_while_streaming_is_cut_not_mixed() {
    let s = slow_stream_server(|_| {});
    let mut c = start_big_download(&s);
    let mut body = read_n(&mut c, 300_000);
    let mtime = std::fs::metadata(s.path("big/stream.mp4")).unwrap().modified().unwrap();
    let mut f = std::fs::OpenOptions::new().write(true).open(s.path("big/stream.mp4")).unwrap();
    f.write_all(&pattern(BIG, 50)).unwrap();
    f.set_modified(mtime + Duration::from_secs(2)).unwrap();
    drop(f);
    let (rest, _) = read_until_closed(&mut c);
    body.extend(rest);
    let old = pattern(BIG, 11);
    // Whatever arrived before the change was noticed may include at most the chunks already in
    // flight; the response must end early rather than continue with the new version.
    assert!(body.len() < BIG, "a rewritten file must not give a complete body");
    let first_diff = body.iter().zip(&old).position(|(a, b)| a != b);
    if let Some(at) = first_diff {
        // Bytes read from the page cache between the write and the check belong to one chunk at most.
        assert!(body.len() - at <= 64 << 10, "new-version bytes beyond one chunk: diff at {at}, len {}", body.len());
    }
}

#[test]
fn many_downloads_share_a_one_chunk_budget_without_stalling() {
    let root = assets();
    write(&root.path().join("big/stream.mp4"), &pattern(2 << 20, 21));
    let s = TestServer::start(root, |c| {
        c.chunk_size = 64 << 10;
        c.max_inflight_bytes = 64 << 10;
    });
    let addr = s.addr;
    let clients: Vec<_> = (0..16)
        .map(|i| {
            std::thread::spawn(move || {
                let range = format!("bytes={}-", i * 1000);
                let r = request(addr, "GET", "/stream/big", &[("Range", &range)]);
                (i, r)
            })
        })
        .collect();
    let want = pattern(2 << 20, 21);
    for c in clients {
        let (i, r) = c.join().unwrap();
        assert_eq!(r.status, 206);
        assert!(r.body == want[i * 1000..], "client {i} got a wrong or short body ({} bytes)", r.body.len());
    }
    let v = s.stats();
    assert_eq!(v["chunks_in_flight_bytes"], 0, "every chunk's budget came back");
}

#[test]
fn reader_that_stops_reading_is_disconnected_after_the_idle_timeout() {
    let s = slow_stream_server(|c| c.idle_timeout = Duration::from_millis(300));
    let mut c = start_big_download(&s);
    // Stop reading until the server has had time to fill the socket buffers and give up.
    let started = Instant::now();
    let deadline = started + Duration::from_secs(10);
    loop {
        let active = s.stats()["active_connections"].as_u64().unwrap();
        // The /stats request itself is one connection; the stalled download is the other.
        if active <= 1 {
            break;
        }
        assert!(Instant::now() < deadline, "stalled connection still open after {:?}", started.elapsed());
        std::thread::sleep(Duration::from_millis(50));
    }
    let (rest, _) = read_until_closed(&mut c);
    assert!(rest.len() < BIG, "the stalled response cannot have completed");
}

/// An assets root with one `len`-byte MP4 at `/stream/big`.
fn mp4_server(len: usize, seed: u8, tweak: impl FnOnce(&mut playtube::server::Config)) -> TestServer {
    let root = assets();
    write(&root.path().join("big/stream.mp4"), &pattern(len, seed));
    TestServer::start(root, tweak)
}

fn cache_counts(s: &TestServer) -> (u64, u64, u64) {
    let v = s.stats();
    let c = &v["cache"];
    (c["hits"].as_u64().unwrap(), c["misses"].as_u64().unwrap(), c["size_bytes"].as_u64().unwrap())
}

#[test]
fn mp4_range_is_served_from_cached_chunks_once_warm() {
    let s = mp4_server(1 << 20, 31, |c| c.chunk_size = 64 << 10);
    let want = pattern(1 << 20, 31);
    // 100000..=299999 touches chunks 1..=4 (64 KiB each).
    let r = s.get_with("/stream/big", &[("Range", "bytes=100000-299999")]);
    assert_eq!((r.status, r.body == want[100_000..300_000]), (206, true));
    assert_eq!(cache_counts(&s), (0, 4, 4 * (64 << 10)), "cold: four chunks read once each");
    let r = s.get_with("/stream/big", &[("Range", "bytes=100000-299999")]);
    assert!(r.body == want[100_000..300_000]);
    assert_eq!(cache_counts(&s), (4, 4, 4 * (64 << 10)), "warm: every chunk a hit, nothing read");
}

#[test]
fn mp4_replaced_between_requests_is_never_served_stale() {
    let s = mp4_server(300_000, 41, |c| c.chunk_size = 64 << 10);
    assert!(s.get("/stream/big").body == pattern(300_000, 41));
    assert!(s.get("/stream/big").body == pattern(300_000, 41), "now cached");
    // Renamed over, as the pipeline does.
    write(&s.path("big/.stream.new"), &pattern(300_000, 42));
    std::fs::rename(s.path("big/.stream.new"), s.path("big/stream.mp4")).unwrap();
    assert!(s.get("/stream/big").body == pattern(300_000, 42), "renamed over: new version");
    // Rewritten in place, same size (the mtime moves on, as any write makes it).
    let mtime = std::fs::metadata(s.path("big/stream.mp4")).unwrap().modified().unwrap();
    let mut f = std::fs::OpenOptions::new().write(true).open(s.path("big/stream.mp4")).unwrap();
    f.write_all(&pattern(300_000, 43)).unwrap();
    f.set_modified(mtime + Duration::from_secs(2)).unwrap();
    drop(f);
    let r = s.get_with("/stream/big", &[("Range", "bytes=70000-139999")]);
    assert!(r.body == pattern(300_000, 43)[70_000..140_000], "rewritten in place: new version");
}

#[test]
fn cached_chunks_stay_within_the_cache_budget() {
    let s = mp4_server(2 << 20, 51, |c| {
        c.chunk_size = 64 << 10;
        c.cache_size = 512 << 10;
    });
    let want = pattern(2 << 20, 51);
    for _ in 0..2 {
        assert!(s.get("/stream/big").body == want, "whole body through a cache smaller than the file");
        let (_, misses, size) = cache_counts(&s);
        assert!(size <= 512 << 10, "cache holds {size} bytes over its 512 KiB budget");
        assert!(misses >= 32, "chunks evicted had to be read again ({misses} misses)");
    }
}

#[test]
fn many_cold_requests_for_the_same_chunks_read_each_chunk_once() {
    let s = mp4_server(4 << 20, 61, |c| c.chunk_size = 1 << 20);
    let addr = s.addr;
    let start = std::sync::Arc::new(std::sync::Barrier::new(24));
    let clients: Vec<_> = (0..24)
        .map(|_| {
            let start = std::sync::Arc::clone(&start);
            std::thread::spawn(move || {
                start.wait();
                request(addr, "GET", "/stream/big", &[])
            })
        })
        .collect();
    let want = pattern(4 << 20, 61);
    for c in clients {
        let r = c.join().unwrap();
        assert!(r.status == 200 && r.body == want, "wrong or short body");
    }
    let (hits, misses, _) = cache_counts(&s);
    assert_eq!((misses, hits), (4, 24 * 4 - 4), "each 1 MiB chunk read from disk once");
}

#[test]
fn cached_chunks_sent_with_sendfile_are_the_same_bytes() {
    let s = mp4_server(3 << 20, 71, |c| {
        c.chunk_size = 1 << 20;
        c.sendfile_min_connections = 0;
        c.sendfile_min_connections_same_host = 0;
    });
    let want = pattern(3 << 20, 71);
    for _ in 0..2 {
        assert!(s.get("/stream/big").body == want, "whole body, cold then warm");
        let r = s.get_with("/stream/big", &[("Range", "bytes=1000000-2100000")]);
        assert!(r.status == 206 && r.body == want[1_000_000..=2_100_000], "a range across chunks");
    }
    let r = s.get_with("/stream/big", &[("Range", "bytes=0-9, 2097150-2097159")]);
    let text = String::from_utf8_lossy(&r.body).into_owned();
    assert!(r.status == 206 && text.contains("Content-Range: bytes 2097150-2097159/"), "multipart");
    assert_eq!(r.header("content-length").unwrap().parse::<usize>().unwrap(), r.body.len());
    let by_sendfile = s.stats()["sendfile_bytes"].as_u64().unwrap();
    assert!(by_sendfile >= 3 << 20, "the warm body went with sendfile: {by_sendfile} bytes");
}

#[test]
fn a_peer_on_this_host_gets_copies_not_sendfile_by_default() {
    // 127.0.0.1 is this host: at any concurrency its cached chunks go with writev.
    let s = mp4_server(2 << 20, 73, |c| {
        c.chunk_size = 1 << 20;
        c.sendfile_min_connections = 0;
    });
    let want = pattern(2 << 20, 73);
    for _ in 0..2 {
        assert!(s.get("/stream/big").body == want, "whole body, cold then warm");
    }
    let v = s.stats();
    assert!(v["cache"]["hits"].as_u64().unwrap() >= 2, "the second body came from cached chunks");
    assert_eq!(v["sendfile_bytes"].as_u64(), Some(0), "nothing went with sendfile");
}

#[test]
fn file_truncated_while_streaming_with_sendfile_is_cut_not_mixed() {
    let s = slow_stream_server(|c| {
        c.sendfile_min_connections = 0;
        c.sendfile_min_connections_same_host = 0;
    });
    truncate_during_a_download_and_check_the_body(&s);
    assert_eq!(s.get("/stream/big").body.len(), 1000);
}
