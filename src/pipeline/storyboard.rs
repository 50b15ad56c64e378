//! Scrub previews (storyboards), pure: the interval between preview frames chosen from the duration,
//! the sprite-sheet layout (tile size from the display aspect, columns x rows per sheet), the ffmpeg
//! filters that sample the frames in the encode's own run and then tile them into sheets, and the
//! WebVTT index whose cues point at one tile each with a `#xywh=` media fragment. It runs nothing;
//! `encode` adds the sampling branch and runs the tiling.
//!
//! The filter picks frames with `fps=...:round=up`: tile `k` then holds the last frame at or before
//! `k * interval`, i.e. what the video shows at that instant (ffmpeg's default `round=near` would
//! take the frame up to half an interval later; measured on `fixtures/langs.mp4`).

use std::fmt::Write as _;

use crate::pipeline::subtitles::format_timestamp;

/// The index file name, inside the asset's `storyboard/` folder.
pub const INDEX: &str = "storyboard.vtt";

/// The storyboard settings the edge resolves (`[storyboard]` in playtube.toml, `--storyboard-*`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoryboardOptions {
    /// Seconds between frames; `None` picks from the duration ([`auto_interval`]).
    pub interval: Option<f64>,
    /// Tile width in pixels (the height follows the display aspect).
    pub tile_width: u32,
    /// Tiles per sheet row and per sheet column.
    pub columns: u32,
    pub rows: u32,
}

impl Default for StoryboardOptions {
    fn default() -> Self {
        StoryboardOptions { interval: None, tile_width: 160, columns: 10, rows: 10 }
    }
}

/// The interval for a video of `duration` seconds: about 100 frames, at least one a second (a short
/// clip gets one per second) and at most one every 10 s (an hour gets 360 frames in 4 sheets), in
/// whole seconds so that cue times stay round.
pub fn auto_interval(duration: f64) -> f64 {
    (duration / 100.0).ceil().clamp(1.0, 10.0)
}

/// The storyboard of one video: everything needed to draw it and to index it.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub interval: f64,
    pub tile_width: u32,
    pub tile_height: u32,
    pub columns: u32,
    pub rows: u32,
    /// Total frames (tiles) over the whole duration.
    pub frames: u32,
    pub duration: f64,
}

/// Why a storyboard cannot be planned.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("storyboard interval {0} s must be > 0; try 2")]
    Interval(f64),
    #[error("storyboard tile width {0} must be 16..=640 pixels; try 160")]
    TileWidth(u32),
    #[error("storyboard sheets must be 1..=20 tiles wide and high (got {0}x{1}); try 10x10")]
    Grid(u32, u32),
    #[error("the video has no duration or no picture size")]
    NoVideo,
}

/// Sheets never exceed this many frames in total (bounds work and disk for very long inputs with a
/// small configured interval): the interval grows instead.
pub const MAX_FRAMES: u32 = 2000;

impl Plan {
    /// Plan for a video of `duration` seconds displayed at `width`x`height`.
    pub fn new(opts: &StoryboardOptions, duration: f64, width: u32, height: u32) -> Result<Plan, PlanError> {
        if let Some(i) = opts.interval.filter(|i| !(i.is_finite() && *i > 0.0)) {
            return Err(PlanError::Interval(i));
        }
        if !(16..=640).contains(&opts.tile_width) {
            return Err(PlanError::TileWidth(opts.tile_width));
        }
        if !(1..=20).contains(&opts.columns) || !(1..=20).contains(&opts.rows) {
            return Err(PlanError::Grid(opts.columns, opts.rows));
        }
        if !(duration.is_finite() && duration > 0.0) || width == 0 || height == 0 {
            return Err(PlanError::NoVideo);
        }
        let mut interval = opts.interval.unwrap_or_else(|| auto_interval(duration));
        if (duration / interval).ceil() > MAX_FRAMES as f64 {
            interval = (duration / MAX_FRAMES as f64).ceil();
        }
        let frames = ((duration / interval).ceil() as u32).max(1);
        let tile_width = opts.tile_width & !1;
        let tile_height = (((tile_width as f64 * height as f64 / width as f64) / 2.0).round() as u32 * 2).max(2);
        // A short video gets a sheet no larger than its frames need.
        let columns = opts.columns.min(frames);
        let rows = opts.rows.min(frames.div_ceil(columns));
        Ok(Plan { interval, tile_width, tile_height, columns, rows, frames, duration })
    }

    pub fn per_sheet(&self) -> u32 {
        self.columns * self.rows
    }

    pub fn sheets(&self) -> u32 {
        self.frames.div_ceil(self.per_sheet())
    }

    /// Sheet file name `sheet_001.jpg` (1-based, as ffmpeg's image2 muxer counts).
    pub fn sheet_name(n: u32) -> String {
        format!("sheet_{n:03}.jpg")
    }

    /// The image2 output pattern for ffmpeg.
    pub const SHEET_PATTERN: &'static str = "sheet_%03d.jpg";

    /// The filter chain from one video input to the sampled, scaled frames (the encode's branch).
    pub fn sample_filter(&self) -> String {
        let ms = (self.interval * 1000.0).round() as u64;
        format!("fps=fps=1000/{ms}:round=up,scale={}:{}:flags=bilinear,setsar=1", self.tile_width, self.tile_height)
    }

