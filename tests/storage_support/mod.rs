//! A real Garage (S3-compatible object store) for the storage tests, started by the test itself on
//! 127.0.0.1 with its own temp dir: one-node layout, a key, and a fresh bucket per test. The instance
//! is shared by the tests of one binary while any of them holds it, and killed by PID when the last
//! holder drops it. Missing garage is a test FAILURE with the install hint. Also: checks of what a
//! reader would see (the pointer names a complete version) through the library's own `Store`.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use playtube::layout::{AssetId, VersionId};
use playtube::storage::{S3Url, StorageOptions, Store};

pub const REGION: &str = "garage";
const HINT: &str = "garage (S3-compatible object store) is needed for this test: `cargo install garage --locked` \
                    (or `bash .ci/run`), or point PLAYTUBE_TEST_GARAGE at the binary";

/// The garage binary: $PLAYTUBE_TEST_GARAGE, then PATH, then ~/.cargo/bin.
pub fn garage_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("PLAYTUBE_TEST_GARAGE") {
        let p = PathBuf::from(p);
        assert!(p.is_file(), "PLAYTUBE_TEST_GARAGE={} does not exist; {HINT}", p.display());
        return p;
    }
    if let Ok(p) = which_garage() {
        return p;
    }
    panic!("garage not found on PATH or in ~/.cargo/bin; {HINT}");
}

fn which_garage() -> Result<PathBuf, ()> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let home = std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo/bin"));
    std::env::split_paths(&path).chain(home).map(|d| d.join("garage")).find(|p| p.is_file()).ok_or(())
}

/// A running garage server.
pub struct Garage {
    child: Mutex<Child>,
    dir: tempfile::TempDir,
    binary: PathBuf,
    pub endpoint: String,
    pub key_id: String,
    pub secret: String,
}

static SHARED: Mutex<Weak<Garage>> = Mutex::new(Weak::new());

/// The shared instance (started on first use, or again after every holder dropped it).
pub fn garage() -> Arc<Garage> {
    let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(g) = shared.upgrade() {
        return g;
    }
    let g = Arc::new(Garage::start());
    *shared = Arc::downgrade(&g);
    g
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn random_hex(bytes: usize) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::new();
    while out.len() < bytes * 2 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_usize(out.len());
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out.truncate(bytes * 2);
    out
}

impl Garage {
    fn start() -> Garage {
        let binary = garage_binary();
        let mut last_error = String::new();
        // Ports are picked free just before garage binds them; if another process wins the race,
        // garage exits and we try again with new ones.
        for _ in 0..3 {
            match Garage::try_start(&binary) {
                Ok(g) => return g,
                Err(e) => last_error = e,
            }
        }
        panic!("garage did not start: {last_error}");
    }

