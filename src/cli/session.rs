//! Which desk a script command talks to, chosen as the TUI chooses: a server when one
//! is configured (`--server URL`, `[server] url`, `DESK_SERVER_URL`), with the token
//! from `DESK_TOKEN` or the one `desk login` saved for that server; otherwise, or with
//! `--offline`, the local store through [`LocalDesk`].

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::client::{Desk, DeskError, LocalDesk, LocalUser, RemoteDesk};
use crate::config::Loaded;
use crate::domain::model::User;
use crate::domain::time::{self, Millis};

use super::fail::{Fail, Outcome};
use super::tempfile_dir;

/// The desk-choosing flags of the command line.
#[derive(Debug, Clone, Default)]
pub struct Choice {
    pub server: Option<String>,
    pub offline: bool,
    pub demo: bool,
}

/// Where the commands go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Local,
    Demo,
    Server(String),
}

impl Choice {
    pub fn target(&self, loaded: &Loaded) -> Outcome<Target> {
        if self.demo {
            return Ok(Target::Demo);
        }
        if self.offline {
            return Ok(Target::Local);
        }
        match self
            .server
            .as_deref()
            .or(loaded.config.server.url.as_deref())
        {
            Some(url) => Ok(Target::Server(normalize_url(url)?)),
            // The server `desk login` (or `desk servers use`) made the default.
            None => match Credentials::load(&credentials_path())?.default {
                Some(url) => Ok(Target::Server(url)),
                None => Ok(Target::Local),
            },
        }
    }
}

