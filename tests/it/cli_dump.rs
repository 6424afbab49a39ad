//! `desk export` and `desk import`: the real binary, real SQLite files. A desk survives
//! the round trip field by field, and a file import does not understand writes nothing.

use crate::cli_common;

use cli_common::Sandbox;
use desk::domain::model::Visibility;
use desk::domain::requests::{DeskDump, NewTicket};
use desk::service::{Actor, Content, Service, ServiceConfig, Upload};
use desk::store::Store;
use desk::store::attachments::ContentStore;
use serde_json::Value;

async fn open(path: &std::path::Path) -> Service {
    let store = Store::open(path.to_str().expect("utf-8 path"))
        .await
        .expect("open store");
    Service::new(store, ServiceConfig::default())
}

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
}

/// The demo desk, plus a comment whose words only a rebuilt search index can find.
async fn demo_desk(path: &std::path::Path) -> Service {
    let service = open(path).await;
    desk::demo::load(&service).await.expect("demo");
    let agent = Actor::User(
        service
            .user_by_email("sarah.johnson@example.com")
            .await
            .expect("lookup")
            .expect("demo agent"),
    );
    service
        .comment(
            &agent,
            "TKT-3",
            "zanzibar crash log attached",
            Visibility::Internal,
            None,
        )
        .await
        .expect("comment");
    service
}

