//! Unit tests of the watch page's decisions (`src/server/player.rs`): routes, headers, the embedded config,
//! token forwarding and the vendored hls.js. The page's behaviour in a browser is tested by
//! `tests/browser.rs`.

use super::*;

fn page(id: &str, settings: &PlayerSettings, layout: &Layout) -> Response<Bytes> {
    watch_page(&AssetId::parse(id).unwrap(), settings, layout, None).expect("player on")
}

fn file(path: &str) -> Response<Bytes> {
    let rest = path.strip_prefix("/player/").unwrap();
    let (hash, name) = rest.split_once('/').unwrap();
    static_response(&PlayerSettings::default(), hash, name).expect("player on")
}

fn body(r: &Response<Bytes>) -> String {
    String::from_utf8(r.body().to_vec()).unwrap()
}

/// An assets root with one asset `clip` holding the given files (empty files are enough here).
fn root_with(files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for file in files {
        let path = dir.path().join("clip").join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"x").unwrap();
    }
    std::fs::create_dir_all(dir.path().join("clip")).unwrap();
    dir
}

/// The JSON config the page carries, parsed back.
fn page_config(html: &str) -> serde_json::Value {
    let start = html.find("id=\"playtube-config\">").unwrap() + "id=\"playtube-config\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

#[test]
fn vendored_hls_js_is_the_pinned_release() {
    let file = static_file("hls.min.js").unwrap();
    assert_eq!(hex(&Sha256::digest(file.bytes)), HLS_JS_SHA256);
    let readme = include_str!("vendor/README.md");
    assert!(readme.contains(HLS_JS_SHA256) && readme.contains(&format!("hls.js@{HLS_JS_VERSION}")));
}

#[test]
fn switched_off_player_serves_nothing() {
    let root = root_with(&["hls/master.m3u8"]);
    let off = PlayerSettings { enabled: false, media_base: None };
    let layout = Layout::new(root.path());
    assert!(watch_page(&AssetId::parse("clip").unwrap(), &off, &layout, None).is_none());
    let js = static_file("player.js").unwrap();
    let hash = js.path.split('/').nth(2).unwrap();
    assert!(static_response(&off, hash, "player.js").is_none());
}

#[test]
fn page_of_a_prepared_asset_points_at_its_hls_stream_and_poster() {
    let root = root_with(&["hls/master.m3u8", "stream.mp4", "thumb.jpg"]);
    let r = page("clip", &PlayerSettings::default(), &Layout::new(root.path()));
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[header::CONTENT_TYPE], "text/html; charset=utf-8");
    assert_eq!(r.headers()[header::CACHE_CONTROL], "no-cache");
    let html = body(&r);
    let config = page_config(&html);
    assert_eq!(config["hls"], "/hls/clip/master.m3u8");
    assert_eq!(config["stream"], "/stream/clip");
    assert_eq!(config["poster"], "/thumb/clip");
    assert!(config["token"].is_null());
    for name in ["hls.min.js", "player.js", "player.css"] {
        assert!(html.contains(&static_file(name).unwrap().path), "{name} not linked");
    }
    assert!(!html.contains("{{"), "unfilled placeholder");
}

#[test]
fn asset_without_hls_gets_only_the_progressive_stream() {
    let root = root_with(&["stream.mp4"]);
    let r = page("clip", &PlayerSettings::default(), &Layout::new(root.path()));
    let config = page_config(&body(&r));
    assert!(config["hls"].is_null() && config["poster"].is_null());
    assert_eq!(config["stream"], "/stream/clip");
}

#[test]
fn unknown_or_invalid_asset_is_a_404_page_with_a_readable_message() {
    let root = root_with(&[]);
    let layout = Layout::new(root.path());
    let r = page("nope", &PlayerSettings::default(), &layout);
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(page_config(&body(&r))["error"].as_str().unwrap().contains("could not be found"));
    // The folder exists but holds nothing playable yet.
    let r = page("clip", &PlayerSettings::default(), &layout);
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(page_config(&body(&r))["error"].as_str().unwrap().contains("not ready"));
}

#[test]
fn signed_page_gets_a_token_for_each_media_url_from_the_signer() {
    let root = root_with(&["hls/master.m3u8", "stream.mp4", "thumb.jpg"]);
    // Stands in for the server's signer: the scope of a token is the route it admits.
    let signer = |path: &str| {
        let scope = if path.starts_with("/hls/") { "/hls/clip/" } else { path };
        format!("expires=1700000000&scope={scope}&sig=S")
    };
    let id = AssetId::parse("clip").unwrap();
    let r = watch_page(&id, &PlayerSettings::default(), &Layout::new(root.path()), Some(&signer)).unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[header::CACHE_CONTROL], "private, no-store");
    let config = page_config(&body(&r));
    assert_eq!(config["hls"], "/hls/clip/master.m3u8?expires=1700000000&scope=/hls/clip/&sig=S");
    assert_eq!(config["stream"], "/stream/clip?expires=1700000000&scope=/stream/clip&sig=S");
    assert_eq!(config["poster"], "/thumb/clip?expires=1700000000&scope=/thumb/clip&sig=S");
    assert_eq!(config["token"], "expires=1700000000&scope=/hls/clip/&sig=S");
}

