//! One setting's names and how it is layered: a [`Knob`] is declared once per setting (its flag, its
//! environment variables, its file key) and its helpers per kind (size, count, bool, seconds, text)
//! resolve it with the one rule of [`Layer`], flag > environment > playtube.toml > default, so every
//! message about a bad value names where that value came from. Used by the sections whose settings
//! have several names (`[serve]`, `[storage]`); [`Size`] is the file's spelling of a byte size.

use std::time::Duration;

use serde::Deserialize;

use super::{parse_bool, Env, Layer, Origin};
use crate::exit::UsageError;
use crate::units::parse_size;

/// A byte size in the file: a number of bytes or a string such as `"512MiB"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Size {
    Bytes(u64),
    Text(String),
}

/// The names of one setting, declared once and used both to look it up and in every message about it:
/// its flag (`""` when it has none), its environment variables (the first one set wins) and its key in
/// playtube.toml (`"[serve] cache_size"`).
#[derive(Debug, Clone, Copy)]
pub struct Knob {
    pub flag: &'static str,
    pub env: &'static [&'static str],
    pub file: &'static str,
}

impl Knob {
    /// This knob's [`Layer`]: the first of its variables that is set takes the environment's place.
    pub fn layer<T>(self, env: &Env, flag: Option<T>, file: Option<T>, default: T) -> Layer<'_, T> {
        let var = self.env.iter().copied().find(|k| env.get(k).is_some()).or(self.env.first().copied());
        Layer {
            flag: flag.map(|v| (v, self.flag)),
            env: var.map(|k| (env, k)),
            file: file.map(|v| (v, self.file)),
            default,
        }
    }

    /// A byte size: bytes or text such as `512MiB` from any layer.
    pub fn size(
        self,
        env: &Env,
        flag: Option<&String>,
        file: Option<&Size>,
        default: u64,
    ) -> Result<(u64, Origin), UsageError> {
        let (value, from) = self
            .layer(env, flag.cloned().map(Size::Text), file.cloned(), Size::Bytes(default))
            .resolve_with(|raw| Ok(Size::Text(raw.to_owned())))?;
        match value {
            Size::Bytes(n) => Ok((n, from)),
            Size::Text(t) => match parse_size(&t) {
                Some(n) => Ok((n, from)),
                None => Err(UsageError::new(format!("{} is not a size; use bytes or e.g. 512MiB", from.quote(&t)))),
            },
        }
    }

    pub fn count(
        self,
        env: &Env,
        flag: Option<usize>,
        file: Option<usize>,
        default: usize,
    ) -> Result<(usize, Origin), UsageError> {
        self.layer(env, flag, file, default).resolve()
    }

    /// A switch: the variable may say 1/true/yes/on or 0/false/no/off.
    pub fn bool(self, env: &Env, flag: Option<bool>, file: Option<bool>, default: bool) -> Result<bool, UsageError> {
        let parse = |raw: &str| parse_bool(raw).ok_or_else(|| "must be true or false".to_owned());
        Ok(self.layer(env, flag, file, default).resolve_with(parse)?.0)
    }

    /// A time in seconds (fractions allowed), at least 0.
    pub fn secs(self, env: &Env, file: Option<f64>, default: Duration) -> Result<(Duration, Origin), UsageError> {
        let (value, from) = self.layer(env, None, file, default.as_secs_f64()).resolve()?;
        let secs = Duration::try_from_secs_f64(value).map_err(|_| {
            UsageError::new(format!("{} must be a number of seconds >= 0 (e.g. 15)", from.quote(&value)))
        })?;
        Ok((secs, from))
    }

    /// Text with a default.
    pub fn text(
        self,
        env: &Env,
        flag: Option<String>,
        file: Option<&String>,
        default: &str,
    ) -> Result<(String, Origin), UsageError> {
        self.layer(env, flag, file.cloned(), default.to_owned()).resolve()
    }

    /// Text without a default: `None` when no layer sets it.
    pub fn optional(
        self,
        env: &Env,
        flag: Option<&String>,
        file: Option<&String>,
    ) -> Result<(Option<String>, Origin), UsageError> {
        self.layer(env, flag.cloned().map(Some), file.cloned().map(Some), None)
            .resolve_with(|raw| Ok(Some(raw.to_owned())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PART: Knob = Knob { flag: "--part-size", env: &["A_PART", "B_PART"], file: "[x] part_size" };

    #[test]
    fn the_first_variable_set_wins_and_errors_name_it() {
        let env = Env::from_pairs([("B_PART", "2MiB")]);
        assert_eq!(PART.size(&env, None, None, 1).unwrap(), (2 << 20, Origin::Env("B_PART")));
        let env = Env::from_pairs([("A_PART", "lots"), ("B_PART", "2MiB")]);
        let err = PART.size(&env, None, None, 1).unwrap_err();
        assert!(err.message.contains("A_PART=\"lots\""), "{}", err.message);
    }

    #[test]
    fn a_file_size_is_checked_and_named() {
        let env = Env::default();
        let file = Size::Text("8MiB".into());
        assert_eq!(PART.size(&env, None, Some(&file), 1).unwrap(), (8 << 20, Origin::File("[x] part_size")));
        let err = PART.size(&env, None, Some(&Size::Text("big".into())), 1).unwrap_err();
        assert!(err.message.contains("[x] part_size = \"big\""), "{}", err.message);
        let flag = "1KiB".to_owned();
        assert_eq!(PART.size(&env, Some(&flag), Some(&file), 1).unwrap(), (1024, Origin::Flag("--part-size")));
    }
}
