//! The origin: `serve --root s3://bucket/prefix` reads assets from object storage instead of a local
//! folder, with the same routes and semantics. It owns the storage side of a request and nothing of
//! HTTP: it resolves which published version of an asset is current (the pointer object written last
//! by `playtube publish`, see `storage`), finds an object's validators, and fetches bytes — whole small
//! objects (playlists, segments, posters) in one GET, large ones (MP4s) in `VIDEO_CHUNK_SIZE` ranged
//! GETs — through the server's memory cache; with the cache off, a large object's ranges are ranged
//! GETs whose bytes hold a share of the server's in-flight chunk budget (`body.rs` charges them like
//! local chunk reads). It does not decide Range or preconditions (`handler`). For the watch page it
//! says which files a version has, listing its caption folders once per version.
//!
//! Versions: an asset's pointer is resolved once per request and every object of that request comes
//! from that version. Playlists are served pinned to it (`pin.rs`: `?v=<version>` on relative URIs), so
//! a player that loaded a playlist keeps getting that build's segments after a republish; a `v` names
//! only the current version or one the pointer lists as retired (never an upload in progress).
//!
//! Caching: objects under a version prefix are immutable; an object's identity for the memory cache is
//! (its key, its ETag), so a replaced object is never served stale, and chunk reads send `If-Match`
//! with the ETag the response started with. What is cached is kept in sealed memfds, as a local root's
//! cached files are, so warm bytes go to sockets with `sendfile` under high concurrency. Pointers are trusted for `pointer_ttl`, object metadata
//! for `meta_ttl`, both in bounded maps; concurrent misses of one pointer, object or chunk share one
//! storage request (`flight.rs`).
//!
//! Failures: every storage call is bounded by `timeout` (object_store's own retries included) and
//! becomes an [`OriginError`] the handler maps to 502/503/504 with a reason code; nothing hangs and no
//! wrong byte is sent (a body that cannot be completed is cut, never padded). While storage is down a
//! pointer that cannot be refreshed keeps its last value, so what the memory cache holds is still
//! served.

pub mod flight;
pub mod pin;
pub mod stats;

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::StatusCode;
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, ObjectMeta, ObjectStoreExt};
use sha2::{Digest, Sha256};
use tokio::sync::OwnedSemaphorePermit;

use super::cache::{Cache, CacheOutcome};
use super::files::{self, Found, FoundSource};
use super::identity::{FileError, FileMeta, Identity};
use super::mime::Kind;
use super::player::AssetFiles;
use crate::layout::{self, AssetId, Quality, VersionId};
use crate::storage::{self, Store};

pub use pin::VERSION_PARAM;
pub use stats::OriginStats;

/// The `dev` of an object's [`Identity`] (no local device has it), so objects and local files never
/// share cache keys.
pub const ORIGIN_DEV: u64 = u64::MAX;

/// Playlists larger than this are refused (they are text of a few KiB).
const MAX_PLAYLIST_BYTES: u64 = 8 << 20;

/// Settings of the origin, resolved by the edge.
#[derive(Debug, Clone)]
pub struct OriginConfig {
    pub store: Store,
    /// How long a resolved pointer (the current version of an asset) is used before it is read again:
    /// the delay before a republished asset is served.
    pub pointer_ttl: Duration,
    /// How long an object's size and validators are trusted (objects under a version never change).
    pub meta_ttl: Duration,
    /// Bound on one storage call, retries included.
    pub timeout: Duration,
    /// Most pointers, and most objects' metadata, held at once.
    pub max_entries: usize,
}

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_POINTER_TTL: Duration = Duration::from_secs(2);

impl OriginConfig {
    pub fn new(store: Store) -> OriginConfig {
        OriginConfig {
            store,
            pointer_ttl: DEFAULT_POINTER_TTL,
            meta_ttl: Duration::from_secs(300),
            timeout: DEFAULT_TIMEOUT,
            max_entries: 10_000,
        }
    }
}

/// Why object storage could not answer. The handler maps these to status codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OriginError {
    #[error("object storage did not answer within {0:?}")]
    Timeout(Duration),
    #[error("object storage unreachable: {0}")]
    Unreachable(String),
    #[error("object storage failed: {0}")]
    Failed(String),
}

impl OriginError {
    pub fn status(&self) -> StatusCode {
        match self {
            OriginError::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
            OriginError::Unreachable(_) => StatusCode::SERVICE_UNAVAILABLE,
            OriginError::Failed(_) => StatusCode::BAD_GATEWAY,
        }
    }

