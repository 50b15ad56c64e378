//! The part of `moov` the faststart rewrite has to understand: the path from `moov` down to each
//! track's chunk-offset table (`moov/trak/mdia/minf/stbl/stco|co64`), read as a small tree whose other
//! boxes stay opaque leaves (copied byte for byte), and how big each node will be once written (a
//! widened `co64` table grows every ancestor). Offset tables are streamed a few thousand entries at a
//! time, never loaded whole. What it cannot read unambiguously it refuses, naming the box: a box with
//! size 0 anywhere a player descends, a track without exactly one `mdia/minf/stbl/(stco|co64)` path,
//! and a chunk-offset table in any other place a player would look (an audit walk modelled on ffmpeg's
//! reader, which parses such tables wherever it finds them).

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::os::unix::fs::FileExt;

use super::boxes::{read_children, BoxHeader, FourCc, ReadAt};
use super::samples::{SampleTables, STSC, STSZ, STZ2};
use super::Mp4Error;

pub(super) const STCO: FourCc = FourCc::new(b"stco");
pub(super) const CO64: FourCc = FourCc::new(b"co64");
const SAIO: FourCc = FourCc::new(b"saio");
/// Chunk offsets are read and written this many at a time.
const ENTRIES_PER_READ: usize = 8192;

/// One chunk-offset table (`stco` or `co64`).
#[derive(Debug)]
pub(super) struct OffsetTable {
    pub(super) header: BoxHeader,
    pub(super) wide: bool,
    pub(super) count: u64,
    pub(super) upgrade: bool,
    /// Largest original offset pointing into boxes of each shift class (filled in by the planner).
    pub(super) max: [Option<u64>; 3],
    /// The same track's `stsc` and `stsz`/`stz2`, giving each chunk's length (`None` for an empty table).
    pub(super) samples: Option<SampleTables>,
}

impl OffsetTable {
    pub(super) fn entry_size(&self) -> u64 {
        if self.wide || self.upgrade {
            8
        } else {
            4
        }
    }
}

#[derive(Debug)]
pub(super) enum Node {
    Container { header: BoxHeader, children: Vec<Node> },
    Leaf(BoxHeader),
    Offsets(OffsetTable),
}

pub(super) fn write_header(w: &mut impl Write, kind: FourCc, size: u64, large: bool) -> io::Result<()> {
    if large || size > u64::from(u32::MAX) {
        w.write_all(&1u32.to_be_bytes())?;
        w.write_all(&kind.0)?;
        w.write_all(&size.to_be_bytes())
    } else {
        w.write_all(&(size as u32).to_be_bytes())?;
        w.write_all(&kind.0)
    }
}

/// The size a node will have when written.
pub(super) fn node_size(node: &Node) -> u64 {
    match node {
        Node::Leaf(h) => h.size,
        Node::Offsets(t) => header_len(t.header.is_large(), 8 + t.count * t.entry_size()),
        Node::Container { header, children } => header_len(header.is_large(), children.iter().map(node_size).sum()),
    }
}

/// Total box size for a payload, with the header form it will be written in.
fn header_len(large: bool, payload: u64) -> u64 {
    if large || payload + 8 > u64::from(u32::MAX) {
        payload + 16
    } else {
        payload + 8
    }
}

pub(super) fn visit_tables(node: &mut Node, f: &mut dyn FnMut(&mut OffsetTable)) {
    match node {
        Node::Container { children, .. } => children.iter_mut().for_each(|c| visit_tables(c, f)),
        Node::Leaf(_) => {}
        Node::Offsets(t) => f(t),
    }
}

/// Read `moov` as the rewrite needs it, refusing anything it does not fully understand: a box with
/// size 0 ("to the end of the enclosing box") anywhere a reader descends, a track without exactly one
/// `mdia/minf/stbl/(stco|co64)` path, and a chunk-offset table anywhere else (ffmpeg reads such a
/// table wherever it finds it, so an offset table the rewrite did not see would be left stale).
pub(super) fn read_moov(file: &mut File, header: BoxHeader) -> Result<Node, Mp4Error> {
    let found = audit(file, &header)?;
    let children = read_children(file, &header)?;
    if !children.iter().any(|c| c.kind == PATH[0]) {
        return Err(Mp4Error::Unsupported(format!(
            "the moov box at offset {} holds no trak box (a compressed or empty index); not rewritten",
            header.offset
        )));
    }
    let mut track = 0;
    let mut nodes = Vec::with_capacity(children.len());
    for child in children {
        if child.kind == PATH[0] {
            track += 1;
            nodes.push(read_level(file, child, 0, track)?);
        } else {
            nodes.push(Node::Leaf(child));
        }
    }
    let node = Node::Container { header, children: nodes };
    let known: Vec<u64> = tables(&node).iter().map(|t| t.header.offset).collect();
    if let Some(stray) = found.iter().find(|f| !known.contains(&f.offset)) {
        return Err(Mp4Error::Unsupported(format!(
            "a chunk-offset table ({} box at offset {}, inside {}) lies outside trak/mdia/minf/stbl; readers \
             disagree on which table applies, so the file is not rewritten",
            stray.kind, stray.offset, stray.parent
        )));
    }
    Ok(node)
}

