//! Segmented WebVTT for an HLS `SUBTITLES` rendition (pure): cutting a language's cues into one
//! WebVTT file per video segment, on exactly the video's segment boundaries, each carrying the
//! `X-TIMESTAMP-MAP` header that ties its cue times to the media's timestamps (RFC 8216 3.5), and the
//! rendition's media playlist. It does no I/O and never guesses the timestamp offset: the caller
//! measures it on the packaged media ([`TimestampMap::measured`]).
//!
//! Why measure: ffmpeg's MPEG-TS muxer starts the DTS at 1.4 s (126000 ticks of the 90 kHz clock,
//! [`FFMPEG_TS_START`]), so with B-frames the first picture's PTS is 1.4 s plus the reorder delay
//! (e.g. 1.566667 s for two B-frames at 12 fps, seen on `fixtures/langs.mp4`). fMP4 segments start
//! near 0 instead. Either way the map says "cue time 0 is the media's first picture", and the media
//! time of that picture is read from the first segment.

use crate::pipeline::hls::{self, Segment};
use crate::pipeline::subtitles::{write_cues, Cue};

/// The MPEG-TS timestamp clock, Hz.
pub const MPEGTS_CLOCK: u64 = 90_000;

/// Where ffmpeg's MPEG-TS muxer puts the first DTS (1.4 s at 90 kHz). The first PTS is later when the
/// video has B-frames, which is why [`TimestampMap::measured`] exists.
pub const FFMPEG_TS_START: u64 = 126_000;

/// PTS values wrap at 2^33.
const PTS_WRAP: u64 = 1 << 33;

/// `X-TIMESTAMP-MAP=MPEGTS:<mpegts>,LOCAL:<local>`: the cue time `local_ms` is the media instant whose
/// 90 kHz timestamp is `mpegts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimestampMap {
    pub mpegts: u64,
    pub local_ms: u64,
}

impl TimestampMap {
    /// From measured facts: the packaged media's first video PTS (seconds, as ffprobe reports it in
    /// the first segment) and the same picture's time on the cue timeline (the source's first video
    /// PTS after ffmpeg's start-time normalisation, usually 0). Cue time `source_first_pts` then maps
    /// to `media_first_pts`.
    pub fn measured(media_first_pts: f64, source_first_pts: f64) -> TimestampMap {
        let ticks = (media_first_pts * MPEGTS_CLOCK as f64).round().max(0.0) as u64 % PTS_WRAP;
        TimestampMap { mpegts: ticks, local_ms: (source_first_pts * 1000.0).round().max(0.0) as u64 }
    }

    /// The header line.
    pub fn header(&self) -> String {
        format!(
            "X-TIMESTAMP-MAP=MPEGTS:{},LOCAL:{}",
            self.mpegts,
            crate::pipeline::subtitles::format_timestamp(self.local_ms)
        )
    }
}

/// One WebVTT segment file.
#[derive(Debug, Clone, PartialEq)]
pub struct VttSegment {
    pub uri: String,
    /// The video segment's duration (the EXTINF), seconds.
    pub duration: f64,
    pub text: String,
}

/// Cut `cues` on the video's segment boundaries. `video` lists the video segments in order (their
/// durations define the boundaries, starting at cue time 0); segment `i` gets the URI `name(i)` and
/// every cue that overlaps `[start_i, start_i + duration_i)` (a cue crossing a boundary is repeated in
/// each segment it overlaps, which players de-duplicate). The last segment also takes cues that start
/// before the end and run past it. Cues starting at or after the video's end are dropped: the count of
/// them is returned so the caller can report it.
pub fn segment(
    cues: &[Cue],
    video: &[Segment],
    map: TimestampMap,
    name: impl Fn(usize) -> String,
) -> (Vec<VttSegment>, usize) {
    let mut out = Vec::with_capacity(video.len());
    let mut start_ms = 0u64;
    let mut end = 0.0f64; // summed in seconds, rounded once per boundary: no drift over many segments
    let header = map.header();
    for (i, seg) in video.iter().enumerate() {
        end += seg.duration;
        let end_ms = (end * 1000.0).round() as u64;
        let mut text = format!("WEBVTT\n{header}\n\n");
        let inside: Vec<Cue> = cues.iter().filter(|c| c.start_ms < end_ms && c.end_ms > start_ms).cloned().collect();
        write_cues(&mut text, &inside);
        out.push(VttSegment { uri: name(i), duration: seg.duration, text });
        start_ms = end_ms;
    }
    let dropped = cues.iter().filter(|c| c.start_ms >= start_ms).count();
    (out, dropped)
}

