//! The `[pipeline]` section of playtube.toml and its layering with flags and environment: the ladder
//! (rungs), the x264 preset, HLS segment duration and type, and the number of parallel jobs. The
//! result is a plain [`PipelineSettings`]; validation errors name the key, variable or flag.

use serde::Deserialize;

use super::probe::ThumbnailSettings;
use super::{Env, Layer, Settings};
use crate::exit::UsageError;
use crate::layout::SegmentType;
use crate::pipeline::asset::{AssetPlan, Products, StreamCopy};
use crate::pipeline::ladder::{self, Rung};
use crate::pipeline::thumbnail::At;

/// x264 presets, fastest first.
pub const X264_PRESETS: &[&str] =
    &["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo"];

pub const DEFAULT_PRESET: &str = "veryfast";
pub const DEFAULT_SEGMENT_SECONDS: u32 = 6;
/// Default `--jobs`: 2, or 1 on a single core. Measured on 2 cores (CHANGELOG, README): for real-size
/// sources 1 and 2 jobs take the same time (x264 already threads across the cores), while for short
/// clips a second job fills the serial phases of the first (probe, thumbnail, segment measuring, the
/// fsync of the finished asset) and a batch of the fixtures ran 1.4-1.9x faster. More than 2 only adds
/// memory (each job holds a decoder and one encoder per rung).
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(2)
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PipelineSection {
    /// x264 preset (ultrafast..veryslow). Env: PLAYTUBE_PRESET.
    pub preset: Option<String>,
    /// HLS segment length in whole seconds. Env: HLS_SEGMENT_DURATION.
    pub segment_duration: Option<u32>,
    /// "ts" (default) or "fmp4".
    pub segment_type: Option<SegmentType>,
    /// Inputs processed at the same time. Env: PLAYTUBE_JOBS.
    pub jobs: Option<usize>,
    /// The ladder; replaces the default rungs entirely when given.
    pub rungs: Option<Vec<Rung>>,
}

/// The flags of renditions/hls/prepare that override the section.
#[derive(Debug, Default, Clone)]
pub struct PipelineFlags {
    pub qualities: Vec<String>,
    pub preset: Option<String>,
    pub segment_duration: Option<u32>,
    pub segment_type: Option<SegmentType>,
    pub jobs: Option<usize>,
}

/// Resolved pipeline settings.
#[derive(Debug, Clone)]
pub struct PipelineSettings {
    /// The rungs to try (already filtered by --qualities), validated.
    pub rungs: Vec<Rung>,
    pub preset: String,
    pub segment_seconds: u32,
    pub segment_type: SegmentType,
    pub jobs: usize,
}

pub fn resolve(section: &PipelineSection, env: &Env, flags: &PipelineFlags) -> Result<PipelineSettings, UsageError> {
    let all = section.rungs.clone().unwrap_or_else(ladder::default_rungs);
    ladder::validate(&all).map_err(|e| UsageError::new(format!("[pipeline] rungs: {e}")))?;
    let rungs = ladder::select(&all, &flags.qualities).map_err(|e| UsageError::new(e.to_string()))?;

    let (preset, from) = Layer {
        flag: flags.preset.clone().map(|p| (p, "--preset")),
        env: Some((env, "PLAYTUBE_PRESET")),
        file: section.preset.clone().map(|p| (p, "[pipeline] preset")),
        default: DEFAULT_PRESET.to_owned(),
    }
    .resolve()?;
    if !X264_PRESETS.contains(&preset.as_str()) {
        return Err(UsageError::new(format!(
            "{from} {preset:?} is not an x264 preset; use one of {}",
            X264_PRESETS.join(", ")
        )));
    }

    let (segment_seconds, from) = Layer {
        flag: flags.segment_duration.map(|s| (s, "--segment-duration")),
        env: Some((env, "HLS_SEGMENT_DURATION")),
        file: section.segment_duration.map(|s| (s, "[pipeline] segment_duration")),
        default: DEFAULT_SEGMENT_SECONDS,
    }
    .resolve()?;
    if segment_seconds == 0 || segment_seconds > 60 {
        return Err(UsageError::new(format!("{from} must be between 1 and 60 seconds; try 6")));
    }

    let (jobs, _) = Layer {
        flag: flags.jobs.map(|j| (j, "--jobs")),
        env: Some((env, "PLAYTUBE_JOBS")),
        file: section.jobs.map(|j| (j, "[pipeline] jobs")),
        default: default_jobs(),
    }
    .resolve()?;
    if jobs == 0 {
        return Err(UsageError::new("--jobs (or PLAYTUBE_JOBS, [pipeline] jobs) must be at least 1"));
    }

    Ok(PipelineSettings {
        rungs,
        preset,
        segment_seconds,
        segment_type: flags.segment_type.or(section.segment_type).unwrap_or(SegmentType::Ts),
        jobs,
    })
}

