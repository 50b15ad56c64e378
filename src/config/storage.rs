//! `[storage]` in playtube.toml and the standard AWS variables, resolved once into the plain
//! [`StorageOptions`] the storage module owns (flags > environment > file > defaults, one [`Knob`] per
//! setting, so a bad value is named as it was given). Used by every
//! command that takes an `s3://` location. No network here: a bad value is a usage error naming
//! where it came from.

use std::time::Duration;

use serde::Deserialize;

use super::knob::{Knob, Size};
use super::Settings;
use crate::exit::UsageError;
use crate::storage::{self, StorageOptions};

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

const ENDPOINT: Knob = Knob { flag: "", env: &["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"], file: "[storage] endpoint" };
const REGION: Knob = Knob { flag: "", env: &["AWS_REGION", "AWS_DEFAULT_REGION"], file: "[storage] region" };
const ACCESS_KEY_ID: Knob = Knob { flag: "", env: &["AWS_ACCESS_KEY_ID"], file: "[storage] access_key_id" };
const SECRET_ACCESS_KEY: Knob = Knob { flag: "", env: &["AWS_SECRET_ACCESS_KEY"], file: "[storage] secret_access_key" };
const SESSION_TOKEN: Knob = Knob { flag: "", env: &["AWS_SESSION_TOKEN"], file: "" };
const ALLOW_HTTP: Knob = Knob { flag: "", env: &["AWS_ALLOW_HTTP"], file: "[storage] allow_http" };
const CONDITIONAL_PUT: Knob =
    Knob { flag: "", env: &["PLAYTUBE_STORAGE_CONDITIONAL_PUT"], file: "[storage] conditional_put" };
const CONCURRENCY: Knob =
    Knob { flag: "--concurrency", env: &["PLAYTUBE_STORAGE_CONCURRENCY"], file: "[storage] concurrency" };
const MULTIPART_THRESHOLD: Knob =
    Knob { flag: "", env: &["PLAYTUBE_STORAGE_MULTIPART_THRESHOLD"], file: "[storage] multipart_threshold" };
const PART_SIZE: Knob = Knob { flag: "", env: &["PLAYTUBE_STORAGE_PART_SIZE"], file: "[storage] part_size" };
const MAX_RETRIES: Knob = Knob { flag: "", env: &["PLAYTUBE_STORAGE_MAX_RETRIES"], file: "[storage] max_retries" };
const RETRY_TIMEOUT: Knob =
    Knob { flag: "", env: &["PLAYTUBE_STORAGE_RETRY_TIMEOUT"], file: "[storage] retry_timeout" };
const REQUEST_TIMEOUT: Knob =
    Knob { flag: "", env: &["PLAYTUBE_STORAGE_REQUEST_TIMEOUT"], file: "[storage] request_timeout" };
const MAX_DOWNLOAD: Knob = Knob { flag: "", env: &["PLAYTUBE_STORAGE_MAX_DOWNLOAD"], file: "[storage] max_download" };
const KEEP_GRACE: Knob =
    Knob { flag: "--keep-grace", env: &["PLAYTUBE_STORAGE_KEEP_GRACE"], file: "[storage] keep_grace" };
const ORPHAN_GRACE: Knob = Knob { flag: "", env: &["PLAYTUBE_STORAGE_ORPHAN_GRACE"], file: "[storage] orphan_grace" };