    /// The code written to the access log and the response body.
    pub fn reason(&self) -> &'static str {
        match self {
            OriginError::Timeout(_) => "origin_timeout",
            OriginError::Unreachable(_) => "origin_unreachable",
            OriginError::Failed(_) => "origin_error",
        }
    }

    fn classify(err: &(dyn std::error::Error + 'static)) -> OriginError {
        let mut text = err.to_string();
        let mut source = err.source();
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        let lower = text.to_ascii_lowercase();
        if ["connect", "connection refused", "dns error", "connection reset", "broken pipe"]
            .iter()
            .any(|w| lower.contains(w))
        {
            OriginError::Unreachable(text)
        } else {
            OriginError::Failed(text)
        }
    }
}

/// Put on a response that failed because of storage: its reason code goes to the access log.
#[derive(Debug, Clone, Copy)]
pub struct OriginFailure(pub &'static str);

/// The outcome of one lookup step, cheap to clone so single-flight waiters can share it.
#[derive(Debug, Clone)]
enum Miss {
    NotFound,
    Changed,
    TooLarge,
    Origin(OriginError),
}

impl Miss {
    fn of_store(err: object_store::Error) -> Miss {
        match err {
            object_store::Error::NotFound { .. } => Miss::NotFound,
            object_store::Error::Precondition { .. } | object_store::Error::NotModified { .. } => Miss::Changed,
            e => Miss::Origin(OriginError::classify(&e)),
        }
    }

    fn of_storage(err: storage::Error) -> Miss {
        match err {
            storage::Error::NotFound { .. } => Miss::NotFound,
            storage::Error::Conflict { .. } => Miss::Changed,
            storage::Error::Store { source, .. } => Miss::of_store(source),
            e => Miss::Origin(OriginError::Failed(e.to_string())),
        }
    }
}

impl From<Miss> for FileError {
    fn from(m: Miss) -> FileError {
        match m {
            Miss::NotFound => FileError::NotFound,
            Miss::Changed | Miss::TooLarge => FileError::Changed,
            Miss::Origin(e) => FileError::Origin(e),
        }
    }
}

/// A published asset's current version and the versions a pinned playlist may still name.
#[derive(Debug)]
struct Current {
    version: VersionId,
    retired: Vec<VersionId>,
    /// The version's caption folders, listed on the first page view and kept for as long as the
    /// pointer names this version (a refresh that finds the same version carries them over).
    captions: Arc<tokio::sync::OnceCell<Vec<Quality>>>,
}

/// An object's validators as the server renders them, plus its storage ETag for `If-Match`.
#[derive(Debug, Clone)]
struct Object {
    meta: FileMeta,
    e_tag: Option<String>,
}

impl Object {
    fn of(key: &str, m: &ObjectMeta) -> Object {
        let mut h = Sha256::new();
        h.update(key.as_bytes());
        h.update([0]);
        h.update(m.e_tag.as_deref().unwrap_or("").as_bytes());
        let digest = h.finalize();
        let ino = u64::from_be_bytes(digest[..8].try_into().expect("sha256 has 32 bytes"));
        let ident = Identity { dev: ORIGIN_DEV, ino, len: m.size, mtime: m.last_modified.timestamp(), mtime_nsec: 0 };
        Object { meta: FileMeta::new(ident), e_tag: m.e_tag.clone() }
    }
}

/// A map whose entries expire, bounded in count (full of live entries, it starts over).
#[derive(Debug)]
struct TtlMap<K, V> {
    map: Mutex<HashMap<K, (Instant, V)>>,
    max: usize,
}

impl<K: Eq + Hash + Clone, V: Clone> TtlMap<K, V> {
    fn new(max: usize) -> Self {
        TtlMap { map: Mutex::new(HashMap::new()), max: max.max(1) }
    }

    fn get(&self, key: &K, ttl: Duration) -> Option<V> {
        let map = self.map.lock().ok()?;
        map.get(key).filter(|(at, _)| at.elapsed() < ttl).map(|(_, v)| v.clone())
    }

    /// The entry whatever its age (for serving through a storage outage).
    fn get_stale(&self, key: &K) -> Option<V> {
        self.map.lock().ok()?.get(key).map(|(_, v)| v.clone())
    }

    fn insert(&self, key: K, value: V, ttl: Duration) {
        let Ok(mut map) = self.map.lock() else { return };
        if map.len() >= self.max {
            map.retain(|_, (at, _)| at.elapsed() < ttl);
            if map.len() >= self.max {
                map.clear();
            }
        }
        map.insert(key, (Instant::now(), value));
    }
}

type Shared<T> = Result<T, Miss>;

/// The origin of one server: the store, its caches and counters.
pub struct Origin {
    store: Store,
    config: OriginConfig,
    cache: Arc<Cache>,
    chunk_size: u64,
    pointers: TtlMap<AssetId, Option<Arc<Current>>>,
    heads: TtlMap<String, Option<Object>>,
    pointer_flights: flight::Flights<AssetId, Shared<Option<Arc<Current>>>>,
    head_flights: flight::Flights<String, Shared<Option<Object>>>,
    whole_flights: flight::Flights<String, Shared<(Object, Bytes)>>,
    chunk_flights: flight::Flights<(Identity, u64), Shared<Bytes>>,
    health: Mutex<Option<(Instant, Result<(), OriginError>)>>,
    health_flight: flight::Flights<(), Result<(), OriginError>>,
    pub stats: OriginStats,
}

impl std::fmt::Debug for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Origin").field("store", &self.store.url().to_string()).finish_non_exhaustive()
    }
}

