//! The default workflow: which status may follow which, and who may move a ticket there.
//! The table is data so that the TUI can offer only the transitions a user may take and
//! the tests can walk it row by row.

use super::model::{Role, StatusClass};

pub const NEW: &str = "new";
pub const UNDER_REVIEW: &str = "under_review";
pub const APPROVED: &str = "approved";
pub const REJECTED: &str = "rejected";
pub const ASSIGNED: &str = "assigned";
pub const IN_PROGRESS: &str = "in_progress";
pub const ESCALATED: &str = "escalated";
pub const WAITING_ON_CUSTOMER: &str = "waiting_on_customer";
pub const RESOLVED: &str = "resolved";
pub const CLOSED: &str = "closed";

/// (key, display name, class) in workflow order.
pub const STATUSES: [(&str, &str, StatusClass); 10] = [
    (NEW, "New", StatusClass::Open),
    (UNDER_REVIEW, "Under review", StatusClass::Open),
    (APPROVED, "Approved", StatusClass::Open),
    (REJECTED, "Rejected", StatusClass::Done),
    (ASSIGNED, "Assigned", StatusClass::Open),
    (IN_PROGRESS, "In progress", StatusClass::Open),
    (ESCALATED, "Escalated", StatusClass::Open),
    (
        WAITING_ON_CUSTOMER,
        "Waiting on customer",
        StatusClass::Pending,
    ),
    (RESOLVED, "Resolved", StatusClass::Done),
    (CLOSED, "Closed", StatusClass::Done),
];

fn article(role: &str) -> &'static str {
    if role.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

fn status_keys() -> String {
    STATUSES.map(|(key, _, _)| key).join(", ")
}

pub fn class_of(status: &str) -> Option<StatusClass> {
    STATUSES
        .iter()
        .find(|(key, _, _)| *key == status)
        .map(|(_, _, class)| *class)
}

/// Who may take a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// Agents and above.
    Staff,
    /// Supervisors and admins.
    Supervisor,
    /// Staff, or the customer who filed the ticket (confirming or reopening).
    StaffOrRequester,
}

impl Who {
    pub fn permits(self, role: Role, is_requester: bool) -> bool {
        match self {
            Who::Staff => role.is_staff(),
            Who::Supervisor => role.is_supervisor(),
            Who::StaffOrRequester => role.is_staff() || is_requester,
        }
    }
}

pub struct Rule {
    pub from: &'static str,
    pub to: &'static str,
    pub who: Who,
}

const fn rule(from: &'static str, to: &'static str, who: Who) -> Rule {
    Rule { from, to, who }
}

use Who::{Staff, StaffOrRequester, Supervisor};

/// Every transition of the default workflow. Approve and reject are the transitions to
/// `approved` and `rejected`; the service routes them through their own operations so
/// they carry the supervisor's note.
pub const RULES: &[Rule] = &[
    rule(NEW, UNDER_REVIEW, Supervisor),
    rule(NEW, APPROVED, Supervisor),
    rule(NEW, REJECTED, Supervisor),
    rule(NEW, ASSIGNED, Staff),
    rule(NEW, IN_PROGRESS, Staff),
    rule(NEW, ESCALATED, Staff),
    rule(NEW, WAITING_ON_CUSTOMER, Staff),
    rule(NEW, RESOLVED, Staff),
    rule(NEW, CLOSED, Staff),
    rule(UNDER_REVIEW, NEW, Supervisor),
    rule(UNDER_REVIEW, APPROVED, Supervisor),
    rule(UNDER_REVIEW, REJECTED, Supervisor),
    rule(APPROVED, ASSIGNED, Staff),
    rule(APPROVED, IN_PROGRESS, Staff),
    rule(APPROVED, ESCALATED, Staff),
    rule(APPROVED, WAITING_ON_CUSTOMER, Staff),
    rule(APPROVED, RESOLVED, Staff),
    rule(APPROVED, CLOSED, Staff),
    rule(REJECTED, UNDER_REVIEW, Supervisor),
    rule(REJECTED, CLOSED, Staff),
    rule(ASSIGNED, IN_PROGRESS, Staff),
    rule(ASSIGNED, ESCALATED, Staff),
    rule(ASSIGNED, WAITING_ON_CUSTOMER, Staff),
    rule(ASSIGNED, RESOLVED, Staff),
    rule(IN_PROGRESS, ASSIGNED, Staff),
    rule(IN_PROGRESS, ESCALATED, Staff),
    rule(IN_PROGRESS, WAITING_ON_CUSTOMER, Staff),
    rule(IN_PROGRESS, RESOLVED, Staff),
    rule(ESCALATED, ASSIGNED, Supervisor),
    rule(ESCALATED, IN_PROGRESS, Supervisor),
    rule(ESCALATED, WAITING_ON_CUSTOMER, Supervisor),
    rule(ESCALATED, RESOLVED, Supervisor),
    rule(WAITING_ON_CUSTOMER, IN_PROGRESS, Staff),
    rule(WAITING_ON_CUSTOMER, ESCALATED, Staff),
    rule(WAITING_ON_CUSTOMER, RESOLVED, Staff),
    rule(WAITING_ON_CUSTOMER, CLOSED, Staff),
    rule(RESOLVED, CLOSED, StaffOrRequester),
    rule(RESOLVED, IN_PROGRESS, StaffOrRequester),
    rule(CLOSED, IN_PROGRESS, Staff),
];

