//! Persistence only: no rules live here. One schema, migrations embedded in the binary,
//! SQL written with `$N` placeholders and integer times so the PostgreSQL set can follow
//! statement by statement. SQLite-only SQL is confined to `search`.

mod error;
mod migrate;
mod notify;
mod readers;
mod rows;
pub mod search;
mod sql;

pub mod attachments;
pub mod comments;
pub mod dump;
pub mod events;
pub mod outbox;
pub mod reference;
pub mod stats;
pub mod tickets;
pub mod tokens;
pub mod users;
pub mod view;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use error::StoreError;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Executor, Transaction};
use tokio::sync::{Mutex, MutexGuard, watch};

pub use readers::Param;
pub use sql::{Clause, ClauseKind, Page, PageCursor, Scope, SortMode, TicketFilter};

/// The advisory lock every PostgreSQL write transaction holds ("desk" in ASCII).
const WRITE_LOCK_KEY: i64 = 0x6465_736b;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the database: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time; queueing writers here instead of in SQLite's
    /// busy handler keeps latency flat and avoids SQLITE_BUSY on lock upgrades.
    write_lock: Arc<Mutex<()>>,
    committed: Arc<watch::Sender<u64>>,
    location: String,
    /// PostgreSQL only: the task that turns other servers' commits into wake-ups.
    listener: Option<Arc<notify::Listener>>,
    /// SQLite only: connections for the hottest reads, used on the caller's thread.
    readers: Option<Arc<readers::Readers>>,
}

/// A write transaction: holds the writer lock until it commits or drops.
pub struct WriteTx<'s> {
    pub tx: Transaction<'static, Any>,
    _guard: MutexGuard<'s, ()>,
    committed: &'s watch::Sender<u64>,
    backend: Backend,
}

impl WriteTx<'_> {
    pub async fn commit(mut self) -> Result<(), StoreError> {
        if self.backend == Backend::Postgres {
            // Delivered at commit and only if it commits: every server listening on
            // this database wakes its followers, including this one.
            sqlx::query(notify::NOTIFY).execute(&mut *self.tx).await?;
        }
        self.tx.commit().await?;
        // Wake whoever follows changes (the event stream); they read what changed
        // from the feed, so the count itself means nothing.
        self.committed.send_modify(|n| *n = n.wrapping_add(1));
        Ok(())
    }
}

impl Store {
    /// Opens (creating if needed) a desk database: a SQLite file path, a `sqlite:` URL,
    /// or a `postgres://` URL. Applies pending migrations; refuses a database written by
    /// a newer desk or one that is not a desk database, touching nothing.
    pub async fn open(location: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let shown = redact(location);
        let (url, backend) = resolve_url(location)?;
        if backend == Backend::Sqlite {
            check_sqlite_file(location)?;
        }
        let options: AnyConnectOptions =
            url.parse().map_err(|e: sqlx::Error| StoreError::Open {
                location: shown.clone(),
                reason: e.to_string(),
            })?;
        let max = if backend == Backend::Sqlite { 8 } else { 16 };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // Per-connection settings only: nothing here writes to the
                        // file, which must stay untouched until it is known to be ours.
                        // NORMAL is durable across application crashes in WAL mode.
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        // 2 MiB of page cache per connection: the OS caches the file
                        // too. Eight connections at 32 MiB put a server past 300 MB, and
                        // at 4 MiB past 100 MB under load; 2 MiB reads as fast
                        // (benches/server.sh, BENCHMARKS.md).
                        conn.execute("PRAGMA cache_size = -2000").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Open {
                location: shown.clone(),
                reason: e.to_string(),
            })?;
        let committed = Arc::new(watch::channel(0).0);
        let listener = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(Arc::new(
                notify::Listener::start(&url, committed.clone())
                    .await
                    .map_err(|e| StoreError::Open {
                        location: shown.clone(),
                        reason: e.to_string(),
                    })?,
            )),
        };
        let readers = match backend {
            Backend::Sqlite => Some(Arc::new(readers::Readers::new(sqlite_path(location)))),
            Backend::Postgres => None,
        };
        let store = Store {
            pool,
            backend,
            write_lock: Arc::new(Mutex::new(())),
            committed,
            location: shown.clone(),
            listener,
            readers,
        };
        migrate::run(&store).await?;
        if backend == Backend::Sqlite {
            // A process that ended without closing (killed, or a tool that just exits)
            // leaves its WAL behind, and the first writer after it would copy all of it
            // back while everyone waits: 21 MB after `desk generate` put a server's
            // first second of creates at a 29 ms p99. Copy it back now instead.
            store.checkpoint().await?;
        }
        Ok(store)
    }

    /// Copies what it can of the WAL back into the database file (SQLite only).
    /// PASSIVE never waits: another process's open read is left alone.
    async fn checkpoint(&self) -> Result<(), StoreError> {
        sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Where the data lives, as given to `open` (for logs and status bars).
    pub fn location(&self) -> &str {
        &self.location
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts the one transaction an operation writes in.
    pub async fn write(&self) -> Result<WriteTx<'_>, StoreError> {
        let guard = self.write_lock.lock().await;
        let tx = match self.backend {
            // IMMEDIATE takes the write lock up front, so another process on the same
            // file (the CLI beside the TUI) waits in busy_timeout instead of failing.
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                // One writer at a time across every server on the database, as SQLite
                // has per file. Event sequence numbers are taken under this lock and it
                // is released only after commit, so they commit in the order they
                // were handed out: the change feed has no holes for a poller to skip.
                // Taken first in every write, it cannot deadlock with row locks.
                sqlx::query("SELECT 1 FROM pg_advisory_xact_lock($1)")
                    .bind(WRITE_LOCK_KEY)
                    .execute(&mut *tx)
                    .await?;
                tx
            }
        };
        Ok(WriteTx {
            tx,
            _guard: guard,
            committed: &self.committed,
            backend: self.backend,
        })
    }

    /// Changes whenever a write commits through this handle (or a clone of it), and on
    /// PostgreSQL whenever any server on the same database commits one.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.committed.subscribe()
    }

    /// Refreshes the planner's statistics and compacts the search index: worth it
    /// after bulk loads.
    pub async fn optimize(&self) -> Result<(), StoreError> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA optimize").execute(&self.pool).await?;
            // A bulk load leaves the search index in many small segments, which FTS5
            // then merges during whichever commits come next: the first creates after
            // `desk generate` had a 28 ms p99. Merge them now, once.
            sqlx::query("INSERT INTO ticket_search (ticket_search) VALUES ('optimize')")
                .execute(&self.pool)
                .await?;
        } else {
            sqlx::query("ANALYZE").execute(&self.pool).await?;
        }
        Ok(())
    }

    /// The SQLite connections for reads on the caller's thread (none on PostgreSQL).
    pub(crate) fn readers(&self) -> Option<&readers::Readers> {
        self.readers.as_deref()
    }

    pub async fn close(&self) {
        if let Some(listener) = &self.listener {
            listener.stop();
        }
        if let Some(readers) = &self.readers {
            readers.close();
        }
        self.pool.close().await;
    }
}

