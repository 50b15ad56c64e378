//! The HLS validator: given a master playlist (or an asset folder holding `hls/master.m3u8`), check
//! the package against RFC 8216 and Apple's authoring rules that playtube promises, using the real
//! files: tags and versions, VOD completeness, target duration, every segment listed and present,
//! keyframes at every segment start, boundaries aligned across rungs, BANDWIDTH/AVERAGE-BANDWIDTH
//! measured, CODECS and RESOLUTION matching the encoded streams, I-frame playlists with byte ranges
//! that land on keyframes. It reports violations (rung, segment, rule); it never modifies anything.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;

use crate::layout::{SegmentType, HLS_DIR, MASTER_PLAYLIST};
use crate::pipeline::hls::{self, attr, attributes, Line, Segment};
use crate::pipeline::hls_check_groups as groups;
use crate::pipeline::package::{self, Measurement};

/// One broken rule.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Violation {
    /// The variant (its playlist URI) the violation concerns, if any.
    pub rung: Option<String>,
    /// The segment URI, if any.
    pub segment: Option<String>,
    /// Short rule name, e.g. `keyframe-at-segment-start`.
    pub rule: &'static str,
    pub detail: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(r) = &self.rung {
            write!(f, "{r}: ")?;
        }
        if let Some(s) = &self.segment {
            write!(f, "{s}: ")?;
        }
        write!(f, "[{}] {}", self.rule, self.detail)
    }
}

/// The validator's result for one package.
#[derive(Debug, Serialize)]
pub struct Report {
    #[serde(serialize_with = "crate::inputs::lossy::path")]
    pub master: PathBuf,
    pub variants: usize,
    pub segments: usize,
    pub violations: Vec<Violation>,
}

/// The master playlist a path designates: a `.m3u8` file, an asset folder (`hls/master.m3u8`) or
/// an `hls` folder (`master.m3u8`). `None` when the path is none of these.
pub fn find_master(path: &Path) -> Option<PathBuf> {
    if path.is_file() {
        return path.extension().is_some_and(|e| e.eq_ignore_ascii_case("m3u8")).then(|| path.to_owned());
    }
    [path.join(HLS_DIR).join(MASTER_PLAYLIST), path.join(MASTER_PLAYLIST)].into_iter().find(|p| p.is_file())
}

struct Rules {
    out: Vec<Violation>,
}

impl Rules {
    fn add(&mut self, rung: Option<&str>, segment: Option<&str>, rule: &'static str, detail: impl Into<String>) {
        self.out.push(Violation {
            rung: rung.map(str::to_owned),
            segment: segment.map(str::to_owned),
            rule,
            detail: detail.into(),
        });
    }
}

fn tag<'a>(lines: &'a [Line], name: &str) -> Option<&'a str> {
    lines.iter().find_map(|l| match l {
        Line::Tag { name: n, value, .. } if n == name => Some(value.as_str()),
        _ => None,
    })
}

fn has_tag(lines: &[Line], name: &str) -> bool {
    tag(lines, name).is_some()
}

