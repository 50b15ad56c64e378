//! The signed-link query parser: it faces the network, so it is strict where ambiguity could let two
//! readers disagree and lenient with everything that is not ours. Pure and total: any input returns a
//! value, never a panic (property-tested below).
//!
//! Rules: pairs are split on `&`; empty pairs are skipped; names and values are percent-decoded (`+` is
//! not a space); pairs whose decoded name is not one of ours (`expires`, `scope`, `ip`, `kid`, `sig`) are
//! ignored, so cache busters and player parameters pass through. One of ours appearing twice, without
//! `=`, or with an invalid value is `malformed`; none of ours at all is `missing` (`Ok(None)`). Values
//! must be in the exact form `sign` writes (decimal without leading zeros, canonical IP text), so a given
//! token has exactly one spelling.

use std::borrow::Cow;
use std::net::IpAddr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use percent_encoding::percent_decode_str;

use super::{Claims, Error, KeyId, Scope, Token, PARAMS, PARAM_EXPIRES, PARAM_SCOPE, PARAM_SIG, SIG_LEN};

/// Longest query accepted for parsing; longer ones are `malformed` (servers bound request heads anyway).
pub const MAX_QUERY_LEN: usize = 8192;

fn malformed(what: impl Into<String>) -> Error {
    Error::Malformed(what.into())
}

fn decode(s: &str) -> Option<Cow<'_, str>> {
    percent_decode_str(s).decode_utf8().ok()
}

/// Split a raw query into `(decoded name, raw name=value piece)` pairs, skipping empty pieces.
fn pieces(query: &str) -> impl Iterator<Item = (Option<Cow<'_, str>>, &str)> {
    query.split('&').filter(|p| !p.is_empty()).map(|piece| {
        let name = piece.split_once('=').map_or(piece, |(n, _)| n);
        (decode(name), piece)
    })
}

fn is_ours(name: &str) -> bool {
    PARAMS.contains(&name)
}

/// Parse the token out of a raw query string (without the `?`). `Ok(None)` when none of our parameters
/// is present.
pub fn parse(query: &str) -> Result<Option<Token>, Error> {
    if query.len() > MAX_QUERY_LEN {
        return Err(malformed(format!("query longer than {MAX_QUERY_LEN} bytes")));
    }
    let mut values: [Option<String>; 5] = Default::default();
    for (name, piece) in pieces(query) {
        let Some(name) = name else { continue };
        let Some(slot) = PARAMS.iter().position(|p| *p == name) else { continue };
        let Some((_, raw)) = piece.split_once('=') else {
            return Err(malformed(format!("{name} has no value")));
        };
        let value = decode(raw).ok_or_else(|| malformed(format!("{name} is not valid UTF-8")))?;
        if values[slot].replace(value.into_owned()).is_some() {
            return Err(malformed(format!("{name} appears more than once")));
        }
    }
    if values.iter().all(Option::is_none) {
        return Ok(None);
    }
    let [expires, scope, ip, kid, sig] = values;
    let need = |v: Option<String>, name: &str| v.ok_or_else(|| malformed(format!("{name} is missing")));
    let expires = parse_expires(&need(expires, PARAM_EXPIRES)?)?;
    let scope_text = need(scope, PARAM_SCOPE)?;
    let scope =
        Scope::parse(&scope_text).ok_or_else(|| malformed(format!("scope {scope_text:?} is not a delivery scope")))?;
    let ip = ip.map(|v| parse_ip(&v)).transpose()?;
    let kid = kid.map(|v| KeyId::parse(&v).map_err(|e| malformed(e.to_string()))).transpose()?;
    let sig = parse_sig(&need(sig, PARAM_SIG)?)?;
    Ok(Some(Token { claims: Claims { scope, expires, ip, kid }, sig }))
}

fn parse_expires(v: &str) -> Result<u64, Error> {
    let canonical =
        !v.is_empty() && v.len() <= 20 && v.bytes().all(|b| b.is_ascii_digit()) && (v == "0" || !v.starts_with('0'));
    canonical
        .then(|| v.parse::<u64>().ok())
        .flatten()
        .ok_or_else(|| malformed(format!("expires {v:?} is not Unix seconds in plain decimal")))
}

fn parse_ip(v: &str) -> Result<IpAddr, Error> {
    match v.parse::<IpAddr>() {
        Ok(ip) if ip.to_string() == v => Ok(ip),
        _ => Err(malformed(format!("ip {v:?} is not an address in canonical form"))),
    }
}

