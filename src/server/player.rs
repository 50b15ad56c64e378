//! The watch page: `GET /watch/{id}` and the static files it loads (`/player/<hash>/<file>`), embedded in
//! the binary. This module decides every response of those two routes as a plain `http::Response<Bytes>`
//! (status, headers, body) from the route, the player settings and the asset layout; the handler calls
//! [`watch_page`] or [`static_response`] for `Route::Watch` / `Route::PlayerFile` and sends what it gets
//! (methods, HEAD and CORS are the handler's business, as for every route). It owns the page template,
//! player.js, player.css and the vendored hls.js (see `player/vendor/README.md`). It does not verify
//! signatures: for a signed page the server checks the `/watch/{id}` token first and passes a
//! [`MediaSigner`] that signs the asset's media paths with the same claims (a token's scope is one
//! route, so the page's own token would not admit `/hls/...`). It never reads media files, only checks
//! which of an asset's files exist ([`AssetFiles`], told by the caller: on disk or in object storage)
//! so the page can pick HLS or the progressive fallback without a failed request.

use std::sync::OnceLock;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Response, StatusCode};
use sha2::{Digest, Sha256};

use crate::layout::{self, AssetId, Layout, Quality, SUBTITLES_DIR_PREFIX, SUBTITLES_FILE};

/// The vendored hls.js release (npm `hls.js`), and the sha256 of its `dist/hls.min.js`.
pub const HLS_JS_VERSION: &str = "1.6.19";
pub const HLS_JS_SHA256: &str = "72b87a6e58db623feca73ab370970c1126ec06eb3dcd0a67fd14b47b6340b820";

const PAGE_TEMPLATE: &str = include_str!("player/watch.html");

/// For a signed watch page: the query string (without `?`) that admits a media path of the asset,
/// e.g. `/hls/{id}/master.m3u8` -> `expires=..&scope=/hls/{id}/&sig=..`.
pub type MediaSigner<'a> = &'a dyn Fn(&str) -> String;

/// Where the page sends its media requests: this server (`None`) or another origin, e.g. a CDN or a
/// second `playtube serve` that allows this page's origin in `ALLOWED_ORIGINS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaBase {
    /// `scheme://host[:port][/prefix]` without a trailing slash.
    url: String,
    /// `scheme://host[:port]`, for the Content-Security-Policy.
    origin: String,
}

impl MediaBase {
    /// Accept an absolute `http://` or `https://` URL with an optional path prefix, no query or fragment.
    pub fn parse(raw: &str) -> Result<MediaBase, String> {
        let hint = "use an absolute URL such as https://media.example.com or http://127.0.0.1:8091";
        let (scheme, rest) = raw
            .split_once("://")
            .filter(|(s, _)| s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https"))
            .ok_or_else(|| format!("media base URL {raw:?} must start with http:// or https://; {hint}"))?;
        if rest.contains(['?', '#', ' ', '"', '\'', '<', '>', '\\']) || rest.chars().any(|c| c.is_control()) {
            return Err(format!("media base URL {raw:?} must not have a query, fragment, quotes or spaces; {hint}"));
        }
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        if authority.is_empty() || authority.contains('@') {
            return Err(format!("media base URL {raw:?} needs a host (and no user:password@); {hint}"));
        }
        let scheme = scheme.to_ascii_lowercase();
        let origin = format!("{scheme}://{}", authority.to_ascii_lowercase());
        Ok(MediaBase { url: format!("{origin}{}", path.trim_end_matches('/')), origin })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }
}

/// The resolved player settings of `serve` (`--player`/`--no-player`, `--media-base-url`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayerSettings {
    pub enabled: bool,
    pub media_base: Option<MediaBase>,
}

impl Default for PlayerSettings {
    fn default() -> Self {
        PlayerSettings { enabled: true, media_base: None }
    }
}

/// One embedded static file of the page, served at `/player/<hash>/<name>` with a year of caching: the
/// hash (of the file's bytes) is in the path, so a new playtube version gets a new URL.
#[derive(Debug)]
pub struct StaticFile {
    pub name: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
    /// The URL path, e.g. `/player/72b87a6e58db/hls.min.js`.
    pub path: String,
}

