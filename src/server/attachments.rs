//! `/api/v1/tickets/{key}/attachments` (upload) and `/api/v1/attachments/{id}`
//! (download). Uploads stream into spools; downloads stream chunk by chunk, so neither
//! holds a file in memory. Every rule is the service's.

use axum::body::Body;
use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

use crate::domain::attachment::{Attached, Attachment, CHUNK};
use crate::domain::model::Visibility;
use crate::service::{Content, Service, ServiceError, Spool, Upload};

use super::App;
use super::auth::Caller;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::etag::if_match_version;
use super::extract::PathParam;

/// The most a text part (`body`, `visibility`) may hold.
const TEXT_MAX: usize = 256 * 1024;

/// What a multipart upload carried.
pub struct Received {
    pub uploads: Vec<Upload>,
    pub text: Vec<(String, String)>,
}

impl Received {
    pub fn text(&self, name: &str) -> Option<&str> {
        self.text
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn multipart_error(e: MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", e.body_text());
    }
    ApiError::bad_request(format!(
        "the multipart body is malformed or cut off: {}",
        e.body_text()
    ))
}

pub fn multipart_rejection(e: MultipartRejection) -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        format!("send the files as multipart/form-data: {}", e.body_text()),
    )
}

/// Reads every part: parts with a file name are spooled (each refused past `max` bytes
/// and counted against `max_files`), the others kept as text. A refusal reads the rest of
/// the body first, so the client gets the answer rather than a reset connection.
pub async fn receive(
    multipart: &mut Multipart,
    max: u64,
    max_files: usize,
) -> Result<Received, ApiError> {
    let mut got = Received {
        uploads: Vec::new(),
        text: Vec::new(),
    };
    let outcome = async {
        while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
            let name = field.name().unwrap_or_default().to_string();
            match field.file_name().map(str::to_string) {
                Some(file_name) => {
                    if got.uploads.len() >= max_files {
                        return Err(ApiError::from(ServiceError::TooLarge(format!(
                            "more than {max_files} files in one upload; the limit is {max_files} per comment"
                        ))));
                    }
                    let upload = spool(field, &file_name, max).await?;
                    // A browser's file input left empty still sends a part: no name and
                    // no bytes. That is no file, not an empty one.
                    if file_name.is_empty() && upload.size == 0 {
                        continue;
                    }
                    got.uploads.push(upload);
                }
                None => got.text.push((name, text(field).await?)),
            }
        }
        Ok(())
    }
    .await;
    match outcome {
        Ok(()) => Ok(got),
        Err(e) => {
            drain(multipart).await;
            Err(e)
        }
    }
}

async fn spool(mut field: Field<'_>, name: &str, max: u64) -> Result<Upload, ApiError> {
    let mut spool = Spool::new(name, max).await?;
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        spool.write(&chunk).await?;
    }
    Ok(spool.finish().await?)
}

async fn text(mut field: Field<'_>) -> Result<String, ApiError> {
    let name = field.name().unwrap_or_default().to_string();
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if bytes.len() + chunk.len() > TEXT_MAX {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the `{name}` part is over {TEXT_MAX} bytes"),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes)
        .map_err(|_| ApiError::bad_request(format!("the `{name}` part is not UTF-8 text")))
}

/// Reads and drops what is left of the body (bounded by the upload body limit).
async fn drain(multipart: &mut Multipart) {
    while let Ok(Some(mut field)) = multipart.next_field().await {
        while let Ok(Some(_)) = field.chunk().await {}
    }
}

/// Attach files
///
/// `multipart/form-data` with one or more file parts (any part name; each needs a
/// filename) and, optionally, `body` (a comment to write with them) and `visibility`
/// (`public`, the default, or `internal` for staff). One change, one event. Media types
/// are sniffed from the content; the client's `Content-Type` of a part is ignored.
/// Limits: `[attachments] max_bytes` per file, `max_per_comment` files.
#[utoipa::path(
    post,
    operation_id = "attach_files",
    path = "/api/v1/tickets/{key}/attachments",
    tag = "tickets",
    security(("bearer" = [])),
    params(
        ("key" = String, Path, description = "The ticket's key, e.g. `TKT-42`"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The ticket `version` this change is based on: 412 if it has moved on since"),
    ),
    request_body(content_type = "multipart/form-data", description = "File parts, plus optional `body` and `visibility` text parts"),
    responses(
        (status = 201, description = "The files, and the comment when a body came with them", body = Attached),
        (status = 400, description = "A malformed or cut-off multipart body, or a bad `visibility`", body = ErrorBody),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "A customer attaching internal files", body = ErrorBody),
        (status = 404, description = "No such ticket, or the caller may not see it", body = ErrorBody),
        (status = 412, description = "`If-Match` is stale", body = ErrorBody),
        (status = 413, description = "A file over `max_bytes` or too many files; the message names the limit. Nothing is stored", body = ErrorBody),
        (status = 415, description = "Not multipart, or a file of a media type this desk refuses", body = ErrorBody),
        (status = 422, description = "No file, or an empty (0-byte) one", body = ErrorBody),
    )
)]
pub async fn upload(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    PathParam(key): PathParam<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Response> {
    let version = if_match_version(&headers)?;
    let mut multipart = multipart.map_err(multipart_rejection)?;
    let limits = app.service.attachment_limits().clone();
    let got = receive(&mut multipart, limits.max_bytes, limits.max_per_comment).await?;
    let visibility = match got.text("visibility").map(str::trim) {
        None | Some("") => Visibility::Public,
        Some(v) => Visibility::parse(v).ok_or_else(|| {
            ApiError::bad_request(format!("visibility `{v}` is not `public` or `internal`"))
                .field("visibility")
        })?,
    };
    let body = got.text("body").map(str::to_string);
    let (ticket, comment, attachments) = app
        .service
        .attach(
            &caller.actor,
            &key,
            got.uploads,
            body.as_deref(),
            visibility,
            version,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(Attached {
            ticket,
            comment,
            attachments,
        }),
    )
        .into_response())
}

