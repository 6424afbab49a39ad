//! Seed 002, service requests a supervisor approves: a customer files one with an
//! address and documents, a supervisor approves or rejects it with notes, a technician
//! is assigned. A request is a desk ticket in the "Service request" category (which
//! requires approval); the request's `id` is the ticket number, its address, documents
//! and notes are custom fields, and `ticket_id` is the client's `SRV-YYYY-NNNNN` when it
//! sent one, else one made from the ticket number.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

use crate::domain::model::{CustomFields, Role, Ticket, User};
use crate::domain::query::{Field, Query};
use crate::domain::requests::{NewTicket, TicketEdit};
use crate::service::{Actor, ServiceError, TicketChange};

use super::dialect::Dialect;
use super::{
    Answer, App, Rejection, WHOLE_LIST_MAX, caller, collect, object, rfc3339, text, title, value,
};

const CATEGORY: &str = "Service request";

/// The React pages sign in here; rate limited like desk's own login.
pub(super) fn login_routes() -> Router<App> {
    Router::new().route("/api/auth/login", post(login))
}

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/api/service-requests", get(list_all).post(create))
        .route("/api/service-requests/pending", get(list_pending))
        .route("/api/service-requests/user/{user_id}", get(list_for_user))
        .route("/api/service-requests/{id}", get(show).patch(update))
        .route("/api/service-requests/{id}/approve", post(approve))
        .route("/api/service-requests/{id}/reject", post(reject))
        .route(
            super::service_documents::PATH,
            post(super::service_documents::upload),
        )
        .route(
            "/api/uploads/service-documents/{secret}",
            get(super::service_documents::download),
        )
}

const DIALECT: Dialect = Dialect {
    body: |m| json!({ "success": false, "error": m }),
    not_found: Some("Service request not found"),
};

fn fail(status: StatusCode, message: impl AsRef<str>) -> Rejection {
    DIALECT.fail(status, message)
}

fn bad_body(bad: super::BadBody) -> Rejection {
    DIALECT.bad_body(bad)
}

pub(super) fn refuse(status: StatusCode, _code: &'static str, message: String) -> Response {
    DIALECT.refusal(status, &message)
}

fn service_error(e: ServiceError) -> Rejection {
    match e {
        ServiceError::NotFound { what: "user", key } => {
            fail(StatusCode::BAD_REQUEST, format!("Unknown user {key}"))
        }
        other => DIALECT.service_error(other),
    }
}

/// [`who`], for the upload door beside this surface.
pub(super) async fn who_for(app: &App, headers: &HeaderMap) -> Result<Actor, Rejection> {
    who(app, headers).await
}

/// Supervisors approve requests, so an anonymous surface acts as one.
async fn who(app: &App, headers: &HeaderMap) -> Result<Actor, Rejection> {
    let surface = app.options.compat.service_requests;
    caller(app, headers, "service_requests", surface, Role::Supervisor)
        .await
        .map_err(service_error)
}

/// desk status -> the request's status word.
fn status_word(status: &str) -> &str {
    match status {
        "new" => "pending",
        "resolved" | "closed" => "completed",
        // The request's vocabulary has no word for these; work is still going on.
        "escalated" | "waiting_on_customer" => "in_progress",
        other => other,
    }
}

/// The request's status word -> desk status.
fn desk_status(word: &str) -> Option<&'static str> {
    Some(match word.trim().to_ascii_lowercase().as_str() {
        "pending" => "new",
        "under_review" => "under_review",
        "approved" => "approved",
        "rejected" => "rejected",
        "assigned" => "assigned",
        "in_progress" => "in_progress",
        "completed" => "resolved",
        _ => return None,
    })
}

fn desk_priority(word: &str) -> Option<&'static str> {
    Some(match word.trim().to_ascii_lowercase().as_str() {
        "low" => "Low",
        "medium" => "Medium",
        "high" => "High",
        _ => return None,
    })
}

fn priority_word(name: &str) -> String {
    match name {
        // The request's scale stops at high.
        "Critical" => "high".into(),
        other => other.to_ascii_lowercase(),
    }
}

/// (wire names, custom field). The client sends camelCase or snake_case.
const FIELDS: [(&[&str], &str); 10] = [
    (&["ticketId", "ticket_id"], "ticket_id"),
    (&["serviceType", "service_type"], "service_type"),
    (&["fullName", "full_name"], "full_name"),
    (&["phone"], "phone"),
    (&["fullAddress", "full_address"], "full_address"),
    (&["city"], "city"),
    (&["woreda"], "woreda"),
    (&["kebele"], "kebele"),
    (
        &["housePlotNumber", "house_plot_number"],
        "house_plot_number",
    ),
    (&["nearbyLandmark", "nearby_landmark"], "nearby_landmark"),
];

