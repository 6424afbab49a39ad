//! Files on the customer pages (issue 15) against a real `desk serve`: `/new` and the
//! tracking page's reply take files (multipart, as the browser sends the forms), the
//! page lists the public ones and hands them out only to the proven requester;
//! internal files, wrong emails, stale forms and files over the limits get their page.

use crate::common::pages;
use crate::common::server;

use desk::domain::attachment::Limits;
use desk::service::{AttachmentConfig, ServiceConfig};
use pages::{Visitor, csrf_of};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use server::{TestServer, send};

const EMAIL: &str = "ann@example.com";

fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
    b.extend_from_slice(&[0u8; 64]);
    b
}

fn part(name: &str, bytes: Vec<u8>) -> Part {
    Part::bytes(bytes)
        .file_name(name.to_string())
        .mime_str("application/octet-stream")
        .expect("mime")
}

/// The filing form as a browser sends it when files are chosen.
fn filing(token: &str, title: &str, files: Vec<(&str, Vec<u8>)>) -> Form {
    let mut form = Form::new()
        .text("csrf", token.to_string())
        .text("name", "Ann Customer")
        .text("email", EMAIL)
        .text("category", "General")
        .text("title", title.to_string())
        .text("description", "See the screenshot.");
    for (name, bytes) in files {
        form = form.part("files", part(name, bytes));
    }
    form
}

fn key_of(page: &str) -> String {
    let marker = r#"id="filed-key">"#;
    let start = page.find(marker).expect("the filed key") + marker.len();
    let end = page[start..].find('<').expect("end of key") + start;
    page[start..end].to_string()
}

