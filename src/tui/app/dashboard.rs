//! The dashboard in place of the list: opening it, its keys and its hint line.

use super::App;
use crate::tui::action::Action;
use crate::tui::keymap::Pane;
use crate::tui::panes::dashboard::Dashboard;
use crate::tui::protocol::Effect;

impl App {
    /// Shows the dashboard over the filter in force and asks for its numbers.
    pub(super) fn open_dashboard(&mut self) -> Vec<Effect> {
        let mut dash = Dashboard::new(&self.list.query);
        let effects = dash.load(&self.ctx);
        self.dashboard = Some(dash);
        self.status.busy("counting…");
        effects
    }

    /// The hint line while the dashboard is shown.
    pub(super) fn dashboard_hints(&self) -> Vec<(String, &'static str)> {
        [
            (Action::Open, "list these"),
            (Action::Back, "back"),
            (Action::Refresh, "refresh"),
            (Action::Help, "help"),
        ]
        .into_iter()
        .map(|(a, what)| (self.ctx.word(Pane::List, a), what))
        .collect()
    }

    /// Keys while the dashboard is shown: move between its numbers, open one as a list,
    /// leave; what needs a ticket says so.
    pub(super) fn act_on_dashboard(&mut self, action: Action) -> Vec<Effect> {
        let Some(dash) = self.dashboard.as_mut() else {
            return Vec::new();
        };
        if dash.act(action) {
            return Vec::new();
        }
        match action {
            Action::Open => {
                let Some(item) = dash.chosen().cloned() else {
                    return Vec::new();
                };
                self.dashboard = None;
                self.status.tell(format!("{}: {}", item.label, item.count));
                self.apply_query(item.query, None)
            }
            Action::Back | Action::Dashboard => {
                self.dashboard = None;
                Vec::new()
            }
            Action::Refresh => {
                self.status.busy("refreshing…");
                let mut effects = dash.load(&self.ctx);
                effects.extend(self.refresh_now());
                effects
            }
            Action::Filter | Action::Facets | Action::ClearFilter => {
                self.dashboard = None;
                self.act(action)
            }
            other if other.view_number().is_some() => {
                self.dashboard = None;
                self.act(other)
            }
            _ => {
                self.status.tell(format!(
                    "the dashboard is open: {} goes back to the tickets",
                    self.ctx.word(Pane::List, Action::Back)
                ));
                Vec::new()
            }
        }
    }
}
