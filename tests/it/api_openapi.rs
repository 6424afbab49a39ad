//! The API describes itself: `GET /api/v1/openapi.json` documents every route the server
//! has, with the methods it takes, and `/docs` is an interactive page that needs nothing
//! from the internet.
//!
//! The guard against drift is [`ROUTES`], the server's routes written out by hand. It is
//! checked three ways: against the document (every route documented, nothing documented
//! that is not a route), against the server (every route answers), and against the
//! `.route(...)` calls in `src/server/mod.rs` (a route added to `router()` fails this
//! test until it is documented and listed here).

use crate::common::server;

use std::collections::BTreeSet;

use desk::server::ServerOptions;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use server::{TestServer, send};

/// Every route of `router()`: method, path as the document writes it, and whether it
/// needs a token.
const ROUTES: &[(&str, &str, bool)] = &[
    ("get", "/healthz", false),
    ("get", "/api/v1/openapi.json", false),
    ("post", "/api/v1/auth/login", false),
    ("post", "/api/v1/auth/logout", true),
    ("get", "/api/v1/me", true),
    ("get", "/api/v1/tickets", true),
    ("get", "/api/v1/tickets/count", true),
    ("post", "/api/v1/tickets", true),
    ("get", "/api/v1/tickets/{key}", true),
    ("patch", "/api/v1/tickets/{key}", true),
    ("post", "/api/v1/tickets/{key}/transition", true),
    ("get", "/api/v1/tickets/{key}/transitions", true),
    ("post", "/api/v1/tickets/{key}/assign", true),
    ("post", "/api/v1/tickets/{key}/approve", true),
    ("post", "/api/v1/tickets/{key}/reject", true),
    ("post", "/api/v1/tickets/{key}/comments", true),
    ("get", "/api/v1/tickets/{key}/attachments", true),
    ("post", "/api/v1/tickets/{key}/attachments", true),
    ("get", "/api/v1/attachments/{id}", true),
    ("delete", "/api/v1/attachments/{id}", true),
    ("get", "/api/v1/changes", true),
    ("get", "/api/v1/changes/head", true),
    ("get", "/api/v1/events/stream", true),
    ("get", "/api/v1/stats", true),
    ("get", "/api/v1/stats/series", true),
    ("get", "/api/v1/categories", true),
    ("post", "/api/v1/categories", true),
    ("patch", "/api/v1/categories/{id}", true),
    ("get", "/api/v1/priorities", true),
    ("post", "/api/v1/priorities", true),
    ("patch", "/api/v1/priorities/{id}", true),
    ("get", "/api/v1/statuses", true),
    ("patch", "/api/v1/statuses/{key}", true),
    ("get", "/api/v1/users", true),
    ("post", "/api/v1/users", true),
    ("patch", "/api/v1/users/{id}", true),
    ("get", "/api/v1/tickets/{key}/deliveries", true),
    ("get", "/api/v1/webhooks", true),
    ("post", "/api/v1/webhooks", true),
    ("delete", "/api/v1/webhooks/{id}", true),
    ("post", "/api/v1/webhooks/{id}/test", true),
    ("get", "/api/v1/deliveries", true),
    ("get", "/api/v1/deliveries/{id}", true),
    ("post", "/api/v1/deliveries/{id}/retry", true),
    ("get", "/api/v1/track/{key}", false),
];

/// Reads that carry an ETag and so may answer 304.
const ETAGGED: &[&str] = &[
    "/api/v1/tickets",
    "/api/v1/tickets/{key}",
    "/api/v1/changes",
    "/api/v1/stats",
    "/api/v1/categories",
    "/api/v1/priorities",
    "/api/v1/statuses",
    "/api/v1/users",
    "/api/v1/track/{key}",
];

const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn expected() -> BTreeSet<(String, String)> {
    ROUTES
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect()
}

async fn document(s: &TestServer) -> Value {
    let reply = s.get("/api/v1/openapi.json", None).await;
    reply.expect(StatusCode::OK);
    let content_type = reply.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("application/json"),
        "content type {content_type}"
    );
    serde_json::from_slice(&reply.bytes).expect("the document is JSON")
}

fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let paths = doc["paths"].as_object().expect("paths");
    let mut found = BTreeSet::new();
    for (path, item) in paths {
        for method in HTTP_METHODS {
            if item.get(method).is_some() {
                found.insert((method.to_string(), path.clone()));
            }
        }
    }
    found
}

/// Follows a local `$ref` (`#/components/schemas/Ticket`).
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let pointer = r.strip_prefix('#').expect("a local $ref");
            doc.pointer(pointer)
                .unwrap_or_else(|| panic!("$ref {r} points nowhere"))
        }
        None => schema,
    }
}

#[tokio::test]
async fn the_document_lists_every_route_with_its_methods() {
    let s = TestServer::start_without_logins(ServerOptions::default()).await;
    let doc = document(&s).await;

    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "an OpenAPI 3 document: {}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "desk");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));

    let documented = documented(&doc);
    let expected = expected();
    let missing: Vec<_> = expected.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&expected).collect();
    assert!(missing.is_empty(), "routes without docs: {missing:?}");
    assert!(
        extra.is_empty(),
        "docs for routes the server lacks: {extra:?}"
    );

    let scheme = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(scheme["type"], "http", "{scheme}");
    assert_eq!(scheme["scheme"], "bearer", "{scheme}");

    for (method, path, needs_token) in ROUTES {
        let op = &doc["paths"][*path][*method];
        let what = format!("{} {path}", method.to_uppercase());
        assert!(
            op["summary"].as_str().is_some_and(|t| !t.is_empty()),
            "{what} has a summary"
        );
        assert!(
            op["description"].as_str().is_some_and(|t| !t.is_empty()),
            "{what} says what it does and who may call it"
        );
        let tags = op["tags"].as_array().map(Vec::len).unwrap_or_default();
        assert_eq!(tags, 1, "{what} is in one tag group");

        let bearer = op["security"]
            .as_array()
            .is_some_and(|list| list.iter().any(|r| r.get("bearer").is_some()));
        assert_eq!(bearer, *needs_token, "{what}: bearer security");
        let responses = op["responses"].as_object().expect("responses");
        if *needs_token {
            assert!(responses.contains_key("401"), "{what} documents 401");
        }
        assert!(
            responses.keys().any(|k| k.starts_with('2')),
            "{what} documents its success"
        );
        if ETAGGED.contains(path) && *method == "get" {
            assert!(responses.contains_key("304"), "{what} documents 304");
        }
        // Every `{param}` of the path is a documented path parameter.
        let declared: BTreeSet<&str> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
            .filter_map(|p| p["name"].as_str())
            .collect();
        let in_path: BTreeSet<&str> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        assert_eq!(declared, in_path, "{what}: path parameters");
        // Error answers use the error body.
        for (status, response) in responses {
            if status.starts_with('4') {
                let schema = &response["content"]["application/json"]["schema"];
                assert_eq!(
                    schema["$ref"], "#/components/schemas/ErrorBody",
                    "{what} {status}"
                );
            }
        }
    }

    // Operation ids name operations uniquely (client generators make functions of them).
    let ids: Vec<&str> = ROUTES
        .iter()
        .filter_map(|(m, p, _)| doc["paths"][*p][*m]["operationId"].as_str())
        .collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), ROUTES.len(), "every operation has an id");
    assert_eq!(unique.len(), ids.len(), "operation ids are unique: {ids:?}");

    // Schemas are named types, not a stray primitive from a type alias.
    for name in doc["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .keys()
    {
        assert!(
            name.starts_with(|c: char| c.is_ascii_uppercase()),
            "schema {name} is a named type"
        );
    }

    // Every reference points at something.
    let text = doc.to_string();
    for part in text.split("\"$ref\":\"").skip(1) {
        let target = &part[..part.find('"').expect("end of $ref")];
        let pointer = target.strip_prefix('#').expect("a local $ref");
        assert!(
            doc.pointer(pointer).is_some(),
            "$ref {target} points nowhere"
        );
    }
    s.stop().await;
}

