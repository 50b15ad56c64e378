//! The signature gate of `serve`: which routes need a signed link (decided on the typed [`Route`]),
//! the one check per request (through the pure `signing` module, with the server's clock and the
//! client's address), the 403 that names the reason, and what a signed response changes: playlists
//! carry the request's token in every URI, and caches are told the response is `private`. It never
//! logs or returns key material, and it does not read files or touch the memory cache: the cache holds
//! the bytes on disk, and the token is written into a copy per response, so no cached entry carries
//! anyone's token.

use std::net::{IpAddr, SocketAddr};

use bytes::Bytes;
use http::header::{self, HeaderName, HeaderValue};
use http::request::Parts;
use http::{Response, StatusCode};

use super::body::Body;
use super::identity::FileMeta;
use super::route::Route;
use crate::signing::{self, Keyring, Policy, Request, Scope, Token};
use crate::units::unix_now;

/// Who must present a signed link.
#[derive(Debug, Clone, Default)]
pub struct AuthConfig {
    /// The live keys; empty means `serve` cannot check links and serves openly.
    pub keys: Keyring,
    pub policy: Policy,
    /// Require a valid link on delivery routes (`/stream`, `/hls`, `/thumb`, `/watch`).
    pub require: bool,
    /// Require a link signed for `/health` on `/health` (load balancers usually need it open).
    pub health: bool,
    /// Require a link signed for `/stats` on `/stats`.
    pub stats: bool,
    /// Take the client address from this header (set by a trusted proxy, e.g. `X-Real-IP`) for links
    /// bound to an address; otherwise the socket's peer address.
    pub client_ip_header: Option<HeaderName>,
    /// Let shared caches (a CDN) store signed media responses; playlists, which carry the token, stay
    /// `private` regardless.
    pub cdn: bool,
}

impl AuthConfig {
    /// Whether any route is gated.
    pub fn enabled(&self) -> bool {
        self.require || self.health || self.stats
    }

    /// One line for the start-up log saying what is protected.
    pub fn describe(&self) -> String {
        if self.keys.is_empty() {
            return "no signing key configured: every route is served without signatures \
                    (set PLAYTUBE_SECRET_KEY or [sign] key_file to require signed links)"
                .to_owned();
        }
        let mut gated = Vec::new();
        if self.require {
            gated.push("/stream /hls /thumb /watch");
        }
        if self.health {
            gated.push("/health");
        }
        if self.stats {
            gated.push("/stats");
        }
        if gated.is_empty() {
            return "a signing key is configured but require_signatures = false: every route is served \
                    without signatures"
                .to_owned();
        }
        let mut keys: Vec<String> = self.keys.ids().map(|k| k.to_string()).collect();
        if self.keys.has_default() {
            keys.insert(0, "default".to_owned());
        }
        format!("signed links required on {} (keys: {})", gated.join(" "), keys.join(", "))
    }
}

