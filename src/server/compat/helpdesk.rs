//! Seed 004, the FastAPI helpdesk: tickets, comments, history, reference data, stats,
//! search and a dashboard, with integer ids throughout. A ticket's `id` is its desk
//! number and `ticket_number` its key, so the two can never drift apart; category,
//! priority and user ids are desk's own unless `[compat.helpdesk.ids]` gives the
//! original's (`helpdesk_ids.rs`); statuses get fixed small ids (the seed's six first,
//! then desk's own four). Errors are FastAPI's: `{detail: "..."}`, and 422 with a list of
//! `{loc, msg, type}` when a request does not validate.

use std::collections::{BTreeMap, HashMap};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::domain::model::{Category, Priority, Role, StatusClass, Ticket, User, Visibility};
use crate::domain::query::{Field, Query as Filter};
use crate::domain::requests::{NewTicket, TicketEdit};
use crate::domain::time;
use crate::service::{Actor, ServiceError, TicketChange};

use super::dialect::Dialect;
use super::helpdesk_ids::Numbering;
use super::{Answer, App, Rejection, caller, collect, object, rfc3339};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/", get(root))
        .route("/health", get(health))
        .route("/tickets", get(list).post(create))
        .route("/tickets/{id}", get(show).put(update))
        .route("/tickets/{id}/comments", get(comments).post(add_comment))
        .route("/tickets/{id}/history", get(history))
        .route("/categories", get(categories))
        .route("/priorities", get(priorities))
        .route("/statuses", get(statuses))
        .route("/users", get(users))
        .route("/stats", get(stats))
        .route("/search", get(search))
        .route("/dashboard", get(dashboard))
        .route("/openapi.json", get(super::helpdesk_doc::openapi))
        .route("/redoc", get(super::helpdesk_doc::redoc))
        .layer(axum::middleware::map_response(|r: Response| async move {
            DIALECT.reword(r)
        }))
}

/// (id, desk status, name, colour). Ids 1–6 are the seed's statuses in its order;
/// desk's statuses the seed did not have follow, so every desk status has one id.
const STATUSES: [(i64, &str, &str, &str); 10] = [
    (1, "new", "Open", "#007bff"),
    (2, "in_progress", "In Progress", "#ffc107"),
    (3, "waiting_on_customer", "Waiting for Customer", "#6f42c1"),
    (4, "resolved", "Resolved", "#28a745"),
    (5, "closed", "Closed", "#6c757d"),
    (6, "escalated", "Escalated", "#dc3545"),
    (7, "under_review", "Under Review", "#17a2b8"),
    (8, "approved", "Approved", "#20c997"),
    (9, "rejected", "Rejected", "#343a40"),
    (10, "assigned", "Assigned", "#fd7e14"),
];

fn status_by_key(key: &str) -> Option<&'static (i64, &'static str, &'static str, &'static str)> {
    STATUSES.iter().find(|s| s.1 == key)
}

fn status_by_id(id: i64) -> Option<&'static (i64, &'static str, &'static str, &'static str)> {
    STATUSES.iter().find(|s| s.0 == id)
}

pub(super) const DIALECT: Dialect = Dialect {
    body: |m| json!({ "detail": m }),
    not_found: Some("Ticket not found"),
};

fn detail(status: StatusCode, message: impl AsRef<str>) -> Rejection {
    DIALECT.fail(status, message)
}

/// FastAPI's validation failure, in its current (pydantic v2) shape: the error's
/// type, where it is, what is wrong, the input refused, and the constraint (`ctx`).
fn unprocessable(kind: &str, loc: Value, msg: impl Into<String>, input: Value) -> Rejection {
    Rejection::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        json!({"detail": [{"type": kind, "loc": loc, "msg": msg.into(), "input": input}]}),
    )
}

/// [`unprocessable`] with the constraint that was not met.
fn unprocessable_ctx(
    kind: &str,
    loc: Value,
    msg: impl Into<String>,
    input: Value,
    ctx: Value,
) -> Rejection {
    let mut r = unprocessable(kind, loc, msg, input);
    r.body["detail"][0]["ctx"] = ctx;
    r
}

fn missing(loc: Value, input: Value) -> Rejection {
    unprocessable("missing", loc, "Field required", input)
}

