//! The access log: one line per request (method, path, status, bytes sent, duration, cache outcome,
//! refusal reason, whether the body completed), made when the response body is finished or dropped,
//! and written off the request path. A request only formats its line into a shared buffer (a short
//! lock and a copy of ~150 bytes); the [`Sink`]'s own thread writes the buffer in batches, when it
//! holds 64 KiB or 100 ms after the last write (as nginx's `buffer=64k flush=...`), so no worker ever
//! waits for the log's output. When the output cannot keep up, lines beyond 4 MiB pending are dropped
//! and counted (the count is written to the log once the output moves again) rather than blocking or
//! growing without bound. [`Sink::close`], called when the server stops, writes everything pending.
//! Lines are the same as the diagnostics' formats: `human` (`... INFO playtube::access: method=GET
//! path=/x ...`) or `json` (one object per line with `"target":"playtube::access"`).
//!
//! [`log_path`] is the one place that decides what of the request target is logged: the path only,
//! never the query, because signed URLs carry their token there.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use http::{Method, Uri};

use super::cache::CacheOutcome;

/// How each line is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// `2026-01-01T00:00:00.000000Z  INFO playtube::access: method=GET path=/x status=200 ... cache="hit"`
    #[default]
    Human,
    /// `{"timestamp":"...","level":"INFO","target":"playtube::access","method":"GET",...}`
    Json,
}

/// Write a batch once this much is pending.
const FLUSH_BYTES: usize = 64 << 10;
/// Write a batch at least this often while lines are pending (lines show up promptly for `tail -f`
/// and tests, and a quiet server still makes at most ten writes a second).
const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// Drop (and count) lines beyond this much pending: the output is stuck or far too slow.
const MAX_PENDING: usize = 4 << 20;

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

struct Pending {
    buf: Vec<u8>,
    closed: bool,
}

/// Where access-log lines go: a buffer filled by requests and written in batches by its own thread.
pub struct Sink {
    format: Format,
    pending: Mutex<Pending>,
    wake: Condvar,
    out: Mutex<Box<dyn Write + Send>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    dropped: AtomicU64,
}

impl std::fmt::Debug for Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sink").field("format", &self.format).finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Sink {
    /// A sink writing to standard error.
    pub fn stderr(format: Format) -> Arc<Sink> {
        Sink::start(format, Box::new(std::io::stderr()))
    }

    /// A sink writing to `out`, with its writer thread started.
    pub fn start(format: Format, out: Box<dyn Write + Send>) -> Arc<Sink> {
        let sink = Arc::new(Sink {
            format,
            pending: Mutex::new(Pending { buf: Vec::with_capacity(FLUSH_BYTES * 2), closed: false }),
            wake: Condvar::new(),
            out: Mutex::new(out),
            writer: Mutex::new(None),
            dropped: AtomicU64::new(0),
        });
        let worker = Arc::clone(&sink);
        match std::thread::Builder::new().name("playtube-access-log".to_owned()).spawn(move || worker.write_batches()) {
            Ok(handle) => *lock(&sink.writer) = Some(handle),
            // No thread: lines are written as they come (slower, never lost).
            Err(_) => lock(&sink.pending).closed = true,
        }
        sink
    }

    /// Lines dropped so far because the output could not keep up.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Add one line (written by `line`), never waiting for the output.
    fn push(&self, line: impl FnOnce(&mut Vec<u8>)) {
        let mut pending = lock(&self.pending);
        if pending.closed {
            drop(pending);
            let mut one = Vec::with_capacity(256);
            line(&mut one);
            let _ = lock(&self.out).write_all(&one);
            return;
        }
        if pending.buf.len() >= MAX_PENDING {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        line(&mut pending.buf);
        if pending.buf.len() >= FLUSH_BYTES {
            self.wake.notify_one();
        }
    }

    /// The writer thread: wait for 64 KiB, a second, or the close; take the buffer; write it.
    fn write_batches(&self) {
        let mut batch = Vec::with_capacity(FLUSH_BYTES * 2);
        let mut last_write = Instant::now();
        let mut reported = 0;
        loop {
            let closed = {
                let mut pending = lock(&self.pending);
                let deadline = last_write + FLUSH_EVERY;
                while !pending.closed && pending.buf.len() < FLUSH_BYTES {
                    let now = Instant::now();
                    if now >= deadline {
                        break;
                    }
                    pending = self.wake.wait_timeout(pending, deadline - now).unwrap_or_else(|p| p.into_inner()).0;
                }
                std::mem::swap(&mut pending.buf, &mut batch);
                pending.closed
            };
            let dropped = self.dropped.load(Ordering::Relaxed);
            if dropped > reported {
                let _ = writeln!(
                    batch,
                    "playtube: access log: {} lines dropped (the log output could not keep up)",
                    dropped - reported
                );
                reported = dropped;
            }
            if !batch.is_empty() {
                let mut out = lock(&self.out);
                let _ = out.write_all(&batch);
                let _ = out.flush();
                batch.clear();
            }
            last_write = Instant::now();
            if closed {
                return;
            }
        }
    }

    /// Write everything pending and stop the writer thread; later lines are written directly.
    pub fn close(&self) {
        lock(&self.pending).closed = true;
        self.wake.notify_one();
        if let Some(handle) = lock(&self.writer).take() {
            let _ = handle.join();
        }
    }
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
    sink: Arc<Sink>,
}

impl AccessLog {
    pub fn new(method: &Method, uri: &Uri, started: Instant, sink: Arc<Sink>) -> AccessLog {
        AccessLog {
            method: method.clone(),
            path: log_path(uri).to_owned(),
            status: 0,
            cache: CacheOutcome::Bypass,
            started,
            reason: None,
            sink,
        }
    }

