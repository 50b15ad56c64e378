//! What `renditions`, `hls` and `prepare` build for one asset, inside its staging folder: probe the
//! source, fit the ladder, run the one ffmpeg process (or the stream-copy segmenter for
//! `--from-renditions`), finish the HLS package from the real segments, and for `prepare` write
//! meta.json, thumb.jpg and stream.mp4. Batch bookkeeping, skipping and the final rename are in
//! `transcode`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use serde::Serialize;

use super::transcode::BatchCtx;
use crate::config::pipeline::SegmentType;
use crate::layout::{AssetDir, Quality, HLS_DIR, RENDITIONS_DIR};
use crate::pipeline::encode::{EncodePlan, HlsOptions, SegmentPlan};
use crate::pipeline::ladder::{self, SourceShape};
use crate::pipeline::package::{self, RungPackage};
use crate::pipeline::probe::{self, MediaInfo};
use crate::pipeline::thumbnail;

/// Which command is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Renditions,
    Hls,
    HlsFromRenditions,
    Prepare,
}

/// Where the time went (seconds): ffmpeg's encode vs playtube's own work around it.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Timings {
    pub probe: f64,
    pub encode: f64,
    /// Measuring segments and writing playlists, meta.json, stream.mp4 (playtube's own work).
    pub finish: f64,
    /// The thumbnail (one more short ffmpeg run, `prepare` only).
    pub thumbnail: f64,
    /// Syncing the staging folder to disk and renaming it into place.
    pub commit: f64,
    pub total: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RenditionOut {
    pub quality: String,
    pub path: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    /// Average bit rate of the file, bit/s.
    pub bit_rate: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct HlsOut {
    pub master: String,
    pub segment_type: SegmentType,
    pub segment_seconds: u32,
    pub variants: Vec<RungPackage>,
}

/// What `build` produced.
pub struct Built {
    pub duration: Option<f64>,
    pub timings: Timings,
    pub renditions: Vec<RenditionOut>,
    pub hls: Option<HlsOut>,
}

/// Whether the final asset already holds this command's outputs.
pub fn is_finished(kind: Kind, asset: &AssetDir) -> bool {
    let renditions = || {
        std::fs::read_dir(asset.renditions_dir())
            .map(|d| d.flatten().any(|e| e.path().extension().is_some_and(|x| x == "mp4")))
            .unwrap_or(false)
    };
    let hls = || asset.hls_master().is_file();
    match kind {
        Kind::Renditions => renditions(),
        Kind::Hls | Kind::HlsFromRenditions => hls(),
        Kind::Prepare => {
            renditions() && hls() && asset.meta().is_file() && asset.thumb().is_file() && asset.stream().is_file()
        }
    }
}

/// Fill the staging folder with hard links to the parts of an existing asset this command keeps
/// (so `hls` does not drop earlier renditions, and the commit replaces the folder whole).
pub fn seed(kind: Kind, asset: &AssetDir, staging: &Path) -> anyhow::Result<()> {
    let rebuilt: &[&str] = match kind {
        Kind::Renditions => &[RENDITIONS_DIR],
        Kind::Hls | Kind::HlsFromRenditions => &[HLS_DIR],
        Kind::Prepare => return Ok(()),
    };
    let Ok(entries) = std::fs::read_dir(asset.dir()) else { return Ok(()) };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if rebuilt.iter().any(|r| name == *r) {
            continue;
        }
        link_tree(&entry.path(), &staging.join(&name))?;
    }
    Ok(())
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

/// Whether the source can be served as it is (remuxed with faststart): H.264 4:2:0 8-bit in an MP4
/// or MOV, no rotation, AAC-LC or no audio. `Some(has_audio)` when it can.
pub fn web_playable(info: &MediaInfo) -> Option<bool> {
    let v = info.primary_video()?;
    let profile_ok = matches!(v.profile.as_deref(), Some("Baseline" | "Constrained Baseline" | "Main" | "High"));
    if !info.is_mp4_family()
        || v.codec != "h264"
        || v.pix_fmt.as_deref() != Some("yuv420p")
        || !profile_ok
        || v.rotation != 0
    {
        return None;
    }
    match info.audio.first() {
        None => Some(false),
        Some(a) if a.codec == "aac" && a.profile.as_deref() == Some("LC") => Some(true),
        Some(_) => None,
    }
}

fn shape(info: &MediaInfo) -> SourceShape {
    match info.primary_video() {
        Some(v) => SourceShape {
            width: v.display_width,
            height: v.display_height,
            has_video: true,
            has_audio: !info.audio.is_empty(),
        },
        None => SourceShape { width: 0, height: 0, has_video: false, has_audio: !info.audio.is_empty() },
    }
}

/// Build one asset into `staging`.
pub fn build(
    ctx: &BatchCtx<'_>,
    input: &Path,
    final_dir: &AssetDir,
    staging: &Path,
    name: &str,
) -> anyhow::Result<Built> {
    let mut timings = Timings::default();
    let stage = AssetDir::new(staging);
    let p = &ctx.pipeline;
    let hls_opts = HlsOptions { segment_seconds: p.segment_seconds, segment_type: p.segment_type };
    let fmp4 = p.segment_type == SegmentType::Fmp4;

    if ctx.kind == Kind::HlsFromRenditions {
        let t = Instant::now();
        let qualities = existing_renditions(&stage, &p.rungs.iter().map(|r| r.name.clone()).collect::<Vec<_>>())
            .with_context(|| {
                format!(
                    "no renditions to segment in {}; run `playtube renditions` first",
                    final_dir.renditions_dir().display()
                )
            })?;
        let plan =
            SegmentPlan { inputs: qualities.iter().map(|q| (q.clone(), stage.rendition(q))).collect(), hls: hls_opts };
        // The bar's length is the first rendition's duration (a probe reads only its header).
        let first = probe::probe(&ctx.tools, &plan.inputs[0].1).map_err(anyhow::Error::new)?;
        let bar = ctx.progress.file(name, first.duration.map(|d| (d * 1000.0) as u64).unwrap_or(0));
        let result = plan.run(&ctx.tools.ffmpeg, staging, &mut |pr| ctx.progress.update_file(&bar, pr));
        bar.finish_and_clear();
        result.context("segmenting the renditions")?;
        timings.encode = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let variants = package::finish(&ctx.tools.ffprobe, &stage.hls_dir(), &qualities, fmp4)?;
        make_readable(staging)?;
        timings.finish = t.elapsed().as_secs_f64();
        let duration = variants.first().map(|v| v.duration);
        return Ok(Built {
            duration,
            timings,
            renditions: Vec::new(),
            hls: Some(hls_out(variants, p.segment_seconds, p.segment_type)),
        });
    }

    let t = Instant::now();
    let abs = std::path::absolute(input).with_context(|| format!("resolving {}", input.display()))?;
    let info = probe::probe(&ctx.tools, &abs).map_err(anyhow::Error::new)?;
    let renditions = ladder::fit(&p.rungs, shape(&info))?;
    timings.probe = t.elapsed().as_secs_f64();

    let stream_copy = if ctx.kind == Kind::Prepare { web_playable(&info) } else { None };
    let plan = EncodePlan {
        input: abs.clone(),
        renditions: renditions.clone(),
        preset: p.preset.clone(),
        keyframe_seconds: p.keyframe_seconds(),
        mp4: matches!(ctx.kind, Kind::Renditions | Kind::Prepare),
        hls: matches!(ctx.kind, Kind::Hls | Kind::Prepare).then_some(hls_opts),
        stream_copy,
    };
    ctx.settings.output.debug(2, plan.command(&ctx.tools.ffmpeg, staging).display());
    let t = Instant::now();
    let duration_ms = info.duration.map(|d| (d * 1000.0) as u64).unwrap_or(0);
    let bar = ctx.progress.file(name, duration_ms);
    let result =
        crate::pipeline::encode::run(&plan, &ctx.tools.ffmpeg, staging, &mut |pr| ctx.progress.update_file(&bar, pr));
    bar.finish_and_clear();
    result.context("encoding")?;
    timings.encode = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let qualities: Vec<Quality> = renditions.iter().map(|r| r.quality.clone()).collect();
    let mut rendition_outs = Vec::new();
    if plan.mp4 {
        for r in &renditions {
            let path = stage.rendition(&r.quality);
            let bytes =
                std::fs::metadata(&path).with_context(|| format!("ffmpeg did not write {}", path.display()))?.len();
            let bit_rate = info.duration.filter(|d| *d > 0.0).map(|d| (bytes as f64 * 8.0 / d) as u64).unwrap_or(0);
            rendition_outs.push(RenditionOut {
                quality: r.quality.to_string(),
                path: format!("{RENDITIONS_DIR}/{}.mp4", r.quality),
                width: r.width,
                height: r.height,
                bytes,
                bit_rate,
            });
        }
    }
    let hls = match plan.hls {
        Some(_) => Some(hls_out(
            package::finish(&ctx.tools.ffprobe, &stage.hls_dir(), &qualities, fmp4)?,
            p.segment_seconds,
            p.segment_type,
        )),
        None => None,
    };
    if ctx.kind == Kind::Prepare {
        let meta = serde_json::to_vec_pretty(&info).context("serialising meta.json")?;
        crate::atomic::write(&stage.meta(), &meta).with_context(|| format!("writing {}", stage.meta().display()))?;
        if stream_copy.is_none() {
            let best = stage.rendition(&renditions.last().expect("fit returns at least one rung").quality);
            link_tree(&best, &stage.stream())?;
        }
        if !stage.stream().is_file() {
            bail!("stream.mp4 was not written");
        }
        let th = Instant::now();
        write_thumbnail(ctx, &abs, &info, &stage.thumb())?;
        timings.thumbnail = th.elapsed().as_secs_f64();
    }
    make_readable(staging)?;
    timings.finish = t.elapsed().as_secs_f64() - timings.thumbnail;
    Ok(Built { duration: info.duration, timings, renditions: rendition_outs, hls })
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

fn hls_out(variants: Vec<RungPackage>, segment_seconds: u32, segment_type: SegmentType) -> HlsOut {
    HlsOut { master: format!("{HLS_DIR}/{}", crate::layout::MASTER_PLAYLIST), segment_type, segment_seconds, variants }
}

/// The qualities that have `renditions/<q>.mp4` in the asset, limited to the configured rungs' names
/// when any of those exist (a below-ladder source has one rung of its own name), smallest file first.
fn existing_renditions(asset: &AssetDir, names: &[String]) -> anyhow::Result<Vec<Quality>> {
    let dir = asset.renditions_dir();
    let mut found: Vec<(u64, Quality)> = Vec::new();
    for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?.flatten() {
        let path: PathBuf = entry.path();
        if path.extension().is_some_and(|x| x == "mp4") {
            let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            if let Ok(q) = Quality::parse(&stem) {
                found.push((entry.metadata().map(|m| m.len()).unwrap_or(0), q));
            }
        }
    }
    let named: Vec<(u64, Quality)> =
        found.iter().filter(|(_, q)| names.iter().any(|n| n == q.as_str())).cloned().collect();
    if !named.is_empty() {
        found = named;
    }
    found.sort();
    if found.is_empty() {
        bail!("{} holds no <quality>.mp4 files", dir.display());
    }
    Ok(found.into_iter().map(|(_, q)| q).collect())
}

fn write_thumbnail(ctx: &BatchCtx<'_>, input: &Path, info: &MediaInfo, out: &Path) -> anyhow::Result<()> {
    let thumb = crate::config::probe::ThumbnailSettings::resolve(ctx.settings)?;
    crate::pipeline::thumbnail::write(&ctx.tools, input, info, thumbnail::At::default(), thumb.width, out)
        .with_context(|| format!("writing {}", out.display()))
}
