//! The dashboard: the current filter's tickets by status and priority, created and
//! resolved per day, the SLA (breached now, due within the hour, the rate met over the
//! period), approvals waiting and how long the oldest has, and each agent's load and
//! oldest ticket. Every number is a query: Enter on it opens the list filtered to it.
//! Its numbers come from counts over indexes (`/tickets/count`, `/stats/series`) and
//! one-ticket pages in a `sort:` order (the oldest), never from reading every ticket,
//! and are asked for again when the change feed says something changed.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Direction, Layout as Split, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Gauge, Paragraph, Sparkline, Widget};

use crate::client::DeskError;
use crate::domain::requests::Series;
use crate::tui::action::Action;
use crate::tui::context::Context;
use crate::tui::protocol::{Call, Effect};

/// From this inner width the dashboard has two columns.
const WIDE: u16 = 100;

/// One number on the dashboard and the list it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub label: String,
    pub count: i64,
    pub query: String,
    /// Since when the oldest of them has waited (see [`Oldest`]), when asked.
    pub oldest: Option<crate::domain::time::Millis>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Status,
    Priority,
    Attention,
    /// Resolved in the period, and those that missed a target: the met rate.
    Sla,
    Workload,
}

/// Which wait an item shows beside its count: found as the first ticket of its query
/// in a `sort:` order, one ticket read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oldest {
    /// Untouched the longest (`sort:updated`): an approval waiting.
    Untouched,
    /// Open the longest (`sort:created`): an agent's oldest ticket.
    Filed,
}

impl Oldest {
    pub fn sort(self) -> &'static str {
        match self {
            Oldest::Untouched => "sort:updated",
            Oldest::Filed => "sort:created",
        }
    }

    /// The instant the wait is counted from.
    pub fn since(self, ticket: &crate::domain::model::Ticket) -> crate::domain::time::Millis {
        match self {
            Oldest::Untouched => ticket.updated_at,
            Oldest::Filed => ticket.created_at,
        }
    }
}

/// What the desk said for one filter.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub items: Vec<(Section, Item)>,
    pub series: Series,
}

/// What the worker needs to ask: the names to count by.
#[derive(Debug, Clone, PartialEq)]
pub struct Ask {
    pub query: String,
    /// Status keys and names, in workflow order.
    pub statuses: Vec<(String, String)>,
    pub priorities: Vec<String>,
    /// Agents and supervisors: name and email.
    pub staff: Vec<(String, String)>,
    pub days: u32,
}

/// `query` narrowed by `term`.
pub fn and(query: &str, term: &str) -> String {
    if query.trim().is_empty() {
        term.to_string()
    } else {
        format!("{} {term}", query.trim())
    }
}

/// A count the desk's own counters (`/stats`) already hold, for the whole desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known {
    Status(String),
    /// Not done, by priority name.
    Priority(String),
    /// Not done, by assignee email.
    Assignee(String),
    /// Not done and nobody on it (the assignee counter's unassigned row).
    Unassigned,
    Breached,
}

/// One count the dashboard shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub section: Section,
    pub label: String,
    pub query: String,
    /// Where `/stats` has it when the filter is empty.
    pub known: Option<Known>,
    pub oldest: Option<Oldest>,
}

impl Ask {
    /// Every count the dashboard shows, with its section and label.
    pub fn counts(&self) -> Vec<Wanted> {
        let q = &self.query;
        let want = |section, label: String, query: String, known| Wanted {
            section,
            label,
            query,
            known,
            oldest: None,
        };
        let mut out = Vec::new();
        for (key, name) in &self.statuses {
            out.push(want(
                Section::Status,
                name.clone(),
                and(q, &format!("status:{key}")),
                Some(Known::Status(key.clone())),
            ));
        }
        for name in &self.priorities {
            out.push(want(
                Section::Priority,
                name.clone(),
                and(q, &format!("-status:done priority:\"{name}\"")),
                Some(Known::Priority(name.clone())),
            ));
        }
        out.push(want(
            Section::Attention,
            "past their SLA".into(),
            and(q, "sla:breached"),
            Some(Known::Breached),
        ));
        out.push(want(
            Section::Attention,
            "due within the hour".into(),
            and(q, "sla:ok due:<1h"),
            None,
        ));
        out.push(want(
            Section::Attention,
            "not done, nobody on it".into(),
            and(q, "-status:done assignee:none"),
            Some(Known::Unassigned),
        ));
        out.push(want(
            Section::Attention,
            "awaiting approval".into(),
            and(
                q,
                &format!("status:{}", crate::domain::workflow::UNDER_REVIEW),
            ),
            Some(Known::Status(crate::domain::workflow::UNDER_REVIEW.into())),
        ));
        if let Some(last) = out.last_mut() {
            last.oldest = Some(Oldest::Untouched);
        }
        let days = self.days;
        out.push(want(
            Section::Sla,
            format!("resolved, last {days} days"),
            and(q, &format!("resolved:<{days}d")),
            None,
        ));
        out.push(want(
            Section::Sla,
            "of them late".into(),
            and(q, &format!("resolved:<{days}d sla:missed")),
            None,
        ));
        for (name, email) in &self.staff {
            out.push(Wanted {
                oldest: Some(Oldest::Filed),
                ..want(
                    Section::Workload,
                    format!("{name}: to do"),
                    and(q, &format!("assignee:{email} -status:done")),
                    Some(Known::Assignee(email.clone())),
                )
            });
            out.push(want(
                Section::Workload,
                format!("{name}: late"),
                and(q, &format!("assignee:{email} sla:breached")),
                None,
            ));
        }
        out
    }
}

