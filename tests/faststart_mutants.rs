//! `faststart` on damaged files is lossless or refuses: a seeded mutation run over the
//! `moov-at-end.mp4` fixture (box sizes set to 0 or nudged, box types swapped, chunk offsets nudged,
//! random bytes). Every mutant that `faststart` reports as rewritten must decode (ffmpeg, one thread)
//! to exactly the frames the mutant itself decodes to; every refusal leaves no output and no temp
//! file; with `--in-place` a refused file keeps its bytes and a rewritten one decodes as before.
//! The mutations are structure-aware (they are aimed at box headers inside `moov`), so a few hundred
//! mutants reach the cases that thousands of random byte flips hit only a handful of times.

mod common;

use std::path::Path;
use std::process::Command;

use playtube::pipeline::mp4::{self, Destination, Options, Outcome};

/// Mutants per run; a fixed seed keeps every run (and every failure) reproducible.
const MUTANTS: usize = 300;
const SEED: u64 = 0x5eed_fa57_57a7_0013;
/// One in this many mutants is also rewritten `--in-place`.
const IN_PLACE_EVERY: usize = 4;

/// Containers whose children are walked to find headers to damage: the path to the chunk-offset
/// tables and the boxes ffmpeg also descends into.
const CONTAINERS: &[&[u8; 4]] = &[b"moov", b"trak", b"mdia", b"minf", b"stbl", b"dinf", b"edts", b"udta"];
/// Types swapped in for a box's own type.
const SWAP_TYPES: &[&[u8; 4]] = &[
    b"free", b"skip", b"dinf", b"edts", b"stbl", b"trak", b"mdia", b"minf", b"stco", b"co64", b"udta", b"moov",
    b"mdat", b"hoov", b"meta", b"uuid",
];

/// xorshift64*: a tiny seeded generator, so the test needs no extra crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A box header found by a lenient walk (independent of the reader under test).
#[derive(Debug, Clone, Copy)]
struct Header {
    at: usize,
    kind: [u8; 4],
    size: usize,
}

fn walk(bytes: &[u8], start: usize, end: usize, depth: usize, out: &mut Vec<Header>) {
    let mut at = start;
    while at + 8 <= end && depth < 8 {
        let size32 = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let kind: [u8; 4] = bytes[at + 4..at + 8].try_into().unwrap();
        let size = if size32 == 0 { end - at } else { size32 };
        if size < 8 || at + size > end {
            return;
        }
        out.push(Header { at, kind, size });
        if CONTAINERS.contains(&&kind) {
            walk(bytes, at + 8, at + size, depth + 1, out);
        }
        at += size;
    }
}

/// Headers inside `moov` (not `moov` itself) and the chunk-offset entries' positions.
fn targets(bytes: &[u8]) -> (Vec<Header>, Vec<usize>) {
    let mut all = Vec::new();
    walk(bytes, 0, bytes.len(), 0, &mut all);
    let moov = all.iter().find(|h| &h.kind == b"moov").copied().expect("the fixture has a moov");
    let inside: Vec<Header> = all.into_iter().filter(|h| h.at > moov.at && h.at < moov.at + moov.size).collect();
    let mut entries = Vec::new();
    for h in inside.iter().filter(|h| &h.kind == b"stco") {
        let n = u32::from_be_bytes(bytes[h.at + 12..h.at + 16].try_into().unwrap()) as usize;
        entries.extend((0..n).map(|i| h.at + 16 + 4 * i));
    }
    (inside, entries)
}

