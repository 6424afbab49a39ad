//! What every pane and overlay may read while it handles a key or draws: who is looking,
//! the keymap and theme, the desk's reference data, where things are on screen and the
//! time. The app owns one and lends it out, so panes and overlays never reach into the
//! app itself.

use crate::client::DeskInfo;
use crate::config::View;
use crate::domain::time::Millis;

use super::action::Action;
use super::files::Files;
use super::keymap::{Keymap, Pane};
use super::layout::Layout;
use super::refs::Reference;
use super::theme::Theme;

pub struct Settings {
    /// Seconds; 0 turns automatic refresh off.
    pub refresh_interval: u64,
    pub views: Vec<View>,
    pub keymap: Keymap,
    pub theme: Theme,
    /// Where attachments are saved, and whether they can be opened here.
    pub files: Files,
    /// How image previews are drawn; `None`: a line of text instead.
    pub images: Option<ratatui_image::picker::Picker>,
    /// Ask the terminal which graphics it has once it is taken over (`[ui] images = "auto"`
    /// in a terminal that may have some).
    pub query_graphics: bool,
    /// What rings the bell (`[ui] notify`).
    pub notify: Vec<String>,
    /// `[ui] mouse`, in a terminal that can report it.
    pub mouse: bool,
    /// `[ui] hyperlinks`.
    pub hyperlinks: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            refresh_interval: 30,
            views: Vec::new(),
            keymap: Keymap::default(),
            theme: Theme::new(true),
            files: Files::default(),
            images: Some(ratatui_image::picker::Picker::halfblocks()),
            query_graphics: false,
            notify: Vec::new(),
            mouse: true,
            hyperlinks: true,
        }
    }
}

pub struct Context {
    pub info: DeskInfo,
    pub settings: Settings,
    pub refs: Reference,
    pub layout: Layout,
    pub now: Millis,
}

impl Context {
    pub fn theme(&self) -> &Theme {
        &self.settings.theme
    }

    pub fn keymap(&self) -> &Keymap {
        &self.settings.keymap
    }

    /// A link to attachment `id`, for a desk on a server.
    pub fn link(&self, id: i64) -> Option<String> {
        self.info
            .online
            .then(|| crate::client::attachment_link(&self.info.location, id))
    }

    /// The key to name on screen for `action` in `pane` ("ctrl-s"), from the keymap.
    pub fn word(&self, pane: Pane, action: Action) -> String {
        self.settings.keymap.word(pane, action)
    }

    /// Whether the one looking may use `action` at all. The service decides in the end;
    /// this keeps hints, help and palette from offering what would only be refused.
    pub fn available(&self, action: Action) -> bool {
        let role = self.info.user.role;
        match action {
            Action::Approve | Action::Reject => role.is_supervisor(),
            Action::AssignMe
            | Action::Assign
            | Action::Priority
            | Action::Tags
            | Action::Dashboard
            | Action::ToggleVisibility => role.is_staff(),
            other => other
                .view_number()
                .is_none_or(|n| usize::from(n) <= self.settings.views.len()),
        }
    }
}

/// "TKT-9", or "3 tickets".
pub fn describe_keys(keys: &[String]) -> String {
    match keys {
        [one] => one.clone(),
        many => format!("{} tickets", many.len()),
    }
}
