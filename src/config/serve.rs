//! The `[serve]` section of playtube.toml and its layering: flags > environment (the design document's
//! `VIDEO_CACHE_SIZE`, `VIDEO_CACHE_ENABLED`, `VIDEO_CHUNK_SIZE`, `ALLOWED_ORIGINS`, plus `PLAYTUBE_*`) >
//! `[serve]` > built-in defaults. The result is a plain [`ServeSettings`] holding a ready
//! [`crate::server::Config`]; nothing downstream sees an `Option` for something that has a default.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::Settings;
use crate::cli::{LogFormat, ServeArgs};
use crate::exit::UsageError;
use crate::server;
use crate::server::origin::{self, OriginConfig};
use crate::server::player::{MediaBase, PlayerSettings};
use crate::storage::{Location, Store};
use crate::units::parse_size;

pub const DEFAULT_ADDR: &str = "127.0.0.1:8090";

/// A byte size in the file: a number of bytes or a string such as `"512MiB"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Size {
    Bytes(u64),
    Text(String),
}

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

fn size_of(name: &str, value: &Size) -> Result<u64, UsageError> {
    match value {
        Size::Bytes(n) => Ok(*n),
        Size::Text(t) => parse_size(t).ok_or_else(|| {
            UsageError::new(format!("[serve] {name} = {t:?} is not a size; use bytes or e.g. \"512MiB\""))
        }),
    }
}

/// One layered value: flag, then environment variable(s), then file, then default.
struct Lookup<'a> {
    settings: &'a Settings,
}

impl Lookup<'_> {
    fn size(
        &self,
        flag: Option<&str>,
        envs: &[&str],
        file: Option<&Size>,
        name: &str,
        default: u64,
    ) -> Result<u64, UsageError> {
        if let Some(raw) = flag {
            let flag = name.replace('_', "-");
            return parse_size(raw)
                .ok_or_else(|| UsageError::new(format!("--{flag} {raw:?} is not a size; use bytes or e.g. 512MiB")));
        }
        if let Some((key, raw)) = self.settings.env.first(envs) {
            return parse_size(raw).ok_or_else(|| {
                UsageError::new(format!("environment variable {key}={raw:?} is not a size; use bytes or e.g. 512MiB"))
            });
        }
        file.map(|v| size_of(name, v)).unwrap_or(Ok(default))
    }

    fn bool(&self, flag: Option<bool>, env: &str, file: Option<bool>, default: bool) -> Result<bool, UsageError> {
        Ok(match flag {
            Some(v) => v,
            None => self.settings.env.flag(env)?.or(file).unwrap_or(default),
        })
    }

    fn count(&self, flag: Option<usize>, env: &str, file: Option<usize>, default: usize) -> Result<usize, UsageError> {
        Ok(match flag {
            Some(v) => v,
            None => self.settings.env.parse::<usize>(env)?.or(file).unwrap_or(default),
        })
    }

    fn secs(&self, env: &str, file: Option<f64>, name: &str, default: Duration) -> Result<Duration, UsageError> {
        let value = match self.settings.env.parse::<f64>(env)? {
            Some(v) => v,
            None => match file {
                Some(v) => v,
                None => return Ok(default),
            },
        };
        Duration::try_from_secs_f64(value)
            .map_err(|_| UsageError::new(format!("{name} = {value} must be a number of seconds >= 0 (e.g. 15)")))
    }

    fn text(&self, env: &str, file: Option<&String>, default: &str) -> String {
        self.settings.env.get(env).map(str::to_owned).or_else(|| file.cloned()).unwrap_or_else(|| default.to_owned())
    }
}

