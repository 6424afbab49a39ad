//! The keymap as data: one table of `{pane, keys, action}` from which key handling, the
//! hint bar, the help overlay, the palette and every key word on screen are generated.
//! The defaults are `assets/keymap.toml`, in the format of `[keys.<pane>]` in the config
//! and read by the same code; the config's tables are merged over them (`"x" = "none"`
//! unbinds).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;
use crate::config::{KeyBinding, KeyTables, Loaded, Location};

/// The default keys, embedded so a binary needs no file beside it.
const DEFAULTS: &str = include_str!("../../assets/keymap.toml");
const DEFAULTS_PATH: &str = "assets/keymap.toml";

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
    /// The one-key question "discard this draft?".
    Discard,
    /// "Are you sure?" before a change to several tickets or someone else's.
    Confirm,
}

impl Pane {
    pub const ALL: [Pane; 10] = [
        Pane::Global,
        Pane::Tickets,
        Pane::List,
        Pane::Detail,
        Pane::Filter,
        Pane::Composer,
        Pane::Picker,
        Pane::Prompt,
        Pane::Discard,
        Pane::Confirm,
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
            Pane::Discard => "discard",
            Pane::Confirm => "confirm",
        }
    }

    /// The help overlay's heading for its table.
    pub fn heading(self) -> &'static str {
        match self {
            Pane::Global => "Everywhere",
            Pane::Tickets => "On a ticket (list or detail)",
            Pane::List => "Ticket list",
            Pane::Detail => "Ticket detail",
            Pane::Filter => "Filter bar",
            Pane::Composer => "Composer",
            Pane::Picker => "Pickers",
            Pane::Prompt => "Prompts",
            Pane::Discard => "Discard this draft?",
            Pane::Confirm => "Are you sure? (several tickets, or someone else's)",
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
            Pane::Discard => &[Pane::Discard, Pane::Global],
            Pane::Confirm => &[Pane::Confirm, Pane::Global],
        }
    }

    /// Panes where plain characters are text being typed.
    pub fn takes_text(self) -> bool {
        matches!(
            self,
            Pane::Filter
                | Pane::Composer
                | Pane::Picker
                | Pane::Prompt
                | Pane::Discard
                | Pane::Confirm
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

/// One row of the table: keys of one pane that do the same thing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub pane: Pane,
    /// In the order the file lists them; the first is the one the screen shows.
    pub keys: Vec<Key>,
    pub actions: Vec<Action>,
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

/// A mistake in `[keys]` (or in the defaults), pointing at its line.
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

/// Only for tests and the headless app: the defaults are checked by this module's tests,
/// and `desk` itself reads them through [`Keymap::from_config`], which reports a mistake.
impl Default for Keymap {
    fn default() -> Self {
        match Keymap::defaults() {
            Ok(keymap) => keymap,
            Err(e) => panic!("the built-in keymap is broken: {e}"),
        }
    }
}

/// One key's binding as read, before keys with the same actions are grouped.
struct Entry {
    pane: Pane,
    key: Key,
    actions: Vec<Action>,
    /// Where it was written, for file order.
    at: usize,
}

/// Where a table was read from, to turn spans into `file:line:column`.
struct Source<'a> {
    path: Option<&'a Path>,
    text: &'a str,
}

impl Source<'_> {
    fn locate(&self, span: std::ops::Range<usize>) -> Option<String> {
        let path = self.path?;
        Some(Location::of(path, self.text, span.start).to_string())
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    keys: KeyTables,
}

impl Keymap {
    /// The built-in keys alone.
    pub fn defaults() -> Result<Keymap, KeymapError> {
        Ok(Keymap::from_entries(default_entries()?))
    }

    /// The defaults with the config's `[keys]` merged over them.
    pub fn from_config(loaded: &Loaded) -> Result<Keymap, KeymapError> {
        let mut entries = default_entries()?;
        let source = Source {
            path: loaded.path.as_deref(),
            text: loaded.source(),
        };
        // After every default, so a user's key for an action comes after the built-in
        // ones and the screen keeps showing a key that still works.
        let offset = DEFAULTS.len();
        for e in read_tables(&loaded.config.keys, &source)? {
            entries.retain(|d| !(d.pane == e.pane && d.key == e.key));
            if !e.actions.is_empty() {
                entries.push(Entry {
                    at: e.at + offset,
                    ..e
                });
            }
        }
        Ok(Keymap::from_entries(entries))
    }

    fn from_entries(mut entries: Vec<Entry>) -> Keymap {
        entries.sort_by_key(|e| e.at);
        let mut bindings: Vec<Binding> = Vec::new();
        for e in entries {
            match bindings
                .iter_mut()
                .find(|b| b.pane == e.pane && b.actions == e.actions)
            {
                Some(b) => b.keys.push(e.key),
                None => bindings.push(Binding {
                    pane: e.pane,
                    keys: vec![e.key],
                    actions: e.actions,
                }),
            }
        }
        let mut lookup = HashMap::new();
        for (i, b) in bindings.iter().enumerate() {
            for key in &b.keys {
                lookup.insert((b.pane, *key), i);
            }
        }
        Keymap { bindings, lookup }
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

    /// The hint line for a pane, `[("enter", "open"), ("/", "filter"), ...]`: each
    /// hinted action that `available` allows, with the key that triggers it there.
    pub fn hints(
        &self,
        pane: Pane,
        available: impl Fn(Action) -> bool,
    ) -> Vec<(String, &'static str)> {
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for b in self.for_pane(pane) {
            let [action] = b.actions.as_slice() else {
                continue;
            };
            let Some(word) = action.hint() else {
                continue;
            };
            if seen.contains(action) || !available(*action) {
                continue;
            }
            // The first key that reaches this binding from `pane`: a more specific table
            // may have taken one for something else, and in a text pane a plain
            // character is typed.
            let Some(key) = b
                .keys
                .iter()
                .find(|k| self.lookup(pane, **k) == Some(b.actions.as_slice()))
            else {
                continue;
            };
            seen.push(*action);
            out.push((key.to_string(), word));
        }
        out
    }

    /// The first key that triggers `action` from `pane`, for words such as "ctrl-s sends".
    pub fn key_for(&self, pane: Pane, action: Action) -> Option<Key> {
        self.keys_for(pane, action).into_iter().next()
    }

    /// Every key that triggers `action` (alone) from `pane`, first the one to show.
    pub fn keys_for(&self, pane: Pane, action: Action) -> Vec<Key> {
        self.for_pane(pane)
            .filter(|b| b.actions == [action])
            .flat_map(|b| b.keys.iter().copied())
            .filter(|k| self.lookup(pane, *k) == Some(&[action][..]))
            .collect()
    }

    /// The key to name on screen for `action` in `pane`: `ctrl-s`; `:send` when no key
    /// reaches it (the user unbound it).
    pub fn word(&self, pane: Pane, action: Action) -> String {
        self.key_for(pane, action)
            .map_or_else(|| format!(":{}", action.name()), |k| k.to_string())
    }
}

fn default_entries() -> Result<Vec<Entry>, KeymapError> {
    let path = Path::new(DEFAULTS_PATH);
    let file: KeyFile = toml::from_str(DEFAULTS).map_err(|e| KeymapError {
        at: e.span().map_or_else(
            || DEFAULTS_PATH.to_string(),
            |s| Location::of(path, DEFAULTS, s.start).to_string(),
        ),
        message: e.message().to_string(),
    })?;
    let source = Source {
        path: Some(path),
        text: DEFAULTS,
    };
    read_tables(&file.keys, &source)
}

/// Checks and reads `[keys.<pane>]` tables: known panes, keys that parse, no key twice
/// in a pane, known actions. `none` leaves an entry with no actions (an unbinding).
fn read_tables(tables: &KeyTables, source: &Source<'_>) -> Result<Vec<Entry>, KeymapError> {
    let mut entries = Vec::new();
    for (pane_name, table) in tables {
        let Some(pane) = Pane::ALL.into_iter().find(|p| p.name() == pane_name) else {
            let at = table
                .values()
                .next()
                .and_then(|v| source.locate(v.span()))
                .unwrap_or_else(|| format!("[keys.{pane_name}]"));
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
                source
                    .locate(value.span())
                    .unwrap_or_else(|| format!("[keys.{pane_name}] {spelling:?}"))
            };
            let key = Key::parse(spelling).map_err(|message| KeymapError { at: at(), message })?;
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
            entries.push(Entry {
                pane,
                key,
                actions,
                at: value.span().start,
            });
        }
    }
    Ok(entries)
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
    fn the_built_in_keymap_reads_without_a_mistake() {
        // A typo in assets/keymap.toml fails here with its line.
        if let Err(e) = Keymap::defaults() {
            panic!("{e}");
        }
    }

    #[test]
    fn a_mistake_in_the_defaults_format_names_its_line() {
        let text = "[keys.list]\n\"j\" = \"down\"\n\"x\" = \"dwn\"\n";
        let file: KeyFile = toml::from_str(text).expect("valid toml");
        let source = Source {
            path: Some(Path::new("assets/keymap.toml")),
            text,
        };
        let err = read_tables(&file.keys, &source)
            .err()
            .expect("unknown action");
        assert_eq!(err.at, "assets/keymap.toml:3:7");
        assert!(
            err.message.contains("unknown action `dwn`"),
            "{}",
            err.message
        );
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
    fn the_first_key_in_the_file_is_the_one_shown() {
        let keymap = Keymap::default();
        assert_eq!(keymap.word(Pane::List, Action::Refresh), "r");
        assert_eq!(keymap.word(Pane::List, Action::Down), "j");
        assert_eq!(keymap.word(Pane::Composer, Action::Send), "ctrl-s");
        let list: Vec<String> = keymap
            .keys_for(Pane::List, Action::HalfPageDown)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(list, ["ctrl-d", "pagedown"]);
    }

    #[test]
    fn hints_leave_out_what_is_not_available() {
        let keymap = Keymap::default();
        let all: Vec<&str> = keymap
            .hints(Pane::List, |_| true)
            .iter()
            .map(|h| h.1)
            .collect();
        assert!(all.contains(&"approve"), "{all:?}");
        let agent: Vec<&str> = keymap
            .hints(Pane::List, |a| a != Action::Approve && a != Action::Reject)
            .iter()
            .map(|h| h.1)
            .collect();
        assert!(
            !agent.contains(&"approve") && !agent.contains(&"reject"),
            "{agent:?}"
        );
    }
}
