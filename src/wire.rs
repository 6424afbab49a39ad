//! The native API's envelopes: the request and answer bodies that `server/` reads and
//! writes and [`crate::client::RemoteDesk`] writes and reads, defined once so the two
//! cannot drift apart. Values that are also domain types (tickets, comments, the change
//! feed) are serialised from `domain` directly; only what exists for the wire is here.
//! The OpenAPI document names these schemas, so renaming one changes the API.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::model::{Role, Ticket, User, Visibility};
use crate::domain::time;

/// The body of every error answer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
    /// Only on 412 (`stale_version`): the ticket as it is now, so the caller can redo its
    /// change on top of it without losing anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub current: Option<Box<Ticket>>,
}

/// What went wrong.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `bad_json`, `invalid_body`, `bad_query`, `bad_path`,
    /// `bad_request`, `bad_if_match`, `unauthenticated`, `forbidden`, `not_found`,
    /// `method_not_allowed`, `duplicate`, `workflow`, `stale_version`, `too_large`,
    /// `unsupported_media_type`, `invalid`, `rate_limited`, `internal`.
    pub code: String,
    /// For people: what happened and what to do about it.
    pub message: String,
    /// The request field at fault, when there is one (`title`, `limit`, `status`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub field: Option<String>,
}

/// An email and password to sign in with.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    #[schema(example = "you@example.com")]
    pub email: String,
    #[schema(format = Password)]
    pub password: String,
}

/// A new token and who it belongs to.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct LoginAnswer {
    /// Opaque; send it as `Authorization: Bearer <token>` (or `X-API-Key: <token>`).
    pub token: String,
    pub user: UserJson,
    /// When the token stops working; null when it does not expire.
    #[serde(with = "time::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime, required = true)]
    pub expires_at: Option<time::Millis>,
}

/// A person as the API shows them.
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(as = User)]
pub struct UserJson {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: time::Millis,
}

impl From<&User> for UserJson {
    fn from(u: &User) -> Self {
        UserJson {
            id: u.id,
            email: u.email.clone(),
            name: u.name.clone(),
            role: u.role,
            active: u.active,
            created_at: u.created_at,
        }
    }
}

/// How many tickets match.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct TicketCount {
    pub count: i64,
}

/// Where the change feed ends now.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct FeedHead {
    /// The newest event's sequence number: ask `/changes?after=` this to follow only
    /// what happens from now on.
    pub last_seq: i64,
}

/// Where to move a ticket.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// The target status key (`in_progress`, `waiting_on_customer`, `resolved`, ...).
    #[schema(pattern = r"\S")]
    pub status: String,
    /// Why, for the timeline.
    #[serde(default)]
    pub note: Option<String>,
}

/// The statuses a caller may move a ticket to now.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct AllowedTransitions {
    /// Status keys, e.g. `["in_progress", "resolved"]`.
    pub transitions: Vec<String>,
}

/// Who a ticket goes to. The server reads this body field by field (a missing
/// `assignee` is an error, not an unassignment); the type describes it and is what the
/// client sends.
#[derive(Serialize, ToSchema)]
pub struct Assignment {
    /// A staff member's email, or null to unassign. Required, even when null.
    #[schema(required = true)]
    pub assignee: Option<String>,
}

/// A supervisor's decision on a request.
#[derive(Serialize, Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// Optional when approving; required when rejecting (it tells the customer why).
    #[serde(default)]
    pub note: Option<String>,
}

/// A reply or an internal note.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    /// Must hold more than spaces.
    #[schema(pattern = r"\S")]
    pub body: String,
    /// `public` (the default) or `internal` (staff only; customers never see it).
    #[serde(default = "public")]
    #[schema(default = "public")]
    pub visibility: Visibility,
}

fn public() -> Visibility {
    Visibility::Public
}
