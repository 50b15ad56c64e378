//! Fuzz target: the Range header parser and decision (`server::range`). The first 8 bytes pick the
//! file length, the rest is the header. Checks: every range decided lies inside the file with
//! start <= end, a multipart answer has 2..=MAX_RANGES ranges, and `If-Range` parsing never panics.

use playtube::server::range::{self, RangeDecision, MAX_RANGES};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        if data.len() < 8 {
            return;
        }
        let len = u64::from_le_bytes(data[..8].try_into().unwrap()) % (1 << 40);
        let header = &data[8..];
        let inside = |r: &range::ByteRange| r.start <= r.end && r.end < len;
        match range::decide(Some(header), true, len) {
            RangeDecision::Full | RangeDecision::Unsatisfiable => {}
            RangeDecision::Partial(r) => assert!(inside(&r), "{r:?} outside {len}"),
            RangeDecision::Multi(rs) => {
                assert!(rs.len() >= 2 && rs.len() <= MAX_RANGES);
                assert!(rs.iter().all(inside), "{rs:?} outside {len}");
            }
        }
        let _ = range::if_range_allows(Some(header), "\"abc\"", len);
    });
}
