//! Subtitle renditions, end to end for one source: reading the cues of every planned track (sidecar
//! files parsed strictly; the source's text streams converted to WebVTT by one ffmpeg run), then
//! writing each language's folder `hls/subs-<lang>/`: `all.vtt` (the whole file, for the progressive
//! player's `<track>`), one WebVTT segment per video segment and the media playlist. A bad or empty
//! track is an error naming its file or stream; the other tracks and the video are unaffected (the
//! caller reports it and the batch exits 1).

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::layout::{AssetDir, MEDIA_PLAYLIST, SUBTITLES_FILE};
use crate::pipeline::hls::Segment;
use crate::pipeline::media_groups::SubtitleRendition;
use crate::pipeline::process::{ToolCommand, FFMPEG_QUIET};
use crate::pipeline::subtitles::{self, Cue};
use crate::pipeline::tracks::{SubtitlePick, SubtitleSource};
use crate::pipeline::vtt_segment::{self, TimestampMap};

/// Largest subtitle file read (sidecar or extracted): 20 MiB is hundreds of hours of dialogue.
pub const MAX_SUBTITLE_BYTES: u64 = 20 << 20;

/// One track that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("subtitles {what}: {reason}")]
pub struct CaptionError {
    /// The file (`movie.en.srt`) or the stream (`stream #3 of movie.mkv`).
    pub what: String,
    pub reason: String,
}

fn describe(pick: &SubtitlePick, input: &Path) -> String {
    match &pick.source {
        SubtitleSource::File(p) => p.display().to_string(),
        SubtitleSource::Stream { index, codec } => format!("stream #{index} ({codec}) of {}", input.display()),
    }
}

fn read_bounded(path: &Path) -> Result<String, String> {
    let len = std::fs::metadata(path).map_err(|e| format!("cannot read it: {e}"))?.len();
    if len > MAX_SUBTITLE_BYTES {
        return Err(format!("{len} bytes is larger than the {MAX_SUBTITLE_BYTES}-byte limit"));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read it: {e}"))?;
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        // Old SubRip files are often Latin-1: keep them readable rather than refuse them.
        Err(e) => Ok(e.into_bytes().iter().map(|&b| b as char).collect()),
    }
}

/// The ffmpeg command that converts the source's text subtitle streams to WebVTT files `sub_<index>.vtt`
/// in the folder it runs in (pure). `None` when no pick is a stream.
pub fn extract_command(ffmpeg: &Path, input: &Path, picks: &[SubtitlePick]) -> Option<ToolCommand> {
    let streams: Vec<u32> = picks
        .iter()
        .filter_map(|p| match p.source {
            SubtitleSource::Stream { index, .. } => Some(index),
            SubtitleSource::File(_) => None,
        })
        .collect();
    if streams.is_empty() {
        return None;
    }
    let mut cmd = ToolCommand::new(ffmpeg);
    cmd.args(FFMPEG_QUIET);
    let mut source = std::ffi::OsString::from("file:");
    source.push(input);
    cmd.arg("-i").arg(source);
    for i in streams {
        cmd.args(["-map".to_owned(), format!("0:{i}"), "-c:s".into(), "webvtt".into(), "-f".into(), "webvtt".into()]);
        cmd.arg(extracted_name(i));
    }
    Some(cmd)
}

fn extracted_name(index: u32) -> String {
    format!("sub_{index}.vtt")
}

/// The cues of every pick, in order: one ffmpeg run (in `work`, a scratch folder) for the source's
/// streams, strict parsing for files.
pub fn read_all(
    ffmpeg: &Path,
    input: &Path,
    picks: &[SubtitlePick],
    work: &Path,
) -> Vec<Result<Vec<Cue>, CaptionError>> {
    let extracted = match extract_command(ffmpeg, input, picks) {
        Some(mut cmd) => {
            cmd.current_dir(work).output().map(|_| ()).map_err(|e| format!("ffmpeg could not convert it: {e}"))
        }
        None => Ok(()),
    };
    picks
        .iter()
        .map(|pick| {
            let err = |reason: String| CaptionError { what: describe(pick, input), reason };
            let text = match &pick.source {
                SubtitleSource::File(path) => read_bounded(path).map_err(err)?,
                SubtitleSource::Stream { index, .. } => {
                    extracted.clone().map_err(err)?;
                    read_bounded(&work.join(extracted_name(*index))).map_err(err)?
                }
            };
            subtitles::parse(&text).map_err(|e| err(e.to_string()))
        })
        .collect()
}

/// What one written rendition holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub rendition: SubtitleRendition,
    pub cues: usize,
    /// Cues that start after the video ends (not in any segment; still in `all.vtt`).
    pub past_the_end: usize,
}

