//! The `[serve]` section of playtube.toml and its layering: flags > environment (the design document's
//! `VIDEO_CACHE_SIZE`, `VIDEO_CACHE_ENABLED`, `VIDEO_CHUNK_SIZE`, `ALLOWED_ORIGINS`, plus `PLAYTUBE_*`) >
//! `[serve]` > built-in defaults. The result is a plain [`ServeSettings`] holding a ready
//! [`crate::server::Config`]; nothing downstream sees an `Option` for something that has a default.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::knob::{Knob, Size};
use super::{Env, Settings};
use crate::cli::{LogFormat, ServeArgs};
use crate::exit::UsageError;
use crate::mime::{CachePolicy, DEFAULT_CACHE_CONTROL_MEDIA, DEFAULT_CACHE_CONTROL_PLAYLIST};
use crate::server;
use crate::server::origin::{self, OriginConfig};
use crate::server::player::{MediaBase, PlayerSettings};
use crate::server::Certificates;
use crate::storage::{Location, Store};

pub const DEFAULT_ADDR: &str = "127.0.0.1:8090";

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServeSection {
    /// A folder, or `s3://bucket/prefix` (credentials and endpoint from `[storage]` / `AWS_*`).
    pub root: Option<PathBuf>,
    /// Bound on one object-storage call, retries included (`PLAYTUBE_ORIGIN_TIMEOUT`). Default 10 s.
    pub origin_timeout: Option<f64>,
    /// How long the current version of an asset is trusted before its pointer is read again
    /// (`PLAYTUBE_POINTER_TTL`): the delay before a republished asset is served. Default 2 s.
    pub pointer_ttl: Option<f64>,
    pub addr: Option<String>,
    pub workers: Option<usize>,
    pub cache_enabled: Option<bool>,
    pub cache_size: Option<Size>,
    pub chunk_size: Option<Size>,
    pub max_inflight: Option<Size>,
    pub allowed_origins: Option<Vec<String>>,
    /// Serve the watch page (`--player`/`--no-player`, `PLAYTUBE_PLAYER`). Default true.
    pub player: Option<bool>,
    /// Media origin of the watch page (`--media-base-url`, `PLAYTUBE_MEDIA_BASE_URL`). Default: this server.
    pub media_base_url: Option<String>,
    pub cache_control_media: Option<String>,
    pub cache_control_playlist: Option<String>,
    pub max_connections: Option<usize>,
    pub max_header_bytes: Option<Size>,
    pub max_headers: Option<usize>,
    pub header_read_timeout: Option<f64>,
    pub idle_timeout: Option<f64>,
    pub shutdown_grace: Option<f64>,
    pub access_log: Option<bool>,
    pub log_format: Option<String>,
    /// Signed links (keys and limits live in `[sign]`): require them on delivery routes. Default: true
    /// when a key is configured.
    pub require_signatures: Option<bool>,
    /// Require a link signed for `/health` on `/health`. Default false (load balancers need it open).
    pub health_requires_signature: Option<bool>,
    /// Require a link signed for `/stats` on `/stats`. Default false.
    pub stats_requires_signature: Option<bool>,
    /// Header a trusted proxy sets to the client address (e.g. `X-Real-IP`), for address-bound links.
    pub client_ip_header: Option<String>,
    /// Signed media responses keep the public Cache-Control so a CDN in front can cache them.
    pub behind_cdn: Option<bool>,
    /// PEM certificate chain for HTTPS (`--tls-cert`, `PLAYTUBE_TLS_CERT`); needs `tls_key`.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for HTTPS (`--tls-key`, `PLAYTUBE_TLS_KEY`).
    pub tls_key: Option<PathBuf>,
}

/// Resolved settings of `playtube serve`.
#[derive(Debug, Clone)]
pub struct ServeSettings {
    pub addr: SocketAddr,
    /// Runtime worker threads; 1 runs a single-threaded runtime.
    pub workers: usize,
    pub log_format: LogFormat,
    pub server: server::Config,
}

const ROOT: Knob = Knob { flag: "--root", env: &["PLAYTUBE_ROOT"], file: "[serve] root" };
const ADDR: Knob = Knob { flag: "--addr", env: &["PLAYTUBE_ADDR"], file: "[serve] addr" };
const WORKERS: Knob = Knob { flag: "--workers", env: &["PLAYTUBE_WORKERS"], file: "[serve] workers" };
const LOG_FORMAT: Knob = Knob { flag: "--log-format", env: &["PLAYTUBE_LOG_FORMAT"], file: "[serve] log_format" };
const CACHE_ENABLED: Knob =
    Knob { flag: "--cache-enabled", env: &["VIDEO_CACHE_ENABLED"], file: "[serve] cache_enabled" };
