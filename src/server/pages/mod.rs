//! The customer's side, served by `desk serve` itself: `/track` looks a ticket up by
//! key and email and shows its public face (with a reply and a reopen form), `/new`
//! files a request. Server-rendered HTML, one small script, a strict CSP, signed
//! double-submit CSRF tokens, rate limits; every rule stays in the service.

mod csrf;
mod html;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::domain::model::StatusClass;
use crate::domain::requests::NewTicket;
use crate::service::{Actor, ServiceError, Upload};

use super::{App, ServerOptions};
use html::{Filing, Offers};

/// `[pages]` in the config, plus the filing limit.
#[derive(Debug, Clone)]
pub struct PagesOptions {
    pub enabled: bool,
    pub allow_replies: bool,
    pub allow_reopen: bool,
    /// Requests filed through `/new` per address: a burst, then one every period.
    pub filing_burst: u32,
    pub filing_period: Duration,
    /// How often an open tracking page checks for news (the seed tracker's 30 s).
    pub refresh_every: Duration,
}

impl Default for PagesOptions {
    fn default() -> Self {
        PagesOptions {
            enabled: true,
            allow_replies: true,
            allow_reopen: true,
            filing_burst: 5,
            filing_period: Duration::from_secs(12),
            refresh_every: Duration::from_secs(30),
        }
    }
}

const CSS: &str = include_str!("../../../assets/pages/desk.css");
const JS: &str = include_str!("../../../assets/pages/desk.js");

/// Nothing inline may run or style: the script and the sheet are files from here.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Every answer to an anonymous lookup takes at least this long, found or not, so the
/// time it takes says nothing about whether a key exists.
const LOOKUP_FLOOR: Duration = Duration::from_millis(80);

/// The one answer for an unknown key and a wrong email.
const NOT_FOUND: &str =
    "We could not find a request with that number and email. Check both and try again.";
const STALE_FORM: &str = "This form has expired or did not come from this site. Please try again.";

pub(super) fn routes(options: &ServerOptions, budgets: &super::Budgets) -> Router<App> {
    if !options.pages.enabled {
        return Router::new();
    }
    let lookups = super::rate_limited_as(
        Router::new()
            .route("/track", post(track_post))
            .route("/track/reply", post(reply_post))
            .route("/track/reopen", post(reopen_post))
            .route("/track/file", post(file_post))
            .route("/unsubscribe", post(unsubscribe_post)),
        &budgets.lookups,
        refuse,
    );
    let filings = super::rate_limited_as(
        Router::new().route("/new", post(new_post)),
        &super::Budget::new(options.pages.filing_burst, options.pages.filing_period),
        refuse,
    );
    Router::new()
        .route("/track", get(track_get))
        .route("/new", get(new_get))
        .route("/unsubscribe", get(unsubscribe_get))
        .route("/pages/desk.css", get(css))
        .route("/pages/desk.js", get(js))
        .merge(lookups)
        .merge(filings)
}

fn refuse(status: StatusCode, _code: &'static str, message: String) -> Response {
    page(status, html::message_page("Please wait", &message), None)
}

/// An HTML answer with the headers every page carries; `cookie` sets the CSRF nonce.
fn page(status: StatusCode, body: String, cookie: Option<&str>) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Pages show a person's ticket: no cache, shared or private, keeps a copy.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(nonce) = cookie
        && let Ok(v) = HeaderValue::from_str(&csrf::set_cookie(nonce))
    {
        h.insert(header::SET_COOKIE, v);
    }
    r
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}

async fn css() -> Response {
    asset("text/css; charset=utf-8", CSS)
}

async fn js() -> Response {
    asset("text/javascript; charset=utf-8", JS)
}

/// The browser's nonce, or a new one to set with this answer.
struct Nonce {
    value: String,
    fresh: bool,
}

impl Nonce {
    fn of(headers: &HeaderMap) -> Nonce {
        match csrf::cookie_nonce(headers) {
            Some(value) => Nonce {
                value,
                fresh: false,
            },
            None => Nonce {
                value: csrf::new_nonce(),
                fresh: true,
            },
        }
    }

