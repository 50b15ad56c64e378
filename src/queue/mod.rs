//! The job queue on Redis Streams: jobs go into one stream read through a consumer group (`XREADGROUP`),
//! a worker's claim is renewed by heartbeats while it builds and taken over by another worker after the
//! visibility timeout when it stops answering (`XAUTOCLAIM`), failures are retried a bounded number of
//! times and then moved to a dead-letter stream, and every step is published to an events stream that
//! web applications read. Used by the `enqueue`, `worker` and `jobs` commands; it knows nothing of the
//! CLI, HTTP or the pipeline: a job is data here, building it is the caller's business.
//!
//! Redis keys (all under the queue name, default `playtube`):
//!
//! | key | type | holds |
//! |-----|------|-------|
//! | `<name>:jobs` | stream, group `workers` | one entry per job to run: fields `id`, `job` (JSON) |
//! | `<name>:events` | stream (capped) | fields `type`, `job`, `event` (JSON) |
//! | `<name>:dead` | stream (capped) | fields `id`, `job`, `error`, `attempts`, `time` |
//! | `<name>:job:<id>` | hash | `state`, `attempts`, `worker`, `progress`, `error`, `result`, times |
//! | `<name>:index` | sorted set | job ids by enqueue time (for `jobs`) |

mod claims;
mod conn;
pub mod format;
mod lease;
mod query;
mod scripts;

use std::collections::HashMap;
use std::time::Duration;

use redis::{RedisResult, Value};

pub use conn::redact;
pub use format::{BuildSettings, Event, EventKind, Job, JobError, JobState, JobSubtitle};
pub use lease::Lease;
pub use query::{JobRecord, Summary};

/// The consumer group all workers read through.
pub const GROUP: &str = "workers";

/// Everything the queue needs, resolved by the caller.
#[derive(Debug, Clone)]
pub struct QueueOptions {
    /// `redis://HOST:PORT/DB` or `unix:///path`.
    pub url: String,
    /// Prefix of every key (several queues can share one Redis).
    pub name: String,
    /// A claim not renewed for this long is taken over by another worker.
    pub visibility_timeout: Duration,
    /// Attempts (runs that failed or whose worker died) before a job is dead-lettered.
    pub max_attempts: u32,
    /// Approximate cap of the events and dead-letter streams.
    pub events_max_len: u64,
    /// How long finished job records (`<name>:job:<id>`) are kept.
    pub retention: Duration,
    /// Connect and command timeout.
    pub timeout: Duration,
    /// How long a running worker keeps reconnecting to a Redis that went away before giving up.
    pub reconnect_window: Duration,
}

impl QueueOptions {
    pub fn new(url: impl Into<String>) -> QueueOptions {
        QueueOptions {
            url: url.into(),
            name: "playtube".into(),
            visibility_timeout: Duration::from_secs(60),
            max_attempts: 3,
            events_max_len: 100_000,
            retention: Duration::from_secs(7 * 24 * 3600),
            timeout: Duration::from_secs(5),
            reconnect_window: Duration::from_secs(300),
        }
    }

