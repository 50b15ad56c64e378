//! The response body type: nothing, bytes already in memory, or a list of pieces (literal bytes and
//! byte ranges of a source) streamed one frame at a time. Ranges of an in-memory source are `Bytes`
//! slices (no copy); ranges of an open file are slices of chunks held in the memory cache, or, with the
//! cache off, read in pooled, budgeted chunks (`chunks::ChunkPool`).
//! Every body counts the bytes it yields into `/stats` and, when dropped (finished or aborted), writes
//! the request's access-log line with the bytes actually produced.

use std::collections::VecDeque;
use std::fs::File;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Frame, SizeHint};
use tokio::sync::{AcquireError, OwnedSemaphorePermit};

use super::access::AccessLog;
use super::cache::CacheOutcome;
use super::chunks::ChunkPool;
use super::identity::{FileError, Identity};
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
    File { file: Arc<File>, ident: Identity, pool: Arc<ChunkPool> },
}

type PermitFuture = Pin<Box<dyn Future<Output = Result<OwnedSemaphorePermit, AcquireError>> + Send>>;

/// A body made of pieces.
pub struct Pieces {
    source: Source,
    pieces: VecDeque<Piece>,
    waiting: Option<(PermitFuture, usize)>,
    /// Chunks of the file taken from the memory cache, and chunks that had to be read (for the log).
    chunk_hits: u32,
    chunk_misses: u32,
}

impl Pieces {
    pub fn new(source: Source, pieces: Vec<Piece>) -> Pieces {
        Pieces { source, pieces: pieces.into(), waiting: None, chunk_hits: 0, chunk_misses: 0 }
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

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, FileError>>> {
        loop {
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
                Piece::Range { offset, len } => (offset, len),
            };
            match &self.source {
                Source::Memory(all) => {
                    let start = *offset as usize;
                    let slice = all.slice(start..start + *len as usize);
                    self.pieces.pop_front();
                    return Poll::Ready(Some(Ok(slice)));
                }
                Source::File { file, ident, pool } => {
                    if let Some(chunk) = pool.cached(file, ident, *offset, *len) {
                        match chunk {
                            Ok((bytes, hit)) => {
                                if hit {
                                    self.chunk_hits += 1;
                                } else {
                                    self.chunk_misses += 1;
                                }
                                *offset += bytes.len() as u64;
                                *len -= bytes.len() as u64;
                                return Poll::Ready(Some(Ok(bytes)));
                            }
                            Err(e) => {
                                self.pieces.clear();
                                return Poll::Ready(Some(Err(e)));
                            }
                        }
                    }
                    let want = (*len).min(pool.chunk_size() as u64) as usize;
                    let permit = match self.waiting.as_mut() {
                        Some((fut, n)) if *n == want => match fut.as_mut().poll(cx) {
                            Poll::Pending => return Poll::Pending,
                            Poll::Ready(p) => {
                                self.waiting = None;
                                p.map_err(|_| FileError::Changed)
                            }
                        },
                        _ => match Arc::clone(pool.budget()).try_acquire_many_owned(want as u32) {
                            Ok(p) => Ok(p),
                            Err(_) => {
                                let fut = Box::pin(Arc::clone(pool.budget()).acquire_many_owned(want as u32));
                                self.waiting = Some((fut, want));
                                continue;
                            }
                        },
                    };
                    let chunk = permit.and_then(|p| pool.read(file, ident, *offset, want, p));
                    match chunk {
                        Ok(bytes) => {
                            *offset += want as u64;
                            *len -= want as u64;
                            return Poll::Ready(Some(Ok(bytes)));
                        }
                        Err(e) => {
                            self.pieces.clear();
                            return Poll::Ready(Some(Err(e)));
                        }
                    }
                }
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
    log: Option<AccessLog>,
    sent: u64,
}

impl Body {
    pub fn empty() -> Body {
        Body::new(Content::Empty)
    }

    pub fn full(bytes: impl Into<Bytes>) -> Body {
        Body::new(Content::Full(bytes.into()))
    }

    pub fn new(content: Content) -> Body {
        Body { content, stats: None, log: None, sent: 0 }
    }

    /// Count bytes into `stats` and write `log` when the body is done.
    pub fn observe(&mut self, stats: Arc<Stats>, log: Option<AccessLog>) {
        self.stats = Some(stats);
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
