//! Large files streamed in chunks: reusable chunk buffers charged against one byte budget shared by
//! all connections (so 1000 slow readers cannot make the process grow without bound), and, when the
//! memory cache is on, `VIDEO_CHUNK_SIZE`-aligned chunks held in the cache under (identity, chunk
//! index) so a warm range costs no copy before the socket. Every chunk is checked against the version
//! the response opened (see `files.rs` for why one descriptor and positional reads).

use std::fs::File;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::cache::Cache;
use super::files::{read_exact_at, read_sealed_or_plain};
use super::identity::{FileError, Identity};

/// Reusable chunk buffers plus the byte budget that bounds all chunks in flight.
#[derive(Debug)]
pub struct ChunkPool {
    chunk: usize,
    budget: Arc<Semaphore>,
    budget_bytes: usize,
    free: Mutex<Vec<Vec<u8>>>,
    /// Where whole chunks are kept for later responses, when the memory cache is on and admits them.
    cache: Option<Arc<Cache>>,
}

impl ChunkPool {
    /// `chunk` bytes per read; at most `budget` bytes of chunks alive at once (at least one chunk).
    pub fn new(chunk: usize, budget: usize) -> Arc<ChunkPool> {
        ChunkPool::with_cache(chunk, budget, None)
    }

    /// As [`ChunkPool::new`], keeping chunks in `cache` when it is on and a chunk fits its budget.
    pub fn with_cache(chunk: usize, budget: usize, cache: Option<Arc<Cache>>) -> Arc<ChunkPool> {
        let chunk = chunk.clamp(4096, 64 << 20);
        let budget = budget.max(chunk).min(Semaphore::MAX_PERMITS);
        let cache = cache.filter(|c| c.admits(chunk as u64));
        Arc::new(ChunkPool {
            chunk,
            budget: Arc::new(Semaphore::new(budget)),
            budget_bytes: budget,
            free: Mutex::new(Vec::new()),
            cache,
        })
    }

    /// Whether whole chunks are kept in the memory cache (then use [`held`](Self::held) and
    /// [`cached`](Self::cached); else [`read`](Self::read)).
    pub fn caches(&self) -> bool {
        self.cache.is_some()
    }

    /// The bytes of `offset..offset+len` (cut at the chunk's end) when the cached chunk that holds them
    /// is in memory right now: no I/O, so it is done inline. Counts a hit when found.
    pub fn held(&self, expect: &Identity, offset: u64, len: u64) -> Option<Bytes> {
        let cache = self.cache.as_ref()?;
        let index = offset / self.chunk as u64;
        let bytes = cache.held(expect, index)?;
        self.slice_of(&bytes, index, offset, len).ok()
    }

    /// The bytes of `offset..offset+len` (cut at the chunk's end) from the cached chunk that holds them,
    /// filling it from `file` when it is not held; with whether it was held (a cache hit). `None` when
    /// the cache is off. Can block (a read, or waiting for another request's read of the same chunk).
    pub fn cached(
        &self,
        file: &File,
        expect: &Identity,
        offset: u64,
        len: u64,
    ) -> Option<Result<(Bytes, bool), FileError>> {
        let cache = self.cache.as_ref()?;
        let chunk = self.chunk as u64;
        let index = offset / chunk;
        let start = index * chunk;
        let chunk_len = expect.len.saturating_sub(start).min(chunk) as usize;
        let fill = || {
            let bytes = read_sealed_or_plain(file, start, chunk_len)?;
            if Identity::of(&file.metadata()?) != *expect {
                return Err(FileError::Changed);
            }
            Ok(bytes)
        };
        let result = cache
            .chunk_and_outcome(expect, index, fill)
            .and_then(|(bytes, hit)| Ok((self.slice_of(&bytes, index, offset, len)?, hit)));
        Some(result)
    }

    /// `offset..offset+len` of the file as a slice of chunk `index`, cut at the chunk's end.
    fn slice_of(&self, bytes: &Bytes, index: u64, offset: u64, len: u64) -> Result<Bytes, FileError> {
        let from = (offset - index * self.chunk as u64) as usize;
        let to = (from as u64 + len).min(bytes.len() as u64) as usize;
        if from >= to {
            return Err(FileError::Changed);
        }
        Ok(bytes.slice(from..to))
    }

    pub fn chunk_size(&self) -> usize {
        self.chunk
    }

    pub fn budget(&self) -> &Arc<Semaphore> {
        &self.budget
    }

    /// Bytes of chunk buffers currently handed out (read but not yet written to a socket).
    pub fn in_flight(&self) -> usize {
        self.budget_bytes - self.budget.available_permits()
    }

