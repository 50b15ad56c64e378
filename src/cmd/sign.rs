//! `playtube sign`: make signed links (one path, or every delivery URL of an asset) and check a link
//! offline. Orchestration only: keys and limits come from `config::sign`, the scheme from `signing`; this
//! file reads the clock, looks at an assets root when asked, and prints.

use std::net::IpAddr;
use std::path::Path;

use serde::Serialize;

use crate::cli::SignArgs;
use crate::config::sign::{SignFlags, SignSettings};
use crate::config::Settings;
use crate::exit::{Code, UsageError};
use crate::layout::{AssetId, Layout, Quality, HLS_DIR, STREAM_FILE, THUMB_FILE};
use crate::signing::{self, Claims, KeyId, Request, Scope, Token};
use crate::storage::blocking::BlockingStore;
use crate::storage::Location;
use crate::units::{human_secs, unix_now};

/// Sign or verify with settings already resolved from [`flags`], the environment and playtube.toml.
pub fn run(settings: &Settings, sign: &SignSettings, args: &SignArgs) -> anyhow::Result<Code> {
    let now = unix_now();
    if let Some(url) = &args.verify {
        return verify(settings, sign, url, args.ip, now);
    }
    let (kid, key) = sign.signing_key()?;
    let expires = check_lifetime(sign.expires.at(now), now, sign)?;
    if expires < now {
        settings.output.warn(format_args!("--expires {expires} is in the past: the link is already expired"));
    }
    let signer = Signer { kid, key, expires, ip: args.ip.map(|ip| ip.to_canonical()), base_url: sign.base_url.clone() };
    match (&args.path, &args.asset) {
        (Some(path), _) => sign_path(settings, &signer, path),
        (None, Some(id)) => sign_asset(settings, &signer, id, &args.qualities, args.root.as_deref()),
        (None, None) => Err(UsageError::new("give a PATH to sign, --asset ID or --verify URL").into()),
    }
}

/// The flags of `sign` that `config::sign` layers over the environment and playtube.toml.
pub fn flags(args: &SignArgs) -> SignFlags<'_> {
    SignFlags {
        key_file: args.key_file.as_deref(),
        kid: args.kid.as_deref(),
        expires: args.expires.as_deref(),
        base_url: args.base_url.as_deref(),
    }
}

/// Lifetimes the server would refuse are refused here too.
fn check_lifetime(expires: u64, now: u64, sign: &SignSettings) -> anyhow::Result<u64> {
    let max = sign.policy.max_lifetime;
    if expires.saturating_sub(now) > max {
        return Err(UsageError::with_hint(
            format!(
                "--expires gives a lifetime of {} but serve refuses links valid longer than {} (lifetime_too_long)",
                human_secs(expires - now),
                human_secs(max)
            ),
            "shorten --expires, or raise [sign] max_lifetime (PLAYTUBE_SIGN_MAX_LIFETIME) on signer and server alike",
        )
        .into());
    }
    Ok(expires)
}

struct Signer<'a> {
    kid: Option<KeyId>,
    key: &'a signing::Key,
    expires: u64,
    ip: Option<IpAddr>,
    base_url: String,
}

impl Signer<'_> {
    fn token(&self, scope: Scope) -> Token {
        Claims { scope, expires: self.expires, ip: self.ip, kid: self.kid.clone() }.sign(self.key)
    }

    /// The signed URL of a delivery path, which may carry a query of its own.
    fn url(&self, path_and_query: &str) -> Result<(String, Token), UsageError> {
        let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
        let scope = Scope::for_path(path).map_err(|e| {
            if path.starts_with("http://") || path.starts_with("https://") {
                UsageError::with_hint(e.to_string(), "give the path only and put the origin in --base-url")
            } else {
                UsageError::new(e.to_string())
            }
        })?;
        let token = self.token(scope);
        let url = format!("{}{path}?{}", self.base_url, signing::query::with_token(query, &token));
        Ok((url, token))
    }
}

#[derive(Serialize)]
struct SignedLink<'a> {
    url: &'a str,
    scope: String,
    expires: u64,
    kid: Option<&'a str>,
    ip: Option<IpAddr>,
}

fn sign_path(settings: &Settings, signer: &Signer<'_>, path: &str) -> anyhow::Result<Code> {
    let (url, token) = signer.url(path)?;
    if settings.output.json {
        settings.output.print_json(&SignedLink {
            url: &url,
            scope: token.claims.scope.to_string(),
            expires: token.claims.expires,
            kid: token.claims.kid.as_ref().map(KeyId::as_str),
            ip: token.claims.ip,
        })?;
    } else {
        settings.output.print(&format!("{url}\n"))?;
    }
    Ok(Code::Success)
}

