//! A 500 is a bug. Hundreds of malformed requests (bad JSON, wrong types, unknown
//! fields, huge strings, bad paths, bad query parameters, bad headers, methods a route
//! does not take) never get a 5xx or a dropped connection, and change nothing in the
//! desk: every malformed write is refused with a 4xx.

use crate::common::server;

use base64::Engine;
use desk::server::ServerOptions;
use reqwest::header::HeaderValue;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use server::TestServer;

struct Probe {
    what: String,
    method: Method,
    path: String,
    token: Option<String>,
    headers: Vec<(&'static str, HeaderValue)>,
    body: Option<Vec<u8>>,
}

struct Probes {
    list: Vec<Probe>,
    admin: String,
}

impl Probes {
    fn add(
        &mut self,
        what: impl Into<String>,
        method: Method,
        path: impl Into<String>,
    ) -> &mut Probe {
        self.list.push(Probe {
            what: what.into(),
            method,
            path: path.into(),
            token: Some(self.admin.clone()),
            headers: Vec::new(),
            body: None,
        });
        self.list.last_mut().expect("just pushed")
    }

    fn json(&mut self, what: &str, method: Method, path: &str, body: Vec<u8>) -> &mut Probe {
        let p = self.add(format!("{what}: {method} {path}"), method, path);
        p.headers
            .push(("content-type", HeaderValue::from_static("application/json")));
        p.body = Some(body);
        p
    }
}

fn bytes(v: Value) -> Vec<u8> {
    serde_json::to_vec(&v).expect("json")
}

/// Everything the desk shows about itself, to compare before and after.
async fn snapshot(s: &TestServer, keys: &[&str]) -> Vec<(String, String)> {
    let mut out = vec![
        ("event count".to_string(), s.event_count().await.to_string()),
        ("stats".to_string(), s.stats().await.to_string()),
    ];
    let mut paths: Vec<String> = ["/users", "/categories", "/priorities", "/statuses"]
        .iter()
        .map(|p| p.to_string())
        .collect();
    paths.extend(keys.iter().map(|k| format!("/tickets/{k}")));
    paths.push("/tickets?limit=500".into());
    for path in paths {
        let r = s.get(&path, Some(&s.admin.token)).await;
        r.expect(StatusCode::OK);
        out.push((path, r.text()));
    }
    // Every account can still sign in with the password it had.
    for p in [
        &s.customer,
        &s.other_customer,
        &s.agent,
        &s.supervisor,
        &s.admin,
    ] {
        let me = s.get("/me", Some(&p.token)).await;
        out.push((format!("me {}", p.email()), me.status.to_string()));
    }
    out
}

/// Builds the probes: each is a request a confused or hostile client might send.
fn probes(s: &TestServer, key: &str, gated: &str) -> Probes {
    let mut p = Probes {
        list: Vec::new(),
        admin: s.admin.token.clone(),
    };
    let bob = s.other_customer.id();

    // Routes that read a JSON body, each with a body that would be valid, so the bad
    // variants differ from a good request only in what makes them bad.
    let json_routes: Vec<(Method, String)> = vec![
        (Method::POST, "/auth/login".into()),
        (Method::POST, "/tickets".into()),
        (Method::PATCH, format!("/tickets/{key}")),
        (Method::POST, format!("/tickets/{key}/transition")),
        (Method::POST, format!("/tickets/{key}/assign")),
        (Method::POST, format!("/tickets/{gated}/approve")),
        (Method::POST, format!("/tickets/{gated}/reject")),
        (Method::POST, format!("/tickets/{key}/comments")),
        (Method::POST, "/categories".into()),
        (Method::PATCH, "/categories/1".into()),
        (Method::POST, "/priorities".into()),
        (Method::PATCH, "/priorities/1".into()),
        (Method::PATCH, "/statuses/new".into()),
        (Method::POST, "/users".into()),
        (Method::PATCH, format!("/users/{bob}")),
    ];
    let nested = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let deep_object = format!("{}1{}", "{\"a\":".repeat(3000), "}".repeat(3000));
    let generic: Vec<(&str, Vec<u8>)> = vec![
        ("empty body", Vec::new()),
        ("truncated", b"{".to_vec()),
        ("truncated value", b"{\"title\":".to_vec()),
        ("null", b"null".to_vec()),
        ("number", b"42".to_vec()),
        ("string", b"\"hello\"".to_vec()),
        ("array of numbers", b"[1,2,3]".to_vec()),
        ("invalid utf-8", b"{\"title\": \"\xff\xfe\xfd\"}".to_vec()),
        ("deeply nested arrays", nested.into_bytes()),
        ("deeply nested objects", deep_object.into_bytes()),
        (
            "unknown field only",
            bytes(json!({"__proto__": {"admin": true}})),
        ),
        (
            "huge unknown field",
            bytes(json!({"zzz": "x".repeat(900_000)})),
        ),
        ("trailing garbage", b"{} trailing".to_vec()),
        ("bom", b"\xef\xbb\xbf{}".to_vec()),
        ("single quotes", b"{'title': 'x'}".to_vec()),
        ("nan", b"{\"rank\": NaN}".to_vec()),
    ];
    for (method, path) in &json_routes {
        for (what, body) in &generic {
            // Approving takes an empty body: that one is a good request.
            if body.is_empty() && path.ends_with("/approve") {
                continue;
            }
            p.json(what, method.clone(), path, body.clone());
        }
        // JSON sent as something else. (Approve reads its optional body whatever its
        // type, so a good note there would be a good request.)
        let probe = p.add(format!("text/plain: {method} {path}"), method.clone(), path);
        probe
            .headers
            .push(("content-type", HeaderValue::from_static("text/plain")));
        probe.body = Some(if path.ends_with("/approve") {
            b"{\"note\": 5}".to_vec()
        } else {
            b"{\"note\": \"x\"}".to_vec()
        });
        let probe = p.add(format!("xml: {method} {path}"), method.clone(), path);
        probe
            .headers
            .push(("content-type", HeaderValue::from_static("application/xml")));
        probe.body = Some(b"<ticket/>".to_vec());
    }

    // Wrong types, missing fields, bad values, huge strings: route by route.
    let long = |n: usize| "x".repeat(n);
    let many_fields: serde_json::Map<String, Value> =
        (0..51).map(|i| (format!("f{i}"), json!(i))).collect();
    let specific: Vec<(Method, String, Vec<Value>)> = vec![
        (
            Method::POST,
            "/auth/login".into(),
            vec![
                json!({"email": 1, "password": "x"}),
                json!({"email": "a@b.c"}),
                json!({"password": "x"}),
                json!({"email": "a@b.c", "password": null}),
                json!({"email": ["a@b.c"], "password": "x"}),
                json!({"email": "a@b.c", "password": "x", "remember": true}),
            ],
        ),
        (
            Method::POST,
            "/tickets".into(),
            vec![
                json!({}),
                json!({"title": 5}),
                json!({"title": ["a"]}),
                json!({"title": {"text": "a"}}),
                json!({"title": ""}),
                json!({"title": "   "}),
                json!({"title": long(201)}),
                json!({"title": long(500_000)}),
                json!({"title": "nul\u{0}byte"}),
                json!({"title": "escape \u{1b}[2J"}),
                json!({"title": "ok", "description": long(50_001)}),
                json!({"title": "ok", "tags": "vip"}),
                json!({"title": "ok", "tags": [1, 2]}),
                json!({"title": "ok", "tags": [long(51)]}),
                json!({"title": "ok", "tags": ["two words"]}),
                json!({"title": "ok", "tags": (0..51).map(|i| format!("t{i}")).collect::<Vec<_>>()}),
                json!({"title": "ok", "custom_fields": []}),
                json!({"title": "ok", "custom_fields": {"bad key": 1}}),
                json!({"title": "ok", "custom_fields": {"": 1}}),
                json!({"title": "ok", "custom_fields": {"k": long(17_000)}}),
                json!({"title": "ok", "custom_fields": many_fields}),
                json!({"title": "ok", "category": "Nope"}),
                json!({"title": "ok", "category": 7}),
                json!({"title": "ok", "priority": {}}),
                json!({"title": "ok", "priority": "Ultra"}),
                json!({"title": "ok", "requester_email": "not-an-email"}),
                json!({"title": "ok", "requester_email": format!("{}@example.com", long(300))}),
                json!({"title": "ok", "requester_name": long(121)}),
                json!({"title": "ok", "status": "closed"}),
                json!({"title": "ok", "version": 9}),
            ],
        ),
        (
            Method::PATCH,
            format!("/tickets/{key}"),
            vec![
                json!({}),
                json!({"title": null}),
                json!({"title": 3}),
                json!({"title": ""}),
                json!({"title": long(201)}),
                json!({"priority": 3}),
                json!({"priority": "Ultra"}),
                json!({"category": "Nope"}),
                json!({"tags": [null]}),
                json!({"tags": "a,b"}),
                json!({"custom_fields": {"bad key": 1}}),
                json!({"custom_fields": "x"}),
                json!({"status": "closed"}),
                json!({"version": 1}),
                json!({"assignee": "mike@example.com"}),
            ],
        ),
        (
            Method::POST,
            format!("/tickets/{key}/transition"),
            vec![
                json!({}),
                json!({"status": 1}),
                json!({"status": null}),
                json!({"status": ""}),
                json!({"status": "nope"}),
                json!({"status": long(100_000)}),
                json!({"status": "in_progress"}),
                json!({"status": "new"}),
                json!({"status": "resolved", "note": 5}),
                json!({"status": "resolved", "note": long(5001)}),
                json!({"status": "resolved", "note": "bell\u{7}"}),
                json!({"status": "resolved", "extra": true}),
                json!({"status": ["resolved"]}),
            ],
        ),
        (
            Method::POST,
            format!("/tickets/{key}/assign"),
            vec![
                json!({}),
                json!({"assignee": 5}),
                json!({"assignee": ["sarah@example.com"]}),
                json!({"assignee": {"email": "mike@example.com"}}),
                json!({"assignee": "not-an-email"}),
                json!({"assignee": "nobody@example.com"}),
                json!({"assignee": "jane@example.com"}),
                json!({"assignee": long(300)}),
                json!({"assignee": "mike@example.com", "note": "x"}),
                json!({"who": "mike@example.com"}),
            ],
        ),
        (
            Method::POST,
            format!("/tickets/{gated}/approve"),
            vec![
                json!({"note": 5}),
                json!({"note": ["ok"]}),
                json!({"note": "ok", "extra": 1}),
                json!({"note": long(5001)}),
                json!({"note": "bell\u{7}"}),
                json!([1]),
                json!("approve"),
                json!(true),
            ],
        ),
        (
            Method::POST,
            format!("/tickets/{gated}/reject"),
            vec![
                json!({}),
                json!({"note": ""}),
                json!({"note": "   "}),
                json!({"note": null}),
                json!({"note": 5}),
                json!({"note": long(5001)}),
                json!({"note": "why", "extra": 1}),
                json!({"reason": "why"}),
            ],
        ),
        (
            Method::POST,
            format!("/tickets/{key}/comments"),
            vec![
                json!({}),
                json!({"body": ""}),
                json!({"body": "   "}),
                json!({"body": 5}),
                json!({"body": null}),
                json!({"body": long(20_001)}),
                json!({"body": "bell\u{7}"}),
                json!({"body": "x", "visibility": "secret"}),
                json!({"body": "x", "visibility": null}),
                json!({"body": "x", "visibility": 1}),
                json!({"body": "x", "author": "mike@example.com"}),
                json!({"text": "x"}),
            ],
        ),
        (
            Method::POST,
            "/categories".into(),
            vec![
                json!({}),
                json!({"name": ""}),
                json!({"name": 5}),
                json!({"name": "General"}),
                json!({"name": "general "}),
                json!({"name": long(121)}),
                json!({"name": "X", "sla_hours": -1}),
                json!({"name": "X", "sla_hours": 0}),
                json!({"name": "X", "sla_hours": 1e300}),
                json!({"name": "X", "sla_hours": "4"}),
                json!({"name": "X", "active": "yes"}),
                json!({"name": "X", "requires_approval": 1}),
                json!({"name": "X", "description": long(1001)}),
                json!({"name": "X", "id": 1}),
            ],
        ),
        (
            Method::PATCH,
            "/categories/1".into(),
            vec![
                json!({}),
                json!({"name": ""}),
                json!({"name": "Service request"}),
                json!({"name": "General", "sla_hours": 0}),
                json!({"description": "no name"}),
            ],
        ),
        (
            Method::POST,
            "/priorities".into(),
            vec![
                json!({}),
                json!({"name": "P"}),
                json!({"name": "P", "rank": "1", "color": "red", "response_hours": 1, "resolution_hours": 2}),
                json!({"name": "High", "rank": 9, "color": "red", "response_hours": 1, "resolution_hours": 2}),
                json!({"name": "P", "rank": 9, "color": "", "response_hours": 1, "resolution_hours": 2}),
                json!({"name": "P", "rank": 9, "color": "red", "response_hours": 0, "resolution_hours": 2}),
                json!({"name": "P", "rank": 9, "color": "red", "response_hours": -3, "resolution_hours": 2}),
                json!({"name": "P", "rank": 9, "color": "red", "response_hours": 1, "resolution_hours": 1e12}),
                json!({"name": "P", "rank": 9, "color": long(33), "response_hours": 1, "resolution_hours": 2}),
            ],
        ),
        (
            Method::PATCH,
            "/priorities/1".into(),
            vec![
                json!({}),
                json!({"name": "Low", "rank": 1, "color": "red", "response_hours": 1, "resolution_hours": 4}),
                json!({"name": "Critical", "rank": 1, "color": "red", "response_hours": 0, "resolution_hours": 4}),
            ],
        ),
        (
            Method::PATCH,
            "/statuses/new".into(),
            vec![
                json!({}),
                json!({"name": ""}),
                json!({"name": 5}),
                json!({"name": long(121)}),
                json!({"name": "New", "class": "done"}),
            ],
        ),
        (
            Method::POST,
            "/users".into(),
            vec![
                json!({}),
                json!({"email": "bad", "name": "N", "role": "agent", "password": "long enough pw"}),
                json!({"email": "n@example.com", "name": "N", "role": "god", "password": "long enough pw"}),
                json!({"email": "n@example.com", "name": "N", "role": "agent", "password": "short"}),
                json!({"email": "n@example.com", "name": "N", "role": "agent", "password": long(1025)}),
                json!({"email": "n@example.com", "name": "", "role": "agent", "password": "long enough pw"}),
                json!({"email": "jane@example.com", "name": "N", "role": "agent", "password": "long enough pw"}),
                json!({"email": "n@example.com", "name": "N", "role": "agent"}),
                json!({"email": "n@example.com", "name": "N", "role": "agent", "password": "long enough pw", "active": false}),
            ],
        ),
        (
            Method::PATCH,
            format!("/users/{bob}"),
            vec![
                json!({"role": "god"}),
                json!({"active": "no"}),
                json!({"name": ""}),
                json!({"name": 5}),
                json!({"password": "short"}),
                json!({"email": "new@example.com"}),
            ],
        ),
        (
            Method::PATCH,
            format!("/users/{}", s.admin.id()),
            vec![json!({"role": "agent"}), json!({"active": false})],
        ),
    ];
    for (method, path, bodies) in specific {
        for body in bodies {
            let shown: String = body.to_string().chars().take(60).collect();
            p.json(&format!("body {shown}"), method.clone(), &path, bytes(body));
        }
    }

    // Paths that name nothing, or name it badly.
    let bad_paths: Vec<(Method, String)> = vec![
        (Method::GET, "/tickets/%00".into()),
        (Method::GET, "/tickets/%FF".into()),
        (Method::GET, "/tickets/%C0%AF".into()),
        (Method::GET, "/tickets/TKT-0".into()),
        (Method::GET, "/tickets/TKT-99999999999999999999".into()),
        (Method::GET, "/tickets/TKT-9223372036854775807".into()),
        (Method::GET, "/tickets/-1".into()),
        (Method::GET, "/tickets/%2e%2e".into()),
        (Method::GET, "/tickets/..%2F..%2Fetc%2Fpasswd".into()),
        (Method::GET, "/tickets/%20".into()),
        (Method::GET, "/tickets/TKT-1%00".into()),
        (Method::GET, "/tickets/TKT-1%0A".into()),
        (Method::GET, "/tickets/1'%20OR%20'1'='1".into()),
        (Method::GET, format!("/tickets/{}", "9".repeat(5000))),
        (Method::GET, "/tickets/%00/transitions".into()),
        (Method::GET, "/tickets/%FF/transitions".into()),
        (Method::GET, format!("/tickets/{key}/nothing")),
        (Method::GET, format!("/tickets/{key}/comments/1")),
        (Method::GET, "/users/1/tokens".into()),
        (Method::GET, "/api/v1//tickets".into()),
        (Method::GET, "/api/v1/tickets/".into()),
        (Method::GET, "/api/v2/tickets".into()),
        (Method::GET, "/api/v1".into()),
        (Method::GET, "/api/v1/".into()),
        (Method::GET, "/api/v1/%00".into()),
        (Method::GET, "/api/v1/openapi.json.bak".into()),
        (Method::GET, "/".into()),
        (Method::GET, "/%FF".into()),
        (Method::GET, "/track/%00?email=jane@example.com".into()),
        (Method::GET, "/track/%FF?email=jane@example.com".into()),
        (Method::GET, format!("/track/{key}?email=%FF")),
        (Method::GET, format!("/track/{key}?email=%00")),
        (
            Method::GET,
            format!("/track/{}?email=a@b.c", "7".repeat(3000)),
        ),
    ];
    for (method, path) in bad_paths {
        p.add(format!("path {path}"), method, path);
    }
    let body_paths: Vec<(Method, String, Value)> = vec![
        (
            Method::POST,
            "/tickets/%00/comments".into(),
            json!({"body": "x"}),
        ),
        (
            Method::POST,
            "/tickets/%FF/transition".into(),
            json!({"status": "closed"}),
        ),
        (
            Method::PATCH,
            "/tickets/TKT-0".into(),
            json!({"title": "x"}),
        ),
        (Method::POST, "/tickets/TKT-99999/approve".into(), json!({})),
        (Method::PATCH, "/users/abc".into(), json!({"name": "X"})),
        (
            Method::PATCH,
            "/users/99999999999999999999".into(),
            json!({"name": "X"}),
        ),
        (Method::PATCH, "/users/-1".into(), json!({"name": "X"})),
        (Method::PATCH, "/users/0".into(), json!({"name": "X"})),
        (
            Method::PATCH,
            "/users/424242".into(),
            json!({"password": "long enough pw"}),
        ),
        (
            Method::PATCH,
            "/categories/abc".into(),
            json!({"name": "X"}),
        ),
        (
            Method::PATCH,
            "/categories/1.5".into(),
            json!({"name": "X"}),
        ),
        (
            Method::PATCH,
            "/categories/999".into(),
            json!({"name": "X"}),
        ),
        (
            Method::PATCH,
            "/categories/%00".into(),
            json!({"name": "X"}),
        ),
        (
            Method::PATCH,
            "/priorities/xyz".into(),
            json!({"name": "X", "rank": 9, "color": "red", "response_hours": 1, "resolution_hours": 2}),
        ),
        (
            Method::PATCH,
            "/priorities/999".into(),
            json!({"name": "X", "rank": 9, "color": "red", "response_hours": 1, "resolution_hours": 2}),
        ),
        (Method::PATCH, "/statuses/%00".into(), json!({"name": "X"})),
        (Method::PATCH, "/statuses/%FF".into(), json!({"name": "X"})),
        (
            Method::PATCH,
            "/statuses/bogus".into(),
            json!({"name": "X"}),
        ),
        (Method::PATCH, "/statuses/NEW".into(), json!({"name": "X"})),
    ];
    for (method, path, body) in body_paths {
        p.json("bad path", method, &path, bytes(body));
    }

    // Query parameters of the wrong type, out of range, unknown, or junk.
    let cursor = |text: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text);
    let mut queries: Vec<String> = [
        "limit=abc",
        "limit=100000",
        "limit=0",
        "limit=-1",
        "limit=99999999999",
        "limit=1.5",
        "limit=",
        "limit=1&limit=2",
        "cursor=garbage!",
        "cursor=%00",
        "cursor=%FF",
        "cursor=AAAA",
        "q=%00",
        "q=status:bogus",
        "q=%22unterminated",
        "q=created:%3Eabc",
        "q=created:%3E99999999999999999999d",
        "q=created:%3E9223372036854775807d",
        "q=created:%3C-5d",
        "q=created:2024-13-45",
        "q=created:0000-01-01",
        "q=updated:%3E%3E%3E1d",
        "q=(",
        "q=*",
        "q=%22",
        "q=%22%22",
        "q=priority:",
        "q=assignee:",
        "q=tag:",
        "q=tag:%22two%20words%22",
        "q=key:abc",
        "q=key:TKT-99999999999999999999",
        "q=-",
        "q=--status:open",
        "q=sla:bogus",
        "q=OR%20AND%20NOT",
        "q=NEAR(a%20b)",
        "q=a%22b",
        "q=%E2%80%AE",
        "q=title:x",
        "q=status:open&q=status:done",
        "unknown=1",
        "limit[]=5",
    ]
    .iter()
    .map(|q| format!("/tickets?{q}"))
    .collect();
    queries.push(format!("/tickets?q={}", "word%20".repeat(600)));
    queries.push(format!("/tickets?q=tag:{}", "t".repeat(3000)));
    for c in [
        "u:0:0",
        "n:-1:-1",
        "u:9223372036854775807:9223372036854775807",
        "x:1:1",
        "u:1",
        "u:1:1:1",
        "u:abc:1",
    ] {
        queries.push(format!("/tickets?cursor={}", cursor(c)));
        queries.push(format!("/tickets?q=status:open&cursor={}", cursor(c)));
    }
    for q in [
        "after=abc",
        "after=-5",
        "after=99999999999999999999",
        "after=9223372036854775807",
        "after=1.5",
        "limit=0",
        "limit=abc",
        "limit=100000",
        "limit=-1",
        "limit=99999999999",
        "since=1",
    ] {
        queries.push(format!("/changes?{q}"));
    }
    for q in [
        "after=abc",
        "after=1.5",
        "after=99999999999999999999",
        "x=1",
    ] {
        queries.push(format!("/events/stream?{q}"));
    }
    for q in [
        "email=jane@example.com&x=1",
        "email[]=jane@example.com",
        "email=a&email=b",
    ] {
        queries.push(format!("/track/{key}?{q}"));
    }
    for path in queries {
        p.add(format!("query {path}"), Method::GET, path);
    }

