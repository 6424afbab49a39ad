//! The ticket list as the TUI holds it: compact rows for the tickets loaded so far (one
//! page at a time, as the user scrolls toward them), the selection and scroll position,
//! marks, and which tickets changed since the user last looked.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use unicode_width::UnicodeWidthStr;

use crate::domain::model::{StatusClass, Ticket};
use crate::domain::query::{Sort, SortKey};
use crate::domain::sla;
use crate::domain::time::Millis;

/// What the list shows of a ticket: enough for a row, a fraction of a whole ticket, so
/// scrolling through a hundred thousand of them stays small. Values that repeat across
/// tickets (statuses, priorities, categories, people, tags) are shared, not copied.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: i64,
    pub key: String,
    pub title: String,
    pub status: Arc<str>,
    pub status_class: StatusClass,
    pub priority: Arc<str>,
    pub requester: String,
    pub assignee: Option<Arc<str>>,
    pub tags: Box<[Arc<str>]>,
    pub version: i64,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// The next SLA due time; `None` while the clock is stopped.
    pub due: Option<Millis>,
    pub paused: bool,
}

impl Row {
    /// `needle` is lowercased already.
    fn matches(&self, needle: &str) -> bool {
        let has = |text: &str| text.to_lowercase().contains(needle);
        has(&self.key)
            || has(&self.title)
            || has(&self.requester)
            || self.assignee.as_deref().is_some_and(has)
            || self.tags.iter().any(|t| has(t))
    }
}

/// One shared copy of each repeated string.
#[derive(Debug, Clone, Default)]
pub struct Interner(HashSet<Arc<str>>);

impl Interner {
    pub fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(known) = self.0.get(s) {
            return known.clone();
        }
        let new: Arc<str> = Arc::from(s);
        self.0.insert(new.clone());
        new
    }
}

impl Row {
    pub fn of(ticket: &Ticket, strings: &mut Interner) -> Row {
        Row {
            id: ticket.id,
            key: ticket.key.clone(),
            title: ticket.title.clone(),
            status: strings.get(&ticket.status),
            status_class: ticket.status_class,
            priority: strings.get(&ticket.priority),
            requester: ticket
                .requester
                .name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| ticket.requester.email.clone()),
            assignee: ticket.assignee.as_ref().map(|a| strings.get(&a.name)),
            tags: ticket.tags.iter().map(|t| strings.get(t)).collect(),
            version: ticket.version,
            created_at: ticket.created_at,
            updated_at: ticket.updated_at,
            due: sla::next_due(ticket),
            paused: ticket.sla.paused_at.is_some(),
        }
    }

    /// Time left on the SLA (negative when breached), `None` when the clock is stopped.
    pub fn time_left(&self, now: Millis) -> Option<Millis> {
        self.due.map(|d| d - now)
    }
}

/// What the list needs to order rows the way the store does: the ranks of priorities
/// and the workflow's positions of statuses (from the desk's reference data).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ranks {
    /// Lowercased priority name → rank (1 is the most urgent).
    pub priorities: HashMap<String, i64>,
    pub statuses: HashMap<String, i64>,
}

/// A row's value for a sort, compared as the store compares its `sort_expr`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortValue {
    Int(i64),
    Text(String),
}

