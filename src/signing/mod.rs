//! Signed links: the HMAC-SHA256 scheme shared by `playtube sign` (which makes links) and `playtube serve`
//! (which checks them). Pure: no I/O, no clock (the caller passes `now` in Unix seconds), no config; keys
//! arrive as bytes already read by `config::sign`. The query-string parser lives in [`query`], the playlist
//! rewriting that carries a token into every URI of an m3u8 in [`playlist`].
//!
//! The scheme, documented for other languages in the README ("Sign links"):
//!
//! ```text
//! canonical = "playtube-v1" LF scope LF expires LF ip LF kid        (no trailing LF)
//! sig       = base64url_no_pad(HMAC-SHA256(key, canonical))
//! url       = base_url + path + "?expires=" expires + "&scope=" scope
//!             [+ "&ip=" ip] [+ "&kid=" kid] + "&sig=" sig
//! ```
//!
//! `scope` is what the token admits: the exact path `/stream/{id}`, `/stream/{id}/{quality}`,
//! `/thumb/{id}`, `/watch/{id}`, `/health`, `/stats` or `/metrics`, or the whole HLS tree `/hls/{id}/` (master, variant
//! playlists and segments). `ip` and `kid` are empty strings in the canonical form when absent from the URL.

pub mod playlist;
pub mod query;

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::layout::{AssetId, Quality, SegmentName, MASTER_PLAYLIST, MEDIA_PLAYLIST};

/// The first line of every canonical string: names the scheme so a future v2 can never collide with it.
pub const SCHEME: &str = "playtube-v1";
/// Keys shorter than this are refused (HMAC-SHA256 wants at least its output size of secret).
pub const MIN_KEY_LEN: usize = 32;
/// Length of an encoded signature: 32 bytes of HMAC-SHA256 in base64url without padding.
pub const SIG_LEN: usize = 43;

/// Query parameter names, in the order `sign` writes them.
pub const PARAM_EXPIRES: &str = "expires";
pub const PARAM_SCOPE: &str = "scope";
pub const PARAM_IP: &str = "ip";
pub const PARAM_KID: &str = "kid";
pub const PARAM_SIG: &str = "sig";
pub const PARAMS: [&str; 5] = [PARAM_EXPIRES, PARAM_SCOPE, PARAM_IP, PARAM_KID, PARAM_SIG];

/// Why a link was rejected. Each variant has a short, stable reason [`code`](Error::code) that the server
/// puts in its 403 body and access log, and `sign --verify` prints. None of them carries key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("missing: the URL carries no signature (expected ?expires=..&scope=..&sig=..)")]
    Missing,
    #[error("malformed: {0}")]
    Malformed(String),
    #[error("unknown_key: no live key has id {}", .0.as_deref().map_or("(none, the default key)".to_owned(), |k| format!("{k:?}")))]
    UnknownKey(Option<String>),
    #[error("bad_signature: the signature does not match (wrong key, or the URL was altered)")]
    BadSignature,
    #[error("expired: the link expired at {expires} (Unix time), {} s ago", now.saturating_sub(*expires))]
    Expired { expires: u64, now: u64 },
    #[error("lifetime_too_long: the link is valid for {lifetime} s more; the server accepts at most {max} s")]
    LifetimeTooLong { lifetime: u64, max: u64 },
    #[error("wrong_scope: the token admits {scope}, not {path}")]
    WrongScope { scope: String, path: String },
    #[error("ip_mismatch: the link is bound to {bound}, the request came from {client}")]
    IpMismatch { bound: IpAddr, client: IpAddr },
}

impl Error {
    /// The short reason code: `missing`, `malformed`, `unknown_key`, `bad_signature`, `expired`,
    /// `lifetime_too_long`, `wrong_scope` or `ip_mismatch`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Missing => "missing",
            Error::Malformed(_) => "malformed",
            Error::UnknownKey(_) => "unknown_key",
            Error::BadSignature => "bad_signature",
            Error::Expired { .. } => "expired",
            Error::LifetimeTooLong { .. } => "lifetime_too_long",
            Error::WrongScope { .. } => "wrong_scope",
            Error::IpMismatch { .. } => "ip_mismatch",
        }
    }
}

/// A problem with key material or a key id (a configuration error, not a rejected link).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the key is {0} bytes long; at least {MIN_KEY_LEN} are required")]
    TooShort(usize),
    #[error("key id {0:?} is invalid: use 1 to 32 characters of A-Z a-z 0-9 _ -")]
    BadId(String),
}

/// A secret key. Its bytes are never printed (`Debug` shows only the length).
#[derive(Clone)]
pub struct Key(Vec<u8>);

impl Key {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Key, KeyError> {
        let bytes = bytes.into();
        if bytes.len() < MIN_KEY_LEN {
            return Err(KeyError::TooShort(bytes.len()));
        }
        Ok(Key(bytes))
    }

    fn mac(&self, canonical: &str) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts keys of any length");
        mac.update(canonical.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({} bytes)", self.0.len())
    }
}

/// A validated key id (`kid`): `[A-Za-z0-9_-]{1,32}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(String);

