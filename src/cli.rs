//! The command line as clap derive types, and nothing else: every flag, its long help (the doc comments)
//! and its value hint. Turning these raw values into validated settings is `config`'s job.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum, ValueHint};

/// Prepare videos for web playback and deliver them.
///
/// playtube probes media, moves the MP4 index to the front (faststart), builds quality ladders and HLS
/// packages with ffmpeg, signs expiring links and serves the result over HTTP.
#[derive(Debug, Parser)]
#[command(name = "playtube", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml.
    #[arg(long, global = true, value_name = "FILE", value_hint = ValueHint::FilePath, env = "PLAYTUBE_CONFIG")]
    pub config: Option<PathBuf>,

    /// Print machine-readable JSON on stdout instead of tables.
    #[arg(long, global = true)]
    pub json: bool,

    /// Print nothing but errors; no progress bars.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Say more (repeat for more detail: -vv shows every ffmpeg command line).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// When to use colours. NO_COLOR in the environment means never, unless --color=always.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what a video is made of: container, duration, streams, rotation, frame rate, faststart.
    ///
    /// Takes files and directories (walked for media files). Prints a table per file on a terminal,
    /// or JSON with --json (one object for a single file, an array otherwise). A file that cannot be
    /// read is reported on one line and the others still print; the exit status is then 1.
    ///
    /// Given an HLS package instead (a master.m3u8, or an asset folder holding hls/master.m3u8), it
    /// validates it against the real segments and lists each violation (rung, segment, rule); the
    /// exit status is 1 when there is any.
    Probe(ProbeArgs),

    /// Move the MP4 index (moov) in front of the media data so playback starts before the download ends.
    ///
    /// Native and lossless: boxes are moved and chunk offsets rewritten, no media is re-encoded. The
    /// output is written to a temp file beside it and renamed when complete, so it is never left
    /// half-written. Files that are already faststart, and fragmented MP4s, are reported and copied
    /// unchanged (left alone with --in-place).
    Faststart(FaststartArgs),

    /// Encode the quality ladder: one faststart MP4 per rung under ASSETS/<id>/renditions/.
    ///
    /// One ffmpeg process per input decodes it once and encodes every rung (never upscaling).
    Renditions(RenditionsArgs),

    /// Package HLS: master playlist, per-rung media and I-frame playlists and segments under ASSETS/<id>/hls/.
    ///
    /// From a source it encodes once; with --from-renditions it segments existing renditions by stream copy.
    Hls(HlsArgs),

    /// Prepare a video for the web: meta.json, thumb.jpg, stream.mp4, renditions and HLS, from one decode.
    Prepare(PrepareArgs),

    /// Make signed, expiring links to delivery routes, or check one.
    ///
    /// The secret comes from PLAYTUBE_SECRET_KEY (or GO_VIDEO_SECRET_KEY), a key file (--key-file,
    /// PLAYTUBE_KEY_FILE, [sign] key_file) or [sign] in playtube.toml; never from a flag, where ps would
    /// show it. Keys shorter than 32 bytes are refused. The scheme is documented in the README ("Sign
    /// links") so other backends can make the same links.
    Sign(Box<SignArgs>),

    /// Serve an assets root over HTTP: progressive MP4 with Range, HLS, posters, /health and /stats.
    ///
    /// Settings are layered: flags > environment (VIDEO_CACHE_SIZE, VIDEO_CACHE_ENABLED, VIDEO_CHUNK_SIZE,
    /// ALLOWED_ORIGINS, PLAYTUBE_ROOT, PLAYTUBE_ADDR, PLAYTUBE_*) > [serve] in playtube.toml > defaults.
    /// Stops on SIGTERM or Ctrl-C after responses in flight finish (within the grace period), exit 0.
    Serve(ServeArgs),

    /// Show a running server's /stats as a table (or JSON with --json).
    Stats(StatsArgs),

    /// Upload assets built locally to object storage (s3://bucket/prefix), each with a commit point.
    ///
    /// Each asset is uploaded under a new immutable version, then one pointer object naming it
    /// (<prefix>/<id>/current.json) is written last, so readers never see a partial or mixed asset.
    /// An asset that already has a pointer is skipped with one request (republish with --force).
    /// Credentials and endpoint: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
    /// AWS_ENDPOINT_URL, AWS_ALLOW_HTTP, or [storage] in playtube.toml. Exit 1 if any asset failed.
    Publish(PublishArgs),
    /// Put videos on the Redis job queue for `playtube worker`s: one job per input.
    ///
    /// Each input (a path every worker can read, or an s3:// / https:// URL) becomes one job that builds
    /// what `prepare` builds into ASSETS/<id>/. The job id is derived from the asset id and the build
    /// settings, so enqueuing the same work twice is one job. --json prints the job ids.
    Enqueue(EnqueueArgs),

    /// Build queued jobs: claim them from Redis, run the prepare build, report each outcome.
    ///
    /// Claims are renewed by heartbeats while a job runs; a worker that dies loses nothing (its jobs are
    /// taken over after --visibility-timeout). Failed jobs are retried up to --max-attempts, then moved
    /// to the dead-letter stream. SIGTERM lets the jobs in hand finish within --grace, then hands them
    /// back, and exits 0.
    Worker(WorkerArgs),

    /// Show the job queue: queued, running (worker, progress), failed, done and dead-lettered jobs.
    Jobs(JobsArgs),

    /// Write shell completions and man pages (used to refresh completions/ and man/).
    #[command(hide = true)]
    Generate(GenerateArgs),
}

