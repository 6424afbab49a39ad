//! Who may call what over HTTP: every endpoint against anonymous and every role, with
//! the status each must get. Missing credentials are 401, a role that may not act is
//! 403, and a customer asking about someone else's ticket is told it does not exist.

use crate::common::server;

use desk::server::ServerOptions;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use server::{Person, TestServer};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    Customer,
    Agent,
    Supervisor,
    Admin,
}

const CALLERS: [Caller; 5] = [
    Caller::Anonymous,
    Caller::Customer,
    Caller::Agent,
    Caller::Supervisor,
    Caller::Admin,
];

#[derive(Debug, Clone, Copy)]
enum Endpoint {
    Health,
    Login,
    Logout,
    Me,
    ListTickets,
    CreateTicket,
    GetTicket,
    EditTicket,
    Transition,
    Transitions,
    Assign,
    Approve,
    Reject,
    Comment,
    InternalNote,
    Changes,
    Stream,
    Stats,
    Categories,
    CreateCategory,
    UpdateCategory,
    Priorities,
    CreatePriority,
    UpdatePriority,
    Statuses,
    RenameStatus,
    Users,
    CreateUser,
    UpdateUser,
    Track,
    FeedHead,
}

/// The statuses for [anonymous, customer, agent, supervisor, admin].
fn expected(e: Endpoint) -> [u16; 5] {
    use Endpoint::*;
    match e {
        Health | Track => [200; 5],
        Login => [401; 5],
        Logout => [401, 204, 204, 204, 204],
        Me | ListTickets | GetTicket | Transitions | Changes | FeedHead | Stream | Categories
        | Priorities | Statuses => [401, 200, 200, 200, 200],
        CreateTicket | Comment => [401, 201, 201, 201, 201],
        EditTicket | Transition | Assign | Stats | Users => [401, 403, 200, 200, 200],
        InternalNote => [401, 403, 201, 201, 201],
        Approve | Reject => [401, 403, 403, 200, 200],
        CreateCategory | CreatePriority | CreateUser => [401, 403, 403, 403, 201],
        UpdateCategory | UpdatePriority | RenameStatus | UpdateUser => [401, 403, 403, 403, 200],
    }
}

const ENDPOINTS: [Endpoint; 31] = {
    use Endpoint::*;
    [
        Health,
        Login,
        Logout,
        Me,
        ListTickets,
        CreateTicket,
        GetTicket,
        EditTicket,
        Transition,
        Transitions,
        Assign,
        Approve,
        Reject,
        Comment,
        InternalNote,
        Changes,
        FeedHead,
        Stream,
        Stats,
        Categories,
        CreateCategory,
        UpdateCategory,
        Priorities,
        CreatePriority,
        UpdatePriority,
        Statuses,
        RenameStatus,
        Users,
        CreateUser,
        UpdateUser,
        Track,
    ]
};

struct Call {
    method: Method,
    path: String,
    body: Option<Value>,
}

fn call(method: Method, path: impl Into<String>, body: Option<Value>) -> Call {
    Call {
        method,
        path: path.into(),
        body,
    }
}

fn person(s: &TestServer, c: Caller) -> Option<&Person> {
    match c {
        Caller::Anonymous => None,
        Caller::Customer => Some(&s.customer),
        Caller::Agent => Some(&s.agent),
        Caller::Supervisor => Some(&s.supervisor),
        Caller::Admin => Some(&s.admin),
    }
}

/// A fresh ticket filed by the customer (so the customer is its requester), made
/// through the service so every call starts from the same state.
async fn fresh_ticket(s: &TestServer, category: &str) -> String {
    let jane = desk::service::Actor::User(s.customer.user.clone());
    s.service
        .create_ticket(
            &jane,
            desk::domain::requests::NewTicket {
                title: "Matrix ticket".into(),
                category: Some(category.into()),
                ..Default::default()
            },
        )
        .await
        .expect("file")
        .key
}

