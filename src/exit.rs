//! Exit codes and the one error printer. Owns the mapping from an error (or a batch outcome) to the
//! documented exit status; it does not decide what is an error, only how it ends the process.
//!
//! | code | meaning |
//! |------|---------|
//! | 0    | success (also: output pipe closed by the reader) |
//! | 1    | a batch finished but some inputs failed, or a check (signature, HLS validation) failed |
//! | 2    | usage, configuration or environment error (bad flag value, unknown config key, ffmpeg missing) |
//! | 130  | interrupted (Ctrl-C / SIGTERM) |

use std::fmt;
use std::io::Write;

/// A documented process exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Success,
    Failures,
    Usage,
    Interrupted,
}

impl Code {
    pub fn as_i32(self) -> i32 {
        match self {
            Code::Success => 0,
            Code::Failures => 1,
            Code::Usage => 2,
            Code::Interrupted => 130,
        }
    }
}

impl From<Code> for std::process::ExitCode {
    fn from(code: Code) -> Self {
        std::process::ExitCode::from(code.as_i32() as u8)
    }
}

/// A usage, configuration or environment error: exit 2, with an optional hint line saying what to do.
#[derive(Debug)]
pub struct UsageError {
    pub message: String,
    pub hint: Option<String>,
}

impl UsageError {
    pub fn new(message: impl Into<String>) -> Self {
        UsageError { message: message.into(), hint: None }
    }

    pub fn with_hint(message: impl Into<String>, hint: impl Into<String>) -> Self {
        UsageError { message: message.into(), hint: Some(hint.into()) }
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UsageError {}

/// The run was interrupted by Ctrl-C or SIGTERM after children were killed and temp files removed.
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// The exit code an error maps to, by looking through its whole chain.
pub fn code_for(err: &anyhow::Error) -> Code {
    for cause in err.chain() {
        if cause.downcast_ref::<Interrupted>().is_some() {
            return Code::Interrupted;
        }
        if cause.downcast_ref::<UsageError>().is_some() {
            return Code::Usage;
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::BrokenPipe {
                return Code::Success;
            }
        }
    }
    Code::Failures
}

/// Print `playtube: error: {err:#}` (and a hint line when the error carries one) to stderr and return
/// the exit code for it. A closed output pipe prints nothing and exits 0, like `head` expects.
pub fn report(err: &anyhow::Error) -> Code {
    let code = code_for(err);
    if code == Code::Success {
        return code;
    }
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "playtube: error: {err:#}");
    if let Some(hint) = err.chain().find_map(|c| c.downcast_ref::<UsageError>().and_then(|u| u.hint.clone())) {
        let _ = writeln!(stderr, "hint: {hint}");
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn usage_error_deep_in_a_chain_exits_2() {
        let err = anyhow::Error::new(UsageError::new("bad key")).context("reading playtube.toml");
        assert_eq!(code_for(&err), Code::Usage);
    }

    #[test]
    fn interrupted_exits_130() {
        let err: anyhow::Error = Err::<(), _>(Interrupted).context("encoding").unwrap_err();
        assert_eq!(code_for(&err), Code::Interrupted);
    }

    #[test]
    fn broken_pipe_exits_0_and_plain_errors_exit_1() {
        let pipe = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert_eq!(code_for(&pipe), Code::Success);
        assert_eq!(code_for(&anyhow::anyhow!("corrupt input")), Code::Failures);
    }
}