const CACHE_SIZE: Knob =
    Knob { flag: "--cache-size", env: &["VIDEO_CACHE_SIZE", "PLAYTUBE_CACHE_SIZE"], file: "[serve] cache_size" };
const CHUNK_SIZE: Knob =
    Knob { flag: "--chunk-size", env: &["VIDEO_CHUNK_SIZE", "PLAYTUBE_CHUNK_SIZE"], file: "[serve] chunk_size" };
const MAX_INFLIGHT: Knob = Knob { flag: "", env: &["PLAYTUBE_MAX_INFLIGHT"], file: "[serve] max_inflight" };
const MAX_HEADER_BYTES: Knob = Knob { flag: "", env: &["PLAYTUBE_MAX_HEADER_BYTES"], file: "[serve] max_header_bytes" };
const MAX_CONNECTIONS: Knob =
    Knob { flag: "--max-connections", env: &["PLAYTUBE_MAX_CONNECTIONS"], file: "[serve] max_connections" };
const MAX_HEADERS: Knob = Knob { flag: "", env: &["PLAYTUBE_MAX_HEADERS"], file: "[serve] max_headers" };
const ALLOWED_ORIGINS: Knob =
    Knob { flag: "--allowed-origin", env: &["ALLOWED_ORIGINS"], file: "[serve] allowed_origins" };
const PLAYER: Knob = Knob { flag: "--player", env: &["PLAYTUBE_PLAYER"], file: "[serve] player" };
const MEDIA_BASE_URL: Knob =
    Knob { flag: "--media-base-url", env: &["PLAYTUBE_MEDIA_BASE_URL"], file: "[serve] media_base_url" };
const CACHE_CONTROL_MEDIA: Knob =
    Knob { flag: "", env: &["PLAYTUBE_CACHE_CONTROL_MEDIA"], file: "[serve] cache_control_media" };
const CACHE_CONTROL_PLAYLIST: Knob =
    Knob { flag: "", env: &["PLAYTUBE_CACHE_CONTROL_PLAYLIST"], file: "[serve] cache_control_playlist" };
const HEADER_READ_TIMEOUT: Knob =
    Knob { flag: "", env: &["PLAYTUBE_HEADER_READ_TIMEOUT"], file: "[serve] header_read_timeout" };
const ORIGIN_TIMEOUT: Knob = Knob { flag: "", env: &["PLAYTUBE_ORIGIN_TIMEOUT"], file: "[serve] origin_timeout" };
const POINTER_TTL: Knob = Knob { flag: "", env: &["PLAYTUBE_POINTER_TTL"], file: "[serve] pointer_ttl" };
const IDLE_TIMEOUT: Knob = Knob { flag: "", env: &["PLAYTUBE_IDLE_TIMEOUT"], file: "[serve] idle_timeout" };
const SHUTDOWN_GRACE: Knob = Knob { flag: "", env: &["PLAYTUBE_SHUTDOWN_GRACE"], file: "[serve] shutdown_grace" };
const ACCESS_LOG: Knob = Knob { flag: "--access-log", env: &["PLAYTUBE_ACCESS_LOG"], file: "[serve] access_log" };
const REQUIRE_SIGNATURES: Knob =
    Knob { flag: "--require-signatures", env: &["PLAYTUBE_REQUIRE_SIGNATURES"], file: "[serve] require_signatures" };
const HEALTH_REQUIRES_SIGNATURE: Knob =
    Knob { flag: "", env: &["PLAYTUBE_HEALTH_REQUIRES_SIGNATURE"], file: "[serve] health_requires_signature" };
const STATS_REQUIRES_SIGNATURE: Knob =
    Knob { flag: "", env: &["PLAYTUBE_STATS_REQUIRES_SIGNATURE"], file: "[serve] stats_requires_signature" };
const CLIENT_IP_HEADER: Knob = Knob { flag: "", env: &["PLAYTUBE_CLIENT_IP_HEADER"], file: "[serve] client_ip_header" };
const BEHIND_CDN: Knob = Knob { flag: "", env: &["PLAYTUBE_BEHIND_CDN"], file: "[serve] behind_cdn" };

