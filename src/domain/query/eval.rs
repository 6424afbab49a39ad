//! Matching a [`Query`] against one [`Ticket`] in memory: used by the TUI to filter
//! what it already holds, and as the reference the store's SQL translation is tested
//! against. Text here covers title and description only; comments live in the store.

use super::{Field, Query, SlaState, Term, TermKind, TimeField};
use crate::domain::key::parse_key_number;
use crate::domain::model::Ticket;
use crate::domain::sla;
use crate::domain::time::Millis;

/// What a query is evaluated relative to: the clock for ages, the acting user for `me`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalContext {
    pub now: Millis,
    /// The acting user's email; `me` matches nothing without one.
    pub me: Option<String>,
}

impl Query {
    /// All terms must match; the empty query matches every ticket.
    pub fn matches(&self, ticket: &Ticket, ctx: &EvalContext) -> bool {
        self.terms.iter().all(|term| term.matches(ticket, ctx))
    }
}

impl Term {
    pub fn matches(&self, ticket: &Ticket, ctx: &EvalContext) -> bool {
        // Punctuation alone has no words to look for: it narrows nothing, negated or
        // not, exactly as the store's full-text search treats it.
        if let TermKind::Text(text) = &self.kind
            && !text.chars().any(char::is_alphanumeric)
        {
            return true;
        }
        kind_matches(&self.kind, ticket, ctx) != self.negated
    }
}

fn kind_matches(kind: &TermKind, ticket: &Ticket, ctx: &EvalContext) -> bool {
    match kind {
        TermKind::Filter { field, values } => values
            .iter()
            .any(|value| filter_matches(*field, value, ticket, ctx)),
        TermKind::Time { field, cmp, value } => {
            let at = match field {
                TimeField::Created => Some(ticket.created_at),
                TimeField::Updated => Some(ticket.updated_at),
                TimeField::Resolved => ticket.resolved_at,
                TimeField::Due => sla::breach_at(ticket),
            };
            let (cmp, instant) = field.bound(*value, *cmp, ctx.now);
            at.is_some_and(|at| cmp.holds(at, instant))
        }
        TermKind::Sla(state) => sla_matches(*state, ticket, ctx.now),
        TermKind::Text(text) => {
            text_matches(text, &ticket.title) || text_matches(text, &ticket.description)
        }
        TermKind::Sort(_) => true,
    }
}

fn filter_matches(field: Field, value: &str, ticket: &Ticket, ctx: &EvalContext) -> bool {
    match field {
        Field::Status => eq_ci(value, &ticket.status) || eq_ci(value, ticket.status_class.as_str()),
        Field::Priority => eq_ci(value, &ticket.priority),
        Field::Category => eq_ci(value, &ticket.category),
        Field::Assignee => assignee_matches(value, ticket, ctx),
        Field::Requester => person_matches(value, &ticket.requester.email, ctx),
        Field::Tag => ticket.tags.iter().any(|tag| eq_ci(value, tag)),
        // The key's number is the ticket id, so `42`, `tkt-42` and `TKT-042` all name it.
        Field::Key => ticket
            .key
            .rsplit_once('-')
            .is_some_and(|(prefix, _)| parse_key_number(prefix, value) == Some(ticket.id)),
    }
}

fn assignee_matches(value: &str, ticket: &Ticket, ctx: &EvalContext) -> bool {
    match &ticket.assignee {
        None => eq_ci(value, "none"),
        Some(assignee) => person_matches(value, &assignee.email, ctx),
    }
}

/// `me` stands for the acting user; anything else is an email.
fn person_matches(value: &str, email: &str, ctx: &EvalContext) -> bool {
    if eq_ci(value, "me") {
        ctx.me.as_deref().is_some_and(|me| eq_ci(me, email))
    } else {
        eq_ci(value, email)
    }
}

fn sla_matches(state: SlaState, ticket: &Ticket, now: Millis) -> bool {
    match state {
        SlaState::Breached => sla::is_breached(ticket, now),
        SlaState::Ok => !sla::is_breached(ticket, now),
        SlaState::Paused => ticket.sla.paused_at.is_some(),
        SlaState::Missed => sla::target_missed(ticket, now),
    }
}

