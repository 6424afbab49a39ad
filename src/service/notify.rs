//! Notifications: webhook endpoints and the outbox, as admins manage them, and the
//! rules that turn events of the feed into deliveries. Deliveries are derived from
//! events only (never from handler code), so every door produces them alike.

use std::collections::HashMap;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::model::{Event, EventKind, Ticket, Visibility};
use crate::domain::time;
use crate::domain::validate::invalid;
use crate::store::outbox::{self, Delivery, NewDelivery, Webhook, WebhookTarget};
use crate::store::{Scope, events};

use super::{Actor, Result, Service, ServiceError};

/// The event names a webhook may subscribe to; `*` is all of them.
pub const WEBHOOK_EVENTS: &[&str] = &[
    "ticket.created",
    "ticket.updated",
    "ticket.status_changed",
    "ticket.resolved",
    "ticket.assigned",
    "comment.created",
    "approval.decided",
    "attachment.added",
    "attachment.removed",
];

/// The webhook event names an audit event is published as.
pub fn webhook_events(e: &Event) -> Vec<&'static str> {
    match e.kind {
        EventKind::Created => vec!["ticket.created"],
        EventKind::StatusChanged if e.new.as_deref() == Some("resolved") => {
            vec!["ticket.status_changed", "ticket.resolved"]
        }
        EventKind::StatusChanged => vec!["ticket.status_changed"],
        EventKind::Assigned => vec!["ticket.assigned"],
        EventKind::Commented => vec!["comment.created"],
        EventKind::Approved | EventKind::Rejected => vec!["approval.decided"],
        EventKind::FieldChanged | EventKind::Tagged | EventKind::Untagged => {
            vec!["ticket.updated"]
        }
        EventKind::Attached => vec!["attachment.added"],
        EventKind::AttachmentRemoved => vec!["attachment.removed"],
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Where to POST: `https://` (or `http://`).
    pub url: String,
    /// Event names (see the list in the API docs), or `["*"]` for all.
    pub events: Vec<String>,
    /// The signing secret; a random one is made when left out. Shown only in the
    /// answer to this request.
    #[serde(default)]
    pub secret: Option<String>,
    /// Also send internal events and internal notes.
    #[serde(default)]
    pub internal: bool,
}

/// How the outbox behaves.
#[derive(Debug, Clone, Copy)]
pub struct WebhookPolicy {
    /// Allow URLs to loopback and private addresses (`[webhooks] allow_private`).
    pub allow_private: bool,
}

/// Whether an address is one a webhook may not reach unless private ones are allowed:
/// loopback, private, link-local, unique-local, unspecified, multicast, broadcast.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                // 100.64.0.0/10, carrier-grade NAT.
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xC0) == 64)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

/// Checks a webhook URL's form, and refuses literal private addresses and `localhost`
/// unless allowed (names that resolve to one are refused again when sending).
pub fn check_webhook_url(url: &str, policy: WebhookPolicy) -> Result<reqwest::Url> {
    let bad = |m: String| ServiceError::Invalid(invalid("url", m));
    let parsed = reqwest::Url::parse(url.trim())
        .map_err(|e| bad(format!("`{}` is not a URL: {e}", url.trim())))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad(
            "a webhook URL must start with https:// or http://".into()
        ));
    }
    let Some(host) = parsed.host_str().map(str::to_ascii_lowercase) else {
        return Err(bad("a webhook URL needs a host".into()));
    };
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad(
            "a webhook URL must not carry credentials; the signature authenticates desk".into(),
        ));
    }
    if !policy.allow_private {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let private = match bare.parse::<IpAddr>() {
            Ok(ip) => is_private(ip),
            Err(_) => bare == "localhost" || bare.ends_with(".localhost"),
        };
        if private {
            return Err(bad(format!(
                "{host} is a loopback or private address; webhooks go to public hosts unless \
                 [webhooks] allow_private = true"
            )));
        }
    }
    Ok(parsed)
}

/// `status=` values of the deliveries list.
const STATUSES: &[&str] = &["pending", "delivered", "failed", "dead"];

