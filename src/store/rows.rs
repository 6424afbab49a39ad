//! Rows to domain types. Stored text that fails to parse is reported as damage, never
//! unwrapped.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::domain::model::{
    Category, Comment, CustomFields, Event, EventKind, Priority, Requester, Role, SlaClock, Status,
    StatusClass, Ticket, User, UserRef, Visibility,
};

use super::StoreError;
use crate::domain::time::Millis;

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} `{value}`"))
}

/// A person a row points at (none when the id is null); a missing name or email is
/// empty rather than an error.
fn person(id: Option<i64>, email: Option<String>, name: Option<String>) -> Option<UserRef> {
    id.map(|id| UserRef {
        id,
        email: email.unwrap_or_default(),
        name: name.unwrap_or_default(),
    })
}

fn user_ref(
    row: &AnyRow,
    id: &str,
    email: &str,
    name: &str,
) -> Result<Option<UserRef>, StoreError> {
    Ok(person(
        row.try_get(id)?,
        row.try_get(email)?,
        row.try_get(name)?,
    ))
}

fn parse_visibility(v: &str) -> Result<Visibility, StoreError> {
    Visibility::parse(v).ok_or_else(|| corrupt("visibility", v))
}

fn parse_kind(kind: &str) -> Result<EventKind, StoreError> {
    EventKind::parse(kind).ok_or_else(|| corrupt("event kind", kind))
}

/// A ticket as the statement of `sql::ticket_json` lists its fields, one JSON array.
#[derive(serde::Deserialize)]
struct TicketRow {
    id: i64,
    key: String,
    title: String,
    description: String,
    requester_id: Option<i64>,
    requester_email: String,
    requester_name: Option<String>,
    category: String,
    priority: String,
    status: String,
    status_class: String,
    assignee_id: Option<i64>,
    assignee_email: Option<String>,
    assignee_name: Option<String>,
    tags: String,
    custom_fields: String,
    version: i64,
    created_at: Millis,
    updated_at: Millis,
    first_response_at: Option<Millis>,
    resolved_at: Option<Millis>,
    closed_at: Option<Millis>,
    approved_at: Option<Millis>,
    response_due_at: Option<Millis>,
    resolution_due_at: Option<Millis>,
    sla_paused_at: Option<Millis>,
    sla_paused_ms: Millis,
}

impl TicketRow {
    fn into_ticket(self, now: Millis) -> Result<Ticket, StoreError> {
        let mut ticket = Ticket {
            id: self.id,
            key: self.key,
            title: self.title,
            description: self.description,
            requester: Requester {
                user_id: self.requester_id,
                email: self.requester_email,
                name: self.requester_name,
            },
            category: self.category,
            priority: self.priority,
            status: self.status,
            status_class: StatusClass::parse(&self.status_class)
                .ok_or_else(|| corrupt("status class", &self.status_class))?,
            assignee: person(self.assignee_id, self.assignee_email, self.assignee_name),
            tags: serde_json::from_str(&self.tags).map_err(|_| corrupt("tags", &self.tags))?,
            custom_fields: serde_json::from_str::<CustomFields>(&self.custom_fields)
                .map_err(|_| corrupt("custom fields", &self.custom_fields))?,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
            first_response_at: self.first_response_at,
            resolved_at: self.resolved_at,
            closed_at: self.closed_at,
            approved_at: self.approved_at,
            sla: SlaClock {
                response_due_at: self.response_due_at,
                resolution_due_at: self.resolution_due_at,
                paused_at: self.sla_paused_at,
                paused_ms: self.sla_paused_ms,
                breached: false,
            },
        };
        crate::domain::sla::stamp(&mut ticket, now);
        Ok(ticket)
    }
}

fn parse_ticket(json: &str, now: Millis) -> Result<Ticket, StoreError> {
    serde_json::from_str::<TicketRow>(json)
        .map_err(|e| StoreError::Corrupt(format!("a ticket row: {e}")))?
        .into_ticket(now)
}

/// One ticket from the JSON array `sql::ticket_json` selects.
pub fn ticket(json: &str) -> Result<Ticket, StoreError> {
    parse_ticket(json, crate::domain::time::now())
}

/// A page of tickets, one `sql::ticket_json` array each.
pub fn ticket_list(rows: &[String]) -> Result<Vec<Ticket>, StoreError> {
    let now = crate::domain::time::now();
    rows.iter().map(|json| parse_ticket(json, now)).collect()
}

/// A page of tickets from a JSON array of `sql::ticket_json` arrays.
pub fn tickets(json: &str) -> Result<Vec<Ticket>, StoreError> {
    let rows: Vec<TicketRow> = serde_json::from_str(json)
        .map_err(|e| StoreError::Corrupt(format!("a page of tickets: {e}")))?;
    let now = crate::domain::time::now();
    rows.into_iter().map(|r| r.into_ticket(now)).collect()
}

