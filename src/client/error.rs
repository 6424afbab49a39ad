use thiserror::Error;

use crate::domain::model::Ticket;
use crate::service::ServiceError;

/// What went wrong, as any front end needs to know it: whose fault, and what to say.
#[derive(Debug, Error)]
pub enum DeskError {
    #[error("{message}")]
    Invalid {
        field: Option<String>,
        message: String,
    },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    /// Someone else changed the ticket first; `current` is how it is now.
    #[error("{message}")]
    Conflict {
        message: String,
        current: Option<Box<Ticket>>,
    },
    #[error("{0}")]
    Unauthenticated(String),
    /// The server cannot be reached or the store cannot be opened.
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl DeskError {
    /// The desk answered and said no (bad input, not allowed, not there): retrying the
    /// same request cannot help, and the desk is not down.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            DeskError::Invalid { .. }
                | DeskError::NotFound(_)
                | DeskError::Forbidden(_)
                | DeskError::Conflict { .. }
        )
    }

    /// A short stable code for JSON error bodies and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            DeskError::Invalid { .. } => "invalid",
            DeskError::NotFound(_) => "not_found",
            DeskError::Forbidden(_) => "forbidden",
            DeskError::Conflict { .. } => "conflict",
            DeskError::Unauthenticated(_) => "unauthenticated",
            DeskError::Unavailable(_) => "unavailable",
            DeskError::Internal(_) => "internal",
        }
    }
}

impl From<ServiceError> for DeskError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(i) => DeskError::Invalid {
                field: Some(i.field.to_string()),
                message: i.to_string(),
            },
            ServiceError::Workflow(w) => DeskError::Invalid {
                field: Some("status".into()),
                message: w.to_string(),
            },
            e @ ServiceError::NotFound { .. } => DeskError::NotFound(e.to_string()),
            ServiceError::Forbidden(m) => DeskError::Forbidden(m),
            ServiceError::TooLarge(m) | ServiceError::Unsupported(m) => DeskError::Invalid {
                field: Some("file".into()),
                message: m,
            },
            ServiceError::Duplicate(m) => DeskError::Invalid {
                field: None,
                message: m,
            },
            ServiceError::Conflict { current, missed } => DeskError::Conflict {
                message: crate::service::conflict_message(&current, &missed),
                current: Some(current),
            },
            ServiceError::Unauthenticated(m) => DeskError::Unauthenticated(m),
            ServiceError::Store(s) => DeskError::Internal(s.to_string()),
        }
    }
}