    fn try_start(binary: &Path) -> Result<Garage, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let (s3, rpc, admin) = (free_port(), free_port(), free_port());
        let config = format!(
            r#"metadata_dir = "{d}/meta"
data_dir = "{d}/data"
db_engine = "sqlite"
replication_factor = 1
rpc_bind_addr = "127.0.0.1:{rpc}"
rpc_public_addr = "127.0.0.1:{rpc}"
rpc_secret = "{secret}"

[s3_api]
s3_region = "{REGION}"
api_bind_addr = "127.0.0.1:{s3}"
root_domain = ".s3.garage.localhost"

[admin]
api_bind_addr = "127.0.0.1:{admin}"
admin_token = "{token}"
"#,
            d = dir.path().display(),
            secret = random_hex(32),
            token = random_hex(16),
        );
        std::fs::write(dir.path().join("garage.toml"), config).map_err(|e| e.to_string())?;
        let log = std::fs::File::create(dir.path().join("garage.log")).map_err(|e| e.to_string())?;
        let child = Command::new(binary)
            .arg("-c")
            .arg(dir.path().join("garage.toml"))
            .arg("server")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("running {}: {e}", binary.display()))?;
        let mut g = Garage {
            child: Mutex::new(child),
            dir,
            binary: binary.to_owned(),
            endpoint: format!("http://127.0.0.1:{s3}"),
            key_id: String::new(),
            secret: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        g.poll(deadline, "garage status", |g| g.cli(&["status"]).map(|_| ()))?;
        let node = g.cli(&["node", "id", "-q"])?;
        let node = node.trim().split('@').next().unwrap_or_default().to_owned();
        g.cli(&["layout", "assign", "-z", "dc1", "-c", "1G", &node])?;
        g.cli(&["layout", "apply", "--version", "1"])?;
        let key =
            g.poll(deadline, "key creation", |g| g.cli(&["json-api", "CreateKey", r#"{"name":"playtube-test"}"#]))?;
        let key: serde_json::Value = serde_json::from_str(&key).map_err(|e| format!("CreateKey output: {e}: {key}"))?;
        g.key_id = key["accessKeyId"].as_str().ok_or("no accessKeyId")?.to_owned();
        g.secret = key["secretAccessKey"].as_str().ok_or("no secretAccessKey")?.to_owned();
        Ok(g)
    }

    /// Retry `f` until it succeeds or the deadline passes (garage exiting ends the wait at once).
    fn poll<T>(&self, deadline: Instant, what: &str, f: impl Fn(&Garage) -> Result<T, String>) -> Result<T, String> {
        loop {
            match f(self) {
                Ok(v) => return Ok(v),
                Err(e) => {
                    if let Ok(Some(status)) = self.child.lock().unwrap().try_wait() {
                        return Err(format!("garage exited ({status}) during {what}: {}", self.log_tail()));
                    }
                    if Instant::now() > deadline {
                        return Err(format!("{what} not ready in time: {e}; {}", self.log_tail()));
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("garage.log")).unwrap_or_default();
        log.lines().rev().take(10).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n")
    }

    /// Run a garage CLI command against this instance; its stdout on success.
    pub fn cli(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new(&self.binary)
            .arg("-c")
            .arg(self.dir.path().join("garage.toml"))
            .args(args)
            .env("RUST_LOG", "error")
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(format!("garage {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()))
        }
    }

    /// A fresh bucket readable and writable by the test key.
    pub fn bucket(&self, hint: &str) -> String {
        let name = format!("{hint}-{}", &random_hex(6));
        let deadline = Instant::now() + Duration::from_secs(30);
        self.poll(deadline, "bucket create", |g| g.cli(&["bucket", "create", &name])).unwrap();
        self.cli(&["bucket", "allow", "--read", "--write", "--owner", &name, "--key", &self.key_id]).unwrap();
        name
    }

    /// The environment a `playtube` process needs to reach this garage.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_REGION", REGION.to_owned()),
            ("AWS_ACCESS_KEY_ID", self.key_id.clone()),
            ("AWS_SECRET_ACCESS_KEY", self.secret.clone()),
            ("AWS_ALLOW_HTTP", "true".to_owned()),
        ]
    }

    pub fn options(&self) -> StorageOptions {
        StorageOptions {
            endpoint: Some(self.endpoint.clone()),
            region: REGION.to_owned(),
            access_key_id: Some(self.key_id.clone()),
            secret_access_key: Some(self.secret.clone()),
            allow_http: true,
            ..StorageOptions::default()
        }
    }

    /// A library store on `bucket/prefix`.
    pub fn store(&self, bucket: &str, prefix: &str) -> Store {
        Store::open(&S3Url { bucket: bucket.to_owned(), prefix: prefix.to_owned() }, &self.options()).unwrap()
    }
}

impl Drop for Garage {
    fn drop(&mut self) {
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Drive the async `Store` from a test. One runtime for the whole binary: a store's connection pool
/// belongs to the runtime it first ran on.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME
        .get_or_init(|| tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap())
        .block_on(f)
}

/// Every file under `dir` as a sorted set of relative `/` paths (hidden entries left out).
pub fn local_files(dir: &Path) -> BTreeSet<String> {
    walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .filter_entry(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/"))
        .collect()
}

/// What a reader sees for `id`: `None` when unpublished; otherwise the pointed version and the
/// relative paths of its objects, after checking that every file the playlists reference exists.
pub fn visible_asset(store: &Store, id: &AssetId) -> Option<(VersionId, BTreeSet<String>)> {
    block_on(async {
        let (pointer, _) = store.pointer(id).await.unwrap()?;
        let version = pointer.version_id().unwrap();
        let objects = store.list(&store.objects().version_root(id, &version)).await.unwrap();
        let rels: BTreeSet<String> = objects
            .iter()
            .map(|m| store.objects().split_version_key(id, m.location.as_ref()).unwrap().1.to_owned())
            .collect();
        assert_eq!(rels.len() as u64, pointer.files, "pointer of {id} names version {version} with missing files");
        // Every playlist's references exist in the same version.
        for rel in rels.iter().filter(|r| r.ends_with(".m3u8")) {
            let key = store.objects().object(id, &version, Path::new(rel));
            let (_, text) = store.get(&key, 1 << 20).await.unwrap();
            let base = rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            for line in String::from_utf8_lossy(&text).lines() {
                let uri = line.split("URI=\"").nth(1).and_then(|u| u.split('"').next());
                let target = if !line.starts_with('#') && !line.trim().is_empty() { Some(line.trim()) } else { uri };
                if let Some(target) = target {
                    let target = target.split('?').next().unwrap();
                    let path = if base.is_empty() { target.to_owned() } else { format!("{base}/{target}") };
                    assert!(rels.contains(&path), "{rel} of version {version} references missing {path}");
                }
            }
        }
        Some((version, rels))
    })
}
