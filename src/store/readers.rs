//! SQLite reads on the calling thread.
//!
//! sqlx runs each SQLite connection on a thread of its own, so every statement is a
//! round trip between threads: two context switches, then a wait until the async
//! runtime polls the answer. Under load those trips cost more than SQLite's own work;
//! `perf` of the server reading tickets put 38% of its time in the kernel switching
//! threads (BENCHMARKS.md). The reads the server answers most, each one bounded
//! statement over indexes, run here instead: synchronously, on a connection taken from
//! a small pool, on whichever thread asks. Writes stay with sqlx and its one writer.

use std::sync::Mutex;

use rusqlite::{Connection, OpenFlags};

use super::StoreError;

/// Connections kept open between reads; more are opened when more threads read at
/// once, and closed again afterwards. The async runtime has one thread per core.
const IDLE_MAX: usize = 4;

pub struct Readers {
    path: String,
    idle: Mutex<Vec<Connection>>,
}

/// A value bound to a statement's `$N` parameter.
pub enum Param<'a> {
    Int(i64),
    Text(&'a str),
}

impl Readers {
    pub fn new(path: &str) -> Readers {
        Readers {
            path: path.to_string(),
            idle: Mutex::new(Vec::new()),
        }
    }

    fn open(&self) -> Result<Connection, rusqlite::Error> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // Read-write so that WAL works whoever created the -shm file, but refusing
        // every write: those go through the one writer.
        conn.execute_batch(
            "PRAGMA query_only = ON; PRAGMA busy_timeout = 10000; PRAGMA cache_size = -2000;",
        )?;
        Ok(conn)
    }

    /// Runs `sql` with `params` bound to `$1`, `$2`, ... by name and reads the text
    /// columns of its one row, if there is a row. `sql` is prepared once per connection.
    pub fn texts<const N: usize>(
        &self,
        sql: &str,
        params: &[Param<'_>],
    ) -> Result<Option<[String; N]>, StoreError> {
        self.query(sql, params, |rows| {
            let Some(row) = rows.next()? else {
                return Ok(None);
            };
            let mut texts: [String; N] = std::array::from_fn(|_| String::new());
            for (i, text) in texts.iter_mut().enumerate() {
                *text = row.get(i)?;
            }
            Ok(Some(texts))
        })
    }

    /// Runs `sql` like [`Readers::texts`] and reads the first column of every row.
    pub fn column(&self, sql: &str, params: &[Param<'_>]) -> Result<Vec<String>, StoreError> {
        self.query(sql, params, |rows| {
            let mut texts = Vec::new();
            while let Some(row) = rows.next()? {
                texts.push(row.get(0)?);
            }
            Ok(texts)
        })
    }

    /// Runs `sql` like [`Readers::texts`] and maps every row with `each`.
    pub fn rows<T>(
        &self,
        sql: &str,
        params: &[Param<'_>],
        mut each: impl FnMut(&rusqlite::Row<'_>) -> Result<T, rusqlite::Error>,
    ) -> Result<Vec<T>, StoreError> {
        self.query(sql, params, |rows| {
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(each(row)?);
            }
            Ok(out)
        })
    }

    fn query<T>(
        &self,
        sql: &str,
        params: &[Param<'_>],
        read: impl FnOnce(&mut rusqlite::Rows<'_>) -> Result<T, rusqlite::Error>,
    ) -> Result<T, StoreError> {
        let conn = match self.idle.lock().ok().and_then(|mut idle| idle.pop()) {
            Some(conn) => conn,
            None => self.open()?,
        };
        let answer = run(&conn, sql, params, read);
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < IDLE_MAX
        {
            idle.push(conn);
        }
        Ok(answer?)
    }

    /// Closes the idle connections (the database is being closed).
    pub fn close(&self) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
    }
}

fn run<T>(
    conn: &Connection,
    sql: &str,
    params: &[Param<'_>],
    read: impl FnOnce(&mut rusqlite::Rows<'_>) -> Result<T, rusqlite::Error>,
) -> Result<T, rusqlite::Error> {
    let mut stmt = conn.prepare_cached(sql)?;
    for (i, param) in params.iter().enumerate() {
        let name = format!("${}", i + 1);
        let Some(index) = stmt.parameter_index(&name)? else {
            continue; // a parameter this statement does not use
        };
        match param {
            Param::Int(v) => stmt.raw_bind_parameter(index, v)?,
            Param::Text(v) => stmt.raw_bind_parameter(index, v)?,
        }
    }
    let mut rows = stmt.raw_query();
    read(&mut rows)
}
