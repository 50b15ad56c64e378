//! playtube: prepare videos for web playback and deliver them.
//!
//! The library holds the whole program so tests can drive it in-process; `main.rs` only parses the
//! command line and calls [`run`]. Module map:
//!
//! - `cli` (clap types) -> `config` (layered settings) -> `cmd::<name>::run` (orchestration)
//! - `pipeline` (ffmpeg/ffprobe, MP4 boxes, ladders, HLS) knows nothing of the CLI or HTTP
//! - `layout` is the one contract between the pipeline that writes assets and the server that reads them
//! - `signing` (pure HMAC links: scheme, query parser, playlist rewriting) is shared by `cmd::sign` and
//!   the server's gate (`server::auth`)
//! - `queue` (Redis Streams job queue: job/event formats, claim, heartbeats, takeover, dead letters) knows
//!   nothing of the CLI or the pipeline; the `enqueue`/`worker`/`jobs` commands join it to the pipeline
//! - `ui` decides how things print; `exit` maps outcomes to exit codes; `atomic` makes outputs atomic
//! - `storage` is where assets live in object storage (`s3://`), with the publish commit point;
//!   `mime` (content types, cache policy) is shared by the server and storage

pub mod atomic;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod exit;
pub mod inputs;
pub mod layout;
pub mod m3u8;
pub mod mime;
pub mod pipeline;
pub mod queue;
pub mod server;
pub mod signing;
pub mod storage;
pub mod ui;
pub mod units;

use cli::{Cli, Command};
use config::Settings;

/// Resolve settings and run the chosen subcommand.
pub fn run(cli: Cli) -> anyhow::Result<exit::Code> {
    let settings = Settings::from_cli(&cli)?;
    match &cli.command {
        Command::Renditions(args) => cmd::renditions::run(&settings, args),
        Command::Hls(args) => cmd::hls::run(&settings, args),
        Command::Prepare(args) => cmd::prepare::run(&settings, args),
        Command::Generate(args) => cmd::generate::run(&settings, args),
        Command::Probe(args) => cmd::probe::run(&settings, args),
        Command::Faststart(args) => cmd::faststart::run(&settings, args),
        Command::Sign(args) => cmd::sign::run(&settings, args),
        Command::Serve(args) => cmd::serve::run(&settings, args),
        Command::Stats(args) => cmd::stats::run(&settings, args),
        Command::Publish(args) => cmd::publish::run(&settings, args),
        Command::Enqueue(args) => cmd::enqueue::run(&settings, args),
        Command::Worker(args) => cmd::worker::run(&settings, args),
        Command::Jobs(args) => cmd::jobs::run(&settings, args),
    }
}
