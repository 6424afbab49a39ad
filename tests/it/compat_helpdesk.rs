//! Seed 004's scripts against `desk serve`: the FastAPI helpdesk's calls, its integer
//! ids and its error bodies, agreeing with the native API on the same data.

use crate::common::server;

use crate::common::compat;

use compat::{ANONYMOUS, ON, garbage, get, json, options};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json as j};
use server::TestServer;

async fn desk() -> TestServer {
    TestServer::start_with(options(|c| c.helpdesk = ON)).await
}

/// The id the helpdesk gives the reference row called `name` at `path`.
async fn id_of(s: &TestServer, path: &str, name: &str) -> i64 {
    let reply = get(s, path, Some(&s.agent.token)).await;
    reply.expect(StatusCode::OK);
    reply
        .json
        .as_array()
        .expect("a list")
        .iter()
        .find(|r| r["name"] == name)
        .and_then(|r| r["id"].as_i64())
        .unwrap_or_else(|| panic!("{name} in {path}: {}", reply.text()))
}

async fn create(s: &TestServer, title: &str, priority: &str, category: &str) -> Value {
    let body = j!({
        "title": title,
        "description": format!("{title}: it has been like this since Monday"),
        "user_id": s.customer.id(),
        "category_id": id_of(s, "/categories", category).await,
        "priority_id": id_of(s, "/priorities", priority).await,
        "tags": "vip, printer",
    });
    let reply = json(s, Method::POST, "/tickets", Some(&s.agent.token), body).await;
    reply.expect(StatusCode::OK);
    reply.json.clone()
}

fn keys(list: &Value, field: &str) -> Vec<String> {
    let mut keys: Vec<String> = list
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|t| t[field].as_str().map(String::from))
        .collect();
    keys.sort();
    keys
}

/// The native list for `q`, as the agent sees it.
async fn native(s: &TestServer, q: &str) -> Vec<String> {
    let reply = s
        .req(Method::GET, "/tickets", Some(&s.agent.token))
        .query(&[("q", q), ("limit", "500")]);
    let reply = server::send(reply).await;
    reply.expect(StatusCode::OK);
    keys(&reply.json["tickets"], "key")
}

#[tokio::test]
async fn root_health_and_reference_data() {
    let s = desk().await;
    let root = get(&s, "/", None).await;
    root.expect(StatusCode::OK);
    assert_eq!(root.json["status"], "running");
    assert!(root.json["message"].is_string() && root.json["version"].is_string());
    let health = get(&s, "/health", None).await;
    health.expect(StatusCode::OK);
    assert_eq!(health.json["status"], "healthy");
    assert!(health.json["timestamp"].is_string());

    let priorities = get(&s, "/priorities", Some(&s.agent.token)).await;
    priorities.expect(StatusCode::OK);
    let critical = &priorities.json.as_array().expect("list")[0];
    assert_eq!(critical["name"], "Critical");
    assert_eq!(critical["sla_hours"], 1.0);
    assert!(critical["id"].is_i64() && critical["color"].is_string());

    let statuses = get(&s, "/statuses", Some(&s.agent.token)).await;
    statuses.expect(StatusCode::OK);
    let names: Vec<&str> = statuses.json.as_array().expect("list")[..6]
        .iter()
        .filter_map(|st| st["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "Open",
            "In Progress",
            "Waiting for Customer",
            "Resolved",
            "Closed",
            "Escalated"
        ]
    );
    assert_eq!(statuses.json[0]["id"], 1);

    let categories = get(&s, "/categories", Some(&s.agent.token)).await;
    categories.expect(StatusCode::OK);
    assert!(categories.json.as_array().is_some_and(|c| !c.is_empty()));

    let users = get(&s, "/users", Some(&s.admin.token)).await;
    users.expect(StatusCode::OK);
    let jane = users
        .json
        .as_array()
        .expect("list")
        .iter()
        .find(|u| u["email"] == "jane@example.com")
        .expect("jane");
    assert_eq!(jane["username"], "jane");
    assert_eq!(jane["full_name"], "Jane Smith");
    s.stop().await;
}