/// The words of a text as the full-text index sees them: runs of letters and digits,
/// lowercased.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// Whole words, like the store's search: `connection` does not find "connections",
/// `connection*` does, and a phrase matches its words in a row.
fn text_matches(needle: &str, haystack: &str) -> bool {
    let (needle, prefix) = match needle.strip_suffix('*') {
        Some(n) => (n, true),
        None => (needle, false),
    };
    let want: Vec<String> = words(needle).collect();
    let have: Vec<String> = words(haystack).collect();
    match want.as_slice() {
        [] => true,
        [one] if prefix => have.iter().any(|w| w.starts_with(one.as_str())),
        _ => have.windows(want.len()).any(|w| w == want.as_slice()),
    }
}

/// Unicode-aware case-insensitive equality without allocating.
fn eq_ci(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::{Requester, SlaClock, StatusClass, UserRef};
    use crate::domain::query::parse;
    use crate::domain::time::{DAY, HOUR};

    /// 2026-03-01T00:00:00Z.
    const NOW: Millis = 1_772_323_200_000;

    fn ms(y: i32, mo: u32, d: u32, h: u32) -> Millis {
        chrono::NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis()
    }

    fn ticket() -> Ticket {
        Ticket {
            id: 42,
            key: "TKT-42".into(),
            title: "Printer on FIRE".into(),
            description: "The office printer is smoking.".into(),
            requester: Requester {
                user_id: Some(7),
                email: "Jane@Example.com".into(),
                name: Some("Jane".into()),
            },
            category: "Billing & Payments".into(),
            priority: "High".into(),
            status: "in_progress".into(),
            status_class: StatusClass::Open,
            assignee: Some(UserRef {
                id: 3,
                email: "agent@desk.test".into(),
                name: "Agent".into(),
            }),
            tags: vec!["VIP".into(), "hardware".into()],
            custom_fields: Default::default(),
            version: 1,
            created_at: NOW - 3 * DAY,
            updated_at: NOW - HOUR,
            first_response_at: None,
            resolved_at: None,
            closed_at: None,
            approved_at: None,
            sla: SlaClock::default(),
        }
    }

    fn ctx() -> EvalContext {
        EvalContext {
            now: NOW,
            me: Some("AGENT@desk.test".into()),
        }
    }

    fn hit(query: &str, ticket: &Ticket) -> bool {
        parse(query).unwrap().matches(ticket, &ctx())
    }

    fn assert_hits(ticket: &Ticket, yes: &[&str], no: &[&str]) {
        for q in yes {
            assert!(hit(q, ticket), "expected `{q}` to match");
        }
        for q in no {
            assert!(!hit(q, ticket), "expected `{q}` not to match");
        }
    }

    #[test]
    fn empty_query_matches_everything() {
        assert!(hit("", &ticket()));
        assert!(hit("   ", &ticket()));
    }

    #[test]
    fn status_matches_key_or_class() {
        assert_hits(
            &ticket(),
            &[
                "status:in_progress",
                "status:IN_PROGRESS",
                "status:open",
                "status:done,open",
            ],
            &["status:pending", "status:done", "status:in"],
        );
    }

    #[test]
    fn priority_category_key_compare_names_case_insensitively() {
        assert_hits(
            &ticket(),
            &[
                "priority:high",
                "category:\"billing & payments\"",
                "key:tkt-42",
            ],
            &["priority:hi", "category:Billing", "key:TKT-4"],
        );
    }

    #[test]
    fn assignee_understands_me_none_and_emails() {
        let t = ticket();
        assert_hits(
            &t,
            &[
                "assignee:me",
                "assignee:ME",
                "assignee:Agent@Desk.test",
                "assignee:none,me",
            ],
            &["assignee:none", "assignee:other@desk.test"],
        );
        let mut unassigned = ticket();
        unassigned.assignee = None;
        assert_hits(
            &unassigned,
            &["assignee:none", "-assignee:me"],
            &["assignee:me"],
        );
        let anonymous = EvalContext { now: NOW, me: None };
        assert!(!parse("assignee:me").unwrap().matches(&t, &anonymous));
    }

    #[test]
    fn requester_understands_me_and_emails() {
        let mut t = ticket();
        assert_hits(
            &t,
            &["requester:jane@example.com"],
            &["requester:me", "requester:none"],
        );
        t.requester.email = "agent@desk.test".into();
        assert_hits(&t, &["requester:me"], &[]);
    }

    #[test]
    fn tags_match_any_listed_case_insensitively() {
        assert_hits(
            &ticket(),
            &["tag:vip", "tag:spam,Hardware", "-tag:spam"],
            &["tag:spam", "-tag:vip", "tag:hard"],
        );
    }

    #[test]
    fn text_searches_title_and_description() {
        assert_hits(
            &ticket(),
            &[
                "printer",
                "fire",
                "SMOKING",
                "\"printer on fire\"",
                "-toner",
            ],
            &["toner", "\"printer fire\"", "-printer"],
        );
    }

    #[test]
    fn all_terms_must_match() {
        assert_hits(
            &ticket(),
            &["status:open tag:vip printer"],
            &["status:open tag:vip toner", "status:done tag:vip printer"],
        );
    }

    #[test]
    fn ages_compare_against_now() {
        let mut t = ticket();
        t.created_at = NOW - 8 * DAY;
        assert_hits(
            &t,
            &["created:>7d", "created:>=8d", "-created:<7d"],
            &["created:<7d"],
        );
        t.created_at = NOW - DAY;
        assert_hits(
            &t,
            &["created:<7d", "created:<=1d", "-created:>7d"],
            &["created:>7d"],
        );
        // Exactly at the boundary only the inclusive comparisons hold.
        t.created_at = NOW - 7 * DAY;
        assert_hits(
            &t,
            &["created:>=7d", "created:<=7d"],
            &["created:>7d", "created:<7d"],
        );
        t.updated_at = NOW - 90 * 60 * 1000;
        assert_hits(
            &t,
            &["updated:>1h", "updated:<2h", "updated:>89m"],
            &["updated:>1w"],
        );
    }

    #[test]
    fn dates_cover_the_whole_utc_day() {
        let mut t = ticket();
        t.created_at = ms(2026, 1, 31, 12);
        assert_hits(
            &t,
            &[
                "created:>=2026-01-31",
                "created:<=2026-01-31",
                "created:<2026-02-01",
            ],
            &["created:>2026-01-31", "created:<2026-01-31"],
        );
        t.created_at = ms(2026, 2, 1, 0);
        assert_hits(
            &t,
            &["created:>2026-01-31", "created:>=2026-02-01"],
            &["created:<=2026-01-31", "created:<2026-02-01"],
        );
        t.created_at = ms(2026, 1, 31, 0);
        assert_hits(&t, &["created:>=2026-01-31"], &["created:<2026-01-31"]);
    }

    #[test]
    fn sla_breach_follows_response_and_resolution_due_times() {
        let mut t = ticket();
        assert_hits(
            &t,
            &["sla:ok", "-sla:breached", "-sla:paused"],
            &["sla:breached"],
        );

        t.sla.response_due_at = Some(NOW - 1);
        assert_hits(&t, &["sla:breached"], &["sla:ok"]);
        // Answered in time: the past due time no longer counts.
        t.first_response_at = Some(NOW - 2);
        assert_hits(&t, &["sla:ok"], &["sla:breached"]);
        // Answered late: breached for good.
        t.first_response_at = Some(NOW);
        assert_hits(&t, &["sla:breached"], &["sla:ok"]);

        let mut t = ticket();
        t.sla.resolution_due_at = Some(NOW - HOUR);
        assert_hits(&t, &["sla:breached"], &["sla:ok"]);
        // Paused before the due time: judged at the pause, so not breached.
        t.sla.paused_at = Some(NOW - 2 * HOUR);
        assert_hits(&t, &["sla:ok", "sla:paused"], &["sla:breached"]);
        // Paused after the due time had passed: still breached.
        t.sla.paused_at = Some(NOW - HOUR / 2);
        assert_hits(&t, &["sla:breached", "sla:paused"], &["sla:ok"]);
    }

    #[test]
    fn negation_inverts_every_kind_of_term() {
        let t = ticket();
        for q in [
            "status:open",
            "tag:vip",
            "created:>1d",
            "sla:ok",
            "printer",
            "assignee:me",
        ] {
            assert!(hit(q, &t), "{q}");
            assert!(!hit(&format!("-{q}"), &t), "-{q}");
        }
    }
}
