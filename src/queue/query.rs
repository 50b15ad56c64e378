//! Read-only views of a queue for `playtube jobs`: the most recent jobs with their state (queued,
//! running with its worker and progress, failed and retrying, done with its result, dead-lettered with
//! its error) and a summary of the streams (entries waiting, claims held, dead letters). Nothing here
//! changes the queue.

use std::collections::HashMap;

use serde::Serialize;

use super::{format, JobState, Queue, QueueError, GROUP};

/// One job as `jobs` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct JobRecord {
    pub id: String,
    pub asset: String,
    pub source: String,
    pub output: String,
    pub state: JobState,
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
    /// 0-100 while running.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Unix milliseconds.
    pub enqueued_at: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heartbeat_at: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
}

/// Counts over the whole queue.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Entries not yet delivered to any worker.
    pub waiting: u64,
    /// Entries claimed by a worker and not yet acknowledged.
    pub claimed: u64,
    /// Entries in the dead-letter stream.
    pub dead_letters: u64,
    /// Consumers (workers) known to the group.
    pub workers: u64,
    /// Jobs listed, by state.
    pub by_state: HashMap<String, u64>,
}

impl JobRecord {
    fn from_hash(id: &str, h: &HashMap<String, String>) -> Option<JobRecord> {
        let job = format::Job::parse(h.get("job").map(String::as_str)).ok();
        let num = |k: &str| h.get(k).and_then(|v| v.parse::<u64>().ok());
        Some(JobRecord {
            id: id.to_owned(),
            asset: job.as_ref().map(|j| j.asset.clone()).unwrap_or_default(),
            source: job.as_ref().map(|j| j.source.clone()).unwrap_or_default(),
            output: job.as_ref().map(|j| j.output.clone()).unwrap_or_default(),
            state: JobState::parse(h.get("state")?)?,
            attempts: num("attempts").unwrap_or(0) as u32,
            worker: h.get("worker").cloned(),
            progress: h.get("progress").and_then(|v| v.parse().ok()),
            error: h.get("error").cloned(),
            enqueued_at: num("enqueued_at"),
            started_at: num("started_at"),
            heartbeat_at: num("heartbeat_at"),
            finished_at: num("finished_at"),
            result: h.get("result").and_then(|r| serde_json::from_str(r).ok()),
        })
    }
}

impl Queue {
    /// The `limit` most recently enqueued jobs, newest first. Records that expired are left out.
    pub fn jobs(&mut self, limit: usize) -> Result<Vec<JobRecord>, QueueError> {
        let keys = self.keys().clone();
        let stop = limit.max(1) as isize - 1;
        let ids: Vec<String> =
            self.run("listing jobs", None, |con| redis::cmd("ZREVRANGE").arg(&keys.index).arg(0).arg(stop).query(con))?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let hashes: Vec<HashMap<String, String>> = self.run("reading job records", None, |con| {
            let mut pipe = redis::pipe();
            for id in &ids {
                pipe.cmd("HGETALL").arg(keys.job(id));
            }
            pipe.query(con)
        })?;
        Ok(ids.iter().zip(&hashes).filter_map(|(id, h)| JobRecord::from_hash(id, h)).collect())
    }

    /// Stream-level counts, plus `by_state` over `jobs`.
    pub fn summary(&mut self, jobs: &[JobRecord]) -> Result<Summary, QueueError> {
        let keys = self.keys().clone();
        type Counts = (Vec<HashMap<String, redis::Value>>, u64, u64);
        let (groups, dead, len): Counts = self.run("reading queue counts", None, |con| {
            redis::pipe()
                .cmd("XINFO")
                .arg("GROUPS")
                .arg(&keys.jobs)
                .cmd("XLEN")
                .arg(&keys.dead)
                .cmd("XLEN")
                .arg(&keys.jobs)
                .query(con)
        })?;
        let mut summary = Summary { dead_letters: dead, ..Default::default() };
        let name =
            |g: &HashMap<String, redis::Value>| g.get("name").and_then(|n| redis::from_redis_value::<String>(n).ok());
        if let Some(g) = groups.iter().find(|g| name(g).as_deref() == Some(GROUP)) {
            let num = |k: &str| g.get(k).and_then(|v| redis::from_redis_value::<u64>(v).ok()).unwrap_or(0);
            // Finished entries are deleted, so the stream holds only waiting and claimed ones.
            summary.claimed = num("pending");
            summary.waiting = len.saturating_sub(summary.claimed);
            summary.workers = num("consumers");
        }
        for job in jobs {
            *summary.by_state.entry(job.state.as_str().to_owned()).or_default() += 1;
        }
        Ok(summary)
    }

    /// The newest `limit` dead letters: (entry, job id, error).
    pub fn dead_letters(&mut self, limit: usize) -> Result<Vec<(String, String, String)>, QueueError> {
        let dead = self.keys().dead.clone();
        let entries: Vec<(String, HashMap<String, String>)> = self.run("reading dead letters", None, |con| {
            redis::cmd("XREVRANGE").arg(&dead).arg("+").arg("-").arg("COUNT").arg(limit).query(con)
        })?;
        Ok(entries
            .into_iter()
            .map(|(entry, f)| {
                (entry, f.get("id").cloned().unwrap_or_default(), f.get("error").cloned().unwrap_or_default())
            })
            .collect())
    }
}
