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

use crate::domain::model::Event;
use crate::service::Actor;

use super::App;
use super::auth::Caller;
use super::error::{ApiError, ApiResult};
use super::etag::json_with_etag;
use super::extract::Params;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangesParams {
    #[serde(default)]
    after: i64,
    limit: Option<u32>,
}

pub async fn changes(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    Params(p): Params<ChangesParams>,
) -> ApiResult<Response> {
    let changes = app.service.changes(&caller.actor, p.after, p.limit).await?;
    json_with_etag(&headers, &changes)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamParams {
    after: Option<i64>,
}

/// How long a stream waits for a wake-up before looking anyway: writes made by another
/// process on the same database do not wake this one.
const FALLBACK_POLL: Duration = Duration::from_secs(5);

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackParams {
    #[serde(default)]
    email: String,
}

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
