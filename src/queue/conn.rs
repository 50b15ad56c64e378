//! One Redis connection that survives a Redis restart: the first connect fails fast with an error naming
//! the URL (the caller exits 2), later commands that fail on the connection (refused, reset, timed out,
//! Redis still loading its AOF) reconnect with exponential backoff for a bounded time and retry. A call
//! interrupted by the process being stopped and continued (EINTR) is simply made again, the first
//! connect included. It owns the URL (shown with any password hidden) and the timeouts; it knows
//! nothing of jobs.

use std::time::{Duration, Instant};

use redis::{Client, Connection, ErrorKind, RedisError, RedisResult};

use super::QueueError;

/// First and longest pause between reconnect attempts.
const BACKOFF_FIRST: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// Times in a row a call interrupted by a signal (EINTR) is made again before its error is returned.
const INTERRUPTED_RETRIES: u32 = 3;

/// The URL with the password of `redis://user:password@host` replaced by `***`, for messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let (authority, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map(|(u, _)| u).unwrap_or(userinfo);
            if userinfo.contains(':') {
                format!("{scheme}://{user}:***@{host}{tail}")
            } else {
                format!("{scheme}://***@{host}{tail}")
            }
        }
        None => url.to_owned(),
    }
}

/// Check the form of a queue URL: `redis://HOST[:PORT][/DB]`, `unix:///path` or `redis+unix:///path`.
pub fn check_url(url: &str) -> Result<Client, QueueError> {
    let shown = redact(url);
    let scheme = url.split_once("://").map(|(s, _)| s).unwrap_or("");
    if !matches!(scheme, "redis" | "unix" | "redis+unix") {
        return Err(QueueError::BadUrl {
            url: shown,
            reason: "use redis://HOST:PORT/DB (or unix:///path/to/redis.sock); rediss:// (TLS) is not supported".into(),
        });
    }
    Client::open(url).map_err(|e| QueueError::BadUrl { url: shown, reason: e.to_string() })
}

/// Whether a call failed only because a signal interrupted it: on Linux a socket call with a timeout
/// fails with EINTR when the process is stopped (SIGSTOP, a paused VM) and continued, however long
/// the stop lasted. Nothing is wrong with the server; the call is made again on a fresh connection.
fn interrupted(err: &RedisError) -> bool {
    std::error::Error::source(err)
        .and_then(|e| e.downcast_ref::<std::io::Error>())
        .is_some_and(|e| e.kind() == std::io::ErrorKind::Interrupted)
}

/// Whether an error is about the connection (worth reconnecting) rather than the command.
pub fn is_connection_error(err: &RedisError) -> bool {
    err.is_io_error()
        || err.is_connection_dropped()
        || err.is_connection_refusal()
        || err.is_timeout()
        || matches!(err.kind(), ErrorKind::BusyLoadingError | ErrorKind::TryAgain | ErrorKind::MasterDown)
}

pub struct Conn {
    client: Client,
    url: String,
    con: Option<Connection>,
    connect_timeout: Duration,
    /// How long commands may keep reconnecting before the error is returned.
    reconnect_window: Duration,
    /// Reconnects done so far (for diagnostics and tests).
    pub reconnects: u64,
}

impl Conn {
    /// Connect now; an unreachable server is [`QueueError::Unreachable`] naming the URL.
    pub fn open(url: &str, connect_timeout: Duration, reconnect_window: Duration) -> Result<Conn, QueueError> {
        let client = check_url(url)?;
        let mut conn = Conn { client, url: redact(url), con: None, connect_timeout, reconnect_window, reconnects: 0 };
        let mut attempt = 0;
        loop {
            // PING proves it is a Redis that answers, not just an open port.
            let ping = conn
                .connect()
                .and_then(|()| redis::cmd("PING").query::<String>(conn.con.as_mut().expect("connected")).map(drop));
            match ping {
                Ok(()) => return Ok(conn),
                Err(e) if interrupted(&e) && attempt < INTERRUPTED_RETRIES => attempt += 1,
                Err(source) => return Err(QueueError::Unreachable { url: conn.url.clone(), source }),
            }
        }
    }