/// The request for `e`, set up afresh so that the caller's role alone decides the answer.
async fn prepare(s: &TestServer, e: Endpoint, n: usize) -> Call {
    use Endpoint::*;
    let general = || fresh_ticket(s, "General");
    match e {
        Health => call(Method::GET, "/healthz", None),
        Login => call(
            Method::POST,
            "/auth/login",
            Some(json!({"email": "jane@example.com", "password": "not her password"})),
        ),
        Logout => call(Method::POST, "/auth/logout", None),
        Me => call(Method::GET, "/me", None),
        ListTickets => call(Method::GET, "/tickets?q=status:open", None),
        CreateTicket => call(
            Method::POST,
            "/tickets",
            Some(json!({"title": "Filed in the matrix"})),
        ),
        GetTicket => call(Method::GET, format!("/tickets/{}", general().await), None),
        EditTicket => call(
            Method::PATCH,
            format!("/tickets/{}", general().await),
            Some(json!({"priority": "High"})),
        ),
        Transition => call(
            Method::POST,
            format!("/tickets/{}/transition", general().await),
            Some(json!({"status": "in_progress"})),
        ),
        Transitions => call(
            Method::GET,
            format!("/tickets/{}/transitions", general().await),
            None,
        ),
        Assign => call(
            Method::POST,
            format!("/tickets/{}/assign", general().await),
            Some(json!({"assignee": "sarah@example.com"})),
        ),
        Approve => call(
            Method::POST,
            format!(
                "/tickets/{}/approve",
                fresh_ticket(s, "Service request").await
            ),
            Some(json!({"note": "fine"})),
        ),
        Reject => call(
            Method::POST,
            format!(
                "/tickets/{}/reject",
                fresh_ticket(s, "Service request").await
            ),
            Some(json!({"note": "not this quarter"})),
        ),
        Comment => call(
            Method::POST,
            format!("/tickets/{}/comments", general().await),
            Some(json!({"body": "A public word"})),
        ),
        InternalNote => call(
            Method::POST,
            format!("/tickets/{}/comments", general().await),
            Some(json!({"body": "Between us", "visibility": "internal"})),
        ),
        Changes => call(Method::GET, "/changes?after=0", None),
        FeedHead => call(Method::GET, "/changes/head", None),
        Stream => call(Method::GET, "/events/stream", None),
        Stats => call(Method::GET, "/stats", None),
        Categories => call(Method::GET, "/categories", None),
        CreateCategory => call(
            Method::POST,
            "/categories",
            Some(json!({"name": format!("Matrix category {n}")})),
        ),
        UpdateCategory => call(
            Method::PATCH,
            "/categories/1",
            Some(json!({"name": "General", "description": format!("edit {n}")})),
        ),
        Priorities => call(Method::GET, "/priorities", None),
        CreatePriority => call(
            Method::POST,
            "/priorities",
            Some(json!({
                "name": format!("Matrix priority {n}"), "rank": 10 + n, "color": "blue",
                "response_hours": 2.0, "resolution_hours": 8.0,
            })),
        ),
        UpdatePriority => call(
            Method::PATCH,
            "/priorities/4",
            Some(json!({
                "name": "Low", "rank": 4, "color": "green",
                "response_hours": 24.0, "resolution_hours": 120.0 + n as f64,
            })),
        ),
        Statuses => call(Method::GET, "/statuses", None),
        RenameStatus => call(
            Method::PATCH,
            "/statuses/escalated",
            Some(json!({"name": format!("Escalated ({n})")})),
        ),
        Users => call(Method::GET, "/users", None),
        CreateUser => call(
            Method::POST,
            "/users",
            Some(json!({
                "email": format!("new{n}@example.com"), "name": "New Person",
                "role": "agent", "password": "a long enough password",
            })),
        ),
        UpdateUser => call(
            Method::PATCH,
            format!("/users/{}", s.other_customer.id()),
            Some(json!({"name": format!("Bob W. {n}")})),
        ),
        Track => call(
            Method::GET,
            format!("/track/{}?email=jane@example.com", general().await),
            None,
        ),
    }
}

