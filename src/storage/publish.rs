//! Publishing one asset, built in a local folder, to object storage with a real commit point:
//!
//! 1. (unless forced) one GET of the asset's pointer: present means finished, skip;
//! 2. every file is uploaded under a fresh, immutable version prefix `<prefix>/<id>/v/<version>/`,
//!    each object with the Content-Type and Cache-Control `serve` sends for it (`mime`), large files
//!    in parts, with bounded concurrency (request retries with backoff are the client's);
//! 3. the pointer `<prefix>/<id>/current.json` naming that version is written last, conditionally
//!    (`If-Match` the pointer read just before, or `If-None-Match: *`) where the server supports it;
//! 4. replaced versions other than the previous one are deleted a grace after they were replaced,
//!    never-committed ones (crashes) after a longer grace; an upload in flight elsewhere is never touched.
//!
//! A reader resolves the pointer once and reads everything else relative to that version, so it
//! never sees a half-uploaded build (nothing names it yet), a half-replaced one (versions are never
//! modified), or two builds mixed (one pointer names one version). A crash before step 3 leaves an
//! unreferenced version that a later publish collects; two concurrent publishers each upload their own
//! version and the pointer names exactly one of them. Knows nothing of the CLI or of progress bars:
//! progress is reported through a callback.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path as ObjectPath;
use object_store::ObjectStoreExt;
use object_store::{
    Attribute, AttributeValue, Attributes, PutMode, PutMultipartOptions, PutOptions, PutPayload, UpdateVersion,
    WriteMultipart,
};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;

use super::{Error, Store, MAX_POINTER_BYTES};
use crate::layout::{self, AssetId, Quality, RenditionFile, VersionId};
use crate::mime::{self, CachePolicy};
use crate::units::unix_now;

/// The pointer object: which version of the asset readers must use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pointer {
    /// Format of this object (1).
    pub format: u32,
    pub version: String,
    /// Unix seconds.
    pub published_at: u64,
    pub files: u64,
    pub bytes: u64,
    /// The top-level entries of the version (`hls`, `renditions`, `stream.mp4`, ...), so "is this
    /// asset finished for this plan" needs no listing.
    #[serde(default)]
    pub entries: Vec<String>,
    /// Versions that were current before this one, newest first (at most [`MAX_RETIRED`]), with
    /// when they were replaced: garbage collection deletes only these (after the grace) and versions
    /// never committed (after the longer orphan grace), never an upload in flight.
    #[serde(default)]
    pub retired: Vec<Retired>,
}

/// What a published version has beside its renditions (see [`Store::extras`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extras {
    /// `subs-<lang>[_n]` folders that hold a whole-file WebVTT, sorted by name.
    pub captions: Vec<Quality>,
    /// `hls/storyboard/storyboard.vtt` exists.
    pub storyboard: bool,
}

/// A version that was replaced, and when (unix seconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retired {
    pub version: String,
    pub at: u64,
}

/// How many replaced versions a pointer remembers.
pub const MAX_RETIRED: usize = 16;

impl Pointer {
    pub fn version_id(&self) -> Option<VersionId> {
        VersionId::parse(&self.version)
    }

    /// Whether the version has this top-level entry (`hls`, `stream.mp4`, ...).
    pub fn has_entry(&self, name: &str) -> bool {
        self.entries.iter().any(|e| e == name)
    }

    /// The version this one replaced (always kept, for players that loaded its playlists).
    pub fn previous(&self) -> Option<&str> {
        self.retired.first().map(|r| r.version.as_str())
    }
}

/// How to publish.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    /// Publish even when the asset already has a pointer (a rebuild).
    pub force: bool,
    /// Cache-Control per kind of file (the one `serve` is configured with).
    pub cache: CachePolicy,
    /// A replaced version (other than the previous one) is deleted this long after it was replaced
    /// (players that loaded its playlists keep working meanwhile).
    pub keep_grace: Duration,
    /// A version that was never committed (a crashed upload, or one still in flight elsewhere) is
    /// deleted once its newest object is this old; keep it above the longest publish.
    pub orphan_grace: Duration,
    /// Top-level entries (`renditions`, `hls`, ...) to carry over from the current version when the
    /// local folder does not have them, by server-side copy (`hls` keeps earlier renditions).
    pub carry_over: Vec<String>,
}

