//! How a seed system words its refusals: the shape of its error body, and its words for
//! a record that is not there. Each compat module declares its dialect once and keeps
//! only the special cases of its own wire mapping.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::{BadBody, Rejection};
use crate::service::ServiceError;

pub(super) struct Dialect {
    /// The error body around a message (`{"error": m}`, `{"detail": m}`, …).
    pub body: fn(&str) -> Value,
    /// What the seed answered for a missing record; `None`: desk's own words.
    pub not_found: Option<&'static str>,
}

impl Dialect {
    pub fn fail(&self, status: StatusCode, message: impl AsRef<str>) -> Rejection {
        Rejection::new(status, (self.body)(message.as_ref()))
    }

    /// A plain-text refusal axum makes before the handler has the body (one over the size
    /// limit), in this dialect, so the seed's page shows words rather than an object.
    pub fn reword(&self, response: Response) -> Response {
        let is_json = response
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json {
            let limit = crate::server::BODY_LIMIT;
            return self
                .fail(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the request body is over the limit of {limit} bytes"),
                )
                .into_response();
        }
        response
    }

    /// A refusal from the rate limiter, in this dialect.
    pub fn refusal(&self, status: StatusCode, message: &str) -> Response {
        self.fail(status, message).into_response()
    }

    pub fn bad_body(&self, bad: BadBody) -> Rejection {
        self.fail(StatusCode::BAD_REQUEST, bad.message())
    }

    /// A refusal of the service, as the seed's clients expect it: what they sent was
    /// wrong (400), or what desk itself would answer.
    pub fn service_error(&self, e: ServiceError) -> Rejection {
        match (e, self.not_found) {
            (ServiceError::NotFound { .. }, Some(words)) => self.fail(StatusCode::NOT_FOUND, words),
            (ServiceError::Invalid(i), _) => self.fail(StatusCode::BAD_REQUEST, i.to_string()),
            (ServiceError::Workflow(w), _) => self.fail(StatusCode::BAD_REQUEST, w.to_string()),
            (other, _) => {
                let api = crate::server::ApiError::from(other);
                self.fail(api.status, api.message)
            }
        }
    }
}
