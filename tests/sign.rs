//! `playtube sign` end to end: the README's test vectors reproduced by the library, by the binary and by
//! the README's own Python reference code; `--verify` reasons and exit codes; `--asset` listings; where
//! the key may (and may not) come from.

mod common;

use std::path::Path;

use playtube::layout::AssetId;
use playtube::signing::{self, Claims, Key, KeyId, Keyring, Policy, Request, Scope};
use predicates::prelude::*;

const KEY: &str = "playtube-test-vector-key-0123456789abcdef";

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// The text between two HTML comment markers of the README, without its code fence lines.
fn readme_block(begin: &str, end: &str) -> String {
    let text = readme();
    let start = text.find(begin).unwrap_or_else(|| panic!("README lacks {begin}")) + begin.len();
    let stop = text[start..].find(end).unwrap_or_else(|| panic!("README lacks {end}")) + start;
    text[start..stop].lines().filter(|l| !l.starts_with("```")).collect::<Vec<_>>().join("\n")
}

#[derive(Debug)]
struct Vector {
    key: String,
    path: String,
    expires: u64,
    ip: String,
    kid: String,
    base: String,
    canonical: String,
    url: String,
}

fn vectors() -> Vec<Vector> {
    let block = readme_block("<!-- vectors:begin -->", "<!-- vectors:end -->");
    let vectors: Vec<Vector> = block
        .split("\n\n")
        .filter(|chunk| !chunk.trim().is_empty())
        .map(|chunk| {
            let field = |name: &str| {
                chunk
                    .lines()
                    .find_map(|l| l.strip_prefix(&format!("{name}=")))
                    .unwrap_or_else(|| panic!("vector lacks {name}: {chunk}"))
                    .to_owned()
            };
            Vector {
                key: field("key"),
                path: field("path"),
                expires: field("expires").parse().unwrap(),
                ip: field("ip"),
                kid: field("kid"),
                base: field("base"),
                canonical: field("canonical").replace("\\n", "\n"),
                url: field("url"),
            }
        })
        .collect();
    assert!(vectors.len() >= 4, "expected the README's test vectors, found {}", vectors.len());
    vectors
}

#[test]
fn readme_vectors_are_reproduced_by_the_library() {
    for v in vectors() {
        let claims = Claims {
            scope: Scope::for_path(&v.path).unwrap(),
            expires: v.expires,
            ip: (!v.ip.is_empty()).then(|| v.ip.parse().unwrap()),
            kid: (!v.kid.is_empty()).then(|| KeyId::parse(&v.kid).unwrap()),
        };
        assert_eq!(claims.canonical(), v.canonical, "{v:?}");
        let token = claims.sign(&Key::new(v.key.as_bytes()).unwrap());
        assert_eq!(token.url(&v.base, &v.path), v.url);

        // And the URL verifies, for its path, just before it expires.
        let mut keys = Keyring::new();
        match &token.claims.kid {
            Some(kid) => keys.insert(kid.clone(), Key::new(v.key.as_bytes()).unwrap()),
            None => keys.set_default(Key::new(v.key.as_bytes()).unwrap()),
        }
        let query = v.url.split_once('?').unwrap().1;
        let client = token.claims.ip;
        let req = Request { path: &v.path, query: Some(query), client_ip: client };
        signing::verify(&keys, &Policy::default(), &req, v.expires - 10).unwrap();
    }
}

#[test]
fn readme_vectors_are_reproduced_by_the_binary() {
    for v in vectors() {
        let (mut cmd, dir) = common::playtube();
        cmd.args(["sign", &v.path, "--expires", &v.expires.to_string()]).env("PLAYTUBE_SIGN_MAX_LIFETIME", "1000w");
        if !v.base.is_empty() {
            cmd.args(["--base-url", &v.base]);
        }
        if !v.ip.is_empty() {
            cmd.args(["--ip", &v.ip]);
        }
        if v.kid.is_empty() {
            cmd.env("PLAYTUBE_SECRET_KEY", &v.key);
        } else {
            std::fs::write(
                dir.path().join("playtube.toml"),
                format!("[sign]\nkid = {:?}\n[sign.keys]\n{} = {{ env = \"VECTOR_KEY\" }}\n", v.kid, v.kid),
            )
            .unwrap();
            cmd.env("VECTOR_KEY", &v.key);
        }
        cmd.assert().success().stdout(format!("{}\n", v.url));
    }
}

