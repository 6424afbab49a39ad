//! Seed 002's document upload: the request form posts its files here first
//! (`multipart/form-data`, files in the field `documents`), then files the request with
//! the answered entries as its `documents`. Each file is stored as an upload waiting for
//! its ticket (same limits and sniffing as every attachment); its `url` carries a secret
//! that only the uploader is told. The request filed next by the same caller with that
//! `url` in `documents` links the file to its ticket as a real attachment.
//!
//! Who may fetch a `url`: while the upload waits, only the caller who uploaded it (the
//! same token's account; on an anonymous surface, the secret alone, which only the
//! uploading browser was told); once linked, whoever may read the attachment on its
//! ticket. Uploads not linked within a day are deleted.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde_json::{Value, json};

use crate::server::attachments::{multipart_rejection, receive, serve};
use crate::service::ServiceError;

use super::{Answer, App, Rejection};

/// Where a document's `url` points, before the secret.
pub(super) const PATH: &str = "/api/uploads/service-documents";

fn fail(status: StatusCode, message: impl AsRef<str>) -> Rejection {
    Rejection::new(
        status,
        json!({ "success": false, "error": message.as_ref() }),
    )
}

fn api_fail(e: crate::server::ApiError) -> Rejection {
    fail(e.status, e.message)
}

/// The seed answers every fault of what the client sent with a 400, as its other calls do.
fn service_fail(e: ServiceError) -> Rejection {
    match e {
        ServiceError::Invalid(i) => fail(StatusCode::BAD_REQUEST, i.to_string()),
        other => api_fail(other.into()),
    }
}

pub(super) async fn upload(
    State(app): State<App>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Answer {
    let actor = super::service_requests::who_for(&app, &headers).await?;
    let mut multipart = multipart.map_err(|e| api_fail(multipart_rejection(e)))?;
    let limits = app.service.attachment_limits().clone();
    let got = receive(&mut multipart, limits.max_bytes, limits.max_per_comment)
        .await
        .map_err(api_fail)?;
    let staged = app
        .service
        .stage_uploads(&actor, got.uploads)
        .await
        .map_err(service_fail)?;
    let base = app.base_url.get().map_or("", String::as_str);
    let files: Vec<Value> = staged
        .iter()
        .map(|s| {
            json!({
                "name": s.attachment.name,
                "size": s.attachment.size,
                "type": s.attachment.media_type,
                "url": format!("{base}{PATH}/{}", s.secret),
            })
        })
        .collect();
    Ok(axum::Json(json!({ "success": true, "files": files })).into_response())
}

pub(super) async fn download(
    State(app): State<App>,
    headers: HeaderMap,
    Path(secret): Path<String>,
) -> Answer {
    let actor = super::service_requests::who_for(&app, &headers).await?;
    let (attachment, content) = match app.service.staged_upload(&actor, &secret).await {
        Ok(found) => found,
        Err(ServiceError::NotFound { .. }) => {
            return Err(fail(StatusCode::NOT_FOUND, "Document not found"));
        }
        Err(e) => return Err(service_fail(e)),
    };
    serve(&app.service, &attachment, content, &headers)
        .await
        .map_err(api_fail)
}

/// The secrets of this desk's upload `url`s among a request's `documents` (objects
/// with a `url`, or bare strings); links elsewhere are left as the metadata they are.
pub(super) fn secrets(documents: Option<&Value>) -> Vec<String> {
    let url_of = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(m) => m.get("url").and_then(Value::as_str).map(str::to_string),
        _ => None,
    };
    let entries: Vec<&Value> = match documents {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    };
    entries
        .into_iter()
        .filter_map(url_of)
        .filter_map(|url| {
            let rest = &url[url.find(PATH)? + PATH.len()..];
            let secret = rest.strip_prefix('/')?;
            let secret = secret.split(['?', '#', '/']).next().unwrap_or_default();
            (secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| secret.to_string())
        })
        .collect()
}
