//! Fills a store with realistic tickets for benchmarks: a desk with two years of
//! history, skewed the way real desks are (most tickets done, a few hot tags, a long
//! tail of words). Bulk-loaded with multi-row inserts straight into the store's tables:
//! the invariants the service keeps (events per change, tags mirrored, the search
//! index) are kept here too, but a million tickets do not go through a million
//! transactions.

use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};

use crate::domain::model::{Role, StatusClass};
use crate::domain::time::{self, DAY, MINUTE, Millis};
use crate::domain::workflow;
use crate::service::{NewUser, Service, ServiceError};
use crate::store::StoreError;

/// How big a desk to make.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub tickets: usize,
    pub agents: usize,
    pub customers: usize,
    pub seed: u64,
}

impl Shape {
    pub fn tickets(n: usize) -> Shape {
        Shape {
            tickets: n,
            agents: 40,
            customers: (n / 20).clamp(10, 50_000),
            seed: 42,
        }
    }
}

const PRODUCTS: &[&str] = &[
    "invoice",
    "dashboard",
    "mobile app",
    "password",
    "printer",
    "VPN",
    "email",
    "booking",
    "refund",
    "subscription",
    "meter",
    "connection",
    "itinerary",
    "report",
    "account",
    "payment",
    "login",
    "export",
    "calendar",
    "wifi",
    "laptop",
    "license",
    "backup",
    "SSO",
];
const PROBLEMS: &[&str] = &[
    "does not load",
    "shows an error",
    "is very slow",
    "was charged twice",
    "cannot be found",
    "stopped working after the update",
    "needs to be changed",
    "keeps logging me out",
    "is missing data",
    "crashes on start",
    "shows the wrong amount",
    "request for access",
];
/// A long tail of words, so the search index sees a realistic spread.
const WORDS: &[&str] = &[
    "customer",
    "yesterday",
    "morning",
    "tried",
    "again",
    "browser",
    "cache",
    "cleared",
    "still",
    "same",
    "problem",
    "screenshot",
    "attached",
    "urgent",
    "team",
    "meeting",
    "deadline",
    "office",
    "remote",
    "network",
    "server",
    "timeout",
    "message",
    "code",
    "update",
    "version",
    "phone",
    "android",
    "iphone",
    "windows",
    "mac",
    "linux",
    "chrome",
    "firefox",
    "settings",
    "profile",
    "address",
    "billing",
    "card",
    "declined",
    "bank",
    "transfer",
    "receipt",
    "order",
    "delivery",
    "ticket",
    "flight",
    "train",
    "bus",
    "hotel",
    "reservation",
    "cancel",
    "change",
    "date",
    "passenger",
    "luggage",
    "seat",
    "upgrade",
    "electricity",
    "woreda",
    "kebele",
    "landmark",
    "document",
    "upload",
    "pdf",
    "scan",
    "signature",
    "approval",
    "manager",
    "supervisor",
    "policy",
    "security",
    "suspicious",
    "password",
    "reset",
    "two-factor",
    "code",
    "sms",
    "email",
    "spam",
    "folder",
    "sync",
    "calendar",
    "invite",
    "shared",
    "drive",
    "permission",
    "denied",
    "admin",
    "license",
    "expired",
    "renewal",
    "discount",
    "coupon",
    "plan",
    "trial",
    "feature",
    "dark",
    "mode",
    "export",
    "csv",
    "excel",
    "report",
    "chart",
    "blank",
    "page",
    "loading",
    "spinner",
];
const TAGS: &[&str] = &[
    "vip",
    "billing",
    "bug",
    "mobile",
    "refund",
    "outage",
    "onboarding",
    "security",
    "feature-request",
    "duplicate",
    "travel",
    "itinerary",
    "hardware",
    "network",
    "sso",
];

struct Status {
    key: &'static str,
    class: StatusClass,
    weight: u32,
}

/// Most tickets of a two-year-old desk are finished.
const STATUS_MIX: &[Status] = &[
    Status {
        key: workflow::CLOSED,
        class: StatusClass::Done,
        weight: 45,
    },
    Status {
        key: workflow::RESOLVED,
        class: StatusClass::Done,
        weight: 20,
    },
    Status {
        key: workflow::REJECTED,
        class: StatusClass::Done,
        weight: 2,
    },
    Status {
        key: workflow::IN_PROGRESS,
        class: StatusClass::Open,
        weight: 10,
    },
    Status {
        key: workflow::NEW,
        class: StatusClass::Open,
        weight: 7,
    },
    Status {
        key: workflow::ASSIGNED,
        class: StatusClass::Open,
        weight: 5,
    },
    Status {
        key: workflow::WAITING_ON_CUSTOMER,
        class: StatusClass::Pending,
        weight: 5,
    },
    Status {
        key: workflow::ESCALATED,
        class: StatusClass::Open,
        weight: 3,
    },
    Status {
        key: workflow::UNDER_REVIEW,
        class: StatusClass::Open,
        weight: 2,
    },
    Status {
        key: workflow::APPROVED,
        class: StatusClass::Open,
        weight: 1,
    },
];

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("the store already holds tickets; generate into an empty one")]
    NotEmpty,
}

