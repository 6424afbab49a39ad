//! One-line questions that move around rather than change anything: the incremental
//! search in the loaded list (`ctrl-f`, then `n`/`N`) and going to a ticket by its key
//! (`#`, or `:TKT-42` in the palette).

use std::any::Any;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui_textarea::TextArea;

use super::{Cmd, Outcome, Overlay, centered, line_input, one_line, popup, text_of, type_into};
use crate::tui::action::Action;
use crate::tui::context::Context;
use crate::tui::keymap::{Code, Key, Pane};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Each keystroke moves the selection to the first match.
    Find,
    Jump,
}

pub struct Seek {
    kind: Kind,
    input: TextArea<'static>,
}

impl Seek {
    /// The search, starting from what was searched for last.
    pub fn find(last: Option<&str>) -> Seek {
        Seek {
            kind: Kind::Find,
            input: line_input(last.unwrap_or_default()),
        }
    }

    pub fn jump() -> Seek {
        Seek {
            kind: Kind::Jump,
            input: line_input(""),
        }
    }

    fn typed(&self) -> String {
        text_of(&self.input).trim().to_string()
    }
}

/// Whether `text` names a ticket: `42`, `#42`, `TKT-42`.
pub fn names_a_ticket(text: &str) -> bool {
    let text = text.trim().trim_start_matches('#');
    let digits = match text.rsplit_once('-') {
        Some((prefix, n))
            if !prefix.is_empty() && prefix.chars().all(|c| c.is_ascii_alphabetic()) =>
        {
            n
        }
        Some(_) => return false,
        None => text,
    };
    !digits.is_empty() && digits.len() <= 18 && digits.bytes().all(|b| b.is_ascii_digit())
}

impl Overlay for Seek {
    fn pane(&self) -> Pane {
        Pane::Prompt
    }

    fn act(&mut self, action: Action, _ctx: &Context) -> Outcome {
        match (action, self.kind) {
            (Action::Back, Kind::Find) => Outcome::Close(vec![Cmd::Find(None)]),
            (Action::Back, Kind::Jump) => Outcome::close(),
            (Action::Confirm, Kind::Find) => Outcome::close(),
            (Action::Confirm, Kind::Jump) => {
                let typed = self.typed();
                if typed.is_empty() {
                    return Outcome::close();
                }
                if !names_a_ticket(&typed) {
                    return Outcome::Keep(vec![Cmd::Warn(format!(
                        "`{typed}` is not a ticket key (TKT-42, or its number)"
                    ))]);
                }
                Outcome::Close(vec![Cmd::Jump(typed)])
            }
            _ => Outcome::keep(),
        }
    }

    fn input(&mut self, key: Key, _ctx: &Context) -> Outcome {
        if key.code == Code::Enter {
            return Outcome::keep();
        }
        type_into(&mut self.input, key);
        self.typed_changed()
    }

    fn paste(&mut self, text: &str) {
        self.input.insert_str(one_line(text));
    }

    fn draw(&self, frame: &mut Frame, ctx: &Context) {
        let (title, help) = match self.kind {
            Kind::Find => (
                "Search the loaded list",
                format!(
                    "key, title, people or tag; {} keeps the match ({}/{} next, previous), {} goes back",
                    ctx.word(Pane::Prompt, Action::Confirm),
                    ctx.word(Pane::List, Action::FindNext),
                    ctx.word(Pane::List, Action::FindPrev),
                    ctx.word(Pane::Prompt, Action::Back),
                ),
            ),
            Kind::Jump => (
                "Go to ticket",
                format!(
                    "its key or number, also one not in this list; {} opens it, {} cancels",
                    ctx.word(Pane::Prompt, Action::Confirm),
                    ctx.word(Pane::Prompt, Action::Back),
                ),
            ),
        };
        let area = ctx.layout.screen;
        let inner = popup(frame, ctx, centered(area, 70.min(area.width), 4), title);
        let [help_area, input_area] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(inner);
        frame.render_widget(
            Paragraph::new(Line::styled(help, ctx.theme().dim())),
            help_area,
        );
        frame.render_widget(&self.input, input_area);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

impl Seek {
    fn typed_changed(&self) -> Outcome {
        match self.kind {
            Kind::Find => Outcome::Keep(vec![Cmd::Find(Some(self.typed()))]),
            Kind::Jump => Outcome::keep(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::names_a_ticket;

    #[test]
    fn keys_and_numbers_name_tickets() {
        for yes in ["42", "#42", "TKT-42", "tkt-7", " SRV-1 "] {
            assert!(names_a_ticket(yes), "{yes}");
        }
        for no in ["", "TKT-", "-4", "login", "TKT-4x", "TK1-4"] {
            assert!(!names_a_ticket(no), "{no}");
        }
    }
}
