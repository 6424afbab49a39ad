//! The composer: a comment (public reply or internal note), the note that rejects a
//! request, or a new ticket (with [`TicketForm`] above the text). Esc with text asks
//! before anything is lost; what is not sent is kept as a draft.

use std::any::Any;
use std::path::PathBuf;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui_textarea::TextArea;

use super::form::TicketForm;
use super::{Cmd, Outcome, Overlay, line_input, text_input, text_of, type_into};
use crate::domain::model::Visibility;
use crate::tui::action::Action;
use crate::tui::context::Context;
use crate::tui::drafts::{Draft, Drafts};
use crate::tui::files::{complete, expand};
use crate::tui::keymap::{Code, Key, Pane};
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
    /// Files to send with the comment.
    pub files: Vec<PathBuf>,
    /// The "attach a file" prompt, while it is open.
    attaching: Option<PathPrompt>,
}

/// A path being typed, with Tab completing it.
struct PathPrompt {
    input: TextArea<'static>,
    /// What Tab could not decide between.
    candidates: Vec<String>,
    error: Option<String>,
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
            files: draft.map(|d| d.files.clone()).unwrap_or_default(),
            attaching: None,
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
            files: self.files.clone(),
        }
    }

    fn has_text(&self) -> bool {
        !self.body().trim().is_empty()
            || !self.files.is_empty()
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
            Compose::Comment { .. } if empty && self.files.is_empty() => {
                warn("nothing to send yet")
            }
            Compose::Comment { key } => {
                self.sending = true;
                let visibility = if self.internal {
                    Visibility::Internal
                } else {
                    Visibility::Public
                };
                if !self.files.is_empty() {
                    return Outcome::Keep(vec![
                        Cmd::Tell(format!("sending {} file(s) to {key}…", self.files.len())),
                        Cmd::Effect(
                            Call::Attach {
                                key,
                                files: self.files.clone(),
                                body,
                                visibility,
                            }
                            .into(),
                        ),
                    ]);
                }
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

impl Composer {
    fn open_attach(&mut self) -> Outcome {
        if !matches!(self.purpose, Compose::Comment { .. }) {
            return warn("files go with comments: file the ticket, then attach them in a reply");
        }
        self.attaching = Some(PathPrompt {
            input: line_input(""),
            candidates: Vec::new(),
            error: None,
        });
        Outcome::keep()
    }

    fn act_attaching(&mut self, action: Action) -> Outcome {
        let Some(prompt) = self.attaching.as_mut() else {
            return Outcome::NotConsumed;
        };
        match action {
            Action::Back => {
                self.attaching = None;
                Outcome::keep()
            }
            Action::Confirm => {
                let typed = text_of(&prompt.input);
                let typed = typed.trim();
                if typed.is_empty() {
                    self.attaching = None;
                    return Outcome::keep();
                }
                let cwd = std::env::current_dir().unwrap_or_default();
                let path = expand(typed, &cwd);
                let why = match std::fs::metadata(&path) {
                    Ok(m) if m.is_file() => None,
                    Ok(_) => Some(format!("{typed} is a directory, not a file")),
                    Err(e) => Some(format!("cannot read {typed}: {e}")),
                };
                if let Some(why) = why {
                    prompt.error = Some(why);
                    return Outcome::keep();
                }
                if self.files.contains(&path) {
                    prompt.error = Some(format!("{typed} is attached already"));
                    return Outcome::keep();
                }
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| typed.to_string());
                self.files.push(path);
                self.attaching = None;
                Outcome::Keep(vec![Cmd::Tell(format!("{name} will go with the comment"))])
            }
            _ => Outcome::NotConsumed,
        }
    }

    fn type_attaching(&mut self, key: Key) {
        let Some(prompt) = self.attaching.as_mut() else {
            return;
        };
        prompt.error = None;
        if key.code == Code::Tab && !key.ctrl && !key.alt {
            let cwd = std::env::current_dir().unwrap_or_default();
            let done = complete(&text_of(&prompt.input), &cwd);
            prompt.input = line_input(&done.text);
            prompt.candidates = done.candidates;
        } else if key.code != Code::Enter {
            type_into(&mut prompt.input, key);
            prompt.candidates.clear();
        }
    }

    fn draw_attaching(&self, frame: &mut Frame, area: Rect, ctx: &Context) -> Rect {
        let Some(prompt) = &self.attaching else {
            return area;
        };
        let theme = ctx.theme();
        let mut lines = vec![Line::from(vec![
            ratatui::text::Span::styled("Attach: ", theme.bold()),
            ratatui::text::Span::raw(text_of(&prompt.input)),
            ratatui::text::Span::styled("▏", theme.key()),
        ])];
        if let Some(why) = &prompt.error {
            lines.push(Line::styled(why.clone(), theme.error()));
        } else if !prompt.candidates.is_empty() {
            let shown: Vec<&str> = prompt
                .candidates
                .iter()
                .take(12)
                .map(String::as_str)
                .collect();
            let more = prompt.candidates.len().saturating_sub(shown.len());
            let mut text = shown.join("  ");
            if more > 0 {
                text.push_str(&format!("  … {more} more"));
            }
            lines.push(Line::styled(text, theme.dim()));
        } else {
            lines.push(Line::styled(
                format!(
                    "a file to send with the comment; tab completes, {} adds it, {} cancels",
                    ctx.word(Pane::Prompt, Action::Confirm),
                    ctx.word(Pane::Prompt, Action::Back)
                ),
                theme.dim(),
            ));
        }
        let [top, rest] =
            Layout::vertical([Constraint::Length(lines.len() as u16), Constraint::Min(0)])
                .areas(area);
        frame.render_widget(
            Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }),
            top,
        );
        rest
    }

    /// "📎 shot.png, app.log" for the composer's bottom border.
    fn files_line(&self) -> String {
        if self.files.is_empty() {
            return String::new();
        }
        let names: Vec<String> = self
            .files
            .iter()
            .map(|p| {
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| p.display().to_string())
            })
            .collect();
        format!(" 📎 {} ", names.join(", "))
    }
}

