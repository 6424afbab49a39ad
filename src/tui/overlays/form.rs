//! The new-ticket form's fields above the composer's text: a title, the requester (staff
//! filing for a customer), a category and a priority chosen from the desk's lists (typing
//! narrows them), tags and custom fields.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui_textarea::TextArea;

use super::{line_input, one_line, text_of, type_into};
use crate::domain::requests::NewTicket;
use crate::tui::action::Action;
use crate::tui::context::Context;
use crate::tui::keymap::{Code, Key, Pane};

/// Where typing goes in the form, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormField {
    Title,
    Requester,
    Category,
    Priority,
    Tags,
    Fields,
    Description,
}

impl FormField {
    const ORDER: [FormField; 7] = [
        FormField::Title,
        FormField::Requester,
        FormField::Category,
        FormField::Priority,
        FormField::Tags,
        FormField::Fields,
        FormField::Description,
    ];

    fn label(self) -> &'static str {
        match self {
            FormField::Title => "Title",
            FormField::Requester => "Requester",
            FormField::Category => "Category",
            FormField::Priority => "Priority",
            FormField::Tags => "Tags",
            FormField::Fields => "Fields",
            FormField::Description => "Description",
        }
    }

    /// Filing for someone else and custom fields are for staff.
    fn staff_only(self) -> bool {
        matches!(self, FormField::Requester | FormField::Fields)
    }
}

/// One of the desk's lists, narrowed by what is typed while it has the cursor.
struct Choice {
    options: Vec<String>,
    chosen: usize,
    typed: String,
}

impl Choice {
    fn new(options: Vec<String>, default: &str) -> Choice {
        let chosen = options.iter().position(|o| o == default).unwrap_or(0);
        Choice {
            options,
            chosen,
            typed: String::new(),
        }
    }

    fn value(&self) -> Option<&str> {
        self.options.get(self.chosen).map(String::as_str)
    }

    /// Indices of the options that contain what is typed.
    fn matching(&self) -> Vec<usize> {
        let typed = self.typed.to_lowercase();
        (0..self.options.len())
            .filter(|&i| self.options[i].to_lowercase().contains(&typed))
            .collect()
    }

    fn step(&mut self, forward: bool) {
        let matching = self.matching();
        if matching.is_empty() {
            return;
        }
        let at = matching.iter().position(|&i| i == self.chosen);
        let next = match (at, forward) {
            (None, _) => 0,
            (Some(at), true) => (at + 1) % matching.len(),
            (Some(at), false) => (at + matching.len() - 1) % matching.len(),
        };
        self.chosen = matching[next];
    }

    /// A typed character narrows the list to the options containing the text so far,
    /// and the choice moves to the first of them.
    fn narrow(&mut self, key: Key) {
        match key.code {
            Code::Char(c) if key.is_text() => self.typed.push(c),
            Code::Backspace => {
                self.typed.pop();
            }
            _ => return,
        }
        if let Some(&first) = self.matching().first()
            && !self.matching().contains(&self.chosen)
        {
            self.chosen = first;
        }
    }
}

