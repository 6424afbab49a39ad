//! A ticket as lines of text for the detail pane: its fields, description, custom fields
//! and one timeline of comments and events, wrapped to a width. Built from the ticket and
//! the clock, so the pane is a pure function of state.

use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use crate::domain::attachment::{Attachment, human_size};
use crate::domain::model::Visibility;
use crate::domain::requests::{TicketView, TimelineEntry};
use crate::domain::time::{Millis, humanize};
use crate::present::{SlaState, event_text, sla_long};
use crate::store::outbox::Delivery;

use crate::tui::refs::Reference;
use crate::tui::theme::Theme;

/// "3h ago". Every stamp shown is in the past; one a little ahead of the screen's clock
/// (it ticks once a second, and a server's clock may run ahead of this machine's) is
/// "just now", not "in 7s".
pub fn ago(at: Millis, now: Millis) -> String {
    if now >= at {
        format!("{} ago", humanize(now - at))
    } else {
        "just now".to_string()
    }
}

/// Every line of the pane for a ticket, wrapped to `width` columns.
pub fn lines(
    view: &TicketView,
    sent: &[Delivery],
    refs: &Reference,
    theme: &Theme,
    width: u16,
    now: Millis,
) -> Vec<Line<'static>> {
    let width = usize::from(width.max(20));
    let t = &view.ticket;
    let mut out: Vec<Line<'static>> = Vec::new();
    let lead = format!("{}  ", t.key);
    for (i, part) in wrap(&t.title, width.saturating_sub(lead.width()).max(10))
        .into_iter()
        .enumerate()
    {
        let head = if i == 0 {
            Span::styled(lead.clone(), theme.key())
        } else {
            Span::raw(" ".repeat(lead.width()))
        };
        out.push(Line::from(vec![head, Span::styled(part, theme.title())]));
    }
    let field = |name: &str, value: String| {
        vec![
            Span::styled(format!("{name}: "), theme.dim()),
            Span::raw(value),
            Span::raw("   "),
        ]
    };
    let mut spans = field("Status", refs.status_name(&t.status));
    spans.extend(field("Priority", t.priority.clone()));
    out.push(Line::from(spans));
    out.push(Line::from(field("Category", t.category.clone())));
    let requester = match &t.requester.name {
        Some(name) if !name.trim().is_empty() => format!("{name} <{}>", t.requester.email),
        _ => t.requester.email.clone(),
    };
    out.push(Line::from(field("Requester", requester)));
    let assignee = t.assignee.as_ref().map_or_else(
        || "nobody".to_string(),
        |a| format!("{} <{}>", a.name, a.email),
    );
    out.push(Line::from(field("Assignee", assignee)));
    if !t.tags.is_empty() {
        out.push(Line::from(field("Tags", t.tags.join(", "))));
    }
    let state = SlaState::of(t, now);
    let (sla, breached) = (sla_long(state), state.breached());
    out.push(Line::from(vec![
        Span::styled("SLA: ", theme.dim()),
        Span::styled(
            sla,
            if breached {
                theme.breached()
            } else {
                theme.plain()
            },
        ),
        Span::styled(
            format!(
                "   opened {}, updated {}",
                ago(t.created_at, now),
                ago(t.updated_at, now)
            ),
            theme.dim(),
        ),
    ]));
    if !t.custom_fields.is_empty() {
        out.push(Line::default());
        out.push(Line::styled("Fields", theme.header()));
        for (name, value) in &t.custom_fields {
            if value.is_object() || value.as_array().is_some_and(|a| !all_scalars(a)) {
                // Structured values read as nested lines (and lists of records as a
                // small table), not as one JSON string wrapped over many lines.
                out.push(Line::raw(format!("  {name}:")));
                for line in json_lines(value) {
                    push_wrapped(&mut out, "    ", &line, width, theme);
                }
                continue;
            }
            let text = crate::domain::model::custom_field_text(value);
            let prefix = format!("  {name}: ");
            push_wrapped(&mut out, &prefix, &text, width, theme);
        }
    }
    out.push(Line::default());
    out.push(Line::styled("Description", theme.header()));
    if t.description.trim().is_empty() {
        out.push(Line::styled("  (none)", theme.dim()));
    } else {
        for paragraph in t.description.lines() {
            push_wrapped(&mut out, "  ", paragraph, width, theme);
        }
    }
    if !view.attachments.is_empty() {
        out.push(Line::default());
        out.push(Line::styled("Files", theme.header()));
        for a in &view.attachments {
            out.push(file_line("  ", a, width, theme));
        }
    }
    out.push(Line::default());
    out.push(Line::styled("Timeline", theme.header()));
    // Notifications go in at their time, between the comments and events that caused them.
    let mut sent = sent.iter().peekable();
    for entry in view.timeline() {
        let at = match &entry {
            TimelineEntry::Comment(c) => c.created_at,
            TimelineEntry::Event(e) => e.at,
        };
        while let Some(d) = sent.next_if(|d| d.created_at < at) {
            push_sent(&mut out, d, width, now, theme);
        }
        match entry {
            TimelineEntry::Comment(c) => {
                let who = c.author_name();
                let internal = c.visibility == Visibility::Internal;
                let mut head = vec![
                    Span::styled(format!("{:>8}  ", ago(c.created_at, now)), theme.dim()),
                    Span::styled(who, theme.bold()),
                ];
                if internal {
                    head.push(Span::styled(" [internal note]", theme.internal()));
                } else {
                    head.push(Span::raw(" commented"));
                }
                out.push(Line::from(head));
                for paragraph in c.body.lines() {
                    let style = if internal {
                        theme.internal()
                    } else {
                        theme.plain()
                    };
                    push_wrapped_styled(&mut out, "          │ ", paragraph, width, style, theme);
                }
                for a in &c.attachments {
                    out.push(file_line("          │ ", a, width, theme));
                }
            }
            TimelineEntry::Event(e) => {
                let who = e
                    .actor
                    .as_ref()
                    .map_or_else(|| "desk".to_string(), |a| a.name.clone());
                let internal = e.visibility == Visibility::Internal;
                let mark = if internal { " [internal]" } else { "" };
                let text = format!("{who} {}{mark}", event_text(e, |k| refs.status_name(k)));
                // Wrapped under the time, so a narrow pane shows it all.
                let lead = format!("{:>8}  ", ago(e.at, now));
                let room = width.saturating_sub(lead.width()).max(10);
                for (i, part) in wrap(&text, room).into_iter().enumerate() {
                    let mut spans = vec![if i == 0 {
                        Span::styled(lead.clone(), theme.dim())
                    } else {
                        Span::raw(" ".repeat(lead.width()))
                    }];
                    let (body, marked) = match part.strip_suffix(mark) {
                        Some(body) if internal => (body.to_string(), true),
                        _ => (part, false),
                    };
                    match body.strip_prefix(&who).filter(|_| i == 0) {
                        Some(rest) => {
                            spans.push(Span::styled(who.clone(), theme.bold()));
                            spans.push(Span::raw(rest.to_string()));
                        }
                        None => spans.push(Span::raw(body)),
                    }
                    if marked {
                        spans.push(Span::styled(mark, theme.internal()));
                    }
                    out.push(Line::from(spans));
                }
                if let Some(note) = e.note.as_deref().filter(|n| !n.trim().is_empty()) {
                    for paragraph in note.lines() {
                        push_wrapped(&mut out, "          » ", paragraph, width, theme);
                    }
                }
            }
        }
    }
    for d in sent {
        push_sent(&mut out, d, width, now, theme);
    }
    out
}

