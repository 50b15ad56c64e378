//! The connection loop: [`run`] accepts on an already-bound listener up to the connection cap, serves
//! each connection under the per-connection limits (header size/count, header read timeout, idle
//! timeout), and on shutdown stops accepting and gives responses in flight a grace period. Plain
//! connections speak HTTP/1.1; with TLS configured the handshake (bounded by the header read timeout)
//! picks HTTP/2 or HTTP/1.1 by ALPN, and both run the same handler under the same limits. What a
//! request gets is `handler.rs`'s business; how bytes reach the socket, `transport`'s.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

use super::auth;
use super::config::Config;
use super::handler;
use super::state::{Assets, Shared};
use super::stats;
use super::transport::tls::ALPN_H2;
use super::transport::{same_host, Socket};

/// Streams one HTTP/2 connection may have open at once (hyper's default is 200).
pub const H2_MAX_CONCURRENT_STREAMS: u32 = 100;

/// The protocol builders, configured once from the limits.
struct Protocols {
    http1: http1::Builder,
    http2: http2::Builder<TokioExecutor>,
    tls: Option<tokio_rustls::TlsAcceptor>,
}

impl Protocols {
    fn new(cfg: &Config) -> Protocols {
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(cfg.header_read_timeout)
            .max_headers(cfg.max_headers)
            .max_header_size(cfg.max_header_bytes)
            .max_buf_size(cfg.max_header_bytes.max(64 << 10))
            .writev(true)
            // A client may send its requests and then shut down its sending side: answer every request
            // received completely before the FIN (as nginx does) instead of closing at the EOF.
            .half_close(true)
            .keep_alive(true);
        let mut h2 = http2::Builder::new(TokioExecutor::new());
        h2.timer(TokioTimer::new())
            .max_header_list_size(u32::try_from(cfg.max_header_bytes).unwrap_or(u32::MAX))
            .max_concurrent_streams(H2_MAX_CONCURRENT_STREAMS);
        let tls = cfg.tls.as_ref().map(|certs| certs.acceptor());
        Protocols { http1: builder, http2: h2, tls }
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
    let protocols = Arc::new(Protocols::new(cfg));
    let scheme = if protocols.tls.is_some() { "https (HTTP/2 and HTTP/1.1)" } else { "http (HTTP/1.1)" };
    let root = match &shared.assets {
        Assets::Disk(resolver) => resolver.root().display().to_string(),
        Assets::Store(origin) => origin.url(),
    };
    tracing::info!(addr = %listener.local_addr()?, root = %root, scheme, "serving");
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
        let conn = serve_connection(Arc::clone(&shared), Arc::clone(&protocols), stream, permit, stop_rx.clone());
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
    // Every access-log line of the finished responses is written before `run` returns.
    if let Some(sink) = shared.access.clone() {
        let _ = tokio::task::spawn_blocking(move || sink.close()).await;
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
    protocols: Arc<Protocols>,
    stream: TcpStream,
    _permit: OwnedSemaphorePermit,
    mut stop: watch::Receiver<bool>,
) {
    shared.stats.active_connections.fetch_add(1, Ordering::Relaxed);
    shared.stats.connections.fetch_add(1, Ordering::Relaxed);
    let _active = ActiveGuard(Arc::clone(&shared.stats));
    // The peer address travels with each request, for links bound to a client address.
    let peer_addr = stream.peer_addr().ok();
    let peer = peer_addr.map(auth::Peer);
    let idle = Idle {
        epoch: std::time::Instant::now(),
        last_moved: Arc::new(AtomicU64::new(0)),
        timeout: shared.config.idle_timeout,
    };
    // Under TLS the socket carries ciphertext: cached chunks cannot go with sendfile. A peer on this
    // host copies the bytes out of the socket itself: up to a higher concurrency, a copy measured
    // cheaper for the machine (see `transport::same_host`).
    let local_peer = match (peer_addr, stream.local_addr()) {
        (Some(peer), Ok(local)) => same_host(peer, local),
        _ => false,
    };
    let sendfile_from = if protocols.tls.is_some() {
        u64::MAX
    } else if local_peer {
        shared.config.sendfile_min_connections_same_host
    } else {
        shared.config.sendfile_min_connections
    };
    let socket =
        Socket::new(stream, idle.epoch, Arc::clone(&idle.last_moved), Arc::clone(&shared.stats), sendfile_from);
    let service = {
        let shared = Arc::clone(&shared);
        hyper::service::service_fn(move |mut req: http::Request<hyper::body::Incoming>| {
            if let Some(peer) = peer {
                req.extensions_mut().insert(peer);
            }
            let shared = Arc::clone(&shared);
            async move { Ok::<_, std::convert::Infallible>(handler::handle(&shared, req).await) }
        })
    };
    let Some(acceptor) = &protocols.tls else {
        let conn = protocols.http1.serve_connection(TokioIo::new(socket), service);
        return drive(conn, |c| c.graceful_shutdown(), &idle, &mut stop).await;
    };
    // Boxed: the handshake and HTTP/2 states are several KiB, and a plain connection's task would
    // otherwise carry them too (10 MB more resident at 1000 connections).
    let handshake_timeout = shared.config.header_read_timeout;
    Box::pin(serve_tls(acceptor, &protocols, socket, service, handshake_timeout, &idle, &mut stop)).await
}

/// A TLS connection: the handshake (bounded by the header read timeout, giving way to shutdown), then
/// HTTP/2 or HTTP/1.1 as ALPN chose.
async fn serve_tls<S>(
    acceptor: &tokio_rustls::TlsAcceptor,
    protocols: &Protocols,
    socket: Socket,
    service: S,
    handshake_timeout: Duration,
    idle: &Idle,
    stop: &mut watch::Receiver<bool>,
) where
    S: hyper::service::HttpService<hyper::body::Incoming, ResBody = super::body::Body> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    let handshake = tokio::time::timeout(handshake_timeout, acceptor.accept(socket));
    let stream = tokio::select! {
        done = handshake => match done {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "TLS handshake failed");
                return;
            }
            Err(_) => {
                tracing::debug!("TLS handshake timed out");
                return;
            }
        },
        _ = stop.wait_for(|stopping| *stopping) => return,
    };
    if stream.get_ref().1.alpn_protocol() == Some(ALPN_H2) {
        let conn = protocols.http2.serve_connection(TokioIo::new(stream), service);
        drive(conn, |c| c.graceful_shutdown(), idle, stop).await
    } else {
        let conn = protocols.http1.serve_connection(TokioIo::new(stream), service);
        drive(conn, |c| c.graceful_shutdown(), idle, stop).await
    }
}

