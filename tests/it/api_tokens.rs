//! Signing in and out over HTTP: tokens expire, logging out revokes one token, a new
//! password or a deactivated account ends sessions, and a stream dies with its token.

use crate::common::server;

use std::time::Duration;

use desk::server::ServerOptions;
use reqwest::StatusCode;
use serde_json::json;
use server::{Sse, TestServer};

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[tokio::test]
async fn login_hands_out_a_token_that_lives_as_long_as_configured() {
    let s = TestServer::start_with(ServerOptions {
        token_ttl_hours: 2,
        ..Default::default()
    })
    .await;
    let before = now_ms();
    let r = s
        .post(
            "/auth/login",
            None,
            json!({"email": "  Sarah@Example.com ", "password": server::PASSWORD}),
        )
        .await;
    r.expect(StatusCode::OK);
    assert_eq!(r.json["user"]["email"], "sarah@example.com");
    assert_eq!(r.json["user"]["role"], "agent");
    assert!(r.json["user"].get("password_hash").is_none());
    let expires = chrono::DateTime::parse_from_rfc3339(r.json["expires_at"].as_str().unwrap())
        .expect("RFC 3339")
        .timestamp_millis();
    let two_hours = 2 * 3600 * 1000;
    assert!(
        (before + two_hours - 1000..=now_ms() + two_hours + 1000).contains(&expires),
        "expires_at {expires} is not two hours from now"
    );
    let token = r.json["token"].as_str().unwrap();
    let me = s.get("/me", Some(token)).await;
    me.expect(StatusCode::OK);
    assert_eq!(me.json["email"], "sarah@example.com");
}

