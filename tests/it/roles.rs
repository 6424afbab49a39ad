//! Every role against every operation: who may, who may not, and what a refusal looks
//! like. Customers asking about someone else's ticket are told it does not exist.

use crate::common;

use common::{TestDesk, user};
use desk::domain::model::{Category, EventKind, Priority, Role, Ticket, Visibility};
use desk::domain::requests::{NewTicket, TicketEdit};
use desk::domain::workflow::WorkflowError;
use desk::service::{Actor, NewUser, ServiceError, UserPatch};

const CONTACT: &str = "pat@example.org";

fn contact() -> Actor {
    Actor::Contact {
        email: CONTACT.into(),
    }
}

fn new_ticket(title: &str) -> NewTicket {
    NewTicket {
        title: title.into(),
        description: format!("{title}, please help"),
        ..Default::default()
    }
}

fn is_forbidden(r: &Result<impl std::fmt::Debug, ServiceError>) -> bool {
    matches!(r, Err(ServiceError::Forbidden(_)))
}

fn is_not_found(r: &Result<impl std::fmt::Debug, ServiceError>) -> bool {
    matches!(r, Err(ServiceError::NotFound { .. }))
}

/// A desk with a ticket filed by the customer (`mine`) and one by a contact without an
/// account (`contact_ticket`).
struct World {
    d: TestDesk,
    mine: Ticket,
    contact_ticket: Ticket,
}

async fn world() -> World {
    let d = TestDesk::new().await;
    let mine = d.file("Printer on fire", "General").await;
    let contact_ticket = d
        .service
        .create_ticket(&contact(), new_ticket("Tracker page is blank"))
        .await
        .unwrap();
    World {
        d,
        mine,
        contact_ticket,
    }
}

impl World {
    /// Everyone, with whether they are staff.
    fn everyone(&self) -> Vec<(&'static str, Actor)> {
        vec![
            ("customer", self.d.customer.clone()),
            ("other customer", self.d.other_customer.clone()),
            ("contact", contact()),
            ("agent", self.d.agent.clone()),
            ("supervisor", self.d.supervisor.clone()),
            ("admin", self.d.admin.clone()),
        ]
    }

    async fn version(&self, key: &str) -> i64 {
        self.d
            .service
            .get_ticket_only(&self.d.admin, key)
            .await
            .unwrap()
            .version
    }
}

#[tokio::test]
async fn everyone_may_file_but_only_staff_for_someone_else() {
    let w = world().await;
    let s = &w.d.service;
    for (who, actor) in w.everyone() {
        let t = s
            .create_ticket(&actor, new_ticket(&format!("Filed by {who}")))
            .await
            .unwrap_or_else(|e| panic!("{who}: {e}"));
        assert_eq!(t.requester.email, actor.email(), "{who}");
        assert_eq!(t.requester.user_id, actor.user_id(), "{who}");
        // The filer can read it back.
        s.get_ticket(&actor, &t.key).await.unwrap();
    }

    // Customers and contacts file for themselves only.
    for actor in [&w.d.customer, &contact()] {
        let r = s
            .create_ticket(
                actor,
                NewTicket {
                    requester_email: Some("someone.else@example.com".into()),
                    ..new_ticket("On behalf")
                },
            )
            .await;
        assert!(is_forbidden(&r), "{r:?}");
    }

    // Staff file for a contact, or for an account, which is then linked.
    let for_contact = s
        .create_ticket(
            &w.d.agent,
            NewTicket {
                requester_email: Some("Walk.In@Example.org".into()),
                requester_name: Some("Walk In".into()),
                ..new_ticket("Phoned in")
            },
        )
        .await
        .unwrap();
    assert_eq!(for_contact.requester.email, "walk.in@example.org");
    assert_eq!(for_contact.requester.user_id, None);
    let for_jane = s
        .create_ticket(
            &w.d.agent,
            NewTicket {
                requester_email: Some("jane@example.com".into()),
                ..new_ticket("Phoned in by Jane")
            },
        )
        .await
        .unwrap();
    assert_eq!(for_jane.requester.user_id, w.d.customer.user_id());
    s.get_ticket(&w.d.customer, &for_jane.key).await.unwrap();
    let r = s.get_ticket(&w.d.other_customer, &for_jane.key).await;
    assert!(is_not_found(&r), "{r:?}");
}

