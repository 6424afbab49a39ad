//! The workflow table walked through the real service, row by row: every rule is taken
//! by the least role allowed and refused for the role below; every pair not in the
//! table is refused; the approval gate, approve/reject, assignment and reopening behave
//! as a supervisor and an agent would expect.

use crate::common;

use common::{TestDesk, user};
use desk::domain::model::{EventKind, StatusClass, Ticket, Visibility};
use desk::domain::workflow::{
    self, APPROVED, ASSIGNED, CLOSED, ESCALATED, IN_PROGRESS, NEW, REJECTED, RESOLVED, RULES,
    STATUSES, UNDER_REVIEW, WAITING_ON_CUSTOMER, Who, WorkflowError, rule_for,
};
use desk::service::{Actor, ServiceError};

/// One step on the way to a status.
#[derive(Clone, Copy)]
enum Step {
    /// A workflow move (taken by the supervisor, who may take every non-requester move).
    To(&'static str),
    /// The agent takes the ticket.
    AssignAgent,
}

use Step::{AssignAgent, To};

/// A path of legal moves from `new` to `status` that leaves the ticket with an assignee
/// (so that moves into `assigned` are possible from there).
fn path_to(status: &str) -> &'static [Step] {
    match status {
        // An assignment while under review does not move the ticket; back to new keeps
        // the assignee.
        NEW => &[To(UNDER_REVIEW), AssignAgent, To(NEW)],
        UNDER_REVIEW => &[To(UNDER_REVIEW), AssignAgent],
        APPROVED => &[To(UNDER_REVIEW), AssignAgent, To(APPROVED)],
        REJECTED => &[To(UNDER_REVIEW), AssignAgent, To(REJECTED)],
        ASSIGNED => &[AssignAgent],
        IN_PROGRESS => &[AssignAgent, To(IN_PROGRESS)],
        ESCALATED => &[AssignAgent, To(ESCALATED)],
        WAITING_ON_CUSTOMER => &[AssignAgent, To(WAITING_ON_CUSTOMER)],
        RESOLVED => &[AssignAgent, To(RESOLVED)],
        CLOSED => &[AssignAgent, To(RESOLVED), To(CLOSED)],
        other => panic!("no path to {other}"),
    }
}

fn email(actor: &Actor) -> String {
    actor.email().to_string()
}

/// Takes the move to `to` as `actor` through the operation a user would use: approve
/// and reject for the decisions, transition for everything else.
async fn take(d: &TestDesk, actor: &Actor, key: &str, to: &str) -> Result<Ticket, ServiceError> {
    match to {
        APPROVED => d.service.approve(actor, key, None, None).await,
        REJECTED => {
            d.service
                .reject(actor, key, "Outside what we can do", None)
                .await
        }
        _ => d.service.transition(actor, key, to, None, None).await,
    }
}

/// A fresh General ticket filed by the customer, walked to `status` with an assignee.
async fn ticket_in(d: &TestDesk, status: &'static str) -> Ticket {
    let mut t = d.file(&format!("Walk to {status}"), "General").await;
    for step in path_to(status) {
        t = match *step {
            To(to) => {
                assert!(
                    rule_for(&t.status, to).is_some(),
                    "path to {status} takes {} -> {to}, which is not in the table",
                    t.status
                );
                take(d, &d.supervisor, &t.key, to)
                    .await
                    .unwrap_or_else(|e| panic!("path to {status}: {} -> {to}: {e}", t.status))
            }
            AssignAgent => d
                .service
                .assign(&d.agent, &t.key, Some(&email(&d.agent)), None)
                .await
                .unwrap_or_else(|e| panic!("path to {status}: assign: {e}")),
        };
    }
    assert_eq!(t.status, status, "path to {status}");
    assert!(t.assignee.is_some(), "path to {status} leaves an assignee");
    t
}

async fn version_of(d: &TestDesk, key: &str) -> i64 {
    d.service
        .get_ticket_only(&d.admin, key)
        .await
        .expect("ticket")
        .version
}

fn who_name(who: Who) -> &'static str {
    match who {
        Who::Staff => "staff",
        Who::Supervisor => "supervisor",
        Who::StaffOrRequester => "staff-or-requester",
    }
}

