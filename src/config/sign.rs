//! The `[sign]` section of playtube.toml and its layering with flags and environment: where the secret
//! keys come from, which one signs, and the limits (`max_lifetime`, `clock_skew`) that `sign` and `serve`
//! share. It reads key files (the only I/O here) and hands plain bytes to `signing`; it never accepts a
//! secret on the command line, where `ps` would show it.
//!
//! Sources of the default key (links without `kid`), first match wins: `--key-file`,
//! `PLAYTUBE_SECRET_KEY`, `GO_VIDEO_SECRET_KEY`, `PLAYTUBE_KEY_FILE`, `[sign] key_file`, `[sign] secret`.
//! Named keys for rotation come from `[sign.keys]` (`k1 = { file = "..." }` or `k2 = { env = "VAR" }`);
//! the signing key is `--kid` > `PLAYTUBE_SIGN_KID` > `[sign] kid`, else the default key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::Settings;
use crate::exit::UsageError;
use crate::signing::{Key, KeyError, KeyId, Keyring, Policy, DEFAULT_CLOCK_SKEW, DEFAULT_MAX_LIFETIME};
use crate::units::parse_duration;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SignSection {
    /// File holding the default key (its bytes, one trailing newline removed).
    pub key_file: Option<PathBuf>,
    /// The default key inline. Prefer `key_file`: config files get copied and committed.
    pub secret: Option<String>,
    /// Named keys, live together during a rotation: `k1 = { file = "..." }`, `k2 = { env = "VAR" }`.
    pub keys: BTreeMap<String, KeySource>,
    /// The named key `sign` signs with (default: the default key).
    pub kid: Option<String>,
    /// Default `--expires` of `sign` (a duration such as `1h`). Default 1h.
    pub expires: Option<String>,
    /// Default `--base-url` of `sign` (e.g. a CDN origin).
    pub base_url: Option<String>,
    /// The longest lifetime a link may have; `serve` refuses longer ones and `sign` will not make them.
    pub max_lifetime: Option<String>,
    /// Allowed clock difference between signer and server. Default 30s.
    pub clock_skew: Option<String>,
}

/// Where one named key lives.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum KeySource {
    /// A file holding the key.
    File(PathBuf),
    /// An environment variable holding the key.
    Env(String),
}

/// The resolved keys and limits.
#[derive(Debug, Clone)]
pub struct SignSettings {
    pub keys: Keyring,
    /// The key that signs: `None` is the default key.
    pub signing_kid: Option<KeyId>,
    pub policy: Policy,
    /// Default lifetime for `sign`, in seconds.
    pub default_expires: u64,
    /// Default base URL for `sign` (no trailing slash), empty for path-only links.
    pub base_url: String,
    /// Where the default key came from (for messages; never the key itself).
    pub default_source: Option<String>,
}

pub const DEFAULT_EXPIRES: u64 = 3600;

const SHORT_KEY_HINT: &str =
    "make a key with: head -c 32 /dev/urandom | base64 > /etc/playtube/secret.key && chmod 600 /etc/playtube/secret.key";

