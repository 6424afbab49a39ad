//! A desk on a server: the same operations as [`super::LocalDesk`], over `desk serve`'s
//! HTTP API. Errors come back as the same [`DeskError`]s, so front ends cannot tell the
//! two apart except by [`DeskInfo::online`].

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;

use crate::domain::model::{Category, Comment, Priority, Status, Ticket, User, Visibility};
use crate::domain::requests::{
    Changes, NewTicket, Series, Stats, TicketEdit, TicketList, TicketView,
};
use crate::wire::{
    AllowedTransitions, Assignment, Decision, ErrorBody, FeedHead, Login, LoginAnswer, NewComment,
    TicketCount, Transition,
};

use super::sse::Parser;
use super::{Desk, DeskError, DeskInfo, DeskResult, Downloaded};
use crate::domain::attachment::{Attached, Attachment};

#[derive(Clone)]
pub struct RemoteDesk {
    http: reqwest::Client,
    /// `http://host:port`, without a trailing slash.
    base: String,
    token: String,
    /// Who the token belongs to, as the server last said (`/me`).
    user: Arc<Mutex<User>>,
    /// The last change-feed answer and its ETag: a poll that finds nothing new is
    /// answered 304 with no body.
    last_changes: Arc<Mutex<Option<CachedChanges>>>,
}

struct CachedChanges {
    after: i64,
    limit: Option<u32>,
    etag: String,
    changes: Changes,
}

fn client() -> DeskResult<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("desk/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| DeskError::Internal(format!("cannot build an HTTP client: {e}")))
}

fn unreachable(base: &str, e: &reqwest::Error) -> DeskError {
    DeskError::Unavailable(format!("cannot reach {base}: {e}"))
}

impl RemoteDesk {
    /// Connects with a token (from `desk login` or `DESK_TOKEN`) and learns who it
    /// belongs to.
    pub async fn connect(base: &str, token: &str) -> DeskResult<RemoteDesk> {
        let desk = RemoteDesk::unverified(base, token, None)?;
        desk.me().await?;
        Ok(desk)
    }

    /// A desk not asked yet who `token` belongs to (the server may be down): it acts as
    /// `user` (who it belonged to last time, else an unknown customer) until [`Desk::me`]
    /// gets an answer.
    pub fn unverified(base: &str, token: &str, user: Option<User>) -> DeskResult<RemoteDesk> {
        let user = user.unwrap_or(User {
            id: 0,
            email: String::new(),
            name: String::new(),
            role: crate::domain::model::Role::Customer,
            active: true,
            created_at: 0,
        });
        Ok(RemoteDesk {
            http: client()?,
            base: base.trim_end_matches('/').to_string(),
            token: token.to_string(),
            last_changes: Arc::default(),
            user: Arc::new(Mutex::new(user)),
        })
    }

    fn user(&self) -> User {
        match self.user.lock() {
            Ok(user) => user.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Signs in with an email and password; returns the new token.
    pub async fn login(base: &str, email: &str, password: &str) -> DeskResult<String> {
        let base = base.trim_end_matches('/');
        let response = client()?
            .post(format!("{base}/api/v1/auth/login"))
            .json(&Login {
                email: email.to_string(),
                password: password.to_string(),
            })
            .send()
            .await
            .map_err(|e| unreachable(base, &e))?;
        let answer: LoginAnswer = decode(base, response).await?;
        Ok(answer.token)
    }

    /// Revokes this desk's token on the server.
    pub async fn logout(&self) -> DeskResult<()> {
        let response = self
            .request(Method::POST, "/auth/logout")
            .send()
            .await
            .map_err(|e| unreachable(&self.base, &e))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(error_of(response).await)
        }
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token)
    }

    fn with_version(builder: RequestBuilder, expected_version: Option<i64>) -> RequestBuilder {
        match expected_version {
            Some(v) => builder.header(reqwest::header::IF_MATCH, v.to_string()),
            None => builder,
        }
    }

    fn cached_changes(&self, after: i64, limit: Option<u32>) -> Option<(String, Changes)> {
        let cache = self.last_changes.lock().ok()?;
        cache
            .as_ref()
            .filter(|c| c.after == after && c.limit == limit)
            .map(|c| (c.etag.clone(), c.changes.clone()))
    }

    async fn send<T: DeserializeOwned>(&self, builder: RequestBuilder) -> DeskResult<T> {
        let response = builder
            .send()
            .await
            .map_err(|e| unreachable(&self.base, &e))?;
        decode(&self.base, response).await
    }
}

