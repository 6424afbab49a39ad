//! Attachments over HTTP (issue 15): upload and download round trips with byte
//! equality, the download's headers, a range, the authorisation matrix, the limits
//! (413 with nothing stored), sanitised names and bad multipart bodies. Runs on
//! PostgreSQL too (DESK_TEST_DB=postgres).

use crate::common::server;

use desk::domain::attachment::Limits;
use desk::service::{AttachmentConfig, ServiceConfig};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use server::{Person, Reply, TestServer, send};

/// Bytes that are no known format and not text: every value, many times over.
fn binary(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
    b.extend_from_slice(&[0u8; 64]);
    b
}

async fn upload(s: &TestServer, who: &Person, key: &str, form: Form) -> Reply {
    send(
        s.req(
            Method::POST,
            &format!("/tickets/{key}/attachments"),
            Some(&who.token),
        )
        .multipart(form),
    )
    .await
}

fn file(name: &str, bytes: Vec<u8>, claimed: &str) -> Part {
    Part::bytes(bytes)
        .file_name(name.to_string())
        .mime_str(claimed)
        .expect("mime")
}

/// A form with one file part.
fn one(name: &str, bytes: Vec<u8>, claimed: &str) -> Form {
    Form::new().part("f", file(name, bytes, claimed))
}

async fn download(s: &TestServer, who: &Person, id: i64) -> Reply {
    s.get(&format!("/attachments/{id}"), Some(&who.token)).await
}

fn id_of(reply: &Reply, i: usize) -> i64 {
    reply.json["attachments"][i]["id"]
        .as_i64()
        .expect("attachment id")
}

