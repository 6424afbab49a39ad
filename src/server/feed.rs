//! The change feed (`/changes`, for pollers) and live push (`/events/stream`,
//! server-sent events). Both read the same events through the same filter, so a stream
//! and a poll never disagree about what a caller may see.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::domain::model::Event;
use crate::domain::requests::Changes;
use crate::service::{Actor, PublicTicket};

use super::App;
use super::auth::Caller;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::etag::json_with_etag;
use super::extract::Params;
use crate::wire::FeedHead;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesParams {
    /// Events after this sequence number: the `last_seq` of the previous answer (0, the
    /// default, or less, is from the beginning).
    #[serde(default)]
    after: i64,
    /// At most this many events (default and most 1000).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
}

/// The most events one `/changes` answer holds, as its `limit` parameter says.
const CHANGES_LIMIT_MAX: u32 = 1000;

/// Poll the change feed
///
/// The audit trail's events after `after`, oldest first, as this caller may see them:
/// staff see every event, customers only the public events of their own tickets. Any
/// signed-in caller. Ask again with `after = last_seq`; `has_more` says whether to ask
/// at once.
#[utoipa::path(
    get,
    operation_id = "list_changes",
    path = "/api/v1/changes",
    tag = "feed",
    security(("bearer" = [])),
    params(
        ChangesParams,
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "An ETag from an earlier answer: 304 if nothing changed"),
    ),
    responses(
        (status = 200, description = "A slice of the feed", body = Changes,
            headers(("ETag" = String, description = "Strong ETag of this answer"))),
        (status = 304, description = "Unchanged since the `If-None-Match` ETag",
            headers(("ETag" = String, description = "Strong ETag of this answer"))),
        (status = 400, description = "An unknown query parameter or a malformed one", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
    )
)]
pub async fn changes(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    Params(p): Params<ChangesParams>,
) -> ApiResult<Response> {
    if let Some(limit) = p.limit.filter(|l| !(1..=CHANGES_LIMIT_MAX).contains(l)) {
        return Err(super::error::ApiError::bad_request(format!(
            "limit must be 1 to {CHANGES_LIMIT_MAX}, not {limit}"
        )));
    }
    let changes = app.service.changes(&caller.actor, p.after, p.limit).await?;
    json_with_etag(&headers, &changes)
}

