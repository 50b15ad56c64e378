//! The response body type: nothing, bytes already in memory, or a list of pieces (literal bytes and
//! byte ranges of a source) streamed one frame at a time. Ranges of an in-memory source are `Bytes`
//! slices (no copy); ranges of an open file are slices of chunks held in the memory cache, or, with the
//! cache off, read in pooled, budgeted chunks (`chunks::ChunkPool`). Every read of a file runs on the
//! blocking pool (`blocking.rs`); the body waits for it without holding an async worker. Ranges of an
//! object in storage are fetched by the origin (`origin`) the same two ways: whole chunks through the
//! same cache when it holds chunks, else ranged GETs charged to the same in-flight budget, so the
//! budget bounds memory whatever the root.
//! Every body counts the bytes it yields into `/stats` and, when dropped (finished or aborted), records
//! the response for `/metrics` and writes the request's access-log line with the bytes actually produced.

use std::collections::VecDeque;
use std::fs::File;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use hyper::body::{Frame, SizeHint};
use tokio::sync::{AcquireError, OwnedSemaphorePermit, Semaphore};

use super::access::AccessLog;
use super::blocking::Blocking;
use super::cache::CacheOutcome;
use super::chunks::ChunkPool;
use super::identity::{FileError, Identity};
use super::metrics::RouteLabel;
use super::origin::RemoteFile;
use super::stats::Stats;

/// One piece of a body.
#[derive(Debug)]
pub enum Piece {
    /// Literal bytes (multipart part headers, JSON).
    Bytes(Bytes),
    /// `len` bytes of the source starting at `offset`.
    Range { offset: u64, len: u64 },
}

/// Where `Piece::Range` bytes come from.
#[derive(Debug)]
pub enum Source {
    Memory(Bytes),
    File {
        file: Arc<File>,
        ident: Identity,
        pool: Arc<ChunkPool>,
        blocking: Blocking,
    },
    /// An object in storage, fetched by the origin: whole chunks through the memory cache when the pool
    /// caches chunks, else budgeted ranged GETs (`origin`).
    Remote {
        file: Arc<RemoteFile>,
        pool: Arc<ChunkPool>,
    },
}

/// Bytes each response may always have in flight from its own share when the shared chunk budget is
/// taken (nginx's `output_buffers 2 32k`): clients that stop reading can hold the shared budget, never
/// another connection's share. The memory bound is `max_inflight_bytes` plus this per response.
pub const OWN_SHARE: usize = 64 << 10;

type PermitFuture = Pin<Box<dyn Future<Output = Result<OwnedSemaphorePermit, AcquireError>> + Send>>;
/// A chunk being read on the blocking pool, with whether it came from the memory cache (`Some(hit)`).
type ReadFuture = Pin<Box<dyn Future<Output = Result<(Bytes, Option<bool>), FileError>> + Send>>;

/// A body made of pieces.
pub struct Pieces {
    source: Source,
    pieces: VecDeque<Piece>,
    /// Waiting for this response's own share to come back (its last chunk written), and its size.
    waiting: Option<(PermitFuture, usize)>,
    reading: Option<ReadFuture>,
    /// This response's own share, made on first need.
    own: Option<Arc<Semaphore>>,
    /// Chunks of the file taken from the memory cache, and chunks that had to be read (for the log).
    chunk_hits: u32,
    chunk_misses: u32,
}

impl Pieces {
    pub fn new(source: Source, pieces: Vec<Piece>) -> Pieces {
        Pieces {
            source,
            pieces: pieces.into(),
            waiting: None,
            reading: None,
            own: None,
            chunk_hits: 0,
            chunk_misses: 0,
        }
    }

    fn remaining(&self) -> u64 {
        self.pieces
            .iter()
            .map(|p| match p {
                Piece::Bytes(b) => b.len() as u64,
                Piece::Range { len, .. } => *len,
            })
            .sum()
    }