type ChunkFuture = Pin<Box<dyn Future<Output = Result<(Bytes, bool), FileError>> + Send>>;
type RangeFuture = Pin<Box<dyn Future<Output = Result<Bytes, FileError>> + Send>>;

/// A large object being streamed: what a response body needs to fetch its chunks.
#[derive(Debug)]
pub struct RemoteFile {
    origin: Arc<Origin>,
    key: String,
    object: Object,
}

impl RemoteFile {
    pub fn ident(&self) -> Identity {
        self.object.meta.ident
    }

    /// The bytes of `offset..offset+len`, cut at the end of the chunk that holds `offset`, with whether
    /// that chunk was already held.
    pub fn read(self: &Arc<Self>, offset: u64, len: u64) -> ChunkFuture {
        let this = Arc::clone(self);
        Box::pin(async move { this.origin.chunk(&this, offset, len).await })
    }

    /// The bytes of `offset..offset+len` cut at the end of their chunk when that chunk is in the memory
    /// cache right now (no request; counted as a hit).
    pub fn held(&self, offset: u64, len: u64) -> Option<Bytes> {
        let chunk = self.origin.chunk_size;
        let index = offset / chunk;
        let bytes = self.origin.cache.held(&self.object.meta.ident, index)?;
        slice_chunk(&bytes, offset - index * chunk, len)
    }

    /// Exactly `offset..offset+len` in one ranged GET (with `If-Match`), not cached: the bytes hold
    /// `permit` (a share of the server's in-flight chunk budget) until they are written and dropped.
    pub fn read_charged(self: &Arc<Self>, offset: u64, len: u64, permit: OwnedSemaphorePermit) -> RangeFuture {
        let this = Arc::clone(self);
        Box::pin(async move {
            let bytes = this.origin.range(&this, offset, len).await?;
            Ok(Bytes::from_owner(Charged { bytes, _permit: permit }))
        })
    }
}

/// Bytes fetched from storage, holding their share of the in-flight budget until dropped.
struct Charged {
    bytes: Bytes,
    _permit: OwnedSemaphorePermit,
}

impl AsRef<[u8]> for Charged {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

/// `len` bytes from `from` in a chunk, cut at the chunk's end; `None` when nothing of it is there.
fn slice_chunk(chunk: &Bytes, from: u64, len: u64) -> Option<Bytes> {
    let from = from as usize;
    let to = (from as u64 + len).min(chunk.len() as u64) as usize;
    (from < to).then(|| chunk.slice(from..to))
}

impl Origin {
    pub fn new(config: OriginConfig, cache: Arc<Cache>, chunk_size: usize) -> Origin {
        Origin {
            store: config.store.clone(),
            cache,
            chunk_size: chunk_size.max(1) as u64,
            pointers: TtlMap::new(config.max_entries),
            heads: TtlMap::new(config.max_entries),
            pointer_flights: flight::Flights::default(),
            head_flights: flight::Flights::default(),
            whole_flights: flight::Flights::default(),
            chunk_flights: flight::Flights::default(),
            health: Mutex::new(None),
            health_flight: flight::Flights::default(),
            stats: OriginStats::default(),
            config,
        }
    }

    /// `s3://bucket/prefix`, for logs.
    pub fn url(&self) -> String {
        self.store.url().to_string()
    }

