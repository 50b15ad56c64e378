//! HLS playlist text (pure): writing media, I-frame and master playlists per RFC 8216 and Apple's
//! authoring rules, and parsing playlists (ffmpeg's, or any package the validator is given) into a
//! simple line model with attribute lists. It does no I/O; `package` measures the real files and
//! `hls_check` applies the rules.

use std::fmt::Write as _;

use crate::layout::SegmentType;

/// One media segment as listed in a playlist.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub uri: String,
    pub duration: f64,
}

/// `EXT-X-TARGETDURATION`: the largest segment duration rounded to the nearest integer (RFC 8216
/// 4.3.3.1), at least 1.
pub fn target_duration(durations: impl IntoIterator<Item = f64>) -> u64 {
    durations.into_iter().map(|d| d.round() as u64).max().unwrap_or(1).max(1)
}

/// A VOD media playlist listing every segment. `map` is the fMP4 init segment (version 6 then,
/// version 3 for plain TS).
pub fn media_playlist(segments: &[Segment], map: Option<&str>) -> String {
    let version = if map.is_some() { 6 } else { 3 };
    let mut s = String::new();
    let _ = writeln!(s, "#EXTM3U");
    let _ = writeln!(s, "#EXT-X-VERSION:{version}");
    let _ = writeln!(s, "#EXT-X-TARGETDURATION:{}", target_duration(segments.iter().map(|s| s.duration)));
    let _ = writeln!(s, "#EXT-X-MEDIA-SEQUENCE:0");
    let _ = writeln!(s, "#EXT-X-PLAYLIST-TYPE:VOD");
    let _ = writeln!(s, "#EXT-X-INDEPENDENT-SEGMENTS");
    if let Some(uri) = map {
        let _ = writeln!(s, "#EXT-X-MAP:URI=\"{uri}\"");
    }
    for seg in segments {
        let _ = writeln!(s, "#EXTINF:{:.6},", seg.duration);
        let _ = writeln!(s, "{}", seg.uri);
    }
    let _ = writeln!(s, "#EXT-X-ENDLIST");
    s
}

/// One I-frame: a byte range of a segment holding one IDR frame, shown for `duration` seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct IFrame {
    pub uri: String,
    pub offset: u64,
    pub length: u64,
    pub duration: f64,
}

/// Media initialisation for an I-frame playlist: the fMP4 init segment, or for TS the PAT/PMT
/// packets at the start of the first segment (a byte range).
#[derive(Debug, Clone, PartialEq)]
pub enum IFrameMap {
    Init(String),
    Range { uri: String, length: u64 },
}

/// An I-frame-only playlist (`EXT-X-I-FRAMES-ONLY`, version 5 for EXT-X-MAP).
pub fn iframe_playlist(frames: &[IFrame], map: &IFrameMap) -> String {
    let mut s = String::new();
    let version = if matches!(map, IFrameMap::Init(_)) { 6 } else { 5 };
    let _ = writeln!(s, "#EXTM3U");
    let _ = writeln!(s, "#EXT-X-VERSION:{version}");
    let _ = writeln!(s, "#EXT-X-TARGETDURATION:{}", target_duration(frames.iter().map(|f| f.duration)));
    let _ = writeln!(s, "#EXT-X-MEDIA-SEQUENCE:0");
    let _ = writeln!(s, "#EXT-X-PLAYLIST-TYPE:VOD");
    let _ = writeln!(s, "#EXT-X-INDEPENDENT-SEGMENTS");
    let _ = writeln!(s, "#EXT-X-I-FRAMES-ONLY");
    match map {
        IFrameMap::Init(uri) => {
            let _ = writeln!(s, "#EXT-X-MAP:URI=\"{uri}\"");
        }
        IFrameMap::Range { uri, length } => {
            let _ = writeln!(s, "#EXT-X-MAP:URI=\"{uri}\",BYTERANGE=\"{length}@0\"");
        }
    }
    for f in frames {
        let _ = writeln!(s, "#EXTINF:{:.6},", f.duration);
        let _ = writeln!(s, "#EXT-X-BYTERANGE:{}@{}", f.length, f.offset);
        let _ = writeln!(s, "{}", f.uri);
    }
    let _ = writeln!(s, "#EXT-X-ENDLIST");
    s
}

