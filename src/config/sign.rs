//! The `[sign]` section of playtube.toml and its layering with flags and environment: where the secret
//! keys come from, which one signs, and the limits (`max_lifetime`, `clock_skew`) that `sign` and `serve`
//! share. It reads key files (the only I/O here) and hands plain bytes to `signing`; it never accepts a
//! secret on the command line, where `ps` would show it.
//!
//! Sources of the default key (links without `kid`), first match wins: `--key-file`,
//! `PLAYTUBE_SECRET_KEY`, `GO_VIDEO_SECRET_KEY`, `PLAYTUBE_KEY_FILE`, `[sign] key_file`, `[sign] secret`.
//! Named keys for rotation come from `[sign.keys]` (`k1 = { file = "..." }` or `k2 = { env = "VAR" }`);
//! the signing key is `--kid` > `PLAYTUBE_SIGN_KID` > `[sign] kid`, else the default key. The other
//! knobs layer by [`Layer`]: `--expires`/`--base-url` > `PLAYTUBE_SIGN_*` > `[sign]` > defaults.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{Layer, Origin, Settings};
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

/// The command-line flags of `sign` that take part in the layering (`serve` has none of them).
#[derive(Debug, Default, Clone, Copy)]
pub struct SignFlags<'a> {
    pub key_file: Option<&'a Path>,
    pub kid: Option<&'a str>,
    pub expires: Option<&'a str>,
    pub base_url: Option<&'a str>,
}

/// When the links `sign` makes stop working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// At this Unix time (`--expires 1767225600`).
    At(u64),
    /// This many seconds after signing (`--expires 1h`, `[sign] expires`, default 1h).
    In(u64),
}

impl Expiry {
    /// The Unix time a link signed at `now` expires.
    pub fn at(self, now: u64) -> u64 {
        match self {
            Expiry::At(t) => t,
            Expiry::In(secs) => now.saturating_add(secs),
        }
    }
}

/// The resolved keys and limits.
#[derive(Debug, Clone)]
pub struct SignSettings {
    pub keys: Keyring,
    /// The key that signs: `None` is the default key.
    pub signing_kid: Option<KeyId>,
    pub policy: Policy,
    /// When links made by `sign` expire.
    pub expires: Expiry,
    /// Default base URL for `sign` (no trailing slash), empty for path-only links.
    pub base_url: String,
    /// Where the default key came from (for messages; never the key itself).
    pub default_source: Option<String>,
}

pub const DEFAULT_EXPIRES: u64 = 3600;

const SHORT_KEY_HINT: &str =
    "make a key with: head -c 32 /dev/urandom | base64 > /etc/playtube/secret.key && chmod 600 /etc/playtube/secret.key";

