//! `desk migrate`: a SQLite desk moved into PostgreSQL (and back) with everything —
//! tickets, comments, events and their sequence numbers, people with their passwords
//! and tokens, reference data — verified before success is reported; a non-empty
//! target is refused. Real binary, real databases. Skipped (with a message) where no
//! PostgreSQL answers.

use crate::cli_common;
use crate::common::server;

use cli_common::Sandbox;
use desk::domain::model::Visibility;
use desk::domain::requests::{DeskDump, NewTicket};
use desk::service::{Actor, Content, Service, ServiceConfig, Upload};
use desk::store::Store;
use server::{TestDb, pg_admin_url, pg_reachable};

async fn open(location: &str) -> Service {
    let store = Store::open(location).await.expect("open store");
    let service = Service::new(store, ServiceConfig::default());
    service.seed_defaults().await.expect("seed");
    service
}

async fn skip() -> bool {
    if pg_reachable().await {
        return false;
    }
    eprintln!(
        "skipped: no PostgreSQL answers at {} (set DESK_TEST_PG to point elsewhere)",
        pg_admin_url()
    );
    true
}

/// A dump with the clock-dependent breach flags cleared, for comparing two reads.
fn settled(mut d: DeskDump) -> DeskDump {
    for t in &mut d.tickets {
        t.sla.breached = false;
    }
    d
}

fn same(a: DeskDump, b: DeskDump) {
    let (a, b) = (settled(a), settled(b));
    let json = |v: &DeskDump| serde_json::to_value(v).expect("json");
    assert_eq!(a.tickets.len(), b.tickets.len());
    assert_eq!(json(&a), json(&b));
}

#[tokio::test]
async fn the_demo_desk_moves_to_postgres_and_back_with_everything() {
    if skip().await {
        return;
    }
    let sb = Sandbox::new();
    let source_path = sb.path().join("source.db");
    let source = open(source_path.to_str().expect("utf-8")).await;
    desk::demo::load(&source).await.expect("demo");
    desk::demo::set_passwords(&source).await.expect("passwords");
    let agent = source
        .user_by_email("sarah.johnson@example.com")
        .await
        .expect("lookup")
        .expect("demo agent");
    let token = source
        .issue_token(&agent, "laptop", 0)
        .await
        .expect("token")
        .token;
    let before = source.export_all().await.expect("export");
    let events_before = before.events.len();
    source.store().close().await;

    let pg = TestDb::postgres().await;
    let run = sb.run(&[
        "migrate",
        "--from",
        source_path.to_str().expect("utf-8"),
        "--to",
        &pg.location(),
    ]);
    run.expect(0);
    assert!(run.stderr.contains("verified"), "{}", run.stderr);

    let target = open(&pg.location()).await;
    same(before.clone(), target.export_all().await.expect("export"));
    // The token and the password came along.
    let actor = target.authenticate(&token).await.expect("token works");
    assert!(matches!(&actor, Actor::User(u) if u.email == agent.email));
    target
        .login("sarah.johnson@example.com", "desk-demo", 0)
        .await
        .expect("password works");
    // New tickets and events continue after the moved ones.
    let filed = target
        .create_ticket(
            &actor,
            NewTicket {
                title: "after the move".into(),
                description: "is numbered after the rest".into(),
                category: Some("General".into()),
                ..Default::default()
            },
        )
        .await
        .expect("file");
    let highest = before.tickets.iter().map(|t| t.id).max().unwrap_or(0);
    assert_eq!(filed.id, highest + 1);
    let last = before.events.iter().map(|e| e.seq).max().unwrap_or(0);
    assert!(target.last_seq().await.expect("seq") > last);

    // A target that already holds a desk is refused, and left alone.
    let again = sb.run(&[
        "migrate",
        "--from",
        source_path.to_str().expect("utf-8"),
        "--to",
        &pg.location(),
    ]);
    again.fails(1, "not empty");
    assert_eq!(
        target.export_all().await.expect("export").events.len(),
        events_before + 1
    );

    // And back into a new SQLite file: the round trip gives the same desk.
    let back_path = sb.path().join("back.db");
    sb.run(&[
        "migrate",
        "--from",
        &pg.location(),
        "--to",
        back_path.to_str().expect("utf-8"),
    ])
    .expect(0);
    let back = open(back_path.to_str().expect("utf-8")).await;
    same(
        target.export_all().await.expect("export"),
        back.export_all().await.expect("export"),
    );
    target.store().close().await;
}

