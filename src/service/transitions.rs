//! Moving tickets through the workflow: status changes, assignment, approval.

use crate::domain::model::{EventKind, Role, Ticket, UserRef};
use crate::domain::validate::{self, invalid};
use crate::domain::workflow::{self, ActorFacts, TicketFacts};
use crate::domain::{sla, time::Millis};

use super::change::{Change, Pending};
use super::{Actor, Refs, Result, Service, ServiceError};

fn facts<'a>(t: &'a Ticket, refs: &Refs) -> TicketFacts<'a> {
    TicketFacts {
        status: &t.status,
        has_assignee: t.assignee.is_some(),
        needs_approval: refs
            .category(&t.category)
            .is_ok_and(|c| c.requires_approval),
        approved: t.approved_at.is_some(),
    }
}

fn actor_facts(actor: &Actor, t: &Ticket) -> ActorFacts {
    ActorFacts {
        role: actor.role(),
        is_requester: actor.is_requester(t),
    }
}

pub(super) fn note_text(note: Option<&str>) -> Result<Option<String>> {
    Ok(note
        .map(|n| validate::bounded_text("note", n.trim(), validate::NOTE_MAX))
        .transpose()?
        .filter(|n| !n.is_empty()))
}

/// Sets a new status and everything that follows from it: the status class, the SLA
/// clock, resolution and closing times, first response.
fn set_status(c: &mut Change<'_>, actor: &Actor, to: &str, kind: EventKind, note: Option<String>) {
    let now = c.now;
    let from_class = c.after.status_class;
    let to_class = workflow::class_of(to).unwrap_or(from_class);
    c.events.push(
        Pending::new(kind)
            .field("status", Some(c.after.status.clone()), Some(to.to_string()))
            .note(note),
    );
    c.after.sla = sla::on_status_change(c.after.sla, from_class, to_class, now);
    match to {
        workflow::RESOLVED => c.after.resolved_at = Some(now),
        workflow::CLOSED => {
            c.after.closed_at = Some(now);
            c.after.resolved_at.get_or_insert(now);
        }
        _ => {}
    }
    if from_class == crate::domain::model::StatusClass::Done
        && to_class != crate::domain::model::StatusClass::Done
    {
        // Reopened: it is no longer resolved or closed.
        c.after.resolved_at = None;
        c.after.closed_at = None;
    }
    c.after.status = to.to_string();
    c.after.status_class = to_class;
    mark_first_response(&mut c.after, actor, now);
}

/// The first public reply or status change by staff ends the response clock.
pub(super) fn mark_first_response(t: &mut Ticket, actor: &Actor, now: Millis) {
    if actor.is_staff() && !actor.is_requester(t) && t.first_response_at.is_none() {
        t.first_response_at = Some(now);
    }
}

impl Service {
    /// Moves a ticket to `to`, if the workflow lets this caller take that step. Moving
    /// to `approved` or `rejected` goes through [`Service::approve`] and
    /// [`Service::reject`], so both carry the supervisor's note.
    pub async fn transition(
        &self,
        actor: &Actor,
        key: &str,
        to: &str,
        note: Option<&str>,
        expected_version: Option<i64>,
    ) -> Result<Ticket> {
        let to = to.trim().to_ascii_lowercase();
        // The request is checked before the ticket: a blank status is a bad request
        // whatever version the caller based it on.
        if to.is_empty() {
            return Err(
                crate::domain::validate::invalid("status", "give the status to move to").into(),
            );
        }
        match to.as_str() {
            workflow::APPROVED => return self.approve(actor, key, note, expected_version).await,
            workflow::REJECTED => {
                return self
                    .reject(actor, key, note.unwrap_or_default(), expected_version)
                    .await;
            }
            _ => {}
        }
        let note = note_text(note)?;
        let mut c = self.begin_change(actor, key, expected_version).await?;
        apply_transition(&mut c, actor, &to, note)?;
        self.commit_change(actor, c).await
    }