fn visibility(row: &AnyRow) -> Result<Visibility, StoreError> {
    parse_visibility(&row.try_get::<String, _>("visibility")?)
}

pub fn comment(row: &AnyRow) -> Result<Comment, StoreError> {
    Ok(Comment {
        id: row.try_get("id")?,
        ticket_id: row.try_get("ticket_id")?,
        author: user_ref(row, "author_id", "author_user_email", "author_name")?,
        author_email: row.try_get("author_email")?,
        body: row.try_get("body")?,
        visibility: visibility(row)?,
        created_at: row.try_get("created_at")?,
        attachments: Vec::new(),
    })
}

pub fn event(row: &AnyRow) -> Result<Event, StoreError> {
    Ok(Event {
        seq: row.try_get("seq")?,
        ticket_id: row.try_get("ticket_id")?,
        ticket_key: row.try_get("ticket_key")?,
        version: row.try_get("version")?,
        kind: parse_kind(&row.try_get::<String, _>("kind")?)?,
        actor: user_ref(row, "actor_id", "actor_email", "actor_name")?,
        at: row.try_get("at")?,
        field: row.try_get("field")?,
        old: row.try_get("old_value")?,
        new: row.try_get("new_value")?,
        note: row.try_get("note")?,
        visibility: visibility(row)?,
    })
}

/// A comment as `view` aggregates it: one JSON array, columns in this order.
type CommentColumns = (
    i64,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
    Millis,
);

/// An event as `view` aggregates it: one JSON array, columns in this order.
type EventColumns = (
    i64,
    i64,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    Millis,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

/// Ticket `ticket_id`'s comments from a JSON array of [`CommentColumns`].
pub fn comments_json(ticket_id: i64, json: &str) -> Result<Vec<Comment>, StoreError> {
    let rows: Vec<CommentColumns> = serde_json::from_str(json)
        .map_err(|e| StoreError::Corrupt(format!("comments of ticket {ticket_id}: {e}")))?;
    rows.into_iter()
        .map(
            |(id, author_id, email, name, author_email, body, vis, created_at)| {
                Ok(Comment {
                    id,
                    ticket_id,
                    author: person(author_id, email, name),
                    author_email,
                    body,
                    visibility: parse_visibility(&vis)?,
                    created_at,
                    attachments: Vec::new(),
                })
            },
        )
        .collect()
}

/// A ticket's events from a JSON array of [`EventColumns`].
pub fn events_json(ticket: &Ticket, json: &str) -> Result<Vec<Event>, StoreError> {
    let rows: Vec<EventColumns> = serde_json::from_str(json)
        .map_err(|e| StoreError::Corrupt(format!("events of ticket {}: {e}", ticket.id)))?;
    rows.into_iter()
        .map(
            |(seq, version, kind, actor_id, email, name, at, field, old, new, note, vis)| {
                Ok(Event {
                    seq,
                    ticket_id: ticket.id,
                    ticket_key: ticket.key.clone(),
                    version,
                    kind: parse_kind(&kind)?,
                    actor: person(actor_id, email, name),
                    at,
                    field,
                    old,
                    new,
                    note,
                    visibility: parse_visibility(&vis)?,
                })
            },
        )
        .collect()
}

pub fn user(row: &AnyRow) -> Result<User, StoreError> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        role: role.parse::<Role>().map_err(|_| corrupt("role", &role))?,
        active: row.try_get::<i64, _>("active")? != 0,
        created_at: row.try_get("created_at")?,
    })
}

pub fn category(row: &AnyRow) -> Result<Category, StoreError> {
    Ok(Category {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        sla_hours: row.try_get("sla_hours")?,
        requires_approval: row.try_get::<i64, _>("requires_approval")? != 0,
        active: row.try_get::<i64, _>("active")? != 0,
    })
}

pub fn priority(row: &AnyRow) -> Result<Priority, StoreError> {
    Ok(Priority {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        rank: row.try_get("rank")?,
        color: row.try_get("color")?,
        response_hours: row.try_get("response_hours")?,
        resolution_hours: row.try_get("resolution_hours")?,
    })
}

pub fn status(row: &AnyRow) -> Result<Status, StoreError> {
    let class: String = row.try_get("class")?;
    Ok(Status {
        key: row.try_get("key")?,
        name: row.try_get("name")?,
        class: StatusClass::parse(&class).ok_or_else(|| corrupt("status class", &class))?,
        position: row.try_get("position")?,
        transitions: Vec::new(),
    })
}
