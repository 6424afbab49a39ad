//! The filter language shared by the TUI filter bar, the CLI and the API (`q=`):
//!
//! ```text
//! status:open priority:high,critical assignee:me category:"Billing & Payments" tag:vip
//! sla:breached requester:jane@example.com created:>7d -tag:spam "free text words"
//! ```
//!
//! A query is a conjunction of terms. A term is `field:value[,value...]` (values OR-ed),
//! optionally negated with a leading `-`, or free text (a bare word or a quoted phrase).
//! Field names are case-insensitive. Values with spaces or commas are double-quoted;
//! `\"` and `\\` escape inside quotes.
//!
//! Time terms (`created`, `updated`, `resolved`) compare either a point in time
//! (`>2026-01-31`: after that day) or an age (`>7d`: older than seven days; units `m`,
//! `h`, `d`, `w`). `due` (when the SLA is or will be breached) counts ages forward:
//! `due:<1h` is due within the hour.

mod eval;
mod parse;
mod print;
mod sort;

pub use eval::EvalContext;
pub use parse::{MAX_TERMS, ParseError, check_shape, parse};
pub use sort::{Sort, SortKey};

use super::time::Millis;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    pub terms: Vec<Term>,
}

impl Query {
    /// Built by code rather than typed: values need no quoting, so a name with spaces
    /// or quotes in it cannot change the query's meaning.
    pub fn filter(mut self, field: Field, values: &[&str]) -> Query {
        self.terms.push(Term {
            negated: false,
            kind: TermKind::Filter {
                field,
                values: values.iter().map(|v| v.to_string()).collect(),
            },
        });
        self
    }

