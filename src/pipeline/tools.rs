//! The ffmpeg and ffprobe binaries the pipeline runs, as explicit paths. Finding them (environment,
//! playtube.toml, PATH) is the edge's job (`config::tools`); nothing here looks anything up.

use std::path::PathBuf;

/// The located binaries.
#[derive(Debug, Clone)]
pub struct Tools {
    pub ffmpeg: PathBuf,
    pub ffprobe: PathBuf,
}
