//! Seed 002's React pages against `desk serve`: customers file service requests,
//! supervisors approve or reject them, and either door sees the other's changes.

use crate::common::server;

use crate::common::compat;

use compat::{ANONYMOUS, ON, garbage, get, json, options};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json as j};
use server::TestServer;

async fn desk() -> TestServer {
    // Its tests sign in through the surface; desk's own logins would share their budget.
    TestServer::start_without_logins(options(|c| c.service_requests = ON)).await
}

fn request_body() -> Value {
    j!({
        "serviceType": "New Connection",
        "fullName": "Abebe Kebede",
        "phone": "+251911000000",
        "fullAddress": "Bole, Addis Ababa",
        "city": "Addis Ababa",
        "woreda": "03",
        "kebele": "12",
        "housePlotNumber": "H-45",
        "nearbyLandmark": "Edna Mall",
        "documents": [{"name": "id.pdf", "size": 1024, "type": "application/pdf"}],
        "createdBy": 7,
        "priority": "high",
    })
}

async fn file(s: &TestServer, token: &str, body: Value) -> Value {
    let reply = json(s, Method::POST, "/api/service-requests", Some(token), body).await;
    reply.expect(StatusCode::CREATED);
    assert_eq!(reply.json["success"], true);
    reply.json["request"].clone()
}

#[tokio::test]
async fn a_request_is_filed_with_its_address_and_documents() {
    let s = desk().await;
    let request = file(&s, &s.customer.token, request_body()).await;
    let id = request["id"].as_i64().expect("an integer id");
    assert_eq!(request["status"], "pending");
    // Priority is the supervisor's to set: the customer's "high" waits for them.
    assert_eq!(request["priority"], "medium");
    assert_eq!(request["service_type"], "New Connection");
    assert_eq!(request["full_name"], "Abebe Kebede");
    assert_eq!(request["house_plot_number"], "H-45");
    assert_eq!(request["documents"][0]["name"], "id.pdf");
    // The integer it was sent as.
    assert_eq!(request["created_by"], 7);
    let ticket_id = request["ticket_id"].as_str().expect("ticket_id");
    assert!(
        ticket_id.starts_with("SRV-") && ticket_id.ends_with(&format!("-{id:05}")),
        "{ticket_id}"
    );

    // snake_case is accepted too, and a client-made ticket id is kept.
    let snake = file(
        &s,
        &s.customer.token,
        j!({
            "ticket_id": "SRV-2024-00042",
            "service_type": "Relocation",
            "full_name": "Abebe Kebede",
            "phone": "+251911000000",
            "full_address": "Bole, Addis Ababa",
        }),
    )
    .await;
    assert_eq!(snake["ticket_id"], "SRV-2024-00042");
    assert_eq!(snake["priority"], "medium");

    let shown = get(
        &s,
        &format!("/api/service-requests/{id}"),
        Some(&s.customer.token),
    )
    .await;
    shown.expect(StatusCode::OK);
    assert_eq!(shown.json["success"], true);
    assert_eq!(shown.json["request"]["id"], id);

    // The native API holds the same ticket, in the category that needs approval.
    let native = s
        .get(&format!("/tickets/{id}"), Some(&s.supervisor.token))
        .await;
    native.expect(StatusCode::OK);
    assert_eq!(native.json["ticket"]["category"], "Service request");
    assert_eq!(native.json["ticket"]["priority"], "Medium");
    assert_eq!(
        native.json["ticket"]["custom_fields"]["requested_priority"],
        "High"
    );
    assert_eq!(native.json["ticket"]["custom_fields"]["woreda"], "03");
    s.stop().await;
}

