//! One ffmpeg process per source: the pure argument builder and its execution. The source is decoded
//! once; a `split` filter feeds one scaler per rung, each rung is encoded once (x264, capped CRF, IDR
//! frames forced on a fixed grid with scene-cut keyframes off and closed GOPs), audio is encoded once
//! per distinct bitrate, and the `tee` muxer sends each rung's streams to its faststart MP4 and/or its
//! HLS slave; the storyboard's sampled frames are a second output file of the same process, tiled into
//! sheets by a small second run. Output paths are relative to the folder ffmpeg runs in (the staging
//! folder), so nothing in them needs escaping for the tee syntax. Playlists written here are ffmpeg's;
//! `package` replaces them with measured ones.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::layout::{
    rendition_path, SegmentType, HLS_DIR, INIT_SEGMENT, MEDIA_PLAYLIST, RENDITIONS_DIR, STORYBOARD_DIR, STREAM_FILE,
};
use crate::pipeline::ladder::Rendition;
use crate::pipeline::process::{FfmpegProgress, ProcessError, ToolCommand, FFMPEG_QUIET};
use crate::pipeline::storyboard::Plan;

/// Keyframes are forced on this grid (seconds); it divides the segment length, so every segment
/// boundary is a keyframe: 2 s for even segment lengths, 1 s otherwise.
pub fn keyframe_seconds(segment_seconds: u32) -> u32 {
    if segment_seconds % 2 == 0 {
        2
    } else {
        1
    }
}

/// HLS output options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HlsOptions {
    pub segment_seconds: u32,
    pub segment_type: SegmentType,
}

/// Everything one encode needs.
#[derive(Debug, Clone)]
pub struct EncodePlan {
    /// Absolute path of the source.
    pub input: PathBuf,
    pub renditions: Vec<Rendition>,
    pub preset: String,
    /// IDR grid in seconds (divides the segment length).
    pub keyframe_seconds: u32,
    /// Write `renditions/<quality>.mp4`.
    pub mp4: bool,
    /// Write `hls/<quality>/` segments and a playlist.
    pub hls: Option<HlsOptions>,
    /// Also remux the source into a faststart `stream.mp4` by stream copy, in the same process (for
    /// sources that are already web-playable).
    pub remux: Remux,
    /// The source's audio stream (absolute index) for the rungs, the MP4s and the remux: the default
    /// language. `None`: the first audio stream.
    pub audio_stream: Option<u32>,
    /// Alternative audio renditions of the HLS package (`hls/audio-<lang>/`), one AAC encode each.
    /// When there are any, the rungs' HLS segments carry video only (the MP4s keep `audio_stream`).
    pub audio_renditions: Vec<AudioOut>,
    /// Scrub-preview sheets drawn from the same decode (`hls/storyboard/sheet_NNN.jpg`).
    pub storyboard: Option<StoryboardOut>,
}

/// One audio rendition of the HLS AUDIO group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioOut {
    /// Absolute stream index in the source.
    pub stream: u32,
    /// `audio-<lang>` folder inside `hls/`.
    pub folder: crate::layout::Quality,
    pub kbps: u32,
}

/// The storyboard: a branch of the encode's filter graph samples the frames into [`STORYBOARD_FRAMES`],
/// and a second, small ffmpeg run tiles them into the sheets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryboardOut {
    /// From the decoded video to the sampled frames (`fps=...,scale=...`), see
    /// `storyboard::Plan::sample_filter`.
    pub sample: String,
    /// From the sampled frames to the sheets (`tile=CxR`), see `storyboard::Plan::tile_filter`.
    pub tile: String,
    /// Tiles to take (the index has this many cues); later frames are dropped.
    pub frames: u32,
}

/// The sampled storyboard frames (lossless FFV1 in NUT), in the staging folder between the encode
/// and the tiling; removed once the sheets are drawn.
pub const STORYBOARD_FRAMES: &str = "storyboard-frames.nut";

