//! A blocking facade over the async [`Store`](super::Store) for the synchronous pipeline commands
//! (`publish`, `prepare -o s3://`, the queue's worker): it owns a small tokio runtime (two worker
//! threads) and runs each call to completion on it; it may be shared by several threads (a `--jobs`
//! pool). Never call it from inside a tokio runtime (the server uses the async `Store` directly).

use std::path::Path;
use std::time::Duration;

use super::{Error, Extras, Pointer, PublishOptions, PublishOutcome, PublishProgress, S3Url, StorageOptions, Store};
use crate::layout::{AssetId, VersionId};

/// A [`Store`] plus the runtime that drives it.
pub struct BlockingStore {
    store: Store,
    runtime: tokio::runtime::Runtime,
}

impl std::fmt::Debug for BlockingStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingStore").field("store", &self.store).finish_non_exhaustive()
    }
}

impl BlockingStore {
    pub fn open(url: &S3Url, options: &StorageOptions) -> Result<BlockingStore, Error> {
        let store = Store::open(url, options)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("playtube-storage")
            .enable_all()
            .build()
            .map_err(|e| Error::Config(format!("starting the I/O runtime: {e}")))?;
        Ok(BlockingStore { store, runtime })
    }

    /// The async store (to hand to code that has its own runtime).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Run any async storage call to completion.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// The asset's pointer, if it is published (one GET).
    pub fn pointer(&self, id: &AssetId) -> Result<Option<Pointer>, Error> {
        Ok(self.block_on(self.store.pointer(id))?.map(|(p, _)| p))
    }

    /// The current version's pointer and renditions (see [`Store::current_renditions`]).
    pub fn current_renditions(
        &self,
        id: &AssetId,
    ) -> Result<Option<(Pointer, Vec<crate::layout::RenditionFile>)>, Error> {
        self.block_on(self.store.current_renditions(id))
    }

    pub fn extras(&self, id: &AssetId, version: &VersionId, max_captions: usize) -> Result<Extras, Error> {
        self.block_on(self.store.extras(id, version, max_captions))
    }

    pub fn publish(
        &self,
        id: &AssetId,
        dir: &Path,
        options: &PublishOptions,
        progress: &(dyn Fn(PublishProgress) + Send + Sync),
    ) -> Result<PublishOutcome, Error> {
        self.block_on(self.store.publish(id, dir, options, progress))
    }

    pub fn collect_garbage(&self, id: &AssetId, keep_grace: Duration, orphan_grace: Duration) -> Result<usize, Error> {
        self.block_on(self.store.collect_garbage(id, keep_grace, orphan_grace))
    }
}

/// Fetch a remote pipeline input (`s3://`, `http(s)://`) into `dest` on a runtime of its own.
pub fn download(
    location: &super::Location,
    dest: &Path,
    options: &StorageOptions,
    max_bytes: u64,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<u64, Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Config(format!("starting the I/O runtime: {e}")))?;
    runtime.block_on(super::download(location, dest, options, max_bytes, progress))
}
