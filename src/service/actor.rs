//! Who is calling, and the role checks every operation starts with.

use crate::domain::model::{Role, Ticket, User};
use crate::store::Scope;

use super::error::{Result, ServiceError};

/// The caller of an operation. Every service call names one; there is no ambient user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// Someone with an account.
    User(User),
    /// A customer without an account, known only by the email they gave (public forms,
    /// intake endpoints).
    Contact { email: String },
}

impl Actor {
    pub fn role(&self) -> Role {
        match self {
            Actor::User(u) => u.role,
            Actor::Contact { .. } => Role::Customer,
        }
    }

    pub fn user_id(&self) -> Option<i64> {
        match self {
            Actor::User(u) => Some(u.id),
            Actor::Contact { .. } => None,
        }
    }

    pub fn email(&self) -> &str {
        match self {
            Actor::User(u) => &u.email,
            Actor::Contact { email } => email,
        }
    }

    pub fn is_staff(&self) -> bool {
        self.role().is_staff()
    }

    /// Whether this caller filed the ticket. Accounts own by id (an email alone is not
    /// proof: anyone can sign up with an address whose tickets were filed anonymously);
    /// contacts own tickets filed under their email without an account.
    pub fn is_requester(&self, ticket: &Ticket) -> bool {
        match self {
            Actor::User(u) => ticket.requester.user_id == Some(u.id),
            Actor::Contact { email } => {
                ticket.requester.user_id.is_none()
                    && ticket.requester.email.eq_ignore_ascii_case(email)
            }
        }
    }

    /// Staff see every ticket; customers only their own. A customer asking for someone
    /// else's ticket is told it does not exist, so keys cannot be probed.
    pub fn may_read(&self, ticket: &Ticket) -> bool {
        self.is_staff() || self.is_requester(ticket)
    }

    pub fn scope(&self) -> Result<Scope> {
        match self {
            Actor::User(u) if u.role.is_staff() => Ok(Scope::All),
            Actor::User(u) => Ok(Scope::Requester(u.id)),
            Actor::Contact { .. } => Err(ServiceError::Forbidden(
                "sign in to list tickets; without an account, track one ticket by its key and email"
                    .into(),
            )),
        }
    }

    pub fn require_staff(&self, what: &str) -> Result<()> {
        self.require_active()?;
        if self.is_staff() {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(format!(
                "only agents, supervisors and admins may {what}"
            )))
        }
    }

    pub fn require_supervisor(&self, what: &str) -> Result<()> {
        self.require_active()?;
        if self.role().is_supervisor() {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(format!(
                "only supervisors and admins may {what}"
            )))
        }
    }

    pub fn require_admin(&self, what: &str) -> Result<()> {
        self.require_active()?;
        if self.role().is_admin() {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(format!("only admins may {what}")))
        }
    }

    pub fn require_active(&self) -> Result<()> {
        match self {
            Actor::User(u) if !u.active => Err(ServiceError::Forbidden(format!(
                "the account {} is deactivated",
                u.email
            ))),
            _ => Ok(()),
        }
    }
}
