//! The life of one claim: begin an attempt (or skip a finished or duplicate entry, or dead-letter a job
//! whose attempts are used up), renew it with heartbeats that also carry progress, and end it as done,
//! failed (retried or dead-lettered) or handed back. Each step is one script from `scripts` that checks
//! the claim is still this worker's before it changes anything.

use super::{format, scripts, Claim, Event, EventKind, Failed, Finished, JobState, Queue, QueueError, Start, GROUP};

impl Queue {
    /// Begin an attempt on a claimed job: record it as running and publish `started`, or skip it, or
    /// dead-letter it when its attempts are used up (each takeover of a dead worker counts as one).
    pub fn start(&mut self, claim: &Claim, consumer: &str) -> Result<Start, QueueError> {
        let keys = self.keys.clone();
        let hash = keys.job(&claim.job.id);
        for _ in 0..8 {
            type Fields = (Option<String>, Option<u32>, Option<String>, Option<String>, Option<String>);
            let fields: Fields = self.run("reading job state", None, |con| {
                redis::cmd("HMGET")
                    .arg(&hash)
                    .arg("state")
                    .arg("attempts")
                    .arg("worker")
                    .arg("error")
                    .arg("entry")
                    .query(con)
            })?;
            let (state, attempts, previous, last_error, current) = fields;
            let attempts = attempts.unwrap_or(0);
            // Only the job's current entry, not yet finished, can use up its attempts; anything else is
            // left to the script, which skips it.
            let live = !matches!(state.as_deref(), Some("done" | "dead")) && current.as_deref() == Some(&*claim.entry);
            if live && attempts >= self.opts.max_attempts {
                let error = format!(
                    "gave up after {attempts} attempts; last: {}",
                    last_error.unwrap_or_else(|| "the worker stopped answering".into())
                );
                return Ok(match self.fail_inner(claim, consumer, &error, attempts, true, None)? {
                    Failed::Lost => Start::Lost,
                    _ => Start::DeadLettered { error, attempts },
                });
            }
            let now = format::now_ms();
            let previous = previous.filter(|p| claim.takeover && p != consumer);
            let event =
                Event::new(&claim.job, EventKind::Started { takeover: claim.takeover, previous_worker: previous }, now)
                    .by(consumer, attempts + 1)
                    .to_json();
            let (json, max) = (claim.job.to_json(), self.opts.events_max_len);
            let reply: Vec<Option<String>> = self.run(&format!("starting job {}", claim.job.id), None, |con| {
                scripts::start()
                    .key(&keys.jobs)
                    .key(&keys.events)
                    .key(&hash)
                    .key(&keys.index)
                    .arg(GROUP)
                    .arg(&claim.entry)
                    .arg(consumer)
                    .arg(&claim.job.id)
                    .arg(&json)
                    .arg(now)
                    .arg(attempts)
                    .arg(&event)
                    .arg(max)
                    .invoke(con)
            })?;
            match reply.first().and_then(|s| s.as_deref()) {
                Some("run") => return Ok(Start::Run { attempt: attempts + 1 }),
                Some("skip") => {
                    return Ok(Start::Skip(reply.get(1).and_then(|s| s.as_deref()).and_then(JobState::parse)))
                }
                Some("lost") => return Ok(Start::Lost),
                Some("changed") => continue,
                _ => return Err(self.bad_reply("starting a job", &reply)),
            }
        }
        Err(self.bad_reply("starting a job", &"the attempt counter kept changing"))
    }

    /// Renew the claim (and record progress, publishing a `progress` event when `event` is set).
    /// `Ok(false)` when the claim is no longer ours.
    pub fn heartbeat(
        &mut self,
        claim: &Claim,
        consumer: &str,
        attempt: u32,
        progress: Option<f64>,
        event: bool,
    ) -> Result<bool, QueueError> {
        let keys = self.keys.clone();
        let now = format::now_ms();
        let progress_text = progress.map(|p| format!("{p:.1}")).unwrap_or_default();
        let event_json = match (progress, event) {
            (Some(p), true) => Event::new(&claim.job, EventKind::Progress { percent: (p * 10.0).round() / 10.0 }, now)
                .by(consumer, attempt)
                .to_json(),
            _ => String::new(),
        };
        let max = self.opts.events_max_len;
        let ours: i64 = self.run(&format!("renewing the claim on job {}", claim.job.id), None, |con| {
            scripts::heartbeat()
                .key(&keys.jobs)
                .key(&keys.events)
                .key(keys.job(&claim.job.id))
                .arg(GROUP)
                .arg(&claim.entry)
                .arg(consumer)
                .arg(now)
                .arg(&progress_text)
                .arg(&event_json)
                .arg(max)
                .arg(&claim.job.id)
                .invoke(con)
        })?;
        Ok(ours == 1)
    }

