//! The HTTP contract around the data: ETags and 304, If-Match and 412, the change feed,
//! the event stream, rate limits and the body size limit.

use crate::common::server;

use std::time::{Duration, Instant};

use desk::server::ServerOptions;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use server::{Reply, Sse, TestServer, send};

fn etag(r: &Reply) -> String {
    let tag = r.header("etag").expect("an ETag").to_string();
    assert!(
        tag.starts_with('"') && tag.ends_with('"') && tag.len() > 2,
        "a strong ETag: {tag}"
    );
    tag
}

async fn get_if_none_match(s: &TestServer, path: &str, token: Option<&str>, tag: &str) -> Reply {
    send(s.req(Method::GET, path, token).header("If-None-Match", tag)).await
}

#[tokio::test]
async fn reads_carry_a_strong_etag_and_answer_304_while_nothing_changed() {
    let s = TestServer::start().await;
    let agent = s.agent.token.clone();
    let key = s.file(&s.customer, "Printer jams", "General").await;
    let paths = [
        format!("/tickets/{key}"),
        "/tickets".to_string(),
        "/tickets?q=status:open".to_string(),
        "/changes?after=0".to_string(),
        "/stats".to_string(),
        "/categories".to_string(),
        "/priorities".to_string(),
        "/statuses".to_string(),
        "/users".to_string(),
    ];
    let mut tags = Vec::new();
    for path in &paths {
        let first = s.get(path, Some(&agent)).await;
        first.expect(StatusCode::OK);
        let tag = etag(&first);
        // The same bytes, the same tag.
        let again = s.get(path, Some(&agent)).await;
        assert_eq!(again.bytes, first.bytes, "{path}");
        assert_eq!(etag(&again), tag, "{path}");
        let cached = get_if_none_match(&s, path, Some(&agent), &tag).await;
        assert_eq!(cached.status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(cached.bytes.is_empty(), "304 has no body: {path}");
        assert_eq!(cached.header("etag"), Some(tag.as_str()), "{path}");
        // One of several tags matching is enough.
        let listed = get_if_none_match(&s, path, Some(&agent), &format!("\"stale\", {tag}")).await;
        assert_eq!(listed.status, StatusCode::NOT_MODIFIED, "{path}");
        // Someone else's tag gets the full answer.
        let other = get_if_none_match(&s, path, Some(&agent), "\"0123\"").await;
        assert_eq!(other.status, StatusCode::OK, "{path}");
        assert_eq!(other.bytes, first.bytes, "{path}");
        tags.push(tag);
    }
    // Tracking without an account is cached the same way.
    let track = format!("/track/{key}?email=jane@example.com");
    let tracked = s.get(&track, None).await;
    tracked.expect(StatusCode::OK);
    let track_tag = etag(&tracked);
    get_if_none_match(&s, &track, None, &track_tag)
        .await
        .expect(StatusCode::NOT_MODIFIED);

    // A public reply changes the ticket, the lists, the feed and the tracker page.
    s.post(
        &format!("/tickets/{key}/comments"),
        Some(&agent),
        json!({"body": "Try turning it off and on again"}),
    )
    .await
    .expect(StatusCode::CREATED);
    for (path, tag) in paths.iter().zip(&tags).take(4) {
        let fresh = get_if_none_match(&s, path, Some(&agent), tag).await;
        assert_eq!(fresh.status, StatusCode::OK, "{path} after a change");
        assert_ne!(&etag(&fresh), tag, "{path}");
    }
    let fresh = get_if_none_match(&s, &track, None, &track_tag).await;
    fresh.expect(StatusCode::OK);
    assert!(fresh.text().contains("Try turning it off and on again"));
    assert_ne!(etag(&fresh), track_tag);
    // Reference data did not change, so its tags still hold.
    for (path, tag) in paths.iter().zip(&tags).skip(5).take(3) {
        get_if_none_match(&s, path, Some(&agent), tag)
            .await
            .expect(StatusCode::NOT_MODIFIED);
    }
}

#[tokio::test]
async fn a_write_based_on_an_old_version_is_refused_with_the_current_ticket() {
    let s = TestServer::start().await;
    let sarah = s.agent.token.clone();
    let mike = s.other_agent.token.clone();
    let key = s.file(&s.customer, "VPN drops every hour", "General").await;
    let path = format!("/tickets/{key}");

    // Both load version 1; Sarah saves first.
    let loaded = s.get(&path, Some(&mike)).await;
    assert_eq!(loaded.json["ticket"]["version"], 1);
    let saved = send(
        s.req(Method::PATCH, &path, Some(&sarah))
            .header("If-Match", "1")
            .json(&json!({"title": "VPN drops every hour on Wi-Fi"})),
    )
    .await;
    saved.expect(StatusCode::OK);
    assert_eq!(saved.json["version"], 2);

    // Mike's edit, based on version 1, is refused and he is shown the ticket as it is.
    let stale = send(
        s.req(Method::PATCH, &path, Some(&mike))
            .header("If-Match", "1")
            .json(&json!({"title": "VPN broken"})),
    )
    .await;
    stale.expect(StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.code(), "stale_version");
    assert_eq!(stale.json["current"]["version"], 2);
    assert_eq!(stale.json["current"]["key"], key.as_str());
    assert_eq!(
        stale.json["current"]["title"],
        "VPN drops every hour on Wi-Fi"
    );
    let message = stale.json["error"]["message"].as_str().unwrap();
    assert!(message.contains("Sarah Johnson"), "{message}");
    let now = s.get(&path, Some(&mike)).await;
    assert_eq!(now.json["ticket"]["title"], "VPN drops every hour on Wi-Fi");
    assert_eq!(now.json["ticket"]["version"], 2);

    // Every write that takes If-Match refuses a stale one and saves nothing.
    let events_before = s.event_count().await;
    let writes: [(&str, Value); 5] = [
        ("comments", json!({"body": "stale reply"})),
        ("transition", json!({"status": "in_progress"})),
        ("assign", json!({"assignee": "mike@example.com"})),
        ("approve", json!({"note": "ok"})),
        ("reject", json!({"note": "no"})),
    ];
    for (action, body) in writes {
        let token = if matches!(action, "approve" | "reject") {
            &s.supervisor.token
        } else {
            &mike
        };
        let r = send(
            s.req(Method::POST, &format!("{path}/{action}"), Some(token))
                .header("If-Match", "1")
                .json(&body),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::PRECONDITION_FAILED,
            "{action}: {}",
            r.text()
        );
        assert_eq!(r.json["current"]["version"], 2, "{action}");
    }
    assert_eq!(s.event_count().await, events_before, "nothing was saved");

    // The current version, bare, quoted or weak, is accepted.
    for (version, tag) in [(2, "2"), (3, "\"3\""), (4, "W/\"4\"")] {
        let r = send(
            s.req(Method::PATCH, &path, Some(&mike))
                .header("If-Match", tag)
                .json(&json!({"tags": [format!("v{version}")]})),
        )
        .await;
        r.expect(StatusCode::OK);
        assert_eq!(r.json["version"], version + 1);
    }
    // Something that is not a version is a client error, not a conflict.
    let bad = send(
        s.req(Method::PATCH, &path, Some(&mike))
            .header("If-Match", "yesterday")
            .json(&json!({"title": "x"})),
    )
    .await;
    bad.expect(StatusCode::BAD_REQUEST);
    assert_eq!(bad.code(), "bad_if_match");
}

#[tokio::test]
async fn the_change_feed_pages_forward_without_gaps_or_repeats() {
    let s = TestServer::start().await;
    let agent = s.agent.token.clone();
    let mut keys = Vec::new();
    for title in ["One", "Two", "Three"] {
        keys.push(s.file(&s.customer, title, "General").await);
    }
    for key in &keys {
        s.post(
            &format!("/tickets/{key}/comments"),
            Some(&agent),
            json!({"body": "on it"}),
        )
        .await
        .expect(StatusCode::CREATED);
    }
    let all = s.get("/changes?after=0", Some(&agent)).await;
    all.expect(StatusCode::OK);
    let all_seqs: Vec<i64> = all.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(all_seqs.len(), 6);
    assert_eq!(all.json["has_more"], false);

    // A poller reading two at a time sees every event once, in order.
    let mut seen = Vec::new();
    let mut after = 0;
    let mut polls = 0;
    loop {
        polls += 1;
        assert!(polls < 10, "the feed never ends");
        let page = s
            .get(&format!("/changes?after={after}&limit=2"), Some(&agent))
            .await;
        page.expect(StatusCode::OK);
        let events = page.json["events"].as_array().unwrap();
        assert!(events.len() <= 2);
        seen.extend(events.iter().map(|e| e["seq"].as_i64().unwrap()));
        after = page.json["last_seq"].as_i64().unwrap();
        if page.json["has_more"] == false {
            break;
        }
    }
    assert_eq!(seen, all_seqs);
    // Nothing new: an empty answer that keeps the place.
    let idle = s
        .get(&format!("/changes?after={after}"), Some(&agent))
        .await;
    idle.expect(StatusCode::OK);
    assert!(idle.json["events"].as_array().unwrap().is_empty());
    assert_eq!(idle.json["last_seq"].as_i64(), Some(after));
    // The next change shows up after that place, alone.
    s.post(
        &format!("/tickets/{}/transition", keys[0]),
        Some(&agent),
        json!({"status": "in_progress"}),
    )
    .await
    .expect(StatusCode::OK);
    let next = s
        .get(&format!("/changes?after={after}"), Some(&agent))
        .await;
    let events = next.json["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{}", next.text());
    assert_eq!(events[0]["kind"], "status_changed");
    assert_eq!(events[0]["ticket"], keys[0].as_str());
    assert_eq!(events[0]["new"], "in_progress");
    assert_eq!(events[0]["actor"]["email"], "sarah@example.com");
    assert!(events[0]["seq"].as_i64().unwrap() > after);
}

#[tokio::test]
async fn the_event_stream_delivers_each_write_within_a_second() {
    let s = TestServer::start().await;
    let agent = s.agent.token.clone();
    let mut stream = Sse::open(&s, &agent, None).await;

    let started = Instant::now();
    let key = s.file(&s.customer, "Stream me", "General").await;
    let created = stream
        .next_within(Duration::from_secs(1))
        .await
        .expect("the created event within a second");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(created.event.as_deref(), Some("created"));
    let data = created.json();
    assert_eq!(data["ticket"], key.as_str());
    assert_eq!(data["kind"], "created");
    assert_eq!(created.id, Some(data["seq"].to_string()));

    let started = Instant::now();
    s.post(
        &format!("/tickets/{key}/comments"),
        Some(&agent),
        json!({"body": "Looking", "visibility": "internal"}),
    )
    .await
    .expect(StatusCode::CREATED);
    let commented = stream
        .next_within(Duration::from_secs(1))
        .await
        .expect("the commented event within a second");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(commented.event.as_deref(), Some("commented"));
    assert!(commented.json()["seq"].as_i64() > data["seq"].as_i64());

    // The stream and the feed tell the same story.
    let feed = s.get("/changes?after=0", Some(&agent)).await;
    let feed_events = feed.json["events"].as_array().unwrap();
    assert_eq!(feed_events[0], data);
    assert_eq!(feed_events[1], commented.json());
}

#[tokio::test]
async fn a_customers_stream_shows_only_the_public_side_of_their_own_tickets() {
    let s = TestServer::start().await;
    let agent = s.agent.token.clone();
    let mine = s.file(&s.customer, "Mine", "General").await;
    let mut stream = Sse::open(&s, &s.customer.token, None).await;

    // An internal note on her ticket, and Bob filing his own: neither is for Jane.
    s.post(
        &format!("/tickets/{mine}/comments"),
        Some(&agent),
        json!({"body": "internal only", "visibility": "internal"}),
    )
    .await
    .expect(StatusCode::CREATED);
    s.file(&s.other_customer, "Bob's", "General").await;
    // A public reply on her ticket is.
    s.post(
        &format!("/tickets/{mine}/comments"),
        Some(&agent),
        json!({"body": "public reply"}),
    )
    .await
    .expect(StatusCode::CREATED);
    let event = stream
        .next_within(Duration::from_secs(1))
        .await
        .expect("the public reply within a second");
    let data = event.json();
    assert_eq!(data["kind"], "commented");
    assert_eq!(data["ticket"], mine.as_str());
    assert_eq!(data["visibility"], "public");
    assert!(
        stream
            .next_within(Duration::from_millis(300))
            .await
            .is_none()
    );
}

#[tokio::test]
async fn a_reconnecting_stream_resumes_after_the_last_event_it_saw() {
    let s = TestServer::start().await;
    let agent = s.agent.token.clone();
    let first = s.file(&s.customer, "First", "General").await;
    let seen = s.get("/changes?after=0", Some(&agent)).await.json["last_seq"]
        .as_i64()
        .unwrap();
    let second = s.file(&s.customer, "Second", "General").await;
    let third = s.file(&s.customer, "Third", "General").await;

    let mut stream = Sse::open(&s, &agent, Some(seen)).await;
    let mut got = Vec::new();
    for _ in 0..2 {
        let e = stream
            .next_within(Duration::from_secs(1))
            .await
            .expect("a missed event");
        got.push(e.json()["ticket"].as_str().unwrap().to_string());
    }
    assert_eq!(got, vec![second, third]);
    assert!(!got.contains(&first));

    // `?after=` does the same for clients that cannot set headers.
    let mut stream = Sse::open_at(&s, &format!("/events/stream?after={seen}"), &agent, None).await;
    let e = stream
        .next_within(Duration::from_secs(1))
        .await
        .expect("a missed event");
    assert_eq!(e.json()["ticket"], got[0].as_str());
}

#[tokio::test]
async fn login_is_rate_limited_with_retry_after() {
    let s = TestServer::start_without_logins(ServerOptions {
        login_burst: 2,
        login_period: Duration::from_secs(60),
        ..Default::default()
    })
    .await;
    for _ in 0..2 {
        s.post(
            "/auth/login",
            None,
            json!({"email": "jane@example.com", "password": "guess guess"}),
        )
        .await
        .expect(StatusCode::UNAUTHORIZED);
    }
    // The next attempt is refused before the password is looked at, even a right one.
    let limited = s
        .post(
            "/auth/login",
            None,
            json!({"email": "jane@example.com", "password": server::PASSWORD}),
        )
        .await;
    limited.expect(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.code(), "rate_limited");
    let wait: u64 = limited
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&wait), "Retry-After: {wait}");
    // Signed-in work is not limited by it.
    s.get("/me", Some(&s.customer.token))
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn anonymous_tracking_is_rate_limited_and_recovers() {
    let s = TestServer::start_without_logins(ServerOptions {
        anonymous_burst: 3,
        anonymous_period: Duration::from_secs(1),
        ..Default::default()
    })
    .await;
    let key = s.file(&s.customer, "Track me", "General").await;
    let path = format!("/track/{key}?email=jane@example.com");
    for _ in 0..3 {
        s.get(&path, None).await.expect(StatusCode::OK);
    }
    // Guessing keys or emails counts too.
    let limited = s.get("/track/TKT-2?email=someone@example.com", None).await;
    limited.expect(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.code(), "rate_limited");
    let wait: u64 = limited
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=2).contains(&wait), "Retry-After: {wait}");
    tokio::time::sleep(Duration::from_secs(wait)).await;
    s.get(&path, None).await.expect(StatusCode::OK);
}

