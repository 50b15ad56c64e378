//! Helpers for the `serve_*` tests: an in-process server on a listener bound to 127.0.0.1:0 (kept, never
//! re-bound), a tiny assets root with known bytes, and a raw HTTP/1.1 client so tests control every
//! byte of the request (paths with `..`, odd headers) and see every byte of the reply. A server can
//! also run over TLS ([`Transport`]), and [`over_every_transport!`] runs one test body over plain
//! HTTP/1.1, HTTP/1.1 over TLS and HTTP/2, so the same assertions hold on all three.

#![allow(dead_code)]

pub mod tls;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use playtube::server::{self, Config};

/// How a test talks to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// HTTP/1.1 on the bare socket.
    Plain,
    /// HTTP/1.1 over TLS (ALPN `http/1.1`).
    Tls,
    /// HTTP/2 over TLS (ALPN `h2`).
    H2,
}

/// Define, for each named `fn NAME(t: Transport)`, a module `NAME` with the tests `plain`, `tls_http1`
/// and `http2` that run it over each transport.
#[macro_export]
macro_rules! over_every_transport {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn plain() {
                super::$name($crate::serve_support::Transport::Plain)
            }
            #[test]
            fn tls_http1() {
                super::$name($crate::serve_support::Transport::Tls)
            }
            #[test]
            fn http2() {
                super::$name($crate::serve_support::Transport::H2)
            }
        }
    )*};
}

#[path = "../storage_support/mod.rs"]
pub mod storage_support;

/// Where a test server reads its assets: a local folder, or the same files published to a real
/// Garage the test starts (`serve --root s3://bucket/prefix`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    Local,
    S3,
    /// The local folder over HTTP/1.1 over TLS.
    LocalTls,
    /// The local folder over HTTP/2 (TLS, ALPN `h2`).
    LocalH2,
}