#[test]
fn readme_vectors_are_reproduced_by_the_readme_python_code() {
    let code = readme_block("<!-- python:begin -->", "<!-- python:end -->");
    let mut script = format!("{code}\n\nfailures = 0\n");
    for v in vectors() {
        script.push_str(&format!(
            "got = sign({:?}, {:?}, {}, ip={:?}, kid={:?}, base={:?})\nif got != {:?}:\n    print('MISMATCH', got)\n    failures += 1\nelse:\n    print('ok', got)\n",
            v.key, v.path, v.expires, v.ip, v.kid, v.base, v.url
        ));
    }
    script.push_str("raise SystemExit(failures)\n");
    let out = std::process::Command::new("python3").arg("-c").arg(&script).output().expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "python disagrees with the README vectors:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.lines().filter(|l| l.starts_with("ok ")).count(), vectors().len(), "{stdout}");
}

fn sign_cmd(args: &[&str]) -> (assert_cmd::Command, tempfile::TempDir) {
    let (mut cmd, dir) = common::playtube();
    cmd.env("PLAYTUBE_SECRET_KEY", KEY).arg("sign").args(args);
    (cmd, dir)
}

fn signed(args: &[&str]) -> String {
    let (mut cmd, _dir) = sign_cmd(args);
    let out = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap().trim_end().to_owned()
}

#[test]
fn a_signed_hls_link_verifies_for_every_file_of_that_asset_only() {
    let url = signed(&["/hls/abc/master.m3u8", "--expires", "1h", "--base-url", "https://cdn.example.com"]);
    assert!(url.starts_with("https://cdn.example.com/hls/abc/master.m3u8?expires="), "{url}");
    for ok in
        [url.clone(), url.replace("master.m3u8", "720p/playlist.m3u8"), url.replace("master.m3u8", "720p/seg_00001.ts")]
    {
        sign_cmd(&["--verify", &ok])
            .0
            .assert()
            .success()
            .stdout(predicate::str::starts_with("valid: admits /hls/abc/ until"));
    }
    let prefixed = signed(&["/stream/abc", "--base-url", "https://cdn.example.com/videos"]);
    assert!(prefixed.starts_with("https://cdn.example.com/videos/stream/abc?"), "{prefixed}");
    sign_cmd(&["--verify", &prefixed]).0.assert().success();
    sign_cmd(&["--verify", &url.replace("/hls/abc/master", "/hls/abd/master")])
        .0
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with("rejected: wrong_scope"));
}

#[test]
fn verify_names_the_reason_and_exits_1() {
    let url = signed(&["/stream/abc", "--expires", "10m"]);
    let sig_at = url.find("&sig=").unwrap() + 5;
    let mut tampered_sig = url.clone();
    tampered_sig.replace_range(sig_at..sig_at + 1, if &url[sig_at..sig_at + 1] == "A" { "B" } else { "A" });
    let expires: u64 = url.split("expires=").nth(1).unwrap().split('&').next().unwrap().parse().unwrap();
    let cases = [
        (tampered_sig, "bad_signature"),
        (url.replace(&format!("expires={expires}"), &format!("expires={}", expires + 1)), "bad_signature"),
        (url.replace("/stream/abc?", "/stream/abd?"), "wrong_scope"),
        (url.replace("&sig=", "&kid=k9&sig="), "unknown_key"),
        (url.replace("&sig=", "&sig=x&sig="), "malformed"),
        ("/stream/abc".to_owned(), "missing"),
    ];
    for (bad, reason) in cases {
        sign_cmd(&["--verify", &bad])
            .0
            .assert()
            .code(1)
            .stdout(predicate::str::starts_with(format!("rejected: {reason}")));
    }
}

#[test]
fn a_link_that_expired_one_second_ago_is_rejected_offline_without_skew() {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let url = signed(&["/thumb/abc", "--expires", &(now - 1).to_string()]);
    let (mut cmd, _dir) = sign_cmd(&["--verify", &url, "--json"]);
    cmd.env("PLAYTUBE_SIGN_CLOCK_SKEW", "0s");
    let out = cmd.assert().code(1).get_output().stdout.clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(json["valid"], false);
    assert_eq!(json["reason"], "expired");
}