/// Boxes from `trak` down to the sample table; each must hold exactly one of the next.
const PATH: [FourCc; 4] = [FourCc::new(b"trak"), FourCc::new(b"mdia"), FourCc::new(b"minf"), FourCc::new(b"stbl")];

/// One box of the path (`PATH[level]`) and everything under it.
fn read_level(file: &mut File, header: BoxHeader, level: usize, track: usize) -> Result<Node, Mp4Error> {
    let children = read_children(file, &header)?;
    let wanted: &[FourCc] = if level + 1 < PATH.len() { &PATH[level + 1..level + 2] } else { &[STCO, CO64] };
    let matching = children.iter().filter(|c| wanted.contains(&c.kind)).count();
    if matching != 1 {
        let names: Vec<String> = wanted.iter().map(ToString::to_string).collect();
        return Err(Mp4Error::Corrupt(format!(
            "track {track}: the {} box at offset {} holds {matching} {} boxes where exactly one is expected",
            header.kind,
            header.offset,
            names.join("/")
        )));
    }
    let samples = if level + 1 == PATH.len() { sample_tables(&children, &header, track)? } else { None };
    let mut nodes = Vec::with_capacity(children.len());
    for child in children {
        nodes.push(if child.kind == SAIO {
            return Err(Mp4Error::Unsupported(format!(
                "track {track} has sample auxiliary information offsets (saio, used by encrypted files); not rewritten"
            )));
        } else if !wanted.contains(&child.kind) {
            Node::Leaf(child)
        } else if level + 1 < PATH.len() {
            read_level(file, child, level + 1, track)?
        } else {
            let table = read_table(file, child, samples)?;
            if table.count > 0 && table.samples.is_none() {
                return Err(Mp4Error::Corrupt(format!(
                    "track {track}: the stbl box at offset {} has chunks but no stsc and stsz (sample layout)",
                    header.offset
                )));
            }
            Node::Offsets(table)
        });
    }
    Ok(Node::Container { header, children: nodes })
}

/// The `stsc` and `stsz`/`stz2` among a sample table's children: one of each, or neither.
fn sample_tables(children: &[BoxHeader], stbl: &BoxHeader, track: usize) -> Result<Option<SampleTables>, Mp4Error> {
    let stsc: Vec<&BoxHeader> = children.iter().filter(|c| c.kind == STSC).collect();
    let sizes: Vec<&BoxHeader> = children.iter().filter(|c| c.kind == STSZ || c.kind == STZ2).collect();
    match (stsc.as_slice(), sizes.as_slice()) {
        ([], []) => Ok(None),
        ([stsc], [sizes]) => Ok(Some(SampleTables { stsc: **stsc, sizes: **sizes })),
        _ => Err(Mp4Error::Corrupt(format!(
            "track {track}: the stbl box at offset {} holds {} stsc and {} stsz/stz2 boxes where exactly one \
             of each is expected",
            stbl.offset,
            stsc.len(),
            sizes.len()
        ))),
    }
}

fn read_table(file: &mut File, header: BoxHeader, samples: Option<SampleTables>) -> Result<OffsetTable, Mp4Error> {
    let wide = header.kind == CO64;
    if header.payload_len() < 8 {
        return Err(Mp4Error::Corrupt(format!("{} box at {} is too short", header.kind, header.offset)));
    }
    let mut head = [0u8; 8];
    file.read_exact_at(&mut head, header.payload_offset()).map_err(Mp4Error::io("reading a chunk-offset table"))?;
    let count = u64::from(u32::from_be_bytes(head[4..8].try_into().expect("4 bytes")));
    let entry = if wide { 8 } else { 4 };
    if 8 + count * entry != header.payload_len() {
        return Err(Mp4Error::Corrupt(format!(
            "{} box at {} says {count} entries but holds {} bytes",
            header.kind,
            header.offset,
            header.payload_len()
        )));
    }
    Ok(OffsetTable { header, wide, count, upgrade: false, max: [None; 3], samples })
}

/// The chunk-offset tables under a node, in file order.
pub(super) fn tables(node: &Node) -> Vec<&OffsetTable> {
    match node {
        Node::Container { children, .. } => children.iter().flat_map(tables).collect(),
        Node::Leaf(_) => Vec::new(),
        Node::Offsets(t) => vec![t],
    }
}