    /// The URL as shown in messages (password hidden).
    pub fn url(&self) -> &str {
        &self.url
    }

    fn connect(&mut self) -> RedisResult<()> {
        let con = self.client.get_connection_with_timeout(self.connect_timeout)?;
        con.set_write_timeout(Some(self.connect_timeout))?;
        con.set_read_timeout(Some(self.connect_timeout))?;
        self.con = Some(con);
        Ok(())
    }

    /// Run `f` on the connection, reconnecting with backoff while the failure is a connection failure,
    /// for at most the reconnect window. `read_timeout` is set for this call (longer for blocking reads).
    ///
    /// `f` may run more than once, so it must be safe to repeat: every state change the queue makes is a
    /// script that checks the state it expects before changing it.
    pub fn run<T>(
        &mut self,
        what: &str,
        read_timeout: Option<Duration>,
        mut f: impl FnMut(&mut Connection) -> RedisResult<T>,
    ) -> Result<T, QueueError> {
        let started = Instant::now();
        let mut pause = BACKOFF_FIRST;
        let mut interruptions = 0;
        loop {
            let result = match self.con.as_mut() {
                Some(con) => {
                    let timeout = read_timeout.unwrap_or(self.connect_timeout);
                    match con.set_read_timeout(Some(timeout)) {
                        Ok(()) => f(con),
                        Err(e) => Err(e),
                    }
                }
                None => self.connect().and_then(|()| {
                    self.reconnects += 1;
                    let con = self.con.as_mut().expect("connected");
                    con.set_read_timeout(Some(read_timeout.unwrap_or(self.connect_timeout)))?;
                    f(con)
                }),
            };
            match result {
                Ok(v) => return Ok(v),
                // The window may have passed while the process was stopped: an interruption is retried
                // whatever the time, on a fresh connection (the reply may have been half read).
                Err(err) if interrupted(&err) && interruptions < INTERRUPTED_RETRIES => {
                    interruptions += 1;
                    self.con = None;
                }
                Err(err) if is_connection_error(&err) && started.elapsed() < self.reconnect_window => {
                    self.con = None;
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(BACKOFF_MAX);
                }
                Err(source) => {
                    if is_connection_error(&source) {
                        self.con = None;
                    }
                    return Err(QueueError::Redis { url: self.url.clone(), what: what.to_owned(), source });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_interrupted_call_counts_as_interrupted() {
        let eintr = RedisError::from(std::io::Error::from(std::io::ErrorKind::Interrupted));
        assert!(interrupted(&eintr) && is_connection_error(&eintr));
        let reset = RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert!(!interrupted(&reset));
        assert!(!interrupted(&RedisError::from((ErrorKind::ResponseError, "ERR"))));
    }

    #[test]
    fn passwords_are_hidden_in_urls_shown_to_people() {
        assert_eq!(redact("redis://:s3cret@10.0.0.1:6379/2"), "redis://:***@10.0.0.1:6379/2");
        assert_eq!(redact("redis://app:s3cret@h/0"), "redis://app:***@h/0");
        assert_eq!(redact("redis://tokenonly@h"), "redis://***@h");
        assert_eq!(redact("redis://127.0.0.1:6379/0"), "redis://127.0.0.1:6379/0");
        assert_eq!(redact("unix:///run/redis.sock"), "unix:///run/redis.sock");
    }

    #[test]
    fn only_redis_and_unix_urls_are_accepted() {
        assert!(check_url("redis://127.0.0.1:6379/0").is_ok());
        assert!(check_url("unix:///tmp/r.sock").is_ok());
        for bad in ["http://h:6379", "127.0.0.1:6379", "rediss://h:6379", ""] {
            let err = check_url(bad).unwrap_err();
            assert!(matches!(err, QueueError::BadUrl { .. }), "{bad}: {err}");
        }
    }
}