/// Which of the source's streams are copied into `stream.mp4` by the encode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Remux {
    /// No `stream.mp4` from the encode.
    #[default]
    Off,
    /// The first video stream (the source has no audio).
    Video,
    /// The first video and the first audio stream.
    VideoAndAudio,
}

impl EncodePlan {
    /// Distinct audio bitrates, in first-use order: audio is encoded once per entry.
    pub fn audio_rates(&self) -> Vec<u32> {
        let mut rates = Vec::new();
        for r in &self.renditions {
            if let Some(kbps) = r.audio_kbps {
                if !rates.contains(&kbps) {
                    rates.push(kbps);
                }
            }
        }
        rates
    }

    /// Relative directories ffmpeg writes into (created before it runs).
    pub fn output_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = Vec::new();
        if self.mp4 {
            dirs.push(PathBuf::from(RENDITIONS_DIR));
        }
        if self.hls.is_some() {
            for r in &self.renditions {
                dirs.push(Path::new(HLS_DIR).join(r.quality.as_str()));
            }
            for a in &self.audio_renditions {
                dirs.push(Path::new(HLS_DIR).join(a.folder.as_str()));
            }
        }
        if self.storyboard.is_some() {
            dirs.push(Path::new(HLS_DIR).join(STORYBOARD_DIR));
        }
        dirs
    }

    /// The source audio stream the rungs use, as a `-map`/filter input (`0:a:0` or `0:<index>`).
    fn audio_input(&self) -> String {
        self.audio_stream.map_or_else(|| "0:a:0".to_owned(), |i| format!("0:{i}"))
    }

    /// Output audio streams before the alternative renditions': the rates, then the remuxed copy.
    fn group_audio_base(&self) -> usize {
        self.audio_rates().len() + usize::from(self.remux == Remux::VideoAndAudio)
    }

    /// The filter graph: one decode, split to one scaler per rung, audio split per distinct rate.
    pub fn filter_graph(&self) -> String {
        let n = self.renditions.len();
        let branches = n + usize::from(self.storyboard.is_some());
        let mut parts = Vec::new();
        let scale = |r: &Rendition| format!("scale={}:{}:flags=bicubic,setsar=1,format=yuv420p", r.width, r.height);
        if branches == 1 {
            parts.push(format!("[0:v:0]{}[v0]", scale(&self.renditions[0])));
        } else {
            let labels: String = (0..branches).map(|i| format!("[s{i}]")).collect();
            parts.push(format!("[0:v:0]split={branches}{labels}"));
            for (i, r) in self.renditions.iter().enumerate() {
                parts.push(format!("[s{i}]{}[v{i}]", scale(r)));
            }
        }
        if let Some(sb) = &self.storyboard {
            // trim keeps exactly the indexed frames.
            let (fps, rest) = sb.sample.split_once(',').unwrap_or((&sb.sample, ""));
            parts.push(format!("[s{n}]{fps},trim=end_frame={},{rest}[sb]", sb.frames));
        }
        let a = self.audio_rates().len();
        if a > 1 {
            let labels: String = (0..a).map(|i| format!("[a{i}]")).collect();
            parts.push(format!("[{}]asplit={a}{labels}", self.audio_input()));
        }
        parts.join(";")
    }

    /// The tee muxer's output list: per rung an MP4 slave and/or an HLS slave.
    pub fn tee_outputs(&self) -> String {
        let rates = self.audio_rates();
        let mut slaves = Vec::new();
        for (i, r) in self.renditions.iter().enumerate() {
            let select = match r.audio_kbps {
                Some(kbps) => {
                    let a = rates.iter().position(|&k| k == kbps).expect("rate listed");
                    format!("select=\\'v:{i},a:{a}\\'")
                }
                None => format!("select=\\'v:{i}\\'"),
            };
            if self.mp4 {
                slaves.push(format!("[{select}:f=mp4:movflags=+faststart]{}", rendition_path(&r.quality)));
            }
            if let Some(hls) = self.hls {
                // With an AUDIO group the rung's segments carry video only.
                let select = if self.audio_renditions.is_empty() { select } else { format!("select=\\'v:{i}\\'") };
                slaves.push(hls_slave(&select, hls, r.quality.as_str()));
            }
        }
        if let Some(hls) = self.hls {
            let base = self.group_audio_base();
            for (k, a) in self.audio_renditions.iter().enumerate() {
                slaves.push(hls_slave(&format!("select=\\'a:{}\\'", base + k), hls, a.folder.as_str()));
            }
        }
        if self.remux != Remux::Off {
            let v = self.renditions.len();
            let select = if self.remux == Remux::VideoAndAudio {
                format!("select=\\'v:{v},a:{}\\'", rates.len())
            } else {
                format!("select=\\'v:{v}\\'")
            };
            slaves.push(format!("[{select}:f=mp4:movflags=+faststart]{STREAM_FILE}"));
        }
        slaves.join("|")
    }

    /// The whole ffmpeg argument vector (without the program and without `-progress`).
    pub fn args(&self) -> Vec<OsString> {
        let mut input = OsString::from("file:");
        input.push(&self.input);
        let mut out: Vec<OsString> = FFMPEG_QUIET.iter().map(OsString::from).collect();
        out.push("-i".into());
        out.push(input);
        let mut push = |s: String| out.push(OsString::from(s));
        push("-filter_complex".into());
        push(self.filter_graph());
        for i in 0..self.renditions.len() {
            push("-map".into());
            push(format!("[v{i}]"));
        }
        let rates = self.audio_rates();
        for i in 0..rates.len() {
            push("-map".into());
            push(if rates.len() == 1 { self.audio_input() } else { format!("[a{i}]") });
        }
        if self.remux != Remux::Off {
            push("-map".into());
            push("0:v:0".into());
            if self.remux == Remux::VideoAndAudio {
                push("-map".into());
                push(self.audio_input());
            }
        }
        if self.hls.is_some() {
            for a in &self.audio_renditions {
                push("-map".into());
                push(format!("0:{}", a.stream));
            }
        }
        push("-c:v".into());
        push("libx264".into());
        if self.remux != Remux::Off {
            push(format!("-c:v:{}", self.renditions.len()));
            push("copy".into());
        }
        push("-preset".into());
        push(self.preset.clone());
        for (i, r) in self.renditions.iter().enumerate() {
            for (k, v) in [
                ("profile", "high".to_owned()),
                ("crf", r.crf.to_string()),
                ("maxrate", format!("{}k", r.video_kbps)),
                ("bufsize", format!("{}k", 2 * r.video_kbps)),
            ] {
                push(format!("-{k}:v:{i}"));
                push(v);
            }
        }
        // IDR frames on a fixed grid, identical in every rung; no scene-cut keyframes; closed GOPs.
        push("-force_key_frames".into());
        push(format!("expr:gte(t,n_forced*{})", self.keyframe_seconds));
        push("-forced-idr".into());
        push("1".into());
        push("-sc_threshold".into());
        push("0".into());
        push("-x264-params".into());
        push("scenecut=0:open_gop=0".into());
        let groups = if self.hls.is_some() { self.audio_renditions.as_slice() } else { &[] };
        if !rates.is_empty() || !groups.is_empty() {
            push("-c:a".into());
            push("aac".into());
            push("-ac".into());
            push("2".into());
            for (i, kbps) in rates.iter().enumerate() {
                push(format!("-b:a:{i}"));
                push(format!("{kbps}k"));
            }
            let base = self.group_audio_base();
            for (k, a) in groups.iter().enumerate() {
                push(format!("-b:a:{}", base + k));
                push(format!("{}k", a.kbps));
            }
        }
        if self.remux == Remux::VideoAndAudio {
            push(format!("-c:a:{}", rates.len()));
            push("copy".into());
        }
        if !groups.is_empty() {
            // Every tee slave shifts its own negative timestamps (x264's B-frame delay) unless the tee
            // does it once for all: then the audio renditions keep the same clock as the video rungs.
            push("-avoid_negative_ts".into());
            push("make_non_negative".into());
        }
        for s in ["-map_metadata", "-1", "-map_chapters", "-1", "-flags", "+global_header", "-f", "tee"] {
            push(s.into());
        }
        push(self.tee_outputs());
        // The storyboard's sampled frames are a second output file, not a tee slave, and they are
        // tiled later, not here. ffmpeg writes a file only once every stream in it has its first
        // frame, and a tile filter gives its first sheet only when the sheet is full, usually at the
        // end of the source. Inside the tee, every rung's packets waited in memory for the sheet
        // ("Too many packets buffered" past 50 MB, about a minute of 720p); as an output of its own,
        // the sheet held back ffmpeg's first progress report (it waits for every output's header)
        // until the end, so progress bars and queue events stood still for the whole encode.
        if self.storyboard.is_some() {
            for s in ["-map", "[sb]", "-c:v", "ffv1", "-f", "nut", STORYBOARD_FRAMES] {
                push(s.into());
            }
        }
        out
    }

    /// The run that tiles the sampled frames into `hls/storyboard/sheet_NNN.jpg`, inside `dir` (the
    /// staging folder), once the encode has written [`STORYBOARD_FRAMES`].
    pub fn storyboard_command(&self, ffmpeg: &Path, dir: &Path) -> Option<ToolCommand> {
        let sb = self.storyboard.as_ref()?;
        let mut cmd = ToolCommand::new(ffmpeg);
        cmd.args(FFMPEG_QUIET)
            .args(["-i", STORYBOARD_FRAMES, "-vf"])
            .arg(&sb.tile)
            .args(["-c:v", "mjpeg", "-q:v", "5", "-pix_fmt", "yuvj420p", "-f", "image2"])
            .arg(format!("{HLS_DIR}/{STORYBOARD_DIR}/{}", Plan::SHEET_PATTERN))
            .current_dir(dir);
        Some(cmd)
    }

    /// The command, to run inside `dir` (the staging folder).
    pub fn command(&self, ffmpeg: &Path, dir: &Path) -> ToolCommand {
        let mut cmd = ToolCommand::new(ffmpeg);
        cmd.args(self.args()).current_dir(dir);
        cmd
    }
}

