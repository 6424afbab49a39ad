//! Opening desk files: migrations on new and existing files, refusing files that are not
//! a desk's or were written by a newer desk without touching them, and keyset pages that
//! stay stable while tickets are being filed.

use crate::common;

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;

use common::TestDesk;
use desk::domain::model::Visibility;
use desk::domain::requests::NewTicket;
use desk::service::{Service, ServiceConfig, ServiceError};
use desk::store::{Store, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{ConnectOptions, Connection};

fn location(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// The newest migration shipped in the source tree (`NNNN_name.sql`).
fn latest_migration() -> i64 {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store/migrations/sqlite");
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.split('_').next()?.parse::<i64>().ok()
        })
        .max()
        .expect("migrations")
}

async fn schema_version(store: &Store) -> i64 {
    sqlx::query_scalar("SELECT value FROM desk_meta WHERE key = 'schema_version'")
        .fetch_one(store.pool())
        .await
        .map(|v: String| v.parse().unwrap())
        .unwrap()
}

/// Everything that would show a file was touched: its bytes and whether SQLite left a
/// journal or WAL beside it.
fn snapshot(path: &Path) -> (Vec<u8>, bool, bool) {
    let side = |suffix: &str| {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        Path::new(&p).exists()
    };
    (std::fs::read(path).unwrap(), side("-wal"), side("-journal"))
}

#[tokio::test]
async fn a_new_file_is_migrated_and_an_existing_one_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("desk.db");
    let store = Store::open(location(&path)).await.unwrap();
    assert!(path.exists(), "the file and its directory are created");
    assert_eq!(schema_version(&store).await, latest_migration());
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(store.pool())
            .await
            .unwrap();
    for table in ["tickets", "comments", "events", "users", "desk_meta"] {
        assert!(tables.iter().any(|t| t == table), "{table} in {tables:?}");
    }
    let service = Service::new(store.clone(), ServiceConfig::default());
    service.seed_defaults().await.unwrap();
    let customer = desk::service::Actor::User(
        service
            .ensure_user(
                "jane@example.com",
                "Jane",
                desk::domain::model::Role::Customer,
            )
            .await
            .unwrap(),
    );
    let first = service
        .create_ticket(
            &customer,
            NewTicket {
                title: "Kept across opens".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let (first, _) = service
        .comment(&customer, &first.key, "hello", Visibility::Public, None)
        .await
        .unwrap();
    store.close().await;

    // Open it again: nothing is re-migrated, everything is still there.
    for _ in 0..2 {
        let store = Store::open(location(&path)).await.unwrap();
        assert_eq!(schema_version(&store).await, latest_migration());
        let service = Service::new(store.clone(), ServiceConfig::default());
        service.seed_defaults().await.unwrap();
        assert_eq!(service.categories().await.unwrap().len(), 2);
        let view = service.get_ticket(&customer, &first.key).await.unwrap();
        assert_eq!(view.ticket, first);
        assert_eq!(view.comments.len(), 1);
        store.close().await;
    }
    // Numbering continues: the counter was not reset.
    let store = Store::open(location(&path)).await.unwrap();
    let service = Service::new(store.clone(), ServiceConfig::default());
    let second = service
        .create_ticket(
            &customer,
            NewTicket {
                title: "Second".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(second.key, "TKT-2");
    store.close().await;
}

#[tokio::test]
async fn an_empty_existing_file_becomes_a_desk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.db");
    std::fs::write(&path, b"").unwrap();
    let store = Store::open(location(&path)).await.unwrap();
    assert_eq!(schema_version(&store).await, latest_migration());
    store.close().await;
}

#[tokio::test]
async fn a_file_that_is_not_sqlite_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    let bytes = b"Shopping list:\n- milk\n- eggs\n- a support desk\n".repeat(20);
    std::fs::write(&path, &bytes).unwrap();
    for loc in [
        location(&path).to_string(),
        format!("sqlite:{}", location(&path)),
    ] {
        let err = Store::open(&loc).await.err().expect("refused");
        assert!(matches!(err, StoreError::NotADesk { .. }), "{err:?}");
        assert!(err.to_string().contains("nothing was changed"), "{err}");
    }
    assert_eq!(snapshot(&path), (bytes, false, false));

    // A short file too (shorter than a SQLite header).
    std::fs::write(&path, b"hi").unwrap();
    let err = Store::open(location(&path)).await.err().expect("refused");
    assert!(matches!(err, StoreError::NotADesk { .. }), "{err:?}");
    assert_eq!(std::fs::read(&path).unwrap(), b"hi");

    // And a directory.
    let err = Store::open(location(dir.path()))
        .await
        .err()
        .expect("refused");
    assert!(matches!(err, StoreError::NotADesk { .. }), "{err:?}");
}

/// A SQLite file some other program wrote, in SQLite's default rollback-journal mode.
async fn foreign_sqlite_file(path: &Path) {
    let mut conn = SqliteConnectOptions::from_str(&format!("sqlite://{}", location(path)))
        .unwrap()
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Delete)
        .connect()
        .await
        .unwrap();
    sqlx::raw_sql(
        "CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
         INSERT INTO recipes (name) VALUES ('injera'), ('shiro');",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
}

#[tokio::test]
async fn a_sqlite_file_with_other_tables_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("recipes.db");
    foreign_sqlite_file(&path).await;
    let err = Store::open(location(&path)).await.err().expect("refused");
    assert!(matches!(err, StoreError::NotADesk { .. }), "{err:?}");
    assert!(err.to_string().contains("recipes"), "{err}");
    // The other program's data is intact and readable.
    let mut conn = SqliteConnectOptions::from_str(&format!("sqlite://{}", location(&path)))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM recipes ORDER BY id")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_eq!(names, ["injera", "shiro"]);
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(tables, ["recipes"], "desk created nothing in it");
    conn.close().await.unwrap();
}

