//! Seed 000's tracker page against `desk serve`: file with an email and a trip, look it
//! up by id and email, list by email; the same ticket as the native API's.

use crate::common::server;

use crate::common::compat;

use std::time::Duration;

use compat::{ANONYMOUS, ON, garbage, get, json, options};
use reqwest::{Method, StatusCode};
use serde_json::json as j;
use server::TestServer;

async fn tracker() -> TestServer {
    TestServer::start_with(options(|c| c.tracking = ON)).await
}

async fn file(s: &TestServer, email: &str) -> String {
    let reply = json(
        s,
        Method::POST,
        "/api/create_ticket",
        None,
        j!({"email": email, "trip_id": "12345", "itinerary": {"days": [{"city": "Baguio"}]}}),
    )
    .await;
    reply.expect(StatusCode::CREATED);
    reply.json["ticket_id"]
        .as_str()
        .expect("ticket_id")
        .to_string()
}

#[tokio::test]
async fn create_then_look_up_by_id_and_email() {
    let s = tracker().await;
    let created = json(
        &s,
        Method::POST,
        "/api/create_ticket",
        None,
        j!({"email": "traveller@example.com", "trip_id": "12345", "itinerary": {"days": 3}}),
    )
    .await;
    created.expect(StatusCode::CREATED);
    assert_eq!(created.json["status"], "created");
    assert!(
        created.json["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    let id = created.json["ticket_id"].as_str().expect("ticket_id");
    assert!(id.starts_with("TKT-"), "{id}");

    let found = get(
        &s,
        &format!("/api/tickets/{id}?email=traveller@example.com"),
        None,
    )
    .await;
    found.expect(StatusCode::OK);
    let t = &found.json["ticket"];
    assert_eq!(t["ticket_id"], id);
    assert_eq!(t["status"], "active");
    // `trip` is the itinerary as sent, the trip id beside it.
    assert_eq!(t["trip_id"], "12345");
    assert_eq!(t["trip"], j!({"days": 3}));
    for time in ["created_at", "updated_at"] {
        let v = t[time].as_str().expect(time);
        assert!(chrono::DateTime::parse_from_rfc3339(v).is_ok(), "{v}");
    }
    s.stop().await;
}

#[tokio::test]
async fn unknown_ids_and_wrong_emails_get_one_answer() {
    let s = tracker().await;
    let id = file(&s, "traveller@example.com").await;
    let wrong = get(
        &s,
        &format!("/api/tickets/{id}?email=someone@example.com"),
        None,
    )
    .await;
    let unknown = get(
        &s,
        "/api/tickets/TKT-9999?email=traveller@example.com",
        None,
    )
    .await;
    let garbage_id = get(
        &s,
        "/api/tickets/nonsense?email=traveller@example.com",
        None,
    )
    .await;
    for reply in [&wrong, &unknown, &garbage_id] {
        reply.expect(StatusCode::NOT_FOUND);
        assert_eq!(reply.json, j!({"error": "Ticket not found"}));
    }
    let no_email = get(&s, &format!("/api/tickets/{id}"), None).await;
    no_email.expect(StatusCode::BAD_REQUEST);
    assert!(no_email.json["error"].is_string());
    s.stop().await;
}

#[tokio::test]
async fn bad_bodies_get_400_with_an_error() {
    let s = tracker().await;
    for body in [
        j!({}),
        j!({"trip_id": "1"}),
        j!({"email": "not-an-email"}),
        j!({"email": "a@b.co", "itinerary": "a string"}),
        j!([1, 2]),
    ] {
        let reply = json(&s, Method::POST, "/api/create_ticket", None, body.clone()).await;
        reply.expect(StatusCode::BAD_REQUEST);
        assert!(reply.json["error"].is_string(), "{body}: {}", reply.text());
    }
    let reply = garbage(&s, Method::POST, "/api/create_ticket", None).await;
    reply.expect(StatusCode::BAD_REQUEST);
    assert!(reply.json["error"].is_string());
    // Over the size limit, refused before the handler reads it: still a string the page
    // can show, never desk's error object ("[object Object]").
    let huge = format!(
        "{{\"email\": \"a@b.co\", \"notes\": \"{}\"}}",
        "x".repeat(desk::server::BODY_LIMIT + 1)
    );
    let reply = server::send(
        compat::at(&s, Method::POST, "/api/create_ticket", None)
            .header("content-type", "application/json")
            .body(huge),
    )
    .await;
    reply.expect(StatusCode::PAYLOAD_TOO_LARGE);
    let said = reply.json["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", reply.text()));
    assert!(said.contains("over the limit"), "{said}");
    s.stop().await;
}

#[tokio::test]
async fn the_same_ticket_through_the_native_api() {
    let s = tracker().await;
    let id = file(&s, "traveller@example.com").await;
    let native = s
        .get(&format!("/track/{id}?email=traveller@example.com"), None)
        .await;
    native.expect(StatusCode::OK);
    assert_eq!(native.json["key"], id.as_str());
    assert_eq!(native.json["status"], "new");

    // Staff see its trip as custom fields, and work it with the native API.
    let staff = s.get(&format!("/tickets/{id}"), Some(&s.agent.token)).await;
    staff.expect(StatusCode::OK);
    assert_eq!(staff.json["ticket"]["custom_fields"]["trip_id"], "12345");
    assert_eq!(
        staff.json["ticket"]["requester"]["email"],
        "traveller@example.com"
    );
    s.post(
        &format!("/tickets/{id}/transition"),
        Some(&s.agent.token),
        j!({"status": "resolved"}),
    )
    .await
    .expect(StatusCode::OK);
    let tracked = get(
        &s,
        &format!("/api/tickets/{id}?email=traveller@example.com"),
        None,
    )
    .await;
    tracked.expect(StatusCode::OK);
    assert_eq!(tracked.json["ticket"]["status"], "resolved");
    s.post(
        &format!("/tickets/{id}/transition"),
        Some(&s.agent.token),
        j!({"status": "closed"}),
    )
    .await
    .expect(StatusCode::OK);
    let tracked = get(
        &s,
        &format!("/api/tickets/{id}?email=traveller@example.com"),
        None,
    )
    .await;
    assert_eq!(tracked.json["ticket"]["status"], "closed");

    // The change feed carries it like any other ticket.
    let feed = s.get("/changes?after=0", Some(&s.admin.token)).await;
    feed.expect(StatusCode::OK);
    let kinds: Vec<&str> = feed.json["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["ticket"] == id.as_str())
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["created", "status_changed", "status_changed"]);
    s.stop().await;
}

#[tokio::test]
async fn listing_by_email_takes_a_token() {
    let s = tracker().await;
    let first = file(&s, "traveller@example.com").await;
    let second = file(&s, "traveller@example.com").await;
    file(&s, "other@example.com").await;

    let anonymous = get(&s, "/api/tickets?email=traveller@example.com", None).await;
    anonymous.expect(StatusCode::UNAUTHORIZED);
    assert!(anonymous.json["error"].is_string());
    let bad_token = get(&s, "/api/tickets?email=traveller@example.com", Some("nope")).await;
    bad_token.expect(StatusCode::UNAUTHORIZED);

    let listed = get(
        &s,
        "/api/tickets?email=traveller@example.com",
        Some(&s.agent.token),
    )
    .await;
    listed.expect(StatusCode::OK);
    let ids: Vec<&str> = listed.json["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .filter_map(|t| t["ticket_id"].as_str())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&first.as_str()) && ids.contains(&second.as_str()));
    assert_eq!(listed.json["tickets"][0]["status"], "active");

    // The X-API-Key header works as well as a bearer token.
    let keyed = compat::at(
        &s,
        Method::GET,
        "/api/tickets?email=traveller@example.com",
        None,
    )
    .header("x-api-key", &s.agent.token);
    server::send(keyed).await.expect(StatusCode::OK);

    // A customer's token lists only what the service lets them see: not others' tickets.
    let nosy = get(
        &s,
        "/api/tickets?email=traveller@example.com",
        Some(&s.customer.token),
    )
    .await;
    nosy.expect(StatusCode::OK);
    assert_eq!(nosy.json["tickets"], j!([]));

    let no_email = get(&s, "/api/tickets", Some(&s.agent.token)).await;
    no_email.expect(StatusCode::BAD_REQUEST);
    s.stop().await;
}

#[tokio::test]
async fn an_anonymous_surface_lists_without_a_token() {
    let s = TestServer::start_with(options(|c| c.tracking = ANONYMOUS)).await;
    file(&s, "traveller@example.com").await;
    let listed = get(&s, "/api/tickets?email=traveller@example.com", None).await;
    listed.expect(StatusCode::OK);
    assert_eq!(listed.json["tickets"].as_array().map(Vec::len), Some(1));
    s.stop().await;
}

#[tokio::test]
async fn off_by_default() {
    let s = TestServer::start().await;
    let reply = json(
        &s,
        Method::POST,
        "/api/create_ticket",
        None,
        j!({"email": "traveller@example.com"}),
    )
    .await;
    reply.expect(StatusCode::NOT_FOUND);
    s.stop().await;
}

#[tokio::test]
async fn lookups_are_rate_limited() {
    let mut opts = options(|c| c.tracking = ON);
    opts.anonymous_burst = 2;
    opts.anonymous_period = Duration::from_secs(60);
    let s = TestServer::start_with(opts).await;
    let id = file(&s, "traveller@example.com").await;
    get(
        &s,
        &format!("/api/tickets/{id}?email=traveller@example.com"),
        None,
    )
    .await
    .expect(StatusCode::OK);
    let limited = get(
        &s,
        &format!("/api/tickets/{id}?email=traveller@example.com"),
        None,
    )
    .await;
    limited.expect(StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.json["error"].is_string());
    assert!(limited.header("retry-after").is_some());
    s.stop().await;
}

/// What the tracker page reads: `ticket.destination || trip.destination`, the days of
/// `trip.itinerary[]` with their places, and the list's dates.
#[tokio::test]
async fn the_tracker_page_reads_its_trip_and_can_withdraw_the_ticket() {
    let s = TestServer::start_with(options(|c| c.tracking = ANONYMOUS)).await;
    let start = chrono::Utc::now().date_naive() + chrono::Days::new(10);
    let end = start + chrono::Days::new(3);
    let itinerary = j!({
        "destination": "Baguio City",
        "travel_dates": format!("{start} to {end}"),
        "travelers": 2,
        "budget": "PHP 20000",
        "itinerary": [
            {"day": 1, "places": [
                {"name": "Burnham Park", "category": "park", "latitude": 16.4124, "longitude": 120.5936}
            ]},
            {"day": 2, "places": []}
        ]
    });
    let created = json(
        &s,
        Method::POST,
        "/api/create_ticket",
        None,
        j!({"email": "traveller@example.com", "trip_id": "T-77", "itinerary": itinerary}),
    )
    .await;
    created.expect(StatusCode::CREATED);
    let id = created.json["ticket_id"]
        .as_str()
        .expect("ticket_id")
        .to_string();

    let found = get(
        &s,
        &format!("/api/tickets/{id}?email=traveller@example.com"),
        None,
    )
    .await;
    found.expect(StatusCode::OK);
    let t = &found.json["ticket"];
    assert_eq!(t["trip"], itinerary, "trip is the stored itinerary itself");
    assert_eq!(
        t["trip"]["itinerary"][0]["places"][0]["name"],
        "Burnham Park"
    );
    assert_eq!(t["trip_id"], "T-77");
    assert_eq!(t["destination"], "Baguio City");
    assert_eq!(t["travel_dates"], itinerary["travel_dates"]);
    assert_eq!(t["travelers"], 2);

    let listed = get(&s, "/api/tickets?email=traveller@example.com", None).await;
    listed.expect(StatusCode::OK);
    let row = &listed.json["tickets"][0];
    assert_eq!(row["ticket_id"], id.as_str());
    assert_eq!(row["destination"], "Baguio City");
    assert_eq!(row["travel_dates"], itinerary["travel_dates"]);
    assert_eq!(row["days_until_trip"], 10);

    // The delete button: a wrong email or an unknown id is one 404 with a string.
    for path in [
        format!("/api/tickets/{id}/delete?email=someone@example.com"),
        "/api/tickets/TKT-9999/delete?email=traveller@example.com".to_string(),
        "/api/tickets/nonsense/delete?email=traveller@example.com".to_string(),
    ] {
        let reply = server::send(compat::at(&s, Method::DELETE, &path, None)).await;
        reply.expect(StatusCode::NOT_FOUND);
        assert_eq!(reply.json, j!({"error": "Ticket not found"}), "{path}");
    }
    let no_email = server::send(compat::at(
        &s,
        Method::DELETE,
        &format!("/api/tickets/{id}/delete"),
        None,
    ))
    .await;
    no_email.expect(StatusCode::BAD_REQUEST);
    assert!(no_email.json["error"].is_string());

    let gone = server::send(compat::at(
        &s,
        Method::DELETE,
        &format!("/api/tickets/{id}/delete?email=traveller@example.com"),
        None,
    ))
    .await;
    gone.expect(StatusCode::OK);
    assert!(gone.json["message"].is_string());

    // Withdrawn, not destroyed: closed, and the audit trail says why.
    let after = get(
        &s,
        &format!("/api/tickets/{id}?email=traveller@example.com"),
        None,
    )
    .await;
    after.expect(StatusCode::OK);
    assert_eq!(after.json["ticket"]["status"], "closed");
    let staff = s.get(&format!("/tickets/{id}"), Some(&s.agent.token)).await;
    staff.expect(StatusCode::OK);
    assert_eq!(staff.json["ticket"]["status"], "closed");
    let notes: Vec<String> = staff.json["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["note"].as_str().map(str::to_lowercase))
        .collect();
    assert!(
        notes.iter().any(|n| n == "withdrawn by the requester"),
        "{notes:?}"
    );
    s.stop().await;
}
