//! `playtube hls`: an HLS package under `ASSETS/<id>/hls/`, encoded once from the source, or segmented
//! by stream copy from the asset's renditions with `--from-renditions`. Orchestration only.

use super::transcode::Inputs;
use crate::cli::HlsArgs;
use crate::config::Settings;
use crate::exit::Code;
use crate::pipeline::asset::Products;

pub fn run(settings: &Settings, args: &HlsArgs) -> anyhow::Result<Code> {
    let inputs = if args.from_renditions { Inputs::AssetRenditions } else { Inputs::Media };
    super::transcode::run(settings, &args.common, Some(&args.segments), Products::HLS, inputs)
}