#[tokio::test]
async fn a_desk_survives_export_and_import_field_by_field() {
    let sb = Sandbox::new();
    let source = sb.path().join("source.db");
    let target = sb.path().join("target.db");
    let first = sb.path().join("first.json");
    let second = sb.path().join("second.json");
    let original = demo_desk(&source).await;
    original.store().close().await;

    let (src, dst) = (source.to_str().unwrap(), target.to_str().unwrap());
    sb.run(&["export", "--json", first.to_str().unwrap(), "--db", src])
        .expect(0);
    let imported = sb.run(&["import", "--json", first.to_str().unwrap(), "--db", dst]);
    imported.expect(0);
    assert!(
        imported.stderr.contains("imported 25 tickets"),
        "{}",
        imported.stderr
    );
    sb.run(&["export", "--json", second.to_str().unwrap(), "--db", dst])
        .expect(0);

    let (a, b) = (read_json(&first), read_json(&second));
    for part in [
        "key_prefix",
        "statuses",
        "categories",
        "priorities",
        "users",
        "tickets",
        "comments",
        "events",
    ] {
        assert_eq!(a[part], b[part], "`{part}` changed in the round trip");
    }
    let dump: DeskDump = serde_json::from_value(a).expect("a dump");
    assert_eq!(dump.tickets.len(), 25);
    assert!(dump.events.len() > dump.tickets.len());
    assert!(
        !std::fs::read_to_string(&first).unwrap().contains("argon2"),
        "no password hash leaves in an export"
    );

    // The imported desk works: search sees comments, numbering and the feed go on.
    let service = open(&target).await;
    let agent = Actor::User(
        service
            .user_by_email("sarah.johnson@example.com")
            .await
            .unwrap()
            .unwrap(),
    );
    let found = service
        .list_tickets(&agent, "zanzibar", None, None)
        .await
        .unwrap();
    assert_eq!(
        found
            .tickets
            .iter()
            .map(|t| t.key.as_str())
            .collect::<Vec<_>>(),
        ["TKT-3"]
    );
    let last = service.last_seq().await.unwrap();
    assert_eq!(last, dump.events.iter().map(|e| e.seq).max().unwrap());
    let next = service
        .create_ticket(
            &agent,
            NewTicket {
                title: "After the move".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(next.key, "TKT-26");
    let feed = service.changes(&agent, last, None).await.unwrap();
    assert_eq!(
        feed.events.len(),
        1,
        "the feed continues after the imported events"
    );

    // Nobody arrives with a password; `desk users password` lets them sign in again.
    assert!(
        service
            .login("admin@example.com", "desk-demo", 1)
            .await
            .is_err()
    );
    sb.run_with_stdin(
        &[
            "users",
            "password",
            "--db",
            dst,
            "--email",
            "admin@example.com",
            "--password-stdin",
        ],
        "a new secret 42\n",
    )
    .expect(0);
    service.forget_cached_tokens();
    assert!(
        service
            .login("admin@example.com", "a new secret 42", 1)
            .await
            .is_ok()
    );
    sb.run_with_stdin(
        &[
            "users",
            "password",
            "--db",
            dst,
            "--email",
            "nobody@example.com",
            "--password-stdin",
        ],
        "whatever long enough\n",
    )
    .fails(1, "nobody with the email");
}

#[tokio::test]
async fn an_import_refuses_what_it_does_not_understand_and_writes_nothing() {
    let sb = Sandbox::new();
    let source = sb.path().join("source.db");
    let dump_path = sb.path().join("dump.json");
    demo_desk(&source).await.store().close().await;
    sb.run(&[
        "export",
        "--json",
        dump_path.to_str().unwrap(),
        "--db",
        source.to_str().unwrap(),
    ])
    .expect(0);
    let good = read_json(&dump_path);

    let cases: Vec<(&str, String, &str)> = vec![
        ("not json", "this is not json".into(), "not a desk export"),
        (
            "another format",
            r#"{"tickets": []}"#.into(),
            "not a desk export",
        ),
        (
            "wrong format name",
            {
                let mut v = good.clone();
                v["format"] = "zip".into();
                v.to_string()
            },
            "not a desk dump",
        ),
        (
            "newer version",
            {
                let mut v = good.clone();
                v["version"] = 99.into();
                v.to_string()
            },
            "newer desk",
        ),
        (
            "unknown category",
            {
                let mut v = good.clone();
                v["tickets"][0]["category"] = "Nowhere".into();
                v.to_string()
            },
            "unknown category",
        ),
        (
            "dangling comment",
            {
                let mut v = good.clone();
                v["comments"][0]["ticket_id"] = 999_999.into();
                v.to_string()
            },
            "comment",
        ),
    ];
    for (what, text, says) in cases {
        let file = sb.path().join(format!("{}.json", what.replace(' ', "-")));
        std::fs::write(&file, text).unwrap();
        let target = sb.path().join(format!("{}.db", what.replace(' ', "-")));
        let run = sb.run(&[
            "import",
            "--json",
            file.to_str().unwrap(),
            "--db",
            target.to_str().unwrap(),
        ]);
        run.fails(1, says);
        if target.exists() {
            let service = open(&target).await;
            assert_eq!(
                service.count_tickets_unscoped().await.unwrap(),
                0,
                "{what}: nothing written"
            );
            assert!(
                service.all_users().await.unwrap().is_empty(),
                "{what}: nobody added"
            );
        }
    }

    // A desk that already holds tickets is never mixed into.
    sb.run(&[
        "import",
        "--json",
        dump_path.to_str().unwrap(),
        "--db",
        source.to_str().unwrap(),
    ])
    .fails(1, "not empty");
    let service = open(&source).await;
    assert_eq!(service.count_tickets_unscoped().await.unwrap(), 25);
}

/// A team moving from the FastAPI helpdesk checks its `[compat.helpdesk.ids]` as part of
/// the move: the import says which entries name nothing on the new desk.
#[tokio::test]
async fn an_import_checks_the_helpdesk_id_mapping_against_the_new_desk() {
    let sb = Sandbox::with_config(
        "[compat.helpdesk.ids.categories]\n1 = \"Account Access\"\n7 = \"Travel Insurance\"\n\
         [compat.helpdesk.ids.users]\n4 = \"sarah.johnson@example.com\"\n9 = \"nobody@example.com\"\n",
    );
    let source = sb.path().join("source.db");
    let target = sb.path().join("target.db");
    let dump = sb.path().join("dump.json");
    demo_desk(&source).await.store().close().await;
    sb.run(&[
        "export",
        "--json",
        dump.to_str().unwrap(),
        "--db",
        source.to_str().unwrap(),
    ])
    .expect(0);
    let imported = sb.run(&[
        "import",
        "--json",
        dump.to_str().unwrap(),
        "--db",
        target.to_str().unwrap(),
    ]);
    imported.expect(0);
    let said: Vec<&str> = imported
        .stderr
        .lines()
        .filter(|l| l.contains("[compat.helpdesk.ids]"))
        .collect();
    assert_eq!(
        said,
        [
            "desk: [compat.helpdesk.ids] categories 7 = \"Travel Insurance\": no such category on the new desk",
            "desk: [compat.helpdesk.ids] users 9 = \"nobody@example.com\": nobody has that email on the new desk",
        ],
        "{}",
        imported.stderr
    );
}

/// Bytes that are no known format: every value, many times over.
fn binary(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

async fn staff(service: &Service, email: &str) -> Actor {
    Actor::User(
        service
            .user_by_email(email)
            .await
            .expect("lookup")
            .expect("demo person"),
    )
}

/// Attaches `files` (name, content) to `key` with a comment of `visibility`.
async fn attach(
    service: &Service,
    actor: &Actor,
    key: &str,
    files: &[(&str, &[u8])],
    visibility: Visibility,
) -> Vec<i64> {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut uploads = Vec::new();
    for (name, bytes) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        uploads.push(Upload::from_path(&path, u64::MAX).await.expect("spool"));
    }
    let (_, _, attached) = service
        .attach(actor, key, uploads, Some("files for you"), visibility, None)
        .await
        .expect("attach");
    attached.iter().map(|a| a.id).collect()
}

const CONTACT: &str = "pat@example.org";

/// The demo desk, plus a contact's ticket with a 600 KB file on a public reply (three
/// chunks), an internal note carrying a text file and a second copy of that same file,
/// a file removed by an admin, and an upload still waiting for its ticket.
async fn desk_with_files(path: &std::path::Path) -> (String, Vec<u8>, Vec<u8>) {
    let service = demo_desk(path).await;
    let agent = staff(&service, "sarah.johnson@example.com").await;
    let contact = Actor::Contact {
        email: CONTACT.into(),
    };
    let key = service
        .create_ticket(
            &contact,
            NewTicket {
                title: "The archive will not open".into(),
                description: "it says it is damaged".into(),
                ..Default::default()
            },
        )
        .await
        .expect("file")
        .key;
    let big = binary(600_000);
    let note = b"internal: the customer's archive is truncated\n".to_vec();
    attach(
        &service,
        &agent,
        &key,
        &[("archive.bin", &big)],
        Visibility::Public,
    )
    .await;
    attach(
        &service,
        &agent,
        &key,
        &[("triage.txt", &note), ("same-archive.bin", &big)],
        Visibility::Internal,
    )
    .await;
    let gone = attach(
        &service,
        &agent,
        &key,
        &[("secret.txt", b"to be removed\n")],
        Visibility::Internal,
    )
    .await;
    let admin = staff(&service, "admin@example.com").await;
    service
        .remove_attachment(&admin, gone[0])
        .await
        .expect("remove");
    let waiting = sb_upload(b"waiting for a ticket\n").await;
    service
        .stage_uploads(&contact, vec![waiting])
        .await
        .expect("stage");
    service.store().close().await;
    (key, big, note)
}

async fn sb_upload(bytes: &[u8]) -> Upload {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("upload.txt");
    std::fs::write(&path, bytes).expect("write");
    Upload::from_path(&path, u64::MAX).await.expect("spool")
}

async fn content_of(service: &Service, content: Content) -> Vec<u8> {
    match content {
        Content::File(path) => std::fs::read(path).expect("content file"),
        Content::Database { sha256 } => {
            let mut out = Vec::new();
            let mut n = 0;
            while let Some(chunk) = service.attachment_chunk(&sha256, n).await.expect("chunk") {
                out.extend_from_slice(&chunk);
                n += 1;
            }
            out
        }
    }
}

#[tokio::test]
async fn attachments_travel_embedded_and_come_back_byte_for_byte() {
    let sb = Sandbox::new();
    let source = sb.path().join("source.db");
    let first = sb.path().join("first.json");
    let second = sb.path().join("second.json");
    let (key, big, note) = desk_with_files(&source).await;

    let exported = sb.run(&[
        "export",
        "--json",
        first.to_str().unwrap(),
        "--db",
        source.to_str().unwrap(),
    ]);
    exported.expect(0);
    let dump: DeskDump = serde_json::from_value(read_json(&first)).expect("a dump");
    assert!(
        exported.stderr.contains(&format!(
            "{} attachments ({} files embedded)",
            dump.attachments.len(),
            dump.blobs.len()
        )),
        "{}",
        exported.stderr
    );
    assert_eq!(dump.version, 2);
    let ticket_id = dump
        .tickets
        .iter()
        .find(|t| t.key == key)
        .expect("the ticket")
        .id;
    let ours: Vec<&desk::domain::requests::DumpAttachment> = dump
        .attachments
        .iter()
        .filter(|a| a.ticket_id == ticket_id)
        .collect();
    let names: Vec<&str> = ours.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        ["archive.bin", "triage.txt", "same-archive.bin"],
        "linked files only: not the removed one, not the waiting upload"
    );
    let sha256 = |bytes: &[u8]| -> String {
        use sha2::Digest;
        sha2::Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let embedded = |bytes: &[u8]| {
        let want = sha256(bytes);
        dump.blobs.iter().filter(|b| b.sha256 == want).count()
    };
    assert_eq!(
        embedded(&big),
        1,
        "one entry per content, however many files share it"
    );
    assert_eq!(embedded(&note), 1);
    assert_eq!(embedded(b"to be removed\n"), 0, "removed content is gone");
    assert_eq!(
        embedded(b"waiting for a ticket\n"),
        0,
        "waiting uploads stay behind"
    );
    let used: std::collections::HashSet<&str> =
        dump.attachments.iter().map(|a| a.sha256.as_str()).collect();
    assert_eq!(
        dump.blobs.len(),
        used.len(),
        "every content used, none twice"
    );
    assert!(
        dump.events
            .iter()
            .any(|e| e.kind.as_str() == "attachment_removed"),
        "the removal's audit event travels"
    );

    // Into a desk that keeps files in a directory: the import writes through it.
    let files_dir = sb.path().join("files");
    let dir_sb = Sandbox::with_config(&format!(
        "[attachments]\nstore = \"dir:{}\"\n",
        files_dir.display()
    ));
    let stores = [
        (&sb, ContentStore::Database),
        (&dir_sb, ContentStore::Dir(files_dir.clone())),
    ];
    for (sandbox, store) in stores {
        let target = sandbox.database();
        let imported = sandbox.run(&[
            "import",
            "--json",
            first.to_str().unwrap(),
            "--db",
            target.to_str().unwrap(),
        ]);
        imported.expect(0);
        // Downloads through the real binary, as the local admin.
        for a in &ours {
            let out = sandbox.path().join(format!("got-{}", a.id));
            sandbox
                .run(&[
                    "attachments",
                    "get",
                    &a.id.to_string(),
                    "-o",
                    out.to_str().unwrap(),
                ])
                .expect(0);
            let want = if a.name == "triage.txt" { &note } else { &big };
            assert!(
                std::fs::read(&out).expect("downloaded") == *want,
                "{} comes back byte for byte",
                a.name
            );
        }
        let listed = sandbox.run(&["attachments", "list", &key, "--json"]).json();
        let visibility: Vec<(&str, &str)> = listed
            .as_array()
            .expect("a list")
            .iter()
            .map(|a| {
                (
                    a["name"].as_str().unwrap_or(""),
                    a["visibility"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(
            visibility,
            [
                ("archive.bin", "public"),
                ("triage.txt", "internal"),
                ("same-archive.bin", "internal")
            ]
        );
        // The customer still sees only the public file.
        let config = ServiceConfig {
            attachments: desk::service::AttachmentConfig {
                store,
                ..Default::default()
            },
            ..Default::default()
        };
        let service = Service::new(
            Store::open(target.to_str().unwrap()).await.expect("open"),
            config,
        );
        let contact = Actor::Contact {
            email: CONTACT.into(),
        };
        let theirs = service.attachments(&contact, &key).await.expect("list");
        assert_eq!(
            theirs.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
            ["archive.bin"]
        );
        let (_, content) = service
            .attachment(&contact, theirs[0].id)
            .await
            .expect("read");
        assert!(content_of(&service, content).await == big);
        service.store().close().await;
    }
    // The directory desk keeps each content once, at its address.
    for b in &dump.blobs {
        assert!(
            desk::store::attachments::blob_path(&files_dir, &b.sha256).exists(),
            "{} is in the content directory",
            b.sha256
        );
    }

    // Exported again, the files are the same.
    let target = sb.database();
    sb.run(&[
        "export",
        "--json",
        second.to_str().unwrap(),
        "--db",
        target.to_str().unwrap(),
    ])
    .expect(0);
    let (a, b) = (read_json(&first), read_json(&second));
    for part in ["attachments", "blobs"] {
        assert_eq!(a[part], b[part], "`{part}` changed in the round trip");
    }
}

#[tokio::test]
async fn a_dump_whose_files_do_not_hold_together_is_refused_whole() {
    let sb = Sandbox::new();
    let source = sb.path().join("source.db");
    let dump_path = sb.path().join("dump.json");
    desk_with_files(&source).await;
    sb.run(&[
        "export",
        "--json",
        dump_path.to_str().unwrap(),
        "--db",
        source.to_str().unwrap(),
    ])
    .expect(0);
    let good = read_json(&dump_path);
    let edited = |edit: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        edit(&mut v);
        v.to_string()
    };
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "content changed",
            edited(&|v| {
                // The same length, one byte different.
                let mut bytes = b64
                    .decode(v["blobs"][0]["content"].as_str().unwrap())
                    .unwrap();
                let middle = bytes.len() / 2;
                bytes[middle] ^= 0xff;
                v["blobs"][0]["content"] = b64.encode(bytes).into();
            }),
            "does not match its SHA-256",
        ),
        (
            "size changed",
            edited(&|v| {
                // The attachments too, so only the content itself disagrees.
                let sha256 = v["blobs"][1]["sha256"].clone();
                v["blobs"][1]["size"] = 3.into();
                for a in v["attachments"].as_array_mut().unwrap() {
                    if a["sha256"] == sha256 {
                        a["size"] = 3.into();
                    }
                }
            }),
            "not the 3 the dump gives",
        ),
        (
            "not base64",
            edited(&|v| v["blobs"][0]["content"] = "%%% not base64 %%%".into()),
            "not base64",
        ),
        (
            "missing blob",
            edited(&|v| {
                v["blobs"].as_array_mut().unwrap().remove(0);
            }),
            "names content the dump does not hold",
        ),
        (
            "missing ticket",
            edited(&|v| v["attachments"][0]["ticket_id"] = 999_999.into()),
            "points at a ticket the dump does not hold",
        ),
        (
            "missing comment",
            edited(&|v| v["attachments"][0]["comment_id"] = 999_999.into()),
            "points at a comment the dump does not hold",
        ),
        (
            "made public",
            edited(&|v| {
                for a in v["attachments"].as_array_mut().unwrap() {
                    if a["name"] == "triage.txt" {
                        a["visibility"] = "public".into();
                    }
                }
            }),
            "visibility of its comment",
        ),
    ];
    for (what, text, says) in cases {
        let name = what.replace(' ', "-");
        let file = sb.path().join(format!("{name}.json"));
        std::fs::write(&file, text).unwrap();
        let target = sb.path().join(format!("{name}.db"));
        sb.run(&[
            "import",
            "--json",
            file.to_str().unwrap(),
            "--db",
            target.to_str().unwrap(),
        ])
        .fails(1, says);
        if target.exists() {
            let service = open(&target).await;
            assert_eq!(
                service.count_tickets_unscoped().await.unwrap(),
                0,
                "{what}: nothing written"
            );
            assert!(
                service.all_users().await.unwrap().is_empty(),
                "{what}: nobody added"
            );
            let blobs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachment_blobs")
                .fetch_one(service.store().pool())
                .await
                .unwrap();
            assert_eq!(blobs, 0, "{what}: no content stored");
            service.store().close().await;
        }
    }

    // A dump from before attachments (version 1) still imports.
    let old = edited(&|v| {
        let map = v.as_object_mut().unwrap();
        map.remove("attachments");
        map.remove("blobs");
        map.insert("version".into(), 1.into());
    });
    let file = sb.path().join("version-1.json");
    std::fs::write(&file, old).unwrap();
    let target = sb.path().join("version-1.db");
    sb.run(&[
        "import",
        "--json",
        file.to_str().unwrap(),
        "--db",
        target.to_str().unwrap(),
    ])
    .expect(0);
    let service = open(&target).await;
    assert_eq!(service.count_tickets_unscoped().await.unwrap(), 26);
}