fn service_error(e: ServiceError) -> Rejection {
    match e {
        ServiceError::NotFound { what: "user", .. } => {
            detail(StatusCode::BAD_REQUEST, "Invalid user ID")
        }
        other => DIALECT.service_error(other),
    }
}

/// Agents work this helpdesk, so an anonymous surface acts as one.
async fn who(app: &App, headers: &HeaderMap) -> Result<Actor, Rejection> {
    let surface = app.options.compat.helpdesk;
    caller(app, headers, "helpdesk", surface, Role::Agent)
        .await
        .map_err(service_error)
}

type Params = Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>;

fn not_an_integer(loc: Value, input: Value) -> Rejection {
    if input.is_string() {
        unprocessable(
            "int_parsing",
            loc,
            "Input should be a valid integer, unable to parse string as an integer",
            input,
        )
    } else {
        unprocessable("int_type", loc, "Input should be a valid integer", input)
    }
}

/// An optional integer query parameter within `range`, or FastAPI's 422.
fn int_param(
    params: &Params,
    name: &str,
    range: std::ops::RangeInclusive<i64>,
) -> Result<Option<i64>, Rejection> {
    let Some(raw) = params.as_ref().ok().and_then(|p| p.get(name)) else {
        return Ok(None);
    };
    let n = raw
        .trim()
        .parse::<i64>()
        .map_err(|_| not_an_integer(json!(["query", name]), json!(raw)))?;
    if n < *range.start() {
        return Err(unprocessable_ctx(
            "greater_than_equal",
            json!(["query", name]),
            format!("Input should be greater than or equal to {}", range.start()),
            json!(raw),
            json!({"ge": range.start()}),
        ));
    }
    if n > *range.end() {
        return Err(unprocessable_ctx(
            "less_than_equal",
            json!(["query", name]),
            format!("Input should be less than or equal to {}", range.end()),
            json!(raw),
            json!({"le": range.end()}),
        ));
    }
    Ok(Some(n))
}

fn path_id(raw: &str) -> Result<String, Rejection> {
    raw.trim()
        .parse::<i64>()
        .map(|id| id.to_string())
        .map_err(|_| not_an_integer(json!(["path", "ticket_id"]), json!(raw)))
}

/// Reference data every ticket row names, and the ids this surface gives them and people.
struct Refs {
    categories: Vec<Category>,
    priorities: Vec<Priority>,
    category_ids: Numbering,
    priority_ids: Numbering,
    user_ids: Numbering,
}

impl Refs {
    fn category(&self, id: i64) -> Result<&Category, Rejection> {
        let desk = self.category_ids.desk(id);
        self.categories
            .iter()
            .find(|c| Some(c.id) == desk)
            .ok_or_else(|| detail(StatusCode::BAD_REQUEST, "Invalid category ID"))
    }

    fn priority(&self, id: i64) -> Result<&Priority, Rejection> {
        let desk = self.priority_ids.desk(id);
        self.priorities
            .iter()
            .find(|p| Some(p.id) == desk)
            .ok_or_else(|| detail(StatusCode::BAD_REQUEST, "Invalid priority ID"))
    }

    /// The desk user a client's `user_id` names.
    fn user(&self, id: i64) -> Result<i64, Rejection> {
        self.user_ids
            .desk(id)
            .ok_or_else(|| detail(StatusCode::BAD_REQUEST, "Invalid user ID"))
    }

    /// The id this surface shows for desk user `id`.
    fn user_id(&self, id: i64) -> i64 {
        self.user_ids.shown(id)
    }
}

async fn refs(app: &App) -> Result<Refs, Rejection> {
    let (categories, priorities) = app
        .service
        .categories_and_priorities()
        .await
        .map_err(service_error)?;
    let ids = &app.options.compat.helpdesk_ids;
    let user_ids = ids.users(&app.service).await.map_err(service_error)?;
    Ok(Refs {
        category_ids: ids.categories(&categories),
        priority_ids: ids.priorities(&priorities),
        user_ids,
        categories,
        priorities,
    })
}

