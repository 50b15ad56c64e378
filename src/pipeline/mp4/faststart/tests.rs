//! Unit tests of the faststart rewrite on small hand-built files: offsets, co64 upgrades, refusals of
//! what it does not fully understand, and the check of the output before it is renamed into place.

use super::super::boxes::tests::boxed;
use super::*;

fn stco(offsets: &[u32]) -> Vec<u8> {
    let mut p = vec![0, 0, 0, 0];
    p.extend_from_slice(&(offsets.len() as u32).to_be_bytes());
    offsets.iter().for_each(|o| p.extend_from_slice(&o.to_be_bytes()));
    boxed(b"stco", &p)
}

/// One run of one-sample chunks (stsc) of 1 byte each (stsz).
fn sample_tables(chunks: u32) -> Vec<u8> {
    let stsc: Vec<u8> = [0u32, 1, 1, 1, 1].iter().flat_map(|v| v.to_be_bytes()).collect();
    let stsz: Vec<u8> = [0u32, 1, chunks].iter().flat_map(|v| v.to_be_bytes()).collect();
    [boxed(b"stsc", &stsc), boxed(b"stsz", &stsz)].concat()
}

fn trak(table: Vec<u8>) -> Vec<u8> {
    let chunks = u32::from_be_bytes(table[12..16].try_into().unwrap());
    let stbl = boxed(b"stbl", &[sample_tables(chunks), table].concat());
    let minf = boxed(b"minf", &[boxed(b"vmhd", &[1; 12]), stbl].concat());
    boxed(b"trak", &[boxed(b"tkhd", &[2; 20]), boxed(b"mdia", &minf)].concat())
}

fn moov(traks: Vec<Vec<u8>>) -> Vec<u8> {
    boxed(b"moov", &[vec![boxed(b"mvhd", &[3; 16])], traks].concat().concat())
}

/// Offsets (in the output) of every chunk-offset entry, table by table, with the table type.
fn tables(bytes: &[u8]) -> Vec<(String, Vec<u64>)> {
    fn walk(bytes: &[u8], mut at: usize, end: usize, out: &mut Vec<(String, Vec<u64>)>) {
        while at < end {
            let mut size = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
            if size == 1 {
                size = u64::from_be_bytes(bytes[at + 8..at + 16].try_into().unwrap()) as usize;
            }
            let kind = String::from_utf8_lossy(&bytes[at + 4..at + 8]).into_owned();
            match kind.as_str() {
                "moov" | "trak" | "mdia" | "minf" | "stbl" => walk(bytes, at + 8, at + size, out),
                "stco" | "co64" => {
                    let wide = kind == "co64";
                    let n = u32::from_be_bytes(bytes[at + 12..at + 16].try_into().unwrap()) as usize;
                    let w = if wide { 8 } else { 4 };
                    assert_eq!(size, 16 + n * w, "{kind} size");
                    let entries = (0..n)
                        .map(|i| {
                            let e = &bytes[at + 16 + i * w..at + 16 + (i + 1) * w];
                            if wide {
                                u64::from_be_bytes(e.try_into().unwrap())
                            } else {
                                u64::from(u32::from_be_bytes(e.try_into().unwrap()))
                            }
                        })
                        .collect();
                    out.push((kind, entries));
                }
                _ => {}
            }
            at += size;
        }
    }
    let mut out = Vec::new();
    walk(bytes, 0, bytes.len(), &mut out);
    out
}

fn run(input: &[u8], options: &Options) -> (Result<Outcome, Mp4Error>, Vec<u8>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("in.mp4");
    std::fs::write(&src, input).unwrap();
    let out = dir.path().join("out.mp4");
    let result = faststart(&src, &Destination::File(out.clone()), options, &|_| false);
    let bytes = std::fs::read(&out).unwrap_or_default();
    (result, bytes, dir)
}

fn position(bytes: &[u8], needle: &[u8]) -> usize {
    bytes.windows(needle.len()).position(|w| w == needle).unwrap()
}

