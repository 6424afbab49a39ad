//! Demo data: the sample desk from `assets/demo.json`, loaded through the real service
//! (every step is a real operation by a real user, so the audit trail is genuine), then
//! backdated so SLA clocks, ages and breaches look like a working desk.

mod documents;

use std::collections::HashMap;

use serde::Deserialize;

use crate::domain::model::{Category, CustomFields, Role, Visibility};
use crate::domain::requests::{NewTicket, TicketEdit};
use crate::domain::time::{self, hours};
use crate::service::{Actor, NewUser, Service, ServiceError};

pub const DEMO_JSON: &str = include_str!("../../assets/demo.json");

/// The supervisor a demo session acts as.
pub const DEMO_SUPERVISOR: &str = "almaz.tesfaye@example.com";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Demo {
    users: Vec<NewUser>,
    categories: Vec<DemoCategory>,
    tickets: Vec<DemoTicket>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoCategory {
    name: String,
    description: String,
    sla_hours: Option<f64>,
    requires_approval: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoTicket {
    title: String,
    description: String,
    category: String,
    priority: String,
    requester: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    custom_fields: CustomFields,
    age_hours: f64,
    #[serde(default)]
    steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
enum Step {
    Assign {
        by: String,
        to: String,
    },
    Status {
        by: String,
        to: String,
        note: Option<String>,
    },
    Comment {
        by: String,
        body: String,
        #[serde(default)]
        internal: bool,
    },
    Approve {
        by: String,
        note: Option<String>,
    },
    Reject {
        by: String,
        note: String,
    },
}

impl Step {
    fn by(&self) -> &str {
        match self {
            Step::Assign { by, .. }
            | Step::Status { by, .. }
            | Step::Comment { by, .. }
            | Step::Approve { by, .. }
            | Step::Reject { by, .. } => by,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the demo data does not parse: {0}")]
    Parse(#[from] serde_json::Error),
    #[error("demo ticket `{title}`: {source}")]
    Step {
        title: String,
        #[source]
        source: ServiceError,
    },
    #[error("demo data names an unknown user {0}")]
    UnknownUser(String),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// Loads the demo desk into `service`; returns how many tickets were filed.
pub async fn load(service: &Service) -> Result<usize, DemoError> {
    let demo: Demo = serde_json::from_str(DEMO_JSON)?;
    service.seed_defaults().await?;
    let mut people: HashMap<String, Actor> = HashMap::new();
    for u in demo.users {
        let user = match service.user_by_email(&u.email).await? {
            Some(existing) => existing,
            None => service.insert_user(u, None).await?,
        };
        people.insert(user.email.clone(), Actor::User(user));
    }
    let admin = people
        .values()
        .find(|a| a.role() == Role::Admin)
        .cloned()
        .ok_or_else(|| DemoError::UnknownUser("(an admin)".into()))?;
    let existing = service.categories().await?;
    for c in demo.categories {
        let id = existing
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(&c.name))
            .map_or(0, |e| e.id);
        service
            .save_category(
                &admin,
                Category {
                    id,
                    name: c.name,
                    description: c.description,
                    sla_hours: c.sla_hours,
                    requires_approval: c.requires_approval,
                    active: true,
                },
            )
            .await?;
    }
    // The same supervisor every time, whatever the map's order.
    let triage = people
        .values()
        .filter(|a| a.role() == Role::Supervisor)
        .min_by_key(|a| a.email().to_string())
        .cloned()
        .unwrap_or_else(|| admin.clone());
    let actor = |email: &str| {
        people
            .get(email)
            .cloned()
            .ok_or_else(|| DemoError::UnknownUser(email.to_string()))
    };
    let count = demo.tickets.len();
    for t in demo.tickets {
        let filer = match people.get(&t.requester) {
            Some(a) => a.clone(),
            None => Actor::Contact {
                email: t.requester.clone(),
            },
        };
        let title = t.title.clone();
        let step_err = |source| DemoError::Step {
            title: title.clone(),
            source,
        };
        // Customers file; triage (priority, tags) is staff's, as in a real desk, so a
        // customer's ticket is triaged by the supervisor at once.
        let staff = filer.is_staff();
        let mut ticket = service
            .create_ticket(
                &filer,
                NewTicket {
                    title: t.title.clone(),
                    description: t.description,
                    category: Some(t.category),
                    priority: staff.then(|| t.priority.clone()),
                    tags: if staff { t.tags.clone() } else { Vec::new() },
                    custom_fields: t.custom_fields.clone(),
                    ..Default::default()
                },
            )
            .await
            .map_err(step_err)?;
        documents::attach_listed(service, &filer, &ticket.key, &t.custom_fields, &t.title)
            .await
            .map_err(step_err)?;
        if !staff && (ticket.priority != t.priority || !t.tags.is_empty()) {
            let edit = TicketEdit {
                priority: Some(t.priority),
                tags: (!t.tags.is_empty()).then_some(t.tags),
                ..Default::default()
            };
            ticket = service
                .edit_ticket(&triage, &ticket.key, edit, None)
                .await
                .map_err(step_err)?;
        }
        // Spread the history over the ticket's age: filed `age` ago, each step a slice
        // later, the last one a slice before now.
        let slice = hours(t.age_hours.max(0.0)) / (t.steps.len() as i64 + 1);
        backdate(service, ticket.id, slice).await?;
        for step in t.steps {
            let by = actor(step.by())?;
            let key = ticket.key.as_str();
            let done = match step {
                Step::Assign { to, .. } => {
                    service.assign(&by, key, Some(&to), None).await.map(drop)
                }
                Step::Status { to, note, .. } => service
                    .transition(&by, key, &to, note.as_deref(), None)
                    .await
                    .map(drop),
                Step::Comment { body, internal, .. } => {
                    let visibility = if internal {
                        Visibility::Internal
                    } else {
                        Visibility::Public
                    };
                    service
                        .comment(&by, key, &body, visibility, None)
                        .await
                        .map(drop)
                }
                Step::Approve { note, .. } => service
                    .approve(&by, key, note.as_deref(), None)
                    .await
                    .map(drop),
                Step::Reject { note, .. } => service.reject(&by, key, &note, None).await.map(drop),
            };
            done.map_err(step_err)?;
            backdate(service, ticket.id, slice).await?;
        }
    }
    service
        .store()
        .optimize()
        .await
        .map_err(ServiceError::from)?;
    Ok(count)
}

async fn backdate(service: &Service, id: i64, ms: time::Millis) -> Result<(), ServiceError> {
    let mut w = service.store().write().await?;
    crate::store::tickets::shift_history(&mut w.tx, id, ms).await?;
    w.commit().await?;
    Ok(())
}

/// The password every demo account gets when the demo desk is served.
pub const DEMO_PASSWORD: &str = "desk-demo";

/// Lets the demo accounts sign in with [`DEMO_PASSWORD`], for a desk the demo has just
/// filled. Only accounts without a password get it: a password someone chose is never
/// replaced by the public one.
pub async fn set_passwords(service: &Service) -> Result<(), DemoError> {
    let demo: Demo = serde_json::from_str(DEMO_JSON)?;
    let hash = crate::service::hash_password(DEMO_PASSWORD).await?;
    for u in demo.users {
        if let Some(user) = service.user_by_email(&u.email).await?
            && !service.has_password(user.id).await?
        {
            service.set_password_hash_unchecked(user.id, &hash).await?;
        }
    }
    Ok(())
}

/// What `desk serve --demo` loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    pub tickets: usize,
    /// The demo accounts this load created, which got [`DEMO_PASSWORD`].
    pub new_accounts: Vec<String>,
}

/// Loads the demo desk for `desk serve --demo`. Only the accounts this load creates get
/// the public demo password; an account that was already there (an operator's own
/// `admin@example.com`) keeps its password, or its lack of one.
pub async fn load_for_serving(service: &Service) -> Result<Served, DemoError> {
    let demo: Demo = serde_json::from_str(DEMO_JSON)?;
    let mut already = Vec::new();
    for u in &demo.users {
        if service.user_by_email(&u.email).await?.is_some() {
            already.push(u.email.to_lowercase());
        }
    }
    let tickets = load(service).await?;
    let hash = crate::service::hash_password(DEMO_PASSWORD).await?;
    let mut new_accounts = Vec::new();
    for u in demo.users {
        if already.contains(&u.email.to_lowercase()) {
            continue;
        }
        if let Some(user) = service.user_by_email(&u.email).await? {
            service.set_password_hash_unchecked(user.id, &hash).await?;
            new_accounts.push(user.email);
        }
    }
    Ok(Served {
        tickets,
        new_accounts,
    })
}
