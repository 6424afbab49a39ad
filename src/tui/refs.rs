//! The desk's reference data as the TUI keeps it: names for statuses, ranks for
//! priorities, the categories and the people tickets can be assigned to. Loaded once at
//! start and again on every refresh that finds it stale.

use crate::domain::model::{Category, Priority, Status, User};

#[derive(Debug, Clone, Default)]
pub struct Reference {
    pub statuses: Vec<Status>,
    pub priorities: Vec<Priority>,
    pub categories: Vec<Category>,
    /// Staff only: customers are not told who works at the desk.
    pub users: Vec<User>,
    /// Who the desk says the user is (a server that was down at start is asked again).
    pub me: Option<User>,
}

impl Reference {
    /// "In progress" for `in_progress`; the key itself when the desk does not know it.
    pub fn status_name(&self, key: &str) -> String {
        self.statuses
            .iter()
            .find(|s| s.key == key)
            .map_or_else(|| key.replace('_', " "), |s| s.name.clone())
    }

    /// 1 is the most urgent; unknown priorities sort as the least.
    pub fn priority_rank(&self, name: &str) -> i64 {
        self.priorities
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .map_or(99, |p| p.rank)
    }

    /// People a ticket can be assigned to.
    pub fn staff(&self) -> impl Iterator<Item = &User> {
        self.users.iter().filter(|u| u.active && u.role.is_staff())
    }
}
