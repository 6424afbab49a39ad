//! `[compat.helpdesk.ids]`: a team that moved from seed 004 keeps its scripts, which say
//! `category_id=1` for Account Access and `user_id=4` for Sarah. The surface speaks the
//! original's ids for the rows the mapping names and numbers every other row above them.

use std::collections::{BTreeMap, HashSet};

use crate::common::compat::{ON, get, json, options};
use crate::common::server::{self, TestServer};
use desk::server::compat::HelpdeskIds;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json as j};

fn map(pairs: &[(i64, &str)]) -> BTreeMap<i64, String> {
    pairs
        .iter()
        .map(|(id, n)| (*id, (*n).to_string()))
        .collect()
}

/// The original's sample numbering: customers 1–3, agents 4–5, the admin 6; categories
/// Account Access 1 … Security Issues 5; priorities Critical 1 … Low 4.
fn originals() -> HelpdeskIds {
    HelpdeskIds {
        categories: map(&[
            (1, "Account Access"),
            (2, "billing & payments"),
            (5, "Security Issues"),
        ]),
        priorities: map(&[(1, "Critical"), (2, "High"), (3, "Medium"), (4, "Low")]),
        users: map(&[
            (1, "jane@example.com"),
            (2, "bob@example.com"),
            (3, "john@example.com"),
            (4, "sarah@example.com"),
            (5, "mike@example.com"),
            (6, "admin@example.com"),
        ]),
    }
}

async fn migrated_desk() -> TestServer {
    let s = TestServer::start_with(options(|c| {
        c.helpdesk = ON;
        c.helpdesk_ids = originals();
    }))
    .await;
    for name in ["Account Access", "Billing & Payments"] {
        s.post("/categories", Some(&s.admin.token), j!({"name": name}))
            .await
            .expect(StatusCode::CREATED);
    }
    s
}

fn rows(reply: &server::Reply) -> &Vec<Value> {
    reply.json.as_array().expect("a list")
}

fn id_named(list: &[Value], field: &str, value: &str) -> i64 {
    list.iter()
        .find(|r| r[field] == value)
        .and_then(|r| r["id"].as_i64())
        .unwrap_or_else(|| panic!("{value} in {list:?}"))
}

#[tokio::test]
async fn reference_rows_and_people_carry_the_originals_ids() {
    let s = migrated_desk().await;
    let categories = get(&s, "/categories", Some(&s.agent.token)).await;
    categories.expect(StatusCode::OK);
    let categories = rows(&categories);
    assert_eq!(id_named(categories, "name", "Account Access"), 1);
    assert_eq!(id_named(categories, "name", "Billing & Payments"), 2);
    // Desk's own categories, which the mapping does not name, are numbered above 5.
    let general = id_named(categories, "name", "General");
    let service = id_named(categories, "name", "Service request");
    assert!(
        general > 5 && service > 5 && general != service,
        "{categories:?}"
    );
    let ids: HashSet<i64> = categories.iter().filter_map(|c| c["id"].as_i64()).collect();
    assert_eq!(
        ids.len(),
        categories.len(),
        "one number per row: {categories:?}"
    );

    let priorities = get(&s, "/priorities", Some(&s.agent.token)).await;
    let priorities = rows(&priorities);
    for (name, id) in [("Critical", 1), ("High", 2), ("Medium", 3), ("Low", 4)] {
        assert_eq!(id_named(priorities, "name", name), id);
    }

    let users = get(&s, "/users", Some(&s.agent.token)).await;
    users.expect(StatusCode::OK);
    let users = rows(&users);
    assert_eq!(id_named(users, "email", "jane@example.com"), 1);
    assert_eq!(id_named(users, "email", "sarah@example.com"), 4);
    assert_eq!(id_named(users, "email", "admin@example.com"), 6);
    // Almaz was not in the original: above the highest mapped id.
    assert!(id_named(users, "email", "almaz@example.com") > 6);
}

