//! The asset layout on disk: the one place that knows where a video's files live under an assets root.
//! Written by the pipeline, read by the server; both go through these types so the file names are
//! defined once. It validates names (ids, qualities, segment file names) so that a value that passed
//! validation can never name a path outside its asset folder. It does no I/O except in `staging`.
//!
//! ```text
//! <root>/<id>/stream.mp4                    progressive, faststart
//! <root>/<id>/renditions/<quality>.mp4      one faststart MP4 per rung (360p, 720p, ...)
//! <root>/<id>/hls/master.m3u8               HLS master playlist
//! <root>/<id>/hls/<quality>/playlist.m3u8   media playlist of one rung
//! <root>/<id>/hls/<quality>/<segment>       segments (.ts / .m4s), init.mp4, iframes.m3u8
//! <root>/<id>/hls/audio-<lang>/...          an audio rendition (playlist.m3u8, segments)
//! <root>/<id>/hls/subs-<lang>/...           a subtitle rendition: playlist.m3u8, seg_NNNNN.vtt, and
//!                                           all.vtt (the whole WebVTT, for progressive playback)
//! <root>/<id>/hls/storyboard/...            scrub previews: storyboard.vtt + sheet_NNN.jpg
//! <root>/<id>/thumb.jpg                     poster
//! <root>/<id>/meta.json                     probe result
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

/// A validated asset id: a UUID or `[A-Za-z0-9_-]{1,64}` (a UUID is a special case of the latter).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AssetId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("asset id {0:?} is invalid: use 1 to 64 characters of A-Z a-z 0-9 _ - (a UUID fits)")]
    Id(String),
    #[error("quality {0:?} is invalid: use 1 to 32 characters of a-z A-Z 0-9 _ - (e.g. 720p)")]
    Quality(String),
    #[error("segment name {0:?} is invalid")]
    Segment(String),
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

fn is_name(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max && s.bytes().all(is_name_char)
}

impl AssetId {
    pub fn parse(s: &str) -> Result<AssetId, NameError> {
        if is_name(s, 64) {
            Ok(AssetId(s.to_owned()))
        } else {
            Err(NameError::Id(s.to_owned()))
        }
    }