/// List a ticket's attachments
///
/// Oldest first; customers see only public ones, on their own tickets.
#[utoipa::path(
    get,
    operation_id = "list_attachments",
    path = "/api/v1/tickets/{key}/attachments",
    tag = "tickets",
    security(("bearer" = [])),
    params(("key" = String, Path, description = "The ticket's key, e.g. `TKT-42`")),
    responses(
        (status = 200, description = "The attachments", body = Vec<Attachment>),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 404, description = "No such ticket, or the caller may not see it", body = ErrorBody),
    )
)]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    PathParam(key): PathParam<String>,
) -> ApiResult<Response> {
    let found = app.service.attachments(&caller.actor, &key).await?;
    Ok(axum::Json(found).into_response())
}

/// Remove an attachment
///
/// Admins only, for data-protection requests: the content is deleted for good; the
/// ticket keeps an `attachment_removed` event naming the file.
#[utoipa::path(
    delete,
    operation_id = "remove_attachment",
    path = "/api/v1/attachments/{id}",
    tag = "tickets",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The attachment's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such attachment, or the caller may not see it", body = ErrorBody),
    )
)]
pub async fn remove(
    State(app): State<App>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Response> {
    app.service.remove_attachment(&caller.actor, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Download an attachment
///
/// The content, streamed, as a download (`Content-Disposition: attachment`, `nosniff`,
/// a CSP that runs nothing). One `Range: bytes=…` is honoured (206). Same rule as the
/// comment it came with: customers never reach internal files (404).
#[utoipa::path(
    get,
    operation_id = "download_attachment",
    path = "/api/v1/attachments/{id}",
    tag = "tickets",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "The attachment's id"),
        ("Range" = Option<String>, Header, nullable = false, description = "One byte range, e.g. `bytes=0-1023`"),
    ),
    responses(
        (status = 200, description = "The whole file", content_type = "application/octet-stream"),
        (status = 206, description = "The range asked for", content_type = "application/octet-stream"),
        (status = 401, description = "No token, or it is invalid, expired or revoked", body = ErrorBody),
        (status = 404, description = "No such attachment, or the caller may not see it", body = ErrorBody),
        (status = 416, description = "The range is outside the file", body = ErrorBody),
    )
)]
pub async fn download(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Response> {
    let (attachment, content) = app.service.attachment(&caller.actor, id).await?;
    serve(&app.service, &attachment, content, &headers).await
}

/// The answer for one attachment's content (also used by the customer pages).
pub async fn serve(
    service: &Service,
    attachment: &Attachment,
    content: Content,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let size = attachment.size.max(0) as u64;
    let range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        None => None,
        Some(raw) => match parse_range(raw, size) {
            RangeAsk::Ignore => None,
            RangeAsk::Range(start, end) => Some((start, end)),
            RangeAsk::Unsatisfiable => {
                let mut response = ApiError::new(
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    "range_not_satisfiable",
                    format!("the range `{raw}` is outside the file ({size} bytes)"),
                )
                .into_response();
                if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                    response.headers_mut().insert(header::CONTENT_RANGE, v);
                }
                return Ok(response);
            }
        },
    };
    let (start, end) = range.unwrap_or((0, size.saturating_sub(1)));
    let len = if size == 0 { 0 } else { end - start + 1 };
    let body = match content {
        Content::Database { sha256 } => {
            Body::from_stream(db_stream(service.clone(), sha256, start, len))
        }
        Content::File(path) => {
            use tokio::io::{AsyncReadExt, AsyncSeekExt};
            let mut file = tokio::fs::File::open(&path).await.map_err(|e| {
                ServiceError::Store(crate::store::StoreError::Corrupt(format!(
                    "attachment {} content {}: {e}",
                    attachment.id,
                    path.display()
                )))
            })?;
            file.seek(std::io::SeekFrom::Start(start))
                .await
                .map_err(|e| {
                    ServiceError::Store(crate::store::StoreError::Corrupt(e.to_string()))
                })?;
            Body::from_stream(tokio_util::io::ReaderStream::with_capacity(
                file.take(len),
                CHUNK,
            ))
        }
    };
    let mut response = Response::new(body);
    *response.status_mut() = if range.is_some() {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let h = response.headers_mut();
    let put = |h: &mut HeaderMap, name: header::HeaderName, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    };
    put(h, header::CONTENT_TYPE, attachment.media_type.clone());
    put(h, header::CONTENT_LENGTH, len.to_string());
    put(
        h,
        header::CONTENT_DISPOSITION,
        disposition(&attachment.name),
    );
    put(h, header::ETAG, format!("\"{}\"", attachment.sha256));
    if range.is_some() {
        put(
            h,
            header::CONTENT_RANGE,
            format!("bytes {start}-{end}/{size}"),
        );
    }
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    Ok(response)
}