#[tokio::test]
async fn tickets_are_created_read_and_numbered_once() {
    let s = desk().await;
    let created = create(&s, "Cannot log in", "High", "General").await;
    assert_eq!(created["message"], "Ticket created successfully");
    let id = created["ticket_id"].as_i64().expect("an integer id");
    let number = created["ticket_number"].as_str().expect("ticket_number");
    assert_eq!(number, format!("TKT-{id}"));

    let t = get(&s, &format!("/tickets/{id}"), Some(&s.agent.token)).await;
    t.expect(StatusCode::OK);
    let t = &t.json;
    assert_eq!(t["id"], id);
    assert_eq!(t["ticket_number"], number);
    assert_eq!(t["title"], "Cannot log in");
    assert_eq!(t["user_id"], s.customer.id());
    assert_eq!(t["user_username"], "jane");
    assert_eq!(t["user_full_name"], "Jane Smith");
    assert_eq!(t["priority_name"], "High");
    assert_eq!(t["status_id"], 1);
    assert_eq!(t["status_name"], "Open");
    // In the order sent ("vip, printer"), not desk's sorted set.
    assert_eq!(t["tags"], "vip,printer");
    assert_eq!(t["resolved_at"], Value::Null);
    assert!(t["due_date"].is_string());

    // The native API holds the same ticket, filed for Jane.
    let native = s
        .get(&format!("/tickets/{number}"), Some(&s.customer.token))
        .await;
    native.expect(StatusCode::OK);
    assert_eq!(
        native.json["ticket"]["requester"]["email"],
        "jane@example.com"
    );

    let missing = get(&s, "/tickets/9999", Some(&s.agent.token)).await;
    missing.expect(StatusCode::NOT_FOUND);
    assert_eq!(missing.json, j!({"detail": "Ticket not found"}));
    let not_int = get(&s, "/tickets/abc", Some(&s.agent.token)).await;
    not_int.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(not_int.json["detail"][0]["loc"], j!(["path", "ticket_id"]));
    s.stop().await;
}

#[tokio::test]
async fn bad_tickets_get_fastapi_errors_never_500() {
    let s = desk().await;
    let general = id_of(&s, "/categories", "General").await;
    let high = id_of(&s, "/priorities", "High").await;
    let good = j!({"title": "Printer", "description": "It does not print at all",
        "user_id": s.customer.id(), "category_id": general, "priority_id": high});
    let with = |k: &str, v: Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    for (body, field) in [
        (with("title", j!("")), "title"),
        (with("title", j!("x".repeat(201))), "title"),
        (with("description", j!("short")), "description"),
        (with("user_id", j!("abc")), "user_id"),
        (j!({"description": "long enough text here"}), "title"),
    ] {
        let reply = json(&s, Method::POST, "/tickets", Some(&s.agent.token), body).await;
        reply.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(reply.json["detail"][0]["loc"][1], field, "{}", reply.text());
        assert!(reply.json["detail"][0]["msg"].is_string());
    }
    for (body, message) in [
        (with("user_id", j!(9999)), "Invalid user ID"),
        (with("category_id", j!(9999)), "Invalid category ID"),
        (with("priority_id", j!(9999)), "Invalid priority ID"),
    ] {
        let reply = json(&s, Method::POST, "/tickets", Some(&s.agent.token), body).await;
        reply.expect(StatusCode::BAD_REQUEST);
        assert_eq!(reply.json, j!({"detail": message}));
    }
    let reply = garbage(&s, Method::POST, "/tickets", Some(&s.agent.token)).await;
    reply.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.json["detail"].is_array());
    for path in [
        "/tickets?limit=0",
        "/tickets?limit=101",
        "/tickets?offset=-1",
        "/tickets?status_id=x",
    ] {
        let reply = get(&s, path, Some(&s.agent.token)).await;
        reply.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.json["detail"].is_array(), "{path}");
    }
    s.stop().await;
}

