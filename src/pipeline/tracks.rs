//! Which audio and subtitle tracks of a source go into its package (pure except [`find_sidecars`]):
//! audio streams picked by language (`--audio-languages`), the default one (flagged, else the first)
//! kept for the progressive MP4; subtitle streams of the source that are text (mov_text, SubRip,
//! ASS/SSA, WebVTT), sidecar files given with `--subtitles LANG=FILE` or found beside the source as
//! `<stem>.<lang>.srt|vtt`. Image-based subtitles (PGS, DVB, VobSub) are reported and skipped. Each
//! pick gets its BCP 47 language, its menu name and its folder inside `hls/`. It reads no media;
//! `captions` turns the subtitle picks into files.

use std::path::{Path, PathBuf};

use crate::layout::{self, Quality, AUDIO_DIR_PREFIX, SUBTITLES_DIR_PREFIX};
use crate::pipeline::media_groups::{bcp47, display_name, unique_names};
use crate::pipeline::probe::MediaInfo;

/// A subtitle file given by the user or found beside the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubtitleFile {
    /// As given (`en`, `eng`, `pt-BR`); made BCP 47 by the plan.
    pub language: String,
    pub path: PathBuf,
}

/// Parse one `--subtitles LANG=FILE` value.
pub fn parse_subtitles_arg(value: &str) -> Result<SubtitleFile, String> {
    let (lang, path) = value
        .split_once('=')
        .ok_or_else(|| format!("--subtitles {value:?} must be LANG=FILE, e.g. --subtitles en=movie.en.srt"))?;
    if bcp47(Some(lang)) == "und" && !lang.eq_ignore_ascii_case("und") {
        return Err(format!("--subtitles {value:?}: {lang:?} is not a language tag; use e.g. en, es, pt-BR"));
    }
    if path.is_empty() {
        return Err(format!("--subtitles {value:?}: the file name is empty"));
    }
    Ok(SubtitleFile { language: lang.to_owned(), path: PathBuf::from(path) })
}

/// Sidecar subtitles beside `source`: `<stem>.<lang>.srt` and `<stem>.<lang>.vtt` (the extension in
/// any case), sorted by file name. A directory that cannot be read yields none.
pub fn find_sidecars(source: &Path) -> Vec<SubtitleFile> {
    let (Some(dir), Some(stem)) = (source.parent(), source.file_stem().and_then(|s| s.to_str())) else {
        return Vec::new();
    };
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out: Vec<SubtitleFile> = entries
        .filter_map(|e| {
            let e = e.ok()?;
            let name = e.file_name().into_string().ok()?;
            let lang = sidecar_language(stem, &name)?;
            e.file_type().ok()?.is_file().then(|| SubtitleFile { language: lang.to_owned(), path: dir.join(&name) })
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// `langs.fr.srt` for stem `langs` -> `fr`.
pub fn sidecar_language<'a>(stem: &str, name: &'a str) -> Option<&'a str> {
    let rest = name.strip_prefix(stem)?.strip_prefix('.')?;
    let (lang, ext) = rest.rsplit_once('.')?;
    let ext_ok = ext.eq_ignore_ascii_case("srt") || ext.eq_ignore_ascii_case("vtt");
    (ext_ok && !lang.contains('.') && bcp47(Some(lang)) != "und").then_some(lang)
}

/// The user's choice of tracks (resolved by the edge).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackOptions {
    /// Audio languages to keep (`--audio-languages en,es`), `None` for all.
    pub audio_languages: Option<Vec<String>>,
    /// `--subtitles LANG=FILE` files, in the order given.
    pub subtitles: Vec<SubtitleFile>,
    /// Look for `<stem>.<lang>.srt|vtt` beside the source.
    pub sidecars: bool,
    /// Take the source's own subtitle streams.
    pub embedded_subtitles: bool,
}

/// One audio stream kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioPick {
    /// Absolute stream index in the source (`-map 0:<index>`).
    pub index: u32,
    pub language: String,
    pub name: String,
    pub default: bool,
    /// `hls/audio-<lang>` folder.
    pub folder: Quality,
}