    /// Hand the line to the sink. `complete` is false when the body was cut short (client gone, file
    /// changed).
    pub fn emit(self, bytes: u64, complete: bool) {
        let micros = self.started.elapsed().as_micros() as u64;
        let now = SystemTime::now();
        let reason = self.reason.unwrap_or("-");
        let cache = self.cache.as_str();
        let sink = Arc::clone(&self.sink);
        sink.push(|buf| match sink.format {
            Format::Human => {
                timestamp(buf, now);
                buf.extend_from_slice(b"  INFO playtube::access: method=");
                printable(buf, self.method.as_str());
                buf.extend_from_slice(b" path=");
                printable(buf, &self.path);
                let _ = writeln!(
                    buf,
                    " status={} bytes={bytes} duration_us={micros} cache=\"{cache}\" reason=\"{reason}\" complete={complete}",
                    self.status
                );
            }
            Format::Json => {
                buf.extend_from_slice(b"{\"timestamp\":\"");
                timestamp(buf, now);
                buf.extend_from_slice(b"\",\"level\":\"INFO\",\"target\":\"playtube::access\",\"method\":");
                let _ = serde_json::to_writer(&mut *buf, self.method.as_str());
                buf.extend_from_slice(b",\"path\":");
                let _ = serde_json::to_writer(&mut *buf, &self.path);
                let _ = writeln!(
                    buf,
                    ",\"status\":{},\"bytes\":{bytes},\"duration_us\":{micros},\"cache\":\"{cache}\",\
                     \"reason\":\"{reason}\",\"complete\":{complete}}}",
                    self.status
                );
            }
        });
    }
}

/// Text for a human line: printable ASCII as is, anything else as `\xNN` (no log injection).
fn printable(buf: &mut Vec<u8>, s: &str) {
    for b in s.bytes() {
        if b.is_ascii_graphic() && b != b'\\' {
            buf.push(b);
        } else {
            let _ = write!(buf, "\\x{b:02x}");
        }
    }
}

/// RFC 3339 UTC with microseconds, e.g. `2026-12-05T09:00:00.123456Z`.
fn timestamp(buf: &mut Vec<u8>, at: SystemTime) {
    let since = at.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let _ = write!(
        buf,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_micros()
    );
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

    #[test]
    fn timestamps_are_rfc3339_utc() {
        let mut buf = Vec::new();
        timestamp(&mut buf, SystemTime::UNIX_EPOCH + Duration::new(1_709_210_096, 7_000));
        assert_eq!(String::from_utf8(buf).unwrap(), "2024-02-29T12:34:56.000007Z");
    }

    /// An output that keeps what it gets, optionally stuck until released.
    #[derive(Clone, Default)]
    struct Captured {
        bytes: Arc<Mutex<Vec<u8>>>,
        writes: Arc<AtomicU64>,
        stuck: Arc<(Mutex<bool>, Condvar)>,
    }

    impl Write for Captured {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            let (flag, cv) = &*self.stuck;
            let mut stuck = lock(flag);
            while *stuck {
                stuck = cv.wait(stuck).unwrap();
            }
            self.writes.fetch_add(1, Ordering::SeqCst);
            lock(&self.bytes).extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn line(sink: &Arc<Sink>, path: &str) {
        let uri: Uri = path.parse().unwrap();
        let mut log = AccessLog::new(&Method::GET, &uri, Instant::now(), Arc::clone(sink));
        log.status = 200;
        log.emit(5, true);
    }

    #[test]
    fn lines_are_written_in_batches_and_none_is_lost_on_close() {
        let out = Captured::default();
        let sink = Sink::start(Format::Json, Box::new(out.clone()));
        for i in 0..2000 {
            line(&sink, &format!("/hls/abc/360p/seg_{i:05}.ts"));
        }
        sink.close();
        let text = String::from_utf8(lock(&out.bytes).clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2000);
        let v: serde_json::Value = serde_json::from_str(lines[1999]).unwrap();
        assert_eq!(
            (v["target"].as_str(), v["path"].as_str()),
            (Some("playtube::access"), Some("/hls/abc/360p/seg_01999.ts"))
        );
        let writes = out.writes.load(Ordering::SeqCst);
        assert!(writes < 20, "{writes} writes for 2000 lines");
    }

    #[test]
    fn a_stuck_output_never_blocks_a_request_and_drops_are_counted() {
        let out = Captured::default();
        *lock(&out.stuck.0) = true;
        let sink = Sink::start(Format::Human, Box::new(out.clone()));
        line(&sink, "/first");
        let started = Instant::now();
        // Far more than the 4 MiB the sink may hold while its output is stuck.
        for _ in 0..60_000 {
            line(&sink, &format!("/{}", "x".repeat(100)));
        }
        assert!(started.elapsed() < Duration::from_secs(5), "requests waited for the log: {:?}", started.elapsed());
        assert!(sink.dropped() > 0);
        *lock(&out.stuck.0) = false;
        out.stuck.1.notify_all();
        sink.close();
        let text = String::from_utf8(lock(&out.bytes).clone()).unwrap();
        assert!(
            text.contains(" INFO playtube::access: method=GET path=/first status=200 bytes=5 "),
            "{}",
            &text[..200]
        );
        assert!(text.contains(&format!("{} lines dropped", sink.dropped())), "the drop count is reported");
    }

    #[test]
    fn human_lines_escape_what_is_not_printable() {
        let mut buf = Vec::new();
        printable(&mut buf, "/a b\\c");
        assert_eq!(buf, b"/a\\x20b\\x5cc");
    }
}
