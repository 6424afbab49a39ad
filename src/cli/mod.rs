//! The command line: argument definitions and what each command does. `main.rs` only
//! parses and dispatches.

mod serve;
mod table;
mod users;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use color_eyre::eyre::{Result, WrapErr, eyre};

use crate::client::{Desk, LocalDesk, LocalUser};
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
        or the server named in the config. `desk --demo` opens a throwaway desk filled \
        with demo data."
)]
pub struct Cli {
    /// Read this config file instead of the platform default.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

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
    /// Manage people directly in a database (the way to make the first admin).
    #[command(subcommand)]
    Users(UsersCommand),
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

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Add a person.
    Add {
        #[arg(long, value_name = "PATH_OR_URL")]
        db: Option<String>,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List everyone.
    List {
        #[arg(long, value_name = "PATH_OR_URL")]
        db: Option<String>,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
}

/// Runs the parsed command line; the process exit code is the answer.
pub async fn run(cli: Cli) -> Result<i32> {
    let loaded = Config::load(cli.config.as_deref())?;
    match cli.command {
        Some(Command::Serve(args)) => serve::run(&loaded, args).await,
        Some(Command::Users(cmd)) => users::run(&loaded, cmd).await,
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
        None if cli.demo => {
            let (desk, _dir) = open_demo(&loaded).await?;
            show_overview(&desk).await?;
            Ok(0)
        }
        None => {
            let desk = open_local(&loaded).await?;
            show_overview(&desk).await?;
            Ok(0)
        }
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

fn service_config(loaded: &Loaded) -> ServiceConfig {
    ServiceConfig {
        key_prefix: loaded.config.desk.key_prefix.clone(),
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

/// Until the terminal UI lands: the open tickets and the desk's numbers.
async fn show_overview(desk: &dyn Desk) -> Result<()> {
    let info = desk.info();
    let list = desk.list_tickets("", Some(100), None).await?;
    let stats = desk.stats().await.ok();
    println!(
        "desk at {} — acting as {} <{}> ({})\n",
        info.location, info.user.name, info.user.email, info.user.role
    );
    print!(
        "{}",
        table::tickets(&list.tickets, crate::domain::time::now())
    );
    if let Some(s) = stats {
        println!(
            "\n{} tickets: {} open, {} pending, {} done; {} past their SLA; {} open and unassigned",
            s.total, s.open, s.pending, s.done, s.breached, s.unassigned_open
        );
    }
    Ok(())
}

/// A temporary directory removed on drop, without pulling a crate into the binary.
pub mod tempfile_dir {
    use std::path::{Path, PathBuf};

    pub struct Guard(PathBuf);

    impl Guard {
        pub fn new() -> std::io::Result<Guard> {
            let nonce: u64 = rand::random();
            let path =
                std::env::temp_dir().join(format!("desk-demo-{}-{nonce:x}", std::process::id()));
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
}
