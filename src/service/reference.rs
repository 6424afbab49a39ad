//! Reference data (categories, priorities, statuses) and people, with the defaults a
//! new desk starts from.

use serde::{Deserialize, Serialize};

use crate::domain::model::{Category, Priority, Role, Status, User};
use crate::domain::validate::{self, invalid};
use crate::domain::{time, workflow};
use crate::store::{reference, users};

use super::{Actor, Result, Service, ServiceError};

/// (name, rank, colour, response hours, resolution hours).
const DEFAULT_PRIORITIES: [(&str, i64, &str, f64, f64); 4] = [
    ("Critical", 1, "red", 1.0, 4.0),
    ("High", 2, "orange", 4.0, 24.0),
    ("Medium", 3, "yellow", 8.0, 72.0),
    ("Low", 4, "green", 24.0, 120.0),
];

/// (name, description, SLA hours, requires approval).
const DEFAULT_CATEGORIES: [(&str, &str, Option<f64>, bool); 2] = [
    ("General", "Questions and problems of any kind", None, false),
    (
        "Service request",
        "Work that a supervisor approves before it starts",
        None,
        true,
    ),
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub active: Option<bool>,
}

impl Service {
    /// Fills an empty desk with the default statuses, priorities and categories. Does
    /// nothing to a desk that has them.
    pub async fn seed_defaults(&self) -> Result<()> {
        let mut w = self.store.write().await?;
        if reference::statuses(&mut *w.tx).await?.is_empty() {
            for (position, (key, name, class)) in workflow::STATUSES.iter().enumerate() {
                let status = Status {
                    key: (*key).into(),
                    name: (*name).into(),
                    class: *class,
                    position: position as i64,
                    transitions: Vec::new(),
                };
                reference::save_status(&mut *w.tx, &status).await?;
            }
        }
        if reference::priorities(&mut *w.tx).await?.is_empty() {
            for (name, rank, color, response, resolution) in DEFAULT_PRIORITIES {
                let p = Priority {
                    id: 0,
                    name: name.into(),
                    rank,
                    color: color.into(),
                    response_hours: response,
                    resolution_hours: resolution,
                };
                reference::save_priority(&mut *w.tx, &p).await?;
            }
        }
        if reference::categories(&mut *w.tx).await?.is_empty() {
            for (name, description, sla_hours, requires_approval) in DEFAULT_CATEGORIES {
                let c = Category {
                    id: 0,
                    name: name.into(),
                    description: description.into(),
                    sla_hours,
                    requires_approval,
                    active: true,
                };
                reference::save_category(&mut *w.tx, &c).await?;
            }
        }
        w.commit().await?;
        self.refs_changed();
        Ok(())
    }

    pub async fn categories(&self) -> Result<Vec<Category>> {
        Ok(reference::categories(self.store.pool()).await?)
    }

    pub async fn priorities(&self) -> Result<Vec<Priority>> {
        Ok(reference::priorities(self.store.pool()).await?)
    }

    /// Every status in workflow order, each with the steps out of it.
    pub async fn statuses(&self) -> Result<Vec<Status>> {
        let mut statuses = reference::statuses(self.store.pool()).await?;
        for s in &mut statuses {
            s.transitions = workflow::RULES
                .iter()
                .filter(|r| r.from == s.key)
                .map(|r| crate::domain::model::WorkflowStep {
                    to: r.to.to_string(),
                    who: match r.who {
                        workflow::Who::Staff => "agent",
                        workflow::Who::Supervisor => "supervisor",
                        workflow::Who::StaffOrRequester => "agent_or_requester",
                    }
                    .to_string(),
                })
                .collect();
        }
        Ok(statuses)
    }

    /// Creates (`id` 0) or changes a category. Admins only. Categories are retired
    /// (`active = false`), never deleted: tickets keep pointing at them.
    pub async fn save_category(&self, actor: &Actor, mut c: Category) -> Result<Category> {
        actor.require_admin("change categories")?;
        c.name = validate::required_text("name", &c.name, validate::NAME_MAX)?;
        c.description = validate::bounded_text("description", c.description.trim(), 1000)?;
        if let Some(h) = c.sla_hours
            && !(h > 0.0 && h <= 24.0 * 365.0)
        {
            return Err(invalid("sla_hours", "must be more than 0 and at most a year").into());
        }
        let w = self.store.write().await?;
        let mut w = w;
        let id = reference::save_category(&mut *w.tx, &c)
            .await
            .map_err(|e| duplicate(e, "a category", &c.name))?;
        w.commit().await?;
        self.refs_changed();
        c.id = id;
        Ok(c)
    }

