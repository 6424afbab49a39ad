//! The app without a terminal: actions and keys go in, the real worker talks to a real
//! desk, and the screen comes out of ratatui's `TestBackend`. Tests use this to drive
//! the TUI the way a user would and check what the user would see.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use tokio::sync::mpsc::{self, UnboundedReceiver};

use super::action::Action;
use super::app::App;
use super::context::Settings;
use super::drafts::Drafts;
use super::keymap::Key;
use super::protocol::{Effect, Msg, TermEffect};
use super::worker::Worker;
use crate::client::Desk;
use crate::domain::time::Millis;

pub struct Headless {
    pub app: App,
    worker: Worker,
    rx: UnboundedReceiver<Msg>,
    /// What `y` put on the clipboard.
    pub copied: Vec<String>,
    /// The desktop notifications sent.
    pub notified: Vec<super::alerts::Alert>,
    /// What the next `$EDITOR` sessions will "save".
    pub editor_saves: VecDeque<String>,
}

impl Headless {
    pub async fn start(
        desk: Arc<dyn Desk>,
        settings: Settings,
        drafts: Drafts,
        (width, height): (u16, u16),
        now: Millis,
    ) -> Headless {
        let (tx, rx) = mpsc::unbounded_channel();
        let worker = Worker::new(desk.clone(), settings.files.clone(), tx);
        let app = App::new(desk.info(), settings, drafts, now);
        let mut h = Headless {
            app,
            worker,
            rx,
            copied: Vec::new(),
            notified: Vec::new(),
            editor_saves: VecDeque::new(),
        };
        let mut effects = h.app.resize(width, height);
        effects.extend(h.app.start());
        h.run(effects).await;
        h
    }

    async fn run(&mut self, effects: Vec<Effect>) {
        let mut queue: VecDeque<Effect> = effects.into();
        loop {
            while let Some(effect) = queue.pop_front() {
                match effect {
                    Effect::Desk(call) => self.worker.call(call),
                    Effect::Wake { after_ms, wake } => self.worker.wake(after_ms, wake),
                    Effect::Terminal(TermEffect::Copy(text)) => self.copied.push(text),
                    Effect::Terminal(TermEffect::Notify(alert)) => self.notified.push(alert),
                    Effect::Terminal(TermEffect::Editor(_)) => {
                        let saved = self
                            .editor_saves
                            .pop_front()
                            .ok_or_else(|| "no editor".to_string());
                        queue.extend(self.app.on_msg(Msg::Edited(saved)));
                    }
                    Effect::SaveDrafts(file) => {
                        if let Err(e) = file.write() {
                            queue.extend(self.app.on_msg(Msg::DraftsNotSaved(e)));
                        }
                    }
                }
            }
            // Wait for every answer, and for whatever the answers start.
            match tokio::time::timeout(Duration::from_millis(20), self.rx.recv()).await {
                Ok(Some(msg)) => queue.extend(self.app.on_msg(msg)),
                Ok(None) => return,
                Err(_) if self.worker.pending() == 0 && self.rx.is_empty() => return,
                Err(_) => {}
            }
        }
    }

    /// Sends the answer of a desk that is not there (tests of failure handling).
    pub async fn deliver(&mut self, msg: Msg) {
        let effects = self.app.on_msg(msg);
        self.run(effects).await;
    }

    pub async fn act(&mut self, action: Action) {
        let effects = self.app.act(action);
        self.run(effects).await;
    }

    /// A key as `[keys]` spells it: `j`, `ctrl-s`, `enter`.
    pub async fn press(&mut self, spelling: &str) {
        let key = Key::parse(spelling).unwrap_or_else(|e| panic!("test key {spelling}: {e}"));
        let effects = self.app.on_key(key);
        self.run(effects).await;
    }

    /// Types text one key at a time, as a user would.
    pub async fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            let effects = self.app.on_key(Key::plain(c));
            self.run(effects).await;
        }
    }

    /// The mouse at a cell of the screen, at time `at`.
    pub async fn mouse(&mut self, mouse: super::mouse::Mouse) {
        let effects = self.app.on_mouse(mouse);
        self.run(effects).await;
    }

    pub async fn tick(&mut self, now: Millis) {
        let effects = self.app.tick(now);
        self.run(effects).await;
    }

    pub async fn resize(&mut self, width: u16, height: u16) {
        let effects = self.app.resize(width, height);
        self.run(effects).await;
    }

    /// The screen as the terminal would show it.
    pub fn buffer(&self) -> Buffer {
        render(&self.app)
    }

    /// The screen's text, one line per row, trailing spaces trimmed.
    pub fn screen(&self) -> String {
        screen_text(&self.buffer())
    }
}

pub fn render(app: &App) -> Buffer {
    let screen = app.ctx.layout.screen;
    let backend = TestBackend::new(screen.width, screen.height);
    let mut terminal = match Terminal::new(backend) {
        Ok(t) => t,
        Err(e) => match e {},
    };
    let _ = terminal.draw(|frame| super::render::draw(frame, app));
    terminal.backend().buffer().clone()
}

pub fn screen_text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        for x in 0..area.width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
