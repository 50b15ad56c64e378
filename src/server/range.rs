//! `Range` and `If-Range` (RFC 9110 §14): parse the header and decide what to send, as pure functions of
//! the header text, the validators and the file length. Nothing here touches files or builds responses;
//! `handler.rs` renders the [`RangeDecision`].
//!
//! Policy, as the RFC allows:
//! - a header with an unknown unit or any malformed range-spec is ignored (the whole body, 200);
//! - ranges that cannot be satisfied are dropped; when none is left the answer is 416 (`bytes */LEN`);
//! - several ranges are sent as `multipart/byteranges` only when they are few ([`MAX_RANGES`]), do not
//!   overlap and add up to less than the file: anything that would amplify the response gets the whole
//!   body instead;
//! - `If-Range` honours strong validators only: a strong ETag that matches exactly, or an HTTP date equal
//!   to `Last-Modified`. Anything else (weak tag, other date, garbage) means "send the whole body".

/// More ranges than this in one request are answered with the whole body.
pub const MAX_RANGES: usize = 16;

/// An inclusive byte range `start..=end` inside a file (`end < len`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    pub end: u64,
}

impl ByteRange {
    pub fn len(&self) -> u64 {
        self.end - self.start + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}

/// What to send for a GET or HEAD of a file of known length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeDecision {
    /// 200 with the whole body (no Range, ignored Range, failed If-Range, amplifying ranges).
    Full,
    /// 206 with one `Content-Range`.
    Partial(ByteRange),
    /// 206 `multipart/byteranges`, ranges in the order requested.
    Multi(Vec<ByteRange>),
    /// 416 with `Content-Range: bytes */LEN`.
    Unsatisfiable,
}

/// One range-spec as written, before the file length is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeSpec {
    /// `first-last` or `first-` (last = None).
    FromTo(u64, Option<u64>),
    /// `-n`: the last n bytes.
    Suffix(u64),
}

/// Parse a `Range` header value. `None` means "ignore it": unknown unit, empty set, bad syntax, or a
/// `last-pos` before its `first-pos`. Numbers too large for u64 saturate (they are then clamped or
/// unsatisfiable, never an overflow).
pub fn parse(header: &[u8]) -> Option<Vec<RangeSpec>> {
    let text = std::str::from_utf8(header).ok()?;
    let (unit, set) = text.split_once('=')?;
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return None;
    }
    let mut specs = Vec::new();
    for item in set.split(',') {
        let item = item.trim_matches(|c| c == ' ' || c == '\t');
        if item.is_empty() {
            // RFC 9110 list syntax allows empty elements; they carry nothing.
            continue;
        }
        let (first, last) = item.split_once('-')?;
        let spec = if first.is_empty() {
            RangeSpec::Suffix(digits(last)?)
        } else {
            let first = digits(first)?;
            if last.is_empty() {
                RangeSpec::FromTo(first, None)
            } else {
                let last = digits(last)?;
                if last < first {
                    return None;
                }
                RangeSpec::FromTo(first, Some(last))
            }
        };
        specs.push(spec);
        if specs.len() > 1024 {
            // A header this long is an attack or a bug; ignoring it costs nothing.
            return None;
        }
    }
    if specs.is_empty() {
        None
    } else {
        Some(specs)
    }
}

/// `1*DIGIT`, saturating at u64::MAX.
fn digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.bytes().fold(0u64, |acc, b| acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))))
}

/// Clamp one spec to a file of `len` bytes; `None` when it is unsatisfiable.
pub fn resolve(spec: RangeSpec, len: u64) -> Option<ByteRange> {
    if len == 0 {
        return None;
    }
    match spec {
        RangeSpec::FromTo(first, last) => {
            if first >= len {
                return None;
            }
            let end = last.map_or(len - 1, |l| l.min(len - 1));
            Some(ByteRange { start: first, end })
        }
        RangeSpec::Suffix(0) => None,
        RangeSpec::Suffix(n) => Some(ByteRange { start: len.saturating_sub(n), end: len - 1 }),
    }
}

