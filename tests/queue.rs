//! The queue library against a real redis-server started by each test (tests/redis_support): idempotent
//! enqueue, claim/ack, retries then the dead-letter stream, takeover of a dead worker's job after the
//! visibility timeout, heartbeats keeping a live worker's claim, jobs XADDed by another application,
//! and a Redis restart (SIGKILL) in the middle of a run that loses nothing.

mod redis_support;

use std::time::{Duration, Instant};

use playtube::queue::{
    BuildSettings, Claim, Enqueued, EventKind, Failed, Finished, Job, JobState, Lease, Next, Queue, QueueError,
    QueueOptions, Start,
};
use redis_support::RedisServer;

fn options(server: &RedisServer) -> QueueOptions {
    let mut o = QueueOptions::new(server.url());
    o.name = "test".into();
    o.visibility_timeout = Duration::from_millis(600);
    o.max_attempts = 3;
    o.timeout = Duration::from_secs(2);
    o.reconnect_window = Duration::from_secs(30);
    o
}

fn job(asset: &str) -> Job {
    Job::new(asset, &format!("/in/{asset}.mp4"), "/assets", BuildSettings::default(), false, 1)
}

fn next_job(q: &mut Queue, consumer: &str) -> Claim {
    match q.next(consumer, Duration::from_millis(500)).unwrap() {
        Next::Job(c) => *c,
        other => panic!("expected a job, got {other:?}"),
    }
}

fn events(q: &mut Queue) -> Vec<playtube::queue::Event> {
    q.events("0", 10_000, None).unwrap().into_iter().map(|(_, e)| e).collect()
}

fn count(events: &[playtube::queue::Event], job: &str, kind: &str) -> usize {
    events.iter().filter(|e| e.job == job && e.kind.name() == kind).count()
}

#[test]
fn enqueuing_the_same_work_twice_is_one_job() {
    let server = RedisServer::start();
    let mut q = Queue::connect(&options(&server)).unwrap();
    let j = job("clip");
    assert_eq!(q.enqueue(&j).unwrap(), Enqueued::Queued);
    assert_eq!(q.enqueue(&j).unwrap(), Enqueued::Exists(JobState::Queued));
    assert_eq!(server.cli(&["XLEN", "test:jobs"]).trim(), "1");
    assert_eq!(count(&events(&mut q), &j.id, "queued"), 1);
    let listed = q.jobs(10).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].id.as_str(), listed[0].state), (j.id.as_str(), JobState::Queued));
}

#[test]
fn a_claimed_job_is_acknowledged_once_and_done_is_published_once() {
    let server = RedisServer::start();
    let mut q = Queue::connect(&options(&server)).unwrap();
    let j = job("clip");
    q.enqueue(&j).unwrap();
    let claim = next_job(&mut q, "w1");
    assert_eq!(claim.job, j);
    assert!(!claim.takeover);
    assert_eq!(q.start(&claim, "w1").unwrap(), Start::Run { attempt: 1 });
    assert!(matches!(q.next("w2", Duration::from_millis(100)).unwrap(), Next::Nothing));
    let result = serde_json::json!({"master": "clip/hls/master.m3u8"});
    assert_eq!(q.finish(&claim, "w1", 1, result.clone()).unwrap(), Finished::Done);
    // A repeated call (as after a lost reply) publishes nothing more.
    assert_eq!(q.finish(&claim, "w1", 1, result.clone()).unwrap(), Finished::AlreadyDone);
    assert_eq!(server.cli(&["XLEN", "test:jobs"]).trim(), "0", "finished entries are deleted");
    assert_eq!(server.cli(&["XPENDING", "test:jobs", "workers"]).lines().next().unwrap().trim(), "0");
    let evs = events(&mut q);
    assert_eq!(count(&evs, &j.id, "done"), 1);
    let done = evs.iter().find(|e| e.kind.name() == "done").unwrap();
    assert_eq!(done.kind, EventKind::Done { result });
    assert_eq!((done.worker.as_deref(), done.attempt), (Some("w1"), Some(1)));
    // Enqueuing finished work again does nothing (unless forced).
    assert_eq!(q.enqueue(&j).unwrap(), Enqueued::Exists(JobState::Done));
    let forced = Job { force: true, ..j.clone() };
    assert_eq!(q.enqueue(&forced).unwrap(), Enqueued::Queued);
}