fn warn(text: &str) -> Outcome {
    Outcome::Keep(vec![Cmd::Warn(text.into())])
}

impl Overlay for Composer {
    fn pane(&self) -> Pane {
        if self.confirm_discard {
            Pane::Discard
        } else if self.attaching.is_some() {
            Pane::Prompt
        } else {
            Pane::Composer
        }
    }

    fn act(&mut self, action: Action, ctx: &Context) -> Outcome {
        if self.confirm_discard {
            return self.answer_discard(action);
        }
        if self.attaching.is_some() {
            return self.act_attaching(action);
        }
        match action {
            Action::AttachFile => self.open_attach(),
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
        if self.attaching.is_some() {
            self.type_attaching(key);
            return Outcome::keep();
        }
        let in_form = self.form.as_mut().is_some_and(|form| form.type_key(key));
        if !in_form {
            type_into(&mut self.text, key);
        }
        Outcome::keep()
    }

    fn paste(&mut self, text: &str) {
        if let Some(prompt) = self.attaching.as_mut() {
            prompt.input.insert_str(text.replace('\n', ""));
            return;
        }
        let in_form = self.form.as_mut().is_some_and(|form| form.paste(text));
        if !in_form {
            self.text.insert_str(text);
        }
    }

    fn offers(&self, action: Action) -> bool {
        match action {
            Action::ToggleVisibility => matches!(self.purpose, Compose::Comment { .. }),
            Action::NextChoice => self.form.as_ref().is_some_and(TicketForm::on_choice),
            Action::AttachFile => matches!(self.purpose, Compose::Comment { .. }),
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
            .title_bottom(Line::styled(self.files_line(), theme.bold()))
            .title_bottom(Line::from(status).right_aligned())
            .border_style(theme.border(true));
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        let mut text_area = match &self.form {
            Some(form) => form.draw(frame, inner, ctx),
            None => inner,
        };
        text_area = self.draw_attaching(frame, text_area, ctx);
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
