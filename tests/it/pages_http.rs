//! The customer pages over plain HTTP against a real `desk serve`: filing, tracking,
//! replies and reopening, and what keeps them safe (escaping, CSP, CSRF, one 404,
//! rate limits, nothing internal).

use crate::common::server;

use crate::common::pages;

use std::time::Duration;

use desk::server::{PagesOptions, ServerOptions};
use pages::{Visitor, csrf_of, without_tokens};
use reqwest::StatusCode;
use serde_json::json;
use server::TestServer;

const EMAIL: &str = "ann@example.com";

fn with_pages(pick: impl FnOnce(&mut ServerOptions)) -> ServerOptions {
    let mut o = ServerOptions::default();
    pick(&mut o);
    o
}

#[tokio::test]
async fn a_request_filed_through_new_can_be_tracked() {
    let s = TestServer::start().await;
    let mut v = Visitor::new(&s);
    let form = v.get("/new").await;
    form.expect(StatusCode::OK);
    let html = form.text();
    assert!(
        html.contains(r#"<option value="General""#),
        "the desk's categories: {html}"
    );
    assert!(html.contains(r#"<label for="title">"#), "labelled fields");

    let key = v.file(EMAIL, "Printer on fire").await;
    assert!(key.starts_with("TKT-"), "{key}");
    let page = v.track(&key, "  ANN@example.com ").await;
    page.expect(StatusCode::OK);
    let text = page.text();
    assert!(text.contains("Printer on fire"));
    assert!(
        text.contains("Received"),
        "status in customer words: {text}"
    );
    assert!(text.contains("Medium"), "priority");
    assert!(text.contains("Request received"), "timeline");
    assert!(
        text.contains(r#"id="reply""#),
        "reply form on an open ticket"
    );

    // The native API sees the same ticket, filed by the contact with the given name.
    let api = s
        .get(&format!("/tickets/{key}"), Some(&s.agent.token))
        .await;
    api.expect(StatusCode::OK);
    assert!(api.text().contains(EMAIL));
    assert!(api.text().contains("Ann Customer"));
    s.stop().await;
}

#[tokio::test]
async fn the_filing_answer_has_the_key_the_link_and_a_qr_code() {
    let s = TestServer::start().await;
    let mut v = Visitor::new(&s);
    let token = csrf_of(&v.get("/new").await.text());
    let r = v
        .post(
            "/new",
            &[
                ("csrf", &token),
                ("name", "Ann"),
                ("email", EMAIL),
                ("category", "General"),
                ("title", "Hello"),
                ("description", ""),
            ],
        )
        .await;
    r.expect(StatusCode::CREATED);
    let html = r.text();
    let link = format!("http://{}/track?key=TKT-1", s.addr);
    assert!(html.contains(&link), "absolute tracking link: {html}");
    assert!(html.contains("<svg"), "inline QR code");
    assert!(!html.contains("<?xml"), "no XML prolog inside HTML");
    assert!(
        html.contains(r#"data-email="ann@example.com""#),
        "for the script to remember"
    );
    s.stop().await;
}

/// Files a request through `/new` as `v` and returns the answer page.
async fn file_page(v: &mut Visitor<'_>) -> String {
    let token = csrf_of(&v.get("/new").await.text());
    let fields = [
        ("csrf", token.as_str()),
        ("name", "Ann"),
        ("email", EMAIL),
        ("category", "General"),
        ("title", "Hello"),
        ("description", ""),
    ];
    let r = v.post("/new", &fields).await;
    r.expect(StatusCode::CREATED);
    r.text()
}

#[tokio::test]
async fn links_point_at_the_server_never_at_the_host_the_client_names() {
    let s = TestServer::start().await;
    let mut v = Visitor::new(&s);
    v.host = Some("evil.example".into());
    let html = file_page(&mut v).await;
    assert!(!html.contains("evil.example"), "{html}");
    assert!(
        html.contains(&format!("http://{}/track?key=", s.addr)),
        "{html}"
    );
    s.stop().await;

    let s = TestServer::start_with(ServerOptions {
        public_url: Some("https://desk.example.com".into()),
        ..ServerOptions::default()
    })
    .await;
    let mut v = Visitor::new(&s);
    v.host = Some("evil.example".into());
    let html = file_page(&mut v).await;
    assert!(
        html.contains("https://desk.example.com/track?key=TKT-1"),
        "[server] public_url: {html}"
    );
    s.stop().await;
}

#[tokio::test]
async fn every_value_is_escaped_and_the_policy_forbids_inline_code() {
    let s = TestServer::start().await;
    let mut v = Visitor::new(&s);
    let hostile = r#"<script>alert(1)</script><img src=x onerror="alert(2)">"#;
    let key = v.file(EMAIL, hostile).await;
    s.post(
        &format!("/tickets/{key}/comments"),
        Some(&s.agent.token),
        json!({"body": "</li><script>alert(3)</script>"}),
    )
    .await
    .expect(StatusCode::CREATED);
    let page = v.track(&key, EMAIL).await;
    page.expect(StatusCode::OK);
    let html = page.text();
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("<img src=x"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;/li&gt;&lt;script&gt;alert(3)"));
    // The only script is the file; no inline handlers or styles anywhere.
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains(r#"<script src="/pages/desk.js" defer></script>"#));
    assert!(!html.contains(" style=") && !html.contains("<style"));
    let csp = page.header("content-security-policy").expect("CSP");
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));

    let js = v.get("/pages/desk.js").await;
    js.expect(StatusCode::OK);
    assert!(
        js.header("content-type")
            .is_some_and(|c| c.starts_with("text/javascript"))
    );
    let css = v.get("/pages/desk.css").await;
    assert!(
        css.header("content-type")
            .is_some_and(|c| c.starts_with("text/css"))
    );
    s.stop().await;
}

#[tokio::test]
async fn an_unknown_key_and_a_wrong_email_get_the_same_answer() {
    let s = TestServer::start().await;
    let mut v = Visitor::new(&s);
    let key = v.file(EMAIL, "Mine").await;
    let mut answers = Vec::new();
    for (k, email) in [
        ("TKT-999", EMAIL),
        (key.as_str(), "mallory@example.com"),
        ("TKT-999", "mallory@example.com"),
        ("not a key at all", EMAIL),
    ] {
        let started = std::time::Instant::now();
        let r = v.track(k, email).await;
        let took = started.elapsed();
        r.expect(StatusCode::NOT_FOUND);
        assert!(took >= Duration::from_millis(80), "the lookup floor holds");
        // The form comes back with what was typed; everything else is identical.
        let body = without_tokens(&r.text())
            .replace(&format!(r#"value="{}""#, pages_esc(k)), "value=KEY")
            .replace(&format!(r#"value="{email}""#), "value=EMAIL");
        answers.push(body);
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:#?}");
    assert!(answers[0].contains("could not find a request with that number and email"));
    s.stop().await;
}

fn pages_esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
}

#[tokio::test]
async fn forms_without_a_valid_token_are_refused() {
    let s = TestServer::start().await;
    let mut v = Visitor::new(&s);
    let key = v.file(EMAIL, "Mine").await;

    // No cookie at all: a post from another site, say.
    let mut stranger = Visitor::new(&s);
    let token = v.token().await;
    let r = stranger
        .post(
            "/track",
            &[("csrf", &token), ("key", &key), ("email", EMAIL)],
        )
        .await;
    r.expect(StatusCode::FORBIDDEN);
    assert!(!r.text().contains("Mine"), "nothing of the ticket shown");

    // A cookie, but a token signed for another cookie, a forged one, or none.
    let mut other = Visitor::new(&s);
    let _ = other.token().await;
    for bad in [token.as_str(), "9999999999.deadbeef", ""] {
        let r = other
            .post("/track", &[("csrf", bad), ("key", &key), ("email", EMAIL)])
            .await;
        r.expect(StatusCode::FORBIDDEN);
        let r = other
            .post(
                "/new",
                &[
                    ("csrf", bad),
                    ("name", "X"),
                    ("email", EMAIL),
                    ("title", "Forged"),
                ],
            )
            .await;
        r.expect(StatusCode::FORBIDDEN);
        let r = other
            .post(
                "/track/reply",
                &[
                    ("csrf", bad),
                    ("key", &key),
                    ("email", EMAIL),
                    ("body", "forged"),
                ],
            )
            .await;
        r.expect(StatusCode::FORBIDDEN);
    }
    let api = s
        .get(&format!("/tickets/{key}"), Some(&s.agent.token))
        .await;
    assert!(!api.text().contains("forged"));
    let count = s.get("/tickets/count", Some(&s.agent.token)).await;
    assert_eq!(count.json["count"], 1, "no forged filing: {}", count.text());
    s.stop().await;
}

#[tokio::test]
async fn internal_notes_never_reach_the_page() {
    let s = TestServer::start().await;
    let mut v = Visitor::new(&s);
    let key = v.file(EMAIL, "Mine").await;
    for (body, visibility) in [
        ("SECRET-internal-note", "internal"),
        ("Public answer for you", "public"),
    ] {
        s.post(
            &format!("/tickets/{key}/comments"),
            Some(&s.agent.token),
            json!({"body": body, "visibility": visibility}),
        )
        .await
        .expect(StatusCode::CREATED);
    }
    let html = v.track(&key, EMAIL).await.text();
    assert!(html.contains("Public answer for you"));
    assert!(html.contains("Sarah Johnson"), "staff author shown by name");
    assert!(!html.contains("SECRET-internal-note"));
    assert!(!html.contains("sarah@example.com"), "no staff emails");
    assert_eq!(
        html.matches("New message").count(),
        1,
        "one public comment event"
    );
    s.stop().await;
}

#[tokio::test]
async fn the_customer_replies_and_reopens_through_the_service() {
    let s = TestServer::start().await;
    let mut v = Visitor::new(&s);
    let key = v.file(EMAIL, "Mine").await;
    let token = v.token().await;
    let r = v
        .post(
            "/track/reply",
            &[
                ("csrf", &token),
                ("key", &key),
                ("email", EMAIL),
                ("body", "Any news?"),
            ],
        )
        .await;
    r.expect(StatusCode::OK);
    assert!(r.text().contains("Your reply was added."));
    assert!(r.text().contains("Any news?"));
    let api = s
        .get(&format!("/tickets/{key}"), Some(&s.agent.token))
        .await;
    assert!(api.text().contains("Any news?"), "the reply is in the API");

    // An empty reply is the customer's to fix, shown over the ticket.
    let r = v
        .post(
            "/track/reply",
            &[
                ("csrf", &token),
                ("key", &key),
                ("email", EMAIL),
                ("body", "  "),
            ],
        )
        .await;
    r.expect(StatusCode::BAD_REQUEST);
    assert!(r.text().contains("role=\"alert\""));

    // A wrong email cannot reply: the same 404 as a lookup.
    let r = v
        .post(
            "/track/reply",
            &[
                ("csrf", &token),
                ("key", &key),
                ("email", "x@example.com"),
                ("body", "hi"),
            ],
        )
        .await;
    r.expect(StatusCode::NOT_FOUND);

    s.post(
        &format!("/tickets/{key}/transition"),
        Some(&s.agent.token),
        json!({"status": "resolved"}),
    )
    .await
    .expect(StatusCode::OK);
    let page = v.track(&key, EMAIL).await.text();
    assert!(page.contains("Resolved"));
    assert!(page.contains(r#"id="reopen""#), "reopen offered");
    assert!(
        !page.contains(r#"id="reply""#),
        "no reply on a finished ticket"
    );
    let r = v
        .post(
            "/track/reply",
            &[
                ("csrf", &token),
                ("key", &key),
                ("email", EMAIL),
                ("body", "late"),
            ],
        )
        .await;
    r.expect(StatusCode::BAD_REQUEST);
    let r = v
        .post(
            "/track/reopen",
            &[("csrf", &token), ("key", &key), ("email", EMAIL)],
        )
        .await;
    r.expect(StatusCode::OK);
    assert!(r.text().contains("Your request was reopened."));
    let api = s
        .get(&format!("/tickets/{key}"), Some(&s.agent.token))
        .await;
    assert!(
        api.text().contains("\"status\":\"in_progress\""),
        "{}",
        api.text()
    );
    s.stop().await;
}

#[tokio::test]
async fn the_operator_decides_what_customers_may_do_and_see() {
    let s = TestServer::start_with(with_pages(|o| {
        o.show_assignee = false;
        o.pages = PagesOptions {
            allow_replies: false,
            allow_reopen: false,
            ..PagesOptions::default()
        };
    }))
    .await;
    let mut v = Visitor::new(&s);
    let key = v.file(EMAIL, "Mine").await;
    s.post(
        &format!("/tickets/{key}/assign"),
        Some(&s.agent.token),
        json!({"assignee": "sarah@example.com"}),
    )
    .await
    .expect(StatusCode::OK);
    let html = v.track(&key, EMAIL).await.text();
    assert!(!html.contains("Sarah"), "assignee hidden: {html}");
    assert!(!html.contains(r#"id="reply""#));
    let token = v.token().await;
    let r = v
        .post(
            "/track/reply",
            &[
                ("csrf", &token),
                ("key", &key),
                ("email", EMAIL),
                ("body", "hi"),
            ],
        )
        .await;
    r.expect(StatusCode::FORBIDDEN);
    s.stop().await;

    let s = TestServer::start_with(with_pages(|o| o.pages.enabled = false)).await;
    let r = Visitor::new(&s).get("/track").await;
    r.expect(StatusCode::NOT_FOUND);
    s.stop().await;

    // Shown by default.
    let s = TestServer::start().await;
    let mut v = Visitor::new(&s);
    let key = v.file(EMAIL, "Mine").await;
    s.post(
        &format!("/tickets/{key}/assign"),
        Some(&s.agent.token),
        json!({"assignee": "sarah@example.com"}),
    )
    .await
    .expect(StatusCode::OK);
    assert!(
        v.track(&key, EMAIL)
            .await
            .text()
            .contains("Handled by</dt><dd>Sarah Johnson")
    );
    s.stop().await;
}

#[tokio::test]
async fn bad_input_gets_a_clear_page_not_a_500() {
    let s = TestServer::start().await;
    let mut v = Visitor::new(&s);
    let token = csrf_of(&v.get("/new").await.text());
    for (fields, want) in [
        (
            vec![("name", "A"), ("email", EMAIL), ("title", "")],
            "title",
        ),
        (
            vec![("name", "A"), ("email", "not-an-email"), ("title", "T")],
            "email",
        ),
        (vec![("name", ""), ("email", EMAIL), ("title", "T")], "name"),
        (
            vec![
                ("name", "A"),
                ("email", EMAIL),
                ("title", "T"),
                ("category", "Nope"),
            ],
            "Nope",
        ),
    ] {
        let mut all = vec![("csrf", token.as_str())];
        all.extend(fields);
        let r = v.post("/new", &all).await;
        assert!(r.status.is_client_error(), "{}: {}", r.status, r.text());
        assert!(
            r.text().to_lowercase().contains(&want.to_lowercase()),
            "{want}: {}",
            r.text()
        );
        assert!(r.text().contains(r#"id="file""#), "the form comes back");
    }
    // Not a form at all, a huge key, odd bytes.
    let r = v.post_raw("/track", "%%%=&&".into()).await;
    assert!(r.status.is_client_error());
    let long = "K".repeat(5000);
    let token = v.token().await;
    let r = v
        .post(
            "/track",
            &[("csrf", &token), ("key", &long), ("email", EMAIL)],
        )
        .await;
    r.expect(StatusCode::NOT_FOUND);
    let r = v.get("/track?key=%FF%FE").await;
    assert!(r.status.is_success() || r.status.is_client_error());
    s.stop().await;
}

#[tokio::test]
async fn filings_and_lookups_are_rate_limited() {
    let s = TestServer::start_with(with_pages(|o| {
        o.anonymous_burst = 3;
        o.anonymous_period = Duration::from_secs(60);
        o.pages.filing_burst = 1;
        o.pages.filing_period = Duration::from_secs(60);
    }))
    .await;
    let mut v = Visitor::new(&s);
    let key = v.file(EMAIL, "One").await;
    let token = csrf_of(&v.get("/new").await.text());
    let r = v
        .post(
            "/new",
            &[
                ("csrf", &token),
                ("name", "A"),
                ("email", EMAIL),
                ("title", "Two"),
            ],
        )
        .await;
    r.expect(StatusCode::TOO_MANY_REQUESTS);
    assert!(r.header("retry-after").is_some());
    assert!(
        r.header("content-type")
            .is_some_and(|c| c.starts_with("text/html"))
    );
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(v.track(&key, EMAIL).await.status);
    }
    assert_eq!(&statuses[..3], &[StatusCode::OK; 3]);
    assert!(
        statuses[3..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS)
    );
    // Reading the form is not a lookup and stays open.
    v.get("/track").await.expect(StatusCode::OK);
    s.stop().await;
}

#[tokio::test]
async fn a_ticket_filed_from_an_account_is_tracked_but_changed_only_signed_in() {
    let s = TestServer::start().await;
    let key = s.file(&s.customer, "From my account", "General").await;
    let mut v = Visitor::new(&s);
    let page = v.track(&key, s.customer.email()).await;
    page.expect(StatusCode::OK);
    assert!(page.text().contains("From my account"));
    // An email alone is not proof of an account: the reply is refused, with a reason.
    let token = v.token().await;
    let r = v
        .post(
            "/track/reply",
            &[
                ("csrf", &token),
                ("key", &key),
                ("email", s.customer.email()),
                ("body", "anonymous words"),
            ],
        )
        .await;
    r.expect(StatusCode::FORBIDDEN);
    assert!(r.text().contains("sign in"), "{}", r.text());
    let api = s
        .get(&format!("/tickets/{key}"), Some(&s.agent.token))
        .await;
    assert!(!api.text().contains("anonymous words"));
    s.stop().await;
}