/// The exact name in a `Content-Disposition` (`filename*=UTF-8''…`), else the plain one.
fn disposition_name(value: &str) -> Option<String> {
    if let Some(encoded) = value
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("filename*=UTF-8''"))
    {
        let bytes = encoded.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%'
                && let Some(hex) = encoded.get(i + 1..i + 3)
                && let Ok(b) = u8::from_str_radix(hex, 16)
            {
                out.push(b);
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        return String::from_utf8(out).ok();
    }
    value
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("filename="))
        .map(|n| n.trim_matches('"').to_string())
}

fn key_path(key: &str, rest: &str) -> String {
    // Keys are letters, digits and a dash; anything else is the server's to refuse.
    let key: String = key
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("/tickets/{key}{rest}")
}

async fn decode<T: DeserializeOwned>(base: &str, response: reqwest::Response) -> DeskResult<T> {
    if !response.status().is_success() {
        return Err(error_of(response).await);
    }
    response.json::<T>().await.map_err(|e| {
        DeskError::Internal(format!("{base} answered something desk cannot read: {e}"))
    })
}

/// The server's error as a [`DeskError`] of the same kind a local desk gives.
async fn error_of(response: reqwest::Response) -> DeskError {
    let status = response.status();
    let body: Option<ErrorBody> = response.json().await.ok();
    let (code, message, field, current) = match body {
        Some(b) => (b.error.code, b.error.message, b.error.field, b.current),
        None => (
            String::new(),
            format!("the server answered {status}"),
            None,
            None,
        ),
    };
    match status {
        StatusCode::UNAUTHORIZED => DeskError::Unauthenticated(message),
        StatusCode::FORBIDDEN => DeskError::Forbidden(message),
        StatusCode::NOT_FOUND => DeskError::NotFound(message),
        StatusCode::PRECONDITION_FAILED => DeskError::Conflict { message, current },
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => {
            DeskError::Unavailable(message)
        }
        s if s.is_client_error() => DeskError::Invalid {
            field: field.or((!code.is_empty()).then_some(code)),
            message,
        },
        _ => DeskError::Internal(message),
    }
}

#[async_trait]
impl Desk for RemoteDesk {
    fn watch(&self) -> Option<super::Watch> {
        use futures_util::StreamExt;
        // The stream lives long: no overall timeout, but a read timeout well past the
        // server's 15 s keep-alive notices a dead connection.
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .read_timeout(Duration::from_secs(45))
            .user_agent(concat!("desk/", env!("CARGO_PKG_VERSION")))
            .build()
            .ok()?;
        let base = self.base.clone();
        let request = http
            .get(format!("{base}/api/v1/events/stream"))
            .bearer_auth(&self.token)
            .header(reqwest::header::ACCEPT, "text/event-stream");
        let connect = async move {
            let response = request.send().await.map_err(|e| unreachable(&base, &e))?;
            if !response.status().is_success() {
                return Err(error_of(response).await);
            }
            Ok::<_, DeskError>((response.bytes_stream(), base))
        };
        let stream = futures_util::stream::once(connect)
            .map(|connected| match connected {
                // Connected: say so at once (a refresh then catches up on anything
                // missed while disconnected).
                Ok((bytes, base)) => futures_util::stream::once(async { Ok(()) })
                    .chain(futures_util::stream::unfold(
                        (bytes, base, Parser::new(), 0usize),
                        |(mut bytes, base, mut parser, mut ready)| async move {
                            loop {
                                // Each message says "something changed"; what changed
                                // is read from the change feed.
                                if ready > 0 {
                                    ready -= 1;
                                    return Some((Ok(()), (bytes, base, parser, ready)));
                                }
                                match bytes.next().await {
                                    Some(Ok(chunk)) => ready += parser.push(&chunk).len(),
                                    Some(Err(e)) => {
                                        let err = unreachable(&base, &e);
                                        return Some((Err(err), (bytes, base, parser, 0)));
                                    }
                                    None => return None,
                                }
                            }
                        },
                    ))
                    .boxed(),
                Err(e) => futures_util::stream::once(async move { Err(e) }).boxed(),
            })
            .flatten();
        Some(stream.boxed())
    }

    fn info(&self) -> DeskInfo {
        DeskInfo {
            location: self.base.clone(),
            online: true,
            user: self.user(),
        }
    }

    async fn me(&self) -> DeskResult<User> {
        let me: User = self.send(self.request(Method::GET, "/me")).await?;
        match self.user.lock() {
            Ok(mut user) => *user = me.clone(),
            Err(poisoned) => *poisoned.into_inner() = me.clone(),
        }
        Ok(me)
    }

