//! Filing tickets and editing their fields, tags and custom fields.

use crate::domain::model::{EventKind, Requester, Ticket};
use crate::domain::requests::{NewTicket, TicketEdit};
use crate::domain::validate::{self, invalid};
use crate::domain::{sla, tags};

use super::change::{Change, Pending};
use super::filing::Filing;
use super::{Actor, Result, Service, ServiceError};

const DEFAULT_CATEGORY: &str = "General";
const DEFAULT_PRIORITY: &str = "Medium";

impl Service {
    /// Files a ticket. Customers file for themselves; staff may file on behalf of a
    /// contact (`requester_email`), linking to their account when they have one.
    /// Files `new` unless another ticket already holds the same value in its custom
    /// field `key` (a seed's own unique id, such as a service request's `SRV-…`), which
    /// is refused as a duplicate. Checks and filings of this kind take turns, so two of
    /// them cannot both pass the check in this process.
    pub async fn create_ticket_unique(
        &self,
        actor: &Actor,
        new: NewTicket,
        key: &str,
    ) -> Result<Ticket> {
        self.create_ticket_unique_with(actor, new, key, &[]).await
    }

    /// [`Service::create_ticket_unique`], linking the waiting uploads whose secrets the
    /// filing names (see [`Service::create_ticket_with`]).
    pub async fn create_ticket_unique_with(
        &self,
        actor: &Actor,
        new: NewTicket,
        key: &str,
        uploads: &[String],
    ) -> Result<Ticket> {
        let Some(value) = new.custom_fields.get(key).cloned() else {
            return self.create_ticket_with(actor, new, uploads).await;
        };
        let _turn = self.unique_filing.lock().await;
        let taken =
            crate::store::tickets::with_custom_field(self.store.pool(), key, &value).await?;
        if !taken.is_empty() {
            return Err(ServiceError::Duplicate(format!(
                "a ticket with {key} {value} already exists"
            )));
        }
        self.create_ticket_with(actor, new, uploads).await
    }

    pub async fn create_ticket(&self, actor: &Actor, new: NewTicket) -> Result<Ticket> {
        self.create_ticket_marked(actor, new, &[]).await
    }

    /// Files a ticket and links to it, in the same transaction and with one `attached`
    /// event, the uploads `actor` staged whose secrets are in `uploads`
    /// ([`Service::stage_uploads`]). Other secrets are passed over.
    pub async fn create_ticket_with(
        &self,
        actor: &Actor,
        new: NewTicket,
        uploads: &[String],
    ) -> Result<Ticket> {
        let linked = self.linkable(actor, uploads).await?;
        self.create_filing(actor, new, &[], linked).await
    }

    /// Files a ticket carrying a surface's own `marks` (tags such as the reports
    /// surface's `report`, which its lists filter on) whoever files it: the marks are the
    /// surface's, not the caller's choice, so they pass where a customer's tags do not.
    pub async fn create_ticket_marked(
        &self,
        actor: &Actor,
        new: NewTicket,
        marks: &[&str],
    ) -> Result<Ticket> {
        self.create_filing(actor, new, marks, Vec::new()).await
    }

    async fn create_filing(
        &self,
        actor: &Actor,
        mut new: NewTicket,
        marks: &[&str],
        uploads: Vec<(i64, String)>,
    ) -> Result<Ticket> {
        actor.require_active()?;
        let refs = self.refs().await?;
        if !actor.is_staff() {
            customer_choices(&mut new, &refs)?;
        }
        new.tags.extend(marks.iter().map(|m| m.to_string()));
        let title = validate::required_text("title", &new.title, validate::TITLE_MAX)?;
        let description = validate::bounded_text(
            "description",
            new.description.trim(),
            validate::DESCRIPTION_MAX,
        )?;
        let tags = tags::normalize_tags(&new.tags).map_err(|m| invalid("tags", m))?;
        validate::custom_fields(&new.custom_fields)?;
        let requester_name = new
            .requester_name
            .as_deref()
            .map(|n| validate::bounded_text("requester_name", n.trim(), validate::NAME_MAX))
            .transpose()?
            .filter(|n| !n.is_empty());

        // Resolved before the writer lock is taken: the lock serialises every write in
        // the desk, so only what must be atomic runs under it. An account made for the
        // requester a moment later is linked on the tickets they file after it.
        let requester = self
            .requester_for(actor, new.requester_email.as_deref(), requester_name)
            .await?;
        let category = match new.category.as_deref().filter(|c| !c.trim().is_empty()) {
            Some(name) => refs.category(name)?,
            None => refs
                .category(DEFAULT_CATEGORY)
                .ok()
                .or_else(|| refs.categories.iter().find(|c| c.active))
                .ok_or_else(|| invalid("category", "the desk has no categories yet"))?,
        };
        if !category.active {
            return Err(invalid(
                "category",
                format!("category `{}` is retired", category.name),
            )
            .into());
        }
        let priority = match new.priority.as_deref().filter(|p| !p.trim().is_empty()) {
            Some(name) => refs.priority(name)?,
            None => refs
                .priority(DEFAULT_PRIORITY)
                .ok()
                .or_else(|| refs.priorities.last())
                .ok_or_else(|| invalid("priority", "the desk has no priorities yet"))?,
        };

        self.file(Filing {
            title,
            description,
            requester,
            category: category.clone(),
            priority: priority.clone(),
            tags,
            custom_fields: new.custom_fields,
            actor_id: actor.user_id(),
            uploads,
        })
        .await
    }

