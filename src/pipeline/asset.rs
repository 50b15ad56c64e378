//! One asset, built from data: an [`AssetPlan`] says which products to make (renditions, HLS,
//! stream.mp4, thumb.jpg, meta.json), with which ladder, segments, stream-copy policy and thumbnail;
//! [`build`] makes them from one source into a local staging folder, reporting progress through a
//! callback and returning what it built and how long each step took, or a typed [`AssetError`].
//! [`is_finished`], [`seed`] and [`commit`] are the separate steps around it (skip finished assets,
//! keep the parts of an existing asset the plan does not rebuild, publish the staging folder).
//!
//! It prints nothing and knows nothing of commands, flags or settings: the edge (`cmd`) walks the
//! inputs, resolves the plan once, runs a worker pool and prints; a queue worker or an object-storage
//! publisher calls the same four functions.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use serde::Serialize;

use crate::atomic::StagingDir;
use crate::layout::{
    master_path, rendition_path, AssetDir, Quality, SegmentType, HLS_DIR, META_FILE, RENDITIONS_DIR, STREAM_FILE,
    THUMB_FILE,
};
use crate::pipeline::completeness::{self, PartialSource, PartialSourceError};
use crate::pipeline::encode::{self, AudioOut, EncodePlan, HlsOptions, Remux, SegmentPlan, StoryboardOut};
use crate::pipeline::ladder::{self, Rendition, Rung, SourceShape};
use crate::pipeline::media_groups::Groups;
use crate::pipeline::media_package::{self, MediaInputs, MediaListing, MediaPackage};
use crate::pipeline::package::{self, RungPackage};
use crate::pipeline::probe::{self, MediaInfo};
use crate::pipeline::process::FfmpegProgress;
use crate::pipeline::storyboard::{self, StoryboardOptions};
use crate::pipeline::thumbnail::{self, At};
use crate::pipeline::tools::Tools;
use crate::pipeline::tracks::{self, TrackOptions, TrackPlan};

/// Which files one build makes. Each is a top-level entry of the asset folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Products {
    /// `renditions/<quality>.mp4`, one faststart MP4 per rung.
    pub renditions: bool,
    /// `hls/`: master, media and I-frame playlists and segments.
    pub hls: bool,
    /// `stream.mp4`: the source remuxed (see [`StreamCopy`]) or the best rendition. Needs `renditions`.
    pub stream: bool,
    /// `thumb.jpg`.
    pub thumbnail: bool,
    /// `meta.json`: the probe result.
    pub meta: bool,
}

impl Products {
    /// Only the renditions (`playtube renditions`).
    pub const RENDITIONS: Products =
        Products { renditions: true, hls: false, stream: false, thumbnail: false, meta: false };
    /// Only the HLS package (`playtube hls`).
    pub const HLS: Products = Products { renditions: false, hls: true, stream: false, thumbnail: false, meta: false };
    /// Everything (`playtube prepare`).
    pub const ALL: Products = Products { renditions: true, hls: true, stream: true, thumbnail: true, meta: true };

    /// The top-level entries of the asset folder this build writes (and so replaces).
    pub fn entries(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        for (wanted, name) in [
            (self.renditions, RENDITIONS_DIR),
            (self.hls, HLS_DIR),
            (self.stream, STREAM_FILE),
            (self.thumbnail, THUMB_FILE),
            (self.meta, META_FILE),
        ] {
            if wanted {
                out.push(name);
            }
        }
        out
    }
}

/// Where `stream.mp4` comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StreamCopy {
    /// Remux the source by stream copy when browsers can play it as it is (H.264 4:2:0 8-bit, AAC-LC
    /// or no audio, MP4/MOV, no rotation), in the same ffmpeg run; otherwise the best rendition.
    #[default]
    WhenWebPlayable,
    /// Always the best rendition.
    Never,
}