#[tokio::test]
async fn every_rule_is_taken_by_the_least_role_and_refused_below_it() {
    let d = TestDesk::new().await;
    for rule in RULES {
        let label = format!("{} -> {} ({})", rule.from, rule.to, who_name(rule.who));
        let t = ticket_in(&d, rule.from).await;

        // Who may and who may not, as the table says.
        let (allowed, refused) = match rule.who {
            Who::Staff => (&d.agent, &d.customer),
            Who::Supervisor => (&d.supervisor, &d.agent),
            Who::StaffOrRequester => (&d.customer, &d.other_customer),
        };

        // What a UI would offer agrees with the table.
        let offered = d
            .service
            .allowed_transitions(allowed, &t.key)
            .await
            .unwrap();
        assert!(
            offered.iter().any(|s| s == rule.to),
            "{label}: not offered to the allowed role: {offered:?}"
        );
        match d.service.allowed_transitions(refused, &t.key).await {
            Ok(offered) => assert!(
                !offered.iter().any(|s| s == rule.to),
                "{label}: offered to the role below: {offered:?}"
            ),
            Err(ServiceError::NotFound { .. }) => {
                assert_eq!(rule.who, Who::StaffOrRequester, "{label}")
            }
            Err(e) => panic!("{label}: allowed_transitions for the role below: {e}"),
        }

        // The role below is refused, through transition() and through the dedicated
        // operation for decisions, and nothing changes.
        let err = d
            .service
            .transition(refused, &t.key, rule.to, Some("trying"), None)
            .await
            .expect_err(&label);
        let direct = take(&d, refused, &t.key, rule.to).await.expect_err(&label);
        for err in [err, direct] {
            match (rule.who, rule.to) {
                (Who::StaffOrRequester, _) => {
                    assert!(
                        matches!(err, ServiceError::NotFound { .. }),
                        "{label}: {err:?}"
                    )
                }
                (_, APPROVED | REJECTED) => assert!(
                    matches!(
                        err,
                        ServiceError::Forbidden(_)
                            | ServiceError::Workflow(WorkflowError::Forbidden { .. })
                    ),
                    "{label}: {err:?}"
                ),
                (who, _) => {
                    let needs = if who == Who::Supervisor {
                        "supervisor"
                    } else {
                        "agent"
                    };
                    assert!(
                        matches!(
                            &err,
                            ServiceError::Workflow(WorkflowError::Forbidden { needs: n, .. })
                                if *n == needs
                        ),
                        "{label}: {err:?}"
                    );
                }
            }
        }
        assert_eq!(
            version_of(&d, &t.key).await,
            t.version,
            "{label}: refusal wrote"
        );

        // The least role allowed takes it.
        let moved = take(&d, allowed, &t.key, rule.to)
            .await
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(moved.status, rule.to, "{label}");
        assert_eq!(
            Some(moved.status_class),
            workflow::class_of(rule.to),
            "{label}"
        );
        assert_eq!(moved.version, t.version + 1, "{label}");

        // And the timeline records who moved it from where to where.
        let view = d.service.get_ticket(&d.admin, &t.key).await.unwrap();
        let last = view.events.last().expect("events");
        assert_eq!(last.field.as_deref(), Some("status"), "{label}");
        assert_eq!(last.old.as_deref(), Some(rule.from), "{label}");
        assert_eq!(last.new.as_deref(), Some(rule.to), "{label}");
        assert_eq!(
            last.actor.as_ref().map(|a| a.id),
            allowed.user_id(),
            "{label}"
        );
        let kind = match rule.to {
            APPROVED => EventKind::Approved,
            REJECTED => EventKind::Rejected,
            _ => EventKind::StatusChanged,
        };
        assert_eq!(last.kind, kind, "{label}");
    }
}

#[tokio::test]
async fn staff_or_requester_moves_are_also_open_to_agents() {
    let d = TestDesk::new().await;
    for rule in RULES.iter().filter(|r| r.who == Who::StaffOrRequester) {
        let t = ticket_in(&d, rule.from).await;
        let moved = take(&d, &d.agent, &t.key, rule.to).await.unwrap();
        assert_eq!(moved.status, rule.to);
    }
}

