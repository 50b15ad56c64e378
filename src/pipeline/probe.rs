//! ffprobe JSON -> typed [`MediaInfo`]: container, duration, size, bit rate, per-stream video and audio
//! details (display size after rotation, frame rate and a variable-frame-rate flag, bit depth, colour),
//! plus the two facts ffprobe does not tell: whether an MP4 is faststart and whether it is fragmented,
//! read from the file's top-level boxes by [`super::mp4`]. It runs ffprobe once per file and never
//! decodes media; printing the result is the caller's job.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::mp4::{self, Mp4Error};
use super::process::{ProcessError, ToolCommand};
use super::tools::Tools;

/// Why a file could not be probed. Callers branch on it (a batch reports it and moves on; the
/// pipeline refuses to prepare a file that is not media).
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("empty file (0 bytes)")]
    Empty,
    #[error("is a directory")]
    Directory,
    #[error("cannot read it: {0}")]
    Io(#[source] std::io::Error),
    /// The file looks like an MP4 but its box structure is broken (truncated, impossible sizes).
    #[error(transparent)]
    BrokenMp4(Mp4Error),
    /// ffprobe could not make sense of the file.
    #[error("not a media file ffprobe can read ({reason})")]
    NotMedia { reason: String },
    #[error("no audio or video streams")]
    NoStreams,
    #[error(transparent)]
    Tool(ProcessError),
    #[error("unexpected ffprobe output: {0}")]
    BadJson(#[source] serde_json::Error),
}

/// Everything `probe` reports about one file.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MediaInfo {
    /// The file as given; shown lossily in JSON when its name is not UTF-8.
    #[serde(serialize_with = "crate::inputs::lossy::path")]
    pub path: PathBuf,
    /// Short container name: `mp4`, `mov`, `m4a`, `matroska`, `webm`, ... (see `format_name` for ffprobe's).
    pub container: String,
    /// ffprobe's format name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`.
    pub format_name: String,
    /// Seconds.
    pub duration: Option<f64>,
    /// The container's start time, seconds (ffmpeg subtracts it from every stream when it reads the file).
    pub start_time: Option<f64>,
    /// Bytes.
    pub size: u64,
    /// Overall bit rate, bits per second.
    pub bit_rate: Option<u64>,
    /// MP4 family only: whether `moov` (the index) precedes the media data, so playback can start
    /// before the whole file is downloaded. `None` for other containers.
    pub faststart: Option<bool>,
    /// Fragmented MP4 (`moof` boxes / `mvex`): streamable as it is.
    pub fragmented: bool,
    pub video: Vec<VideoStream>,
    pub audio: Vec<AudioStream>,
    /// Subtitle streams, text or image based (see [`SubtitleStream::is_text`]).
    pub subtitles: Vec<SubtitleStream>,
}

impl MediaInfo {
    /// Where the first video frame lands once ffmpeg has read the file (it subtracts the container's
    /// start time from every stream): the time on which extracted subtitles and the encoded video agree.
    pub fn video_start_offset(&self) -> f64 {
        let v = self.primary_video().and_then(|v| v.start_time).unwrap_or(0.0);
        (v - self.start_time.unwrap_or(0.0)).max(0.0)
    }

    /// The first video stream, if any (the one thumbnails and renditions are made from).
    pub fn primary_video(&self) -> Option<&VideoStream> {
        self.video.first()
    }

    pub fn is_mp4_family(&self) -> bool {
        self.format_name.starts_with("mov,mp4")
    }
}

/// A frame rate as a fraction, e.g. 30000/1001.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Rational {
    pub num: u64,
    pub den: u64,
}

impl Rational {
    /// Parse `30000/1001`; `0/0` and malformed values are `None`.
    pub fn parse(text: &str) -> Option<Rational> {
        let (n, d) = text.split_once('/')?;
        let (num, den) = (n.trim().parse().ok()?, d.trim().parse().ok()?);
        (num > 0 && den > 0).then_some(Rational { num, den })
    }

    pub fn as_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }
}

