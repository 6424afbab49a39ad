//! Seed 001, the mobile app's intake: `POST /create_ticket` with a user id and a PDF
//! link. Its ticket ids are integers, which are desk's ticket numbers (`42` is
//! `TKT-42`). The original's live dashboard pushed Socket.IO events; desk's change feed
//! and event stream carry these tickets like any other.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;

use crate::domain::model::CustomFields;
use crate::domain::requests::NewTicket;
use crate::domain::validate;
use crate::service::{Actor, ServiceError};

use super::dialect::Dialect;
use super::{Answer, App, Rejection, object, optional_caller, text, title, value};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/create_ticket", post(create))
        .layer(axum::middleware::map_response(|r: Response| async move {
            DIALECT.reword(r)
        }))
}

pub(super) const DIALECT: Dialect = Dialect {
    body: |m| json!({ "error": m }),
    not_found: None,
};

fn fail(status: StatusCode, message: impl AsRef<str>) -> Rejection {
    DIALECT.fail(status, message)
}

pub(super) fn refuse(status: StatusCode, _code: &'static str, message: String) -> Response {
    DIALECT.refusal(status, &message)
}

fn service_error(e: ServiceError) -> Rejection {
    DIALECT.service_error(e)
}

/// The app's user ids are its own (`john_doe`), not emails. A ticket still needs a
/// requester to answer to, so the id becomes an address under `.invalid`, a domain that
/// cannot receive mail: staff see who filed it, nobody is mailed by mistake, and the
/// same app user always maps to the same requester. An id that is an email is used as
/// it is.
fn contact_email(user_id: &str) -> Option<String> {
    if validate::email("user_id", user_id).is_ok() {
        return Some(user_id.to_lowercase());
    }
    let local: String = user_id
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .take(64)
        .collect();
    let local = local.trim_matches('.');
    (!local.is_empty()).then(|| format!("{local}@mobile-app.invalid"))
}

async fn create(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Answer {
    let map = object(&body).map_err(|bad| fail(StatusCode::BAD_REQUEST, bad.message()))?;
    let (Some(user_id), Some(pdf_link)) = (text(&map, &["user_id"]), text(&map, &["pdf_link"]))
    else {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "user_id and pdf_link are required",
        ));
    };
    let email = contact_email(&user_id).ok_or_else(|| {
        fail(
            StatusCode::BAD_REQUEST,
            "user_id must contain letters or digits",
        )
    })?;
    let mut custom_fields = CustomFields::new();
    custom_fields.insert("user_id".into(), json!(user_id));
    custom_fields.insert("pdf_link".into(), json!(pdf_link));
    for key in ["product_id", "other_ids"] {
        if let Some(v) = value(&map, &[key]) {
            custom_fields.insert(key.into(), v);
        }
    }
    // The app sends no token; a desk user who does send one files as themselves (staff
    // on the app user's behalf).
    let signed_in = optional_caller(&app, &headers)
        .await
        .map_err(service_error)?;
    let (actor, requester_email) = match signed_in {
        Some(a) if a.is_staff() => (a, Some(email)),
        Some(a) => (a, None),
        None => (Actor::Contact { email }, None),
    };
    let new = NewTicket {
        title: title(format!("Mobile app ticket from {user_id}")),
        description: format!("Document: {pdf_link}"),
        custom_fields,
        requester_email,
        // The app's id is the only name it gives; cut to fit like the title.
        requester_name: Some(user_id.chars().take(validate::NAME_MAX).collect()),
        ..NewTicket::default()
    };
    let t = app
        .service
        .create_ticket(&actor, new)
        .await
        .map_err(service_error)?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({
            "success": true,
            "ticket_id": t.id,
            "message": "Ticket created successfully",
        })),
    )
        .into_response())
}