impl KeyId {
    pub fn parse(s: &str) -> Result<KeyId, KeyError> {
        let ok =
            !s.is_empty() && s.len() <= 32 && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-');
        if ok {
            Ok(KeyId(s.to_owned()))
        } else {
            Err(KeyError::BadId(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The live keys: at most one default key (links without `kid`) and any number of named keys (links with
/// `kid=NAME`), so an old and a new key can both verify during a rotation.
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    default: Option<Key>,
    named: BTreeMap<KeyId, Key>,
}

impl Keyring {
    pub fn new() -> Keyring {
        Keyring::default()
    }

    pub fn set_default(&mut self, key: Key) {
        self.default = Some(key);
    }

    pub fn insert(&mut self, kid: KeyId, key: Key) {
        self.named.insert(kid, key);
    }

    pub fn is_empty(&self) -> bool {
        self.default.is_none() && self.named.is_empty()
    }

    pub fn has_default(&self) -> bool {
        self.default.is_some()
    }

    /// The named key ids, sorted.
    pub fn ids(&self) -> impl Iterator<Item = &KeyId> {
        self.named.keys()
    }

    /// The key a link names: `None` is the default key.
    pub fn get(&self, kid: Option<&KeyId>) -> Option<&Key> {
        match kid {
            None => self.default.as_ref(),
            Some(kid) => self.named.get(kid),
        }
    }
}

/// What a token admits. Exact paths for progressive files, thumbnails and the watch page; the whole
/// `/hls/{id}/` tree for HLS, because a player builds variant and segment URLs itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    Stream(AssetId),
    StreamQuality(AssetId, Quality),
    Hls(AssetId),
    Thumb(AssetId),
    Watch(AssetId),
    /// `/health`, `/stats` and `/metrics`: signed only when `serve` is configured to protect them.
    Health,
    Stats,
    Metrics,
}

/// A path that is not a delivery route, so no token can admit it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a signable path; sign /stream/ID, /stream/ID/QUALITY, /hls/ID/master.m3u8 (or any file under /hls/ID/), /thumb/ID, /watch/ID, /health, /stats or /metrics"
)]
pub struct NotDeliveryPath(pub String);

impl Scope {
    /// The scope that admits a request path (no query): the route the server would serve it from.
    /// Ids, qualities and segment names are validated with [`crate::layout`].
    pub fn for_path(path: &str) -> Result<Scope, NotDeliveryPath> {
        let bad = || NotDeliveryPath(path.to_owned());
        let rest = path.strip_prefix('/').ok_or_else(bad)?;
        let parts: Vec<&str> = rest.split('/').collect();
        let id = |s: &str| AssetId::parse(s).map_err(|_| bad());
        let quality = |s: &str| Quality::parse(s).map_err(|_| bad());
        match parts.as_slice() {
            ["stream", a] => Ok(Scope::Stream(id(a)?)),
            ["stream", a, q] => Ok(Scope::StreamQuality(id(a)?, quality(q)?)),
            ["thumb", a] => Ok(Scope::Thumb(id(a)?)),
            ["watch", a] => Ok(Scope::Watch(id(a)?)),
            ["health"] => Ok(Scope::Health),
            ["stats"] => Ok(Scope::Stats),
            ["metrics"] => Ok(Scope::Metrics),
            ["hls", a, f] if *f == MASTER_PLAYLIST => Ok(Scope::Hls(id(a)?)),
            ["hls", a, q, f] => {
                quality(q)?;
                if *f != MEDIA_PLAYLIST {
                    SegmentName::parse(f).map_err(|_| bad())?;
                }
                Ok(Scope::Hls(id(a)?))
            }
            _ => Err(bad()),
        }
    }

    /// Parse the `scope` value of a link: exactly what [`Scope::to_string`] writes.
    pub fn parse(s: &str) -> Option<Scope> {
        if let Some(inner) = s.strip_prefix("/hls/").and_then(|r| r.strip_suffix('/')) {
            return AssetId::parse(inner).ok().map(Scope::Hls);
        }
        // Every other scope is the exact path it admits; an HLS file path is not an HLS scope.
        match Scope::for_path(s) {
            Ok(Scope::Hls(_)) | Err(_) => None,
            Ok(scope) => Some(scope),
        }
    }

    /// The asset the scope belongs to (`None` for `/health`, `/stats` and `/metrics`).
    pub fn asset(&self) -> Option<&AssetId> {
        match self {
            Scope::Stream(a) | Scope::StreamQuality(a, _) | Scope::Hls(a) | Scope::Thumb(a) | Scope::Watch(a) => {
                Some(a)
            }
            Scope::Health | Scope::Stats | Scope::Metrics => None,
        }
    }

    /// Whether a token with this scope admits the request path.
    pub fn covers(&self, path: &str) -> bool {
        Scope::for_path(path).is_ok_and(|s| &s == self)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Stream(a) => write!(f, "/stream/{a}"),
            Scope::StreamQuality(a, q) => write!(f, "/stream/{a}/{q}"),
            Scope::Hls(a) => write!(f, "/hls/{a}/"),
            Scope::Thumb(a) => write!(f, "/thumb/{a}"),
            Scope::Watch(a) => write!(f, "/watch/{a}"),
            Scope::Health => f.write_str("/health"),
            Scope::Stats => f.write_str("/stats"),
            Scope::Metrics => f.write_str("/metrics"),
        }
    }
}

/// The signed claims of a link, without the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub scope: Scope,
    /// Unix seconds after which the link is refused (plus the allowed clock skew).
    pub expires: u64,
    /// When set, only requests from this address are admitted. Canonical text form (RFC 5952 for IPv6).
    pub ip: Option<IpAddr>,
    /// The key that signs; `None` is the default key.
    pub kid: Option<KeyId>,
}

