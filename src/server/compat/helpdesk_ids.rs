//! The original helpdesk's own ids for desk's categories, priorities and people
//! (`[compat.helpdesk.ids]`), so that the scripts, saved links and hard-coded form values
//! of a team that moved to desk (`category_id=1` meaning Account Access) keep meaning what
//! they meant. The mapping is the operator's; desk's own ids are never renumbered.

use std::collections::{BTreeMap, HashMap};

use crate::domain::model::{Category, Priority};
use crate::service::{Service, ServiceError};

/// What the operator wrote: the original's id → the desk row it meant (a category's or
/// priority's name, a person's email), each kind in id order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HelpdeskIds {
    pub categories: BTreeMap<i64, String>,
    pub priorities: BTreeMap<i64, String>,
    pub users: BTreeMap<i64, String>,
}

/// One kind's numbering on the surface. Rows the mapping names carry the original's ids;
/// every other row is numbered above the highest id the mapping gives (its desk id plus
/// that), so no two rows share a number and the numbers do not move when a named row
/// appears later. With no mapping, the surface's ids are desk's.
#[derive(Debug, Default)]
pub(super) struct Numbering {
    shown_for_desk: HashMap<i64, i64>,
    desk_for_shown: HashMap<i64, i64>,
    above: i64,
}

impl Numbering {
    /// `named`: each original id with the desk id of the row it names, when there is one.
    fn new(named: impl IntoIterator<Item = (i64, Option<i64>)>) -> Numbering {
        let mut n = Numbering::default();
        for (shown, desk) in named {
            n.above = n.above.max(shown);
            if let Some(desk) = desk {
                n.shown_for_desk.insert(desk, shown);
                n.desk_for_shown.insert(shown, desk);
            }
        }
        n
    }

    /// The id the surface shows for desk row `desk`.
    pub(super) fn shown(&self, desk: i64) -> i64 {
        self.shown_for_desk
            .get(&desk)
            .copied()
            .unwrap_or_else(|| desk.saturating_add(self.above))
    }

    /// The desk row a client's id names, if any: one number per row, so a mapped row's
    /// desk-based number names nothing.
    pub(super) fn desk(&self, shown: i64) -> Option<i64> {
        if let Some(desk) = self.desk_for_shown.get(&shown) {
            return Some(*desk);
        }
        let desk = shown.checked_sub(self.above).filter(|d| *d >= 1)?;
        (!self.shown_for_desk.contains_key(&desk)).then_some(desk)
    }
}

fn same(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

fn by_name<'a, T>(
    map: &'a BTreeMap<i64, String>,
    rows: &'a [T],
    name: impl Fn(&T) -> (&str, i64) + 'a,
) -> impl Iterator<Item = (i64, Option<i64>)> + 'a {
    map.iter().map(move |(shown, wanted)| {
        let desk = rows
            .iter()
            .map(&name)
            .find(|(n, _)| same(n, wanted))
            .map(|(_, id)| id);
        (*shown, desk)
    })
}

impl HelpdeskIds {
    pub(super) fn categories(&self, rows: &[Category]) -> Numbering {
        Numbering::new(by_name(&self.categories, rows, |c| (&c.name, c.id)))
    }

    pub(super) fn priorities(&self, rows: &[Priority]) -> Numbering {
        Numbering::new(by_name(&self.priorities, rows, |p| (&p.name, p.id)))
    }

    /// People by email: one indexed read, and none when no person is mapped.
    pub(super) async fn users(&self, service: &Service) -> Result<Numbering, ServiceError> {
        if self.users.is_empty() {
            return Ok(Numbering::default());
        }
        let emails: Vec<&str> = self.users.values().map(String::as_str).collect();
        let found = service.user_ids_by_email(&emails).await?;
        Ok(Numbering::new(self.users.iter().map(|(shown, email)| {
            (*shown, found.get(&email.to_lowercase()).copied())
        })))
    }

    /// The entries that name no row on this desk, as lines for the operator: their ids are
    /// refused until the row exists (checked when `desk serve` starts and after `desk
    /// import` and `desk migrate`).
    pub async fn unresolved(&self, service: &Service) -> Result<Vec<String>, ServiceError> {
        let (categories, priorities) = service.categories_and_priorities().await?;
        let emails: Vec<&str> = self.users.values().map(String::as_str).collect();
        let people = if emails.is_empty() {
            HashMap::new()
        } else {
            service.user_ids_by_email(&emails).await?
        };
        let mut lines = Vec::new();
        for (id, name) in &self.categories {
            if !categories.iter().any(|c| same(&c.name, name)) {
                lines.push(format!("categories {id} = \"{name}\": no such category"));
            }
        }
        for (id, name) in &self.priorities {
            if !priorities.iter().any(|p| same(&p.name, name)) {
                lines.push(format!("priorities {id} = \"{name}\": no such priority"));
            }
        }
        for (id, email) in &self.users {
            if !people.contains_key(&email.to_lowercase()) {
                lines.push(format!("users {id} = \"{email}\": nobody has that email"));
            }
        }
        Ok(lines)
    }
}

#[cfg(test)]
mod tests {
    use super::Numbering;

    #[test]
    fn no_mapping_shows_desk_ids() {
        let n = Numbering::new([]);
        assert_eq!(n.shown(7), 7);
        assert_eq!(n.desk(7), Some(7));
        assert_eq!(n.desk(0), None);
    }

    #[test]
    fn mapped_rows_take_the_originals_ids_and_the_rest_go_above() {
        // The original's 1 is desk row 5, its 2 is desk row 1, its 6 is not on this desk.
        let n = Numbering::new([(1, Some(5)), (2, Some(1)), (6, None)]);
        assert_eq!((n.shown(5), n.shown(1)), (1, 2));
        assert_eq!(n.shown(3), 9, "unmapped desk row 3 is 6 + 3");
        assert_eq!(n.desk(1), Some(5));
        assert_eq!(n.desk(2), Some(1));
        assert_eq!(n.desk(9), Some(3));
        assert_eq!(n.desk(6), None, "named, but not on this desk");
        assert_eq!(
            n.desk(3),
            None,
            "below the unmapped range and not an original id"
        );
        assert_eq!(
            n.desk(11),
            None,
            "6 + 5 would be desk row 5, which is shown as 1"
        );
        for desk in 1..50 {
            assert_eq!(n.desk(n.shown(desk)), Some(desk), "round trip of {desk}");
        }
    }
}
