//! `playtube publish`: assets built locally go to a real Garage (started by the test on 127.0.0.1)
//! under immutable versions with one pointer written last. What a reader sees is checked through the
//! library's `Store`: the pointer only ever names a complete version whose playlists reference only
//! objects that exist, also after SIGKILLs at random points and with two publishers racing.

mod common;
mod storage_support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use object_store::ObjectStoreExt;
use playtube::layout::AssetId;
use storage_support::{block_on, garage, local_files, visible_asset};

/// Fixtures prepared once per test binary: ROOT/tiny-240p and ROOT/landscape.
struct Built {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("assets");
        common::playtube_in(dir.path())
            .args(["prepare", "--preset", "ultrafast"])
            .args([common::fixture("tiny-240p.mp4"), common::fixture("landscape.mp4")])
            .arg("-o")
            .arg(&root)
            .assert()
            .success();
        Built { _dir: dir, root }
    })
}

fn id(s: &str) -> AssetId {
    AssetId::parse(s).unwrap()
}

/// A sterile `playtube publish` (std Command, so it can be killed) with the garage's variables.
fn publish_cmd(env: &[(&'static str, String)], args: &[&str]) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("playtube"));
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("PLAYTUBE_") || key.starts_with("AWS_") || key.starts_with("VIDEO_") {
            cmd.env_remove(&key);
        }
    }
    let home = std::env::temp_dir();
    cmd.env("HOME", &home).env("XDG_CONFIG_HOME", home.join("playtube-test-no-config")).env("NO_COLOR", "1");
    cmd.envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    cmd.arg("publish").args(args).stdin(Stdio::null());
    cmd
}

fn run_ok(mut cmd: Command) -> String {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{:?}: {}", out.status, String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn publish_uploads_each_asset_under_a_version_with_serve_headers_then_the_pointer() {
    let g = garage();
    let bucket = g.bucket("publish");
    let root = &built().root;
    let dest = format!("s3://{bucket}/media/assets");
    let out = run_ok(publish_cmd(&g.env(), &["--json", s(root), &dest]));
    let reports: serde_json::Value = serde_json::from_str(&out).unwrap();
    let statuses: Vec<_> = reports.as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["published", "published"], "{out}");

    let store = g.store(&bucket, "media/assets");
    for name in ["landscape", "tiny-240p"] {
        let (version, rels) = visible_asset(&store, &id(name)).expect("published");
        assert_eq!(rels, local_files(&root.join(name)), "{name}");
        // Objects carry the headers `serve` sends for the same files.
        let key = |rel: &str| store.objects().object(&id(name), &version, Path::new(rel));
        let master = block_on(store.inner().get(&key("hls/master.m3u8").as_str().into())).unwrap();
        let attr = |r: &object_store::GetResult, a| r.attributes.get(&a).map(|v| v.as_ref().to_owned());
        assert_eq!(attr(&master, object_store::Attribute::ContentType).unwrap(), "application/vnd.apple.mpegurl");
        assert_eq!(attr(&master, object_store::Attribute::CacheControl).unwrap(), "public, max-age=5");
        let stream = block_on(store.inner().get(&key("stream.mp4").as_str().into())).unwrap();
        assert_eq!(attr(&stream, object_store::Attribute::ContentType).unwrap(), "video/mp4");
        assert_eq!(
            attr(&stream, object_store::Attribute::CacheControl).unwrap(),
            "public, max-age=31536000, immutable"
        );
        let bytes = block_on(stream.bytes()).unwrap();
        assert_eq!(bytes.as_ref(), std::fs::read(root.join(name).join("stream.mp4")).unwrap());
    }
}

#[test]
fn a_rerun_skips_finished_assets_and_force_replaces_keeping_the_previous_version() {
    let g = garage();
    let bucket = g.bucket("rerun");
    let asset = built().root.join("tiny-240p");
    let dest = format!("s3://{bucket}");
    let store = g.store(&bucket, "");
    let tiny = id("tiny-240p");

    run_ok(publish_cmd(&g.env(), &[s(&asset), &dest]));
    let (first, _) = visible_asset(&store, &tiny).unwrap();
    let out = publish_cmd(&g.env(), &[s(&asset), &dest]).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("skipped tiny-240p") && stdout.contains(first.as_str()), "{stdout}");
    assert_eq!(visible_asset(&store, &tiny).unwrap().0, first);

    // Two forced rebuilds with no grace: the current and the previous version stay, the first goes.
    run_ok(publish_cmd(&g.env(), &["--force", "--keep-grace", "0", s(&asset), &dest]));
    let (second, _) = visible_asset(&store, &tiny).unwrap();
    run_ok(publish_cmd(&g.env(), &["--force", "--keep-grace", "0", s(&asset), &dest]));
    let (third, rels) = visible_asset(&store, &tiny).unwrap();
    assert!(first < second && second < third);
    assert_eq!(rels, local_files(&asset));
    let pointer = block_on(store.pointer(&tiny)).unwrap().unwrap().0;
    assert_eq!(pointer.previous(), Some(second.as_str()));
    assert_eq!(versions(&store, &tiny), BTreeSet::from([second.to_string(), third.to_string()]));
}

