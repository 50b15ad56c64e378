//! Real `playtube worker` processes publishing to a real S3-compatible store (Garage, started by
//! tests/storage_support) from a real redis-server (tests/redis_support): three workers and seven jobs
//! to `s3://` (one with its source on `s3://`, one with media flags), every pointer naming a complete
//! version and a downloaded asset passing `playtube probe`; and the same job run twice (a stopped
//! worker taken over, then resumed) leaving one consistent asset. Figures are printed with
//! `cargo test --test queue_storage -- --nocapture`.

mod common;
mod queue_support;
mod redis_support;
mod storage_support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use object_store::ObjectStoreExt;
use playtube::layout::AssetId;
use playtube::queue::{Event, EventKind};
use playtube::storage::Store;
use queue_support::*;
use redis_support::RedisServer;
use storage_support::{block_on, garage, visible_asset};

/// Download the current version of `id` into `dir/<id>/` (what a reader of the pointer sees).
fn download_asset(store: &Store, id: &AssetId, dir: &Path) -> PathBuf {
    let asset_dir = dir.join(id.as_str());
    block_on(async {
        let (pointer, _) = store.pointer(id).await.unwrap().expect("published");
        let version = pointer.version_id().unwrap();
        for meta in store.list(&store.objects().version_root(id, &version)).await.unwrap() {
            let (_, rel) = store.objects().split_version_key(id, meta.location.as_ref()).unwrap();
            let path = asset_dir.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let (_, bytes) = store.get(meta.location.as_ref(), 1 << 30).await.unwrap();
            std::fs::write(path, bytes).unwrap();
        }
    });
    asset_dir
}

/// Every version prefix stored for `id` (committed or not).
fn stored_versions(store: &Store, id: &AssetId) -> BTreeSet<String> {
    block_on(async {
        let objects = store.list(&store.objects().versions(id)).await.unwrap();
        objects
            .iter()
            .filter_map(|m| store.objects().split_version_key(id, m.location.as_ref()))
            .map(|(v, _)| v.as_str().to_owned())
            .collect()
    })
}

fn has_prefix(rels: &BTreeSet<String>, prefix: &str) -> bool {
    rels.iter().any(|r| r.starts_with(prefix))
}

#[test]
fn three_workers_publish_seven_jobs_to_s3_each_pointer_naming_a_complete_version() {
    let server = RedisServer::start();
    let g = garage();
    let bucket = g.bucket("workers");
    let store = g.store(&bucket, "assets");
    let home = tempfile::tempdir().unwrap();
    let url = server.url();
    let root = format!("s3://{bucket}/assets");
    // One source is itself in the bucket (an upload the web application stored there).
    let upload = std::fs::read(common::fixture("tiny-240p.mp4")).unwrap();
    block_on(g.store(&bucket, "").inner().put(&"uploads/42.mp4".into(), upload.into())).unwrap();

    let env = g.env();
    let workers: Vec<Worker> = (0..3)
        .map(|i| Worker::start_with_env(home.path(), &url, &format!("w{i}"), &["--visibility-timeout", "10"], &env))
        .collect();
    let sources: Vec<PathBuf> = GOOD[..5].iter().map(|f| common::fixture(f)).collect();
    let mut jobs = enqueue(home.path(), &url, &root, &sources, &FAST);
    let s3_source = PathBuf::from(format!("s3://{bucket}/uploads/42.mp4"));
    jobs.extend(enqueue(home.path(), &url, &root, &[s3_source], &[&FAST[..], &["--id", "upload-42"]].concat()));
    // Media flags travel with the job: one audio language, no sidecars but one named subtitle file, no
    // storyboard.
    let media = [
        "--audio-languages",
        "es",
        "--no-sidecar-subtitles",
        "--no-storyboard",
        "--subtitles",
        &format!("de={}", common::fixture("langs.de.vtt").display()),
    ];
    jobs.extend(enqueue(home.path(), &url, &root, &[common::fixture("langs.mp4")], &[&FAST[..], &media[..]].concat()));
    assert_eq!(jobs.len(), 7);

    let started = Instant::now();
    let mut q = queue(&server);
    collect_events(&mut q, Duration::from_secs(900), |seen| done_jobs(seen).len() >= jobs.len());
    let elapsed = started.elapsed();
    std::thread::sleep(Duration::from_millis(500));
    let all = q.events("0", 10_000, None).unwrap();
    let downloads = tempfile::tempdir().unwrap();
    for (job, asset) in &jobs {
        let done: Vec<&Event> =
            all.iter().map(|(_, e)| e).filter(|e| &e.job == job && e.kind.name() == "done").collect();
        assert_eq!(done.len(), 1, "job {job} done {} times", done.len());
        let id = AssetId::parse(asset).unwrap();
        let (version, rels) = visible_asset(&store, &id).unwrap_or_else(|| panic!("{asset} has no pointer"));
        let EventKind::Done { result } = &done[0].kind else { unreachable!() };
        assert_eq!(result["status"], "built", "{result}");
        assert_eq!(result["version"], version.as_str(), "the done event names the published version");
        assert_eq!(result["dir"], format!("{root}/{asset}"));
        for entry in ["stream.mp4", "thumb.jpg", "meta.json", "hls/master.m3u8", "renditions/"] {
            assert!(has_prefix(&rels, entry), "{asset} version {version} lacks {entry}: {rels:?}");
        }
        if asset == "langs" {
            assert!(has_prefix(&rels, "hls/subs-de/"), "--subtitles de=… reached the plan: {rels:?}");
            assert!(!has_prefix(&rels, "hls/subs-fr/"), "--no-sidecar-subtitles reached the plan: {rels:?}");
            assert!(!has_prefix(&rels, "hls/storyboard/"), "--no-storyboard reached the plan: {rels:?}");
            assert!(!has_prefix(&rels, "hls/audio-"), "one audio language is no audio group: {rels:?}");
        } else {
            assert!(has_prefix(&rels, "hls/storyboard/"), "default storyboard: {rels:?}");
        }
    }
    // A reader's copy of a published asset is a valid asset.
    for asset in ["landscape", "upload-42"] {
        let dir = download_asset(&store, &AssetId::parse(asset).unwrap(), downloads.path());
        probe_asset(home.path(), &dir);
    }
    let used: BTreeSet<String> =
        all.iter().filter(|(_, e)| e.kind.name() == "done").filter_map(|(_, e)| e.worker.clone()).collect();
    assert!(used.len() >= 2, "work was spread: {used:?}");
    // Enqueuing the same work again is the same job, already done; a worker skips a finished asset.
    let again = enqueue(home.path(), &url, &root, &sources[..1], &FAST);
    assert_eq!(again[0], jobs[0]);
    eprintln!(
        "FIGURES three workers, {} jobs to s3:// done in {:.1} s (workers used: {used:?})",
        jobs.len(),
        elapsed.as_secs_f64()
    );
    drop(workers);
}

