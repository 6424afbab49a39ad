//! Doors for the clients of the five systems desk replaces (see COMPAT.md). Each module
//! speaks one seed's wire format and nothing else: it turns a request into the same
//! service calls the native API makes and the answer back into the seed's shapes, so a
//! ticket filed through any door is one ticket with one audit trail.
//!
//! What is common to all of them lives here: who is calling, reading bodies the way the
//! originals' clients send them, and walking the keyset-paginated lists for surfaces
//! whose clients expect whole lists.

mod dialect;
mod helpdesk;
mod helpdesk_doc;
mod helpdesk_ids;
mod intake;
mod reports;
mod service_documents;
mod service_requests;
mod tracking;

pub use helpdesk_ids::HelpdeskIds;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use crate::domain::model::{Role, Ticket};
use crate::domain::query::Query;
use crate::service::{Actor, PAGE_MAX, ServiceError};

use super::{App, ServerOptions};

/// A refusal in a seed's own error shape. Kept small (not a whole `Response`) so that
/// helpers can return it through `?`.
#[derive(Debug)]
struct Rejection {
    status: StatusCode,
    body: Value,
}

impl Rejection {
    fn new(status: StatusCode, body: Value) -> Rejection {
        Rejection { status, body }
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(status = %self.status, body = %self.body, "compat request failed");
        }
        (self.status, axum::Json(self.body)).into_response()
    }
}

/// The handlers' result: an answer, or a refusal in the seed's shape.
type Answer = Result<Response, Rejection>;

/// One surface's switches, from `[compat.<name>]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Surface {
    pub enabled: bool,
    /// Calls that read or change more than one ticket work without a desk token,
    /// acting as the surface's own account (see [`caller`]).
    pub anonymous: bool,
}

/// Every surface is off unless the operator turns it on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompatOptions {
    pub tracking: Surface,
    pub intake: Surface,
    pub service_requests: Surface,
    pub reports: Surface,
    pub helpdesk: Surface,
    /// The `reportCategory` values the reports surface accepts.
    pub report_categories: Vec<String>,
    /// The original helpdesk's ids for desk's rows, where the operator gave them.
    pub helpdesk_ids: HelpdeskIds,
}

/// The travel booking system's report categories (its `Reports.ReportCategory` ENUM).
pub const REPORT_CATEGORIES: [&str; 3] =
    ["Payment Issue", "Travel Delay", "Unexpected Cancellation"];

impl Default for CompatOptions {
    fn default() -> Self {
        CompatOptions {
            tracking: Surface::default(),
            intake: Surface::default(),
            service_requests: Surface::default(),
            reports: Surface::default(),
            helpdesk: Surface::default(),
            report_categories: REPORT_CATEGORIES.iter().map(|c| (*c).to_owned()).collect(),
            helpdesk_ids: HelpdeskIds::default(),
        }
    }
}

/// The routes of the enabled surfaces. Intake and tracking take anonymous traffic from
/// the public: they share the anonymous lookups' budget with every other door, as the
/// logins share the login budget.
/// Each surface gets CORS answers as the operator allowed them; `"*"` opens only the
/// calls that take no token (`credentials` false).
pub(super) fn routes(options: &ServerOptions, budgets: &super::Budgets) -> Router<App> {
    let c = &options.compat;
    let cors = &options.cors;
    let mut routes = Router::new();
    let limited = |r: Router<App>, refuse: super::Refusal| {
        super::rate_limited_as(r, &budgets.lookups, refuse)
    };
    if c.tracking.enabled {
        announce("tracking", c.tracking, true);
        routes = routes
            .merge(cors.apply(limited(tracking::routes(), tracking::refuse), false))
            .merge(cors.apply(
                limited(tracking::list_routes(), tracking::refuse),
                !c.tracking.anonymous,
            ));
    }
    if c.intake.enabled {
        announce("intake", c.intake, false);
        routes = routes.merge(cors.apply(limited(intake::routes(), intake::refuse), false));
    }
    if c.service_requests.enabled {
        announce("service_requests", c.service_requests, true);
        let login = super::rate_limited_as(
            service_requests::login_routes(),
            &budgets.login,
            service_requests::refuse,
        );
        routes = routes
            .merge(cors.apply(login, true))
            .merge(cors.apply(service_requests::routes(), !c.service_requests.anonymous));
    }
    if c.reports.enabled {
        announce("reports", c.reports, false);
        // Sign-ups have a budget of their own: several people may sign up from one
        // address (a family, an office) without using up its login guesses.
        let signups = super::Budget::new(options.login_burst, options.login_period);
        let signup = super::rate_limited_as(reports::signup_routes(), &signups, reports::refuse);
        let login =
            super::rate_limited_as(reports::login_routes(), &budgets.login, reports::refuse);
        routes = routes
            .merge(cors.apply(signup, true))
            .merge(cors.apply(login, true))
            .merge(cors.apply(reports::routes(), true));
    }
    if c.helpdesk.enabled {
        announce("helpdesk", c.helpdesk, true);
        routes = routes.merge(cors.apply(helpdesk::routes(), !c.helpdesk.anonymous));
    }
    routes
}

