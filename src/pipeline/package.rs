//! Finishing an HLS package from the real files ffmpeg wrote: one ffprobe per rung over all its
//! segments (the `concat:` protocol) lists the video packets with their byte positions; from them
//! this module verifies that every segment starts with a keyframe, measures each segment's bitrate
//! (peak and average BANDWIDTH), reads CODECS from the encoded bytes (the avcC box or the SPS), finds
//! the IDR byte ranges for the I-frame playlist, then writes the media, I-frame and master playlists
//! (replacing ffmpeg's). It does not encode; `encode` does.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::layout::{Quality, SegmentType, IFRAME_PLAYLIST, INIT_SEGMENT, MASTER_PLAYLIST, MEDIA_PLAYLIST};
use crate::pipeline::hls::{self, IFrame, IFrameMap, Segment, Variant};
use crate::pipeline::probe::raw;
use crate::pipeline::process::ToolCommand;

/// What was measured for one rung.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RungPackage {
    pub quality: String,
    pub width: u32,
    pub height: u32,
    pub segments: usize,
    pub duration: f64,
    pub bytes: u64,
    pub bandwidth: u64,
    pub average_bandwidth: u64,
    pub codecs: String,
    pub frame_rate: f64,
}

/// A video packet with its position inside the concatenation.
#[derive(Debug, Clone, Copy)]
pub struct VideoPacket {
    pub pts: f64,
    pub pos: u64,
    pub size: u64,
    pub key: bool,
}

fn ratio(text: Option<&str>) -> Option<f64> {
    let (n, d) = text?.split_once('/')?;
    let (n, d): (f64, f64) = (n.parse().ok()?, d.parse().ok()?);
    (d > 0.0 && n > 0.0).then_some(n / d)
}

/// `avc1.PPCCLL` from the first avcC box or SPS NAL unit in `bytes`.
pub fn avc_codec_from_bytes(bytes: &[u8]) -> Option<String> {
    if let Some(i) = bytes.windows(4).position(|w| w == b"avcC") {
        let b = bytes.get(i + 5..i + 8)?;
        return Some(format!("avc1.{:02x}{:02x}{:02x}", b[0], b[1], b[2]));
    }
    let i = bytes.windows(4).position(|w| w[..3] == [0, 0, 1] && w[3] & 0x1f == 7)?;
    let b = bytes.get(i + 4..i + 7)?;
    Some(format!("avc1.{:02x}{:02x}{:02x}", b[0], b[1], b[2]))
}

/// `mp4a.40.N` from ffprobe's AAC profile name.
pub fn aac_codec(profile: Option<&str>) -> String {
    match profile.unwrap_or("LC") {
        "HE-AAC" => "mp4a.40.5".into(),
        "HE-AACv2" => "mp4a.40.29".into(),
        _ => "mp4a.40.2".into(),
    }
}

/// The facts measured from one rung's real files.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// Byte size of each segment.
    pub sizes: Vec<u64>,
    /// Offset of each segment inside the concatenation (after the init segment).
    pub starts: Vec<u64>,
    /// Video packets of each segment, in file order.
    pub packets: Vec<Vec<VideoPacket>>,
    pub codec_name: Option<String>,
    /// `avc1.PPCCLL` read from the avcC box (fMP4) or the SPS (TS).
    pub video_codec: Option<String>,
    /// `mp4a.40.N` when the segments carry audio.
    pub audio_codec: Option<String>,
    pub width: u32,
    pub height: u32,
    pub frame_rate: f64,
}

impl Measurement {
    /// Whether segment `i` opens with a keyframe.
    pub fn starts_with_keyframe(&self, i: usize) -> bool {
        self.packets[i].first().is_some_and(|p| p.key)
    }

    /// Peak segment bitrate, bit/s.
    pub fn peak_bandwidth(&self, segments: &[Segment]) -> u64 {
        segments
            .iter()
            .zip(&self.sizes)
            .map(|(s, &b)| (b as f64 * 8.0 / s.duration.max(0.001)).ceil() as u64)
            .max()
            .unwrap_or(0)
    }

    /// Average bitrate over the whole rung, bit/s.
    pub fn average_bandwidth(&self, segments: &[Segment]) -> u64 {
        let total: f64 = segments.iter().map(|s| s.duration).sum();
        (self.sizes.iter().sum::<u64>() as f64 * 8.0 / total.max(0.001)).ceil() as u64
    }