impl Service {
    /// Registers a webhook endpoint. Admins only.
    pub async fn create_webhook(
        &self,
        actor: &Actor,
        new: NewWebhook,
        policy: WebhookPolicy,
    ) -> Result<Webhook> {
        actor.require_admin("manage webhooks")?;
        let url = check_webhook_url(&new.url, policy)?;
        if new.events.is_empty() {
            return Err(ServiceError::Invalid(invalid(
                "events",
                format!(
                    "name at least one event (or \"*\"): {}",
                    WEBHOOK_EVENTS.join(", ")
                ),
            )));
        }
        let mut events = Vec::new();
        for e in &new.events {
            let e = e.trim();
            if e != "*" && !WEBHOOK_EVENTS.contains(&e) {
                return Err(ServiceError::Invalid(invalid(
                    "events",
                    format!(
                        "unknown event `{e}` (expected \"*\" or one of: {})",
                        WEBHOOK_EVENTS.join(", ")
                    ),
                )));
            }
            if !events.iter().any(|x: &String| x == e) {
                events.push(e.to_string());
            }
        }
        let secret = match new.secret.map(|s| s.trim().to_string()) {
            Some(s) if s.len() < 16 => {
                return Err(ServiceError::Invalid(invalid(
                    "secret",
                    "a webhook secret needs at least 16 characters (leave it out for a random one)",
                )));
            }
            Some(s) => s,
            None => super::secrets::random_hex(24),
        };
        let now = time::now();
        let mut w = self.store.write().await?;
        let id =
            outbox::insert_webhook(&mut w.tx, url.as_str(), &events, &secret, new.internal, now)
                .await?;
        w.commit().await?;
        Ok(Webhook {
            id,
            url: url.to_string(),
            events,
            internal: new.internal,
            active: true,
            disabled_reason: None,
            created_at: now,
            secret: Some(secret),
        })
    }

    /// Every webhook endpoint, without secrets. Admins only.
    pub async fn webhooks(&self, actor: &Actor) -> Result<Vec<Webhook>> {
        actor.require_admin("manage webhooks")?;
        let all = outbox::webhooks(self.store.pool()).await?;
        Ok(all.into_iter().map(|t| t.hook).collect())
    }

    /// Removes an endpoint; what was queued for it stays in the outbox, unsent.
    pub async fn delete_webhook(&self, actor: &Actor, id: i64) -> Result<()> {
        actor.require_admin("manage webhooks")?;
        let mut w = self.store.write().await?;
        let found = outbox::delete_webhook(&mut w.tx, id).await?;
        if !found {
            return Err(ServiceError::not_found("webhook", id));
        }
        sqlx::query(
            "UPDATE deliveries SET status = 'dead', last_error = 'the webhook was removed'
              WHERE webhook_id IS NULL AND channel = 'webhook' AND status IN ('pending', 'failed')",
        )
        .execute(&mut *w.tx)
        .await?;
        w.commit().await?;
        Ok(())
    }

    /// One endpoint with its secret, for the sender (and `webhooks test`).
    pub async fn webhook_target(&self, actor: &Actor, id: i64) -> Result<WebhookTarget> {
        actor.require_admin("manage webhooks")?;
        outbox::webhook_by_id(self.store.pool(), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("webhook", id))
    }

    /// The outbox, newest first: all of it or one status. Admins only.
    pub async fn deliveries(
        &self,
        actor: &Actor,
        status: Option<&str>,
        before: Option<i64>,
        limit: Option<u32>,
    ) -> Result<Vec<Delivery>> {
        actor.require_admin("see the outbox")?;
        if let Some(s) = status
            && !STATUSES.contains(&s)
        {
            return Err(ServiceError::Invalid(invalid(
                "status",
                format!(
                    "unknown status `{s}` (expected one of: {})",
                    STATUSES.join(", ")
                ),
            )));
        }
        let limit = limit
            .unwrap_or(super::PAGE_DEFAULT)
            .clamp(1, super::PAGE_MAX);
        Ok(outbox::list(self.store.pool(), status, None, before, limit).await?)
    }

    /// One delivery with what it sends. Admins only.
    pub async fn delivery(&self, actor: &Actor, id: i64) -> Result<(Delivery, serde_json::Value)> {
        actor.require_admin("see the outbox")?;
        let (d, payload) = outbox::get(self.store.pool(), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("delivery", id))?;
        let payload = serde_json::from_str(&payload).unwrap_or(serde_json::Value::String(payload));
        Ok((d, payload))
    }

