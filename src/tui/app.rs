//! The TUI's state and its update function: a key or a message from the desk comes in,
//! the state changes, and what must happen outside (a desk call, a copy to the
//! clipboard, the editor) goes out as [`Effect`]s. No I/O here, so the whole app can be
//! driven headless by tests.

use std::collections::HashSet;

use crate::client::{DeskError, DeskInfo};
use crate::config::View;
use crate::domain::model::{Comment, Ticket, Visibility};
use crate::domain::query::{self, Field, Query, Term, TermKind};
use crate::domain::requests::{NewTicket, TicketList, TicketView};
use crate::domain::time::{Millis, SECOND, humanize};

use super::action::{ALL, Action};
use super::detail::{self, Detail};
use super::drafts::Drafts;
use super::keymap::{Code, Key, Keymap, Pane};
use super::overlay::{
    Ask, Compose, Composer, Overlay, Pick, PickItem, Picker, Prompt, TicketForm, line_input,
    text_of,
};
use super::refs::Reference;
use super::rows::{Order, Rows};
use super::theme::Theme;

/// A page of the list; `G` asks for bigger ones to get to the end sooner.
pub const PAGE: u32 = 200;
pub const BIG_PAGE: u32 = 500;
/// More changed tickets than this in one refresh: reload the list instead of merging.
pub const MERGE_LIMIT: usize = 400;
/// How long the cursor rests on a ticket before the detail pane follows it.
pub const DETAIL_SETTLE_MS: u64 = 60;
/// Wider than this, list and detail sit side by side.
pub const WIDE: u16 = 120;

pub struct Settings {
    /// Seconds; 0 turns automatic refresh off.
    pub refresh_interval: u64,
    pub views: Vec<View>,
    pub keymap: Keymap,
    pub theme: Theme,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            refresh_interval: 30,
            views: Vec::new(),
            keymap: Keymap::default(),
            theme: Theme::new(true),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    List,
    Detail,
}

/// What the status bar says about syncing.
#[derive(Debug, Clone, Default)]
pub struct Sync {
    /// The change feed position everything on screen reflects.
    pub head: Option<i64>,
    pub synced_at: Option<Millis>,
    pub in_flight: bool,
    /// Asked for while one was running: run again when it ends.
    pub again: bool,
    pub failures: u32,
    pub next_at: Option<Millis>,
    pub last_error: Option<String>,
    /// The server's event stream is connected.
    pub live: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
}

/// What a refresh found.
#[derive(Debug, Clone, Default)]
pub struct Refreshed {
    pub last_seq: i64,
    /// Changed tickets that match the filter.
    pub matching: Vec<Ticket>,
    /// Changed tickets that no longer match.
    pub gone: Vec<String>,
    /// Keys changed by someone other than the user.
    pub by_others: Vec<String>,
    pub count: Option<i64>,
    /// Too much changed to merge: reload the list.
    pub reload: bool,
}

/// What the desk answered.
pub enum Msg {
    Reference(Result<Reference, DeskError>),
    Head(Result<i64, DeskError>),
    Page {
        epoch: u64,
        result: Result<TicketList, DeskError>,
    },
    Count {
        epoch: u64,
        result: Result<i64, DeskError>,
    },
    Detail {
        key: String,
        result: Result<TicketView, DeskError>,
    },
    Refreshed {
        epoch: u64,
        result: Result<Refreshed, DeskError>,
    },
    Transitions {
        keys: Vec<String>,
        result: Result<Vec<String>, DeskError>,
    },
    Written {
        op: Op,
        results: Vec<(String, Result<Ticket, DeskError>)>,
    },
    Commented {
        key: String,
        result: Result<Comment, DeskError>,
    },
    Created(Result<Ticket, DeskError>),
    /// The event stream connected or dropped.
    Live(bool),
    /// The event stream saw something change.
    Nudge,
    /// `$EDITOR` returned this text.
    Edited(Result<String, String>),
    Woke(Wake),
}

/// A change to one or more tickets.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Assign(Option<String>),
    Transition { to: String, note: Option<String> },
    Approve(Option<String>),
    Reject(String),
    Priority(String),
    Tags(Vec<String>),
}

impl Op {
    fn past(&self) -> String {
        match self {
            Op::Assign(Some(who)) => format!("assigned to {who}"),
            Op::Assign(None) => "unassigned".into(),
            Op::Transition { to, .. } => format!("moved to {to}"),
            Op::Approve(_) => "approved".into(),
            Op::Reject(_) => "rejected".into(),
            Op::Priority(p) => format!("now {p}"),
            Op::Tags(_) => "tags saved".into(),
        }
    }
}

/// What must happen outside the app.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadReference,
    Head,
    LoadPage {
        epoch: u64,
        query: String,
        cursor: Option<String>,
        limit: u32,
    },
    Count {
        epoch: u64,
        query: String,
    },
    LoadDetail {
        key: String,
    },
    Refresh {
        epoch: u64,
        query: String,
        after: i64,
    },
    Transitions {
        keys: Vec<String>,
    },
    /// Each key with the version the user saw, so nobody's change is overwritten.
    Write {
        op: Op,
        targets: Vec<(String, Option<i64>)>,
    },
    Comment {
        key: String,
        body: String,
        visibility: Visibility,
    },
    Create(NewTicket),
    /// Put text on the clipboard (OSC 52, so it works over SSH).
    Copy(String),
    /// Suspend the UI and edit this text in `$EDITOR`.
    Editor(String),
    /// Send [`Msg::Woke`] after a pause.
    Wake {
        after_ms: u64,
        wake: Wake,
    },
}

/// Why the app asked to be woken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wake {
    Detail(String),
}