/// Flags shared by renditions, hls and prepare.
#[derive(Debug, Args)]
pub struct TranscodeArgs {
    /// Media files or folders (walked recursively) to process; also s3://bucket/key and http(s)://
    /// URLs, fetched into a local temp folder first (at most [storage] max_download bytes each).
    #[arg(required = true, value_name = "INPUT", value_hint = ValueHint::AnyPath)]
    pub inputs: Vec<PathBuf>,

    /// The assets root: each input becomes ASSETS/<id>/. An s3://bucket/prefix URL builds each asset
    /// in a local temp folder, then publishes it there (see `playtube publish`).
    #[arg(short, long = "out", value_name = "ASSETS", value_hint = ValueHint::DirPath)]
    pub out: PathBuf,

    /// Asset id for a single input (default: derived from the file name, stable across runs).
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,

    /// Only these rungs, comma-separated (e.g. 360p,720p); names come from [pipeline] rungs.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub qualities: Vec<String>,

    /// Inputs processed at the same time (default 2, measured best on 2 cores). Env: PLAYTUBE_JOBS.
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,

    /// x264 preset (ultrafast ... veryslow; default veryfast). Env: PLAYTUBE_PRESET.
    #[arg(long, value_name = "PRESET")]
    pub preset: Option<String>,

    /// Rebuild assets that are already finished (they are skipped otherwise).
    #[arg(long)]
    pub force: bool,

    /// Build from a source that ends before the duration it declares (damaged or truncated), keeping
    /// what could be read; the shortfall is a warning recorded in meta.json and the JSON result as
    /// `partial_source`. Without it such a source is an error naming the file (exit 1).
    #[arg(long)]
    pub allow_partial: bool,
}

/// HLS package flags shared by hls and prepare: segments, audio languages, subtitles, storyboard.
#[derive(Debug, Args)]
pub struct SegmentArgs {
    /// Segment length in seconds (default 6). Env: HLS_SEGMENT_DURATION.
    #[arg(long, value_name = "SECONDS")]
    pub segment_duration: Option<u32>,

    /// Segment container: MPEG-TS, or CMAF-style fragmented MP4 with an init segment.
    #[arg(long, value_enum, value_name = "TYPE")]
    pub segment_type: Option<crate::layout::SegmentType>,

    /// Audio languages to keep, comma-separated (e.g. en,es; default: every audio stream). Two or more
    /// become an AUDIO group of the HLS package; the MP4s carry the default one.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub audio_languages: Option<Vec<String>>,

    /// A subtitle file for a language (SubRip or WebVTT), repeatable: --subtitles en=movie.en.srt.
    #[arg(long, value_name = "LANG=FILE", value_parser = crate::pipeline::tracks::parse_subtitles_arg)]
    pub subtitles: Vec<crate::pipeline::tracks::SubtitleFile>,

    /// Ignore <stem>.<lang>.srt|vtt files beside the source (they are used by default).
    #[arg(long)]
    pub no_sidecar_subtitles: bool,