/// A ticket as the helpdesk's clients read it. A typed row rather than a `json!` value:
/// lists serialize straight from the tickets, as the native API's do.
#[derive(Serialize)]
struct HelpdeskTicket<'a> {
    id: i64,
    ticket_number: &'a str,
    title: &'a str,
    description: &'a str,
    user_id: Option<i64>,
    user_username: &'a str,
    user_full_name: Option<&'a str>,
    category_id: Option<i64>,
    category_name: &'a str,
    priority_id: Option<i64>,
    priority_name: &'a str,
    priority_color: Option<&'a str>,
    status_id: Option<i64>,
    status_name: &'a str,
    status_color: Option<&'a str>,
    assigned_to: Option<i64>,
    assigned_username: Option<&'a str>,
    assigned_full_name: Option<&'a str>,
    #[serde(with = "time::rfc3339")]
    created_at: time::Millis,
    #[serde(with = "time::rfc3339")]
    updated_at: time::Millis,
    #[serde(with = "time::rfc3339_opt")]
    resolved_at: Option<time::Millis>,
    #[serde(with = "time::rfc3339_opt")]
    due_date: Option<time::Millis>,
    tags: String,
}

fn username(email: &str) -> &str {
    email.split('@').next().unwrap_or(email)
}

fn ticket_row<'a>(t: &'a Ticket, refs: &'a Refs) -> HelpdeskTicket<'a> {
    let category = refs.categories.iter().find(|c| c.name == t.category);
    let priority = refs.priorities.iter().find(|p| p.name == t.priority);
    let status = status_by_key(&t.status);
    HelpdeskTicket {
        id: t.id,
        ticket_number: &t.key,
        title: &t.title,
        description: &t.description,
        user_id: t.requester.user_id.map(|id| refs.user_id(id)),
        user_username: username(&t.requester.email),
        user_full_name: t.requester.name.as_deref(),
        category_id: category.map(|c| refs.category_ids.shown(c.id)),
        category_name: &t.category,
        priority_id: priority.map(|p| refs.priority_ids.shown(p.id)),
        priority_name: &t.priority,
        priority_color: priority.map(|p| p.color.as_str()),
        status_id: status.map(|s| s.0),
        status_name: status.map_or(t.status.as_str(), |s| s.2),
        status_color: status.map(|s| s.3),
        assigned_to: t.assignee.as_ref().map(|a| refs.user_id(a.id)),
        assigned_username: t.assignee.as_ref().map(|a| username(&a.email)),
        assigned_full_name: t.assignee.as_ref().map(|a| a.name.as_str()),
        created_at: t.created_at,
        updated_at: t.updated_at,
        resolved_at: t.resolved_at,
        due_date: t.sla.resolution_due_at,
        tags: tags_as_sent(t),
    }
}

/// Where the order the helpdesk's client sent its tags in is kept: desk's tags are a
/// sorted set, the original's a string given back as it was written.
const TAG_ORDER: &str = "helpdesk_tag_order";

/// The tags as desk folds them, in the order sent (repeats dropped).
fn tag_order(sent: &[String]) -> Value {
    let mut order: Vec<String> = Vec::new();
    for t in sent {
        let folded = t.trim().to_lowercase();
        if !order.contains(&folded) {
            order.push(folded);
        }
    }
    json!(order)
}

/// The custom-field change that records the order of `sent`.
fn tag_order_field(sent: &[String]) -> BTreeMap<String, Value> {
    BTreeMap::from([(TAG_ORDER.to_string(), tag_order(sent))])
}

/// The ticket's tags as a comma-separated string: first those in the order the client
/// sent them, then any added elsewhere since (in desk's order).
fn tags_as_sent(t: &Ticket) -> String {
    let sent: Vec<&str> = t
        .custom_fields
        .get(TAG_ORDER)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out: Vec<&str> = sent
        .iter()
        .copied()
        .filter(|s| t.tags.iter().any(|g| g == s))
        .collect();
    for g in &t.tags {
        if !out.contains(&g.as_str()) {
            out.push(g);
        }
    }
    out.join(",")
}

fn ticket_rows<'a>(tickets: &'a [Ticket], refs: &'a Refs) -> Vec<HelpdeskTicket<'a>> {
    tickets.iter().map(|t| ticket_row(t, refs)).collect()
}

async fn root() -> Response {
    axum::Json(json!({
        "message": "Helpdesk API (served by desk)",
        "version": env!("CARGO_PKG_VERSION"),
        "status": "running",
    }))
    .into_response()
}

async fn health() -> Response {
    axum::Json(json!({"status": "healthy", "timestamp": rfc3339(time::now())})).into_response()
}

