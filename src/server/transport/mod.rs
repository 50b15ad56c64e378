//! How bytes reach the socket: [`Socket`], the wrapper every connection's `TcpStream` goes through,
//! records when bytes last moved, for the idle watchdog and, under high concurrency, sends bytes that lie in
//! a sealed cached chunk with `sendfile` instead of `writev` (`sealed.rs`, the one module with
//! `unsafe`). It does not decide what to send (`handler.rs`) nor how long a connection may live
//! (`conn.rs`).

pub mod sealed;

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::stats::Stats;

/// From this many open connections on, cached chunks go to sockets with `sendfile` instead of `writev`.
/// Measured (one core, loopback, 1 MiB ranges / 1.6 MB segments): with 1000 connections `sendfile`
/// costs 120-150 us of CPU per request against 245-550 us for `writev`; with 100, 130 us against
/// 255-370 us for segments and about the same for ranges; with 10, `writev` is cheaper (160-215 us
/// against 320-340 us: one `memcpy` of a megabyte beats the kernel's per-page splice path).
pub const SENDFILE_MIN_CONNECTIONS: u64 = 64;

/// A socket wrapper that records when a read or write last moved bytes, so the idle watchdog can tell a stalled
/// connection (slow reader, silent client) from a busy one, and sends cached chunks with `sendfile`.
pub struct Socket {
    inner: TcpStream,
    epoch: Instant,
    last_moved: Arc<AtomicU64>,
    stats: Arc<Stats>,
    sendfile_from: u64,
}

impl Socket {
    /// Wrap `inner`; every read or write that moves bytes stores its time in `last_moved`, as
    /// milliseconds since `epoch`. `sendfile_from` is the number of open connections (from `stats`) at
    /// which cached chunks go with `sendfile`.
    pub fn new(
        inner: TcpStream,
        epoch: Instant,
        last_moved: Arc<AtomicU64>,
        stats: Arc<Stats>,
        sendfile_from: u64,
    ) -> Socket {
        Socket { inner, epoch, last_moved, stats, sendfile_from }
    }

    fn use_sendfile(&self) -> bool {
        self.stats.active_connections.load(Ordering::Relaxed) >= self.sendfile_from
    }

    fn tick<T>(&self, poll: &Poll<io::Result<T>>) {
        if let Poll::Ready(Ok(_)) = poll {
            self.last_moved.store(self.epoch.elapsed().as_millis() as u64, Ordering::Relaxed);
        }
    }
}

impl AsyncRead for Socket {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        self.tick(&poll);
        poll
    }
}

impl AsyncWrite for Socket {
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