/// Decide from the raw `Range` header (if any), whether `If-Range` allows ranges, and the length.
/// An empty file is always sent whole (there is no byte to point a range at).
pub fn decide(range: Option<&[u8]>, if_range_allows: bool, len: u64) -> RangeDecision {
    let Some(header) = range else { return RangeDecision::Full };
    if !if_range_allows || len == 0 {
        return RangeDecision::Full;
    }
    let Some(specs) = parse(header) else { return RangeDecision::Full };
    let ranges: Vec<ByteRange> = specs.into_iter().filter_map(|s| resolve(s, len)).collect();
    match ranges.len() {
        0 => RangeDecision::Unsatisfiable,
        1 => RangeDecision::Partial(ranges[0]),
        n if n > MAX_RANGES || amplifies(&ranges, len) => RangeDecision::Full,
        _ => RangeDecision::Multi(ranges),
    }
}

/// Overlapping ranges, or ranges adding up to the file or more, are not worth a multipart body.
fn amplifies(ranges: &[ByteRange], len: u64) -> bool {
    let total: u64 = ranges.iter().map(ByteRange::len).fold(0, u64::saturating_add);
    if total >= len {
        return true;
    }
    let mut sorted: Vec<ByteRange> = ranges.to_vec();
    sorted.sort_by_key(|r| r.start);
    sorted.windows(2).any(|w| w[1].start <= w[0].end)
}