impl Ranks {
    /// The row's place under `key`, ties broken by id as the store breaks them.
    pub fn value(&self, key: SortKey, row: &Row) -> (SortValue, i64) {
        let value = match key {
            SortKey::Updated => SortValue::Int(row.updated_at),
            SortKey::Created => SortValue::Int(row.created_at),
            SortKey::Key => SortValue::Int(row.id),
            SortKey::Priority => SortValue::Int(
                -self
                    .priorities
                    .get(&row.priority.to_lowercase())
                    .copied()
                    .unwrap_or(0),
            ),
            SortKey::Status => {
                SortValue::Int(self.statuses.get(&*row.status).copied().unwrap_or(0))
            }
            // Close to the store's breach time: stopped clocks go last.
            SortKey::Sla => SortValue::Int(match (row.status_class, row.paused) {
                (StatusClass::Done, _) | (_, true) => i64::MAX,
                _ => row.due.unwrap_or(i64::MAX),
            }),
            SortKey::Title => SortValue::Text(row.title.to_lowercase()),
            SortKey::Assignee => {
                SortValue::Text(row.assignee.as_deref().unwrap_or("").to_lowercase())
            }
            SortKey::Requester => SortValue::Text(row.requester.to_lowercase()),
        };
        (value, row.id)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Rows {
    pub rows: Vec<Row>,
    /// How many tickets match, when known.
    pub total: Option<i64>,
    /// Where the next page starts; `None` once everything is loaded.
    pub next_cursor: Option<String>,
    /// The first page has arrived (before that the list says "loading").
    pub loaded: bool,
    /// The store's order for the query.
    pub order: Sort,
    pub ranks: Ranks,
    pub selected: usize,
    /// The first row on screen.
    pub offset: usize,
    pub marked: HashSet<String>,
    /// Changed by someone else since the user last looked at them.
    pub changed: HashSet<String>,
    /// Ids of the loaded rows: pages can overlap when tickets change between them.
    ids: HashSet<i64>,
    strings: Interner,
    /// The widest key loaded: the Key column keeps this width while scrolling.
    pub key_width: usize,
}

impl Rows {
    pub fn new(order: Sort, ranks: Ranks) -> Rows {
        Rows {
            order,
            ranks,
            ..Rows::default()
        }
    }

    /// Orders the loaded rows by `order` (they are all loaded, or the next pages
    /// would not follow on), keeping the selection on the same ticket.
    pub fn sort_loaded(&mut self, order: Sort) {
        let selected_key = self.selected_row().map(|r| r.key.clone());
        self.order = order;
        let ranks = &self.ranks;
        self.rows.sort_by_cached_key(|r| ranks.value(order.key, r));
        if order.descending {
            self.rows.reverse();
        }
        self.offset = 0;
        self.reselect(selected_key.as_deref());
    }

    /// The next row after `from` (before it when `!forward`), wrapping, whose key,
    /// title, requester, assignee or a tag contains `needle` (any case); `from` itself
    /// last.
    pub fn find(&self, needle: &str, from: usize, forward: bool) -> Option<usize> {
        let needle = needle.to_lowercase();
        if needle.is_empty() || self.rows.is_empty() {
            return None;
        }
        let n = self.rows.len();
        (1..=n)
            .map(|step| {
                if forward {
                    (from + step) % n
                } else {
                    (from + n - step % n) % n
                }
            })
            .find(|&i| self.rows[i].matches(&needle))
    }

    /// Whether row `index` matches `needle`.
    pub fn matches_at(&self, index: usize, needle: &str) -> bool {
        let needle = needle.to_lowercase();
        !needle.is_empty() && self.rows.get(index).is_some_and(|r| r.matches(&needle))
    }

    /// How many loaded rows match `needle`, and which of them `index` is (1-based).
    pub fn match_position(&self, needle: &str, index: usize) -> (usize, usize) {
        let needle = needle.to_lowercase();
        let mut total = 0;
        let mut at = 0;
        for (i, row) in self.rows.iter().enumerate() {
            if row.matches(&needle) {
                total += 1;
                if i == index {
                    at = total;
                }
            }
        }
        (at, total)
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.rows.get(self.selected)
    }

    pub fn has_more(&self) -> bool {
        self.next_cursor.is_some()
    }

    /// Adds a page at the end (pages arrive in order).
    pub fn append(&mut self, tickets: &[Ticket], next_cursor: Option<String>) {
        let (len, incoming) = (self.rows.len(), tickets.len());
        if self.rows.capacity() < len + incoming {
            // Double as a Vec would, but never past what the desk said will come.
            let total = self.total.and_then(|t| usize::try_from(t).ok());
            let target = (len * 2).max(len + incoming);
            let target = total.map_or(target, |t| target.min(t.max(len + incoming)));
            self.rows.reserve_exact(target - len);
        }
        for ticket in tickets {
            if self.ids.insert(ticket.id) {
                self.key_width = self.key_width.max(ticket.key.width());
                self.rows.push(Row::of(ticket, &mut self.strings));
            }
        }
        self.next_cursor = next_cursor;
        self.loaded = true;
    }

    /// Puts changed tickets that still match where the order says, and drops the ones
    /// that no longer match, keeping the selection on the same ticket.
    pub fn merge(&mut self, matching: &[Ticket], gone: &[String]) {
        let selected_key = self.selected_row().map(|r| r.key.clone());
        let gone: HashSet<&str> = gone.iter().map(String::as_str).collect();
        let updated: HashSet<i64> = matching.iter().map(|t| t.id).collect();
        self.rows
            .retain(|r| !gone.contains(r.key.as_str()) && !updated.contains(&r.id));
        self.ids = self.rows.iter().map(|r| r.id).collect();
        let (sort, ranks) = (self.order, &self.ranks);
        for ticket in matching {
            let row = Row::of(ticket, &mut self.strings);
            let key = ranks.value(sort.key, &row);
            // Find the first row that sorts after it.
            let at = self.rows.partition_point(|r| {
                let other = ranks.value(sort.key, r);
                if sort.descending {
                    other > key
                } else {
                    other < key
                }
            });
            // Past the loaded end while more pages wait: that page will bring it.
            if at == self.rows.len() && self.has_more() {
                continue;
            }
            self.ids.insert(row.id);
            self.key_width = self.key_width.max(row.key.width());
            self.rows.insert(at, row);
        }
        for key in &gone {
            self.marked.remove(*key);
        }
        self.reselect(selected_key.as_deref());
    }

    /// Replaces one ticket's row in place after the user changed it.
    pub fn update(&mut self, ticket: &Ticket) {
        if let Some(i) = self.rows.iter().position(|r| r.id == ticket.id) {
            self.rows[i] = Row::of(ticket, &mut self.strings);
        }
    }

    fn reselect(&mut self, key: Option<&str>) {
        if let Some(key) = key
            && let Some(i) = self.rows.iter().position(|r| r.key == key)
        {
            // At the top, stay there so new tickets show up above the selection;
            // scrolled down, or while marking (the next key may mark the row under
            // the cursor), keep the selected row where it was on screen.
            if self.offset > 0 || !self.marked.is_empty() {
                let on_screen = self.selected.saturating_sub(self.offset);
                self.offset = i.saturating_sub(on_screen);
            }
            self.selected = i;
            return;
        }
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }

    /// Moves the selection by `delta` rows and keeps it on a screen of `height` rows.
    pub fn move_by(&mut self, delta: isize, height: usize) {
        if self.rows.is_empty() {
            return;
        }
        let last = self.rows.len() - 1;
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        self.scroll_into_view(height);
    }

    pub fn select(&mut self, index: usize, height: usize) {
        self.selected = index.min(self.rows.len().saturating_sub(1));
        self.scroll_into_view(height);
    }

    pub fn scroll_into_view(&mut self, height: usize) {
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
    }

    /// Whether the selection is close enough to the end to fetch the next page.
    pub fn wants_more(&self, height: usize) -> bool {
        self.has_more() && self.selected + height * 2 >= self.rows.len()
    }

    pub fn toggle_mark(&mut self) {
        if let Some(key) = self.selected_row().map(|r| r.key.clone())
            && !self.marked.remove(&key)
        {
            self.marked.insert(key);
        }
    }

    /// The keys a bulk action applies to: the marked ones, else the selected one.
    pub fn targets(&self) -> Vec<String> {
        if self.marked.is_empty() {
            return self
                .selected_row()
                .map(|r| r.key.clone())
                .into_iter()
                .collect();
        }
        // In list order, so results read top to bottom.
        let mut keys: Vec<String> = self
            .rows
            .iter()
            .filter(|r| self.marked.contains(&r.key))
            .map(|r| r.key.clone())
            .collect();
        let shown: HashSet<&String> = keys.iter().collect();
        let mut rest: Vec<String> = self
            .marked
            .iter()
            .filter(|k| !shown.contains(k))
            .cloned()
            .collect();
        rest.sort();
        keys.extend(rest);
        keys
    }

    pub fn version_of(&self, key: &str) -> Option<i64> {
        self.rows.iter().find(|r| r.key == key).map(|r| r.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::{Requester, SlaClock};

    fn ticket(id: i64, updated_at: Millis) -> Ticket {
        Ticket {
            id,
            key: format!("TKT-{id}"),
            title: format!("Ticket {id}"),
            description: String::new(),
            requester: Requester {
                user_id: None,
                email: "a@example.com".into(),
                name: None,
            },
            category: "General".into(),
            priority: "Medium".into(),
            status: "new".into(),
            status_class: StatusClass::Open,
            assignee: None,
            tags: vec!["vip".into()],
            custom_fields: Default::default(),
            version: 1,
            created_at: updated_at,
            updated_at,
            first_response_at: None,
            resolved_at: None,
            closed_at: None,
            approved_at: None,
            sla: SlaClock::default(),
        }
    }

    fn keys(rows: &Rows) -> Vec<&str> {
        rows.rows.iter().map(|r| r.key.as_str()).collect()
    }

    #[test]
    fn the_key_column_is_as_wide_as_the_widest_key_loaded() {
        let mut rows = Rows::new(Sort::DEFAULT, Ranks::default());
        rows.append(&[ticket(100_000, 30), ticket(99_999, 20)], None);
        assert_eq!(rows.key_width, "TKT-100000".len());
        rows.merge(&[ticket(7, 40)], &["TKT-100000".into()]);
        assert_eq!(rows.key_width, "TKT-100000".len(), "it does not shrink");
    }

    #[test]
    fn while_marking_the_selected_row_stays_where_it_is_on_screen() {
        let mut rows = Rows::new(Sort::DEFAULT, Ranks::default());
        rows.append(&[ticket(3, 30), ticket(2, 20), ticket(1, 10)], None);
        rows.select(1, 10);
        rows.toggle_mark();
        rows.merge(&[ticket(4, 40), ticket(5, 50)], &[]);
        assert_eq!(rows.selected_row().map(|r| r.key.as_str()), Some("TKT-2"));
        assert_eq!(rows.selected - rows.offset, 1, "same place on screen");
        assert!(rows.marked.contains("TKT-2"));
    }

    #[test]
    fn a_merge_puts_changes_in_order_drops_the_gone_and_keeps_the_selection() {
        let mut rows = Rows::new(Sort::DEFAULT, Ranks::default());
        rows.append(&[ticket(3, 30), ticket(2, 20), ticket(1, 10)], None);
        rows.select(1, 10);
        rows.merge(&[ticket(1, 40), ticket(4, 25)], &["TKT-3".into()]);
        assert_eq!(keys(&rows), ["TKT-1", "TKT-4", "TKT-2"]);
        assert_eq!(rows.selected_row().map(|r| r.key.as_str()), Some("TKT-2"));
        // At the top the view stays at the top, so what arrived is seen.
        assert_eq!(rows.offset, 0);
    }

    #[test]
    fn a_change_past_the_loaded_end_waits_for_its_page() {
        let mut rows = Rows::new(Sort::DEFAULT, Ranks::default());
        rows.append(&[ticket(3, 30), ticket(2, 20)], Some("more".into()));
        rows.merge(&[ticket(9, 5)], &[]);
        assert_eq!(keys(&rows), ["TKT-3", "TKT-2"]);
        // Pages that overlap (a ticket moved between them) do not duplicate it.
        rows.append(&[ticket(2, 20), ticket(1, 10)], None);
        assert_eq!(keys(&rows), ["TKT-3", "TKT-2", "TKT-1"]);
    }

    #[test]
    fn marks_are_the_targets_in_list_order_and_strings_are_shared() {
        let mut rows = Rows::new(Sort::DEFAULT, Ranks::default());
        rows.append(&[ticket(3, 30), ticket(2, 20), ticket(1, 10)], None);
        assert_eq!(rows.targets(), ["TKT-3"]);
        rows.select(2, 10);
        rows.toggle_mark();
        rows.select(0, 10);
        rows.toggle_mark();
        assert_eq!(rows.targets(), ["TKT-3", "TKT-1"]);
        assert!(Arc::ptr_eq(&rows.rows[0].status, &rows.rows[1].status));
        assert!(Arc::ptr_eq(&rows.rows[0].tags[0], &rows.rows[2].tags[0]));
    }

    #[test]
    fn moving_keeps_the_selection_on_screen() {
        let mut rows = Rows::new(Sort::DEFAULT, Ranks::default());
        let many: Vec<Ticket> = (1..=50).rev().map(|i| ticket(i, i)).collect();
        rows.append(&many, None);
        rows.move_by(15, 10);
        assert_eq!((rows.selected, rows.offset), (15, 6));
        rows.move_by(-100, 10);
        assert_eq!((rows.selected, rows.offset), (0, 0));
        rows.move_by(1000, 10);
        assert_eq!((rows.selected, rows.offset), (49, 40));
    }
}