    /// One storage call, bounded in time and counted.
    async fn call<T>(&self, fut: impl Future<Output = Result<T, Miss>>, size: impl Fn(&T) -> u64) -> Result<T, Miss> {
        let started = Instant::now();
        let out = match tokio::time::timeout(self.config.timeout, fut).await {
            Ok(out) => out,
            Err(_) => Err(Miss::Origin(OriginError::Timeout(self.config.timeout))),
        };
        let bytes = out.as_ref().map(&size).unwrap_or(0);
        let failed = match &out {
            Err(Miss::Origin(e)) => Err(e),
            _ => Ok(()),
        };
        self.stats.record(started.elapsed(), bytes, failed);
        out
    }

    /// The asset's current version (pointer cached for `pointer_ttl`).
    async fn current(&self, id: &AssetId) -> Result<Option<Arc<Current>>, Miss> {
        if let Some(found) = self.pointers.get(id, self.config.pointer_ttl) {
            self.stats.pointer_hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Ok(found);
        }
        let fetch = || async {
            let got = match self.call(async { self.store.pointer(id).await.map_err(Miss::of_storage) }, |_| 0).await {
                Ok(got) => got,
                // Storage down: keep serving the version we knew (its bytes may well be in memory).
                Err(Miss::Origin(e)) => return self.pointers.get_stale(id).ok_or(Miss::Origin(e)),
                Err(e) => return Err(e),
            };
            let known = self.pointers.get_stale(id).flatten();
            let current = got.and_then(|(p, _)| {
                let retired = p.retired.iter().filter_map(|r| VersionId::parse(&r.version)).collect();
                let version = p.version_id()?;
                let captions = match &known {
                    Some(k) if k.version == version => Arc::clone(&k.captions),
                    _ => Arc::default(),
                };
                Some(Arc::new(Current { version, retired, captions }))
            });
            self.pointers.insert(id.clone(), current.clone(), self.config.pointer_ttl);
            Ok(current)
        };
        self.pointer_flights.run(id, fetch).await.0
    }

    /// The version a request reads: the pinned `wanted` one if the pointer still lists it, else the
    /// current one. An unknown `wanted` version is a 404, never another build's bytes.
    async fn version(&self, id: &AssetId, wanted: Option<&str>) -> Result<VersionId, Miss> {
        let current = self.current(id).await?.ok_or(Miss::NotFound)?;
        match wanted {
            None => Ok(current.version.clone()),
            Some(w) => {
                let w = VersionId::parse(w).ok_or(Miss::NotFound)?;
                if w == current.version || current.retired.contains(&w) {
                    Ok(w)
                } else {
                    Err(Miss::NotFound)
                }
            }
        }
    }

    /// An object's metadata (cached for `meta_ttl`); `None` when it does not exist.
    async fn head(&self, key: &str) -> Result<Option<Object>, Miss> {
        let key = key.to_owned();
        if let Some(found) = self.heads.get(&key, self.config.meta_ttl) {
            self.stats.meta_hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Ok(found);
        }
        let fetch = || async {
            let path = ObjectPath::from(key.as_str());
            let got = self
                .call(
                    async {
                        match self.store.inner().head(&path).await {
                            Ok(m) => Ok(Some(Object::of(&key, &m))),
                            Err(object_store::Error::NotFound { .. }) => Ok(None),
                            Err(e) => Err(Miss::of_store(e)),
                        }
                    },
                    |_| 0,
                )
                .await?;
            self.heads.insert(key.clone(), got.clone(), self.config.meta_ttl);
            Ok(got)
        };
        self.head_flights.run(&key, fetch).await.0
    }

    /// A whole object of at most `limit` bytes in one GET (its metadata is remembered too); with `seal`,
    /// its bytes in a sealed memfd (`files::sealed_or_plain`), so that once cached they go to sockets
    /// with `sendfile` like a local root's cached files.
    async fn get_whole(&self, key: &str, limit: u64, seal: bool) -> Result<(Object, Bytes), Miss> {
        let key = key.to_owned();
        let fetch = || async {
            let path = ObjectPath::from(key.as_str());
            let got = self
                .call(
                    async {
                        let result = self.store.inner().get_opts(&path, GetOptions::default()).await;
                        let result = result.map_err(Miss::of_store)?;
                        if result.meta.size > limit {
                            return Err(Miss::TooLarge);
                        }
                        let object = Object::of(&key, &result.meta);
                        let bytes = result.bytes().await.map_err(Miss::of_store)?;
                        if bytes.len() as u64 != object.meta.len() {
                            return Err(Miss::Changed);
                        }
                        Ok((object, if seal { files::sealed_or_plain(bytes) } else { bytes }))
                    },
                    |(_, b)| b.len() as u64,
                )
                .await;
            match &got {
                Ok((object, _)) => self.heads.insert(key.clone(), Some(object.clone()), self.config.meta_ttl),
                Err(Miss::NotFound) => self.heads.insert(key.clone(), None, self.config.meta_ttl),
                Err(_) => {}
            }
            got
        };
        self.whole_flights.run(&key, fetch).await.0
    }

