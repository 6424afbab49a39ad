//! The terminal UI. `app` holds the state and the update function, routing keys and
//! messages to the panes (`panes/`) and overlays (`overlays/`), which hold their own
//! state and drawing; `render` puts a frame together in the areas `layout` computed;
//! `protocol` is what flows between the app and the world (`worker` makes the desk
//! calls, this module's loop owns the terminal); `sync` keeps the refresh schedule; the
//! keys come from `keymap` (defaults in `assets/keymap.toml`) naming `action`s.
//! Everything the loop drives can also run headless (`headless`).

pub mod action;
pub mod alerts;
pub mod app;
pub mod context;
pub mod drafts;
pub mod files;
pub mod headless;
pub mod keymap;
pub mod layout;
pub mod links;
pub mod mouse;
pub mod overlays;
pub mod panes;
pub mod protocol;
pub mod refs;
mod render;
pub mod status;
pub mod sync;
pub mod terminal;
pub mod theme;
pub mod undo;
pub mod worker;

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use ratatui::crossterm::event::{Event, EventStream, KeyEventKind};
use tokio::sync::mpsc;

use crate::client::Desk;
use crate::config::{ImagePreview, Loaded};
use crate::domain::time;

pub use app::App;
pub use context::Settings;
pub use keymap::{Keymap, KeymapError};
use protocol::TermEffect;
pub use protocol::{Effect, Msg};

/// Everything the TUI needs from the configuration, checked before the terminal is
/// taken over so a mistake is reported on a normal screen.
pub fn settings(loaded: &Loaded) -> Result<Settings, KeymapError> {
    Ok(Settings {
        refresh_interval: loaded.config.ui.refresh_interval,
        views: loaded.config.views.clone(),
        keymap: Keymap::from_config(loaded)?,
        theme: theme::Theme::from_env(loaded.config.ui.theme),
        files: files::Files::new(loaded.config.ui.download_dir.as_deref()),
        images: match loaded.config.ui.images {
            ImagePreview::Off => None,
            ImagePreview::Auto | ImagePreview::Halfblocks => {
                Some(ratatui_image::picker::Picker::halfblocks())
            }
        },
        query_graphics: loaded.config.ui.images == ImagePreview::Auto && graphics_likely(),
        notify: loaded.config.ui.notify.clone(),
        mouse: loaded.config.ui.mouse && mouse::terminal_reports_mouse(),
        hyperlinks: loaded.config.ui.hyperlinks,
    })
}

/// Whether the terminal's environment says it may draw images (kitty, iTerm2, WezTerm,
/// ghostty, foot, Konsole…). Only then is it asked, since asking a terminal that does
/// not answer costs a wait at start-up.
fn graphics_likely() -> bool {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let term = var("TERM");
    let program = var("TERM_PROGRAM");
    [
        "KITTY_WINDOW_ID",
        "WEZTERM_EXECUTABLE",
        "KONSOLE_VERSION",
        "GHOSTTY_RESOURCES_DIR",
    ]
    .iter()
    .any(|v| !var(v).is_empty())
        || ["kitty", "ghostty", "wezterm", "foot", "mlterm", "sixel"]
            .iter()
            .any(|t| term.contains(t))
        || ["iTerm.app", "WezTerm", "ghostty", "mintty"].contains(&program.as_str())
}

