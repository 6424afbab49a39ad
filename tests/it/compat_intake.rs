//! Seed 001's mobile app against `desk serve`: `POST /create_ticket` files a ticket with
//! an integer id that is the native API's ticket.

use crate::common::server;

use crate::common::compat;

use std::time::Duration;

use compat::{ON, garbage, json, options};
use reqwest::{Method, StatusCode};
use serde_json::json as j;
use server::{Sse, TestServer};

async fn intake() -> TestServer {
    TestServer::start_with(options(|c| c.intake = ON)).await
}

#[tokio::test]
async fn the_app_files_a_ticket_and_staff_see_it() {
    let s = intake().await;
    let mut stream = Sse::open(&s, &s.agent.token, None).await;
    let reply = json(
        &s,
        Method::POST,
        "/create_ticket",
        None,
        j!({
            "user_id": "john_doe",
            "pdf_link": "https://example.com/product-guide.pdf",
            "product_id": "optional_product_id",
            "other_ids": "optional_other_ids",
        }),
    )
    .await;
    reply.expect(StatusCode::CREATED);
    assert_eq!(reply.json["success"], true);
    assert_eq!(reply.json["message"], "Ticket created successfully");
    let id = reply.json["ticket_id"]
        .as_i64()
        .expect("an integer ticket id");

    let native = s.get(&format!("/tickets/{id}"), Some(&s.agent.token)).await;
    native.expect(StatusCode::OK);
    let t = &native.json["ticket"];
    assert_eq!(t["id"], id);
    assert_eq!(t["status"], "new");
    let fields = &t["custom_fields"];
    assert_eq!(fields["pdf_link"], "https://example.com/product-guide.pdf");
    assert_eq!(fields["product_id"], "optional_product_id");
    assert_eq!(fields["other_ids"], "optional_other_ids");
    assert_eq!(fields["user_id"], "john_doe");

    // The live dashboard's push: desk's event stream carries the new ticket.
    let event = stream
        .next_within(Duration::from_secs(5))
        .await
        .expect("an event for the new ticket");
    assert_eq!(event.json()["kind"], "created");
    assert_eq!(event.json()["ticket"], t["key"]);
    s.stop().await;
}

#[tokio::test]
async fn missing_fields_and_bad_bodies_are_400_never_500() {
    let s = intake().await;
    for body in [
        j!({}),
        j!({"user_id": "john_doe"}),
        j!({"pdf_link": "https://example.com/a.pdf"}),
        j!({"user_id": "", "pdf_link": "https://example.com/a.pdf"}),
    ] {
        let reply = json(&s, Method::POST, "/create_ticket", None, body.clone()).await;
        reply.expect(StatusCode::BAD_REQUEST);
        assert_eq!(
            reply.json,
            j!({"error": "user_id and pdf_link are required"}),
            "{body}"
        );
    }
    let reply = garbage(&s, Method::POST, "/create_ticket", None).await;
    reply.expect(StatusCode::BAD_REQUEST);
    assert!(reply.json["error"].is_string());
    let plain = server::send(
        compat::at(&s, Method::POST, "/create_ticket", None)
            .header("content-type", "text/plain")
            .body("user_id=john"),
    )
    .await;
    plain.expect(StatusCode::BAD_REQUEST);
    assert!(plain.json["error"].is_string());
    s.stop().await;
}

#[tokio::test]
async fn numeric_user_ids_are_taken_and_the_same_user_is_one_requester() {
    let s = intake().await;
    let mut keys = Vec::new();
    for _ in 0..2 {
        let reply = json(
            &s,
            Method::POST,
            "/create_ticket",
            None,
            j!({"user_id": 42, "pdf_link": "https://example.com/a.pdf"}),
        )
        .await;
        reply.expect(StatusCode::CREATED);
        keys.push(reply.json["ticket_id"].as_i64().expect("id"));
    }
    assert_ne!(keys[0], keys[1]);
    let mut requesters = Vec::new();
    for id in keys {
        let t = s.get(&format!("/tickets/{id}"), Some(&s.agent.token)).await;
        requesters.push(t.json["ticket"]["requester"]["email"].clone());
    }
    assert_eq!(requesters[0], requesters[1]);
    s.stop().await;
}

#[tokio::test]
async fn intake_is_rate_limited() {
    let mut opts = options(|c| c.intake = ON);
    opts.anonymous_burst = 1;
    opts.anonymous_period = Duration::from_secs(60);
    let s = TestServer::start_with(opts).await;
    let body = j!({"user_id": "john_doe", "pdf_link": "https://example.com/a.pdf"});
    json(&s, Method::POST, "/create_ticket", None, body.clone())
        .await
        .expect(StatusCode::CREATED);
    let limited = json(&s, Method::POST, "/create_ticket", None, body).await;
    limited.expect(StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.json["error"].is_string());
    s.stop().await;
}

#[tokio::test]
async fn a_long_user_id_still_files_a_ticket() {
    let s = intake().await;
    let user_id = "u".repeat(300);
    let reply = json(
        &s,
        Method::POST,
        "/create_ticket",
        None,
        j!({"user_id": user_id, "pdf_link": "https://example.com/a.pdf"}),
    )
    .await;
    reply.expect(StatusCode::CREATED);
    let id = reply.json["ticket_id"].as_i64().expect("id");
    let t = s.get(&format!("/tickets/{id}"), Some(&s.agent.token)).await;
    assert_eq!(
        t.json["ticket"]["custom_fields"]["user_id"],
        user_id.as_str()
    );
    s.stop().await;
}
