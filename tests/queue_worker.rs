//! Real `playtube worker` processes on a real redis-server (tests/redis_support), building the fixtures:
//! three workers and nine jobs, each done exactly once with a valid asset and no partial asset ever
//! visible; a worker SIGKILLed mid-encode whose job is taken over; a corrupt source dead-lettered after
//! the retry limit while the others finish; Redis restarted mid-run; SIGTERM handing a job back. The
//! figures (kill-to-takeover time, queue overhead per job, jobs in flight) are printed with
//! `cargo test --test queue_worker -- --nocapture`.

mod common;
mod queue_support;
mod redis_support;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use playtube::queue::{Event, EventKind, JobState};
use queue_support::*;
use redis_support::RedisServer;

#[test]
fn three_workers_build_nine_jobs_each_exactly_once_with_no_partial_asset_visible() {
    let server = RedisServer::start();
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join("assets");
    std::fs::create_dir(&root).unwrap();
    let url = server.url();
    let mut q = queue(&server);
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = watch_for_partial_assets(root.clone(), stop.clone());
    let workers: Vec<Worker> =
        (0..3).map(|i| Worker::start(home.path(), &url, &format!("w{i}"), &["--visibility-timeout", "5"])).collect();
    // Let the workers block on the group before the jobs arrive (enqueue-to-start is then queue overhead).
    std::thread::sleep(Duration::from_millis(500));
    let sources: Vec<PathBuf> = GOOD.iter().map(|f| common::fixture(f)).collect();
    let mut jobs = enqueue(home.path(), &url, &root, &sources, &FAST);
    jobs.extend(enqueue(
        home.path(),
        &url,
        &root,
        &[common::fixture("landscape.mp4")],
        &[&FAST[..], &["--id", "landscape-again"]].concat(),
    ));
    assert_eq!(jobs.len(), 9);
    // Enqueuing the same work again is the same jobs, queued once.
    assert_eq!(enqueue(home.path(), &url, &root, &sources, &FAST), jobs[..8].to_vec());

    let mut in_flight_max = 0usize;
    let mut samples: Vec<usize> = Vec::new();
    let mut probe_q = queue(&server);
    let events = collect_events(&mut q, Duration::from_secs(600), |seen| {
        let running = probe_q.jobs(100).unwrap().iter().filter(|j| j.state == JobState::Running).count();
        in_flight_max = in_flight_max.max(running);
        samples.push(running);
        done_jobs(seen).len() >= 9
    });
    // Give a late duplicate a chance to show up before counting.
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::SeqCst);
    let (looks, problems) = watcher.join().unwrap();
    assert!(problems.is_empty(), "partial assets seen: {problems:?}");
    assert!(looks > 10);

    let all = q.events("0", 10_000, None).unwrap();
    for (job, asset) in &jobs {
        let done = all.iter().filter(|(_, e)| &e.job == job && e.kind.name() == "done").count();
        assert_eq!(done, 1, "job {job} done {done} times");
        probe_asset(home.path(), &root.join(asset));
    }
    let workers_used: HashSet<String> =
        all.iter().filter(|(_, e)| e.kind.name() == "done").filter_map(|(_, e)| e.worker.clone()).collect();
    assert!(workers_used.len() >= 2, "work was spread: {workers_used:?}");
    assert_eq!(in_flight_max, 3, "3 workers keep 3 jobs in flight (samples {samples:?})");

    // Figures: enqueue-to-start for the first three jobs (idle workers), and event delivery latency.
    let times: HashMap<(String, &str), u64> = all
        .iter()
        .filter(|(_, e)| matches!(e.kind.name(), "queued" | "started" | "done"))
        .map(|(_, e)| ((e.job.clone(), e.kind.name()), e.time))
        .collect();
    let mut waits: Vec<u64> = jobs
        .iter()
        .filter_map(|(j, _)| Some(times.get(&(j.clone(), "started"))? - times.get(&(j.clone(), "queued"))?))
        .collect();
    waits.sort();
    // Done to event: from the commit of the asset to the `done` event (worker side), and from the event
    // to a reader blocked on the events stream.
    let mut publish: Vec<u64> = Vec::new();
    let mut delivery: Vec<u64> = Vec::new();
    for (seen_at, ev) in &events {
        if let EventKind::Done { result } = &ev.kind {
            publish.push(ev.time.saturating_sub(result["committed_at"].as_u64().unwrap()));
            let received = playtube::queue::format::now_ms() - seen_at.elapsed().as_millis() as u64;
            delivery.push(received.saturating_sub(ev.time));
        }
    }
    publish.sort();
    delivery.sort();
    eprintln!(
        "FIGURES three workers: enqueue->start of the first three jobs (idle workers) {:?} ms, all jobs median {} max {}; \
         commit->done event median {} max {}; event->reader median {} max {}; in flight max {in_flight_max}, \
         samples {samples:?}",
        &waits[..3],
        millis(waits[waits.len() / 2]),
        millis(*waits.last().unwrap()),
        millis(publish[publish.len() / 2]),
        millis(*publish.last().unwrap()),
        millis(delivery[delivery.len() / 2]),
        millis(*delivery.last().unwrap()),
    );
    drop(workers);
}

