//! Settings: one optional TOML file, then `DESK_*` environment overrides on top.
//!
//! Every key has a default, so a missing file is a working configuration; a present file
//! is held to a strict schema (unknown keys are errors) because a misspelt key silently
//! ignored is worse than a refusal. Every problem in the file is reported as
//! `file:line:column: message`. `config.example.toml` at the crate root lists every key.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use directories::ProjectDirs;
use serde::Deserialize;
use toml::Spanned;

use crate::domain::model::Role;
use load::{load_from, machine_user, non_empty_var, process_env};

mod check;
mod load;
#[cfg(test)]
mod tests;

/// Saved views are picked with the digit keys 1–9, so there is room for nine.
pub const MAX_VIEWS: usize = 9;
/// A day: a slower refresh is indistinguishable from none, which `0` already says.
pub const MAX_REFRESH_INTERVAL: u64 = 86_400;
/// Ten years: keeps `hours * 3_600_000` milliseconds far from overflow.
pub const MAX_TOKEN_TTL_HOURS: u64 = 87_600;

/// How the environment is read: `std::env::var` in production, a map in tests.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub desk: Desk,
    // The local defaults depend on the environment, which serde cannot see: fields
    // left out stay empty here and are filled in by `Local::resolve`.
    #[serde(default = "Local::unresolved")]
    pub local: Local,
    #[serde(default)]
    pub server: Server,
    #[serde(default)]
    pub ui: Ui,
    /// The seed systems' wire formats, each off until enabled.
    #[serde(default)]
    pub compat: Compat,
    /// The customer pages `/track` and `/new`.
    #[serde(default)]
    pub pages: Pages,
    /// Files on tickets: limits and where content is kept.
    #[serde(default)]
    pub attachments: Attachments,
    /// The outbox: how `desk serve` retries notifications.
    #[serde(default)]
    pub notifications: Notifications,
    /// Webhooks out.
    #[serde(default)]
    pub webhooks: Webhooks,
    /// Email out: the SMTP server, the sender, which notifications go.
    #[serde(default)]
    pub mail: Mail,
    /// At most [`MAX_VIEWS`].
    #[serde(default)]
    pub views: Vec<View>,
    /// Pane name -> key -> action(s), e.g. `[keys.list] "x" = "approve"`. The actions
    /// are checked by the TUI; the span lets it name the line of a bad or clashing one
    /// (see [`Loaded::locate`]).
    #[serde(default)]
    pub keys: KeyTables,
}

/// `[keys.<pane>]` tables: pane name -> key -> action(s), each with its span.
pub type KeyTables = BTreeMap<String, BTreeMap<String, Spanned<KeyBinding>>>;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Desk {
    /// Ticket keys look like `TKT-1042`.
    #[serde(deserialize_with = "check::de_key_prefix")]
    pub key_prefix: String,
}

impl Default for Desk {
    fn default() -> Self {
        Desk {
            key_prefix: "TKT".to_owned(),
        }
    }
}

/// Who you are and where your data lives when working offline.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Local {
    #[serde(default, deserialize_with = "check::de_path")]
    pub database: PathBuf,
    #[serde(default, deserialize_with = "check::de_email")]
    pub user_email: String,
    #[serde(default, deserialize_with = "check::de_non_empty")]
    pub user_name: String,
    #[serde(default = "default_role", deserialize_with = "check::de_role")]
    pub role: Role,
}

impl Default for Local {
    fn default() -> Self {
        Local::from_env(&process_env)
    }
}

impl Local {
    fn from_env(env: Env) -> Self {
        let mut local = Local::unresolved();
        local.resolve(env);
        local
    }

    fn unresolved() -> Self {
        Local {
            database: PathBuf::new(),
            user_email: String::new(),
            user_name: String::new(),
            role: default_role(),
        }
    }

    /// Fills what the file left out. Empty means "left out": the deserializers refuse
    /// an explicitly empty value.
    fn resolve(&mut self, env: Env) {
        let user = machine_user(env);
        if self.database.as_os_str().is_empty() {
            self.database = data_dir_with(env).join("desk.db");
        }
        if self.user_email.is_empty() {
            self.user_email = format!("{user}@localhost");
        }
        if self.user_name.is_empty() {
            self.user_name = user;
        }
    }
}

