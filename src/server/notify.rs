//! Webhook endpoints and the outbox over HTTP. Admins only, checked in the service.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::service::{DeliveryDetail, NewWebhook, WebhookPolicy};
use crate::store::outbox::{Delivery, Webhook};

use super::App;
use super::auth::Caller;
use super::error::{ApiResult, ErrorBody};
use super::extract::{JsonBody, Params, PathParam};

fn policy(app: &App) -> WebhookPolicy {
    WebhookPolicy {
        allow_private: app.options.webhooks_allow_private,
    }
}

/// Register a webhook
///
/// Desk POSTs each matching event, signed with the secret (`X-Desk-Signature:
/// sha256=<hex HMAC-SHA256 of "<X-Desk-Timestamp>.<body>">`). The secret is in this
/// answer only. Loopback and private addresses are refused unless the server allows
/// them. Admins only.
#[utoipa::path(
    post,
    operation_id = "create_webhook",
    path = "/api/v1/webhooks",
    tag = "notifications",
    security(("bearer" = [])),
    request_body = NewWebhook,
    responses(
        (status = 201, description = "The endpoint, with its secret (shown this once)", body = Webhook),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "Only admins manage webhooks", body = ErrorBody),
        (status = 413, description = "The body is over the size limit", body = ErrorBody),
        (status = 415, description = "The body is not `application/json`", body = ErrorBody),
        (status = 422, description = "A bad URL, an unknown event name or a short secret", body = ErrorBody),
    )
)]
pub async fn create_webhook(
    State(app): State<App>,
    caller: Caller,
    JsonBody(body): JsonBody<NewWebhook>,
) -> ApiResult<Response> {
    let hook = app
        .service
        .create_webhook(&caller.actor, body, policy(&app))
        .await?;
    Ok((StatusCode::CREATED, axum::Json(hook)).into_response())
}

/// List webhooks
///
/// Every endpoint, without secrets; `active` is false once a receiver answered 410.
/// Admins only.
#[utoipa::path(
    get,
    operation_id = "list_webhooks",
    path = "/api/v1/webhooks",
    tag = "notifications",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The endpoints", body = Vec<Webhook>),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "Only admins manage webhooks", body = ErrorBody),
    )
)]
pub async fn list_webhooks(
    State(app): State<App>,
    caller: Caller,
) -> ApiResult<axum::Json<Vec<Webhook>>> {
    Ok(axum::Json(app.service.webhooks(&caller.actor).await?))
}

/// Remove a webhook
///
/// Nothing more is sent to it; what was queued for it is given up. Admins only.
#[utoipa::path(
    delete,
    operation_id = "delete_webhook",
    path = "/api/v1/webhooks/{id}",
    tag = "notifications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The webhook's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "Only admins manage webhooks", body = ErrorBody),
        (status = 404, description = "No webhook with that id", body = ErrorBody),
    )
)]
pub async fn delete_webhook(
    State(app): State<App>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
) -> ApiResult<StatusCode> {
    app.service.delete_webhook(&caller.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Send a test request to a webhook
///
/// One signed `ping` POST now, outside the outbox; answers what the receiver did.
/// Admins only.
#[utoipa::path(
    post,
    operation_id = "test_webhook",
    path = "/api/v1/webhooks/{id}/test",
    tag = "notifications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The webhook's id")),
    responses(
        (status = 200, description = "`{delivered: bool, error?: string}`", body = Object),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "Only admins manage webhooks", body = ErrorBody),
        (status = 404, description = "No webhook with that id", body = ErrorBody),
    )
)]
pub async fn test_webhook(
    State(app): State<App>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let target = app.service.webhook_target(&caller.actor, id).await?;
    let options = crate::delivery::DeliveryOptions {
        allow_private: app.options.webhooks_allow_private,
        ..Default::default()
    };
    let sender = crate::delivery::webhook::Sender::new(&options).map_err(|e| {
        super::ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("cannot make an HTTP client: {e}"),
        )
    })?;
    let body = serde_json::json!({"event": "ping", "webhook": id}).to_string();
    let answer = match sender
        .post(&target.hook.url, &target.secret, 0, "ping", body.as_bytes())
        .await
    {
        Ok(()) => serde_json::json!({"delivered": true}),
        Err(
            crate::delivery::webhook::SendError::Retry(e)
            | crate::delivery::webhook::SendError::Gone(e),
        ) => serde_json::json!({"delivered": false, "error": e}),
    };
    Ok(axum::Json(answer))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesParams {
    /// Only `pending`, `delivered`, `failed` or `dead` ones.
    status: Option<String>,
    /// Only ids below this one: the last `id` of the previous page.
    before: Option<i64>,
    /// At most this many (default 50, at most 200).
    limit: Option<u32>,
}

