//! SLA clocks. Due times are stored already shifted by paused time, so "is it breached"
//! is a comparison a database index can answer. The clock runs only in open statuses;
//! pending (waiting on the customer) and done statuses stop it, and it resumes where it
//! stopped when the ticket comes back.

use super::model::{Category, Priority, SlaClock, StatusClass, Ticket};
use super::time::{Millis, hours};

/// Response and resolution targets in milliseconds. The resolution target is the
/// stricter of the category's and the priority's: a Low-priority security issue is
/// still due within the security category's hours.
pub fn targets(category: &Category, priority: &Priority) -> (Millis, Millis) {
    let response = hours(priority.response_hours);
    let by_priority = hours(priority.resolution_hours);
    let resolution = match category.sla_hours {
        Some(h) => by_priority.min(hours(h)),
        None => by_priority,
    };
    (response, resolution)
}

/// The clock of a new ticket in an open status.
pub fn start(created_at: Millis, category: &Category, priority: &Priority) -> SlaClock {
    let (response, resolution) = targets(category, priority);
    SlaClock {
        response_due_at: Some(created_at + response),
        resolution_due_at: Some(created_at + resolution),
        paused_at: None,
        paused_ms: 0,
        breached: false,
    }
}

/// Due times after the category or priority changed: same start, same pauses, new
/// targets.
pub fn retarget(
    clock: SlaClock,
    created_at: Millis,
    category: &Category,
    priority: &Priority,
) -> SlaClock {
    let (response, resolution) = targets(category, priority);
    SlaClock {
        response_due_at: Some(created_at + response + clock.paused_ms),
        resolution_due_at: Some(created_at + resolution + clock.paused_ms),
        ..clock
    }
}

/// The clock after a status change from `from` to `to` at `now`.
pub fn on_status_change(
    clock: SlaClock,
    from: StatusClass,
    to: StatusClass,
    now: Millis,
) -> SlaClock {
    match (from.clock_runs(), to.clock_runs(), clock.paused_at) {
        (true, false, None) => SlaClock {
            paused_at: Some(now),
            ..clock
        },
        (false, true, Some(paused_at)) => {
            let paused = (now - paused_at).max(0);
            SlaClock {
                response_due_at: clock.response_due_at.map(|d| d + paused),
                resolution_due_at: clock.resolution_due_at.map(|d| d + paused),
                paused_at: None,
                paused_ms: clock.paused_ms + paused,
                breached: clock.breached,
            }
        }
        _ => clock,
    }
}

/// The instant breaches are judged at: now, or when the clock stopped.
fn judged_at(clock: &SlaClock, now: Millis) -> Millis {
    clock.paused_at.unwrap_or(now)
}

pub fn response_breached(ticket: &Ticket, now: Millis) -> bool {
    let Some(due) = ticket.sla.response_due_at else {
        return false;
    };
    match ticket.first_response_at {
        Some(first) => first > due,
        None => due < judged_at(&ticket.sla, now),
    }
}

pub fn resolution_breached(ticket: &Ticket, now: Millis) -> bool {
    ticket
        .sla
        .resolution_due_at
        .is_some_and(|due| due < judged_at(&ticket.sla, now))
}

/// Whether a target was missed, as of `now` for a running clock: true of a done ticket
/// that was resolved late, too. What a ticket's own page says about its history.
pub fn target_missed(ticket: &Ticket, now: Millis) -> bool {
    response_breached(ticket, now) || resolution_breached(ticket, now)
}

/// The one definition of "breached" (`sla:breached`, the dashboard's count, a ticket's
/// `sla.breached`): a ticket not done that has missed a target, judged at `now` while
/// its clock runs and at the pause while it waits on the customer. A done ticket is
/// never breached: the question is which work still owed is late. The store's
/// `sla_breach_at` column (migration 3) encodes the same rule.
pub fn is_breached(ticket: &Ticket, now: Millis) -> bool {
    ticket.status_class != StatusClass::Done && target_missed(ticket, now)
}

/// When the ticket is (or was) past its SLA, as the store's `sla_breach_at` column
/// (migration 3) has it: `None` for a done ticket and for a clock that stopped in time,
/// 0 for a breach that no longer depends on the time (answered late, or stopped after a
/// due time had passed), else the earliest due time still running. "Breached at T" is
/// `breach_at < T`; `due:` terms compare it.
pub fn breach_at(ticket: &Ticket) -> Option<Millis> {
    if ticket.status_class == StatusClass::Done {
        return None;
    }
    let clock = &ticket.sla;
    if let (Some(first), Some(due)) = (ticket.first_response_at, clock.response_due_at)
        && first > due
    {
        return Some(0);
    }
    let next = match (ticket.first_response_at, clock.response_due_at) {
        (None, Some(response))
            if clock
                .resolution_due_at
                .is_none_or(|resolution| response < resolution) =>
        {
            Some(response)
        }
        _ => clock.resolution_due_at,
    };
    match clock.paused_at {
        None => next,
        Some(paused) => next.filter(|due| *due < paused).map(|_| 0),
    }
}

