//! `desk migrate`: a SQLite desk moved into PostgreSQL (and back) with everything —
//! tickets, comments, events and their sequence numbers, people with their passwords
//! and tokens, reference data — verified before success is reported; a non-empty
//! target is refused. Real binary, real databases. Skipped (with a message) where no
//! PostgreSQL answers.

use crate::cli_common;
use crate::common::server;

use cli_common::Sandbox;
use desk::domain::requests::{DeskDump, NewTicket};
use desk::service::{Actor, Service, ServiceConfig};
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
