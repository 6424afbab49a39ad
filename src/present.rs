//! The words every front end uses for a ticket's SLA and for its events, so the CLI,
//! the TUI and the customer pages say the same thing about the same ticket.
//!
//! Pure: state and clock in, text out. Layout (columns, colours, quoting notes) stays
//! with each front end. A breach is marked with `!` as well as in words, because
//! without colour (NO_COLOR, pipes) it must not be told by colour alone.

use crate::domain::model::{Event, EventKind, StatusClass, Ticket};
use crate::domain::sla;
use crate::domain::time::{Millis, humanize};

/// Where a ticket's SLA clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaState {
    /// Running, `left` before the next due time; negative once breached.
    Running { left: Millis },
    /// Stopped while waiting on the customer; `breached` if a target was missed first.
    Paused { breached: bool },
    /// Stopped for good (resolved, rejected, closed); `breached` if a target was missed.
    Stopped { breached: bool },
    /// Running, but nothing is due (no SLA targets).
    NoTarget,
}

impl SlaState {
    /// The state of `ticket` at `now`.
    pub fn of(ticket: &Ticket, now: Millis) -> SlaState {
        // A done ticket is never `sla:breached`, but its page still says whether it
        // missed a target on the way.
        let breached = sla::target_missed(ticket, now);
        if ticket.status_class == StatusClass::Done {
            return SlaState::Stopped { breached };
        }
        if ticket.sla.paused_at.is_some() {
            return SlaState::Paused { breached };
        }
        match sla::time_left(ticket, now) {
            Some(left) => SlaState::Running { left },
            None => SlaState::NoTarget,
        }
    }

    /// The state from what a list row keeps: time left on the next due time (`None`
    /// when nothing is due or the clock is stopped), whether the ticket is done, and
    /// whether the clock is paused. A row does not know whether a stopped clock had
    /// been breached, so stopped states count as not breached.
    pub fn from_parts(left: Option<Millis>, done: bool, paused: bool) -> SlaState {
        match left {
            _ if done => SlaState::Stopped { breached: false },
            _ if paused => SlaState::Paused { breached: false },
            Some(left) => SlaState::Running { left },
            None => SlaState::NoTarget,
        }
    }

    /// A missed target: shown as an alert.
    pub fn breached(self) -> bool {
        match self {
            SlaState::Running { left } => left < 0,
            SlaState::Paused { breached } | SlaState::Stopped { breached } => breached,
            SlaState::NoTarget => false,
        }
    }

    /// Time left while the clock runs (negative once breached).
    pub fn left(self) -> Option<Millis> {
        match self {
            SlaState::Running { left } => Some(left),
            _ => None,
        }
    }
}

/// For tables and lists, at most 9 columns: `3h left`, `!2h late`, `paused`,
/// `!paused` (breached before the clock stopped), `done`, `—` (nothing due).
pub fn sla_short(state: SlaState) -> String {
    match state {
        SlaState::Running { left } if left < 0 => {
            let late = format!("!{} late", humanize(left));
            // Two years late would not fit; the mark and the time still say it.
            if late.chars().count() > 9 {
                format!("!{}", humanize(left))
            } else {
                late
            }
        }
        SlaState::Running { left } => format!("{} left", humanize(left)),
        SlaState::Paused { breached: true } => "!paused".into(),
        SlaState::Paused { breached: false } => "paused".into(),
        SlaState::Stopped { .. } => "done".into(),
        SlaState::NoTarget => "—".into(),
    }
}

/// For a ticket's detail: `due in 3h`, `! breached 2h ago`, `paused`,
/// `! paused, breached`, `stopped`, `stopped, breached`, `none`.
pub fn sla_long(state: SlaState) -> String {
    match state {
        SlaState::Running { left } if left < 0 => format!("! breached {} ago", humanize(left)),
        SlaState::Running { left } => format!("due in {}", humanize(left)),
        SlaState::Paused { breached: true } => "! paused, breached".into(),
        SlaState::Paused { breached: false } => "paused".into(),
        // Nothing left to act on, so no alert mark.
        SlaState::Stopped { breached: true } => "stopped, breached".into(),
        SlaState::Stopped { breached: false } => "stopped".into(),
        SlaState::NoTarget => "none".into(),
    }
}

