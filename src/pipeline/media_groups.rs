//! Alternative renditions in the HLS master playlist (pure): `EXT-X-MEDIA` entries of the `AUDIO`
//! group (one AAC rendition per audio language) and the `SUBTITLES` group (one segmented WebVTT
//! rendition per subtitle language), the video variants that point at both groups, and an
//! audio-only variant for listeners on poor links (RFC 8216 4.3.4.1, 4.3.4.2; Apple's authoring
//! rules 4.x: LANGUAGE, NAME, DEFAULT/AUTOSELECT, FORCED only on subtitles). Also the language
//! tags: ffprobe reports ISO 639-2 codes (`eng`), HLS wants BCP 47 (`en`). It measures nothing;
//! `package` gives it the figures.

use std::fmt::Write as _;

use crate::layout::SegmentType;
use crate::pipeline::hls::Variant;

/// The `GROUP-ID` of the audio renditions.
pub const AUDIO_GROUP: &str = "audio";
/// The `GROUP-ID` of the subtitle renditions.
pub const SUBTITLES_GROUP: &str = "subs";

/// One audio rendition: its own media playlist of audio-only segments.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioRendition {
    /// BCP 47 tag (`en`), see [`bcp47`].
    pub language: String,
    /// Human name shown in players' menus (`English`).
    pub name: String,
    pub default: bool,
    /// Relative URI of its media playlist (`audio/en/playlist.m3u8`).
    pub uri: String,
    /// `mp4a.40.2`.
    pub codec: String,
    pub channels: u32,
    /// Peak and average segment bitrate, bit/s.
    pub bandwidth: u64,
    pub average_bandwidth: u64,
}

/// One subtitle rendition: a media playlist of WebVTT segments.
#[derive(Debug, Clone, PartialEq)]
pub struct SubtitleRendition {
    pub language: String,
    pub name: String,
    pub default: bool,
    /// Forced subtitles (only the foreign-language parts); `FORCED=YES`.
    pub forced: bool,
    /// Relative URI of its media playlist (`subs/en/playlist.m3u8`).
    pub uri: String,
}

/// The alternative renditions of a package.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Groups {
    pub audio: Vec<AudioRendition>,
    pub subtitles: Vec<SubtitleRendition>,
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "YES"
    } else {
        "NO"
    }
}

/// Quote-safe attribute text: HLS quoted strings cannot hold `"`, CR or LF.
fn quoted(s: &str) -> String {
    s.chars().filter(|c| *c != '"' && *c != '\r' && *c != '\n').collect()
}