const REQUIRED: [&str; 4] = ["service_type", "full_name", "phone", "full_address"];

fn row(t: &Ticket) -> Value {
    let field = |k: &str| t.custom_fields.get(k).cloned().unwrap_or(Value::Null);
    let ticket_id = match t.custom_fields.get("ticket_id") {
        Some(Value::String(s)) => s.clone(),
        _ => made_ticket_id(t),
    };
    let created_by = t
        .custom_fields
        .get("created_by")
        .cloned()
        .or_else(|| t.requester.user_id.map(|id| json!(id)))
        .unwrap_or(Value::Null);
    json!({
        "id": t.id,
        "ticket_id": ticket_id,
        "service_type": field("service_type"),
        "status": status_word(&t.status),
        "priority": priority_word(&t.priority),
        "full_name": field("full_name"),
        "phone": field("phone"),
        "full_address": field("full_address"),
        "city": field("city"),
        "woreda": field("woreda"),
        "kebele": field("kebele"),
        "house_plot_number": field("house_plot_number"),
        "nearby_landmark": field("nearby_landmark"),
        "documents": t.custom_fields.get("documents").cloned().unwrap_or(json!([])),
        "supervisor_notes": field("supervisor_notes"),
        "assigned_to": t.assignee.as_ref().map(|a| a.id),
        // The name the pages show for the assignee.
        "assigned_to_username": t.assignee.as_ref().map(|a| a.name.clone()),
        "created_by": created_by,
        "key": t.key,
        "created_at": rfc3339(t.created_at),
        "updated_at": rfc3339(t.updated_at),
    })
}

/// `SRV-<year filed>-<number, five digits>`: stable, since both parts never change.
fn made_ticket_id(t: &Ticket) -> String {
    let year = rfc3339(t.created_at).get(..4).unwrap_or("0000").to_string();
    format!("SRV-{year}-{:05}", t.id)
}

async fn create(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Answer {
    let map = object(&body).map_err(bad_body)?;
    let mut custom_fields = CustomFields::new();
    for (names, key) in FIELDS {
        if let Some(v) = text(&map, names) {
            custom_fields.insert(key.into(), json!(v));
        }
    }
    if REQUIRED.iter().any(|k| !custom_fields.contains_key(*k)) {
        return Err(fail(StatusCode::BAD_REQUEST, "Missing required fields"));
    }
    let uploads = super::service_documents::secrets(value(&map, &["documents"]).as_ref());
    if let Some(docs) = value(&map, &["documents"]) {
        custom_fields.insert("documents".into(), docs);
    }
    // An integer, as the pages send their user's id; kept as sent otherwise.
    let created_by = value(&map, &["createdBy", "created_by"]).map(|v| match &v {
        Value::String(s) => s.trim().parse::<i64>().map_or(v.clone(), |n| json!(n)),
        _ => v,
    });
    if let Some(v) = &created_by {
        custom_fields.insert("created_by".into(), v.clone());
    }
    let priority = text(&map, &["priority"])
        .map(|p| desk_priority(&p).ok_or_else(bad_priority))
        .transpose()?;
    let actor = who(&app, &headers).await?;
    // A known account named by `createdBy` is the requester, so they see the request
    // wherever they look in desk. Only staff (or the surface's own account) file for
    // someone else; a customer's request is theirs whatever `createdBy` says, which is
    // then kept only as the field they sent.
    let named = created_by
        .as_ref()
        .and_then(Value::as_i64)
        .filter(|id| actor.is_staff() || actor.user_id() == Some(*id));
    let requester = match named {
        Some(id) => match app.service.person(&actor, id).await {
            Ok(user) => Some(user),
            Err(ServiceError::NotFound { .. }) => None,
            Err(e) => return Err(service_error(e)),
        },
        None => None,
    };
    let field = |k: &str| {
        custom_fields
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let (service_type, full_name) = (field("service_type"), field("full_name"));
    let new = NewTicket {
        title: title(format!("{service_type} for {full_name}")),
        description: format!("Service request: {service_type}"),
        category: Some(CATEGORY.into()),
        priority: priority.map(String::from),
        custom_fields,
        requester_email: requester
            .filter(|u| actor.user_id() != Some(u.id))
            .map(|u| u.email),
        ..NewTicket::default()
    };
    // `ticket_id` is unique, as the original's column was.
    let t = app
        .service
        .create_ticket_unique_with(&actor, new, "ticket_id", &uploads)
        .await
        .map_err(|e| match e {
            ServiceError::Duplicate(_) => fail(StatusCode::CONFLICT, "Ticket ID already exists"),
            other => service_error(other),
        })?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({
            "success": true,
            "message": "Service request created successfully",
            "request": row(&t),
        })),
    )
        .into_response())
}

