//! The `[queue]` section of playtube.toml and its layering with flags and environment for `enqueue`,
//! `worker` and `jobs`: the Redis URL (`--queue`, `PLAYTUBE_QUEUE`), the queue name, the visibility
//! timeout, the attempt limit, the SIGTERM grace period and the webhook. The result is the plain
//! [`QueueOptions`] the queue library owns plus the worker's own settings; errors name their source.

use std::time::Duration;

use serde::Deserialize;

use super::{Layer, Settings};
use crate::exit::UsageError;
use crate::queue::QueueOptions;

pub const DEFAULT_VISIBILITY_SECS: f64 = 60.0;
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;
pub const DEFAULT_GRACE_SECS: f64 = 30.0;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QueueSection {
    /// The Redis server, `redis://HOST:PORT/DB`. Env: PLAYTUBE_QUEUE.
    pub url: Option<String>,
    /// Prefix of the queue's Redis keys. Env: PLAYTUBE_QUEUE_NAME. Default "playtube".
    pub name: Option<String>,
    /// Seconds without a heartbeat before another worker takes a job over. Default 60.
    pub visibility_timeout: Option<f64>,
    /// Attempts before a job is dead-lettered. Default 3.
    pub max_attempts: Option<u32>,
    /// Seconds a worker lets its current job finish after SIGTERM before handing it back. Default 30.
    pub grace_period: Option<f64>,
    /// http:// URL that receives a POST of the `done` or final `failed` event of every job.
    pub webhook: Option<String>,
    /// Approximate length cap of the events and dead-letter streams. Default 100000.
    pub events_max_len: Option<u64>,
}

/// The queue flags of `enqueue`, `worker` and `jobs` (unset ones are `None`).
#[derive(Debug, Default, Clone)]
pub struct QueueFlags {
    pub url: Option<String>,
    pub name: Option<String>,
    pub visibility_timeout: Option<f64>,
    pub max_attempts: Option<u32>,
    pub grace_period: Option<f64>,
    pub webhook: Option<String>,
}

/// Resolved settings of a queue command.
#[derive(Debug, Clone)]
pub struct QueueSettings {
    pub queue: QueueOptions,
    /// SIGTERM grace period of a worker.
    pub grace: Duration,
    pub webhook: Option<String>,
}

fn seconds(value: f64, origin: impl std::fmt::Display, max: f64) -> Result<Duration, UsageError> {
    if !(value > 0.0 && value <= max) {
        return Err(UsageError::new(format!("{origin} must be between 0 and {max} seconds; try 60")));
    }
    Ok(Duration::from_secs_f64(value))
}

