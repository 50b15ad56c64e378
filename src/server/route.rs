//! The routes, as an enum, and the one function that maps a request path to one. Every name is
//! validated by `layout` (ids, qualities, segment names), so a `Route` can never point outside the
//! assets root. Malformed paths (bad percent-encoding, encoded slashes, backslashes, NUL, `.`/`..`
//! segments) are a 400; well-formed paths that name nothing are a 404. New routes (e.g. the player's
//! `/watch/{id}`) are a variant here and an arm in `handler.rs`.

use std::borrow::Cow;

use crate::layout::{AssetId, Quality, SegmentName, MASTER_PLAYLIST};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Health,
    Stats,
    /// `/stream/{id}`: `<id>/stream.mp4`.
    Stream(AssetId),
    /// `/stream/{id}/{quality}`: `<id>/renditions/<quality>.mp4`.
    Rendition(AssetId, Quality),
    /// `/hls/{id}/master.m3u8`.
    Master(AssetId),
    /// `/hls/{id}/{quality}/{file}`: playlist.m3u8, iframes.m3u8, init.mp4, segments.
    HlsFile(AssetId, Quality, SegmentName),
    /// `/thumb/{id}`: `<id>/thumb.jpg`.
    Thumb(AssetId),
    /// `/watch/{id}`: the watch page (`player.rs`), not a file of the assets root.
    Watch(AssetId),
    /// `/player/{hash}/{name}`: a script or stylesheet of the watch page, embedded in the binary.
    PlayerFile(String, String),
}

/// Why a path maps to no route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error("malformed path")]
    Malformed,
    #[error("no such route")]
    NotFound,
}