/// The version ids that have objects under `<id>/v/`.
fn versions(store: &playtube::storage::Store, asset: &AssetId) -> BTreeSet<String> {
    let objects = block_on(store.list(&store.objects().versions(asset))).unwrap();
    objects
        .iter()
        .filter_map(|m| store.objects().split_version_key(asset, m.location.as_ref()))
        .map(|(v, _)| v.to_string())
        .collect()
}

#[test]
fn large_files_go_up_in_parts_and_come_back_identical() {
    let g = garage();
    let bucket = g.bucket("multipart");
    let dir = tempfile::tempdir().unwrap();
    let asset = dir.path().join("big");
    std::fs::create_dir(&asset).unwrap();
    // 12 MiB + a bit of pseudo-random bytes: three 5 MiB parts, the last one short.
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let data: Vec<u8> = (0..(12 << 20) + 12345)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    std::fs::write(asset.join("stream.mp4"), &data).unwrap();
    std::fs::write(asset.join("meta.json"), "{}").unwrap();
    let mut env = g.env();
    env.push(("PLAYTUBE_STORAGE_MULTIPART_THRESHOLD", "5MiB".to_owned()));
    env.push(("PLAYTUBE_STORAGE_PART_SIZE", "5MiB".to_owned()));
    run_ok(publish_cmd(&env, &[s(&asset), &format!("s3://{bucket}/p")]));
    let store = g.store(&bucket, "p");
    let (version, rels) = visible_asset(&store, &id("big")).unwrap();
    assert_eq!(rels, BTreeSet::from(["meta.json".to_owned(), "stream.mp4".to_owned()]));
    let key = store.objects().object(&id("big"), &version, Path::new("stream.mp4"));
    let meta = block_on(store.head(&key)).unwrap().unwrap();
    // A multipart ETag is "<md5 of part md5s>-<parts>".
    assert!(meta.e_tag.as_deref().unwrap_or_default().trim_matches('"').ends_with("-3"), "{:?}", meta.e_tag);
    let (_, back) = block_on(store.get(&key, 64 << 20)).unwrap();
    assert!(back.as_ref() == data.as_slice(), "object differs from the local file");
}