/// Where a subtitle track comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubtitleSource {
    /// A text subtitle stream of the source (absolute index, codec).
    Stream {
        index: u32,
        codec: String,
    },
    File(PathBuf),
}

/// One subtitle track kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubtitlePick {
    pub source: SubtitleSource,
    pub language: String,
    pub name: String,
    pub default: bool,
    pub forced: bool,
    /// `hls/subs-<lang>` folder.
    pub folder: Quality,
}

/// The tracks of one source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackPlan {
    pub audio: Vec<AudioPick>,
    pub subtitles: Vec<SubtitlePick>,
    /// What was left out and why, one line each (`subtitle stream #5 (hdmv_pgs_subtitle) is image-based: skipped`).
    pub skipped: Vec<String>,
}

impl TrackPlan {
    /// The audio stream for progressive MP4s: the default pick.
    pub fn default_audio(&self) -> Option<&AudioPick> {
        self.audio.iter().find(|a| a.default).or(self.audio.first())
    }
}

/// Why the tracks cannot be planned (the edge reports it for this input; the batch goes on).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrackError {
    #[error("no audio stream matches --audio-languages {wanted}; the source has: {available}")]
    NoAudioMatch { wanted: String, available: String },
}

/// Plan the tracks of `info`. `sidecars` are the files [`find_sidecars`] found (ignored unless
/// `opts.sidecars`).
pub fn plan(info: &MediaInfo, opts: &TrackOptions, sidecars: &[SubtitleFile]) -> Result<TrackPlan, TrackError> {
    let mut out = TrackPlan::default();

    // Audio.
    let wanted: Option<Vec<String>> = opts.audio_languages.as_ref().map(|l| l.iter().map(|x| bcp47(Some(x))).collect());
    let mut audio: Vec<(u32, String, Option<String>, bool)> = Vec::new();
    for a in &info.audio {
        let lang = bcp47(a.language.as_deref());
        if wanted.as_ref().is_some_and(|w| !w.contains(&lang)) {
            out.skipped.push(format!("audio stream #{} ({lang}) is not in --audio-languages: skipped", a.index));
            continue;
        }
        audio.push((a.index, lang, a.title.clone(), a.default));
    }
    if audio.is_empty() && !info.audio.is_empty() {
        let available: Vec<String> = info.audio.iter().map(|a| bcp47(a.language.as_deref())).collect();
        return Err(TrackError::NoAudioMatch {
            wanted: opts.audio_languages.clone().unwrap_or_default().join(","),
            available: available.join(", "),
        });
    }
    let default_at = audio.iter().position(|a| a.3).unwrap_or(0);
    let mut names: Vec<String> = audio.iter().map(|a| display_name(a.2.as_deref(), &a.1)).collect();
    unique_names(&mut names);
    let folders = folder_names(AUDIO_DIR_PREFIX, audio.iter().map(|a| a.1.as_str()));
    for (i, ((a, name), folder)) in audio.into_iter().zip(names).zip(folders).enumerate() {
        match folder {
            Some(folder) => {
                out.audio.push(AudioPick { index: a.0, language: a.1, name, default: i == default_at, folder })
            }
            None => out.skipped.push(format!("audio stream #{}: language tag {:?} is too long: skipped", a.0, a.1)),
        }
    }
    if !out.audio.is_empty() && !out.audio.iter().any(|a| a.default) {
        out.audio[0].default = true;
    }

    // Subtitles: the user's files, then sidecars, then the source's streams.
    let mut subs: Vec<(SubtitleSource, String, Option<String>, bool)> = Vec::new();
    for f in opts.subtitles.iter().chain(sidecars.iter().filter(|_| opts.sidecars)) {
        if subs.iter().any(|s| s.0 == SubtitleSource::File(f.path.clone())) {
            continue; // a sidecar also given with --subtitles
        }
        subs.push((SubtitleSource::File(f.path.clone()), bcp47(Some(&f.language)), None, false));
    }
    if opts.embedded_subtitles {
        for s in &info.subtitles {
            if !s.is_text() {
                out.skipped.push(format!(
                    "subtitle stream #{} ({}) is image-based and cannot become WebVTT: skipped",
                    s.index, s.codec
                ));
                continue;
            }
            let source = SubtitleSource::Stream { index: s.index, codec: s.codec.clone() };
            subs.push((source, bcp47(s.language.as_deref()), s.title.clone(), s.forced));
        }
    }
    let mut names: Vec<String> = subs
        .iter()
        .map(|s| {
            let n = display_name(s.2.as_deref(), &s.1);
            if s.3 {
                format!("{n} (forced)")
            } else {
                n
            }
        })
        .collect();
    unique_names(&mut names);
    let folders = folder_names(SUBTITLES_DIR_PREFIX, subs.iter().map(|s| s.1.as_str()));
    for ((s, name), folder) in subs.into_iter().zip(names).zip(folders) {
        match folder {
            // Captions are off until the viewer picks a language: DEFAULT=NO everywhere.
            Some(folder) => out.subtitles.push(SubtitlePick {
                source: s.0,
                language: s.1,
                name,
                default: false,
                forced: s.3,
                folder,
            }),
            None => out.skipped.push(format!("subtitles {:?}: language tag {:?} is too long: skipped", s.0, s.1)),
        }
    }
    Ok(out)
}

