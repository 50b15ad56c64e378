//! Captions, audio languages and scrub previews in a real browser: headless chromium driven by
//! chromedriver (the harness of `tests/browser.rs`) against `playtube serve` (the binary) serving an
//! asset that `playtube prepare` made from `fixtures/langs.mp4` (two audio languages, two mov_text
//! subtitle streams, and the `langs.fr.srt` / `langs.de.vtt` sidecars beside it). It checks that a
//! caption cue is drawn over the video at the cue's time in two languages, that switching the audio
//! language switches hls.js's `audioTrack` and fetches the other language's segments, that the preview
//! over the seek bar shows the frame of the hovered time (its pixels compared with a frame ffmpeg
//! extracts from the source, and with a wrong one), and that no request failed (page record, Resource
//! Timing, chromium's network log, the server's access log), and that the progressive fallback draws
//! captions from `<track>` elements. Fails with an install hint when chromium
//! or chromedriver is missing.

mod common;
#[path = "browser/scenario.rs"]
#[allow(dead_code)]
mod scenario;
#[path = "browser/served.rs"]
mod served;
#[path = "browser/webdriver.rs"]
mod webdriver;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::{json, Value};

const ID: &str = "langs";
const WAIT: Duration = Duration::from_secs(20);

/// `playtube prepare fixtures/langs.mp4 --id langs --segment-duration 2` into a fresh root.
fn prepare() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let out = common::playtube_in(cwd.path())
        .arg("prepare")
        .arg(common::fixture("langs.mp4"))
        .arg("-o")
        .arg(root.path())
        .args(["--id", ID, "--segment-duration", "2", "--quiet"])
        .output()
        .expect("run playtube prepare");
    assert!(out.status.success(), "playtube prepare failed: {}", String::from_utf8_lossy(&out.stderr));
    for file in [
        "hls/master.m3u8",
        "hls/audio-en/playlist.m3u8",
        "hls/audio-es/playlist.m3u8",
        "hls/subs-en/playlist.m3u8",
        "hls/subs-es/all.vtt",
        "hls/subs-fr/seg_00000.vtt",
        "hls/subs-de/playlist.m3u8",
        "hls/storyboard/storyboard.vtt",
        "hls/storyboard/sheet_001.jpg",
    ] {
        assert!(root.path().join(ID).join(file).is_file(), "prepare did not write {file}");
    }
    root
}

/// One frame as 8-bit grey pixels at 160x90, decoded by ffmpeg: from the source at `at` seconds, or
/// from a PNG (the element screenshot, its 2 px border cropped off).
fn grey_frame(input: &Path, at: Option<f64>) -> Vec<u8> {
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-hide_banner", "-loglevel", "error", "-nostdin"]);
    if let Some(t) = at {
        cmd.args(["-ss", &format!("{t:.3}")]);
    }
    cmd.arg("-i").arg(input);
    let filter = if at.is_some() { "scale=160:90" } else { "crop=iw-4:ih-4:2:2,scale=160:90" };
    cmd.args(["-frames:v", "1", "-vf", filter, "-f", "rawvideo", "-pix_fmt", "gray", "-"]);
    let out = cmd.output().expect("run ffmpeg (apt-get install ffmpeg)");
    assert!(out.status.success(), "ffmpeg: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout.len(), 160 * 90, "one 160x90 grey frame");
    out.stdout
}

fn mean_abs_diff(a: &[u8], b: &[u8]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (*x as f64 - *y as f64).abs()).sum::<f64>() / a.len() as f64
}

/// Seek (paused) to `t` and return the caption drawn over the video once the page has settled: its
/// text, or "" when none is shown. "Drawn" means #caption is not hidden, has a box, and that box lies
/// inside the video's box.
fn caption_at(session: &webdriver::Session<'_>, t: f64, expect: &str) -> Result<String, String> {
    session.js("player.video.pause(); player.video.currentTime = arguments[0]; return true", &[json!(t)])?;
    let script = format!(
        "const c = document.getElementById('caption'), v = player.video; \
         if (v.seeking || Math.abs(v.currentTime - {t}) > 0.05) return null; \
         const shown = !c.hidden && getComputedStyle(c).display !== 'none'; \
         const r = c.getBoundingClientRect(), vr = v.getBoundingClientRect(); \
         const inside = r.width > 0 && r.height > 0 && r.left >= vr.left && r.right <= vr.right && r.top >= vr.top && r.bottom <= vr.bottom; \
         const text = shown && inside ? c.textContent : ''; \
         return text === {expect:?} ? {{ text: text }} : null"
    );
    let v = session.wait_for(&format!("caption {expect:?} at {t} s"), WAIT, &script)?;
    Ok(v["text"].as_str().unwrap_or_default().to_owned())
}

