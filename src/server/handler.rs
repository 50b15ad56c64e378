//! One flat request path: parse (method, route) -> preflight -> gate -> route to a file -> look it up
//! -> decide (preconditions, Range) -> render. Each step is a plain function call in [`respond`], so a
//! step can be inserted without restructuring: signed-URL checks go in the gate step, a playlist
//! rewrite between lookup and render (playlist bodies are always whole `Bytes` there, see
//! [`files::Found::source`]). Cached files are answered inline; anything that opens or reads a file
//! waits for the blocking pool (`blocking.rs`), so a file that blocks never holds an async worker. From
//! an object-store root (`origin`) the lookup step, `/health` and the watch page's file check await
//! storage instead.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::request::Parts;
use http::{Method, Request, Response, StatusCode};

use super::access::AccessLog;
use super::auth::{self, Gate};
use super::body::{Body, Content, Done, Piece, Pieces, Source};
use super::cache::CacheOutcome;
use super::conditional::{self, Precondition, Validators};
use super::cors::{self, Preflight};
use super::files::{self, Found, FoundSource};
use super::host;
use super::identity::{FileError, FileMeta};
use super::metrics::{self, RouteLabel};
use super::mime::{self, Kind};
use super::origin::{self, OriginFailure};
use super::player;
use super::range::{self, ByteRange, RangeDecision};
use super::route::{self, Route, RouteError};
use super::state::{Assets, Shared};
use crate::layout::AssetId;

const ALLOW: &str = "GET, HEAD, OPTIONS";

/// Handle one request. Always produces a response; the body writes the access-log line when done.
pub async fn handle<B>(shared: &Arc<Shared>, req: Request<B>) -> Response<Body> {
    let started = Instant::now();
    shared.stats.requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let (parts, _) = req.into_parts();
    let mut cache = CacheOutcome::Bypass;
    let mut route = RouteLabel::Other;
    let mut response = respond(shared, &parts, &mut cache, &mut route).await;
    shared.cors.apply(&parts.headers, response.headers_mut());
    if parts.method == Method::HEAD {
        response.body_mut().clear();
    }
    let log = shared.access.as_ref().map(|sink| {
        let mut log = AccessLog::new(&parts.method, &parts.uri, started, Arc::clone(sink));
        log.status = response.status().as_u16();
        log.cache = cache;
        let refusal = response.extensions().get::<auth::Refusal>().map(|r| r.0);
        log.reason = refusal.or_else(|| response.extensions().get::<OriginFailure>().map(|r| r.0));
        log
    });
    let done = Done { route, status: response.status().as_u16(), started };
    response.body_mut().observe(Arc::clone(&shared.stats), done, log);
    response
}

