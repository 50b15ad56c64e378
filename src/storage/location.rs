//! Where an assets root or an input lives, parsed from what the user typed: a local path, an
//! object-store URL `s3://bucket/prefix`, or (for pipeline inputs only) an `http(s)://` URL. Pure: no
//! I/O, no credentials; opening a store is `Store::open`'s job.

use std::fmt;
use std::path::PathBuf;

/// A parsed location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Local(PathBuf),
    S3(S3Url),
    /// An `http://` or `https://` URL (read-only: pipeline inputs).
    Http(String),
}

/// `s3://bucket/prefix`: a bucket and a key prefix without leading or trailing `/` (may be empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Url {
    pub bucket: String,
    pub prefix: String,
}

impl fmt::Display for S3Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix.is_empty() {
            write!(f, "s3://{}", self.bucket)
        } else {
            write!(f, "s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

impl S3Url {
    /// The URL of one object key in this bucket (for messages).
    pub fn object_url(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.bucket)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocationError {
    #[error("{0:?}: bucket name must be 3 to 63 characters of a-z 0-9 . - (e.g. s3://videos/assets)")]
    Bucket(String),
    #[error("{0:?}: the key prefix must be /-separated names without empty, '.' or '..' parts")]
    Prefix(String),
    #[error("{0:?}: unsupported scheme {1:?}; use a local path, s3://bucket/prefix or https://")]
    Scheme(String, String),
}

impl Location {
    /// Parse what the user typed. Anything without a `scheme://` is a local path.
    pub fn parse(raw: &str) -> Result<Location, LocationError> {
        let Some((scheme, rest)) = raw.split_once("://") else {
            return Ok(Location::Local(PathBuf::from(raw)));
        };
        // A local path may contain "://" after a slash (dir/x://y): only a leading word is a scheme.
        if scheme.is_empty() || !scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-') {
            return Ok(Location::Local(PathBuf::from(raw)));
        }
        match scheme.to_ascii_lowercase().as_str() {
            "s3" => {
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                if !valid_bucket(bucket) {
                    return Err(LocationError::Bucket(raw.to_owned()));
                }
                let prefix = prefix.trim_matches('/');
                if !prefix.is_empty() && !prefix.split('/').all(|c| !c.is_empty() && c != "." && c != "..") {
                    return Err(LocationError::Prefix(raw.to_owned()));
                }
                Ok(Location::S3(S3Url { bucket: bucket.to_owned(), prefix: prefix.to_owned() }))
            }
            "http" | "https" => Ok(Location::Http(raw.to_owned())),
            other => Err(LocationError::Scheme(raw.to_owned(), other.to_owned())),
        }
    }

    pub fn is_remote(&self) -> bool {
        !matches!(self, Location::Local(_))
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Local(path) => write!(f, "{}", path.display()),
            Location::S3(url) => url.fmt(f),
            Location::Http(url) => f.write_str(url),
        }
    }
}

/// S3 bucket naming rules (the common subset every S3-compatible server accepts).
fn valid_bucket(b: &str) -> bool {
    (3..=63).contains(&b.len())
        && b.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-')
        && b.as_bytes()[0].is_ascii_alphanumeric()
        && b.as_bytes()[b.len() - 1].is_ascii_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s3(bucket: &str, prefix: &str) -> Location {
        Location::S3(S3Url { bucket: bucket.into(), prefix: prefix.into() })
    }

    #[test]
    fn s3_urls_split_into_bucket_and_trimmed_prefix() {
        assert_eq!(Location::parse("s3://videos").unwrap(), s3("videos", ""));
        assert_eq!(Location::parse("s3://videos/").unwrap(), s3("videos", ""));
        assert_eq!(Location::parse("s3://videos/a/b/").unwrap(), s3("videos", "a/b"));
        assert_eq!(Location::parse("S3://videos/a").unwrap(), s3("videos", "a"));
        assert_eq!(Location::parse("s3://videos/a/b").unwrap().to_string(), "s3://videos/a/b");
    }

    #[test]
    fn plain_paths_stay_local() {
        assert_eq!(Location::parse("/srv/assets").unwrap(), Location::Local("/srv/assets".into()));
        assert_eq!(Location::parse("out").unwrap(), Location::Local("out".into()));
        assert_eq!(Location::parse("dir/x://y").unwrap(), Location::Local("dir/x://y".into()));
    }

    #[test]
    fn bad_buckets_prefixes_and_schemes_are_rejected_with_the_input() {
        for bad in ["s3://", "s3://ab", "s3://Videos", "s3://-videos", "s3://vid_eos/a"] {
            assert!(matches!(Location::parse(bad), Err(LocationError::Bucket(_))), "{bad}");
        }
        for bad in ["s3://videos/a//b", "s3://videos/../b", "s3://videos/./b"] {
            assert!(matches!(Location::parse(bad), Err(LocationError::Prefix(_))), "{bad}");
        }
        let err = Location::parse("gs://videos/a").unwrap_err();
        assert!(err.to_string().contains("gs://videos/a") && err.to_string().contains("\"gs\""), "{err}");
    }

    #[test]
    fn http_inputs_are_recognised() {
        assert_eq!(Location::parse("https://x.test/a.mp4").unwrap(), Location::Http("https://x.test/a.mp4".into()));
        assert!(Location::parse("https://x.test/a.mp4").unwrap().is_remote());
    }
}
