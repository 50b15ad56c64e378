//! The validator's rules for alternative renditions (`EXT-X-MEDIA`) and audio-only variants: every
//! group a variant names resolves, each rendition has TYPE, GROUP-ID, NAME (unique in its group) and
//! LANGUAGE, at most one DEFAULT per group and DEFAULT implies AUTOSELECT, FORCED only on subtitles;
//! each rendition playlist is a complete VOD playlist whose segments exist; subtitle playlists cover
//! the video's duration on exactly the video's segment boundaries and their WebVTT segments carry an
//! `X-TIMESTAMP-MAP`; audio renditions end where the video ends and cut near its boundaries. It is
//! called by `hls_check::check` with the master's lines and the first video rung's segments.

use std::path::Path;

use crate::pipeline::hls::{self, attr, attributes, Line, Segment};
use crate::pipeline::hls_check::Violation;

/// Largest gap between an audio segment boundary and the video's (an AAC frame is 21 ms at 48 kHz;
/// ffmpeg cuts audio-only segments at the first packet past the target).
const AUDIO_BOUNDARY_SLACK: f64 = 0.15;
/// Subtitle segments copy the video's EXTINF values: only rounding may differ.
const SUBTITLE_BOUNDARY_SLACK: f64 = 0.002;

/// What an AUDIO group adds to each variant that names it: the largest rendition's measured peak and
/// average bitrate (a player may pick any language) and the audio codec read from its segments.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioFigures {
    pub peak: u64,
    pub average: u64,
    pub codec: Option<String>,
}

/// Measure the renditions of the AUDIO group `group` (their segments, with ffprobe). `None` when the
/// group has no rendition with a readable playlist (reported by [`check`]).
pub fn audio_group_figures(ffprobe: &Path, base: &Path, lines: &[Line], group: &str) -> Option<AudioFigures> {
    let mut out: Option<AudioFigures> = None;
    for l in lines {
        let Line::Tag { name, value, .. } = l else { continue };
        let a = attributes(value);
        if name != "EXT-X-MEDIA" || attr(&a, "TYPE") != Some("AUDIO") || attr(&a, "GROUP-ID") != Some(group) {
            continue;
        }
        let Some(uri) = attr(&a, "URI") else { continue };
        let path = base.join(uri);
        let Ok(media) =
            std::fs::read_to_string(&path).map_err(|_| ()).and_then(|t| hls::parse_lines(&t).map_err(|_| ()))
        else {
            continue;
        };
        let segments = hls::segments(&media);
        let dir = path.parent().unwrap_or(base);
        let fmp4 = media.iter().any(|l| matches!(l, Line::Tag { name, .. } if name == "EXT-X-MAP"));
        let kind = if fmp4 { crate::layout::SegmentType::Fmp4 } else { crate::layout::SegmentType::Ts };
        if segments.is_empty() || segments.iter().any(|s| !dir.join(&s.uri).is_file()) {
            continue;
        }
        let Ok(m) = crate::pipeline::package::measure(ffprobe, dir, &segments, kind) else { continue };
        let target = media
            .iter()
            .find_map(|l| match l {
                Line::Tag { name, value, .. } if name == "EXT-X-TARGETDURATION" => value.trim().parse::<f64>().ok(),
                _ => None,
            })
            .unwrap_or(6.0);
        let sized: Vec<(f64, u64)> = segments.iter().map(|s| s.duration).zip(m.sizes.iter().copied()).collect();
        let f = AudioFigures {
            peak: crate::pipeline::media_groups::peak_bandwidth(&sized, target),
            average: m.average_bandwidth(&segments),
            codec: m.audio_codec.clone(),
        };
        out = Some(match out {
            None => f,
            Some(o) => {
                AudioFigures { peak: o.peak.max(f.peak), average: o.average.max(f.average), codec: o.codec.or(f.codec) }
            }
        });
    }
    out
}

/// Whether a variant carries no video: its CODECS lists no video codec.
pub fn is_audio_only(attrs: &[(String, String)]) -> bool {
    attr(attrs, "CODECS").is_some_and(|c| {
        !c.split(',')
            .map(str::trim)
            .any(|c| ["avc1", "avc3", "hvc1", "hev1", "av01", "vp09"].iter().any(|v| c.starts_with(v)))
    })
}

fn violation(rung: Option<&str>, segment: Option<&str>, rule: &'static str, detail: impl Into<String>) -> Violation {
    Violation { rung: rung.map(str::to_owned), segment: segment.map(str::to_owned), rule, detail: detail.into() }
}

