//! `playtube hls` and the HLS validator in `probe`, on real ffmpeg output: keyframes at every segment
//! start, boundaries aligned across rungs, playlists per the VOD rules, CODECS/BANDWIDTH measured from
//! the files, end-to-end decoding of the master playlist, fMP4, --from-renditions, and the validator
//! catching injected violations. One package set is built once and shared by the assertions.

mod common;
mod pipeline_support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use pipeline_support::*;

struct Built {
    _dir: tempfile::TempDir,
    root: PathBuf,
    json: serde_json::Value,
}

/// landscape (2 rungs), portrait, no-audio and tiny, packaged once for the whole file.
fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("assets");
        let out = common::playtube_in(dir.path())
            .args(["hls", "--json"])
            .args(FAST)
            .args(["landscape.mp4", "portrait-rotated.mp4", "no-audio.mp4", "tiny-240p.mp4"].map(common::fixture))
            .arg("-o")
            .arg(&root)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let json = serde_json::from_slice(&out.stdout).unwrap();
        Built { _dir: dir, root, json }
    })
}

fn hls(id: &str) -> PathBuf {
    built().root.join(id).join("hls")
}

fn variant_dirs(hls: &Path) -> Vec<PathBuf> {
    let master = read_playlist(&hls.join("master.m3u8"));
    master.entries.iter().map(|(_, uri)| hls.join(uri).parent().unwrap().to_owned()).collect()
}

fn segments(dir: &Path) -> Vec<(f64, PathBuf)> {
    read_playlist(&dir.join("playlist.m3u8")).entries.into_iter().map(|(d, u)| (d.unwrap(), dir.join(u))).collect()
}

#[test]
fn landscape_gets_360p_and_480p_with_two_6_second_segments_each() {
    let dirs = variant_dirs(&hls("landscape"));
    let names: Vec<_> = dirs.iter().map(|d| d.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["360p", "480p"]);
    for d in &dirs {
        let segs = segments(d);
        assert_eq!(segs.len(), 2, "{}", d.display());
        assert!(segs.iter().all(|(dur, _)| (dur - 6.0).abs() < 0.05), "{segs:?}");
    }
    assert_eq!(video_size(&segments(&dirs[1])[0].1), (854, 480));
}

#[test]
fn every_segment_of_every_rung_starts_with_a_keyframe() {
    for id in ["landscape", "portrait-rotated", "no-audio", "tiny-240p"] {
        for d in variant_dirs(&hls(id)) {
            for (_, seg) in segments(&d) {
                let packets = video_packets(&seg);
                assert!(packets.first().is_some_and(|p| p.key), "{} does not open with a keyframe", seg.display());
            }
        }
    }
}

#[test]
fn segment_boundaries_are_identical_across_rungs() {
    for id in ["landscape", "no-audio"] {
        let starts: Vec<Vec<f64>> = variant_dirs(&hls(id))
            .iter()
            .map(|d| {
                segments(d)
                    .iter()
                    .map(|(_, s)| video_packets(s).iter().map(|p| p.pts).fold(f64::MAX, f64::min))
                    .collect()
            })
            .collect();
        assert_eq!(starts.len(), 2);
        assert_eq!(starts[0].len(), starts[1].len());
        for (a, b) in starts[0].iter().zip(&starts[1]) {
            assert!((a - b).abs() < 0.001, "{id}: {:?}", starts);
        }
    }
}

#[test]
fn media_playlists_are_complete_vod_playlists() {
    for id in ["landscape", "portrait-rotated", "no-audio", "tiny-240p"] {
        for d in variant_dirs(&hls(id)) {
            let p = read_playlist(&d.join("playlist.m3u8"));
            assert_eq!(p.tag("EXT-X-PLAYLIST-TYPE"), Some("VOD"));
            assert!(p.tag("EXT-X-ENDLIST").is_some() && p.tag("EXT-X-INDEPENDENT-SEGMENTS").is_some());
            assert!(p.tag("EXT-X-VERSION").unwrap().parse::<u32>().unwrap() >= 3);
            let target: f64 = p.tag("EXT-X-TARGETDURATION").unwrap().parse().unwrap();
            assert!(p.entries.iter().all(|(d, _)| d.unwrap().round() <= target), "{}", p.text);
            // Every segment file on disk is listed.
            let listed: Vec<&str> = p.entries.iter().map(|(_, u)| u.as_str()).collect();
            for f in files(&d) {
                let name = f.to_string_lossy();
                if name.ends_with(".ts") {
                    assert!(listed.contains(&name.as_ref()), "{name} not listed");
                }
            }
        }
    }
}

