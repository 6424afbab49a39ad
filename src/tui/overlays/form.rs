//! The new-ticket form's fields above the composer's text: a title, and a category and
//! a priority chosen from the desk's lists.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui_textarea::TextArea;

use super::{line_input, text_of};
use crate::tui::action::Action;
use crate::tui::context::Context;
use crate::tui::keymap::Pane;

/// Where typing goes in the form, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormField {
    Title,
    Category,
    Priority,
    Description,
}

impl FormField {
    fn next(self) -> FormField {
        match self {
            FormField::Title => FormField::Category,
            FormField::Category => FormField::Priority,
            FormField::Priority => FormField::Description,
            FormField::Description => FormField::Title,
        }
    }
}

pub struct TicketForm {
    pub title: TextArea<'static>,
    categories: Vec<String>,
    category: usize,
    priorities: Vec<String>,
    priority: usize,
    pub field: FormField,
}

impl TicketForm {
    /// The desk's active categories and its priorities, General and Medium chosen.
    pub fn new(title: &str, ctx: &Context) -> TicketForm {
        let categories: Vec<String> = ctx
            .refs
            .categories
            .iter()
            .filter(|c| c.active)
            .map(|c| c.name.clone())
            .collect();
        let priorities: Vec<String> = ctx.refs.priorities.iter().map(|p| p.name.clone()).collect();
        let category = categories.iter().position(|c| c == "General").unwrap_or(0);
        let priority = priorities.iter().position(|p| p == "Medium").unwrap_or(0);
        TicketForm {
            title: line_input(title),
            categories,
            category,
            priorities,
            priority,
            field: FormField::Title,
        }
    }

    pub fn title_text(&self) -> String {
        text_of(&self.title)
    }

    pub fn category(&self) -> Option<&str> {
        self.categories.get(self.category).map(String::as_str)
    }

    pub fn priority(&self) -> Option<&str> {
        self.priorities.get(self.priority).map(String::as_str)
    }

    /// The cursor is on a category or priority (the choice keys change it).
    pub fn on_choice(&self) -> bool {
        matches!(self.field, FormField::Category | FormField::Priority)
    }

    pub fn next_field(&mut self) {
        self.field = self.field.next();
    }

    /// Steps the category or priority under the cursor; false when the cursor is in a
    /// text field (the key is then typed).
    pub fn step_choice(&mut self, forward: bool) -> bool {
        let (len, index) = match self.field {
            FormField::Category => (self.categories.len(), &mut self.category),
            FormField::Priority => (self.priorities.len(), &mut self.priority),
            FormField::Title | FormField::Description => return false,
        };
        if len > 0 {
            *index = if forward {
                (*index + 1) % len
            } else {
                (*index + len - 1) % len
            };
        }
        true
    }

    /// Draws the fields at the top of `area`; returns the room left for the description.
    pub fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Context) -> Rect {
        let theme = ctx.theme();
        let [title_row, cat_row, pri_row, _, rest] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(1),
        ])
        .areas(area);
        let label = |field: FormField, name: &str| {
            let style = if self.field == field {
                theme.key()
            } else {
                theme.dim()
            };
            Span::styled(format!("{name:<12}"), style)
        };
        let [l, r] =
            Layout::horizontal([Constraint::Length(12), Constraint::Min(1)]).areas(title_row);
        frame.render_widget(
            Paragraph::new(Line::from(label(FormField::Title, "Title"))),
            l,
        );
        frame.render_widget(&self.title, r);
        let change = format!(
            "  {}/{} to change",
            ctx.word(Pane::Composer, Action::PrevChoice),
            ctx.word(Pane::Composer, Action::NextChoice),
        );
        let choice = |field: FormField, name: &str, value: Option<&str>| {
            Line::from(vec![
                label(field, name),
                Span::raw(format!("‹ {} ›", value.unwrap_or("—"))),
                Span::styled(
                    if self.field == field {
                        change.clone()
                    } else {
                        String::new()
                    },
                    theme.dim(),
                ),
            ])
        };
        frame.render_widget(
            Paragraph::new(choice(FormField::Category, "Category", self.category())),
            cat_row,
        );
        frame.render_widget(
            Paragraph::new(choice(FormField::Priority, "Priority", self.priority())),
            pri_row,
        );
        if self.field == FormField::Description {
            return rest;
        }
        let [head, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(rest);
        let reach = format!(
            "Description ({} to reach it)",
            ctx.word(Pane::Composer, Action::NextField)
        );
        frame.render_widget(Paragraph::new(Line::styled(reach, theme.dim())), head);
        body
    }
}