#[tokio::test]
async fn the_originals_ids_file_assign_and_comment_as_they_did() {
    let s = migrated_desk().await;
    // The helpdesk's script files for John's colleague Jane (1) in Account Access (1), High (2).
    let filed = json(
        &s,
        Method::POST,
        "/tickets",
        Some(&s.agent.token),
        j!({"title": "Locked out", "description": "Locked out since the password reset",
            "user_id": 1, "category_id": 1, "priority_id": 2}),
    )
    .await;
    filed.expect(StatusCode::OK);
    let id = filed.json["ticket_id"].as_i64().expect("ticket_id");
    let key = filed.json["ticket_number"]
        .as_str()
        .expect("ticket_number")
        .to_string();

    // Sarah (4) takes it and assigns it to herself.
    let put = json(
        &s,
        Method::PUT,
        &format!("/tickets/{id}?user_id=4"),
        Some(&s.agent.token),
        j!({"assigned_to": 4, "priority_id": 1}),
    )
    .await;
    put.expect(StatusCode::OK);
    let comment = json(
        &s,
        Method::POST,
        &format!("/tickets/{id}/comments?user_id=4"),
        Some(&s.agent.token),
        j!({"comment": "Unlocked; please sign in again", "is_internal": false}),
    )
    .await;
    comment.expect(StatusCode::OK);

    // Desk itself sees the rows the ids meant.
    let native = s
        .get(&format!("/tickets/{key}"), Some(&s.agent.token))
        .await;
    native.expect(StatusCode::OK);
    let t = &native.json["ticket"];
    assert_eq!(t["category"], "Account Access");
    assert_eq!(t["priority"], "Critical");
    assert_eq!(t["requester"]["email"], "jane@example.com");
    assert_eq!(t["assignee"]["email"], "sarah@example.com");

    // And the surface answers in the original's ids.
    let row = get(&s, &format!("/tickets/{id}"), Some(&s.agent.token)).await;
    row.expect(StatusCode::OK);
    assert_eq!(
        (
            &row.json["user_id"],
            &row.json["category_id"],
            &row.json["priority_id"],
            &row.json["assigned_to"]
        ),
        (&j!(1), &j!(1), &j!(1), &j!(4))
    );
    let comments = get(&s, &format!("/tickets/{id}/comments"), Some(&s.agent.token)).await;
    assert_eq!(rows(&comments)[0]["user_id"], 4);
    let history = get(&s, &format!("/tickets/{id}/history"), Some(&s.agent.token)).await;
    let assigned = rows(&history)
        .iter()
        .find(|h| h["action"] == "updated_assignee")
        .unwrap_or_else(|| panic!("assignment in {}", history.text()));
    assert_eq!(assigned["user_id"], 4);
    let filtered = get(
        &s,
        "/tickets?category_id=1&priority_id=1",
        Some(&s.agent.token),
    )
    .await;
    assert_eq!(rows(&filtered).len(), 1, "{}", filtered.text());
}

#[tokio::test]
async fn ids_that_name_nothing_are_refused_until_the_row_exists() {
    let s = migrated_desk().await;
    let file = |category: i64, user: i64| {
        let s = &s;
        async move {
            json(
                s,
                Method::POST,
                "/tickets",
                Some(&s.agent.token),
                j!({"title": "Suspicious sign-in", "description": "A sign-in from abroad at 3am",
                    "user_id": user, "category_id": category, "priority_id": 1}),
            )
            .await
        }
    };
    // John (3) is in the mapping but has no account here yet; Security Issues (5) neither.
    let nobody = file(1, 3).await;
    nobody.expect(StatusCode::BAD_REQUEST);
    assert_eq!(nobody.json, j!({"detail": "Invalid user ID"}));
    let no_category = file(5, 1).await;
    no_category.expect(StatusCode::BAD_REQUEST);
    assert_eq!(no_category.json, j!({"detail": "Invalid category ID"}));
    // A mapped row's desk id is not a second name for it, nor for anyone else.
    let desk_id = file(1, s.agent.id()).await;
    desk_id.expect(StatusCode::BAD_REQUEST);

    // An admin adds the category; the same id now files, and nothing else moved.
    let before = get(&s, "/categories", Some(&s.agent.token)).await;
    let general = id_named(rows(&before), "name", "General");
    s.post(
        "/categories",
        Some(&s.admin.token),
        j!({"name": "Security Issues"}),
    )
    .await
    .expect(StatusCode::CREATED);
    file(5, 1).await.expect(StatusCode::OK);
    let after = get(&s, "/categories", Some(&s.agent.token)).await;
    assert_eq!(id_named(rows(&after), "name", "Security Issues"), 5);
    assert_eq!(id_named(rows(&after), "name", "General"), general);

    // What `desk serve`, `desk import` and `desk migrate` tell the operator.
    let unresolved = originals().unresolved(&s.service).await.expect("check");
    assert_eq!(
        unresolved,
        ["users 3 = \"john@example.com\": nobody has that email"]
    );
}