#[test]
fn captions_audio_languages_and_scrub_previews_work_in_chromium() {
    let root = prepare();
    let server = served::Served::start(root.path(), &[], &[]);
    let url = server.url();
    let chromium = common::required_tool("chromium", "chromium chromium-driver");
    let chromedriver = common::required_tool("chromedriver", "chromium chromium-driver");
    let driver = webdriver::Driver::start(&chromedriver, &chromium).expect("start chromedriver");
    let profile = tempfile::tempdir().unwrap();
    let session = driver.session(profile.path()).expect("start chromium");
    session.goto("about:blank").unwrap();
    session.network_events().unwrap();
    session.goto(&format!("{url}/watch/{ID}")).unwrap();

    // The menus: two audio languages, four subtitle languages (two from the source, two sidecars).
    let tracks = session
        .wait_for(
            "hls.js to list the audio and subtitle renditions",
            WAIT,
            "return window.player && player.getAudioTracks().length === 2 && player.getCaptions().length === 5 \
             && { audio: player.getAudioTracks(), captions: player.getCaptions(), \
                  menu: !document.getElementById('audio-label').hidden }",
        )
        .unwrap_or_else(|e| panic!("{e}"));
    println!("audio tracks: {}", tracks["audio"]);
    println!("captions: {}", tracks["captions"]);
    let names = |v: &Value| -> Vec<String> {
        v.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(names(&tracks["audio"]), ["en", "es"]);
    let mut captions = names(&tracks["captions"]);
    captions.sort();
    assert_eq!(captions, ["de", "en", "es", "fr", "off"]);
    assert_eq!(tracks["menu"], true, "the audio menu is shown for two languages");

    // 1. Captions: each cue on screen within its time, nothing between cues, in two languages.
    for (lang, one, two) in [("en", "English one", "English two"), ("es", "Español uno", "Español dos")] {
        session.js("return player.setCaption(arguments[0])", &[json!(lang)]).unwrap();
        for (t, expect) in [(0.6, ""), (1.3, one), (2.2, one), (3.0, ""), (3.8, two), (5.2, "")] {
            let text = caption_at(&session, t, expect).unwrap_or_else(|e| panic!("[{lang}] {e}"));
            println!("[captions {lang}] at {t:.1} s: {text:?}");
        }
    }
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("watch-page-caption.png");
    caption_at(&session, 1.5, "Español uno").unwrap();
    session.screenshot(&shot).unwrap();
    println!("screenshot with a caption: {}", shot.display());
    session.js("return player.setCaption('off')", &[]).unwrap();
    caption_at(&session, 1.5, "").unwrap();

    // 2. Audio: play in English, switch to Spanish; hls.js's audioTrack follows and the next audio
    //    segments come from audio-es/.
    session.js("player.video.currentTime = 0; return player.video.play().then(() => true)", &[]).unwrap();
    session
        .wait_for(
            "an English audio segment",
            WAIT,
            "return player.events.some(e => e.type === 'frag' && e.kind === 'audio' && e.url.includes('/audio-en/'))",
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let before = session.js("return player.events.length", &[]).unwrap().as_u64().unwrap();
    session.js("return player.setAudioTrack('es')", &[]).unwrap();
    let switched = session
        .wait_for(
            "the Spanish audio track and its segments",
            WAIT,
            &format!(
                "const ev = player.events.slice({before}); \
                 const frags = ev.filter(e => e.type === 'frag' && e.kind === 'audio').map(e => e.url); \
                 return player.hls.audioTrack === 1 && ev.some(e => e.type === 'audio-switched' && e.track === 'es') \
                   && frags.some(u => u.includes('/audio-es/')) && {{ frags: frags, active: player.getAudioTracks() }}"
            ),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    println!("after setAudioTrack('es'): audio segments {} ; tracks {}", switched["frags"], switched["active"]);
    let frags: Vec<&str> = switched["frags"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(
        frags.iter().all(|u| !u.contains("/audio-en/")) || frags.last().unwrap().contains("/audio-es/"),
        "{frags:?}"
    );
    assert_eq!(switched["active"][1]["active"], true);
    session.js("player.video.pause(); return true", &[]).unwrap();

    // 3. The scrub preview: hover over the seek bar at 3.5 s; the tile (1 s interval) shows the frame
    //    on screen at 3.0 s.
    let width = session.js("return document.getElementById('scrub').getBoundingClientRect().width", &[]).unwrap();
    let duration = session.js("return player.video.duration", &[]).unwrap().as_f64().unwrap();
    let hovered = 3.5;
    session.hover("#scrub", width.as_f64().unwrap() * hovered / duration).unwrap();
    let preview = session
        .wait_for(
            "the preview image over the seek bar",
            WAIT,
            "const p = document.getElementById('preview'), i = document.getElementById('preview-image'); \
             const url = i.style.backgroundImage.replace(/^url\\(\"?|\"?\\)$/g, ''); \
             const loaded = url && performance.getEntriesByType('resource').some(e => e.name === url && e.responseEnd > 0); \
             return !p.hidden && !i.hidden && loaded && { time: +p.dataset.time, position: i.style.backgroundPosition, url: url }",
        )
        .unwrap_or_else(|e| panic!("{e}"));
    println!("preview over the seek bar: {preview}");
    assert!((preview["time"].as_f64().unwrap() - hovered).abs() < 0.1, "{preview}");
    std::thread::sleep(Duration::from_millis(300)); // let the decoded sheet paint
    let png = session.element_screenshot("#preview-image").unwrap();
    let png_path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("watch-page-preview.png");
    std::fs::write(&png_path, &png).unwrap();
    let shown = grey_frame(&png_path, None);
    let source = common::fixture("langs.mp4");
    let right = mean_abs_diff(&shown, &grey_frame(&source, Some(3.0)));
    let wrong = mean_abs_diff(&shown, &grey_frame(&source, Some(5.0)));
    println!(
        "preview vs source frame at 3.0 s: mean |diff| {right:.2}; vs the frame at 5.0 s: {wrong:.2} ({})",
        png_path.display()
    );
    assert!(
        right < 12.0 && right * 2.0 < wrong,
        "the preview does not show the frame at 3.0 s ({right:.2} vs {wrong:.2})"
    );

    // 4. Nothing failed, by the page's record, Resource Timing, chromium's log and the server's log.
    let mut m = scenario::Measured { label: "media".into(), ..Default::default() };
    scenario::collect_failures(&session, &mut m, std::slice::from_ref(&url), &[]).unwrap();
    println!("{} requests, {} aborted by the player, {} failed {:?}", m.requests, m.aborted, m.failed.len(), m.failed);
    assert!(m.failed.is_empty(), "failed requests: {:?}", m.failed);
    let log = server.take_access_log();
    let failed: Vec<_> = log.iter().filter(|(_, status)| *status >= 400).collect();
    println!("server access log: {} requests, {} answered >= 400", log.len(), failed.len());
    assert!(failed.is_empty(), "{failed:?}");
    assert!(log.iter().any(|(p, _)| p.contains("/subs-es/")) && log.iter().any(|(p, _)| p.contains("/storyboard/")));

    // 5. The progressive fallback (an asset with stream.mp4 and the whole-file WebVTT, no HLS master):
    //    the captions come from <track> elements and are drawn the same way.
    let prog = root.path().join("prog");
    for rel in ["stream.mp4", "hls/subs-en/all.vtt", "hls/subs-es/all.vtt"] {
        std::fs::create_dir_all(prog.join(rel).parent().unwrap()).unwrap();
        std::fs::copy(root.path().join(ID).join(rel), prog.join(rel)).unwrap();
    }
    session.goto(&format!("{url}/watch/prog")).unwrap();
    let tracks = session
        .wait_for(
            "the progressive player with its <track> captions",
            WAIT,
            "return window.player && player.mode === 'progressive' && player.getCaptions().length === 3 \
             && document.querySelectorAll('video track').length",
        )
        .unwrap_or_else(|e| panic!("{e}"));
    println!("[progressive] <track> elements: {tracks}");
    session.js("return player.setCaption('es')", &[]).unwrap();
    for (t, expect) in [(0.6, ""), (1.3, "Español uno"), (3.8, "Español dos")] {
        let text = caption_at(&session, t, expect).unwrap_or_else(|e| panic!("[progressive] {e}"));
        println!("[progressive captions es] at {t:.1} s: {text:?}");
    }
    let mut m = scenario::Measured { label: "progressive".into(), ..Default::default() };
    scenario::collect_failures(&session, &mut m, std::slice::from_ref(&url), &[]).unwrap();
    println!("[progressive] {} requests, {} failed {:?}", m.requests, m.failed.len(), m.failed);
    assert!(m.failed.is_empty(), "failed requests: {:?}", m.failed);
}
