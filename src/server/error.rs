//! Every failure as `{error: {code, message, field?}}` with the status that says whose
//! fault it is. A 500 means a bug in desk and is logged as one.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::domain::model::Ticket;
use crate::domain::workflow::WorkflowError;
use crate::service::ServiceError;
pub use crate::wire::{ErrorBody, ErrorDetail};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    /// On 412: the ticket as it is now, so the caller loses nothing.
    pub current: Option<Box<Ticket>>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            current: None,
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into());
        self
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn unauthenticated(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(code = self.code, message = %self.message, "request failed");
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
                field: self.field,
            },
            current: self.current,
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        let message = e.to_string();
        match e {
            ServiceError::Invalid(i) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message).field(i.field)
            }
            ServiceError::Workflow(w) => {
                let (status, code) = match w {
                    WorkflowError::UnknownStatus(_) => {
                        (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
                    }
                    WorkflowError::Forbidden { .. } => (StatusCode::FORBIDDEN, "forbidden"),
                    _ => (StatusCode::CONFLICT, "workflow"),
                };
                ApiError::new(status, code, message).field("status")
            }
            ServiceError::NotFound { .. } => ApiError::not_found(message),
            ServiceError::Forbidden(_) => {
                ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
            }
            ServiceError::Duplicate(_) => ApiError::new(StatusCode::CONFLICT, "duplicate", message),
            ServiceError::TooLarge(_) => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message).field("file")
            }
            ServiceError::Unsupported(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_type",
                message,
            )
            .field("file"),
            ServiceError::Unauthenticated(_) => ApiError::unauthenticated(message),
            ServiceError::Conflict { current, .. } => ApiError {
                status: StatusCode::PRECONDITION_FAILED,
                code: "stale_version",
                message,
                field: None,
                current: Some(current),
            },
            ServiceError::Store(_) => {
                // The database's own words stay in the log: they can name tables,
                // columns and data. The answer carries an id to find them by.
                let id = format!("{:016x}", rand::random::<u64>());
                tracing::error!(request_id = %id, "internal error: {message}");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    format!("internal error; the server log has the details (request id {id})"),
                )
            }
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let status = r.status();
        let code = match &r {
            JsonRejection::JsonSyntaxError(_) => "bad_json",
            JsonRejection::JsonDataError(_) => "invalid_body",
            JsonRejection::MissingJsonContentType(_) => "unsupported_media_type",
            _ if status == StatusCode::PAYLOAD_TOO_LARGE => "too_large",
            _ => "bad_request",
        };
        ApiError::new(status, code, r.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_query", r.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_path", r.body_text())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_error_answers_500_without_the_databases_words() {
        let e = ServiceError::Store(crate::store::StoreError::Corrupt(
            "unterminated string near api_tokens.token_hash".into(),
        ));
        let api = ApiError::from(e);
        assert_eq!(api.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!api.message.contains("api_tokens"), "{}", api.message);
        assert!(api.message.contains("request id "), "{}", api.message);
    }
}
