//! Ticket rows: insert, save, read one, read a page, count.

use std::sync::LazyLock;

use sqlx::{Any, Executor, Row, Transaction};

use crate::domain::model::Ticket;
use crate::domain::time::Millis;

pub use super::sql::DayColumn;
use super::sql::{
    CursorValue, Page, PageCursor, SortMode, TicketFilter, json_text, sort_expr, ticket_json,
};
use super::{Backend, Store, StoreError, rows, search};
use crate::domain::query::{Sort, SortKey};

/// Reference-data ids a ticket row points at; the domain ticket carries names.
#[derive(Debug, Clone, Copy)]
pub struct RefIds {
    pub category_id: i64,
    pub priority_id: i64,
}

/// Takes the next ticket number. A counter row (not MAX(id)+1) stays unique across
/// several servers on one PostgreSQL database.
pub async fn next_number(tx: &mut Transaction<'static, Any>) -> Result<i64, StoreError> {
    take_numbers(tx, 1).await
}

/// Takes the next `n` ticket numbers at once and returns the last: the numbers are
/// `last - n + 1 ..= last`, consecutive because the writer lock is held.
pub async fn take_numbers(tx: &mut Transaction<'static, Any>, n: i64) -> Result<i64, StoreError> {
    let last: i64 = sqlx::query_scalar(
        "UPDATE counters SET value = value + $1 WHERE name = 'ticket' RETURNING value",
    )
    .bind(n)
    .fetch_one(&mut **tx)
    .await?;
    Ok(last)
}

/// Inserts a new ticket whose `id` was taken with [`next_number`], with its tags and
/// its row in the search index.
pub async fn insert(
    tx: &mut Transaction<'static, Any>,
    t: &Ticket,
    ids: RefIds,
) -> Result<(), StoreError> {
    insert_unindexed(tx, t, ids).await?;
    search::index_new(tx, t.id, t.id).await
}

/// Inserts a new ticket with its tags but leaves it out of the search index, for
/// writers that index a run of new tickets at once with [`search::index_new`].
pub async fn insert_unindexed(
    tx: &mut Transaction<'static, Any>,
    t: &Ticket,
    ids: RefIds,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO tickets (id, key, title, description, requester_id, requester_email,
            requester_name, category_id, priority_id, status, status_class, assignee_id, tags,
            custom_fields, version, created_at, updated_at, first_response_at, resolved_at,
            closed_at, approved_at, response_due_at, resolution_due_at, sla_paused_at,
            sla_paused_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
            $18, $19, $20, $21, $22, $23, $24, $25)",
    )
    .bind(t.id)
    .bind(&t.key)
    .bind(&t.title)
    .bind(&t.description)
    .bind(t.requester.user_id)
    .bind(&t.requester.email)
    .bind(&t.requester.name)
    .bind(ids.category_id)
    .bind(ids.priority_id)
    .bind(&t.status)
    .bind(t.status_class.as_str())
    .bind(t.assignee.as_ref().map(|a| a.id))
    .bind(json(&t.tags))
    .bind(json(&t.custom_fields))
    .bind(t.version)
    .bind(t.created_at)
    .bind(t.updated_at)
    .bind(t.first_response_at)
    .bind(t.resolved_at)
    .bind(t.closed_at)
    .bind(t.approved_at)
    .bind(t.sla.response_due_at)
    .bind(t.sla.resolution_due_at)
    .bind(t.sla.paused_at)
    .bind(t.sla.paused_ms)
    .execute(&mut **tx)
    .await?;
    insert_tags(tx, t.id, &t.tags, t.updated_at).await
}

