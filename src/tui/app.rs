//! The TUI's state and its update function: a key or a message comes in, the state
//! changes, and what must happen outside (a desk call, the clipboard, the editor, the
//! drafts file) goes out as [`Effect`]s. No I/O here, so the whole app can be driven
//! headless by tests. The panes and overlays own their state and drawing; this routes
//! keys and messages to them and carries out the ticket-level commands.

use crate::client::DeskInfo;
use crate::domain::time::Millis;

use super::action::Action;
use super::alerts::Alerts;
use super::context::{Context, Settings};
use super::drafts::Drafts;
use super::keymap::{Key, Pane};
use super::layout::Layout;
use super::overlays::attachments::AttachmentList;
use super::overlays::composer::Composer;
use super::overlays::picker::Picker;
use super::overlays::prompt::Prompt;
use super::overlays::seek::Seek;
use super::overlays::{self, Cmd, Outcome, Overlay};
use super::panes::dashboard::Dashboard;
use super::panes::detail::DetailPane;
use super::panes::list::{ListPane, Moved};
use super::panes::{self, Focus};
use super::protocol::{Call, Effect, Msg, Op, TermEffect, Wake};
use super::refs::Reference;
use super::status::Status;
use super::sync::SyncState;
use super::undo::Reverse;

mod changes;
mod dashboard;
mod feed;
mod mouse;
mod seek;
mod sort;

pub struct App {
    /// What panes and overlays may read: who is looking, keys, theme, layout, time.
    pub ctx: Context,
    pub list: ListPane,
    pub detail: DetailPane,
    pub focus: Focus,
    /// Narrow terminals show one pane at a time: the detail, after Enter.
    pub detail_open: bool,
    overlay: Option<Box<dyn Overlay>>,
    pub status: Status,
    pub sync: SyncState,
    pub drafts: Drafts,
    /// The opposite of the user's last change, for `u`.
    pub undo: Vec<Reverse>,
    /// The write the open dialog sent and waits for, so no other answer reaches it.
    awaited: Option<(Op, Vec<String>)>,
    /// What rings the bell (`[ui] notify`).
    alerts: Alerts,
    alert_warnings: Vec<String>,
    /// The search in the loaded list (`n`/`N` go on with it).
    pub search: Option<seek::Search>,
    /// The list shows a ticket gone to by key, not the filter.
    pub jumped: Option<seek::Jumped>,
    /// How many tickets each saved view holds (the tab line), once counted.
    view_counts: Vec<Option<i64>>,
    /// Shown instead of the list and the detail.
    pub dashboard: Option<Dashboard>,
    /// The row last clicked and when, to tell a double click.
    last_click: Option<(usize, Millis)>,
    pub quit: bool,
    /// Something on screen changed since the last frame.
    pub dirty: bool,
}

impl App {
    pub fn new(info: DeskInfo, settings: Settings, drafts: Drafts, now: Millis) -> App {
        let sync = SyncState::new(settings.refresh_interval);
        let (alerts, alert_warnings) = Alerts::new(&settings.notify, &settings.views);
        App {
            ctx: Context {
                info,
                settings,
                refs: Reference::default(),
                layout: Layout::new(80, 24, false),
                now,
            },
            list: ListPane::default(),
            detail: DetailPane::default(),
            focus: Focus::List,
            detail_open: false,
            overlay: None,
            status: Status::at(now),
            sync,
            drafts,
            undo: Vec::new(),
            awaited: None,
            alerts,
            alert_warnings,
            search: None,
            jumped: None,
            last_click: None,
            dashboard: None,
            view_counts: Vec::new(),
            quit: false,
            dirty: true,
        }
    }

