//! `[storage]` in playtube.toml and the standard AWS variables, resolved once into the plain
//! [`StorageOptions`] the storage module owns (flags > environment > file > defaults). Used by every
//! command that takes an `s3://` location. No network here: a bad value is a usage error naming
//! where it came from.

use std::time::Duration;

use serde::Deserialize;

use super::serve::Size;
use super::Settings;
use crate::exit::UsageError;
use crate::mime::{self, CachePolicy};
use crate::storage::{self, StorageOptions};
use crate::units::parse_size;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageSection {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub allow_http: Option<bool>,
    pub conditional_put: Option<bool>,
    pub concurrency: Option<usize>,
    pub multipart_threshold: Option<Size>,
    pub part_size: Option<Size>,
    pub max_retries: Option<usize>,
    pub retry_timeout: Option<f64>,
    pub request_timeout: Option<f64>,
    pub max_download: Option<Size>,
    pub keep_grace: Option<u64>,
    pub orphan_grace: Option<u64>,
}

/// Resolve the storage options; `concurrency` is the command's `--concurrency` flag, if any.
pub fn resolve(settings: &Settings, concurrency: Option<usize>) -> Result<StorageOptions, UsageError> {
    let file = &settings.file.storage;
    let env = &settings.env;
    let defaults = StorageOptions::default();
    let text = |keys: &[&str], file: &Option<String>| {
        env.first(keys).map(|(_, v)| v.to_owned()).or_else(|| file.clone()).filter(|v| !v.is_empty())
    };
    let flag = |key: &str, file: Option<bool>, default: bool| -> Result<bool, UsageError> {
        Ok(env.flag(key)?.or(file).unwrap_or(default))
    };
    let count = |key: &str, flag: Option<usize>, file: Option<usize>, default: usize| -> Result<usize, UsageError> {
        Ok(match flag {
            Some(v) => v,
            None => env.parse::<usize>(key)?.or(file).unwrap_or(default),
        })
    };
    let size = |key: &str, name: &str, file: &Option<Size>, default: u64| -> Result<u64, UsageError> {
        if let Some(raw) = env.get(key) {
            return parse_size(raw).ok_or_else(|| {
                UsageError::new(format!("environment variable {key}={raw:?} is not a size; use bytes or e.g. 8MiB"))
            });
        }
        match file {
            None => Ok(default),
            Some(Size::Bytes(n)) => Ok(*n),
            Some(Size::Text(t)) => parse_size(t).ok_or_else(|| {
                UsageError::new(format!("[storage] {name} = {t:?} is not a size; use bytes or e.g. \"8MiB\""))
            }),
        }
    };
    let secs = |key: &str, name: &str, file: Option<f64>, default: Duration| -> Result<Duration, UsageError> {
        match env.parse::<f64>(key)?.or(file) {
            None => Ok(default),
            Some(v) => Duration::try_from_secs_f64(v)
                .map_err(|_| UsageError::new(format!("{name} = {v} must be a number of seconds >= 0 (e.g. 60)"))),
        }
    };

    let endpoint = text(&["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"], &file.endpoint);
    if let Some(e) = &endpoint {
        if !(e.starts_with("http://") || e.starts_with("https://")) {
            return Err(UsageError::with_hint(
                format!("storage endpoint {e:?} must start with http:// or https://"),
                "set AWS_ENDPOINT_URL (or endpoint in [storage]) to e.g. http://127.0.0.1:3900",
            ));
        }
    }
    let options = StorageOptions {
        endpoint,
        region: text(&["AWS_REGION", "AWS_DEFAULT_REGION"], &file.region).unwrap_or(defaults.region),
        access_key_id: text(&["AWS_ACCESS_KEY_ID"], &file.access_key_id),
        secret_access_key: text(&["AWS_SECRET_ACCESS_KEY"], &file.secret_access_key),
        session_token: text(&["AWS_SESSION_TOKEN"], &None),
        allow_http: flag("AWS_ALLOW_HTTP", file.allow_http, defaults.allow_http)?,
        conditional_put: flag("PLAYTUBE_STORAGE_CONDITIONAL_PUT", file.conditional_put, defaults.conditional_put)?,
        concurrency: count("PLAYTUBE_STORAGE_CONCURRENCY", concurrency, file.concurrency, defaults.concurrency)?,
        multipart_threshold: size(
            "PLAYTUBE_STORAGE_MULTIPART_THRESHOLD",
            "multipart_threshold",
            &file.multipart_threshold,
            defaults.multipart_threshold,
        )?,
        part_size: size("PLAYTUBE_STORAGE_PART_SIZE", "part_size", &file.part_size, defaults.part_size as u64)?
            as usize,
        max_retries: count("PLAYTUBE_STORAGE_MAX_RETRIES", None, file.max_retries, defaults.max_retries)?,
        retry_timeout: secs(
            "PLAYTUBE_STORAGE_RETRY_TIMEOUT",
            "retry_timeout",
            file.retry_timeout,
            defaults.retry_timeout,
        )?,
        request_timeout: secs(
            "PLAYTUBE_STORAGE_REQUEST_TIMEOUT",
            "request_timeout",
            file.request_timeout,
            defaults.request_timeout,
        )?,
        connect_timeout: defaults.connect_timeout,
        max_download: size("PLAYTUBE_STORAGE_MAX_DOWNLOAD", "max_download", &file.max_download, defaults.max_download)?,
    };
    if !(1..=256).contains(&options.concurrency) {
        return Err(UsageError::new(format!("storage concurrency {} must be 1 to 256; try 8", options.concurrency)));
    }
    if !(storage::MIN_PART_SIZE..=storage::MAX_PART_SIZE).contains(&options.part_size) {
        return Err(UsageError::new(format!(
            "[storage] part_size {} must be 5MiB to 512MiB; try \"8MiB\"",
            options.part_size
        )));
    }
    if options.multipart_threshold < options.part_size as u64 {
        return Err(UsageError::new("[storage] multipart_threshold must be at least part_size"));
    }
    if options.access_key_id.is_some() != options.secret_access_key.is_some() {
        return Err(UsageError::with_hint(
            "only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY is set",
            "set both (or neither, for a public bucket)",
        ));
    }
    Ok(options)
}