#[tokio::test]
async fn bodies_over_one_mebibyte_are_refused_with_413() {
    let s = TestServer::start().await;
    let agent = s.agent.token.clone();
    let key = s.file(&s.customer, "Big bodies", "General").await;
    let before = (s.event_count().await, s.stats().await);
    let limit = desk::server::BODY_LIMIT;
    assert_eq!(limit, 1024 * 1024);

    // Valid JSON whose only fault is its size.
    let over = |field: &str| {
        let pad = "x".repeat(limit);
        serde_json::to_vec(&json!({ field: pad })).unwrap()
    };
    let cases: Vec<(Method, String, Vec<u8>)> = vec![
        (Method::POST, "/tickets".into(), over("title")),
        (
            Method::PATCH,
            format!("/tickets/{key}"),
            over("description"),
        ),
        (
            Method::POST,
            format!("/tickets/{key}/comments"),
            over("body"),
        ),
        (
            Method::POST,
            format!("/tickets/{key}/transition"),
            over("status"),
        ),
        (
            Method::POST,
            format!("/tickets/{key}/approve"),
            over("note"),
        ),
        (Method::POST, "/auth/login".into(), over("email")),
        (Method::POST, "/categories".into(), over("name")),
    ];
    for (method, path, body) in cases {
        assert!(body.len() > limit);
        let r = send(
            s.req(method.clone(), &path, Some(&agent))
                .header("content-type", "application/json")
                .body(body),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{method} {path}: {}",
            r.text()
        );
    }
    // Sent in chunks with no length up front, it is still refused.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = over("body")
        .chunks(64 * 1024)
        .map(|c| Ok(c.to_vec()))
        .collect();
    let r = s
        .req(
            Method::POST,
            &format!("/tickets/{key}/comments"),
            Some(&agent),
        )
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await;
    match r {
        Ok(r) => assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE),
        // The server may answer and hang up before the client finishes sending.
        Err(e) => assert!(!e.is_timeout(), "{e}"),
    }

    // Just under the limit is read, and refused for what it says.
    let under = serde_json::to_vec(&json!({"body": "y".repeat(limit - 100)})).unwrap();
    assert!(under.len() <= limit);
    let r = send(
        s.req(
            Method::POST,
            &format!("/tickets/{key}/comments"),
            Some(&agent),
        )
        .header("content-type", "application/json")
        .body(under),
    )
    .await;
    r.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json["error"]["field"], "body");

    assert_eq!((s.event_count().await, s.stats().await), before);
}

