//! Notifications' persistence: webhook endpoints, the outbox of deliveries, the
//! dispatcher's cursor into the event feed. No rules live here.

use serde::{Deserialize, Serialize};
use sqlx::{Any, Executor, Row, Transaction};
use utoipa::ToSchema;

use crate::domain::time::Millis;

use super::{Backend, Store, StoreError};

/// The dispatcher's cursor row.
const CURSOR: &str = "notifications";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    pub events: Vec<String>,
    /// Whether it also receives internal events and internal comments.
    pub internal: bool,
    /// False once the receiver answered 410 Gone.
    pub active: bool,
    #[schema(required = true)]
    pub disabled_reason: Option<String>,
    #[serde(with = "crate::domain::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Millis,
    /// Only in the answer that created it, never again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// A webhook with its signing secret, for the sender.
#[derive(Debug, Clone)]
pub struct WebhookTarget {
    pub hook: Webhook,
    pub secret: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Delivery {
    pub id: i64,
    pub event_seq: i64,
    #[serde(rename = "ticket")]
    pub ticket_key: String,
    /// `email` or `webhook`.
    pub channel: String,
    #[schema(required = true)]
    pub webhook_id: Option<i64>,
    /// The email address or the webhook URL.
    pub recipient: String,
    /// The email's subject, or the webhook's event name.
    pub subject: String,
    /// `pending`, `delivered`, `failed` (will be retried) or `dead` (given up).
    pub status: String,
    pub attempts: i64,
    #[schema(required = true)]
    pub last_error: Option<String>,
    #[serde(with = "crate::domain::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub next_attempt_at: Millis,
    #[serde(with = "crate::domain::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Millis,
    #[serde(default, with = "crate::domain::time::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime, required = true)]
    pub delivered_at: Option<Millis>,
}

/// A delivery taken for sending, with what to send.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery: Delivery,
    pub payload: String,
}

pub struct NewDelivery {
    pub event_seq: i64,
    pub ticket_id: i64,
    pub channel: &'static str,
    pub webhook_id: Option<i64>,
    pub recipient: String,
    pub subject: String,
    pub payload: String,
}

fn webhook(row: &sqlx::any::AnyRow) -> Result<WebhookTarget, StoreError> {
    let events: String = row.try_get("events")?;
    let events: Vec<String> = serde_json::from_str(&events)
        .map_err(|e| StoreError::Corrupt(format!("webhook events `{events}`: {e}")))?;
    Ok(WebhookTarget {
        hook: Webhook {
            id: row.try_get("id")?,
            url: row.try_get("url")?,
            events,
            internal: row.try_get::<i64, _>("internal")? != 0,
            active: row.try_get::<i64, _>("active")? != 0,
            disabled_reason: row.try_get("disabled_reason")?,
            created_at: row.try_get("created_at")?,
            secret: None,
        },
        secret: row.try_get("secret")?,
    })
}

const WEBHOOK_SELECT: &str =
    "SELECT id, url, events, secret, internal, active, disabled_reason, created_at FROM webhooks";

pub async fn insert_webhook(
    tx: &mut Transaction<'static, Any>,
    url: &str,
    events: &[String],
    secret: &str,
    internal: bool,
    at: Millis,
) -> Result<i64, StoreError> {
    let events = serde_json::to_string(events).unwrap_or_else(|_| "[]".into());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO webhooks (url, events, secret, internal, active, created_at)
         VALUES ($1, $2, $3, $4, 1, $5) RETURNING id",
    )
    .bind(url)
    .bind(events)
    .bind(secret)
    .bind(i64::from(internal))
    .bind(at)
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

pub async fn webhooks<'c, E>(ex: E) -> Result<Vec<WebhookTarget>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let sql = format!("{WEBHOOK_SELECT} ORDER BY id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(ex).await?;
    rows.iter().map(webhook).collect()
}

pub async fn webhook_by_id<'c, E>(ex: E, id: i64) -> Result<Option<WebhookTarget>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let sql = format!("{WEBHOOK_SELECT} WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(ex)
        .await?;
    row.as_ref().map(webhook).transpose()
}

