//! Helpers for the pipeline tests (renditions, hls, prepare): ffprobe queries on real outputs and a
//! minimal playlist reader, so assertions are made on the files ffmpeg and playtube wrote.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Fast settings for tests: the ultrafast x264 preset keeps the suite quick on 2 cores.
pub const FAST: [&str; 2] = ["--preset", "ultrafast"];

#[derive(Debug, Clone)]
pub struct Packet {
    pub stream: usize,
    pub pts: f64,
    pub key: bool,
    pub pos: u64,
}

fn ffprobe_json(args: &[&str], path: &Path) -> serde_json::Value {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-of", "json"])
        .args(args)
        .arg(path)
        .output()
        .expect("ffprobe runs");
    assert!(out.status.success(), "ffprobe {}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// (codec_type, codec_name, width, height, profile, level) per stream.
pub fn streams(path: &Path) -> Vec<serde_json::Value> {
    ffprobe_json(&["-show_streams"], path)["streams"].as_array().unwrap().clone()
}

pub fn video_size(path: &Path) -> (u64, u64) {
    let s = streams(path);
    let v = s.iter().find(|s| s["codec_type"] == "video").expect("a video stream");
    (v["width"].as_u64().unwrap(), v["height"].as_u64().unwrap())
}

pub fn has_audio(path: &Path) -> bool {
    streams(path).iter().any(|s| s["codec_type"] == "audio")
}

/// Video packets of a file (or a `concat:` list when `path` starts with it), in file order.
pub fn video_packets(path: &Path) -> Vec<Packet> {
    let v = ffprobe_json(&["-select_streams", "v:0", "-show_entries", "packet=stream_index,pts_time,flags,pos"], path);
    let mut out: Vec<Packet> = v["packets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| Packet {
            stream: p["stream_index"].as_u64().unwrap() as usize,
            pts: p["pts_time"].as_str().unwrap().parse().unwrap(),
            key: p["flags"].as_str().unwrap().starts_with('K'),
            pos: p["pos"].as_str().and_then(|s| s.parse().ok()).unwrap_or(0),
        })
        .collect();
    out.sort_by_key(|p| p.pos);
    out
}

/// Tags (name, value) and URIs of a playlist.
pub struct Playlist {
    pub text: String,
    pub tags: Vec<(String, String)>,
    /// (EXTINF duration, URI) for media playlists; URI lines of the master follow STREAM-INF.
    pub entries: Vec<(Option<f64>, String)>,
}

pub fn read_playlist(path: &Path) -> Playlist {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(text.starts_with("#EXTM3U\n"), "{}: no #EXTM3U", path.display());
    let mut tags = Vec::new();
    let mut entries = Vec::new();
    let mut dur = None;
    for line in text.lines().skip(1) {
        if let Some(t) = line.strip_prefix('#') {
            let (n, v) = t.split_once(':').unwrap_or((t, ""));
            if n == "EXTINF" {
                dur = Some(v.trim_end_matches(',').parse().unwrap());
            }
            tags.push((n.to_owned(), v.to_owned()));
        } else if !line.is_empty() {
            entries.push((dur.take(), line.to_owned()));
        }
    }
    Playlist { text, tags, entries }
}

impl Playlist {
    pub fn tag(&self, name: &str) -> Option<&str> {
        self.tags.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.tags.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str()).collect()
    }
}

/// One attribute of an attribute list (quoted values unquoted).
pub fn attr(list: &str, name: &str) -> Option<String> {
    let mut rest = list;
    while let Some((k, after)) = rest.split_once('=') {
        let (v, next) = if let Some(q) = after.strip_prefix('"') {
            let end = q.find('"').unwrap();
            (&q[..end], q[end + 1..].trim_start_matches(','))
        } else {
            after.split_once(',').unwrap_or((after, ""))
        };
        if k == name {
            return Some(v.to_owned());
        }
        rest = next;
    }
    None
}

/// Every file under `dir`, relative.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walk(dir).into_iter().map(|p| p.strip_prefix(dir).unwrap().to_owned()).collect();
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

/// Names in the assets root (to check nothing partial or stray is left behind).
pub fn root_entries(root: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root)
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    v.sort();
    v
}
