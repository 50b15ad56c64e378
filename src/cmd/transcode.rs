//! The batch engine shared by `renditions`, `hls` and `prepare`: expand the inputs, give each a stable
//! asset id, skip finished assets unless `--force`, run up to `--jobs` inputs at once, build each asset
//! in a staging folder beside its final place and rename it in when complete, show progress, and
//! print one result per asset. What is built for one asset lives in `build`; this file owns the
//! bookkeeping around it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::Context;
use serde::Serialize;

use super::build::{self, Kind};
use super::BatchOutcome;
use crate::cli::{SegmentArgs, TranscodeArgs};
use crate::config::pipeline::{self, PipelineFlags, PipelineSettings};
use crate::config::Settings;
use crate::exit::{Code, UsageError};
use crate::layout::{AssetId, Layout};
use crate::pipeline::tools::Tools;
use crate::ui::progress::Progress;

/// One asset's result (`--json` prints a list of these).
#[derive(Debug, Serialize)]
pub struct AssetResult {
    pub input: PathBuf,
    pub id: String,
    /// `built` or `skipped` (already finished; use --force to rebuild).
    pub status: &'static str,
    pub dir: PathBuf,
    /// Source duration in seconds.
    pub duration: Option<f64>,
    pub timings: build::Timings,
    pub outputs: Vec<OutputFile>,
    pub renditions: Vec<build::RenditionOut>,
    pub hls: Option<build::HlsOut>,
}

#[derive(Debug, Serialize)]
pub struct OutputFile {
    /// Path relative to the asset folder.
    pub path: String,
    pub bytes: u64,
}

/// Everything one worker needs.
pub struct BatchCtx<'a> {
    pub settings: &'a Settings,
    pub pipeline: PipelineSettings,
    pub tools: Tools,
    pub layout: Layout,
    pub kind: Kind,
    pub force: bool,
    pub progress: Progress,
}

/// Run one of the three commands over a batch.
pub fn run(
    settings: &Settings,
    args: &TranscodeArgs,
    segments: Option<&SegmentArgs>,
    kind: Kind,
) -> anyhow::Result<Code> {
    let flags = PipelineFlags {
        qualities: args.qualities.clone(),
        preset: args.preset.clone(),
        segment_duration: segments.and_then(|s| s.segment_duration),
        segment_type: segments.and_then(|s| s.segment_type),
        jobs: args.jobs,
    };
    let pipeline = pipeline::resolve(&settings.file.pipeline, &settings.env, &flags)?;
    let tools = Tools::locate(settings)?;
    let output = &settings.output;
    let mut outcome = BatchOutcome::default();

    // Inputs: files and folders, or asset folders for --from-renditions.
    let files: Vec<PathBuf> = if kind == Kind::HlsFromRenditions {
        args.inputs.clone()
    } else {
        let batch = crate::inputs::collect(&args.inputs);
        for e in &batch.errors {
            outcome.fail(output, e);
        }
        batch.files
    };
    if args.id.is_some() && files.len() != 1 {
        return Err(UsageError::new(format!("--id needs exactly one input file; {} were given", files.len())).into());
    }
    let mut jobs: Vec<(PathBuf, AssetId)> = Vec::new();
    for file in files {
        let id = match &args.id {
            Some(id) => AssetId::parse(id).map_err(|e| UsageError::new(format!("--id: {e}")))?,
            None => match AssetId::from_file_name(&file) {
                Ok(id) => id,
                Err(e) => {
                    outcome.fail(output, format_args!("{}: {e}; pass --id", file.display()));
                    continue;
                }
            },
        };
        if let Some((other, _)) = jobs.iter().find(|(_, i)| *i == id) {
            outcome.fail(
                output,
                format_args!(
                    "{}: asset id {id} is already used by {}; rename one or run it alone with --id",
                    file.display(),
                    other.display()
                ),
            );
            continue;
        }
        jobs.push((file, id));
    }

    let ctx = BatchCtx {
        settings,
        pipeline,
        tools,
        layout: Layout::new(&args.out),
        kind,
        force: args.force,
        progress: Progress::new(output),
    };
    let total = (jobs.len() > 1).then(|| ctx.progress.total(jobs.len() as u64));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, anyhow::Result<AssetResult>)>> = Mutex::new(Vec::new());
    let workers = ctx.pipeline.jobs.min(jobs.len()).max(1);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                if crate::pipeline::process::interrupted() {
                    break;
                }
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some((file, id)) = jobs.get(i) else { break };
                let result = process_one(&ctx, file, id);
                if let Err(err) = &result {
                    if crate::exit::code_for(err) != Code::Interrupted {
                        ctx.progress.suspend(|| output.error(format_args!("{}: {err:#}", file.display())));
                    }
                } else if let Ok(r) = &result {
                    if !output.json && !output.quiet {
                        let line = summary_line(r);
                        // A closed stdout is not an error worth stopping the encodes for.
                        let _ = ctx.progress.suspend(|| output.print(&format!("{line}\n")));
                    }
                }
                if let Some(t) = &total {
                    t.inc(1);
                }
                results.lock().expect("no panics while holding the lock").push((i, result));
            });
        }
    });
    if let Some(t) = total {
        t.finish_and_clear();
    }
    let mut results = results.into_inner().expect("workers finished");
    results.sort_by_key(|(i, _)| *i);
    let mut done = Vec::new();
    let mut interrupted = None;
    for (_, result) in results {
        match result {
            Ok(r) => {
                outcome.ok += 1;
                done.push(r);
            }
            Err(err) if crate::exit::code_for(&err) == Code::Interrupted => interrupted = Some(err),
            Err(_) => outcome.failed += 1,
        }
    }
    if output.json {
        output.print_json(&done)?;
    }
    if let Some(err) = interrupted {
        return Err(err);
    }
    if crate::pipeline::process::interrupted() {
        return Err(crate::exit::Interrupted.into());
    }
    Ok(outcome.code())
}

