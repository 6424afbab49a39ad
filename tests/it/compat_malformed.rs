//! Every compat call, with every surface on, fed bodies and ids a broken client might
//! send: each answer is a 4xx (or a success), never a 500 or a dropped connection.

use crate::common::server;

use crate::common::compat;

use compat::{ON, at, options};
use reqwest::{Method, StatusCode};
use server::{TestServer, send};

const CALLS: &[(&str, &str)] = &[
    ("POST", "/api/create_ticket"),
    ("GET", "/api/tickets?email=a@b.co"),
    ("GET", "/api/tickets/{id}?email=a@b.co"),
    ("POST", "/create_ticket"),
    ("POST", "/api/service-requests"),
    ("GET", "/api/service-requests"),
    ("GET", "/api/service-requests/pending"),
    ("GET", "/api/service-requests/user/{id}"),
    ("GET", "/api/service-requests/{id}"),
    ("PATCH", "/api/service-requests/{id}"),
    ("POST", "/api/service-requests/{id}/approve"),
    ("POST", "/api/service-requests/{id}/reject"),
    ("POST", "/users/signup"),
    ("POST", "/users/login"),
    ("POST", "/reports/submit"),
    ("GET", "/reports/my"),
    ("GET", "/support/admin/reports"),
    ("POST", "/support/admin/reports/respond"),
    ("GET", "/tickets?limit={id}&status_id={id}"),
    ("POST", "/tickets"),
    ("GET", "/tickets/{id}"),
    ("PUT", "/tickets/{id}?user_id={id}"),
    ("GET", "/tickets/{id}/comments"),
    ("POST", "/tickets/{id}/comments?user_id={id}"),
    ("GET", "/tickets/{id}/history"),
    ("GET", "/search?query={id}&limit={id}"),
];

const IDS: &[&str] = &[
    "1",
    "0",
    "-1",
    "abc",
    "99999999999999999999",
    "TKT-1",
    "%00",
    "1.5",
];

#[tokio::test]
async fn no_input_makes_a_compat_call_fail_with_a_500() {
    let s = TestServer::start_with(options(|c| {
        c.tracking = ON;
        c.intake = ON;
        c.service_requests = ON;
        c.reports = ON;
        c.helpdesk = ON;
    }))
    .await;
    // Something to find for the ids that exist.
    s.file(&s.customer, "Printer jam", "Service request").await;
    let bodies: Vec<Vec<u8>> = [
        "",
        "{not json",
        "null",
        "[]",
        "42",
        "\"text\"",
        "{}",
        r#"{"email": 5, "user_id": [], "pdf_link": {}, "title": 7, "description": null}"#,
        r#"{"ReportID": 1e309, "ProcessingStatus": "Reviewed", "status_id": 99999999999999999999}"#,
        r#"{"serviceType": "x", "fullName": "y", "phone": "z", "fullAddress": "w", "documents": "x", "priority": 3, "status": "approved", "assigned_to": "abc"}"#,
        r#"{"title": "t", "description": "long enough text", "user_id": 1, "category_id": -1, "priority_id": 1.5, "tags": ",,,"}"#,
        r#"{"comment": "", "is_internal": "yes", "assigned_to": 1}"#,
    ]
    .iter()
    .map(|b| b.as_bytes().to_vec())
    .chain([vec![0xff, 0xfe, b'{'], "x".repeat(70_000).into_bytes()])
    .collect();
    let tokens = [
        None,
        Some(s.customer.token.as_str()),
        Some(s.admin.token.as_str()),
    ];
    let (mut sent, mut refused_writes) = (0, 0);
    let mut events = s.event_count().await;
    for (method, path) in CALLS {
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        // Ids matter only where the path takes one, bodies only where the call reads one.
        let ids = if path.contains("{id}") {
            IDS
        } else {
            &IDS[..1]
        };
        let bodies = if method == Method::GET {
            &bodies[..1]
        } else {
            &bodies[..]
        };
        for id in ids {
            let path = path.replace("{id}", id);
            for token in tokens {
                for body in bodies {
                    let reply = send(
                        at(&s, method.clone(), &path, token)
                            .header("content-type", "application/json")
                            .body(body.clone()),
                    )
                    .await;
                    sent += 1;
                    assert!(
                        reply.status < StatusCode::INTERNAL_SERVER_ERROR,
                        "{method} {path} with {:?}: {} {}",
                        String::from_utf8_lossy(&body[..body.len().min(80)]),
                        reply.status,
                        reply.text()
                    );
                    assert!(
                        !reply.json.is_null() || reply.status == StatusCode::NOT_FOUND,
                        "{method} {path}: not JSON: {} {}",
                        reply.status,
                        reply.text()
                    );
                    // A refused write leaves no trace; an accepted one moves the feed on.
                    if method != Method::GET {
                        let now = s.event_count().await;
                        if reply.status.is_client_error() {
                            refused_writes += 1;
                            assert_eq!(
                                now,
                                events,
                                "{method} {path} was refused ({}) but wrote: {:?}",
                                reply.status,
                                String::from_utf8_lossy(&body[..body.len().min(80)])
                            );
                        }
                        events = now;
                    }
                }
            }
        }
    }
    assert!(sent > 2000, "{sent} requests");
    assert!(refused_writes > 1000, "{refused_writes} refused writes");
    println!("{sent} malformed compat requests, {refused_writes} refused writes, none wrote");
    s.stop().await;
}
