//! Reference data, people and statistics.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::domain::model::{Category, Priority, Role, StatusClass};
use crate::domain::workflow;
use crate::service::{NewUser, UserPatch};

use super::App;
use super::auth::{Caller, UserJson};
use super::error::{ApiError, ApiResult};
use super::etag::json_with_etag;
use super::extract::{JsonBody, PathParam};

pub async fn categories(
    State(app): State<App>,
    _caller: Caller,
    headers: HeaderMap,
) -> ApiResult<Response> {
    json_with_etag(&headers, &app.service.categories().await?)
}

pub async fn priorities(
    State(app): State<App>,
    _caller: Caller,
    headers: HeaderMap,
) -> ApiResult<Response> {
    json_with_etag(&headers, &app.service.priorities().await?)
}

#[derive(Serialize)]
struct StatusJson {
    key: String,
    name: String,
    class: StatusClass,
    position: i64,
    /// Where a ticket may go from here, and who may move it.
    transitions: Vec<TransitionJson>,
}

#[derive(Serialize)]
struct TransitionJson {
    to: &'static str,
    who: &'static str,
}

pub async fn statuses(
    State(app): State<App>,
    _caller: Caller,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let statuses: Vec<StatusJson> = app
        .service
        .statuses()
        .await?
        .into_iter()
        .map(|s| StatusJson {
            transitions: workflow::RULES
                .iter()
                .filter(|r| r.from == s.key)
                .map(|r| TransitionJson {
                    to: r.to,
                    who: match r.who {
                        workflow::Who::Staff => "agent",
                        workflow::Who::Supervisor => "supervisor",
                        workflow::Who::StaffOrRequester => "agent_or_requester",
                    },
                })
                .collect(),
            key: s.key,
            name: s.name,
            class: s.class,
            position: s.position,
        })
        .collect();
    json_with_etag(&headers, &statuses)
}

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    email: String,
    name: String,
    role: Role,
    password: String,
}

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchUser {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    role: Option<Role>,
    #[serde(default)]
    active: Option<bool>,
    #[serde(default)]
    password: Option<String>,
}

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
        .patch_user(&caller.actor, id, patch, body.password.as_deref())
        .await?;
    Ok(axum::Json(UserJson::from(&user)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryBody {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    sla_hours: Option<f64>,
    #[serde(default)]
    requires_approval: bool,
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

pub async fn create_category(
    State(app): State<App>,
    caller: Caller,
    JsonBody(b): JsonBody<CategoryBody>,
) -> ApiResult<Response> {
    save_category(app, caller, 0, b, StatusCode::CREATED).await
}

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityBody {
    name: String,
    rank: i64,
    color: String,
    response_hours: f64,
    resolution_hours: f64,
}

pub async fn create_priority(
    State(app): State<App>,
    caller: Caller,
    JsonBody(b): JsonBody<PriorityBody>,
) -> ApiResult<Response> {
    save_priority(app, caller, 0, b, StatusCode::CREATED).await
}

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenameStatus {
    name: String,
}

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

pub async fn stats(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
) -> ApiResult<Response> {
    json_with_etag(&headers, &app.service.stats(&caller.actor).await?)
}