/// Rows per multi-row INSERT: under SQLite's and PostgreSQL's bind limits.
const BATCH: usize = 200;
/// Tickets per transaction.
const TX_TICKETS: usize = 5_000;

/// Fills an empty desk. Returns the number of tickets made.
pub async fn generate(service: &Service, shape: Shape) -> Result<usize, GenerateError> {
    service.seed_defaults().await?;
    let pool = service.store().pool();
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets")
        .fetch_one(pool)
        .await?;
    if existing > 0 {
        return Err(GenerateError::NotEmpty);
    }
    let mut rng = SmallRng::seed_from_u64(shape.seed);
    let agents = make_users(service, "agent", Role::Agent, shape.agents).await?;
    make_users(service, "supervisor", Role::Supervisor, 4).await?;
    let customers = make_users(service, "customer", Role::Customer, shape.customers).await?;
    let categories = service.categories().await?;
    let priorities = service.priorities().await?;
    let now = time::now();
    let span = 730 * DAY;
    let prefix = service.key_prefix().to_string();

    let mut made = 0;
    while made < shape.tickets {
        let n = TX_TICKETS.min(shape.tickets - made);
        let mut w = service.store().write().await?;
        let mut tickets = Vec::with_capacity(n);
        let mut comments = Vec::new();
        let mut events = Vec::new();
        let mut tags = Vec::new();
        for i in 0..n {
            let id = (made + i + 1) as i64;
            // Ids grow with creation time, as they do on a real desk.
            let created =
                now - span + (span / shape.tickets as i64) * (id - 1) + rng.random_range(0..MINUTE);
            let status = pick_status(&mut rng);
            let category = &categories[rng.random_range(0..categories.len())];
            let priority = &priorities[weighted(&mut rng, &[1, 3, 10, 6])];
            let (response, resolution) = crate::domain::sla::targets(category, priority);
            let age = now - created;
            let worked = rng.random_range(0..=age.clamp(1, 30 * DAY));
            let updated = (created + worked).min(now);
            let assignee = (status.key != workflow::NEW && status.key != workflow::UNDER_REVIEW)
                .then(|| agents[rng.random_range(0..agents.len())]);
            let first_response = (status.key != workflow::NEW)
                .then(|| created + rng.random_range(MINUTE..(2 * response).max(MINUTE + 1)));
            let done_at = (status.class == StatusClass::Done).then_some(updated);
            let paused_at = (status.class != StatusClass::Open).then_some(updated);
            let (requester_id, requester_email) = if rng.random_bool(0.8) {
                let c = customers[rng.random_range(0..customers.len())];
                (Some(c), format!("customer{c}@example.com"))
            } else {
                (
                    None,
                    format!("contact{}@example.net", rng.random_range(0..100_000)),
                )
            };
            let mut ticket_tags: Vec<&str> = Vec::new();
            for _ in 0..weighted(&mut rng, &[5, 3, 2]) {
                let tag = TAGS[zipf(&mut rng, TAGS.len())];
                if !ticket_tags.contains(&tag) {
                    ticket_tags.push(tag);
                }
            }
            ticket_tags.sort();
            let title = format!(
                "{} {} {}",
                capitalise(PRODUCTS[rng.random_range(0..PRODUCTS.len())]),
                PROBLEMS[rng.random_range(0..PROBLEMS.len())],
                WORDS[zipf(&mut rng, WORDS.len())],
            );
            let words = 25 + rng.random_range(0..40);
            let description = sentence(&mut rng, words);
            for tag in &ticket_tags {
                tags.push((id, (*tag).to_string(), updated));
            }
            let mut version = 1;
            events.push(EventRow::new(
                id,
                version,
                "created",
                requester_id,
                created,
                None,
                Some(workflow::NEW),
            ));
            let n_comments = if status.key == workflow::NEW {
                0
            } else {
                weighted(&mut rng, &[2, 4, 3, 1])
            };
            let mut public = Vec::new();
            let mut internal = Vec::new();
            for c in 0..n_comments {
                let at = created + (worked / (n_comments as i64 + 1)) * (c as i64 + 1);
                let internal_note = rng.random_bool(0.25);
                let words = 10 + rng.random_range(0..30);
                let body = sentence(&mut rng, words);
                let author = if c % 2 == 0 {
                    assignee.or(requester_id)
                } else {
                    requester_id
                };
                version += 1;
                events.push(
                    EventRow::new(id, version, "commented", author, at, None, None)
                        .internal(internal_note),
                );
                if internal_note {
                    internal.push(body.clone())
                } else {
                    public.push(body.clone())
                }
                comments.push((
                    id,
                    author,
                    body,
                    if internal_note { "internal" } else { "public" },
                    at,
                ));
            }
            if let Some(a) = assignee {
                version += 1;
                events.push(EventRow::new(
                    id,
                    version,
                    "assigned",
                    Some(a),
                    created + worked / 3,
                    None,
                    None,
                ));
            }
            if status.key != workflow::NEW {
                version += 1;
                events.push(EventRow::new(
                    id,
                    version,
                    "status_changed",
                    assignee,
                    updated,
                    Some(workflow::NEW),
                    Some(status.key),
                ));
            }
            tickets.push(TicketRow {
                id,
                key: crate::domain::key::format_key(&prefix, id),
                title,
                description,
                requester_id,
                requester_email,
                category_id: category.id,
                priority_id: priority.id,
                status: status.key,
                class: status.class,
                assignee,
                tags: serde_json::to_string(&ticket_tags).unwrap_or_else(|_| "[]".into()),
                version,
                created,
                updated,
                first_response,
                resolved: done_at,
                closed: (status.key == workflow::CLOSED).then_some(updated),
                response_due: created + response,
                resolution_due: created + resolution,
                paused_at,
                public: public.join(" "),
                internal: internal.join(" "),
            });
        }
        let postgres = service.store().backend() == crate::store::Backend::Postgres;
        insert_tickets(&mut w.tx, &tickets, postgres).await?;
        insert_rows(
            &mut w.tx,
            &tags,
            "INSERT INTO ticket_tags (ticket_id, tag, updated_at) VALUES ",
            3,
            |q, (id, tag, at)| q.bind(*id).bind(tag.clone()).bind(*at),
        )
        .await?;
        insert_rows(
            &mut w.tx,
            &comments,
            "INSERT INTO comments (ticket_id, author_id, body, visibility, created_at) VALUES ",
            5,
            |q, (id, author, body, vis, at)| {
                q.bind(*id)
                    .bind(*author)
                    .bind(body.clone())
                    .bind(*vis)
                    .bind(*at)
            },
        )
        .await?;
        if postgres {
            crate::store::search::pg_index_range(&mut w.tx, made as i64 + 1, (made + n) as i64)
                .await?;
        }
        // Events in time order across the batch, so sequence numbers rise with time.
        events.sort_by_key(|e| (e.at, e.ticket_id));
        insert_rows(
            &mut w.tx,
            &events,
            "INSERT INTO events (ticket_id, version, kind, actor_id, at, old_value, new_value, visibility) VALUES ",
            8,
            |q, e| {
                q.bind(e.ticket_id)
                    .bind(e.version)
                    .bind(e.kind)
                    .bind(e.actor)
                    .bind(e.at)
                    .bind(e.old)
                    .bind(e.new)
                    .bind(if e.internal { "internal" } else { "public" })
            },
        )
        .await?;
        sqlx::query("UPDATE counters SET value = $1 WHERE name = 'ticket'")
            .bind((made + n) as i64)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        made += n;
    }
    service.store().optimize().await?;
    Ok(made)
}