    // Bad conditional and identity headers, with bodies that would otherwise be good:
    // if a bad header were ignored, the write would land and the test would see it.
    let bad_versions: Vec<HeaderValue> = [
        "abc",
        "",
        " ",
        "W/",
        "\"\"",
        "1,2",
        "*",
        "99999999999999999999",
        "1.0",
        "0x1",
        "W/\"abc\"",
        "-",
    ]
    .iter()
    .map(|v| HeaderValue::from_str(v).expect("header"))
    .chain([server::raw_header(b"\xff\xfe")])
    .collect();
    let guarded: Vec<(Method, String, Value)> = vec![
        (
            Method::PATCH,
            format!("/tickets/{key}"),
            json!({"title": "changed despite a bad If-Match"}),
        ),
        (
            Method::POST,
            format!("/tickets/{key}/comments"),
            json!({"body": "added despite a bad If-Match"}),
        ),
        (
            Method::POST,
            format!("/tickets/{key}/transition"),
            json!({"status": "resolved"}),
        ),
        (
            Method::POST,
            format!("/tickets/{key}/assign"),
            json!({"assignee": "mike@example.com"}),
        ),
        (
            Method::POST,
            format!("/tickets/{gated}/approve"),
            json!({"note": "ok"}),
        ),
        (
            Method::POST,
            format!("/tickets/{gated}/reject"),
            json!({"note": "no"}),
        ),
    ];
    for (method, path, body) in &guarded {
        for v in &bad_versions {
            let probe = p.json(
                &format!("If-Match {v:?}"),
                method.clone(),
                path,
                bytes(body.clone()),
            );
            probe.headers.push(("if-match", v.clone()));
        }
    }
    let bad_auth: Vec<HeaderValue> = vec![
        HeaderValue::from_static("Bearer"),
        HeaderValue::from_static("Bearer "),
        HeaderValue::from_static("Bearer  desk_"),
        HeaderValue::from_static("bearer desk_AAAA"),
        HeaderValue::from_static("Basic YWRtaW46YWRtaW4="),
        HeaderValue::from_static("Token desk_x"),
        HeaderValue::from_str(&format!("Bearer desk_{}", "A".repeat(5000))).unwrap(),
        server::raw_header(b"Bearer \xff\xfe"),
    ];
    for (method, path, body) in guarded.iter().take(2) {
        for v in &bad_auth {
            let probe = p.json(
                &format!("Authorization {v:?}"),
                method.clone(),
                path,
                bytes(body.clone()),
            );
            probe.token = None;
            probe.headers.push(("authorization", v.clone()));
        }
    }
    for v in [
        HeaderValue::from_static("abc"),
        HeaderValue::from_static("-1x"),
        HeaderValue::from_static("1.5"),
    ] {
        let probe = p.add(
            format!("Last-Event-ID {v:?}"),
            Method::GET,
            "/events/stream",
        );
        probe.headers.push(("last-event-id", v));
    }
    for v in [
        server::raw_header(b"\xff"),
        HeaderValue::from_static("W/"),
        HeaderValue::from_static(",,,"),
    ] {
        let probe = p.add(
            format!("If-None-Match {v:?}"),
            Method::GET,
            format!("/tickets/{key}"),
        );
        probe.headers.push(("if-none-match", v));
    }