/// xorshift64*: a seeded generator, so the kill points are the same on every run.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[test]
fn sigkill_at_random_points_never_exposes_a_partial_asset_and_a_rerun_completes() {
    let g = garage();
    let bucket = g.bucket("sigkill");
    let asset = built().root.join("landscape");
    let want = local_files(&asset);
    let dest = format!("s3://{bucket}/k");
    let store = g.store(&bucket, "k");
    let landscape = id("landscape");
    let mut env = g.env();
    env.push(("PLAYTUBE_STORAGE_CONCURRENCY", "1".to_owned()));

    // How long one whole publish takes here (into another prefix), to spread the kills over it.
    let started = Instant::now();
    run_ok(publish_cmd(&env, &[s(&asset), &format!("s3://{bucket}/timing")]));
    let full = started.elapsed();

    let mut rng = Rng(0x5eed_0fc0_ffee);
    let mut orphans_seen = 0;
    let mut commits_seen = 0;
    let mut last = None;
    for point in 0..6 {
        let delay = full.mul_f64(0.05 + 1.45 * rng.unit());
        // --force: every run after the first commit replaces the asset, so kills land mid-replacement.
        let args = ["--force", "--keep-grace", "3600", s(&asset), dest.as_str()];
        let mut child = publish_cmd(&env, &args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(delay);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        let seen = visible_asset(&store, &landscape);
        if let Some((version, rels)) = &seen {
            assert_eq!(rels, &want, "kill point {point} ({delay:?}): version {version} is not complete");
        }
        let seen = seen.map(|(v, _)| v.to_string());
        if seen != last {
            commits_seen += 1;
        }
        let all = versions(&store, &landscape);
        orphans_seen = orphans_seen.max(all.iter().filter(|v| Some(*v) != seen.as_ref()).count());
        eprintln!("kill point {point}: after {delay:?} of ~{full:?}, visible={seen:?}, versions={}", all.len());
        last = seen;
    }
    // The kills landed mid-upload at least once (an unreferenced version was left behind).
    assert!(orphans_seen > 0, "no kill landed mid-upload; the test did not exercise a crash");

    // A plain re-run completes (or skips a committed asset), then a forced one with no grace
    // collects every unreferenced version but the previous.
    run_ok(publish_cmd(&env, &[s(&asset), &dest]));
    let (_, rels) = visible_asset(&store, &landscape).expect("published after the re-run");
    assert_eq!(rels, want);
    env.push(("PLAYTUBE_STORAGE_ORPHAN_GRACE", "0".to_owned()));
    run_ok(publish_cmd(&env, &["--force", "--keep-grace", "0", s(&asset), &dest]));
    let (current, rels) = visible_asset(&store, &landscape).unwrap();
    assert_eq!(rels, want);
    let left = versions(&store, &landscape);
    assert!(left.contains(current.as_str()) && left.len() <= 2, "{left:?}");
    eprintln!("commits seen during kills: {commits_seen}, largest number of unreferenced versions: {orphans_seen}");
}

/// A copy of `from` in which every file differs (media files get a trailing marker byte, playlists a
/// comment line), so objects tell which build they came from.
fn marked_copy(from: &Path, to: &Path, mark: u8) {
    for rel in local_files(from) {
        let src = from.join(&rel);
        let dst = to.join(&rel);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        let mut data = std::fs::read(&src).unwrap();
        if rel.ends_with(".m3u8") {
            data.extend_from_slice(format!("#BUILD-{}\n", mark as char).as_bytes());
        } else {
            data.push(mark);
        }
        std::fs::write(&dst, data).unwrap();
    }
}

#[test]
fn two_publishers_racing_on_one_asset_never_mix_their_builds() {
    let g = garage();
    let bucket = g.bucket("race");
    let dir = tempfile::tempdir().unwrap();
    let source = built().root.join("tiny-240p");
    let (a, b) = (dir.path().join("a/tiny-240p"), dir.path().join("b/tiny-240p"));
    marked_copy(&source, &a, b'A');
    marked_copy(&source, &b, b'B');
    let store = g.store(&bucket, "");
    let tiny = id("tiny-240p");
    let dest = format!("s3://{bucket}");
    for round in 0..3 {
        let spawn = |p: &Path| {
            publish_cmd(&g.env(), &["--force", "--keep-grace", "0", s(p), &dest])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (ca, cb) = (spawn(&a), spawn(&b));
        for child in [ca, cb] {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "round {round}: {}", String::from_utf8_lossy(&out.stderr));
        }
        let (version, rels) = visible_asset(&store, &tiny).expect("one build is visible");
        let builds: BTreeSet<u8> = rels
            .iter()
            .map(|rel| {
                let key = store.objects().object(&tiny, &version, Path::new(rel));
                let (_, data) = block_on(store.get(&key, 64 << 20)).unwrap();
                let local_a = std::fs::read(a.join(rel)).unwrap();
                let local_b = std::fs::read(b.join(rel)).unwrap();
                match () {
                    _ if data.as_ref() == local_a.as_slice() => b'A',
                    _ if data.as_ref() == local_b.as_slice() => b'B',
                    _ => panic!("round {round}: {rel} of version {version} matches neither build"),
                }
            })
            .collect();
        assert_eq!(builds.len(), 1, "round {round}: version {version} mixes builds {builds:?}");
    }
}

#[test]
fn bad_destinations_are_usage_errors_and_an_unreachable_store_fails_the_asset() {
    let root = &built().root;
    let tiny = root.join("tiny-240p");
    let out = publish_cmd(&[], &[s(&tiny), "/tmp/local-root"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("s3://bucket/prefix"));
    let out = publish_cmd(&[], &[s(&tiny), "s3://Bad_Bucket/x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Bad_Bucket"));
    let out = publish_cmd(&[("AWS_ENDPOINT_URL", "http://127.0.0.1:9".to_owned())], &[s(&tiny), "s3://videos"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "plain HTTP needs AWS_ALLOW_HTTP");
    assert!(String::from_utf8_lossy(&out.stderr).contains("AWS_ALLOW_HTTP"));

    // Nothing listens on the endpoint (a port we hold closed): each asset fails, named, exit 1.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let env = [
        ("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}")),
        ("AWS_ALLOW_HTTP", "true".to_owned()),
        ("AWS_ACCESS_KEY_ID", "GK0".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "x".to_owned()),
        ("PLAYTUBE_STORAGE_MAX_RETRIES", "0".to_owned()),
    ];
    let started = Instant::now();
    let missing = root.join("no-such-asset");
    let out = publish_cmd(&env, &[s(root), s(&missing), "s3://videos"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("landscape") && stderr.contains("tiny-240p") && stderr.contains("no-such-asset"),
        "{stderr}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn prepare_to_s3_builds_in_local_staging_then_publishes_and_a_rerun_skips() {
    let g = garage();
    let bucket = g.bucket("prepare");
    let dest = format!("s3://{bucket}/assets");
    let tmp = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let mut cmd = common::playtube_in(tmp.path());
        cmd.env("TMPDIR", tmp.path()).envs(g.env().iter().map(|(k, v)| (*k, v.as_str())));
        cmd.args(args).arg(common::fixture("tiny-240p.mp4")).args(["--preset", "ultrafast", "-o", &dest]);
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let out = run(&["prepare"]);
    assert!(out.contains(&format!("{dest}/tiny-240p")), "{out}");
    let store = g.store(&bucket, "assets");
    let tiny = id("tiny-240p");
    let (first, rels) = visible_asset(&store, &tiny).expect("published");
    for want in ["meta.json", "thumb.jpg", "stream.mp4", "hls/master.m3u8", "renditions/240p.mp4"] {
        assert!(rels.contains(want), "{want} missing from {rels:?}");
    }
    // Nothing is left in local staging.
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(left.iter().all(|n| !n.to_string_lossy().starts_with("playtube-staging")), "{left:?}");

    // A re-run skips it after one look at the pointer.
    let out = run(&["prepare"]);
    assert!(out.contains("skipped"), "{out}");
    assert_eq!(visible_asset(&store, &tiny).unwrap().0, first);

    // Rebuilding only the renditions publishes a new version that carries the rest over.
    run(&["renditions", "--force"]);
    let (second, rels2) = visible_asset(&store, &tiny).unwrap();
    assert!(second > first);
    assert_eq!(rels2, rels, "the new version has the same files");
}

/// Serve one file over plain HTTP/1.1 on 127.0.0.1 (bound before the URL is handed out) for `n`
/// requests; a path other than `/<name>` gets 404.
fn serve_file(name: &'static str, data: Vec<u8>, n: usize) -> (String, std::thread::JoinHandle<()>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        for stream in listener.incoming().take(n) {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap() == 0 || header == "\r\n" {
                    break;
                }
            }
            let path = line.split_whitespace().nth(1).unwrap_or_default().to_owned();
            if path == format!("/{name}") {
                let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", data.len());
                stream.write_all(head.as_bytes()).unwrap();
                stream.write_all(&data).unwrap();
            } else {
                stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap();
            }
        }
    });
    (url, handle)
}

