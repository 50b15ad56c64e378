//! The production shape, tested: three `playtube serve --root s3://…` replicas (real processes) on one
//! bucket of a real Garage, behind real nginx with `proxy_next_upstream` and `proxy_cache` (the
//! config in the README, "Replicas behind nginx"). Paced viewers fetch the master playlist, a media
//! playlist and its segments as players do, for a bounded time; one replica is SIGKILLed mid-run.
//! Every client request must succeed; the nginx cache hit ratio for segments and the origin requests
//! per segment are measured and printed (the test asserts the 99 % target).

mod common;
mod serve_support;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use serve_support::*;

/// The nginx `http` block body of the README (paths and addresses filled in by the test).
fn nginx_config(dir: &Path, port: u16, upstreams: &[SocketAddr]) -> String {
    let d = dir.display();
    let servers: String =
        upstreams.iter().map(|a| format!("        server {a} max_fails=1 fail_timeout=10s;\n")).collect();
    format!(
        r#"daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy_temp;
    fastcgi_temp_path {d}/fastcgi_temp;
    uwsgi_temp_path {d}/uwsgi_temp;
    scgi_temp_path {d}/scgi_temp;
    proxy_cache_path {d}/cache levels=1:2 keys_zone=video_cache:10m max_size=1g inactive=1d use_temp_path=off;

    upstream video-server {{
{servers}        keepalive 32;
    }}

    server {{
        listen 127.0.0.1:{port};

        # Shared by every location: keep-alive to the replicas, and on a replica that fails (connection
        # refused or reset, timeout, 502/503/504) try the next one; GETs are idempotent.
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_next_upstream error timeout http_502 http_503 http_504;
        proxy_next_upstream_tries 3;
        proxy_connect_timeout 1s;
        proxy_read_timeout 15s;
        # The cache key keeps the query string: signed links' tokens and pinned versions (?v=).
        proxy_cache_key $scheme$host$request_uri;
        proxy_cache_lock on;
        proxy_cache_lock_timeout 5s;
        proxy_cache_use_stale error timeout updating http_502 http_503 http_504;
        add_header X-Cache-Status $upstream_cache_status always;

        # Segments, init sections and playlists: cached as their Cache-Control says (segments a year,
        # playlists 5 s); Range requests are answered from the cached whole file.
        location /hls/ {{
            proxy_pass http://video-server;
            proxy_cache video_cache;
        }}

        # Progressive MP4s and renditions: cached whole; Range requests served from the cache.
        location /stream/ {{
            proxy_pass http://video-server;
            proxy_cache video_cache;
        }}

        location / {{
            proxy_pass http://video-server;
        }}
    }}
}}
"#
    )
}

fn start_nginx(upstreams: &[SocketAddr]) -> common::nginx::Nginx {
    common::nginx::start(|dir, port| nginx_config(dir, port, upstreams))
}

