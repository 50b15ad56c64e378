//! The `[probe]` section of playtube.toml: thumbnail settings shared by `probe --thumbnail` and the
//! pipeline's `thumb.jpg`.

use serde::Deserialize;

use super::Settings;

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
    pub fn resolve(settings: &Settings) -> anyhow::Result<ThumbnailSettings> {
        let width = settings
            .env
            .parse::<u32>("PLAYTUBE_THUMBNAIL_WIDTH")?
            .or(settings.file.probe.thumbnail_width)
            .unwrap_or(DEFAULT_THUMBNAIL_WIDTH);
        if !(16..=7680).contains(&width) {
            return Err(crate::exit::UsageError::new(format!(
                "thumbnail width {width} is out of range; use 16 to 7680 (e.g. 640)"
            ))
            .into());
        }
        Ok(ThumbnailSettings { width })
    }
}