#[tokio::test]
async fn lists_page_by_cursor_without_gaps_or_repeats() {
    let s = TestServer::start().await;
    let agent = s.agent.token.clone();
    let mut filed = Vec::new();
    for i in 0..7 {
        filed.push(s.file(&s.customer, &format!("Paged {i}"), "General").await);
    }
    for q in ["", "q=status:open%20paged"] {
        let mut seen: Vec<String> = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            pages += 1;
            assert!(pages <= 4, "too many pages");
            let mut path = format!("/tickets?limit=3&{q}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let page = s.get(&path, Some(&agent)).await;
            page.expect(StatusCode::OK);
            let tickets = page.json["tickets"].as_array().unwrap();
            assert!(tickets.len() <= 3);
            seen.extend(
                tickets
                    .iter()
                    .map(|t| t["key"].as_str().unwrap().to_string()),
            );
            match page.json["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        assert_eq!(pages, 3, "{q}");
        // Newest update first, each ticket once.
        let mut newest_first = filed.clone();
        newest_first.reverse();
        assert_eq!(seen, newest_first, "{q}");
    }
    // Past the maximum page size is an error, not an unbounded list.
    let r = s.get("/tickets?limit=100000", Some(&agent)).await;
    r.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json["error"]["field"], "limit");
    let r = s.get("/tickets?limit=abc", Some(&agent)).await;
    r.expect(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn shutting_down_ends_open_event_streams() {
    let s = TestServer::start().await;
    let mut stream = Sse::open(&s, &s.agent.token, None).await;
    // A dashboard is following the desk when the operator stops the server.
    assert!(
        s.stop_within(Duration::from_secs(3)).await,
        "the server kept running for an open event stream after shutdown was asked for"
    );
    assert!(stream.next_within(Duration::from_secs(1)).await.is_none());
}

#[tokio::test]
async fn a_customers_conflict_does_not_reveal_internal_notes() {
    let s = TestServer::start().await;
    let key = s.file(&s.customer, "Refund please", "General").await;
    // Sarah writes an internal note: nothing Jane can see.
    s.post(
        &format!("/tickets/{key}/comments"),
        Some(&s.agent.token),
        json!({"body": "Customer is known for chargebacks", "visibility": "internal"}),
    )
    .await
    .expect(StatusCode::CREATED);
    let visible = s
        .get(&format!("/tickets/{key}"), Some(&s.customer.token))
        .await;
    assert!(!visible.text().contains("Sarah"), "{}", visible.text());

    // Jane replies based on the version she had; the refusal tells her only what she
    // may know.
    let r = send(
        s.req(
            Method::POST,
            &format!("/tickets/{key}/comments"),
            Some(&s.customer.token),
        )
        .header("If-Match", "1")
        .json(&json!({"body": "Any news?"})),
    )
    .await;
    r.expect(StatusCode::PRECONDITION_FAILED);
    assert_eq!(r.json["current"]["version"], 2);
    assert!(
        !r.text().contains("Sarah") && !r.text().contains("comment to"),
        "the conflict tells a customer about an internal note: {}",
        r.text()
    );
}

/// Files `n` tickets one after another, as fast as the server takes them.
fn file_in_background(s: &TestServer, n: usize) -> tokio::task::JoinHandle<()> {
    let http = s.http.clone();
    let url = s.url("/tickets");
    let token = s.customer.token.clone();
    tokio::spawn(async move {
        for i in 0..n {
            let r = send(
                http.post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"title": format!("Burst {i}")})),
            )
            .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        }
    })
}

