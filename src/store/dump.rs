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
        ("attachments", "id"),
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
/// password hashes, API tokens (as hashes), the ticket counter, and uploads: those still
/// waiting for their ticket, and the upload secrets (as hashes) of linked ones.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Secrets {
    pub password_hashes: Vec<(i64, String)>,
    pub tokens: Vec<TokenRow>,
    pub ticket_counter: i64,
    /// Uploads no ticket has yet (their blobs are copied with the rest).
    pub staged: Vec<StagedRow>,
    /// (attachment id, upload secret's hash) of linked attachments that came as uploads.
    pub upload_tokens: Vec<(i64, String)>,
}

/// An upload waiting for its ticket, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedRow {
    pub id: i64,
    pub name: String,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploader_id: Option<i64>,
    pub uploader_email: Option<String>,
    pub visibility: String,
    pub upload_token: Option<String>,
    pub created_at: i64,
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
    let staged = sqlx::query(
        "SELECT id, name, media_type, size, sha256, uploader_id, uploader_email, visibility,
                upload_token, created_at FROM attachments WHERE ticket_id IS NULL ORDER BY id",
    )
    .fetch_all(ex)
    .await?
    .iter()
    .map(|r| {
        Ok(StagedRow {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            media_type: r.try_get("media_type")?,
            size: r.try_get("size")?,
            sha256: r.try_get("sha256")?,
            uploader_id: r.try_get("uploader_id")?,
            uploader_email: r.try_get("uploader_email")?,
            visibility: r.try_get("visibility")?,
            upload_token: r.try_get("upload_token")?,
            created_at: r.try_get("created_at")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let upload_tokens = sqlx::query(
        "SELECT id, upload_token FROM attachments
          WHERE ticket_id IS NOT NULL AND upload_token IS NOT NULL ORDER BY id",
    )
    .fetch_all(ex)
    .await?
    .iter()
    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Secrets {
        password_hashes: hashes,
        tokens,
        ticket_counter,
        staged,
        upload_tokens,
    })
}

/// Writes what [`read_secrets`] read; the users, the linked attachments and every blob
/// must be in already.
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
    for a in &s.staged {
        sqlx::query(
            "INSERT INTO attachments (id, ticket_id, comment_id, name, media_type, size, sha256,
                 uploader_id, uploader_email, visibility, upload_token, created_at)
             VALUES ($1, NULL, NULL, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(a.id)
        .bind(&a.name)
        .bind(&a.media_type)
        .bind(a.size)
        .bind(&a.sha256)
        .bind(a.uploader_id)
        .bind(a.uploader_email.as_deref())
        .bind(&a.visibility)
        .bind(a.upload_token.as_deref())
        .bind(a.created_at)
        .execute(&mut **tx)
        .await?;
    }
    for (id, token) in &s.upload_tokens {
        sqlx::query("UPDATE attachments SET upload_token = $1 WHERE id = $2")
            .bind(token)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Rows per table, counted by the database itself: a check on a move that does not go
/// through the code that made it. `attachment_chunks` is not among them: a blob kept in a
/// content directory has none, so the count depends on the store; each copied blob is
/// read back and hashed instead.
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
    "attachments",
    "attachment_blobs",
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
