//! `playtube publish DIR… s3://bucket/prefix`: find the assets in the given folders (an asset folder,
//! or an assets root holding `<id>/` folders), publish each through `storage` (versioned upload, then
//! the pointer), print one line (or one JSON object) per asset, keep going past failures and exit 1
//! if any failed. Orchestration only: the commit protocol lives in `storage/publish.rs`.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::BatchOutcome;
use crate::cli::PublishArgs;
use crate::config::{self, Settings};
use crate::exit::{Code, UsageError};
use crate::layout::{AssetDir, AssetId, Layout, ObjectLayout};
use crate::storage::blocking::BlockingStore;
use crate::storage::{Location, PublishOptions, PublishOutcome, PublishProgress, S3Url};
use crate::ui::progress::Bars;
use crate::ui::Output;
use crate::units::human_bytes;

/// What happened to one asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Status {
    Published,
    Skipped,
    Superseded,
    Failed,
}

/// One asset's result, as printed with `--json`.
#[derive(Debug, Serialize)]
struct Report {
    id: String,
    dir: String,
    status: Status,
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    files: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    removed_versions: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Where and how to publish, resolved before any upload.
struct Plan {
    url: S3Url,
    store: BlockingStore,
    options: PublishOptions,
}

pub fn run(settings: &Settings, args: &PublishArgs) -> anyhow::Result<Code> {
    let output = &settings.output;
    let plan = resolve(settings, args)?;
    let objects = ObjectLayout::new(&plan.url.prefix);
    let mut outcome = BatchOutcome::default();
    let assets = collect_assets(&args.dirs, output, &mut outcome);

    let progress = Bars::new(output);
    let mut reports = Vec::new();
    for (id, dir) in assets {
        let target = plan.url.object_url(&format!("{}{id}", prefix_slash(objects.prefix())));
        let bar = progress.bytes(id.as_str(), 0);
        let on_progress = |p: PublishProgress| match p {
            PublishProgress::Planned { bytes, .. } => bar.set_length(bytes),
            PublishProgress::Sent { bytes } => bar.inc(bytes),
        };
        let result = plan.store.publish(&id, &dir, &plan.options, &on_progress);
        bar.finish_and_clear();
        let (report, line) = report(&id, &dir, target, result);
        match (&report.error, line) {
            (Some(e), _) => outcome.fail(output, format_args!("{id} ({}): {e}", dir.display())),
            (None, line) => {
                outcome.ok += 1;
                if let Some(warning) = &line.warning {
                    output.warn(warning);
                }
                if !output.json {
                    progress.suspend(|| output.print(&format!("{}\n", line.text)))?;
                }
            }
        }
        reports.push(report);
    }
    if output.json {
        output.print_json(&reports)?;
    }
    Ok(outcome.code())
}

/// The destination, its store and the publish options, from the flags and settings.
fn resolve(settings: &Settings, args: &PublishArgs) -> anyhow::Result<Plan> {
    let url = match Location::parse(&args.dest) {
        Ok(Location::S3(url)) => url,
        Ok(other) => {
            return Err(UsageError::with_hint(
                format!("publish needs an object-store destination, not {other}"),
                "give s3://bucket/prefix as the last argument (to build into a local root, use -o DIR)",
            )
            .into())
        }
        Err(e) => return Err(UsageError::new(e.to_string()).into()),
    };
    let storage = config::storage::resolve(settings, args.concurrency)?;
    let options = PublishOptions {
        force: args.force,
        cache: config::storage::cache_policy(settings),
        keep_grace: config::storage::keep_grace(settings, args.keep_grace)?,
        orphan_grace: config::storage::orphan_grace(settings)?,
        carry_over: Vec::new(),
    };
    let store = BlockingStore::open(&url, &storage).map_err(|e| UsageError::new(e.to_string()))?;
    Ok(Plan { url, store, options })
}

/// The assets of every folder given; a folder that holds none (or cannot be read) is a failure.
fn collect_assets(dirs: &[PathBuf], output: &Output, outcome: &mut BatchOutcome) -> Vec<(AssetId, PathBuf)> {
    let mut assets = Vec::new();
    for dir in dirs {
        match find_assets(dir) {
            Ok(found) if found.is_empty() => outcome.fail(
                output,
                format_args!(
                    "{}: no assets found (expected an asset folder or a root of <id>/ folders)",
                    dir.display()
                ),
            ),
            Ok(found) => assets.extend(found),
            Err(e) => outcome.fail(output, format_args!("{}: {e:#}", dir.display())),
        }
    }
    assets
}

/// What to print for a successful asset: its line, and a warning when old versions stayed behind.
struct Line {
    text: String,
    warning: Option<String>,
}

/// One asset's report and, unless it failed, the line to print.
fn report(
    id: &AssetId,
    dir: &Path,
    target: String,
    result: Result<PublishOutcome, crate::storage::Error>,
) -> (Report, Line) {
    let mut report = Report {
        id: id.to_string(),
        dir: dir.display().to_string(),
        status: Status::Failed,
        url: target.clone(),
        version: None,
        files: None,
        bytes: None,
        removed_versions: None,
        error: None,
    };
    let mut line = Line { text: String::new(), warning: None };
    match result {
        Ok(PublishOutcome::Published { pointer, removed_versions, gc_error }) => {
            line.warning = gc_error.map(|e| format!("{id}: published, but removing old versions failed: {e}"));
            line.text = format!(
                "published {id} -> {target} (version {}, {} files, {})",
                pointer.version,
                pointer.files,
                human_bytes(pointer.bytes)
            );
            report.status = Status::Published;
            report.version = Some(pointer.version);
            report.files = Some(pointer.files);
            report.bytes = Some(pointer.bytes);
            report.removed_versions = Some(removed_versions);
        }
        Ok(PublishOutcome::Skipped { pointer }) => {
            line.text = format!(
                "skipped {id}: already published at {target} (version {}; --force republishes)",
                pointer.version
            );
            report.status = Status::Skipped;
            report.version = Some(pointer.version);
        }
        Ok(PublishOutcome::Superseded { ours, winner }) => {
            let winner = winner.map(|p| p.version).unwrap_or_else(|| "none".to_owned());
            line.text = format!(
                "superseded {id}: another publisher committed version {winner} first (ours, {ours}, was removed)"
            );
            report.status = Status::Superseded;
            report.version = Some(winner);
        }
        Err(e) => report.error = Some(e.to_string()),
    }
    (report, line)
}

fn prefix_slash(prefix: &str) -> String {
    if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}/")
    }
}