fn summary_line(r: &AssetResult) -> String {
    if r.status == "skipped" {
        return format!("skipped {}: {} is already built (--force rebuilds it)", r.input.display(), r.dir.display());
    }
    let total: u64 = r.outputs.iter().map(|o| o.bytes).sum();
    let rungs: Vec<String> = r.renditions.iter().map(|x| format!("{} {}x{}", x.quality, x.width, x.height)).collect();
    let rungs = if rungs.is_empty() {
        r.hls
            .as_ref()
            .map(|h| h.variants.iter().map(|v| format!("{} {}x{}", v.quality, v.width, v.height)).collect())
            .unwrap_or_default()
    } else {
        rungs
    };
    format!(
        "{} {} -> {} [{}] {} in {:.1} s",
        r.status,
        r.input.display(),
        r.dir.display(),
        rungs.join(", "),
        crate::ui::human_bytes(total),
        r.timings.total
    )
}

/// Build (or skip) one asset.
fn process_one(ctx: &BatchCtx<'_>, input: &Path, id: &AssetId) -> anyhow::Result<AssetResult> {
    let started = Instant::now();
    let final_dir = ctx.layout.asset(id);
    if !ctx.force && build::is_finished(ctx.kind, &final_dir) {
        return Ok(AssetResult {
            input: input.to_owned(),
            id: id.to_string(),
            status: "skipped",
            dir: final_dir.dir().to_owned(),
            duration: None,
            timings: build::Timings::default(),
            outputs: list_outputs(final_dir.dir())?,
            renditions: Vec::new(),
            hls: None,
        });
    }
    let staging = ctx
        .layout
        .staging(id)
        .with_context(|| format!("creating a staging folder in {}", ctx.layout.root().display()))?;
    build::seed(ctx.kind, &final_dir, staging.path())?;
    let name = input.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| id.to_string());
    let built = build::build(ctx, input, &final_dir, staging.path(), &name)?;
    let committed = Instant::now();
    staging
        .commit(final_dir.dir())
        .with_context(|| format!("moving the finished asset to {}", final_dir.dir().display()))?;
    let mut timings = built.timings;
    timings.commit = committed.elapsed().as_secs_f64();
    timings.total = started.elapsed().as_secs_f64();
    Ok(AssetResult {
        input: input.to_owned(),
        id: id.to_string(),
        status: "built",
        dir: final_dir.dir().to_owned(),
        duration: built.duration,
        timings,
        outputs: list_outputs(final_dir.dir())?,
        renditions: built.renditions,
        hls: built.hls,
    })
}

fn list_outputs(dir: &Path) -> anyhow::Result<Vec<OutputFile>> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
            out.push(OutputFile { path: rel.to_string_lossy().into_owned(), bytes: entry.metadata()?.len() });
        }
    }
    Ok(out)
}
