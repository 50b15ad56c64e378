//! Fuzz target: the MP4 box reader and the faststart planner/rewriter. The input is written to a file
//! (in a per-process temp dir) because both work on files. Checks: the top-level layout tiles the file
//! exactly; a rewrite leaves an output whose moov comes first and no temp file; a refusal leaves no
//! output at all.

use std::path::Path;

use playtube::pipeline::mp4::{self, Destination, Options, Outcome};

fn check(dir: &Path, data: &[u8]) {
    let input = dir.join("in.mp4");
    let output = dir.join("out.mp4");
    std::fs::write(&input, data).unwrap();
    let _ = std::fs::remove_file(&output);
    if let Ok(layout) = mp4::read_layout(&input) {
        let mut at = 0;
        for b in &layout.boxes {
            assert_eq!(b.offset, at, "boxes must tile the file");
            at = b.end();
        }
        assert_eq!(at, data.len() as u64);
    }
    // A small threshold also exercises the stco -> co64 widening on small inputs.
    let threshold = if data.len() % 2 == 0 { u64::from(u32::MAX) } else { 64 };
    let result = mp4::faststart(&input, &Destination::File(output.clone()), &Options { co64_threshold: threshold }, &|_| false);
    match result {
        Ok(Outcome::Rewritten(_)) => {
            let layout = mp4::read_layout(&output).expect("a rewritten output reads back");
            assert_eq!(layout.faststart(), Some(true), "moov first after a rewrite");
        }
        Ok(_) => {}
        Err(_) => assert!(!output.exists(), "a refused input leaves no output"),
    }
    let leftovers = std::fs::read_dir(dir).unwrap().filter(|e| {
        e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".partial")
    });
    assert_eq!(leftovers.count(), 0, "no temp file left");
}

fn main() {
    // /dev/shm keeps the per-input file writes off the disk.
    let base = if Path::new("/dev/shm").is_dir() { Path::new("/dev/shm").to_owned() } else { std::env::temp_dir() };
    let dir = tempfile::Builder::new().prefix("playtube-fuzz-mp4-").tempdir_in(base).unwrap();
    afl::fuzz!(|data: &[u8]| {
        check(dir.path(), data);
    });
}