/// Map a request path (still percent-encoded, without the query) to a route.
pub fn parse(path: &str) -> Result<Route, RouteError> {
    let rest = path.strip_prefix('/').ok_or(RouteError::Malformed)?;
    let mut decoded: [Cow<'_, str>; 5] = Default::default();
    let mut n = 0;
    for raw in rest.split('/') {
        if n == decoded.len() {
            return Err(RouteError::NotFound);
        }
        decoded[n] = decode_segment(raw)?;
        n += 1;
    }
    let mut seg: [&str; 5] = [""; 5];
    for (slot, d) in seg.iter_mut().zip(&decoded[..n]) {
        *slot = d;
    }
    let seg = &seg[..n];
    let id = |s: &str| AssetId::parse(s).map_err(|_| RouteError::NotFound);
    let quality = |s: &str| Quality::parse(s).map_err(|_| RouteError::NotFound);
    match seg {
        ["health"] => Ok(Route::Health),
        ["stats"] => Ok(Route::Stats),
        ["stream", i] => Ok(Route::Stream(id(i)?)),
        ["stream", i, q] => Ok(Route::Rendition(id(i)?, quality(q)?)),
        ["hls", i, m] if *m == MASTER_PLAYLIST => Ok(Route::Master(id(i)?)),
        ["hls", i, q, f] => {
            let name = SegmentName::parse(f).map_err(|_| RouteError::NotFound)?;
            Ok(Route::HlsFile(id(i)?, quality(q)?, name))
        }
        ["thumb", i] => Ok(Route::Thumb(id(i)?)),
        ["watch", i] => Ok(Route::Watch(id(i)?)),
        ["player", h, f] if is_player_name(h) && is_player_name(f) => {
            Ok(Route::PlayerFile((*h).to_owned(), (*f).to_owned()))
        }
        _ => Err(RouteError::NotFound),
    }
}

/// A hash or file name under `/player/`: `[A-Za-z0-9._-]{1,64}` (`.` and `..` are refused earlier).
fn is_player_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Percent-decode one path segment and refuse anything that could change the path's shape once
/// decoded: `/`, `\`, NUL, control characters, `.` and `..`, and invalid UTF-8.
fn decode_segment(raw: &str) -> Result<Cow<'_, str>, RouteError> {
    let text = percent_encoding::percent_decode_str(raw).decode_utf8().map_err(|_| RouteError::Malformed)?;
    if text.bytes().any(|b| b == b'/' || b == b'\\' || b < 0x20 || b == 0x7f) {
        return Err(RouteError::Malformed);
    }
    if text == "." || text == ".." {
        return Err(RouteError::Malformed);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_route_parses() {
        assert_eq!(parse("/health"), Ok(Route::Health));
        assert_eq!(parse("/stats"), Ok(Route::Stats));
        assert!(matches!(parse("/stream/abc"), Ok(Route::Stream(_))));
        assert!(matches!(parse("/stream/abc/720p"), Ok(Route::Rendition(_, _))));
        assert!(matches!(parse("/hls/abc/master.m3u8"), Ok(Route::Master(_))));
        assert!(matches!(parse("/hls/abc/720p/playlist.m3u8"), Ok(Route::HlsFile(_, _, _))));
        assert!(matches!(parse("/hls/abc/720p/seg_00001.ts"), Ok(Route::HlsFile(_, _, _))));
        assert!(matches!(parse("/hls/abc/720p/init.mp4"), Ok(Route::HlsFile(_, _, _))));
        // Alternative renditions and scrub previews live in their own folders of the HLS tree.
        assert!(matches!(parse("/hls/abc/subs-pt-BR/seg_00001.vtt"), Ok(Route::HlsFile(_, _, _))));
        assert!(matches!(parse("/hls/abc/audio-en_2/playlist.m3u8"), Ok(Route::HlsFile(_, _, _))));
        assert!(matches!(parse("/hls/abc/storyboard/sheet_001.jpg"), Ok(Route::HlsFile(_, _, _))));
        assert!(matches!(parse("/thumb/3f2504e0-4f89-11d3-9a0c-0305e82c3301"), Ok(Route::Thumb(_))));
        assert!(matches!(parse("/watch/abc"), Ok(Route::Watch(_))));
        assert!(
            matches!(parse("/player/0123abcd/hls.min.js"), Ok(Route::PlayerFile(h, f)) if h == "0123abcd" && f == "hls.min.js")
        );
    }

    #[test]
    fn percent_encoded_names_are_decoded_before_validation() {
        assert!(matches!(parse("/stream/ab%63"), Ok(Route::Stream(id)) if id.as_str() == "abc"));
    }

    #[test]
    fn traversal_attempts_are_malformed() {
        for p in [
            "/stream/..",
            "/stream/%2e%2e",
            "/stream/%2E%2E/x",
            "/hls/abc/..%2f..%2fetc/passwd",
            "/stream/a%2fb",
            "/stream/a%5cb",
            "/stream/a\\b",
            "/stream/a%00",
            "/hls/abc/720p/%2e",
            "/stream/%ff",
            "/player/%2e%2e/hls.min.js",
            "/player/x/..",
        ] {
            assert_eq!(parse(p), Err(RouteError::Malformed), "{p}");
        }
    }

    mod properties {
        use super::super::*;
        use crate::layout::Layout;
        use proptest::prelude::*;

        fn file_of(route: &Route, layout: &Layout) -> Option<std::path::PathBuf> {
            match route {
                Route::Health | Route::Stats | Route::Watch(_) | Route::PlayerFile(..) => None,
                Route::Stream(id) => Some(layout.asset(id).stream()),
                Route::Rendition(id, q) => Some(layout.asset(id).rendition(q)),
                Route::Master(id) => Some(layout.asset(id).hls_master()),
                Route::HlsFile(id, q, n) => Some(layout.asset(id).hls_file(q, n)),
                Route::Thumb(id) => Some(layout.asset(id).thumb()),
            }
        }

        proptest! {
            #[test]
            fn any_accepted_path_stays_under_the_root(
                prefix in prop::sample::select(vec!["/stream", "/hls", "/thumb", "/health", ""]),
                segments in prop::collection::vec(
                    prop_oneof![
                        prop::sample::select(vec![
                            "..", ".", "%2e%2e", "%2E.", ".abc", "%2eabc", "%2fetc", "a%5cb", "%00", "abc", "360p",
                            "master.m3u8", "playlist.m3u8", "seg_00001.ts", "init.mp4", "x.m4s", "",
                        ]).prop_map(str::to_owned),
                        "[a-zA-Z0-9_.%-]{1,12}",
                    ],
                    0..5,
                )
            ) {
                let path = format!("{prefix}/{}", segments.join("/"));
                let layout = Layout::new("/srv/assets");
                if let Ok(route) = parse(&path) {
                    if let Some(file) = file_of(&route, &layout) {
                        prop_assert!(file.starts_with("/srv/assets"), "{path} -> {}", file.display());
                        for c in file.components() {
                            prop_assert!(matches!(c, std::path::Component::RootDir | std::path::Component::Normal(_)), "{path} -> {}", file.display());
                        }
                        let rel = file.strip_prefix("/srv/assets").unwrap();
                        let first = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
                        prop_assert!(!first.starts_with('.'), "staging folder reachable: {path}");
                    }
                }
            }

            #[test]
            fn parser_never_panics(path in any::<String>()) {
                let _ = parse(&path);
            }
        }
    }

    #[test]
    fn names_outside_the_layout_are_not_found() {
        for p in [
            "/",
            "/stream",
            "/stream/",
            "/stream/.hidden",
            "/stream/abc/",
            "/hls/abc/x.m3u8",
            "/hls/abc/720p/a.exe",
            "/hls/abc/720p/a.b.ts",
            "/thumb/abc/extra",
            "/a/b/c/d/e/f/g",
            "/stream/%2eabc",
            "/watch/",
            "/watch/a/b",
            "/player/hls.min.js",
            "/player/x/y%20z.js",
        ] {
            assert_eq!(parse(p), Err(RouteError::NotFound), "{p}");
        }
    }
}