/// What an event did, for staff, after the actor's name: `moved it New → In progress`.
/// `status_name` turns a status key into the name to show (a front end without the
/// desk's statuses at hand passes the key through).
pub fn event_text(e: &Event, status_name: impl Fn(&str) -> String) -> String {
    let old = e.old.as_deref().unwrap_or("");
    let new = e.new.as_deref().unwrap_or("");
    match e.kind {
        EventKind::Created => "filed the ticket".into(),
        EventKind::StatusChanged => {
            format!("moved it {} → {}", status_name(old), status_name(new))
        }
        EventKind::Assigned if new.is_empty() => "unassigned it".into(),
        EventKind::Assigned => format!("assigned it to {new}"),
        EventKind::Approved => "approved the request".into(),
        EventKind::Rejected => "rejected the request".into(),
        EventKind::Tagged => format!("tagged it {new}"),
        EventKind::Untagged => format!("removed the tag {old}"),
        EventKind::Commented => "commented".into(),
        EventKind::Attached => match e.note.as_deref() {
            Some(names) => format!("attached {}", clip(names, 60)),
            None => "attached files".into(),
        },
        EventKind::AttachmentRemoved => format!("removed the attachment {}", clip(old, 40)),
        EventKind::FieldChanged => match e.field.as_deref() {
            // The texts may be long; the event only records that it changed.
            Some("description") => "changed the description".into(),
            None => "changed the ticket".into(),
            Some(field) => match (old.is_empty(), new.is_empty()) {
                (true, true) => format!("changed {field}"),
                (true, false) => format!("set {field} to {}", clip(new, 40)),
                (false, true) => format!("cleared {field}"),
                (false, false) => {
                    format!("changed {field}: {} → {}", clip(old, 30), clip(new, 30))
                }
            },
        },
    }
}

/// What an event means to the customer who filed the ticket, or `None` for events
/// they are not shown (tags are the desk's own bookkeeping). `status` is the new
/// status in the customer's words; `by_staff` is whether a person (not the desk)
/// made the change.
pub fn customer_event_text(
    kind: EventKind,
    status: Option<&str>,
    by_staff: bool,
) -> Option<String> {
    Some(match kind {
        EventKind::Created => "Request received".into(),
        EventKind::StatusChanged => match status {
            Some(s) => format!("Status: {s}"),
            None => "Status changed".into(),
        },
        EventKind::Assigned if by_staff => "Assigned to our team".into(),
        EventKind::Assigned => "Assigned".into(),
        EventKind::Commented => "New message".into(),
        EventKind::Approved => "Approved".into(),
        EventKind::Rejected => "Not approved".into(),
        EventKind::FieldChanged => "Details updated".into(),
        EventKind::Attached => "Files added".into(),
        EventKind::AttachmentRemoved => "File removed".into(),
        EventKind::Tagged | EventKind::Untagged => return None,
    })
}

