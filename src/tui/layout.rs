//! Where everything goes on the screen, computed once per terminal size (and when the
//! narrow layout switches between list and detail). Drawing draws into these areas and
//! the app asks them how many rows fit: layout flows one way, from here.

use ratatui::layout::{Constraint, Layout as Split, Rect};

/// Wider than this, list and detail sit side by side.
pub const WIDE: u16 = 120;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// The whole screen (overlays are placed within it).
    pub screen: Rect,
    /// Views, filter and count.
    pub top: Rect,
    pub list: Option<Rect>,
    pub detail: Option<Rect>,
    pub status: Rect,
    pub hints: Rect,
}

impl Layout {
    /// `detail_open`: in the narrow layout, the detail has the screen instead of the list.
    pub fn new(width: u16, height: u16, detail_open: bool) -> Layout {
        let screen = Rect::new(0, 0, width, height);
        let [top, main, status, hints] = Split::vertical([
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(screen);
        let (list, detail) = if width >= WIDE {
            let [l, d] =
                Split::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)])
                    .areas(main);
            (Some(l), Some(d))
        } else if detail_open {
            (None, Some(main))
        } else {
            (Some(main), None)
        };
        Layout {
            screen,
            top,
            list,
            detail,
            status,
            hints,
        }
    }

    pub fn wide(&self) -> bool {
        self.screen.width >= WIDE
    }

    /// The part of the screen the list or the detail has.
    fn main(&self) -> Rect {
        self.list.or(self.detail).unwrap_or(self.screen)
    }

    /// Ticket rows the list shows at once (inside its border, below its header).
    pub fn list_rows(&self) -> usize {
        usize::from(self.main().height.saturating_sub(3).max(1))
    }

    /// Text lines the detail pane shows (inside its border).
    pub fn detail_rows(&self) -> usize {
        usize::from(self.main().height.saturating_sub(2).max(1))
    }

    /// Columns of text in the detail pane (inside its border and a margin).
    pub fn detail_width(&self) -> u16 {
        self.detail
            .map_or(self.screen.width.saturating_sub(2), |d| {
                d.width.saturating_sub(3)
            })
    }

    /// The detail's text area within its pane: inside the border, one column of margin.
    pub fn detail_text(area: Rect) -> Rect {
        let inner = Rect {
            x: area.x.saturating_add(1),
            y: area.y.saturating_add(1),
            width: area.width.saturating_sub(2),
            height: area.height.saturating_sub(2),
        };
        Rect {
            x: inner.x + 1,
            width: inner.width.saturating_sub(1),
            ..inner
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_screens_stack_and_wide_ones_split() {
        let narrow = Layout::new(80, 24, false);
        assert!(narrow.detail.is_none());
        assert_eq!(narrow.list_rows(), 21 - 3);
        let detail = Layout::new(80, 24, true);
        assert!(detail.list.is_none());
        assert_eq!(detail.detail_rows(), 19);
        assert_eq!(detail.detail_width(), 77);
        let wide = Layout::new(160, 48, false);
        assert!(wide.list.is_some() && wide.detail.is_some());
        assert_eq!(
            Layout::detail_text(wide.detail.unwrap_or_default()).width,
            wide.detail_width()
        );
    }
}
