//! The dashboard: the current filter's tickets by status and priority, created and
//! resolved per day, breaches and approvals waiting, and each agent's load. Every
//! number is a query: Enter on it opens the list filtered to it. Its numbers come
//! from counts over indexes (`/tickets/count`, `/stats/series`), never from reading
//! every ticket, and are asked for again when the change feed says something changed.

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout as Split, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Paragraph, Sparkline};

use crate::client::DeskError;
use crate::domain::requests::Series;
use crate::tui::action::Action;
use crate::tui::context::Context;
use crate::tui::protocol::{Call, Effect};

/// One number on the dashboard and the list it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub label: String,
    pub count: i64,
    pub query: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Status,
    Priority,
    Attention,
    Workload,
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
            "not done, nobody on it".into(),
            and(q, "-status:done assignee:none"),
            None,
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
        for (name, email) in &self.staff {
            out.push(want(
                Section::Workload,
                format!("{name}: to do"),
                and(q, &format!("assignee:{email} -status:done")),
                Some(Known::Assignee(email.clone())),
            ));
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
    pub fn new(query: &str) -> Dashboard {
        Dashboard {
            query: query.to_string(),
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
        let section = |s: Section| -> Vec<(usize, &Item)> {
            figures
                .items
                .iter()
                .enumerate()
                .filter(|(_, (sec, _))| *sec == s)
                .map(|(i, (_, item))| (i, item))
                .collect()
        };
        let (status, priority, attention, workload) = (
            section(Section::Status),
            section(Section::Priority),
            section(Section::Attention),
            section(Section::Workload),
        );
        let tall = |items: &[(usize, &Item)]| items.len() as u16 + 1;
        // Two columns side by side when there is room, else one under the other.
        let (left, right) = if inner.width >= 100 {
            let [l, r] =
                Split::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                    .spacing(2)
                    .areas(inner);
            (l, r)
        } else {
            let [l, r] = Split::vertical([
                Constraint::Length(tall(&status) + tall(&priority)),
                Constraint::Min(0),
            ])
            .areas(inner);
            (l, r)
        };
        let [status_area, priority_area] = Split::vertical([
            Constraint::Length(tall(&status)),
            Constraint::Length(tall(&priority)),
        ])
        .areas(left);
        self.bars(frame, status_area, ctx, "By status", &status);
        self.bars(frame, priority_area, ctx, "Open, by priority", &priority);
        let [series_area, attention_area, workload_area] = Split::vertical([
            Constraint::Length(3),
            Constraint::Length(tall(&attention)),
            Constraint::Min(0),
        ])
        .areas(right);
        self.series(frame, series_area, ctx, &figures.series);
        self.bars(frame, attention_area, ctx, "Needs attention", &attention);
        self.bars(frame, workload_area, ctx, "Per agent", &workload);
    }

    /// A heading, then one horizontal bar per item; the selected one highlighted.
    fn bars(
        &self,
        frame: &mut Frame,
        area: Rect,
        ctx: &Context,
        title: &str,
        items: &[(usize, &Item)],
    ) {
        if area.height == 0 {
            return;
        }
        let theme = ctx.theme();
        let [head, body] = Split::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
        frame.render_widget(Paragraph::new(Line::styled(title, theme.header())), head);
        let label_width = items
            .iter()
            .map(|(_, i)| i.label.chars().count())
            .max()
            .unwrap_or(0)
            .min(24);
        let count_width = items
            .iter()
            .map(|(_, i)| i.count.to_string().len())
            .max()
            .unwrap_or(1);
        let bars: Vec<Bar> = items
            .iter()
            .map(|(index, item)| {
                let style = if *index == self.selected {
                    theme.selected()
                } else {
                    Style::new()
                };
                let name: String = item.label.chars().take(label_width).collect();
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
        frame.render_widget(chart, body);
    }

    fn series(&self, frame: &mut Frame, area: Rect, ctx: &Context, series: &Series) {
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
        frame.render_widget(
            Paragraph::new(Line::styled(
                format!("Per day, the last {days} days"),
                theme.header(),
            )),
            head,
        );
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
            frame.render_widget(Paragraph::new(label), l);
            let tail = &values[values.len().saturating_sub(usize::from(spark))..];
            frame.render_widget(Sparkline::default().data(tail), sp);
            frame.render_widget(Paragraph::new(Line::styled(numbers, theme.bold())), n);
        }
    }
}
