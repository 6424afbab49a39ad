//! A read-only page over the screen (the help, the message log): its lines are made when
//! it opens; the movement keys scroll it and any other key closes it.

use std::any::Any;

use ratatui::Frame;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::{Outcome, Overlay, centered, popup, scrolled};
use crate::tui::action::Action;
use crate::tui::context::Context;
use crate::tui::keymap::{Key, Pane};
use crate::tui::panes::ticket_text;

pub struct Reader {
    heading: &'static str,
    width: u16,
    lines: Vec<Line<'static>>,
    /// Long lines wrap (messages); otherwise they are cut (the help's columns).
    wrap: bool,
    scroll: usize,
}

impl Reader {
    pub fn new(heading: &'static str, width: u16, lines: Vec<Line<'static>>, wrap: bool) -> Reader {
        Reader {
            heading,
            width,
            lines,
            wrap,
            scroll: 0,
        }
    }
}

impl Overlay for Reader {
    // Read with the detail's keys: the same movement keys scroll it.
    fn pane(&self) -> Pane {
        Pane::Detail
    }

    fn act(&mut self, action: Action, ctx: &Context) -> Outcome {
        let max = self.lines.len().saturating_sub(1);
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
        let rect = centered(area, self.width, area.height.saturating_sub(2));
        let title = format!(
            "{} — any other key closes; {}/{} scroll",
            self.heading,
            ctx.word(Pane::Detail, Action::Down),
            ctx.word(Pane::Detail, Action::Up),
        );
        let inner = popup(frame, ctx, rect, &title);
        if self.wrap {
            let lines: Vec<Line> = self.lines.iter().skip(self.scroll).cloned().collect();
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        } else {
            let shown = ticket_text::window(self.lines.clone(), self.scroll, inner.height);
            frame.render_widget(Paragraph::new(shown), inner);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
