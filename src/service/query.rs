//! Turns a parsed query into a store filter: names become ids, `me` becomes the caller,
//! and values that name nothing are errors that say what exists.

use crate::domain::key::parse_key_number;
use crate::domain::model::StatusClass;
use crate::domain::query::{Field, Query, TermKind};
use crate::domain::validate::invalid;
use crate::domain::{tags, time::Millis};
use crate::store::{Clause, ClauseKind, TicketFilter};

use super::{Actor, Result, Service, ServiceError};

impl Service {
    pub(super) async fn resolve(
        &self,
        actor: &Actor,
        query: &Query,
        now: Millis,
    ) -> Result<TicketFilter> {
        let scope = actor.scope()?;
        let pool = self.store.pool();
        let refs = self.refs().await?;
        let statuses = &refs.statuses;
        let mut clauses = Vec::with_capacity(query.terms.len());
        for term in &query.terms {
            let kind = match &term.kind {
                TermKind::Filter { field, values } => match field {
                    Field::Status => {
                        let (mut keys, mut classes) = (Vec::new(), Vec::new());
                        for v in values {
                            let v = v.to_ascii_lowercase();
                            if StatusClass::parse(&v).is_some() {
                                classes.push(v);
                            } else if let Some(s) = statuses
                                .iter()
                                .find(|s| s.key == v || s.name.eq_ignore_ascii_case(&v))
                            {
                                keys.push(s.key.clone());
                            } else {
                                let known: Vec<&str> =
                                    statuses.iter().map(|s| s.key.as_str()).collect();
                                return Err(invalid(
                                    "q",
                                    format!(
                                        "unknown status `{v}` (expected open, pending, done or one of: {})",
                                        known.join(", ")
                                    ),
                                )
                                .into());
                            }
                        }
                        ClauseKind::Status { keys, classes }
                    }
                    Field::Priority => ClauseKind::Priority(
                        values
                            .iter()
                            .map(|v| refs.priority(v).map(|p| p.id))
                            .collect::<Result<_>>()
                            .map_err(in_query)?,
                    ),
                    Field::Category => ClauseKind::Category(
                        values
                            .iter()
                            .map(|v| refs.category(v).map(|c| c.id))
                            .collect::<Result<_>>()
                            .map_err(in_query)?,
                    ),
                    Field::Assignee => {
                        let mut ids = Vec::new();
                        let mut none = false;
                        for v in values {
                            match v.to_lowercase().as_str() {
                                "none" => none = true,
                                "me" => ids.extend(actor.user_id()),
                                email => {
                                    if let Some(u) =
                                        crate::store::users::by_email(pool, email).await?
                                    {
                                        ids.push(u.id);
                                    }
                                }
                            }
                        }
                        ClauseKind::Assignee { ids, none }
                    }
                    Field::Requester => ClauseKind::Requester(
                        values
                            .iter()
                            .map(|v| {
                                if v.eq_ignore_ascii_case("me") {
                                    actor.email().to_string()
                                } else {
                                    v.to_lowercase()
                                }
                            })
                            .collect(),
                    ),
                    Field::Tag => ClauseKind::Tag(
                        values
                            .iter()
                            .map(|v| tags::normalize_tag(v).map_err(|m| invalid("q", m)))
                            .collect::<Result<_, _>>()?,
                    ),
                    Field::Key => ClauseKind::Id(
                        values
                            .iter()
                            .map(|v| {
                                parse_key_number(self.key_prefix(), v).ok_or_else(|| {
                                    invalid(
                                        "q",
                                        format!(
                                            "`{v}` is not a ticket key like {}-42",
                                            self.key_prefix()
                                        ),
                                    )
                                })
                            })
                            .collect::<Result<_, _>>()?,
                    ),
                },
                TermKind::Time { field, cmp, value } => {
                    let (cmp, at) = field.bound(*value, *cmp, now);
                    ClauseKind::Time {
                        field: *field,
                        cmp,
                        at,
                    }
                }
                TermKind::Sla(state) => ClauseKind::Sla(*state),
                TermKind::Text(text) => ClauseKind::Text(text.clone()),
                TermKind::Sort(_) => continue,
            };
            clauses.push(Clause {
                negated: term.negated,
                kind,
            });
        }
        Ok(TicketFilter {
            scope,
            clauses,
            now,
            sort: query.sort(),
        })
    }
}

/// Reference lookups report their field; inside a query the field is `q`.
fn in_query(e: ServiceError) -> ServiceError {
    match e {
        ServiceError::Invalid(i) => ServiceError::Invalid(invalid("q", i.message)),
        other => other,
    }
}