/// Where the feed ends now
///
/// The newest event's sequence number, so a new follower (the TUI after loading its
/// first page) can poll only for what changes from then on instead of reading the whole
/// history. Any signed-in caller.
#[utoipa::path(
    get,
    operation_id = "feed_head",
    path = "/api/v1/changes/head",
    tag = "feed",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The newest sequence number", body = FeedHead),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
    )
)]
pub async fn head(State(app): State<App>, caller: Caller) -> ApiResult<axum::Json<FeedHead>> {
    let last_seq = app.service.feed_head(&caller.actor).await?;
    Ok(axum::Json(FeedHead { last_seq }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StreamParams {
    /// Start after this sequence number (`Last-Event-ID` wins when both are given);
    /// without either, the stream starts from now.
    after: Option<i64>,
}

/// One server-sent event as the stream frames it (the OpenAPI document's description of
/// `text/event-stream`; the server writes the frames, not this type).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct StreamEvent {
    /// The event's sequence number.
    #[schema(pattern = "^[0-9]+$")]
    id: String,
    /// Its kind, e.g. `status_changed`.
    event: String,
    /// The event as JSON, the same shape as in `GET /changes`.
    data: String,
}

/// How long a stream waits for a wake-up before looking anyway: on SQLite, writes made
/// by another process on the same file do not wake this one (on PostgreSQL they do,
/// through LISTEN/NOTIFY, and this only covers a lost notification connection).
const FALLBACK_POLL: Duration = Duration::from_secs(5);

/// Follow live events
///
/// The change feed pushed as server-sent events: each event has `id` (its sequence
/// number), `event` (its kind, e.g. `status_changed`) and `data` (the event as JSON, the
/// same shape as in `GET /changes`). Filtered like the feed. Reconnect with
/// `Last-Event-ID` to resume; the stream ends when the token is revoked or the server
/// shuts down. Any signed-in caller.
#[utoipa::path(
    get,
    operation_id = "stream_events",
    path = "/api/v1/events/stream",
    tag = "feed",
    security(("bearer" = [])),
    params(
        StreamParams,
        ("Last-Event-ID" = Option<i64>, Header, nullable = false, description = "Resume after this sequence number"),
    ),
    responses(
        (status = 200, description = "An endless `text/event-stream`; each `data` line is an Event as JSON",
            content_type = "text/event-stream", body = StreamEvent),
        (status = 400, description = "`Last-Event-ID` is not a sequence number, or a malformed query parameter", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
    )
)]
pub async fn stream(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    Params(p): Params<StreamParams>,
) -> ApiResult<Response> {
    // Resume after the last event the client saw, else start from now.
    let resume = headers
        .get("last-event-id")
        .map(|v| {
            let v = v.to_str().unwrap_or_default();
            v.trim().parse::<i64>().map_err(|_| {
                ApiError::bad_request("Last-Event-ID must be an event sequence number")
            })
        })
        .transpose()?;
    let after = match resume.or(p.after) {
        Some(seq) => seq,
        None => app.service.last_seq().await?,
    };
    let events = follow(app, caller.token, after);
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

struct Follow {
    app: App,
    /// Checked again before every read: a revoked token or a deactivated account
    /// ends the stream.
    token: String,
    after: i64,
    buffer: VecDeque<Event>,
    wake: tokio::sync::watch::Receiver<u64>,
    closing: tokio::sync::watch::Receiver<bool>,
}

fn follow(app: App, token: String, after: i64) -> impl Stream<Item = Result<SseEvent, Infallible>> {
    let wake = app.service.store().subscribe();
    let closing = app.closing();
    let state = Follow {
        app,
        token,
        after,
        buffer: VecDeque::new(),
        wake,
        closing,
    };
    futures_util::stream::unfold(state, |mut s| async move {
        loop {
            if let Some(event) = s.buffer.pop_front() {
                let data = serde_json::to_string(&event).unwrap_or_else(|_| "{}".into());
                let sse = SseEvent::default()
                    .id(event.seq.to_string())
                    .event(event.kind.as_str())
                    .data(data);
                return Some((Ok(sse), s));
            }
            // Mark the wake-up as seen before reading, so a write that lands while we
            // read wakes us again instead of being missed.
            s.wake.borrow_and_update();
            if *s.closing.borrow() {
                return None;
            }
            let actor: Actor = match s.app.service.authenticate(&s.token).await {
                Ok(actor) => actor,
                Err(crate::service::ServiceError::Unauthenticated(_)) => return None,
                Err(e) => {
                    tracing::warn!(error = %e, "event stream cannot check its token; retrying");
                    let _ = tokio::time::timeout(FALLBACK_POLL, s.closing.changed()).await;
                    continue;
                }
            };
            match s.app.service.changes(&actor, s.after, None).await {
                Ok(changes) => {
                    // Checked again after the read: a token revoked while we read must
                    // not see what was written after its revocation.
                    if changes.events.is_empty() {
                        s.after = changes.last_seq.max(s.after);
                    } else if s.app.service.authenticate(&s.token).await.is_err() {
                        return None;
                    } else {
                        s.after = changes.last_seq.max(s.after);
                        s.buffer.extend(changes.events);
                        continue;
                    }
                }
                // A revoked token or a deactivated account ends the stream.
                Err(crate::service::ServiceError::Forbidden(_))
                | Err(crate::service::ServiceError::Unauthenticated(_)) => return None,
                Err(e) => tracing::warn!(error = %e, "event stream read failed; retrying"),
            }
            tokio::select! {
                _ = tokio::time::timeout(FALLBACK_POLL, s.wake.changed()) => {}
                _ = s.closing.changed() => return None,
            }
        }
    })
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TrackParams {
    /// The email the ticket was filed with.
    #[serde(default)]
    #[param(required = true)]
    email: String,
}

/// Track a ticket without an account
///
/// The public face of one ticket (status, public replies, a timeline without internal
/// events or staff emails) for whoever knows its key and the requester's email. No token
/// needed. An unknown key and a wrong email get the same 404, so neither can be probed.
/// Rate limited per client address.
#[utoipa::path(
    get,
    operation_id = "track_ticket",
    path = "/api/v1/track/{key}",
    tag = "tracking",
    params(
        ("key" = String, Path, description = "The ticket's key, e.g. `TKT-42`"),
        TrackParams,
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "An ETag from an earlier answer: 304 if nothing changed"),
    ),
    responses(
        (status = 200, description = "The ticket as its requester sees it", body = PublicTicket,
            headers(("ETag" = String, description = "Strong ETag of this answer"))),
        (status = 304, description = "Unchanged since the `If-None-Match` ETag",
            headers(("ETag" = String, description = "Strong ETag of this answer"))),
        (status = 400, description = "An unknown query parameter or a malformed one", body = ErrorBody),
        (status = 404, description = "No ticket with that key for that email", body = ErrorBody),
        (status = 429, description = "Too many lookups from this address; see `Retry-After`", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn track(
    State(app): State<App>,
    headers: HeaderMap,
    super::extract::PathParam(key): super::extract::PathParam<String>,
    Params(p): Params<TrackParams>,
) -> ApiResult<Response> {
    let view = app
        .service
        .track(&key, &p.email, app.options.show_assignee)
        .await?;
    json_with_etag(&headers, &view)
}