struct TicketRow {
    id: i64,
    key: String,
    title: String,
    description: String,
    requester_id: Option<i64>,
    requester_email: String,
    category_id: i64,
    priority_id: i64,
    status: &'static str,
    class: StatusClass,
    assignee: Option<i64>,
    tags: String,
    version: i64,
    created: Millis,
    updated: Millis,
    first_response: Option<Millis>,
    resolved: Option<Millis>,
    closed: Option<Millis>,
    response_due: Millis,
    resolution_due: Millis,
    paused_at: Option<Millis>,
    public: String,
    internal: String,
}

struct EventRow {
    ticket_id: i64,
    version: i64,
    kind: &'static str,
    actor: Option<i64>,
    at: Millis,
    old: Option<&'static str>,
    new: Option<&'static str>,
    internal: bool,
}

impl EventRow {
    fn new(
        ticket_id: i64,
        version: i64,
        kind: &'static str,
        actor: Option<i64>,
        at: Millis,
        old: Option<&'static str>,
        new: Option<&'static str>,
    ) -> EventRow {
        EventRow {
            ticket_id,
            version,
            kind,
            actor,
            at,
            old,
            new,
            internal: false,
        }
    }

    fn internal(mut self, internal: bool) -> EventRow {
        self.internal = internal;
        self
    }
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Inserts `rows` in multi-row statements of `BATCH` rows.
async fn insert_rows<T>(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    rows: &[T],
    head: &str,
    columns: usize,
    bind: impl for<'q> Fn(AnyQuery<'q>, &T) -> AnyQuery<'q>,
) -> Result<(), GenerateError> {
    for chunk in rows.chunks(BATCH) {
        let sql = values_sql(head, columns, chunk.len());
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            q = bind(q, row);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

fn values_sql(head: &str, columns: usize, rows: usize) -> String {
    let mut sql = String::from(head);
    let mut n = 0;
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..columns {
            n += 1;
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push('$');
            sql.push_str(&n.to_string());
        }
        sql.push(')');
    }
    sql
}

async fn insert_tickets(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    rows: &[TicketRow],
    postgres: bool,
) -> Result<(), GenerateError> {
    insert_rows(
        tx,
        rows,
        "INSERT INTO tickets (id, key, title, description, requester_id, requester_email,
            category_id, priority_id, status, status_class, assignee_id, tags, custom_fields,
            version, created_at, updated_at, first_response_at, resolved_at, closed_at,
            response_due_at, resolution_due_at, sla_paused_at, sla_paused_ms) VALUES ",
        23,
        |q, t| {
            q.bind(t.id)
                .bind(t.key.clone())
                .bind(t.title.clone())
                .bind(t.description.clone())
                .bind(t.requester_id)
                .bind(t.requester_email.clone())
                .bind(t.category_id)
                .bind(t.priority_id)
                .bind(t.status)
                .bind(t.class.as_str())
                .bind(t.assignee)
                .bind(t.tags.clone())
                .bind("{}")
                .bind(t.version)
                .bind(t.created)
                .bind(t.updated)
                .bind(t.first_response)
                .bind(t.resolved)
                .bind(t.closed)
                .bind(t.response_due)
                .bind(t.resolution_due)
                .bind(t.paused_at)
                .bind(0_i64)
        },
    )
    .await?;
    if postgres {
        // PostgreSQL builds its documents from the stored rows once comments are in.
        return Ok(());
    }
    insert_rows(
        tx,
        rows,
        "INSERT INTO ticket_search (rowid, title, description, public_comments, internal_notes) VALUES ",
        5,
        |q, t| {
            q.bind(t.id)
                .bind(t.title.clone())
                .bind(t.description.clone())
                .bind(t.public.clone())
                .bind(t.internal.clone())
        },
    )
    .await
}

