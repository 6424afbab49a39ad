//! Reference data: categories, priorities, statuses.

use sqlx::{Any, Executor};

use crate::domain::model::{Category, Priority, Status};

use super::{StoreError, rows};

pub async fn categories<'c, E>(ex: E) -> Result<Vec<Category>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let found = sqlx::query(
        "SELECT id, name, description, sla_hours, requires_approval, active
           FROM categories ORDER BY id",
    )
    .fetch_all(ex)
    .await?;
    found.iter().map(rows::category).collect()
}

pub async fn priorities<'c, E>(ex: E) -> Result<Vec<Priority>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let found = sqlx::query(
        "SELECT id, name, rank, color, response_hours, resolution_hours
           FROM priorities ORDER BY rank, id",
    )
    .fetch_all(ex)
    .await?;
    found.iter().map(rows::priority).collect()
}

pub async fn statuses<'c, E>(ex: E) -> Result<Vec<Status>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let found = sqlx::query("SELECT key, name, class, position FROM statuses ORDER BY position")
        .fetch_all(ex)
        .await?;
    found.iter().map(rows::status).collect()
}

/// An optional number of hours as text for `CAST(.. AS DOUBLE PRECISION)`. The `Any`
/// driver sends a missing f64 as a PostgreSQL float4 NULL; the prepared statement then
/// keeps float4 for that parameter and refuses the next call's 8-byte float. Text has
/// one type whether present or not. Display of an f64 round-trips exactly.
pub(super) fn optional_hours(hours: Option<f64>) -> Option<String> {
    hours.map(|h| h.to_string())
}

/// Inserts (id 0) or updates a category; returns its id.
pub async fn save_category<'c, E>(ex: E, c: &Category) -> Result<i64, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let q = if c.id == 0 {
        sqlx::query_scalar(
            "INSERT INTO categories (name, description, sla_hours, requires_approval, active)
             VALUES ($1, $2, CAST($3 AS DOUBLE PRECISION), $4, $5) RETURNING id",
        )
    } else {
        sqlx::query_scalar(
            "UPDATE categories SET name = $1, description = $2,
                sla_hours = CAST($3 AS DOUBLE PRECISION),
                requires_approval = $4, active = $5 WHERE id = $6 RETURNING id",
        )
    };
    let q = q
        .bind(&c.name)
        .bind(&c.description)
        .bind(optional_hours(c.sla_hours))
        .bind(i64::from(c.requires_approval))
        .bind(i64::from(c.active));
    let q = if c.id == 0 { q } else { q.bind(c.id) };
    Ok(q.fetch_one(ex).await?)
}

/// Inserts (id 0) or updates a priority; returns its id.
pub async fn save_priority<'c, E>(ex: E, p: &Priority) -> Result<i64, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let q = if p.id == 0 {
        sqlx::query_scalar(
            "INSERT INTO priorities (name, rank, color, response_hours, resolution_hours)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
    } else {
        sqlx::query_scalar(
            "UPDATE priorities SET name = $1, rank = $2, color = $3, response_hours = $4,
                resolution_hours = $5 WHERE id = $6 RETURNING id",
        )
    };
    let q = q
        .bind(&p.name)
        .bind(p.rank)
        .bind(&p.color)
        .bind(p.response_hours)
        .bind(p.resolution_hours);
    let q = if p.id == 0 { q } else { q.bind(p.id) };
    Ok(q.fetch_one(ex).await?)
}

pub async fn save_status<'c, E>(ex: E, s: &Status) -> Result<(), StoreError>
where
    E: Executor<'c, Database = Any>,
{
    sqlx::query(
        "INSERT INTO statuses (key, name, class, position) VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO UPDATE SET name = excluded.name, position = excluded.position",
    )
    .bind(&s.key)
    .bind(&s.name)
    .bind(s.class.as_str())
    .bind(s.position)
    .execute(ex)
    .await?;
    Ok(())
}