    /// Seconds between scrub-preview frames (default: chosen from the duration, 1-10 s).
    #[arg(long, value_name = "SECONDS", conflicts_with = "no_storyboard")]
    pub storyboard_interval: Option<f64>,

    /// Do not draw scrub-preview sprite sheets (hls/storyboard/).
    #[arg(long)]
    pub no_storyboard: bool,
}

#[derive(Debug, Args)]
pub struct RenditionsArgs {
    #[command(flatten)]
    pub common: TranscodeArgs,
}

#[derive(Debug, Args)]
pub struct HlsArgs {
    #[command(flatten)]
    pub common: TranscodeArgs,

    #[command(flatten)]
    pub segments: SegmentArgs,

    /// Segment the asset's existing renditions (ASSETS/<id>/renditions/*.mp4) by stream copy, no
    /// re-encode. INPUT may then be the source file or the asset folder.
    #[arg(long)]
    pub from_renditions: bool,
}

#[derive(Debug, Args)]
pub struct PrepareArgs {
    #[command(flatten)]
    pub common: TranscodeArgs,

    #[command(flatten)]
    pub segments: SegmentArgs,
}

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// Media files, or directories to search for them.
    #[arg(required = true, value_name = "PATH", value_hint = ValueHint::AnyPath)]
    pub paths: Vec<PathBuf>,

    /// Also write a JPEG thumbnail of the (single) input to this file.
    #[arg(long, value_name = "OUT.jpg", value_hint = ValueHint::FilePath, conflicts_with = "thumbnail_dir")]
    pub thumbnail: Option<PathBuf>,

    /// Write a JPEG thumbnail of each input into this directory, as <name>.jpg.
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub thumbnail_dir: Option<PathBuf>,

    /// When to take the thumbnail: seconds (12.5) or a percentage of the duration (10%).
    #[arg(long, value_name = "TIME", default_value = "10%", allow_hyphen_values = true)]
    pub at: crate::pipeline::thumbnail::At,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("destination").required(true).args(["output", "in_place"]))]
pub struct FaststartArgs {
    /// MP4 files (several only with --in-place; directories are searched for .mp4/.m4v/.m4a/.mov).
    #[arg(required = true, value_name = "IN", value_hint = ValueHint::AnyPath)]
    pub inputs: Vec<PathBuf>,

    /// Write the result here (a single input only).
    #[arg(short, long, value_name = "OUT", value_hint = ValueHint::FilePath)]
    pub output: Option<PathBuf>,

    /// Replace each input with its faststart version (atomically: a temp file renamed over it).
    #[arg(long)]
    pub in_place: bool,
}

