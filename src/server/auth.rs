//! Who is calling: a bearer token (or `X-API-Key`, which scripts and some seed clients
//! send) resolved by the service. Login, logout and `me`.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::service::Actor;

use super::App;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::JsonBody;
use crate::wire::{Login, LoginAnswer, UserJson};

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

/// Sign in
///
/// Exchanges an email and password for a bearer token. Anyone may call it; a wrong email
/// and a wrong password get the same answer. Rate limited per client address.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    request_body = Login,
    responses(
        (status = 200, description = "Signed in", body = LoginAnswer),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "Wrong email or password, or the account is deactivated", body = ErrorBody),
        (status = 413, description = "The body is over the size limit", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "A field is missing, unknown or of the wrong type", body = ErrorBody),
        (status = 429, description = "Too many attempts from this address; see `Retry-After`", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
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

/// Sign out
///
/// Revokes the token the request carries. Any signed-in caller; signing out twice is not
/// an error, but the second call no longer authenticates and gets 401.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The token is revoked"),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
    )
)]
pub async fn logout(State(app): State<App>, caller: Caller) -> ApiResult<StatusCode> {
    app.service.logout(&caller.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who am I
///
/// The account the token belongs to. Any signed-in caller.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's account", body = UserJson),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
    )
)]
pub async fn me(caller: Caller) -> ApiResult<Response> {
    match &caller.actor {
        Actor::User(u) => Ok(axum::Json(UserJson::from(u)).into_response()),
        Actor::Contact { .. } => Err(ApiError::unauthenticated("no account")),
    }
}