#[tokio::test]
async fn customers_see_only_their_own_tickets_and_are_told_others_do_not_exist() {
    let w = world().await;
    let s = &w.d.service;
    let mine = w.mine.key.as_str();
    let theirs = w.contact_ticket.key.as_str();
    let readers: [(&str, Actor, bool, bool); 6] = [
        ("customer", w.d.customer.clone(), true, false),
        ("other customer", w.d.other_customer.clone(), false, false),
        ("contact", contact(), false, true),
        ("agent", w.d.agent.clone(), true, true),
        ("supervisor", w.d.supervisor.clone(), true, true),
        ("admin", w.d.admin.clone(), true, true),
    ];
    for (who, actor, sees_mine, sees_contact) in readers {
        for (key, sees) in [(mine, sees_mine), (theirs, sees_contact)] {
            let view = s.get_ticket(&actor, key).await;
            let only = s.get_ticket_only(&actor, key).await;
            let allowed = s.allowed_transitions(&actor, key).await;
            if sees {
                assert_eq!(view.unwrap().ticket.key, key, "{who} {key}");
                assert_eq!(only.unwrap().key, key, "{who} {key}");
                allowed.unwrap();
            } else {
                assert!(is_not_found(&view), "{who} {key}: {view:?}");
                assert!(is_not_found(&only), "{who} {key}: {only:?}");
                assert!(is_not_found(&allowed), "{who} {key}: {allowed:?}");
            }
        }
        // A key that does not exist answers the same as someone else's ticket.
        for missing in ["TKT-999", "nonsense", "SRV-1"] {
            let r = s.get_ticket(&actor, missing).await;
            assert!(is_not_found(&r), "{who} {missing}: {r:?}");
        }
    }

    // Writes on someone else's ticket are answered NotFound as well, never Forbidden.
    let other = &w.d.other_customer;
    let r = s
        .comment(other, mine, "Me too", Visibility::Public, None)
        .await;
    assert!(is_not_found(&r), "{r:?}");
    let r = s.transition(other, mine, "closed", None, None).await;
    assert!(is_not_found(&r), "{r:?}");
    let r = s
        .comment(&contact(), mine, "Me too", Visibility::Public, None)
        .await;
    assert!(is_not_found(&r), "{r:?}");
    let r = s
        .comment(&w.d.customer, theirs, "Hi", Visibility::Public, None)
        .await;
    assert!(is_not_found(&r), "{r:?}");
    assert_eq!(w.version(mine).await, w.mine.version);
    assert_eq!(w.version(theirs).await, w.contact_ticket.version);
}

#[tokio::test]
async fn a_contact_owns_only_tickets_filed_without_an_account() {
    let w = world().await;
    let s = &w.d.service;
    // An account's ticket is not readable by someone who only claims the same email.
    let impostor = Actor::Contact {
        email: "jane@example.com".into(),
    };
    let r = s.get_ticket(&impostor, &w.mine.key).await;
    assert!(is_not_found(&r), "{r:?}");
    // Contacts cannot list or follow the change feed: they track one ticket by key.
    let r = s.list_tickets(&contact(), "", None, None).await;
    assert!(is_forbidden(&r), "{r:?}");
    let r = s.count_tickets(&contact(), "").await;
    assert!(is_forbidden(&r), "{r:?}");
    let r = s.changes(&contact(), 0, None).await;
    assert!(is_forbidden(&r), "{r:?}");
    // They reply publicly on their own ticket.
    let (_, c) = s
        .comment(
            &contact(),
            &w.contact_ticket.key,
            "Still blank today",
            Visibility::Public,
            None,
        )
        .await
        .unwrap();
    assert_eq!(c.author, None);
    assert_eq!(c.author_email.as_deref(), Some(CONTACT));
}

