//! Finding, reading and parsing the file, then the environment overrides.

use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::check::{email, key_prefix, listen, refresh_interval_text, role, url};
use super::{Config, ConfigError, Env, Loaded, Local, Location, MAX_VIEWS};

pub(super) fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// An empty variable counts as unset, as `VAR= desk` is the usual way to unset one for
/// a single command.
pub(super) fn non_empty_var(env: Env, name: &str) -> Option<String> {
    env(name).filter(|value| !value.is_empty())
}

pub(super) fn machine_user(env: Env) -> String {
    non_empty_var(env, "USER")
        .or_else(|| non_empty_var(env, "USERNAME"))
        .unwrap_or_else(|| "me".to_owned())
}

pub(super) fn load_from(
    explicit: Option<&Path>,
    default_file: Option<PathBuf>,
    env: Env,
) -> Result<Loaded, ConfigError> {
    let mut loaded = match read(explicit, default_file, env)? {
        Some((path, source)) => Loaded {
            config: parse(&source, &path, env)?,
            path: Some(path),
            source,
        },
        None => Loaded {
            config: Config {
                local: Local::from_env(env),
                ..Config::default()
            },
            ..Loaded::default()
        },
    };
    loaded.config.apply_env(env)?;
    Ok(loaded)
}

/// The path and text of the config file, if there is one.
fn read(
    explicit: Option<&Path>,
    default_file: Option<PathBuf>,
    env: Env,
) -> Result<Option<(PathBuf, String)>, ConfigError> {
    let (path, required_by) = match (explicit, non_empty_var(env, "DESK_CONFIG")) {
        (Some(path), _) => (path.to_path_buf(), Some("--config")),
        (None, Some(path)) => (PathBuf::from(path), Some("DESK_CONFIG")),
        (None, None) => match default_file {
            Some(path) => (path, None),
            None => return Ok(None),
        },
    };
    // Read and look at the error rather than check `exists()` first: no race, and
    // "not found" is then told apart from "not allowed".
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some((path, text))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => match required_by {
            Some(via) => Err(ConfigError::Missing { path, via }),
            None => Ok(None),
        },
        Err(source) => Err(ConfigError::Read { path, source }),
    }
}

/// Parses the text of the config file at `path` (which only names it in errors and
/// anchors a relative `database`) and fills in the defaults.
pub(super) fn parse(text: &str, path: &Path, env: Env) -> Result<Config, ConfigError> {
    let mut config: Config = toml::from_str(text).map_err(|e| ConfigError::Invalid {
        // toml puts a span on every error it reports for a document; the file start is
        // only a fallback.
        at: Location::of(path, text, e.span().map_or(0, |span| span.start)),
        message: e.message().trim().to_owned(),
    })?;
    if config.views.len() > MAX_VIEWS {
        return Err(ConfigError::Invalid {
            at: Location::of(path, text, first_extra_view(text)),
            message: format!(
                "expected at most {MAX_VIEWS} views (one per digit key), found {}",
                config.views.len()
            ),
        });
    }
    let db = &mut config.local.database;
    if !db.as_os_str().is_empty() && db.is_relative() {
        // Relative to the file, not to wherever desk happens to be started from.
        *db = path.parent().unwrap_or(Path::new("")).join(&*db);
    }
    config.local.resolve(env);
    Ok(config)
}

/// Where the first view past [`MAX_VIEWS`] starts. A check inside serde could only
/// point at the whole array, which for `[[views]]` is the first one.
fn first_extra_view(text: &str) -> usize {
    #[derive(Deserialize)]
    struct Views {
        views: Vec<Spanned<serde::de::IgnoredAny>>,
    }
    toml::from_str::<Views>(text)
        .ok()
        .and_then(|v| v.views.get(MAX_VIEWS).map(|view| view.span().start))
        .unwrap_or(0)
}

impl Config {
    /// Applies the `DESK_*` overrides, each checked like its key in the file.
    pub(super) fn apply_env(&mut self, env: Env) -> Result<(), ConfigError> {
        if let Some(url) = env_value(env, "DESK_SERVER_URL", url)? {
            self.server.url = Some(url);
        }
        if let Some(listen) = env_value(env, "DESK_LISTEN", listen)? {
            self.server.listen = listen;
        }
        if let Some(url) = env_value(env, "DESK_DATABASE_URL", Ok)? {
            self.server.database_url = Some(url);
        }
        if let Some(path) = env_value(env, "DESK_DB", |s| Ok(PathBuf::from(s)))? {
            self.local.database = path;
        }
        if let Some(prefix) = env_value(env, "DESK_KEY_PREFIX", key_prefix)? {
            self.desk.key_prefix = prefix;
        }
        if let Some(secs) = env_value(env, "DESK_REFRESH_INTERVAL", refresh_interval_text)? {
            self.ui.refresh_interval = secs;
        }
        if let Some(email) = env_value(env, "DESK_USER_EMAIL", email)? {
            self.local.user_email = email;
        }
        if let Some(role) = env_value(env, "DESK_ROLE", role)? {
            self.local.role = role;
        }
        Ok(())
    }
}

/// The value of `var` passed through `check`, with the value as given in the error.
fn env_value<T>(
    env: Env,
    var: &'static str,
    check: impl FnOnce(String) -> Result<T, String>,
) -> Result<Option<T>, ConfigError> {
    let Some(value) = non_empty_var(env, var) else {
        return Ok(None);
    };
    check(value.clone())
        .map(Some)
        .map_err(|message| ConfigError::Env {
            var,
            value,
            message,
        })
}