/// Writes every mutable column of a ticket that was read at `based_on` version. Returns
/// false when someone else changed it meanwhile (nothing written).
pub async fn save(
    tx: &mut Transaction<'static, Any>,
    t: &Ticket,
    ids: RefIds,
    based_on: i64,
    before: &Ticket,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE tickets SET title = $1, description = $2, category_id = $3, priority_id = $4,
            status = $5, status_class = $6, assignee_id = $7, tags = $8, custom_fields = $9,
            version = $10, updated_at = $11, first_response_at = $12, resolved_at = $13,
            closed_at = $14, approved_at = $15, response_due_at = $16,
            resolution_due_at = $17, sla_paused_at = $18, sla_paused_ms = $19
         WHERE id = $20 AND version = $21",
    )
    .bind(&t.title)
    .bind(&t.description)
    .bind(ids.category_id)
    .bind(ids.priority_id)
    .bind(&t.status)
    .bind(t.status_class.as_str())
    .bind(t.assignee.as_ref().map(|a| a.id))
    .bind(json(&t.tags))
    .bind(json(&t.custom_fields))
    .bind(t.version)
    .bind(t.updated_at)
    .bind(t.first_response_at)
    .bind(t.resolved_at)
    .bind(t.closed_at)
    .bind(t.approved_at)
    .bind(t.sla.response_due_at)
    .bind(t.sla.resolution_due_at)
    .bind(t.sla.paused_at)
    .bind(t.sla.paused_ms)
    .bind(t.id)
    .bind(based_on)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    if t.tags != before.tags {
        sqlx::query("DELETE FROM ticket_tags WHERE ticket_id = $1")
            .bind(t.id)
            .execute(&mut **tx)
            .await?;
        insert_tags(tx, t.id, &t.tags, t.updated_at).await?;
    } else if !t.tags.is_empty() {
        sqlx::query("UPDATE ticket_tags SET updated_at = $1 WHERE ticket_id = $2")
            .bind(t.updated_at)
            .bind(t.id)
            .execute(&mut **tx)
            .await?;
    }
    if t.title != before.title || t.description != before.description {
        search::reindex(tx, t.id).await?;
    }
    Ok(true)
}

async fn insert_tags(
    tx: &mut Transaction<'static, Any>,
    id: i64,
    tags: &[String],
    updated_at: Millis,
) -> Result<(), StoreError> {
    for tag in tags {
        sqlx::query("INSERT INTO ticket_tags (ticket_id, tag, updated_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(tag)
            .bind(updated_at)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

fn json<T: serde::Serialize>(value: &T) -> String {
    // Serialising plain maps and string lists cannot fail; an empty object is the
    // harmless answer if it ever did.
    serde_json::to_string(value).unwrap_or_else(|_| "{}".into())
}

pub async fn get<'c, E>(ex: E, backend: Backend, id: i64) -> Result<Option<Ticket>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let row: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(ticket_by_id(backend)))
        .bind(id)
        .fetch_optional(ex)
        .await?;
    row.as_deref().map(rows::ticket).transpose()
}

/// The ticket `id`, read outside any transaction: on SQLite on the caller's thread
/// (see `readers`).
pub async fn read(store: &Store, id: i64) -> Result<Option<Ticket>, StoreError> {
    let Some(readers) = store.readers() else {
        return get(store.pool(), store.backend(), id).await;
    };
    let found = readers.texts::<1>(ticket_by_id(Backend::Sqlite), &[super::Param::Int(id)])?;
    found.map(|[json]| rows::ticket(&json)).transpose()
}

/// `SELECT` of one ticket by id, built once per backend: it runs on every read.
fn ticket_by_id(backend: Backend) -> &'static str {
    fn build(backend: Backend) -> String {
        format!(
            "SELECT {} FROM tickets t WHERE t.id = $1",
            json_text(backend, &ticket_json(backend))
        )
    }
    static SQLITE: LazyLock<String> = LazyLock::new(|| build(Backend::Sqlite));
    static POSTGRES: LazyLock<String> = LazyLock::new(|| build(Backend::Postgres));
    match backend {
        Backend::Sqlite => &SQLITE,
        Backend::Postgres => &POSTGRES,
    }
}

/// One page of tickets and the cursor of the next one (if any).
pub struct TicketPage {
    pub tickets: Vec<Ticket>,
    pub next: Option<PageCursor>,
}

/// One page of the tickets `filter` matches. On SQLite it is read on the caller's
/// thread (see `readers`): one statement, bounded by the page size.
pub async fn page(
    store: &Store,
    filter: &TicketFilter,
    page: Page,
) -> Result<TicketPage, StoreError> {
    let limit = page.limit;
    let b = filter.page_sql(page, store.backend());
    let mut tickets = match store.readers() {
        Some(readers) => rows::ticket_list(&readers.column(&b.sql, &b.params())?)?,
        None => rows::tickets(
            &b.build()
                .fetch_one(store.pool())
                .await?
                .try_get::<String, _>(0)?,
        )?,
    };
    let next = if tickets.len() > limit as usize {
        tickets.truncate(limit as usize);
        match tickets.last() {
            Some(last) => Some(cursor_after(store, filter.sort_mode(), last).await?),
            None => None,
        }
    } else {
        None
    };
    Ok(TicketPage { tickets, next })
}

/// The cursor of the page after `last`: its sort value, read from the ticket where
/// the ticket holds it, else with the very expression the page was ordered by.
async fn cursor_after(
    store: &Store,
    mode: SortMode,
    last: &Ticket,
) -> Result<PageCursor, StoreError> {
    let value = match mode {
        SortMode::Updated
        | SortMode::By(Sort {
            key: SortKey::Updated,
            ..
        }) => CursorValue::Int(last.updated_at),
        SortMode::By(Sort {
            key: SortKey::Created,
            ..
        }) => CursorValue::Int(last.created_at),
        SortMode::Newest
        | SortMode::By(Sort {
            key: SortKey::Key, ..
        }) => CursorValue::Int(last.id),
        SortMode::By(Sort { key, .. }) => {
            let sql = format!(
                "SELECT {} FROM tickets t WHERE t.id = $1",
                sort_expr(key, store.backend())
            );
            let q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(last.id);
            let row = q.fetch_one(store.pool()).await?;
            if key.is_text() {
                CursorValue::Text(row.try_get(0)?)
            } else {
                CursorValue::Int(row.try_get(0)?)
            }
        }
    };
    Ok(PageCursor {
        mode,
        value,
        id: last.id,
    })
}

/// What the filter matches per day by `column` from `since`, for `days` days (0 where
/// none).
pub async fn per_day<'c, E>(
    ex: E,
    backend: Backend,
    filter: &TicketFilter,
    column: DayColumn,
    since: Millis,
    days: usize,
) -> Result<Vec<i64>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let b = filter.per_day_sql(backend, column, since);
    let mut counts = vec![0; days];
    for row in b.build().fetch_all(ex).await? {
        let day: i64 = row.try_get(0)?;
        let n: i64 = row.try_get(1)?;
        if let Some(slot) = usize::try_from(day).ok().and_then(|d| counts.get_mut(d)) {
            *slot = n;
        }
    }
    Ok(counts)
}

