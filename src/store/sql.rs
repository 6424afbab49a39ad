//! Ticket filters as the store understands them (names already resolved to ids by the
//! service), and the SQL they become. Every list is keyset-paginated: the cursor is the
//! sort key of the last row, so pages stay stable while tickets are being added.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AssertSqlSafe};

use crate::domain::query::{Cmp, SlaState, Sort, SortKey, TimeField};
use crate::domain::time::Millis;

use super::{Backend, search};

/// Whose tickets a caller may see at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    /// A customer: only tickets they filed, searched without internal notes.
    Requester(i64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TicketFilter {
    pub scope: Scope,
    pub clauses: Vec<Clause>,
    /// The instant SLA and age terms are judged at.
    pub now: Millis,
    /// The query's `sort:` term.
    pub sort: Option<Sort>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    pub negated: bool,
    pub kind: ClauseKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ClauseKind {
    Status {
        keys: Vec<String>,
        classes: Vec<String>,
    },
    Priority(Vec<i64>),
    Category(Vec<i64>),
    Assignee {
        ids: Vec<i64>,
        none: bool,
    },
    Requester(Vec<String>),
    Tag(Vec<String>),
    Id(Vec<i64>),
    Time {
        field: TimeField,
        cmp: Cmp,
        at: Millis,
    },
    Sla(SlaState),
    Text(String),
}

/// The times a per-day series can count by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayColumn {
    Created,
    Resolved,
}

impl DayColumn {
    fn sql(self) -> &'static str {
        match self {
            DayColumn::Created => "t.created_at",
            DayColumn::Resolved => "t.resolved_at",
        }
    }

    /// The index on the column (migrations 1 and 6).
    fn index(self) -> &'static str {
        match self {
            DayColumn::Created => "tickets_created",
            DayColumn::Resolved => "tickets_resolved",
        }
    }
}

/// How a list is ordered. Without a `sort:` term, text searches list newest tickets
/// first: the full-text index yields matches in id order without sorting them all,
/// whatever the word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortMode {
    Updated,
    Newest,
    /// A `sort:` term other than the default order.
    By(Sort),
}

/// The sort value of the last row of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CursorValue {
    Int(i64),
    Text(String),
}

/// Where the next page starts: the sort value and id of the last row of this one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageCursor {
    pub mode: SortMode,
    pub value: CursorValue,
    pub id: i64,
}

impl PageCursor {
    pub fn encode(&self) -> String {
        let text = match (&self.mode, &self.value) {
            (SortMode::Updated, CursorValue::Int(v)) => format!("u:{v}:{}", self.id),
            (SortMode::Newest, _) => format!("n:0:{}", self.id),
            (SortMode::By(sort), CursorValue::Int(v)) => format!("s:{sort}:{}:i{v}", self.id),
            (SortMode::By(sort), CursorValue::Text(v)) => format!("s:{sort}:{}:t{v}", self.id),
            (SortMode::Updated, CursorValue::Text(_)) => format!("u:0:{}", self.id),
        };
        URL_SAFE_NO_PAD.encode(text)
    }

    /// `None` for anything this desk did not hand out.
    pub fn decode(raw: &str) -> Option<PageCursor> {
        let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        if let Some(rest) = text.strip_prefix("s:") {
            // The value goes last: text may hold colons.
            let mut parts = rest.splitn(3, ':');
            let sort = parts.next()?;
            let (descending, name) = match sort.strip_prefix('-') {
                Some(name) => (true, name),
                None => (false, sort),
            };
            let key = SortKey::from_name(name)?;
            let id = parts.next()?.parse().ok()?;
            let raw_value = parts.next()?;
            let value = if key.is_text() {
                CursorValue::Text(raw_value.strip_prefix('t')?.to_string())
            } else {
                CursorValue::Int(raw_value.strip_prefix('i')?.parse().ok()?)
            };
            return Some(PageCursor {
                mode: SortMode::By(Sort { key, descending }),
                value,
                id,
            });
        }
        let mut parts = text.split(':');
        let mode = match parts.next()? {
            "u" => SortMode::Updated,
            "n" => SortMode::Newest,
            _ => return None,
        };
        let value = CursorValue::Int(parts.next()?.parse().ok()?);
        let id = parts.next()?.parse().ok()?;
        if parts.next().is_some() {
            return None;
        }
        Some(PageCursor { mode, value, id })
    }
}

