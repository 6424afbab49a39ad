//! Rows written back with the ids, keys and sequence numbers they had: what an import
//! of a whole desk needs and nothing else does.

use sqlx::{Any, Transaction};

use crate::domain::model::{Category, Comment, Event, Priority, User};

use super::StoreError;

type Tx = Transaction<'static, Any>;

/// Empties the reference tables a fresh desk was seeded with.
pub async fn clear_reference(tx: &mut Tx) -> Result<(), StoreError> {
    for sql in [
        "DELETE FROM categories",
        "DELETE FROM priorities",
        "DELETE FROM statuses",
    ] {
        sqlx::query(sql).execute(&mut **tx).await?;
    }
    Ok(())
}

pub async fn insert_user(tx: &mut Tx, u: &User) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO users (id, email, name, role, active, password_hash, created_at)
         VALUES ($1, $2, $3, $4, $5, NULL, $6)",
    )
    .bind(u.id)
    .bind(&u.email)
    .bind(&u.name)
    .bind(u.role.as_str())
    .bind(i64::from(u.active))
    .bind(u.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn insert_category(tx: &mut Tx, c: &Category) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO categories (id, name, description, sla_hours, requires_approval, active)
         VALUES ($1, $2, $3, CAST($4 AS DOUBLE PRECISION), $5, $6)",
    )
    .bind(c.id)
    .bind(&c.name)
    .bind(&c.description)
    .bind(super::reference::optional_hours(c.sla_hours))
    .bind(i64::from(c.requires_approval))
    .bind(i64::from(c.active))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn insert_priority(tx: &mut Tx, p: &Priority) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO priorities (id, name, rank, color, response_hours, resolution_hours)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(p.id)
    .bind(&p.name)
    .bind(p.rank)
    .bind(&p.color)
    .bind(p.response_hours)
    .bind(p.resolution_hours)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A comment as it was; the ticket's search row is rebuilt by the caller afterwards.
pub async fn insert_comment(tx: &mut Tx, c: &Comment) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO comments (id, ticket_id, author_id, author_email, body, visibility,
            created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(c.id)
    .bind(c.ticket_id)
    .bind(c.author.as_ref().map(|a| a.id))
    .bind(c.author_email.as_deref())
    .bind(&c.body)
    .bind(c.visibility.as_str())
    .bind(c.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An event with its sequence number and the ticket version it produced.
pub async fn insert_event(tx: &mut Tx, e: &Event) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO events (seq, ticket_id, version, kind, actor_id, at, field, old_value,
            new_value, note, visibility) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(e.seq)
    .bind(e.ticket_id)
    .bind(e.version)
    .bind(e.kind.as_str())
    .bind(e.actor.as_ref().map(|a| a.id))
    .bind(e.at)
    .bind(e.field.as_deref())
    .bind(e.old.as_deref())
    .bind(e.new.as_deref())
    .bind(e.note.as_deref())
    .bind(e.visibility.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Ticket numbers continue after the highest imported one.
pub async fn set_ticket_counter(tx: &mut Tx, value: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE counters SET value = $1 WHERE name = 'ticket'")
        .bind(value)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// PostgreSQL's identity columns do not notice rows written with explicit ids: move
/// each sequence past the highest id, so the next insert does not collide. SQLite
/// takes MAX(rowid) + 1 by itself.
pub async fn reset_sequences(tx: &mut Tx) -> Result<(), StoreError> {
    if super::search::backend_of(tx) != super::Backend::Postgres {
        return Ok(());
    }
    for (table, column) in [
        ("users", "id"),
        ("categories", "id"),
        ("priorities", "id"),
        ("comments", "id"),
        ("events", "seq"),
        ("api_tokens", "id"),
    ] {
        // Table and column names are the constants above, never input.
        let sql = format!(
            "SELECT 1 FROM (SELECT setval(pg_get_serial_sequence('{table}', '{column}'),
                 COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)) s"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// What an export leaves out on purpose and a move between databases must carry:
/// password hashes, API tokens (as hashes) and the ticket counter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Secrets {
    pub password_hashes: Vec<(i64, String)>,
    pub tokens: Vec<TokenRow>,
    pub ticket_counter: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub token_hash: String,
    pub label: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

pub async fn read_secrets<'c, E>(ex: E) -> Result<Secrets, StoreError>
where
    E: sqlx::Executor<'c, Database = Any> + Copy,
{
    use sqlx::Row;
    let hashes = sqlx::query(
        "SELECT id, password_hash FROM users WHERE password_hash IS NOT NULL ORDER BY id",
    )
    .fetch_all(ex)
    .await?
    .iter()
    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let tokens = sqlx::query(
        "SELECT id, user_id, token_hash, label, created_at, expires_at, revoked_at,
                last_used_at FROM api_tokens ORDER BY id",
    )
    .fetch_all(ex)
    .await?
    .iter()
    .map(|r| {
        Ok(TokenRow {
            id: r.try_get("id")?,
            user_id: r.try_get("user_id")?,
            token_hash: r.try_get("token_hash")?,
            label: r.try_get("label")?,
            created_at: r.try_get("created_at")?,
            expires_at: r.try_get("expires_at")?,
            revoked_at: r.try_get("revoked_at")?,
            last_used_at: r.try_get("last_used_at")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let ticket_counter: i64 =
        sqlx::query_scalar("SELECT value FROM counters WHERE name = 'ticket'")
            .fetch_one(ex)
            .await?;
    Ok(Secrets {
        password_hashes: hashes,
        tokens,
        ticket_counter,
    })
}

/// Writes what [`read_secrets`] read; the users must be in already.
pub async fn write_secrets(tx: &mut Tx, s: &Secrets) -> Result<(), StoreError> {
    for (id, hash) in &s.password_hashes {
        super::users::set_password_hash(&mut **tx, *id, Some(hash)).await?;
    }
    for t in &s.tokens {
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, token_hash, label, created_at, expires_at,
                revoked_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(t.id)
        .bind(t.user_id)
        .bind(&t.token_hash)
        .bind(&t.label)
        .bind(t.created_at)
        .bind(t.expires_at)
        .bind(t.revoked_at)
        .bind(t.last_used_at)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query("UPDATE counters SET value = $1 WHERE name = 'ticket' AND value < $1")
        .bind(s.ticket_counter)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Rows per table, counted by the database itself: a check on a move that does not go
/// through the code that made it.
pub const COUNTED: &[&str] = &[
    "users",
    "api_tokens",
    "categories",
    "priorities",
    "statuses",
    "tickets",
    "ticket_tags",
    "comments",
    "events",
];

pub async fn table_counts<'c, E>(ex: E) -> Result<Vec<(&'static str, i64)>, StoreError>
where
    E: sqlx::Executor<'c, Database = Any> + Copy,
{
    let mut counts = Vec::new();
    for table in COUNTED {
        // The names are the constants above, never input.
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(ex)
                .await?;
        counts.push((*table, n));
    }
    Ok(counts)
}
