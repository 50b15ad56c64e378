//! Opening files under the assets root, their validators, and reading them in a way that survives the
//! file being replaced while it is served.
//!
//! Confinement: a path built from a validated [`crate::server::route::Route`] has no `..`, but a symlink
//! inside the root could still point outside it. Every file is checked once per (path, device, inode):
//! its canonical path must lie under the canonical root. Later requests only `stat` the path and compare
//! the device and inode with the verified ones, so the check costs no extra syscall on the hot path.
//!
//! Delivery design (why positional reads and not mmap): a memory map of a file that another process
//! truncates raises SIGBUS on the next access, which safe Rust cannot recover from, and the pipeline's
//! "rename a new version over the old" is harmless to an open descriptor but not to a path re-opened per
//! chunk. So a response reads with `pread` from ONE descriptor opened at the start: a file renamed over
//! keeps serving the old inode to the end (never two versions in one body); a file truncated or
//! rewritten in place is detected (short read, or size/mtime changed on `fstat` after a chunk) and the
//! response is aborted instead of mixing bytes. Small files (playlists, segments, posters) are read
//! whole once and then served from memory as `Bytes` slices with no further copy (see `cache.rs`).
//! Chunk buffers come from a pool and are charged against a byte budget shared by all connections, so
//! 1000 slow readers cannot make the process grow without bound.
//!
//! Hot parts of large files: when the memory cache is on, a response's ranges are served from
//! `VIDEO_CHUNK_SIZE`-aligned chunks held in the cache under the key (identity, chunk index)
//! ([`ChunkPool::cached`]). A missing chunk is read once with `pread` from the response's own descriptor
//! and the descriptor is `fstat`ed afterwards: only bytes read while the file still was the version the
//! response opened are kept, so every chunk a response sends belongs to that one version, whether it
//! was read now or by an earlier response. A warm range costs no copy at all before the socket.
//!
//! Measured cost of this choice (perf, 1 MiB random ranges of a 40 MiB file, page cache warm): the
//! `pread` copy (`copy_page_to_iter` + `filemap_get_read_batch`) was ~45% of the server's CPU per
//! request. A shared mapping of the asset would save it, but a mapped page shows an in-place rewrite at
//! once, after any check we could make, so it cannot promise "never two versions in one body". The
//! chunk cache removes it instead: a hot chunk is read once into a sealed snapshot (`sealed.rs`) and
//! later ranges are slices of it, sent with `sendfile` under high concurrency.

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use bytes::Bytes;
use http::HeaderValue;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::cache::Cache;

/// What identifies one version of a file: if any of these changes, it is another version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Identity {
    pub dev: u64,
    pub ino: u64,
    pub len: u64,
    pub mtime: i64,
    pub mtime_nsec: i64,
}

impl Identity {
    pub fn of(meta: &std::fs::Metadata) -> Identity {
        Identity {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime: meta.mtime(),
            mtime_nsec: meta.mtime_nsec(),
        }
    }
}

/// One version of a file with its validators pre-rendered as header values.
#[derive(Debug, Clone)]
pub struct FileMeta {
    pub ident: Identity,
    pub etag: HeaderValue,
    pub last_modified: HeaderValue,
    /// Last-Modified in whole seconds since the epoch.
    pub modified_secs: u64,
}

impl FileMeta {
    pub fn new(ident: Identity) -> FileMeta {
        let etag = format!("\"{:x}-{:x}-{:x}.{:x}\"", ident.ino, ident.len, ident.mtime, ident.mtime_nsec);
        let modified_secs = u64::try_from(ident.mtime).unwrap_or(0);
        let date = std::time::UNIX_EPOCH + std::time::Duration::from_secs(modified_secs);
        FileMeta {
            ident,
            etag: HeaderValue::from_str(&etag).expect("hex and quotes are valid header text"),
            last_modified: HeaderValue::from_str(&httpdate::fmt_http_date(date)).expect("HTTP dates are ASCII"),
            modified_secs,
        }
    }

