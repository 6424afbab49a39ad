//! What a user can do with a desk, whoever serves it: `LocalDesk` runs the service over
//! a store on this machine; a remote desk speaks HTTP to `desk serve`. Front ends (the
//! TUI, the CLI) see only [`Desk`].

mod error;
mod local;
mod remote;
mod sse;

pub use error::DeskError;
pub use local::{LocalDesk, LocalUser};
pub use remote::{RemoteDesk, attachment_link};

use async_trait::async_trait;

use crate::domain::attachment::{Attached, Attachment};
use crate::domain::model::{Category, Comment, Priority, Status, Ticket, User, Visibility};
use crate::domain::requests::{
    Changes, NewTicket, Series, Stats, TicketEdit, TicketList, TicketView,
};

pub type DeskResult<T> = Result<T, DeskError>;

/// What [`Desk::download`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downloaded {
    /// The stored (sanitised) file name: safe as the last component of a path.
    pub name: String,
    pub media_type: String,
    pub size: u64,
}

/// Change notifications from a desk that pushes them: see [`Desk::watch`].
pub type Watch = futures_util::stream::BoxStream<'static, DeskResult<()>>;

/// Where a desk lives and who is acting, for status bars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskInfo {
    /// A file path or server URL.
    pub location: String,
    pub online: bool,
    pub user: User,
}

#[async_trait]
pub trait Desk: Send + Sync {
    fn info(&self) -> DeskInfo;

    /// A stream that yields whenever the desk reports a change, for desks that push
    /// (a server's event stream); `None` for desks that must be polled. It ends when
    /// the connection does; callers poll as well and reconnect.
    fn watch(&self) -> Option<Watch> {
        None
    }

    /// Who this desk acts as, asked afresh where the desk can say (a server).
    async fn me(&self) -> DeskResult<User> {
        Ok(self.info().user)
    }

    async fn list_tickets(
        &self,
        q: &str,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> DeskResult<TicketList>;
    async fn count_tickets(&self, q: &str) -> DeskResult<i64>;
    async fn get_ticket(&self, key: &str) -> DeskResult<TicketView>;
    /// The notifications desk sent (or is sending) about a ticket, oldest first. Staff.
    async fn ticket_deliveries(&self, key: &str)
    -> DeskResult<Vec<crate::store::outbox::Delivery>>;
    async fn create_ticket(&self, new: NewTicket) -> DeskResult<Ticket>;
    async fn edit_ticket(
        &self,
        key: &str,
        edit: TicketEdit,
        expected_version: Option<i64>,
    ) -> DeskResult<Ticket>;
    async fn transition(
        &self,
        key: &str,
        to: &str,
        note: Option<&str>,
        expected_version: Option<i64>,
    ) -> DeskResult<Ticket>;
    async fn allowed_transitions(&self, key: &str) -> DeskResult<Vec<String>>;
    async fn assign(
        &self,
        key: &str,
        assignee: Option<&str>,
        expected_version: Option<i64>,
    ) -> DeskResult<Ticket>;
    async fn approve(
        &self,
        key: &str,
        note: Option<&str>,
        expected_version: Option<i64>,
    ) -> DeskResult<Ticket>;
    async fn reject(
        &self,
        key: &str,
        note: &str,
        expected_version: Option<i64>,
    ) -> DeskResult<Ticket>;
    async fn comment(
        &self,
        key: &str,
        body: &str,
        visibility: Visibility,
        expected_version: Option<i64>,
    ) -> DeskResult<Comment>;
    /// Attaches files on this machine to `key`: with a comment when `body` holds text
    /// (one change, one event), else on the ticket. `visibility` covers the comment and
    /// the files (customers: public only).
    async fn attach(
        &self,
        key: &str,
        files: &[std::path::PathBuf],
        body: Option<&str>,
        visibility: Visibility,
        expected_version: Option<i64>,
    ) -> DeskResult<Attached>;
    /// The attachments of `key` the user may see, oldest first.
    async fn attachments(&self, key: &str) -> DeskResult<Vec<Attachment>>;
    /// Writes the content of attachment `id` to `to`, streamed; says what it was.
    async fn download(
        &self,
        id: i64,
        to: &mut (dyn tokio::io::AsyncWrite + Unpin + Send),
    ) -> DeskResult<Downloaded>;
    /// A link to the attachment for people to open (a server's URL; needs a token),
    /// `None` for a desk on this machine.
    fn attachment_url(&self, _id: i64) -> Option<String> {
        None
    }
    async fn changes(&self, after: i64, limit: Option<u32>) -> DeskResult<Changes>;
    /// The newest event's sequence number: follow the feed from here to see only what
    /// changes from now on.
    async fn feed_head(&self) -> DeskResult<i64>;
    async fn stats(&self) -> DeskResult<Stats>;
    /// Tickets matching `q` created and resolved per day over the last `days` days.
    async fn stats_series(&self, q: &str, days: u32) -> DeskResult<Series>;
    async fn categories(&self) -> DeskResult<Vec<Category>>;
    async fn priorities(&self) -> DeskResult<Vec<Priority>>;
    async fn statuses(&self) -> DeskResult<Vec<Status>>;
    async fn users(&self) -> DeskResult<Vec<User>>;
}