    /// The filter from the sampled frames to the sheets (run once the encode is done).
    pub fn tile_filter(&self) -> String {
        format!("tile={}x{}", self.columns, self.rows)
    }

    /// Where frame `k` is: (sheet number from 1, x, y).
    pub fn tile(&self, k: u32) -> (u32, u32, u32) {
        let sheet = k / self.per_sheet() + 1;
        let i = k % self.per_sheet();
        (sheet, (i % self.columns) * self.tile_width, (i / self.columns) * self.tile_height)
    }

    /// The WebVTT index: one cue per frame, `[k*interval, (k+1)*interval)` clipped to the duration,
    /// whose text is `sheet_NNN.jpg#xywh=x,y,w,h` (relative to the index's URL).
    pub fn index_vtt(&self) -> String {
        let mut s = String::from("WEBVTT\n\n");
        let end_ms = (self.duration * 1000.0).round() as u64;
        for k in 0..self.frames {
            let start = (k as f64 * self.interval * 1000.0).round() as u64;
            let end = (((k + 1) as f64 * self.interval * 1000.0).round() as u64).min(end_ms);
            if end <= start {
                break;
            }
            let (sheet, x, y) = self.tile(k);
            let _ = writeln!(s, "{} --> {}", format_timestamp(start), format_timestamp(end));
            let _ = writeln!(s, "{}#xywh={x},{y},{},{}\n", Plan::sheet_name(sheet), self.tile_width, self.tile_height);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::subtitles::parse_vtt;

    fn plan(duration: f64, w: u32, h: u32) -> Plan {
        Plan::new(&StoryboardOptions::default(), duration, w, h).unwrap()
    }

    #[test]
    fn interval_grows_with_duration_within_bounds() {
        assert_eq!(auto_interval(8.0), 1.0);
        assert_eq!(auto_interval(30.0), 1.0);
        assert_eq!(auto_interval(250.0), 3.0);
        assert_eq!(auto_interval(3600.0), 10.0);
        assert_eq!(plan(3600.0, 1920, 1080).frames, 360);
        assert_eq!(plan(3600.0, 1920, 1080).sheets(), 4);
    }

    #[test]
    fn tiles_keep_the_display_aspect_with_even_sizes() {
        let p = plan(8.0, 320, 180);
        assert_eq!((p.tile_width, p.tile_height), (160, 90));
        assert_eq!(plan(8.0, 360, 640).tile_height, 284);
        assert_eq!(plan(8.0, 641, 359).tile_height, 90);
    }

    #[test]
    fn a_short_clip_gets_a_sheet_just_large_enough() {
        let p = plan(8.0, 320, 180);
        assert_eq!((p.frames, p.columns, p.rows, p.sheets()), (8, 8, 1, 1));
        let p = plan(30.0, 320, 180);
        assert_eq!((p.frames, p.columns, p.rows, p.sheets()), (30, 10, 3, 1));
        assert_eq!(p.sample_filter(), "fps=fps=1000/1000:round=up,scale=160:90:flags=bilinear,setsar=1");
        assert_eq!(p.tile_filter(), "tile=10x3");
    }

    #[test]
    fn index_cues_point_at_their_tile_and_cover_the_duration() {
        let opts = StoryboardOptions { interval: Some(2.0), tile_width: 100, columns: 2, rows: 2 };
        let p = Plan::new(&opts, 9.5, 200, 100).unwrap();
        assert_eq!((p.frames, p.sheets()), (5, 2));
        let vtt = p.index_vtt();
        let cues = parse_vtt(&vtt).unwrap();
        assert_eq!(cues.len(), 5);
        assert_eq!(cues[0].text, "sheet_001.jpg#xywh=0,0,100,50");
        assert_eq!(cues[3].text, "sheet_001.jpg#xywh=100,50,100,50");
        assert_eq!(cues[4].text, "sheet_002.jpg#xywh=0,0,100,50");
        assert_eq!((cues[4].start_ms, cues[4].end_ms), (8000, 9500), "the last cue ends with the video");
        assert!(cues.windows(2).all(|w| w[0].end_ms == w[1].start_ms), "no gaps");
    }

    #[test]
    fn bad_settings_are_refused_with_a_hint() {
        let bad = |o: StoryboardOptions| Plan::new(&o, 10.0, 320, 180).unwrap_err().to_string();
        assert!(bad(StoryboardOptions { interval: Some(0.0), ..Default::default() }).contains("try 2"));
        assert!(bad(StoryboardOptions { tile_width: 4, ..Default::default() }).contains("16..=640"));
        assert!(bad(StoryboardOptions { columns: 0, ..Default::default() }).contains("1..=20"));
        assert_eq!(Plan::new(&StoryboardOptions::default(), 0.0, 320, 180), Err(PlanError::NoVideo));
    }

    #[test]
    fn a_tiny_interval_on_a_long_video_is_capped() {
        let opts = StoryboardOptions { interval: Some(0.1), ..Default::default() };
        let p = Plan::new(&opts, 36_000.0, 320, 180).unwrap();
        assert!(p.frames <= MAX_FRAMES && p.interval == 18.0, "{p:?}");
    }
}
