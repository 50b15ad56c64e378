//! Unit tests of the scheme: canonical string, scopes, and every rejection reason in its documented order.

use super::*;

const NOW: u64 = 1_767_225_600;

fn key(byte: u8) -> Key {
    Key::new(vec![byte; 32]).unwrap()
}

fn keyring() -> Keyring {
    let mut keys = Keyring::new();
    keys.set_default(key(1));
    keys.insert(KeyId::parse("k1").unwrap(), key(2));
    keys.insert(KeyId::parse("k2").unwrap(), key(3));
    keys
}

fn claims(scope: &str, expires: u64) -> Claims {
    Claims { scope: Scope::parse(scope).unwrap(), expires, ip: None, kid: None }
}

fn check(token: &Token, path: &str, client: Option<&str>, now: u64) -> Result<Token, Error> {
    let query = token.to_query();
    let req = Request { path, query: Some(&query), client_ip: client.map(|c| c.parse().unwrap()) };
    verify(&keyring(), &Policy { max_lifetime: 3600, clock_skew: 5 }, &req, now)
}

fn code(r: Result<Token, Error>) -> &'static str {
    r.map(|_| "ok").unwrap_or_else(|e| e.code())
}

#[test]
fn canonical_string_is_five_lines_without_a_trailing_newline() {
    let mut c = claims("/hls/abc/", 42);
    assert_eq!(c.canonical(), "playtube-v1\n/hls/abc/\n42\n\n");
    c.ip = Some("203.0.113.7".parse().unwrap());
    c.kid = Some(KeyId::parse("k1").unwrap());
    assert_eq!(c.canonical(), "playtube-v1\n/hls/abc/\n42\n203.0.113.7\nk1");
}

#[test]
fn keys_shorter_than_32_bytes_are_refused_and_never_printed() {
    assert_eq!(Key::new(vec![0u8; 31]).unwrap_err(), KeyError::TooShort(31));
    let k = Key::new(b"super-secret-super-secret-super-secret".to_vec()).unwrap();
    assert_eq!(format!("{k:?}"), "Key(38 bytes)");
}

#[test]
fn every_delivery_path_maps_to_its_scope() {
    let cases = [
        ("/stream/abc", "/stream/abc"),
        ("/stream/abc/720p", "/stream/abc/720p"),
        ("/hls/abc/master.m3u8", "/hls/abc/"),
        ("/hls/abc/720p/playlist.m3u8", "/hls/abc/"),
        ("/hls/abc/720p/segment_00001.ts", "/hls/abc/"),
        ("/hls/abc/720p/init.mp4", "/hls/abc/"),
        ("/thumb/abc", "/thumb/abc"),
        ("/watch/abc", "/watch/abc"),
        ("/stats", "/stats"),
        ("/health", "/health"),
    ];
    for (path, scope) in cases {
        assert_eq!(Scope::for_path(path).unwrap().to_string(), scope, "{path}");
        assert_eq!(Scope::parse(scope).unwrap().to_string(), scope);
    }
}

#[test]
fn non_delivery_paths_have_no_scope() {
    for path in [
        "/health/x",
        "/stats/",
        "/hls/abc/",
        "/hls/abc/other.m3u8",
        "/hls/abc/720p/../../x/720p/a.ts",
        "/hls/abc/720p/a.exe",
        "/stream/abc/720p/extra",
        "/stream/a%2fb",
        "stream/abc",
        "/stream/",
        "",
    ] {
        assert!(Scope::for_path(path).is_err(), "{path}");
    }
    for scope in ["/hls/abc", "/hls/", "/stream/abc/", "/hls/abc/master.m3u8", "/"] {
        assert!(Scope::parse(scope).is_none(), "{scope}");
    }
}