/// A server URL in the one spelling credentials are kept under: `http(s)://host[:port][/path]`
/// without a trailing slash, host lowercased, default port dropped.
pub fn normalize_url(given: &str) -> Outcome<String> {
    let given = given.trim();
    let url = reqwest::Url::parse(given)
        .map_err(|e| Fail::usage(format!("`{given}` is not a server URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Fail::usage(format!(
            "`{given}` is not a server URL (expected http://host:port or https://host)"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(Fail::usage(format!(
            "`{given}`: give the server URL without a query, fragment or user name"
        )));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// An open desk and whatever must live as long as it.
pub struct Opened {
    pub desk: Box<dyn Desk>,
    _demo: Option<tempfile_dir::Guard>,
}

impl Opened {
    pub fn desk(&self) -> &dyn Desk {
        self.desk.as_ref()
    }

    /// The desk, and the demo directory it needs kept alive (if any).
    pub fn into_parts(self) -> (Box<dyn Desk>, Option<tempfile_dir::Guard>) {
        (self.desk, self._demo)
    }
}

/// Opens the chosen desk.
pub async fn open(loaded: &Loaded, choice: &Choice) -> Outcome<Opened> {
    open_with(loaded, choice, Reach::Now).await
}

/// Opens the chosen desk for the TUI, which opens on a server that cannot be reached
/// (it says so and retries) as the user the sign-in belonged to last time.
pub async fn open_patiently(loaded: &Loaded, choice: &Choice) -> Outcome<Opened> {
    open_with(loaded, choice, Reach::Later).await
}

#[derive(Clone, Copy, PartialEq)]
enum Reach {
    Now,
    Later,
}

async fn open_with(loaded: &Loaded, choice: &Choice, reach: Reach) -> Outcome<Opened> {
    match choice.target(loaded)? {
        Target::Local => Ok(Opened {
            desk: Box::new(open_local(loaded).await?),
            _demo: None,
        }),
        Target::Demo => {
            let (desk, guard) = super::open_demo(loaded)
                .await
                .map_err(|e| Fail::unavailable(format!("cannot open the demo desk: {e}")))?;
            Ok(Opened {
                desk: Box::new(desk),
                _demo: Some(guard),
            })
        }
        Target::Server(url) if reach == Reach::Later => Ok(Opened {
            desk: Box::new(connect_or_wait(&url).await?),
            _demo: None,
        }),
        Target::Server(url) => Ok(Opened {
            desk: Box::new(connect(&url).await?),
            _demo: None,
        }),
    }
}

/// The local store from `[local]`, acting as the configured user.
pub async fn open_local(loaded: &Loaded) -> Outcome<LocalDesk> {
    let local = &loaded.config.local;
    let location = local.database.to_string_lossy().into_owned();
    LocalDesk::open(
        &location,
        super::service_config(loaded),
        LocalUser {
            email: local.user_email.clone(),
            name: local.user_name.clone(),
            role: local.role,
        },
    )
    .await
    .map_err(|e| match e {
        // Whatever stops the store from opening, the desk is not there to ask.
        DeskError::Unavailable(m) | DeskError::Internal(m) => {
            Fail::unavailable(format!("cannot open the local desk at {location}: {m}"))
        }
        other => Fail::from(other).context(format!("opening the local desk at {location}")),
    })
}

/// A desk on the server at `url` (normalized), signed in with `DESK_TOKEN` or the
/// saved token.
pub async fn connect(url: &str) -> Outcome<RemoteDesk> {
    let (token, from_env) = token_for(url)?;
    RemoteDesk::connect(url, &token)
        .await
        .map_err(|e| signed_out(url, e, from_env))
}

/// How long the TUI waits for the server before it opens without it.
const PATIENT_OPEN: std::time::Duration = std::time::Duration::from_secs(3);

/// [`connect`], but a server that cannot be reached gives a desk acting as the saved
/// user, to be asked again; a saved sign-in learns who it is.
async fn connect_or_wait(url: &str) -> Outcome<RemoteDesk> {
    let (token, from_env) = token_for(url)?;
    let path = credentials_path();
    let saved = if from_env {
        None
    } else {
        Credentials::load(&path)?.servers.get(url).cloned()
    };
    // A server that accepts and never answers (a dropped route) would hold the screen
    // for the client's whole timeout; the TUI opens as the saved user instead and
    // keeps trying.
    let attempt = tokio::time::timeout(PATIENT_OPEN, RemoteDesk::connect(url, &token))
        .await
        .unwrap_or_else(|_| {
            Err(DeskError::Unavailable(format!(
                "{url} did not answer within {}s",
                PATIENT_OPEN.as_secs()
            )))
        });
    match attempt {
        Ok(desk) => {
            let user = desk.info().user;
            if let Some(saved) = saved.filter(|s| s.user.as_ref() != Some(&user)) {
                // Best effort: without it the TUI opens as an unknown user when down.
                let mut all = Credentials::load(&path)?;
                all.remember(url, &saved.email, saved.token, Some(user));
                if let Err(e) = all.save(&path) {
                    tracing::warn!("cannot remember who {url} says we are: {}", e.one_line());
                }
            }
            Ok(desk)
        }
        Err(DeskError::Unavailable(_)) => {
            RemoteDesk::unverified(url, &token, saved.and_then(|s| s.user)).map_err(Fail::from)
        }
        Err(e) => Err(signed_out(url, e, from_env)),
    }
}

/// The token in force for `url`, and whether it came from `DESK_TOKEN`.
pub fn token_for(url: &str) -> Outcome<(String, bool)> {
    if let Some(token) = env_token() {
        return Ok((token, true));
    }
    let saved = Credentials::load(&credentials_path())?;
    match saved.servers.get(url) {
        Some(s) => Ok((s.token.clone(), false)),
        None => Err(Fail::refused(format!(
            "not signed in to {url}: run `desk login {url} --email YOU` or set DESK_TOKEN"
        ))),
    }
}

pub fn env_token() -> Option<String> {
    std::env::var("DESK_TOKEN")
        .ok()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// A refused token says how to get a good one.
pub fn signed_out(url: &str, e: DeskError, from_env: bool) -> Fail {
    match e {
        DeskError::Unauthenticated(m) => {
            let fix = if from_env {
                "DESK_TOKEN is not a valid token there".to_string()
            } else {
                format!("sign in again with `desk login {url} --email YOU`")
            };
            Fail::refused(format!(
                "{url} does not accept the saved sign-in ({m}); {fix}"
            ))
        }
        other => Fail::from(other),
    }
}

/// `credentials.json` in the data directory.
pub fn credentials_path() -> PathBuf {
    crate::config::data_dir().join("credentials.json")
}

/// Tokens saved by `desk login`, one per server URL. The file is readable by its owner
/// only (mode 0600), like an SSH key.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    #[serde(default)]
    pub servers: BTreeMap<String, Saved>,
    /// The server `desk` and its commands use when nothing names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Saved {
    pub token: String,
    pub email: String,
    #[serde(with = "crate::domain::time::rfc3339")]
    pub saved_at: Millis,
    /// Who the server last said the token belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
}

impl Credentials {
    /// The saved tokens; none when the file does not exist yet.
    pub fn load(path: &Path) -> Outcome<Credentials> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Credentials::default());
            }
            Err(e) => {
                return Err(Fail::usage(format!(
                    "cannot read saved sign-ins {}: {e}",
                    path.display()
                )));
            }
        };
        if text.trim().is_empty() {
            return Ok(Credentials::default());
        }
        serde_json::from_str(&text).map_err(|e| {
            Fail::usage(format!(
                "saved sign-ins {} are damaged ({e}); delete the file and sign in again",
                path.display()
            ))
        })
    }

    /// Writes the file whole (to a temporary file renamed over it), owner-only.
    pub fn save(&self, path: &Path) -> Outcome<()> {
        let fail = |what: &str, e: std::io::Error| {
            Fail::usage(format!("cannot {what} {}: {e}", path.display()))
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| fail("create the directory of", e))?;
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| Fail::usage(format!("cannot write saved sign-ins: {e}")))?;
        let nonce: u64 = rand::random();
        let temp = dir.join(format!(".credentials-{nonce:x}.tmp"));
        let written = (|| {
            let mut file = owner_only().open(&temp)?;
            file.write_all(text.as_bytes())?;
            file.write_all(b"\n")?;
            file.sync_all()?;
            drop(file);
            std::fs::rename(&temp, path)
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temp);
            return Err(fail("save sign-ins to", e));
        }
        restrict(path).map_err(|e| fail("restrict the permissions of", e))?;
        Ok(())
    }

    pub fn remember(&mut self, url: &str, email: &str, token: String, user: Option<User>) {
        self.servers.insert(
            url.to_string(),
            Saved {
                token,
                email: email.to_string(),
                saved_at: time::now(),
                user,
            },
        );
    }
}

#[cfg(unix)]
fn owner_only() -> std::fs::OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true).mode(0o600);
    options
}

#[cfg(not(unix))]
fn owner_only() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    options
}

#[cfg(unix)]
fn restrict(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_have_one_spelling() {
        assert_eq!(
            normalize_url("http://LOCALHOST:7420/").ok(),
            Some("http://localhost:7420".to_string())
        );
        assert_eq!(
            normalize_url("https://desk.example.com:443").ok(),
            Some("https://desk.example.com".to_string())
        );
        assert_eq!(
            normalize_url("https://example.com/desk/").ok(),
            Some("https://example.com/desk".to_string())
        );
        assert!(normalize_url("desk.example.com").is_err());
        assert!(normalize_url("ftp://example.com").is_err());
        assert!(normalize_url("http://u:p@example.com").is_err());
    }
}