pub fn resolve(settings: &Settings, flags: &QueueFlags) -> Result<QueueSettings, UsageError> {
    let s = &settings.file.queue;
    let env = &settings.env;
    let (url, _) = Layer {
        flag: flags.url.clone().map(|v| (v, "--queue")),
        env: Some((env, "PLAYTUBE_QUEUE")),
        file: s.url.clone().map(|v| (v, "[queue] url")),
        default: String::new(),
    }
    .resolve()?;
    if url.is_empty() {
        return Err(UsageError::with_hint(
            "no queue given",
            "pass --queue redis://HOST:PORT/DB, or set PLAYTUBE_QUEUE or [queue] url in playtube.toml",
        ));
    }
    let (name, origin) = Layer {
        flag: flags.name.clone().map(|v| (v, "--queue-name")),
        env: Some((env, "PLAYTUBE_QUEUE_NAME")),
        file: s.name.clone().map(|v| (v, "[queue] name")),
        default: "playtube".to_owned(),
    }
    .resolve()?;
    if name.is_empty() || name.len() > 64 || !name.bytes().all(|c| c.is_ascii_alphanumeric() || b"_-.:".contains(&c)) {
        return Err(UsageError::new(format!("{origin} {name:?} must be 1 to 64 characters of A-Z a-z 0-9 _ - . :")));
    }
    let (visibility, origin) = Layer {
        flag: flags.visibility_timeout.map(|v| (v, "--visibility-timeout")),
        env: Some((env, "PLAYTUBE_VISIBILITY_TIMEOUT")),
        file: s.visibility_timeout.map(|v| (v, "[queue] visibility_timeout")),
        default: DEFAULT_VISIBILITY_SECS,
    }
    .resolve()?;
    let visibility = seconds(visibility, origin, 24.0 * 3600.0)?;
    let (max_attempts, origin) = Layer {
        flag: flags.max_attempts.map(|v| (v, "--max-attempts")),
        env: Some((env, "PLAYTUBE_MAX_ATTEMPTS")),
        file: s.max_attempts.map(|v| (v, "[queue] max_attempts")),
        default: DEFAULT_MAX_ATTEMPTS,
    }
    .resolve()?;
    if !(1..=100).contains(&max_attempts) {
        return Err(UsageError::new(format!("{origin} must be between 1 and 100; try 3")));
    }
    let (grace, origin) = Layer {
        flag: flags.grace_period.map(|v| (v, "--grace")),
        env: Some((env, "PLAYTUBE_GRACE_PERIOD")),
        file: s.grace_period.map(|v| (v, "[queue] grace_period")),
        default: DEFAULT_GRACE_SECS,
    }
    .resolve()?;
    let grace = seconds(grace, origin, 24.0 * 3600.0)?;
    let (webhook, origin) = Layer {
        flag: flags.webhook.clone().map(|v| (v, "--webhook")),
        env: Some((env, "PLAYTUBE_WEBHOOK")),
        file: s.webhook.clone().map(|v| (v, "[queue] webhook")),
        default: String::new(),
    }
    .resolve()?;
    if !webhook.is_empty() && !webhook.starts_with("http://") {
        return Err(UsageError::new(format!(
            "{origin} {webhook:?} must be an http:// URL (put a TLS-terminating proxy in front for https)"
        )));
    }
    let mut queue = QueueOptions::new(url);
    queue.name = name;
    queue.visibility_timeout = visibility;
    queue.max_attempts = max_attempts;
    if let Some(n) = s.events_max_len {
        queue.events_max_len = n.max(100);
    }
    Ok(QueueSettings { queue, grace, webhook: (!webhook.is_empty()).then_some(webhook) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Env;

    fn settings(toml: &str, env: &[(&str, &str)]) -> Settings {
        let mut s = Settings::defaults(Env::from_pairs(env.iter().copied()));
        s.file = crate::config::parse(toml).unwrap();
        s
    }

    #[test]
    fn flags_beat_environment_which_beats_the_file() {
        let file = "[queue]\nurl = \"redis://file:6379/0\"\nvisibility_timeout = 30\n";
        let s = resolve(&settings(file, &[]), &QueueFlags::default()).unwrap();
        assert_eq!(
            (s.queue.url.as_str(), s.queue.visibility_timeout),
            ("redis://file:6379/0", Duration::from_secs(30))
        );
        let env = [("PLAYTUBE_QUEUE", "redis://env:6379/1")];
        let s = resolve(&settings(file, &env), &QueueFlags::default()).unwrap();
        assert_eq!(s.queue.url, "redis://env:6379/1");
        let flags = QueueFlags { url: Some("redis://flag:6379/2".into()), ..Default::default() };
        let s = resolve(&settings(file, &env), &flags).unwrap();
        assert_eq!(s.queue.url, "redis://flag:6379/2");
        assert_eq!((s.queue.name.as_str(), s.queue.max_attempts), ("playtube", DEFAULT_MAX_ATTEMPTS));
        assert_eq!(s.grace, Duration::from_secs(30));
    }

    #[test]
    fn a_missing_url_says_how_to_give_one() {
        let err = resolve(&settings("", &[]), &QueueFlags::default()).unwrap_err();
        assert!(err.hint.unwrap().contains("PLAYTUBE_QUEUE"));
    }

    #[test]
    fn bad_values_name_their_source() {
        let env = [("PLAYTUBE_QUEUE", "redis://h/0")];
        let err = resolve(&settings("[queue]\nmax_attempts = 0\n", &env), &QueueFlags::default()).unwrap_err();
        assert!(err.message.contains("[queue] max_attempts"), "{}", err.message);
        let flags = QueueFlags { visibility_timeout: Some(-1.0), ..Default::default() };
        let err = resolve(&settings("", &env), &flags).unwrap_err();
        assert!(err.message.contains("--visibility-timeout"), "{}", err.message);
        let err = resolve(
            &settings("", &[("PLAYTUBE_QUEUE", "redis://h/0"), ("PLAYTUBE_MAX_ATTEMPTS", "x")]),
            &QueueFlags::default(),
        )
        .unwrap_err();
        assert!(err.message.contains("PLAYTUBE_MAX_ATTEMPTS"), "{}", err.message);
        let flags = QueueFlags { webhook: Some("https://x".into()), ..Default::default() };
        let err = resolve(&settings("", &env), &flags).unwrap_err();
        assert!(err.message.contains("--webhook"), "{}", err.message);
        let flags = QueueFlags { name: Some("a b".into()), ..Default::default() };
        assert!(resolve(&settings("", &env), &flags).unwrap_err().message.contains("--queue-name"));
    }
}
