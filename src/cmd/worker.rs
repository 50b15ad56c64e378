//! `playtube worker`: claim jobs from the Redis queue and build each one's asset with the same per-asset
//! build as `prepare` (`pipeline::asset`: plan, staging folder, commit), `--jobs` at a time; an `s3://`
//! root is built in local staging and published through storage's commit point, and `s3://`/`https://`
//! sources are fetched first (both through `cmd::target`, as `prepare` does). A lease
//! renews each claim while it builds and publishes progress; success is acknowledged with the asset's
//! paths and figures, a failure recorded with its error (retried, then dead-lettered by the queue).
//! An asset that is already finished is not built again (for `s3://`, one GET of its pointer), and a
//! run that was taken over does not publish, so a job that runs twice never mixes two builds. SIGTERM
//! stops claiming, lets the jobs in hand finish within the grace period, then stops ffmpeg and hands
//! them back; the worker exits 0.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde_json::json;

use super::target::Target;
use crate::cli::WorkerArgs;
use crate::config::pipeline::PipelineFlags;
use crate::config::queue::{QueueFlags, QueueSettings};
use crate::config::Settings;
use crate::exit::{Code, UsageError};
use crate::layout::{AssetId, SegmentType};
use crate::pipeline::asset::{self, AssetPlan, BuildEvent, Products, Source, StreamCopy};
use crate::pipeline::tools::Tools;
use crate::queue::{Claim, Event, EventKind, Failed, Finished, Job, JobState, Lease, Next, Queue, QueueError, Start};
use crate::storage::{Location, PublishOutcome};
use crate::ui::progress::Bars;

/// How often a job's progress is published at most.
const PROGRESS_EVERY: Duration = Duration::from_secs(2);
/// Most jobs one worker process runs at once.
const MAX_JOBS: usize = 64;

/// A queue that cannot be used at all at start is an environment error (exit 2) with a hint.
pub fn environment_error(err: QueueError) -> anyhow::Error {
    if err.is_environment() {
        UsageError::with_hint(
            err.to_string(),
            "check the URL and that redis-server is running (apt-get install redis-server)",
        )
        .into()
    } else {
        err.into()
    }
}

struct Ctx<'a> {
    settings: &'a Settings,
    q: QueueSettings,
    tools: Tools,
    stop: Arc<AtomicBool>,
}

pub fn run(settings: &Settings, args: &WorkerArgs) -> anyhow::Result<Code> {
    let q = crate::config::queue::resolve(
        settings,
        &QueueFlags {
            url: args.queue.url.clone(),
            name: args.queue.name.clone(),
            visibility_timeout: args.visibility_timeout,
            max_attempts: args.max_attempts,
            grace_period: args.grace,
            webhook: args.webhook.clone(),
        },
    )?;
    let jobs = args.jobs.unwrap_or(1);
    if jobs == 0 || jobs > MAX_JOBS {
        return Err(UsageError::new(format!("--jobs must be between 1 and {MAX_JOBS}")).into());
    }
    let tools = crate::config::tools::locate(settings)?;
    // The worker's own [pipeline] settings are the base of every job's plan: a bad one is exit 2 now.
    crate::config::pipeline::asset_plan(
        settings,
        &PipelineFlags::default(),
        Products::ALL,
        StreamCopy::WhenWebPlayable,
    )?;
    let mut queue = Queue::connect(&q.queue).map_err(environment_error)?;
    // Workers that stopped or died an hour ago and hold nothing are forgotten, so `jobs` counts live ones.
    if let Err(e) = queue.prune_workers(Duration::from_secs(3600)) {
        settings.output.warn(e);
    }

    let stop = Arc::new(AtomicBool::new(false));
    install_signals(stop.clone(), q.grace);
    let host = hostname();
    let pid = std::process::id();
    settings.output.info(format!(
        "worker {host}-{pid}: {jobs} job(s) at a time from {} (queue {:?})",
        crate::queue::redact(&q.queue.url),
        q.queue.name
    ));
    let ctx = Ctx { settings, q, tools, stop };
    std::thread::scope(|scope| {
        for i in 0..jobs {
            let (ctx, consumer) = (&ctx, format!("{host}-{pid}-{i}"));
            scope.spawn(move || claim_loop(ctx, &consumer));
        }
    });
    settings.output.info(format!("worker {host}-{pid}: stopped"));
    Ok(Code::Success)
}

/// SIGTERM / Ctrl-C: stop claiming now, stop ffmpeg after the grace period (or at a second signal).
/// Installed before the pipeline's own handler, which then stays out of the way.
fn install_signals(stop: Arc<AtomicBool>, grace: Duration) {
    let _ = ctrlc::set_handler(move || {
        if stop.swap(true, Ordering::SeqCst) {
            crate::pipeline::process::interrupt();
            return;
        }
        std::thread::spawn(move || {
            std::thread::sleep(grace);
            crate::pipeline::process::interrupt();
        });
    });
}

