//! `desk stats` and the reference lists: categories, priorities, statuses, users.

use crate::client::Desk;
use crate::domain::model::{Category, Priority, Status, User};
use crate::domain::requests::{Count, Series, Stats};
use crate::domain::time;

use super::fail::Outcome;
use super::output::{self, Format, ListFormat, Screen};
use super::table::{Cell, Column, Grid, Style};

/// Which list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    Categories,
    Priorities,
    Statuses,
    Users,
}

pub async fn list(desk: &dyn Desk, which: List, format: ListFormat) -> Outcome<String> {
    let format = format.format();
    match which {
        List::Categories => render(&desk.categories().await?, format, categories),
        List::Priorities => render(&desk.priorities().await?, format, priorities),
        List::Statuses => render(&desk.statuses().await?, format, statuses),
        List::Users => render(&desk.users().await?, format, users),
    }
}

/// A table's columns and cells.
type Rows = (&'static [Column], Vec<Vec<Cell>>);

/// A list as JSON, NDJSON, CSV or a table; `rows` gives the header and the cells.
fn render<T: serde::Serialize>(
    items: &[T],
    format: Format,
    rows: fn(&[T]) -> Rows,
) -> Outcome<String> {
    match format {
        Format::Json => output::json(items),
        Format::Ndjson => output::ndjson(items),
        Format::Csv => {
            let (columns, cells) = rows(items);
            let header: Vec<String> = columns
                .iter()
                .map(|c| c.header.to_lowercase().replace(' ', "_"))
                .collect();
            let header: Vec<&str> = header.iter().map(String::as_str).collect();
            let cells: Vec<Vec<String>> = cells
                .into_iter()
                .map(|r| {
                    r.into_iter()
                        // A dimmed dash is a missing value: empty in CSV.
                        .map(|c| match c.style {
                            Style::Dim => String::new(),
                            _ => c.text,
                        })
                        .collect()
                })
                .collect();
            Ok(output::csv(&header, &cells))
        }
        Format::Human => {
            let (columns, cells) = rows(items);
            let screen = Screen::detect();
            Ok(Grid {
                columns,
                rows: cells,
            }
            .render(screen.width, screen.colour))
        }
    }
}

fn hours(h: Option<f64>) -> Cell {
    match h {
        Some(h) => Cell::from(format!("{h}")),
        None => Cell::styled("-", Style::Dim),
    }
}

fn yes_no(b: bool) -> Cell {
    Cell::from(if b { "yes" } else { "no" })
}

const CATEGORY_COLUMNS: [Column; 6] = [
    Column::number("ID"),
    Column::fixed("NAME"),
    Column::fixed("APPROVAL"),
    Column::number("SLA HOURS"),
    Column::fixed("ACTIVE"),
    Column::flex("DESCRIPTION", 1, 10),
];

fn categories(list: &[Category]) -> Rows {
    let rows = list
        .iter()
        .map(|c| {
            vec![
                Cell::from(c.id.to_string()),
                Cell::from(c.name.as_str()),
                yes_no(c.requires_approval),
                hours(c.sla_hours),
                yes_no(c.active),
                Cell::from(c.description.as_str()),
            ]
        })
        .collect();
    (&CATEGORY_COLUMNS, rows)
}

const PRIORITY_COLUMNS: [Column; 6] = [
    Column::number("ID"),
    Column::number("RANK"),
    Column::fixed("NAME"),
    Column::number("RESPONSE HOURS"),
    Column::number("RESOLUTION HOURS"),
    Column::fixed("COLOR"),
];

fn priorities(list: &[Priority]) -> Rows {
    let rows = list
        .iter()
        .map(|p| {
            vec![
                Cell::from(p.id.to_string()),
                Cell::from(p.rank.to_string()),
                Cell::from(p.name.as_str()),
                hours(Some(p.response_hours)),
                hours(Some(p.resolution_hours)),
                Cell::from(p.color.as_str()),
            ]
        })
        .collect();
    (&PRIORITY_COLUMNS, rows)
}

const STATUS_COLUMNS: [Column; 4] = [
    Column::number("POSITION"),
    Column::fixed("KEY"),
    Column::fixed("NAME"),
    Column::fixed("CLASS"),
];

fn statuses(list: &[Status]) -> Rows {
    let rows = list
        .iter()
        .map(|s| {
            vec![
                Cell::from(s.position.to_string()),
                Cell::from(s.key.as_str()),
                Cell::from(s.name.as_str()),
                Cell::from(s.class.as_str()),
            ]
        })
        .collect();
    (&STATUS_COLUMNS, rows)
}

const USER_COLUMNS: [Column; 5] = [
    Column::number("ID"),
    Column::fixed("ROLE"),
    Column::fixed("ACTIVE"),
    Column::flex("NAME", 2, 8),
    Column::flex("EMAIL", 1, 12),
];

fn users(list: &[User]) -> Rows {
    let rows = list
        .iter()
        .map(|u| {
            vec![
                Cell::from(u.id.to_string()),
                Cell::from(u.role.as_str()),
                yes_no(u.active),
                Cell::from(u.name.as_str()),
                Cell::from(u.email.as_str()),
            ]
        })
        .collect();
    (&USER_COLUMNS, rows)
}

#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// Print only the per-day series (with --json: the API's `/stats/series` answer).
    #[arg(long)]
    pub series: bool,
    /// Days the series covers, today included (1 to 90).
    #[arg(long, default_value_t = 14, value_name = "N")]
    pub days: u32,
    /// Count only the tickets matching this query in the series.
    #[arg(long, short = 'q', default_value = "", value_name = "QUERY")]
    pub query: String,
    /// Print JSON: the same shape as the HTTP API.
    #[arg(long)]
    pub json: bool,
}