    // Every route, with methods it does not take.
    let routes: Vec<(String, &[&str])> = vec![
        ("/healthz".into(), &["GET"]),
        ("/auth/login".into(), &["POST"]),
        ("/auth/logout".into(), &["POST"]),
        ("/me".into(), &["GET"]),
        ("/tickets".into(), &["GET", "POST"]),
        (format!("/tickets/{key}"), &["GET", "PATCH"]),
        (format!("/tickets/{key}/transition"), &["POST"]),
        (format!("/tickets/{key}/transitions"), &["GET"]),
        (format!("/tickets/{key}/assign"), &["POST"]),
        (format!("/tickets/{gated}/approve"), &["POST"]),
        (format!("/tickets/{gated}/reject"), &["POST"]),
        (format!("/tickets/{key}/comments"), &["POST"]),
        ("/changes".into(), &["GET"]),
        ("/events/stream".into(), &["GET"]),
        ("/stats".into(), &["GET"]),
        ("/categories".into(), &["GET", "POST"]),
        ("/categories/1".into(), &["PATCH"]),
        ("/priorities".into(), &["GET", "POST"]),
        ("/priorities/1".into(), &["PATCH"]),
        ("/statuses".into(), &["GET"]),
        ("/statuses/new".into(), &["PATCH"]),
        ("/users".into(), &["GET", "POST"]),
        (format!("/users/{bob}"), &["PATCH"]),
        (format!("/track/{key}"), &["GET"]),
    ];
    let methods = [
        "GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE", "BREW", "PROPFIND",
    ];
    for (path, allowed) in &routes {
        for m in methods {
            if allowed.contains(&m) || (m == "HEAD" && allowed.contains(&"GET")) {
                continue;
            }
            let method = Method::from_bytes(m.as_bytes()).expect("method");
            p.add(format!("method {m} {path}"), method, path.clone());
        }
    }
    // The writing routes with no body at all (approve takes an empty body: not here).
    for (method, path) in &json_routes {
        if path.ends_with("/approve") {
            continue;
        }
        p.add(
            format!("no body: {method} {path}"),
            method.clone(),
            path.clone(),
        );
    }

