//! The in-memory cache of the design document: whole small files (playlists, segments, posters) and
//! fixed-size chunks of large ones (`VIDEO_CHUNK_SIZE` pieces of MP4s) held as `Bytes` under one byte
//! budget (`VIDEO_CACHE_SIZE`), with hit and miss counters for `/stats`.
//!
//! Whole files are keyed by path and carry the file's [`Identity`] (device, inode, size, mtime). A lookup
//! passes the identity just read by `stat`; any difference is a miss, so a file renamed over or
//! rewritten is never served stale. Chunks are keyed by (identity, chunk index), so a chunk can only
//! ever be found by a response that opened exactly that version. A chunk miss is filled once however
//! many requests want it at the same time (single flight): the others wait for the first and share
//! its bytes. Eviction drops the least recently used entries of either kind, in a batch down to 90% of
//! the budget so it runs rarely. This module does no I/O: the caller passes the function that reads.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use bytes::Bytes;

use super::identity::{FileError, FileMeta, Identity};

/// How the in-memory cache took part in a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Served from memory.
    Hit,
    /// Looked up, not present (read from disk and, if it fits, stored).
    Miss,
    /// Not a cacheable file, or the cache is disabled.
    Bypass,
}

impl CacheOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CacheOutcome::Hit => "hit",
            CacheOutcome::Miss => "miss",
            CacheOutcome::Bypass => "-",
        }
    }
}

/// One cached file.
#[derive(Debug)]
pub struct Entry {
    pub meta: FileMeta,
    pub bytes: Bytes,
    last_used: AtomicU64,
}

/// Counters and sizes for `/stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    pub enabled: bool,
    pub items: u64,
    pub size: u64,
    pub capacity: u64,
    pub hits: u64,
    pub misses: u64,
}

impl CacheStats {
    /// Hits over lookups, 0 when nothing was looked up.
    pub fn hit_rate(&self) -> f64 {
        let total = self.hits + self.misses;
        if total == 0 {
            0.0
        } else {
            self.hits as f64 / total as f64
        }
    }
}

/// One chunk of a large file: `bytes` at `index * chunk size` of the version `Identity`.
type ChunkKey = (Identity, u64);

/// The "chunk index" under which a whole file's fill is single-flighted (a chunk is at least 4 KiB,
/// so no real index comes near it).
const WHOLE_FILE: u64 = u64::MAX;

#[derive(Debug)]
struct ChunkEntry {
    bytes: Bytes,
    last_used: AtomicU64,
}

/// Both kinds of entries, under one lock so eviction sees one budget.
#[derive(Debug, Default)]
struct Maps {
    files: HashMap<PathBuf, Arc<Entry>>,
    chunks: HashMap<ChunkKey, ChunkEntry>,
}

/// An entry chosen for eviction.
enum Victim {
    File(PathBuf),
    Chunk(ChunkKey),
}