/// A `playtube serve --root s3://…` process.
struct Replica {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_replica(root: &str, env: &[(&'static str, String)], home: &Path) -> Replica {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("playtube"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("NO_COLOR", "1")
        .env("PLAYTUBE_ACCESS_LOG", "false")
        .current_dir(home)
        .args(["serve", "--addr", "127.0.0.1:0", "--workers", "1", "--root", root]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("spawn playtube serve");
    // Owned by a Replica at once, so it is killed (and reaped) however this function ends.
    let mut replica = Replica { child, addr: "127.0.0.1:1".parse().unwrap() };
    let stderr = replica.child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    loop {
        let line = rx.recv_timeout(Duration::from_secs(30)).expect("replica announces its address");
        if let Some(rest) = line.split("on http://").nth(1) {
            replica.addr = rest.split_whitespace().next().unwrap().parse().unwrap();
            return replica;
        }
    }
}

#[derive(Default)]
struct Tally {
    requests: AtomicU64,
    failed: AtomicU64,
    segments: AtomicU64,
    segment_hits: AtomicU64,
}

/// One viewer: master -> media playlist -> its segments in order, paced, until `stop`.
fn viewer(addr: SocketAddr, tally: &Tally, stop: &AtomicBool, errors: &mpsc::Sender<String>) {
    let check = |r: &Resp, what: &str| {
        tally.requests.fetch_add(1, Ordering::Relaxed);
        if r.status != 200 {
            tally.failed.fetch_add(1, Ordering::Relaxed);
            let _ = errors.send(format!("{what}: {} {}", r.status, r.text()));
            return false;
        }
        true
    };
    while !stop.load(Ordering::Relaxed) {
        let master = request(addr, "GET", "/hls/abc/master.m3u8", &[]);
        if !check(&master, "master") {
            continue;
        }
        let media_uri = master.text().lines().find(|l| !l.starts_with('#') && !l.is_empty()).unwrap().to_owned();
        let media = request(addr, "GET", &format!("/hls/abc/{media_uri}"), &[]);
        if !check(&media, "media playlist") {
            continue;
        }
        let dir = media_uri.split('/').next().unwrap();
        for seg in media.text().lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let r = request(addr, "GET", &format!("/hls/abc/{dir}/{seg}"), &[]);
            if check(&r, seg) {
                tally.segments.fetch_add(1, Ordering::Relaxed);
                if r.header("x-cache-status") == Some("HIT") {
                    tally.segment_hits.fetch_add(1, Ordering::Relaxed);
                }
                let want = if seg.starts_with("seg_00000") { pattern(20_000, 3) } else { pattern(20_000, 4) };
                if r.body != want {
                    tally.failed.fetch_add(1, Ordering::Relaxed);
                    let _ = errors.send(format!("{seg}: wrong body"));
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn origin_requests(addr: SocketAddr) -> u64 {
    let r = request(addr, "GET", "/stats", &[]);
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    v["origin"]["requests"].as_u64().unwrap()
}

#[test]
fn three_replicas_behind_nginx_survive_a_sigkill_with_no_failed_request() {
    let dir = assets();
    let (published, _) = publish_root(dir.path());
    let root = format!("s3://{}/{}", published.bucket, published.prefix);
    let env = published.garage.env();
    let mut replicas: Vec<Replica> = (0..3).map(|_| start_replica(&root, &env, dir.path())).collect();
    let nginx = start_nginx(&replicas.iter().map(|r| r.addr).collect::<Vec<_>>());

    let tally = Arc::new(Tally::default());
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, errors) = mpsc::channel();
    let viewers = 24;
    let run_for = Duration::from_secs(10);
    let threads: Vec<_> = (0..viewers)
        .map(|_| {
            let (tally, stop, tx, addr) = (Arc::clone(&tally), Arc::clone(&stop), tx.clone(), nginx.addr);
            std::thread::spawn(move || viewer(addr, &tally, &stop, &tx))
        })
        .collect();
    drop(tx);
    std::thread::sleep(run_for / 3);
    // The killed replica's origin requests up to now, then SIGKILL (no graceful shutdown).
    let killed_origin = origin_requests(replicas[0].addr);
    let status = Command::new("kill").arg("-KILL").arg(replicas[0].child.id().to_string()).status().unwrap();
    assert!(status.success());
    let _ = replicas[0].child.wait();
    std::thread::sleep(run_for - run_for / 3);
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let survivors: u64 = replicas[1..].iter().map(|r| origin_requests(r.addr)).sum();
    replicas.clear();

    let requests = tally.requests.load(Ordering::Relaxed);
    let failed = tally.failed.load(Ordering::Relaxed);
    let segments = tally.segments.load(Ordering::Relaxed);
    let hits = tally.segment_hits.load(Ordering::Relaxed);
    let hit_ratio = hits as f64 / segments.max(1) as f64;
    let origin = killed_origin + survivors;
    let first: Vec<String> = errors.try_iter().take(5).collect();
    println!(
        "replicas: {viewers} viewers for {run_for:?}, replica 1 of 3 SIGKILLed at {:?}: {requests} client requests, \
         {failed} failed; {segments} segment requests, nginx cache hit ratio {:.2} %; {origin} origin requests in all \
         ({:.4} per segment request)",
        run_for / 3,
        hit_ratio * 100.0,
        origin as f64 / segments.max(1) as f64
    );
    assert_eq!(failed, 0, "failed client requests, first ones: {first:?}");
    assert!(segments > 200, "the load ran: {segments} segments");
    assert!(hit_ratio >= 0.99, "nginx cache hit ratio for segments {:.2} %", hit_ratio * 100.0);
}
