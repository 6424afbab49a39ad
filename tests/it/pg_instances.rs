//! Two `desk serve` instances on one PostgreSQL database, as a team runs them behind a
//! load balancer: writes through both at once; every event reaches a poller and a
//! stream subscriber on each instance exactly once, in sequence order; ticket keys stay
//! unique; a token from one instance works on the other. Skipped (with a message) where
//! no PostgreSQL answers.

use crate::common::server;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use desk::server::ServerOptions;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::{PASSWORD, Sse, TestDb, TestServer, pg_admin_url, pg_reachable};

/// Writers per instance, and tickets each files (each ticket also gets a comment).
const WRITERS: usize = 4;
const TICKETS_EACH: usize = 8;

async fn two_instances() -> Option<(TestServer, TestServer)> {
    if !pg_reachable().await {
        eprintln!(
            "skipped: no PostgreSQL answers at {} (set DESK_TEST_PG to point elsewhere)",
            pg_admin_url()
        );
        return None;
    }
    let db = Arc::new(TestDb::postgres().await);
    let a = TestServer::launch_on(db, ServerOptions::default(), false).await;
    let b = a.second_instance(ServerOptions::default()).await;
    Some((a, b))
}

fn seqs(events: &[Value]) -> Vec<i64> {
    events
        .iter()
        .map(|e| e["seq"].as_i64().expect("seq"))
        .collect()
}

/// Polls `/changes` on `server` until `done` is set and a poll after that finds
/// nothing new.
/// Files tickets through `server`, each with an internal note; returns their keys.
async fn write(server: &TestServer, w: usize) -> Vec<String> {
    let mut keys = Vec::new();
    for i in 0..TICKETS_EACH {
        let title = format!("printer {w}-{i} on {}", server.addr);
        let key = server.file(&server.customer, &title, "General").await;
        server
            .post(
                &format!("/tickets/{key}/comments"),
                Some(&server.agent.token),
                json!({"body": "looking", "visibility": "internal"}),
            )
            .await
            .expect(StatusCode::CREATED);
        keys.push(key);
    }
    keys
}

async fn poll_until_quiet(
    server: &TestServer,
    token: &str,
    after: i64,
    done: &AtomicBool,
) -> Vec<Value> {
    let mut seen = Vec::new();
    let mut cursor = after;
    loop {
        let finished = done.load(Ordering::SeqCst);
        let reply = server
            .get(&format!("/changes?after={cursor}"), Some(token))
            .await;
        reply.expect(StatusCode::OK);
        let events = reply.json["events"].as_array().cloned().unwrap_or_default();
        let more = reply.json["has_more"].as_bool().unwrap_or(false);
        cursor = reply.json["last_seq"]
            .as_i64()
            .expect("last_seq")
            .max(cursor);
        let empty = events.is_empty();
        seen.extend(events);
        if finished && empty && !more {
            return seen;
        }
        if empty {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_through_both_instances_reach_every_follower_once_in_order() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    let admin = a.admin.token.clone();
    let start = a.get("/changes?after=0", Some(&admin)).await;
    start.expect(StatusCode::OK);
    let after = start.json["last_seq"].as_i64().expect("last_seq");

    let mut sse_a = Sse::open(&a, &admin, Some(after)).await;
    let mut sse_b = Sse::open(&b, &admin, Some(after)).await;
    let done = AtomicBool::new(false);

    let writers = async {
        let mut all = Vec::new();
        let runs = (0..WRITERS)
            .map(|w| write(&a, w))
            .chain((0..WRITERS).map(|w| write(&b, w + WRITERS)));
        for keys in futures_util::future::join_all(runs).await {
            all.extend(keys);
        }
        done.store(true, Ordering::SeqCst);
        all
    };
    let (keys, polled_a, polled_b) = tokio::join!(
        writers,
        poll_until_quiet(&a, &admin, after, &done),
        poll_until_quiet(&b, &admin, after, &done),
    );

    let total = 2 * WRITERS * TICKETS_EACH;
    let unique: HashSet<&String> = keys.iter().collect();
    assert_eq!(
        unique.len(),
        total,
        "ticket keys are unique across instances"
    );

    // The feed as it stands once everything committed: two events per ticket.
    let whole = b
        .get(&format!("/changes?after={after}"), Some(&admin))
        .await;
    whole.expect(StatusCode::OK);
    let expected = seqs(whole.json["events"].as_array().expect("events"));
    assert_eq!(expected.len(), 2 * total);
    assert!(
        expected.windows(2).all(|w| w[0] < w[1]),
        "sequence numbers rise"
    );
    assert_eq!(
        seqs(&polled_a),
        expected,
        "the poller on A saw each event once"
    );
    assert_eq!(
        seqs(&polled_b),
        expected,
        "the poller on B saw each event once"
    );

    for (name, sse) in [("A", &mut sse_a), ("B", &mut sse_b)] {
        let mut streamed = Vec::new();
        while streamed.len() < expected.len() {
            let Some(event) = sse.next_within(Duration::from_secs(15)).await else {
                break;
            };
            streamed.push(event.id.and_then(|id| id.parse::<i64>().ok()).expect("id"));
        }
        assert_eq!(
            streamed, expected,
            "the stream on {name} carried every event once, in order"
        );
        assert!(
            sse.next_within(Duration::from_millis(300)).await.is_none(),
            "and nothing more"
        );
    }
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn a_token_from_one_instance_works_on_the_other_and_revocation_reaches_it() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    let login = b
        .post(
            "/auth/login",
            None,
            json!({"email": a.agent.email(), "password": PASSWORD}),
        )
        .await;
    login.expect(StatusCode::OK);
    let token = login.json["token"].as_str().expect("token").to_string();
    let me = a.get("/me", Some(&token)).await;
    me.expect(StatusCode::OK);
    assert_eq!(me.json["email"], a.agent.email());

    // A live push on A of a write made on B, with B's token.
    let mut sse = Sse::open(&a, &token, None).await;
    let key = b.file(&b.customer, "scanner jams", "General").await;
    let event = sse
        .next_within(Duration::from_secs(10))
        .await
        .expect("A pushes B's write");
    assert_eq!(event.json()["ticket"], key.as_str());

    b.post("/auth/logout", Some(&token), json!(null))
        .await
        .expect(StatusCode::NO_CONTENT);
    // A caches checked tokens for a few seconds; after that the revocation holds there.
    tokio::time::sleep(Duration::from_secs(6)).await;
    a.get("/me", Some(&token))
        .await
        .expect(StatusCode::UNAUTHORIZED);
}
