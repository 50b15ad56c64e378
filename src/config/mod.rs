//! `playtube.toml`: the file schema, where the file is found, and the layering of settings
//! (flags > environment > file > built-in defaults). Each subcommand's section lives in its own
//! submodule with a `resolve` that returns plain, validated settings, so nothing downstream sees an
//! `Option` for something that has a default. This module reads the file and the environment once;
//! it does not run tools or touch the network.

pub mod knob;
pub mod pipeline;
pub mod probe;
pub mod queue;
pub mod serve;
pub mod sign;
pub mod storage;
pub mod tools;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

use crate::cli::{Cli, ColorChoice};
use crate::exit::UsageError;
use crate::ui::{ColorWhen, Output, OutputOptions};

/// The whole `playtube.toml`. Unknown keys anywhere are an error naming the key and the file.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConfigFile {
    /// Path to the ffmpeg binary (default: found on PATH).
    pub ffmpeg: Option<PathBuf>,
    /// Path to the ffprobe binary (default: found on PATH).
    pub ffprobe: Option<PathBuf>,
    pub probe: probe::ProbeSection,
    pub pipeline: pipeline::PipelineSection,
    pub serve: serve::ServeSection,
    pub sign: sign::SignSection,
    pub storage: storage::StorageSection,
    pub queue: queue::QueueSection,
}

/// A snapshot of the process environment, taken once, so that layering is testable without touching
/// the real environment.
#[derive(Debug, Default, Clone)]
pub struct Env(BTreeMap<String, String>);

impl Env {
    pub fn from_process() -> Self {
        Env(std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))).collect())
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Env(pairs.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect())
    }

    /// The variable's value, if set and not empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// The first of several names that is set (e.g. `PLAYTUBE_SECRET_KEY`, then `GO_VIDEO_SECRET_KEY`).
    pub fn first<'a>(&'a self, keys: &[&'a str]) -> Option<(&'a str, &'a str)> {
        keys.iter().find_map(|k| self.get(k).map(|v| (*k, v)))
    }

    /// Parse a variable with `FromStr`; a value that does not parse is a usage error naming it.
    pub fn parse<T: std::str::FromStr>(&self, key: &str) -> Result<Option<T>, UsageError>
    where
        T::Err: std::fmt::Display,
    {
        match self.get(key) {
            None => Ok(None),
            Some(raw) => raw
                .parse()
                .map(Some)
                .map_err(|e| UsageError::new(format!("environment variable {key}={raw:?} is invalid: {e}"))),
        }
    }

    /// A boolean variable: 1/true/yes/on or 0/false/no/off.
    pub fn flag(&self, key: &str) -> Result<Option<bool>, UsageError> {
        match self.get(key) {
            None => Ok(None),
            Some(raw) => parse_bool(raw)
                .map(Some)
                .ok_or_else(|| UsageError::new(format!("environment variable {key}={raw:?} must be true or false"))),
        }
    }
}

/// Where a setting's value came from, named in every message about a bad value: the flag, the
/// environment variable, the file key, or the built-in default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// `--preset`
    Flag(&'static str),
    /// `PLAYTUBE_PRESET`
    Env(&'static str),
    /// `[pipeline] preset` (in the config file that was read)
    File(&'static str),
    Default,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Flag(name) | Origin::Env(name) | Origin::File(name) => f.write_str(name),
            Origin::Default => f.write_str("default"),
        }
    }
}

/// One setting resolved by the one precedence rule: flag > environment > playtube.toml > default.
/// An environment value that does not parse is a usage error naming the variable.
pub struct Layer<'a, T> {
    pub flag: Option<(T, &'static str)>,
    pub env: Option<(&'a Env, &'static str)>,
    pub file: Option<(T, &'static str)>,
    pub default: T,
}

impl<T: std::str::FromStr> Layer<'_, T>
where
    T::Err: std::fmt::Display,
{
    pub fn resolve(self) -> Result<(T, Origin), UsageError> {
        self.resolve_with(|raw| raw.parse().map_err(|e| format!("is invalid: {e}")))
    }
}

impl<T> Layer<'_, T> {
    /// [`Layer::resolve`] with the variable's text read by `parse`, whose error finishes the sentence
    /// "environment variable NAME=\"raw\" …" (e.g. `"must be true or false"`).
    pub fn resolve_with(self, parse: impl FnOnce(&str) -> Result<T, String>) -> Result<(T, Origin), UsageError> {
        if let Some((v, name)) = self.flag {
            return Ok((v, Origin::Flag(name)));
        }
        if let Some((env, key)) = self.env {
            if let Some(raw) = env.get(key) {
                let v = parse(raw).map_err(|e| UsageError::new(format!("environment variable {key}={raw:?} {e}")))?;
                return Ok((v, Origin::Env(key)));
            }
        }
        if let Some((v, key)) = self.file {
            return Ok((v, Origin::File(key)));
        }
        Ok((self.default, Origin::Default))
    }
}