/// Access-log format of `playtube serve`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One readable line per event.
    Human,
    /// One JSON object per line.
    Json,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The assets root written by the pipeline (<root>/<id>/stream.mp4, hls/, thumb.jpg).
    /// Env PLAYTUBE_ROOT; [serve] root.
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub root: Option<PathBuf>,

    /// Address to listen on. Env PLAYTUBE_ADDR; [serve] addr. Default 127.0.0.1:8090.
    #[arg(long, value_name = "IP:PORT", value_hint = ValueHint::Other)]
    pub addr: Option<String>,

    /// Memory cache budget for playlists, segments and posters (bytes, or e.g. 512MiB).
    /// Env VIDEO_CACHE_SIZE; [serve] cache_size. Default 1GiB.
    #[arg(long, value_name = "SIZE")]
    pub cache_size: Option<String>,

    /// Turn the memory cache on or off. Env VIDEO_CACHE_ENABLED; [serve] cache_enabled. Default true.
    #[arg(long, value_name = "BOOL")]
    pub cache_enabled: Option<bool>,

    /// Bytes per chunk of an MP4, the unit held in the memory cache (or read per step with the cache
    /// off). Env VIDEO_CHUNK_SIZE; [serve] chunk_size. Default 1MiB.
    #[arg(long, value_name = "SIZE")]
    pub chunk_size: Option<String>,

    /// An origin allowed by CORS (repeat, or comma-separate; `*` allows any).
    /// Env ALLOWED_ORIGINS; [serve] allowed_origins. Default none (no CORS headers).
    #[arg(long = "allowed-origin", value_name = "ORIGIN", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,

    /// Serve the watch page /watch/{id} (an hls.js player) and its scripts under /player/. On by default.
    /// Env PLAYTUBE_PLAYER; [serve] player.
    #[arg(long, overrides_with = "no_player")]
    pub player: bool,

    /// Do not serve the watch page (/watch/{id} and /player/* answer 404).
    #[arg(long, overrides_with = "player")]
    pub no_player: bool,

    /// Where the watch page loads media from when that is another origin (a CDN, or another
    /// `playtube serve` that lists this server's origin in ALLOWED_ORIGINS), e.g. https://media.example.com.
    /// Env PLAYTUBE_MEDIA_BASE_URL; [serve] media_base_url. Default: this server.
    #[arg(long, value_name = "URL", value_hint = ValueHint::Url)]
    pub media_base_url: Option<String>,

    /// Runtime threads (1 = single-threaded). Env PLAYTUBE_WORKERS; [serve] workers. Default: CPUs.
    #[arg(long, value_name = "N")]
    pub workers: Option<usize>,

    /// Connections served at once. Env PLAYTUBE_MAX_CONNECTIONS; [serve] max_connections. Default 10000.
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,

    /// Write one access-log line per request. Env PLAYTUBE_ACCESS_LOG; [serve] access_log. Default true.
    #[arg(long, value_name = "BOOL")]
    pub access_log: Option<bool>,

    /// Log format on stderr. Env PLAYTUBE_LOG_FORMAT; [serve] log_format. Default human.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,

    /// Require signed links (see `playtube sign`) on /stream, /hls, /thumb and /watch.
    /// Env PLAYTUBE_REQUIRE_SIGNATURES; [serve] require_signatures. Default: true when a key is configured.
    #[arg(long, value_name = "BOOL")]
    pub require_signatures: Option<bool>,

    /// Serve HTTPS (HTTP/2 and HTTP/1.1 by ALPN) with this PEM certificate chain (leaf first); needs
    /// --tls-key. Both files are re-read on SIGHUP. Env PLAYTUBE_TLS_CERT; [serve] tls_cert.
    #[arg(long, value_name = "PEM", value_hint = ValueHint::FilePath)]
    pub tls_cert: Option<PathBuf>,

    /// The PEM private key (PKCS#8, PKCS#1 or SEC1) of --tls-cert. Env PLAYTUBE_TLS_KEY; [serve] tls_key.
    #[arg(long, value_name = "PEM", value_hint = ValueHint::FilePath)]
    pub tls_key: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// The server's base URL (http only). Env PLAYTUBE_URL. Default http://127.0.0.1:8090.
    #[arg(long, value_name = "URL", value_hint = ValueHint::Url)]
    pub url: Option<String>,

    /// Refresh every SECS seconds until interrupted (or until --count snapshots).
    #[arg(long, value_name = "SECS")]
    pub watch: Option<f64>,

    /// With --watch: stop after this many snapshots.
    #[arg(long, value_name = "N", requires = "watch")]
    pub count: Option<u64>,
}

/// Where the job queue is (enqueue, worker, jobs).
#[derive(Debug, Args)]
pub struct QueueArgs {
    /// The Redis server: redis://HOST:PORT/DB (or unix:///path/to/redis.sock).
    /// Env PLAYTUBE_QUEUE; [queue] url.
    #[arg(long = "queue", value_name = "URL", value_hint = ValueHint::Url)]
    pub url: Option<String>,

    /// Prefix of the queue's Redis keys (several queues can share one Redis).
    /// Env PLAYTUBE_QUEUE_NAME; [queue] name. Default playtube.
    #[arg(long = "queue-name", value_name = "NAME")]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct EnqueueArgs {
    /// Media files or folders (walked recursively) at paths the workers share, or s3:// / https:// URLs.
    #[arg(required = true, value_name = "SRC", value_hint = ValueHint::AnyPath)]
    pub sources: Vec<String>,

    /// The assets root the workers write to: each input becomes ASSETS/<id>/.
    #[arg(short, long = "out", value_name = "ASSETS", value_hint = ValueHint::DirPath)]
    pub out: Option<String>,

    /// Asset id for a single input (default: derived from the file name).
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,