#[tokio::test]
async fn every_pair_outside_the_table_is_not_allowed_even_for_an_admin() {
    let d = TestDesk::new().await;
    let mut checked = 0;
    for (from, _, _) in STATUSES {
        let t = ticket_in(&d, from).await;
        for (to, _, _) in STATUSES {
            if rule_for(from, to).is_some() {
                continue;
            }
            let err = d
                .service
                .transition(&d.admin, &t.key, to, Some("a reason"), None)
                .await
                .expect_err(&format!("{from} -> {to}"));
            if from == to && to != APPROVED && to != REJECTED {
                assert!(
                    matches!(err, ServiceError::Workflow(WorkflowError::Unchanged(_))),
                    "{from} -> {to}: {err:?}"
                );
            } else {
                assert!(
                    matches!(
                        err,
                        ServiceError::Workflow(WorkflowError::NotAllowed { .. })
                    ),
                    "{from} -> {to}: {err:?}"
                );
                checked += 1;
            }
        }
        assert_eq!(
            version_of(&d, &t.key).await,
            t.version,
            "{from}: refusals wrote"
        );
    }
    // 10 x 10 ordered pairs, 39 rules, 8 same-status pairs answered `Unchanged`.
    assert_eq!(checked, 100 - RULES.len() - 8);
}

#[tokio::test]
async fn a_service_request_waits_for_approval_before_work_starts() {
    let d = TestDesk::new().await;
    let t = d
        .file("New electricity connection", "Service request")
        .await;

    // Taking it sets the assignee but does not move it into `assigned`.
    let t = d
        .service
        .assign(&d.agent, &t.key, Some(&email(&d.agent)), None)
        .await
        .unwrap();
    assert_eq!(t.status, NEW);
    assert_eq!(t.assignee.as_ref().map(|a| a.id), d.agent.user_id());

    for actor in [&d.agent, &d.admin] {
        for to in [ASSIGNED, IN_PROGRESS] {
            let err = d
                .service
                .transition(actor, &t.key, to, None, None)
                .await
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    ServiceError::Workflow(WorkflowError::NeedsApproval { .. })
                ),
                "{to}: {err:?}"
            );
        }
    }
    let offered = d
        .service
        .allowed_transitions(&d.agent, &t.key)
        .await
        .unwrap();
    assert!(!offered.iter().any(|s| s == ASSIGNED || s == IN_PROGRESS));
    assert_eq!(version_of(&d, &t.key).await, t.version);

    let t = d
        .service
        .approve(&d.supervisor, &t.key, Some("Site survey done"), None)
        .await
        .unwrap();
    assert_eq!(t.status, APPROVED);
    assert!(t.approved_at.is_some());
    let offered = d
        .service
        .allowed_transitions(&d.agent, &t.key)
        .await
        .unwrap();
    assert!(offered.iter().any(|s| s == ASSIGNED), "{offered:?}");
    assert!(offered.iter().any(|s| s == IN_PROGRESS), "{offered:?}");
    let t = d
        .service
        .transition(&d.agent, &t.key, ASSIGNED, None, None)
        .await
        .unwrap();
    assert_eq!(t.status, ASSIGNED);
    let t = d
        .service
        .transition(&d.agent, &t.key, IN_PROGRESS, None, None)
        .await
        .unwrap();
    assert_eq!(t.status, IN_PROGRESS);

    // Approved first, then taken: the assignment moves it straight to `assigned`.
    let t = d.file("Relocate the meter", "Service request").await;
    d.service
        .approve(&d.supervisor, &t.key, None, None)
        .await
        .unwrap();
    let t = d
        .service
        .assign(&d.agent, &t.key, Some(&email(&d.agent)), None)
        .await
        .unwrap();
    assert_eq!(t.status, ASSIGNED);

    // Approval from under review opens the gate too.
    let t = d.file("Replace a prepaid meter", "Service request").await;
    d.service
        .transition(&d.supervisor, &t.key, UNDER_REVIEW, None, None)
        .await
        .unwrap();
    d.service
        .approve(&d.supervisor, &t.key, None, None)
        .await
        .unwrap();
    let t = d
        .service
        .transition(&d.agent, &t.key, IN_PROGRESS, None, None)
        .await
        .unwrap();
    assert_eq!(t.status, IN_PROGRESS);

    // A General ticket needs no approval.
    let t = d.file("Printer jammed", "General").await;
    let t = d
        .service
        .transition(&d.agent, &t.key, IN_PROGRESS, None, None)
        .await
        .unwrap();
    assert_eq!(t.status, IN_PROGRESS);
}

