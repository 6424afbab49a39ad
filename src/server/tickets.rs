//! `/api/v1/tickets`: list, file, read, edit, and move through the workflow.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::domain::model::{Comment, Ticket};
use crate::domain::requests::{NewTicket, TicketEdit, TicketList, TicketView};

use super::App;
use super::auth::Caller;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::etag::{if_match_version, json_with_etag, json_with_etag_status};
use super::extract::{JsonBody, Params, PathParam};
use crate::wire::{AllowedTransitions, Assignment, Decision, NewComment, TicketCount, Transition};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// A query in desk's filter language, e.g. `status:open priority:high,critical
    /// assignee:me tag:vip -tag:spam "free text"`. Empty: every ticket the caller may see.
    #[serde(default)]
    q: String,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// The `next_cursor` of the previous page, with the same `q`.
    cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CountParams {
    /// A query in desk's query language; empty counts every ticket the caller may see.
    #[serde(default)]
    q: String,
}

/// Count tickets
///
/// How many tickets match `q`, as the caller may see them: what a list's "N in view"
/// shows without fetching every page.
#[utoipa::path(
    get,
    operation_id = "count_tickets",
    path = "/api/v1/tickets/count",
    tag = "tickets",
    security(("bearer" = [])),
    params(CountParams),
    responses(
        (status = 200, description = "The count", body = TicketCount),
        (status = 400, description = "An unknown query parameter or a malformed one", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 422, description = "`q` does not parse", body = ErrorBody),
    )
)]
pub async fn count(
    State(app): State<App>,
    caller: Caller,
    Params(p): Params<CountParams>,
) -> ApiResult<Response> {
    let count = app.service.count_tickets(&caller.actor, &p.q).await?;
    Ok(axum::Json(TicketCount { count }).into_response())
}

/// List tickets
///
/// One page of the tickets matching `q`, newest update first. Any signed-in caller:
/// staff see every ticket, customers only their own. Follow `next_cursor` for the next
/// page.
#[utoipa::path(
    get,
    operation_id = "list_tickets",
    path = "/api/v1/tickets",
    tag = "tickets",
    security(("bearer" = [])),
    params(
        ListParams,
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "An ETag from an earlier answer: 304 if nothing changed"),
    ),
    responses(
        (status = 200, description = "A page of tickets", body = TicketList,
            headers(("ETag" = String, description = "Strong ETag of this answer"))),
        (status = 304, description = "Unchanged since the `If-None-Match` ETag",
            headers(("ETag" = String, description = "Strong ETag of this answer"))),
        (status = 400, description = "An unknown query parameter or a malformed one", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 422, description = "`q` does not parse, `limit` is out of range or `cursor` is not valid for this query", body = ErrorBody),
    )
)]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    Params(p): Params<ListParams>,
) -> ApiResult<Response> {
    let list = app
        .service
        .list_tickets(&caller.actor, &p.q, p.limit, p.cursor.as_deref())
        .await?;
    json_with_etag(&headers, &list)
}

/// File a ticket
///
/// Any signed-in caller. Customers file for themselves; staff may file on behalf of
/// someone with `requester_email`. The category defaults to `General`, the priority to
/// `Medium`.
#[utoipa::path(
    post,
    operation_id = "create_ticket",
    path = "/api/v1/tickets",
    tag = "tickets",
    security(("bearer" = [])),
    request_body = NewTicket,
    responses(
        (status = 201, description = "Filed", body = Ticket,
            headers(
                ("Location" = String, description = "The new ticket's URL"),
                ("ETag" = String, description = "Strong ETag of this answer"),
            )),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "A customer filing for someone else", body = ErrorBody),
        (status = 413, description = "The body is over the size limit", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "A field is missing, unknown or invalid (unknown category or priority, title too long, ...)", body = ErrorBody),
    )
)]
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

/// Read a ticket
///
/// The ticket with its comments and events, as the caller may see them: customers see
/// only their own tickets and never internal notes or internal events. Any signed-in
/// caller; a ticket the caller may not see is 404.
#[utoipa::path(
    get,
    operation_id = "get_ticket",
    path = "/api/v1/tickets/{key}",
    tag = "tickets",
    security(("bearer" = [])),
    params(
        ("key" = String, Path, description = "The ticket's key, e.g. `TKT-42`"),
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "An ETag from an earlier answer: 304 if nothing changed"),
    ),
    responses(
        (status = 200, description = "The ticket and its timeline", body = TicketView,
            headers(("ETag" = String, description = "Strong ETag of this answer"))),
        (status = 304, description = "Unchanged since the `If-None-Match` ETag",
            headers(("ETag" = String, description = "Strong ETag of this answer"))),
        (status = 400, description = "The key is not valid UTF-8", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 404, description = "No such ticket, or the caller may not see it", body = ErrorBody),
    )
)]
pub async fn get(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    PathParam(key): PathParam<String>,
) -> ApiResult<Response> {
    let view = app.service.get_ticket(&caller.actor, &key).await?;
    json_with_etag(&headers, &view)
}

