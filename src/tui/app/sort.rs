//! Sorting the list from the keyboard: one key cycles the column, another flips the
//! order; both rewrite the filter's `sort:` term, so what the list shows can be saved
//! as a view or pasted into `desk list -q`.

use super::App;
use crate::tui::action::Action;
use crate::tui::protocol::Effect;

impl App {
    pub(super) fn sort(&mut self, action: Action) -> Vec<Effect> {
        let now = self.list.order();
        let next = match action {
            Action::SortReverse => now.reversed(),
            _ => now.key.next().natural(),
        };
        self.dirty = true;
        let effects = self.list.sort_by(next);
        self.status.tell(format!("sorted {}", next.describe()));
        effects
    }
}
