//! One ffmpeg process per source: the pure argument builder and its execution. The source is decoded
//! once; a `split` filter feeds one scaler per rung, each rung is encoded once (x264, capped CRF, IDR
//! frames forced on a fixed grid with scene-cut keyframes off and closed GOPs), audio is encoded once
//! per distinct bitrate, and the `tee` muxer sends each rung's streams to its faststart MP4 and/or its
//! HLS slave. Output paths are relative to the folder ffmpeg runs in (the staging folder), so nothing
//! in them needs escaping for the tee syntax. Playlists written here are ffmpeg's; `package` replaces
//! them with measured ones.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::layout::{rendition_path, SegmentType, HLS_DIR, INIT_SEGMENT, MEDIA_PLAYLIST, RENDITIONS_DIR, STREAM_FILE};
use crate::pipeline::ladder::Rendition;
use crate::pipeline::process::{FfmpegProgress, ProcessError, ToolCommand};

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
}

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
        }
        dirs
    }

    /// The filter graph: one decode, split to one scaler per rung, audio split per distinct rate.
    pub fn filter_graph(&self) -> String {
        let n = self.renditions.len();
        let mut parts = Vec::new();
        let scale = |r: &Rendition| format!("scale={}:{}:flags=bicubic,setsar=1,format=yuv420p", r.width, r.height);
        if n == 1 {
            parts.push(format!("[0:v:0]{}[v0]", scale(&self.renditions[0])));
        } else {
            let labels: String = (0..n).map(|i| format!("[s{i}]")).collect();
            parts.push(format!("[0:v:0]split={n}{labels}"));
            for (i, r) in self.renditions.iter().enumerate() {
                parts.push(format!("[s{i}]{}[v{i}]", scale(r)));
            }
        }
        let a = self.audio_rates().len();
        if a > 1 {
            let labels: String = (0..a).map(|i| format!("[a{i}]")).collect();
            parts.push(format!("[0:a:0]asplit={a}{labels}"));
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
                let dir = format!("{HLS_DIR}/{}", r.quality);
                let mut opts = format!(
                    "{select}:f=hls:hls_time={}:hls_playlist_type=vod:hls_segment_filename={dir}/{}",
                    hls.segment_seconds,
                    hls.segment_type.pattern()
                );
                if hls.segment_type == SegmentType::Fmp4 {
                    opts.push_str(&format!(":hls_segment_type=fmp4:hls_fmp4_init_filename={INIT_SEGMENT}"));
                }
                slaves.push(format!("[{opts}]{dir}/{MEDIA_PLAYLIST}"));
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
        let mut a: Vec<String> =
            ["-hide_banner", "-nostdin", "-loglevel", "error", "-y"].iter().map(|s| s.to_string()).collect();
        let mut input = OsString::from("file:");
        input.push(&self.input);
        let mut out: Vec<OsString> = a.drain(..).map(OsString::from).collect();
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
            push(if rates.len() == 1 { "0:a:0".into() } else { format!("[a{i}]") });
        }
        if self.remux != Remux::Off {
            push("-map".into());
            push("0:v:0".into());
            if self.remux == Remux::VideoAndAudio {
                push("-map".into());
                push("0:a:0".into());
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
        if !rates.is_empty() {
            push("-c:a".into());
            push("aac".into());
            push("-ac".into());
            push("2".into());
            for (i, kbps) in rates.iter().enumerate() {
                push(format!("-b:a:{i}"));
                push(format!("{kbps}k"));
            }
        }
        if self.remux == Remux::VideoAndAudio {
            push(format!("-c:a:{}", rates.len()));
            push("copy".into());
        }
        for s in ["-map_metadata", "-1", "-map_chapters", "-1", "-flags", "+global_header", "-f", "tee"] {
            push(s.into());
        }
        push(self.tee_outputs());
        out
    }

    /// The command, to run inside `dir` (the staging folder).
    pub fn command(&self, ffmpeg: &Path, dir: &Path) -> ToolCommand {
        let mut cmd = ToolCommand::new(ffmpeg);
        cmd.args(self.args()).current_dir(dir);
        cmd
    }
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
        let mut out: Vec<OsString> =
            ["-hide_banner", "-nostdin", "-loglevel", "error", "-y"].iter().map(OsString::from).collect();
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
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("creating {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Process(#[from] ProcessError),
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
        }
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
