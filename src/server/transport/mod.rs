//! How bytes reach the socket: [`Socket`], the wrapper every connection's `TcpStream` goes through,
//! records when bytes last moved, for the idle watchdog, corks the socket while a large body is being
//! handed to the kernel (see [`CORK_FROM`]) and, under high concurrency, sends bytes that lie in a
//! sealed cached chunk with `sendfile` instead of `writev` (`sealed.rs`, the one module with
//! `unsafe`); with TLS (`tls.rs`, the certificate store and acceptor) the socket carries ciphertext and
//! every byte goes through the TLS stream instead. It does not decide what to send (`handler.rs`) nor
//! how long a connection may live (`conn.rs`).

pub mod sealed;
pub mod tls;

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::stats::Stats;

/// From this many open connections on, cached chunks go to sockets with `sendfile` instead of `writev`,
/// when the peer is on another host (see [`same_host`]). Measured (one core, loopback, 1 MiB ranges /
/// 1.6 MB segments, server CPU only): with 1000 connections `sendfile` costs 120-150 us of CPU per
/// request against 245-550 us for `writev`; with 100, 130 us against 255-370 us for segments and about
/// the same for ranges; with 10, `writev` is cheaper (160-215 us against 320-340 us: one `memcpy` of a
/// megabyte beats the kernel's per-page splice path).
pub const SENDFILE_MIN_CONNECTIONS: u64 = 64;

/// From this many open connections on, a peer on this host (see [`same_host`]) gets cached chunks with
/// `sendfile` too; below it, copies. Measured in `tests/bench/serve.sh` and a scratch script (server
/// and client on one 2-core machine; ratios to nginx in the same run): with copies, whole-machine CPU
/// per large body was 0.65-0.78x nginx's at 100 and 1000 connections (0.91-0.94x with `sendfile` at
/// 1000) and 1 MiB ranges' p99 0.77x at 100 and 0.80x at 300, but 1.6x at 600 and 1.3-1.9x at 1000,
/// where the server's own CPU per request also reached 1.3-2.2x nginx's (the copy is its work). With
/// `sendfile` at 600 and 1000 the p99 was 0.88x. The client's receive buffers diverge once the server
/// keeps every socket full (128 KiB to 19 MB) and its connections with small ones fall behind. The
/// switch lies between the 300 and 600 measured; 512 was not measured itself.
pub const SENDFILE_MIN_CONNECTIONS_SAME_HOST: u64 = 512;

/// Whether `peer` is on this host (a loopback address, or this socket's own address): a client or a
/// proxy (nginx in front, say) sharing the machine. Such a peer gets cached chunks with `writev` below
/// [`SENDFILE_MIN_CONNECTIONS_SAME_HOST`] open connections, with `sendfile` from there.
///
/// Why: over loopback there is no NIC to read the pages, the receiving process copies them out of the
/// socket itself. With `sendfile` the socket's pages are the cache's own, and once the cache's working
/// set outgrows the CPU's last-level cache (32 MB of segments against a 32 MiB L3 here) the receiver
/// copies them from memory; a `writev` copy lands in fresh socket pages that are still in cache when the
/// receiver reads them a moment later. Measured with `perf` on both cores (1.6 MB segments, 100
/// connections): the receiver's `_copy_to_iter` took 1.05 samples per response with `sendfile` against
/// 0.62 with `writev`, and it sent 11.5 pure ACKs per response against 6.2. With 2 segments (3.2 MB,
/// cache-resident) the difference goes away (whole machine 909-919 us per request with `sendfile`,
/// 832-835 with `writev`), which is how the cause was told apart from the TCP segment counts.
pub fn same_host(peer: SocketAddr, local: SocketAddr) -> bool {
    let peer = peer.ip().to_canonical();
    peer.is_loopback() || peer == local.ip().to_canonical()
}

/// A write of at least this many bytes is (part of) a large body: the socket is corked (`TCP_CORK`, as
/// nginx's `tcp_nopush`) from that write until hyper flushes, i.e. until everything it had queued is in
/// the kernel, and the uncork pushes the last partial segment at once.
///
/// Why: connections run with `TCP_NODELAY` (a response head must not wait for an ACK), and with
/// Nagle off the kernel sends whatever the receiver's window allows, to the byte: when a slow reader
/// opens its window a little, a sub-MSS segment leaves at once, and the reader wakes and acknowledges
/// for each. Counted on the sockets themselves (`tests/bench/serve-wire.sh`, 1000 wrk connections
/// fetching 1.6 MB segments, per response): uncorked, the server sent 48.9 segments (46.2 with data)
/// and the client 47.7, with 18.6 zero-window advertisements (`nstat`); nginx (`tcp_nopush`) 37.7 (34.8)
/// and 37.5, 6.2; corked 37.4 (34.6) and 37.0, 2.9. At 100 connections the client's segments fall
/// from 26.9 to 18.7 (nginx 15.3). Corked, the kernel sends only full segments until the uncork.
/// Small responses (a playlist, a head alone) are never corked.
pub const CORK_FROM: usize = 64 << 10;

