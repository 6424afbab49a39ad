//! People: customers, agents, supervisors, admins.

use std::collections::HashMap;

use sqlx::{Any, Executor, Row};

use crate::domain::model::{Role, User};
use crate::domain::time::Millis;

use super::{StoreError, rows};

const USER_SELECT: &str = "SELECT id, email, name, role, active, created_at FROM users";

pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password_hash: Option<&'a str>,
    pub at: Millis,
}

pub async fn insert<'c, E>(ex: E, u: NewUser<'_>) -> Result<User, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, name, role, active, password_hash, created_at)
         VALUES ($1, $2, $3, 1, $4, $5) RETURNING id",
    )
    .bind(u.email)
    .bind(u.name)
    .bind(u.role.as_str())
    .bind(u.password_hash)
    .bind(u.at)
    .fetch_one(ex)
    .await?;
    Ok(User {
        id,
        email: u.email.to_string(),
        name: u.name.to_string(),
        role: u.role,
        active: true,
        created_at: u.at,
    })
}

pub async fn get<'c, E>(ex: E, id: i64) -> Result<Option<User>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let sql = format!("{USER_SELECT} WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(ex)
        .await?;
    row.as_ref().map(rows::user).transpose()
}

/// By email, which is stored folded to lowercase.
pub async fn by_email<'c, E>(ex: E, email: &str) -> Result<Option<User>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let sql = format!("{USER_SELECT} WHERE email = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(email.to_lowercase())
        .fetch_optional(ex)
        .await?;
    row.as_ref().map(rows::user).transpose()
}

/// The ids of the people with these emails (folded to lowercase), keyed by email.
pub async fn ids_by_email<'c, E>(ex: E, emails: &[&str]) -> Result<HashMap<String, i64>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    if emails.is_empty() {
        return Ok(HashMap::new());
    }
    let marks: Vec<String> = (1..=emails.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT id, email FROM users WHERE email IN ({})",
        marks.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for e in emails {
        query = query.bind(e.to_lowercase());
    }
    let found = query.fetch_all(ex).await?;
    found
        .iter()
        .map(|r| Ok((r.try_get::<String, _>("email")?, r.try_get::<i64, _>("id")?)))
        .collect()
}

/// Everyone, ordered by id. Reference-sized: a desk has people in the thousands at most.
pub async fn list<'c, E>(ex: E, staff_only: bool) -> Result<Vec<User>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let sql = if staff_only {
        format!("{USER_SELECT} WHERE role <> 'customer' ORDER BY id")
    } else {
        format!("{USER_SELECT} ORDER BY id")
    };
    let found = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(ex).await?;
    found.iter().map(rows::user).collect()
}

pub async fn update<'c, E>(ex: E, user: &User) -> Result<(), StoreError>
where
    E: Executor<'c, Database = Any>,
{
    sqlx::query("UPDATE users SET name = $1, role = $2, active = $3 WHERE id = $4")
        .bind(&user.name)
        .bind(user.role.as_str())
        .bind(i64::from(user.active))
        .bind(user.id)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn set_password_hash<'c, E>(ex: E, id: i64, hash: Option<&str>) -> Result<(), StoreError>
where
    E: Executor<'c, Database = Any>,
{
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn password_hash<'c, E>(ex: E, id: i64) -> Result<Option<String>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let row = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(ex)
        .await?;
    Ok(match row {
        Some(r) => r.try_get(0)?,
        None => None,
    })
}