/// What the ticket looks like to the workflow.
#[derive(Debug, Clone, Copy)]
pub struct TicketFacts<'a> {
    pub status: &'a str,
    pub has_assignee: bool,
    pub needs_approval: bool,
    pub approved: bool,
}

/// Who is asking.
#[derive(Debug, Clone, Copy)]
pub struct ActorFacts {
    pub role: Role,
    pub is_requester: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("unknown status `{0}` (expected one of: {known})", known = status_keys())]
    UnknownStatus(String),
    #[error("the ticket is already {0}")]
    Unchanged(String),
    #[error("a ticket cannot move from {from} to {to}")]
    NotAllowed { from: String, to: String },
    #[error(
        "moving a ticket from {from} to {to} takes {} {needs} or above",
        article(needs)
    )]
    Forbidden {
        from: String,
        to: String,
        needs: &'static str,
    },
    #[error("this ticket's category needs a supervisor's approval before it can be {to}")]
    NeedsApproval { to: String },
    #[error("a ticket needs an assignee before it can be assigned")]
    NeedsAssignee,
}

pub fn rule_for(from: &str, to: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.from == from && r.to == to)
}

/// Checks one transition against the table, the actor and the approval gate.
pub fn check(ticket: TicketFacts<'_>, to: &str, actor: ActorFacts) -> Result<(), WorkflowError> {
    if class_of(to).is_none() {
        return Err(WorkflowError::UnknownStatus(to.to_string()));
    }
    if ticket.status == to {
        return Err(WorkflowError::Unchanged(to.to_string()));
    }
    let Some(rule) = rule_for(ticket.status, to) else {
        return Err(WorkflowError::NotAllowed {
            from: ticket.status.to_string(),
            to: to.to_string(),
        });
    };
    if !rule.who.permits(actor.role, actor.is_requester) {
        return Err(WorkflowError::Forbidden {
            from: ticket.status.to_string(),
            to: to.to_string(),
            needs: match rule.who {
                Who::Supervisor => "supervisor",
                Who::Staff | Who::StaffOrRequester => "agent",
            },
        });
    }
    if gated(ticket, to, actor) {
        return Err(WorkflowError::NeedsApproval { to: to.to_string() });
    }
    if to == ASSIGNED && !ticket.has_assignee {
        return Err(WorkflowError::NeedsAssignee);
    }
    Ok(())
}

/// Statuses an unapproved request may not reach: work, and the done statuses other
/// than rejection. A supervisor may still close it outright (the service asks for a
/// note and records the close as unapproved); a rejected request closes as usual.
const GATED: [&str; 5] = [ASSIGNED, IN_PROGRESS, ESCALATED, RESOLVED, CLOSED];

/// Whether the approval gate stops this step.
fn gated(ticket: TicketFacts<'_>, to: &str, actor: ActorFacts) -> bool {
    let waiting = ticket.needs_approval && !ticket.approved && ticket.status != REJECTED;
    waiting && GATED.contains(&to) && !(to == CLOSED && actor.role.is_supervisor())
}