    /// Creates (`id` 0) or changes a priority. Admins only.
    pub async fn save_priority(&self, actor: &Actor, mut p: Priority) -> Result<Priority> {
        actor.require_admin("change priorities")?;
        p.name = validate::required_text("name", &p.name, validate::NAME_MAX)?;
        p.color = validate::required_text("color", &p.color, 32)?;
        for (field, h) in [
            ("response_hours", p.response_hours),
            ("resolution_hours", p.resolution_hours),
        ] {
            if !(h > 0.0 && h <= 24.0 * 365.0) {
                return Err(invalid(field, "must be more than 0 and at most a year").into());
            }
        }
        let mut w = self.store.write().await?;
        let id = reference::save_priority(&mut *w.tx, &p)
            .await
            .map_err(|e| duplicate(e, "a priority", &p.name))?;
        w.commit().await?;
        self.refs_changed();
        p.id = id;
        Ok(p)
    }

    /// Renames a status. Admins only; keys and classes belong to the workflow.
    pub async fn rename_status(&self, actor: &Actor, key: &str, name: &str) -> Result<Status> {
        actor.require_admin("rename statuses")?;
        let name = validate::required_text("name", name, validate::NAME_MAX)?;
        let mut status = self
            .statuses()
            .await?
            .into_iter()
            .find(|s| s.key == key)
            .ok_or_else(|| ServiceError::not_found("status", key))?;
        status.name = name;
        let mut w = self.store.write().await?;
        reference::save_status(&mut *w.tx, &status).await?;
        w.commit().await?;
        self.refs_changed();
        Ok(status)
    }

    /// Everyone (admins), or the staff a ticket can be assigned to (agents and
    /// supervisors). Customers do not see the people list.
    pub async fn users(&self, actor: &Actor) -> Result<Vec<User>> {
        actor.require_staff("list people")?;
        let admin = actor.role().is_admin();
        let mut people = users::list(self.store.pool(), !admin).await?;
        if !admin {
            people.retain(|u| u.active);
        }
        Ok(people)
    }

    /// Everyone staff may name on a ticket, customers included (the helpdesk's user
    /// picker): staff only; admins also see deactivated accounts, as in [`Service::users`].
    pub async fn directory(&self, actor: &Actor) -> Result<Vec<User>> {
        actor.require_staff("list people")?;
        let mut people = users::list(self.store.pool(), false).await?;
        if !actor.role().is_admin() {
            people.retain(|u| u.active);
        }
        Ok(people)
    }

    /// Adds a person. Admins only.
    pub async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<User> {
        actor.require_admin("add people")?;
        self.insert_user(new, None).await
    }

    /// Adds a person with a password hash already computed (the server hashes off the
    /// async threads). Callers check authority: first-admin setup has none to check.
    pub async fn insert_user(&self, new: NewUser, password_hash: Option<&str>) -> Result<User> {
        let email = validate::email("email", &new.email)?;
        let name = validate::required_text("name", &new.name, validate::NAME_MAX)?;
        let mut w = self.store.write().await?;
        let user = users::insert(
            &mut *w.tx,
            users::NewUser {
                email: &email,
                name: &name,
                role: new.role,
                password_hash,
                at: time::now(),
            },
        )
        .await
        .map_err(|e| duplicate(e, "an account", &email))?;
        w.commit().await?;
        Ok(user)
    }