/// The Cache-Control values `serve` sends (`[serve] cache_control_*` and their variables), so
/// published objects carry the same ones.
pub fn cache_policy(settings: &Settings) -> CachePolicy {
    let file = &settings.file.serve;
    let pick = |key: &str, file: &Option<String>, default: &str| {
        settings.env.get(key).map(str::to_owned).or_else(|| file.clone()).unwrap_or_else(|| default.to_owned())
    };
    CachePolicy {
        media: pick("PLAYTUBE_CACHE_CONTROL_MEDIA", &file.cache_control_media, mime::DEFAULT_CACHE_CONTROL_MEDIA),
        playlist: pick(
            "PLAYTUBE_CACHE_CONTROL_PLAYLIST",
            &file.cache_control_playlist,
            mime::DEFAULT_CACHE_CONTROL_PLAYLIST,
        ),
    }
}

/// Seconds replaced versions are kept: `--keep-grace` > `PLAYTUBE_STORAGE_KEEP_GRACE` >
/// `[storage] keep_grace` > one hour.
pub fn keep_grace(settings: &Settings, flag: Option<u64>) -> Result<Duration, UsageError> {
    let secs = match flag {
        Some(v) => Some(v),
        None => settings.env.parse::<u64>("PLAYTUBE_STORAGE_KEEP_GRACE")?.or(settings.file.storage.keep_grace),
    };
    Ok(secs.map(Duration::from_secs).unwrap_or(storage::DEFAULT_KEEP_GRACE))
}

/// Seconds a never-committed version (a crashed upload) is kept: `PLAYTUBE_STORAGE_ORPHAN_GRACE` >
/// `[storage] orphan_grace` > one day. It must exceed the longest publish, or a slow upload in
/// flight elsewhere could be collected.
pub fn orphan_grace(settings: &Settings) -> Result<Duration, UsageError> {
    let secs = settings.env.parse::<u64>("PLAYTUBE_STORAGE_ORPHAN_GRACE")?.or(settings.file.storage.orphan_grace);
    Ok(secs.map(Duration::from_secs).unwrap_or(storage::DEFAULT_ORPHAN_GRACE))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConfigFile, Env};

    fn settings(env: &[(&str, &str)], file: &str) -> Settings {
        let mut s = Settings::defaults(Env::from_pairs(env.iter().copied()));
        s.file = crate::config::parse(file).unwrap();
        s
    }

    #[test]
    fn aws_variables_beat_the_file_and_flags_beat_both() {
        let file =
            "[storage]\nendpoint = \"http://file:3900\"\nregion = \"file\"\nconcurrency = 3\nallow_http = true\n";
        let s = settings(
            &[("AWS_ENDPOINT_URL", "http://env:3900"), ("AWS_REGION", "garage"), ("PLAYTUBE_STORAGE_CONCURRENCY", "5")],
            file,
        );
        let o = resolve(&s, None).unwrap();
        assert_eq!(o.endpoint.as_deref(), Some("http://env:3900"));
        assert_eq!(o.region, "garage");
        assert_eq!(o.concurrency, 5);
        assert!(o.allow_http);
        assert_eq!(resolve(&s, Some(2)).unwrap().concurrency, 2);
        let only_file = resolve(&settings(&[], file), None).unwrap();
        assert_eq!((only_file.endpoint.as_deref(), only_file.region.as_str()), (Some("http://file:3900"), "file"));
    }

    #[test]
    fn defaults_need_no_settings() {
        let s = Settings::defaults(Env::default());
        let o = resolve(&s, None).unwrap();
        assert_eq!(o, StorageOptions::default());
        assert_eq!(keep_grace(&s, None).unwrap(), storage::DEFAULT_KEEP_GRACE);
        assert!(ConfigFile::default().storage.endpoint.is_none());
    }

    #[test]
    fn bad_values_name_their_source() {
        let e = resolve(&settings(&[("AWS_ALLOW_HTTP", "maybe")], ""), None).unwrap_err();
        assert!(e.to_string().contains("AWS_ALLOW_HTTP"), "{e}");
        let e = resolve(&settings(&[], "[storage]\npart_size = \"1MiB\"\n"), None).unwrap_err();
        assert!(e.to_string().contains("part_size"), "{e}");
        let e = resolve(&settings(&[("AWS_ACCESS_KEY_ID", "GK1")], ""), None).unwrap_err();
        assert!(e.to_string().contains("AWS_SECRET_ACCESS_KEY"), "{e}");
        let e = resolve(&settings(&[("AWS_ENDPOINT_URL", "localhost:3900")], ""), None).unwrap_err();
        assert!(e.to_string().contains("http://"), "{e}");
    }
}
