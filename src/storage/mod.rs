//! Where assets live when they are not on the local disk: an S3-compatible object store
//! (`s3://bucket/prefix`: AWS S3, Cloudflare R2, MinIO, Garage, Ceph RGW), behind one async [`Store`]
//! used by publishing (`publish`, the pipeline's `-o s3://`, the queue's workers) and by readers (the
//! server's origin). A leaf: it takes a plain [`StorageOptions`] resolved by the edge (it never reads
//! the environment or playtube.toml), object names come from `layout`, and content types and
//! cache policy from `mime`. The synchronous pipeline uses the [`blocking`] facade.
//!
//! The commit protocol (see `publish.rs`): every build is uploaded under its own immutable version
//! prefix, then one small pointer object naming that version is written last; readers resolve the
//! pointer once per asset. This module is the only place that builds object URLs.

pub mod blocking;
mod download;
mod location;
mod publish;

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{ClientOptions, GetOptions, GetRange, ObjectStore, ObjectStoreExt, RetryConfig};

pub use download::{download, file_name};
pub use location::{Location, LocationError, S3Url};
pub use object_store::ObjectMeta;
pub use publish::{
    caption_folders, new_version, Extras, Pointer, PublishOptions, PublishOutcome, PublishProgress, Retired,
    DEFAULT_KEEP_GRACE, DEFAULT_ORPHAN_GRACE, MAX_RETIRED,
};

use crate::layout::ObjectLayout;

/// Everything needed to talk to an object store, resolved once by the edge (flags > environment >
/// `[storage]` in playtube.toml > defaults). Credentials may be absent for public buckets.
#[derive(Clone, PartialEq, Eq)]
pub struct StorageOptions {
    /// `http(s)://host:port` of an S3-compatible server; `None` means AWS S3 in `region`.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
    /// Allow a plain-HTTP endpoint (a local MinIO/Garage).
    pub allow_http: bool,
    /// Use `If-None-Match`/`If-Match` when writing the pointer, so two concurrent publishers of one
    /// asset cannot overwrite each other's pointer unseen (AWS, R2, MinIO support it).
    pub conditional_put: bool,
    /// Uploads in flight at once (files, and parts of one large file).
    pub concurrency: usize,
    /// Files at least this large are uploaded in parts.
    pub multipart_threshold: u64,
    /// Size of one part of a multipart upload (S3: 5 MiB to 5 GiB).
    pub part_size: usize,
    /// Retries of one request on transient errors (5xx, timeouts, connection resets), with
    /// exponential backoff, bounded in total by `retry_timeout`.
    pub max_retries: usize,
    pub retry_timeout: Duration,
    /// Bound on one request (connect + transfer).
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    /// Largest pipeline input fetched from `s3://` or `http(s)://`.
    pub max_download: u64,
}

impl std::fmt::Debug for StorageOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorageOptions")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key.as_ref().map(|_| "<redacted>"))
            .field("allow_http", &self.allow_http)
            .field("conditional_put", &self.conditional_put)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

pub const DEFAULT_REGION: &str = "us-east-1";
pub const DEFAULT_CONCURRENCY: usize = 8;
pub const DEFAULT_MULTIPART_THRESHOLD: u64 = 16 * 1024 * 1024;
pub const DEFAULT_PART_SIZE: usize = 8 * 1024 * 1024;
/// S3's smallest part (except the last).
pub const MIN_PART_SIZE: usize = 5 * 1024 * 1024;
/// S3's largest part.
pub const MAX_PART_SIZE: usize = 512 * 1024 * 1024;
/// Default bound on one downloaded pipeline input.
pub const DEFAULT_MAX_DOWNLOAD: u64 = 64 * 1024 * 1024 * 1024;
/// Pointers are tiny; anything larger is not ours.
pub const MAX_POINTER_BYTES: u64 = 64 * 1024;

impl Default for StorageOptions {
    fn default() -> Self {
        StorageOptions {
            endpoint: None,
            region: DEFAULT_REGION.to_owned(),
            access_key_id: None,
            secret_access_key: None,
            session_token: None,
            allow_http: false,
            conditional_put: true,
            concurrency: DEFAULT_CONCURRENCY,
            multipart_threshold: DEFAULT_MULTIPART_THRESHOLD,
            part_size: DEFAULT_PART_SIZE,
            max_retries: 5,
            retry_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(5),
            max_download: DEFAULT_MAX_DOWNLOAD,
        }
    }
}

/// Errors callers branch on: a missing object, a failed precondition (someone else wrote first), a
/// bad configuration, or everything else from the store or the local disk.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{url}: not found")]
    NotFound { url: String },
    #[error("{url}: changed concurrently (precondition failed)")]
    Conflict { url: String },
    #[error("object storage settings: {0}")]
    Config(String),
    #[error("{url}: {source}")]
    Store {
        url: String,
        #[source]
        source: object_store::Error,
    },
    #[error("{path}: {source}")]
    Local {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{url}: {reason}")]
    Invalid { url: String, reason: String },
}

/// One bucket (and key prefix) of an object store. Cheap to clone; use it from one tokio runtime
/// (its HTTP connection pool belongs to the runtime it first ran on).
#[derive(Debug, Clone)]
pub struct Store {
    inner: Arc<dyn ObjectStore>,
    url: S3Url,
    objects: ObjectLayout,
    options: StorageOptions,
}

