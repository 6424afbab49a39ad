//! Comments: public replies and internal notes.

use crate::domain::model::{Comment, EventKind, StatusClass, Ticket, Visibility};
use crate::domain::validate;

use super::change::{Change, Pending};
use super::transitions::{mark_first_response, reply_target, set_status_automatically};
use super::{Actor, Result, Service, ServiceError};

impl Service {
    /// Adds a comment. Staff may write internal notes; customers reply publicly on their
    /// own tickets. A customer's reply to a ticket waiting on them puts it back in
    /// progress, since the desk is no longer waiting.
    pub async fn comment(
        &self,
        actor: &Actor,
        key: &str,
        body: &str,
        visibility: Visibility,
        expected_version: Option<i64>,
    ) -> Result<(Ticket, Comment)> {
        let body = comment_body(actor, body, visibility)?;
        let mut c = self.begin_change(actor, key, expected_version).await?;
        let comment = apply_comment(&mut c, actor, body, visibility).await?;
        Ok((self.commit_change(actor, c).await?, comment))
    }
}

/// The comment's body, checked, if this caller may write it with this visibility.
pub(super) fn comment_body(actor: &Actor, body: &str, visibility: Visibility) -> Result<String> {
    if visibility == Visibility::Internal && !actor.is_staff() {
        return Err(ServiceError::Forbidden(
            "only agents, supervisors and admins may write internal notes".into(),
        ));
    }
    Ok(validate::required_text(
        "body",
        body,
        validate::COMMENT_MAX,
    )?)
}

/// Adds the comment within the change (body already checked); a customer's reply to a
/// ticket waiting on them puts it back in progress (or, unapproved, back to `new`).
pub(super) async fn apply_comment(
    c: &mut Change<'_>,
    actor: &Actor,
    body: String,
    visibility: Visibility,
) -> Result<Comment> {
    let now = c.now;
    let id = crate::store::comments::insert(
        &mut c.w.tx,
        crate::store::comments::NewComment {
            ticket_id: c.after.id,
            author_id: actor.user_id(),
            author_email: match actor {
                Actor::Contact { email } => Some(email),
                Actor::User(_) => None,
            },
            body: &body,
            visibility,
            at: now,
        },
    )
    .await?;
    let mut event = Pending::new(EventKind::Commented).field("comment", None, Some(id.to_string()));
    if visibility == Visibility::Internal {
        event = event.internal();
    }
    c.events.push(event);
    if visibility == Visibility::Public {
        mark_first_response(&mut c.after, actor, now);
        if actor.is_requester(&c.after)
            && c.after.status_class == StatusClass::Pending
            && let Some(to) = reply_target(c)
        {
            set_status_automatically(c, actor, to);
        }
    }
    let (author, author_email) = match actor {
        Actor::User(u) => (
            Some(crate::domain::model::UserRef {
                id: u.id,
                email: u.email.clone(),
                name: u.name.clone(),
            }),
            None,
        ),
        Actor::Contact { email } => (None, Some(email.clone())),
    };
    Ok(Comment {
        id,
        ticket_id: c.after.id,
        author,
        author_email,
        body,
        visibility,
        created_at: now,
        attachments: Vec::new(),
    })
}