fn default_role() -> Role {
    // Offline you are the only user of your own desk, so nothing should be locked away.
    Role::Admin
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Server {
    /// Where the TUI and CLI reach a desk server; `None` means work offline.
    #[serde(deserialize_with = "check::de_url")]
    pub url: Option<String>,
    /// What `desk serve` binds.
    #[serde(deserialize_with = "check::de_listen")]
    pub listen: String,
    /// The server's database (sqlite:// or postgres://); `None` means the local file.
    #[serde(deserialize_with = "check::de_database_url")]
    pub database_url: Option<String>,
    #[serde(deserialize_with = "check::de_token_ttl")]
    pub token_ttl_hours: u64,
    /// Browser origins allowed to call `/api/v1` and the compat surfaces; empty: none.
    #[serde(deserialize_with = "check::de_cors_origins")]
    pub cors_origins: Vec<String>,
    /// Seconds a client has to send a whole request head (1 to 3600).
    #[serde(deserialize_with = "check::de_header_timeout")]
    pub header_timeout_secs: u64,
    /// Seconds a keep-alive connection with nothing in flight stays open (1 to 86400).
    #[serde(deserialize_with = "check::de_idle_timeout")]
    pub idle_timeout_secs: u64,
    /// Connections served at once; `None`: half the open-files limit.
    #[serde(deserialize_with = "check::de_max_connections")]
    pub max_connections: Option<usize>,
    /// How people reach this server (`https://desk.example.com`), for the tracking links
    /// and QR codes it hands out; `None`: the address it listens on.
    #[serde(deserialize_with = "check::de_url")]
    pub public_url: Option<String>,
}

impl Default for Server {
    fn default() -> Self {
        Server {
            url: None,
            listen: "127.0.0.1:7420".to_owned(),
            database_url: None,
            token_ttl_hours: 720,
            cors_origins: Vec::new(),
            header_timeout_secs: 10,
            idle_timeout_secs: 60,
            max_connections: None,
            public_url: None,
        }
    }
}

/// `[pages]`: the tracking page and request form `desk serve` shows customers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Pages {
    pub enabled: bool,
    /// Customers see who works on their ticket (also on `/api/v1/track`).
    pub show_assignee: bool,
    /// Customers may reply to an open ticket from the tracking page.
    pub allow_replies: bool,
    /// Customers may reopen a resolved ticket from the tracking page.
    pub allow_reopen: bool,
}

impl Default for Pages {
    fn default() -> Self {
        Pages {
            enabled: true,
            show_assignee: true,
            allow_replies: true,
            allow_reopen: true,
        }
    }
}

/// `[attachments]`: limits on files and where their content is kept.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Attachments {
    /// The largest file accepted, in bytes (default 25 MiB).
    #[serde(deserialize_with = "check::de_max_bytes")]
    pub max_bytes: u64,
    /// The most files in one upload (one comment).
    pub max_per_comment: usize,
    /// Media types accepted (`image/*`, `application/pdf`); empty: everything but
    /// executables and HTML.
    pub allowed_types: Vec<String>,
    /// `db` (the default: in the database, shared by every server on it) or `dir:PATH`.
    #[serde(deserialize_with = "check::de_attachment_store")]
    pub store: String,
}

impl Default for Attachments {
    fn default() -> Self {
        Attachments {
            max_bytes: crate::domain::attachment::DEFAULT_MAX_BYTES,
            max_per_comment: crate::domain::attachment::DEFAULT_MAX_PER_COMMENT,
            allowed_types: Vec::new(),
            store: "db".into(),
        }
    }
}

/// `[notifications]`: the outbox `desk serve` sends webhooks from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Notifications {
    /// Run the dispatcher and sender in `desk serve`.
    pub enabled: bool,
    /// The first retry waits about this long; each further one doubles it (jittered).
    pub retry_base_secs: u64,
    /// No retry waits longer than this.
    pub retry_cap_secs: u64,
    /// After this many attempts a delivery is `dead`.
    pub max_attempts: u32,
}

impl Default for Notifications {
    fn default() -> Self {
        Notifications {
            enabled: true,
            retry_base_secs: 10,
            retry_cap_secs: 86_400,
            max_attempts: 20,
        }
    }
}

/// `[webhooks]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Webhooks {
    /// Let webhooks reach loopback and private addresses (off: SSRF).
    pub allow_private: bool,
    /// Seconds a receiver has to answer.
    pub timeout_secs: u64,
}

