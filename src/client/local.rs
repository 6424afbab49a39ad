//! The desk on this machine: the real service over a SQLite file, acting as one user.
//! Offline mode is not a mock; it is the engine the server runs.

use async_trait::async_trait;

use crate::domain::model::{Category, Comment, Priority, Role, Status, Ticket, User, Visibility};
use crate::domain::requests::{
    Changes, NewTicket, Series, Stats, TicketEdit, TicketList, TicketView,
};
use crate::service::{Actor, Service, ServiceConfig};
use crate::store::Store;

use super::{Desk, DeskError, DeskInfo, DeskResult, Downloaded};
use crate::domain::attachment::{Attached, Attachment};

#[derive(Clone)]
pub struct LocalDesk {
    service: Service,
    actor: Actor,
    user: User,
}

/// Who the local desk acts as (from `[local]` in the config).
#[derive(Debug, Clone)]
pub struct LocalUser {
    pub email: String,
    pub name: String,
    pub role: Role,
}

impl LocalDesk {
    /// Opens (creating if needed) the store at `location` and acts as `user`, who is
    /// added to the desk on first use.
    pub async fn open(
        location: &str,
        config: ServiceConfig,
        user: LocalUser,
    ) -> DeskResult<LocalDesk> {
        let store = Store::open(location)
            .await
            .map_err(|e| DeskError::Unavailable(e.to_string()))?;
        let service = Service::new(store, config);
        service.seed_defaults().await?;
        let acting = service
            .ensure_user(&user.email, &user.name, user.role)
            .await?;
        Ok(LocalDesk::acting_as(service, acting))
    }

    /// A desk over an open service, acting as an existing user.
    pub fn acting_as(service: Service, user: User) -> LocalDesk {
        LocalDesk {
            service,
            actor: Actor::User(user.clone()),
            user,
        }
    }

    pub fn service(&self) -> &Service {
        &self.service
    }
}

#[async_trait]
impl Desk for LocalDesk {
    fn info(&self) -> DeskInfo {
        DeskInfo {
            location: self.service.store().location().to_string(),
            online: false,
            user: self.user.clone(),
        }
    }

