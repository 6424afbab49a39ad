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
use crate::domain::query::{Field, Query};
use crate::domain::requests::NewTicket;
use crate::service::{Actor, ServiceError};

use super::dialect::Dialect;
use super::{Answer, App, Rejection, WHOLE_LIST_MAX, caller, collect, object, text, title, value};

/// Marks the tickets filed as reports, so the report lists can ask the store for them.
const TAG: &str = "report";

/// Signing up and logging in each get their own rate limit bucket, so that a normal
/// sign-up-then-log-in does not spend the login limit twice.
pub(super) fn signup_routes() -> Router<App> {
    Router::new().route("/users/signup", post(signup))
}

pub(super) fn login_routes() -> Router<App> {
    Router::new().route("/users/login", post(login))
}

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/reports/submit", post(submit))
        .route("/reports/my", get(mine))
        .route("/support/admin/reports", get(all))
        .route("/support/admin/reports/respond", post(respond))
}

/// The original's errors carry `message`...
const DIALECT: Dialect = Dialect {
    body: |m| json!({ "message": m }),
    not_found: Some("Report not found"),
};

/// ...except the respond call's, which carry `error`.
const RESPOND: Dialect = Dialect {
    body: |m| json!({ "error": m }),
    not_found: Some("Report not found"),
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
        ServiceError::Duplicate(_) => fail(StatusCode::BAD_REQUEST, "Email already registered"),
        ServiceError::Unauthenticated(m) => fail(StatusCode::UNAUTHORIZED, m),
        other => DIALECT.service_error(other),
    }
}

/// Its users always signed in, so `anonymous` opens nothing here: a report needs a
/// person to answer to.
async fn who(app: &App, headers: &HeaderMap) -> Result<Actor, Rejection> {
    let surface = super::Surface {
        anonymous: false,
        ..app.options.compat.reports
    };
    caller(app, headers, "reports", surface, Role::Customer)
        .await
        .map_err(service_error)
}

/// Support and admin roles of the original are desk's staff. Checked before anything
/// is read or written: a customer's "answer" must not land as a reply.
fn staff_only(actor: &Actor, what: &str) -> Result<(), Rejection> {
    actor
        .require_staff(what)
        .map_err(|e| fail(StatusCode::FORBIDDEN, e.to_string()))
}

async fn signup(State(app): State<App>, body: Bytes) -> Answer {
    let map = object(&body).map_err(bad_body)?;
    let fields =
        ["firstName", "lastName", "email", "password", "userType"].map(|k| text(&map, &[k]));
    let [Some(first), Some(last), Some(email), Some(_), Some(_)] = &fields else {
        return Err(fail(StatusCode::BAD_REQUEST, "All fields are required"));
    };
    // The password is taken as sent: spaces may be part of it.
    let password = map
        .get("password")
        .and_then(Value::as_str)
        .unwrap_or_default();
    // `userType` is accepted and not obeyed: every sign-up is a customer, and staff
    // roles are given by a desk admin.
    let user = app
        .service
        .sign_up(email, &format!("{first} {last}"), password)
        .await
        .map_err(service_error)?;
    // Signed in at once, as the original's clients expect.
    let issued = app
        .service
        .issue_token(&user, "reports signup", app.options.token_ttl_hours)
        .await
        .map_err(service_error)?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({"message": "User registered successfully", "token": issued.token})),
    )
        .into_response())
}

/// The original's names for its roles.
fn user_type(role: Role) -> &'static str {
    match role {
        Role::Customer => "Customer",
        Role::Admin => "Admin",
        Role::Agent | Role::Supervisor => "Support",
    }
}

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
            "message": "Login successful",
            "token": issued.token,
            "userType": user_type(issued.user.role),
        }))
        .into_response()),
        Err(ServiceError::Unauthenticated(_)) => {
            Err(fail(StatusCode::UNAUTHORIZED, "Invalid email or password"))
        }
        Err(e) => Err(service_error(e)),
    }
}

