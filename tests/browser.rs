//! The watch page in a real browser: Debian's chromium (headless, no sandbox, background networking
//! off) driven over WebDriver by chromedriver, against `playtube serve` on 127.0.0.1 serving an asset
//! made by `playtube prepare` from `fixtures/landscape.mp4` (360p + 480p): the binary openly, with
//! signatures required (links from `playtube sign`) and as the media origin of a page served by another
//! origin (its JSON access log is checked too), and in-process servers for the page origin and the
//! fallback and error cases; and the binary over HTTPS with a self-signed certificate, where the page
//! and its media must come over HTTP/2; and the binary with `--root s3://…`, the prepared asset
//! published to a real Garage the test starts, so every byte the browser plays comes from object
//! storage. What is checked and how is in `browser/scenario.rs`; the WebDriver client is
//! `browser/webdriver.rs`, the child-process server `browser/served.rs`.
//! Without chromium or chromedriver the tests FAIL and say what to install (`.ci/run` installs both).

mod common;
#[path = "browser/scenario.rs"]
mod scenario;
mod serve_support;
#[path = "browser/served.rs"]
mod served;
#[path = "browser/webdriver.rs"]
mod webdriver;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use playtube::server::auth::AuthConfig;
use playtube::server::player::{MediaBase, PlayerSettings};
use playtube::signing::{Key, Keyring};
use serve_support::TestServer;

const ID: &str = "landscape";
const SECRET: &str = "browser-test-secret-key-0123456789abcdef";

/// Signatures required, with the key `playtube sign` gets from PLAYTUBE_SECRET_KEY.
fn signed_config(c: &mut playtube::server::Config) {
    let mut keys = Keyring::new();
    keys.set_default(Key::new(SECRET.as_bytes()).unwrap());
    c.auth = AuthConfig { keys, require: true, ..AuthConfig::default() };
}

/// `playtube sign PATH --expires WHEN`, as an operator's backend would run it: the path plus its token.
fn sign(path: &str, expires: &str) -> String {
    let cwd = tempfile::tempdir().unwrap();
    let out = common::playtube_in(cwd.path())
        .env("PLAYTUBE_SECRET_KEY", SECRET)
        .args(["sign", path, "--expires", expires])
        .output()
        .expect("run playtube sign");
    assert!(out.status.success(), "playtube sign failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// `playtube prepare fixtures/landscape.mp4 --id landscape` once per test run, into target/tmp.
fn prepared() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-assets");
        let _ = std::fs::remove_dir_all(&root);
        let cwd = tempfile::tempdir().unwrap();
        let out = common::playtube_in(cwd.path())
            .arg("prepare")
            .arg(common::fixture("landscape.mp4"))
            .arg("-o")
            .arg(&root)
            .args(["--id", ID, "--quiet"])
            .output()
            .expect("run playtube prepare");
        assert!(out.status.success(), "playtube prepare failed: {}", String::from_utf8_lossy(&out.stderr));
        for file in ["hls/master.m3u8", "hls/360p/playlist.m3u8", "hls/480p/playlist.m3u8", "stream.mp4", "thumb.jpg"] {
            assert!(root.join(ID).join(file).is_file(), "prepare did not write {file}");
        }
        root
    })
}

/// A fresh assets root holding a copy of the prepared asset (each server owns its root).
fn assets() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in walkdir::WalkDir::new(prepared()) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(prepared()).unwrap();
        let to = dir.path().join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    dir
}

fn bind() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0")
}

fn origin(listener: &TcpListener) -> String {
    format!("http://{}", listener.local_addr().unwrap())
}

/// chromedriver, ready to open chromium sessions; fails the test, naming the packages, when either
/// is not installed.
fn browser() -> webdriver::Driver {
    let chromium = common::required_tool("chromium", "chromium chromium-driver");
    let chromedriver = common::required_tool("chromedriver", "chromium chromium-driver");
    webdriver::Driver::start(&chromedriver, &chromium).expect("start chromedriver")
}

/// The server's side of a run: every access-log line since the last call; none may be a 4xx or 5xx.
fn check_server_log(label: &str, server: &served::Served) -> usize {
    let entries = server.take_access_log();
    let failed: Vec<&(String, u64)> = entries.iter().filter(|(_, status)| *status >= 400).collect();
    println!("[{label}] server access log: {} requests, {} answered >= 400 {failed:?}", entries.len(), failed.len());
    assert!(failed.is_empty(), "[{label}] the server refused or failed requests: {failed:?}");
    assert!(entries.len() >= 8, "[{label}] the server saw only {entries:?}");
    entries.len()
}

