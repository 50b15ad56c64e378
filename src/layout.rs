//! The asset layout on disk: the one place that knows where a video's files live under an assets root.
//! Written by the pipeline, read by the server; both go through these types so the file names are
//! defined once. It validates names (ids, qualities, segment file names) so that a value that passed
//! validation can never name a path outside its asset folder. It does no I/O except in `staging` and
//! [`AssetDir::rendition_files`] (the one scan of a `renditions/` folder, in the one rendition order).
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
//!
//! In object storage (`s3://bucket/prefix`) an asset is published as immutable versions plus one small
//! pointer object written last, the commit point ([`ObjectLayout`]):
//!
//! ```text
//! <prefix>/<id>/current.json                the pointer: {"version": "<version>", ...}
//! <prefix>/<id>/v/<version>/<file>          the same relative paths as on disk (stream.mp4, hls/...)
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

/// The init segment of fMP4 packages, inside `hls/<quality>/`.
pub const INIT_SEGMENT: &str = "init.mp4";

/// The container of HLS segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SegmentType {
    /// MPEG-TS segments (.ts), the widest player support.
    Ts,
    /// CMAF-style fragmented MP4 segments (.m4s) with an init segment.
    Fmp4,
}

impl SegmentType {
    /// The segment file name pattern (ffmpeg's `%05d` numbering) inside `hls/<quality>/`.
    pub fn pattern(self) -> &'static str {
        match self {
            SegmentType::Ts => "seg_%05d.ts",
            SegmentType::Fmp4 => "seg_%05d.m4s",
        }
    }
}

/// `renditions/<quality>.mp4`, relative to the asset folder (as ffmpeg and `--json` name it).
pub fn rendition_path(quality: &Quality) -> String {
    format!("{RENDITIONS_DIR}/{quality}.mp4")
}

/// `hls/master.m3u8`, relative to the asset folder.
pub fn master_path() -> String {
    format!("{HLS_DIR}/{MASTER_PLAYLIST}")
}

/// The pointer object of an asset in object storage.
pub const POINTER_OBJECT: &str = "current.json";
/// The folder of an asset's published versions in object storage.
pub const VERSIONS_DIR: &str = "v";

/// A validated published version id: 1 to 64 characters of `a-z 0-9 -` (playtube makes
/// `<unix-ms>-<random hex>`, so versions sort by publish time).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VersionId(String);