    /// Record success: acknowledge, keep `result` in the job record and publish `done` once.
    pub fn finish(
        &mut self,
        claim: &Claim,
        consumer: &str,
        attempt: u32,
        result: serde_json::Value,
    ) -> Result<Finished, QueueError> {
        let keys = self.keys.clone();
        let now = format::now_ms();
        let result_json = result.to_string();
        let event = Event::new(&claim.job, EventKind::Done { result }, now).by(consumer, attempt).to_json();
        let (max, keep) = (self.opts.events_max_len, self.opts.retention.as_secs().max(1));
        let reply: String = self.run(&format!("finishing job {}", claim.job.id), None, |con| {
            scripts::finish()
                .key(&keys.jobs)
                .key(&keys.events)
                .key(keys.job(&claim.job.id))
                .arg(GROUP)
                .arg(&claim.entry)
                .arg(consumer)
                .arg(now)
                .arg(&result_json)
                .arg(&event)
                .arg(max)
                .arg(keep)
                .arg(&claim.job.id)
                .invoke(con)
        })?;
        match reply.as_str() {
            "ok" => Ok(Finished::Done),
            "dup" => Ok(Finished::AlreadyDone),
            "lost" => Ok(Finished::Lost),
            _ => Err(self.bad_reply("finishing a job", &reply)),
        }
    }

    /// Record a failed attempt with its error: queued again, or dead-lettered when it was attempt
    /// `max_attempts`.
    pub fn fail(&mut self, claim: &Claim, consumer: &str, attempt: u32, error: &str) -> Result<Failed, QueueError> {
        let dead = attempt >= self.opts.max_attempts;
        self.fail_inner(claim, consumer, error, attempt, dead, None)
    }

    /// Hand a job back without counting the attempt (the worker is stopping): a new entry for another
    /// worker and a `requeued` event.
    pub fn release(&mut self, claim: &Claim, consumer: &str, attempt: u32, reason: &str) -> Result<Failed, QueueError> {
        let event = Event::new(&claim.job, EventKind::Requeued { reason: reason.to_owned() }, format::now_ms())
            .by(consumer, attempt)
            .to_json();
        self.fail_inner(claim, consumer, reason, attempt, false, Some(event))
    }

    fn fail_inner(
        &mut self,
        claim: &Claim,
        consumer: &str,
        error: &str,
        attempt: u32,
        dead: bool,
        requeue_event: Option<String>,
    ) -> Result<Failed, QueueError> {
        let keys = self.keys.clone();
        let now = format::now_ms();
        let event = Event::new(&claim.job, EventKind::Failed { error: error.to_owned(), dead_lettered: dead }, now)
            .by(consumer, attempt)
            .to_json();
        let (json, max, keep) = (claim.job.to_json(), self.opts.events_max_len, self.opts.retention.as_secs().max(1));
        let requeue = requeue_event.unwrap_or_default();
        let reply: String = self.run(&format!("recording the failure of job {}", claim.job.id), None, |con| {
            scripts::fail()
                .key(&keys.jobs)
                .key(&keys.events)
                .key(&keys.dead)
                .key(keys.job(&claim.job.id))
                .arg(GROUP)
                .arg(&claim.entry)
                .arg(consumer)
                .arg(now)
                .arg(error)
                .arg(&claim.job.id)
                .arg(&json)
                .arg(&event)
                .arg(u8::from(dead))
                .arg(max)
                .arg(keep)
                .arg(attempt)
                .arg(&requeue)
                .invoke(con)
        })?;
        match (reply.as_str(), dead) {
            ("ok", true) => Ok(Failed::DeadLettered),
            ("ok", false) => Ok(Failed::Retrying),
            ("lost", _) => Ok(Failed::Lost),
            _ => Err(self.bad_reply("recording a failure", &reply)),
        }
    }
}
