//! Terminal output policy: colours (NO_COLOR, --color), quiet/verbose, JSON vs tables, and the one
//! progress factory. Commands ask this module how to print; they never build styles themselves.

pub mod progress;
pub mod table;

use std::io::{IsTerminal, Write};

use crate::cli::ColorChoice;
use crate::config::Env;

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
    pub fn new(json: bool, quiet: bool, verbose: u8, choice: ColorChoice, env: &Env) -> Output {
        let no_color = env.get("NO_COLOR").is_some();
        let wants = |tty: bool| match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color && env.get("TERM") != Some("dumb"),
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

/// Human-readable byte count: `12.5 MB` (SI, as the design document's /stats shows).
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// `1:02:03.4` / `2:03.4` style duration.
pub fn human_duration(secs: f64) -> String {
    let total = secs.max(0.0);
    let h = (total / 3600.0).floor() as u64;
    let m = ((total % 3600.0) / 60.0).floor() as u64;
    let s = total % 60.0;
    if h > 0 {
        format!("{h}:{m:02}:{s:04.1}")
    } else {
        format!("{m}:{s:04.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_bytes_uses_si_units() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(12_500_000), "12.5 MB");
    }

    #[test]
    fn human_duration_shows_hours_only_when_needed() {
        assert_eq!(human_duration(62.5), "1:02.5");
        assert_eq!(human_duration(3723.0), "1:02:03.0");
    }

    #[test]
    fn no_color_in_environment_turns_colours_off() {
        let env = Env::from_pairs([("NO_COLOR", "1")]);
        let out = Output::new(false, false, 0, ColorChoice::Auto, &env);
        assert!(!out.color && !out.color_stderr);
        let forced = Output::new(false, false, 0, ColorChoice::Always, &env);
        assert!(forced.color);
    }
}