/// The query-language filter for the seed's id filters; `None` when an id names
/// nothing, which matches no ticket.
fn filter(
    refs: &Refs,
    status_id: Option<i64>,
    priority_id: Option<i64>,
    category_id: Option<i64>,
) -> Option<Filter> {
    let mut q = Filter::default();
    if let Some(id) = status_id {
        q = q.filter(Field::Status, &[status_by_id(id)?.1]);
    }
    if let Some(id) = priority_id {
        q = q.filter(Field::Priority, &[&refs.priority(id).ok()?.name]);
    }
    if let Some(id) = category_id {
        q = q.filter(Field::Category, &[&refs.category(id).ok()?.name]);
    }
    Some(q)
}

/// Offsets are walked page by page (desk's lists are keyset-paginated); this keeps one
/// request's walk bounded.
const OFFSET_MAX: i64 = 10_000;

const ANY: std::ops::RangeInclusive<i64> = i64::MIN..=i64::MAX;

async fn list(State(app): State<App>, headers: HeaderMap, params: Params) -> Answer {
    let limit = int_param(&params, "limit", 1..=100)?.unwrap_or(50);
    let offset = int_param(&params, "offset", 0..=OFFSET_MAX)?.unwrap_or(0);
    let status_id = int_param(&params, "status_id", ANY)?;
    let priority_id = int_param(&params, "priority_id", ANY)?;
    let category_id = int_param(&params, "category_id", ANY)?;
    let actor = who(&app, &headers).await?;
    let refs = refs(&app).await?;
    let Some(q) = filter(&refs, status_id, priority_id, category_id) else {
        return Ok(axum::Json(json!([])).into_response());
    };
    // Both are in range, so neither conversion can fail.
    let (limit, offset) = (
        usize::try_from(limit).unwrap_or(0),
        usize::try_from(offset).unwrap_or(0),
    );
    let tickets = collect(&app, &actor, &q, offset + limit)
        .await
        .map_err(service_error)?;
    let page = tickets.get(offset..).unwrap_or_default();
    Ok(axum::Json(ticket_rows(page, &refs)).into_response())
}

async fn show(State(app): State<App>, headers: HeaderMap, Path(id): Path<String>) -> Answer {
    let key = path_id(&id)?;
    let actor = who(&app, &headers).await?;
    let refs = refs(&app).await?;
    let t = app
        .service
        .get_ticket_only(&actor, &key)
        .await
        .map_err(service_error)?;
    Ok(axum::Json(ticket_row(&t, &refs)).into_response())
}

/// The body as an object, or FastAPI's 422 for a body that is not one.
fn body_object(body: &[u8]) -> Result<Map<String, Value>, Rejection> {
    match object(body) {
        Ok(map) => Ok(map),
        Err(super::BadBody::NotJson) => Err(unprocessable_ctx(
            "json_invalid",
            json!(["body", 0]),
            "JSON decode error",
            json!({}),
            json!({"error": "Expecting value"}),
        )),
        Err(super::BadBody::NotObject) => Err(unprocessable(
            "model_attributes_type",
            json!(["body"]),
            "Input should be a valid dictionary or object to extract fields from",
            serde_json::from_slice(body).unwrap_or(Value::Null),
        )),
    }
}

fn int_field(map: &Map<String, Value>, name: &str) -> Result<Option<i64>, Rejection> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.is_i64() => Ok(n.as_i64()),
        Some(Value::String(s)) if s.trim().parse::<i64>().is_ok() => Ok(s.trim().parse().ok()),
        Some(other) => Err(not_an_integer(json!(["body", name]), other.clone())),
    }
}

fn str_field(map: &Map<String, Value>, name: &str) -> Result<Option<String>, Rejection> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(unprocessable(
            "string_type",
            json!(["body", name]),
            "Input should be a valid string",
            other.clone(),
        )),
    }
}

/// A required body field: pydantic names the whole body as the input of a missing one.
fn required<T>(v: Option<T>, map: &Map<String, Value>, name: &str) -> Result<T, Rejection> {
    v.ok_or_else(|| missing(json!(["body", name]), Value::Object(map.clone())))
}

fn too_short(loc: Value, input: &str, min: usize) -> Rejection {
    let unit = if min == 1 { "character" } else { "characters" };
    unprocessable_ctx(
        "string_too_short",
        loc,
        format!("String should have at least {min} {unit}"),
        json!(input),
        json!({"min_length": min}),
    )
}