#[tokio::test]
async fn a_reply_with_files_round_trips_byte_for_byte() {
    let s = TestServer::start().await;
    let key = s.file(&s.customer, "Printer jams", "General").await;
    let big = binary(700_000); // three chunks, the last one short
    let form = Form::new()
        .text("body", "Here is the log and a screenshot")
        // The client claims the PNG is a PDF; the desk sniffs it.
        .part("file", file("screen shot.png", png(), "application/pdf"))
        .part("file", file("log.bin", big.clone(), "text/plain"));
    let reply = upload(&s, &s.customer, &key, form).await;
    reply.expect(StatusCode::CREATED);
    assert_eq!(
        reply.json["comment"]["body"],
        "Here is the log and a screenshot"
    );
    assert_eq!(reply.json["attachments"][0]["media_type"], "image/png");
    assert_eq!(reply.json["attachments"][0]["name"], "screen shot.png");
    assert_eq!(reply.json["attachments"][1]["size"], 700_000);
    assert_eq!(
        reply.json["attachments"][1]["media_type"],
        "application/octet-stream"
    );
    let comment_id = reply.json["comment"]["id"].as_i64().expect("comment id");
    let big_id = id_of(&reply, 1);

    let got = download(&s, &s.agent, big_id).await;
    got.expect(StatusCode::OK);
    assert!(
        got.bytes == big,
        "the download is the upload, byte for byte"
    );
    assert_eq!(got.header("content-length"), Some("700000"));
    assert_eq!(got.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(got.header("accept-ranges"), Some("bytes"));
    assert!(
        got.header("content-security-policy")
            .is_some_and(|v| v.contains("default-src 'none'"))
    );
    assert!(
        got.header("content-disposition")
            .is_some_and(|v| v.starts_with("attachment;") && v.contains("log.bin")),
        "{:?}",
        got.header("content-disposition")
    );

    let shot = download(&s, &s.customer, id_of(&reply, 0)).await;
    shot.expect(StatusCode::OK);
    assert_eq!(shot.bytes, png());
    assert_eq!(shot.header("content-type"), Some("image/png"));

    // A range across a chunk boundary.
    let part = send(
        s.req(
            Method::GET,
            &format!("/attachments/{big_id}"),
            Some(&s.agent.token),
        )
        .header("Range", "bytes=262140-262149"),
    )
    .await;
    part.expect(StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.bytes, big[262_140..262_150].to_vec());
    assert_eq!(
        part.header("content-range"),
        Some("bytes 262140-262149/700000")
    );
    let tail = send(
        s.req(
            Method::GET,
            &format!("/attachments/{big_id}"),
            Some(&s.agent.token),
        )
        .header("Range", "bytes=-5"),
    )
    .await;
    tail.expect(StatusCode::PARTIAL_CONTENT);
    assert_eq!(tail.bytes, big[big.len() - 5..].to_vec());
    let outside = send(
        s.req(
            Method::GET,
            &format!("/attachments/{big_id}"),
            Some(&s.agent.token),
        )
        .header("Range", "bytes=700000-"),
    )
    .await;
    outside.expect(StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(outside.header("content-range"), Some("bytes */700000"));

    // The ticket view lists the files under their comment; one change, one event.
    let view = s
        .get(&format!("/tickets/{key}"), Some(&s.customer.token))
        .await;
    view.expect(StatusCode::OK);
    let comments = view.json["comments"].as_array().expect("comments");
    let comment = comments
        .iter()
        .find(|c| c["id"].as_i64() == Some(comment_id))
        .expect("the comment");
    assert_eq!(comment["attachments"].as_array().map(Vec::len), Some(2));
    let events = view.json["events"].as_array().expect("events");
    let commented: Vec<&Value> = events.iter().filter(|e| e["kind"] == "commented").collect();
    assert_eq!(commented.len(), 1);
    assert!(
        commented[0]["note"]
            .as_str()
            .is_some_and(|n| n.contains("log.bin"))
    );
    assert_eq!(
        view.json["ticket"]["version"], 2,
        "one version bump for the reply and its files"
    );

    let list = s
        .get(
            &format!("/tickets/{key}/attachments"),
            Some(&s.customer.token),
        )
        .await;
    list.expect(StatusCode::OK);
    assert_eq!(list.json.as_array().map(Vec::len), Some(2));

    // The same content again is stored once (deduplicated by hash) and reads the same.
    let again = upload(&s, &s.agent, &key, one("copy.bin", big.clone(), "x/y")).await;
    again.expect(StatusCode::CREATED);
    assert_eq!(
        again.json["attachments"][0]["sha256"],
        reply.json["attachments"][1]["sha256"]
    );
    assert!(again.json["comment"].is_null());
    let copy = download(&s, &s.agent, id_of(&again, 0)).await;
    assert!(copy.bytes == big);
    s.stop().await;
}

#[tokio::test]
async fn who_may_download_what() {
    let s = TestServer::start().await;
    let key = s.file(&s.customer, "Invoice wrong", "General").await;
    let public = upload(
        &s,
        &s.agent,
        &key,
        Form::new().text("body", "Corrected invoice").part(
            "file",
            file(
                "invoice.pdf",
                b"%PDF-1.4\n%%EOF\n".to_vec(),
                "application/pdf",
            ),
        ),
    )
    .await;
    public.expect(StatusCode::CREATED);
    let internal = upload(
        &s,
        &s.agent,
        &key,
        Form::new()
            .text("body", "Customer's card statement, do not share")
            .text("visibility", "internal")
            .part(
                "file",
                file("statement.txt", b"secret".to_vec(), "text/plain"),
            ),
    )
    .await;
    internal.expect(StatusCode::CREATED);
    assert_eq!(internal.json["attachments"][0]["visibility"], "internal");
    let (public, internal) = (id_of(&public, 0), id_of(&internal, 0));

    for (who, sees_public, sees_internal) in [
        (&s.customer, true, false),
        (&s.other_customer, false, false),
        (&s.agent, true, true),
        (&s.supervisor, true, true),
        (&s.admin, true, true),
    ] {
        for (id, allowed) in [(public, sees_public), (internal, sees_internal)] {
            let got = download(&s, who, id).await;
            let want = if allowed {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(
                got.status,
                want,
                "{} downloading {id}: {}",
                who.email(),
                got.text()
            );
        }
    }
    let anonymous = s.get(&format!("/attachments/{public}"), None).await;
    anonymous.expect(StatusCode::UNAUTHORIZED);
    let none = download(&s, &s.admin, 999_999).await;
    none.expect(StatusCode::NOT_FOUND);

    // Customers see only the public file in the view and the list, and cannot attach
    // internally; another customer's ticket does not exist for them.
    let view = s
        .get(&format!("/tickets/{key}"), Some(&s.customer.token))
        .await;
    assert!(!view.text().contains("statement.txt"));
    let list = s
        .get(
            &format!("/tickets/{key}/attachments"),
            Some(&s.customer.token),
        )
        .await;
    assert_eq!(list.json.as_array().map(Vec::len), Some(1));
    let sneaky = upload(
        &s,
        &s.customer,
        &key,
        Form::new()
            .text("visibility", "internal")
            .part("f", file("a.txt", b"a".to_vec(), "text/plain")),
    )
    .await;
    sneaky.expect(StatusCode::FORBIDDEN);
    let other = upload(
        &s,
        &s.other_customer,
        &key,
        one("a.txt", b"a".to_vec(), "text/plain"),
    )
    .await;
    other.expect(StatusCode::NOT_FOUND);

    // Removal: admins only; the content goes, the event stays.
    let by_agent = send(s.req(
        Method::DELETE,
        &format!("/attachments/{internal}"),
        Some(&s.agent.token),
    ))
    .await;
    by_agent.expect(StatusCode::FORBIDDEN);
    let by_admin = send(s.req(
        Method::DELETE,
        &format!("/attachments/{internal}"),
        Some(&s.admin.token),
    ))
    .await;
    by_admin.expect(StatusCode::NO_CONTENT);
    download(&s, &s.admin, internal)
        .await
        .expect(StatusCode::NOT_FOUND);
    let view = s
        .get(&format!("/tickets/{key}"), Some(&s.agent.token))
        .await;
    let removed = view.json["events"]
        .as_array()
        .expect("events")
        .iter()
        .any(|e| e["kind"] == "attachment_removed" && e["old"] == "statement.txt");
    assert!(removed, "the removal is in the timeline: {}", view.text());
    let customer_view = s
        .get(&format!("/tickets/{key}"), Some(&s.customer.token))
        .await;
    assert!(
        !customer_view.text().contains("statement.txt"),
        "internal removal stays internal"
    );
    s.stop().await;
}

#[tokio::test]
async fn over_the_limit_is_413_and_stores_nothing() {
    let config = ServiceConfig {
        attachments: AttachmentConfig {
            limits: Limits {
                max_bytes: 100_000,
                max_per_comment: 2,
                ..Limits::default()
            },
            ..AttachmentConfig::default()
        },
        ..ServiceConfig::default()
    };
    let s = TestServer::start_with_service(config).await;
    let key = s.file(&s.customer, "Big file", "General").await;
    let before = s.event_count().await;

    let big = upload(
        &s,
        &s.customer,
        &key,
        Form::new()
            .text("body", "too big")
            .part("f", file("big.bin", binary(100_001), "x/y")),
    )
    .await;
    big.expect(StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        big.json["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("100000 bytes")),
        "{}",
        big.text()
    );

    let many = Form::new()
        .part("a", file("a.txt", b"a".to_vec(), "text/plain"))
        .part("b", file("b.txt", b"b".to_vec(), "text/plain"))
        .part("c", file("c.txt", b"c".to_vec(), "text/plain"));
    let many = upload(&s, &s.customer, &key, many).await;
    many.expect(StatusCode::PAYLOAD_TOO_LARGE);
    assert!(many.text().contains("2 per comment"), "{}", many.text());

    // Executables and HTML are refused by default, whatever the client calls them.
    let exe = upload(
        &s,
        &s.customer,
        &key,
        one(
            "cat.jpg",
            b"MZ\x90\0\x03\0\0\0\x04\0\0\0".to_vec(),
            "image/jpeg",
        ),
    )
    .await;
    exe.expect(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let html = upload(
        &s,
        &s.customer,
        &key,
        one(
            "a.txt",
            b"<!DOCTYPE html><script>alert(1)</script>".to_vec(),
            "text/plain",
        ),
    )
    .await;
    html.expect(StatusCode::UNSUPPORTED_MEDIA_TYPE);

    assert_eq!(s.event_count().await, before, "nothing was recorded");
    let list = s
        .get(&format!("/tickets/{key}/attachments"), Some(&s.agent.token))
        .await;
    assert_eq!(
        list.json.as_array().map(Vec::len),
        Some(0),
        "nothing was stored"
    );
    let view = s
        .get(&format!("/tickets/{key}"), Some(&s.agent.token))
        .await;
    assert_eq!(view.json["comments"].as_array().map(Vec::len), Some(0));
    s.stop().await;
}

#[tokio::test]
async fn bad_names_and_bad_bodies_get_clear_answers() {
    let s = TestServer::start().await;
    let key = s.file(&s.customer, "Names", "General").await;
    let long = format!("{}.txt", "n".repeat(1000));
    for (given, want) in [
        ("../../etc/passwd", "passwd"),
        ("C:\\temp\\evil.txt", "evil.txt"),
        ("invoice\u{202E}txt.exe", "invoicetxt.exe"),
        ("..", "file"),
    ] {
        let r = upload(
            &s,
            &s.customer,
            &key,
            one(given, b"hello".to_vec(), "text/plain"),
        )
        .await;
        r.expect(StatusCode::CREATED);
        assert_eq!(r.json["attachments"][0]["name"], want, "{given:?}");
    }
    let r = upload(
        &s,
        &s.customer,
        &key,
        one(&long, b"hello".to_vec(), "text/plain"),
    )
    .await;
    r.expect(StatusCode::CREATED);
    let name = r.json["attachments"][0]["name"].as_str().expect("name");
    assert_eq!(name.chars().count(), 200);
    assert!(name.ends_with(".txt"));

    let empty = upload(
        &s,
        &s.customer,
        &key,
        one("empty.txt", Vec::new(), "text/plain"),
    )
    .await;
    empty.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.text().contains("empty"), "{}", empty.text());
    let no_file = upload(&s, &s.customer, &key, Form::new().text("body", "no file")).await;
    no_file.expect(StatusCode::UNPROCESSABLE_ENTITY);

    let path = format!("/tickets/{key}/attachments");
    let truncated = send(
        s.req(Method::POST, &path, Some(&s.customer.token))
            .header("content-type", "multipart/form-data; boundary=XYZ")
            .body("--XYZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nhalf a fi"),
    )
    .await;
    assert_eq!(
        truncated.status,
        StatusCode::BAD_REQUEST,
        "{}",
        truncated.text()
    );
    let garbage = send(
        s.req(Method::POST, &path, Some(&s.customer.token))
            .header("content-type", "multipart/form-data; boundary=XYZ")
            .body("this is not multipart at all"),
    )
    .await;
    assert!(garbage.status.is_client_error(), "{}", garbage.text());
    let json = s
        .post(
            &path,
            Some(&s.customer.token),
            serde_json::json!({"file": "x"}),
        )
        .await;
    json.expect(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let no_boundary = send(
        s.req(Method::POST, &path, Some(&s.customer.token))
            .header("content-type", "multipart/form-data")
            .body("x"),
    )
    .await;
    assert!(
        no_boundary.status.is_client_error(),
        "{}",
        no_boundary.text()
    );
    let bad_id = s.get("/attachments/abc", Some(&s.agent.token)).await;
    assert!(bad_id.status.is_client_error());
    s.stop().await;
}

/// Runs the binary off the runtime's threads, so the in-process server keeps serving.
async fn cli(sb: &crate::cli_common::Sandbox, args: &[&str]) -> crate::cli_common::Run {
    let cmd = sb.command(args);
    tokio::task::spawn_blocking(move || crate::cli_common::finish(cmd))
        .await
        .expect("the run finished")
}

#[tokio::test]
async fn the_cli_attaches_lists_and_downloads_through_the_server() {
    let s = TestServer::start().await;
    let mut sb = crate::cli_common::Sandbox::new();
    sb.set("DESK_SERVER_URL", &s.base);
    sb.set("DESK_TOKEN", &s.agent.token);
    let shot = sb.path().join("shot.png");
    let log = sb.path().join("log.bin");
    let big = binary(600_000);
    std::fs::write(&shot, png()).expect("write");
    std::fs::write(&log, &big).expect("write");

    let created = cli(
        &sb,
        &[
            "tickets",
            "create",
            "--title",
            "With a file",
            "--description",
            "see file",
            "--attach",
            shot.to_str().expect("utf-8"),
            "--json",
        ],
    )
    .await
    .json();
    let key = created["key"].as_str().expect("key").to_string();

    let done = cli(
        &sb,
        &[
            "tickets",
            "comment",
            &key,
            "--internal",
            "--body",
            "the log",
            "--attach",
            log.to_str().expect("utf-8"),
            "--attach",
            shot.to_str().expect("utf-8"),
            "--json",
        ],
    )
    .await
    .json();
    assert_eq!(done["comment"]["visibility"], "internal");
    assert_eq!(done["attachments"].as_array().map(Vec::len), Some(2));
    let log_id = done["attachments"][0]["id"].as_i64().expect("id");

    let listed = cli(&sb, &["attachments", "list", &key, "--json"])
        .await
        .json();
    assert_eq!(listed.as_array().map(Vec::len), Some(3));
    let table = cli(&sb, &["attachments", "list", &key]).await;
    assert!(
        table.ok().contains("log.bin") && table.ok().contains("internal"),
        "{}",
        table.stdout
    );

    let out = sb.path().join("copy.bin");
    cli(
        &sb,
        &[
            "attachments",
            "get",
            &log_id.to_string(),
            "-o",
            out.to_str().expect("utf-8"),
        ],
    )
    .await
    .ok();
    assert!(
        std::fs::read(&out).expect("downloaded") == big,
        "the CLI download is the upload"
    );

    let text = sb.path().join("note.txt");
    std::fs::write(&text, "plain words\n").expect("write");
    let added = cli(
        &sb,
        &[
            "tickets",
            "comment",
            &key,
            "--attach",
            text.to_str().expect("utf-8"),
            "--json",
        ],
    )
    .await
    .json();
    assert!(added["comment"].is_null(), "files alone need no comment");
    let id = added["attachments"][0]["id"].as_i64().expect("id");
    let piped = cli(&sb, &["attachments", "get", &id.to_string(), "-o", "-"]).await;
    assert_eq!(piped.ok(), "plain words\n");

    // The customer cannot reach the internal log: it does not exist for them.
    sb.set("DESK_TOKEN", &s.customer.token);
    cli(&sb, &["attachments", "get", &log_id.to_string(), "-o", "-"])
        .await
        .fails(desk::cli::EXIT_REFUSED, "not found");
    s.stop().await;
}

#[tokio::test]
async fn the_cli_attaches_offline_too() {
    let sb = crate::cli_common::Sandbox::new();
    let file = sb.path().join("a.txt");
    std::fs::write(&file, "offline file\n").expect("write");
    let created = cli(
        &sb,
        &[
            "tickets",
            "create",
            "--title",
            "Offline",
            "--description",
            "x",
            "--attach",
            file.to_str().expect("utf-8"),
            "--json",
        ],
    )
    .await
    .json();
    let key = created["key"].as_str().expect("key").to_string();
    let listed = cli(&sb, &["attachments", "list", &key, "--json"])
        .await
        .json();
    let id = listed[0]["id"].as_i64().expect("id");
    assert_eq!(listed[0]["media_type"], "text/plain");
    let got = cli(&sb, &["attachments", "get", &id.to_string(), "-o", "-"]).await;
    assert_eq!(got.ok(), "offline file\n");
    let empty = sb.path().join("empty.txt");
    std::fs::write(&empty, "").expect("write");
    let refused = cli(
        &sb,
        &[
            "tickets",
            "comment",
            &key,
            "--attach",
            empty.to_str().expect("utf-8"),
        ],
    )
    .await;
    assert_ne!(refused.code, 0);
    assert!(refused.stderr.contains("empty"), "{}", refused.stderr);
}

#[tokio::test]
async fn a_content_directory_holds_files_by_hash() {
    let files = tempfile::tempdir().expect("temp dir");
    let config = ServiceConfig {
        attachments: AttachmentConfig {
            store: desk::store::attachments::ContentStore::Dir(files.path().to_path_buf()),
            ..AttachmentConfig::default()
        },
        ..ServiceConfig::default()
    };
    let s = TestServer::start_with_service(config).await;
    let key = s.file(&s.customer, "Dir store", "General").await;
    let bytes = binary(300_000);
    let reply = upload(&s, &s.customer, &key, one("d.bin", bytes.clone(), "x/y")).await;
    reply.expect(StatusCode::CREATED);
    let sha = reply.json["attachments"][0]["sha256"]
        .as_str()
        .expect("sha")
        .to_string();
    let on_disk = desk::store::attachments::blob_path(files.path(), &sha);
    assert!(std::fs::read(&on_disk).expect("the file is at its content address") == bytes);
    let id = id_of(&reply, 0);
    let got = download(&s, &s.customer, id).await;
    got.expect(StatusCode::OK);
    assert!(got.bytes == bytes);
    let part = send(
        s.req(
            Method::GET,
            &format!("/attachments/{id}"),
            Some(&s.customer.token),
        )
        .header("Range", "bytes=10-19"),
    )
    .await;
    part.expect(StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.bytes, bytes[10..20].to_vec());
    let removed = send(s.req(
        Method::DELETE,
        &format!("/attachments/{id}"),
        Some(&s.admin.token),
    ))
    .await;
    removed.expect(StatusCode::NO_CONTENT);
    assert!(!on_disk.exists(), "removal deletes the content");
    s.stop().await;
}

/// `desk serve` killed with SIGKILL halfway through a 20 MB upload, then started again on
/// the same database: no half attachment is visible, nothing of it is stored, its spool
/// is cleared, and the same file uploads whole afterwards.
#[tokio::test]
async fn a_kill_9_mid_upload_leaves_no_half_attachment() {
    use crate::common::process::ServeProcess;

    const SIZE: usize = 20 * 1024 * 1024;
    let desk = ServeProcess::prepare("").await;
    let child = desk.spawn().await;
    let http = server::client();
    let filed = http
        .post(format!("{}/tickets", desk.base))
        .bearer_auth(&desk.token)
        .json(&serde_json::json!({"title": "Big log", "description": "x", "category": "General"}))
        .send()
        .await
        .expect("answered");
    assert_eq!(filed.status(), StatusCode::CREATED);
    let ticket: Value = filed.json().await.expect("json");
    let key = ticket["key"].as_str().expect("key").to_string();
    let content = binary(SIZE);

    // The multipart body by hand, sent as it is produced: the file's first half, then
    // nothing more until the server is gone.
    let boundary = "deskkill9boundary";
    let head = format!(
        "--{boundary}\r\ncontent-disposition: form-data; name=\"f\"; filename=\"big.bin\"\r\ncontent-type: application/octet-stream\r\n\r\n"
    );
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let body = reqwest::Body::wrap_stream(tokio_stream::wrappers::ReceiverStream::new(rx));
    let upload = tokio::spawn({
        let (http, url, token) = (
            http.clone(),
            format!("{}/tickets/{key}/attachments", desk.base),
            desk.token.clone(),
        );
        async move {
            http.post(url)
                .bearer_auth(token)
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(body)
                .send()
                .await
        }
    });
    tx.send(Ok(head.into_bytes())).await.expect("send head");
    for chunk in content[..SIZE / 2].chunks(256 * 1024) {
        if tx.send(Ok(chunk.to_vec())).await.is_err() {
            let answer = upload.await.expect("task").expect("an answer");
            let status = answer.status();
            panic!(
                "the server stopped reading: {status} {:?}",
                answer.text().await
            );
        }
    }
    // Wait until the server has spooled most of what was sent: it is mid-upload.
    let spooled = || -> u64 {
        std::fs::read_dir(desk.tmp())
            .map(|d| {
                d.flatten()
                    .filter(|e| e.file_name().to_string_lossy().starts_with("desk-upload-"))
                    .filter_map(|e| e.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    };
    let start = std::time::Instant::now();
    while spooled() < (SIZE / 4) as u64 {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "the server never spooled the first half ({} bytes)",
            spooled()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    drop(child); // SIGKILL on unix
    assert!(
        upload.await.expect("task").is_err(),
        "the upload cannot have succeeded"
    );
    drop(tx);
    assert!(spooled() > 0, "the killed server left its spool behind");

    let child = desk.spawn().await;
    let list = http
        .get(format!("{}/tickets/{key}/attachments", desk.base))
        .bearer_auth(&desk.token)
        .send()
        .await
        .expect("answered");
    assert_eq!(list.status(), StatusCode::OK);
    assert_eq!(
        list.json::<Value>().await.expect("json"),
        serde_json::json!([])
    );
    let view: Value = http
        .get(format!("{}/tickets/{key}", desk.base))
        .bearer_auth(&desk.token)
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    assert!(ticket["version"].is_i64(), "{ticket}");
    assert_eq!(
        view["ticket"]["version"], ticket["version"],
        "the ticket did not change"
    );
    assert_eq!(spooled(), 0, "the restarted server cleared the dead spool");

    // The same file, whole, goes in and comes back byte for byte.
    let done = http
        .post(format!("{}/tickets/{key}/attachments", desk.base))
        .bearer_auth(&desk.token)
        .multipart(one("big.bin", content.clone(), "application/octet-stream"))
        .send()
        .await
        .expect("answered");
    assert_eq!(done.status(), StatusCode::CREATED);
    let done: Value = done.json().await.expect("json");
    let id = done["attachments"][0]["id"].as_i64().expect("id");
    let back = http
        .get(format!("{}/attachments/{id}", desk.base))
        .bearer_auth(&desk.token)
        .send()
        .await
        .expect("answered")
        .bytes()
        .await
        .expect("body");
    assert!(
        back.as_ref() == content.as_slice(),
        "the file came back whole"
    );
    drop(child);
    let blobs: i64 = {
        let store = desk::store::Store::open(&desk.db.location())
            .await
            .expect("store");
        let n = sqlx::query_scalar("SELECT COUNT(*) FROM attachment_blobs")
            .fetch_one(store.pool())
            .await
            .expect("count");
        store.close().await;
        n
    };
    assert_eq!(blobs, 1, "only the whole upload is stored");
}
