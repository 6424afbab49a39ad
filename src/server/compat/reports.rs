//! Seed 003, support reports in a travel booking system: people sign up and log in
//! (desk accounts and desk tokens stand in for its JWTs), file reports about a booking,
//! and support staff answer them. A report is a desk ticket tagged `report`; its
//! `ReportID` is the ticket number, the booking's ticket and reservation ids and the
//! report category are custom fields, and the answer is a public comment.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::domain::model::{CustomFields, Role, StatusClass, Ticket, Visibility};
use crate::domain::requests::NewTicket;
use crate::service::{Actor, ServiceError};

use super::{App, WHOLE_LIST_MAX, caller, collect, object, text};

/// Marks the tickets filed as reports, so the report lists can ask the store for them.
const TAG: &str = "report";

pub(super) fn login_routes() -> Router<App> {
    Router::new()
        .route("/users/signup", post(signup))
        .route("/users/login", post(login))
}

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/reports/submit", post(submit))
        .route("/reports/my", get(mine))
        .route("/support/admin/reports", get(all))
        .route("/support/admin/reports/respond", post(respond))
}

fn fail(status: StatusCode, message: impl Into<String>) -> Response {
    (status, axum::Json(json!({"error": message.into()}))).into_response()
}

pub(super) fn refuse(status: StatusCode, _code: &'static str, message: String) -> Response {
    fail(status, message)
}

fn service_error(e: ServiceError) -> Response {
    match e {
        ServiceError::NotFound(_) => fail(StatusCode::NOT_FOUND, "Report not found"),
        ServiceError::Invalid(i) => fail(StatusCode::BAD_REQUEST, i.to_string()),
        ServiceError::Workflow(w) => fail(StatusCode::BAD_REQUEST, w.to_string()),
        ServiceError::Duplicate(_) => fail(StatusCode::BAD_REQUEST, "Email already registered"),
        ServiceError::Unauthenticated(m) => fail(StatusCode::UNAUTHORIZED, m),
        other => {
            let api = crate::server::ApiError::from(other);
            fail(api.status, api.message)
        }
    }
}

/// Its users always signed in, so `anonymous` opens nothing here: a report needs a
/// person to answer to.
async fn who(app: &App, headers: &HeaderMap) -> Result<Actor, Response> {
    let surface = super::Surface {
        anonymous: false,
        ..app.options.compat.reports
    };
    caller(app, headers, "reports", surface, Role::Customer)
        .await
        .map_err(service_error)
}

async fn signup(State(app): State<App>, body: Bytes) -> Response {
    let map = match object(&body) {
        Ok(map) => map,
        Err(bad) => return fail(StatusCode::BAD_REQUEST, bad.message()),
    };
    let fields =
        ["firstName", "lastName", "email", "password", "userType"].map(|k| text(&map, &[k]));
    let [Some(first), Some(last), Some(email), Some(_), Some(_)] = &fields else {
        return fail(StatusCode::BAD_REQUEST, "All fields are required");
    };
    // The password is taken as sent: spaces may be part of it.
    let password = map
        .get("password")
        .and_then(Value::as_str)
        .unwrap_or_default();
    // `userType` is accepted and not obeyed: every sign-up is a customer, and staff
    // roles are given by a desk admin.
    match app
        .service
        .sign_up(email, &format!("{first} {last}"), password)
        .await
    {
        Ok(_) => (
            StatusCode::CREATED,
            axum::Json(json!({"message": "User registered successfully"})),
        )
            .into_response(),
        Err(e) => service_error(e),
    }
}

async fn login(State(app): State<App>, body: Bytes) -> Response {
    let map = match object(&body) {
        Ok(map) => map,
        Err(bad) => return fail(StatusCode::BAD_REQUEST, bad.message()),
    };
    let (Some(email), Some(password)) = (
        text(&map, &["email"]),
        map.get("password").and_then(Value::as_str),
    ) else {
        return fail(StatusCode::BAD_REQUEST, "Email and password are required");
    };
    match app
        .service
        .login(&email, password, app.options.token_ttl_hours)
        .await
    {
        Ok(issued) => axum::Json(json!({"token": issued.token})).into_response(),
        Err(ServiceError::Unauthenticated(_)) => {
            fail(StatusCode::UNAUTHORIZED, "Invalid email or password")
        }
        Err(e) => service_error(e),
    }
}

