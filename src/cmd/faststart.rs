//! `playtube faststart IN (-o OUT | --in-place)`: run the native MP4 rewrite (`pipeline::mp4`) on one
//! file, or on several in place, and report what happened to each. Ctrl-C stops between pieces of the
//! copy, removes the temp file and exits 130; a bad input is one error line and the batch goes on.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cli::FaststartArgs;
use crate::cmd::BatchOutcome;
use crate::config::Settings;
use crate::exit::{Code, Interrupted, UsageError};
use crate::pipeline::mp4::{self, Destination, Mp4Error, Options, Outcome};
use crate::pipeline::process;
use crate::ui::progress::Bars;
use crate::units::human_bytes;

/// Extensions taken from directories given to `faststart` (MP4 family only).
const MP4_EXTENSIONS: &[&str] = &["mp4", "m4v", "m4a", "mov"];

/// What is printed for one file.
#[derive(Debug, Serialize)]
pub struct FaststartReport {
    #[serde(serialize_with = "crate::inputs::lossy::path")]
    pub input: PathBuf,
    /// Where the result is; equal to `input` for --in-place.
    #[serde(serialize_with = "crate::inputs::lossy::path")]
    pub output: PathBuf,
    /// `rewritten`, `already_faststart` or `fragmented`.
    pub outcome: &'static str,
    /// Whether bytes were written (false when an in-place input was already streamable).
    pub written: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moov_size_before: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moov_size_after: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chunk_offsets: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tables_upgraded: Option<usize>,
}

pub fn run(settings: &Settings, args: &FaststartArgs) -> anyhow::Result<Code> {
    let output = &settings.output;
    if args.output.is_some() && (args.inputs.len() > 1 || args.inputs[0].is_dir()) {
        return Err(UsageError::with_hint(
            "-o/--output takes a single input file",
            "use --in-place to rewrite several files or a directory",
        )
        .into());
    }
    let batch = crate::inputs::collect_matching(&args.inputs, |p| {
        p.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| MP4_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
    });
    let mut outcome = BatchOutcome::default();
    for err in &batch.errors {
        outcome.fail(output, err);
    }
    process::install_interrupt_handler();
    let progress = Bars::new(output);
    let mut reports = Vec::new();
    for input in &batch.files {
        let dest = match &args.output {
            Some(out) if out.is_dir() => Destination::File(out.join(input.file_name().unwrap_or_default())),
            Some(out) => Destination::File(out.clone()),
            None => Destination::InPlace,
        };
        let size = std::fs::metadata(input).map(|m| m.len()).unwrap_or(0);
        let bar = progress.file(&input.file_name().unwrap_or_default().to_string_lossy(), size);
        let result = mp4::faststart(input, &dest, &Options::default(), &|written| {
            bar.set_position(written);
            process::interrupted()
        });
        bar.finish_and_clear();
        if let Err(Mp4Error::Interrupted(_)) = result {
            return Err(
                anyhow::Error::new(Interrupted).context(format!("{}: stopped; no output left", input.display()))
            );
        }
        let result = result.map(|o| report(input, &dest, o)).map_err(anyhow::Error::new);
        if let Some(report) = outcome.record(output, input, result) {
            if !output.json && !output.quiet {
                output.print(&format!("{}\n", describe(&report)))?;
            }
            reports.push(report);
        }
    }
    if output.json {
        if args.inputs.len() > 1 || args.inputs[0].is_dir() {
            output.print_json(&reports)?;
        } else if let Some(report) = reports.first() {
            output.print_json(report)?;
        }
    }
    Ok(outcome.code())
}

fn report(input: &Path, dest: &Destination, outcome: Outcome) -> FaststartReport {
    let output = match dest {
        Destination::File(p) => p.clone(),
        Destination::InPlace => input.to_owned(),
    };
    let mut r = FaststartReport {
        input: input.to_owned(),
        output,
        outcome: "rewritten",
        written: true,
        moov_size_before: None,
        moov_size_after: None,
        chunk_offsets: None,
        tables_upgraded: None,
    };
    match outcome {
        Outcome::Rewritten(rw) => {
            r.moov_size_before = Some(rw.moov_size_before);
            r.moov_size_after = Some(rw.moov_size_after);
            r.chunk_offsets = Some(rw.chunk_offsets);
            r.tables_upgraded = Some(rw.tables_upgraded);
        }
        Outcome::AlreadyFaststart { copied } => {
            r.outcome = "already_faststart";
            r.written = copied;
        }
        Outcome::Fragmented { copied } => {
            r.outcome = "fragmented";
            r.written = copied;
        }
    }
    r
}

/// One human line per file.
fn describe(r: &FaststartReport) -> String {
    let target = if r.output == r.input {
        r.input.display().to_string()
    } else {
        format!("{} -> {}", r.input.display(), r.output.display())
    };
    let what = match r.outcome {
        "rewritten" => {
            let upgraded = match r.tables_upgraded {
                Some(n) if n > 0 => format!(", {n} offset table(s) widened to 64 bits"),
                _ => String::new(),
            };
            format!(
                "moov moved to the front (index {}, {} chunk offsets rewritten{upgraded})",
                human_bytes(r.moov_size_after.unwrap_or(0)),
                r.chunk_offsets.unwrap_or(0)
            )
        }
        "already_faststart" if r.written => "already faststart; copied unchanged".into(),
        "already_faststart" => "already faststart; left as it is".into(),
        _ if r.written => "fragmented MP4, already streamable; copied unchanged".into(),
        _ => "fragmented MP4, already streamable; left as it is".into(),
    };
    format!("{target}: {what}")
}