pub async fn stats(desk: &dyn Desk, args: StatsArgs) -> Outcome<String> {
    if args.series {
        let series = desk.stats_series(&args.query, args.days).await?;
        if args.json {
            return output::json(&series);
        }
        return Ok(series_text(&series));
    }
    let stats = desk.stats().await?;
    if args.json {
        return output::json(&stats);
    }
    let series = desk.stats_series(&args.query, args.days).await?;
    Ok(format!(
        "{}\n{}",
        stats_text(&stats, time::now()),
        series_text(&series)
    ))
}

/// "created   ▁▃█▂  41 in 14 days", one line per series.
fn series_text(series: &Series) -> String {
    let (Some(first), Some(last)) = (series.days.first(), series.days.last()) else {
        return String::new();
    };
    let scope = if series.q.is_empty() {
        String::new()
    } else {
        format!(", {}", super::table::clean(&series.q))
    };
    let mut out = format!("PER DAY ({} to {}{scope})\n", first.date, last.date);
    let days = series.days.len();
    for (name, values) in [
        (
            "created",
            series.days.iter().map(|d| d.created).collect::<Vec<_>>(),
        ),
        ("resolved", series.days.iter().map(|d| d.resolved).collect()),
    ] {
        let total: i64 = values.iter().sum();
        out.push_str(&format!(
            "  {name:<10}{}  {total} in {days} days, {} today\n",
            sparkline(&values),
            values.last().copied().unwrap_or(0)
        ));
    }
    out
}

/// Eight heights of block, scaled to the largest value; zero is a space-like low bar.
fn sparkline(values: &[i64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    values
        .iter()
        .map(|&v| {
            if v <= 0 {
                ' '
            } else {
                let i = ((v * 7 + max - 1) / max).clamp(0, 7) as usize;
                BARS[i]
            }
        })
        .collect()
}

fn stats_text(s: &Stats, now: time::Millis) -> String {
    let mut out = String::new();
    let mut line = |name: &str, value: String| out.push_str(&format!("{name:<18}{value}\n"));
    line("tickets", s.total.to_string());
    line("open", s.open.to_string());
    line("pending", s.pending.to_string());
    line("done", s.done.to_string());
    line("past their SLA", s.breached.to_string());
    line("open, unassigned", s.unassigned_open.to_string());
    if let Some(at) = s.oldest_open_at {
        line(
            "oldest open",
            format!(
                "{} ({} ago)",
                time::to_rfc3339(at),
                time::humanize(now - at)
            ),
        );
    }
    for (title, counts) in [
        ("BY STATUS", &s.by_status),
        ("BY PRIORITY", &s.by_priority),
        ("BY CATEGORY", &s.by_category),
        ("BY ASSIGNEE", &s.by_assignee),
    ] {
        out.push('\n');
        out.push_str(&counts_text(title, counts));
    }
    out
}

fn counts_text(title: &str, counts: &[Count]) -> String {
    let wide = counts
        .iter()
        .map(|c| c.name.chars().count())
        .chain([title.chars().count()])
        .max()
        .unwrap_or(0);
    let mut out = format!("{title}\n");
    for c in counts {
        out.push_str(&format!(
            "  {:<wide$}  {:>6}\n",
            super::table::clean(&c.name),
            c.count
        ));
    }
    out
}
