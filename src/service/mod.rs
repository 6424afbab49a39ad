//! The only code that changes data. Every operation names its caller, checks the
//! caller's role and the workflow, and writes its change together with the audit events
//! that record it in one transaction.

mod actor;
mod apply;
mod attachments;
mod auth;
mod change;
mod comments;
mod dump;
mod error;
mod filing;
mod mail;
mod migrate;
mod notify;
mod query;
mod reads;
mod reference;
mod secrets;
mod surfaces;
mod tickets;
mod token_cache;
mod track;
mod transitions;

pub use actor::Actor;
pub use apply::TicketChange;
pub use attachments::{Content, STAGED_FOR, Spool, Staged, Upload, remove_orphan_spools};
pub use auth::{IssuedToken, hash_password};
pub use error::{Result, ServiceError, conflict_message};
pub use mail::{MailPayload, MailPolicy, MailSetupError, MailSwitches};
pub use migrate::{MoveError, MoveReport};
pub use notify::{
    DeliveryDetail, NewWebhook, WEBHOOK_EVENTS, WebhookPolicy, check_webhook_url, is_private,
};
pub use reads::{CHANGES_MAX, PAGE_DEFAULT, PAGE_MAX};
pub use reference::{NewUser, UserPatch};
pub use surfaces::surface_email;
pub use track::{PublicAttachment, PublicComment, PublicEvent, PublicTicket};

use crate::domain::key::{format_key, parse_key_number};
use crate::domain::model::{Category, Priority, Ticket};
use crate::store::{Store, StoreError};

/// Settings the service needs from the configuration.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// Prefix of ticket keys (`TKT` in `TKT-1042`).
    pub key_prefix: String,
    pub attachments: AttachmentConfig,
    /// Email notifications (`[mail]`); `None`: no mail is written to the outbox.
    pub mail: Option<std::sync::Arc<mail::MailPolicy>>,
}

/// `[attachments]`: limits and where content goes.
#[derive(Debug, Clone, Default)]
pub struct AttachmentConfig {
    pub limits: crate::domain::attachment::Limits,
    pub store: crate::store::attachments::ContentStore,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            key_prefix: "TKT".into(),
            attachments: AttachmentConfig::default(),
            mail: None,
        }
    }
}

#[derive(Clone)]
pub struct Service {
    store: Store,
    config: ServiceConfig,
    tokens: std::sync::Arc<token_cache::TokenCache>,
    refs: std::sync::Arc<RefCache>,
    filings: std::sync::Arc<filing::Queue>,
    /// Held while a ticket that must be unique by a custom field is checked and filed.
    unique_filing: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// The reference data operations resolve names against. Small and rarely changed, so
/// it is kept in memory: every change through this process drops it at once, and a
/// change made by another server on the same database is seen within [`REFS_TTL`].
struct Refs {
    categories: Vec<Category>,
    priorities: Vec<Priority>,
    statuses: Vec<crate::domain::model::Status>,
}

const REFS_TTL: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(Default)]
struct RefCache {
    current: std::sync::Mutex<Option<(std::time::Instant, std::sync::Arc<Refs>)>>,
}

impl RefCache {
    fn fresh(&self) -> Option<std::sync::Arc<Refs>> {
        let guard = self.current.lock().ok()?;
        let (at, refs) = guard.as_ref()?;
        (at.elapsed() < REFS_TTL).then(|| refs.clone())
    }

    fn store(&self, refs: std::sync::Arc<Refs>) {
        if let Ok(mut guard) = self.current.lock() {
            *guard = Some((std::time::Instant::now(), refs));
        }
    }

    fn clear(&self) {
        if let Ok(mut guard) = self.current.lock() {
            *guard = None;
        }
    }
}