impl Default for Webhooks {
    fn default() -> Self {
        Webhooks {
            allow_private: false,
            timeout_secs: 10,
        }
    }
}

/// `[mail]`: notifications by email. Off until `smtp_url` and `from` are set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Mail {
    /// `smtp://user@host:587` (STARTTLS, required unless the host is loopback),
    /// `smtps://host:465` (TLS from the start), `smtp://localhost:25` (a local MTA).
    /// The password may be left out here and given in `DESK_MAIL_PASSWORD`.
    #[serde(deserialize_with = "check::de_smtp_url")]
    pub smtp_url: String,
    /// `Support <support@example.com>`.
    #[serde(deserialize_with = "check::de_mailbox_opt")]
    pub from: String,
    /// Where replies go, when not to `from`.
    #[serde(deserialize_with = "check::de_mailbox_opt")]
    pub reply_to: String,
    /// A directory of templates (`created.txt`, `created.html`, …) that replace the
    /// built-in ones of the same name.
    pub templates: Option<std::path::PathBuf>,
    /// `[mail.notify]`: each default notification on or off.
    pub notify: crate::domain::mail::MailSwitches,
}

/// `[compat.<surface>]`: which of the seed systems' endpoints `desk serve` answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Compat {
    pub tracking: CompatSurface,
    pub intake: CompatSurface,
    pub service_requests: CompatSurface,
    pub reports: ReportsSurface,
    pub helpdesk: HelpdeskSurface,
}

/// `[compat.helpdesk]`: the surface, and the original's ids for desk's reference rows and
/// people (`[compat.helpdesk.ids]`) when a team's scripts and links still name them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HelpdeskSurface {
    pub enabled: bool,
    pub anonymous: bool,
    pub ids: HelpdeskIds,
}

impl HelpdeskSurface {
    pub fn surface(&self) -> CompatSurface {
        CompatSurface {
            enabled: self.enabled,
            anonymous: self.anonymous,
        }
    }
}

/// `[compat.helpdesk.ids.*]`: `1 = "Account Access"` says the original's id 1 is the
/// desk row of that name (a category's or priority's name, a person's email).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HelpdeskIds {
    #[serde(deserialize_with = "check::de_original_ids")]
    pub categories: BTreeMap<i64, String>,
    #[serde(deserialize_with = "check::de_original_ids")]
    pub priorities: BTreeMap<i64, String>,
    #[serde(deserialize_with = "check::de_original_ids")]
    pub users: BTreeMap<i64, String>,
}

/// `[compat.reports]`: a surface with the report categories its clients may file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportsSurface {
    pub enabled: bool,
    pub anonymous: bool,
    /// The `reportCategory` values accepted; default the original's ENUM.
    #[serde(deserialize_with = "check::de_report_categories")]
    pub categories: Vec<String>,
}

impl Default for ReportsSurface {
    fn default() -> Self {
        ReportsSurface {
            enabled: false,
            anonymous: false,
            categories: crate::server::compat::REPORT_CATEGORIES
                .iter()
                .map(|c| (*c).to_owned())
                .collect(),
        }
    }
}

impl ReportsSurface {
    pub fn surface(&self) -> CompatSurface {
        CompatSurface {
            enabled: self.enabled,
            anonymous: self.anonymous,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CompatSurface {
    pub enabled: bool,
    /// Let the surface's multi-ticket calls work without a desk token.
    pub anonymous: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ui {
    /// Seconds between automatic reloads; 0 turns them off.
    #[serde(deserialize_with = "check::de_refresh_interval")]
    pub refresh_interval: u64,
    pub theme: ThemeName,
    /// Where attachments are saved; default: the user's download directory.
    #[serde(deserialize_with = "check::de_opt_path")]
    pub download_dir: Option<std::path::PathBuf>,
    /// How image attachments are previewed.
    pub images: ImagePreview,
    /// Which events ring the terminal's bell and raise a desktop notification.
    #[serde(deserialize_with = "check::de_notify")]
    pub notify: Vec<String>,
    /// Clicks and the wheel; off leaves the mouse to the terminal (its own selection).
    pub mouse: bool,
    /// Web addresses in ticket text are OSC 8 links the terminal can open.
    pub hyperlinks: bool,
}

/// `[ui] images`: `auto` asks the terminal for a graphics protocol (kitty, iTerm2,
/// sixel) when its environment says it may have one, else draws with half blocks;
/// `halfblocks` never asks; `off` shows a line of text instead.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImagePreview {
    #[default]
    Auto,
    Halfblocks,
    Off,
}

/// `[ui] theme`: colours for a dark or a light terminal, bright ones, or none (as
/// `NO_COLOR` asks); anything else is refused with the list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThemeName {
    /// The dark theme (the name of the only theme before there were more).
    #[default]
    Default,
    Dark,
    Light,
    HighContrast,
    Mono,
}

impl Default for Ui {
    fn default() -> Self {
        Ui {
            refresh_interval: 30,
            theme: ThemeName::Default,
            download_dir: None,
            images: ImagePreview::Auto,
            notify: Vec::new(),
            mouse: true,
            hyperlinks: true,
        }
    }
}

/// A saved search, shown as a tab and picked with its digit key.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct View {
    #[serde(deserialize_with = "check::de_non_empty")]
    pub name: String,
    /// In the desk query language; empty lists every ticket.
    pub query: String,
}

/// What a key does: one action, or several run in order.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(
    untagged,
    expecting = "expected an action name or a list of action names"
)]
pub enum KeyBinding {
    One(String),
    Many(Vec<String>),
}

