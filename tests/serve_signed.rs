//! `serve` with signatures required, over real sockets on 127.0.0.1: links made by `playtube sign` admit
//! every route; each kind of bad link gets a 403 naming its reason (and the access log says so, without
//! the token); playlists come back carrying the request's token, never another's; Cache-Control turns
//! private; CORS preflights pass unsigned; and ffmpeg decodes a signed HLS asset end to end with zero
//! refused requests. The link checks run on a local root over every transport (plain, TLS, HTTP/2) and
//! on an `s3://` root (the same files published to a real Garage the test starts), where playlists come
//! pinned to the published version (`?v=`) and carry the token after it; ffmpeg decodes the signed HLS
//! asset from both roots.

mod common;
mod serve_support;

use std::io::Write;
use std::net::IpAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use playtube::server::access::{Format, Sink};
use playtube::server::auth::AuthConfig;
use playtube::server::Config;
use playtube::signing::{Claims, Key, KeyId, Keyring, Policy, Scope, Token};
use serve_support::{request, write, Resp, Root, TestServer};

const KEY: &str = "serve-signed-test-key-0123456789abcdef";
const OLD_KEY: &str = "serve-signed-rotated-out-key-0123456789";

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn keyring() -> Keyring {
    let mut keys = Keyring::new();
    keys.set_default(Key::new(KEY.as_bytes()).unwrap());
    keys.insert(KeyId::parse("old").unwrap(), Key::new(OLD_KEY.as_bytes()).unwrap());
    keys
}

fn auth() -> AuthConfig {
    AuthConfig {
        keys: keyring(),
        policy: Policy { max_lifetime: 3600, clock_skew: 0 },
        require: true,
        ..AuthConfig::default()
    }
}

/// A signed token made in-process (for edge cases the CLI refuses to make, such as expired links).
fn token(scope: &str, expires: u64) -> Token {
    let scope = Scope::parse(scope).unwrap_or_else(|| panic!("scope {scope}"));
    Claims { scope, expires, ip: None, kid: None }.sign(&Key::new(KEY.as_bytes()).unwrap())
}

fn signed(path: &str, scope: &str) -> String {
    format!("{path}?{}", token(scope, now() + 600).to_query())
}

/// Two assets (`aaa`, `bbb`), each with stream.mp4, a 360p rendition, an HLS tree and a poster.
fn assets() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    for id in ["aaa", "bbb"] {
        let a = root.path().join(id);
        write(&a.join("stream.mp4"), format!("{id} stream").as_bytes());
        write(&a.join("renditions/360p.mp4"), format!("{id} 360p").as_bytes());
        write(&a.join("thumb.jpg"), format!("{id} thumb").as_bytes());
        write(
            &a.join("hls/master.m3u8"),
            b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n360p/playlist.m3u8\n",
        );
        write(
            &a.join("hls/360p/playlist.m3u8"),
            b"#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:6\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:6.0,\nseg_00000.m4s\n#EXTINF:6.0,\nseg_00001.m4s?v=2\n#EXT-X-ENDLIST\n",
        );
        write(&a.join("hls/360p/init.mp4"), format!("{id} init").as_bytes());
        write(&a.join("hls/360p/seg_00000.m4s"), format!("{id} seg0").as_bytes());
        write(&a.join("hls/360p/seg_00001.m4s"), format!("{id} seg1").as_bytes());
    }
    root
}

// Signed links are checked the same from a local root over plain HTTP/1.1, HTTP/1.1 over TLS and
// HTTP/2, and from an `s3://` root.
over_every_root_and_transport! {
    every_route_signed_by_the_cli_is_served,
    unsigned_requests_to_delivery_routes_are_refused_as_missing,
    tampered_path_expiry_signature_and_kid_are_each_refused,
    a_link_expired_by_one_second_is_refused,
    a_token_for_asset_a_never_admits_asset_b_or_its_qualities,
    playlists_carry_the_requests_own_token_and_the_cache_never_leaks_another,
    head_range_and_revalidation_of_a_signed_playlist_describe_the_rewritten_bytes,
    signed_media_is_private_unless_a_cdn_is_configured,
    health_and_stats_can_each_require_their_own_link,
    links_bound_to_an_address_admit_only_that_client,
}

fn server(tweak: impl FnOnce(&mut Config)) -> TestServer {
    server_over(Root::Local, tweak)
}