/// A socket wrapper that records when a read or write last moved bytes, so the idle watchdog can tell a stalled
/// connection (slow reader, silent client) from a busy one, corks large bodies, and sends cached chunks
/// with `sendfile`.
pub struct Socket {
    inner: TcpStream,
    epoch: Instant,
    last_moved: Arc<AtomicU64>,
    stats: Arc<Stats>,
    sendfile_from: u64,
    /// `TCP_CORK` is set (from a write of at least [`CORK_FROM`] bytes until the next flush).
    corked: bool,
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
        Socket { inner, epoch, last_moved, stats, sendfile_from, corked: false }
    }

    /// Hand `bufs` to the kernel: cached chunks with `sendfile` (counted in `stats.sendfile_bytes`) from
    /// `sendfile_from` open connections on, everything else with `writev`.
    fn send(&mut self, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        let stats = &*self.stats;
        let sendfile =
            (stats.active_connections.load(Ordering::Relaxed) >= self.sendfile_from).then_some(&stats.sendfile_bytes);
        let poll = sealed::poll_send(&mut self.inner, cx, bufs, sendfile);
        self.tick(&poll);
        poll
    }

    /// Cork before handing the kernel `len` bytes when that is a large body. A failed `setsockopt` only
    /// means the bytes go out uncorked, as before.
    fn cork_for(&mut self, len: usize) {
        if !self.corked && len >= CORK_FROM {
            self.corked = rustix::net::sockopt::set_tcp_cork(&self.inner, true).is_ok();
        }
    }

    /// Uncork: everything queued goes out now, the last partial segment included.
    fn uncork(&mut self) {
        if self.corked {
            self.corked = false;
            let _ = rustix::net::sockopt::set_tcp_cork(&self.inner, false);
        }
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
        self.cork_for(buf.len());
        self.send(cx, &[io::IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.cork_for(bufs.iter().map(|b| b.len()).sum());
        self.send(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // hyper flushes once everything it queued is written: the body (or this part of it) is all in
        // the kernel, so nothing is gained by holding its last partial segment back.
        self.uncork();
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.uncork();
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A served socket (wrapped) and its client end, on 127.0.0.1.
    async fn pair() -> (Socket, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (served, _) = listener.accept().await.unwrap();
        served.set_nodelay(true).unwrap();
        let socket = Socket::new(served, Instant::now(), Arc::new(AtomicU64::new(0)), Arc::new(Stats::default()), 0);
        (socket, client)
    }

    fn corked(socket: &Socket) -> bool {
        rustix::net::sockopt::tcp_cork(&socket.inner).unwrap()
    }

    #[tokio::test]
    async fn a_large_body_is_corked_until_the_flush_and_all_of_it_arrives() {
        let (mut socket, mut client) = pair().await;
        let body: Vec<u8> = (0..CORK_FROM * 2).map(|i| (i % 251) as u8).collect();
        let reader = tokio::spawn(async move {
            let mut got = vec![0u8; CORK_FROM * 2];
            client.read_exact(&mut got).await.unwrap();
            got
        });
        let n = socket.write(&body).await.unwrap();
        assert!(n > 0);
        assert!(corked(&socket), "corked while the large body goes to the kernel");
        socket.write_all(&body[n..]).await.unwrap();
        socket.flush().await.unwrap();
        assert!(!corked(&socket), "uncorked once hyper flushes");
        assert_eq!(reader.await.unwrap(), body);
    }

    #[test]
    fn peers_on_this_host_are_told_apart_from_remote_ones() {
        let at = |s: &str| s.parse::<SocketAddr>().unwrap();
        assert!(same_host(at("127.0.0.1:5000"), at("127.0.0.1:8090")));
        assert!(same_host(at("127.8.9.10:5000"), at("127.0.0.1:8090")), "all of 127/8");
        assert!(same_host(at("[::1]:5000"), at("[::1]:8090")));
        assert!(same_host(at("[::ffff:127.0.0.1]:5000"), at("[::]:8090")), "IPv4-mapped loopback");
        assert!(same_host(at("10.0.0.5:5000"), at("10.0.0.5:8090")), "this host's own address");
        assert!(same_host(at("[::ffff:10.0.0.5]:5000"), at("10.0.0.5:8090")));
        assert!(!same_host(at("10.0.0.6:5000"), at("10.0.0.5:8090")));
        assert!(!same_host(at("[2001:db8::2]:5000"), at("[2001:db8::1]:8090")));
    }

    #[tokio::test]
    async fn a_small_response_is_never_corked() {
        let (mut socket, mut client) = pair().await;
        socket.write_all(b"HTTP/1.1 204 No Content\r\n\r\n").await.unwrap();
        assert!(!corked(&socket));
        socket.flush().await.unwrap();
        let mut got = [0u8; 27];
        client.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"HTTP/1.1 204 No Content\r\n\r\n");
    }

    #[tokio::test]
    async fn shutdown_uncorks() {
        let (mut socket, _client) = pair().await;
        let n = socket.write(&vec![0u8; CORK_FROM]).await.unwrap();
        assert!(n > 0);
        assert!(corked(&socket));
        socket.shutdown().await.unwrap();
        assert!(!corked(&socket));
    }
}