impl Known {
    /// The count from the desk's counters.
    pub fn from(&self, stats: &crate::domain::requests::Stats) -> i64 {
        let find = |list: &[crate::domain::requests::Count], name: &str| {
            list.iter().find(|c| c.name == name).map_or(0, |c| c.count)
        };
        match self {
            Known::Status(key) => find(&stats.by_status, key),
            Known::Priority(name) => find(&stats.open_by_priority, name),
            Known::Assignee(email) => find(&stats.by_assignee, email),
            Known::Unassigned => find(&stats.by_assignee, crate::domain::requests::UNASSIGNED),
            Known::Breached => stats.breached,
        }
    }
}

#[derive(Debug, Default)]
pub struct Dashboard {
    /// The filter it was opened on.
    pub query: String,
    pub figures: Option<Figures>,
    pub error: Option<String>,
    pub selected: usize,
    loading: bool,
    /// Asked again while a load was out.
    again: bool,
}

impl Dashboard {
    /// Over the tickets `query` matches, in whatever order: the list's `sort:` term
    /// does not count, and the dashboard's own queries add theirs.
    pub fn new(query: &str) -> Dashboard {
        let query = match crate::domain::query::parse(query) {
            Ok(q) => q.with_sort(None).to_string(),
            Err(_) => query.to_string(),
        };
        Dashboard {
            query,
            ..Dashboard::default()
        }
    }

    /// Asks for the figures, unless a request is out (then once more after it).
    pub fn load(&mut self, ctx: &Context) -> Vec<Effect> {
        if self.loading {
            self.again = true;
            return Vec::new();
        }
        self.loading = true;
        let refs = &ctx.refs;
        let ask = Ask {
            query: self.query.clone(),
            statuses: refs
                .statuses
                .iter()
                .map(|s| (s.key.clone(), s.name.clone()))
                .collect(),
            priorities: refs.priorities.iter().map(|p| p.name.clone()).collect(),
            staff: refs
                .users
                .iter()
                .filter(|u| u.active && u.role.is_staff())
                .map(|u| (u.name.clone(), u.email.clone()))
                .collect(),
            days: if ctx.layout.wide() { 30 } else { 14 },
        };
        vec![Call::Dashboard(ask).into()]
    }

    /// The desk answered; more effects when another load was asked for meanwhile.
    pub fn loaded(&mut self, result: Result<Figures, DeskError>, ctx: &Context) -> Vec<Effect> {
        self.loading = false;
        match result {
            Ok(figures) => {
                self.selected = self.selected.min(figures.items.len().saturating_sub(1));
                self.figures = Some(figures);
                self.error = None;
            }
            Err(e) => self.error = Some(e.to_string()),
        }
        if std::mem::take(&mut self.again) {
            return self.load(ctx);
        }
        Vec::new()
    }

    /// Moves the selection; true when the action was a move.
    pub fn act(&mut self, action: Action) -> bool {
        let n = self.figures.as_ref().map_or(0, |f| f.items.len());
        if n == 0 {
            return matches!(
                action,
                Action::Up | Action::Down | Action::Top | Action::Bottom
            );
        }
        self.selected = match action {
            Action::Up => self.selected.saturating_sub(1),
            Action::Down => (self.selected + 1).min(n - 1),
            Action::Top => 0,
            Action::Bottom => n - 1,
            Action::HalfPageDown => (self.selected + 5).min(n - 1),
            Action::HalfPageUp => self.selected.saturating_sub(5),
            _ => return false,
        };
        true
    }