#[test]
fn moov_moves_before_mdat_and_offsets_shift_by_its_size() {
    let ftyp = boxed(b"ftyp", b"isom\0\0\0\0");
    let mdat = boxed(b"mdat", &(0u8..100).collect::<Vec<_>>());
    let data_start = (ftyp.len() + 8) as u32;
    let moov = moov(vec![trak(stco(&[data_start, data_start + 40]))]);
    let input = [ftyp.clone(), mdat.clone(), moov.clone()].concat();
    let (result, out, _dir) = run(&input, &Options::default());
    let Outcome::Rewritten(rw) = result.unwrap() else { panic!("not rewritten") };
    assert_eq!((rw.moov_size_before, rw.moov_size_after, rw.chunk_offsets), (moov.len() as u64, moov.len() as u64, 2));
    assert_eq!(out.len(), input.len());
    assert_eq!(&out[..ftyp.len()], &ftyp[..]);
    assert_eq!(&out[ftyp.len() + moov.len()..], &mdat[..], "mdat copied byte for byte");
    let shifted = data_start as u64 + moov.len() as u64;
    assert_eq!(tables(&out), [("stco".to_owned(), vec![shifted, shifted + 40])]);
    assert_eq!(out[shifted as usize], 0, "the first chunk offset points at the first media byte");
    assert_eq!(out[shifted as usize + 40], 40);
    // Untouched leaves inside moov are identical.
    for leaf in [boxed(b"mvhd", &[3; 16]), boxed(b"tkhd", &[2; 20]), sample_tables(2)] {
        position(&out, &leaf);
    }
}

#[test]
fn forced_upgrade_turns_stco_into_co64_and_grows_moov() {
    let ftyp = boxed(b"ftyp", b"isom");
    let mdat = boxed(b"mdat", &[5; 64]);
    let start = (ftyp.len() + 8) as u32;
    let moov = moov(vec![trak(stco(&[start, start + 8, start + 16]))]);
    let input = [ftyp.clone(), mdat, moov.clone()].concat();
    let (result, out, _dir) = run(&input, &Options { co64_threshold: 0 });
    let Outcome::Rewritten(rw) = result.unwrap() else { panic!("not rewritten") };
    assert_eq!(rw.tables_upgraded, 1);
    assert_eq!(rw.moov_size_after, moov.len() as u64 + 12, "three entries grow by 4 bytes each");
    let shifted = u64::from(start) + rw.moov_size_after;
    assert_eq!(tables(&out), [("co64".to_owned(), vec![shifted, shifted + 8, shifted + 16])]);
    assert_eq!(out.len(), input.len() + 12);
}

#[test]
fn an_upgrade_that_pushes_another_table_over_the_limit_upgrades_it_too() {
    let ftyp = boxed(b"ftyp", b"isom");
    let mdat = boxed(b"mdat", &[5; 400]);
    let start = (ftyp.len() + 8) as u32;
    // Track A: 50 entries ending at start+300; track B: one entry at start+290.
    let a: Vec<u32> = (0..50).map(|i| start + 6 * i + 6).collect();
    let b = [start + 290];
    let moov = moov(vec![trak(stco(&a)), trak(stco(&b))]);
    let m = moov.len() as u64;
    // A's largest new offset (start+300+m) is over the limit; B's (start+290+m) is not, until A's
    // upgrade grows moov by 200 bytes.
    let threshold = u64::from(start) + 295 + m;
    let input = [ftyp, mdat, moov].concat();
    let (result, out, _dir) = run(&input, &Options { co64_threshold: threshold });
    let Outcome::Rewritten(rw) = result.unwrap() else { panic!("not rewritten") };
    assert_eq!(rw.tables_upgraded, 2);
    let kinds: Vec<String> = tables(&out).into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, ["co64", "co64"]);
    assert_eq!(tables(&out)[1].1, [u64::from(start) + 290 + m + 200 + 4]);
}

#[test]
fn offsets_into_a_second_mdat_after_moov_move_only_by_the_growth() {
    let ftyp = boxed(b"ftyp", b"isom");
    let mdat1 = boxed(b"mdat", &[1; 32]);
    let start1 = (ftyp.len() + 8) as u32;
    let mdat2 = boxed(b"mdat", &[2; 32]);
    let trak_len = trak(stco(&[0, 0])).len();
    let moov_len = 8 + 24 + trak_len;
    let start2 = (ftyp.len() + mdat1.len() + moov_len + 8) as u32;
    let moov = moov(vec![trak(stco(&[start1, start2]))]);
    assert_eq!(moov.len(), moov_len);
    let input = [ftyp, mdat1, moov, mdat2].concat();
    let (result, out, _dir) = run(&input, &Options::default());
    assert!(matches!(result.unwrap(), Outcome::Rewritten(_)));
    assert_eq!(tables(&out)[0].1, [u64::from(start1) + moov_len as u64, u64::from(start2)]);
    assert_eq!(out[start2 as usize], 2);
}

