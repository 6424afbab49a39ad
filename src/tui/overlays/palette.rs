//! The command palette: every action the one looking may use, by name, with its keys.

use super::picker::{Pick, PickItem, Picker};
use crate::tui::action::ALL;
use crate::tui::context::Context;

pub fn palette(ctx: &Context) -> Picker {
    let actions: Vec<_> = ALL
        .iter()
        .copied()
        .filter(|a| a.in_palette() && ctx.available(*a))
        // Only the saved views the config has.
        .filter(|a| {
            a.view_number()
                .is_none_or(|n| usize::from(n) <= ctx.settings.views.len())
        })
        .collect();
    let items = actions
        .iter()
        .map(|a| {
            // The same key in several panes (`j` in list and detail) is named once.
            let mut keys: Vec<String> = Vec::new();
            for b in ctx.keymap().all().iter().filter(|b| b.actions == [*a]) {
                for k in &b.keys {
                    let k = k.to_string();
                    if !keys.contains(&k) {
                        keys.push(k);
                    }
                }
            }
            PickItem::new(a.describe(), a.name()).with_note(keys.join(" "))
        })
        .collect();
    Picker::new("Command", Pick::Palette(actions), items)
}