#[test]
fn a_valid_link_is_accepted_for_every_route() {
    for (scope, path) in [
        ("/stream/abc", "/stream/abc"),
        ("/stream/abc/720p", "/stream/abc/720p"),
        ("/hls/abc/", "/hls/abc/master.m3u8"),
        ("/hls/abc/", "/hls/abc/720p/playlist.m3u8"),
        ("/hls/abc/", "/hls/abc/720p/seg_1.ts"),
        ("/thumb/abc", "/thumb/abc"),
        ("/watch/abc", "/watch/abc"),
    ] {
        let t = claims(scope, NOW + 60).sign(&key(1));
        assert_eq!(code(check(&t, path, None, NOW)), "ok", "{path}");
    }
}

#[test]
fn a_named_key_signs_and_verifies_with_its_kid() {
    let mut c = claims("/stream/abc", NOW + 60);
    c.kid = Some(KeyId::parse("k2").unwrap());
    assert_eq!(code(check(&c.clone().sign(&key(3)), "/stream/abc", None, NOW)), "ok");
    // The same claims signed with the default key's bytes do not pass as k2.
    assert_eq!(code(check(&c.sign(&key(1)), "/stream/abc", None, NOW)), "bad_signature");
}

#[test]
fn an_unknown_kid_is_reported_as_such() {
    let mut c = claims("/stream/abc", NOW + 60);
    c.kid = Some(KeyId::parse("retired").unwrap());
    assert_eq!(code(check(&c.sign(&key(9)), "/stream/abc", None, NOW)), "unknown_key");
    // No default key configured and no kid in the link.
    let mut only_named = Keyring::new();
    only_named.insert(KeyId::parse("k1").unwrap(), key(2));
    let t = claims("/stream/abc", NOW + 60).sign(&key(2));
    let q = t.to_query();
    let req = Request { path: "/stream/abc", query: Some(&q), client_ip: None };
    assert_eq!(verify(&only_named, &Policy::default(), &req, NOW).unwrap_err(), Error::UnknownKey(None));
}

#[test]
fn tampering_with_any_signed_field_is_a_bad_signature() {
    let t = claims("/hls/abc/", NOW + 60).sign(&key(1));
    let q = t.to_query();
    let tampered = [
        q.replace(&format!("expires={}", NOW + 60), &format!("expires={}", NOW + 61)),
        q.replace("scope=/hls/abc/", "scope=/hls/abd/"),
        q.replace("&sig=", "&kid=k1&sig="),
        q.replace("&sig=", "&ip=127.0.0.1&sig="),
        format!("{}{}", &q[..q.len() - 2], if q.ends_with("AA") { "BA" } else { "AA" }),
    ];
    for tq in tampered {
        let path = if tq.contains("abd") { "/hls/abd/master.m3u8" } else { "/hls/abc/master.m3u8" };
        let req = Request { path, query: Some(&tq), client_ip: None };
        let got = verify(&keyring(), &Policy::default(), &req, NOW);
        assert!(matches!(got, Err(Error::BadSignature) | Err(Error::Malformed(_))), "{tq}: {got:?}");
        assert_ne!(code(got), "ok");
    }
}

#[test]
fn expiry_is_exact_to_the_second_after_the_allowed_skew() {
    let t = claims("/stream/abc", NOW).sign(&key(1));
    // Skew is 5 s in `check`: accepted through NOW+5, refused from NOW+6.
    assert_eq!(code(check(&t, "/stream/abc", None, NOW + 5)), "ok");
    assert_eq!(code(check(&t, "/stream/abc", None, NOW + 6)), "expired");
    // Without skew, expired by one second is refused.
    let q = t.to_query();
    let req = Request { path: "/stream/abc", query: Some(&q), client_ip: None };
    let strict = Policy { max_lifetime: 3600, clock_skew: 0 };
    assert!(verify(&keyring(), &strict, &req, NOW).is_ok());
    assert_eq!(verify(&keyring(), &strict, &req, NOW + 1).unwrap_err(), Error::Expired { expires: NOW, now: NOW + 1 });
}

