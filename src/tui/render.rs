//! Drawing: a pure function of the app's state onto a frame, into the areas of its
//! [`Layout`](super::layout::Layout). The panes and overlays draw themselves; this puts
//! them together with the top bar, the status line and the hints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::app::App;
use super::panes::Focus;

pub fn draw(frame: &mut Frame, app: &App) {
    let ctx = &app.ctx;
    let layout = ctx.layout;
    let overlay = app.overlay();
    draw_top(frame, app, layout.top);
    if let Some(dash) = &app.dashboard {
        let main = match (layout.list, layout.detail) {
            (Some(l), Some(d)) => l.union(d),
            (l, d) => l.or(d).unwrap_or(layout.screen),
        };
        dash.draw(frame, main, ctx);
    } else if let Some(area) = layout.list {
        let focused = app.focus == Focus::List && overlay.is_none();
        app.list
            .draw(frame, area, ctx, focused, focused || overlay.is_some());
    }
    if let Some(area) = layout.detail.filter(|_| app.dashboard.is_none()) {
        let focused = app.focus == Focus::Detail && overlay.is_none();
        app.detail.draw(frame, area, ctx, focused);
    }
    let spilled = app.status.draw(
        frame,
        (layout.status, layout.hints),
        ctx,
        &app.sync,
        app.clock_text(),
    );
    if !spilled {
        draw_hints(frame, app, layout.hints);
    }
    if let Some(overlay) = overlay {
        overlay.draw(frame, ctx);
    }
}

fn draw_top(frame: &mut Frame, app: &App, area: Rect) {
    let theme = app.ctx.theme();
    let mut spans = vec![Span::styled(super::mouse::BRAND, theme.title())];
    for (i, label) in app.tab_labels().into_iter().enumerate() {
        let style = if app.list.view == Some(i) {
            theme.selected()
        } else {
            theme.dim()
        };
        spans.push(Span::styled(label, style));
    }
    spans.push(Span::raw(" "));
    let query = &app.list.query;
    if query.is_empty() {
        spans.push(Span::styled("all tickets", theme.dim()));
    } else {
        spans.push(Span::styled("filter: ", theme.dim()));
        spans.push(Span::styled(query.clone(), theme.bold()));
    }
    let rows = &app.list.rows;
    let count = match rows.total {
        Some(n) => tickets(n, ""),
        // Until the count arrives, a full page says only that there are at least that
        // many.
        None if rows.loaded && rows.has_more() => tickets(rows.rows.len() as i64, "+"),
        None if rows.loaded => tickets(rows.rows.len() as i64, ""),
        None => String::new(),
    };
    let marked = if rows.marked.is_empty() {
        String::new()
    } else {
        format!(" · {} marked", rows.marked.len())
    };
    let right = format!("{count}{marked} ");
    let used: usize = spans.iter().map(|s| s.content.width()).sum();
    let room = usize::from(area.width).saturating_sub(used + right.width());
    spans.push(Span::raw(" ".repeat(room)));
    spans.push(Span::styled(right, theme.bold()));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn tickets(n: i64, more: &str) -> String {
    let noun = if n == 1 && more.is_empty() {
        "ticket"
    } else {
        "tickets"
    };
    format!("{n}{more} {noun}")
}

fn draw_hints(frame: &mut Frame, app: &App, area: Rect) {
    let theme = app.ctx.theme();
    let mut spans = Vec::new();
    for (key, what) in app.hints() {
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::styled(format!(" {what}  "), theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
