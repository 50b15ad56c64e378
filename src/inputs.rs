//! Batch inputs: expand the paths given on the command line (files and directories, walked
//! recursively) into a sorted list of media files. Problems with single entries (a symlink loop, an
//! unreadable folder, a missing path, a folder with no media) are collected as per-entry errors, never
//! fatal, so a batch keeps going with everything else. File names need not be UTF-8 (legal on Linux,
//! common in uploads from old systems): the real bytes are kept for I/O, and [`lossy`] gives the
//! display form (invalid bytes as U+FFFD) that messages and JSON carry.

use std::path::{Path, PathBuf};

/// File extensions treated as media when walking directories (files named explicitly are always taken).
pub const MEDIA_EXTENSIONS: &[&str] = &[
    "mp4", "m4v", "mov", "mkv", "webm", "avi", "ts", "mts", "m2ts", "mpg", "mpeg", "flv", "wmv", "3gp", "ogv", "m4a",
    "mp3", "aac", "wav", "flac", "ogg", "opus",
];

/// One input that could not be used, with the path it concerns.
#[derive(Debug)]
pub struct InputError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

/// The expanded batch: media files in a stable order, plus the entries that failed.
#[derive(Debug, Default)]
pub struct Batch {
    pub files: Vec<PathBuf>,
    pub errors: Vec<InputError>,
}

/// Serialise a path in its display form (lossy UTF-8) instead of failing on a name that is not
/// UTF-8, as serde's own `Path` impl does: `#[serde(serialize_with = "crate::inputs::lossy::path")]`.
pub mod lossy {
    use std::path::Path;

    pub fn path<S: serde::Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&path.to_string_lossy())
    }

    pub fn option<S: serde::Serializer, P: AsRef<Path>>(path: &Option<P>, s: S) -> Result<S::Ok, S::Error> {
        match path {
            Some(p) => s.serialize_some(&p.as_ref().to_string_lossy()),
            None => s.serialize_none(),
        }
    }
}

pub fn is_media_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| MEDIA_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Expand files and directories. Explicit files are kept in argument order; each directory contributes
/// its media files sorted by path. Duplicates are dropped.
pub fn collect(paths: &[PathBuf]) -> Batch {
    collect_matching(paths, is_media_path)
}

/// As [`collect`], with a custom filter for files found inside directories.
pub fn collect_matching(paths: &[PathBuf], keep: impl Fn(&Path) -> bool) -> Batch {
    let mut batch = Batch::default();
    for path in paths {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                batch.errors.push(InputError { path: path.clone(), message: io_message(&e) });
                continue;
            }
        };
        if !meta.is_dir() {
            batch.files.push(path.clone());
            continue;
        }
        let mut found = Vec::new();
        for entry in walkdir::WalkDir::new(path).follow_links(true).sort_by_file_name() {
            match entry {
                Ok(e) if e.file_type().is_file() && keep(e.path()) => found.push(e.into_path()),
                Ok(_) => {}
                Err(e) => {
                    let at = e.path().unwrap_or(path).to_owned();
                    let message = if e.loop_ancestor().is_some() {
                        "symbolic link loop, skipped".to_owned()
                    } else if let Some(io) = e.io_error() {
                        io_message(io)
                    } else {
                        e.to_string()
                    };
                    batch.errors.push(InputError { path: at, message });
                }
            }
        }
        if found.is_empty() {
            batch.errors.push(InputError { path: path.clone(), message: "directory contains no media files".into() });
        }
        found.sort();
        batch.files.extend(found);
    }
    let mut seen = std::collections::HashSet::new();
    batch.files.retain(|p| seen.insert(p.clone()));
    batch
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_are_walked_sorted_and_filtered_by_extension() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        for name in ["b.mp4", "a.MOV", "notes.txt", "sub/c.webm"] {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        let batch = collect(&[dir.path().to_owned()]);
        let names: Vec<_> = batch.files.iter().map(|p| p.strip_prefix(dir.path()).unwrap().to_owned()).collect();
        assert_eq!(names, [PathBuf::from("a.MOV"), "b.mp4".into(), "sub/c.webm".into()]);
        assert!(batch.errors.is_empty());
    }

    #[test]
    fn missing_paths_and_empty_directories_are_reported_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("x.mp4");
        std::fs::write(&real, b"").unwrap();
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        let batch = collect(&[dir.path().join("missing.mp4"), real.clone(), empty]);
        assert_eq!(batch.files, [real]);
        assert_eq!(batch.errors.len(), 2);
        assert!(batch.errors[0].message.contains("no such file"));
        assert!(batch.errors[1].message.contains("no media"));
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.mp4"), b"").unwrap();
        std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
        let batch = collect(&[dir.path().to_owned()]);
        assert_eq!(batch.files.len(), 1);
        assert!(batch.errors.iter().any(|e| e.message.contains("loop")), "{:?}", batch.errors);
    }
}