pub struct App {
    pub info: DeskInfo,
    pub settings: Settings,
    pub refs: Reference,
    /// The filter in force, as typed (and parsed without error).
    pub query: String,
    /// Bumped whenever the filter changes, so answers for an old filter are ignored.
    pub epoch: u64,
    pub view: Option<usize>,
    pub rows: Rows,
    page_in_flight: bool,
    /// `G` was pressed: keep loading until the end, then select the last row.
    to_bottom: bool,
    pub detail: Detail,
    detail_in_flight: bool,
    /// A change landed while a detail request was out: ask again when it returns.
    detail_stale: bool,
    pub focus: Focus,
    /// Narrow terminals show one pane at a time: the detail, after Enter.
    pub detail_open: bool,
    pub overlay: Option<Overlay>,
    pub notice: Option<Notice>,
    pub sync: Sync,
    pub drafts: Drafts,
    pub width: u16,
    pub height: u16,
    pub now: Millis,
    pub quit: bool,
    /// Something on screen changed since the last frame.
    pub dirty: bool,
    clock: String,
}

impl App {
    pub fn new(info: DeskInfo, settings: Settings, drafts: Drafts, now: Millis) -> App {
        App {
            info,
            settings,
            refs: Reference::default(),
            query: String::new(),
            epoch: 0,
            view: None,
            rows: Rows::default(),
            page_in_flight: false,
            to_bottom: false,
            detail: Detail::default(),
            detail_in_flight: false,
            detail_stale: false,
            focus: Focus::List,
            detail_open: false,
            overlay: None,
            notice: None,
            sync: Sync::default(),
            drafts,
            width: 80,
            height: 24,
            now,
            quit: false,
            dirty: true,
            clock: String::new(),
        }
    }

    /// What to do first: reference data, the feed position, the first page.
    pub fn start(&mut self) -> Vec<Effect> {
        let mut effects = vec![Effect::LoadReference, Effect::Head];
        effects.extend(self.apply_query(String::new()));
        if !self.drafts.is_empty() {
            self.tell(format!(
                "{} unsent draft(s) kept from before: open the ticket and press c",
                self.drafts.len()
            ));
        }
        effects
    }

    pub fn theme(&self) -> &Theme {
        &self.settings.theme
    }

    pub fn keymap(&self) -> &Keymap {
        &self.settings.keymap
    }

    pub fn wide(&self) -> bool {
        self.width >= WIDE
    }

    /// Whether the detail pane is on screen.
    pub fn detail_visible(&self) -> bool {
        self.wide() || self.detail_open
    }

    /// Rows of tickets the list shows at once (the renderer uses the same layout).
    pub fn list_height(&self) -> usize {
        usize::from(super::render::list_rows(self.width, self.height))
    }

    /// The pane keys go to now.
    pub fn pane(&self) -> Pane {
        match &self.overlay {
            Some(Overlay::Filter { .. }) => Pane::Filter,
            Some(Overlay::Composer(_)) => Pane::Composer,
            Some(Overlay::Picker(_)) => Pane::Picker,
            Some(Overlay::Prompt(_)) => Pane::Prompt,
            Some(Overlay::Help { .. }) => Pane::Detail,
            None => match self.focus {
                Focus::List => Pane::List,
                Focus::Detail => Pane::Detail,
            },
        }
    }