#[tokio::test]
async fn every_documented_route_is_served() {
    let s = TestServer::start_without_logins(ServerOptions::default()).await;
    for (method, path, _) in ROUTES {
        let concrete = path.replace("{key}", "TKT-1").replace("{id}", "1");
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
        let mut rb = s
            .http
            .request(method.clone(), format!("{}{concrete}", s.base));
        if *path == "/api/v1/events/stream" {
            // Unauthenticated, so the answer is an error and the stream never opens.
            rb = rb.timeout(std::time::Duration::from_secs(5));
        }
        let reply = send(rb).await;
        assert_ne!(
            reply.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {concrete}"
        );
        assert!(
            reply.status != StatusCode::NOT_FOUND || reply.code() == "not_found",
            "{method} {concrete} is routed: {} {}",
            reply.status,
            reply.text()
        );
        assert!(
            !reply.text().contains("no such endpoint"),
            "{method} {concrete} is routed"
        );
    }
    s.stop().await;
}

/// The `.route(...)` calls of `router()`, as (method, path under its prefix).
fn routes_in_router_source() -> BTreeSet<(String, String)> {
    let source = include_str!("../../src/server/mod.rs");
    let start = source.find("pub fn router(").expect("router() in mod.rs");
    let body = &source[start..];
    let body = &body[..body.find("\n}\n").expect("the end of router()")];
    let mut found = BTreeSet::new();
    for (at, _) in body.match_indices(".route(") {
        // The call's arguments, up to its closing parenthesis.
        let args = &body[at + ".route(".len()..];
        let mut depth = 1;
        let end = args
            .char_indices()
            .find_map(|(i, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                (depth == 0).then_some(i)
            })
            .expect("a closed .route( call");
        let args = &args[..end];
        let path = args
            .split('"')
            .nth(1)
            .expect("a path literal as .route's first argument");
        let handlers = &args[args.find(',').expect("a method router")..];
        let mut methods = 0;
        for method in HTTP_METHODS {
            for (i, _) in handlers.match_indices(&format!("{method}(")) {
                let before = handlers[..i].chars().next_back();
                if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':')) {
                    found.insert((method.to_string(), path.to_string()));
                    methods += 1;
                }
            }
        }
        assert!(methods > 0, "no method found in .route({args})");
    }
    found
}

#[test]
fn every_route_in_router_is_listed_here() {
    let in_source = routes_in_router_source();
    let listed: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p, _)| {
            let under_prefix = p.strip_prefix("/api/v1").unwrap_or(p);
            (m.to_string(), under_prefix.to_string())
        })
        .collect();
    let unlisted: Vec<_> = in_source.difference(&listed).collect();
    let gone: Vec<_> = listed.difference(&in_source).collect();
    assert!(
        unlisted.is_empty(),
        "router() has routes that are neither listed in ROUTES nor (so) checked to be \
         documented; add a #[utoipa::path] to the handler, the handler to paths(...) in \
         src/server/openapi.rs, and the route to ROUTES: {unlisted:?}"
    );
    assert!(
        gone.is_empty(),
        "ROUTES lists routes router() no longer has: {gone:?}"
    );
}