fn static_files() -> &'static [StaticFile] {
    static FILES: OnceLock<Vec<StaticFile>> = OnceLock::new();
    FILES.get_or_init(|| {
        let raw: [(&'static str, &'static str, &'static [u8]); 4] = [
            ("hls.min.js", "text/javascript; charset=utf-8", include_bytes!("player/vendor/hls.min.js")),
            ("player.js", "text/javascript; charset=utf-8", include_bytes!("player/player.js")),
            ("player.css", "text/css; charset=utf-8", include_bytes!("player/player.css")),
            ("LICENSE-hls.js", "text/plain; charset=utf-8", include_bytes!("player/vendor/LICENSE-hls.js")),
        ];
        raw.into_iter()
            .map(|(name, content_type, bytes)| {
                let hash = hex(&Sha256::digest(bytes)[..6]);
                StaticFile { name, content_type, bytes, path: format!("/player/{hash}/{name}") }
            })
            .collect()
    })
}

/// The embedded file named `name` (e.g. `hls.min.js`), for its URL path.
pub fn static_file(name: &str) -> Option<&'static StaticFile> {
    static_files().iter().find(|f| f.name == name)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `/player/{hash}/{name}`: an embedded file under its current hash, `None` when the player is off;
/// a stale hash or an unknown name is a 404.
pub fn static_response(settings: &PlayerSettings, hash: &str, name: &str) -> Option<Response<Bytes>> {
    if !settings.enabled {
        return None;
    }
    let path = format!("/player/{hash}/{name}");
    Some(match static_files().iter().find(|f| f.path == path) {
        Some(file) => {
            let mut r = Response::new(Bytes::from_static(file.bytes));
            let h = r.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(file.content_type));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
            h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            h.insert(header::CONTENT_LENGTH, HeaderValue::from(file.bytes.len()));
            r
        }
        None => text_response(StatusCode::NOT_FOUND, "not found\n"),
    })
}

/// What the page is told about the asset: absolute or root-relative URLs, `None` for files it lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageMedia {
    pub hls: Option<String>,
    pub stream: Option<String>,
    pub poster: Option<String>,
    /// Whole-file WebVTT per subtitle language, for `<track>` in the progressive fallback (HLS players
    /// take the SUBTITLES group from the master playlist instead).
    pub captions: Vec<Caption>,
    /// The scrub-preview index (`storyboard.vtt`), whose tiles are relative to it.
    pub storyboard: Option<String>,
    /// For a signed page, the query that admits the HLS tree (`/hls/{id}/`): player.js adds it to any
    /// HLS request that lacks a signature. `None` for an unsigned page.
    pub token: Option<String>,
}

/// One subtitle language offered to the progressive fallback.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Caption {
    /// BCP 47 tag (`en`, `pt-BR`).
    pub language: String,
    pub url: String,
}

/// Limit on subtitle folders listed for one page (bounds the directory scan and the page size).
pub const MAX_CAPTION_TRACKS: usize = 32;

/// Which of an asset's files exist: the page offers only those (checked on disk, or by the origin in
/// object storage).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssetFiles {
    /// The asset's folder exists (or it is published): a missing video is "not ready", not "not found".
    pub exists: bool,
    pub hls: bool,
    pub stream: bool,
    pub poster: bool,
    pub storyboard: bool,
    /// The `hls/subs-<lang>/` folders holding a whole-file WebVTT, sorted.
    pub captions: Vec<Quality>,
}
impl AssetFiles {
    pub fn on_disk(layout: &Layout, id: &AssetId) -> AssetFiles {
        let asset = layout.asset(id);
        AssetFiles {
            exists: asset.dir().is_dir(),
            hls: asset.hls_master().is_file(),
            stream: asset.stream().is_file(),
            poster: asset.thumb().is_file(),
            storyboard: asset.storyboard_index().is_file(),
            captions: asset.subtitle_folders(MAX_CAPTION_TRACKS),
        }
    }
}

