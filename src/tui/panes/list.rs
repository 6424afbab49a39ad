//! The ticket list: the filter in force, the rows loaded so far, paging (a page ahead of
//! the cursor, `G` loading to the end), merging what a refresh found, and drawing. Only
//! the visible rows are drawn.

use std::collections::HashSet;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row as TableRow, Table};
use unicode_width::UnicodeWidthStr;

use crate::client::DeskError;
use crate::config::View;
use crate::domain::model::{StatusClass, Ticket};
use crate::domain::query::{self, Query, Sort, SortKey, TermKind};
use crate::domain::requests::TicketList;
use crate::domain::time::humanize;
use crate::present::{SlaState, sla_short};
use crate::tui::action::Action;
use crate::tui::context::Context;
use crate::tui::context::describe_keys;
use crate::tui::keymap::Pane;
use crate::tui::protocol::{Call, Effect, Op, Refreshed};
use crate::tui::refs::Reference;
use crate::tui::status::Status;
use crate::tui::theme::Theme;
use crate::tui::undo::{self, Reverse};

use super::rows::{Ranks, Row, Rows};

/// A page of the list; `G` asks for bigger ones to get to the end sooner.
pub const PAGE: u32 = 200;
pub const BIG_PAGE: u32 = 500;

/// What a movement key did to the list.
pub enum Moved {
    /// Not a movement key.
    No,
    Yes,
    /// On its way to the end: these load the rest first; what to tell meanwhile.
    Loading(Vec<Effect>, String),
}

#[derive(Debug, Default)]
pub struct ListPane {
    pub rows: Rows,
    /// The filter in force, as typed (and parsed without error).
    pub query: String,
    /// Bumped whenever the filter changes, so answers for an old filter are ignored.
    pub epoch: u64,
    /// The saved view (index into the config's views) the filter came from.
    pub view: Option<usize>,
    page_in_flight: bool,
    /// `G` was pressed: keep loading until the end, then select the last row.
    to_bottom: bool,
    /// The last filter (and view) the desk answered a first page for: where a refused
    /// filter goes back to.
    answered: Option<(String, Option<usize>)>,
}

impl ListPane {
    /// Shows `query` (from saved `view`) from the top. Marks stay until its first page
    /// arrives, which drops those on tickets it does not show
    /// ([`ListPane::keep_marks_in_view`]).
    pub fn set_query(&mut self, query: String, view: Option<usize>) -> Vec<Effect> {
        self.view = view;
        let order = order_of(&query);
        self.query = query;
        self.epoch += 1;
        let marked = std::mem::take(&mut self.rows.marked);
        self.rows = Rows::new(order, self.rows.ranks.clone());
        self.rows.marked = marked;
        self.page_in_flight = false;
        self.to_bottom = false;
        self.reload()
    }

    /// How priorities and statuses rank, from the desk's reference data.
    pub fn set_ranks(&mut self, refs: &Reference) {
        let ranks = Ranks {
            priorities: refs
                .priorities
                .iter()
                .map(|p| (p.name.to_lowercase(), p.rank))
                .collect(),
            statuses: refs
                .statuses
                .iter()
                .map(|s| (s.key.clone(), s.position))
                .collect(),
        };
        self.rows.ranks = ranks;
    }

    /// The order the list is in.
    pub fn order(&self) -> Sort {
        self.rows.order
    }

    /// Orders the list by `sort`: the filter's `sort:` term changes (so a saved view,
    /// the CLI and the API can say the same), and the loaded rows are sorted at once
    /// when they are all there, else the first page comes again in the new order.
    pub fn sort_by(&mut self, sort: Sort) -> Vec<Effect> {
        let Ok(parsed) = query::parse(&self.query) else {
            return Vec::new();
        };
        let implied = order_of(&parsed.clone().with_sort(None).to_string());
        let query = parsed
            .with_sort((sort != implied).then_some(sort))
            .to_string();
        if self.rows.loaded && !self.rows.has_more() && !self.page_in_flight {
            // Same tickets, another order: the epoch stays, so answers on their way
            // (a refresh) still apply.
            self.query = query;
            self.rows.sort_loaded(sort);
            return Vec::new();
        }
        let view = self.view;
        self.set_query(query, view)
    }

    /// The first page and the count, again.
    pub fn reload(&mut self) -> Vec<Effect> {
        self.page_in_flight = true;
        vec![
            Call::LoadPage {
                epoch: self.epoch,
                query: self.query.clone(),
                cursor: None,
                limit: PAGE,
            }
            .into(),
            Call::Count {
                epoch: self.epoch,
                query: self.query.clone(),
            }
            .into(),
        ]
    }

