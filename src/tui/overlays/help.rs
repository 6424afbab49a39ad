//! The help: every binding, pane by pane, from the keymap; what the one looking may not
//! use is dimmed. Scrolls with the movement keys; any other key closes it.

use std::any::Any;

use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Outcome, Overlay, centered, popup, scrolled};
use crate::tui::action::Action;
use crate::tui::context::Context;
use crate::tui::keymap::{Key, Pane};
use crate::tui::panes::ticket_text;

#[derive(Debug, Default)]
pub struct Help {
    scroll: usize,
}

impl Help {
    fn lines(ctx: &Context) -> Vec<Line<'static>> {
        let theme = ctx.theme();
        let mut lines = Vec::new();
        for pane in Pane::ALL {
            let bindings: Vec<_> = ctx
                .keymap()
                .all()
                .iter()
                .filter(|b| b.pane == pane)
                .collect();
            if bindings.is_empty() {
                continue;
            }
            lines.push(Line::styled(pane.heading(), theme.header()));
            for b in bindings {
                // The nine saved views read as one line when they have their digit keys.
                let (keys, what) = match b.actions.as_slice() {
                    [Action::View1] if b.keys_text() == "1" => (
                        "1-9".to_string(),
                        "saved views 1 to 9 ([[views]] in the config)".to_string(),
                    ),
                    [a] if a
                        .view_number()
                        .is_some_and(|n| b.keys_text() == n.to_string()) =>
                    {
                        continue;
                    }
                    _ => (b.keys_text(), b.describe()),
                };
                let usable = b
                    .actions
                    .iter()
                    .all(|a| a.view_number().is_some() || ctx.available(*a));
                lines.push(Line::from(if usable {
                    vec![
                        Span::styled(format!("  {keys:<18}"), theme.key()),
                        Span::raw(what),
                    ]
                } else {
                    vec![
                        Span::styled(format!("  {keys:<18}"), theme.dim()),
                        Span::styled(what, theme.dim()),
                    ]
                }));
            }
        }
        lines
    }
}

impl Overlay for Help {
    // Read with the detail's keys: the same movement keys scroll it.
    fn pane(&self) -> Pane {
        Pane::Detail
    }

    fn act(&mut self, action: Action, ctx: &Context) -> Outcome {
        let max = Help::lines(ctx).len();
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
        let rect = centered(area, 76, area.height.saturating_sub(2));
        let title = format!(
            "Keys — any other key closes; {}/{} scroll",
            ctx.word(Pane::Detail, Action::Down),
            ctx.word(Pane::Detail, Action::Up),
        );
        let inner = popup(frame, ctx, rect, &title);
        let lines = Help::lines(ctx);
        let shown = ticket_text::window(lines, self.scroll, inner.height);
        frame.render_widget(Paragraph::new(shown), inner);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
