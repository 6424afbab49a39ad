//! What the composer's keys and the pickers' choices do, and how facets edit the query:
//! the parts of the app's update that answer a form rather than a single key.

use crate::domain::model::Visibility;
use crate::domain::query::{self, Field, Term, TermKind};
use crate::domain::requests::NewTicket;

use super::action::Action;
use super::app::{App, Effect, Op};
use super::overlay::{Compose, Composer, Overlay, Pick, PickItem, Picker, TicketForm, text_of};

/// The composer, the pickers' choices and the facets.
impl App {
    pub(super) fn act_in_composer(&mut self, mut c: Box<Composer>, action: Action) -> Vec<Effect> {
        let mut effects = Vec::new();
        match action {
            Action::Quit => {
                self.keep_draft(&c);
                self.quit = true;
            }
            Action::Back if c.has_text() => c.confirm_discard = true,
            Action::Back => return effects,
            Action::ToggleVisibility => match &c.purpose {
                Compose::Comment { .. } if self.info.user.role.is_staff() => {
                    c.internal = !c.internal;
                }
                Compose::Comment { .. } => self.warn("customers write public replies only"),
                Compose::Reject { .. } => {
                    self.warn("a rejection note always goes to the requester");
                }
                Compose::NewTicket => {}
            },
            Action::Editor => effects.push(Effect::Editor(c.body())),
            Action::NextField => match &mut c.form {
                Some(form) => form.field = (form.field + 1) % TicketForm::FIELDS,
                None => {
                    c.text.insert_tab();
                }
            },
            Action::Send if c.sending => self.tell("still sending…"),
            Action::Send => {
                let body = c.body();
                match c.purpose.clone() {
                    Compose::Comment { key } if !body.trim().is_empty() => {
                        c.sending = true;
                        self.tell(format!("sending to {key}…"));
                        effects.push(Effect::Comment {
                            key,
                            body,
                            visibility: if c.internal {
                                Visibility::Internal
                            } else {
                                Visibility::Public
                            },
                        });
                    }
                    Compose::Comment { .. } => self.warn("nothing to send yet"),
                    Compose::Reject { keys } if !body.trim().is_empty() => {
                        c.sending = true;
                        let targets = self.versions(keys);
                        effects.extend(self.write_to(Op::Reject(body), targets));
                    }
                    Compose::Reject { .. } => {
                        self.warn("a rejection needs a note that tells the requester why");
                    }
                    Compose::NewTicket => {
                        let form = c.form.as_mut();
                        let title = form.as_ref().map(|f| text_of(&f.title)).unwrap_or_default();
                        if title.trim().is_empty() {
                            if let Some(form) = form {
                                form.field = 0;
                            }
                            self.warn("a new ticket needs a title");
                        } else {
                            c.sending = true;
                            let form = c.form.as_ref();
                            effects.push(Effect::Create(NewTicket {
                                title: title.trim().to_string(),
                                description: body,
                                category: form.and_then(|f| f.category()).map(str::to_string),
                                priority: form.and_then(|f| f.priority()).map(str::to_string),
                                ..NewTicket::default()
                            }));
                            self.tell("filing…");
                        }
                    }
                }
            }
            _ => {}
        }
        self.overlay = Some(Overlay::Composer(c));
        effects
    }

    fn keep_draft(&mut self, c: &Composer) {
        let draft = c.draft();
        if let Err(e) = self.drafts.keep(&c.purpose.draft_id(), draft) {
            self.warn(e);
        }
    }

    /// Keeps what the composer holds, for a quit from outside the keys (a signal).
    pub fn keep_open_draft(&mut self) {
        if let Some(Overlay::Composer(c)) = self.overlay.take() {
            self.keep_draft(&c);
            self.overlay = Some(Overlay::Composer(c));
        }
    }

