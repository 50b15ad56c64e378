//! `playtube probe PATH...`: expand the inputs, probe each file (and write its thumbnail when asked),
//! print a table per file or JSON. A bad file is one error line naming it and the cause; the batch
//! goes on and exits 1 at the end. The probing itself lives in `pipeline::probe`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cli::ProbeArgs;
use crate::cmd::BatchOutcome;
use crate::config::probe::ThumbnailSettings;
use crate::config::Settings;
use crate::exit::{Code, Interrupted, UsageError};
use crate::pipeline::probe::{self, AudioStream, MediaInfo, VideoStream};
use crate::pipeline::{process, thumbnail, tools::Tools};
use crate::ui::table;
use crate::units::{human_bytes, human_duration};

/// What is printed for one file: the probe result plus the thumbnail written, if any.
#[derive(Debug, Serialize)]
pub struct ProbeReport {
    #[serde(flatten)]
    pub info: MediaInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::inputs::lossy::option")]
    pub thumbnail: Option<PathBuf>,
}

/// Where thumbnails go, if anywhere.
enum Thumbnails {
    None,
    File(PathBuf),
    Dir { dir: PathBuf, used: HashSet<PathBuf> },
}

pub fn run(settings: &Settings, args: &ProbeArgs) -> anyhow::Result<Code> {
    // HLS packages (a .m3u8, an asset folder) are validated instead (see cmd::check).
    if args.paths.iter().any(|p| crate::cmd::check::is_package(p)) {
        return crate::cmd::check::run(settings, &args.paths);
    }
    let output = &settings.output;
    let several = args.paths.len() > 1 || args.paths.iter().any(|p| p.is_dir());
    let mut thumbs = match (&args.thumbnail, &args.thumbnail_dir) {
        (Some(_), _) if several => {
            return Err(UsageError::with_hint(
                "--thumbnail takes a single input file",
                "use --thumbnail-dir DIR to write one thumbnail per input",
            )
            .into())
        }
        (Some(file), _) => Thumbnails::File(file.clone()),
        (None, Some(dir)) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| UsageError::new(format!("--thumbnail-dir {}: cannot create it: {e}", dir.display())))?;
            Thumbnails::Dir { dir: dir.clone(), used: HashSet::new() }
        }
        (None, None) => Thumbnails::None,
    };
    let width = match thumbs {
        Thumbnails::None => 0,
        _ => ThumbnailSettings::resolve(settings)?.width,
    };
    let tools = crate::config::tools::locate(settings)?;
    process::install_interrupt_handler();

    let batch = crate::inputs::collect(&args.paths);
    let mut outcome = BatchOutcome::default();
    for err in &batch.errors {
        outcome.fail(output, err);
    }
    let mut reports = Vec::new();
    for path in &batch.files {
        if process::interrupted() {
            return Err(Interrupted.into());
        }
        let result = probe_one(output, &tools, path, &mut thumbs, args.at, width);
        // Ctrl-C while ffprobe/ffmpeg ran: the child was killed; stop the batch (exit 130).
        if let Err(err) = result {
            if crate::exit::code_for(&err) == Code::Interrupted {
                return Err(err.context(format!("{}: stopped", path.display())));
            }
            outcome.record::<()>(output, path, Err(err));
            continue;
        }
        if let Some(report) = outcome.record(output, path, result) {
            if output.json {
                reports.push(report);
            } else if !output.quiet {
                let gap = if outcome.ok > 1 { "\n" } else { "" };
                output.print(&format!("{gap}{}", render(&report)))?;
            }
        }
    }
    if output.json {
        if several {
            output.print_json(&reports)?;
        } else if let Some(report) = reports.first() {
            output.print_json(report)?;
        }
    }
    Ok(outcome.code())
}

fn probe_one(
    output: &crate::ui::Output,
    tools: &Tools,
    path: &Path,
    thumbs: &mut Thumbnails,
    at: thumbnail::At,
    width: u32,
) -> anyhow::Result<ProbeReport> {
    let info = probe::probe(tools, path)?;
    let thumbnail = match thumbs {
        Thumbnails::None => None,
        Thumbnails::File(out) => Some(out.clone()),
        // In a batch, audio-only files simply get no thumbnail (a warning, not a failure).
        Thumbnails::Dir { .. } if info.video.is_empty() => {
            output.warn(format_args!("{}: no video stream, so no thumbnail", path.display()));
            None
        }
        Thumbnails::Dir { dir, used } => Some(unique_name(dir, path, used)),
    };
    if let Some(out) = &thumbnail {
        thumbnail::write(tools, path, &info, at, width, out)?;
    }
    Ok(ProbeReport { info, thumbnail })
}