fn bad_priority() -> Rejection {
    fail(
        StatusCode::BAD_REQUEST,
        "priority must be low, medium or high",
    )
}

/// The service requests (their category) that also match `q`.
async fn requests(app: &App, actor: &Actor, q: Query) -> Result<Vec<Value>, Rejection> {
    let q = q.filter(Field::Category, &[CATEGORY]);
    let tickets = collect(app, actor, &q, WHOLE_LIST_MAX)
        .await
        .map_err(service_error)?;
    Ok(tickets.iter().map(row).collect())
}

fn listed(key: &str, rows: Vec<Value>) -> Response {
    let count = rows.len();
    let mut body = Map::new();
    body.insert("success".into(), json!(true));
    body.insert(key.into(), Value::Array(rows));
    body.insert("count".into(), json!(count));
    axum::Json(Value::Object(body)).into_response()
}

async fn list_all(State(app): State<App>, headers: HeaderMap) -> Answer {
    let actor = who(&app, &headers).await?;
    Ok(listed(
        "requests",
        requests(&app, &actor, Query::default()).await?,
    ))
}

async fn list_pending(State(app): State<App>, headers: HeaderMap) -> Answer {
    let actor = who(&app, &headers).await?;
    Ok(listed(
        "requests",
        requests(
            &app,
            &actor,
            Query::default().filter(Field::Status, &["new"]),
        )
        .await?,
    ))
}

/// The requests one user filed: by the client's `createdBy`, or by the desk account
/// that filed them when the client sent none.
async fn list_for_user(
    State(app): State<App>,
    headers: HeaderMap,
    Path(user_id): Path<String>,
) -> Answer {
    let actor = who(&app, &headers).await?;
    let mine: Vec<Value> = requests(&app, &actor, Query::default())
        .await?
        .into_iter()
        .filter(|r| match &r["created_by"] {
            Value::String(s) => *s == user_id,
            Value::Number(n) => n.to_string() == user_id,
            _ => false,
        })
        .collect();
    Ok(listed("tickets", mine))
}

/// The ticket behind request `id`, refusing tickets that are not service requests so
/// that this surface cannot be used to read the rest of the desk.
async fn request(app: &App, actor: &Actor, id: &str) -> Result<Ticket, Rejection> {
    let not_found = || fail(StatusCode::NOT_FOUND, "Service request not found");
    if id.trim().parse::<i64>().is_err() {
        return Err(not_found());
    }
    let t = app
        .service
        .get_ticket_only(actor, id)
        .await
        .map_err(service_error)?;
    if t.category != CATEGORY {
        return Err(not_found());
    }
    Ok(t)
}

fn one(t: &Ticket) -> Response {
    axum::Json(json!({"success": true, "request": row(t)})).into_response()
}

/// A change's answer: the pages show `message` in their toast.
fn changed(t: &Ticket, message: &str) -> Response {
    axum::Json(json!({"success": true, "message": message, "request": row(t)})).into_response()
}

async fn show(State(app): State<App>, headers: HeaderMap, Path(id): Path<String>) -> Answer {
    let actor = who(&app, &headers).await?;
    Ok(one(&request(&app, &actor, &id).await?))
}

/// The supervisor's notes, kept on the request where the customer's page reads them.
fn notes_edit(notes: Option<&str>) -> TicketEdit {
    TicketEdit {
        custom_fields: notes.map(|n| BTreeMap::from([("supervisor_notes".to_string(), json!(n))])),
        ..TicketEdit::default()
    }
}

