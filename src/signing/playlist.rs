//! Carrying a token into an HLS playlist: every URI the player will request (URI lines and `URI="..."`
//! attributes of tags such as `EXT-X-MAP`, `EXT-X-KEY`, `EXT-X-MEDIA`, `EXT-X-I-FRAME-STREAM-INF`) gets
//! the token appended to its query, so players that never forward the playlist's own query string
//! (hls.js, Safari, ffmpeg) still present it. Pure text in, text out; line endings, comments and every
//! other byte are kept.
//!
//! A URI is rewritten only when it resolves (relative to the playlist's own path, RFC 3986 style) to a
//! path the token's scope admits. Absolute URLs (`https://other/...`, `//host/...`, `data:`, `skd:`) and
//! paths outside the scope are left alone: a token never leaks to another host, and a URI it could not
//! admit gains nothing from it. An existing query is kept and any old token in it replaced.

use std::borrow::Cow;

use super::query::with_token;
use super::Token;
use crate::m3u8::attributes;

/// Rewrite a playlist served at `playlist_path` (e.g. `/hls/abc/master.m3u8`) so that its in-scope URIs
/// carry `token`.
pub fn rewrite(text: &str, playlist_path: &str, token: &Token) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for line in text.split_inclusive('\n') {
        let body_len = line.trim_end_matches(['\n', '\r']).len();
        let (body, ending) = line.split_at(body_len);
        let content = body.trim();
        if content.is_empty() || (content.starts_with('#') && !content.starts_with("#EXT")) {
            out.push_str(body);
        } else if content.starts_with('#') {
            out.push_str(&rewrite_tag(body, playlist_path, token));
        } else {
            let start = body.len() - body.trim_start().len();
            out.push_str(&body[..start]);
            out.push_str(&rewrite_uri(content, playlist_path, token));
            out.push_str(&body[start + content.len()..]);
        }
        out.push_str(ending);
    }
    out
}

/// Rewrite the quoted `URI` attributes of one tag line, scanning the attribute list so that a `URI=`
/// inside another attribute's quoted value is never mistaken for one.
fn rewrite_tag<'a>(line: &'a str, base: &str, token: &Token) -> Cow<'a, str> {
    let Some(colon) = line.find(':') else { return Cow::Borrowed(line) };
    if !line.contains("URI=\"") {
        return Cow::Borrowed(line);
    }
    let list_start = colon + 1;
    let mut out = String::with_capacity(line.len() + 128);
    let mut copied = 0;
    for a in attributes(&line[list_start..]) {
        if a.name == "URI" && a.quoted && a.terminated {
            let start = list_start + a.value_start;
            out.push_str(&line[copied..start]);
            out.push_str(&rewrite_uri(a.value, base, token));
            copied = start + a.value.len();
        }
    }
    out.push_str(&line[copied..]);
    Cow::Owned(out)
}

/// Append the token to one URI reference if it resolves into the token's scope.
pub fn rewrite_uri<'a>(uri: &'a str, base: &str, token: &Token) -> Cow<'a, str> {
    let (before_fragment, fragment) = match uri.find('#') {
        Some(i) => uri.split_at(i),
        None => (uri, ""),
    };
    let (path, query) = match before_fragment.split_once('?') {
        Some((p, q)) => (p, q),
        None => (before_fragment, ""),
    };
    if has_scheme(path) || path.starts_with("//") {
        return Cow::Borrowed(uri);
    }
    let Some(target) = resolve(base, path) else { return Cow::Borrowed(uri) };
    if !token.claims.scope.covers(&target) {
        return Cow::Borrowed(uri);
    }
    Cow::Owned(format!("{path}?{}{fragment}", with_token(query, token)))
}

fn has_scheme(s: &str) -> bool {
    match s.find(':') {
        Some(i) => {
            let scheme = &s[..i];
            !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        }
        None => false,
    }
}