fn all_scalars(items: &[serde_json::Value]) -> bool {
    items.iter().all(|v| !v.is_object() && !v.is_array())
}

fn scalar_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "—".into(),
        other => other.to_string(),
    }
}

/// A structured field value as lines: `key: value` per member (nested ones indented),
/// a list of records with the same keys as a table, other lists as `- ` items.
pub fn json_lines(value: &serde_json::Value) -> Vec<String> {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut out = Vec::new();
            for (k, v) in map {
                match v {
                    Value::Object(_) | Value::Array(_)
                        if !v.as_array().is_some_and(|a| all_scalars(a)) =>
                    {
                        out.push(format!("{k}:"));
                        out.extend(json_lines(v).into_iter().map(|l| format!("  {l}")));
                    }
                    Value::Array(items) => out.push(format!(
                        "{k}: {}",
                        items.iter().map(scalar_text).collect::<Vec<_>>().join(", ")
                    )),
                    scalar => out.push(format!("{k}: {}", scalar_text(scalar))),
                }
            }
            out
        }
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => {
            let mut columns: Vec<&String> = Vec::new();
            for item in items {
                for k in item.as_object().into_iter().flat_map(|o| o.keys()) {
                    if !columns.contains(&k) {
                        columns.push(k);
                    }
                }
            }
            let flat = items.iter().all(|i| {
                i.as_object()
                    .is_some_and(|o| o.values().all(|v| !v.is_object() && !v.is_array()))
            });
            if !flat || columns.len() > 6 {
                return items
                    .iter()
                    .flat_map(|i| {
                        let mut lines = json_lines(i);
                        if let Some(first) = lines.first_mut() {
                            *first = format!("- {first}");
                        }
                        for l in lines.iter_mut().skip(1) {
                            *l = format!("  {l}");
                        }
                        lines
                    })
                    .collect();
            }
            let cell = |item: &Value, col: &str| {
                let text = item.get(col).map(scalar_text).unwrap_or_default();
                text.chars().take(40).collect::<String>()
            };
            let widths: Vec<usize> = columns
                .iter()
                .map(|c| {
                    items
                        .iter()
                        .map(|i| cell(i, c).width())
                        .chain([c.width()])
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let row = |cells: Vec<String>| {
                cells
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| format!("{c}{}", " ".repeat(w.saturating_sub(c.width()))))
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_string()
            };
            let mut out = vec![row(columns.iter().map(|c| c.to_string()).collect())];
            for item in items {
                out.push(row(columns.iter().map(|c| cell(item, c)).collect()));
            }
            out
        }
        Value::Array(items) => items
            .iter()
            .map(|i| format!("- {}", scalar_text(i)))
            .collect(),
        scalar => vec![scalar_text(scalar)],
    }
}