    /// The CODECS attribute: video, plus audio when present.
    pub fn codecs(&self) -> Option<String> {
        let v = self.video_codec.clone()?;
        Some(match &self.audio_codec {
            Some(a) => format!("{v},{a}"),
            None => v,
        })
    }

    /// Start time of each segment's first video packet (presentation time of the stream).
    pub fn segment_start_times(&self) -> Vec<Option<f64>> {
        self.packets.iter().map(|p| p.iter().map(|p| p.pts).reduce(f64::min)).collect()
    }
}

/// Read the sizes and run one ffprobe over all segments of a rung (`dir` holds them, and `init.mp4`
/// for fMP4).
pub fn measure(
    ffprobe: &Path,
    dir: &Path,
    segments: &[Segment],
    segment_type: SegmentType,
) -> anyhow::Result<Measurement> {
    let fmp4 = segment_type == SegmentType::Fmp4;
    let mut sizes = Vec::new();
    for s in segments {
        let path = dir.join(&s.uri);
        sizes.push(std::fs::metadata(&path).with_context(|| format!("reading {}", path.display()))?.len());
    }
    let init_len = if fmp4 {
        let init = dir.join(INIT_SEGMENT);
        std::fs::metadata(&init).with_context(|| format!("reading {}", init.display()))?.len()
    } else {
        0
    };
    let mut parts: Vec<&str> = Vec::new();
    if fmp4 {
        parts.push(INIT_SEGMENT);
    }
    parts.extend(segments.iter().map(|s| s.uri.as_str()));
    let mut cmd = ToolCommand::new(ffprobe);
    cmd.args(["-v", "error", "-show_entries"])
        .arg("packet=stream_index,pts_time,pos,size,flags:stream=index,codec_type,codec_name,profile,width,height,r_frame_rate,avg_frame_rate")
        .args(["-of", "json"])
        .arg(format!("concat:{}", parts.join("|")))
        .current_dir(dir);
    let out = cmd.output().with_context(|| format!("probing the segments in {}", dir.display()))?;
    let probed: raw::Output = serde_json::from_slice(&out).context("reading ffprobe's packet list")?;
    let video = probed.streams.iter().find(|s| s.codec_type.as_deref() == Some("video"));
    let audio = probed.streams.iter().find(|s| s.codec_type.as_deref() == Some("audio"));
    let video_index = video.map(|v| v.index);
    let mut starts = Vec::new();
    let mut at = init_len;
    for len in &sizes {
        starts.push(at);
        at += len;
    }
    let mut packets: Vec<Vec<VideoPacket>> = vec![Vec::new(); segments.len()];
    for p in probed.packets.iter().filter(|p| Some(p.stream_index) == video_index) {
        let parsed = (|| {
            Some(VideoPacket {
                pts: p.pts_time.as_deref()?.parse().ok()?,
                pos: p.pos.as_deref()?.parse().ok()?,
                size: p.size.as_deref()?.parse().ok()?,
                key: p.flags.starts_with('K'),
            })
        })();
        if let Some(v) = parsed.filter(|v| v.pos >= init_len) {
            let seg = starts.iter().rposition(|&s| s <= v.pos).unwrap_or(0);
            packets[seg].push(v);
        }
    }
    for pk in &mut packets {
        pk.sort_by_key(|p| p.pos);
    }
    let head_file = if fmp4 { dir.join(INIT_SEGMENT) } else { dir.join(&segments[0].uri) };
    let head = read_head(&head_file, 64 * 1024)?;
    Ok(Measurement {
        sizes,
        starts,
        packets,
        codec_name: video.and_then(|v| v.codec_name.clone()),
        video_codec: avc_codec_from_bytes(&head),
        audio_codec: audio.map(|a| aac_codec(a.profile.as_deref())),
        width: video.and_then(|v| v.width).unwrap_or(0),
        height: video.and_then(|v| v.height).unwrap_or(0),
        frame_rate: video
            .and_then(|v| ratio(v.avg_frame_rate.as_deref()).or_else(|| ratio(v.r_frame_rate.as_deref())))
            .unwrap_or(0.0),
    })
}

