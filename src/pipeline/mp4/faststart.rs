//! The faststart rewrite: move `moov` (the index) in front of the first `mdat` (the media data) so a
//! player can start before the download ends. Every chunk offset in every track (`stco`, `co64`) is
//! shifted by how far its data moved; a 32-bit `stco` whose new offsets would overflow becomes a
//! 64-bit `co64`, which grows `moov`, so the sizes are settled first (a fixpoint) and the offsets
//! computed after. All other boxes are copied byte for byte. Media data is copied in fixed-size pieces
//! (`copy_file_range` on Linux), so memory stays constant whatever the file size; the output is a temp
//! file beside the destination that is synced and renamed only when complete.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::boxes::{layout_of, BoxHeader, Layout, MDAT, MOOV};
use super::moov::{for_each_offset, node_size, read_tree, visit_tables, write_header, Node, CO64, STCO};
use super::{Destination, Mp4Error};
use crate::atomic::{start_writeback, AtomicFile};

/// Media data is copied in pieces of this size (copy_file_range on Linux), checking for Ctrl-C and
/// starting writeback of each piece as soon as it is copied. 16 MB measured fastest for a 1 GB file
/// (64 MB left more for the final fsync; 8 MB was no better).
const COPY_PIECE: u64 = 16 << 20;

/// Tuning knobs, mostly for tests.
#[derive(Debug, Clone)]
pub struct Options {
    /// Largest offset a 32-bit `stco` may hold; tables with a larger new offset become `co64`.
    /// `u32::MAX` in real use; tests lower it to exercise the upgrade on small files.
    pub co64_threshold: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options { co64_threshold: u64::from(u32::MAX) }
    }
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `moov` was moved in front of the media data.
    Rewritten(Rewrite),
    /// `moov` already precedes the media data; the file was copied to the destination unchanged
    /// (`copied`), or left alone for `--in-place`.
    AlreadyFaststart { copied: bool },
    /// A fragmented MP4 (each fragment carries its own index): already streamable, copied or left alone.
    Fragmented { copied: bool },
}

/// Figures about a rewrite, for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    pub moov_size_before: u64,
    pub moov_size_after: u64,
    /// Chunk-offset entries rewritten, over all tracks.
    pub chunk_offsets: u64,
    /// `stco` tables turned into `co64` because their offsets no longer fit in 32 bits.
    pub tables_upgraded: usize,
}

/// Make `input` faststart, writing to `dest`. `stop` is called between pieces of the copy with the
/// bytes written so far (for a progress bar); when it returns true the temp file is removed and
/// [`Mp4Error::Interrupted`] returned. Nothing is written until the input has been fully checked
/// (box sizes, every chunk offset), and the output is checked again before it is renamed into place.
pub fn faststart(
    input: &Path,
    dest: &Destination,
    options: &Options,
    stop: &dyn Fn(u64) -> bool,
) -> Result<Outcome, Mp4Error> {
    let mut file = File::open(input).map_err(Mp4Error::io_path("opening", input))?;
    let meta = file.metadata().map_err(Mp4Error::io_path("reading metadata of", input))?;
    if meta.is_dir() {
        return Err(Mp4Error::NotMp4("is a directory".into()));
    }
    let layout = layout_of(&mut file, meta.len())?;
    let target = match dest {
        Destination::File(path) => path.as_path(),
        Destination::InPlace => input,
    };
    let unchanged = |kind: fn(bool) -> Outcome, file: &mut File| -> Result<Outcome, Mp4Error> {
        match dest {
            Destination::InPlace => Ok(kind(false)),
            Destination::File(path) => {
                let mut out = create_output(path, &meta)?;
                file.seek(SeekFrom::Start(0)).map_err(Mp4Error::io("seeking"))?;
                copy_range(file, 0, meta.len(), out.file(), stop)?;
                commit(out, path)?;
                Ok(kind(true))
            }
        }
    };
    if layout.fragmented {
        return unchanged(|copied| Outcome::Fragmented { copied }, &mut file);
    }
    let moov = *layout.moov().ok_or_else(|| Mp4Error::Corrupt("no moov box (the index) in the file".into()))?;
    let first_mdat = layout
        .boxes
        .iter()
        .position(|b| b.kind == MDAT)
        .ok_or_else(|| Mp4Error::Corrupt("no mdat box (the media data) in the file".into()))?;
    if moov.offset < layout.boxes[first_mdat].offset {
        return unchanged(|copied| Outcome::AlreadyFaststart { copied }, &mut file);
    }
    let mut plan = Plan::new(&mut file, &layout, first_mdat, options)?;
    let mut out = create_output(target, &meta)?;
    let rewrite = plan.write(&mut file, out.file(), stop)?;
    verify_written(out.file(), &plan)?;
    commit(out, target)?;
    Ok(Outcome::Rewritten(rewrite))
}