/// One variant of the master playlist, with measured figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// Relative URI of the media playlist (`360p/playlist.m3u8`).
    pub uri: String,
    pub iframe_uri: Option<String>,
    /// Peak segment bitrate, bit/s.
    pub bandwidth: u64,
    pub average_bandwidth: u64,
    /// Peak bitrate of the I-frame playlist's ranges, bit/s.
    pub iframe_bandwidth: u64,
    pub codecs: String,
    /// The video codec alone (for the I-frame stream).
    pub video_codec: String,
    pub width: u32,
    pub height: u32,
    pub frame_rate: f64,
}

/// The master playlist: variants sorted by bandwidth, then their I-frame streams.
pub fn master_playlist(variants: &[Variant], segment_type: SegmentType) -> String {
    let mut sorted: Vec<&Variant> = variants.iter().collect();
    sorted.sort_by_key(|v| (v.bandwidth, v.width));
    let mut s = String::new();
    let _ = writeln!(s, "#EXTM3U");
    let _ = writeln!(s, "#EXT-X-VERSION:{}", if segment_type == SegmentType::Fmp4 { 7 } else { 4 });
    let _ = writeln!(s, "#EXT-X-INDEPENDENT-SEGMENTS");
    for v in &sorted {
        let _ = writeln!(
            s,
            "#EXT-X-STREAM-INF:BANDWIDTH={},AVERAGE-BANDWIDTH={},CODECS=\"{}\",RESOLUTION={}x{},FRAME-RATE={:.3}",
            v.bandwidth, v.average_bandwidth, v.codecs, v.width, v.height, v.frame_rate
        );
        let _ = writeln!(s, "{}", v.uri);
    }
    for v in &sorted {
        if let Some(uri) = &v.iframe_uri {
            let _ = writeln!(
                s,
                "#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH={},CODECS=\"{}\",RESOLUTION={}x{},URI=\"{uri}\"",
                v.iframe_bandwidth, v.video_codec, v.width, v.height
            );
        }
    }
    s
}

/// One line of a playlist.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    /// `#EXT...` tag: name without `#` and the text after `:` (empty when none).
    Tag { name: String, value: String, line: usize },
    /// A URI line.
    Uri { uri: String, line: usize },
}

/// Split a playlist into tags and URIs (comments and blank lines dropped). Fails when the first
/// line is not `#EXTM3U`.
pub fn parse_lines(text: &str) -> Result<Vec<Line>, String> {
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim()));
    match lines.next() {
        Some((_, "#EXTM3U")) => {}
        _ => return Err("the first line is not #EXTM3U".into()),
    }
    let mut out = Vec::new();
    for (n, l) in lines {
        if l.is_empty() {
            continue;
        }
        if let Some(tag) = l.strip_prefix("#EXT") {
            let (name, value) = tag.split_once(':').unwrap_or((tag, ""));
            out.push(Line::Tag { name: format!("EXT{name}"), value: value.to_owned(), line: n });
        } else if !l.starts_with('#') {
            out.push(Line::Uri { uri: l.to_owned(), line: n });
        }
    }
    Ok(out)
}

/// Parse an attribute list (`A=1,B="x,y",C=0x1`) into (name, value) pairs, quotes removed.
pub fn attributes(value: &str) -> Vec<(String, String)> {
    crate::m3u8::attributes(value).into_iter().map(|a| (a.name.to_owned(), a.value.to_owned())).collect()
}

