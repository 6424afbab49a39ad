//! Keeping the screen in step with the desk: the change-feed position, the refresh
//! schedule, backoff after failures, and what the status bar says about it. Refreshes
//! never overlap: one asked for while another runs is run once when it ends.

use crate::client::DeskError;
use crate::domain::time::{Millis, SECOND, humanize};

/// Where syncing stands.
#[derive(Debug, Clone, Default)]
pub struct SyncState {
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
    /// The server refused the token (revoked, expired): retrying cannot help, so
    /// nothing is scheduled until the user signs in again, to this desk.
    pub signed_out: Option<String>,
    /// Seconds between refreshes; 0: only on demand.
    interval: u64,
}

impl SyncState {
    pub fn new(interval: u64) -> SyncState {
        SyncState {
            interval,
            ..SyncState::default()
        }
    }

    /// The feed position is known: syncing starts from it (the first one only counts).
    pub fn start_at(&mut self, head: i64, now: Millis) {
        if self.head.is_none() {
            self.head = Some(head);
            self.synced_at = Some(now);
            self.schedule(now);
        }
    }

    /// The event stream connected or dropped; true when it dropped.
    pub fn set_live(&mut self, live: bool) -> bool {
        let dropped = self.live && !live;
        self.live = live;
        dropped
    }

    /// The next refresh, one interval from `now` (none when refresh is off).
    pub fn schedule(&mut self, now: Millis) {
        if self.interval > 0 && self.signed_out.is_none() {
            self.next_at = Some(now + self.interval as Millis * SECOND);
        }
    }

    /// A call failed: wait 5 s, 10 s, … up to a minute before the next try; a refused
    /// token stops the tries and says how to sign in to `location` again.
    pub fn backoff(&mut self, now: Millis, error: &DeskError, location: &str) {
        if let DeskError::Unauthenticated(why) = error {
            self.failures += 1;
            self.signed_out = Some(location.to_string());
            self.next_at = None;
            self.last_error = Some(format!("{why}; sign in, then start desk again"));
            return;
        }
        self.failures += 1;
        let secs = (5u64 << (self.failures - 1).min(4)).min(60);
        self.next_at = Some(now + secs as Millis * SECOND);
        self.last_error = Some(error.to_string());
    }

    /// A call succeeded; true when this ends a run of failures.
    pub fn recovered(&mut self) -> bool {
        if self.failures == 0 {
            return false;
        }
        self.failures = 0;
        self.last_error = None;
        true
    }

    /// Whether the scheduled time has come (and takes it off the schedule).
    pub fn due(&mut self, now: Millis) -> bool {
        if self.next_at.is_some_and(|at| now >= at) {
            self.next_at = None;
            return true;
        }
        false
    }

    /// Starts a refresh from the feed position, unless one is running (then it runs
    /// again after) or the position is not known yet.
    pub fn begin(&mut self) -> Option<i64> {
        if self.signed_out.is_some() {
            return None;
        }
        let after = self.head?;
        if self.in_flight {
            self.again = true;
            return None;
        }
        self.in_flight = true;
        Some(after)
    }

    /// A refresh ended; true when another was asked for meanwhile.
    pub fn end(&mut self) -> bool {
        self.in_flight = false;
        std::mem::take(&mut self.again)
    }

    /// "synced 12s ago", "offline, retrying in 20s", "live · synced 3s ago".
    pub fn clock_text(&self, now: Millis, loaded: bool) -> String {
        if let Some(location) = &self.signed_out {
            return format!("signed out: run `desk login {location}`");
        }
        if self.failures > 0 {
            let retry = self
                .next_at
                .map(|at| format!(", retrying in {}", humanize((at - now).max(0))))
                .unwrap_or_default();
            return format!("offline{retry}");
        }
        let synced = match self.synced_at {
            Some(at) => format!("synced {} ago", humanize((now - at).max(0))),
            None if loaded => "loaded".into(),
            None => "loading…".into(),
        };
        if self.live {
            format!("live · {synced}")
        } else {
            synced
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_back_off_to_a_minute_and_recover() {
        let mut s = SyncState::new(30);
        let down = DeskError::Unavailable("down".into());
        let waits: Vec<Millis> = (0..7)
            .map(|_| {
                s.backoff(0, &down, "http://127.0.0.1:1");
                s.next_at.unwrap_or_default() / SECOND
            })
            .collect();
        assert_eq!(waits, [5, 10, 20, 40, 60, 60, 60]);
        assert_eq!(s.clock_text(0, true), "offline, retrying in 1m");
        assert!(s.recovered());
        assert!(!s.recovered());
    }

    #[test]
    fn a_refused_token_stops_the_retries_and_says_how_to_sign_in() {
        let mut s = SyncState::new(30);
        s.start_at(7, 0);
        let refused = DeskError::Unauthenticated("the token was revoked".into());
        s.backoff(0, &refused, "http://127.0.0.1:8080");
        assert_eq!(s.next_at, None);
        assert_eq!(s.begin(), None, "no refresh while signed out");
        s.schedule(0);
        assert_eq!(s.next_at, None);
        assert_eq!(
            s.clock_text(0, true),
            "signed out: run `desk login http://127.0.0.1:8080`"
        );
        let why = s.last_error.clone().unwrap_or_default();
        assert!(why.contains("revoked"), "{why}");
    }

    #[test]
    fn refreshes_never_overlap_and_one_asked_for_meanwhile_runs_after() {
        let mut s = SyncState::new(0);
        assert_eq!(s.begin(), None, "no feed position yet");
        s.head = Some(7);
        assert_eq!(s.begin(), Some(7));
        assert_eq!(s.begin(), None);
        assert!(s.end());
        assert!(!s.end());
        s.schedule(0);
        assert_eq!(s.next_at, None, "interval 0 is off");
    }
}