fn server_over(root: Root, tweak: impl FnOnce(&mut Config)) -> TestServer {
    TestServer::start_on_root(root, assets(), |c| {
        c.auth = auth();
        tweak(c);
    })
}

/// `uri` of a playlist of `id` with `query` (a token) added as the server rewrites it: after the
/// version pin from an `s3://` root.
fn with_query(srv: &TestServer, id: &str, uri: &str, query: &str) -> String {
    let uri = srv.pinned(id, uri);
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{query}")
}

fn assert_refused(resp: &Resp, reason: &str) {
    assert_eq!(resp.status, 403, "expected 403 {reason}, got {} {}", resp.status, resp.text());
    assert_eq!(resp.text(), format!("{reason}\n"));
    assert_eq!(resp.header("cache-control"), Some("no-store"));
}

/// The URI lines and `URI="..."` values of a playlist.
fn uris(playlist: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in playlist.lines() {
        if line.starts_with('#') {
            if let Some(i) = line.find("URI=\"") {
                let rest = &line[i + 5..];
                out.push(rest[..rest.find('"').unwrap()].to_owned());
            }
        } else if !line.trim().is_empty() {
            out.push(line.trim().to_owned());
        }
    }
    out
}

/// Resolve a relative URI against the request path it was found in.
fn join(base: &str, uri: &str) -> String {
    let dir = &base[..=base.rfind('/').unwrap()];
    format!("{dir}{uri}")
}

fn every_route_signed_by_the_cli_is_served(root: Root) {
    let srv = server_over(root, |_| {});
    let (mut cmd, _dir) = common::playtube();
    cmd.env("PLAYTUBE_SECRET_KEY", KEY)
        .envs(srv.root_env())
        .args(["--json", "sign", "--asset", "aaa", "--expires", "10m", "--root"])
        .arg(srv.root_arg());
    let out = cmd.assert().success().get_output().stdout.clone();
    let config: serde_json::Value = serde_json::from_slice(&out).unwrap();
    for key in ["streamUrl", "poster"] {
        let resp = srv.get(config[key].as_str().unwrap());
        assert_eq!(resp.status, 200, "{key}: {}", resp.text());
    }
    let q = config["qualities"][0]["url"].as_str().unwrap();
    assert_eq!(srv.get(q).text(), "aaa 360p");

    // HLS: follow the master into the variant and every segment, using only URIs from the bodies.
    let master_url = config["hlsUrl"].as_str().unwrap();
    let master = srv.get(master_url);
    assert_eq!(master.status, 200);
    let mut fetched = 0;
    for variant in uris(&master.text()) {
        let variant_path = join("/hls/aaa/master.m3u8", &variant);
        let playlist = srv.get(&variant_path);
        assert_eq!(playlist.status, 200, "{variant_path}: {}", playlist.text());
        for seg in uris(&playlist.text()) {
            let resp = srv.get(&join(variant_path.split('?').next().unwrap(), &seg));
            assert_eq!(resp.status, 200, "{seg}: {}", resp.text());
            assert!(resp.text().starts_with("aaa "), "{}", resp.text());
            fetched += 1;
        }
    }
    assert_eq!(fetched, 3, "init + two segments");
}

fn unsigned_requests_to_delivery_routes_are_refused_as_missing(root: Root) {
    let srv = server_over(root, |_| {});
    for path in ["/stream/aaa", "/stream/aaa/360p", "/hls/aaa/master.m3u8", "/hls/aaa/360p/seg_00000.m4s", "/thumb/aaa"]
    {
        assert_refused(&srv.get(path), "missing");
    }
    // Health and stats are separate, and open by default.
    assert_eq!(srv.get("/health").status, 200);
    assert_eq!(srv.get("/stats").status, 200);
}

