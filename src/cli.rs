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
    /// Serve an assets root over HTTP: progressive MP4 with Range, HLS, posters, /health and /stats.
    ///
    /// Settings are layered: flags > environment (VIDEO_CACHE_SIZE, VIDEO_CACHE_ENABLED, VIDEO_CHUNK_SIZE,
    /// ALLOWED_ORIGINS, PLAYTUBE_ROOT, PLAYTUBE_ADDR, PLAYTUBE_*) > [serve] in playtube.toml > defaults.
    /// Stops on SIGTERM or Ctrl-C after responses in flight finish (within the grace period), exit 0.
    Serve(ServeArgs),
    /// Show a running server's /stats as a table (or JSON with --json).
    Stats(StatsArgs),
    /// Write shell completions and man pages (used to refresh completions/ and man/).
    #[command(hide = true)]
    Generate(GenerateArgs),
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

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The project directory whose completions/ and man/ folders are (re)written.
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath, default_value = ".")]
    pub out: PathBuf,
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
    fn global_flags_are_accepted_after_the_subcommand() {
        let cli = Cli::try_parse_from(["playtube", "generate", "--json", "-vv", "--color", "never"]).unwrap();
        assert!(cli.json);
        assert_eq!(cli.verbose, 2);
        assert_eq!(cli.color, ColorChoice::Never);
    }
}
