//! The dashboard's kept counts (migration 3: triggers and a breach horizon) always equal
//! a full recount of every ticket: after a random mix of thousands of changes through
//! the service (and deletes and time shifts straight in SQL, which the triggers see
//! too), after `desk generate`, `desk import`, `desk migrate`, and after migration 3
//! itself on a desk that had tickets before it. On SQLite always; on PostgreSQL when
//! one answers (skipped with a message otherwise).

use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};

use crate::cli_common::Sandbox;
use crate::common::server::{TestDb, pg_admin_url, pg_reachable};
use desk::domain::model::Role;
use desk::domain::model::Visibility;
use desk::domain::requests::{NewTicket, TicketEdit};
use desk::domain::time::{self, HOUR};
use desk::service::{Actor, NewUser, Service, ServiceConfig};
use desk::store::{Store, stats};

async fn open(location: &str) -> Service {
    let store = Store::open(location).await.expect("open store");
    let service = Service::new(store, ServiceConfig::default());
    service.seed_defaults().await.expect("seed");
    service
}

async fn pg_or_skip() -> Option<TestDb> {
    if pg_reachable().await {
        return Some(TestDb::postgres().await);
    }
    eprintln!(
        "skipped on PostgreSQL: none answers at {} (set DESK_TEST_PG to point elsewhere)",
        pg_admin_url()
    );
    None
}

async fn user(service: &Service, email: &str, role: Role) -> Actor {
    if let Some(u) = service.user_by_email(email).await.expect("lookup") {
        return Actor::User(u);
    }
    let new = NewUser {
        email: email.into(),
        name: email.into(),
        role,
    };
    Actor::User(service.insert_user(new, None).await.expect("user"))
}

/// The kept counts, the recount, the service's answer and `sla:breached`'s count all
/// agree, at now and at instants around the breach horizon.
async fn assert_counts_true(service: &Service, when: &str) {
    let pool = service.store().pool();
    let now = time::now();
    for at in [now, now - 30 * HOUR, now + 30 * HOUR] {
        let (kept, _) = stats::counts(service.store(), at).await.expect("counts");
        let full = stats::recount(pool, at).await.expect("recount");
        assert_eq!(kept, full, "kept counts differ from a recount {when}");
    }
    let boss = user(service, "stats-boss@example.com", Role::Supervisor).await;
    let answered = service.stats(&boss).await.expect("stats");
    let full = stats::recount(pool, time::now()).await.expect("recount");
    assert_eq!(answered.breached, full.breached, "{when}");
    assert_eq!(
        answered.total,
        full.by_status.iter().map(|c| c.count).sum::<i64>()
    );
    let searched = service
        .count_tickets(&boss, "sla:breached")
        .await
        .expect("count");
    assert_eq!(searched, answered.breached, "sla:breached vs stats {when}");
}