#[test]
fn s3_and_http_inputs_are_fetched_then_built_like_local_files() {
    let g = garage();
    let bucket = g.bucket("inputs");
    let data = std::fs::read(common::fixture("tiny-240p.mp4")).unwrap();
    let store = g.store(&bucket, "");
    block_on(store.inner().put(&"in/from-s3.mp4".into(), data.clone().into())).unwrap();
    let (base, server) = serve_file("from-http.mp4", data, 2);

    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("assets");
    let out = common::playtube_in(tmp.path())
        .env("TMPDIR", tmp.path())
        .envs(g.env().iter().map(|(k, v)| (*k, v.as_str())))
        .args(["renditions", "--preset", "ultrafast"])
        .arg(format!("s3://{bucket}/in/from-s3.mp4"))
        .arg(format!("{base}/from-http.mp4"))
        .arg(format!("{base}/missing.mp4"))
        .arg(format!("s3://{bucket}/in/missing.mp4"))
        .arg("-o")
        .arg(&root)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(root.join("from-s3/renditions/240p.mp4").is_file(), "{stderr}");
    assert!(root.join("from-http/renditions/240p.mp4").is_file(), "{stderr}");
    assert!(stderr.contains(&format!("{base}/missing.mp4")) && stderr.contains("404"), "{stderr}");
    assert!(stderr.contains(&format!("s3://{bucket}/in/missing.mp4")), "{stderr}");
    server.join().unwrap();
    // The downloads are gone with the batch.
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(left.iter().all(|n| !n.to_string_lossy().starts_with("playtube-inputs")), "{left:?}");
}