    /// Sends a delivery again as soon as the sender wakes, whatever it ended as.
    pub async fn retry_delivery(&self, actor: &Actor, id: i64) -> Result<Delivery> {
        actor.require_admin("retry deliveries")?;
        if !outbox::retry(&self.store, id, time::now()).await? {
            return Err(ServiceError::not_found("delivery", id));
        }
        let (d, _) = outbox::get(self.store.pool(), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("delivery", id))?;
        Ok(d)
    }

    /// The notifications sent about one ticket, oldest first, for its timeline. Staff
    /// only: recipients are other people's addresses.
    pub async fn ticket_deliveries(&self, actor: &Actor, key: &str) -> Result<Vec<Delivery>> {
        actor.require_staff("see a ticket's notifications")?;
        let ticket = self.find_read(actor, key).await?;
        let mut found = outbox::list(
            self.store.pool(),
            None,
            Some(ticket.id),
            None,
            super::PAGE_MAX,
        )
        .await?;
        found.reverse();
        Ok(found)
    }

    /// One dispatcher step: reads events after the durable cursor (at most `batch`),
    /// writes the deliveries they call for and advances the cursor, all in one
    /// transaction, so a crash either keeps both or neither. Returns how many events
    /// were read. A new outbox starts at the feed's head: history is not re-sent.
    pub async fn dispatch_events(&self, batch: u32) -> Result<usize> {
        // Reference data comes from memory when fresh; read before the write transaction.
        let mail = match &self.config.mail {
            Some(policy) => Some((policy.clone(), self.refs().await?)),
            None => None,
        };
        let mut w = self.store.write().await?;
        let cursor = match outbox::cursor(&mut w.tx).await? {
            Some(seq) => seq,
            None => {
                let head = events::last_seq(&mut *w.tx).await?;
                outbox::set_cursor(&mut w.tx, head).await?;
                w.commit().await?;
                return Ok(0);
            }
        };
        let found = events::after(&mut *w.tx, cursor, batch, &Scope::All).await?;
        let Some(last) = found.last().map(|e| e.seq) else {
            return Ok(0);
        };
        let hooks: Vec<WebhookTarget> = outbox::webhooks(&mut *w.tx)
            .await?
            .into_iter()
            .filter(|h| h.hook.active)
            .collect();
        let now = time::now();
        let mut tickets: HashMap<i64, Option<Ticket>> = HashMap::new();
        if !hooks.is_empty() {
            for e in &found {
                let names = webhook_events(e);
                for hook in &hooks {
                    if e.visibility == Visibility::Internal && !hook.hook.internal {
                        continue;
                    }
                    let Some(name) = names
                        .iter()
                        .find(|n| hook.hook.events.iter().any(|s| s == "*" || s == *n))
                    else {
                        continue;
                    };
                    if let std::collections::hash_map::Entry::Vacant(slot) =
                        tickets.entry(e.ticket_id)
                    {
                        slot.insert(
                            crate::store::tickets::get(
                                &mut *w.tx,
                                self.store.backend(),
                                e.ticket_id,
                            )
                            .await?,
                        );
                    }
                    let Some(Some(ticket)) = tickets.get(&e.ticket_id) else {
                        continue;
                    };
                    let payload = webhook_payload(name, e, ticket, hook.hook.internal);
                    let d = NewDelivery {
                        event_seq: e.seq,
                        ticket_id: e.ticket_id,
                        channel: "webhook",
                        webhook_id: Some(hook.hook.id),
                        recipient: hook.hook.url.clone(),
                        subject: (*name).to_string(),
                        payload: payload.to_string(),
                    };
                    outbox::insert_delivery(&mut w.tx, &d, now).await?;
                }
            }
        }
        if let Some((policy, refs)) = &mail {
            // Only for a batch that holds events, so an idle poll reads nothing more.
            let supervisors: Vec<(String, String)> = crate::store::users::list(&mut *w.tx, true)
                .await?
                .into_iter()
                .filter(|u| u.active && u.role == crate::domain::model::Role::Supervisor)
                .map(|u| (u.email, u.name))
                .collect();
            for e in &found {
                if let std::collections::hash_map::Entry::Vacant(slot) = tickets.entry(e.ticket_id)
                {
                    slot.insert(
                        crate::store::tickets::get(&mut *w.tx, self.store.backend(), e.ticket_id)
                            .await?,
                    );
                }
                let Some(Some(ticket)) = tickets.get(&e.ticket_id) else {
                    continue;
                };
                let reply = match (e.kind, e.new.as_deref().and_then(|n| n.parse::<i64>().ok())) {
                    (crate::domain::model::EventKind::Commented, Some(id))
                        if e.visibility == Visibility::Public =>
                    {
                        crate::store::comments::for_ticket(&mut *w.tx, ticket.id, true)
                            .await?
                            .into_iter()
                            .find(|c| c.id == id)
                            .map(|c| c.body)
                    }
                    _ => None,
                };
                let requester_role = match ticket.requester.user_id {
                    Some(id) => crate::store::users::get(&mut *w.tx, id)
                        .await?
                        .map(|u| u.role),
                    None => None,
                };
                let facts = super::mail::EventFacts {
                    ticket,
                    needs_approval: refs
                        .categories
                        .iter()
                        .any(|c| c.name == ticket.category && c.requires_approval),
                    status_name: refs
                        .statuses
                        .iter()
                        .find(|s| s.key == ticket.status)
                        .map_or_else(|| ticket.status.clone(), |s| s.name.clone()),
                    reply,
                    requester_is_customer: super::mail::is_customer(requester_role),
                    supervisors: &supervisors,
                };
                for m in super::mail::mails_for(policy, &mut w.tx, e, facts).await? {
                    let d = NewDelivery {
                        event_seq: e.seq,
                        ticket_id: e.ticket_id,
                        channel: "email",
                        webhook_id: None,
                        recipient: m.recipient,
                        subject: m.subject,
                        payload: serde_json::to_string(&m.payload).unwrap_or_default(),
                    };
                    outbox::insert_delivery(&mut w.tx, &d, now).await?;
                }
            }
        }
        outbox::set_cursor(&mut w.tx, last).await?;
        w.commit().await?;
        Ok(found.len())
    }