impl Default for PublishOptions {
    fn default() -> Self {
        PublishOptions {
            force: false,
            cache: CachePolicy::default(),
            keep_grace: DEFAULT_KEEP_GRACE,
            orphan_grace: DEFAULT_ORPHAN_GRACE,
            carry_over: Vec::new(),
        }
    }
}

pub const DEFAULT_KEEP_GRACE: Duration = Duration::from_secs(3600);
pub const DEFAULT_ORPHAN_GRACE: Duration = Duration::from_secs(24 * 3600);

/// What publishing one asset did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishOutcome {
    /// A pointer was already there (and `force` was off).
    Skipped { pointer: Pointer },
    /// Our version is now the current one.
    Published {
        pointer: Pointer,
        /// Old versions deleted after the commit.
        removed_versions: usize,
        /// Garbage collection failing does not undo the publish; the reason is kept for a warning.
        gc_error: Option<String>,
    },
    /// Another publisher committed between our read of the pointer and our write; its version stays
    /// current and ours was deleted.
    Superseded { ours: String, winner: Option<Pointer> },
}

/// Progress of one publish, for a byte bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishProgress {
    /// The files were listed: this many bytes will be sent.
    Planned { files: u64, bytes: u64 },
    /// This many more bytes were handed to the store.
    Sent { bytes: u64 },
}

/// A file of the local asset folder.
#[derive(Debug, Clone)]
struct LocalFile {
    /// Relative, `/`-separated (checked by [`layout::is_publishable_path`]).
    rel: String,
    path: PathBuf,
    size: u64,
}

/// Every file under `dir` as relative paths. Hidden entries (`.name`: partial files of an
/// interrupted local build) are left out; any other unexpected name is an error, so nothing is
/// silently dropped.
fn scan(dir: &Path) -> Result<Vec<LocalFile>, Error> {
    let local = |path: &Path, source: std::io::Error| Error::Local { path: path.to_owned(), source };
    let meta = std::fs::metadata(dir).map_err(|e| local(dir, e))?;
    if !meta.is_dir() {
        return Err(local(dir, std::io::Error::other("not a folder")));
    }
    let mut files = Vec::new();
    let walker = walkdir::WalkDir::new(dir).min_depth(1).sort_by_file_name().into_iter();
    for entry in walker.filter_entry(|e| !e.file_name().to_string_lossy().starts_with('.')) {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_owned();
            local(&path, e.into_io_error().unwrap_or_else(|| std::io::Error::other("walk failed")))
        })?;
        if entry.file_type().is_dir() {
            continue;
        }
        let rel_path = entry.path().strip_prefix(dir).expect("walkdir stays below its root");
        let rel: Vec<String> = rel_path.iter().map(|c| c.to_string_lossy().into_owned()).collect();
        let rel = rel.join("/");
        if !layout::is_publishable_path(&rel) {
            return Err(local(entry.path(), std::io::Error::other("file name cannot be published")));
        }
        let meta = std::fs::metadata(entry.path()).map_err(|e| local(entry.path(), e))?;
        if !meta.is_file() {
            return Err(local(entry.path(), std::io::Error::other("not a regular file")));
        }
        files.push(LocalFile { rel, path: entry.path().to_owned(), size: meta.len() });
    }
    if files.is_empty() {
        return Err(local(dir, std::io::Error::other("holds no files to publish")));
    }
    Ok(files)
}

/// A fresh version id: `<unix milliseconds, 13 digits>-<8 random hex>`, sorting by publish time.
pub fn new_version() -> VersionId {
    use std::hash::{BuildHasher, Hasher};
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(since_epoch.as_nanos());
    hasher.write_u32(std::process::id());
    let id = format!("{:013}-{:08x}", since_epoch.as_millis(), hasher.finish() as u32);
    VersionId::parse(&id).expect("digits, '-' and hex are valid")
}