/// Content from the database, one chunk per read: `len` bytes from `start`.
fn db_stream(
    service: Service,
    sha256: String,
    start: u64,
    len: u64,
) -> impl futures_util::Stream<Item = Result<bytes_like::Bytes, std::io::Error>> + Send {
    let chunk = CHUNK as u64;
    let first = start / chunk;
    let skip = (start % chunk) as usize;
    futures_util::stream::unfold((first as i64, skip, len), move |(n, skip, left)| {
        let service = service.clone();
        let sha256 = sha256.clone();
        async move {
            if left == 0 {
                return None;
            }
            let data = match service.attachment_chunk(&sha256, n).await {
                Ok(Some(data)) => data,
                Ok(None) => {
                    return Some((
                        Err(std::io::Error::other(format!(
                            "chunk {n} of {sha256} is missing"
                        ))),
                        (n, 0, 0),
                    ));
                }
                Err(e) => return Some((Err(std::io::Error::other(e.to_string())), (n, 0, 0))),
            };
            let from = skip.min(data.len());
            let take = ((data.len() - from) as u64).min(left) as usize;
            let piece = bytes_like::Bytes::from(data).slice(from..from + take);
            Some((Ok(piece), (n + 1, 0, left - take as u64)))
        }
    })
    .boxed()
}

mod bytes_like {
    pub use axum::body::Bytes;
}

enum RangeAsk {
    Ignore,
    Range(u64, u64),
    Unsatisfiable,
}

/// One `bytes=` range (several, or another unit, are answered with the whole file, as
/// RFC 9110 allows).
fn parse_range(raw: &str, size: u64) -> RangeAsk {
    let Some(spec) = raw.trim().strip_prefix("bytes=") else {
        return RangeAsk::Ignore;
    };
    if spec.contains(',') {
        return RangeAsk::Ignore;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return RangeAsk::Ignore;
    };
    let (a, b) = (a.trim(), b.trim());
    let parsed = match (a.is_empty(), b.is_empty()) {
        (true, true) => return RangeAsk::Ignore,
        (true, false) => match b.parse::<u64>() {
            Ok(0) => return RangeAsk::Unsatisfiable,
            Ok(n) => (size.saturating_sub(n), size.saturating_sub(1)),
            Err(_) => return RangeAsk::Ignore,
        },
        (false, _) => {
            let Ok(start) = a.parse::<u64>() else {
                return RangeAsk::Ignore;
            };
            let end = if b.is_empty() {
                size.saturating_sub(1)
            } else {
                match b.parse::<u64>() {
                    Ok(end) if end >= start => end.min(size.saturating_sub(1)),
                    _ => return RangeAsk::Ignore,
                }
            };
            (start, end)
        }
    };
    if size == 0 || parsed.0 >= size {
        return RangeAsk::Unsatisfiable;
    }
    RangeAsk::Range(parsed.0, parsed.1)
}

/// `attachment` with an ASCII fallback name and the exact one in RFC 5987 form.
fn disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert!(matches!(
            parse_range("bytes=0-9", 100),
            RangeAsk::Range(0, 9)
        ));
        assert!(matches!(
            parse_range("bytes=90-", 100),
            RangeAsk::Range(90, 99)
        ));
        assert!(matches!(
            parse_range("bytes=-10", 100),
            RangeAsk::Range(90, 99)
        ));
        assert!(matches!(
            parse_range("bytes=50-500", 100),
            RangeAsk::Range(50, 99)
        ));
        assert!(matches!(
            parse_range("bytes=100-", 100),
            RangeAsk::Unsatisfiable
        ));
        assert!(matches!(
            parse_range("bytes=0-1,5-6", 100),
            RangeAsk::Ignore
        ));
        assert!(matches!(parse_range("items=0-1", 100), RangeAsk::Ignore));
    }

    #[test]
    fn disposition_quotes_nothing_dangerous() {
        assert_eq!(
            disposition("a \"b\".png"),
            "attachment; filename=\"a _b_.png\"; filename*=UTF-8''a%20%22b%22.png"
        );
    }
}