    /// What changed after feed position `after`, for this filter; `filed`: also bring
    /// the tickets others filed meanwhile (for `[ui] notify`).
    pub fn refresh(&self, after: i64, filed: bool) -> Effect {
        Call::Refresh {
            epoch: self.epoch,
            query: self.query.clone(),
            after,
            filed,
        }
        .into()
    }

    /// Nothing loaded and nothing on its way (the first page failed).
    pub fn needs_reload(&self) -> bool {
        !self.rows.loaded && !self.page_in_flight
    }

    fn next_page(&mut self, limit: u32) -> Vec<Effect> {
        if self.page_in_flight || !self.rows.has_more() {
            return Vec::new();
        }
        self.page_in_flight = true;
        vec![
            Call::LoadPage {
                epoch: self.epoch,
                query: self.query.clone(),
                cursor: self.rows.next_cursor.clone(),
                limit,
            }
            .into(),
        ]
    }

    /// A page arrived; `Some` while `G` is still loading its way to the end.
    pub fn on_page(&mut self, page: TicketList, height: usize) -> Option<Vec<Effect>> {
        self.page_in_flight = false;
        if !self.rows.loaded {
            self.answered = Some((self.query.clone(), self.view));
        }
        self.rows.append(&page.tickets, page.next_cursor);
        if self.to_bottom {
            if self.rows.has_more() {
                return Some(self.next_page(BIG_PAGE));
            }
            self.to_bottom = false;
            let last = self.rows.rows.len().saturating_sub(1);
            self.rows.select(last, height);
        }
        None
    }

    /// Drops the marks on tickets the list does not show, so an action never reaches a
    /// ticket the user cannot see; says which went, if any.
    pub fn keep_marks_in_view(&mut self, status: &mut Status) {
        let shown: HashSet<&str> = self.rows.rows.iter().map(|r| r.key.as_str()).collect();
        let mut dropped: Vec<String> = self
            .rows
            .marked
            .iter()
            .filter(|k| !shown.contains(k.as_str()))
            .cloned()
            .collect();
        if dropped.is_empty() {
            return;
        }
        dropped.sort();
        self.rows.marked.retain(|k| shown.contains(k.as_str()));
        status.tell(format!(
            "unmarked {}: not in this view",
            describe_keys(&dropped)
        ));
    }

    pub fn page_failed(&mut self) {
        self.page_in_flight = false;
        self.to_bottom = false;
    }

    /// The desk refused the filter in force (a value it does not know): back to the
    /// last one it answered, if that is another.
    pub fn refused(&mut self) -> Vec<Effect> {
        self.page_failed();
        match self.answered.clone() {
            Some((query, view)) if query != self.query => self.set_query(query, view),
            _ => Vec::new(),
        }
    }

    /// After the selection moved: the next page when the cursor nears the end.
    pub fn after_move(&mut self, height: usize) -> Vec<Effect> {
        if self.rows.wants_more(height) {
            return self.next_page(PAGE);
        }
        Vec::new()
    }

    /// The movement keys (and marking, which moves on); `height`: rows on screen.
    pub fn act(&mut self, action: Action, height: usize) -> Moved {
        let half = (height / 2).max(1) as isize;
        let delta = match action {
            Action::Up => -1,
            Action::Down => 1,
            Action::HalfPageDown => half,
            Action::HalfPageUp => -half,
            Action::Mark => {
                self.rows.toggle_mark();
                1
            }
            Action::Top => {
                self.to_bottom = false;
                self.rows.select(0, height);
                return Moved::Yes;
            }
            // The last ticket: at once when everything is loaded, else after the rest.
            Action::Bottom if self.rows.has_more() => {
                self.to_bottom = true;
                let total = self
                    .rows
                    .total
                    .map(|n| format!(" of {n}"))
                    .unwrap_or_default();
                let text = format!("loading to the last ticket{total}…");
                return Moved::Loading(self.next_page(BIG_PAGE), text);
            }
            Action::Bottom => {
                let last = self.rows.rows.len().saturating_sub(1);
                self.rows.select(last, height);
                return Moved::Yes;
            }
            _ => return Moved::No,
        };
        self.to_bottom = false;
        self.rows.move_by(delta, height);
        Moved::Yes
    }

