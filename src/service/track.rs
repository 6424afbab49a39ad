//! Tracking without an account: a ticket's key and the requester's email are enough to
//! see its public face. Staff emails and everything internal stay inside.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::model::{EventKind, StatusClass};
use crate::domain::time::{self, Millis};
use crate::store::{attachments, comments, events, reference};

use super::{Result, Service, ServiceError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PublicTicket {
    pub key: String,
    pub title: String,
    pub status: String,
    /// The status as a customer reads it (`In progress`).
    pub status_name: String,
    pub status_class: StatusClass,
    pub priority: String,
    pub category: String,
    #[schema(required = true)]
    pub assignee_name: Option<String>,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Millis,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Millis,
    #[serde(with = "time::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime, required = true)]
    pub resolved_at: Option<Millis>,
    pub comments: Vec<PublicComment>,
    pub timeline: Vec<PublicEvent>,
    /// Public files on the ticket itself (not on a message).
    #[serde(default)]
    pub attachments: Vec<PublicAttachment>,
}

/// A public file as its requester sees it; the content needs the same proof as the
/// ticket (key and email), see [`Service::tracker_attachment`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PublicAttachment {
    pub id: i64,
    pub name: String,
    pub media_type: String,
    pub size: i64,
}

impl From<&crate::domain::attachment::Attachment> for PublicAttachment {
    fn from(a: &crate::domain::attachment::Attachment) -> Self {
        PublicAttachment {
            id: a.id,
            name: a.name.clone(),
            media_type: a.media_type.clone(),
            size: a.size,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PublicComment {
    pub author_name: String,
    /// True when the requester wrote it.
    pub from_requester: bool,
    pub body: String,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Millis,
    /// The public files sent with this message.
    #[serde(default)]
    pub attachments: Vec<PublicAttachment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PublicEvent {
    pub kind: EventKind,
    #[schema(required = true)]
    pub actor_name: Option<String>,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: Millis,
    /// For status changes: the new status's name.
    #[schema(required = true)]
    pub status: Option<String>,
    /// Supervisor notes on approvals and rejections, notes on status changes.
    #[schema(required = true)]
    pub note: Option<String>,
}

impl Service {
    /// The public view of ticket `key` if `email` filed it. An unknown key and a wrong
    /// email give the same answer, so neither can be probed.
    pub async fn track(&self, key: &str, email: &str, show_assignee: bool) -> Result<PublicTicket> {
        let not_found =
            || ServiceError::not_found("ticket", format!("{} for that email", key.trim()));
        let pool = self.store.pool();
        let number =
            crate::domain::key::parse_key_number(self.key_prefix(), key).ok_or_else(not_found)?;
        let ticket = crate::store::tickets::get(pool, self.store.backend(), number)
            .await?
            .ok_or_else(not_found)?;
        let email = email.trim().to_lowercase();
        if email.is_empty() || ticket.requester.email != email {
            return Err(not_found());
        }
        let statuses = reference::statuses(pool).await?;
        let name_of = |key: &str| {
            statuses
                .iter()
                .find(|s| s.key == key)
                .map_or_else(|| key.to_string(), |s| s.name.clone())
        };
        let public_comments = comments::for_ticket(pool, ticket.id, true).await?;
        let public_events = events::for_ticket(pool, ticket.id, true).await?;
        let files = attachments::for_ticket(pool, ticket.id, true).await?;
        let files_of = |comment: Option<i64>| -> Vec<PublicAttachment> {
            files
                .iter()
                .filter(|a| a.comment_id == comment)
                .map(PublicAttachment::from)
                .collect()
        };
        let requester_id = ticket.requester.user_id;
        Ok(PublicTicket {
            status_name: name_of(&ticket.status),
            key: ticket.key,
            title: ticket.title,
            status: ticket.status,
            status_class: ticket.status_class,
            priority: ticket.priority,
            category: ticket.category,
            assignee_name: ticket.assignee.filter(|_| show_assignee).map(|a| a.name),
            created_at: ticket.created_at,
            updated_at: ticket.updated_at,
            resolved_at: ticket.resolved_at,
            comments: public_comments
                .into_iter()
                .map(|c| {
                    let from_requester = match (&c.author, requester_id) {
                        (Some(a), Some(r)) => a.id == r,
                        (None, _) => true,
                        _ => false,
                    };
                    PublicComment {
                        attachments: files_of(Some(c.id)),
                        author_name: match (&c.author, from_requester) {
                            (_, true) => "You".into(),
                            (Some(a), false) => a.name.clone(),
                            (None, false) => "Support".into(),
                        },
                        from_requester,
                        body: c.body,
                        created_at: c.created_at,
                    }
                })
                .collect(),
            timeline: public_events
                .into_iter()
                .filter(|e| e.kind != EventKind::Assigned || show_assignee)
                .map(|e| PublicEvent {
                    kind: e.kind,
                    actor_name: e.actor.map(|a| a.name),
                    at: e.at,
                    status: (e.field.as_deref() == Some("status"))
                        .then(|| e.new.as_deref().map(name_of))
                        .flatten(),
                    note: e.note,
                })
                .collect(),
            attachments: files_of(None),
        })
    }
}

impl Service {
    /// The whole ticket `key` if `email` filed it, for seed trackers that show the
    /// requester their own custom fields (a trip and its itinerary). The same proof as
    /// [`Service::track`] and the same single answer for an unknown key and a wrong
    /// email; staff-only data (internal notes, events) is not part of a ticket.
    pub async fn track_ticket(
        &self,
        key: &str,
        email: &str,
    ) -> Result<crate::domain::model::Ticket> {
        let not_found =
            || ServiceError::not_found("ticket", format!("{} for that email", key.trim()));
        let number =
            crate::domain::key::parse_key_number(self.key_prefix(), key).ok_or_else(not_found)?;
        let ticket = crate::store::tickets::get(self.store.pool(), self.store.backend(), number)
            .await?
            .ok_or_else(not_found)?;
        let email = email.trim().to_lowercase();
        if email.is_empty() || ticket.requester.email != email {
            return Err(not_found());
        }
        Ok(ticket)
    }
}

impl Service {
    /// A reply from the tracking page, by a customer proven only by key and email. It
    /// acts as that contact, so the same checks as every other customer comment apply;
    /// a ticket filed from an account needs that account (an email alone is not proof
    /// of it, see [`super::Actor::is_requester`]).
    /// Files sent with it are attached to the reply: one change, one event.
    pub async fn tracker_reply(
        &self,
        key: &str,
        email: &str,
        body: &str,
        files: Vec<super::Upload>,
    ) -> Result<()> {
        let (contact, ticket) = self.tracker_contact(key, email).await?;
        if ticket.status_class == StatusClass::Done {
            return Err(ServiceError::Invalid(crate::domain::validate::invalid(
                "body",
                "this ticket is finished; reopen it to reply",
            )));
        }
        if !files.is_empty() {
            let body = Some(body).filter(|b| !b.trim().is_empty());
            self.attach(
                &contact,
                key,
                files,
                body,
                crate::domain::model::Visibility::Public,
                None,
            )
            .await?;
            return Ok(());
        }
        self.comment(
            &contact,
            key,
            body,
            crate::domain::model::Visibility::Public,
            None,
        )
        .await?;
        Ok(())
    }

    /// Reopens a resolved ticket from the tracking page: the workflow's own
    /// requester-may-reopen step, taken as the contact who filed it.
    pub async fn tracker_reopen(&self, key: &str, email: &str) -> Result<()> {
        let (contact, _) = self.tracker_contact(key, email).await?;
        self.transition(
            &contact,
            key,
            crate::domain::workflow::IN_PROGRESS,
            Some("Reopened by the customer"),
            None,
        )
        .await?;
        Ok(())
    }

    /// Withdraws a ticket from a seed's tracking page (its "delete" button), for the
    /// contact proven by key and email: the ticket is closed, never destroyed, so the
    /// audit trail keeps it.
    pub async fn tracker_withdraw(&self, key: &str, email: &str) -> Result<()> {
        let (contact, _) = self.tracker_contact(key, email).await?;
        let mut c = self.begin_change(&contact, key, None).await?;
        super::transitions::apply_withdraw(&mut c, &contact)?;
        self.commit_change(&contact, c).await?;
        Ok(())
    }

    /// A public file of ticket `key` for the requester proven by `email` (the same
    /// proof as [`Service::track`], so a ticket filed from an account is readable here
    /// too); anything else, an internal file included, is the one not-found answer.
    pub async fn tracker_attachment(
        &self,
        key: &str,
        email: &str,
        id: i64,
    ) -> Result<(crate::domain::attachment::Attachment, super::Content)> {
        let ticket = self.track_ticket(key, email).await?;
        let not_found = || ServiceError::not_found("attachment", id);
        let (attachment, ticket_id) = attachments::get(self.store.pool(), id)
            .await?
            .ok_or_else(not_found)?;
        if ticket_id != Some(ticket.id)
            || attachment.visibility != crate::domain::model::Visibility::Public
        {
            return Err(not_found());
        }
        let content = self.content_of(&attachment).await?.ok_or_else(not_found)?;
        Ok((attachment, content))
    }

    async fn tracker_contact(
        &self,
        key: &str,
        email: &str,
    ) -> Result<(super::Actor, crate::domain::model::Ticket)> {
        let ticket = self.track_ticket(key, email).await?;
        if ticket.requester.user_id.is_some() {
            return Err(ServiceError::Forbidden(
                "this ticket belongs to an account; sign in to change it".into(),
            ));
        }
        let contact = super::Actor::Contact {
            email: ticket.requester.email.clone(),
        };
        Ok((contact, ticket))
    }
}
