//! `u`: the last change the user made, taken back by the opposite change through the
//! desk like any other (so it is in the ticket's history), and only while it is still
//! the latest change on each ticket: the opposite change is sent at the version the
//! user's change left, so a colleague's change since is never overwritten.

use super::panes::rows::Row;
use super::protocol::Op;
use super::refs::Reference;
use crate::domain::model::Ticket;

/// The opposite of one change to one ticket: one or more steps.
#[derive(Debug, Clone, PartialEq)]
pub struct Reverse {
    pub key: String,
    pub ops: Vec<Op>,
    /// The version the change left: the reverse applies only on top of it.
    pub version: i64,
}

/// What puts `before` back after `op` made it `after`; `None` where there is no way
/// back (a supervisor's decision stands).
pub fn reverse(op: &Op, before: &Row, after: &Ticket, refs: &Reference) -> Option<Reverse> {
    let back_to_status = || Op::Transition {
        to: before.status.to_string(),
        note: Some("undone in desk".into()),
    };
    let mut ops = match op {
        Op::Assign(_) => {
            let email = match before.assignee.as_deref() {
                None => None,
                // The list shows names; the desk takes an email.
                Some(name) => Some(refs.users.iter().find(|u| u.name == name)?.email.clone()),
            };
            vec![Op::Assign(email)]
        }
        Op::Transition { .. } => vec![back_to_status()],
        Op::Priority(_) => vec![Op::Priority(before.priority.to_string())],
        Op::Tags { add, remove } => {
            let had = |t: &String| before.tags.iter().any(|b| **b == **t);
            vec![Op::Tags {
                add: remove.iter().filter(|t| had(t)).cloned().collect(),
                remove: add.iter().filter(|t| !had(t)).cloned().collect(),
            }]
        }
        Op::Approve(_) | Op::Reject(_) => return None,
    };
    // An assignment can move the status too (new → assigned): that goes back as well.
    if !matches!(op, Op::Transition { .. }) && *before.status != *after.status {
        ops.push(back_to_status());
    }
    Some(Reverse {
        key: before.key.clone(),
        ops,
        version: after.version,
    })
}
