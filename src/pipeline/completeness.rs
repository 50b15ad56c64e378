//! Whether a source was read to its end. A damaged file (chunk offsets past the end of the file,
//! a cut-off upload) can declare 2.0 s and give ffmpeg only 1.0 s: ffmpeg logs "partial file" and
//! still exits 0. Its `-progress` time is no measure either (the storyboard's tile filter runs to the
//! declared end), so what was decoded is read from what the encode wrote: the duration of the first
//! rendition MP4, or of the first rung's media playlist when no MP4 is made, compared with the
//! duration the container declares. This file owns that measure and its tolerance; what to do with a
//! partial source (refuse it, or build it with a recorded warning) is the caller's decision.

use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use super::process::{ProcessError, ToolCommand};

/// Missing media tolerated before a source counts as partial: the larger of this many seconds and
/// [`TOLERANCE_FRACTION`] of the declared duration (frame-rate conversion, encoder padding and
/// rounding move the end by a frame or two; a truncated file loses far more).
pub const TOLERANCE_SECONDS: f64 = 0.25;
/// See [`TOLERANCE_SECONDS`].
pub const TOLERANCE_FRACTION: f64 = 0.02;

/// A source that ended before the duration it declares: how much of it could be read.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PartialSource {
    /// Seconds the source declares (the container's duration, as probed).
    pub declared_seconds: f64,
    /// Seconds of media ffmpeg could read and encode before the input ended.
    pub decoded_seconds: f64,
}

impl PartialSource {
    /// The part that could be read, 0..=100.
    pub fn percent(&self) -> f64 {
        if self.declared_seconds > 0.0 {
            (self.decoded_seconds / self.declared_seconds * 100.0).clamp(0.0, 100.0)
        } else {
            0.0
        }
    }
}

impl std::fmt::Display for PartialSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "only partly readable: {:.2} s of the {:.2} s it declares could be decoded ({:.0}%); \
             the file is damaged or truncated",
            self.decoded_seconds,
            self.declared_seconds,
            self.percent()
        )
    }
}

/// The error a build returns for a partial source when the plan does not allow one.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("{0}")]
pub struct PartialSourceError(pub PartialSource);

/// Compare what an encode wrote with what the source declares. `None` when the source was read to
/// its end (within the tolerance) or declares no duration to compare with.
pub fn check(declared: Option<f64>, decoded: Duration) -> Option<PartialSource> {
    let declared = declared.filter(|d| d.is_finite() && *d > 0.0)?;
    let decoded = decoded.as_secs_f64();
    let tolerance = TOLERANCE_SECONDS.max(declared * TOLERANCE_FRACTION);
    (declared - decoded > tolerance).then_some(PartialSource { declared_seconds: declared, decoded_seconds: decoded })
}

/// How long an encode's output lasts (ffprobe's container duration of a rendition MP4 or a media
/// playlist). `None` when ffprobe reports no duration.
pub fn measure(ffprobe: &Path, output: &Path) -> Result<Option<f64>, ProcessError> {
    let mut cmd = ToolCommand::new(ffprobe);
    cmd.args(["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0"]).arg(output);
    let out = cmd.output()?;
    Ok(String::from_utf8_lossy(&out).trim().parse().ok())
}

/// [`measure`] `output`, then [`check`] it against the declared duration.
pub fn check_output(
    ffprobe: &Path,
    declared: Option<f64>,
    output: &Path,
) -> Result<Option<PartialSource>, ProcessError> {
    let Some(decoded) = measure(ffprobe, output)? else { return Ok(None) };
    Ok(check(declared, Duration::from_secs_f64(decoded.max(0.0))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_source_read_to_its_end_is_complete() {
        assert_eq!(check(Some(2.0), ms(2005)), None);
        assert_eq!(check(Some(2.0), ms(1960)), None, "one frame short at 25 fps is rounding");
        assert_eq!(check(Some(600.0), ms(590_000)), None, "2 % of a long source is tolerated");
    }

    #[test]
    fn half_a_source_is_partial_with_both_figures() {
        let p = check(Some(2.0), ms(1080)).unwrap();
        assert_eq!(p, PartialSource { declared_seconds: 2.0, decoded_seconds: 1.08 });
        assert_eq!(p.percent().round(), 54.0);
        let text = p.to_string();
        assert!(text.contains("1.08 s of the 2.00 s"), "{text}");
        assert!(check(Some(600.0), ms(500_000)).is_some());
    }

    #[test]
    fn nothing_decoded_is_partial_and_unknown_durations_are_not_judged() {
        assert_eq!(check(Some(4.0), Duration::ZERO).unwrap().percent(), 0.0);
        assert_eq!(check(None, Duration::ZERO), None);
        assert_eq!(check(Some(f64::NAN), Duration::ZERO), None);
    }
}
