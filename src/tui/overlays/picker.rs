//! Pickers: a list to choose from, narrowed by typing. One kind per purpose (facets,
//! assignee, status, priority, the palette's commands); what a choice does is decided
//! here and handed to the app as commands.

use std::any::Any;
use std::collections::BTreeSet;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui_textarea::TextArea;

use super::prompt::Prompt;
use super::{
    Cmd, Outcome, Overlay, Submission, centered, line_input, one_line, popup, text_of, type_into,
};
use crate::client::DeskError;
use crate::domain::model::Ticket;
use crate::domain::query::{self, Field, Term, TermKind};
use crate::tui::action::Action;
use crate::tui::context::{Context, describe_keys};
use crate::tui::keymap::{Code, Key, Pane};
use crate::tui::protocol::Op;

/// A list to choose from, narrowed by typing.
pub struct Picker {
    pub title: String,
    pub purpose: Pick,
    pub items: Vec<PickItem>,
    filter: TextArea<'static>,
    /// Index into [`Picker::visible`].
    cursor: usize,
    /// Several may be chosen (facets); otherwise confirming takes the one under the cursor.
    multi: bool,
    chosen: BTreeSet<usize>,
    submission: Submission,
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
    /// Values for `field`, to replace its term in `query`.
    FacetValues {
        field: Field,
        query: String,
    },
    Assign {
        keys: Vec<String>,
    },
    Status {
        keys: Vec<String>,
    },
    Priority {
        keys: Vec<String>,
    },
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
            submission: Submission::default(),
        }
    }

    /// Which facet of the filter to choose values for.
    pub fn facets() -> Picker {
        let items = [
            Field::Status,
            Field::Priority,
            Field::Category,
            Field::Assignee,
            Field::Tag,
        ]
        .into_iter()
        .map(|f| PickItem::new(f.name(), f.name()))
        .collect();
        Picker::new("Filter by", Pick::FacetField, items)
    }

    /// Values for one facet, those in `query` already chosen; `tags` are the loaded ones.
    pub fn facet_values(field: Field, query: &str, tags: Vec<String>, ctx: &Context) -> Picker {
        let refs = &ctx.refs;
        let items: Vec<PickItem> = match field {
            Field::Status => {
                let mut items: Vec<PickItem> = ["open", "pending", "done"]
                    .into_iter()
                    .map(|c| PickItem::new(format!("any {c}"), c))
                    .collect();
                items.extend(
                    refs.statuses
                        .iter()
                        .map(|s| PickItem::new(s.name.clone(), s.key.clone())),
                );
                items
            }
            Field::Priority => refs
                .priorities
                .iter()
                .map(|p| PickItem::new(p.name.clone(), p.name.clone()))
                .collect(),
            Field::Category => refs
                .categories
                .iter()
                .map(|c| PickItem::new(c.name.clone(), c.name.clone()))
                .collect(),
            Field::Assignee => {
                let mut items = vec![PickItem::new("me", "me"), PickItem::new("nobody", "none")];
                items.extend(
                    refs.staff()
                        .map(|u| PickItem::new(u.name.clone(), u.email.clone())),
                );
                items
            }
            _ => tags
                .into_iter()
                .map(|t| PickItem::new(t.clone(), t))
                .collect(),
        };
        let active = facet_values(query, field);
        let title = format!(
            "{} ({} selects, {} applies)",
            field.name(),
            ctx.word(Pane::Picker, Action::Toggle),
            ctx.word(Pane::Picker, Action::Confirm),
        );
        let purpose = Pick::FacetValues {
            field,
            query: query.to_string(),
        };
        let mut picker = Picker::new(title, purpose, items);
        picker.multi = true;
        picker.chosen = picker
            .items
            .iter()
            .enumerate()
            .filter(|(_, item)| active.iter().any(|v| v.eq_ignore_ascii_case(&item.value)))
            .map(|(i, _)| i)
            .collect();
        picker
    }

    /// Staff with their open workload; opens on `current` (the assignee's name).
    pub fn assign(keys: Vec<String>, current: Option<&str>, ctx: &Context) -> Picker {
        let mut items: Vec<PickItem> = ctx
            .refs
            .staff()
            .map(|u| {
                let open = ctx.refs.open_count(&u.email);
                PickItem::new(u.name.clone(), u.email.clone())
                    .with_note(format!("{} · {} · {open} open", u.email, u.role))
            })
            .collect();
        items.push(PickItem::new("nobody (unassign)", ""));
        let title = format!("Assign {} to", describe_keys(&keys));
        let mut picker = Picker::new(title, Pick::Assign { keys }, items);
        picker.start_on(|item| current.is_some_and(|name| item.label == name));
        picker
    }

    /// The cursor starts on the first item `is_current` takes (the value in force).
    fn start_on(&mut self, is_current: impl Fn(&PickItem) -> bool) {
        if let Some(i) = self.items.iter().position(is_current) {
            self.cursor = i;
        }
    }

    /// The statuses the workflow allows from here, as the desk answered; or why there
    /// is nothing to pick.
    pub fn status(
        keys: Vec<String>,
        targets: Result<Vec<String>, DeskError>,
        ctx: &Context,
    ) -> Result<Picker, String> {
        let what = describe_keys(&keys);
        let targets = targets.map_err(|e| format!("cannot read where {what} may go: {e}"))?;
        if targets.is_empty() {
            return Err(format!("{what} cannot move anywhere you may take it"));
        }
        let items = targets
            .iter()
            .map(|to| PickItem::new(ctx.refs.status_name(to), to.clone()))
            .collect();
        Ok(Picker::new(
            format!("Move {what} to"),
            Pick::Status { keys },
            items,
        ))
    }

    /// Opens on `current`, the priority the ticket has.
    pub fn priority(keys: Vec<String>, current: Option<&str>, ctx: &Context) -> Picker {
        let items = ctx
            .refs
            .priorities
            .iter()
            .map(|p| PickItem::new(p.name.clone(), p.name.clone()))
            .collect();
        let title = format!("Priority of {}", describe_keys(&keys));
        let mut picker = Picker::new(title, Pick::Priority { keys }, items);
        picker.start_on(|item| current == Some(item.value.as_str()));
        picker
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

    fn current(&self) -> Option<usize> {
        self.visible().get(self.cursor).copied()
    }

    /// The value under the cursor.
    pub fn value_under_cursor(&self) -> Option<&str> {
        self.current().map(|i| self.items[i].value.as_str())
    }

    fn move_by(&mut self, delta: isize) {
        let n = self.visible().len();
        if n == 0 {
            self.cursor = 0;
        } else {
            self.cursor = self.cursor.saturating_add_signed(delta).min(n - 1);
        }
    }

    fn toggle(&mut self) {
        if let Some(i) = self.current()
            && !self.chosen.remove(&i)
        {
            self.chosen.insert(i);
        }
    }

    /// What confirming takes: the chosen items, else the one under the cursor.
    fn picked(&self) -> Vec<String> {
        if self.multi && !self.chosen.is_empty() {
            return self
                .chosen
                .iter()
                .map(|&i| self.items[i].value.clone())
                .collect();
        }
        self.current()
            .map(|i| self.items[i].value.clone())
            .into_iter()
            .collect()
    }

    /// What the choice asks for.
    fn chosen_commands(&self) -> Vec<Cmd> {
        let values = self.picked();
        let first = values.first().cloned();
        match &self.purpose {
            // `:TKT-42` goes to the ticket, as in k9s.
            Pick::Palette(_) if super::seek::names_a_ticket(&text_of(&self.filter)) => {
                vec![Cmd::Jump(text_of(&self.filter).trim().to_string())]
            }
            Pick::Palette(actions) => self
                .current()
                .and_then(|i| actions.get(i))
                .map(|a| Cmd::Run(*a))
                .into_iter()
                .collect(),
            Pick::FacetField => first
                .and_then(|v| Field::ALL.into_iter().find(|f| f.name() == v))
                .map(Cmd::Facet)
                .into_iter()
                .collect(),
            Pick::FacetValues { field, query } => {
                vec![Cmd::Query(with_facet(query, *field, &values))]
            }
            Pick::Assign { keys } => first
                .map(|email| {
                    let who = Some(email).filter(|e| !e.is_empty());
                    Cmd::Write(Op::Assign(who), keys.clone())
                })
                .into_iter()
                .collect(),
            Pick::Status { keys } => match first.as_deref() {
                Some("approved") => vec![Cmd::Write(Op::Approve(None), keys.clone())],
                Some("rejected") => vec![Cmd::Reject(keys.clone())],
                Some(to) => {
                    let op = Op::Transition {
                        to: to.to_string(),
                        note: None,
                    };
                    vec![Cmd::Write(op, keys.clone())]
                }
                None => Vec::new(),
            },
            Pick::Priority { keys } => first
                .map(|p| Cmd::Write(Op::Priority(p), keys.clone()))
                .into_iter()
                .collect(),
        }
    }
}