/// What a `sort:` key orders by, as SQL over `tickets t`: never NULL, so the keyset
/// comparison needs no special case (unassigned sorts as the empty name, a stopped
/// SLA clock as the end of time). Text is compared lowercased, byte by byte on both
/// databases. Names come from correlated subqueries for the reason given at
/// `TICKET_FIELDS`.
pub(super) fn sort_expr(key: SortKey, backend: Backend) -> String {
    let text = |sql: &str| match backend {
        Backend::Sqlite => format!("lower({sql})"),
        Backend::Postgres => format!("lower({sql}) COLLATE \"C\""),
    };
    match key {
        SortKey::Updated => "t.updated_at".into(),
        SortKey::Created => "t.created_at".into(),
        SortKey::Key => "t.id".into(),
        // Rank 1 is the most urgent: ascending goes from the least urgent up.
        SortKey::Priority => {
            "COALESCE((SELECT -rank FROM priorities WHERE id = t.priority_id), 0)".into()
        }
        SortKey::Status => {
            "COALESCE((SELECT position FROM statuses WHERE key = t.status), 0)".into()
        }
        // Migration 7 indexes exactly this expression.
        SortKey::Sla => format!("COALESCE(t.sla_breach_at, {})", i64::MAX),
        SortKey::Title => text("t.title"),
        SortKey::Assignee => {
            text("COALESCE((SELECT name FROM users WHERE id = t.assignee_id), '')")
        }
        // As the list shows it: the name, else the address.
        SortKey::Requester => text(
            "COALESCE(NULLIF(TRIM(COALESCE((SELECT name FROM users WHERE id = t.requester_id), \
             t.requester_name)), ''), t.requester_email)",
        ),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub limit: u32,
    pub cursor: Option<PageCursor>,
}

/// A value to bind, in order of the `$N` placeholders.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Bind {
    Int(i64),
    Text(String),
}

/// Builds SQL text and its binds together so placeholder numbers cannot drift.
#[derive(Default)]
pub(super) struct SqlBuilder {
    pub sql: String,
    binds: Vec<Bind>,
}

impl SqlBuilder {
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    pub fn bind(&mut self, value: Bind) -> &mut Self {
        self.binds.push(value);
        self.sql.push('$');
        self.sql.push_str(&self.binds.len().to_string());
        self
    }

    pub fn int(&mut self, v: i64) -> &mut Self {
        self.bind(Bind::Int(v))
    }

    pub fn text(&mut self, v: impl Into<String>) -> &mut Self {
        self.bind(Bind::Text(v.into()))
    }

    fn list_ints(&mut self, values: &[i64]) -> &mut Self {
        self.push("(");
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.int(*v);
        }
        self.push(")")
    }

    fn list_texts(&mut self, values: &[String]) -> &mut Self {
        self.push("(");
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.text(v.clone());
        }
        self.push(")")
    }

    /// The binds, for a statement run without sqlx (`readers`).
    pub fn params(&self) -> Vec<super::Param<'_>> {
        self.binds
            .iter()
            .map(|b| match b {
                Bind::Int(v) => super::Param::Int(*v),
                Bind::Text(v) => super::Param::Text(v),
            })
            .collect()
    }

    pub fn build(&self) -> Query<'_, Any, AnyArguments> {
        let mut q = sqlx::query(AssertSqlSafe(self.sql.clone()));
        for b in &self.binds {
            q = match b {
                Bind::Int(v) => q.bind(*v),
                Bind::Text(v) => q.bind(v.clone()),
            };
        }
        q
    }
}

/// What every ticket read selects, in the order of the fields of `rows::TicketRow`.
/// Names come from correlated subqueries, not joins: they run only for the rows of the
/// page, and a join with a tiny table tempts SQLite's planner to drive the query from
/// it and sort the whole desk.
const TICKET_FIELDS: &str = "t.id, t.key, t.title, t.description, \
    t.requester_id, t.requester_email, \
    COALESCE((SELECT name FROM users WHERE id = t.requester_id), t.requester_name), \
    (SELECT name FROM categories WHERE id = t.category_id), \
    (SELECT name FROM priorities WHERE id = t.priority_id), \
    t.status, t.status_class, t.assignee_id, \
    (SELECT email FROM users WHERE id = t.assignee_id), \
    (SELECT name FROM users WHERE id = t.assignee_id), \
    t.tags, t.custom_fields, t.version, t.created_at, t.updated_at, t.first_response_at, \
    t.resolved_at, t.closed_at, t.approved_at, t.response_due_at, t.resolution_due_at, \
    t.sla_paused_at, t.sla_paused_ms";