/// Resolve the storage options; `concurrency` is the command's `--concurrency` flag, if any.
pub fn resolve(settings: &Settings, concurrency: Option<usize>) -> Result<StorageOptions, UsageError> {
    let file = &settings.file.storage;
    let env = &settings.env;
    let d = StorageOptions::default();
    // Text settings: an empty value in the file counts as unset, as an empty variable does.
    let text = |knob: Knob, file: &Option<String>| -> Result<Option<String>, UsageError> {
        Ok(knob.optional(env, None, file.as_ref())?.0.filter(|v| !v.is_empty()))
    };

    let endpoint = text(ENDPOINT, &file.endpoint)?;
    if let Some(e) = &endpoint {
        if !(e.starts_with("http://") || e.starts_with("https://")) {
            return Err(UsageError::with_hint(
                format!("storage endpoint {e:?} must start with http:// or https://"),
                "set AWS_ENDPOINT_URL (or endpoint in [storage]) to e.g. http://127.0.0.1:3900",
            ));
        }
    }
    let (concurrency, from) = CONCURRENCY.count(env, concurrency, file.concurrency, d.concurrency)?;
    if !(1..=256).contains(&concurrency) {
        return Err(UsageError::new(format!("{} must be 1 to 256; try 8", from.quote(&concurrency))));
    }
    let (part_size, from) = PART_SIZE.size(env, None, file.part_size.as_ref(), d.part_size as u64)?;
    if !(storage::MIN_PART_SIZE as u64..=storage::MAX_PART_SIZE as u64).contains(&part_size) {
        return Err(UsageError::new(format!("{from} is {part_size} bytes; it must be 5MiB to 512MiB; try \"8MiB\"")));
    }
    let (multipart_threshold, from) =
        MULTIPART_THRESHOLD.size(env, None, file.multipart_threshold.as_ref(), d.multipart_threshold)?;
    if multipart_threshold < part_size {
        return Err(UsageError::new(format!(
            "{from} is {multipart_threshold} bytes; it must be at least the part size, {part_size} bytes"
        )));
    }
    let options = StorageOptions {
        endpoint,
        region: text(REGION, &file.region)?.unwrap_or(d.region),
        access_key_id: text(ACCESS_KEY_ID, &file.access_key_id)?,
        secret_access_key: text(SECRET_ACCESS_KEY, &file.secret_access_key)?,
        session_token: text(SESSION_TOKEN, &None)?,
        allow_http: ALLOW_HTTP.bool(env, None, file.allow_http, d.allow_http)?,
        conditional_put: CONDITIONAL_PUT.bool(env, None, file.conditional_put, d.conditional_put)?,
        concurrency,
        multipart_threshold,
        part_size: part_size as usize,
        max_retries: MAX_RETRIES.count(env, None, file.max_retries, d.max_retries)?.0,
        retry_timeout: RETRY_TIMEOUT.secs(env, file.retry_timeout, d.retry_timeout)?.0,
        request_timeout: REQUEST_TIMEOUT.secs(env, file.request_timeout, d.request_timeout)?.0,
        connect_timeout: d.connect_timeout,
        max_download: MAX_DOWNLOAD.size(env, None, file.max_download.as_ref(), d.max_download)?.0,
    };
    if options.access_key_id.is_some() != options.secret_access_key.is_some() {
        return Err(UsageError::with_hint(
            "only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY is set",
            "set both (or neither, for a public bucket)",
        ));
    }
    Ok(options)
}

/// Seconds replaced versions are kept: `--keep-grace` > `PLAYTUBE_STORAGE_KEEP_GRACE` >
/// `[storage] keep_grace` > one hour.
pub fn keep_grace(settings: &Settings, flag: Option<u64>) -> Result<Duration, UsageError> {
    let default = storage::DEFAULT_KEEP_GRACE.as_secs();
    let (secs, _) = KEEP_GRACE.layer(&settings.env, flag, settings.file.storage.keep_grace, default).resolve()?;
    Ok(Duration::from_secs(secs))
}

/// Seconds a never-committed version (a crashed upload) is kept: `PLAYTUBE_STORAGE_ORPHAN_GRACE` >
/// `[storage] orphan_grace` > one day. It must exceed the longest publish, or a slow upload in
/// flight elsewhere could be collected.
pub fn orphan_grace(settings: &Settings) -> Result<Duration, UsageError> {
    let default = storage::DEFAULT_ORPHAN_GRACE.as_secs();
    let (secs, _) = ORPHAN_GRACE.layer(&settings.env, None, settings.file.storage.orphan_grace, default).resolve()?;
    Ok(Duration::from_secs(secs))
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
        // A bad value is named as it was given, whichever layer gave it.
        let e = resolve(&settings(&[("PLAYTUBE_STORAGE_PART_SIZE", "1MiB")], ""), None).unwrap_err();
        assert!(e.to_string().contains("PLAYTUBE_STORAGE_PART_SIZE"), "{e}");
        let e = resolve(&settings(&[("PLAYTUBE_STORAGE_CONCURRENCY", "0")], ""), None).unwrap_err();
        assert!(e.to_string().contains("PLAYTUBE_STORAGE_CONCURRENCY"), "{e}");
        let e = resolve(&settings(&[], "[storage]\nconcurrency = 900\n"), Some(0)).unwrap_err();
        assert!(e.to_string().contains("--concurrency"), "{e}");
        let e = keep_grace(&settings(&[("PLAYTUBE_STORAGE_KEEP_GRACE", "soon")], ""), None).unwrap_err();
        assert!(e.to_string().contains("PLAYTUBE_STORAGE_KEEP_GRACE"), "{e}");
        let e = resolve(&settings(&[("AWS_ENDPOINT_URL", "localhost:3900")], ""), None).unwrap_err();
        assert!(e.to_string().contains("http://"), "{e}");
    }
}
