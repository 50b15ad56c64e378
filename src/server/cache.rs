//! The in-memory cache of the design document: whole small files (playlists, segments, posters) held as
//! `Bytes` under a byte budget (`VIDEO_CACHE_SIZE`), with hit and miss counters for `/stats`.
//!
//! Entries are keyed by path and carry the file's [`Identity`] (device, inode, size, mtime). A lookup
//! passes the identity just read by `stat`; any difference is a miss, so a file renamed over or
//! rewritten is never served stale. Eviction drops the least recently used entries, in a batch down to
//! 90% of the budget so it runs rarely. This module does no I/O.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use bytes::Bytes;

use super::files::{FileMeta, Identity};

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

#[derive(Debug)]
pub struct Cache {
    enabled: bool,
    capacity: u64,
    max_entry: u64,
    map: RwLock<HashMap<PathBuf, Arc<Entry>>>,
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
            map: RwLock::new(HashMap::new()),
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
        let found = self.map.read().ok().and_then(|m| m.get(path).filter(|e| e.meta.ident == *ident).cloned());
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
        if let Some(old) = map.insert(path.to_owned(), entry) {
            self.size.fetch_sub(old.bytes.len() as u64, Ordering::Relaxed);
        }
        let size = self.size.fetch_add(len, Ordering::Relaxed) + len;
        if size > self.capacity {
            let target = self.capacity / 10 * 9;
            let mut by_age: Vec<(u64, PathBuf)> =
                map.iter().map(|(k, e)| (e.last_used.load(Ordering::Relaxed), k.clone())).collect();
            by_age.sort_unstable_by_key(|(t, _)| *t);
            let mut size = size;
            for (_, key) in by_age {
                if size <= target {
                    break;
                }
                if key.as_path() == path {
                    continue;
                }
                if let Some(old) = map.remove(&key) {
                    size -= old.bytes.len() as u64;
                    self.size.fetch_sub(old.bytes.len() as u64, Ordering::Relaxed);
                }
            }
        }
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            enabled: self.enabled,
            items: self.map.read().map(|m| m.len() as u64).unwrap_or(0),
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
}
