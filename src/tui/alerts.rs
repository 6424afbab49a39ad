//! `[ui] notify`: which of the changes a refresh brought deserve the bell and a desktop
//! notification. A pure function of what arrived and who is looking; the loop rings
//! (OSC 9 / OSC 777, which pass through SSH) and the status bar says it too.

use crate::config::View;
use crate::domain::model::{Event, EventKind, Ticket};
use crate::domain::query::{self, EvalContext};
use crate::domain::time::Millis;

use super::refs::Reference;

/// One notification: a short title and the line under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub title: String,
    pub body: String,
}

/// What the user asked to hear about.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Rule {
    AssignedToMe,
    ApprovalWaiting,
    /// A new ticket that matches this saved view's query.
    NewInView {
        name: String,
        query: query::Query,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Alerts {
    rules: Vec<Rule>,
}

impl Alerts {
    /// The rules from `[ui] notify` (checked when the config was read); a view that does
    /// not exist or whose query does not parse is returned as a warning.
    pub fn new(notify: &[String], views: &[View]) -> (Alerts, Vec<String>) {
        let mut rules = Vec::new();
        let mut warnings = Vec::new();
        for n in notify {
            match n.split_once(':') {
                Some(("new_in_view", name)) => {
                    let name = name.trim();
                    match views.iter().find(|v| v.name.eq_ignore_ascii_case(name)) {
                        Some(view) => match query::parse(&view.query) {
                            Ok(query) => rules.push(Rule::NewInView {
                                name: view.name.clone(),
                                query,
                            }),
                            Err(e) => warnings.push(format!(
                                "[ui] notify: the view {name}'s query does not parse: {e}"
                            )),
                        },
                        None => warnings.push(format!(
                            "[ui] notify: there is no saved view named {name} ([[views]])"
                        )),
                    }
                }
                _ if n == "assigned_to_me" => rules.push(Rule::AssignedToMe),
                _ if n == "approval_waiting" => rules.push(Rule::ApprovalWaiting),
                _ => {}
            }
        }
        (Alerts { rules }, warnings)
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// What to ring for. `events`: what others did since the last refresh; `created`:
    /// the tickets others filed meanwhile, as they are now.
    pub fn of(
        &self,
        events: &[Event],
        created: &[Ticket],
        refs: &Reference,
        now: Millis,
    ) -> Vec<Alert> {
        let Some(me) = refs.me.as_ref() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let who = |e: &Event| {
            e.actor
                .as_ref()
                .map_or_else(|| "desk".to_string(), |a| a.name.clone())
        };
        let title_of = |key: &str| {
            created
                .iter()
                .find(|t| t.key == key)
                .map(|t| format!("{key} {}", t.title))
                .unwrap_or_else(|| key.to_string())
        };
        for rule in &self.rules {
            match rule {
                Rule::AssignedToMe => {
                    for e in events.iter().filter(|e| {
                        e.kind == EventKind::Assigned
                            && e.new
                                .as_deref()
                                .is_some_and(|n| n.eq_ignore_ascii_case(&me.email))
                    }) {
                        out.push(Alert {
                            title: format!("{} assigned to you", e.ticket_key),
                            body: format!("{} assigned you {}", who(e), title_of(&e.ticket_key)),
                        });
                    }
                }
                Rule::ApprovalWaiting if me.role.is_supervisor() => {
                    for t in created.iter().filter(|t| awaits_approval(t, refs)) {
                        out.push(Alert {
                            title: format!("{} awaits your approval", t.key),
                            body: format!("{} {} ({})", t.key, t.title, t.requester.email),
                        });
                    }
                }
                Rule::ApprovalWaiting => {}
                Rule::NewInView { name, query } => {
                    let ctx = EvalContext {
                        now,
                        me: Some(me.email.clone()),
                    };
                    for t in created.iter().filter(|t| query.matches(t, &ctx)) {
                        out.push(Alert {
                            title: format!("new in {name}: {}", t.key),
                            body: format!("{} {}", t.key, t.title),
                        });
                    }
                }
            }
        }
        out
    }
}

/// Filed in a category that needs a supervisor, and not yet decided.
fn awaits_approval(t: &Ticket, refs: &Reference) -> bool {
    let needs = refs
        .categories
        .iter()
        .any(|c| c.name.eq_ignore_ascii_case(&t.category) && c.requires_approval);
    needs
        && t.approved_at.is_none()
        && t.status != crate::domain::workflow::REJECTED
        && t.status != crate::domain::workflow::CLOSED
}
