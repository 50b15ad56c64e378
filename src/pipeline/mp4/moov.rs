//! The part of `moov` the faststart rewrite has to understand: the path from `moov` down to each
//! track's chunk-offset table (`moov/trak/mdia/minf/stbl/stco|co64`), read as a small tree whose other
//! boxes stay opaque leaves (copied byte for byte), and how big each node will be once written (a
//! widened `co64` table grows every ancestor). Offset tables are streamed a few thousand entries at a
//! time, never loaded whole.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};

use super::boxes::{read_children, BoxHeader, FourCc, MOOV};
use super::Mp4Error;

pub(super) const STCO: FourCc = FourCc::new(b"stco");
pub(super) const CO64: FourCc = FourCc::new(b"co64");
const SAIO: FourCc = FourCc::new(b"saio");
/// Boxes on the path from `moov` to the chunk-offset tables; everything else is copied whole.
const CONTAINERS: [FourCc; 5] =
    [MOOV, FourCc::new(b"trak"), FourCc::new(b"mdia"), FourCc::new(b"minf"), FourCc::new(b"stbl")];
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

/// Parse the path from `moov` down to the chunk-offset tables; other boxes stay opaque leaves.
pub(super) fn read_tree(file: &mut File, header: BoxHeader, track: &mut usize) -> Result<Node, Mp4Error> {
    if header.kind == STCO || header.kind == CO64 {
        let wide = header.kind == CO64;
        if header.payload_len() < 8 {
            return Err(Mp4Error::Corrupt(format!("{} box at {} is too short", header.kind, header.offset)));
        }
        let mut head = [0u8; 8];
        file.seek(SeekFrom::Start(header.payload_offset())).map_err(Mp4Error::io("seeking"))?;
        file.read_exact(&mut head).map_err(Mp4Error::io("reading a chunk-offset table"))?;
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
        return Ok(Node::Offsets(OffsetTable { header, wide, count, upgrade: false, max: [None; 3] }));
    }
    if header.kind == SAIO {
        return Err(Mp4Error::Unsupported(format!(
            "track {track} has sample auxiliary information offsets (saio, used by encrypted files); not rewritten"
        )));
    }
    if !CONTAINERS.contains(&header.kind) {
        return Ok(Node::Leaf(header));
    }
    if header.kind == FourCc::new(b"trak") {
        *track += 1;
    }
    let children = read_children(file, &header)?
        .into_iter()
        .map(|child| read_tree(file, child, track))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Node::Container { header, children })
}

/// Call `f` with each offset of a table, reading a few thousand entries at a time.
pub(super) fn for_each_offset(
    file: &mut File,
    table: &OffsetTable,
    mut f: impl FnMut(u64) -> Result<(), Mp4Error>,
) -> Result<(), Mp4Error> {
    let entry = if table.wide { 8 } else { 4 };
    file.seek(SeekFrom::Start(table.header.payload_offset() + 8)).map_err(Mp4Error::io("seeking"))?;
    let mut reader = BufReader::with_capacity(ENTRIES_PER_READ * entry, &*file);
    let mut buf = [0u8; 8];
    for _ in 0..table.count {
        reader.read_exact(&mut buf[..entry]).map_err(Mp4Error::io("reading a chunk-offset table"))?;
        let offset = if table.wide {
            u64::from_be_bytes(buf)
        } else {
            u64::from(u32::from_be_bytes(buf[..4].try_into().expect("4 bytes")))
        };
        f(offset)?;
    }
    Ok(())
}