/// Runs the TUI on `desk` until the user quits. The terminal is restored on every way
/// out: quit, error, panic or signal.
/// `signals` are taken before the desk is opened, so a hang-up while it opens still
/// lets the caller clean up.
pub async fn run(
    desk: Arc<dyn Desk>,
    mut settings: Settings,
    drafts: drafts::Drafts,
    mut signals: terminal::Signals,
) -> color_eyre::Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let worker = worker::Worker::new(desk.clone(), settings.files.clone(), tx.clone());
    let mut term = terminal::Term::enter(settings.mouse)?;
    // Asked once the screen is ours and before its input is read, as the terminal's
    // answer arrives on that input.
    if settings.query_graphics
        && let Ok(picker) = ratatui_image::picker::Picker::from_query_stdio()
    {
        settings.images = Some(picker);
    }
    let mut app = App::new(desk.info(), settings, drafts, time::now());
    let size = term.size()?;
    let mut effects = app.resize(size.width, size.height);
    effects.extend(app.start());
    if let Some(watch) = watcher(desk.clone(), tx.clone()) {
        tokio::spawn(watch);
    }
    let mut events = EventStream::new();
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        perform_all(&mut app, &worker, &mut term, effects);
        if app.quit {
            break;
        }
        if app.dirty {
            let links = app.link_area();
            term.draw_linked(|frame| render::draw(frame, &app), links)?;
            app.dirty = false;
        }
        effects = tokio::select! {
            first = events.next() => {
                let mut next = first;
                // Everything already typed is taken before the next frame: a burst of
                // input (a paste, keys typed while a frame was drawn) is read as it was
                // sent, not one event per frame.
                loop {
                    match next {
                        Some(Ok(event)) => {
                            let answer = on_event(&mut app, event);
                            perform_all(&mut app, &worker, &mut term, answer);
                        }
                        Some(Err(e)) => return Err(e.into()),
                        None => app.quit = true,
                    }
                    if app.quit {
                        break;
                    }
                    // Asked of the terminal, not by polling the stream outside this
                    // task: a stream polled without our waker hands its wake-up to
                    // nobody, and the next key would wait for the tick.
                    if !matches!(crossterm::event::poll(Duration::ZERO), Ok(true)) {
                        break;
                    }
                    next = events.next().await;
                }
                Vec::new()
            },
            Some(msg) = rx.recv() => app.on_msg(msg),
            _ = ticks.tick() => app.tick(time::now()),
            _ = signals.next() => break,
        };
    }
    // Whatever is open is kept (a quit key has kept it already; this is a no-op then).
    let mut unsaved = Vec::new();
    for effect in app.keep_open_draft() {
        if let Effect::SaveDrafts(file) = effect
            && let Err(e) = file.write()
        {
            unsaved.push(e);
        }
    }
    term.leave()?;
    // On the normal screen, where the user can read it.
    for e in unsaved {
        eprintln!("desk: {e}");
    }
    Ok(())
}

fn on_event(app: &mut App, event: Event) -> Vec<Effect> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => {
            keymap::Key::from_event(&key).map_or_else(Vec::new, |key| app.on_key(key))
        }
        Event::Resize(w, h) => app.resize(w, h),
        Event::Paste(text) => app.paste(&text),
        Event::Mouse(m) => {
            mouse::Mouse::from_event(&m, time::now()).map_or_else(Vec::new, |m| app.on_mouse(m))
        }
        _ => Vec::new(),
    }
}

/// Carries out effects until none are left: carrying one out can answer at once (the
/// editor, a failed draft write), and the answer can ask for more.
fn perform_all(
    app: &mut App,
    worker: &worker::Worker,
    term: &mut terminal::Term,
    mut effects: Vec<Effect>,
) {
    while !effects.is_empty() {
        let mut answers = Vec::new();
        for effect in effects.drain(..) {
            answers.extend(perform(app, worker, term, effect));
        }
        effects = answers;
    }
}

/// Carries out one effect: desk calls and wake-ups go to the worker; the loop does what
/// needs the terminal or the disk at once, and returns what the app answers.
fn perform(
    app: &mut App,
    worker: &worker::Worker,
    term: &mut terminal::Term,
    effect: Effect,
) -> Vec<Effect> {
    match effect {
        Effect::Desk(call) => worker.call(call),
        Effect::Wake { after_ms, wake } => worker.wake(after_ms, wake),
        Effect::Terminal(TermEffect::Copy(text)) => term.copy(&text),
        Effect::Terminal(TermEffect::Notify(alert)) => term.notify(&alert),
        Effect::Terminal(TermEffect::Editor(text)) => {
            let edited = term.edit_externally(&text);
            return app.on_msg(Msg::Edited(edited));
        }
        Effect::SaveDrafts(file) => {
            if let Err(e) = file.write() {
                return app.on_msg(Msg::DraftsNotSaved(e));
            }
        }
    }
    Vec::new()
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