/// A ticket as one JSON array value (see `rows::ticket`): one value per row to copy
/// out of the database instead of 27 cuts the cost of a page of 50 by a third.
pub(super) fn ticket_json(backend: Backend) -> String {
    match backend {
        Backend::Sqlite => format!("json_array({TICKET_FIELDS})"),
        Backend::Postgres => format!("json_build_array({TICKET_FIELDS})"),
    }
}

/// A JSON value as text, which every driver reads (PostgreSQL's `json` type is not).
pub(super) fn json_text(backend: Backend, value: &str) -> String {
    match backend {
        Backend::Sqlite => value.to_string(),
        Backend::Postgres => format!("({value})::text"),
    }
}

/// PostgreSQL's JSON aggregate of `value` in `order`, as text (`[]` for no rows).
fn pg_json_agg(value: &str, order: &str) -> String {
    format!("COALESCE(json_agg({value} ORDER BY {order}), '[]'::json)::text")
}

/// Which table drives a list query: the one whose index yields rows already in order.
enum Driver {
    Tickets,
    /// `tag:x` alone: ticket_tags' (tag, updated_at, ticket_id) index is the order.
    Tag(String),
    /// A text search: the full-text index yields ids newest first.
    Text(String),
}

impl TicketFilter {
    pub fn sort_mode(&self) -> SortMode {
        let has_text = self
            .clauses
            .iter()
            .any(|c| !c.negated && matches!(&c.kind, ClauseKind::Text(t) if search::has_words(t)));
        match self.sort {
            // The default order, asked for or not, keeps the drivers that yield it.
            Some(Sort::DEFAULT) if !has_text => SortMode::Updated,
            Some(sort) => SortMode::By(sort),
            None if has_text => SortMode::Newest,
            None => SortMode::Updated,
        }
    }

    fn driver(&self) -> (Driver, Option<usize>) {
        let mode = self.sort_mode();
        for (i, clause) in self.clauses.iter().enumerate() {
            if clause.negated {
                continue;
            }
            match (&clause.kind, mode) {
                // A customer's few tickets are found faster from the tickets side than
                // by walking every match of the word in the whole desk.
                (ClauseKind::Text(t), SortMode::Newest)
                    if search::has_words(t) && self.scope == Scope::All =>
                {
                    return (Driver::Text(t.clone()), Some(i));
                }
                (ClauseKind::Tag(tags), SortMode::Updated) if tags.len() == 1 => {
                    return (Driver::Tag(tags[0].clone()), Some(i));
                }
                _ => {}
            }
        }
        (Driver::Tickets, None)
    }