/// A database location fit for logs and messages: a URL's password replaced by `***`.
pub fn redact(location: &str) -> String {
    let Some((scheme, rest)) = location.split_once("://") else {
        return location.to_string();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return location.to_string();
    };
    match credentials.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => location.to_string(),
    }
}

/// Turns what the user gave into a driver URL.
fn resolve_url(location: &str) -> Result<(String, Backend), StoreError> {
    if location.starts_with("postgres://") || location.starts_with("postgresql://") {
        return Ok((location.to_string(), Backend::Postgres));
    }
    let path = sqlite_path(location);
    if path.is_empty() || path.contains('?') || path == ":memory:" {
        return Err(StoreError::Open {
            location: location.to_string(),
            reason: "give a file path (an in-memory database would vanish with the process)".into(),
        });
    }
    if let Some(parent) = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        std::fs::create_dir_all(parent).map_err(|e| StoreError::Open {
            location: location.to_string(),
            reason: format!("cannot create directory {}: {e}", parent.display()),
        })?;
    }
    Ok((format!("sqlite://{path}?mode=rwc"), Backend::Sqlite))
}

/// The file a SQLite location names.
fn sqlite_path(location: &str) -> &str {
    location
        .strip_prefix("sqlite://")
        .or_else(|| location.strip_prefix("sqlite:"))
        .unwrap_or(location)
}

/// SQLite happily "opens" any file and fails later; look at the header first so a
/// mistyped path never gets written into.
fn check_sqlite_file(location: &str) -> Result<(), StoreError> {
    let path = PathBuf::from(sqlite_path(location));
    let Ok(meta) = std::fs::metadata(&path) else {
        return Ok(()); // a new file
    };
    if meta.is_dir() {
        return Err(StoreError::NotADesk {
            location: location.to_string(),
            reason: "it is a directory".into(),
        });
    }
    if meta.len() == 0 {
        return Ok(());
    }
    let mut header = [0u8; 16];
    let read = std::fs::File::open(&path).and_then(|mut f| {
        use std::io::Read;
        f.read(&mut header)
    });
    match read {
        Ok(16) if &header == b"SQLite format 3\0" => Ok(()),
        Ok(_) => Err(StoreError::NotADesk {
            location: location.to_string(),
            reason: "it is not a SQLite database".into(),
        }),
        Err(e) => Err(StoreError::Open {
            location: location.to_string(),
            reason: e.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(
            super::redact("postgres://desk:s3cret@db:5432/desk"),
            "postgres://desk:***@db:5432/desk"
        );
        assert_eq!(
            super::redact("postgres://desk@db/desk"),
            "postgres://desk@db/desk"
        );
        assert_eq!(super::redact("/var/lib/desk.db"), "/var/lib/desk.db");
    }
}
