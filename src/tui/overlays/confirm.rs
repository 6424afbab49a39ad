//! "Are you sure?" before a change that is easy to regret: taking a ticket someone else
//! is working on, or changing several tickets at once. It names every ticket (and whose
//! they are) and waits for one key.

use std::any::Any;

use ratatui::Frame;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::{Cmd, Outcome, Overlay, centered, popup};
use crate::tui::action::Action;
use crate::tui::context::Context;
use crate::tui::keymap::{Key, Pane};
use crate::tui::panes::rows::Rows;
use crate::tui::protocol::Op;

/// More keys than this are summed up ("and 12 more").
const NAMED: usize = 8;

pub struct Confirm {
    pub question: String,
    op: Op,
    keys: Vec<String>,
}

impl Confirm {
    /// Asks before `op` on `keys` when it needs asking: more than one ticket, or an
    /// assignment that takes a ticket from someone else. `None`: go ahead.
    pub fn needed(op: &Op, keys: &[String], rows: &Rows, ctx: &Context) -> Option<Confirm> {
        // Their own dialogs name the tickets and wait for Enter: that is the question.
        if matches!(op, Op::Approve(_) | Op::Reject(_)) {
            return None;
        }
        let theirs: Vec<String> = match op {
            Op::Assign(_) => keys
                .iter()
                .filter_map(|k| {
                    let row = rows.rows.iter().find(|r| &r.key == k)?;
                    let who = row.assignee.as_deref()?;
                    (who != ctx.info.user.name).then(|| format!("{k} is {who}'s"))
                })
                .collect(),
            _ => Vec::new(),
        };
        if keys.len() < 2 && theirs.is_empty() {
            return None;
        }
        let mut question = format!("{} {}?", verb(op, ctx), named(keys));
        if !theirs.is_empty() {
            question.push_str(&format!(" ({})", theirs.join(", ")));
        }
        Some(Confirm {
            question,
            op: op.clone(),
            keys: keys.to_vec(),
        })
    }
}

/// What the change does, as a question starts: "Assign to Mike Chen".
fn verb(op: &Op, ctx: &Context) -> String {
    match op {
        Op::Assign(Some(who)) if *who == ctx.info.user.email => "Take".into(),
        Op::Assign(Some(who)) => {
            let name = ctx
                .refs
                .users
                .iter()
                .find(|u| &u.email == who)
                .map_or(who.as_str(), |u| u.name.as_str());
            format!("Assign to {name}:")
        }
        Op::Assign(None) => "Unassign".into(),
        Op::Transition { to, .. } => format!("Move to {}:", ctx.refs.status_name(to)),
        Op::Approve(_) => "Approve".into(),
        Op::Reject(_) => "Reject".into(),
        Op::Priority(p) => format!("Set priority {p} on"),
        Op::Tags { .. } => "Change the tags of".into(),
    }
}

/// "TKT-1, TKT-4 and TKT-9", "TKT-1, …, TKT-8 and 12 more".
pub fn named(keys: &[String]) -> String {
    let (shown, rest) = keys.split_at(keys.len().min(NAMED));
    match (shown, rest.len()) {
        ([one], 0) => one.clone(),
        (_, 0) => {
            let (last, first) = shown
                .split_last()
                .map_or((None, shown), |(l, f)| (Some(l), f));
            format!(
                "{} and {}",
                first.join(", "),
                last.map_or("", String::as_str)
            )
        }
        (_, more) => format!("{} and {more} more", shown.join(", ")),
    }
}

impl Overlay for Confirm {
    fn pane(&self) -> Pane {
        Pane::Confirm
    }

    fn act(&mut self, action: Action, _ctx: &Context) -> Outcome {
        match action {
            Action::Yes => Outcome::Close(vec![Cmd::WriteNow(self.op.clone(), self.keys.clone())]),
            Action::Back => Outcome::Close(vec![Cmd::Tell("nothing changed".into())]),
            _ => Outcome::keep(),
        }
    }

    /// Any other key: the question stays until it is answered.
    fn input(&mut self, _key: Key, _ctx: &Context) -> Outcome {
        Outcome::keep()
    }

    fn draw(&self, frame: &mut Frame, ctx: &Context) {
        let area = ctx.layout.screen;
        let width = 70.min(area.width);
        let words = format!(
            "{} yes · {} no",
            ctx.word(Pane::Confirm, Action::Yes),
            ctx.word(Pane::Confirm, Action::Back)
        );
        let text_width = usize::from(width.saturating_sub(2)).max(1);
        let lines = self.question.chars().count().div_ceil(text_width) as u16;
        let inner = popup(
            frame,
            ctx,
            centered(area, width, lines + 4),
            "Are you sure?",
        );
        let body = vec![
            Line::from(self.question.clone()),
            Line::default(),
            Line::styled(words, ctx.theme().dim()),
        ];
        frame.render_widget(Paragraph::new(body).wrap(Wrap { trim: false }), inner);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_named_and_many_summed_up() {
        let keys = |n: usize| (1..=n).map(|i| format!("TKT-{i}")).collect::<Vec<_>>();
        assert_eq!(named(&keys(1)), "TKT-1");
        assert_eq!(named(&keys(3)), "TKT-1, TKT-2 and TKT-3");
        assert_eq!(
            named(&keys(10)),
            "TKT-1, TKT-2, TKT-3, TKT-4, TKT-5, TKT-6, TKT-7, TKT-8 and 2 more"
        );
    }
}
