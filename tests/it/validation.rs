//! Bad input gets a typed error naming the field (and, for names, listing what exists);
//! nothing panics and nothing is written.

use crate::common;

use common::TestDesk;
use desk::domain::model::{Category, Priority, Role, Visibility};
use desk::domain::requests::{NewTicket, TicketEdit};
use desk::domain::workflow::WorkflowError;
use desk::service::{NewUser, ServiceError};

/// Everything a refused write could have touched.
async fn fingerprint(d: &TestDesk) -> String {
    let s = &d.service;
    let changes = s.changes(&d.admin, 0, None).await.unwrap();
    let tickets = s.list_tickets(&d.admin, "", Some(500), None).await.unwrap();
    format!(
        "{} events, last {}; tickets {:?}; categories {:?}; priorities {:?}; statuses {:?}; users {:?}",
        changes.events.len(),
        changes.last_seq,
        tickets
            .tickets
            .iter()
            .map(|t| (&t.key, t.version))
            .collect::<Vec<_>>(),
        s.categories().await.unwrap(),
        s.priorities().await.unwrap(),
        s.statuses().await.unwrap(),
        s.users(&d.admin).await.unwrap(),
    )
}

#[track_caller]
fn expect_invalid<T: std::fmt::Debug>(
    what: &str,
    r: Result<T, ServiceError>,
    field: &str,
    mentions: &[&str],
) {
    match r {
        Err(ServiceError::Invalid(i)) => {
            assert_eq!(i.field, field, "{what}: {i}");
            for m in mentions {
                assert!(
                    i.message.contains(m),
                    "{what}: `{m}` not in `{}`",
                    i.message
                );
            }
        }
        other => panic!("{what}: expected Invalid({field}), got {other:?}"),
    }
}