fn parse_sig(v: &str) -> Result<[u8; 32], Error> {
    let bad = || malformed(format!("sig is not {SIG_LEN} characters of unpadded base64url"));
    if v.len() != SIG_LEN {
        return Err(bad());
    }
    let bytes = URL_SAFE_NO_PAD.decode(v).map_err(|_| bad())?;
    bytes.try_into().map_err(|_| bad())
}

/// The query with every one of our parameters removed (other pairs kept verbatim, in order). Used to
/// re-sign a URI that already had a token and to log a request without its signature.
pub fn strip(query: &str) -> String {
    pieces(query)
        .filter(|(name, _)| !name.as_deref().is_some_and(is_ours))
        .map(|(_, piece)| piece)
        .collect::<Vec<_>>()
        .join("&")
}

/// `query` (possibly empty) with the token appended, after removing any previous token.
pub fn with_token(query: &str, token: &Token) -> String {
    let kept = strip(query);
    if kept.is_empty() {
        token.to_query()
    } else {
        format!("{kept}&{}", token.to_query())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::AssetId;
    use crate::signing::Key;
    use proptest::prelude::*;

    fn key() -> Key {
        Key::new(vec![7u8; 32]).unwrap()
    }

    fn token(ip: Option<IpAddr>, kid: Option<&str>) -> Token {
        Claims {
            scope: Scope::Hls(AssetId::parse("abc").unwrap()),
            expires: 1_767_225_600,
            ip,
            kid: kid.map(|k| KeyId::parse(k).unwrap()),
        }
        .sign(&key())
    }

    #[test]
    fn a_query_without_our_parameters_is_missing_not_malformed() {
        assert_eq!(parse(""), Ok(None));
        assert_eq!(parse("v=2&_HLS_msn=3&&"), Ok(None));
        assert_eq!(parse("Sig=x&EXPIRES=1"), Ok(None), "names are case-sensitive");
    }

    #[test]
    fn a_written_token_parses_back_identically() {
        for t in [
            token(None, None),
            token(Some("203.0.113.7".parse().unwrap()), Some("k2")),
            token(Some("2001:db8::1".parse().unwrap()), None),
        ] {
            assert_eq!(parse(&t.to_query()), Ok(Some(t.clone())));
        }
    }

    #[test]
    fn foreign_parameters_around_the_token_are_ignored() {
        let t = token(None, Some("k1"));
        let q = format!("a=1&b&{}&c=%ZZ&d=", t.to_query());
        assert_eq!(parse(&q), Ok(Some(t)));
    }

    #[test]
    fn a_repeated_parameter_is_malformed_even_when_spelled_with_percent_escapes() {
        let t = token(None, None);
        for extra in ["sig=AAAA", "%73ig=AAAA", "expires=1", "scope=/thumb/x", "kid=k1&kid=k1"] {
            let q = format!("{}&{extra}", t.to_query());
            assert_eq!(parse(&q).unwrap_err().code(), "malformed", "{q}");
        }
    }

    #[test]
    fn values_must_have_their_one_canonical_spelling() {
        let t = token(None, None);
        let sig = t.sig_text();
        for q in [
            format!("expires=01767225600&scope=/hls/abc/&sig={sig}"),
            format!("expires=+1767225600&scope=/hls/abc/&sig={sig}"),
            format!("expires=99999999999999999999999&scope=/hls/abc/&sig={sig}"),
            format!("expires=1767225600&scope=/hls/abc&sig={sig}"),
            format!("expires=1767225600&scope=/hls/abc/&ip=2001:DB8::1&sig={sig}"),
            format!("expires=1767225600&scope=/hls/abc/&ip=1.2.3.04&sig={sig}"),
            format!("expires=1767225600&scope=/hls/abc/&kid=&sig={sig}"),
            format!("expires=1767225600&scope=/hls/abc/&sig={sig}="),
            "expires=1767225600&scope=/hls/abc/&sig".to_owned(),
            "expires=1767225600&scope=/hls/abc/".to_owned(),
            format!("scope=/hls/abc/&sig={sig}"),
        ] {
            assert_eq!(parse(&q).unwrap_err().code(), "malformed", "{q}");
        }
    }

    #[test]
    fn a_signature_with_nonzero_trailing_bits_is_malformed() {
        let t = token(None, None);
        let mut sig = t.sig_text();
        // The last character carries 4 data bits and 2 padding bits; flip a padding bit.
        let last = sig.pop().unwrap();
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let idx = alphabet.find(last).unwrap();
        sig.push(alphabet.as_bytes()[idx ^ 1] as char);
        let q = format!("expires=1767225600&scope=/hls/abc/&sig={sig}");
        assert_eq!(parse(&q).unwrap_err().code(), "malformed");
    }

    #[test]
    fn strip_removes_only_our_parameters() {
        let t = token(None, Some("k1"));
        assert_eq!(strip(&format!("v=2&{}&x", t.to_query())), "v=2&x");
        assert_eq!(with_token(&format!("v=2&{}", t.to_query()), &t), format!("v=2&{}", t.to_query()));
        assert_eq!(with_token("", &t), t.to_query());
    }

    fn arb_token() -> impl Strategy<Value = Token> {
        (
            "[A-Za-z0-9_-]{1,64}",
            0u8..7,
            "[a-z0-9]{1,8}",
            any::<u64>(),
            proptest::option::of(any::<[u8; 4]>().prop_map(IpAddr::from)),
            proptest::option::of(any::<[u16; 8]>().prop_map(IpAddr::from)),
            proptest::option::of("[A-Za-z0-9_-]{1,32}"),
            any::<[u8; 32]>(),
        )
            .prop_map(|(id, kind, q, expires, v4, v6, kid, sig)| {
                let id = AssetId::parse(&id).unwrap();
                let q = crate::layout::Quality::parse(&q).unwrap();
                let scope = match kind {
                    0 => Scope::Stream(id),
                    1 => Scope::StreamQuality(id, q),
                    2 => Scope::Hls(id),
                    3 => Scope::Thumb(id),
                    4 => Scope::Watch(id),
                    5 => Scope::Health,
                    _ => Scope::Stats,
                };
                let ip = v4.or(v6);
                Token { claims: Claims { scope, expires, ip, kid: kid.map(|k| KeyId::parse(&k).unwrap()) }, sig }
            })
    }

    proptest! {
        #[test]
        fn parser_never_panics_on_arbitrary_text(s in ".{0,300}") {
            let _ = parse(&s);
            let _ = strip(&s);
        }

        #[test]
        fn parser_never_panics_on_query_shaped_junk(
            pairs in proptest::collection::vec(("(expires|scope|ip|kid|sig|%73ig|x|)", "[%=&A-Za-z0-9/:._-]{0,50}"), 0..8)
        ) {
            let q: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let _ = parse(&q.join("&"));
        }

        #[test]
        fn tokens_round_trip_through_their_query(t in arb_token()) {
            prop_assert_eq!(parse(&t.to_query()), Ok(Some(t)));
        }

        #[test]
        fn tokens_round_trip_amid_foreign_parameters(
            t in arb_token(),
            before in proptest::collection::vec("[a-z_]{1,6}=[A-Za-z0-9]{0,6}", 0..4),
            after in proptest::collection::vec("[a-z_]{1,6}=[A-Za-z0-9]{0,6}", 0..4),
        ) {
            prop_assume!(before.iter().chain(&after).all(|p| !is_ours(p.split('=').next().unwrap())));
            let q = [before.join("&"), t.to_query(), after.join("&")].join("&");
            prop_assert_eq!(parse(&q), Ok(Some(t.clone())));
            prop_assert_eq!(with_token(&q, &t), [before.join("&"), after.join("&")].iter().filter(|s| !s.is_empty()).cloned().chain([t.to_query()]).collect::<Vec<_>>().join("&"));
        }

        #[test]
        fn any_duplicated_parameter_is_rejected(t in arb_token(), which in 0usize..5) {
            let q = t.to_query();
            let name = PARAMS[which];
            let dup = match q.split('&').find(|p| p.starts_with(&format!("{name}="))) {
                Some(piece) => format!("{q}&{piece}"),
                // Absent from this token (ip, kid): appear twice with identical values.
                None => format!("{q}&{name}=k1&{name}=k1"),
            };
            prop_assert_eq!(parse(&dup).unwrap_err().code(), "malformed");
        }

        #[test]
        fn a_query_that_parses_is_written_back_byte_for_byte(s in "(expires=[0-9]{1,3}&)?(scope=/(hls|stream)/[a-c]{1,2}/?&)?(kid=[a-c]{1,2}&)?sig=[A-Za-z0-9_-]{43}") {
            // Values have one spelling, so a query that parses is exactly the query its token writes.
            if let Ok(Some(t)) = parse(&s) {
                prop_assert_eq!(t.to_query(), s);
            }
        }
    }
}