    /// Opts the contact whose unsubscribe link holds `token` out of every mail to them;
    /// their address. The token is the proof (as RFC 8058's one-click asks), so it
    /// needs no account.
    pub async fn unsubscribe(&self, token: &str) -> Result<String> {
        let token = token.trim();
        if token.is_empty() || token.len() > 128 {
            return Err(ServiceError::not_found("unsubscribe link", "that"));
        }
        let mut w = self.store.write().await?;
        let email = outbox::unsubscribe(&mut w.tx, token, time::now())
            .await?
            .ok_or_else(|| ServiceError::not_found("unsubscribe link", "that"))?;
        w.commit().await?;
        Ok(email)
    }
}

/// What a webhook receives: the event and the ticket as its audience may see it.
fn webhook_payload(name: &str, e: &Event, t: &Ticket, internal: bool) -> serde_json::Value {
    let actor = e.actor.as_ref().map(|a| {
        if internal {
            serde_json::json!({"name": a.name, "email": a.email})
        } else {
            serde_json::json!({"name": a.name})
        }
    });
    let ticket = if internal {
        serde_json::to_value(t).unwrap_or_default()
    } else {
        serde_json::json!({
            "key": t.key,
            "title": t.title,
            "status": t.status,
            "status_class": t.status_class,
            "priority": t.priority,
            "category": t.category,
            "assignee_name": t.assignee.as_ref().map(|a| a.name.clone()),
            "tags": t.tags,
            "created_at": time::to_rfc3339(t.created_at),
            "updated_at": time::to_rfc3339(t.updated_at),
            "resolved_at": t.resolved_at.map(time::to_rfc3339),
        })
    };
    serde_json::json!({
        "event": name,
        "seq": e.seq,
        "at": time::to_rfc3339(e.at),
        "change": {
            "kind": e.kind,
            "field": e.field,
            "old": e.old,
            "new": e.new,
            "note": e.note,
            "visibility": e.visibility,
            "actor": actor,
        },
        "ticket": ticket,
    })
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeliveryDetail {
    #[serde(flatten)]
    pub delivery: Delivery,
    /// What is sent: the webhook body.
    pub payload: serde_json::Value,
}
