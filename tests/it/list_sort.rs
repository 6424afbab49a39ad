//! `sort:` in the query language: every sortable column, both ways, on the demo desk,
//! through the service's paged list as the API, the CLI and the TUI use it. Pages of
//! seven read one after another give exactly the tickets of one big page, in the same
//! order (keyset pagination holds for every sort), and that order is the column's own,
//! computed here from the tickets. On SQLite always; on PostgreSQL where one answers.

use crate::common::server::{TestDb, pg_admin_url, pg_reachable};

use desk::domain::model::{StatusClass, Ticket};
use desk::domain::query::{Sort, SortKey};
use desk::service::{Actor, Service, ServiceConfig};
use desk::store::Store;

async fn demo_desk(location: &str) -> (Service, Actor) {
    let store = Store::open(location).await.expect("open store");
    let service = Service::new(store, ServiceConfig::default());
    desk::demo::load(&service).await.expect("demo");
    let agent = service
        .user_by_email("sarah.johnson@example.com")
        .await
        .expect("lookup")
        .expect("the demo's agent");
    (service, Actor::User(agent))
}

async fn pages(service: &Service, actor: &Actor, q: &str, limit: u32) -> Vec<Ticket> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = service
            .list_tickets(actor, q, Some(limit), cursor.as_deref())
            .await
            .unwrap_or_else(|e| panic!("{q}: {e}"));
        out.extend(page.tickets);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

/// The column's value as a person reading the list would compare it, or `None` where
/// the order is checked another way (the SLA).
fn value(
    key: SortKey,
    t: &Ticket,
    ranks: &[(String, i64)],
    positions: &[(String, i64)],
) -> Option<(i64, String)> {
    let find = |list: &[(String, i64)], name: &str| {
        list.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
            .expect("known name")
    };
    Some(match key {
        SortKey::Updated => (t.updated_at, String::new()),
        SortKey::Created => (t.created_at, String::new()),
        SortKey::Key => (t.id, String::new()),
        SortKey::Priority => (-find(ranks, &t.priority), String::new()),
        SortKey::Status => (find(positions, &t.status), String::new()),
        SortKey::Title => (0, t.title.to_lowercase()),
        SortKey::Assignee => (
            0,
            t.assignee
                .as_ref()
                .map_or(String::new(), |a| a.name.to_lowercase()),
        ),
        SortKey::Requester => (
            0,
            t.requester
                .name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| t.requester.email.clone())
                .trim()
                .to_lowercase(),
        ),
        SortKey::Sla => return None,
    })
}

async fn every_sort_pages_in_order(service: &Service, actor: &Actor) {
    let ranks: Vec<(String, i64)> = service
        .priorities()
        .await
        .expect("priorities")
        .into_iter()
        .map(|p| (p.name, p.rank))
        .collect();
    let positions: Vec<(String, i64)> = service
        .statuses()
        .await
        .expect("statuses")
        .into_iter()
        .map(|s| (s.key, s.position))
        .collect();
    let everything = pages(service, actor, "", 200).await;
    assert!(everything.len() > 20, "the demo desk has tickets");
    for filter in ["", "status:open,pending"] {
        let expected_len = pages(service, actor, filter, 200).await.len();
        for key in SortKey::ALL {
            for descending in [false, true] {
                let sort = Sort { key, descending };
                let q = format!("{filter} sort:{sort}");
                let whole = pages(service, actor, &q, 200).await;
                let paged = pages(service, actor, &q, 7).await;
                let ids = |ts: &[Ticket]| ts.iter().map(|t| t.key.clone()).collect::<Vec<_>>();
                assert_eq!(
                    ids(&paged),
                    ids(&whole),
                    "{q}: pages of 7 differ from one page"
                );
                assert_eq!(whole.len(), expected_len, "{q}: every ticket, once");
                let mut seen = std::collections::HashSet::new();
                assert!(
                    whole.iter().all(|t| seen.insert(t.id)),
                    "{q}: a ticket twice"
                );
                for pair in whole.windows(2) {
                    let (a, b) = (&pair[0], &pair[1]);
                    match (
                        value(key, a, &ranks, &positions),
                        value(key, b, &ranks, &positions),
                    ) {
                        (Some(va), Some(vb)) => {
                            let (first, second) = if descending {
                                ((vb, b.id), (va, a.id))
                            } else {
                                ((va, a.id), (vb, b.id))
                            };
                            assert!(first < second, "{q}: {} before {}", a.key, b.key);
                        }
                        _ => {
                            // Stopped clocks (done tickets among them) all go last.
                            let stopped = |t: &Ticket| {
                                t.status_class == StatusClass::Done || t.sla.paused_at.is_some()
                            };
                            if !descending {
                                assert!(
                                    !stopped(a) || stopped(b),
                                    "{q}: {} (clock stopped) before {}",
                                    a.key,
                                    b.key
                                );
                            }
                        }
                    }
                }
            }
        }
    }
    // The most urgent first means the first ticket is of the most urgent priority any
    // ticket has.
    let urgent = pages(service, actor, "sort:-priority", 200).await;
    let best = everything
        .iter()
        .map(|t| {
            ranks
                .iter()
                .find(|(n, _)| *n == t.priority)
                .map_or(99, |r| r.1)
        })
        .min();
    let first = ranks
        .iter()
        .find(|(n, _)| *n == urgent[0].priority)
        .map(|r| r.1);
    assert_eq!(first, best);
    // A cursor from one order is refused by another.
    let page = service
        .list_tickets(actor, "sort:title", Some(5), None)
        .await
        .expect("page");
    let cursor = page.next_cursor.expect("more than five");
    let err = service
        .list_tickets(actor, "sort:-title", Some(5), Some(&cursor))
        .await
        .expect_err("another order's cursor");
    assert!(err.to_string().contains("different query"), "{err}");
}

#[tokio::test]
async fn every_sort_pages_through_the_whole_list_in_its_order_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("desk.db");
    let (service, agent) = demo_desk(path.to_str().expect("utf-8")).await;
    every_sort_pages_in_order(&service, &agent).await;
}

#[tokio::test]
async fn every_sort_pages_through_the_whole_list_in_its_order_on_postgres() {
    if !pg_reachable().await {
        eprintln!(
            "skipped: no PostgreSQL answers at {} (set DESK_TEST_PG to point elsewhere)",
            pg_admin_url()
        );
        return;
    }
    let db = TestDb::postgres().await;
    let (service, agent) = demo_desk(&db.location()).await;
    every_sort_pages_in_order(&service, &agent).await;
}

#[tokio::test]
async fn a_sort_is_refused_with_a_reason_when_it_names_no_column_or_comes_twice() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("desk.db");
    let (service, agent) = demo_desk(path.to_str().expect("utf-8")).await;
    for (q, says) in [
        ("sort:colour", "cannot sort by `colour`"),
        ("sort:title sort:key", "only one `sort:`"),
        ("-sort:title", "cannot be negated"),
    ] {
        let err = service
            .list_tickets(&agent, q, None, None)
            .await
            .expect_err(q);
        assert!(err.to_string().contains(says), "{q}: {err}");
    }
}