impl std::fmt::Display for Rational {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ColorInfo {
    /// `tv` (limited) or `pc` (full).
    pub range: Option<String>,
    /// Matrix coefficients, e.g. `bt709`.
    pub space: Option<String>,
    pub transfer: Option<String>,
    pub primaries: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VideoStream {
    pub index: u32,
    pub codec: String,
    pub profile: Option<String>,
    /// Codec level as usually written (`3.0` for H.264 level 30, `4.1` for HEVC level 123).
    pub level: Option<String>,
    /// Stored (coded) picture size.
    pub width: u32,
    pub height: u32,
    /// Size as shown to the viewer: rotation applied (90/270 swap the sides), non-square pixels stretched.
    pub display_width: u32,
    pub display_height: u32,
    /// Rotation from the display matrix (or the legacy `rotate` tag), in degrees, 0..360.
    pub rotation: u32,
    /// The stream's base frame rate (ffprobe `r_frame_rate`).
    pub frame_rate: Option<Rational>,
    /// `frame_rate` as a decimal, e.g. 29.97.
    pub fps: Option<f64>,
    /// Average frame rate over the stream (ffprobe `avg_frame_rate`).
    pub avg_frame_rate: Option<Rational>,
    /// Base and average frame rates differ by more than 1 %: frames are not evenly spaced.
    pub variable_frame_rate: bool,
    pub pix_fmt: Option<String>,
    pub bit_depth: Option<u32>,
    pub color: ColorInfo,
    pub bit_rate: Option<u64>,
    /// The stream's first presentation time, seconds.
    pub start_time: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AudioStream {
    pub index: u32,
    pub codec: String,
    pub profile: Option<String>,
    pub channels: u32,
    pub channel_layout: Option<String>,
    pub sample_rate: Option<u32>,
    pub bit_rate: Option<u64>,
    /// The stream's `language` tag as written (usually ISO 639-2, `eng`), if any.
    pub language: Option<String>,
    /// The stream's `title` tag (`English`, `Director's commentary`), if any.
    pub title: Option<String>,
    /// Flagged as the default track of its kind.
    pub default: bool,
}

/// One subtitle stream of a source.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SubtitleStream {
    pub index: u32,
    /// ffprobe's codec name: `mov_text`, `subrip`, `ass`, `ssa`, `webvtt`, `hdmv_pgs_subtitle`, ...
    pub codec: String,
    pub language: Option<String>,
    pub title: Option<String>,
    pub default: bool,
    /// Forced subtitles: only the parts in a language other than the audio's.
    pub forced: bool,
}

/// Subtitle codecs ffmpeg can turn into WebVTT (text-based). Image-based ones (PGS, DVB, VobSub) are not.
pub const TEXT_SUBTITLE_CODECS: &[&str] = &["mov_text", "subrip", "srt", "ass", "ssa", "webvtt", "text"];

impl SubtitleStream {
    pub fn is_text(&self) -> bool {
        TEXT_SUBTITLE_CODECS.contains(&self.codec.as_str())
    }
}

/// Run ffprobe on `path` and read the MP4 layout; see [`MediaInfo`].
pub fn probe(tools: &Tools, path: &Path) -> Result<MediaInfo, ProbeError> {
    probe_with(tools, path, false)
}

/// As [`probe`], but an MP4 cut short (a box running past the end of the file: an interrupted
/// upload) goes on to ffprobe instead of failing, so that the readable part can be built and
/// measured (`--allow-partial`). `faststart` is then unknown.
pub fn probe_truncated_ok(tools: &Tools, path: &Path) -> Result<MediaInfo, ProbeError> {
    probe_with(tools, path, true)
}

impl ProbeError {
    /// An MP4 cut short (see [`probe_truncated_ok`]).
    pub fn is_truncated(&self) -> bool {
        matches!(self, ProbeError::BrokenMp4(Mp4Error::Truncated(_)))
    }
}

fn probe_with(tools: &Tools, path: &Path, truncated_ok: bool) -> Result<MediaInfo, ProbeError> {
    let meta = std::fs::metadata(path).map_err(ProbeError::Io)?;
    if meta.is_dir() {
        return Err(ProbeError::Directory);
    }
    if meta.len() == 0 {
        return Err(ProbeError::Empty);
    }
    // Box layout first: a truncated or broken MP4 gets a precise cause instead of ffprobe's
    // "moov atom not found". Files that are not MP4 at all go on to ffprobe.
    let layout = match mp4::read_layout(path) {
        Ok(layout) => Some(layout),
        Err(Mp4Error::NotMp4(_)) => None,
        Err(Mp4Error::Truncated(_)) if truncated_ok => None,
        Err(Mp4Error::Io { source, .. }) => return Err(ProbeError::Io(source)),
        Err(e) => return Err(ProbeError::BrokenMp4(e)),
    };
    let json = run_ffprobe(tools, path)?;
    let mut info = from_ffprobe_json(path, &json)?;
    if info.is_mp4_family() {
        if let Some(layout) = layout {
            info.faststart = layout.faststart();
            info.fragmented = layout.fragmented;
        }
    }
    Ok(info)
}

/// The ffprobe command line for `path` (pure, so it can be checked without ffprobe).
pub fn ffprobe_command(tools: &Tools, path: &Path) -> ToolCommand {
    let mut cmd = ToolCommand::new(&tools.ffprobe);
    cmd.args(["-v", "error", "-print_format", "json", "-show_format", "-show_streams"]).arg(path);
    cmd
}

fn run_ffprobe(tools: &Tools, path: &Path) -> Result<Vec<u8>, ProbeError> {
    ffprobe_command(tools, path).output().map_err(|err| match err {
        ProcessError::Failed { ref stderr_tail, .. } => {
            ProbeError::NotMedia { reason: last_line_without_path(stderr_tail, path) }
        }
        other => ProbeError::Tool(other),
    })
}

/// ffprobe's last stderr line, without the `path: ` prefix it adds (the caller names the file).
fn last_line_without_path(tail: &str, path: &Path) -> String {
    let line = tail.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("ffprobe failed").trim();
    let prefix = format!("{}: ", path.display());
    line.strip_prefix(&prefix).unwrap_or(line).to_owned()
}

/// Parse ffprobe's `-show_format -show_streams` JSON. `faststart`/`fragmented` are left unset.
pub fn from_ffprobe_json(path: &Path, json: &[u8]) -> Result<MediaInfo, ProbeError> {
    let raw: raw::Output = serde_json::from_slice(json).map_err(ProbeError::BadJson)?;
    let format = raw.format.unwrap_or_default();
    let format_name = format.format_name.unwrap_or_default();
    let mut video = Vec::new();
    let mut audio = Vec::new();
    let mut subtitles = Vec::new();
    for s in raw.streams {
        match s.codec_type.as_deref() {
            Some("video") if !s.is_attached_picture() => video.push(video_stream(s)),
            Some("audio") => audio.push(audio_stream(s)),
            Some("subtitle") => subtitles.push(subtitle_stream(s)),
            _ => {}
        }
    }
    if video.is_empty() && audio.is_empty() {
        return Err(ProbeError::NoStreams);
    }
    let size = format.size.as_deref().and_then(|s| s.parse().ok()).unwrap_or(0);
    Ok(MediaInfo {
        path: path.to_owned(),
        container: container_name(&format_name, format.tags.major_brand.as_deref(), path),
        format_name,
        duration: parse_f64(format.duration.as_deref()),
        start_time: parse_f64(format.start_time.as_deref()),
        size,
        bit_rate: parse_u64(format.bit_rate.as_deref()),
        faststart: None,
        fragmented: false,
        video,
        audio,
        subtitles,
    })
}

fn container_name(format_name: &str, major_brand: Option<&str>, path: &Path) -> String {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    if format_name.starts_with("mov,mp4") {
        let brand = major_brand.unwrap_or("").trim().to_ascii_lowercase();
        return match brand.as_str() {
            "qt" => "mov",
            "m4a" => "m4a",
            "m4v" => "m4v",
            b if b.starts_with("3g") => "3gp",
            _ => "mp4",
        }
        .to_owned();
    }
    if format_name == "matroska,webm" {
        return if ext.as_deref() == Some("webm") { "webm" } else { "matroska" }.to_owned();
    }
    format_name.split(',').next().unwrap_or(format_name).to_owned()
}

fn video_stream(s: raw::Stream) -> VideoStream {
    let width = s.width.unwrap_or(0);
    let height = s.height.unwrap_or(0);
    let rotation = s.rotation();
    let (mut dw, mut dh) = (width, height);
    if let Some(sar) = s.sample_aspect_ratio.as_deref().and_then(|r| Rational::parse(&r.replace(':', "/"))) {
        if sar.num != sar.den {
            dw = ((u64::from(width) * sar.num) as f64 / sar.den as f64).round() as u32;
        }
    }
    if rotation % 180 == 90 {
        std::mem::swap(&mut dw, &mut dh);
    }
    let frame_rate = s.r_frame_rate.as_deref().and_then(Rational::parse);
    let avg_frame_rate = s.avg_frame_rate.as_deref().and_then(Rational::parse);
    let codec = s.codec_name.clone().unwrap_or_else(|| "unknown".into());
    VideoStream {
        index: s.index,
        level: format_level(&codec, s.level),
        profile: s.profile.clone(),
        width,
        height,
        display_width: dw,
        display_height: dh,
        rotation,
        fps: frame_rate.map(|r| (r.as_f64() * 1000.0).round() / 1000.0),
        variable_frame_rate: is_variable(frame_rate, avg_frame_rate),
        frame_rate,
        avg_frame_rate,
        bit_depth: s
            .bits_per_raw_sample
            .as_deref()
            .and_then(|b| b.parse().ok())
            .filter(|&b| b > 0)
            .or_else(|| s.pix_fmt.as_deref().and_then(bit_depth_of_pix_fmt)),
        pix_fmt: s.pix_fmt,
        color: ColorInfo {
            range: known(s.color_range),
            space: known(s.color_space),
            transfer: known(s.color_transfer),
            primaries: known(s.color_primaries),
        },
        bit_rate: parse_u64(s.bit_rate.as_deref()),
        start_time: parse_f64(s.start_time.as_deref()),
        codec,
    }
}

fn subtitle_stream(s: raw::Stream) -> SubtitleStream {
    SubtitleStream {
        index: s.index,
        codec: s.codec_name.unwrap_or_else(|| "unknown".into()),
        language: s.tags.language.filter(|l| !l.trim().is_empty() && l != "und"),
        title: s.tags.title.filter(|t| !t.trim().is_empty()),
        default: s.disposition.default == 1,
        forced: s.disposition.forced == 1,
    }
}

fn audio_stream(s: raw::Stream) -> AudioStream {
    AudioStream {
        index: s.index,
        language: s.tags.language.filter(|l| !l.trim().is_empty() && l != "und"),
        title: s.tags.title.filter(|t| !t.trim().is_empty()),
        default: s.disposition.default == 1,
        codec: s.codec_name.unwrap_or_else(|| "unknown".into()),
        profile: s.profile,
        channels: s.channels.unwrap_or(0),
        channel_layout: s.channel_layout,
        sample_rate: s.sample_rate.as_deref().and_then(|r| r.parse().ok()),
        bit_rate: parse_u64(s.bit_rate.as_deref()),
    }
}

/// Frames are unevenly spaced when the base rate and the average rate disagree by more than 1 %.
fn is_variable(base: Option<Rational>, avg: Option<Rational>) -> bool {
    match (base, avg) {
        (Some(b), Some(a)) => (b.as_f64() - a.as_f64()).abs() / b.as_f64() > 0.01,
        _ => false,
    }
}

fn format_level(codec: &str, level: Option<i64>) -> Option<String> {
    let level = level.filter(|&l| l > 0)?;
    Some(match codec {
        "h264" => format!("{}.{}", level / 10, level % 10),
        "hevc" => {
            let tenths = level / 3;
            format!("{}.{}", tenths / 10, tenths % 10)
        }
        _ => level.to_string(),
    })
}

/// Bit depth from a pixel format name when the stream does not state it: `yuv420p10le` -> 10,
/// `p010le` -> 10, `yuv420p`/`nv12`/`gray` -> 8.
pub fn bit_depth_of_pix_fmt(pix_fmt: &str) -> Option<u32> {
    let name = pix_fmt.trim_end_matches("le").trim_end_matches("be");
    if let Some(rest) = name.strip_prefix('p').filter(|r| r.len() == 3) {
        return rest[1..].parse().ok();
    }
    let digits: String = name.chars().rev().take_while(|c| c.is_ascii_digit()).collect();
    let before = name.len() - digits.len();
    if !digits.is_empty() && name[..before].ends_with('p') && name.starts_with("yuv") {
        return digits.chars().rev().collect::<String>().parse().ok();
    }
    if ["yuv", "yuvj", "nv12", "nv21", "gray"].iter().any(|p| name.starts_with(p)) && digits.len() <= 3 {
        return Some(8);
    }
    None
}

fn known(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty() && v != "unknown" && v != "reserved")
}

fn parse_u64(s: Option<&str>) -> Option<u64> {
    s?.trim().parse().ok()
}

fn parse_f64(s: Option<&str>) -> Option<f64> {
    s?.trim().parse().ok().filter(|v: &f64| v.is_finite())
}

/// ffprobe's JSON (`-of json`), the one model of it: the fields `probe` reads from `-show_streams
/// -show_format` and the packet list `package` reads to measure segments.
pub mod raw {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    pub struct Output {
        #[serde(default)]
        pub streams: Vec<Stream>,
        pub format: Option<Format>,
        #[serde(default)]
        pub packets: Vec<Packet>,
    }

