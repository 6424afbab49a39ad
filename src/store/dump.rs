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
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(c.id)
    .bind(&c.name)
    .bind(&c.description)
    .bind(c.sla_hours)
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