#[tokio::test]
async fn updates_comments_and_history() {
    let s = desk().await;
    let id = create(&s, "Cannot log in", "High", "General").await["ticket_id"]
        .as_i64()
        .expect("id");
    // `?user_id=` names the agent who acts, as the helpdesk's UI sends it.
    let me = format!("?user_id={}", s.agent.id());
    let put = |body: Value, query: String| {
        let s = &s;
        async move {
            json(
                s,
                Method::PUT,
                &format!("/tickets/{id}{query}"),
                Some(&s.agent.token),
                body,
            )
            .await
        }
    };
    let no_user = put(j!({"status_id": 2}), String::new()).await;
    no_user.expect(StatusCode::UNPROCESSABLE_ENTITY);
    let nothing = put(j!({"colour": "blue"}), me.clone()).await;
    nothing.expect(StatusCode::BAD_REQUEST);
    assert_eq!(nothing.json, j!({"detail": "No valid fields to update"}));
    let bad_status = put(j!({"status_id": 99}), me.clone()).await;
    bad_status.expect(StatusCode::BAD_REQUEST);
    assert_eq!(bad_status.json, j!({"detail": "Invalid status ID"}));
    let unknown = json(
        &s,
        Method::PUT,
        &format!("/tickets/9999{me}"),
        Some(&s.agent.token),
        j!({"status_id": 2}),
    )
    .await;
    unknown.expect(StatusCode::NOT_FOUND);

    let moved = put(
        j!({"status_id": 2, "assigned_to": s.agent.id(), "title": "Cannot log in (SSO)"}),
        me.clone(),
    )
    .await;
    moved.expect(StatusCode::OK);
    assert_eq!(moved.json, j!({"message": "Ticket updated successfully"}));
    let native = s.get(&format!("/tickets/{id}"), Some(&s.agent.token)).await;
    assert_eq!(native.json["ticket"]["status"], "in_progress");
    assert_eq!(native.json["ticket"]["assignee"]["email"], s.agent.email());
    assert_eq!(native.json["ticket"]["title"], "Cannot log in (SSO)");
    // Setting the status it already has is no change, not a workflow error.
    put(j!({"status_id": 2}), me.clone())
        .await
        .expect(StatusCode::OK);

    // Internal notes can be written here but never read back through this door.
    for (comment, internal) in [
        ("Try resetting your password", false),
        ("Looks like SSO", true),
    ] {
        let added = json(
            &s,
            Method::POST,
            &format!("/tickets/{id}/comments{me}"),
            Some(&s.agent.token),
            j!({"comment": comment, "is_internal": internal}),
        )
        .await;
        added.expect(StatusCode::OK);
        assert!(added.json["comment_id"].is_i64());
    }
    let listed = get(&s, &format!("/tickets/{id}/comments"), Some(&s.agent.token)).await;
    listed.expect(StatusCode::OK);
    let bodies: Vec<&str> = listed
        .json
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["comment"].as_str())
        .collect();
    assert_eq!(bodies, ["Try resetting your password"]);
    let native = s.get(&format!("/tickets/{id}"), Some(&s.agent.token)).await;
    assert_eq!(native.json["comments"].as_array().map(Vec::len), Some(2));
    let no_comment = json(
        &s,
        Method::POST,
        &format!("/tickets/{id}/comments{me}"),
        Some(&s.agent.token),
        j!({"is_internal": false}),
    )
    .await;
    no_comment.expect(StatusCode::UNPROCESSABLE_ENTITY);

    // Resolving sets resolved_at, which the original never did.
    put(j!({"status_id": 4}), me.clone())
        .await
        .expect(StatusCode::OK);
    let t = get(&s, &format!("/tickets/{id}"), Some(&s.agent.token)).await;
    assert_eq!(t.json["status_name"], "Resolved");
    assert!(t.json["resolved_at"].is_string());

    let history = get(&s, &format!("/tickets/{id}/history"), Some(&s.agent.token)).await;
    history.expect(StatusCode::OK);
    let rows = history.json.as_array().expect("list");
    let status_changes: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| r["action"] == "updated_status")
        .filter_map(|r| Some((r["old_value"].as_str()?, r["new_value"].as_str()?)))
        .collect();
    assert!(
        status_changes.contains(&("assigned", "in_progress")),
        "{rows:?}"
    );
    assert!(
        status_changes.contains(&("in_progress", "resolved")),
        "{rows:?}"
    );
    assert!(rows.iter().all(|r| r["created_at"].is_string()));
    s.stop().await;
}

