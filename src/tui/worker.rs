//! Carries out the app's effects against the desk, each on its own task, and sends
//! the answers back as messages. Nothing here waits on the UI and the UI never waits
//! on this.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tokio::sync::mpsc::UnboundedSender;

use super::files::Files;
use super::protocol::{Call, Msg, Op, Refreshed, Wake};
use super::refs::Reference;
use crate::client::{Desk, DeskError, DeskResult};
use crate::domain::model::EventKind;
use crate::domain::requests::TicketEdit;

/// A page of the change feed.
const FEED_PAGE: u32 = 1000;
/// Pages of the feed one refresh reads before it settles for a reload.
const FEED_PAGES: usize = 5;
/// More changed tickets than this in one refresh: reload the list instead of merging.
pub const MERGE_LIMIT: usize = 400;

#[derive(Clone)]
pub struct Worker {
    desk: Arc<dyn Desk>,
    files: Arc<Files>,
    tx: UnboundedSender<Msg>,
    /// Effects started and not yet answered (tests wait for this to reach zero).
    pending: Arc<AtomicUsize>,
    /// The desk lets this user see tickets' notifications.
    outbox: Arc<AtomicBool>,
}

impl Worker {
    /// `files`: where attachments are saved.
    pub fn new(desk: Arc<dyn Desk>, files: Files, tx: UnboundedSender<Msg>) -> Worker {
        Worker {
            desk,
            files: Arc::new(files),
            tx,
            pending: Arc::new(AtomicUsize::new(0)),
            outbox: Arc::new(AtomicBool::new(true)),
        }
    }

    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::SeqCst)
    }

    /// Makes a call to the desk; its answer comes back as a message.
    pub fn call(&self, call: Call) {
        let desk = self.desk.clone();
        let files = self.files.clone();
        let outbox = self.outbox.clone();
        self.spawn(async move { perform(desk.as_ref(), &files, &outbox, call).await });
    }

    /// Sends [`Msg::Woke`] after `after_ms`.
    pub fn wake(&self, after_ms: u64, wake: Wake) {
        self.spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(after_ms)).await;
            Msg::Woke(wake)
        });
    }

    fn spawn(&self, work: impl std::future::Future<Output = Msg> + Send + 'static) {
        let tx = self.tx.clone();
        let pending = self.pending.clone();
        pending.fetch_add(1, Ordering::SeqCst);
        tokio::spawn(async move {
            // The app has gone (quitting): nobody is waiting for the answer.
            let _ = tx.send(work.await);
            pending.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

/// The dashboard's counts, asked for together (each is one indexed count).
async fn dashboard(
    desk: &dyn Desk,
    ask: &super::panes::dashboard::Ask,
) -> DeskResult<super::panes::dashboard::Figures> {
    use super::panes::dashboard::{Figures, Item};
    let wanted = ask.counts();
    // Over the whole desk, most numbers are the desk's own counters: one cheap read
    // instead of a count each.
    let stats = if ask.query.trim().is_empty() {
        desk.stats().await.ok()
    } else {
        None
    };
    let known = |w: &super::panes::dashboard::Wanted| {
        w.known
            .as_ref()
            .and_then(|k| stats.as_ref().map(|s| k.from(s)))
    };
    let counts = futures_util::future::join_all(wanted.iter().map(|w| async {
        match known(w) {
            Some(n) => Ok(n),
            None => desk.count_tickets(&w.query).await,
        }
    }));
    // The oldest of a number's tickets: the first of its query in the order that
    // puts the longest wait first.
    let oldest = futures_util::future::join_all(wanted.iter().map(|w| async {
        let Some(how) = w.oldest else {
            return Ok(None);
        };
        let q = format!("{} {}", w.query, how.sort());
        let page = desk.list_tickets(&q, Some(1), None).await?;
        Ok::<_, crate::client::DeskError>(page.tickets.first().map(|t| how.since(t)))
    }));
    let (counts, oldest, series) =
        tokio::join!(counts, oldest, desk.stats_series(&ask.query, ask.days));
    let mut items = Vec::with_capacity(wanted.len());
    for ((w, count), oldest) in wanted.into_iter().zip(counts).zip(oldest) {
        items.push((
            w.section,
            Item {
                label: w.label,
                count: count?,
                query: w.query,
                oldest: oldest?,
            },
        ));
    }
    Ok(Figures {
        items,
        series: series?,
    })
}

/// A ticket's notifications for its timeline, beside the ticket itself. A desk that
/// refuses them while it gives the ticket (a customer, a server from before
/// notifications) is not asked again.
async fn detail_with_sent(desk: &dyn Desk, key: &str, outbox: &AtomicBool) -> Msg {
    let ask = outbox.load(Ordering::Relaxed);
    let (result, sent) = tokio::join!(desk.get_ticket(key), async {
        match ask {
            true => Some(desk.ticket_deliveries(key).await),
            false => None,
        }
    });
    let sent = match sent {
        Some(Ok(sent)) => sent,
        Some(Err(DeskError::Forbidden(_) | DeskError::NotFound(_))) if result.is_ok() => {
            outbox.store(false, Ordering::Relaxed);
            Vec::new()
        }
        _ => Vec::new(),
    };
    Msg::Detail {
        key: key.to_string(),
        result,
        sent,
    }
}

async fn perform(desk: &dyn Desk, files: &Files, outbox: &AtomicBool, call: Call) -> Msg {
    match call {
        Call::ViewCounts(queries) => {
            let counts =
                futures_util::future::join_all(queries.iter().map(|q| desk.count_tickets(q))).await;
            Msg::ViewCounts(counts.into_iter().map(Result::ok).collect())
        }
        Call::Dashboard(ask) => Msg::Dashboard {
            query: ask.query.clone(),
            result: dashboard(desk, &ask).await,
        },
        Call::LoadReference => Msg::Reference(reference(desk).await),
        Call::Head => Msg::Head(desk.feed_head().await),
        Call::LoadPage {
            epoch,
            query,
            cursor,
            limit,
        } => Msg::Page {
            epoch,
            result: desk
                .list_tickets(&query, Some(limit), cursor.as_deref())
                .await,
        },
        Call::Count { epoch, query } => Msg::Count {
            epoch,
            result: desk.count_tickets(&query).await,
        },
        Call::LoadDetail { key } => detail_with_sent(desk, &key, outbox).await,
        Call::Refresh {
            epoch,
            query,
            after,
            filed,
        } => Msg::Refreshed {
            epoch,
            result: refresh(desk, &query, after, filed).await,
        },
        Call::Transitions { keys } => {
            let result = match keys.first() {
                Some(key) => desk.allowed_transitions(key).await,
                None => Ok(Vec::new()),
            };
            Msg::Transitions { keys, result }
        }
        Call::Write { op, targets } => {
            let mut results = Vec::new();
            for (key, version) in targets {
                let result = write(desk, &op, &key, version).await;
                results.push((key, result));
            }
            Msg::Written { op, results }
        }
        Call::Undo { key, ops, version } => {
            // Each step on top of the one before, so nothing else slips in unseen.
            let mut version = Some(version);
            let mut result = Err(DeskError::Invalid {
                field: None,
                message: "nothing to undo".into(),
            });
            let mut last = None;
            for op in ops {
                result = write(desk, &op, &key, version).await;
                match &result {
                    Ok(ticket) => version = Some(ticket.version),
                    Err(_) => break,
                }
                last = Some(op);
            }
            Msg::Undone {
                op: last,
                results: vec![(key, result)],
            }
        }
        Call::Comment {
            key,
            body,
            visibility,
        } => {
            let result = desk.comment(&key, &body, visibility, None).await;
            Msg::Commented { key, result }
        }
        Call::Create(new) => Msg::Created(desk.create_ticket(new).await),
        Call::Attach {
            key,
            files,
            body,
            visibility,
        } => {
            let body = Some(body.as_str()).filter(|b| !b.trim().is_empty());
            let result = desk.attach(&key, &files, body, visibility, None).await;
            Msg::Attached { key, result }
        }
        Call::Save { id, name } => Msg::Saved {
            result: super::files::save(desk, files, id, &name).await,
            name,
        },
        Call::Preview { id } => Msg::Preview {
            id,
            result: super::files::preview(desk, id).await,
        },
    }
}

async fn reference(desk: &dyn Desk) -> DeskResult<Reference> {
    let me = desk.me().await?;
    Ok(Reference {
        statuses: desk.statuses().await?,
        priorities: desk.priorities().await?,
        categories: desk.categories().await?,
        // Customers may not list people; they have no one to assign to anyway.
        users: if me.role.is_staff() {
            desk.users().await?
        } else {
            Vec::new()
        },
        // The assignee picker's workload column; a desk that cannot say leaves it at 0.
        open_by_assignee: if me.role.is_staff() {
            desk.stats()
                .await
                .map(|s| s.by_assignee)
                .unwrap_or_default()
        } else {
            Vec::new()
        },
        me: Some(me),
    })
}

async fn write(
    desk: &dyn Desk,
    op: &Op,
    key: &str,
    version: Option<i64>,
) -> Result<crate::domain::model::Ticket, DeskError> {
    match op {
        Op::Assign(who) => desk.assign(key, who.as_deref(), version).await,
        Op::Transition { to, note } => desk.transition(key, to, note.as_deref(), version).await,
        Op::Approve(note) => desk.approve(key, note.as_deref(), version).await,
        Op::Reject(note) => desk.reject(key, note, version).await,
        Op::Priority(p) => {
            let edit = TicketEdit {
                priority: Some(p.clone()),
                ..TicketEdit::default()
            };
            desk.edit_ticket(key, edit, version).await
        }
        Op::Tags { add, remove } => {
            let edit = TicketEdit {
                add_tags: add.clone(),
                remove_tags: remove.clone(),
                ..TicketEdit::default()
            };
            desk.edit_ticket(key, edit, version).await
        }
    }
}

/// Reads the feed after `after`, then asks the desk which of the changed tickets match
/// the filter now: those are merged, the rest leave the list.
async fn refresh(desk: &dyn Desk, query: &str, after: i64, filed: bool) -> DeskResult<Refreshed> {
    let me = desk.info().user.id;
    let mut keys = BTreeSet::new();
    let mut by_others = BTreeSet::new();
    let mut others = Vec::new();
    let mut last_seq = after;
    for _ in 0..FEED_PAGES {
        let page = desk.changes(last_seq, Some(FEED_PAGE)).await?;
        for e in page.events {
            keys.insert(e.ticket_key.clone());
            if e.actor.as_ref().is_none_or(|a| a.id != me) {
                by_others.insert(e.ticket_key.clone());
                if others.len() < MERGE_LIMIT {
                    others.push(e);
                }
            }
        }
        last_seq = page.last_seq;
        if !page.has_more {
            break;
        }
        if keys.len() > MERGE_LIMIT {
            break;
        }
    }
    let mut found = Refreshed {
        last_seq,
        by_others: by_others.into_iter().collect(),
        ..Refreshed::default()
    };
    let new_keys: BTreeSet<&str> = others
        .iter()
        .filter(|e| e.kind == EventKind::Created)
        .map(|e| e.ticket_key.as_str())
        .collect();
    if filed && !new_keys.is_empty() {
        let list: Vec<&str> = new_keys.into_iter().collect();
        // Best effort: a notification missed is better than a refresh failed.
        if let Ok(page) = desk
            .list_tickets(
                &format!("key:{}", list.join(",")),
                Some(MERGE_LIMIT as u32),
                None,
            )
            .await
        {
            found.filed = page.tickets;
        }
    }
    found.others = others;
    if keys.is_empty() {
        return Ok(found);
    }
    if keys.len() > MERGE_LIMIT {
        // Cheaper to start over than to merge this much; read the rest of the feed
        // on the next refresh.
        found.reload = true;
        return Ok(found);
    }
    let list: Vec<&str> = keys.iter().map(String::as_str).collect();
    let narrowed = format!("{query} key:{}", list.join(","));
    let page = desk
        .list_tickets(narrowed.trim(), Some(MERGE_LIMIT as u32), None)
        .await?;
    let matching: BTreeSet<&str> = page.tickets.iter().map(|t| t.key.as_str()).collect();
    found.gone = keys
        .iter()
        .filter(|k| !matching.contains(k.as_str()))
        .cloned()
        .collect();
    found.matching = page.tickets;
    found.count = desk.count_tickets(query).await.ok();
    Ok(found)
}
