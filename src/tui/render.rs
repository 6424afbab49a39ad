//! Drawing: a pure function of the app's state onto a frame. Only the visible rows of
//! the list are built; everything else is small.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row as TableRow, Table};
use unicode_width::UnicodeWidthStr;

use super::action::Action;
use super::app::{App, Focus};
use super::detail;
use super::keymap::Pane;
use super::overlay::{Compose, Composer, Overlay, Picker, Prompt, text_of};
use super::rows::Row;
use super::theme::Theme;
use crate::domain::model::StatusClass;
use crate::domain::time::humanize;

/// Lines above the panes (views and filter) and below (status and hints).
const TOP: u16 = 1;
const BOTTOM: u16 = 2;

struct Areas {
    top: Rect,
    list: Option<Rect>,
    detail: Option<Rect>,
    status: Rect,
    hints: Rect,
}

fn areas(app: &App, area: Rect) -> Areas {
    let [top, main, status, hints] = Layout::vertical([
        Constraint::Length(TOP),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(BOTTOM - 1),
    ])
    .areas(area);
    let (list, detail) = if app.wide() {
        let [l, d] = Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)])
            .areas(main);
        (Some(l), Some(d))
    } else if app.detail_open {
        (None, Some(main))
    } else {
        (Some(main), None)
    };
    Areas {
        top,
        list,
        detail,
        status,
        hints,
    }
}

/// Ticket rows the list shows at a terminal size (inside its border, below its header).
pub fn list_rows(_width: u16, height: u16) -> u16 {
    height.saturating_sub(TOP + BOTTOM + 3).max(1)
}

/// Text lines the detail pane shows.
pub fn detail_rows(app: &App) -> u16 {
    app.height.saturating_sub(TOP + BOTTOM + 2).max(1)
}

/// Columns of text in the detail pane.
pub fn detail_width(app: &App) -> u16 {
    let area = areas(app, Rect::new(0, 0, app.width, app.height));
    area.detail
        .map_or(app.width.saturating_sub(2), |d| d.width.saturating_sub(3))
}

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let a = areas(app, area);
    draw_top(frame, app, a.top);
    if let Some(list) = a.list {
        draw_list(frame, app, list);
    }
    if let Some(detail) = a.detail {
        draw_detail(frame, app, detail);
    }
    draw_status(frame, app, a.status);
    draw_hints(frame, app, a.hints);
    match &app.overlay {
        Some(Overlay::Help { scroll }) => draw_help(frame, app, area, *scroll),
        Some(Overlay::Filter { input, error }) => {
            // The whole message, however long: it names the column and what was expected.
            let message = error
                .as_ref()
                .map(|e| detail::wrap(&format!("✗ {e}"), usize::from(area.width.saturating_sub(2))))
                .unwrap_or_default();
            let h = 3 + message.len() as u16;
            let rect = Rect::new(area.x, area.y, area.width, h.min(area.height));
            frame.render_widget(Clear, rect);
            let block = Block::bordered()
                .title(" Filter — the query language; enter applies, esc leaves it as it was ")
                .border_style(app.theme().border(true));
            let inner = block.inner(rect);
            frame.render_widget(block, rect);
            let [input_area, error_area] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
            frame.render_widget(input, input_area);
            let lines: Vec<Line> = message
                .into_iter()
                .map(|l| Line::styled(l, app.theme().error()))
                .collect();
            frame.render_widget(Paragraph::new(lines), error_area);
        }
        Some(Overlay::Picker(p)) => draw_picker(frame, app, area, p),
        Some(Overlay::Prompt(p)) => draw_prompt(frame, app, area, p),
        Some(Overlay::Composer(c)) => draw_composer(frame, app, area, c),
        None => {}
    }
}