#[tokio::test]
async fn lists_filters_search_stats_and_dashboard_agree_with_the_native_api() {
    let s = desk().await;
    create(&s, "Printer jams", "High", "General").await;
    create(&s, "Invoice wrong", "Critical", "General").await;
    create(&s, "Laptop request", "Low", "Service request").await;
    let done = create(&s, "Printer offline", "High", "General").await["ticket_id"]
        .as_i64()
        .expect("id");
    s.post(
        &format!("/tickets/{done}/transition"),
        Some(&s.agent.token),
        j!({"status": "resolved"}),
    )
    .await
    .expect(StatusCode::OK);

    let all = get(&s, "/tickets", Some(&s.agent.token)).await;
    all.expect(StatusCode::OK);
    assert_eq!(keys(&all.json, "ticket_number"), native(&s, "").await);

    let high = id_of(&s, "/priorities", "High").await;
    let by_priority = get(
        &s,
        &format!("/tickets?priority_id={high}"),
        Some(&s.agent.token),
    )
    .await;
    assert_eq!(
        keys(&by_priority.json, "ticket_number"),
        native(&s, "priority:High").await
    );
    assert_eq!(by_priority.json.as_array().map(Vec::len), Some(2));

    let request = id_of(&s, "/categories", "Service request").await;
    let by_category = get(
        &s,
        &format!("/tickets?category_id={request}"),
        Some(&s.agent.token),
    )
    .await;
    assert_eq!(
        keys(&by_category.json, "ticket_number"),
        native(&s, "category:\"Service request\"").await
    );
    let resolved = get(&s, "/tickets?status_id=4", Some(&s.agent.token)).await;
    assert_eq!(
        keys(&resolved.json, "ticket_number"),
        native(&s, "status:resolved").await
    );
    assert_eq!(resolved.json.as_array().map(Vec::len), Some(1));
    let nothing = get(&s, "/tickets?status_id=99", Some(&s.agent.token)).await;
    assert_eq!(nothing.json, j!([]));

    let page = get(&s, "/tickets?limit=2&offset=1", Some(&s.agent.token)).await;
    let page: Vec<&Value> = page.json.as_array().expect("list").iter().collect();
    let whole = all.json.as_array().expect("list");
    assert_eq!(page, whole[1..3].iter().collect::<Vec<_>>());

    let found = get(&s, "/search?query=printer&limit=10", Some(&s.agent.token)).await;
    found.expect(StatusCode::OK);
    assert_eq!(found.json["query"], "printer");
    assert_eq!(found.json["total_results"], 2);
    assert_eq!(
        keys(&found.json["results"], "ticket_number"),
        native(&s, "\"printer\"").await
    );
    let short = get(&s, "/search?query=p", Some(&s.agent.token)).await;
    short.expect(StatusCode::UNPROCESSABLE_ENTITY);

    let stats = get(&s, "/stats", Some(&s.agent.token)).await;
    stats.expect(StatusCode::OK);
    let native_stats = s.stats().await;
    assert_eq!(stats.json["total_tickets"], native_stats["total"]);
    assert_eq!(stats.json["total_tickets"], 4);
    assert_eq!(stats.json["resolved_tickets"], 1);
    assert_eq!(stats.json["open_tickets"], 3);
    assert_eq!(stats.json["critical_tickets"], 1);
    assert_eq!(
        stats.json["tickets_by_priority"],
        native_stats["by_priority"]
    );
    assert_eq!(
        stats.json["tickets_by_category"],
        native_stats["by_category"]
    );

    let dashboard = get(&s, "/dashboard", Some(&s.agent.token)).await;
    dashboard.expect(StatusCode::OK);
    assert_eq!(dashboard.json["stats"], stats.json);
    assert_eq!(
        dashboard.json["recent_tickets"].as_array().map(Vec::len),
        Some(4)
    );
    assert!(dashboard.json["timestamp"].is_string());
    s.stop().await;
}