/// Edit a ticket
///
/// Changes title, description, category, priority, tags (the whole set) or custom fields
/// (a `null` removes one); absent fields stay as they are. Agents, supervisors and admins.
#[utoipa::path(
    patch,
    operation_id = "edit_ticket",
    path = "/api/v1/tickets/{key}",
    tag = "tickets",
    security(("bearer" = [])),
    params(
        ("key" = String, Path, description = "The ticket's key, e.g. `TKT-42`"),
        ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(W/)?"?[0-9]{1,18}"?$"#, description = "The ticket `version` this change is based on: 412 if it has moved on since"),
    ),
    request_body = TicketEdit,
    responses(
        (status = 200, description = "The ticket after the edit", body = Ticket),
        (status = 400, description = "The body is not JSON, or `If-Match` is not a version number", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "Customers may not edit tickets", body = ErrorBody),
        (status = 404, description = "No such ticket, or the caller may not see it", body = ErrorBody),
        (status = 412, description = "`If-Match` is stale: someone changed the ticket first; `current` holds it as it is now", body = ErrorBody),
        (status = 413, description = "The body is over the size limit", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "Nothing to change, or a field is unknown or invalid", body = ErrorBody),
    )
)]
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

/// Move a ticket through the workflow
///
/// Changes the status, if the workflow lets this caller take that step (see
/// `GET /tickets/{key}/transitions` and `GET /statuses`). Moving to `approved` or
/// `rejected` is the same as `approve` and `reject`.
#[utoipa::path(
    post,
    operation_id = "transition_ticket",
    path = "/api/v1/tickets/{key}/transition",
    tag = "tickets",
    security(("bearer" = [])),
    params(
        ("key" = String, Path, description = "The ticket's key, e.g. `TKT-42`"),
        ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(W/)?"?[0-9]{1,18}"?$"#, description = "The ticket `version` this change is based on: 412 if it has moved on since"),
    ),
    request_body = Transition,
    responses(
        (status = 200, description = "The ticket in its new status", body = Ticket),
        (status = 400, description = "The body is not JSON, or `If-Match` is not a version number", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "The workflow does not let this caller take that step", body = ErrorBody),
        (status = 404, description = "No such ticket, or the caller may not see it", body = ErrorBody),
        (status = 409, description = "The workflow does not allow that step from the current status", body = ErrorBody),
        (status = 412, description = "`If-Match` is stale: someone changed the ticket first; `current` holds it as it is now", body = ErrorBody),
        (status = 413, description = "The body is over the size limit", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "Unknown status, or a field is missing or invalid", body = ErrorBody),
    )
)]
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

/// Where can this ticket go
///
/// The statuses this caller may move the ticket to now: what a UI should offer. Any
/// signed-in caller who may see the ticket.
#[utoipa::path(
    get,
    operation_id = "ticket_transitions",
    path = "/api/v1/tickets/{key}/transitions",
    tag = "tickets",
    security(("bearer" = [])),
    params(("key" = String, Path, description = "The ticket's key, e.g. `TKT-42`")),
    responses(
        (status = 200, description = "The allowed target statuses", body = AllowedTransitions),
        (status = 400, description = "The key is not valid UTF-8", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 404, description = "No such ticket, or the caller may not see it", body = ErrorBody),
    )
)]
pub async fn transitions(
    State(app): State<App>,
    caller: Caller,
    PathParam(key): PathParam<String>,
) -> ApiResult<Response> {
    let transitions = app.service.allowed_transitions(&caller.actor, &key).await?;
    Ok(axum::Json(AllowedTransitions { transitions }).into_response())
}