    fn token(&self) -> String {
        csrf::token(&self.value)
    }

    fn cookie(&self) -> Option<&str> {
        self.fresh.then_some(self.value.as_str())
    }

    fn answer(&self, status: StatusCode, body: String) -> Response {
        page(status, body, self.cookie())
    }
}

type Fields = HashMap<String, String>;

/// The posted fields; a body that is not a form reads as an empty one, which every
/// handler then refuses with a 4xx page.
fn fields(form: Result<Form<Fields>, FormRejection>) -> Fields {
    form.map(|Form(f)| f).unwrap_or_default()
}

fn field<'a>(f: &'a Fields, name: &str) -> &'a str {
    f.get(name).map_or("", |v| v.trim())
}

fn csrf_ok(headers: &HeaderMap, f: &Fields) -> bool {
    csrf::verify(csrf::cookie_nonce(headers).as_deref(), field(f, "csrf"))
}

/// What a form posted: its fields, and the files of a multipart form (the reply and
/// filing forms take files, under the same limits as the API).
struct Posted {
    fields: Fields,
    files: Vec<Upload>,
}

/// Reads a urlencoded or multipart form. A refusal (a file over the limit, too many, a
/// cut-off body) is the status and the words to show; the rest of the body was read.
async fn posted(app: &App, req: Request) -> Result<Posted, (StatusCode, String)> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    if !multipart {
        let form = Form::<Fields>::from_request(req, &()).await;
        return Ok(Posted {
            fields: fields(form),
            files: Vec::new(),
        });
    }
    let mut parts = Multipart::from_request(req, &())
        .await
        .map_err(|e| (StatusCode::BAD_REQUEST, e.body_text()))?;
    let limits = app.service.attachment_limits().clone();
    let got = super::attachments::receive(&mut parts, limits.max_bytes, limits.max_per_comment)
        .await
        .map_err(|e| (e.status, e.message))?;
    let mut fields = Fields::new();
    for (name, value) in got.text {
        fields.entry(name).or_insert(value);
    }
    Ok(Posted {
        fields,
        files: got.uploads,
    })
}

async fn track_get(
    State(_app): State<App>,
    headers: HeaderMap,
    query: Result<Query<Fields>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let nonce = Nonce::of(&headers);
    let key = query
        .as_ref()
        .ok()
        .and_then(|q| q.get("key"))
        .map_or("", |k| k.trim());
    nonce.answer(
        StatusCode::OK,
        html::track_form(&nonce.token(), key, "", None),
    )
}

/// Waits out the rest of [`LOOKUP_FLOOR`] since `started`.
async fn floor(started: Instant) {
    tokio::time::sleep_until((started + LOOKUP_FLOOR).into()).await;
}

/// The result page for a proven key and email, or the one not-found page.
async fn show(
    app: &App,
    nonce: &Nonce,
    key: &str,
    email: &str,
    status: StatusCode,
    message: Option<&str>,
    error: Option<&str>,
) -> Response {
    match app
        .service
        .track(key, email, app.options.show_assignee)
        .await
    {
        Ok(t) => {
            let offers = Offers {
                reply: app.options.pages.allow_replies && t.status_class != StatusClass::Done,
                reopen: app.options.pages.allow_reopen
                    && t.status == crate::domain::workflow::RESOLVED,
                refresh_secs: app.options.pages.refresh_every.as_secs().max(1),
            };
            let body = html::ticket_page(
                &t,
                &nonce.token(),
                email,
                &offers,
                message,
                error,
                crate::domain::time::now(),
            );
            nonce.answer(status, body)
        }
        Err(ServiceError::NotFound { .. }) => not_found(nonce, key, email),
        Err(e) => failure(nonce, e),
    }
}

fn not_found(nonce: &Nonce, key: &str, email: &str) -> Response {
    nonce.answer(
        StatusCode::NOT_FOUND,
        html::track_form(&nonce.token(), key, email, Some(NOT_FOUND)),
    )
}