#[tokio::test]
async fn tokens_are_needed_unless_the_surface_is_anonymous() {
    let s = desk().await;
    for path in [
        "/tickets",
        "/stats",
        "/dashboard",
        "/search?query=printer",
        "/tickets/1",
    ] {
        let reply = get(&s, path, None).await;
        reply.expect(StatusCode::UNAUTHORIZED);
        assert!(reply.json["detail"].is_string(), "{path}");
    }
    // Customers see only their own tickets, and no desk-wide statistics.
    create(&s, "Printer jams", "High", "General").await;
    let theirs = get(&s, "/tickets", Some(&s.other_customer.token)).await;
    theirs.expect(StatusCode::OK);
    assert_eq!(theirs.json, j!([]));
    let stats = get(&s, "/stats", Some(&s.customer.token)).await;
    stats.expect(StatusCode::FORBIDDEN);
    s.stop().await;

    let s = TestServer::start_with(options(|c| c.helpdesk = ANONYMOUS)).await;
    create(&s, "Printer jams", "High", "General").await;
    let listed = get(&s, "/tickets", None).await;
    listed.expect(StatusCode::OK);
    assert_eq!(listed.json.as_array().map(Vec::len), Some(1));
    get(&s, "/stats", None).await.expect(StatusCode::OK);

    // An admin shuts the door by deactivating the surface's account.
    let people = s.get("/users", Some(&s.admin.token)).await;
    let account = people
        .json
        .as_array()
        .expect("people")
        .iter()
        .find(|u| u["email"] == "compat-helpdesk@desk.invalid")
        .and_then(|u| u["id"].as_i64())
        .expect("the anonymous account");
    assert_eq!(
        people
            .json
            .as_array()
            .and_then(|p| p.iter().find(|u| u["id"] == account))
            .map(|u| u["role"].clone()),
        Some(j!("agent"))
    );
    s.patch(
        &format!("/users/{account}"),
        Some(&s.admin.token),
        j!({"active": false}),
    )
    .await
    .expect(StatusCode::OK);
    let shut = get(&s, "/tickets", None).await;
    shut.expect(StatusCode::FORBIDDEN);
    assert!(shut.json["detail"].is_string());
    s.stop().await;
}

/// Everything a user could see of a ticket natively: fields, version, events, comments.
async fn whole(s: &TestServer, id: i64) -> Value {
    let reply = s.get(&format!("/tickets/{id}"), Some(&s.admin.token)).await;
    reply.expect(StatusCode::OK);
    reply.json.clone()
}

#[tokio::test]
async fn a_refused_update_changes_nothing_at_all() {
    let s = desk().await;
    let id = create(&s, "Printer jams", "High", "General").await["ticket_id"]
        .as_i64()
        .expect("id");
    let put = |who: &server::Person, body: Value| {
        let (s, token, uid) = (&s, who.token.clone(), who.id());
        async move {
            let path = format!("/tickets/{id}?user_id={uid}");
            json(s, Method::PUT, &path, Some(&token), body).await
        }
    };
    // Title and tags are fine; approving is for supervisors (refused before any write).
    let before = whole(&s, id).await;
    let body = j!({"title": "Printer jams (floor 3)", "tags": "hardware", "status_id": 8});
    let refused = put(&s.agent, body.clone()).await;
    refused.expect(StatusCode::FORBIDDEN);
    assert_eq!(
        whole(&s, id).await,
        before,
        "title, tags, version and events as they were"
    );
    // Work has started, so there is nothing left to approve (refused inside the change).
    put(&s.agent, j!({"status_id": 2}))
        .await
        .expect(StatusCode::OK);
    let before = whole(&s, id).await;
    let refused = put(&s.supervisor, body).await;
    assert!(
        refused.status.is_client_error(),
        "refused, not {}: {}",
        refused.status,
        refused.text()
    );
    assert_eq!(whole(&s, id).await, before);
    s.stop().await;
}

/// A browser's preflight for a JSON call with a token, from `origin`.
async fn preflight(s: &TestServer, path: &str, origin: &str, method: &str) -> server::Reply {
    server::send(
        compat::at(s, Method::OPTIONS, path, None)
            .header("origin", origin)
            .header("access-control-request-method", method)
            .header(
                "access-control-request-headers",
                "content-type,authorization",
            ),
    )
    .await
}

fn listed(reply: &server::Reply, header: &str) -> Vec<String> {
    reply
        .headers
        .get_all(header)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_ascii_lowercase())
        .collect()
}

