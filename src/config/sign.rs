//! The `[sign]` section of playtube.toml and its layering with flags and environment.

use serde::Deserialize;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SignSection {}
