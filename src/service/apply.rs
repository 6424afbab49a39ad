//! Several changes to one ticket as one: fields, assignee, status (with its note) and a
//! reply, in one transaction with one version bump. The order of the steps is decided
//! here, once: the assignee before the status (moving to `assigned` needs one), the note
//! with the status it explains, the reply last. Every input is checked before anything is
//! written, and a step that fails rolls the whole change back, so a refused change leaves
//! the ticket, its version and its events exactly as they were.

use crate::domain::model::{Comment, Ticket, Visibility};
use crate::domain::requests::TicketEdit;
use crate::domain::validate::invalid;
use crate::domain::workflow;

use super::comments::{apply_comment, comment_body};
use super::tickets::apply_edit;
use super::transitions::{
    apply_approve, apply_assign, apply_reject, apply_transition, note_text, rejection_note,
};
use super::{Actor, Result, Service};

/// What to change; `None` leaves a part alone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketChange {
    pub edit: TicketEdit,
    /// `Some(None)` unassigns.
    pub assignee: Option<Option<String>>,
    /// The status to move to (`approved` and `rejected` are the supervisor's decisions).
    /// A ticket already in it is left there.
    pub status: Option<String>,
    /// Goes with the status change: the decision's note for the requester.
    pub note: Option<String>,
    pub reply: Option<(String, Visibility)>,
}

impl TicketChange {
    pub fn is_empty(&self) -> bool {
        self.edit.is_empty()
            && self.assignee.is_none()
            && self.status.is_none()
            && self.reply.is_none()
    }
}

impl Service {
    /// Applies `change` to `key` as one change; returns the ticket and the reply written.
    pub async fn apply(
        &self,
        actor: &Actor,
        key: &str,
        change: TicketChange,
        expected_version: Option<i64>,
    ) -> Result<(Ticket, Option<Comment>)> {
        if change.is_empty() {
            return Err(invalid("change", "nothing to change: give at least one field").into());
        }
        // Checked first: a refusal here costs no transaction.
        if !change.edit.is_empty() {
            actor.require_staff("edit tickets")?;
        }
        let target = match &change.assignee {
            Some(who) => {
                actor.require_staff("assign tickets")?;
                Some(self.assignee_ref(who.as_deref()).await?)
            }
            None => None,
        };
        let status = change
            .status
            .as_deref()
            .map(|s| s.trim().to_ascii_lowercase());
        let note = match status.as_deref() {
            Some(workflow::APPROVED) => {
                actor.require_supervisor("approve requests")?;
                note_text(change.note.as_deref())?
            }
            Some(workflow::REJECTED) => {
                actor.require_supervisor("reject requests")?;
                Some(rejection_note(change.note.as_deref())?)
            }
            _ => note_text(change.note.as_deref())?,
        };
        let reply = change
            .reply
            .as_ref()
            .map(|(body, visibility)| {
                comment_body(actor, body, *visibility).map(|b| (b, *visibility))
            })
            .transpose()?;

        let mut c = self.begin_change(actor, key, expected_version).await?;
        if !change.edit.is_empty() {
            apply_edit(&mut c, change.edit)?;
        }
        if let Some(target) = target {
            apply_assign(&mut c, actor, target)?;
        }
        match status.as_deref() {
            Some(to) if to == c.after.status => {}
            Some(workflow::APPROVED) => apply_approve(&mut c, actor, note)?,
            Some(workflow::REJECTED) => {
                apply_reject(&mut c, actor, note.unwrap_or_default())?;
            }
            Some(to) => apply_transition(&mut c, actor, to, note)?,
            None => {}
        }
        let comment = match reply {
            Some((body, visibility)) => Some(apply_comment(&mut c, actor, body, visibility).await?),
            None => None,
        };
        Ok((self.commit_change(actor, c).await?, comment))
    }
}