/// List the outbox
///
/// Notifications desk made, newest first. Admins only.
#[utoipa::path(
    get,
    operation_id = "list_deliveries",
    path = "/api/v1/deliveries",
    tag = "notifications",
    security(("bearer" = [])),
    params(DeliveriesParams),
    responses(
        (status = 200, description = "Deliveries, newest first", body = Vec<Delivery>),
        (status = 400, description = "An unknown query parameter or a malformed one", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "Only admins see the outbox", body = ErrorBody),
        (status = 422, description = "An unknown status", body = ErrorBody),
    )
)]
pub async fn list_deliveries(
    State(app): State<App>,
    caller: Caller,
    Params(p): Params<DeliveriesParams>,
) -> ApiResult<axum::Json<Vec<Delivery>>> {
    let found = app
        .service
        .deliveries(&caller.actor, p.status.as_deref(), p.before, p.limit)
        .await?;
    Ok(axum::Json(found))
}

/// Show a delivery
///
/// One delivery and what it sends. Admins only.
#[utoipa::path(
    get,
    operation_id = "get_delivery",
    path = "/api/v1/deliveries/{id}",
    tag = "notifications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The delivery's id")),
    responses(
        (status = 200, description = "The delivery with its payload", body = DeliveryDetail),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "Only admins see the outbox", body = ErrorBody),
        (status = 404, description = "No delivery with that id", body = ErrorBody),
    )
)]
pub async fn get_delivery(
    State(app): State<App>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
) -> ApiResult<axum::Json<DeliveryDetail>> {
    let (delivery, payload) = app.service.delivery(&caller.actor, id).await?;
    Ok(axum::Json(DeliveryDetail { delivery, payload }))
}

/// Retry a delivery
///
/// Makes it due now, whatever it ended as (a dead one too). Admins only.
#[utoipa::path(
    post,
    operation_id = "retry_delivery",
    path = "/api/v1/deliveries/{id}/retry",
    tag = "notifications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The delivery's id")),
    responses(
        (status = 200, description = "The delivery, pending again", body = Delivery),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "Only admins retry deliveries", body = ErrorBody),
        (status = 404, description = "No delivery with that id", body = ErrorBody),
    )
)]
pub async fn retry_delivery(
    State(app): State<App>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
) -> ApiResult<axum::Json<Delivery>> {
    Ok(axum::Json(
        app.service.retry_delivery(&caller.actor, id).await?,
    ))
}

/// A ticket's notifications
///
/// What desk sent about one ticket (emails and webhooks), oldest first, for its
/// timeline. Staff only.
#[utoipa::path(
    get,
    operation_id = "ticket_deliveries",
    path = "/api/v1/tickets/{key}/deliveries",
    tag = "notifications",
    security(("bearer" = [])),
    params(("key" = String, Path, description = "The ticket's key, e.g. `TKT-42`")),
    responses(
        (status = 200, description = "Deliveries, oldest first", body = Vec<Delivery>),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "Customers do not see notifications", body = ErrorBody),
        (status = 404, description = "No such ticket", body = ErrorBody),
    )
)]
pub async fn ticket_deliveries(
    State(app): State<App>,
    caller: Caller,
    PathParam(key): PathParam<String>,
) -> ApiResult<axum::Json<Vec<Delivery>>> {
    Ok(axum::Json(
        app.service.ticket_deliveries(&caller.actor, &key).await?,
    ))
}
