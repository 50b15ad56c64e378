//! Box headers and the top-level layout of an MP4 file: 32-bit sizes, 64-bit `largesize` (size 1) and
//! "extends to the end of the file" (size 0). Reads only headers (a few bytes per box), so scanning a
//! multi-gigabyte file costs a handful of small reads. Sizes are checked against the file length, so
//! truncation is found here, before anything is written.

use std::fmt;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::Mp4Error;

/// A four-character box type such as `moov`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct FourCc(pub [u8; 4]);

impl FourCc {
    pub const fn new(s: &[u8; 4]) -> FourCc {
        FourCc(*s)
    }

    /// Box types are printable ASCII (plus `©`, 0xA9, in QuickTime metadata).
    fn is_plausible(&self) -> bool {
        self.0.iter().all(|&b| b.is_ascii_graphic() || b == b' ' || b == 0xA9)
    }
}

impl fmt::Display for FourCc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &b in &self.0 {
            let c = if b.is_ascii_graphic() || b == b' ' { b as char } else { '?' };
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for FourCc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

pub const MOOV: FourCc = FourCc::new(b"moov");
pub const MDAT: FourCc = FourCc::new(b"mdat");
pub const MOOF: FourCc = FourCc::new(b"moof");
pub const MVEX: FourCc = FourCc::new(b"mvex");

/// Types that may open an MP4/QuickTime file; anything else at offset 0 means "not an MP4".
const FIRST_BOX_TYPES: &[&[u8; 4]] =
    &[b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid", b"styp", b"sidx", b"moof", b"pdin"];

/// One box: where it starts, how long its header is, and its total size (header included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoxHeader {
    pub kind: FourCc,
    pub offset: u64,
    pub header_len: u64,
    pub size: u64,
    /// The header said size 0: "runs to the end of the enclosing box (or file)".
    pub to_end: bool,
}

impl BoxHeader {
    pub fn end(&self) -> u64 {
        self.offset + self.size
    }

    pub fn payload_offset(&self) -> u64 {
        self.offset + self.header_len
    }

    pub fn payload_len(&self) -> u64 {
        self.size - self.header_len
    }

    /// Whether the header used the 64-bit `largesize` form.
    pub fn is_large(&self) -> bool {
        let uuid_extra = if self.kind == FourCc::new(b"uuid") { 16 } else { 0 };
        self.header_len - uuid_extra == 16
    }

    /// Whether `offset` lies inside this box (header included).
    pub fn contains(&self, offset: u64) -> bool {
        offset >= self.offset && offset < self.end()
    }
}

/// Read the header of the box starting at `offset`, which must end by `limit` (the parent's end, or
/// the file length at top level).
pub fn read_header(file: &mut File, offset: u64, limit: u64) -> Result<BoxHeader, Mp4Error> {
    let available = limit.saturating_sub(offset);
    if available < 8 {
        return Err(Mp4Error::Truncated(format!(
            "{available} stray bytes at offset {offset} where a box header (8 bytes) should start"
        )));
    }
    let mut buf = [0u8; 16];
    file.seek(SeekFrom::Start(offset)).map_err(Mp4Error::io("seeking"))?;
    let want = available.min(16) as usize;
    file.read_exact(&mut buf[..want]).map_err(Mp4Error::io("reading a box header"))?;
    let size32 = u32::from_be_bytes(buf[0..4].try_into().expect("4 bytes"));
    let kind = FourCc(buf[4..8].try_into().expect("4 bytes"));
    if !kind.is_plausible() {
        return Err(Mp4Error::Corrupt(format!("invalid box type {:02x?} at offset {offset}", kind.0)));
    }
    let (mut header_len, size) = match size32 {
        0 => (8, available),
        1 => {
            if want < 16 {
                return Err(Mp4Error::Truncated(format!("{kind} box header at offset {offset} is cut short")));
            }
            (16, u64::from_be_bytes(buf[8..16].try_into().expect("8 bytes")))
        }
        n => (8, u64::from(n)),
    };
    if kind == FourCc::new(b"uuid") {
        header_len += 16;
    }
    if size < header_len {
        return Err(Mp4Error::Corrupt(format!("{kind} box at offset {offset} has an impossible size {size}")));
    }
    if size > available {
        return Err(Mp4Error::Truncated(format!(
            "{kind} box at offset {offset} needs {size} bytes but only {available} remain"
        )));
    }
    Ok(BoxHeader { kind, offset, header_len, size, to_end: size32 == 0 })
}

/// A reader over `file` from `pos` on that keeps its own position (positioned reads), so several can
/// read different tables of one file in step.
pub(crate) struct ReadAt<'a> {
    file: &'a File,
    pos: u64,
}