#[test]
fn sign_reads_which_files_a_published_asset_has_from_its_current_version() {
    let g = garage();
    let bucket = g.bucket("sign");
    let dir = tempfile::tempdir().unwrap();
    let asset = dir.path().join("clip");
    std::fs::create_dir_all(asset.join("renditions")).unwrap();
    // Two caption languages with a whole-file WebVTT, a subtitle folder without one (not offered), and
    // a storyboard index.
    for sub in ["hls/subs-es", "hls/subs-en", "hls/subs-fr", "hls/storyboard"] {
        std::fs::create_dir_all(asset.join(sub)).unwrap();
    }
    for file in [
        "stream.mp4",
        "renditions/1080p.mp4",
        "renditions/480p.mp4",
        "hls/subs-es/all.vtt",
        "hls/subs-en/all.vtt",
        "hls/subs-fr/playlist.m3u8",
        "hls/storyboard/storyboard.vtt",
    ] {
        std::fs::write(asset.join(file), b"x").unwrap();
    }
    run_ok(publish_cmd(&g.env(), &[s(&asset), &format!("s3://{bucket}/lib")]));
    let sign = |id: &str| {
        let mut cmd = common::playtube_in(dir.path());
        cmd.envs(g.env().iter().map(|(k, v)| (*k, v.as_str())))
            .env("PLAYTUBE_SECRET_KEY", "a-test-secret-that-is-at-least-32-bytes-long")
            .args(["sign", "--json", "--asset", id, "--root", &format!("s3://{bucket}/lib")]);
        cmd.output().unwrap()
    };
    let out = sign("clip");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let qualities: Vec<&str> =
        json["qualities"].as_array().unwrap().iter().map(|q| q["quality"].as_str().unwrap()).collect();
    assert_eq!(qualities, ["480p", "1080p"]);
    assert!(json["streamUrl"].is_string() && json["hlsUrl"].is_string() && json["poster"].is_null(), "{json}");
    let captions: Vec<(&str, &str)> = json["captions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["language"].as_str().unwrap(), c["url"].as_str().unwrap()))
        .collect();
    assert_eq!(captions.len(), 2, "{json}");
    assert_eq!((captions[0].0, captions[1].0), ("en", "es"), "{json}");
    assert!(captions[0].1.starts_with("/hls/clip/subs-en/all.vtt?"), "{json}");
    assert!(json["storyboard"].as_str().unwrap().starts_with("/hls/clip/storyboard/storyboard.vtt?"), "{json}");
    let out = sign("other");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not published"));
}

/// A TCP proxy on 127.0.0.1 in front of `upstream` whose first `failures` connections each get one
/// `503 Slow Down` (after their request is read whole) and are closed; later connections are piped.
/// Returns the proxy's URL and a counter of 503s sent.
fn flaky_proxy(upstream: &str, failures: usize) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let upstream = upstream.trim_start_matches("http://").to_owned();
    let sent = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    std::thread::spawn(move || {
        for (n, client) in listener.incoming().enumerate() {
            let Ok(mut client) = client else { return };
            if n < failures {
                let mut reader = BufReader::new(client.try_clone().unwrap());
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let _ = reader.take(length as u64).read_to_end(&mut Vec::new());
                let body = "<Error><Code>SlowDown</Code><Message>test</Message></Error>";
                let _ = write!(
                    client,
                    "HTTP/1.1 503 Service Unavailable\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                counter.fetch_add(1, Ordering::SeqCst);
                continue;
            }
            let server = std::net::TcpStream::connect(&upstream).unwrap();
            let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut c2, &mut s2);
                let _ = s2.shutdown(std::net::Shutdown::Write);
            });
            std::thread::spawn(move || {
                let (mut server, mut client) = (server, client);
                let _ = std::io::copy(&mut server, &mut client);
                let _ = client.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    (url, sent)
}

#[test]
fn transient_server_errors_are_retried_with_backoff_and_the_publish_completes() {
    let g = garage();
    let bucket = g.bucket("retry");
    let (proxy, sent) = flaky_proxy(&g.endpoint, 3);
    let mut env: Vec<(&'static str, String)> = g.env().into_iter().filter(|(k, _)| *k != "AWS_ENDPOINT_URL").collect();
    env.push(("AWS_ENDPOINT_URL", proxy));
    env.push(("PLAYTUBE_STORAGE_CONCURRENCY", "1".to_owned()));
    let asset = built().root.join("tiny-240p");
    run_ok(publish_cmd(&env, &[s(&asset), &format!("s3://{bucket}")]));
    assert_eq!(sent.load(std::sync::atomic::Ordering::SeqCst), 3, "the proxy failed three requests");
    let (_, rels) = visible_asset(&g.store(&bucket, ""), &id("tiny-240p")).expect("published despite the 503s");
    assert_eq!(rels, local_files(&asset));
}