fn tampered_path_expiry_signature_and_kid_are_each_refused(root: Root) {
    let srv = server_over(root, |_| {});
    let good = signed("/stream/aaa", "/stream/aaa");
    assert_eq!(srv.get(&good).status, 200);
    let expires = good.split("expires=").nth(1).unwrap().split('&').next().unwrap().to_owned();
    let later = (expires.parse::<u64>().unwrap() + 1).to_string();
    let sig_at = good.find("&sig=").unwrap() + 5;
    let mut bad_sig = good.clone();
    bad_sig.replace_range(sig_at..sig_at + 2, if &good[sig_at..sig_at + 2] == "AA" { "BB" } else { "AA" });
    assert_refused(&srv.get(&good.replace("/stream/aaa?", "/stream/bbb?")), "wrong_scope");
    assert_refused(
        &srv.get(&good.replace(&format!("expires={expires}"), &format!("expires={later}"))),
        "bad_signature",
    );
    assert_refused(&srv.get(&bad_sig), "bad_signature");
    assert_refused(&srv.get(&good.replace("&sig=", "&kid=old&sig=")), "bad_signature");
    assert_refused(&srv.get(&good.replace("&sig=", "&kid=gone&sig=")), "unknown_key");
    assert_refused(&srv.get(&format!("{good}&sig=x")), "malformed");
    // A link signed with the rotated-out key under its kid is still accepted while the key is listed.
    let old = Claims {
        scope: Scope::parse("/stream/aaa").unwrap(),
        expires: now() + 60,
        ip: None,
        kid: Some(KeyId::parse("old").unwrap()),
    }
    .sign(&Key::new(OLD_KEY.as_bytes()).unwrap());
    assert_eq!(srv.get(&format!("/stream/aaa?{}", old.to_query())).status, 200);
}

fn a_link_expired_by_one_second_is_refused(root: Root) {
    let srv = server_over(root, |_| {});
    let t = now();
    assert_refused(&srv.get(&format!("/thumb/aaa?{}", token("/thumb/aaa", t - 1).to_query())), "expired");
    assert_eq!(srv.get(&format!("/thumb/aaa?{}", token("/thumb/aaa", t + 2).to_query())).status, 200);
    assert_refused(
        &srv.get(&format!("/thumb/aaa?{}", token("/thumb/aaa", t + 3600 + 60).to_query())),
        "lifetime_too_long",
    );
}

fn a_token_for_asset_a_never_admits_asset_b_or_its_qualities(root: Root) {
    let srv = server_over(root, |_| {});
    let hls_a = token("/hls/aaa/", now() + 600).to_query();
    assert_eq!(srv.get(&format!("/hls/aaa/360p/seg_00000.m4s?{hls_a}")).status, 200);
    assert_refused(&srv.get(&format!("/hls/bbb/master.m3u8?{hls_a}")), "wrong_scope");
    assert_refused(&srv.get(&format!("/hls/bbb/360p/seg_00000.m4s?{hls_a}")), "wrong_scope");
    assert_refused(&srv.get(&format!("/stream/aaa?{hls_a}")), "wrong_scope");
    let q_a = token("/stream/aaa/360p", now() + 600).to_query();
    assert_eq!(srv.get(&format!("/stream/aaa/360p?{q_a}")).status, 200);
    assert_refused(&srv.get(&format!("/stream/bbb/360p?{q_a}")), "wrong_scope");
    assert_refused(&srv.get(&format!("/stream/aaa?{q_a}")), "wrong_scope");
    // Percent-encoding the path does not change which asset it names.
    assert_refused(&srv.get(&format!("/stream/%62bb/360p?{q_a}")), "wrong_scope");
    assert_eq!(srv.get(&format!("/stream/%61aa/360p?{q_a}")).status, 200);
}

fn playlists_carry_the_requests_own_token_and_the_cache_never_leaks_another(root: Root) {
    let srv = server_over(root, |_| {});
    let t1 = token("/hls/aaa/", now() + 600);
    let t2 = token("/hls/aaa/", now() + 700);
    let first = srv.get(&format!("/hls/aaa/360p/playlist.m3u8?{}", t1.to_query()));
    let second = srv.get(&format!("/hls/aaa/360p/playlist.m3u8?{}", t2.to_query()));
    for (resp, mine, other) in [(&first, &t1, &t2), (&second, &t2, &t1)] {
        let text = resp.text();
        let q = mine.to_query();
        assert_eq!(
            uris(&text),
            [
                with_query(&srv, "aaa", "init.mp4", &q),
                with_query(&srv, "aaa", "seg_00000.m4s", &q),
                with_query(&srv, "aaa", "seg_00001.m4s?v=2", &q)
            ]
        );
        assert!(!text.contains(&other.sig_text()));
        assert_eq!(resp.header("content-length"), Some(text.len().to_string().as_str()));
        assert_eq!(resp.header("cache-control"), Some("private, max-age=5"));
    }
    assert_ne!(first.header("etag"), second.header("etag"), "different bodies, different validators");
    // The second request was a cache hit: the cache holds the file's bytes, each response its own copy.
    assert!(srv.stats()["cache"]["hits"].as_u64().unwrap() >= 1, "{}", srv.stats());
    let master = srv.get(&format!("/hls/aaa/master.m3u8?{}", t1.to_query()));
    assert_eq!(uris(&master.text()), [with_query(&srv, "aaa", "360p/playlist.m3u8", &t1.to_query())]);
}