    /// Find `rel` (a path inside the asset folder, e.g. `hls/360p/seg_00001.ts`) of the asset's
    /// `wanted` or current version. Playlists come back whole and pinned to the version.
    pub async fn lookup(
        self: &Arc<Self>,
        id: &AssetId,
        rel: &Path,
        kind: Kind,
        wanted: Option<&str>,
    ) -> Result<Found, FileError> {
        let version = self.version(id, wanted).await?;
        let key = self.store.objects().object(id, &version, rel);
        let use_cache = kind.cacheable() && self.cache.enabled();
        let cache_key = Path::new(&key);
        if kind == Kind::Playlist || use_cache {
            if use_cache {
                match self.heads.get(&key, self.config.meta_ttl) {
                    Some(Some(object)) => {
                        if let Some(entry) = self.cache.get(cache_key, &object.meta.ident) {
                            let source = FoundSource::Memory(entry.bytes.clone());
                            return Ok(Found { meta: entry.meta.clone(), source, cache: CacheOutcome::Hit });
                        }
                    }
                    Some(None) => return Err(FileError::NotFound),
                    None => self.cache.note_miss(),
                }
            }
            let limit = if kind == Kind::Playlist { MAX_PLAYLIST_BYTES } else { self.cache.max_entry() };
            match self.get_whole(&key, limit, use_cache && kind != Kind::Playlist).await {
                Ok((object, bytes)) => {
                    let bytes = if kind == Kind::Playlist {
                        Bytes::from(pin::pin(&String::from_utf8_lossy(&bytes), &version))
                    } else {
                        bytes
                    };
                    if use_cache {
                        self.cache.insert(cache_key, object.meta.clone(), bytes.clone());
                    }
                    let outcome = if use_cache { CacheOutcome::Miss } else { CacheOutcome::Bypass };
                    return Ok(Found { meta: object.meta, source: FoundSource::Memory(bytes), cache: outcome });
                }
                Err(Miss::TooLarge) if kind != Kind::Playlist => {}
                Err(e) => return Err(e.into()),
            }
        }
        let object = self.head(&key).await?.ok_or(FileError::NotFound)?;
        let outcome = if use_cache { CacheOutcome::Miss } else { CacheOutcome::Bypass };
        let remote = Arc::new(RemoteFile { origin: Arc::clone(self), key, object: object.clone() });
        Ok(Found { meta: object.meta, source: FoundSource::Remote(remote), cache: outcome })
    }

    /// One chunk of a large object, from the memory cache or one ranged GET (with `If-Match`).
    async fn chunk(&self, file: &RemoteFile, offset: u64, len: u64) -> Result<(Bytes, bool), FileError> {
        let ident = file.object.meta.ident;
        let index = offset / self.chunk_size;
        let start = index * self.chunk_size;
        let chunk_len = ident.len.saturating_sub(start).min(self.chunk_size);
        if chunk_len == 0 {
            return Err(FileError::Changed);
        }
        let held = if self.cache.enabled() { self.cache.held(&ident, index) } else { None };
        let (bytes, hit) = match held {
            Some(bytes) => (bytes, true),
            None => {
                let fetch = || async {
                    match self.get_range(file, start..start + chunk_len).await {
                        Ok(bytes) if self.cache.enabled() => {
                            let bytes = files::sealed_or_plain(bytes);
                            self.cache.keep_chunk(ident, index, bytes.clone());
                            Ok(bytes)
                        }
                        got => got,
                    }
                };
                let (got, ran) = self.chunk_flights.run(&(ident, index), fetch).await;
                (got?, !ran)
            }
        };
        Ok((slice_chunk(&bytes, offset - start, len).ok_or(FileError::Changed)?, hit))
    }

    /// `offset..offset+len` of a large object in one ranged GET with `If-Match`, outside the cache.
    async fn range(&self, file: &RemoteFile, offset: u64, len: u64) -> Result<Bytes, FileError> {
        let end = offset.saturating_add(len).min(file.object.meta.ident.len);
        if offset >= end {
            return Err(FileError::Changed);
        }
        Ok(self.get_range(file, offset..end).await?)
    }

