//! The TUI's state and its update function: a key or a message comes in, the state
//! changes, and what must happen outside (a desk call, the clipboard, the editor, the
//! drafts file) goes out as [`Effect`]s. No I/O here, so the whole app can be driven
//! headless by tests. The panes and overlays own their state and drawing; this routes
//! keys and messages to them and carries out the ticket-level commands.

use crate::client::{DeskError, DeskInfo};
use crate::domain::model::{Comment, Ticket, Visibility};
use crate::domain::requests::TicketList;
use crate::domain::time::Millis;

use super::action::Action;
use super::context::{Context, Settings, describe_keys};
use super::drafts::{Draft, Drafts};
use super::keymap::{Key, Pane};
use super::layout::Layout;
use super::overlays::composer::{Compose, Composer};
use super::overlays::filter::FilterBar;
use super::overlays::help::Help;
use super::overlays::palette::palette;
use super::overlays::picker::Picker;
use super::overlays::prompt::Prompt;
use super::overlays::{Cmd, Outcome, Overlay};
use super::panes::detail::DetailPane;
use super::panes::list::ListPane;
use super::protocol::{Call, Effect, Msg, Op, Refreshed, TermEffect, Wake};
use super::refs::Reference;
use super::sync::SyncState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    List,
    Detail,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
}

pub struct App {
    /// What panes and overlays may read: who is looking, keys, theme, layout, time.
    pub ctx: Context,
    /// The saved view in force, if the filter came from one.
    pub view: Option<usize>,
    pub list: ListPane,
    pub detail: DetailPane,
    pub focus: Focus,
    /// Narrow terminals show one pane at a time: the detail, after Enter.
    pub detail_open: bool,
    overlay: Option<Box<dyn Overlay>>,
    pub notice: Option<Notice>,
    pub sync: SyncState,
    pub drafts: Drafts,
    pub quit: bool,
    /// Something on screen changed since the last frame.
    pub dirty: bool,
    clock: String,
}

impl App {
    pub fn new(info: DeskInfo, settings: Settings, drafts: Drafts, now: Millis) -> App {
        let sync = SyncState::new(settings.refresh_interval);
        App {
            ctx: Context {
                info,
                settings,
                refs: Reference::default(),
                layout: Layout::new(80, 24, false),
                now,
            },
            view: None,
            list: ListPane::default(),
            detail: DetailPane::default(),
            focus: Focus::List,
            detail_open: false,
            overlay: None,
            notice: None,
            sync,
            drafts,
            quit: false,
            dirty: true,
            clock: String::new(),
        }
    }

    /// What to do first: reference data, the feed position, the first page.
    pub fn start(&mut self) -> Vec<Effect> {
        let mut effects = vec![Call::LoadReference.into(), Call::Head.into()];
        effects.extend(self.apply_query(String::new()));
        if !self.drafts.is_empty() {
            let n = self.drafts.len();
            let key = self.ctx.word(Pane::List, Action::Comment);
            self.tell(format!(
                "{n} unsent draft(s) kept from before: open the ticket and press {key}"
            ));
        }
        effects
    }

    pub fn overlay(&self) -> Option<&dyn Overlay> {
        self.overlay.as_deref()
    }

