//! `playtube renditions`: the quality ladder as faststart MP4s under `ASSETS/<id>/renditions/`, one
//! ffmpeg process per input. Orchestration only; the batch engine is `transcode`, the steps `build`.

use super::build::Kind;
use crate::cli::RenditionsArgs;
use crate::config::Settings;
use crate::exit::Code;

pub fn run(settings: &Settings, args: &RenditionsArgs) -> anyhow::Result<Code> {
    super::transcode::run(settings, &args.common, None, Kind::Renditions)
}