impl Refs {
    fn category(&self, name: &str) -> Result<&Category> {
        self.categories
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                unknown(
                    "category",
                    name,
                    self.categories.iter().filter(|c| c.active).map(|c| &c.name),
                )
            })
    }

    fn priority(&self, name: &str) -> Result<&Priority> {
        self.priorities
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| unknown("priority", name, self.priorities.iter().map(|p| &p.name)))
    }

    fn ids(&self, t: &Ticket) -> Result<crate::store::tickets::RefIds> {
        Ok(crate::store::tickets::RefIds {
            category_id: self.category(&t.category)?.id,
            priority_id: self.priority(&t.priority)?.id,
        })
    }
}

fn unknown<'a>(
    field: &'static str,
    given: &str,
    known: impl Iterator<Item = &'a String>,
) -> ServiceError {
    let known: Vec<&str> = known.map(String::as_str).collect();
    ServiceError::Invalid(crate::domain::validate::invalid(
        field,
        format!(
            "unknown {field} `{}` (expected one of: {})",
            given.trim(),
            known.join(", ")
        ),
    ))
}

impl Service {
    pub fn new(store: Store, config: ServiceConfig) -> Service {
        Service {
            store,
            config,
            tokens: Default::default(),
            refs: Default::default(),
            filings: Default::default(),
            unique_filing: Default::default(),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn key_prefix(&self) -> &str {
        &self.config.key_prefix
    }

    /// The current reference data, from memory when it is fresh.
    async fn refs(&self) -> Result<std::sync::Arc<Refs>> {
        if let Some(refs) = self.refs.fresh() {
            return Ok(refs);
        }
        let pool = self.store.pool();
        let refs = std::sync::Arc::new(Refs {
            categories: crate::store::reference::categories(pool).await?,
            priorities: crate::store::reference::priorities(pool).await?,
            statuses: crate::store::reference::statuses(pool).await?,
        });
        self.refs.store(refs.clone());
        Ok(refs)
    }

    /// Categories and priorities as operations resolve them (from memory when fresh),
    /// for surfaces that translate between their names and ids on every request.
    pub async fn categories_and_priorities(&self) -> Result<(Vec<Category>, Vec<Priority>)> {
        let refs = self.refs().await?;
        Ok((refs.categories.clone(), refs.priorities.clone()))
    }

    /// Drops cached reference data after a change to it.
    fn refs_changed(&self) {
        self.refs.clear();
    }

    /// Finds a ticket by key (`TKT-42`, `tkt-42`, or `42`), as this caller may see it,
    /// through `ex` (a write's transaction).
    async fn find<'c, E>(&self, ex: E, actor: &Actor, key: &str) -> Result<Ticket>
    where
        E: sqlx::Executor<'c, Database = sqlx::Any>,
    {
        let id = self.ticket_number(key)?;
        let ticket = crate::store::tickets::get(ex, self.store.backend(), id).await?;
        visible(actor, key, ticket)
    }

    /// [`Service::find`] for reads: on SQLite through the read pool (`store::readers`).
    async fn find_read(&self, actor: &Actor, key: &str) -> Result<Ticket> {
        let id = self.ticket_number(key)?;
        let ticket = crate::store::tickets::read(&self.store, id).await?;
        visible(actor, key, ticket)
    }

    /// The number in a ticket key; a key that is not one is a ticket that is not there.
    fn ticket_number(&self, key: &str) -> Result<i64> {
        parse_key_number(&self.config.key_prefix, key).ok_or_else(|| ticket_not_found(key))
    }

    fn key_of(&self, number: i64) -> String {
        format_key(&self.config.key_prefix, number)
    }
}

pub(super) fn ticket_not_found(key: &str) -> ServiceError {
    ServiceError::not_found("ticket", key.trim())
}

/// The ticket found for `key`, if the caller may see it: one that they may not see does
/// not exist for them, so keys cannot be probed.
pub(super) fn visible(actor: &Actor, key: &str, ticket: Option<Ticket>) -> Result<Ticket> {
    match ticket {
        Some(ticket) if actor.may_read(&ticket) => Ok(ticket),
        _ => Err(ticket_not_found(key)),
    }
}

impl From<sqlx::Error> for ServiceError {
    fn from(e: sqlx::Error) -> Self {
        ServiceError::Store(StoreError::Database(e))
    }
}
