//! Optimistic concurrency: a change based on an old version is refused with the news of
//! what changed meanwhile, and nothing of it is saved; writers without a version queue
//! up and all land.

use crate::common;

use common::TestDesk;
use desk::domain::model::{EventKind, Visibility};
use desk::domain::requests::TicketEdit;
use desk::service::ServiceError;

#[tokio::test]
async fn a_stale_edit_is_refused_with_who_changed_what_and_nothing_is_saved() {
    let d = TestDesk::new().await;
    let t = d.file("Printer on fire", "General").await;

    // Sarah and Mike both open the ticket at the same version.
    let sarahs = d.service.get_ticket(&d.agent, &t.key).await.unwrap();
    let mikes = d.service.get_ticket(&d.other_agent, &t.key).await.unwrap();
    let v = sarahs.ticket.version;
    assert_eq!(mikes.ticket.version, v);

    // Sarah saves first.
    let saved = d
        .service
        .edit_ticket(
            &d.agent,
            &t.key,
            TicketEdit {
                title: Some("Printer on fire in room 4".into()),
                priority: Some("Critical".into()),
                ..Default::default()
            },
            Some(v),
        )
        .await
        .unwrap();
    assert_eq!(saved.version, v + 1);

    // Mike's change, based on what he loaded, is refused.
    let before = d.service.get_ticket(&d.admin, &t.key).await.unwrap();
    let err = d
        .service
        .edit_ticket(
            &d.other_agent,
            &t.key,
            TicketEdit {
                title: Some("Printer smoking".into()),
                tags: Some(vec!["hardware".into()]),
                ..Default::default()
            },
            Some(v),
        )
        .await
        .unwrap_err();
    let message = err.to_string();
    let ServiceError::Conflict { current, missed } = err else {
        panic!("expected a conflict, got {err:?}");
    };
    assert_eq!(
        *current, saved,
        "the conflict carries the ticket as it is now"
    );
    assert_eq!(missed.len(), 2, "{missed:?}");
    assert!(
        missed
            .iter()
            .all(|e| e.actor.as_ref().map(|a| a.id) == d.agent.user_id())
    );
    for expected in [
        &t.key,
        "Sarah Johnson set title to Printer on fire in room 4",
        "Sarah Johnson set priority to Critical",
        &format!("now version {}", v + 1),
        "nothing was saved",
    ] {
        assert!(message.contains(expected), "`{expected}` not in: {message}");
    }

    // Nothing of Mike's change landed: same ticket, same timeline.
    let after = d.service.get_ticket(&d.admin, &t.key).await.unwrap();
    assert_eq!(after, before);
    assert_eq!(after.ticket.title, "Printer on fire in room 4");
    assert!(after.ticket.tags.is_empty());

    // Reloaded, Mike's change goes through.
    let merged = d
        .service
        .edit_ticket(
            &d.other_agent,
            &t.key,
            TicketEdit {
                tags: Some(vec!["hardware".into()]),
                ..Default::default()
            },
            Some(current.version),
        )
        .await
        .unwrap();
    assert_eq!(merged.version, v + 2);
    assert_eq!(merged.tags, ["hardware"]);
    assert_eq!(merged.title, "Printer on fire in room 4");
    assert_eq!(merged.priority, "Critical");
}

#[tokio::test]
async fn every_kind_of_write_checks_the_version() {
    let d = TestDesk::new().await;
    let t = d.file("Cannot log in", "General").await;
    let v = t.version;
    d.service
        .comment(&d.agent, &t.key, "Reset sent", Visibility::Public, Some(v))
        .await
        .unwrap();
    let before = d.service.get_ticket(&d.admin, &t.key).await.unwrap();

    let stale = [
        (
            "comment",
            d.service
                .comment(&d.customer, &t.key, "Thanks", Visibility::Public, Some(v))
                .await
                .map(|(t, _)| t),
        ),
        (
            "transition",
            d.service
                .transition(&d.other_agent, &t.key, "in_progress", None, Some(v))
                .await,
        ),
        (
            "assign",
            d.service
                .assign(&d.other_agent, &t.key, Some("mike@example.com"), Some(v))
                .await,
        ),
        (
            "add_tags",
            d.service
                .edit_ticket(
                    &d.other_agent,
                    &t.key,
                    TicketEdit {
                        add_tags: vec!["vip".into()],
                        ..Default::default()
                    },
                    Some(v),
                )
                .await,
        ),
        (
            "remove_tags",
            d.service
                .edit_ticket(
                    &d.other_agent,
                    &t.key,
                    TicketEdit {
                        remove_tags: vec!["vip".into()],
                        ..Default::default()
                    },
                    Some(v),
                )
                .await,
        ),
        (
            "approve",
            d.service
                .approve(&d.supervisor, &t.key, None, Some(v))
                .await,
        ),
        (
            "reject",
            d.service.reject(&d.supervisor, &t.key, "No", Some(v)).await,
        ),
    ];
    for (op, r) in stale {
        match r {
            Err(ServiceError::Conflict { current, missed }) => {
                assert_eq!(current.version, v + 1, "{op}");
                assert_eq!(missed.len(), 1, "{op}: {missed:?}");
                assert_eq!(missed[0].kind, EventKind::Commented, "{op}");
                assert_eq!(missed[0].actor.as_ref().unwrap().name, "Sarah Johnson");
            }
            other => panic!("{op}: expected a conflict, got {other:?}"),
        }
    }
    assert_eq!(
        d.service.get_ticket(&d.admin, &t.key).await.unwrap(),
        before
    );

    // A version from the future is just as stale.
    let r = d
        .service
        .transition(&d.agent, &t.key, "in_progress", None, Some(v + 5))
        .await;
    assert!(matches!(r, Err(ServiceError::Conflict { .. })), "{r:?}");

    // With the current version each goes through.
    let (t2, _) = d
        .service
        .comment(
            &d.customer,
            &t.key,
            "Thanks",
            Visibility::Public,
            Some(v + 1),
        )
        .await
        .unwrap();
    let t3 = d
        .service
        .transition(&d.agent, &t.key, "in_progress", None, Some(t2.version))
        .await
        .unwrap();
    assert_eq!(t3.version, v + 3);
}