    pub(super) fn picked(&mut self, picker: Picker) -> Vec<Effect> {
        let values: Vec<String> = picker.picked().iter().map(|i| i.value.clone()).collect();
        let current = picker.current();
        match picker.purpose {
            Pick::Palette(actions) => match current.and_then(|i| actions.get(i)) {
                Some(action) => self.act(*action),
                None => Vec::new(),
            },
            Pick::FacetField => {
                let field = values
                    .first()
                    .and_then(|v| Field::ALL.into_iter().find(|f| f.name() == v));
                if let Some(field) = field {
                    self.open_facet(field);
                }
                Vec::new()
            }
            Pick::FacetValues(field) => {
                let query = with_facet(&self.query, field, &values);
                self.view = None;
                self.apply_query(query)
            }
            Pick::Assign { keys } => match values.first() {
                Some(email) => {
                    let who = Some(email.clone()).filter(|e| !e.is_empty());
                    let targets = self.versions(keys);
                    self.write_to(Op::Assign(who), targets)
                }
                None => Vec::new(),
            },
            Pick::Status { keys } => match values.first().map(String::as_str) {
                Some("approved") => {
                    let targets = self.versions(keys);
                    self.write_to(Op::Approve(None), targets)
                }
                Some("rejected") => {
                    let purpose = Compose::Reject { keys };
                    self.overlay = Some(Overlay::Composer(Box::new(Composer::new(
                        purpose, "", false,
                    ))));
                    Vec::new()
                }
                Some(to) => {
                    let op = Op::Transition {
                        to: to.to_string(),
                        note: None,
                    };
                    let targets = self.versions(keys);
                    self.write_to(op, targets)
                }
                None => Vec::new(),
            },
            Pick::Priority { keys } => match values.first() {
                Some(p) => {
                    let targets = self.versions(keys);
                    self.write_to(Op::Priority(p.clone()), targets)
                }
                None => Vec::new(),
            },
        }
    }

    fn open_facet(&mut self, field: Field) {
        let items: Vec<PickItem> = match field {
            Field::Status => {
                let mut items: Vec<PickItem> = ["open", "pending", "done"]
                    .into_iter()
                    .map(|c| PickItem::new(format!("any {c}"), c))
                    .collect();
                items.extend(
                    self.refs
                        .statuses
                        .iter()
                        .map(|s| PickItem::new(s.name.clone(), s.key.clone())),
                );
                items
            }
            Field::Priority => self
                .refs
                .priorities
                .iter()
                .map(|p| PickItem::new(p.name.clone(), p.name.clone()))
                .collect(),
            Field::Category => self
                .refs
                .categories
                .iter()
                .map(|c| PickItem::new(c.name.clone(), c.name.clone()))
                .collect(),
            Field::Assignee => {
                let mut items = vec![PickItem::new("me", "me"), PickItem::new("nobody", "none")];
                items.extend(
                    self.refs
                        .staff()
                        .map(|u| PickItem::new(u.name.clone(), u.email.clone())),
                );
                items
            }
            _ => {
                let mut tags: Vec<&std::sync::Arc<str>> =
                    self.rows.rows.iter().flat_map(|r| r.tags.iter()).collect();
                tags.sort();
                tags.dedup();
                tags.into_iter()
                    .map(|t| PickItem::new(t.to_string(), t.to_string()))
                    .collect()
            }
        };
        let active = facet_values(&self.query, field);
        let mut picker = Picker::new(
            format!("{} (space selects, enter applies)", field.name()),
            Pick::FacetValues(field),
            items,
        );
        picker.multi = true;
        picker.chosen = picker
            .items
            .iter()
            .enumerate()
            .filter(|(_, item)| active.iter().any(|v| v.eq_ignore_ascii_case(&item.value)))
            .map(|(i, _)| i)
            .collect();
        self.overlay = Some(Overlay::Picker(picker));
    }
}

/// The values of the query's (positive) term for `field`.
fn facet_values(query: &str, field: Field) -> Vec<String> {
    query::parse(query)
        .map(|q| {
            q.terms
                .into_iter()
                .filter(|t| !t.negated)
                .filter_map(|t| match t.kind {
                    TermKind::Filter { field: f, values } if f == field => Some(values),
                    _ => None,
                })
                .flatten()
                .collect()
        })
        .unwrap_or_default()
}

/// `query` with its term for `field` replaced by one for `values` (none: removed).
pub fn with_facet(query: &str, field: Field, values: &[String]) -> String {
    let mut q = query::parse(query).unwrap_or_default();
    q.terms.retain(|t| {
        t.negated || !matches!(&t.kind, TermKind::Filter { field: f, .. } if *f == field)
    });
    if !values.is_empty() {
        q.terms.push(Term {
            negated: false,
            kind: TermKind::Filter {
                field,
                values: values.to_vec(),
            },
        });
    }
    q.to_string()
}
