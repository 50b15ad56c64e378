//! How many bytes each chunk of a track spans, from its sample-to-chunk table (`stsc`) and its sample
//! sizes (`stsz`, or the compact `stz2`). The faststart planner uses it to check that every chunk lies
//! wholly inside the box its offset points into: a chunk running past the end of `mdat` would read
//! other bytes once the boxes are reordered. Both tables are streamed, never loaded whole; nothing here
//! decodes samples.

use std::fs::File;
use std::io::{BufReader, Read};
use std::os::unix::fs::FileExt;

use super::boxes::{BoxHeader, FourCc, ReadAt};
use super::Mp4Error;

pub(super) const STSC: FourCc = FourCc::new(b"stsc");
pub(super) const STSZ: FourCc = FourCc::new(b"stsz");
pub(super) const STZ2: FourCc = FourCc::new(b"stz2");

/// The two boxes of one sample table that give chunk lengths.
#[derive(Debug, Clone, Copy)]
pub(super) struct SampleTables {
    pub(super) stsc: BoxHeader,
    /// `stsz` or `stz2`.
    pub(super) sizes: BoxHeader,
}

/// Lengths of consecutive chunks (1, 2, …) of one track.
pub(super) struct ChunkLengths<'a> {
    stsc: BufReader<ReadAt<'a>>,
    stsc_left: u64,
    /// Samples per chunk for the current run, and the first chunk of the next run.
    per_chunk: u64,
    next_first: Option<u64>,
    next_per_chunk: u64,
    chunk: u64,
    sizes: SampleSizes<'a>,
}

fn read_u32(r: &mut impl Read) -> Result<u32, Mp4Error> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b).map_err(Mp4Error::io("reading a sample table"))?;
    Ok(u32::from_be_bytes(b))
}

fn corrupt(h: &BoxHeader, what: &str) -> Mp4Error {
    Mp4Error::Corrupt(format!("{} box at {}: {what}", h.kind, h.offset))
}

impl<'a> ChunkLengths<'a> {
    /// Readers positioned on both tables (positioned reads: they do not disturb each other or the file).
    pub(super) fn new(file: &'a File, t: &SampleTables) -> Result<Self, Mp4Error> {
        if t.stsc.payload_len() < 8 {
            return Err(corrupt(&t.stsc, "too short"));
        }
        let mut head = [0u8; 8];
        file.read_exact_at(&mut head, t.stsc.payload_offset()).map_err(Mp4Error::io("reading stsc"))?;
        let entries = u64::from(u32::from_be_bytes(head[4..8].try_into().expect("4 bytes")));
        if 8 + entries * 12 > t.stsc.payload_len() {
            return Err(corrupt(&t.stsc, &format!("{entries} entries do not fit")));
        }
        let mut lengths = ChunkLengths {
            stsc: BufReader::with_capacity(64 << 10, ReadAt::new(file, t.stsc.payload_offset() + 8)),
            stsc_left: entries,
            per_chunk: 0,
            next_first: None,
            next_per_chunk: 0,
            chunk: 0,
            sizes: SampleSizes::new(file, &t.sizes)?,
        };
        lengths.read_run()?;
        Ok(lengths)
    }

    /// Read the next `stsc` run (first chunk, samples per chunk, description index).
    fn read_run(&mut self) -> Result<(), Mp4Error> {
        if self.stsc_left == 0 {
            self.next_first = None;
            return Ok(());
        }
        self.stsc_left -= 1;
        let first = u64::from(read_u32(&mut self.stsc)?);
        self.next_per_chunk = u64::from(read_u32(&mut self.stsc)?);
        read_u32(&mut self.stsc)?;
        self.next_first = Some(first);
        Ok(())
    }

    /// The byte length of the next chunk: the sum of its samples' sizes (as far as `stsz` goes).
    pub(super) fn next_len(&mut self) -> Result<u64, Mp4Error> {
        self.chunk += 1;
        // Runs must start at increasing chunk numbers; a run starting at or before this chunk applies.
        while let Some(first) = self.next_first.filter(|&f| f <= self.chunk) {
            self.per_chunk = self.next_per_chunk;
            self.read_run()?;
            if self.next_first.is_some_and(|n| n <= first) {
                return Err(Mp4Error::Corrupt(format!("stsc: chunk runs out of order at chunk {first}")));
            }
        }
        self.sizes.sum_next(self.per_chunk)
    }
}

/// Sample sizes, one after another: a constant size, or a table of 4-, 8-, 16- or 32-bit entries.
struct SampleSizes<'a> {
    reader: BufReader<ReadAt<'a>>,
    constant: Option<u64>,
    bits: u8,
    left: u64,
    /// The low nibble still to hand out from a byte of 4-bit entries.
    pending: Option<u64>,
}

impl<'a> SampleSizes<'a> {
    fn new(file: &'a File, h: &BoxHeader) -> Result<Self, Mp4Error> {
        if h.payload_len() < 12 {
            return Err(corrupt(h, "too short"));
        }
        let mut head = [0u8; 12];
        file.read_exact_at(&mut head, h.payload_offset()).map_err(Mp4Error::io("reading sample sizes"))?;
        let field = u32::from_be_bytes(head[4..8].try_into().expect("4 bytes"));
        let count = u64::from(u32::from_be_bytes(head[8..12].try_into().expect("4 bytes")));
        let (constant, bits) = if h.kind == STSZ {
            ((field != 0).then_some(u64::from(field)), 32)
        } else {
            match field & 0xff {
                bits @ (4 | 8 | 16) => (None, bits as u8),
                other => return Err(corrupt(h, &format!("field size {other} is not 4, 8 or 16"))),
            }
        };
        if constant.is_none() && 12 + (count * u64::from(bits)).div_ceil(8) > h.payload_len() {
            return Err(corrupt(h, &format!("{count} sample sizes do not fit")));
        }
        let reader = BufReader::with_capacity(64 << 10, ReadAt::new(file, h.payload_offset() + 12));
        Ok(SampleSizes { reader, constant, bits, left: count, pending: None })
    }

    /// The summed size of the next `n` samples (fewer where the table ends). A constant size is
    /// multiplied, not counted out: a few bytes of `stsc` and `stsz` can claim billions of samples
    /// (found by fuzzing: 8 s for a 3 kB file).
    fn sum_next(&mut self, n: u64) -> Result<u64, Mp4Error> {
        if let Some(size) = self.constant {
            let taken = n.min(self.left);
            self.left -= taken;
            return Ok(taken.saturating_mul(size));
        }
        // A table ends after as many entries as its box holds bytes for.
        let mut len = 0u64;
        for _ in 0..n {
            match self.next()? {
                Some(size) => len = len.saturating_add(size),
                None => break,
            }
        }
        Ok(len)
    }

    fn next(&mut self) -> Result<Option<u64>, Mp4Error> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        if let Some(size) = self.constant {
            return Ok(Some(size));
        }
        if let Some(low) = self.pending.take() {
            return Ok(Some(low));
        }
        let mut b = [0u8; 4];
        let n = usize::from(self.bits.max(8) / 8);
        self.reader.read_exact(&mut b[..n]).map_err(Mp4Error::io("reading sample sizes"))?;
        Ok(Some(match self.bits {
            4 => {
                self.pending = Some(u64::from(b[0] & 0x0f));
                u64::from(b[0] >> 4)
            }
            8 => u64::from(b[0]),
            16 => u64::from(u16::from_be_bytes([b[0], b[1]])),
            _ => u64::from(u32::from_be_bytes(b)),
        }))
    }
}