fn create_output(target: &Path, input_meta: &std::fs::Metadata) -> Result<AtomicFile, Mp4Error> {
    let mut out = AtomicFile::create(target).map_err(Mp4Error::io_path("creating a temp file beside", target))?;
    // Temp files are created 0600; give the result the input's permissions, as cp does.
    out.file()
        .set_permissions(input_meta.permissions())
        .map_err(Mp4Error::io_path("setting permissions on", target))?;
    Ok(out)
}

fn commit(out: AtomicFile, target: &Path) -> Result<(), Mp4Error> {
    out.commit().map_err(Mp4Error::io_path("writing", target))
}

/// Re-read the top-level layout of what was written: moov must now come first, sizes must add up.
fn verify_written(out: &mut File, plan: &Plan) -> Result<(), Mp4Error> {
    out.flush().map_err(Mp4Error::io("flushing output"))?;
    let len = out.stream_position().map_err(Mp4Error::io("checking output"))?;
    let layout = layout_of(out, len).map_err(|e| Mp4Error::Corrupt(format!("output failed its own check: {e}")))?;
    if layout.faststart() != Some(true) || len != plan.output_len() {
        return Err(Mp4Error::Corrupt("output failed its own check: moov is not first or the size is wrong".into()));
    }
    Ok(())
}

/// Which way a top-level box moves when `moov` is put in front of the first `mdat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shift {
    /// Before the first `mdat` (e.g. `ftyp`): stays where it is.
    Stays,
    /// Between the first `mdat` and `moov`: moves down by the new `moov` size.
    ByNewMoov,
    /// After the old `moov`: moves by the growth of `moov` (new size - old size).
    ByGrowth,
}

/// Everything decided before the first byte is written.
struct Plan {
    /// Top-level boxes other than `moov`, in input order, with their shift class.
    others: Vec<(BoxHeader, Shift)>,
    /// Index in `others` where `moov` is inserted (the first `mdat`).
    insert_at: usize,
    moov: Node,
    moov_size_before: u64,
    threshold: u64,
}

fn class_index(shift: Shift) -> usize {
    match shift {
        Shift::Stays => 0,
        Shift::ByNewMoov => 1,
        Shift::ByGrowth => 2,
    }
}

impl Plan {
    fn new(file: &mut File, layout: &Layout, first_mdat: usize, options: &Options) -> Result<Plan, Mp4Error> {
        let moov_header = *layout.moov().expect("checked by caller");
        let mut others = Vec::with_capacity(layout.boxes.len());
        let mut insert_at = 0;
        for (i, b) in layout.boxes.iter().enumerate() {
            if b.kind == MOOV {
                if b.offset != moov_header.offset {
                    return Err(Mp4Error::Unsupported("more than one moov box".into()));
                }
                continue;
            }
            let shift = if i < first_mdat {
                insert_at += 1;
                Shift::Stays
            } else if b.offset < moov_header.offset {
                Shift::ByNewMoov
            } else {
                Shift::ByGrowth
            };
            others.push((*b, shift));
        }
        let mut track = 0;
        let mut moov = read_tree(file, moov_header, &mut track)?;
        let mut plan = Plan {
            others,
            insert_at,
            moov_size_before: moov_header.size,
            moov: Node::Leaf(moov_header),
            threshold: options.co64_threshold,
        };
        plan.scan_tables(file, &mut moov)?;
        plan.moov = moov;
        plan.settle_upgrades();
        Ok(plan)
    }

