//! Files under the assets root: opening them confined to the root, reading small ones whole in a way
//! that survives the file being replaced, and finding the current version of a file in the memory
//! cache ([`cached`], inline) or on disk ([`load`], on the blocking pool). Large files are streamed in budgeted chunks by `chunks.rs`; what
//! identifies a version and the errors live in `identity.rs`.
//!
//! Confinement: a path built from a validated [`crate::server::route::Route`] has no `..`, but a symlink
//! inside the root could still point outside it. Every file is checked once per (path, device, inode):
//! its canonical path must lie under the canonical root. Later requests only `stat` the path and compare
//! the device and inode with the verified ones, so the check costs no extra syscall on the hot path.
//! The descriptor of a large file is kept open for the next request of the same version
//! ([`Resolver::reuse`], at most [`MAX_OPEN`]), so a warm range needs neither an `open` nor the
//! blocking pool.
//!
//! Delivery design (why positional reads and not mmap): a memory map of a file that another process
//! truncates raises SIGBUS on the next access, which safe Rust cannot recover from, and the pipeline's
//! "rename a new version over the old" is harmless to an open descriptor but not to a path re-opened per
//! chunk. So a response reads with `pread` from ONE descriptor opened at the start: a file renamed over
//! keeps serving the old inode to the end (never two versions in one body); a file truncated or
//! rewritten in place is detected (short read, or size/mtime changed on `fstat` after a chunk) and the
//! response is aborted instead of mixing bytes. Small files (playlists, segments, posters) are read
//! whole once and then served from memory as `Bytes` slices with no further copy (see `cache.rs`).
//!
//! Hot parts of large files: when the memory cache is on, a response's ranges are served from
//! `VIDEO_CHUNK_SIZE`-aligned chunks held in the cache under the key (identity, chunk index)
//! (`chunks::ChunkPool::cached`). A missing chunk is read once with `pread` from the response's own
//! descriptor and the descriptor is `fstat`ed afterwards: only bytes read while the file still was the
//! version the response opened are kept, so every chunk a response sends belongs to that one version,
//! whether it was read now or by an earlier response. A warm range costs no copy at all before the
//! socket.
//!
//! Measured cost of this choice (perf, 1 MiB random ranges of a 40 MiB file, page cache warm): the
//! `pread` copy (`copy_page_to_iter` + `filemap_get_read_batch`) was ~45% of the server's CPU per
//! request. A shared mapping of the asset would save it, but a mapped page shows an in-place rewrite at
//! once, after any check we could make, so it cannot promise "never two versions in one body". The
//! chunk cache removes it instead: a hot chunk is read once into a sealed snapshot
//! (`transport/sealed.rs`) and later ranges are slices of it, sent with `sendfile` under high
//! concurrency.

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use bytes::Bytes;

use super::cache::{Cache, CacheOutcome};
use super::identity::{FileError, FileMeta, Identity};
use super::mime::Kind;
use super::transport::sealed;

/// An open file and the version it was when opened.
#[derive(Debug)]
pub struct Opened {
    pub file: File,
    pub meta: FileMeta,
}

/// The assets root, the set of paths already proven to stay inside it, and the descriptors of large
/// files kept open for the next request (see [`Resolver::reuse`]).
#[derive(Debug)]
pub struct Resolver {
    root: PathBuf,
    verified: RwLock<HashMap<PathBuf, (u64, u64)>>,
    open: RwLock<HashMap<PathBuf, (Arc<File>, FileMeta)>>,
}

/// Forget verified paths beyond this many (they are re-verified on next use).
const MAX_VERIFIED: usize = 100_000;

/// Large files kept open at most (then all are closed and reopened on next use), as nginx's
/// `open_file_cache max=`: each holds one descriptor, and a deleted file's disk space until its entry
/// goes (at the next request for its path, or when the table is cleared).
pub const MAX_OPEN: usize = 256;

impl Resolver {
    /// The root must exist and be a directory.
    pub fn new(root: &Path) -> io::Result<Resolver> {
        let root = std::fs::canonicalize(root)?;
        if !root.is_dir() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{} is not a directory", root.display())));
        }
        Ok(Resolver { root, verified: RwLock::new(HashMap::new()), open: RwLock::new(HashMap::new()) })
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

    /// The descriptor a previous request opened for `path` when the file is still exactly that version
    /// (`ident`, from this request's `stat`), so a range of a large file needs no `open` and no trip to
    /// the blocking pool: at 100 connections that trip put ~2 % of ranges 100-250 ms behind (the task
    /// comes back through the runtime's remote queue). The caller has checked
    /// [`is_verified`](Self::is_verified), as for the memory cache (and every entry is a file that
    /// [`open`](Self::open) verified). Positional reads make one shared descriptor safe, and a replaced
    /// or rewritten file has a new identity, so it is opened afresh on the blocking pool and its old
    /// descriptor stays with the responses using it.
    pub fn reuse(&self, path: &Path, ident: &Identity) -> Option<(Arc<File>, FileMeta)> {
        let open = self.open.read().ok()?;
        let (file, meta) = open.get(path).filter(|(_, meta)| meta.ident == *ident)?;
        Some((Arc::clone(file), meta.clone()))
    }

