//! The user's changes to tickets on their way out (asking first where a change is easy
//! to regret) and the desk's answers coming back: comments, new tickets, writes, undo.

use crate::client::DeskError;
use crate::domain::attachment::Attached;
use crate::domain::model::{Comment, Ticket, Visibility};

use super::App;
use crate::tui::context::describe_keys;
use crate::tui::drafts::Draft;
use crate::tui::files::Saved;
use crate::tui::overlays;
use crate::tui::overlays::composer::Composer;
use crate::tui::overlays::confirm::Confirm;
use crate::tui::protocol::{Effect, Op, TermEffect};

impl App {
    pub(super) fn on_written(
        &mut self,
        op: Op,
        results: Vec<(String, Result<Ticket, DeskError>)>,
    ) -> Vec<Effect> {
        let written = self.list.written(&op, results, &self.ctx.refs);
        let (changed, summary) = (written.answered, written.summary);
        let summary = summary.map_err(|why| self.ctx.refs.humane(&why));
        if !written.reverse.is_empty() {
            self.undo = written.reverse;
        }
        let mut effects = self.detail.reload_if_shown(&changed);
        if let Op::Reject(_) = &op {
            effects.extend(self.composer_answered(summary.is_ok()));
        }
        // Only the dialog that sent this write hears its answer: one closed meanwhile
        // may have been replaced by another that is waiting for its own.
        if self
            .awaited
            .as_ref()
            .is_some_and(|(o, keys)| *o == op && *keys == changed)
        {
            self.awaited = None;
            overlays::answer(&mut self.overlay, &summary);
        }
        match summary {
            Ok(text) => self.status.tell(text),
            Err(text) => self.status.warn(text),
        }
        effects
    }

    /// An undo went through (or not): the list shows the tickets as they are now, and
    /// there is nothing more to undo.
    pub(super) fn on_undone(
        &mut self,
        op: Option<Op>,
        results: Vec<(String, Result<Ticket, DeskError>)>,
    ) -> Vec<Effect> {
        let op = op.unwrap_or(Op::Assign(None));
        let written = self.list.written(&op, results, &self.ctx.refs);
        match written.summary {
            Ok(_) => self
                .status
                .tell(format!("undone on {}", written.answered.join(", "))),
            Err(why) => self
                .status
                .warn(format!("not undone: {}", self.ctx.refs.humane(&why))),
        }
        let mut effects = self.detail.reload_if_shown(&written.answered);
        effects.extend(self.start_refresh());
        effects
    }

    pub(super) fn on_commented(
        &mut self,
        key: String,
        result: Result<Comment, DeskError>,
    ) -> Vec<Effect> {
        match result {
            Ok(comment) => {
                let what = match comment.visibility {
                    Visibility::Internal => "internal note added to",
                    Visibility::Public => "reply sent on",
                };
                self.status.tell(format!("{what} {key}"));
                let mut effects = self.composer_answered(true);
                effects.extend(self.detail.reload_if_shown(&[key]));
                // Its row's Upd and place, from the feed.
                effects.extend(self.start_refresh());
                effects
            }
            Err(e) => {
                let why = self.ctx.refs.humane(&e.to_string());
                self.status
                    .warn(format!("comment not sent: {why}; the draft is kept"));
                self.composer_answered(false)
            }
        }
    }

    pub(super) fn on_attached(
        &mut self,
        key: String,
        result: Result<Attached, DeskError>,
    ) -> Vec<Effect> {
        match result {
            Ok(sent) => {
                let files = sent.attachments.len();
                let what = match sent.comment.as_ref().map(|c| c.visibility) {
                    Some(Visibility::Internal) => "internal note with",
                    Some(Visibility::Public) => "reply with",
                    None => "",
                };
                self.status.tell(
                    format!("{what} {files} file(s) sent on {key}")
                        .trim()
                        .to_string(),
                );
                self.list.rows.update(&sent.ticket);
                let mut effects = self.composer_answered(true);
                effects.extend(self.detail.reload_if_shown(&[key]));
                effects.extend(self.start_refresh());
                effects
            }
            Err(e) => {
                let why = self.ctx.refs.humane(&e.to_string());
                self.status.warn(format!(
                    "files not sent: {why}; the draft and its files are kept"
                ));
                self.composer_answered(false)
            }
        }
    }

