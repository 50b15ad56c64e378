//! The batch engine shared by `renditions`, `hls` and `prepare`: expand the inputs, give each a stable
//! asset id, skip finished assets unless `--force`, run up to `--jobs` inputs at once, build each asset
//! in a staging folder beside its final place (`pipeline::asset`) and commit it when complete, show
//! progress, and print one result per asset. What is built is the [`AssetPlan`] the command resolved
//! before any work started; this file owns only the bookkeeping around it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::Context;
use indicatif::ProgressBar;
use serde::Serialize;

use super::target::Target;
use super::BatchOutcome;
use crate::cli::{SegmentArgs, TranscodeArgs};
use crate::config::pipeline::PipelineFlags;
use crate::config::Settings;
use crate::exit::{Code, UsageError};
use crate::layout::{AssetId, Layout};
use crate::pipeline::asset::{
    self, AssetPlan, BuildEvent, HlsOut, Products, RenditionOut, Source, StreamCopy, Timings,
};
use crate::pipeline::tools::Tools;
use crate::storage::Location;
use crate::ui::progress::Bars;
use crate::ui::Output;

/// What the inputs of a batch are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inputs {
    /// Media files and folders (walked for media files).
    Media,
    /// Asset folders (or their source files) whose `renditions/` are segmented (`hls --from-renditions`).
    AssetRenditions,
}

/// Whether an asset was built now or skipped as already finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Built,
    /// Already finished; `--force` rebuilds it.
    Skipped,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Built => "built",
            Status::Skipped => "skipped",
        }
    }
}

/// One asset's result (`--json` prints a list of these).
#[derive(Debug, Serialize)]
pub struct AssetResult {
    pub input: PathBuf,
    pub id: String,
    pub status: Status,
    pub dir: PathBuf,
    /// Source duration in seconds.
    pub duration: Option<f64>,
    pub timings: Timings,
    pub outputs: Vec<OutputFile>,
    pub renditions: Vec<RenditionOut>,
    pub hls: Option<HlsOut>,
    /// Audio languages, captions and the storyboard of the HLS package (as in meta.json).
    pub media: crate::pipeline::media_package::MediaListing,
}

#[derive(Debug, Serialize)]
pub struct OutputFile {
    /// Path relative to the asset folder.
    pub path: String,
    pub bytes: u64,
}

/// `-o`: a local root, or an object-store URL opened with the `[storage]` settings.
fn target(settings: &Settings, out: &Path, plan: &AssetPlan, inputs: Inputs, force: bool) -> anyhow::Result<Target> {
    let out_str = out.to_string_lossy();
    if inputs == Inputs::AssetRenditions && matches!(Location::parse(&out_str), Ok(Location::S3(_))) {
        return Err(UsageError::with_hint(
            "--from-renditions reads renditions from a local assets root",
            "build with -o DIR, then `playtube publish DIR s3://...`",
        )
        .into());
    }
    match Location::parse(&out_str) {
        // A local path that is not UTF-8 stays a path.
        Ok(Location::Local(_)) => Ok(Target::Local(Layout::new(out))),
        _ => Target::open(settings, &out_str, plan, force),
    }
}

/// Everything one worker needs, resolved before the first input is touched.
struct BatchCtx<'a> {
    output: &'a Output,
    plan: AssetPlan,
    tools: Tools,
    target: Target,
    inputs: Inputs,
    force: bool,
    bars: Bars,
}

