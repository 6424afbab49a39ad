//! The things a support desk is made of. Plain data: no I/O, no database ids leaking
//! meaning beyond identity.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::time::Millis;

/// Custom fields carried by a ticket: seeds bring trip ids, itineraries, product ids,
/// PDF links, addresses and document metadata, all of which are kept verbatim.
pub type CustomFields = BTreeMap<String, serde_json::Value>;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Customer,
    Agent,
    Supervisor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Customer, Role::Agent, Role::Supervisor, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    /// Agents, supervisors and admins work tickets; customers only file and follow them.
    pub fn is_staff(self) -> bool {
        self >= Role::Agent
    }

    /// Approve, reject, reassign anyone's ticket.
    pub fn is_supervisor(self) -> bool {
        self >= Role::Supervisor
    }

    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "customer" => Ok(Role::Customer),
            "agent" => Ok(Role::Agent),
            "supervisor" => Ok(Role::Supervisor),
            "admin" => Ok(Role::Admin),
            other => Err(format!(
                "unknown role `{other}` (expected customer, agent, supervisor or admin)"
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    #[serde(with = "super::time::rfc3339")]
    pub created_at: Millis,
}

/// Who a ticket is for: a user with an account, or a bare contact email from a customer
/// who filed through a public form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Requester {
    #[schema(required = true)]
    pub user_id: Option<i64>,
    pub email: String,
    #[schema(required = true)]
    pub name: Option<String>,
}

/// A reference to a user as shown on a ticket (assignee, author, actor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UserRef {
    pub id: i64,
    pub email: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusClass {
    /// Work is expected: the SLA clock runs.
    Open,
    /// Waiting on someone outside the desk: the SLA clock is paused.
    Pending,
    /// Finished: the clock is stopped.
    Done,
}

