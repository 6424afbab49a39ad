//! The composer: a comment (public reply or internal note), the note that rejects a
//! request, or a new ticket (with [`TicketForm`] above the text). Esc with text asks
//! before anything is lost; what is not sent is kept as a draft.

use std::any::Any;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui_textarea::TextArea;

use super::form::TicketForm;
use super::{Cmd, Outcome, Overlay, text_input, text_of, type_into};
use crate::domain::model::Visibility;
use crate::tui::action::Action;
use crate::tui::context::Context;
use crate::tui::drafts::{Draft, Drafts};
use crate::tui::keymap::{Key, Pane};
use crate::tui::protocol::{Call, Effect, Op, TermEffect};

pub struct Composer {
    pub purpose: Compose,
    text: TextArea<'static>,
    internal: bool,
    /// Esc was pressed with text in the composer: the next key says whether to drop it.
    confirm_discard: bool,
    /// Sent and waiting for the answer.
    sending: bool,
    /// The new-ticket form's other fields.
    form: Option<TicketForm>,
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

impl Composer {
    fn new(purpose: Compose, draft: Option<&Draft>) -> Composer {
        Composer {
            purpose,
            text: text_input(draft.map_or("", |d| d.text.as_str())),
            internal: draft.is_some_and(|d| d.internal),
            confirm_discard: false,
            sending: false,
            form: None,
        }
    }

    /// Each starts from its kept draft, if there is one.
    pub fn comment(key: String, drafts: &Drafts) -> Composer {
        let purpose = Compose::Comment { key };
        let draft = drafts.get(&purpose.draft_id());
        Composer::new(purpose, draft)
    }

    pub fn reject(keys: Vec<String>, drafts: &Drafts) -> Composer {
        let purpose = Compose::Reject { keys };
        let draft = drafts.get(&purpose.draft_id());
        let mut c = Composer::new(purpose, draft);
        // A rejection note always goes to the requester.
        c.internal = false;
        c
    }

    pub fn new_ticket(drafts: &Drafts, ctx: &Context) -> Composer {
        let draft = drafts.get(&Compose::NewTicket.draft_id());
        let mut c = Composer::new(Compose::NewTicket, draft);
        c.internal = false;
        c.form = Some(TicketForm::new(draft.map_or("", |d| d.title.as_str()), ctx));
        c
    }

    pub fn draft_id(&self) -> String {
        self.purpose.draft_id()
    }

    pub fn body(&self) -> String {
        text_of(&self.text)
    }

    /// `$EDITOR` came back with this text.
    pub fn set_text(&mut self, text: &str) {
        self.text = text_input(text.trim_end_matches('\n'));
    }

    /// The desk refused what was sent; the text stays to try again.
    pub fn not_sent(&mut self) {
        self.sending = false;
    }

    /// What is kept when it cannot be sent or the user keeps it for later.
    pub fn to_draft(&self) -> Draft {
        Draft {
            text: self.body(),
            internal: self.internal,
            title: self
                .form
                .as_ref()
                .map(TicketForm::title_text)
                .unwrap_or_default(),
        }
    }

    fn has_text(&self) -> bool {
        !self.body().trim().is_empty()
            || self
                .form
                .as_ref()
                .is_some_and(|f| !f.title_text().trim().is_empty())
    }

    fn answer_discard(&mut self, action: Action) -> Outcome {
        let id = self.draft_id();
        match action {
            Action::Discard => Outcome::Close(vec![
                Cmd::DiscardDraft(id),
                Cmd::Tell("draft discarded".into()),
            ]),
            Action::KeepDraft => Outcome::Close(vec![
                Cmd::KeepDraft(id, self.to_draft()),
                Cmd::Tell("draft kept for later".into()),
            ]),
            // Any other key: keep writing.
            _ => {
                self.confirm_discard = false;
                Outcome::keep()
            }
        }
    }

    fn send(&mut self) -> Outcome {
        if self.sending {
            return Outcome::Keep(vec![Cmd::Tell("still sending…".into())]);
        }
        let body = self.body();
        let empty = body.trim().is_empty();
        match self.purpose.clone() {
            Compose::Comment { .. } if empty => warn("nothing to send yet"),
            Compose::Comment { key } => {
                self.sending = true;
                let visibility = if self.internal {
                    Visibility::Internal
                } else {
                    Visibility::Public
                };
                Outcome::Keep(vec![
                    Cmd::Tell(format!("sending to {key}…")),
                    Cmd::Effect(
                        Call::Comment {
                            key,
                            body,
                            visibility,
                        }
                        .into(),
                    ),
                ])
            }
            Compose::Reject { .. } if empty => {
                warn("a rejection needs a note that tells the requester why")
            }
            Compose::Reject { keys } => {
                self.sending = true;
                Outcome::Keep(vec![Cmd::Write(Op::Reject(body), keys)])
            }
            Compose::NewTicket => {
                let Some(form) = self.form.as_mut() else {
                    return Outcome::keep();
                };
                let new = match form.ticket(body) {
                    Ok(new) => new,
                    Err((field, why)) => {
                        form.field = field;
                        return warn(&why);
                    }
                };
                self.sending = true;
                Outcome::Keep(vec![
                    Cmd::Effect(Call::Create(new).into()),
                    Cmd::Tell("filing…".into()),
                ])
            }
        }
    }
}

fn warn(text: &str) -> Outcome {
    Outcome::Keep(vec![Cmd::Warn(text.into())])
}

impl Overlay for Composer {
    fn pane(&self) -> Pane {
        if self.confirm_discard {
            Pane::Discard
        } else {
            Pane::Composer
        }
    }

