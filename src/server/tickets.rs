//! `/api/v1/tickets`: list, file, read, edit, and move through the workflow.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::domain::model::Visibility;
use crate::domain::requests::{NewTicket, TicketEdit};

use super::App;
use super::auth::Caller;
use super::error::{ApiError, ApiResult};
use super::etag::{if_match_version, json_with_etag, json_with_etag_status};
use super::extract::{JsonBody, Params, PathParam};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    #[serde(default)]
    q: String,
    limit: Option<u32>,
    cursor: Option<String>,
}

pub async fn list(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    Params(p): Params<ListParams>,
) -> ApiResult<Response> {
    if p.limit
        .is_some_and(|l| l == 0 || l > crate::service::PAGE_MAX)
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            format!("limit must be between 1 and {}", crate::service::PAGE_MAX),
        )
        .field("limit"));
    }
    let list = app
        .service
        .list_tickets(&caller.actor, &p.q, p.limit, p.cursor.as_deref())
        .await?;
    json_with_etag(&headers, &list)
}

pub async fn create(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(new): JsonBody<NewTicket>,
) -> ApiResult<Response> {
    let ticket = app.service.create_ticket(&caller.actor, new).await?;
    let location = HeaderValue::from_str(&format!("/api/v1/tickets/{}", ticket.key))
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    let mut response = json_with_etag_status(&headers, StatusCode::CREATED, &ticket)?;
    response.headers_mut().insert(header::LOCATION, location);
    Ok(response)
}

pub async fn get(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    PathParam(key): PathParam<String>,
) -> ApiResult<Response> {
    let view = app.service.get_ticket(&caller.actor, &key).await?;
    json_with_etag(&headers, &view)
}

pub async fn edit(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    PathParam(key): PathParam<String>,
    JsonBody(edit): JsonBody<TicketEdit>,
) -> ApiResult<Response> {
    let version = if_match_version(&headers)?;
    let ticket = app
        .service
        .edit_ticket(&caller.actor, &key, edit, version)
        .await?;
    Ok(axum::Json(ticket).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    status: String,
    #[serde(default)]
    note: Option<String>,
}

pub async fn transition(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    PathParam(key): PathParam<String>,
    JsonBody(body): JsonBody<Transition>,
) -> ApiResult<Response> {
    let version = if_match_version(&headers)?;
    let ticket = app
        .service
        .transition(
            &caller.actor,
            &key,
            &body.status,
            body.note.as_deref(),
            version,
        )
        .await?;
    Ok(axum::Json(ticket).into_response())
}

pub async fn transitions(
    State(app): State<App>,
    caller: Caller,
    PathParam(key): PathParam<String>,
) -> ApiResult<Response> {
    let allowed = app.service.allowed_transitions(&caller.actor, &key).await?;
    Ok(axum::Json(serde_json::json!({ "transitions": allowed })).into_response())
}

/// `{"assignee": "email"}` assigns, `{"assignee": null}` unassigns. The field must be
/// there: an empty body unassigning a ticket by accident would be a nasty surprise.
pub async fn assign(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    PathParam(key): PathParam<String>,
    JsonBody(body): JsonBody<serde_json::Map<String, serde_json::Value>>,
) -> ApiResult<Response> {
    let version = if_match_version(&headers)?;
    let invalid = |m: &str| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m.to_string()).field("assignee")
    };
    if let Some(extra) = body.keys().find(|k| *k != "assignee") {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            format!("unknown field `{extra}`, expected `assignee`"),
        ));
    }
    let assignee = match body.get("assignee") {
        None => return Err(invalid("give `assignee`: an email, or null to unassign")),
        Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s.as_str()),
        Some(_) => return Err(invalid("`assignee` must be an email or null")),
    };
    let ticket = app
        .service
        .assign(&caller.actor, &key, assignee, version)
        .await?;
    Ok(axum::Json(ticket).into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    #[serde(default)]
    note: Option<String>,
}

pub async fn approve(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    PathParam(key): PathParam<String>,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let version = if_match_version(&headers)?;
    // The note is optional, and so is the body that would carry it.
    let note = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice::<Decision>(&body)
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_json", e.to_string()))?
            .note
    };
    let ticket = app
        .service
        .approve(&caller.actor, &key, note.as_deref(), version)
        .await?;
    Ok(axum::Json(ticket).into_response())
}

pub async fn reject(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    PathParam(key): PathParam<String>,
    JsonBody(body): JsonBody<Decision>,
) -> ApiResult<Response> {
    let version = if_match_version(&headers)?;
    let ticket = app
        .service
        .reject(
            &caller.actor,
            &key,
            body.note.as_deref().unwrap_or_default(),
            version,
        )
        .await?;
    Ok(axum::Json(ticket).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    body: String,
    #[serde(default = "public")]
    visibility: Visibility,
}

fn public() -> Visibility {
    Visibility::Public
}

pub async fn comment(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    PathParam(key): PathParam<String>,
    JsonBody(body): JsonBody<NewComment>,
) -> ApiResult<Response> {
    let version = if_match_version(&headers)?;
    let (_, comment) = app
        .service
        .comment(&caller.actor, &key, &body.body, body.visibility, version)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(comment)).into_response())
}