#[test]
fn a_killed_workers_job_is_taken_over_and_a_corrupt_source_is_dead_lettered() {
    let server = RedisServer::start();
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join("assets");
    let url = server.url();
    let mut q = queue(&server);
    // A source long enough that the kill lands mid-encode.
    let long = home.path().join("long.mp4");
    let status = Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1280x720:rate=30:duration=40",
        ])
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"])
        .arg(&long)
        .status()
        .expect("ffmpeg (apt-get install ffmpeg)");
    assert!(status.success());
    let opts = ["--visibility-timeout", "3", "--max-attempts", "2"];
    let mut a = Worker::start(home.path(), &url, "a", &opts);
    let jobs = enqueue(home.path(), &url, &root, std::slice::from_ref(&long), &SLOW);
    let (long_job, long_asset) = jobs[0].clone();
    let stale_staging = || -> Vec<String> {
        let Ok(dir) = std::fs::read_dir(&root) else { return Vec::new() };
        dir.flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(&format!(".{long_asset}.partial-")))
            .collect()
    };
    // Wait until worker a is building (its staging folder exists), then kill it and its ffmpeg. Not
    // its first progress event: on a busy machine the whole build can end before the first one.
    collect_events(&mut q, Duration::from_secs(120), |seen| {
        count(seen, &long_job, "started") >= 1 && !stale_staging().is_empty()
    });
    a.kill();
    let killed = Instant::now();
    assert_eq!(stale_staging().len(), 1, "the killed worker left its staging folder");
    let others = enqueue(
        home.path(),
        &url,
        &root,
        &[common::fixture("not-media.mp4"), common::fixture("tiny-240p.mp4"), common::fixture("no-audio.mp4")],
        &FAST,
    );
    let b = Worker::start(home.path(), &url, "b", &opts);
    let c = Worker::start(home.path(), &url, "c", &opts);
    let all_ids: Vec<String> = jobs.iter().chain(&others).map(|(j, _)| j.clone()).collect();
    let corrupt = others[0].0.clone();
    let events = collect_events(&mut q, Duration::from_secs(600), |seen| {
        let done = done_jobs(seen);
        let dead = seen
            .iter()
            .any(|(_, e)| e.job == corrupt && matches!(e.kind, EventKind::Failed { dead_lettered: true, .. }));
        all_ids.iter().filter(|j| **j != corrupt).all(|j| done.contains(j)) && dead
    });
    let (taken_at, takeover) = events
        .iter()
        .find(|(_, e)| e.job == long_job && matches!(e.kind, EventKind::Started { takeover: true, .. }))
        .expect("a takeover of the killed worker's job");
    let kill_to_takeover = taken_at.duration_since(killed);
    assert!(kill_to_takeover >= Duration::from_secs(2), "taken over before the visibility timeout");
    assert_eq!(takeover.attempt, Some(2));
    assert_eq!(count(&events, &long_job, "done"), 1);
    // Progress comes while the build runs, not only at its end: with the storyboard as an output of
    // the encode, ffmpeg used to hold its first report until the sheet was drawn, at the end.
    let progress: Vec<f64> = events
        .iter()
        .filter(|(_, e)| e.job == long_job && e.attempt == Some(2))
        .filter_map(|(_, e)| match e.kind {
            EventKind::Progress { percent } => Some(percent),
            _ => None,
        })
        .collect();
    assert!(progress.first().is_some_and(|p| *p < 50.0), "the taken-over build's progress events: {progress:?}");
    probe_asset(home.path(), &root.join(&long_asset));
    let dead: Vec<&Event> =
        events.iter().map(|(_, e)| e).filter(|e| e.job == corrupt && e.kind.name() == "failed").collect();
    assert_eq!(dead.len(), 2, "two attempts, the second dead-lettered: {dead:?}");
    match &dead[1].kind {
        EventKind::Failed { error, dead_lettered: true } => assert!(error.contains("not-media"), "{error}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(q.dead_letters(10).unwrap().len(), 1);
    // The next worker on this root removed the killed worker's staging folder.
    assert!(stale_staging().is_empty(), "staging left: {:?}", stale_staging());
    let logs = format!("{}{}", b.log(), c.log());
    assert!(logs.contains("staging left by a run that was killed"), "{logs}");
    eprintln!("FIGURES kill->takeover {} ms (visibility timeout 3 s)", kill_to_takeover.as_millis());
    drop((b, c));
}

#[test]
fn workers_reconnect_after_redis_restarts_mid_run_and_nothing_is_lost() {
    let mut server = RedisServer::start();
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join("assets");
    let url = server.url();
    let w: Vec<Worker> =
        (0..2).map(|i| Worker::start(home.path(), &url, &format!("w{i}"), &["--visibility-timeout", "5"])).collect();
    let sources: Vec<PathBuf> = GOOD[..6].iter().map(|f| common::fixture(f)).collect();
    let jobs = enqueue(home.path(), &url, &root, &sources, &FAST);
    {
        let mut q = queue(&server);
        collect_events(&mut q, Duration::from_secs(300), |seen| !done_jobs(seen).is_empty());
    }
    server.kill();
    std::thread::sleep(Duration::from_secs(1));
    server.start_again();
    let restarted = Instant::now();
    let mut q = queue(&server);
    let before: usize = q.events("0", 10_000, None).unwrap().len();
    let events = collect_events(&mut q, Duration::from_secs(600), |seen| done_jobs(seen).len() >= jobs.len());
    let resumed = events.get(before).map(|(at, _)| at.duration_since(restarted));
    eprintln!("FIGURES redis restart: first event after the restart {resumed:?} later");
    for (job, asset) in &jobs {
        assert_eq!(count(&events, job, "done"), 1, "{job}");
        assert_eq!(count(&events, job, "queued"), 1, "{job}");
        probe_asset(home.path(), &root.join(asset));
    }
    for worker in &w {
        assert!(worker.child.is_some(), "a worker exited: {}", worker.log());
    }
}

#[test]
fn sigterm_hands_an_unfinished_job_back_and_exits_0() {
    let server = RedisServer::start();
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join("assets");
    let url = server.url();
    let mut q = queue(&server);
    let long = home.path().join("long.mp4");
    let status = Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1280x720:rate=30:duration=40",
        ])
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"])
        .arg(&long)
        .status()
        .unwrap();
    assert!(status.success());
    let mut w = Worker::start(home.path(), &url, "w", &["--grace", "0.5"]);
    let jobs = enqueue(home.path(), &url, &root, &[long], &SLOW);
    collect_events(&mut q, Duration::from_secs(120), |seen| count(seen, &jobs[0].0, "started") >= 1);
    w.signal("-TERM");
    let status = w.wait(Duration::from_secs(30));
    assert_eq!(status.code(), Some(0), "{}", w.log());
    let events = collect_events(&mut q, Duration::from_secs(10), |seen| count(seen, &jobs[0].0, "requeued") >= 1);
    assert_eq!(count(&events, &jobs[0].0, "done"), 0);
    let rec = q.jobs(1).unwrap().remove(0);
    assert_eq!((rec.state, rec.attempts), (JobState::Queued, 0), "handed back without using an attempt");
    assert!(!root.join(&jobs[0].1).exists(), "no partial asset left visible");
}