#[tokio::test]
async fn a_poller_racing_busy_writers_misses_no_event() {
    let s = TestServer::start().await;
    let agent = s.agent.token.clone();
    let writes = 60;
    let writer = file_in_background(&s, writes);
    let mut seen: Vec<i64> = Vec::new();
    let mut after = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while seen.len() < writes && tokio::time::Instant::now() < deadline {
        // Asked before the poll: a poll that read the feed just before the last write
        // committed may come back after the writer finished, and must not end the loop.
        let writer_done = writer.is_finished();
        let page = s
            .get(&format!("/changes?after={after}"), Some(&agent))
            .await;
        page.expect(StatusCode::OK);
        seen.extend(
            page.json["events"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["seq"].as_i64().unwrap()),
        );
        after = page.json["last_seq"].as_i64().unwrap();
        if writer_done && page.json["events"].as_array().unwrap().is_empty() {
            break;
        }
    }
    writer.await.expect("writer");
    let expected: Vec<i64> = (1..=writes as i64).collect();
    assert_eq!(
        seen, expected,
        "a poller following `last_seq` lost events written while it polled"
    );
}

#[tokio::test]
async fn a_stream_following_busy_writers_misses_no_event() {
    let s = TestServer::start().await;
    let mut stream = Sse::open(&s, &s.agent.token, None).await;
    let writes = 60;
    let writer = file_in_background(&s, writes);
    let mut seen: Vec<i64> = Vec::new();
    while seen.len() < writes {
        // Every write is followed by its event within a second.
        match stream.next_within(Duration::from_secs(1)).await {
            Some(e) => seen.push(e.json()["seq"].as_i64().unwrap()),
            None => break,
        }
    }
    writer.await.expect("writer");
    let expected: Vec<i64> = (1..=writes as i64).collect();
    assert_eq!(
        seen, expected,
        "the stream lost events written while it read"
    );
}

