//! Subtitle text (pure): parsing SubRip (`.srt`) and WebVTT (`.vtt`) into cues, and writing WebVTT.
//! Sidecar files are parsed here strictly so that a broken file is reported with its line number;
//! subtitle streams of a source (mov_text, SubRip, ASS/SSA, WebVTT) are converted to WebVTT by ffmpeg
//! and read back through the same parser. Segmenting for HLS is `vtt_segment`'s job; this module does
//! no I/O and knows nothing of files or languages.

use std::fmt::Write as _;

/// Largest number of cues accepted in one file: a bound on memory for hostile input (a feature film
/// has about 2,000).
pub const MAX_CUES: usize = 100_000;

/// One cue. Times are milliseconds on the source's presentation timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    pub id: Option<String>,
    pub start_ms: u64,
    pub end_ms: u64,
    /// WebVTT cue settings (`line:10% align:start`), empty for none.
    pub settings: String,
    /// WebVTT cue text (one or more lines, `\n`-separated, never empty, never a blank line).
    pub text: String,
}

/// Why a subtitle file cannot be used. Callers report it with the file name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("no cues: the file is empty or holds no subtitle text")]
    Empty,
    #[error("line {line}: {what}")]
    Bad { line: usize, what: String },
    #[error("more than {MAX_CUES} cues")]
    TooManyCues,
}

fn bad(line: usize, what: impl Into<String>) -> ParseError {
    ParseError::Bad { line, what: what.into() }
}

/// The format of a subtitle text, told by its content (a `WEBVTT` signature) rather than its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    SubRip,
    WebVtt,
}

/// `WebVtt` when the text starts with the `WEBVTT` signature (after an optional BOM), else `SubRip`.
pub fn detect(text: &str) -> Format {
    let t = text.strip_prefix('\u{feff}').unwrap_or(text);
    if t.starts_with("WEBVTT") && t[6..].chars().next().is_none_or(|c| matches!(c, ' ' | '\t' | '\n' | '\r')) {
        Format::WebVtt
    } else {
        Format::SubRip
    }
}

/// Parse SubRip or WebVTT, told apart by [`detect`].
pub fn parse(text: &str) -> Result<Vec<Cue>, ParseError> {
    match detect(text) {
        Format::WebVtt => parse_vtt(text),
        Format::SubRip => parse_srt(text),
    }
}

/// Lines with their 1-based numbers, BOM and `\r` removed.
fn numbered_lines(text: &str) -> Vec<(usize, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.split('\n').enumerate().map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l))).collect()
}

/// Split into blocks of non-blank lines.
fn blocks<'a>(lines: &[(usize, &'a str)]) -> Vec<Vec<(usize, &'a str)>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for &(n, l) in lines {
        if l.trim().is_empty() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push((n, l));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `[HH:]MM:SS(.|,)mmm` -> milliseconds. `comma` admits SubRip's `,`; WebVTT requires `.`.
fn timestamp(s: &str, comma: bool) -> Option<u64> {
    let s = s.trim();
    let (hms, frac) = s.rsplit_once('.').or_else(|| if comma { s.rsplit_once(',') } else { None })?;
    if frac.len() != 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = hms.split(':').collect();
    let num = |p: &str, exact: bool| -> Option<u64> {
        let ok = !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && (!exact || p.len() == 2) && p.len() <= 6;
        ok.then(|| p.parse().ok()).flatten()
    };
    let (h, m, sec) = match parts.as_slice() {
        [h, m, s] => (num(h, false)?, num(m, true)?, num(s, true)?),
        [m, s] => (0, num(m, true)?, num(s, true)?),
        _ => return None,
    };
    if m > 59 || sec > 59 {
        return None;
    }
    Some(((h * 60 + m) * 60 + sec) * 1000 + frac.parse::<u64>().ok()?)
}

/// A timing line `start --> end [settings]`.
fn timing(line: &str, n: usize, comma: bool) -> Result<(u64, u64, String), ParseError> {
    let (a, rest) = line
        .split_once("-->")
        .ok_or_else(|| bad(n, format!("expected a timing line `00:00:01,000 --> 00:00:02,000`, found {line:?}")))?;
    let rest = rest.trim_start();
    let (b, settings) = rest.split_once([' ', '\t']).unwrap_or((rest, ""));
    let start = timestamp(a, comma).ok_or_else(|| bad(n, format!("bad start time {:?}", a.trim())))?;
    let end = timestamp(b, comma).ok_or_else(|| bad(n, format!("bad end time {:?}", b.trim())))?;
    if end <= start {
        return Err(bad(n, format!("the cue ends ({}) before it starts ({})", b.trim(), a.trim())));
    }
    Ok((start, end, settings.split_whitespace().collect::<Vec<_>>().join(" ")))
}

/// Parse SubRip. Each block is an optional number, a timing line and one or more text lines; the
/// HTML-like tags SubRip players accept become their WebVTT equivalents (`<b> <i> <u>` kept, `<font>`
/// and ASS overrides such as `{\an8}` dropped), and `& < >` are escaped.
pub fn parse_srt(text: &str) -> Result<Vec<Cue>, ParseError> {
    let lines = numbered_lines(text);
    let mut cues = Vec::new();
    for block in blocks(&lines) {
        let mut it = block.iter().peekable();
        let &(n0, first) = it.next().expect("blocks are non-empty");
        let (n, timing_line) = if first.contains("-->") {
            (n0, first)
        } else {
            if !first.trim().bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(n0, format!("expected a cue number or a timing line, found {first:?}")));
            }
            match it.next() {
                Some(&(n, l)) => (n, l),
                None => return Err(bad(n0, "a cue number without a timing line")),
            }
        };
        let (start_ms, end_ms, _) = timing(timing_line, n, true)?;
        let body: Vec<String> = it.map(|&(_, l)| srt_text_to_vtt(l)).filter(|l| !l.trim().is_empty()).collect();
        if body.is_empty() {
            continue; // a cue with no text shows nothing
        }
        push(&mut cues, Cue { id: None, start_ms, end_ms, settings: String::new(), text: body.join("\n") })?;
    }
    finish(cues)
}