impl Origin {
    /// The value as its origin spells it, to start a message about it: `--cache-size "lots"`,
    /// `environment variable VIDEO_CACHE_SIZE="lots"`, `[serve] cache_size = "lots"`, `default "lots"`.
    pub fn quote(&self, raw: &dyn std::fmt::Debug) -> String {
        match self {
            Origin::Flag(name) => format!("{name} {raw:?}"),
            Origin::Env(name) => format!("environment variable {name}={raw:?}"),
            Origin::File(key) => format!("{key} = {raw:?}"),
            Origin::Default => format!("default {raw:?}"),
        }
    }
}

pub fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// Everything a subcommand needs that is not specific to its own flags.
#[derive(Debug, Clone)]
pub struct Settings {
    pub output: Output,
    /// The config file that was read, if any (for messages).
    pub config_path: Option<PathBuf>,
    pub file: ConfigFile,
    pub env: Env,
}

impl Settings {
    /// Resolve the global settings from the parsed command line and the process environment.
    pub fn from_cli(cli: &Cli) -> anyhow::Result<Settings> {
        Settings::resolve(cli, Env::from_process())
    }

    pub fn resolve(cli: &Cli, env: Env) -> anyhow::Result<Settings> {
        let config_path = find_config(cli.config.as_deref(), &env)?;
        let file = match &config_path {
            Some(path) => load(path)?,
            None => ConfigFile::default(),
        };
        let output = Output::new(&OutputOptions {
            json: cli.json,
            quiet: cli.quiet,
            verbose: cli.verbose,
            color: match cli.color {
                ColorChoice::Auto => ColorWhen::Auto,
                ColorChoice::Always => ColorWhen::Always,
                ColorChoice::Never => ColorWhen::Never,
            },
            no_color: env.get("NO_COLOR").is_some(),
            dumb_terminal: env.get("TERM") == Some("dumb"),
        });
        Ok(Settings { output, config_path, file, env })
    }

    /// Settings for in-process use (tests, embedding): defaults, no file, the given environment.
    pub fn defaults(env: Env) -> Settings {
        Settings { output: Output::plain(), config_path: None, file: ConfigFile::default(), env }
    }
}

/// `--config`/`PLAYTUBE_CONFIG` must exist; otherwise `./playtube.toml`, then
/// `$XDG_CONFIG_HOME/playtube/config.toml` (or `~/.config/...`), are used when present.
fn find_config(explicit: Option<&Path>, env: &Env) -> anyhow::Result<Option<PathBuf>> {
    if let Some(path) = explicit {
        if !path.is_file() {
            return Err(UsageError::new(format!("config file {} does not exist", path.display())).into());
        }
        return Ok(Some(path.to_owned()));
    }
    let local = PathBuf::from("playtube.toml");
    if local.is_file() {
        return Ok(Some(local));
    }
    let base =
        env.get("XDG_CONFIG_HOME").map(PathBuf::from).or_else(|| env.get("HOME").map(|h| Path::new(h).join(".config")));
    Ok(base.map(|b| b.join("playtube").join("config.toml")).filter(|p| p.is_file()))
}

/// Read and parse one config file. Syntax errors and unknown keys are usage errors naming the file.
pub fn load(path: &Path) -> anyhow::Result<ConfigFile> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading config file {}", path.display()))?;
    parse(&text).map_err(|e| {
        UsageError::with_hint(
            format!("config file {}: {}", path.display(), e.message()),
            match e.span() {
                Some(span) => {
                    format!("at line {}; see fixtures/playtube.toml for every key", line_of(&text, span.start))
                }
                None => "see fixtures/playtube.toml for every key".to_owned(),
            },
        )
        .into()
    })
}

pub fn parse(text: &str) -> Result<ConfigFile, toml::de::Error> {
    toml::from_str(text)
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].lines().count().max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_rejected_with_its_name() {
        let err = parse("ffmpeg = \"/usr/bin/ffmpeg\"\nffmpge_typo = 1\n").unwrap_err();
        assert!(err.message().contains("ffmpge_typo"), "{}", err.message());
    }

    #[test]
    fn unknown_key_in_a_section_is_rejected() {
        let err = parse("[probe]\nthumb_wdth = 3\n").unwrap_err();
        assert!(err.message().contains("thumb_wdth"), "{}", err.message());
    }

    #[test]
    fn example_config_in_fixtures_parses() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/playtube.toml")).unwrap();
        parse(&text).unwrap();
    }

    #[test]
    fn empty_environment_values_count_as_unset() {
        let env = Env::from_pairs([("A", ""), ("B", "x")]);
        assert_eq!(env.get("A"), None);
        assert_eq!(env.first(&["A", "B"]), Some(("B", "x")));
    }
}
