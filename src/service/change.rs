//! One change to one ticket: read it inside the write transaction, check the version the
//! caller based its change on, mutate a copy, then save the copy and its events together.

use crate::domain::model::{EventKind, Ticket, Visibility};
use crate::domain::time::{self, Millis};
use crate::store::{WriteTx, events, tickets};

use super::{Actor, Refs, Result, Service, ServiceError};

/// An audit event waiting for the transaction to write it.
pub(super) struct Pending {
    pub kind: EventKind,
    pub field: Option<String>,
    pub old: Option<String>,
    pub new: Option<String>,
    pub note: Option<String>,
    pub visibility: Visibility,
}

impl Pending {
    pub fn new(kind: EventKind) -> Pending {
        Pending {
            kind,
            field: None,
            old: None,
            new: None,
            note: None,
            visibility: Visibility::Public,
        }
    }

    pub fn field(mut self, field: &str, old: Option<String>, new: Option<String>) -> Pending {
        self.field = Some(field.to_string());
        self.old = old;
        self.new = new;
        self
    }

    pub fn note(mut self, note: Option<String>) -> Pending {
        self.note = note;
        self
    }

    pub fn internal(mut self) -> Pending {
        self.visibility = Visibility::Internal;
        self
    }
}

pub(super) struct Change<'s> {
    pub w: WriteTx<'s>,
    pub before: Ticket,
    pub after: Ticket,
    pub events: Vec<Pending>,
    pub refs: std::sync::Arc<Refs>,
    pub now: Millis,
}

impl Service {
    /// Opens a change to the ticket `key`. `expected_version`, when given, is the version
    /// the caller saw; a newer one means someone else changed the ticket meanwhile and
    /// the caller is told who changed what instead of overwriting it.
    pub(super) async fn begin_change(
        &self,
        actor: &Actor,
        key: &str,
        expected_version: Option<i64>,
    ) -> Result<Change<'_>> {
        actor.require_active()?;
        let mut w = self.store.write().await?;
        let ticket = self.find(&mut *w.tx, actor, key).await?;
        if let Some(expected) = expected_version
            && expected != ticket.version
        {
            let missed = visible(
                actor,
                events::since_version(&mut *w.tx, ticket.id, expected).await?,
            );
            return Err(ServiceError::Conflict {
                current: Box::new(ticket),
                missed,
            });
        }
        let refs = self.refs().await?;
        Ok(Change {
            w,
            after: ticket.clone(),
            before: ticket,
            events: Vec::new(),
            refs,
            now: time::now(),
        })
    }

    /// Saves the changed ticket and its events. A change that changed nothing writes
    /// nothing and returns the ticket as it was.
    pub(super) async fn commit_change(&self, actor: &Actor, change: Change<'_>) -> Result<Ticket> {
        let Change {
            mut w,
            before,
            mut after,
            events: pending,
            refs,
            now,
        } = change;
        if pending.is_empty() {
            return Ok(before);
        }
        after.version = before.version + 1;
        after.updated_at = now.max(before.updated_at);
        let ids = refs.ids(&after)?;
        if !tickets::save(&mut w.tx, &after, ids, before.version, &before).await? {
            // Another process wrote between our read and our write; report it as the
            // same conflict a stale caller gets.
            let current = tickets::get(&mut *w.tx, self.store.backend(), before.id)
                .await?
                .ok_or_else(|| ServiceError::not_found("ticket", &before.key))?;
            let missed = visible(
                actor,
                events::since_version(&mut *w.tx, before.id, before.version).await?,
            );
            return Err(ServiceError::Conflict {
                current: Box::new(current),
                missed,
            });
        }
        for e in &pending {
            events::insert(
                &mut w.tx,
                events::NewEvent {
                    ticket_id: after.id,
                    version: after.version,
                    kind: e.kind,
                    actor_id: actor.user_id(),
                    at: now,
                    field: e.field.as_deref(),
                    old: e.old.as_deref(),
                    new: e.new.as_deref(),
                    note: e.note.as_deref(),
                    visibility: e.visibility,
                },
            )
            .await?;
        }
        w.commit().await?;
        crate::domain::sla::stamp(&mut after, now);
        Ok(after)
    }
}

/// What a stale writer is told they missed: customers hear only of public changes.
fn visible(
    actor: &Actor,
    mut missed: Vec<crate::domain::model::Event>,
) -> Vec<crate::domain::model::Event> {
    if !actor.is_staff() {
        missed.retain(|e| e.visibility == Visibility::Public);
    }
    missed
}
