//! The wire formats of the queue, stable and documented in the README so that an application in another
//! language can `XADD` jobs and read events itself: the job (one JSON object in the `job` field of a
//! stream entry), the job id (derived from the asset id and the build settings, so enqueuing the same work
//! twice is one job), the event (one JSON object in the `event` field, with `type` and `job` copied into
//! fields of their own for cheap filtering) and the job states. Pure: no Redis, no I/O.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The version written into every job and event (`"v": 1`). Readers accept any job whose `v` is 1 or
/// missing and refuse a higher one with a clear error (dead-lettered, not guessed at).
pub const FORMAT_VERSION: u32 = 1;

/// Longest job id accepted from another application (ids we make are at most 64 + 1 + 16).
pub const MAX_JOB_ID_LEN: usize = 100;
/// Longest job JSON accepted from the stream (bounds what a worker parses).
pub const MAX_JOB_BYTES: usize = 64 * 1024;

/// How an asset is built: the pipeline flags `enqueue` takes. Anything left out means "the worker's own
/// configuration" (its `[pipeline]` section or defaults).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildSettings {
    /// Only these rungs (e.g. `["360p", "720p"]`); empty means the whole ladder.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub qualities: Vec<String>,
    /// x264 preset (`ultrafast` … `veryslow`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// HLS segment length in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment_duration: Option<u32>,
    /// `ts` or `fmp4`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment_type: Option<String>,
    /// Audio languages to keep (`["en", "es"]`); two or more become an HLS audio group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_languages: Option<Vec<String>>,
    /// Subtitle files to add, each at a path every worker can read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subtitles: Vec<JobSubtitle>,
    /// Ignore `<stem>.<lang>.srt|vtt` files beside the source.
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_sidecar_subtitles: bool,
    /// Seconds between storyboard (scrub-preview) frames.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storyboard_interval: Option<f64>,
    /// Draw no storyboard.
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_storyboard: bool,
    /// Build from a source that is only partly readable, recording the shortfall as a warning in the
    /// asset's meta.json and the job's result (`--allow-partial`); otherwise such a source fails the job.
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_partial: bool,
}

/// One subtitle file of a job: `{"language": "en", "path": "/shared/in/movie.en.srt"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobSubtitle {
    /// A language tag (`en`, `pt-BR`).
    pub language: String,
    /// SubRip or WebVTT, at an absolute path shared by the workers.
    pub path: String,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One unit of work: build asset `asset` from `source` into the assets root `output`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Format version, 1.
    #[serde(default = "version_one")]
    pub v: u32,
    /// The job id; see [`job_id`].
    pub id: String,
    /// The asset id (`[A-Za-z0-9_-]{1,64}`): the asset is built into `<output>/<asset>/`.
    pub asset: String,
    /// A local path every worker can read (absolute), or an `s3://` / `https://` URL.
    pub source: String,
    /// The assets root: a local path shared by the workers, or `s3://bucket/prefix`.
    pub output: String,
    #[serde(default)]
    pub settings: BuildSettings,
    /// Rebuild even when the asset is already finished.
    #[serde(default)]
    pub force: bool,
    /// When the job was enqueued, Unix milliseconds (informational).
    #[serde(default)]
    pub enqueued_at: u64,
}

fn version_one() -> u32 {
    FORMAT_VERSION
}

/// Why a stream entry is not a job we can run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    #[error("the entry has no `job` field")]
    Missing,
    #[error("the job is {0} bytes, more than the {MAX_JOB_BYTES} allowed")]
    TooLarge(usize),
    #[error("the job is not valid JSON for format v1: {0}")]
    Json(String),
    #[error("job format v{0} is newer than this worker understands (v{FORMAT_VERSION})")]
    Version(u32),
    #[error("job id {0:?} is invalid: use 1 to {MAX_JOB_ID_LEN} characters of A-Z a-z 0-9 _ -")]
    Id(String),
    #[error("{0}")]
    Asset(String),
    #[error("job {0}: `source` and `output` must not be empty")]
    Empty(String),
}

