//! Pipeline inputs that live remotely, `s3://bucket/key` or `http(s)://...`, fetched into a local
//! file so ffmpeg reads them like any other (the pipeline always works on local staging). Bounded:
//! a size limit checked against the announced length and while streaming, connect and read timeouts,
//! and the store's request retries. Knows nothing of the CLI.

use std::path::Path;

use tokio::io::AsyncWriteExt;

use super::{Error, Location, S3Url, StorageOptions, Store};

/// The file name a remote input has (the last path segment of its URL, without a query), or
/// `input` when the URL ends in `/`.
pub fn file_name(location: &Location) -> String {
    let raw = match location {
        Location::Local(p) => return p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        Location::S3(url) => url.prefix.as_str(),
        Location::Http(url) => url.split(['?', '#']).next().unwrap_or(url).split_once("://").map_or("", |(_, r)| r),
    };
    let last = raw.rsplit('/').next().unwrap_or_default();
    let last = percent_encoding::percent_decode_str(last).decode_utf8_lossy();
    let clean: String = last.chars().filter(|c| !c.is_control() && *c != '/' && *c != '\\').collect();
    if clean.is_empty() || clean == "." || clean == ".." {
        "input".to_owned()
    } else {
        clean
    }
}

/// Fetch `location` into `dest` (created or truncated); at most `max_bytes`. Returns the size.
pub async fn download(
    location: &Location,
    dest: &Path,
    options: &StorageOptions,
    max_bytes: u64,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<u64, Error> {
    let url = location.to_string();
    let too_big = |n: u64| Error::Invalid { url: url.clone(), reason: format!("larger than {max_bytes} bytes ({n})") };
    let local = |e: std::io::Error| Error::Local { path: dest.to_owned(), source: e };
    let mut file = tokio::fs::File::create(dest).await.map_err(local)?;
    let mut written = 0u64;
    match location {
        Location::Local(_) => return Err(Error::Invalid { url, reason: "not a remote location".to_owned() }),
        Location::S3(s3) => {
            if s3.prefix.is_empty() {
                return Err(Error::Invalid { url, reason: "names a bucket, not an object".to_owned() });
            }
            let store = Store::open(&S3Url { bucket: s3.bucket.clone(), prefix: String::new() }, options)?;
            let key = s3.prefix.as_str();
            let result = store
                .inner()
                .get_opts(&object_store::path::Path::from(key), object_store::GetOptions::default())
                .await
                .map_err(|e| store.error(key, e))?;
            if result.meta.size > max_bytes {
                return Err(too_big(result.meta.size));
            }
            let mut stream = result.into_stream();
            use futures_util::StreamExt;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| store.error(key, e))?;
                written += chunk.len() as u64;
                if written > max_bytes {
                    return Err(too_big(written));
                }
                file.write_all(&chunk).await.map_err(local)?;
                progress(chunk.len() as u64);
            }
        }
        Location::Http(http) => {
            let net = |e: reqwest::Error| Error::Invalid { url: url.clone(), reason: e.to_string() };
            let client = reqwest::Client::builder()
                .connect_timeout(options.connect_timeout)
                .read_timeout(options.request_timeout)
                .redirect(reqwest::redirect::Policy::limited(5))
                .build()
                .map_err(net)?;
            let mut response = client.get(http).send().await.map_err(net)?;
            if !response.status().is_success() {
                return Err(Error::Invalid { url, reason: format!("HTTP {}", response.status()) });
            }
            if let Some(n) = response.content_length().filter(|n| *n > max_bytes) {
                return Err(too_big(n));
            }
            while let Some(chunk) = response.chunk().await.map_err(net)? {
                written += chunk.len() as u64;
                if written > max_bytes {
                    return Err(too_big(written));
                }
                file.write_all(&chunk).await.map_err(local)?;
                progress(chunk.len() as u64);
            }
        }
    }
    file.flush().await.map_err(local)?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_inputs_are_named_by_their_last_segment() {
        let name = |raw: &str| file_name(&Location::parse(raw).unwrap());
        assert_eq!(name("s3://videos/in/clip%20one.mp4"), "clip one.mp4");
        assert_eq!(name("https://cdn.test/a/b/movie.mov?sig=x#t"), "movie.mov");
        assert_eq!(name("https://cdn.test/"), "input");
        assert_eq!(name("https://cdn.test/a/%2e%2e"), "input");
        assert_eq!(name("https://cdn.test/a/x%2Fy.mp4"), "xy.mp4");
    }
}