    /// `SELECT` of one page of tickets (asks for `limit + 1` rows to learn whether there
    /// is a next page).
    pub(super) fn page_sql(&self, page: Page, backend: Backend) -> SqlBuilder {
        let (driver, skip) = self.driver();
        let mode = self.sort_mode();
        let mut b = SqlBuilder::default();
        // Through sqlx (PostgreSQL) the page comes back as one JSON array in page
        // order: one row to hand over instead of 51. SQLite's rows are read on the
        // caller's thread (`readers`), where a row costs nothing to hand over and an
        // aggregate would only parse each one again.
        let aggregate = backend == Backend::Postgres;
        let (sort_value, sort_id, from) = match &driver {
            Driver::Tickets => ("t.updated_at", "t.id", " FROM tickets t"),
            Driver::Tag(_) => (
                "d.updated_at",
                "d.ticket_id",
                " FROM ticket_tags d JOIN tickets t ON t.id = d.ticket_id",
            ),
            Driver::Text(_) if backend == Backend::Postgres => (
                "t.updated_at",
                "sx.ticket_id",
                " FROM ticket_search sx JOIN tickets t ON t.id = sx.ticket_id",
            ),
            Driver::Text(_) => (
                "t.updated_at",
                "s.rowid",
                " FROM ticket_search s JOIN tickets t ON t.id = s.rowid",
            ),
        };
        // The value rows are ordered by (none: by id alone) and the direction.
        let (sort_value, descending) = match mode {
            SortMode::Updated => (Some(sort_value.to_string()), true),
            SortMode::Newest => (None, true),
            SortMode::By(sort) => (Some(sort_expr(sort.key, backend)), sort.descending),
        };
        let dir = if descending { "DESC" } else { "ASC" };
        if aggregate {
            let order = match sort_value {
                Some(_) => format!("su {dir}, si {dir}"),
                None => format!("si {dir}"),
            };
            b.push("SELECT ")
                .push(&pg_json_agg("r", &order))
                .push(" FROM (");
        }
        b.push("SELECT ").push(&ticket_json(backend));
        if aggregate {
            // The aggregate orders by these.
            let su = sort_value.as_deref().unwrap_or("0");
            b.push(&format!(" AS r, {su} AS su, {sort_id} AS si"));
        }
        b.push(from);
        if backend == Backend::Postgres && !matches!(driver, Driver::Text(_)) {
            self.push_pg_search_join(&mut b);
        }
        b.push(" WHERE 1 = 1");
        match &driver {
            Driver::Tickets => {}
            Driver::Tag(tag) => {
                b.push(" AND d.tag = ").text(tag.clone());
            }
            Driver::Text(text) if backend == Backend::Postgres => {
                let (func, query) = search::pg_query(text);
                let column = search::pg_column(self.scope != Scope::All);
                b.push(&format!(" AND sx.{column} @@ {func}('simple', "))
                    .text(query)
                    .push(")");
            }
            Driver::Text(text) => {
                b.push(" AND ticket_search MATCH ")
                    .text(search::match_expr(text, self.scope != Scope::All));
            }
        }
        self.push_where(&mut b, skip, backend);
        let past = if descending { "<" } else { ">" };
        if let Some(cursor) = page.cursor.as_ref().filter(|c| c.mode == mode) {
            match &sort_value {
                Some(value) => {
                    b.push(&format!(" AND ({value}, {sort_id}) {past} ("));
                    match &cursor.value {
                        CursorValue::Int(v) => b.int(*v),
                        CursorValue::Text(v) => b.text(v.clone()),
                    };
                    b.push(", ").int(cursor.id).push(")");
                }
                None => {
                    b.push(&format!(" AND {sort_id} {past} ")).int(cursor.id);
                }
            }
        }
        match &sort_value {
            Some(value) => b.push(&format!(" ORDER BY {value} {dir}, {sort_id} {dir} LIMIT ")),
            None => b.push(&format!(" ORDER BY {sort_id} {dir} LIMIT ")),
        };
        b.int(i64::from(page.limit) + 1);
        if aggregate {
            b.push(") page");
        }
        b
    }

    /// Per-day counts of what the filter matches by `column` (a time in ms) from
    /// `since`: `(day, count)` rows, day 0 being the one starting at `since`. The
    /// column's own index bounds the rows read to the period.
    pub(super) fn per_day_sql(
        &self,
        backend: Backend,
        column: DayColumn,
        since: i64,
    ) -> SqlBuilder {
        let col = column.sql();
        let mut b = SqlBuilder::default();
        b.push(&format!("SELECT ({col} - "))
            .int(since)
            .push(&format!(
                ") / {} AS day, COUNT(*) FROM tickets t",
                crate::domain::time::DAY
            ));
        match backend {
            // SQLite would rather drive a filter such as `priority:high` from that
            // field's index and read every such ticket; the time's own index reads the
            // period only, which stays small however large the desk grows.
            Backend::Sqlite => {
                b.push(&format!(" INDEXED BY {}", column.index()));
            }
            Backend::Postgres => self.push_pg_search_join(&mut b),
        }
        b.push(&format!(" WHERE {col} >= ")).int(since);
        self.push_where(&mut b, None, backend);
        b.push(" GROUP BY day");
        b
    }

    /// `SELECT COUNT(*)` of everything the filter matches.
    pub(super) fn count_sql(&self, backend: Backend) -> SqlBuilder {
        let mut b = SqlBuilder::default();
        b.push("SELECT COUNT(*) FROM tickets t");
        if backend == Backend::Postgres {
            self.push_pg_search_join(&mut b);
        }
        b.push(" WHERE 1 = 1");
        self.push_where(&mut b, None, backend);
        b
    }