/// The pipeline, step by step.
async fn respond(
    shared: &Arc<Shared>,
    parts: &Parts,
    cache: &mut CacheOutcome,
    label: &mut RouteLabel,
) -> Response<Body> {
    // Parse: the Host rules of RFC 9112 §3.2 first, then the method and the route.
    if let Err(err) = host::check(parts.version, parts.uri.authority(), &parts.headers) {
        return plain(StatusCode::BAD_REQUEST, err.body());
    }
    if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
        r.headers_mut().insert(header::ALLOW, HeaderValue::from_static(ALLOW));
        return r;
    }
    let route = match route::parse(parts.uri.path()) {
        Ok(route) => route,
        Err(RouteError::Malformed) => return plain(StatusCode::BAD_REQUEST, "bad request\n"),
        Err(RouteError::NotFound) => return plain(StatusCode::NOT_FOUND, "not found\n"),
    };
    *label = RouteLabel::of(&route);
    // Preflight: answered before the gate, as browsers send no credentials with it.
    if parts.method == Method::OPTIONS {
        return options(shared, &parts.headers);
    }
    // Gate: signed-URL verification; a refusal is a 403 naming the reason.
    let signed = match shared.config.auth.gate(&route, parts) {
        Gate::Open => None,
        Gate::Signed(token) => Some(token),
        Gate::Refused(err) => return refused(shared, &route, &err),
    };

    // Route.
    let (id, path, kind) = match target(shared, route, signed.as_ref()).await {
        Target::File(id, path, kind) => (id, path, kind),
        Target::Health => return Box::pin(health(shared)).await,
        Target::Failed(err) => return file_error(Path::new(parts.uri.path()), err),
        Target::Page(page) => {
            return page.map_or_else(|| plain(StatusCode::NOT_FOUND, "not found\n"), |r| r.map(Body::full))
        }
        Target::Stats => {
            let snap = shared.stats.snapshot(shared.cache.stats(), shared.pool.in_flight() as u64);
            let mut doc = snap.to_json();
            if let Assets::Store(origin) = &shared.assets {
                doc["origin"] = origin.stats.to_json();
            }
            return json(Bytes::from(doc.to_string()));
        }
        Target::Metrics => {
            let snap = shared.stats.snapshot(shared.cache.stats(), shared.pool.in_flight() as u64);
            return exposition(Bytes::from(metrics::render(&shared.stats.http, &snap, &[])));
        }
    };
    // Look up: in memory or a descriptor kept open, inline; else opened (and read) on the blocking
    // pool; or from object storage.
    let found = match &shared.assets {
        Assets::Disk(resolver) => match files::cached(resolver, &shared.cache, &path, kind) {
            Ok(Some(found)) => Ok(found),
            Ok(None) => {
                let (owned, file) = (Arc::clone(shared), path.clone());
                shared.blocking.run(move || owned.load_from_disk(&file, kind)).await
            }
            Err(err) => Err(err),
        },
        Assets::Store(origin) => {
            // The object-store layout is rooted at "": `path` is `<id>/<file in the asset>`.
            // Boxed, as every storage await here: hyper keeps one slot the size of this future per
            // connection, and the storage futures would make it KiBs for disk-root connections too.
            let rel = path.strip_prefix(id.as_str()).unwrap_or(&path);
            Box::pin(origin.lookup(&id, rel, kind, pinned_version(parts))).await
        }
    };
    let found = match found {
        Ok(found) => found,
        Err(err) => return file_error(&path, err),
    };
    *cache = found.cache;
    // A signed playlist is this request's copy carrying its token; the cache keeps the file's bytes.
    let found = match (&signed, kind) {
        (Some(token), Kind::Playlist) => match &found.source {
            FoundSource::Memory(bytes) => {
                let (bytes, meta) = auth::signed_playlist(bytes, &found.meta, parts.uri.path(), token);
                Found { meta, source: FoundSource::Memory(bytes), cache: found.cache }
            }
            FoundSource::File(_) | FoundSource::Remote(_) => found,
        },
        _ => found,
    };
    // Decide, then render.
    let served = decide(&parts.headers, &found.meta, found.len());
    let mut response = render(shared, &path, kind, found, served);
    if signed.is_some() {
        let cc =
            auth::signed_cache_control(&shared.cache_control(kind), kind == Kind::Playlist, shared.config.auth.cdn);
        response.headers_mut().insert(header::CACHE_CONTROL, cc);
    }
    response
}

enum Target {
    Health,
    Stats,
    Metrics,
    File(AssetId, PathBuf, Kind),
    /// The watch page or one of its files, made whole in memory; `None` when the player is off.
    Page(Option<Response<Bytes>>),
    /// Storage could not say which files the watch page should offer.
    Failed(FileError),
}

/// A refused link: the reason code as text, or for the watch page a page that says it in words.
fn refused(shared: &Shared, route: &Route, err: &crate::signing::Error) -> Response<Body> {
    if !matches!(route, Route::Watch(_)) || !shared.config.player.enabled {
        return auth::refused(err);
    }
    let mut r = player::rejected_page(err.code(), &shared.config.player).map(Body::full);
    r.extensions_mut().insert(auth::Refusal(err.code()));
    r
}

async fn target(shared: &Shared, route: Route, signed: Option<&crate::signing::Token>) -> Target {
    match route {
        Route::Health => Target::Health,
        Route::Stats => Target::Stats,
        Route::Metrics => Target::Metrics,
        Route::Stream(id) => Target::File(id.clone(), shared.layout.asset(&id).stream(), Kind::Video),
        Route::Rendition(id, q) => Target::File(id.clone(), shared.layout.asset(&id).rendition(&q), Kind::Video),
        Route::Master(id) => Target::File(id.clone(), shared.layout.asset(&id).hls_master(), Kind::Playlist),
        Route::HlsFile(id, q, name) => {
            let kind = mime::hls_kind(name.as_str());
            Target::File(id.clone(), shared.layout.asset(&id).hls_file(&q, &name), kind)
        }
        Route::Thumb(id) => Target::File(id.clone(), shared.layout.asset(&id).thumb(), Kind::Thumbnail),
        Route::Watch(id) => {
            if !shared.config.player.enabled {
                return Target::Page(None);
            }
            let files = match &shared.assets {
                Assets::Disk(_) => player::AssetFiles::on_disk(&shared.layout, &id),
                Assets::Store(origin) => match Box::pin(origin.available(&id)).await {
                    Ok(files) => files,
                    Err(err) => return Target::Failed(err),
                },
            };
            // A signed page gets its media URLs signed with the same claims as its own link.
            let signer = signed.map(|token| shared.config.auth.media_signer(token));
            let signer = signer.as_ref().map(|s| s as &dyn Fn(&str) -> String);
            Target::Page(player::watch_page(&id, &shared.config.player, files, signer))
        }
        Route::PlayerFile(hash, name) => Target::Page(player::static_response(&shared.config.player, &hash, &name)),
    }
}