fn is_id(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
}

/// The job id for this work: `<asset>-<16 hex digits>`, the digits being the first 8 bytes of the SHA-256
/// of the compact JSON `{"asset":…,"source":…,"output":…,"settings":{…}}` (fields in that order, the
/// settings as serialised by [`BuildSettings`], absent fields left out). The same asset built the same
/// way from the same source into the same root is the same job; `force` is not part of it.
pub fn job_id(asset: &str, source: &str, output: &str, settings: &BuildSettings) -> String {
    #[derive(Serialize)]
    struct Key<'a> {
        asset: &'a str,
        source: &'a str,
        output: &'a str,
        settings: &'a BuildSettings,
    }
    let key = serde_json::to_vec(&Key { asset, source, output, settings }).expect("plain data serialises");
    let digest = Sha256::digest(&key);
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("{asset}-{hex}")
}

impl Job {
    /// A new job with its derived id.
    pub fn new(asset: &str, source: &str, output: &str, settings: BuildSettings, force: bool, now_ms: u64) -> Job {
        Job {
            v: FORMAT_VERSION,
            id: job_id(asset, source, output, &settings),
            asset: asset.to_owned(),
            source: source.to_owned(),
            output: output.to_owned(),
            settings,
            force,
            enqueued_at: now_ms,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("plain data serialises")
    }

    /// Parse and validate the `job` field of a stream entry.
    pub fn parse(raw: Option<&str>) -> Result<Job, JobError> {
        let raw = raw.ok_or(JobError::Missing)?;
        if raw.len() > MAX_JOB_BYTES {
            return Err(JobError::TooLarge(raw.len()));
        }
        // Read the version first so a v2 job is refused as such rather than as malformed v1.
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(raw) {
            if let Some(v) = map.get("v").and_then(|v| v.as_u64()) {
                if v > u64::from(FORMAT_VERSION) {
                    return Err(JobError::Version(v as u32));
                }
            }
        }
        let job: Job = serde_json::from_str(raw).map_err(|e| JobError::Json(e.to_string()))?;
        if !is_id(&job.id, MAX_JOB_ID_LEN) {
            return Err(JobError::Id(job.id));
        }
        crate::layout::AssetId::parse(&job.asset).map_err(|e| JobError::Asset(e.to_string()))?;
        if job.source.is_empty() || job.output.is_empty() {
            return Err(JobError::Empty(job.id));
        }
        Ok(job)
    }
}

/// Where a job is, as recorded in its state hash (`<name>:job:<id>`, field `state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Waiting for a worker.
    Queued,
    /// Claimed and being built by `worker`.
    Running,
    /// The last attempt failed; queued again for another attempt.
    Failed,
    /// Finished and acknowledged.
    Done,
    /// Gave up after the retry limit; the job is in the dead-letter stream.
    Dead,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Failed => "failed",
            JobState::Done => "done",
            JobState::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<JobState> {
        Some(match s {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "failed" => JobState::Failed,
            "done" => JobState::Done,
            "dead" => JobState::Dead,
            _ => return None,
        })
    }
}

/// What happened to a job. Serialised as one JSON object with a `type` tag (see the README).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum EventKind {
    /// Accepted by `enqueue`.
    Queued { source: String, output: String },
    /// A worker began an attempt; `takeover` when it took the job from a worker that stopped answering.
    Started {
        #[serde(default)]
        takeover: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        previous_worker: Option<String>,
    },
    /// Encoding progress, 0-100 (sent at most every couple of seconds per job).
    Progress { percent: f64 },
    /// The asset is published; `result` says where and what (URLs, renditions, timings).
    Done { result: serde_json::Value },
    /// An attempt failed with `error`; `dead_lettered` when it was the last one allowed.
    Failed { error: String, dead_lettered: bool },
    /// Handed back without counting as an attempt (the worker is shutting down).
    Requeued { reason: String },
}