/// A refusal the customer can act on, as a page; store failures are logged and worded
/// without their details.
fn failure(nonce: &Nonce, e: ServiceError) -> Response {
    let (status, message) = match &e {
        ServiceError::NotFound { .. } => (StatusCode::NOT_FOUND, NOT_FOUND.to_string()),
        ServiceError::Invalid(i) => (StatusCode::BAD_REQUEST, i.message.clone()),
        ServiceError::Workflow(w) => (StatusCode::CONFLICT, w.to_string()),
        ServiceError::Forbidden(m) => (StatusCode::FORBIDDEN, m.clone()),
        ServiceError::Duplicate(m) => (StatusCode::CONFLICT, m.clone()),
        ServiceError::TooLarge(m) => (StatusCode::PAYLOAD_TOO_LARGE, m.clone()),
        ServiceError::Unsupported(m) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, m.clone()),
        ServiceError::Unauthenticated(m) => (StatusCode::UNAUTHORIZED, m.clone()),
        ServiceError::Conflict { .. } => (
            StatusCode::CONFLICT,
            "The request changed while you were sending; please try again.".to_string(),
        ),
        ServiceError::Store(s) => {
            tracing::error!("customer page: {s}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "Something went wrong on our side; please try again in a moment.".to_string(),
            )
        }
    };
    nonce.answer(status, html::message_page("Sorry", &message))
}

async fn track_post(
    State(app): State<App>,
    headers: HeaderMap,
    form: Result<Form<Fields>, FormRejection>,
) -> Response {
    let started = Instant::now();
    let f = fields(form);
    let nonce = Nonce::of(&headers);
    let (key, email) = (field(&f, "key"), field(&f, "email"));
    if !csrf_ok(&headers, &f) {
        return nonce.answer(
            StatusCode::FORBIDDEN,
            html::track_form(&nonce.token(), key, email, Some(STALE_FORM)),
        );
    }
    if key.is_empty() || email.is_empty() {
        return nonce.answer(
            StatusCode::BAD_REQUEST,
            html::track_form(
                &nonce.token(),
                key,
                email,
                Some("Enter both the request number and your email."),
            ),
        );
    }
    let answer = show(&app, &nonce, key, email, StatusCode::OK, None, None).await;
    floor(started).await;
    answer
}

/// Reply and reopen: proven by key and email like a lookup, then the service call;
/// the answer is the ticket page again, with what happened on top.
async fn act(
    app: &App,
    headers: &HeaderMap,
    f: &Fields,
    allowed: bool,
    done: &str,
    call: impl std::future::Future<Output = crate::service::Result<()>>,
) -> Response {
    let started = Instant::now();
    let nonce = Nonce::of(headers);
    let (key, email) = (field(f, "key"), field(f, "email"));
    let answer = if !csrf_ok(headers, f) {
        nonce.answer(
            StatusCode::FORBIDDEN,
            html::track_form(&nonce.token(), key, email, Some(STALE_FORM)),
        )
    } else if !allowed {
        nonce.answer(
            StatusCode::FORBIDDEN,
            html::message_page(
                "Not available",
                "This desk does not take that from the tracking page; please contact support.",
            ),
        )
    } else {
        match call.await {
            Ok(()) => show(app, &nonce, key, email, StatusCode::OK, Some(done), None).await,
            Err(ServiceError::NotFound { .. }) => not_found(&nonce, key, email),
            Err(ServiceError::Store(s)) => failure(&nonce, ServiceError::Store(s)),
            // The customer can fix this: show it over the ticket they are looking at.
            Err(e) => {
                let (status, message) = match &e {
                    ServiceError::Invalid(i) => (StatusCode::BAD_REQUEST, i.message.clone()),
                    ServiceError::Forbidden(m) => (StatusCode::FORBIDDEN, m.clone()),
                    other => (StatusCode::CONFLICT, other.to_string()),
                };
                show(app, &nonce, key, email, status, None, Some(&message)).await
            }
        }
    };
    floor(started).await;
    answer
}