    /// One packet of `-show_entries packet=...`.
    #[derive(Debug, Deserialize)]
    pub struct Packet {
        pub stream_index: u32,
        pub pts_time: Option<String>,
        pub pos: Option<String>,
        pub size: Option<String>,
        #[serde(default)]
        pub flags: String,
    }

    #[derive(Debug, Default, Deserialize)]
    pub struct Format {
        pub format_name: Option<String>,
        pub duration: Option<String>,
        pub start_time: Option<String>,
        pub size: Option<String>,
        pub bit_rate: Option<String>,
        #[serde(default)]
        pub tags: FormatTags,
    }

    #[derive(Debug, Default, Deserialize)]
    pub struct FormatTags {
        pub major_brand: Option<String>,
    }

    #[derive(Debug, Default, Deserialize)]
    pub struct Stream {
        pub index: u32,
        pub codec_name: Option<String>,
        pub codec_type: Option<String>,
        pub profile: Option<String>,
        pub level: Option<i64>,
        pub width: Option<u32>,
        pub height: Option<u32>,
        pub sample_aspect_ratio: Option<String>,
        pub pix_fmt: Option<String>,
        pub bits_per_raw_sample: Option<String>,
        pub color_range: Option<String>,
        pub color_space: Option<String>,
        pub color_transfer: Option<String>,
        pub color_primaries: Option<String>,
        pub r_frame_rate: Option<String>,
        pub avg_frame_rate: Option<String>,
        pub bit_rate: Option<String>,
        pub start_time: Option<String>,
        pub channels: Option<u32>,
        pub channel_layout: Option<String>,
        pub sample_rate: Option<String>,
        #[serde(default)]
        pub disposition: Disposition,
        #[serde(default)]
        pub tags: StreamTags,
        #[serde(default)]
        pub side_data_list: Vec<SideData>,
    }