impl EventKind {
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Queued { .. } => "queued",
            EventKind::Started { .. } => "started",
            EventKind::Progress { .. } => "progress",
            EventKind::Done { .. } => "done",
            EventKind::Failed { .. } => "failed",
            EventKind::Requeued { .. } => "requeued",
        }
    }
}

/// One event in the events stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    #[serde(default = "version_one")]
    pub v: u32,
    #[serde(flatten)]
    pub kind: EventKind,
    pub job: String,
    pub asset: String,
    /// Unix milliseconds.
    pub time: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
    /// The attempt this event belongs to (1 for the first run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
}

impl Event {
    pub fn new(job: &Job, kind: EventKind, time: u64) -> Event {
        Event {
            v: FORMAT_VERSION,
            kind,
            job: job.id.clone(),
            asset: job.asset.clone(),
            time,
            worker: None,
            attempt: None,
        }
    }

    pub fn by(mut self, worker: &str, attempt: u32) -> Event {
        self.worker = Some(worker.to_owned());
        self.attempt = Some(attempt);
        self
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("plain data serialises")
    }
}

/// Unix time in milliseconds.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> BuildSettings {
        BuildSettings { qualities: vec!["360p".into()], preset: Some("ultrafast".into()), ..Default::default() }
    }

    #[test]
    fn the_same_work_gets_the_same_job_id_and_other_work_another() {
        let a = job_id("clip", "/in/clip.mp4", "/assets", &settings());
        assert_eq!(a, job_id("clip", "/in/clip.mp4", "/assets", &settings()));
        assert!(a.starts_with("clip-") && a.len() == "clip-".len() + 16, "{a}");
        assert_ne!(a, job_id("clip", "/in/clip.mp4", "/other", &settings()));
        assert_ne!(a, job_id("clip", "/in/clip.mp4", "/assets", &BuildSettings::default()));
        assert_ne!(a, job_id("clip2", "/in/clip.mp4", "/assets", &settings()));
    }

    #[test]
    fn job_id_is_the_documented_hash_of_the_compact_json_key() {
        // The README gives this derivation so other languages can compute it; pin it.
        let key = r#"{"asset":"a","source":"/s.mp4","output":"/o","settings":{"preset":"fast"}}"#;
        let digest = Sha256::digest(key.as_bytes());
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        let s = BuildSettings { preset: Some("fast".into()), ..Default::default() };
        assert_eq!(job_id("a", "/s.mp4", "/o", &s), format!("a-{hex}"));
    }

    #[test]
    fn media_settings_are_part_of_the_job_id_and_absent_ones_leave_old_ids_alone() {
        let base = job_id("clip", "/in/clip.mp4", "/assets", &settings());
        let with = |f: &dyn Fn(&mut BuildSettings)| {
            let mut s = settings();
            f(&mut s);
            job_id("clip", "/in/clip.mp4", "/assets", &s)
        };
        let variants = [
            with(&|s| s.audio_languages = Some(vec!["en".into(), "es".into()])),
            with(&|s| s.subtitles = vec![JobSubtitle { language: "fr".into(), path: "/in/clip.fr.srt".into() }]),
            with(&|s| s.no_sidecar_subtitles = true),
            with(&|s| s.storyboard_interval = Some(2.5)),
            with(&|s| s.no_storyboard = true),
        ];
        let distinct: std::collections::BTreeSet<&String> = variants.iter().chain([&base]).collect();
        assert_eq!(distinct.len(), variants.len() + 1, "{variants:?}");
        // Defaults are left out of the key, so jobs enqueued before these settings existed keep their ids.
        let json = serde_json::to_string(&settings()).unwrap();
        assert_eq!(json, r#"{"qualities":["360p"],"preset":"ultrafast"}"#);
    }

    #[test]
    fn a_job_with_media_settings_round_trips_and_parses_from_another_application() {
        let raw = r#"{"id":"j1","asset":"clip","source":"/in/a.mp4","output":"s3://b/p","settings":{
            "audio_languages":["en","es"],"subtitles":[{"language":"en","path":"/in/a.en.srt"}],
            "no_sidecar_subtitles":true,"storyboard_interval":2.0,"no_storyboard":false}}"#;
        let job = Job::parse(Some(raw)).unwrap();
        assert_eq!(job.settings.audio_languages.as_deref(), Some(&["en".to_owned(), "es".to_owned()][..]));
        assert_eq!(job.settings.subtitles[0].path, "/in/a.en.srt");
        assert_eq!(job.settings.storyboard_interval, Some(2.0));
        assert_eq!(Job::parse(Some(&job.to_json())).unwrap(), job);
    }

    #[test]
    fn a_job_round_trips_through_its_json() {
        let job = Job::new("clip", "/in/clip.mp4", "/assets", settings(), true, 1234);
        assert_eq!(Job::parse(Some(&job.to_json())).unwrap(), job);
    }

    #[test]
    fn a_minimal_job_from_another_application_parses_with_defaults() {
        let job = Job::parse(Some(r#"{"id":"j1","asset":"clip","source":"/in/a.mp4","output":"/assets"}"#)).unwrap();
        assert_eq!((job.v, job.force, job.settings), (1, false, BuildSettings::default()));
    }

    #[test]
    fn malformed_jobs_are_refused_with_the_reason() {
        assert_eq!(Job::parse(None), Err(JobError::Missing));
        assert!(matches!(Job::parse(Some("{not json")), Err(JobError::Json(_))));
        let v2 = r#"{"v":2,"id":"j","asset":"a","source":"s","output":"o","new":1}"#;
        assert_eq!(Job::parse(Some(v2)), Err(JobError::Version(2)));
        let bad_id = r#"{"id":"../x","asset":"a","source":"s","output":"o"}"#;
        assert!(matches!(Job::parse(Some(bad_id)), Err(JobError::Id(_))));
        let bad_asset = r#"{"id":"j","asset":"a/b","source":"s","output":"o"}"#;
        assert!(matches!(Job::parse(Some(bad_asset)), Err(JobError::Asset(_))));
        let empty = r#"{"id":"j","asset":"a","source":"","output":"o"}"#;
        assert!(matches!(Job::parse(Some(empty)), Err(JobError::Empty(_))));
        let unknown_setting = r#"{"id":"j","asset":"a","source":"s","output":"o","settings":{"crf":1}}"#;
        assert!(matches!(Job::parse(Some(unknown_setting)), Err(JobError::Json(_))));
        let huge = format!(r#"{{"id":"j","asset":"a","source":"{}","output":"o"}}"#, "x".repeat(MAX_JOB_BYTES));
        assert!(matches!(Job::parse(Some(&huge)), Err(JobError::TooLarge(_))));
    }

    #[test]
    fn events_serialise_with_a_type_tag_and_parse_back() {
        let job = Job::new("clip", "/in/clip.mp4", "/assets", BuildSettings::default(), false, 1);
        let ev = Event::new(&job, EventKind::Failed { error: "boom".into(), dead_lettered: true }, 99).by("w1", 3);
        let json: serde_json::Value = serde_json::from_str(&ev.to_json()).unwrap();
        assert_eq!(json["type"], "failed");
        assert_eq!(json["job"], job.id.as_str());
        assert_eq!(json["error"], "boom");
        assert_eq!(json["attempt"], 3);
        assert_eq!(serde_json::from_value::<Event>(json).unwrap(), ev);
    }

    #[test]
    fn states_have_stable_names() {
        for s in [JobState::Queued, JobState::Running, JobState::Failed, JobState::Done, JobState::Dead] {
            assert_eq!(JobState::parse(s.as_str()), Some(s));
        }
        assert_eq!(JobState::parse("lost"), None);
    }
}
