//! Plain-text tables for terminals and pipes.

use crate::domain::model::Ticket;
use crate::domain::{sla, time};

/// One line per ticket: key, priority, status, title, requester, assignee, SLA, updated.
pub fn tickets(list: &[Ticket], now: time::Millis) -> String {
    let rows: Vec<[String; 8]> = list
        .iter()
        .map(|t| {
            [
                t.key.clone(),
                t.priority.clone(),
                t.status.clone(),
                truncate(&t.title, 44),
                truncate(&t.requester.email, 26),
                t.assignee
                    .as_ref()
                    .map_or("-".into(), |a| truncate(&a.name, 16)),
                sla_cell(t, now),
                format!("{} ago", time::humanize(now - t.updated_at)),
            ]
        })
        .collect();
    let header = [
        "KEY",
        "PRIORITY",
        "STATUS",
        "TITLE",
        "REQUESTER",
        "ASSIGNEE",
        "SLA",
        "UPDATED",
    ];
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i > 0 {
                out.push_str("  ");
            }
            out.push_str(cell);
            if i + 1 < cells.len() {
                out.push_str(&" ".repeat(w - cell.chars().count()));
            }
        }
        out.push('\n');
        out
    };
    let mut out = line(&header.map(String::from));
    for row in &rows {
        out.push_str(&line(row));
    }
    out
}

/// `3h left`, `!2d over` (the `!` marks a breach without colour), or `paused`.
pub fn sla_cell(t: &Ticket, now: time::Millis) -> String {
    if sla::is_breached(t, now) {
        let over = sla::time_left(t, now).map_or(0, |left| -left);
        return format!("!{} over", time::humanize(over.max(0)));
    }
    match sla::time_left(t, now) {
        Some(left) => format!("{} left", time::humanize(left)),
        None if t.status_class == crate::domain::model::StatusClass::Done => "done".into(),
        None => "paused".into(),
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}
