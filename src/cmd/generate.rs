//! `playtube generate` (hidden): writes shell completions into `completions/` and one man page per
//! subcommand into `man/`. The committed copies are checked against a fresh run by a test, so they
//! never drift from the clap definition.

use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, GenerateArgs};
use crate::config::Settings;
use crate::exit::Code;

/// The EXIT STATUS section appended to every man page (kept in step with `exit.rs` and the README).
const EXIT_STATUS: &str = ".SH \"EXIT STATUS\"\n\
.TP\n0\nSuccess (also when the reader of stdout closes the pipe early).\n\
.TP\n1\nA batch finished but some inputs failed (each one reported), or a check failed (signature rejected, HLS package invalid).\n\
.TP\n2\nUsage, configuration or environment error: a bad flag value, an unknown key in playtube.toml, ffmpeg or ffprobe not found.\n\
.TP\n130\nInterrupted by Ctrl-C or SIGTERM; children were stopped and partial outputs removed.\n";

pub fn run(settings: &Settings, args: &GenerateArgs) -> anyhow::Result<Code> {
    write_all(&args.out)?;
    settings.output.info(format_args!("wrote completions/ and man/ under {}", args.out.display()));
    Ok(Code::Success)
}

/// Write every generated file under `out/completions` and `out/man`.
pub fn write_all(out: &Path) -> anyhow::Result<()> {
    let completions = out.join("completions");
    let man = out.join("man");
    std::fs::create_dir_all(&completions).with_context(|| format!("creating {}", completions.display()))?;
    std::fs::create_dir_all(&man).with_context(|| format!("creating {}", man.display()))?;

    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::PowerShell, Shell::Elvish] {
        let mut cmd = Cli::command();
        clap_complete::generate_to(shell, &mut cmd, "playtube", &completions)
            .with_context(|| format!("writing {shell} completions"))?;
    }

    let root = Cli::command();
    write_man(&man, "playtube", root.clone())?;
    for sub in root.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("playtube-{}", sub.get_name());
        write_man(&man, &name, sub.clone().name(name.clone()))?;
    }
    Ok(())
}

fn write_man(dir: &Path, name: &str, cmd: clap::Command) -> anyhow::Result<()> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut buf)?;
    buf.extend_from_slice(EXIT_STATUS.as_bytes());
    let path = dir.join(format!("{name}.1"));
    crate::atomic::write(&path, &buf).with_context(|| format!("writing {}", path.display()))
}
