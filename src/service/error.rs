use thiserror::Error;

use crate::domain::model::{Event, EventKind, Ticket};
use crate::domain::validate::Invalid;
use crate::domain::workflow::WorkflowError;
use crate::store::StoreError;

/// Why an operation was refused. Every variant but `Store` is the caller's to fix, and
/// its message says how.
#[derive(Debug, Error)]
pub enum ServiceError {
    #[error("{0}")]
    Invalid(#[from] Invalid),
    #[error("{0}")]
    Workflow(#[from] WorkflowError),
    /// Nothing called `key` of kind `what` (`ticket`, `user`, `status`) that this caller
    /// may see. Doors map it by `what`, never by reading the message.
    #[error("{what} {key} not found")]
    NotFound { what: &'static str, key: String },
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Duplicate(String),
    /// A file over `[attachments] max_bytes`, or too many files; the message names the limit.
    #[error("{0}")]
    TooLarge(String),
    /// A file of a media type the desk does not accept.
    #[error("{0}")]
    Unsupported(String),
    /// No valid credentials: a wrong password, or a token that is not live.
    #[error("{0}")]
    Unauthenticated(String),
    /// The change was based on an old version; `missed` says who changed what since.
    #[error("{}", conflict_message(.current, .missed))]
    Conflict {
        current: Box<Ticket>,
        missed: Vec<Event>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Says what changed under a stale writer, and that nothing of theirs was saved.
pub fn conflict_message(current: &Ticket, missed: &[Event]) -> String {
    let changes: Vec<String> = missed
        .iter()
        .map(|e| {
            let who = e.actor.as_ref().map_or("someone", |a| a.name.as_str());
            let new = e.new.as_deref().unwrap_or("nothing");
            let old = e.old.as_deref().unwrap_or("nothing");
            match (e.kind, e.field.as_deref()) {
                (EventKind::Commented, _) => format!("{who} commented"),
                (EventKind::Tagged, _) => format!("{who} added tag {new}"),
                (EventKind::Untagged, _) => format!("{who} removed tag {old}"),
                (EventKind::Assigned, _) if e.new.is_none() => format!("{who} unassigned it"),
                (EventKind::Assigned, _) => format!("{who} assigned it to {new}"),
                (EventKind::Approved, _) => format!("{who} approved it"),
                (EventKind::Rejected, _) => format!("{who} rejected it"),
                (_, Some("description")) => format!("{who} changed the description"),
                (_, Some(field)) => format!("{who} set {field} to {new}"),
                (kind, None) => format!("{who}: {}", kind.as_str().replace('_', " ")),
            }
        })
        .collect();
    let detail = if changes.is_empty() {
        String::new()
    } else {
        format!(" ({})", changes.join("; "))
    };
    format!(
        "{} changed since you loaded it (now version {}){detail}; nothing was saved — reload and try again",
        current.key, current.version
    )
}

impl ServiceError {
    pub fn not_found(what: &'static str, key: impl std::fmt::Display) -> ServiceError {
        ServiceError::NotFound {
            what,
            key: key.to_string(),
        }
    }
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;