fn avc_codec(path: &Path) -> String {
    let s = streams(path);
    let v = s.iter().find(|s| s["codec_type"] == "video").unwrap();
    let profile = match v["profile"].as_str().unwrap() {
        "High" => "6400",
        "Main" => "4d40",
        "Constrained Baseline" => "42c0",
        other => panic!("unexpected profile {other}"),
    };
    format!("avc1.{profile}{:02x}", v["level"].as_u64().unwrap())
}

#[test]
fn master_declares_measured_bandwidth_and_the_real_codecs() {
    for id in ["landscape", "no-audio", "tiny-240p"] {
        let hls = hls(id);
        let master = read_playlist(&hls.join("master.m3u8"));
        assert!(master.tag("EXT-X-INDEPENDENT-SEGMENTS").is_some());
        let infs = master.all("EXT-X-STREAM-INF");
        let mut last = 0;
        for (inf, (_, uri)) in infs.iter().zip(&master.entries) {
            let dir = hls.join(uri).parent().unwrap().to_owned();
            let segs = segments(&dir);
            let peak =
                segs.iter().map(|(d, s)| std::fs::metadata(s).unwrap().len() as f64 * 8.0 / d).fold(0.0, f64::max);
            let bw: f64 = attr(inf, "BANDWIDTH").unwrap().parse().unwrap();
            assert!(bw >= peak && bw <= peak * 1.01 + 10.0, "{id} {uri}: BANDWIDTH {bw}, measured peak {peak}");
            assert!(bw as u64 >= last, "variants sorted by bandwidth");
            last = bw as u64;
            let avg: f64 = attr(inf, "AVERAGE-BANDWIDTH").unwrap().parse().unwrap();
            assert!(avg <= bw && avg > 0.0);
            let codecs = attr(inf, "CODECS").unwrap();
            let first = &segs[0].1;
            let expected_video = avc_codec(first);
            if has_audio(first) {
                assert_eq!(codecs, format!("{expected_video},mp4a.40.2"), "{id} {uri}");
            } else {
                assert_eq!(codecs, expected_video, "{id} {uri}");
            }
            let (w, h) = video_size(first);
            assert_eq!(attr(inf, "RESOLUTION").unwrap(), format!("{w}x{h}"));
            assert!(attr(inf, "FRAME-RATE").is_some());
        }
        assert_eq!(master.all("EXT-X-I-FRAME-STREAM-INF").len(), infs.len(), "one I-frame playlist per rung");
    }
}

#[test]
fn iframe_playlists_point_at_the_keyframes() {
    let dir = hls("landscape").join("360p");
    let p = read_playlist(&dir.join("iframes.m3u8"));
    assert!(p.tag("EXT-X-I-FRAMES-ONLY").is_some());
    let ranges = p.all("EXT-X-BYTERANGE");
    assert_eq!(ranges.len(), 6, "12 s with an IDR every 2 s: {}", p.text);
    let seg0 = dir.join("seg_00000.ts");
    let keys: Vec<u64> = video_packets(&seg0).iter().filter(|p| p.key).map(|p| p.pos).collect();
    let offsets: Vec<u64> = ranges[..3].iter().map(|r| r.split('@').nth(1).unwrap().parse().unwrap()).collect();
    assert_eq!(offsets, keys);
}