    pub fn len(&self) -> u64 {
        self.ident.len
    }

    pub fn is_empty(&self) -> bool {
        self.ident.len == 0
    }

    pub fn etag_str(&self) -> &str {
        self.etag.to_str().unwrap_or("")
    }
}

/// Why a file cannot be served. The handler maps these to status codes.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("not found")]
    NotFound,
    /// A symlink leading outside the root, or not a regular file.
    #[error("refused: outside the assets root or not a regular file")]
    Refused,
    /// The file changed while it was being read into memory (retried once already).
    #[error("file changed while being read")]
    Changed,
    #[error(transparent)]
    Io(io::Error),
}

impl From<io::Error> for FileError {
    fn from(e: io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::NotFound | io::ErrorKind::NotADirectory => FileError::NotFound,
            _ => FileError::Io(e),
        }
    }
}

/// An open file and the version it was when opened.
#[derive(Debug)]
pub struct Opened {
    pub file: File,
    pub meta: FileMeta,
}

/// The assets root and the set of paths already proven to stay inside it.
#[derive(Debug)]
pub struct Resolver {
    root: PathBuf,
    verified: RwLock<HashMap<PathBuf, (u64, u64)>>,
}

/// Forget verified paths beyond this many (they are re-verified on next use).
const MAX_VERIFIED: usize = 100_000;

impl Resolver {
    /// The root must exist and be a directory.
    pub fn new(root: &Path) -> io::Result<Resolver> {
        let root = std::fs::canonicalize(root)?;
        if !root.is_dir() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{} is not a directory", root.display())));
        }
        Ok(Resolver { root, verified: RwLock::new(HashMap::new()) })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `stat` a path (following symlinks) and return its identity; only regular files qualify.
    pub fn stat(&self, path: &Path) -> Result<Identity, FileError> {
        let meta = std::fs::metadata(path)?;
        if !meta.is_file() {
            return Err(FileError::NotFound);
        }
        Ok(Identity::of(&meta))
    }

    /// Whether this path was already proven to lead to this inode inside the root.
    pub fn is_verified(&self, path: &Path, ident: &Identity) -> bool {
        self.verified.read().map(|m| m.get(path) == Some(&(ident.dev, ident.ino))).unwrap_or(false)
    }

    /// Prove that `path` leads to the inode `(dev, ino)` and that its canonical form is under the root.
    fn verify(&self, path: &Path, ident: &Identity) -> Result<(), FileError> {
        if self.is_verified(path, ident) {
            return Ok(());
        }
        let canonical = std::fs::canonicalize(path)?;
        if !canonical.starts_with(&self.root) {
            return Err(FileError::Refused);
        }
        let meta = std::fs::metadata(&canonical)?;
        if (meta.dev(), meta.ino()) != (ident.dev, ident.ino) {
            // Replaced between open and check: treat as a miss; the client may retry.
            return Err(FileError::Changed);
        }
        if let Ok(mut map) = self.verified.write() {
            if map.len() >= MAX_VERIFIED {
                map.clear();
            }
            map.insert(path.to_owned(), (ident.dev, ident.ino));
        }
        Ok(())
    }

    /// Open a regular file under the root and take its identity from the open descriptor.
    pub fn open(&self, path: &Path) -> Result<Opened, FileError> {
        let file = File::open(path)?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(FileError::NotFound);
        }
        let ident = Identity::of(&meta);
        self.verify(path, &ident)?;
        Ok(Opened { file, meta: FileMeta::new(ident) })
    }
}

/// Read a whole open file into memory, checking that it did not change while being read.
pub fn read_whole(opened: &Opened) -> Result<Bytes, FileError> {
    let len = usize::try_from(opened.meta.len()).map_err(|_| FileError::Changed)?;
    let bytes = read_sealed_or_plain(&opened.file, 0, len)?;
    let after = Identity::of(&opened.file.metadata()?);
    if after != opened.meta.ident {
        return Err(FileError::Changed);
    }
    Ok(bytes)
}