/// True if there was one to delete.
pub async fn delete_webhook(
    tx: &mut Transaction<'static, Any>,
    id: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM webhooks WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// A receiver said 410 Gone: stop sending to it, and give up what is queued for it.
pub async fn disable_webhook(store: &Store, id: i64, reason: &str) -> Result<(), StoreError> {
    let mut w = store.write().await?;
    sqlx::query("UPDATE webhooks SET active = 0, disabled_reason = $2 WHERE id = $1")
        .bind(id)
        .bind(reason)
        .execute(&mut *w.tx)
        .await?;
    sqlx::query(
        "UPDATE deliveries SET status = 'dead', last_error = $2
          WHERE webhook_id = $1 AND status IN ('pending', 'failed')",
    )
    .bind(id)
    .bind(reason)
    .execute(&mut *w.tx)
    .await?;
    w.commit().await
}

pub async fn cursor(tx: &mut Transaction<'static, Any>) -> Result<Option<i64>, StoreError> {
    let seq: Option<i64> = sqlx::query_scalar("SELECT seq FROM notify_cursor WHERE name = $1")
        .bind(CURSOR)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(seq)
}

pub async fn set_cursor(tx: &mut Transaction<'static, Any>, seq: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO notify_cursor (name, seq) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET seq = excluded.seq",
    )
    .bind(CURSOR)
    .bind(seq)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn insert_delivery(
    tx: &mut Transaction<'static, Any>,
    d: &NewDelivery,
    at: Millis,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO deliveries (event_seq, ticket_id, channel, webhook_id, recipient, subject,
            payload, status, attempts, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8)",
    )
    .bind(d.event_seq)
    .bind(d.ticket_id)
    .bind(d.channel)
    .bind(d.webhook_id)
    .bind(&d.recipient)
    .bind(&d.subject)
    .bind(&d.payload)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

const DELIVERY_COLUMNS: &str = "d.id, d.event_seq, t.key AS ticket_key, d.channel, d.webhook_id,
    d.recipient, d.subject, d.status, d.attempts, d.last_error, d.next_attempt_at,
    d.created_at, d.delivered_at";

fn delivery(row: &sqlx::any::AnyRow) -> Result<Delivery, StoreError> {
    Ok(Delivery {
        id: row.try_get("id")?,
        event_seq: row.try_get("event_seq")?,
        ticket_key: row.try_get("ticket_key")?,
        channel: row.try_get("channel")?,
        webhook_id: row.try_get("webhook_id")?,
        recipient: row.try_get("recipient")?,
        subject: row.try_get("subject")?,
        status: row.try_get("status")?,
        attempts: row.try_get("attempts")?,
        last_error: row.try_get("last_error")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        created_at: row.try_get("created_at")?,
        delivered_at: row.try_get("delivered_at")?,
    })
}

/// Deliveries, newest first, optionally of one status or one ticket, below id `before`.
pub async fn list<'c, E>(
    ex: E,
    status: Option<&str>,
    ticket_id: Option<i64>,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<Delivery>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN tickets t ON t.id = d.ticket_id
          WHERE ($1 = '' OR d.status = $1) AND ($2 = 0 OR d.ticket_id = $2) AND d.id < $3
          ORDER BY d.id DESC LIMIT $4"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(status.unwrap_or(""))
        .bind(ticket_id.unwrap_or(0))
        .bind(before.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(ex)
        .await?;
    rows.iter().map(delivery).collect()
}

pub async fn get<'c, E>(ex: E, id: i64) -> Result<Option<(Delivery, String)>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS}, d.payload FROM deliveries d
           JOIN tickets t ON t.id = d.ticket_id WHERE d.id = $1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(ex)
        .await?;
    match row {
        None => Ok(None),
        Some(row) => Ok(Some((delivery(&row)?, row.try_get("payload")?))),
    }
}

/// Makes a delivery due now again, whatever it ended as. False if there is none.
pub async fn retry(store: &Store, id: i64, now: Millis) -> Result<bool, StoreError> {
    let mut w = store.write().await?;
    let done =
        sqlx::query("UPDATE deliveries SET status = 'pending', next_attempt_at = $2 WHERE id = $1")
            .bind(id)
            .bind(now)
            .execute(&mut *w.tx)
            .await?;
    w.commit().await?;
    Ok(done.rows_affected() > 0)
}