fn head_range_and_revalidation_of_a_signed_playlist_describe_the_rewritten_bytes(root: Root) {
    let srv = server_over(root, |_| {});
    let t = token("/hls/aaa/", now() + 600);
    let path = format!("/hls/aaa/360p/playlist.m3u8?{}", t.to_query());
    let full = srv.get(&path);
    assert!(full.text().contains(&t.sig_text()));
    let head = srv.request("HEAD", &path, &[]);
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), full.header("content-length"));
    assert!(head.body.is_empty());
    let tail = srv.get_with(&path, &[("Range", "bytes=-20")]);
    assert_eq!(tail.status, 206);
    assert_eq!(tail.body, full.body[full.body.len() - 20..]);
    let etag = full.header("etag").unwrap();
    let again = srv.get_with(&path, &[("If-None-Match", etag)]);
    assert_eq!(again.status, 304);
    assert_eq!(again.header("cache-control"), Some("private, max-age=5"));
    // Another token's validator does not match this token's body.
    let other = format!("/hls/aaa/360p/playlist.m3u8?{}", token("/hls/aaa/", now() + 900).to_query());
    assert_eq!(srv.get_with(&other, &[("If-None-Match", etag)]).status, 200);
}

fn signed_media_is_private_unless_a_cdn_is_configured(root: Root) {
    let srv = server_over(root, |_| {});
    let resp = srv.get(&signed("/stream/aaa", "/stream/aaa"));
    assert_eq!(resp.header("cache-control"), Some("private, max-age=31536000, immutable"));
    let cdn = server_over(root, |c| c.auth.cdn = true);
    let resp = cdn.get(&signed("/stream/aaa", "/stream/aaa"));
    assert_eq!(resp.header("cache-control"), Some("public, max-age=31536000, immutable"));
    let playlist = cdn.get(&signed("/hls/aaa/master.m3u8", "/hls/aaa/"));
    assert!(playlist.header("cache-control").unwrap().starts_with("private"), "playlists carry the token");
}

#[test]
fn cors_preflights_need_no_signature() {
    let srv = server(|c| c.allowed_origins = vec!["https://app.example".into()]);
    let resp = request(
        srv.addr,
        "OPTIONS",
        "/hls/aaa/master.m3u8",
        &[
            ("Origin", "https://app.example"),
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "range"),
        ],
    );
    assert_eq!(resp.status, 204, "{}", resp.text());
    assert_eq!(resp.header("access-control-allow-origin"), Some("https://app.example"));
    // The real request still needs the link, and a refusal carries CORS headers so the page can read it.
    let refused = srv.get_with("/hls/aaa/master.m3u8", &[("Origin", "https://app.example")]);
    assert_refused(&refused, "missing");
    assert_eq!(refused.header("access-control-allow-origin"), Some("https://app.example"));
}

fn health_and_stats_can_each_require_their_own_link(root: Root) {
    let srv = server_over(root, |c| {
        c.auth.health = true;
        c.auth.stats = true;
    });
    assert_refused(&srv.get("/health"), "missing");
    assert_refused(&srv.get("/stats"), "missing");
    assert_refused(&srv.get(&signed("/stats", "/health")), "wrong_scope");
    assert_eq!(srv.get(&signed("/health", "/health")).status, 200);
    assert_eq!(srv.get(&signed("/stats", "/stats")).status, 200);
}

#[test]
fn signatures_switched_off_serve_openly_even_with_a_key() {
    let srv = server(|c| c.auth.require = false);
    assert_eq!(srv.get("/stream/aaa").status, 200);
    let master = srv.get("/hls/aaa/master.m3u8");
    assert_eq!(master.text(), "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n360p/playlist.m3u8\n");
    assert_eq!(master.header("cache-control"), Some("public, max-age=5"));
}

