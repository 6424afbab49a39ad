//! What a key can ask the TUI to do. Keybindings, the command palette and the headless
//! tests all name these; the names (`assign_me`, `view_3`) are what `[keys]` in the
//! config file and `assets/keymap.toml` use.
//!
//! Each action is declared once, in the table below: its config name, what it does (help
//! and palette), the word the hint bar shows (none: never hinted) and whether the palette
//! offers it. Everything else is generated from that table.

use std::fmt;
use std::str::FromStr;

macro_rules! actions {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $name:literal, $describe:literal, hint: $hint:expr, palette: $palette:literal;
    )*) => {
        /// One thing the user can ask for. Plain data, so tests can drive the app without
        /// a terminal.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $($(#[$doc])* $variant,)*
        }

        /// Every action, in the order the help and the palette list them.
        pub const ALL: &[Action] = &[$(Action::$variant,)*];

        impl Action {
            /// Its name in `[keys]` and in the palette.
            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name,)* }
            }

            /// What it does, for the help overlay and the palette.
            pub fn describe(self) -> &'static str {
                match self { $(Action::$variant => $describe,)* }
            }

            /// The word the hint bar shows next to its key; `None`: never hinted.
            pub fn hint(self) -> Option<&'static str> {
                match self { $(Action::$variant => $hint,)* }
            }

            /// Whether the command palette (`:`) offers it.
            pub fn in_palette(self) -> bool {
                match self { $(Action::$variant => $palette,)* }
            }
        }
    };
}

actions! {
    Quit = "quit", "quit desk", hint: None, palette: true;
    Help = "help", "show the keys", hint: Some("help"), palette: true;
    Palette = "palette", "run any command by name", hint: None, palette: false;
    Refresh = "refresh", "fetch what changed now", hint: None, palette: true;
    Messages = "messages", "every message so far, in full", hint: None, palette: true;
    /// Move focus to the other pane (list and detail).
    FocusNext = "focus_next", "switch between list and detail", hint: None, palette: true;
    Up = "up", "up", hint: None, palette: true;
    Down = "down", "down", hint: None, palette: true;
    Top = "top", "first", hint: None, palette: true;
    Bottom = "bottom", "last", hint: None, palette: true;
    HalfPageDown = "half_page_down", "half a page down", hint: None, palette: true;
    HalfPageUp = "half_page_up", "half a page up", hint: None, palette: true;
    /// Open the selected ticket (full width when the panes are stacked).
    Open = "open", "open the ticket", hint: Some("open"), palette: true;
    /// Leave the current pane or overlay; in the list, clear the marks.
    Back = "back", "back", hint: Some("back"), palette: true;
    Filter = "filter", "edit the filter query", hint: Some("filter"), palette: true;
    Facets = "facets", "pick status, priority, category, assignee or tag", hint: None, palette: true;
    View1 = "view_1", "saved view 1", hint: None, palette: true;
    View2 = "view_2", "saved view 2", hint: None, palette: true;
    View3 = "view_3", "saved view 3", hint: None, palette: true;
    View4 = "view_4", "saved view 4", hint: None, palette: true;
    View5 = "view_5", "saved view 5", hint: None, palette: true;
    View6 = "view_6", "saved view 6", hint: None, palette: true;
    View7 = "view_7", "saved view 7", hint: None, palette: true;
    View8 = "view_8", "saved view 8", hint: None, palette: true;
    View9 = "view_9", "saved view 9", hint: None, palette: true;
    ClearFilter = "clear_filter", "show every ticket", hint: None, palette: true;
    Find = "find", "search the loaded list as you type", hint: None, palette: true;
    FindNext = "find_next", "next match of the search", hint: None, palette: true;
    FindPrev = "find_prev", "previous match of the search", hint: None, palette: true;
    /// Go to a ticket by key, also one the filter does not show.
    Jump = "jump", "go to a ticket by its key (also `:TKT-42`)", hint: None, palette: true;
    Mark = "mark", "mark for a bulk action", hint: None, palette: true;
    SortNext = "sort_next", "sort by the next column", hint: None, palette: true;
    SortReverse = "sort_reverse", "reverse the order of the list", hint: None, palette: true;
    Comment = "comment", "write a comment", hint: Some("comment"), palette: true;
    AssignMe = "assign_me", "assign to me", hint: Some("take"), palette: true;
    Assign = "assign", "assign to someone", hint: None, palette: true;
    Status = "status", "change the status", hint: Some("status"), palette: true;
    Priority = "priority", "change the priority", hint: None, palette: true;
    Tags = "tags", "edit the tags", hint: None, palette: true;
    Approve = "approve", "approve the request", hint: Some("approve"), palette: true;
    Reject = "reject", "reject with a note", hint: Some("reject"), palette: true;
    NewTicket = "new_ticket", "file a new ticket", hint: None, palette: true;
    CopyKey = "copy_key", "copy the ticket key", hint: None, palette: true;
    /// The main area shows counts over the filter instead of the list.
    Dashboard = "dashboard", "the dashboard: the filter's numbers; enter lists one", hint: None, palette: true;
    Attachments = "attachments", "the ticket's files: preview, save, open", hint: None, palette: true;
    Undo = "undo", "undo your last change (if still the latest)", hint: None, palette: true;
    // In the composer and the forms.
    Send = "send", "send", hint: Some("send"), palette: false;
    ToggleVisibility = "toggle_visibility", "public / internal", hint: Some("public/internal"), palette: false;
    Editor = "editor", "edit in $EDITOR", hint: Some("$EDITOR"), palette: false;
    AttachFile = "attach_file", "attach a file to the comment", hint: Some("attach"), palette: false;
    NextField = "next_field", "next field", hint: None, palette: false;
    NextChoice = "next_choice", "next choice (new-ticket form)", hint: Some("change"), palette: false;
    PrevChoice = "prev_choice", "previous choice (new-ticket form)", hint: None, palette: false;
    // In pickers and prompts.
    Confirm = "confirm", "choose", hint: Some("apply"), palette: false;
    WithNote = "with_note", "choose, writing a note first (status)", hint: Some("with a note"), palette: false;
    Toggle = "toggle", "select / unselect", hint: Some("select"), palette: false;
    CopyLink = "copy_link", "copy a link to the file (attachments)", hint: None, palette: false;
    // Answers to "discard this draft?".
    Discard = "discard", "discard the draft", hint: Some("discard"), palette: false;
    KeepDraft = "keep_draft", "keep the draft for later", hint: Some("keep it for later"), palette: false;
    // The answer to "are you sure?".
    Yes = "yes", "yes, make the change", hint: Some("yes"), palette: false;
    /// Unbinds a key in `[keys]`.
    Nothing = "none", "nothing (unbinds the key)", hint: None, palette: false;
}