async fn submit(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Answer {
    let actor = who(&app, &headers).await?;
    let map = object(&body).map_err(bad_body)?;
    let category = text(&map, &["reportCategory", "category", "ReportCategory"]);
    let report = text(&map, &["reportText", "text", "ReportText"]);
    let (Some(category), Some(report)) = (category, report) else {
        return Err(fail(StatusCode::BAD_REQUEST, "Invalid input"));
    };
    let allowed = &app.options.compat.report_categories;
    let Some(category) = allowed
        .iter()
        .find(|c| c.eq_ignore_ascii_case(&category))
        .cloned()
    else {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            format!(
                "Invalid report category; expected one of: {}",
                allowed.join(", ")
            ),
        ));
    };
    let mut custom_fields = CustomFields::new();
    custom_fields.insert("report_category".into(), json!(category));
    // Kept as sent: the original's columns are integers, and its clients compare
    // them with what they sent.
    for (names, key) in [
        (["ticketID", "TicketID"], "booking_ticket_id"),
        (["reservationID", "ReservationID"], "reservation_id"),
    ] {
        match value(&map, &names) {
            None => {}
            Some(Value::String(s)) if s.trim().is_empty() => {}
            Some(v @ (Value::Number(_) | Value::String(_))) => {
                custom_fields.insert(key.into(), v);
            }
            Some(_) => return Err(fail(StatusCode::BAD_REQUEST, "Invalid input")),
        }
    }
    let new = NewTicket {
        title: title(format!("{category} report")),
        description: report,
        custom_fields,
        ..NewTicket::default()
    };
    let t = app
        .service
        .create_ticket_marked(&actor, new, &[TAG])
        .await
        .map_err(service_error)?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({"message": "Report submitted successfully", "ReportID": t.id})),
    )
        .into_response())
}

/// The report's row: its answer is the newest public reply by staff, that is by an
/// account other than the one that filed it.
async fn row(app: &App, actor: &Actor, t: &Ticket, reporter: bool) -> Result<Value, Rejection> {
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
                && c.author
                    .as_ref()
                    .is_some_and(|a| Some(a.id) != t.requester.user_id)
        })
        .map(|c| c.body.clone());
    let field = |k: &str| t.custom_fields.get(k).cloned().unwrap_or(Value::Null);
    let processing = if t.status_class == StatusClass::Done {
        "Reviewed"
    } else {
        "Pending"
    };
    let mut row = json!({
        "ReportID": t.id,
        "TicketID": field("booking_ticket_id"),
        "ReservationID": field("reservation_id"),
        "ReportCategory": field("report_category"),
        "ReportText": t.description,
        "ProcessingStatus": processing,
        "Answer": answer,
    });
    if reporter {
        // Sign-up stored "first last" as one name; the first word is the first name.
        let name = t.requester.name.as_deref().unwrap_or_default().trim();
        let (first, last) = name.split_once(' ').unwrap_or((name, ""));
        row["UserID"] = json!(t.requester.user_id);
        row["FirstName"] = json!(first);
        row["LastName"] = json!(last.trim());
    }
    Ok(row)
}

async fn listing(app: &App, actor: &Actor, q: Query, reporter: bool) -> Answer {
    let tickets = collect(app, actor, &q, WHOLE_LIST_MAX)
        .await
        .map_err(service_error)?;
    let mut rows = Vec::with_capacity(tickets.len());
    for t in &tickets {
        rows.push(row(app, actor, t, reporter).await?);
    }
    Ok(axum::Json(Value::Array(rows)).into_response())
}

async fn mine(State(app): State<App>, headers: HeaderMap) -> Answer {
    let actor = who(&app, &headers).await?;
    listing(
        &app,
        &actor,
        Query::default()
            .filter(Field::Tag, &[TAG])
            .filter(Field::Requester, &["me"]),
        false,
    )
    .await
}

async fn all(State(app): State<App>, headers: HeaderMap) -> Answer {
    let actor = who(&app, &headers).await?;
    staff_only(&actor, "see everyone's reports")?;
    listing(
        &app,
        &actor,
        Query::default().filter(Field::Tag, &[TAG]),
        true,
    )
    .await
}

fn invalid_input() -> Rejection {
    RESPOND.fail(StatusCode::BAD_REQUEST, "Invalid input")
}

/// The respond call answers every refusal with `error`, as its original did.
async fn respond(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Answer {
    respond_to(&app, &headers, &body).await.map_err(|r| {
        let message = r.body["message"]
            .as_str()
            .or_else(|| r.body["error"].as_str())
            .unwrap_or("Invalid input")
            .to_string();
        RESPOND.fail(r.status, message)
    })
}

async fn respond_to(app: &App, headers: &HeaderMap, body: &[u8]) -> Answer {
    let actor = who(app, headers).await?;
    let map = object(body).map_err(|_| invalid_input())?;
    let id = map
        .get("ReportID")
        .and_then(|v| match v {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        })
        .ok_or_else(invalid_input)?;
    let to = match map.get("ProcessingStatus").and_then(Value::as_str) {
        Some("Reviewed") => "resolved",
        Some("Pending") => "in_progress",
        _ => return Err(invalid_input()),
    };
    let answer = text(&map, &["Answer", "answer"]);
    let t = app
        .service
        .get_ticket_only(&actor, &id.to_string())
        .await
        .map_err(service_error)?;
    if !t.tags.iter().any(|g| g == TAG) {
        return Err(fail(StatusCode::NOT_FOUND, "Report not found"));
    }
    app.service
        .answer(&actor, &t.key, to, answer)
        .await
        .map_err(service_error)?;
    Ok(axum::Json(json!({"message": "Report updated"})).into_response())
}
