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
use crate::storage::{Location, PublishOptions, PublishOutcome, PublishProgress};
use crate::ui::progress::Bars;
use crate::units::human_bytes;

/// One asset's result, as printed with `--json`.
#[derive(Debug, Serialize)]
struct Report {
    id: String,
    dir: String,
    /// published, skipped, superseded or failed.
    status: &'static str,
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

pub fn run(settings: &Settings, args: &PublishArgs) -> anyhow::Result<Code> {
    let output = &settings.output;
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
    let options = config::storage::resolve(settings, args.concurrency)?;
    let publish = PublishOptions {
        force: args.force,
        cache: config::storage::cache_policy(settings),
        keep_grace: config::storage::keep_grace(settings, args.keep_grace)?,
        orphan_grace: config::storage::orphan_grace(settings)?,
        carry_over: Vec::new(),
    };
    let store = BlockingStore::open(&url, &options).map_err(|e| UsageError::new(e.to_string()))?;
    let objects = ObjectLayout::new(&url.prefix);

    let mut outcome = BatchOutcome::default();
    let mut assets = Vec::new();
    for dir in &args.dirs {
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

    let progress = Bars::new(output);
    let say = |line: &str| progress.suspend(|| output.print(&format!("{line}\n")));
    let mut reports = Vec::new();
    for (id, dir) in assets {
        let target = url.object_url(&format!("{}{id}", prefix_slash(objects.prefix())));
        let bar = progress.bytes(id.as_str(), 0);
        let on_progress = |p: PublishProgress| match p {
            PublishProgress::Planned { bytes, .. } => bar.set_length(bytes),
            PublishProgress::Sent { bytes } => bar.inc(bytes),
        };
        let result = store.publish(&id, &dir, &publish, &on_progress);
        bar.finish_and_clear();
        let mut report = Report {
            id: id.to_string(),
            dir: dir.display().to_string(),
            status: "failed",
            url: target.clone(),
            version: None,
            files: None,
            bytes: None,
            removed_versions: None,
            error: None,
        };
        match result {
            Ok(PublishOutcome::Published { pointer, removed_versions, gc_error }) => {
                outcome.ok += 1;
                if let Some(e) = gc_error {
                    output.warn(format_args!("{id}: published, but removing old versions failed: {e}"));
                }
                if !output.json {
                    say(&format!(
                        "published {id} -> {target} (version {}, {} files, {})",
                        pointer.version,
                        pointer.files,
                        human_bytes(pointer.bytes)
                    ))?;
                }
                report.status = "published";
                report.version = Some(pointer.version);
                report.files = Some(pointer.files);
                report.bytes = Some(pointer.bytes);
                report.removed_versions = Some(removed_versions);
            }
            Ok(PublishOutcome::Skipped { pointer }) => {
                outcome.ok += 1;
                if !output.json {
                    say(&format!(
                        "skipped {id}: already published at {target} (version {}; --force republishes)",
                        pointer.version
                    ))?;
                }
                report.status = "skipped";
                report.version = Some(pointer.version);
            }
            Ok(PublishOutcome::Superseded { ours, winner }) => {
                outcome.ok += 1;
                let winner = winner.map(|p| p.version).unwrap_or_else(|| "none".to_owned());
                if !output.json {
                    say(&format!(
                        "superseded {id}: another publisher committed version {winner} first (ours, {ours}, was removed)"
                    ))?;
                }
                report.status = "superseded";
                report.version = Some(winner);
            }
            Err(e) => {
                outcome.fail(output, format_args!("{id} ({}): {e}", dir.display()));
                report.error = Some(e.to_string());
            }
        }
        reports.push(report);
    }
    if output.json {
        output.print_json(&reports)?;
    }
    Ok(outcome.code())
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
