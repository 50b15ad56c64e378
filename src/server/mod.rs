//! The delivery server: [`run`] takes an already-bound listener, a [`Config`] and a shutdown future, and
//! serves the assets root over HTTP/1.1 until the future resolves. This file owns the accept loop and
//! the per-connection limits (connection cap, header size/count, header read timeout, idle timeout) and
//! graceful shutdown; what a request gets is `handler.rs`'s business. It depends on `layout`, never on
//! the pipeline or the CLI.

pub mod access;
pub mod auth;
pub mod body;
pub mod cache;
pub mod conditional;
pub mod cors;
pub mod files;
pub mod handler;
pub use crate::mime;
pub mod player;
pub mod range;
pub mod route;
pub mod sealed;
pub mod stats;

use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use anyhow::Context as _;
use http::HeaderValue;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

use crate::layout::Layout;

/// Everything the server needs, resolved and validated (see `config::serve` for the layering).
#[derive(Debug, Clone)]
pub struct Config {
    /// The assets root (`<root>/<id>/stream.mp4`, ...).
    pub root: PathBuf,
    /// Hold playlists, segments and posters in memory (`VIDEO_CACHE_ENABLED`).
    pub cache_enabled: bool,
    /// Byte budget of the memory cache (`VIDEO_CACHE_SIZE`).
    pub cache_size: u64,
    /// Bytes per chunk of a large file (`VIDEO_CHUNK_SIZE`): the unit held in the memory cache, and
    /// read from disk per step when the cache is off.
    pub chunk_size: usize,
    /// Upper bound of chunk bytes read but not yet written to sockets, over all connections.
    pub max_inflight_bytes: usize,
    /// CORS origins (`ALLOWED_ORIGINS`); `*` allows any; empty sends no CORS headers.
    pub allowed_origins: Vec<String>,
    /// The watch page (`/watch/{id}`): on or off, and where its media come from.
    pub player: player::PlayerSettings,
    /// Cache-Control of segments, renditions, stream.mp4 and posters.
    pub cache_control_media: String,
    /// Cache-Control of playlists.
    pub cache_control_playlist: String,
    /// Connections served at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// Largest request head (request line + headers) in bytes; larger gets 431.
    pub max_header_bytes: usize,
    /// Most headers in one request; more gets 431.
    pub max_headers: usize,
    /// Time a client has to send a complete request head (also bounds idle keep-alive).
    pub header_read_timeout: Duration,
    /// A connection that moves no byte either way for this long is closed.
    pub idle_timeout: Duration,
    /// On shutdown, time given to responses in flight before connections are cut.
    pub shutdown_grace: Duration,
    /// Write one access-log line per request.
    pub access_log: bool,
    /// Which routes need a signed link, with the keys to check them (default: none, served openly).
    pub auth: auth::AuthConfig,
    /// From this many open connections on, cached chunks are sent with `sendfile` (see `sealed.rs`).
    pub sendfile_min_connections: u64,
}

pub use crate::mime::{DEFAULT_CACHE_CONTROL_MEDIA, DEFAULT_CACHE_CONTROL_PLAYLIST};

impl Config {
    /// Defaults for a root (the same as `playtube serve` with no settings).
    pub fn new(root: impl Into<PathBuf>) -> Config {
        Config {
            root: root.into(),
            cache_enabled: true,
            cache_size: 1 << 30,
            chunk_size: 1 << 20,
            max_inflight_bytes: 16 << 20,
            allowed_origins: Vec::new(),
            player: player::PlayerSettings::default(),
            cache_control_media: DEFAULT_CACHE_CONTROL_MEDIA.to_owned(),
            cache_control_playlist: DEFAULT_CACHE_CONTROL_PLAYLIST.to_owned(),
            max_connections: 10_000,
            max_header_bytes: 16 << 10,
            max_headers: 64,
            header_read_timeout: Duration::from_secs(15),
            idle_timeout: Duration::from_secs(60),
            shutdown_grace: Duration::from_secs(10),
            access_log: true,
            auth: auth::AuthConfig::default(),
            sendfile_min_connections: SENDFILE_MIN_CONNECTIONS,
        }
    }
}

