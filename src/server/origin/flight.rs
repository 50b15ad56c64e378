//! Single flight for async fills: however many requests want the same key at the same moment, one
//! future runs and all of them get its result. Used by the origin for pointers, object metadata,
//! whole small objects and `VIDEO_CHUNK_SIZE` chunks, so a thundering herd on a cold segment costs
//! one storage request. Holds nothing once a fill is done (results are cached elsewhere, with their
//! own bounds); a fill whose requester went away is taken over by the next waiter (`OnceCell`).

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

/// The fills in progress, by key.
#[derive(Debug)]
pub struct Flights<K, V> {
    running: Mutex<HashMap<K, Arc<OnceCell<V>>>>,
}

impl<K, V> Default for Flights<K, V> {
    fn default() -> Self {
        Flights { running: Mutex::new(HashMap::new()) }
    }
}

impl<K: Eq + Hash + Clone, V: Clone> Flights<K, V> {
    /// Run `fill` for `key` unless a fill for it is already running, in which case wait for that one.
    /// Returns the value and whether this call ran the fill (`true`) or shared another's (`false`).
    pub async fn run<F, Fut>(&self, key: &K, fill: F) -> (V, bool)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = V>,
    {
        let cell = {
            let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(running.entry(key.clone()).or_default())
        };
        let mut ran = false;
        let value = cell
            .get_or_init(|| {
                ran = true;
                fill()
            })
            .await
            .clone();
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if running.get(key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
            running.remove(key);
        }
        (value, ran)
    }

    /// Fills running now.
    pub fn len(&self) -> usize {
        self.running.lock().map(|r| r.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn concurrent_callers_share_one_fill() {
        let flights: Arc<Flights<u32, u64>> = Arc::default();
        let calls = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (flights, calls) = (Arc::clone(&flights), Arc::clone(&calls));
                tokio::spawn(async move {
                    flights
                        .run(&7, || async {
                            calls.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                            42
                        })
                        .await
                })
            })
            .collect();
        let mut ran = 0;
        for t in tasks {
            let (v, r) = t.await.unwrap();
            assert_eq!(v, 42);
            ran += usize::from(r);
        }
        assert_eq!((calls.load(Ordering::SeqCst), ran), (1, 1));
        assert!(flights.is_empty(), "nothing kept after the fill");
    }

    #[tokio::test]
    async fn a_later_call_fills_again() {
        let flights: Flights<u32, u32> = Flights::default();
        assert_eq!(flights.run(&1, || async { 1 }).await, (1, true));
        assert_eq!(flights.run(&1, || async { 2 }).await, (2, true));
    }
}