/// A Ticket, as the document describes it, has every field the API sends.
#[tokio::test]
async fn the_ticket_schema_has_every_field() {
    let s = TestServer::start_without_logins(ServerOptions::default()).await;
    let doc = document(&s).await;
    let ticket = &doc["components"]["schemas"]["Ticket"];
    let properties = ticket["properties"].as_object().expect("Ticket properties");
    let required: BTreeSet<&str> = ticket["required"]
        .as_array()
        .expect("Ticket required")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for field in [
        "key",
        "title",
        "description",
        "status",
        "priority",
        "category",
        "requester",
        "assignee",
        "tags",
        "custom_fields",
        "version",
        "created_at",
        "updated_at",
        "resolved_at",
        "sla",
    ] {
        assert!(
            properties.contains_key(field),
            "Ticket.{field} is described"
        );
        assert!(
            required.contains(field),
            "Ticket.{field} is always sent, so required"
        );
    }
    assert_eq!(properties["created_at"]["format"], "date-time");
    assert_eq!(properties["created_at"]["type"], "string");

    let sla = resolve(&doc, &properties["sla"]);
    let sla_properties = sla["properties"].as_object().expect("SLA properties");
    let sla_required: Vec<&str> = sla["required"]
        .as_array()
        .expect("SLA required")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for field in ["response_due_at", "resolution_due_at", "breached"] {
        assert!(
            sla_properties.contains_key(field),
            "sla.{field} is described"
        );
        assert!(sla_required.contains(&field), "sla.{field} is required");
    }

    // The document's Ticket is what the server really sends.
    let admin = s.admin.token.clone();
    let filed = s
        .post(
            "/tickets",
            Some(&admin),
            serde_json::json!({"title": "Printer jams", "requester_email": "jane@example.com"}),
        )
        .await;
    filed.expect(StatusCode::CREATED);
    let sent = filed.json.as_object().expect("a ticket");
    for field in properties.keys() {
        assert!(sent.contains_key(field), "the server sends Ticket.{field}");
    }
    for field in sent.keys() {
        assert!(
            properties.contains_key(field),
            "Ticket.{field} is described"
        );
    }
    s.stop().await;
}

/// Hosts a page could pull scripts, styles or fonts from. (Swagger UI's bundle does
/// mention other `https://` addresses: RFC and JSON Schema identifiers, links shown in
/// the page, and the online validator, which the initializer switches off.)
const CDNS: &[&str] = &[
    "unpkg.com",
    "jsdelivr.net",
    "cdnjs.cloudflare.com",
    "googleapis.com",
    "gstatic.com",
    "bootstrapcdn.com",
];

/// `src="..."` and `href="..."` values in an HTML page.
fn linked(html: &str) -> Vec<String> {
    let mut links = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for part in html.split(attr).skip(1) {
            if let Some(end) = part.find('"') {
                links.push(part[..end].to_string());
            }
        }
    }
    links
}

#[tokio::test]
async fn docs_is_an_interactive_page_that_needs_no_internet() {
    let s = TestServer::start_without_logins(ServerOptions::default()).await;
    let page = send(s.http.get(format!("{}/docs", s.base))).await;
    page.expect(StatusCode::OK);
    let content_type = page.header("content-type").unwrap_or_default();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = page.text();
    assert!(html.contains("swagger-ui"), "the Swagger UI page: {html}");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "the page links nothing outside: {html}"
    );

    let links = linked(&html);
    assert!(
        links.iter().any(|l| l.ends_with(".js")),
        "the page loads its scripts: {links:?}"
    );
    let mut initializer = None;
    for link in &links {
        assert!(
            !link.contains("//"),
            "{link} is served by desk, not fetched from elsewhere"
        );
        let url = format!("{}/docs/{}", s.base, link.trim_start_matches("./"));
        let asset = send(s.http.get(&url)).await;
        assert_eq!(asset.status, StatusCode::OK, "{url}");
        let text = asset.text();
        for cdn in CDNS {
            assert!(!text.contains(cdn), "{link} refers to {cdn}");
        }
        if link.ends_with(".css") {
            for fetch in ["@import", "url(http", "url(\"http", "url('http", "url(//"] {
                assert!(
                    !text.contains(fetch),
                    "{link} fetches from elsewhere: {fetch}"
                );
            }
        }
        if link.contains("initializer") {
            initializer = Some(text);
        }
    }
    // The script that starts the page reads our document, and nothing else.
    let initializer = initializer.expect("the page loads swagger-initializer.js");
    assert!(
        initializer.contains("/api/v1/openapi.json"),
        "the page reads /api/v1/openapi.json: {initializer}"
    );
    assert!(
        !initializer.contains("http://") && !initializer.contains("https://"),
        "the page reads nothing from outside: {initializer}"
    );
    assert!(
        initializer.contains(r#""validatorUrl": "none""#),
        "the online validator is off: {initializer}"
    );
    s.stop().await;
}
