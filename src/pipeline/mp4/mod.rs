//! Native MP4 (ISO BMFF / QuickTime) box handling, without ffmpeg: reading the top-level box layout
//! (is the index before the media data? is the file fragmented?) and the faststart rewrite that moves
//! `moov` in front of `mdat`. It reads box headers and chunk-offset tables only; it never decodes or
//! interprets media samples, and it knows nothing of ffprobe or the command line.

mod boxes;
mod faststart;
mod moov;
mod samples;

pub use boxes::{read_layout, BoxHeader, FourCc, Layout};
pub use faststart::{faststart, Options, Outcome, Rewrite};

use std::path::PathBuf;

/// Why an MP4 could not be read or rewritten. Callers branch on it: `probe` turns `NotMp4` into
/// "faststart: unknown", `faststart` reports the rest as a failed input.
#[derive(Debug, thiserror::Error)]
pub enum Mp4Error {
    #[error("empty file")]
    Empty,
    #[error("not an MP4 file: {0}")]
    NotMp4(String),
    #[error("truncated MP4: {0}")]
    Truncated(String),
    #[error("corrupt MP4: {0}")]
    Corrupt(String),
    #[error("unsupported MP4: {0}")]
    Unsupported(String),
    #[error("interrupted")]
    Interrupted(#[source] crate::exit::Interrupted),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl Mp4Error {
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Mp4Error {
        let context = context.into();
        move |source| Mp4Error::Io { context, source }
    }

    pub(crate) fn io_path(what: &str, path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Mp4Error {
        Mp4Error::io(format!("{what} {}", path.display()))
    }
}

/// Where an output goes: a new file, or the input replaced in place (both atomic).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    File(PathBuf),
    InPlace,
}