    /// Account a chunk of the front range (or the error that ends the body).
    fn advance(&mut self, read: Result<(Bytes, Option<bool>), FileError>) -> Result<Bytes, FileError> {
        match read {
            Ok((bytes, outcome)) => {
                match outcome {
                    Some(true) => self.chunk_hits += 1,
                    Some(false) => self.chunk_misses += 1,
                    None => {}
                }
                if let Some(Piece::Range { offset, len }) = self.pieces.front_mut() {
                    *offset += bytes.len() as u64;
                    *len -= bytes.len() as u64;
                }
                Ok(bytes)
            }
            Err(e) => {
                self.pieces.clear();
                Err(e)
            }
        }
    }

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, FileError>>> {
        loop {
            if let Some(reading) = self.reading.as_mut() {
                let read = ready!(reading.as_mut().poll(cx));
                self.reading = None;
                return Poll::Ready(Some(self.advance(read)));
            }
            let Some(front) = self.pieces.front_mut() else { return Poll::Ready(None) };
            let (offset, len) = match front {
                Piece::Bytes(b) => {
                    let b = std::mem::take(b);
                    self.pieces.pop_front();
                    if b.is_empty() {
                        continue;
                    }
                    return Poll::Ready(Some(Ok(b)));
                }
                Piece::Range { len: 0, .. } => {
                    self.pieces.pop_front();
                    continue;
                }
                Piece::Range { offset, len } => (*offset, *len),
            };
            let (file, ident, pool, blocking) = match &self.source {
                Source::Memory(all) => {
                    let start = offset as usize;
                    let slice = all.slice(start..start + len as usize);
                    self.pieces.pop_front();
                    return Poll::Ready(Some(Ok(slice)));
                }
                Source::File { file, ident, pool, blocking } => (file, *ident, pool, blocking),
                Source::Remote { file, pool } => {
                    let (file, pool) = (Arc::clone(file), Arc::clone(pool));
                    if pool.caches() {
                        // Like a cached local file: a held chunk is sliced inline, a missing one is
                        // fetched whole (once however many want it) and kept; the cache bounds it.
                        if let Some(bytes) = file.held(offset, len) {
                            return Poll::Ready(Some(self.advance(Ok((bytes, Some(true))))));
                        }
                        let read = file.read(offset, len);
                        self.reading = Some(Box::pin(async move { read.await.map(|(bytes, hit)| (bytes, Some(hit))) }));
                        continue;
                    }
                    // Cache off: the ranged GET's bytes are charged like a local chunk read.
                    let (permit, n) = match ready!(self.poll_permit(cx, &pool, len)) {
                        Ok(p) => p,
                        Err(e) => return Poll::Ready(Some(self.advance(Err(e)))),
                    };
                    let read = file.read_charged(offset, n as u64, permit);
                    self.reading = Some(Box::pin(async move { read.await.map(|bytes| (bytes, None)) }));
                    continue;
                }
            };
            if pool.caches() {
                // A chunk in memory is sliced inline; a missing one is read on the blocking pool.
                if let Some(bytes) = pool.held(&ident, offset, len) {
                    return Poll::Ready(Some(self.advance(Ok((bytes, Some(true))))));
                }
                let (file, pool, blocking) = (Arc::clone(file), Arc::clone(pool), blocking.clone());
                self.reading = Some(Box::pin(async move {
                    let fill = move || match pool.cached(&file, &ident, offset, len) {
                        Some(read) => read.map(|(bytes, hit)| (bytes, Some(hit))),
                        None => Err(FileError::Changed),
                    };
                    blocking.run(fill).await
                }));
                continue;
            }
            let (file, pool, blocking) = (Arc::clone(file), Arc::clone(pool), blocking.clone());
            let (permit, n) = match ready!(self.poll_permit(cx, &pool, len)) {
                Ok(p) => p,
                Err(e) => return Poll::Ready(Some(self.advance(Err(e)))),
            };
            self.reading = Some(Box::pin(async move {
                let read = move || pool.read(&file, &ident, offset, n, permit).map(|bytes| (bytes, None));
                blocking.run(read).await
            }));
        }
    }

