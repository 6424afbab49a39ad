//! Moving around without changing anything: the search in the loaded list and going
//! to a ticket by its key, also one the filter does not show.

use super::App;
use crate::tui::panes::Focus;
use crate::tui::protocol::Effect;

/// A search in the loaded list.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub text: String,
    /// Where the selection was when the search began (Esc goes back there).
    pub from: usize,
}

/// A jump to a ticket the filter did not show: the list shows it alone until the
/// user goes back.
#[derive(Debug, Clone)]
pub struct Jumped {
    pub key: String,
    /// The filter (and view) to go back to.
    pub back_to: (String, Option<usize>),
    /// Open it when the list has loaded it.
    pub open: bool,
}

impl App {
    /// The search as typed so far (`None`: abandoned).
    pub(super) fn find(&mut self, text: Option<String>) {
        let height = self.ctx.layout.list_rows();
        let Some(text) = text else {
            if let Some(search) = self.search.take() {
                self.list.rows.select(search.from, height);
            }
            return;
        };
        let from = self
            .search
            .as_ref()
            .map_or(self.list.rows.selected, |s| s.from);
        // Each keystroke starts again from where the search began, so the first match
        // of what is typed now is shown, not the one after the previous match.
        let found = if self.list.rows.matches_at(from, &text) {
            Some(from)
        } else {
            self.list.rows.find(&text, from, true)
        };
        match found {
            Some(i) => self.list.rows.select(i, height),
            None => self.list.rows.select(from, height),
        }
        self.say_position(&text, found.is_some());
        self.search = Some(Search { text, from });
    }

    /// `n` / `N`.
    pub(super) fn find_again(&mut self, forward: bool) -> Vec<Effect> {
        let Some(text) = self.search.as_ref().map(|s| s.text.clone()) else {
            self.status.tell(format!(
                "no search yet: {} searches the loaded list",
                self.ctx.word(
                    crate::tui::keymap::Pane::List,
                    crate::tui::action::Action::Find
                )
            ));
            return Vec::new();
        };
        let here = self.list.rows.selected;
        let found = self.list.rows.find(&text, here, forward);
        if let Some(i) = found {
            let wrapped = if forward { i <= here } else { i >= here };
            self.list.rows.select(i, self.ctx.layout.list_rows());
            if wrapped && i != here {
                self.status.tell(format!(
                    "search wrapped to the {}",
                    if forward { "top" } else { "bottom" }
                ));
                return self.after_move();
            }
        }
        self.say_position(&text, found.is_some());
        self.after_move()
    }

    fn say_position(&mut self, text: &str, found: bool) {
        if text.is_empty() {
            return;
        }
        let (at, total) = self.list.rows.match_position(text, self.list.rows.selected);
        let more = if self.list.rows.has_more() {
            " (in the rows loaded so far)"
        } else {
            ""
        };
        if found && total > 0 {
            self.status
                .tell(format!("“{text}”: {at} of {total} matches{more}"));
        } else {
            self.status.warn(format!("“{text}”: no match{more}"));
        }
    }

    /// Goes to the ticket `typed` names (`42`, `TKT-42`).
    pub(super) fn jump(&mut self, typed: &str) -> Vec<Effect> {
        let key = self.full_key(typed);
        if let Some(i) = self.list.rows.rows.iter().position(|r| r.key == key) {
            self.list.rows.select(i, self.ctx.layout.list_rows());
            let mut effects = self.after_move();
            effects.extend(self.act(crate::tui::action::Action::Open));
            return effects;
        }
        let back_to = match self.jumped.take() {
            // From one jump to the next: back still goes to the filter before the first.
            Some(j) => j.back_to,
            None => (self.list.query.clone(), self.list.view),
        };
        self.status
            .tell(format!("{key} is not in this list; showing it alone"));
        self.jumped = Some(Jumped {
            key: key.clone(),
            back_to,
            open: true,
        });
        self.dirty = true;
        self.list.set_query(format!("key:{key}"), None)
    }

    /// After the first page of a jump's list: open the ticket, or say it is not there
    /// and go back.
    pub(super) fn after_jump_page(&mut self) -> Vec<Effect> {
        let Some(jumped) = self.jumped.as_mut().filter(|j| j.open) else {
            return Vec::new();
        };
        jumped.open = false;
        let key = jumped.key.clone();
        if self.list.rows.rows.iter().any(|r| r.key == key) {
            self.list.rows.select(0, self.ctx.layout.list_rows());
            return self.act(crate::tui::action::Action::Open);
        }
        self.status
            .warn(format!("{key}: no such ticket, or not one you may see"));
        self.jump_back().unwrap_or_default()
    }

    /// Back from a jump to the filter before it, if the list shows a jump.
    pub(super) fn jump_back(&mut self) -> Option<Vec<Effect>> {
        let jumped = self.jumped.take()?;
        self.focus = Focus::List;
        let (query, view) = jumped.back_to;
        Some(self.apply_query(query, view))
    }

    /// `42` in a desk whose keys are `TKT-…` is `TKT-42`.
    fn full_key(&self, typed: &str) -> String {
        let typed = typed.trim().trim_start_matches('#');
        if typed.contains('-') {
            return typed.to_uppercase();
        }
        let prefix = self
            .list
            .rows
            .rows
            .first()
            .map(|r| r.key.as_str())
            .or(self.detail.view.as_ref().map(|v| v.ticket.key.as_str()))
            .and_then(|k| k.rsplit_once('-').map(|(p, _)| p.to_string()))
            .unwrap_or_else(|| "TKT".to_string());
        format!("{prefix}-{typed}")
    }
}