/// The watch page: `--player`/`--no-player` > `PLAYTUBE_PLAYER` > `[serve] player` > on; the media
/// origin from `--media-base-url` > `PLAYTUBE_MEDIA_BASE_URL` > `[serve] media_base_url` > this server.
fn resolve_player(env: &Env, file: &ServeSection, args: &ServeArgs) -> Result<PlayerSettings, UsageError> {
    let flag = if args.no_player {
        Some(false)
    } else if args.player {
        Some(true)
    } else {
        None
    };
    let enabled = PLAYER.bool(env, flag, file.player, true)?;
    let media_base = match MEDIA_BASE_URL.optional(env, args.media_base_url.as_ref(), file.media_base_url.as_ref())? {
        (Some(raw), from) => Some(MediaBase::parse(&raw).map_err(|e| UsageError::new(format!("{from}: {e}")))?),
        (None, _) => None,
    };
    Ok(PlayerSettings { enabled, media_base })
}

/// Where and how the server listens: assets root, address, runtime workers, log format.
struct Listener {
    root: PathBuf,
    addr: SocketAddr,
    workers: usize,
    log_format: LogFormat,
}

fn resolve_listener(env: &Env, file: &ServeSection, args: &ServeArgs) -> Result<Listener, UsageError> {
    let (root, _) = ROOT
        .layer(env, args.root.clone().map(Some), file.root.clone().map(Some), None)
        .resolve_with(|raw| Ok(Some(PathBuf::from(raw))))?;
    let Some(root) = root else {
        return Err(UsageError::with_hint(
            "no assets root given",
            "pass --root DIR, set PLAYTUBE_ROOT, or set root in [serve] of playtube.toml",
        ));
    };
    let (addr_text, from) = ADDR.text(env, args.addr.clone(), file.addr.as_ref(), DEFAULT_ADDR)?;
    let addr: SocketAddr = addr_text.parse().map_err(|_| {
        UsageError::new(format!(
            "listen address {addr_text:?} (from {from}) is invalid; use IP:PORT, e.g. {DEFAULT_ADDR}"
        ))
    })?;

    let default_workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let (workers, from) = WORKERS.count(env, args.workers, file.workers, default_workers)?;
    if workers == 0 || workers > 1024 {
        return Err(UsageError::new(format!("workers = {workers} (from {from}) is out of range; use 1 to 1024")));
    }
    let flag = args.log_format.map(|f| match f {
        LogFormat::Human => "human".to_owned(),
        LogFormat::Json => "json".to_owned(),
    });
    let log_format = match LOG_FORMAT.text(env, flag, file.log_format.as_ref(), "human")? {
        (f, _) if f == "human" => LogFormat::Human,
        (f, _) if f == "json" => LogFormat::Json,
        (other, from) => {
            return Err(UsageError::new(format!("log format {other:?} (from {from}) is unknown; use human or json")))
        }
    };
    Ok(Listener { root, addr, workers, log_format })
}

/// Byte and count limits: cache and chunk sizes, in-flight bytes, header and connection bounds.
struct Limits {
    cache_size: u64,
    chunk_size: u64,
    max_inflight: u64,
    max_header_bytes: u64,
    max_connections: usize,
    max_headers: usize,
}

fn resolve_limits(
    env: &Env,
    file: &ServeSection,
    args: &ServeArgs,
    defaults: &server::Config,
) -> Result<Limits, UsageError> {
    let (cache_size, _) =
        CACHE_SIZE.size(env, args.cache_size.as_ref(), file.cache_size.as_ref(), defaults.cache_size)?;
    let (chunk_size, from) =
        CHUNK_SIZE.size(env, args.chunk_size.as_ref(), file.chunk_size.as_ref(), defaults.chunk_size as u64)?;
    if !(4096..=(64 << 20)).contains(&chunk_size) {
        return Err(UsageError::new(format!(
            "chunk size {chunk_size} (from {from}) is out of range; use 4KiB to 64MiB (e.g. 1MiB)"
        )));
    }
    let (max_inflight, _) =
        MAX_INFLIGHT.size(env, None, file.max_inflight.as_ref(), defaults.max_inflight_bytes as u64)?;
    let (max_header_bytes, from) =
        MAX_HEADER_BYTES.size(env, None, file.max_header_bytes.as_ref(), defaults.max_header_bytes as u64)?;
    if !(1024..=(1 << 20)).contains(&max_header_bytes) {
        return Err(UsageError::new(format!(
            "max_header_bytes {max_header_bytes} (from {from}) is out of range; use 1KiB to 1MiB"
        )));
    }
    let (max_connections, from) =
        MAX_CONNECTIONS.count(env, args.max_connections, file.max_connections, defaults.max_connections)?;
    if max_connections == 0 {
        return Err(UsageError::new(format!("max_connections (from {from}) must be at least 1 (e.g. 10000)")));
    }
    let (max_headers, _) = MAX_HEADERS.count(env, None, file.max_headers, defaults.max_headers)?;
    Ok(Limits {
        cache_size,
        chunk_size,
        max_inflight,
        max_header_bytes,
        max_connections,
        max_headers: max_headers.max(1),
    })
}

