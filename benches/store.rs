//! Core engine benchmarks: the store and service on a desk of DESK_BENCH_TICKETS tickets
//! (default 1,000,000), generated once into target/bench-data and reused.
//!
//!     cargo bench --bench store
//!     DESK_BENCH_TICKETS=100000 cargo bench --bench store
//!
//! Results and the machine they were measured on are in BENCHMARKS.md.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI64, Ordering};

use desk::domain::model::Role;
use desk::domain::requests::NewTicket;
use desk::generate::{Shape, generate};
use desk::service::{Actor, Service, ServiceConfig};
use desk::store::Store;
use tokio::runtime::Runtime;

struct Fixture {
    rt: Runtime,
    service: Service,
    agent: Actor,
    customer: Actor,
    tickets: i64,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let tickets: usize = std::env::var("DESK_BENCH_TICKETS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1_000_000);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
        std::fs::create_dir_all(&dir).expect("bench data dir");
        let path = dir.join(format!("store-{tickets}.db"));
        let service = rt.block_on(async {
            let store = Store::open(path.to_str().expect("utf-8 path"))
                .await
                .expect("open bench store");
            let service = Service::new(store, ServiceConfig::default());
            let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets")
                .fetch_one(service.store().pool())
                .await
                .expect("count");
            if have == 0 {
                let started = std::time::Instant::now();
                eprintln!("generating {tickets} tickets into {} ...", path.display());
                generate(&service, Shape::tickets(tickets))
                    .await
                    .expect("generate");
                eprintln!("generated in {:.1?}", started.elapsed());
            }
            service
        });
        let (agent, customer) = rt.block_on(async {
            let agent = service
                .user_by_email("agent1@example.com")
                .await
                .expect("agent")
                .expect("generated agent");
            let customer = service
                .user_by_email("customer7@example.com")
                .await
                .expect("customer")
                .expect("generated customer");
            assert_eq!(agent.role, Role::Agent);
            (Actor::User(agent), Actor::User(customer))
        });
        Fixture {
            rt,
            service,
            agent,
            customer,
            tickets: tickets as i64,
        }
    })
}

fn main() {
    fixture();
    divan::main();
}

#[divan::bench(sample_count = 200)]
fn create_ticket(bencher: divan::Bencher) {
    let f = fixture();
    bencher.bench(|| {
        f.rt.block_on(f.service.create_ticket(
            &f.agent,
            NewTicket {
                title: "Benchmark: printer does not print".into(),
                description: "Filed by the benchmark; the printer shows an error.".into(),
                category: Some("General".into()),
                priority: Some("High".into()),
                tags: vec!["bench".into()],
                requester_email: Some("bench@example.com".into()),
                ..Default::default()
            },
        ))
        .expect("create")
    });
}

/// One ticket with its comments and events, keys spread over the whole desk.
#[divan::bench(sample_count = 500)]
fn get_ticket_with_timeline(bencher: divan::Bencher) {
    let f = fixture();
    static NEXT: AtomicI64 = AtomicI64::new(1);
    bencher.bench(|| {
        let n = NEXT.fetch_add(7919, Ordering::Relaxed) % f.tickets + 1;
        let key = format!("TKT-{n}");
        f.rt.block_on(f.service.get_ticket(&f.agent, &key))
            .expect("get")
    });
}

/// First page (50, newest update first) of single-field filters.
#[divan::bench(
    sample_count = 100,
    args = [
        "status:open",
        "status:new",
        "status:waiting_on_customer",
        "priority:critical",
        "category:General",
        "assignee:agent3@example.com",
        "assignee:none",
        "requester:customer12@example.com",
        "tag:vip",
        "tag:network",
        "sla:breached",
        "created:<30d",
    ]
)]
fn first_page_filter(bencher: divan::Bencher, q: &str) {
    let f = fixture();
    bencher.bench(|| {
        f.rt.block_on(f.service.list_tickets(&f.agent, q, Some(50), None))
            .expect("list")
    });
}

