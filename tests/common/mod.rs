//! Shared test helpers: a sterile `playtube` command (HOME, XDG_CONFIG_HOME and PLAYTUBE_* cleared,
//! NO_COLOR=1, a temp working directory) and paths to the fixtures. Every integration test file
//! includes this with `mod common;`.

#![allow(dead_code)]

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

/// A sterile command plus the temp directory it runs in (keep the guard alive for the test).
pub fn playtube() -> (Command, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    (playtube_in(dir.path()), dir)
}