#[test]
fn a_job_run_twice_by_a_stopped_worker_and_its_taker_leaves_one_consistent_asset() {
    let server = RedisServer::start();
    let g = garage();
    let bucket = g.bucket("twice");
    let store = g.store(&bucket, "");
    let home = tempfile::tempdir().unwrap();
    let url = server.url();
    let root = format!("s3://{bucket}");
    let long = home.path().join("long.mp4");
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i"])
        .arg("testsrc2=size=1280x720:rate=30:duration=30")
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"])
        .arg(&long)
        .status()
        .expect("ffmpeg (apt-get install ffmpeg)");
    assert!(status.success());
    let env = g.env();
    let opts = ["--visibility-timeout", "3"];
    let a = Worker::start_with_env(home.path(), &url, "a", &opts, &env);
    let jobs = enqueue(home.path(), &url, &root, std::slice::from_ref(&long), &SLOW);
    let (job, asset) = jobs[0].clone();
    let id = AssetId::parse(&asset).unwrap();
    let mut q = queue(&server);
    // Worker a has started the job: freeze it (and any ffmpeg it runs), as a stalled machine would, so its
    // claim runs out. Freezing at `started` rather than at a progress event keeps this independent of how
    // fast the encode runs here (on a quiet machine it can finish before its first progress report).
    collect_events(&mut q, Duration::from_secs(120), |seen| count(seen, &job, "started") >= 1);
    let group = format!("-{}", a.pid());
    assert!(Command::new("kill").args(["-STOP", "--", &group]).status().unwrap().success());
    let b = Worker::start_with_env(home.path(), &url, "b", &opts, &env);
    let events = collect_events(&mut q, Duration::from_secs(600), |seen| count(seen, &job, "done") >= 1);
    assert!(events.iter().any(|(_, e)| e.job == job && matches!(e.kind, EventKind::Started { takeover: true, .. })));
    let (first, _) = visible_asset(&store, &id).expect("published by the worker that took over");
    // Worker a wakes up and finishes its own encode of the same job.
    assert!(Command::new("kill").args(["-CONT", "--", &group]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(300);
    // Where it was frozen decides how its run ends: mid-build it learns its lease was lost and does not
    // publish; before the build it finds the asset finished, or the job done, and skips it.
    let endings = [
        ("not published", "its lease was lost: not published"),
        ("was taken over", "taken over: the other worker reports it"),
        ("was already done", "the job was already done"),
    ];
    let how = loop {
        if let Some((_, how)) = endings.iter().find(|(line, _)| a.log().contains(line)) {
            break *how;
        }
        assert!(Instant::now() < deadline, "worker a never finished its run: {}", a.log());
        std::thread::sleep(Duration::from_millis(200));
    };
    eprintln!("FIGURES job run twice: the resumed worker's run ended with \"{how}\"; pointer kept {first}");
    // One asset, the first publisher's version, complete; no second version was uploaded beside it.
    let (now, rels) = visible_asset(&store, &id).unwrap();
    assert_eq!(now, first, "the pointer still names the first complete version");
    assert!(rels.contains("hls/master.m3u8") && rels.contains("stream.mp4"), "{rels:?}");
    assert_eq!(stored_versions(&store, &id), BTreeSet::from([first.as_str().to_owned()]));
    let all = q.events("0", 10_000, None).unwrap();
    let done = all.iter().filter(|(_, e)| e.job == job && e.kind.name() == "done").count();
    assert_eq!(done, 1, "the job is reported done once");
    let dir = download_asset(&store, &id, home.path());
    probe_asset(home.path(), &dir);
    drop((a, b));
}