impl KeyBinding {
    pub fn actions(&self) -> &[String] {
        match self {
            KeyBinding::One(action) => std::slice::from_ref(action),
            KeyBinding::Many(actions) => actions,
        }
    }
}

/// The configuration in force and the file it came from.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub config: Config,
    /// The file read, if any.
    pub path: Option<PathBuf>,
    /// Its text, kept to turn spans into line numbers after loading.
    source: String,
}

impl Loaded {
    /// The text of the file read (empty when none was).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Where a span of the file (e.g. a key binding's) is, for pointing at it in a
    /// message. `None` when no file was read.
    pub fn locate(&self, span: Range<usize>) -> Option<Location> {
        let path = self.path.as_deref()?;
        Some(Location::of(path, &self.source, span.start))
    }
}

/// A place in the config file, shown as `file:line:column` like a compiler does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: PathBuf,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
}

impl Location {
    pub fn of(path: &Path, text: &str, offset: usize) -> Location {
        // Bytes, not `&text[..offset]`: a span is trusted to be in range and on a char
        // boundary by nothing here.
        let before = &text.as_bytes()[..offset.min(text.len())];
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        Location {
            path: path.to_path_buf(),
            line: before.iter().filter(|&&b| b == b'\n').count() + 1,
            // Count UTF-8 lead bytes, so a column is a character count.
            column: before[line_start..]
                .iter()
                .filter(|&&b| b & 0xC0 != 0x80)
                .count()
                + 1,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path.display(), self.line, self.column)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {} (from {via}) does not exist", path.display())]
    Missing { path: PathBuf, via: &'static str },
    #[error("cannot read config file {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("{at}: {message}")]
    Invalid { at: Location, message: String },
    #[error("environment variable {var}={value:?}: {message}")]
    Env {
        var: &'static str,
        value: String,
        message: String,
    },
}

impl Config {
    /// Reads the config file and applies `DESK_*` overrides from the process environment.
    ///
    /// The file is `explicit` (`--config`), else `$DESK_CONFIG`, both of which must
    /// exist; else `config.toml` in the platform config dir if it is there; else none.
    pub fn load(explicit: Option<&Path>) -> Result<Loaded, ConfigError> {
        Config::load_with_env(explicit, &process_env)
    }

    /// [`Config::load`] with the environment read through `env`.
    pub fn load_with_env(explicit: Option<&Path>, env: Env) -> Result<Loaded, ConfigError> {
        let default_file =
            ProjectDirs::from("", "", "desk").map(|dirs| dirs.config_dir().join("config.toml"));
        load_from(explicit, default_file, env)
    }
}

/// Where desk keeps its data: `$DESK_DATA_DIR`, else the platform data dir, else
/// `./.desk` when there is no home directory to put one in.
pub fn data_dir() -> PathBuf {
    data_dir_with(&process_env)
}

fn data_dir_with(env: Env) -> PathBuf {
    if let Some(dir) = non_empty_var(env, "DESK_DATA_DIR") {
        return PathBuf::from(dir);
    }
    ProjectDirs::from("", "", "desk").map_or_else(
        || PathBuf::from(".desk"),
        |dirs| dirs.data_dir().to_path_buf(),
    )
}