#[test]
fn portrait_and_tiny_sources_are_packaged_at_their_own_orientation_and_size() {
    let d = variant_dirs(&hls("portrait-rotated"));
    assert_eq!(d.len(), 1);
    assert_eq!(video_size(&segments(&d[0])[0].1), (360, 640));
    let d = variant_dirs(&hls("tiny-240p"));
    assert_eq!(d[0].file_name().unwrap(), "240p");
    assert_eq!(video_size(&segments(&d[0])[0].1), (320, 240));
    assert!(!has_audio(&segments(&variant_dirs(&hls("no-audio"))[0])[0].1));
}

#[test]
fn ffmpeg_decodes_the_master_playlist_end_to_end() {
    let out = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(hls("landscape").join("master.m3u8"))
        .args(["-map", "0:v:0", "-map", "0:a:0", "-f", "null", "-"])
        .output()
        .unwrap();
    assert!(out.status.success() && out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn json_reports_each_asset_with_bandwidths() {
    let list = built().json.as_array().unwrap();
    assert_eq!(list.len(), 4);
    let land = list.iter().find(|a| a["id"] == "landscape").unwrap();
    assert_eq!(land["status"], "built");
    let variants = land["hls"]["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 2);
    assert!(variants[0]["bandwidth"].as_u64().unwrap() > 0);
    assert!(land["timings"]["encode"].as_f64().unwrap() > 0.0);
}

#[test]
fn validator_accepts_the_packages_playtube_writes() {
    for id in ["landscape", "portrait-rotated", "no-audio", "tiny-240p"] {
        let (mut cmd, _t) = common::playtube();
        cmd.arg("probe").arg(built().root.join(id)).assert().success();
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Copy the landscape package, break it with `edit`, and return the validator's stderr (exit 1).
fn violations_after(edit: impl FnOnce(&Path)) -> String {
    let dir = tempfile::tempdir().unwrap();
    let asset = dir.path().join("landscape");
    copy_tree(&built().root.join("landscape"), &asset);
    edit(&asset.join("hls"));
    let out = common::playtube_in(dir.path()).arg("probe").arg(&asset).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn rewrite(path: &Path, f: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, f(text)).unwrap();
}

#[test]
fn validator_catches_a_segment_missing_from_the_playlist_and_a_dropped_endlist() {
    let err = violations_after(|hls| {
        rewrite(&hls.join("480p/playlist.m3u8"), |t| {
            t.replace("#EXTINF:6.000000,\nseg_00001.ts\n", "").replace("#EXT-X-ENDLIST\n", "")
        })
    });
    assert!(err.contains("480p/playlist.m3u8: seg_00001.ts: [every-segment-listed]"), "{err}");
    assert!(err.contains("[endlist]"), "{err}");
    assert!(err.contains("[aligned-segments]"), "{err}");
}

#[test]
fn validator_catches_declared_rather_than_measured_bandwidth_and_wrong_codecs() {
    let err = violations_after(|hls| {
        rewrite(&hls.join("master.m3u8"), |t| {
            let t = t.replacen("BANDWIDTH=", "BANDWIDTH=9", 1);
            t.lines()
                .map(|l| {
                    if l.contains("STREAM-INF") && l.contains("RESOLUTION=854x480") {
                        l.replace("CODECS=\"avc1.", "CODECS=\"avc1.4d")
                    } else {
                        l.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n")
                + "\n"
        })
    });
    assert!(err.contains("[bandwidth-measured]"), "{err}");
    assert!(err.contains("480p/playlist.m3u8: [codecs]"), "{err}");
}

#[test]
fn validator_catches_a_segment_that_does_not_start_with_a_keyframe() {
    // Replace the second 360p segment by one cut mid-GOP from the same rung.
    let err = violations_after(|hls| {
        let seg = hls.join("360p/seg_00001.ts");
        let status = std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-i"])
            .arg(hls.join("360p/seg_00000.ts"))
            .args(["-c", "copy", "-bsf:v", "noise=drop=not(key)*0+key", "-f", "mpegts"])
            .arg(&seg)
            .status()
            .unwrap();
        assert!(status.success());
    });
    assert!(err.contains("seg_00001.ts: [keyframe-at-segment-start]"), "{err}");
}

#[test]
fn validator_catches_a_short_target_duration() {
    let err = violations_after(|hls| {
        rewrite(&hls.join("360p/playlist.m3u8"), |t| t.replace("TARGETDURATION:6", "TARGETDURATION:4"))
    });
    assert!(err.contains("[target-duration]"), "{err}");
}

#[test]
fn fmp4_packages_have_an_init_segment_and_validate() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("assets");
    common::playtube_in(dir.path())
        .args(["hls", "--segment-type", "fmp4", "--qualities", "360p"])
        .args(FAST)
        .arg(common::fixture("landscape.mp4"))
        .arg("-o")
        .arg(&root)
        .assert()
        .success();
    let rung = root.join("landscape/hls/360p");
    assert!(rung.join("init.mp4").is_file());
    let p = read_playlist(&rung.join("playlist.m3u8"));
    assert_eq!(p.tag("EXT-X-MAP"), Some("URI=\"init.mp4\""));
    assert!(p.entries.iter().all(|(_, u)| u.ends_with(".m4s")));
    assert!(p.tag("EXT-X-VERSION").unwrap().parse::<u32>().unwrap() >= 6);
    common::playtube_in(dir.path()).arg("probe").arg(root.join("landscape")).assert().success();
    let decode = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(root.join("landscape/hls/master.m3u8"))
        .args(["-f", "null", "-"])
        .status()
        .unwrap();
    assert!(decode.success());
}

#[test]
fn hls_segment_duration_from_the_environment_is_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("assets");
    common::playtube_in(dir.path())
        .env("HLS_SEGMENT_DURATION", "4")
        .args(["hls", "--qualities", "360p"])
        .args(FAST)
        .arg(common::fixture("landscape.mp4"))
        .arg("-o")
        .arg(&root)
        .assert()
        .success();
    let segs = segments(&root.join("landscape/hls/360p"));
    assert_eq!(segs.len(), 3);
    assert!(segs.iter().all(|(d, _)| (d - 4.0).abs() < 0.05), "{segs:?}");
}

#[test]
fn from_renditions_segments_existing_renditions_without_reencoding() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("assets");
    common::playtube_in(dir.path())
        .arg("renditions")
        .args(FAST)
        .arg(common::fixture("no-audio.mp4"))
        .arg("-o")
        .arg(&root)
        .assert()
        .success();
    let asset = root.join("no-audio");
    let rendition = asset.join("renditions/480p.mp4");
    let before = std::fs::metadata(&rendition).unwrap().len();
    common::playtube_in(dir.path())
        .args(["hls", "--from-renditions"])
        .arg(&asset)
        .arg("-o")
        .arg(&root)
        .assert()
        .success();
    // The renditions are kept, and the segments carry exactly the rendition's frames.
    assert_eq!(std::fs::metadata(&rendition).unwrap().len(), before);
    let from_mp4 = video_packets(&rendition).len();
    let rung = asset.join("hls/480p");
    let in_segments: usize = segments(&rung).iter().map(|(_, s)| video_packets(s).len()).sum();
    assert_eq!(from_mp4, in_segments);
    common::playtube_in(dir.path()).arg("probe").arg(&asset).assert().success();
}

#[test]
fn validator_rejects_a_master_playlist_in_ffmpeg_5_1_style() {
    // What `-master_pl_name` writes: declared BANDWIDTH, no AVERAGE-BANDWIDTH, FRAME-RATE, I-frame
    // streams or INDEPENDENT-SEGMENTS.
    let err = violations_after(|hls| {
        std::fs::write(
            hls.join("master.m3u8"),
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=985600,RESOLUTION=640x360,CODECS=\"avc1.64001e,mp4a.40.2\"\n360p/playlist.m3u8\n\n\
             #EXT-X-STREAM-INF:BANDWIDTH=1680800,RESOLUTION=854x480,CODECS=\"avc1.64001e,mp4a.40.2\"\n480p/playlist.m3u8\n",
        )
        .unwrap()
    });
    for rule in
        ["[independent-segments]", "lacks AVERAGE-BANDWIDTH", "lacks FRAME-RATE", "[iframe-stream]", "[bandwidth-"]
    {
        assert!(err.contains(rule), "{rule} not reported:\n{err}");
    }
}
