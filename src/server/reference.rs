//! Reference data, people and statistics.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::domain::model::{Category, Priority, Role, Status};
use crate::domain::requests::{Series, Stats};
use crate::service::{NewUser, UserPatch};

use super::App;
use super::auth::Caller;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::etag::json_with_etag;
use super::extract::{JsonBody, Params, PathParam};
use crate::wire::UserJson;

/// List categories
///
/// Every category, active or not. Any signed-in caller.
#[utoipa::path(
    get,
    operation_id = "list_categories",
    path = "/api/v1/categories",
    tag = "reference",
    security(("bearer" = [])),
    params(("If-None-Match" = Option<String>, Header, nullable = false, description = "An ETag from an earlier answer: 304 if nothing changed")),
    responses(
        (status = 200, description = "The categories", body = Vec<Category>,
            headers(("ETag" = String, description = "Strong ETag of this answer"))),
        (status = 304, description = "Unchanged since the `If-None-Match` ETag",
            headers(("ETag" = String, description = "Strong ETag of this answer"))),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
    )
)]
pub async fn categories(
    State(app): State<App>,
    _caller: Caller,
    headers: HeaderMap,
) -> ApiResult<Response> {
    json_with_etag(&headers, &app.service.categories().await?)
}

/// List priorities
///
/// Every priority with its SLA targets; a lower rank is more urgent. Any signed-in caller.
#[utoipa::path(
    get,
    operation_id = "list_priorities",
    path = "/api/v1/priorities",
    tag = "reference",
    security(("bearer" = [])),
    params(("If-None-Match" = Option<String>, Header, nullable = false, description = "An ETag from an earlier answer: 304 if nothing changed")),
    responses(
        (status = 200, description = "The priorities", body = Vec<Priority>,
            headers(("ETag" = String, description = "Strong ETag of this answer"))),
        (status = 304, description = "Unchanged since the `If-None-Match` ETag",
            headers(("ETag" = String, description = "Strong ETag of this answer"))),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
    )
)]
pub async fn priorities(
    State(app): State<App>,
    _caller: Caller,
    headers: HeaderMap,
) -> ApiResult<Response> {
    json_with_etag(&headers, &app.service.priorities().await?)
}

/// List statuses and the workflow
///
/// Every status in workflow order, each with the steps out of it and who may take them.
/// Any signed-in caller.
#[utoipa::path(
    get,
    operation_id = "list_statuses",
    path = "/api/v1/statuses",
    tag = "reference",
    security(("bearer" = [])),
    params(("If-None-Match" = Option<String>, Header, nullable = false, description = "An ETag from an earlier answer: 304 if nothing changed")),
    responses(
        (status = 200, description = "The statuses", body = Vec<crate::domain::model::Status>,
            headers(("ETag" = String, description = "Strong ETag of this answer"))),
        (status = 304, description = "Unchanged since the `If-None-Match` ETag",
            headers(("ETag" = String, description = "Strong ETag of this answer"))),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
    )
)]
pub async fn statuses(
    State(app): State<App>,
    _caller: Caller,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let statuses = app.service.statuses().await?;
    json_with_etag(&headers, &statuses)
}

/// List people
///
/// Staff only. Admins see every account; agents and supervisors see the active ones.
#[utoipa::path(
    get,
    operation_id = "list_users",
    path = "/api/v1/users",
    tag = "people",
    security(("bearer" = [])),
    params(("If-None-Match" = Option<String>, Header, nullable = false, description = "An ETag from an earlier answer: 304 if nothing changed")),
    responses(
        (status = 200, description = "The accounts", body = Vec<UserJson>,
            headers(("ETag" = String, description = "Strong ETag of this answer"))),
        (status = 304, description = "Unchanged since the `If-None-Match` ETag",
            headers(("ETag" = String, description = "Strong ETag of this answer"))),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "Customers do not see the people list", body = ErrorBody),
    )
)]
pub async fn users(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let users: Vec<UserJson> = app
        .service
        .users(&caller.actor)
        .await?
        .iter()
        .map(UserJson::from)
        .collect();
    json_with_etag(&headers, &users)
}

