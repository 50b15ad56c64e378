//! The `[pipeline]` section of playtube.toml and its layering with flags and environment: the ladder
//! (rungs), the x264 preset, HLS segment duration and type, and the number of parallel jobs. The
//! result is a plain [`PipelineSettings`]; validation errors name the key, variable or flag.

use serde::Deserialize;

use super::Env;
use crate::exit::UsageError;
use crate::pipeline::ladder::{self, Rung};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SegmentType {
    /// MPEG-TS segments (.ts), the widest player support.
    Ts,
    /// CMAF-style fragmented MP4 segments (.m4s) with an init segment.
    Fmp4,
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

impl PipelineSettings {
    /// Keyframes are forced on this grid (seconds); it divides the segment length, so every segment
    /// boundary is a keyframe: 2 s for even segment lengths, 1 s otherwise.
    pub fn keyframe_seconds(&self) -> u32 {
        if self.segment_seconds % 2 == 0 {
            2
        } else {
            1
        }
    }
}

pub fn resolve(section: &PipelineSection, env: &Env, flags: &PipelineFlags) -> Result<PipelineSettings, UsageError> {
    let all = section.rungs.clone().unwrap_or_else(ladder::default_rungs);
    ladder::validate(&all).map_err(|e| UsageError::new(format!("[pipeline] rungs: {e}")))?;
    let rungs = ladder::select(&all, &flags.qualities).map_err(|e| UsageError::new(e.to_string()))?;

    let (preset, from) = match (&flags.preset, env.get("PLAYTUBE_PRESET"), &section.preset) {
        (Some(p), _, _) => (p.clone(), "--preset"),
        (None, Some(p), _) => (p.to_owned(), "PLAYTUBE_PRESET"),
        (None, None, Some(p)) => (p.clone(), "[pipeline] preset"),
        _ => (DEFAULT_PRESET.to_owned(), "default"),
    };
    if !X264_PRESETS.contains(&preset.as_str()) {
        return Err(UsageError::new(format!(
            "{from} {preset:?} is not an x264 preset; use one of {}",
            X264_PRESETS.join(", ")
        )));
    }

    let (segment_seconds, from) = match (flags.segment_duration, env.parse::<u32>("HLS_SEGMENT_DURATION")?) {
        (Some(s), _) => (s, "--segment-duration"),
        (None, Some(s)) => (s, "HLS_SEGMENT_DURATION"),
        (None, None) => match section.segment_duration {
            Some(s) => (s, "[pipeline] segment_duration"),
            None => (DEFAULT_SEGMENT_SECONDS, "default"),
        },
    };
    if segment_seconds == 0 || segment_seconds > 60 {
        return Err(UsageError::new(format!("{from} must be between 1 and 60 seconds; try 6")));
    }

    let jobs = match (flags.jobs, env.parse::<usize>("PLAYTUBE_JOBS")?) {
        (Some(j), _) => j,
        (None, Some(j)) => j,
        (None, None) => section.jobs.unwrap_or_else(default_jobs),
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_design_document_ladder_with_6_second_ts_segments() {
        let s = resolve(&PipelineSection::default(), &Env::default(), &PipelineFlags::default()).unwrap();
        assert_eq!(s.rungs, ladder::default_rungs());
        assert_eq!((s.preset.as_str(), s.segment_seconds, s.segment_type), ("veryfast", 6, SegmentType::Ts));
        assert_eq!(s.jobs, default_jobs());
        assert_eq!(s.keyframe_seconds(), 2);
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
        assert_eq!(s.keyframe_seconds(), 1);
    }
}