/// Everything that decides what one build makes, resolved before any work starts. The same plan
/// serves every asset of a batch (or every job of a worker).
#[derive(Debug, Clone)]
pub struct AssetPlan {
    pub products: Products,
    /// The ladder to fit to each source (validated, already filtered by the wanted qualities).
    pub rungs: Vec<Rung>,
    /// x264 preset.
    pub preset: String,
    pub segment_seconds: u32,
    pub segment_type: SegmentType,
    pub stream_copy: StreamCopy,
    /// Thumbnail width in pixels (height follows the aspect ratio).
    pub thumbnail_width: u32,
    pub thumbnail_at: At,
    /// Audio languages and subtitle sources (used when the plan builds HLS; the MP4s take the
    /// default audio language either way).
    pub tracks: TrackOptions,
    /// Scrub previews in the HLS package, drawn in the encode's own run; `None` for none.
    pub storyboard: Option<StoryboardOptions>,
    /// Build from a source that ends before the duration it declares (a damaged or truncated file),
    /// recording [`BuiltAsset::partial_source`] and meta.json's `partial_source`; otherwise such a
    /// source is refused with a [`PartialSourceError`].
    pub allow_partial: bool,
}

impl AssetPlan {
    fn hls_options(&self) -> HlsOptions {
        HlsOptions { segment_seconds: self.segment_seconds, segment_type: self.segment_type }
    }
}

/// What one build starts from.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// A media file: probed, then encoded once into every wanted product.
    Media(&'a Path),
    /// The `renditions/` of this asset folder, segmented into HLS by stream copy (no re-encode).
    /// Only `Products::HLS` can be built this way.
    Renditions(&'a Path),
}

/// Progress of one build, for the caller to draw; the pipeline prints nothing itself.
#[derive(Debug)]
pub enum BuildEvent<'a> {
    /// ffmpeg is starting: its command lines, one per line (for -vv), and the media length its progress
    /// counts to.
    EncodeStarted { command: String, duration_ms: u64 },
    /// One `-progress` block of the running ffmpeg.
    EncodeProgress(&'a FfmpegProgress),
    /// ffmpeg has ended (successfully or not).
    EncodeEnded,
}

/// Where the time went (seconds): ffmpeg's encode vs playtube's own work around it.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Timings {
    pub probe: f64,
    pub encode: f64,
    /// Measuring segments and writing playlists, meta.json, stream.mp4 (playtube's own work).
    pub finish: f64,
    /// The thumbnail (one more short ffmpeg run).
    pub thumbnail: f64,
    /// Syncing the staging folder to disk and renaming it into place (filled in by the caller).
    pub commit: f64,
    /// The whole asset (filled in by the caller).
    pub total: f64,
}

/// One rendition that was written.
#[derive(Debug, Clone, Serialize)]
pub struct RenditionOut {
    pub quality: String,
    /// Relative to the asset folder.
    pub path: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    /// Average bit rate of the file, bit/s.
    pub bit_rate: u64,
}

/// The HLS package that was written.
#[derive(Debug, Clone, Serialize)]
pub struct HlsOut {
    /// Master playlist, relative to the asset folder.
    pub master: String,
    pub segment_type: SegmentType,
    pub segment_seconds: u32,
    pub variants: Vec<RungPackage>,
}

/// What [`build`] produced in the staging folder.
#[derive(Debug, Clone)]
pub struct BuiltAsset {
    /// Source duration in seconds, when known.
    pub duration: Option<f64>,
    pub timings: Timings,
    pub renditions: Vec<RenditionOut>,
    pub hls: Option<HlsOut>,
    /// Audio languages, captions and the storyboard of the HLS package.
    pub media: MediaListing,
    /// Subtitle tracks that could not be used, one message each naming the file or stream: the
    /// asset is built without them and the caller reports a failure (exit 1).
    pub problems: Vec<String>,
    /// Tracks left out on purpose (image-based subtitles, audio not in --audio-languages).
    pub skipped: Vec<String>,
    /// Built from a source only partly readable (only with [`AssetPlan::allow_partial`]).
    pub partial_source: Option<PartialSource>,
}

