//! The accounts anonymous compat surfaces act as, and what those surfaces may do. A
//! surface opened with `anonymous = true` acts as one account of a fixed role, so the
//! service still decides what every call may do; an admin deactivating the account
//! shuts the surface off.

use crate::domain::model::{Role, Ticket, Visibility};

use super::apply::TicketChange;
use super::{Actor, Result, Service, ServiceError};

/// The account an anonymous surface acts as. `.invalid` can never be a real mailbox,
/// so no person can sign up as it.
pub fn surface_email(surface: &str) -> String {
    format!("compat-{}@desk.invalid", surface.replace('_', "-"))
}

impl Service {
    /// The anonymous account of `surface`, made on first use with `role`. Its authority
    /// is exactly `role`: an account since changed to another role is refused.
    pub async fn surface_account(&self, surface: &str, role: Role) -> Result<Actor> {
        let email = surface_email(surface);
        let display = format!("{surface} (anonymous)");
        let user = match self.ensure_user(&email, &display, role).await {
            Ok(user) => user,
            // Two first requests at once: the other one made the account.
            Err(ServiceError::Duplicate(_)) => self
                .user_by_email(&email)
                .await?
                .ok_or_else(|| ServiceError::Unauthenticated("no anonymous account".into()))?,
            Err(e) => return Err(e),
        };
        if user.role != role {
            return Err(ServiceError::Forbidden(format!(
                "the anonymous account {email} is not {role} any more; restore its role or \
                 send a token"
            )));
        }
        Ok(Actor::User(user))
    }

    /// Staff answer a customer's report: a public reply and the status it leaves the
    /// ticket in, as one change. Customers may not answer, not even their own.
    pub async fn answer(
        &self,
        actor: &Actor,
        key: &str,
        status: &str,
        reply: Option<String>,
    ) -> Result<Ticket> {
        actor.require_staff("answer reports")?;
        let change = TicketChange {
            status: Some(status.to_string()),
            reply: reply.map(|r| (r, Visibility::Public)),
            ..TicketChange::default()
        };
        Ok(self.apply(actor, key, change, None).await?.0)
    }
}