/// "emailed jane@example.com: Your request TKT-9 was approved", with how it went when
/// it has not (yet) arrived.
fn push_sent(out: &mut Vec<Line<'static>>, d: &Delivery, width: usize, now: Millis, theme: &Theme) {
    let what = match d.channel.as_str() {
        "email" => format!("emailed {}: {}", d.recipient, d.subject),
        _ => format!("webhook {} to {}", d.subject, d.recipient),
    };
    let how = match (d.status.as_str(), d.last_error.as_deref()) {
        ("delivered", _) => String::new(),
        ("pending", _) => " (sending)".into(),
        (status, Some(e)) => format!(" ({status}: {e})"),
        (status, None) => format!(" ({status})"),
    };
    let style = if d.status == "delivered" || d.status == "pending" {
        theme.dim()
    } else {
        theme.warning()
    };
    let lead = format!("{:>8}  ", ago(d.created_at, now));
    let room = width.saturating_sub(lead.width()).max(10);
    for (i, part) in wrap(&format!("{what}{how}"), room).into_iter().enumerate() {
        let head = if i == 0 {
            Span::styled(lead.clone(), theme.dim())
        } else {
            Span::raw(" ".repeat(lead.width()))
        };
        out.push(Line::from(vec![head, Span::styled(part, style)]));
    }
}

