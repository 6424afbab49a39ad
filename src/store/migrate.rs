//! Embedded migrations. The schema version lives in `desk_meta`; a database whose
//! version is newer than the newest migration here is refused untouched.

use sqlx::AssertSqlSafe;

use super::{Backend, Store, StoreError};

struct Migration {
    version: i64,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sqlite: include_str!("migrations/sqlite/0001_init.sql"),
        postgres: include_str!("migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        sqlite: include_str!("migrations/sqlite/0002_tokens.sql"),
        postgres: include_str!("migrations/postgres/0002_tokens.sql"),
    },
    Migration {
        version: 3,
        sqlite: include_str!("migrations/sqlite/0003_counts.sql"),
        postgres: include_str!("migrations/postgres/0003_counts.sql"),
    },
    Migration {
        version: 4,
        sqlite: include_str!("migrations/sqlite/0004_attachments.sql"),
        postgres: include_str!("migrations/postgres/0004_attachments.sql"),
    },
    Migration {
        version: 5,
        sqlite: include_str!("migrations/sqlite/0005_notifications.sql"),
        postgres: include_str!("migrations/postgres/0005_notifications.sql"),
    },
    Migration {
        version: 6,
        sqlite: include_str!("migrations/sqlite/0006_series.sql"),
        postgres: include_str!("migrations/postgres/0006_series.sql"),
    },
    Migration {
        version: 7,
        sqlite: include_str!("migrations/sqlite/0007_sort.sql"),
        postgres: include_str!("migrations/postgres/0007_sort.sql"),
    },
    Migration {
        version: 8,
        sqlite: include_str!("migrations/sqlite/0008_workload.sql"),
        postgres: include_str!("migrations/postgres/0008_workload.sql"),
    },
];

pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

pub async fn run(store: &Store) -> Result<(), StoreError> {
    match store.backend {
        Backend::Sqlite => run_sqlite(store).await,
        Backend::Postgres => run_postgres(store).await,
    }
}

fn too_new(store: &Store, current: i64) -> Result<(), StoreError> {
    let known = latest_version();
    if current > known {
        return Err(StoreError::TooNew {
            location: store.location.clone(),
            found: current,
            known,
        });
    }
    Ok(())
}

async fn run_sqlite(store: &Store) -> Result<(), StoreError> {
    let current = current_version(store, &mut *store.pool.acquire().await?).await?;
    too_new(store, current)?;
    // WAL lets readers run beside the writer. It is a property of the file, so it is
    // set once, now that the file is known to be a desk this version can open.
    sqlx::query("PRAGMA journal_mode = WAL")
        .execute(&store.pool)
        .await?;
    for migration in MIGRATIONS.iter().filter(|m| m.version > current) {
        let mut w = store.write().await?;
        apply(&mut w.tx, migration.version, migration.sqlite).await?;
        w.commit().await?;
    }
    Ok(())
}

/// One transaction under the writers' advisory lock: servers started together on an
/// empty database queue here, and the second finds the schema the first made. DDL is
/// transactional in PostgreSQL, so a failed step leaves nothing half made.
async fn run_postgres(store: &Store) -> Result<(), StoreError> {
    let mut w = store.write().await?;
    let current = current_version(store, &mut w.tx).await?;
    too_new(store, current)?;
    for migration in MIGRATIONS.iter().filter(|m| m.version > current) {
        apply(&mut w.tx, migration.version, migration.postgres).await?;
    }
    w.commit().await
}

async fn apply(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    version: i64,
    sql: &'static str,
) -> Result<(), StoreError> {
    sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut **tx).await?;
    sqlx::query(
        "INSERT INTO desk_meta (key, value) VALUES ('schema_version', $1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(version.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// 0 for an empty database. A database with tables but no `desk_meta` is someone else's.
async fn current_version(store: &Store, conn: &mut sqlx::AnyConnection) -> Result<i64, StoreError> {
    let not_a_desk = |reason: String| StoreError::NotADesk {
        location: store.location.clone(),
        reason,
    };
    let tables: Vec<String> = match store.backend {
        Backend::Sqlite => sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| not_a_desk(e.to_string()))?,
        Backend::Postgres => {
            sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables
                 WHERE table_schema = current_schema()",
            )
            .fetch_all(&mut *conn)
            .await?
        }
    };
    if tables.is_empty() {
        sqlx::query("CREATE TABLE desk_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            .execute(&mut *conn)
            .await?;
        return Ok(0);
    }
    if !tables.iter().any(|t| t == "desk_meta") {
        return Err(not_a_desk(format!(
            "it holds other tables ({})",
            tables.join(", ")
        )));
    }
    let version: Option<String> =
        sqlx::query_scalar("SELECT value FROM desk_meta WHERE key = 'schema_version'")
            .fetch_optional(&mut *conn)
            .await?;
    match version {
        None => Ok(0),
        Some(v) => v
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("schema_version is `{v}`"))),
    }
}