    async fn list_tickets(
        &self,
        q: &str,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> DeskResult<TicketList> {
        let mut query: Vec<(&str, String)> = vec![("q", q.to_string())];
        if let Some(limit) = limit {
            query.push(("limit", limit.to_string()));
        }
        if let Some(cursor) = cursor {
            query.push(("cursor", cursor.to_string()));
        }
        self.send(self.request(Method::GET, "/tickets").query(&query))
            .await
    }

    async fn count_tickets(&self, q: &str) -> DeskResult<i64> {
        let c: TicketCount = self
            .send(
                self.request(Method::GET, "/tickets/count")
                    .query(&[("q", q)]),
            )
            .await?;
        Ok(c.count)
    }

    async fn get_ticket(&self, key: &str) -> DeskResult<TicketView> {
        self.send(self.request(Method::GET, &key_path(key, "")))
            .await
    }

    async fn ticket_deliveries(
        &self,
        key: &str,
    ) -> DeskResult<Vec<crate::store::outbox::Delivery>> {
        self.send(self.request(Method::GET, &key_path(key, "/deliveries")))
            .await
    }

    async fn create_ticket(&self, new: NewTicket) -> DeskResult<Ticket> {
        self.send(self.request(Method::POST, "/tickets").json(&new))
            .await
    }

    async fn edit_ticket(
        &self,
        key: &str,
        edit: TicketEdit,
        expected_version: Option<i64>,
    ) -> DeskResult<Ticket> {
        let b = self.request(Method::PATCH, &key_path(key, "")).json(&edit);
        self.send(Self::with_version(b, expected_version)).await
    }

    async fn transition(
        &self,
        key: &str,
        to: &str,
        note: Option<&str>,
        expected_version: Option<i64>,
    ) -> DeskResult<Ticket> {
        let b = self
            .request(Method::POST, &key_path(key, "/transition"))
            .json(&Transition {
                status: to.to_string(),
                note: note.map(str::to_string),
            });
        self.send(Self::with_version(b, expected_version)).await
    }

    async fn allowed_transitions(&self, key: &str) -> DeskResult<Vec<String>> {
        let t: AllowedTransitions = self
            .send(self.request(Method::GET, &key_path(key, "/transitions")))
            .await?;
        Ok(t.transitions)
    }

    async fn assign(
        &self,
        key: &str,
        assignee: Option<&str>,
        expected_version: Option<i64>,
    ) -> DeskResult<Ticket> {
        let b = self
            .request(Method::POST, &key_path(key, "/assign"))
            .json(&Assignment {
                assignee: assignee.map(str::to_string),
            });
        self.send(Self::with_version(b, expected_version)).await
    }

    async fn approve(
        &self,
        key: &str,
        note: Option<&str>,
        expected_version: Option<i64>,
    ) -> DeskResult<Ticket> {
        let b = self
            .request(Method::POST, &key_path(key, "/approve"))
            .json(&Decision {
                note: note.map(str::to_string),
            });
        self.send(Self::with_version(b, expected_version)).await
    }

    async fn reject(
        &self,
        key: &str,
        note: &str,
        expected_version: Option<i64>,
    ) -> DeskResult<Ticket> {
        let b = self
            .request(Method::POST, &key_path(key, "/reject"))
            .json(&Decision {
                note: Some(note.to_string()),
            });
        self.send(Self::with_version(b, expected_version)).await
    }

    async fn comment(
        &self,
        key: &str,
        body: &str,
        visibility: Visibility,
        expected_version: Option<i64>,
    ) -> DeskResult<Comment> {
        let b = self
            .request(Method::POST, &key_path(key, "/comments"))
            .json(&NewComment {
                body: body.to_string(),
                visibility,
            });
        self.send(Self::with_version(b, expected_version)).await
    }

    async fn attach(
        &self,
        key: &str,
        files: &[std::path::PathBuf],
        body: Option<&str>,
        visibility: Visibility,
        expected_version: Option<i64>,
    ) -> DeskResult<Attached> {
        let mut form = reqwest::multipart::Form::new().text("visibility", visibility.as_str());
        if let Some(body) = body {
            form = form.text("body", body.to_string());
        }
        for path in files {
            let unreadable = |e: std::io::Error| DeskError::Invalid {
                field: Some("file".into()),
                message: format!("cannot read {}: {e}", path.display()),
            };
            let file = tokio::fs::File::open(path).await.map_err(unreadable)?;
            let len = file.metadata().await.map_err(unreadable)?.len();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "file".into());
            // Streamed from the file: a large attachment never sits in memory here.
            let stream =
                tokio_util::io::ReaderStream::with_capacity(file, crate::domain::attachment::CHUNK);
            let part = reqwest::multipart::Part::stream_with_length(
                reqwest::Body::wrap_stream(stream),
                len,
            )
            .file_name(name);
            form = form.part("file", part);
        }
        let b = self
            .request(Method::POST, &key_path(key, "/attachments"))
            .multipart(form);
        self.send(Self::with_version(b, expected_version)).await
    }

