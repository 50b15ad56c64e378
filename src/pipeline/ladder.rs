//! The quality ladder (pure): the rung table of the design document, selection by `--qualities`, and
//! fitting rungs to one source. Fitting never upscales, keeps the display aspect ratio (rotation is
//! already applied to the display size it is given), rounds to even dimensions, and gives a source
//! smaller than every rung one rung at its own size. It knows nothing of ffmpeg arguments or files.

use serde::{Deserialize, Serialize};

use crate::layout::Quality;

/// One rung as configured: a bounding box (landscape; swapped for portrait sources) and its rates.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rung {
    /// Name of the rung, used as file and folder name (`360p`).
    pub name: String,
    pub width: u32,
    pub height: u32,
    /// Peak video bitrate in kbit/s (capped CRF: `-maxrate`, `-bufsize` twice this).
    pub video_kbps: u32,
    /// AAC bitrate in kbit/s.
    pub audio_kbps: u32,
    /// x264 constant rate factor.
    pub crf: u8,
}

impl Rung {
    fn new(name: &str, width: u32, height: u32, video_kbps: u32, audio_kbps: u32, crf: u8) -> Rung {
        Rung { name: name.to_owned(), width, height, video_kbps, audio_kbps, crf }
    }
}

/// The design document's ladder: 360p, 480p, 720p, 1080p.
pub fn default_rungs() -> Vec<Rung> {
    vec![
        Rung::new("360p", 640, 360, 800, 96, 28),
        Rung::new("480p", 854, 480, 1400, 128, 26),
        Rung::new("720p", 1280, 720, 2500, 128, 24),
        Rung::new("1080p", 1920, 1080, 5000, 192, 22),
    ]
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LadderError {
    #[error("the input has no video stream (audio-only input cannot be turned into a video ladder)")]
    NoVideo,
    #[error("the input reports no usable picture size ({0}x{1})")]
    BadSize(u32, u32),
    #[error("--qualities: unknown quality {name:?}; configured rungs are {known}")]
    UnknownQuality { name: String, known: String },
    #[error("the ladder is empty: configure at least one rung in [pipeline] rungs or --qualities")]
    Empty,
    #[error("rung {0:?} is invalid: {1}")]
    BadRung(String, String),
}

/// Check configured rungs: valid names, no duplicates, sane numbers.
pub fn validate(rungs: &[Rung]) -> Result<(), LadderError> {
    if rungs.is_empty() {
        return Err(LadderError::Empty);
    }
    for (i, r) in rungs.iter().enumerate() {
        let bad = |why: &str| Err(LadderError::BadRung(r.name.clone(), why.to_owned()));
        if Quality::parse(&r.name).is_err() {
            return bad("name must be 1-32 characters of a-z A-Z 0-9 _ -");
        }
        if rungs[..i].iter().any(|o| o.name == r.name) {
            return bad("the name appears twice");
        }
        if r.width < 16 || r.height < 16 || r.width > 8192 || r.height > 8192 {
            return bad("width and height must be between 16 and 8192");
        }
        if r.video_kbps == 0 || r.audio_kbps == 0 {
            return bad("video_kbps and audio_kbps must be > 0");
        }
        if r.crf > 51 {
            return bad("crf must be 0-51");
        }
    }
    Ok(())
}

/// Keep only the rungs named in `--qualities` (comma-separated), in ladder order.
pub fn select(rungs: &[Rung], wanted: &[String]) -> Result<Vec<Rung>, LadderError> {
    if wanted.is_empty() {
        return Ok(rungs.to_vec());
    }
    for name in wanted {
        if !rungs.iter().any(|r| &r.name == name) {
            let known = rungs.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ");
            return Err(LadderError::UnknownQuality { name: name.clone(), known });
        }
    }
    Ok(rungs.iter().filter(|r| wanted.contains(&r.name)).cloned().collect())
}

/// What the ladder needs to know about a source.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SourceShape {
    /// Display size after rotation and sample aspect ratio; 0x0 when there is no video.
    pub width: u32,
    pub height: u32,
    pub has_video: bool,
    pub has_audio: bool,
}

/// A rung fitted to one source: the exact output size.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendition {
    pub quality: Quality,
    pub width: u32,
    pub height: u32,
    pub video_kbps: u32,
    /// `None` when the source has no audio.
    pub audio_kbps: Option<u32>,
    pub crf: u8,
}

/// Fit the rungs to a source: the ordered (smallest first) renditions to encode.
pub fn fit(rungs: &[Rung], source: SourceShape) -> Result<Vec<Rendition>, LadderError> {
    if !source.has_video {
        return Err(LadderError::NoVideo);
    }
    if source.width < 2 || source.height < 2 {
        return Err(LadderError::BadSize(source.width, source.height));
    }
    if rungs.is_empty() {
        return Err(LadderError::Empty);
    }
    let portrait = source.height > source.width;
    let (sw, sh) = (f64::from(source.width), f64::from(source.height));
    let mut sorted: Vec<&Rung> = rungs.iter().collect();
    sorted.sort_by_key(|r| (r.width.min(r.height), r.width.max(r.height)));
    let mut out: Vec<Rendition> = Vec::new();
    for rung in &sorted {
        let (bw, bh) = if portrait {
            (rung.width.min(rung.height), rung.width.max(rung.height))
        } else {
            (rung.width.max(rung.height), rung.width.min(rung.height))
        };
        let scale = (f64::from(bw) / sw).min(f64::from(bh) / sh);
        if scale > 1.0 + 1e-9 {
            continue; // would upscale
        }
        let (w, h) = (even(sw * scale), even(sh * scale));
        if out.iter().any(|r| r.width == w && r.height == h) {
            continue;
        }
        out.push(rendition(rung, &rung.name, w, h, source.has_audio));
    }
    if out.is_empty() {
        // Smaller than every rung: one rung at the source's own size, named by its short side.
        let lowest = sorted[0];
        let (w, h) = (even(sw), even(sh));
        let name = format!("{}p", w.min(h));
        out.push(rendition(lowest, &name, w, h, source.has_audio));
    }
    Ok(out)
}