pub struct TicketForm {
    pub title: TextArea<'static>,
    requester: TextArea<'static>,
    category: Choice,
    priority: Choice,
    tags: TextArea<'static>,
    fields: TextArea<'static>,
    pub field: FormField,
    staff: bool,
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
        TicketForm {
            title: line_input(title),
            requester: line_input(""),
            category: Choice::new(categories, "General"),
            priority: Choice::new(priorities, "Medium"),
            tags: line_input(""),
            fields: line_input(""),
            field: FormField::Title,
            staff: ctx.info.user.role.is_staff(),
        }
    }

    pub fn title_text(&self) -> String {
        text_of(&self.title)
    }

    pub fn category(&self) -> Option<&str> {
        self.category.value()
    }

    pub fn priority(&self) -> Option<&str> {
        self.priority.value()
    }

    /// The ticket the form describes, with `description`; or which field is wrong.
    pub fn ticket(&self, description: String) -> Result<NewTicket, (FormField, String)> {
        let title = self.title_text().trim().to_string();
        if title.is_empty() {
            return Err((FormField::Title, "a new ticket needs a title".into()));
        }
        let requester = text_of(&self.requester).trim().to_string();
        let mut custom_fields = BTreeMap::new();
        for pair in text_of(&self.fields).split(',').map(str::trim) {
            if pair.is_empty() {
                continue;
            }
            let Some((k, v)) = pair.split_once('=') else {
                return Err((
                    FormField::Fields,
                    format!("fields are name=value, separated by commas (`{pair}` has no =)"),
                ));
            };
            custom_fields.insert(
                k.trim().to_string(),
                serde_json::Value::String(v.trim().to_string()),
            );
        }
        Ok(NewTicket {
            title,
            description,
            category: self.category().map(str::to_string),
            priority: self.priority().map(str::to_string),
            tags: text_of(&self.tags)
                .split_whitespace()
                .map(str::to_lowercase)
                .collect(),
            custom_fields: custom_fields.into_iter().collect(),
            requester_email: Some(requester).filter(|r| !r.is_empty()),
            ..NewTicket::default()
        })
    }

    /// The cursor is on a category or priority (the choice keys change it).
    pub fn on_choice(&self) -> bool {
        matches!(self.field, FormField::Category | FormField::Priority)
    }

    pub fn next_field(&mut self) {
        let at = FormField::ORDER
            .iter()
            .position(|f| *f == self.field)
            .unwrap_or(0);
        let mut next = at;
        loop {
            next = (next + 1) % FormField::ORDER.len();
            let field = FormField::ORDER[next];
            if self.staff || !field.staff_only() {
                self.field = field;
                break;
            }
        }
        self.category.typed.clear();
        self.priority.typed.clear();
    }

    /// Steps the category or priority under the cursor; false when the cursor is in a
    /// text field (the key is then typed).
    pub fn step_choice(&mut self, forward: bool) -> bool {
        match self.choice_mut() {
            Some(choice) => {
                choice.step(forward);
                true
            }
            None => false,
        }
    }

    fn choice_mut(&mut self) -> Option<&mut Choice> {
        match self.field {
            FormField::Category => Some(&mut self.category),
            FormField::Priority => Some(&mut self.priority),
            _ => None,
        }
    }

    fn line_mut(&mut self) -> Option<&mut TextArea<'static>> {
        match self.field {
            FormField::Title => Some(&mut self.title),
            FormField::Requester => Some(&mut self.requester),
            FormField::Tags => Some(&mut self.tags),
            FormField::Fields => Some(&mut self.fields),
            _ => None,
        }
    }

    /// A key typed in the form; false when the cursor is in the description.
    pub fn type_key(&mut self, key: Key) -> bool {
        if let Some(choice) = self.choice_mut() {
            choice.narrow(key);
            return true;
        }
        match self.line_mut() {
            Some(line) => {
                if key.code != Code::Enter {
                    type_into(line, key);
                }
                true
            }
            None => false,
        }
    }

    /// Pasted into the form; false when the cursor is in the description.
    pub fn paste(&mut self, text: &str) -> bool {
        if self.on_choice() {
            return true;
        }
        match self.line_mut() {
            Some(line) => {
                line.insert_str(one_line(text));
                true
            }
            None => false,
        }
    }

    /// Draws the fields at the top of `area`; returns the room left for the description.
    pub fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Context) -> Rect {
        let theme = ctx.theme();
        let shown: Vec<FormField> = FormField::ORDER
            .into_iter()
            .filter(|f| *f != FormField::Description && (self.staff || !f.staff_only()))
            .collect();
        let mut constraints: Vec<Constraint> =
            shown.iter().map(|_| Constraint::Length(1)).collect();
        constraints.push(Constraint::Length(1));
        constraints.push(Constraint::Min(1));
        let rows = Layout::vertical(constraints).split(area);
        let label = |field: FormField| {
            let style = if self.field == field {
                theme.key()
            } else {
                theme.dim()
            };
            Span::styled(format!("{:<12}", field.label()), style)
        };
        let change = format!(
            "  {}/{} to change, type to narrow",
            ctx.word(Pane::Composer, Action::PrevChoice),
            ctx.word(Pane::Composer, Action::NextChoice),
        );
        for (i, field) in shown.iter().enumerate() {
            let row = rows[i];
            let [l, r] =
                Layout::horizontal([Constraint::Length(12), Constraint::Min(1)]).areas(row);
            frame.render_widget(Paragraph::new(Line::from(label(*field))), l);
            let choice = match field {
                FormField::Category => Some(&self.category),
                FormField::Priority => Some(&self.priority),
                _ => None,
            };
            match choice {
                Some(choice) => {
                    let mut spans =
                        vec![Span::raw(format!("‹ {} ›", choice.value().unwrap_or("—")))];
                    if self.field == *field {
                        if !choice.typed.is_empty() {
                            let n = choice.matching().len();
                            spans.push(Span::styled(
                                format!("  \"{}\": {n} of {}", choice.typed, choice.options.len()),
                                theme.bold(),
                            ));
                        }
                        spans.push(Span::styled(change.clone(), theme.dim()));
                    }
                    frame.render_widget(Paragraph::new(Line::from(spans)), r);
                }
                None => {
                    let area = match field {
                        FormField::Title => &self.title,
                        FormField::Requester => &self.requester,
                        FormField::Tags => &self.tags,
                        _ => &self.fields,
                    };
                    let empty = text_of(area).is_empty() && self.field != *field;
                    let hint = match field {
                        FormField::Requester => "the customer's email (empty: you)",
                        FormField::Tags => "space-separated",
                        FormField::Fields => "name=value, name=value",
                        _ => "",
                    };
                    if empty && !hint.is_empty() {
                        frame.render_widget(Paragraph::new(Line::styled(hint, theme.dim())), r);
                    } else {
                        frame.render_widget(area, r);
                    }
                }
            }
        }
        let rest = rows[rows.len() - 1];
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

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: char) -> Key {
        Key::parse(&c.to_string()).expect("a key")
    }

    #[test]
    fn typing_narrows_a_choice_and_the_arrows_step_through_what_matches() {
        let mut c = Choice::new(
            vec![
                "General".into(),
                "Billing".into(),
                "Billing & Payments".into(),
                "Travel".into(),
            ],
            "General",
        );
        for ch in "bil".chars() {
            c.narrow(key(ch));
        }
        assert_eq!(c.value(), Some("Billing"));
        c.step(true);
        assert_eq!(c.value(), Some("Billing & Payments"));
        c.step(true);
        assert_eq!(c.value(), Some("Billing"), "only the matching ones");
    }
}
