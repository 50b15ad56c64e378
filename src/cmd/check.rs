//! `playtube probe` given HLS packages (a master.m3u8, an asset folder or its hls/ folder): run the
//! validator on each and print every violation (rung, segment, rule), or `--json` reports. Exit 1 when
//! any package has a violation. The rules live in `pipeline::hls_check`.

use std::path::PathBuf;

use crate::cmd::BatchOutcome;
use crate::config::Settings;
use crate::exit::{Code, Interrupted};
use crate::pipeline::hls_check;
use crate::pipeline::process;

/// Whether `probe` should validate this path as an HLS package instead of probing a media file.
pub fn is_package(path: &std::path::Path) -> bool {
    hls_check::find_master(path).is_some()
}

pub fn run(settings: &Settings, paths: &[PathBuf]) -> anyhow::Result<Code> {
    let output = &settings.output;
    let tools = crate::config::tools::locate(settings)?;
    process::install_interrupt_handler();
    let mut outcome = BatchOutcome::default();
    let mut reports = Vec::new();
    for path in paths {
        if process::interrupted() {
            return Err(Interrupted.into());
        }
        let Some(master) = hls_check::find_master(path) else {
            outcome.fail(output, format_args!("{}: not an HLS package (no master.m3u8)", path.display()));
            continue;
        };
        let report = match hls_check::check(&tools.ffprobe, &master) {
            Ok(r) => r,
            Err(e) => {
                outcome.fail(output, format_args!("{}: {e:#}", master.display()));
                continue;
            }
        };
        if report.violations.is_empty() {
            outcome.ok += 1;
        } else {
            outcome.failed += 1;
        }
        if !output.json {
            for v in &report.violations {
                output.error(format_args!("{}: {v}", report.master.display()));
            }
            if !output.quiet {
                let verdict = if report.violations.is_empty() {
                    "valid".to_owned()
                } else {
                    format!("{} violation(s)", report.violations.len())
                };
                output.print(&format!(
                    "{}: {} variants, {} segments: {verdict}\n",
                    report.master.display(),
                    report.variants,
                    report.segments
                ))?;
            }
        }
        reports.push(report);
    }
    if output.json {
        output.print_json(&reports)?;
    }
    Ok(outcome.code())
}
