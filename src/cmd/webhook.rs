//! The worker's optional webhook: one HTTP/1.1 POST of a JSON body to an `http://` URL over a plain
//! TCP socket, with a time limit on connect, write and read; success is any 2xx status. TLS is left to a
//! proxy in front of the receiving application. Nothing else speaks HTTP from the worker.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use anyhow::{bail, Context};

/// Split `http://host[:port][/path]` into (host, port, path).
fn split(url: &str) -> anyhow::Result<(String, u16, String)> {
    let Some(rest) = url.strip_prefix("http://") else { bail!("only http:// URLs are supported") };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => {
            (h.to_owned(), p.parse::<u16>().with_context(|| format!("port {p:?}"))?)
        }
        _ => (authority.to_owned(), 80),
    };
    if host.is_empty() {
        bail!("no host");
    }
    Ok((host, port, path.to_owned()))
}

/// POST `body` (JSON) to `url`; Ok on a 2xx answer.
pub fn post_json(url: &str, body: &str, timeout: Duration) -> anyhow::Result<()> {
    let (host, port, path) = split(url)?;
    let addr = (host.trim_start_matches('[').trim_end_matches(']'), port)
        .to_socket_addrs()
        .with_context(|| format!("resolving {host}"))?
        .next()
        .with_context(|| format!("{host} has no address"))?;
    let mut stream = TcpStream::connect_timeout(&addr, timeout).with_context(|| format!("connecting to {addr}"))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         User-Agent: playtube/{}\r\nConnection: close\r\n\r\n",
        body.len(),
        env!("CARGO_PKG_VERSION")
    );
    stream.write_all(format!("{head}{body}").as_bytes())?;
    let mut answer = Vec::new();
    // Only the status line matters; read at most 4 KiB.
    let _ = (&mut stream).take(4096).read_to_end(&mut answer);
    let line = String::from_utf8_lossy(&answer);
    let status = line.split_whitespace().nth(1).unwrap_or("");
    if !status.starts_with('2') || status.len() != 3 {
        bail!("answered {:?}", line.lines().next().unwrap_or("nothing"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_urls_split_into_host_port_and_path() {
        assert_eq!(split("http://app:8080/hooks/x?y=1").unwrap(), ("app".into(), 8080, "/hooks/x?y=1".into()));
        assert_eq!(split("http://app").unwrap(), ("app".into(), 80, "/".into()));
        assert!(split("https://app/").is_err());
        assert!(split("http://:80/").is_err());
    }

    #[test]
    fn a_2xx_answer_is_success_and_anything_else_an_error_naming_it() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let mut bodies = Vec::new();
            for status in ["204 No Content", "500 Internal Server Error"] {
                let (mut s, _) = listener.accept().unwrap();
                let mut got = Vec::new();
                let mut buf = [0u8; 4096];
                while !got.ends_with(b"}") {
                    let n = s.read(&mut buf).unwrap();
                    assert!(n > 0, "the request ended early");
                    got.extend_from_slice(&buf[..n]);
                }
                bodies.push(String::from_utf8_lossy(&got).into_owned());
                s.write_all(format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n").as_bytes()).unwrap();
            }
            bodies
        });
        let url = format!("http://{addr}/hook");
        post_json(&url, r#"{"type":"done"}"#, Duration::from_secs(5)).unwrap();
        let err = post_json(&url, "{}", Duration::from_secs(5)).unwrap_err();
        assert!(err.to_string().contains("500"), "{err}");
        let bodies = server.join().unwrap();
        assert!(bodies[0].starts_with("POST /hook HTTP/1.1\r\n") && bodies[0].ends_with(r#"{"type":"done"}"#));
    }
}