/// The design document's `stream-config` response, with every URL signed.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StreamConfig {
    video_id: String,
    expires: u64,
    stream_url: Option<String>,
    hls_url: Option<String>,
    qualities: Vec<QualityUrl>,
    poster: Option<String>,
    watch_url: String,
    /// Whole-file WebVTT per subtitle language (for a `<track>`; HLS players read the master's group).
    captions: Vec<CaptionUrl>,
    /// The scrub-preview index (`storyboard.vtt`); its tiles are relative to it, inside the same scope.
    storyboard: Option<String>,
}

#[derive(Serialize)]
struct CaptionUrl {
    language: String,
    url: String,
}

#[derive(Serialize)]
struct QualityUrl {
    quality: String,
    url: String,
}

/// Caption languages listed by `sign --asset --root` (the watch page offers at most 32).
const MAX_CAPTIONS: usize = 64;

fn sign_asset(
    settings: &Settings,
    signer: &Signer<'_>,
    id: &str,
    qualities: &[String],
    root: Option<&Path>,
) -> anyhow::Result<Code> {
    let id = AssetId::parse(id).map_err(|e| UsageError::new(format!("--asset: {e}")))?;
    let mut wanted: Vec<Quality> = qualities
        .iter()
        .map(|q| Quality::parse(q).map_err(|e| UsageError::new(format!("--qualities: {e}"))))
        .collect::<Result<_, _>>()?;
    // Without --root every route is listed; with it, only the files the asset has.
    let (mut has_stream, mut has_hls, mut has_thumb, mut has_storyboard) = (true, true, true, true);
    let mut caption_folders = Vec::new();
    let remote = match root.map(|r| Location::parse(&r.to_string_lossy())) {
        Some(Ok(Location::S3(url))) => Some(url),
        Some(Err(e)) => return Err(UsageError::new(format!("--root: {e}")).into()),
        _ => None,
    };
    if let Some(url) = remote {
        // The published asset: which products its current version has, and its renditions.
        let options = crate::config::storage::resolve(settings, None)?;
        let store = BlockingStore::open(&url, &options).map_err(|e| UsageError::new(e.to_string()))?;
        let Some((pointer, renditions)) = store.current_renditions(&id)? else {
            return Err(UsageError::new(format!("asset {id} is not published under {url}")).into());
        };
        has_stream = pointer.has_entry(STREAM_FILE);
        has_hls = pointer.has_entry(HLS_DIR);
        has_thumb = pointer.has_entry(THUMB_FILE);
        wanted = renditions.into_iter().map(|r| r.quality).collect();
        let extras = match pointer.version_id() {
            Some(version) => store.extras(&id, &version, MAX_CAPTIONS)?,
            None => Default::default(),
        };
        has_storyboard = extras.storyboard;
        caption_folders = extras.captions;
    } else if let Some(root) = root {
        let asset = Layout::new(root).asset(&id);
        if !asset.dir().is_dir() {
            return Err(UsageError::new(format!("asset {id} not found under {}", root.display())).into());
        }
        has_stream = asset.stream().is_file();
        has_hls = asset.hls_master().is_file();
        has_thumb = asset.thumb().is_file();
        has_storyboard = asset.storyboard_index().is_file();
        caption_folders = asset.subtitle_folders(MAX_CAPTIONS);
        wanted = asset.rendition_files().unwrap_or_default().into_iter().map(|r| r.quality).collect();
    }
    let url = |path: String| signer.url(&path).map(|(u, _)| u);
    let config = StreamConfig {
        video_id: id.to_string(),
        expires: signer.expires,
        stream_url: has_stream.then(|| url(format!("/stream/{id}"))).transpose()?,
        hls_url: has_hls.then(|| url(format!("/hls/{id}/master.m3u8"))).transpose()?,
        qualities: wanted
            .iter()
            .map(|q| Ok(QualityUrl { quality: q.to_string(), url: url(format!("/stream/{id}/{q}"))? }))
            .collect::<Result<_, UsageError>>()?,
        poster: has_thumb.then(|| url(format!("/thumb/{id}"))).transpose()?,
        watch_url: url(format!("/watch/{id}"))?,
        captions: caption_folders
            .iter()
            .filter_map(|f| {
                let language = crate::layout::rendition_language(crate::layout::SUBTITLES_DIR_PREFIX, f.as_str())?;
                Some((language.to_owned(), format!("/hls/{id}/{f}/{}", crate::layout::SUBTITLES_FILE)))
            })
            .map(|(language, path)| Ok(CaptionUrl { language, url: url(path)? }))
            .collect::<Result<_, UsageError>>()?,
        storyboard: has_storyboard
            .then(|| url(format!("/hls/{id}/{}/{}", crate::layout::STORYBOARD_DIR, crate::layout::STORYBOARD_INDEX)))
            .transpose()?,
    };
    if settings.output.json {
        settings.output.print_json(&config)?;
        return Ok(Code::Success);
    }
    let mut rows: Vec<(&str, String)> = Vec::new();
    if let Some(u) = &config.stream_url {
        rows.push(("stream", u.clone()));
    }
    for q in &config.qualities {
        rows.push((q.quality.as_str(), q.url.clone()));
    }
    if let Some(u) = &config.hls_url {
        rows.push(("hls", u.clone()));
    }
    if let Some(u) = &config.poster {
        rows.push(("thumb", u.clone()));
    }
    for c in &config.captions {
        rows.push((c.language.as_str(), c.url.clone()));
    }
    if let Some(u) = &config.storyboard {
        rows.push(("storyboard", u.clone()));
    }
    rows.push(("watch", config.watch_url.clone()));
    settings.output.print(&crate::ui::table::pairs(&rows))?;
    Ok(Code::Success)
}

