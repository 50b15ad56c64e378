//! Counters of the origin (object storage) side of `serve --root s3://…`, for `/stats`: requests made to
//! storage, bytes received, latency (total and worst), failures by kind and the last failure's text,
//! and how often the pointer and metadata caches answered without a request.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{json, Value};

use super::OriginError;

#[derive(Debug, Default)]
pub struct OriginStats {
    pub requests: AtomicU64,
    pub bytes: AtomicU64,
    pub latency_us_total: AtomicU64,
    pub latency_us_max: AtomicU64,
    pub errors: AtomicU64,
    pub timeouts: AtomicU64,
    pub unreachable: AtomicU64,
    pub pointer_hits: AtomicU64,
    pub meta_hits: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl OriginStats {
    pub fn record(&self, took: Duration, bytes: u64, result: Result<(), &OriginError>) {
        let us = took.as_micros() as u64;
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        self.latency_us_total.fetch_add(us, Ordering::Relaxed);
        self.latency_us_max.fetch_max(us, Ordering::Relaxed);
        if let Err(e) = result {
            self.errors.fetch_add(1, Ordering::Relaxed);
            match e {
                OriginError::Timeout(_) => self.timeouts.fetch_add(1, Ordering::Relaxed),
                OriginError::Unreachable(_) => self.unreachable.fetch_add(1, Ordering::Relaxed),
                OriginError::Failed(_) => 0,
            };
            if let Ok(mut last) = self.last_error.lock() {
                *last = Some(e.to_string());
            }
        }
    }

    pub fn to_json(&self) -> Value {
        let requests = self.requests.load(Ordering::Relaxed);
        let total = self.latency_us_total.load(Ordering::Relaxed);
        let mean_ms = if requests == 0 { 0.0 } else { total as f64 / requests as f64 / 1000.0 };
        json!({
            "requests": requests,
            "bytes": self.bytes.load(Ordering::Relaxed),
            "latency_mean_ms": (mean_ms * 100.0).round() / 100.0,
            "latency_max_ms": self.latency_us_max.load(Ordering::Relaxed) as f64 / 1000.0,
            "errors": self.errors.load(Ordering::Relaxed),
            "timeouts": self.timeouts.load(Ordering::Relaxed),
            "unreachable": self.unreachable.load(Ordering::Relaxed),
            "pointer_cache_hits": self.pointer_hits.load(Ordering::Relaxed),
            "metadata_cache_hits": self.meta_hits.load(Ordering::Relaxed),
            "last_error": self.last_error.lock().ok().and_then(|l| l.clone()),
        })
    }
}