/// First page of full-text searches: common and rare words, a phrase, with a filter,
/// and as a customer (own tickets, no internal notes).
#[divan::bench(
    sample_count = 100,
    args = ["customer", "printer", "kebele", "\"browser cache\"", "status:open refund"]
)]
fn first_page_search(bencher: divan::Bencher, q: &str) {
    let f = fixture();
    bencher.bench(|| {
        f.rt.block_on(f.service.list_tickets(&f.agent, q, Some(50), None))
            .expect("search")
    });
}

#[divan::bench(sample_count = 100)]
fn first_page_search_as_customer(bencher: divan::Bencher) {
    let f = fixture();
    bencher.bench(|| {
        f.rt.block_on(
            f.service
                .list_tickets(&f.customer, "customer", Some(50), None),
        )
        .expect("search")
    });
}

/// The change feed as a poller uses it: what happened after the last sequence it saw.
#[divan::bench(sample_count = 200, args = [10, 100, 1000])]
fn events_after(bencher: divan::Bencher, behind: i64) {
    let f = fixture();
    // Other benchmarks write events; measure from the feed's end as it is now.
    let last_seq = f.rt.block_on(f.service.last_seq()).expect("last seq");
    bencher.bench(|| {
        let after = (last_seq - behind).max(0);
        f.rt.block_on(f.service.changes(&f.agent, after, Some(1000)))
            .expect("changes")
    });
}

/// First page (50) in each `sort:` order the list header offers, over the whole desk
/// and over a filter: the orders other than `updated`/`created` have no index of their
/// own and sort what the filter matches.
#[divan::bench(
    sample_count = 30,
    args = [
        "sort:-priority",
        "sort:sla",
        "sort:title",
        "sort:assignee",
        "status:open sort:-priority",
        "assignee:agent3@example.com sort:sla",
    ]
)]
fn first_page_sorted(bencher: divan::Bencher, q: &str) {
    let f = fixture();
    bencher.bench(|| {
        f.rt.block_on(f.service.list_tickets(&f.agent, q, Some(50), None))
            .expect("sorted")
    });
}

/// The dashboard's created and resolved per day over 30 days (issue 19: < 20 ms at
/// 1,000,000 tickets), for the whole desk and two filters.
#[divan::bench(sample_count = 100, args = ["", "priority:high", "category:General status:open"])]
fn stats_series_30_days(bencher: divan::Bencher, q: &str) {
    let f = fixture();
    bencher.bench(|| {
        f.rt.block_on(f.service.stats_series(&f.agent, q, 30))
            .expect("series")
    });
}

/// Every count the TUI's dashboard asks for on the whole desk (by status, open by
/// priority, attention, the SLA period, five agents' open and late), and the oldest of
/// the approvals and of each agent's tickets (a one-ticket page in a `sort:` order), one
/// after another: the dashboard's first frame and each refresh wait for these (the TUI
/// sends them at once).
#[divan::bench(sample_count = 20)]
fn dashboard_counts(bencher: divan::Bencher) {
    use desk::tui::panes::dashboard::Ask;
    let f = fixture();
    let (statuses, priorities) = f.rt.block_on(async {
        (
            f.service.statuses().await.expect("statuses"),
            f.service.priorities().await.expect("priorities"),
        )
    });
    let ask = Ask {
        query: String::new(),
        statuses: statuses
            .iter()
            .map(|s| (s.key.clone(), s.name.clone()))
            .collect(),
        priorities: priorities.iter().map(|p| p.name.clone()).collect(),
        staff: (1..=5)
            .map(|i| (format!("Agent {i}"), format!("agent{i}@example.com")))
            .collect(),
        days: 30,
    };
    // As the TUI does over the whole desk: the counters once, a count for the rest.
    let wanted = ask.counts();
    let queries: Vec<&str> = wanted
        .iter()
        .filter(|w| w.known.is_none())
        .map(|w| w.query.as_str())
        .collect();
    let oldest: Vec<String> = wanted
        .iter()
        .filter_map(|w| w.oldest.map(|how| format!("{} {}", w.query, how.sort())))
        .collect();
    bencher.bench(|| {
        f.rt.block_on(async {
            f.service.stats(&f.agent).await.expect("stats");
            for q in &queries {
                f.service.count_tickets(&f.agent, q).await.expect("count");
            }
            for q in &oldest {
                f.service
                    .list_tickets(&f.agent, q, Some(1), None)
                    .await
                    .expect("oldest");
            }
        })
    });
}
