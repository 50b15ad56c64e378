//! The one lexer for HLS attribute lists (RFC 8216 §4.2: `NAME=VALUE,NAME="quoted, value"`), shared
//! by the pipeline (reading playlists it validates) and signing (rewriting `URI="..."` attributes
//! byte for byte). A leaf: pure text in, borrowed slices and byte offsets out; it knows no tag names.

/// One attribute of a list, borrowed from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribute<'a> {
    /// The name, trimmed of surrounding spaces.
    pub name: &'a str,
    /// The value, without its quotes when quoted.
    pub value: &'a str,
    /// Byte offset of `value` in the list text (so a caller can replace exactly the value).
    pub value_start: usize,
    /// The value was a quoted string.
    pub quoted: bool,
    /// False only for a quoted value whose closing quote is missing (it then runs to the end).
    pub terminated: bool,
}

/// Split an attribute list into its attributes, in order. A quoted value may hold commas and `=`;
/// anything between a closing quote and the next comma is skipped. Malformed text never panics: a
/// part without `=` ends the list.
pub fn attributes(list: &str) -> Vec<Attribute<'_>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < list.len() {
        let Some(eq) = list[pos..].find('=') else { break };
        let name = list[pos..pos + eq].trim();
        let start = pos + eq + 1;
        let after = &list[start..];
        if let Some(quoted) = after.strip_prefix('"') {
            let Some(end) = quoted.find('"') else {
                out.push(Attribute { name, value: quoted, value_start: start + 1, quoted: true, terminated: false });
                break;
            };
            out.push(Attribute { name, value: &quoted[..end], value_start: start + 1, quoted: true, terminated: true });
            let after_quote = start + 1 + end + 1;
            match list[after_quote..].find(',') {
                Some(comma) => pos = after_quote + comma + 1,
                None => break,
            }
        } else {
            let end = after.find(',').unwrap_or(after.len());
            out.push(Attribute { name, value: &after[..end], value_start: start, quoted: false, terminated: true });
            pos = start + end + 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_keep_commas_and_offsets_point_inside_the_quotes() {
        let list = r#"BANDWIDTH=800000,CODECS="avc1.4d401e,mp4a.40.2",URI="a b.m3u8""#;
        let attrs = attributes(list);
        let pairs: Vec<(&str, &str)> = attrs.iter().map(|a| (a.name, a.value)).collect();
        assert_eq!(pairs, [("BANDWIDTH", "800000"), ("CODECS", "avc1.4d401e,mp4a.40.2"), ("URI", "a b.m3u8")]);
        let uri = attrs[2];
        assert_eq!(&list[uri.value_start..uri.value_start + uri.value.len()], "a b.m3u8");
        assert!(uri.quoted && uri.terminated && !attrs[0].quoted);
    }

    #[test]
    fn an_unterminated_quote_runs_to_the_end_and_is_marked() {
        let attrs = attributes(r#"METHOD=NONE,URI="open"#);
        assert_eq!(attrs[1].value, "open");
        assert!(!attrs[1].terminated);
    }

    #[test]
    fn text_without_equals_ends_the_list() {
        assert!(attributes("").is_empty());
        assert!(attributes("junk").is_empty());
        assert_eq!(attributes("A=1,junk").len(), 1);
    }
}
