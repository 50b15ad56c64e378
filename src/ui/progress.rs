//! The one progress-bar factory: styles for per-file bars (percent, speed as x realtime, ETA) and the
//! batch total bar. Bars draw on stderr and are hidden when stderr is not a terminal or with --quiet.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Output;

/// Progress bars for one command run: a multi-bar holder that is a no-op when progress is disabled.
pub struct Bars {
    multi: MultiProgress,
}

impl Bars {
    pub fn new(output: &Output) -> Bars {
        let target = if output.progress_enabled() {
            ProgressDrawTarget::stderr_with_hz(10)
        } else {
            ProgressDrawTarget::hidden()
        };
        Bars { multi: MultiProgress::with_draw_target(target) }
    }

    /// A bar for one file whose length is the media duration in milliseconds (or any other unit of
    /// work, such as bytes for `faststart`: the bar shows percent and ETA only).
    pub fn file(&self, name: &str, duration_ms: u64) -> ProgressBar {
        let bar = self.multi.add(ProgressBar::new(duration_ms.max(1)));
        bar.set_style(
            ProgressStyle::with_template("{prefix:>24.bold} [{bar:30.cyan/blue}] {percent:>3}% {msg} ETA {eta}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_prefix(truncate(name, 24));
        bar
    }

    /// Move a file bar: position = media time written (ms), message = encoding speed as a multiple of
    /// real time when known (the ETA follows from the position's rate).
    pub fn update_file(&self, bar: &ProgressBar, position_ms: u64, speed: Option<f64>) {
        bar.set_position(position_ms);
        if let Some(speed) = speed {
            bar.set_message(format!("{speed:.2}x"));
        }
    }

    /// A bar for bytes moved (an upload): bytes done of total, rate and ETA. The length may be set
    /// later with `set_length`, when the total is known.
    pub fn bytes(&self, name: &str, total: u64) -> ProgressBar {
        let bar = self.multi.add(ProgressBar::new(total));
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>24.bold} [{bar:30.cyan/blue}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_prefix(truncate(name, 24));
        bar
    }

    /// The total bar of a batch: files done of files.
    pub fn total(&self, files: u64) -> ProgressBar {
        let bar = self.multi.add(ProgressBar::new(files));
        bar.set_style(
            ProgressStyle::with_template("{prefix:>24.bold} [{bar:30.green}] {pos}/{len} files, {elapsed} elapsed")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_prefix("total");
        bar
    }

    /// Run `f` (which prints) with the bars cleared, then redraw them.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.multi.suspend(f)
    }

    /// Print a line above the bars without tearing them.
    pub fn println(&self, line: &str) {
        let _ = self.multi.println(line);
    }
}

fn truncate(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        name.to_owned()
    } else {
        let tail: String = name.chars().rev().take(max - 1).collect::<Vec<_>>().into_iter().rev().collect();
        format!("…{tail}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_names_keep_their_end() {
        assert_eq!(super::truncate("abcdef", 4), "…def");
        assert_eq!(super::truncate("abc", 4), "abc");
    }
}