/// Run one of the three commands over a batch.
pub fn run(
    settings: &Settings,
    args: &TranscodeArgs,
    segments: Option<&SegmentArgs>,
    products: Products,
    inputs: Inputs,
) -> anyhow::Result<Code> {
    let flags = PipelineFlags {
        qualities: args.qualities.clone(),
        preset: args.preset.clone(),
        segment_duration: segments.and_then(|s| s.segment_duration),
        segment_type: segments.and_then(|s| s.segment_type),
        jobs: args.jobs,
        audio_languages: segments.and_then(|s| s.audio_languages.clone()),
        subtitles: segments.map(|s| s.subtitles.clone()).unwrap_or_default(),
        no_sidecars: segments.is_some_and(|s| s.no_sidecar_subtitles),
        no_storyboard: segments.is_some_and(|s| s.no_storyboard),
        storyboard_interval: segments.and_then(|s| s.storyboard_interval),
    };
    // Every setting is resolved (and a bad one reported, exit 2) before any input is touched.
    let (plan, jobs_setting) =
        crate::config::pipeline::asset_plan(settings, &flags, products, StreamCopy::WhenWebPlayable)?;
    let tools = crate::config::tools::locate(settings)?;
    // The batch already decided to build (not finished, or --force): publishing replaces.
    let target = target(settings, &args.out, &plan, inputs, true)?;
    let output = &settings.output;
    let mut outcome = BatchOutcome::default();

    // Remote inputs (s3://, http(s)://) are fetched here first; the folder goes when the batch ends.
    let downloads =
        tempfile::Builder::new().prefix("playtube-inputs-").tempdir().context("creating a download folder")?;
    let jobs = collect_jobs(settings, downloads.path(), args, inputs, output, &mut outcome)?;

    let ctx = BatchCtx { output, plan, tools, target, inputs, force: args.force, bars: Bars::new(output) };
    // Staging folders of runs that were killed (SIGKILL, power loss) are removed now; a run still
    // filling its own keeps it (each is locked by its live owner).
    ctx.target.reap_stale_staging(output);
    let mut results = run_pool(&ctx, &jobs, jobs_setting);
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

/// The batch's (input, asset id) pairs: files and folders expanded (or asset folders taken as they
/// are for `--from-renditions`), each with a stable id. Bad inputs are reported into `outcome`.
fn collect_jobs(
    settings: &Settings,
    downloads: &Path,
    args: &TranscodeArgs,
    inputs: Inputs,
    output: &Output,
    outcome: &mut BatchOutcome,
) -> anyhow::Result<Vec<(PathBuf, AssetId)>> {
    let files: Vec<PathBuf> = if inputs == Inputs::AssetRenditions {
        args.inputs.clone()
    } else {
        let local = fetch_remote_inputs(settings, &args.inputs, downloads, output, outcome)?;
        let batch = crate::inputs::collect(&local);
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

    Ok(jobs)
}

/// The inputs with every `s3://` or `http(s)://` one replaced by a local copy in `downloads` (named
/// as in the URL, so the asset id is the same as for a local file). A failed fetch is reported,
/// naming the URL, and the input dropped; local paths pass through.
fn fetch_remote_inputs(
    settings: &Settings,
    raw: &[PathBuf],
    downloads: &Path,
    output: &Output,
    outcome: &mut BatchOutcome,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut local = Vec::new();
    let mut options = None;
    for (i, input) in raw.iter().enumerate() {
        let location = match Location::parse(&input.to_string_lossy()) {
            Ok(Location::Local(path)) => {
                local.push(path);
                continue;
            }
            Ok(remote) => remote,
            Err(e) => {
                outcome.fail(output, e);
                continue;
            }
        };
        let options = match &options {
            Some(o) => o,
            None => options.insert(crate::config::storage::resolve(settings, None)?),
        };
        match super::target::fetch_input(options, &location, &downloads.join(i.to_string()), &Bars::new(output)) {
            Ok(path) => local.push(path),
            Err(e) => outcome.fail(output, e),
        }
    }
    Ok(local)
}

/// Build the jobs on up to `jobs_setting` threads, printing each result as it ends; results come
/// back in input order.
fn run_pool(
    ctx: &BatchCtx<'_>,
    jobs: &[(PathBuf, AssetId)],
    jobs_setting: usize,
) -> Vec<(usize, anyhow::Result<AssetResult>)> {
    let output = ctx.output;
    let total = (jobs.len() > 1).then(|| ctx.bars.total(jobs.len() as u64));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, anyhow::Result<AssetResult>)>> = Mutex::new(Vec::new());
    let workers = jobs_setting.min(jobs.len()).max(1);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                if crate::pipeline::process::interrupted() {
                    break;
                }
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some((file, id)) = jobs.get(i) else { break };
                let result = process_one(ctx, file, id);
                if let Err(err) = &result {
                    if crate::exit::code_for(err) != Code::Interrupted {
                        ctx.bars.suspend(|| output.error(format_args!("{}: {err:#}", file.display())));
                    }
                } else if let Ok(r) = &result {
                    if !output.json && !output.quiet {
                        let line = summary_line(r);
                        // A closed stdout is not an error worth stopping the encodes for.
                        let _ = ctx.bars.suspend(|| output.print(&format!("{line}\n")));
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
    results.into_inner().expect("workers finished")
}

fn summary_line(r: &AssetResult) -> String {
    if r.status == Status::Skipped {
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
        r.status.as_str(),
        r.input.display(),
        r.dir.display(),
        rungs.join(", "),
        crate::units::human_bytes(total),
        r.timings.total
    )
}

/// Build (or skip) one asset.
fn process_one(ctx: &BatchCtx<'_>, input: &Path, id: &AssetId) -> anyhow::Result<AssetResult> {
    let started = Instant::now();
    let (layout, remote) = (ctx.target.build_layout(), ctx.target.remote());
    let final_dir = layout.asset(id);
    let shown_dir = ctx.target.shown_dir(id);
    let result = |status, built: asset::BuiltAsset, outputs: Vec<(String, u64)>| AssetResult {
        input: input.to_owned(),
        id: id.to_string(),
        status,
        dir: shown_dir.clone(),
        duration: built.duration,
        timings: built.timings,
        outputs: outputs.into_iter().map(|(path, bytes)| OutputFile { path, bytes }).collect(),
        renditions: built.renditions,
        hls: built.hls,
        media: built.media,
    };
    let nothing = asset::BuiltAsset::nothing;
    if !ctx.force {
        match remote {
            None if asset::is_finished(&ctx.plan, &final_dir) => {
                return Ok(result(Status::Skipped, nothing(), asset::list_files(final_dir.dir())?));
            }
            // One GET of the pointer; its entry list says which products the asset has.
            Some(r) if r.finished(&ctx.plan, id)?.is_some() => {
                return Ok(result(Status::Skipped, nothing(), Vec::new()));
            }
            _ => {}
        }
    }
    let staging =
        layout.staging(id).with_context(|| format!("creating a staging folder in {}", layout.root().display()))?;
    if remote.is_none() {
        asset::seed(&ctx.plan, &final_dir, staging.path())?;
    }
    let name = input.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| id.to_string());
    let source = match ctx.inputs {
        Inputs::Media => Source::Media(input),
        Inputs::AssetRenditions => Source::Renditions(final_dir.dir()),
    };
    let mut bar: Option<ProgressBar> = None;
    let mut on_event = |event: BuildEvent<'_>| match event {
        BuildEvent::EncodeStarted { command, duration_ms } => {
            ctx.output.debug(2, command);
            bar = Some(ctx.bars.file(&name, duration_ms));
        }
        BuildEvent::EncodeProgress(p) => {
            if let Some(bar) = &bar {
                ctx.bars.update_file(bar, p.out_time.as_millis() as u64, p.speed);
            }
        }
        BuildEvent::EncodeEnded => {
            if let Some(bar) = bar.take() {
                bar.finish_and_clear();
            }
        }
    };
    let mut built = asset::build(&ctx.plan, source, &ctx.tools, staging.path(), &mut on_event)?;
    let committed = Instant::now();
    let outputs = match remote {
        None => {
            asset::commit(staging, &final_dir)?;
            asset::list_files(final_dir.dir())?
        }
        Some(r) => {
            let outputs = asset::list_files(staging.path())?;
            r.publish(id, staging.path(), &ctx.bars, ctx.output, &name)?;
            outputs
        }
    };
    built.timings.commit = committed.elapsed().as_secs_f64();
    built.timings.total = started.elapsed().as_secs_f64();
    for line in &built.skipped {
        ctx.bars.suspend(|| ctx.output.warn(format_args!("{}: {line}", input.display())));
    }
    if !built.problems.is_empty() {
        // The asset is published without those tracks; the batch still exits 1.
        for p in &built.problems {
            ctx.bars.suspend(|| ctx.output.error(format_args!("{}: {p}", input.display())));
        }
        anyhow::bail!(
            "built {} without {} subtitle track(s) that could not be used",
            shown_dir.display(),
            built.problems.len()
        );
    }
    Ok(result(Status::Built, built, outputs))
}