/// Whether a step closes a request that nobody approved (a supervisor's explicit
/// close, which needs a note).
pub fn closes_unapproved(ticket: TicketFacts<'_>, to: &str) -> bool {
    to == CLOSED && ticket.needs_approval && !ticket.approved && ticket.status != REJECTED
}

/// The statuses this actor may move this ticket to now, in workflow order: what a UI
/// should offer.
pub fn allowed_targets(ticket: TicketFacts<'_>, actor: ActorFacts) -> Vec<&'static str> {
    STATUSES
        .iter()
        .map(|(key, _, _)| *key)
        .filter(|to| check(ticket, to, actor).is_ok())
        .collect()
}

/// Approve and reject are taken from these statuses only.
pub fn can_decide_from(status: &str) -> bool {
    status == NEW || status == UNDER_REVIEW
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(status: &str) -> TicketFacts<'_> {
        TicketFacts {
            status,
            has_assignee: true,
            needs_approval: false,
            approved: false,
        }
    }

    fn actor(role: Role) -> ActorFacts {
        ActorFacts {
            role,
            is_requester: false,
        }
    }

    /// Walks every ordered pair of statuses for every role and checks the outcome
    /// against the table: the table is the specification, this is its proof.
    #[test]
    fn every_pair_for_every_role_follows_the_table() {
        for (from, _, _) in STATUSES {
            for (to, _, _) in STATUSES {
                for role in Role::ALL {
                    let got = check(facts(from), to, actor(role));
                    let expected_ok = from != to
                        && rule_for(from, to).is_some_and(|r| r.who.permits(role, false));
                    assert_eq!(
                        got.is_ok(),
                        expected_ok,
                        "{from} -> {to} as {role}: {got:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn transitions_into_approval_states_are_for_supervisors_only() {
        for to in [APPROVED, REJECTED, UNDER_REVIEW] {
            assert!(matches!(
                check(facts(NEW), to, actor(Role::Agent)),
                Err(WorkflowError::Forbidden {
                    needs: "supervisor",
                    ..
                })
            ));
            assert!(check(facts(NEW), to, actor(Role::Supervisor)).is_ok());
        }
    }

    #[test]
    fn approval_gate_holds_until_approved() {
        let gated = TicketFacts {
            needs_approval: true,
            ..facts(NEW)
        };
        for to in [ASSIGNED, IN_PROGRESS] {
            assert_eq!(
                check(gated, to, actor(Role::Admin)),
                Err(WorkflowError::NeedsApproval { to: to.into() })
            );
        }
        let approved = TicketFacts {
            approved: true,
            ..gated
        };
        assert!(check(approved, IN_PROGRESS, actor(Role::Agent)).is_ok());
    }

    #[test]
    fn assigned_needs_an_assignee() {
        let unassigned = TicketFacts {
            has_assignee: false,
            ..facts(NEW)
        };
        assert_eq!(
            check(unassigned, ASSIGNED, actor(Role::Agent)),
            Err(WorkflowError::NeedsAssignee)
        );
    }

    #[test]
    fn customers_may_only_confirm_or_reopen_their_own_resolved_tickets() {
        let own = ActorFacts {
            role: Role::Customer,
            is_requester: true,
        };
        assert_eq!(
            allowed_targets(facts(RESOLVED), own),
            vec![IN_PROGRESS, CLOSED]
        );
        assert!(allowed_targets(facts(RESOLVED), actor(Role::Customer)).is_empty());
        assert!(allowed_targets(facts(NEW), own).is_empty());
    }

    #[test]
    fn closed_reopens_to_in_progress() {
        assert_eq!(
            allowed_targets(facts(CLOSED), actor(Role::Agent)),
            vec![IN_PROGRESS]
        );
    }

    #[test]
    fn unknown_and_unchanged_statuses_are_named() {
        assert_eq!(
            check(facts(NEW), "done", actor(Role::Admin)),
            Err(WorkflowError::UnknownStatus("done".into()))
        );
        assert_eq!(
            check(facts(NEW), NEW, actor(Role::Admin)),
            Err(WorkflowError::Unchanged("new".into()))
        );
    }
}