async fn reply_post(State(app): State<App>, headers: HeaderMap, req: Request) -> Response {
    let Posted { fields: f, files } = match posted(&app, req).await {
        Ok(p) => p,
        Err((status, message)) => {
            return Nonce::of(&headers).answer(status, html::message_page("Sorry", &message));
        }
    };
    let (key, email, body) = (field(&f, "key"), field(&f, "email"), field(&f, "body"));
    let call = app.service.tracker_reply(key, email, body, files);
    act(
        &app,
        &headers,
        &f,
        app.options.pages.allow_replies,
        "Your reply was added.",
        call,
    )
    .await
}

async fn reopen_post(
    State(app): State<App>,
    headers: HeaderMap,
    form: Result<Form<Fields>, FormRejection>,
) -> Response {
    let f = fields(form);
    let (key, email) = (field(&f, "key"), field(&f, "email"));
    let call = app.service.tracker_reopen(key, email);
    act(
        &app,
        &headers,
        &f,
        app.options.pages.allow_reopen,
        "Your request was reopened.",
        call,
    )
    .await
}

async fn new_get(State(app): State<App>, headers: HeaderMap) -> Response {
    let nonce = Nonce::of(&headers);
    match app.service.categories().await {
        Ok(categories) => nonce.answer(
            StatusCode::OK,
            html::new_form(
                &nonce.token(),
                &categories,
                app.service.attachment_limits(),
                &Filing::default(),
                None,
            ),
        ),
        Err(e) => failure(&nonce, e),
    }
}

async fn new_post(State(app): State<App>, headers: HeaderMap, req: Request) -> Response {
    let nonce = Nonce::of(&headers);
    let (f, files, refused) = match posted(&app, req).await {
        Ok(p) => (p.fields, p.files, None),
        Err(refusal) => (Fields::new(), Vec::new(), Some(refusal)),
    };
    let filing = Filing {
        name: field(&f, "name").to_string(),
        email: field(&f, "email").to_string(),
        category: field(&f, "category").to_string(),
        title: field(&f, "title").to_string(),
        description: f.get("description").cloned().unwrap_or_default(),
    };
    let categories = match app.service.categories().await {
        Ok(c) => c,
        Err(e) => return failure(&nonce, e),
    };
    let again = |status: StatusCode, message: &str| {
        nonce.answer(
            status,
            html::new_form(
                &nonce.token(),
                &categories,
                app.service.attachment_limits(),
                &filing,
                Some(message),
            ),
        )
    };
    if let Some((status, message)) = refused {
        // The form's fields may be lost with the body; say what was wrong with the files.
        return again(status, &format!("{message}. Nothing was filed."));
    }
    if !csrf_ok(&headers, &f) {
        return again(StatusCode::FORBIDDEN, STALE_FORM);
    }
    if filing.name.is_empty() {
        return again(StatusCode::BAD_REQUEST, "Please give your name.");
    }
    if filing.email.is_empty() {
        return again(StatusCode::BAD_REQUEST, "Please give your email.");
    }
    let new = NewTicket {
        title: filing.title.clone(),
        description: filing.description.clone(),
        category: (!filing.category.is_empty()).then(|| filing.category.clone()),
        requester_name: Some(filing.name.clone()),
        ..NewTicket::default()
    };
    let actor = Actor::Contact {
        email: filing.email.clone(),
    };
    match app
        .service
        .create_ticket_with_files(&actor, new, files)
        .await
    {
        Ok(t) => {
            let link = tracking_link(&app, &t.key);
            let qr = qr_svg(&link);
            nonce.answer(
                StatusCode::CREATED,
                html::filed(&t.key, &t.requester.email, &link, qr.as_deref()),
            )
        }
        Err(ServiceError::Invalid(i)) => again(StatusCode::BAD_REQUEST, &i.message),
        Err(ServiceError::TooLarge(m)) => again(StatusCode::PAYLOAD_TOO_LARGE, &m),
        Err(ServiceError::Unsupported(m)) => again(StatusCode::UNSUPPORTED_MEDIA_TYPE, &m),
        Err(e) => failure(&nonce, e),
    }
}

