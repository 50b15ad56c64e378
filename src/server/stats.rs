//! Server counters and the `/stats` document. The JSON keeps the design document's shape (`goroutines`
//! becomes `tasks`; `memory_alloc` and `cache.size` stay human strings) and adds exact numbers beside
//! them plus requests, bytes sent (and how many of them went with `sendfile`), connections and uptime.
//! `playtube stats` reads the same document.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use serde_json::{json, Value};

use super::cache::CacheStats;
use crate::units::human_bytes;

#[derive(Debug)]
pub struct Stats {
    pub started: Instant,
    pub requests: AtomicU64,
    pub bytes_sent: AtomicU64,
    /// Bytes of cached chunks handed to sockets with `sendfile` (the rest went with `writev`).
    pub sendfile_bytes: AtomicU64,
    pub active_connections: AtomicU64,
    pub connections: AtomicU64,
    /// Per-request counters for `/metrics`.
    pub http: super::metrics::Http,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            started: Instant::now(),
            requests: AtomicU64::new(0),
            bytes_sent: AtomicU64::new(0),
            sendfile_bytes: AtomicU64::new(0),
            active_connections: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            http: super::metrics::Http::default(),
        }
    }
}

/// Everything `/stats` reports, gathered at one moment.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub tasks: u64,
    pub rss_bytes: u64,
    pub cache: CacheStats,
    pub chunks_in_flight: u64,
    pub requests: u64,
    pub bytes_sent: u64,
    pub sendfile_bytes: u64,
    pub active_connections: u64,
    pub connections: u64,
    pub uptime_secs: f64,
}

impl Stats {
    pub fn snapshot(&self, cache: CacheStats, chunks_in_flight: u64) -> Snapshot {
        Snapshot {
            tasks: tokio::runtime::Handle::try_current().map(|h| h.metrics().num_alive_tasks() as u64).unwrap_or(0),
            rss_bytes: resident_bytes().unwrap_or(0),
            cache,
            chunks_in_flight,
            requests: self.requests.load(Ordering::Relaxed),
            bytes_sent: self.bytes_sent.load(Ordering::Relaxed),
            sendfile_bytes: self.sendfile_bytes.load(Ordering::Relaxed),
            active_connections: self.active_connections.load(Ordering::Relaxed),
            connections: self.connections.load(Ordering::Relaxed),
            uptime_secs: self.started.elapsed().as_secs_f64(),
        }
    }
}

impl Snapshot {
    pub fn to_json(&self) -> Value {
        json!({
            "tasks": self.tasks,
            "memory_alloc": human_bytes(self.rss_bytes),
            "memory_rss_bytes": self.rss_bytes,
            "cache": {
                "enabled": self.cache.enabled,
                "items": self.cache.items,
                "size": human_bytes(self.cache.size),
                "size_bytes": self.cache.size,
                "capacity_bytes": self.cache.capacity,
                "hits": self.cache.hits,
                "misses": self.cache.misses,
                "hit_rate": format!("{:.1}%", self.cache.hit_rate() * 100.0),
            },
            "chunks_in_flight_bytes": self.chunks_in_flight,
            "requests": self.requests,
            "bytes_sent": self.bytes_sent,
            "sendfile_bytes": self.sendfile_bytes,
            "active_connections": self.active_connections,
            "connections_total": self.connections,
            "uptime_seconds": (self.uptime_secs * 10.0).round() / 10.0,
        })
    }
}

/// The process's resident set size from /proc/self/status (Linux), in bytes.
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keeps_the_design_document_shape() {
        let cache =
            CacheStats { enabled: true, items: 45, size: 234_500_000, capacity: 1 << 30, hits: 873, misses: 127 };
        let snap = Stats::default().snapshot(cache, 0);
        let v = snap.to_json();
        assert_eq!(v["cache"]["enabled"], true);
        assert_eq!(v["cache"]["items"], 45);
        assert_eq!(v["cache"]["size"], "234.5 MB");
        assert_eq!(v["cache"]["hit_rate"], "87.3%");
        assert!(v["memory_alloc"].as_str().unwrap().ends_with("B"));
        for key in ["tasks", "requests", "bytes_sent", "active_connections", "uptime_seconds"] {
            assert!(v.get(key).is_some(), "{key} missing");
        }
    }

    #[test]
    fn resident_size_is_read_from_proc() {
        assert!(resident_bytes().unwrap() > 1024 * 1024);
    }
}
