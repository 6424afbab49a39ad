//! `desk` with no command: the terminal UI on the desk the config and flags choose
//! (the same choice the script commands make), with everything that can be wrong with
//! the config reported before the terminal is taken over.

use std::io::IsTerminal;
use std::sync::Arc;

use crate::client::Desk;
use crate::config::Config;
use crate::tui;

use super::fail::Fail;
use super::session::{self, Choice};

pub async fn run(cli: super::Cli) -> i32 {
    match open_and_run(cli).await {
        Ok(()) => 0,
        Err(fail) => {
            eprintln!("desk: {}", fail.one_line());
            fail.code
        }
    }
}

async fn open_and_run(cli: super::Cli) -> Result<(), Fail> {
    let loaded = Config::load(cli.config.as_deref()).map_err(|e| Fail::usage(e.to_string()))?;
    let settings = tui::settings(&loaded).map_err(|e| Fail::usage(e.to_string()))?;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Fail::usage(
            "the desk TUI needs a terminal; scripts use `desk tickets list` and the other commands (see --help)",
        ));
    }
    let choice = Choice {
        server: cli.server,
        offline: cli.offline,
        demo: cli.demo,
    };
    // Before anything is made that must be cleaned up (the demo's copy).
    let signals = tui::terminal::Signals::new()
        .map_err(|e| Fail::unavailable(format!("cannot listen for signals: {e}")))?;
    let opened = session::open_patiently(&loaded, &choice).await?;
    let (desk, guard) = opened.into_parts();
    let desk: Arc<dyn Desk> = Arc::from(desk);
    let data_dir = crate::config::data_dir();
    let drafts = if guard.is_some() {
        // The demo desk is thrown away on exit; so are its drafts.
        tui::drafts::Drafts::in_memory()
    } else {
        let info = desk.info();
        let path = tui::drafts::Drafts::path_for(&data_dir, &info.location, &info.user);
        let (drafts, warning) = tui::drafts::Drafts::open(path);
        if let Some(w) = warning {
            eprintln!("desk: {w}");
        }
        drafts
    };
    let _log = init_file_logging(&data_dir);
    let outcome = tui::run(desk, settings, drafts, signals).await;
    drop(guard);
    outcome.map_err(|e| Fail::unavailable(format!("the TUI stopped: {e}")))
}

/// While the TUI owns the terminal, logs go to `tui.log` in the data directory.
fn init_file_logging(
    data_dir: &std::path::Path,
) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    std::fs::create_dir_all(data_dir).ok()?;
    let appender = tracing_appender::rolling::never(data_dir, "tui.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("DESK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