fn hostname() -> String {
    let raw = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "worker".into());
    let name: String =
        raw.trim().chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' }).collect();
    if name.is_empty() {
        "worker".into()
    } else {
        name
    }
}

fn claim_loop(ctx: &Ctx<'_>, consumer: &str) {
    let out = &ctx.settings.output;
    let mut queue = loop {
        match Queue::connect(&ctx.q.queue) {
            Ok(q) => break q,
            Err(e) => {
                out.error(format_args!("{consumer}: {e}"));
                if ctx.stop.load(Ordering::SeqCst) {
                    return;
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    };
    while !ctx.stop.load(Ordering::SeqCst) {
        match queue.next(consumer, Duration::from_secs(1)) {
            Ok(Next::Job(claim)) => handle(ctx, &mut queue, consumer, &claim),
            Ok(Next::Rejected(r)) => out.error(format_args!("{consumer}: dead-lettered: {}", r.error)),
            Ok(Next::Nothing) => {}
            Err(e) => {
                // Redis stayed away for the whole reconnect window; keep trying while running.
                out.error(format_args!("{consumer}: {e}"));
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    }
}

fn handle(ctx: &Ctx<'_>, queue: &mut Queue, consumer: &str, claim: &Claim) {
    let out = &ctx.settings.output;
    let id = &claim.job.id;
    let attempt = match queue.start(claim, consumer) {
        Ok(Start::Run { attempt }) => attempt,
        // The job was finished, or taken over, while this worker was away (stopped and continued in
        // the middle of starting it, say): say so, as when a finish finds the same.
        Ok(Start::Skip(Some(JobState::Done))) => {
            out.info(format_args!("{consumer}: {id} was already done"));
            return;
        }
        Ok(Start::Skip(state)) => {
            out.debug(
                1,
                format_args!("{consumer}: skipped {id}: {}", state.map(|s| s.as_str()).unwrap_or("duplicate")),
            );
            return;
        }
        Ok(Start::DeadLettered { error, attempts }) => {
            out.error(format_args!("{consumer}: {id} dead-lettered: {error}"));
            let ev = Event::new(&claim.job, EventKind::Failed { error, dead_lettered: true }, now());
            notify(ctx, &ev.by(consumer, attempts));
            return;
        }
        Ok(Start::Lost) => {
            out.info(format_args!("{consumer}: {id} was taken over; the other worker reports it"));
            return;
        }
        Err(e) => {
            out.error(format_args!("{consumer}: starting {id}: {e}"));
            return;
        }
    };
    if ctx.stop.load(Ordering::SeqCst) {
        if let Err(e) = queue.release(claim, consumer, attempt, "the worker is stopping") {
            out.error(format_args!("{consumer}: handing back {id}: {e}"));
        }
        return;
    }
    let lease = match Lease::spawn(queue.options(), claim, consumer, attempt, PROGRESS_EVERY) {
        Ok(l) => l,
        Err(e) => {
            out.error(format_args!("{consumer}: {id}: {e}"));
            let _ = queue.release(claim, consumer, attempt, "the worker could not open a heartbeat connection");
            return;
        }
    };
    let takeover = if claim.takeover { " (taken over)" } else { "" };
    out.info(format_args!("{consumer}: started {id} <- {} (attempt {attempt}){takeover}", claim.job.source));
    let started = Instant::now();
    let result = build_job(ctx, &claim.job, &lease);
    let lost = lease.lost();
    lease.stop();
    let secs = started.elapsed().as_secs_f64();
    match result {
        Ok(result) => match queue.finish(claim, consumer, attempt, result.clone()) {
            Ok(Finished::Done) => {
                out.info(format_args!("{consumer}: done {id} in {secs:.1} s"));
                notify(ctx, &Event::new(&claim.job, EventKind::Done { result }, now()).by(consumer, attempt));
            }
            Ok(Finished::AlreadyDone) => out.info(format_args!("{consumer}: {id} was already done")),
            Ok(Finished::Lost) => {
                out.info(format_args!("{consumer}: {id} was taken over; the other worker reports it"))
            }
            Err(e) => out.error(format_args!("{consumer}: finishing {id}: {e}")),
        },
        // Stopped by us after the grace period, or by the signal itself (ffmpeg in the same process
        // group got it too): hand the job back rather than count a failure.
        Err(_) if crate::pipeline::process::interrupted() || ctx.stop.load(Ordering::SeqCst) => {
            match queue.release(claim, consumer, attempt, "the worker was stopped before the job finished") {
                Ok(_) => out.info(format_args!("{consumer}: handed {id} back")),
                Err(e) => out.error(format_args!("{consumer}: handing back {id}: {e}")),
            }
        }
        Err(err) => {
            let error = format!("{err:#}");
            out.error(format_args!("{consumer}: {id} failed (attempt {attempt}): {error}"));
            if lost {
                return;
            }
            match queue.fail(claim, consumer, attempt, &error) {
                Ok(Failed::DeadLettered) => {
                    let ev = Event::new(&claim.job, EventKind::Failed { error, dead_lettered: true }, now());
                    notify(ctx, &ev.by(consumer, attempt));
                }
                Ok(_) => {}
                Err(e) => out.error(format_args!("{consumer}: recording the failure of {id}: {e}")),
            }
        }
    }
}

fn now() -> u64 {
    crate::queue::format::now_ms()
}

/// The plan for one job: the worker's [pipeline] settings overridden by the job's own.
fn job_plan(settings: &Settings, job: &Job) -> anyhow::Result<AssetPlan> {
    let b = &job.settings;
    let segment_type = match b.segment_type.as_deref() {
        None => None,
        Some(raw) => Some(
            serde_json::from_value::<SegmentType>(json!(raw))
                .map_err(|_| anyhow::anyhow!("segment_type {raw:?} must be \"ts\" or \"fmp4\""))?,
        ),
    };
    let mut subtitles = Vec::new();
    for sub in &b.subtitles {
        let arg = format!("{}={}", sub.language, sub.path);
        let file = crate::pipeline::tracks::parse_subtitles_arg(&arg).map_err(|e| anyhow::anyhow!("subtitles: {e}"))?;
        if !file.path.is_absolute() {
            bail!("subtitles {arg}: not an absolute path (workers need a path they all share)");
        }
        subtitles.push(file);
    }
    let flags = PipelineFlags {
        qualities: b.qualities.clone(),
        preset: b.preset.clone(),
        segment_duration: b.segment_duration,
        segment_type,
        jobs: None,
        audio_languages: b.audio_languages.clone(),
        subtitles,
        no_sidecars: b.no_sidecar_subtitles,
        no_storyboard: b.no_storyboard,
        storyboard_interval: b.storyboard_interval,
        allow_partial: b.allow_partial,
    };
    let (plan, _) = crate::config::pipeline::asset_plan(settings, &flags, Products::ALL, StreamCopy::WhenWebPlayable)
        .map_err(|e| anyhow::anyhow!("the job's settings: {}", e.message))?;
    Ok(plan)
}

/// Build one job's asset in a staging folder, then commit it (local root) or publish it through the
/// storage commit point (`s3://` root); skip it when already finished. Remote sources are fetched
/// into a local folder first.
fn build_job(ctx: &Ctx<'_>, job: &Job, lease: &Lease) -> anyhow::Result<serde_json::Value> {
    let plan = job_plan(ctx.settings, job)?;
    let out = &ctx.settings.output;
    let local_output = !job.output.contains("://");
    if local_output && !Path::new(&job.output).is_absolute() {
        bail!("output {} is not an absolute path (workers need a root they all share)", job.output);
    }
    let target = Target::open(ctx.settings, &job.output, &plan, job.force)
        .map_err(|e| anyhow::anyhow!("output {}: {e:#}", job.output))?;
    // Staging folders of workers that were killed on this root go first (live ones are locked).
    target.reap_stale_staging(out);
    let id = AssetId::parse(&job.asset)?;
    let layout = target.build_layout();
    let dir = layout.asset(&id);
    if !job.force {
        match target.remote() {
            None if asset::is_finished(&plan, &dir) => return result_json("skipped", job, &target, None, None),
            Some(r) => {
                if let Some(p) = r.finished(&plan, &id)? {
                    return result_json("skipped", job, &target, Some(&p.version), None);
                }
            }
            None => {}
        }
    }
    let downloads;
    let source = if job.source.contains("://") {
        let location = Location::parse(&job.source).map_err(|e| anyhow::anyhow!("source {}: {e}", job.source))?;
        if matches!(location, Location::Local(_)) {
            bail!("source {}: not an s3:// or https:// URL", job.source);
        }
        downloads =
            tempfile::Builder::new().prefix("playtube-inputs-").tempdir().context("creating a download folder")?;
        let options = crate::config::storage::resolve(ctx.settings, None)?;
        super::target::fetch_input(&options, &location, downloads.path(), &Bars::new(out))
            .map_err(anyhow::Error::msg)?
    } else {
        let source = Path::new(&job.source);
        if !source.is_absolute() {
            bail!("source {} is not an absolute path (workers need a path they all share)", job.source);
        }
        source.to_owned()
    };
    let staging =
        layout.staging(&id).with_context(|| format!("creating a staging folder in {}", layout.root().display()))?;
    if local_output {
        asset::seed(&plan, &dir, staging.path())?;
    }
    let mut duration_ms = 0u64;
    let built = asset::build(&plan, Source::Media(&source), &ctx.tools, staging.path(), &mut |event| match event {
        BuildEvent::EncodeStarted { duration_ms: d, .. } => duration_ms = d,
        BuildEvent::EncodeProgress(p) if duration_ms > 0 => {
            lease.set_progress(p.out_time.as_millis() as f64 * 100.0 / duration_ms as f64)
        }
        _ => {}
    })
    .with_context(|| format!("building {} from {}", job.asset, job.source))?;
    if !built.problems.is_empty() {
        bail!("building {} from {}: {}", job.asset, job.source, built.problems.join("; "));
    }
    let Some(remote) = target.remote() else {
        if let Err(err) = asset::commit(staging, &dir) {
            // Another run of the same job (a worker that was taken over) committed first: its asset is
            // whole, and ours is dropped rather than mixed in.
            if !asset::is_finished(&plan, &dir) {
                return Err(err.into());
            }
        }
        return result_json("built", job, &target, None, Some(built));
    };
    // A run that was taken over while it encoded leaves publishing to the run that took it: the
    // asset it publishes is whole either way (the commit point), but this one is not the job's run.
    if lease.lost() {
        bail!("{}: taken over by another worker while building; not published", job.id);
    }
    // Another run of the same job may have published meanwhile: keep its version (one GET).
    if !job.force {
        if let Some(p) = remote.finished(&plan, &id)? {
            return result_json("skipped", job, &target, Some(&p.version), None);
        }
    }
    let files = asset::list_files(staging.path())?;
    let version = match remote.publish(&id, staging.path(), &Bars::new(out), out, &job.asset)? {
        PublishOutcome::Published { pointer, .. } | PublishOutcome::Skipped { pointer } => Some(pointer.version),
        PublishOutcome::Superseded { winner, .. } => winner.map(|p| p.version),
    };
    let mut value = result_json("built", job, &target, version.as_deref(), Some(built))?;
    value["files"] = files_json(files);
    Ok(value)
}

fn files_json(files: Vec<(String, u64)>) -> serde_json::Value {
    files.into_iter().map(|(path, bytes)| json!({ "path": path, "bytes": bytes })).collect()
}

/// The `done` event's result: where the asset is (its folder or object-store URL, the published
/// version, files and delivery routes) and its figures.
fn result_json(
    status: &str,
    job: &Job,
    target: &Target,
    version: Option<&str>,
    built: Option<asset::BuiltAsset>,
) -> anyhow::Result<serde_json::Value> {
    let id = &job.asset;
    let asset_id = AssetId::parse(id)?;
    let shown = crate::layout::AssetDir::new(target.shown_dir(&asset_id));
    let files = match target {
        Target::Local(_) => files_json(asset::list_files(shown.dir())?),
        Target::Remote(_) => json!([]),
    };
    let mut value = json!({
        "status": status,
        "asset": id,
        "dir": shown.dir(),
        "paths": {
            "stream": shown.stream(),
            "hls": shown.hls_master(),
            "thumb": shown.thumb(),
            "meta": shown.meta(),
        },
        "routes": {
            "stream": format!("/stream/{id}"),
            "hls": format!("/hls/{id}/master.m3u8"),
            "thumb": format!("/thumb/{id}"),
            "watch": format!("/watch/{id}"),
        },
        "files": files,
        // When the asset was complete in its final place (Unix ms): `done` follows this.
        "committed_at": now(),
    });
    if let Some(v) = version {
        value["version"] = json!(v);
    }
    if let Some(b) = built {
        value["duration"] = json!(b.duration);
        value["timings"] = serde_json::to_value(&b.timings)?;
        value["renditions"] = serde_json::to_value(&b.renditions)?;
        value["hls"] = serde_json::to_value(&b.hls)?;
        value["media"] = serde_json::to_value(&b.media)?;
        if let Some(p) = &b.partial_source {
            value["partial_source"] = serde_json::to_value(p)?;
        }
    }
    Ok(value)
}

/// POST an event to the webhook, if one is set: bounded time and tries; a failure is logged, never fatal.
fn notify(ctx: &Ctx<'_>, event: &Event) {
    let Some(url) = &ctx.q.webhook else { return };
    let body = event.to_json();
    let mut last = String::new();
    for pause in [0u64, 1, 2] {
        std::thread::sleep(Duration::from_secs(pause));
        match super::webhook::post_json(url, &body, Duration::from_secs(5)) {
            Ok(()) => return,
            Err(e) => last = format!("{e:#}"),
        }
    }
    ctx.settings.output.error(format_args!("webhook {url}: {last} (gave up after 3 tries)"));
}
