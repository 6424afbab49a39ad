//! The status line: online or not, how fresh the screen is, who is looking, and the last
//! notice (what an action did, or why it failed).

use std::collections::VecDeque;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthChar;

use super::context::Context;
use super::sync::SyncState;
use crate::domain::time::Millis;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
    /// Says what is going on ("refreshing…"), and goes when it is over.
    pub transient: bool,
    pub at: Millis,
}

/// How long a notice too long for the status line also takes the hint line below it.
const SPILL_MS: Millis = 6_000;

/// A notice as the message log keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    pub at: Millis,
    pub notice: Notice,
}

/// How many notices the log keeps; older ones go first.
const LOG_LEN: usize = 500;

#[derive(Debug, Default)]
pub struct Status {
    pub notice: Option<Notice>,
    /// The sync words last drawn, so a tick redraws only when they change.
    clock: String,
    /// Every notice but the transient ones, oldest first, for `:messages`: the status
    /// line cuts long ones.
    pub log: VecDeque<Logged>,
    /// The time notices are logged at (the app keeps it current).
    pub now: Millis,
}

impl Status {
    pub fn at(now: Millis) -> Status {
        Status {
            now,
            ..Status::default()
        }
    }

    pub fn tell(&mut self, text: impl Into<String>) {
        self.show(text.into(), false, false);
    }

    /// A failure: shown, and written to `tui.log` (a failed load or send is worth
    /// finding afterwards).
    pub fn warn(&mut self, text: impl Into<String>) {
        let text = text.into();
        tracing::warn!("{text}");
        self.show(text, true, false);
    }

    /// What is going on until [`Status::done`] says it is over; not logged.
    pub fn busy(&mut self, text: impl Into<String>) {
        self.show(text.into(), false, true);
    }

    /// What [`Status::busy`] said is over: it goes (a newer notice stays).
    pub fn done(&mut self) {
        if self.notice.as_ref().is_some_and(|n| n.transient) {
            self.notice = None;
        }
    }

    fn show(&mut self, text: String, error: bool, transient: bool) {
        let notice = Notice {
            text,
            error,
            transient,
            at: self.now,
        };
        if !transient {
            if self.log.len() == LOG_LEN {
                self.log.pop_front();
            }
            self.log.push_back(Logged {
                at: self.now,
                notice: notice.clone(),
            });
        }
        self.notice = Some(notice);
    }

    /// The notice is new enough to take the hint line if it needs it.
    pub fn fresh(&self, now: Millis) -> bool {
        self.notice
            .as_ref()
            .is_some_and(|n| now.saturating_sub(n.at) < SPILL_MS)
    }

    /// True when the clock's words changed (the screen needs drawing).
    pub fn set_clock(&mut self, clock: String) -> bool {
        if clock == self.clock {
            return false;
        }
        self.clock = clock;
        true
    }

    /// Draws the status line; a fresh notice too long for it goes on over `below` (the
    /// hint line) for a few seconds. True when it took `below`.
    pub fn draw(
        &self,
        frame: &mut Frame,
        (area, below): (Rect, Rect),
        ctx: &Context,
        sync: &SyncState,
        clock: String,
    ) -> bool {
        let theme = ctx.theme();
        let info = &ctx.info;
        let mut spans = Vec::new();
        if sync.failures > 0 {
            spans.push(Span::styled("○ ", theme.error()));
        } else if info.online {
            spans.push(Span::styled("● online ", theme.ok()));
        } else {
            spans.push(Span::styled("● offline (local) ", theme.ok()));
        }
        spans.push(Span::styled(clock, theme.dim()));
        spans.push(Span::styled(
            format!(" · {} ({})", info.user.name, info.user.role),
            theme.dim(),
        ));
        // Signed out, nothing else matters until the user signs in again.
        if sync.signed_out.is_some()
            && let Some(e) = &sync.last_error
        {
            spans.push(Span::raw("  "));
            spans.push(Span::styled(e.clone(), theme.error()));
        } else if let Some(notice) = &self.notice {
            spans.push(Span::raw("  "));
            let style = if notice.error {
                theme.error()
            } else {
                theme.bold()
            };
            spans.push(Span::styled(notice.text.clone(), style));
        } else if let Some(e) = &sync.last_error {
            spans.push(Span::raw("  "));
            spans.push(Span::styled(e.clone(), theme.error()));
        }
        let line = Line::from(spans);
        if let Some(notice) = &self.notice
            && self.fresh(ctx.now)
            && line.width() > usize::from(area.width)
        {
            // The message alone, over two lines; the sync words come back with the hints.
            let style = if notice.error {
                theme.error()
            } else {
                theme.bold()
            };
            let lines: Vec<Line> = split_at_width(&notice.text, usize::from(area.width))
                .into_iter()
                .map(|part| Line::from(Span::styled(part, style)))
                .collect();
            frame.render_widget(Paragraph::new(lines), area.union(below));
            return true;
        }
        frame.render_widget(Paragraph::new(line), area);
        false
    }
}

/// `text` cut into lines of at most `width` columns (where a word ends matters less
/// than fitting as much as two lines can hold).
fn split_at_width(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width.max(1) {
            lines.push(String::new());
            used = 0;
        }
        if let Some(line) = lines.last_mut() {
            line.push(c);
        }
        used += w;
    }
    lines
}