fn titled(title: &str) -> NewTicket {
    NewTicket {
        title: title.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn bad_ticket_input_names_the_field_and_writes_nothing() {
    let d = TestDesk::new().await;
    let t = d.file("Printer on fire", "General").await;
    let key = t.key.as_str();
    let s = &d.service;
    let before = fingerprint(&d).await;

    // Titles.
    expect_invalid(
        "empty title",
        s.create_ticket(&d.customer, titled("")).await,
        "title",
        &["required"],
    );
    expect_invalid(
        "blank title",
        s.create_ticket(&d.customer, titled(" \n\t ")).await,
        "title",
        &["required"],
    );
    expect_invalid(
        "201-char title",
        s.create_ticket(&d.customer, titled(&"x".repeat(201))).await,
        "title",
        &["201", "200"],
    );
    expect_invalid(
        "201 multi-byte characters",
        s.create_ticket(&d.customer, titled(&"é".repeat(201))).await,
        "title",
        &["201"],
    );
    expect_invalid(
        "control characters",
        s.create_ticket(&d.customer, titled("bell\u{7} rings"))
            .await,
        "title",
        &["control"],
    );
    expect_invalid(
        "edit to an empty title",
        s.edit_ticket(
            &d.agent,
            key,
            TicketEdit {
                title: Some("  ".into()),
                ..Default::default()
            },
            None,
        )
        .await,
        "title",
        &["required"],
    );
    expect_invalid(
        "long description",
        s.create_ticket(
            &d.customer,
            NewTicket {
                description: "d".repeat(50_001),
                ..titled("Long")
            },
        )
        .await,
        "description",
        &["50000"],
    );

    // Requesters.
    for bad in ["not-an-email", "jane@", "jane smith@example.com", "a@b"] {
        expect_invalid(
            bad,
            s.create_ticket(
                &d.agent,
                NewTicket {
                    requester_email: Some(bad.into()),
                    ..titled("On behalf")
                },
            )
            .await,
            "requester_email",
            &["not an email"],
        );
    }
    expect_invalid(
        "long requester name",
        s.create_ticket(
            &d.agent,
            NewTicket {
                requester_email: Some("walk.in@example.com".into()),
                requester_name: Some("n".repeat(121)),
                ..titled("On behalf")
            },
        )
        .await,
        "requester_name",
        &["120"],
    );

    // Reference names list what exists.
    expect_invalid(
        "unknown category",
        s.create_ticket(
            &d.customer,
            NewTicket {
                category: Some("Plumbing".into()),
                ..titled("Leak")
            },
        )
        .await,
        "category",
        &["Plumbing", "General", "Service request"],
    );
    expect_invalid(
        "unknown priority",
        s.create_ticket(
            &d.customer,
            NewTicket {
                priority: Some("Urgent".into()),
                ..titled("Leak")
            },
        )
        .await,
        "priority",
        &["Urgent", "Critical", "High", "Medium", "Low"],
    );
    expect_invalid(
        "edit to an unknown category",
        s.edit_ticket(
            &d.agent,
            key,
            TicketEdit {
                category: Some("Plumbing".into()),
                ..Default::default()
            },
            None,
        )
        .await,
        "category",
        &["General", "Service request"],
    );
    expect_invalid(
        "edit to an unknown priority",
        s.edit_ticket(
            &d.agent,
            key,
            TicketEdit {
                priority: Some("P0".into()),
                ..Default::default()
            },
            None,
        )
        .await,
        "priority",
        &["Critical", "Low"],
    );
    expect_invalid(
        "an edit of nothing",
        s.edit_ticket(&d.agent, key, TicketEdit::default(), None)
            .await,
        "edit",
        &[],
    );

    // Tags and custom fields.
    expect_invalid(
        "tag with a space",
        s.create_ticket(
            &d.customer,
            NewTicket {
                tags: vec!["vip".into(), "two words".into()],
                ..titled("Tagged")
            },
        )
        .await,
        "tags",
        &["two words", "spaces"],
    );
    expect_invalid(
        "adding a tag with a space",
        s.edit_ticket(
            &d.agent,
            key,
            TicketEdit {
                add_tags: vec!["on fire".into()],
                ..Default::default()
            },
            None,
        )
        .await,
        "add_tags",
        &["spaces"],
    );
    expect_invalid(
        "replacing the tags and adding to them at once",
        s.edit_ticket(
            &d.agent,
            key,
            TicketEdit {
                tags: Some(vec!["a".into()]),
                add_tags: vec!["b".into()],
                ..Default::default()
            },
            None,
        )
        .await,
        "tags",
        &["not both"],
    );
    expect_invalid(
        "adding and removing the same tag",
        s.edit_ticket(
            &d.agent,
            key,
            TicketEdit {
                add_tags: vec!["VIP".into()],
                remove_tags: vec!["vip".into()],
                ..Default::default()
            },
            None,
        )
        .await,
        "tags",
        &["both added and removed"],
    );
    expect_invalid(
        "adding a tag with a comma",
        s.edit_ticket(
            &d.agent,
            key,
            TicketEdit {
                add_tags: vec!["a,b".into()],
                ..Default::default()
            },
            None,
        )
        .await,
        "add_tags",
        &["commas"],
    );
    expect_invalid(
        "setting an empty tag",
        s.edit_ticket(
            &d.agent,
            key,
            TicketEdit {
                tags: Some(vec!["ok".into(), "  ".into()]),
                ..Default::default()
            },
            None,
        )
        .await,
        "tags",
        &["empty"],
    );
    expect_invalid(
        "custom field key with a space",
        s.create_ticket(
            &d.customer,
            NewTicket {
                custom_fields: [("trip id".to_string(), serde_json::json!("T-1"))].into(),
                ..titled("Trip")
            },
        )
        .await,
        "custom_fields",
        &["trip id"],
    );
    expect_invalid(
        "editing in a custom field key with a space",
        s.edit_ticket(
            &d.agent,
            key,
            TicketEdit {
                custom_fields: Some([("room no".to_string(), serde_json::json!(4))].into()),
                ..Default::default()
            },
            None,
        )
        .await,
        "custom_fields",
        &["room no"],
    );

    // Comments and notes.
    for body in ["", "   \n "] {
        expect_invalid(
            "empty comment",
            s.comment(&d.customer, key, body, Visibility::Public, None)
                .await,
            "body",
            &["required"],
        );
    }
    expect_invalid(
        "long comment",
        s.comment(&d.agent, key, &"c".repeat(20_001), Visibility::Public, None)
            .await,
        "body",
        &["20000"],
    );
    expect_invalid(
        "long transition note",
        s.transition(&d.agent, key, "in_progress", Some(&"n".repeat(5_001)), None)
            .await,
        "note",
        &["5000"],
    );
    let request = d.file("New connection", "Service request").await;
    let before_request = fingerprint(&d).await;
    expect_invalid(
        "reject without a note",
        s.reject(&d.supervisor, &request.key, "  ", None).await,
        "note",
        &[],
    );
    expect_invalid(
        "reject through transition without a note",
        s.transition(&d.supervisor, &request.key, "rejected", None, None)
            .await,
        "note",
        &[],
    );

    // Assignees.
    expect_invalid(
        "assignee that is not an email",
        s.assign(&d.agent, key, Some("sarah"), None).await,
        "assignee",
        &[],
    );
    expect_invalid(
        "a customer as assignee",
        s.assign(&d.agent, key, Some("jane@example.com"), None)
            .await,
        "assignee",
        &["jane@example.com"],
    );

    assert_eq!(fingerprint(&d).await, before_request, "a refusal wrote");
    // The only change since `before` is the request filed above.
    assert_ne!(before, before_request);

    // At the limit, it is accepted.
    let ok = s
        .create_ticket(&d.customer, titled(&"x".repeat(200)))
        .await
        .unwrap();
    assert_eq!(ok.title.chars().count(), 200);
}

#[tokio::test]
async fn an_unknown_status_names_the_known_ones() {
    let d = TestDesk::new().await;
    let t = d.file("Printer on fire", "General").await;
    let before = fingerprint(&d).await;
    let err = d
        .service
        .transition(&d.agent, &t.key, "done", None, None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ServiceError::Invalid(i) if i.field == "status")
            || matches!(
                &err,
                ServiceError::Workflow(WorkflowError::UnknownStatus(_))
            ),
        "{err:?}"
    );
    let message = err.to_string();
    for known in [
        "done",
        "new",
        "in_progress",
        "waiting_on_customer",
        "closed",
    ] {
        assert!(
            message.contains(known),
            "`{known}` not in `{message}`: an unknown status should list the known ones"
        );
    }
    assert_eq!(fingerprint(&d).await, before);
}

#[tokio::test]
async fn bad_queries_and_cursors_say_where_and_what() {
    let d = TestDesk::new().await;
    d.file("Printer on fire", "General").await;
    let s = &d.service;
    let before = fingerprint(&d).await;

    for (q, mentions) in [
        ("status:", vec!["column 8", "missing value"]),
        (
            "status:open stauts:new",
            vec!["column 13", "stauts", "status"],
        ),
        ("\"unterminated", vec!["column 1", "quote"]),
        ("created:7d", vec!["column 9", "comparison"]),
        ("created:>7x", vec!["column 10"]),
        ("sla:late", vec!["column 5", "breached"]),
        ("tag:a,,b", vec!["column", "empty value"]),
        ("- tag:x", vec!["column 2", "missing term"]),
    ] {
        expect_invalid(
            q,
            s.list_tickets(&d.agent, q, None, None).await,
            "q",
            &mentions,
        );
        expect_invalid(q, s.count_tickets(&d.agent, q).await, "q", &mentions);
        expect_invalid(
            q,
            s.list_tickets(&d.customer, q, None, None).await,
            "q",
            &mentions,
        );
    }
    // Names that parse but mean nothing list what exists.
    expect_invalid(
        "unknown status in a query",
        s.list_tickets(&d.agent, "status:finished", None, None)
            .await,
        "q",
        &["finished", "open", "pending", "done", "in_progress"],
    );
    expect_invalid(
        "unknown priority in a query",
        s.list_tickets(&d.agent, "priority:urgent", None, None)
            .await,
        "q",
        &["urgent", "Critical", "Low"],
    );
    expect_invalid(
        "unknown category in a query",
        s.list_tickets(&d.agent, "category:plumbing", None, None)
            .await,
        "q",
        &["plumbing", "General", "Service request"],
    );
    expect_invalid(
        "a key from another desk",
        s.list_tickets(&d.agent, "key:SRV-1", None, None).await,
        "q",
        &["SRV-1", "TKT-42"],
    );
    expect_invalid(
        "bad cursor",
        s.list_tickets(&d.agent, "", None, Some("not-a-cursor"))
            .await,
        "cursor",
        &[],
    );
    assert_eq!(fingerprint(&d).await, before);
}

#[tokio::test]
async fn bad_reference_and_people_input_names_the_field() {
    let d = TestDesk::new().await;
    let s = &d.service;
    let before = fingerprint(&d).await;
    let category = |name: &str, sla_hours: Option<f64>| Category {
        id: 0,
        name: name.into(),
        description: String::new(),
        sla_hours,
        requires_approval: false,
        active: true,
    };
    expect_invalid(
        "empty category name",
        s.save_category(&d.admin, category(" ", None)).await,
        "name",
        &["required"],
    );
    for hours in [0.0, -1.0, f64::NAN, 24.0 * 366.0] {
        expect_invalid(
            "category hours",
            s.save_category(&d.admin, category("Plumbing", Some(hours)))
                .await,
            "sla_hours",
            &[],
        );
    }
    let r = s.save_category(&d.admin, category("general", None)).await;
    assert!(matches!(r, Err(ServiceError::Duplicate(_))), "{r:?}");
    let priority = |response_hours: f64, resolution_hours: f64| Priority {
        id: 0,
        name: "Blocker".into(),
        rank: 0,
        color: "red".into(),
        response_hours,
        resolution_hours,
    };
    expect_invalid(
        "priority response hours",
        s.save_priority(&d.admin, priority(0.0, 1.0)).await,
        "response_hours",
        &[],
    );
    expect_invalid(
        "priority resolution hours",
        s.save_priority(&d.admin, priority(1.0, -2.0)).await,
        "resolution_hours",
        &[],
    );
    expect_invalid(
        "priority colour",
        s.save_priority(
            &d.admin,
            Priority {
                color: "".into(),
                ..priority(1.0, 2.0)
            },
        )
        .await,
        "color",
        &[],
    );
    expect_invalid(
        "status name",
        s.rename_status(&d.admin, "new", "").await,
        "name",
        &[],
    );
    let r = s.rename_status(&d.admin, "finished", "Finished").await;
    assert!(matches!(r, Err(ServiceError::NotFound { .. })), "{r:?}");
    expect_invalid(
        "user email",
        s.create_user(
            &d.admin,
            NewUser {
                email: "eve at example.com".into(),
                name: "Eve".into(),
                role: Role::Agent,
            },
        )
        .await,
        "email",
        &["eve at example.com"],
    );
    expect_invalid(
        "user name",
        s.create_user(
            &d.admin,
            NewUser {
                email: "eve@example.com".into(),
                name: "".into(),
                role: Role::Agent,
            },
        )
        .await,
        "name",
        &[],
    );
    let r = s
        .create_user(
            &d.admin,
            NewUser {
                email: "JANE@example.com".into(),
                name: "Jane Again".into(),
                role: Role::Customer,
            },
        )
        .await;
    assert!(matches!(r, Err(ServiceError::Duplicate(_))), "{r:?}");
    let r = s.update_user(&d.admin, 9999, Default::default()).await;
    assert!(matches!(r, Err(ServiceError::NotFound { .. })), "{r:?}");
    assert_eq!(fingerprint(&d).await, before);
}
