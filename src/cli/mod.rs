//! The command line: argument definitions and what each command does. `main.rs` only
//! parses and dispatches.

mod attachments;
mod auth;
mod docs;
mod dump;
mod fail;
mod input;
mod open_tui;
mod output;
mod reference;
mod serve;
mod session;
mod table;
mod tickets;
mod users;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use color_eyre::eyre::{Result, WrapErr, eyre};

pub use auth::{LoginArgs, LogoutArgs, ServersCommand};
pub use fail::{EXIT_REFUSED, EXIT_UNAVAILABLE, EXIT_USAGE};
pub use output::{JsonFormat, ListFormat};
pub use tickets::TicketsCommand;

use crate::client::{LocalDesk, LocalUser};
use crate::config::{Config, Loaded};
use crate::domain::model::Role;
use crate::service::{Service, ServiceConfig};
use crate::store::Store;

#[derive(Debug, Parser)]
#[command(
    name = "desk",
    version,
    about = "A support desk that lives in the terminal",
    long_about = "A support desk that lives in the terminal.\n\n\
        With no command, desk opens your desk: the local store in the data directory, \
        or the server named in the config (else the default one `desk login` chose). `desk --demo` opens a throwaway desk filled \
        with demo data.\n\n\
        The other commands are for scripts. They talk to a desk server when one is \
        configured (`[server] url`, DESK_SERVER_URL or --server), signed in with the \
        token `desk login` saved for it (DESK_TOKEN overrides), and to the local store \
        otherwise or with --offline.",
    after_long_help = "EXIT STATUS:\n    \
        0  success\n    \
        1  the desk refused the operation (validation, workflow, permission, conflict, \
        not found, not signed in); one line on stderr says why\n    \
        2  usage error (bad arguments or configuration)\n    \
        3  the server cannot be reached, or the store cannot be opened\n\n\
        Nothing is printed on stdout when a command fails.\n\n\
        ENVIRONMENT:\n    \
        DESK_CONFIG, DESK_SERVER_URL, DESK_TOKEN, DESK_DATA_DIR, DESK_DB, DESK_USER_EMAIL, \
        DESK_ROLE, NO_COLOR"
)]
pub struct Cli {
    /// Read this config file instead of the platform default.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Talk to the desk server at URL (instead of `[server] url`).
    #[arg(long, global = true, value_name = "URL")]
    pub server: Option<String>,

    /// Work on the local store even when a server is configured.
    #[arg(long, global = true, conflicts_with = "server")]
    pub offline: bool,

