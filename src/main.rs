//! The `playtube` binary: parse the command line, hand it to the library, turn the outcome into an exit
//! code. Everything else lives in the library target so tests can drive it in-process.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = playtube::cli::Cli::parse();
    match playtube::run(cli) {
        Ok(code) => code.into(),
        Err(err) => playtube::exit::report(&err).into(),
    }
}
