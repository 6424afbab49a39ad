//! The audit trail, which is also the change feed.

use sqlx::{Any, Executor, Transaction};

use crate::domain::model::{Event, EventKind, Visibility};
use crate::domain::time::Millis;

use super::{Scope, StoreError, rows};

pub struct NewEvent<'a> {
    pub ticket_id: i64,
    /// The ticket's version after the change this event records.
    pub version: i64,
    pub kind: EventKind,
    pub actor_id: Option<i64>,
    pub at: Millis,
    pub field: Option<&'a str>,
    pub old: Option<&'a str>,
    pub new: Option<&'a str>,
    pub note: Option<&'a str>,
    pub visibility: Visibility,
}

pub async fn insert(
    tx: &mut Transaction<'static, Any>,
    e: NewEvent<'_>,
) -> Result<i64, StoreError> {
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO events (ticket_id, version, kind, actor_id, at, field, old_value, new_value,
            note, visibility)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING seq",
    )
    .bind(e.ticket_id)
    .bind(e.version)
    .bind(e.kind.as_str())
    .bind(e.actor_id)
    .bind(e.at)
    .bind(e.field)
    .bind(e.old)
    .bind(e.new)
    .bind(e.note)
    .bind(e.visibility.as_str())
    .fetch_one(&mut **tx)
    .await?;
    Ok(seq)
}

const EVENT_SELECT: &str =
    "SELECT e.seq, e.ticket_id, t.key AS ticket_key, e.version, e.kind, e.actor_id,
        u.email AS actor_email, u.name AS actor_name, e.at, e.field, e.old_value,
        e.new_value, e.note, e.visibility
   FROM events e JOIN tickets t ON t.id = e.ticket_id LEFT JOIN users u ON u.id = e.actor_id";

/// A ticket's events, oldest first; `public_only` for customers.
pub async fn for_ticket<'c, E>(
    ex: E,
    ticket_id: i64,
    public_only: bool,
) -> Result<Vec<Event>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let sql = format!(
        "{EVENT_SELECT} WHERE e.ticket_id = $1 AND ($2 = 0 OR e.visibility = 'public')
          ORDER BY e.seq"
    );
    let found = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(ticket_id)
        .bind(i64::from(public_only))
        .fetch_all(ex)
        .await?;
    found.iter().map(rows::event).collect()
}

/// Events that moved a ticket past `version`: what a stale writer missed.
pub async fn since_version<'c, E>(
    ex: E,
    ticket_id: i64,
    version: i64,
) -> Result<Vec<Event>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let sql = format!("{EVENT_SELECT} WHERE e.ticket_id = $1 AND e.version > $2 ORDER BY e.seq");
    let found = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(ticket_id)
        .bind(version)
        .fetch_all(ex)
        .await?;
    found.iter().map(rows::event).collect()
}

/// The change feed: events after `seq`, oldest first, at most `limit`, limited to what
/// the scope may see.
pub async fn after<'c, E>(
    ex: E,
    seq: i64,
    limit: u32,
    scope: &Scope,
) -> Result<Vec<Event>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let found = match scope {
        Scope::All => {
            let sql = format!("{EVENT_SELECT} WHERE e.seq > $1 ORDER BY e.seq LIMIT $2");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(seq)
                .bind(i64::from(limit))
                .fetch_all(ex)
                .await?
        }
        Scope::Requester(user_id) => {
            let sql = format!(
                "{EVENT_SELECT} WHERE e.seq > $1 AND t.requester_id = $2
                   AND e.visibility = 'public' ORDER BY e.seq LIMIT $3"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(seq)
                .bind(*user_id)
                .bind(i64::from(limit))
                .fetch_all(ex)
                .await?
        }
    };
    found.iter().map(rows::event).collect()
}

/// The newest sequence number, 0 when there are no events.
pub async fn last_seq<'c, E>(ex: E) -> Result<i64, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let seq: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM events")
        .fetch_one(ex)
        .await?;
    Ok(seq.unwrap_or(0))
}