fn cumulative(segments: &[Segment]) -> Vec<f64> {
    segments
        .iter()
        .scan(0.0, |t, s| {
            *t += s.duration;
            Some(*t)
        })
        .collect()
}

/// Check the `EXT-X-MEDIA` entries and the variants' group references of the master at `base`.
/// `variants` are the master's STREAM-INF attribute lists with their URIs; `video` the segments of a
/// video rung (empty when none could be read).
pub fn check(
    base: &Path,
    lines: &[Line],
    variants: &[(Vec<(String, String)>, String)],
    video: &[Segment],
) -> Vec<Violation> {
    let mut out = Vec::new();
    let media: Vec<Vec<(String, String)>> = lines
        .iter()
        .filter_map(|l| match l {
            Line::Tag { name, value, .. } if name == "EXT-X-MEDIA" => Some(attributes(value)),
            _ => None,
        })
        .collect();

    // Group references resolve to entries of the right TYPE.
    for (a, uri) in variants {
        for (key, kind) in [("AUDIO", "AUDIO"), ("SUBTITLES", "SUBTITLES")] {
            if let Some(group) = attr(a, key) {
                if !media.iter().any(|m| attr(m, "TYPE") == Some(kind) && attr(m, "GROUP-ID") == Some(group)) {
                    out.push(violation(
                        Some(uri),
                        None,
                        "media-group-resolves",
                        format!("{key}=\"{group}\" names no #EXT-X-MEDIA:TYPE={kind},GROUP-ID=\"{group}\""),
                    ));
                }
            }
        }
    }

    let video_total: f64 = video.iter().map(|s| s.duration).sum();
    let video_bounds = cumulative(video);
    for m in &media {
        let name = attr(m, "NAME").unwrap_or("");
        let label = format!("#EXT-X-MEDIA {} {name:?}", attr(m, "TYPE").unwrap_or("?"));
        let at = Some(label.as_str());
        for key in ["TYPE", "GROUP-ID", "NAME", "LANGUAGE"] {
            if attr(m, key).is_none_or(|s| s.trim().is_empty()) {
                out.push(violation(at, None, "media-attributes", format!("lacks {key}")));
            }
        }
        let kind = attr(m, "TYPE").unwrap_or("");
        let group = attr(m, "GROUP-ID").unwrap_or("");
        let same_group: Vec<&Vec<(String, String)>> =
            media.iter().filter(|o| attr(o, "TYPE") == Some(kind) && attr(o, "GROUP-ID") == Some(group)).collect();
        if same_group.iter().filter(|o| attr(o, "NAME") == Some(name)).count() > 1 {
            out.push(violation(
                at,
                None,
                "media-name-unique",
                format!("NAME {name:?} appears twice in group {group:?}"),
            ));
        }
        if attr(m, "DEFAULT") == Some("YES") && attr(m, "AUTOSELECT") != Some("YES") {
            out.push(violation(at, None, "media-default", "DEFAULT=YES requires AUTOSELECT=YES"));
        }
        if attr(m, "FORCED").is_some() && kind != "SUBTITLES" {
            out.push(violation(at, None, "media-forced", "FORCED is only allowed on TYPE=SUBTITLES"));
        }
        if std::ptr::eq(*same_group.first().unwrap_or(&m), m)
            && same_group.iter().filter(|o| attr(o, "DEFAULT") == Some("YES")).count() > 1
        {
            out.push(violation(at, None, "media-default", format!("more than one DEFAULT=YES in group {group:?}")));
        }
        let Some(uri) = attr(m, "URI") else {
            if kind == "SUBTITLES" {
                out.push(violation(at, None, "media-attributes", "a SUBTITLES rendition needs a URI"));
            }
            continue;
        };
        out.extend(check_rendition(base, uri, kind, &video_bounds, video_total));
    }

    // Audio-only variants: their playlist exists and holds audio segments.
    for (a, uri) in variants.iter().filter(|(a, _)| is_audio_only(a)) {
        if !attr(a, "CODECS").is_some_and(|c| c.contains("mp4a")) {
            out.push(violation(
                Some(uri),
                None,
                "audio-only-variant",
                "an audio-only variant's CODECS lists no audio codec",
            ));
        }
        if !base.join(uri).is_file() {
            out.push(violation(Some(uri), None, "audio-only-variant", "its playlist is missing"));
        }
    }
    out
}