impl<'a> ReadAt<'a> {
    pub(crate) fn new(file: &'a File, pos: u64) -> ReadAt<'a> {
        ReadAt { file, pos }
    }
}

impl Read for ReadAt<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = std::os::unix::fs::FileExt::read_at(self.file, buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// The children of a container box (their headers), in order.
pub fn read_children(file: &mut File, parent: &BoxHeader) -> Result<Vec<BoxHeader>, Mp4Error> {
    let mut children = Vec::new();
    let mut at = parent.payload_offset();
    while at < parent.end() {
        let child = read_header(file, at, parent.end()).map_err(|e| match e {
            Mp4Error::Truncated(m) | Mp4Error::Corrupt(m) => {
                Mp4Error::Corrupt(format!("inside {} at offset {}: {m}", parent.kind, parent.offset))
            }
            other => other,
        })?;
        at = child.end();
        children.push(child);
    }
    Ok(children)
}

/// The top-level boxes of a file, and what they say about streaming.
#[derive(Debug, Clone)]
pub struct Layout {
    pub file_len: u64,
    pub boxes: Vec<BoxHeader>,
    /// `moof` at top level, or `mvex` inside `moov`: fragments carry their own index.
    pub fragmented: bool,
}

impl Layout {
    pub fn find(&self, kind: FourCc) -> Option<&BoxHeader> {
        self.boxes.iter().find(|b| b.kind == kind)
    }

    pub fn moov(&self) -> Option<&BoxHeader> {
        self.find(MOOV)
    }

    /// The first box holding media data (`mdat`, or `moof` in a fragmented file).
    pub fn first_media(&self) -> Option<&BoxHeader> {
        self.boxes.iter().find(|b| b.kind == MDAT || b.kind == MOOF)
    }

    /// Whether the index (`moov`) comes before the first media data. `None` when either is missing.
    pub fn faststart(&self) -> Option<bool> {
        Some(self.moov()?.offset < self.first_media()?.offset)
    }
}

/// Read the top-level box layout of `path`. Non-MP4 data, truncated boxes and impossible sizes are
/// errors; nothing else about the file is checked.
pub fn read_layout(path: &Path) -> Result<Layout, Mp4Error> {
    let mut file = File::open(path).map_err(Mp4Error::io_path("opening", path))?;
    let file_len = file.metadata().map_err(Mp4Error::io_path("reading metadata of", path))?.len();
    layout_of(&mut file, file_len)
}

pub(crate) fn layout_of(file: &mut File, file_len: u64) -> Result<Layout, Mp4Error> {
    if file_len == 0 {
        return Err(Mp4Error::Empty);
    }
    let mut boxes: Vec<BoxHeader> = Vec::new();
    let mut at = 0;
    while at < file_len {
        let header = match read_header(file, at, file_len) {
            Ok(h) => h,
            Err(Mp4Error::Corrupt(_) | Mp4Error::Truncated(_)) if boxes.is_empty() => {
                return Err(Mp4Error::NotMp4("the file does not start with an MP4 box".into()))
            }
            Err(e) => return Err(e),
        };
        if boxes.is_empty() && !FIRST_BOX_TYPES.contains(&&header.kind.0) {
            return Err(Mp4Error::NotMp4(format!(
                "the file starts with {:?}, not an MP4 box such as ftyp",
                header.kind
            )));
        }
        at = header.end();
        boxes.push(header);
    }
    let mut fragmented = boxes.iter().any(|b| b.kind == MOOF);
    if let Some(moov) = boxes.iter().find(|b| b.kind == MOOV) {
        fragmented |= read_children(file, moov)?.iter().any(|c| c.kind == MVEX);
    }
    Ok(Layout { file_len, boxes, fragmented })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;

    /// A box with a 32-bit size header.
    pub fn boxed(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut v = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(payload);
        v
    }

    fn layout_of_bytes(bytes: &[u8]) -> Result<Layout, Mp4Error> {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(bytes).unwrap();
        layout_of(&mut f, bytes.len() as u64)
    }

    #[test]
    fn moov_after_mdat_is_not_faststart() {
        let bytes = [boxed(b"ftyp", b"isom\0\0\0\0"), boxed(b"mdat", &[1; 20]), boxed(b"moov", &[])].concat();
        let layout = layout_of_bytes(&bytes).unwrap();
        assert_eq!(layout.faststart(), Some(false));
        assert!(!layout.fragmented);
        assert_eq!(layout.boxes.len(), 3);
    }

    #[test]
    fn largesize_and_size_zero_are_understood() {
        let mut large = 1u32.to_be_bytes().to_vec();
        large.extend_from_slice(b"free");
        large.extend_from_slice(&(16u64 + 4).to_be_bytes());
        large.extend_from_slice(&[0; 4]);
        let mut to_end = 0u32.to_be_bytes().to_vec();
        to_end.extend_from_slice(b"mdat");
        to_end.extend_from_slice(&[7; 100]);
        let bytes = [boxed(b"ftyp", b"isom"), boxed(b"moov", &[]), large, to_end].concat();
        let layout = layout_of_bytes(&bytes).unwrap();
        let kinds: Vec<_> = layout.boxes.iter().map(|b| b.kind.to_string()).collect();
        assert_eq!(kinds, ["ftyp", "moov", "free", "mdat"]);
        assert_eq!(layout.boxes[2].size, 20);
        assert_eq!(layout.boxes[2].header_len, 16);
        assert_eq!(layout.boxes[3].end(), bytes.len() as u64);
        assert_eq!(layout.faststart(), Some(true));
    }

    #[test]
    fn a_box_running_past_the_end_is_truncation() {
        let mut bytes = [boxed(b"ftyp", b"isom"), boxed(b"mdat", &[0; 50])].concat();
        bytes.truncate(bytes.len() - 10);
        let err = layout_of_bytes(&bytes).unwrap_err();
        assert!(matches!(err, Mp4Error::Truncated(_)), "{err}");
        assert!(err.to_string().contains("mdat"), "{err}");
    }

    #[test]
    fn text_and_empty_files_are_not_mp4() {
        assert!(matches!(layout_of_bytes(b"This is a plain text file").unwrap_err(), Mp4Error::NotMp4(_)));
        assert!(matches!(layout_of_bytes(b"").unwrap_err(), Mp4Error::Empty));
    }

    proptest::proptest! {
        /// Any bytes at all: an error or a layout whose boxes tile the file exactly, never a panic.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256)) {
            if let Ok(layout) = layout_of_bytes(&bytes) {
                let mut at = 0;
                for b in &layout.boxes {
                    proptest::prop_assert_eq!(b.offset, at);
                    at = b.end();
                }
                proptest::prop_assert_eq!(at, bytes.len() as u64);
            }
        }
    }

    #[test]
    fn mvex_inside_moov_marks_fragmented() {
        let moov = boxed(b"moov", &boxed(b"mvex", &[]));
        let bytes = [boxed(b"ftyp", b"isom"), moov, boxed(b"mdat", &[])].concat();
        assert!(layout_of_bytes(&bytes).unwrap().fragmented);
    }
}