impl SignSettings {
    /// Resolve keys and limits. `flags` are the command-line flags of `sign` (serve passes the default).
    /// Missing files, short keys, unknown key ids and bad values are usage errors (exit 2) naming the
    /// flag, variable or file key they came from.
    pub fn resolve(settings: &Settings, flags: &SignFlags<'_>) -> anyhow::Result<SignSettings> {
        let section = &settings.file.sign;
        let file_name = settings.config_path.as_deref().map_or("playtube.toml".to_owned(), |p| p.display().to_string());
        let mut keys = Keyring::new();
        let default_source = default_key(settings, flags, &file_name, &mut keys)?;
        named_keys(settings, &file_name, &mut keys)?;
        let signing_kid = signing_kid(settings, flags, &keys, &file_name)?;
        let duration = |env_key: &'static str, file: &Option<String>, key: &'static str, default: u64| {
            sign_duration(settings, &file_name, (env_key, file, key), default)
        };
        let policy = Policy {
            max_lifetime: duration(
                "PLAYTUBE_SIGN_MAX_LIFETIME",
                &section.max_lifetime,
                "[sign] max_lifetime",
                DEFAULT_MAX_LIFETIME,
            )?,
            clock_skew: duration(
                "PLAYTUBE_SIGN_CLOCK_SKEW",
                &section.clock_skew,
                "[sign] clock_skew",
                DEFAULT_CLOCK_SKEW,
            )?,
        };
        let expires = match flags.expires {
            Some(raw) => expiry_flag(raw)?,
            None => Expiry::In(duration("PLAYTUBE_SIGN_EXPIRES", &section.expires, "[sign] expires", DEFAULT_EXPIRES)?),
        };
        let base_url = base_url(settings, flags)?;
        Ok(SignSettings { keys, signing_kid, policy, expires, base_url, default_source })
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

/// `--expires`: a bare number is a Unix time, anything else a duration from signing.
fn expiry_flag(raw: &str) -> Result<Expiry, UsageError> {
    if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        return raw
            .parse()
            .map(Expiry::At)
            .map_err(|_| UsageError::new(format!("--expires {raw}: not a Unix time in seconds (e.g. 1767225600)")));
    }
    parse_duration(raw).map(Expiry::In).map_err(|e| {
        UsageError::with_hint(format!("--expires {raw}: {e}"), "use a duration (90s, 1h, 7d) or a Unix time")
    })
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

/// The default key, from the first source that has one (flag, variables, key file, `[sign]`), and a
/// description of where it came from.
fn default_key(
    settings: &Settings,
    flags: &SignFlags<'_>,
    file_name: &str,
    keys: &mut Keyring,
) -> anyhow::Result<Option<String>> {
    let section = &settings.file.sign;
    let env = &settings.env;
    let source = if let Some(path) = flags.key_file {
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
    Ok(source)
}

/// The named keys of `[sign.keys]` (rotation): each from a file or a variable.
fn named_keys(settings: &Settings, file_name: &str, keys: &mut Keyring) -> anyhow::Result<()> {
    let section = &settings.file.sign;
    let env = &settings.env;
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
    Ok(())
}

/// The key id `sign` signs with (flag > variable > `[sign] kid`), which must be configured.
fn signing_kid(
    settings: &Settings,
    flags: &SignFlags<'_>,
    keys: &Keyring,
    file_name: &str,
) -> anyhow::Result<Option<KeyId>> {
    let section = &settings.file.sign;
    let env = &settings.env;
    let (kid, _) = Layer {
        flag: flags.kid.map(|k| (Some(k.to_owned()), "--kid")),
        env: Some((env, "PLAYTUBE_SIGN_KID")),
        file: section.kid.clone().map(|k| (Some(k), "[sign] kid")),
        default: None,
    }
    .resolve_with(|raw| Ok(Some(raw.to_owned())))?;
    let signing_kid = match kid.as_deref() {
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
    Ok(signing_kid)
}

/// A duration from the variable or the file (or `default`); the message names which, and the file read.
fn sign_duration(
    settings: &Settings,
    file_name: &str,
    (env_key, file, key): (&'static str, &Option<String>, &'static str),
    default: u64,
) -> Result<u64, UsageError> {
    let layer = Layer {
        flag: None,
        env: Some((&settings.env, env_key)),
        file: file.clone().map(|v| (Some(v), key)),
        default: None,
    };
    let (raw, from) = layer.resolve_with(|raw| Ok(Some(raw.to_owned())))?;
    let Some(raw) = raw else { return Ok(default) };
    let in_file = match from {
        Origin::File(_) => format!(" in {file_name}"),
        _ => String::new(),
    };
    parse_duration(&raw).map_err(|e| UsageError::new(format!("{}{in_file} is invalid: {e}", from.quote(&raw))))
}

/// The public base URL of signed links (flag > variable > `[sign] base_url`), checked when given.
fn base_url(settings: &Settings, flags: &SignFlags<'_>) -> anyhow::Result<String> {
    let section = &settings.file.sign;
    let env = &settings.env;
    let (base_url, from) = Layer {
        flag: flags.base_url.map(|b| (b.to_owned(), "--base-url")),
        env: Some((env, "PLAYTUBE_SIGN_BASE_URL")),
        file: section.base_url.clone().map(|b| (b, "[sign] base_url")),
        default: String::new(),
    }
    .resolve()?;
    let base_url = match from {
        Origin::Default => base_url,
        _ => check_base_url(&base_url).map_err(|e| UsageError { message: format!("{from}: {}", e.message), ..e })?,
    };
    Ok(base_url)
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
        let s = SignSettings::resolve(&settings("", &[]), &SignFlags::default()).unwrap();
        assert!(s.keys.is_empty());
        assert!(s.signing_key().is_err());
    }

    #[test]
    fn playtube_secret_key_wins_over_the_go_name_and_the_file() {
        let s = settings(
            "[sign]\nsecret = \"from-the-config-file-from-the-config\"\n",
            &[("GO_VIDEO_SECRET_KEY", K32), ("PLAYTUBE_SECRET_KEY", "p".repeat(40).as_str())],
        );
        let r = SignSettings::resolve(&s, &SignFlags::default()).unwrap();
        assert_eq!(r.default_source.as_deref(), Some("PLAYTUBE_SECRET_KEY"));
        let s =
            settings("[sign]\nsecret = \"from-the-config-file-from-the-config\"\n", &[("GO_VIDEO_SECRET_KEY", K32)]);
        assert_eq!(
            SignSettings::resolve(&s, &SignFlags::default()).unwrap().default_source.as_deref(),
            Some("GO_VIDEO_SECRET_KEY")
        );
        let s = settings("[sign]\nsecret = \"from-the-config-file-from-the-config\"\n", &[]);
        assert!(SignSettings::resolve(&s, &SignFlags::default())
            .unwrap()
            .default_source
            .unwrap()
            .starts_with("[sign] secret"));
    }

    #[test]
    fn a_short_key_is_a_usage_error_with_a_hint() {
        let err = SignSettings::resolve(&settings("", &[("PLAYTUBE_SECRET_KEY", "short")]), &SignFlags::default())
            .unwrap_err();
        let usage = err.downcast_ref::<UsageError>().unwrap();
        assert!(usage.message.contains("5 bytes"), "{}", usage.message);
        assert!(usage.hint.as_deref().unwrap().contains("/dev/urandom"));
    }

    #[test]
    fn key_files_lose_one_trailing_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        std::fs::write(&path, format!("{K32}\n")).unwrap();
        let with_newline =
            SignSettings::resolve(&settings("", &[]), &SignFlags { key_file: Some(&path), ..Default::default() })
                .unwrap();
        std::fs::write(&path, &K32[..31]).unwrap();
        assert!(
            SignSettings::resolve(&settings("", &[]), &SignFlags { key_file: Some(&path), ..Default::default() })
                .is_err(),
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
        let r = SignSettings::resolve(&s, &SignFlags::default()).unwrap();
        assert_eq!(r.signing_key().unwrap().0.unwrap().as_str(), "k2");
        let r = SignSettings::resolve(&s, &SignFlags { kid: Some("k1"), ..Default::default() }).unwrap();
        assert_eq!(r.signing_key().unwrap().0.unwrap().as_str(), "k1", "the flag beats the file");
        let err = SignSettings::resolve(&s, &SignFlags { kid: Some("k3"), ..Default::default() }).unwrap_err();
        assert!(err.downcast_ref::<UsageError>().unwrap().hint.as_deref().unwrap().contains("k1, k2"));
        let unset = settings(&toml, &[]);
        assert!(SignSettings::resolve(&unset, &SignFlags::default()).unwrap_err().to_string().contains("MY_K2"));
    }

    #[test]
    fn limits_layer_environment_over_file_over_defaults() {
        let s =
            settings("[sign]\nmax_lifetime = \"2d\"\nclock_skew = \"10s\"\n", &[("PLAYTUBE_SIGN_CLOCK_SKEW", "1m")]);
        let r = SignSettings::resolve(&s, &SignFlags::default()).unwrap();
        assert_eq!(r.policy, Policy { max_lifetime: 172_800, clock_skew: 60 });
        let d = SignSettings::resolve(&settings("", &[]), &SignFlags::default()).unwrap();
        assert_eq!(d.policy, Policy::default());
        assert_eq!(d.expires, Expiry::In(3600));
    }

    #[test]
    fn a_sign_knob_layers_flag_over_environment_over_file_over_default() {
        let file = "[sign]\nbase_url = \"https://file.example\"\nexpires = \"2h\"\n";
        let env = [("PLAYTUBE_SIGN_BASE_URL", "https://env.example/"), ("PLAYTUBE_SIGN_EXPIRES", "3h")];
        let flags = SignFlags { base_url: Some("https://flag.example"), expires: Some("4h"), ..Default::default() };
        let r = |toml: &str, env: &[(&str, &str)], flags: &SignFlags<'_>| {
            let s = SignSettings::resolve(&settings(toml, env), flags).unwrap();
            (s.base_url, s.expires)
        };
        assert_eq!(r("", &[], &SignFlags::default()), (String::new(), Expiry::In(DEFAULT_EXPIRES)));
        assert_eq!(r(file, &[], &SignFlags::default()), ("https://file.example".into(), Expiry::In(7200)));
        assert_eq!(r(file, &env, &SignFlags::default()), ("https://env.example".into(), Expiry::In(10_800)));
        assert_eq!(r(file, &env, &flags), ("https://flag.example".into(), Expiry::In(14_400)));
        let at = SignFlags { expires: Some("1767225600"), ..Default::default() };
        assert_eq!(r(file, &env, &at).1, Expiry::At(1_767_225_600));
    }

    #[test]
    fn a_bad_sign_value_names_the_flag_variable_or_file_key() {
        let message = |toml: &str, env: &[(&str, &str)], flags: &SignFlags<'_>| {
            let mut s = settings(toml, env);
            s.config_path = Some("/etc/playtube.toml".into());
            let err = SignSettings::resolve(&s, flags).unwrap_err();
            assert_eq!(crate::exit::code_for(&err), crate::exit::Code::Usage);
            format!("{err:#}")
        };
        let m = message("", &[], &SignFlags { expires: Some("soon"), ..Default::default() });
        assert!(m.starts_with("--expires soon:"), "{m}");
        let m = message("", &[("PLAYTUBE_SIGN_MAX_LIFETIME", "forever")], &SignFlags::default());
        assert!(m.starts_with("environment variable PLAYTUBE_SIGN_MAX_LIFETIME=\"forever\" is invalid"), "{m}");
        let m = message("[sign]\nclock_skew = \"a while\"\n", &[], &SignFlags::default());
        assert!(m.starts_with("[sign] clock_skew = \"a while\" in /etc/playtube.toml is invalid"), "{m}");
        let m = message("", &[], &SignFlags { base_url: Some("cdn.example"), ..Default::default() });
        assert!(m.starts_with("--base-url: base URL"), "{m}");
        let m = message("[sign]\nbase_url = \"ftp://x\"\n", &[], &SignFlags::default());
        assert!(m.starts_with("[sign] base_url: base URL"), "{m}");
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