fn links_bound_to_an_address_admit_only_that_client(root: Root) {
    let bound = |ip: &str| {
        Claims {
            scope: Scope::parse("/stream/aaa").unwrap(),
            expires: now() + 60,
            ip: Some(ip.parse::<IpAddr>().unwrap()),
            kid: None,
        }
        .sign(&Key::new(KEY.as_bytes()).unwrap())
        .to_query()
    };
    let srv = server_over(root, |_| {});
    assert_eq!(srv.get(&format!("/stream/aaa?{}", bound("127.0.0.1"))).status, 200);
    assert_refused(&srv.get(&format!("/stream/aaa?{}", bound("203.0.113.7"))), "ip_mismatch");
    // Behind a proxy: the configured header is the client address, and only it.
    let proxied = server_over(root, |c| c.auth.client_ip_header = Some(http::HeaderName::from_static("x-real-ip")));
    let path = format!("/stream/aaa?{}", bound("203.0.113.7"));
    assert_eq!(proxied.get_with(&path, &[("X-Real-IP", "203.0.113.7")]).status, 200);
    assert_refused(&proxied.get_with(&path, &[("X-Real-IP", "198.51.100.1")]), "ip_mismatch");
    assert_refused(&proxied.get(&path), "ip_mismatch");
}

/// The captured log lines and the sink that writes them.
type CapturedLog = (Arc<Mutex<Vec<u8>>>, Arc<Sink>);

/// Captured access log of this test binary (all servers; tests filter by asset id): the bytes and the
/// sink that writes them, in the human format.
fn access_log() -> CapturedLog {
    static LOG: OnceLock<CapturedLog> = OnceLock::new();
    LOG.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        struct W(Arc<Mutex<Vec<u8>>>);
        impl Write for W {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let sink = Sink::start(Format::Human, Box::new(W(Arc::clone(&buf))));
        (buf, sink)
    })
    .clone()
}

/// Log into the captured access log.
fn logged(c: &mut Config) {
    c.access_log = true;
    c.access_sink = Some(access_log().1);
}

fn log_lines(needle: &str) -> Vec<String> {
    // Lines reach the buffer within the sink's flush interval (100 ms).
    std::thread::sleep(std::time::Duration::from_millis(400));
    let log = access_log().0;
    let text = String::from_utf8_lossy(&log.lock().unwrap()).into_owned();
    text.lines().filter(|l| l.contains("playtube::access") && l.contains(needle)).map(str::to_owned).collect()
}

#[test]
fn refusals_are_logged_with_their_reason_and_never_the_token() {
    let root = assets();
    std::fs::rename(root.path().join("bbb"), root.path().join("logged_asset")).unwrap();
    let srv = TestServer::start(root, |c| {
        c.auth = auth();
        logged(c);
    });
    let t = token("/stream/aaa", now() + 600);
    let resp = srv.get(&format!("/stream/logged_asset?{}", t.to_query()));
    assert_refused(&resp, "wrong_scope");
    drop(srv);
    let lines = log_lines("/stream/logged_asset");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("status=403") && lines[0].contains("reason=\"wrong_scope\""), "{}", lines[0]);
    assert!(!lines[0].contains(&t.sig_text()) && !lines[0].contains(KEY), "{}", lines[0]);
}

/// `<root>/<id>/hls/`: a hand-written master over two variants made by ffmpeg from the landscape
/// fixture without re-encoding: 480p as MPEG-TS segments, 360p as fMP4 with an init section.
fn make_hls_asset(root: &Path, id: &str) {
    let hls = root.join(id).join("hls");
    for q in ["480p", "360p"] {
        std::fs::create_dir_all(hls.join(q)).unwrap();
    }
    let input = common::fixture("landscape.mp4");
    let ffmpeg = |extra: &[&str], q: &str| {
        let status = std::process::Command::new("ffmpeg")
            .args(["-hide_banner", "-loglevel", "error", "-y", "-i"])
            .arg(&input)
            .args(["-c", "copy", "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod"])
            .args(extra)
            .current_dir(&hls)
            .arg(format!("{q}/playlist.m3u8"))
            .status()
            .expect("ffmpeg runs");
        assert!(status.success(), "ffmpeg failed for {q}");
    };
    ffmpeg(&["-hls_segment_filename", "480p/seg_%03d.ts"], "480p");
    ffmpeg(
        &[
            "-hls_segment_type",
            "fmp4",
            "-hls_fmp4_init_filename",
            "init.mp4",
            "-hls_segment_filename",
            "360p/seg_%03d.m4s",
        ],
        "360p",
    );
    std::fs::write(
        hls.join("master.m3u8"),
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n\
#EXT-X-STREAM-INF:BANDWIDTH=700000,RESOLUTION=854x480,CODECS=\"avc1.64001e,mp4a.40.2\"\n480p/playlist.m3u8\n\
#EXT-X-STREAM-INF:BANDWIDTH=500000,RESOLUTION=854x480,CODECS=\"avc1.64001e,mp4a.40.2\"\n360p/playlist.m3u8\n",
    )
    .unwrap();
    assert!(hls.join("360p/init.mp4").is_file(), "ffmpeg wrote the init section beside the playlist");
}