/// 2,000 generated tickets here; 100,000 were measured by hand (see BENCHMARKS.md).
#[tokio::test]
async fn generated_tickets_move_with_their_search_index() {
    if skip().await {
        return;
    }
    let sb = Sandbox::new();
    let source_path = sb.path().join("big.db");
    let src = source_path.to_str().expect("utf-8");
    sb.run(&["generate", "--db", src, "--tickets", "2000"])
        .expect(0);
    let pg = TestDb::postgres().await;
    let run = sb.run(&["migrate", "--from", src, "--to", &pg.location()]);
    run.expect(0);
    assert!(run.stderr.contains("2000 tickets"), "{}", run.stderr);

    let source = open(src).await;
    let target = open(&pg.location()).await;
    let admin = Actor::User(
        target
            .all_users()
            .await
            .expect("users")
            .into_iter()
            .find(|u| u.role == desk::domain::model::Role::Supervisor)
            .expect("a supervisor"),
    );
    // Full-text search finds the same tickets on both databases.
    for q in [
        "printer",
        "printer jams",
        "scan*",
        "status:open priority:high",
    ] {
        let a = source
            .count_tickets(&admin, q)
            .await
            .expect("count on SQLite");
        let b = target
            .count_tickets(&admin, q)
            .await
            .expect("count on PostgreSQL");
        assert_eq!(a, b, "`{q}` counts differently");
        let keys = |l: desk::domain::requests::TicketList| {
            l.tickets.into_iter().map(|t| t.key).collect::<Vec<_>>()
        };
        let a = source.list_tickets(&admin, q, Some(100), None).await;
        let b = target.list_tickets(&admin, q, Some(100), None).await;
        assert_eq!(
            keys(a.expect("list on SQLite")),
            keys(b.expect("list on PostgreSQL")),
            "`{q}` lists differently"
        );
    }
    same(
        source.export_all().await.expect("export"),
        target.export_all().await.expect("export"),
    );
    target.store().close().await;
}

/// The PostgreSQL migration set mirrors the SQLite one: the same tables with the same
/// columns in the same order, generated ones included (the search index aside, which
/// each does its own way).
#[tokio::test]
async fn both_migration_sets_make_the_same_tables_and_columns() {
    if skip().await {
        return;
    }
    let sb = Sandbox::new();
    let sqlite = Store::open(sb.path().join("s.db").to_str().expect("utf-8"))
        .await
        .expect("sqlite");
    let pg = TestDb::postgres().await;
    let postgres = Store::open(&pg.location()).await.expect("postgres");
    let lite: Vec<(String, String)> = sqlx::query_as(
        "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p
          WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
            AND m.name NOT LIKE 'ticket_search%'
          ORDER BY m.name, p.cid",
    )
    .fetch_all(sqlite.pool())
    .await
    .expect("sqlite columns");
    let pgsql: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name <> 'ticket_search'
          ORDER BY table_name, ordinal_position",
    )
    .fetch_all(postgres.pool())
    .await
    .expect("postgres columns");
    assert!(lite.len() > 50, "{lite:?}");
    assert_eq!(lite, pgsql);
    postgres.close().await;
}