impl SignSettings {
    /// Resolve keys and limits. `key_file` and `kid` are the command-line flags of `sign` (serve passes
    /// `None`). Missing files, short keys and unknown key ids are usage errors (exit 2).
    pub fn resolve(settings: &Settings, key_file: Option<&Path>, kid: Option<&str>) -> anyhow::Result<SignSettings> {
        let section = &settings.file.sign;
        let env = &settings.env;
        let file_name = settings.config_path.as_deref().map_or("playtube.toml".to_owned(), |p| p.display().to_string());

        let mut keys = Keyring::new();
        let default_source = if let Some(path) = key_file {
            keys.set_default(read_key_file(path, "--key-file")?);
            Some(format!("key file {}", path.display()))
        } else if let Some((name, value)) = env.first(&["PLAYTUBE_SECRET_KEY", "GO_VIDEO_SECRET_KEY"]) {
            keys.set_default(key_from(value.as_bytes().to_vec(), name)?);
            Some(name.to_owned())
        } else if let Some(path) = env.get("PLAYTUBE_KEY_FILE") {
            keys.set_default(read_key_file(Path::new(path), "PLAYTUBE_KEY_FILE")?);
            Some(format!("key file {path}"))
        } else if let Some(path) = &section.key_file {
            keys.set_default(read_key_file(path, &format!("[sign] key_file in {file_name}"))?);
            Some(format!("key file {}", path.display()))
        } else if let Some(secret) = &section.secret {
            keys.set_default(key_from(secret.as_bytes().to_vec(), &format!("[sign] secret in {file_name}"))?);
            Some(format!("[sign] secret in {file_name}"))
        } else {
            None
        };

        for (name, source) in &section.keys {
            let kid = KeyId::parse(name).map_err(|e| UsageError::new(format!("[sign.keys] in {file_name}: {e}")))?;
            let key = match source {
                KeySource::File(path) => read_key_file(path, &format!("[sign.keys] {name} in {file_name}"))?,
                KeySource::Env(var) => match env.get(var) {
                    Some(value) => key_from(value.as_bytes().to_vec(), &format!("{var} (key {name})"))?,
                    None => {
                        return Err(UsageError::with_hint(
                            format!("[sign.keys] {name} reads environment variable {var}, which is not set"),
                            format!("export {var}=... or remove key {name} from {file_name}"),
                        )
                        .into())
                    }
                },
            };
            keys.insert(kid, key);
        }

        let signing_kid = match kid.or(env.get("PLAYTUBE_SIGN_KID")).or(section.kid.as_deref()) {
            None => None,
            Some(k) => {
                let kid = KeyId::parse(k).map_err(|e| UsageError::new(e.to_string()))?;
                if keys.get(Some(&kid)).is_none() {
                    let known: Vec<&str> = keys.ids().map(KeyId::as_str).collect();
                    return Err(UsageError::with_hint(
                        format!("signing key id {k:?} is not configured"),
                        if known.is_empty() {
                            format!("add it under [sign.keys] in {file_name}, e.g. {k} = {{ file = \"/etc/playtube/{k}.key\" }}")
                        } else {
                            format!("configured key ids: {}", known.join(", "))
                        },
                    )
                    .into());
                }
                Some(kid)
            }
        };

        let duration = |env_key: &str, file_value: &Option<String>, key: &str, default: u64| -> anyhow::Result<u64> {
            if let Some(raw) = env.get(env_key) {
                return parse_duration(raw).map_err(|e| {
                    UsageError::new(format!("environment variable {env_key}={raw:?} is invalid: {e}")).into()
                });
            }
            match file_value {
                Some(raw) => parse_duration(raw).map_err(|e| {
                    UsageError::new(format!("[sign] {key} = {raw:?} in {file_name} is invalid: {e}")).into()
                }),
                None => Ok(default),
            }
        };
        let policy = Policy {
            max_lifetime: duration(
                "PLAYTUBE_SIGN_MAX_LIFETIME",
                &section.max_lifetime,
                "max_lifetime",
                DEFAULT_MAX_LIFETIME,
            )?,
            clock_skew: duration("PLAYTUBE_SIGN_CLOCK_SKEW", &section.clock_skew, "clock_skew", DEFAULT_CLOCK_SKEW)?,
        };
        let default_expires = duration("PLAYTUBE_SIGN_EXPIRES", &section.expires, "expires", DEFAULT_EXPIRES)?;
        let base_url = match env.get("PLAYTUBE_SIGN_BASE_URL").or(section.base_url.as_deref()) {
            Some(raw) => check_base_url(raw)?,
            None => String::new(),
        };
        Ok(SignSettings { keys, signing_kid, policy, default_expires, base_url, default_source })
    }

    /// The key `sign` uses and its id, or a usage error saying how to configure one.
    pub fn signing_key(&self) -> Result<(Option<KeyId>, &Key), UsageError> {
        if let Some(key) = self.keys.get(self.signing_kid.as_ref()) {
            return Ok((self.signing_kid.clone(), key));
        }
        let mut ids = self.keys.ids();
        match (ids.next(), ids.next()) {
            (Some(only), None) => Ok((Some(only.clone()), self.keys.get(Some(only)).expect("listed key exists"))),
            (Some(_), Some(_)) => Err(UsageError::with_hint(
                "several named keys are configured and none is chosen for signing",
                "set [sign] kid = \"...\" in playtube.toml, PLAYTUBE_SIGN_KID, or pass --kid",
            )),
            _ => Err(UsageError::with_hint(
                "no signing key is configured",
                "export PLAYTUBE_SECRET_KEY (at least 32 bytes), or set [sign] key_file in playtube.toml, or pass --key-file FILE",
            )),
        }
    }
}

fn key_from(bytes: Vec<u8>, source: &str) -> anyhow::Result<Key> {
    Key::new(bytes).map_err(|e| match e {
        KeyError::TooShort(_) => UsageError::with_hint(format!("{source}: {e}"), SHORT_KEY_HINT).into(),
        other => UsageError::new(format!("{source}: {other}")).into(),
    })
}

/// A key file's bytes with one trailing newline (`\n` or `\r\n`) removed, so `echo "$KEY" > file` and
/// `printf %s "$KEY" > file` give the same key.
pub fn read_key_file(path: &Path, source: &str) -> anyhow::Result<Key> {
    let mut bytes = std::fs::read(path)
        .map_err(|e| UsageError::new(format!("{source}: cannot read key file {}: {e}", path.display())))?;
    if bytes.ends_with(b"\n") {
        bytes.pop();
        if bytes.ends_with(b"\r") {
            bytes.pop();
        }
    }
    key_from(bytes, &format!("{source} ({})", path.display()))
}