    /// Room for the next read of at most `len` bytes with the cache off: from the shared budget when it
    /// has room, else from this response's own share (waiting only for this connection's own last chunk
    /// to be written).
    fn poll_permit(
        &mut self,
        cx: &mut Context<'_>,
        pool: &ChunkPool,
        len: u64,
    ) -> Poll<Result<(OwnedSemaphorePermit, usize), FileError>> {
        loop {
            if let Some((fut, n)) = self.waiting.as_mut() {
                let n = *n;
                let permit = ready!(fut.as_mut().poll(cx));
                self.waiting = None;
                return Poll::Ready(permit.map(|p| (p, n)).map_err(|_| FileError::Changed));
            }
            let shared = len.min(pool.chunk_size() as u64) as usize;
            if let Ok(p) = Arc::clone(pool.budget()).try_acquire_many_owned(shared as u32) {
                return Poll::Ready(Ok((p, shared)));
            }
            let own = Arc::clone(self.own.get_or_insert_with(|| Arc::new(Semaphore::new(OWN_SHARE))));
            let n = len.min(OWN_SHARE.min(pool.chunk_size()) as u64) as usize;
            match Arc::clone(&own).try_acquire_many_owned(n as u32) {
                Ok(p) => return Poll::Ready(Ok((p, n))),
                Err(_) => self.waiting = Some((Box::pin(own.acquire_many_owned(n as u32)), n)),
            }
        }
    }
}

/// What a response carries.
pub enum Content {
    Empty,
    Full(Bytes),
    Pieces(Pieces),
}

/// The body hyper sends: the content, plus counting and the access-log line.
pub struct Body {
    content: Content,
    stats: Option<Arc<Stats>>,
    done: Option<Done>,
    log: Option<AccessLog>,
    sent: u64,
}

/// What `/metrics` records about a response when its body is finished or dropped.
#[derive(Debug, Clone, Copy)]
pub struct Done {
    pub route: RouteLabel,
    pub status: u16,
    pub started: Instant,
}

impl Body {
    pub fn empty() -> Body {
        Body::new(Content::Empty)
    }

    pub fn full(bytes: impl Into<Bytes>) -> Body {
        Body::new(Content::Full(bytes.into()))
    }

    pub fn new(content: Content) -> Body {
        Body { content, stats: None, done: None, log: None, sent: 0 }
    }

    /// Count bytes into `stats`, and when the body is done record `done` for `/metrics` and write `log`.
    pub fn observe(&mut self, stats: Arc<Stats>, done: Done, log: Option<AccessLog>) {
        self.stats = Some(stats);
        self.done = Some(done);
        self.log = log;
    }

    /// Drop the content but keep counting and logging (HEAD keeps GET's headers, sends nothing).
    pub fn clear(&mut self) {
        self.content = Content::Empty;
    }

    /// The body's content when it is fully in memory (playlists, JSON): the hook for rewriting.
    pub fn bytes(&self) -> Option<&Bytes> {
        match &self.content {
            Content::Full(b) => Some(b),
            _ => None,
        }
    }
}

impl Drop for Body {
    fn drop(&mut self) {
        if let (Some(stats), Some(done)) = (&self.stats, &self.done) {
            stats.http.record(done.route, done.status, self.sent, done.started.elapsed());
        }
        if let Some(mut log) = self.log.take() {
            // A file streamed through the chunk cache: a hit when every chunk sent was already held.
            if let Content::Pieces(p) = &self.content {
                if p.chunk_misses > 0 {
                    log.cache = CacheOutcome::Miss;
                } else if p.chunk_hits > 0 {
                    log.cache = CacheOutcome::Hit;
                }
            }
            let complete = match &self.content {
                Content::Empty => true,
                Content::Full(b) => b.is_empty(),
                Content::Pieces(p) => p.pieces.is_empty(),
            };
            log.emit(self.sent, complete);
        }
    }
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = FileError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, FileError>>> {
        let this = &mut *self;
        let next = match &mut this.content {
            Content::Empty => Poll::Ready(None),
            Content::Full(b) if b.is_empty() => Poll::Ready(None),
            Content::Full(b) => Poll::Ready(Some(Ok(std::mem::take(b)))),
            Content::Pieces(p) => p.poll_next(cx),
        };
        if let Poll::Ready(Some(Ok(bytes))) = &next {
            this.sent += bytes.len() as u64;
            if let Some(stats) = &this.stats {
                stats.bytes_sent.fetch_add(bytes.len() as u64, Ordering::Relaxed);
            }
        }
        next.map(|o| o.map(|r| r.map(Frame::data)))
    }

    fn is_end_stream(&self) -> bool {
        match &self.content {
            Content::Empty => true,
            Content::Full(b) => b.is_empty(),
            Content::Pieces(p) => p.pieces.is_empty(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.content {
            Content::Empty => SizeHint::with_exact(0),
            Content::Full(b) => SizeHint::with_exact(b.len() as u64),
            Content::Pieces(p) => SizeHint::with_exact(p.remaining()),
        }
    }
}