/// `/watch/{id}`: the page, or a 404 page that says the video is missing or not ready; `None` when the
/// player is off. `signer` is `Some` for a page whose signature the handler has checked.
pub fn watch_page(
    id: &AssetId,
    settings: &PlayerSettings,
    files: AssetFiles,
    signer: Option<MediaSigner<'_>>,
) -> Option<Response<Bytes>> {
    if !settings.enabled {
        return None;
    }
    let signed = signer.is_some();
    let base = settings.media_base.as_ref().map_or("", |b| b.url());
    let url = |path: String| match signer {
        Some(sign) => format!("{base}{path}?{}", sign(&path)),
        None => format!("{base}{path}"),
    };
    let hls_master = format!("/hls/{id}/master.m3u8");
    // The media live elsewhere: offer everything and let the page fall back on what fails.
    let remote = settings.media_base.is_some();
    let captions = files
        .captions
        .into_iter()
        .filter_map(|folder| {
            let language = layout::rendition_language(SUBTITLES_DIR_PREFIX, folder.as_str())?.to_owned();
            Some(Caption { language, url: url(format!("/hls/{id}/{folder}/{SUBTITLES_FILE}")) })
        })
        .collect();
    let storyboard = format!("/hls/{id}/{}/{}", layout::STORYBOARD_DIR, layout::STORYBOARD_INDEX);
    let media = PageMedia {
        hls: (remote || files.hls).then(|| url(hls_master.clone())),
        stream: (remote || files.stream).then(|| url(format!("/stream/{id}"))),
        poster: (remote || files.poster).then(|| url(format!("/thumb/{id}"))),
        captions,
        storyboard: files.storyboard.then(|| url(storyboard)),
        token: signer.map(|sign| sign(&hls_master)),
    };
    if media.hls.is_none() && media.stream.is_none() {
        let text = if files.exists { NOT_READY_TEXT } else { NOT_FOUND_TEXT };
        return Some(page_response(StatusCode::NOT_FOUND, &error_page(id.as_str(), text), settings, signed));
    }
    Some(page_response(StatusCode::OK, &render_page(id.as_str(), &media), settings, signed))
}

/// The page for a watch link the server refused (signature `reason` code, e.g. `expired`): a 403 that
/// says so in words, instead of a bare status.
pub fn rejected_page(reason: &str, settings: &PlayerSettings) -> Response<Bytes> {
    let text = match reason {
        "expired" => "This link has expired. Ask for a new link to watch this video.",
        "missing" => "This video needs a signed link (…?expires=…&sig=…). Ask for a link to watch it.",
        "ip_mismatch" => "This link was made for another network address. Ask for a link for this device.",
        _ => "This link is not valid (it may have been altered, or made for another video). Ask for a new link.",
    };
    page_response(StatusCode::FORBIDDEN, &error_page("Link not valid", text), settings, true)
}

const NOT_FOUND_TEXT: &str = "This video could not be found. It may have been removed, or the link is wrong.";
const NOT_READY_TEXT: &str = "This video is not ready yet: it has no playable files. Try again later.";

/// The page HTML for an asset. The JSON config is escaped so that nothing in it can close the
/// `<script>` element it sits in.
pub fn render_page(title: &str, media: &PageMedia) -> String {
    let config = serde_json::json!({
        "hls": media.hls,
        "stream": media.stream,
        "poster": media.poster,
        "captions": media.captions,
        "storyboard": media.storyboard,
        "token": media.token,
    });
    fill_template(title, &config)
}

fn error_page(title: &str, text: &str) -> String {
    fill_template(title, &serde_json::json!({ "error": text }))
}

fn fill_template(title: &str, config: &serde_json::Value) -> String {
    let config = config.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026");
    let path = |name: &str| static_file(name).map_or("", |f| f.path.as_str());
    PAGE_TEMPLATE
        .replace("{{CSS_URL}}", path("player.css"))
        .replace("{{HLS_URL}}", path("hls.min.js"))
        .replace("{{JS_URL}}", path("player.js"))
        .replace("{{TITLE}}", &html_escape(title))
        .replace("{{CONFIG_JSON}}", &config)
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page's Content-Security-Policy: scripts and styles only from this server, media, images and
/// playlists/segments (fetch/XHR) from this server or the configured media origin, hls.js's worker
/// from a blob: URL. Nothing else, so the page provably makes no other request.
pub fn content_security_policy(settings: &PlayerSettings) -> String {
    let media = settings.media_base.as_ref().map_or(String::new(), |b| format!(" {}", b.origin()));
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:{media}; \
         media-src 'self' blob:{media}; connect-src 'self'{media}; worker-src blob:; base-uri 'none'; \
         form-action 'none'"
    )
}

fn page_response(status: StatusCode, html: &str, settings: &PlayerSettings, signed: bool) -> Response<Bytes> {
    let mut r = Response::new(Bytes::from(html.to_owned()));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    // A signed page carries its token: never store it in a shared cache.
    let cache = if signed { "private, no-store" } else { "no-cache" };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(csp) = HeaderValue::from_str(&content_security_policy(settings)) {
        h.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(html.len()));
    r
}

fn text_response(status: StatusCode, text: &'static str) -> Response<Bytes> {
    let mut r = Response::new(Bytes::from_static(text.as_bytes()));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    r.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(text.len()));
    r
}

#[cfg(test)]
#[path = "player/tests.rs"]
mod tests;