fn put_u32(bytes: &mut [u8], at: usize, v: u32) {
    bytes[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

/// Apply one to three seeded mutations; returns their description for failure messages.
fn mutate(rng: &mut Rng, base: &[u8], headers: &[Header], entries: &[usize]) -> (Vec<u8>, String) {
    let mut bytes = base.to_vec();
    let mut what = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let h = headers[rng.below(headers.len())];
        let kind = String::from_utf8_lossy(&h.kind).into_owned();
        match rng.below(7) {
            0 | 1 => {
                put_u32(&mut bytes, h.at, 0);
                what.push(format!("{kind}@{} size 0", h.at));
            }
            2 => {
                let delta = 1 + rng.below(16) as i64;
                let new = if rng.below(2) == 0 { h.size as i64 + delta } else { h.size as i64 - delta }.max(0);
                put_u32(&mut bytes, h.at, new as u32);
                what.push(format!("{kind}@{} size {new}", h.at));
            }
            3 => {
                let t = SWAP_TYPES[rng.below(SWAP_TYPES.len())];
                bytes[h.at + 4..h.at + 8].copy_from_slice(t);
                what.push(format!("{kind}@{} type {}", h.at, String::from_utf8_lossy(t)));
            }
            4 if !entries.is_empty() => {
                let at = entries[rng.below(entries.len())];
                let old = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
                let new = old.wrapping_add(rng.below(64) as u32).wrapping_sub(32);
                put_u32(&mut bytes, at, new);
                what.push(format!("chunk offset@{at} {old}->{new}"));
            }
            _ => {
                let at = h.at + rng.below(h.size.min(64));
                let v = rng.next() as u8;
                bytes[at] = v;
                what.push(format!("byte@{at}={v}"));
            }
        }
    }
    (bytes, what.join(", "))
}

/// Exit status and the checksum, timestamps and size of every audio and video packet ffmpeg's
/// demuxer reads (stream copy into framemd5: the exact bytes a decoder would get, so equal lists mean
/// equal decoded frames, at a fraction of the cost of decoding). Comment lines (naming the file) are dropped.
fn decode(file: &Path) -> (bool, Vec<String>) {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "quiet", "-i"])
        .arg(file)
        .args(["-map", "0:v?", "-map", "0:a?", "-c", "copy", "-f", "framemd5", "-"])
        .output()
        .expect("ffmpeg runs (apt-get install ffmpeg)");
    let text = String::from_utf8_lossy(&out.stdout);
    (out.status.success(), text.lines().filter(|l| !l.starts_with('#')).map(str::to_owned).collect())
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn every_successful_rewrite_of_a_damaged_file_decodes_like_its_input() {
    let base = std::fs::read(common::fixture("moov-at-end.mp4")).unwrap();
    let (headers, entries) = targets(&base);
    assert!(headers.len() > 20 && !entries.is_empty(), "the fixture's moov was walked");
    let mut rng = Rng(SEED);
    let (mut rewritten, mut refused, mut unchanged) = (0, 0, 0);
    let mut failures = Vec::new();
    for i in 0..MUTANTS {
        let (bytes, what) = mutate(&mut rng, &base, &headers, &entries);
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.mp4");
        std::fs::write(&input, &bytes).unwrap();
        let out = dir.path().join("out.mp4");
        let result = mp4::faststart(&input, &Destination::File(out.clone()), &Options::default(), &|_| false);
        let in_place = i % IN_PLACE_EVERY == 0;
        match &result {
            Ok(Outcome::Rewritten(_)) => {
                rewritten += 1;
                let before = decode(&input);
                if decode(&out) != before {
                    failures.push(format!("mutant {i} ({what}): rewritten but decodes differently"));
                }
                if in_place {
                    let copy = dir.path().join("copy.mp4");
                    std::fs::write(&copy, &bytes).unwrap();
                    let again = mp4::faststart(&copy, &Destination::InPlace, &Options::default(), &|_| false);
                    if !matches!(again, Ok(Outcome::Rewritten(_))) || decode(&copy) != before {
                        failures.push(format!("mutant {i} ({what}): --in-place gave {again:?} or lost frames"));
                    }
                }
            }
            Ok(_) => unchanged += 1,
            Err(_) => {
                refused += 1;
                if names(dir.path()) != ["in.mp4"] {
                    failures.push(format!("mutant {i} ({what}): refused but left {:?}", names(dir.path())));
                }
                if in_place {
                    let copy = dir.path().join("copy.mp4");
                    std::fs::write(&copy, &bytes).unwrap();
                    let again = mp4::faststart(&copy, &Destination::InPlace, &Options::default(), &|_| false);
                    if again.is_ok() || std::fs::read(&copy).unwrap() != bytes {
                        failures.push(format!("mutant {i} ({what}): --in-place changed a refused file"));
                    }
                }
            }
        }
    }
    eprintln!("{MUTANTS} mutants: {rewritten} rewritten, {refused} refused, {unchanged} left as they were");
    assert!(failures.is_empty(), "{} of {MUTANTS} mutants lost data:\n{}", failures.len(), failures.join("\n"));
    // The run must exercise the rewrite, not only refusals.
    assert!(rewritten >= MUTANTS / 5, "only {rewritten} of {MUTANTS} mutants were rewritten");
    assert!(refused >= MUTANTS / 5, "only {refused} of {MUTANTS} mutants were refused");
}
