//! Email out, end to end (issue 16): a real desk server with its outbox running, a real
//! SMTP server on loopback (OpenSMTPD delivering to a Maildir, tests/it/common/smtp.rs),
//! and the delivered messages read back: recipients, headers, threading, one-click
//! unsubscribe, and no internal text ever.

use std::time::Duration;

use crate::common::pages::{Visitor, csrf_of};
use crate::common::server::{TestServer, send};
use crate::common::smtp;

use desk::delivery::{DeliveryOptions, Dispatcher, MailServer};
use desk::domain::mail::SmtpTarget;
use desk::service::{MailPolicy, MailSwitches, ServiceConfig};
use reqwest::{Method, StatusCode};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(30);
const SECRET: &str = "INTERNAL-ONLY-7f3a";

async fn start(smtp: &smtp::Smtp) -> (TestServer, Dispatcher) {
    let policy = MailPolicy::new(
        "Support Desk <support@example.test>",
        Some("help@example.test"),
        MailSwitches::default(),
        None,
    )
    .expect("mail policy");
    let policy = std::sync::Arc::new(policy);
    let config = ServiceConfig {
        mail: Some(policy.clone()),
        ..ServiceConfig::default()
    };
    let s = TestServer::start_configured(Default::default(), config).await;
    let root = s.base.trim_end_matches("/api/v1").to_string();
    let _ = policy.link_base.set(root);
    let options = DeliveryOptions {
        retry_base: Duration::from_millis(200),
        retry_cap: Duration::from_millis(800),
        poll: Duration::from_millis(100),
        mail: Some(MailServer {
            target: SmtpTarget::parse(&smtp.url()).expect("smtp url"),
            password: None,
        }),
        ..Default::default()
    };
    // A new outbox starts at the feed's head (history is not mailed): place its cursor
    // before anything is filed, so the filing below is news, not history.
    s.service.dispatch_events(1).await.expect("cursor");
    let dispatcher = Dispatcher::start(s.service.clone(), options);
    (s, dispatcher)
}

