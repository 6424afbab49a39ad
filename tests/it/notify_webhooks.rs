//! Webhooks out, end to end: a real desk server with its outbox running, and a real
//! HTTP receiver on 127.0.0.1 that records what arrives and answers what the test
//! says. Also the real binary killed with SIGKILL in the middle of a burst.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode as AxStatus};
use desk::delivery::{DeliveryOptions, Dispatcher};
use desk::server::ServerOptions;
use hmac::{KeyInit, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::process::ServeProcess;
use crate::common::server::{self, TestServer};

const INTERNAL_NOTE: &str = "internal: the customer's laptop is out of warranty";

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    delivery: String,
    timestamp: String,
    signature: String,
    event: String,
    body: String,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

#[derive(Default)]
struct ReceiverState {
    got: Mutex<Vec<Received>>,
    /// Answer this status to the next `fail_next` requests, then 200.
    fail_status: AtomicU16,
    fail_next: AtomicUsize,
}

struct Receiver {
    addr: SocketAddr,
    state: Arc<ReceiverState>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        Receiver::on(listener, Arc::new(ReceiverState::default()))
    }

    fn on(listener: tokio::net::TcpListener, state: Arc<ReceiverState>) -> Receiver {
        let addr = listener.local_addr().expect("addr");
        let shared = state.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let state = shared.clone();
                async move {
                    let h = |n: &str| {
                        headers
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_string()
                    };
                    let failing = state
                        .fail_next
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                    if failing {
                        let code = state.fail_status.load(Ordering::SeqCst);
                        return AxStatus::from_u16(code).unwrap_or(AxStatus::INTERNAL_SERVER_ERROR);
                    }
                    state.got.lock().expect("lock").push(Received {
                        delivery: h("x-desk-delivery"),
                        timestamp: h("x-desk-timestamp"),
                        signature: h("x-desk-signature"),
                        event: h("x-desk-event"),
                        body,
                    });
                    AxStatus::OK
                }
            }),
        );
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { addr, state, task }
    }

    fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    fn got(&self) -> Vec<Received> {
        self.state.got.lock().expect("lock").clone()
    }

    /// Waits until `pred` holds for what arrived, or panics after `limit`.
    async fn wait_for(&self, limit: Duration, what: &str, pred: impl Fn(&[Received]) -> bool) {
        let start = Instant::now();
        loop {
            if pred(&self.got()) {
                return;
            }
            if start.elapsed() > limit {
                panic!("{what}: not within {limit:?}; got {:#?}", self.got());
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn fast() -> DeliveryOptions {
    DeliveryOptions {
        retry_base: Duration::from_millis(100),
        retry_cap: Duration::from_millis(400),
        webhook_timeout: Duration::from_secs(2),
        allow_private: true,
        poll: Duration::from_millis(100),
        ..Default::default()
    }
}

async fn start() -> (TestServer, Dispatcher) {
    let server = TestServer::start_with(ServerOptions {
        webhooks_allow_private: true,
        ..ServerOptions::default()
    })
    .await;
    let dispatcher = Dispatcher::start(server.service.clone(), fast());
    (server, dispatcher)
}

/// The admin's list at `path` once `done` holds (or as it is after 10 s).
async fn settled(s: &TestServer, path: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let reply = s.get(path, Some(&s.admin.token)).await;
        reply.expect(StatusCode::OK);
        let list = reply.json.as_array().cloned().unwrap_or_default();
        if done(&list) || start.elapsed() > Duration::from_secs(10) {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn verify(secret: &str, r: &Received) -> bool {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{}.{}", r.timestamp, r.body).as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    r.signature == format!("sha256={hex}")
}

async fn register(s: &TestServer, url: &str, events: Value, internal: bool) -> (i64, String) {
    let reply = s
        .post(
            "/webhooks",
            Some(&s.admin.token),
            json!({"url": url, "events": events, "internal": internal}),
        )
        .await;
    reply.expect(StatusCode::CREATED);
    (
        reply.json["id"].as_i64().expect("id"),
        reply.json["secret"].as_str().expect("secret").to_string(),
    )
}

#[tokio::test]
async fn signed_in_order_admin_only_and_never_internal() {
    let (s, _d) = start().await;
    let receiver = Receiver::start().await;

    // Only admins register endpoints; the API checks the URL and event names.
    let body = json!({"url": receiver.url(), "events": ["*"]});
    s.post("/webhooks", Some(&s.agent.token), body.clone())
        .await
        .expect(StatusCode::FORBIDDEN);
    let bad = s
        .post(
            "/webhooks",
            Some(&s.admin.token),
            json!({"url": receiver.url(), "events": ["ticket.exploded"]}),
        )
        .await;
    bad.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("ticket.exploded"), "{}", bad.text());
    let policy = desk::service::WebhookPolicy {
        allow_private: false,
    };
    for private in [
        "http://127.0.0.1/x",
        "http://localhost:8080/x",
        "http://10.1.2.3/",
        "http://[::1]/",
        "http://192.168.0.9/",
    ] {
        assert!(
            desk::service::check_webhook_url(private, policy).is_err(),
            "{private} must be refused by default"
        );
    }
    assert!(desk::service::check_webhook_url("https://hooks.example.com/desk", policy).is_ok());

    let (id, secret) = register(&s, &receiver.url(), json!(["*"]), false).await;
    assert!(secret.len() >= 32, "a random secret: {secret}");
    let listed = s.get("/webhooks", Some(&s.admin.token)).await;
    listed.expect(StatusCode::OK);
    assert_eq!(listed.json[0]["id"], id);
    assert!(
        listed.json[0].get("secret").is_none(),
        "the secret is shown once: {}",
        listed.text()
    );

    // A ticket's life: filed, taken, an internal note, a public reply, resolved.
    let key = s.file(&s.customer, "Laptop will not boot", "General").await;
    s.post(
        &format!("/tickets/{key}/assign"),
        Some(&s.agent.token),
        json!({"assignee": "sarah@example.com"}),
    )
    .await
    .expect(StatusCode::OK);
    s.post(
        &format!("/tickets/{key}/comments"),
        Some(&s.agent.token),
        json!({"body": INTERNAL_NOTE, "visibility": "internal"}),
    )
    .await
    .expect(StatusCode::CREATED);
    s.post(
        &format!("/tickets/{key}/comments"),
        Some(&s.agent.token),
        json!({"body": "Bring it to the desk tomorrow"}),
    )
    .await
    .expect(StatusCode::CREATED);
    for status in ["in_progress", "resolved"] {
        s.post(
            &format!("/tickets/{key}/transition"),
            Some(&s.agent.token),
            json!({"status": status}),
        )
        .await
        .expect(StatusCode::OK);
    }
    receiver
        .wait_for(Duration::from_secs(10), "the resolution", |got| {
            got.iter().any(|r| {
                r.event == "ticket.status_changed" && r.json()["change"]["new"] == "resolved"
            })
        })
        .await;
    let got = receiver.got();
    for r in &got {
        assert!(verify(&secret, r), "signature of {r:?}");
        assert!(!r.delivery.is_empty());
        assert!(
            !r.body.contains(INTERNAL_NOTE),
            "internal text leaked: {}",
            r.body
        );
        assert_eq!(r.json()["ticket"]["key"], key);
        assert!(
            r.json()["ticket"].get("requester").is_none(),
            "the public view only"
        );
    }
    let events: Vec<&str> = got.iter().map(|r| r.event.as_str()).collect();
    assert_eq!(events[0], "ticket.created", "{events:?}");
    assert!(events.contains(&"comment.created"), "{events:?}");
    let seqs: Vec<i64> = got
        .iter()
        .map(|r| r.json()["seq"].as_i64().expect("seq"))
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in order: {seqs:?}");

    // The outbox and the ticket's own list say the same.
    // The receiver holds a request before desk has heard its answer: wait for the
    // outbox to record the last one.
    let delivered = settled(&s, "/deliveries?status=delivered", |list| {
        list.len() == got.len()
    })
    .await;
    assert_eq!(delivered.len(), got.len());
    s.get("/deliveries", Some(&s.agent.token))
        .await
        .expect(StatusCode::FORBIDDEN);
    s.get("/deliveries?status=lost", Some(&s.admin.token))
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    let per_ticket = s
        .get(&format!("/tickets/{key}/deliveries"), Some(&s.agent.token))
        .await;
    per_ticket.expect(StatusCode::OK);
    let first = &per_ticket.json[0];
    assert_eq!(first["channel"], "webhook");
    assert_eq!(first["subject"], "ticket.created");
    assert_eq!(first["status"], "delivered");
    assert_eq!(first["ticket"], key);
    s.get(
        &format!("/tickets/{key}/deliveries"),
        Some(&s.customer.token),
    )
    .await
    .expect(StatusCode::FORBIDDEN);

    // An internal endpoint hears the note too.
    let inside = Receiver::start().await;
    let (_, inside_secret) = register(&s, &inside.url(), json!(["comment.created"]), true).await;
    s.post(
        &format!("/tickets/{key}/comments"),
        Some(&s.agent.token),
        json!({"body": INTERNAL_NOTE, "visibility": "internal"}),
    )
    .await
    .expect(StatusCode::CREATED);
    inside
        .wait_for(Duration::from_secs(10), "the internal note", |got| {
            !got.is_empty()
        })
        .await;
    assert!(verify(&inside_secret, &inside.got()[0]));
    s.delete_webhook(id).await;
}

impl TestServer {
    async fn delete_webhook(&self, id: i64) {
        let reply = server::send(self.req(
            reqwest::Method::DELETE,
            &format!("/webhooks/{id}"),
            Some(&self.admin.token),
        ))
        .await;
        reply.expect(StatusCode::NO_CONTENT);
    }
}

#[tokio::test]
async fn retried_after_500s_and_while_the_receiver_is_down_and_410_disables() {
    let (s, _d) = start().await;

    // A receiver that answers 500 three times, then takes them.
    let flaky = Receiver::start().await;
    flaky.state.fail_status.store(500, Ordering::SeqCst);
    flaky.state.fail_next.store(3, Ordering::SeqCst);
    register(&s, &flaky.url(), json!(["ticket.created"]), false).await;
    let key = s.file(&s.customer, "Printer jams", "General").await;
    flaky
        .wait_for(Duration::from_secs(15), "delivery after three 500s", |g| {
            g.len() == 1
        })
        .await;
    let list = settled(&s, "/deliveries", |list| {
        list.first().is_some_and(|d| d["status"] == "delivered")
    })
    .await;
    let d = &list[0];
    assert_eq!(d["ticket"], key);
    assert_eq!(d["status"], "delivered");
    assert_eq!(d["attempts"], 4, "{list:?}");

    // A receiver that is down for a while: the delivery fails with the error, then
    // arrives once it is back on the same port.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = port.local_addr().expect("addr");
    drop(port);
    let (down_id, _) = register(
        &s,
        &format!("http://{addr}/hook"),
        json!(["ticket.created"]),
        false,
    )
    .await;
    let second = s.file(&s.customer, "Scanner offline", "General").await;
    let start = Instant::now();
    let failed = loop {
        let reply = s
            .get("/deliveries?status=failed", Some(&s.admin.token))
            .await;
        let found = reply.json.as_array().cloned().unwrap_or_default();
        if let Some(d) = found.into_iter().find(|d| d["webhook_id"] == down_id) {
            break d;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no failed delivery"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(failed["ticket"], second);
    assert!(
        failed["last_error"].as_str().unwrap_or_default().len() > 3,
        "{failed}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let back = Receiver::on(
        tokio::net::TcpListener::bind(addr).await.expect("rebind"),
        Arc::new(ReceiverState::default()),
    );
    back.wait_for(Duration::from_secs(10), "delivery once back", |g| {
        g.len() == 1
    })
    .await;
    assert_eq!(back.got()[0].json()["ticket"]["key"], second);

    // 410 Gone disables the endpoint and gives up its delivery.
    let gone = Receiver::start().await;
    gone.state.fail_status.store(410, Ordering::SeqCst);
    gone.state.fail_next.store(1000, Ordering::SeqCst);
    let (gone_id, _) = register(&s, &gone.url(), json!(["*"]), false).await;
    s.file(&s.customer, "Mouse broken", "General").await;
    let start = Instant::now();
    loop {
        let hooks = s.get("/webhooks", Some(&s.admin.token)).await;
        let hook = hooks
            .json
            .as_array()
            .and_then(|a| a.iter().find(|h| h["id"] == gone_id).cloned())
            .expect("the hook");
        if hook["active"] == false {
            assert!(
                hook["disabled_reason"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("410")
            );
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "not disabled: {hook}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let dead = s.get("/deliveries?status=dead", Some(&s.admin.token)).await;
    let dead = dead.json.as_array().cloned().unwrap_or_default();
    assert!(dead.iter().any(|d| d["webhook_id"] == gone_id), "{dead:?}");

    // An admin can send a dead one again.
    let id = dead[0]["id"].as_i64().expect("id");
    let retried = s
        .post(
            &format!("/deliveries/{id}/retry"),
            Some(&s.admin.token),
            json!({}),
        )
        .await;
    retried.expect(StatusCode::OK);
    assert_eq!(retried.json["status"], "pending");
    s.post("/deliveries/999999/retry", Some(&s.admin.token), json!({}))
        .await
        .expect(StatusCode::NOT_FOUND);
    let shown = s
        .get(&format!("/deliveries/{id}"), Some(&s.admin.token))
        .await;
    shown.expect(StatusCode::OK);
    assert_eq!(shown.json["payload"]["event"], "ticket.created");
}

/// `desk serve` killed with SIGKILL in the middle of a burst of creates, then started
/// again on the same database: every ticket that was created reaches the receiver.
#[tokio::test]
async fn kill_9_mid_burst_loses_nothing() {
    let desk = ServeProcess::prepare(
        "[webhooks]\nallow_private = true\n[notifications]\nretry_base_secs = 1\nretry_cap_secs = 2\n",
    )
    .await;
    let (base, token) = (desk.base.clone(), desk.token.clone());
    let child = desk.spawn().await;
    let http = server::client();
    let receiver = Receiver::start().await;
    let hook = http
        .post(format!("{base}/webhooks"))
        .bearer_auth(&token)
        .json(&json!({"url": receiver.url(), "events": ["ticket.created"]}))
        .send()
        .await
        .expect("answered");
    assert_eq!(hook.status(), StatusCode::CREATED);

    // Creates from eight writers at once; the kill lands while they run.
    let created = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut writers = Vec::new();
    for w in 0..8 {
        let http = http.clone();
        let base = base.clone();
        let token = token.clone();
        let created = created.clone();
        writers.push(tokio::spawn(async move {
            for i in 0..40 {
                let answer = http
                    .post(format!("{base}/tickets"))
                    .bearer_auth(&token)
                    .json(
                        &json!({"title": format!("burst {w}-{i}"), "description": "x",
                        "category": "General"}),
                    )
                    .send()
                    .await;
                let Ok(answer) = answer else { return };
                if answer.status() != StatusCode::CREATED {
                    return;
                }
                let Ok(body) = answer.json::<Value>().await else {
                    return;
                };
                if let Some(key) = body["key"].as_str() {
                    created.lock().expect("lock").push(key.to_string());
                }
            }
        }));
    }
    // Kill once some tickets exist and some deliveries have gone out.
    receiver
        .wait_for(Duration::from_secs(30), "the first deliveries", |g| {
            g.len() >= 10
        })
        .await;
    drop(child); // SIGKILL on unix
    for w in writers {
        let _ = w.await;
    }
    let created: Vec<String> = created.lock().expect("lock").clone();
    assert!(
        created.len() >= 10,
        "some creates succeeded: {}",
        created.len()
    );

    let child = desk.spawn().await;
    let all = created.clone();
    receiver
        .wait_for(Duration::from_secs(60), "every created ticket", |got| {
            all.iter().all(|k| {
                got.iter()
                    .any(|r| r.json()["ticket"]["key"].as_str() == Some(k.as_str()))
            })
        })
        .await;
    drop(child);
    // At least once: repeats are only the few in flight at the kill.
    let got = receiver.got();
    let mut ids: Vec<&str> = got.iter().map(|r| r.delivery.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert!(
        got.len() - ids.len() <= 32,
        "{} repeats; only those in flight may repeat",
        got.len() - ids.len()
    );
    drop(desk);
}

/// The TUI, signed in to the server as `token`, showing `key` in its detail.
async fn tui_on(s: &TestServer, token: &str, key: &str) -> desk::tui::headless::Headless {
    use desk::client::{Desk, RemoteDesk};
    use desk::tui::Settings;
    use desk::tui::drafts::Drafts;
    use desk::tui::headless::Headless;
    let remote = RemoteDesk::connect(&s.base, token).await.expect("connect");
    let desk: Arc<dyn Desk> = Arc::new(remote);
    let mut h = Headless::start(
        desk,
        Settings::default(),
        Drafts::in_memory(),
        (160, 48),
        desk::domain::time::now(),
    )
    .await;
    h.press("/").await;
    h.type_text(&format!("key:{key}")).await;
    h.press("enter").await;
    h
}

#[tokio::test]
async fn the_tuis_timeline_shows_what_was_sent_to_staff_only() {
    let (s, _d) = start().await;
    let receiver = Receiver::start().await;
    register(&s, &receiver.url(), json!(["ticket.created"]), false).await;
    let key = s.file(&s.customer, "Projector flickers", "General").await;
    receiver
        .wait_for(Duration::from_secs(10), "the webhook", |g| g.len() == 1)
        .await;
    settled(&s, &format!("/tickets/{key}/deliveries"), |list| {
        list.first().is_some_and(|d| d["status"] == "delivered")
    })
    .await;

    let agent = tui_on(&s, &s.agent.token, &key).await;
    let shown = agent.app.detail.view.as_ref().map(|v| v.ticket.key.clone());
    assert_eq!(shown.as_deref(), Some(key.as_str()));
    let screen = agent.screen();
    // The pane wraps the URL onto the next line.
    assert!(screen.contains("webhook ticket.created to"), "{screen}");
    assert!(screen.contains(&receiver.url()), "{screen}");

    // A customer's timeline has no such line, and asking once did not make an error.
    let customer = tui_on(&s, &s.customer.token, &key).await;
    let screen = customer.screen();
    assert!(!screen.contains("webhook"), "{screen}");
    assert!(screen.contains("Projector flickers"), "{screen}");
    assert!(
        !screen.contains("forbidden") && !screen.contains("cannot"),
        "{screen}"
    );
}
