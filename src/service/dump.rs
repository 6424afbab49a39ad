//! A whole desk out and in. Both act with the database's own authority (like
//! `desk users add`): whoever can open the file or URL may dump or fill it.

use std::collections::{HashMap, HashSet};

use crate::domain::key::parse_key_number;
use crate::domain::requests::{DUMP_FORMAT, DUMP_VERSION, DeskDump};
use crate::domain::time;
use crate::domain::validate::invalid;
use crate::store::{
    Page, Scope, TicketFilter, comments, dump, events, reference, search, tickets, users,
};

use super::{Result, Service, ServiceError};

/// Rows read per query while exporting.
const PAGE: u32 = 500;

fn refuse(message: impl Into<String>) -> ServiceError {
    invalid("import", message).into()
}

impl Service {
    /// Everything in the desk except passwords and tokens.
    pub async fn export_all(&self) -> Result<DeskDump> {
        let pool = self.store.pool();
        let everything = TicketFilter {
            scope: Scope::All,
            clauses: Vec::new(),
            now: time::now(),
            sort: None,
        };
        let mut all_tickets = Vec::new();
        let mut cursor = None;
        loop {
            let page = tickets::page(
                &self.store,
                &everything,
                Page {
                    limit: PAGE,
                    cursor,
                },
            )
            .await?;
            all_tickets.extend(page.tickets);
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        all_tickets.sort_by_key(|t| t.id);
        let mut all_comments = Vec::new();
        loop {
            let after = all_comments
                .last()
                .map_or(0, |c: &crate::domain::model::Comment| c.id);
            let page = comments::page_after(pool, after, PAGE).await?;
            if page.is_empty() {
                break;
            }
            all_comments.extend(page);
        }
        let mut all_events = Vec::new();
        loop {
            let after = all_events
                .last()
                .map_or(0, |e: &crate::domain::model::Event| e.seq);
            let page = events::after(pool, after, PAGE, &Scope::All).await?;
            if page.is_empty() {
                break;
            }
            all_events.extend(page);
        }
        Ok(DeskDump {
            format: DUMP_FORMAT.into(),
            version: DUMP_VERSION,
            key_prefix: self.key_prefix().to_string(),
            statuses: reference::statuses(pool).await?,
            categories: reference::categories(pool).await?,
            priorities: reference::priorities(pool).await?,
            users: users::list(pool, false).await?,
            tickets: all_tickets,
            comments: all_comments,
            events: all_events,
        })
    }

    /// Refuses a desk that holds tickets or people: an import never merges.
    pub(super) async fn ensure_empty(&self) -> Result<()> {
        let existing_tickets = self.count_tickets_unscoped().await?;
        let existing_users = users::list(self.store.pool(), false).await?.len();
        if existing_tickets > 0 || existing_users > 0 {
            return Err(refuse(format!(
                "the target desk is not empty ({existing_tickets} tickets, {existing_users} people); import into a new database"
            )));
        }
        Ok(())
    }

    /// Fills an empty desk (no tickets, no people) from a dump, in one transaction. The
    /// whole dump is checked first; a dump that does not hold together writes nothing.
    pub async fn import_all(&self, d: &DeskDump) -> Result<usize> {
        self.import_with(d, None).await
    }

    /// [`Service::import_all`], plus the secrets of a desk being moved, in the same
    /// transaction.
    pub(super) async fn import_with(
        &self,
        d: &DeskDump,
        secrets: Option<&dump::Secrets>,
    ) -> Result<usize> {
        check(d, self.key_prefix())?;
        self.ensure_empty().await?;
        let category_ids: HashMap<&str, i64> = d
            .categories
            .iter()
            .map(|c| (c.name.as_str(), c.id))
            .collect();
        let priority_ids: HashMap<&str, i64> = d
            .priorities
            .iter()
            .map(|p| (p.name.as_str(), p.id))
            .collect();
        let mut w = self.store.write().await?;
        dump::clear_reference(&mut w.tx).await?;
        for s in &d.statuses {
            reference::save_status(&mut *w.tx, s).await?;
        }
        for c in &d.categories {
            dump::insert_category(&mut w.tx, c).await?;
        }
        for p in &d.priorities {
            dump::insert_priority(&mut w.tx, p).await?;
        }
        for u in &d.users {
            dump::insert_user(&mut w.tx, u).await?;
        }
        for t in &d.tickets {
            // `check` made sure both names exist.
            let ids = tickets::RefIds {
                category_id: category_ids
                    .get(t.category.as_str())
                    .copied()
                    .unwrap_or_default(),
                priority_id: priority_ids
                    .get(t.priority.as_str())
                    .copied()
                    .unwrap_or_default(),
            };
            tickets::insert(&mut w.tx, t, ids).await?;
        }
        for c in &d.comments {
            dump::insert_comment(&mut w.tx, c).await?;
        }
        let commented: HashSet<i64> = d.comments.iter().map(|c| c.ticket_id).collect();
        for id in commented {
            search::reindex(&mut w.tx, id).await?;
        }
        for e in &d.events {
            dump::insert_event(&mut w.tx, e).await?;
        }
        let highest = d.tickets.iter().map(|t| t.id).max().unwrap_or(0);
        dump::set_ticket_counter(&mut w.tx, highest).await?;
        if let Some(secrets) = secrets {
            dump::write_secrets(&mut w.tx, secrets).await?;
        }
        dump::reset_sequences(&mut w.tx).await?;
        w.commit().await?;
        self.refs_changed();
        Ok(d.tickets.len())
    }
}

/// Everything an import relies on, before anything is written.
fn check(d: &DeskDump, key_prefix: &str) -> Result<()> {
    if d.format != DUMP_FORMAT {
        return Err(refuse(format!(
            "not a desk dump (format `{}`, expected `{DUMP_FORMAT}`)",
            d.format
        )));
    }
    if d.version > DUMP_VERSION {
        return Err(refuse(format!(
            "the dump was written by a newer desk (dump version {}, this desk reads up to {DUMP_VERSION})",
            d.version
        )));
    }
    if d.key_prefix != key_prefix {
        return Err(refuse(format!(
            "the dump's tickets are keyed `{}-…` but this desk's prefix is `{key_prefix}`; set `[desk] key_prefix = \"{}\"` first",
            d.key_prefix, d.key_prefix
        )));
    }
    let unique = |what: &str, ids: Vec<i64>| -> Result<HashSet<i64>> {
        let n = ids.len();
        let set: HashSet<i64> = ids.into_iter().collect();
        if set.len() != n {
            return Err(refuse(format!("the dump repeats {what} ids")));
        }
        Ok(set)
    };
    let user_ids = unique("user", d.users.iter().map(|u| u.id).collect())?;
    let ticket_ids = unique("ticket", d.tickets.iter().map(|t| t.id).collect())?;
    unique("comment", d.comments.iter().map(|c| c.id).collect())?;
    unique("event", d.events.iter().map(|e| e.seq).collect())?;
    unique("category", d.categories.iter().map(|c| c.id).collect())?;
    unique("priority", d.priorities.iter().map(|p| p.id).collect())?;
    let statuses: HashSet<&str> = d.statuses.iter().map(|s| s.key.as_str()).collect();
    let categories: HashSet<&str> = d.categories.iter().map(|c| c.name.as_str()).collect();
    let priorities: HashSet<&str> = d.priorities.iter().map(|p| p.name.as_str()).collect();
    let known_user = |id: Option<i64>| id.is_none_or(|id| user_ids.contains(&id));
    for t in &d.tickets {
        let at = |what: String| refuse(format!("ticket {}: {what}", t.key));
        if parse_key_number(key_prefix, &t.key) != Some(t.id) {
            return Err(at(format!("its key does not match its id {}", t.id)));
        }
        if !statuses.contains(t.status.as_str()) {
            return Err(at(format!("unknown status `{}`", t.status)));
        }
        if !categories.contains(t.category.as_str()) {
            return Err(at(format!("unknown category `{}`", t.category)));
        }
        if !priorities.contains(t.priority.as_str()) {
            return Err(at(format!("unknown priority `{}`", t.priority)));
        }
        if !known_user(t.requester.user_id) || !known_user(t.assignee.as_ref().map(|a| a.id)) {
            return Err(at("names a person the dump does not hold".into()));
        }
    }
    for c in &d.comments {
        if !ticket_ids.contains(&c.ticket_id) || !known_user(c.author.as_ref().map(|a| a.id)) {
            return Err(refuse(format!(
                "comment {} points at a ticket or person the dump does not hold",
                c.id
            )));
        }
    }
    for e in &d.events {
        if !ticket_ids.contains(&e.ticket_id) || !known_user(e.actor.as_ref().map(|a| a.id)) {
            return Err(refuse(format!(
                "event {} points at a ticket or person the dump does not hold",
                e.seq
            )));
        }
    }
    Ok(())
}