#[tokio::test]
async fn customers_and_agents_get_threaded_mail_and_never_an_internal_note() {
    let Some(smtp) = smtp::shared() else {
        return;
    };
    let (s, _dispatcher) = start(smtp).await;
    let customer = smtp.address("requester");

    // A contact files through /new: the receipt, with the key and the tracking link.
    let mut v = Visitor::new(&s);
    let token = csrf_of(&v.get("/new").await.text());
    let filed = v
        .post(
            "/new",
            &[
                ("csrf", &token),
                ("name", "Ann Customer"),
                ("email", &customer),
                ("category", "General"),
                ("title", "Printer <on> fire"),
                ("description", "It smokes."),
            ],
        )
        .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.text());
    let text = filed.text();
    let marker = r#"id="filed-key">"#;
    let at = text.find(marker).expect("key") + marker.len();
    let key = text[at..at + text[at..].find('<').expect("end")].to_string();

    let got = smtp.wait_for(&customer, 1, WAIT).await;
    let receipt = &got[0];
    let subject = receipt.subject().unwrap_or_default();
    assert!(subject.starts_with(&format!("[{key}]")), "{subject}");
    assert!(subject.contains("Printer <on> fire"), "{subject}");
    assert_eq!(receipt.from().as_deref(), Some("support@example.test"));
    assert_eq!(receipt.to(), vec![customer.clone()]);
    assert!(receipt.is_multipart_alternative());
    assert_eq!(
        receipt.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    assert!(
        receipt
            .header("Reply-To")
            .is_some_and(|r| r.contains("help@example.test"))
    );
    let thread = receipt.message_id().expect("a Message-ID");
    let body = receipt.text().expect("a text part");
    assert!(body.contains(&key), "{body}");
    assert!(body.contains(&format!("/track?key={key}")), "{body}");
    let html = receipt.html().expect("an HTML part");
    assert!(
        html.contains("Printer &lt;on&gt; fire"),
        "the title is escaped: {html}"
    );
    let unsubscribe = receipt
        .header("List-Unsubscribe")
        .expect("customers can unsubscribe");
    assert_eq!(
        receipt.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );

    // An internal note sends nothing; the public reply after it is mailed, threaded.
    s.post(
        &format!("/tickets/{key}/comments"),
        Some(&s.agent.token),
        json!({"body": format!("{SECRET}: customer is on the old firmware"), "visibility": "internal"}),
    )
    .await
    .expect(StatusCode::CREATED);
    s.post(
        &format!("/tickets/{key}/comments"),
        Some(&s.agent.token),
        json!({"body": "We are sending a technician today."}),
    )
    .await
    .expect(StatusCode::CREATED);
    let got = smtp.wait_for(&customer, 2, WAIT).await;
    let reply = &got[1];
    assert!(
        reply
            .text()
            .is_some_and(|t| t.contains("We are sending a technician today.")),
        "{:?}",
        reply.text()
    );
    assert_eq!(reply.in_reply_to().as_deref(), Some(thread.as_str()));
    assert!(reply.references().contains(&thread));
    assert!(
        reply
            .subject()
            .is_some_and(|s| s.contains(&format!("[{key}]")))
    );

    // Assigned to an agent (by someone else): the agent hears of it, without unsubscribe.
    let agent_email = smtp.address("agent");
    s.post(
        "/users",
        Some(&s.admin.token),
        json!({"email": agent_email, "name": "Tess Agent", "role": "agent", "password": "correct horse battery"}),
    )
    .await
    .expect(StatusCode::CREATED);
    s.post(
        &format!("/tickets/{key}/assign"),
        Some(&s.supervisor.token),
        json!({"assignee": agent_email}),
    )
    .await
    .expect(StatusCode::OK);
    let to_agent = smtp.wait_for(&agent_email, 1, WAIT).await;
    assert!(
        to_agent[0]
            .subject()
            .is_some_and(|s| s.contains("assigned to you")),
        "{:?}",
        to_agent[0].subject()
    );
    assert!(to_agent[0].header("List-Unsubscribe").is_none());

    // Resolved: how to reopen.
    s.post(
        &format!("/tickets/{key}/transition"),
        Some(&s.supervisor.token),
        json!({"status": "resolved", "note": "Replaced the fuser."}),
    )
    .await
    .expect(StatusCode::OK);
    let got = smtp.wait_for(&customer, 3, WAIT).await;
    let resolved = &got[2];
    assert!(resolved.subject().is_some_and(|s| s.contains("resolved")));
    assert!(resolved.text().is_some_and(|t| t.contains("reopen")));

    // Nothing the customer got holds the internal note.
    for m in smtp.received(&customer) {
        let raw = String::from_utf8_lossy(&m.raw).into_owned();
        assert!(!raw.contains(SECRET), "internal text reached the customer");
    }

    // The outbox says delivered, for each mail.
    let outbox = s
        .get("/deliveries?status=delivered", Some(&s.admin.token))
        .await;
    let emailed = outbox
        .json
        .as_array()
        .expect("deliveries")
        .iter()
        .filter(|d| d["channel"] == "email" && d["recipient"] == customer.as_str())
        .count();
    assert_eq!(emailed, 3, "{}", outbox.text());

    // One-click unsubscribe (RFC 8058), then a reply mails the customer no more.
    let url = unsubscribe
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_string();
    let page = send(s.http.request(Method::GET, &url)).await;
    page.expect(StatusCode::OK);
    assert!(page.text().contains("Stop these emails"));
    let click = send(
        s.http
            .request(Method::POST, &url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click"),
    )
    .await;
    click.expect(StatusCode::OK);
    s.post(
        &format!("/tickets/{key}/comments"),
        Some(&s.agent.token),
        json!({"body": "One more thing."}),
    )
    .await
    .expect(StatusCode::CREATED);
    // The agent's assignment mail proves the dispatcher has read past the reply.
    s.post(
        &format!("/tickets/{key}/assign"),
        Some(&s.supervisor.token),
        json!({"assignee": null}),
    )
    .await
    .expect(StatusCode::OK);
    s.post(
        &format!("/tickets/{key}/assign"),
        Some(&s.supervisor.token),
        json!({"assignee": agent_email}),
    )
    .await
    .expect(StatusCode::OK);
    smtp.wait_for(&agent_email, 2, WAIT).await;
    assert_eq!(
        smtp.received(&customer).len(),
        3,
        "mail after unsubscribing"
    );
    let bogus = send(
        s.http
            .request(
                Method::POST,
                format!(
                    "{}/unsubscribe?token=nope",
                    s.base.trim_end_matches("/api/v1")
                ),
            )
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click"),
    )
    .await;
    bogus.expect(StatusCode::NOT_FOUND);
    s.stop().await;
}