/// The decision for a file request, made before any response is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Served {
    NotModified,
    PreconditionFailed,
    Body(RangeDecision),
}

/// Preconditions first (RFC 9110 §13.2.2), then If-Range and Range, for a body of `len` bytes.
pub fn decide(headers: &HeaderMap, meta: &FileMeta, len: u64) -> Served {
    let validators = Validators { etag: meta.etag_str(), last_modified: meta.modified_secs };
    match conditional::evaluate(headers, validators) {
        Precondition::NotModified => Served::NotModified,
        Precondition::Failed => Served::PreconditionFailed,
        Precondition::Proceed => {
            let if_range = headers.get(header::IF_RANGE).map(HeaderValue::as_bytes);
            let allows = range::if_range_allows(if_range, validators.etag, validators.last_modified);
            let range = headers.get(header::RANGE).map(HeaderValue::as_bytes);
            Served::Body(range::decide(range, allows, len))
        }
    }
}

/// Turn a decision into a response.
fn render(shared: &Shared, path: &Path, kind: Kind, found: Found, served: Served) -> Response<Body> {
    let len = found.len();
    let content_type = mime::content_type(path.file_name().and_then(|n| n.to_str()).unwrap_or(""));
    let (status, body, content_length, content_range, multipart) = match served {
        Served::NotModified => (StatusCode::NOT_MODIFIED, Body::empty(), None, None, None),
        Served::PreconditionFailed => (StatusCode::PRECONDITION_FAILED, Body::empty(), Some(0), None, None),
        Served::Body(RangeDecision::Unsatisfiable) => {
            (StatusCode::RANGE_NOT_SATISFIABLE, Body::empty(), Some(0), Some(format!("bytes */{len}")), None)
        }
        Served::Body(RangeDecision::Full) => (
            StatusCode::OK,
            slice_body(shared, &found, ByteRange { start: 0, end: len.saturating_sub(1) }, len),
            Some(len),
            None,
            None,
        ),
        Served::Body(RangeDecision::Partial(r)) => (
            StatusCode::PARTIAL_CONTENT,
            slice_body(shared, &found, r, len),
            Some(r.len()),
            Some(format!("bytes {}-{}/{len}", r.start, r.end)),
            None,
        ),
        Served::Body(RangeDecision::Multi(ranges)) => {
            let (pieces, total) = multipart_pieces(&shared.boundary, &content_type, &ranges, len);
            let body = Body::new(Content::Pieces(Pieces::new(source_of(shared, &found), pieces)));
            (StatusCode::PARTIAL_CONTENT, body, Some(total), None, Some(()))
        }
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let h = response.headers_mut();
    if status != StatusCode::NOT_MODIFIED {
        if multipart.is_some() {
            let value = format!("multipart/byteranges; boundary={}", shared.boundary);
            h.insert(header::CONTENT_TYPE, HeaderValue::from_str(&value).expect("boundary is ASCII"));
        } else {
            h.insert(header::CONTENT_TYPE, content_type);
        }
        h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    }
    if let Some(n) = content_length {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(n));
    }
    if let Some(cr) = content_range {
        h.insert(header::CONTENT_RANGE, HeaderValue::from_str(&cr).expect("digits are ASCII"));
    }
    h.insert(header::ETAG, found.meta.etag.clone());
    h.insert(header::LAST_MODIFIED, found.meta.last_modified.clone());
    h.insert(header::CACHE_CONTROL, shared.cache_control(kind));
    response
}

fn source_of(shared: &Shared, found: &Found) -> Source {
    match &found.source {
        FoundSource::Memory(bytes) => Source::Memory(bytes.clone()),
        FoundSource::File(file) => Source::File {
            file: Arc::clone(file),
            ident: found.meta.ident,
            pool: Arc::clone(&shared.pool),
            blocking: shared.blocking.clone(),
        },
        FoundSource::Remote(remote) => Source::Remote { file: Arc::clone(remote), pool: Arc::clone(&shared.pool) },
    }
}

/// The bytes of one range: a slice when in memory, a streamed range of the file otherwise.
fn slice_body(shared: &Shared, found: &Found, r: ByteRange, len: u64) -> Body {
    if len == 0 {
        return Body::empty();
    }
    match &found.source {
        FoundSource::Memory(bytes) => Body::full(bytes.slice(r.start as usize..=r.end as usize)),
        FoundSource::File(_) | FoundSource::Remote(_) => {
            let pieces = vec![Piece::Range { offset: r.start, len: r.len() }];
            Body::new(Content::Pieces(Pieces::new(source_of(shared, found), pieces)))
        }
    }
}

