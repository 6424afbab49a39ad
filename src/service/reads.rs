//! Reading: one ticket with its timeline, lists, counts, the change feed, statistics.

use crate::domain::model::Ticket;
use crate::domain::query;
use crate::domain::requests::{Changes, Series, SeriesDay, Stats, TicketList, TicketView};
use crate::domain::time;
use crate::domain::validate::invalid;
use crate::store::tickets::DayColumn;
use crate::store::{Page, PageCursor, Scope, events, stats, tickets, view};

use super::{Actor, Result, Service, ticket_not_found, visible};

pub const PAGE_DEFAULT: u32 = 50;
pub const PAGE_MAX: u32 = 500;
pub const CHANGES_MAX: u32 = 1000;
/// The longest per-day series a dashboard asks for.
pub const SERIES_DAYS_MAX: u32 = 90;

impl Service {
    /// One ticket, its comments and its events, oldest first. Customers see only public
    /// comments and events, and only on their own tickets.
    pub async fn get_ticket(&self, actor: &Actor, key: &str) -> Result<TicketView> {
        actor.require_active()?;
        let id = self.ticket_number(key)?;
        let (ticket, comments, events) = view::ticket_view(&self.store, id, !actor.is_staff())
            .await?
            .ok_or_else(|| ticket_not_found(key))?;
        let ticket = visible(actor, key, Some(ticket))?;
        let mut comments = comments;
        let mut attachments = Vec::new();
        for a in
            crate::store::attachments::for_ticket(self.store.pool(), id, !actor.is_staff()).await?
        {
            match a
                .comment_id
                .and_then(|c| comments.iter_mut().find(|x| x.id == c))
            {
                Some(comment) => comment.attachments.push(a),
                None => attachments.push(a),
            }
        }
        Ok(TicketView {
            ticket,
            comments,
            events,
            attachments,
        })
    }

    /// Just the ticket, for callers that do not need its timeline.
    pub async fn get_ticket_only(&self, actor: &Actor, key: &str) -> Result<Ticket> {
        actor.require_active()?;
        self.find_read(actor, key).await
    }

