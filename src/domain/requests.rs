//! What callers ask of a desk and what it answers, as plain data. The service, the
//! clients and the HTTP API all speak these shapes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{Comment, CustomFields, Event, Ticket};
use super::time::Millis;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTicket {
    /// Must hold more than spaces.
    #[schema(pattern = r"\S")]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// A category name; the desk's default (`General`) when absent.
    #[serde(default)]
    pub category: Option<String>,
    /// A priority name; `Medium` (or the least urgent) when absent. A customer's is kept
    /// as the custom field `requested_priority` and not applied: triage is staff's.
    #[serde(default)]
    pub priority: Option<String>,
    /// Staff's tags; a customer's are kept as the custom field `requested_tags`.
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    #[schema(value_type = HashMap<String, serde_json::Value>)]
    pub custom_fields: CustomFields,
    /// Staff filing on behalf of a contact, or a contact filing for themselves.
    #[serde(default)]
    pub requester_email: Option<String>,
    #[serde(default)]
    pub requester_name: Option<String>,
}

/// A partial edit: absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketEdit {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub priority: Option<String>,
    /// Replaces the whole tag set.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Tags to add to the set as it is when the edit lands, so a colleague's tag added
    /// meanwhile survives (unlike `tags`). Not with `tags`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_tags: Vec<String>,
    /// Tags to remove (absent ones are ignored). Not with `tags`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove_tags: Vec<String>,
    /// Sets these custom fields; a JSON `null` removes one.
    #[serde(default)]
    pub custom_fields: Option<BTreeMap<String, serde_json::Value>>,
}

impl TicketEdit {
    pub fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.description.is_none()
            && self.category.is_none()
            && self.priority.is_none()
            && self.tags.is_none()
            && self.add_tags.is_empty()
            && self.remove_tags.is_empty()
            && self.custom_fields.is_none()
    }
}

/// One ticket with its timeline, as the caller may see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TicketView {
    pub ticket: Ticket,
    pub comments: Vec<Comment>,
    pub events: Vec<Event>,
    /// Files on the ticket itself (filed with it); a comment's files are in the comment.
    #[serde(default)]
    pub attachments: Vec<super::attachment::Attachment>,
}

impl TicketView {
    /// Every file the caller may see: the ticket's own, then each comment's, oldest first.
    pub fn all_attachments(&self) -> Vec<super::attachment::Attachment> {
        self.attachments
            .iter()
            .chain(self.comments.iter().flat_map(|c| &c.attachments))
            .cloned()
            .collect()
    }

    /// Comments and events in time order, as a timeline reads: a comment's own
    /// `commented` event is the comment, shown once.
    pub fn timeline(&self) -> Vec<TimelineEntry<'_>> {
        let mut entries: Vec<(Millis, i64, TimelineEntry<'_>)> = self
            .events
            .iter()
            .filter(|e| e.kind != super::model::EventKind::Commented)
            .map(|e| (e.at, e.seq, TimelineEntry::Event(e)))
            .chain(
                self.comments
                    .iter()
                    .map(|c| (c.created_at, i64::MAX, TimelineEntry::Comment(c))),
            )
            .collect();
        entries.sort_by_key(|(at, seq, _)| (*at, *seq));
        entries.into_iter().map(|(_, _, e)| e).collect()
    }
}

/// One line of a ticket's timeline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimelineEntry<'a> {
    Comment(&'a Comment),
    Event(&'a Event),
}

/// A page of a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TicketList {
    pub tickets: Vec<Ticket>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// A slice of the change feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Changes {
    pub events: Vec<Event>,
    /// The sequence to ask after next time.
    pub last_seq: i64,
    pub has_more: bool,
}

/// The name the per-assignee counts give the tickets nobody is on.
pub const UNASSIGNED: &str = "(none)";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Count {
    pub name: String,
    pub count: i64,
}

/// Tickets created and resolved per day (UTC days, oldest first, today last).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Series {
    /// The query the series counts, as given.
    pub q: String,
    pub days: Vec<SeriesDay>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SeriesDay {
    /// `2026-12-04`.
    pub date: String,
    /// Tickets matching the query that were filed that day.
    pub created: i64,
    /// Tickets matching the query whose resolution was that day (and that are still
    /// resolved or closed).
    pub resolved: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Stats {
    pub total: i64,
    pub open: i64,
    pub pending: i64,
    pub done: i64,
    pub breached: i64,
    pub unassigned_open: i64,
    #[serde(default, with = "super::time::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime, required = true)]
    pub oldest_open_at: Option<Millis>,
    pub by_status: Vec<Count>,
    pub by_priority: Vec<Count>,
    pub by_category: Vec<Count>,
    pub by_assignee: Vec<Count>,
    /// Open and pending tickets per priority (absent from older desks' answers).
    #[serde(default)]
    pub open_by_priority: Vec<Count>,
}

/// A whole desk as one document: what `desk export` writes and `desk import` reads. Ids,
/// keys, versions and event sequence numbers are kept, so a round trip is lossless.
/// Passwords and tokens are never included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeskDump {
    /// Always [`DUMP_FORMAT`]: refuses files that are something else.
    pub format: String,
    /// [`DUMP_VERSION`] of the writer; newer versions are refused.
    pub version: u32,
    pub key_prefix: String,
    pub statuses: Vec<super::model::Status>,
    pub categories: Vec<super::model::Category>,
    pub priorities: Vec<super::model::Priority>,
    pub users: Vec<super::model::User>,
    pub tickets: Vec<Ticket>,
    pub comments: Vec<Comment>,
    pub events: Vec<Event>,
    /// Every attachment linked to a ticket (version 2; absent from version 1 dumps).
    /// Uploads still waiting for their ticket are left out: they expire within a day.
    #[serde(default)]
    pub attachments: Vec<DumpAttachment>,
    /// The attachments' content, embedded: one entry per SHA-256, however many
    /// attachments share it, so the dump needs nothing beside it (version 2).
    #[serde(default)]
    pub blobs: Vec<DumpBlob>,
}

/// An attachment in a dump, with its ticket's id (like comments and events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DumpAttachment {
    pub id: i64,
    pub ticket_id: i64,
    pub comment_id: Option<i64>,
    pub name: String,
    pub media_type: String,
    pub size: i64,
    /// Names its entry in [`DeskDump::blobs`].
    pub sha256: String,
    pub uploader: Option<super::model::UserRef>,
    pub uploader_email: Option<String>,
    pub visibility: super::model::Visibility,
    #[serde(with = "super::time::rfc3339")]
    pub created_at: Millis,
}

/// The content of one or more attachments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DumpBlob {
    /// Hex SHA-256 of the content; an import recomputes it and refuses a mismatch.
    pub sha256: String,
    /// Bytes of content (before encoding).
    pub size: i64,
    /// The content in standard base64 (with padding). Empty only inside `desk migrate`,
    /// which streams content between the databases instead.
    pub content: String,
}

pub const DUMP_FORMAT: &str = "desk-dump";
/// 2: attachments and their content (`attachments`, `blobs`).
pub const DUMP_VERSION: u32 = 2;