#[tokio::test]
async fn the_react_ui_on_its_own_origin_gets_cors_answers() {
    use desk::server::CorsOrigins;
    const UI: &str = "http://localhost:3000";
    let mut opts = options(|c| {
        c.helpdesk = ON;
        c.tracking = ON;
    });
    opts.cors = CorsOrigins::List(vec![UI.into(), "http://localhost:5173".into()]);
    let s = TestServer::start_with(opts).await;

    // The UI's JSON POST is preceded by a preflight, which must be a 2xx (204).
    let pre = preflight(&s, "/tickets", UI, "POST").await;
    pre.expect(StatusCode::NO_CONTENT);
    assert_eq!(pre.header("access-control-allow-origin"), Some(UI));
    let methods = listed(&pre, "access-control-allow-methods");
    for m in ["get", "post", "put", "patch", "delete"] {
        assert!(methods.contains(&m.to_string()), "{methods:?}");
    }
    let allowed = listed(&pre, "access-control-allow-headers");
    for h in [
        "content-type",
        "authorization",
        "x-api-key",
        "if-match",
        "if-none-match",
    ] {
        assert!(allowed.contains(&h.to_string()), "{allowed:?}");
    }
    assert!(listed(&pre, "vary").contains(&"origin".to_string()));
    assert!(pre.header("access-control-allow-credentials").is_none());

    // The real call from the allowed origin can be read by the page.
    let body = j!({
        "title": "Printer on fire",
        "description": "It has been like this since Monday",
        "user_id": s.customer.id(),
        "category_id": id_of(&s, "/categories", "General").await,
        "priority_id": id_of(&s, "/priorities", "High").await,
    });
    let real = server::send(
        compat::at(&s, Method::POST, "/tickets", Some(&s.agent.token))
            .header("origin", UI)
            .json(&body),
    )
    .await;
    real.expect(StatusCode::OK);
    assert_eq!(real.header("access-control-allow-origin"), Some(UI));
    let exposed = listed(&real, "access-control-expose-headers");
    assert!(exposed.contains(&"etag".to_string()) && exposed.contains(&"location".to_string()));
    assert!(listed(&real, "vary").contains(&"origin".to_string()));

    // Another origin gets nothing a browser would accept, preflight or call.
    let evil = "http://evil.example";
    let pre = preflight(&s, "/tickets", evil, "POST").await;
    assert!(pre.header("access-control-allow-origin").is_none());
    let real = server::send(
        compat::at(&s, Method::GET, "/tickets", Some(&s.agent.token)).header("origin", evil),
    )
    .await;
    real.expect(StatusCode::OK);
    assert!(real.header("access-control-allow-origin").is_none());

    // The same on the native API and on the other surfaces enabled.
    let pre = preflight(&s, "/api/v1/tickets/TKT-1", UI, "PATCH").await;
    pre.expect(StatusCode::NO_CONTENT);
    assert_eq!(pre.header("access-control-allow-origin"), Some(UI));
    let pre = preflight(&s, "/api/create_ticket", "http://localhost:5173", "POST").await;
    pre.expect(StatusCode::NO_CONTENT);
    assert_eq!(
        pre.header("access-control-allow-origin"),
        Some("http://localhost:5173")
    );
    s.stop().await;

    // Off by default: no CORS headers at all.
    let s = desk().await;
    let pre = preflight(&s, "/tickets", UI, "POST").await;
    assert!(pre.header("access-control-allow-origin").is_none());
    s.stop().await;

    // `*` opens only the calls that take no token.
    let mut opts = options(|c| {
        c.helpdesk = ON;
        c.tracking = ON;
    });
    opts.cors = CorsOrigins::Any;
    let s = TestServer::start_with(opts).await;
    let open = preflight(&s, "/api/create_ticket", UI, "POST").await;
    open.expect(StatusCode::NO_CONTENT);
    assert_eq!(open.header("access-control-allow-origin"), Some("*"));
    for closed in ["/tickets", "/api/v1/tickets", "/api/tickets"] {
        let pre = preflight(&s, closed, UI, "GET").await;
        assert!(
            pre.header("access-control-allow-origin").is_none(),
            "{closed}"
        );
    }
    s.stop().await;
}

