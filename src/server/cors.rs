//! CORS from `ALLOWED_ORIGINS`: exact origins, or `*` only when `*` is configured. Decides (pure) what
//! to add to a response and how to answer a preflight; `handler.rs` renders. With no origins configured
//! no CORS header is ever sent.

use http::header::{self, HeaderMap, HeaderValue};

/// Headers a page may read from our responses.
pub const EXPOSE: &str = "Content-Range, Content-Length, Accept-Ranges, ETag";
/// Request headers a page may send.
pub const ALLOW_HEADERS: &str = "Range, If-Range, If-None-Match, If-Modified-Since, If-Match, If-Unmodified-Since";
pub const ALLOW_METHODS: &str = "GET, HEAD, OPTIONS";

#[derive(Debug, Clone, Default)]
pub struct Cors {
    origins: Vec<String>,
    any: bool,
}

/// The answer to an `OPTIONS` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Preflight {
    /// Not a CORS preflight (no Origin or no Access-Control-Request-Method): a plain OPTIONS.
    NotPreflight,
    /// A preflight from an allowed origin; the value is the Access-Control-Allow-Origin to send.
    Allowed(HeaderValue),
    /// A preflight from an origin that is not allowed.
    Refused,
}

impl Cors {
    /// From a list of origins (`https://a.example`, or `*`). Trailing slashes are ignored.
    pub fn new(origins: &[String]) -> Cors {
        let any = origins.iter().any(|o| o.trim() == "*");
        let origins = origins
            .iter()
            .map(|o| o.trim().trim_end_matches('/').to_owned())
            .filter(|o| !o.is_empty() && o != "*")
            .collect();
        Cors { origins, any }
    }

    pub fn enabled(&self) -> bool {
        self.any || !self.origins.is_empty()
    }

    /// The Access-Control-Allow-Origin value for this request's Origin, if it is allowed.
    pub fn allow(&self, request: &HeaderMap) -> Option<HeaderValue> {
        let origin = request.get(header::ORIGIN)?;
        if self.any {
            return Some(HeaderValue::from_static("*"));
        }
        let text = origin.to_str().ok()?;
        self.origins.iter().any(|o| o == text).then(|| origin.clone())
    }

    /// Add CORS headers to a response (`Vary: Origin` whenever CORS is configured, so caches keep
    /// per-origin copies apart).
    pub fn apply(&self, request: &HeaderMap, response: &mut HeaderMap) {
        if !self.enabled() {
            return;
        }
        response.append(header::VARY, HeaderValue::from_static("Origin"));
        if let Some(allow) = self.allow(request) {
            response.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow);
            response.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSE));
        }
    }

    pub fn preflight(&self, request: &HeaderMap) -> Preflight {
        if !request.contains_key(header::ORIGIN) || !request.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD) {
            return Preflight::NotPreflight;
        }
        match self.allow(request) {
            Some(v) => Preflight::Allowed(v),
            None => Preflight::Refused,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(origin: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ORIGIN, HeaderValue::from_str(origin).unwrap());
        h
    }

    #[test]
    fn only_exact_origins_are_allowed() {
        let cors = Cors::new(&["https://a.example/".into(), "https://b.example".into()]);
        assert_eq!(cors.allow(&req("https://a.example")).unwrap(), "https://a.example");
        assert!(cors.allow(&req("https://a.example.evil")).is_none());
        assert!(cors.allow(&req("http://a.example")).is_none());
    }

    #[test]
    fn star_is_sent_only_when_configured() {
        assert_eq!(Cors::new(&["*".into()]).allow(&req("https://x.example")).unwrap(), "*");
        assert!(Cors::new(&[]).allow(&req("https://x.example")).is_none());
    }

    #[test]
    fn vary_origin_is_added_even_without_an_origin_header() {
        let cors = Cors::new(&["https://a.example".into()]);
        let mut resp = HeaderMap::new();
        cors.apply(&HeaderMap::new(), &mut resp);
        assert_eq!(resp.get(header::VARY).unwrap(), "Origin");
        assert!(resp.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    }

    #[test]
    fn preflight_needs_origin_and_requested_method() {
        let cors = Cors::new(&["https://a.example".into()]);
        let mut h = req("https://a.example");
        assert_eq!(cors.preflight(&h), Preflight::NotPreflight);
        h.insert(header::ACCESS_CONTROL_REQUEST_METHOD, HeaderValue::from_static("GET"));
        assert!(matches!(cors.preflight(&h), Preflight::Allowed(_)));
        let mut evil = req("https://evil.example");
        evil.insert(header::ACCESS_CONTROL_REQUEST_METHOD, HeaderValue::from_static("GET"));
        assert_eq!(cors.preflight(&evil), Preflight::Refused);
    }
}