/// The master playlist with groups. The video variants (sorted by bandwidth) carry only video in their
/// segments: each gets `AUDIO="audio"` (when there is audio), `SUBTITLES="subs"` (when there are
/// subtitles), CODECS = its video codec + the audio codec, and a BANDWIDTH that adds the largest audio
/// rendition's (the player may pick any language). Then the audio-only variant (pointing at the
/// default language's playlist, listed last so no player starts with it), then the I-frame streams.
pub fn master_playlist(variants: &[Variant], groups: &Groups, segment_type: SegmentType) -> String {
    let mut sorted: Vec<&Variant> = variants.iter().collect();
    sorted.sort_by_key(|v| (v.bandwidth, v.width));
    let audio_peak = groups.audio.iter().map(|a| a.bandwidth).max().unwrap_or(0);
    let audio_avg = groups.audio.iter().map(|a| a.average_bandwidth).max().unwrap_or(0);
    let audio_codec = groups.audio.first().map(|a| a.codec.as_str());
    let mut s = String::new();
    let _ = writeln!(s, "#EXTM3U");
    let _ = writeln!(s, "#EXT-X-VERSION:{}", if segment_type == SegmentType::Fmp4 { 7 } else { 4 });
    let _ = writeln!(s, "#EXT-X-INDEPENDENT-SEGMENTS");
    for a in &groups.audio {
        let _ = writeln!(
            s,
            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"{AUDIO_GROUP}\",LANGUAGE=\"{}\",NAME=\"{}\",DEFAULT={},AUTOSELECT=YES,CHANNELS=\"{}\",URI=\"{}\"",
            quoted(&a.language),
            quoted(&a.name),
            yes_no(a.default),
            a.channels,
            quoted(&a.uri)
        );
    }
    for t in &groups.subtitles {
        let _ = write!(
            s,
            "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"{SUBTITLES_GROUP}\",LANGUAGE=\"{}\",NAME=\"{}\",DEFAULT={},AUTOSELECT=YES",
            quoted(&t.language),
            quoted(&t.name),
            yes_no(t.default)
        );
        if t.forced {
            let _ = write!(s, ",FORCED=YES");
        }
        let _ = writeln!(s, ",URI=\"{}\"", quoted(&t.uri));
    }
    let mut refs = String::new();
    if !groups.audio.is_empty() {
        let _ = write!(refs, ",AUDIO=\"{AUDIO_GROUP}\"");
    }
    if !groups.subtitles.is_empty() {
        let _ = write!(refs, ",SUBTITLES=\"{SUBTITLES_GROUP}\"");
    }
    for v in &sorted {
        let codecs = match audio_codec {
            Some(a) => format!("{},{a}", v.video_codec),
            None => v.codecs.clone(),
        };
        let _ = writeln!(
            s,
            "#EXT-X-STREAM-INF:BANDWIDTH={},AVERAGE-BANDWIDTH={},CODECS=\"{codecs}\",RESOLUTION={}x{},FRAME-RATE={:.3}{refs}",
            v.bandwidth + audio_peak,
            v.average_bandwidth + audio_avg,
            v.width,
            v.height,
            v.frame_rate
        );
        let _ = writeln!(s, "{}", v.uri);
    }
    if let Some(a) = groups.audio.iter().find(|a| a.default).or(groups.audio.first()) {
        let _ = writeln!(
            s,
            "#EXT-X-STREAM-INF:BANDWIDTH={},AVERAGE-BANDWIDTH={},CODECS=\"{}\",AUDIO=\"{AUDIO_GROUP}\"",
            audio_peak, audio_avg, a.codec
        );
        let _ = writeln!(s, "{}", a.uri);
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

/// Peak bit rate (bit/s) of a rendition by RFC 8216 4.3.4.2's definition: the largest rate of any run
/// of contiguous segments lasting between 0.5 and 1.5 target durations, so that a short last segment
/// (an audio rendition's final AAC frame, mostly container overhead) does not pass for the peak.
/// `segments` are (duration s, bytes). Falls back on the whole rendition's rate.
pub fn peak_bandwidth(segments: &[(f64, u64)], target: f64) -> u64 {
    let rate = |d: f64, b: u64| (b as f64 * 8.0 / d.max(0.001)).ceil() as u64;
    let mut best = 0;
    for i in 0..segments.len() {
        let (mut d, mut b) = (0.0, 0u64);
        for &(sd, sb) in &segments[i..] {
            d += sd;
            b += sb;
            if d > 1.5 * target {
                break;
            }
            if d >= 0.5 * target {
                best = best.max(rate(d, b));
            }
        }
    }
    if best == 0 {
        let d: f64 = segments.iter().map(|s| s.0).sum();
        best = rate(d, segments.iter().map(|s| s.1).sum());
    }
    best
}

/// ISO 639-2 (terminological and bibliographic) -> ISO 639-1 and the language's own name, for the
/// languages a video platform commonly meets. Others keep their 3-letter code (also valid BCP 47).
const LANGUAGES: &[(&[&str], &str, &str)] = &[
    (&["eng"], "en", "English"),
    (&["spa"], "es", "Español"),
    (&["fra", "fre"], "fr", "Français"),
    (&["deu", "ger"], "de", "Deutsch"),
    (&["ita"], "it", "Italiano"),
    (&["por"], "pt", "Português"),
    (&["nld", "dut"], "nl", "Nederlands"),
    (&["rus"], "ru", "Русский"),
    (&["pol"], "pl", "Polski"),
    (&["ukr"], "uk", "Українська"),
    (&["ces", "cze"], "cs", "Čeština"),
    (&["swe"], "sv", "Svenska"),
    (&["nor", "nob"], "no", "Norsk"),
    (&["dan"], "da", "Dansk"),
    (&["fin"], "fi", "Suomi"),
    (&["ell", "gre"], "el", "Ελληνικά"),
    (&["tur"], "tr", "Türkçe"),
    (&["hun"], "hu", "Magyar"),
    (&["ron", "rum"], "ro", "Română"),
    (&["ara"], "ar", "العربية"),
    (&["heb"], "he", "עברית"),
    (&["hin"], "hi", "हिन्दी"),
    (&["zho", "chi"], "zh", "中文"),
    (&["jpn"], "ja", "日本語"),
    (&["kor"], "ko", "한국어"),
    (&["vie"], "vi", "Tiếng Việt"),
    (&["tha"], "th", "ไทย"),
    (&["ind"], "id", "Bahasa Indonesia"),
    (&["cat"], "ca", "Català"),
    (&["eus", "baq"], "eu", "Euskara"),
    (&["glg"], "gl", "Galego"),
];

/// A BCP 47 language tag from a stream's language tag or a user's `--subtitles LANG=` value:
/// 3-letter ISO 639-2 codes map to 2-letter ones where one exists (`eng` -> `en`, `ger` -> `de`),
/// 2-letter codes and region subtags (`pt-BR`) are kept with canonical case, a missing or unusable
/// tag is `und`.
pub fn bcp47(tag: Option<&str>) -> String {
    let Some(tag) = tag.map(str::trim).filter(|t| !t.is_empty()) else { return "und".into() };
    let mut parts = tag.split(['-', '_']);
    let primary = parts.next().unwrap_or("").to_ascii_lowercase();
    if !(2..=3).contains(&primary.len()) || !primary.bytes().all(|b| b.is_ascii_lowercase()) {
        return "und".into();
    }
    let primary =
        LANGUAGES.iter().find(|(codes, _, _)| codes.contains(&primary.as_str())).map_or(primary, |l| l.1.into());
    let mut out = primary;
    for sub in parts {
        if sub.is_empty() || sub.len() > 8 || !sub.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return "und".into();
        }
        out.push('-');
        out.push_str(&match sub.len() {
            2 => sub.to_ascii_uppercase(),
            4 => sub[..1].to_ascii_uppercase() + &sub[1..].to_ascii_lowercase(),
            _ => sub.to_ascii_lowercase(),
        });
    }
    out
}

/// The name shown in menus: the stream's title when it has one, else the language's own name, else
/// the tag itself (`und` -> `Unknown`).
pub fn display_name(title: Option<&str>, language: &str) -> String {
    if let Some(t) = title.map(str::trim).filter(|t| !t.is_empty()) {
        return quoted(t);
    }
    let primary = language.split('-').next().unwrap_or(language);
    match LANGUAGES.iter().find(|(_, two, _)| *two == primary) {
        Some((_, _, name)) if primary == language => (*name).into(),
        Some((_, _, name)) => format!("{name} ({language})"),
        None if language == "und" => "Unknown".into(),
        None => language.into(),
    }
}

/// Names unique within a group (`English`, `English 2`): players list renditions by NAME, and RFC 8216
/// requires distinct NAMEs in a group.
pub fn unique_names(names: &mut [String]) {
    for i in 1..names.len() {
        let mut n = 2;
        let base = names[i].clone();
        while names[..i].contains(&names[i]) {
            names[i] = format!("{base} {n}");
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::hls::{attr, attributes, parse_lines, Line};

    fn variant(q: &str, bw: u64, w: u32, h: u32) -> Variant {
        Variant {
            uri: format!("{q}/playlist.m3u8"),
            iframe_uri: Some(format!("{q}/iframes.m3u8")),
            bandwidth: bw,
            average_bandwidth: bw / 2,
            iframe_bandwidth: bw / 10,
            codecs: "avc1.64001f".into(),
            video_codec: "avc1.64001f".into(),
            width: w,
            height: h,
            frame_rate: 24.0,
        }
    }

    fn audio(lang: &str, name: &str, default: bool, bw: u64) -> AudioRendition {
        AudioRendition {
            language: lang.into(),
            name: name.into(),
            default,
            uri: format!("audio/{lang}/playlist.m3u8"),
            codec: "mp4a.40.2".into(),
            channels: 2,
            bandwidth: bw,
            average_bandwidth: bw - 1000,
        }
    }

    fn groups() -> Groups {
        Groups {
            audio: vec![audio("en", "English", true, 130_000), audio("es", "Español", false, 140_000)],
            subtitles: vec![
                SubtitleRendition {
                    language: "en".into(),
                    name: "English".into(),
                    default: false,
                    forced: false,
                    uri: "subs/en/playlist.m3u8".into(),
                },
                SubtitleRendition {
                    language: "es".into(),
                    name: "Español".into(),
                    default: false,
                    forced: true,
                    uri: "subs/es/playlist.m3u8".into(),
                },
            ],
        }
    }

    fn tags(lines: &[Line], name: &str) -> Vec<Vec<(String, String)>> {
        lines
            .iter()
            .filter_map(|l| match l {
                Line::Tag { name: n, value, .. } if n == name => Some(attributes(value)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn media_entries_carry_language_name_default_and_forced() {
        let text = master_playlist(&[variant("360p", 1_000_000, 640, 360)], &groups(), SegmentType::Ts);
        assert!(text.contains("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",LANGUAGE=\"en\",NAME=\"English\",DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"2\",URI=\"audio/en/playlist.m3u8\"\n"), "{text}");
        assert!(text.contains("LANGUAGE=\"es\",NAME=\"Español\",DEFAULT=NO,AUTOSELECT=YES,CHANNELS=\"2\""), "{text}");
        assert!(text.contains("#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",LANGUAGE=\"es\",NAME=\"Español\",DEFAULT=NO,AUTOSELECT=YES,FORCED=YES,URI=\"subs/es/playlist.m3u8\"\n"), "{text}");
        let lines = parse_lines(&text).unwrap();
        let media = tags(&lines, "EXT-X-MEDIA");
        assert_eq!(media.iter().filter(|a| attr(a, "FORCED").is_some()).count(), 1, "FORCED only where flagged");
    }

    #[test]
    fn video_variants_point_at_both_groups_and_count_the_largest_audio() {
        let text = master_playlist(
            &[variant("480p", 2_000_000, 854, 480), variant("360p", 1_000_000, 640, 360)],
            &groups(),
            SegmentType::Fmp4,
        );
        let lines = parse_lines(&text).unwrap();
        let inf = tags(&lines, "EXT-X-STREAM-INF");
        assert_eq!(inf.len(), 3, "two video variants and one audio-only: {text}");
        assert_eq!(attr(&inf[0], "BANDWIDTH"), Some("1140000"));
        assert_eq!(attr(&inf[0], "AVERAGE-BANDWIDTH"), Some("639000"));
        assert_eq!(attr(&inf[0], "CODECS"), Some("avc1.64001f,mp4a.40.2"));
        assert_eq!((attr(&inf[1], "AUDIO"), attr(&inf[1], "SUBTITLES")), (Some("audio"), Some("subs")));
        assert!(text.contains("#EXT-X-VERSION:7\n"));
        assert!(text.find("360p/playlist.m3u8").unwrap() < text.find("480p/playlist.m3u8").unwrap());
    }

    #[test]
    fn the_audio_only_variant_plays_the_default_language_and_comes_last() {
        let text = master_playlist(&[variant("360p", 1_000_000, 640, 360)], &groups(), SegmentType::Ts);
        assert!(text.contains("#EXT-X-STREAM-INF:BANDWIDTH=140000,AVERAGE-BANDWIDTH=139000,CODECS=\"mp4a.40.2\",AUDIO=\"audio\"\naudio/en/playlist.m3u8\n"), "{text}");
        assert!(text.find("audio/en/playlist.m3u8\n").unwrap() > text.find("360p/playlist.m3u8").unwrap());
        assert!(text.contains("#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=100000,CODECS=\"avc1.64001f\""));
    }

    #[test]
    fn without_groups_the_variants_stay_as_before() {
        let mut v = variant("360p", 1_000_000, 640, 360);
        v.codecs = "avc1.64001f,mp4a.40.2".into();
        let text = master_playlist(&[v.clone()], &Groups::default(), SegmentType::Ts);
        assert_eq!(text, crate::pipeline::hls::master_playlist(&[v], SegmentType::Ts));
    }

    #[test]
    fn subtitles_alone_add_only_the_subtitles_reference() {
        let g = Groups { audio: vec![], subtitles: groups().subtitles };
        let text = master_playlist(&[variant("360p", 1_000_000, 640, 360)], &g, SegmentType::Ts);
        assert!(text.contains("FRAME-RATE=24.000,SUBTITLES=\"subs\"\n360p/playlist.m3u8"), "{text}");
        assert!(!text.contains("AUDIO="));
    }

    #[test]
    fn a_tiny_last_segment_is_not_the_peak() {
        let segs = [(2.005, 35_908), (2.005, 35_908), (1.984, 35_344), (0.021, 940)];
        // Alone, the 0.021 s tail is 358 kbit/s of mostly container overhead; joined to the segment
        // before it (2.005 s, 36284 bytes) it is the real peak.
        assert_eq!(peak_bandwidth(&segs, 2.0), 144_775);
        assert_eq!(peak_bandwidth(&[(0.1, 100)], 6.0), 8000, "too short for any window: the overall rate");
    }

    #[test]
    fn language_tags_become_bcp47() {
        assert_eq!(bcp47(Some("eng")), "en");
        assert_eq!(bcp47(Some("ger")), "de");
        assert_eq!(bcp47(Some("FR")), "fr");
        assert_eq!(bcp47(Some("pt_br")), "pt-BR");
        assert_eq!(bcp47(Some("zh-hant")), "zh-Hant");
        assert_eq!(bcp47(Some("gsw")), "gsw");
        assert_eq!(bcp47(Some("")), "und");
        assert_eq!(bcp47(None), "und");
        assert_eq!(bcp47(Some("english")), "und");
        assert_eq!(bcp47(Some("en\"x")), "und");
    }

    #[test]
    fn names_come_from_titles_then_languages_and_are_unique() {
        assert_eq!(display_name(Some("Director's \"cut\""), "en"), "Director's cut");
        assert_eq!(display_name(None, "es"), "Español");
        assert_eq!(display_name(None, "pt-BR"), "Português (pt-BR)");
        assert_eq!(display_name(None, "und"), "Unknown");
        assert_eq!(display_name(Some("  "), "gsw"), "gsw");
        let mut names = vec!["English".to_string(), "English".into(), "English".into()];
        unique_names(&mut names);
        assert_eq!(names, ["English", "English 2", "English 3"]);
    }
}