    async fn requester_for(
        &self,
        actor: &Actor,
        on_behalf_of: Option<&str>,
        name: Option<String>,
    ) -> Result<Requester> {
        let given = on_behalf_of
            .filter(|e| !e.trim().is_empty())
            .map(|e| validate::email("requester_email", e))
            .transpose()?;
        match (actor, given) {
            (Actor::User(u), Some(email)) if u.role.is_staff() => {
                let account = crate::store::users::by_email(self.store.pool(), &email).await?;
                Ok(Requester {
                    user_id: account.as_ref().map(|a| a.id),
                    name: account.map(|a| a.name).or(name),
                    email,
                })
            }
            (Actor::User(u), given) => {
                if given.is_some_and(|e| e != u.email) {
                    return Err(ServiceError::Forbidden(
                        "customers file tickets for themselves only".into(),
                    ));
                }
                Ok(Requester {
                    user_id: Some(u.id),
                    email: u.email.clone(),
                    name: Some(u.name.clone()),
                })
            }
            (Actor::Contact { email }, given) => {
                let email = validate::email("requester_email", email)?;
                if given.is_some_and(|e| e != email) {
                    return Err(ServiceError::Forbidden(
                        "a ticket can only be filed for your own email".into(),
                    ));
                }
                Ok(Requester {
                    user_id: None,
                    email,
                    name,
                })
            }
        }
    }

    /// Changes a ticket's fields. Staff only; each changed field is one event.
    pub async fn edit_ticket(
        &self,
        actor: &Actor,
        key: &str,
        edit: TicketEdit,
        expected_version: Option<i64>,
    ) -> Result<Ticket> {
        actor.require_staff("edit tickets")?;
        if edit.is_empty() {
            return Err(invalid("edit", "nothing to change: give at least one field").into());
        }
        let mut c = self.begin_change(actor, key, expected_version).await?;
        apply_edit(&mut c, edit)?;
        self.commit_change(actor, c).await
    }
}

/// What a customer filing may decide is what they could later edit: nothing about
/// triage. Their priority and tags are kept for staff as `requested_priority` and
/// `requested_tags` (every seed's form sends a priority, so refusing would break them)
/// and the ticket files at the desk's defaults; fields only staff write are refused.
fn customer_choices(new: &mut NewTicket, refs: &super::Refs) -> Result<()> {
    if let Some(key) = new
        .custom_fields
        .keys()
        .find(|k| validate::STAFF_FIELDS.contains(&k.as_str()))
    {
        return Err(ServiceError::Forbidden(format!(
            "`{key}` is written by staff, not by the customer filing"
        )));
    }
    if let Some(name) = new.priority.take().filter(|p| !p.trim().is_empty()) {
        let priority = refs.priority(&name)?;
        new.custom_fields
            .insert("requested_priority".into(), priority.name.clone().into());
    }
    let tags = std::mem::take(&mut new.tags);
    if !tags.is_empty() {
        let tags = tags::normalize_tags(&tags).map_err(|m| invalid("tags", m))?;
        new.custom_fields
            .insert("requested_tags".into(), serde_json::json!(tags));
    }
    Ok(())
}