/// Measure one rung folder (`hls/<quality>/` holding ffmpeg's playlist and segments), verify it,
/// then write its media playlist and I-frame playlist. fMP4 packages have an `init.mp4`.
pub fn finish_rung(
    ffprobe: &Path,
    dir: &Path,
    quality: &Quality,
    segment_type: SegmentType,
) -> anyhow::Result<(RungPackage, Variant)> {
    let fmp4 = segment_type == SegmentType::Fmp4;
    let playlist = dir.join(MEDIA_PLAYLIST);
    let segments = segments_of(&playlist)?;
    if segments.is_empty() {
        bail!("{}: ffmpeg wrote no segments", playlist.display());
    }
    let m = measure(ffprobe, dir, &segments, segment_type)?;
    if m.codec_name.as_deref() != Some("h264") {
        bail!("{quality}: segments hold {:?} video, expected h264", m.codec_name);
    }
    for (i, seg) in segments.iter().enumerate() {
        if !m.starts_with_keyframe(i) {
            bail!("{quality}: segment {} does not start with a keyframe", seg.uri);
        }
    }
    let init_len = if fmp4 { m.starts[0] } else { 0 };
    let total_duration: f64 = segments.iter().map(|s| s.duration).sum();
    let total_bytes: u64 = m.sizes.iter().sum();
    let bandwidth = m.peak_bandwidth(&segments);
    let average_bandwidth = m.average_bandwidth(&segments);

    let frames = iframes_of(&m, &segments, segment_type);
    let iframe_bandwidth = frames.iter().map(|f| (f.length as f64 * 8.0 / f.duration).ceil() as u64).max().unwrap_or(0);

    let video_codec = m.video_codec.clone().with_context(|| format!("{quality}: no H.264 parameter sets found"))?;
    let codecs = m.codecs().unwrap_or_default();
    let frame_rate = m.frame_rate;
    let head = if fmp4 { Vec::new() } else { read_head(&dir.join(&segments[0].uri), 188 * 8)? };

    // Playlists.
    let map = fmp4.then_some(INIT_SEGMENT);
    crate::atomic::write(&playlist, hls::media_playlist(&segments, map).as_bytes())
        .with_context(|| format!("writing {}", playlist.display()))?;
    let iframe_map = if fmp4 {
        IFrameMap::Init(INIT_SEGMENT.into())
    } else {
        IFrameMap::Range { uri: segments[0].uri.clone(), length: ts_psi_length(&head) }
    };
    let iframes = dir.join(IFRAME_PLAYLIST);
    crate::atomic::write(&iframes, hls::iframe_playlist(&frames, &iframe_map).as_bytes())
        .with_context(|| format!("writing {}", iframes.display()))?;

    let (width, height) = (m.width, m.height);
    let variant = Variant {
        uri: format!("{quality}/{MEDIA_PLAYLIST}"),
        iframe_uri: Some(format!("{quality}/{IFRAME_PLAYLIST}")),
        bandwidth,
        average_bandwidth,
        iframe_bandwidth,
        codecs: codecs.clone(),
        video_codec,
        width,
        height,
        frame_rate,
    };
    let report = RungPackage {
        quality: quality.to_string(),
        width,
        height,
        segments: segments.len(),
        duration: total_duration,
        bytes: total_bytes + init_len,
        bandwidth,
        average_bandwidth,
        codecs,
        frame_rate,
    };
    Ok((report, variant))
}

/// The I-frames of a measured rung: TS lists every IDR (PES start to the next video PES); fMP4 lists
/// the IDR that opens each segment (moof + mdat header + the IDR sample). Pure.
fn iframes_of(m: &Measurement, segments: &[Segment], segment_type: SegmentType) -> Vec<IFrame> {
    let fmp4 = segment_type == SegmentType::Fmp4;
    let (sizes, starts, by_seg) = (&m.sizes, &m.starts, &m.packets);
    let mut frames = Vec::new();
    for (i, pk) in by_seg.iter().enumerate() {
        let seg_end = starts[i] + sizes[i];
        let first_pts = pk[0].pts;
        let keys: Vec<usize> = (0..pk.len()).filter(|&k| pk[k].key).collect();
        let keys = if fmp4 { vec![0] } else { keys };
        for (n, &k) in keys.iter().enumerate() {
            let p = pk[k];
            let (offset, end) = if fmp4 {
                (0, p.pos + p.size - starts[i])
            } else {
                let next = pk.get(k + 1).map(|q| q.pos).unwrap_or(seg_end);
                (p.pos - starts[i], next - starts[i])
            };
            let next_time = match keys.get(n + 1) {
                Some(&nk) => pk[nk].pts - first_pts,
                None => segments[i].duration,
            };
            let start = if fmp4 { 0.0 } else { p.pts - first_pts };
            frames.push(IFrame {
                uri: segments[i].uri.clone(),
                offset,
                length: end - offset,
                duration: (next_time - start).max(0.001),
            });
        }
    }
    frames
}