    /// Matching `text` as one phrase.
    pub fn text(mut self, text: &str) -> Query {
        self.terms.push(Term {
            negated: false,
            kind: TermKind::Text(text.to_string()),
        });
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub negated: bool,
    pub kind: TermKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermKind {
    /// `field:v1,v2` — matches when any value matches.
    Filter { field: Field, values: Vec<String> },
    /// `created:>7d`, `updated:<2026-01-01`.
    Time {
        field: TimeField,
        cmp: Cmp,
        value: TimeValue,
    },
    /// `sla:breached`.
    Sla(SlaState),
    /// A bare word or a quoted phrase, matched case-insensitively in title, description
    /// and (in the store) comments.
    Text(String),
    /// `sort:-priority`: the order of the list, not a restriction (matches every
    /// ticket). At most one per query, never negated.
    Sort(Sort),
}

/// Fields that take a list of values. Values are kept as written (trimmed); their
/// meaning is resolved against reference data by whoever evaluates the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// A status key (`in_progress`) or a class (`open`, `pending`, `done`).
    Status,
    /// A priority name, case-insensitive.
    Priority,
    /// A category name, case-insensitive.
    Category,
    /// `me`, `none`, or a user's email.
    Assignee,
    /// A requester email (or `me`).
    Requester,
    /// A tag, case-insensitive.
    Tag,
    /// A ticket key (`TKT-42`).
    Key,
}

impl Field {
    pub const ALL: [Field; 7] = [
        Field::Status,
        Field::Priority,
        Field::Category,
        Field::Assignee,
        Field::Requester,
        Field::Tag,
        Field::Key,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Field::Status => "status",
            Field::Priority => "priority",
            Field::Category => "category",
            Field::Assignee => "assignee",
            Field::Requester => "requester",
            Field::Tag => "tag",
            Field::Key => "key",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeField {
    Created,
    Updated,
    /// When the ticket was resolved (never matches one that was not).
    Resolved,
    /// When the ticket is, or will be, past its SLA (the store's `sla_breach_at`):
    /// ages count forward, so `due:<1h` is "breached within the hour, or already".
    Due,
}

impl TimeField {
    pub const ALL: [TimeField; 4] = [
        TimeField::Created,
        TimeField::Updated,
        TimeField::Resolved,
        TimeField::Due,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TimeField::Created => "created",
            TimeField::Updated => "updated",
            TimeField::Resolved => "resolved",
            TimeField::Due => "due",
        }
    }

    /// The instant a term on this field compares against, with the comparison: ages
    /// reach back from `now`, except for `due:`, whose ages reach forward.
    pub fn bound(self, value: TimeValue, cmp: Cmp, now: Millis) -> (Cmp, Millis) {
        match (self, value) {
            (TimeField::Due, TimeValue::Age { amount, unit }) => (
                cmp,
                now.saturating_add(amount.saturating_mul(unit.millis())),
            ),
            _ => value.bound(cmp, now),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeValue {
    /// An age: `7d` is seven days, in milliseconds.
    Age { amount: i64, unit: AgeUnit },
    /// A calendar day, UTC: `2026-01-31`.
    Date { year: i32, month: u32, day: u32 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AgeUnit {
    Minutes,
    Hours,
    Days,
    Weeks,
}

impl AgeUnit {
    pub fn suffix(self) -> char {
        match self {
            AgeUnit::Minutes => 'm',
            AgeUnit::Hours => 'h',
            AgeUnit::Days => 'd',
            AgeUnit::Weeks => 'w',
        }
    }

    pub fn millis(self) -> Millis {
        use super::time::{DAY, HOUR, MINUTE};
        match self {
            AgeUnit::Minutes => MINUTE,
            AgeUnit::Hours => HOUR,
            AgeUnit::Days => DAY,
            AgeUnit::Weeks => 7 * DAY,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SlaState {
    /// Past a response or resolution due time.
    Breached,
    /// Not breached.
    Ok,
    /// The clock is stopped (pending or done).
    Paused,
    /// A target was missed, done or not: answered late, or resolved late (or not yet,
    /// past the due time). What an SLA met rate counts against.
    Missed,
}

impl SlaState {
    pub const ALL: [SlaState; 4] = [
        SlaState::Breached,
        SlaState::Ok,
        SlaState::Paused,
        SlaState::Missed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SlaState::Breached => "breached",
            SlaState::Ok => "ok",
            SlaState::Paused => "paused",
            SlaState::Missed => "missed",
        }
    }
}

impl TimeValue {
    /// The instant a comparison is made against, given the current time. For ages the
    /// comparison flips: "older than 7 days" means created *before* now - 7d, which
    /// [`TimeValue::bound`] returns together with the comparison to apply to the
    /// ticket's timestamp.
    pub fn bound(self, cmp: Cmp, now: Millis) -> (Cmp, Millis) {
        match self {
            TimeValue::Age { amount, unit } => {
                let instant = now.saturating_sub(amount.saturating_mul(unit.millis()));
                let flipped = match cmp {
                    Cmp::Lt => Cmp::Gt,
                    Cmp::Le => Cmp::Ge,
                    Cmp::Gt => Cmp::Lt,
                    Cmp::Ge => Cmp::Le,
                };
                (flipped, instant)
            }
            TimeValue::Date { year, month, day } => {
                let start = chrono::NaiveDate::from_ymd_opt(year, month, day)
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|d| d.and_utc().timestamp_millis())
                    .unwrap_or(0);
                let end = start + super::time::DAY;
                // A day is a range: `>D` is after the whole day, `<=D` up to its end.
                match cmp {
                    Cmp::Lt => (Cmp::Lt, start),
                    Cmp::Ge => (Cmp::Ge, start),
                    Cmp::Gt => (Cmp::Ge, end),
                    Cmp::Le => (Cmp::Lt, end),
                }
            }
        }
    }
}

impl Cmp {
    pub fn holds(self, left: Millis, right: Millis) -> bool {
        match self {
            Cmp::Lt => left < right,
            Cmp::Le => left <= right,
            Cmp::Gt => left > right,
            Cmp::Ge => left >= right,
        }
    }
}

impl std::fmt::Display for Query {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&print::print(self))
    }
}

impl std::str::FromStr for Query {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}
