//! One module per subcommand, each with `pub fn run(&Settings, &Args) -> anyhow::Result<exit::Code>`:
//! orchestration only (expand inputs, call the pipeline or the server, print results). Shared here:
//! the batch bookkeeping that keeps going past a bad input and exits 1 at the end.

pub mod check;
pub mod enqueue;
pub mod faststart;
pub mod generate;
pub mod hls;
pub mod jobs;
pub mod prepare;
pub mod probe;
pub mod publish;
pub mod renditions;
pub mod serve;
pub mod sign;
pub mod stats;
pub mod target;
pub mod transcode;
pub mod webhook;
pub mod worker;

use crate::exit::Code;
use crate::ui::Output;

/// Counts of a batch run; each failure has already been reported on stderr when it happened.
#[derive(Debug, Default)]
pub struct BatchOutcome {
    pub ok: usize,
    pub failed: usize,
}

impl BatchOutcome {
    /// Record a per-input result, printing the error (naming the input) when it failed.
    pub fn record<T>(&mut self, output: &Output, what: &std::path::Path, result: anyhow::Result<T>) -> Option<T> {
        match result {
            Ok(v) => {
                self.ok += 1;
                Some(v)
            }
            Err(err) => {
                self.failed += 1;
                output.error(format_args!("{}: {err:#}", what.display()));
                None
            }
        }
    }

    /// Record a failure found before processing (e.g. a missing path in the batch).
    pub fn fail(&mut self, output: &Output, message: impl std::fmt::Display) {
        self.failed += 1;
        output.error(message);
    }

    /// 0 when everything worked, 1 when anything failed.
    pub fn code(&self) -> Code {
        if self.failed == 0 {
            Code::Success
        } else {
            Code::Failures
        }
    }
}