    /// Check every chunk offset points into a box that is kept, and note the largest per shift class.
    fn scan_tables(&self, file: &mut File, node: &mut Node) -> Result<(), Mp4Error> {
        match node {
            Node::Container { children, .. } => children.iter_mut().try_for_each(|c| self.scan_tables(file, c)),
            Node::Leaf(_) => Ok(()),
            Node::Offsets(table) => {
                let mut max = [None; 3];
                for_each_offset(file, table, |offset| {
                    let (_, shift) = self.box_of(offset).ok_or_else(|| {
                        Mp4Error::Corrupt(format!(
                            "chunk offset {offset} in the {} box at {} points outside the media data",
                            table.header.kind, table.header.offset
                        ))
                    })?;
                    let slot = &mut max[class_index(shift)];
                    *slot = Some(slot.map_or(offset, |m: u64| m.max(offset)));
                    Ok(())
                })?;
                table.max = max;
                Ok(())
            }
        }
    }

    /// The kept top-level box holding `offset`.
    fn box_of(&self, offset: u64) -> Option<(BoxHeader, Shift)> {
        let i = self.others.partition_point(|(b, _)| b.offset <= offset).checked_sub(1)?;
        let (b, shift) = self.others[i];
        b.contains(offset).then_some((b, shift))
    }

    fn new_offset(&self, offset: u64, shift: Shift, moov_after: u64) -> u64 {
        match shift {
            Shift::Stays => offset,
            Shift::ByNewMoov => offset + moov_after,
            Shift::ByGrowth => offset + (moov_after - self.moov_size_before),
        }
    }

    /// Upgrade `stco` tables whose largest new offset overflows, until no more need it: each
    /// upgrade grows `moov` and so moves every offset further.
    fn settle_upgrades(&mut self) {
        loop {
            let moov_after = node_size(&self.moov);
            let mut changed = false;
            let (threshold, before) = (self.threshold, self.moov_size_before);
            visit_tables(&mut self.moov, &mut |t| {
                if t.wide || t.upgrade {
                    return;
                }
                let grown = moov_after - before;
                let new_max = [t.max[0], t.max[1].map(|m| m + moov_after), t.max[2].map(|m| m + grown)]
                    .into_iter()
                    .flatten()
                    .max();
                if new_max.is_some_and(|m| m > threshold) {
                    t.upgrade = true;
                    changed = true;
                }
            });
            if !changed {
                break;
            }
        }
    }

    fn output_len(&self) -> u64 {
        self.others.iter().map(|(b, _)| b.size).sum::<u64>() + node_size(&self.moov)
    }

    fn write(&mut self, input: &mut File, out: &mut File, stop: &dyn Fn(u64) -> bool) -> Result<Rewrite, Mp4Error> {
        let moov_after = node_size(&self.moov);
        let mut stats = Rewrite {
            moov_size_before: self.moov_size_before,
            moov_size_after: moov_after,
            chunk_offsets: 0,
            tables_upgraded: 0,
        };
        for i in 0..=self.others.len() {
            if i == self.insert_at {
                let mut w = io::BufWriter::with_capacity(256 << 10, &mut *out);
                self.write_node(input, &mut w, &self.moov, moov_after, &mut stats)?;
                w.flush().map_err(Mp4Error::io("writing moov"))?;
            }
            if let Some((b, _)) = self.others.get(i) {
                copy_range(input, b.offset, b.size, out, stop)?;
            }
        }
        Ok(stats)
    }

