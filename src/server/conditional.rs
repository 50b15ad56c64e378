//! Conditional requests (RFC 9110 §13): `If-Match`, `If-Unmodified-Since`, `If-None-Match`,
//! `If-Modified-Since`, evaluated in the RFC's order as a pure function of the request headers and the
//! file's validators. `If-Range` belongs to `range.rs`; building the 304/412 responses to `handler.rs`.

use http::HeaderMap;

/// The outcome of the preconditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// Go on to the Range decision.
    Proceed,
    /// 304 Not Modified (GET/HEAD only).
    NotModified,
    /// 412 Precondition Failed.
    Failed,
}

/// A file's validators: its strong ETag (with quotes) and Last-Modified in whole seconds.
#[derive(Debug, Clone, Copy)]
pub struct Validators<'a> {
    pub etag: &'a str,
    pub last_modified: u64,
}

/// Evaluate the preconditions of a GET or HEAD (RFC 9110 §13.2.2 steps 1-4).
pub fn evaluate(headers: &HeaderMap, v: Validators<'_>) -> Precondition {
    if let Some(value) = headers.get(http::header::IF_MATCH) {
        if !list_matches(value.as_bytes(), v.etag, true) {
            return Precondition::Failed;
        }
    } else if let Some(date) = headers.get(http::header::IF_UNMODIFIED_SINCE).and_then(|h| date_secs(h.as_bytes())) {
        if v.last_modified > date {
            return Precondition::Failed;
        }
    }
    if let Some(value) = headers.get(http::header::IF_NONE_MATCH) {
        if list_matches(value.as_bytes(), v.etag, false) {
            return Precondition::NotModified;
        }
    } else if let Some(date) = headers.get(http::header::IF_MODIFIED_SINCE).and_then(|h| date_secs(h.as_bytes())) {
        if v.last_modified <= date {
            return Precondition::NotModified;
        }
    }
    Precondition::Proceed
}

/// Whether an entity-tag list (`*` or `"a", W/"b"`) matches `etag`: strong comparison (`W/` tags never
/// match) for If-Match, weak comparison (ignore `W/`) for If-None-Match.
fn list_matches(raw: &[u8], etag: &str, strong: bool) -> bool {
    let Ok(text) = std::str::from_utf8(raw) else { return false };
    let text = text.trim();
    if text == "*" {
        return true;
    }
    text.split(',').map(str::trim).any(|tag| match tag.strip_prefix("W/") {
        Some(weak) => !strong && weak == etag,
        None => tag == etag,
    })
}

/// An HTTP date as whole seconds since the epoch; invalid dates are ignored (as the RFC says).
fn date_secs(raw: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(raw).ok()?;
    let time = httpdate::parse_http_date(text.trim()).ok()?;
    time.duration_since(std::time::UNIX_EPOCH).ok().map(|d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::{HeaderValue, IF_MATCH, IF_MODIFIED_SINCE, IF_NONE_MATCH, IF_UNMODIFIED_SINCE};

    const V: Validators<'static> = Validators { etag: "\"v1\"", last_modified: 1_700_000_000 };

    fn with(pairs: &[(http::header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn date(secs: u64) -> String {
        httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
    }

    #[test]
    fn no_conditions_proceed() {
        assert_eq!(evaluate(&HeaderMap::new(), V), Precondition::Proceed);
    }

    #[test]
    fn if_none_match_with_the_current_tag_is_not_modified() {
        assert_eq!(evaluate(&with(&[(IF_NONE_MATCH, "\"old\", \"v1\"")]), V), Precondition::NotModified);
        assert_eq!(evaluate(&with(&[(IF_NONE_MATCH, "W/\"v1\"")]), V), Precondition::NotModified);
        assert_eq!(evaluate(&with(&[(IF_NONE_MATCH, "*")]), V), Precondition::NotModified);
        assert_eq!(evaluate(&with(&[(IF_NONE_MATCH, "\"old\"")]), V), Precondition::Proceed);
    }

    #[test]
    fn if_modified_since_at_or_after_last_modified_is_not_modified() {
        assert_eq!(evaluate(&with(&[(IF_MODIFIED_SINCE, &date(1_700_000_000))]), V), Precondition::NotModified);
        assert_eq!(evaluate(&with(&[(IF_MODIFIED_SINCE, &date(1_699_999_999))]), V), Precondition::Proceed);
        assert_eq!(evaluate(&with(&[(IF_MODIFIED_SINCE, "not a date")]), V), Precondition::Proceed);
    }

    #[test]
    fn if_none_match_takes_precedence_over_if_modified_since() {
        let h = with(&[(IF_NONE_MATCH, "\"old\""), (IF_MODIFIED_SINCE, &date(1_800_000_000))]);
        assert_eq!(evaluate(&h, V), Precondition::Proceed);
    }

    #[test]
    fn if_match_with_another_tag_fails() {
        assert_eq!(evaluate(&with(&[(IF_MATCH, "\"other\"")]), V), Precondition::Failed);
        assert_eq!(evaluate(&with(&[(IF_MATCH, "W/\"v1\"")]), V), Precondition::Failed);
        assert_eq!(evaluate(&with(&[(IF_MATCH, "\"v1\"")]), V), Precondition::Proceed);
        assert_eq!(evaluate(&with(&[(IF_MATCH, "*")]), V), Precondition::Proceed);
    }

    #[test]
    fn if_unmodified_since_before_last_modified_fails() {
        assert_eq!(evaluate(&with(&[(IF_UNMODIFIED_SINCE, &date(1_600_000_000))]), V), Precondition::Failed);
        assert_eq!(evaluate(&with(&[(IF_UNMODIFIED_SINCE, &date(1_700_000_000))]), V), Precondition::Proceed);
    }
}