/// Resolve a path reference against the path of the document it appears in, removing dot segments.
/// `None` for an empty reference (it names the playlist itself, which needs no rewriting).
fn resolve(base: &str, reference: &str) -> Option<String> {
    if reference.is_empty() {
        return None;
    }
    let merged = if reference.starts_with('/') {
        reference.to_owned()
    } else {
        let dir = base.rfind('/').map_or("/", |i| &base[..=i]);
        format!("{dir}{reference}")
    };
    let mut segments: Vec<&str> = Vec::new();
    let parts: Vec<&str> = merged.split('/').skip(1).collect();
    for (i, seg) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        match *seg {
            "." => {
                if last {
                    segments.push("");
                }
            }
            ".." => {
                segments.pop();
                if last {
                    segments.push("");
                }
            }
            s => segments.push(s),
        }
    }
    Some(format!("/{}", segments.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::AssetId;
    use crate::signing::{Claims, Key, Scope};

    fn token(id: &str) -> Token {
        let claims =
            Claims { scope: Scope::Hls(AssetId::parse(id).unwrap()), expires: 2_000_000_000, ip: None, kid: None };
        claims.sign(&Key::new(vec![1u8; 32]).unwrap())
    }

    #[test]
    fn master_playlist_variant_lines_and_media_uris_carry_the_token() {
        let t = token("abc");
        let q = t.to_query();
        let master = "#EXTM3U\n#EXT-X-VERSION:6\n\
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",NAME=\"English,URI=360p/x.ts\",URI=\"audio/playlist.m3u8\"\n\
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS=\"avc1.4d401e,mp4a.40.2\"\n360p/playlist.m3u8\n\
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,URI=\"360p/iframes.m3u8\"\n";
        let out = rewrite(master, "/hls/abc/master.m3u8", &t);
        assert!(out.contains(&format!("\n360p/playlist.m3u8?{q}\n")), "{out}");
        assert!(out.contains(&format!("URI=\"audio/playlist.m3u8?{q}\"")), "{out}");
        assert!(out.contains(&format!("URI=\"360p/iframes.m3u8?{q}\"")), "{out}");
        assert!(out.contains("CODECS=\"avc1.4d401e,mp4a.40.2\""), "{out}");
        assert!(
            out.contains("NAME=\"English,URI=360p/x.ts\","),
            "a URI= inside a quoted value is not an attribute: {out}"
        );
        assert!(out.starts_with("#EXTM3U\n#EXT-X-VERSION:6\n"));
    }

    #[test]
    fn media_playlist_segments_and_init_section_carry_the_token() {
        let t = token("abc");
        let q = t.to_query();
        let media = "#EXTM3U\r\n#EXT-X-MAP:URI=\"init.mp4\"\r\n#EXTINF:6.0,\r\nseg_00001.m4s\r\n# a comment\r\n#EXTINF:6.0,\r\n  seg_00002.m4s  \r\n#EXT-X-ENDLIST\r\n";
        let out = rewrite(media, "/hls/abc/720p/playlist.m3u8", &t);
        assert_eq!(
            out,
            format!("#EXTM3U\r\n#EXT-X-MAP:URI=\"init.mp4?{q}\"\r\n#EXTINF:6.0,\r\nseg_00001.m4s?{q}\r\n# a comment\r\n#EXTINF:6.0,\r\n  seg_00002.m4s?{q}  \r\n#EXT-X-ENDLIST\r\n")
        );
    }

    #[test]
    fn existing_queries_are_kept_and_old_tokens_replaced() {
        let t = token("abc");
        let old = token("abc");
        let q = t.to_query();
        let base = "/hls/abc/720p/playlist.m3u8";
        assert_eq!(rewrite_uri("seg.ts?v=2", base, &t), format!("seg.ts?v=2&{q}"));
        assert_eq!(rewrite_uri(&format!("seg.ts?{}&v=3", old.to_query()), base, &t), format!("seg.ts?v=3&{q}"));
        assert_eq!(rewrite_uri("seg.ts?#t=1", base, &t), format!("seg.ts?{q}#t=1"));
    }

    #[test]
    fn absolute_path_uris_inside_the_scope_are_rewritten() {
        let t = token("abc");
        let q = t.to_query();
        assert_eq!(
            rewrite_uri("/hls/abc/360p/playlist.m3u8", "/hls/abc/master.m3u8", &t),
            format!("/hls/abc/360p/playlist.m3u8?{q}")
        );
        assert_eq!(rewrite_uri("../360p/seg.ts", "/hls/abc/720p/playlist.m3u8", &t), format!("../360p/seg.ts?{q}"));
    }

    #[test]
    fn uris_outside_the_scope_or_on_other_hosts_are_left_alone() {
        let t = token("abc");
        let base = "/hls/abc/720p/playlist.m3u8";
        for uri in [
            "https://cdn.example.com/hls/abc/720p/seg.ts",
            "//cdn.example.com/hls/abc/720p/seg.ts",
            "data:text/plain,hi",
            "skd://key-id",
            "/hls/other/720p/seg.ts",
            "../../other/720p/seg.ts",
            "/stream/abc",
            "../../../../etc/passwd",
        ] {
            assert_eq!(rewrite_uri(uri, base, &t), uri, "{uri}");
        }
    }

    #[test]
    fn a_playlist_without_uris_is_unchanged_byte_for_byte() {
        let t = token("abc");
        let text = "#EXTM3U\n#EXT-X-TARGETDURATION:6\n\n#EXT-X-ENDLIST";
        assert_eq!(rewrite(text, "/hls/abc/720p/playlist.m3u8", &t), text);
    }

    proptest::proptest! {
        #[test]
        fn rewriting_never_panics_keeps_lines_and_is_idempotent(
            lines in proptest::collection::vec(
                "(#EXT-X-MAP:URI=\"[a-z0-9_./?=&\"-]{0,20}\"|#EXTINF:[0-9.]{1,4},|[a-z0-9_./?#&=:-]{0,24}|#[ -~]{0,30}|\\PC{0,12})",
                0..12,
            ),
            crlf in proptest::bool::ANY,
        ) {
            let t = token("abc");
            let text = lines.join(if crlf { "\r\n" } else { "\n" });
            let once = rewrite(&text, "/hls/abc/360p/playlist.m3u8", &t);
            proptest::prop_assert_eq!(once.lines().count(), text.lines().count());
            let twice = rewrite(&once, "/hls/abc/360p/playlist.m3u8", &t);
            proptest::prop_assert_eq!(&twice, &once);
        }
    }

    #[test]
    fn dot_segments_are_resolved_like_a_browser() {
        assert_eq!(resolve("/hls/a/master.m3u8", "360p/p.m3u8").as_deref(), Some("/hls/a/360p/p.m3u8"));
        assert_eq!(resolve("/hls/a/360p/p.m3u8", "./s.ts").as_deref(), Some("/hls/a/360p/s.ts"));
        assert_eq!(resolve("/hls/a/360p/p.m3u8", "../../b/360p/s.ts").as_deref(), Some("/hls/b/360p/s.ts"));
        assert_eq!(resolve("/hls/a/360p/p.m3u8", "../../../../../x").as_deref(), Some("/x"));
        assert_eq!(resolve("/hls/a/360p/p.m3u8", ""), None);
    }
}