/// A body declared over the size limit, refused before any route runs, worded for the
/// enabled surface that owns `path`; `None` for desk's own paths.
pub(super) fn too_large(options: &CompatOptions, path: &str, message: &str) -> Option<Response> {
    let dialect = if options.tracking.enabled
        && (path == "/api/create_ticket" || path.starts_with("/api/tickets"))
    {
        &tracking::DIALECT
    } else if options.intake.enabled && path == "/create_ticket" {
        &intake::DIALECT
    } else if options.helpdesk.enabled && path.starts_with("/tickets") {
        &helpdesk::DIALECT
    } else {
        return None;
    };
    Some(dialect.refusal(StatusCode::PAYLOAD_TOO_LARGE, message))
}

/// Says at start what is open. `opens` is false for surfaces where `anonymous` has
/// nothing to open (intake lists nothing; the reports' users always sign in).
fn announce(name: &str, surface: Surface, opens: bool) {
    if surface.anonymous && !opens {
        tracing::warn!("compat surface `{name}` is on; `anonymous = true` has no effect on it");
    } else if surface.anonymous {
        tracing::warn!(
            "compat surface `{name}` is anonymous: anyone who can reach this server may use \
             its multi-ticket calls without a token, acting as {}",
            crate::service::surface_email(name)
        );
    } else {
        tracing::info!("compat surface `{name}` is on");
    }
}

/// The desk token a request carries: `Authorization: Bearer`, `X-API-Key`, or (as the
/// travel booking system's clients send their JWT) a bare `Authorization` value.
fn token(headers: &HeaderMap) -> Option<String> {
    if let Some(t) = super::auth::bearer(headers).filter(|t| !t.is_empty()) {
        return Some(t);
    }
    let raw = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .trim();
    (!raw.is_empty() && !raw.contains(' ')).then(|| raw.to_string())
}

/// Who is calling a surface's multi-ticket calls: the token's owner; without a token,
/// the surface's anonymous account when the operator allowed it (with `role`, so the
/// service still decides what it may do); otherwise nobody.
async fn caller(
    app: &App,
    headers: &HeaderMap,
    name: &str,
    surface: Surface,
    role: Role,
) -> Result<Actor, ServiceError> {
    if let Some(t) = token(headers) {
        return app.service.authenticate(&t).await;
    }
    if !surface.anonymous {
        return Err(ServiceError::Unauthenticated(
            "send a desk API token: `Authorization: Bearer <token>` or `X-API-Key: <token>`".into(),
        ));
    }
    app.service.surface_account(name, role).await
}

/// The token's owner if a token is sent (a bad one is refused, never ignored), else
/// `None`.
async fn optional_caller(app: &App, headers: &HeaderMap) -> Result<Option<Actor>, ServiceError> {
    match token(headers) {
        Some(t) => app.service.authenticate(&t).await.map(Some),
        None => Ok(None),
    }
}

/// Why a body is not usable. The originals' clients send JSON objects; anything else
/// is the client's fault and gets a 4xx, never the 500 some originals answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BadBody {
    NotJson,
    NotObject,
}

impl BadBody {
    fn message(self) -> &'static str {
        match self {
            BadBody::NotJson => "the request body is not valid JSON",
            BadBody::NotObject => "the request body must be a JSON object",
        }
    }
}

/// The body as a JSON object. The content type is not checked: the originals'
/// clients do not all send one.
fn object(body: &[u8]) -> Result<Map<String, Value>, BadBody> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(BadBody::NotObject),
        Err(_) => Err(BadBody::NotJson),
    }
}

/// The first of `names` that holds a non-empty string or a number, as trimmed text
/// (the originals' clients send ids both ways).
fn text(map: &Map<String, Value>, names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| match map.get(*n)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// `email` and `password` of a login body: the email trimmed, the password as sent
/// (spaces may be part of it). `None` when either is missing.
fn credentials(map: &Map<String, Value>) -> Option<(String, String)> {
    let email = text(map, &["email"])?;
    let password = map.get("password").and_then(Value::as_str)?;
    Some((email, password.to_string()))
}

/// The first of `names` that is present and not null, as given.
fn value(map: &Map<String, Value>, names: &[&str]) -> Option<Value> {
    names
        .iter()
        .find_map(|n| map.get(*n).filter(|v| !v.is_null()).cloned())
}

/// Up to `want` tickets matching `q`, as `actor` may see them, walking the pages.
async fn collect(
    app: &App,
    actor: &Actor,
    q: &Query,
    want: usize,
) -> Result<Vec<Ticket>, ServiceError> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    while out.len() < want {
        let left = u32::try_from(want - out.len()).unwrap_or(PAGE_MAX);
        let page = app
            .service
            .list_query(actor, q, Some(left.min(PAGE_MAX)), cursor.as_deref())
            .await?;
        out.extend(page.tickets);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    out.truncate(want);
    Ok(out)
}

/// Lists that the originals answered whole are cut here: a client that needs more
/// pages than this has outgrown the seed's API and should use the native one.
const WHOLE_LIST_MAX: usize = 1000;

/// A title made from a seed's fields, cut to desk's limit: the seeds have no title,
/// and a long id or name in it must not turn a valid request into a refusal.
fn title(made: String) -> String {
    made.chars()
        .take(crate::domain::validate::TITLE_MAX)
        .collect()
}

fn rfc3339(ms: crate::domain::time::Millis) -> String {
    crate::domain::time::to_rfc3339(ms)
}