    /// What to do first: reference data, the feed position, the first page.
    pub fn start(&mut self) -> Vec<Effect> {
        let mut effects = vec![Call::LoadReference.into(), Call::Head.into()];
        effects.extend(self.apply_query(String::new(), None));
        effects.extend(self.count_views());
        for warning in std::mem::take(&mut self.alert_warnings) {
            self.status.warn(warning);
        }
        if !self.drafts.is_empty() {
            let n = self.drafts.len();
            let key = self.ctx.word(Pane::List, Action::Comment);
            self.status.tell(format!(
                "{n} unsent draft(s) kept from before: open the ticket and press {key}"
            ));
        }
        effects
    }

    /// The tab line's labels, with counts once known.
    pub fn tab_labels(&self) -> Vec<String> {
        self.ctx
            .settings
            .views
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let count = self.view_counts.get(i).copied().flatten();
                super::mouse::tab_label(i, &v.name, count)
            })
            .collect()
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
            None if self.dashboard.is_some() => self.dashboard_hints(),
            None => panes::hints(
                &self.ctx,
                self.pane(),
                self.focus,
                !self.list.rows.marked.is_empty(),
            ),
        }
    }

    pub fn resize(&mut self, width: u16, height: u16) -> Vec<Effect> {
        self.ctx.layout = Layout::new(width, height, self.detail_open);
        self.detail.measure(&self.ctx);
        self.dirty = true;
        let rows = self.ctx.layout.list_rows();
        self.list.rows.scroll_into_view(rows);
        self.after_move()
    }

    fn set_detail_open(&mut self, open: bool) {
        self.detail_open = open;
        let screen = self.ctx.layout.screen;
        self.ctx.layout = Layout::new(screen.width, screen.height, open);
    }

    /// Loads the list for `query` (from saved `view`) from the top.
    fn apply_query(&mut self, query: String, view: Option<usize>) -> Vec<Effect> {
        self.dirty = true;
        self.jumped = None;
        self.list.set_query(query, view)
    }

    fn after_move(&mut self) -> Vec<Effect> {
        self.dirty = true;
        panes::follow(&mut self.list, &mut self.detail, &self.ctx.layout)
    }

    // ---- messages ----

    pub fn on_msg(&mut self, msg: Msg) -> Vec<Effect> {
        self.dirty = true;
        match msg {
            Msg::Reference(Ok(refs)) => {
                if let Some(me) = &refs.me {
                    self.ctx.info.user = me.clone();
                }
                self.list.set_ranks(&refs);
                self.ctx.refs = refs;
                self.detail.measure(&self.ctx);
            }
            Msg::Reference(Err(e)) => {
                self.status
                    .warn(format!("cannot load the desk's statuses and people: {e}"));
            }
            Msg::Head(Ok(head)) => self.sync.start_at(head, self.ctx.now),
            Msg::Head(Err(e)) => self.backoff(&e),
            Msg::Page { epoch, result } if epoch == self.list.epoch => return self.on_page(result),
            Msg::Count { epoch, result } if epoch == self.list.epoch => {
                if let Ok(n) = result {
                    self.list.rows.total = Some(n);
                }
            }
            Msg::Page { .. } | Msg::Count { .. } => {}
            Msg::Detail { key, result, sent } => {
                let (effects, ticket) = self.detail.on_loaded(&key, result, sent, &self.ctx);
                if let Some(ticket) = ticket {
                    self.list.rows.update(&ticket);
                }
                return effects;
            }
            Msg::Refreshed { epoch, result } => return self.on_refreshed(epoch, result),
            Msg::ViewCounts(counts) => self.view_counts = counts,
            Msg::Dashboard { query, result } => {
                if let Some(dash) = self.dashboard.as_mut().filter(|d| d.query == query) {
                    self.status.done();
                    return dash.loaded(result, &self.ctx);
                }
            }
            Msg::Transitions { keys, result } => match Picker::status(keys, result, &self.ctx) {
                Ok(picker) => self.overlay = Some(Box::new(picker)),
                Err(why) => self.status.warn(why),
            },
            Msg::Written { op, results } => return self.on_written(op, results),
            Msg::Undone { op, results } => return self.on_undone(op, results),
            Msg::Commented { key, result } => return self.on_commented(key, result),
            Msg::Created(result) => return self.on_created(result),
            Msg::Attached { key, result } => return self.on_attached(key, result),
            Msg::Saved { name, result } => return self.on_saved(&name, result),
            Msg::Preview { id, result } => {
                if let Some(list) = self.overlay_as_mut::<AttachmentList>() {
                    list.previewed(id, result);
                }
            }
            // A dropped stream may mean the server went away: find out now rather than
            // at the next poll (which may be off).
            Msg::Live(live) if self.sync.set_live(live) => return self.start_refresh(),
            Msg::Live(_) => {}
            Msg::Nudge => return self.start_refresh(),
            Msg::Woke(Wake::Detail(key)) => return self.detail.on_wake(&key),
            Msg::Edited(Ok(text)) => {
                if let Some(c) = self.overlay_as_mut::<Composer>() {
                    c.set_text(&text);
                }
            }
            Msg::Edited(Err(e)) => self.status.warn(format!("the editor failed: {e}")),
            Msg::DraftsNotSaved(why) => {
                self.status
                    .warn(format!("{why}; the draft is kept only until desk quits"));
            }
        }
        Vec::new()
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
                Cmd::Query(query) => effects.extend(self.apply_query(query, None)),
                Cmd::Write(op, keys) => effects.extend(self.ask_or_write(op, keys)),
                Cmd::WriteNow(op, keys) => effects.extend(self.write_to(op, keys)),
                Cmd::Run(action) => effects.extend(self.act(action)),
                Cmd::Facet(field) => {
                    let tags = self.list.tags();
                    let picker = Picker::facet_values(field, &self.list.query, tags, &self.ctx);
                    self.overlay = Some(Box::new(picker));
                }
                Cmd::Reject(keys) => self.open_reject(keys),
                Cmd::Open(overlay) => self.overlay = Some(overlay),
                Cmd::KeepDraft(id, draft) => effects.extend(self.keep_draft(&id, draft)),
                Cmd::DiscardDraft(id) => effects.extend(Effect::save(self.drafts.discard(&id))),
                Cmd::Tell(text) => self.status.tell(text),
                Cmd::Warn(text) => self.status.warn(text),
                Cmd::Find(text) => {
                    self.find(text);
                    effects.extend(self.after_move());
                }
                Cmd::Jump(typed) => effects.extend(self.jump(&typed)),
            }
        }
        effects
    }

    fn open_reject(&mut self, keys: Vec<String>) {
        self.overlay = Some(Box::new(Composer::reject(keys, &self.drafts)));
    }

    /// An action on the list or the detail (no overlay open).
    fn act_on_tickets(&mut self, action: Action) -> Vec<Effect> {
        if self.dashboard.is_some() {
            return self.act_on_dashboard(action);
        }
        let in_detail = self.focus == Focus::Detail;
        if in_detail && self.detail.act(action, &self.ctx.layout) {
            return Vec::new();
        }
        match self.list.act(action, self.ctx.layout.list_rows()) {
            Moved::No => {}
            Moved::Yes => return self.after_move(),
            Moved::Loading(effects, text) => {
                self.status.busy(text);
                return effects;
            }
        }
        let keys = self.list.rows.targets();
        if keys.is_empty() && action.needs_ticket() {
            // Said, so a key pressed too early is not silently lost.
            self.status.tell(if self.list.rows.loaded {
                "no ticket to act on here"
            } else {
                "the tickets are still loading; press it again when they show"
            });
            return Vec::new();
        }
        if let Some(overlay) =
            overlays::opened_by(action, &self.ctx, &self.list, &self.drafts, &self.status)
        {
            self.overlay = Some(overlay);
            return Vec::new();
        }
        match action {
            Action::Refresh => {
                self.status.busy("refreshing…");
                self.refresh_now()
            }
            Action::FocusNext if in_detail => self.act(Action::Back),
            Action::FocusNext => self.act(Action::Open),
            Action::Open => {
                let Some(key) = self.selected_key() else {
                    return Vec::new();
                };
                self.focus = Focus::Detail;
                self.set_detail_open(true);
                panes::show(&mut self.list, &mut self.detail, key, false)
            }
            Action::Back if in_detail => {
                self.focus = Focus::List;
                self.set_detail_open(false);
                Vec::new()
            }
            Action::Back if !self.list.rows.marked.is_empty() => {
                self.list.rows.marked.clear();
                self.status.tell("marks cleared");
                Vec::new()
            }
            Action::Back if self.jumped.is_some() => self.jump_back().unwrap_or_default(),
            Action::Find => {
                let last = self.search.as_ref().map(|s| s.text.clone());
                self.search = None;
                self.overlay = Some(Box::new(Seek::find(last.as_deref())));
                Vec::new()
            }
            Action::SortNext | Action::SortReverse => self.sort(action),
            Action::FindNext => self.find_again(true),
            Action::FindPrev => self.find_again(false),
            Action::ClearFilter => self.apply_query(String::new(), None),
            Action::Undo => match self.list.undo(&self.undo) {
                Ok(effects) if effects.is_empty() => {
                    self.status.tell("nothing to undo");
                    effects
                }
                Ok(effects) => {
                    self.status.busy("undoing…");
                    self.undo.clear();
                    effects
                }
                Err(why) => {
                    self.status.warn(why);
                    Vec::new()
                }
            },
            Action::AssignMe => {
                let me = self.ctx.info.user.email.clone();
                self.ask_or_write(Op::Assign(Some(me)), keys)
            }
            Action::Status => vec![Call::Transitions { keys }.into()],
            Action::Approve => {
                if let Some(keys) = self.decision_targets("approve") {
                    self.overlay = Some(Box::new(Prompt::approve(keys, &self.ctx)));
                }
                Vec::new()
            }
            Action::Reject => {
                if let Some(keys) = self.decision_targets("reject") {
                    self.open_reject(keys);
                }
                Vec::new()
            }
            Action::Attachments => self.open_attachments(),
            Action::Dashboard => self.open_dashboard(),
            Action::CopyKey => match self.selected_key() {
                Some(key) => {
                    self.status.tell(format!("copied {key}"));
                    vec![TermEffect::Copy(key).into()]
                }
                None => Vec::new(),
            },
            other => match other.view_number() {
                Some(n) => self
                    .list
                    .open_view(n, &self.ctx.settings.views, &mut self.status),
                None => Vec::new(),
            },
        }
    }

    /// The selected ticket's files, from its detail (loaded first if it is not).
    fn open_attachments(&mut self) -> Vec<Effect> {
        let Some(key) = self.selected_key() else {
            return Vec::new();
        };
        let files = match &self.detail.view {
            Some(view) if view.ticket.key == key => view.all_attachments(),
            _ => {
                self.status.tell(format!(
                    "{key} is still loading; press it again when it shows"
                ));
                return panes::show(&mut self.list, &mut self.detail, key, false);
            }
        };
        if files.is_empty() {
            self.status.tell(format!("no files on {key}"));
            return Vec::new();
        }
        let (list, cmds) = AttachmentList::new(key, files, &self.ctx);
        self.overlay = Some(Box::new(list));
        self.run(cmds)
    }

    /// Where the screen shows ticket text whose web addresses become links: the
    /// detail, unless links are off or the dashboard has the main area.
    pub fn link_area(&self) -> Option<ratatui::layout::Rect> {
        if !self.ctx.settings.hyperlinks || self.dashboard.is_some() {
            return None;
        }
        self.ctx
            .layout
            .detail
            .map(super::layout::Layout::detail_text)
    }

    fn selected_key(&self) -> Option<String> {
        self.list.rows.selected_row().map(|r| r.key.clone())
    }
}