fn split_tags(tags: &str) -> Vec<String> {
    tags.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect()
}

struct NewHelpdeskTicket {
    title: String,
    description: String,
    user_id: i64,
    category_id: i64,
    priority_id: i64,
    tags: Option<String>,
}

fn check_new(map: &Map<String, Value>) -> Result<NewHelpdeskTicket, Rejection> {
    let title = required(str_field(map, "title")?, map, "title")?;
    let description = required(str_field(map, "description")?, map, "description")?;
    if title.chars().count() < 1 {
        return Err(too_short(json!(["body", "title"]), &title, 1));
    }
    if title.chars().count() > 200 {
        return Err(unprocessable_ctx(
            "string_too_long",
            json!(["body", "title"]),
            "String should have at most 200 characters",
            json!(title),
            json!({"max_length": 200}),
        ));
    }
    if description.chars().count() < 10 {
        return Err(too_short(json!(["body", "description"]), &description, 10));
    }
    Ok(NewHelpdeskTicket {
        title,
        description,
        user_id: required(int_field(map, "user_id")?, map, "user_id")?,
        category_id: required(int_field(map, "category_id")?, map, "category_id")?,
        priority_id: required(int_field(map, "priority_id")?, map, "priority_id")?,
        tags: str_field(map, "tags")?,
    })
}

/// The person a `user_id` names, as the service lets this caller see them.
async fn person(app: &App, actor: &Actor, id: i64) -> Result<User, Rejection> {
    app.service.person(actor, id).await.map_err(|e| match e {
        ServiceError::NotFound { .. } => detail(StatusCode::BAD_REQUEST, "Invalid user ID"),
        other => service_error(other),
    })
}