/// The rendition's media playlist: one entry per WebVTT segment with the video segment's duration,
/// so both playlists share every boundary.
pub fn playlist(segments: &[VttSegment]) -> String {
    let list: Vec<Segment> = segments.iter().map(|s| Segment { uri: s.uri.clone(), duration: s.duration }).collect();
    hls::media_playlist(&list, None)
}

/// Segment file name: `seg_00000.vtt`.
pub fn segment_name(i: usize) -> String {
    format!("seg_{i:05}.vtt")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::subtitles::parse;

    fn video(durations: &[f64]) -> Vec<Segment> {
        durations.iter().enumerate().map(|(i, &d)| Segment { uri: format!("seg_{i:05}.ts"), duration: d }).collect()
    }

    fn cues() -> Vec<Cue> {
        parse("00:00:01.000 --> 00:00:02.500\nA\n\n00:00:03.500 --> 00:00:04.500\nB\n\n00:00:07.900 --> 00:00:09.000\nC\n\n00:00:20.000 --> 00:00:21.000\nlate\n").unwrap()
    }

    #[test]
    fn ts_map_of_a_b_frame_stream_is_the_measured_first_pts() {
        // fixtures/langs.mp4 through ffmpeg's TS muxer: first DTS 1.4 s, first PTS 1.566667 s.
        let map = TimestampMap::measured(1.566667, 0.0);
        assert_eq!(map.mpegts, 141_000);
        assert_eq!(map.header(), "X-TIMESTAMP-MAP=MPEGTS:141000,LOCAL:00:00:00.000");
        assert_eq!(TimestampMap::measured(1.4, 0.0).mpegts, FFMPEG_TS_START);
    }

    #[test]
    fn fmp4_map_starts_near_zero_and_keeps_a_source_offset() {
        let map = TimestampMap::measured(0.0, 0.0);
        assert_eq!(map.header(), "X-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000");
        let map = TimestampMap::measured(10.0, 0.5);
        assert_eq!((map.mpegts, map.local_ms), (900_000, 500));
    }

    #[test]
    fn timestamps_wrap_at_33_bits() {
        let map = TimestampMap::measured((PTS_WRAP + 90_000) as f64 / 90_000.0, 0.0);
        assert_eq!(map.mpegts, 90_000);
    }

    #[test]
    fn segments_follow_the_video_boundaries_and_repeat_crossing_cues() {
        let (segs, dropped) =
            segment(&cues(), &video(&[2.0, 2.0, 2.0, 2.0]), TimestampMap::measured(1.4, 0.0), segment_name);
        assert_eq!(segs.len(), 4);
        assert_eq!(dropped, 1, "the cue at 20 s is after the 8 s video");
        assert!(
            segs[0].text.starts_with("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000\n\n"),
            "{}",
            segs[0].text
        );
        let count = |t: &str| parse(t).map(|c| c.len()).unwrap_or(0);
        assert_eq!(segs.iter().map(|s| count(&s.text)).collect::<Vec<_>>(), [1, 2, 1, 1]);
        assert!(segs[1].text.contains("00:00:01.000 --> 00:00:02.500\nA\n"), "A ends at 2.5 s, inside segment 1");
        assert!(segs[2].text.contains("B") && segs[1].text.contains("B"), "B crosses the 4 s boundary");
        assert!(segs[3].text.contains("00:00:07.900 --> 00:00:09.000\nC"), "C runs past the end, kept whole");
        assert_eq!(segs[2].uri, "seg_00002.vtt");
    }

    #[test]
    fn a_segment_without_cues_is_a_valid_header_only_file() {
        let (segs, _) = segment(&cues(), &video(&[0.5, 0.4]), TimestampMap::measured(0.0, 0.0), segment_name);
        assert_eq!(segs[0].text, "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\n");
        assert!(crate::pipeline::subtitles::parse_vtt(&segs[0].text).is_err(), "no cues, but a well-formed header");
    }

    #[test]
    fn playlist_durations_equal_the_video_segments() {
        let v = video(&[6.006, 6.006, 1.5]);
        let (segs, _) = segment(&cues(), &v, TimestampMap::measured(0.0, 0.0), segment_name);
        let text = playlist(&segs);
        let parsed = hls::segments(&hls::parse_lines(&text).unwrap());
        assert_eq!(parsed.iter().map(|s| s.duration).collect::<Vec<_>>(), [6.006, 6.006, 1.5]);
        assert!(
            text.contains("#EXT-X-TARGETDURATION:6\n") && text.ends_with("seg_00002.vtt\n#EXT-X-ENDLIST\n"),
            "{text}"
        );
    }
}