#[derive(Serialize)]
struct Verdict {
    valid: bool,
    reason: Option<&'static str>,
    message: String,
    scope: Option<String>,
    expires: Option<u64>,
    kid: Option<String>,
    ip: Option<IpAddr>,
}

/// Check a URL offline against the configured keys and limits; exit 0 when it would be served, 1 with
/// the reason when not.
fn verify(
    settings: &Settings,
    sign: &SignSettings,
    url: &str,
    client: Option<IpAddr>,
    now: u64,
) -> anyhow::Result<Code> {
    if sign.keys.is_empty() {
        return Err(sign.signing_key().expect_err("no keys means no signing key").into());
    }
    let rest = match url.strip_prefix(sign.base_url.as_str()).filter(|_| !sign.base_url.is_empty()) {
        Some(rest) => rest,
        None => match url.split_once("://") {
            Some((_, after)) => after.find('/').map_or("/", |i| &after[i..]),
            None => url,
        },
    };
    let rest = rest.split('#').next().unwrap_or_default();
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    // A base URL with a path prefix (https://cdn.example.com/videos/stream/ID): check the signable
    // path after the prefix.
    let path = match Scope::for_path(path) {
        Ok(_) => path,
        Err(_) => path.match_indices('/').map(|(i, _)| &path[i..]).find(|p| Scope::for_path(p).is_ok()).unwrap_or(path),
    };
    let result = signing::verify(&sign.keys, &sign.policy, &Request { path, query, client_ip: client }, now);
    let verdict = match &result {
        Ok(token) => {
            let c = &token.claims;
            let key = c.kid.as_ref().map_or("the default key".to_owned(), |k| format!("key {k}"));
            let bound = match (c.ip, client) {
                (None, _) => "any client".to_owned(),
                (Some(ip), Some(_)) => format!("client {ip}"),
                (Some(ip), None) => format!("client {ip} (not checked: pass --ip ADDR)"),
            };
            Verdict {
                valid: true,
                reason: None,
                message: format!(
                    "valid: admits {} until {} (Unix time, {} from now), signed with {key}, for {bound}",
                    c.scope,
                    c.expires,
                    human_secs(c.expires.saturating_sub(now))
                ),
                scope: Some(c.scope.to_string()),
                expires: Some(c.expires),
                kid: c.kid.as_ref().map(|k| k.to_string()),
                ip: c.ip,
            }
        }
        Err(err) => Verdict {
            valid: false,
            reason: Some(err.code()),
            message: format!("rejected: {err}"),
            scope: None,
            expires: None,
            kid: None,
            ip: None,
        },
    };
    if settings.output.json {
        settings.output.print_json(&verdict)?;
    } else {
        settings.output.print(&format!("{}\n", verdict.message))?;
    }
    Ok(if verdict.valid { Code::Success } else { Code::Failures })
}