    /// An attachment reached the download directory (and was opened, or its link
    /// copied, where it could not be).
    pub(super) fn on_saved(&mut self, name: &str, result: Result<Saved, String>) -> Vec<Effect> {
        match result {
            Ok(saved) => {
                let path = saved.path.display();
                match (saved.opened, saved.link) {
                    (true, _) => self.status.tell(format!("saved {path} and opened it")),
                    (false, Some(link)) => {
                        self.status
                            .tell(format!("saved {path}; link copied (it needs your token)"));
                        return vec![TermEffect::Copy(link).into()];
                    }
                    (false, None) => self.status.tell(format!("saved {path}")),
                }
            }
            Err(why) => self.status.warn(format!("{name} not saved: {why}")),
        }
        Vec::new()
    }

    pub(super) fn on_created(&mut self, result: Result<Ticket, DeskError>) -> Vec<Effect> {
        match result {
            Ok(ticket) => {
                self.status.tell(format!("filed {}", ticket.key));
                self.list.show_filed(&ticket, self.ctx.layout.list_rows());
                let mut effects = self.composer_answered(true);
                effects.extend(self.after_move());
                // The feed says whether the filter takes it, and brings the count.
                effects.extend(self.start_refresh());
                effects
            }
            Err(e) => {
                let why = self.ctx.refs.humane(&e.to_string());
                self.status
                    .warn(format!("ticket not filed: {why}; the draft is kept"));
                self.composer_answered(false)
            }
        }
    }

    /// What the composer sent was taken (it closes, its draft goes) or refused (it stays
    /// open with its text, kept as a draft).
    pub(super) fn composer_answered(&mut self, taken: bool) -> Vec<Effect> {
        let Some(c) = self.overlay_as_mut::<Composer>() else {
            return Vec::new();
        };
        let (id, draft) = (c.draft_id(), c.to_draft());
        if taken {
            self.overlay = None;
            return Effect::save(self.drafts.discard(&id));
        }
        c.not_sent();
        self.keep_draft(&id, draft)
    }

    pub(super) fn keep_draft(&mut self, id: &str, draft: Draft) -> Vec<Effect> {
        Effect::save(self.drafts.keep(id, draft))
    }

    /// Keeps what an open composer holds (on quit, or a signal from outside the keys).
    pub fn keep_open_draft(&mut self) -> Vec<Effect> {
        match self.overlay.as_ref().and_then(|o| o.draft()) {
            Some((id, draft)) => self.keep_draft(&id, draft),
            None => Vec::new(),
        }
    }

    /// The tickets a supervisor's decision applies to. The service checks the role too;
    /// asking first spares a supervisor-only prompt to someone who cannot use it.
    pub(super) fn decision_targets(&mut self, verb: &str) -> Option<Vec<String>> {
        if !self.ctx.info.user.role.is_supervisor() {
            self.status
                .warn(format!("only supervisors and admins may {verb} requests"));
            return None;
        }
        Some(self.list.rows.targets()).filter(|keys| !keys.is_empty())
    }

    /// A change, after "are you sure?" where it touches several tickets or takes one
    /// from someone else.
    pub(super) fn ask_or_write(&mut self, op: Op, keys: Vec<String>) -> Vec<Effect> {
        match Confirm::needed(&op, &keys, &self.list.rows, &self.ctx) {
            Some(question) => {
                self.overlay = Some(Box::new(question));
                Vec::new()
            }
            None => self.write_to(op, keys),
        }
    }

    pub(super) fn write_to(&mut self, op: Op, keys: Vec<String>) -> Vec<Effect> {
        if !keys.is_empty() {
            self.status.tell(format!("{}…", describe_keys(&keys)));
        }
        self.awaited = self
            .overlay
            .as_ref()
            .is_some_and(|o| o.awaiting())
            .then(|| (op.clone(), keys.clone()));
        self.list.write(op, keys)
    }
}
