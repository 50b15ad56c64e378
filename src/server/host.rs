//! The `Host` field rules of RFC 9112 §3.2: an HTTP/1.1 request without `Host`, any request with more
//! than one `Host` field, or with a value that is not `uri-host [":" port]` (RFC 3986 §3.2.2) is
//! refused with 400 before anything else is looked at. An empty value is invalid too: `http` URIs
//! always have a non-empty host (RFC 9110 §4.2.1). Pure: the handler decides, this only checks.

use std::net::Ipv6Addr;

use http::header::HOST;
use http::{HeaderMap, Version};

/// Why a request's `Host` is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    #[error("missing Host header")]
    Missing,
    #[error("more than one Host header")]
    Repeated,
    #[error("invalid Host header")]
    Invalid,
}

impl HostError {
    /// The 400 body.
    pub fn body(self) -> &'static str {
        match self {
            HostError::Missing => "bad request: missing Host header\n",
            HostError::Repeated => "bad request: more than one Host header\n",
            HostError::Invalid => "bad request: invalid Host header\n",
        }
    }
}

/// Check the `Host` fields of a request of `version` (HTTP/1.0 may omit the field).
pub fn check(version: Version, headers: &HeaderMap) -> Result<(), HostError> {
    let mut values = headers.get_all(HOST).iter();
    match (values.next(), values.next()) {
        (None, _) if version == Version::HTTP_10 || version == Version::HTTP_09 => Ok(()),
        (None, _) => Err(HostError::Missing),
        (Some(_), Some(_)) => Err(HostError::Repeated),
        (Some(v), None) if valid(v.as_bytes()) => Ok(()),
        (Some(_), None) => Err(HostError::Invalid),
    }
}

/// `uri-host [":" port]` with a non-empty host; `port = *DIGIT`.
pub fn valid(value: &[u8]) -> bool {
    let (host_ok, rest) = if let Some(literal) = value.strip_prefix(b"[") {
        let Some(end) = literal.iter().position(|&b| b == b']') else { return false };
        let ip = std::str::from_utf8(&literal[..end]).ok().and_then(|s| s.parse::<Ipv6Addr>().ok());
        (ip.is_some(), &literal[end + 1..])
    } else {
        let end = value.iter().position(|&b| b == b':').unwrap_or(value.len());
        (end > 0 && reg_name(&value[..end]), &value[end..])
    };
    let port_ok = match rest {
        [] => true,
        [b':', digits @ ..] => digits.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    host_ok && port_ok
}

/// `reg-name = *( unreserved / pct-encoded / sub-delims )` (an IPv4 address is one too).
fn reg_name(s: &[u8]) -> bool {
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'%' => {
                if !(i + 2 < s.len() && s[i + 1].is_ascii_hexdigit() && s[i + 2].is_ascii_hexdigit()) {
                    return false;
                }
                i += 3;
                continue;
            }
            b if b.is_ascii_alphanumeric() => {}
            b'-' | b'.' | b'_' | b'~' => {}
            b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' => {}
            _ => return false,
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(HOST, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn http11_needs_exactly_one_host_and_http10_may_omit_it() {
        assert_eq!(check(Version::HTTP_11, &headers(&[])), Err(HostError::Missing));
        assert_eq!(check(Version::HTTP_10, &headers(&[])), Ok(()));
        assert_eq!(check(Version::HTTP_11, &headers(&["a", "a"])), Err(HostError::Repeated));
        assert_eq!(check(Version::HTTP_10, &headers(&["a", "b"])), Err(HostError::Repeated));
        assert_eq!(check(Version::HTTP_11, &headers(&["a.example:8080"])), Ok(()));
        assert_eq!(check(Version::HTTP_10, &headers(&["a b"])), Err(HostError::Invalid));
    }

    #[test]
    fn host_values_follow_the_uri_host_and_port_grammar() {
        for ok in ["a", "a.example", "A.Example:8080", "127.0.0.1", "[::1]", "[::1]:80", "a:", "x%41y", "a,b", "a_b~"] {
            assert!(valid(ok.as_bytes()), "{ok}");
        }
        for bad in ["", ":80", "a b", "a/b", "u@a", "[::1", "[nope]", "[::1]x", "a:80x", "a:8:0", "%4", "%zz", "a\tb"] {
            assert!(!valid(bad.as_bytes()), "{bad}");
        }
    }
}