fn read_playlist(path: &Path) -> anyhow::Result<Vec<Line>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    hls::parse_lines(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Check the package whose master playlist is `master`.
pub fn check(ffprobe: &Path, master: &Path) -> anyhow::Result<Report> {
    let base = master.parent().unwrap_or(Path::new("."));
    let mut r = Rules { out: Vec::new() };
    let lines = match read_playlist(master) {
        Ok(l) => l,
        Err(e) => {
            r.add(None, None, "extm3u", format!("{e:#}"));
            return Ok(Report { master: master.to_owned(), variants: 0, segments: 0, violations: r.out });
        }
    };
    if !has_tag(&lines, "EXT-X-INDEPENDENT-SEGMENTS") {
        r.add(None, None, "independent-segments", "the master playlist lacks #EXT-X-INDEPENDENT-SEGMENTS");
    }

    // Variants: STREAM-INF + the URI line after it.
    let mut variants: Vec<(Vec<(String, String)>, String)> = Vec::new();
    let mut pending: Option<Vec<(String, String)>> = None;
    let mut iframe_streams: Vec<Vec<(String, String)>> = Vec::new();
    for l in &lines {
        match l {
            Line::Tag { name, value, .. } if name == "EXT-X-STREAM-INF" => pending = Some(attributes(value)),
            Line::Tag { name, value, .. } if name == "EXT-X-I-FRAME-STREAM-INF" => {
                iframe_streams.push(attributes(value))
            }
            Line::Uri { uri, .. } => {
                if let Some(a) = pending.take() {
                    variants.push((a, uri.clone()));
                }
            }
            _ => {}
        }
    }
    // Audio-only variants are checked with the AUDIO group (`hls_check_groups`), not as video rungs.
    let (audio_only, variants): (Vec<_>, Vec<_>) = variants.into_iter().partition(|(a, _)| groups::is_audio_only(a));
    if variants.is_empty() {
        r.add(None, None, "variants", "the master playlist lists no #EXT-X-STREAM-INF variant");
    }
    let bandwidths: Vec<u64> =
        variants.iter().map(|(a, _)| attr(a, "BANDWIDTH").and_then(|b| b.parse().ok()).unwrap_or(0)).collect();
    if bandwidths.windows(2).any(|w| w[0] > w[1]) {
        r.add(None, None, "sorted-by-bandwidth", format!("variants are not sorted by BANDWIDTH: {bandwidths:?}"));
    }

    let mut rung_segments: Vec<(String, Vec<Segment>, Measurement)> = Vec::new();
    let mut total_segments = 0;
    for (a, uri) in &variants {
        let rung = Some(uri.as_str());
        for key in ["BANDWIDTH", "AVERAGE-BANDWIDTH", "CODECS", "RESOLUTION", "FRAME-RATE"] {
            if attr(a, key).is_none() {
                r.add(rung, None, "stream-inf-attributes", format!("#EXT-X-STREAM-INF lacks {key}"));
            }
        }
        let path = base.join(uri);
        let media = match read_playlist(&path) {
            Ok(m) => m,
            Err(e) => {
                r.add(rung, None, "variant-playlist", format!("{e:#}"));
                continue;
            }
        };
        let segments = check_media_playlist(&mut r, uri, &media, false);
        total_segments += segments.len();
        let dir = path.parent().unwrap_or(base).to_owned();
        check_listed(&mut r, uri, &dir, &segments, &media);
        if segments.is_empty() || segments.iter().any(|s| !dir.join(&s.uri).is_file()) {
            continue;
        }
        let segment_type = if map_uri(&media).is_some() { SegmentType::Fmp4 } else { SegmentType::Ts };
        let m = match package::measure(ffprobe, &dir, &segments, segment_type) {
            Ok(m) => m,
            Err(e) => {
                r.add(rung, None, "segments-readable", format!("{e:#}"));
                continue;
            }
        };
        for (i, s) in segments.iter().enumerate() {
            if !m.starts_with_keyframe(i) {
                r.add(rung, Some(&s.uri), "keyframe-at-segment-start", "the segment does not start with a keyframe");
            }
        }
        let audio = attr(a, "AUDIO").and_then(|g| groups::audio_group_figures(ffprobe, base, &lines, g));
        check_declared(&mut r, uri, a, &segments, &m, audio.as_ref());
        rung_segments.push((uri.clone(), segments, m));
    }
    check_alignment(&mut r, &rung_segments);
    let video = rung_segments.first().map(|(_, s, _)| s.as_slice()).unwrap_or_default();
    let all: Vec<_> = variants.iter().chain(&audio_only).cloned().collect();
    r.out.extend(groups::check(base, &lines, &all, video));
    check_iframes(&mut r, base, &variants, &iframe_streams, &rung_segments);
    Ok(Report { master: master.to_owned(), variants: variants.len(), segments: total_segments, violations: r.out })
}

fn map_uri(lines: &[Line]) -> Option<String> {
    tag(lines, "EXT-X-MAP").and_then(|v| attr(&attributes(v), "URI").map(str::to_owned))
}

/// Tag-level rules of a media (or I-frame) playlist; returns its segments.
fn check_media_playlist(r: &mut Rules, uri: &str, lines: &[Line], iframes: bool) -> Vec<Segment> {
    let rung = Some(uri);
    let segments = hls::segments(lines);
    let version: u32 = tag(lines, "EXT-X-VERSION").and_then(|v| v.trim().parse().ok()).unwrap_or(1);
    let mut needed = 1;
    if lines.iter().any(|l| matches!(l, Line::Tag { name, value, .. } if name == "EXTINF" && value.contains('.'))) {
        needed = needed.max(3);
    }
    if has_tag(lines, "EXT-X-BYTERANGE") || has_tag(lines, "EXT-X-I-FRAMES-ONLY") {
        needed = needed.max(4);
    }
    if has_tag(lines, "EXT-X-MAP") {
        needed = needed.max(if iframes { 5 } else { 6 });
    }
    if version < needed {
        r.add(rung, None, "version", format!("EXT-X-VERSION is {version} but the tags used need {needed}"));
    }
    if tag(lines, "EXT-X-PLAYLIST-TYPE") != Some("VOD") {
        r.add(rung, None, "playlist-type-vod", "#EXT-X-PLAYLIST-TYPE:VOD is missing");
    }
    if !has_tag(lines, "EXT-X-ENDLIST") {
        r.add(rung, None, "endlist", "#EXT-X-ENDLIST is missing");
    }
    match tag(lines, "EXT-X-TARGETDURATION").and_then(|v| v.trim().parse::<u64>().ok()) {
        None => r.add(rung, None, "target-duration", "#EXT-X-TARGETDURATION is missing"),
        Some(t) => {
            for s in &segments {
                if (s.duration.round() as u64) > t {
                    r.add(
                        rung,
                        Some(&s.uri),
                        "target-duration",
                        format!("EXTINF {:.3} rounds above EXT-X-TARGETDURATION {t}", s.duration),
                    );
                }
            }
        }
    }
    if segments.is_empty() {
        r.add(rung, None, "segments", "the playlist lists no segments");
    }
    segments
}

/// Every segment listed exists; every segment file in the folder is listed.
fn check_listed(r: &mut Rules, uri: &str, dir: &Path, segments: &[Segment], lines: &[Line]) {
    for s in segments {
        match std::fs::metadata(dir.join(&s.uri)) {
            Ok(m) if m.len() > 0 => {}
            Ok(_) => r.add(Some(uri), Some(&s.uri), "segment-present", "the segment file is empty"),
            Err(_) => r.add(Some(uri), Some(&s.uri), "segment-present", "the segment file is missing"),
        }
    }
    let map = map_uri(lines);
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".ts") || n.ends_with(".m4s"))
        .filter(|n| Some(n) != map.as_ref() && !segments.iter().any(|s| &s.uri == n))
        .collect();
    names.sort();
    for n in names {
        r.add(Some(uri), Some(&n), "every-segment-listed", "the segment file is not listed in the playlist");
    }
}