    /// A stable id derived from an input file name: its stem with every other character replaced by
    /// `_`, cut to 64 characters. Re-running on the same file gives the same id.
    pub fn from_file_name(path: &Path) -> Result<AssetId, NameError> {
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let mut id: String =
            stem.chars().map(|c| if c.is_ascii() && is_name_char(c as u8) { c } else { '_' }).collect();
        id.truncate(64);
        AssetId::parse(&id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AssetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A validated quality (rung) name such as `720p`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quality(String);

impl Quality {
    pub fn parse(s: &str) -> Result<Quality, NameError> {
        if is_name(s, 32) {
            Ok(Quality(s.to_owned()))
        } else {
            Err(NameError::Quality(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Quality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// File extensions a file inside `hls/<quality>/` may have.
pub const HLS_FILE_EXTENSIONS: &[&str] = &["ts", "m4s", "mp4", "m3u8", "aac", "vtt", "jpg"];

/// A validated file name inside `hls/<quality>/`: `[A-Za-z0-9_-]{1,64}` plus one of
/// [`HLS_FILE_EXTENSIONS`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SegmentName(String);

impl SegmentName {
    pub fn parse(s: &str) -> Result<SegmentName, NameError> {
        let ok = match s.rsplit_once('.') {
            Some((stem, ext)) => is_name(stem, 64) && HLS_FILE_EXTENSIONS.contains(&ext),
            None => false,
        };
        if ok {
            Ok(SegmentName(s.to_owned()))
        } else {
            Err(NameError::Segment(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Well-known file names.
pub const STREAM_FILE: &str = "stream.mp4";
pub const THUMB_FILE: &str = "thumb.jpg";
pub const META_FILE: &str = "meta.json";
pub const RENDITIONS_DIR: &str = "renditions";
pub const HLS_DIR: &str = "hls";
pub const MASTER_PLAYLIST: &str = "master.m3u8";
pub const MEDIA_PLAYLIST: &str = "playlist.m3u8";
pub const IFRAME_PLAYLIST: &str = "iframes.m3u8";
/// Folder-name prefixes of the alternative renditions inside `hls/` (each folder is a valid
/// [`Quality`] name, so the `/hls/{id}/{folder}/{file}` route and signed scopes cover them).
pub const AUDIO_DIR_PREFIX: &str = "audio-";
pub const SUBTITLES_DIR_PREFIX: &str = "subs-";
/// The whole WebVTT of one subtitle language, beside its segments.
pub const SUBTITLES_FILE: &str = "all.vtt";
pub const STORYBOARD_DIR: &str = "storyboard";
pub const STORYBOARD_INDEX: &str = "storyboard.vtt";

/// The folder of an alternative rendition: `prefix` + the BCP 47 tag (`subs-en`, `audio-pt-BR`), with
/// `_<n>` for the n-th rendition of the same language (`subs-en_2`). `None` when the result would not
/// be a valid folder name (a tag longer than ~25 characters or with other characters).
pub fn rendition_folder(prefix: &str, language: &str, n: usize) -> Option<Quality> {
    let name = if n <= 1 { format!("{prefix}{language}") } else { format!("{prefix}{language}_{n}") };
    Quality::parse(&name).ok()
}

/// The language of a rendition folder made by [`rendition_folder`] (`subs-en_2` -> `en`).
pub fn rendition_language<'a>(prefix: &str, folder: &'a str) -> Option<&'a str> {
    let rest = folder.strip_prefix(prefix)?;
    let lang = rest.split_once('_').map_or(rest, |(l, _)| l);
    (!lang.is_empty()).then_some(lang)
}

/// The assets root.
#[derive(Debug, Clone)]
pub struct Layout {
    root: PathBuf,
}

impl Layout {
    pub fn new(root: impl Into<PathBuf>) -> Layout {
        Layout { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folder of one asset (it may not exist).
    pub fn asset(&self, id: &AssetId) -> AssetDir {
        AssetDir::new(self.root.join(id.as_str()))
    }

    /// A fresh, empty staging folder beside the asset's final place (same file system, so the final
    /// rename is atomic). Its name starts with `.` so the server and listings never take it for an
    /// asset. Dropping it without `commit` removes it.
    pub fn staging(&self, id: &AssetId) -> std::io::Result<crate::atomic::StagingDir> {
        std::fs::create_dir_all(&self.root)?;
        crate::atomic::StagingDir::new_in(&self.root, &format!(".{id}.partial-"))
    }
}

/// The paths of one asset's files, rooted at its folder (final or staging).
#[derive(Debug, Clone)]
pub struct AssetDir {
    dir: PathBuf,
}

impl AssetDir {
    pub fn new(dir: impl Into<PathBuf>) -> AssetDir {
        AssetDir { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn stream(&self) -> PathBuf {
        self.dir.join(STREAM_FILE)
    }

    pub fn thumb(&self) -> PathBuf {
        self.dir.join(THUMB_FILE)
    }

    pub fn meta(&self) -> PathBuf {
        self.dir.join(META_FILE)
    }

    pub fn renditions_dir(&self) -> PathBuf {
        self.dir.join(RENDITIONS_DIR)
    }

    pub fn rendition(&self, quality: &Quality) -> PathBuf {
        self.renditions_dir().join(format!("{quality}.mp4"))
    }

    pub fn hls_dir(&self) -> PathBuf {
        self.dir.join(HLS_DIR)
    }

    pub fn hls_master(&self) -> PathBuf {
        self.hls_dir().join(MASTER_PLAYLIST)
    }

    pub fn hls_variant_dir(&self, quality: &Quality) -> PathBuf {
        self.hls_dir().join(quality.as_str())
    }

    pub fn hls_playlist(&self, quality: &Quality) -> PathBuf {
        self.hls_variant_dir(quality).join(MEDIA_PLAYLIST)
    }

    pub fn hls_iframe_playlist(&self, quality: &Quality) -> PathBuf {
        self.hls_variant_dir(quality).join(IFRAME_PLAYLIST)
    }

    pub fn hls_file(&self, quality: &Quality, name: &SegmentName) -> PathBuf {
        self.hls_variant_dir(quality).join(name.as_str())
    }

    /// `hls/subs-<lang>/all.vtt` of a subtitle folder.
    pub fn subtitles_file(&self, folder: &Quality) -> PathBuf {
        self.hls_variant_dir(folder).join(SUBTITLES_FILE)
    }

    pub fn storyboard_dir(&self) -> PathBuf {
        self.hls_dir().join(STORYBOARD_DIR)
    }

    pub fn storyboard_index(&self) -> PathBuf {
        self.storyboard_dir().join(STORYBOARD_INDEX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_and_simple_names_are_valid_ids() {
        assert!(AssetId::parse("3f2504e0-4f89-11d3-9a0c-0305e82c3301").is_ok());
        assert!(AssetId::parse("my_clip-01").is_ok());
        assert!(AssetId::parse(&"a".repeat(64)).is_ok());
    }

    #[test]
    fn ids_that_could_escape_the_root_are_rejected() {
        for bad in ["", "..", ".", "a/b", "a\\b", "a%2fb", "a\0", "é", &"a".repeat(65), ".hidden"] {
            assert!(AssetId::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn segment_names_need_a_known_extension_and_no_dots_elsewhere() {
        assert!(SegmentName::parse("segment_00001.ts").is_ok());
        assert!(SegmentName::parse("init.mp4").is_ok());
        assert!(SegmentName::parse("iframes.m3u8").is_ok());
        for bad in ["../x.ts", "a.b.ts", "x.exe", ".ts", "x", "x.ts/"] {
            assert!(SegmentName::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn rendition_folders_are_valid_names_that_give_their_language_back() {
        let f = rendition_folder(SUBTITLES_DIR_PREFIX, "pt-BR", 1).unwrap();
        assert_eq!(f.as_str(), "subs-pt-BR");
        assert_eq!(rendition_folder(AUDIO_DIR_PREFIX, "en", 2).unwrap().as_str(), "audio-en_2");
        assert_eq!(rendition_language(SUBTITLES_DIR_PREFIX, "subs-en_2"), Some("en"));
        assert_eq!(rendition_language(SUBTITLES_DIR_PREFIX, "audio-en"), None);
        assert!(rendition_folder(SUBTITLES_DIR_PREFIX, &"x".repeat(40), 1).is_none());
        assert!(SegmentName::parse("seg_00001.vtt").is_ok() && SegmentName::parse("sheet_001.jpg").is_ok());
        let asset = Layout::new("/assets").asset(&AssetId::parse("abc").unwrap());
        assert_eq!(asset.subtitles_file(&f), Path::new("/assets/abc/hls/subs-pt-BR/all.vtt"));
        assert_eq!(asset.storyboard_index(), Path::new("/assets/abc/hls/storyboard/storyboard.vtt"));
    }

    #[test]
    fn ids_from_file_names_are_stable_and_valid() {
        let id = AssetId::from_file_name(Path::new("/v/my vidéo (1).mp4")).unwrap();
        assert_eq!(id.as_str(), "my_vid_o__1_");
    }

    #[test]
    fn asset_paths_follow_the_documented_layout() {
        let layout = Layout::new("/assets");
        let asset = layout.asset(&AssetId::parse("abc").unwrap());
        let q = Quality::parse("720p").unwrap();
        assert_eq!(asset.stream(), Path::new("/assets/abc/stream.mp4"));
        assert_eq!(asset.rendition(&q), Path::new("/assets/abc/renditions/720p.mp4"));
        assert_eq!(asset.hls_master(), Path::new("/assets/abc/hls/master.m3u8"));
        assert_eq!(asset.hls_playlist(&q), Path::new("/assets/abc/hls/720p/playlist.m3u8"));
        assert_eq!(asset.thumb(), Path::new("/assets/abc/thumb.jpg"));
        assert_eq!(asset.meta(), Path::new("/assets/abc/meta.json"));
    }
}
