//! Shared test helpers: a sterile `playtube` command (HOME, XDG_CONFIG_HOME and PLAYTUBE_* cleared,
//! NO_COLOR=1, a temp working directory) and paths to the fixtures. Every integration test file
//! includes this with `mod common;`.

#![allow(dead_code)]

pub mod nginx;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The fixtures folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub fn fixture(name: &str) -> PathBuf {
    fixtures().join(name)
}

/// A `playtube` command with a clean environment, run in `cwd`.
pub fn playtube_in(cwd: &Path) -> Command {
    let mut cmd = Command::cargo_bin("playtube").expect("binary built");
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("PLAYTUBE_")
            || key.starts_with("VIDEO_")
            || key.starts_with("AWS_")
            || matches!(key.as_str(), "GO_VIDEO_SECRET_KEY" | "ALLOWED_ORIGINS" | "HLS_SEGMENT_DURATION")
        {
            cmd.env_remove(&key);
        }
    }
    cmd.env("HOME", cwd).env("XDG_CONFIG_HOME", cwd.join(".config")).env("NO_COLOR", "1").current_dir(cwd);
    cmd
}

/// The external program `name`, looked up on PATH (and in the `sbin` beside each `bin` directory on
/// PATH, where Debian installs nginx). A missing program FAILS the test, saying which package to
/// install: a test whose tool is absent must not pass without having run.
pub fn required_tool(name: &str, package: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let sbin = (dir.file_name() == Some("bin".as_ref())).then(|| dir.with_file_name("sbin"));
        for dir in std::iter::once(dir).chain(sbin) {
            let candidate = dir.join(name);
            if std::fs::metadata(&candidate).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0) {
                return candidate;
            }
        }
    }
    panic!(
        "{name} is not installed (not on PATH={}): install it with `apt-get install {package}` (.ci/run does); \
         this test needs it and does not skip",
        path.to_string_lossy()
    )
}

/// A sterile command plus the temp directory it runs in (keep the guard alive for the test).
pub fn playtube() -> (Command, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    (playtube_in(dir.path()), dir)
}