async fn create(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Answer {
    let new = check_new(&body_object(&body)?)?;
    let actor = who(&app, &headers).await?;
    let refs = refs(&app).await?;
    let requester = person(&app, &actor, refs.user(new.user_id)?).await?;
    let category = refs.category(new.category_id)?;
    let priority = refs.priority(new.priority_id)?;
    let ticket = NewTicket {
        title: new.title,
        description: new.description,
        category: Some(category.name.clone()),
        priority: Some(priority.name.clone()),
        tags: new.tags.as_deref().map(split_tags).unwrap_or_default(),
        custom_fields: new
            .tags
            .as_deref()
            .map(|t| tag_order(&split_tags(t)))
            .into_iter()
            .map(|order| (TAG_ORDER.to_string(), order))
            .collect(),
        requester_email: (actor.user_id() != Some(requester.id)).then(|| requester.email.clone()),
        ..NewTicket::default()
    };
    let t = app
        .service
        .create_ticket(&actor, ticket)
        .await
        .map_err(service_error)?;
    Ok(axum::Json(json!({
        "message": "Ticket created successfully",
        "ticket_id": t.id,
        "ticket_number": t.key,
    }))
    .into_response())
}

/// `?user_id=N`, which the original required on writes to name who made them.
fn acting_user(params: &Params) -> Result<i64, Rejection> {
    int_param(params, "user_id", ANY)?
        .ok_or_else(|| missing(json!(["query", "user_id"]), Value::Null))
}

/// The caller, acting as user `id` when the service lets them (staff for a customer,
/// a supervisor for an agent): the change is recorded as that person's.
async fn acting(app: &App, caller: &Actor, id: i64) -> Result<Actor, Rejection> {
    app.service
        .acting_as(caller, id)
        .await
        .map_err(service_error)
}

async fn update(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    params: Params,
    body: Bytes,
) -> Answer {
    let key = path_id(&id)?;
    let acting_id = acting_user(&params)?;
    let map = body_object(&body)?;
    let title = str_field(&map, "title")?;
    let description = str_field(&map, "description")?;
    let category_id = int_field(&map, "category_id")?;
    let priority_id = int_field(&map, "priority_id")?;
    let status_id = int_field(&map, "status_id")?;
    let tags = str_field(&map, "tags")?;
    // Present and null unassigns; absent leaves the assignee alone.
    let assignee_id = match map.get("assigned_to") {
        None => None,
        Some(_) => Some(int_field(&map, "assigned_to")?),
    };
    let caller = who(&app, &headers).await?;
    let refs = refs(&app).await?;
    let actor = acting(&app, &caller, refs.user(acting_id)?).await?;
    // Not found (or not theirs) before a complaint about the body.
    app.service
        .get_ticket_only(&actor, &key)
        .await
        .map_err(service_error)?;
    if title.is_none()
        && description.is_none()
        && category_id.is_none()
        && priority_id.is_none()
        && status_id.is_none()
        && tags.is_none()
        && assignee_id.is_none()
    {
        return Err(detail(StatusCode::BAD_REQUEST, "No valid fields to update"));
    }
    let category = category_id
        .map(|id| refs.category(id).map(|c| c.name.clone()))
        .transpose()?;
    let priority = priority_id
        .map(|id| refs.priority(id).map(|p| p.name.clone()))
        .transpose()?;
    let status = status_id
        .map(|id| {
            status_by_id(id)
                .map(|s| s.1)
                .ok_or_else(|| detail(StatusCode::BAD_REQUEST, "Invalid status ID"))
        })
        .transpose()?;
    let sent_tags = tags.as_deref().map(split_tags);
    let edit = TicketEdit {
        title,
        description,
        category,
        priority,
        custom_fields: sent_tags.as_deref().map(tag_order_field),
        tags: sent_tags,
        ..TicketEdit::default()
    };
    let assignee = match assignee_id {
        None => None,
        Some(None) => Some(None),
        Some(Some(uid)) => Some(Some(person(&app, &actor, refs.user(uid)?).await?.email)),
    };
    let change = TicketChange {
        edit,
        assignee,
        status: status.map(str::to_string),
        ..TicketChange::default()
    };
    // One change: a part that is refused leaves every other part undone too.
    app.service
        .apply(&actor, &key, change, None)
        .await
        .map_err(service_error)?;
    Ok(axum::Json(json!({"message": "Ticket updated successfully"})).into_response())
}

/// Public comments only: internal notes never leave through a compat surface, even to
/// the staff this helpdesk served (they read them in desk itself).
async fn comments(State(app): State<App>, headers: HeaderMap, Path(id): Path<String>) -> Answer {
    let view = ticket_view(&app, &headers, &id).await?;
    let refs = refs(&app).await?;
    let rows: Vec<Value> = view
        .comments
        .iter()
        .filter(|c| c.visibility == Visibility::Public)
        .map(|c| {
            json!({
                "id": c.id,
                "ticket_id": c.ticket_id,
                "user_id": c.author.as_ref().map(|a| refs.user_id(a.id)),
                "username": c.author.as_ref().map(|a| username(&a.email))
                    .or_else(|| c.author_email.as_deref().map(username)),
                "full_name": c.author.as_ref().map(|a| a.name.clone()),
                "comment": c.body,
                "is_internal": false,
                "created_at": rfc3339(c.created_at),
            })
        })
        .collect();
    Ok(axum::Json(Value::Array(rows)).into_response())
}

async fn add_comment(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    params: Params,
    body: Bytes,
) -> Answer {
    let key = path_id(&id)?;
    let acting_id = acting_user(&params)?;
    let map = body_object(&body)?;
    let comment = required(str_field(&map, "comment")?, &map, "comment")?;
    let internal = match map.get("is_internal") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other @ Value::String(_)) => {
            return Err(unprocessable(
                "bool_parsing",
                json!(["body", "is_internal"]),
                "Input should be a valid boolean, unable to interpret input",
                other.clone(),
            ));
        }
        Some(other) => {
            return Err(unprocessable(
                "bool_type",
                json!(["body", "is_internal"]),
                "Input should be a valid boolean",
                other.clone(),
            ));
        }
    };
    let caller = who(&app, &headers).await?;
    let refs = refs(&app).await?;
    let actor = acting(&app, &caller, refs.user(acting_id)?).await?;
    let visibility = if internal {
        Visibility::Internal
    } else {
        Visibility::Public
    };
    let (_, c) = app
        .service
        .comment(&actor, &key, &comment, visibility, None)
        .await
        .map_err(service_error)?;
    Ok(axum::Json(json!({
        "message": "Comment added successfully",
        "comment_id": c.id,
    }))
    .into_response())
}

/// The ticket `id` names with its timeline, as the caller may see it.
async fn ticket_view(
    app: &App,
    headers: &HeaderMap,
    id: &str,
) -> Result<crate::domain::requests::TicketView, Rejection> {
    let key = path_id(id)?;
    let actor = who(app, headers).await?;
    app.service
        .get_ticket(&actor, &key)
        .await
        .map_err(service_error)
}