    /// Changes a person's name, role or whether they may sign in. Admins only; an admin
    /// cannot demote or deactivate themselves (a desk must keep one admin who can act).
    pub async fn update_user(&self, actor: &Actor, id: i64, patch: UserPatch) -> Result<User> {
        actor.require_admin("change people")?;
        let mut w = self.store.write().await?;
        let mut user = users::get(&mut *w.tx, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("user", id))?;
        if actor.user_id() == Some(id)
            && (patch.role.is_some_and(|r| r != Role::Admin) || patch.active == Some(false))
        {
            return Err(ServiceError::Forbidden(
                "you cannot demote or deactivate your own admin account".into(),
            ));
        }
        if let Some(name) = patch.name {
            user.name = validate::required_text("name", &name, validate::NAME_MAX)?;
        }
        if let Some(role) = patch.role {
            user.role = role;
        }
        if let Some(active) = patch.active {
            user.active = active;
        }
        users::update(&mut *w.tx, &user).await?;
        if patch.active == Some(false) {
            // Deactivation signs them out for good: reactivating must not revive
            // old sessions.
            crate::store::tokens::revoke_all(&mut *w.tx, id, time::now()).await?;
        }
        w.commit().await?;
        // Role and activity changes must reach cached sessions at once.
        self.tokens.clear();
        Ok(user)
    }

    /// Everyone, for tools acting with the database's own authority (`desk users list`).
    pub async fn all_users(&self) -> Result<Vec<User>> {
        Ok(users::list(self.store.pool(), false).await?)
    }

    /// One person by id: admins for anyone, people for themselves.
    pub async fn users_by_id(&self, actor: &Actor, id: i64) -> Result<User> {
        if actor.user_id() != Some(id) {
            actor.require_admin("look at other people's accounts")?;
        }
        users::get(self.store.pool(), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("user", id))
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        Ok(users::by_email(self.store.pool(), email).await?)
    }

    /// The user ids of these emails (lowercase keys): for operator-written mappings such
    /// as `[compat.helpdesk.ids]`, which name people by email. Ids only, nothing personal.
    pub async fn user_ids_by_email(
        &self,
        emails: &[&str],
    ) -> Result<std::collections::HashMap<String, i64>> {
        Ok(users::ids_by_email(self.store.pool(), emails).await?)
    }

    /// The account a local desk acts as, created on first use.
    pub async fn ensure_user(&self, email: &str, name: &str, role: Role) -> Result<User> {
        let email = validate::email("email", email)?;
        if let Some(existing) = users::by_email(self.store.pool(), &email).await? {
            return Ok(existing);
        }
        self.insert_user(
            NewUser {
                email,
                name: name.to_string(),
                role,
            },
            None,
        )
        .await
    }
}

fn duplicate(e: crate::store::StoreError, what: &str, name: &str) -> ServiceError {
    if e.is_unique_violation() {
        ServiceError::Duplicate(format!("{what} named `{name}` already exists"))
    } else {
        e.into()
    }
}

impl Service {
    /// One person by id, for filing or assigning on their behalf: anyone may name
    /// themselves; staff may name anyone (they already see every requester on the
    /// tickets they work); customers no one else.
    pub async fn person(&self, actor: &Actor, id: i64) -> Result<User> {
        actor.require_active()?;
        if actor.user_id() != Some(id) && !actor.is_staff() {
            return Err(ServiceError::Forbidden(
                "customers may only name themselves".into(),
            ));
        }
        users::get(self.store.pool(), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("user", id))
    }
}

impl Service {
    /// Who a change is recorded as when a surface names the acting person (the
    /// helpdesk's `?user_id=N`): the caller themselves, or someone the caller may speak
    /// for. Staff may act for customers (an agent typing up what a customer said on the
    /// phone); acting for another staff member takes a supervisor or admin, and nobody
    /// acts for a role above their own. Whatever the chosen person may not do is then
    /// refused by the operation itself, as for them.
    pub async fn acting_as(&self, actor: &Actor, id: i64) -> Result<Actor> {
        actor.require_active()?;
        if actor.user_id() == Some(id) {
            return Ok(actor.clone());
        }
        if !actor.is_staff() {
            return Err(ServiceError::Forbidden(
                "customers may only act as themselves".into(),
            ));
        }
        let user = users::get(self.store.pool(), id)
            .await?
            .ok_or_else(|| ServiceError::not_found("user", id))?;
        if user.role.is_staff() && !actor.role().is_supervisor() {
            return Err(ServiceError::Forbidden(
                "only supervisors and admins may act for another staff member".into(),
            ));
        }
        if user.role > actor.role() {
            return Err(ServiceError::Forbidden(format!(
                "a {} may not act for a {}",
                actor.role().as_str(),
                user.role.as_str()
            )));
        }
        if !user.active {
            return Err(ServiceError::Forbidden(format!(
                "the account {} is deactivated",
                user.email
            )));
        }
        Ok(Actor::User(user))
    }
}