/// Run each test once per setup: `on_setups!([local: Local, s3: S3] fn name(root) { ... })` makes the
/// tests `name::local` and `name::s3`. The two lists below are the ones the suites use.
#[macro_export]
macro_rules! on_setups {
    (@one [$($test:ident: $setup:ident),*] $(#[$meta:meta])* fn $name:ident($root:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            $(#[$meta])*
            fn run($root: Root) $body
            $(
                #[test]
                fn $test() {
                    run(Root::$setup)
                }
            )*
        }
    };
    ($setups:tt $( $(#[$meta:meta])* fn $name:ident($root:ident) $body:block )*) => {
        $( $crate::on_setups!(@one $setups $(#[$meta])* fn $name($root) $body); )*
    };
}

/// Write each test once and run it against both roots: the tests `name::local` and `name::s3`.
#[macro_export]
macro_rules! both_roots {
    ($($tests:tt)*) => { $crate::on_setups!([local: Local, s3: S3] $($tests)*); };
}

/// Like `both_roots!`, plus the local root over HTTP/1.1-over-TLS and HTTP/2: the tests `name::local`,
/// `name::s3`, `name::tls_http1` and `name::http2`.
#[macro_export]
macro_rules! every_root_and_transport {
    ($($tests:tt)*) => {
        $crate::on_setups!([local: Local, s3: S3, tls_http1: LocalTls, http2: LocalH2] $($tests)*);
    };
}

/// The published copy of an assets root: keeps the Garage running while the server uses it.
pub struct Published {
    pub garage: std::sync::Arc<storage_support::Garage>,
    pub bucket: String,
    pub prefix: String,
    /// The version each asset was published as.
    pub versions: std::collections::BTreeMap<String, String>,
}

/// Publish every asset folder of `root` to a fresh bucket (prefix `assets`) and return the origin
/// settings for a server reading it (its own store: a store's connections belong to one runtime).
pub fn publish_root(root: &Path) -> (Published, server::origin::OriginConfig) {
    use playtube::layout::AssetId;
    use playtube::storage::{PublishOptions, PublishOutcome};
    let garage = storage_support::garage();
    let bucket = garage.bucket("serve");
    let prefix = "assets".to_owned();
    let store = garage.store(&bucket, &prefix);
    let mut versions = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir(root).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !entry.path().is_dir() {
            continue;
        }
        let id = AssetId::parse(&name).unwrap();
        let outcome = storage_support::block_on(store.publish(&id, &entry.path(), &PublishOptions::default(), &|_| {}))
            .unwrap_or_else(|e| panic!("publishing {name}: {e}"));
        let PublishOutcome::Published { pointer, .. } = outcome else { panic!("{name} not published: {outcome:?}") };
        versions.insert(name, pointer.version);
    }
    let origin = server::origin::OriginConfig::new(garage.store(&bucket, &prefix));
    (Published { garage, bucket, prefix, versions }, origin)
}

/// A server running on its own thread with its own runtime, stopped (gracefully) on `stop` or drop.
pub struct TestServer {
    pub addr: SocketAddr,
    pub root: tempfile::TempDir,
    pub transport: Transport,
    /// With TLS: the certificate the server presents (and the folder holding its PEM files).
    pub tls: Option<(tls::Pem, tempfile::TempDir)>,
    /// For an `s3://` root: the bucket the server reads (the local `root` is the published copy).
    pub published: Option<Published>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<anyhow::Result<()>>>,
}

impl TestServer {
    pub fn start(root: tempfile::TempDir, tweak: impl FnOnce(&mut Config)) -> TestServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        TestServer::start_on(listener, root, tweak)
    }

    /// Like [`start`](Self::start), on a listener the test bound itself: two servers that must know
    /// each other's address (a page origin and a media origin) bind both listeners first.
    pub fn start_on(
        listener: std::net::TcpListener,
        root: tempfile::TempDir,
        tweak: impl FnOnce(&mut Config),
    ) -> TestServer {
        TestServer::start_on_over(Transport::Plain, listener, root, tweak)
    }

    /// Like [`start`](Self::start), serving over `transport` (TLS with a fresh self-signed certificate).
    pub fn start_over(transport: Transport, root: tempfile::TempDir, tweak: impl FnOnce(&mut Config)) -> TestServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        TestServer::start_on_over(transport, listener, root, tweak)
    }

    pub fn start_on_over(
        transport: Transport,
        listener: std::net::TcpListener,
        root: tempfile::TempDir,
        tweak: impl FnOnce(&mut Config),
    ) -> TestServer {
        let mut config = Config::new(root.path());
        config.access_log = false;
        let tls = (transport != Transport::Plain).then(|| {
            let dir = tempfile::tempdir().unwrap();
            let pem = tls::Pem::make(dir.path(), "server", 1);
            config.tls = Some(server::Certificates::load(&pem.cert, &pem.key).expect("load the test certificate"));
            (pem, dir)
        });
        tweak(&mut config);
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener)?;
                server::run(listener, config, async move {
                    let _ = rx.await;
                })
                .await
            })
        });
        TestServer { addr, root, transport, tls, published: None, stop: Some(tx), thread: Some(thread) }
    }

    pub fn with_assets(tweak: impl FnOnce(&mut Config)) -> TestServer {
        TestServer::start(assets(), tweak)
    }

    pub fn with_assets_over(transport: Transport, tweak: impl FnOnce(&mut Config)) -> TestServer {
        TestServer::start_over(transport, assets(), tweak)
    }

    /// The DER of the certificate this server was started with (TLS transports only).
    pub fn cert_der(&self) -> &[u8] {
        &self.tls.as_ref().expect("a TLS test server").0.der
    }

    /// One request over this server's transport, on a fresh connection.
    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Resp {
        match self.transport {
            Transport::Plain => request(self.addr, method, path, headers),
            Transport::Tls => tls::send_raw_tls(self.addr, self.cert_der(), &raw_request(method, path, headers)).0,
            Transport::H2 => tls::H2::connect(self.addr, self.cert_der()).request(method, path, headers),
        }
    }

    /// The test assets served from `root`: the folder itself, or its published copy in Garage.
    pub fn with_assets_on(root: Root, tweak: impl FnOnce(&mut Config)) -> TestServer {
        TestServer::start_on_root(root, assets(), tweak)
    }

    /// `dir` served from a local root or, published first, from an `s3://` root.
    pub fn start_on_root(root: Root, dir: tempfile::TempDir, tweak: impl FnOnce(&mut Config)) -> TestServer {
        match root {
            Root::Local => TestServer::start(dir, tweak),
            Root::LocalTls => TestServer::start_over(Transport::Tls, dir, tweak),
            Root::LocalH2 => TestServer::start_over(Transport::H2, dir, tweak),
            Root::S3 => {
                let (published, origin) = publish_root(dir.path());
                let mut server = TestServer::start(dir, |c| {
                    c.origin = Some(origin);
                    tweak(c)
                });
                server.published = Some(published);
                server
            }
        }
    }

    /// What the server sends for `rel` (a path under the root): the file's bytes, except that from an
    /// `s3://` root playlists are pinned to the published version (`?v=` on relative URIs).
    pub fn expected(&self, rel: &str) -> Vec<u8> {
        let bytes = std::fs::read(self.path(rel)).unwrap();
        match &self.published {
            Some(p) if rel.ends_with(".m3u8") => {
                let id = rel.split('/').next().unwrap();
                let version = playtube::layout::VersionId::parse(&p.versions[id]).unwrap();
                server::origin::pin::pin(&String::from_utf8_lossy(&bytes), &version).into_bytes()
            }
            _ => bytes,
        }
    }

    pub fn path(&self, rel: &str) -> std::path::PathBuf {
        self.root.path().join(rel)
    }

    /// Ask the server to stop and wait for `run` to return.
    pub fn stop(mut self) -> anyhow::Result<()> {
        self.stop_inner()
    }

    /// Send the stop signal without waiting.
    pub fn signal_stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }

    pub fn join(mut self) -> anyhow::Result<()> {
        self.stop_inner()
    }

    fn stop_inner(&mut self) -> anyhow::Result<()> {
        self.signal_stop();
        match self.thread.take() {
            Some(t) => t.join().expect("server thread panicked"),
            None => Ok(()),
        }
    }

    pub fn get(&self, path: &str) -> Resp {
        self.request("GET", path, &[])
    }

    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        self.request("GET", path, headers)
    }

    pub fn stats(&self) -> serde_json::Value {
        serde_json::from_slice(&self.get("/stats").body).expect("stats JSON")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.stop_inner();
    }
}

