//! What a key can ask the TUI to do. Keybindings, the command palette and the headless
//! tests all name these; the names (`assign_me`, `view_3`) are what `[keys]` in the
//! config file uses.

use std::fmt;
use std::str::FromStr;

/// One thing the user can ask for. Plain data, so tests can drive the app without a
/// terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    Palette,
    Refresh,
    /// Move focus to the other pane (list and detail).
    FocusNext,
    Up,
    Down,
    Top,
    Bottom,
    HalfPageDown,
    HalfPageUp,
    /// Open the selected ticket (full width when the panes are stacked).
    Open,
    /// Leave the current pane or overlay.
    Back,
    Filter,
    Facets,
    /// Saved view 1–9 (from `[[views]]`).
    View(u8),
    ClearFilter,
    Mark,
    Comment,
    AssignMe,
    Assign,
    Status,
    Priority,
    Tags,
    Approve,
    Reject,
    NewTicket,
    CopyKey,
    // In the composer and the forms.
    Send,
    ToggleVisibility,
    Editor,
    NextField,
    // In pickers and prompts.
    Confirm,
    Toggle,
    /// Unbinds a key in `[keys]`.
    Nothing,
}

/// Every action with a name, in the order the help and the palette list them.
pub const ALL: &[Action] = &[
    Action::Quit,
    Action::Help,
    Action::Palette,
    Action::Refresh,
    Action::FocusNext,
    Action::Up,
    Action::Down,
    Action::Top,
    Action::Bottom,
    Action::HalfPageDown,
    Action::HalfPageUp,
    Action::Open,
    Action::Back,
    Action::Filter,
    Action::Facets,
    Action::View(1),
    Action::View(2),
    Action::View(3),
    Action::View(4),
    Action::View(5),
    Action::View(6),
    Action::View(7),
    Action::View(8),
    Action::View(9),
    Action::ClearFilter,
    Action::Mark,
    Action::Comment,
    Action::AssignMe,
    Action::Assign,
    Action::Status,
    Action::Priority,
    Action::Tags,
    Action::Approve,
    Action::Reject,
    Action::NewTicket,
    Action::CopyKey,
    Action::Send,
    Action::ToggleVisibility,
    Action::Editor,
    Action::NextField,
    Action::Confirm,
    Action::Toggle,
    Action::Nothing,
];

impl Action {
    pub fn name(self) -> String {
        let name = match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::Palette => "palette",
            Action::Refresh => "refresh",
            Action::FocusNext => "focus_next",
            Action::Up => "up",
            Action::Down => "down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::HalfPageDown => "half_page_down",
            Action::HalfPageUp => "half_page_up",
            Action::Open => "open",
            Action::Back => "back",
            Action::Filter => "filter",
            Action::Facets => "facets",
            Action::View(n) => return format!("view_{n}"),
            Action::ClearFilter => "clear_filter",
            Action::Mark => "mark",
            Action::Comment => "comment",
            Action::AssignMe => "assign_me",
            Action::Assign => "assign",
            Action::Status => "status",
            Action::Priority => "priority",
            Action::Tags => "tags",
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::NewTicket => "new_ticket",
            Action::CopyKey => "copy_key",
            Action::Send => "send",
            Action::ToggleVisibility => "toggle_visibility",
            Action::Editor => "editor",
            Action::NextField => "next_field",
            Action::Confirm => "confirm",
            Action::Toggle => "toggle",
            Action::Nothing => "none",
        };
        name.to_string()
    }

    /// What it does, for the help overlay and the palette.
    pub fn describe(self) -> String {
        let text = match self {
            Action::Quit => "quit desk",
            Action::Help => "show the keys",
            Action::Palette => "run any command by name",
            Action::Refresh => "fetch what changed now",
            Action::FocusNext => "switch between list and detail",
            Action::Up => "up",
            Action::Down => "down",
            Action::Top => "first",
            Action::Bottom => "last",
            Action::HalfPageDown => "half a page down",
            Action::HalfPageUp => "half a page up",
            Action::Open => "open the ticket",
            Action::Back => "back",
            Action::Filter => "edit the filter query",
            Action::Facets => "pick status, priority, category, assignee or tag",
            Action::View(n) => return format!("saved view {n}"),
            Action::ClearFilter => "show every ticket",
            Action::Mark => "mark for a bulk action",
            Action::Comment => "write a comment",
            Action::AssignMe => "assign to me",
            Action::Assign => "assign to someone",
            Action::Status => "change the status",
            Action::Priority => "change the priority",
            Action::Tags => "edit the tags",
            Action::Approve => "approve the request",
            Action::Reject => "reject with a note",
            Action::NewTicket => "file a new ticket",
            Action::CopyKey => "copy the ticket key",
            Action::Send => "send",
            Action::ToggleVisibility => "public / internal",
            Action::Editor => "edit in $EDITOR",
            Action::NextField => "next field",
            Action::Confirm => "choose",
            Action::Toggle => "select / unselect",
            Action::Nothing => "nothing (unbinds the key)",
        };
        text.to_string()
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl FromStr for Action {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        ALL.iter()
            .copied()
            .find(|a| a.name() == s)
            .ok_or_else(|| format!("unknown action `{s}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_example_names_every_action() {
        let example = include_str!("../../config.example.toml");
        for action in ALL {
            let name = action.name();
            if let Action::View(n) = action
                && *n > 1
            {
                continue;
            }
            let spelled = if name == "view_1" {
                "view_1 to view_9".to_string()
            } else {
                name
            };
            assert!(
                example.contains(&spelled),
                "config.example.toml lacks `{spelled}`"
            );
        }
    }

    #[test]
    fn every_name_parses_back_to_its_action() {
        for action in ALL {
            assert_eq!(action.name().parse::<Action>(), Ok(*action));
        }
        assert!("approve_all".parse::<Action>().is_err());
        assert!("view_0".parse::<Action>().is_err());
    }
}