    /// Takes in what the desk answered to a change: rows of changed tickets updated,
    /// their marks gone; a conflict shows the ticket as it is now. Returns every key
    /// answered and what to tell: `Ok` when all were changed, else `Err` with why not.
    pub fn written(
        &mut self,
        op: &Op,
        results: Vec<(String, Result<Ticket, DeskError>)>,
        refs: &Reference,
    ) -> Written {
        let mut done = Vec::new();
        let mut failed = Vec::new();
        let mut answered = Vec::new();
        let mut reverse = Vec::new();
        for (key, result) in results {
            answered.push(key.clone());
            match result {
                Ok(ticket) => {
                    if let Some(before) = self.rows.rows.iter().find(|r| r.id == ticket.id) {
                        reverse.extend(undo::reverse(op, before, &ticket, refs));
                    }
                    self.rows.update(&ticket);
                    self.rows.marked.remove(&key);
                    done.push(key);
                }
                Err(DeskError::Conflict { current, message }) => {
                    if let Some(current) = current {
                        self.rows.update(&current);
                    }
                    failed.push(format!("{key}: {message} (now shown as it is; try again)"));
                }
                Err(e) => failed.push(format!("{key}: {e}")),
            }
        }
        let what = op.past();
        let summary = match (done.len(), failed.len()) {
            (_, 0) => Ok(format!("{} {what}", done.join(", "))),
            (0, _) => Err(failed.join("; ")),
            (n, _) => Err(format!("{n} {what}; {}", failed.join("; "))),
        };
        Written {
            answered,
            summary,
            reverse,
        }
    }

    /// Sends the opposite of the last change, each ticket at the version that change
    /// left; says why not where a ticket has changed since.
    pub fn undo(&self, reverse: &[Reverse]) -> Result<Vec<Effect>, String> {
        let moved: Vec<&str> = reverse
            .iter()
            .filter(|r| self.rows.version_of(&r.key).is_some_and(|v| v != r.version))
            .map(|r| r.key.as_str())
            .collect();
        if !moved.is_empty() {
            return Err(format!("not undone: {} changed since", moved.join(", ")));
        }
        Ok(reverse
            .iter()
            .map(|r| {
                Call::Undo {
                    key: r.key.clone(),
                    ops: r.ops.clone(),
                    version: r.version,
                }
                .into()
            })
            .collect())
    }

    /// A change to `keys`, each at the version the list shows, so nobody's change is
    /// overwritten unseen.
    pub fn write(&self, op: Op, keys: Vec<String>) -> Vec<Effect> {
        if keys.is_empty() {
            return Vec::new();
        }
        let targets = keys
            .into_iter()
            .map(|k| {
                let v = self.rows.version_of(&k);
                (k, v)
            })
            .collect();
        vec![Call::Write { op, targets }.into()]
    }

    /// Saved view `n` of `views`, saying which; or why there is none.
    pub fn open_view(&mut self, n: u8, views: &[View], status: &mut Status) -> Vec<Effect> {
        let index = usize::from(n).saturating_sub(1);
        let Some(view) = views.get(index) else {
            status.warn(format!(
                "no saved view {n}: add [[views]] with a name and a query to the config"
            ));
            return Vec::new();
        };
        status.tell(format!("view {n}: {}", view.name));
        self.set_query(view.query.clone(), Some(index))
    }

    /// Merges what a refresh found; returns the keys that changed. Tickets changed by
    /// someone else get the "changed" mark unless the user is looking at them (`watched`).
    pub fn merge(
        &mut self,
        found: &Refreshed,
        watched: Option<&str>,
        height: usize,
    ) -> Vec<String> {
        let mut changed: Vec<String> = found.matching.iter().map(|t| t.key.clone()).collect();
        changed.extend(found.gone.iter().cloned());
        self.rows.merge(&found.matching, &found.gone);
        self.rows.scroll_into_view(height);
        let shown: HashSet<&str> = self.rows.rows.iter().map(|r| r.key.as_str()).collect();
        let others: Vec<String> = found
            .by_others
            .iter()
            .filter(|k| shown.contains(k.as_str()) && watched != Some(k.as_str()))
            .cloned()
            .collect();
        self.rows.changed.extend(others);
        if let Some(n) = found.count {
            self.rows.total = Some(n);
        }
        changed
    }

    /// A ticket the user just filed: in the list, counted and selected at once (the
    /// next refresh takes it out again if the filter does not match it).
    pub fn show_filed(&mut self, ticket: &Ticket, height: usize) {
        let known = self.rows.rows.iter().any(|r| r.id == ticket.id);
        self.rows.merge(std::slice::from_ref(ticket), &[]);
        let Some(at) = self.rows.rows.iter().position(|r| r.id == ticket.id) else {
            return;
        };
        if !known && let Some(total) = self.rows.total.as_mut() {
            *total += 1;
        }
        self.rows.select(at, height);
    }