#[test]
fn ffmpeg_decodes_a_signed_hls_asset_with_zero_refused_requests() {
    ffmpeg_decodes_a_signed_hls_asset(Root::Local);
}

#[test]
fn ffmpeg_decodes_a_signed_hls_asset_from_an_s3_root_with_zero_refused_requests() {
    ffmpeg_decodes_a_signed_hls_asset(Root::S3);
}

fn ffmpeg_decodes_a_signed_hls_asset(root: Root) {
    let dir = tempfile::tempdir().unwrap();
    // Its own id per root: both tests share the captured access log.
    let id = &format!("ffmpeg_signed_e2e_{root:?}").to_lowercase();
    make_hls_asset(dir.path(), id);
    let srv = TestServer::start_on_root(root, dir, |c| {
        c.auth = auth();
        logged(c);
    });
    let (mut cmd, _dir) = common::playtube();
    cmd.env("PLAYTUBE_SECRET_KEY", KEY).args(["sign", &format!("/hls/{id}/master.m3u8"), "--expires", "10m"]);
    cmd.args(["--base-url", &format!("http://{}", srv.addr)]);
    let url = String::from_utf8(cmd.assert().success().get_output().stdout.clone()).unwrap().trim().to_owned();

    let out = std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-i", &url, "-map", "0", "-f", "null", "-"])
        .output()
        .expect("ffmpeg runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    drop(srv);
    let lines = log_lines(&format!("/hls/{id}/"));
    let refused = lines.iter().filter(|l| l.contains("status=403")).count();
    let ok = lines.iter().filter(|l| l.contains("status=200") || l.contains("status=206")).count();
    eprintln!(
        "ffmpeg end to end: {} requests logged, {ok} with status 200/206, {refused} with status 403",
        lines.len()
    );
    assert!(out.status.success(), "ffmpeg failed: {stderr}");
    assert!(!stderr.contains("403"), "{stderr}");
    assert_eq!(refused, 0, "{lines:#?}");
    // master + 2 variant playlists + 6 .ts + init + 6 .m4s
    assert!(ok >= 16, "expected every playlist and segment to be fetched: {lines:#?}");
}

/// The first two stderr lines of `playtube serve` on 127.0.0.1:0 (then the child is stopped).
fn serve_banner(env: &[(&str, &str)]) -> Vec<String> {
    use std::io::BufRead;
    let root = assets();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_playtube"));
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("PLAYTUBE_") || key == "GO_VIDEO_SECRET_KEY" {
            cmd.env_remove(&key);
        }
    }
    cmd.env("HOME", root.path()).env("NO_COLOR", "1").current_dir(root.path()).envs(env.iter().copied());
    cmd.args(["serve", "--addr", "127.0.0.1:0", "--root"]).arg(root.path());
    let mut child = cmd.stderr(std::process::Stdio::piped()).spawn().expect("playtube serve starts");
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let banner: Vec<String> = lines.by_ref().take(2).map(Result::unwrap).collect();
    child.kill().unwrap();
    child.wait().unwrap();
    banner
}

#[test]
fn serve_says_at_start_up_whether_links_are_required() {
    let open = serve_banner(&[]);
    assert!(open[1].contains("warning: no signing key configured"), "{open:?}");
    let secured = serve_banner(&[("PLAYTUBE_SECRET_KEY", KEY)]);
    assert_eq!(secured[1], "playtube: signed links required on /stream /hls /thumb /watch (keys: default)");
    let off = serve_banner(&[("PLAYTUBE_SECRET_KEY", KEY), ("PLAYTUBE_REQUIRE_SIGNATURES", "false")]);
    assert!(off[1].contains("require_signatures = false"), "{off:?}");
}
