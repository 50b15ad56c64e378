//! JPEG thumbnails: one frame at a chosen time (seconds, or a percentage of the duration), scaled to a
//! width (never enlarged, height following the display aspect ratio), rotated as the viewer sees it
//! (ffmpeg applies the display matrix when decoding), and written atomically. Used by
//! `probe --thumbnail` and by the pipeline for each asset's `thumb.jpg`. The argument builder is pure.

use std::path::Path;
use std::str::FromStr;

use anyhow::Context;

use super::probe::MediaInfo;
use super::process::ToolCommand;
use super::tools::Tools;
use crate::atomic::AtomicFile;

/// When to take the frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum At {
    Seconds(f64),
    Percent(f64),
}

impl Default for At {
    /// 10 % into the video: past fade-ins and title cards, early enough to be representative.
    fn default() -> Self {
        At::Percent(10.0)
    }
}

impl FromStr for At {
    type Err = String;

    /// `12.5` (seconds) or `10%`.
    fn from_str(s: &str) -> Result<At, String> {
        let s = s.trim();
        let bad = || format!("{s:?} is not a time; use seconds (12.5) or a percentage of the duration (10%)");
        if let Some(p) = s.strip_suffix('%') {
            let p: f64 = p.trim().parse().map_err(|_| bad())?;
            if !(0.0..=100.0).contains(&p) {
                return Err(format!("{s} is out of range; use 0% to 100%"));
            }
            Ok(At::Percent(p))
        } else {
            let secs: f64 = s.strip_suffix('s').unwrap_or(s).parse().map_err(|_| bad())?;
            if !secs.is_finite() || secs < 0.0 {
                return Err(format!("{s} is out of range; use a time of 0 seconds or more"));
            }
            Ok(At::Seconds(secs))
        }
    }
}

impl std::fmt::Display for At {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            At::Seconds(s) => write!(f, "{s} s"),
            At::Percent(p) => write!(f, "{p}%"),
        }
    }
}

impl At {
    /// The time in seconds for a video of `duration` seconds. A time past the end is an error; 100 %
    /// means the last moment a frame can still be decoded (a little before the end).
    pub fn resolve(self, duration: Option<f64>) -> anyhow::Result<f64> {
        let secs = match (self, duration) {
            (At::Seconds(s), Some(d)) if s > d => {
                anyhow::bail!("--at {s} is past the end of the video ({d:.1} s)")
            }
            (At::Seconds(s), _) => s,
            (At::Percent(p), Some(d)) => d * p / 100.0,
            (At::Percent(_), None) => 0.0,
        };
        // Seeking to the very end finds no frame to decode; stay a little before it.
        Ok(match duration {
            Some(d) if d > 0.0 => secs.min((d - 0.1).max(0.0)),
            _ => secs,
        })
    }
}

/// The ffmpeg command writing one JPEG frame of stream `stream` (an ffprobe stream index) of `input`
/// at `secs` to `out` (pure).
pub fn command(tools: &Tools, input: &Path, stream: u32, secs: f64, width: u32, out: &Path) -> ToolCommand {
    let mut cmd = ToolCommand::new(&tools.ffmpeg);
    cmd.args(["-hide_banner", "-nostdin", "-loglevel", "error", "-ss"])
        .arg(format!("{secs:.3}"))
        .arg("-i")
        .arg(input)
        .arg("-map")
        .arg(format!("0:{stream}"))
        .args(["-frames:v", "1", "-an", "-sn", "-dn"])
        // Square the pixels first, then shrink to at most `width`, keeping the height even.
        .arg("-vf")
        .arg(format!("scale=iw*sar:ih,setsar=1,scale='min({width},iw)':-2"))
        .args(["-q:v", "3", "-f", "image2", "-update", "1", "-y"])
        .arg(out);
    cmd
}

/// Write a thumbnail of `input` (already probed as `info`) to `out`, atomically.
pub fn write(tools: &Tools, input: &Path, info: &MediaInfo, at: At, width: u32, out: &Path) -> anyhow::Result<()> {
    // The first real video stream (cover art is not listed in `info.video`).
    let Some(video) = info.primary_video() else {
        anyhow::bail!("no video stream to take a thumbnail from");
    };
    let secs = at.resolve(info.duration)?;
    let mut file = AtomicFile::create(out).with_context(|| format!("creating a temp file beside {}", out.display()))?;
    command(tools, input, video.index, secs, width, file.path())
        .output()
        .with_context(|| format!("taking a frame at {secs:.3} s for {}", out.display()))?;
    let written = file.file().metadata().map(|m| m.len()).unwrap_or(0);
    if written == 0 {
        anyhow::bail!("ffmpeg found no frame to decode at {secs:.3} s; try an earlier --at");
    }
    file.commit().with_context(|| format!("writing {}", out.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_as_seconds_or_percent() {
        assert_eq!("12.5".parse::<At>().unwrap(), At::Seconds(12.5));
        assert_eq!("3s".parse::<At>().unwrap(), At::Seconds(3.0));
        assert_eq!("10%".parse::<At>().unwrap(), At::Percent(10.0));
        assert!("150%".parse::<At>().is_err());
        assert!("-1".parse::<At>().is_err());
        assert!("soon".parse::<At>().unwrap_err().contains("10%"));
    }

    #[test]
    fn percent_is_of_the_duration_and_the_end_is_avoided() {
        assert_eq!(At::Percent(10.0).resolve(Some(12.0)).unwrap(), 1.2);
        assert!((At::Percent(100.0).resolve(Some(12.0)).unwrap() - 11.9).abs() < 1e-9);
        assert!(At::Seconds(30.0).resolve(Some(12.0)).unwrap_err().to_string().contains("past the end"));
        assert_eq!(At::Seconds(3.0).resolve(None).unwrap(), 3.0);
    }

    #[test]
    fn command_seeks_before_input_and_never_enlarges() {
        let tools = Tools { ffmpeg: "ffmpeg".into(), ffprobe: "ffprobe".into() };
        let cmd = command(&tools, Path::new("in.mp4"), 1, 1.2, 640, Path::new("t.jpg"));
        let line = cmd.display();
        assert!(line.contains("-ss 1.200 -i in.mp4 -map 0:1 "), "{line}");
        assert!(line.contains("min(640,iw)"), "{line}");
        assert!(line.ends_with("-y t.jpg"), "{line}");
    }
}
