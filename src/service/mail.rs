//! Email notifications: which of the default notices an event makes, to whom, and the
//! message rendered from its templates. Rendered once, when the delivery is written,
//! so every retry sends the same message; the sender (`delivery::mail`) only speaks SMTP.

use std::sync::{Arc, OnceLock};

use minijinja::Environment;
use serde::Serialize;

pub use crate::domain::mail::MailSwitches;
use crate::domain::mail::{Notice, message_id, notices_for, thread_id};
use crate::domain::model::{Event, Role, Ticket};
type Tx = sqlx::Transaction<'static, sqlx::Any>;

use super::Result;

/// The built-in templates: `<notice>.txt` holds the subject and text body blocks,
/// `<notice>.html` the HTML body (extending `layout.html`).
const BUILT_IN: &[(&str, &str)] = &[
    ("layout.html", include_str!("../../assets/mail/layout.html")),
    ("created.txt", include_str!("../../assets/mail/created.txt")),
    (
        "created.html",
        include_str!("../../assets/mail/created.html"),
    ),
    ("replied.txt", include_str!("../../assets/mail/replied.txt")),
    (
        "replied.html",
        include_str!("../../assets/mail/replied.html"),
    ),
    (
        "approved.txt",
        include_str!("../../assets/mail/approved.txt"),
    ),
    (
        "approved.html",
        include_str!("../../assets/mail/approved.html"),
    ),
    (
        "rejected.txt",
        include_str!("../../assets/mail/rejected.txt"),
    ),
    (
        "rejected.html",
        include_str!("../../assets/mail/rejected.html"),
    ),
    (
        "resolved.txt",
        include_str!("../../assets/mail/resolved.txt"),
    ),
    (
        "resolved.html",
        include_str!("../../assets/mail/resolved.html"),
    ),
    (
        "assigned.txt",
        include_str!("../../assets/mail/assigned.txt"),
    ),
    (
        "assigned.html",
        include_str!("../../assets/mail/assigned.html"),
    ),
    (
        "awaiting_approval.txt",
        include_str!("../../assets/mail/awaiting_approval.txt"),
    ),
    (
        "awaiting_approval.html",
        include_str!("../../assets/mail/awaiting_approval.html"),
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum MailSetupError {
    #[error("mail template {name}: {source}")]
    Template {
        name: String,
        #[source]
        source: minijinja::Error,
    },
    #[error("mail template directory {dir}: {source}")]
    Dir {
        dir: String,
        #[source]
        source: std::io::Error,
    },
    #[error("[mail] from `{0}` has no domain for Message-IDs")]
    NoDomain(String),
}

/// Everything the dispatcher needs to write email deliveries.
pub struct MailPolicy {
    /// `Support <support@example.com>`.
    pub from: String,
    pub reply_to: Option<String>,
    pub switches: MailSwitches,
    /// The right-hand side of Message-IDs: the `from` address's domain.
    domain: String,
    env: Environment<'static>,
    /// Where links in mail point (`[server] public_url`, else the address `desk serve`
    /// listens on), set once the server knows it.
    pub link_base: Arc<OnceLock<String>>,
}

impl std::fmt::Debug for MailPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailPolicy")
            .field("from", &self.from)
            .field("switches", &self.switches)
            .finish_non_exhaustive()
    }
}

impl MailPolicy {
    /// Loads the built-in templates, then those in `templates` over them; a template that
    /// does not parse is an error naming its file and line.
    pub fn new(
        from: &str,
        reply_to: Option<&str>,
        switches: MailSwitches,
        templates: Option<&std::path::Path>,
    ) -> std::result::Result<MailPolicy, MailSetupError> {
        let domain = from
            .rsplit_once('@')
            .map(|(_, d)| d.trim().trim_end_matches('>').trim().to_string())
            .filter(|d| !d.is_empty())
            .ok_or_else(|| MailSetupError::NoDomain(from.to_string()))?;
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        let template_error = |name: &str, source| MailSetupError::Template {
            name: name.to_string(),
            source,
        };
        for (name, source) in BUILT_IN {
            env.add_template(name, source)
                .map_err(|e| template_error(name, e))?;
        }
        if let Some(dir) = templates {
            for (name, _) in BUILT_IN {
                let path = dir.join(name);
                match std::fs::read_to_string(&path) {
                    Ok(source) => env
                        .add_template_owned(name.to_string(), source)
                        .map_err(|e| template_error(&path.display().to_string(), e))?,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(source) => {
                        return Err(MailSetupError::Dir {
                            dir: dir.display().to_string(),
                            source,
                        });
                    }
                }
            }
        }
        let policy = MailPolicy {
            from: from.to_string(),
            reply_to: reply_to.map(str::to_string),
            switches,
            domain,
            env,
            link_base: Arc::new(OnceLock::new()),
        };
        policy.check_renders()?;
        Ok(policy)
    }