fn push(cues: &mut Vec<Cue>, cue: Cue) -> Result<(), ParseError> {
    if cues.len() >= MAX_CUES {
        return Err(ParseError::TooManyCues);
    }
    cues.push(cue);
    Ok(())
}

fn finish(mut cues: Vec<Cue>) -> Result<Vec<Cue>, ParseError> {
    if cues.is_empty() {
        return Err(ParseError::Empty);
    }
    cues.sort_by_key(|c| (c.start_ms, c.end_ms));
    Ok(cues)
}

/// One SubRip text line as WebVTT cue text.
fn srt_text_to_vtt(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if c == '{' && rest.starts_with("{\\") {
            if let Some(end) = rest.find('}') {
                rest = &rest[end + 1..];
                continue;
            }
        }
        if c == '<' {
            if let Some(end) = rest.find('>') {
                let tag = rest[1..end].trim().to_ascii_lowercase();
                if matches!(tag.as_str(), "b" | "i" | "u" | "/b" | "/i" | "/u") {
                    out.push('<');
                    out.push_str(&tag);
                    out.push('>');
                }
                rest = &rest[end + 1..];
                continue;
            }
        }
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Parse WebVTT: the `WEBVTT` header block, then cues (optional identifier, timing line with
/// settings, text). `NOTE`, `STYLE` and `REGION` blocks are skipped. Cue text is kept as written.
pub fn parse_vtt(text: &str) -> Result<Vec<Cue>, ParseError> {
    if detect(text) != Format::WebVtt {
        return Err(bad(1, "a WebVTT file must start with `WEBVTT`"));
    }
    let lines = numbered_lines(text);
    let mut cues = Vec::new();
    for block in blocks(&lines).into_iter().skip(1) {
        let &(n0, first) = &block[0];
        if ["NOTE", "STYLE", "REGION"]
            .iter()
            .any(|k| first == *k || first.starts_with(&format!("{k} ")) || first.starts_with(&format!("{k}\t")))
        {
            continue;
        }
        let (id, rest) = if first.contains("-->") { (None, &block[..]) } else { (Some(first.to_owned()), &block[1..]) };
        let Some(&(n, timing_line)) = rest.first() else {
            return Err(bad(n0, format!("expected a timing line after the cue identifier {first:?}")));
        };
        let (start_ms, end_ms, settings) = timing(timing_line, n, false)?;
        let body: Vec<&str> = rest[1..].iter().map(|&(_, l)| l).collect();
        if let Some(&(n, l)) = rest[1..].iter().find(|(_, l)| l.contains("-->")) {
            return Err(bad(n, format!("cue text may not contain `-->` (a missing blank line?): {l:?}")));
        }
        if body.is_empty() {
            continue;
        }
        push(&mut cues, Cue { id, start_ms, end_ms, settings, text: body.join("\n") })?;
    }
    finish(cues)
}

/// `HH:MM:SS.mmm`.
pub fn format_timestamp(ms: u64) -> String {
    format!("{:02}:{:02}:{:02}.{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
}

/// Append cues in WebVTT syntax (each followed by a blank line).
pub fn write_cues(out: &mut String, cues: &[Cue]) {
    for c in cues {
        if let Some(id) = &c.id {
            let _ = writeln!(out, "{id}");
        }
        let _ = write!(out, "{} --> {}", format_timestamp(c.start_ms), format_timestamp(c.end_ms));
        if !c.settings.is_empty() {
            let _ = write!(out, " {}", c.settings);
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", c.text);
        let _ = writeln!(out);
    }
}

/// A complete WebVTT file.
pub fn write_vtt(cues: &[Cue]) -> String {
    let mut s = String::from("WEBVTT\n\n");
    write_cues(&mut s, cues);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRT: &str = "1\r\n00:00:01,000 --> 00:00:02,500\r\nHello <font color=\"red\">there</font>\r\n<i>second line</i> & more\r\n\r\n2\r\n00:00:03,500 --> 00:00:04,500\r\n{\\an8}Top\r\n";

    #[test]
    fn srt_cues_become_webvtt_text_with_millisecond_times() {
        let cues = parse_srt(SRT).unwrap();
        assert_eq!(cues.len(), 2);
        assert_eq!((cues[0].start_ms, cues[0].end_ms), (1000, 2500));
        assert_eq!(cues[0].text, "Hello there\n<i>second line</i> &amp; more");
        assert_eq!(cues[1].text, "Top");
    }

    #[test]
    fn srt_without_numbers_and_with_a_bom_still_parses() {
        let cues = parse("\u{feff}00:00:01.000 --> 00:00:02.000\nA\n\n\n\n00:01:00,000 --> 01:00:00,001\nB\n").unwrap();
        assert_eq!(cues.iter().map(|c| c.end_ms).collect::<Vec<_>>(), [2000, 3_600_001]);
    }

    #[test]
    fn malformed_srt_is_rejected_with_its_line() {
        let err = parse_srt("1\n00:00:01,000 -> 00:00:03,000\ntext\n").unwrap_err();
        assert!(matches!(err, ParseError::Bad { line: 2, .. }), "{err}");
        let err = parse_srt("1\n00:00:99,000 --> 00:01:00,000\ntext\n").unwrap_err();
        assert_eq!(err.to_string(), "line 2: bad start time \"00:00:99,000\"");
        let err = parse_srt("00:00:05,000 --> 00:00:02,000\ntext\n").unwrap_err();
        assert!(err.to_string().contains("ends (00:00:02,000) before it starts"), "{err}");
        assert!(matches!(parse_srt("hello\nworld\n"), Err(ParseError::Bad { line: 1, .. })));
    }

    #[test]
    fn malformed_fixture_is_rejected() {
        let text = include_str!("../../fixtures/malformed.srt");
        assert!(matches!(parse(text), Err(ParseError::Bad { line: 2, .. })));
    }

    #[test]
    fn empty_files_have_no_cues() {
        assert_eq!(parse(""), Err(ParseError::Empty));
        assert_eq!(parse("\n\n"), Err(ParseError::Empty));
        assert_eq!(parse("WEBVTT\n\nNOTE nothing here\n"), Err(ParseError::Empty));
        assert_eq!(parse("1\n00:00:01,000 --> 00:00:02,000\n\n"), Err(ParseError::Empty));
        assert!(matches!(parse("1\n"), Err(ParseError::Bad { line: 1, .. })));
    }

    #[test]
    fn webvtt_keeps_ids_settings_and_markup_and_skips_notes() {
        let text = "WEBVTT - title\nKind: captions\n\nNOTE a comment\nspanning lines\n\nSTYLE\n::cue { color: red }\n\nintro\n00:01.000 --> 00:00:03.000 line:10%  align:start\nDeutsch <b>zwei</b>\n\n00:00:05.000 --> 00:00:07.000\nx\n";
        let cues = parse(text).unwrap();
        assert_eq!(cues.len(), 2);
        assert_eq!(cues[0].id.as_deref(), Some("intro"));
        assert_eq!(cues[0].settings, "line:10% align:start");
        assert_eq!(cues[0].text, "Deutsch <b>zwei</b>");
        assert_eq!(cues[0].start_ms, 1000);
    }

    #[test]
    fn webvtt_rejects_comma_times_and_missing_blank_lines() {
        assert!(parse_vtt("WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nx\n").is_err());
        let err =
            parse_vtt("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nx\n00:00:03.000 --> 00:00:04.000\ny\n").unwrap_err();
        assert!(matches!(err, ParseError::Bad { line: 5, .. }), "{err}");
        assert!(parse_vtt("1\n00:00:01,000 --> 00:00:02,000\nx\n").is_err());
        assert_eq!(detect("WEBVTTX\n"), Format::SubRip);
    }

    #[test]
    fn written_webvtt_parses_back_to_the_same_cues() {
        let cues = parse(include_str!("../../fixtures/langs.de.vtt")).unwrap();
        let text = write_vtt(&cues);
        assert!(text.starts_with("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nDeutsch eins\n\n"), "{text}");
        assert!(text.contains("00:00:05.000 --> 00:00:07.000 line:10%\nDeutsch <b>zwei</b>\n"), "{text}");
        assert_eq!(parse_vtt(&text).unwrap(), cues);
        assert_eq!(format_timestamp(3_723_004), "01:02:03.004");
    }

    #[test]
    fn cues_come_out_in_time_order() {
        let cues = parse_srt("00:00:05,000 --> 00:00:06,000\nB\n\n00:00:01,000 --> 00:00:02,000\nA\n").unwrap();
        assert_eq!(cues[0].text, "A");
    }
}
