//! The status line: online or not, how fresh the screen is, who is looking, and the last
//! notice (what an action did, or why it failed).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::context::Context;
use super::sync::SyncState;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
}

#[derive(Debug, Default)]
pub struct Status {
    pub notice: Option<Notice>,
    /// The sync words last drawn, so a tick redraws only when they change.
    clock: String,
}

impl Status {
    pub fn tell(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            error: false,
        });
    }

    pub fn warn(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            error: true,
        });
    }

    /// True when the clock's words changed (the screen needs drawing).
    pub fn set_clock(&mut self, clock: String) -> bool {
        if clock == self.clock {
            return false;
        }
        self.clock = clock;
        true
    }

    pub fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        ctx: &Context,
        sync: &SyncState,
        clock: String,
    ) {
        let theme = ctx.theme();
        let info = &ctx.info;
        let mut spans = Vec::new();
        if sync.failures > 0 {
            spans.push(Span::styled("○ ", theme.error()));
        } else if info.online {
            spans.push(Span::styled("● online ", theme.ok()));
        } else {
            spans.push(Span::styled("● offline (local) ", theme.ok()));
        }
        spans.push(Span::styled(clock, theme.dim()));
        spans.push(Span::styled(
            format!(" · {} ({})", info.user.name, info.user.role),
            theme.dim(),
        ));
        if let Some(notice) = &self.notice {
            spans.push(Span::raw("  "));
            let style = if notice.error {
                theme.error()
            } else {
                theme.bold()
            };
            spans.push(Span::styled(notice.text.clone(), style));
        } else if let Some(e) = &sync.last_error {
            spans.push(Span::raw("  "));
            spans.push(Span::styled(e.clone(), theme.error()));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
    }
}