/// A new account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    email: String,
    #[schema(pattern = r"\S")]
    name: String,
    role: Role,
    #[schema(format = Password)]
    #[schema(min_length = 8)]
    password: String,
}

/// Add a person
///
/// Creates an account that signs in with the given password. Admins only.
#[utoipa::path(
    post,
    path = "/api/v1/users",
    tag = "people",
    security(("bearer" = [])),
    request_body = CreateUser,
    responses(
        (status = 201, description = "The new account", body = UserJson),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "Only admins add people", body = ErrorBody),
        (status = 409, description = "An account with that email exists", body = ErrorBody),
        (status = 413, description = "The body is over the size limit", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "A field is missing, unknown or invalid (bad email, unknown role, ...)", body = ErrorBody),
    )
)]
pub async fn create_user(
    State(app): State<App>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateUser>,
) -> ApiResult<Response> {
    let user = app
        .service
        .create_user_with_password(
            &caller.actor,
            NewUser {
                email: body.email,
                name: body.name,
                role: body.role,
            },
            &body.password,
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(UserJson::from(&user))).into_response())
}

/// Changes to an account; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchUser {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    role: Option<Role>,
    #[serde(default)]
    active: Option<bool>,
    /// A new password; every token the person holds is revoked.
    #[serde(default)]
    #[schema(format = Password)]
    #[schema(min_length = 8)]
    password: Option<String>,
    /// Needed with `password` when changing one's own: the password now.
    #[serde(default)]
    #[schema(format = Password)]
    current_password: Option<String>,
}

/// Change a person
///
/// Admins change anyone's name, role, activity and password (deactivating signs the
/// person out everywhere). Anyone may change their own password with a body holding only
/// `password` and `current_password`; the person's other tokens are revoked, the one
/// making the change stays valid.
#[utoipa::path(
    patch,
    path = "/api/v1/users/{id}",
    tag = "people",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The account's id")),
    request_body = PatchUser,
    responses(
        (status = 200, description = "The account after the change", body = UserJson),
        (status = 400, description = "The body is not JSON, or the id is not a number", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "Not an admin, and not a password change of one's own", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
        (status = 413, description = "The body is over the size limit", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "A field is unknown or invalid", body = ErrorBody),
    )
)]
pub async fn update_user(
    State(app): State<App>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
    JsonBody(body): JsonBody<PatchUser>,
) -> ApiResult<Response> {
    let patch = UserPatch {
        name: body.name,
        role: body.role,
        active: body.active,
    };
    let user = app
        .service
        .patch_user(
            &caller.actor,
            id,
            patch,
            body.password.as_deref(),
            body.current_password.as_deref(),
            Some(&caller.token),
        )
        .await?;
    Ok(axum::Json(UserJson::from(&user)).into_response())
}

/// A category as written; the whole of it, also when changing one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryBody {
    #[schema(pattern = r"\S")]
    name: String,
    #[serde(default)]
    description: String,
    /// Resolution target in hours; the stricter of this and the priority's applies.
    #[serde(default)]
    sla_hours: Option<f64>,
    /// Tickets wait for a supervisor's approval before work starts.
    #[serde(default)]
    requires_approval: bool,
    /// Inactive categories cannot be chosen for new tickets.
    #[serde(default = "yes")]
    #[schema(default = true)]
    active: bool,
}

fn yes() -> bool {
    true
}

