//! A fixed content-type table keyed by file extension, identical on every host (never the system's
//! mime database), the kind of each served file, and the `Cache-Control` policy that kind picks. A
//! leaf shared by `server` (response headers) and `storage` (object metadata set at publish time), so
//! an object in a bucket carries exactly the headers `serve` would send for the same file. It knows no
//! paths and does no I/O.

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

/// Default `Cache-Control` of segments, renditions, stream.mp4 and posters.
pub const DEFAULT_CACHE_CONTROL_MEDIA: &str = "public, max-age=31536000, immutable";
/// Default `Cache-Control` of playlists.
pub const DEFAULT_CACHE_CONTROL_PLAYLIST: &str = "public, max-age=5";

/// The `Cache-Control` values by kind: playlists get their own, everything else the media one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachePolicy {
    pub media: String,
    pub playlist: String,
}

impl Default for CachePolicy {
    fn default() -> Self {
        CachePolicy {
            media: DEFAULT_CACHE_CONTROL_MEDIA.to_owned(),
            playlist: DEFAULT_CACHE_CONTROL_PLAYLIST.to_owned(),
        }
    }
}

impl CachePolicy {
    /// The value for a file of this kind.
    pub fn for_kind(&self, kind: Kind) -> &str {
        match kind {
            Kind::Playlist => &self.playlist,
            _ => &self.media,
        }
    }

    /// The value for a file inside an asset, by its name (playlists by extension, the rest media).
    pub fn for_name(&self, name: &str) -> &str {
        self.for_kind(hls_kind(name))
    }
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

    #[test]
    fn playlists_get_the_short_cache_policy_and_everything_else_the_long_one() {
        let policy = CachePolicy::default();
        assert_eq!(policy.for_name("hls/720p/playlist.m3u8"), DEFAULT_CACHE_CONTROL_PLAYLIST);
        assert_eq!(policy.for_name("hls/720p/segment_00001.m4s"), DEFAULT_CACHE_CONTROL_MEDIA);
        assert_eq!(policy.for_name("stream.mp4"), DEFAULT_CACHE_CONTROL_MEDIA);
    }
}