/// `n` random changes: creates, status changes, assignments, priority and category
/// edits, comments (first responses), tickets moved into the past (due times pass),
/// deletes, and the breach horizon moved back and forth.
async fn random_changes(service: &Service, seed: u64, n: usize) {
    let mut rng = SmallRng::seed_from_u64(seed);
    let boss = user(service, "stats-boss@example.com", Role::Supervisor).await;
    let customer = user(service, "stats-customer@example.com", Role::Customer).await;
    let mut agents = vec![];
    for i in 0..4 {
        agents.push(user(service, &format!("stats-agent{i}@example.com"), Role::Agent).await);
    }
    let (categories, priorities) = service.categories_and_priorities().await.expect("refs");
    let mut keys: Vec<(i64, String)> = vec![];
    for step in 0..n {
        let pick = rng.random_range(0..100);
        if keys.is_empty() || pick < 25 {
            let t = service
                .create_ticket(
                    &customer,
                    NewTicket {
                        title: format!("change {step}"),
                        description: "counted".into(),
                        category: Some(
                            categories[rng.random_range(0..categories.len())]
                                .name
                                .clone(),
                        ),
                        priority: Some(
                            priorities[rng.random_range(0..priorities.len())]
                                .name
                                .clone(),
                        ),
                        ..Default::default()
                    },
                )
                .await
                .expect("create");
            keys.push((t.id, t.key));
            continue;
        }
        let (id, key) = keys[rng.random_range(0..keys.len())].clone();
        match pick {
            25..=49 => {
                let targets = service
                    .allowed_transitions(&boss, &key)
                    .await
                    .expect("targets");
                if !targets.is_empty() {
                    let to = &targets[rng.random_range(0..targets.len())];
                    // A refusal (a rule the supervisor does not meet) changes nothing.
                    let _ = service
                        .transition(&boss, &key, to, Some("moved by the counts test"), None)
                        .await;
                }
            }
            50..=64 => {
                let who = rng.random_range(0..=agents.len());
                let email = agents.get(who).map(|a| match a {
                    Actor::User(u) => u.email.clone(),
                    _ => unreachable!(),
                });
                let _ = service.assign(&boss, &key, email.as_deref(), None).await;
            }
            65..=74 => {
                let edit = if rng.random_bool(0.5) {
                    TicketEdit {
                        priority: Some(
                            priorities[rng.random_range(0..priorities.len())]
                                .name
                                .clone(),
                        ),
                        ..Default::default()
                    }
                } else {
                    TicketEdit {
                        category: Some(
                            categories[rng.random_range(0..categories.len())]
                                .name
                                .clone(),
                        ),
                        ..Default::default()
                    }
                };
                let _ = service.edit_ticket(&boss, &key, edit, None).await;
            }
            75..=84 => {
                let _ = service
                    .comment(&agents[0], &key, "looking", Visibility::Public, None)
                    .await;
            }
            85..=92 => {
                let mut w = service.store().write().await.expect("write");
                desk::store::tickets::shift_history(&mut w.tx, id, rng.random_range(1..200) * HOUR)
                    .await
                    .expect("shift");
                w.commit().await.expect("commit");
            }
            93..=95 => {
                // No front end deletes tickets; the triggers must still see it.
                let mut w = service.store().write().await.expect("write");
                sqlx::query("DELETE FROM tickets WHERE id = $1")
                    .bind(id)
                    .execute(&mut *w.tx)
                    .await
                    .expect("delete");
                w.commit().await.expect("commit");
                keys.retain(|(i, _)| *i != id);
            }
            _ => {
                let to = time::now() + rng.random_range(-300..300) * HOUR;
                let mut w = service.store().write().await.expect("write");
                stats::advance_horizon(&mut w.tx, to)
                    .await
                    .expect("horizon");
                w.commit().await.expect("commit");
            }
        }
        if step % 1000 == 999 {
            assert_counts_true(service, &format!("after {} changes", step + 1)).await;
        }
    }
    assert_counts_true(service, &format!("after {n} changes")).await;
}

#[tokio::test]
async fn kept_counts_equal_a_recount_after_ten_thousand_random_changes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let service = open(dir.path().join("desk.db").to_str().expect("utf-8")).await;
    assert_counts_true(&service, "on an empty desk").await;
    random_changes(&service, 21, 10_000).await;
}

#[tokio::test]
async fn kept_counts_equal_a_recount_on_postgres() {
    let Some(pg) = pg_or_skip().await else {
        return;
    };
    let service = open(&pg.location()).await;
    random_changes(&service, 22, 2_000).await;
    service.store().close().await;
}

#[tokio::test]
async fn counts_are_true_after_generate_import_and_migrate() {
    let sb = Sandbox::new();
    let source_path = sb.path().join("generated.db");
    let source = open(source_path.to_str().expect("utf-8")).await;
    desk::generate::generate(&source, desk::generate::Shape::tickets(2_000))
        .await
        .expect("generate");
    assert_counts_true(&source, "after generate").await;
    let dump = source.export_all().await.expect("export");
    let kept_before = stats::counts(source.store(), time::now())
        .await
        .expect("counts")
        .0;
    source.store().close().await;

    // Import into a fresh desk.
    let imported_path = sb.path().join("imported.db");
    let imported = open(imported_path.to_str().expect("utf-8")).await;
    imported.import_all(&dump).await.expect("import");
    assert_counts_true(&imported, "after import").await;
    imported.store().close().await;

    // `desk migrate` into another SQLite file and, where it answers, into PostgreSQL.
    let moved_path = sb.path().join("moved.db");
    sb.run(&[
        "migrate",
        "--from",
        source_path.to_str().expect("utf-8"),
        "--to",
        moved_path.to_str().expect("utf-8"),
    ])
    .expect(0);
    let moved = open(moved_path.to_str().expect("utf-8")).await;
    assert_counts_true(&moved, "after desk migrate to SQLite").await;
    let kept_after = stats::counts(moved.store(), time::now())
        .await
        .expect("counts")
        .0;
    assert_eq!(kept_after.by_status, kept_before.by_status);
    moved.store().close().await;

    if let Some(pg) = pg_or_skip().await {
        sb.run(&[
            "migrate",
            "--from",
            source_path.to_str().expect("utf-8"),
            "--to",
            &pg.location(),
        ])
        .expect(0);
        let target = open(&pg.location()).await;
        assert_counts_true(&target, "after desk migrate to PostgreSQL").await;
        random_changes(&target, 23, 300).await;
        target.store().close().await;
    }
}