/// The idle watchdog's view of a connection: the socket stores, in milliseconds since `epoch`, when a
/// byte last moved either way.
struct Idle {
    epoch: std::time::Instant,
    last_moved: Arc<AtomicU64>,
    timeout: Duration,
}

/// Run one connection (of either protocol) to its end: close it when no byte has moved for the idle
/// timeout, and ask it to finish gracefully once the server stops.
async fn drive<C>(conn: C, graceful: impl Fn(Pin<&mut C>), idle_watch: &Idle, stop: &mut watch::Receiver<bool>)
where
    C: Future<Output = hyper::Result<()>>,
{
    tokio::pin!(conn);
    // The watchdog sleeps until "last byte moved + idle timeout" and re-arms to the new deadline when
    // bytes moved meanwhile, so a connection is closed within a timer tick of N seconds without traffic.
    let epoch = tokio::time::Instant::from_std(idle_watch.epoch);
    let idle_timeout = idle_watch.timeout;
    let idle = tokio::time::sleep(idle_timeout);
    tokio::pin!(idle);
    let mut stopping = *stop.borrow();
    if stopping {
        graceful(conn.as_mut());
    }
    // One wait on the stop signal for the connection's life: a `changed()` made anew in each `select!`
    // would register with (and leave) the channel's waiter list on every wake-up of every connection.
    let stop_signal = stop.changed();
    tokio::pin!(stop_signal);
    loop {
        tokio::select! {
            // The connection first: it is what wakes the task nearly every time.
            biased;
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            changed = &mut stop_signal, if !stopping => {
                stopping = true;
                if changed.is_ok() {
                    graceful(conn.as_mut());
                }
            }
            () = &mut idle => {
                let last = idle_watch.last_moved.load(Ordering::Relaxed);
                let deadline = epoch + Duration::from_millis(last) + idle_timeout;
                if tokio::time::Instant::now() >= deadline {
                    tracing::debug!("closing idle connection");
                    return;
                }
                idle.as_mut().reset(deadline);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A task lives as long as its connection, and its future is allocated at its largest state: the
    /// TLS handshake and HTTP/2 states (several KiB) stay out of a plain connection's task (boxed in
    /// `serve_tls`), or 1000 idle keep-alive connections cost 5 MB more.
    #[tokio::test]
    async fn a_plain_connection_task_stays_small() {
        let root = tempfile::tempdir().unwrap();
        let config = Config::new(root.path());
        let protocols = Arc::new(Protocols::new(&config));
        let shared = Arc::new(Shared::new(config).unwrap());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let _client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (stream, _) = listener.accept().await.unwrap();
        let permit = Arc::new(Semaphore::new(1)).acquire_owned().await.unwrap();
        let (_stop_tx, stop_rx) = watch::channel(false);
        let task = serve_connection(shared, protocols, stream, permit, stop_rx);
        let size = std::mem::size_of_val(&task);
        assert!(size <= 2560, "a connection's task is {size} bytes");
    }
}