impl BuiltAsset {
    /// Nothing built (a skipped asset).
    pub fn nothing() -> BuiltAsset {
        BuiltAsset {
            duration: None,
            timings: Timings::default(),
            renditions: Vec::new(),
            hls: None,
            media: MediaListing::default(),
            problems: Vec::new(),
            skipped: Vec::new(),
            partial_source: None,
        }
    }
}

/// `meta.json`: the probe result and, beside it, the package's audio tracks, captions and storyboard.
#[derive(Serialize)]
struct Meta<'a> {
    #[serde(flatten)]
    info: &'a MediaInfo,
    #[serde(flatten)]
    media: &'a MediaListing,
    #[serde(skip_serializing_if = "Option::is_none")]
    partial_source: Option<&'a PartialSource>,
}

/// The step of a build that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The plan asks for something this source cannot give (a caller's mistake).
    Plan,
    /// Reading the source (probe, ladder fit, finding renditions): the input is bad; retrying will not help.
    Source,
    /// Running ffmpeg.
    Encode,
    /// Measuring segments and writing playlists, meta.json, stream.mp4, thumb.jpg, permissions.
    Finish,
    /// Seeding or committing the staging folder.
    Publish,
}

/// Why a build (or its seed/commit step) failed. The message carries the whole cause chain.
#[derive(Debug, thiserror::Error)]
pub enum AssetError {
    /// Ctrl-C or SIGTERM: ffmpeg was stopped; the staging folder is left for the caller to drop.
    #[error("interrupted")]
    Interrupted(#[source] crate::exit::Interrupted),
    /// `cause` carries the whole chain in its message (not a `source`, which would print it twice).
    #[error("{cause:#}")]
    Failed { step: Step, cause: anyhow::Error },
}

impl AssetError {
    fn at(step: Step, err: impl Into<anyhow::Error>) -> AssetError {
        let err = err.into();
        if err.chain().any(|c| c.downcast_ref::<crate::exit::Interrupted>().is_some()) {
            return AssetError::Interrupted(crate::exit::Interrupted);
        }
        AssetError::Failed { step, cause: err }
    }

    /// The step that failed (`None` when interrupted).
    pub fn step(&self) -> Option<Step> {
        match self {
            AssetError::Interrupted(_) => None,
            AssetError::Failed { step, .. } => Some(*step),
        }
    }

    /// The source was refused as only partly readable: it ends before its declared duration, or
    /// (an MP4) is cut short. [`AssetPlan::allow_partial`] would build it.
    pub fn is_partial_source(&self) -> bool {
        let AssetError::Failed { cause, .. } = self else { return false };
        cause.chain().any(|e| {
            e.downcast_ref::<PartialSourceError>().is_some()
                || e.downcast_ref::<probe::ProbeError>().is_some_and(probe::ProbeError::is_truncated)
        })
    }
}

/// Whether `asset` already holds every product of the plan (so a batch may skip it).
pub fn is_finished(plan: &AssetPlan, asset: &AssetDir) -> bool {
    let has_rendition = plan.products.renditions && asset.rendition_files().is_ok_and(|r| !r.is_empty());
    is_finished_in(plan, has_rendition, &|rel| asset.dir().join(rel).is_file())
}

/// The same decision over any store (a local folder, an object-store listing): `has_rendition` says
/// whether `renditions/` holds at least one `<quality>.mp4`, `has_file` whether a file exists at a path
/// relative to the asset folder (`hls/master.m3u8`, `stream.mp4`, `thumb.jpg`, `meta.json`).
pub fn is_finished_in(plan: &AssetPlan, has_rendition: bool, has_file: &dyn Fn(&str) -> bool) -> bool {
    let p = plan.products;
    (!p.renditions || has_rendition)
        && (!p.hls || has_file(&master_path()))
        && (!p.stream || has_file(STREAM_FILE))
        && (!p.thumbnail || has_file(THUMB_FILE))
        && (!p.meta || has_file(META_FILE))
}

/// Fill `staging` with hard links (or copies) to the entries of an existing asset that the plan
/// does not rebuild, so that committing the staging folder replaces the asset whole without dropping
/// them (e.g. `hls` keeps earlier renditions). A missing asset folder seeds nothing.
pub fn seed(plan: &AssetPlan, existing: &AssetDir, staging: &Path) -> Result<(), AssetError> {
    let rebuilt = plan.products.entries();
    let Ok(entries) = std::fs::read_dir(existing.dir()) else { return Ok(()) };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if rebuilt.iter().any(|r| name == *r) {
            continue;
        }
        link_tree(&entry.path(), &staging.join(&name)).map_err(|e| AssetError::at(Step::Publish, e))?;
    }
    Ok(())
}

