//! `desk export` and `desk import`: the real binary, real SQLite files. A desk survives
//! the round trip field by field, and a file import does not understand writes nothing.

use crate::cli_common;

use cli_common::Sandbox;
use desk::domain::model::Visibility;
use desk::domain::requests::{DeskDump, NewTicket};
use desk::service::{Actor, Service, ServiceConfig};
use desk::store::Store;
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
