//! The mouse, as plain data the app understands (so tests can click without a
//! terminal), and where the clickable things of the top bar are.

use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use unicode_width::UnicodeWidthStr;

use crate::domain::time::Millis;

/// Two clicks on the same row closer than this open it.
pub const DOUBLE_CLICK_MS: Millis = 400;
/// Rows one notch of the wheel moves.
pub const WHEEL_ROWS: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MouseKind {
    /// The left button went down.
    Click,
    WheelUp,
    WheelDown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mouse {
    pub kind: MouseKind,
    pub column: u16,
    pub row: u16,
    pub at: Millis,
}

impl Mouse {
    /// What desk acts on; other buttons, drags and moves are not.
    pub fn from_event(event: &MouseEvent, at: Millis) -> Option<Mouse> {
        let kind = match event.kind {
            MouseEventKind::Down(MouseButton::Left) => MouseKind::Click,
            MouseEventKind::ScrollUp => MouseKind::WheelUp,
            MouseEventKind::ScrollDown => MouseKind::WheelDown,
            _ => return None,
        };
        Some(Mouse {
            kind,
            column: event.column,
            row: event.row,
            at,
        })
    }
}

/// The top bar's first word.
pub const BRAND: &str = " desk ";

/// How saved view `i` (from 0) is named in the top bar, with how many tickets it
/// holds once that is known: ` 1 Mine 12 `.
pub fn tab_label(i: usize, name: &str, count: Option<i64>) -> String {
    match count {
        Some(n) => format!(" {} {name} {n} ", i + 1),
        None => format!(" {} {name} ", i + 1),
    }
}

/// The saved view whose tab is at `column` of the top bar (tabs as [`tab_label`] made).
pub fn tab_at<'a>(labels: impl IntoIterator<Item = &'a str>, column: u16) -> Option<usize> {
    let mut x = BRAND.width();
    for (i, label) in labels.into_iter().enumerate() {
        let w = label.width();
        if (x..x + w).contains(&usize::from(column)) {
            return Some(i);
        }
        x += w;
    }
    None
}

/// Whether the terminal is one that cannot report the mouse (capturing it there
/// would only print escape codes).
pub fn terminal_reports_mouse() -> bool {
    let term = std::env::var("TERM").unwrap_or_default();
    !matches!(term.as_str(), "dumb" | "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_are_found_where_they_are_drawn() {
        let (mine, breached) = (tab_label(0, "Mine", None), tab_label(1, "Breached", None));
        let views = [mine.as_str(), breached.as_str()];
        assert_eq!(tab_label(0, "Mine", Some(12)), " 1 Mine 12 ");
        // " desk " then " 1 Mine " then " 2 Breached ".
        assert_eq!(tab_at(views, 0), None);
        assert_eq!(tab_at(views, 6), Some(0));
        assert_eq!(tab_at(views, 13), Some(0));
        assert_eq!(tab_at(views, 14), Some(1));
        assert_eq!(tab_at(views, 25), Some(1));
        assert_eq!(tab_at(views, 26), None);
    }
}
