//! A whole support day over HTTP against a real `desk serve`: a customer files, an agent
//! triages and answers, a supervisor approves one request and rejects another with a
//! note, the customer follows along (signed in, and by key and email without signing
//! in), and the ticket is resolved and closed.

use crate::common::server;

use reqwest::StatusCode;
use serde_json::{Value, json};
use server::TestServer;

const INTERNAL_NOTE: &str = "Disk SMART says it is dying; replacing under warranty, do not tell";

fn comment_bodies(view: &Value) -> Vec<String> {
    view["comments"]
        .as_array()
        .expect("comments")
        .iter()
        .map(|c| c["body"].as_str().expect("body").to_string())
        .collect()
}

fn event_kinds(events: &Value) -> Vec<String> {
    events
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind").to_string())
        .collect()
}

fn keys(list: &Value) -> Vec<String> {
    list["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .map(|t| t["key"].as_str().expect("key").to_string())
        .collect()
}

#[tokio::test]
async fn a_support_day_from_filing_to_closing() {
    let s = TestServer::start().await;
    let jane = s.customer.token.clone();
    let sarah = s.agent.token.clone();
    let almaz = s.supervisor.token.clone();

    // Morning: Jane files a problem and two service requests.
    let filed = s
        .post(
            "/tickets",
            Some(&jane),
            json!({
                "title": "Laptop will not boot",
                "description": "Black screen after the update",
                "custom_fields": {"asset_tag": "LT-0042"},
            }),
        )
        .await;
    filed.expect(StatusCode::CREATED);
    let laptop = filed.json["key"].as_str().unwrap().to_string();
    assert_eq!(
        filed.header("location"),
        Some(format!("/api/v1/tickets/{laptop}").as_str())
    );
    assert_eq!(filed.json["status"], "new");
    assert_eq!(filed.json["category"], "General");
    assert_eq!(filed.json["priority"], "Medium");
    assert_eq!(filed.json["version"], 1);
    assert_eq!(filed.json["requester"]["email"], "jane@example.com");
    assert!(filed.json["sla"]["response_due_at"].is_string());
    let created_at = filed.json["created_at"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(created_at).is_ok(),
        "times are RFC 3339: {created_at}"
    );
    let monitor = s
        .file(&s.customer, "Need a second monitor", "Service request")
        .await;
    let projector = s
        .file(
            &s.customer,
            "Projector for the town hall",
            "Service request",
        )
        .await;

    // Jane sees exactly her three tickets.
    let mine = s.get("/tickets", Some(&jane)).await;
    mine.expect(StatusCode::OK);
    let mut listed = keys(&mine.json);
    listed.sort();
    let mut expected = vec![laptop.clone(), monitor.clone(), projector.clone()];
    expected.sort();
    assert_eq!(listed, expected);

    // Sarah opens the queue of unassigned open tickets.
    let queue = s
        .get("/tickets?q=status:open%20assignee:none", Some(&sarah))
        .await;
    queue.expect(StatusCode::OK);
    assert_eq!(keys(&queue.json).len(), 3, "{}", queue.text());

    // Triage: priority and a tag, based on the version she loaded.
    let triaged = s
        .req(
            reqwest::Method::PATCH,
            &format!("/tickets/{laptop}"),
            Some(&sarah),
        )
        .header("If-Match", "1")
        .json(&json!({"priority": "High", "tags": ["hardware"]}));
    let triaged = server::send(triaged).await;
    triaged.expect(StatusCode::OK);
    assert_eq!(triaged.json["priority"], "High");
    assert_eq!(triaged.json["tags"], json!(["hardware"]));
    assert_eq!(triaged.json["version"], 2);

    // She takes it, starts work, leaves an internal note and answers Jane.
    let taken = s
        .post(
            &format!("/tickets/{laptop}/assign"),
            Some(&sarah),
            json!({"assignee": "sarah@example.com"}),
        )
        .await;
    taken.expect(StatusCode::OK);
    assert_eq!(taken.json["status"], "assigned");
    assert_eq!(taken.json["assignee"]["email"], "sarah@example.com");
    s.post(
        &format!("/tickets/{laptop}/transition"),
        Some(&sarah),
        json!({"status": "in_progress"}),
    )
    .await
    .expect(StatusCode::OK);
    let note = s
        .post(
            &format!("/tickets/{laptop}/comments"),
            Some(&sarah),
            json!({"body": INTERNAL_NOTE, "visibility": "internal"}),
        )
        .await;
    note.expect(StatusCode::CREATED);
    assert_eq!(note.json["visibility"], "internal");
    let reply = s
        .post(
            &format!("/tickets/{laptop}/comments"),
            Some(&sarah),
            json!({"body": "Can you bring it to the help desk tomorrow?"}),
        )
        .await;
    reply.expect(StatusCode::CREATED);
    assert_eq!(reply.json["visibility"], "public");
    assert_eq!(reply.json["author"]["email"], "sarah@example.com");
    let waiting = s
        .post(
            &format!("/tickets/{laptop}/transition"),
            Some(&sarah),
            json!({"status": "waiting_on_customer"}),
        )
        .await;
    waiting.expect(StatusCode::OK);
    assert_eq!(waiting.json["status_class"], "pending");
    assert!(waiting.json["first_response_at"].is_string());

    // A service request cannot be worked before a supervisor approves it.
    let early = s
        .post(
            &format!("/tickets/{monitor}/transition"),
            Some(&sarah),
            json!({"status": "in_progress"}),
        )
        .await;
    early.expect(StatusCode::CONFLICT);
    assert_eq!(early.json["error"]["field"], "status");
    let agent_approves = s
        .post(
            &format!("/tickets/{monitor}/approve"),
            Some(&sarah),
            json!({}),
        )
        .await;
    agent_approves.expect(StatusCode::FORBIDDEN);
    assert_eq!(agent_approves.code(), "forbidden");

    // Almaz approves the monitor and rejects the projector; a rejection needs a note.
    let approved = s
        .post(
            &format!("/tickets/{monitor}/approve"),
            Some(&almaz),
            json!({"note": "Budget approved"}),
        )
        .await;
    approved.expect(StatusCode::OK);
    assert_eq!(approved.json["status"], "approved");
    assert!(approved.json["approved_at"].is_string());
    let bare = s
        .post(
            &format!("/tickets/{projector}/reject"),
            Some(&almaz),
            json!({}),
        )
        .await;
    bare.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bare.json["error"]["field"], "note");
    let rejected = s
        .post(
            &format!("/tickets/{projector}/reject"),
            Some(&almaz),
            json!({"note": "Facilities sets up the town hall; ask them"}),
        )
        .await;
    rejected.expect(StatusCode::OK);
    assert_eq!(rejected.json["status"], "rejected");
    assert_eq!(rejected.json["status_class"], "done");

    // The approved request goes to Mike.
    let given = s
        .post(
            &format!("/tickets/{monitor}/assign"),
            Some(&almaz),
            json!({"assignee": "mike@example.com"}),
        )
        .await;
    given.expect(StatusCode::OK);
    assert_eq!(given.json["status"], "assigned");

    // Jane reads her ticket: the public reply, never the internal note.
    let view = s.get(&format!("/tickets/{laptop}"), Some(&jane)).await;
    view.expect(StatusCode::OK);
    assert_eq!(
        comment_bodies(&view.json),
        vec!["Can you bring it to the help desk tomorrow?"]
    );
    assert!(!view.text().contains(INTERNAL_NOTE), "{}", view.text());
    assert!(
        view.json["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["visibility"] == "public"),
        "{}",
        view.text()
    );
    // Sarah sees both.
    let staff_view = s.get(&format!("/tickets/{laptop}"), Some(&sarah)).await;
    staff_view.expect(StatusCode::OK);
    assert_eq!(comment_bodies(&staff_view.json).len(), 2);
    assert!(staff_view.text().contains(INTERNAL_NOTE));

    // Jane tracks the rejected request by key and email, without signing in.
    let tracked = s
        .get(&format!("/track/{projector}?email=Jane@Example.com"), None)
        .await;
    tracked.expect(StatusCode::OK);
    assert_eq!(tracked.json["status"], "rejected");
    assert_eq!(tracked.json["status_name"], "Rejected");
    let notes: Vec<&str> = tracked.json["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["note"].as_str())
        .collect();
    assert_eq!(notes, vec!["Facilities sets up the town hall; ask them"]);
    // And the laptop: the public reply, no internal note, no staff email.
    let tracked = s
        .get(&format!("/track/{laptop}?email=jane@example.com"), None)
        .await;
    tracked.expect(StatusCode::OK);
    assert_eq!(tracked.json["status_name"], "Waiting on customer");
    assert_eq!(tracked.json["comments"].as_array().unwrap().len(), 1);
    assert!(!tracked.text().contains(INTERNAL_NOTE));
    assert!(!tracked.text().contains("sarah@example.com"));
    // Someone else's email, or no email, learns nothing.
    for wrong in ["bob@example.com", ""] {
        let probe = s.get(&format!("/track/{laptop}?email={wrong}"), None).await;
        probe.expect(StatusCode::NOT_FOUND);
        assert_eq!(probe.code(), "not_found");
    }

    // Jane answers; the desk is no longer waiting on her.
    s.post(
        &format!("/tickets/{laptop}/comments"),
        Some(&jane),
        json!({"body": "Sure, I will be there at 9"}),
    )
    .await
    .expect(StatusCode::CREATED);
    let after_reply = s.get(&format!("/tickets/{laptop}"), Some(&sarah)).await;
    assert_eq!(after_reply.json["ticket"]["status"], "in_progress");

    // Sarah resolves it; Jane confirms by closing it herself.
    let resolved = s
        .post(
            &format!("/tickets/{laptop}/transition"),
            Some(&sarah),
            json!({"status": "resolved", "note": "Disk replaced"}),
        )
        .await;
    resolved.expect(StatusCode::OK);
    assert!(resolved.json["resolved_at"].is_string());
    let offered = s
        .get(&format!("/tickets/{laptop}/transitions"), Some(&jane))
        .await;
    offered.expect(StatusCode::OK);
    assert_eq!(
        offered.json["transitions"],
        json!(["in_progress", "closed"])
    );
    let closed = s
        .post(
            &format!("/tickets/{laptop}/transition"),
            Some(&jane),
            json!({"status": "closed"}),
        )
        .await;
    closed.expect(StatusCode::OK);
    assert_eq!(closed.json["status"], "closed");
    assert_eq!(closed.json["status_class"], "done");
    assert!(closed.json["closed_at"].is_string());

    // End of day: the dashboard and the feed agree with what happened.
    let stats = s.stats().await;
    assert_eq!(stats["total"], 3);
    assert_eq!(stats["done"], 2, "{stats}");
    assert_eq!(stats["open"], 1, "{stats}");
    let count = |name: &str| {
        stats["by_status"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .map(|c| c["count"].as_i64().unwrap())
    };
    assert_eq!(count("closed"), Some(1));
    assert_eq!(count("rejected"), Some(1));
    assert_eq!(count("assigned"), Some(1));

    let feed = s.get("/changes?after=0", Some(&sarah)).await;
    feed.expect(StatusCode::OK);
    let kinds = event_kinds(&feed.json["events"]);
    for kind in [
        "created",
        "field_changed",
        "tagged",
        "assigned",
        "status_changed",
        "commented",
        "approved",
        "rejected",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "no {kind} in {kinds:?}");
    }
    let seqs: Vec<i64> = feed.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert_eq!(feed.json["last_seq"].as_i64(), seqs.last().copied());

    // Jane's feed holds only the public side of her own tickets.
    let janes = s.get("/changes?after=0", Some(&jane)).await;
    janes.expect(StatusCode::OK);
    assert!(!janes.text().contains(INTERNAL_NOTE));
    let janes_events = janes.json["events"].as_array().unwrap();
    assert!(janes_events.iter().all(|e| e["visibility"] == "public"));
    assert!(janes_events.len() < seqs.len());
    assert!(
        !event_kinds(&janes.json["events"])
            .iter()
            .any(|k| k == "tagged")
    );

    s.stop().await;
}
