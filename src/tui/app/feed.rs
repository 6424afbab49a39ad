//! Keeping the screen in step with the desk: the clock, refreshes and their backoff,
//! the list's pages and the change feed's answers, the bell, and the saved views'
//! counts.

use super::App;
use crate::client::DeskError;
use crate::domain::model::Ticket;
use crate::domain::requests::TicketList;
use crate::domain::time::Millis;
use crate::tui::overlays::filter::FilterBar;
use crate::tui::protocol::{Call, Effect, Refreshed, TermEffect};

impl App {
    /// The clock ticks (about once a second): time moves on, and the screen is redrawn
    /// only when the status bar's words change.
    pub fn tick(&mut self, now: Millis) -> Vec<Effect> {
        // A long notice that took the hint line gives it back when it is no longer fresh.
        let was_fresh = self.status.fresh(self.ctx.now);
        self.ctx.now = now;
        self.status.now = now;
        if self.status.set_clock(self.clock_text()) || was_fresh != self.status.fresh(now) {
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
    pub(super) fn refresh_now(&mut self) -> Vec<Effect> {
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
        self.sync
            .begin()
            .map(|after| self.list.refresh(after, !self.alerts.is_empty()))
            .into_iter()
            .collect()
    }

    pub(super) fn backoff(&mut self, error: &DeskError) {
        self.sync
            .backoff(self.ctx.now, error, &self.ctx.info.location);
        self.dirty = true;
    }

    /// Back after failures; the reference data (and who the user is) is asked for
    /// again if it never came.
    pub(super) fn recovered(&mut self) -> Vec<Effect> {
        if !self.sync.recovered() {
            return Vec::new();
        }
        self.status.tell("back online");
        if self.ctx.refs.me.is_none() {
            return vec![Call::LoadReference.into()];
        }
        Vec::new()
    }

    pub(super) fn on_page(&mut self, result: Result<TicketList, DeskError>) -> Vec<Effect> {
        match result {
            Ok(page) => {
                let first = !self.list.rows.loaded;
                if let Some(more) = self.list.on_page(page, self.ctx.layout.list_rows()) {
                    return more;
                }
                self.status.done();
                let mut effects = Vec::new();
                if first {
                    effects = self.recovered();
                    self.list.keep_marks_in_view(&mut self.status);
                }
                effects.extend(self.after_move());
                if first {
                    effects.extend(self.after_jump_page());
                }
                effects
            }
            // A filter the desk does not accept is the user's to fix, not an outage:
            // the filter bar shows it again with the reason, the list goes back to the
            // last filter that worked.
            Err(e) if e.is_refusal() && !self.list.rows.loaded => {
                let refused = self.list.query.clone();
                self.status
                    .warn("the desk refused the filter; the list shows the one before");
                if self.overlay.is_none() {
                    self.overlay = Some(Box::new(FilterBar::refused(&refused, &e.to_string())));
                }
                self.list.refused()
            }
            Err(e) => {
                self.list.page_failed();
                self.status.warn(format!("cannot load tickets: {e}"));
                if !e.is_refusal() {
                    self.backoff(&e);
                }
                Vec::new()
            }
        }
    }

    pub(super) fn on_refreshed(
        &mut self,
        epoch: u64,
        result: Result<Refreshed, DeskError>,
    ) -> Vec<Effect> {
        let mut again = self.sync.end();
        self.status.done();
        let mut effects = Vec::new();
        match result {
            // Found for a filter no longer shown: the feed position stays, so the next
            // refresh applies the same changes to the new list.
            Ok(_) if epoch != self.list.epoch => again = true,
            Ok(found) => {
                effects.extend(self.recovered());
                effects.extend(self.ring(&found));
                self.sync.head = Some(found.last_seq);
                self.sync.synced_at = Some(self.ctx.now);
                if found.reload {
                    effects.extend(self.apply_query(self.list.query.clone(), self.list.view));
                } else {
                    let watched = self
                        .detail
                        .key
                        .clone()
                        .filter(|_| self.ctx.layout.detail.is_some());
                    if let Some(overlay) = self.overlay.as_mut() {
                        let theirs: Vec<Ticket> = found
                            .matching
                            .iter()
                            .filter(|t| found.by_others.contains(&t.key))
                            .cloned()
                            .collect();
                        overlay.follow(&theirs, &self.ctx);
                    }
                    let rows = self.ctx.layout.list_rows();
                    let changed = self.list.merge(&found, watched.as_deref(), rows);
                    effects.extend(self.detail.reload_if_shown(&changed));
                    let moved = !found.matching.is_empty() || !found.gone.is_empty();
                    if !found.by_others.is_empty() || moved {
                        effects.extend(self.count_views());
                    }
                    if let Some(dash) = self.dashboard.as_mut().filter(|_| moved) {
                        effects.extend(dash.load(&self.ctx));
                    }
                }
            }
            Err(e) if e.is_refusal() => self.status.warn(format!("cannot refresh: {e}")),
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

    /// The bell and a desktop notification for what `[ui] notify` asks about.
    pub(super) fn ring(&mut self, found: &Refreshed) -> Vec<Effect> {
        let alerts = self
            .alerts
            .of(&found.others, &found.filed, &self.ctx.refs, self.ctx.now);
        if let Some(first) = alerts.first() {
            let more = alerts.len() - 1;
            self.status.tell(if more == 0 {
                first.body.clone()
            } else {
                format!("{} (and {more} more)", first.body)
            });
        }
        alerts
            .into_iter()
            .map(|a| TermEffect::Notify(a).into())
            .collect()
    }

    /// Asks how many tickets each saved view holds (one indexed count each).
    pub(super) fn count_views(&self) -> Vec<Effect> {
        if self.ctx.settings.views.is_empty() {
            return Vec::new();
        }
        let queries = self
            .ctx
            .settings
            .views
            .iter()
            .map(|v| v.query.clone())
            .collect();
        vec![Call::ViewCounts(queries).into()]
    }
}