async fn history(State(app): State<App>, headers: HeaderMap, Path(id): Path<String>) -> Answer {
    let view = ticket_view(&app, &headers, &id).await?;
    let refs = refs(&app).await?;
    let rows: Vec<Value> = view
        .events
        .iter()
        .filter(|e| e.visibility == Visibility::Public)
        .map(|e| {
            // The later server's rows: `updated_<field>` for a change of a field; an
            // event without one (created, commented) is named by its kind.
            let action = match &e.field {
                Some(f) => format!("updated_{f}"),
                None => e.kind.as_str().to_string(),
            };
            json!({
                "id": e.seq,
                "ticket_id": e.ticket_id,
                "user_id": e.actor.as_ref().map(|a| refs.user_id(a.id)),
                "action": action,
                "old_value": e.old,
                "new_value": e.new,
                "created_at": rfc3339(e.at),
                "username": e.actor.as_ref().map(|a| username(&a.email)),
                "full_name": e.actor.as_ref().map(|a| a.name.clone()),
            })
        })
        .collect();
    Ok(axum::Json(Value::Array(rows)).into_response())
}

/// Whole hours, as the original's integer columns hold them (a part hour counts).
fn whole_hours(h: f64) -> i64 {
    // SLA hours are validated positive and small, so the cast cannot wrap.
    h.ceil().max(0.0) as i64
}

async fn categories(State(app): State<App>, headers: HeaderMap) -> Answer {
    who(&app, &headers).await?;
    let refs = refs(&app).await?;
    // A category without its own target imposes none: the priority's resolution target
    // applies, at most the loosest of them.
    let loosest = refs
        .priorities
        .iter()
        .map(|p| p.resolution_hours)
        .fold(0.0_f64, f64::max);
    let rows: Vec<Value> = refs
        .categories
        .iter()
        .filter(|c| c.active)
        .map(|c| {
            json!({
                "id": refs.category_ids.shown(c.id),
                "name": c.name,
                "description": c.description,
                "sla_hours": whole_hours(c.sla_hours.unwrap_or(loosest)),
                "requires_approval": c.requires_approval,
                "is_active": c.active,
            })
        })
        .collect();
    Ok(axum::Json(rows).into_response())
}

async fn priorities(State(app): State<App>, headers: HeaderMap) -> Answer {
    who(&app, &headers).await?;
    let refs = refs(&app).await?;
    let rows: Vec<Value> = refs
        .priorities
        .iter()
        .map(|p| {
            json!({
                "id": refs.priority_ids.shown(p.id),
                "name": p.name,
                "description": format!(
                    "Respond within {} h, resolve within {} h",
                    p.response_hours, p.resolution_hours
                ),
                "level": p.rank,
                // The seed's SLA hours are the response targets (Critical 1 h).
                "sla_hours": whole_hours(p.response_hours),
                "resolution_hours": whole_hours(p.resolution_hours),
                "color": hex_color(&p.color),
            })
        })
        .collect();
    Ok(axum::Json(rows).into_response())
}

/// A colour as `#rrggbb`, which the helpdesk's UI puts straight into CSS: desk's
/// colour names (`red`) mapped to the original's palette, `#rgb` widened, anything else
/// grey.
fn hex_color(color: &str) -> String {
    let c = color.trim().to_ascii_lowercase();
    let hex = |s: &str| s.len() == 6 && s.chars().all(|ch| ch.is_ascii_hexdigit());
    if let Some(h) = c.strip_prefix('#') {
        if hex(h) {
            return c;
        }
        if h.len() == 3 && h.chars().all(|ch| ch.is_ascii_hexdigit()) {
            return h.chars().fold(String::from("#"), |mut out, ch| {
                out.push(ch);
                out.push(ch);
                out
            });
        }
    }
    match c.as_str() {
        "red" => "#dc3545",
        "orange" => "#fd7e14",
        "yellow" => "#ffc107",
        "green" => "#28a745",
        "blue" => "#007bff",
        "purple" | "magenta" => "#6f42c1",
        "cyan" | "teal" => "#17a2b8",
        "black" => "#343a40",
        "white" => "#f8f9fa",
        _ => "#6c757d",
    }
    .to_string()
}