#[test]
fn chunk_offset_outside_the_media_is_corrupt_and_nothing_is_written() {
    let ftyp = boxed(b"ftyp", b"isom");
    let mdat = boxed(b"mdat", &[1; 16]);
    let input = [ftyp, mdat, moov(vec![trak(stco(&[9999]))])].concat();
    let (result, out, dir) = run(&input, &Options::default());
    assert!(matches!(result.unwrap_err(), Mp4Error::Corrupt(m) if m.contains("9999")));
    assert!(out.is_empty());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "only the input is left");
}

#[test]
fn stopping_mid_copy_removes_the_temp_file() {
    let ftyp = boxed(b"ftyp", b"isom");
    let mdat = boxed(b"mdat", &[1; 16]);
    let input = [ftyp.clone(), mdat, moov(vec![trak(stco(&[ftyp.len() as u32 + 8]))])].concat();
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("in.mp4");
    std::fs::write(&src, &input).unwrap();
    let calls = std::cell::Cell::new(0);
    let stop = |_| {
        calls.set(calls.get() + 1);
        calls.get() > 1
    };
    let err = faststart(&src, &Destination::File(dir.path().join("out.mp4")), &Options::default(), &stop).unwrap_err();
    assert!(matches!(err, Mp4Error::Interrupted(_)));
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["in.mp4"]);
}

#[test]
fn co64_input_stays_co64_and_a_largesize_mdat_keeps_its_header() {
    let ftyp = boxed(b"ftyp", b"isom");
    // mdat with a 64-bit largesize header (16 bytes).
    let mut mdat = 1u32.to_be_bytes().to_vec();
    mdat.extend_from_slice(b"mdat");
    mdat.extend_from_slice(&(16u64 + 24).to_be_bytes());
    mdat.extend_from_slice(&[4; 24]);
    let start = (ftyp.len() + 16) as u64;
    let mut co64 = vec![0, 0, 0, 0, 0, 0, 0, 2];
    co64.extend_from_slice(&start.to_be_bytes());
    co64.extend_from_slice(&(start + 12).to_be_bytes());
    let moov = moov(vec![trak(boxed(b"co64", &co64))]);
    let input = [ftyp.clone(), mdat.clone(), moov.clone()].concat();
    let (result, out, _dir) = run(&input, &Options::default());
    let Outcome::Rewritten(rw) = result.unwrap() else { panic!("not rewritten") };
    assert_eq!((rw.tables_upgraded, rw.moov_size_after), (0, moov.len() as u64));
    let m = moov.len() as u64;
    assert_eq!(tables(&out), [("co64".to_owned(), vec![start + m, start + m + 12])]);
    assert_eq!(&out[ftyp.len() + moov.len()..], &mdat[..]);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    /// Damaged files (bytes overwritten anywhere) give an error or a checked output, never a
    /// panic, and never leave a temp file behind.
    #[test]
    fn damaged_input_never_panics_or_leaves_temp_files(
        hits in proptest::collection::vec((0usize..400, proptest::prelude::any::<u8>()), 1..6)
    ) {
        let ftyp = boxed(b"ftyp", b"isom\0\0\0\0");
        let mdat = boxed(b"mdat", &[7; 64]);
        let start = (ftyp.len() + 8) as u32;
        let mut input = [ftyp, mdat, moov(vec![trak(stco(&[start, start + 9])), trak(stco(&[start + 30]))])].concat();
        for (at, byte) in hits {
            let len = input.len();
            input[at % len] = byte;
        }
        let (result, out, dir) = run(&input, &Options::default());
        if let Ok(Outcome::Rewritten(_)) = result {
            proptest::prop_assert!(tables(&out).iter().flat_map(|(_, e)| e).all(|&o| (o as usize) < out.len()));
        }
        let leftovers = entries(dir.path()).into_iter().filter(|n| n.ends_with(".partial")).count();
        proptest::prop_assert_eq!(leftovers, 0);
    }
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
}

