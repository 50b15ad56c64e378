//! The access log: one `tracing` event per request (target `playtube::access`) with method, path,
//! status, bytes sent, duration and cache outcome, written when the response body is finished or
//! dropped. [`log_path`] is the one place that decides what of the request target is logged: the path
//! only, never the query, because signed URLs carry their token there.

use std::time::Instant;

use http::{Method, Uri};

use super::cache::CacheOutcome;

/// The part of a request target that may be logged: the path, without the query (tokens live there),
/// cut to 256 bytes.
pub fn log_path(uri: &Uri) -> &str {
    let path = uri.path();
    let mut end = path.len().min(256);
    while !path.is_char_boundary(end) {
        end -= 1;
    }
    &path[..end]
}

/// An access-log line waiting for the body to finish.
#[derive(Debug)]
pub struct AccessLog {
    pub method: Method,
    pub path: String,
    pub status: u16,
    pub cache: CacheOutcome,
    pub started: Instant,
    /// The reason code of a refused signed link (`expired`, `bad_signature`, ...).
    pub reason: Option<&'static str>,
}

impl AccessLog {
    pub fn new(method: &Method, uri: &Uri, started: Instant) -> AccessLog {
        AccessLog {
            method: method.clone(),
            path: log_path(uri).to_owned(),
            status: 0,
            cache: CacheOutcome::Bypass,
            started,
            reason: None,
        }
    }

    /// Write the line. `complete` is false when the body was cut short (client gone, file changed).
    pub fn emit(self, bytes: u64, complete: bool) {
        let micros = self.started.elapsed().as_micros() as u64;
        tracing::info!(
            target: "playtube::access",
            method = %self.method,
            path = %self.path,
            status = self.status,
            bytes,
            duration_us = micros,
            cache = self.cache.as_str(),
            reason = self.reason.unwrap_or("-"),
            complete,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logged_path_never_contains_the_query() {
        let uri: Uri = "/hls/abc/master.m3u8?expires=1&sig=SECRET".parse().unwrap();
        assert_eq!(log_path(&uri), "/hls/abc/master.m3u8");
    }

    #[test]
    fn logged_path_is_bounded() {
        let long = format!("/{}", "a".repeat(1000));
        let uri: Uri = long.parse().unwrap();
        assert_eq!(log_path(&uri).len(), 256);
    }
}
