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
use crate::pipeline::storyboard::StoryboardOptions;
use crate::pipeline::thumbnail::At;
use crate::pipeline::tracks::{SubtitleFile, TrackOptions};

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
    /// Audio languages to keep (`["en", "es"]`); all when absent.
    pub audio_languages: Option<Vec<String>>,
    /// Take `<stem>.<lang>.srt|vtt` files found beside a source (default true).
    pub sidecar_subtitles: Option<bool>,
    /// Scrub-preview sprite sheets in the HLS package (default true).
    pub storyboard: Option<bool>,
    /// Seconds between storyboard frames; chosen from the duration when absent.
    pub storyboard_interval: Option<f64>,
    /// Storyboard tile width in pixels (default 160).
    pub storyboard_width: Option<u32>,
}

/// The flags of renditions/hls/prepare that override the section.
#[derive(Debug, Default, Clone)]
pub struct PipelineFlags {
    pub qualities: Vec<String>,
    pub preset: Option<String>,
    pub segment_duration: Option<u32>,
    pub segment_type: Option<SegmentType>,
    pub jobs: Option<usize>,
    /// `--audio-languages en,es`.
    pub audio_languages: Option<Vec<String>>,
    /// `--subtitles LANG=FILE`, repeated.
    pub subtitles: Vec<SubtitleFile>,
    /// `--no-sidecar-subtitles`.
    pub no_sidecars: bool,
    /// `--no-storyboard`.
    pub no_storyboard: bool,
    /// `--storyboard-interval SECONDS`.
    pub storyboard_interval: Option<f64>,
    /// `--allow-partial`: build from a source only partly readable, with a recorded warning.
    pub allow_partial: bool,
}

/// Tracks and storyboard settings: flags over playtube.toml over defaults.
fn media_settings(
    section: &PipelineSection,
    flags: &PipelineFlags,
) -> Result<(TrackOptions, Option<StoryboardOptions>), UsageError> {
    let audio_languages = flags.audio_languages.clone().or_else(|| section.audio_languages.clone());
    if let Some(langs) = &audio_languages {
        if let Some(bad) = langs
            .iter()
            .find(|l| crate::pipeline::media_groups::bcp47(Some(l)) == "und" && !l.eq_ignore_ascii_case("und"))
        {
            return Err(UsageError::new(format!("--audio-languages: {bad:?} is not a language tag; use e.g. en,es")));
        }
    }
    let tracks = TrackOptions {
        audio_languages,
        subtitles: flags.subtitles.clone(),
        sidecars: !flags.no_sidecars && section.sidecar_subtitles.unwrap_or(true),
        embedded_subtitles: true,
    };
    let on = !flags.no_storyboard && section.storyboard.unwrap_or(true);
    let storyboard = if on {
        let opts = StoryboardOptions {
            interval: flags.storyboard_interval.or(section.storyboard_interval),
            tile_width: section.storyboard_width.unwrap_or(StoryboardOptions::default().tile_width),
            ..StoryboardOptions::default()
        };
        // Check the settings now (a 16x9 stand-in video), not after the first encode.
        crate::pipeline::storyboard::Plan::new(&opts, 60.0, 16, 9).map_err(|e| {
            let from =
                if flags.storyboard_interval.is_some() { "--storyboard-interval" } else { "[pipeline] storyboard_*" };
            UsageError::new(format!("{from}: {e}"))
        })?;
        Some(opts)
    } else {
        None
    };
    Ok((tracks, storyboard))
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
    let (tracks, storyboard) = media_settings(&settings.file.pipeline, flags)?;
    let plan = AssetPlan {
        products,
        rungs: p.rungs,
        preset: p.preset,
        segment_seconds: p.segment_seconds,
        segment_type: p.segment_type,
        stream_copy,
        thumbnail_width,
        thumbnail_at: At::default(),
        tracks,
        storyboard,
        allow_partial: flags.allow_partial,
    };
    Ok((plan, p.jobs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storyboards_and_sidecars_are_on_by_default_and_flags_win_over_the_file() {
        let (tracks, sb) = media_settings(&PipelineSection::default(), &PipelineFlags::default()).unwrap();
        assert!(tracks.sidecars && tracks.embedded_subtitles && tracks.audio_languages.is_none());
        assert_eq!(sb, Some(StoryboardOptions::default()));
        let section = PipelineSection {
            storyboard_interval: Some(5.0),
            audio_languages: Some(vec!["en".into()]),
            sidecar_subtitles: Some(false),
            ..Default::default()
        };
        let flags = PipelineFlags {
            storyboard_interval: Some(2.0),
            audio_languages: Some(vec!["es".into()]),
            ..Default::default()
        };
        let (tracks, sb) = media_settings(&section, &flags).unwrap();
        assert_eq!((sb.unwrap().interval, tracks.audio_languages.unwrap()), (Some(2.0), vec!["es".to_owned()]));
        assert!(!tracks.sidecars);
        let off = PipelineFlags { no_storyboard: true, ..Default::default() };
        assert_eq!(media_settings(&section, &off).unwrap().1, None);
        let bad = PipelineFlags { storyboard_interval: Some(-1.0), ..Default::default() };
        assert!(media_settings(&section, &bad).unwrap_err().to_string().contains("--storyboard-interval"));
        let bad = PipelineFlags { audio_languages: Some(vec!["english".into()]), ..Default::default() };
        assert!(media_settings(&section, &bad).unwrap_err().to_string().contains("not a language tag"));
    }

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