fn is_hex_color(v: &Value) -> bool {
    v.as_str().is_some_and(|c| {
        c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit())
    })
}

/// The helpdesk's React UI and test script as they call it: reference data they render
/// straight into the page, writes that name who acts with `?user_id=`, the history and
/// 422 bodies of the later FastAPI server, and tags in the order typed.
#[tokio::test]
async fn the_helpdesk_ui_and_script_get_the_shapes_they_read() {
    let s = desk().await;
    let priorities = get(&s, "/priorities", Some(&s.agent.token)).await;
    priorities.expect(StatusCode::OK);
    for p in priorities.json.as_array().expect("list") {
        assert!(p["description"].is_string(), "{p}");
        assert!(p["sla_hours"].is_i64(), "{p}");
        assert!(is_hex_color(&p["color"]), "{p}");
    }
    assert_eq!(priorities.json[0]["sla_hours"], 1);
    let categories = get(&s, "/categories", Some(&s.agent.token)).await;
    categories.expect(StatusCode::OK);
    for c in categories.json.as_array().expect("list") {
        assert!(c["sla_hours"].is_i64(), "{c}");
    }

    // Staff pick requesters from /users: customers are listed, in the seed's role words.
    let users = get(&s, "/users", Some(&s.agent.token)).await;
    users.expect(StatusCode::OK);
    let role_of = |id: i64| {
        users
            .json
            .as_array()
            .and_then(|u| u.iter().find(|u| u["id"] == id))
            .map(|u| u["role"].clone())
    };
    assert_eq!(role_of(s.customer.id()), Some(j!("customer")));
    assert_eq!(role_of(s.agent.id()), Some(j!("support_agent")));
    assert_eq!(role_of(s.admin.id()), Some(j!("admin")));
    get(&s, "/users", Some(&s.customer.token))
        .await
        .expect(StatusCode::FORBIDDEN);

    // Tags in the order typed.
    let body = j!({
        "title": "VPN drops",
        "description": "The VPN drops every ten minutes",
        "user_id": s.customer.id(),
        "category_id": id_of(&s, "/categories", "General").await,
        "priority_id": id_of(&s, "/priorities", "High").await,
        "tags": "vpn, Network, urgent",
    });
    let created = json(
        &s,
        Method::POST,
        "/tickets",
        Some(&s.agent.token),
        body.clone(),
    )
    .await;
    created.expect(StatusCode::OK);
    let id = created.json["ticket_id"].as_i64().expect("id");
    let t = get(&s, &format!("/tickets/{id}"), Some(&s.agent.token)).await;
    assert_eq!(t.json["tags"], "vpn,network,urgent");

    // 422 in pydantic v2's shape.
    let mut no_title = body.clone();
    no_title.as_object_mut().expect("object").remove("title");
    let reply = json(
        &s,
        Method::POST,
        "/tickets",
        Some(&s.agent.token),
        no_title.clone(),
    )
    .await;
    reply.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reply.json,
        j!({"detail": [{"type": "missing", "loc": ["body", "title"], "msg": "Field required",
            "input": no_title}]})
    );
    let reply = json(
        &s,
        Method::PUT,
        &format!("/tickets/{id}"),
        Some(&s.agent.token),
        j!({"title": "x"}),
    )
    .await;
    reply.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json["detail"][0]["type"], "missing");
    assert_eq!(reply.json["detail"][0]["loc"], j!(["query", "user_id"]));
    assert_eq!(reply.json["detail"][0]["msg"], "Field required");
    let reply = get(&s, "/tickets?limit=0", Some(&s.agent.token)).await;
    reply.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json["detail"][0]["type"], "greater_than_equal");
    assert_eq!(reply.json["detail"][0]["input"], "0");

    // `?user_id=` is checked.
    let put = |who: &server::Person, uid: i64, body: Value| {
        let (s, token) = (&s, who.token.clone());
        async move {
            json(
                s,
                Method::PUT,
                &format!("/tickets/{id}?user_id={uid}"),
                Some(&token),
                body,
            )
            .await
        }
    };
    let comment = |who: &server::Person, uid: i64, text: &str| {
        let (s, token, text) = (&s, who.token.clone(), text.to_string());
        async move {
            json(
                s,
                Method::POST,
                &format!("/tickets/{id}/comments?user_id={uid}"),
                Some(&token),
                j!({"comment": text, "is_internal": false}),
            )
            .await
        }
    };
    let unknown = put(&s.agent, 9999, j!({"title": "VPN drops often"})).await;
    unknown.expect(StatusCode::BAD_REQUEST);
    assert_eq!(unknown.json, j!({"detail": "Invalid user ID"}));
    let unknown = comment(&s.agent, 9999, "hello").await;
    unknown.expect(StatusCode::BAD_REQUEST);
    assert_eq!(unknown.json, j!({"detail": "Invalid user ID"}));

    // An agent may not act for another staff member; nothing is written.
    let before = whole(&s, id).await;
    put(
        &s.agent,
        s.other_agent.id(),
        j!({"title": "Not mine to say"}),
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    comment(&s.agent, s.other_agent.id(), "Signed, someone else")
        .await
        .expect(StatusCode::FORBIDDEN);
    assert_eq!(whole(&s, id).await, before);

    // Staff acting for the customer: the comment is the customer's.
    comment(&s.agent, s.customer.id(), "It happens on Wi-Fi only")
        .await
        .expect(StatusCode::OK);
    // A supervisor acting for an agent: the change is the agent's.
    put(
        &s.supervisor,
        s.agent.id(),
        j!({"title": "VPN drops on Wi-Fi"}),
    )
    .await
    .expect(StatusCode::OK);
    let native = whole(&s, id).await;
    let said = native["comments"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["body"] == "It happens on Wi-Fi only"))
        .expect("the comment");
    assert_eq!(said["author"]["email"], s.customer.email());

    let history = get(&s, &format!("/tickets/{id}/history"), Some(&s.agent.token)).await;
    history.expect(StatusCode::OK);
    let row = history
        .json
        .as_array()
        .and_then(|h| h.iter().find(|r| r["action"] == "updated_title"))
        .expect("the title change")
        .clone();
    for key in [
        "id",
        "ticket_id",
        "user_id",
        "action",
        "old_value",
        "new_value",
        "created_at",
        "username",
        "full_name",
    ] {
        assert!(row.get(key).is_some(), "{key} in {row}");
    }
    assert_eq!(row["ticket_id"], id);
    assert_eq!(row["user_id"], s.agent.id());
    assert_eq!(row["old_value"], "VPN drops");
    assert_eq!(row["new_value"], "VPN drops on Wi-Fi");
    assert_eq!(row["full_name"], s.agent.user.name.as_str());
    assert!(row["username"].is_string());
    s.stop().await;
}

