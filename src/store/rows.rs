//! Rows to domain types. Stored text that fails to parse is reported as damage, never
//! unwrapped.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::domain::model::{
    Category, Comment, CustomFields, Event, EventKind, Priority, Requester, Role, SlaClock, Status,
    StatusClass, Ticket, User, UserRef, Visibility,
};

use super::StoreError;

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} `{value}`"))
}

fn user_ref(
    row: &AnyRow,
    id: &str,
    email: &str,
    name: &str,
) -> Result<Option<UserRef>, StoreError> {
    let id: Option<i64> = row.try_get(id)?;
    Ok(match id {
        None => None,
        Some(id) => Some(UserRef {
            id,
            email: row.try_get::<Option<String>, _>(email)?.unwrap_or_default(),
            name: row.try_get::<Option<String>, _>(name)?.unwrap_or_default(),
        }),
    })
}

pub fn ticket(row: &AnyRow) -> Result<Ticket, StoreError> {
    let status_class: String = row.try_get("status_class")?;
    let tags: String = row.try_get("tags")?;
    let custom: String = row.try_get("custom_fields")?;
    let mut ticket = Ticket {
        id: row.try_get("id")?,
        key: row.try_get("key")?,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        requester: Requester {
            user_id: row.try_get("requester_id")?,
            email: row.try_get("requester_email")?,
            name: row.try_get("requester_name")?,
        },
        category: row.try_get("category")?,
        priority: row.try_get("priority")?,
        status: row.try_get("status")?,
        status_class: StatusClass::parse(&status_class)
            .ok_or_else(|| corrupt("status class", &status_class))?,
        assignee: user_ref(row, "assignee_id", "assignee_email", "assignee_name")?,
        tags: serde_json::from_str(&tags).map_err(|_| corrupt("tags", &tags))?,
        custom_fields: serde_json::from_str::<CustomFields>(&custom)
            .map_err(|_| corrupt("custom fields", &custom))?,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        first_response_at: row.try_get("first_response_at")?,
        resolved_at: row.try_get("resolved_at")?,
        closed_at: row.try_get("closed_at")?,
        approved_at: row.try_get("approved_at")?,
        sla: SlaClock {
            response_due_at: row.try_get("response_due_at")?,
            resolution_due_at: row.try_get("resolution_due_at")?,
            paused_at: row.try_get("sla_paused_at")?,
            paused_ms: row.try_get("sla_paused_ms")?,
            breached: false,
        },
    };
    crate::domain::sla::stamp(&mut ticket, crate::domain::time::now());
    Ok(ticket)
}

fn visibility(row: &AnyRow) -> Result<Visibility, StoreError> {
    let v: String = row.try_get("visibility")?;
    Visibility::parse(&v).ok_or_else(|| corrupt("visibility", &v))
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
    })
}

pub fn event(row: &AnyRow) -> Result<Event, StoreError> {
    let kind: String = row.try_get("kind")?;
    Ok(Event {
        seq: row.try_get("seq")?,
        ticket_id: row.try_get("ticket_id")?,
        ticket_key: row.try_get("ticket_key")?,
        version: row.try_get("version")?,
        kind: EventKind::parse(&kind).ok_or_else(|| corrupt("event kind", &kind))?,
        actor: user_ref(row, "actor_id", "actor_email", "actor_name")?,
        at: row.try_get("at")?,
        field: row.try_get("field")?,
        old: row.try_get("old_value")?,
        new: row.try_get("new_value")?,
        note: row.try_get("note")?,
        visibility: visibility(row)?,
    })
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