#[test]
fn links_that_live_longer_than_the_server_allows_are_refused() {
    let ok = claims("/stream/abc", NOW + 3600 + 5).sign(&key(1));
    assert_eq!(code(check(&ok, "/stream/abc", None, NOW)), "ok");
    let long = claims("/stream/abc", NOW + 3600 + 6).sign(&key(1));
    assert_eq!(code(check(&long, "/stream/abc", None, NOW)), "lifetime_too_long");
}

#[test]
fn a_token_for_asset_a_never_admits_asset_b() {
    for (scope, other) in [
        ("/stream/aaa", "/stream/bbb"),
        ("/stream/aaa", "/stream/aaa/720p"),
        ("/stream/aaa/720p", "/stream/bbb/720p"),
        ("/stream/aaa/720p", "/stream/aaa/360p"),
        ("/hls/aaa/", "/hls/bbb/master.m3u8"),
        ("/hls/aaa/", "/hls/bbb/720p/seg_1.ts"),
        ("/hls/aaa/", "/stream/aaa"),
        ("/thumb/aaa", "/thumb/bbb"),
        ("/watch/aaa", "/hls/aaa/master.m3u8"),
        ("/stats", "/health"),
        ("/health", "/stream/aaa"),
    ] {
        let t = claims(scope, NOW + 60).sign(&key(1));
        assert_eq!(code(check(&t, other, None, NOW)), "wrong_scope", "{scope} on {other}");
    }
}

#[test]
fn an_ip_bound_link_admits_only_that_client() {
    let mut c = claims("/stream/abc", NOW + 60);
    c.ip = Some("203.0.113.7".parse().unwrap());
    let t = c.sign(&key(1));
    assert_eq!(code(check(&t, "/stream/abc", Some("203.0.113.7"), NOW)), "ok");
    assert_eq!(
        code(check(&t, "/stream/abc", Some("::ffff:203.0.113.7"), NOW)),
        "ok",
        "IPv4-mapped IPv6 is the same client"
    );
    assert_eq!(code(check(&t, "/stream/abc", Some("203.0.113.8"), NOW)), "ip_mismatch");
    // Offline checks (no client address) skip the binding.
    assert_eq!(code(check(&t, "/stream/abc", None, NOW)), "ok");
}

#[test]
fn missing_and_malformed_are_told_apart() {
    let req = |q| Request { path: "/stream/abc", query: q, client_ip: None };
    assert_eq!(verify(&keyring(), &Policy::default(), &req(None), NOW).unwrap_err(), Error::Missing);
    assert_eq!(verify(&keyring(), &Policy::default(), &req(Some("v=1")), NOW).unwrap_err(), Error::Missing);
    assert_eq!(verify(&keyring(), &Policy::default(), &req(Some("expires=1")), NOW).unwrap_err().code(), "malformed");
}

#[test]
fn reason_messages_never_contain_key_bytes() {
    let t = claims("/stream/abc", NOW + 60).sign(&key(b'Z'));
    let err = check(&t, "/stream/abc", None, NOW).unwrap_err();
    assert_eq!(err.code(), "bad_signature");
    assert!(!err.to_string().contains("ZZZZ"));
}

proptest::proptest! {
    #[test]
    fn verification_never_panics_on_arbitrary_paths_and_queries(path in "\\PC{0,60}", query in "\\PC{0,200}", now in proptest::num::u64::ANY) {
        let req = Request { path: &path, query: Some(&query), client_ip: None };
        let _ = verify(&keyring(), &Policy::default(), &req, now);
        let _ = Scope::for_path(&path);
        let _ = Scope::parse(&path);
    }

    #[test]
    fn a_valid_token_is_refused_on_any_path_outside_its_scope(path in "/(stream|hls|thumb|watch)/[a-c]{1,2}(/[a-c0-9]{1,3}p?)?(/seg_[0-9]\\.ts)?") {
        let t = claims("/hls/ab/", NOW + 60).sign(&key(1));
        let got = check(&t, &path, None, NOW);
        let inside = path.starts_with("/hls/ab/") && Scope::for_path(&path).is_ok();
        proptest::prop_assert_eq!(got.is_ok(), inside, "{} -> {:?}", path, got.map(|_| ()));
    }
}