    pub(super) fn tell(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            error: false,
        });
        self.dirty = true;
    }

    pub(super) fn warn(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            error: true,
        });
        self.dirty = true;
    }

    pub fn resize(&mut self, width: u16, height: u16) -> Vec<Effect> {
        self.width = width;
        self.height = height;
        self.dirty = true;
        let height = self.list_height();
        self.rows.scroll_into_view(height);
        self.after_move()
    }

    /// The clock ticks (about once a second): time refreshes, and redraw only when the
    /// status bar's words change.
    pub fn tick(&mut self, now: Millis) -> Vec<Effect> {
        self.now = now;
        let clock = self.clock_text();
        if clock != self.clock {
            self.clock = clock;
            self.dirty = true;
        }
        let mut effects = Vec::new();
        if self.sync.next_at.is_some_and(|at| now >= at) {
            self.sync.next_at = None;
            if !self.rows.loaded && !self.page_in_flight {
                effects.extend(self.reload());
            }
            if self.sync.head.is_none() {
                effects.push(Effect::Head);
            }
            effects.extend(self.start_refresh());
        }
        effects
    }

    /// "synced 12s ago", "offline, retrying in 20s", "live".
    pub fn clock_text(&self) -> String {
        if self.sync.failures > 0 {
            let retry = self
                .sync
                .next_at
                .map(|at| format!(", retrying in {}", humanize((at - self.now).max(0))))
                .unwrap_or_default();
            return format!("offline{retry}");
        }
        let synced = match self.sync.synced_at {
            Some(at) => format!("synced {} ago", humanize((self.now - at).max(0))),
            None if self.rows.loaded => "loaded".into(),
            None => "loading…".into(),
        };
        if self.sync.live {
            format!("live · {synced}")
        } else {
            synced
        }
    }

    fn schedule_refresh(&mut self) {
        if self.settings.refresh_interval > 0 {
            self.sync.next_at = Some(self.now + self.settings.refresh_interval as Millis * SECOND);
        }
    }

    fn backoff(&mut self, error: &DeskError) {
        self.sync.failures += 1;
        let secs = (5u64 << (self.sync.failures - 1).min(4)).min(60);
        self.sync.next_at = Some(self.now + secs as Millis * SECOND);
        self.sync.last_error = Some(error.to_string());
        self.dirty = true;
    }

    fn recovered(&mut self) {
        if self.sync.failures > 0 {
            self.sync.failures = 0;
            self.sync.last_error = None;
            self.tell("back online");
        }
    }

    pub fn start_refresh(&mut self) -> Vec<Effect> {
        let Some(after) = self.sync.head else {
            return Vec::new();
        };
        if self.sync.in_flight {
            self.sync.again = true;
            return Vec::new();
        }
        self.sync.in_flight = true;
        vec![Effect::Refresh {
            epoch: self.epoch,
            query: self.query.clone(),
            after,
        }]
    }

    /// Loads the list for `query` from the top.
    pub(super) fn apply_query(&mut self, query: String) -> Vec<Effect> {
        let order = match query::parse(&query) {
            Ok(q) if has_text(&q) => Order::Created,
            _ => Order::Updated,
        };
        self.query = query;
        self.epoch += 1;
        let marked = std::mem::take(&mut self.rows.marked);
        self.rows = Rows::new(order);
        self.rows.marked = marked;
        self.page_in_flight = false;
        self.to_bottom = false;
        self.dirty = true;
        self.reload()
    }

    fn reload(&mut self) -> Vec<Effect> {
        self.page_in_flight = true;
        vec![
            Effect::LoadPage {
                epoch: self.epoch,
                query: self.query.clone(),
                cursor: None,
                limit: PAGE,
            },
            Effect::Count {
                epoch: self.epoch,
                query: self.query.clone(),
            },
        ]
    }

    fn next_page(&mut self, limit: u32) -> Vec<Effect> {
        if self.page_in_flight || !self.rows.has_more() {
            return Vec::new();
        }
        self.page_in_flight = true;
        vec![Effect::LoadPage {
            epoch: self.epoch,
            query: self.query.clone(),
            cursor: self.rows.next_cursor.clone(),
            limit,
        }]
    }

    /// After the selection moved: fetch the next page when near the end, and the
    /// selected ticket's detail when it is on screen.
    fn after_move(&mut self) -> Vec<Effect> {
        self.dirty = true;
        let mut effects = Vec::new();
        if self.rows.wants_more(self.list_height()) {
            effects.extend(self.next_page(PAGE));
        }
        if self.detail_visible()
            && let Some(key) = self.rows.selected_row().map(|r| r.key.clone())
        {
            effects.extend(self.show_detail(key, true));
        }
        effects
    }

    /// Shows `key` in the detail pane; `settle` waits for the cursor to rest first, so
    /// holding `j` neither asks the desk for every ticket passed nor redraws the pane
    /// for each (a cursor move stays a small write over SSH).
    fn show_detail(&mut self, key: String, settle: bool) -> Vec<Effect> {
        self.rows.changed.remove(&key);
        if self.detail.key.as_deref() == Some(key.as_str()) && self.detail.shows(&key) {
            return Vec::new();
        }
        if self.detail.key.as_deref() != Some(key.as_str()) {
            self.detail.scroll = 0;
        }
        self.detail.key = Some(key.clone());
        self.detail.loading = true;
        self.load_detail(settle)
    }

    /// One detail request (or wait) at a time; the newest selection wins when it ends.
    fn load_detail(&mut self, settle: bool) -> Vec<Effect> {
        match (&self.detail.key, self.detail_in_flight) {
            (Some(key), false) => {
                self.detail_in_flight = true;
                let key = key.clone();
                if settle {
                    vec![Effect::Wake {
                        after_ms: DETAIL_SETTLE_MS,
                        wake: Wake::Detail(key),
                    }]
                } else {
                    vec![Effect::LoadDetail { key }]
                }
            }
            _ => Vec::new(),
        }
    }

    fn on_wake(&mut self, wake: Wake) -> Vec<Effect> {
        match wake {
            Wake::Detail(key) => {
                self.detail_in_flight = false;
                // Still there after the wait: the cursor rested on it.
                let rested = self.detail.key.as_deref() == Some(key.as_str());
                self.load_detail(!rested)
            }
        }
    }

    fn reload_detail_if_shown(&mut self, keys: &[String]) -> Vec<Effect> {
        match &self.detail.key {
            Some(key) if keys.contains(key) => {
                self.detail.loading = true;
                if self.detail_in_flight {
                    // The answer on its way may predate the change: ask again after it.
                    self.detail_stale = true;
                    Vec::new()
                } else {
                    self.load_detail(false)
                }
            }
            _ => Vec::new(),
        }
    }

    // ---- messages from the desk ----

    pub fn on_msg(&mut self, msg: Msg) -> Vec<Effect> {
        self.dirty = true;
        match msg {
            Msg::Reference(Ok(refs)) => {
                self.refs = refs;
                Vec::new()
            }
            Msg::Reference(Err(e)) => {
                self.warn(format!("cannot load the desk's statuses and people: {e}"));
                Vec::new()
            }
            Msg::Head(Ok(head)) => {
                if self.sync.head.is_none() {
                    self.sync.head = Some(head);
                    self.sync.synced_at = Some(self.now);
                    self.schedule_refresh();
                }
                Vec::new()
            }
            Msg::Head(Err(e)) => {
                self.backoff(&e);
                Vec::new()
            }
            Msg::Page { epoch, result } => self.on_page(epoch, result),
            Msg::Count { epoch, result } => {
                if epoch == self.epoch
                    && let Ok(n) = result
                {
                    self.rows.total = Some(n);
                }
                Vec::new()
            }
            Msg::Detail { key, result } => self.on_detail(key, result),
            Msg::Refreshed { epoch, result } => self.on_refreshed(epoch, result),
            Msg::Transitions { keys, result } => self.on_transitions(keys, result),
            Msg::Written { op, results } => self.on_written(op, results),
            Msg::Commented { key, result } => self.on_commented(key, result),
            Msg::Created(result) => self.on_created(result),
            Msg::Live(live) => {
                let dropped = self.sync.live && !live;
                self.sync.live = live;
                // A dropped stream may mean the server went away: find out now rather
                // than at the next poll (which may be off).
                if dropped {
                    self.start_refresh()
                } else {
                    Vec::new()
                }
            }
            Msg::Nudge => self.start_refresh(),
            Msg::Woke(wake) => self.on_wake(wake),
            Msg::Edited(result) => {
                match (result, &mut self.overlay) {
                    (Ok(text), Some(Overlay::Composer(c))) => {
                        c.text = super::overlay::text_input(text.trim_end_matches('\n'));
                    }
                    (Err(e), _) => self.warn(format!("the editor failed: {e}")),
                    _ => {}
                }
                Vec::new()
            }
        }
    }

    fn on_page(&mut self, epoch: u64, result: Result<TicketList, DeskError>) -> Vec<Effect> {
        if epoch != self.epoch {
            return Vec::new();
        }
        self.page_in_flight = false;
        match result {
            Ok(page) => {
                let first = !self.rows.loaded;
                self.rows.append(&page.tickets, page.next_cursor);
                if self.sync.failures > 0 && first {
                    self.recovered();
                }
                if self.to_bottom {
                    if self.rows.has_more() {
                        return self.next_page(BIG_PAGE);
                    }
                    self.to_bottom = false;
                    let last = self.rows.rows.len().saturating_sub(1);
                    self.rows.select(last, self.list_height());
                }
                self.after_move()
            }
            Err(e) => {
                self.to_bottom = false;
                self.warn(format!("cannot load tickets: {e}"));
                self.backoff(&e);
                Vec::new()
            }
        }
    }

    fn on_detail(&mut self, key: String, result: Result<TicketView, DeskError>) -> Vec<Effect> {
        self.detail_in_flight = false;
        if self.detail.key.as_deref() != Some(key.as_str()) {
            // The selection moved on while this was loading.
            return self.load_detail(true);
        }
        match result {
            Ok(view) => {
                self.rows.update(&view.ticket);
                self.detail.view = Some(view);
                self.detail.error = None;
            }
            Err(e) => self.detail.error = Some(e.to_string()),
        }
        if std::mem::take(&mut self.detail_stale) {
            return self.load_detail(false);
        }
        self.detail.loading = false;
        Vec::new()
    }

    fn on_refreshed(&mut self, epoch: u64, result: Result<Refreshed, DeskError>) -> Vec<Effect> {
        self.sync.in_flight = false;
        let mut effects = Vec::new();
        match result {
            // Found for a filter no longer shown: the feed position stays, so the
            // next refresh applies the same changes to the new list.
            Ok(_) if epoch != self.epoch => self.sync.again = true,
            Ok(found) => {
                self.recovered();
                self.sync.head = Some(found.last_seq);
                self.sync.synced_at = Some(self.now);
                if found.reload {
                    effects.extend(self.apply_query(self.query.clone()));
                } else {
                    let mut changed: Vec<String> =
                        found.matching.iter().map(|t| t.key.clone()).collect();
                    changed.extend(found.gone.iter().cloned());
                    self.rows.merge(&found.matching, &found.gone);
                    let height = self.list_height();
                    self.rows.scroll_into_view(height);
                    let shown: HashSet<&str> =
                        self.rows.rows.iter().map(|r| r.key.as_str()).collect();
                    let others: Vec<String> = found
                        .by_others
                        .iter()
                        .filter(|k| shown.contains(k.as_str()))
                        .filter(|k| {
                            self.detail.key.as_deref() != Some(k.as_str()) || !self.detail_visible()
                        })
                        .cloned()
                        .collect();
                    self.rows.changed.extend(others);
                    if let Some(n) = found.count {
                        self.rows.total = Some(n);
                    }
                    effects.extend(self.reload_detail_if_shown(&changed));
                }
            }
            Err(e) => self.backoff(&e),
        }
        if self.sync.failures == 0 {
            self.schedule_refresh();
        }
        if std::mem::take(&mut self.sync.again) {
            effects.extend(self.start_refresh());
        }
        effects
    }

    fn on_transitions(
        &mut self,
        keys: Vec<String>,
        result: Result<Vec<String>, DeskError>,
    ) -> Vec<Effect> {
        match result {
            Ok(targets) if targets.is_empty() => {
                self.warn(format!(
                    "{} cannot move anywhere you may take it",
                    describe_keys(&keys)
                ));
            }
            Ok(targets) => {
                let items = targets
                    .iter()
                    .map(|to| PickItem::new(self.refs.status_name(to), to.clone()))
                    .collect();
                let title = format!("Move {} to", describe_keys(&keys));
                self.overlay = Some(Overlay::Picker(Picker::new(
                    title,
                    Pick::Status { keys },
                    items,
                )));
            }
            Err(e) => self.warn(format!(
                "cannot read where {} may go: {e}",
                describe_keys(&keys)
            )),
        }
        Vec::new()
    }

    fn on_written(
        &mut self,
        op: Op,
        results: Vec<(String, Result<Ticket, DeskError>)>,
    ) -> Vec<Effect> {
        let mut done = Vec::new();
        let mut failed: Vec<(String, String)> = Vec::new();
        for (key, result) in results {
            match result {
                Ok(ticket) => {
                    self.rows.update(&ticket);
                    self.rows.marked.remove(&key);
                    done.push(key);
                }
                Err(DeskError::Conflict { current, message }) => {
                    if let Some(current) = current {
                        self.rows.update(&current);
                    }
                    failed.push((key, format!("{message} (now shown as it is; try again)")));
                }
                Err(e) => failed.push((key, e.to_string())),
            }
        }
        let mut changed = done.clone();
        changed.extend(failed.iter().map(|(key, _)| key.clone()));
        let effects = self.reload_detail_if_shown(&changed);
        if let Op::Reject(_) = &op {
            if failed.is_empty() {
                if let Some(Overlay::Composer(c)) = &self.overlay {
                    let id = c.purpose.draft_id();
                    let _ = self.drafts.discard(&id);
                }
                self.overlay = None;
            } else if let Some(Overlay::Composer(c)) = &mut self.overlay {
                c.sending = false;
                let id = c.purpose.draft_id();
                let draft = c.draft();
                let _ = self.drafts.keep(&id, draft);
            }
        }
        let what = op.past();
        let failures: Vec<String> = failed
            .iter()
            .map(|(k, why)| format!("{k}: {why}"))
            .collect();
        match (done.len(), failures.len()) {
            (_, 0) => self.tell(format!("{} {what}", done.join(", "))),
            (0, _) => self.warn(failures.join("; ")),
            (n, _) => self.warn(format!("{n} {what}; {}", failures.join("; "))),
        }
        effects
    }

    fn on_commented(&mut self, key: String, result: Result<Comment, DeskError>) -> Vec<Effect> {
        let Some(Overlay::Composer(c)) = &mut self.overlay else {
            return Vec::new();
        };
        c.sending = false;
        let id = c.purpose.draft_id();
        match result {
            Ok(comment) => {
                let _ = self.drafts.discard(&id);
                self.overlay = None;
                let what = match comment.visibility {
                    Visibility::Internal => "internal note added to",
                    Visibility::Public => "reply sent on",
                };
                self.tell(format!("{what} {key}"));
                self.reload_detail_if_shown(&[key])
            }
            Err(e) => {
                let draft = c.draft();
                let kept = self.drafts.keep(&id, draft);
                let kept = match kept {
                    Ok(()) => "the draft is kept".to_string(),
                    Err(why) => format!("the draft stays here ({why})"),
                };
                self.warn(format!("comment not sent: {e}; {kept}"));
                Vec::new()
            }
        }
    }

    fn on_created(&mut self, result: Result<Ticket, DeskError>) -> Vec<Effect> {
        let Some(Overlay::Composer(c)) = &mut self.overlay else {
            return Vec::new();
        };
        c.sending = false;
        match result {
            Ok(ticket) => {
                let _ = self.drafts.discard(&Compose::NewTicket.draft_id());
                self.overlay = None;
                self.tell(format!("filed {}", ticket.key));
                self.rows.merge(std::slice::from_ref(&ticket), &[]);
                Vec::new()
            }
            Err(e) => {
                let draft = c.draft();
                let _ = self.drafts.keep(&Compose::NewTicket.draft_id(), draft);
                self.warn(format!("ticket not filed: {e}; the draft is kept"));
                Vec::new()
            }
        }
    }

    // ---- keys ----

    pub fn on_key(&mut self, key: Key) -> Vec<Effect> {
        self.dirty = true;
        let pane = self.pane();
        // A discard question takes the next key, whatever it is.
        if let Some(Overlay::Composer(c)) = &mut self.overlay
            && c.confirm_discard
        {
            return self.answer_discard(key);
        }
        let actions: Option<Vec<Action>> = self
            .settings
            .keymap
            .lookup(pane, key)
            .map(<[Action]>::to_vec);
        match actions {
            Some(actions) => {
                let mut effects = Vec::new();
                for action in actions {
                    effects.extend(self.act(action));
                }
                effects
            }
            None => self.type_key(key),
        }
    }

    /// Pasted text goes whole into the input that has focus (never read as keys).
    pub fn paste(&mut self, text: &str) -> Vec<Effect> {
        self.dirty = true;
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        match &mut self.overlay {
            Some(Overlay::Filter { input, error }) => {
                input.insert_str(text.replace('\n', " "));
                *error = query::parse(&text_of(input)).err().map(|e| e.to_string());
            }
            Some(Overlay::Picker(p)) => {
                p.filter.insert_str(text.replace('\n', " "));
            }
            Some(Overlay::Prompt(p)) => {
                p.input.insert_str(text.replace('\n', " "));
            }
            Some(Overlay::Composer(c)) => match &mut c.form {
                Some(form) if form.field == 0 => {
                    form.title.insert_str(text.replace('\n', " "));
                }
                _ => {
                    c.text.insert_str(text);
                }
            },
            _ => {}
        }
        Vec::new()
    }

    /// A key no binding claims: text for the input that has focus.
    fn type_key(&mut self, key: Key) -> Vec<Effect> {
        let input = to_input(key);
        match &mut self.overlay {
            Some(Overlay::Filter { input: area, error }) => {
                if key.code == Code::Enter {
                    return Vec::new();
                }
                area.input(input);
                *error = query::parse(&text_of(area)).err().map(|e| e.to_string());
            }
            Some(Overlay::Picker(p)) => {
                if key.code == Code::Enter {
                    return Vec::new();
                }
                p.filter.input(input);
                p.cursor = 0;
            }
            Some(Overlay::Prompt(p)) if key.code != Code::Enter => {
                p.input.input(input);
            }
            Some(Overlay::Prompt(_)) => {}
            Some(Overlay::Composer(c)) => match &mut c.form {
                Some(form) if form.field == 0 => {
                    if key.code != Code::Enter {
                        form.title.input(input);
                    }
                }
                Some(form) if form.field == 1 || form.field == 2 => {
                    let (list_len, index) = if form.field == 1 {
                        (form.categories.len(), &mut form.category)
                    } else {
                        (form.priorities.len(), &mut form.priority)
                    };
                    if list_len > 0 {
                        match key.code {
                            Code::Right | Code::Char(' ') | Code::Down => {
                                *index = (*index + 1) % list_len;
                            }
                            Code::Left | Code::Up => *index = (*index + list_len - 1) % list_len,
                            _ => {}
                        }
                    }
                }
                _ => {
                    c.text.input(input);
                }
            },
            Some(Overlay::Help { .. }) => {
                // Any other key closes help.
                self.overlay = None;
            }
            None => {}
        }
        Vec::new()
    }

    fn answer_discard(&mut self, key: Key) -> Vec<Effect> {
        let Some(Overlay::Composer(c)) = &mut self.overlay else {
            return Vec::new();
        };
        match key.code {
            Code::Char('y') | Code::Char('d') => {
                let _ = self.drafts.discard(&c.purpose.draft_id());
                self.overlay = None;
                self.tell("draft discarded");
            }
            Code::Char('k') => {
                let id = c.purpose.draft_id();
                let draft = c.draft();
                match self.drafts.keep(&id, draft) {
                    Ok(()) => {
                        self.overlay = None;
                        self.tell("draft kept for later");
                    }
                    Err(e) => {
                        c.confirm_discard = false;
                        self.warn(e);
                    }
                }
            }
            _ => c.confirm_discard = false,
        }
        Vec::new()
    }

    /// Runs one action.
    pub fn act(&mut self, action: Action) -> Vec<Effect> {
        self.dirty = true;
        if self.overlay.is_some() {
            return self.act_in_overlay(action);
        }
        let height = self.list_height();
        match action {
            Action::Quit => {
                self.quit = true;
                Vec::new()
            }
            Action::Help => {
                self.overlay = Some(Overlay::Help { scroll: 0 });
                Vec::new()
            }
            Action::Palette => {
                self.open_palette();
                Vec::new()
            }
            Action::Refresh => {
                self.tell("refreshing…");
                let mut effects = Vec::new();
                if !self.rows.loaded && !self.page_in_flight {
                    effects.extend(self.reload());
                }
                if self.sync.head.is_none() {
                    effects.push(Effect::Head);
                }
                effects.extend(self.start_refresh());
                effects
            }
            Action::FocusNext => match self.focus {
                Focus::List => self.act(Action::Open),
                Focus::Detail => self.act(Action::Back),
            },
            Action::Up | Action::Down | Action::HalfPageDown | Action::HalfPageUp
                if self.focus == Focus::Detail =>
            {
                let step = (height / 2).max(1);
                let delta: isize = match action {
                    Action::Up => -1,
                    Action::Down => 1,
                    Action::HalfPageDown => step as isize,
                    _ => -(step as isize),
                };
                self.scroll_detail(delta);
                Vec::new()
            }
            Action::Top if self.focus == Focus::Detail => {
                self.detail.scroll = 0;
                Vec::new()
            }
            Action::Bottom if self.focus == Focus::Detail => {
                self.scroll_detail(isize::MAX / 2);
                Vec::new()
            }
            Action::Up => self.move_list(-1),
            Action::Down => self.move_list(1),
            Action::HalfPageDown => self.move_list((height / 2).max(1) as isize),
            Action::HalfPageUp => self.move_list(-((height / 2).max(1) as isize)),
            Action::Top => {
                self.to_bottom = false;
                self.rows.select(0, height);
                self.after_move()
            }
            Action::Bottom => {
                if self.rows.has_more() {
                    self.to_bottom = true;
                    let total = self
                        .rows
                        .total
                        .map(|n| format!(" of {n}"))
                        .unwrap_or_default();
                    self.tell(format!("loading to the last ticket{total}…"));
                    self.next_page(BIG_PAGE)
                } else {
                    let last = self.rows.rows.len().saturating_sub(1);
                    self.rows.select(last, height);
                    self.after_move()
                }
            }
            Action::Open => {
                let Some(key) = self.rows.selected_row().map(|r| r.key.clone()) else {
                    return Vec::new();
                };
                self.focus = Focus::Detail;
                self.detail_open = true;
                self.show_detail(key, false)
            }
            Action::Back => {
                match self.focus {
                    Focus::Detail => {
                        self.focus = Focus::List;
                        self.detail_open = false;
                    }
                    Focus::List if !self.rows.marked.is_empty() => {
                        self.rows.marked.clear();
                        self.tell("marks cleared");
                    }
                    Focus::List => {}
                }
                Vec::new()
            }
            Action::Filter => {
                self.overlay = Some(Overlay::Filter {
                    input: line_input(&self.query),
                    error: None,
                });
                Vec::new()
            }
            Action::Facets => {
                let items = [
                    Field::Status,
                    Field::Priority,
                    Field::Category,
                    Field::Assignee,
                    Field::Tag,
                ]
                .into_iter()
                .map(|f| PickItem::new(f.name(), f.name()))
                .collect();
                self.overlay = Some(Overlay::Picker(Picker::new(
                    "Filter by",
                    Pick::FacetField,
                    items,
                )));
                Vec::new()
            }
            Action::View(n) => {
                let index = usize::from(n).saturating_sub(1);
                match self.settings.views.get(index).cloned() {
                    Some(view) => {
                        self.view = Some(index);
                        self.tell(format!("view {n}: {}", view.name));
                        self.apply_query(view.query)
                    }
                    None => {
                        self.warn(format!(
                            "no saved view {n}: add [[views]] with a name and a query to the config"
                        ));
                        Vec::new()
                    }
                }
            }
            Action::ClearFilter => {
                self.view = None;
                self.apply_query(String::new())
            }
            Action::Mark => {
                self.rows.toggle_mark();
                self.move_list(1)
            }
            Action::Comment => self.open_comment(),
            Action::AssignMe => {
                let me = self.info.user.email.clone();
                self.write(Op::Assign(Some(me)))
            }
            Action::Assign => {
                let keys = self.rows.targets();
                if keys.is_empty() {
                    return Vec::new();
                }
                let mut items: Vec<PickItem> = self
                    .refs
                    .staff()
                    .map(|u| {
                        PickItem::new(u.name.clone(), u.email.clone())
                            .with_note(format!("{} · {}", u.email, u.role))
                    })
                    .collect();
                items.push(PickItem::new("nobody (unassign)", ""));
                self.overlay = Some(Overlay::Picker(Picker::new(
                    format!("Assign {} to", describe_keys(&keys)),
                    Pick::Assign { keys },
                    items,
                )));
                Vec::new()
            }
            Action::Status => {
                let keys = self.rows.targets();
                if keys.is_empty() {
                    return Vec::new();
                }
                vec![Effect::Transitions { keys }]
            }
            Action::Priority => {
                let keys = self.rows.targets();
                if keys.is_empty() {
                    return Vec::new();
                }
                let items = self
                    .refs
                    .priorities
                    .iter()
                    .map(|p| PickItem::new(p.name.clone(), p.name.clone()))
                    .collect();
                self.overlay = Some(Overlay::Picker(Picker::new(
                    format!("Priority of {}", describe_keys(&keys)),
                    Pick::Priority { keys },
                    items,
                )));
                Vec::new()
            }
            Action::Tags => {
                let Some(row) = self.rows.selected_row() else {
                    return Vec::new();
                };
                self.overlay = Some(Overlay::Prompt(Prompt {
                    title: format!("Tags of {}", row.key),
                    help: "space-separated; enter saves, esc cancels".into(),
                    input: line_input(&row.tags.join(" ")),
                    purpose: Ask::Tags {
                        key: row.key.clone(),
                    },
                }));
                Vec::new()
            }
            Action::Approve => {
                let Some(keys) = self.decision_targets("approve") else {
                    return Vec::new();
                };
                self.overlay = Some(Overlay::Prompt(Prompt {
                    title: format!("Approve {}", describe_keys(&keys)),
                    help: "a note for the requester (optional); enter approves, esc cancels".into(),
                    input: line_input(""),
                    purpose: Ask::ApproveNote { keys },
                }));
                Vec::new()
            }
            Action::Reject => {
                let Some(keys) = self.decision_targets("reject") else {
                    return Vec::new();
                };
                let purpose = Compose::Reject { keys };
                let text = self
                    .drafts
                    .get(&purpose.draft_id())
                    .map(|d| d.text.clone())
                    .unwrap_or_default();
                self.overlay = Some(Overlay::Composer(Box::new(Composer::new(
                    purpose, &text, false,
                ))));
                Vec::new()
            }
            Action::NewTicket => {
                let draft = self.drafts.get(&Compose::NewTicket.draft_id()).cloned();
                let mut composer = Composer::new(
                    Compose::NewTicket,
                    draft.as_ref().map_or("", |d| d.text.as_str()),
                    false,
                );
                let categories: Vec<String> = self
                    .refs
                    .categories
                    .iter()
                    .filter(|c| c.active)
                    .map(|c| c.name.clone())
                    .collect();
                let priorities: Vec<String> = self
                    .refs
                    .priorities
                    .iter()
                    .map(|p| p.name.clone())
                    .collect();
                let category = categories.iter().position(|c| c == "General").unwrap_or(0);
                let priority = priorities.iter().position(|p| p == "Medium").unwrap_or(0);
                composer.form = Some(TicketForm {
                    title: line_input(draft.as_ref().map_or("", |d| d.title.as_str())),
                    categories,
                    category,
                    priorities,
                    priority,
                    field: 0,
                });
                self.overlay = Some(Overlay::Composer(Box::new(composer)));
                Vec::new()
            }
            Action::CopyKey => match self.rows.selected_row() {
                Some(row) => {
                    let key = row.key.clone();
                    self.tell(format!("copied {key}"));
                    vec![Effect::Copy(key)]
                }
                None => Vec::new(),
            },
            Action::Send
            | Action::ToggleVisibility
            | Action::Editor
            | Action::NextField
            | Action::Confirm
            | Action::Toggle
            | Action::Nothing => Vec::new(),
        }
    }

    /// Lines in the help overlay (one per binding and one per pane heading).
    pub fn help_lines(&self) -> usize {
        // An upper bound: saved views may be folded into one line.
        let bindings = self.keymap().all();
        let panes = Pane::ALL
            .iter()
            .filter(|p| bindings.iter().any(|b| b.pane == **p))
            .count();
        bindings.len() + panes
    }

    /// The tickets a supervisor's decision applies to. The service checks the role too;
    /// asking first spares a supervisor-only prompt to someone who cannot use it.
    fn decision_targets(&mut self, verb: &str) -> Option<Vec<String>> {
        if !self.info.user.role.is_supervisor() {
            self.warn(format!("only supervisors and admins may {verb} requests"));
            return None;
        }
        Some(self.rows.targets()).filter(|keys| !keys.is_empty())
    }

    fn move_list(&mut self, delta: isize) -> Vec<Effect> {
        self.to_bottom = false;
        let height = self.list_height();
        self.rows.move_by(delta, height);
        self.after_move()
    }

    fn scroll_detail(&mut self, delta: isize) {
        let total = self.detail_line_count();
        let room = self.detail_height();
        let max = total.saturating_sub(room);
        self.detail.scroll = self.detail.scroll.saturating_add_signed(delta).min(max);
    }

    pub fn detail_height(&self) -> usize {
        usize::from(super::render::detail_rows(self))
    }

    pub fn detail_line_count(&self) -> usize {
        self.detail.view.as_ref().map_or(0, |v| {
            detail::lines(
                v,
                &self.refs,
                self.theme(),
                super::render::detail_width(self),
                self.now,
            )
            .len()
        })
    }

    fn open_comment(&mut self) -> Vec<Effect> {
        let Some(key) = self.rows.selected_row().map(|r| r.key.clone()) else {
            return Vec::new();
        };
        let purpose = Compose::Comment { key };
        let draft = self.drafts.get(&purpose.draft_id()).cloned();
        let internal = draft.as_ref().is_some_and(|d| d.internal);
        let composer = Composer::new(
            purpose,
            draft.as_ref().map_or("", |d| d.text.as_str()),
            internal,
        );
        self.overlay = Some(Overlay::Composer(Box::new(composer)));
        Vec::new()
    }

    fn open_palette(&mut self) {
        let keymap = self.keymap();
        let actions: Vec<Action> = ALL
            .iter()
            .copied()
            .filter(|a| {
                !matches!(
                    a,
                    Action::Nothing
                        | Action::Send
                        | Action::ToggleVisibility
                        | Action::Editor
                        | Action::NextField
                        | Action::Confirm
                        | Action::Toggle
                        | Action::Palette
                )
            })
            .collect();
        let items = actions
            .iter()
            .map(|a| {
                let keys: Vec<String> = keymap
                    .all()
                    .iter()
                    .filter(|b| b.actions == [*a])
                    .flat_map(|b| b.keys.iter().map(ToString::to_string))
                    .collect();
                PickItem::new(a.describe(), a.name()).with_note(keys.join(" "))
            })
            .collect();
        self.overlay = Some(Overlay::Picker(Picker::new(
            "Command",
            Pick::Palette(actions),
            items,
        )));
    }

    /// A change to the marked tickets (or the selected one), at the versions shown.
    fn write(&mut self, op: Op) -> Vec<Effect> {
        let targets: Vec<(String, Option<i64>)> = self
            .rows
            .targets()
            .into_iter()
            .map(|k| {
                let v = self.rows.version_of(&k);
                (k, v)
            })
            .collect();
        if targets.is_empty() {
            return Vec::new();
        }
        self.write_to(op, targets)
    }

    pub(super) fn write_to(&mut self, op: Op, targets: Vec<(String, Option<i64>)>) -> Vec<Effect> {
        self.tell(format!(
            "{}…",
            describe_keys(&targets.iter().map(|t| t.0.clone()).collect::<Vec<_>>())
        ));
        vec![Effect::Write { op, targets }]
    }

    pub(super) fn versions(&self, keys: Vec<String>) -> Vec<(String, Option<i64>)> {
        keys.into_iter()
            .map(|k| {
                let v = self.rows.version_of(&k);
                (k, v)
            })
            .collect()
    }

    fn act_in_overlay(&mut self, action: Action) -> Vec<Effect> {
        let Some(overlay) = self.overlay.take() else {
            return Vec::new();
        };
        match overlay {
            Overlay::Help { scroll } => {
                match action {
                    Action::Quit => self.quit = true,
                    Action::Down | Action::HalfPageDown | Action::Bottom => {
                        let step = match action {
                            Action::Down => 1,
                            Action::HalfPageDown => self.list_height() / 2,
                            _ => usize::MAX / 2,
                        };
                        self.overlay = Some(Overlay::Help {
                            scroll: scroll.saturating_add(step).min(self.help_lines()),
                        });
                    }
                    Action::Up | Action::HalfPageUp | Action::Top => {
                        let step = match action {
                            Action::Up => 1,
                            Action::HalfPageUp => self.list_height() / 2,
                            _ => usize::MAX / 2,
                        };
                        self.overlay = Some(Overlay::Help {
                            scroll: scroll.saturating_sub(step),
                        });
                    }
                    _ => {}
                }
                Vec::new()
            }
            Overlay::Filter { input, error } => match action {
                Action::Back => Vec::new(),
                Action::Quit => {
                    self.quit = true;
                    Vec::new()
                }
                Action::Confirm => {
                    let typed = text_of(&input);
                    match query::parse(&typed) {
                        Ok(_) => {
                            self.view = None;
                            self.apply_query(typed.trim().to_string())
                        }
                        Err(e) => {
                            self.overlay = Some(Overlay::Filter {
                                input,
                                error: Some(e.to_string()),
                            });
                            Vec::new()
                        }
                    }
                }
                _ => {
                    self.overlay = Some(Overlay::Filter { input, error });
                    Vec::new()
                }
            },
            Overlay::Picker(mut picker) => match action {
                Action::Back => Vec::new(),
                Action::Quit => {
                    self.quit = true;
                    Vec::new()
                }
                Action::Up | Action::Down => {
                    picker.move_by(if action == Action::Up { -1 } else { 1 });
                    self.overlay = Some(Overlay::Picker(picker));
                    Vec::new()
                }
                Action::Toggle if picker.multi => {
                    picker.toggle();
                    self.overlay = Some(Overlay::Picker(picker));
                    Vec::new()
                }
                Action::Toggle => {
                    // A space narrows the list like any character.
                    picker.filter.insert_char(' ');
                    self.overlay = Some(Overlay::Picker(picker));
                    Vec::new()
                }
                Action::Confirm => self.picked(picker),
                _ => {
                    self.overlay = Some(Overlay::Picker(picker));
                    Vec::new()
                }
            },
            Overlay::Prompt(prompt) => match action {
                Action::Back => Vec::new(),
                Action::Quit => {
                    self.quit = true;
                    Vec::new()
                }
                Action::Confirm => {
                    let typed = text_of(&prompt.input).trim().to_string();
                    match prompt.purpose {
                        Ask::ApproveNote { keys } => {
                            let note = Some(typed).filter(|n| !n.is_empty());
                            let targets = self.versions(keys);
                            self.write_to(Op::Approve(note), targets)
                        }
                        Ask::Tags { key } => {
                            let tags = typed.split_whitespace().map(str::to_string).collect();
                            let targets = self.versions(vec![key]);
                            self.write_to(Op::Tags(tags), targets)
                        }
                    }
                }
                _ => {
                    self.overlay = Some(Overlay::Prompt(prompt));
                    Vec::new()
                }
            },
            Overlay::Composer(composer) => self.act_in_composer(composer, action),
        }
    }
}

