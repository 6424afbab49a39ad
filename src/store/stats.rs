//! The dashboard's counts: tickets by status, priority and category, open work by
//! assignee, the oldest open ticket, the unassigned open ones and the breached ones.
//!
//! Nothing here reads every ticket. Triggers (migration 3) keep `ticket_counts` in the
//! same transaction as every change to a ticket, whoever makes it; the oldest open
//! ticket is the first entry of an index; breaches come from `sla_horizon` (the number
//! of tickets with `sla_breach_at` before its instant, also kept by the triggers) plus
//! an index range over `sla_breach_at` between that instant and now. [`recount`] is the
//! full `GROUP BY` the counts must always equal.

use sqlx::{Any, Executor, Row, Transaction};

use crate::domain::requests::{Count, UNASSIGNED};
use crate::domain::time::Millis;

use super::{Param, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts {
    pub by_status: Vec<Count>,
    pub by_priority: Vec<Count>,
    pub by_category: Vec<Count>,
    /// Open and pending tickets per priority.
    pub open_by_priority: Vec<Count>,
    /// Open and pending tickets per assignee (`(none)` for the unassigned).
    pub by_assignee: Vec<Count>,
    pub oldest_open_at: Option<i64>,
    pub unassigned_open: i64,
    /// Tickets not done and past a due time at the instant asked for
    /// (`sla_breach_at < now`, the same test as `sla:breached`).
    pub breached: i64,
}

/// How far behind now the breach horizon may fall before [`counts`]' callers move it
/// on: the index range read past it grows with the tickets that fell due meanwhile.
pub const HORIZON_STEP: Millis = 10 * 60 * 1000;

/// Every count in one statement (one snapshot, so every number agrees). Dimension
/// numbers: 0 status, 1 priority, 2 category, 3 assignee, 7 open tickets by priority,
/// and single values 4 (unassigned open), 5 (oldest open), 6 (breached; its last
/// column is the horizon). The last column orders rows within a dimension.
const COUNTS_SQL: &str =
    "SELECT CAST(0 AS BIGINT), s.key, COALESCE(c.n, 0), CAST(s.position AS BIGINT)
           FROM statuses s LEFT JOIN ticket_counts c ON c.dim = 'status' AND c.key = s.key
         UNION ALL
         SELECT 1, p.name, COALESCE(c.n, 0), CAST(p.rank AS BIGINT)
           FROM priorities p
           LEFT JOIN ticket_counts c ON c.dim = 'priority' AND c.key = CAST(p.id AS TEXT)
         UNION ALL
         SELECT 2, g.name, COALESCE(c.n, 0), g.id
           FROM categories g
           LEFT JOIN ticket_counts c ON c.dim = 'category' AND c.key = CAST(g.id AS TEXT)
         UNION ALL
         SELECT 7, p.name, COALESCE(c.n, 0), CAST(p.rank AS BIGINT)
           FROM priorities p
           LEFT JOIN ticket_counts c ON c.dim = 'priority_open' AND c.key = CAST(p.id AS TEXT)
         UNION ALL
         SELECT 3, u.email, c.n, 0
           FROM ticket_counts c
           LEFT JOIN users u ON u.id = CAST(NULLIF(c.key, '') AS BIGINT)
          WHERE c.dim = 'assignee' AND c.n > 0
         UNION ALL
         SELECT 4, NULL, COALESCE((SELECT n FROM ticket_counts
                                    WHERE dim = 'unassigned_open' AND key = ''), 0), 0
         UNION ALL
         SELECT 5, NULL, (SELECT MIN(created_at) FROM tickets WHERE status_class = 'open'), 0
         UNION ALL
         SELECT 6, NULL, h.breached
                + (SELECT COUNT(*) FROM tickets
                    WHERE sla_breach_at >= h.at AND sla_breach_at < $1)
                - (SELECT COUNT(*) FROM tickets
                    WHERE sla_breach_at >= $1 AND sla_breach_at < h.at),
                h.at
           FROM sla_horizon h";

/// The counts as of `now` ([`COUNTS_SQL`]) and the breach horizon's instant.
pub async fn counts(store: &Store, now: Millis) -> Result<(Counts, Millis), StoreError> {
    let rows: Vec<(i64, Option<String>, Option<i64>, i64)> = match store.readers() {
        // On SQLite, on the caller's thread (readers.rs): no hop to sqlx's thread.
        Some(readers) => readers.rows(COUNTS_SQL, &[Param::Int(now)], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?,
        None => sqlx::query(COUNTS_SQL)
            .bind(now)
            .fetch_all(store.pool())
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
            .collect::<Result<_, sqlx::Error>>()?,
    };
    let mut counts = Counts {
        by_status: vec![],
        by_priority: vec![],
        by_category: vec![],
        open_by_priority: vec![],
        by_assignee: vec![],
        oldest_open_at: None,
        unassigned_open: 0,
        breached: 0,
    };
    let mut horizon = now;
    let mut ordered: [Vec<(i64, Count)>; 5] = Default::default();
    for (dim, name, n, order) in rows {
        match dim {
            0..=3 | 7 => ordered[dim.min(4) as usize].push((
                order,
                Count {
                    name: name.unwrap_or_else(|| UNASSIGNED.into()),
                    count: n.unwrap_or(0),
                },
            )),
            4 => counts.unassigned_open = n.unwrap_or(0),
            5 => counts.oldest_open_at = n,
            _ => {
                counts.breached = n.unwrap_or(0);
                horizon = order;
            }
        }
    }
    let [status, priority, category, assignee, priority_open] = ordered;
    let names = |v: Vec<(i64, Count)>| -> Vec<Count> {
        let mut v = v;
        v.sort_by_key(|(order, _)| *order);
        v.into_iter().map(|(_, c)| c).collect()
    };
    counts.by_status = names(status);
    counts.by_priority = names(priority);
    counts.by_category = names(category);
    counts.open_by_priority = names(priority_open);
    counts.by_assignee = assignee.into_iter().map(|(_, c)| c).collect();
    sort_assignees(&mut counts.by_assignee);
    Ok((counts, horizon))
}

/// Moves the breach horizon to `to`: the tickets that fell due between the old horizon
/// and `to` join the kept count. Cheap (an index range), and a write, so it is done in
/// the caller's write transaction.
pub async fn advance_horizon(
    tx: &mut Transaction<'static, Any>,
    to: Millis,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE sla_horizon SET
            breached = breached
                + (SELECT COUNT(*) FROM tickets
                    WHERE sla_breach_at >= sla_horizon.at AND sla_breach_at < $1)
                - (SELECT COUNT(*) FROM tickets
                    WHERE sla_breach_at >= $1 AND sla_breach_at < sla_horizon.at),
            at = $1
          WHERE id = 1",
    )
    .bind(to)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The same counts by a full recount of every ticket (`GROUP BY`): what the kept counts
/// are checked against (tests, and `desk stats --recount`'s kind of doubt).
pub async fn recount<'c, E>(ex: E, now: Millis) -> Result<Counts, StoreError>
where
    E: Executor<'c, Database = Any> + Copy,
{
    let grouped = |sql: &'static str| async move {
        let rows = sqlx::query(sql).fetch_all(ex).await?;
        rows.iter()
            .map(|r| {
                Ok(Count {
                    name: r
                        .try_get::<Option<String>, _>(0)?
                        .unwrap_or_else(|| UNASSIGNED.into()),
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
    let open_by_priority = grouped(
        "SELECT p.name, COUNT(t.id) FROM priorities p
           LEFT JOIN tickets t ON t.priority_id = p.id AND t.status_class <> 'done'
          GROUP BY p.name, p.rank ORDER BY p.rank",
    )
    .await?;
    let by_assignee = grouped(
        "SELECT u.email, COUNT(*) FROM tickets t LEFT JOIN users u ON u.id = t.assignee_id
          WHERE t.status_class <> 'done' GROUP BY u.email",
    )
    .await?;
    let mut by_assignee = by_assignee;
    sort_assignees(&mut by_assignee);
    let oldest_open_at: Option<i64> =
        sqlx::query_scalar("SELECT MIN(created_at) FROM tickets WHERE status_class = 'open'")
            .fetch_one(ex)
            .await?;
    let unassigned_open: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM tickets WHERE status_class = 'open' AND assignee_id IS NULL",
    )
    .fetch_one(ex)
    .await?;
    // Written out from the columns, not from `sla_breach_at`, so the generated column's
    // definition is checked too.
    let breached: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM tickets WHERE status_class <> 'done' AND (
            (first_response_at IS NULL AND response_due_at < COALESCE(sla_paused_at, $1))
            OR first_response_at > response_due_at
            OR resolution_due_at < COALESCE(sla_paused_at, $1))",
    )
    .bind(now)
    .fetch_one(ex)
    .await?;
    Ok(Counts {
        by_status,
        by_priority,
        by_category,
        open_by_priority,
        by_assignee,
        oldest_open_at,
        unassigned_open,
        breached,
    })
}

/// Most open work first; equal counts by name, so both backends list alike.
fn sort_assignees(v: &mut [Count]) {
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
}