/// BANDWIDTH, AVERAGE-BANDWIDTH, CODECS, RESOLUTION, FRAME-RATE against the measured files.
/// With an AUDIO group (`audio`), the variant's figures add the group's and its CODECS name its codec.
fn check_declared(
    r: &mut Rules,
    uri: &str,
    a: &[(String, String)],
    segments: &[Segment],
    m: &Measurement,
    audio: Option<&groups::AudioFigures>,
) {
    let rung = Some(uri);
    let peak = m.peak_bandwidth(segments) + audio.map_or(0, |f| f.peak);
    let average = m.average_bandwidth(segments) + audio.map_or(0, |f| f.average);
    if let Some(bw) = attr(a, "BANDWIDTH").and_then(|b| b.parse::<u64>().ok()) {
        if bw < peak {
            r.add(
                rung,
                None,
                "bandwidth-peak",
                format!("BANDWIDTH {bw} is below the measured peak segment bitrate {peak}"),
            );
        } else if bw as f64 > peak as f64 * 1.1 + 1000.0 {
            r.add(
                rung,
                None,
                "bandwidth-measured",
                format!("BANDWIDTH {bw} is more than 10 % above the measured peak {peak}"),
            );
        }
    }
    if let Some(avg) = attr(a, "AVERAGE-BANDWIDTH").and_then(|b| b.parse::<u64>().ok()) {
        if (avg as f64 - average as f64).abs() > average as f64 * 0.1 + 1000.0 {
            r.add(
                rung,
                None,
                "average-bandwidth",
                format!("AVERAGE-BANDWIDTH {avg} differs from the measured {average}"),
            );
        }
    }
    let actual = match audio.and_then(|f| f.codec.as_deref()) {
        Some(codec) => m.codecs().map(|c| format!("{c},{codec}")),
        None => m.codecs(),
    };
    if let (Some(declared), Some(actual)) = (attr(a, "CODECS"), actual) {
        if declared != actual {
            r.add(rung, None, "codecs", format!("CODECS {declared:?} but the segments hold {actual:?}"));
        }
    }
    if let Some(res) = attr(a, "RESOLUTION") {
        let actual = format!("{}x{}", m.width, m.height);
        if res != actual {
            r.add(rung, None, "resolution", format!("RESOLUTION {res} but the video is {actual}"));
        }
    }
    if let Some(fr) = attr(a, "FRAME-RATE").and_then(|f| f.parse::<f64>().ok()) {
        if m.frame_rate > 0.0 && (fr - m.frame_rate).abs() > 0.01 * m.frame_rate + 0.01 {
            r.add(rung, None, "frame-rate", format!("FRAME-RATE {fr} but the video runs at {:.3}", m.frame_rate));
        }
    }
}