    /// Exactly `range` of the object in one ranged GET with the `If-Match` of the version the response
    /// started with; any other length means the object changed.
    async fn get_range(&self, file: &RemoteFile, range: std::ops::Range<u64>) -> Result<Bytes, Miss> {
        let path = ObjectPath::from(file.key.as_str());
        let want = range.end - range.start;
        let options = GetOptions {
            range: Some(GetRange::Bounded(range)),
            if_match: file.object.e_tag.clone(),
            ..GetOptions::default()
        };
        self.call(
            async {
                let result = self.store.inner().get_opts(&path, options).await;
                let bytes = result.map_err(Miss::of_store)?.bytes().await.map_err(Miss::of_store)?;
                if bytes.len() as u64 != want {
                    return Err(Miss::Changed);
                }
                Ok(bytes)
            },
            |b| b.len() as u64,
        )
        .await
    }

    /// Whether storage answers (cached for a second; one probe however many callers).
    pub async fn health(&self) -> Result<(), OriginError> {
        if let Some((at, result)) = self.health.lock().ok().and_then(|h| h.clone()) {
            if at.elapsed() < Duration::from_secs(1) {
                return result;
            }
        }
        let probe = || async {
            let prefix = self.store.objects().prefix();
            let key = if prefix.is_empty() { ".health".to_owned() } else { format!("{prefix}/.health") };
            let path = ObjectPath::from(key.as_str());
            let got = self
                .call(
                    async {
                        match self.store.inner().head(&path).await {
                            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                            Err(e) => Err(Miss::of_store(e)),
                        }
                    },
                    |_| 0,
                )
                .await;
            let result = match got {
                Ok(()) => Ok(()),
                Err(Miss::Origin(e)) => Err(e),
                Err(_) => Ok(()),
            };
            if let Ok(mut h) = self.health.lock() {
                *h = Some((Instant::now(), result.clone()));
            }
            result
        };
        self.health_flight.run(&(), probe).await.0
    }

    /// Which files of the asset's current version exist (for the watch page).
    pub async fn available(&self, id: &AssetId) -> Result<AssetFiles, FileError> {
        let Some(current) = self.current(id).await? else { return Ok(AssetFiles::default()) };
        let asset = crate::layout::AssetDir::relative();
        let key = |rel: &Path| self.store.objects().object(id, &current.version, rel);
        let (master, stream, thumb) = (key(&asset.hls_master()), key(&asset.stream()), key(&asset.thumb()));
        let board = key(&asset.storyboard_index());
        let (hls, stream, poster, storyboard, captions) = tokio::join!(
            self.head(&master),
            self.head(&stream),
            self.head(&thumb),
            self.head(&board),
            self.captions(id, &current)
        );
        Ok(AssetFiles {
            exists: true,
            hls: hls?.is_some(),
            stream: stream?.is_some(),
            poster: poster?.is_some(),
            storyboard: storyboard?.is_some(),
            captions: captions?,
        })
    }

    /// The version's `hls/subs-<lang>/` folders holding a whole-file WebVTT, sorted, at most
    /// [`MAX_CAPTION_TRACKS`](super::player::MAX_CAPTION_TRACKS): one delimiter listing of `hls/` and
    /// a HEAD per folder, once per version (a failure is not kept, the next page view tries again).
    async fn captions(&self, id: &AssetId, current: &Current) -> Result<Vec<Quality>, Miss> {
        let list = || async {
            let asset = layout::AssetDir::relative();
            let hls = ObjectPath::from(self.store.objects().object(id, &current.version, &asset.hls_dir()));
            let listed = self
                .call(async { self.store.inner().list_with_delimiter(Some(&hls)).await.map_err(Miss::of_store) }, |_| 0)
                .await?;
            let folders = storage::caption_folders(&listed, super::player::MAX_CAPTION_TRACKS);
            let keys: Vec<String> = folders
                .iter()
                .map(|q| self.store.objects().object(id, &current.version, &asset.subtitles_file(q)))
                .collect();
            let found = futures_util::future::join_all(keys.iter().map(|k| self.head(k))).await;
            let mut out = Vec::with_capacity(folders.len());
            for (folder, head) in folders.into_iter().zip(found) {
                if head?.is_some() {
                    out.push(folder);
                }
            }
            Ok::<_, Miss>(out)
        };
        current.captions.get_or_try_init(list).await.cloned()
    }
}