    async fn list_tickets(
        &self,
        q: &str,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> DeskResult<TicketList> {
        Ok(self
            .service
            .list_tickets(&self.actor, q, limit, cursor)
            .await?)
    }

    async fn count_tickets(&self, q: &str) -> DeskResult<i64> {
        Ok(self.service.count_tickets(&self.actor, q).await?)
    }

    async fn get_ticket(&self, key: &str) -> DeskResult<TicketView> {
        Ok(self.service.get_ticket(&self.actor, key).await?)
    }

    async fn ticket_deliveries(
        &self,
        key: &str,
    ) -> DeskResult<Vec<crate::store::outbox::Delivery>> {
        Ok(self.service.ticket_deliveries(&self.actor, key).await?)
    }

    async fn create_ticket(&self, new: NewTicket) -> DeskResult<Ticket> {
        Ok(self.service.create_ticket(&self.actor, new).await?)
    }

    async fn edit_ticket(
        &self,
        key: &str,
        edit: TicketEdit,
        expected_version: Option<i64>,
    ) -> DeskResult<Ticket> {
        Ok(self
            .service
            .edit_ticket(&self.actor, key, edit, expected_version)
            .await?)
    }

    async fn transition(
        &self,
        key: &str,
        to: &str,
        note: Option<&str>,
        expected_version: Option<i64>,
    ) -> DeskResult<Ticket> {
        Ok(self
            .service
            .transition(&self.actor, key, to, note, expected_version)
            .await?)
    }

    async fn allowed_transitions(&self, key: &str) -> DeskResult<Vec<String>> {
        Ok(self.service.allowed_transitions(&self.actor, key).await?)
    }

    async fn assign(
        &self,
        key: &str,
        assignee: Option<&str>,
        expected_version: Option<i64>,
    ) -> DeskResult<Ticket> {
        Ok(self
            .service
            .assign(&self.actor, key, assignee, expected_version)
            .await?)
    }

    async fn approve(
        &self,
        key: &str,
        note: Option<&str>,
        expected_version: Option<i64>,
    ) -> DeskResult<Ticket> {
        Ok(self
            .service
            .approve(&self.actor, key, note, expected_version)
            .await?)
    }

    async fn reject(
        &self,
        key: &str,
        note: &str,
        expected_version: Option<i64>,
    ) -> DeskResult<Ticket> {
        Ok(self
            .service
            .reject(&self.actor, key, note, expected_version)
            .await?)
    }

    async fn comment(
        &self,
        key: &str,
        body: &str,
        visibility: Visibility,
        expected_version: Option<i64>,
    ) -> DeskResult<Comment> {
        let (_, comment) = self
            .service
            .comment(&self.actor, key, body, visibility, expected_version)
            .await?;
        Ok(comment)
    }

    async fn attach(
        &self,
        key: &str,
        files: &[std::path::PathBuf],
        body: Option<&str>,
        visibility: Visibility,
        expected_version: Option<i64>,
    ) -> DeskResult<Attached> {
        let max = self.service.attachment_limits().max_bytes;
        let mut uploads = Vec::new();
        for f in files {
            uploads.push(crate::service::Upload::from_path(f, max).await?);
        }
        let (ticket, comment, attachments) = self
            .service
            .attach(
                &self.actor,
                key,
                uploads,
                body,
                visibility,
                expected_version,
            )
            .await?;
        Ok(Attached {
            ticket,
            comment,
            attachments,
        })
    }

    async fn attachments(&self, key: &str) -> DeskResult<Vec<Attachment>> {
        Ok(self.service.attachments(&self.actor, key).await?)
    }

    async fn download(
        &self,
        id: i64,
        to: &mut (dyn tokio::io::AsyncWrite + Unpin + Send),
    ) -> DeskResult<Downloaded> {
        use tokio::io::AsyncWriteExt;
        let (a, content) = self.service.attachment(&self.actor, id).await?;
        let failed = |e: std::io::Error| DeskError::Invalid {
            field: Some("output".into()),
            message: format!("cannot write {}: {e}", a.name),
        };
        match content {
            crate::service::Content::Database { sha256 } => {
                let mut n = 0;
                while let Some(chunk) = self.service.attachment_chunk(&sha256, n).await? {
                    to.write_all(&chunk).await.map_err(failed)?;
                    n += 1;
                }
            }
            crate::service::Content::File(path) => {
                let mut f = tokio::fs::File::open(&path)
                    .await
                    .map_err(|e| DeskError::Internal(format!("{}: {e}", path.display())))?;
                tokio::io::copy(&mut f, to).await.map_err(failed)?;
            }
        }
        to.flush().await.map_err(failed)?;
        Ok(Downloaded {
            name: a.name,
            media_type: a.media_type,
            size: a.size.max(0) as u64,
        })
    }

    async fn changes(&self, after: i64, limit: Option<u32>) -> DeskResult<Changes> {
        Ok(self.service.changes(&self.actor, after, limit).await?)
    }

    async fn feed_head(&self) -> DeskResult<i64> {
        Ok(self.service.feed_head(&self.actor).await?)
    }

    async fn stats(&self) -> DeskResult<Stats> {
        Ok(self.service.stats(&self.actor).await?)
    }

    async fn stats_series(&self, q: &str, days: u32) -> DeskResult<Series> {
        Ok(self.service.stats_series(&self.actor, q, days).await?)
    }

    async fn categories(&self) -> DeskResult<Vec<Category>> {
        Ok(self.service.categories().await?)
    }

    async fn priorities(&self) -> DeskResult<Vec<Priority>> {
        Ok(self.service.priorities().await?)
    }

    async fn statuses(&self) -> DeskResult<Vec<Status>> {
        Ok(self.service.statuses().await?)
    }

    async fn users(&self) -> DeskResult<Vec<User>> {
        Ok(self.service.users(&self.actor).await?)
    }
}
