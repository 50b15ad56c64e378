//! [`Shared`]: what every connection of one running server reads, built once from the [`Config`] at
//! start-up: the confined assets root or the object-store origin, the memory cache, the chunk pool
//! and its budget, the counters, the CORS policy and the pre-rendered header values.

use std::sync::Arc;

use anyhow::Context as _;
use http::HeaderValue;

use super::access::Sink;
use super::blocking::{self, Blocking};
use super::cache::Cache;
use super::chunks::ChunkPool;
use super::config::Config;
use super::cors::Cors;
use super::files::{self, Found, Resolver};
use super::identity::FileError;
use super::mime;
use super::origin::Origin;
use super::stats::Stats;
use crate::layout::Layout;

/// Where the assets are read from.
#[derive(Debug)]
pub enum Assets {
    /// A local folder, with the paths proven to stay inside it.
    Disk(Resolver),
    /// Object storage (`s3://bucket/prefix`); `layout` is then rooted at "" (`<id>/<file>`).
    Store(Arc<Origin>),
}

/// State shared by all connections.
pub struct Shared {
    pub config: Config,
    pub layout: Layout,
    pub assets: Assets,
    pub cache: Arc<Cache>,
    pub pool: Arc<ChunkPool>,
    pub stats: Arc<Stats>,
    /// The access log's writer, when the log is on.
    pub access: Option<Arc<Sink>>,
    /// Where opens and reads run (never on the async workers).
    pub blocking: Blocking,
    pub cors: Cors,
    pub boundary: String,
    cc_media: HeaderValue,
    cc_playlist: HeaderValue,
}

impl Shared {
    pub fn new(config: Config) -> anyhow::Result<Shared> {
        let header = |name: &str, v: &str| {
            HeaderValue::from_str(v).with_context(|| format!("{name} {v:?} is not a valid header value"))
        };
        let seed =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let cache = Arc::new(Cache::new(config.cache_enabled, config.cache_size));
        let chunk_cache = cache.enabled().then(|| Arc::clone(&cache));
        let (assets, layout) = match &config.origin {
            Some(origin) => {
                let origin = Origin::new(origin.clone(), Arc::clone(&cache), config.chunk_size);
                (Assets::Store(Arc::new(origin)), Layout::new(""))
            }
            None => {
                let resolver = Resolver::new(&config.root)
                    .with_context(|| format!("assets root {} is not a readable directory", config.root.display()))?;
                let layout = Layout::new(resolver.root());
                (Assets::Disk(resolver), layout)
            }
        };
        Ok(Shared {
            layout,
            assets,
            pool: ChunkPool::with_cache(config.chunk_size, config.max_inflight_bytes, chunk_cache),
            cache,
            stats: Arc::new(Stats::default()),
            blocking: Blocking::new(blocking::DEFAULT_LIMIT),
            access: config
                .access_log
                .then(|| config.access_sink.clone().unwrap_or_else(|| Sink::stderr(config.access_log_format))),
            cors: Cors::new(&config.allowed_origins),
            boundary: format!("playtube-{:016x}", (seed as u64) ^ u64::from(std::process::id())),
            cc_media: header("cache_control_media", &config.cache_control_media)?,
            cc_playlist: header("cache_control_playlist", &config.cache_control_playlist)?,
            config,
        })
    }

    /// Open (and read, if it is small) a file of the local root: `files::load` on the blocking pool's
    /// side. An object-store root has no local files.
    pub fn load_from_disk(&self, path: &std::path::Path, kind: mime::Kind) -> Result<Found, FileError> {
        match &self.assets {
            Assets::Disk(resolver) => files::load(resolver, &self.cache, path, kind),
            Assets::Store(_) => Err(FileError::NotFound),
        }
    }

    pub fn cache_control(&self, kind: mime::Kind) -> HeaderValue {
        match kind {
            mime::Kind::Playlist => self.cc_playlist.clone(),
            _ => self.cc_media.clone(),
        }
    }
}