#[tokio::test]
async fn wrong_passwords_and_unknown_people_get_the_same_answer() {
    let s = TestServer::start().await;
    let wrong = s
        .post(
            "/auth/login",
            None,
            json!({"email": "sarah@example.com", "password": "not her password"}),
        )
        .await;
    let nobody = s
        .post(
            "/auth/login",
            None,
            json!({"email": "nobody@example.com", "password": "not her password"}),
        )
        .await;
    wrong.expect(StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.code(), "unauthenticated");
    assert_eq!(wrong.bytes, nobody.bytes);
    assert_eq!(wrong.status, nobody.status);
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let s = TestServer::start().await;
    let issued = s
        .service
        .issue_token(&s.agent.user, "expiry-test", 1)
        .await
        .expect("token");
    s.get("/me", Some(&issued.token))
        .await
        .expect(StatusCode::OK);

    // An hour passes (the token's expiry moves into the past).
    let moved = sqlx::query("UPDATE api_tokens SET expires_at = $1 WHERE label = 'expiry-test'")
        .bind(now_ms() - 1000)
        .execute(s.service.store().pool())
        .await
        .expect("expire the token");
    assert_eq!(moved.rows_affected(), 1);
    // The edit went behind the service's back; a real expiry is seen through the
    // cached expiry time, this one once the short-lived cache is dropped.
    s.service.forget_cached_tokens();

    for path in ["/me", "/tickets", "/changes"] {
        let r = s.get(path, Some(&issued.token)).await;
        r.expect(StatusCode::UNAUTHORIZED);
        assert_eq!(r.code(), "unauthenticated");
        assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    }
    // Sarah's own login token is another token and still works.
    s.get("/me", Some(&s.agent.token))
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn logging_out_revokes_that_token_only() {
    let s = TestServer::start().await;
    let second = s
        .service
        .issue_token(&s.agent.user, "laptop", 0)
        .await
        .expect("token")
        .token;
    s.get("/me", Some(&second)).await.expect(StatusCode::OK);
    let out = s.post("/auth/logout", Some(&second), json!(null)).await;
    out.expect(StatusCode::NO_CONTENT);
    assert!(out.bytes.is_empty());
    let after = s.get("/me", Some(&second)).await;
    after.expect(StatusCode::UNAUTHORIZED);
    // Logging out again with the dead token is just "not signed in".
    s.post("/auth/logout", Some(&second), json!(null))
        .await
        .expect(StatusCode::UNAUTHORIZED);
    // The other session is untouched.
    s.get("/me", Some(&s.agent.token))
        .await
        .expect(StatusCode::OK);
}

/// One's own new password takes the current one (a stolen token alone cannot take the
/// account over); it ends every other session and the old password, and the session
/// that made the change stays.
#[tokio::test]
async fn a_new_password_needs_the_current_one_and_ends_the_other_sessions() {
    let s = TestServer::start().await;
    let jane = &s.customer;
    let other_session = s
        .service
        .issue_token(&jane.user, "phone", 0)
        .await
        .expect("token")
        .token;
    let path = format!("/users/{}", jane.id());
    // The token alone is not enough, nor a wrong current password.
    let bare = s
        .patch(
            &path,
            Some(&jane.token),
            json!({"password": "a brand new password"}),
        )
        .await;
    bare.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bare.json["error"]["field"], "current_password");
    s.patch(
        &path,
        Some(&jane.token),
        json!({"password": "a brand new password", "current_password": "a guess at it"}),
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    s.get("/me", Some(&other_session))
        .await
        .expect(StatusCode::OK);
    let r = s
        .patch(
            &path,
            Some(&jane.token),
            json!({"password": "a brand new password", "current_password": server::PASSWORD}),
        )
        .await;
    r.expect(StatusCode::OK);
    assert_eq!(r.json["email"], "jane@example.com");
    s.get("/me", Some(&other_session))
        .await
        .expect(StatusCode::UNAUTHORIZED);
    s.get("/me", Some(&jane.token)).await.expect(StatusCode::OK);
    s.post(
        "/auth/login",
        None,
        json!({"email": "jane@example.com", "password": server::PASSWORD}),
    )
    .await
    .expect(StatusCode::UNAUTHORIZED);
    s.post(
        "/auth/login",
        None,
        json!({"email": "jane@example.com", "password": "a brand new password"}),
    )
    .await
    .expect(StatusCode::OK);
    // Too short a password is refused and says which field.
    let short = s
        .patch(
            &path,
            Some(&jane.token),
            json!({"password": "short", "current_password": "a brand new password"}),
        )
        .await;
    short.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(short.json["error"]["field"], "password");
    // An admin resetting someone else's password needs no current password, and it
    // ends all of that person's sessions.
    s.patch(
        &path,
        Some(&s.admin.token),
        json!({"password": "reset by the admin"}),
    )
    .await
    .expect(StatusCode::OK);
    s.get("/me", Some(&jane.token))
        .await
        .expect(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_deactivated_account_is_signed_out_for_good() {
    let s = TestServer::start().await;
    let bob = &s.other_customer;
    let off = s
        .patch(
            &format!("/users/{}", bob.id()),
            Some(&s.admin.token),
            json!({"active": false}),
        )
        .await;
    off.expect(StatusCode::OK);
    assert_eq!(off.json["active"], false);
    s.get("/me", Some(&bob.token))
        .await
        .expect(StatusCode::UNAUTHORIZED);
    s.post(
        "/auth/login",
        None,
        json!({"email": bob.email(), "password": server::PASSWORD}),
    )
    .await
    .expect(StatusCode::UNAUTHORIZED);

    // Turned back on, Bob signs in again; the session he had when he was turned off
    // (perhaps on a lost laptop) stays dead.
    s.patch(
        &format!("/users/{}", bob.id()),
        Some(&s.admin.token),
        json!({"active": true}),
    )
    .await
    .expect(StatusCode::OK);
    s.post(
        "/auth/login",
        None,
        json!({"email": bob.email(), "password": server::PASSWORD}),
    )
    .await
    .expect(StatusCode::OK);
    let old = s.get("/me", Some(&bob.token)).await;
    assert_eq!(
        old.status,
        StatusCode::UNAUTHORIZED,
        "a token from before deactivation works again after reactivation: {}",
        old.text()
    );
}

#[tokio::test]
async fn a_revoked_token_ends_its_event_stream() {
    let s = TestServer::start().await;
    let token = s
        .service
        .issue_token(&s.agent.user, "dashboard", 0)
        .await
        .expect("token")
        .token;
    let mut stream = Sse::open(&s, &token, None).await;
    // The stream works while the token is live.
    s.file(&s.customer, "Before logout", "General").await;
    let first = stream
        .next_within(Duration::from_secs(1))
        .await
        .expect("an event while signed in");
    assert_eq!(first.event.as_deref(), Some("created"));

    s.post("/auth/logout", Some(&token), json!(null))
        .await
        .expect(StatusCode::NO_CONTENT);
    s.file(
        &s.customer,
        "After logout: not for a revoked token",
        "General",
    )
    .await;
    if let Some(event) = stream.next_within(Duration::from_secs(2)).await {
        panic!("a stream kept delivering after its token was revoked: {event:?}");
    }
}
