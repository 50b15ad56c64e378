//! After the encode, the parts of an HLS package beyond the video rungs: each audio rendition's
//! playlist measured and rewritten (`hls/audio-<lang>/`), each subtitle language written as WebVTT
//! (`hls/subs-<lang>/`, cut on the first rung's segment boundaries with an `X-TIMESTAMP-MAP` measured
//! on its first segment), and the storyboard's index (`hls/storyboard/storyboard.vtt`) beside the
//! sheets ffmpeg drew. The result is the master playlist's groups plus what to list in `meta.json`
//! and what to report (subtitle tracks that could not be used, tracks skipped).

use std::path::Path;

use anyhow::{bail, Context};
use serde::Serialize;

use crate::layout::{AssetDir, Quality, SegmentType, INIT_SEGMENT, MEDIA_PLAYLIST, STORYBOARD_DIR, STORYBOARD_INDEX};
use crate::pipeline::captions::{self, CaptionError};
use crate::pipeline::hls::{self, Segment};
use crate::pipeline::media_groups::{peak_bandwidth, AudioRendition, Groups};
use crate::pipeline::package::segments_of;
use crate::pipeline::probe::MediaInfo;
use crate::pipeline::process::ToolCommand;
use crate::pipeline::storyboard;
use crate::pipeline::tracks::TrackPlan;
use crate::pipeline::vtt_segment::TimestampMap;

/// What `meta.json` lists of the package's extra renditions (paths relative to the asset folder).
#[derive(Debug, Clone, Default, Serialize)]
pub struct MediaListing {
    pub audio_tracks: Vec<TrackListing>,
    pub captions: Vec<TrackListing>,
    pub storyboard: Option<StoryboardListing>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrackListing {
    pub language: String,
    pub name: String,
    pub default: bool,
    pub forced: bool,
    /// The rendition's media playlist (`hls/subs-en/playlist.m3u8`).
    pub playlist: String,
    /// The whole WebVTT (`hls/subs-en/all.vtt`), subtitles only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vtt: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StoryboardListing {
    /// `hls/storyboard/storyboard.vtt`.
    pub index: String,
    pub sheets: Vec<String>,
    pub interval: f64,
    pub tile_width: u32,
    pub tile_height: u32,
    pub columns: u32,
    pub rows: u32,
}

/// The finished extras.
#[derive(Debug, Clone, Default)]
pub struct MediaPackage {
    pub groups: Groups,
    pub listing: MediaListing,
    /// Subtitle tracks that could not be used (the video is still built; the batch exits 1).
    pub errors: Vec<CaptionError>,
}

/// The first video packet's presentation time (seconds) of the rung in `dir`: the media side of the
/// `X-TIMESTAMP-MAP`. fMP4 segments are read with their init segment.
pub fn first_video_pts(ffprobe: &Path, dir: &Path, first: &Segment, segment_type: SegmentType) -> anyhow::Result<f64> {
    let input = match segment_type {
        SegmentType::Ts => first.uri.clone(),
        SegmentType::Fmp4 => format!("concat:{INIT_SEGMENT}|{}", first.uri),
    };
    let mut cmd = ToolCommand::new(ffprobe);
    cmd.args(["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time", "-of", "csv=p=0"])
        .arg(&input)
        .current_dir(dir);
    let out =
        cmd.output().with_context(|| format!("reading the first timestamps of {}", dir.join(&first.uri).display()))?;
    String::from_utf8_lossy(&out)
        .lines()
        .filter_map(|l| l.trim().trim_end_matches(',').parse::<f64>().ok())
        .reduce(f64::min)
        .with_context(|| format!("{} holds no video packets", dir.join(&first.uri).display()))
}

/// Measure an audio rendition folder ffmpeg wrote and rewrite its playlist like the rungs'.
fn finish_audio(dir: &Path, segment_type: SegmentType, target: u32) -> anyhow::Result<(u64, u64)> {
    let playlist = dir.join(MEDIA_PLAYLIST);
    let segments = segments_of(&playlist)?;
    if segments.is_empty() {
        bail!("{}: ffmpeg wrote no audio segments", playlist.display());
    }
    let mut sized = Vec::new();
    for s in &segments {
        let path = dir.join(&s.uri);
        let len = std::fs::metadata(&path).with_context(|| format!("reading {}", path.display()))?.len();
        sized.push((s.duration, len));
    }
    let bytes: u64 = sized.iter().map(|s| s.1).sum();
    let peak = peak_bandwidth(&sized, target as f64);
    let total: f64 = segments.iter().map(|s| s.duration).sum();
    let average = (bytes as f64 * 8.0 / total.max(0.001)).ceil() as u64;
    let map = (segment_type == SegmentType::Fmp4).then_some(INIT_SEGMENT);
    crate::atomic::write(&playlist, hls::media_playlist(&segments, map).as_bytes())
        .with_context(|| format!("writing {}", playlist.display()))?;
    Ok((peak, average))
}

/// Everything the extras need.
pub struct MediaInputs<'a> {
    pub ffmpeg: &'a Path,
    pub ffprobe: &'a Path,
    /// Absolute path of the source.
    pub input: &'a Path,
    pub info: &'a MediaInfo,
    pub tracks: &'a TrackPlan,
    /// Whether the encode wrote `hls/audio-<lang>/` renditions.
    pub audio_group: bool,
    pub storyboard: Option<&'a storyboard::Plan>,
    /// The lowest rung: its segments set the subtitle boundaries.
    pub first_rung: &'a Quality,
    pub segment_type: SegmentType,
    /// The HLS target segment length (the window of the peak bit rate).
    pub segment_seconds: u32,
}