    /// Renders every notice once with sample values, so a template that fails at render
    /// time (an unknown filter, a bad block) is found at start, not at the first mail.
    fn check_renders(&self) -> std::result::Result<(), MailSetupError> {
        let sample = Context {
            ticket: TicketFacts {
                key: "TKT-1".into(),
                title: "Sample".into(),
                status: "New".into(),
                priority: "medium".into(),
                category: "General".into(),
                requester: "sample@example.com".into(),
                url: "http://localhost/track?key=TKT-1".into(),
            },
            recipient: Person {
                name: "Sample".into(),
                email: "sample@example.com".into(),
            },
            actor: Person {
                name: "Support".into(),
                email: String::new(),
            },
            note: Some("A note".into()),
            reply: Some("A reply".into()),
            unsubscribe_url: Some("http://localhost/unsubscribe?token=x".into()),
        };
        for n in [
            Notice::Created,
            Notice::Replied,
            Notice::Approved,
            Notice::Rejected,
            Notice::Resolved,
            Notice::Assigned,
            Notice::AwaitingApproval,
        ] {
            self.render(n, &sample)
                .map_err(|(name, source)| MailSetupError::Template { name, source })?;
        }
        Ok(())
    }

    /// Subject, text and HTML of notice `n`.
    fn render(
        &self,
        n: Notice,
        ctx: &Context,
    ) -> std::result::Result<(String, String, String), (String, minijinja::Error)> {
        let txt = format!("{}.txt", n.template());
        let html = format!("{}.html", n.template());
        let fail = |name: &str| {
            let name = name.to_string();
            move |e| (name.clone(), e)
        };
        let t = self.env.get_template(&txt).map_err(fail(&txt))?;
        let mut captured = t.render_captured(ctx).map_err(fail(&txt))?;
        let (subject, text) = captured
            .with_state_mut(|state| {
                Ok::<_, minijinja::Error>((
                    state.render_block("subject")?,
                    state.render_block("body")?,
                ))
            })
            .map_err(fail(&txt))?;
        let body = self
            .env
            .get_template(&html)
            .and_then(|t| t.render(ctx))
            .map_err(fail(&html))?;
        // A subject is one line, whatever a template or a title holds.
        let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
        Ok((subject, text.trim().to_string() + "\n", body))
    }

    fn link(&self, path: &str) -> String {
        match self.link_base.get() {
            Some(base) => format!("{}{path}", base.trim_end_matches('/')),
            None => path.to_string(),
        }
    }
}

#[derive(Serialize)]
struct TicketFacts {
    key: String,
    title: String,
    status: String,
    priority: String,
    category: String,
    requester: String,
    url: String,
}

#[derive(Serialize)]
struct Person {
    name: String,
    email: String,
}

#[derive(Serialize)]
struct Context {
    ticket: TicketFacts,
    recipient: Person,
    actor: Person,
    note: Option<String>,
    reply: Option<String>,
    unsubscribe_url: Option<String>,
}

/// What the sender sends: a delivery's payload.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct MailPayload {
    pub from: String,
    pub to: String,
    pub reply_to: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: String,
    /// The ticket's thread (`In-Reply-To` and `References`); `None` on the first mail.
    pub in_reply_to: Option<String>,
    /// `List-Unsubscribe` (with one-click), for customers.
    pub unsubscribe_url: Option<String>,
}

/// One mail the dispatcher writes to the outbox.
pub struct Outgoing {
    pub recipient: String,
    pub subject: String,
    pub payload: MailPayload,
}

/// A person an event's notice goes to.
struct Recipient {
    email: String,
    name: String,
    /// Customers may opt out, and get a `List-Unsubscribe` link.
    customer: bool,
}

/// The facts beyond the event that the mails of one event need.
pub struct EventFacts<'a> {
    pub ticket: &'a Ticket,
    pub needs_approval: bool,
    pub status_name: String,
    /// The comment's body, for a public reply.
    pub reply: Option<String>,
    /// Whether the requester has an account with the customer role (or none at all).
    pub requester_is_customer: bool,
    /// Active supervisors, for requests awaiting approval.
    pub supervisors: &'a [(String, String)],
}