/// Publish a finished staging folder as `asset`: synced to disk, then renamed over the old folder
/// (readers see the old asset or the new one, never a mix).
pub fn commit(staging: StagingDir, asset: &AssetDir) -> Result<(), AssetError> {
    staging
        .commit(asset.dir())
        .with_context(|| format!("moving the finished asset to {}", asset.dir().display()))
        .map_err(|e| AssetError::at(Step::Publish, e))
}

/// Build the plan's products from `source` into `staging` (a folder the caller made, possibly
/// seeded). Runs ffmpeg once (plus once for the thumbnail), measures the HLS package and makes every
/// file readable. `on_event` sees ffmpeg's start, progress and end.
pub fn build(
    plan: &AssetPlan,
    source: Source<'_>,
    tools: &Tools,
    staging: &Path,
    on_event: &mut dyn FnMut(BuildEvent<'_>),
) -> Result<BuiltAsset, AssetError> {
    match source {
        Source::Renditions(asset) => segment_renditions(plan, &AssetDir::new(asset), tools, staging, on_event),
        Source::Media(input) => encode_source(plan, input, tools, staging, on_event),
    }
}

/// `hls --from-renditions`: segment the asset's renditions by stream copy.
fn segment_renditions(
    plan: &AssetPlan,
    asset: &AssetDir,
    tools: &Tools,
    staging: &Path,
    on_event: &mut dyn FnMut(BuildEvent<'_>),
) -> Result<BuiltAsset, AssetError> {
    if plan.products != Products::HLS {
        return Err(AssetError::at(Step::Plan, anyhow::anyhow!("only an HLS package can be built from renditions")));
    }
    let mut timings = Timings::default();
    let stage = AssetDir::new(staging);
    let t = Instant::now();
    let names: Vec<&str> = plan.rungs.iter().map(|r| r.name.as_str()).collect();
    let qualities = renditions_to_segment(asset, &names)
        .with_context(|| {
            format!("no renditions to segment in {}; run `playtube renditions` first", asset.renditions_dir().display())
        })
        .map_err(|e| AssetError::at(Step::Source, e))?;
    let segment = SegmentPlan {
        inputs: qualities.iter().map(|q| (q.clone(), asset.rendition(q))).collect(),
        hls: plan.hls_options(),
    };
    // The bar's length is the first rendition's duration (a probe reads only its header).
    let first = probe::probe(tools, &segment.inputs[0].1).map_err(|e| AssetError::at(Step::Source, e))?;
    on_event(BuildEvent::EncodeStarted {
        command: segment.command(&tools.ffmpeg, staging).display().to_string(),
        duration_ms: duration_ms(first.duration),
    });
    let result = segment.run(&tools.ffmpeg, staging, &mut |p| on_event(BuildEvent::EncodeProgress(p)));
    on_event(BuildEvent::EncodeEnded);
    result.context("segmenting the renditions").map_err(|e| AssetError::at(Step::Encode, e))?;
    timings.encode = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let variants = package::finish(&tools.ffprobe, &stage.hls_dir(), &qualities, plan.segment_type, &Groups::default())
        .map_err(|e| AssetError::at(Step::Finish, e))?;
    make_readable(staging).map_err(|e| AssetError::at(Step::Finish, e))?;
    timings.finish = t.elapsed().as_secs_f64();
    let duration = variants.first().map(|v| v.duration);
    Ok(BuiltAsset { duration, timings, hls: Some(hls_out(plan, variants)), ..BuiltAsset::nothing() })
}

/// Probe, fit the ladder, encode once, then finish the wanted products.
fn encode_source(
    plan: &AssetPlan,
    input: &Path,
    tools: &Tools,
    staging: &Path,
    on_event: &mut dyn FnMut(BuildEvent<'_>),
) -> Result<BuiltAsset, AssetError> {
    let products = plan.products;
    if products.stream && !products.renditions {
        return Err(AssetError::at(Step::Plan, anyhow::anyhow!("stream.mp4 needs the renditions in the same build")));
    }
    let mut timings = Timings::default();
    let stage = AssetDir::new(staging);

    let t = Instant::now();
    let source = || -> anyhow::Result<_> {
        let abs = std::path::absolute(input).with_context(|| format!("resolving {}", input.display()))?;
        let info =
            if plan.allow_partial { probe::probe_truncated_ok(tools, &abs)? } else { probe::probe(tools, &abs)? };
        let renditions = ladder::fit(&plan.rungs, shape(&info))?;
        Ok((abs, info, renditions))
    };
    let (abs, info, renditions) = source().map_err(|e| AssetError::at(Step::Source, e))?;
    let sidecars = if plan.tracks.sidecars && products.hls { tracks::find_sidecars(input) } else { Vec::new() };
    let mut track_options = plan.tracks.clone();
    if !products.hls {
        // Without an HLS package there is nowhere to put subtitle renditions.
        (track_options.subtitles, track_options.embedded_subtitles) = (Vec::new(), false);
    }
    let track_plan = tracks::plan(&info, &track_options, &sidecars)
        .map_err(|e| AssetError::at(Step::Source, anyhow::Error::new(e)))?;
    // Several audio languages become an AUDIO group; one stays muxed into the rungs as before.
    let audio_group = products.hls && track_plan.audio.len() > 1;
    let top_audio_kbps = renditions.iter().filter_map(|r| r.audio_kbps).max().unwrap_or(128);
    let storyboard_plan = match (products.hls, &plan.storyboard, info.primary_video()) {
        (true, Some(opts), Some(v)) => Some(
            storyboard::Plan::new(opts, info.duration.unwrap_or(0.0), v.display_width, v.display_height)
                .map_err(|e| AssetError::at(Step::Source, anyhow::Error::new(e)))?,
        ),
        _ => None,
    };
    timings.probe = t.elapsed().as_secs_f64();

    let remux = match (products.stream, plan.stream_copy) {
        (true, StreamCopy::WhenWebPlayable) => web_playable(&info),
        _ => Remux::Off,
    };
    let encode = EncodePlan {
        input: abs.clone(),
        renditions: renditions.clone(),
        preset: plan.preset.clone(),
        keyframe_seconds: encode::keyframe_seconds(plan.segment_seconds),
        mp4: products.renditions,
        hls: products.hls.then(|| plan.hls_options()),
        remux,
        audio_stream: track_plan.default_audio().map(|a| a.index),
        audio_renditions: if audio_group {
            track_plan
                .audio
                .iter()
                .map(|a| AudioOut { stream: a.index, folder: a.folder.clone(), kbps: top_audio_kbps })
                .collect()
        } else {
            Vec::new()
        },
        storyboard: storyboard_plan.as_ref().map(|p| StoryboardOut {
            sample: p.sample_filter(),
            tile: p.tile_filter(),
            frames: p.frames,
        }),
    };
    let t = Instant::now();
    // Every command the encode runs, one per line: the storyboard's tiling follows the encode.
    let mut command = encode.command(&tools.ffmpeg, staging).display().to_string();
    if let Some(tiling) = encode.storyboard_command(&tools.ffmpeg, staging) {
        command.push('\n');
        command.push_str(&tiling.display().to_string());
    }
    on_event(BuildEvent::EncodeStarted { command, duration_ms: duration_ms(info.duration) });
    let result = encode::run(&encode, &tools.ffmpeg, staging, &mut |p| on_event(BuildEvent::EncodeProgress(p)));
    on_event(BuildEvent::EncodeEnded);
    result.context("encoding").map_err(|e| AssetError::at(Step::Encode, e))?;
    timings.encode = t.elapsed().as_secs_f64();
    // ffmpeg stops at the first unreadable chunk and still exits 0: compare what it wrote with what
    // the source declares (the first rung's MP4, else its media playlist).
    let first = &renditions[0].quality;
    let written = if products.renditions { stage.rendition(first) } else { stage.hls_playlist(first) };
    let partial_source = completeness::check_output(&tools.ffprobe, info.duration, &written)
        .with_context(|| format!("measuring {}", written.display()))
        .map_err(|e| AssetError::at(Step::Encode, e))?;
    match partial_source {
        Some(p) if !plan.allow_partial => return Err(AssetError::at(Step::Source, PartialSourceError(p))),
        _ => {}
    }

    let t = Instant::now();
    let extras = Extras { input: &abs, tracks: &track_plan, audio_group, storyboard: storyboard_plan.as_ref() };
    let (rendition_outs, hls, extras) =
        write_products(plan, tools, &stage, (&info, partial_source.as_ref()), &renditions, remux, &extras)
            .map_err(|e| AssetError::at(Step::Finish, e))?;
    if products.thumbnail {
        let th = Instant::now();
        let out = stage.thumb();
        thumbnail::write(tools, &abs, &info, plan.thumbnail_at, plan.thumbnail_width, &out)
            .with_context(|| format!("writing {}", out.display()))
            .map_err(|e| AssetError::at(Step::Finish, e))?;
        timings.thumbnail = th.elapsed().as_secs_f64();
    }
    make_readable(staging).map_err(|e| AssetError::at(Step::Finish, e))?;
    timings.finish = t.elapsed().as_secs_f64() - timings.thumbnail;
    Ok(BuiltAsset {
        duration: info.duration,
        timings,
        renditions: rendition_outs,
        hls,
        media: extras.listing,
        problems: extras.errors.iter().map(ToString::to_string).collect(),
        skipped: track_plan.skipped,
        partial_source,
    })
}

/// The audio, subtitle and storyboard parts of one encode, for [`write_products`].
struct Extras<'a> {
    input: &'a Path,
    tracks: &'a TrackPlan,
    audio_group: bool,
    storyboard: Option<&'a storyboard::Plan>,
}

/// After the encode: measure the renditions and the HLS package, write meta.json and stream.mp4.
fn write_products(
    plan: &AssetPlan,
    tools: &Tools,
    stage: &AssetDir,
    (info, partial_source): (&MediaInfo, Option<&PartialSource>),
    renditions: &[Rendition],
    remux: Remux,
    extras: &Extras<'_>,
) -> anyhow::Result<(Vec<RenditionOut>, Option<HlsOut>, MediaPackage)> {
    let products = plan.products;
    let mut rendition_outs = Vec::new();
    if products.renditions {
        for r in renditions {
            let path = stage.rendition(&r.quality);
            let bytes =
                std::fs::metadata(&path).with_context(|| format!("ffmpeg did not write {}", path.display()))?.len();
            let bit_rate = info.duration.filter(|d| *d > 0.0).map(|d| (bytes as f64 * 8.0 / d) as u64).unwrap_or(0);
            rendition_outs.push(RenditionOut {
                quality: r.quality.to_string(),
                path: rendition_path(&r.quality),
                width: r.width,
                height: r.height,
                bytes,
                bit_rate,
            });
        }
    }
    let (hls, media) = if products.hls {
        let qualities: Vec<Quality> = renditions.iter().map(|r| r.quality.clone()).collect();
        let inputs = MediaInputs {
            ffmpeg: &tools.ffmpeg,
            ffprobe: &tools.ffprobe,
            input: extras.input,
            info,
            tracks: extras.tracks,
            audio_group: extras.audio_group,
            storyboard: extras.storyboard,
            first_rung: &qualities[0],
            segment_type: plan.segment_type,
            segment_seconds: plan.segment_seconds,
        };
        let media = media_package::finish(&inputs, stage)?;
        let variants = package::finish(&tools.ffprobe, &stage.hls_dir(), &qualities, plan.segment_type, &media.groups)?;
        (Some(hls_out(plan, variants)), media)
    } else {
        (None, MediaPackage::default())
    };
    if products.meta {
        let meta = serde_json::to_vec_pretty(&Meta { info, media: &media.listing, partial_source })
            .context("serialising meta.json")?;
        crate::atomic::write(&stage.meta(), &meta).with_context(|| format!("writing {}", stage.meta().display()))?;
    }
    if products.stream {
        if remux == Remux::Off {
            let best = stage.rendition(&renditions.last().expect("fit returns at least one rung").quality);
            link_tree(&best, &stage.stream())?;
        }
        if !stage.stream().is_file() {
            anyhow::bail!("stream.mp4 was not written");
        }
    }
    Ok((rendition_outs, hls, media))
}

fn duration_ms(duration: Option<f64>) -> u64 {
    duration.map(|d| (d * 1000.0) as u64).unwrap_or(0)
}

fn hls_out(plan: &AssetPlan, variants: Vec<RungPackage>) -> HlsOut {
    HlsOut { master: master_path(), segment_type: plan.segment_type, segment_seconds: plan.segment_seconds, variants }
}

/// Whether the source can be served as it is (remuxed with faststart): H.264 4:2:0 8-bit in an MP4
/// or MOV, no rotation, AAC-LC or no audio. Says which streams to copy when it can.
pub fn web_playable(info: &MediaInfo) -> Remux {
    let Some(v) = info.primary_video() else { return Remux::Off };
    let profile_ok = matches!(v.profile.as_deref(), Some("Baseline" | "Constrained Baseline" | "Main" | "High"));
    if !info.is_mp4_family()
        || v.codec != "h264"
        || v.pix_fmt.as_deref() != Some("yuv420p")
        || !profile_ok
        || v.rotation != 0
    {
        return Remux::Off;
    }
    match info.audio.first() {
        None => Remux::Video,
        Some(a) if a.codec == "aac" && a.profile.as_deref() == Some("LC") => Remux::VideoAndAudio,
        Some(_) => Remux::Off,
    }
}

fn shape(info: &MediaInfo) -> SourceShape {
    let has_audio = !info.audio.is_empty();
    match info.primary_video() {
        Some(v) => SourceShape { width: v.display_width, height: v.display_height, has_video: true, has_audio },
        None => SourceShape { width: 0, height: 0, has_video: false, has_audio },
    }
}

/// The renditions to segment: those of the configured rungs' names when any exist (a below-ladder
/// source has one rung of its own name), otherwise all; in the asset's one rendition order.
fn renditions_to_segment(asset: &AssetDir, names: &[&str]) -> anyhow::Result<Vec<Quality>> {
    let dir = asset.renditions_dir();
    let found = asset.rendition_files().with_context(|| format!("reading {}", dir.display()))?;
    let named: Vec<Quality> =
        found.iter().filter(|r| names.contains(&r.quality.as_str())).map(|r| r.quality.clone()).collect();
    let chosen = if named.is_empty() { found.into_iter().map(|r| r.quality).collect() } else { named };
    if chosen.is_empty() {
        anyhow::bail!("{} holds no <quality>.mp4 files", dir.display());
    }
    Ok(chosen)
}

fn link_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    if from.is_dir() {
        std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
        for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))?.flatten() {
            link_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
    } else if std::fs::hard_link(from, to).is_err() {
        std::fs::copy(from, to).with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
    }
    Ok(())
}