/// Timeouts: reading a request's headers, an idle keep-alive connection, and the shutdown grace.
fn resolve_timeouts(env: &Env, file: &ServeSection, d: &server::Config) -> Result<[Duration; 3], UsageError> {
    let (header_read, from_header) = HEADER_READ_TIMEOUT.secs(env, file.header_read_timeout, d.header_read_timeout)?;
    let (idle, from_idle) = IDLE_TIMEOUT.secs(env, file.idle_timeout, d.idle_timeout)?;
    for (value, from) in [(header_read, from_header), (idle, from_idle)] {
        if value.is_zero() {
            return Err(UsageError::new(format!(
                "header_read_timeout and idle_timeout must be > 0 seconds (e.g. 15 and 60); {from} is 0"
            )));
        }
    }
    let (grace, _) = SHUTDOWN_GRACE.secs(env, file.shutdown_grace, d.shutdown_grace)?;
    Ok([header_read, idle, grace])
}

/// The Cache-Control values `serve` sends (`[serve] cache_control_*` and their variables); `publish`
/// and the other commands that upload to object storage give the objects the same ones.
pub fn cache_policy(settings: &Settings) -> Result<CachePolicy, UsageError> {
    let (file, env) = (&settings.file.serve, &settings.env);
    let (media, _) =
        CACHE_CONTROL_MEDIA.text(env, None, file.cache_control_media.as_ref(), DEFAULT_CACHE_CONTROL_MEDIA)?;
    let (playlist, _) =
        CACHE_CONTROL_PLAYLIST.text(env, None, file.cache_control_playlist.as_ref(), DEFAULT_CACHE_CONTROL_PLAYLIST)?;
    Ok(CachePolicy { media, playlist })
}

/// For `--root s3://bucket/prefix`: the store (options from `[storage]` / `AWS_*`) and the origin's
/// bounds. Storage retries are capped so that one call stays within `origin_timeout`: a reader is
/// waiting, unlike an upload.
fn resolve_origin(settings: &Settings, root: &std::path::Path) -> anyhow::Result<Option<OriginConfig>> {
    let Some(text) = root.to_str() else { return Ok(None) };
    let url = match Location::parse(text) {
        Ok(Location::Local(_)) => return Ok(None),
        Ok(Location::S3(url)) => url,
        Ok(Location::Http(_)) => {
            return Err(UsageError::with_hint(
                format!("assets root {text} is an http(s) URL"),
                "serve a folder or an object store: --root DIR or --root s3://bucket/prefix",
            )
            .into())
        }
        Err(e) => return Err(UsageError::new(format!("--root: {e}")).into()),
    };
    let (file, env) = (&settings.file.serve, &settings.env);
    let (timeout, _) = ORIGIN_TIMEOUT.secs(env, file.origin_timeout, origin::DEFAULT_TIMEOUT)?;
    if timeout.is_zero() {
        return Err(UsageError::new("origin_timeout must be > 0 seconds (e.g. 10)").into());
    }
    let (pointer_ttl, _) = POINTER_TTL.secs(env, file.pointer_ttl, origin::DEFAULT_POINTER_TTL)?;
    let mut options = super::storage::resolve(settings, None)?;
    options.max_retries = options.max_retries.min(2);
    options.retry_timeout = options.retry_timeout.min(timeout / 2);
    options.request_timeout = options.request_timeout.min(timeout);
    options.connect_timeout = options.connect_timeout.min(timeout / 2);
    let store = Store::open(&url, &options).map_err(|e| UsageError::new(format!("--root {url}: {e}")))?;
    Ok(Some(OriginConfig { timeout, pointer_ttl, ..OriginConfig::new(store) }))
}