    /// Tags on the loaded tickets, sorted, for the tag facet.
    pub fn tags(&self) -> Vec<String> {
        let mut tags: Vec<String> = self
            .rows
            .rows
            .iter()
            .flat_map(|r| r.tags.iter().map(ToString::to_string))
            .collect();
        tags.sort();
        tags.dedup();
        tags
    }

    /// `highlight`: the selection shows at full strength (the list has focus, or an
    /// overlay acts on the selected ticket).
    pub fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        ctx: &Context,
        focused: bool,
        highlight: bool,
    ) {
        let theme = ctx.theme();
        let rows = &self.rows;
        let position = if rows.rows.is_empty() {
            String::new()
        } else {
            format!(
                " {}/{} ",
                rows.selected + 1,
                rows.total.unwrap_or(rows.rows.len() as i64)
            )
        };
        let block = Block::bordered()
            .title(Line::from(" Tickets "))
            .title_bottom(Line::from(position).right_aligned())
            .border_style(theme.border(focused));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if !rows.loaded {
            frame.render_widget(Paragraph::new(Line::styled("loading…", theme.dim())), inner);
            return;
        }
        if rows.rows.is_empty() {
            let text = if self.query.is_empty() {
                format!(
                    "no tickets yet: press {} to file one",
                    ctx.word(Pane::List, Action::NewTicket)
                )
            } else {
                format!(
                    "no tickets match this filter ({} shows all)",
                    ctx.word(Pane::List, Action::ClearFilter)
                )
            };
            frame.render_widget(Paragraph::new(Line::styled(text, theme.dim())), inner);
            return;
        }
        let height = usize::from(inner.height.saturating_sub(1));
        let start = rows.offset.min(rows.rows.len());
        let end = (start + height).min(rows.rows.len());
        let visible = &rows.rows[start..end];
        let key_width = u16::try_from(rows.key_width.max(6)).unwrap_or(u16::MAX);
        let cols = columns(inner.width, key_width);
        let order = rows.order;
        let header = TableRow::new(cols.iter().map(|&(c, width)| {
            // The sorted column says so, and which way.
            match c.sort_key() {
                Some(key) if key == order.key => {
                    let arrow = if order.descending { '▼' } else { '▲' };
                    let name: String = c.header().chars().take(usize::from(width) - 1).collect();
                    Cell::from(format!("{name}{arrow}"))
                }
                _ => Cell::from(c.header()),
            }
        }))
        .style(theme.header());
        let table_rows = visible.iter().enumerate().map(|(i, row)| {
            let cells = cols
                .iter()
                .map(|&(c, width)| self.cell(ctx, row, c, width))
                .collect::<Vec<_>>();
            let mut style = Style::new();
            if rows.marked.contains(&row.key) {
                style = style.patch(theme.bold());
            }
            if start + i == rows.selected {
                style = style.patch(if highlight {
                    theme.selected()
                } else {
                    theme.selected().patch(theme.dim())
                });
            }
            TableRow::new(cells).style(style)
        });
        let widths: Vec<Constraint> = cols.iter().map(|&(_, w)| Constraint::Length(w)).collect();
        let table = Table::new(table_rows, widths)
            .header(header)
            .column_spacing(1);
        frame.render_widget(table, inner);
    }

    fn cell<'a>(&self, ctx: &Context, row: &'a Row, col: Column, width: u16) -> Cell<'a> {
        let theme = ctx.theme();
        match col {
            Column::Marks => {
                let mark = if self.rows.marked.contains(&row.key) {
                    '*'
                } else {
                    ' '
                };
                let changed = if self.rows.changed.contains(&row.key) {
                    '•'
                } else {
                    ' '
                };
                Cell::from(format!("{mark}{changed}"))
            }
            Column::Key => Cell::from(row.key.as_str()),
            Column::Priority => Cell::from(Span::styled(
                clip(&row.priority, width),
                theme.priority(ctx.refs.priority_rank(&row.priority)),
            )),
            Column::Status => Cell::from(clip(&ctx.refs.status_name(&row.status), width)),
            Column::Title => Cell::from(clip(&row.title, width)),
            Column::Requester => Cell::from(clip(&row.requester, width)),
            Column::Assignee => Cell::from(Span::styled(
                clip(row.assignee.as_deref().unwrap_or("—"), width),
                if row.assignee.is_some() {
                    theme.plain()
                } else {
                    theme.dim()
                },
            )),
            Column::Sla => {
                let (text, style) = sla_cell(row, ctx.now, theme);
                Cell::from(Span::styled(text, style))
            }
            Column::Updated => Cell::from(Span::styled(
                humanize((ctx.now - row.updated_at).max(0)),
                theme.dim(),
            )),
        }
    }
}