#[derive(Debug)]
pub struct Cache {
    enabled: bool,
    capacity: u64,
    max_entry: u64,
    map: RwLock<Maps>,
    /// Chunks being read right now; a second request for one waits on its lock instead of reading too.
    filling: Mutex<HashMap<ChunkKey, Arc<Mutex<()>>>>,
    size: AtomicU64,
    clock: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Cache {
    /// A cache of `capacity` bytes; a single file may take at most an eighth of it.
    pub fn new(enabled: bool, capacity: u64) -> Cache {
        Cache {
            enabled: enabled && capacity > 0,
            capacity,
            max_entry: capacity / 8,
            map: RwLock::new(Maps::default()),
            filling: Mutex::new(HashMap::new()),
            size: AtomicU64::new(0),
            clock: AtomicU64::new(0),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Whether a file of this size may be held.
    pub fn admits(&self, len: u64) -> bool {
        self.enabled && len <= self.max_entry
    }

    /// The entry for `path` if it holds exactly this version; counts a hit or a miss.
    pub fn get(&self, path: &Path, ident: &Identity) -> Option<Arc<Entry>> {
        let found = self.map.read().ok().and_then(|m| m.files.get(path).filter(|e| e.meta.ident == *ident).cloned());
        match &found {
            Some(e) => {
                self.hits.fetch_add(1, Ordering::Relaxed);
                e.last_used.store(self.clock.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
            }
            None => {
                self.misses.fetch_add(1, Ordering::Relaxed);
            }
        }
        found
    }

    /// Count a miss decided without a lookup (the path is not yet verified, so nothing can be held).
    pub fn note_miss(&self) {
        self.misses.fetch_add(1, Ordering::Relaxed);
    }

    /// Hold `bytes` as the current version of `path`, replacing any older version and evicting the
    /// least recently used entries if the budget requires it.
    pub fn insert(&self, path: &Path, meta: FileMeta, bytes: Bytes) {
        let len = bytes.len() as u64;
        if !self.admits(len) {
            return;
        }
        let entry =
            Arc::new(Entry { meta, bytes, last_used: AtomicU64::new(self.clock.fetch_add(1, Ordering::Relaxed)) });
        let Ok(mut map) = self.map.write() else { return };
        if let Some(old) = map.files.insert(path.to_owned(), entry) {
            self.size.fetch_sub(old.bytes.len() as u64, Ordering::Relaxed);
        }
        self.grew(&mut map, len);
    }

    /// The whole version `meta` of `path`, read by `fill` and kept, once however many callers miss it
    /// at the same time: a herd of requests for a cold segment reads (and seals) it once, not once
    /// each. A caller that waited gets the bytes the first one kept; nothing is counted (the caller
    /// counted its miss when it looked). `fill` errors are passed on and nothing is kept.
    pub fn fill_file(
        &self,
        path: &Path,
        meta: &FileMeta,
        fill: impl FnOnce() -> Result<Bytes, FileError>,
    ) -> Result<Bytes, FileError> {
        if !self.admits(meta.len()) {
            return fill();
        }
        let held = || {
            let map = self.map.read().ok()?;
            map.files.get(path).filter(|e| e.meta.ident == meta.ident).map(|e| e.bytes.clone())
        };
        let keep = |bytes: Bytes| self.insert(path, meta.clone(), bytes);
        self.single_flight((meta.ident, WHOLE_FILE), held, fill, keep).map(|(bytes, _)| bytes)
    }

    /// Chunk `index` of the version `ident`: from memory, or read by `fill` (once, however many callers
    /// want it at the same time) and kept. Counts a hit or a miss. `fill` errors are passed on and
    /// nothing is kept.
    pub fn chunk(
        &self,
        ident: &Identity,
        index: u64,
        fill: impl FnOnce() -> Result<Bytes, FileError>,
    ) -> Result<Bytes, FileError> {
        self.chunk_and_outcome(ident, index, fill).map(|(bytes, _)| bytes)
    }

    /// As [`Cache::chunk`], also saying whether the chunk was already held (`true`) or read now.
    pub fn chunk_and_outcome(
        &self,
        ident: &Identity,
        index: u64,
        fill: impl FnOnce() -> Result<Bytes, FileError>,
    ) -> Result<(Bytes, bool), FileError> {
        let key = (*ident, index);
        if let Some(bytes) = self.held_chunk(&key) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok((bytes, true));
        }
        let counted = || {
            self.misses.fetch_add(1, Ordering::Relaxed);
            fill()
        };
        let found = self.single_flight(key, || self.held_chunk(&key), counted, |bytes| self.insert_chunk(key, bytes));
        if let Ok((_, true)) = &found {
            self.hits.fetch_add(1, Ordering::Relaxed);
        }
        found
    }

    /// The bytes under `key`: `held` once this caller has the key's fill lock (whoever held it before
    /// may have filled it), else `fill`ed and handed to `keep`. One fill per key at a time, however
    /// many callers miss together. `true` when they were held.
    fn single_flight(
        &self,
        key: ChunkKey,
        held: impl Fn() -> Option<Bytes>,
        fill: impl FnOnce() -> Result<Bytes, FileError>,
        keep: impl FnOnce(Bytes),
    ) -> Result<(Bytes, bool), FileError> {
        let slot = match self.filling.lock() {
            Ok(mut filling) => Arc::clone(filling.entry(key).or_default()),
            Err(_) => Arc::default(),
        };
        let guard = slot.lock();
        if let Some(bytes) = held() {
            return Ok((bytes, true));
        }
        let result = fill();
        if let Ok(bytes) = &result {
            keep(bytes.clone());
        }
        if let Ok(mut filling) = self.filling.lock() {
            filling.remove(&key);
        }
        drop(guard);
        result.map(|bytes| (bytes, false))
    }

    /// Chunk `index` of the version `ident` if it is held right now (counted as a hit); `None`, with
    /// nothing counted, when it is not (the caller then fills it through [`Cache::chunk_and_outcome`]).
    pub fn held(&self, ident: &Identity, index: u64) -> Option<Bytes> {
        let bytes = self.held_chunk(&(*ident, index))?;
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(bytes)
    }

    /// Keep a chunk filled elsewhere (the origin's async single flight), counted as a miss.
    pub fn keep_chunk(&self, ident: Identity, index: u64, bytes: Bytes) {
        self.misses.fetch_add(1, Ordering::Relaxed);
        self.insert_chunk((ident, index), bytes);
    }

    /// The largest entry held (an eighth of the budget).
    pub fn max_entry(&self) -> u64 {
        self.max_entry
    }

    fn held_chunk(&self, key: &ChunkKey) -> Option<Bytes> {
        let map = self.map.read().ok()?;
        let entry = map.chunks.get(key)?;
        entry.last_used.store(self.clock.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
        Some(entry.bytes.clone())
    }

    fn insert_chunk(&self, key: ChunkKey, bytes: Bytes) {
        let len = bytes.len() as u64;
        if !self.admits(len) {
            return;
        }
        let entry = ChunkEntry { bytes, last_used: AtomicU64::new(self.clock.fetch_add(1, Ordering::Relaxed)) };
        let Ok(mut map) = self.map.write() else { return };
        if let Some(old) = map.chunks.insert(key, entry) {
            self.size.fetch_sub(old.bytes.len() as u64, Ordering::Relaxed);
        }
        self.grew(&mut map, len);
    }

    /// Account `len` new bytes; over budget, evict the least recently used entries (never the newest,
    /// which was just used) down to 90% of it.
    fn grew(&self, map: &mut Maps, len: u64) {
        let mut size = self.size.fetch_add(len, Ordering::Relaxed) + len;
        if size <= self.capacity {
            return;
        }
        let target = self.capacity / 10 * 9;
        let mut by_age: Vec<(u64, Victim)> = map
            .files
            .iter()
            .map(|(k, e)| (e.last_used.load(Ordering::Relaxed), Victim::File(k.clone())))
            .chain(map.chunks.iter().map(|(k, e)| (e.last_used.load(Ordering::Relaxed), Victim::Chunk(*k))))
            .collect();
        by_age.sort_unstable_by_key(|(t, _)| *t);
        by_age.pop();
        for (_, victim) in by_age {
            if size <= target {
                break;
            }
            let freed = match victim {
                Victim::File(key) => map.files.remove(&key).map(|e| e.bytes.len()),
                Victim::Chunk(key) => map.chunks.remove(&key).map(|e| e.bytes.len()),
            };
            if let Some(n) = freed {
                size -= n as u64;
                self.size.fetch_sub(n as u64, Ordering::Relaxed);
            }
        }
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            enabled: self.enabled,
            items: self.map.read().map(|m| (m.files.len() + m.chunks.len()) as u64).unwrap_or(0),
            size: self.size.load(Ordering::Relaxed),
            capacity: self.capacity,
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(ino: u64, len: u64) -> FileMeta {
        FileMeta::new(Identity { dev: 1, ino, len, mtime: 1_700_000_000, mtime_nsec: 0 })
    }

    #[test]
    fn a_changed_identity_is_a_miss_never_a_stale_hit() {
        let cache = Cache::new(true, 1000);
        let p = Path::new("/a/playlist.m3u8");
        cache.insert(p, meta(1, 3), Bytes::from_static(b"one"));
        assert!(cache.get(p, &meta(1, 3).ident).is_some());
        assert!(cache.get(p, &meta(2, 3).ident).is_none(), "renamed over: new inode");
        let mut touched = meta(1, 3).ident;
        touched.mtime_nsec = 5;
        assert!(cache.get(p, &touched).is_none(), "rewritten in place: new mtime");
        let s = cache.stats();
        assert_eq!((s.hits, s.misses, s.items, s.size), (1, 2, 1, 3));
    }

    #[test]
    fn budget_is_kept_by_evicting_the_least_recently_used() {
        let cache = Cache::new(true, 800);
        for i in 0..8u64 {
            cache.insert(&PathBuf::from(format!("/f{i}")), meta(i, 100), Bytes::from(vec![0u8; 100]));
        }
        assert!(cache.get(Path::new("/f0"), &meta(0, 100).ident).is_some());
        cache.insert(Path::new("/f8"), meta(8, 100), Bytes::from(vec![0u8; 100]));
        let s = cache.stats();
        assert!(s.size <= 800, "{s:?}");
        assert!(cache.get(Path::new("/f0"), &meta(0, 100).ident).is_some(), "recently used entry kept");
        assert!(cache.get(Path::new("/f1"), &meta(1, 100).ident).is_none(), "oldest entry evicted");
    }

    #[test]
    fn files_over_an_eighth_of_the_budget_are_not_held() {
        let cache = Cache::new(true, 800);
        cache.insert(Path::new("/big"), meta(1, 101), Bytes::from(vec![0u8; 101]));
        assert_eq!(cache.stats().items, 0);
    }

    #[test]
    fn disabled_cache_holds_nothing() {
        let cache = Cache::new(false, 1 << 30);
        cache.insert(Path::new("/p"), meta(1, 3), Bytes::from_static(b"one"));
        assert_eq!(cache.stats().items, 0);
        assert!(!cache.stats().enabled);
    }

    #[test]
    fn a_chunk_is_filled_once_then_served_from_memory() {
        let cache = Cache::new(true, 1 << 20);
        let ident = meta(1, 300).ident;
        let first = cache.chunk(&ident, 0, || Ok(Bytes::from(vec![1u8; 100]))).unwrap();
        let second = cache.chunk(&ident, 0, || panic!("a held chunk is never read again")).unwrap();
        assert_eq!(first.as_ptr(), second.as_ptr(), "the same bytes, not a copy");
        let s = cache.stats();
        assert_eq!((s.hits, s.misses, s.items, s.size), (1, 1, 1, 100));
    }

    #[test]
    fn a_chunk_of_another_version_is_a_miss() {
        let cache = Cache::new(true, 1 << 20);
        cache.chunk(&meta(1, 300).ident, 0, || Ok(Bytes::from_static(b"old"))).unwrap();
        let mut rewritten = meta(1, 300).ident;
        rewritten.mtime += 1;
        let got = cache.chunk(&rewritten, 0, || Ok(Bytes::from_static(b"new"))).unwrap();
        assert_eq!(got, Bytes::from_static(b"new"));
    }

    #[test]
    fn a_failed_fill_keeps_nothing() {
        let cache = Cache::new(true, 1 << 20);
        let ident = meta(1, 300).ident;
        assert!(cache.chunk(&ident, 0, || Err(FileError::Changed)).is_err());
        assert_eq!(cache.stats().items, 0);
        assert!(cache.chunk(&ident, 0, || Ok(Bytes::from_static(b"ok"))).is_ok());
    }

    /// The fill a herd of requests would each do without a single flight: 100 bytes, slowly.
    type Fill<'a> = &'a dyn Fn() -> Result<Bytes, FileError>;

    /// Sixteen threads ask `cache` for the same bytes at once through `get`; each must get 100 bytes.
    /// Returns how many times the fill ran.
    fn herd(cache: &Arc<Cache>, get: fn(&Cache, Fill<'_>) -> Result<Bytes, FileError>) -> u64 {
        let reads = Arc::new(AtomicU64::new(0));
        let start = Arc::new(std::sync::Barrier::new(16));
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let (cache, reads, start) = (Arc::clone(cache), Arc::clone(&reads), Arc::clone(&start));
                std::thread::spawn(move || {
                    start.wait();
                    let fill = || {
                        reads.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(50));
                        Ok(Bytes::from(vec![9u8; 100]))
                    };
                    get(&cache, &fill).unwrap()
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap().len(), 100);
        }
        reads.load(Ordering::SeqCst)
    }

    #[test]
    fn concurrent_misses_of_one_chunk_read_it_once() {
        let cache = Arc::new(Cache::new(true, 1 << 20));
        let reads = herd(&cache, |c, fill| c.chunk(&meta(1, 300).ident, 3, fill));
        assert_eq!(reads, 1, "one read for sixteen requests");
        let s = cache.stats();
        assert_eq!((s.hits, s.misses), (15, 1));
    }

    #[test]
    fn concurrent_misses_of_one_file_read_it_once() {
        let cache = Arc::new(Cache::new(true, 1 << 20));
        let path = Path::new("/abc/hls/360p/seg_00001.ts");
        let reads = herd(&cache, |c, fill| c.fill_file(Path::new("/abc/hls/360p/seg_00001.ts"), &meta(7, 100), fill));
        assert_eq!(reads, 1, "one read for sixteen requests");
        assert!(cache.get(path, &meta(7, 100).ident).is_some());
        // Another version of the same path is read again, and a failed read keeps nothing.
        assert!(cache.fill_file(path, &meta(8, 100), || Err(FileError::Changed)).is_err());
        assert!(cache.get(path, &meta(8, 100).ident).is_none());
    }

    #[test]
    fn chunks_and_files_share_one_budget() {
        let cache = Cache::new(true, 800);
        cache.insert(Path::new("/seg"), meta(1, 100), Bytes::from(vec![0u8; 100]));
        let ident = meta(2, 10_000).ident;
        for i in 0..20 {
            cache.chunk(&ident, i, || Ok(Bytes::from(vec![0u8; 100]))).unwrap();
            assert!(cache.stats().size <= 800, "{:?}", cache.stats());
        }
        assert!(cache.get(Path::new("/seg"), &meta(1, 100).ident).is_none(), "the oldest entry, a file, went first");
        assert!(cache.chunk(&ident, 19, || panic!("the newest chunk is held")).is_ok());
    }
}