/// The staff member `id` names, for assignment.
async fn assignee(app: &App, actor: &Actor, id: &Value) -> Result<Option<User>, Rejection> {
    let id = match id {
        Value::Null => return Ok(None),
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    let id = id.ok_or_else(|| fail(StatusCode::BAD_REQUEST, "assigned_to must be a user id"))?;
    app.service
        .person(actor, id)
        .await
        .map(Some)
        .map_err(service_error)
}

/// A decision or move (`to`) with the supervisor's notes, as one change.
async fn decide(
    app: &App,
    actor: &Actor,
    key: &str,
    to: &str,
    notes: Option<&str>,
) -> Result<Ticket, Rejection> {
    let change = TicketChange {
        edit: notes_edit(notes),
        status: Some(to.to_string()),
        note: notes.map(str::to_string),
        ..TicketChange::default()
    };
    let (t, _) = app
        .service
        .apply(actor, key, change, None)
        .await
        .map_err(service_error)?;
    Ok(t)
}

async fn update(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let map = object(&body).map_err(bad_body)?;
    let actor = who(&app, &headers).await?;
    let t = request(&app, &actor, &id).await?;
    let status = text(&map, &["status"]);
    let priority = text(&map, &["priority"]);
    let notes = text(&map, &["supervisor_notes", "supervisorNotes"]);
    let assigned = map.get("assigned_to").or_else(|| map.get("assignedTo"));
    if status.is_none() && priority.is_none() && notes.is_none() && assigned.is_none() {
        return Err(fail(StatusCode::BAD_REQUEST, "No fields to update"));
    }
    let to = status
        .as_deref()
        .map(|s| desk_status(s).ok_or_else(|| fail(StatusCode::BAD_REQUEST, "Invalid status")))
        .transpose()?;
    let priority = priority
        .as_deref()
        .map(|p| desk_priority(p).ok_or_else(bad_priority))
        .transpose()?;
    let assignee = match assigned {
        Some(who) => Some(assignee(&app, &actor, who).await?.map(|p| p.email)),
        None => None,
    };
    // One change: assignment before the status (a status of `assigned` needs an
    // assignee), the notes with the decision they explain.
    let mut edit = notes_edit(notes.as_deref());
    edit.priority = priority.map(str::to_string);
    let change = TicketChange {
        edit,
        assignee,
        status: to.map(str::to_string),
        note: notes.clone().filter(|_| to.is_some()),
        ..TicketChange::default()
    };
    let (t, _) = app
        .service
        .apply(&actor, &t.key, change, None)
        .await
        .map_err(service_error)?;
    Ok(changed(&t, "Service request updated successfully"))
}

async fn approve_or_reject(
    app: App,
    headers: HeaderMap,
    id: String,
    body: Bytes,
    to: &str,
) -> Answer {
    // The body is optional here: a bare approve is a decision without notes.
    let map = if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        object(&body).map_err(bad_body)?
    };
    let actor = who(&app, &headers).await?;
    let t = request(&app, &actor, &id).await?;
    let notes = text(&map, &["supervisor_notes", "supervisorNotes", "notes"]);
    let t = decide(&app, &actor, &t.key, to, notes.as_deref()).await?;
    let message = if to == "approved" {
        "Service request approved successfully"
    } else {
        "Service request rejected successfully"
    };
    Ok(changed(&t, message))
}

async fn approve(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    approve_or_reject(app, headers, id, body, "approved").await
}

async fn reject(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    approve_or_reject(app, headers, id, body, "rejected").await
}

/// The seed's words for desk's roles: agents are its technicians.
fn role_word(role: Role) -> &'static str {
    match role {
        Role::Customer => "customer",
        Role::Agent => "technician",
        Role::Supervisor => "supervisor",
        Role::Admin => "admin",
    }
}

/// `POST /api/auth/login`: a desk token and the account the pages keep in
/// localStorage; `user.id` is the id they send back as `createdBy` and in `/user/{id}`.
async fn login(State(app): State<App>, body: Bytes) -> Answer {
    let map = object(&body).map_err(bad_body)?;
    let Some((email, password)) = super::credentials(&map) else {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "Email and password are required",
        ));
    };
    match app
        .service
        .login(&email, &password, app.options.token_ttl_hours)
        .await
    {
        Ok(issued) => Ok(axum::Json(json!({
            "success": true,
            "token": issued.token,
            "user": {
                "id": issued.user.id,
                "email": issued.user.email,
                "name": issued.user.name,
                "role": role_word(issued.user.role),
            },
        }))
        .into_response()),
        Err(ServiceError::Unauthenticated(_)) => {
            Err(fail(StatusCode::UNAUTHORIZED, "Invalid email or password"))
        }
        Err(e) => Err(service_error(e)),
    }
}