    /// One page of the tickets matching `q` (the query language), newest update first.
    pub async fn list_tickets(
        &self,
        actor: &Actor,
        q: &str,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<TicketList> {
        self.list_query(actor, &parse_query(q)?, limit, cursor)
            .await
    }

    /// One page of the tickets matching a query built by code (the compat doors).
    pub async fn list_query(
        &self,
        actor: &Actor,
        parsed: &query::Query,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<TicketList> {
        actor.require_active()?;
        let limit = page_limit(limit)?;
        let cursor = match cursor.filter(|c| !c.is_empty()) {
            None => None,
            Some(raw) => Some(
                PageCursor::decode(raw)
                    .ok_or_else(|| invalid("cursor", "not a cursor this desk handed out"))?,
            ),
        };
        let filter = self.resolve(actor, parsed, time::now()).await?;
        if cursor
            .as_ref()
            .is_some_and(|c| c.mode != filter.sort_mode())
        {
            return Err(invalid("cursor", "this cursor belongs to a different query").into());
        }
        let page = tickets::page(&self.store, &filter, Page { limit, cursor }).await?;
        Ok(TicketList {
            tickets: page.tickets,
            next_cursor: page.next.map(|c| c.encode()),
        })
    }

    /// How many tickets match `q`.
    pub async fn count_tickets(&self, actor: &Actor, q: &str) -> Result<i64> {
        actor.require_active()?;
        let parsed = parse_query(q)?;
        let filter = self.resolve(actor, &parsed, time::now()).await?;
        Ok(tickets::count(self.store.pool(), self.store.backend(), &filter).await?)
    }

    /// The change feed: events after `after`, as this caller may see them.
    pub async fn changes(&self, actor: &Actor, after: i64, limit: Option<u32>) -> Result<Changes> {
        actor.require_active()?;
        let scope = actor.scope()?;
        let limit = limit.unwrap_or(CHANGES_MAX).clamp(1, CHANGES_MAX);
        let pool = self.store.pool();
        let after = after.max(0);
        // A customer sees few of the desk's events; skipping them past the ones they
        // cannot see keeps their polls cheap. The newest sequence is read *before* the
        // events, so nothing that commits in between can be skipped. Staff see
        // everything, so their position is simply the last event they got.
        let newest = match scope {
            Scope::All => None,
            Scope::Requester(_) => Some(events::last_seq(pool).await?),
        };
        let mut found = events::after(pool, after, limit + 1, &scope).await?;
        let has_more = found.len() > limit as usize;
        found.truncate(limit as usize);
        let last_seq = match (found.last(), newest) {
            (Some(e), _) => e.seq,
            (None, Some(newest)) => newest.max(after),
            (None, None) => after,
        };
        Ok(Changes {
            events: found,
            last_seq,
            has_more,
        })
    }

    /// Every ticket in the desk, whoever can see it: for tools with the database's own
    /// authority (deciding whether to load demo data).
    pub async fn count_tickets_unscoped(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM tickets")
            .fetch_one(self.store.pool())
            .await?)
    }

    /// The newest event's sequence number: where a new follower of the feed starts.
    pub async fn last_seq(&self) -> Result<i64> {
        Ok(events::last_seq(self.store.pool()).await?)
    }

    /// Where the change feed ends now, for a signed-in follower that wants only what
    /// happens from here on. Anyone who may read the feed may ask.
    pub async fn feed_head(&self, actor: &Actor) -> Result<i64> {
        actor.require_active()?;
        actor.scope()?;
        self.last_seq().await
    }

    /// Tickets matching `q` created and resolved per UTC day over the last `days` days
    /// (1 to 90), today last. Staff only, like the other statistics.
    pub async fn stats_series(&self, actor: &Actor, q: &str, days: u32) -> Result<Series> {
        actor.require_staff("see desk statistics")?;
        if !(1..=SERIES_DAYS_MAX).contains(&days) {
            return Err(invalid(
                "days",
                format!("must be 1 to {SERIES_DAYS_MAX}, not {days}"),
            )
            .into());
        }
        let parsed = parse_query(q)?;
        let now = time::now();
        let filter = self.resolve(actor, &parsed, now).await?;
        let today = now - now.rem_euclid(time::DAY);
        let since = today - (i64::from(days) - 1) * time::DAY;
        let (pool, backend, n) = (self.store.pool(), self.store.backend(), days as usize);
        let created =
            tickets::per_day(pool, backend, &filter, DayColumn::Created, since, n).await?;
        let resolved =
            tickets::per_day(pool, backend, &filter, DayColumn::Resolved, since, n).await?;
        let days = (0..n)
            .map(|i| SeriesDay {
                date: chrono::DateTime::from_timestamp_millis(since + i as i64 * time::DAY)
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                created: created[i],
                resolved: resolved[i],
            })
            .collect();
        Ok(Series {
            q: q.to_string(),
            days,
        })
    }

    /// Counts for a dashboard. Staff only. Read from counts the store keeps with every
    /// change (no scan of the tickets); `breached` is `sla:breached`'s count.
    pub async fn stats(&self, actor: &Actor) -> Result<Stats> {
        actor.require_staff("see desk statistics")?;
        let now = time::now();
        let (counts, horizon) = stats::counts(&self.store, now).await?;
        if (now - horizon).abs() > stats::HORIZON_STEP {
            // The breach horizon fell behind: move it to now so the next reads stay
            // short. Best effort: the answer above is already right.
            let mut w = self.store.write().await?;
            stats::advance_horizon(&mut w.tx, now).await?;
            w.commit().await?;
        }
        Ok(stats_from(counts))
    }
}

fn stats_from(counts: stats::Counts) -> Stats {
    let class_count = |class: &str| {
        counts
            .by_status
            .iter()
            .filter(|c| {
                crate::domain::workflow::class_of(&c.name).is_some_and(|k| k.as_str() == class)
            })
            .map(|c| c.count)
            .sum::<i64>()
    };
    Stats {
        total: counts.by_status.iter().map(|c| c.count).sum(),
        open: class_count("open"),
        pending: class_count("pending"),
        done: class_count("done"),
        breached: counts.breached,
        unassigned_open: counts.unassigned_open,
        oldest_open_at: counts.oldest_open_at,
        by_status: counts.by_status,
        by_priority: counts.by_priority,
        by_category: counts.by_category,
        by_assignee: counts.by_assignee,
        open_by_priority: counts.open_by_priority,
    }
}

/// A page size as asked for: the default when none is given, else 1 to [`PAGE_MAX`].
/// Checked here, once, so the local desk and the server answer the same input alike.
fn page_limit(limit: Option<u32>) -> Result<u32> {
    match limit {
        None => Ok(PAGE_DEFAULT),
        Some(n) if (1..=PAGE_MAX).contains(&n) => Ok(n),
        Some(_) => Err(invalid("limit", format!("limit must be between 1 and {PAGE_MAX}")).into()),
    }
}

fn parse_query(q: &str) -> Result<query::Query> {
    query::parse(q).map_err(|e| invalid("q", e.to_string()).into())
}