    /// The staff member an assignment names by email (`None`: unassign), checked
    /// before the change begins.
    pub(super) async fn assignee_ref(&self, assignee: Option<&str>) -> Result<Option<UserRef>> {
        Ok(match assignee.map(str::trim).filter(|a| !a.is_empty()) {
            None => None,
            Some(email) => {
                let email = validate::email("assignee", email)?;
                let user = crate::store::users::by_email(self.store.pool(), &email)
                    .await?
                    .ok_or_else(|| ServiceError::not_found("user", &email))?;
                if !user.role.is_staff() || !user.active {
                    return Err(invalid(
                        "assignee",
                        format!("{} is not an active agent, supervisor or admin", user.email),
                    )
                    .into());
                }
                Some(UserRef {
                    id: user.id,
                    email: user.email,
                    name: user.name,
                })
            }
        })
    }

    /// What this caller may move the ticket to now: what a UI should offer.
    pub async fn allowed_transitions(&self, actor: &Actor, key: &str) -> Result<Vec<String>> {
        actor.require_active()?;
        let ticket = self.find_read(actor, key).await?;
        let refs = self.refs().await?;
        Ok(
            workflow::allowed_targets(facts(&ticket, &refs), actor_facts(actor, &ticket))
                .into_iter()
                .map(String::from)
                .collect(),
        )
    }

    /// Approves a request from `new` or `under_review`. Supervisors only.
    pub async fn approve(
        &self,
        actor: &Actor,
        key: &str,
        note: Option<&str>,
        expected_version: Option<i64>,
    ) -> Result<Ticket> {
        actor.require_supervisor("approve requests")?;
        let note = note_text(note)?;
        let mut c = self.begin_change(actor, key, expected_version).await?;
        apply_approve(&mut c, actor, note)?;
        self.commit_change(actor, c).await
    }

    /// Rejects a request from `new` or `under_review`. Supervisors only; the note tells
    /// the customer why and is required.
    pub async fn reject(
        &self,
        actor: &Actor,
        key: &str,
        note: &str,
        expected_version: Option<i64>,
    ) -> Result<Ticket> {
        actor.require_supervisor("reject requests")?;
        let note = rejection_note(Some(note))?;
        let mut c = self.begin_change(actor, key, expected_version).await?;
        apply_reject(&mut c, actor, note)?;
        self.commit_change(actor, c).await
    }

    /// Assigns the ticket to a staff member by email, or unassigns it (`None`). Agents
    /// may take unassigned tickets and pass on their own; taking a ticket from someone
    /// else is for supervisors. A new (or approved) ticket becomes `assigned`; a ticket
    /// that loses its assignee before work starts goes back to the queue.
    pub async fn assign(
        &self,
        actor: &Actor,
        key: &str,
        assignee: Option<&str>,
        expected_version: Option<i64>,
    ) -> Result<Ticket> {
        actor.require_staff("assign tickets")?;
        let target = self.assignee_ref(assignee).await?;
        let mut c = self.begin_change(actor, key, expected_version).await?;
        if !apply_assign(&mut c, actor, target)? {
            return Ok(c.before);
        }
        self.commit_change(actor, c).await
    }
}

/// The steps of a change, each on a ticket already opened for changing; nothing is
/// written until the change is committed, so a failing step leaves the ticket as it was.
pub(super) fn apply_transition(
    c: &mut Change<'_>,
    actor: &Actor,
    to: &str,
    note: Option<String>,
) -> Result<()> {
    let facts_now = facts(&c.after, &c.refs);
    workflow::check(facts_now, to, actor_facts(actor, &c.after))?;
    let note = if workflow::closes_unapproved(facts_now, to) {
        let Some(note) = note else {
            return Err(invalid(
                "note",
                "closing a request nobody approved needs a note saying why",
            )
            .into());
        };
        Some(format!("{UNAPPROVED_CLOSE}: {note}"))
    } else {
        note
    };
    set_status(c, actor, to, EventKind::StatusChanged, note);
    Ok(())
}

/// The requester takes their request back: it ends as `closed` whatever it was, outside
/// the staff workflow (a customer may always drop their own request), and the event
/// says so. Nothing is deleted; a ticket already closed is left as it is.
pub(super) fn apply_withdraw(c: &mut Change<'_>, actor: &Actor) -> Result<()> {
    if !actor.is_requester(&c.after) {
        return Err(ServiceError::Forbidden(
            "only the requester may withdraw a ticket".into(),
        ));
    }
    if c.after.status != workflow::CLOSED {
        set_status(
            c,
            actor,
            workflow::CLOSED,
            EventKind::StatusChanged,
            Some(WITHDRAWN.to_string()),
        );
    }
    Ok(())
}