/// One public file of a tracked ticket, proven like a lookup (key, email, CSRF token):
/// the page's download buttons post these, so no link carries the email.
async fn file_post(
    State(app): State<App>,
    headers: HeaderMap,
    form: Result<Form<Fields>, FormRejection>,
) -> Response {
    let started = Instant::now();
    let f = fields(form);
    let nonce = Nonce::of(&headers);
    let (key, email) = (field(&f, "key"), field(&f, "email"));
    let answer = if !csrf_ok(&headers, &f) {
        nonce.answer(
            StatusCode::FORBIDDEN,
            html::track_form(&nonce.token(), key, email, Some(STALE_FORM)),
        )
    } else {
        match field(&f, "id").parse::<i64>() {
            Err(_) => not_found(&nonce, key, email),
            Ok(id) => match app.service.tracker_attachment(key, email, id).await {
                Ok((attachment, content)) => {
                    match super::attachments::serve(&app.service, &attachment, content, &headers)
                        .await
                    {
                        Ok(r) => r,
                        Err(e) => nonce.answer(e.status, html::message_page("Sorry", &e.message)),
                    }
                }
                Err(ServiceError::NotFound { .. }) => nonce.answer(
                    StatusCode::NOT_FOUND,
                    html::message_page(
                        "Not found",
                        "That file is not on this request, or it has been removed.",
                    ),
                ),
                Err(e) => failure(&nonce, e),
            },
        }
    };
    floor(started).await;
    answer
}

/// The absolute tracking link for `key`, on the server's own address (`[server]
/// public_url`, else the one it listens on): a client's `Host` header never decides
/// where a link or QR code sends people.
fn tracking_link(app: &App, key: &str) -> String {
    let path = format!("/track?key={key}");
    match app.base_url.get() {
        Some(base) => format!("{base}{path}"),
        None => path,
    }
}

/// The QR code of `link` as inline SVG (no XML prolog, so it sits in the page).
fn qr_svg(link: &str) -> Option<String> {
    let code = qrcode::QrCode::new(link.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(180, 180)
        .quiet_zone(true)
        .build();
    Some(match svg.find("<svg") {
        Some(start) => svg[start..].to_string(),
        None => svg,
    })
}

/// The link in a mail's footer: a page that asks before it stops anything, since mail
/// scanners open links (the click is the POST below).
async fn unsubscribe_get(
    headers: HeaderMap,
    query: Result<Query<Fields>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let nonce = Nonce::of(&headers);
    let token = query
        .as_ref()
        .ok()
        .and_then(|q| q.get("token"))
        .map_or("", |t| t.trim());
    nonce.answer(StatusCode::OK, html::unsubscribe_form(token))
}

/// Stops a contact's mail: the form's button, or a mail client's one-click
/// (`List-Unsubscribe=One-Click`, RFC 8058, with the token in the address). The token
/// is the proof; it needs no CSRF token, as RFC 8058 requires.
async fn unsubscribe_post(
    State(app): State<App>,
    headers: HeaderMap,
    query: Result<Query<Fields>, axum::extract::rejection::QueryRejection>,
    form: Result<Form<Fields>, FormRejection>,
) -> Response {
    let nonce = Nonce::of(&headers);
    let f = fields(form);
    let from_query = query.ok().and_then(|Query(q)| q.get("token").cloned());
    let token = from_query.unwrap_or_else(|| field(&f, "token").to_string());
    match app.service.unsubscribe(&token).await {
        Ok(_) => nonce.answer(
            StatusCode::OK,
            html::message_page(
                "Unsubscribed",
                "You will get no more emails from us about your requests. Requests you file still get their number on screen.",
            ),
        ),
        Err(ServiceError::NotFound { .. }) => nonce.answer(
            StatusCode::NOT_FOUND,
            html::message_page(
                "Link not found",
                "This unsubscribe link is not one of ours, or it was cut short. Use the whole link from the email.",
            ),
        ),
        Err(e) => failure(&nonce, e),
    }
}