#[test]
fn a_failing_job_is_retried_then_dead_lettered_with_its_error() {
    let server = RedisServer::start();
    let mut q = Queue::connect(&options(&server)).unwrap();
    let j = job("corrupt");
    q.enqueue(&j).unwrap();
    for attempt in 1..=3 {
        let claim = next_job(&mut q, "w1");
        assert_eq!(q.start(&claim, "w1").unwrap(), Start::Run { attempt });
        let outcome = q.fail(&claim, "w1", attempt, &format!("ffmpeg failed (attempt {attempt})")).unwrap();
        let expected = if attempt < 3 { Failed::Retrying } else { Failed::DeadLettered };
        assert_eq!(outcome, expected);
        let rec = q.jobs(1).unwrap().remove(0);
        assert_eq!(rec.state, if attempt < 3 { JobState::Failed } else { JobState::Dead });
        assert_eq!(rec.error.as_deref(), Some(&*format!("ffmpeg failed (attempt {attempt})")));
    }
    assert!(matches!(q.next("w1", Duration::from_millis(100)).unwrap(), Next::Nothing));
    let dead = q.dead_letters(10).unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!((dead[0].1.as_str(), dead[0].2.as_str()), (j.id.as_str(), "ffmpeg failed (attempt 3)"));
    let evs = events(&mut q);
    assert_eq!(count(&evs, &j.id, "failed"), 3);
    let last = evs.iter().rev().find(|e| e.kind.name() == "failed").unwrap();
    assert_eq!(last.kind, EventKind::Failed { error: "ffmpeg failed (attempt 3)".into(), dead_lettered: true });
    // Re-enqueuing a dead-lettered job gives it a fresh start.
    assert_eq!(q.enqueue(&j).unwrap(), Enqueued::Queued);
    let claim = next_job(&mut q, "w1");
    assert_eq!(q.start(&claim, "w1").unwrap(), Start::Run { attempt: 1 });
}

#[test]
fn a_dead_workers_job_is_taken_over_after_the_visibility_timeout() {
    let server = RedisServer::start();
    let opts = options(&server);
    let mut a = Queue::connect(&opts).unwrap();
    let mut b = Queue::connect(&opts).unwrap();
    let j = job("clip");
    a.enqueue(&j).unwrap();
    let claim_a = next_job(&mut a, "worker-a");
    assert_eq!(a.start(&claim_a, "worker-a").unwrap(), Start::Run { attempt: 1 });
    // worker-a "dies": no heartbeats. Before the timeout nobody else gets the job.
    assert!(matches!(b.next("worker-b", Duration::from_millis(100)).unwrap(), Next::Nothing));
    let died = Instant::now();
    let claim_b = loop {
        match b.next("worker-b", Duration::from_millis(100)).unwrap() {
            Next::Job(c) => break *c,
            _ => assert!(died.elapsed() < Duration::from_secs(5), "never taken over"),
        }
    };
    let waited = died.elapsed();
    assert!(waited >= Duration::from_millis(400), "taken over too early: {waited:?}");
    assert!(claim_b.takeover);
    assert_eq!(b.start(&claim_b, "worker-b").unwrap(), Start::Run { attempt: 2 });
    // The old worker, if it comes back, can no longer publish an outcome.
    assert_eq!(a.finish(&claim_a, "worker-a", 1, serde_json::json!({})).unwrap(), Finished::Lost);
    assert_eq!(b.finish(&claim_b, "worker-b", 2, serde_json::json!({})).unwrap(), Finished::Done);
    let evs = events(&mut b);
    assert_eq!(count(&evs, &j.id, "done"), 1);
    let started: Vec<_> = evs.iter().filter(|e| e.kind.name() == "started").collect();
    assert_eq!(started.len(), 2);
    assert_eq!(started[1].kind, EventKind::Started { takeover: true, previous_worker: Some("worker-a".into()) });
}