/// At most `max` characters, the cut marked with `…`.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::{Requester, SlaClock, Visibility};
    use crate::domain::time::HOUR;

    const NOW: Millis = 1_000 * HOUR;

    fn ticket(class: StatusClass, sla: SlaClock) -> Ticket {
        Ticket {
            id: 1,
            key: "TKT-1".into(),
            title: "t".into(),
            description: String::new(),
            requester: Requester {
                email: "r@example.com".into(),
                name: None,
                user_id: None,
            },
            category: "General".into(),
            priority: "Medium".into(),
            status: "new".into(),
            status_class: class,
            assignee: None,
            tags: vec![],
            custom_fields: Default::default(),
            version: 1,
            created_at: NOW - 10 * HOUR,
            updated_at: NOW - 10 * HOUR,
            first_response_at: None,
            approved_at: None,
            resolved_at: None,
            closed_at: None,
            sla,
        }
    }

    fn clock(resolution_due_at: Option<Millis>, paused_at: Option<Millis>) -> SlaClock {
        SlaClock {
            response_due_at: None,
            resolution_due_at,
            paused_at,
            paused_ms: 0,
            breached: false,
        }
    }

    #[test]
    fn a_running_clock_counts_down_then_is_late() {
        let on_time = SlaState::of(
            &ticket(StatusClass::Open, clock(Some(NOW + 3 * HOUR), None)),
            NOW,
        );
        assert_eq!(on_time, SlaState::Running { left: 3 * HOUR });
        assert!(!on_time.breached());
        assert_eq!(sla_short(on_time), "3h left");
        assert_eq!(sla_long(on_time), "due in 3h");

        let late = SlaState::of(
            &ticket(StatusClass::Open, clock(Some(NOW - 2 * HOUR), None)),
            NOW,
        );
        assert!(late.breached());
        assert_eq!(sla_short(late), "!2h late");
        assert_eq!(sla_long(late), "! breached 2h ago");
    }

    #[test]
    fn a_stopped_clock_says_whether_it_was_breached_first() {
        let paused = |due| {
            SlaState::of(
                &ticket(StatusClass::Pending, clock(Some(due), Some(NOW - HOUR))),
                NOW,
            )
        };
        assert_eq!(sla_short(paused(NOW)), "paused");
        assert_eq!(sla_long(paused(NOW)), "paused");
        // Due two hours ago, paused one hour ago: breached before the pause.
        let missed = paused(NOW - 2 * HOUR);
        assert!(missed.breached());
        assert_eq!(sla_short(missed), "!paused");
        assert_eq!(sla_long(missed), "! paused, breached");

        let done = |due| {
            SlaState::of(
                &ticket(StatusClass::Done, clock(Some(due), Some(NOW - HOUR))),
                NOW,
            )
        };
        assert_eq!(sla_short(done(NOW)), "done");
        assert_eq!(sla_long(done(NOW)), "stopped");
        assert_eq!(sla_short(done(NOW - 2 * HOUR)), "done");
        assert_eq!(sla_long(done(NOW - 2 * HOUR)), "stopped, breached");
    }

    #[test]
    fn nothing_due_is_not_a_pause() {
        let none = SlaState::of(&ticket(StatusClass::Open, clock(None, None)), NOW);
        assert_eq!(none, SlaState::NoTarget);
        assert_eq!(sla_short(none), "—");
        assert_eq!(sla_long(none), "none");
    }

    #[test]
    fn list_rows_give_the_same_words_from_their_parts() {
        assert_eq!(
            sla_short(SlaState::from_parts(Some(-5 * HOUR), false, false)),
            "!5h late"
        );
        assert_eq!(sla_short(SlaState::from_parts(None, false, true)), "paused");
        assert_eq!(sla_short(SlaState::from_parts(None, true, false)), "done");
        assert_eq!(
            SlaState::from_parts(Some(HOUR), false, false).left(),
            Some(HOUR)
        );
        assert_eq!(sla_short(SlaState::from_parts(None, false, false)), "—");
    }

    #[test]
    fn short_forms_fit_a_nine_column_cell() {
        for left in [-700 * 24 * HOUR, -9 * 24 * HOUR, -HOUR, 0, 59 * 24 * HOUR] {
            let text = sla_short(SlaState::Running { left });
            assert!(text.chars().count() <= 9, "{text}");
        }
    }

    fn event(kind: EventKind, field: Option<&str>, old: Option<&str>, new: Option<&str>) -> Event {
        Event {
            seq: 1,
            ticket_id: 1,
            ticket_key: "TKT-1".into(),
            version: 2,
            kind,
            actor: None,
            at: NOW,
            field: field.map(str::to_string),
            old: old.map(str::to_string),
            new: new.map(str::to_string),
            note: None,
            visibility: Visibility::Public,
        }
    }

    #[test]
    fn events_read_as_what_the_actor_did() {
        let keys = |k: &str| k.to_string();
        let names = |k: &str| match k {
            "new" => "New".to_string(),
            "in_progress" => "In progress".to_string(),
            other => other.to_string(),
        };
        let moved = event(
            EventKind::StatusChanged,
            Some("status"),
            Some("new"),
            Some("in_progress"),
        );
        assert_eq!(event_text(&moved, names), "moved it New → In progress");
        assert_eq!(event_text(&moved, keys), "moved it new → in_progress");
        let cases = [
            (
                event(EventKind::Created, None, None, None),
                "filed the ticket",
            ),
            (
                event(
                    EventKind::Assigned,
                    Some("assignee"),
                    None,
                    Some("ann@example.com"),
                ),
                "assigned it to ann@example.com",
            ),
            (
                event(
                    EventKind::Assigned,
                    Some("assignee"),
                    Some("ann@example.com"),
                    None,
                ),
                "unassigned it",
            ),
            (
                event(EventKind::Approved, None, None, None),
                "approved the request",
            ),
            (
                event(EventKind::Rejected, None, None, None),
                "rejected the request",
            ),
            (
                event(EventKind::Tagged, Some("tags"), None, Some("vip")),
                "tagged it vip",
            ),
            (
                event(EventKind::Untagged, Some("tags"), Some("vip"), None),
                "removed the tag vip",
            ),
            (event(EventKind::Commented, None, None, None), "commented"),
            (
                event(EventKind::FieldChanged, Some("description"), None, None),
                "changed the description",
            ),
            (
                event(
                    EventKind::FieldChanged,
                    Some("priority"),
                    Some("Low"),
                    Some("High"),
                ),
                "changed priority: Low → High",
            ),
            (
                event(EventKind::FieldChanged, Some("trip_id"), None, Some("T-9")),
                "set trip_id to T-9",
            ),
            (
                event(EventKind::FieldChanged, Some("trip_id"), Some("T-9"), None),
                "cleared trip_id",
            ),
            (
                event(EventKind::FieldChanged, None, None, None),
                "changed the ticket",
            ),
        ];
        for (e, want) in cases {
            assert_eq!(event_text(&e, keys), want, "{:?}", e.kind);
        }
    }

    #[test]
    fn long_field_values_are_clipped() {
        let long = "x".repeat(100);
        let e = event(
            EventKind::FieldChanged,
            Some("title"),
            Some(&long),
            Some("short"),
        );
        let text = event_text(&e, |k| k.to_string());
        assert_eq!(text, format!("changed title: {}… → short", "x".repeat(29)));
    }

    #[test]
    fn customers_read_events_in_their_own_words_and_never_see_tags() {
        assert_eq!(
            customer_event_text(EventKind::StatusChanged, Some("In progress"), true).as_deref(),
            Some("Status: In progress")
        );
        assert_eq!(
            customer_event_text(EventKind::Assigned, None, true).as_deref(),
            Some("Assigned to our team")
        );
        assert_eq!(
            customer_event_text(EventKind::Rejected, None, true).as_deref(),
            Some("Not approved")
        );
        assert_eq!(customer_event_text(EventKind::Tagged, None, true), None);
        assert_eq!(customer_event_text(EventKind::Untagged, None, true), None);
    }
}
