//! `sort:` terms: which list column orders the tickets, and which way. `sort:title` is
//! ascending, `sort:-title` descending (the JSON:API convention), so the useful orders
//! read short: `sort:-priority` (most urgent first), `sort:sla` (soonest due first),
//! `sort:updated` (longest untouched first). Without a `sort:` term a list is most
//! recently updated first (newest first when it searches text).

/// A list column a query can sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortKey {
    Updated,
    Created,
    /// Ascending is least urgent first.
    Priority,
    /// The workflow's order of statuses.
    Status,
    /// The next SLA due time; tickets whose clock is stopped come last.
    Sla,
    /// The ticket number.
    Key,
    Title,
    /// By name; unassigned tickets first.
    Assignee,
    Requester,
}

impl SortKey {
    pub const ALL: [SortKey; 9] = [
        SortKey::Updated,
        SortKey::Priority,
        SortKey::Sla,
        SortKey::Status,
        SortKey::Key,
        SortKey::Title,
        SortKey::Assignee,
        SortKey::Requester,
        SortKey::Created,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SortKey::Updated => "updated",
            SortKey::Created => "created",
            SortKey::Priority => "priority",
            SortKey::Status => "status",
            SortKey::Sla => "sla",
            SortKey::Key => "key",
            SortKey::Title => "title",
            SortKey::Assignee => "assignee",
            SortKey::Requester => "requester",
        }
    }

    pub fn from_name(name: &str) -> Option<SortKey> {
        SortKey::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name))
    }

    /// The direction a user picking this column most likely wants: newest, most
    /// urgent and soonest due first; names A to Z.
    pub fn natural(self) -> Sort {
        let descending = matches!(
            self,
            SortKey::Updated | SortKey::Created | SortKey::Priority | SortKey::Key
        );
        Sort {
            key: self,
            descending,
        }
    }

    /// The column after this one when cycling through them.
    pub fn next(self) -> SortKey {
        let i = SortKey::ALL.iter().position(|k| *k == self).unwrap_or(0);
        SortKey::ALL[(i + 1) % SortKey::ALL.len()]
    }

    /// Whether its values are text (compared lowercased) rather than numbers.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            SortKey::Title | SortKey::Assignee | SortKey::Requester
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

impl Sort {
    /// A list's order without a `sort:` term (and without text to search).
    pub const DEFAULT: Sort = Sort {
        key: SortKey::Updated,
        descending: true,
    };

    /// In words, for a status line: "by priority, most urgent first".
    pub fn describe(self) -> String {
        let way = match (self.key, self.descending) {
            (SortKey::Updated, true) => "most recently updated first",
            (SortKey::Updated, false) => "longest untouched first",
            (SortKey::Created, true) => "newest first",
            (SortKey::Created, false) => "oldest first",
            (SortKey::Priority, true) => "most urgent first",
            (SortKey::Priority, false) => "least urgent first",
            (SortKey::Sla, false) => "soonest due first",
            (SortKey::Sla, true) => "latest due first",
            (SortKey::Status, false) => "in workflow order",
            (SortKey::Status, true) => "in reverse workflow order",
            (SortKey::Key, true) => "highest number first",
            (SortKey::Key, false) => "lowest number first",
            (_, false) => "A to Z",
            (_, true) => "Z to A",
        };
        format!("by {}, {way}", self.key.name())
    }

    pub fn reversed(self) -> Sort {
        Sort {
            descending: !self.descending,
            ..self
        }
    }
}

impl Default for Sort {
    fn default() -> Sort {
        Sort::DEFAULT
    }
}

impl std::fmt::Display for Sort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.descending { "-" } else { "" };
        write!(f, "{sign}{}", self.key.name())
    }
}

impl super::Query {
    /// The query's `sort:` term, if it has one.
    pub fn sort(&self) -> Option<Sort> {
        self.terms.iter().rev().find_map(|t| match t.kind {
            super::TermKind::Sort(s) => Some(s),
            _ => None,
        })
    }

    /// The same query ordered by `sort` instead (`None`: the default order), the
    /// `sort:` term last.
    pub fn with_sort(mut self, sort: Option<Sort>) -> super::Query {
        self.terms
            .retain(|t| !matches!(t.kind, super::TermKind::Sort(_)));
        if let Some(sort) = sort {
            self.terms.push(super::Term {
                negated: false,
                kind: super::TermKind::Sort(sort),
            });
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycling_visits_every_column_once() {
        let mut seen = vec![SortKey::Updated];
        let mut k = SortKey::Updated.next();
        while k != SortKey::Updated {
            assert!(!seen.contains(&k), "{k:?} twice");
            seen.push(k);
            k = k.next();
        }
        assert_eq!(seen.len(), SortKey::ALL.len());
    }

    #[test]
    fn a_new_sort_replaces_the_old_one_and_goes_last() {
        let q: super::super::Query = "sort:title status:open".parse().unwrap();
        assert_eq!(q.sort(), Some(SortKey::Title.natural()));
        let q = q.with_sort(Some(SortKey::Priority.natural()));
        assert_eq!(q.to_string(), "status:open sort:-priority");
        assert_eq!(q.with_sort(None).to_string(), "status:open");
    }
}
