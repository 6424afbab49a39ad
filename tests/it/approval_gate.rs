//! The approval gate (issue 23, Medium): nothing walks an unapproved service request
//! around its supervisor, through either door.

use crate::common::compat::{self, ON};
use crate::common::server::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json as j};

async fn desk() -> TestServer {
    TestServer::start_with(compat::options(|c| c.service_requests = ON)).await
}

async fn ticket(s: &TestServer, key: &str) -> Value {
    let reply = s
        .get(&format!("/tickets/{key}"), Some(&s.admin.token))
        .await;
    reply.expect(StatusCode::OK);
    reply.json["ticket"].clone()
}

async fn whole(s: &TestServer, key: &str) -> Value {
    s.get(&format!("/tickets/{key}"), Some(&s.admin.token))
        .await
        .json
        .clone()
}

async fn move_to(
    s: &TestServer,
    token: &str,
    key: &str,
    to: &str,
    note: Option<&str>,
) -> StatusCode {
    let mut body = j!({"status": to});
    if let Some(n) = note {
        body["note"] = j!(n);
    }
    s.post(&format!("/tickets/{key}/transition"), Some(token), body)
        .await
        .status
}

#[tokio::test]
async fn a_customer_reply_returns_an_unapproved_request_to_new_not_to_work() {
    let s = desk().await;
    let key = s.file(&s.customer, "New meter", "Service request").await;
    assert_eq!(
        move_to(&s, &s.agent.token, &key, "waiting_on_customer", None).await,
        StatusCode::OK
    );
    s.post(
        &format!("/tickets/{key}/comments"),
        Some(&s.customer.token),
        j!({"body": "Here is the plot number: H-45"}),
    )
    .await
    .expect(StatusCode::CREATED);
    let t = ticket(&s, &key).await;
    assert_eq!(t["status"], "new", "back where it was before waiting: {t}");
    assert!(t["approved_at"].is_null());
    // And it still cannot be worked or finished by an agent.
    for to in ["in_progress", "resolved", "closed", "escalated"] {
        let got = move_to(&s, &s.agent.token, &key, to, None).await;
        assert!(got.is_client_error(), "{to}: {got}");
    }
    assert_eq!(ticket(&s, &key).await["status"], "new");
    s.stop().await;
}

#[tokio::test]
async fn an_approved_request_waiting_on_the_customer_goes_back_in_progress() {
    let s = desk().await;
    let key = s.file(&s.customer, "New meter", "Service request").await;
    s.post(
        &format!("/tickets/{key}/approve"),
        Some(&s.supervisor.token),
        j!({}),
    )
    .await
    .expect(StatusCode::OK);
    assert_eq!(
        move_to(&s, &s.agent.token, &key, "waiting_on_customer", None).await,
        StatusCode::OK
    );
    s.post(
        &format!("/tickets/{key}/comments"),
        Some(&s.customer.token),
        j!({"body": "done"}),
    )
    .await
    .expect(StatusCode::CREATED);
    assert_eq!(ticket(&s, &key).await["status"], "in_progress");
    s.stop().await;
}

#[tokio::test]
async fn only_rejection_or_a_supervisors_noted_close_ends_an_unapproved_request() {
    let s = desk().await;
    let key = s.file(&s.customer, "New meter", "Service request").await;
    for to in ["resolved", "closed"] {
        let got = move_to(&s, &s.agent.token, &key, to, Some("done")).await;
        assert!(got.is_client_error(), "agent to {to}: {got}");
    }
    let offered = s
        .get(&format!("/tickets/{key}/transitions"), Some(&s.agent.token))
        .await;
    let offered = offered.json.to_string();
    assert!(
        !offered.contains("resolved") && !offered.contains("closed"),
        "{offered}"
    );
    // A supervisor's close needs a note, and says it was not approved.
    assert_eq!(
        move_to(&s, &s.supervisor.token, &key, "closed", None).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        move_to(
            &s,
            &s.supervisor.token,
            &key,
            "closed",
            Some("duplicate of TKT-1")
        )
        .await,
        StatusCode::OK
    );
    let t = whole(&s, &key).await;
    assert_eq!(t["ticket"]["status"], "closed");
    assert!(
        t.to_string()
            .contains("Closed without approval: duplicate of TKT-1"),
        "{t}"
    );
    // A rejected request still closes as usual.
    let other = s.file(&s.customer, "Second meter", "Service request").await;
    s.post(
        &format!("/tickets/{other}/reject"),
        Some(&s.supervisor.token),
        j!({"note": "not in our area"}),
    )
    .await
    .expect(StatusCode::OK);
    assert_eq!(
        move_to(&s, &s.agent.token, &other, "closed", None).await,
        StatusCode::OK
    );
    s.stop().await;
}

/// Decided: assignment before approval is allowed (someone can prepare the work), but
/// the status stays where it is and no work status is reachable until approval.
#[tokio::test]
async fn assignment_before_approval_moves_no_status_on_either_door() {
    let s = desk().await;
    let native = s.file(&s.customer, "New meter", "Service request").await;
    s.post(
        &format!("/tickets/{native}/assign"),
        Some(&s.agent.token),
        j!({"assignee": s.agent.email()}),
    )
    .await
    .expect(StatusCode::OK);
    let t = ticket(&s, &native).await;
    assert_eq!(t["status"], "new");
    assert_eq!(t["assignee"]["email"], s.agent.email());
    assert!(
        move_to(&s, &s.agent.token, &native, "in_progress", None)
            .await
            .is_client_error()
    );

    let filed = compat::json(
        &s,
        Method::POST,
        "/api/service-requests",
        Some(&s.customer.token),
        j!({"serviceType": "New Connection", "fullName": "Abebe Kebede", "phone": "+251911000000",
            "fullAddress": "Bole", "city": "Addis Ababa", "woreda": "03", "kebele": "12",
            "housePlotNumber": "H-45"}),
    )
    .await;
    filed.expect(StatusCode::CREATED);
    let id = filed.json["request"]["id"].as_i64().expect("id");
    let key = filed.json["request"]["key"]
        .as_str()
        .expect("key")
        .to_string();
    let path = format!("/api/service-requests/{id}");
    compat::json(
        &s,
        Method::PATCH,
        &path,
        Some(&s.agent.token),
        j!({"assigned_to": s.agent.id()}),
    )
    .await
    .expect(StatusCode::OK);
    let t = ticket(&s, &key).await;
    assert_eq!(t["status"], "new");
    assert_eq!(t["assignee"]["email"], s.agent.email());
    let work = compat::json(
        &s,
        Method::PATCH,
        &path,
        Some(&s.agent.token),
        j!({"status": "in_progress"}),
    )
    .await;
    assert!(work.status.is_client_error(), "{}", work.status);
    assert_eq!(ticket(&s, &key).await["status"], "new");
    s.stop().await;
}