    fn write_node(
        &self,
        input: &mut File,
        w: &mut impl Write,
        node: &Node,
        moov_after: u64,
        stats: &mut Rewrite,
    ) -> Result<(), Mp4Error> {
        match node {
            Node::Leaf(h) => {
                input.seek(SeekFrom::Start(h.offset)).map_err(Mp4Error::io("seeking"))?;
                io::copy(&mut (&*input).take(h.size), w).map_err(Mp4Error::io("copying a moov box"))?;
            }
            Node::Container { header, children } => {
                write_header(w, header.kind, node_size(node), header.is_large())
                    .map_err(Mp4Error::io("writing moov"))?;
                for child in children {
                    self.write_node(input, w, child, moov_after, stats)?;
                }
            }
            Node::Offsets(t) => {
                let kind = if t.wide || t.upgrade { CO64 } else { STCO };
                write_header(w, kind, node_size(node), t.header.is_large()).map_err(Mp4Error::io("writing moov"))?;
                let mut version_flags_count = [0u8; 8];
                input.seek(SeekFrom::Start(t.header.payload_offset())).map_err(Mp4Error::io("seeking"))?;
                input.read_exact(&mut version_flags_count).map_err(Mp4Error::io("reading a chunk-offset table"))?;
                w.write_all(&version_flags_count).map_err(Mp4Error::io("writing moov"))?;
                for_each_offset(input, t, |offset| {
                    let (_, shift) = self.box_of(offset).expect("checked in scan_tables");
                    let new = self.new_offset(offset, shift, moov_after);
                    if kind == CO64 {
                        w.write_all(&new.to_be_bytes())
                    } else {
                        let small = u32::try_from(new).expect("settle_upgrades keeps stco offsets in range");
                        w.write_all(&small.to_be_bytes())
                    }
                    .map_err(Mp4Error::io("writing moov"))
                })?;
                stats.chunk_offsets += t.count;
                stats.tables_upgraded += usize::from(t.upgrade);
            }
        }
        Ok(())
    }
}

/// Copy `len` bytes at `offset` of `input` to the end of `out`, in pieces, asking `stop` (with the
/// output length so far) before each.
fn copy_range(
    input: &mut File,
    offset: u64,
    len: u64,
    out: &mut File,
    stop: &dyn Fn(u64) -> bool,
) -> Result<(), Mp4Error> {
    input.seek(SeekFrom::Start(offset)).map_err(Mp4Error::io("seeking"))?;
    let mut left = len;
    while left > 0 {
        let written = out.stream_position().map_err(Mp4Error::io("checking output position"))?;
        if stop(written) {
            return Err(Mp4Error::Interrupted(crate::exit::Interrupted));
        }
        let piece = left.min(COPY_PIECE);
        let copied = io::copy(&mut (&*input).take(piece), out).map_err(Mp4Error::io("copying media data"))?;
        if copied == 0 {
            return Err(Mp4Error::Truncated("the file got shorter while it was being copied".into()));
        }
        left -= copied;
        start_writeback(out, written, copied);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::boxes::tests::boxed;
    use super::*;

    fn stco(offsets: &[u32]) -> Vec<u8> {
        let mut p = vec![0, 0, 0, 0];
        p.extend_from_slice(&(offsets.len() as u32).to_be_bytes());
        offsets.iter().for_each(|o| p.extend_from_slice(&o.to_be_bytes()));
        boxed(b"stco", &p)
    }

    fn trak(table: Vec<u8>) -> Vec<u8> {
        let stbl = boxed(b"stbl", &[boxed(b"stsz", &[9; 12]), table].concat());
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
        assert_eq!(
            (rw.moov_size_before, rw.moov_size_after, rw.chunk_offsets),
            (moov.len() as u64, moov.len() as u64, 2)
        );
        assert_eq!(out.len(), input.len());
        assert_eq!(&out[..ftyp.len()], &ftyp[..]);
        assert_eq!(&out[ftyp.len() + moov.len()..], &mdat[..], "mdat copied byte for byte");
        let shifted = data_start as u64 + moov.len() as u64;
        assert_eq!(tables(&out), [("stco".to_owned(), vec![shifted, shifted + 40])]);
        assert_eq!(out[shifted as usize], 0, "the first chunk offset points at the first media byte");
        assert_eq!(out[shifted as usize + 40], 40);
        // Untouched leaves inside moov are identical.
        for leaf in [boxed(b"mvhd", &[3; 16]), boxed(b"tkhd", &[2; 20]), boxed(b"stsz", &[9; 12])] {
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
        let err =
            faststart(&src, &Destination::File(dir.path().join("out.mp4")), &Options::default(), &stop).unwrap_err();
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
}