    /// How often a worker renews its claim: a third of the visibility timeout.
    pub fn heartbeat_interval(&self) -> Duration {
        (self.visibility_timeout / 3).max(Duration::from_millis(100))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("queue URL {url} is invalid: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("cannot reach Redis at {url}: {source}")]
    Unreachable {
        url: String,
        #[source]
        source: redis::RedisError,
    },
    #[error("Redis at {url}: {what}: {source}")]
    Redis {
        url: String,
        what: String,
        #[source]
        source: redis::RedisError,
    },
    #[error("Redis at {url}: {what}: unexpected reply {reply}")]
    Reply { url: String, what: String, reply: String },
}

impl QueueError {
    /// Whether this is a problem with the URL or reaching Redis at all (exit 2 at start).
    pub fn is_environment(&self) -> bool {
        matches!(self, QueueError::BadUrl { .. } | QueueError::Unreachable { .. })
    }
}

/// The Redis key names of one queue.
#[derive(Debug, Clone)]
pub struct Keys {
    pub jobs: String,
    pub events: String,
    pub dead: String,
    pub index: String,
    prefix: String,
}

impl Keys {
    pub fn new(name: &str) -> Keys {
        Keys {
            jobs: format!("{name}:jobs"),
            events: format!("{name}:events"),
            dead: format!("{name}:dead"),
            index: format!("{name}:index"),
            prefix: name.to_owned(),
        }
    }

    pub fn job(&self, id: &str) -> String {
        format!("{}:job:{id}", self.prefix)
    }
}

/// What `enqueue` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enqueued {
    /// Added as a new job (or re-added: a dead-lettered job, or a finished one with `force`).
    Queued,
    /// The same job is already known in this state; nothing was added.
    Exists(JobState),
}

/// A stream entry this worker now holds.
#[derive(Debug, Clone)]
pub struct Claim {
    /// The stream entry id.
    pub entry: String,
    pub job: Job,
    /// Taken over from a worker that stopped renewing its claim.
    pub takeover: bool,
}

/// An entry that could not be read as a job: dead-lettered on the spot with `error`.
#[derive(Debug, Clone)]
pub struct Rejected {
    pub entry: String,
    pub error: String,
}

/// The outcome of reading the stream once.
#[derive(Debug)]
pub enum Next {
    Job(Box<Claim>),
    Rejected(Rejected),
    Nothing,
}

/// Whether the claimed job should be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// Build it; this is attempt `attempt`.
    Run { attempt: u32 },
    /// Nothing to do (already done or dead-lettered, or a stale duplicate entry); acknowledged.
    Skip(Option<JobState>),
    /// It had used up its attempts (its workers kept dying): dead-lettered now.
    DeadLettered { error: String, attempts: u32 },
    /// Another worker holds the claim now.
    Lost,
}

/// What became of a failed attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failed {
    /// Queued again for the next attempt.
    Retrying,
    /// Moved to the dead-letter stream.
    DeadLettered,
    /// Another worker holds the claim now; nothing recorded.
    Lost,
}

/// What `finish` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    /// Recorded and the `done` event published.
    Done,
    /// Already recorded as done (by an earlier call or another worker); nothing published again.
    AlreadyDone,
    /// Another worker holds the claim and will publish the outcome.
    Lost,
}

/// A connection to one queue.
pub struct Queue {
    opts: QueueOptions,
    keys: Keys,
    conn: conn::Conn,
}

/// One stream entry as Redis returns it: id and flat field/value pairs.
type Entry = (String, HashMap<String, String>);

impl Queue {
    /// Connect (failing fast with an error naming the URL) and create the stream and group if needed.
    pub fn connect(opts: &QueueOptions) -> Result<Queue, QueueError> {
        let conn = conn::Conn::open(&opts.url, opts.timeout, opts.reconnect_window)?;
        let mut queue = Queue { opts: opts.clone(), keys: Keys::new(&opts.name), conn };
        queue.ensure_group()?;
        Ok(queue)
    }

    pub fn options(&self) -> &QueueOptions {
        &self.opts
    }

    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// The URL as shown in messages.
    pub fn url(&self) -> &str {
        self.conn.url()
    }

    /// How many times this connection had to reconnect.
    pub fn reconnects(&self) -> u64 {
        self.conn.reconnects
    }

    fn ensure_group(&mut self) -> Result<(), QueueError> {
        let jobs = self.keys.jobs.clone();
        self.conn.run("creating the consumer group", None, |con| {
            let r: RedisResult<()> =
                redis::cmd("XGROUP").arg("CREATE").arg(&jobs).arg(GROUP).arg("0").arg("MKSTREAM").query(con);
            match r {
                Err(e) if e.code() == Some("BUSYGROUP") => Ok(()),
                other => other,
            }
        })
    }

    /// Run a command; a NOGROUP error (Redis lost its data) recreates the group and retries once.
    fn run<T>(
        &mut self,
        what: &str,
        read_timeout: Option<Duration>,
        mut f: impl FnMut(&mut redis::Connection) -> RedisResult<T>,
    ) -> Result<T, QueueError> {
        match self.conn.run(what, read_timeout, &mut f) {
            Err(QueueError::Redis { source, .. }) if source.code() == Some("NOGROUP") => {
                self.ensure_group()?;
                self.conn.run(what, read_timeout, f)
            }
            other => other,
        }
    }

    fn index_max_len(&self) -> u64 {
        self.opts.events_max_len
    }