async fn statuses(State(app): State<App>, headers: HeaderMap) -> Answer {
    who(&app, &headers).await?;
    let rows: Vec<Value> = STATUSES
        .iter()
        .map(|(id, key, name, color)| {
            json!({
                "id": id,
                "name": name,
                "description": format!("desk status `{key}`"),
                "color": color,
                "is_closed": crate::domain::workflow::class_of(key) == Some(StatusClass::Done),
            })
        })
        .collect();
    Ok(axum::Json(rows).into_response())
}

async fn users(State(app): State<App>, headers: HeaderMap) -> Answer {
    let actor = who(&app, &headers).await?;
    let refs = refs(&app).await?;
    let rows: Vec<Value> = app
        .service
        .directory(&actor)
        .await
        .map_err(service_error)?
        .iter()
        .map(|u| {
            json!({
                "id": refs.user_id(u.id),
                "username": username(&u.email),
                "email": u.email,
                "full_name": u.name,
                "role": role_word(u.role),
                "is_active": u.active,
                "created_at": rfc3339(u.created_at),
            })
        })
        .collect();
    Ok(axum::Json(rows).into_response())
}

/// The original's three roles.
fn role_word(role: Role) -> &'static str {
    match role {
        Role::Customer => "customer",
        Role::Agent | Role::Supervisor => "support_agent",
        Role::Admin => "admin",
    }
}

async fn stats_json(app: &App, actor: &Actor) -> Result<Value, Rejection> {
    let stats = app.service.stats(actor).await.map_err(service_error)?;
    // From the kept counts, as everything else here: no count over the tickets.
    let critical: i64 = stats
        .open_by_priority
        .iter()
        .filter(|c| c.name.eq_ignore_ascii_case("critical"))
        .map(|c| c.count)
        .sum();
    let counts = |c: &[crate::domain::requests::Count]| {
        c.iter()
            .map(|c| json!({"name": c.name, "count": c.count}))
            .collect::<Vec<_>>()
    };
    Ok(json!({
        "total_tickets": stats.total,
        // Open in the seed's sense: not yet finished, waiting on the customer included.
        "open_tickets": stats.open + stats.pending,
        "resolved_tickets": stats.done,
        "critical_tickets": critical,
        "tickets_by_category": counts(&stats.by_category),
        "tickets_by_priority": counts(&stats.by_priority),
    }))
}

async fn stats(State(app): State<App>, headers: HeaderMap) -> Answer {
    let actor = who(&app, &headers).await?;
    Ok(axum::Json(stats_json(&app, &actor).await?).into_response())
}

async fn search(State(app): State<App>, headers: HeaderMap, params: Params) -> Answer {
    let text = params
        .as_ref()
        .ok()
        .and_then(|p| p.get("query"))
        .map(|q| q.trim().to_string())
        .unwrap_or_default();
    let sent = params.as_ref().ok().and_then(|p| p.get("query"));
    let Some(sent) = sent else {
        return Err(missing(json!(["query", "query"]), Value::Null));
    };
    if text.chars().count() < 2 {
        return Err(too_short(json!(["query", "query"]), sent, 2));
    }
    if let Err(e) = crate::domain::query::check_shape(&text) {
        return Err(detail(StatusCode::BAD_REQUEST, e.message));
    }
    let limit = int_param(&params, "limit", 1..=100)?.unwrap_or(20);
    let actor = who(&app, &headers).await?;
    let refs = refs(&app).await?;
    let want = usize::try_from(limit).unwrap_or(20);
    let tickets = collect(&app, &actor, &Filter::default().text(&text), want)
        .await
        .map_err(service_error)?;
    Ok(axum::Json(json!({
        "query": text,
        "total_results": tickets.len(),
        "results": ticket_rows(&tickets, &refs),
    }))
    .into_response())
}

async fn dashboard(State(app): State<App>, headers: HeaderMap) -> Answer {
    let actor = who(&app, &headers).await?;
    let stats = stats_json(&app, &actor).await?;
    let refs = refs(&app).await?;
    let recent = collect(&app, &actor, &Filter::default(), 10)
        .await
        .map_err(service_error)?;
    Ok(axum::Json(json!({
        "stats": stats,
        "recent_tickets": ticket_rows(&recent, &refs),
        "timestamp": rfc3339(time::now()),
    }))
    .into_response())
}
