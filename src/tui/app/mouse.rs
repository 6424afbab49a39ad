//! Clicks and the wheel: what is under the pointer gets them.

use ratatui::layout::{Position, Rect};

use super::App;
use crate::tui::action::Action;
use crate::tui::mouse::{DOUBLE_CLICK_MS, Mouse, MouseKind, WHEEL_ROWS, tab_at};
use crate::tui::panes::{self, Focus};
use crate::tui::protocol::Effect;

impl App {
    pub fn on_mouse(&mut self, mouse: Mouse) -> Vec<Effect> {
        self.dirty = true;
        let at = Position::new(mouse.column, mouse.row);
        let within = |area: Option<Rect>| area.is_some_and(|a| a.contains(at));
        if self.overlay.is_some() || self.dashboard.is_some() {
            // An open dialog (or the dashboard) keeps the keyboard's attention; the
            // wheel moves in it.
            return match mouse.kind {
                MouseKind::WheelUp => self.act(Action::Up),
                MouseKind::WheelDown => self.act(Action::Down),
                MouseKind::Click => Vec::new(),
            };
        }
        let layout = self.ctx.layout;
        match mouse.kind {
            MouseKind::WheelUp | MouseKind::WheelDown => {
                let action = if mouse.kind == MouseKind::WheelUp {
                    Action::Up
                } else {
                    Action::Down
                };
                if within(layout.detail) && self.detail.view.is_some() {
                    for _ in 0..WHEEL_ROWS {
                        self.detail.act(action, &layout);
                    }
                    return Vec::new();
                }
                if within(layout.list) {
                    let mut effects = Vec::new();
                    for _ in 0..WHEEL_ROWS {
                        effects.extend(self.list_move(action));
                    }
                    return effects;
                }
                Vec::new()
            }
            MouseKind::Click if at.y == layout.top.y => {
                let labels = self.tab_labels();
                let Some(action) = tab_at(labels.iter().map(String::as_str), at.x)
                    .and_then(|i| u8::try_from(i + 1).ok())
                    .and_then(Action::view)
                else {
                    return Vec::new();
                };
                self.act(action)
            }
            MouseKind::Click if within(layout.list) => self.click_row(mouse, layout.list),
            MouseKind::Click if within(layout.detail) && self.detail.view.is_some() => {
                self.focus = Focus::Detail;
                Vec::new()
            }
            MouseKind::Click => Vec::new(),
        }
    }

    /// A click in the list: selects the row under it; a second one soon after opens it.
    fn click_row(&mut self, mouse: Mouse, list: Option<Rect>) -> Vec<Effect> {
        let Some(list) = list else {
            return Vec::new();
        };
        // Inside the border, below the header.
        let first = list.y.saturating_add(2);
        let bottom = list.y.saturating_add(list.height).saturating_sub(1);
        if mouse.row < first || mouse.row >= bottom {
            return Vec::new();
        }
        let index = self.list.rows.offset + usize::from(mouse.row - first);
        if index >= self.list.rows.rows.len() {
            return Vec::new();
        }
        let double = self
            .last_click
            .is_some_and(|(i, when)| i == index && mouse.at - when <= DOUBLE_CLICK_MS);
        self.last_click = Some((index, mouse.at));
        self.focus = Focus::List;
        self.list.rows.select(index, self.ctx.layout.list_rows());
        let mut effects = self.after_move();
        if double {
            self.last_click = None;
            effects.extend(self.act(Action::Open));
        }
        effects
    }

    fn list_move(&mut self, action: Action) -> Vec<Effect> {
        match self.list.act(action, self.ctx.layout.list_rows()) {
            crate::tui::panes::list::Moved::Yes => {
                panes::follow(&mut self.list, &mut self.detail, &self.ctx.layout)
            }
            crate::tui::panes::list::Moved::Loading(effects, _) => effects,
            crate::tui::panes::list::Moved::No => Vec::new(),
        }
    }
}
