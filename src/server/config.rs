//! The server's settings as one plain, already-validated [`Config`] (the edge, `config::serve`, layers
//! flags, environment and playtube.toml into it) with the built-in defaults of `playtube serve`. No
//! lookups here: the server never reads the environment or files to configure itself.

use std::path::PathBuf;
use std::time::Duration;

use std::sync::Arc;

use super::access;
use super::auth;
use super::origin;
use super::player;
use super::transport::tls::Certificates;
use super::transport::{SENDFILE_MIN_CONNECTIONS, SENDFILE_MIN_CONNECTIONS_SAME_HOST};

/// Everything the server needs, resolved and validated (see `config::serve` for the layering).
#[derive(Debug, Clone)]
pub struct Config {
    /// The assets root (`<root>/<id>/stream.mp4`, ...); unused when `origin` is set.
    pub root: PathBuf,
    /// Read the assets from object storage instead (`--root s3://bucket/prefix`).
    pub origin: Option<origin::OriginConfig>,
    /// Hold playlists, segments and posters in memory (`VIDEO_CACHE_ENABLED`).
    pub cache_enabled: bool,
    /// Byte budget of the memory cache (`VIDEO_CACHE_SIZE`).
    pub cache_size: u64,
    /// Bytes per chunk of a large file (`VIDEO_CHUNK_SIZE`): the unit held in the memory cache, and
    /// read from disk per step when the cache is off.
    pub chunk_size: usize,
    /// Upper bound of chunk bytes read but not yet written to sockets, over all connections.
    pub max_inflight_bytes: usize,
    /// CORS origins (`ALLOWED_ORIGINS`); `*` allows any; empty sends no CORS headers.
    pub allowed_origins: Vec<String>,
    /// The watch page (`/watch/{id}`): on or off, and where its media come from.
    pub player: player::PlayerSettings,
    /// Cache-Control of segments, renditions, stream.mp4 and posters.
    pub cache_control_media: String,
    /// Cache-Control of playlists.
    pub cache_control_playlist: String,
    /// Connections served at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// Largest request head (request line + headers) in bytes; larger gets 431.
    pub max_header_bytes: usize,
    /// Most headers in one request; more gets 431.
    pub max_headers: usize,
    /// Time a client has to send a complete request head (also bounds idle keep-alive).
    pub header_read_timeout: Duration,
    /// A connection that moves no byte either way for this long is closed.
    pub idle_timeout: Duration,
    /// On shutdown, time given to responses in flight before connections are cut.
    pub shutdown_grace: Duration,
    /// Write one access-log line per request (to standard error, in batches; see `access.rs`).
    pub access_log: bool,
    /// The access log's line format.
    pub access_log_format: access::Format,
    /// Where access-log lines go instead of standard error (embedding, tests); `None`: stderr.
    pub access_sink: Option<std::sync::Arc<access::Sink>>,
    /// Which routes need a signed link, with the keys to check them (default: none, served openly).
    pub auth: auth::AuthConfig,
    /// From this many open connections on, cached chunks are sent with `sendfile` (see `transport/sealed.rs`).
    pub sendfile_min_connections: u64,
    /// The same, for a peer on this host (loopback, or this host's own address): below it, a copy
    /// measured cheaper for the machine as a whole (see `transport::same_host`).
    pub sendfile_min_connections_same_host: u64,
    /// Serve HTTPS (HTTP/2 and HTTP/1.1 by ALPN) with this certificate store; `None` serves plain
    /// HTTP/1.1. The edge loads it (and reloads it on SIGHUP); the handshakes read it.
    pub tls: Option<Arc<Certificates>>,
}

pub use crate::mime::{DEFAULT_CACHE_CONTROL_MEDIA, DEFAULT_CACHE_CONTROL_PLAYLIST};

impl Config {
    /// Defaults for a root (the same as `playtube serve` with no settings).
    pub fn new(root: impl Into<PathBuf>) -> Config {
        Config {
            root: root.into(),
            origin: None,
            cache_enabled: true,
            cache_size: 1 << 30,
            chunk_size: 1 << 20,
            max_inflight_bytes: 16 << 20,
            allowed_origins: Vec::new(),
            player: player::PlayerSettings::default(),
            cache_control_media: DEFAULT_CACHE_CONTROL_MEDIA.to_owned(),
            cache_control_playlist: DEFAULT_CACHE_CONTROL_PLAYLIST.to_owned(),
            max_connections: 10_000,
            max_header_bytes: 16 << 10,
            max_headers: 64,
            header_read_timeout: Duration::from_secs(15),
            idle_timeout: Duration::from_secs(60),
            shutdown_grace: Duration::from_secs(10),
            access_log: true,
            access_log_format: access::Format::Human,
            access_sink: None,
            auth: auth::AuthConfig::default(),
            sendfile_min_connections: SENDFILE_MIN_CONNECTIONS,
            sendfile_min_connections_same_host: SENDFILE_MIN_CONNECTIONS_SAME_HOST,
            tls: None,
        }
    }
}