    async fn attachments(&self, key: &str) -> DeskResult<Vec<Attachment>> {
        self.send(self.request(Method::GET, &key_path(key, "/attachments")))
            .await
    }

    async fn download(
        &self,
        id: i64,
        to: &mut (dyn tokio::io::AsyncWrite + Unpin + Send),
    ) -> DeskResult<Downloaded> {
        use futures_util::StreamExt;
        use tokio::io::AsyncWriteExt;
        let response = self
            .request(Method::GET, &format!("/attachments/{id}"))
            .send()
            .await
            .map_err(|e| unreachable(&self.base, &e))?;
        if !response.status().is_success() {
            return Err(error_of(response).await);
        }
        let header = |name: reqwest::header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let name = header(reqwest::header::CONTENT_DISPOSITION)
            .and_then(|d| disposition_name(&d))
            .map(|n| crate::domain::attachment::sanitize_name(&n))
            .unwrap_or_else(|| format!("attachment-{id}"));
        let media_type = header(reqwest::header::CONTENT_TYPE)
            .unwrap_or_else(|| "application/octet-stream".into());
        let mut size = 0u64;
        let mut body = response.bytes_stream();
        while let Some(piece) = body.next().await {
            let piece = piece.map_err(|e| unreachable(&self.base, &e))?;
            size += piece.len() as u64;
            to.write_all(&piece).await.map_err(|e| DeskError::Invalid {
                field: Some("output".into()),
                message: format!("cannot write {name}: {e}"),
            })?;
        }
        to.flush().await.map_err(|e| DeskError::Invalid {
            field: Some("output".into()),
            message: format!("cannot write {name}: {e}"),
        })?;
        Ok(Downloaded {
            name,
            media_type,
            size,
        })
    }

    fn attachment_url(&self, id: i64) -> Option<String> {
        Some(attachment_link(&self.base, id))
    }

    async fn changes(&self, after: i64, limit: Option<u32>) -> DeskResult<Changes> {
        let mut query = vec![("after", after.to_string())];
        if let Some(limit) = limit {
            query.push(("limit", limit.to_string()));
        }
        let mut request = self.request(Method::GET, "/changes").query(&query);
        let known = self.cached_changes(after, limit);
        if let Some((etag, _)) = &known {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag.as_str());
        }
        let response = request
            .send()
            .await
            .map_err(|e| unreachable(&self.base, &e))?;
        if response.status() == StatusCode::NOT_MODIFIED
            && let Some((_, changes)) = known
        {
            return Ok(changes);
        }
        let etag = response
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let changes: Changes = decode(&self.base, response).await?;
        if let (Some(etag), Ok(mut cache)) = (etag, self.last_changes.lock()) {
            *cache = Some(CachedChanges {
                after,
                limit,
                etag,
                changes: changes.clone(),
            });
        }
        Ok(changes)
    }

    async fn feed_head(&self) -> DeskResult<i64> {
        let head: FeedHead = self
            .send(self.request(Method::GET, "/changes/head"))
            .await?;
        Ok(head.last_seq)
    }

    async fn stats(&self) -> DeskResult<Stats> {
        self.send(self.request(Method::GET, "/stats")).await
    }

    async fn stats_series(&self, q: &str, days: u32) -> DeskResult<Series> {
        let days = days.to_string();
        self.send(
            self.request(Method::GET, "/stats/series")
                .query(&[("q", q), ("days", days.as_str())]),
        )
        .await
    }

    async fn categories(&self) -> DeskResult<Vec<Category>> {
        self.send(self.request(Method::GET, "/categories")).await
    }

    async fn priorities(&self) -> DeskResult<Vec<Priority>> {
        self.send(self.request(Method::GET, "/priorities")).await
    }

    async fn statuses(&self) -> DeskResult<Vec<Status>> {
        self.send(self.request(Method::GET, "/statuses")).await
    }

    async fn users(&self) -> DeskResult<Vec<User>> {
        self.send(self.request(Method::GET, "/users")).await
    }
}

/// Where a server at `base` serves attachment `id`.
pub fn attachment_link(base: &str, id: i64) -> String {
    format!("{base}/api/v1/attachments/{id}")
}