/// Takes up to `limit` due deliveries for sending: only the oldest unfinished one of
/// each (ticket, recipient) queue, so one receiver sees a ticket's events in order.
/// Taking one pushes its next attempt `lease` ahead: if this process dies while
/// sending, the delivery becomes due again then (sent at least once). On PostgreSQL
/// `FOR UPDATE SKIP LOCKED` lets several servers take disjoint sets at once.
pub async fn claim(
    store: &Store,
    now: Millis,
    lease: Millis,
    limit: u32,
) -> Result<Vec<Claimed>, StoreError> {
    let head = format!(
        "SELECT {DELIVERY_COLUMNS}, d.payload FROM deliveries d
           JOIN tickets t ON t.id = d.ticket_id
          WHERE d.status IN ('pending', 'failed') AND d.next_attempt_at <= $1
            AND NOT EXISTS (SELECT 1 FROM deliveries e
                             WHERE e.ticket_id = d.ticket_id AND e.recipient = d.recipient
                               AND e.id < d.id AND e.status IN ('pending', 'failed'))
          ORDER BY d.id LIMIT $2"
    );
    match store.backend() {
        Backend::Sqlite => {
            let mut w = store.write().await?;
            let claimed = claim_in(&mut w.tx, &head, now, lease, limit).await?;
            w.commit().await?;
            Ok(claimed)
        }
        Backend::Postgres => {
            // Outside the writers' advisory lock: claiming must not queue behind
            // ticket writes, and row locks are enough to keep servers apart.
            let mut tx = store.pool().begin().await?;
            let sql = format!("{head} FOR UPDATE OF d SKIP LOCKED");
            let claimed = claim_in(&mut tx, &sql, now, lease, limit).await?;
            tx.commit().await?;
            Ok(claimed)
        }
    }
}

async fn claim_in(
    tx: &mut Transaction<'static, Any>,
    sql: &str,
    now: Millis,
    lease: Millis,
    limit: u32,
) -> Result<Vec<Claimed>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&mut **tx)
        .await?;
    let mut claimed = Vec::with_capacity(rows.len());
    for row in &rows {
        let d = delivery(row)?;
        sqlx::query(
            "UPDATE deliveries SET next_attempt_at = $2, attempts = attempts + 1 WHERE id = $1",
        )
        .bind(d.id)
        .bind(now + lease)
        .execute(&mut **tx)
        .await?;
        claimed.push(Claimed {
            payload: row.try_get("payload")?,
            delivery: d,
        });
    }
    Ok(claimed)
}

/// How one attempt ended.
pub enum Outcome {
    Delivered,
    /// Try again at `next`.
    Failed {
        error: String,
        next: Millis,
    },
    Dead {
        error: String,
    },
}

pub async fn record(
    store: &Store,
    results: &[(i64, Outcome)],
    now: Millis,
) -> Result<(), StoreError> {
    if results.is_empty() {
        return Ok(());
    }
    let mut w = store.write().await?;
    for (id, outcome) in results {
        let q = match outcome {
            Outcome::Delivered => sqlx::query(
                "UPDATE deliveries SET status = 'delivered', delivered_at = $2, last_error = NULL
                  WHERE id = $1",
            )
            .bind(*id)
            .bind(now),
            Outcome::Failed { error, next } => sqlx::query(
                "UPDATE deliveries SET status = 'failed', last_error = $2, next_attempt_at = $3
                  WHERE id = $1 AND status <> 'dead'",
            )
            .bind(*id)
            .bind(error.clone())
            .bind(*next),
            Outcome::Dead { error } => {
                sqlx::query("UPDATE deliveries SET status = 'dead', last_error = $2 WHERE id = $1")
                    .bind(*id)
                    .bind(error.clone())
            }
        };
        q.execute(&mut *w.tx).await?;
    }
    w.commit().await
}

/// The contact's unsubscribe token and whether they opted out, making the row (with a
/// new random token) on their first mail. The token is kept as it is: every mail must
/// carry it again, and it can do nothing but stop that address's mail.
pub async fn mail_contact(
    tx: &mut Transaction<'static, Any>,
    email: &str,
) -> Result<(String, bool), StoreError> {
    let email = email.trim().to_lowercase();
    let found: Option<(String, Option<i64>)> =
        sqlx::query_as("SELECT token, opted_out_at FROM mail_contacts WHERE email = $1")
            .bind(&email)
            .fetch_optional(&mut **tx)
            .await?;
    if let Some((token, opted_out)) = found {
        return Ok((token, opted_out.is_some()));
    }
    let token: String = (0..2)
        .map(|_| format!("{:016x}", rand::random::<u64>()))
        .collect();
    sqlx::query("INSERT INTO mail_contacts (email, token) VALUES ($1, $2)")
        .bind(&email)
        .bind(&token)
        .execute(&mut **tx)
        .await?;
    Ok((token, false))
}

/// Opts the contact holding `token` out of mail; their address, or `None` for a token
/// that names nobody.
pub async fn unsubscribe(
    tx: &mut Transaction<'static, Any>,
    token: &str,
    at: Millis,
) -> Result<Option<String>, StoreError> {
    let email: Option<String> = sqlx::query_scalar(
        "UPDATE mail_contacts SET opted_out_at = COALESCE(opted_out_at, $2)
          WHERE token = $1 RETURNING email",
    )
    .bind(token.trim())
    .bind(at)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(email)
}