#[test]
fn sigterm_lets_a_job_finish_within_the_grace_period_and_exits_0() {
    let server = RedisServer::start();
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join("assets");
    let url = server.url();
    let mut q = queue(&server);
    let mut w = Worker::start(home.path(), &url, "w", &["--grace", "120"]);
    let jobs = enqueue(home.path(), &url, &root, &[common::fixture("landscape.mp4")], &FAST);
    // Signal once the build is under way (the worker logs it), not between the claim and the build.
    let deadline = Instant::now() + Duration::from_secs(120);
    while !w.log().contains(&format!("started {}", jobs[0].0)) {
        assert!(Instant::now() < deadline, "the job never started: {}", w.log());
        std::thread::sleep(Duration::from_millis(20));
    }
    w.signal("-TERM");
    let status = w.wait(Duration::from_secs(120));
    assert_eq!(status.code(), Some(0), "{}", w.log());
    let events = q.events("0", 100, None).unwrap();
    let done: Vec<_> = events.iter().filter(|(_, e)| e.kind.name() == "done").collect();
    assert_eq!(done.len(), 1, "the job in hand finished: {}", w.log());
    assert!(events.iter().all(|(_, e)| e.kind.name() != "requeued"));
    probe_asset(home.path(), &root.join(&jobs[0].1));
}