    /// Keep `file` (opened as `meta`) for [`reuse`](Self::reuse), replacing an older version's.
    pub fn keep_open(&self, path: &Path, file: &Arc<File>, meta: &FileMeta) {
        if let Ok(mut open) = self.open.write() {
            if open.len() >= MAX_OPEN && !open.contains_key(path) {
                open.clear();
            }
            open.insert(path.to_owned(), (Arc::clone(file), meta.clone()));
        }
    }

    /// Whether a descriptor is kept open for `path` (whatever its version).
    pub fn keeps_open(&self, path: &Path) -> bool {
        self.open.read().map(|open| open.contains_key(path)).unwrap_or(false)
    }

    /// Close the kept descriptor of a path that is gone (or no longer a regular file).
    pub fn forget_open(&self, path: &Path) {
        if self.keeps_open(path) {
            if let Ok(mut open) = self.open.write() {
                open.remove(path);
            }
        }
    }

    /// Open a regular file under the root and take its identity from the open descriptor.
    ///
    /// The open cannot block: `O_NONBLOCK` makes a FIFO (or a symlink to one, even outside the root)
    /// open at once instead of waiting for a writer, and a device open return instead of waiting for
    /// the device; the `fstat` that follows refuses anything that is not a regular file before a single
    /// byte is read. (`O_NOFOLLOW` does not fit: symlinks inside the root are allowed and confined by
    /// [`verify`](Self::verify).) On a regular file `O_NONBLOCK` changes nothing.
    pub fn open(&self, path: &Path) -> Result<Opened, FileError> {
        use rustix::fs::{Mode, OFlags};
        let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY;
        let file = match rustix::fs::open(path, flags, Mode::empty()) {
            Ok(fd) => File::from(fd),
            // A socket file, or a device with nothing behind it: not a file to serve.
            Err(rustix::io::Errno::NXIO | rustix::io::Errno::NODEV | rustix::io::Errno::AGAIN) => {
                return Err(FileError::NotFound)
            }
            Err(e) => return Err(io::Error::from(e).into()),
        };
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

/// `len` bytes at `offset`: a sealed memfd snapshot that sockets send without a copy (`transport/sealed.rs`)
/// when large enough and memfds are available, else a plain buffer. A short file is an error.
pub(super) fn read_sealed_or_plain(file: &File, offset: u64, len: usize) -> Result<Bytes, FileError> {
    if len >= SEALED_MIN {
        match sealed::copy(file, offset, len) {
            Ok(Some(bytes)) => return Ok(bytes),
            Ok(None) => return Err(FileError::Changed),
            Err(e) => tracing::debug!(error = %e, "sealed copy unavailable; reading into memory"),
        }
    }
    let mut buf = vec![0u8; len];
    read_exact_at(file, &mut buf, offset)?;
    Ok(Bytes::from(buf))
}

/// Bytes already in memory (an object or a chunk fetched from storage, about to be cached) as a sealed
/// memfd snapshot when large enough and memfds are available, else as they are: what the cache holds
/// goes to sockets without a copy whatever the root.
pub(super) fn sealed_or_plain(bytes: Bytes) -> Bytes {
    if bytes.len() < SEALED_MIN {
        return bytes;
    }
    match sealed::seal(&bytes) {
        Ok(sealed) => sealed,
        Err(e) => {
            tracing::debug!(error = %e, "sealed copy unavailable; keeping the bytes in memory");
            bytes
        }
    }
}

/// `pread` until `buf` is full; a short file (truncated under us) is an error, never a short body.
pub(super) fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> Result<(), FileError> {
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

/// Where a file's bytes are: in memory (cached, or a playlist read whole), an open descriptor, or an
/// object in storage.
pub enum FoundSource {
    Memory(Bytes),
    File(Arc<File>),
    /// A large object in object storage, fetched in chunks (`origin`).
    Remote(Arc<super::origin::RemoteFile>),
}

/// A file ready to serve: one version's validators and its bytes' source.
pub struct Found {
    pub meta: FileMeta,
    pub source: FoundSource,
    pub cache: CacheOutcome,
}

impl Found {
    /// The length of the body to send: the in-memory bytes when there are some (a rewrite step may
    /// have changed them), else the file's.
    pub fn len(&self) -> u64 {
        match &self.source {
            FoundSource::Memory(bytes) => bytes.len() as u64,
            FoundSource::File(_) | FoundSource::Remote(_) => self.meta.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The current version of a file without opening it, so inline on the async worker: the memory
/// cache's copy, or for a large file the descriptor an earlier request opened
/// ([`Resolver::reuse`]). Costs one `stat` of a path already verified, and nothing for a file neither
/// cacheable nor kept open. `Ok(None)` when the file must be [`load`]ed (not held, not kept open, or
/// not yet verified). Counts the memory cache's hit or miss for cacheable kinds.
pub fn cached(resolver: &Resolver, cache: &Cache, path: &Path, kind: Kind) -> Result<Option<Found>, FileError> {
    let memory = kind.cacheable() && cache.enabled();
    if !memory && !resolver.keeps_open(path) {
        return Ok(None);
    }
    let ident = match resolver.stat(path) {
        Ok(ident) => ident,
        Err(err) => {
            resolver.forget_open(path);
            return Err(err);
        }
    };
    // Only a path already proven to lead to this inode inside the root may skip the open.
    if resolver.is_verified(path, &ident) {
        if memory {
            if let Some(entry) = cache.get(path, &ident) {
                let source = FoundSource::Memory(entry.bytes.clone());
                return Ok(Some(Found { meta: entry.meta.clone(), source, cache: CacheOutcome::Hit }));
            }
        }
        if let Some((file, meta)) = resolver.reuse(path, &ident) {
            let cache = if memory { CacheOutcome::Miss } else { CacheOutcome::Bypass };
            return Ok(Some(Found { meta, source: FoundSource::File(file), cache }));
        }
    } else if memory {
        cache.note_miss();
    }
    Ok(None)
}

/// Open the current version of a file and, for playlists and files the cache admits, read it whole
/// (stored in the cache when it fits). Opens and reads can block: run this on the blocking pool.
pub fn load(resolver: &Resolver, cache: &Cache, path: &Path, kind: Kind) -> Result<Found, FileError> {
    let use_cache = kind.cacheable() && cache.enabled();
    let outcome = if use_cache { CacheOutcome::Miss } else { CacheOutcome::Bypass };
    let mut attempts = 0;
    loop {
        attempts += 1;
        let opened = resolver.open(path)?;
        let whole = kind == Kind::Playlist || (use_cache && cache.admits(opened.meta.len()));
        if !whole {
            let file = Arc::new(opened.file);
            resolver.keep_open(path, &file, &opened.meta);
            return Ok(Found { meta: opened.meta, source: FoundSource::File(file), cache: outcome });
        }
        let read =
            if use_cache { cache.fill_file(path, &opened.meta, || read_whole(&opened)) } else { read_whole(&opened) };
        match read {
            Ok(bytes) => {
                return Ok(Found { meta: opened.meta, source: FoundSource::Memory(bytes), cache: outcome });
            }
            Err(FileError::Changed) if attempts < 3 => continue,
            Err(e) => return Err(e),
        }
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

    fn found_file(found: Option<Found>) -> Arc<File> {
        match found.expect("found without opening").source {
            FoundSource::File(file) => file,
            _ => panic!("expected a descriptor"),
        }
    }

    #[test]
    fn a_large_file_is_opened_once_then_its_descriptor_is_reused_for_that_version_only() {
        use std::os::fd::AsRawFd;
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("stream.mp4");
        std::fs::write(&path, b"version one").unwrap();
        let (resolver, cache) = (Resolver::new(root.path()).unwrap(), Cache::new(true, 1 << 20));
        assert!(cached(&resolver, &cache, &path, Kind::Video).unwrap().is_none(), "nothing open yet: load it");
        let loaded = match load(&resolver, &cache, &path, Kind::Video).unwrap().source {
            FoundSource::File(file) => file,
            _ => panic!("a video is streamed from its descriptor"),
        };
        let reused = found_file(cached(&resolver, &cache, &path, Kind::Video).unwrap());
        assert_eq!(reused.as_raw_fd(), loaded.as_raw_fd(), "the same descriptor, no new open");

        // Replaced by a rename (a new inode): the old descriptor is not reused, the new version is loaded.
        std::fs::write(root.path().join("new"), b"version two!").unwrap();
        std::fs::rename(root.path().join("new"), &path).unwrap();
        assert!(cached(&resolver, &cache, &path, Kind::Video).unwrap().is_none());
        let second = load(&resolver, &cache, &path, Kind::Video).unwrap();
        assert_eq!(second.meta.len(), 12);
        let reused = found_file(cached(&resolver, &cache, &path, Kind::Video).unwrap());
        let mut got = vec![0u8; 12];
        reused.read_exact_at(&mut got, 0).unwrap();
        assert_eq!(&got, b"version two!");

        // Rewritten in place (same inode, new size): a new identity, so not reused either.
        std::fs::write(&path, b"three").unwrap();
        assert!(cached(&resolver, &cache, &path, Kind::Video).unwrap().is_none());

        // Gone: the kept descriptor is closed.
        load(&resolver, &cache, &path, Kind::Video).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(cached(&resolver, &cache, &path, Kind::Video).is_err());
        assert!(!resolver.keeps_open(&path));
    }

    #[test]
    fn kept_descriptors_are_bounded() {
        let root = tempfile::tempdir().unwrap();
        let (resolver, cache) = (Resolver::new(root.path()).unwrap(), Cache::new(true, 1 << 20));
        for i in 0..MAX_OPEN + 3 {
            let path = root.path().join(format!("{i}.mp4"));
            std::fs::write(&path, b"x").unwrap();
            load(&resolver, &cache, &path, Kind::Video).unwrap();
        }
        let open = resolver.open.read().unwrap().len();
        assert!((1..=MAX_OPEN).contains(&open), "{open} descriptors kept");
    }
}