/// A column of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    /// Marked for a bulk action, changed by someone else.
    Marks,
    Key,
    Priority,
    Status,
    Title,
    Assignee,
    Requester,
    Sla,
    Updated,
}

impl Column {
    fn sort_key(self) -> Option<SortKey> {
        Some(match self {
            Column::Marks => return None,
            Column::Key => SortKey::Key,
            Column::Priority => SortKey::Priority,
            Column::Status => SortKey::Status,
            Column::Title => SortKey::Title,
            Column::Assignee => SortKey::Assignee,
            Column::Requester => SortKey::Requester,
            Column::Sla => SortKey::Sla,
            Column::Updated => SortKey::Updated,
        })
    }

    fn header(self) -> &'static str {
        match self {
            Column::Marks => "",
            Column::Key => "Key",
            Column::Priority => "Priority",
            Column::Status => "Status",
            Column::Title => "Title",
            Column::Assignee => "Assignee",
            Column::Requester => "Requester",
            Column::Sla => "SLA",
            Column::Updated => "Upd",
        }
    }
}

/// What the desk's answer to a change did to the list.
pub struct Written {
    /// Every key answered.
    pub answered: Vec<String>,
    /// `Ok` when all were changed, else `Err` with why not.
    pub summary: Result<String, String>,
    /// The opposite of what was changed, for `u`.
    pub reverse: Vec<Reverse>,
}

/// The columns that fit `width`, with their widths; the title takes what is left.
fn columns(width: u16, key_width: u16) -> Vec<(Column, u16)> {
    let fixed = [
        (Column::Marks, 2),
        (Column::Key, key_width),
        (Column::Priority, 8),
        (Column::Status, 13),
    ];
    let tail = [(Column::Sla, 9), (Column::Updated, 4)];
    // Who works it matters more than who asked, so the assignee goes last.
    let optional = [(Column::Assignee, 14), (Column::Requester, 16)];
    const TITLE_MIN: u16 = 20;
    let mut used: u16 = fixed.iter().chain(tail.iter()).map(|(_, w)| w + 1).sum();
    let mut chosen = Vec::new();
    for (c, w) in optional {
        if used + w + 1 + TITLE_MIN <= width {
            used += w + 1;
            chosen.push((c, w));
        }
    }
    let mut out: Vec<(Column, u16)> = fixed.into_iter().collect();
    out.push((Column::Title, width.saturating_sub(used).max(10)));
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
    let done = row.status_class == StatusClass::Done;
    let state = SlaState::from_parts(row.time_left(now), done, row.paused);
    let style = match state.left() {
        _ if state.breached() => theme.breached(),
        Some(left) if left < 4 * 3_600_000 => theme.warning(),
        Some(_) => theme.ok(),
        None => theme.dim(),
    };
    (sla_short(state), style)
}

/// The store's order for `query`: its `sort:` term, else newest first for a text
/// search, else the most recently updated first.
fn order_of(query: &str) -> Sort {
    match query::parse(query) {
        Ok(q) => q.sort().unwrap_or(if has_text(&q) {
            Sort {
                key: SortKey::Key,
                descending: true,
            }
        } else {
            Sort::DEFAULT
        }),
        Err(_) => Sort::DEFAULT,
    }
}

fn has_text(q: &Query) -> bool {
    q.terms.iter().any(|t| {
        !t.negated && matches!(&t.kind, TermKind::Text(s) if s.chars().any(char::is_alphanumeric))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_lists_drop_requester_then_assignee_and_the_title_takes_the_rest() {
        let names = |w| -> Vec<Column> { columns(w, 6).into_iter().map(|(c, _)| c).collect() };
        assert!(!names(80).contains(&Column::Assignee));
        assert!(names(90).contains(&Column::Assignee));
        assert!(!names(90).contains(&Column::Requester));
        assert!(names(160).contains(&Column::Requester));
        let total: u16 = columns(100, 6).iter().map(|(_, w)| w + 1).sum();
        assert_eq!(total, 101, "every column fits, one space between");
    }
}