/// Boxes whose children ffmpeg's MP4 reader parses (its `mov_read_default` family): a chunk-offset
/// table found under any of them would be read.
const DESCENDED: &[&[u8; 4]] = &[
    b"moov", b"trak", b"mdia", b"minf", b"stbl", b"dinf", b"edts", b"udta", b"tref", b"mvex", b"wave", b"sinf",
    b"schi", b"clip", b"matt", b"tapt", b"meta", b"ilst",
];
const META: FourCc = FourCc::new(b"meta");
/// Bounds on the audit walk: nesting (ffmpeg stops at 10) and boxes visited.
const AUDIT_DEPTH: usize = 16;
const AUDIT_BOXES: usize = 100_000;

/// A chunk-offset table seen by the audit walk.
struct Found {
    offset: u64,
    kind: FourCc,
    parent: FourCc,
}

/// Walk `moov` the lenient way a player does (sizes clamped to the parent, descending into every
/// container it knows): refuse a box with size 0, and list every chunk-offset table seen.
fn audit(file: &File, moov: &BoxHeader) -> Result<Vec<Found>, Mp4Error> {
    let mut found = Vec::new();
    let mut budget = AUDIT_BOXES;
    audit_children(file, moov.kind, moov.payload_offset(), moov.end(), 0, &mut budget, &mut found)?;
    Ok(found)
}

fn audit_children(
    file: &File,
    parent: FourCc,
    start: u64,
    end: u64,
    depth: usize,
    budget: &mut usize,
    found: &mut Vec<Found>,
) -> Result<(), Mp4Error> {
    if depth > AUDIT_DEPTH {
        return Err(Mp4Error::Unsupported(format!("boxes nested more than {AUDIT_DEPTH} deep in {parent}")));
    }
    let mut at = start;
    while end.saturating_sub(at) >= 8 {
        *budget = budget.checked_sub(1).ok_or_else(|| {
            Mp4Error::Unsupported(format!("more than {AUDIT_BOXES} boxes inside moov; not rewritten"))
        })?;
        let mut buf = [0u8; 16];
        let want = (end - at).min(16) as usize;
        file.read_exact_at(&mut buf[..want], at).map_err(Mp4Error::io("reading a box header"))?;
        let size32 = u32::from_be_bytes(buf[0..4].try_into().expect("4 bytes"));
        let kind = FourCc(buf[4..8].try_into().expect("4 bytes"));
        let (header_len, size) = match size32 {
            0 => {
                return Err(Mp4Error::Unsupported(format!(
                    "the {kind} box at offset {at} inside {parent} has size 0 (\"to the end of the enclosing \
                     box\"), which readers interpret differently; not rewritten"
                )))
            }
            1 if want == 16 => (16, u64::from_be_bytes(buf[8..16].try_into().expect("8 bytes"))),
            1 => break,
            n => (8, u64::from(n)),
        };
        if size < header_len {
            break;
        }
        let size = size.min(end - at);
        if kind == STCO || kind == CO64 {
            found.push(Found { offset: at, kind, parent });
        } else if DESCENDED.contains(&&kind.0) {
            let mut first = at + header_len;
            if kind == META && size >= header_len + 4 {
                // ISO `meta` is a full box (4 bytes of version and flags); QuickTime's is not.
                let mut vf = [0u8; 4];
                file.read_exact_at(&mut vf, first).map_err(Mp4Error::io("reading a box header"))?;
                if vf == [0; 4] {
                    first += 4;
                }
            }
            audit_children(file, kind, first, at + size, depth + 1, budget, found)?;
        }
        at += size;
    }
    Ok(())
}

/// Call `f` with each offset of a table, reading a few thousand entries at a time.
pub(super) fn for_each_offset(
    file: &mut File,
    table: &OffsetTable,
    mut f: impl FnMut(u64) -> Result<(), Mp4Error>,
) -> Result<(), Mp4Error> {
    let mut reader = OffsetReader::new(file, table);
    for _ in 0..table.count {
        f(reader.next()?)?;
    }
    Ok(())
}

/// The entries of one chunk-offset table, read through a buffer from the file's current position.
pub(super) struct OffsetReader<'a> {
    reader: BufReader<ReadAt<'a>>,
    wide: bool,
}

impl<'a> OffsetReader<'a> {
    pub(super) fn new(file: &'a File, table: &OffsetTable) -> OffsetReader<'a> {
        let entry = if table.wide { 8 } else { 4 };
        let at = ReadAt::new(file, table.header.payload_offset() + 8);
        OffsetReader { reader: BufReader::with_capacity(ENTRIES_PER_READ * entry, at), wide: table.wide }
    }

    /// The next entry; the caller reads at most `count` of them.
    pub(super) fn next(&mut self) -> Result<u64, Mp4Error> {
        let mut buf = [0u8; 8];
        let entry = if self.wide { 8 } else { 4 };
        self.reader.read_exact(&mut buf[..entry]).map_err(Mp4Error::io("reading a chunk-offset table"))?;
        Ok(if self.wide {
            u64::from_be_bytes(buf)
        } else {
            u64::from(u32::from_be_bytes(buf[..4].try_into().expect("4 bytes")))
        })
    }
}