    /// Only these rungs, comma-separated (e.g. 360p,720p).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub qualities: Vec<String>,

    /// x264 preset (ultrafast ... veryslow; default: the worker's).
    #[arg(long, value_name = "PRESET")]
    pub preset: Option<String>,

    #[command(flatten)]
    pub segments: SegmentArgs,

    /// Rebuild even if the asset is already finished (and queue a finished job again).
    #[arg(long)]
    pub force: bool,

    /// Let the job build from a source that ends before the duration it declares, keeping what could be
    /// read; the shortfall is recorded in meta.json and the job's result. Without it such a job fails.
    #[arg(long)]
    pub allow_partial: bool,

    #[command(flatten)]
    pub queue: QueueArgs,
}

#[derive(Debug, Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub queue: QueueArgs,

    /// Jobs built at the same time by this worker (default 1).
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,

    /// Seconds a claimed job may go without a heartbeat before another worker takes it over.
    /// Env PLAYTUBE_VISIBILITY_TIMEOUT; [queue] visibility_timeout. Default 60.
    #[arg(long, value_name = "SECS")]
    pub visibility_timeout: Option<f64>,

    /// Attempts (failures and takeovers) before a job is dead-lettered.
    /// Env PLAYTUBE_MAX_ATTEMPTS; [queue] max_attempts. Default 3.
    #[arg(long, value_name = "N")]
    pub max_attempts: Option<u32>,

    /// Seconds the jobs in hand may run on after SIGTERM before they are handed back.
    /// Env PLAYTUBE_GRACE_PERIOD; [queue] grace_period. Default 30.
    #[arg(long, value_name = "SECS")]
    pub grace: Option<f64>,

    /// POST each job's done (or final failed) event as JSON to this http:// URL.
    /// Env PLAYTUBE_WEBHOOK; [queue] webhook.
    #[arg(long, value_name = "URL", value_hint = ValueHint::Url)]
    pub webhook: Option<String>,
}

#[derive(Debug, Args)]
pub struct JobsArgs {
    #[command(flatten)]
    pub queue: QueueArgs,

    /// Show at most this many jobs, most recent first.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub limit: usize,

    /// Refresh every SECS seconds until interrupted (or until --count snapshots).
    #[arg(long, value_name = "SECS")]
    pub watch: Option<f64>,

    /// With --watch: stop after this many snapshots.
    #[arg(long, value_name = "N", requires = "watch")]
    pub count: Option<u64>,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Asset folders (ROOT/<id>, holding stream.mp4, hls/, ...) or assets roots (every <id>/ inside).
    #[arg(required = true, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub dirs: Vec<PathBuf>,

    /// Where to publish: s3://bucket/prefix (the last argument).
    #[arg(required = true, value_name = "DEST", value_hint = ValueHint::Url)]
    pub dest: String,

    /// Publish a new version even when the asset is already published (older versions are deleted
    /// after --keep-grace).
    #[arg(long)]
    pub force: bool,

    /// Keep replaced or unreferenced versions at least this many seconds (default 3600), so players
    /// that loaded an old playlist keep working and uploads in progress elsewhere are not touched.
    #[arg(long, value_name = "SECS")]
    pub keep_grace: Option<u64>,

    /// Uploads in flight at once (default 8). Env PLAYTUBE_STORAGE_CONCURRENCY.
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The project directory whose completions/ and man/ folders are (re)written.
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath, default_value = ".")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["path", "asset", "verify"])))]
pub struct SignArgs {
    /// The delivery path to sign: /stream/ID, /stream/ID/QUALITY, /hls/ID/master.m3u8 (the token admits
    /// the whole /hls/ID/ tree), /thumb/ID or /watch/ID; also /health and /stats when serve protects them.
    #[arg(value_name = "PATH")]
    pub path: Option<String>,

    /// Print every delivery URL of this asset: progressive stream, each quality, HLS master, thumbnail
    /// and watch page (with --json: a stream-config object).
    #[arg(long, value_name = "ID", conflicts_with = "path")]
    pub asset: Option<String>,

    /// Check a signed URL offline and say why it would be refused (exit 1) or until when it works (exit 0).
    #[arg(long, value_name = "URL", value_hint = ValueHint::Url, conflicts_with_all = ["path", "asset", "expires", "base_url"])]
    pub verify: Option<String>,

