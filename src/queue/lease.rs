//! A worker's hold on one claimed job while it builds: a thread with its own Redis connection renews
//! the claim every third of the visibility timeout (so a long encode is never taken over while its
//! worker lives) and publishes progress at most every `progress_every`. If the claim turns out to be
//! someone else's (this worker was too slow and was taken over), [`Lease::lost`] says so and the caller
//! should stop. It does not build anything or decide the job's outcome.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{Claim, Queue, QueueError, QueueOptions};

#[derive(Default)]
struct Shared {
    stop: bool,
    progress: Option<f64>,
}

pub struct Lease {
    shared: Arc<(Mutex<Shared>, Condvar)>,
    lost: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Lease {
    /// Open a connection for the heartbeats and start renewing the claim.
    pub fn spawn(
        opts: &QueueOptions,
        claim: &Claim,
        consumer: &str,
        attempt: u32,
        progress_every: Duration,
    ) -> Result<Lease, QueueError> {
        let mut queue = Queue::connect(opts)?;
        let shared = Arc::new((Mutex::new(Shared::default()), Condvar::new()));
        let lost = Arc::new(AtomicBool::new(false));
        let (claim, consumer) = (claim.clone(), consumer.to_owned());
        let interval = opts.heartbeat_interval();
        // After a failed heartbeat (Redis away for its whole reconnect window), try again this soon.
        let retry = interval.min(progress_every).max(Duration::from_millis(50));
        let (thread_shared, thread_lost) = (shared.clone(), lost.clone());
        let handle = std::thread::Builder::new()
            .name(format!("lease-{}", claim.job.id))
            .spawn(move || {
                let (lock, wake) = &*thread_shared;
                let mut beat_at = Instant::now() + interval;
                // The first progress report is published as soon as it arrives, later ones at most
                // every `progress_every`.
                let mut event_at = Instant::now();
                let mut sent: Option<f64> = None;
                loop {
                    let (progress, event_due) = {
                        let mut guard = lock.lock().unwrap_or_else(|e| e.into_inner());
                        loop {
                            if guard.stop {
                                return;
                            }
                            let pending = guard.progress.is_some() && guard.progress != sent;
                            let now = Instant::now();
                            let event_due = pending && now >= event_at;
                            if event_due || now >= beat_at {
                                break (guard.progress, event_due);
                            }
                            let due = if pending { beat_at.min(event_at) } else { beat_at };
                            // `set_progress` and `halt` wake this early.
                            guard = wake.wait_timeout(guard, due - now).unwrap_or_else(|e| e.into_inner()).0;
                        }
                    };
                    match queue.heartbeat(&claim, &consumer, attempt, progress, event_due) {
                        Ok(true) => {
                            beat_at = Instant::now() + interval;
                            if event_due {
                                event_at = Instant::now() + progress_every;
                                sent = progress;
                            }
                        }
                        Ok(false) => {
                            thread_lost.store(true, Ordering::SeqCst);
                            return;
                        }
                        // Redis stayed away for the whole reconnect window: the claim will lapse and
                        // another worker take over; keep trying in case it comes back.
                        Err(_) => {
                            beat_at = Instant::now() + retry;
                            event_at = event_at.max(beat_at);
                        }
                    }
                }
            })
            .expect("spawning a thread");
        Ok(Lease { shared, lost, handle: Some(handle) })
    }

    /// Record progress (0-100); it is published with the next heartbeat.
    pub fn set_progress(&self, percent: f64) {
        let (lock, wake) = &*self.shared;
        lock.lock().unwrap_or_else(|e| e.into_inner()).progress = Some(percent.clamp(0.0, 100.0));
        wake.notify_all();
    }

    /// Whether another worker took the job over.
    pub fn lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    /// Stop renewing (before acknowledging the job).
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        let (lock, wake) = &*self.shared;
        lock.lock().unwrap_or_else(|e| e.into_inner()).stop = true;
        wake.notify_all();
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.halt();
    }
}