/// Segment boundaries must fall at the same times in every rung (players switch at boundaries).
fn check_alignment(r: &mut Rules, rungs: &[(String, Vec<Segment>, Measurement)]) {
    let Some((first_uri, first_segs, first_m)) = rungs.first() else { return };
    let base_times = first_m.segment_start_times();
    for (uri, segs, m) in &rungs[1..] {
        if segs.len() != first_segs.len() {
            r.add(
                Some(uri),
                None,
                "aligned-segments",
                format!("{} segments but {first_uri} has {}", segs.len(), first_segs.len()),
            );
            continue;
        }
        let times = m.segment_start_times();
        let (t0, b0) = (times[0].unwrap_or(0.0), base_times[0].unwrap_or(0.0));
        for (i, (t, b)) in times.iter().zip(&base_times).enumerate() {
            if let (Some(t), Some(b)) = (t, b) {
                if ((t - t0) - (b - b0)).abs() > 0.05 {
                    r.add(
                        Some(uri),
                        Some(&segs[i].uri),
                        "aligned-segments",
                        format!("starts at {:.3} s, {first_uri} at {:.3} s", t - t0, b - b0),
                    );
                }
            }
        }
    }
}

/// One I-frame stream per variant; its playlist's byte ranges land on keyframes of real segments.
fn check_iframes(
    r: &mut Rules,
    base: &Path,
    variants: &[(Vec<(String, String)>, String)],
    streams: &[Vec<(String, String)>],
    rungs: &[(String, Vec<Segment>, Measurement)],
) {
    for (a, uri) in variants {
        let res = attr(a, "RESOLUTION");
        if !streams.iter().any(|s| attr(s, "RESOLUTION") == res) {
            r.add(Some(uri), None, "iframe-stream", "no #EXT-X-I-FRAME-STREAM-INF for this variant's resolution");
        }
    }
    for s in streams {
        let Some(iuri) = attr(s, "URI") else {
            r.add(None, None, "iframe-stream", "#EXT-X-I-FRAME-STREAM-INF without URI");
            continue;
        };
        let path = base.join(iuri);
        let lines = match read_playlist(&path) {
            Ok(l) => l,
            Err(e) => {
                r.add(Some(iuri), None, "iframe-playlist", format!("{e:#}"));
                continue;
            }
        };
        if !has_tag(&lines, "EXT-X-I-FRAMES-ONLY") {
            r.add(Some(iuri), None, "iframe-playlist", "#EXT-X-I-FRAMES-ONLY is missing");
        }
        check_media_playlist(r, iuri, &lines, true);
        let dir = path.parent().unwrap_or(base);
        let measured = rungs.iter().find(|(u, _, _)| base.join(u).parent() == Some(dir));
        let mut range: Option<(u64, Option<u64>)> = None;
        for l in &lines {
            match l {
                Line::Tag { name, value, .. } if name == "EXT-X-BYTERANGE" => {
                    let (len, off) = value.split_once('@').unwrap_or((value, ""));
                    range = len.parse().ok().map(|len| (len, off.parse().ok()));
                }
                Line::Uri { uri: seg, .. } => {
                    let Some((len, Some(off))) = range.take() else {
                        r.add(Some(iuri), Some(seg), "iframe-byterange", "entry without EXT-X-BYTERANGE length@offset");
                        continue;
                    };
                    let size = std::fs::metadata(dir.join(seg)).map(|m| m.len()).unwrap_or(0);
                    if off + len > size {
                        r.add(
                            Some(iuri),
                            Some(seg),
                            "iframe-byterange",
                            format!("range {len}@{off} runs past the file ({size} bytes)"),
                        );
                        continue;
                    }
                    if let Some((_, segs, m)) = measured {
                        if let Some(i) = segs.iter().position(|s| &s.uri == seg) {
                            let on_key = m.packets[i].iter().any(|p| {
                                let rel = p.pos - m.starts[i];
                                p.key && rel >= off && rel < off + len
                            });
                            if !on_key {
                                r.add(
                                    Some(iuri),
                                    Some(seg),
                                    "iframe-byterange",
                                    format!("range {len}@{off} holds no keyframe"),
                                );
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
}
