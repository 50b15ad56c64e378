//! Real nginx (Debian's `/usr/sbin/nginx`) in front of an in-process `playtube serve`, configured with
//! the design document's location blocks (plus the `proxy_cache_path` they need): Range requests pass
//! through `/stream/`, HLS made by real ffmpeg is fetched and cached through `/hls/`. nginx runs as a
//! test-owned process (`daemon off`, `master_process off`, every path in a temp dir) and is killed by
//! its PID when the test ends. Without nginx the tests FAIL and say what to install.

mod common;
mod serve_support;

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use serve_support::*;

/// The design document's blocks, verbatim apart from the upstream address and the test-only
/// X-Cache-Status header.
const LOCATIONS: &str = r#"
        location /stream/ {
            proxy_pass http://video-server;
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_buffering off;
            proxy_cache off;
        }

        location /hls/ {
            proxy_pass http://video-server;
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            # Enable caching for HLS segments
            proxy_cache video_cache;
            proxy_cache_valid 200 1d;
            add_header X-Cache-Status $upstream_cache_status;
        }
"#;

fn config(dir: &Path, port: u16, upstream: SocketAddr) -> String {
    let d = dir.display();
    format!(
        r#"daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy_temp;
    fastcgi_temp_path {d}/fastcgi_temp;
    uwsgi_temp_path {d}/uwsgi_temp;
    scgi_temp_path {d}/scgi_temp;
    proxy_cache_path {d}/cache levels=1:2 keys_zone=video_cache:10m max_size=100m inactive=1d;
    upstream video-server {{ server {upstream}; }}
    server {{
        listen 127.0.0.1:{port};
{LOCATIONS}
    }}
}}
"#
    )
}

/// Start nginx on a free port (bind 127.0.0.1:0, read the port, release it, retry on a clash); fails
/// the test, naming the package, when nginx is not installed.
fn start_nginx(upstream: SocketAddr) -> common::nginx::Nginx {
    common::nginx::start(|dir, port| config(dir, port, upstream))
}

/// An assets root with the landscape fixture as stream.mp4 and a real HLS package made by ffmpeg.
fn real_assets() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let asset = root.path().join("clip");
    std::fs::create_dir_all(asset.join("hls/480p")).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/landscape.mp4");
    std::fs::copy(&src, asset.join("stream.mp4")).unwrap();
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y", "-i"])
        .arg(&src)
        .args(["-c", "copy", "-f", "hls", "-hls_time", "6", "-hls_playlist_type", "vod", "-hls_segment_filename"])
        .arg(asset.join("hls/480p/seg_%05d.ts"))
        .arg(asset.join("hls/480p/playlist.m3u8"))
        .status()
        .expect("ffmpeg runs");
    assert!(status.success());
    std::fs::write(
        asset.join("hls/master.m3u8"),
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=1400000,RESOLUTION=854x480\n480p/playlist.m3u8\n",
    )
    .unwrap();
    root
}

#[test]
fn ranges_pass_through_nginx_to_playtube() {
    let server = TestServer::start(real_assets(), |_| {});
    let nginx = start_nginx(server.addr);
    let file = std::fs::read(server.path("clip/stream.mp4")).unwrap();
    let len = file.len();

    let r = request(nginx.addr, "GET", "/stream/clip", &[("Range", "bytes=100-199")]);
    assert_eq!(r.status, 206);
    assert_eq!(r.header("content-range"), Some(format!("bytes 100-199/{len}").as_str()));
    assert_eq!(r.body, file[100..200]);

    let r = request(nginx.addr, "GET", "/stream/clip", &[("Range", "bytes=0-1")]);
    assert_eq!((r.status, r.body.as_slice()), (206, &file[..2]));

    let r = request(nginx.addr, "GET", "/stream/clip", &[("Range", "bytes=-1000")]);
    assert_eq!((r.status, r.body.as_slice()), (206, &file[len - 1000..]));

    let r = request(nginx.addr, "GET", "/stream/clip", &[("Range", &format!("bytes={len}-"))]);
    assert_eq!(r.status, 416);
    assert_eq!(r.header("content-range"), Some(format!("bytes */{len}").as_str()));

    let r = request(nginx.addr, "GET", "/stream/clip", &[("Range", "bytes=0-9,1000-1009")]);
    assert_eq!(r.status, 206);
    assert!(r.header("content-type").unwrap().starts_with("multipart/byteranges"));

    let r = request(nginx.addr, "GET", "/stream/clip", &[]);
    assert_eq!((r.status, r.body.len()), (200, len));
    assert!(r.body == file);
    assert_eq!(r.header("accept-ranges"), Some("bytes"));

    let etag = r.header("etag").unwrap().to_owned();
    let r = request(nginx.addr, "GET", "/stream/clip", &[("If-None-Match", &etag)]);
    assert_eq!(r.status, 304);
}

#[test]
fn hls_is_fetched_and_cached_through_nginx() {
    let server = TestServer::start(real_assets(), |_| {});
    let nginx = start_nginx(server.addr);
    let master = request(nginx.addr, "GET", "/hls/clip/master.m3u8", &[]);
    assert_eq!(master.status, 200);
    assert_eq!(master.header("content-type"), Some("application/vnd.apple.mpegurl"));
    let variant = master.text().lines().find(|l| !l.starts_with('#') && !l.is_empty()).unwrap().to_owned();
    let playlist = request(nginx.addr, "GET", &format!("/hls/clip/{variant}"), &[]);
    assert_eq!(playlist.status, 200);
    let segments: Vec<String> =
        playlist.text().lines().filter(|l| !l.starts_with('#') && !l.is_empty()).map(str::to_owned).collect();
    assert!(segments.len() >= 2, "{}", playlist.text());
    for seg in &segments {
        let url = format!("/hls/clip/480p/{seg}");
        let first = request(nginx.addr, "GET", &url, &[]);
        assert_eq!(first.status, 200, "{url}");
        assert_eq!(first.header("content-type"), Some("video/mp2t"));
        assert!(first.body == std::fs::read(server.path(&format!("clip/hls/480p/{seg}"))).unwrap(), "{url}");
        assert_eq!(first.body[0], 0x47, "MPEG-TS sync byte");
        let again = request(nginx.addr, "GET", &url, &[]);
        assert_eq!(again.header("x-cache-status"), Some("HIT"), "{url}");
        assert!(again.body == first.body);
        let part = request(nginx.addr, "GET", &url, &[("Range", "bytes=188-375")]);
        assert_eq!(part.status, 206, "{url}");
        assert_eq!(part.body, first.body[188..376]);
    }
    let v = server.stats();
    assert!(v["requests"].as_u64().unwrap() >= 2 + segments.len() as u64);
}