    /// Add a job unless the same job is already queued, running, failed-and-retrying or done (a finished
    /// job is queued again only when `job.force`; a dead-lettered one always is).
    pub fn enqueue(&mut self, job: &Job) -> Result<Enqueued, QueueError> {
        let now = format::now_ms();
        let event = Event::new(job, EventKind::Queued { source: job.source.clone(), output: job.output.clone() }, now)
            .to_json();
        let (keys, json, max, index_max) =
            (self.keys.clone(), job.to_json(), self.opts.events_max_len, self.index_max_len());
        let reply: Vec<String> = self.run(&format!("enqueuing job {}", job.id), None, |con| {
            scripts::enqueue()
                .key(&keys.jobs)
                .key(&keys.events)
                .key(keys.job(&job.id))
                .key(&keys.index)
                .arg(&job.id)
                .arg(&json)
                .arg(now)
                .arg(&event)
                .arg(u8::from(job.force))
                .arg(max)
                .arg(index_max)
                .invoke(con)
        })?;
        match reply.first().map(String::as_str) {
            Some("queued") => Ok(Enqueued::Queued),
            Some("exists") => {
                Ok(Enqueued::Exists(reply.get(1).and_then(|s| JobState::parse(s)).unwrap_or(JobState::Queued)))
            }
            _ => Err(self.bad_reply("enqueuing", &reply)),
        }
    }

    fn bad_reply(&self, what: &str, reply: &impl std::fmt::Debug) -> QueueError {
        QueueError::Reply { url: self.url().to_owned(), what: what.to_owned(), reply: format!("{reply:?}") }
    }

    /// The next job for `consumer`: first an entry whose worker stopped renewing its claim (taken over),
    /// else a new entry, waiting up to `block` for one.
    pub fn next(&mut self, consumer: &str, block: Duration) -> Result<Next, QueueError> {
        let (jobs, idle) = (self.keys.jobs.clone(), self.opts.visibility_timeout.as_millis() as u64);
        let stale: Value = self.run("taking over stale jobs", None, |con| {
            redis::cmd("XAUTOCLAIM")
                .arg(&jobs)
                .arg(GROUP)
                .arg(consumer)
                .arg(idle)
                .arg("0-0")
                .arg("COUNT")
                .arg(1)
                .query(con)
        })?;
        if let Some(entry) = first_autoclaimed(stale).map_err(|e| self.bad_reply("XAUTOCLAIM", &e))? {
            return self.claim_or_reject(entry, true);
        }
        let block_ms = block.as_millis() as u64;
        let read_timeout = Some(block + self.opts.timeout);
        let fresh: Option<Vec<(String, Vec<Entry>)>> = self.run("reading new jobs", read_timeout, |con| {
            redis::cmd("XREADGROUP")
                .arg("GROUP")
                .arg(GROUP)
                .arg(consumer)
                .arg("COUNT")
                .arg(1)
                .arg("BLOCK")
                .arg(block_ms)
                .arg("STREAMS")
                .arg(&jobs)
                .arg(">")
                .query(con)
        })?;
        match fresh.into_iter().flatten().flat_map(|(_, entries)| entries).next() {
            Some(entry) => self.claim_or_reject(entry, false),
            None => Ok(Next::Nothing),
        }
    }

    fn claim_or_reject(&mut self, (entry, fields): Entry, takeover: bool) -> Result<Next, QueueError> {
        match Job::parse(fields.get("job").map(String::as_str)) {
            Ok(job) => Ok(Next::Job(Box::new(Claim { entry, job, takeover }))),
            Err(err) => {
                let error = format!("stream entry {entry} is not a valid job: {err}");
                self.reject(&entry, &fields, &error)?;
                Ok(Next::Rejected(Rejected { entry, error }))
            }
        }
    }