/// Below this, bytes are read into plain memory: a sealed memfd costs a descriptor and a mapping.
const SEALED_MIN: usize = 64 << 10;

/// `len` bytes at `offset`: a sealed memfd snapshot that sockets send without a copy (`sealed.rs`)
/// when large enough and memfds are available, else a plain buffer. A short file is an error.
fn read_sealed_or_plain(file: &File, offset: u64, len: usize) -> Result<Bytes, FileError> {
    if len >= SEALED_MIN {
        match super::sealed::copy(file, offset, len) {
            Ok(Some(bytes)) => return Ok(bytes),
            Ok(None) => return Err(FileError::Changed),
            Err(e) => tracing::debug!(error = %e, "sealed copy unavailable; reading into memory"),
        }
    }
    let mut buf = vec![0u8; len];
    read_exact_at(file, &mut buf, offset)?;
    Ok(Bytes::from(buf))
}

/// `pread` until `buf` is full; a short file (truncated under us) is an error, never a short body.
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> Result<(), FileError> {
    let mut done = 0;
    while done < buf.len() {
        match file.read_at(&mut buf[done..], offset + done as u64) {
            Ok(0) => return Err(FileError::Changed),
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(FileError::Io(e)),
        }
    }
    Ok(())
}

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

    /// Up to `len` bytes at `offset` of the version `expect` open as `file`, as a slice of a cached
    /// chunk (read into the cache first if missing). `None` when chunks are not cached: then use
    /// [`ChunkPool::read`]. The slice never crosses a chunk boundary.
    /// The bytes of `offset..offset+len` (cut at the chunk's end) from the cached chunk that holds them,
    /// filling it from `file` when it is not held; with whether it was held (a cache hit). `None` when
    /// the cache is off.
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
        let result = cache.chunk_and_outcome(expect, index, fill).and_then(|(bytes, hit)| {
            let from = (offset - start) as usize;
            let to = (from as u64 + len).min(bytes.len() as u64) as usize;
            if from >= to {
                return Err(FileError::Changed);
            }
            Ok((bytes.slice(from..to), hit))
        });
        Some(result)
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

    /// Read `len` bytes at `offset` into a pooled buffer charged to `permit`, then check that the file
    /// is still the version the response started with.
    pub fn read(
        self: &Arc<Self>,
        file: &File,
        expect: &Identity,
        offset: u64,
        len: usize,
        permit: OwnedSemaphorePermit,
    ) -> Result<Bytes, FileError> {
        let mut buf = self.take();
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

    #[test]
    fn symlink_leaving_the_root_is_refused() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.jpg"), b"secret").unwrap();
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("abc")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.jpg"), root.path().join("abc/thumb.jpg")).unwrap();
        let resolver = Resolver::new(root.path()).unwrap();
        assert!(matches!(resolver.open(&root.path().join("abc/thumb.jpg")), Err(FileError::Refused)));
    }

    #[test]
    fn symlink_inside_the_root_is_followed() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("abc")).unwrap();
        std::fs::write(root.path().join("abc/real.jpg"), b"poster").unwrap();
        std::os::unix::fs::symlink("real.jpg", root.path().join("abc/thumb.jpg")).unwrap();
        let resolver = Resolver::new(root.path()).unwrap();
        let opened = resolver.open(&root.path().join("abc/thumb.jpg")).unwrap();
        assert_eq!(read_whole(&opened).unwrap(), Bytes::from_static(b"poster"));
    }

    #[test]
    fn etag_changes_when_the_file_is_replaced() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("f.ts");
        std::fs::write(&path, b"one").unwrap();
        let resolver = Resolver::new(root.path()).unwrap();
        let first = resolver.open(&path).unwrap().meta.etag;
        std::fs::write(root.path().join("new"), b"two").unwrap();
        std::fs::rename(root.path().join("new"), &path).unwrap();
        assert_ne!(resolver.open(&path).unwrap().meta.etag, first);
    }

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