/// Write `hls/<folder>/` of one language in `asset` (the staging folder): `all.vtt`, the segments cut
/// on `video`'s boundaries with `map`, and the playlist. Its URI in the master is `<folder>/playlist.m3u8`.
pub fn write(
    asset: &AssetDir,
    pick: &SubtitlePick,
    cues: &[Cue],
    video: &[Segment],
    map: TimestampMap,
) -> anyhow::Result<Written> {
    let dir: PathBuf = asset.hls_variant_dir(&pick.folder);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let put = |name: &str, text: &str| {
        let path = dir.join(name);
        crate::atomic::write(&path, text.as_bytes()).with_context(|| format!("writing {}", path.display()))
    };
    put(SUBTITLES_FILE, &subtitles::write_vtt(cues))?;
    let (segments, past_the_end) = vtt_segment::segment(cues, video, map, vtt_segment::segment_name);
    for s in &segments {
        put(&s.uri, &s.text)?;
    }
    put(MEDIA_PLAYLIST, &vtt_segment::playlist(&segments))?;
    Ok(Written {
        rendition: SubtitleRendition {
            language: pick.language.clone(),
            name: pick.name.clone(),
            default: pick.default,
            forced: pick.forced,
            uri: format!("{}/{MEDIA_PLAYLIST}", pick.folder),
        },
        cues: cues.len(),
        past_the_end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Quality;

    fn pick(source: SubtitleSource, lang: &str) -> SubtitlePick {
        SubtitlePick {
            source,
            language: lang.into(),
            name: lang.into(),
            default: false,
            forced: false,
            folder: Quality::parse(&format!("subs-{lang}")).unwrap(),
        }
    }

    #[test]
    fn one_ffmpeg_run_converts_every_embedded_stream() {
        let picks = [
            pick(SubtitleSource::Stream { index: 3, codec: "subrip".into() }, "en"),
            pick(SubtitleSource::File("x.srt".into()), "fr"),
            pick(SubtitleSource::Stream { index: 4, codec: "ass".into() }, "es"),
        ];
        let cmd = extract_command(Path::new("ffmpeg"), Path::new("/in/a b.mkv"), &picks).unwrap();
        assert_eq!(
            cmd.display(),
            "ffmpeg -hide_banner -nostdin -loglevel error -y -i 'file:/in/a b.mkv' -map 0:3 -c:s webvtt -f webvtt sub_3.vtt -map 0:4 -c:s webvtt -f webvtt sub_4.vtt"
        );
        assert!(extract_command(Path::new("ffmpeg"), Path::new("a"), &picks[1..2]).is_none());
    }

    #[test]
    fn a_bad_file_is_an_error_naming_it_and_the_others_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.en.srt");
        std::fs::write(&good, "1\n00:00:01,000 --> 00:00:02,000\nHi\n").unwrap();
        let empty = dir.path().join("empty.de.srt");
        std::fs::write(&empty, "").unwrap();
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/malformed.srt");
        let picks = [
            pick(SubtitleSource::File(fixture.clone()), "xx"),
            pick(SubtitleSource::File(good), "en"),
            pick(SubtitleSource::File(empty.clone()), "de"),
            pick(SubtitleSource::File(dir.path().join("missing.srt")), "fr"),
        ];
        let out = read_all(Path::new("ffmpeg-is-not-needed"), Path::new("in.mp4"), &picks, dir.path());
        let e = out[0].as_ref().unwrap_err();
        assert!(e.to_string().starts_with(&format!("subtitles {}: line 2:", fixture.display())), "{e}");
        assert_eq!(out[1].as_ref().unwrap().len(), 1);
        assert_eq!(
            out[2].as_ref().unwrap_err().to_string(),
            format!("subtitles {}: no cues: the file is empty or holds no subtitle text", empty.display())
        );
        assert!(out[3].as_ref().unwrap_err().reason.starts_with("cannot read it"));
    }

    #[test]
    fn a_written_rendition_has_the_whole_file_segments_and_a_playlist() {
        let dir = tempfile::tempdir().unwrap();
        let asset = AssetDir::new(dir.path());
        let cues = subtitles::parse(include_str!("../../fixtures/langs.fr.srt")).unwrap();
        let video = [
            Segment { uri: "seg_00000.ts".into(), duration: 4.0 },
            Segment { uri: "seg_00001.ts".into(), duration: 4.0 },
        ];
        let p = pick(SubtitleSource::File("langs.fr.srt".into()), "fr");
        let w = write(&asset, &p, &cues, &video, TimestampMap::measured(1.4, 0.0)).unwrap();
        assert_eq!((w.cues, w.past_the_end), (2, 0));
        assert_eq!(w.rendition.uri, "subs-fr/playlist.m3u8");
        let folder = dir.path().join("hls/subs-fr");
        let all = std::fs::read_to_string(folder.join("all.vtt")).unwrap();
        assert_eq!(subtitles::parse_vtt(&all).unwrap(), cues);
        let seg1 = std::fs::read_to_string(folder.join("seg_00001.vtt")).unwrap();
        assert!(
            seg1.contains("MPEGTS:126000") && seg1.contains("Français deux") && !seg1.contains("Français un"),
            "{seg1}"
        );
        let playlist = std::fs::read_to_string(folder.join("playlist.m3u8")).unwrap();
        assert!(playlist.contains("#EXTINF:4.000000,\nseg_00001.vtt\n#EXT-X-ENDLIST"), "{playlist}");
    }
}