impl Overlay for Picker {
    fn pane(&self) -> Pane {
        Pane::Picker
    }

    fn act(&mut self, action: Action, ctx: &Context) -> Outcome {
        match action {
            Action::Back => Outcome::close(),
            Action::Up => {
                self.move_by(-1);
                Outcome::keep()
            }
            Action::Down => {
                self.move_by(1);
                Outcome::keep()
            }
            Action::Toggle if self.multi => {
                self.toggle();
                Outcome::keep()
            }
            // With one choice, a space narrows the list like any character.
            Action::Toggle => Outcome::NotConsumed,
            // A move to a plain status, with a note written first.
            Action::WithNote => match (&self.purpose, self.picked().first()) {
                (Pick::Status { keys }, Some(to)) if to != "approved" && to != "rejected" => {
                    let name = self.current().map(|i| self.items[i].label.clone());
                    let prompt = Prompt::status_note(keys.clone(), to.clone(), name, ctx);
                    Outcome::Close(vec![Cmd::Open(Box::new(prompt))])
                }
                _ => self.act(Action::Confirm, ctx),
            },
            Action::Confirm => {
                let cmds = self.chosen_commands();
                // A change to tickets waits here for the desk's answer, so a refusal
                // can be read and the choice made again.
                if !cmds.iter().any(|c| matches!(c, Cmd::Write(..))) {
                    return Outcome::Close(cmds);
                }
                if !self.submission.start() {
                    return Outcome::keep();
                }
                Outcome::Keep(cmds)
            }
            _ => Outcome::keep(),
        }
    }

