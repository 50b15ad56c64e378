//! What one version of a file is, and why a file cannot be served: the [`Identity`] (device, inode,
//! size, mtime) that the cache keys on and every read checks against, the [`FileMeta`] validators
//! (ETag, Last-Modified) rendered from it, and [`FileError`], which the handler maps to status codes.
//! Pure data with no I/O beyond reading a `Metadata`, so `cache`, `files` and `chunks` all build on it
//! without importing each other.

use std::io;
use std::os::unix::fs::MetadataExt;

use http::HeaderValue;

/// What identifies one version of a file: if any of these changes, it is another version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Identity {
    pub dev: u64,
    pub ino: u64,
    pub len: u64,
    pub mtime: i64,
    pub mtime_nsec: i64,
}

impl Identity {
    pub fn of(meta: &std::fs::Metadata) -> Identity {
        Identity {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime: meta.mtime(),
            mtime_nsec: meta.mtime_nsec(),
        }
    }
}

/// One version of a file with its validators pre-rendered as header values.
#[derive(Debug, Clone)]
pub struct FileMeta {
    pub ident: Identity,
    pub etag: HeaderValue,
    pub last_modified: HeaderValue,
    /// Last-Modified in whole seconds since the epoch.
    pub modified_secs: u64,
}

impl FileMeta {
    pub fn new(ident: Identity) -> FileMeta {
        let etag = format!("\"{:x}-{:x}-{:x}.{:x}\"", ident.ino, ident.len, ident.mtime, ident.mtime_nsec);
        let modified_secs = u64::try_from(ident.mtime).unwrap_or(0);
        let date = std::time::UNIX_EPOCH + std::time::Duration::from_secs(modified_secs);
        FileMeta {
            ident,
            etag: HeaderValue::from_str(&etag).expect("hex and quotes are valid header text"),
            last_modified: HeaderValue::from_str(&httpdate::fmt_http_date(date)).expect("HTTP dates are ASCII"),
            modified_secs,
        }
    }

    pub fn len(&self) -> u64 {
        self.ident.len
    }

    pub fn is_empty(&self) -> bool {
        self.ident.len == 0
    }

    pub fn etag_str(&self) -> &str {
        self.etag.to_str().unwrap_or("")
    }
}

/// Why a file cannot be served. The handler maps these to status codes.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("not found")]
    NotFound,
    /// A symlink leading outside the root, or not a regular file.
    #[error("refused: outside the assets root or not a regular file")]
    Refused,
    /// The file changed while it was being read into memory (retried once already).
    #[error("file changed while being read")]
    Changed,
    #[error(transparent)]
    Io(io::Error),
    /// Object storage (`serve --root s3://…`) failed or timed out.
    #[error(transparent)]
    Origin(super::origin::OriginError),
}

impl From<io::Error> for FileError {
    fn from(e: io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::NotFound | io::ErrorKind::NotADirectory => FileError::NotFound,
            _ => FileError::Io(e),
        }
    }
}