/// A base URL for links: `http(s)://host[:port][/prefix]`, returned without a trailing slash.
pub fn check_base_url(raw: &str) -> Result<String, UsageError> {
    let trimmed = raw.trim_end_matches('/');
    let rest = trimmed.strip_prefix("https://").or_else(|| trimmed.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && !r.starts_with('/') && !r.contains(['?', '#', ' ']) => Ok(trimmed.to_owned()),
        _ => Err(UsageError::new(format!(
            "base URL {raw:?} is invalid: use http(s)://host[:port][/prefix] without query (e.g. https://cdn.example.com)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{parse, Env};

    fn settings(toml: &str, env: &[(&str, &str)]) -> Settings {
        let mut s = Settings::defaults(Env::from_pairs(env.iter().copied()));
        s.file = parse(toml).unwrap();
        s
    }

    const K32: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn no_key_anywhere_means_an_empty_keyring() {
        let s = SignSettings::resolve(&settings("", &[]), None, None).unwrap();
        assert!(s.keys.is_empty());
        assert!(s.signing_key().is_err());
    }

    #[test]
    fn playtube_secret_key_wins_over_the_go_name_and_the_file() {
        let s = settings(
            "[sign]\nsecret = \"from-the-config-file-from-the-config\"\n",
            &[("GO_VIDEO_SECRET_KEY", K32), ("PLAYTUBE_SECRET_KEY", "p".repeat(40).as_str())],
        );
        let r = SignSettings::resolve(&s, None, None).unwrap();
        assert_eq!(r.default_source.as_deref(), Some("PLAYTUBE_SECRET_KEY"));
        let s =
            settings("[sign]\nsecret = \"from-the-config-file-from-the-config\"\n", &[("GO_VIDEO_SECRET_KEY", K32)]);
        assert_eq!(
            SignSettings::resolve(&s, None, None).unwrap().default_source.as_deref(),
            Some("GO_VIDEO_SECRET_KEY")
        );
        let s = settings("[sign]\nsecret = \"from-the-config-file-from-the-config\"\n", &[]);
        assert!(SignSettings::resolve(&s, None, None).unwrap().default_source.unwrap().starts_with("[sign] secret"));
    }

    #[test]
    fn a_short_key_is_a_usage_error_with_a_hint() {
        let err = SignSettings::resolve(&settings("", &[("PLAYTUBE_SECRET_KEY", "short")]), None, None).unwrap_err();
        let usage = err.downcast_ref::<UsageError>().unwrap();
        assert!(usage.message.contains("5 bytes"), "{}", usage.message);
        assert!(usage.hint.as_deref().unwrap().contains("/dev/urandom"));
    }

    #[test]
    fn key_files_lose_one_trailing_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        std::fs::write(&path, format!("{K32}\n")).unwrap();
        let with_newline = SignSettings::resolve(&settings("", &[]), Some(&path), None).unwrap();
        std::fs::write(&path, &K32[..31]).unwrap();
        assert!(
            SignSettings::resolve(&settings("", &[]), Some(&path), None).is_err(),
            "31 bytes plus newline is short"
        );
        assert!(with_newline.keys.has_default());
    }

    #[test]
    fn named_keys_come_from_files_or_environment_and_kid_chooses_the_signer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k1.key");
        std::fs::write(&path, K32).unwrap();
        let toml =
            format!("[sign]\nkid = \"k2\"\n[sign.keys]\nk1 = {{ file = {:?} }}\nk2 = {{ env = \"MY_K2\" }}\n", path);
        let s = settings(&toml, &[("MY_K2", "k2-key-k2-key-k2-key-k2-key-k2-key")]);
        let r = SignSettings::resolve(&s, None, None).unwrap();
        assert_eq!(r.signing_key().unwrap().0.unwrap().as_str(), "k2");
        let r = SignSettings::resolve(&s, None, Some("k1")).unwrap();
        assert_eq!(r.signing_key().unwrap().0.unwrap().as_str(), "k1", "the flag beats the file");
        let err = SignSettings::resolve(&s, None, Some("k3")).unwrap_err();
        assert!(err.downcast_ref::<UsageError>().unwrap().hint.as_deref().unwrap().contains("k1, k2"));
        let unset = settings(&toml, &[]);
        assert!(SignSettings::resolve(&unset, None, None).unwrap_err().to_string().contains("MY_K2"));
    }

    #[test]
    fn limits_layer_environment_over_file_over_defaults() {
        let s =
            settings("[sign]\nmax_lifetime = \"2d\"\nclock_skew = \"10s\"\n", &[("PLAYTUBE_SIGN_CLOCK_SKEW", "1m")]);
        let r = SignSettings::resolve(&s, None, None).unwrap();
        assert_eq!(r.policy, Policy { max_lifetime: 172_800, clock_skew: 60 });
        let d = SignSettings::resolve(&settings("", &[]), None, None).unwrap();
        assert_eq!(d.policy, Policy::default());
        assert_eq!(d.default_expires, 3600);
    }

    #[test]
    fn the_example_sign_section_parses_with_its_commented_keys_enabled() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/playtube.toml")).unwrap();
        let start = text.find("\n[sign]\n").expect("fixtures/playtube.toml has a [sign] section");
        let section = &text[start..];
        let end = section[1..].find("\n[").map_or(section.len(), |i| i + 1);
        // Uncomment `# key = value` and `# [table]` lines; leave prose comments alone.
        let enabled: String = section[..end]
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest)
                    if rest.starts_with('[') || rest.split_once(" = ").is_some_and(|(k, _)| !k.contains(' ')) =>
                {
                    rest
                }
                _ => l,
            })
            .collect::<Vec<_>>()
            .join("\n");
        let file = parse(&enabled).unwrap_or_else(|e| panic!("{e}\n{enabled}"));
        assert_eq!(file.sign.kid.as_deref(), Some("k2"));
        assert_eq!(file.sign.keys.len(), 2);
        assert!(file.sign.key_file.is_some() && file.sign.secret.is_some() && file.sign.base_url.is_some());
        assert_eq!(file.sign.max_lifetime.as_deref().map(parse_duration), Some(Ok(DEFAULT_MAX_LIFETIME)));
        assert_eq!(file.sign.clock_skew.as_deref().map(parse_duration), Some(Ok(DEFAULT_CLOCK_SKEW)));
    }

    #[test]
    fn base_urls_must_be_http_origins_with_an_optional_prefix() {
        assert_eq!(check_base_url("https://cdn.example.com/").unwrap(), "https://cdn.example.com");
        assert_eq!(check_base_url("http://127.0.0.1:8090/v").unwrap(), "http://127.0.0.1:8090/v");
        for bad in ["cdn.example.com", "https://", "ftp://x", "https://x/?a=1"] {
            assert!(check_base_url(bad).is_err(), "{bad}");
        }
    }

    /// `serve`'s signature switches, resolved by `config::serve` from flags > env > `[serve]` > default.
    fn serve_auth(argv: &[&str], env: &[(&str, &str)], toml: &str) -> anyhow::Result<crate::server::auth::AuthConfig> {
        use clap::Parser;
        let mut full = vec!["playtube", "serve", "--root", "/r"];
        full.extend_from_slice(argv);
        let cli = crate::cli::Cli::try_parse_from(full).unwrap();
        let crate::cli::Command::Serve(args) = &cli.command else { panic!("not serve") };
        crate::config::serve::ServeSettings::resolve(&settings(toml, env), args).map(|s| s.server.auth)
    }

    #[test]
    fn serve_requires_links_by_default_only_when_a_key_exists() {
        let open = serve_auth(&[], &[], "").unwrap();
        assert!(!open.require && open.keys.is_empty());
        let secured = serve_auth(&[], &[("PLAYTUBE_SECRET_KEY", K32)], "").unwrap();
        assert!(secured.require && !secured.health && !secured.stats && !secured.cdn);
        assert_eq!(secured.policy, Policy::default());
    }

    #[test]
    fn serve_signature_switches_layer_flag_over_env_over_file() {
        let key = ("PLAYTUBE_SECRET_KEY", K32);
        let file = "[serve]\nrequire_signatures = false\nstats_requires_signature = true\nbehind_cdn = true\nclient_ip_header = \"X-Real-IP\"\n";
        let a = serve_auth(&[], &[key], file).unwrap();
        assert!(!a.require && a.stats && a.cdn);
        assert_eq!(a.client_ip_header.unwrap().as_str(), "x-real-ip");
        assert!(serve_auth(&[], &[key, ("PLAYTUBE_REQUIRE_SIGNATURES", "true")], file).unwrap().require);
        let flag =
            serve_auth(&["--require-signatures", "false"], &[key, ("PLAYTUBE_REQUIRE_SIGNATURES", "true")], file);
        assert!(!flag.unwrap().require);
    }

    #[test]
    fn serve_refuses_to_require_links_it_cannot_check() {
        let err = serve_auth(&["--require-signatures", "true"], &[], "").unwrap_err();
        assert!(err.downcast_ref::<UsageError>().unwrap().message.contains("no signing key"));
        let err = serve_auth(&[], &[("PLAYTUBE_SECRET_KEY", K32)], "[serve]\nclient_ip_header = \"bad header\"\n");
        assert!(err.unwrap_err().to_string().contains("client_ip_header"));
    }
}