/// The parts of a `multipart/byteranges` body and its exact length.
fn multipart_pieces(boundary: &str, content_type: &HeaderValue, ranges: &[ByteRange], len: u64) -> (Vec<Piece>, u64) {
    let ct = content_type.to_str().unwrap_or("application/octet-stream");
    let mut pieces = Vec::with_capacity(ranges.len() * 2 + 1);
    let mut total = 0u64;
    for (i, r) in ranges.iter().enumerate() {
        let lead = if i == 0 { "" } else { "\r\n" };
        let head = format!(
            "{lead}--{boundary}\r\nContent-Type: {ct}\r\nContent-Range: bytes {}-{}/{len}\r\n\r\n",
            r.start, r.end
        );
        total += head.len() as u64 + r.len();
        pieces.push(Piece::Bytes(Bytes::from(head)));
        pieces.push(Piece::Range { offset: r.start, len: r.len() });
    }
    let tail = format!("\r\n--{boundary}--\r\n");
    total += tail.len() as u64;
    pieces.push(Piece::Bytes(Bytes::from(tail)));
    (pieces, total)
}

fn options(shared: &Shared, headers: &HeaderMap) -> Response<Body> {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    let h = r.headers_mut();
    match shared.cors.preflight(headers) {
        Preflight::NotPreflight => {
            h.insert(header::ALLOW, HeaderValue::from_static(ALLOW));
        }
        Preflight::Allowed(origin) => {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(cors::ALLOW_METHODS));
            h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(cors::ALLOW_HEADERS));
            h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
        }
        Preflight::Refused => {
            *r.status_mut() = StatusCode::FORBIDDEN;
            r.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
        }
    }
    r
}

/// The `v` query parameter: the published version a pinned playlist asks for (`origin/pin.rs`).
fn pinned_version(parts: &Parts) -> Option<&str> {
    let query = parts.uri.query()?;
    query.split('&').find_map(|pair| pair.strip_prefix(origin::VERSION_PARAM)?.strip_prefix('='))
}

/// `/health`: `ok`, and for an object-store root whether storage answers (503 naming why when not).
async fn health(shared: &Shared) -> Response<Body> {
    let Assets::Store(origin) = &shared.assets else {
        return json(br#"{"status":"ok"}"#.as_slice().into());
    };
    match origin.health().await {
        Ok(()) => json(br#"{"status":"ok","storage":"ok"}"#.as_slice().into()),
        Err(e) => {
            let doc = serde_json::json!({"status": "unavailable", "storage": e.reason(), "error": e.to_string()});
            let mut r = json(Bytes::from(doc.to_string()));
            *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            r.extensions_mut().insert(OriginFailure(e.reason()));
            r
        }
    }
}

fn file_error(path: &Path, err: FileError) -> Response<Body> {
    match err {
        FileError::Origin(e) => {
            tracing::warn!(path = %path.display(), error = %e, "object storage failed");
            let text = match e.status() {
                StatusCode::GATEWAY_TIMEOUT => "object storage timed out; retry\n",
                StatusCode::SERVICE_UNAVAILABLE => "object storage unreachable; retry\n",
                _ => "object storage failed; retry\n",
            };
            let mut r = plain(e.status(), text);
            r.extensions_mut().insert(OriginFailure(e.reason()));
            r
        }
        FileError::NotFound => plain(StatusCode::NOT_FOUND, "not found\n"),
        FileError::Refused => plain(StatusCode::NOT_FOUND, "not found\n"),
        FileError::Changed => plain(StatusCode::SERVICE_UNAVAILABLE, "file is being replaced; retry\n"),
        FileError::Io(e) => {
            tracing::error!(path = %path.display(), error = %e, "reading a file failed");
            plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error\n")
        }
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut r = Response::new(Body::full(Bytes::from_static(text.as_bytes())));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(text.len()));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The Prometheus text exposition format, version 0.0.4.
fn exposition(bytes: Bytes) -> Response<Body> {
    let len = bytes.len();
    let mut r = Response::new(Body::full(bytes));
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn json(bytes: Bytes) -> Response<Body> {
    let len = bytes.len();
    let mut r = Response::new(Body::full(bytes));
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    /// hyper keeps one boxed slot the size of the request future for every open connection, busy or
    /// not: storage awaits are boxed so that slot stays small (it was 4.4 KiB, 4.4 MB at 1000
    /// connections).
    #[test]
    fn the_request_future_stays_small() {
        let root = tempfile::tempdir().unwrap();
        let shared = Arc::new(Shared::new(super::super::config::Config::new(root.path())).unwrap());
        let request = handle(&shared, Request::new(()));
        let size = std::mem::size_of_val(&request);
        assert!(size <= 2048, "the request future is {size} bytes");
    }
}
