//! Who is calling: a bearer token (or `X-API-Key`, which scripts and some seed clients
//! send) resolved by the service. Login, logout and `me`.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::domain::model::User;
use crate::domain::time;
use crate::service::Actor;

use super::App;
use super::error::{ApiError, ApiResult};
use super::extract::JsonBody;

/// An authenticated caller.
pub struct Caller {
    pub actor: Actor,
    pub token: String,
}

/// The token a request carries, if any.
pub fn bearer(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let (scheme, token) = v.trim().split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_string());
    }
    headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
}

impl FromRequestParts<App> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or_else(|| {
            ApiError::unauthenticated("sign in first: send `Authorization: Bearer <token>`")
        })?;
        let actor = app.service.authenticate(&token).await?;
        Ok(Caller { actor, token })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    email: String,
    password: String,
}

#[derive(Serialize)]
pub struct LoginAnswer {
    token: String,
    user: UserJson,
    #[serde(with = "time::rfc3339_opt")]
    expires_at: Option<time::Millis>,
}

/// A person as the API shows them.
#[derive(Serialize)]
pub struct UserJson {
    id: i64,
    email: String,
    name: String,
    role: crate::domain::model::Role,
    active: bool,
}

impl From<&User> for UserJson {
    fn from(u: &User) -> Self {
        UserJson {
            id: u.id,
            email: u.email.clone(),
            name: u.name.clone(),
            role: u.role,
            active: u.active,
        }
    }
}

pub async fn login(State(app): State<App>, JsonBody(body): JsonBody<Login>) -> ApiResult<Response> {
    let issued = app
        .service
        .login(&body.email, &body.password, app.options.token_ttl_hours)
        .await?;
    Ok(axum::Json(LoginAnswer {
        token: issued.token,
        user: UserJson::from(&issued.user),
        expires_at: issued.expires_at,
    })
    .into_response())
}

pub async fn logout(State(app): State<App>, caller: Caller) -> ApiResult<StatusCode> {
    app.service.logout(&caller.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(caller: Caller) -> ApiResult<Response> {
    match &caller.actor {
        Actor::User(u) => Ok(axum::Json(UserJson::from(u)).into_response()),
        Actor::Contact { .. } => Err(ApiError::unauthenticated("no account")),
    }
}