#[test]
fn a_job_whose_workers_keep_dying_is_dead_lettered_after_the_attempt_limit() {
    let server = RedisServer::start();
    let mut opts = options(&server);
    opts.max_attempts = 2;
    opts.visibility_timeout = Duration::from_millis(200);
    let mut q = Queue::connect(&opts).unwrap();
    let j = job("poison");
    q.enqueue(&j).unwrap();
    let c = next_job(&mut q, "w1");
    assert_eq!(q.start(&c, "w1").unwrap(), Start::Run { attempt: 1 });
    std::thread::sleep(Duration::from_millis(300));
    let c = next_job(&mut q, "w2");
    assert_eq!(q.start(&c, "w2").unwrap(), Start::Run { attempt: 2 });
    std::thread::sleep(Duration::from_millis(300));
    let c = next_job(&mut q, "w3");
    match q.start(&c, "w3").unwrap() {
        Start::DeadLettered { error, attempts } => {
            assert_eq!(attempts, 2);
            assert!(error.contains("gave up after 2 attempts"), "{error}");
        }
        other => panic!("expected dead-lettering, got {other:?}"),
    }
    assert_eq!(q.dead_letters(5).unwrap().len(), 1);
    assert!(matches!(q.next("w4", Duration::from_millis(50)).unwrap(), Next::Nothing));
}

#[test]
fn heartbeats_keep_a_live_workers_claim_past_the_visibility_timeout() {
    let server = RedisServer::start();
    let opts = options(&server);
    let mut a = Queue::connect(&opts).unwrap();
    let mut b = Queue::connect(&opts).unwrap();
    let j = job("long");
    a.enqueue(&j).unwrap();
    let claim = next_job(&mut a, "worker-a");
    assert_eq!(a.start(&claim, "worker-a").unwrap(), Start::Run { attempt: 1 });
    let lease = Lease::spawn(&opts, &claim, "worker-a", 1, Duration::from_millis(100)).unwrap();
    let until = Instant::now() + opts.visibility_timeout * 3;
    let mut percent = 0.0;
    while Instant::now() < until {
        percent += 5.0;
        lease.set_progress(percent);
        assert!(matches!(b.next("worker-b", Duration::from_millis(100)).unwrap(), Next::Nothing));
    }
    assert!(!lease.lost());
    lease.stop();
    let rec = a.jobs(1).unwrap().remove(0);
    assert_eq!((rec.state, rec.worker.as_deref()), (JobState::Running, Some("worker-a")));
    assert!(rec.progress.unwrap() > 0.0);
    assert!(count(&events(&mut a), &j.id, "progress") >= 2, "progress events are published");
    assert_eq!(a.finish(&claim, "worker-a", 1, serde_json::json!({})).unwrap(), Finished::Done);
}