/// "📎 deed.pdf  284 KiB  application/pdf", the name cut to fit.
fn file_line(prefix: &str, a: &Attachment, width: usize, theme: &Theme) -> Line<'static> {
    let about = format!("  {}  {}", human_size(a.size.max(0) as u64), a.media_type);
    let room = width
        .saturating_sub(prefix.width() + about.width() + 14)
        .max(8);
    let name = wrap(&a.name, room).into_iter().next().unwrap_or_default();
    let name = if name.width() < a.name.width() {
        format!("{name}…")
    } else {
        name
    };
    let mut spans = vec![
        Span::styled(prefix.to_string(), theme.dim()),
        Span::raw(format!("📎 {name}")),
        Span::styled(about, theme.dim()),
    ];
    if a.visibility == Visibility::Internal {
        spans.push(Span::styled(" [internal]", theme.internal()));
    }
    Line::from(spans)
}

fn push_wrapped(
    out: &mut Vec<Line<'static>>,
    prefix: &str,
    text: &str,
    width: usize,
    theme: &Theme,
) {
    push_wrapped_styled(out, prefix, text, width, theme.plain(), theme);
}

fn push_wrapped_styled(
    out: &mut Vec<Line<'static>>,
    prefix: &str,
    text: &str,
    width: usize,
    style: ratatui::style::Style,
    theme: &Theme,
) {
    let room = width.saturating_sub(prefix.width()).max(10);
    let indent = " ".repeat(prefix.width());
    for (i, line) in wrap(text, room).into_iter().enumerate() {
        let lead = if i == 0 {
            prefix.to_string()
        } else {
            indent.clone()
        };
        out.push(Line::from(vec![
            Span::styled(lead, theme.dim()),
            Span::styled(line, style),
        ]));
    }
}

/// The window of `lines` that fits `height` rows from `scroll` (kept in range).
pub fn window(lines: Vec<Line<'static>>, scroll: usize, height: u16) -> Vec<Line<'static>> {
    let max = lines.len().saturating_sub(usize::from(height));
    lines
        .into_iter()
        .skip(scroll.min(max))
        .take(usize::from(height))
        .collect()
}

/// Greedy word wrap by display width; a word longer than the line is cut.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_string();
        loop {
            let needed = if line.is_empty() {
                word.width()
            } else {
                line.width() + 1 + word.width()
            };
            if needed <= width {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // A single word wider than the line: cut it.
            let mut head = String::new();
            let mut rest = String::new();
            for c in word.chars() {
                if rest.is_empty() && head.width() + c.to_string().width() <= width {
                    head.push(c);
                } else {
                    rest.push(c);
                }
            }
            lines.push(head);
            word = rest;
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structured_fields_read_as_lines_and_records_as_a_table() {
        let documents = serde_json::json!([
            {"name": "kebele_id.pdf", "size": 284512, "type": "application/pdf"},
            {"name": "title_deed.pdf", "size": 1048576, "type": "application/pdf"},
        ]);
        assert_eq!(
            json_lines(&documents),
            [
                "name            size     type",
                "kebele_id.pdf   284512   application/pdf",
                "title_deed.pdf  1048576  application/pdf",
            ]
        );
        let trip = serde_json::json!({
            "destination": "Palawan",
            "travelers": 2,
            "itinerary": [{"day": 1, "places": ["El Nido", "Nacpan"]}],
            "tags": ["beach", "island"],
        });
        assert_eq!(
            json_lines(&trip),
            [
                "destination: Palawan",
                "itinerary:",
                "  - day: 1",
                "    places: El Nido, Nacpan",
                "tags: beach, island",
                "travelers: 2",
            ]
        );
    }

    #[test]
    fn wrap_breaks_at_words_and_cuts_only_words_too_long() {
        assert_eq!(
            wrap("the quick brown fox", 9),
            vec!["the quick", "brown fox"]
        );
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 10), vec![""]);
    }
}
