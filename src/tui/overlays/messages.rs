//! The message log (`m`, `:messages`): every notice the status line showed, newest
//! first, with its time and in full, since the status line cuts long ones.

use ratatui::text::{Line, Span};

use super::reader::Reader;
use crate::domain::time::Millis;
use crate::tui::context::Context;
use crate::tui::status::Status;

pub fn messages(ctx: &Context, status: &Status) -> Reader {
    let theme = ctx.theme();
    let mut lines: Vec<Line<'static>> = status
        .log
        .iter()
        .rev()
        .map(|e| {
            let style = if e.notice.error {
                theme.error()
            } else {
                theme.plain()
            };
            Line::from(vec![
                Span::styled(format!("{}  ", clock(e.at)), theme.dim()),
                Span::styled(e.notice.text.clone(), style),
            ])
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::styled("nothing yet", theme.dim()));
    }
    Reader::new("Messages, newest first", 100, lines, true)
}

/// The time of day in the local time zone, as a person reads a log.
fn clock(at: Millis) -> String {
    chrono::DateTime::from_timestamp_millis(at)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%H:%M:%S")
                .to_string()
        })
        .unwrap_or_default()
}
