//! What sits on top of the list and detail: the filter bar, pickers (facets, assignees,
//! statuses, priorities, the command palette), one-line prompts, the composer with its
//! new-ticket form, and the help. Each lives in its own file with its state, its keys and
//! its drawing, behind [`Overlay`]. An overlay answers an action with an [`Outcome`]:
//! not mine, stay open, or close; either way it may hand the app [`Cmd`]s to carry out,
//! since only the app touches the list, the drafts and the desk.

pub mod attachments;
pub mod composer;
pub mod confirm;
pub mod filter;
pub mod form;
pub mod help;
pub mod messages;
pub mod palette;
pub mod picker;
pub mod prompt;
pub mod reader;
pub mod seek;

use std::any::Any;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear};
use ratatui_textarea::{TextArea, WrapMode};

use super::action::Action;
use super::context::Context;
use super::drafts::{Draft, Drafts};
use super::keymap::{Code, Key, Pane};
use super::panes::list::ListPane;
use super::protocol::{Effect, Op};
use super::status::Status;
use crate::domain::model::Ticket;
use crate::domain::query::Field;

/// What an overlay did with an action or a key.
pub enum Outcome {
    /// Not an action it knows: the app passes the key on as typed text.
    NotConsumed,
    /// Stays open, and asks for these.
    Keep(Vec<Cmd>),
    /// Closes, and asks for these.
    Close(Vec<Cmd>),
}

impl Outcome {
    pub fn keep() -> Outcome {
        Outcome::Keep(Vec::new())
    }

    pub fn close() -> Outcome {
        Outcome::Close(Vec::new())
    }
}

/// What an overlay asks the app to do.
pub enum Cmd {
    /// Carry out an effect as it is (a comment to send, `$EDITOR`).
    Effect(Effect),
    /// Show this filter (leaving any saved view).
    Query(String),
    /// Change these tickets (at the versions the list shows), asking first when the
    /// change is to several or to someone else's.
    Write(Op, Vec<String>),
    /// The same, already confirmed.
    WriteNow(Op, Vec<String>),
    /// Run an action as if its key was pressed (the palette).
    Run(Action),
    /// Choose values for one facet of the filter.
    Facet(Field),
    /// Write the note that rejects these tickets.
    Reject(Vec<String>),
    /// Open another overlay in this one's place.
    Open(Box<dyn Overlay>),
    KeepDraft(String, Draft),
    DiscardDraft(String),
    Tell(String),
    Warn(String),
    /// Search the loaded list for this text (as typed so far); `None`: the search was
    /// abandoned, back to where the selection was.
    Find(Option<String>),
    /// Go to the ticket with this key or number, in the list or not.
    Jump(String),
}

pub trait Overlay {
    /// The keymap table its keys come from.
    fn pane(&self) -> Pane;

    fn act(&mut self, action: Action, ctx: &Context) -> Outcome;

    /// A key no binding claims (or whose action it did not take): typed text.
    fn input(&mut self, key: Key, ctx: &Context) -> Outcome;

    /// Pasted text, whole.
    fn paste(&mut self, _text: &str) {}

    fn draw(&self, frame: &mut Frame, ctx: &Context);

    /// Whether the hint bar offers `action` here (beyond the viewer's role).
    fn offers(&self, _action: Action) -> bool {
        true
    }

    /// The hint bar while it is open.
    fn hints(&self, ctx: &Context) -> Vec<(String, &'static str)> {
        ctx.keymap()
            .hints(self.pane(), |a| self.offers(a) && ctx.available(a))
    }

    /// Whether a write it asked for is still out: it stays open until the desk answers.
    fn awaiting(&self) -> bool {
        false
    }

    /// The desk refused the write it was awaiting: it stays open, with what was typed,
    /// and says why. A write that went through closes it instead.
    fn refused(&mut self, _why: String) {}

    /// Someone else changed these tickets while it was open: it shows what is new (and
    /// a dialog built on the old state takes the new one in).
    fn follow(&mut self, _changed: &[Ticket], _ctx: &Context) {}

    /// What to keep should desk quit with it open.
    fn draft(&self) -> Option<(String, Draft)> {
        None
    }

    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

/// Hands a write's answer to the overlay awaiting it: it closes when the write went
/// through, and is told why when not.
pub fn answer(overlay: &mut Option<Box<dyn Overlay>>, summary: &Result<String, String>) {
    if !overlay.as_ref().is_some_and(|o| o.awaiting()) {
        return;
    }
    match summary {
        Ok(_) => *overlay = None,
        Err(why) => overlay.iter_mut().for_each(|o| o.refused(why.clone())),
    }
}

/// The overlay an action on the tickets opens, if it opens one without asking the desk
/// first. `list`: the filter, the selection and the marks it applies to.
pub fn opened_by(
    action: Action,
    ctx: &Context,
    list: &ListPane,
    drafts: &Drafts,
    status: &Status,
) -> Option<Box<dyn Overlay>> {
    let selected = list.rows.selected_row();
    Some(match action {
        Action::Help => Box::new(help::help(ctx)),
        Action::Messages => Box::new(messages::messages(ctx, status)),
        Action::Palette => Box::new(palette::palette(ctx)),
        Action::Filter => Box::new(filter::FilterBar::new(&list.query)),
        Action::Facets => Box::new(picker::Picker::facets()),
        Action::Jump => Box::new(seek::Seek::jump()),
        Action::Assign => {
            let current = selected.and_then(|r| r.assignee.as_deref());
            Box::new(picker::Picker::assign(list.rows.targets(), current, ctx))
        }
        Action::Priority => {
            let current = selected.map(|r| &*r.priority);
            Box::new(picker::Picker::priority(list.rows.targets(), current, ctx))
        }
        Action::Tags => {
            let row = selected?;
            let tags: Vec<String> = row.tags.iter().map(ToString::to_string).collect();
            Box::new(prompt::Prompt::tags(row.key.clone(), &tags, ctx))
        }
        Action::Comment => Box::new(composer::Composer::comment(selected?.key.clone(), drafts)),
        Action::NewTicket => Box::new(composer::Composer::new_ticket(drafts, ctx)),
        _ => return None,
    })
}

/// A dialog's write: out (the dialog waits, showing so), or refused (the dialog shows why
/// under what was typed, and confirming again sends it again on top of the ticket as it
/// is now, since the list holds the version the refusal brought back).
#[derive(Debug, Default)]
pub struct Submission {
    pub pending: bool,
    pub refused: Option<String>,
    /// What someone else changed on the ticket while the dialog was open.
    pub meanwhile: Option<String>,
}

impl Submission {
    /// Starts a write, unless one is out already (a second Enter must not send twice).
    pub fn start(&mut self) -> bool {
        if self.pending {
            return false;
        }
        self.pending = true;
        self.refused = None;
        true
    }