/// One rendition's playlist: complete, its segments present, covering the video on its boundaries.
fn check_rendition(base: &Path, uri: &str, kind: &str, video_bounds: &[f64], video_total: f64) -> Vec<Violation> {
    let mut out = Vec::new();
    let rung = Some(uri);
    let path = base.join(uri);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            out.push(violation(rung, None, "media-playlist", format!("cannot read {}: {e}", path.display())));
            return out;
        }
    };
    let lines = match hls::parse_lines(&text) {
        Ok(l) => l,
        Err(e) => {
            out.push(violation(rung, None, "media-playlist", e));
            return out;
        }
    };
    let has = |n: &str| lines.iter().any(|l| matches!(l, Line::Tag { name, .. } if name == n));
    if !has("EXT-X-ENDLIST")
        || !lines
            .iter()
            .any(|l| matches!(l, Line::Tag { name, value, .. } if name == "EXT-X-PLAYLIST-TYPE" && value == "VOD"))
    {
        out.push(violation(
            rung,
            None,
            "media-playlist",
            "not a complete VOD playlist (#EXT-X-PLAYLIST-TYPE:VOD and #EXT-X-ENDLIST)",
        ));
    }
    let segments = hls::segments(&lines);
    if segments.is_empty() {
        out.push(violation(rung, None, "media-playlist", "the playlist lists no segments"));
        return out;
    }
    let dir = path.parent().unwrap_or(base);
    for s in &segments {
        let seg_path = dir.join(&s.uri);
        match std::fs::read(&seg_path) {
            Err(_) => out.push(violation(rung, Some(&s.uri), "segment-present", "the segment file is missing")),
            Ok(bytes) if kind == "SUBTITLES" => {
                let text = String::from_utf8_lossy(&bytes);
                let text = text.trim_start_matches('\u{feff}');
                if !text.starts_with("WEBVTT") {
                    out.push(violation(rung, Some(&s.uri), "webvtt-segment", "does not start with WEBVTT"));
                } else if !text.lines().take_while(|l| !l.trim().is_empty()).any(|l| l.starts_with("X-TIMESTAMP-MAP="))
                {
                    out.push(violation(
                        rung,
                        Some(&s.uri),
                        "webvtt-timestamp-map",
                        "the header has no X-TIMESTAMP-MAP",
                    ));
                }
            }
            Ok(bytes) if bytes.is_empty() => {
                out.push(violation(rung, Some(&s.uri), "segment-present", "the segment file is empty"))
            }
            Ok(_) => {}
        }
    }
    if video_bounds.is_empty() {
        return out;
    }
    let total: f64 = segments.iter().map(|s| s.duration).sum();
    let slack = if kind == "SUBTITLES" { SUBTITLE_BOUNDARY_SLACK } else { AUDIO_BOUNDARY_SLACK };
    if total + slack < video_total {
        out.push(violation(
            rung,
            None,
            "rendition-covers-duration",
            format!("lasts {total:.3} s, the video {video_total:.3} s"),
        ));
    }
    let bounds = cumulative(&segments);
    if kind == "SUBTITLES" && bounds.len() != video_bounds.len() {
        out.push(violation(
            rung,
            None,
            "boundaries-aligned",
            format!("{} segments, the video has {}", bounds.len(), video_bounds.len()),
        ));
    }
    for (i, (b, v)) in bounds.iter().zip(video_bounds).enumerate() {
        if (b - v).abs() > slack {
            out.push(violation(
                rung,
                Some(&segments[i].uri),
                "boundaries-aligned",
                format!("ends at {b:.3} s, the video segment at {v:.3} s"),
            ));
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::hls::parse_lines;
    use crate::pipeline::media_groups::{master_playlist, AudioRendition, Groups, SubtitleRendition};

    fn video() -> Vec<Segment> {
        vec![
            Segment { uri: "seg_00000.ts".into(), duration: 2.0 },
            Segment { uri: "seg_00001.ts".into(), duration: 1.5 },
        ]
    }

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn package(dir: &Path, sub_durations: &[f64], map: bool) -> String {
        let segs: Vec<Segment> = sub_durations
            .iter()
            .enumerate()
            .map(|(i, &d)| Segment { uri: format!("seg_{i:05}.vtt"), duration: d })
            .collect();
        write(dir, "subs-en/playlist.m3u8", &hls::media_playlist(&segs, None));
        for s in &segs {
            let header =
                if map { "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000\n\n" } else { "WEBVTT\n\n" };
            write(dir, &format!("subs-en/{}", s.uri), header);
        }
        let audio: Vec<Segment> =
            vec![Segment { uri: "a0.ts".into(), duration: 2.02 }, Segment { uri: "a1.ts".into(), duration: 1.48 }];
        for lang in ["en", "es"] {
            write(dir, &format!("audio-{lang}/playlist.m3u8"), &hls::media_playlist(&audio, None));
            for s in &audio {
                write(dir, &format!("audio-{lang}/{}", s.uri), "x");
            }
        }
        let a = |lang: &str, default| AudioRendition {
            language: lang.into(),
            name: lang.into(),
            default,
            uri: format!("audio-{lang}/playlist.m3u8"),
            codec: "mp4a.40.2".into(),
            channels: 2,
            bandwidth: 1,
            average_bandwidth: 1,
        };
        let groups = Groups {
            audio: vec![a("en", true), a("es", false)],
            subtitles: vec![SubtitleRendition {
                language: "en".into(),
                name: "English".into(),
                default: false,
                forced: false,
                uri: "subs-en/playlist.m3u8".into(),
            }],
        };
        let v = hls::Variant {
            uri: "360p/playlist.m3u8".into(),
            iframe_uri: None,
            bandwidth: 1,
            average_bandwidth: 1,
            iframe_bandwidth: 1,
            codecs: "avc1.64001e".into(),
            video_codec: "avc1.64001e".into(),
            width: 640,
            height: 360,
            frame_rate: 24.0,
        };
        master_playlist(&[v], &groups, crate::layout::SegmentType::Ts)
    }

    fn run(dir: &Path, master: &str) -> Vec<Violation> {
        let lines = parse_lines(master).unwrap();
        let mut variants = Vec::new();
        let mut pending = None;
        for l in &lines {
            match l {
                Line::Tag { name, value, .. } if name == "EXT-X-STREAM-INF" => pending = Some(attributes(value)),
                Line::Uri { uri, .. } => {
                    if let Some(a) = pending.take() {
                        variants.push((a, uri.clone()));
                    }
                }
                _ => {}
            }
        }
        check(dir, &lines, &variants, &video())
    }

    #[test]
    fn a_package_playtube_writes_passes() {
        let dir = tempfile::tempdir().unwrap();
        let master = package(dir.path(), &[2.0, 1.5], true);
        assert_eq!(run(dir.path(), &master), vec![]);
    }

    #[test]
    fn misaligned_or_short_subtitles_and_missing_maps_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let master = package(dir.path(), &[1.0, 1.0], false);
        let rules: Vec<&str> = run(dir.path(), &master).iter().map(|v| v.rule).collect();
        assert!(rules.contains(&"rendition-covers-duration"), "{rules:?}");
        assert!(rules.contains(&"boundaries-aligned"), "{rules:?}");
        assert!(rules.contains(&"webvtt-timestamp-map"), "{rules:?}");
    }

    #[test]
    fn unresolved_groups_missing_language_and_double_defaults_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let master = package(dir.path(), &[2.0, 1.5], true)
            .replace("SUBTITLES=\"subs\"", "SUBTITLES=\"nope\"")
            .replace("LANGUAGE=\"es\",", "")
            .replace("DEFAULT=NO,AUTOSELECT=YES,CHANNELS", "DEFAULT=YES,AUTOSELECT=YES,CHANNELS");
        let v = run(dir.path(), &master);
        let rules: Vec<&str> = v.iter().map(|v| v.rule).collect();
        assert!(rules.contains(&"media-group-resolves"), "{v:?}");
        assert!(rules.contains(&"media-attributes"), "{v:?}");
        assert!(rules.contains(&"media-default"), "{v:?}");
        std::fs::remove_file(dir.path().join("audio-es/a1.ts")).unwrap();
        assert!(run(dir.path(), &master).iter().any(|v| v.rule == "segment-present"));
    }

    #[test]
    fn audio_only_variants_are_told_by_their_codecs() {
        assert!(is_audio_only(&attributes("BANDWIDTH=1,CODECS=\"mp4a.40.2\"")));
        assert!(!is_audio_only(&attributes("BANDWIDTH=1,CODECS=\"avc1.64001e,mp4a.40.2\"")));
        assert!(!is_audio_only(&attributes("BANDWIDTH=1")));
    }
}