/// Whether a folder holds any of an asset's known files.
fn is_asset(dir: &Path) -> bool {
    let asset = AssetDir::new(dir);
    asset.stream().is_file()
        || asset.hls_master().is_file()
        || asset.meta().is_file()
        || asset.thumb().is_file()
        || asset.renditions_dir().is_dir()
}

/// The assets in `dir`: itself if it is an asset folder, else its non-hidden asset subfolders.
fn find_assets(dir: &Path) -> anyhow::Result<Vec<(AssetId, PathBuf)>> {
    use anyhow::Context;
    if !dir.is_dir() {
        anyhow::bail!("not a folder");
    }
    let id_of = |d: &Path| {
        let name = d.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        AssetId::parse(&name).with_context(|| format!("{} is an asset folder", d.display()))
    };
    if is_asset(dir) {
        let dir = dir.canonicalize().with_context(|| format!("resolving {}", dir.display()))?;
        return Ok(vec![(id_of(&dir)?, dir)]);
    }
    let layout = Layout::new(dir);
    let mut found = Vec::new();
    let entries = std::fs::read_dir(layout.root()).with_context(|| format!("reading {}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        let hidden = path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if !hidden && path.is_dir() && is_asset(&path) {
            found.push((id_of(&path)?, path));
        }
    }
    Ok(found)
}
