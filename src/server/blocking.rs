//! The bounded pool where every file-system call that can block runs: opening a file, reading it whole,
//! filling a chunk. A cold disk, a stalled network file system or anything else that hangs then holds
//! one of these slots, never an async worker, so `/health`, cached responses and the accept loop keep
//! going. At most [`Blocking::limit`] calls run at once (tokio's blocking threads); further callers wait
//! asynchronously for a slot. What stays on the async workers is deliberate and cheap: the `stat` of a
//! path that is already verified and cached (one syscall, as nginx's `open_file_cache` does) and
//! slices of bytes already in memory.

use std::io;
use std::sync::Arc;

use tokio::sync::Semaphore;

use super::identity::FileError;

/// Default number of file-system calls in flight at once.
pub const DEFAULT_LIMIT: usize = 64;

/// A semaphore in front of `tokio::task::spawn_blocking`.
#[derive(Debug, Clone)]
pub struct Blocking {
    slots: Arc<Semaphore>,
    limit: usize,
}

impl Blocking {
    pub fn new(limit: usize) -> Blocking {
        let limit = limit.clamp(1, 1024);
        Blocking { slots: Arc::new(Semaphore::new(limit)), limit }
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Run `f` on a blocking thread once a slot is free.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> Result<T, FileError> + Send + 'static,
    ) -> Result<T, FileError> {
        let slot = Arc::clone(&self.slots).acquire_owned().await.map_err(|_| FileError::Changed)?;
        let joined = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            f()
        })
        .await;
        joined.unwrap_or_else(|e| Err(FileError::Io(io::Error::other(format!("file task failed: {e}")))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_most_limit_calls_run_at_once() {
        let pool = Blocking::new(3);
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let (pool, running, peak) = (pool.clone(), Arc::clone(&running), Arc::clone(&peak));
                tokio::spawn(async move {
                    pool.run(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(50));
                        running.fetch_sub(1, Ordering::SeqCst);
                        Ok(())
                    })
                    .await
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let peak = peak.load(Ordering::SeqCst);
        assert!((2..=3).contains(&peak), "{peak} calls ran at once");
    }
}