/// How the note of a supervisor's close of an unapproved request begins.
pub const UNAPPROVED_CLOSE: &str = "Closed without approval";

/// The status a customer's reply moves a ticket waiting on them to: back in progress
/// if the workflow allows that step (checked as a manual one would be, with the desk's
/// own agent authority), else, for a request still awaiting approval, back to `new`,
/// where it was before waiting. `None`: it stays.
pub(super) fn reply_target(c: &Change<'_>) -> Option<&'static str> {
    let facts_now = facts(&c.after, &c.refs);
    let desk = ActorFacts {
        role: Role::Agent,
        is_requester: false,
    };
    if workflow::check(facts_now, workflow::IN_PROGRESS, desk).is_ok() {
        Some(workflow::IN_PROGRESS)
    } else if facts_now.needs_approval && !facts_now.approved {
        Some(workflow::NEW)
    } else {
        None
    }
}

/// Moves the ticket to `to` as an automatic consequence of `actor`'s action.
pub(super) fn set_status_automatically(c: &mut Change<'_>, actor: &Actor, to: &str) {
    set_status(c, actor, to, EventKind::StatusChanged, None);
}

/// The note of a withdrawal, which the audit trail and the tracking pages show.
pub const WITHDRAWN: &str = "Withdrawn by the requester";

pub(super) fn apply_approve(c: &mut Change<'_>, actor: &Actor, note: Option<String>) -> Result<()> {
    decidable(&c.after)?;
    c.after.approved_at = Some(c.now);
    set_status(c, actor, workflow::APPROVED, EventKind::Approved, note);
    Ok(())
}

pub(super) fn apply_reject(c: &mut Change<'_>, actor: &Actor, note: String) -> Result<()> {
    decidable(&c.after)?;
    set_status(
        c,
        actor,
        workflow::REJECTED,
        EventKind::Rejected,
        Some(note),
    );
    Ok(())
}

/// The note a rejection needs, checked.
pub(super) fn rejection_note(note: Option<&str>) -> Result<String> {
    note_text(note)?
        .ok_or_else(|| invalid("note", "a rejection needs a note telling the customer why").into())
}

/// Sets the assignee (and the status that follows from it); false when it is already so.
pub(super) fn apply_assign(
    c: &mut Change<'_>,
    actor: &Actor,
    target: Option<UserRef>,
) -> Result<bool> {
    let current = c.after.assignee.clone();
    if current.as_ref().map(|a| a.id) == target.as_ref().map(|a| a.id) {
        return Ok(false);
    }
    let me = actor.user_id();
    let held_by_other = current.as_ref().is_some_and(|a| Some(a.id) != me);
    if held_by_other && actor.role() < Role::Supervisor {
        return Err(ServiceError::Forbidden(format!(
            "{} is assigned to {}; only a supervisor may reassign it",
            c.after.key,
            current.map_or_else(String::new, |a| a.name)
        )));
    }
    c.events.push(Pending::new(EventKind::Assigned).field(
        "assignee",
        current.as_ref().map(|a| a.email.clone()),
        target.as_ref().map(|a| a.email.clone()),
    ));
    c.after.assignee = target;
    let status = c.after.status.clone();
    let facts_now = facts(&c.after, &c.refs);
    if c.after.assignee.is_some()
        && (status == workflow::NEW || status == workflow::APPROVED)
        && workflow::check(facts_now, workflow::ASSIGNED, actor_facts(actor, &c.after)).is_ok()
    {
        set_status(c, actor, workflow::ASSIGNED, EventKind::StatusChanged, None);
    } else if c.after.assignee.is_none() && status == workflow::ASSIGNED {
        let back = if c.after.approved_at.is_some() {
            workflow::APPROVED
        } else {
            workflow::NEW
        };
        set_status(c, actor, back, EventKind::StatusChanged, None);
    }
    Ok(true)
}

fn decidable(t: &Ticket) -> Result<()> {
    if workflow::can_decide_from(&t.status) {
        Ok(())
    } else {
        Err(crate::domain::workflow::WorkflowError::NotAllowed {
            from: t.status.clone(),
            to: "a decision (approve or reject work from new or under review)".into(),
        }
        .into())
    }
}