async fn make_users(
    service: &Service,
    kind: &str,
    role: Role,
    n: usize,
) -> Result<Vec<i64>, GenerateError> {
    let mut ids = Vec::with_capacity(n);
    for i in 1..=n {
        let email = format!("{kind}{i}@example.com");
        let user = match service.user_by_email(&email).await? {
            Some(u) => u,
            None => {
                service
                    .insert_user(
                        NewUser {
                            email,
                            name: format!("{} {i}", capitalise(kind)),
                            role,
                        },
                        None,
                    )
                    .await?
            }
        };
        ids.push(user.id);
    }
    Ok(ids)
}

fn pick_status(rng: &mut SmallRng) -> &'static Status {
    let weights: Vec<u32> = STATUS_MIX.iter().map(|s| s.weight).collect();
    &STATUS_MIX[weighted(rng, &weights)]
}

/// An index drawn with the given relative weights.
fn weighted(rng: &mut SmallRng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut pick = rng.random_range(0..total.max(1));
    for (i, w) in weights.iter().enumerate() {
        if pick < *w {
            return i;
        }
        pick -= w;
    }
    weights.len() - 1
}

/// Roughly Zipf-distributed index: the first items are far more common.
fn zipf(rng: &mut SmallRng, n: usize) -> usize {
    let u: f64 = rng.random_range(0.0..1.0);
    ((n as f64).powf(u) - 1.0)
        .floor()
        .clamp(0.0, (n - 1) as f64) as usize
}

fn sentence(rng: &mut SmallRng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(WORDS[zipf(rng, WORDS.len())]);
    }
    s.push('.');
    capitalise(&s)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