/// `DIR/<stem>.jpg`, or `DIR/<stem>-2.jpg`... when two inputs share a name.
fn unique_name(dir: &Path, input: &Path, used: &mut HashSet<PathBuf>) -> PathBuf {
    let stem = input.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "thumb".into());
    let mut candidate = dir.join(format!("{stem}.jpg"));
    let mut n = 2;
    while !used.insert(candidate.clone()) {
        candidate = dir.join(format!("{stem}-{n}.jpg"));
        n += 1;
    }
    candidate
}

/// The human table for one file.
pub fn render(report: &ProbeReport) -> String {
    let info = &report.info;
    let mut rows: Vec<(String, String)> = Vec::new();
    let container = match (info.fragmented, info.faststart) {
        (true, _) => format!("{} (fragmented: streamable as it is)", info.container),
        (false, Some(true)) => format!("{} (faststart)", info.container),
        (false, Some(false)) => {
            format!("{} (not faststart: moov after mdat; fix with playtube faststart)", info.container)
        }
        (false, None) => info.container.clone(),
    };
    rows.push(("container".into(), container));
    rows.push(("duration".into(), info.duration.map(human_duration).unwrap_or_else(|| "unknown".into())));
    rows.push(("size".into(), human_bytes(info.size)));
    rows.push(("bit rate".into(), kbps(info.bit_rate)));
    for v in &info.video {
        rows.push((format!("video #{}", v.index), video_line(v)));
    }
    for a in &info.audio {
        rows.push((format!("audio #{}", a.index), audio_line(a)));
    }
    if let Some(t) = &report.thumbnail {
        rows.push(("thumbnail".into(), t.display().to_string()));
    }
    let pairs: Vec<(&str, String)> = rows.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let body: String = table::pairs(&pairs).lines().map(|l| format!("  {l}\n")).collect();
    format!("{}\n{body}", console::style(info.path.display()).bold())
}

fn video_line(v: &VideoStream) -> String {
    let mut parts = vec![[Some(v.codec.clone()), v.profile.clone(), v.level.clone().map(|l| format!("level {l}"))]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")];
    let mut size = format!("{}x{}", v.width, v.height);
    if v.rotation != 0 {
        size.push_str(&format!(" rotated {}°", v.rotation));
    }
    if (v.display_width, v.display_height) != (v.width, v.height) {
        size.push_str(&format!(", shown {}x{}", v.display_width, v.display_height));
    }
    parts.push(size);
    if let (Some(fps), Some(rate)) = (v.fps, v.frame_rate) {
        let vfr = if v.variable_frame_rate { ", variable" } else { "" };
        parts.push(format!("{fps} fps ({rate}{vfr})"));
    }
    if let Some(pix) = &v.pix_fmt {
        parts.push(match v.bit_depth {
            Some(d) => format!("{pix} {d}-bit"),
            None => pix.clone(),
        });
    }
    let c = &v.color;
    let colour: Vec<&str> =
        [&c.space, &c.transfer, &c.primaries, &c.range].into_iter().flatten().map(String::as_str).collect();
    if !colour.is_empty() {
        parts.push(format!("colour {}", colour.join("/")));
    }
    parts.push(kbps(v.bit_rate));
    parts.join(", ")
}

fn audio_line(a: &AudioStream) -> String {
    let mut parts =
        vec![[Some(a.codec.clone()), a.profile.clone()].into_iter().flatten().collect::<Vec<_>>().join(" ")];
    parts.push(match &a.channel_layout {
        Some(layout) => format!("{layout} ({} ch)", a.channels),
        None => format!("{} ch", a.channels),
    });
    if let Some(rate) = a.sample_rate {
        parts.push(format!("{} Hz", rate));
    }
    parts.push(kbps(a.bit_rate));
    parts.join(", ")
}

fn kbps(bits: Option<u64>) -> String {
    match bits {
        Some(b) => format!("{} kb/s", (b + 500) / 1000),
        None => "unknown bit rate".into(),
    }
}
