//! `playtube prepare`: the design document's whole chain for each input, from one decode: meta.json,
//! thumb.jpg, a faststart stream.mp4, the renditions and the HLS package. Orchestration only.

use super::transcode::Inputs;
use crate::cli::PrepareArgs;
use crate::config::Settings;
use crate::exit::Code;
use crate::pipeline::asset::Products;

pub fn run(settings: &Settings, args: &PrepareArgs) -> anyhow::Result<Code> {
    super::transcode::run(settings, &args.common, Some(&args.segments), Products::ALL, Inputs::Media)
}