/// State shared by all connections.
pub struct Shared {
    pub config: Config,
    pub layout: Layout,
    pub resolver: files::Resolver,
    pub cache: Arc<cache::Cache>,
    pub pool: Arc<files::ChunkPool>,
    pub stats: Arc<stats::Stats>,
    pub cors: cors::Cors,
    pub boundary: String,
    cc_media: HeaderValue,
    cc_playlist: HeaderValue,
}

impl Shared {
    pub fn new(config: Config) -> anyhow::Result<Shared> {
        let resolver = files::Resolver::new(&config.root)
            .with_context(|| format!("assets root {} is not a readable directory", config.root.display()))?;
        let header = |name: &str, v: &str| {
            HeaderValue::from_str(v).with_context(|| format!("{name} {v:?} is not a valid header value"))
        };
        let seed =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let cache = Arc::new(cache::Cache::new(config.cache_enabled, config.cache_size));
        let chunk_cache = cache.enabled().then(|| Arc::clone(&cache));
        Ok(Shared {
            layout: Layout::new(resolver.root()),
            pool: files::ChunkPool::with_cache(config.chunk_size, config.max_inflight_bytes, chunk_cache),
            cache,
            stats: Arc::new(stats::Stats::default()),
            cors: cors::Cors::new(&config.allowed_origins),
            boundary: format!("playtube-{:016x}", (seed as u64) ^ u64::from(std::process::id())),
            cc_media: header("cache_control_media", &config.cache_control_media)?,
            cc_playlist: header("cache_control_playlist", &config.cache_control_playlist)?,
            resolver,
            config,
        })
    }

    pub fn cache_control(&self, kind: mime::Kind) -> HeaderValue {
        match kind {
            mime::Kind::Playlist => self.cc_playlist.clone(),
            _ => self.cc_media.clone(),
        }
    }
}

/// Serve until `shutdown` resolves, then stop accepting, let in-flight responses finish within the
/// grace period, and return.
pub async fn run(listener: TcpListener, config: Config, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let shared = Arc::new(Shared::new(config)?);
    raise_open_file_limit();
    let cfg = &shared.config;
    let slots = cfg.max_connections.clamp(1, Semaphore::MAX_PERMITS >> 1);
    let connections = Arc::new(Semaphore::new(slots));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(cfg.header_read_timeout)
        .max_headers(cfg.max_headers)
        .max_header_size(cfg.max_header_bytes)
        .max_buf_size(cfg.max_header_bytes.max(64 << 10))
        .writev(true)
        .keep_alive(true);
    let builder = Arc::new(builder);
    tracing::info!(addr = %listener.local_addr()?, root = %shared.resolver.root().display(), "serving");
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            biased;
            () = &mut shutdown => break,
            p = Arc::clone(&connections).acquire_owned() => p.expect("semaphore never closed"),
        };
        let stream = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // EMFILE and friends: back off briefly instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let conn = serve_connection(Arc::clone(&shared), Arc::clone(&builder), stream, permit, stop_rx.clone());
        tokio::spawn(conn);
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let active = shared.stats.active_connections.load(Ordering::Relaxed);
    tracing::info!(active, grace_secs = shared.config.shutdown_grace.as_secs_f64(), "shutting down");
    let all = u32::try_from(slots).unwrap_or(u32::MAX);
    match tokio::time::timeout(shared.config.shutdown_grace, connections.acquire_many(all)).await {
        Ok(_) => tracing::info!("all connections finished"),
        Err(_) => tracing::warn!(
            cut = shared.stats.active_connections.load(Ordering::Relaxed),
            "grace period over; closing remaining connections"
        ),
    }
    Ok(())
}

/// Connections and cached chunks (one sealed memfd each) both hold descriptors: lift the soft limit to
/// the hard one, as nginx's `worker_rlimit_nofile` and Go's runtime do. A failure only means the
/// cache falls back to plain memory sooner.
fn raise_open_file_limit() {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        limit.current = limit.maximum;
        let _ = setrlimit(Resource::Nofile, limit);
    }
}