#[tokio::test]
async fn a_sqlite_file_with_other_tables_is_not_even_switched_to_wal() {
    // "nothing was changed", says the error: that includes the file's header, which
    // records the journal mode. Another program using the file in rollback-journal mode
    // must find it as it left it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("recipes.db");
    foreign_sqlite_file(&path).await;
    let before = snapshot(&path);
    let err = Store::open(location(&path)).await.err().expect("refused");
    assert!(matches!(err, StoreError::NotADesk { .. }), "{err:?}");
    // Let the refused pool's connections close.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let after = snapshot(&path);
    assert!(
        after == before,
        "the file changed: header bytes 18..20 were {:?}, now {:?}; -wal exists: {}",
        &before.0[18..20],
        &after.0[18..20.min(after.0.len())],
        after.1
    );
}

#[tokio::test]
async fn a_file_from_a_newer_desk_is_refused_untouched() {
    let d = TestDesk::new().await;
    d.file("Written by a newer desk", "General").await;
    sqlx::query("UPDATE desk_meta SET value = '999' WHERE key = 'schema_version'")
        .execute(d.service.store().pool())
        .await
        .unwrap();
    d.service.store().close().await;
    let path = d.path();
    let before = snapshot(&path);

    let err = Store::open(location(&path)).await.err().expect("refused");
    match &err {
        StoreError::TooNew { found, known, .. } => {
            assert_eq!(*found, 999);
            assert_eq!(*known, latest_migration());
        }
        other => panic!("expected TooNew, got {other:?}"),
    }
    assert!(err.to_string().contains("upgrade desk"), "{err}");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(snapshot(&path) == before, "the newer desk's file changed");

    // Refused again on a second try: nothing was downgraded.
    let err = Store::open(location(&path)).await.err().expect("refused");
    assert!(
        matches!(err, StoreError::TooNew { found: 999, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn in_memory_and_empty_locations_are_refused() {
    for loc in ["", ":memory:", "sqlite::memory:", "desk.db?mode=memory"] {
        let err = Store::open(loc).await.err().expect("refused");
        assert!(matches!(err, StoreError::Open { .. }), "{loc}: {err:?}");
    }
}

/// Files `n` tickets as the customer, titled `{prefix} {i}` and tagged `bulk`.
async fn file_many(d: &TestDesk, prefix: &str, n: usize) -> Vec<String> {
    let mut keys = Vec::with_capacity(n);
    for i in 0..n {
        let t = d
            .service
            .create_ticket(
                &d.agent,
                NewTicket {
                    title: format!("{prefix} widget {i}"),
                    tags: vec!["bulk".into()],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        keys.push(t.key);
    }
    keys
}

/// Pages through `q` with pages of 50, filing three new matching tickets between pages
/// (and touching one already seen), and counts how often each ticket was seen.
async fn page_through_while_filing(d: &TestDesk, q: &str) -> HashMap<String, usize> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = d
            .service
            .list_tickets(&d.agent, q, Some(50), cursor.as_deref())
            .await
            .unwrap_or_else(|e| panic!("{q}: {e}"));
        assert!(page.tickets.len() <= 50);
        for t in &page.tickets {
            *seen.entry(t.key.clone()).or_default() += 1;
        }
        pages += 1;
        assert!(pages < 10, "{q}: paging does not end");
        let Some(next) = page.next_cursor else { break };
        cursor = Some(next);
        file_many(d, "Late", 3).await;
    }
    seen
}

#[tokio::test]
async fn keyset_pages_see_every_ticket_once_while_new_ones_arrive() {
    let d = TestDesk::new().await;
    let originals = file_many(&d, "Original", 120).await;
    // Every way of listing: by update time, by tag index, by text index.
    for q in ["", "status:open", "tag:bulk", "widget", "original"] {
        let seen = page_through_while_filing(&d, q).await;
        for key in &originals {
            assert_eq!(
                seen.get(key),
                Some(&1),
                "{q}: {key} seen {:?} times",
                seen.get(key)
            );
        }
        let dupes: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
        assert!(dupes.is_empty(), "{q}: duplicates {dupes:?}");
    }
}

#[tokio::test]
async fn pages_come_newest_update_first_and_the_last_page_has_no_cursor() {
    let d = TestDesk::new().await;
    file_many(&d, "Original", 7).await;
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let page = d
            .service
            .list_tickets(&d.agent, "", Some(3), cursor.as_deref())
            .await
            .unwrap();
        all.extend(page.tickets);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(all.len(), 7);
    assert!(
        all.windows(2)
            .all(|p| (p[0].updated_at, p[0].id) > (p[1].updated_at, p[1].id)),
        "not newest first"
    );
    // Exactly a page's worth leaves no next page.
    let page = d
        .service
        .list_tickets(&d.agent, "", Some(7), None)
        .await
        .unwrap();
    assert_eq!(page.tickets.len(), 7);
    assert!(page.next_cursor.is_none());
}

#[tokio::test]
async fn a_cursor_the_desk_did_not_hand_out_is_invalid() {
    let d = TestDesk::new().await;
    file_many(&d, "Original", 3).await;
    use base64::Engine;
    let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("x:1:2");
    for bad in ["garbage!", "dTox", forged.as_str(), "%%%"] {
        let r = d
            .service
            .list_tickets(&d.agent, "", Some(2), Some(bad))
            .await;
        assert!(
            matches!(&r, Err(ServiceError::Invalid(i)) if i.field == "cursor"),
            "{bad}: {r:?}"
        );
    }
}

/// A ticket's view comes back in one statement; it must hold exactly what the ticket,
/// comment and event reads return one by one, in the same order, for staff and for
/// customers (who never get internal notes or internal events).
#[tokio::test]
async fn a_ticket_view_in_one_statement_matches_its_parts() {
    use desk::store::{comments, events, tickets, view};
    let d = TestDesk::new().await;
    desk::demo::load(&d.service).await.expect("demo data");
    let store = d.service.store();
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM tickets ORDER BY id")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert!(ids.len() >= 20, "the demo desk has its tickets");
    let (mut internal_left_out, mut with_comments) = (0, 0);
    for id in ids {
        for public_only in [false, true] {
            let (ticket, got_comments, got_events) = view::ticket_view(store, id, public_only)
                .await
                .unwrap()
                .expect("the ticket exists");
            let want_ticket = tickets::get(store.pool(), store.backend(), id)
                .await
                .unwrap()
                .unwrap();
            let want_comments = comments::for_ticket(store.pool(), id, public_only)
                .await
                .unwrap();
            let want_events = events::for_ticket(store.pool(), id, public_only)
                .await
                .unwrap();
            assert_eq!(json(&ticket), json(&want_ticket), "ticket {id}");
            assert_eq!(
                json(&got_comments),
                json(&want_comments),
                "comments of {id}"
            );
            assert_eq!(json(&got_events), json(&want_events), "events of {id}");
            if public_only {
                assert!(
                    got_comments
                        .iter()
                        .all(|c| c.visibility == Visibility::Public)
                );
                assert!(
                    got_events
                        .iter()
                        .all(|e| e.visibility == Visibility::Public)
                );
                let all = comments::for_ticket(store.pool(), id, false).await.unwrap();
                internal_left_out += all.len() - got_comments.len();
            }
            with_comments += usize::from(!got_comments.is_empty());
        }
    }
    assert!(
        internal_left_out > 0,
        "the demo desk has internal notes to leave out"
    );
    assert!(with_comments > 0, "the demo desk has comments to compare");
    assert!(
        view::ticket_view(store, 999_999, false)
            .await
            .unwrap()
            .is_none(),
        "no such ticket"
    );
}

/// `desk --demo` shows attachments: each service request carries the documents its
/// form lists as real files, typed by their content.
#[tokio::test]
async fn the_demo_service_requests_carry_their_documents_as_files() {
    let d = TestDesk::new().await;
    desk::demo::load(&d.service).await.expect("demo data");
    let store = d.service.store();
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, custom_fields FROM tickets WHERE custom_fields LIKE '%\"documents\"%' ORDER BY id",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert!(
        rows.len() >= 3,
        "the demo has service requests with documents"
    );
    let mut pdfs = 0;
    for (id, fields) in rows {
        let fields: serde_json::Value = serde_json::from_str(&fields).unwrap();
        let listed: Vec<&str> = fields["documents"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| d["name"].as_str())
            .collect();
        let files = desk::store::attachments::for_ticket(store.pool(), id, true)
            .await
            .unwrap();
        let names: Vec<&str> = files.iter().map(|a| a.name.as_str()).collect();
        for name in &listed {
            let kind = name.rsplit('.').next().unwrap_or_default();
            if ["pdf", "jpg", "jpeg", "png"].contains(&kind) {
                assert!(names.contains(name), "ticket {id}: {name} not in {names:?}");
            }
        }
        for a in &files {
            let head = d
                .service
                .attachment_chunk(&a.sha256, 0)
                .await
                .unwrap()
                .unwrap();
            let sniffed = infer::get(&head).map(|t| t.mime_type().to_string());
            assert_eq!(
                sniffed.as_deref(),
                Some(a.media_type.as_str()),
                "{}",
                a.name
            );
            pdfs += usize::from(a.media_type == "application/pdf");
        }
    }
    assert!(pdfs > 0, "some documents are PDFs");
}

/// Compared as the API would show them.
fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).expect("serialisable")
}

/// Files `titles` all at once, each from its own task, as a busy server would.
async fn file_at_once(d: &TestDesk, titles: Vec<String>) -> Vec<Result<String, ServiceError>> {
    let mut tasks = tokio::task::JoinSet::new();
    for (i, title) in titles.into_iter().enumerate() {
        // Staff: a customer's tags would wait for triage, and the test counts by tag.
        let (service, filer) = (d.service.clone(), d.agent.clone());
        tasks.spawn(async move {
            let new = NewTicket {
                title,
                tags: vec!["burst".into()],
                ..Default::default()
            };
            (i, service.create_ticket(&filer, new).await.map(|t| t.key))
        });
    }
    let mut results: Vec<_> = tasks.join_all().await;
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

fn numbers(keys: &[String]) -> Vec<i64> {
    let mut n: Vec<i64> = keys
        .iter()
        .map(|k| k.trim_start_matches("TKT-").parse().expect("a ticket key"))
        .collect();
    n.sort();
    n
}

/// Creates that arrive together share transactions (group commit); each must still come
/// out whole: its own number, its `created` event in the feed, its words in the index.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tickets_filed_at_once_each_get_a_number_an_event_and_their_words_indexed() {
    let d = TestDesk::new().await;
    let before = d.service.last_seq().await.unwrap();
    let n = 150;
    let titles = (0..n).map(|i| format!("Burst filing burst{i}")).collect();
    let keys: Vec<String> = file_at_once(&d, titles)
        .await
        .into_iter()
        .map(|r| r.expect("filed"))
        .collect();
    assert_eq!(
        numbers(&keys),
        (1..=n as i64).collect::<Vec<_>>(),
        "no number twice, none skipped"
    );

    let feed = d.service.changes(&d.agent, before, None).await.unwrap();
    assert_eq!(feed.events.len(), n, "one event per ticket");
    let mut event_keys: Vec<String> = feed.events.iter().map(|e| e.ticket_key.clone()).collect();
    event_keys.sort();
    let mut sorted_keys = keys.clone();
    sorted_keys.sort();
    assert_eq!(event_keys, sorted_keys);
    assert!(
        feed.events
            .iter()
            .all(|e| e.kind == desk::domain::model::EventKind::Created)
    );
    assert!(feed.events.windows(2).all(|w| w[0].seq < w[1].seq));

    for (i, key) in keys.iter().enumerate() {
        let found = d
            .service
            .list_tickets(&d.agent, &format!("burst{i}"), None, None)
            .await
            .unwrap();
        let found: Vec<&str> = found.tickets.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(found, [key.as_str()], "burst{i} finds its own ticket");
    }
    let count = d
        .service
        .count_tickets(&d.agent, "tag:burst")
        .await
        .unwrap();
    assert_eq!(count, n as i64);
}

/// When the database refuses one ticket of a group, the rest are still filed and only
/// that one caller gets the error; the refused ticket leaves no trace and no gap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_the_database_refuses_fails_alone() {
    let d = TestDesk::new().await;
    sqlx::query(
        "CREATE TRIGGER refuse_poison BEFORE INSERT ON tickets WHEN NEW.title = 'Poison'
         BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END",
    )
    .execute(d.service.store().pool())
    .await
    .unwrap();
    let titles = (0..40)
        .map(|i| {
            if i == 20 {
                "Poison".into()
            } else {
                format!("Fine {i}")
            }
        })
        .collect();
    let results = file_at_once(&d, titles).await;
    for (i, r) in results.iter().enumerate() {
        match (i, r) {
            (20, Err(ServiceError::Store(e))) => {
                assert!(e.to_string().contains("refused by the test trigger"), "{e}")
            }
            (20, other) => panic!("the poisoned ticket: {other:?}"),
            (_, Err(e)) => panic!("ticket {i} failed with the poisoned one: {e}"),
            (_, Ok(_)) => {}
        }
    }
    let keys: Vec<String> = results.into_iter().filter_map(Result::ok).collect();
    assert_eq!(numbers(&keys), (1..=39).collect::<Vec<_>>());
    let poisoned = d.service.count_tickets(&d.agent, "poison").await.unwrap();
    assert_eq!(poisoned, 0);
    let events = d.service.changes(&d.agent, 0, None).await.unwrap().events;
    assert_eq!(events.len(), 39, "no event for the refused ticket");
}
