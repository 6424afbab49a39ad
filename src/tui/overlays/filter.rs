//! The filter bar: the query typed in the query language, checked as it is typed (the
//! error names the column), applied on confirm, left as it was on back.

use std::any::Any;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui_textarea::TextArea;

use super::{Cmd, Outcome, Overlay, line_input, one_line, text_of, type_into};
use crate::domain::query;
use crate::tui::action::Action;
use crate::tui::context::Context;
use crate::tui::keymap::{Code, Key, Pane};
use crate::tui::panes::ticket_text::wrap;

pub struct FilterBar {
    input: TextArea<'static>,
    /// The parse error of what is typed, with its column.
    error: Option<String>,
}

impl FilterBar {
    pub fn new(query: &str) -> FilterBar {
        FilterBar {
            input: line_input(query),
            error: None,
        }
    }

    /// `query` again, with why the desk refused it.
    pub fn refused(query: &str, why: &str) -> FilterBar {
        FilterBar {
            input: line_input(query),
            error: Some(format!("the desk refused this filter: {why}")),
        }
    }

    fn check(&mut self) {
        self.error = query::parse(&text_of(&self.input))
            .err()
            .map(|e| e.to_string());
    }
}

impl Overlay for FilterBar {
    fn pane(&self) -> Pane {
        Pane::Filter
    }

    fn act(&mut self, action: Action, _ctx: &Context) -> Outcome {
        match action {
            Action::Back => Outcome::close(),
            Action::Confirm => {
                let typed = text_of(&self.input);
                match query::parse(&typed) {
                    Ok(_) => Outcome::Close(vec![Cmd::Query(typed.trim().to_string())]),
                    Err(e) => {
                        self.error = Some(e.to_string());
                        Outcome::keep()
                    }
                }
            }
            // Other bound keys (tab, f5) do nothing here rather than type.
            _ => Outcome::keep(),
        }
    }

    fn input(&mut self, key: Key, _ctx: &Context) -> Outcome {
        if key.code != Code::Enter {
            type_into(&mut self.input, key);
            self.check();
        }
        Outcome::keep()
    }

    fn paste(&mut self, text: &str) {
        self.input.insert_str(one_line(text));
        self.check();
    }

    fn draw(&self, frame: &mut Frame, ctx: &Context) {
        let area = ctx.layout.screen;
        // The whole message, however long: it names the column and what was expected.
        let message = self
            .error
            .as_ref()
            .map(|e| wrap(&format!("✗ {e}"), usize::from(area.width.saturating_sub(2))))
            .unwrap_or_default();
        let h = 3 + message.len() as u16;
        let rect = Rect::new(area.x, area.y, area.width, h.min(area.height));
        frame.render_widget(Clear, rect);
        let title = format!(
            " Filter — the query language; {} applies, {} leaves it as it was ",
            ctx.word(Pane::Filter, Action::Confirm),
            ctx.word(Pane::Filter, Action::Back),
        );
        let block = Block::bordered()
            .title(title)
            .border_style(ctx.theme().border(true));
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        let [input_area, error_area] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
        frame.render_widget(&self.input, input_area);
        let lines: Vec<Line> = message
            .into_iter()
            .map(|l| Line::styled(l, ctx.theme().error()))
            .collect();
        frame.render_widget(Paragraph::new(lines), error_area);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