#[tokio::test]
async fn a_conflict_message_says_what_happened_in_words() {
    let d = TestDesk::new().await;
    let t = d.file("Cannot log in", "General").await;
    d.service
        .comment(&d.agent, &t.key, "Reset sent", Visibility::Public, None)
        .await
        .unwrap();
    d.service
        .transition(&d.agent, &t.key, "in_progress", None, None)
        .await
        .unwrap();
    let err = d
        .service
        .comment(
            &d.customer,
            &t.key,
            "Thanks",
            Visibility::Public,
            Some(t.version),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Conflict { .. }), "{err:?}");
    let message = err.to_string();
    // A reply is news that Sarah commented, not that she "set comment to <row id>".
    assert!(
        message.contains("Sarah Johnson commented") || message.contains("Sarah Johnson: commented"),
        "{message}"
    );
    assert!(!message.contains("set comment to"), "{message}");
    assert!(
        message.contains("Sarah Johnson set status to in_progress"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_without_a_version_all_land() {
    let d = TestDesk::new().await;
    let t = d.file("Busy ticket", "General").await;
    assert_eq!(t.version, 1);
    let writers = [&d.agent, &d.other_agent, &d.supervisor, &d.customer];
    let mut tasks = Vec::new();
    for i in 0..20 {
        let service = d.service.clone();
        let actor = writers[i % writers.len()].clone();
        let key = t.key.clone();
        tasks.push(tokio::spawn(async move {
            service
                .comment(
                    &actor,
                    &key,
                    &format!("comment {i}"),
                    Visibility::Public,
                    None,
                )
                .await
        }));
    }
    for task in tasks {
        task.await.expect("task").expect("comment");
    }
    let view = d.service.get_ticket(&d.admin, &t.key).await.unwrap();
    assert_eq!(view.ticket.version, 1 + 20);
    assert_eq!(view.comments.len(), 20);
    let mut bodies: Vec<String> = view.comments.iter().map(|c| c.body.clone()).collect();
    bodies.sort();
    let mut expected: Vec<String> = (0..20).map(|i| format!("comment {i}")).collect();
    expected.sort();
    assert_eq!(bodies, expected);
    // One created event plus one per comment, in strictly increasing sequence.
    assert_eq!(view.events.len(), 21);
    assert!(view.events.windows(2).all(|p| p[0].seq < p[1].seq));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_with_the_same_version_one_wins() {
    let d = TestDesk::new().await;
    let t = d.file("Contended ticket", "General").await;
    let mut tasks = Vec::new();
    for i in 0..10 {
        let service = d.service.clone();
        let actor = d.agent.clone();
        let key = t.key.clone();
        tasks.push(tokio::spawn(async move {
            service
                .edit_ticket(
                    &actor,
                    &key,
                    TicketEdit {
                        title: Some(format!("Title {i}")),
                        ..Default::default()
                    },
                    Some(1),
                )
                .await
        }));
    }
    let mut won = Vec::new();
    for task in tasks {
        match task.await.expect("task") {
            Ok(t) => won.push(t),
            Err(ServiceError::Conflict { current, .. }) => assert_eq!(current.version, 2),
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(won.len(), 1, "exactly one writer wins");
    let stored = d.service.get_ticket_only(&d.admin, &t.key).await.unwrap();
    assert_eq!(stored, won[0]);
}

#[tokio::test]
async fn a_customers_conflict_never_reveals_internal_changes() {
    let d = TestDesk::new().await;
    let t = d.file("Parcel never arrived", "General").await;
    let v = d
        .service
        .get_ticket(&d.customer, &t.key)
        .await
        .unwrap()
        .ticket
        .version;

    // Meanwhile staff write things customers must never see.
    d.service
        .comment(
            &d.agent,
            &t.key,
            "Courier flagged this customer for fraud",
            Visibility::Internal,
            None,
        )
        .await
        .unwrap();
    d.service
        .edit_ticket(
            &d.agent,
            &t.key,
            TicketEdit {
                tags: Some(vec!["fraud-watch".into()]),
                custom_fields: Some(
                    [(
                        "courier_note".to_string(),
                        serde_json::json!("left at 12 Hidden Lane"),
                    )]
                    .into(),
                ),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    d.service
        .comment(
            &d.agent,
            &t.key,
            "We are checking",
            Visibility::Public,
            None,
        )
        .await
        .unwrap();

    let err = d
        .service
        .comment(
            &d.customer,
            &t.key,
            "Any news?",
            Visibility::Public,
            Some(v),
        )
        .await
        .unwrap_err();
    let message = err.to_string();
    let ServiceError::Conflict { missed, .. } = err else {
        panic!("expected a conflict, got {err:?}");
    };
    for e in &missed {
        assert_eq!(
            e.visibility,
            Visibility::Public,
            "a customer was told about an internal change: {e:?}"
        );
    }
    for secret in ["fraud", "Hidden Lane", "courier_note"] {
        assert!(
            !message.contains(secret),
            "`{secret}` leaked to the customer: {message}"
        );
    }
    // The public reply they missed is still named.
    assert!(missed.iter().any(|e| e.field.as_deref() == Some("comment")));
}
