//! The keymap as data: one table of `{pane, keys, action}` from which key handling, the
//! hint bar, the help overlay and the palette are all generated. `[keys.<pane>]` in the
//! config adds bindings over the defaults or unbinds them (`"x" = "none"`).

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;
use crate::config::{KeyBinding, Loaded};

/// Where a binding applies. List and detail also see `tickets` and `global`; the text
/// panes see only their own table and global keys with a modifier (so typing `q` in
/// the composer types a q).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pane {
    Global,
    Tickets,
    List,
    Detail,
    Filter,
    Composer,
    Picker,
    Prompt,
}

impl Pane {
    pub const ALL: [Pane; 8] = [
        Pane::Global,
        Pane::Tickets,
        Pane::List,
        Pane::Detail,
        Pane::Filter,
        Pane::Composer,
        Pane::Picker,
        Pane::Prompt,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Pane::Global => "global",
            Pane::Tickets => "tickets",
            Pane::List => "list",
            Pane::Detail => "detail",
            Pane::Filter => "filter",
            Pane::Composer => "composer",
            Pane::Picker => "picker",
            Pane::Prompt => "prompt",
        }
    }

    /// The tables consulted, most specific first.
    fn chain(self) -> &'static [Pane] {
        match self {
            Pane::List => &[Pane::List, Pane::Tickets, Pane::Global],
            Pane::Detail => &[Pane::Detail, Pane::Tickets, Pane::Global],
            Pane::Tickets => &[Pane::Tickets, Pane::Global],
            Pane::Global => &[Pane::Global],
            Pane::Filter => &[Pane::Filter, Pane::Global],
            Pane::Composer => &[Pane::Composer, Pane::Global],
            Pane::Picker => &[Pane::Picker, Pane::Global],
            Pane::Prompt => &[Pane::Prompt, Pane::Global],
        }
    }

    /// Panes where plain characters are text being typed.
    pub fn takes_text(self) -> bool {
        matches!(
            self,
            Pane::Filter | Pane::Composer | Pane::Picker | Pane::Prompt
        )
    }
}

/// A key press, normalised: a character carries its own case, so Shift is dropped
/// for characters (`G`, not `shift-g`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: Code,
    pub ctrl: bool,
    pub alt: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    F(u8),
}

impl Key {
    pub const fn plain(c: char) -> Key {
        Key {
            code: Code::Char(c),
            ctrl: false,
            alt: false,
        }
    }

    pub const fn ctrl(c: char) -> Key {
        Key {
            code: Code::Char(c),
            ctrl: true,
            alt: false,
        }
    }

    pub const fn code(code: Code) -> Key {
        Key {
            code,
            ctrl: false,
            alt: false,
        }
    }

    pub fn from_event(event: &KeyEvent) -> Option<Key> {
        let code = match event.code {
            KeyCode::Char(c) => Code::Char(c),
            KeyCode::Enter => Code::Enter,
            KeyCode::Esc => Code::Esc,
            KeyCode::Tab => Code::Tab,
            KeyCode::BackTab => Code::BackTab,
            KeyCode::Backspace => Code::Backspace,
            KeyCode::Delete => Code::Delete,
            KeyCode::Up => Code::Up,
            KeyCode::Down => Code::Down,
            KeyCode::Left => Code::Left,
            KeyCode::Right => Code::Right,
            KeyCode::Home => Code::Home,
            KeyCode::End => Code::End,
            KeyCode::PageUp => Code::PageUp,
            KeyCode::PageDown => Code::PageDown,
            KeyCode::F(n) => Code::F(n),
            _ => return None,
        };
        let code = match code {
            // Terminals send Ctrl-letter as the lowercase letter with Control.
            Code::Char(c) if event.modifiers.contains(KeyModifiers::CONTROL) => {
                Code::Char(c.to_ascii_lowercase())
            }
            other => other,
        };
        Some(Key {
            code,
            ctrl: event.modifiers.contains(KeyModifiers::CONTROL),
            alt: event.modifiers.contains(KeyModifiers::ALT),
        })
    }