#[tokio::test]
async fn decisions_are_taken_only_from_new_and_under_review() {
    let d = TestDesk::new().await;
    for (status, _, _) in STATUSES {
        let t = ticket_in(&d, status).await;
        let approve = d.service.approve(&d.supervisor, &t.key, None, None).await;
        if status == NEW || status == UNDER_REVIEW {
            assert_eq!(approve.unwrap().status, APPROVED, "{status}");
        } else {
            let err = approve.unwrap_err();
            assert!(
                matches!(
                    err,
                    ServiceError::Workflow(WorkflowError::NotAllowed { .. })
                ),
                "approve from {status}: {err:?}"
            );
        }
        let t = ticket_in(&d, status).await;
        let reject = d
            .service
            .reject(&d.supervisor, &t.key, "Not something we do", None)
            .await;
        if status == NEW || status == UNDER_REVIEW {
            assert_eq!(reject.unwrap().status, REJECTED, "{status}");
        } else {
            let err = reject.unwrap_err();
            assert!(
                matches!(
                    err,
                    ServiceError::Workflow(WorkflowError::NotAllowed { .. })
                ),
                "reject from {status}: {err:?}"
            );
            assert_eq!(version_of(&d, &t.key).await, t.version);
        }
    }
}

#[tokio::test]
async fn a_rejection_needs_a_note() {
    let d = TestDesk::new().await;
    let t = d.file("Temporary connection", "Service request").await;
    for note in ["", "   \n  "] {
        let err = d
            .service
            .reject(&d.supervisor, &t.key, note, None)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ServiceError::Invalid(i) if i.field == "note"),
            "{err:?}"
        );
    }
    let err = d
        .service
        .transition(&d.supervisor, &t.key, REJECTED, None, None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ServiceError::Invalid(i) if i.field == "note"),
        "{err:?}"
    );
    assert_eq!(version_of(&d, &t.key).await, t.version);
    assert_eq!(
        d.service
            .get_ticket_only(&d.customer, &t.key)
            .await
            .unwrap()
            .status,
        NEW
    );
}

#[tokio::test]
async fn approvals_and_rejections_show_in_the_timeline_for_the_customer() {
    let d = TestDesk::new().await;
    let supervisor = user(&d.supervisor).clone();
    let approved = d.file("Name change on account", "Service request").await;
    d.service
        .approve(
            &d.supervisor,
            &approved.key,
            Some("Documents check out"),
            None,
        )
        .await
        .unwrap();
    let rejected = d
        .file("Connection in a protected area", "Service request")
        .await;
    d.service
        .reject(
            &d.supervisor,
            &rejected.key,
            "  The site is outside our service area  ",
            None,
        )
        .await
        .unwrap();

    for (key, kind, note, status) in [
        (
            &approved.key,
            EventKind::Approved,
            "Documents check out",
            APPROVED,
        ),
        (
            &rejected.key,
            EventKind::Rejected,
            "The site is outside our service area",
            REJECTED,
        ),
    ] {
        for viewer in [&d.customer, &d.agent] {
            let view = d.service.get_ticket(viewer, key).await.unwrap();
            assert_eq!(view.ticket.status, status);
            let event = view
                .events
                .iter()
                .find(|e| e.kind == kind)
                .unwrap_or_else(|| panic!("{key}: no {kind:?} event in {:?}", view.events));
            assert_eq!(event.note.as_deref(), Some(note));
            assert_eq!(event.visibility, Visibility::Public);
            let actor = event.actor.as_ref().expect("an actor");
            assert_eq!(actor.id, supervisor.id);
            assert_eq!(actor.name, supervisor.name);
            assert_eq!(event.old.as_deref(), Some(NEW));
            assert_eq!(event.new.as_deref(), Some(status));
        }
    }

    // The customer's change feed carries both decisions too.
    let feed = d.service.changes(&d.customer, 0, None).await.unwrap();
    for (key, kind) in [
        (&approved.key, EventKind::Approved),
        (&rejected.key, EventKind::Rejected),
    ] {
        assert!(
            feed.events
                .iter()
                .any(|e| &e.ticket_key == key && e.kind == kind),
            "{key} {kind:?} missing from {:?}",
            feed.events
        );
    }
}