/// Counts a connection as active while it lives.
struct ActiveGuard(Arc<stats::Stats>);

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.0.active_connections.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn serve_connection(
    shared: Arc<Shared>,
    builder: Arc<http1::Builder>,
    stream: TcpStream,
    _permit: OwnedSemaphorePermit,
    mut stop: watch::Receiver<bool>,
) {
    shared.stats.active_connections.fetch_add(1, Ordering::Relaxed);
    shared.stats.connections.fetch_add(1, Ordering::Relaxed);
    let _active = ActiveGuard(Arc::clone(&shared.stats));
    // The peer address travels with each request, for links bound to a client address.
    let peer = stream.peer_addr().ok().map(auth::Peer);
    let progress = Arc::new(AtomicU64::new(0));
    let io = TokioIo::new(Progress {
        inner: stream,
        moved: Arc::clone(&progress),
        stats: Arc::clone(&shared.stats),
        sendfile_from: shared.config.sendfile_min_connections,
    });
    let idle_timeout = shared.config.idle_timeout;
    let service = {
        let shared = Arc::clone(&shared);
        hyper::service::service_fn(move |mut req: http::Request<hyper::body::Incoming>| {
            if let Some(peer) = peer {
                req.extensions_mut().insert(peer);
            }
            let response = handler::handle(&shared, req);
            std::future::ready(Ok::<_, std::convert::Infallible>(response))
        })
    };
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let idle = tokio::time::sleep(idle_timeout);
    tokio::pin!(idle);
    let mut seen = 0;
    let mut stopping = *stop.borrow();
    if stopping {
        conn.as_mut().graceful_shutdown();
    }
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            changed = stop.changed(), if !stopping => {
                stopping = true;
                if changed.is_ok() {
                    conn.as_mut().graceful_shutdown();
                }
            }
            () = &mut idle => {
                let now = progress.load(Ordering::Relaxed);
                if now == seen {
                    tracing::debug!("closing idle connection");
                    return;
                }
                seen = now;
                idle.as_mut().reset(tokio::time::Instant::now() + idle_timeout);
            }
        }
    }
}

/// A socket wrapper that counts successful reads and writes, so the idle watchdog can tell a stalled
/// connection (slow reader, silent client) from a busy one, and sends cached chunks with `sendfile`
/// (see `sealed.rs`).
struct Progress {
    inner: TcpStream,
    moved: Arc<AtomicU64>,
    stats: Arc<stats::Stats>,
    sendfile_from: u64,
}

/// From this many open connections on, cached chunks go to sockets with `sendfile` instead of `writev`.
/// Measured (one core, loopback, 1 MiB ranges / 1.6 MB segments): with 1000 connections `sendfile`
/// costs 120-150 us of CPU per request against 245-550 us for `writev`; with 100, 130 us against
/// 255-370 us for segments and about the same for ranges; with 10, `writev` is cheaper (160-215 us
/// against 320-340 us: one `memcpy` of a megabyte beats the kernel's per-page splice path).
pub const SENDFILE_MIN_CONNECTIONS: u64 = 64;

impl Progress {
    fn use_sendfile(&self) -> bool {
        self.stats.active_connections.load(Ordering::Relaxed) >= self.sendfile_from
    }

    fn tick<T>(&self, poll: &Poll<io::Result<T>>) {
        if let Poll::Ready(Ok(_)) = poll {
            self.moved.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl AsyncRead for Progress {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        self.tick(&poll);
        poll
    }
}

impl AsyncWrite for Progress {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let sendfile = self.use_sendfile();
        let poll = sealed::poll_send(&mut self.inner, cx, &[io::IoSlice::new(buf)], sendfile);
        self.tick(&poll);
        poll
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let sendfile = self.use_sendfile();
        let poll = sealed::poll_send(&mut self.inner, cx, bufs, sendfile);
        self.tick(&poll);
        poll
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