/// The socket's peer address, put into each request's extensions by the connection loop.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// The reason code of a refused request, carried in the response's extensions to the access log.
#[derive(Debug, Clone, Copy)]
pub struct Refusal(pub &'static str);

/// The gate's verdict for one request.
#[derive(Debug)]
pub enum Gate {
    /// No signature needed for this route.
    Open,
    /// A valid link: the response belongs to its holder.
    Signed(Token),
    /// Refused with this reason.
    Refused(signing::Error),
}

/// The canonical path of a route, as links are signed for it (percent-decoding already done by the
/// router, so `/stream/%61bc` and `/stream/abc` are one path).
pub fn route_path(route: &Route) -> String {
    match route {
        Route::Health => "/health".to_owned(),
        Route::Stats => "/stats".to_owned(),
        Route::Stream(id) => format!("/stream/{id}"),
        Route::Rendition(id, q) => format!("/stream/{id}/{q}"),
        Route::Master(id) => format!("/hls/{id}/{}", crate::layout::MASTER_PLAYLIST),
        Route::HlsFile(id, q, name) => format!("/hls/{id}/{q}/{}", name.as_str()),
        Route::Thumb(id) => format!("/thumb/{id}"),
        Route::Watch(id) => format!("/watch/{id}"),
        Route::PlayerFile(hash, name) => format!("/player/{hash}/{name}"),
    }
}

impl AuthConfig {
    /// The gate step of the handler: `Open` at once when nothing is gated (no allocation, no clock),
    /// else [`check`](Self::check) at the current time.
    pub fn gate(&self, route: &Route, parts: &Parts) -> Gate {
        if !self.enabled() {
            return Gate::Open;
        }
        self.check(route, parts, unix_now())
    }

    /// Whether this route needs a signed link under this configuration.
    pub fn needs_link(&self, route: &Route) -> bool {
        match route {
            Route::Health => self.health,
            Route::Stats => self.stats,
            // The watch page's scripts and styles are public code, the same for every page.
            Route::PlayerFile(..) => false,
            Route::Stream(_)
            | Route::Rendition(..)
            | Route::Master(_)
            | Route::HlsFile(..)
            | Route::Thumb(_)
            | Route::Watch(_) => self.require,
        }
    }

    /// Check one request for `route` at time `now` (Unix seconds): links are verified against the
    /// route's canonical path.
    pub fn check(&self, route: &Route, parts: &Parts, now: u64) -> Gate {
        if !self.needs_link(route) {
            return Gate::Open;
        }
        let path = route_path(route);
        let req = Request { path: &path, query: parts.uri.query(), client_ip: Some(self.client_ip(parts)) };
        match signing::verify(&self.keys, &self.policy, &req, now) {
            Ok(token) => Gate::Signed(token),
            Err(err) => Gate::Refused(err),
        }
    }

    /// The client's address for links bound to one. Never "unknown" on the server (that would skip the
    /// check): a missing or unparsable address is the unspecified address, which no link is bound to.
    fn client_ip(&self, parts: &Parts) -> IpAddr {
        let unknown = IpAddr::from([0, 0, 0, 0]);
        match &self.client_ip_header {
            // A configured header is trusted exclusively (the proxy sets it); the first address of a
            // list is the client as the nearest proxy saw it.
            Some(name) => parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(unknown),
            None => parts.extensions.get::<Peer>().map_or(unknown, |p| p.0.ip()),
        }
    }

    /// For a signed watch page: a function that signs each media path of the page with the same claims
    /// (expiry, address, key) as the checked `/watch/{id}` token. It only signs paths of that asset.
    pub fn media_signer<'a>(&'a self, token: &'a Token) -> impl Fn(&str) -> String + 'a {
        move |path: &str| {
            let Ok(scope) = Scope::for_path(path) else { return String::new() };
            let same_asset = scope.asset().is_some() && scope.asset() == token.claims.scope.asset();
            let Some(key) = self.keys.get(token.claims.kid.as_ref()) else { return String::new() };
            if !same_asset {
                return String::new();
            }
            let claims = signing::Claims { scope, ..token.claims.clone() };
            claims.sign(key).to_query()
        }
    }
}

/// The 403 for a refused link: the reason code as the body (`expired\n`), never cached, and the code in
/// the response's extensions for the access log.
pub fn refused(err: &signing::Error) -> Response<Body> {
    let code = err.code();
    let body = format!("{code}\n");
    let len = body.len();
    let mut r = Response::new(Body::full(Bytes::from(body)));
    *r.status_mut() = StatusCode::FORBIDDEN;
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r.extensions_mut().insert(Refusal(code));
    r
}

/// A playlist's bytes and validators for a signed request, as that request's copy: the token in every
/// in-scope URI, the length of the new bytes, and an ETag that names the token too (so Range, HEAD and
/// conditional requests all describe the bytes actually sent). The given bytes (possibly the cache's)
/// are not modified.
pub fn signed_playlist(bytes: &Bytes, meta: &FileMeta, request_path: &str, token: &Token) -> (Bytes, FileMeta) {
    let rewritten = rewrite_playlist(bytes, request_path, token);
    let mut meta = meta.clone();
    meta.ident.len = rewritten.len() as u64;
    meta.etag = rewritten_etag(&meta.etag, token);
    (rewritten, meta)
}

/// A playlist's bytes with the token in every in-scope URI; bytes that are not UTF-8 are returned as
/// they are (no player could parse them either).
pub fn rewrite_playlist(bytes: &Bytes, path: &str, token: &Token) -> Bytes {
    match std::str::from_utf8(bytes) {
        Ok(text) => Bytes::from(signing::playlist::rewrite(text, path, token)),
        Err(_) => bytes.clone(),
    }
}

/// The ETag of a rewritten playlist: the file's ETag plus part of the signature, so two tokens never
/// share a validator for different bodies.
pub fn rewritten_etag(file_etag: &HeaderValue, token: &Token) -> HeaderValue {
    let base = file_etag.to_str().unwrap_or("\"\"").trim_end_matches('"');
    HeaderValue::from_str(&format!("{base}-{}\"", &token.sig_text()[..16])).unwrap_or_else(|_| file_etag.clone())
}

/// Cache-Control for a response to a signed request: `private` in place of `public` (shared caches
/// must not hand it to someone without the link), except media when a CDN is configured. Playlists
/// carry the token in their body, so they are always private.
pub fn signed_cache_control(configured: &HeaderValue, is_playlist: bool, cdn: bool) -> HeaderValue {
    if cdn && !is_playlist {
        return configured.clone();
    }
    let directives: Vec<&str> = configured
        .to_str()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty() && !d.eq_ignore_ascii_case("public") && !d.eq_ignore_ascii_case("private"))
        .collect();
    let value = std::iter::once("private").chain(directives).collect::<Vec<_>>().join(", ");
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("private"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::AssetId;
    use crate::signing::{Claims, Key, KeyId};

    fn keys() -> Keyring {
        let mut keys = Keyring::new();
        keys.insert(KeyId::parse("k1").unwrap(), Key::new(vec![5u8; 32]).unwrap());
        keys
    }

    fn parts(uri: &str, headers: &[(&str, &str)], peer: Option<&str>) -> Parts {
        let mut b = http::Request::builder().uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let (mut parts, ()) = b.body(()).unwrap().into_parts();
        if let Some(p) = peer {
            parts.extensions.insert(Peer(p.parse().unwrap()));
        }
        parts
    }

    fn watch_route(id: &str) -> Route {
        Route::Watch(AssetId::parse(id).unwrap())
    }

    fn watch_token(ip: Option<&str>) -> Token {
        let claims = Claims {
            scope: Scope::Watch(AssetId::parse("clip").unwrap()),
            expires: 2_000_000_000,
            ip: ip.map(|i| i.parse().unwrap()),
            kid: Some(KeyId::parse("k1").unwrap()),
        };
        claims.sign(keys().get(Some(&KeyId::parse("k1").unwrap())).unwrap())
    }

    #[test]
    fn start_up_description_says_whether_links_are_required() {
        let open = AuthConfig::default();
        assert!(!open.enabled());
        assert!(open.describe().starts_with("no signing key configured"));
        let off = AuthConfig { keys: keys(), ..AuthConfig::default() };
        assert!(off.describe().contains("require_signatures = false"));
        let on = AuthConfig { keys: keys(), require: true, stats: true, ..AuthConfig::default() };
        assert_eq!(on.describe(), "signed links required on /stream /hls /thumb /watch /stats (keys: k1)");
    }

    #[test]
    fn routes_that_need_no_link_are_open_even_with_junk_in_the_query() {
        let auth = AuthConfig { keys: keys(), require: true, ..AuthConfig::default() };
        assert!(matches!(auth.check(&Route::Health, &parts("/health?sig=x&sig=y", &[], None), 0), Gate::Open));
        let player = Route::PlayerFile("0123abcd".to_owned(), "hls.min.js".to_owned());
        assert!(matches!(auth.check(&player, &parts("/player/0123abcd/hls.min.js", &[], None), 0), Gate::Open));
        assert!(matches!(
            auth.check(&Route::Stream(AssetId::parse("a").unwrap()), &parts("/stream/a", &[], None), 0),
            Gate::Refused(signing::Error::Missing)
        ));
    }

    #[test]
    fn a_bound_link_is_refused_when_the_client_address_is_unknown() {
        let auth = AuthConfig { keys: keys(), require: true, ..AuthConfig::default() };
        let t = watch_token(Some("127.0.0.1"));
        let uri = format!("/watch/clip?{}", t.to_query());
        let now = 2_000_000_000 - 60;
        let watch = watch_route("clip");
        assert!(matches!(auth.check(&watch, &parts(&uri, &[], Some("127.0.0.1:5000")), now), Gate::Signed(_)));
        let unknown = auth.check(&watch, &parts(&uri, &[], None), now);
        assert!(matches!(unknown, Gate::Refused(signing::Error::IpMismatch { .. })), "{unknown:?}");
        // With a proxy header configured, the peer (the proxy) no longer counts.
        let proxied = AuthConfig { client_ip_header: Some(HeaderName::from_static("x-real-ip")), ..auth };
        let via_proxy = proxied.check(&watch, &parts(&uri, &[], Some("127.0.0.1:5000")), now);
        assert!(matches!(via_proxy, Gate::Refused(signing::Error::IpMismatch { .. })));
        let forwarded = parts(&uri, &[("x-real-ip", "127.0.0.1, 10.0.0.1")], Some("10.0.0.2:1"));
        assert!(matches!(proxied.check(&watch, &forwarded, now), Gate::Signed(_)));
    }

    #[test]
    fn the_media_signer_signs_only_the_watched_asset_with_the_same_claims() {
        let auth = AuthConfig { keys: keys(), require: true, ..AuthConfig::default() };
        let t = watch_token(Some("203.0.113.7"));
        let sign = auth.media_signer(&t);
        let q = sign("/hls/clip/master.m3u8");
        assert!(q.starts_with("expires=2000000000&scope=/hls/clip/&ip=203.0.113.7&kid=k1&sig="), "{q}");
        let req = Request {
            path: "/hls/clip/360p/seg_1.ts",
            query: Some(&q),
            client_ip: Some("203.0.113.7".parse().unwrap()),
        };
        signing::verify(&auth.keys, &Policy { max_lifetime: u64::MAX / 2, clock_skew: 0 }, &req, 1_999_999_000)
            .unwrap();
        assert!(sign("/thumb/clip").contains("scope=/thumb/clip&"));
        assert_eq!(sign("/hls/other/master.m3u8"), "", "another asset gets nothing");
        assert_eq!(sign("/stats"), "");
        assert_eq!(sign("/not/a/route"), "");
    }

    #[test]
    fn a_valid_page_link_gives_a_token_whose_signer_signs_the_page_media() {
        let auth = AuthConfig { keys: keys(), require: true, ..AuthConfig::default() };
        let t = Claims { expires: unix_now() + 60, ip: None, ..watch_token(None).claims }
            .sign(keys().get(Some(&KeyId::parse("k1").unwrap())).unwrap());
        let page = parts(&format!("/watch/clip?{}", t.to_query()), &[], Some("127.0.0.1:1"));
        let Gate::Signed(token) = auth.gate(&watch_route("clip"), &page) else { panic!("a valid link is refused") };
        assert!(auth.media_signer(&token)("/hls/clip/master.m3u8").contains("scope=/hls/clip/&kid=k1&sig="));
        let unsigned = parts("/watch/clip", &[], None);
        let Gate::Refused(missing) = auth.gate(&watch_route("clip"), &unsigned) else { panic!("unsigned accepted") };
        assert_eq!(missing.code(), "missing");
        let other = parts(&format!("/watch/other?{}", t.to_query()), &[], None);
        let Gate::Refused(wrong) = auth.gate(&watch_route("other"), &other) else { panic!("other page accepted") };
        assert_eq!(wrong.code(), "wrong_scope");
        assert!(matches!(AuthConfig::default().gate(&watch_route("clip"), &unsigned), Gate::Open));
    }

    #[test]
    fn signed_cache_control_is_private_except_cdn_media() {
        let media = HeaderValue::from_static("public, max-age=31536000, immutable");
        assert_eq!(signed_cache_control(&media, false, false), "private, max-age=31536000, immutable");
        assert_eq!(signed_cache_control(&media, false, true), media);
        let playlist = HeaderValue::from_static("public, max-age=5");
        assert_eq!(signed_cache_control(&playlist, true, true), "private, max-age=5");
        assert_eq!(signed_cache_control(&HeaderValue::from_static("no-cache"), true, false), "private, no-cache");
    }

    #[test]
    fn refusals_carry_the_reason_in_body_and_extensions_only() {
        let r = refused(&signing::Error::Expired { expires: 1, now: 2 });
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(r.extensions().get::<Refusal>().map(|r| r.0), Some("expired"));
        assert_eq!(r.headers()[header::CONTENT_LENGTH], "8");
    }
}