/// Look up one attribute.
pub fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// The segments of a media playlist (EXTINF duration + the URI that follows).
pub fn segments(lines: &[Line]) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut pending: Option<f64> = None;
    for l in lines {
        match l {
            Line::Tag { name, value, .. } if name == "EXTINF" => {
                pending = value.split(',').next().and_then(|d| d.trim().parse().ok());
            }
            Line::Uri { uri, .. } => {
                if let Some(duration) = pending.take() {
                    out.push(Segment { uri: uri.clone(), duration });
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs() -> Vec<Segment> {
        vec![
            Segment { uri: "seg_00000.ts".into(), duration: 6.0 },
            Segment { uri: "seg_00001.ts".into(), duration: 6.4 },
        ]
    }

    #[test]
    fn media_playlist_is_vod_lists_every_segment_and_ends() {
        let text = media_playlist(&segs(), None);
        assert!(text.starts_with("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n"), "{text}");
        assert!(text.contains("#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n"));
        assert!(text.ends_with("#EXTINF:6.400000,\nseg_00001.ts\n#EXT-X-ENDLIST\n"), "{text}");
        let parsed = segments(&parse_lines(&text).unwrap());
        assert_eq!(parsed, segs());
    }

    #[test]
    fn target_duration_covers_every_rounded_segment() {
        assert_eq!(target_duration([6.0, 6.4, 2.0]), 6);
        assert_eq!(target_duration([6.0, 6.5]), 7);
        assert_eq!(target_duration([]), 1);
    }

    #[test]
    fn fmp4_playlists_declare_the_init_segment_and_version_6() {
        let text = media_playlist(&segs(), Some("init.mp4"));
        assert!(text.contains("#EXT-X-VERSION:6\n") && text.contains("#EXT-X-MAP:URI=\"init.mp4\"\n"), "{text}");
    }

    #[test]
    fn master_sorts_variants_by_bandwidth_and_lists_iframe_streams() {
        let v = |uri: &str, bw: u64, w: u32, h: u32| Variant {
            uri: format!("{uri}/playlist.m3u8"),
            iframe_uri: Some(format!("{uri}/iframes.m3u8")),
            bandwidth: bw,
            average_bandwidth: bw / 2,
            iframe_bandwidth: bw / 10,
            codecs: "avc1.64001f,mp4a.40.2".into(),
            video_codec: "avc1.64001f".into(),
            width: w,
            height: h,
            frame_rate: 24.0,
        };
        let text = master_playlist(&[v("480p", 2_000_000, 854, 480), v("360p", 1_000_000, 640, 360)], SegmentType::Ts);
        let first = text.find("360p/playlist.m3u8").unwrap();
        assert!(first < text.find("480p/playlist.m3u8").unwrap(), "{text}");
        assert!(text.contains(
            "#EXT-X-STREAM-INF:BANDWIDTH=1000000,AVERAGE-BANDWIDTH=500000,CODECS=\"avc1.64001f,mp4a.40.2\",RESOLUTION=640x360,FRAME-RATE=24.000\n"
        ), "{text}");
        assert!(text.contains("#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=100000,CODECS=\"avc1.64001f\",RESOLUTION=640x360,URI=\"360p/iframes.m3u8\""));
        assert!(text.contains("#EXT-X-INDEPENDENT-SEGMENTS"));
    }

    #[test]
    fn iframe_playlist_has_byteranges_and_a_map() {
        let frames = [IFrame { uri: "seg_00000.ts".into(), offset: 376, length: 9000, duration: 2.0 }];
        let text = iframe_playlist(&frames, &IFrameMap::Range { uri: "seg_00000.ts".into(), length: 376 });
        assert!(text.contains("#EXT-X-I-FRAMES-ONLY\n"));
        assert!(text.contains("#EXT-X-MAP:URI=\"seg_00000.ts\",BYTERANGE=\"376@0\""));
        assert!(text.contains("#EXT-X-BYTERANGE:9000@376\nseg_00000.ts\n"), "{text}");
    }

    #[test]
    fn attribute_lists_keep_commas_inside_quotes() {
        let a = attributes("BANDWIDTH=1,CODECS=\"avc1.64001f,mp4a.40.2\",RESOLUTION=640x360");
        assert_eq!(attr(&a, "CODECS"), Some("avc1.64001f,mp4a.40.2"));
        assert_eq!(attr(&a, "RESOLUTION"), Some("640x360"));
        assert_eq!(attr(&a, "BANDWIDTH"), Some("1"));
    }

    #[test]
    fn playlists_must_start_with_extm3u() {
        assert!(parse_lines("#EXT-X-VERSION:3\n").is_err());
    }
}