#[test]
fn stco_with_a_wrong_entry_count_is_corrupt() {
    let mut table = stco(&[1, 2]);
    table[15] = 7; // claims 7 entries, holds 2
    let input = [boxed(b"ftyp", b"isom"), boxed(b"mdat", &[0; 8]), moov(vec![trak(table)])].concat();
    let (result, _, _dir) = run(&input, &Options::default());
    assert!(matches!(result.unwrap_err(), Mp4Error::Corrupt(m) if m.contains("7 entries")));
}

/// `ftyp`, an `mdat` of 64 bytes, then `moov` built from `traks`; and where the media starts.
fn file_with(traks: impl FnOnce(u32) -> Vec<Vec<u8>>) -> Vec<u8> {
    let ftyp = boxed(b"ftyp", b"isom");
    let start = (ftyp.len() + 8) as u32;
    [ftyp, boxed(b"mdat", &(0u8..64).collect::<Vec<_>>()), moov(traks(start))].concat()
}

/// The error of a refused rewrite, after checking that nothing but the input is left.
fn refused(input: &[u8]) -> String {
    let (result, out, dir) = run(input, &Options::default());
    let err = result.expect_err("the rewrite must be refused");
    assert!(out.is_empty(), "no output for a refused file");
    assert_eq!(entries(dir.path()), ["in.mp4"]);
    err.to_string()
}

#[test]
fn a_size_zero_dinf_that_swallows_the_sample_table_is_refused_naming_it() {
    // ffmpeg reads `dinf` as a container and finds the stbl (and its stco) inside it; a rewrite
    // treating `dinf` as opaque would leave that table unshifted.
    let input = file_with(|start| {
        let stbl = boxed(b"stbl", &[sample_tables(1), stco(&[start])].concat());
        let minf = boxed(b"minf", &[boxed(b"vmhd", &[1; 12]), vec![0, 0, 0, 0], b"dinf".to_vec(), stbl].concat());
        vec![boxed(b"trak", &[boxed(b"tkhd", &[2; 20]), boxed(b"mdia", &minf)].concat())]
    });
    let err = refused(&input);
    assert!(err.contains("dinf") && err.contains("size 0") && err.contains("minf"), "{err}");
}

#[test]
fn a_size_zero_edts_inside_trak_is_refused() {
    let input = file_with(|start| {
        let t = trak(stco(&[start]));
        // Insert an `edts` with size 0 right after tkhd: it now runs over the mdia.
        let tkhd_end = 8 + 28;
        let mut body = t[8..tkhd_end].to_vec();
        body.extend_from_slice(&[0, 0, 0, 0]);
        body.extend_from_slice(b"edts");
        body.extend_from_slice(&t[tkhd_end..]);
        vec![boxed(b"trak", &body)]
    });
    let err = refused(&input);
    assert!(err.contains("edts") && err.contains("size 0"), "{err}");
}

#[test]
fn a_chunk_offset_table_outside_the_sample_table_is_refused() {
    let input = file_with(|start| vec![trak(stco(&[start])), boxed(b"udta", &stco(&[start + 4]))]);
    let err = refused(&input);
    assert!(err.contains("stco") && err.contains("udta") && err.contains("outside trak/mdia/minf/stbl"), "{err}");
}

#[test]
fn a_track_without_exactly_one_sample_table_is_refused() {
    let input = file_with(|start| {
        let stbl = boxed(b"stbl", &[sample_tables(1), stco(&[start])].concat());
        let minf = boxed(b"minf", &[stbl.clone(), stbl].concat());
        vec![boxed(b"trak", &boxed(b"mdia", &minf))]
    });
    let err = refused(&input);
    assert!(err.contains("track 1") && err.contains("2 stbl boxes"), "{err}");
}

#[test]
fn a_chunk_running_past_the_end_of_mdat_is_refused() {
    // One chunk of one 1000-byte sample in a 64-byte mdat: after the move it would read other bytes.
    let input = file_with(|start| {
        let stsc: Vec<u8> = [0u32, 1, 1, 1, 1].iter().flat_map(|v| v.to_be_bytes()).collect();
        let stsz: Vec<u8> = [0u32, 1000, 1].iter().flat_map(|v| v.to_be_bytes()).collect();
        let stbl = boxed(b"stbl", &[boxed(b"stsc", &stsc), boxed(b"stsz", &stsz), stco(&[start])].concat());
        vec![boxed(b"trak", &boxed(b"mdia", &boxed(b"minf", &stbl)))]
    });
    let err = refused(&input);
    assert!(err.contains("1000 bytes") && err.contains("runs past the end of the mdat"), "{err}");
}