#[test]
fn an_ip_bound_link_is_checked_against_the_given_client() {
    let url = signed(&["/stream/abc", "--ip", "203.0.113.7"]);
    assert!(url.contains("&ip=203.0.113.7&"), "{url}");
    sign_cmd(&["--verify", &url, "--ip", "203.0.113.7"]).0.assert().success();
    sign_cmd(&["--verify", &url, "--ip", "198.51.100.1"])
        .0
        .assert()
        .code(1)
        .stdout(predicate::str::contains("ip_mismatch"));
}

#[test]
fn rotated_keys_sign_with_the_chosen_kid_and_old_links_still_verify() {
    let dir = tempfile::tempdir().unwrap();
    let toml = "[sign]\nkid = \"k2\"\n[sign.keys]\nk1 = { env = \"K1\" }\nk2 = { env = \"K2\" }\n";
    std::fs::write(dir.path().join("playtube.toml"), toml).unwrap();
    let run = |args: &[&str]| {
        let mut cmd = common::playtube_in(dir.path());
        cmd.env("K1", format!("{KEY}-one")).env("K2", format!("{KEY}-two")).arg("sign").args(args);
        cmd
    };
    let new = String::from_utf8(run(&["/stream/abc"]).assert().success().get_output().stdout.clone()).unwrap();
    assert!(new.contains("&kid=k2&"), "{new}");
    let old =
        String::from_utf8(run(&["/stream/abc", "--kid", "k1"]).assert().success().get_output().stdout.clone()).unwrap();
    assert!(old.contains("&kid=k1&"), "{old}");
    run(&["--verify", old.trim()]).assert().success().stdout(predicate::str::contains("key k1"));
    // Once k1 is removed from the config, its links are refused as unknown_key.
    std::fs::write(dir.path().join("playtube.toml"), "[sign]\nkid = \"k2\"\n[sign.keys]\nk2 = { env = \"K2\" }\n")
        .unwrap();
    run(&["--verify", old.trim()]).assert().code(1).stdout(predicate::str::starts_with("rejected: unknown_key"));
}