/// Records in the ticket whether it is breached as of `now`, for readers that only see
/// its JSON.
pub fn stamp(ticket: &mut Ticket, now: Millis) {
    ticket.sla.breached = is_breached(ticket, now);
}

/// Time left before the next due time (negative when breached), or `None` when the
/// clock is stopped or nothing is due.
pub fn time_left(ticket: &Ticket, now: Millis) -> Option<Millis> {
    next_due(ticket).map(|due| due - now)
}

/// The next due time that counts: the response target until the first response, and
/// the resolution target; `None` while the clock is stopped or nothing is due.
pub fn next_due(ticket: &Ticket) -> Option<Millis> {
    if ticket.sla.paused_at.is_some() {
        return None;
    }
    let response = ticket
        .sla
        .response_due_at
        .filter(|_| ticket.first_response_at.is_none());
    [response, ticket.sla.resolution_due_at]
        .into_iter()
        .flatten()
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::Requester;
    use crate::domain::time::HOUR;

    fn category(sla_hours: Option<f64>) -> Category {
        Category {
            id: 1,
            name: "Security".into(),
            description: String::new(),
            sla_hours,
            requires_approval: false,
            active: true,
        }
    }

    fn priority() -> Priority {
        Priority {
            id: 1,
            name: "Low".into(),
            rank: 4,
            color: "green".into(),
            response_hours: 24.0,
            resolution_hours: 120.0,
        }
    }

    fn ticket(clock: SlaClock) -> Ticket {
        Ticket {
            id: 1,
            key: "TKT-1".into(),
            title: "t".into(),
            description: String::new(),
            requester: Requester {
                user_id: None,
                email: "a@b.c".into(),
                name: None,
            },
            category: "Security".into(),
            priority: "Low".into(),
            status: "new".into(),
            status_class: StatusClass::Open,
            assignee: None,
            tags: vec![],
            custom_fields: Default::default(),
            version: 1,
            created_at: 0,
            updated_at: 0,
            first_response_at: None,
            resolved_at: None,
            closed_at: None,
            approved_at: None,
            sla: clock,
        }
    }

    #[test]
    fn the_stricter_resolution_target_wins() {
        assert_eq!(
            targets(&category(Some(2.0)), &priority()),
            (24 * HOUR, 2 * HOUR)
        );
        assert_eq!(
            targets(&category(None), &priority()),
            (24 * HOUR, 120 * HOUR)
        );
    }

    #[test]
    fn pausing_shifts_due_times_by_the_pause() {
        let clock = start(0, &category(Some(2.0)), &priority());
        let paused = on_status_change(clock, StatusClass::Open, StatusClass::Pending, HOUR);
        assert_eq!(paused.paused_at, Some(HOUR));
        // Three hours waiting on the customer do not count.
        let resumed = on_status_change(paused, StatusClass::Pending, StatusClass::Open, 4 * HOUR);
        assert_eq!(resumed.paused_at, None);
        assert_eq!(resumed.paused_ms, 3 * HOUR);
        assert_eq!(resumed.resolution_due_at, Some(5 * HOUR));
        assert_eq!(resumed.response_due_at, Some(27 * HOUR));
    }

    #[test]
    fn a_paused_ticket_does_not_breach_while_paused() {
        let clock = start(0, &category(Some(2.0)), &priority());
        let paused = on_status_change(clock, StatusClass::Open, StatusClass::Pending, HOUR);
        let t = ticket(paused);
        assert!(!is_breached(&t, 100 * HOUR));
        assert_eq!(time_left(&t, 100 * HOUR), None);
        let running = ticket(clock);
        assert!(is_breached(&running, 3 * HOUR));
        assert_eq!(time_left(&running, HOUR), Some(HOUR));
    }

    #[test]
    fn pending_to_done_keeps_the_first_pause() {
        let clock = start(0, &category(None), &priority());
        let paused = on_status_change(clock, StatusClass::Open, StatusClass::Pending, HOUR);
        let done = on_status_change(paused, StatusClass::Pending, StatusClass::Done, 5 * HOUR);
        assert_eq!(done.paused_at, Some(HOUR));
    }

    #[test]
    fn a_late_first_response_stays_a_breach() {
        let clock = start(0, &category(None), &priority());
        let mut t = ticket(clock);
        t.first_response_at = Some(25 * HOUR);
        assert!(response_breached(&t, 26 * HOUR));
        t.first_response_at = Some(HOUR);
        assert!(!response_breached(&t, 26 * HOUR));
    }

    #[test]
    fn retargeting_keeps_paused_time() {
        let clock = SlaClock {
            paused_ms: HOUR,
            ..start(0, &category(None), &priority())
        };
        let moved = retarget(clock, 0, &category(Some(2.0)), &priority());
        assert_eq!(moved.resolution_due_at, Some(3 * HOUR));
    }
}