#[test]
fn chunk_lengths_follow_stsc_runs_and_stz2_sizes() {
    // Chunks 1-2 hold 2 samples each, chunk 3 holds 1; 8-bit sizes 1..=5, so the chunks span 3, 7
    // and 5 bytes; the last chunk ends exactly at the end of mdat (fine), one byte more is refused.
    for (last_size, ok) in [(5u8, true), (6, false)] {
        let input = file_with(|start| {
            let stsc: Vec<u8> = [0u32, 2, 1, 2, 1, 3, 1, 1].iter().flat_map(|v| v.to_be_bytes()).collect();
            let stz2 = [vec![0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 5], vec![1, 2, 3, 4, last_size]].concat();
            let offsets = [start, start + 10, start + 64 - 5];
            let stbl = boxed(b"stbl", &[boxed(b"stsc", &stsc), boxed(b"stz2", &stz2), stco(&offsets)].concat());
            vec![boxed(b"trak", &boxed(b"mdia", &boxed(b"minf", &stbl)))]
        });
        let (result, _, _dir) = run(&input, &Options::default());
        assert_eq!(result.is_ok(), ok, "last sample of {last_size} bytes: {result:?}");
    }
}

#[test]
fn a_hoov_box_is_refused() {
    let mut input = file_with(|start| vec![trak(stco(&[start]))]);
    input.extend_from_slice(&boxed(b"hoov", &[0; 8]));
    assert!(refused(&input).contains("hoov"));
}

#[test]
fn the_output_check_catches_a_chunk_that_no_longer_points_at_its_bytes() {
    let input = file_with(|start| vec![trak(stco(&[start, start + 20]))]);
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("in.mp4");
    std::fs::write(&src, &input).unwrap();
    let mut file = File::open(&src).unwrap();
    let layout = layout_of(&mut file, input.len() as u64).unwrap();
    let first_mdat = layout.boxes.iter().position(|b| b.kind == MDAT).unwrap();
    let mut plan = Plan::new(&mut file, &layout, first_mdat, &Options::default()).unwrap();
    let mut out = tempfile::tempfile().unwrap();
    plan.write(&mut file, &mut out, &|_| false).unwrap();
    verify_written(&mut file, &mut out, &plan).expect("a faithful rewrite passes its check");
    // Damage the byte the second chunk now points at.
    let second = tables(&{
        let mut v = Vec::new();
        (&out).seek(SeekFrom::Start(0)).unwrap();
        (&out).read_to_end(&mut v).unwrap();
        v
    })[0]
        .1[1];
    out.write_all_at(&[0xee], second).unwrap();
    out.seek(SeekFrom::End(0)).unwrap();
    let err = verify_written(&mut file, &mut out, &plan).unwrap_err();
    assert!(err.to_string().contains("chunk 1 of table 0") && err.to_string().contains("no longer points"), "{err}");
}

#[test]
fn billions_of_constant_size_samples_are_summed_at_once() {
    // Fuzzing regression (tests/fuzz, target mp4): 452 million samples per chunk of a constant
    // 170-byte size, 3.2 billion in all, took 8 s of counting per file. Each chunk is far larger
    // than the mdat, so the rewrite is refused, at once.
    let input = file_with(|start| {
        let stsc: Vec<u8> = [0u32, 1, 1, 0x1b00_0001, 1].iter().flat_map(|v| v.to_be_bytes()).collect();
        let stsz: Vec<u8> = [0u32, 170, 0xc0a3_be43].iter().flat_map(|v| v.to_be_bytes()).collect();
        let offsets = [start, start + 8, start + 16];
        let stbl = boxed(b"stbl", &[boxed(b"stsc", &stsc), boxed(b"stsz", &stsz), stco(&offsets)].concat());
        vec![boxed(b"trak", &boxed(b"mdia", &boxed(b"minf", &stbl)))]
    });
    let started = std::time::Instant::now();
    let err = refused(&input);
    assert!(started.elapsed() < std::time::Duration::from_secs(1), "took {:?}", started.elapsed());
    assert!(err.contains(&format!("{} bytes", 170u64 * 0x1b00_0001)), "{err}");
}