/// The attachment id behind the download button labelled `name`.
fn file_id(page: &str, name: &str) -> Option<String> {
    let button = format!(r#"class="link">{name}</button>"#);
    let at = page.find(&button)?;
    let marker = r#"name="id" value=""#;
    let start = page[..at].rfind(marker)? + marker.len();
    let end = page[start..].find('"')? + start;
    Some(page[start..end].to_string())
}

async fn fetch_file(v: &mut Visitor<'_>, key: &str, email: &str, id: &str) -> server::Reply {
    let token = v.token().await;
    v.post(
        "/track/file",
        &[("csrf", &token), ("key", key), ("email", email), ("id", id)],
    )
    .await
}

#[tokio::test]
async fn a_request_filed_with_files_shows_and_hands_them_back() {
    let s = TestServer::start().await;
    let mut v = Visitor::new(&s);
    let token = csrf_of(&v.get("/new").await.text());
    let log = b"line one\nline two\n".to_vec();
    let r = v
        .post_multipart(
            "/new",
            filing(
                &token,
                "Screen is blank",
                vec![("screen.png", png()), ("app.log", log.clone())],
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let key = key_of(&r.text());

    // Staff see both files on the ticket, typed by their content.
    let view = s
        .get(&format!("/tickets/{key}"), Some(&s.agent.token))
        .await;
    view.expect(StatusCode::OK);
    let names: Vec<(&str, &str)> = view.json["attachments"]
        .as_array()
        .expect("attachments")
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap_or_default(),
                a["media_type"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert!(names.contains(&("screen.png", "image/png")), "{names:?}");
    assert!(
        names
            .iter()
            .any(|(n, t)| *n == "app.log" && t.starts_with("text/plain")),
        "{names:?}"
    );

    // The tracking page lists them and gives each back, byte for byte, as a download.
    let page = v.track(&key, EMAIL).await.text();
    let id = file_id(&page, "app.log").expect("a download button for app.log");
    assert!(file_id(&page, "screen.png").is_some(), "{page}");
    let got = fetch_file(&mut v, &key, EMAIL, &id).await;
    got.expect(StatusCode::OK);
    assert_eq!(got.bytes, log);
    assert!(
        got.header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment") && d.contains("app.log")),
        "{:?}",
        got.header("content-disposition")
    );
    assert_eq!(got.header("x-content-type-options"), Some("nosniff"));

    // The same button with another email, or an expired form, gets nothing.
    let other = fetch_file(&mut v, &key, "eve@example.com", &id).await;
    other.expect(StatusCode::NOT_FOUND);
    assert!(other.bytes != log);
    let stale = v
        .post(
            "/track/file",
            &[
                ("csrf", "1.00"),
                ("key", &key),
                ("email", EMAIL),
                ("id", &id),
            ],
        )
        .await;
    stale.expect(StatusCode::FORBIDDEN);
    s.stop().await;
}

#[tokio::test]
async fn a_reply_carries_its_files_and_internal_ones_never_reach_the_page() {
    let s = TestServer::start().await;
    let mut v = Visitor::new(&s);
    let key = v.file(EMAIL, "Printer jam").await;

    let token = v.token().await;
    let form = Form::new()
        .text("csrf", token.clone())
        .text("key", key.clone())
        .text("email", EMAIL)
        .text("body", "Here is a photo of it.")
        .part("files", part("jam.png", png()));
    let r = v.post_multipart("/track/reply", form).await;
    r.expect(StatusCode::OK);
    assert!(r.text().contains("Your reply was added."), "{}", r.text());

    // One comment holding the file: one change, as from the API.
    let view = s
        .get(&format!("/tickets/{key}"), Some(&s.agent.token))
        .await;
    let comments = view.json["comments"].as_array().expect("comments");
    let reply = comments
        .iter()
        .find(|c| c["body"] == "Here is a photo of it.")
        .expect("the reply");
    assert_eq!(reply["attachments"][0]["name"], "jam.png");

    // An agent's internal note with a file: not on the page, not to be fetched.
    let note = send(
        s.req(
            Method::POST,
            &format!("/tickets/{key}/attachments"),
            Some(&s.agent.token),
        )
        .multipart(
            Form::new()
                .text("body", "customer's firmware is old")
                .text("visibility", "internal")
                .part("f", part("firmware-notes.txt", b"internal only\n".to_vec())),
        ),
    )
    .await;
    note.expect(StatusCode::CREATED);
    let internal_id = note.json["attachments"][0]["id"]
        .as_i64()
        .expect("id")
        .to_string();
    let page = v.track(&key, EMAIL).await.text();
    assert!(file_id(&page, "jam.png").is_some(), "{page}");
    assert!(!page.contains("firmware-notes"), "internal file listed");
    let got = fetch_file(&mut v, &key, EMAIL, &internal_id).await;
    got.expect(StatusCode::NOT_FOUND);
    assert!(!got.text().contains("internal only"));

    // A reply form sent with the file input left empty is a plain reply.
    let form = Form::new()
        .text("csrf", token)
        .text("key", key.clone())
        .text("email", EMAIL)
        .text("body", "No photo this time.")
        .part("files", Part::bytes(Vec::new()).file_name(""));
    v.post_multipart("/track/reply", form)
        .await
        .expect(StatusCode::OK);
    let view = s
        .get(&format!("/tickets/{key}"), Some(&s.agent.token))
        .await;
    let plain = view.json["comments"]
        .as_array()
        .expect("comments")
        .iter()
        .find(|c| c["body"] == "No photo this time.")
        .cloned()
        .expect("the plain reply");
    assert_eq!(plain["attachments"].as_array().map(Vec::len), Some(0));
    s.stop().await;
}

#[tokio::test]
async fn files_over_the_limits_file_nothing_and_say_why() {
    let config = ServiceConfig {
        attachments: AttachmentConfig {
            limits: Limits {
                max_bytes: 1000,
                max_per_comment: 2,
                ..Limits::default()
            },
            ..AttachmentConfig::default()
        },
        ..ServiceConfig::default()
    };
    let s = TestServer::start_with_service(config).await;
    let mut v = Visitor::new(&s);
    let before = s.get("/tickets?q=", Some(&s.agent.token)).await.json["tickets"]
        .as_array()
        .map_or(0, Vec::len);

    let page = v.get("/new").await.text();
    assert!(page.contains(r#"enctype="multipart/form-data""#));
    assert!(
        page.contains("up to 2,") || page.contains("up to 2 "),
        "{page}"
    );
    let token = csrf_of(&page);
    let big = v
        .post_multipart(
            "/new",
            filing(&token, "Too big", vec![("big.log", vec![b'a'; 5000])]),
        )
        .await;
    big.expect(StatusCode::PAYLOAD_TOO_LARGE);
    assert!(big.text().contains("big.log"), "{}", big.text());
    assert!(big.text().contains("role=\"alert\""));

    let elf = [b"\x7fELF\x02\x01\x01\0".as_slice(), &[0u8; 64]].concat();
    let refused = v
        .post_multipart("/new", filing(&token, "A program", vec![("tool", elf)]))
        .await;
    refused.expect(StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let many = v
        .post_multipart(
            "/new",
            filing(
                &token,
                "Three files",
                vec![
                    ("a.txt", b"a".to_vec()),
                    ("b.txt", b"b".to_vec()),
                    ("c.txt", b"c".to_vec()),
                ],
            ),
        )
        .await;
    many.expect(StatusCode::PAYLOAD_TOO_LARGE);
    assert!(many.text().contains("Nothing was filed"), "{}", many.text());

    let after = s.get("/tickets?q=", Some(&s.agent.token)).await.json["tickets"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(before, after, "a refused filing files nothing");
    s.stop().await;
}