#[tokio::test]
async fn a_contact_email_is_matched_regardless_of_case() {
    // Emails identify people and are folded everywhere else (accounts, requester_email,
    // queries); a contact who typed capitals must still find and be found by their
    // ticket.
    let d = TestDesk::new().await;
    let shouting = Actor::Contact {
        email: "Pat.Lee@Example.ORG".into(),
    };
    let t = d
        .service
        .create_ticket(&shouting, new_ticket("Tracker page is blank"))
        .await
        .unwrap();
    let found = d
        .service
        .list_tickets(&d.agent, "requester:pat.lee@example.org", None, None)
        .await
        .unwrap();
    assert_eq!(
        found.tickets.iter().map(|t| &t.key).collect::<Vec<_>>(),
        [&t.key],
        "an agent searching by the contact's email finds the ticket"
    );
    assert_eq!(t.requester.email, "pat.lee@example.org");
    // The contact follows their ticket however they type their address.
    d.service.get_ticket(&shouting, &t.key).await.unwrap();
    let same_person = Actor::Contact {
        email: "pat.lee@example.org".into(),
    };
    d.service.get_ticket(&same_person, &t.key).await.unwrap();
    // Giving their own address (as a form would) is not filing for someone else.
    d.service
        .create_ticket(
            &shouting,
            NewTicket {
                requester_email: Some("Pat.Lee@Example.ORG".into()),
                ..new_ticket("Second try")
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn only_staff_edit_tag_and_assign() {
    let w = world().await;
    let s = &w.d.service;
    let key = w.mine.key.as_str();
    let edit = || TicketEdit {
        priority: Some("High".into()),
        ..Default::default()
    };
    for (who, actor) in w.everyone() {
        let staff = actor.is_staff();
        let edited = s.edit_ticket(&actor, key, edit(), None).await;
        let tag = |add: bool| TicketEdit {
            add_tags: if add { vec!["vip".into()] } else { vec![] },
            remove_tags: if add { vec![] } else { vec!["vip".into()] },
            ..Default::default()
        };
        let tagged = s.edit_ticket(&actor, key, tag(true), None).await;
        let untagged = s.edit_ticket(&actor, key, tag(false), None).await;
        let assigned = s.assign(&actor, key, None, None).await;
        if staff {
            edited.unwrap_or_else(|e| panic!("{who}: {e}"));
            tagged.unwrap_or_else(|e| panic!("{who}: {e}"));
            untagged.unwrap_or_else(|e| panic!("{who}: {e}"));
            assigned.unwrap_or_else(|e| panic!("{who}: {e}"));
        } else {
            // The refusal does not depend on whose ticket it is, so it reveals nothing.
            for r in [&edited, &tagged, &untagged, &assigned] {
                assert!(is_forbidden(r), "{who}: {r:?}");
            }
            let missing = s.edit_ticket(&actor, "TKT-999", edit(), None).await;
            assert!(is_forbidden(&missing), "{who}: {missing:?}");
        }
    }
    let t = s.get_ticket_only(&w.d.admin, key).await.unwrap();
    assert_eq!(t.priority, "High");
    assert!(t.tags.is_empty());
}

#[tokio::test]
async fn customers_filing_decide_no_more_than_they_may_edit() {
    let w = world().await;
    let s = &w.d.service;
    let asking = || NewTicket {
        priority: Some("Critical".into()),
        tags: vec!["vip".into(), "refund".into()],
        custom_fields: [("order".to_string(), serde_json::json!("A-17"))].into(),
        ..new_ticket("Charged twice")
    };
    for (who, actor) in w.everyone() {
        let t = s
            .create_ticket(&actor, asking())
            .await
            .unwrap_or_else(|e| panic!("{who}: {e}"));
        assert_eq!(t.custom_fields["order"], "A-17", "{who}");
        if actor.is_staff() {
            assert_eq!(t.priority, "Critical", "{who}");
            assert_eq!(t.tags, ["refund", "vip"], "{who}");
            assert!(!t.custom_fields.contains_key("requested_priority"), "{who}");
        } else {
            // Triage is staff's: the customer's wish is kept for them, not applied.
            assert_eq!(t.priority, "Medium", "{who}");
            assert!(t.tags.is_empty(), "{who}: {:?}", t.tags);
            assert_eq!(t.custom_fields["requested_priority"], "Critical", "{who}");
            assert_eq!(
                t.custom_fields["requested_tags"],
                serde_json::json!(["refund", "vip"])
            );
            for field in ["supervisor_notes", "requested_priority"] {
                let r = s
                    .create_ticket(
                        &actor,
                        NewTicket {
                            custom_fields: [(field.to_string(), serde_json::json!("approved"))]
                                .into(),
                            ..new_ticket("Self-approved")
                        },
                    )
                    .await;
                assert!(is_forbidden(&r), "{who} {field}: {r:?}");
            }
        }
    }
}

#[tokio::test]
async fn customers_move_only_their_own_resolved_tickets() {
    let w = world().await;
    let s = &w.d.service;
    let key = w.mine.key.as_str();
    assert_eq!(
        s.allowed_transitions(&w.d.customer, key).await.unwrap(),
        Vec::<String>::new()
    );
    let r = s
        .transition(&w.d.customer, key, "in_progress", None, None)
        .await;
    assert!(
        matches!(
            r,
            Err(ServiceError::Workflow(WorkflowError::Forbidden { .. }))
        ),
        "{r:?}"
    );
    let agent_offers = s.allowed_transitions(&w.d.agent, key).await.unwrap();
    assert!(agent_offers.contains(&"in_progress".to_string()));
    assert!(!agent_offers.contains(&"approved".to_string()));
    let supervisor_offers = s.allowed_transitions(&w.d.supervisor, key).await.unwrap();
    assert!(supervisor_offers.contains(&"approved".to_string()));

    s.transition(&w.d.agent, key, "resolved", None, None)
        .await
        .unwrap();
    assert_eq!(
        s.allowed_transitions(&w.d.customer, key).await.unwrap(),
        ["in_progress", "closed"]
    );
    let closed = s
        .transition(&w.d.customer, key, "closed", Some("Thanks!"), None)
        .await
        .unwrap();
    assert_eq!(closed.status, "closed");
}

#[tokio::test]
async fn only_supervisors_and_admins_decide() {
    let w = world().await;
    let s = &w.d.service;
    for (who, actor) in w.everyone() {
        let t =
            w.d.file(&format!("Request for {who}"), "Service request")
                .await;
        let approve = s.approve(&actor, &t.key, None, None).await;
        let t2 =
            w.d.file(&format!("Other request for {who}"), "Service request")
                .await;
        let reject = s.reject(&actor, &t2.key, "No budget", None).await;
        if actor.role().is_supervisor() {
            assert_eq!(approve.unwrap().status, "approved", "{who}");
            assert_eq!(reject.unwrap().status, "rejected", "{who}");
        } else {
            assert!(is_forbidden(&approve), "{who}: {approve:?}");
            assert!(is_forbidden(&reject), "{who}: {reject:?}");
            assert_eq!(w.version(&t.key).await, t.version);
            assert_eq!(w.version(&t2.key).await, t2.version);
        }
    }
}

#[tokio::test]
async fn agents_cannot_take_a_ticket_from_someone_else_but_supervisors_can() {
    let d = TestDesk::new().await;
    let s = &d.service;
    let t = d.file("Dashboard is slow", "General").await;
    let mike = d.other_agent.email().to_string();
    let sarah = d.agent.email().to_string();

    // Mike takes it.
    s.assign(&d.other_agent, &t.key, Some(&mike), None)
        .await
        .unwrap();
    // Sarah can neither take it nor drop it nor hand it on.
    for target in [Some(sarah.as_str()), None, Some("almaz@example.com")] {
        let r = s.assign(&d.agent, &t.key, target, None).await;
        assert!(is_forbidden(&r), "{target:?}: {r:?}");
    }
    let held = s.get_ticket_only(&d.agent, &t.key).await.unwrap();
    assert_eq!(
        held.assignee.as_ref().map(|a| a.email.as_str()),
        Some("mike@example.com")
    );

    // Mike may pass his own ticket on.
    let passed = s
        .assign(&d.other_agent, &t.key, Some(&sarah), None)
        .await
        .unwrap();
    assert_eq!(passed.assignee.unwrap().email, sarah);

    // A supervisor reassigns anyone's ticket; so does an admin.
    let back = s
        .assign(&d.supervisor, &t.key, Some(&mike), None)
        .await
        .unwrap();
    assert_eq!(back.assignee.unwrap().email, mike);
    let dropped = s.assign(&d.admin, &t.key, None, None).await.unwrap();
    assert!(dropped.assignee.is_none());

    // Only active staff can be assignees.
    let r = s
        .assign(&d.agent, &t.key, Some("jane@example.com"), None)
        .await;
    assert!(
        matches!(&r, Err(ServiceError::Invalid(i)) if i.field == "assignee"),
        "{r:?}"
    );
    let r = s
        .assign(&d.agent, &t.key, Some("nobody@example.com"), None)
        .await;
    assert!(is_not_found(&r), "{r:?}");
}

#[tokio::test]
async fn comments_internal_notes_and_what_customers_see() {
    let w = world().await;
    let s = &w.d.service;
    let key = w.mine.key.as_str();

    // Customers reply publicly; internal notes are for staff.
    s.comment(
        &w.d.customer,
        key,
        "It is smoking now",
        Visibility::Public,
        None,
    )
    .await
    .unwrap();
    let r = s
        .comment(&w.d.customer, key, "psst", Visibility::Internal, None)
        .await;
    assert!(is_forbidden(&r), "{r:?}");
    let r = s
        .comment(
            &contact(),
            &w.contact_ticket.key,
            "psst",
            Visibility::Internal,
            None,
        )
        .await;
    assert!(is_forbidden(&r), "{r:?}");
    for staff in [&w.d.agent, &w.d.supervisor, &w.d.admin] {
        s.comment(staff, key, "Sent a technician", Visibility::Public, None)
            .await
            .unwrap();
        s.comment(
            staff,
            key,
            "Customer is on the flamingo contract",
            Visibility::Internal,
            None,
        )
        .await
        .unwrap();
    }
    // Internal events too: tags and custom fields.
    add_tag(s, &w.d.agent, key, "fire-hazard").await.unwrap();
    s.edit_ticket(
        &w.d.agent,
        key,
        TicketEdit {
            custom_fields: Some([("site".to_string(), serde_json::json!("HQ"))].into()),
            ..Default::default()
        },
        None,
    )
    .await
    .unwrap();

    let staff_view = s.get_ticket(&w.d.agent, key).await.unwrap();
    assert_eq!(staff_view.comments.len(), 7);
    assert!(
        staff_view
            .events
            .iter()
            .any(|e| e.visibility == Visibility::Internal)
    );

    let customer_view = s.get_ticket(&w.d.customer, key).await.unwrap();
    assert_eq!(customer_view.comments.len(), 4);
    for c in &customer_view.comments {
        assert_eq!(c.visibility, Visibility::Public);
        assert!(!c.body.contains("flamingo"));
    }
    for e in &customer_view.events {
        assert_eq!(e.visibility, Visibility::Public, "{e:?}");
        assert!(
            !matches!(e.kind, EventKind::Tagged | EventKind::Untagged),
            "{e:?}"
        );
    }
    let public_comment_events = customer_view
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Commented)
        .count();
    assert_eq!(public_comment_events, 4);
}

#[tokio::test]
async fn searching_never_reveals_internal_notes_or_other_peoples_tickets() {
    let w = world().await;
    let s = &w.d.service;
    let key = w.mine.key.as_str();
    s.comment(
        &w.d.agent,
        key,
        "Suspect the flamingo firmware",
        Visibility::Internal,
        None,
    )
    .await
    .unwrap();
    s.comment(
        &w.d.agent,
        key,
        "Please try the pelican reset",
        Visibility::Public,
        None,
    )
    .await
    .unwrap();
    let bobs = s
        .create_ticket(&w.d.other_customer, new_ticket("Printer makes noise"))
        .await
        .unwrap();

    let keys = |list: desk::domain::requests::TicketList| -> Vec<String> {
        list.tickets.into_iter().map(|t| t.key).collect()
    };
    // Staff find the ticket by its internal note; customers do not, not even their own.
    for staff in [&w.d.agent, &w.d.supervisor, &w.d.admin] {
        let found = keys(s.list_tickets(staff, "flamingo", None, None).await.unwrap());
        assert_eq!(found, [key]);
        assert_eq!(s.count_tickets(staff, "").await.unwrap(), 3);
    }
    let found = keys(
        s.list_tickets(&w.d.customer, "flamingo", None, None)
            .await
            .unwrap(),
    );
    assert!(found.is_empty(), "{found:?}");
    assert_eq!(s.count_tickets(&w.d.customer, "flamingo").await.unwrap(), 0);
    let found = keys(
        s.list_tickets(&w.d.customer, "-flamingo", None, None)
            .await
            .unwrap(),
    );
    assert_eq!(found, [key], "negating an internal word hides nothing");
    // Public replies are searchable by the customer.
    let found = keys(
        s.list_tickets(&w.d.customer, "pelican", None, None)
            .await
            .unwrap(),
    );
    assert_eq!(found, [key]);

    // Lists are scoped to the customer's own tickets, whatever the query.
    let found = keys(
        s.list_tickets(&w.d.customer, "printer", None, None)
            .await
            .unwrap(),
    );
    assert_eq!(found, [key]);
    let found = keys(
        s.list_tickets(&w.d.other_customer, "printer", None, None)
            .await
            .unwrap(),
    );
    assert_eq!(found, [bobs.key.as_str()]);
    let found = keys(
        s.list_tickets(&w.d.customer, "requester:bob@example.com", None, None)
            .await
            .unwrap(),
    );
    assert!(found.is_empty(), "{found:?}");
    assert_eq!(s.count_tickets(&w.d.customer, "").await.unwrap(), 1);
    assert_eq!(s.count_tickets(&w.d.other_customer, "").await.unwrap(), 1);
}

#[tokio::test]
async fn the_change_feed_shows_customers_only_public_events_of_their_tickets() {
    let w = world().await;
    let s = &w.d.service;
    let key = w.mine.key.as_str();
    s.comment(&w.d.agent, key, "note", Visibility::Internal, None)
        .await
        .unwrap();
    add_tag(s, &w.d.agent, key, "vip").await.unwrap();
    s.comment(&w.d.agent, key, "On it", Visibility::Public, None)
        .await
        .unwrap();
    let bobs = s
        .create_ticket(&w.d.other_customer, new_ticket("Bob's problem"))
        .await
        .unwrap();
    s.comment(&w.d.agent, &bobs.key, "Hi Bob", Visibility::Public, None)
        .await
        .unwrap();

    let all = s.changes(&w.d.agent, 0, None).await.unwrap();
    assert!(
        all.events
            .iter()
            .any(|e| e.visibility == Visibility::Internal)
    );
    assert!(all.events.iter().any(|e| e.ticket_key == bobs.key));
    assert!(all.events.windows(2).all(|p| p[0].seq < p[1].seq));

    let feed = s.changes(&w.d.customer, 0, None).await.unwrap();
    assert!(!feed.events.is_empty());
    for e in &feed.events {
        assert_eq!(e.ticket_key, key, "{e:?}");
        assert_eq!(e.visibility, Visibility::Public, "{e:?}");
    }
    let expected: Vec<i64> = all
        .events
        .iter()
        .filter(|e| e.ticket_key == key && e.visibility == Visibility::Public)
        .map(|e| e.seq)
        .collect();
    assert_eq!(
        feed.events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        expected
    );
    // Polling again from the last sequence yields nothing new.
    let again = s.changes(&w.d.customer, feed.last_seq, None).await.unwrap();
    assert!(again.events.is_empty());

    let bob_feed = s.changes(&w.d.other_customer, 0, None).await.unwrap();
    assert!(bob_feed.events.iter().all(|e| e.ticket_key == bobs.key));
}

#[tokio::test]
async fn statistics_and_the_people_list_are_for_staff() {
    let w = world().await;
    let s = &w.d.service;
    for (who, actor) in w.everyone() {
        let stats = s.stats(&actor).await;
        let people = s.users(&actor).await;
        if actor.is_staff() {
            assert_eq!(stats.unwrap().total, 2, "{who}");
            let people = people.unwrap();
            let has_customers = people.iter().any(|u| u.role == Role::Customer);
            assert_eq!(has_customers, actor.role().is_admin(), "{who}");
            assert!(people.iter().any(|u| u.email == "sarah@example.com"));
        } else {
            assert!(is_forbidden(&stats), "{who}: {stats:?}");
            assert!(is_forbidden(&people), "{who}: {people:?}");
        }
    }
}

fn category(name: &str) -> Category {
    Category {
        id: 0,
        name: name.into(),
        description: "Sign-in problems".into(),
        sla_hours: Some(4.0),
        requires_approval: false,
        active: true,
    }
}

fn priority(name: &str) -> Priority {
    Priority {
        id: 0,
        name: name.into(),
        rank: 0,
        color: "magenta".into(),
        response_hours: 0.5,
        resolution_hours: 2.0,
    }
}

#[tokio::test]
async fn reference_data_and_people_are_written_by_admins_only() {
    let w = world().await;
    let s = &w.d.service;
    let jane_id = w.d.customer.user_id().unwrap();
    for (who, actor) in w.everyone() {
        if actor.role().is_admin() {
            continue;
        }
        let results = [
            format!("{:?}", s.save_category(&actor, category("Access")).await),
            format!("{:?}", s.save_priority(&actor, priority("Blocker")).await),
            format!("{:?}", s.rename_status(&actor, "new", "Fresh").await),
            format!(
                "{:?}",
                s.create_user(
                    &actor,
                    NewUser {
                        email: "eve@example.com".into(),
                        name: "Eve".into(),
                        role: Role::Admin,
                    },
                )
                .await
            ),
            format!(
                "{:?}",
                s.update_user(
                    &actor,
                    jane_id,
                    UserPatch {
                        role: Some(Role::Admin),
                        ..Default::default()
                    },
                )
                .await
            ),
        ];
        for r in results {
            assert!(r.starts_with("Err(Forbidden("), "{who}: {r}");
        }
    }
    // Nothing of it landed.
    assert_eq!(s.categories().await.unwrap().len(), 2);
    assert_eq!(s.priorities().await.unwrap().len(), 4);
    assert!(
        s.statuses()
            .await
            .unwrap()
            .iter()
            .any(|st| st.key == "new" && st.name == "New")
    );
    assert!(s.user_by_email("eve@example.com").await.unwrap().is_none());
    assert_eq!(
        s.user_by_email("jane@example.com")
            .await
            .unwrap()
            .unwrap()
            .role,
        Role::Customer
    );

    // The admin does all of it, and the new data is usable at once.
    let admin = &w.d.admin;
    let c = s.save_category(admin, category("Access")).await.unwrap();
    assert!(c.id > 0);
    let p = s.save_priority(admin, priority("Blocker")).await.unwrap();
    assert!(p.id > 0);
    let st = s.rename_status(admin, "new", "Fresh").await.unwrap();
    assert_eq!(st.name, "Fresh");
    let t = s
        .create_ticket(
            &w.d.agent,
            NewTicket {
                category: Some("access".into()),
                priority: Some("BLOCKER".into()),
                ..new_ticket("Locked out")
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (t.category.as_str(), t.priority.as_str()),
        ("Access", "Blocker")
    );
    let eve = s
        .create_user(
            admin,
            NewUser {
                email: "Eve@Example.com".into(),
                name: "Eve".into(),
                role: Role::Agent,
            },
        )
        .await
        .unwrap();
    assert_eq!(eve.email, "eve@example.com");
    let r = s
        .create_user(
            admin,
            NewUser {
                email: "eve@example.com".into(),
                name: "Eve Again".into(),
                role: Role::Agent,
            },
        )
        .await;
    assert!(matches!(r, Err(ServiceError::Duplicate(_))), "{r:?}");
    let promoted = s
        .update_user(
            admin,
            eve.id,
            UserPatch {
                role: Some(Role::Supervisor),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(promoted.role, Role::Supervisor);
}

#[tokio::test]
async fn an_admin_cannot_demote_or_deactivate_themselves() {
    let d = TestDesk::new().await;
    let s = &d.service;
    let me = user(&d.admin).id;
    for patch in [
        UserPatch {
            role: Some(Role::Supervisor),
            ..Default::default()
        },
        UserPatch {
            role: Some(Role::Customer),
            ..Default::default()
        },
        UserPatch {
            active: Some(false),
            ..Default::default()
        },
    ] {
        let r = s.update_user(&d.admin, me, patch.clone()).await;
        assert!(is_forbidden(&r), "{patch:?}: {r:?}");
    }
    let still = s.user_by_email("admin@example.com").await.unwrap().unwrap();
    assert_eq!(still.role, Role::Admin);
    assert!(still.active);
    // Renaming oneself is fine, and so is demoting another admin.
    let renamed = s
        .update_user(
            &d.admin,
            me,
            UserPatch {
                name: Some("The Admin".into()),
                role: Some(Role::Admin),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.name, "The Admin");
    let second = s
        .create_user(
            &d.admin,
            NewUser {
                email: "second@example.com".into(),
                name: "Second Admin".into(),
                role: Role::Admin,
            },
        )
        .await
        .unwrap();
    let demoted = s
        .update_user(
            &d.admin,
            second.id,
            UserPatch {
                role: Some(Role::Agent),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(demoted.role, Role::Agent);
}

/// The operations that did not refuse `who`, as `who: operation -> result`.
fn let_in(who: &str, results: &[(&str, String)]) -> Vec<String> {
    results
        .iter()
        .filter(|(_, r)| !r.starts_with("Err(Forbidden("))
        .map(|(op, r)| format!("{who}: {op} -> {r}"))
        .collect()
}

/// Deactivates `actor`'s account and returns the actor as the deactivated user.
async fn deactivate(d: &TestDesk, actor: &Actor) -> Actor {
    let u = d
        .service
        .update_user(
            &d.admin,
            actor.user_id().unwrap(),
            UserPatch {
                active: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(!u.active);
    Actor::User(u)
}

#[tokio::test]
async fn a_deactivated_user_is_refused_everything() {
    let d = TestDesk::new().await;
    let s = &d.service;
    let t = d.file("Printer on fire", "General").await;
    let key = t.key.as_str();

    let mut let_in_by = Vec::new();
    let customer = deactivate(&d, &d.customer).await;
    let results: Vec<(&str, String)> = vec![
        (
            "create_ticket",
            format!(
                "{:?}",
                s.create_ticket(&customer, new_ticket("Again")).await
            ),
        ),
        (
            "get_ticket",
            format!("{:?}", s.get_ticket(&customer, key).await),
        ),
        (
            "list_tickets",
            format!("{:?}", s.list_tickets(&customer, "", None, None).await),
        ),
        (
            "count_tickets",
            format!("{:?}", s.count_tickets(&customer, "").await),
        ),
        (
            "changes",
            format!("{:?}", s.changes(&customer, 0, None).await),
        ),
        (
            "comment",
            format!(
                "{:?}",
                s.comment(&customer, key, "hello?", Visibility::Public, None)
                    .await
            ),
        ),
        (
            "allowed_transitions",
            format!("{:?}", s.allowed_transitions(&customer, key).await),
        ),
    ];
    let_in_by.extend(let_in("deactivated customer", &results));

    let agent = deactivate(&d, &d.agent).await;
    let results: Vec<(&str, String)> = vec![
        (
            "get_ticket",
            format!("{:?}", s.get_ticket(&agent, key).await),
        ),
        (
            "list_tickets",
            format!("{:?}", s.list_tickets(&agent, "", None, None).await),
        ),
        (
            "transition",
            format!(
                "{:?}",
                s.transition(&agent, key, "in_progress", None, None).await
            ),
        ),
        (
            "assign",
            format!(
                "{:?}",
                s.assign(&agent, key, Some("mike@example.com"), None).await
            ),
        ),
        (
            "edit_ticket",
            format!(
                "{:?}",
                s.edit_ticket(
                    &agent,
                    key,
                    TicketEdit {
                        title: Some("Mine now".into()),
                        ..Default::default()
                    },
                    None
                )
                .await
            ),
        ),
        (
            "add_tags",
            format!("{:?}", add_tag(s, &agent, key, "x").await),
        ),
        ("stats", format!("{:?}", s.stats(&agent).await)),
        ("users", format!("{:?}", s.users(&agent).await)),
        (
            "allowed_transitions",
            format!("{:?}", s.allowed_transitions(&agent, key).await),
        ),
    ];
    let_in_by.extend(let_in("deactivated agent", &results));
    // Nor can a deactivated agent be given work.
    let r = s
        .assign(&d.supervisor, key, Some("sarah@example.com"), None)
        .await;
    assert!(
        matches!(&r, Err(ServiceError::Invalid(i)) if i.field == "assignee"),
        "{r:?}"
    );

    let supervisor = deactivate(&d, &d.supervisor).await;
    let results = [(
        "approve",
        format!("{:?}", s.approve(&supervisor, key, None, None).await),
    )];
    let_in_by.extend(let_in("deactivated supervisor", &results));

    // A second admin, deactivated by the first, can no longer administer.
    let other = s
        .create_user(
            &d.admin,
            NewUser {
                email: "root@example.com".into(),
                name: "Root".into(),
                role: Role::Admin,
            },
        )
        .await
        .unwrap();
    let other = deactivate(&d, &Actor::User(other)).await;
    let results: Vec<(&str, String)> = vec![
        (
            "create_user",
            format!(
                "{:?}",
                s.create_user(
                    &other,
                    NewUser {
                        email: "mallory@example.com".into(),
                        name: "Mallory".into(),
                        role: Role::Admin,
                    },
                )
                .await
            ),
        ),
        (
            "update_user",
            format!(
                "{:?}",
                s.update_user(
                    &other,
                    other.user_id().unwrap(),
                    UserPatch {
                        active: Some(true),
                        ..Default::default()
                    },
                )
                .await
            ),
        ),
        (
            "save_category",
            format!("{:?}", s.save_category(&other, category("Backdoor")).await),
        ),
        (
            "save_priority",
            format!("{:?}", s.save_priority(&other, priority("Backdoor")).await),
        ),
        (
            "rename_status",
            format!("{:?}", s.rename_status(&other, "new", "Pwned").await),
        ),
    ];
    let_in_by.extend(let_in("deactivated admin", &results));

    assert!(
        let_in_by.is_empty(),
        "deactivated accounts were let in: {let_in_by:#?}"
    );

    // Nothing the deactivated users tried landed.
    assert!(
        s.user_by_email("mallory@example.com")
            .await
            .unwrap()
            .is_none()
    );
    let after = s.get_ticket(&d.admin, key).await.unwrap();
    assert_eq!(after.ticket.version, t.version);
    assert!(after.comments.is_empty());

    // Reactivated, the customer is back.
    let back = s
        .update_user(
            &d.admin,
            customer.user_id().unwrap(),
            UserPatch {
                active: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    s.get_ticket(&Actor::User(back), key).await.unwrap();
}

async fn add_tag(
    s: &desk::service::Service,
    actor: &Actor,
    key: &str,
    tag: &str,
) -> Result<Ticket, ServiceError> {
    let edit = TicketEdit {
        add_tags: vec![tag.into()],
        ..Default::default()
    };
    s.edit_ticket(actor, key, edit, None).await
}