/// Length of the SDT/PAT/PMT packets that open a TS segment (the I-frame playlist's EXT-X-MAP): the
/// leading 188-byte packets before the first one that carries PES data.
pub fn ts_psi_length(head: &[u8]) -> u64 {
    let mut n = 0;
    while let Some(pkt) = head.get(n * 188..(n + 1) * 188) {
        let pid = (u16::from(pkt[1] & 0x1f) << 8) | u16::from(pkt[2]);
        // PAT is PID 0, SDT 0x11; ffmpeg's PMT is PID 0x1000 (4096).
        if pkt[0] != 0x47 || !matches!(pid, 0 | 0x11 | 0x1000) {
            break;
        }
        n += 1;
    }
    (n * 188) as u64
}

fn read_head(path: &Path, max: u64) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(max).read_to_end(&mut buf))
        .with_context(|| format!("reading {}", path.display()))?;
    Ok(buf)
}

/// Finish every rung under `hls_dir` and write the master playlist (with the AUDIO and SUBTITLES
/// `groups` the caller finished).
pub fn finish(
    ffprobe: &Path,
    hls_dir: &Path,
    qualities: &[Quality],
    segment_type: SegmentType,
    groups: &crate::pipeline::media_groups::Groups,
) -> anyhow::Result<Vec<RungPackage>> {
    // Rungs are independent: measure them side by side (ffprobe is single-threaded).
    let results: Vec<anyhow::Result<(RungPackage, Variant)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = qualities
            .iter()
            .map(|q| scope.spawn(move || finish_rung(ffprobe, &hls_dir.join(q.as_str()), q, segment_type)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("measuring a rung panicked"))))
            .collect()
    });
    let mut reports = Vec::new();
    let mut variants = Vec::new();
    for result in results {
        let (report, variant) = result?;
        reports.push(report);
        variants.push(variant);
    }
    let master: PathBuf = hls_dir.join(MASTER_PLAYLIST);
    crate::atomic::write(
        &master,
        crate::pipeline::media_groups::master_playlist(&variants, groups, segment_type).as_bytes(),
    )
    .with_context(|| format!("writing {}", master.display()))?;
    Ok(reports)
}

/// Segment durations of an existing rung (for reports).
pub fn segments_of(playlist: &Path) -> anyhow::Result<Vec<Segment>> {
    let text = std::fs::read_to_string(playlist).with_context(|| format!("reading {}", playlist.display()))?;
    let lines = hls::parse_lines(&text).map_err(|e| anyhow::anyhow!("{}: {e}", playlist.display()))?;
    Ok(hls::segments(&lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codec_string_comes_from_the_avcc_box() {
        let mut b = b"....avcC".to_vec();
        b.extend_from_slice(&[1, 0x64, 0x00, 0x1f, 0xff]);
        assert_eq!(avc_codec_from_bytes(&b).as_deref(), Some("avc1.64001f"));
    }

    #[test]
    fn codec_string_comes_from_an_annex_b_sps() {
        let b = [0xaa, 0, 0, 0, 1, 0x67, 0x4d, 0x40, 0x1e, 0x99];
        assert_eq!(avc_codec_from_bytes(&b).as_deref(), Some("avc1.4d401e"));
        assert_eq!(avc_codec_from_bytes(&[0, 0, 1, 0x65, 1, 2, 3]), None);
    }

    #[test]
    fn aac_profiles_map_to_object_types() {
        assert_eq!(aac_codec(Some("LC")), "mp4a.40.2");
        assert_eq!(aac_codec(Some("HE-AAC")), "mp4a.40.5");
    }

    #[test]
    fn psi_length_counts_leading_pat_and_pmt_packets() {
        let mut ts = vec![0u8; 188 * 3];
        ts[0] = 0x47; // PAT, PID 0
        ts[188] = 0x47;
        ts[189] = 0x50; // PMT, PID 0x1000
        ts[376] = 0x47;
        ts[377] = 0x41; // PID 0x100: video
        assert_eq!(ts_psi_length(&ts), 376);
    }
}