/// Whether `If-Range` (if present) lets the Range header apply: only an exact strong ETag match or an
/// HTTP date equal to Last-Modified do. `etag` is the file's strong tag with quotes; `last_modified` is
/// its Last-Modified in whole seconds since the epoch.
pub fn if_range_allows(if_range: Option<&[u8]>, etag: &str, last_modified: u64) -> bool {
    let Some(raw) = if_range else { return true };
    let Ok(text) = std::str::from_utf8(raw) else { return false };
    let text = text.trim();
    if text.starts_with('"') {
        return text == etag;
    }
    if text.starts_with("W/") {
        return false;
    }
    match httpdate::parse_http_date(text) {
        Ok(date) => date.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() == last_modified).unwrap_or(false),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(start: u64, end: u64) -> ByteRange {
        ByteRange { start, end }
    }

    fn d(header: &str, len: u64) -> RangeDecision {
        decide(Some(header.as_bytes()), true, len)
    }

    #[test]
    fn no_range_header_sends_the_whole_body() {
        assert_eq!(decide(None, true, 100), RangeDecision::Full);
    }

    #[test]
    fn single_closed_range_is_partial() {
        assert_eq!(d("bytes=10-19", 100), RangeDecision::Partial(r(10, 19)));
    }

    #[test]
    fn safari_probe_bytes_0_1_returns_two_bytes() {
        assert_eq!(d("bytes=0-1", 100), RangeDecision::Partial(r(0, 1)));
    }

    #[test]
    fn open_range_runs_to_the_end() {
        assert_eq!(d("bytes=90-", 100), RangeDecision::Partial(r(90, 99)));
    }

    #[test]
    fn suffix_range_returns_the_tail() {
        assert_eq!(d("bytes=-10", 100), RangeDecision::Partial(r(90, 99)));
    }

    #[test]
    fn suffix_range_longer_than_file_returns_whole_body_as_partial() {
        assert_eq!(d("bytes=-1000", 100), RangeDecision::Partial(r(0, 99)));
    }

    #[test]
    fn last_pos_past_the_end_is_clamped() {
        assert_eq!(d("bytes=50-5000", 100), RangeDecision::Partial(r(50, 99)));
    }

    #[test]
    fn first_pos_past_the_end_is_unsatisfiable() {
        assert_eq!(d("bytes=100-", 100), RangeDecision::Unsatisfiable);
        assert_eq!(d("bytes=-0", 100), RangeDecision::Unsatisfiable);
    }

    #[test]
    fn unsatisfiable_ranges_are_dropped_when_others_remain() {
        assert_eq!(d("bytes=500-600, 0-9", 100), RangeDecision::Partial(r(0, 9)));
    }

    #[test]
    fn unknown_units_and_malformed_headers_are_ignored() {
        for h in ["items=0-1", "bytes", "bytes=", "bytes=a-b", "bytes=5-1", "bytes=--1", "bytes=1-2-3", "bytes=0x1-2"] {
            assert_eq!(d(h, 100), RangeDecision::Full, "{h}");
        }
    }

    #[test]
    fn unit_is_case_insensitive_and_whitespace_around_commas_is_allowed() {
        assert_eq!(d("Bytes=0-0 ,\t 10-10", 100), RangeDecision::Multi(vec![r(0, 0), r(10, 10)]));
    }

    #[test]
    fn few_disjoint_ranges_become_multipart() {
        assert_eq!(d("bytes=0-9,20-29", 100), RangeDecision::Multi(vec![r(0, 9), r(20, 29)]));
    }

    #[test]
    fn overlapping_ranges_get_the_whole_body() {
        assert_eq!(d("bytes=0-50,40-60", 100), RangeDecision::Full);
    }

    #[test]
    fn too_many_ranges_get_the_whole_body() {
        let many: Vec<String> = (0..=MAX_RANGES as u64).map(|i| format!("{}-{}", i * 2, i * 2)).collect();
        assert_eq!(d(&format!("bytes={}", many.join(",")), 1000), RangeDecision::Full);
    }

    #[test]
    fn ranges_adding_up_to_the_file_get_the_whole_body() {
        assert_eq!(d("bytes=0-49,50-99", 100), RangeDecision::Full);
    }

    #[test]
    fn empty_file_is_always_sent_whole() {
        assert_eq!(d("bytes=0-1", 0), RangeDecision::Full);
    }

    #[test]
    fn huge_numbers_saturate_instead_of_overflowing() {
        assert_eq!(d("bytes=0-99999999999999999999999999", 100), RangeDecision::Partial(r(0, 99)));
        assert_eq!(d("bytes=99999999999999999999999999-", 100), RangeDecision::Unsatisfiable);
    }

    #[test]
    fn if_range_with_matching_strong_etag_allows_ranges() {
        assert!(if_range_allows(Some(b"\"abc\""), "\"abc\"", 0));
        assert!(!if_range_allows(Some(b"\"abd\""), "\"abc\"", 0));
    }

    #[test]
    fn if_range_with_weak_etag_never_allows_ranges() {
        assert!(!if_range_allows(Some(b"W/\"abc\""), "\"abc\"", 0));
    }

    #[test]
    fn if_range_date_must_equal_last_modified() {
        let date = httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000));
        assert!(if_range_allows(Some(date.as_bytes()), "\"x\"", 1_700_000_000));
        assert!(!if_range_allows(Some(date.as_bytes()), "\"x\"", 1_700_000_001));
        assert!(!if_range_allows(Some(b"yesterday"), "\"x\"", 1_700_000_000));
    }

    #[test]
    fn failed_if_range_sends_the_whole_body() {
        assert_eq!(decide(Some(b"bytes=0-1"), false, 100), RangeDecision::Full);
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn parser_never_panics_on_any_bytes(raw in proptest::collection::vec(any::<u8>(), 0..200), len in 0u64..10_000) {
                let _ = parse(&raw);
                let _ = decide(Some(&raw), true, len);
            }

            #[test]
            fn decisions_stay_inside_the_file(header in "(bytes|BYTES|items)=([0-9]{0,6}-[0-9]{0,6}(, ?)?){0,20}", len in 0u64..1_000_000) {
                match decide(Some(header.as_bytes()), true, len) {
                    RangeDecision::Partial(r) => prop_assert!(r.start <= r.end && r.end < len),
                    RangeDecision::Multi(rs) => {
                        prop_assert!(rs.len() >= 2 && rs.len() <= MAX_RANGES);
                        let total: u64 = rs.iter().map(|r| r.len()).sum();
                        prop_assert!(total < len);
                        for r in rs { prop_assert!(r.start <= r.end && r.end < len); }
                    }
                    RangeDecision::Full | RangeDecision::Unsatisfiable => {}
                }
            }

            #[test]
            fn a_valid_single_range_round_trips(start in 0u64..1000, extra in 0u64..1000, len in 1u64..3000) {
                let end = start + extra;
                let got = decide(Some(format!("bytes={start}-{end}").as_bytes()), true, len);
                if start >= len {
                    prop_assert_eq!(got, RangeDecision::Unsatisfiable);
                } else {
                    prop_assert_eq!(got, RangeDecision::Partial(ByteRange { start, end: end.min(len - 1) }));
                }
            }

            #[test]
            fn suffix_ranges_always_end_at_the_last_byte(n in 1u64..5000, len in 1u64..3000) {
                match decide(Some(format!("bytes=-{n}").as_bytes()), true, len) {
                    RangeDecision::Partial(r) => {
                        prop_assert_eq!(r.end, len - 1);
                        prop_assert_eq!(r.len(), n.min(len));
                    }
                    other => prop_assert!(false, "unexpected {:?}", other),
                }
            }
        }
    }
}