#[test]
fn a_lease_notices_when_its_job_was_taken_over() {
    let server = RedisServer::start();
    let opts = options(&server);
    let mut a = Queue::connect(&opts).unwrap();
    a.enqueue(&job("slow")).unwrap();
    let claim = next_job(&mut a, "worker-a");
    a.start(&claim, "worker-a").unwrap();
    std::thread::sleep(opts.visibility_timeout + Duration::from_millis(100));
    let taken = next_job(&mut a, "worker-b");
    assert!(taken.takeover);
    let lease = Lease::spawn(&opts, &claim, "worker-a", 1, Duration::from_millis(50)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(3);
    while !lease.lost() {
        lease.set_progress(1.0);
        assert!(Instant::now() < deadline, "the lease never noticed");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn jobs_added_by_another_application_run_and_garbage_is_dead_lettered() {
    let server = RedisServer::start();
    let mut q = Queue::connect(&options(&server)).unwrap();
    // What a PHP app would do with XADD, following the README.
    let json = r#"{"v":1,"id":"upload-42","asset":"upload-42","source":"/shared/in/42.mov","output":"/shared/assets","settings":{"qualities":["360p"]}}"#;
    server.cli(&["XADD", "test:jobs", "*", "id", "upload-42", "job", json]);
    server.cli(&["XADD", "test:jobs", "*", "id", "upload-42", "job", json]); // a duplicate
    server.cli(&["XADD", "test:jobs", "*", "job", "{broken"]);
    let claim = next_job(&mut q, "w1");
    assert_eq!(claim.job.id, "upload-42");
    assert_eq!(claim.job.settings.qualities, ["360p"]);
    assert_eq!(q.start(&claim, "w1").unwrap(), Start::Run { attempt: 1 });
    let dup = next_job(&mut q, "w2");
    assert_eq!(q.start(&dup, "w2").unwrap(), Start::Skip(Some(JobState::Running)));
    match q.next("w2", Duration::from_millis(200)).unwrap() {
        Next::Rejected(r) => assert!(r.error.contains("not a valid job"), "{}", r.error),
        other => panic!("expected the broken entry to be rejected, got {other:?}"),
    }
    assert_eq!(q.finish(&claim, "w1", 1, serde_json::json!({})).unwrap(), Finished::Done);
    assert_eq!(q.dead_letters(10).unwrap().len(), 1);
    assert_eq!(server.cli(&["XLEN", "test:jobs"]).trim(), "0");
    let listed = q.jobs(10).unwrap();
    assert_eq!((listed.len(), listed[0].state), (1, JobState::Done));
}

#[test]
fn a_released_job_goes_back_without_using_an_attempt() {
    let server = RedisServer::start();
    let mut q = Queue::connect(&options(&server)).unwrap();
    let j = job("clip");
    q.enqueue(&j).unwrap();
    let c = next_job(&mut q, "w1");
    assert_eq!(q.start(&c, "w1").unwrap(), Start::Run { attempt: 1 });
    assert_eq!(q.release(&c, "w1", 1, "worker stopping").unwrap(), Failed::Retrying);
    let c = next_job(&mut q, "w2");
    assert_eq!(q.start(&c, "w2").unwrap(), Start::Run { attempt: 1 });
    assert_eq!(count(&events(&mut q), &j.id, "requeued"), 1);
}

#[test]
fn redis_restarted_mid_run_loses_nothing_and_clients_reconnect() {
    let mut server = RedisServer::start();
    let opts = options(&server);
    let mut q = Queue::connect(&opts).unwrap();
    let jobs: Vec<Job> = (0..4).map(|i| job(&format!("clip{i}"))).collect();
    for j in &jobs {
        q.enqueue(j).unwrap();
    }
    let first = next_job(&mut q, "w1");
    assert_eq!(q.start(&first, "w1").unwrap(), Start::Run { attempt: 1 });
    server.kill();
    let restarter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(700));
        server.start_again();
        server
    });
    // This call runs while Redis is down: it reconnects with backoff and then succeeds.
    assert_eq!(q.finish(&first, "w1", 1, serde_json::json!({})).unwrap(), Finished::Done);
    let _server = restarter.join().unwrap();
    assert!(q.reconnects() >= 1);
    let mut done = 1;
    while done < jobs.len() {
        let c = next_job(&mut q, "w1");
        assert_eq!(q.start(&c, "w1").unwrap(), Start::Run { attempt: 1 });
        assert_eq!(q.finish(&c, "w1", 1, serde_json::json!({})).unwrap(), Finished::Done);
        done += 1;
    }
    let evs = events(&mut q);
    for j in &jobs {
        assert_eq!(count(&evs, &j.id, "queued"), 1, "{}", j.id);
        assert_eq!(count(&evs, &j.id, "done"), 1, "{}", j.id);
    }
}

#[test]
fn an_unreachable_redis_is_an_error_naming_the_url() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("unix://{}/nothing.sock", dir.path().display());
    let err = Queue::connect(&QueueOptions::new(&url)).err().expect("no server there");
    assert!(matches!(err, QueueError::Unreachable { .. }), "{err}");
    assert!(err.is_environment());
    assert!(err.to_string().contains(&url), "{err}");
    let err = Queue::connect(&QueueOptions::new("redis://:hunter2@127.0.0.1:1/0")).err().unwrap();
    let text = err.to_string();
    assert!(text.contains("redis://:***@127.0.0.1:1/0") && !text.contains("hunter2"), "{text}");
    let err = Queue::connect(&QueueOptions::new("http://127.0.0.1:6379")).err().unwrap();
    assert!(matches!(err, QueueError::BadUrl { .. }), "{err}");
}

#[test]
fn silent_workers_without_claims_are_forgotten_and_busy_ones_kept() {
    let server = RedisServer::start();
    let mut q = Queue::connect(&options(&server)).unwrap();
    q.enqueue(&job("a")).unwrap();
    q.enqueue(&job("b")).unwrap();
    let a = next_job(&mut q, "idle-worker");
    q.start(&a, "idle-worker").unwrap();
    q.finish(&a, "idle-worker", 1, serde_json::json!({})).unwrap();
    let b = next_job(&mut q, "busy-worker");
    q.start(&b, "busy-worker").unwrap();
    assert_eq!(q.summary(&[]).unwrap().workers, 2);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(q.prune_workers(Duration::from_millis(10)).unwrap(), 1);
    let left = server.cli(&["XINFO", "CONSUMERS", "test:jobs", "workers"]);
    assert!(left.contains("busy-worker") && !left.contains("idle-worker"), "{left}");
    assert_eq!(q.prune_workers(Duration::from_secs(3600)).unwrap(), 0);
}
