//! Fuzz target: the signed-link query parser (`signing::query`). Checks: a token parsed from a query
//! is written back by `to_query` in a form that parses to the same token (one spelling per token),
//! and `strip` removes every signing parameter (its result parses to "no token").

use playtube::signing::query;

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else { return };
        if let Ok(Some(token)) = query::parse(text) {
            let again = query::parse(&token.to_query()).expect("to_query parses");
            assert_eq!(again.as_ref(), Some(&token), "round trip of {text:?}");
        }
        let stripped = query::strip(text);
        if stripped.len() <= query::MAX_QUERY_LEN {
            assert!(matches!(query::parse(&stripped), Ok(None)), "strip left a parameter: {stripped:?}");
        }
    });
}
