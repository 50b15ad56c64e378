//! [`Shared`]: what every connection of one running server reads, built once from the [`Config`] at
//! start-up: the confined assets root, the memory cache, the chunk pool and its budget, the counters,
//! the CORS policy and the pre-rendered header values.

use std::sync::Arc;

use anyhow::Context as _;
use http::HeaderValue;

use super::blocking::{self, Blocking};
use super::cache::Cache;
use super::chunks::ChunkPool;
use super::config::Config;
use super::cors::Cors;
use super::files::Resolver;
use super::mime;
use super::stats::Stats;
use crate::layout::Layout;

/// State shared by all connections.
pub struct Shared {
    pub config: Config,
    pub layout: Layout,
    pub resolver: Resolver,
    pub cache: Arc<Cache>,
    pub pool: Arc<ChunkPool>,
    pub stats: Arc<Stats>,
    /// Where opens and reads run (never on the async workers).
    pub blocking: Blocking,
    pub cors: Cors,
    pub boundary: String,
    cc_media: HeaderValue,
    cc_playlist: HeaderValue,
}

impl Shared {
    pub fn new(config: Config) -> anyhow::Result<Shared> {
        let resolver = Resolver::new(&config.root)
            .with_context(|| format!("assets root {} is not a readable directory", config.root.display()))?;
        let header = |name: &str, v: &str| {
            HeaderValue::from_str(v).with_context(|| format!("{name} {v:?} is not a valid header value"))
        };
        let seed =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let cache = Arc::new(Cache::new(config.cache_enabled, config.cache_size));
        let chunk_cache = cache.enabled().then(|| Arc::clone(&cache));
        Ok(Shared {
            layout: Layout::new(resolver.root()),
            pool: ChunkPool::with_cache(config.chunk_size, config.max_inflight_bytes, chunk_cache),
            cache,
            stats: Arc::new(Stats::default()),
            blocking: Blocking::new(blocking::DEFAULT_LIMIT),
            cors: Cors::new(&config.allowed_origins),
            boundary: format!("playtube-{:016x}", (seed as u64) ^ u64::from(std::process::id())),
            cc_media: header("cache_control_media", &config.cache_control_media)?,
            cc_playlist: header("cache_control_playlist", &config.cache_control_playlist)?,
            resolver,
            config,
        })
    }

    pub fn cache_control(&self, kind: mime::Kind) -> HeaderValue {
        match kind {
            mime::Kind::Playlist => self.cc_playlist.clone(),
            _ => self.cc_media.clone(),
        }
    }
}