fn rendition(rung: &Rung, name: &str, width: u32, height: u32, has_audio: bool) -> Rendition {
    Rendition {
        quality: Quality::parse(name).expect("validated rung names and NNNp are valid qualities"),
        width,
        height,
        video_kbps: rung.video_kbps,
        audio_kbps: has_audio.then_some(rung.audio_kbps),
        crf: rung.crf,
    }
}

/// Round to the nearest even number, at least 2.
fn even(x: f64) -> u32 {
    (((x / 2.0).round() as u32) * 2).max(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(width: u32, height: u32) -> SourceShape {
        SourceShape { width, height, has_video: true, has_audio: true }
    }

    fn sizes(r: &[Rendition]) -> Vec<(String, u32, u32)> {
        r.iter().map(|r| (r.quality.to_string(), r.width, r.height)).collect()
    }

    #[test]
    fn default_ladder_matches_the_design_document() {
        let r = default_rungs();
        let table: Vec<_> =
            r.iter().map(|r| (r.name.as_str(), r.width, r.height, r.video_kbps, r.audio_kbps, r.crf)).collect();
        assert_eq!(
            table,
            [
                ("360p", 640, 360, 800, 96, 28),
                ("480p", 854, 480, 1400, 128, 26),
                ("720p", 1280, 720, 2500, 128, 24),
                ("1080p", 1920, 1080, 5000, 192, 22)
            ]
        );
        validate(&r).unwrap();
    }

    #[test]
    fn full_hd_source_gets_every_rung() {
        let r = fit(&default_rungs(), shape(1920, 1080)).unwrap();
        assert_eq!(
            sizes(&r),
            [
                ("360p".into(), 640, 360),
                ("480p".into(), 854, 480),
                ("720p".into(), 1280, 720),
                ("1080p".into(), 1920, 1080)
            ]
        );
    }

    #[test]
    fn rungs_taller_than_the_source_are_skipped() {
        let r = fit(&default_rungs(), shape(854, 480)).unwrap();
        assert_eq!(sizes(&r), [("360p".into(), 640, 360), ("480p".into(), 854, 480)]);
    }

    #[test]
    fn portrait_source_keeps_its_orientation() {
        let r = fit(&default_rungs(), shape(360, 640)).unwrap();
        assert_eq!(sizes(&r), [("360p".into(), 360, 640)]);
        let r = fit(&default_rungs(), shape(1080, 1920)).unwrap();
        assert_eq!(r.last().unwrap().width, 1080);
        assert_eq!(r.last().unwrap().height, 1920);
        assert_eq!((r[0].width, r[0].height), (360, 640));
    }

    #[test]
    fn odd_and_non_16_9_sources_keep_aspect_with_even_sizes() {
        let r = fit(&default_rungs(), shape(641, 359)).unwrap();
        assert_eq!(sizes(&r), [("360p".into(), 640, 358)]);
        let r = fit(&default_rungs(), shape(1920, 800)).unwrap();
        assert_eq!(r[2].width, 1280);
        assert_eq!(r[2].height, 534);
        assert!(r.iter().all(|r| r.width % 2 == 0 && r.height % 2 == 0));
    }

    #[test]
    fn source_below_the_lowest_rung_gets_one_rung_at_its_own_size() {
        let r = fit(&default_rungs(), shape(320, 240)).unwrap();
        assert_eq!(sizes(&r), [("240p".into(), 320, 240)]);
        assert_eq!(r[0].video_kbps, 800);
        assert_eq!(r[0].crf, 28);
    }

    #[test]
    fn no_audio_gives_video_only_renditions_and_audio_only_is_an_error() {
        let r = fit(&default_rungs(), SourceShape { has_audio: false, ..shape(854, 480) }).unwrap();
        assert!(r.iter().all(|r| r.audio_kbps.is_none()));
        let err = fit(&default_rungs(), SourceShape { width: 0, height: 0, has_video: false, has_audio: true });
        assert_eq!(err.unwrap_err(), LadderError::NoVideo);
    }

    #[test]
    fn qualities_select_rungs_and_unknown_names_are_rejected() {
        let picked = select(&default_rungs(), &["720p".into(), "360p".into()]).unwrap();
        assert_eq!(picked.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["360p", "720p"]);
        let err = select(&default_rungs(), &["4k".into()]).unwrap_err();
        assert!(err.to_string().contains("360p, 480p, 720p, 1080p"), "{err}");
    }

    #[test]
    fn invalid_rungs_are_rejected() {
        let mut r = default_rungs();
        r[1].name = "360p".into();
        assert!(validate(&r).is_err());
        assert_eq!(validate(&[]).unwrap_err(), LadderError::Empty);
        let mut r = default_rungs();
        r[0].name = "../x".into();
        assert!(validate(&r).is_err());
    }
}