/// One HLS slave of the tee muxer: `select` picks the streams, the folder gets the playlist and segments.
fn hls_slave(select: &str, hls: HlsOptions, folder: &str) -> String {
    let dir = format!("{HLS_DIR}/{folder}");
    let mut opts = format!(
        "{select}:f=hls:hls_time={}:hls_playlist_type=vod:hls_segment_filename={dir}/{}",
        hls.segment_seconds,
        hls.segment_type.pattern()
    );
    if hls.segment_type == SegmentType::Fmp4 {
        opts.push_str(&format!(":hls_segment_type=fmp4:hls_fmp4_init_filename={INIT_SEGMENT}"));
    }
    format!("[{opts}]{dir}/{MEDIA_PLAYLIST}")
}

/// `--from-renditions`: segment existing renditions by stream copy, all rungs in one ffmpeg process
/// (no decode, no encode). Their keyframes are already on the IDR grid.
#[derive(Debug, Clone)]
pub struct SegmentPlan {
    /// Quality and the rendition file (relative to the folder ffmpeg runs in, or absolute).
    pub inputs: Vec<(crate::layout::Quality, PathBuf)>,
    pub hls: HlsOptions,
}

impl SegmentPlan {
    pub fn args(&self) -> Vec<OsString> {
        let mut out: Vec<OsString> = FFMPEG_QUIET.iter().map(OsString::from).collect();
        for (_, path) in &self.inputs {
            let mut input = OsString::from("file:");
            input.push(path);
            out.push("-i".into());
            out.push(input);
        }
        for (i, (quality, _)) in self.inputs.iter().enumerate() {
            let dir = format!("{HLS_DIR}/{quality}");
            let mut a = vec![
                "-map".to_owned(),
                format!("{i}:v:0"),
                "-map".into(),
                format!("{i}:a:0?"),
                "-c".into(),
                "copy".into(),
                "-map_metadata".into(),
                "-1".into(),
                "-f".into(),
                "hls".into(),
                "-hls_time".into(),
                self.hls.segment_seconds.to_string(),
                "-hls_playlist_type".into(),
                "vod".into(),
                "-hls_segment_filename".into(),
                format!("{dir}/{}", self.hls.segment_type.pattern()),
            ];
            if self.hls.segment_type == SegmentType::Fmp4 {
                a.extend([
                    "-hls_segment_type".into(),
                    "fmp4".into(),
                    "-hls_fmp4_init_filename".into(),
                    INIT_SEGMENT.into(),
                ]);
            }
            a.push(format!("{dir}/{MEDIA_PLAYLIST}"));
            out.extend(a.into_iter().map(OsString::from));
        }
        out
    }