    /// When the link stops working: a duration (90s, 15m, 1h, 7d, 1h30m) or a Unix time in seconds
    /// (1767225600). Default: [sign] expires, else 1h.
    #[arg(long, value_name = "WHEN")]
    pub expires: Option<String>,

    /// Prefix for the printed links, e.g. https://cdn.example.com (default: [sign] base_url, else the
    /// bare path).
    #[arg(long, value_name = "URL", value_hint = ValueHint::Url)]
    pub base_url: Option<String>,

    /// Bind the link to one client address (IPv4 or IPv6). With --verify: the client address to check.
    #[arg(long, value_name = "ADDR")]
    pub ip: Option<std::net::IpAddr>,

    /// Sign with this named key from [sign.keys] (default: PLAYTUBE_SIGN_KID, [sign] kid, else the
    /// default key).
    #[arg(long, value_name = "KID")]
    pub kid: Option<String>,

    /// Read the default key from this file (one trailing newline is ignored).
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub key_file: Option<PathBuf>,

    /// With --asset: the qualities to list (comma-separated, e.g. 360p,720p).
    #[arg(long, value_name = "LIST", value_delimiter = ',', conflicts_with_all = ["path", "verify", "root"])]
    pub qualities: Vec<String>,

    /// With --asset: an assets root to read the asset's qualities (and which files exist) from; a
    /// local folder or s3://bucket/prefix (its published current version).
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath, conflicts_with_all = ["path", "verify"])]
    pub root: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn qualities_are_comma_separated() {
        let cli =
            Cli::try_parse_from(["playtube", "hls", "a.mp4", "-o", "assets", "--qualities", "360p,720p"]).unwrap();
        let Command::Hls(args) = cli.command else { panic!("not hls") };
        assert_eq!(args.common.qualities, ["360p", "720p"]);
    }

    #[test]
    fn global_flags_are_accepted_after_the_subcommand() {
        let cli = Cli::try_parse_from(["playtube", "generate", "--json", "-vv", "--color", "never"]).unwrap();
        assert!(cli.json);
        assert_eq!(cli.verbose, 2);
        assert_eq!(cli.color, ColorChoice::Never);
    }

    #[test]
    fn faststart_needs_exactly_one_destination() {
        assert!(Cli::try_parse_from(["playtube", "faststart", "a.mp4"]).is_err());
        assert!(Cli::try_parse_from(["playtube", "faststart", "a.mp4", "-o", "b.mp4", "--in-place"]).is_err());
        assert!(Cli::try_parse_from(["playtube", "faststart", "a.mp4", "b.mp4", "--in-place"]).is_ok());
    }

    #[test]
    fn probe_time_accepts_seconds_and_percent_and_defaults_to_ten_percent() {
        use crate::pipeline::thumbnail::At;
        let Command::Probe(args) = Cli::try_parse_from(["playtube", "probe", "a.mp4"]).unwrap().command else {
            panic!("not probe")
        };
        assert_eq!(args.at, At::Percent(10.0));
        let Command::Probe(args) = Cli::try_parse_from(["playtube", "probe", "a.mp4", "--at", "12.5"]).unwrap().command
        else {
            panic!("not probe")
        };
        assert_eq!(args.at, At::Seconds(12.5));
        assert!(Cli::try_parse_from(["playtube", "probe", "a.mp4", "--at", "soon"]).is_err());
    }

    #[test]
    fn sign_needs_exactly_one_of_path_asset_or_verify() {
        assert!(Cli::try_parse_from(["playtube", "sign"]).is_err());
        assert!(Cli::try_parse_from(["playtube", "sign", "/stream/a", "--asset", "a"]).is_err());
        assert!(Cli::try_parse_from(["playtube", "sign", "--verify", "/stream/a?x", "--expires", "1h"]).is_err());
        assert!(Cli::try_parse_from(["playtube", "sign", "/stream/a", "--qualities", "720p"]).is_err());
        let cli = Cli::try_parse_from(["playtube", "sign", "--asset", "a", "--qualities", "360p,720p"]).unwrap();
        let Command::Sign(args) = cli.command else { panic!("not sign") };
        assert_eq!(args.qualities, ["360p", "720p"]);
    }
}