/// The whole plan of one `renditions`/`hls`/`prepare` run, and its `--jobs`, resolved from flags,
/// environment and playtube.toml before any input is touched: a bad value anywhere (including the
/// thumbnail width a `prepare` needs only at the end of each asset) is a usage error now, not a
/// failure of every asset after its encode.
pub fn asset_plan(
    settings: &Settings,
    flags: &PipelineFlags,
    products: Products,
    stream_copy: StreamCopy,
) -> Result<(AssetPlan, usize), UsageError> {
    let p = resolve(&settings.file.pipeline, &settings.env, flags)?;
    let thumbnail_width = if products.thumbnail { ThumbnailSettings::resolve(settings)?.width } else { 0 };
    let plan = AssetPlan {
        products,
        rungs: p.rungs,
        preset: p.preset,
        segment_seconds: p.segment_seconds,
        segment_type: p.segment_type,
        stream_copy,
        thumbnail_width,
        thumbnail_at: At::default(),
    };
    Ok((plan, p.jobs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_design_document_ladder_with_6_second_ts_segments() {
        let s = resolve(&PipelineSection::default(), &Env::default(), &PipelineFlags::default()).unwrap();
        assert_eq!(s.rungs, ladder::default_rungs());
        assert_eq!((s.preset.as_str(), s.segment_seconds, s.segment_type), ("veryfast", 6, SegmentType::Ts));
        assert_eq!(s.jobs, default_jobs());
        assert_eq!(crate::pipeline::encode::keyframe_seconds(s.segment_seconds), 2);
    }

    #[test]
    fn flags_beat_environment_which_beats_the_file() {
        let section: PipelineSection = toml::from_str("segment_duration = 4\npreset = \"fast\"").unwrap();
        let env = Env::from_pairs([("HLS_SEGMENT_DURATION", "8"), ("PLAYTUBE_PRESET", "ultrafast")]);
        let s = resolve(&section, &Env::default(), &PipelineFlags::default()).unwrap();
        assert_eq!((s.segment_seconds, s.preset.as_str()), (4, "fast"));
        let s = resolve(&section, &env, &PipelineFlags::default()).unwrap();
        assert_eq!((s.segment_seconds, s.preset.as_str()), (8, "ultrafast"));
        let flags = PipelineFlags { segment_duration: Some(2), preset: Some("medium".into()), ..Default::default() };
        let s = resolve(&section, &env, &flags).unwrap();
        assert_eq!((s.segment_seconds, s.preset.as_str()), (2, "medium"));
    }

    #[test]
    fn bad_values_name_their_source() {
        let flags = PipelineFlags { segment_duration: Some(0), ..Default::default() };
        let err = resolve(&PipelineSection::default(), &Env::default(), &flags).unwrap_err();
        assert!(err.message.contains("--segment-duration"), "{}", err.message);
        let err = resolve(
            &PipelineSection::default(),
            &Env::from_pairs([("PLAYTUBE_PRESET", "warp")]),
            &PipelineFlags::default(),
        )
        .unwrap_err();
        assert!(err.message.contains("PLAYTUBE_PRESET"), "{}", err.message);
    }

    #[test]
    fn zero_jobs_and_unknown_rung_keys_are_rejected() {
        let flags = PipelineFlags { jobs: Some(0), ..Default::default() };
        let err = resolve(&PipelineSection::default(), &Env::default(), &flags).unwrap_err();
        assert!(err.message.contains("--jobs"), "{}", err.message);
        let bad = toml::from_str::<PipelineSection>("[[rungs]]\nname = \"x\"\nwidht = 1\n").unwrap_err();
        assert!(bad.to_string().contains("widht"), "{bad}");
    }

    #[test]
    fn configured_rungs_replace_the_defaults() {
        let section: PipelineSection = toml::from_str(
            "[[rungs]]\nname = \"240p\"\nwidth = 426\nheight = 240\nvideo_kbps = 400\naudio_kbps = 64\ncrf = 30\n",
        )
        .unwrap();
        let s = resolve(&section, &Env::default(), &PipelineFlags::default()).unwrap();
        assert_eq!(s.rungs.len(), 1);
        assert_eq!(s.rungs[0].name, "240p");
    }

    #[test]
    fn example_config_pipeline_section_is_the_default_ladder() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/playtube.toml")).unwrap();
        let file = crate::config::parse(&text).unwrap();
        let s = resolve(&file.pipeline, &Env::default(), &PipelineFlags::default()).unwrap();
        assert_eq!(s.rungs, ladder::default_rungs());
        assert_eq!((s.preset.as_str(), s.segment_seconds, s.segment_type, s.jobs), ("veryfast", 6, SegmentType::Ts, 2));
    }

    #[test]
    fn odd_segment_lengths_use_a_one_second_keyframe_grid() {
        let flags = PipelineFlags { segment_duration: Some(5), ..Default::default() };
        let s = resolve(&PipelineSection::default(), &Env::default(), &flags).unwrap();
        assert_eq!(crate::pipeline::encode::keyframe_seconds(s.segment_seconds), 1);
    }
}