    /// The number under the cursor.
    pub fn chosen(&self) -> Option<&Item> {
        self.figures
            .as_ref()
            .and_then(|f| f.items.get(self.selected))
            .map(|(_, item)| item)
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Context) {
        let theme = ctx.theme();
        let title = if self.query.is_empty() {
            " Dashboard — every ticket ".to_string()
        } else {
            format!(" Dashboard — {} ", self.query)
        };
        let block = Block::bordered()
            .title(title)
            .border_style(theme.border(true));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let Some(figures) = &self.figures else {
            let text = match &self.error {
                Some(e) => Line::styled(format!("cannot load the figures: {e}"), theme.error()),
                None => Line::styled("loading…", theme.dim()),
            };
            frame.render_widget(Paragraph::new(text), inner);
            return;
        };
        let needed = Self::height(figures, inner.width);
        if needed <= inner.height {
            self.figures(frame.buffer_mut(), inner, ctx, figures);
            return;
        }
        // Too short for everything (one column at 80x24): drawn whole off screen, and
        // the window that holds the selected number is shown, its heading above it.
        let tall = Rect::new(0, 0, inner.width, needed);
        let mut scratch = Buffer::empty(tall);
        let selected = self.figures(&mut scratch, tall, ctx, figures).unwrap_or(0);
        let offset = (selected + 2)
            .saturating_sub(inner.height)
            .min(needed - inner.height);
        let buf = frame.buffer_mut();
        for y in 0..inner.height {
            for x in 0..inner.width {
                buf[(inner.x + x, inner.y + y)] = scratch[(x, y + offset)].clone();
            }
        }
    }

    /// The figures' items in one section, with their places in the selection order.
    fn section(figures: &Figures, s: Section) -> Vec<(usize, &Item)> {
        figures
            .items
            .iter()
            .enumerate()
            .filter(|(_, (sec, _))| *sec == s)
            .map(|(i, (_, item))| (i, item))
            .collect()
    }

    /// Rows the whole dashboard takes at this width.
    fn height(figures: &Figures, width: u16) -> u16 {
        let tall = |s: Section| Self::section(figures, s).len() as u16 + 1;
        let left = tall(Section::Status) + tall(Section::Priority);
        let right = 3 + tall(Section::Attention) + tall(Section::Sla) + 1 + tall(Section::Workload);
        if width >= WIDE {
            left.max(right)
        } else {
            left + right
        }
    }

    /// Draws every section into `area`; the row the selected number is on.
    fn figures(
        &self,
        buf: &mut Buffer,
        area: Rect,
        ctx: &Context,
        figures: &Figures,
    ) -> Option<u16> {
        let section = |s: Section| Self::section(figures, s);
        let (status, priority, attention, sla, workload) = (
            section(Section::Status),
            section(Section::Priority),
            section(Section::Attention),
            section(Section::Sla),
            section(Section::Workload),
        );
        let tall = |items: &[(usize, &Item)]| items.len() as u16 + 1;
        // Two columns side by side when there is room, else one under the other.
        let (left, right) = if area.width >= WIDE {
            let [l, r] =
                Split::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                    .spacing(2)
                    .areas(area);
            (l, r)
        } else {
            let [l, r] = Split::vertical([
                Constraint::Length(tall(&status) + tall(&priority)),
                Constraint::Min(0),
            ])
            .areas(area);
            (l, r)
        };
        let [status_area, priority_area] = Split::vertical([
            Constraint::Length(tall(&status)),
            Constraint::Length(tall(&priority)),
        ])
        .areas(left);
        let [series_area, attention_area, sla_area, workload_area] = Split::vertical([
            Constraint::Length(3),
            Constraint::Length(tall(&attention)),
            Constraint::Length(tall(&sla) + 1),
            Constraint::Min(0),
        ])
        .areas(right);
        self.series(buf, series_area, ctx, &figures.series);
        [
            self.bars(buf, status_area, ctx, "By status", &status),
            self.bars(buf, priority_area, ctx, "Open, by priority", &priority),
            self.bars(buf, attention_area, ctx, "Needs attention", &attention),
            self.met_rate(buf, sla_area, ctx, &sla, figures.series.days.len()),
            self.bars(buf, workload_area, ctx, "Per agent", &workload),
        ]
        .into_iter()
        .flatten()
        .next()
    }