#[tokio::test]
async fn assigning_and_unassigning_moves_a_ticket_in_and_out_of_the_queue() {
    let d = TestDesk::new().await;
    let agent = email(&d.agent);

    let t = d.file("Cannot log in", "General").await;
    let t = d
        .service
        .assign(&d.agent, &t.key, Some(&agent), None)
        .await
        .unwrap();
    assert_eq!(t.status, ASSIGNED);
    assert_eq!(
        t.assignee.as_ref().map(|a| a.email.as_str()),
        Some("sarah@example.com")
    );
    let view = d.service.get_ticket(&d.customer, &t.key).await.unwrap();
    let kinds: Vec<EventKind> = view.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::Created,
            EventKind::Assigned,
            EventKind::StatusChanged
        ]
    );
    let t = d
        .service
        .assign(&d.agent, &t.key, None, None)
        .await
        .unwrap();
    assert_eq!(t.status, NEW);
    assert!(t.assignee.is_none());

    // An approved request goes back to approved, not to new.
    let t = d.file("New connection", "Service request").await;
    d.service
        .approve(&d.supervisor, &t.key, None, None)
        .await
        .unwrap();
    let t = d
        .service
        .assign(&d.agent, &t.key, Some(&agent), None)
        .await
        .unwrap();
    assert_eq!(t.status, ASSIGNED);
    let t = d
        .service
        .assign(&d.agent, &t.key, None, None)
        .await
        .unwrap();
    assert_eq!(t.status, APPROVED);
    assert!(t.approved_at.is_some());

    // Work in progress keeps its status when the assignee changes or leaves.
    let t = ticket_in(&d, IN_PROGRESS).await;
    let t = d
        .service
        .assign(&d.agent, &t.key, None, None)
        .await
        .unwrap();
    assert_eq!(t.status, IN_PROGRESS);
    assert!(t.assignee.is_none());

    // Assigning to whoever already has it changes nothing.
    let t = ticket_in(&d, ASSIGNED).await;
    let same = d
        .service
        .assign(&d.agent, &t.key, Some(&agent), None)
        .await
        .unwrap();
    assert_eq!(same.version, t.version);
}

#[tokio::test]
async fn resolving_and_closing_set_times_and_reopening_clears_them() {
    let d = TestDesk::new().await;
    let t = ticket_in(&d, IN_PROGRESS).await;
    assert!(t.resolved_at.is_none() && t.closed_at.is_none());

    let resolved = d
        .service
        .transition(&d.agent, &t.key, RESOLVED, Some("Replaced the toner"), None)
        .await
        .unwrap();
    assert!(resolved.resolved_at.is_some());
    assert!(resolved.closed_at.is_none());
    assert_eq!(resolved.status_class, StatusClass::Done);

    let closed = d
        .service
        .transition(&d.customer, &t.key, CLOSED, None, None)
        .await
        .unwrap();
    assert_eq!(
        closed.resolved_at, resolved.resolved_at,
        "closing keeps the resolution time"
    );
    assert!(closed.closed_at.is_some());

    // The customer cannot reopen a closed ticket; staff can.
    let err = d
        .service
        .transition(&d.customer, &t.key, IN_PROGRESS, None, None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ServiceError::Workflow(WorkflowError::Forbidden { .. })),
        "{err:?}"
    );
    let reopened = d
        .service
        .transition(&d.agent, &t.key, IN_PROGRESS, Some("Still broken"), None)
        .await
        .unwrap();
    assert_eq!(reopened.status, IN_PROGRESS);
    assert_eq!(reopened.status_class, StatusClass::Open);
    assert!(reopened.resolved_at.is_none());
    assert!(reopened.closed_at.is_none());
    // As stored, not only as returned.
    let stored = d.service.get_ticket_only(&d.agent, &t.key).await.unwrap();
    assert!(stored.resolved_at.is_none() && stored.closed_at.is_none());

    // Closing without resolving first still records when it was resolved.
    let t = d.file("Duplicate of another ticket", "General").await;
    let closed = d
        .service
        .transition(&d.agent, &t.key, CLOSED, Some("Duplicate"), None)
        .await
        .unwrap();
    assert!(closed.closed_at.is_some());
    assert_eq!(closed.resolved_at, closed.closed_at);

    // The requester reopening a resolved ticket clears the resolution time.
    let t = ticket_in(&d, RESOLVED).await;
    assert!(t.resolved_at.is_some());
    let reopened = d
        .service
        .transition(&d.customer, &t.key, IN_PROGRESS, None, None)
        .await
        .unwrap();
    assert!(reopened.resolved_at.is_none());

    // Rejection is a done state with no resolution: nothing was resolved.
    let t = d.file("Out of area", "Service request").await;
    let rejected = d
        .service
        .reject(&d.supervisor, &t.key, "Outside our area", None)
        .await
        .unwrap();
    assert_eq!(rejected.status_class, StatusClass::Done);
    assert!(rejected.resolved_at.is_none());
}
