//! Terminal output policy: colours (NO_COLOR, --color), quiet/verbose, JSON vs tables, and the one
//! progress factory. Commands ask this module how to print; they never build styles themselves.

pub mod progress;
pub mod table;

use std::io::{IsTerminal, Write};

/// When to colour output (the edge maps `--color` to this).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorWhen {
    #[default]
    Auto,
    Always,
    Never,
}

/// How the user asked this run to print, resolved by the edge from flags and environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct OutputOptions {
    pub json: bool,
    pub quiet: bool,
    pub verbose: u8,
    pub color: ColorWhen,
    /// `NO_COLOR` is set (and not empty).
    pub no_color: bool,
    /// `TERM=dumb`.
    pub dumb_terminal: bool,
}

/// How this run prints. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Output {
    pub json: bool,
    pub quiet: bool,
    pub verbose: u8,
    /// Colours on stdout.
    pub color: bool,
    /// Colours and progress bars on stderr.
    pub color_stderr: bool,
    pub stderr_is_tty: bool,
}

impl Output {
    pub fn new(opts: &OutputOptions) -> Output {
        let OutputOptions { json, quiet, verbose, color, no_color, dumb_terminal } = *opts;
        let wants = |tty: bool| match color {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => tty && !no_color && !dumb_terminal,
        };
        let stdout_tty = std::io::stdout().is_terminal();
        let stderr_tty = std::io::stderr().is_terminal();
        let color = wants(stdout_tty);
        let color_stderr = wants(stderr_tty);
        console::set_colors_enabled(color);
        console::set_colors_enabled_stderr(color_stderr);
        Output { json, quiet, verbose, color, color_stderr, stderr_is_tty: stderr_tty }
    }

    /// No colours, no progress, human output: for tests and embedding.
    pub fn plain() -> Output {
        Output { json: false, quiet: false, verbose: 0, color: false, color_stderr: false, stderr_is_tty: false }
    }

    /// Whether progress bars are drawn (stderr is a terminal and not --quiet).
    pub fn progress_enabled(&self) -> bool {
        self.stderr_is_tty && !self.quiet
    }

    /// A per-input failure inside a batch: `playtube: error: {msg}` on stderr (never suppressed).
    pub fn error(&self, msg: impl std::fmt::Display) {
        let label = console::style("error:").red().bold().for_stderr();
        let _ = writeln!(std::io::stderr().lock(), "playtube: {label} {msg}");
    }

    pub fn warn(&self, msg: impl std::fmt::Display) {
        if !self.quiet {
            let label = console::style("warning:").yellow().bold().for_stderr();
            let _ = writeln!(std::io::stderr().lock(), "playtube: {label} {msg}");
        }
    }

    /// A status line on stderr (suppressed by --quiet).
    pub fn info(&self, msg: impl std::fmt::Display) {
        if !self.quiet {
            let _ = writeln!(std::io::stderr().lock(), "{msg}");
        }
    }

    /// Detail shown with -v (level 1) or -vv (level 2).
    pub fn debug(&self, level: u8, msg: impl std::fmt::Display) {
        if self.verbose >= level && !self.quiet {
            let _ = writeln!(std::io::stderr().lock(), "{}", console::style(msg).dim().for_stderr());
        }
    }

    /// Print a value as pretty JSON on stdout.
    pub fn print_json<T: serde::Serialize>(&self, value: &T) -> anyhow::Result<()> {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, value)?;
        writeln!(out)?;
        Ok(())
    }

    /// Write text to stdout; a closed pipe surfaces as an io::Error the exit printer maps to 0.
    pub fn print(&self, text: &str) -> anyhow::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_in_environment_turns_colours_off() {
        let opts = OutputOptions { color: ColorWhen::Auto, no_color: true, ..OutputOptions::default() };
        let out = Output::new(&opts);
        assert!(!out.color && !out.color_stderr);
        let forced = Output::new(&OutputOptions { color: ColorWhen::Always, ..opts });
        assert!(forced.color);
    }
}
