//! The help: every binding, pane by pane, from the keymap; what the one looking may not
//! use is dimmed. Scrolls with the movement keys; any other key closes it.

use ratatui::text::{Line, Span};

use super::reader::Reader;
use crate::tui::action::Action;
use crate::tui::context::Context;
use crate::tui::keymap::Pane;

/// The help, as the one looking sees it now.
pub fn help(ctx: &Context) -> Reader {
    Reader::new("Keys", 76, lines(ctx), false)
}

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