/// One folder per track: `prefix<lang>`, then `prefix<lang>_2`, ... for repeats.
fn folder_names<'a>(prefix: &str, languages: impl Iterator<Item = &'a str>) -> Vec<Option<Quality>> {
    let mut seen: Vec<&str> = Vec::new();
    languages
        .map(|lang| {
            seen.push(lang);
            let n = seen.iter().filter(|l| **l == lang).count();
            layout::rendition_folder(prefix, lang, n)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::probe::{AudioStream, SubtitleStream};

    fn audio(index: u32, lang: Option<&str>, title: Option<&str>, default: bool) -> AudioStream {
        AudioStream {
            index,
            codec: "aac".into(),
            profile: None,
            channels: 2,
            channel_layout: None,
            sample_rate: Some(48000),
            bit_rate: None,
            language: lang.map(Into::into),
            title: title.map(Into::into),
            default,
        }
    }

    fn sub(index: u32, codec: &str, lang: &str, forced: bool) -> SubtitleStream {
        SubtitleStream { index, codec: codec.into(), language: Some(lang.into()), title: None, default: false, forced }
    }

    fn info(audio: Vec<AudioStream>, subtitles: Vec<SubtitleStream>) -> MediaInfo {
        MediaInfo {
            path: "in.mkv".into(),
            container: "matroska".into(),
            format_name: "matroska,webm".into(),
            duration: Some(8.0),
            start_time: None,
            size: 1,
            bit_rate: None,
            faststart: None,
            fragmented: false,
            video: Vec::new(),
            audio,
            subtitles,
        }
    }

    fn all() -> TrackOptions {
        TrackOptions { sidecars: true, embedded_subtitles: true, ..Default::default() }
    }

    #[test]
    fn every_audio_stream_is_kept_with_its_language_and_the_flagged_default() {
        let i = info(vec![audio(1, Some("eng"), None, false), audio(2, Some("spa"), Some("Castellano"), true)], vec![]);
        let p = plan(&i, &all(), &[]).unwrap();
        let got: Vec<_> = p.audio.iter().map(|a| (a.index, a.language.as_str(), a.name.as_str(), a.default)).collect();
        assert_eq!(got, [(1, "en", "English", false), (2, "es", "Castellano", true)]);
        assert_eq!(p.default_audio().unwrap().index, 2);
        assert_eq!(p.audio[0].folder.as_str(), "audio-en");
    }

    #[test]
    fn audio_languages_pick_and_report_the_rest() {
        let i = info(vec![audio(1, Some("eng"), None, true), audio(2, Some("spa"), None, false)], vec![]);
        let opts = TrackOptions { audio_languages: Some(vec!["es".into()]), ..all() };
        let p = plan(&i, &opts, &[]).unwrap();
        assert_eq!(p.audio.len(), 1);
        assert!(p.audio[0].default, "the only pick is the default");
        assert!(p.skipped[0].contains("#1 (en) is not in --audio-languages"), "{:?}", p.skipped);
        let none = TrackOptions { audio_languages: Some(vec!["fr".into()]), ..all() };
        let err = plan(&i, &none, &[]).unwrap_err().to_string();
        assert_eq!(err, "no audio stream matches --audio-languages fr; the source has: en, es");
    }

    #[test]
    fn a_source_without_audio_plans_no_audio() {
        let p = plan(&info(vec![], vec![]), &all(), &[]).unwrap();
        assert!(p.audio.is_empty() && p.default_audio().is_none());
    }

    #[test]
    fn untagged_audio_streams_get_unique_names() {
        let i = info(vec![audio(1, None, None, false), audio(2, None, None, false)], vec![]);
        let p = plan(&i, &all(), &[]).unwrap();
        let got: Vec<_> = p.audio.iter().map(|a| (a.name.as_str(), a.folder.as_str(), a.default)).collect();
        assert_eq!(got, [("Unknown", "audio-und", true), ("Unknown 2", "audio-und_2", false)]);
    }

    #[test]
    fn subtitles_come_from_files_sidecars_and_text_streams_and_image_ones_are_skipped() {
        let i = info(
            vec![],
            vec![sub(3, "subrip", "eng", false), sub(4, "ass", "spa", true), sub(5, "hdmv_pgs_subtitle", "fre", false)],
        );
        let opts =
            TrackOptions { subtitles: vec![SubtitleFile { language: "de".into(), path: "x/de.srt".into() }], ..all() };
        let sidecars = [SubtitleFile { language: "en".into(), path: "langs.en.vtt".into() }];
        let p = plan(&i, &opts, &sidecars).unwrap();
        let got: Vec<_> =
            p.subtitles.iter().map(|s| (s.language.as_str(), s.name.as_str(), s.folder.as_str(), s.forced)).collect();
        assert_eq!(
            got,
            [
                ("de", "Deutsch", "subs-de", false),
                ("en", "English", "subs-en", false),
                ("en", "English 2", "subs-en_2", false),
                ("es", "Español (forced)", "subs-es", true),
            ]
        );
        assert_eq!(p.subtitles[3].source, SubtitleSource::Stream { index: 4, codec: "ass".into() });
        assert!(p.subtitles.iter().all(|s| !s.default));
        assert_eq!(
            p.skipped,
            ["subtitle stream #5 (hdmv_pgs_subtitle) is image-based and cannot become WebVTT: skipped"]
        );
        let off = TrackOptions { sidecars: false, embedded_subtitles: false, ..opts };
        assert_eq!(plan(&i, &off, &sidecars).unwrap().subtitles.len(), 1, "only the --subtitles file");
    }

    #[test]
    fn subtitles_args_need_a_language_and_a_file() {
        assert_eq!(
            parse_subtitles_arg("pt-BR=a=b.srt").unwrap(),
            SubtitleFile { language: "pt-BR".into(), path: "a=b.srt".into() }
        );
        assert!(parse_subtitles_arg("movie.srt").unwrap_err().contains("LANG=FILE"));
        assert!(parse_subtitles_arg("english=x.srt").unwrap_err().contains("not a language tag"));
        assert!(parse_subtitles_arg("en=").is_err());
    }

    #[test]
    fn sidecars_are_named_stem_lang_ext() {
        assert_eq!(sidecar_language("langs", "langs.fr.srt"), Some("fr"));
        assert_eq!(sidecar_language("langs", "langs.de.VTT"), Some("de"));
        assert_eq!(sidecar_language("langs", "langs.srt"), None);
        assert_eq!(sidecar_language("langs", "langs.x.y.srt"), None);
        assert_eq!(sidecar_language("langs", "langsfr.srt"), None);
        assert_eq!(sidecar_language("langs", "langs.fr.ass"), None);
    }

    #[test]
    fn sidecars_beside_the_fixture_are_found() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let found = find_sidecars(&fixtures.join("langs.mp4"));
        let langs: Vec<_> = found.iter().map(|f| f.language.as_str()).collect();
        assert_eq!(langs, ["de", "fr"]);
        assert!(find_sidecars(&fixtures.join("landscape.mp4")).is_empty());
    }
}
