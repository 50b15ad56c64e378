//! The command line as clap derive types, and nothing else: every flag, its long help (the doc comments)
//! and its value hint. Turning these raw values into validated settings is `config`'s job.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum, ValueHint};

/// Prepare videos for web playback and deliver them.
///
/// playtube probes media, moves the MP4 index to the front (faststart), builds quality ladders and HLS
/// packages with ffmpeg, signs expiring links and serves the result over HTTP.
#[derive(Debug, Parser)]
#[command(name = "playtube", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml.
    #[arg(long, global = true, value_name = "FILE", value_hint = ValueHint::FilePath, env = "PLAYTUBE_CONFIG")]
    pub config: Option<PathBuf>,

    /// Print machine-readable JSON on stdout instead of tables.
    #[arg(long, global = true)]
    pub json: bool,

    /// Print nothing but errors; no progress bars.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Say more (repeat for more detail: -vv shows every ffmpeg command line).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// When to use colours. NO_COLOR in the environment means never, unless --color=always.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write shell completions and man pages (used to refresh completions/ and man/).
    #[command(hide = true)]
    Generate(GenerateArgs),
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The project directory whose completions/ and man/ folders are (re)written.
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath, default_value = ".")]
    pub out: PathBuf,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_flags_are_accepted_after_the_subcommand() {
        let cli = Cli::try_parse_from(["playtube", "generate", "--json", "-vv", "--color", "never"]).unwrap();
        assert!(cli.json);
        assert_eq!(cli.verbose, 2);
        assert_eq!(cli.color, ColorChoice::Never);
    }
}
