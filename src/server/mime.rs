//! A fixed content-type table keyed by file extension, identical on every host (never the system's
//! mime database), and the kind of each served file, which picks its `Cache-Control`.

use http::HeaderValue;

/// What a served file is, for caching decisions (HTTP and in-memory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Progressive MP4s (`stream.mp4`, renditions): long-lived, streamed from disk, not held in memory.
    Video,
    /// HLS playlists: short-lived, held in memory, their bytes available before rendering.
    Playlist,
    /// HLS segments and init sections: long-lived, held in memory.
    Segment,
    /// Posters: long-lived, held in memory.
    Thumbnail,
}

impl Kind {
    /// Whether the in-memory cache holds files of this kind.
    pub fn cacheable(self) -> bool {
        !matches!(self, Kind::Video)
    }
}

/// The content type for a file name, by extension (case-insensitive).
pub fn content_type(name: &str) -> HeaderValue {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    HeaderValue::from_static(match ext.as_str() {
        "m3u8" => "application/vnd.apple.mpegurl",
        "ts" => "video/mp2t",
        "m4s" => "video/iso.segment",
        "mp4" | "m4v" => "video/mp4",
        "m4a" => "audio/mp4",
        "aac" => "audio/aac",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "vtt" => "text/vtt; charset=utf-8",
        "json" => "application/json",
        _ => "application/octet-stream",
    })
}

/// The kind of a file inside an asset's `hls/<quality>/` folder, by extension.
pub fn hls_kind(name: &str) -> Kind {
    if name.ends_with(".m3u8") {
        Kind::Playlist
    } else {
        Kind::Segment
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_covers_every_served_extension() {
        assert_eq!(content_type("master.m3u8"), "application/vnd.apple.mpegurl");
        assert_eq!(content_type("seg_001.ts"), "video/mp2t");
        assert_eq!(content_type("seg_001.m4s"), "video/iso.segment");
        assert_eq!(content_type("init.mp4"), "video/mp4");
        assert_eq!(content_type("thumb.jpg"), "image/jpeg");
        assert_eq!(content_type("audio.aac"), "audio/aac");
        assert_eq!(content_type("STREAM.MP4"), "video/mp4");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }

    #[test]
    fn playlists_and_segments_are_told_apart() {
        assert_eq!(hls_kind("iframes.m3u8"), Kind::Playlist);
        assert_eq!(hls_kind("init.mp4"), Kind::Segment);
        assert!(!Kind::Video.cacheable() && Kind::Segment.cacheable());
    }
}