fn attributes(content_type: &str, cache_control: &str) -> Attributes {
    let mut attributes = Attributes::new();
    attributes.insert(Attribute::ContentType, AttributeValue::from(content_type.to_owned()));
    attributes.insert(Attribute::CacheControl, AttributeValue::from(cache_control.to_owned()));
    attributes
}

impl Store {
    /// The asset's pointer and the validators to replace it conditionally; `None` if unpublished.
    pub async fn pointer(&self, id: &AssetId) -> Result<Option<(Pointer, UpdateVersion)>, Error> {
        let key = self.objects().pointer(id);
        let (meta, bytes) = match self.get(&key, MAX_POINTER_BYTES).await {
            Ok(found) => found,
            Err(Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let invalid = |reason: String| Error::Invalid { url: self.object_url(&key), reason };
        let pointer: Pointer = serde_json::from_slice(&bytes).map_err(|e| invalid(format!("not a pointer: {e}")))?;
        if pointer.format != 1 || pointer.version_id().is_none() {
            return Err(invalid(format!(
                "unsupported pointer (format {}, version {:?})",
                pointer.format, pointer.version
            )));
        }
        Ok(Some((pointer, UpdateVersion { e_tag: meta.e_tag, version: meta.version })))
    }

    /// Publish the asset built in `dir` as `id` (see the module doc for the protocol).
    pub async fn publish(
        &self,
        id: &AssetId,
        dir: &Path,
        options: &PublishOptions,
        progress: &(dyn Fn(PublishProgress) + Send + Sync),
    ) -> Result<PublishOutcome, Error> {
        if !options.force {
            if let Some((pointer, _)) = self.pointer(id).await? {
                return Ok(PublishOutcome::Skipped { pointer });
            }
        }
        let files = scan(dir)?;
        let local_bytes: u64 = files.iter().map(|f| f.size).sum();
        progress(PublishProgress::Planned { files: files.len() as u64, bytes: local_bytes });

        let version = new_version();
        self.upload_version(id, &version, &files, &options.cache, progress).await?;
        let mut rels: Vec<(String, u64)> = files.iter().map(|f| (f.rel.clone(), f.size)).collect();
        rels.extend(self.carry_over(id, &version, &files, &options.carry_over).await?);
        let bytes = rels.iter().map(|(_, size)| size).sum();
        let mut entries: Vec<String> = rels.iter().map(|(rel, _)| top_entry(rel).to_owned()).collect();
        entries.sort();
        entries.dedup();

        // The commit point: one small object, written after every file of the version exists.
        let prior = self.pointer(id).await?;
        let now = unix_now();
        let mut retired = Vec::new();
        if let Some((p, _)) = &prior {
            retired.push(Retired { version: p.version.clone(), at: now });
            retired.extend(p.retired.iter().cloned());
        }
        retired.retain(|r| r.version != version.as_str());
        retired.truncate(MAX_RETIRED);
        let pointer = Pointer {
            format: 1,
            version: version.to_string(),
            published_at: now,
            files: rels.len() as u64,
            bytes,
            entries,
            retired,
        };
        let mode = match (self.options().conditional_put, prior) {
            (false, _) => PutMode::Overwrite,
            (true, None) => PutMode::Create,
            (true, Some((_, validators))) => PutMode::Update(validators),
        };
        let body = serde_json::to_vec_pretty(&pointer).expect("a pointer serialises");
        let key = self.objects().pointer(id);
        let put = PutOptions { mode, attributes: attributes("application/json", "no-cache"), ..PutOptions::default() };
        match self.inner().put_opts(&ObjectPath::from(key.as_str()), PutPayload::from(body), put).await {
            Ok(_) => {}
            Err(object_store::Error::Precondition { .. } | object_store::Error::AlreadyExists { .. }) => {
                let _ = self.delete_version(id, &version).await;
                let winner = self.pointer(id).await?.map(|(p, _)| p);
                return Ok(PublishOutcome::Superseded { ours: version.to_string(), winner });
            }
            Err(e) => return Err(self.error(&key, e)),
        }

        let (removed_versions, gc_error) =
            match self.collect_garbage(id, options.keep_grace, options.orphan_grace).await {
                Ok(n) => (n, None),
                Err(e) => (0, Some(e.to_string())),
            };
        Ok(PublishOutcome::Published { pointer, removed_versions, gc_error })
    }

    /// Upload every file under the version's prefix: small files `concurrency` at a time, then large
    /// ones one after the other, each with `concurrency` parts in flight (memory stays below
    /// `concurrency` x max(threshold, part size)).
    async fn upload_version(
        &self,
        id: &AssetId,
        version: &VersionId,
        files: &[LocalFile],
        cache: &CachePolicy,
        progress: &(dyn Fn(PublishProgress) + Send + Sync),
    ) -> Result<(), Error> {
        let threshold = self.options().multipart_threshold;
        let key = |f: &LocalFile| self.objects().object(id, version, Path::new(&f.rel));
        let small = files.iter().filter(|f| f.size < threshold);
        futures_util::stream::iter(small.map(|f| self.put_small(key(f), f, cache, progress)))
            .buffer_unordered(self.options().concurrency.max(1))
            .try_collect::<Vec<()>>()
            .await?;
        for f in files.iter().filter(|f| f.size >= threshold) {
            self.put_large(key(f), f, cache, progress).await?;
        }
        Ok(())
    }

    /// Copy (server-side) the objects of the current version under `carry` entries that the local
    /// folder lacks into `version`; returns their relative paths and sizes.
    async fn carry_over(
        &self,
        id: &AssetId,
        version: &VersionId,
        local: &[LocalFile],
        carry: &[String],
    ) -> Result<Vec<(String, u64)>, Error> {
        let wanted: Vec<&String> =
            carry.iter().filter(|c| !local.iter().any(|f| top_entry(&f.rel) == c.as_str())).collect();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let Some((current, _)) = self.pointer(id).await? else { return Ok(Vec::new()) };
        let Some(from) = current.version_id() else { return Ok(Vec::new()) };
        let mut copied = Vec::new();
        for meta in self.list(&self.objects().version_root(id, &from)).await? {
            let Some((_, rel)) = self.objects().split_version_key(id, meta.location.as_ref()) else { continue };
            if !wanted.iter().any(|w| w.as_str() == top_entry(rel)) || !layout::is_publishable_path(rel) {
                continue;
            }
            let to = self.objects().object(id, version, Path::new(rel));
            self.inner().copy(&meta.location, &ObjectPath::from(to.as_str())).await.map_err(|e| self.error(&to, e))?;
            copied.push((rel.to_owned(), meta.size));
        }
        Ok(copied)
    }

    async fn put_small(
        &self,
        key: String,
        file: &LocalFile,
        cache: &CachePolicy,
        progress: &(dyn Fn(PublishProgress) + Send + Sync),
    ) -> Result<(), Error> {
        let data =
            tokio::fs::read(&file.path).await.map_err(|e| Error::Local { path: file.path.clone(), source: e })?;
        let len = data.len() as u64;
        let options = PutOptions { attributes: file_attributes(&file.rel, cache), ..PutOptions::default() };
        self.inner()
            .put_opts(&ObjectPath::from(key.as_str()), PutPayload::from(data), options)
            .await
            .map_err(|e| self.error(&key, e))?;
        progress(PublishProgress::Sent { bytes: len });
        Ok(())
    }

    async fn put_large(
        &self,
        key: String,
        file: &LocalFile,
        cache: &CachePolicy,
        progress: &(dyn Fn(PublishProgress) + Send + Sync),
    ) -> Result<(), Error> {
        let options = PutMultipartOptions { attributes: file_attributes(&file.rel, cache), ..Default::default() };
        let upload = self
            .inner()
            .put_multipart_opts(&ObjectPath::from(key.as_str()), options)
            .await
            .map_err(|e| self.error(&key, e))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, self.options().part_size);
        match self.feed(&mut writer, file, progress).await {
            Ok(()) => {
                writer.finish().await.map_err(|e| self.error(&key, e))?;
                Ok(())
            }
            Err(e) => {
                let _ = writer.abort().await;
                Err(e)
            }
        }
    }

    async fn feed(
        &self,
        writer: &mut WriteMultipart,
        file: &LocalFile,
        progress: &(dyn Fn(PublishProgress) + Send + Sync),
    ) -> Result<(), Error> {
        let local = |e| Error::Local { path: file.path.clone(), source: e };
        let mut reader = tokio::fs::File::open(&file.path).await.map_err(local)?;
        let mut buf = vec![0u8; 1024 * 1024];
        loop {
            let n = reader.read(&mut buf).await.map_err(local)?;
            if n == 0 {
                return Ok(());
            }
            writer
                .wait_for_capacity(self.options().concurrency.max(1))
                .await
                .map_err(|e| Error::Store { url: file.rel.clone(), source: e })?;
            writer.write(&buf[..n]);
            progress(PublishProgress::Sent { bytes: n as u64 });
        }
    }

    /// The renditions (`renditions/<quality>.mp4`) of the asset's current version, in the one
    /// rendition order, and its pointer; `None` when the asset is not published. One GET, one LIST.
    pub async fn current_renditions(&self, id: &AssetId) -> Result<Option<(Pointer, Vec<RenditionFile>)>, Error> {
        let Some((pointer, _)) = self.pointer(id).await? else { return Ok(None) };
        let mut found = Vec::new();
        if let (Some(version), true) = (pointer.version_id(), pointer.has_entry(layout::RENDITIONS_DIR)) {
            let prefix = format!("{}{}/", self.objects().version_root(id, &version), layout::RENDITIONS_DIR);
            for meta in self.list(&prefix).await? {
                let name = meta.location.filename().unwrap_or_default();
                if let Some(Ok(quality)) = name.strip_suffix(".mp4").map(Quality::parse) {
                    found.push(RenditionFile { quality, bytes: meta.size });
                }
            }
        }
        layout::sort_renditions(&mut found);
        Ok(Some((pointer, found)))
    }

    /// What the published `version` offers beside its renditions: the `hls/subs-<lang>/` folders that
    /// hold a whole-file WebVTT (sorted, at most `max_captions`) and whether it has a storyboard index.
    /// One delimiter LIST of `hls/` and a HEAD per caption folder, plus one for the storyboard.
    pub async fn extras(&self, id: &AssetId, version: &VersionId, max_captions: usize) -> Result<Extras, Error> {
        let asset = layout::AssetDir::relative();
        let hls = self.objects().object(id, version, &asset.hls_dir());
        let listed = self
            .inner()
            .list_with_delimiter(Some(&ObjectPath::from(hls.as_str())))
            .await
            .map_err(|e| self.error(&hls, e))?;
        let folders = caption_folders(&listed, max_captions);
        let keys: Vec<String> =
            folders.iter().map(|q| self.objects().object(id, version, &asset.subtitles_file(q))).collect();
        let storyboard_key = self.objects().object(id, version, &asset.storyboard_index());
        let (heads, storyboard) = futures_util::future::join(
            futures_util::future::join_all(keys.iter().map(|k| self.head(k))),
            self.head(&storyboard_key),
        )
        .await;
        let mut captions = Vec::with_capacity(folders.len());
        for (folder, head) in folders.into_iter().zip(heads) {
            if head?.is_some() {
                captions.push(folder);
            }
        }
        Ok(Extras { captions, storyboard: storyboard?.is_some() })
    }

    async fn delete_version(&self, id: &AssetId, version: &VersionId) -> Result<usize, Error> {
        let objects = self.list(&self.objects().version_root(id, version)).await?;
        self.delete(objects.into_iter().map(|m| m.location).collect()).await
    }

    /// Delete the asset's old versions: replaced ones (but the previous) `keep_grace` after they
    /// were replaced, and never-committed ones once their newest object is `orphan_grace` old. The
    /// current and previous versions always stay. Returns how many versions went; does nothing for
    /// an unpublished asset.
    pub async fn collect_garbage(
        &self,
        id: &AssetId,
        keep_grace: Duration,
        orphan_grace: Duration,
    ) -> Result<usize, Error> {
        let Some((current, _)) = self.pointer(id).await? else { return Ok(0) };
        let mut versions: BTreeMap<VersionId, (Vec<ObjectPath>, i64)> = BTreeMap::new();
        for meta in self.list(&self.objects().versions(id)).await? {
            let Some((version, _)) = self.objects().split_version_key(id, meta.location.as_ref()) else { continue };
            let entry = versions.entry(version).or_insert_with(|| (Vec::new(), i64::MIN));
            entry.1 = entry.1.max(meta.last_modified.timestamp());
            entry.0.push(meta.location);
        }
        let now = unix_now() as i64;
        let keep: BTreeSet<&str> = [Some(current.version.as_str()), current.previous()].into_iter().flatten().collect();
        let mut doomed = Vec::new();
        let mut removed = 0;
        for (version, (objects, newest)) in versions {
            if keep.contains(version.as_str()) {
                continue;
            }
            let expired = match current.retired.iter().find(|r| r.version == version.as_str()) {
                Some(r) => r.at as i64 + keep_grace.as_secs() as i64 <= now,
                None => newest + orphan_grace.as_secs() as i64 <= now,
            };
            if expired {
                removed += 1;
                doomed.extend(objects);
            }
        }
        if !doomed.is_empty() {
            self.delete(doomed).await?;
        }
        Ok(removed)
    }
}

/// The top-level entry of a relative path (`hls` for `hls/720p/x.ts`).
fn top_entry(rel: &str) -> &str {
    rel.split('/').next().unwrap_or(rel)
}

fn file_attributes(rel: &str, cache: &CachePolicy) -> Attributes {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let content_type = mime::content_type(name);
    attributes(content_type.to_str().unwrap_or("application/octet-stream"), cache.for_name(name))
}

/// The caption folders (`subs-<lang>`) among a delimiter listing of a version's `hls/`, sorted, at most
/// `max`. Whether each holds its whole-file WebVTT is for the caller to check.
pub fn caption_folders(listed: &object_store::ListResult, max: usize) -> Vec<Quality> {
    let mut folders: Vec<Quality> = listed
        .common_prefixes
        .iter()
        .filter_map(|p| p.filename())
        .filter(|name| name.starts_with(layout::SUBTITLES_DIR_PREFIX))
        .filter_map(|name| Quality::parse(name).ok())
        .collect();
    folders.sort();
    folders.truncate(max);
    folders
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_valid_unique_and_sort_by_time() {
        let a = new_version();
        std::thread::sleep(Duration::from_millis(2));
        let b = new_version();
        assert!(a < b, "{a} {b}");
        assert_eq!(a.as_str().len(), 13 + 1 + 8);
    }

    #[test]
    fn scan_lists_relative_paths_and_skips_hidden_partials() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("hls/720p")).unwrap();
        std::fs::write(dir.path().join("hls/720p/playlist.m3u8"), "#EXTM3U\n").unwrap();
        std::fs::write(dir.path().join("stream.mp4"), "x").unwrap();
        std::fs::write(dir.path().join(".stream.mp4.1234.partial"), "junk").unwrap();
        let files = scan(dir.path()).unwrap();
        let rels: Vec<_> = files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, ["hls/720p/playlist.m3u8", "stream.mp4"]);
    }

    #[test]
    fn scan_refuses_an_empty_folder_and_odd_names() {
        let dir = tempfile::tempdir().unwrap();
        assert!(scan(dir.path()).unwrap_err().to_string().contains("no files"));
        std::fs::write(dir.path().join("bad name.mp4"), "x").unwrap();
        assert!(scan(dir.path()).unwrap_err().to_string().contains("cannot be published"));
    }

    #[test]
    fn objects_get_the_headers_serve_sends() {
        let cache = CachePolicy::default();
        let a = file_attributes("hls/720p/playlist.m3u8", &cache);
        assert_eq!(a.get(&Attribute::ContentType).unwrap().as_ref(), "application/vnd.apple.mpegurl");
        assert_eq!(a.get(&Attribute::CacheControl).unwrap().as_ref(), mime::DEFAULT_CACHE_CONTROL_PLAYLIST);
        let b = file_attributes("hls/720p/segment_00001.m4s", &cache);
        assert_eq!(b.get(&Attribute::ContentType).unwrap().as_ref(), "video/iso.segment");
        assert_eq!(b.get(&Attribute::CacheControl).unwrap().as_ref(), mime::DEFAULT_CACHE_CONTROL_MEDIA);
    }
}
