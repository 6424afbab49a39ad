//! The dashboard's counts: tickets by status, priority and category, open work by
//! assignee, the oldest open ticket and the unassigned open ones.

use sqlx::{AnyPool, Row};

use crate::domain::requests::Count;

use super::StoreError;

pub struct Counts {
    pub by_status: Vec<Count>,
    pub by_priority: Vec<Count>,
    pub by_category: Vec<Count>,
    /// Open and pending tickets per assignee (`(none)` for the unassigned).
    pub by_assignee: Vec<Count>,
    pub oldest_open_at: Option<i64>,
    pub unassigned_open: i64,
}

pub async fn counts(pool: &AnyPool) -> Result<Counts, StoreError> {
    let grouped = |sql: &'static str| async move {
        let rows = sqlx::query(sql).fetch_all(pool).await?;
        rows.iter()
            .map(|r| {
                Ok(Count {
                    name: r
                        .try_get::<Option<String>, _>(0)?
                        .unwrap_or_else(|| "(none)".into()),
                    count: r.try_get(1)?,
                })
            })
            .collect::<Result<Vec<Count>, sqlx::Error>>()
    };
    let by_status = grouped(
        "SELECT s.key, COUNT(t.id) FROM statuses s LEFT JOIN tickets t ON t.status = s.key
          GROUP BY s.key, s.position ORDER BY s.position",
    )
    .await?;
    let by_priority = grouped(
        "SELECT p.name, COUNT(t.id) FROM priorities p LEFT JOIN tickets t ON t.priority_id = p.id
          GROUP BY p.name, p.rank ORDER BY p.rank",
    )
    .await?;
    let by_category = grouped(
        "SELECT c.name, COUNT(t.id) FROM categories c LEFT JOIN tickets t ON t.category_id = c.id
          GROUP BY c.name, c.id ORDER BY c.id",
    )
    .await?;
    let by_assignee = grouped(
        "SELECT u.email, COUNT(*) FROM tickets t LEFT JOIN users u ON u.id = t.assignee_id
          WHERE t.status_class <> 'done' GROUP BY u.email ORDER BY COUNT(*) DESC",
    )
    .await?;
    let oldest_open_at: Option<i64> =
        sqlx::query_scalar("SELECT MIN(created_at) FROM tickets WHERE status_class = 'open'")
            .fetch_one(pool)
            .await?;
    let unassigned_open: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM tickets WHERE status_class = 'open' AND assignee_id IS NULL",
    )
    .fetch_one(pool)
    .await?;
    Ok(Counts {
        by_status,
        by_priority,
        by_category,
        by_assignee,
        oldest_open_at,
        unassigned_open,
    })
}