/// Applies `edit` to the ticket being changed: each changed field is one event.
pub(super) fn apply_edit(c: &mut Change<'_>, edit: TicketEdit) -> Result<()> {
    if let Some(title) = edit.title {
        let title = validate::required_text("title", &title, validate::TITLE_MAX)?;
        if title != c.after.title {
            c.events.push(Pending::new(EventKind::FieldChanged).field(
                "title",
                Some(c.after.title.clone()),
                Some(title.clone()),
            ));
            c.after.title = title;
        }
    }
    if let Some(description) = edit.description {
        let description =
            validate::bounded_text("description", description.trim(), validate::DESCRIPTION_MAX)?;
        if description != c.after.description {
            // The texts themselves may be long; the timeline only says it changed.
            c.events
                .push(Pending::new(EventKind::FieldChanged).field("description", None, None));
            c.after.description = description;
        }
    }
    let mut retarget = false;
    if let Some(name) = edit.category {
        let category = c.refs.category(&name)?;
        if !category.active {
            return Err(invalid(
                "category",
                format!("category `{}` is retired", category.name),
            )
            .into());
        }
        if category.name != c.after.category {
            c.events.push(Pending::new(EventKind::FieldChanged).field(
                "category",
                Some(c.after.category.clone()),
                Some(category.name.clone()),
            ));
            c.after.category = category.name.clone();
            retarget = true;
        }
    }
    if let Some(name) = edit.priority {
        let priority = c.refs.priority(&name)?;
        if priority.name != c.after.priority {
            c.events.push(Pending::new(EventKind::FieldChanged).field(
                "priority",
                Some(c.after.priority.clone()),
                Some(priority.name.clone()),
            ));
            c.after.priority = priority.name.clone();
            retarget = true;
        }
    }
    if retarget {
        let category = c.refs.category(&c.after.category)?;
        let priority = c.refs.priority(&c.after.priority)?;
        c.after.sla = sla::retarget(c.after.sla, c.after.created_at, category, priority);
    }
    if let Some(tags) = edit.tags {
        if !edit.add_tags.is_empty() || !edit.remove_tags.is_empty() {
            return Err(invalid(
                "tags",
                "give either `tags` (the whole set) or `add_tags`/`remove_tags`, not both",
            )
            .into());
        }
        let tags = tags::normalize_tags(&tags).map_err(|m| invalid("tags", m))?;
        set_tags(&mut c.after, &mut c.events, tags);
    } else if !edit.add_tags.is_empty() || !edit.remove_tags.is_empty() {
        let add = tags::normalize_tags(&edit.add_tags).map_err(|m| invalid("add_tags", m))?;
        let remove =
            tags::normalize_tags(&edit.remove_tags).map_err(|m| invalid("remove_tags", m))?;
        if let Some(both) = add.iter().find(|t| remove.contains(t)) {
            return Err(invalid("tags", format!("`{both}` is both added and removed")).into());
        }
        // Against the tags as they are now, read in this transaction: a tag a colleague
        // added since the caller looked is kept.
        let kept = c.after.tags.iter().filter(|t| !remove.contains(t)).cloned();
        let tags = tags::normalize_tags(kept.chain(add)).map_err(|m| invalid("add_tags", m))?;
        set_tags(&mut c.after, &mut c.events, tags);
    }
    if let Some(fields) = edit.custom_fields {
        set_custom_fields(&mut c.after, &mut c.events, fields)?;
    }
    Ok(())
}

fn set_tags(ticket: &mut Ticket, events: &mut Vec<Pending>, tags: Vec<String>) {
    for added in tags.iter().filter(|t| !ticket.tags.contains(t)) {
        events.push(
            Pending::new(EventKind::Tagged)
                .field("tags", None, Some(added.clone()))
                .internal(),
        );
    }
    for removed in ticket.tags.iter().filter(|t| !tags.contains(t)) {
        events.push(
            Pending::new(EventKind::Untagged)
                .field("tags", Some(removed.clone()), None)
                .internal(),
        );
    }
    ticket.tags = tags;
}

/// Sets custom fields; a JSON null removes one. Recorded as internal events: seeds put
/// addresses and document metadata here, which other customers must never see.
fn set_custom_fields(
    ticket: &mut Ticket,
    events: &mut Vec<Pending>,
    fields: std::collections::BTreeMap<String, serde_json::Value>,
) -> Result<()> {
    let mut next = ticket.custom_fields.clone();
    for (k, v) in fields {
        if v.is_null() {
            next.remove(&k);
        } else {
            next.insert(k, v);
        }
    }
    validate::custom_fields(&next)?;
    let keys: std::collections::BTreeSet<&String> =
        next.keys().chain(ticket.custom_fields.keys()).collect();
    for k in keys {
        let (old, new) = (ticket.custom_fields.get(k), next.get(k));
        if old != new {
            events.push(
                Pending::new(EventKind::FieldChanged)
                    .field(
                        &format!("custom_fields.{k}"),
                        old.map(|v| v.to_string()),
                        new.map(|v| v.to_string()),
                    )
                    .internal(),
            );
        }
    }
    ticket.custom_fields = next;
    Ok(())
}
