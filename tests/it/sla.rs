//! SLA clocks through the real service: due times from category and priority, pauses
//! while waiting on the customer, first response, and breaches found by queries. Time
//! passes by moving a ticket's whole history into the past, as the demo data does.

use crate::common;

use std::collections::BTreeSet;

use common::TestDesk;
use desk::domain::model::{Category, EventKind, StatusClass, Ticket, Visibility};
use desk::domain::requests::{NewTicket, TicketEdit};
use desk::domain::sla;
use desk::domain::time::{self, HOUR, Millis, SECOND};
use desk::service::Actor;

/// Moves ticket `id`'s history `ms` into the past: as if that much time had passed.
async fn let_time_pass(d: &TestDesk, id: i64, ms: Millis) {
    let mut w = d.service.store().write().await.unwrap();
    desk::store::tickets::shift_history(&mut w.tx, id, ms)
        .await
        .unwrap();
    w.commit().await.unwrap();
}

async fn reload(d: &TestDesk, key: &str) -> Ticket {
    d.service.get_ticket_only(&d.admin, key).await.unwrap()
}

/// Filed by an agent for the customer: priority is staff's to choose.
async fn file(d: &TestDesk, title: &str, category: &str, priority: &str) -> Ticket {
    d.service
        .create_ticket(
            &d.agent,
            NewTicket {
                title: title.into(),
                category: Some(category.into()),
                priority: Some(priority.into()),
                requester_email: Some(d.customer.email().into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
}

async fn add_category(d: &TestDesk, name: &str, sla_hours: Option<f64>) {
    d.service
        .save_category(
            &d.admin,
            Category {
                id: 0,
                name: name.into(),
                description: String::new(),
                sla_hours,
                requires_approval: false,
                active: true,
            },
        )
        .await
        .unwrap();
}

/// (response, resolution) targets as offsets from creation, net of paused time.
fn targets(t: &Ticket) -> (Millis, Millis) {
    (
        t.sla.response_due_at.unwrap() - t.created_at - t.sla.paused_ms,
        t.sla.resolution_due_at.unwrap() - t.created_at - t.sla.paused_ms,
    )
}

#[tokio::test]
async fn due_times_follow_category_and_priority_and_the_stricter_resolution_wins() {
    let d = TestDesk::new().await;
    add_category(&d, "Security", Some(2.0)).await;
    add_category(&d, "Slow lane", Some(100.0)).await;

    // Defaults: Critical 1h/4h, High 4h/24h, Medium 8h/72h, Low 24h/120h.
    for (category, priority, response, resolution) in [
        ("General", "Medium", 8, 72),
        ("General", "Low", 24, 120),
        ("General", "Critical", 1, 4),
        // The category's 2 hours beat the priority's resolution target...
        ("Security", "Low", 24, 2),
        ("Security", "Critical", 1, 2),
        // ...and the priority's beats a lax category.
        ("Slow lane", "Critical", 1, 4),
        ("Slow lane", "Low", 24, 100),
    ] {
        let t = file(&d, &format!("{category} {priority}"), category, priority).await;
        assert_eq!(
            targets(&t),
            (response * HOUR, resolution * HOUR),
            "{category}/{priority}"
        );
        assert_eq!(t.sla.paused_at, None);
        // As stored, not only as returned.
        assert_eq!(reload(&d, &t.key).await.sla, t.sla);
    }

    // Changing priority or category moves the due times from the same start.
    let t = file(&d, "Retarget me", "General", "Medium").await;
    let t = d
        .service
        .edit_ticket(
            &d.agent,
            &t.key,
            TicketEdit {
                priority: Some("Critical".into()),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(targets(&t), (HOUR, 4 * HOUR));
    let t = d
        .service
        .edit_ticket(
            &d.agent,
            &t.key,
            TicketEdit {
                category: Some("Security".into()),
                priority: Some("Low".into()),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(targets(&t), (24 * HOUR, 2 * HOUR));
    assert_eq!(reload(&d, &t.key).await.sla, t.sla);
}

#[tokio::test]
async fn waiting_on_the_customer_pauses_the_clock_and_resuming_shifts_the_due_times() {
    let d = TestDesk::new().await;
    let t = file(&d, "VPN drops", "General", "Medium").await;
    d.service
        .transition(&d.agent, &t.key, "in_progress", None, None)
        .await
        .unwrap();
    let before_pause = time::now();
    let waiting = d
        .service
        .transition(&d.agent, &t.key, "waiting_on_customer", None, None)
        .await
        .unwrap();
    assert_eq!(waiting.status_class, StatusClass::Pending);
    let paused_at = waiting.sla.paused_at.expect("the clock stops");
    assert!(paused_at >= before_pause && paused_at <= time::now());
    assert_eq!(waiting.sla.response_due_at, t.sla.response_due_at);
    assert_eq!(waiting.sla.resolution_due_at, t.sla.resolution_due_at);
    assert_eq!(sla::time_left(&waiting, time::now()), None);
    let paused = d
        .service
        .list_tickets(&d.agent, "sla:paused", None, None)
        .await
        .unwrap();
    assert_eq!(paused.tickets.len(), 1);

    // Three hours waiting on the customer.
    let_time_pass(&d, t.id, 3 * HOUR).await;
    let shifted = reload(&d, &t.key).await;
    assert_eq!(
        shifted.sla.resolution_due_at,
        Some(t.sla.resolution_due_at.unwrap() - 3 * HOUR)
    );

    let resumed = d
        .service
        .transition(&d.agent, &t.key, "in_progress", None, None)
        .await
        .unwrap();
    assert_eq!(resumed.sla.paused_at, None);
    // The clock lost the three hours (and the few milliseconds the test took).
    let paused_ms = resumed.sla.paused_ms;
    assert!(
        (3 * HOUR..3 * HOUR + 10 * SECOND).contains(&paused_ms),
        "paused {paused_ms} ms"
    );
    for (before, after) in [
        (shifted.sla.response_due_at, resumed.sla.response_due_at),
        (shifted.sla.resolution_due_at, resumed.sla.resolution_due_at),
    ] {
        assert_eq!(after.unwrap() - before.unwrap(), paused_ms);
    }
    assert_eq!(targets(&resumed), (8 * HOUR, 72 * HOUR));
    assert_eq!(reload(&d, &t.key).await.sla, resumed.sla);
    let paused = d
        .service
        .list_tickets(&d.agent, "sla:paused", None, None)
        .await
        .unwrap();
    assert!(paused.tickets.is_empty());

    // Resolving stops the clock; reopening resumes it with the resolved time added.
    let resolved = d
        .service
        .transition(&d.agent, &t.key, "resolved", None, None)
        .await
        .unwrap();
    assert!(resolved.sla.paused_at.is_some());
    let_time_pass(&d, t.id, 2 * HOUR).await;
    let reopened = d
        .service
        .transition(&d.customer, &t.key, "in_progress", None, None)
        .await
        .unwrap();
    assert_eq!(reopened.sla.paused_at, None);
    let second_pause = reopened.sla.paused_ms - paused_ms;
    assert!(
        (2 * HOUR..2 * HOUR + 10 * SECOND).contains(&second_pause),
        "paused {second_pause} ms"
    );
    assert_eq!(targets(&reopened), (8 * HOUR, 72 * HOUR));
}

#[tokio::test]
async fn the_first_response_is_the_first_staff_reply_or_status_change() {
    let d = TestDesk::new().await;
    let t = file(&d, "Invoice missing", "General", "Medium").await;
    assert_eq!(t.first_response_at, None);

    // The requester talking to themselves is not a response, nor is an internal note.
    let (t2, _) = d
        .service
        .comment(&d.customer, &t.key, "Any news?", Visibility::Public, None)
        .await
        .unwrap();
    assert_eq!(t2.first_response_at, None);
    let (t2, _) = d
        .service
        .comment(
            &d.agent,
            &t.key,
            "Check billing",
            Visibility::Internal,
            None,
        )
        .await
        .unwrap();
    assert_eq!(t2.first_response_at, None);

    let before = time::now();
    let (answered, _) = d
        .service
        .comment(
            &d.agent,
            &t.key,
            "Looking into it",
            Visibility::Public,
            None,
        )
        .await
        .unwrap();
    let first = answered.first_response_at.expect("answered");
    assert!(first >= before && first <= time::now());
    // Later replies and moves do not move it.
    d.service
        .comment(&d.other_agent, &t.key, "Found it", Visibility::Public, None)
        .await
        .unwrap();
    d.service
        .transition(&d.agent, &t.key, "resolved", None, None)
        .await
        .unwrap();
    assert_eq!(reload(&d, &t.key).await.first_response_at, Some(first));

    // A status change by staff is a response too.
    let t = file(&d, "Dashboard slow", "General", "Medium").await;
    let moved = d
        .service
        .transition(&d.agent, &t.key, "in_progress", None, None)
        .await
        .unwrap();
    assert!(moved.first_response_at.is_some());

    // So is taking the ticket, which moves it to assigned.
    let t = file(&d, "Password reset", "General", "Medium").await;
    let taken = d
        .service
        .assign(&d.agent, &t.key, Some("sarah@example.com"), None)
        .await
        .unwrap();
    assert!(taken.first_response_at.is_some());

    // A contact replying on their own ticket is not a response either.
    let contact = Actor::Contact {
        email: "pat@example.org".into(),
    };
    let from_contact = d
        .service
        .create_ticket(
            &contact,
            NewTicket {
                title: "Tracker blank".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let (c, _) = d
        .service
        .comment(
            &contact,
            &from_contact.key,
            "Hello?",
            Visibility::Public,
            None,
        )
        .await
        .unwrap();
    assert_eq!(c.first_response_at, None);

    // Staff filing for themselves do not answer their own ticket.
    let own = d
        .service
        .create_ticket(
            &d.agent,
            NewTicket {
                title: "My laptop".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let (own, _) = d
        .service
        .comment(
            &d.agent,
            &own.key,
            "Adding detail",
            Visibility::Public,
            None,
        )
        .await
        .unwrap();
    assert_eq!(own.first_response_at, None);
}

async fn keys(d: &TestDesk, q: &str) -> BTreeSet<String> {
    let list = d.service.list_tickets(&d.agent, q, Some(500), None).await;
    let list = list.unwrap_or_else(|e| panic!("{q}: {e}"));
    assert!(list.next_cursor.is_none());
    list.tickets.into_iter().map(|t| t.key).collect()
}

#[tokio::test]
async fn breached_tickets_are_found_by_sla_breached_and_not_by_sla_ok() {
    let d = TestDesk::new().await;
    // Medium: respond within 8 hours, resolve within 72.
    let fresh = file(&d, "Fresh", "General", "Medium").await;

    let unanswered = file(&d, "Unanswered", "General", "Medium").await;
    let_time_pass(&d, unanswered.id, 9 * HOUR).await;

    let answered_late = file(&d, "Answered late", "General", "Medium").await;
    let_time_pass(&d, answered_late.id, 9 * HOUR).await;
    d.service
        .comment(
            &d.agent,
            &answered_late.key,
            "Sorry",
            Visibility::Public,
            None,
        )
        .await
        .unwrap();

    let answered_in_time = file(&d, "Answered in time", "General", "Medium").await;
    d.service
        .comment(
            &d.agent,
            &answered_in_time.key,
            "On it",
            Visibility::Public,
            None,
        )
        .await
        .unwrap();
    let_time_pass(&d, answered_in_time.id, 9 * HOUR).await;

    let unresolved = file(&d, "Unresolved", "General", "Medium").await;
    d.service
        .transition(&d.agent, &unresolved.key, "in_progress", None, None)
        .await
        .unwrap();
    let_time_pass(&d, unresolved.id, 73 * HOUR).await;

    // Waiting on the customer since before anything was due: judged at the pause.
    let waiting = file(&d, "Waiting", "General", "Medium").await;
    d.service
        .transition(&d.agent, &waiting.key, "waiting_on_customer", None, None)
        .await
        .unwrap();
    let_time_pass(&d, waiting.id, 100 * HOUR).await;

    let breached: BTreeSet<String> = [&unanswered, &answered_late, &unresolved]
        .iter()
        .map(|t| t.key.clone())
        .collect();
    let ok: BTreeSet<String> = [&fresh, &answered_in_time, &waiting]
        .iter()
        .map(|t| t.key.clone())
        .collect();
    assert_eq!(keys(&d, "sla:breached").await, breached);
    assert_eq!(keys(&d, "-sla:ok").await, breached);
    assert_eq!(keys(&d, "sla:ok").await, ok);
    assert_eq!(keys(&d, "-sla:breached").await, ok);
    assert_eq!(
        keys(&d, "sla:paused").await,
        [waiting.key.clone()].into_iter().collect()
    );
    assert_eq!(
        d.service
            .count_tickets(&d.agent, "sla:breached")
            .await
            .unwrap(),
        3
    );
    assert_eq!(d.service.stats(&d.agent).await.unwrap().breached, 3);

    // The pure rules agree with what the store found.
    let now = time::now();
    for key in breached.iter().chain(&ok) {
        let t = reload(&d, key).await;
        assert_eq!(sla::is_breached(&t, now), breached.contains(key), "{key}");
    }

    // Once the waiting ticket comes back, its clock runs from where it stopped: due in
    // eight hours less the moment it ran before the pause, so not breached.
    let back = d
        .service
        .transition(&d.agent, &waiting.key, "in_progress", None, None)
        .await
        .unwrap();
    assert!(!sla::is_breached(&back, time::now()));
    assert!(keys(&d, "sla:ok").await.contains(&waiting.key));
}

#[tokio::test]
async fn a_customer_reply_to_a_waiting_ticket_resumes_work_and_the_clock() {
    let d = TestDesk::new().await;
    let t = file(&d, "Need the serial number", "General", "High").await;
    d.service
        .transition(&d.agent, &t.key, "in_progress", None, None)
        .await
        .unwrap();
    d.service
        .transition(
            &d.agent,
            &t.key,
            "waiting_on_customer",
            Some("Asked for the serial"),
            None,
        )
        .await
        .unwrap();
    let_time_pass(&d, t.id, 2 * HOUR).await;
    let shifted = reload(&d, &t.key).await;

    // Staff talking does not end the wait.
    let (still, _) = d
        .service
        .comment(
            &d.agent,
            &t.key,
            "Reminder: serial?",
            Visibility::Public,
            None,
        )
        .await
        .unwrap();
    assert_eq!(still.status, "waiting_on_customer");
    assert!(still.sla.paused_at.is_some());

    let (back, _) = d
        .service
        .comment(
            &d.customer,
            &t.key,
            "It is SN-1234",
            Visibility::Public,
            None,
        )
        .await
        .unwrap();
    assert_eq!(back.status, "in_progress");
    assert_eq!(back.status_class, StatusClass::Open);
    assert_eq!(back.sla.paused_at, None);
    let paused = back.sla.paused_ms;
    assert!(
        (2 * HOUR..2 * HOUR + 10 * SECOND).contains(&paused),
        "paused {paused} ms"
    );
    assert_eq!(
        back.sla.resolution_due_at.unwrap() - shifted.sla.resolution_due_at.unwrap(),
        paused
    );
    assert_eq!(targets(&back), (4 * HOUR, 24 * HOUR));
    let stored = reload(&d, &t.key).await;
    assert_eq!(stored.status, "in_progress");
    assert_eq!(stored.sla, back.sla);

    // The customer sees their reply moved it.
    let view = d.service.get_ticket(&d.customer, &t.key).await.unwrap();
    let last = view.events.last().unwrap();
    assert_eq!(last.kind, EventKind::StatusChanged);
    assert_eq!(last.old.as_deref(), Some("waiting_on_customer"));
    assert_eq!(last.new.as_deref(), Some("in_progress"));
    assert_eq!(last.actor.as_ref().map(|a| a.id), d.customer.user_id());

    // A contact's reply does the same on their own ticket.
    let contact = Actor::Contact {
        email: "pat@example.org".into(),
    };
    let t = d
        .service
        .create_ticket(
            &contact,
            NewTicket {
                title: "Tracker blank".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    d.service
        .transition(&d.agent, &t.key, "waiting_on_customer", None, None)
        .await
        .unwrap();
    let (back, _) = d
        .service
        .comment(&contact, &t.key, "Here you go", Visibility::Public, None)
        .await
        .unwrap();
    assert_eq!(back.status, "in_progress");
    assert_eq!(back.sla.paused_at, None);
}