async fn submit(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let actor = match who(&app, &headers).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let map = match object(&body) {
        Ok(map) => map,
        Err(bad) => return fail(StatusCode::BAD_REQUEST, bad.message()),
    };
    let category = text(&map, &["reportCategory", "category", "ReportCategory"]);
    let report = text(&map, &["reportText", "text", "ReportText"]);
    let (Some(category), Some(report)) = (category, report) else {
        return fail(StatusCode::BAD_REQUEST, "Invalid input");
    };
    let mut custom_fields = CustomFields::new();
    custom_fields.insert("report_category".into(), json!(category));
    for (names, key) in [
        (["ticketID", "TicketID"], "booking_ticket_id"),
        (["reservationID", "ReservationID"], "reservation_id"),
    ] {
        if let Some(v) = text(&map, &names) {
            custom_fields.insert(key.into(), json!(v));
        }
    }
    let title: String = format!("{category} report").chars().take(200).collect();
    let new = NewTicket {
        title,
        description: report,
        tags: vec![TAG.into()],
        custom_fields,
        ..NewTicket::default()
    };
    match app.service.create_ticket(&actor, new).await {
        Ok(t) => (
            StatusCode::CREATED,
            axum::Json(json!({"message": "Report submitted successfully", "ReportID": t.id})),
        )
            .into_response(),
        Err(e) => service_error(e),
    }
}

/// The report's row: its answer is the newest public reply by someone other than the
/// person who filed it.
async fn rows(app: &App, actor: &Actor, tickets: Vec<Ticket>) -> Result<Vec<Value>, Response> {
    let mut out = Vec::with_capacity(tickets.len());
    for t in tickets {
        let view = app
            .service
            .get_ticket(actor, &t.key)
            .await
            .map_err(service_error)?;
        let answer = view
            .comments
            .iter()
            .rev()
            .find(|c| {
                c.visibility == Visibility::Public
                    && c.author.as_ref().map(|a| a.id) != t.requester.user_id
                    && c.author.is_some()
            })
            .map(|c| c.body.clone());
        let field = |k: &str| t.custom_fields.get(k).cloned().unwrap_or(Value::Null);
        out.push(json!({
            "ReportID": t.id,
            "TicketID": field("booking_ticket_id"),
            "ReservationID": field("reservation_id"),
            "ReportCategory": field("report_category"),
            "ReportText": t.description,
            "ProcessingStatus": if t.status_class == StatusClass::Done { "Reviewed" } else { "Pending" },
            "Answer": answer,
        }));
    }
    Ok(out)
}

async fn listing(app: &App, actor: &Actor, q: &str) -> Response {
    let tickets = match collect(app, actor, q, WHOLE_LIST_MAX).await {
        Ok(t) => t,
        Err(e) => return service_error(e),
    };
    match rows(app, actor, tickets).await {
        Ok(rows) => axum::Json(Value::Array(rows)).into_response(),
        Err(r) => r,
    }
}

async fn mine(State(app): State<App>, headers: HeaderMap) -> Response {
    let actor = match who(&app, &headers).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    listing(&app, &actor, &format!("tag:{TAG} requester:me")).await
}

async fn all(State(app): State<App>, headers: HeaderMap) -> Response {
    let actor = match who(&app, &headers).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    // Customers would get their own reports from the list; the original refused them.
    if let Err(e) = actor.require_staff("see everyone's reports") {
        return fail(StatusCode::FORBIDDEN, e.to_string());
    }
    listing(&app, &actor, &format!("tag:{TAG}")).await
}

async fn respond(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let actor = match who(&app, &headers).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    // Checked before anything is written: a customer's answer must not land as a reply.
    if let Err(e) = actor.require_staff("answer reports") {
        return fail(StatusCode::FORBIDDEN, e.to_string());
    }
    let Ok(map) = object(&body) else {
        return fail(StatusCode::BAD_REQUEST, "Invalid input");
    };
    let id = map.get("ReportID").and_then(|v| match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    });
    let to = match map.get("ProcessingStatus").and_then(Value::as_str) {
        Some("Reviewed") => "resolved",
        Some("Pending") => "in_progress",
        _ => return fail(StatusCode::BAD_REQUEST, "Invalid input"),
    };
    let Some(id) = id else {
        return fail(StatusCode::BAD_REQUEST, "Invalid input");
    };
    let answer = text(&map, &["Answer", "answer"]);
    let key = id.to_string();
    let t = match app.service.get_ticket_only(&actor, &key).await {
        Ok(t) if t.tags.iter().any(|g| g == TAG) => t,
        Ok(_) => return fail(StatusCode::NOT_FOUND, "Report not found"),
        Err(e) => return service_error(e),
    };
    if let Some(answer) = answer {
        if let Err(e) = app
            .service
            .comment(&actor, &t.key, &answer, Visibility::Public, None)
            .await
        {
            return service_error(e);
        }
    }
    if t.status != to {
        if let Err(e) = app.service.transition(&actor, &t.key, to, None, None).await {
            return service_error(e);
        }
    }
    axum::Json(json!({"message": "Report updated"})).into_response()
}