#[tokio::test]
async fn missing_fields_and_bad_bodies_get_the_originals_400() {
    let s = desk().await;
    for body in [
        j!({}),
        j!({"serviceType": "New Connection", "fullName": "A", "phone": "1"}),
    ] {
        let reply = json(
            &s,
            Method::POST,
            "/api/service-requests",
            Some(&s.customer.token),
            body,
        )
        .await;
        reply.expect(StatusCode::BAD_REQUEST);
        assert_eq!(
            reply.json,
            j!({"success": false, "error": "Missing required fields"})
        );
    }
    let reply = garbage(
        &s,
        Method::POST,
        "/api/service-requests",
        Some(&s.customer.token),
    )
    .await;
    reply.expect(StatusCode::BAD_REQUEST);
    assert_eq!(reply.json["success"], false);
    let mut bad_priority = request_body();
    bad_priority["priority"] = j!("urgent!!");
    let reply = json(
        &s,
        Method::POST,
        "/api/service-requests",
        Some(&s.customer.token),
        bad_priority,
    )
    .await;
    reply.expect(StatusCode::BAD_REQUEST);
    assert_eq!(reply.json["success"], false);
    s.stop().await;
}

#[tokio::test]
async fn a_token_is_needed_unless_the_surface_is_anonymous() {
    let s = desk().await;
    let reply = get(&s, "/api/service-requests", None).await;
    reply.expect(StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json["success"], false);
    let reply = json(
        &s,
        Method::POST,
        "/api/service-requests",
        None,
        request_body(),
    )
    .await;
    reply.expect(StatusCode::UNAUTHORIZED);
    s.stop().await;

    let s = TestServer::start_with(options(|c| c.service_requests = ANONYMOUS)).await;
    let request = {
        let reply = json(
            &s,
            Method::POST,
            "/api/service-requests",
            None,
            request_body(),
        )
        .await;
        reply.expect(StatusCode::CREATED);
        reply.json["request"].clone()
    };
    let id = request["id"].as_i64().expect("id");
    let approved = json(
        &s,
        Method::POST,
        &format!("/api/service-requests/{id}/approve"),
        None,
        j!({"supervisor_notes": "ok"}),
    )
    .await;
    approved.expect(StatusCode::OK);
    assert_eq!(approved.json["request"]["status"], "approved");
    // The audit trail names the surface's own account.
    let native = s.get(&format!("/tickets/{id}"), Some(&s.admin.token)).await;
    let approver = native.json["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["kind"] == "approved")
        .map(|e| e["actor"]["email"].clone());
    assert_eq!(approver, Some(j!("compat-service-requests@desk.invalid")));
    s.stop().await;
}

#[tokio::test]
async fn approved_through_the_native_api_reads_approved_here() {
    let s = desk().await;
    let request = file(&s, &s.customer.token, request_body()).await;
    let id = request["id"].as_i64().expect("id");

    let pending = get(
        &s,
        "/api/service-requests/pending",
        Some(&s.supervisor.token),
    )
    .await;
    pending.expect(StatusCode::OK);
    assert_eq!(pending.json["success"], true);
    assert_eq!(pending.json["count"], 1);
    assert_eq!(pending.json["requests"][0]["id"], id);

    s.post(
        &format!("/tickets/{id}/approve"),
        Some(&s.supervisor.token),
        j!({"note": "Budget approved"}),
    )
    .await
    .expect(StatusCode::OK);
    let shown = get(
        &s,
        &format!("/api/service-requests/{id}"),
        Some(&s.customer.token),
    )
    .await;
    shown.expect(StatusCode::OK);
    assert_eq!(shown.json["request"]["status"], "approved");

    let pending = get(
        &s,
        "/api/service-requests/pending",
        Some(&s.supervisor.token),
    )
    .await;
    assert_eq!(pending.json["count"], 0);

    // The customer's page lists it under the user who filed it.
    let mine = get(&s, "/api/service-requests/user/7", Some(&s.customer.token)).await;
    mine.expect(StatusCode::OK);
    assert_eq!(mine.json["success"], true);
    assert_eq!(mine.json["count"], 1);
    assert_eq!(mine.json["tickets"][0]["status"], "approved");
    let none = get(&s, "/api/service-requests/user/8", Some(&s.customer.token)).await;
    assert_eq!(none.json["count"], 0);
    s.stop().await;
}

#[tokio::test]
async fn supervisors_decide_here_and_the_native_api_agrees() {
    let s = desk().await;
    let one = file(&s, &s.customer.token, request_body()).await["id"]
        .as_i64()
        .expect("id");
    let two = file(&s, &s.customer.token, request_body()).await["id"]
        .as_i64()
        .expect("id");

    // Agents may not approve; the service says so.
    let refused = json(
        &s,
        Method::POST,
        &format!("/api/service-requests/{one}/approve"),
        Some(&s.agent.token),
        j!({"supervisor_notes": "fine"}),
    )
    .await;
    refused.expect(StatusCode::FORBIDDEN);
    assert_eq!(refused.json["success"], false);

    let approved = json(
        &s,
        Method::POST,
        &format!("/api/service-requests/{one}/approve"),
        Some(&s.supervisor.token),
        j!({"supervisor_notes": "Documents complete"}),
    )
    .await;
    approved.expect(StatusCode::OK);
    assert_eq!(approved.json["request"]["status"], "approved");
    assert_eq!(
        approved.json["request"]["supervisor_notes"],
        "Documents complete"
    );

    // A rejection needs notes, as it tells the customer why.
    let bare = json(
        &s,
        Method::POST,
        &format!("/api/service-requests/{two}/reject"),
        Some(&s.supervisor.token),
        j!({}),
    )
    .await;
    bare.expect(StatusCode::BAD_REQUEST);
    assert_eq!(bare.json["success"], false);
    let rejected = json(
        &s,
        Method::POST,
        &format!("/api/service-requests/{two}/reject"),
        Some(&s.supervisor.token),
        j!({"supervisor_notes": "Missing ID copy"}),
    )
    .await;
    rejected.expect(StatusCode::OK);
    assert_eq!(rejected.json["request"]["status"], "rejected");
    let native = s
        .get(&format!("/tickets/{two}"), Some(&s.customer.token))
        .await;
    assert_eq!(native.json["ticket"]["status"], "rejected");
    let note = native.json["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["kind"] == "rejected")
        .map(|e| e["note"].clone());
    assert_eq!(note, Some(j!("Missing ID copy")));

    // Assign a technician and move the work on with PATCH.
    let patched = json(
        &s,
        Method::PATCH,
        &format!("/api/service-requests/{one}"),
        Some(&s.supervisor.token),
        j!({"assigned_to": s.agent.id(), "priority": "low"}),
    )
    .await;
    patched.expect(StatusCode::OK);
    assert_eq!(patched.json["success"], true);
    assert_eq!(patched.json["request"]["status"], "assigned");
    assert_eq!(patched.json["request"]["assigned_to"], s.agent.id());
    assert_eq!(patched.json["request"]["priority"], "low");
    for (status, desk) in [("in_progress", "in_progress"), ("completed", "resolved")] {
        let moved = json(
            &s,
            Method::PATCH,
            &format!("/api/service-requests/{one}"),
            Some(&s.agent.token),
            j!({"status": status}),
        )
        .await;
        moved.expect(StatusCode::OK);
        assert_eq!(moved.json["request"]["status"], status);
        let native = s
            .get(&format!("/tickets/{one}"), Some(&s.agent.token))
            .await;
        assert_eq!(native.json["ticket"]["status"], desk);
    }
    let all = get(&s, "/api/service-requests", Some(&s.supervisor.token)).await;
    all.expect(StatusCode::OK);
    assert_eq!(all.json["count"], 2);
    s.stop().await;
}

#[tokio::test]
async fn unknown_ids_and_other_tickets_are_404() {
    let s = desk().await;
    let general = s.file(&s.customer, "Printer jam", "General").await;
    let number = general.trim_start_matches("TKT-");
    for path in [
        "/api/service-requests/9999".to_string(),
        "/api/service-requests/abc".to_string(),
        format!("/api/service-requests/{number}"),
    ] {
        let reply = get(&s, &path, Some(&s.supervisor.token)).await;
        reply.expect(StatusCode::NOT_FOUND);
        assert_eq!(
            reply.json,
            j!({"success": false, "error": "Service request not found"})
        );
    }
    // Another customer's request does not exist for them.
    let id = file(&s, &s.customer.token, request_body()).await["id"]
        .as_i64()
        .expect("id");
    let nosy = get(
        &s,
        &format!("/api/service-requests/{id}"),
        Some(&s.other_customer.token),
    )
    .await;
    nosy.expect(StatusCode::NOT_FOUND);
    let empty = json(
        &s,
        Method::PATCH,
        &format!("/api/service-requests/{id}"),
        Some(&s.supervisor.token),
        j!({}),
    )
    .await;
    empty.expect(StatusCode::BAD_REQUEST);
    let bad_status = json(
        &s,
        Method::PATCH,
        &format!("/api/service-requests/{id}"),
        Some(&s.supervisor.token),
        j!({"status": "teleported"}),
    )
    .await;
    bad_status.expect(StatusCode::BAD_REQUEST);
    assert_eq!(bad_status.json["success"], false);
    s.stop().await;
}

/// Everything a user could see of a request natively: fields, version, events.
async fn whole(s: &TestServer, key: &str) -> Value {
    let reply = s
        .get(&format!("/tickets/{key}"), Some(&s.admin.token))
        .await;
    reply.expect(StatusCode::OK);
    reply.json.clone()
}

#[tokio::test]
async fn refused_changes_and_decisions_change_nothing_at_all() {
    let s = desk().await;
    let filed = file(&s, &s.customer.token, request_body()).await;
    let id = filed["id"].as_i64().expect("id");
    let key = filed["key"].as_str().expect("key").to_string();
    let patch = |token: String, body: Value| {
        let s = &s;
        async move {
            let path = format!("/api/service-requests/{id}");
            json(s, Method::PATCH, &path, Some(&token), body).await
        }
    };
    // The priority and notes are fine; approving is for supervisors.
    let before = whole(&s, &key).await;
    let body = j!({"priority": "low", "status": "approved", "supervisor_notes": "fine"});
    let refused = patch(s.agent.token.clone(), body.clone()).await;
    refused.expect(StatusCode::FORBIDDEN);
    assert_eq!(
        whole(&s, &key).await,
        before,
        "priority, notes and events as they were"
    );
    // Approved and under way: nothing left to decide, refused inside the change.
    let path = format!("/api/service-requests/{id}/approve");
    json(&s, Method::POST, &path, Some(&s.supervisor.token), j!({}))
        .await
        .expect(StatusCode::OK);
    patch(
        s.supervisor.token.clone(),
        j!({"assigned_to": s.agent.id()}),
    )
    .await
    .expect(StatusCode::OK);
    patch(s.agent.token.clone(), j!({"status": "in_progress"}))
        .await
        .expect(StatusCode::OK);
    let before = whole(&s, &key).await;
    let body = j!({"priority": "high", "status": "rejected", "supervisor_notes": "no"});
    let refused = patch(s.supervisor.token.clone(), body).await;
    assert!(
        refused.status.is_client_error(),
        "{}: {}",
        refused.status,
        refused.text()
    );
    assert_eq!(whole(&s, &key).await, before);
    // And the decision endpoints' notes go with their decision, or not at all.
    let path = format!("/api/service-requests/{id}/reject");
    let approve = json(
        &s,
        Method::POST,
        &path,
        Some(&s.supervisor.token),
        j!({"notes": "ok"}),
    )
    .await;
    assert!(
        approve.status.is_client_error(),
        "{}: {}",
        approve.status,
        approve.text()
    );
    assert_eq!(whole(&s, &key).await, before);
    s.stop().await;
}

async fn page_login(s: &TestServer, email: &str) -> server::Reply {
    json(
        s,
        Method::POST,
        "/api/auth/login",
        None,
        j!({"email": email, "password": server::PASSWORD}),
    )
    .await
}

/// The React pages as they run: sign in and keep `user`, file with `createdBy:
/// user.id`, list `/user/{user.id}`, and the supervisor's approve, assign and reject,
/// each answered with a message for the toast.
#[tokio::test]
async fn the_react_pages_sign_in_file_and_decide() {
    let s = desk().await;
    let login = page_login(&s, s.customer.email()).await;
    login.expect(StatusCode::OK);
    assert_eq!(login.json["success"], true);
    let user = login.json["user"].clone();
    assert_eq!(user["id"], s.customer.id());
    assert_eq!(user["email"], s.customer.email());
    assert!(user["name"].is_string());
    assert_eq!(user["role"], "customer");
    let token = login.json["token"].as_str().expect("token").to_string();
    for (who, word) in [
        (s.agent.email(), "technician"),
        (s.supervisor.email(), "supervisor"),
        (s.admin.email(), "admin"),
    ] {
        let reply = page_login(&s, who).await;
        reply.expect(StatusCode::OK);
        assert_eq!(reply.json["user"]["role"], word);
    }
    let wrong = json(
        &s,
        Method::POST,
        "/api/auth/login",
        None,
        j!({"email": s.customer.email(), "password": "not the password"}),
    )
    .await;
    wrong.expect(StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.json["success"], false);
    assert!(wrong.json["error"].is_string());

    // Filed with the page's createdBy: the customer is the requester, natively too.
    let mut body = request_body();
    body["createdBy"] = user["id"].clone();
    body["ticketId"] = j!("SRV-2026-00001");
    let mine = file(&s, &token, body.clone()).await;
    assert_eq!(mine["created_by"], s.customer.id());
    let id = mine["id"].as_i64().expect("id");
    let native = s
        .get(&format!("/tickets/{id}"), Some(&s.customer.token))
        .await;
    native.expect(StatusCode::OK);
    assert_eq!(
        native.json["ticket"]["requester"]["email"],
        s.customer.email()
    );
    let listed = get(
        &s,
        &format!("/api/service-requests/user/{}", s.customer.id()),
        Some(&token),
    )
    .await;
    listed.expect(StatusCode::OK);
    assert_eq!(listed.json["count"], 1);
    assert_eq!(listed.json["tickets"][0]["id"], id);

    // The same ticketId again is refused, as the original's UNIQUE column did.
    let again = json(
        &s,
        Method::POST,
        "/api/service-requests",
        Some(&token),
        body,
    )
    .await;
    again.expect(StatusCode::CONFLICT);
    assert_eq!(
        again.json,
        j!({"success": false, "error": "Ticket ID already exists"})
    );

    // A supervisor files for a customer on the phone: that customer is the requester.
    let mut phoned = request_body();
    phoned["createdBy"] = j!(s.other_customer.id());
    let theirs = file(&s, &s.supervisor.token, phoned).await;
    let theirs_id = theirs["id"].as_i64().expect("id");
    let native = s
        .get(
            &format!("/tickets/{theirs_id}"),
            Some(&s.other_customer.token),
        )
        .await;
    native.expect(StatusCode::OK);
    assert_eq!(
        native.json["ticket"]["requester"]["email"],
        s.other_customer.email()
    );

    // The supervisor's decisions, each with a message; the assignee by name.
    let approved = json(
        &s,
        Method::POST,
        &format!("/api/service-requests/{id}/approve"),
        Some(&s.supervisor.token),
        j!({"supervisor_notes": "Documents in order"}),
    )
    .await;
    approved.expect(StatusCode::OK);
    assert!(approved.json["message"].is_string());
    assert_eq!(approved.json["request"]["status"], "approved");
    let assigned = json(
        &s,
        Method::PATCH,
        &format!("/api/service-requests/{id}"),
        Some(&s.supervisor.token),
        j!({"assigned_to": s.agent.id(), "status": "assigned"}),
    )
    .await;
    assigned.expect(StatusCode::OK);
    assert!(assigned.json["message"].is_string());
    assert_eq!(assigned.json["request"]["assigned_to"], s.agent.id());
    assert_eq!(
        assigned.json["request"]["assigned_to_username"],
        s.agent.user.name.as_str()
    );
    let rejected = json(
        &s,
        Method::POST,
        &format!("/api/service-requests/{theirs_id}/reject"),
        Some(&s.supervisor.token),
        j!({"supervisor_notes": "Outside our service area"}),
    )
    .await;
    rejected.expect(StatusCode::OK);
    assert!(rejected.json["message"].is_string());
    assert_eq!(rejected.json["request"]["status"], "rejected");
    s.stop().await;
}
