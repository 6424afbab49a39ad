//! What can sit on top of the list and detail: the filter bar, pickers (facets,
//! assignees, statuses, priorities, the command palette), one-line prompts, the comment
//! composer and the new-ticket form, and the help overlay. Each is plain state; the app
//! decides what their keys mean and the renderer draws them.

use std::collections::BTreeSet;

use ratatui_textarea::{TextArea, WrapMode};

use super::action::Action;
use crate::domain::query::Field;

pub fn line_input(text: &str) -> TextArea<'static> {
    let mut area = TextArea::new(vec![text.to_string()]);
    area.move_cursor(ratatui_textarea::CursorMove::End);
    area.set_cursor_line_style(ratatui::style::Style::new());
    area
}

pub fn text_input(text: &str) -> TextArea<'static> {
    let lines: Vec<String> = if text.is_empty() {
        vec![String::new()]
    } else {
        text.lines().map(str::to_string).collect()
    };
    let mut area = TextArea::new(lines);
    area.move_cursor(ratatui_textarea::CursorMove::Bottom);
    area.move_cursor(ratatui_textarea::CursorMove::End);
    area.set_wrap_mode(WrapMode::WordOrGlyph);
    area.set_cursor_line_style(ratatui::style::Style::new());
    area
}

pub fn text_of(area: &TextArea<'_>) -> String {
    area.lines().join("\n")
}

pub enum Overlay {
    Help {
        scroll: usize,
    },
    Filter {
        input: TextArea<'static>,
        /// The parse error of what is typed, with its column.
        error: Option<String>,
    },
    Picker(Picker),
    Prompt(Prompt),
    Composer(Box<Composer>),
}

/// A list to choose from, narrowed by typing.
pub struct Picker {
    pub title: String,
    pub purpose: Pick,
    pub items: Vec<PickItem>,
    pub filter: TextArea<'static>,
    /// Index into [`Picker::visible`].
    pub cursor: usize,
    /// Several may be chosen (facets); otherwise Enter takes the one under the cursor.
    pub multi: bool,
    pub chosen: BTreeSet<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickItem {
    pub label: String,
    pub value: String,
    pub note: String,
}

impl PickItem {
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> PickItem {
        PickItem {
            label: label.into(),
            value: value.into(),
            note: String::new(),
        }
    }

    pub fn with_note(mut self, note: impl Into<String>) -> PickItem {
        self.note = note.into();
        self
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Pick {
    Palette(Vec<Action>),
    FacetField,
    FacetValues(Field),
    Assign { keys: Vec<String> },
    Status { keys: Vec<String> },
    Priority { keys: Vec<String> },
}

impl Picker {
    pub fn new(title: impl Into<String>, purpose: Pick, items: Vec<PickItem>) -> Picker {
        Picker {
            title: title.into(),
            purpose,
            items,
            filter: line_input(""),
            cursor: 0,
            multi: false,
            chosen: BTreeSet::new(),
        }
    }

    /// Indices of the items that match what is typed.
    pub fn visible(&self) -> Vec<usize> {
        let typed = text_of(&self.filter).to_lowercase();
        self.items
            .iter()
            .enumerate()
            .filter(|(_, item)| {
                typed.is_empty()
                    || item.label.to_lowercase().contains(&typed)
                    || item.value.to_lowercase().contains(&typed)
            })
            .map(|(i, _)| i)
            .collect()
    }

    pub fn current(&self) -> Option<usize> {
        self.visible().get(self.cursor).copied()
    }

    pub fn move_by(&mut self, delta: isize) {
        let n = self.visible().len();
        if n == 0 {
            self.cursor = 0;
        } else {
            self.cursor = self.cursor.saturating_add_signed(delta).min(n - 1);
        }
    }

    pub fn toggle(&mut self) {
        if let Some(i) = self.current()
            && !self.chosen.remove(&i)
        {
            self.chosen.insert(i);
        }
    }

    /// What Enter takes: the chosen items, else the one under the cursor.
    pub fn picked(&self) -> Vec<&PickItem> {
        if self.multi && !self.chosen.is_empty() {
            return self.chosen.iter().map(|&i| &self.items[i]).collect();
        }
        self.current().map(|i| &self.items[i]).into_iter().collect()
    }
}

/// One line of text to confirm.
pub struct Prompt {
    pub title: String,
    pub help: String,
    pub input: TextArea<'static>,
    pub purpose: Ask,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    ApproveNote { keys: Vec<String> },
    Tags { key: String },
}

/// Writing a comment, a rejection note or a new ticket.
pub struct Composer {
    pub purpose: Compose,
    pub text: TextArea<'static>,
    pub internal: bool,
    /// Esc was pressed with text in the composer: the next key says whether to drop it.
    pub confirm_discard: bool,
    /// Sent and waiting for the answer.
    pub sending: bool,
    /// The new-ticket form's other fields.
    pub form: Option<TicketForm>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compose {
    Comment { key: String },
    Reject { keys: Vec<String> },
    NewTicket,
}

impl Compose {
    /// Where its draft is kept.
    pub fn draft_id(&self) -> String {
        match self {
            Compose::Comment { key } => format!("comment:{key}"),
            Compose::Reject { keys } => format!("reject:{}", keys.join(",")),
            Compose::NewTicket => "new-ticket".into(),
        }
    }
}

pub struct TicketForm {
    pub title: TextArea<'static>,
    pub categories: Vec<String>,
    pub category: usize,
    pub priorities: Vec<String>,
    pub priority: usize,
    /// 0 title, 1 category, 2 priority, 3 description.
    pub field: usize,
}

impl TicketForm {
    pub const FIELDS: usize = 4;

    pub fn category(&self) -> Option<&str> {
        self.categories.get(self.category).map(String::as_str)
    }

    pub fn priority(&self) -> Option<&str> {
        self.priorities.get(self.priority).map(String::as_str)
    }
}

impl Composer {
    pub fn new(purpose: Compose, text: &str, internal: bool) -> Composer {
        Composer {
            purpose,
            text: text_input(text),
            internal,
            confirm_discard: false,
            sending: false,
            form: None,
        }
    }

    pub fn body(&self) -> String {
        text_of(&self.text)
    }

    /// What is kept when it cannot be sent or the user keeps it for later.
    pub fn draft(&self) -> super::drafts::Draft {
        super::drafts::Draft {
            text: self.body(),
            internal: self.internal,
            title: self
                .form
                .as_ref()
                .map(|f| text_of(&f.title))
                .unwrap_or_default(),
        }
    }

    pub fn has_text(&self) -> bool {
        !self.body().trim().is_empty()
            || self
                .form
                .as_ref()
                .is_some_and(|f| !text_of(&f.title).trim().is_empty())
    }
}