    /// The SLA met rate over the period as a gauge, over its two numbers.
    fn met_rate(
        &self,
        buf: &mut Buffer,
        area: Rect,
        ctx: &Context,
        items: &[(usize, &Item)],
        days: usize,
    ) -> Option<u16> {
        let (Some((_, resolved)), Some((_, late))) = (items.first(), items.get(1)) else {
            return None;
        };
        if area.height < 2 {
            return None;
        }
        let theme = ctx.theme();
        let [gauge_area, rest] =
            Split::vertical([Constraint::Length(2), Constraint::Min(0)]).areas(area);
        let [head, bar] = Split::vertical([Constraint::Length(1); 2]).areas(gauge_area);
        Paragraph::new(Line::styled(
            format!("SLA met, the last {days} days"),
            theme.header(),
        ))
        .render(head, buf);
        let met = (resolved.count - late.count).max(0);
        let (ratio, label) = if resolved.count > 0 {
            let ratio = met as f64 / resolved.count as f64;
            (
                ratio,
                format!("{:.0}% ({met} of {})", ratio * 100.0, resolved.count),
            )
        } else {
            (0.0, "nothing resolved".to_string())
        };
        let style = match ratio {
            _ if resolved.count == 0 => theme.dim(),
            r if r >= 0.9 => theme.ok(),
            r if r >= 0.7 => theme.warning(),
            _ => theme.breached(),
        };
        Gauge::default()
            .ratio(ratio.clamp(0.0, 1.0))
            .label(label)
            .gauge_style(style)
            .use_unicode(true)
            .render(bar, buf);
        // The two numbers under it, selectable like every other.
        self.bars(buf, rest, ctx, "", items)
    }

    /// A heading, then one horizontal bar per item; the selected one highlighted.
    fn bars(
        &self,
        buf: &mut Buffer,
        area: Rect,
        ctx: &Context,
        title: &str,
        items: &[(usize, &Item)],
    ) -> Option<u16> {
        if area.height == 0 {
            return None;
        }
        let theme = ctx.theme();
        let body = if title.is_empty() {
            area
        } else {
            let [head, body] =
                Split::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
            Paragraph::new(Line::styled(title, theme.header())).render(head, buf);
            body
        };
        let names: Vec<String> = items
            .iter()
            .map(|(_, item)| match item.oldest {
                Some(since) => format!(
                    "{} (oldest {})",
                    item.label,
                    crate::domain::time::humanize((ctx.now - since).max(0))
                ),
                None => item.label.clone(),
            })
            .collect();
        let label_width = names
            .iter()
            .map(|n| n.chars().count())
            .max()
            .unwrap_or(0)
            .min(36);
        let count_width = items
            .iter()
            .map(|(_, i)| i.count.to_string().len())
            .max()
            .unwrap_or(1);
        let bars: Vec<Bar> = items
            .iter()
            .zip(&names)
            .map(|((index, item), name)| {
                let style = if *index == self.selected {
                    theme.selected()
                } else {
                    Style::new()
                };
                let name: String = name.chars().take(label_width).collect();
                let label = format!("{name:<label_width$} {:>count_width$} ", item.count);
                Bar::default()
                    .value(u64::try_from(item.count).unwrap_or(0))
                    .label(Line::styled(label, style))
                    .text_value(String::new())
                    .style(style)
            })
            .collect();
        let chart = BarChart::default()
            .direction(Direction::Horizontal)
            .bar_width(1)
            .bar_gap(0)
            .data(BarGroup::default().bars(&bars));
        chart.render(body, buf);
        let row = items
            .iter()
            .position(|(index, _)| *index == self.selected)?;
        Some(body.y + row as u16).filter(|y| *y < body.bottom())
    }

    fn series(&self, buf: &mut Buffer, area: Rect, ctx: &Context, series: &Series) {
        let theme = ctx.theme();
        let created: Vec<u64> = series
            .days
            .iter()
            .map(|d| d.created.max(0) as u64)
            .collect();
        let resolved: Vec<u64> = series
            .days
            .iter()
            .map(|d| d.resolved.max(0) as u64)
            .collect();
        let days = series.days.len();
        let [head, c_line, r_line] = Split::vertical([Constraint::Length(1); 3]).areas(area);
        Paragraph::new(Line::styled(
            format!("Per day, the last {days} days"),
            theme.header(),
        ))
        .render(head, buf);
        for (line_area, name, values) in [
            (c_line, "created", &created),
            (r_line, "resolved", &resolved),
        ] {
            let total: u64 = values.iter().sum();
            let today = values.last().copied().unwrap_or(0);
            let label = format!("{name:<9}");
            let numbers = format!(" {total}, {today} today");
            let spark = (days as u16).min(
                line_area
                    .width
                    .saturating_sub(label.len() as u16 + numbers.len() as u16),
            );
            let [l, sp, n] = Split::horizontal([
                Constraint::Length(label.len() as u16),
                Constraint::Length(spark),
                Constraint::Min(0),
            ])
            .areas(line_area);
            Paragraph::new(label).render(l, buf);
            let tail = &values[values.len().saturating_sub(usize::from(spark))..];
            Sparkline::default().data(tail).render(sp, buf);
            Paragraph::new(Line::styled(numbers, theme.bold())).render(n, buf);
        }
    }
}
