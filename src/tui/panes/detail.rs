//! The detail pane: which ticket it shows, loading it (one request at a time, after the
//! cursor rests), scrolling, and drawing. Its text comes from [`super::ticket_text`].

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::client::DeskError;
use crate::domain::requests::TicketView;
use crate::store::outbox::Delivery;
use crate::tui::action::Action;
use crate::tui::context::Context;
use crate::tui::layout::Layout;
use crate::tui::protocol::{Call, Effect, Wake};

use super::ticket_text;

/// How long the cursor rests on a ticket before the detail pane follows it.
pub const DETAIL_SETTLE_MS: u64 = 60;

#[derive(Debug, Clone, Default)]
pub struct DetailPane {
    /// The ticket asked for (the selection); `view` may still be an older one.
    pub key: Option<String>,
    pub view: Option<TicketView>,
    /// The notifications sent about the ticket shown, for its timeline.
    pub sent: Vec<Delivery>,
    pub scroll: usize,
    pub error: Option<String>,
    /// A request (or the wait before it) is out.
    in_flight: bool,
    /// A change landed while a request was out: ask again when it returns.
    stale: bool,
    /// The loaded ticket's line count at a width: counted when it loads or the width
    /// changes, not on every scroll key.
    measured: Option<(u16, usize)>,
}

impl DetailPane {
    pub fn shows(&self, key: &str) -> bool {
        self.view.as_ref().is_some_and(|v| v.ticket.key == key)
    }

    fn asked_for(&self, key: &str) -> bool {
        self.key.as_deref() == Some(key)
    }

    /// Shows `key`; `settle` waits for the cursor to rest first, so holding `j` neither
    /// asks the desk for every ticket passed nor redraws the pane for each (a cursor move
    /// stays a small write over SSH).
    pub fn show(&mut self, key: String, settle: bool) -> Vec<Effect> {
        if self.asked_for(&key) && self.shows(&key) {
            return Vec::new();
        }
        if !self.asked_for(&key) {
            self.scroll = 0;
        }
        self.key = Some(key);
        self.load(settle)
    }

    /// One request (or wait) at a time; the newest selection wins when it ends.
    fn load(&mut self, settle: bool) -> Vec<Effect> {
        match (&self.key, self.in_flight) {
            (Some(key), false) => {
                self.in_flight = true;
                let key = key.clone();
                if settle {
                    vec![Effect::Wake {
                        after_ms: DETAIL_SETTLE_MS,
                        wake: Wake::Detail(key),
                    }]
                } else {
                    vec![Call::LoadDetail { key }.into()]
                }
            }
            _ => Vec::new(),
        }
    }

    /// The settle wait for `key` is over.
    pub fn on_wake(&mut self, key: &str) -> Vec<Effect> {
        self.in_flight = false;
        // Still there after the wait: the cursor rested on it.
        let rested = self.asked_for(key);
        self.load(!rested)
    }

    /// Loads the shown ticket again if it is one of `keys`.
    pub fn reload_if_shown(&mut self, keys: &[String]) -> Vec<Effect> {
        match &self.key {
            Some(key) if keys.contains(key) => {
                if self.in_flight {
                    // The answer on its way may predate the change: ask again after it.
                    self.stale = true;
                    Vec::new()
                } else {
                    self.load(false)
                }
            }
            _ => Vec::new(),
        }
    }

    /// The desk answered for `key`; returns the ticket when it is the one wanted, so
    /// the list can show the same version.
    pub fn on_loaded(
        &mut self,
        key: &str,
        result: Result<TicketView, DeskError>,
        sent: Vec<Delivery>,
        ctx: &Context,
    ) -> (Vec<Effect>, Option<crate::domain::model::Ticket>) {
        self.in_flight = false;
        if !self.asked_for(key) {
            // The selection moved on while this was loading.
            return (self.load(true), None);
        }
        let mut ticket = None;
        match result {
            Ok(view) => {
                ticket = Some(view.ticket.clone());
                self.view = Some(view);
                self.sent = sent;
                self.error = None;
                self.measure(ctx);
            }
            Err(e) => self.error = Some(e.to_string()),
        }
        if std::mem::take(&mut self.stale) {
            return (self.load(false), ticket);
        }
        (Vec::new(), ticket)
    }

    /// Counts the lines again (the width or the reference data changed).
    pub fn measure(&mut self, ctx: &Context) {
        let width = ctx.layout.detail_width();
        self.measured = self.view.as_ref().map(|v| {
            let lines = ticket_text::lines(v, &self.sent, &ctx.refs, ctx.theme(), width, ctx.now);
            (width, lines.len())
        });
    }

    /// The movement keys scroll the pane; false for any other action.
    pub fn act(&mut self, action: Action, layout: &Layout) -> bool {
        let half = (layout.list_rows() / 2).max(1) as isize;
        let delta = match action {
            Action::Up => -1,
            Action::Down => 1,
            Action::HalfPageDown => half,
            Action::HalfPageUp => -half,
            Action::Bottom => isize::MAX / 2,
            Action::Top => {
                self.scroll = 0;
                return true;
            }
            _ => return false,
        };
        self.scroll_by(delta, layout);
        true
    }

    fn scroll_by(&mut self, delta: isize, layout: &Layout) {
        let total = self.measured.map_or(0, |(_, n)| n);
        let max = total.saturating_sub(layout.detail_rows());
        self.scroll = self.scroll.saturating_add_signed(delta).min(max);
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Context, focused: bool) {
        let theme = ctx.theme();
        let title = match &self.key {
            Some(key) => format!(" {key} "),
            None => " Detail ".into(),
        };
        let block = Block::new()
            .borders(Borders::ALL)
            .title(title)
            .border_style(theme.border(focused));
        frame.render_widget(block, area);
        let inner = Layout::detail_text(area);
        let Some(view) = &self.view else {
            let text = match (&self.error, &self.key) {
                (Some(e), _) => Line::styled(format!("✗ {e}"), theme.error()),
                (None, Some(_)) => Line::styled("loading…", theme.dim()),
                (None, None) => Line::styled("select a ticket", theme.dim()),
            };
            frame.render_widget(Paragraph::new(text), inner);
            return;
        };
        let mut lines =
            ticket_text::lines(view, &self.sent, &ctx.refs, theme, inner.width, ctx.now);
        if let Some(e) = &self.error {
            lines.insert(
                0,
                Line::styled(format!("✗ {e} (showing what was loaded)"), theme.error()),
            );
        }
        let shown = ticket_text::window(lines, self.scroll, inner.height);
        frame.render_widget(Paragraph::new(shown), inner);
    }
}
