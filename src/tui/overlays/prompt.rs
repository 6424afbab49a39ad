//! One line of text to confirm: a note with an approval, a ticket's tags.

use std::any::Any;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui_textarea::TextArea;

use super::{
    Cmd, Outcome, Overlay, Submission, centered, line_input, one_line, popup, text_of, type_into,
};
use crate::domain::model::Ticket;
use crate::tui::action::Action;
use crate::tui::context::Context;
use crate::tui::keymap::{Code, Key, Pane};
use crate::tui::protocol::Op;

pub struct Prompt {
    pub title: String,
    help: String,
    input: TextArea<'static>,
    purpose: Ask,
    submission: Submission,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Ask {
    ApproveNote {
        keys: Vec<String>,
    },
    /// A note to go with a move to `to`.
    StatusNote {
        keys: Vec<String>,
        to: String,
    },
    /// `before`: the tags shown when the prompt opened; what is sent is the difference,
    /// so a tag a colleague adds meanwhile is not overwritten.
    Tags {
        key: String,
        before: Vec<String>,
    },
}

impl Prompt {
    pub fn approve(keys: Vec<String>, ctx: &Context) -> Prompt {
        Prompt {
            title: format!("Approve {}", super::confirm::named(&keys)),
            help: format!(
                "a note for the requester (optional); {} approves, {} cancels",
                ctx.word(Pane::Prompt, Action::Confirm),
                ctx.word(Pane::Prompt, Action::Back),
            ),
            input: line_input(""),
            purpose: Ask::ApproveNote { keys },
            submission: Submission::default(),
        }
    }

    /// `name`: how the status is shown ("Resolved").
    pub fn status_note(
        keys: Vec<String>,
        to: String,
        name: Option<String>,
        ctx: &Context,
    ) -> Prompt {
        let name = name.unwrap_or_else(|| ctx.refs.status_name(&to));
        Prompt {
            title: format!("Move {} to {name}", super::confirm::named(&keys)),
            help: format!(
                "a note for the history (optional); {} moves, {} cancels",
                ctx.word(Pane::Prompt, Action::Confirm),
                ctx.word(Pane::Prompt, Action::Back),
            ),
            input: line_input(""),
            purpose: Ask::StatusNote { keys, to },
            submission: Submission::default(),
        }
    }

    pub fn tags(key: String, tags: &[String], ctx: &Context) -> Prompt {
        Prompt {
            title: format!("Tags of {key}"),
            help: format!(
                "space-separated; {} saves, {} cancels",
                ctx.word(Pane::Prompt, Action::Confirm),
                ctx.word(Pane::Prompt, Action::Back),
            ),
            input: line_input(&tags.join(" ")),
            purpose: Ask::Tags {
                key,
                before: tags.to_vec(),
            },
            submission: Submission::default(),
        }
    }
}

impl Prompt {
    /// What is typed.
    pub fn text(&self) -> String {
        text_of(&self.input)
    }
}

impl Overlay for Prompt {
    fn pane(&self) -> Pane {
        Pane::Prompt
    }

    fn act(&mut self, action: Action, _ctx: &Context) -> Outcome {
        match action {
            Action::Back => Outcome::close(),
            Action::Confirm => {
                let typed = text_of(&self.input).trim().to_string();
                let cmd = match &self.purpose {
                    Ask::ApproveNote { keys } => {
                        let note = Some(typed).filter(|n| !n.is_empty());
                        Cmd::Write(Op::Approve(note), keys.clone())
                    }
                    Ask::StatusNote { keys, to } => {
                        let note = Some(typed).filter(|n| !n.is_empty());
                        let op = Op::Transition {
                            to: to.clone(),
                            note,
                        };
                        Cmd::Write(op, keys.clone())
                    }
                    Ask::Tags { key, before } => {
                        let folded = |t: &str| t.to_lowercase();
                        let after: Vec<String> = typed.split_whitespace().map(folded).collect();
                        let before: Vec<String> = before.iter().map(|t| folded(t)).collect();
                        let add: Vec<String> = after
                            .iter()
                            .filter(|t| !before.contains(t))
                            .cloned()
                            .collect();
                        let remove: Vec<String> = before
                            .iter()
                            .filter(|t| !after.contains(t))
                            .cloned()
                            .collect();
                        if add.is_empty() && remove.is_empty() {
                            return Outcome::close();
                        }
                        Cmd::Write(Op::Tags { add, remove }, vec![key.clone()])
                    }
                };
                if !self.submission.start() {
                    return Outcome::keep();
                }
                Outcome::Keep(vec![cmd])
            }
            _ => Outcome::keep(),
        }
    }

    fn input(&mut self, key: Key, _ctx: &Context) -> Outcome {
        if key.code != Code::Enter {
            type_into(&mut self.input, key);
        }
        Outcome::keep()
    }

    fn paste(&mut self, text: &str) {
        self.input.insert_str(one_line(text));
    }

    fn awaiting(&self) -> bool {
        self.submission.pending
    }

    fn follow(&mut self, changed: &[Ticket], ctx: &Context) {
        match &mut self.purpose {
            Ask::ApproveNote { keys } | Ask::StatusNote { keys, .. } => {
                if let Some(news) = super::meanwhile(keys, changed, ctx) {
                    self.submission.meanwhile = Some(news);
                }
            }
            Ask::Tags { key, before } => {
                let Some(t) = changed.iter().find(|t| &t.key == key) else {
                    return;
                };
                // The colleague's additions and removals go into what is typed, so
                // what is on screen is what will be saved.
                let added: Vec<&String> = t.tags.iter().filter(|x| !before.contains(x)).collect();
                let removed: Vec<&String> = before.iter().filter(|x| !t.tags.contains(x)).collect();
                if added.is_empty() && removed.is_empty() {
                    return;
                }
                let mut words: Vec<String> = text_of(&self.input)
                    .split_whitespace()
                    .filter(|w| !removed.iter().any(|r| r.eq_ignore_ascii_case(w)))
                    .map(str::to_string)
                    .collect();
                for tag in &added {
                    if !words.iter().any(|w| w.eq_ignore_ascii_case(tag)) {
                        words.push((*tag).clone());
                    }
                }
                let mut news = Vec::new();
                news.extend(added.iter().map(|t| format!("+{t}")));
                news.extend(removed.iter().map(|t| format!("-{t}")));
                self.submission.meanwhile = Some(format!(
                    "{key} changed meanwhile: {} (shown above)",
                    news.join(" ")
                ));
                *before = t.tags.clone();
                self.input = line_input(&words.join(" "));
            }
        }
    }

    fn refused(&mut self, why: String) {
        self.submission.refuse(why);
    }

    fn draw(&self, frame: &mut Frame, ctx: &Context) {
        let area = ctx.layout.screen;
        let width = 70.min(area.width);
        let below = self
            .submission
            .height(ctx, Pane::Prompt, width.saturating_sub(2));
        let inner = popup(frame, ctx, centered(area, width, 5 + below), &self.title);
        let [help, input, why] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(below),
        ])
        .areas(inner);
        frame.render_widget(
            Paragraph::new(Line::styled(self.help.clone(), ctx.theme().dim())),
            help,
        );
        frame.render_widget(&self.input, input);
        if let Some(line) = self.submission.line(ctx, Pane::Prompt) {
            frame.render_widget(Paragraph::new(line).wrap(Wrap { trim: false }), why);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