    /// The open overlay, if it is a `T` (tests and the answers that concern it).
    pub fn overlay_as<T: 'static>(&self) -> Option<&T> {
        self.overlay.as_ref()?.as_any().downcast_ref()
    }

    fn overlay_as_mut<T: 'static>(&mut self) -> Option<&mut T> {
        self.overlay.as_mut()?.as_any_mut().downcast_mut()
    }

    /// Whether the detail pane is on screen.
    pub fn detail_visible(&self) -> bool {
        self.ctx.layout.detail.is_some()
    }

    fn list_rows(&self) -> usize {
        self.ctx.layout.list_rows()
    }

    /// The keymap table keys go to now.
    pub fn pane(&self) -> Pane {
        match (&self.overlay, self.focus) {
            (Some(o), _) => o.pane(),
            (None, Focus::List) => Pane::List,
            (None, Focus::Detail) => Pane::Detail,
        }
    }

    /// The hint bar's keys and words for what has focus, for the one looking.
    pub fn hints(&self) -> Vec<(String, &'static str)> {
        match &self.overlay {
            Some(o) => o.hints(&self.ctx),
            None => {
                // In the list, back only clears marks: offered when there are some.
                let marks = !self.list.rows.marked.is_empty() || self.focus == Focus::Detail;
                self.ctx.keymap().hints(self.pane(), |a| {
                    self.ctx.available(a) && (a != Action::Back || marks)
                })
            }
        }
    }

    pub fn tell(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            error: false,
        });
        self.dirty = true;
    }

    pub fn warn(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            error: true,
        });
        self.dirty = true;
    }

    pub fn resize(&mut self, width: u16, height: u16) -> Vec<Effect> {
        self.ctx.layout = Layout::new(width, height, self.detail_open);
        self.detail.measure(&self.ctx);
        self.dirty = true;
        let rows = self.list_rows();
        self.list.rows.scroll_into_view(rows);
        self.after_move()
    }

    fn set_detail_open(&mut self, open: bool) {
        self.detail_open = open;
        let screen = self.ctx.layout.screen;
        self.ctx.layout = Layout::new(screen.width, screen.height, open);
    }

    /// The clock ticks (about once a second): time moves on, and the screen is redrawn
    /// only when the status bar's words change.
    pub fn tick(&mut self, now: Millis) -> Vec<Effect> {
        self.ctx.now = now;
        let clock = self.clock_text();
        if clock != self.clock {
            self.clock = clock;
            self.dirty = true;
        }
        if self.sync.due(now) {
            return self.refresh_now();
        }
        Vec::new()
    }

    /// "synced 12s ago", "offline, retrying in 20s", "live".
    pub fn clock_text(&self) -> String {
        self.sync.clock_text(self.ctx.now, self.list.rows.loaded)
    }

    /// Whatever is missing (the first page, the feed position), then what changed.
    fn refresh_now(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        if self.list.needs_reload() {
            effects.extend(self.list.reload());
        }
        if self.sync.head.is_none() {
            effects.push(Call::Head.into());
        }
        effects.extend(self.start_refresh());
        effects
    }

    pub fn start_refresh(&mut self) -> Vec<Effect> {
        let Some(after) = self.sync.begin() else {
            return Vec::new();
        };
        vec![
            Call::Refresh {
                epoch: self.list.epoch,
                query: self.list.query.clone(),
                after,
            }
            .into(),
        ]
    }

    fn backoff(&mut self, error: &DeskError) {
        self.sync.backoff(self.ctx.now, error);
        self.dirty = true;
    }

    fn recovered(&mut self) {
        if self.sync.recovered() {
            self.tell("back online");
        }
    }

    /// Loads the list for `query` from the top.
    fn apply_query(&mut self, query: String) -> Vec<Effect> {
        self.dirty = true;
        self.list.set_query(query)
    }

    /// After the selection moved: the next page when near the end, and the selected
    /// ticket's detail when it is on screen.
    fn after_move(&mut self) -> Vec<Effect> {
        self.dirty = true;
        let mut effects = self.list.after_move(self.list_rows());
        if self.detail_visible()
            && let Some(key) = self.list.rows.selected_row().map(|r| r.key.clone())
        {
            effects.extend(self.show_detail(key, true));
        }
        effects
    }

    fn show_detail(&mut self, key: String, settle: bool) -> Vec<Effect> {
        self.list.rows.changed.remove(&key);
        self.detail.show(key, settle)
    }

    // ---- messages ----

    pub fn on_msg(&mut self, msg: Msg) -> Vec<Effect> {
        self.dirty = true;
        match msg {
            Msg::Reference(Ok(refs)) => {
                self.ctx.refs = refs;
                self.detail.measure(&self.ctx);
            }
            Msg::Reference(Err(e)) => {
                self.warn(format!("cannot load the desk's statuses and people: {e}"));
            }
            Msg::Head(Ok(head)) => {
                if self.sync.head.is_none() {
                    self.sync.head = Some(head);
                    self.sync.synced_at = Some(self.ctx.now);
                    self.sync.schedule(self.ctx.now);
                }
            }
            Msg::Head(Err(e)) => self.backoff(&e),
            Msg::Page { epoch, result } if epoch == self.list.epoch => return self.on_page(result),
            Msg::Count { epoch, result } if epoch == self.list.epoch => {
                if let Ok(n) = result {
                    self.list.rows.total = Some(n);
                }
            }
            Msg::Page { .. } | Msg::Count { .. } => {}
            Msg::Detail { key, result } => {
                let (effects, ticket) = self.detail.on_loaded(&key, result, &self.ctx);
                if let Some(ticket) = ticket {
                    self.list.rows.update(&ticket);
                }
                return effects;
            }
            Msg::Refreshed { epoch, result } => return self.on_refreshed(epoch, result),
            Msg::Transitions { keys, result } => match result {
                Ok(targets) if targets.is_empty() => self.warn(format!(
                    "{} cannot move anywhere you may take it",
                    describe_keys(&keys)
                )),
                Ok(targets) => {
                    self.overlay = Some(Box::new(Picker::status(keys, &targets, &self.ctx)));
                }
                Err(e) => self.warn(format!(
                    "cannot read where {} may go: {e}",
                    describe_keys(&keys)
                )),
            },
            Msg::Written { op, results } => return self.on_written(op, results),
            Msg::Commented { key, result } => return self.on_commented(key, result),
            Msg::Created(result) => return self.on_created(result),
            Msg::Live(live) => {
                let dropped = self.sync.live && !live;
                self.sync.live = live;
                // A dropped stream may mean the server went away: find out now rather
                // than at the next poll (which may be off).
                if dropped {
                    return self.start_refresh();
                }
            }
            Msg::Nudge => return self.start_refresh(),
            Msg::Woke(Wake::Detail(key)) => return self.detail.on_wake(&key),
            Msg::Edited(Ok(text)) => {
                if let Some(c) = self.overlay_as_mut::<Composer>() {
                    c.set_text(&text);
                }
            }
            Msg::Edited(Err(e)) => self.warn(format!("the editor failed: {e}")),
            Msg::DraftsNotSaved(why) => {
                self.warn(format!("{why}; the draft is kept only until desk quits"));
            }
        }
        Vec::new()
    }

    fn on_page(&mut self, result: Result<TicketList, DeskError>) -> Vec<Effect> {
        match result {
            Ok(page) => {
                let first = !self.list.rows.loaded;
                if let Some(more) = self.list.on_page(page, self.list_rows()) {
                    return more;
                }
                if first {
                    self.recovered();
                }
                self.after_move()
            }
            Err(e) => {
                self.list.page_failed();
                self.warn(format!("cannot load tickets: {e}"));
                self.backoff(&e);
                Vec::new()
            }
        }
    }

    fn on_refreshed(&mut self, epoch: u64, result: Result<Refreshed, DeskError>) -> Vec<Effect> {
        let mut again = self.sync.end();
        let mut effects = Vec::new();
        match result {
            // Found for a filter no longer shown: the feed position stays, so the next
            // refresh applies the same changes to the new list.
            Ok(_) if epoch != self.list.epoch => again = true,
            Ok(found) => {
                self.recovered();
                self.sync.head = Some(found.last_seq);
                self.sync.synced_at = Some(self.ctx.now);
                if found.reload {
                    effects.extend(self.apply_query(self.list.query.clone()));
                } else {
                    let watched = self.detail.key.clone().filter(|_| self.detail_visible());
                    let rows = self.list_rows();
                    let changed = self.list.merge(&found, watched.as_deref(), rows);
                    effects.extend(self.detail.reload_if_shown(&changed));
                }
            }
            Err(e) => self.backoff(&e),
        }
        if self.sync.failures == 0 {
            self.sync.schedule(self.ctx.now);
        }
        if again {
            effects.extend(self.start_refresh());
        }
        effects
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
                    self.list.rows.update(&ticket);
                    self.list.rows.marked.remove(&key);
                    done.push(key);
                }
                Err(DeskError::Conflict { current, message }) => {
                    if let Some(current) = current {
                        self.list.rows.update(&current);
                    }
                    failed.push((key, format!("{message} (now shown as it is; try again)")));
                }
                Err(e) => failed.push((key, e.to_string())),
            }
        }
        let mut changed = done.clone();
        changed.extend(failed.iter().map(|(key, _)| key.clone()));
        let mut effects = self.detail.reload_if_shown(&changed);
        if let Op::Reject(_) = &op
            && let Some(c) = self.overlay_as_mut::<Composer>()
        {
            let (id, draft) = (c.draft_id(), c.to_draft());
            if failed.is_empty() {
                self.overlay = None;
                effects.extend(self.drafts.discard(&id).map(Effect::SaveDrafts));
            } else {
                c.not_sent();
                effects.extend(self.keep_draft(&id, draft));
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
        let Some(c) = self.overlay_as_mut::<Composer>() else {
            return Vec::new();
        };
        let (id, draft) = (c.draft_id(), c.to_draft());
        match result {
            Ok(comment) => {
                self.overlay = None;
                let what = match comment.visibility {
                    Visibility::Internal => "internal note added to",
                    Visibility::Public => "reply sent on",
                };
                self.tell(format!("{what} {key}"));
                let mut effects: Vec<Effect> = self
                    .drafts
                    .discard(&id)
                    .map(Effect::SaveDrafts)
                    .into_iter()
                    .collect();
                effects.extend(self.detail.reload_if_shown(&[key]));
                effects
            }
            Err(e) => {
                c.not_sent();
                self.warn(format!("comment not sent: {e}; the draft is kept"));
                self.keep_draft(&id, draft)
            }
        }
    }

    fn on_created(&mut self, result: Result<Ticket, DeskError>) -> Vec<Effect> {
        let Some(c) = self.overlay_as_mut::<Composer>() else {
            return Vec::new();
        };
        let (id, draft) = (c.draft_id(), c.to_draft());
        match result {
            Ok(ticket) => {
                self.overlay = None;
                self.tell(format!("filed {}", ticket.key));
                self.list.rows.merge(std::slice::from_ref(&ticket), &[]);
                self.drafts
                    .discard(&id)
                    .map(Effect::SaveDrafts)
                    .into_iter()
                    .collect()
            }
            Err(e) => {
                c.not_sent();
                self.warn(format!("ticket not filed: {e}; the draft is kept"));
                self.keep_draft(&id, draft)
            }
        }
    }

    fn keep_draft(&mut self, id: &str, draft: Draft) -> Vec<Effect> {
        self.drafts
            .keep(id, draft)
            .map(Effect::SaveDrafts)
            .into_iter()
            .collect()
    }

    /// Keeps what an open composer holds (on quit, or a signal from outside the keys).
    pub fn keep_open_draft(&mut self) -> Vec<Effect> {
        match self.overlay.as_ref().and_then(|o| o.draft()) {
            Some((id, draft)) => self.keep_draft(&id, draft),
            None => Vec::new(),
        }
    }

    // ---- keys ----

    pub fn on_key(&mut self, key: Key) -> Vec<Effect> {
        self.dirty = true;
        let actions = self
            .ctx
            .keymap()
            .lookup(self.pane(), key)
            .map(<[Action]>::to_vec);
        match actions {
            Some(actions) => actions
                .into_iter()
                .flat_map(|a| self.act_with(a, Some(key)))
                .collect(),
            // A key no binding claims: text for the overlay that has focus.
            None => match self.overlay.as_mut() {
                Some(o) => {
                    let outcome = o.input(key, &self.ctx);
                    self.settle(outcome)
                }
                None => Vec::new(),
            },
        }
    }

    /// Pasted text goes whole into the input that has focus (never read as keys).
    pub fn paste(&mut self, text: &str) -> Vec<Effect> {
        self.dirty = true;
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        if let Some(o) = self.overlay.as_mut() {
            o.paste(&text);
        }
        Vec::new()
    }

    /// Runs one action, as its key would.
    pub fn act(&mut self, action: Action) -> Vec<Effect> {
        self.act_with(action, None)
    }

    /// `key`: the key that asked for it, typed as text should the overlay not take it.
    fn act_with(&mut self, action: Action, key: Option<Key>) -> Vec<Effect> {
        self.dirty = true;
        if action == Action::Quit {
            self.quit = true;
            return self.keep_open_draft();
        }
        let Some(overlay) = self.overlay.as_mut() else {
            return self.act_on_tickets(action);
        };
        let outcome = match (overlay.act(action, &self.ctx), key) {
            (Outcome::NotConsumed, Some(key)) => overlay.input(key, &self.ctx),
            (outcome, _) => outcome,
        };
        self.settle(outcome)
    }

    fn settle(&mut self, outcome: Outcome) -> Vec<Effect> {
        match outcome {
            Outcome::NotConsumed => Vec::new(),
            Outcome::Keep(cmds) => self.run(cmds),
            Outcome::Close(cmds) => {
                self.overlay = None;
                self.run(cmds)
            }
        }
    }

    /// Carries out what an overlay asked for.
    fn run(&mut self, cmds: Vec<Cmd>) -> Vec<Effect> {
        let mut effects = Vec::new();
        for cmd in cmds {
            match cmd {
                Cmd::Effect(effect) => effects.push(effect),
                Cmd::Query(query) => {
                    self.view = None;
                    effects.extend(self.apply_query(query));
                }
                Cmd::Write(op, keys) => effects.extend(self.write_to(op, keys)),
                Cmd::Run(action) => effects.extend(self.act(action)),
                Cmd::Facet(field) => {
                    let tags = self.list.tags();
                    let picker = Picker::facet_values(field, &self.list.query, tags, &self.ctx);
                    self.overlay = Some(Box::new(picker));
                }
                Cmd::Reject(keys) => self.open_reject(keys),
                Cmd::Open(overlay) => self.overlay = Some(overlay),
                Cmd::KeepDraft(id, draft) => effects.extend(self.keep_draft(&id, draft)),
                Cmd::DiscardDraft(id) => {
                    effects.extend(self.drafts.discard(&id).map(Effect::SaveDrafts));
                }
                Cmd::Tell(text) => self.tell(text),
                Cmd::Warn(text) => self.warn(text),
            }
        }
        effects
    }

    fn open(&mut self, overlay: impl Overlay + 'static) -> Vec<Effect> {
        self.overlay = Some(Box::new(overlay));
        Vec::new()
    }

    fn open_reject(&mut self, keys: Vec<String>) {
        let id = Compose::Reject { keys: keys.clone() }.draft_id();
        let composer = Composer::reject(keys, self.drafts.get(&id));
        self.overlay = Some(Box::new(composer));
    }

    /// An action on the list or the detail (no overlay open).
    fn act_on_tickets(&mut self, action: Action) -> Vec<Effect> {
        let rows = self.list_rows();
        let half = (rows / 2).max(1) as isize;
        let in_detail = self.focus == Focus::Detail;
        match action {
            Action::Help => self.open(Help::default()),
            Action::Palette => self.open(palette(&self.ctx)),
            Action::Refresh => {
                self.tell("refreshing…");
                self.refresh_now()
            }
            Action::FocusNext if in_detail => self.act(Action::Back),
            Action::FocusNext => self.act(Action::Open),
            Action::Up
            | Action::Down
            | Action::HalfPageDown
            | Action::HalfPageUp
            | Action::Bottom
                if in_detail =>
            {
                let delta = match action {
                    Action::Up => -1,
                    Action::Down => 1,
                    Action::HalfPageDown => half,
                    Action::HalfPageUp => -half,
                    _ => isize::MAX / 2,
                };
                self.detail.scroll_by(delta, &self.ctx.layout);
                Vec::new()
            }
            Action::Top if in_detail => {
                self.detail.scroll = 0;
                Vec::new()
            }
            Action::Up => self.move_list(-1),
            Action::Down => self.move_list(1),
            Action::HalfPageDown => self.move_list(half),
            Action::HalfPageUp => self.move_list(-half),
            Action::Top => {
                self.list.top(rows);
                self.after_move()
            }
            Action::Bottom => match self.list.bottom(rows) {
                Some(loading) => {
                    let total = self
                        .list
                        .rows
                        .total
                        .map(|n| format!(" of {n}"))
                        .unwrap_or_default();
                    self.tell(format!("loading to the last ticket{total}…"));
                    loading
                }
                None => self.after_move(),
            },
            Action::Open => {
                let Some(key) = self.selected_key() else {
                    return Vec::new();
                };
                self.focus = Focus::Detail;
                self.set_detail_open(true);
                self.show_detail(key, false)
            }
            Action::Back if in_detail => {
                self.focus = Focus::List;
                self.set_detail_open(false);
                Vec::new()
            }
            Action::Back if !self.list.rows.marked.is_empty() => {
                self.list.rows.marked.clear();
                self.tell("marks cleared");
                Vec::new()
            }
            Action::Filter => self.open(FilterBar::new(&self.list.query)),
            Action::Facets => self.open(Picker::facets()),
            Action::ClearFilter => {
                self.view = None;
                self.apply_query(String::new())
            }
            Action::Mark => {
                self.list.rows.toggle_mark();
                self.move_list(1)
            }
            Action::Comment => match self.selected_key() {
                Some(key) => {
                    let id = Compose::Comment { key: key.clone() }.draft_id();
                    let composer = Composer::comment(key, self.drafts.get(&id));
                    self.open(composer)
                }
                None => Vec::new(),
            },
            Action::AssignMe => {
                let me = self.ctx.info.user.email.clone();
                self.write_to(Op::Assign(Some(me)), self.list.rows.targets())
            }
            Action::Assign => match self.list.rows.targets() {
                keys if keys.is_empty() => Vec::new(),
                keys => self.open(Picker::assign(keys, &self.ctx)),
            },
            Action::Status => match self.list.rows.targets() {
                keys if keys.is_empty() => Vec::new(),
                keys => vec![Call::Transitions { keys }.into()],
            },
            Action::Priority => match self.list.rows.targets() {
                keys if keys.is_empty() => Vec::new(),
                keys => self.open(Picker::priority(keys, &self.ctx)),
            },
            Action::Tags => match self.list.rows.selected_row() {
                Some(row) => {
                    let tags: Vec<String> = row.tags.iter().map(ToString::to_string).collect();
                    let prompt = Prompt::tags(row.key.clone(), &tags, &self.ctx);
                    self.open(prompt)
                }
                None => Vec::new(),
            },
            Action::Approve => match self.decision_targets("approve") {
                Some(keys) => self.open(Prompt::approve(keys, &self.ctx)),
                None => Vec::new(),
            },
            Action::Reject => {
                if let Some(keys) = self.decision_targets("reject") {
                    self.open_reject(keys);
                }
                Vec::new()
            }
            Action::NewTicket => {
                let draft = self.drafts.get(&Compose::NewTicket.draft_id());
                let composer = Composer::new_ticket(draft, &self.ctx);
                self.open(composer)
            }
            Action::CopyKey => match self.selected_key() {
                Some(key) => {
                    self.tell(format!("copied {key}"));
                    vec![TermEffect::Copy(key).into()]
                }
                None => Vec::new(),
            },
            other => match other.view_number() {
                Some(n) => self.open_view(n),
                None => Vec::new(),
            },
        }
    }

    fn selected_key(&self) -> Option<String> {
        self.list.rows.selected_row().map(|r| r.key.clone())
    }

    fn open_view(&mut self, n: u8) -> Vec<Effect> {
        let index = usize::from(n).saturating_sub(1);
        match self.ctx.settings.views.get(index).cloned() {
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

    /// The tickets a supervisor's decision applies to. The service checks the role too;
    /// asking first spares a supervisor-only prompt to someone who cannot use it.
    fn decision_targets(&mut self, verb: &str) -> Option<Vec<String>> {
        if !self.ctx.info.user.role.is_supervisor() {
            self.warn(format!("only supervisors and admins may {verb} requests"));
            return None;
        }
        Some(self.list.rows.targets()).filter(|keys| !keys.is_empty())
    }

    fn move_list(&mut self, delta: isize) -> Vec<Effect> {
        self.list.move_by(delta, self.list_rows());
        self.after_move()
    }

    /// A change to `keys`, each at the version the list shows, so nobody's change is
    /// overwritten unseen.
    fn write_to(&mut self, op: Op, keys: Vec<String>) -> Vec<Effect> {
        if keys.is_empty() {
            return Vec::new();
        }
        self.tell(format!("{}…", describe_keys(&keys)));
        let targets = keys
            .into_iter()
            .map(|k| {
                let v = self.list.rows.version_of(&k);
                (k, v)
            })
            .collect();
        vec![Call::Write { op, targets }.into()]
    }
}
