use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("cannot open the desk database {location}: {reason}")]
    Open { location: String, reason: String },
    #[error("{location} is not a desk database ({reason}); nothing was changed")]
    NotADesk { location: String, reason: String },
    #[error(
        "{location} was written by a newer desk (schema {found}; this desk knows up to {known}); \
         nothing was changed — upgrade desk to open it"
    )]
    TooNew {
        location: String,
        found: i64,
        known: i64,
    },
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    /// The task writing a group of changes stopped before it committed them.
    #[error("the write stopped before it was saved; nothing was written, try again")]
    Interrupted,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl StoreError {
    /// A unique-constraint violation: the caller usually has a better message for it.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(db)) => db.is_unique_violation(),
            _ => false,
        }
    }
}
