//! Pinning a playlist to one published version: every relative URI in an HLS playlist (URI lines and
//! `URI="..."` attributes) gets `v=<version>` added to its query, so a player that loaded this playlist
//! keeps asking for this build's variant playlists, segments and init sections even after a newer build
//! is published (the pointer moves; the old version's objects stay until the keep grace is over). Pure
//! text in, text out; absolute URIs (`https://…`, `//host/…`, `/path`) and every other byte are kept.
//! Signing (`signing::playlist`) runs after this and keeps the query it finds.

use crate::layout::VersionId;

/// The query parameter that names a version.
pub const VERSION_PARAM: &str = "v";

/// `text` with every relative URI pinned to `version`.
pub fn pin(text: &str, version: &VersionId) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for line in text.split_inclusive('\n') {
        let body_len = line.trim_end_matches(['\n', '\r']).len();
        let (body, ending) = line.split_at(body_len);
        let content = body.trim();
        if content.is_empty() || (content.starts_with('#') && !content.contains("URI=\"")) {
            out.push_str(body);
        } else if content.starts_with('#') {
            out.push_str(&pin_attributes(body, version));
        } else {
            let start = body.len() - body.trim_start().len();
            out.push_str(&body[..start]);
            out.push_str(&pin_uri(content, version));
            out.push_str(&body[start + content.len()..]);
        }
        out.push_str(ending);
    }
    out
}

/// The `URI="..."` values of a tag line.
fn pin_attributes(line: &str, version: &VersionId) -> String {
    let mut out = String::with_capacity(line.len() + 32);
    let mut rest = line;
    while let Some(at) = rest.find("URI=\"") {
        let value_start = at + 5;
        // Only a real attribute: at the start of the list or after a comma.
        let before = rest[..at].trim_end();
        let is_attr = before.ends_with(',') || before.ends_with(':');
        let Some(len) = rest[value_start..].find('"') else { break };
        out.push_str(&rest[..value_start]);
        let value = &rest[value_start..value_start + len];
        if is_attr {
            out.push_str(&pin_uri(value, version));
        } else {
            out.push_str(value);
        }
        rest = &rest[value_start + len..];
    }
    out.push_str(rest);
    out
}

fn is_relative(uri: &str) -> bool {
    let scheme_end = uri.find(':');
    let path_end = uri.find(['/', '?', '#']).unwrap_or(uri.len());
    !uri.starts_with('/') && !matches!(scheme_end, Some(i) if i < path_end)
}

fn pin_uri(uri: &str, version: &VersionId) -> String {
    if !is_relative(uri) {
        return uri.to_owned();
    }
    let (main, fragment) = match uri.split_once('#') {
        Some((m, f)) => (m, Some(f)),
        None => (uri, None),
    };
    let (path, query) = main.split_once('?').map_or((main, None), |(p, q)| (p, Some(q)));
    let kept: Vec<&str> = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some(VERSION_PARAM))
        .collect();
    let mut out = format!("{path}?");
    for pair in kept {
        out.push_str(pair);
        out.push('&');
    }
    out.push_str(VERSION_PARAM);
    out.push('=');
    out.push_str(version.as_str());
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v() -> VersionId {
        VersionId::parse("1733385600000-0a1b").unwrap()
    }

    #[test]
    fn relative_uri_lines_and_attributes_get_the_version() {
        let text = "#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:6.0,\nseg_00000.m4s\r\n#EXT-X-ENDLIST\n";
        let got = pin(text, &v());
        assert_eq!(
            got,
            "#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4?v=1733385600000-0a1b\"\n#EXTINF:6.0,\nseg_00000.m4s?v=1733385600000-0a1b\r\n#EXT-X-ENDLIST\n"
        );
    }

    #[test]
    fn absolute_uris_and_comments_are_left_alone() {
        let text = "#EXTM3U\n# a comment URI=\"x\"\nhttps://cdn.test/a.ts\n/hls/abc/360p/a.ts\n//h/a.ts\n";
        assert_eq!(pin(text, &v()), text);
    }

    #[test]
    fn an_existing_query_is_kept_and_an_old_version_replaced() {
        assert_eq!(pin("a.ts?x=1&v=old\n", &v()), "a.ts?x=1&v=1733385600000-0a1b\n");
        assert_eq!(pin("360p/playlist.m3u8", &v()), "360p/playlist.m3u8?v=1733385600000-0a1b");
    }

    #[test]
    fn a_uri_inside_another_attribute_value_is_not_rewritten() {
        let text = "#EXT-X-MEDIA:NAME=\"a URI=\"x\",URI=\"aud/playlist.m3u8\"\n";
        let got = pin(text, &v());
        assert!(got.contains("URI=\"aud/playlist.m3u8?v="), "{got}");
    }
}
