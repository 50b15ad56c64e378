//! `playtube stats`: fetch a running server's `/stats` and print it as a table, or as JSON with
//! `--json`; `--watch SECS` repeats. The fetch is one plain HTTP/1.0 GET over a TCP socket (the server
//! listens on plain HTTP; a TLS client library would be dead weight here).

use std::io::{IsTerminal, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use anyhow::{bail, Context};
use serde_json::Value;

use crate::cli::StatsArgs;
use crate::config::Settings;
use crate::exit::{Code, UsageError};
use crate::ui::table;
use crate::units::human_bytes;

pub const DEFAULT_URL: &str = "http://127.0.0.1:8090";

pub fn run(settings: &Settings, args: &StatsArgs) -> anyhow::Result<Code> {
    let url = args.url.clone().or_else(|| settings.env.get("PLAYTUBE_URL").map(str::to_owned));
    let url = url.unwrap_or_else(|| DEFAULT_URL.to_owned());
    let target = Target::parse(&url)?;
    let every = match args.watch {
        None => None,
        Some(s) if s.is_finite() && s > 0.0 => Some(Duration::from_secs_f64(s)),
        Some(s) => return Err(UsageError::new(format!("--watch {s} must be a number of seconds > 0 (e.g. 2)")).into()),
    };
    let mut shown = 0u64;
    loop {
        let stats = target.fetch().with_context(|| format!("fetching {url}/stats"))?;
        if settings.output.json {
            if every.is_some() {
                // One compact object per line, so a watch can be piped into jq.
                settings.output.print(&format!("{stats}\n"))?;
            } else {
                settings.output.print_json(&stats)?;
            }
        } else if every.is_some() && std::io::stdout().is_terminal() {
            // A watch on a terminal redraws in place: clear the screen, cursor home.
            settings.output.print(&format!("\x1b[2J\x1b[H{url}\n{}", render(&stats)))?;
        } else {
            if shown > 0 {
                settings.output.print("\n")?;
            }
            settings.output.print(&render(&stats))?;
        }
        shown += 1;
        match every {
            Some(d) if args.count.is_none_or(|n| shown < n) => std::thread::sleep(d),
            _ => return Ok(Code::Success),
        }
    }
}

/// `/stats` as aligned key/value lines.
pub fn render(v: &Value) -> String {
    let num = |key: &str| v[key].as_u64().unwrap_or(0);
    let cache = &v["cache"];
    let uptime = v["uptime_seconds"].as_f64().unwrap_or(0.0);
    table::pairs(&[
        ("uptime", crate::units::human_duration(uptime)),
        ("requests", num("requests").to_string()),
        (
            "bytes sent",
            format!("{} ({} with sendfile)", human_bytes(num("bytes_sent")), human_bytes(num("sendfile_bytes"))),
        ),
        ("connections", format!("{} active, {} total", num("active_connections"), num("connections_total"))),
        ("tasks", num("tasks").to_string()),
        ("memory", v["memory_alloc"].as_str().unwrap_or("?").to_owned()),
        (
            "cache",
            if cache["enabled"].as_bool().unwrap_or(false) {
                format!(
                    "{} items, {} of {}, hit rate {} ({} hits, {} misses)",
                    cache["items"].as_u64().unwrap_or(0),
                    cache["size"].as_str().unwrap_or("?"),
                    human_bytes(cache["capacity_bytes"].as_u64().unwrap_or(0)),
                    cache["hit_rate"].as_str().unwrap_or("?"),
                    cache["hits"].as_u64().unwrap_or(0),
                    cache["misses"].as_u64().unwrap_or(0),
                )
            } else {
                "disabled".to_owned()
            },
        ),
    ])
}

/// Host, port and path prefix of an `http://` URL.
#[derive(Debug, PartialEq, Eq)]
struct Target {
    host: String,
    port: u16,
    path: String,
}

impl Target {
    fn parse(url: &str) -> anyhow::Result<Target> {
        let bad = || UsageError::new(format!("--url {url:?} is not an http:// URL; use e.g. {DEFAULT_URL}"));
        let rest = url.strip_prefix("http://").ok_or_else(bad)?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
            None => (rest, ""),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (h, p.parse().map_err(|_| bad())?),
            _ => (authority, 80),
        };
        if host.is_empty() {
            return Err(bad().into());
        }
        let path = if path.ends_with("/stats") { path.to_owned() } else { format!("{path}/stats") };
        Ok(Target { host: host.trim_start_matches('[').trim_end_matches(']').to_owned(), port, path })
    }

    fn fetch(&self) -> anyhow::Result<Value> {
        let addr = (self.host.as_str(), self.port)
            .to_socket_addrs()?
            .next()
            .with_context(|| format!("{} does not resolve", self.host))?;
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        write!(stream, "GET {} HTTP/1.0\r\nHost: {}\r\nAccept: application/json\r\n\r\n", self.path, self.host)?;
        let mut raw = Vec::new();
        stream.take(8 << 20).read_to_end(&mut raw)?;
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").context("the reply is not HTTP")?;
        let head = String::from_utf8_lossy(&raw[..split]);
        let status = head.split_whitespace().nth(1).unwrap_or("");
        if status != "200" {
            bail!("the server answered {}", head.lines().next().unwrap_or(""));
        }
        serde_json::from_slice(&raw[split + 4..]).context("the reply is not the /stats JSON")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_with_and_without_port_and_path_parse() {
        let t = Target::parse("http://127.0.0.1:8090").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.path.as_str()), ("127.0.0.1", 8090, "/stats"));
        let t = Target::parse("http://video.example/api/").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.path.as_str()), ("video.example", 80, "/api/stats"));
        let t = Target::parse("http://[::1]:9000/stats").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.path.as_str()), ("::1", 9000, "/stats"));
        assert!(Target::parse("https://x.example").is_err());
        assert!(Target::parse("http://:80").is_err());
    }

    #[test]
    fn table_shows_cache_and_counters() {
        let v: Value = serde_json::from_str(
            r#"{"tasks":3,"memory_alloc":"12.5 MB","requests":10,"bytes_sent":2000000,"active_connections":1,
                "connections_total":4,"uptime_seconds":62.5,
                "cache":{"enabled":true,"items":2,"size":"1.0 kB","capacity_bytes":1000000,"hit_rate":"50.0%","hits":1,"misses":1}}"#,
        )
        .unwrap();
        console::set_colors_enabled(false);
        let text = render(&v);
        assert!(text.contains("2 items"), "{text}");
        assert!(text.contains("hit rate 50.0%"), "{text}");
        assert!(text.contains("2.0 MB"), "{text}");
    }
}
