//! Commits made by other servers on the same PostgreSQL database, as wake-ups. Every
//! write transaction sends `NOTIFY desk_changes` (delivered only when it commits); each
//! server keeps one connection listening and bumps the same watch its own commits bump,
//! so the event stream follows writes made anywhere. The notification carries nothing:
//! followers read what changed from the feed, which stays the one source of truth.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

const CHANNEL: &str = "desk_changes";
pub const NOTIFY: &str = "NOTIFY desk_changes";

pub struct Listener {
    task: JoinHandle<()>,
}

impl Listener {
    /// Connects and starts listening before returning, so no commit made after
    /// `Store::open` returns can go unnoticed.
    pub async fn start(
        url: &str,
        committed: Arc<watch::Sender<u64>>,
    ) -> Result<Listener, sqlx::Error> {
        let mut listener = PgListener::connect(url).await?;
        listener.listen(CHANNEL).await?;
        let task = tokio::spawn(async move {
            let wake = || committed.send_modify(|n| *n = n.wrapping_add(1));
            loop {
                match listener.try_recv().await {
                    Ok(Some(_)) => wake(),
                    // The connection dropped and notifications may have been lost
                    // meanwhile: wake everyone to re-read the feed; the next call
                    // reconnects and listens again.
                    Ok(None) => {
                        tracing::warn!("lost the PostgreSQL notification connection; reconnecting");
                        wake();
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "PostgreSQL notifications failed; retrying");
                        wake();
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(Listener { task })
    }

    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}
