//! Seed 000, the itinerary tracker: a customer files a ticket with an email and a trip,
//! then looks it up by ticket id and email. Ticket ids are desk keys (`TKT-42`), which
//! the tracker page shows and sends back as it got them.

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::{Value, json};

use crate::domain::model::{Role, StatusClass, Ticket};
use crate::domain::query::{Field, Query as Filter};
use crate::domain::requests::NewTicket;
use crate::service::{Actor, ServiceError};

use super::dialect::Dialect;
use super::{
    Answer, App, Rejection, WHOLE_LIST_MAX, caller, collect, object, rfc3339, text, title, value,
};

/// The calls on one ticket, which need no token.
pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/api/create_ticket", post(create))
        .route("/api/tickets/{ticket_id}", get(show))
        .route("/api/tickets/{ticket_id}/delete", delete(withdraw))
        .layer(axum::middleware::map_response(|r: Response| async move {
            DIALECT.reword(r)
        }))
}

/// The list by email, which takes a token unless the surface is anonymous.
pub(super) fn list_routes() -> Router<App> {
    Router::new().route("/api/tickets", get(list))
}

/// The original's error shape: `{error}`.
pub(super) const DIALECT: Dialect = Dialect {
    body: |m| json!({ "error": m }),
    not_found: Some("Ticket not found"),
};

fn fail(status: StatusCode, message: impl AsRef<str>) -> Rejection {
    DIALECT.fail(status, message)
}

pub(super) fn refuse(status: StatusCode, _code: &'static str, message: String) -> Response {
    DIALECT.refusal(status, &message)
}

fn service_error(e: ServiceError) -> Rejection {
    match e {
        ServiceError::Invalid(i) if i.field == "requester_email" => {
            fail(StatusCode::BAD_REQUEST, "A valid email is required")
        }
        other => DIALECT.service_error(other),
    }
}

/// The tracker's words: it tells "still being worked on" from how it ended.
fn status_word(t: &Ticket) -> &str {
    match t.status_class {
        StatusClass::Open | StatusClass::Pending => "active",
        StatusClass::Done => match t.status.as_str() {
            "rejected" => "rejected",
            "closed" => "closed",
            _ => "resolved",
        },
    }
}

/// The trip fields the tracker page shows beside the status, copied from the stored
/// itinerary when it has them.
const TRIP_FIELDS: [&str; 3] = ["destination", "travel_dates", "travelers"];

fn summary(t: &Ticket) -> Value {
    json!({
        "ticket_id": t.key,
        "status": status_word(t),
        "created_at": rfc3339(t.created_at),
        "updated_at": rfc3339(t.updated_at),
    })
}

/// A list row: the summary with the trip's destination and dates, and how many days
/// are left until it starts (null when the dates cannot be read).
fn list_row(t: &Ticket, today: chrono::NaiveDate) -> Value {
    let mut row = summary(t);
    let trip = t.custom_fields.get("itinerary");
    let field = |k: &str| trip.and_then(|i| i.get(k)).cloned().unwrap_or(Value::Null);
    row["destination"] = field("destination");
    row["travel_dates"] = field("travel_dates");
    row["days_until_trip"] =
        json!(first_date(&field("travel_dates")).map(|d| (d - today).num_days()));
    row
}

/// The first date in a trip's `travel_dates`, however the page wrote it: a string
/// (`"2026-06-01 to 2026-06-05"`), a list of dates, or an object with a start.
fn first_date(v: &Value) -> Option<chrono::NaiveDate> {
    match v {
        Value::String(s) => (0..s.len().saturating_sub(9)).find_map(|i| {
            let bit = s.get(i..i + 10)?;
            chrono::NaiveDate::parse_from_str(bit, "%Y-%m-%d").ok()
        }),
        Value::Array(items) => items.first().and_then(first_date),
        Value::Object(map) => ["start", "start_date", "from", "departure"]
            .iter()
            .find_map(|k| map.get(*k))
            .and_then(first_date),
        _ => None,
    }
}

