//! Generated completions and man pages are committed; this test regenerates them and fails on drift.
//! Refresh with `cargo run -- generate --out .`.

mod common;

use std::path::Path;

fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.unwrap())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect();
    out.sort();
    out
}

#[test]
fn committed_completions_and_man_pages_match_the_cli() {
    let (mut cmd, dir) = common::playtube();
    cmd.args(["generate", "--out"]).arg(dir.path()).assert().success();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for sub in ["completions", "man"] {
        let fresh = files_under(&dir.path().join(sub));
        let committed = files_under(&repo.join(sub));
        let names = |v: &[(String, Vec<u8>)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(names(&committed), names(&fresh), "{sub}/ files differ; run `cargo run -- generate --out .`");
        for ((name, a), (_, b)) in committed.iter().zip(&fresh) {
            assert!(a == b, "{sub}/{name} is stale; run `cargo run -- generate --out .`");
        }
    }
}

#[test]
fn every_man_page_documents_the_exit_codes() {
    let man = Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    for (name, text) in files_under(&man) {
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("EXIT STATUS") && text.contains("130"), "{name} lacks the exit codes");
    }
}