    pub fn refuse(&mut self, why: String) {
        self.pending = false;
        self.refused = Some(why);
    }

    /// What the dialog shows under its input, if anything.
    pub fn line(&self, ctx: &Context, pane: Pane) -> Option<Line<'static>> {
        if self.pending {
            return Some(Line::styled("saving…", ctx.theme().dim()));
        }
        if let (None, Some(news)) = (&self.refused, &self.meanwhile) {
            return Some(Line::styled(
                format!(
                    "{news} · {} applies yours on top, {} cancels",
                    ctx.word(pane, Action::Confirm),
                    ctx.word(pane, Action::Back)
                ),
                ctx.theme().bold(),
            ));
        }
        let why = self.refused.as_ref()?;
        Some(Line::styled(
            format!(
                "{why} · {} tries again, {} cancels",
                ctx.word(pane, Action::Confirm),
                ctx.word(pane, Action::Back)
            ),
            ctx.theme().error(),
        ))
    }

    /// Rows the line needs at `width`.
    pub fn height(&self, ctx: &Context, pane: Pane, width: u16) -> u16 {
        match self.line(ctx, pane) {
            Some(line) => {
                let w = usize::from(width.max(1));
                (line.width().div_ceil(w)).clamp(1, 4) as u16
            }
            None => 0,
        }
    }
}

/// Where a read-only overlay is scrolled to after a movement action (`None`: not a
/// movement, which closes it). `max`: its last line; `page`: its height.
pub fn scrolled(scroll: usize, action: Action, max: usize, page: usize) -> Option<usize> {
    let half = (page / 2).max(1);
    let to = match action {
        Action::Down => scroll + 1,
        Action::HalfPageDown => scroll + half,
        Action::Bottom => max,
        Action::Up => scroll.saturating_sub(1),
        Action::HalfPageUp => scroll.saturating_sub(half),
        Action::Top => 0,
        _ => return None,
    };
    Some(to.min(max))
}

/// Types `key` into a text field, with the readline keys people expect (`Ctrl-u`
/// clears to the start of the line; the text area's own Ctrl-u would undo).
pub fn type_into(area: &mut TextArea<'_>, key: Key) {
    if key.ctrl && key.code == Code::Char('u') {
        area.delete_line_by_head();
    } else {
        area.input(to_input(key));
    }
}

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

/// Pasted text for a one-line input.
fn one_line(text: &str) -> String {
    text.replace('\n', " ")
}

/// A key as the text area wants it.
pub fn to_input(key: Key) -> ratatui_textarea::Input {
    use ratatui_textarea::Key as K;
    let k = match key.code {
        Code::Char(c) => K::Char(c),
        Code::Enter => K::Enter,
        Code::Esc => K::Esc,
        Code::Tab => K::Tab,
        Code::BackTab => K::Null,
        Code::Backspace => K::Backspace,
        Code::Delete => K::Delete,
        Code::Up => K::Up,
        Code::Down => K::Down,
        Code::Left => K::Left,
        Code::Right => K::Right,
        Code::Home => K::Home,
        Code::End => K::End,
        Code::PageUp => K::PageUp,
        Code::PageDown => K::PageDown,
        Code::F(n) => K::F(n),
    };
    ratatui_textarea::Input {
        key: k,
        ctrl: key.ctrl,
        alt: key.alt,
        shift: false,
    }
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// A bordered box over whatever is below it; returns its inside.
fn popup(frame: &mut Frame, ctx: &Context, rect: Rect, title: &str) -> Rect {
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .title(format!(" {title} "))
        .border_style(ctx.theme().border(true));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    inner
}

/// "TKT-1 changed meanwhile: now Waiting on customer, Mike Chen's", for the tickets of
/// `keys` among `changed`; `None` when none of them is.
pub fn meanwhile(keys: &[String], changed: &[Ticket], ctx: &Context) -> Option<String> {
    let news: Vec<String> = changed
        .iter()
        .filter(|t| keys.contains(&t.key))
        .map(|t| {
            let who = t
                .assignee
                .as_ref()
                .map_or_else(|| "unassigned".to_string(), |a| format!("{}'s", a.name));
            format!(
                "{} changed meanwhile: now {}, {}, {who}",
                t.key,
                ctx.refs.status_name(&t.status),
                t.priority
            )
        })
        .collect();
    (!news.is_empty()).then(|| news.join("; "))
}