/// Add a category
///
/// Admins only.
#[utoipa::path(
    post,
    path = "/api/v1/categories",
    tag = "reference",
    security(("bearer" = [])),
    request_body = CategoryBody,
    responses(
        (status = 201, description = "The new category", body = Category),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "Only admins change categories", body = ErrorBody),
        (status = 409, description = "A category with that name exists", body = ErrorBody),
        (status = 413, description = "The body is over the size limit", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "A field is missing, unknown or invalid", body = ErrorBody),
    )
)]
pub async fn create_category(
    State(app): State<App>,
    caller: Caller,
    JsonBody(b): JsonBody<CategoryBody>,
) -> ApiResult<Response> {
    save_category(app, caller, 0, b, StatusCode::CREATED).await
}

/// Change a category
///
/// Replaces the category's fields. Admins only.
#[utoipa::path(
    patch,
    path = "/api/v1/categories/{id}",
    tag = "reference",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The category's id")),
    request_body = CategoryBody,
    responses(
        (status = 200, description = "The category after the change", body = Category),
        (status = 400, description = "The body is not JSON, or the id is not a number", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "Only admins change categories", body = ErrorBody),
        (status = 404, description = "No such category", body = ErrorBody),
        (status = 409, description = "Another category has that name", body = ErrorBody),
        (status = 413, description = "The body is over the size limit", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "A field is missing, unknown or invalid", body = ErrorBody),
    )
)]
pub async fn update_category(
    State(app): State<App>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<CategoryBody>,
) -> ApiResult<Response> {
    if !app.service.categories().await?.iter().any(|c| c.id == id) {
        return Err(ApiError::not_found(format!("category {id} not found")));
    }
    save_category(app, caller, id, b, StatusCode::OK).await
}

async fn save_category(
    app: App,
    caller: Caller,
    id: i64,
    b: CategoryBody,
    status: StatusCode,
) -> ApiResult<Response> {
    let saved = app
        .service
        .save_category(
            &caller.actor,
            Category {
                id,
                name: b.name,
                description: b.description,
                sla_hours: b.sla_hours,
                requires_approval: b.requires_approval,
                active: b.active,
            },
        )
        .await?;
    Ok((status, axum::Json(saved)).into_response())
}

/// A priority as written; the whole of it, also when changing one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityBody {
    #[schema(pattern = r"\S")]
    name: String,
    /// Lower is more urgent (Critical = 1).
    rank: i64,
    color: String,
    /// First-response target in hours.
    response_hours: f64,
    /// Resolution target in hours.
    resolution_hours: f64,
}

/// Add a priority
///
/// Admins only.
#[utoipa::path(
    post,
    path = "/api/v1/priorities",
    tag = "reference",
    security(("bearer" = [])),
    request_body = PriorityBody,
    responses(
        (status = 201, description = "The new priority", body = Priority),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "Only admins change priorities", body = ErrorBody),
        (status = 409, description = "A priority with that name exists", body = ErrorBody),
        (status = 413, description = "The body is over the size limit", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "A field is missing, unknown or invalid", body = ErrorBody),
    )
)]
pub async fn create_priority(
    State(app): State<App>,
    caller: Caller,
    JsonBody(b): JsonBody<PriorityBody>,
) -> ApiResult<Response> {
    save_priority(app, caller, 0, b, StatusCode::CREATED).await
}

/// Change a priority
///
/// Replaces the priority's fields. Admins only.
#[utoipa::path(
    patch,
    path = "/api/v1/priorities/{id}",
    tag = "reference",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The priority's id")),
    request_body = PriorityBody,
    responses(
        (status = 200, description = "The priority after the change", body = Priority),
        (status = 400, description = "The body is not JSON, or the id is not a number", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "Only admins change priorities", body = ErrorBody),
        (status = 404, description = "No such priority", body = ErrorBody),
        (status = 409, description = "Another priority has that name", body = ErrorBody),
        (status = 413, description = "The body is over the size limit", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "A field is missing, unknown or invalid", body = ErrorBody),
    )
)]
pub async fn update_priority(
    State(app): State<App>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<PriorityBody>,
) -> ApiResult<Response> {
    if !app.service.priorities().await?.iter().any(|p| p.id == id) {
        return Err(ApiError::not_found(format!("priority {id} not found")));
    }
    save_priority(app, caller, id, b, StatusCode::OK).await
}