/// The surface describes itself, offline, as the original's /openapi.json and /redoc
/// did; every path it lists is served.
#[tokio::test]
async fn the_surface_serves_its_own_openapi_document_and_a_reference_page() {
    let s = desk().await;
    let doc = get(&s, "/openapi.json", None).await;
    doc.expect(StatusCode::OK);
    assert!(
        doc.json["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3."))
    );
    let paths = doc.json["paths"].as_object().expect("paths");
    for want in [
        "/tickets",
        "/tickets/{ticket_id}",
        "/tickets/{ticket_id}/comments",
        "/tickets/{ticket_id}/history",
        "/priorities",
        "/users",
        "/search",
    ] {
        assert!(paths.contains_key(want), "{want}");
    }
    let id = create(&s, "Printer jams", "High", "General").await["ticket_id"]
        .as_i64()
        .expect("id");
    for (path, methods) in paths {
        if methods.get("get").is_none() {
            continue;
        }
        let path = path.replace("{ticket_id}", &id.to_string());
        let path = if path == "/search" {
            "/search?query=printer".to_string()
        } else {
            path
        };
        let reply = get(&s, &path, Some(&s.agent.token)).await;
        reply.expect(StatusCode::OK);
    }
    let page = get(&s, "/redoc", None).await;
    page.expect(StatusCode::OK);
    assert!(
        page.header("content-type")
            .is_some_and(|c| c.starts_with("text/html"))
    );
    let text = page.text();
    assert!(text.contains("/tickets/{ticket_id}/history") && !text.contains("<script"));
    s.stop().await;
}