#[tokio::test]
async fn a_page_size_out_of_range_is_refused_alike_by_the_server_and_the_local_desk() {
    let s = TestServer::start().await;
    let agent = desk::service::Actor::User(s.agent.user.clone());
    for limit in [0u32, desk::service::PAGE_MAX + 1] {
        let reply = s
            .get(&format!("/tickets?limit={limit}"), Some(&s.agent.token))
            .await;
        reply.expect(StatusCode::UNPROCESSABLE_ENTITY);
        let local = s.service.list_tickets(&agent, "", Some(limit), None).await;
        let Err(desk::service::ServiceError::Invalid(invalid)) = local else {
            panic!("the service took limit {limit}: {local:?}");
        };
        assert_eq!(invalid.field, "limit");
        assert_eq!(reply.json["error"]["field"], "limit", "{}", reply.text());
        assert_eq!(
            reply.json["error"]["message"],
            desk::service::ServiceError::Invalid(invalid).to_string()
        );
    }
    let max = s
        .service
        .list_tickets(&agent, "", Some(desk::service::PAGE_MAX), None)
        .await;
    assert!(max.is_ok(), "{max:?}");
    s.stop().await;
}

#[tokio::test]
async fn the_per_day_series_counts_what_was_filed_and_resolved_today() {
    let s = TestServer::start().await;
    let staff = s.agent.token.clone();
    let before = s.get("/stats/series?days=3", Some(&staff)).await;
    before.expect(StatusCode::OK);
    let today = |r: &Reply, field: &str| r.json["days"][2][field].as_i64().expect("a count");
    let (created0, resolved0) = (today(&before, "created"), today(&before, "resolved"));
    assert_eq!(before.json["days"].as_array().map(Vec::len), Some(3));
    let date = before.json["days"][2]["date"]
        .as_str()
        .expect("a date")
        .to_string();
    assert_eq!(date, chrono::Utc::now().format("%Y-%m-%d").to_string());

    let mut keys = Vec::new();
    for title in ["Printer jams", "VPN drops", "Mouse broken"] {
        keys.push(s.file(&s.customer, title, "General").await);
    }
    for status in ["in_progress", "resolved"] {
        s.post(
            &format!("/tickets/{}/transition", keys[0]),
            Some(&staff),
            json!({"status": status}),
        )
        .await
        .expect(StatusCode::OK);
    }
    let after = s.get("/stats/series?days=3", Some(&staff)).await;
    assert_eq!(today(&after, "created"), created0 + 3, "{}", after.text());
    assert_eq!(today(&after, "resolved"), resolved0 + 1, "{}", after.text());
    // The series counts the same tickets the query language finds.
    let q = "VPN";
    let narrowed = s
        .get(&format!("/stats/series?days=1&q={q}"), Some(&staff))
        .await;
    narrowed.expect(StatusCode::OK);
    let counted = s.get(&format!("/tickets/count?q={q}"), Some(&staff)).await;
    assert_eq!(narrowed.json["days"][0]["created"], counted.json["count"]);
    assert_eq!(narrowed.json["q"], q);

    // Bad input is refused, customers see no statistics.
    s.get("/stats/series?days=0", Some(&staff))
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    let long = s.get("/stats/series?days=91", Some(&staff)).await;
    long.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(long.text().contains("1 to 90"), "{}", long.text());
    s.get("/stats/series?q=status:bogus", Some(&staff))
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    s.get("/stats/series?weeks=2", Some(&staff))
        .await
        .expect(StatusCode::BAD_REQUEST);
    s.get("/stats/series", Some(&s.customer.token))
        .await
        .expect(StatusCode::FORBIDDEN);
    s.stop().await;
}