impl Claims {
    /// The exact string the HMAC covers.
    pub fn canonical(&self) -> String {
        let ip = self.ip.map(|ip| ip.to_string()).unwrap_or_default();
        let kid = self.kid.as_ref().map(KeyId::as_str).unwrap_or_default();
        format!("{SCHEME}\n{}\n{}\n{ip}\n{kid}", self.scope, self.expires)
    }

    /// Sign with `key` (which must be the key `kid` names; the caller picks both from one keyring).
    pub fn sign(self, key: &Key) -> Token {
        let sig = key.mac(&self.canonical());
        Token { claims: self, sig }
    }
}

/// A signed link's parameters: claims plus the 32-byte HMAC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub claims: Claims,
    pub sig: [u8; 32],
}

impl Token {
    /// The signature as it appears in the URL.
    pub fn sig_text(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.sig)
    }

    /// The query string (without `?`) carrying this token: `expires=..&scope=..[&ip=..][&kid=..]&sig=..`.
    /// Every value is made of URL-safe characters (`/` and `:` are allowed in a query), so nothing is
    /// percent-encoded.
    pub fn to_query(&self) -> String {
        let c = &self.claims;
        let mut q = format!("{PARAM_EXPIRES}={}&{PARAM_SCOPE}={}", c.expires, c.scope);
        if let Some(ip) = c.ip {
            q.push_str(&format!("&{PARAM_IP}={ip}"));
        }
        if let Some(kid) = &c.kid {
            q.push_str(&format!("&{PARAM_KID}={kid}"));
        }
        q.push_str(&format!("&{PARAM_SIG}={}", self.sig_text()));
        q
    }

    /// Append this token to a path (or URL) that has no query yet.
    pub fn url(&self, base_url: &str, path: &str) -> String {
        format!("{}{path}?{}", base_url.trim_end_matches('/'), self.to_query())
    }
}

/// The limits a verifier applies beyond the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// The furthest in the future (seconds from now) an expiry may be; longer links are refused.
    pub max_lifetime: u64,
    /// Allowed difference between the signer's and the verifier's clocks, in seconds: a link is
    /// accepted until `expires + clock_skew`, and may reach `max_lifetime + clock_skew` ahead.
    pub clock_skew: u64,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy { max_lifetime: DEFAULT_MAX_LIFETIME, clock_skew: DEFAULT_CLOCK_SKEW }
    }
}

/// Seven days.
pub const DEFAULT_MAX_LIFETIME: u64 = 7 * 24 * 3600;
pub const DEFAULT_CLOCK_SKEW: u64 = 30;

/// One request to check: its path (no query), its raw query string, and the client address when
/// known (offline checks pass `None` and skip the address binding).
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub client_ip: Option<IpAddr>,
}

/// Check a request against the keyring at time `now`. The order of checks is fixed and documented:
/// presence and syntax, key id, signature (constant time), expiry, lifetime, scope, client address. The
/// signature comes before everything that depends on signed values, so a forged link only ever learns
/// `bad_signature`.
pub fn verify(keys: &Keyring, policy: &Policy, req: &Request<'_>, now: u64) -> Result<Token, Error> {
    let token = query::parse(req.query.unwrap_or(""))?.ok_or(Error::Missing)?;
    let claims = &token.claims;
    let key =
        keys.get(claims.kid.as_ref()).ok_or_else(|| Error::UnknownKey(claims.kid.as_ref().map(|k| k.to_string())))?;
    let expected = key.mac(&claims.canonical());
    if !bool::from(expected.ct_eq(&token.sig)) {
        return Err(Error::BadSignature);
    }
    if now > claims.expires.saturating_add(policy.clock_skew) {
        return Err(Error::Expired { expires: claims.expires, now });
    }
    let lifetime = claims.expires.saturating_sub(now);
    if lifetime > policy.max_lifetime.saturating_add(policy.clock_skew) {
        return Err(Error::LifetimeTooLong { lifetime, max: policy.max_lifetime });
    }
    if !claims.scope.covers(req.path) {
        return Err(Error::WrongScope { scope: claims.scope.to_string(), path: req.path.to_owned() });
    }
    if let (Some(bound), Some(client)) = (claims.ip, req.client_ip) {
        if bound != client.to_canonical() {
            return Err(Error::IpMismatch { bound, client });
        }
    }
    Ok(token)
}

#[cfg(test)]
mod tests;