impl StatusClass {
    pub fn as_str(self) -> &'static str {
        match self {
            StatusClass::Open => "open",
            StatusClass::Pending => "pending",
            StatusClass::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<StatusClass> {
        match s {
            "open" => Some(StatusClass::Open),
            "pending" => Some(StatusClass::Pending),
            "done" => Some(StatusClass::Done),
            _ => None,
        }
    }

    /// The SLA clock runs only while work is expected of the desk.
    pub fn clock_runs(self) -> bool {
        self == StatusClass::Open
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Status {
    /// Stable key used by the workflow and the query language (`in_progress`).
    pub key: String,
    /// Display name, editable by admins (`In progress`).
    pub name: String,
    pub class: StatusClass,
    pub position: i64,
    /// Where a ticket may go from here, and who may move it (from the workflow).
    #[serde(default)]
    pub transitions: Vec<WorkflowStep>,
}

/// One step of the workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WorkflowStep {
    /// The target status key.
    pub to: String,
    /// Who may take the step: `agent` (any staff), `supervisor` (supervisors and admins)
    /// or `agent_or_requester` (staff, or the customer who filed the ticket).
    pub who: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Category {
    pub id: i64,
    pub name: String,
    pub description: String,
    /// Resolution target for tickets of this category; the stricter of this and the
    /// priority's resolution hours applies.
    #[schema(required = true)]
    pub sla_hours: Option<f64>,
    /// Tickets cannot reach `assigned` or `in_progress` before a supervisor approves.
    pub requires_approval: bool,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Priority {
    pub id: i64,
    pub name: String,
    /// Lower rank is more urgent (Critical = 1).
    pub rank: i64,
    pub color: String,
    pub response_hours: f64,
    pub resolution_hours: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    Public,
    Internal,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Internal => "internal",
        }
    }

    pub fn parse(s: &str) -> Option<Visibility> {
        match s {
            "public" => Some(Visibility::Public),
            "internal" => Some(Visibility::Internal),
            _ => None,
        }
    }
}

/// SLA due times, already shifted by the time the clock was paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct SlaClock {
    #[serde(default, with = "super::time::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime, required = true)]
    pub response_due_at: Option<Millis>,
    #[serde(default, with = "super::time::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime, required = true)]
    pub resolution_due_at: Option<Millis>,
    /// Set while the clock is stopped (pending or done statuses).
    #[serde(default, with = "super::time::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime, required = true)]
    pub paused_at: Option<Millis>,
    /// Total time spent paused so far, excluding a pause still running.
    #[schema(value_type = i64)]
    pub paused_ms: Millis,
    /// Whether the ticket is `sla:breached` as of when it was read: not done, and a
    /// target missed (`domain::sla::is_breached`).
    #[serde(default)]
    #[schema(required = true)]
    pub breached: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Ticket {
    pub id: i64,
    pub key: String,
    pub title: String,
    pub description: String,
    pub requester: Requester,
    pub category: String,
    pub priority: String,
    pub status: String,
    pub status_class: StatusClass,
    #[schema(required = true)]
    pub assignee: Option<UserRef>,
    pub tags: Vec<String>,
    #[schema(value_type = HashMap<String, serde_json::Value>)]
    pub custom_fields: CustomFields,
    pub version: i64,
    #[serde(with = "super::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Millis,
    #[serde(with = "super::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Millis,
    #[serde(default, with = "super::time::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime, required = true)]
    pub first_response_at: Option<Millis>,
    #[serde(default, with = "super::time::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime, required = true)]
    pub resolved_at: Option<Millis>,
    #[serde(default, with = "super::time::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime, required = true)]
    pub closed_at: Option<Millis>,
    #[serde(default, with = "super::time::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime, required = true)]
    pub approved_at: Option<Millis>,
    pub sla: SlaClock,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Comment {
    pub id: i64,
    pub ticket_id: i64,
    #[schema(required = true)]
    pub author: Option<UserRef>,
    /// Set when the author is a contact without an account (a public reply).
    #[schema(required = true)]
    pub author_email: Option<String>,
    pub body: String,
    pub visibility: Visibility,
    #[serde(with = "super::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Millis,
    /// Files that came with this comment (same visibility).
    #[serde(default)]
    pub attachments: Vec<super::attachment::Attachment>,
}

impl Comment {
    /// Who wrote it, for people: the author's name, or the contact's email.
    pub fn author_name(&self) -> String {
        self.author
            .as_ref()
            .map(|a| a.name.clone())
            .or_else(|| self.author_email.clone())
            .unwrap_or_else(|| "someone".into())
    }
}

/// A custom field's value for people: text as it is, anything else as JSON.
pub fn custom_field_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Created,
    FieldChanged,
    StatusChanged,
    Assigned,
    Commented,
    Approved,
    Rejected,
    Tagged,
    Untagged,
    /// Files attached without a comment (with one, the `commented` event notes them).
    Attached,
    /// An admin removed an attachment's content; `old` is its name.
    AttachmentRemoved,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Created => "created",
            EventKind::FieldChanged => "field_changed",
            EventKind::StatusChanged => "status_changed",
            EventKind::Assigned => "assigned",
            EventKind::Commented => "commented",
            EventKind::Approved => "approved",
            EventKind::Rejected => "rejected",
            EventKind::Tagged => "tagged",
            EventKind::Untagged => "untagged",
            EventKind::Attached => "attached",
            EventKind::AttachmentRemoved => "attachment_removed",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        Some(match s {
            "created" => EventKind::Created,
            "field_changed" => EventKind::FieldChanged,
            "status_changed" => EventKind::StatusChanged,
            "assigned" => EventKind::Assigned,
            "commented" => EventKind::Commented,
            "approved" => EventKind::Approved,
            "rejected" => EventKind::Rejected,
            "tagged" => EventKind::Tagged,
            "untagged" => EventKind::Untagged,
            "attached" => EventKind::Attached,
            "attachment_removed" => EventKind::AttachmentRemoved,
            _ => return None,
        })
    }
}

/// One row of the audit trail, which is also the change feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Event {
    /// Global, strictly increasing across the whole desk.
    pub seq: i64,
    pub ticket_id: i64,
    #[serde(rename = "ticket")]
    pub ticket_key: String,
    /// The ticket's version after the change this event records.
    #[serde(default)]
    pub version: i64,
    pub kind: EventKind,
    #[schema(required = true)]
    pub actor: Option<UserRef>,
    #[serde(with = "super::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: Millis,
    #[schema(required = true)]
    pub field: Option<String>,
    #[schema(required = true)]
    pub old: Option<String>,
    #[schema(required = true)]
    pub new: Option<String>,
    #[schema(required = true)]
    pub note: Option<String>,
    /// Internal events (internal notes, internal field changes) never reach customers.
    pub visibility: Visibility,
}