/// The watch page: `--player`/`--no-player` > `PLAYTUBE_PLAYER` > `[serve] player` > on; the media
/// origin from `--media-base-url` > `PLAYTUBE_MEDIA_BASE_URL` > `[serve] media_base_url` > this server.
fn resolve_player(l: &Lookup<'_>, args: &ServeArgs) -> Result<PlayerSettings, UsageError> {
    let file = &l.settings.file.serve;
    let flag = if args.no_player {
        Some(false)
    } else if args.player {
        Some(true)
    } else {
        None
    };
    let enabled = l.bool(flag, "PLAYTUBE_PLAYER", file.player, true)?;
    let (source, raw) = match (&args.media_base_url, l.settings.env.get("PLAYTUBE_MEDIA_BASE_URL")) {
        (Some(raw), _) => ("--media-base-url", Some(raw.clone())),
        (None, Some(raw)) => ("PLAYTUBE_MEDIA_BASE_URL", Some(raw.to_owned())),
        (None, None) => ("[serve] media_base_url", file.media_base_url.clone()),
    };
    let media_base = match raw {
        Some(raw) => Some(MediaBase::parse(&raw).map_err(|e| UsageError::new(format!("{source}: {e}")))?),
        None => None,
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

fn resolve_listener(settings: &Settings, l: &Lookup<'_>, args: &ServeArgs) -> Result<Listener, UsageError> {
    let file = &settings.file.serve;
    let env = &settings.env;
    let root = args.root.clone().or_else(|| env.get("PLAYTUBE_ROOT").map(PathBuf::from)).or_else(|| file.root.clone());
    let Some(root) = root else {
        return Err(UsageError::with_hint(
            "no assets root given",
            "pass --root DIR, set PLAYTUBE_ROOT, or set root in [serve] of playtube.toml",
        ));
    };
    let addr_text = args
        .addr
        .clone()
        .or_else(|| env.get("PLAYTUBE_ADDR").map(str::to_owned))
        .or_else(|| file.addr.clone())
        .unwrap_or_else(|| DEFAULT_ADDR.to_owned());
    let addr: SocketAddr = addr_text.parse().map_err(|_| {
        UsageError::new(format!("listen address {addr_text:?} is invalid; use IP:PORT, e.g. {DEFAULT_ADDR}"))
    })?;

    let default_workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let workers = l.count(args.workers, "PLAYTUBE_WORKERS", file.workers, default_workers)?;
    if workers == 0 || workers > 1024 {
        return Err(UsageError::new(format!("workers = {workers} is out of range; use 1 to 1024")));
    }
    let log_format = match args.log_format {
        Some(f) => f,
        None => match env.get("PLAYTUBE_LOG_FORMAT").map(str::to_owned).or_else(|| file.log_format.clone()) {
            None => LogFormat::Human,
            Some(s) => match s.as_str() {
                "human" => LogFormat::Human,
                "json" => LogFormat::Json,
                other => return Err(UsageError::new(format!("log format {other:?} is unknown; use human or json"))),
            },
        },
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

fn resolve_limits(l: &Lookup<'_>, args: &ServeArgs, defaults: &server::Config) -> Result<Limits, UsageError> {
    let file = &l.settings.file.serve;
    let cache_size = l.size(
        args.cache_size.as_deref(),
        &["VIDEO_CACHE_SIZE", "PLAYTUBE_CACHE_SIZE"],
        file.cache_size.as_ref(),
        "cache_size",
        defaults.cache_size,
    )?;
    let chunk_size = l.size(
        args.chunk_size.as_deref(),
        &["VIDEO_CHUNK_SIZE", "PLAYTUBE_CHUNK_SIZE"],
        file.chunk_size.as_ref(),
        "chunk_size",
        defaults.chunk_size as u64,
    )?;
    if !(4096..=(64 << 20)).contains(&chunk_size) {
        return Err(UsageError::new(format!("chunk size {chunk_size} is out of range; use 4KiB to 64MiB (e.g. 1MiB)")));
    }
    let max_inflight = l.size(
        None,
        &["PLAYTUBE_MAX_INFLIGHT"],
        file.max_inflight.as_ref(),
        "max_inflight",
        defaults.max_inflight_bytes as u64,
    )?;
    let max_header_bytes = l.size(
        None,
        &["PLAYTUBE_MAX_HEADER_BYTES"],
        file.max_header_bytes.as_ref(),
        "max_header_bytes",
        defaults.max_header_bytes as u64,
    )?;
    if !(1024..=(1 << 20)).contains(&max_header_bytes) {
        return Err(UsageError::new(format!("max_header_bytes {max_header_bytes} is out of range; use 1KiB to 1MiB")));
    }
    let max_connections =
        l.count(args.max_connections, "PLAYTUBE_MAX_CONNECTIONS", file.max_connections, defaults.max_connections)?;
    if max_connections == 0 {
        return Err(UsageError::new("max_connections must be at least 1 (e.g. 10000)"));
    }
    let max_headers = l.count(None, "PLAYTUBE_MAX_HEADERS", file.max_headers, defaults.max_headers)?.max(1);
    Ok(Limits { cache_size, chunk_size, max_inflight, max_header_bytes, max_connections, max_headers })
}

/// For `--root s3://bucket/prefix`: the store (options from `[storage]` / `AWS_*`) and the origin's
/// bounds. Storage retries are capped so that one call stays within `origin_timeout`: a reader is
/// waiting, unlike an upload.
fn resolve_origin(settings: &Settings, l: &Lookup<'_>, root: &std::path::Path) -> anyhow::Result<Option<OriginConfig>> {
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
    let file = &settings.file.serve;
    let timeout = l.secs("PLAYTUBE_ORIGIN_TIMEOUT", file.origin_timeout, "origin_timeout", origin::DEFAULT_TIMEOUT)?;
    if timeout.is_zero() {
        return Err(UsageError::new("origin_timeout must be > 0 seconds (e.g. 10)").into());
    }
    let pointer_ttl = l.secs("PLAYTUBE_POINTER_TTL", file.pointer_ttl, "pointer_ttl", origin::DEFAULT_POINTER_TTL)?;
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
        let l = Lookup { settings };

        let Listener { root, addr, workers, log_format } = resolve_listener(settings, &l, args)?;

        let defaults = server::Config::new(&root);
        let origins = if !args.allowed_origins.is_empty() {
            args.allowed_origins.clone()
        } else if let Some(raw) = env.get("ALLOWED_ORIGINS") {
            raw.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()
        } else {
            file.allowed_origins.clone().unwrap_or_default()
        };

        let Limits { cache_size, chunk_size, max_inflight, max_header_bytes, max_connections, max_headers } =
            resolve_limits(&l, args, &defaults)?;

        let origin = resolve_origin(settings, &l, &root)?;
        let config = server::Config {
            root,
            origin,
            cache_enabled: l.bool(
                args.cache_enabled,
                "VIDEO_CACHE_ENABLED",
                file.cache_enabled,
                defaults.cache_enabled,
            )?,
            cache_size,
            chunk_size: chunk_size as usize,
            max_inflight_bytes: max_inflight.max(chunk_size) as usize,
            allowed_origins: origins,
            player: resolve_player(&l, args)?,
            cache_control_media: l.text(
                "PLAYTUBE_CACHE_CONTROL_MEDIA",
                file.cache_control_media.as_ref(),
                server::DEFAULT_CACHE_CONTROL_MEDIA,
            ),
            cache_control_playlist: l.text(
                "PLAYTUBE_CACHE_CONTROL_PLAYLIST",
                file.cache_control_playlist.as_ref(),
                server::DEFAULT_CACHE_CONTROL_PLAYLIST,
            ),
            max_connections,
            max_header_bytes: max_header_bytes as usize,
            max_headers,
            sendfile_min_connections: defaults.sendfile_min_connections,
            header_read_timeout: l.secs(
                "PLAYTUBE_HEADER_READ_TIMEOUT",
                file.header_read_timeout,
                "header_read_timeout",
                defaults.header_read_timeout,
            )?,
            idle_timeout: l.secs("PLAYTUBE_IDLE_TIMEOUT", file.idle_timeout, "idle_timeout", defaults.idle_timeout)?,
            shutdown_grace: l.secs(
                "PLAYTUBE_SHUTDOWN_GRACE",
                file.shutdown_grace,
                "shutdown_grace",
                defaults.shutdown_grace,
            )?,
            access_log: l.bool(args.access_log, "PLAYTUBE_ACCESS_LOG", file.access_log, defaults.access_log)?,
            auth: resolve_auth(settings, &l, args)?,
        };
        if config.header_read_timeout.is_zero() || config.idle_timeout.is_zero() {
            return Err(
                UsageError::new("header_read_timeout and idle_timeout must be > 0 seconds (e.g. 15 and 60)").into()
            );
        }
        Ok(ServeSettings { addr, workers, log_format, server: config })
    }
}

/// The signature gate: keys and limits from `[sign]` (shared with `playtube sign`), the switches from
/// flags > `PLAYTUBE_*` > `[serve]`. Secure by default: with a key, delivery routes need a link.
fn resolve_auth(settings: &Settings, l: &Lookup<'_>, args: &ServeArgs) -> anyhow::Result<server::auth::AuthConfig> {
    let file = &settings.file.serve;
    let sign = super::sign::SignSettings::resolve(settings, None, None)?;
    let has_keys = !sign.keys.is_empty();
    let require = l.bool(args.require_signatures, "PLAYTUBE_REQUIRE_SIGNATURES", file.require_signatures, has_keys)?;
    let health = l.bool(None, "PLAYTUBE_HEALTH_REQUIRES_SIGNATURE", file.health_requires_signature, false)?;
    let stats = l.bool(None, "PLAYTUBE_STATS_REQUIRES_SIGNATURE", file.stats_requires_signature, false)?;
    if (require || health || stats) && !has_keys {
        return Err(UsageError::with_hint(
            "signed links are required but no signing key is configured",
            "export PLAYTUBE_SECRET_KEY (32+ bytes) or set [sign] key_file; or set require_signatures = false",
        )
        .into());
    }
    let client_ip_header = match settings.env.get("PLAYTUBE_CLIENT_IP_HEADER").or(file.client_ip_header.as_deref()) {
        None => None,
        Some(name) => Some(http::HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
            UsageError::new(format!("client_ip_header {name:?} is not a header name (e.g. X-Real-IP)"))
        })?),
    };
    let cdn = l.bool(None, "PLAYTUBE_BEHIND_CDN", file.behind_cdn, false)?;
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
}
