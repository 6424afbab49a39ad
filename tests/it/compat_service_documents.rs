//! Seed 002's document upload (`POST /api/uploads/service-documents`) and the request
//! filed with its answer: the files become real attachments of the request's ticket,
//! the `url`s are readable only by their uploader until linked and by the ticket's
//! readers after, unlinked uploads expire, and bad uploads get the seed's 4xx shape.

use crate::common::compat;
use crate::common::server;

use compat::{ANONYMOUS, ON, at, get, json, options};
use desk::domain::attachment::Limits;
use desk::service::{AttachmentConfig, ServiceConfig};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json as j};
use server::{Reply, TestServer, send};

const UPLOAD: &str = "/api/uploads/service-documents";

async fn desk() -> TestServer {
    TestServer::start_without_logins(options(|c| c.service_requests = ON)).await
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
    b.extend_from_slice(&[7u8; 300]);
    b
}

fn doc(name: &str, bytes: Vec<u8>, claimed: &str) -> Part {
    Part::bytes(bytes)
        .file_name(name.to_string())
        .mime_str(claimed)
        .expect("mime")
}

async fn upload(s: &TestServer, token: Option<&str>, form: Form) -> Reply {
    send(at(s, Method::POST, UPLOAD, token).multipart(form)).await
}

fn request_body(documents: Value) -> Value {
    j!({
        "serviceType": "New Connection",
        "fullName": "Abebe Kebede",
        "phone": "+251911000000",
        "fullAddress": "Bole, Addis Ababa",
        "documents": documents,
    })
}

/// The path of a `url` the upload answered (absolute or not).
fn path_of(url: &Value) -> String {
    let url = url.as_str().expect("a url");
    url[url.find(UPLOAD).expect("an upload url")..].to_string()
}

