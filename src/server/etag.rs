//! Strong ETags over the exact bytes of a JSON answer, and conditional requests.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::error::{ApiError, ApiResult};

/// Serialises `value`; answers 304 with no body when the caller already has these
/// bytes, else 200 with the body and its ETag.
pub fn json_with_etag<T: Serialize>(headers: &HeaderMap, value: &T) -> ApiResult<Response> {
    json_with_etag_status(headers, StatusCode::OK, value)
}

pub fn json_with_etag_status<T: Serialize>(
    headers: &HeaderMap,
    status: StatusCode,
    value: &T,
) -> ApiResult<Response> {
    let body = serde_json::to_vec(value)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    let digest = Sha256::digest(&body);
    let tag: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    let etag = format!("\"{tag}\"");
    let etag_value = HeaderValue::from_str(&etag)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    if status == StatusCode::OK && if_none_match(headers, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value)]).into_response());
    }
    Ok((
        status,
        [
            (header::ETAG, etag_value),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
        ],
        body,
    )
        .into_response())
}

fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|candidate| candidate == etag || candidate == "*")
}

/// The version a write is based on, from `If-Match: 7` (quotes and `W/` tolerated).
pub fn if_match_version(headers: &HeaderMap) -> ApiResult<Option<i64>> {
    let Some(raw) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = raw.to_str().unwrap_or_default().trim();
    let text = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
    text.parse::<i64>().map(Some).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_if_match",
            format!("If-Match must be the ticket version you based the change on (a number), not `{text}`"),
        )
    })
}