impl ServeSettings {
    pub fn resolve(settings: &Settings, args: &ServeArgs) -> anyhow::Result<ServeSettings> {
        let file = &settings.file.serve;
        let env = &settings.env;

        let Listener { root, addr, workers, log_format } = resolve_listener(env, file, args)?;

        let defaults = server::Config::new(&root);
        let flag = (!args.allowed_origins.is_empty()).then(|| args.allowed_origins.clone());
        let split = |raw: &str| Ok(raw.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect());
        let (allowed_origins, _) =
            ALLOWED_ORIGINS.layer(env, flag, file.allowed_origins.clone(), Vec::new()).resolve_with(split)?;

        let Limits { cache_size, chunk_size, max_inflight, max_header_bytes, max_connections, max_headers } =
            resolve_limits(env, file, args, &defaults)?;
        let [header_read_timeout, idle_timeout, shutdown_grace] = resolve_timeouts(env, file, &defaults)?;
        let CachePolicy { media: cache_control_media, playlist: cache_control_playlist } = cache_policy(settings)?;

        let origin = resolve_origin(settings, &root)?;
        let config = server::Config {
            root,
            origin,
            cache_enabled: CACHE_ENABLED.bool(env, args.cache_enabled, file.cache_enabled, defaults.cache_enabled)?,
            cache_size,
            chunk_size: chunk_size as usize,
            max_inflight_bytes: max_inflight.max(chunk_size) as usize,
            allowed_origins,
            player: resolve_player(env, file, args)?,
            cache_control_media,
            cache_control_playlist,
            max_connections,
            max_header_bytes: max_header_bytes as usize,
            max_headers,
            sendfile_min_connections: defaults.sendfile_min_connections,
            sendfile_min_connections_same_host: defaults.sendfile_min_connections_same_host,
            header_read_timeout,
            idle_timeout,
            shutdown_grace,
            // `--quiet` keeps warnings and errors only, and access lines are information.
            access_log: ACCESS_LOG.bool(env, args.access_log, file.access_log, defaults.access_log)?
                && !settings.output.quiet,
            access_log_format: match log_format {
                LogFormat::Human => server::access::Format::Human,
                LogFormat::Json => server::access::Format::Json,
            },
            access_sink: None,
            auth: resolve_auth(settings, args)?,
            tls: resolve_tls(settings, args)?,
        };
        Ok(ServeSettings { addr, workers, log_format, server: config })
    }
}

/// HTTPS: `--tls-cert`/`--tls-key` > `PLAYTUBE_TLS_CERT`/`PLAYTUBE_TLS_KEY` > `[serve] tls_cert`/`tls_key`,
/// each path layered on its own; both or neither. The pair is read and checked here, before binding,
/// so a bad file is a configuration error (exit 2) naming it.
fn resolve_tls(settings: &Settings, args: &ServeArgs) -> anyhow::Result<Option<Arc<Certificates>>> {
    let file = &settings.file.serve;
    let layer = |flag: &Option<PathBuf>, env: &str, key: &Option<PathBuf>| {
        flag.clone().or_else(|| settings.env.get(env).map(PathBuf::from)).or_else(|| key.clone())
    };
    let cert = layer(&args.tls_cert, "PLAYTUBE_TLS_CERT", &file.tls_cert);
    let key = layer(&args.tls_key, "PLAYTUBE_TLS_KEY", &file.tls_key);
    match (cert, key) {
        (None, None) => Ok(None),
        (Some(cert), Some(key)) => Certificates::load(cert, key).map(Some).map_err(|e| {
            UsageError::with_hint(
                format!("TLS: {e}"),
                "pass a PEM certificate chain with --tls-cert and its PEM key with --tls-key \
                 (e.g. from Let's Encrypt: fullchain.pem and privkey.pem)",
            )
            .into()
        }),
        (Some(_), None) => {
            Err(UsageError::new("a TLS certificate is set but no key; add --tls-key PEM (or PLAYTUBE_TLS_KEY)").into())
        }
        (None, Some(_)) => {
            Err(UsageError::new("a TLS key is set but no certificate; add --tls-cert PEM (or PLAYTUBE_TLS_CERT)")
                .into())
        }
    }
}

