//! A ticket with its whole timeline in one statement.
//!
//! Reading a ticket is the server's most frequent call. Three statements (ticket,
//! comments, events) cost three round trips to the database's connection thread, and
//! those trips, not SQLite, were most of a request's time (benches/server.sh). The
//! comments and events therefore come back as JSON arrays beside the ticket's columns,
//! aggregated by the database itself.

use std::sync::LazyLock;

use sqlx::Row;

use crate::domain::model::{Comment, Event, Ticket};

use super::sql::{json_text, ticket_json};
use super::{Backend, Param, Store, StoreError, rows};

// The columns below are in the order of `rows::CommentColumns` and `rows::EventColumns`.
const COMMENT_ROW: &str = "c.id, c.author_id, u.email, u.name, c.author_email, c.body, \
    c.visibility, c.created_at";
const COMMENT_FROM: &str = "FROM comments c LEFT JOIN users u ON u.id = c.author_id \
    WHERE c.ticket_id = t.id AND ($2 = 0 OR c.visibility = 'public')";
const EVENT_ROW: &str = "e.seq, e.version, e.kind, e.actor_id, u.email, u.name, e.at, \
    e.field, e.old_value, e.new_value, e.note, e.visibility";
const EVENT_FROM: &str = "FROM events e LEFT JOIN users u ON u.id = e.actor_id \
    WHERE e.ticket_id = t.id AND ($2 = 0 OR e.visibility = 'public')";

fn statement(backend: Backend) -> String {
    let (array, aggregate, empty) = match backend {
        Backend::Sqlite => ("json_array", "json_group_array", "'[]'"),
        Backend::Postgres => ("json_build_array", "json_agg", "'[]'::json"),
    };
    let cast = if backend == Backend::Postgres {
        "::text"
    } else {
        ""
    };
    let ticket = json_text(backend, &ticket_json(backend));
    format!(
        "SELECT {ticket} AS ticket_json,
           COALESCE((SELECT {aggregate}({array}({COMMENT_ROW}) ORDER BY c.id) {COMMENT_FROM}),
                    {empty}){cast} AS comments_json,
           COALESCE((SELECT {aggregate}({array}({EVENT_ROW}) ORDER BY e.seq) {EVENT_FROM}),
                    {empty}){cast} AS events_json
         FROM tickets t WHERE t.id = $1"
    )
}

fn statement_for(backend: Backend) -> &'static str {
    static SQLITE: LazyLock<String> = LazyLock::new(|| statement(Backend::Sqlite));
    static POSTGRES: LazyLock<String> = LazyLock::new(|| statement(Backend::Postgres));
    match backend {
        Backend::Sqlite => &SQLITE,
        Backend::Postgres => &POSTGRES,
    }
}

/// The ticket `id` with its comments and events, oldest first; `public_only` leaves
/// out internal notes and internal events (for customers).
pub async fn ticket_view(
    store: &Store,
    id: i64,
    public_only: bool,
) -> Result<Option<(Ticket, Vec<Comment>, Vec<Event>)>, StoreError> {
    let sql = statement_for(store.backend());
    let public_only = i64::from(public_only);
    let texts = match store.readers() {
        Some(readers) => readers.texts::<3>(sql, &[Param::Int(id), Param::Int(public_only)])?,
        None => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .bind(public_only)
                .fetch_optional(store.pool())
                .await?;
            match row {
                Some(row) => Some([row.try_get(0)?, row.try_get(1)?, row.try_get(2)?]),
                None => None,
            }
        }
    };
    let Some([ticket_json, comments_json, events_json]) = texts else {
        return Ok(None);
    };
    let ticket = rows::ticket(&ticket_json)?;
    let comments = rows::comments_json(id, &comments_json)?;
    let events = rows::events_json(&ticket, &events_json)?;
    Ok(Some((ticket, comments, events)))
}