/// Assign or unassign a ticket
///
/// `{"assignee": "email"}` assigns to an active agent, supervisor or admin;
/// `{"assignee": null}` unassigns. The field must be there: an empty body unassigning a
/// ticket by accident would be a nasty surprise. Staff only: agents take unassigned
/// tickets and pass on their own; taking a ticket from someone else is for supervisors.
/// A new or approved ticket becomes `assigned`.
#[utoipa::path(
    post,
    operation_id = "assign_ticket",
    path = "/api/v1/tickets/{key}/assign",
    tag = "tickets",
    security(("bearer" = [])),
    params(
        ("key" = String, Path, description = "The ticket's key, e.g. `TKT-42`"),
        ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(W/)?"?[0-9]{1,18}"?$"#, description = "The ticket `version` this change is based on: 412 if it has moved on since"),
    ),
    request_body = Assignment,
    responses(
        (status = 200, description = "The ticket with its new assignee", body = Ticket),
        (status = 400, description = "The body is not JSON, or `If-Match` is not a version number", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "Customers may not assign; agents may not take a ticket held by someone else", body = ErrorBody),
        (status = 404, description = "No such ticket or user, or the caller may not see the ticket", body = ErrorBody),
        (status = 412, description = "`If-Match` is stale: someone changed the ticket first; `current` holds it as it is now", body = ErrorBody),
        (status = 413, description = "The body is over the size limit", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "`assignee` is missing, not an email, or not an active staff member; or an unknown field", body = ErrorBody),
    )
)]
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

/// Approve a request
///
/// Approves a ticket waiting in `new` or `under_review` (categories that require
/// approval). Supervisors and admins. The body, and the note in it, are optional.
#[utoipa::path(
    post,
    operation_id = "approve_ticket",
    path = "/api/v1/tickets/{key}/approve",
    tag = "tickets",
    security(("bearer" = [])),
    params(
        ("key" = String, Path, description = "The ticket's key, e.g. `TKT-42`"),
        ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(W/)?"?[0-9]{1,18}"?$"#, description = "The ticket `version` this change is based on: 412 if it has moved on since"),
    ),
    request_body(content = Option<Decision>, description = "Optional; may be empty"),
    responses(
        (status = 200, description = "The approved ticket", body = Ticket),
        (status = 400, description = "The body is not valid JSON for a decision, or `If-Match` is not a version number", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "Only supervisors and admins approve", body = ErrorBody),
        (status = 404, description = "No such ticket", body = ErrorBody),
        (status = 409, description = "The ticket is not waiting for a decision", body = ErrorBody),
        (status = 412, description = "`If-Match` is stale: someone changed the ticket first; `current` holds it as it is now", body = ErrorBody),
        (status = 413, description = "The body is over the size limit", body = ErrorBody),
        (status = 422, description = "The note is too long", body = ErrorBody),
    )
)]
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

/// Reject a request
///
/// Rejects a ticket waiting in `new` or `under_review`. Supervisors and admins; the note
/// is required and tells the customer why.
#[utoipa::path(
    post,
    operation_id = "reject_ticket",
    path = "/api/v1/tickets/{key}/reject",
    tag = "tickets",
    security(("bearer" = [])),
    params(
        ("key" = String, Path, description = "The ticket's key, e.g. `TKT-42`"),
        ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(W/)?"?[0-9]{1,18}"?$"#, description = "The ticket `version` this change is based on: 412 if it has moved on since"),
    ),
    request_body = Decision,
    responses(
        (status = 200, description = "The rejected ticket", body = Ticket),
        (status = 400, description = "The body is not JSON, or `If-Match` is not a version number", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "Only supervisors and admins reject", body = ErrorBody),
        (status = 404, description = "No such ticket", body = ErrorBody),
        (status = 409, description = "The ticket is not waiting for a decision", body = ErrorBody),
        (status = 412, description = "`If-Match` is stale: someone changed the ticket first; `current` holds it as it is now", body = ErrorBody),
        (status = 413, description = "The body is over the size limit", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "No note, or a field is unknown or invalid", body = ErrorBody),
    )
)]
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

/// Comment on a ticket
///
/// A public reply or, for staff, an internal note. Customers reply on their own tickets;
/// a customer's reply to a ticket waiting on them puts it back in progress.
#[utoipa::path(
    post,
    operation_id = "comment_on_ticket",
    path = "/api/v1/tickets/{key}/comments",
    tag = "tickets",
    security(("bearer" = [])),
    params(
        ("key" = String, Path, description = "The ticket's key, e.g. `TKT-42`"),
        ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(W/)?"?[0-9]{1,18}"?$"#, description = "The ticket `version` this change is based on: 412 if it has moved on since"),
    ),
    request_body = NewComment,
    responses(
        (status = 201, description = "The new comment", body = Comment),
        (status = 400, description = "The body is not JSON, or `If-Match` is not a version number", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "A customer writing an internal note", body = ErrorBody),
        (status = 404, description = "No such ticket, or the caller may not see it", body = ErrorBody),
        (status = 412, description = "`If-Match` is stale: someone changed the ticket first; `current` holds it as it is now", body = ErrorBody),
        (status = 413, description = "The body is over the size limit", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "The body text is empty or too long, or a field is unknown", body = ErrorBody),
    )
)]
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