    /// Dead-letter an entry that is not a job we can read, with the reason, in one transaction.
    fn reject(&mut self, entry: &str, fields: &HashMap<String, String>, error: &str) -> Result<(), QueueError> {
        let keys = self.keys.clone();
        let raw = serde_json::to_string(fields).unwrap_or_default();
        let id = fields.get("id").cloned().unwrap_or_else(|| entry.to_owned());
        let now = format::now_ms();
        let event = serde_json::json!({
            "v": format::FORMAT_VERSION, "type": "failed", "job": id, "asset": "", "time": now,
            "error": error, "dead_lettered": true,
        })
        .to_string();
        let max = self.opts.events_max_len;
        self.run(&format!("dead-lettering entry {entry}"), None, |con| {
            redis::pipe()
                .atomic()
                .cmd("XADD")
                .arg(&keys.dead)
                .arg("MAXLEN")
                .arg("~")
                .arg(max)
                .arg("*")
                .arg("id")
                .arg(&id)
                .arg("job")
                .arg(&raw)
                .arg("error")
                .arg(error)
                .arg("attempts")
                .arg(0)
                .arg("time")
                .arg(now)
                .ignore()
                .cmd("XACK")
                .arg(&keys.jobs)
                .arg(GROUP)
                .arg(entry)
                .ignore()
                .cmd("XDEL")
                .arg(&keys.jobs)
                .arg(entry)
                .ignore()
                .cmd("XADD")
                .arg(&keys.events)
                .arg("MAXLEN")
                .arg("~")
                .arg(max)
                .arg("*")
                .arg("type")
                .arg("failed")
                .arg("job")
                .arg(&id)
                .arg("event")
                .arg(&event)
                .ignore()
                .query::<()>(con)
        })
    }

    /// Forget workers (consumers of the group) that hold no claim and have been silent for `idle`: a
    /// worker that stopped or died leaves its name behind. Returns how many were removed.
    pub fn prune_workers(&mut self, idle: Duration) -> Result<usize, QueueError> {
        let jobs = self.keys.jobs.clone();
        let consumers: Vec<HashMap<String, Value>> = self.run("listing workers", None, |con| {
            redis::cmd("XINFO").arg("CONSUMERS").arg(&jobs).arg(GROUP).query(con)
        })?;
        let mut removed = 0;
        for c in consumers {
            let get = |k: &str| c.get(k).and_then(|v| redis::from_redis_value::<String>(v).ok());
            let num = |k: &str| get(k).and_then(|v| v.parse::<u64>().ok());
            let (Some(name), Some(0), Some(silent)) = (get("name"), num("pending"), num("idle")) else { continue };
            if silent >= idle.as_millis() as u64 {
                let _: i64 = self.run("removing a worker", None, |con| {
                    redis::cmd("XGROUP").arg("DELCONSUMER").arg(&jobs).arg(GROUP).arg(&name).query(con)
                })?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Events after stream id `after` (`0` for all, `$` for only new ones), waiting up to `block` when
    /// there are none yet (`None`: do not wait). At most `count`.
    pub fn events(
        &mut self,
        after: &str,
        count: usize,
        block: Option<Duration>,
    ) -> Result<Vec<(String, Event)>, QueueError> {
        let events = self.keys.events.clone();
        let read_timeout = block.map(|b| b + self.opts.timeout);
        let reply: Option<Vec<(String, Vec<Entry>)>> = self.run("reading events", read_timeout, |con| {
            let mut cmd = redis::cmd("XREAD");
            cmd.arg("COUNT").arg(count);
            if let Some(b) = block {
                cmd.arg("BLOCK").arg(b.as_millis() as u64);
            }
            cmd.arg("STREAMS").arg(&events).arg(after).query(con)
        })?;
        Ok(reply
            .into_iter()
            .flatten()
            .flat_map(|(_, entries)| entries)
            .filter_map(|(id, fields)| {
                let event = serde_json::from_str(fields.get("event")?).ok()?;
                Some((id, event))
            })
            .collect())
    }
}

/// The first entry of an `XAUTOCLAIM` reply: `[cursor, [[id, [field, value, …]], …], [deleted ids]]`.
fn first_autoclaimed(reply: Value) -> Result<Option<Entry>, Value> {
    let parts: Vec<Value> = match redis::from_redis_value(&reply) {
        Ok(v) => v,
        Err(_) => return Err(reply),
    };
    let Some(entries) = parts.get(1) else { return Err(reply) };
    let entries: Vec<Value> = redis::from_redis_value(entries).map_err(|_| reply.clone())?;
    for entry in entries {
        // An entry deleted while pending comes back as nil fields; Redis drops it from the pending list.
        if let Ok(e) = redis::from_redis_value::<Entry>(&entry) {
            return Ok(Some(e));
        }
    }
    Ok(None)
}