fn has_text(q: &Query) -> bool {
    q.terms.iter().any(|t: &Term| {
        !t.negated && matches!(&t.kind, TermKind::Text(s) if s.chars().any(char::is_alphanumeric))
    })
}

pub fn describe_keys(keys: &[String]) -> String {
    match keys {
        [one] => one.clone(),
        many => format!("{} tickets", many.len()),
    }
}

/// A key as the text area wants it.
fn to_input(key: Key) -> ratatui_textarea::Input {
    use ratatui_textarea::Key as K;
    let k = match key.code {
        Code::Char(c) => K::Char(c),
        Code::Enter => K::Enter,
        Code::Esc => K::Esc,
        Code::Tab => K::Tab,
        Code::BackTab => K::Null,
        Code::Backspace => K::Backspace,
        Code::Delete => K::Delete,
        Code::Up => K::Up,
        Code::Down => K::Down,
        Code::Left => K::Left,
        Code::Right => K::Right,
        Code::Home => K::Home,
        Code::End => K::End,
        Code::PageUp => K::PageUp,
        Code::PageDown => K::PageDown,
        Code::F(n) => K::F(n),
    };
    ratatui_textarea::Input {
        key: k,
        ctrl: key.ctrl,
        alt: key.alt,
        shift: false,
    }
}
