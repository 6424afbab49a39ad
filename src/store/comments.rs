//! Comments on tickets.

use sqlx::{Any, Executor, Transaction};

use crate::domain::model::{Comment, Visibility};
use crate::domain::time::Millis;

use super::{StoreError, rows, search};

pub struct NewComment<'a> {
    pub ticket_id: i64,
    pub author_id: Option<i64>,
    pub author_email: Option<&'a str>,
    pub body: &'a str,
    pub visibility: Visibility,
    pub at: Millis,
}

/// Inserts a comment and refreshes the ticket's words in the search index.
pub async fn insert(
    tx: &mut Transaction<'static, Any>,
    c: NewComment<'_>,
) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO comments (ticket_id, author_id, author_email, body, visibility, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(c.ticket_id)
    .bind(c.author_id)
    .bind(c.author_email)
    .bind(c.body)
    .bind(c.visibility.as_str())
    .bind(c.at)
    .fetch_one(&mut **tx)
    .await?;
    search::reindex(tx, c.ticket_id).await?;
    Ok(id)
}

const COMMENT_SELECT: &str = "SELECT c.id, c.ticket_id, c.author_id,
        u.email AS author_user_email, u.name AS author_name, c.author_email, c.body,
        c.visibility, c.created_at
   FROM comments c LEFT JOIN users u ON u.id = c.author_id";

/// Comments with ids after `after`, oldest first, at most `limit`: the whole desk's, for
/// an export.
pub async fn page_after<'c, E>(ex: E, after: i64, limit: u32) -> Result<Vec<Comment>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let sql = format!("{COMMENT_SELECT} WHERE c.id > $1 ORDER BY c.id LIMIT $2");
    let found = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(ex)
        .await?;
    found.iter().map(rows::comment).collect()
}

/// A ticket's comments, oldest first; `public_only` for customers.
pub async fn for_ticket<'c, E>(
    ex: E,
    ticket_id: i64,
    public_only: bool,
) -> Result<Vec<Comment>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let sql = format!(
        "{COMMENT_SELECT} WHERE c.ticket_id = $1 AND ($2 = 0 OR c.visibility = 'public')
          ORDER BY c.id"
    );
    let found = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(ticket_id)
        .bind(i64::from(public_only))
        .fetch_all(ex)
        .await?;
    found.iter().map(rows::comment).collect()
}
