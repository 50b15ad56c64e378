//! Locating ffmpeg and ffprobe, once per run: `PLAYTUBE_FFMPEG`/`PLAYTUBE_FFPROBE` in the environment,
//! then `ffmpeg = "..."`/`ffprobe = "..."` in playtube.toml, then the PATH (the `which` crate). A missing
//! tool is a usage error (exit 2) with the install hint. It does not run the tools; the result is the
//! pipeline's plain [`Tools`].

use std::path::{Path, PathBuf};

use super::Settings;
use crate::exit::UsageError;
use crate::pipeline::tools::Tools;

const INSTALL_HINT: &str = "install it (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg)";

/// Find both tools, or say which one is missing and how to fix it.
pub fn locate(settings: &Settings) -> Result<Tools, UsageError> {
    Ok(Tools {
        ffmpeg: locate_one("ffmpeg", "PLAYTUBE_FFMPEG", settings.file.ffmpeg.as_deref(), settings)?,
        ffprobe: locate_one("ffprobe", "PLAYTUBE_FFPROBE", settings.file.ffprobe.as_deref(), settings)?,
    })
}

fn locate_one(
    name: &str,
    env_key: &str,
    configured: Option<&Path>,
    settings: &Settings,
) -> Result<PathBuf, UsageError> {
    let (source, wanted) = if let Some(v) = settings.env.get(env_key) {
        (env_key.to_owned(), PathBuf::from(v))
    } else if let Some(p) = configured {
        let file =
            settings.config_path.as_deref().map(|p| p.display().to_string()).unwrap_or_else(|| "playtube.toml".into());
        (format!("{name} in {file}"), p.to_owned())
    } else {
        let path_var = settings.env.get("PATH").unwrap_or("");
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        return which::which_in(name, Some(path_var), cwd).map_err(|_| {
            UsageError::with_hint(
                format!("{name} not found on PATH"),
                format!("{INSTALL_HINT}, or set {name} = \"/path/to/{name}\" in playtube.toml or {env_key}"),
            )
        });
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let path_var = settings.env.get("PATH").unwrap_or("");
    which::which_in(&wanted, Some(path_var), cwd).map_err(|_| {
        UsageError::with_hint(
            format!("{name} not found at {} (from {source})", wanted.display()),
            format!("fix the path, or unset it to use {name} from PATH; {INSTALL_HINT}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Env;

    #[test]
    fn missing_ffmpeg_is_a_usage_error_with_install_hint() {
        let settings = Settings::defaults(Env::from_pairs([("PATH", "/nonexistent")]));
        let err = locate(&settings).unwrap_err();
        assert!(err.message.contains("ffmpeg not found"), "{}", err.message);
        assert!(err.hint.unwrap().contains("apt-get install ffmpeg"));
    }

    #[test]
    fn environment_path_wins_over_config() {
        let mut settings =
            Settings::defaults(Env::from_pairs([("PLAYTUBE_FFMPEG", "/bin/sh"), ("PLAYTUBE_FFPROBE", "/bin/sh")]));
        settings.file.ffmpeg = Some("/nonexistent/ffmpeg".into());
        let tools = locate(&settings).unwrap();
        assert_eq!(tools.ffmpeg, Path::new("/bin/sh"));
    }

    #[test]
    fn bad_configured_path_names_where_it_came_from() {
        let mut settings = Settings::defaults(Env::from_pairs([("PATH", "/usr/bin:/bin")]));
        settings.file.ffprobe = Some("/nonexistent/ffprobe".into());
        settings.file.ffmpeg = Some("/bin/sh".into());
        let err = locate(&settings).unwrap_err();
        assert!(
            err.message.contains("/nonexistent/ffprobe") && err.message.contains("playtube.toml"),
            "{}",
            err.message
        );
    }
}
