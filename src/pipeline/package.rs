//! Finishing an HLS package from the real files ffmpeg wrote: one ffprobe per rung over all its
//! segments (the `concat:` protocol) lists the video packets with their byte positions; from them
//! this module verifies that every segment starts with a keyframe, measures each segment's bitrate
//! (peak and average BANDWIDTH), reads CODECS from the encoded bytes (the avcC box or the SPS), finds
//! the IDR byte ranges for the I-frame playlist, then writes the media, I-frame and master playlists
//! (replacing ffmpeg's). It does not encode; `encode` does.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::Deserialize;

use crate::layout::{Quality, IFRAME_PLAYLIST, MASTER_PLAYLIST, MEDIA_PLAYLIST};
use crate::pipeline::encode::INIT_SEGMENT;
use crate::pipeline::hls::{self, IFrame, IFrameMap, Segment, Variant};
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

#[derive(Debug, Deserialize)]
struct ProbeOut {
    #[serde(default)]
    packets: Vec<Packet>,
    #[serde(default)]
    streams: Vec<Stream>,
}

#[derive(Debug, Deserialize)]
struct Packet {
    stream_index: usize,
    pts_time: Option<String>,
    pos: Option<String>,
    size: Option<String>,
    #[serde(default)]
    flags: String,
}

#[derive(Debug, Deserialize)]
struct Stream {
    index: usize,
    codec_type: Option<String>,
    codec_name: Option<String>,
    profile: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    r_frame_rate: Option<String>,
    avg_frame_rate: Option<String>,
}

/// A video packet with its position inside the concatenation.
#[derive(Debug, Clone, Copy)]
struct VideoPacket {
    pts: f64,
    pos: u64,
    size: u64,
    key: bool,
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

/// Measure one rung folder (`hls/<quality>/` holding ffmpeg's playlist and segments), then write its
/// media playlist and I-frame playlist. `fmp4` packages have an `init.mp4`.
pub fn finish_rung(
    ffprobe: &Path,
    dir: &Path,
    quality: &Quality,
    fmp4: bool,
) -> anyhow::Result<(RungPackage, Variant)> {
    let playlist = dir.join(MEDIA_PLAYLIST);
    let text = std::fs::read_to_string(&playlist).with_context(|| format!("reading {}", playlist.display()))?;
    let lines = hls::parse_lines(&text).map_err(|e| anyhow::anyhow!("{}: {e}", playlist.display()))?;
    let segments = hls::segments(&lines);
    if segments.is_empty() {
        bail!("{}: ffmpeg wrote no segments", playlist.display());
    }
    let mut sizes = Vec::new();
    for s in &segments {
        let path = dir.join(&s.uri);
        sizes.push(std::fs::metadata(&path).with_context(|| format!("reading {}", path.display()))?.len());
    }
    let init_len = if fmp4 { std::fs::metadata(dir.join(INIT_SEGMENT)).context("reading init.mp4")?.len() } else { 0 };

    // One ffprobe over the whole rung.
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
    let out = cmd.output().with_context(|| format!("probing the segments of {quality}"))?;
    let probed: ProbeOut = serde_json::from_slice(&out).context("reading ffprobe's packet list")?;
    let video = probed
        .streams
        .iter()
        .find(|s| s.codec_type.as_deref() == Some("video"))
        .with_context(|| format!("{quality}: the segments hold no video stream"))?;
    if video.codec_name.as_deref() != Some("h264") {
        bail!("{quality}: segments hold {:?}, expected h264", video.codec_name);
    }
    let audio = probed.streams.iter().find(|s| s.codec_type.as_deref() == Some("audio"));
    let packets: Vec<VideoPacket> = probed
        .packets
        .iter()
        .filter(|p| p.stream_index == video.index)
        .filter_map(|p| {
            Some(VideoPacket {
                pts: p.pts_time.as_deref()?.parse().ok()?,
                pos: p.pos.as_deref()?.parse().ok()?,
                size: p.size.as_deref()?.parse().ok()?,
                key: p.flags.starts_with('K'),
            })
        })
        .collect();

    // Segment byte ranges inside the concatenation.
    let mut starts = Vec::new();
    let mut at = init_len;
    for len in &sizes {
        starts.push(at);
        at += len;
    }
    let seg_of = |pos: u64| starts.iter().rposition(|&s| s <= pos).unwrap_or(0);
    let mut by_seg: Vec<Vec<VideoPacket>> = vec![Vec::new(); segments.len()];
    for p in &packets {
        if p.pos >= init_len {
            by_seg[seg_of(p.pos)].push(*p);
        }
    }
    for (i, pk) in by_seg.iter_mut().enumerate() {
        pk.sort_by_key(|p| p.pos);
        match pk.first() {
            Some(p) if p.key => {}
            Some(_) => bail!("{quality}: segment {} does not start with a keyframe", segments[i].uri),
            None => bail!("{quality}: segment {} holds no video", segments[i].uri),
        }
    }

    // Measured bitrates.
    let total_duration: f64 = segments.iter().map(|s| s.duration).sum();
    let total_bytes: u64 = sizes.iter().sum();
    let bandwidth = segments
        .iter()
        .zip(&sizes)
        .map(|(s, &b)| (b as f64 * 8.0 / s.duration.max(0.001)).ceil() as u64)
        .max()
        .unwrap_or(0);
    let average_bandwidth = (total_bytes as f64 * 8.0 / total_duration.max(0.001)).ceil() as u64;

    // I-frames: TS lists every IDR (PES start to the next video PES); fMP4 lists the IDR that opens
    // each segment (moof + mdat header + the IDR sample).
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
    let iframe_bandwidth = frames.iter().map(|f| (f.length as f64 * 8.0 / f.duration).ceil() as u64).max().unwrap_or(0);

    // CODECS from the encoded bytes.
    let head_file = if fmp4 { dir.join(INIT_SEGMENT) } else { dir.join(&segments[0].uri) };
    let head = read_head(&head_file, 64 * 1024)?;
    let video_codec = avc_codec_from_bytes(&head)
        .with_context(|| format!("{quality}: no H.264 parameter sets in {}", head_file.display()))?;
    let codecs = match audio {
        Some(a) => format!("{video_codec},{}", aac_codec(a.profile.as_deref())),
        None => video_codec.clone(),
    };
    let frame_rate =
        ratio(video.avg_frame_rate.as_deref()).or_else(|| ratio(video.r_frame_rate.as_deref())).unwrap_or(0.0);

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

    let (width, height) = (video.width.unwrap_or(0), video.height.unwrap_or(0));
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

/// Finish every rung under `hls_dir` and write the master playlist.
pub fn finish(ffprobe: &Path, hls_dir: &Path, qualities: &[Quality], fmp4: bool) -> anyhow::Result<Vec<RungPackage>> {
    let mut reports = Vec::new();
    let mut variants = Vec::new();
    for q in qualities {
        let (report, variant) = finish_rung(ffprobe, &hls_dir.join(q.as_str()), q, fmp4)?;
        reports.push(report);
        variants.push(variant);
    }
    let master: PathBuf = hls_dir.join(MASTER_PLAYLIST);
    crate::atomic::write(&master, hls::master_playlist(&variants, fmp4).as_bytes())
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