async fn create(State(app): State<App>, body: Bytes) -> Answer {
    let map = object(&body).map_err(|bad| fail(StatusCode::BAD_REQUEST, bad.message()))?;
    let email =
        text(&map, &["email"]).ok_or_else(|| fail(StatusCode::BAD_REQUEST, "Email is required"))?;
    let trip_id = value(&map, &["trip_id"]);
    let itinerary = value(&map, &["itinerary"]);
    if itinerary.as_ref().is_some_and(|i| !i.is_object()) {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "itinerary must be a JSON object",
        ));
    }
    let made_title = match &trip_id {
        Some(Value::String(trip)) => format!("Itinerary tracking for trip {trip}"),
        Some(other) => format!("Itinerary tracking for trip {other}"),
        None => "Itinerary tracking".to_string(),
    };
    let mut custom_fields = crate::domain::model::CustomFields::new();
    if let Some(v) = trip_id {
        custom_fields.insert("trip_id".into(), v);
    }
    if let Some(v) = itinerary {
        custom_fields.insert("itinerary".into(), v);
    }
    let new = NewTicket {
        title: title(made_title),
        description: "Filed from the itinerary tracker.".into(),
        custom_fields,
        ..NewTicket::default()
    };
    // Filing needs no account: the email is the requester, as on the original.
    let actor = Actor::Contact { email };
    let t = app
        .service
        .create_ticket(&actor, new)
        .await
        .map_err(service_error)?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({
            "ticket_id": t.key,
            "status": "created",
            "message": "Your ticket has been created. You can use this ticket ID to track your itinerary.",
        })),
    )
        .into_response())
}

type Params = Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>;

fn email_param(query: &Params) -> Result<String, Rejection> {
    query
        .as_ref()
        .ok()
        .and_then(|q| q.get("email"))
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty())
        .ok_or_else(|| fail(StatusCode::BAD_REQUEST, "Email is required"))
}

async fn show(State(app): State<App>, Path(ticket_id): Path<String>, query: Params) -> Answer {
    let email = email_param(&query)?;
    let t = app
        .service
        .track_ticket(&ticket_id, &email)
        .await
        .map_err(service_error)?;
    let mut ticket = summary(&t);
    // `trip` is the itinerary object as it was sent: the page reads
    // `trip.destination` and `trip.itinerary[]` straight from it.
    if let Some(trip) = t.custom_fields.get("itinerary") {
        for k in TRIP_FIELDS {
            if let Some(v) = trip.get(k).filter(|v| !v.is_null()) {
                ticket[k] = v.clone();
            }
        }
        ticket["trip"] = trip.clone();
    }
    if let Some(id) = t.custom_fields.get("trip_id") {
        ticket["trip_id"] = id.clone();
    }
    Ok(axum::Json(json!({ "ticket": ticket })).into_response())
}

/// Every ticket of one email: more than one ticket, so it takes a desk token (or the
/// surface's anonymous account when the operator allowed it).
async fn list(State(app): State<App>, headers: HeaderMap, query: Params) -> Answer {
    let email = email_param(&query)?;
    let surface = app.options.compat.tracking;
    let actor = caller(&app, &headers, "tracking", surface, Role::Agent)
        .await
        .map_err(service_error)?;
    let q = Filter::default().filter(Field::Requester, &[&email]);
    let tickets = collect(&app, &actor, &q, WHOLE_LIST_MAX)
        .await
        .map_err(service_error)?;
    let today = chrono::Utc::now().date_naive();
    let rows: Vec<Value> = tickets.iter().map(|t| list_row(t, today)).collect();
    Ok(axum::Json(json!({ "tickets": rows })).into_response())
}

/// The tracker page's delete button. desk withdraws the ticket (closed, with an event
/// saying so) rather than destroying it: the audit trail keeps every ticket.
async fn withdraw(State(app): State<App>, Path(ticket_id): Path<String>, query: Params) -> Answer {
    let email = email_param(&query)?;
    app.service
        .tracker_withdraw(&ticket_id, &email)
        .await
        .map_err(service_error)?;
    Ok(axum::Json(json!({ "message": "Your ticket has been withdrawn" })).into_response())
}