#[test]
fn page_lists_caption_files_and_the_storyboard_that_exist() {
    let root = root_with(&[
        "hls/master.m3u8",
        "hls/subs-es/all.vtt",
        "hls/subs-en/all.vtt",
        "hls/subs-en_2/all.vtt",
        "hls/subs-fr/playlist.m3u8", // no whole-file WebVTT: not offered to <track>
        "hls/audio-en/playlist.m3u8",
        "hls/storyboard/storyboard.vtt",
    ]);
    let config = page_config(&body(&page("clip", &PlayerSettings::default(), &Layout::new(root.path()))));
    let captions: Vec<(String, String)> = config["captions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["language"].as_str().unwrap().to_owned(), c["url"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        captions,
        [
            ("en".to_owned(), "/hls/clip/subs-en/all.vtt".to_owned()),
            ("en".to_owned(), "/hls/clip/subs-en_2/all.vtt".to_owned()),
            ("es".to_owned(), "/hls/clip/subs-es/all.vtt".to_owned()),
        ]
    );
    assert_eq!(config["storyboard"], "/hls/clip/storyboard/storyboard.vtt");
    // Without them: an empty list and no storyboard, so the page makes no request for them.
    let bare = root_with(&["hls/master.m3u8"]);
    let config = page_config(&body(&page("clip", &PlayerSettings::default(), &Layout::new(bare.path()))));
    assert_eq!(config["captions"], serde_json::json!([]));
    assert!(config["storyboard"].is_null());
}

#[test]
fn signed_page_signs_caption_and_storyboard_urls_within_the_hls_scope() {
    let root = root_with(&["hls/master.m3u8", "hls/subs-en/all.vtt", "hls/storyboard/storyboard.vtt"]);
    let signer = |path: &str| {
        assert!(path.starts_with("/hls/clip/") || !path.starts_with("/hls/"), "{path}");
        "sig=S".to_owned()
    };
    let id = AssetId::parse("clip").unwrap();
    let r = watch_page(&id, &PlayerSettings::default(), &Layout::new(root.path()), Some(&signer)).unwrap();
    let config = page_config(&body(&r));
    assert_eq!(config["captions"][0]["url"], "/hls/clip/subs-en/all.vtt?sig=S");
    assert_eq!(config["storyboard"], "/hls/clip/storyboard/storyboard.vtt?sig=S");
}

#[test]
fn refused_watch_link_is_a_403_page_that_says_why_in_words() {
    let expired = rejected_page("expired", &PlayerSettings::default());
    assert_eq!(expired.status(), StatusCode::FORBIDDEN);
    assert!(page_config(&body(&expired))["error"].as_str().unwrap().contains("expired"));
    let forged = rejected_page("bad_signature", &PlayerSettings::default());
    assert!(page_config(&body(&forged))["error"].as_str().unwrap().contains("not valid"));
    assert_eq!(forged.headers()[header::CACHE_CONTROL], "private, no-store");
}

#[test]
fn config_cannot_close_its_script_element() {
    let media = PageMedia {
        hls: Some("/hls/x/master.m3u8?</script><script>alert(1)</script>".into()),
        stream: None,
        poster: None,
        captions: Vec::new(),
        storyboard: None,
        token: None,
    };
    let html = render_page("x", &media);
    assert_eq!(html.matches("</script>").count(), 3, "only the template's own three script elements close");
    assert_eq!(page_config(&html)["hls"], "/hls/x/master.m3u8?</script><script>alert(1)</script>");
}

#[test]
fn media_on_another_origin_is_in_the_urls_and_the_content_security_policy() {
    let root = tempfile::tempdir().unwrap(); // the page server need not hold the assets
    let settings =
        PlayerSettings { enabled: true, media_base: Some(MediaBase::parse("http://127.0.0.1:9001/").unwrap()) };
    let r = page("clip", &settings, &Layout::new(root.path()));
    assert_eq!(r.status(), StatusCode::OK);
    let config = page_config(&body(&r));
    assert_eq!(config["hls"], "http://127.0.0.1:9001/hls/clip/master.m3u8");
    let csp = r.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("connect-src 'self' http://127.0.0.1:9001;"), "{csp}");
    assert!(csp.contains("media-src 'self' blob: http://127.0.0.1:9001;"), "{csp}");
    assert!(csp.starts_with("default-src 'none';"), "{csp}");
}

#[test]
fn media_base_must_be_a_plain_absolute_http_url() {
    let ok = MediaBase::parse("HTTPS://CDN.example.com/videos/").unwrap();
    assert_eq!(ok.url(), "https://cdn.example.com/videos");
    assert_eq!(ok.origin(), "https://cdn.example.com");
    for bad in ["cdn.example.com", "ftp://x", "http://", "http://x/?a=1", "http://x/#f", "http://u:p@x", "http://x/\"y"]
    {
        assert!(MediaBase::parse(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn static_files_are_cached_for_a_year_under_hashed_names() {
    let file = static_file("hls.min.js").unwrap();
    let r = self::file(&file.path);
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
    assert_eq!(r.headers()[header::CONTENT_TYPE], "text/javascript; charset=utf-8");
    assert_eq!(r.body().len(), file.bytes.len());
    // A stale hash or an unknown name is not served.
    for path in ["/player/000000000000/hls.min.js", "/player/x/watch.html", "/player/x/tests.rs"] {
        assert_eq!(self::file(path).status(), StatusCode::NOT_FOUND, "{path}");
    }
}
