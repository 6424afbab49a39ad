//! API tokens, stored as hashes.

use sqlx::{Any, Executor, Row};

use crate::domain::model::User;
use crate::domain::time::Millis;

use super::{StoreError, rows};

pub async fn insert<'c, E>(
    ex: E,
    user_id: i64,
    token_hash: &str,
    label: &str,
    at: Millis,
    expires_at: Option<Millis>,
) -> Result<i64, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    Ok(sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, token_hash, label, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user_id)
    .bind(token_hash)
    .bind(label)
    .bind(at)
    .bind(expires_at)
    .fetch_one(ex)
    .await?)
}

/// A live token's owner, the stored hash (for a constant-time check) and its expiry.
pub async fn user_for<'c, E>(
    ex: E,
    token_hash: &str,
    now: Millis,
) -> Result<Option<(User, String, Option<Millis>)>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let row = sqlx::query(
        "SELECT u.id, u.email, u.name, u.role, u.active, u.created_at, k.token_hash,
                k.expires_at
           FROM api_tokens k JOIN users u ON u.id = k.user_id
          WHERE k.token_hash = $1 AND k.revoked_at IS NULL
            AND (k.expires_at IS NULL OR k.expires_at > $2)",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(ex)
    .await?;
    match row {
        None => Ok(None),
        Some(r) => Ok(Some((
            rows::user(&r)?,
            r.try_get("token_hash")?,
            r.try_get("expires_at")?,
        ))),
    }
}

/// Revokes one token; false when it was not live.
pub async fn revoke<'c, E>(ex: E, token_hash: &str, at: Millis) -> Result<bool, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
    )
    .bind(at)
    .bind(token_hash)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Revokes every token of a user (password change, deactivation).
pub async fn revoke_all<'c, E>(ex: E, user_id: i64, at: Millis) -> Result<u64, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
    )
    .bind(at)
    .bind(user_id)
    .execute(ex)
    .await?;
    Ok(done.rows_affected())
}

/// Revokes every token of a user except the one hashed `keep` (own password change).
pub async fn revoke_all_but<'c, E>(
    ex: E,
    user_id: i64,
    keep: Option<&str>,
    at: Millis,
) -> Result<u64, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 \
         WHERE user_id = $2 AND revoked_at IS NULL AND token_hash <> $3",
    )
    .bind(at)
    .bind(user_id)
    .bind(keep.unwrap_or_default())
    .execute(ex)
    .await?;
    Ok(done.rows_affected())
}
