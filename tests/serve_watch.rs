//! The watch page routes of `serve` over real sockets on 127.0.0.1 (no browser; `browser.rs` plays the
//! page in chromium): `/watch/{id}` and the hashed `/player/...` files it links, HEAD, `--no-player`,
//! and with signatures required: the player's files stay public, a signed page carries working signed
//! media URLs (and only for its own asset), a refused page link is a 403 page in words. The page's
//! caption tracks are checked on a local and an `s3://` root (`both_roots!`).

mod serve_support;

use std::time::{SystemTime, UNIX_EPOCH};

use playtube::server::auth::AuthConfig;
use playtube::server::player::PlayerSettings;
use playtube::signing::{Claims, Key, Keyring, Scope};
use serve_support::{request, write, Resp, Root, TestServer, ID};

const KEY: &str = "serve-watch-test-key-0123456789abcdefgh";

/// The JSON config the page carries.
fn page_config(r: &Resp) -> serde_json::Value {
    let html = r.text();
    let start = html.find("id=\"playtube-config\">").expect("config block") + "id=\"playtube-config\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

/// The `/player/...` URLs the page links (stylesheet and scripts).
fn player_links(r: &Resp) -> Vec<String> {
    let html = r.text();
    html.split('"').filter(|s| s.starts_with("/player/")).map(str::to_owned).collect()
}

fn signing(c: &mut playtube::server::Config) {
    let mut keys = Keyring::new();
    keys.set_default(Key::new(KEY.as_bytes()).unwrap());
    c.auth = AuthConfig { keys, require: true, ..AuthConfig::default() };
}

fn link(path: &str, expires: u64) -> String {
    let scope = Scope::for_path(path).unwrap();
    let token = Claims { scope, expires, ip: None, kid: None }.sign(&Key::new(KEY.as_bytes()).unwrap());
    format!("{path}?{}", token.to_query())
}

fn in_ten_minutes() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() + 600
}

#[test]
fn watch_page_links_its_hashed_files_which_are_cached_for_a_year() {
    let s = TestServer::with_assets(|_| {});
    let page = s.get(&format!("/watch/{ID}"));
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(page.header("content-security-policy").unwrap().starts_with("default-src 'none'"));
    let links = player_links(&page);
    assert_eq!(links.len(), 3, "{links:?}");
    for link in links {
        let r = s.get(&link);
        assert_eq!(r.status, 200, "{link}");
        assert_eq!(r.header("cache-control"), Some("public, max-age=31536000, immutable"), "{link}");
        assert_eq!(r.header("content-length"), Some(r.body.len().to_string().as_str()), "{link}");
    }
    assert_eq!(page_config(&page)["hls"], format!("/hls/{ID}/master.m3u8"));
}

#[test]
fn head_of_the_watch_page_has_the_headers_of_get_and_no_body() {
    let s = TestServer::with_assets(|_| {});
    let get = s.get(&format!("/watch/{ID}"));
    let head = request(s.addr, "HEAD", &format!("/watch/{ID}"), &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    for name in ["content-type", "content-length", "cache-control", "content-security-policy"] {
        assert_eq!(head.header(name), get.header(name), "{name}");
    }
}

#[test]
fn no_player_answers_404_on_the_page_and_its_files() {
    let on = TestServer::with_assets(|_| {});
    let links = player_links(&on.get(&format!("/watch/{ID}")));
    let off = TestServer::with_assets(|c| c.player = PlayerSettings { enabled: false, media_base: None });
    assert_eq!(off.get(&format!("/watch/{ID}")).status, 404);
    for link in links {
        assert_eq!(off.get(&link).status, 404, "{link}");
    }
    assert_eq!(off.get(&format!("/stream/{ID}")).status, 200, "media are still served");
}

#[test]
fn signed_page_carries_signed_media_urls_that_the_gate_admits() {
    let s = TestServer::with_assets(signing);
    let page = s.get(&link(&format!("/watch/{ID}"), in_ten_minutes()));
    assert_eq!(page.status, 200);
    assert_eq!(page.header("cache-control"), Some("private, no-store"));
    let config = page_config(&page);
    for key in ["hls", "stream", "poster"] {
        let url = config[key].as_str().unwrap();
        assert!(url.contains("sig="), "{key}: {url}");
        let r = s.get(url);
        assert!(r.status == 200 || r.status == 206, "{key}: {url} -> {}", r.status);
    }
    let token = config["token"].as_str().unwrap();
    assert!(token.contains(&format!("scope=/hls/{ID}/")), "{token}");
    // The HLS token admits a segment, as player.js adds it to any HLS request lacking one.
    assert_eq!(s.get(&format!("/hls/{ID}/360p/seg_00000.ts?{token}")).status, 200);
    // The player's own files need no link.
    for link in player_links(&page) {
        assert_eq!(s.get(&link).status, 200, "{link}");
    }
}

#[test]
fn refused_page_link_is_a_403_page_that_says_why() {
    let s = TestServer::with_assets(signing);
    let expired = s.get(&link(&format!("/watch/{ID}"), 1000));
    assert_eq!(expired.status, 403);
    assert_eq!(expired.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(page_config(&expired)["error"].as_str().unwrap().contains("expired"));
    // A link for another asset's page does not open this one.
    let other = link("/watch/other", in_ten_minutes()).replace("/watch/other?", &format!("/watch/{ID}?"));
    let r = s.get(&other);
    assert_eq!(r.status, 403);
    assert!(page_config(&r)["error"].as_str().unwrap().contains("not valid"));
    // Media routes keep the short reason code.
    assert_eq!(s.get(&format!("/stream/{ID}")).text(), "missing\n");
}

/// The test assets plus caption folders: `subs-en` and `subs-pt-BR` with a whole-file WebVTT, and
/// `subs-de` with segments only (not offered: the progressive fallback needs the whole file).
fn assets_with_captions() -> tempfile::TempDir {
    let root = serve_support::assets();
    let hls = root.path().join(ID).join("hls");
    for lang in ["en", "pt-BR"] {
        write(
            &hls.join(format!("subs-{lang}/all.vtt")),
            format!("WEBVTT\n\n00:00.000 --> 00:01.000\n{lang}\n").as_bytes(),
        );
        write(&hls.join(format!("subs-{lang}/playlist.m3u8")), b"#EXTM3U\n#EXT-X-ENDLIST\n");
    }
    write(&hls.join("subs-de/playlist.m3u8"), b"#EXTM3U\n#EXT-X-ENDLIST\n");
    write(&hls.join("subs-de/seg_00000.vtt"), b"WEBVTT\n");
    root
}

both_roots! {
    fn page_offers_the_caption_tracks_that_have_a_whole_file_webvtt(root) {
        let s = TestServer::start_on_root(root, assets_with_captions(), |_| {});
        let page = s.get(&format!("/watch/{ID}"));
        assert_eq!(page.status, 200);
        let config = page_config(&page);
        let captions: Vec<(String, String)> = config["captions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["language"].as_str().unwrap().to_owned(), c["url"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(
            captions,
            [
                ("en".to_owned(), format!("/hls/{ID}/subs-en/all.vtt")),
                ("pt-BR".to_owned(), format!("/hls/{ID}/subs-pt-BR/all.vtt")),
            ],
            "{config}"
        );
        for (lang, url) in captions {
            let r = s.get(&url);
            assert_eq!(r.status, 200, "{url}");
            assert!(r.text().ends_with(&format!("{lang}\n")), "{url}: {}", r.text());
        }
    }
}
