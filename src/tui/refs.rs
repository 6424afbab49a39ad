//! The desk's reference data as the TUI keeps it: names for statuses, ranks for
//! priorities, the categories and the people tickets can be assigned to. Loaded once at
//! start and again on every refresh that finds it stale.

use crate::domain::model::{Category, Priority, Status, User};
use crate::domain::requests::Count;

#[derive(Debug, Clone, Default)]
pub struct Reference {
    pub statuses: Vec<Status>,
    pub priorities: Vec<Priority>,
    pub categories: Vec<Category>,
    /// Staff only: customers are not told who works at the desk.
    pub users: Vec<User>,
    /// Who the desk says the user is (a server that was down at start is asked again).
    pub me: Option<User>,
    /// Open and pending tickets per assignee email (staff only), for the assignee picker.
    pub open_by_assignee: Vec<Count>,
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

    /// A desk's message in the words the screen uses: status keys become their names
    /// ("in_progress" → "in progress"), wire field names the field the user edited.
    pub fn humane(&self, text: &str) -> String {
        let mut out = text.to_string();
        for field in ["add_tags", "remove_tags"] {
            out = replace_word(&out, field, "tags");
        }
        for status in self.statuses.iter().filter(|s| s.key.contains('_')) {
            out = replace_word(&out, &status.key, &status.name.to_lowercase());
        }
        out
    }

    /// How many open and pending tickets `email` has, as of the last reference load.
    pub fn open_count(&self, email: &str) -> i64 {
        self.open_by_assignee
            .iter()
            .find(|c| c.name == email)
            .map_or(0, |c| c.count)
    }

    /// People a ticket can be assigned to.
    pub fn staff(&self) -> impl Iterator<Item = &User> {
        self.users.iter().filter(|u| u.active && u.role.is_staff())
    }
}

/// `text` with every `word` that stands alone (not inside a longer name) replaced.
fn replace_word(text: &str, word: &str, with: &str) -> String {
    let part_of_name = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(word) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + word.len()..].chars().next();
        out.push_str(&rest[..at]);
        if before.is_some_and(part_of_name) || after.is_some_and(part_of_name) {
            out.push_str(word);
        } else {
            out.push_str(with);
        }
        rest = &rest[at + word.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::StatusClass;

    #[test]
    fn messages_use_the_names_people_see() {
        let refs = Reference {
            statuses: vec![Status {
                key: "in_progress".into(),
                name: "In progress".into(),
                class: StatusClass::Open,
                position: 3,
                transitions: Vec::new(),
            }],
            ..Reference::default()
        };
        assert_eq!(
            refs.humane("a ticket cannot move from in_progress to resolved"),
            "a ticket cannot move from in progress to resolved"
        );
        assert_eq!(
            refs.humane("add_tags: tag `x` is longer than 50"),
            "tags: tag `x` is longer than 50"
        );
        assert_eq!(refs.humane("not_in_progress_yet"), "not_in_progress_yet");
    }
}