#[test]
fn the_secret_never_comes_from_the_command_line_and_short_keys_exit_2() {
    let (mut cmd, _dir) = common::playtube();
    cmd.args(["sign", "/stream/abc", "--key", KEY]).assert().code(2);
    let (mut cmd, _dir) = common::playtube();
    cmd.args(["sign", "/stream/abc", "--secret", KEY]).assert().code(2);
    let (mut cmd, _dir) = common::playtube();
    cmd.env("PLAYTUBE_SECRET_KEY", "only-31-bytes-long-key-12345678")
        .args(["sign", "/stream/abc"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("31 bytes").and(predicate::str::contains("hint:")));
    let (mut cmd, _dir) = common::playtube();
    cmd.args(["sign", "/stream/abc"]).assert().code(2).stderr(predicate::str::contains("no signing key"));
}

#[test]
fn the_go_variable_and_key_files_supply_the_same_key() {
    let expect = signed(&["/stream/abc", "--expires", "1767225600"]);
    let (mut cmd, dir) = common::playtube();
    cmd.env("GO_VIDEO_SECRET_KEY", KEY).args(["sign", "/stream/abc", "--expires", "1767225600"]);
    cmd.assert().success().stdout(format!("{expect}\n"));
    let file = dir.path().join("secret.key");
    std::fs::write(&file, format!("{KEY}\n")).unwrap();
    let mut cmd = common::playtube_in(dir.path());
    cmd.args(["sign", "/stream/abc", "--expires", "1767225600", "--key-file"]).arg(&file);
    cmd.assert().success().stdout(format!("{expect}\n"));
}

#[test]
fn lifetimes_beyond_the_server_maximum_are_refused_at_signing() {
    sign_cmd(&["/stream/abc", "--expires", "8d"])
        .0
        .assert()
        .code(2)
        .stderr(predicate::str::contains("lifetime_too_long"));
    sign_cmd(&["/stream/abc", "--expires", "7d"]).0.assert().success();
    sign_cmd(&["/admin"]).0.assert().code(2).stderr(predicate::str::contains("not a signable path"));
}

#[test]
fn asset_listing_prints_every_delivery_url_as_text_or_stream_config_json() {
    let text = signed(&["--asset", "abc", "--qualities", "360p,720p", "--base-url", "https://cdn.example.com"]);
    let labels: Vec<&str> = text.lines().map(|l| l.split_whitespace().next().unwrap()).collect();
    assert_eq!(labels, ["stream", "360p", "720p", "hls", "thumb", "storyboard", "watch"]);
    for (label, path) in [
        ("stream", "/stream/abc?"),
        ("720p", "/stream/abc/720p?"),
        ("hls", "/hls/abc/master.m3u8?"),
        ("watch", "/watch/abc?"),
    ] {
        let line = text.lines().find(|l| l.starts_with(label)).unwrap();
        assert!(line.contains(&format!("https://cdn.example.com{path}")), "{line}");
    }

    let (mut cmd, _dir) = sign_cmd(&["--asset", "abc", "--qualities", "360p", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&cmd.assert().success().get_output().stdout).unwrap();
    assert_eq!(json["videoId"], "abc");
    assert!(json["hlsUrl"].as_str().unwrap().starts_with("/hls/abc/master.m3u8?expires="));
    assert!(json["poster"].as_str().unwrap().starts_with("/thumb/abc?"));
    assert_eq!(json["qualities"][0]["quality"], "360p");
    // Every URL in the config verifies offline.
    for url in [&json["streamUrl"], &json["hlsUrl"], &json["poster"], &json["watchUrl"], &json["qualities"][0]["url"]] {
        sign_cmd(&["--verify", url.as_str().unwrap()]).0.assert().success();
    }
}

#[test]
fn asset_listing_with_a_root_lists_the_qualities_and_files_on_disk() {
    let root = tempfile::tempdir().unwrap();
    let asset = playtube::layout::Layout::new(root.path()).asset(&AssetId::parse("clip").unwrap());
    std::fs::create_dir_all(asset.renditions_dir()).unwrap();
    for file in [asset.stream(), asset.renditions_dir().join("1080p.mp4"), asset.renditions_dir().join("480p.mp4")] {
        std::fs::write(file, b"x").unwrap();
    }
    let (mut cmd, _dir) = sign_cmd(&["--asset", "clip", "--root"]);
    cmd.arg(root.path());
    let out = String::from_utf8(cmd.assert().success().get_output().stdout.clone()).unwrap();
    let labels: Vec<&str> = out.lines().map(|l| l.split_whitespace().next().unwrap()).collect();
    assert_eq!(labels, ["stream", "480p", "1080p", "watch"], "no hls/ or thumb.jpg on disk: {out}");
    let (mut cmd, _dir) = sign_cmd(&["--asset", "nope", "--root"]);
    cmd.arg(root.path()).assert().code(2).stderr(predicate::str::contains("not found"));
}

#[test]
fn asset_listing_names_each_caption_language_and_the_storyboard_inside_the_hls_scope() {
    let root = tempfile::tempdir().unwrap();
    let asset = playtube::layout::Layout::new(root.path()).asset(&AssetId::parse("clip").unwrap());
    for rel in ["hls/master.m3u8", "hls/subs-en/all.vtt", "hls/subs-pt-BR/all.vtt", "hls/storyboard/storyboard.vtt"] {
        let path = asset.dir().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"x").unwrap();
    }
    let (mut cmd, _dir) = sign_cmd(&["--asset", "clip", "--json", "--root"]);
    cmd.arg(root.path());
    let json: serde_json::Value = serde_json::from_slice(&cmd.assert().success().get_output().stdout).unwrap();
    let captions = json["captions"].as_array().unwrap();
    assert_eq!(captions.len(), 2);
    assert_eq!(captions[1]["language"], "pt-BR");
    assert!(captions[1]["url"].as_str().unwrap().starts_with("/hls/clip/subs-pt-BR/all.vtt?"));
    let storyboard = json["storyboard"].as_str().unwrap();
    assert!(storyboard.starts_with("/hls/clip/storyboard/storyboard.vtt?") && storyboard.contains("scope=/hls/clip/"));
    // The sheets the index points at are admitted by the same token (one scope for the HLS tree).
    let sheet = storyboard.replace("storyboard.vtt", "sheet_001.jpg");
    for url in [captions[0]["url"].as_str().unwrap(), storyboard, sheet.as_str()] {
        sign_cmd(&["--verify", url]).0.assert().success();
    }
}