    fn act(&mut self, action: Action, ctx: &Context) -> Outcome {
        if self.confirm_discard {
            return self.answer_discard(action);
        }
        match action {
            Action::Back if self.has_text() => {
                self.confirm_discard = true;
                Outcome::keep()
            }
            Action::Back => Outcome::close(),
            Action::ToggleVisibility => match &self.purpose {
                Compose::Comment { .. } if ctx.info.user.role.is_staff() => {
                    self.internal = !self.internal;
                    Outcome::keep()
                }
                Compose::Comment { .. } => warn("customers write public replies only"),
                Compose::Reject { .. } => warn("a rejection note always goes to the requester"),
                Compose::NewTicket => Outcome::keep(),
            },
            Action::Editor => {
                let edit = Effect::Terminal(TermEffect::Editor(self.body()));
                Outcome::Keep(vec![Cmd::Effect(edit)])
            }
            Action::NextField => {
                match &mut self.form {
                    Some(form) => form.next_field(),
                    None => {
                        self.text.insert_tab();
                    }
                }
                Outcome::keep()
            }
            Action::NextChoice | Action::PrevChoice => {
                let forward = action == Action::NextChoice;
                match self.form.as_mut().map(|f| f.step_choice(forward)) {
                    Some(true) => Outcome::keep(),
                    // In a text field the key is typed (a space, an arrow).
                    _ => Outcome::NotConsumed,
                }
            }
            Action::Send => self.send(),
            _ => Outcome::keep(),
        }
    }

    fn input(&mut self, key: Key, _ctx: &Context) -> Outcome {
        if self.confirm_discard {
            self.confirm_discard = false;
            return Outcome::keep();
        }
        let in_form = self.form.as_mut().is_some_and(|form| form.type_key(key));
        if !in_form {
            type_into(&mut self.text, key);
        }
        Outcome::keep()
    }

    fn paste(&mut self, text: &str) {
        let in_form = self.form.as_mut().is_some_and(|form| form.paste(text));
        if !in_form {
            self.text.insert_str(text);
        }
    }

    fn offers(&self, action: Action) -> bool {
        match action {
            Action::ToggleVisibility => matches!(self.purpose, Compose::Comment { .. }),
            Action::NextChoice => self.form.as_ref().is_some_and(TicketForm::on_choice),
            _ => true,
        }
    }

    fn draft(&self) -> Option<(String, Draft)> {
        Some((self.draft_id(), self.to_draft()))
    }

    fn draw(&self, frame: &mut Frame, ctx: &Context) {
        let area = ctx.layout.screen;
        let theme = ctx.theme();
        let height = if self.form.is_some() {
            area.height.saturating_sub(4).max(8)
        } else {
            (area.height / 2).max(8)
        }
        .min(area.height.saturating_sub(2));
        // Above the status and hint lines, which stay readable.
        let below = area.height.saturating_sub(ctx.layout.status.y);
        let rect = Rect::new(
            area.x,
            area.y + area.height.saturating_sub(height + below),
            area.width,
            height,
        );
        frame.render_widget(Clear, rect);
        let (title, style) = match &self.purpose {
            Compose::Comment { key } if self.internal => (
                format!(" {key} · INTERNAL NOTE (staff only) "),
                theme.internal(),
            ),
            // A customer is the requester: their words go to the desk's staff.
            Compose::Comment { key } if !ctx.info.user.role.is_staff() => (
                format!(" {key} · your reply to the support team "),
                theme.bold(),
            ),
            Compose::Comment { key } => (
                format!(" {key} · public reply to the requester "),
                theme.bold(),
            ),
            Compose::Reject { keys } => (
                format!(
                    " Reject {} · note to the requester (required) ",
                    super::confirm::named(keys)
                ),
                theme.error(),
            ),
            Compose::NewTicket => (" New ticket ".to_string(), theme.bold()),
        };
        let status = if self.sending { " sending… " } else { "" };
        let block = Block::bordered()
            .title(Line::styled(title, style))
            .title_bottom(Line::from(status).right_aligned())
            .border_style(theme.border(true));
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        let mut text_area = match &self.form {
            Some(form) => form.draw(frame, inner, ctx),
            None => inner,
        };
        if self.confirm_discard {
            let [ask, rest] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(text_area);
            let question = format!(
                "Discard this draft?  {} discard · {} keep it for later · any other key: keep writing",
                ctx.word(Pane::Discard, Action::Discard),
                ctx.word(Pane::Discard, Action::KeepDraft),
            );
            frame.render_widget(Paragraph::new(Line::styled(question, theme.error())), ask);
            text_area = rest;
        }
        frame.render_widget(&self.text, text_area);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
