//! What flows between the app and the world around it: [`Msg`]s come in (answers from the
//! desk, the editor, wake-ups), [`Effect`]s go out, grouped by who carries them out: the
//! worker makes desk [`Call`]s and sleeps for wake-ups; the event loop owns the terminal
//! ([`TermEffect`]) and writes the drafts file. The app itself does no I/O.

use std::path::PathBuf;
use std::sync::Arc;

use crate::client::DeskError;
use crate::domain::attachment::Attached;
use crate::domain::model::{Comment, Ticket, Visibility};
use crate::domain::requests::{NewTicket, TicketList, TicketView};

use super::drafts::DraftsFile;
use super::refs::Reference;

/// What a refresh found.
#[derive(Debug, Clone, Default)]
pub struct Refreshed {
    pub last_seq: i64,
    /// Changed tickets that match the filter.
    pub matching: Vec<Ticket>,
    /// Changed tickets that no longer match.
    pub gone: Vec<String>,
    /// Keys changed by someone other than the user.
    pub by_others: Vec<String>,
    pub count: Option<i64>,
    /// Too much changed to merge: reload the list.
    pub reload: bool,
    /// What others did (for `[ui] notify`).
    pub others: Vec<crate::domain::model::Event>,
    /// Tickets others filed, when asked for.
    pub filed: Vec<Ticket>,
}

/// What came back.
pub enum Msg {
    Reference(Result<Reference, DeskError>),
    Head(Result<i64, DeskError>),
    Page {
        epoch: u64,
        result: Result<TicketList, DeskError>,
    },
    Count {
        epoch: u64,
        result: Result<i64, DeskError>,
    },
    Detail {
        key: String,
        result: Result<TicketView, DeskError>,
        /// The notifications sent about it (staff; empty for others).
        sent: Vec<crate::store::outbox::Delivery>,
    },
    Refreshed {
        epoch: u64,
        result: Result<Refreshed, DeskError>,
    },
    Transitions {
        keys: Vec<String>,
        result: Result<Vec<String>, DeskError>,
    },
    Written {
        op: Op,
        results: Vec<(String, Result<Ticket, DeskError>)>,
    },
    /// An undo's answer; `op`: the last step that went through.
    Undone {
        op: Option<Op>,
        results: Vec<(String, Result<Ticket, DeskError>)>,
    },
    Commented {
        key: String,
        result: Result<Comment, DeskError>,
    },
    Created(Result<Ticket, DeskError>),
    /// Files sent with a comment (or on their own).
    Attached {
        key: String,
        result: Result<Attached, DeskError>,
    },
    /// An attachment saved to the download directory.
    Saved {
        name: String,
        result: Result<super::files::Saved, String>,
    },
    /// An image attachment decoded for its preview (or why not).
    Preview {
        id: i64,
        result: Result<Arc<image::DynamicImage>, String>,
    },
    /// The saved views' counts, in their order (`None` where the desk refused one).
    ViewCounts(Vec<Option<i64>>),
    /// The dashboard's figures for the filter it shows.
    Dashboard {
        query: String,
        result: Result<super::panes::dashboard::Figures, DeskError>,
    },
    /// The event stream connected or dropped.
    Live(bool),
    /// The event stream saw something change.
    Nudge,
    /// `$EDITOR` returned this text.
    Edited(Result<String, String>),
    Woke(Wake),
    /// Writing the drafts file failed (the drafts are still held in memory).
    DraftsNotSaved(String),
}

/// A change to one or more tickets.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Assign(Option<String>),
    Transition {
        to: String,
        note: Option<String>,
    },
    Approve(Option<String>),
    Reject(String),
    Priority(String),
    /// The difference the user made, applied to the tags as they are when it lands.
    Tags {
        add: Vec<String>,
        remove: Vec<String>,
    },
}

impl Op {
    /// What happened, for the status bar: "assigned to jane@…".
    pub fn past(&self) -> String {
        match self {
            Op::Assign(Some(who)) => format!("assigned to {who}"),
            Op::Assign(None) => "unassigned".into(),
            Op::Transition { to, .. } => format!("moved to {to}"),
            Op::Approve(_) => "approved".into(),
            Op::Reject(_) => "rejected".into(),
            Op::Priority(p) => format!("now {p}"),
            Op::Tags { .. } => "tags saved".into(),
        }
    }
}

/// What must happen outside the app.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// A call to the desk; the answer comes back as a [`Msg`].
    Desk(Call),
    /// Something only the owner of the terminal can do.
    Terminal(TermEffect),
    /// Send [`Msg::Woke`] after a pause.
    Wake { after_ms: u64, wake: Wake },
    /// Write the drafts file; a failure comes back as [`Msg::DraftsNotSaved`].
    SaveDrafts(DraftsFile),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    LoadReference,
    Head,
    LoadPage {
        epoch: u64,
        query: String,
        cursor: Option<String>,
        limit: u32,
    },
    Count {
        epoch: u64,
        query: String,
    },
    LoadDetail {
        key: String,
    },
    Refresh {
        epoch: u64,
        query: String,
        after: i64,
        /// Also bring the tickets others filed.
        filed: bool,
    },
    Transitions {
        keys: Vec<String>,
    },
    /// Each key with the version the user saw, so nobody's change is overwritten.
    Write {
        op: Op,
        targets: Vec<(String, Option<i64>)>,
    },
    Comment {
        key: String,
        body: String,
        visibility: Visibility,
    },
    Create(NewTicket),
    /// Files from this machine, with a comment when `body` has text.
    Attach {
        key: String,
        files: Vec<PathBuf>,
        body: String,
        visibility: Visibility,
    },
    /// Download an attachment into the download directory (and open it there).
    Save {
        id: i64,
        name: String,
    },
    /// Download and decode an image attachment for its preview.
    Preview {
        id: i64,
    },
    /// How many tickets each saved view holds, for the tab line.
    ViewCounts(Vec<String>),
    /// Every count the dashboard shows, for its filter.
    Dashboard(super::panes::dashboard::Ask),
    /// The opposite of the user's last change to `key`, step by step, the first at the
    /// version that change left.
    Undo {
        key: String,
        ops: Vec<Op>,
        version: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermEffect {
    /// Put text on the clipboard (OSC 52, so it works over SSH).
    Copy(String),
    /// Ring the bell and raise a desktop notification (OSC 9 / OSC 777).
    Notify(super::alerts::Alert),
    /// Suspend the UI and edit this text in `$EDITOR`; the result comes back as
    /// [`Msg::Edited`].
    Editor(String),
}

/// Why the app asked to be woken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wake {
    Detail(String),
}

impl Effect {
    /// The drafts file to write, if a change to the drafts left one.
    pub fn save(file: Option<DraftsFile>) -> Vec<Effect> {
        file.map(Effect::SaveDrafts).into_iter().collect()
    }
}

impl From<Call> for Effect {
    fn from(call: Call) -> Effect {
        Effect::Desk(call)
    }
}

impl From<TermEffect> for Effect {
    fn from(effect: TermEffect) -> Effect {
        Effect::Terminal(effect)
    }
}