#[tokio::test]
async fn every_endpoint_answers_every_role_as_the_rules_say() {
    let s = TestServer::start_with(ServerOptions {
        login_burst: 100,
        anonymous_burst: 100,
        ..Default::default()
    })
    .await;
    let mut failures = Vec::new();
    let mut n = 0;
    for e in ENDPOINTS {
        for (i, c) in CALLERS.into_iter().enumerate() {
            n += 1;
            let Call { method, path, body } = prepare(&s, e, n).await;
            // Logging out ends the token it is sent with: use one made for the purpose.
            let token = match (e, person(&s, c)) {
                (Endpoint::Logout, Some(p)) => Some(
                    s.service
                        .issue_token(&p.user, "matrix", 1)
                        .await
                        .expect("token")
                        .token,
                ),
                (_, p) => p.map(|p| p.token.clone()),
            };
            let mut rb = s.req(method.clone(), &path, token.as_deref());
            if let Some(body) = &body {
                rb = rb.json(body);
            }
            let want = expected(e)[i];
            let (status, body_text, code, www) = if matches!(e, Endpoint::Stream) {
                // A stream never ends by itself: look at the head only.
                let r = rb.send().await.expect("answer");
                let status = r.status();
                let www = r.headers().contains_key("www-authenticate");
                let text = if status.is_success() {
                    String::new()
                } else {
                    r.text().await.unwrap_or_default()
                };
                let code =
                    serde_json::from_str::<Value>(&text).unwrap_or(Value::Null)["error"]["code"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                (status, text, code, www)
            } else {
                let r = server::send(rb).await;
                let www = r.headers.contains_key("www-authenticate");
                (r.status, r.text(), r.code().to_string(), www)
            };
            if status.as_u16() != want {
                failures.push(format!(
                    "{e:?} as {c:?}: {method} {path} gave {status}, want {want}: {body_text}"
                ));
                continue;
            }
            // Refusals say why, in desk's format.
            match want {
                401 if code != "unauthenticated" || !www => {
                    failures.push(format!(
                        "{e:?} as {c:?}: 401 without code/WWW-Authenticate: {body_text}"
                    ));
                }
                403 if code != "forbidden" => {
                    failures.push(format!("{e:?} as {c:?}: 403 with code {code:?}"));
                }
                _ => {}
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} calls answered wrongly:\n{}",
        failures.len(),
        ENDPOINTS.len() * CALLERS.len(),
        failures.join("\n")
    );
    // The tokens used above are still good: nothing in the matrix logged anyone out.
    for p in [&s.customer, &s.agent, &s.supervisor, &s.admin] {
        s.get("/me", Some(&p.token)).await.expect(StatusCode::OK);
    }
}

#[tokio::test]
async fn a_bad_or_missing_token_is_401_everywhere_it_matters() {
    let s = TestServer::start().await;
    let key = s.file(&s.customer, "Mine", "General").await;
    let long = format!("desk_{}", "A".repeat(300));
    let bad: [(&str, Option<&str>); 7] = [
        ("authorization", Some("Bearer desk_notarealtoken")),
        ("authorization", Some("Bearer ")),
        ("authorization", Some("Basic amFuZTpwYXNzd29yZA==")),
        ("authorization", Some(&long)),
        ("authorization", Some("desk_missing_scheme")),
        ("x-api-key", Some("desk_notarealtoken")),
        ("authorization", None),
    ];
    for (header, value) in bad {
        for path in ["/me", "/tickets", &format!("/tickets/{key}"), "/changes"] {
            let mut rb = s.req(Method::GET, path, None);
            if let Some(v) = value {
                rb = rb.header(header, v);
            }
            let r = server::send(rb).await;
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{path} with {header}: {value:?}: {}",
                r.text()
            );
            assert_eq!(r.code(), "unauthenticated");
            assert_eq!(r.header("www-authenticate"), Some("Bearer"));
        }
    }
    // Scripts may send the token as X-API-Key instead.
    let r = server::send(
        s.req(Method::GET, "/me", None)
            .header("x-api-key", &s.agent.token),
    )
    .await;
    r.expect(StatusCode::OK);
    assert_eq!(r.json["email"], "sarah@example.com");
}

#[tokio::test]
async fn a_customer_asking_for_someone_elses_ticket_is_told_it_does_not_exist() {
    let s = TestServer::start().await;
    let jane = s.customer.token.clone();
    let bobs = s
        .file(&s.other_customer, "Bob's private trouble", "General")
        .await;
    let missing = "TKT-9999";

    let probes = |key: &str| {
        let key = key.to_string();
        vec![
            (Method::GET, format!("/tickets/{key}"), None),
            (Method::GET, format!("/tickets/{key}/transitions"), None),
            (
                Method::POST,
                format!("/tickets/{key}/comments"),
                Some(json!({"body": "me too"})),
            ),
            (
                Method::POST,
                format!("/tickets/{key}/transition"),
                Some(json!({"status": "closed"})),
            ),
            (
                Method::PATCH,
                format!("/tickets/{key}"),
                Some(json!({"title": "mine now"})),
            ),
            (
                Method::POST,
                format!("/tickets/{key}/assign"),
                Some(json!({"assignee": "sarah@example.com"})),
            ),
            (
                Method::POST,
                format!("/tickets/{key}/approve"),
                Some(json!({})),
            ),
            (
                Method::POST,
                format!("/tickets/{key}/reject"),
                Some(json!({"note": "no"})),
            ),
        ]
    };
    for ((method, path, body), (_, missing_path, _)) in
        probes(&bobs).into_iter().zip(probes(missing))
    {
        let send = |path: String| {
            let mut rb = s.req(method.clone(), &path, Some(&jane));
            if let Some(b) = &body {
                rb = rb.json(b);
            }
            server::send(rb)
        };
        let theirs = send(path.clone()).await;
        let nobodys = send(missing_path).await;
        // Whatever the answer, it must not tell Bob's ticket from no ticket at all.
        assert_eq!(
            (theirs.status, theirs.code()),
            (nobodys.status, nobodys.code()),
            "{method} {path}: {} vs {}",
            theirs.text(),
            nobodys.text()
        );
        assert!(
            theirs.status == StatusCode::NOT_FOUND || theirs.status == StatusCode::FORBIDDEN,
            "{method} {path}: {}",
            theirs.text()
        );
        assert!(!theirs.text().contains("private trouble"));
    }
    // Reading and replying are things a customer may do, so the answer is "not found".
    for path in [
        format!("/tickets/{bobs}"),
        format!("/tickets/{bobs}/transitions"),
    ] {
        let r = s.get(&path, Some(&jane)).await;
        r.expect(StatusCode::NOT_FOUND);
        assert_eq!(r.code(), "not_found");
    }
    s.post(
        &format!("/tickets/{bobs}/comments"),
        Some(&jane),
        json!({"body": "hello?"}),
    )
    .await
    .expect(StatusCode::NOT_FOUND);

    // Nor does it show up in her list, a key search or her feed.
    let list = s.get("/tickets", Some(&jane)).await;
    list.expect(StatusCode::OK);
    assert!(list.json["tickets"].as_array().unwrap().is_empty());
    let by_key = s.get(&format!("/tickets?q=key:{bobs}"), Some(&jane)).await;
    by_key.expect(StatusCode::OK);
    assert!(by_key.json["tickets"].as_array().unwrap().is_empty());
    let feed = s.get("/changes?after=0", Some(&jane)).await;
    feed.expect(StatusCode::OK);
    assert!(feed.json["events"].as_array().unwrap().is_empty());
    // Bob still has it, untouched.
    let his = s
        .get(&format!("/tickets/{bobs}"), Some(&s.other_customer.token))
        .await;
    his.expect(StatusCode::OK);
    assert_eq!(his.json["ticket"]["version"], 1);
    assert!(his.json["comments"].as_array().unwrap().is_empty());
}

/// A refused request changes nothing: a customer who sends a new password together with
/// a role they may not give themselves is refused, and keeps the old password and token.
#[tokio::test]
async fn a_refused_account_change_leaves_the_account_as_it_was() {
    let s = TestServer::start().await;
    let jane = &s.customer;
    let r = s
        .patch(
            &format!("/users/{}", jane.id()),
            Some(&jane.token),
            json!({"password": "a brand new password", "role": "admin"}),
        )
        .await;
    r.expect(StatusCode::FORBIDDEN);
    // Her session still works and her old password still signs her in.
    s.get("/me", Some(&jane.token)).await.expect(StatusCode::OK);
    let login = s
        .post(
            "/auth/login",
            None,
            json!({"email": jane.email(), "password": server::PASSWORD}),
        )
        .await;
    login.expect(StatusCode::OK);
    let me = s.get("/me", Some(&jane.token)).await;
    assert_eq!(me.json["role"], "customer");
}