const VIEWS: [Action; 9] = [
    Action::View1,
    Action::View2,
    Action::View3,
    Action::View4,
    Action::View5,
    Action::View6,
    Action::View7,
    Action::View8,
    Action::View9,
];

impl Action {
    /// Acts on the marked tickets or the selected one, so needs one of them.
    pub fn needs_ticket(self) -> bool {
        matches!(
            self,
            Action::AssignMe
                | Action::Assign
                | Action::Status
                | Action::Priority
                | Action::Tags
                | Action::Comment
                | Action::Approve
                | Action::Reject
                | Action::CopyKey
                | Action::Attachments
        )
    }

    /// Saved view `n` (1–9).
    pub fn view(n: u8) -> Option<Action> {
        VIEWS.get(usize::from(n).checked_sub(1)?).copied()
    }

    /// The number of the saved view this opens, if it opens one.
    pub fn view_number(self) -> Option<u8> {
        VIEWS
            .iter()
            .position(|a| *a == self)
            .and_then(|i| u8::try_from(i + 1).ok())
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
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
            let spelled = match action.view_number() {
                Some(1) => "view_1 to view_9".to_string(),
                Some(_) => continue,
                None => action.name().to_string(),
            };
            assert!(
                example.contains(&spelled),
                "config.example.toml lacks `{spelled}`"
            );
        }
    }

    #[test]
    fn every_name_parses_back_to_its_action_and_names_are_unique() {
        let mut names = std::collections::HashSet::new();
        for action in ALL {
            assert_eq!(action.name().parse::<Action>(), Ok(*action));
            assert!(names.insert(action.name()), "{} twice", action.name());
        }
        assert!("approve_all".parse::<Action>().is_err());
        assert!("view_0".parse::<Action>().is_err());
        assert_eq!(Action::view(3), Some(Action::View3));
        assert_eq!(Action::View9.view_number(), Some(9));
        assert_eq!(Action::view(0), None);
    }
}