impl Store {
    /// Connect lazily (no request is made here) to `url` with `options`.
    pub fn open(url: &S3Url, options: &StorageOptions) -> Result<Store, Error> {
        if let Some(endpoint) = &options.endpoint {
            if endpoint.starts_with("http://") && !options.allow_http {
                return Err(Error::Config(format!(
                    "endpoint {endpoint} is plain HTTP; set AWS_ALLOW_HTTP=true (or allow_http = true in [storage]) for a local server"
                )));
            }
        }
        if options.access_key_id.is_some() != options.secret_access_key.is_some() {
            return Err(Error::Config(
                "set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or neither, for a public bucket)".to_owned(),
            ));
        }
        if !(MIN_PART_SIZE..=MAX_PART_SIZE).contains(&options.part_size) {
            return Err(Error::Config(format!(
                "part_size {} must be between {MIN_PART_SIZE} and {MAX_PART_SIZE} bytes",
                options.part_size
            )));
        }
        let client = ClientOptions::new()
            .with_allow_http(options.allow_http)
            .with_timeout(options.request_timeout)
            .with_connect_timeout(options.connect_timeout);
        let retry = RetryConfig {
            max_retries: options.max_retries,
            retry_timeout: options.retry_timeout,
            ..RetryConfig::default()
        };
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&url.bucket)
            .with_region(&options.region)
            .with_client_options(client)
            .with_retry(retry)
            .with_allow_http(options.allow_http);
        if let Some(endpoint) = &options.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        match (&options.access_key_id, &options.secret_access_key) {
            (Some(id), Some(secret)) => {
                builder = builder.with_access_key_id(id).with_secret_access_key(secret);
                if let Some(token) = &options.session_token {
                    builder = builder.with_token(token);
                }
            }
            _ => builder = builder.with_skip_signature(true),
        }
        let conditional = if options.conditional_put {
            object_store::aws::S3ConditionalPut::ETagMatch
        } else {
            object_store::aws::S3ConditionalPut::Disabled
        };
        builder = builder.with_conditional_put(conditional);
        let inner = builder.build().map_err(|e| Error::Config(format!("{url}: {e}")))?;
        Ok(Store {
            inner: Arc::new(inner),
            url: url.clone(),
            objects: ObjectLayout::new(&url.prefix),
            options: options.clone(),
        })
    }

    /// The raw object store, for readers that need more than the calls below.
    pub fn inner(&self) -> &Arc<dyn ObjectStore> {
        &self.inner
    }

    pub fn url(&self) -> &S3Url {
        &self.url
    }

    /// Object names of assets under this store's prefix.
    pub fn objects(&self) -> &ObjectLayout {
        &self.objects
    }

    pub fn options(&self) -> &StorageOptions {
        &self.options
    }

    /// `s3://bucket/key`, for messages.
    pub fn object_url(&self, key: &str) -> String {
        self.url.object_url(key)
    }

    pub(crate) fn error(&self, key: &str, source: object_store::Error) -> Error {
        let url = self.object_url(key);
        match source {
            object_store::Error::NotFound { .. } => Error::NotFound { url },
            object_store::Error::Precondition { .. } | object_store::Error::AlreadyExists { .. } => {
                Error::Conflict { url }
            }
            source => Error::Store { url, source },
        }
    }

    /// The object's size, validators and modification time; `None` when it does not exist.
    pub async fn head(&self, key: &str) -> Result<Option<ObjectMeta>, Error> {
        match self.inner.head(&ObjectPath::from(key)).await {
            Ok(meta) => Ok(Some(meta)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.error(key, e)),
        }
    }

    /// A whole object, refused when larger than `max_bytes` (bounded memory).
    pub async fn get(&self, key: &str, max_bytes: u64) -> Result<(ObjectMeta, Bytes), Error> {
        let result = self.inner.get_opts(&ObjectPath::from(key), GetOptions::default()).await;
        let result = result.map_err(|e| self.error(key, e))?;
        if result.meta.size > max_bytes {
            return Err(Error::Invalid {
                url: self.object_url(key),
                reason: format!("{} bytes, more than the {max_bytes} expected", result.meta.size),
            });
        }
        let meta = result.meta.clone();
        let bytes = result.bytes().await.map_err(|e| self.error(key, e))?;
        Ok((meta, bytes))
    }

    /// Bytes `range` of an object (one ranged GET).
    pub async fn get_range(&self, key: &str, range: Range<u64>) -> Result<Bytes, Error> {
        let options = GetOptions { range: Some(GetRange::Bounded(range)), ..GetOptions::default() };
        let result = self.inner.get_opts(&ObjectPath::from(key), options).await.map_err(|e| self.error(key, e))?;
        result.bytes().await.map_err(|e| self.error(key, e))
    }

    /// Every object whose key starts with `prefix` (a folder-like prefix ending in `/`).
    pub async fn list(&self, prefix: &str) -> Result<Vec<ObjectMeta>, Error> {
        let path = ObjectPath::from(prefix.trim_end_matches('/'));
        self.inner.list(Some(&path)).try_collect().await.map_err(|e| self.error(prefix, e))
    }

    /// Delete these keys (missing ones are not an error).
    pub async fn delete(&self, keys: Vec<ObjectPath>) -> Result<usize, Error> {
        let count = keys.len();
        let stream = futures_util::stream::iter(keys.into_iter().map(Ok)).boxed();
        let deleted: Vec<ObjectPath> = match self.inner.delete_stream(stream).try_collect().await {
            Ok(done) => done,
            Err(object_store::Error::NotFound { .. }) => return Ok(count),
            Err(e) => return Err(self.error(self.objects.prefix(), e)),
        };
        Ok(deleted.len())
    }
}
