//! Embedded migrations. The schema version lives in `desk_meta`; a database whose
//! version is newer than the newest migration here is refused untouched.

use sqlx::AssertSqlSafe;

use super::{Backend, Store, StoreError};

struct Migration {
    version: i64,
    sqlite: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sqlite: include_str!("migrations/sqlite/0001_init.sql"),
    },
    Migration {
        version: 2,
        sqlite: include_str!("migrations/sqlite/0002_tokens.sql"),
    },
];

pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

pub async fn run(store: &Store) -> Result<(), StoreError> {
    let current = current_version(store).await?;
    let known = latest_version();
    if current > known {
        return Err(StoreError::TooNew {
            location: store.location.clone(),
            found: current,
            known,
        });
    }
    if store.backend == Backend::Sqlite {
        // WAL lets readers run beside the writer. It is a property of the file, so it is
        // set once, now that the file is known to be a desk this version can open.
        sqlx::query("PRAGMA journal_mode = WAL")
            .execute(&store.pool)
            .await?;
    }
    for migration in MIGRATIONS.iter().filter(|m| m.version > current) {
        let sql = match store.backend {
            Backend::Sqlite => migration.sqlite,
            Backend::Postgres => {
                return Err(StoreError::Open {
                    location: store.location.clone(),
                    reason: "PostgreSQL support is not built yet".into(),
                });
            }
        };
        let mut w = store.write().await?;
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut *w.tx)
            .await?;
        sqlx::query(
            "INSERT INTO desk_meta (key, value) VALUES ('schema_version', $1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(migration.version.to_string())
        .execute(&mut *w.tx)
        .await?;
        w.commit().await?;
    }
    Ok(())
}

/// 0 for an empty database. A database with tables but no `desk_meta` is someone else's.
async fn current_version(store: &Store) -> Result<i64, StoreError> {
    let not_a_desk = |reason: String| StoreError::NotADesk {
        location: store.location.clone(),
        reason,
    };
    let tables: Vec<String> = match store.backend {
        Backend::Sqlite => sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .fetch_all(&store.pool)
        .await
        .map_err(|e| not_a_desk(e.to_string()))?,
        Backend::Postgres => {
            sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables
                 WHERE table_schema = current_schema()",
            )
            .fetch_all(&store.pool)
            .await?
        }
    };
    if tables.is_empty() {
        sqlx::query("CREATE TABLE desk_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            .execute(&store.pool)
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
            .fetch_optional(&store.pool)
            .await?;
    match version {
        None => Ok(0),
        Some(v) => v
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("schema_version is `{v}`"))),
    }
}