    /// Whether this key is a character typed as text.
    pub fn is_text(&self) -> bool {
        matches!(self.code, Code::Char(_)) && !self.ctrl && !self.alt
    }

    /// `ctrl-d`, `G`, `enter`, `space`, `f5`.
    pub fn parse(spelling: &str) -> Result<Key, String> {
        let mut key = Key::code(Code::Esc);
        let mut rest = spelling;
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(tail) = lower.strip_prefix("ctrl-").filter(|t| !t.is_empty()) {
                key.ctrl = true;
                rest = &rest[rest.len() - tail.len()..];
            } else if let Some(tail) = lower.strip_prefix("alt-").filter(|t| !t.is_empty()) {
                key.alt = true;
                rest = &rest[rest.len() - tail.len()..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        key.code = match (chars.next(), chars.next()) {
            (Some(c), None) if key.ctrl => Code::Char(c.to_ascii_lowercase()),
            (Some(c), None) => Code::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "space" => Code::Char(' '),
                "enter" | "return" => Code::Enter,
                "esc" | "escape" => Code::Esc,
                "tab" => Code::Tab,
                "backtab" | "shift-tab" => Code::BackTab,
                "backspace" => Code::Backspace,
                "delete" | "del" => Code::Delete,
                "up" => Code::Up,
                "down" => Code::Down,
                "left" => Code::Left,
                "right" => Code::Right,
                "home" => Code::Home,
                "end" => Code::End,
                "pageup" | "pgup" => Code::PageUp,
                "pagedown" | "pgdown" => Code::PageDown,
                other => match other.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                    Some(n) if (1..=12).contains(&n) => Code::F(n),
                    _ => {
                        return Err(format!(
                            "unknown key `{spelling}` (expected a character, ctrl-X, alt-X, \
                             enter, esc, tab, space, backspace, up, down, left, right, home, \
                             end, pageup, pagedown or f1-f12)"
                        ));
                    }
                },
            },
        };
        Ok(key)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.code {
            Code::Char(' ') => f.write_str("space"),
            Code::Char(c) => write!(f, "{c}"),
            Code::Enter => f.write_str("enter"),
            Code::Esc => f.write_str("esc"),
            Code::Tab => f.write_str("tab"),
            Code::BackTab => f.write_str("backtab"),
            Code::Backspace => f.write_str("backspace"),
            Code::Delete => f.write_str("delete"),
            Code::Up => f.write_str("↑"),
            Code::Down => f.write_str("↓"),
            Code::Left => f.write_str("←"),
            Code::Right => f.write_str("→"),
            Code::Home => f.write_str("home"),
            Code::End => f.write_str("end"),
            Code::PageUp => f.write_str("pageup"),
            Code::PageDown => f.write_str("pagedown"),
            Code::F(n) => write!(f, "f{n}"),
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub pane: Pane,
    pub keys: Vec<Key>,
    pub actions: Vec<Action>,
    /// Shown in the hint bar of its pane.
    pub hint: bool,
}

impl Binding {
    pub fn describe(&self) -> String {
        self.actions
            .iter()
            .map(|a| a.describe())
            .collect::<Vec<_>>()
            .join(", then ")
    }

    pub fn keys_text(&self) -> String {
        self.keys
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// The built-in bindings: pane, keys, action, shown as a hint.
const DEFAULTS: &[(Pane, &[&str], Action, bool)] = &[
    (Pane::Global, &["ctrl-c"], Action::Quit, false),
    (Pane::Global, &["q"], Action::Quit, false),
    (Pane::Global, &["?"], Action::Help, true),
    (Pane::Global, &[":"], Action::Palette, false),
    (Pane::Global, &["r", "f5"], Action::Refresh, false),
    (Pane::Global, &["tab"], Action::FocusNext, false),
    (Pane::Global, &["1"], Action::View(1), false),
    (Pane::Global, &["2"], Action::View(2), false),
    (Pane::Global, &["3"], Action::View(3), false),
    (Pane::Global, &["4"], Action::View(4), false),
    (Pane::Global, &["5"], Action::View(5), false),
    (Pane::Global, &["6"], Action::View(6), false),
    (Pane::Global, &["7"], Action::View(7), false),
    (Pane::Global, &["8"], Action::View(8), false),
    (Pane::Global, &["9"], Action::View(9), false),
    (Pane::Global, &["0"], Action::ClearFilter, false),
    (Pane::List, &["j", "down"], Action::Down, false),
    (Pane::List, &["k", "up"], Action::Up, false),
    (Pane::List, &["g", "home"], Action::Top, false),
    (Pane::List, &["G", "end"], Action::Bottom, false),
    (
        Pane::List,
        &["ctrl-d", "pagedown"],
        Action::HalfPageDown,
        false,
    ),
    (Pane::List, &["ctrl-u", "pageup"], Action::HalfPageUp, false),
    (Pane::List, &["enter"], Action::Open, true),
    (Pane::List, &["space"], Action::Mark, false),
    (Pane::List, &["esc"], Action::Back, false),
    (Pane::Detail, &["j", "down"], Action::Down, false),
    (Pane::Detail, &["k", "up"], Action::Up, false),
    (Pane::Detail, &["g", "home"], Action::Top, false),
    (Pane::Detail, &["G", "end"], Action::Bottom, false),
    (
        Pane::Detail,
        &["ctrl-d", "pagedown"],
        Action::HalfPageDown,
        false,
    ),
    (
        Pane::Detail,
        &["ctrl-u", "pageup"],
        Action::HalfPageUp,
        false,
    ),
    (Pane::Detail, &["esc"], Action::Back, true),
    (Pane::Tickets, &["/"], Action::Filter, true),
    (Pane::Tickets, &["f"], Action::Facets, false),
    (Pane::Tickets, &["c"], Action::Comment, true),
    (Pane::Tickets, &["a"], Action::AssignMe, true),
    (Pane::Tickets, &["@"], Action::Assign, false),
    (Pane::Tickets, &["s"], Action::Status, true),
    (Pane::Tickets, &["p"], Action::Priority, false),
    (Pane::Tickets, &["t"], Action::Tags, false),
    (Pane::Tickets, &["A"], Action::Approve, true),
    (Pane::Tickets, &["R"], Action::Reject, true),
    (Pane::Tickets, &["N"], Action::NewTicket, false),
    (Pane::Tickets, &["y"], Action::CopyKey, false),
    (Pane::Filter, &["enter"], Action::Confirm, true),
    (Pane::Filter, &["esc"], Action::Back, true),
    (Pane::Composer, &["ctrl-s"], Action::Send, true),
    (Pane::Composer, &["ctrl-t"], Action::ToggleVisibility, true),
    (Pane::Composer, &["ctrl-e"], Action::Editor, true),
    (Pane::Composer, &["tab"], Action::NextField, false),
    (Pane::Composer, &["esc"], Action::Back, true),
    (Pane::Picker, &["enter"], Action::Confirm, true),
    (Pane::Picker, &["space"], Action::Toggle, true),
    (Pane::Picker, &["down", "ctrl-n"], Action::Down, false),
    (Pane::Picker, &["up", "ctrl-p"], Action::Up, false),
    (Pane::Picker, &["esc"], Action::Back, true),
    (Pane::Prompt, &["enter"], Action::Confirm, true),
    (Pane::Prompt, &["esc"], Action::Back, true),
];

/// A mistake in `[keys]`, pointing at the config line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {message}")]
pub struct KeymapError {
    /// `file:line:column`, or `[keys.pane]` when no file was read.
    pub at: String,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<Binding>,
    lookup: HashMap<(Pane, Key), usize>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::from_bindings(default_bindings())
    }
}

fn default_bindings() -> Vec<Binding> {
    DEFAULTS
        .iter()
        .map(|(pane, keys, action, hint)| Binding {
            pane: *pane,
            keys: keys
                .iter()
                .map(|k| Key::parse(k).unwrap_or(Key::code(Code::Esc)))
                .collect(),
            actions: vec![*action],
            hint: *hint,
        })
        .collect()
}

impl Keymap {
    fn from_bindings(bindings: Vec<Binding>) -> Keymap {
        let mut lookup = HashMap::new();
        for (i, b) in bindings.iter().enumerate() {
            for key in &b.keys {
                lookup.insert((b.pane, *key), i);
            }
        }
        Keymap { bindings, lookup }
    }

    /// The defaults with the config's `[keys]` merged over them.
    pub fn from_config(loaded: &Loaded) -> Result<Keymap, KeymapError> {
        let mut bindings = default_bindings();
        for (pane_name, table) in &loaded.config.keys {
            let Some(pane) = Pane::ALL.into_iter().find(|p| p.name() == pane_name) else {
                let at = table
                    .values()
                    .next()
                    .and_then(|v| loaded.locate(v.span()))
                    .map_or_else(|| format!("[keys.{pane_name}]"), |l| l.to_string());
                return Err(KeymapError {
                    at,
                    message: format!(
                        "unknown pane `{pane_name}` in [keys] (expected one of {})",
                        Pane::ALL.map(Pane::name).join(", ")
                    ),
                });
            };
            let mut seen: BTreeMap<Key, &str> = BTreeMap::new();
            for (spelling, value) in table {
                let at = || {
                    loaded.locate(value.span()).map_or_else(
                        || format!("[keys.{pane_name}] {spelling:?}"),
                        |l| l.to_string(),
                    )
                };
                let key =
                    Key::parse(spelling).map_err(|message| KeymapError { at: at(), message })?;
                if let Some(first) = seen.insert(key, spelling) {
                    return Err(KeymapError {
                        at: at(),
                        message: format!(
                            "`{spelling}` and `{first}` are the same key in [keys.{pane_name}]"
                        ),
                    });
                }
                let actions = parse_actions(value.get_ref())
                    .map_err(|message| KeymapError { at: at(), message })?;
                // The key leaves whatever default it had in this pane.
                for b in bindings.iter_mut().filter(|b| b.pane == pane) {
                    b.keys.retain(|k| *k != key);
                }
                if !actions.is_empty() {
                    bindings.push(Binding {
                        pane,
                        keys: vec![key],
                        actions,
                        hint: false,
                    });
                }
            }
        }
        bindings.retain(|b| !b.keys.is_empty());
        Ok(Keymap::from_bindings(bindings))
    }

    /// What `key` does in `pane`, or `None` when it is not bound there (in a text pane
    /// an unbound character is typed).
    pub fn lookup(&self, pane: Pane, key: Key) -> Option<&[Action]> {
        for table in pane.chain() {
            if pane.takes_text() && *table == Pane::Global && key.is_text() {
                continue;
            }
            if let Some(&i) = self.lookup.get(&(*table, key)) {
                return Some(&self.bindings[i].actions);
            }
        }
        None
    }

    /// The bindings of the tables `pane` consults, most specific first.
    pub fn for_pane(&self, pane: Pane) -> impl Iterator<Item = &Binding> {
        pane.chain()
            .iter()
            .flat_map(move |table| self.bindings.iter().filter(move |b| b.pane == *table))
    }

    pub fn all(&self) -> &[Binding] {
        &self.bindings
    }

    /// The short hint line for a pane: `enter open  / filter  ? help`.
    pub fn hints(&self, pane: Pane) -> Vec<(String, String)> {
        self.for_pane(pane)
            .filter(|b| b.hint)
            // In a text pane a plain character is typed, so it is no hint there.
            .filter(|b| {
                !(pane.takes_text() && b.pane == Pane::Global && b.keys.iter().all(Key::is_text))
            })
            .map(|b| {
                let key = b.keys.first().map(ToString::to_string).unwrap_or_default();
                let what = b.actions.first().map(|a| short(*a)).unwrap_or_default();
                (key, what)
            })
            .collect()
    }

    /// The first key bound to `action` in the panes `pane` consults, for prompts that
    /// say "ctrl-s sends".
    pub fn key_for(&self, pane: Pane, action: Action) -> Option<Key> {
        self.for_pane(pane)
            .find(|b| b.actions == [action])
            .and_then(|b| b.keys.first().copied())
    }
}

fn parse_actions(binding: &KeyBinding) -> Result<Vec<Action>, String> {
    let mut actions = Vec::new();
    for name in binding.actions() {
        let action: Action = name.parse().map_err(|e: String| {
            format!("{e} (see the help overlay, `?`, for the names of the actions)")
        })?;
        if action != Action::Nothing {
            actions.push(action);
        }
    }
    Ok(actions)
}

/// One word for the hint bar.
fn short(action: Action) -> String {
    match action {
        Action::Help => "help".into(),
        Action::Open => "open".into(),
        Action::Back => "back".into(),
        Action::Filter => "filter".into(),
        Action::Comment => "comment".into(),
        Action::AssignMe => "take".into(),
        Action::Status => "status".into(),
        Action::Approve => "approve".into(),
        Action::Reject => "reject".into(),
        Action::Confirm => "apply".into(),
        Action::Send => "send".into(),
        Action::ToggleVisibility => "public/internal".into(),
        Action::Editor => "$EDITOR".into(),
        Action::Toggle => "select".into(),
        other => other.name(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_parse_to_the_key_a_terminal_sends() {
        assert_eq!(Key::parse("ctrl-d"), Ok(Key::ctrl('d')));
        assert_eq!(Key::parse("Ctrl-D"), Ok(Key::ctrl('d')));
        assert_eq!(Key::parse("G"), Ok(Key::plain('G')));
        assert_eq!(Key::parse("space"), Ok(Key::plain(' ')));
        assert_eq!(Key::parse("-"), Ok(Key::plain('-')));
        assert_eq!(Key::parse("f5"), Ok(Key::code(Code::F(5))));
        assert!(Key::parse("hyper-x").is_err());
        let shifted = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&shifted), Some(Key::plain('G')));
        let ctrl = KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL);
        assert_eq!(Key::from_event(&ctrl), Some(Key::ctrl('d')));
    }

    #[test]
    fn text_panes_type_characters_but_keep_control_keys() {
        let keymap = Keymap::default();
        assert_eq!(
            keymap.lookup(Pane::List, Key::plain('q')),
            Some(&[Action::Quit][..])
        );
        assert_eq!(keymap.lookup(Pane::Composer, Key::plain('q')), None);
        assert_eq!(
            keymap.lookup(Pane::Composer, Key::ctrl('c')),
            Some(&[Action::Quit][..])
        );
        assert_eq!(
            keymap.lookup(Pane::Detail, Key::plain('A')),
            Some(&[Action::Approve][..])
        );
    }

    #[test]
    fn every_default_key_is_spelled_correctly_and_bound_once_per_pane() {
        for (pane, keys, _, _) in DEFAULTS {
            for k in *keys {
                assert!(Key::parse(k).is_ok(), "{k}");
            }
            let _ = pane;
        }
        let keymap = Keymap::default();
        let mut seen = std::collections::HashSet::new();
        for b in keymap.all() {
            for k in &b.keys {
                assert!(
                    seen.insert((b.pane, *k)),
                    "{} bound twice in {:?}",
                    k,
                    b.pane
                );
            }
        }
    }
}