async fn save_priority(
    app: App,
    caller: Caller,
    id: i64,
    b: PriorityBody,
    status: StatusCode,
) -> ApiResult<Response> {
    let saved = app
        .service
        .save_priority(
            &caller.actor,
            Priority {
                id,
                name: b.name,
                rank: b.rank,
                color: b.color,
                response_hours: b.response_hours,
                resolution_hours: b.resolution_hours,
            },
        )
        .await?;
    Ok((status, axum::Json(saved)).into_response())
}

/// A status's new display name.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameStatus {
    #[schema(pattern = r"\S")]
    name: String,
}

/// Rename a status
///
/// Changes the display name; the key, and so the workflow, stay. Admins only.
#[utoipa::path(
    patch,
    path = "/api/v1/statuses/{key}",
    tag = "reference",
    security(("bearer" = [])),
    params(("key" = String, Path, description = "The status key, e.g. `in_progress`")),
    request_body = RenameStatus,
    responses(
        (status = 200, description = "The renamed status", body = Status),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "Only admins rename statuses", body = ErrorBody),
        (status = 404, description = "No such status", body = ErrorBody),
        (status = 413, description = "The body is over the size limit", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "The name is missing, empty or too long, or a field is unknown", body = ErrorBody),
    )
)]
pub async fn rename_status(
    State(app): State<App>,
    caller: Caller,
    PathParam(key): PathParam<String>,
    JsonBody(b): JsonBody<RenameStatus>,
) -> ApiResult<Response> {
    let status = app
        .service
        .rename_status(&caller.actor, &key, &b.name)
        .await?;
    Ok(axum::Json(status).into_response())
}

/// Desk statistics
///
/// Ticket counts by status class, status, priority, category and assignee, SLA breaches
/// and the oldest open ticket. Staff only.
#[utoipa::path(
    get,
    operation_id = "get_stats",
    path = "/api/v1/stats",
    tag = "reference",
    security(("bearer" = [])),
    params(("If-None-Match" = Option<String>, Header, nullable = false, description = "An ETag from an earlier answer: 304 if nothing changed")),
    responses(
        (status = 200, description = "The counts", body = Stats,
            headers(("ETag" = String, description = "Strong ETag of this answer"))),
        (status = 304, description = "Unchanged since the `If-None-Match` ETag",
            headers(("ETag" = String, description = "Strong ETag of this answer"))),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "Customers do not see desk statistics", body = ErrorBody),
    )
)]
pub async fn stats(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
) -> ApiResult<Response> {
    json_with_etag(&headers, &app.service.stats(&caller.actor).await?)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SeriesParams {
    /// A query in desk's query language; empty counts every ticket.
    #[serde(default)]
    q: String,
    /// How many days back, today included: 1 to 90 (default 14).
    days: Option<u32>,
}

/// Tickets per day
///
/// Tickets matching `q` created and resolved on each of the last `days` days (UTC),
/// today last: a dashboard's "created vs resolved". Read from the indexes of the two
/// times, so it costs the period, not the desk. Staff only.
#[utoipa::path(
    get,
    operation_id = "get_stats_series",
    path = "/api/v1/stats/series",
    tag = "reference",
    security(("bearer" = [])),
    params(SeriesParams),
    responses(
        (status = 200, description = "One entry per day", body = Series),
        (status = 400, description = "An unknown query parameter or a malformed one", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "Customers do not see desk statistics", body = ErrorBody),
        (status = 422, description = "`q` does not parse, or `days` is out of range", body = ErrorBody),
    )
)]
pub async fn stats_series(
    State(app): State<App>,
    caller: Caller,
    Params(p): Params<SeriesParams>,
) -> ApiResult<Response> {
    let series = app
        .service
        .stats_series(&caller.actor, &p.q, p.days.unwrap_or(14))
        .await?;
    Ok(axum::Json(series).into_response())
}
