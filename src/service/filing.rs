//! New tickets are written in groups (group commit).
//!
//! Every write in the desk holds the one writer lock, and a single create spent most of
//! its time under it on fixed costs: taking the lock, BEGIN, taking a number, and
//! COMMIT, which writes the WAL frames and a new segment of the search index. While one
//! group is being written, the creates that arrive queue up; the next group takes all
//! of them in one transaction with one run of numbers and one index insert. A lone
//! create is a group of one and waits for nothing.

use std::sync::Mutex;

use tokio::sync::oneshot;

use crate::domain::model::{
    Category, CustomFields, EventKind, Priority, Requester, StatusClass, Ticket, Visibility,
};
use crate::domain::{sla, time, workflow};
use crate::store::{StoreError, events, search, tickets};

use super::{Result, Service};

/// The most tickets one transaction writes: it bounds how long other writers (edits,
/// comments) wait behind a group.
const GROUP_MAX: usize = 64;

/// A ticket that passed every check and only needs writing.
pub(super) struct Filing {
    pub title: String,
    pub description: String,
    pub requester: Requester,
    pub category: Category,
    pub priority: Priority,
    pub tags: Vec<String>,
    pub custom_fields: CustomFields,
    pub actor_id: Option<i64>,
    /// Waiting uploads to link to the ticket, as (id, name), in the same transaction.
    pub uploads: Vec<(i64, String)>,
}

type Reply = oneshot::Sender<Result<Ticket>>;

/// Filings waiting for the next group, and whether a task is writing groups now.
#[derive(Default)]
pub(super) struct Queue {
    state: Mutex<QueueState>,
}

#[derive(Default)]
struct QueueState {
    waiting: Vec<(Filing, Reply)>,
    writing: bool,
}

impl Queue {
    /// Queues a filing; true when the caller must start the writer (none is running).
    fn push(&self, filing: Filing, reply: Reply) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.waiting.push((filing, reply));
        !std::mem::replace(&mut state.writing, true)
    }

    /// The next group, or none (and the writer stops) when nothing waits. Taking the
    /// group and stopping happen under one lock, so no filing is left behind.
    fn next_group(&self) -> Option<Vec<(Filing, Reply)>> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.waiting.is_empty() {
            state.writing = false;
            return None;
        }
        let take = state.waiting.len().min(GROUP_MAX);
        Some(state.waiting.drain(..take).collect())
    }

    fn writer_stopped(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).writing = false;
    }
}

/// Lets the next filing start a writer if this one dies unwinding, so nothing hangs.
struct StopOnPanic<'q>(&'q Queue);

impl Drop for StopOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.writer_stopped();
        }
    }
}

impl Service {
    /// Writes a checked ticket, in the next group, and returns it as filed.
    pub(super) async fn file(&self, filing: Filing) -> Result<Ticket> {
        let (reply, answer) = oneshot::channel();
        if self.filings.push(filing, reply) {
            // Its own task: a caller that goes away (a closed connection) must not take
            // the writer, and everyone queued behind it, down with it.
            let service = self.clone();
            tokio::spawn(async move { service.write_groups().await });
        }
        answer.await.map_err(|_| StoreError::Interrupted)?
    }

    async fn write_groups(&self) {
        let _guard = StopOnPanic(&self.filings);
        while let Some(group) = self.filings.next_group() {
            let (filings, replies): (Vec<Filing>, Vec<Reply>) = group.into_iter().unzip();
            match self.write_group(&filings).await {
                Ok(filed) => {
                    for (reply, ticket) in replies.into_iter().zip(filed) {
                        let _ = reply.send(Ok(ticket));
                    }
                }
                // Nothing of the group was written. Each is tried alone, so one bad
                // filing fails only itself.
                Err(_) if filings.len() > 1 => {
                    for (filing, reply) in filings.into_iter().zip(replies) {
                        let alone = self.write_group(std::slice::from_ref(&filing)).await;
                        let _ = reply.send(alone.map(|mut t| t.remove(0)));
                    }
                }
                Err(e) => {
                    if let Some(reply) = replies.into_iter().next() {
                        let _ = reply.send(Err(e));
                    }
                }
            }
        }
    }

    /// One transaction for the whole group: its tickets, their `created` events and
    /// their rows in the search index.
    async fn write_group(&self, filings: &[Filing]) -> Result<Vec<Ticket>> {
        let mut w = self.store.write().await?;
        let now = time::now();
        let count = filings.len() as i64;
        let last = tickets::take_numbers(&mut w.tx, count).await?;
        let first = last - count + 1;
        let mut filed = Vec::with_capacity(filings.len());
        for (number, f) in (first..=last).zip(filings) {
            let ticket = Ticket {
                id: number,
                key: self.key_of(number),
                title: f.title.clone(),
                description: f.description.clone(),
                requester: f.requester.clone(),
                category: f.category.name.clone(),
                priority: f.priority.name.clone(),
                status: workflow::NEW.into(),
                status_class: StatusClass::Open,
                assignee: None,
                tags: f.tags.clone(),
                custom_fields: f.custom_fields.clone(),
                version: 1,
                created_at: now,
                updated_at: now,
                first_response_at: None,
                resolved_at: None,
                closed_at: None,
                approved_at: None,
                sla: sla::start(now, &f.category, &f.priority),
            };
            let ids = tickets::RefIds {
                category_id: f.category.id,
                priority_id: f.priority.id,
            };
            tickets::insert_unindexed(&mut w.tx, &ticket, ids).await?;
            events::insert(
                &mut w.tx,
                events::NewEvent {
                    ticket_id: ticket.id,
                    version: ticket.version,
                    kind: EventKind::Created,
                    actor_id: f.actor_id,
                    at: now,
                    field: None,
                    old: None,
                    new: Some(&ticket.status),
                    note: None,
                    visibility: Visibility::Public,
                },
            )
            .await?;
            let mut linked: Vec<&(i64, String)> = Vec::new();
            for upload in &f.uploads {
                if crate::store::attachments::link_upload(&mut w.tx, ticket.id, upload.0).await? {
                    linked.push(upload);
                }
            }
            if !linked.is_empty() {
                let ids: Vec<String> = linked.iter().map(|(id, _)| id.to_string()).collect();
                let names: Vec<&str> = linked.iter().map(|(_, n)| n.as_str()).collect();
                events::insert(
                    &mut w.tx,
                    events::NewEvent {
                        ticket_id: ticket.id,
                        version: ticket.version,
                        kind: EventKind::Attached,
                        actor_id: f.actor_id,
                        at: now,
                        field: Some("attachments"),
                        old: None,
                        new: Some(&ids.join(",")),
                        note: Some(&names.join(", ")),
                        visibility: Visibility::Public,
                    },
                )
                .await?;
            }
            filed.push(ticket);
        }
        search::index_new(&mut w.tx, first, last).await?;
        w.commit().await?;
        for ticket in &mut filed {
            sla::stamp(ticket, now);
        }
        Ok(filed)
    }
}