#[tokio::test]
async fn uploaded_documents_become_attachments_of_the_request_filed_with_them() {
    let s = desk().await;
    let token = s.customer.token.clone();
    let form = Form::new()
        // The browser's claims are ignored: the types come from the content.
        .part("documents", doc("kebele_id.pdf", pdf(), "image/jpeg"))
        .part("documents", doc("title_deed.png", png(), "application/pdf"));
    let up = upload(&s, Some(&token), form).await;
    up.expect(StatusCode::OK);
    assert_eq!(up.json["success"], true);
    let files = up.json["files"].as_array().expect("files").clone();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["name"], "kebele_id.pdf");
    assert_eq!(files[0]["size"], pdf().len());
    assert_eq!(files[0]["type"], "application/pdf");
    assert_eq!(files[1]["type"], "image/png");

    // Before it is filed: the uploader reads it back, nobody else does.
    let mine = get(&s, &path_of(&files[0]["url"]), Some(&token)).await;
    mine.expect(StatusCode::OK);
    assert_eq!(mine.bytes, pdf());
    assert_eq!(mine.header("x-content-type-options"), Some("nosniff"));
    for other in [&s.other_customer.token, &s.agent.token] {
        let theirs = get(&s, &path_of(&files[0]["url"]), Some(other)).await;
        theirs.expect(StatusCode::NOT_FOUND);
        assert_eq!(theirs.json["success"], false);
    }
    get(&s, &path_of(&files[0]["url"]), None)
        .await
        .expect(StatusCode::UNAUTHORIZED);

    // Another customer naming these urls in their own request links nothing.
    let stolen = json(
        &s,
        Method::POST,
        "/api/service-requests",
        Some(&s.other_customer.token),
        request_body(Value::Array(files.clone())),
    )
    .await;
    stolen.expect(StatusCode::CREATED);
    let stolen_key = stolen.json["request"]["key"].as_str().expect("key");
    let view = s
        .get(&format!("/tickets/{stolen_key}"), Some(&s.agent.token))
        .await;
    assert_eq!(view.json["attachments"], j!([]), "{}", view.text());

    let filed = json(
        &s,
        Method::POST,
        "/api/service-requests",
        Some(&token),
        request_body(Value::Array(files.clone())),
    )
    .await;
    filed.expect(StatusCode::CREATED);
    // The documents field is still what the pages sent and read back.
    assert_eq!(
        filed.json["request"]["documents"][0]["name"],
        "kebele_id.pdf"
    );
    let key = filed.json["request"]["key"]
        .as_str()
        .expect("key")
        .to_string();

    // The ticket now has the files, as any attachment: in the view, the list, the
    // download, and one `attached` event naming them.
    let view = s
        .get(&format!("/tickets/{key}"), Some(&s.agent.token))
        .await;
    view.expect(StatusCode::OK);
    let attached = view.json["attachments"].as_array().expect("attachments");
    assert_eq!(attached.len(), 2, "{}", view.text());
    assert_eq!(attached[0]["name"], "kebele_id.pdf");
    assert_eq!(attached[0]["visibility"], "public");
    let id = attached[1]["id"].as_i64().expect("id");
    let got = s
        .get(&format!("/attachments/{id}"), Some(&s.agent.token))
        .await;
    got.expect(StatusCode::OK);
    assert_eq!(got.bytes, png());
    let events = view.json["events"].as_array().expect("events");
    assert!(
        events.iter().any(|e| e["kind"] == "attached"
            && e["note"]
                .as_str()
                .is_some_and(|n| n.contains("title_deed.png"))),
        "{events:?}"
    );

    // Linked, the url answers whoever may read the ticket, and still nobody else.
    get(&s, &path_of(&files[1]["url"]), Some(&s.agent.token))
        .await
        .expect(StatusCode::OK);
    get(&s, &path_of(&files[1]["url"]), Some(&token))
        .await
        .expect(StatusCode::OK);
    get(
        &s,
        &path_of(&files[1]["url"]),
        Some(&s.other_customer.token),
    )
    .await
    .expect(StatusCode::NOT_FOUND);

    // A second filing with the same urls takes nothing away from the first.
    let again = json(
        &s,
        Method::POST,
        "/api/service-requests",
        Some(&token),
        request_body(Value::Array(files)),
    )
    .await;
    again.expect(StatusCode::CREATED);
    let view = s
        .get(&format!("/tickets/{key}"), Some(&s.agent.token))
        .await;
    assert_eq!(view.json["attachments"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn an_anonymous_surface_proves_an_upload_by_its_secret_alone() {
    let s = TestServer::start_without_logins(options(|c| c.service_requests = ANONYMOUS)).await;
    let up = upload(
        &s,
        None,
        Form::new().part("documents", doc("permit.pdf", pdf(), "x/y")),
    )
    .await;
    up.expect(StatusCode::OK);
    let url = path_of(&up.json["files"][0]["url"]);
    get(&s, &url, None).await.expect(StatusCode::OK);
    // A made-up secret of the right shape, and garbage, are both simply not there.
    let guessed = format!("{UPLOAD}/{}", "ab".repeat(32));
    get(&s, &guessed, None).await.expect(StatusCode::NOT_FOUND);
    get(&s, &format!("{UPLOAD}/..%2f..%2fetc"), None)
        .await
        .expect(StatusCode::NOT_FOUND);
    let filed = json(
        &s,
        Method::POST,
        "/api/service-requests",
        None,
        request_body(up.json["files"].clone()),
    )
    .await;
    filed.expect(StatusCode::CREATED);
    let key = filed.json["request"]["key"].as_str().expect("key");
    let view = s
        .get(&format!("/tickets/{key}"), Some(&s.agent.token))
        .await;
    assert_eq!(view.json["attachments"][0]["name"], "permit.pdf");
}

#[tokio::test]
async fn unlinked_uploads_expire_with_their_content() {
    let s = desk().await;
    let up = upload(
        &s,
        Some(&s.customer.token),
        Form::new().part("documents", doc("lonely.pdf", pdf(), "application/pdf")),
    )
    .await;
    up.expect(StatusCode::OK);
    let url = path_of(&up.json["files"][0]["url"]);
    // Nothing is old enough yet.
    let gone = s
        .service
        .purge_staged(desk::domain::time::now() - desk::service::STAGED_FOR)
        .await
        .expect("purge");
    assert_eq!(gone, 0);
    get(&s, &url, Some(&s.customer.token))
        .await
        .expect(StatusCode::OK);
    // As if a day had passed.
    let gone = s
        .service
        .purge_staged(desk::domain::time::now() + 1)
        .await
        .expect("purge");
    assert_eq!(gone, 1);
    get(&s, &url, Some(&s.customer.token))
        .await
        .expect(StatusCode::NOT_FOUND);
    // Filing with the expired url still files, with the metadata only.
    let filed = json(
        &s,
        Method::POST,
        "/api/service-requests",
        Some(&s.customer.token),
        request_body(up.json["files"].clone()),
    )
    .await;
    filed.expect(StatusCode::CREATED);
}

#[tokio::test]
async fn bad_uploads_get_a_clear_refusal_in_the_seeds_shape() {
    let limits = Limits {
        max_bytes: 4096,
        ..Limits::default()
    };
    let s = TestServer::start_configured(
        options(|c| c.service_requests = ON),
        ServiceConfig {
            attachments: AttachmentConfig {
                limits,
                ..AttachmentConfig::default()
            },
            ..ServiceConfig::default()
        },
    )
    .await;
    let token = s.customer.token.clone();
    let refused = |r: &Reply, status: StatusCode, words: &str| {
        r.expect(status);
        assert_eq!(r.json["success"], false, "{}", r.text());
        let error = r.json["error"].as_str().unwrap_or_default();
        assert!(error.contains(words), "{error}");
    };

    let empty = upload(
        &s,
        Some(&token),
        Form::new().part("documents", doc("e.pdf", vec![], "a/b")),
    )
    .await;
    refused(&empty, StatusCode::BAD_REQUEST, "empty");
    let big = upload(
        &s,
        Some(&token),
        Form::new().part("documents", doc("big.bin", vec![1u8; 5000], "a/b")),
    )
    .await;
    refused(&big, StatusCode::PAYLOAD_TOO_LARGE, "4 KiB");
    let exe = upload(
        &s,
        Some(&token),
        Form::new().part(
            "documents",
            doc(
                "id.pdf",
                b"MZ\x90\0\x03\0\0\0\x04\0".to_vec(),
                "application/pdf",
            ),
        ),
    )
    .await;
    refused(&exe, StatusCode::UNSUPPORTED_MEDIA_TYPE, "does not accept");
    let none = upload(&s, Some(&token), Form::new().text("note", "no files")).await;
    refused(&none, StatusCode::BAD_REQUEST, "no file");
    let not_multipart = json(
        &s,
        Method::POST,
        UPLOAD,
        Some(&token),
        j!({"documents": []}),
    )
    .await;
    refused(
        &not_multipart,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "multipart",
    );
    let cut = send(
        at(&s, Method::POST, UPLOAD, Some(&token))
            .header("content-type", "multipart/form-data; boundary=XyZ")
            .body("--XyZ\r\nContent-Disposition: form-data; name=\"documents\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4 and then noth"),
    )
    .await;
    refused(&cut, StatusCode::BAD_REQUEST, "malformed");

    // Names are cleaned for storage and display; the content is what decides the type.
    let long = format!("{}.pdf", "n".repeat(1000));
    for (raw, want) in [
        ("../../etc/passwd.pdf", "passwd.pdf".to_string()),
        ("scan\u{202E}fdp.exe", "scanfdp.exe".to_string()),
        (long.as_str(), format!("{}.pdf", "n".repeat(196))),
    ] {
        let r = upload(
            &s,
            Some(&token),
            Form::new().part("documents", doc(raw, pdf(), "text/html")),
        )
        .await;
        r.expect(StatusCode::OK);
        assert_eq!(r.json["files"][0]["name"], want.as_str());
        assert_eq!(r.json["files"][0]["type"], "application/pdf");
    }
    // Control characters cannot even be carried in a part's header: a clear 400.
    let control = upload(
        &s,
        Some(&token),
        Form::new().part("documents", doc("a\u{7}b\u{1b}.pdf", pdf(), "a/b")),
    )
    .await;
    refused(&control, StatusCode::BAD_REQUEST, "malformed");
    // Nothing refused was stored: only the three good uploads wait.
    let waiting = s
        .service
        .purge_staged(desk::domain::time::now() + 1)
        .await
        .expect("purge");
    assert_eq!(waiting, 3);
}