    /// Open a throwaway desk filled with demo data, acting as a supervisor.
    #[arg(long)]
    pub demo: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the ticket server: the JSON API under /api/v1.
    Serve(ServeArgs),
    /// Sign in to a desk server; the token is saved for later commands.
    Login(LoginArgs),
    /// Sign out of a desk server: revoke the token and forget it.
    Logout(LogoutArgs),
    /// Who the commands act as, and on which desk.
    Whoami(JsonFormat),
    /// The servers signed in to; which one `desk` uses when none is named.
    #[command(subcommand)]
    Servers(ServersCommand),
    /// List, show, file, edit, comment on, assign and move tickets.
    #[command(subcommand)]
    Tickets(TicketsCommand),
    /// Files on tickets: list them, download one.
    #[command(subcommand)]
    Attachments(attachments::AttachmentsCommand),
    /// The desk's numbers: open, pending, done, past their SLA, by status and more, and
    /// tickets created and resolved per day.
    Stats(reference::StatsArgs),
    /// The categories tickets are filed under.
    #[command(subcommand)]
    Categories(ListCommand),
    /// The priorities and their SLA hours.
    #[command(subcommand)]
    Priorities(ListCommand),
    /// The statuses of the workflow.
    #[command(subcommand)]
    Statuses(ListCommand),
    /// People: list them on the desk, or add and list them straight in a database (the
    /// way to make the first admin).
    #[command(subcommand)]
    Users(PeopleCommand),
    /// Print a shell completion script: `desk completions bash > /etc/bash_completion.d/desk`.
    Completions {
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command into a directory.
    Man {
        /// Write desk.1, desk-tickets.1, ... into DIR instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Write the whole desk to a JSON file: tickets, comments, events, reference data
    /// and people (without passwords), with their ids, keys and sequence numbers.
    Export {
        /// The file to write (`-` for standard output).
        #[arg(long, value_name = "FILE")]
        json: PathBuf,
        /// The database [default: `[server] database_url`, else the local store].
        #[arg(long, value_name = "PATH_OR_URL")]
        db: Option<String>,
    },
    /// Fill an empty database from a file `desk export` wrote. The whole file is checked
    /// before anything is written.
    Import {
        /// The file to read (`-` for standard input).
        #[arg(long, value_name = "FILE")]
        json: PathBuf,
        /// The database to fill; it must hold no tickets and no people.
        #[arg(long, value_name = "PATH_OR_URL")]
        db: Option<String>,
    },
    /// Move a whole desk to another database (e.g. SQLite to PostgreSQL): tickets,
    /// comments, events with their sequence numbers, people with their passwords and
    /// tokens, reference data. The target must be empty; the copy is checked by row
    /// counts and a checksum before success is reported. The source is not changed.
    Migrate {
        /// The desk to copy: a SQLite file path, sqlite:PATH or a postgres:// URL.
        #[arg(long, value_name = "PATH_OR_URL")]
        from: String,
        /// The empty database to fill.
        #[arg(long, value_name = "PATH_OR_URL")]
        to: String,
    },
    /// Fill an empty database with generated tickets (for benchmarks).
    #[command(hide = true)]
    Generate {
        #[arg(long, value_name = "PATH_OR_URL")]
        db: String,
        #[arg(long, default_value_t = 100_000)]
        tickets: usize,
    },
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on [default: `[server] listen`, 127.0.0.1:7420; env DESK_LISTEN].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Database: a SQLite file path or a postgres:// URL [default: `[server]
    /// database_url`, else desk.db in the data directory; env DESK_DATABASE_URL].
    #[arg(long, value_name = "PATH_OR_URL")]
    pub db: Option<String>,
    /// Fill an empty database with the demo data first.
    #[arg(long)]
    pub demo: bool,
}

/// `desk categories|priorities|statuses list`.
#[derive(Debug, Subcommand)]
pub enum ListCommand {
    /// List them.
    List(ListFormat),
}

/// `desk users …`: `list` goes through the desk unless `--db` names a database; `add`
/// and `list --db` work on the database directly (`users.rs`).
#[derive(Debug, Subcommand)]
pub enum PeopleCommand {
    /// Add a person straight into a database (needs no server and no sign-in).
    Add(AddUser),
    /// Set a person's password straight in a database (after `desk import`, or for a
    /// locked-out admin); their sessions end.
    Password {
        /// The database [default: `[server] database_url`, else the local store].
        #[arg(long, value_name = "PATH_OR_URL")]
        db: Option<String>,
        #[arg(long)]
        email: String,
        /// Read the password from the first line of standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// List the people on the desk (staff see who tickets can be assigned to; admins
    /// see everyone). With --db, everyone straight from that database.
    List {
        /// Read this database directly instead of asking the desk.
        #[arg(long, value_name = "PATH_OR_URL", conflicts_with = "format")]
        db: Option<String>,
        #[command(flatten)]
        format: ListFormat,
    },
}

#[derive(Debug, clap::Args)]
pub struct AddUser {
    /// The database [default: `[server] database_url`, else the local store].
    #[arg(long, value_name = "PATH_OR_URL")]
    pub db: Option<String>,
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub name: String,
    #[arg(long, value_parser = parse_role)]
    pub role: Role,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
}

/// Runs the parsed command line; the process exit code is the answer.
pub async fn run(cli: Cli) -> Result<i32> {
    if cli.command.is_none() {
        return Ok(open_tui::run(cli).await);
    }
    if cli.command.as_ref().is_some_and(Command::is_scripted) {
        return Ok(run_scripted(cli).await);
    }
    let loaded = Config::load(cli.config.as_deref())?;
    match cli.command {
        Some(Command::Serve(args)) => serve::run(&loaded, args).await,
        Some(Command::Users(PeopleCommand::Add(args))) => users::add(&loaded, args).await,
        Some(Command::Users(PeopleCommand::Password { db, email, .. })) => {
            users::password(&loaded, db.as_deref(), &email).await
        }
        Some(Command::Users(PeopleCommand::List { db, .. })) => {
            users::list(&loaded, db.as_deref()).await
        }
        Some(Command::Export { json, db }) => dump::export(&loaded, &json, db.as_deref()).await,
        Some(Command::Import { json, db }) => dump::import(&loaded, &json, db.as_deref()).await,
        Some(Command::Migrate { from, to }) => dump::migrate(&loaded, &from, &to).await,
        Some(Command::Generate { db, tickets }) => {
            let store = Store::open(&db).await?;
            let service = Service::new(store, service_config(&loaded));
            let started = std::time::Instant::now();
            let made =
                crate::generate::generate(&service, crate::generate::Shape::tickets(tickets))
                    .await?;
            eprintln!(
                "generated {made} tickets into {db} in {:.1?}",
                started.elapsed()
            );
            Ok(0)
        }
        None | Some(_) => Err(eyre!("this command is run by run_scripted")),
    }
}

impl Command {
    /// The commands for scripts: exit codes 0-3, one line on stderr on failure,
    /// nothing on stdout unless they succeed.
    fn is_scripted(&self) -> bool {
        match self {
            Command::Serve(_)
            | Command::Generate { .. }
            | Command::Export { .. }
            | Command::Import { .. }
            | Command::Migrate { .. }
            | Command::Users(PeopleCommand::Add(_))
            | Command::Users(PeopleCommand::Password { .. }) => false,
            Command::Users(PeopleCommand::List { db, .. }) => db.is_none(),
            _ => true,
        }
    }
}

/// Runs a script command and prints its answer, or its failure as one line.
async fn run_scripted(cli: Cli) -> i32 {
    let outcome = match scripted(cli).await {
        Ok(text) => output::emit(&text),
        Err(fail) => Err(fail),
    };
    match outcome {
        Ok(()) => 0,
        Err(fail) => {
            eprintln!("desk: {}", fail.one_line());
            fail.code
        }
    }
}

async fn scripted(cli: Cli) -> fail::Outcome<String> {
    let Some(command) = cli.command else {
        return Err(fail::Fail::usage("no command"));
    };
    // These need neither a config nor a desk.
    match &command {
        Command::Completions { shell } => return docs::completions(*shell),
        Command::Man { dir } => return docs::man(dir.as_deref()),
        _ => {}
    }
    let loaded =
        Config::load(cli.config.as_deref()).map_err(|e| fail::Fail::usage(e.to_string()))?;
    let choice = session::Choice {
        server: cli.server,
        offline: cli.offline,
        demo: cli.demo,
    };
    match command {
        Command::Login(args) => return auth::login(&loaded, &choice, args).await,
        Command::Logout(args) => return auth::logout(&loaded, &choice, args).await,
        Command::Servers(cmd) => return auth::servers(&loaded, cmd),
        _ => {}
    }
    let opened = session::open(&loaded, &choice).await?;
    let desk = opened.desk();
    match command {
        Command::Whoami(f) => auth::whoami(desk, f.json).await,
        Command::Tickets(cmd) => tickets::run(desk, cmd).await,
        Command::Attachments(cmd) => attachments::run(desk, cmd).await,
        Command::Stats(args) => reference::stats(desk, args).await,
        Command::Categories(ListCommand::List(f)) => {
            reference::list(desk, reference::List::Categories, f).await
        }
        Command::Priorities(ListCommand::List(f)) => {
            reference::list(desk, reference::List::Priorities, f).await
        }
        Command::Statuses(ListCommand::List(f)) => {
            reference::list(desk, reference::List::Statuses, f).await
        }
        Command::Users(PeopleCommand::List { format, .. }) => {
            reference::list(desk, reference::List::Users, format).await
        }
        _ => Err(fail::Fail::usage("this command does not talk to a desk")),
    }
}

/// The server's database: `--db`, else `[server] database_url` (or its env var), else
/// the local store file.
pub fn server_database(loaded: &Loaded, given: Option<&str>) -> String {
    given
        .map(str::to_string)
        .or_else(|| loaded.config.server.database_url.clone())
        .unwrap_or_else(|| loaded.config.local.database.to_string_lossy().into_owned())
}

pub(crate) fn service_config(loaded: &Loaded) -> ServiceConfig {
    let a = &loaded.config.attachments;
    ServiceConfig {
        key_prefix: loaded.config.desk.key_prefix.clone(),
        attachments: crate::service::AttachmentConfig {
            limits: crate::domain::attachment::Limits {
                max_bytes: a.max_bytes,
                max_per_comment: a.max_per_comment.max(1),
                allowed: if a.allowed_types.is_empty() {
                    crate::domain::attachment::AllowedTypes::Default
                } else {
                    crate::domain::attachment::AllowedTypes::Only(a.allowed_types.clone())
                },
            },
            // Checked when the config was read (`config::check::attachment_store`).
            store: crate::store::attachments::ContentStore::parse(&a.store).unwrap_or_default(),
        },
        // Only `desk serve` sends mail; it sets this from `[mail]`.
        mail: None,
    }
}

/// The local store from `[local]`, acting as the configured user.
pub async fn open_local(loaded: &Loaded) -> Result<LocalDesk> {
    let local = &loaded.config.local;
    let location = local.database.to_string_lossy().into_owned();
    LocalDesk::open(
        &location,
        service_config(loaded),
        LocalUser {
            email: local.user_email.clone(),
            name: local.user_name.clone(),
            role: local.role,
        },
    )
    .await
    .wrap_err_with(|| format!("opening the local desk at {location}"))
}

/// A fresh store in a temp dir with the demo data, acting as the demo supervisor. The
/// directory lives as long as the returned guard.
pub async fn open_demo(loaded: &Loaded) -> Result<(LocalDesk, tempfile_dir::Guard)> {
    let dir = tempfile_dir::Guard::new()?;
    let location = dir.path().join("demo.db").to_string_lossy().into_owned();
    let store = Store::open(&location).await?;
    let service = Service::new(store, service_config(loaded));
    crate::demo::load(&service).await?;
    let user = service
        .user_by_email(crate::demo::DEMO_SUPERVISOR)
        .await?
        .filter(|u| u.role == Role::Supervisor)
        .ok_or_else(|| {
            eyre!(
                "the demo data has no supervisor {}",
                crate::demo::DEMO_SUPERVISOR
            )
        })?;
    Ok((LocalDesk::acting_as(service, user), dir))
}

/// A temporary directory removed on drop, without pulling a crate into the binary.
pub mod tempfile_dir {
    use std::path::{Path, PathBuf};

    pub struct Guard(PathBuf);

    const PREFIX: &str = "desk-demo-";

    impl Guard {
        pub fn new() -> std::io::Result<Guard> {
            sweep_stale(&std::env::temp_dir());
            let nonce: u64 = rand::random();
            let path =
                std::env::temp_dir().join(format!("{PREFIX}{}-{nonce:x}", std::process::id()));
            std::fs::create_dir_all(&path)?;
            Ok(Guard(path))
        }

        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Guard {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Demo copies left by a desk that could not clean up (killed, or its terminal
    /// gone before it could): removed once the process that made them is gone.
    fn sweep_stale(dir: &Path) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(pid) = name
                .to_str()
                .and_then(|n| n.strip_prefix(PREFIX))
                .and_then(|rest| rest.split_once('-'))
                .and_then(|(pid, _)| pid.parse::<u32>().ok())
            else {
                continue;
            };
            if pid != std::process::id() && !alive(pid) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }

    #[cfg(target_os = "linux")]
    fn alive(pid: u32) -> bool {
        Path::new(&format!("/proc/{pid}")).exists()
    }

    /// Without /proc there is no cheap way to tell; keep them.
    #[cfg(not(target_os = "linux"))]
    fn alive(_pid: u32) -> bool {
        true
    }
}
