//! The message log (`m`, `:messages`): every notice the status line showed, newest
//! first, with its time and in full, since the status line cuts long ones. Scrolls with
//! the movement keys; any other key closes it.

use std::any::Any;

use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{Outcome, Overlay, centered, popup, scrolled};
use crate::tui::action::Action;
use crate::tui::context::Context;
use crate::tui::keymap::{Key, Pane};
use crate::tui::status::{Logged, Status};

#[derive(Debug, Default)]
pub struct Messages {
    /// Newest first.
    pub entries: Vec<Logged>,
    scroll: usize,
}

impl Messages {
    pub fn of(status: &Status) -> Messages {
        Messages {
            entries: status.log.iter().rev().cloned().collect(),
            scroll: 0,
        }
    }

    fn lines(&self, ctx: &Context) -> Vec<Line<'static>> {
        let theme = ctx.theme();
        if self.entries.is_empty() {
            return vec![Line::styled("nothing yet", theme.dim())];
        }
        self.entries
            .iter()
            .map(|e| {
                let style = if e.notice.error {
                    theme.error()
                } else {
                    theme.plain()
                };
                Line::from(vec![
                    Span::styled(format!("{}  ", clock(e.at)), theme.dim()),
                    Span::styled(e.notice.text.clone(), style),
                ])
            })
            .collect()
    }
}

/// The time of day in the local time zone, as a person reads a log.
fn clock(at: crate::domain::time::Millis) -> String {
    chrono::DateTime::from_timestamp_millis(at)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%H:%M:%S")
                .to_string()
        })
        .unwrap_or_default()
}

impl Overlay for Messages {
    // Read with the detail's keys, as the help is.
    fn pane(&self) -> Pane {
        Pane::Detail
    }

    fn act(&mut self, action: Action, ctx: &Context) -> Outcome {
        let max = self.entries.len().saturating_sub(1);
        match scrolled(self.scroll, action, max, ctx.layout.list_rows()) {
            Some(to) => {
                self.scroll = to;
                Outcome::keep()
            }
            None => Outcome::close(),
        }
    }

    fn input(&mut self, _key: Key, _ctx: &Context) -> Outcome {
        Outcome::close()
    }

    fn hints(&self, ctx: &Context) -> Vec<(String, &'static str)> {
        vec![(ctx.word(Pane::Detail, Action::Back), "close")]
    }

    fn draw(&self, frame: &mut Frame, ctx: &Context) {
        let area = ctx.layout.screen;
        let rect = centered(area, 100, area.height.saturating_sub(2));
        let title = format!(
            "Messages, newest first — any other key closes; {}/{} scroll",
            ctx.word(Pane::Detail, Action::Down),
            ctx.word(Pane::Detail, Action::Up),
        );
        let inner = popup(frame, ctx, rect, &title);
        let lines: Vec<Line> = self.lines(ctx).into_iter().skip(self.scroll).collect();
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