    // Some of the same as a customer, on her own ticket, and anonymously.
    let jane = s.customer.token.clone();
    for (what, body) in generic.iter().take(8) {
        let probe = p.json(
            &format!("customer {what}"),
            Method::POST,
            "/tickets",
            body.clone(),
        );
        probe.token = Some(jane.clone());
        let probe = p.json(
            &format!("customer {what}"),
            Method::POST,
            &format!("/tickets/{key}/comments"),
            body.clone(),
        );
        probe.token = Some(jane.clone());
        let probe = p.json(
            &format!("anonymous {what}"),
            Method::POST,
            "/tickets",
            body.clone(),
        );
        probe.token = None;
    }
    p
}

#[tokio::test]
async fn malformed_requests_get_a_4xx_and_change_nothing() {
    let s = TestServer::start_with(ServerOptions {
        login_burst: 100_000,
        anonymous_burst: 100_000,
        ..Default::default()
    })
    .await;
    // Some state worth breaking: a ticket in progress, with comments and a tag, and a
    // service request waiting for a decision.
    let key = s.file(&s.customer, "Laptop will not boot", "General").await;
    let agent = s.agent.token.clone();
    s.post(
        &format!("/tickets/{key}/assign"),
        Some(&agent),
        json!({"assignee": "sarah@example.com"}),
    )
    .await
    .expect(StatusCode::OK);
    s.post(
        &format!("/tickets/{key}/transition"),
        Some(&agent),
        json!({"status": "in_progress"}),
    )
    .await
    .expect(StatusCode::OK);
    s.post(
        &format!("/tickets/{key}/comments"),
        Some(&agent),
        json!({"body": "internal", "visibility": "internal"}),
    )
    .await
    .expect(StatusCode::CREATED);
    s.patch(
        &format!("/tickets/{key}"),
        Some(&agent),
        json!({"tags": ["hw"]}),
    )
    .await
    .expect(StatusCode::OK);
    let gated = s
        .file(&s.customer, "Second monitor", "Service request")
        .await;

    let before = snapshot(&s, &[&key, &gated]).await;
    let probes = probes(&s, &key, &gated);
    assert!(probes.list.len() >= 300, "{} probes", probes.list.len());

    let mut failures = Vec::new();
    for probe in &probes.list {
        let mut rb = s.http.request(probe.method.clone(), s.url(&probe.path));
        if let Some(t) = &probe.token {
            rb = rb.bearer_auth(t);
        }
        for (name, value) in &probe.headers {
            rb = rb.header(*name, value.clone());
        }
        if let Some(body) = &probe.body {
            rb = rb.body(body.clone());
        }
        let answer = match rb.send().await {
            Ok(r) => {
                let status = r.status();
                r.bytes().await.map(|b| (status, b))
            }
            Err(e) => Err(e),
        };
        // Signed-in probes stay signed in: no malformed request ends a session.
        if let Ok((StatusCode::UNAUTHORIZED, _)) = &answer
            && probe.token.is_some()
        {
            failures.push(format!(
                "{}: {} {}: a live token was refused",
                probe.what, probe.method, probe.path
            ));
        }
        match answer {
            Err(e) => failures.push(format!(
                "{}: {} {}: no answer: {e}",
                probe.what, probe.method, probe.path
            )),
            // Reads may be lenient (a free-text search for `(` finds nothing, a
            // limit past the maximum is clamped); writes must be refused.
            Ok((status, body))
                if status.is_server_error()
                    || (probe.method != Method::GET && !status.is_client_error()) =>
            {
                failures.push(format!(
                    "{}: {} {} gave {status}: {}",
                    probe.what,
                    probe.method,
                    probe.path,
                    String::from_utf8_lossy(&body)
                        .chars()
                        .take(300)
                        .collect::<String>()
                ))
            }
            Ok(_) => {}
        }
    }
    let after = snapshot(&s, &[&key, &gated]).await;
    for ((what, was), (_, now)) in before.iter().zip(&after) {
        if was != now {
            failures.push(format!("{what} changed:\n  before {was}\n  after  {now}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} malformed requests misbehaved:\n{}",
        failures.len(),
        probes.list.len(),
        failures.join("\n")
    );
    println!(
        "{} malformed native requests, none a 5xx, none wrote",
        probes.list.len()
    );
}

/// An expected status, and a request: method, path, and maybe a content type and body.
type Case = (StatusCode, Method, String, Option<(&'static str, Vec<u8>)>);

/// The design says every error is `{error: {code, message}}` with the right 4xx status,
/// so a client handles refusals one way, whichever layer refused.
#[tokio::test]
async fn every_refusal_is_a_desk_json_error() {
    let s = TestServer::start().await;
    let admin = s.admin.token.clone();
    let key = s.file(&s.customer, "Errors", "General").await;
    let big = serde_json::to_vec(&json!({"title": "x".repeat(desk::server::BODY_LIMIT)})).unwrap();
    let cases: Vec<Case> = vec![
        (
            StatusCode::NOT_FOUND,
            Method::GET,
            "/nothing/here".into(),
            None,
        ),
        (
            StatusCode::NOT_FOUND,
            Method::GET,
            "/tickets/TKT-999".into(),
            None,
        ),
        (
            StatusCode::BAD_REQUEST,
            Method::GET,
            "/tickets?limit=abc".into(),
            None,
        ),
        (
            StatusCode::BAD_REQUEST,
            Method::PATCH,
            "/users/abc".into(),
            Some(("application/json", b"{}".to_vec())),
        ),
        (
            StatusCode::BAD_REQUEST,
            Method::POST,
            "/tickets".into(),
            Some(("application/json", b"{".to_vec())),
        ),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Method::POST,
            "/tickets".into(),
            Some(("text/plain", b"{}".to_vec())),
        ),
        (
            StatusCode::METHOD_NOT_ALLOWED,
            Method::DELETE,
            format!("/tickets/{key}"),
            None,
        ),
        (
            StatusCode::METHOD_NOT_ALLOWED,
            Method::PUT,
            "/me".into(),
            None,
        ),
        (
            StatusCode::METHOD_NOT_ALLOWED,
            Method::GET,
            "/auth/login".into(),
            None,
        ),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            Method::POST,
            "/tickets".into(),
            Some(("application/json", big)),
        ),
    ];
    let mut failures = Vec::new();
    for (want, method, path, body) in cases {
        let mut rb = s.req(method.clone(), &path, Some(&admin));
        if let Some((content_type, bytes)) = body {
            rb = rb.header("content-type", content_type).body(bytes);
        }
        let r = server::send(rb).await;
        let is_desk_error = r.header("content-type") == Some("application/json")
            && r.json["error"]["code"].is_string()
            && r.json["error"]["message"].is_string();
        if r.status != want || !is_desk_error {
            failures.push(format!(
                "{method} {path}: {} {:?} {:?}, want {want} with a JSON error",
                r.status,
                r.header("content-type"),
                r.text()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Issue 23: a NUL in a query answered 500 and ~950 terms did too; both are refused now, on
/// the native list and count (422, as for any malformed query) and the helpdesk search (400).
#[tokio::test]
async fn control_characters_and_too_many_terms_in_queries_are_refused() {
    let s = TestServer::start_with(crate::common::compat::options(|c| {
        c.helpdesk = crate::common::compat::ON;
    }))
    .await;
    let many = vec!["printer"; 950].join("%20");
    for path in [
        "/tickets?q=ab%00cd".to_string(),
        "/tickets/count?q=ab%00cd".to_string(),
        "/tickets?q=ab%01".to_string(),
        format!("/tickets?q={many}"),
        format!("/tickets/count?q={many}"),
    ] {
        let r = s.get(&path, Some(&s.agent.token)).await;
        // The native API answers every malformed query 422 with `field: q`.
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            r.text()
        );
        assert_eq!(r.json["error"]["field"], "q");
    }
    for query in ["ab%00cd".to_string(), many] {
        let r =
            crate::common::compat::get(&s, &format!("/search?query={query}"), Some(&s.agent.token))
                .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "helpdesk {}", r.text());
    }
    s.stop().await;
}

/// Issue 23: a JSON array was read into a struct by position (`["note", "internal"]`
/// filed an internal note); every body must be an object.
#[tokio::test]
async fn json_arrays_are_not_bodies() {
    let s = TestServer::start().await;
    let key = s.file(&s.customer, "Arrays", "General").await;
    let before = s.event_count().await;
    for (path, body) in [
        (
            format!("/tickets/{key}/comments"),
            r#"["sneaky", "internal"]"#,
        ),
        ("/tickets".to_string(), r#"["t", "d", "General"]"#),
        (format!("/tickets/{key}/transition"), r#"["in_progress"]"#),
    ] {
        let r = server::send(
            s.req(Method::POST, &path, Some(&s.agent.token))
                .header("content-type", "application/json")
                .body(body),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.text());
    }
    assert_eq!(s.event_count().await, before, "nothing was written");
    s.stop().await;
}