/// Bytes that are no known format: every value, many times over.
fn binary(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

async fn upload(bytes: &[u8], name: &str) -> Upload {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write");
    Upload::from_path(&path, u64::MAX).await.expect("spool")
}

async fn bytes_of(service: &Service, content: Content) -> Vec<u8> {
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

/// A small desk with a 700 KB file on a public reply (three chunks), a text file on an
/// internal note, and an upload still waiting for its ticket. Returns the ticket's key,
/// the waiting upload's secret and each attachment's (id, bytes).
async fn desk_with_files(source: &Service) -> (String, String, Vec<(i64, Vec<u8>)>) {
    desk::demo::load(source).await.expect("demo");
    let agent = Actor::User(
        source
            .user_by_email("sarah.johnson@example.com")
            .await
            .expect("lookup")
            .expect("demo agent"),
    );
    let contact = Actor::Contact {
        email: "pat@example.org".into(),
    };
    let key = source
        .create_ticket(
            &contact,
            NewTicket {
                title: "Scanned forms".into(),
                description: "attached".into(),
                ..Default::default()
            },
        )
        .await
        .expect("file")
        .key;
    let big = binary(700_000);
    let note = b"checked by hand\n".to_vec();
    let mut files = Vec::new();
    for (bytes, name, visibility) in [
        (&big, "scan.bin", Visibility::Public),
        (&note, "note.txt", Visibility::Internal),
    ] {
        let (_, _, attached) = source
            .attach(
                &agent,
                &key,
                vec![upload(bytes, name).await],
                Some("a file"),
                visibility,
                None,
            )
            .await
            .expect("attach");
        files.push((attached[0].id, bytes.clone()));
    }
    let staged = source
        .stage_uploads(
            &contact,
            vec![upload(b"not filed yet\n", "later.txt").await],
        )
        .await
        .expect("stage");
    (key, staged[0].secret.clone(), files)
}

#[tokio::test]
async fn attachments_move_to_postgres_byte_for_byte() {
    if skip().await {
        return;
    }
    let sb = Sandbox::new();
    let source_path = sb.path().join("files.db");
    let src = source_path.to_str().expect("utf-8");
    let source = open(src).await;
    let (key, secret, files) = desk_with_files(&source).await;
    let before = source.export_all().await.expect("export");
    source.store().close().await;

    let pg = TestDb::postgres().await;
    let run = sb.run(&["migrate", "--from", src, "--to", &pg.location()]);
    run.expect(0);
    // Every linked file, the waiting upload, and each content read back.
    let said = |s: String| run.stderr.contains(&s);
    assert!(
        said(format!("{} attachments,", before.attachments.len() + 1))
            && said(format!(
                "{} attachment files read back",
                before.blobs.len() + 1
            )),
        "{}",
        run.stderr
    );
    let target = open(&pg.location()).await;
    same(before, target.export_all().await.expect("export"));
    let agent = Actor::User(
        target
            .user_by_email("sarah.johnson@example.com")
            .await
            .expect("lookup")
            .expect("moved agent"),
    );
    for (id, bytes) in &files {
        let (_, content) = target.attachment(&agent, *id).await.expect("attachment");
        assert!(
            bytes_of(&target, content).await == *bytes,
            "attachment {id} moved byte for byte"
        );
    }
    let contact = Actor::Contact {
        email: "pat@example.org".into(),
    };
    let theirs = target.attachments(&contact, &key).await.expect("list");
    assert_eq!(theirs.len(), 1, "the internal note's file stays internal");
    // The upload still waiting for its ticket moved too, secret and all.
    let (waiting, content) = target
        .staged_upload(&contact, &secret)
        .await
        .expect("the waiting upload");
    assert_eq!(waiting.name, "later.txt");
    assert_eq!(bytes_of(&target, content).await, b"not filed yet\n");
    target.store().close().await;
}

/// Without PostgreSQL: SQLite into a SQLite desk that keeps its files in a directory.
/// The move writes through the target's store and reads every file back.
#[tokio::test]
async fn attachments_move_into_a_content_directory() {
    let files_dir = tempfile::tempdir().expect("temp dir");
    let sb = Sandbox::with_config(&format!(
        "[attachments]\nstore = \"dir:{}\"\n",
        files_dir.path().display()
    ));
    let source_path = sb.path().join("files.db");
    let source = open(source_path.to_str().expect("utf-8")).await;
    let (_, _, files) = desk_with_files(&source).await;
    let before = source.export_all().await.expect("export");
    source.store().close().await;

    let target_path = sb.path().join("moved.db");
    let run = sb.run(&[
        "migrate",
        "--from",
        source_path.to_str().expect("utf-8"),
        "--to",
        target_path.to_str().expect("utf-8"),
    ]);
    run.expect(0);
    assert!(
        run.stderr.contains(&format!(
            "{} attachment files read back",
            before.blobs.len() + 1
        )),
        "{}",
        run.stderr
    );
    for b in &before.blobs {
        let path = desk::store::attachments::blob_path(files_dir.path(), &b.sha256);
        assert!(path.exists(), "{} is in the content directory", b.sha256);
    }
    let store = Store::open(target_path.to_str().expect("utf-8"))
        .await
        .expect("open");
    let target = Service::new(
        store,
        ServiceConfig {
            attachments: desk::service::AttachmentConfig {
                store: desk::store::attachments::ContentStore::Dir(files_dir.path().into()),
                ..Default::default()
            },
            ..Default::default()
        },
    );
    same(before, target.export_all().await.expect("export"));
    let chunks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachment_chunks")
        .fetch_one(target.store().pool())
        .await
        .expect("count");
    assert_eq!(
        chunks, 0,
        "the content went to the directory, not the database"
    );
    let admin = Actor::User(
        target
            .user_by_email("admin@example.com")
            .await
            .expect("lookup")
            .expect("moved admin"),
    );
    for (id, bytes) in &files {
        let (_, content) = target.attachment(&admin, *id).await.expect("attachment");
        assert!(matches!(content, Content::File(_)));
        assert!(bytes_of(&target, content).await == *bytes);
    }
    target.store().close().await;
}
