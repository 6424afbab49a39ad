//! The two panes under the overlays: the ticket list and the ticket detail, each with
//! its state, loading and drawing.

pub mod dashboard;
pub mod detail;
pub mod list;
pub mod rows;
pub mod ticket_text;

use detail::DetailPane;
use list::ListPane;

use super::action::Action;
use super::context::Context;
use super::keymap::Pane;
use super::layout::Layout;
use super::protocol::Effect;

/// Which pane keys go to when no overlay is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    List,
    Detail,
}

/// After the list's selection moved: the next page when near the end, and the selected
/// ticket in the detail, once the cursor rests, when the detail is on screen.
pub fn follow(list: &mut ListPane, detail: &mut DetailPane, layout: &Layout) -> Vec<Effect> {
    let mut effects = list.after_move(layout.list_rows());
    if layout.detail.is_some()
        && let Some(key) = list.rows.selected_row().map(|r| r.key.clone())
    {
        effects.extend(show(list, detail, key, true));
    }
    effects
}

/// Shows `key` in the detail (it is no longer news to the user).
pub fn show(
    list: &mut ListPane,
    detail: &mut DetailPane,
    key: String,
    settle: bool,
) -> Vec<Effect> {
    list.rows.changed.remove(&key);
    detail.show(key, settle)
}

/// The hint bar over the panes. In the list, back only clears marks: offered, and named
/// so, when there are some.
pub fn hints(ctx: &Context, pane: Pane, focus: Focus, marks: bool) -> Vec<(String, &'static str)> {
    let detail = focus == Focus::Detail;
    let mut hints = ctx.keymap().hints(pane, |a| {
        ctx.available(a) && (a != Action::Back || marks || detail)
    });
    if marks && !detail {
        let back = ctx.word(pane, Action::Back);
        hints.retain(|(key, _)| *key != back);
        hints.insert(0, (back, "clear marks"));
    }
    hints
}