#[test]
fn watch_page_plays_switches_rungs_seeks_and_loads_media_from_another_origin() {
    let driver = browser();
    let profile = tempfile::tempdir().unwrap();
    let session = driver.session(profile.path()).expect("start chromium");
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("watch-page-playing.png");

    // 1. `playtube serve` serving page and media.
    let root = assets();
    let server = served::Served::start(root.path(), &[], &[]);
    let url = server.url();
    let run = scenario::play_and_check(
        &session,
        "same origin",
        &format!("{url}/watch/{ID}"),
        std::slice::from_ref(&url),
        Some(&shot),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    println!("{run}");
    println!("screenshot of the page playing: {}", shot.display());
    check_server_log("same origin", &server);

    // 2. Signatures required (PLAYTUBE_SECRET_KEY): only the page's link is given, made by
    //    `playtube sign`; every media request must pass the gate.
    let signed_root = assets();
    let signed = served::Served::start(signed_root.path(), &[], &[("PLAYTUBE_SECRET_KEY", SECRET)]);
    let signed_url = signed.url();
    let link = sign(&format!("/watch/{ID}"), "10m");
    let run = scenario::play_and_check(
        &session,
        "signed",
        &format!("{signed_url}{link}"),
        std::slice::from_ref(&signed_url),
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    println!("{run}");
    check_server_log("signed", &signed);
    let unsigned = serve_support::request(signed.addr, "GET", &format!("/hls/{ID}/master.m3u8"), &[]);
    assert_eq!(unsigned.status, 403, "the signed server must refuse unsigned media");

    // 3. The page on one origin (in-process, no media at all), the media on another: a `playtube serve`
    //    whose ALLOWED_ORIGINS lists the page's origin (CORS).
    let page_listener = bind();
    let page_origin = origin(&page_listener);
    let media_root = assets();
    let media = served::Served::start(media_root.path(), &[], &[("ALLOWED_ORIGINS", page_origin.as_str())]);
    let media_origin = media.url();
    let base = MediaBase::parse(&media_origin).unwrap();
    let page = TestServer::start_on(page_listener, tempfile::tempdir().unwrap(), |c| {
        c.player = PlayerSettings { enabled: true, media_base: Some(base) };
    });
    let run = scenario::play_and_check(
        &session,
        "cross origin",
        &format!("{page_origin}/watch/{ID}"),
        &[page_origin.clone(), media_origin.clone()],
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    println!("{run}");
    assert!(run.origins.contains(&media_origin), "no request reached the media origin: {:?}", run.origins);
    check_server_log("cross origin (media server)", &media);
    drop((page, media, server, signed));
}

#[test]
fn watch_page_falls_back_to_native_hls_or_progressive_and_explains_errors() {
    let driver = browser();
    let profile = tempfile::tempdir().unwrap();
    let session = driver.session(profile.path()).expect("start chromium");

    // An asset prepared without HLS: only stream.mp4 and thumb.jpg.
    let root = assets();
    let progressive_only = root.path().join("progressive");
    std::fs::create_dir_all(&progressive_only).unwrap();
    for file in ["stream.mp4", "thumb.jpg"] {
        std::fs::copy(root.path().join(ID).join(file), progressive_only.join(file)).unwrap();
    }
    let server = TestServer::start(root, |_| {});
    let url = format!("http://{}", server.addr);
    let origins = [url.clone()];

    // A browser without MediaSource (hls.js unsupported) plays HLS natively.
    let run = scenario::plays_natively(&session, "native HLS", &format!("{url}/watch/{ID}"), &origins)
        .unwrap_or_else(|e| panic!("{e}"));
    println!("{run}");

    // No HLS on disk: the server offers only the progressive stream, nothing fails.
    let run = scenario::plays_progressive(&session, "no HLS", &format!("{url}/watch/progressive"), &origins, &[])
        .unwrap_or_else(|e| panic!("{e}"));
    println!("{run}");

    // Media on another origin whose HLS is missing: the master's 404 makes the page fall back.
    let (page_listener, media_listener) = (bind(), bind());
    let (page_origin, media_origin) = (origin(&page_listener), origin(&media_listener));
    let media_root = tempfile::tempdir().unwrap();
    let dir = media_root.path().join("progressive");
    std::fs::create_dir_all(&dir).unwrap();
    for file in ["stream.mp4", "thumb.jpg"] {
        std::fs::copy(progressive_only.join(file), dir.join(file)).unwrap();
    }
    let allowed = page_origin.clone();
    let media = TestServer::start_on(media_listener, media_root, |c| c.allowed_origins = vec![allowed]);
    let base = MediaBase::parse(&media_origin).unwrap();
    let page = TestServer::start_on(page_listener, tempfile::tempdir().unwrap(), |c| {
        c.player = PlayerSettings { enabled: true, media_base: Some(base) };
    });
    let run = scenario::plays_progressive(
        &session,
        "remote HLS missing",
        &format!("{page_origin}/watch/progressive"),
        &[page_origin.clone(), media_origin.clone()],
        &["/hls/progressive/master.m3u8"],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    println!("{run}");

    // Errors are words on the page.
    let text = scenario::page_message(&session, &format!("{url}/watch/nothing-here")).unwrap_or_else(|e| panic!("{e}"));
    println!("[missing asset] message: {text}");
    assert!(text.contains("could not be found"), "{text}");
    let text = scenario::page_message(&session, &format!("{page_origin}/watch/nothing-here"))
        .unwrap_or_else(|e| panic!("{e}"));
    println!("[missing remote asset] message: {text}");
    assert!(text.contains("could not be found") && text.contains("404"), "{text}");

    // Signed pages: an expired link, an altered one, and none at all each say so.
    let signed = TestServer::start(assets(), signed_config);
    let signed_url = format!("http://{}", signed.addr);
    let expired = sign(&format!("/watch/{ID}"), "1000"); // Unix time 1000: long gone
    let text = scenario::page_message(&session, &format!("{signed_url}{expired}")).unwrap_or_else(|e| panic!("{e}"));
    println!("[expired link] message: {text}");
    assert!(text.contains("expired"), "{text}");
    let mut altered = sign(&format!("/watch/{ID}"), "10m");
    altered.replace_range(altered.len() - 4.., "AAAA");
    let text = scenario::page_message(&session, &format!("{signed_url}{altered}")).unwrap_or_else(|e| panic!("{e}"));
    println!("[altered link] message: {text}");
    assert!(text.contains("not valid"), "{text}");
    let text = scenario::page_message(&session, &format!("{signed_url}/watch/{ID}")).unwrap_or_else(|e| panic!("{e}"));
    println!("[unsigned link] message: {text}");
    assert!(text.contains("needs a signed link"), "{text}");
    drop((page, media, server, signed));
}

#[test]
fn watch_page_plays_over_https_with_http2() {
    let driver = browser();
    let profile = tempfile::tempdir().unwrap();
    // The certificate is self-signed, made by the test; chromium is told to accept it.
    let session = driver.session_with(profile.path(), &["--ignore-certificate-errors"]).expect("start chromium");
    let pem_dir = tempfile::tempdir().unwrap();
    let pem = serve_support::tls::Pem::make(pem_dir.path(), "server", 1);
    let root = assets();
    let (cert, key) = (pem.cert.display().to_string(), pem.key.display().to_string());
    let server = served::Served::start(root.path(), &["--tls-cert", &cert, "--tls-key", &key], &[]);
    let url = server.url();
    assert!(url.starts_with("https://"), "{url}");
    let run =
        scenario::play_and_check(&session, "https", &format!("{url}/watch/{ID}"), std::slice::from_ref(&url), None)
            .unwrap_or_else(|e| panic!("{e}"));
    println!("{run}");
    check_server_log("https", &server);
    // The page and every media request went over HTTP/2 (ALPN h2), as the browser reports it. A request
    // the player aborted before its response reports no protocol (""): at most `run.aborted` of those.
    let protocols = session
        .js(
            "return [performance.getEntriesByType('navigation')[0].nextHopProtocol]
                 .concat(performance.getEntriesByType('resource').map(e => e.nextHopProtocol));",
            &[],
        )
        .expect("read the resource timing entries");
    let protocols: Vec<&str> = protocols.as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
    println!("[https] protocols of the page and its resources: {protocols:?}");
    let unknown = protocols.iter().filter(|p| p.is_empty()).count();
    assert!(unknown <= run.aborted, "{unknown} requests without a protocol, {} aborted: {protocols:?}", run.aborted);
    let known: Vec<&&str> = protocols.iter().filter(|p| !p.is_empty()).collect();
    assert!(known.len() >= 2 && known.iter().all(|p| **p == "h2"), "{protocols:?}");
}

#[test]
fn watch_page_plays_an_asset_served_from_object_storage() {
    let driver = browser();
    let profile = tempfile::tempdir().unwrap();
    let session = driver.session(profile.path()).expect("start chromium");
    // The prepared asset published to a fresh bucket; the server gets only the s3:// URL (its own
    // folder is empty) and Garage's endpoint and key in the standard AWS_* variables.
    let local = assets();
    let (published, _) = serve_support::publish_root(local.path());
    let home = tempfile::tempdir().unwrap();
    let root = format!("s3://{}/{}", published.bucket, published.prefix);
    let env = published.garage.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = served::Served::start_at(root.as_ref(), home.path(), &[], &env);
    let url = server.url();
    let run =
        scenario::play_and_check(&session, "s3 root", &format!("{url}/watch/{ID}"), std::slice::from_ref(&url), None)
            .unwrap_or_else(|e| panic!("{e}"));
    println!("{run}");
    let requests = check_server_log("s3 root", &server);
    let stats: serde_json::Value =
        serde_json::from_slice(&serve_support::request(server.addr, "GET", "/stats", &[]).body).expect("stats JSON");
    let origin = &stats["origin"];
    println!("[s3 root] {requests} client requests, origin: {origin}");
    assert!(origin["requests"].as_u64().unwrap() > 0, "nothing was read from storage: {origin}");
    assert_eq!(origin["errors"], 0, "{origin}");
}