    #[derive(Debug, Default, Deserialize)]
    pub struct Disposition {
        #[serde(default)]
        pub attached_pic: u8,
        #[serde(default)]
        pub default: u8,
        #[serde(default)]
        pub forced: u8,
    }

    #[derive(Debug, Default, Deserialize)]
    pub struct StreamTags {
        pub rotate: Option<String>,
        pub language: Option<String>,
        pub title: Option<String>,
    }

    #[derive(Debug, Default, Deserialize)]
    pub struct SideData {
        pub rotation: Option<f64>,
    }

    impl Stream {
        pub fn is_attached_picture(&self) -> bool {
            self.disposition.attached_pic == 1
        }

        /// Display-matrix rotation (or the legacy tag), normalised to 0..360.
        pub fn rotation(&self) -> u32 {
            let degrees = self
                .side_data_list
                .iter()
                .find_map(|s| s.rotation)
                .or_else(|| self.tags.rotate.as_deref().and_then(|r| r.parse().ok()))
                .unwrap_or(0.0);
            ((degrees.round() as i64).rem_euclid(360)) as u32
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PORTRAIT: &str = r#"{"streams":[{"index":0,"codec_name":"h264","profile":"High","codec_type":"video",
        "width":640,"height":360,"sample_aspect_ratio":"1:1","pix_fmt":"yuv420p","level":30,
        "r_frame_rate":"30/1","avg_frame_rate":"30/1","bit_rate":"294037","bits_per_raw_sample":"8",
        "side_data_list":[{"side_data_type":"Display Matrix","rotation":-90}]},
        {"index":1,"codec_name":"aac","profile":"LC","codec_type":"audio","sample_rate":"48000","channels":1,
        "channel_layout":"mono","bit_rate":"64406"}],
        "format":{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","duration":"6.000000","size":"276897",
        "bit_rate":"369196","tags":{"major_brand":"isom"}}}"#;