    /// On PostgreSQL, text terms test the ticket's one search row through a single
    /// join (`sx`) rather than one EXISTS each: the planner turns every EXISTS into a
    /// semi-join, and a query of hundreds of words would cost it seconds to plan.
    fn push_pg_search_join(&self, b: &mut SqlBuilder) {
        let has_text = self
            .clauses
            .iter()
            .any(|c| matches!(&c.kind, ClauseKind::Text(t) if search::has_words(t)));
        if has_text {
            b.push(" LEFT JOIN ticket_search sx ON sx.ticket_id = t.id");
        }
    }

    fn has_due_term(&self) -> bool {
        self.clauses.iter().any(|c| {
            !c.negated
                && matches!(
                    c.kind,
                    ClauseKind::Time {
                        field: TimeField::Due,
                        ..
                    }
                )
        })
    }

    fn push_where(&self, b: &mut SqlBuilder, skip: Option<usize>, backend: Backend) {
        if let Scope::Requester(id) = self.scope {
            b.push(" AND t.requester_id = ").int(id);
        }
        for (i, clause) in self.clauses.iter().enumerate() {
            if Some(i) == skip {
                continue;
            }
            if let ClauseKind::Text(t) = &clause.kind
                && !search::has_words(t)
            {
                // Punctuation alone has no words to look for: it narrows nothing.
                continue;
            }
            // `-status:done` is written as the classes left (`status_class IN ('open',
            // 'pending')`), which an index on the class can seek; a NOT it cannot.
            if clause.negated
                && let ClauseKind::Status { keys, classes } = &clause.kind
                && keys.is_empty()
            {
                use crate::domain::model::StatusClass;
                let rest: Vec<String> =
                    [StatusClass::Open, StatusClass::Pending, StatusClass::Done]
                        .map(StatusClass::as_str)
                        .into_iter()
                        .filter(|c| !classes.iter().any(|n| n == c))
                        .map(String::from)
                        .collect();
                if rest.is_empty() {
                    b.push(" AND 1 = 0");
                } else {
                    b.push(" AND t.status_class IN ").list_texts(&rest);
                }
                continue;
            }
            // Negation must treat NULL as "does not match", or `-assignee:bob` would
            // drop unassigned tickets.
            b.push(if clause.negated {
                " AND NOT COALESCE(("
            } else {
                " AND (("
            });
            self.push_clause(b, &clause.kind, backend);
            b.push(if clause.negated { "), FALSE)" } else { "))" });
        }
    }