fn draw_top(frame: &mut Frame, app: &App, area: Rect) {
    let theme = app.theme();
    let mut spans = vec![Span::styled(" desk ", theme.title())];
    for (i, view) in app.settings.views.iter().enumerate() {
        let style = if app.view == Some(i) {
            theme.selected()
        } else {
            theme.dim()
        };
        spans.push(Span::styled(format!(" {} {} ", i + 1, view.name), style));
    }
    spans.push(Span::raw(" "));
    if app.query.is_empty() {
        spans.push(Span::styled("all tickets", theme.dim()));
    } else {
        spans.push(Span::styled("filter: ", theme.dim()));
        spans.push(Span::styled(app.query.clone(), theme.bold()));
    }
    let count = match app.rows.total {
        Some(n) => format!("{n} tickets"),
        None if app.rows.loaded => format!("{} tickets", app.rows.rows.len()),
        None => String::new(),
    };
    let marked = if app.rows.marked.is_empty() {
        String::new()
    } else {
        format!(" · {} marked", app.rows.marked.len())
    };
    let right = format!("{count}{marked} ");
    let used: usize = spans.iter().map(|s| s.content.width()).sum();
    let room = usize::from(area.width).saturating_sub(used + right.width());
    spans.push(Span::raw(" ".repeat(room)));
    spans.push(Span::styled(right, theme.bold()));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A column of the list: header, width, and whether it is wanted at this width.
struct Column {
    name: &'static str,
    width: u16,
}

fn columns(width: u16, key_width: u16) -> Vec<Column> {
    let col = |name, width| Column { name, width };
    let fixed = [
        col("", 2),
        col("Key", key_width),
        col("Priority", 8),
        col("Status", 13),
    ];
    let tail = [col("SLA", 9), col("Upd", 4)];
    // Who works it matters more than who asked, so the assignee goes last.
    let optional = [col("Assignee", 14), col("Requester", 16)];
    const TITLE_MIN: u16 = 20;
    let mut used: u16 = fixed.iter().chain(tail.iter()).map(|c| c.width + 1).sum();
    let mut chosen = Vec::new();
    for c in optional {
        if used + c.width + 1 + TITLE_MIN <= width {
            used += c.width + 1;
            chosen.push(c);
        }
    }
    let title = col("Title", width.saturating_sub(used).max(10));
    let mut out: Vec<Column> = fixed.into_iter().collect();
    out.push(title);
    chosen.reverse();
    out.extend(chosen);
    out.extend(tail);
    out
}

fn clip(s: &str, width: u16) -> String {
    let width = usize::from(width);
    if s.width() <= width {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        if out.width() + c.to_string().width() + 1 > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

fn sla_cell(row: &Row, now: i64, theme: &Theme) -> (String, Style) {
    if row.status_class == StatusClass::Done {
        return ("—".into(), theme.dim());
    }
    if row.paused {
        return ("paused".into(), theme.dim());
    }
    match row.time_left(now) {
        None => ("—".into(), theme.dim()),
        Some(left) if left < 0 => (format!("!{} late", humanize(-left)), theme.breached()),
        Some(left) if left < 4 * 3_600_000 => (humanize(left), theme.warning()),
        Some(left) => (humanize(left), theme.ok()),
    }
}

fn draw_list(frame: &mut Frame, app: &App, area: Rect) {
    let theme = app.theme();
    let focused = app.focus == Focus::List && app.overlay.is_none();
    let position = if app.rows.rows.is_empty() {
        String::new()
    } else {
        format!(
            " {}/{} ",
            app.rows.selected + 1,
            app.rows.total.unwrap_or(app.rows.rows.len() as i64)
        )
    };
    let block = Block::bordered()
        .title(Line::from(" Tickets "))
        .title_bottom(Line::from(position).right_aligned())
        .border_style(theme.border(focused));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if !app.rows.loaded {
        frame.render_widget(Paragraph::new(Line::styled("loading…", theme.dim())), inner);
        return;
    }
    if app.rows.rows.is_empty() {
        let text = if app.query.is_empty() {
            "no tickets yet: press N to file one".to_string()
        } else {
            "no tickets match this filter (0 shows all)".to_string()
        };
        frame.render_widget(Paragraph::new(Line::styled(text, theme.dim())), inner);
        return;
    }
    let height = usize::from(inner.height.saturating_sub(1));
    let start = app.rows.offset.min(app.rows.rows.len());
    let end = (start + height).min(app.rows.rows.len());
    let visible = &app.rows.rows[start..end];
    let key_width = visible
        .iter()
        .map(|r| r.key.width())
        .max()
        .unwrap_or(6)
        .max(6) as u16;
    let cols = columns(inner.width, key_width);
    let header = TableRow::new(cols.iter().map(|c| Cell::from(c.name))).style(theme.header());
    let rows = visible.iter().enumerate().map(|(i, row)| {
        let index = start + i;
        let cells = cols
            .iter()
            .map(|c| list_cell(app, row, c))
            .collect::<Vec<_>>();
        let mut style = Style::new();
        if app.rows.marked.contains(&row.key) {
            style = style.patch(theme.bold());
        }
        if index == app.rows.selected {
            style = style.patch(if focused || app.overlay.is_some() {
                theme.selected()
            } else {
                theme.selected().patch(theme.dim())
            });
        }
        TableRow::new(cells).style(style)
    });
    let widths: Vec<Constraint> = cols.iter().map(|c| Constraint::Length(c.width)).collect();
    let table = Table::new(rows, widths).header(header).column_spacing(1);
    frame.render_widget(table, inner);
}

fn list_cell<'a>(app: &App, row: &'a Row, col: &Column) -> Cell<'a> {
    let theme = app.theme();
    match col.name {
        "" => {
            let mark = if app.rows.marked.contains(&row.key) {
                '*'
            } else {
                ' '
            };
            let changed = if app.rows.changed.contains(&row.key) {
                '•'
            } else {
                ' '
            };
            Cell::from(format!("{mark}{changed}"))
        }
        "Key" => Cell::from(row.key.as_str()),
        "Priority" => Cell::from(Span::styled(
            clip(&row.priority, col.width),
            theme.priority(app.refs.priority_rank(&row.priority)),
        )),
        "Status" => Cell::from(clip(&app.refs.status_name(&row.status), col.width)),
        "Title" => Cell::from(clip(&row.title, col.width)),
        "Requester" => Cell::from(clip(&row.requester, col.width)),
        "Assignee" => Cell::from(Span::styled(
            clip(row.assignee.as_deref().unwrap_or("—"), col.width),
            if row.assignee.is_some() {
                theme.plain()
            } else {
                theme.dim()
            },
        )),
        "SLA" => {
            let (text, style) = sla_cell(row, app.now, theme);
            Cell::from(Span::styled(text, style))
        }
        _ => Cell::from(Span::styled(
            humanize((app.now - row.updated_at).max(0)),
            theme.dim(),
        )),
    }
}

fn draw_detail(frame: &mut Frame, app: &App, area: Rect) {
    let theme = app.theme();
    let focused = app.focus == Focus::Detail && app.overlay.is_none();
    let title = match &app.detail.key {
        Some(key) => format!(" {key} "),
        None => " Detail ".into(),
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .title(title)
        .border_style(theme.border(focused));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let inner = Rect {
        x: inner.x + 1,
        width: inner.width.saturating_sub(1),
        ..inner
    };
    let Some(view) = &app.detail.view else {
        let text = match (&app.detail.error, &app.detail.key) {
            (Some(e), _) => Line::styled(format!("✗ {e}"), theme.error()),
            (None, Some(_)) => Line::styled("loading…", theme.dim()),
            (None, None) => Line::styled("select a ticket", theme.dim()),
        };
        frame.render_widget(Paragraph::new(text), inner);
        return;
    };
    let mut lines = detail::lines(view, &app.refs, theme, inner.width, app.now);
    if let Some(e) = &app.detail.error {
        lines.insert(
            0,
            Line::styled(format!("✗ {e} (showing what was loaded)"), theme.error()),
        );
    }
    let max = lines.len().saturating_sub(usize::from(inner.height));
    let scroll = app.detail.scroll.min(max);
    let shown: Vec<Line> = lines
        .into_iter()
        .skip(scroll)
        .take(usize::from(inner.height))
        .collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

fn draw_status(frame: &mut Frame, app: &App, area: Rect) {
    let theme = app.theme();
    let mut spans = Vec::new();
    if app.sync.failures > 0 {
        spans.push(Span::styled("○ ", theme.error()));
    } else if app.info.online {
        spans.push(Span::styled("● online ", theme.ok()));
    } else {
        spans.push(Span::styled("● offline (local) ", theme.ok()));
    }
    spans.push(Span::styled(app.clock_text(), theme.dim()));
    spans.push(Span::styled(
        format!(" · {} ({})", app.info.user.name, app.info.user.role),
        theme.dim(),
    ));
    if let Some(notice) = &app.notice {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(
            notice.text.clone(),
            if notice.error {
                theme.error()
            } else {
                theme.bold()
            },
        ));
    } else if let Some(e) = &app.sync.last_error {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(e.clone(), theme.error()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_hints(frame: &mut Frame, app: &App, area: Rect) {
    let theme = app.theme();
    let pane = match &app.overlay {
        Some(Overlay::Help { .. }) => None,
        _ => Some(app.pane()),
    };
    let mut spans = Vec::new();
    let hints = match pane {
        Some(pane) => app.keymap().hints(pane),
        None => vec![("esc".into(), "close".into())],
    };
    for (key, what) in hints {
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::styled(format!(" {what}  "), theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// A bordered box over whatever is below it; returns its inside.
fn popup(frame: &mut Frame, app: &App, rect: Rect, title: &str) -> Rect {
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .title(format!(" {title} "))
        .border_style(app.theme().border(true));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    inner
}

fn draw_help(frame: &mut Frame, app: &App, area: Rect, scroll: usize) {
    let theme = app.theme();
    let rect = centered(area, 76, area.height.saturating_sub(2));
    let inner = popup(frame, app, rect, "Keys — any other key closes; j/k scroll");
    let mut lines = Vec::new();
    for pane in Pane::ALL {
        let bindings: Vec<_> = app
            .keymap()
            .all()
            .iter()
            .filter(|b| b.pane == pane)
            .collect();
        if bindings.is_empty() {
            continue;
        }
        lines.push(Line::styled(pane_heading(pane), theme.header()));
        for b in bindings {
            // The nine saved views read as one line when they have their digit keys.
            let (keys, what) = match b.actions.as_slice() {
                [Action::View(1)] if b.keys_text() == "1" => (
                    "1-9".to_string(),
                    "saved views 1 to 9 ([[views]] in the config)".to_string(),
                ),
                [Action::View(n)] if b.keys_text() == n.to_string() => continue,
                _ => (b.keys_text(), b.describe()),
            };
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<18}"), theme.key()),
                Span::raw(what),
            ]));
        }
    }
    let max = lines.len().saturating_sub(usize::from(inner.height));
    let shown: Vec<Line> = lines
        .into_iter()
        .skip(scroll.min(max))
        .take(usize::from(inner.height))
        .collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

fn pane_heading(pane: Pane) -> &'static str {
    match pane {
        Pane::Global => "Everywhere",
        Pane::Tickets => "On a ticket (list or detail)",
        Pane::List => "Ticket list",
        Pane::Detail => "Ticket detail",
        Pane::Filter => "Filter bar",
        Pane::Composer => "Composer",
        Pane::Picker => "Pickers",
        Pane::Prompt => "Prompts",
    }
}

fn draw_picker(frame: &mut Frame, app: &App, area: Rect, p: &Picker) {
    let theme = app.theme();
    let visible = p.visible();
    let height = (visible.len() as u16 + 4).clamp(6, area.height.saturating_sub(2));
    let inner = popup(frame, app, centered(area, 60, height), &p.title);
    let [input, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
    let typed = text_of(&p.filter);
    let prompt = if typed.is_empty() {
        Line::styled("type to narrow", theme.dim())
    } else {
        Line::from(vec![Span::styled("› ", theme.key()), Span::raw(typed)])
    };
    frame.render_widget(Paragraph::new(prompt), input);
    let rows = usize::from(list.height);
    let start = p.cursor.saturating_sub(rows.saturating_sub(1));
    let lines: Vec<Line> = visible
        .iter()
        .enumerate()
        .skip(start)
        .take(rows)
        .map(|(pos, &i)| {
            let item = &p.items[i];
            let check = match (p.multi, p.chosen.contains(&i)) {
                (true, true) => "[x] ",
                (true, false) => "[ ] ",
                _ => "",
            };
            let mut spans = vec![Span::raw(format!("{check}{}", item.label))];
            if !item.note.is_empty() {
                spans.push(Span::styled(format!("  {}", item.note), theme.dim()));
            }
            let line = Line::from(spans);
            if pos == p.cursor {
                line.style(theme.selected())
            } else {
                line
            }
        })
        .collect();
    if lines.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled("nothing matches", theme.dim())),
            list,
        );
    } else {
        frame.render_widget(Paragraph::new(lines), list);
    }
}

fn draw_prompt(frame: &mut Frame, app: &App, area: Rect, p: &Prompt) {
    let theme = app.theme();
    let inner = popup(frame, app, centered(area, 70, 5), &p.title);
    let [help, input] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(inner);
    frame.render_widget(
        Paragraph::new(Line::styled(p.help.clone(), theme.dim())),
        help,
    );
    frame.render_widget(&p.input, input);
}

fn draw_composer(frame: &mut Frame, app: &App, area: Rect, c: &Composer) {
    let theme = app.theme();
    let height = if c.form.is_some() {
        area.height.saturating_sub(4).max(8)
    } else {
        (area.height / 2).max(8)
    }
    .min(area.height.saturating_sub(2));
    let rect = Rect::new(
        area.x,
        area.y + area.height.saturating_sub(height + BOTTOM),
        area.width,
        height,
    );
    frame.render_widget(Clear, rect);
    let (title, style) = match &c.purpose {
        Compose::Comment { key } if c.internal => (
            format!(" {key} · INTERNAL NOTE (staff only) "),
            theme.internal(),
        ),
        Compose::Comment { key } => (
            format!(" {key} · public reply to the requester "),
            theme.bold(),
        ),
        Compose::Reject { keys } => (
            format!(
                " Reject {} · note to the requester (required) ",
                super::app::describe_keys(keys)
            ),
            theme.error(),
        ),
        Compose::NewTicket => (" New ticket ".to_string(), theme.bold()),
    };
    let status = if c.sending { " sending… " } else { "" };
    let block = Block::bordered()
        .title(Line::styled(title, style))
        .title_bottom(Line::from(status).right_aligned())
        .border_style(theme.border(true));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let mut text_area = inner;
    if let Some(form) = &c.form {
        let [title_row, cat_row, pri_row, _, rest] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(1),
        ])
        .areas(inner);
        let label = |i: usize, name: &str| {
            let style = if form.field == i {
                theme.key()
            } else {
                theme.dim()
            };
            Span::styled(format!("{name:<12}"), style)
        };
        let [l, r] =
            Layout::horizontal([Constraint::Length(12), Constraint::Min(1)]).areas(title_row);
        frame.render_widget(Paragraph::new(Line::from(label(0, "Title"))), l);
        frame.render_widget(&form.title, r);
        let choice = |i: usize, name: &str, value: Option<&str>| {
            Line::from(vec![
                label(i, name),
                Span::raw(format!("‹ {} ›", value.unwrap_or("—"))),
                Span::styled(
                    if form.field == i {
                        "  ←/→ to change"
                    } else {
                        ""
                    },
                    theme.dim(),
                ),
            ])
        };
        frame.render_widget(
            Paragraph::new(choice(1, "Category", form.category())),
            cat_row,
        );
        frame.render_widget(
            Paragraph::new(choice(2, "Priority", form.priority())),
            pri_row,
        );
        text_area = rest;
        if form.field != 3 {
            let [head, body] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(rest);
            frame.render_widget(
                Paragraph::new(Line::styled("Description (tab to reach it)", theme.dim())),
                head,
            );
            text_area = body;
        }
    }
    if c.confirm_discard {
        let [ask, rest] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(text_area);
        frame.render_widget(
            Paragraph::new(Line::styled(
                "Discard this draft?  y discard · k keep it for later · any other key: keep writing",
                theme.error(),
            )),
            ask,
        );
        text_area = rest;
    }
    frame.render_widget(&c.text, text_area);
}