/// A parsed reply.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.header(name).is_some()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Send one request with `Connection: close` and read the whole reply.
pub fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)]) -> Resp {
    send_raw(addr, &raw_request(method, path, headers))
}

/// The bytes of one HTTP/1.1 request with `Connection: close`.
pub fn raw_request(method: &str, path: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut raw = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    for (k, v) in headers {
        raw.push_str(&format!("{k}: {v}\r\n"));
    }
    raw.push_str("\r\n");
    raw.into_bytes()
}

/// Send raw bytes and parse whatever comes back until the server closes.
pub fn send_raw(addr: SocketAddr, raw: &[u8]) -> Resp {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    stream.write_all(raw).unwrap();
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    parse(&buf)
}

pub fn parse(buf: &[u8]) -> Resp {
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP head in {:?}", String::from_utf8_lossy(&buf[..buf.len().min(200)])));
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split_whitespace().nth(1).unwrap().parse().unwrap();
    let headers =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())).collect();
    Resp { status, headers, body: buf[split + 4..].to_vec() }
}

/// Known bytes: `len` bytes where byte i is `(i * 7 + seed) % 251`, so any slice can be checked.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    // The sequence repeats every 251 bytes: build one period and copy it (fast even unoptimised).
    let period: Vec<u8> = (0..251).map(|i| ((i * 7 + seed as usize) % 251) as u8).collect();
    let mut out = Vec::with_capacity(len + 251);
    while out.len() < len {
        out.extend_from_slice(&period);
    }
    out.truncate(len);
    out
}

pub const ID: &str = "abc";
pub const STREAM_LEN: usize = 100_000;

pub const MASTER: &str =
    "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n360p/playlist.m3u8\n";
pub const PLAYLIST: &str = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:6.0,\nseg_00000.ts\n#EXTINF:6.0,\nseg_00001.ts\n#EXT-X-ENDLIST\n";

/// `<root>/abc/` with stream.mp4 (pattern), a 360p rendition, an HLS tree (.ts, .m4s, init.mp4,
/// iframes.m3u8) and thumb.jpg; plus a staging folder `.abc.partial-x` that must never be served.
pub fn assets() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let a = root.path().join(ID);
    write(&a.join("stream.mp4"), &pattern(STREAM_LEN, 1));
    write(&a.join("renditions/360p.mp4"), &pattern(5_000, 2));
    write(&a.join("hls/master.m3u8"), MASTER.as_bytes());
    write(&a.join("hls/360p/playlist.m3u8"), PLAYLIST.as_bytes());
    write(&a.join("hls/360p/iframes.m3u8"), b"#EXTM3U\n#EXT-X-I-FRAMES-ONLY\n");
    write(&a.join("hls/360p/seg_00000.ts"), &pattern(20_000, 3));
    write(&a.join("hls/360p/seg_00001.ts"), &pattern(20_000, 4));
    write(&a.join("hls/360p/init.mp4"), &pattern(700, 5));
    write(&a.join("hls/360p/seg_00001.m4s"), &pattern(9_000, 6));
    write(&a.join("thumb.jpg"), &pattern(3_000, 7));
    write(&root.path().join(".abc.partial-x/stream.mp4"), b"staging");
    root
}

pub fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}
