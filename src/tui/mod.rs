//! The terminal UI: state and update (`app`), drawing (`render`), the keymap as data
//! (`keymap`, `action`), the desk calls behind it (`worker`). This module owns the
//! terminal and the event loop; everything it drives can also run headless (`headless`).

pub mod action;
pub mod app;
mod choices;
pub mod detail;
pub mod drafts;
pub mod headless;
pub mod keymap;
pub mod overlay;
pub mod refs;
pub mod render;
pub mod rows;
pub mod terminal;
pub mod theme;
pub mod worker;

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use ratatui::crossterm::event::{Event, EventStream, KeyEventKind};
use tokio::sync::mpsc;

use crate::client::Desk;
use crate::config::Loaded;
use crate::domain::time;

pub use app::{App, Effect, Msg, Settings};
pub use keymap::{Keymap, KeymapError};

/// Everything the TUI needs from the configuration, checked before the terminal is
/// taken over so a mistake is reported on a normal screen.
pub fn settings(loaded: &Loaded) -> Result<Settings, KeymapError> {
    Ok(Settings {
        refresh_interval: loaded.config.ui.refresh_interval,
        views: loaded.config.views.clone(),
        keymap: Keymap::from_config(loaded)?,
        theme: theme::Theme::from_env(&loaded.config.ui.theme),
    })
}

/// Runs the TUI on `desk` until the user quits. The terminal is restored on every way
/// out: quit, error, panic or signal.
pub async fn run(
    desk: Arc<dyn Desk>,
    settings: Settings,
    drafts: drafts::Drafts,
) -> color_eyre::Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let worker = worker::Worker::new(desk.clone(), tx.clone());
    let mut app = App::new(desk.info(), settings, drafts, time::now());
    let mut term = terminal::Term::enter()?;
    let size = term.size()?;
    let mut effects = app.resize(size.width, size.height);
    effects.extend(app.start());
    if let Some(watch) = watcher(desk.clone(), tx.clone()) {
        tokio::spawn(watch);
    }
    let mut events = EventStream::new();
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut signals = terminal::Signals::new()?;
    loop {
        for effect in effects.drain(..) {
            match effect {
                Effect::Copy(text) => term.copy(&text),
                Effect::Editor(text) => {
                    let edited = term.edit_externally(&text);
                    effects_after_editor(&mut app, edited);
                }
                other => worker.run(other),
            }
        }
        if app.quit {
            break;
        }
        if app.dirty {
            term.draw(&app)?;
            app.dirty = false;
        }
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                    if let Some(key) = keymap::Key::from_event(&key) {
                        effects = app.on_key(key);
                    }
                }
                Some(Ok(Event::Resize(w, h))) => effects = app.resize(w, h),
                Some(Ok(Event::Paste(text))) => effects = app.paste(&text),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            Some(msg) = rx.recv() => effects = app.on_msg(msg),
            _ = ticks.tick() => effects = app.tick(time::now()),
            _ = signals.next() => {
                app.keep_open_draft();
                break;
            }
        }
    }
    app.keep_open_draft();
    term.leave()?;
    Ok(())
}

fn effects_after_editor(app: &mut App, edited: Result<String, String>) {
    let _ = app.on_msg(Msg::Edited(edited));
    app.dirty = true;
}

/// Follows the desk's pushes (a server's event stream) and nudges the app to refresh;
/// reconnects with backoff. Polling goes on regardless, so this only makes changes
/// arrive sooner.
fn watcher(
    desk: Arc<dyn Desk>,
    tx: mpsc::UnboundedSender<Msg>,
) -> Option<impl std::future::Future<Output = ()> + Send + 'static> {
    let mut first = Some(desk.watch()?);
    Some(async move {
        let mut wait = Duration::from_secs(1);
        loop {
            let Some(mut stream) = first.take().or_else(|| desk.watch()) else {
                return;
            };
            let mut connected = false;
            while let Some(item) = stream.next().await {
                match item {
                    Ok(()) => {
                        if !connected {
                            connected = true;
                            wait = Duration::from_secs(1);
                            if tx.send(Msg::Live(true)).is_err() {
                                return;
                            }
                        }
                        if tx.send(Msg::Nudge).is_err() {
                            return;
                        }
                    }
                    Err(_) => break,
                }
            }
            if tx.send(Msg::Live(false)).is_err() {
                return;
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(30));
        }
    })
}