impl VersionId {
    pub fn parse(s: &str) -> Option<VersionId> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes().all(|c| c.is_ascii_digit() || c.is_ascii_lowercase() || c == b'-');
        ok.then(|| VersionId(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for VersionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether a path relative to an asset folder may be published: `/`-separated components of
/// `A-Z a-z 0-9 _ - .`, none empty and none starting with `.` (no `..`, no hidden or partial files).
pub fn is_publishable_path(rel: &str) -> bool {
    !rel.is_empty()
        && rel.split('/').all(|c| {
            !c.is_empty() && !c.starts_with('.') && c.len() <= 128 && c.bytes().all(|b| is_name_char(b) || b == b'.')
        })
}

/// Object names of published assets under a key prefix (`""` for the bucket's top level).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectLayout {
    /// Without leading or trailing `/`.
    prefix: String,
}

impl ObjectLayout {
    pub fn new(prefix: &str) -> ObjectLayout {
        ObjectLayout { prefix: prefix.trim_matches('/').to_owned() }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn join(&self, rest: &str) -> String {
        if self.prefix.is_empty() {
            rest.to_owned()
        } else {
            format!("{}/{rest}", self.prefix)
        }
    }

    /// `<prefix>/<id>/current.json`
    pub fn pointer(&self, id: &AssetId) -> String {
        self.join(&format!("{id}/{POINTER_OBJECT}"))
    }

    /// `<prefix>/<id>/v/`: every version of the asset is below this.
    pub fn versions(&self, id: &AssetId) -> String {
        self.join(&format!("{id}/{VERSIONS_DIR}/"))
    }

    /// `<prefix>/<id>/v/<version>/`
    pub fn version_root(&self, id: &AssetId, version: &VersionId) -> String {
        self.join(&format!("{id}/{VERSIONS_DIR}/{version}/"))
    }

    /// The object holding `rel` (a path relative to the asset folder, see [`AssetDir::relative`]) of
    /// one version.
    pub fn object(&self, id: &AssetId, version: &VersionId, rel: &Path) -> String {
        let rel: Vec<_> = rel.iter().map(|c| c.to_string_lossy()).collect();
        format!("{}{}", self.version_root(id, version), rel.join("/"))
    }

    /// The version and relative path named by an object key under [`ObjectLayout::versions`].
    pub fn split_version_key<'k>(&self, id: &AssetId, key: &'k str) -> Option<(VersionId, &'k str)> {
        let rest = key.strip_prefix(&self.versions(id))?;
        let (version, rel) = rest.split_once('/')?;
        Some((VersionId::parse(version)?, rel))
    }
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

    /// Remove staging folders (`.<id>.partial-*`, and the `.old` copy a commit moves aside) left under
    /// the root by runs that died; those of runs still alive are kept (see [`crate::atomic`]).
    pub fn reap_stale_staging(&self) -> std::io::Result<Vec<PathBuf>> {
        crate::atomic::reap_stale_dirs(&self.root, |name| {
            let name = name.to_string_lossy();
            name.starts_with('.') && name.contains(".partial-")
        })
    }
}

/// The one rendition order (on disk or in object storage): by the number the name starts with
/// (`360p` before `1080p`), then by size, then by name.
pub fn sort_renditions(found: &mut [RenditionFile]) {
    found.sort_by_key(|r| {
        let digits: String = r.quality.as_str().chars().take_while(char::is_ascii_digit).collect();
        (digits.parse::<u64>().unwrap_or(u64::MAX), r.bytes, r.quality.clone())
    });
}

/// One `renditions/<quality>.mp4` found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenditionFile {
    pub quality: Quality,
    pub bytes: u64,
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

    /// Paths relative to an asset folder (`hls/720p/playlist.m3u8`): the names inside a published
    /// version in object storage.
    pub fn relative() -> AssetDir {
        AssetDir::new("")
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
        self.dir.join(rendition_path(quality))
    }

    /// The renditions on disk (`renditions/<quality>.mp4` with a valid quality name), in the one
    /// rendition order: by the number the name starts with (`360p` before `1080p`), then by size, then
    /// by name. An empty list when the folder holds none; an error when it cannot be read.
    pub fn rendition_files(&self) -> std::io::Result<Vec<RenditionFile>> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(self.renditions_dir())?.flatten() {
            let Ok(name) = entry.file_name().into_string() else { continue };
            let Some(Ok(quality)) = name.strip_suffix(".mp4").map(Quality::parse) else { continue };
            found.push(RenditionFile { quality, bytes: entry.metadata().map(|m| m.len()).unwrap_or(0) });
        }
        sort_renditions(&mut found);
        Ok(found)
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

    /// The subtitle folders (`hls/subs-<lang>[_n]/`) that hold a whole-file WebVTT, sorted by name, at
    /// most `limit` of them. None when the package has none or cannot be read.
    pub fn subtitle_folders(&self, limit: usize) -> Vec<Quality> {
        let Ok(entries) = std::fs::read_dir(self.hls_dir()) else { return Vec::new() };
        let mut out: Vec<Quality> = entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|name| name.starts_with(SUBTITLES_DIR_PREFIX))
            .filter_map(|name| Quality::parse(&name).ok())
            .filter(|q| self.subtitles_file(q).is_file())
            .take(limit)
            .collect();
        out.sort();
        out
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

    #[test]
    fn qualities_on_disk_are_listed_lowest_first() {
        let dir = tempfile::tempdir().unwrap();
        let asset = AssetDir::new(dir.path());
        std::fs::create_dir(asset.renditions_dir()).unwrap();
        for name in ["1080p.mp4", "360p.mp4", "720p.mp4", "notes.txt", "bad name.mp4"] {
            std::fs::write(asset.renditions_dir().join(name), b"").unwrap();
        }
        let found: Vec<String> = asset.rendition_files().unwrap().iter().map(|r| r.quality.to_string()).collect();
        assert_eq!(found, ["360p", "720p", "1080p"]);
    }

    #[test]
    fn published_objects_live_under_a_version_beside_one_pointer() {
        let objects = ObjectLayout::new("/media/assets/");
        let id = AssetId::parse("abc").unwrap();
        let v = VersionId::parse("1733385600000-0a1b2c3d").unwrap();
        let q = Quality::parse("720p").unwrap();
        assert_eq!(objects.pointer(&id), "media/assets/abc/current.json");
        let key = objects.object(&id, &v, &AssetDir::relative().hls_playlist(&q));
        assert_eq!(key, "media/assets/abc/v/1733385600000-0a1b2c3d/hls/720p/playlist.m3u8");
        assert_eq!(objects.split_version_key(&id, &key), Some((v, "hls/720p/playlist.m3u8")));
        assert_eq!(ObjectLayout::new("").pointer(&id), "abc/current.json");
    }

    #[test]
    fn only_plain_relative_paths_are_publishable() {
        assert!(is_publishable_path("hls/720p/segment_00001.m4s"));
        assert!(is_publishable_path("meta.json"));
        for bad in ["", "/x", "a//b", "../x", "hls/.partial", "a/./b", "a\\b", "é.mp4"] {
            assert!(!is_publishable_path(bad), "{bad:?} accepted");
        }
        assert!(VersionId::parse("Upper").is_none() && VersionId::parse("../x").is_none());
    }
}
