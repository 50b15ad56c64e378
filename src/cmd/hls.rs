//! `playtube hls`: an HLS package under `ASSETS/<id>/hls/`, encoded once from the source, or segmented
//! by stream copy from the asset's renditions with `--from-renditions`. Orchestration only.

use super::build::Kind;
use crate::cli::HlsArgs;
use crate::config::Settings;
use crate::exit::Code;

pub fn run(settings: &Settings, args: &HlsArgs) -> anyhow::Result<Code> {
    let kind = if args.from_renditions { Kind::HlsFromRenditions } else { Kind::Hls };
    super::transcode::run(settings, &args.common, Some(&args.segments), kind)
}
