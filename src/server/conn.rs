//! The connection loop: [`run`] accepts on an already-bound listener up to the connection cap, serves
//! each connection with hyper's HTTP/1.1 under the per-connection limits (header size/count, header
//! read timeout, idle timeout), and on shutdown stops accepting and gives responses in flight a grace
//! period. What a request gets is `handler.rs`'s business; how bytes reach the socket, `transport`'s.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

use super::auth;
use super::config::Config;
use super::handler;
use super::state::Shared;
use super::stats;
use super::transport::Socket;

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
        // A client may send its requests and then shut down its sending side: answer every request
        // received completely before the FIN (as nginx does) instead of closing at the EOF.
        .half_close(true)
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
    let epoch = std::time::Instant::now();
    let last_moved = Arc::new(AtomicU64::new(0));
    let io = TokioIo::new(Socket::new(
        stream,
        epoch,
        Arc::clone(&last_moved),
        Arc::clone(&shared.stats),
        shared.config.sendfile_min_connections,
    ));
    let idle_timeout = shared.config.idle_timeout;
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
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    // The watchdog sleeps until "last byte moved + idle timeout" and re-arms to the new deadline when
    // bytes moved meanwhile, so a connection is closed within a timer tick of N seconds without traffic.
    let epoch = tokio::time::Instant::from_std(epoch);
    let idle = tokio::time::sleep(idle_timeout);
    tokio::pin!(idle);
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
                let deadline = epoch + Duration::from_millis(last_moved.load(Ordering::Relaxed)) + idle_timeout;
                if tokio::time::Instant::now() >= deadline {
                    tracing::debug!("closing idle connection");
                    return;
                }
                idle.as_mut().reset(deadline);
            }
        }
    }
}
