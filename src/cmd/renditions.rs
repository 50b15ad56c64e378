//! `playtube renditions`: the quality ladder as faststart MP4s under `ASSETS/<id>/renditions/`, one
//! ffmpeg process per input. Orchestration only; the batch engine is `transcode`, the build
//! `pipeline::asset`.

use super::transcode::Inputs;
use crate::cli::RenditionsArgs;
use crate::config::Settings;
use crate::exit::Code;
use crate::pipeline::asset::Products;

pub fn run(settings: &Settings, args: &RenditionsArgs) -> anyhow::Result<Code> {
    super::transcode::run(settings, &args.common, None, Products::RENDITIONS, Inputs::Media)
}