#[test]
fn queue_commands_fail_with_exit_2_naming_an_unreachable_url() {
    let home = tempfile::tempdir().unwrap();
    let url = format!("unix://{}/none.sock", home.path().display());
    for args in [
        vec!["enqueue", "--queue", &url, "-o", "assets"],
        vec!["worker", "--queue", &url],
        vec!["jobs", "--queue", &url],
    ] {
        let mut cmd = playtube(home.path());
        cmd.args(&args);
        if args[0] == "enqueue" {
            cmd.arg(common::fixture("tiny-240p.mp4"));
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(&url) && stderr.contains("redis-server"), "{args:?}: {stderr}");
    }
    let out = playtube(home.path()).args(["jobs"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PLAYTUBE_QUEUE"));
}

#[test]
fn jobs_lists_states_as_a_table_and_json() {
    let server = RedisServer::start();
    let home = tempfile::tempdir().unwrap();
    let url = server.url();
    let jobs = enqueue(home.path(), &url, home.path().join("assets"), &[common::fixture("tiny-240p.mp4")], &FAST);
    let out = playtube(home.path()).args(["jobs", "--queue", &url]).output().unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(table.contains(&jobs[0].0) && table.contains("queued") && table.contains("1 waiting"), "{table}");
    let out = playtube(home.path()).args(["jobs", "--json", "--queue", &url]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["jobs"][0]["id"], jobs[0].0.as_str());
    assert_eq!(v["jobs"][0]["state"], "queued");
    assert_eq!(v["summary"]["waiting"], 1);
    let out = playtube(home.path())
        .args(["jobs", "--json", "--watch", "0.1", "--count", "2", "--queue", &url])
        .output()
        .unwrap();
    let lines: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
    assert_eq!(lines.len(), 2, "one JSON object per snapshot: {lines:?}");
    for line in lines {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["jobs"][0]["id"], jobs[0].0.as_str());
    }
}

#[test]
fn a_partly_readable_source_fails_its_job_unless_enqueued_with_allow_partial() {
    let server = RedisServer::start();
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join("assets");
    let url = server.url();
    let mut q = queue(&server);
    // A faststart copy of a 2 s clip cut at 60 % of its size: the moov (at the front) declares 2 s,
    // the mdat ends early (an interrupted upload).
    let whole = home.path().join("whole.mp4");
    let status = Command::new(common::required_tool("ffmpeg", "ffmpeg"))
        .args(["-v", "error", "-y", "-i"])
        .arg(common::fixture("tiny-240p.mp4"))
        .args(["-c", "copy", "-movflags", "+faststart"])
        .arg(&whole)
        .status()
        .unwrap();
    assert!(status.success());
    let data = std::fs::read(&whole).unwrap();
    let cut = home.path().join("cut.mp4");
    std::fs::write(&cut, &data[..data.len() * 6 / 10]).unwrap();
    let strict =
        enqueue(home.path(), &url, &root, std::slice::from_ref(&cut), &[&FAST[..], &["--id", "strict"]].concat());
    let partial = enqueue(
        home.path(),
        &url,
        &root,
        std::slice::from_ref(&cut),
        &[&FAST[..], &["--id", "partial", "--allow-partial"]].concat(),
    );
    assert_ne!(strict[0].0, partial[0].0, "--allow-partial is part of the job (and its id)");
    let w = Worker::start(home.path(), &url, "a", &["--max-attempts", "1"]);
    let events = collect_events(&mut q, Duration::from_secs(300), |seen| {
        seen.iter().any(|(_, e)| e.job == strict[0].0 && matches!(e.kind, EventKind::Failed { .. }))
            && count(seen, &partial[0].0, "done") == 1
    });
    let failed = events
        .iter()
        .find_map(|(_, e)| match &e.kind {
            EventKind::Failed { error, .. } if e.job == strict[0].0 => Some(error.clone()),
            _ => None,
        })
        .unwrap();
    assert!(failed.contains("cut.mp4") && failed.contains("truncated"), "{failed}");
    assert!(!root.join("strict").exists(), "no asset from the refused source");
    let result = events
        .iter()
        .find_map(|(_, e)| match &e.kind {
            EventKind::Done { result } if e.job == partial[0].0 => Some(result.clone()),
            _ => None,
        })
        .unwrap();
    let shortfall = &result["partial_source"];
    let (declared, decoded) =
        (shortfall["declared_seconds"].as_f64().unwrap(), shortfall["decoded_seconds"].as_f64().unwrap());
    assert!(decoded < declared, "{result}");
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("partial").join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["partial_source"], *shortfall);
    drop(w);
}

