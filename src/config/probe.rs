//! The `[probe]` section of playtube.toml: thumbnail settings shared by `probe --thumbnail` and the
//! pipeline's `thumb.jpg`.

use serde::Deserialize;

use super::{Layer, Settings};
use crate::exit::UsageError;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProbeSection {
    /// Width of thumbnails in pixels (height follows the aspect ratio). Default 640.
    pub thumbnail_width: Option<u32>,
}

/// Resolved thumbnail settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThumbnailSettings {
    pub width: u32,
}

pub const DEFAULT_THUMBNAIL_WIDTH: u32 = 640;

impl ThumbnailSettings {
    /// env `PLAYTUBE_THUMBNAIL_WIDTH` > `[probe] thumbnail_width` > 640.
    pub fn resolve(settings: &Settings) -> Result<ThumbnailSettings, UsageError> {
        let (width, from) = Layer {
            flag: None,
            env: Some((&settings.env, "PLAYTUBE_THUMBNAIL_WIDTH")),
            file: settings.file.probe.thumbnail_width.map(|w| (w, "[probe] thumbnail_width")),
            default: DEFAULT_THUMBNAIL_WIDTH,
        }
        .resolve()?;
        if !(16..=7680).contains(&width) {
            return Err(UsageError::new(format!(
                "thumbnail width {width} (from {from}) is out of range; use 16 to 7680 (e.g. 640)"
            )));
        }
        Ok(ThumbnailSettings { width })
    }
}
