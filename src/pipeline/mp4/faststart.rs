//! The faststart rewrite: move `moov` (the index) in front of the first `mdat` (the media data) so a
//! player can start before the download ends. Every chunk offset in every track (`stco`, `co64`) is
//! shifted by how far its data moved; a 32-bit `stco` whose new offsets would overflow becomes a
//! 64-bit `co64`, which grows `moov`, so the sizes are settled first (a fixpoint) and the offsets
//! computed after. All other boxes are copied byte for byte. Media data is copied in fixed-size pieces
//! (`copy_file_range` on Linux), so memory stays constant whatever the file size; the output is a temp
//! file beside the destination that is synced and renamed only when complete.
//!
//! "Lossless" is checked, not assumed: a `moov` the rewrite does not fully understand (see `moov.rs`), or
//! a chunk that does not lie wholly inside one box (lengths from `samples.rs`), is refused before
//! anything is written; and before the rename the output is re-read on its own, table for table, and
//! every chunk offset must point at the same bytes as before (16 bytes compared per chunk).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

use super::boxes::{layout_of, BoxHeader, FourCc, Layout, MDAT, MOOV};
use super::moov::{
    for_each_offset, node_size, read_moov, tables, visit_tables, write_header, Node, OffsetReader, CO64, STCO,
};
use super::samples::ChunkLengths;
use super::{Destination, Mp4Error};
use crate::atomic::{start_writeback, AtomicFile};

/// Media data is copied in pieces of this size (copy_file_range on Linux), checking for Ctrl-C and
/// starting writeback of each piece as soon as it is copied. 16 MB measured fastest for a 1 GB file
/// (64 MB left more for the final fsync; 8 MB was no better).
const COPY_PIECE: u64 = 16 << 20;

/// QuickTime's "hoov": ffmpeg reads it as `moov`.
const HOOV: FourCc = FourCc::new(b"hoov");

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
    verify_written(&mut file, out.file(), &plan)?;
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

/// Bytes compared at each chunk offset by [`verify_written`] (fewer where the box holding the chunk ends).
const PROBE_BYTES: u64 = 16;

/// Re-read what was written, without trusting the plan: `moov` must now come first, the sizes must add
/// up, the output's offset tables must be the input's table for table, and every rewritten chunk offset
/// must point at the same bytes as before. Runs before the rename, so a failure leaves nothing behind.
fn verify_written(input: &mut File, out: &mut File, plan: &Plan) -> Result<(), Mp4Error> {
    let failed = |what: String| Mp4Error::Corrupt(format!("output failed its own check: {what}"));
    out.flush().map_err(Mp4Error::io("flushing output"))?;
    let len = out.stream_position().map_err(Mp4Error::io("checking output"))?;
    let layout = layout_of(out, len).map_err(|e| failed(e.to_string()))?;
    if layout.faststart() != Some(true) || len != plan.output_len() {
        return Err(failed("moov is not first or the size is wrong".into()));
    }
    let out_moov = *layout.moov().expect("faststart() checked moov");
    let written = read_moov(out, out_moov).map_err(|e| failed(e.to_string()))?;
    let (before, after) = (tables(&plan.moov), tables(&written));
    if before.len() != after.len() {
        return Err(failed(format!("{} chunk-offset tables became {}", before.len(), after.len())));
    }
    let (mut old_bytes, mut new_bytes) = ([0u8; PROBE_BYTES as usize], [0u8; PROBE_BYTES as usize]);
    for (n, (old_t, new_t)) in before.into_iter().zip(after).enumerate() {
        if old_t.count != new_t.count {
            return Err(failed(format!("table {n} had {} entries, now {}", old_t.count, new_t.count)));
        }
        let mut olds = OffsetReader::new(input, old_t);
        let mut news = OffsetReader::new(out, new_t);
        for i in 0..old_t.count {
            let (old, new) = (olds.next()?, news.next()?);
            let (b, _) =
                plan.box_of(old).ok_or_else(|| failed(format!("chunk offset {old} lies outside the media")))?;
            let k = (b.end() - old).min(PROBE_BYTES) as usize;
            input.read_exact_at(&mut old_bytes[..k], old).map_err(Mp4Error::io("re-reading the input"))?;
            if new.checked_add(k as u64).is_none_or(|end| end > len)
                || out.read_exact_at(&mut new_bytes[..k], new).is_err()
                || old_bytes[..k] != new_bytes[..k]
            {
                return Err(failed(format!(
                    "chunk {i} of table {n} ({} box) moved from {old} to {new} but no longer points at the same bytes",
                    new_t.header.kind
                )));
            }
        }
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
            if b.kind == HOOV {
                return Err(Mp4Error::Unsupported(format!(
                    "a hoov box at offset {} (read as the index by some players); not rewritten",
                    b.offset
                )));
            }
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
        let mut moov = read_moov(file, moov_header)?;
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

    /// Check every chunk lies wholly inside one kept box (its offset and its length from the sample
    /// tables), and note the largest offset per shift class.
    fn scan_tables(&self, file: &mut File, node: &mut Node) -> Result<(), Mp4Error> {
        match node {
            Node::Container { children, .. } => children.iter_mut().try_for_each(|c| self.scan_tables(file, c)),
            Node::Leaf(_) => Ok(()),
            Node::Offsets(table) => {
                let mut max = [None; 3];
                let mut lengths = table.samples.as_ref().map(|s| ChunkLengths::new(file, s)).transpose()?;
                let mut offsets = OffsetReader::new(file, table);
                let what =
                    |offset: u64| format!("{} box at {} (chunk at {offset})", table.header.kind, table.header.offset);
                for _ in 0..table.count {
                    let offset = offsets.next()?;
                    let (b, shift) = self.box_of(offset).ok_or_else(|| {
                        Mp4Error::Corrupt(format!(
                            "a chunk offset in the {} points outside the media data",
                            what(offset)
                        ))
                    })?;
                    let len = lengths.as_mut().map_or(Ok(0), |l| l.next_len())?;
                    if offset.saturating_add(len) > b.end() {
                        return Err(Mp4Error::Corrupt(format!(
                            "a chunk of {len} bytes in the {} runs past the end of the {} box at {}",
                            what(offset),
                            b.kind,
                            b.offset
                        )));
                    }
                    let slot = &mut max[class_index(shift)];
                    *slot = Some(slot.map_or(offset, |m: u64| m.max(offset)));
                }
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
mod tests;