    fn push_clause(&self, b: &mut SqlBuilder, kind: &ClauseKind, backend: Backend) {
        match kind {
            ClauseKind::Status { keys, classes } => match (keys.is_empty(), classes.is_empty()) {
                (false, true) => {
                    b.push("t.status IN ").list_texts(keys);
                }
                (true, false) => {
                    b.push("t.status_class IN ").list_texts(classes);
                }
                _ => {
                    b.push("t.status IN ")
                        .list_texts(keys)
                        .push(" OR t.status_class IN ")
                        .list_texts(classes);
                }
            },
            ClauseKind::Priority(ids) => {
                b.push("t.priority_id IN ").list_ints(ids);
            }
            ClauseKind::Category(ids) => {
                b.push("t.category_id IN ").list_ints(ids);
            }
            ClauseKind::Assignee { ids, none } => match (ids.is_empty(), none) {
                (true, true) => {
                    b.push("t.assignee_id IS NULL");
                }
                (false, false) => {
                    b.push("t.assignee_id IN ").list_ints(ids);
                }
                (false, true) => {
                    b.push("t.assignee_id IS NULL OR t.assignee_id IN ")
                        .list_ints(ids);
                }
                // Nobody matches: an assignee the desk does not know.
                (true, false) => {
                    b.push("1 = 0");
                }
            },
            ClauseKind::Requester(emails) => {
                b.push("t.requester_email IN ").list_texts(emails);
            }
            ClauseKind::Tag(tags) => {
                b.push("t.id IN (SELECT ticket_id FROM ticket_tags WHERE tag IN ")
                    .list_texts(tags)
                    .push(")");
            }
            ClauseKind::Id(ids) => {
                b.push("t.id IN ").list_ints(ids);
            }
            ClauseKind::Time { field, cmp, at } => {
                let column = match field {
                    TimeField::Created => "t.created_at",
                    TimeField::Updated => "t.updated_at",
                    TimeField::Resolved => "t.resolved_at",
                    TimeField::Due => "t.sla_breach_at",
                };
                b.push(&format!("{column} {} ", cmp.symbol())).int(*at);
            }
            ClauseKind::Sla(SlaState::Paused) => {
                b.push("t.sla_paused_at IS NOT NULL");
            }
            // One definition with the dashboard's count (migration 3's `sla_breach_at`):
            // a ticket not done that is past a due time; an index range.
            ClauseKind::Sla(SlaState::Breached) => {
                b.push("t.sla_breach_at < ").int(self.now);
            }
            // `sla::target_missed`: answered late, or past a due time as of when the
            // clock stopped (or now, while it runs).
            ClauseKind::Sla(SlaState::Missed) => {
                b.push(
                    "t.first_response_at > t.response_due_at \
                     OR (t.first_response_at IS NULL AND t.response_due_at < COALESCE(t.sla_paused_at, ",
                )
                .int(self.now)
                .push(")) OR t.resolution_due_at < COALESCE(t.sla_paused_at, ")
                .int(self.now)
                .push(")");
            }
            // With a `due:` term beside it (which no ticket without a due time matches)
            // the NULL half is dropped, so `sla:ok due:<1h` is one index range, not a
            // scan of every ticket already late.
            ClauseKind::Sla(SlaState::Ok) if self.has_due_term() => {
                b.push("t.sla_breach_at >= ").int(self.now);
            }
            ClauseKind::Sla(SlaState::Ok) => {
                b.push("t.sla_breach_at IS NULL OR t.sla_breach_at >= ")
                    .int(self.now);
            }
            ClauseKind::Text(text) if backend == Backend::Postgres => {
                let (func, query) = search::pg_query(text);
                let column = search::pg_column(self.scope != Scope::All);
                b.push(&format!("sx.{column} @@ {func}('simple', "))
                    .text(query)
                    .push(")");
            }
            // Checked per candidate ticket: FTS5 answers `MATCH .. AND rowid = ?` with a
            // seek, where `IN (SELECT rowid ..)` would collect every match first.
            ClauseKind::Text(text) => {
                b.push("EXISTS (SELECT 1 FROM ticket_search WHERE ticket_search MATCH ")
                    .text(search::match_expr(text, self.scope != Scope::All))
                    .push(" AND ticket_search.rowid = t.id)");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = PageCursor {
            mode: SortMode::Updated,
            value: CursorValue::Int(1_700_000_000_000),
            id: 42,
        };
        assert_eq!(PageCursor::decode(&c.encode()), Some(c));
        let by = |key, descending, value| PageCursor {
            mode: SortMode::By(Sort { key, descending }),
            value,
            id: 7,
        };
        for c in [
            by(SortKey::Priority, true, CursorValue::Int(-3)),
            by(SortKey::Sla, false, CursorValue::Int(i64::MAX)),
            by(SortKey::Title, false, CursorValue::Text("a: b:c".into())),
            by(SortKey::Assignee, true, CursorValue::Text(String::new())),
        ] {
            assert_eq!(PageCursor::decode(&c.encode()), Some(c.clone()), "{c:?}");
        }
        // A text sort with a number, and the other way round.
        for bad in ["s:title:7:i3", "s:priority:7:tx", "s:nonsense:7:i3"] {
            assert_eq!(
                PageCursor::decode(&URL_SAFE_NO_PAD.encode(bad)),
                None,
                "{bad}"
            );
        }
        for bad in ["", "xyz", "dTox", &URL_SAFE_NO_PAD.encode("q:1:2")] {
            assert_eq!(PageCursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn placeholders_are_numbered_in_order() {
        let f = TicketFilter {
            scope: Scope::Requester(7),
            clauses: vec![Clause {
                negated: true,
                kind: ClauseKind::Priority(vec![1, 2]),
            }],
            now: 0,
            sort: None,
        };
        let b = f.count_sql(Backend::Sqlite);
        assert!(b.sql.contains("t.requester_id = $1"), "{}", b.sql);
        assert!(
            b.sql
                .contains("NOT COALESCE((t.priority_id IN ($2, $3)), FALSE)"),
            "{}",
            b.sql
        );
    }
}