    /// The ffmpeg command, run in `dir` (the staging folder).
    pub fn command(&self, ffmpeg: &Path, dir: &Path) -> ToolCommand {
        let mut cmd = ToolCommand::new(ffmpeg);
        cmd.args(self.args()).current_dir(dir);
        cmd
    }

    /// Run in `dir` (the staging folder), creating the rung folders first.
    pub fn run(
        &self,
        ffmpeg: &Path,
        dir: &Path,
        on_progress: &mut dyn FnMut(&FfmpegProgress),
    ) -> Result<(), EncodeError> {
        for (q, _) in &self.inputs {
            let path = dir.join(HLS_DIR).join(q.as_str());
            std::fs::create_dir_all(&path).map_err(|source| EncodeError::Io { path, source })?;
        }
        self.command(ffmpeg, dir).run_with_progress(on_progress)?;
        Ok(())
    }
}

/// Run the encode in `dir`, creating its output folders first.
pub fn run(
    plan: &EncodePlan,
    ffmpeg: &Path,
    dir: &Path,
    on_progress: &mut dyn FnMut(&FfmpegProgress),
) -> Result<(), EncodeError> {
    for sub in plan.output_dirs() {
        let path = dir.join(&sub);
        std::fs::create_dir_all(&path).map_err(|source| EncodeError::Io { path, source })?;
    }
    plan.command(ffmpeg, dir).run_with_progress(on_progress)?;
    if let Some(tiling) = plan.storyboard_command(ffmpeg, dir) {
        tiling.output().map_err(EncodeError::Storyboard)?;
        let path = dir.join(STORYBOARD_FRAMES);
        std::fs::remove_file(&path).map_err(|source| EncodeError::Remove { path, source })?;
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("creating {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Process(#[from] ProcessError),
    #[error("drawing the storyboard sheets: {0}")]
    Storyboard(ProcessError),
    #[error("removing {}: {source}", path.display())]
    Remove { path: PathBuf, source: std::io::Error },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::ladder::{default_rungs, fit, SourceShape};

    fn plan(width: u32, height: u32, audio: bool, mp4: bool, hls: Option<HlsOptions>) -> EncodePlan {
        let shape = SourceShape { width, height, has_video: true, has_audio: audio };
        EncodePlan {
            input: "/in/clip.mp4".into(),
            renditions: fit(&default_rungs(), shape).unwrap(),
            preset: "veryfast".into(),
            keyframe_seconds: 2,
            mp4,
            hls,
            remux: Remux::Off,
            audio_stream: None,
            audio_renditions: Vec::new(),
            storyboard: None,
        }
    }

    #[test]
    fn audio_languages_and_the_storyboard_join_the_same_run() {
        let mut p = plan(854, 480, true, true, TS6);
        p.audio_stream = Some(2);
        p.remux = Remux::VideoAndAudio;
        let folder = |s: &str| crate::layout::Quality::parse(s).unwrap();
        p.audio_renditions = vec![
            AudioOut { stream: 1, folder: folder("audio-en"), kbps: 128 },
            AudioOut { stream: 2, folder: folder("audio-es"), kbps: 128 },
        ];
        p.storyboard = Some(StoryboardOut {
            sample: "fps=fps=1000/1000:round=up,scale=160:90".into(),
            tile: "tile=8x1".into(),
            frames: 8,
        });
        let graph = p.filter_graph();
        assert!(graph.starts_with("[0:v:0]split=3[s0][s1][s2]"), "{graph}");
        assert!(graph.contains("[s2]fps=fps=1000/1000:round=up,trim=end_frame=8,scale=160:90[sb]"), "{graph}");
        let args = joined(&p);
        // Video: rungs 0-1, the remux copy 2; the storyboard is its own output file. Audio (from the
        // default stream 0:2): the two rates 0-1, the remux copy 2, the group 3-4.
        assert!(graph.ends_with("[0:2]asplit=2[a0][a1]"), "{graph}");
        assert!(
            args.contains("-map [v0] -map [v1] -map [a0] -map [a1] -map 0:v:0 -map 0:2 -map 0:1 -map 0:2 "),
            "{args}"
        );
        assert!(
            args.ends_with("-map [sb] -c:v ffv1 -f nut storyboard-frames.nut"),
            "the storyboard's frames are a second output after the tee: {args}"
        );
        let tiling = p.storyboard_command(Path::new("ffmpeg"), Path::new("/staging")).unwrap().display();
        assert!(
            tiling.ends_with("-i storyboard-frames.nut -vf tile=8x1 -c:v mjpeg -q:v 5 -pix_fmt yuvj420p -f image2 hls/storyboard/sheet_%03d.jpg"),
            "{tiling}"
        );
        assert!(args.contains("-b:a:3 128k -b:a:4 128k -c:a:2 copy"), "{args}");
        let tee = p.tee_outputs();
        assert!(
            tee.contains("[select=\\'v:0,a:0\\':f=mp4:movflags=+faststart]renditions/360p.mp4"),
            "the MP4s keep the default language: {tee}"
        );
        assert!(tee.contains("[select=\\'v:0\\':f=hls:"), "HLS rungs carry video only: {tee}");
        assert!(tee.contains("[select=\\'a:3\\':f=hls:hls_time=6:hls_playlist_type=vod:hls_segment_filename=hls/audio-en/seg_%05d.ts]hls/audio-en/playlist.m3u8"), "{tee}");
        assert!(tee.contains("[select=\\'a:4\\':f=hls:") && tee.contains("hls/audio-es/playlist.m3u8"), "{tee}");
        assert!(!tee.contains("image2"), "no storyboard slave in the tee: {tee}");
        assert!(p.output_dirs().contains(&PathBuf::from("hls/storyboard")));
    }

    fn joined(p: &EncodePlan) -> String {
        p.args().iter().map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>().join(" ")
    }

    const TS6: Option<HlsOptions> = Some(HlsOptions { segment_seconds: 6, segment_type: SegmentType::Ts });

    #[test]
    fn one_decode_is_split_to_every_rung() {
        let p = plan(1920, 1080, true, true, TS6);
        let graph = p.filter_graph();
        assert!(graph.starts_with("[0:v:0]split=4[s0][s1][s2][s3];"), "{graph}");
        assert!(graph.contains("[s3]scale=1920:1080:flags=bicubic,setsar=1,format=yuv420p[v3]"), "{graph}");
        let args = joined(&p);
        assert_eq!(args.matches(" -i ").count(), 1, "{args}");
    }

    #[test]
    fn audio_is_encoded_once_per_distinct_bitrate() {
        let p = plan(1920, 1080, true, true, None);
        assert_eq!(p.audio_rates(), [96, 128, 192]);
        assert!(p.filter_graph().ends_with("[0:a:0]asplit=3[a0][a1][a2]"));
        let args = joined(&p);
        assert!(args.contains("-b:a:0 96k -b:a:1 128k -b:a:2 192k"), "{args}");
        // 480p and 720p share the 128k encode.
        let tee = p.tee_outputs();
        assert!(tee.contains("[select=\\'v:1,a:1\\':f=mp4:movflags=+faststart]renditions/480p.mp4"), "{tee}");
        assert!(tee.contains("[select=\\'v:2,a:1\\':f=mp4:movflags=+faststart]renditions/720p.mp4"), "{tee}");
    }

    #[test]
    fn capped_crf_and_fixed_idr_grid_without_scene_cuts() {
        let args = joined(&plan(854, 480, true, true, TS6));
        assert!(args.contains("-profile:v:0 high -crf:v:0 28 -maxrate:v:0 800k -bufsize:v:0 1600k"), "{args}");
        assert!(args.contains("-crf:v:1 26 -maxrate:v:1 1400k -bufsize:v:1 2800k"), "{args}");
        assert!(args.contains("-force_key_frames expr:gte(t,n_forced*2)"), "{args}");
        assert!(args.contains("-sc_threshold 0") && args.contains("scenecut=0:open_gop=0"), "{args}");
    }

    #[test]
    fn one_encode_feeds_both_mp4_and_hls_slaves() {
        let p = plan(854, 480, true, true, TS6);
        let tee = p.tee_outputs();
        assert_eq!(tee.split('|').count(), 4, "{tee}");
        assert!(tee.contains("f=hls:hls_time=6:hls_playlist_type=vod:hls_segment_filename=hls/360p/seg_%05d.ts]hls/360p/playlist.m3u8"), "{tee}");
        assert_eq!(joined(&p).matches("libx264").count(), 1);
    }

    #[test]
    fn video_only_sources_map_no_audio() {
        let p = plan(854, 480, false, false, TS6);
        let args = joined(&p);
        assert!(!args.contains("0:a") && !args.contains("-c:a"), "{args}");
        assert!(p.tee_outputs().contains("[select=\\'v:0\\':f=hls"));
    }

    #[test]
    fn web_playable_sources_are_also_copied_to_stream_mp4_in_the_same_process() {
        let mut p = plan(854, 480, true, true, TS6);
        p.remux = Remux::VideoAndAudio;
        let args = joined(&p);
        assert!(args.contains("-map 0:v:0 -map 0:a:0 -c:v libx264 -c:v:2 copy"), "{args}");
        assert!(args.contains("-c:a:2 copy"), "{args}");
        assert!(p.tee_outputs().ends_with("[select=\\'v:2,a:2\\':f=mp4:movflags=+faststart]stream.mp4"));
        assert_eq!(args.matches(" -i ").count(), 1);
    }

    #[test]
    fn from_renditions_segments_by_stream_copy_in_one_process() {
        let q = |s: &str| crate::layout::Quality::parse(s).unwrap();
        let plan = SegmentPlan {
            inputs: vec![(q("360p"), "renditions/360p.mp4".into()), (q("480p"), "renditions/480p.mp4".into())],
            hls: HlsOptions { segment_seconds: 6, segment_type: SegmentType::Ts },
        };
        let args = plan.args().iter().map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>().join(" ");
        assert_eq!(args.matches(" -c copy ").count(), 2, "{args}");
        assert!(!args.contains("libx264"));
        assert!(args.contains("-map 1:v:0 -map 1:a:0? -c copy"), "{args}");
        assert!(args.ends_with("-hls_segment_filename hls/480p/seg_%05d.ts hls/480p/playlist.m3u8"), "{args}");
    }

    #[test]
    fn fmp4_segments_get_an_init_segment() {
        let p = plan(640, 360, true, false, Some(HlsOptions { segment_seconds: 4, segment_type: SegmentType::Fmp4 }));
        let tee = p.tee_outputs();
        assert!(tee.contains("hls_segment_type=fmp4:hls_fmp4_init_filename=init.mp4"), "{tee}");
        assert!(tee.contains("seg_%05d.m4s"), "{tee}");
        assert_eq!(p.output_dirs(), [PathBuf::from("hls/360p")]);
    }
}