/// Migration 3 on a desk that already had tickets: the counts are backfilled. The
/// desk is taken back to version 2 by hand (migration 3's objects dropped), then
/// opened again.
#[tokio::test]
async fn migration_three_backfills_the_counts_of_an_existing_desk() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("old.db");
    let service = open(path.to_str().expect("utf-8")).await;
    random_changes(&service, 24, 500).await;
    let before = stats::recount(service.store().pool(), time::now())
        .await
        .expect("recount");
    {
        let mut w = service.store().write().await.expect("write");
        // Back to a desk before migration 3: what the later ones made goes too.
        for sql in [
            "DROP INDEX tickets_assignee_breach",
            "DROP INDEX tickets_assignee_class_created",
            "DROP INDEX tickets_sla_order",
            "DROP INDEX tickets_resolved",
            "DROP TABLE mail_contacts",
            "DROP TABLE deliveries",
            "DROP TABLE notify_cursor",
            "DROP TABLE webhooks",
            "DROP TABLE attachments",
            "DROP TABLE attachment_chunks",
            "DROP TABLE attachment_blobs",
            "DROP TRIGGER tickets_count_insert",
            "DROP TRIGGER tickets_count_delete",
            "DROP TRIGGER tickets_count_update",
            "DROP TABLE ticket_counts",
            "DROP TABLE sla_horizon",
            "DROP INDEX tickets_sla_breach",
            "DROP INDEX tickets_class_created",
            "ALTER TABLE tickets DROP COLUMN sla_breach_at",
            "UPDATE desk_meta SET value = '2' WHERE key = 'schema_version'",
        ] {
            sqlx::query(sql).execute(&mut *w.tx).await.expect(sql);
        }
        w.commit().await.expect("commit");
    }
    service.store().close().await;

    let reopened = open(path.to_str().expect("utf-8")).await;
    let (kept, _) = stats::counts(reopened.store(), time::now())
        .await
        .expect("counts");
    assert_eq!(kept, before);
    assert_counts_true(&reopened, "after migration 3 on an old desk").await;
    random_changes(&reopened, 25, 300).await;
}

/// One definition of "breached" (issue 22): a done ticket that missed its target is
/// neither `sla:breached` nor in the dashboard's count, and is `sla:ok`; its own
/// page still says the target was missed.
#[tokio::test]
async fn done_tickets_are_never_breached_in_search_or_stats() {
    let dir = tempfile::tempdir().expect("temp dir");
    let service = open(dir.path().join("desk.db").to_str().expect("utf-8")).await;
    let boss = user(&service, "stats-boss@example.com", Role::Supervisor).await;
    let customer = user(&service, "stats-customer@example.com", Role::Customer).await;
    let late = service
        .create_ticket(
            &customer,
            NewTicket {
                title: "late".into(),
                description: "resolved after its due time".into(),
                category: Some("General".into()),
                ..Default::default()
            },
        )
        .await
        .expect("create");
    let mut w = service.store().write().await.expect("write");
    desk::store::tickets::shift_history(&mut w.tx, late.id, 500 * HOUR)
        .await
        .expect("shift");
    w.commit().await.expect("commit");
    assert_eq!(
        service
            .count_tickets(&boss, "sla:breached")
            .await
            .expect("count"),
        1
    );
    assert_eq!(service.stats(&boss).await.expect("stats").breached, 1);

    for to in ["in_progress", "resolved"] {
        service
            .transition(&boss, &late.key, to, None, None)
            .await
            .expect(to);
    }
    assert_eq!(
        service
            .count_tickets(&boss, "sla:breached")
            .await
            .expect("count"),
        0
    );
    assert_eq!(
        service.count_tickets(&boss, "sla:ok").await.expect("count"),
        1
    );
    assert_eq!(service.stats(&boss).await.expect("stats").breached, 0);
    let t = service
        .get_ticket_only(&boss, &late.key)
        .await
        .expect("read");
    assert!(!t.sla.breached);
    assert!(desk::domain::sla::target_missed(&t, time::now()));
    assert_counts_true(&service, "after a late resolution").await;
}
