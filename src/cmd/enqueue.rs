//! `playtube enqueue`: turn each input into one job on the Redis queue (a local path the workers share,
//! made absolute, or an s3:// / https:// URL), with an id derived from the asset id and the build
//! settings so enqueuing the same work twice is one job. Orchestration only: the job format and the
//! Redis work are `queue`'s; bad inputs are reported one by one and the others still go in.

use std::path::Path;

use serde::Serialize;

use super::BatchOutcome;
use crate::cli::EnqueueArgs;
use crate::config::pipeline::PipelineFlags;
use crate::config::queue::QueueFlags;
use crate::config::Settings;
use crate::exit::{Code, UsageError};
use crate::layout::AssetId;
use crate::pipeline::asset::{Products, StreamCopy};
use crate::queue::{BuildSettings, Enqueued, Job, JobSubtitle, Queue};
use crate::storage::Location;

/// One input's outcome (`--json` prints a list of these).
#[derive(Debug, Serialize)]
struct Row {
    source: String,
    asset: String,
    job: String,
    /// `queued`, or the state of the same job already known (`queued`, `running`, `done`, ...).
    status: String,
}

fn is_url(s: &str) -> bool {
    s.contains("://")
}

/// The asset id of an input: `--id`, else from the file name (or the URL's last path segment).
fn asset_id(source: &str, explicit: Option<&str>) -> Result<AssetId, String> {
    if let Some(id) = explicit {
        return AssetId::parse(id).map_err(|e| format!("--id: {e}"));
    }
    let name = source.split(['?', '#']).next().unwrap_or(source).trim_end_matches('/');
    let name = name.rsplit('/').next().unwrap_or(name);
    AssetId::from_file_name(Path::new(name)).map_err(|e| format!("{e}; pass --id"))
}

pub fn run(settings: &Settings, args: &EnqueueArgs) -> anyhow::Result<Code> {
    let output = &settings.output;
    let q = crate::config::queue::resolve(
        settings,
        &QueueFlags { url: args.queue.url.clone(), name: args.queue.name.clone(), ..Default::default() },
    )?;
    // Validate the build flags here (exit 2 before anything is queued); the job carries only what was
    // asked for, the worker fills in the rest from its own configuration.
    let seg = &args.segments;
    let flags = PipelineFlags {
        qualities: args.qualities.clone(),
        preset: args.preset.clone(),
        segment_duration: seg.segment_duration,
        segment_type: seg.segment_type,
        jobs: None,
        audio_languages: seg.audio_languages.clone(),
        subtitles: seg.subtitles.clone(),
        no_sidecars: seg.no_sidecar_subtitles,
        no_storyboard: seg.no_storyboard,
        storyboard_interval: seg.storyboard_interval,
        allow_partial: args.allow_partial,
    };
    crate::config::pipeline::asset_plan(settings, &flags, Products::ALL, StreamCopy::WhenWebPlayable)?;
    let mut subtitles = Vec::new();
    for sub in &seg.subtitles {
        if !sub.path.is_file() {
            return Err(UsageError::new(format!(
                "--subtitles {}={}: no such file (workers read it from a path they share)",
                sub.language,
                sub.path.display()
            ))
            .into());
        }
        subtitles.push(JobSubtitle { language: sub.language.clone(), path: absolute(&sub.path)? });
    }
    let build = BuildSettings {
        qualities: args.qualities.clone(),
        preset: args.preset.clone(),
        segment_duration: seg.segment_duration,
        segment_type: seg
            .segment_type
            .and_then(|t| serde_json::to_value(t).ok())
            .and_then(|v| v.as_str().map(str::to_owned)),
        audio_languages: seg.audio_languages.clone(),
        subtitles,
        no_sidecar_subtitles: seg.no_sidecar_subtitles,
        storyboard_interval: seg.storyboard_interval,
        no_storyboard: seg.no_storyboard,
        allow_partial: args.allow_partial,
    };
    let root = match &args.out {
        Some(o) if is_url(o) => match Location::parse(o) {
            Ok(Location::S3(_)) => o.clone(),
            Ok(_) => {
                return Err(UsageError::new(format!("-o {o}: the assets root must be a shared folder or s3://")).into())
            }
            Err(e) => return Err(UsageError::new(format!("-o: {e}")).into()),
        },
        Some(o) => absolute(Path::new(o))?,
        None => {
            return Err(UsageError::new("enqueue needs the assets root the workers write to: pass -o ASSETS").into())
        }
    };

    let mut outcome = BatchOutcome::default();
    let mut sources: Vec<String> = Vec::new();
    let local: Vec<std::path::PathBuf> =
        args.sources.iter().filter(|s| !is_url(s)).map(std::path::PathBuf::from).collect();
    let batch = crate::inputs::collect(&local);
    for e in &batch.errors {
        outcome.fail(output, e);
    }
    for file in &batch.files {
        sources.push(absolute(file)?);
    }
    sources.extend(args.sources.iter().filter(|s| is_url(s)).cloned());
    if args.id.is_some() && sources.len() != 1 {
        return Err(UsageError::new(format!("--id needs exactly one input; {} were given", sources.len())).into());
    }

    let mut queue = Queue::connect(&q.queue).map_err(super::worker::environment_error)?;
    let mut rows = Vec::new();
    for source in &sources {
        let id = match asset_id(source, args.id.as_deref()) {
            Ok(id) => id,
            Err(e) => {
                outcome.fail(output, format_args!("{source}: {e}"));
                continue;
            }
        };
        let job = Job::new(id.as_str(), source, &root, build.clone(), args.force, crate::queue::format::now_ms());
        let status = match queue.enqueue(&job) {
            Ok(Enqueued::Queued) => "queued".to_owned(),
            Ok(Enqueued::Exists(state)) => state.as_str().to_owned(),
            Err(e) => {
                outcome.fail(output, format_args!("{source}: {e}"));
                continue;
            }
        };
        outcome.ok += 1;
        if !output.json && !output.quiet {
            let note = if status == "queued" { String::new() } else { format!(" (already {status})") };
            output.print(&format!("{} {} <- {source}{note}\n", job.id, job.asset))?;
        }
        rows.push(Row { source: source.clone(), asset: job.asset, job: job.id, status });
    }
    if output.json {
        output.print_json(&rows)?;
    }
    Ok(outcome.code())
}

fn absolute(path: &Path) -> anyhow::Result<String> {
    let abs = std::path::absolute(path).map_err(|e| anyhow::anyhow!("resolving {}: {e}", path.display()))?;
    abs.to_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("{} is not valid UTF-8; a job names its paths in JSON", abs.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asset_ids_come_from_file_names_and_url_paths() {
        assert_eq!(asset_id("/in/My Clip.mp4", None).unwrap().as_str(), "My_Clip");
        assert_eq!(asset_id("s3://bucket/uploads/42.mov?x=1", None).unwrap().as_str(), "42");
        assert_eq!(asset_id("/in/a.mp4", Some("upload-7")).unwrap().as_str(), "upload-7");
        assert!(asset_id("/in/a.mp4", Some("../x")).is_err());
    }
}