/// Finish the extras in the staging folder `stage`.
pub fn finish(m: &MediaInputs<'_>, stage: &AssetDir) -> anyhow::Result<MediaPackage> {
    let mut out = MediaPackage::default();
    let rel = |folder: &Quality, file: &str| format!("hls/{folder}/{file}");

    if m.audio_group {
        for a in &m.tracks.audio {
            let (bandwidth, average_bandwidth) =
                finish_audio(&stage.hls_variant_dir(&a.folder), m.segment_type, m.segment_seconds)?;
            out.groups.audio.push(AudioRendition {
                language: a.language.clone(),
                name: a.name.clone(),
                default: a.default,
                uri: format!("{}/{MEDIA_PLAYLIST}", a.folder),
                codec: "mp4a.40.2".into(),
                channels: 2,
                bandwidth,
                average_bandwidth,
            });
            out.listing.audio_tracks.push(TrackListing {
                language: a.language.clone(),
                name: a.name.clone(),
                default: a.default,
                forced: false,
                playlist: rel(&a.folder, MEDIA_PLAYLIST),
                vtt: None,
            });
        }
    }

    if !m.tracks.subtitles.is_empty() {
        let rung_dir = stage.hls_variant_dir(m.first_rung);
        let video = segments_of(&rung_dir.join(MEDIA_PLAYLIST))?;
        let first = video.first().context("the first rung has no segments")?;
        let map = TimestampMap::measured(
            first_video_pts(m.ffprobe, &rung_dir, first, m.segment_type)?,
            m.info.video_start_offset(),
        );
        let work = tempfile::tempdir().context("creating a scratch folder for subtitle conversion")?;
        let cues = captions::read_all(m.ffmpeg, m.input, &m.tracks.subtitles, work.path());
        for (pick, cues) in m.tracks.subtitles.iter().zip(cues) {
            match cues {
                Ok(cues) => {
                    let written = captions::write(stage, pick, &cues, &video, map)?;
                    out.groups.subtitles.push(written.rendition);
                    out.listing.captions.push(TrackListing {
                        language: pick.language.clone(),
                        name: pick.name.clone(),
                        default: pick.default,
                        forced: pick.forced,
                        playlist: rel(&pick.folder, MEDIA_PLAYLIST),
                        vtt: Some(rel(&pick.folder, crate::layout::SUBTITLES_FILE)),
                    });
                }
                Err(e) => out.errors.push(e),
            }
        }
    }

    if let Some(plan) = m.storyboard {
        let dir = stage.storyboard_dir();
        let sheets: Vec<String> = (1..=plan.sheets()).map(storyboard::Plan::sheet_name).collect();
        for s in &sheets {
            if !dir.join(s).is_file() {
                bail!("ffmpeg did not draw the storyboard sheet {}", dir.join(s).display());
            }
        }
        let index = stage.storyboard_index();
        crate::atomic::write(&index, plan.index_vtt().as_bytes())
            .with_context(|| format!("writing {}", index.display()))?;
        out.listing.storyboard = Some(StoryboardListing {
            index: format!("hls/{STORYBOARD_DIR}/{STORYBOARD_INDEX}"),
            sheets: sheets.iter().map(|s| format!("hls/{STORYBOARD_DIR}/{s}")).collect(),
            interval: plan.interval,
            tile_width: plan.tile_width,
            tile_height: plan.tile_height,
            columns: plan.columns,
            rows: plan.rows,
        });
    }
    Ok(out)
}