    #[test]
    fn rotation_by_90_swaps_the_display_size() {
        let info = from_ffprobe_json(Path::new("p.mp4"), PORTRAIT.as_bytes()).unwrap();
        let v = &info.video[0];
        assert_eq!((v.width, v.height), (640, 360));
        assert_eq!((v.display_width, v.display_height), (360, 640));
        assert_eq!(v.rotation, 270);
        assert_eq!(v.level.as_deref(), Some("3.0"));
        assert_eq!(info.container, "mp4");
        assert_eq!(info.audio[0].sample_rate, Some(48000));
        assert_eq!(info.duration, Some(6.0));
    }

    #[test]
    fn differing_base_and_average_rates_mean_variable_frame_rate() {
        let r = |s| Rational::parse(s);
        assert!(is_variable(r("30/1"), r("2400/119")));
        assert!(!is_variable(r("30000/1001"), r("30000/1001")));
        assert!(!is_variable(r("25/1"), None));
    }

    #[test]
    fn zero_over_zero_is_no_rate() {
        assert_eq!(Rational::parse("0/0"), None);
        assert_eq!(Rational::parse("24000/1001").unwrap().to_string(), "24000/1001");
    }

    #[test]
    fn pixel_format_names_give_bit_depth() {
        assert_eq!(bit_depth_of_pix_fmt("yuv420p"), Some(8));
        assert_eq!(bit_depth_of_pix_fmt("yuv420p10le"), Some(10));
        assert_eq!(bit_depth_of_pix_fmt("yuv444p12be"), Some(12));
        assert_eq!(bit_depth_of_pix_fmt("p010le"), Some(10));
        assert_eq!(bit_depth_of_pix_fmt("nv12"), Some(8));
        assert_eq!(bit_depth_of_pix_fmt("rgb24"), None);
    }

    #[test]
    fn hevc_levels_are_divided_by_thirty() {
        assert_eq!(format_level("hevc", Some(123)).as_deref(), Some("4.1"));
        assert_eq!(format_level("vp9", Some(0)), None);
    }

    #[test]
    fn json_without_streams_is_an_error() {
        let err = from_ffprobe_json(Path::new("x"), br#"{"format":{"format_name":"tty"}}"#).unwrap_err();
        assert!(matches!(err, ProbeError::NoStreams));
    }

    #[test]
    fn ffprobe_error_line_loses_the_path_prefix() {
        let line = last_line_without_path(
            "[mov @ 0x1] moov atom not found\nbad.mp4: Invalid data found when processing input",
            Path::new("bad.mp4"),
        );
        assert_eq!(line, "Invalid data found when processing input");
    }
}