#[test]
fn a_worker_handed_a_finished_job_again_says_it_was_already_done() {
    // A producer that retried its XADD leaves a second entry for a job a worker has since finished;
    // a worker stopped and continued in the middle of starting a job that was meanwhile taken over
    // and finished meets the same state. Either way the worker says why it did nothing.
    let server = RedisServer::start();
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join("assets");
    std::fs::create_dir(&root).unwrap();
    let source = common::fixture("landscape.mp4");
    let json = serde_json::json!({
        "v": 1, "id": "again", "asset": "again", "source": source, "output": root,
        "settings": { "qualities": ["360p"], "preset": "ultrafast" },
    })
    .to_string();
    let mut q = queue(&server);
    let w = Worker::start(home.path(), &server.url(), "w", &[]);
    server.cli(&["XADD", "playtube:jobs", "*", "id", "again", "job", &json]);
    collect_events(&mut q, Duration::from_secs(120), |seen| count(seen, "again", "done") >= 1);
    server.cli(&["XADD", "playtube:jobs", "*", "id", "again", "job", &json]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !w.log().contains("again was already done") {
        assert!(Instant::now() < deadline, "the worker did not say why it skipped the entry: {}", w.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(server.cli(&["XLEN", "playtube:jobs"]).trim(), "0", "the entry was acknowledged and deleted");
    let all = q.events("0", 1000, None).unwrap();
    assert_eq!(all.iter().filter(|(_, e)| e.job == "again" && e.kind.name() == "done").count(), 1);
}