/// The signature gate: keys and limits from `[sign]` (shared with `playtube sign`), the switches from
/// flags > `PLAYTUBE_*` > `[serve]`. Secure by default: with a key, delivery routes need a link.
fn resolve_auth(settings: &Settings, args: &ServeArgs) -> anyhow::Result<server::auth::AuthConfig> {
    let (file, env) = (&settings.file.serve, &settings.env);
    let sign = super::sign::SignSettings::resolve(settings, &Default::default())?;
    let has_keys = !sign.keys.is_empty();
    let require = REQUIRE_SIGNATURES.bool(env, args.require_signatures, file.require_signatures, has_keys)?;
    let health = HEALTH_REQUIRES_SIGNATURE.bool(env, None, file.health_requires_signature, false)?;
    let stats = STATS_REQUIRES_SIGNATURE.bool(env, None, file.stats_requires_signature, false)?;
    if (require || health || stats) && !has_keys {
        return Err(UsageError::with_hint(
            "signed links are required but no signing key is configured",
            "export PLAYTUBE_SECRET_KEY (32+ bytes) or set [sign] key_file; or set require_signatures = false",
        )
        .into());
    }
    let client_ip_header = match CLIENT_IP_HEADER.optional(env, None, file.client_ip_header.as_ref())? {
        (None, _) => None,
        (Some(name), from) => Some(http::HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
            UsageError::new(format!("client_ip_header {name:?} (from {from}) is not a header name (e.g. X-Real-IP)"))
        })?),
    };
    let cdn = BEHIND_CDN.bool(env, None, file.behind_cdn, false)?;
    Ok(server::auth::AuthConfig { keys: sign.keys, policy: sign.policy, require, health, stats, client_ip_header, cdn })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use crate::config::{parse, Env};
    use clap::Parser;

    fn resolve(argv: &[&str], env: &[(&str, &str)], toml: &str) -> anyhow::Result<ServeSettings> {
        let mut full = vec!["playtube", "serve"];
        full.extend_from_slice(argv);
        let cli = Cli::try_parse_from(full).unwrap();
        let mut settings = Settings::defaults(Env::from_pairs(env.iter().copied()));
        settings.file = parse(toml).unwrap();
        let Command::Serve(args) = &cli.command else { panic!("not serve") };
        ServeSettings::resolve(&settings, args)
    }

    const FILE: &str = r#"
        [serve]
        root = "/from-file"
        addr = "127.0.0.1:9001"
        cache_size = "64MiB"
        chunk_size = 65536
        cache_enabled = true
        allowed_origins = ["https://file.example"]
        idle_timeout = 7
    "#;

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let s = resolve(&["--root", "/r"], &[], "").unwrap();
        assert_eq!(s.addr.to_string(), DEFAULT_ADDR);
        assert_eq!(s.server.cache_size, 1 << 30);
        assert!(s.server.cache_enabled);
        assert!(s.server.allowed_origins.is_empty());
        assert_eq!(s.log_format, LogFormat::Human);
    }

    #[test]
    fn file_beats_defaults() {
        let s = resolve(&[], &[], FILE).unwrap();
        assert_eq!(s.server.root, PathBuf::from("/from-file"));
        assert_eq!(s.addr.to_string(), "127.0.0.1:9001");
        assert_eq!(s.server.cache_size, 64 << 20);
        assert_eq!(s.server.chunk_size, 65536);
        assert_eq!(s.server.allowed_origins, vec!["https://file.example"]);
        assert_eq!(s.server.idle_timeout, Duration::from_secs(7));
    }

    #[test]
    fn environment_beats_file() {
        let env = [
            ("PLAYTUBE_ROOT", "/from-env"),
            ("PLAYTUBE_ADDR", "127.0.0.1:9002"),
            ("VIDEO_CACHE_SIZE", "2147483648"),
            ("VIDEO_CHUNK_SIZE", "4194304"),
            ("VIDEO_CACHE_ENABLED", "false"),
            ("ALLOWED_ORIGINS", "https://a.example, https://b.example"),
            ("PLAYTUBE_IDLE_TIMEOUT", "3"),
        ];
        let s = resolve(&[], &env, FILE).unwrap();
        assert_eq!(s.server.root, PathBuf::from("/from-env"));
        assert_eq!(s.addr.to_string(), "127.0.0.1:9002");
        assert_eq!(s.server.cache_size, 2_147_483_648);
        assert_eq!(s.server.chunk_size, 4_194_304);
        assert!(!s.server.cache_enabled);
        assert_eq!(s.server.allowed_origins, vec!["https://a.example", "https://b.example"]);
        assert_eq!(s.server.idle_timeout, Duration::from_secs(3));
    }

    #[test]
    fn flags_beat_environment() {
        let env = [("PLAYTUBE_ROOT", "/from-env"), ("VIDEO_CACHE_SIZE", "1000"), ("VIDEO_CACHE_ENABLED", "false")];
        let argv = [
            "--root",
            "/from-flag",
            "--addr",
            "127.0.0.1:9003",
            "--cache-size",
            "10MiB",
            "--cache-enabled",
            "true",
            "--allowed-origin",
            "https://flag.example",
        ];
        let s = resolve(&argv, &env, FILE).unwrap();
        assert_eq!(s.server.root, PathBuf::from("/from-flag"));
        assert_eq!(s.addr.to_string(), "127.0.0.1:9003");
        assert_eq!(s.server.cache_size, 10 << 20);
        assert!(s.server.cache_enabled);
        assert_eq!(s.server.allowed_origins, vec!["https://flag.example"]);
    }

    #[test]
    fn example_config_documents_the_real_defaults() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/playtube.toml")).unwrap();
        let from_file = resolve(&["--root", "/r"], &[], &text).unwrap();
        let defaults = resolve(&["--root", "/r"], &[], "").unwrap();
        assert_eq!(format!("{:?}", from_file.server), format!("{:?}", defaults.server));
        assert_eq!(from_file.addr, defaults.addr);
        assert_eq!(from_file.log_format, defaults.log_format);
    }

    #[test]
    fn missing_root_is_a_usage_error_with_a_hint() {
        let err = resolve(&[], &[], "").unwrap_err();
        assert_eq!(crate::exit::code_for(&err), crate::exit::Code::Usage);
        assert!(format!("{err:#}").contains("assets root"));
    }

    #[test]
    fn player_is_on_by_default_and_layers_flags_env_file() {
        let s = resolve(&["--root", "/r"], &[], "").unwrap();
        assert!(s.server.player.enabled && s.server.player.media_base.is_none());
        let file = "[serve]\nplayer = false\nmedia_base_url = \"https://file.example/\"\n";
        let s = resolve(&["--root", "/r"], &[], file).unwrap();
        assert!(!s.server.player.enabled);
        assert_eq!(s.server.player.media_base.unwrap().url(), "https://file.example");
        let env = [("PLAYTUBE_PLAYER", "true"), ("PLAYTUBE_MEDIA_BASE_URL", "http://127.0.0.1:9001")];
        let s = resolve(&["--root", "/r"], &env, file).unwrap();
        assert!(s.server.player.enabled);
        assert_eq!(s.server.player.media_base.unwrap().origin(), "http://127.0.0.1:9001");
        let argv = ["--root", "/r", "--no-player", "--media-base-url", "https://flag.example"];
        let s = resolve(&argv, &env, file).unwrap();
        assert!(!s.server.player.enabled);
        assert_eq!(s.server.player.media_base.unwrap().url(), "https://flag.example");
        assert!(resolve(&["--root", "/r", "--no-player", "--player"], &[], "").unwrap().server.player.enabled);
        let err = resolve(&["--root", "/r", "--media-base-url", "media.example"], &[], "").unwrap_err();
        assert!(format!("{err:#}").contains("--media-base-url"), "{err:#}");
    }

    #[test]
    fn bad_values_name_their_source() {
        let err = resolve(&["--root", "/r"], &[("VIDEO_CACHE_SIZE", "lots")], "").unwrap_err();
        assert!(format!("{err:#}").contains("VIDEO_CACHE_SIZE"), "{err:#}");
        let err = resolve(&["--root", "/r", "--addr", "localhost"], &[], "").unwrap_err();
        assert!(format!("{err:#}").contains("listen address"), "{err:#}");
    }

    /// A self-signed pair written as `<name>.crt` / `<name>.key`; returns the paths and the DER.
    fn pem_pair(dir: &std::path::Path, name: &str) -> (String, String, Vec<u8>) {
        let made = rcgen::generate_simple_self_signed(vec![format!("{name}.test")]).unwrap();
        let (cert, key) = (dir.join(format!("{name}.crt")), dir.join(format!("{name}.key")));
        std::fs::write(&cert, made.cert.pem()).unwrap();
        std::fs::write(&key, made.key_pair.serialize_pem()).unwrap();
        (cert.display().to_string(), key.display().to_string(), made.cert.der().to_vec())
    }

    #[test]
    fn tls_files_layer_flags_over_env_over_file_and_need_both() {
        let dir = tempfile::tempdir().unwrap();
        let (fc, fk, from_file) = pem_pair(dir.path(), "file");
        let (ec, ek, from_env) = pem_pair(dir.path(), "env");
        let (gc, gk, from_flag) = pem_pair(dir.path(), "flag");
        let toml = format!("[serve]\ntls_cert = {fc:?}\ntls_key = {fk:?}\n");
        let env = [("PLAYTUBE_TLS_CERT", ec.as_str()), ("PLAYTUBE_TLS_KEY", ek.as_str())];
        let der = |s: ServeSettings| s.server.tls.expect("TLS configured").current_der().to_vec();

        assert!(resolve(&["--root", "/r"], &[], "").unwrap().server.tls.is_none(), "plain HTTP by default");
        assert_eq!(der(resolve(&["--root", "/r"], &[], &toml).unwrap()), from_file);
        assert_eq!(der(resolve(&["--root", "/r"], &env, &toml).unwrap()), from_env);
        let flags = ["--root", "/r", "--tls-cert", &gc, "--tls-key", &gk];
        assert_eq!(der(resolve(&flags, &env, &toml).unwrap()), from_flag);

        let err = resolve(&["--root", "/r", "--tls-cert", &gc], &[], "").unwrap_err();
        assert!(format!("{err:#}").contains("--tls-key"), "{err:#}");
        let err = resolve(&["--root", "/r", "--tls-cert", &gc, "--tls-key", &fk], &[], "").unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("flag.crt") && text.contains("file.key"), "a mismatched pair names both files: {text}");
    }

    #[test]
    fn a_serve_knob_layers_flag_over_environment_over_file_over_default() {
        let file = "[serve]\nchunk_size = \"128KiB\"\n";
        let env = [("PLAYTUBE_CHUNK_SIZE", "256KiB")];
        let chunk =
            |argv: &[&str], env: &[(&str, &str)], toml: &str| resolve(argv, env, toml).unwrap().server.chunk_size;
        assert_eq!(chunk(&["--root", "/r"], &[], ""), server::Config::new("/r").chunk_size);
        assert_eq!(chunk(&["--root", "/r"], &[], file), 128 << 10);
        assert_eq!(chunk(&["--root", "/r"], &env, file), 256 << 10);
        assert_eq!(chunk(&["--root", "/r", "--chunk-size", "512KiB"], &env, file), 512 << 10);
        // Of the two variable names, the design document's comes first.
        assert_eq!(chunk(&["--root", "/r"], &[env[0], ("VIDEO_CHUNK_SIZE", "64KiB")], file), 64 << 10);
    }

    #[test]
    fn a_bad_serve_value_names_the_flag_variable_or_file_key() {
        let message = |argv: &[&str], env: &[(&str, &str)], toml: &str| {
            let mut full = vec!["--root", "/r"];
            full.extend_from_slice(argv);
            let err = resolve(&full, env, toml).unwrap_err();
            assert_eq!(crate::exit::code_for(&err), crate::exit::Code::Usage);
            format!("{err:#}")
        };
        let m = message(&["--chunk-size", "lots"], &[], "");
        assert!(m.starts_with("--chunk-size \"lots\" is not a size"), "{m}");
        let m = message(&[], &[("PLAYTUBE_CHUNK_SIZE", "lots")], "");
        assert!(m.starts_with("environment variable PLAYTUBE_CHUNK_SIZE=\"lots\" is not a size"), "{m}");
        let m = message(&[], &[], "[serve]\nchunk_size = \"lots\"\n");
        assert!(m.starts_with("[serve] chunk_size = \"lots\" is not a size"), "{m}");
        let m = message(&[], &[], "[serve]\nchunk_size = 10\n");
        assert!(m.contains("(from [serve] chunk_size) is out of range"), "{m}");
        let m = message(&[], &[("PLAYTUBE_ACCESS_LOG", "maybe")], "");
        assert!(m.contains("PLAYTUBE_ACCESS_LOG=\"maybe\" must be true or false"), "{m}");
        let m = message(&[], &[], "[serve]\nidle_timeout = -1\n");
        assert!(m.starts_with("[serve] idle_timeout = -1.0 must be a number of seconds"), "{m}");
        let m = message(&["--workers", "0"], &[("PLAYTUBE_WORKERS", "2")], "");
        assert!(m.contains("(from --workers) is out of range"), "{m}");
        let m = message(&[], &[("PLAYTUBE_LOG_FORMAT", "xml")], "");
        assert!(m.contains("(from PLAYTUBE_LOG_FORMAT) is unknown"), "{m}");
    }
}
