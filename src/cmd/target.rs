//! Where a build's inputs come from and its finished assets go, shared by the batch commands
//! (`renditions`, `hls`, `prepare`) and the queue's `worker`: an output root that is a local folder
//! (assets are committed by renaming a staging folder beside them) or an object store (`s3://…`, built
//! in local staging, then published through storage's commit point), and remote inputs (`s3://`,
//! `http(s)://`) fetched into a local folder first. Resolves the `[storage]` settings; the building
//! itself is the pipeline's and the bookkeeping the callers'.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::config::Settings;
use crate::exit::UsageError;
use crate::layout::{AssetId, Layout};
use crate::pipeline::asset::{self, AssetPlan};
use crate::storage::blocking::BlockingStore;
use crate::storage::{Location, Pointer, PublishOptions, PublishOutcome, PublishProgress, S3Url, StorageOptions};
use crate::ui::progress::Bars;
use crate::ui::Output;

/// Where finished assets go.
pub enum Target {
    /// Renamed from a staging folder beside them into the local assets root.
    Local(Layout),
    /// Built in a local staging folder, then published to object storage (`-o s3://...`).
    Remote(Box<Remote>),
}

/// An object-store output root and the local staging its assets are built in.
pub struct Remote {
    store: BlockingStore,
    url: S3Url,
    /// Staging folders live here (a temp dir removed when the target is dropped).
    staging: Layout,
    _staging_dir: tempfile::TempDir,
    publish: PublishOptions,
}

impl Target {
    /// Open the output root `out` (a local folder or `s3://bucket/prefix`) for assets built by `plan`.
    /// `force` rebuilds (and republishes) an asset that is already finished.
    pub fn open(settings: &Settings, out: &str, plan: &AssetPlan, force: bool) -> anyhow::Result<Target> {
        let url = match Location::parse(out) {
            Ok(Location::S3(url)) => url,
            Ok(Location::Local(path)) => return Ok(Target::Local(Layout::new(path))),
            Ok(Location::Http(_)) => {
                return Err(UsageError::new(format!("-o {out}: an output must be a local folder or s3://")).into())
            }
            Err(e) => return Err(UsageError::new(format!("-o: {e}")).into()),
        };
        let options = crate::config::storage::resolve(settings, None)?;
        let store = BlockingStore::open(&url, &options).map_err(|e| UsageError::new(e.to_string()))?;
        let staging_dir =
            tempfile::Builder::new().prefix("playtube-staging-").tempdir().context("creating a staging folder")?;
        let rebuilt = plan.products.entries();
        let publish = PublishOptions {
            force,
            cache: crate::config::storage::cache_policy(settings),
            keep_grace: crate::config::storage::keep_grace(settings, None)?,
            orphan_grace: crate::config::storage::orphan_grace(settings)?,
            carry_over: asset::Products::ALL
                .entries()
                .into_iter()
                .filter(|e| !rebuilt.contains(e))
                .map(str::to_owned)
                .collect(),
        };
        let staging = Layout::new(staging_dir.path());
        Ok(Target::Remote(Box::new(Remote { store, url, staging, _staging_dir: staging_dir, publish })))
    }

    /// The layout staging folders are made in (the root itself, or the remote target's local staging).
    pub fn build_layout(&self) -> &Layout {
        match self {
            Target::Local(layout) => layout,
            Target::Remote(remote) => &remote.staging,
        }
    }

    pub fn remote(&self) -> Option<&Remote> {
        match self {
            Target::Local(_) => None,
            Target::Remote(remote) => Some(remote),
        }
    }

    /// Where the asset is shown to users: its local folder or `s3://bucket/prefix/<id>`.
    pub fn shown_dir(&self, id: &AssetId) -> PathBuf {
        match self {
            Target::Local(layout) => layout.asset(id).dir().to_owned(),
            Target::Remote(remote) => remote.asset_url(id),
        }
    }

    /// Remove the staging folders that killed runs left in a local root (those of live runs stay),
    /// reporting each; a failure is a warning.
    pub fn reap_stale_staging(&self, output: &Output) {
        let Target::Local(layout) = self else { return };
        match layout.reap_stale_staging() {
            Ok(removed) => {
                for dir in removed {
                    output.info(format!("removed {} (staging left by a run that was killed)", dir.display()));
                }
            }
            Err(e) => output.warn(format!("could not clean up stale staging in {}: {e}", layout.root().display())),
        }
    }
}

impl Remote {
    pub fn asset_url(&self, id: &AssetId) -> PathBuf {
        let prefix = if self.url.prefix.is_empty() { String::new() } else { format!("{}/", self.url.prefix) };
        PathBuf::from(self.url.object_url(&format!("{prefix}{id}")))
    }

    /// The pointer of the asset when its current version holds everything `plan` builds (one GET).
    pub fn finished(&self, plan: &AssetPlan, id: &AssetId) -> anyhow::Result<Option<Pointer>> {
        let pointer = self.store.pointer(id).with_context(|| format!("checking {}", self.asset_url(id).display()))?;
        Ok(pointer.filter(|p| {
            let has = |rel: &str| p.has_entry(rel.split('/').next().unwrap_or(rel));
            asset::is_finished_in(plan, p.has_entry(crate::layout::RENDITIONS_DIR), &has)
        }))
    }

    /// Publish the asset built in `dir` through the commit point, with a byte bar named `name`.
    /// Another publisher winning the race (the same job run twice) is not an error: its version stays
    /// current, whole, and ours is dropped; a warning says so.
    pub fn publish(
        &self,
        id: &AssetId,
        dir: &Path,
        bars: &Bars,
        output: &Output,
        name: &str,
    ) -> anyhow::Result<PublishOutcome> {
        let upload = bars.bytes(name, 0);
        let on_progress = |p: PublishProgress| match p {
            PublishProgress::Planned { bytes, .. } => upload.set_length(bytes),
            PublishProgress::Sent { bytes } => upload.inc(bytes),
        };
        let outcome = self.store.publish(id, dir, &self.publish, &on_progress);
        upload.finish_and_clear();
        let outcome = outcome.with_context(|| format!("publishing to {}", self.asset_url(id).display()))?;
        match &outcome {
            PublishOutcome::Published { gc_error: Some(e), .. } => {
                bars.suspend(|| output.warn(format_args!("{id}: published, but removing old versions failed: {e}")));
            }
            PublishOutcome::Superseded { winner, .. } => {
                let winner = winner.as_ref().map(|p| p.version.as_str()).unwrap_or_default();
                bars.suspend(|| {
                    output.warn(format_args!(
                        "{id}: another publisher committed version {winner} first; it stays current"
                    ))
                });
            }
            _ => {}
        }
        Ok(outcome)
    }
}

/// Fetch a remote input (`s3://`, `http(s)://`) into `dir`, named as in the URL (so the asset id is
/// the same as for a local file), with a byte bar. The error names the URL.
pub fn fetch_input(options: &StorageOptions, location: &Location, dir: &Path, bars: &Bars) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{location}: creating {}: {e}", dir.display()))?;
    let name = crate::storage::file_name(location);
    let dest = dir.join(&name);
    let bar = bars.bytes(&name, 0);
    let fetched = crate::storage::blocking::download(location, &dest, options, options.max_download, &|n| bar.inc(n));
    bar.finish_and_clear();
    match fetched {
        Ok(_) => Ok(dest),
        Err(e) => {
            let (msg, url) = (e.to_string(), location.to_string());
            Err(if msg.contains(&url) { msg } else { format!("{url}: {msg}") })
        }
    }
}