pub async fn count<'c, E>(ex: E, backend: Backend, filter: &TicketFilter) -> Result<i64, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let b = filter.count_sql(backend);
    let row = b.build().fetch_one(ex).await?;
    Ok(row.try_get(0)?)
}

/// Moves a ticket's whole history `ms` into the past: its times, its comments, its
/// events. Used to make demo and benchmark data look lived-in; every time moves by the
/// same amount, so SLA clocks keep their meaning.
pub async fn shift_history(
    tx: &mut Transaction<'static, Any>,
    id: i64,
    ms: Millis,
) -> Result<(), StoreError> {
    let statements = [
        "UPDATE tickets SET created_at = created_at - $1, updated_at = updated_at - $1,
            first_response_at = first_response_at - $1, resolved_at = resolved_at - $1,
            closed_at = closed_at - $1, approved_at = approved_at - $1,
            response_due_at = response_due_at - $1, resolution_due_at = resolution_due_at - $1,
            sla_paused_at = sla_paused_at - $1
         WHERE id = $2",
        "UPDATE ticket_tags SET updated_at = updated_at - $1 WHERE ticket_id = $2",
        "UPDATE comments SET created_at = created_at - $1 WHERE ticket_id = $2",
        "UPDATE events SET at = at - $1 WHERE ticket_id = $2",
    ];
    for sql in statements {
        sqlx::query(sql)
            .bind(ms)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Ids of the tickets whose custom field `key` holds exactly `value`. The text match
/// narrows the rows (custom fields are stored as compact JSON); each candidate is then
/// parsed and compared, so escaping or key order can never give a wrong answer.
pub async fn with_custom_field<'c, E>(
    ex: E,
    key: &str,
    value: &serde_json::Value,
) -> Result<Vec<i64>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let needle = format!("{}:{}", serde_json::Value::from(key), value);
    let mut pattern = String::from("%");
    for ch in needle.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    let found: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, custom_fields FROM tickets WHERE custom_fields LIKE $1 ESCAPE '\\'",
    )
    .bind(pattern)
    .fetch_all(ex)
    .await?;
    Ok(found
        .into_iter()
        .filter(|(_, fields)| {
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(fields)
                .is_ok_and(|m| m.get(key) == Some(value))
        })
        .map(|(id, _)| id)
        .collect())
}
