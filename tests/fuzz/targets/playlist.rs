//! Fuzz target: the HLS playlist rewriter (`signing::playlist`). Checks: the number of lines is kept,
//! and rewriting an already rewritten playlist changes nothing (the old token is replaced, never
//! stacked).

use playtube::signing::{playlist, Claims, Key, Scope};

fn main() {
    let key = Key::new(b"fuzz-key-0123456789abcdef0123456789".to_vec()).unwrap();
    let path = "/hls/asset1/360p/playlist.m3u8";
    let token = Claims { scope: Scope::for_path(path).unwrap(), expires: 4_000_000_000, ip: None, kid: None }.sign(&key);
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else { return };
        let once = playlist::rewrite(text, path, &token);
        assert_eq!(once.matches('\n').count(), text.matches('\n').count(), "lines kept");
        let twice = playlist::rewrite(&once, path, &token);
        assert_eq!(once, twice, "rewriting is idempotent");
    });
}