    fn take(&self) -> Vec<u8> {
        self.free.lock().ok().and_then(|mut f| f.pop()).unwrap_or_else(|| vec![0u8; self.chunk])
    }

    fn give_back(&self, buf: Vec<u8>) {
        if buf.len() == self.chunk {
            if let Ok(mut free) = self.free.lock() {
                if free.len() * self.chunk < self.budget_bytes {
                    free.push(buf);
                }
            }
        }
    }

    /// Read `len` bytes (at most a chunk) at `offset` into a buffer charged to `permit` (from the shared
    /// budget or a connection's own share), then check that the file is still the version the response
    /// started with. Blocks: run it on the blocking pool.
    pub fn read(
        self: &Arc<Self>,
        file: &File,
        expect: &Identity,
        offset: u64,
        len: usize,
        permit: OwnedSemaphorePermit,
    ) -> Result<Bytes, FileError> {
        // Whole chunks use pooled buffers; smaller reads (a file's tail, a connection's own share when
        // the shared budget is taken) get a buffer of their own size.
        let mut buf = if len >= self.chunk { self.take() } else { vec![0u8; len] };
        let n = len.min(buf.len());
        let result = read_exact_at(file, &mut buf[..n], offset).and_then(|()| {
            if Identity::of(&file.metadata()?) == *expect {
                Ok(())
            } else {
                Err(FileError::Changed)
            }
        });
        match result {
            Ok(()) => Ok(Bytes::from_owner(Chunk { buf, len: n, pool: Arc::clone(self), _permit: permit })),
            Err(e) => {
                self.give_back(buf);
                Err(e)
            }
        }
    }
}

/// A chunk handed to hyper: returns its buffer to the pool and its bytes to the budget when hyper has
/// written it and drops it.
struct Chunk {
    buf: Vec<u8>,
    len: usize,
    pool: Arc<ChunkPool>,
    _permit: OwnedSemaphorePermit,
}

impl AsRef<[u8]> for Chunk {
    fn as_ref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl Drop for Chunk {
    fn drop(&mut self) {
        self.pool.give_back(std::mem::take(&mut self.buf));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::files::Resolver;
    use std::os::unix::fs::FileExt;

    #[tokio::test]
    async fn chunk_read_after_truncation_is_an_error_not_a_short_chunk() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("v.mp4");
        std::fs::write(&path, vec![7u8; 10_000]).unwrap();
        let opened = Resolver::new(root.path()).unwrap().open(&path).unwrap();
        let pool = ChunkPool::new(4096, 1 << 20);
        let permit = pool.budget().clone().acquire_many_owned(4096).await.unwrap();
        let ok = pool.read(&opened.file, &opened.meta.ident, 0, 4096, permit).unwrap();
        assert_eq!(ok.len(), 4096);
        std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(100).unwrap();
        let permit = pool.budget().clone().acquire_many_owned(4096).await.unwrap();
        assert!(pool.read(&opened.file, &opened.meta.ident, 4096, 4096, permit).is_err());
        drop(ok);
        assert_eq!(pool.in_flight(), 0, "budget returned when chunks are dropped");
    }

    #[test]
    fn cached_reads_are_slices_of_one_chunk_and_refuse_a_changed_file() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("v.mp4");
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let opened = Resolver::new(root.path()).unwrap().open(&path).unwrap();
        let cache = Arc::new(Cache::new(true, 1 << 20));
        let pool = ChunkPool::with_cache(4096, 1 << 20, Some(Arc::clone(&cache)));
        let ident = opened.meta.ident;
        let (part, _) = pool.cached(&opened.file, &ident, 4000, 5000).unwrap().unwrap();
        assert_eq!(&part[..], &data[4000..4096], "stops at the chunk boundary");
        let (part, _) = pool.cached(&opened.file, &ident, 8192, 5000).unwrap().unwrap();
        assert_eq!(&part[..], &data[8192..], "the last chunk is short");
        // Rewritten in place: a chunk not yet held cannot be read for the old version.
        let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        f.write_all_at(&[0u8; 10], 4096).unwrap();
        f.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5)).unwrap();
        assert!(matches!(pool.cached(&opened.file, &ident, 4096, 10), Some(Err(FileError::Changed))));
        // Chunks held for the old version stay whole and consistent.
        assert_eq!(&pool.cached(&opened.file, &ident, 0, 10).unwrap().unwrap().0[..], &data[..10]);
        assert_eq!(pool.in_flight(), 0, "cached chunks are not charged to the in-flight budget");
    }
}