    fn input(&mut self, key: Key, _ctx: &Context) -> Outcome {
        if key.code != Code::Enter {
            type_into(&mut self.filter, key);
            self.cursor = 0;
        }
        Outcome::keep()
    }

    fn paste(&mut self, text: &str) {
        self.filter.insert_str(one_line(text));
    }

    fn offers(&self, action: Action) -> bool {
        match action {
            Action::Toggle => self.multi,
            Action::WithNote => matches!(self.purpose, Pick::Status { .. }),
            _ => true,
        }
    }

    fn awaiting(&self) -> bool {
        self.submission.pending
    }

    fn follow(&mut self, changed: &[Ticket], ctx: &Context) {
        let keys = match &self.purpose {
            Pick::Assign { keys } | Pick::Status { keys } | Pick::Priority { keys } => keys,
            _ => return,
        };
        if let Some(news) = super::meanwhile(keys, changed, ctx) {
            self.submission.meanwhile = Some(news);
        }
    }

    fn refused(&mut self, why: String) {
        self.submission.refuse(why);
    }

    fn draw(&self, frame: &mut Frame, ctx: &Context) {
        let area = ctx.layout.screen;
        let theme = ctx.theme();
        let visible = self.visible();
        let width = 60.min(area.width);
        let below = self
            .submission
            .height(ctx, Pane::Picker, width.saturating_sub(2));
        let height = (visible.len() as u16 + 4 + below).clamp(6, area.height.saturating_sub(2));
        let inner = popup(frame, ctx, centered(area, width, height), &self.title);
        let [input, list, why] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(below),
        ])
        .areas(inner);
        if let Some(line) = self.submission.line(ctx, Pane::Picker) {
            frame.render_widget(Paragraph::new(line).wrap(Wrap { trim: false }), why);
        }
        let typed = text_of(&self.filter);
        let prompt = if typed.is_empty() {
            Line::styled("type to narrow", theme.dim())
        } else {
            Line::from(vec![Span::styled("› ", theme.key()), Span::raw(typed)])
        };
        frame.render_widget(Paragraph::new(prompt), input);
        let rows = usize::from(list.height);
        let start = self.cursor.saturating_sub(rows.saturating_sub(1));
        let lines: Vec<Line> = visible
            .iter()
            .enumerate()
            .skip(start)
            .take(rows)
            .map(|(pos, &i)| {
                let item = &self.items[i];
                let check = match (self.multi, self.chosen.contains(&i)) {
                    (true, true) => "[x] ",
                    (true, false) => "[ ] ",
                    _ => "",
                };
                let mut spans = vec![Span::raw(format!("{check}{}", item.label))];
                if !item.note.is_empty() {
                    spans.push(Span::styled(format!("  {}", item.note), theme.dim()));
                }
                let line = Line::from(spans);
                if pos == self.cursor {
                    line.style(theme.selected())
                } else {
                    line
                }
            })
            .collect();
        if lines.is_empty() {
            frame.render_widget(
                Paragraph::new(Line::styled("nothing matches", theme.dim())),
                list,
            );
        } else {
            frame.render_widget(Paragraph::new(lines), list);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// The values of the query's (positive) term for `field`.
fn facet_values(query: &str, field: Field) -> Vec<String> {
    query::parse(query)
        .map(|q| {
            q.terms
                .into_iter()
                .filter(|t| !t.negated)
                .filter_map(|t| match t.kind {
                    TermKind::Filter { field: f, values } if f == field => Some(values),
                    _ => None,
                })
                .flatten()
                .collect()
        })
        .unwrap_or_default()
}

/// `query` with its term for `field` replaced by one for `values` (none: removed).
pub fn with_facet(query: &str, field: Field, values: &[String]) -> String {
    let mut q = query::parse(query).unwrap_or_default();
    q.terms.retain(|t| {
        t.negated || !matches!(&t.kind, TermKind::Filter { field: f, .. } if *f == field)
    });
    if !values.is_empty() {
        q.terms.push(Term {
            negated: false,
            kind: TermKind::Filter {
                field,
                values: values.to_vec(),
            },
        });
    }
    q.to_string()
}