/// Temp files are created private (0600); assets are served, possibly by another user (nginx), so
/// every file is made readable like the files ffmpeg writes.
fn make_readable(dir: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    for entry in walkdir::WalkDir::new(dir) {
        use std::os::unix::fs::PermissionsExt;
        let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
        let meta = entry.metadata()?;
        let mode = meta.permissions().mode();
        let wanted = if meta.is_dir() { mode | 0o755 } else { mode | 0o644 };
        if wanted != mode {
            std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(wanted))
                .with_context(|| format!("setting permissions of {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// The files of a finished asset folder, relative paths in name order, with sizes (for reports).
pub fn list_files(dir: &Path) -> anyhow::Result<Vec<(String, u64)>> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
            out.push((rel.to_string_lossy().into_owned(), entry.metadata()?.len()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(products: Products) -> AssetPlan {
        AssetPlan {
            products,
            rungs: ladder::default_rungs(),
            preset: "veryfast".into(),
            segment_seconds: 6,
            segment_type: SegmentType::Ts,
            stream_copy: StreamCopy::WhenWebPlayable,
            thumbnail_width: 640,
            thumbnail_at: At::default(),
            tracks: TrackOptions::default(),
            storyboard: None,
            allow_partial: false,
        }
    }

    #[test]
    fn an_asset_is_finished_only_when_every_planned_product_is_there() {
        let hls_only = plan(Products::HLS);
        assert!(is_finished_in(&hls_only, false, &|rel| rel == "hls/master.m3u8"));
        assert!(!is_finished_in(&hls_only, true, &|_| false));
        let all = plan(Products::ALL);
        assert!(!is_finished_in(&all, true, &|rel| rel != "thumb.jpg"));
        assert!(is_finished_in(&all, true, &|_| true));
        assert!(!is_finished_in(&all, false, &|_| true));
    }

    #[test]
    fn seeding_keeps_what_the_plan_does_not_rebuild() {
        let dir = tempfile::tempdir().unwrap();
        let asset = AssetDir::new(dir.path().join("a"));
        std::fs::create_dir_all(asset.renditions_dir()).unwrap();
        std::fs::create_dir_all(asset.hls_dir()).unwrap();
        std::fs::write(asset.rendition(&Quality::parse("360p").unwrap()), b"r").unwrap();
        std::fs::write(asset.hls_master(), b"old").unwrap();
        std::fs::write(asset.thumb(), b"t").unwrap();
        let staging = dir.path().join("staging");
        std::fs::create_dir(&staging).unwrap();
        seed(&plan(Products::HLS), &asset, &staging).unwrap();
        let stage = AssetDir::new(&staging);
        assert!(stage.rendition(&Quality::parse("360p").unwrap()).is_file());
        assert!(stage.thumb().is_file());
        assert!(!stage.hls_dir().exists(), "the rebuilt product is not seeded");
    }

    #[test]
    fn building_stream_mp4_without_renditions_is_refused_before_any_work() {
        let products = Products { stream: true, ..Products::HLS };
        let tools = Tools { ffmpeg: "/nonexistent/ffmpeg".into(), ffprobe: "/nonexistent/ffprobe".into() };
        let err = build(&plan(products), Source::Media(Path::new("in.mp4")), &tools, Path::new("."), &mut |_| {})
            .unwrap_err();
        assert_eq!(err.step(), Some(Step::Plan));
    }
}