/// The mails event `e` makes under `policy`. `opted_out` and `unsubscribe` read and
/// write the per-contact opt-out in the dispatcher's transaction.
pub async fn mails_for(
    policy: &MailPolicy,
    tx: &mut Tx,
    e: &Event,
    facts: EventFacts<'_>,
) -> Result<Vec<Outgoing>> {
    let t = facts.ticket;
    let actor_email = e.actor.as_ref().map(|a| a.email.to_lowercase());
    let mut out = Vec::new();
    let mut n = 0usize;
    for notice in notices_for(e, facts.needs_approval) {
        if !policy.switches.on(notice) {
            continue;
        }
        let requester = Recipient {
            email: t.requester.email.clone(),
            name: t
                .requester
                .name
                .clone()
                .unwrap_or_else(|| t.requester.email.clone()),
            customer: facts.requester_is_customer,
        };
        let recipients: Vec<Recipient> = match notice {
            // The filing receipt goes to whoever filed it too: it carries the key.
            Notice::Created => vec![requester],
            Notice::Replied => {
                // A contact's own reply has no actor: it is the requester's.
                let by_requester = e.actor.is_none()
                    || actor_email.as_deref() == Some(&t.requester.email.to_lowercase());
                if by_requester {
                    Vec::new()
                } else {
                    vec![requester]
                }
            }
            Notice::Approved | Notice::Rejected | Notice::Resolved => vec![requester],
            Notice::Assigned => match &t.assignee {
                Some(a) if e.new.as_deref() == Some(a.email.as_str()) => vec![Recipient {
                    email: a.email.clone(),
                    name: a.name.clone(),
                    customer: false,
                }],
                _ => Vec::new(),
            },
            Notice::AwaitingApproval => facts
                .supervisors
                .iter()
                .map(|(email, name)| Recipient {
                    email: email.clone(),
                    name: name.clone(),
                    customer: false,
                })
                .collect(),
        };
        for r in recipients {
            // Never to the person who made the change (the receipt aside).
            if notice != Notice::Created && actor_email.as_deref() == Some(&r.email.to_lowercase())
            {
                continue;
            }
            let unsubscribe_url = if r.customer {
                match crate::store::outbox::mail_contact(tx, &r.email).await? {
                    (_, true) => continue,
                    (token, false) => Some(policy.link(&format!("/unsubscribe?token={token}"))),
                }
            } else {
                None
            };
            let ctx = Context {
                ticket: TicketFacts {
                    key: t.key.clone(),
                    title: t.title.clone(),
                    status: facts.status_name.clone(),
                    priority: t.priority.clone(),
                    category: t.category.clone(),
                    requester: t.requester.email.clone(),
                    url: policy.link(&format!("/track?key={}", t.key)),
                },
                recipient: Person {
                    name: r.name.clone(),
                    email: r.email.clone(),
                },
                actor: Person {
                    name: e
                        .actor
                        .as_ref()
                        .map_or_else(|| "Support".to_string(), |a| a.name.clone()),
                    email: String::new(),
                },
                note: e.note.clone().filter(|n| !n.trim().is_empty()),
                reply: facts.reply.clone(),
                unsubscribe_url: unsubscribe_url.clone(),
            };
            let (subject, text, html) = match policy.render(notice, &ctx) {
                Ok(r) => r,
                Err((name, err)) => {
                    // Checked at start; a template that still fails loses this mail,
                    // not the feed behind it.
                    tracing::error!(template = %name, error = %err, "cannot render a notification");
                    continue;
                }
            };
            let first = notice == Notice::Created;
            out.push(Outgoing {
                recipient: r.email.clone(),
                subject: subject.clone(),
                payload: MailPayload {
                    from: policy.from.clone(),
                    to: if r.name.is_empty() || r.name == r.email {
                        r.email.clone()
                    } else {
                        format!("{} <{}>", quote_name(&r.name), r.email)
                    },
                    reply_to: policy.reply_to.clone(),
                    subject,
                    text,
                    html,
                    message_id: if first && n == 0 {
                        thread_id(t.id, &policy.domain)
                    } else {
                        message_id(t.id, e.seq, n, &policy.domain)
                    },
                    in_reply_to: (!(first && n == 0)).then(|| thread_id(t.id, &policy.domain)),
                    unsubscribe_url,
                },
            });
            n += 1;
        }
    }
    Ok(out)
}

/// A display name as a quoted string when it holds anything but plain words.
fn quote_name(name: &str) -> String {
    let clean: String = name.chars().filter(|c| !c.is_control()).collect();
    if clean
        .chars()
        .all(|c| c.is_alphanumeric() || c == ' ' || c == '-' || c == '.')
    {
        clean
    } else {
        format!("\"{}\"", clean.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// Whether a requester gets customer mail (opt-out, unsubscribe link): a contact, or an
/// account with the customer role.
pub fn is_customer(role: Option<Role>) -> bool {
    role.is_none_or(|r| r == Role::Customer)
}
