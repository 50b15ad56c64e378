//! The server never opens a path outside its root: raw requests with `..`, encoded dots and slashes,
//! backslashes, NUL, staging folders and symlinks leaving the root are all refused. A file outside the
//! root holds a secret; no reply may contain it.

mod serve_support;

use serve_support::*;

const SECRET: &[u8] = b"TOP-SECRET-OUTSIDE-THE-ROOT";

/// An assets root inside a parent folder that also holds secret files next to it.
fn server_with_secret_neighbours() -> (TestServer, tempfile::TempDir) {
    let outside = tempfile::tempdir().unwrap();
    write(&outside.path().join("secret.mp4"), SECRET);
    write(&outside.path().join("thumb.jpg"), SECRET);
    let root = assets();
    (TestServer::start(root, |_| {}), outside)
}

fn raw_get(s: &TestServer, target: &str) -> Resp {
    send_raw(s.addr, format!("GET {target} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").as_bytes())
}

fn assert_refused(r: &Resp, target: &str) {
    assert!(r.status == 400 || r.status == 404, "{target}: status {}", r.status);
    assert!(!r.body.windows(SECRET.len()).any(|w| w == SECRET), "{target}: leaked the secret");
}

#[test]
fn dot_dot_segments_are_refused() {
    let (s, _o) = server_with_secret_neighbours();
    for t in [
        "/stream/../abc",
        "/stream/..",
        "/hls/abc/../../playtube-secret-neighbour.mp4",
        "/../../etc/passwd",
        "/thumb/..",
    ] {
        let r = raw_get(&s, t);
        assert_refused(&r, t);
    }
}

#[test]
fn encoded_dots_and_slashes_are_refused() {
    let (s, _o) = server_with_secret_neighbours();
    for t in [
        "/stream/%2e%2e",
        "/stream/%2E%2E/abc",
        "/hls/abc/%2e%2e%2f%2e%2e%2fplaytube-secret-neighbour.mp4",
        "/stream/abc%2f..%2f..%2fplaytube-secret-neighbour",
        "/hls/abc/360p/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/stream/%252e%252e",
    ] {
        let r = raw_get(&s, t);
        assert_eq!(r.status, if t.contains("%25") { 404 } else { 400 }, "{t}");
        assert_refused(&r, t);
    }
}

#[test]
fn backslashes_and_nul_are_refused() {
    let (s, _o) = server_with_secret_neighbours();
    for t in ["/stream/..%5c..%5cetc", "/stream/abc%00", "/hls/abc/360p/seg_00000.ts%00.jpg", "/stream/a%5cb"] {
        let r = raw_get(&s, t);
        assert_eq!(r.status, 400, "{t}");
    }
    // A raw backslash or NUL in the request line is a malformed request for the HTTP parser itself.
    for t in ["/stream/..\\..\\etc", "/stream/abc\0"] {
        let r = raw_get(&s, t);
        assert!(r.status == 400 || r.status == 404, "{t:?}: {}", r.status);
    }
}

#[test]
fn staging_folders_are_never_served() {
    let (s, _o) = server_with_secret_neighbours();
    for t in ["/stream/.abc.partial-x", "/stream/%2eabc.partial-x"] {
        let r = raw_get(&s, t);
        assert_eq!(r.status, 404, "{t}");
        assert!(!r.text().contains("staging"));
    }
}

#[test]
fn symlinks_leaving_the_root_are_refused() {
    let (s, outside) = server_with_secret_neighbours();
    // A whole asset folder that is a symlink to outside, and a single file symlink inside a real asset.
    std::os::unix::fs::symlink(outside.path(), s.path("evil")).unwrap();
    std::fs::remove_file(s.path("abc/thumb.jpg")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("thumb.jpg"), s.path("abc/thumb.jpg")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.mp4"), s.path("abc/renditions/720p.mp4")).unwrap();
    for t in ["/thumb/evil", "/thumb/abc", "/stream/abc/720p"] {
        let r = raw_get(&s, t);
        assert_eq!(r.status, 404, "{t}");
        assert_refused(&r, t);
    }
    // The cache must not let a later request skip the check either.
    let r = raw_get(&s, "/thumb/abc");
    assert_refused(&r, "/thumb/abc (again)");
}

#[test]
fn symlinks_inside_the_root_are_served() {
    let s = TestServer::with_assets(|_| {});
    std::fs::remove_file(s.path("abc/thumb.jpg")).unwrap();
    std::os::unix::fs::symlink("hls/360p/init.mp4", s.path("abc/thumb.jpg")).unwrap();
    let r = s.get("/thumb/abc");
    assert_eq!(r.status, 200);
    assert_eq!(r.body, pattern(700, 5));
}

#[test]
fn a_file_swapped_for_an_outside_symlink_after_being_cached_is_refused() {
    let (s, outside) = server_with_secret_neighbours();
    assert_eq!(s.get("/hls/abc/360p/seg_00000.ts").status, 200);
    assert_eq!(s.get("/hls/abc/360p/seg_00000.ts").status, 200);
    std::fs::remove_file(s.path("abc/hls/360p/seg_00000.ts")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.mp4"), s.path("abc/hls/360p/seg_00000.ts")).unwrap();
    let r = s.get("/hls/abc/360p/seg_00000.ts");
    assert_eq!(r.status, 404);
    assert_refused(&r, "swapped segment");
}

#[test]
fn the_query_string_never_changes_the_file() {
    let s = TestServer::with_assets(|_| {});
    let r = raw_get(&s, "/thumb/abc?file=../../etc/passwd&sig=x");
    assert_eq!((r.status, r.body.as_slice()), (200, pattern(3_000, 7).as_slice()));
}
