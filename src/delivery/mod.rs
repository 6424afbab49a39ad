//! What `desk serve` runs in the background to get notifications out: the dispatcher
//! (event feed -> rules -> outbox, `Service::dispatch_events`) and the sender (due
//! deliveries -> receivers -> delivered / failed / dead). Both are driven by the
//! database alone, so a restart or a kill -9 resumes where the last commit left off;
//! only a delivery in flight at the kill is sent again (at least once).

pub mod mail;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::domain::time::{self, Millis};
use crate::service::Service;
use crate::store::outbox::{self, Claimed, Outcome};

/// Why a send did not deliver.
pub enum SendError {
    /// Try again later.
    Retry(String),
    /// Refused for good (a webhook answered 410, an SMTP server 5xx): `dead`.
    Gone(String),
}

/// `[mail] smtp_url` and the password from `DESK_MAIL_PASSWORD`.
#[derive(Clone)]
pub struct MailServer {
    pub target: crate::domain::mail::SmtpTarget,
    pub password: Option<String>,
}

impl std::fmt::Debug for MailServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.target.redacted())
    }
}

/// How the outbox retries and how fast it works.
#[derive(Debug, Clone)]
pub struct DeliveryOptions {
    /// The first retry's delay; each further one doubles it, with jitter.
    pub retry_base: Duration,
    /// No retry waits longer than this (`[notifications] retry_cap_secs`, default 24 h).
    pub retry_cap: Duration,
    /// After this many attempts a delivery is `dead`.
    pub max_attempts: i64,
    /// Per-request timeout for webhooks (default 10 s).
    pub webhook_timeout: Duration,
    /// `[webhooks] allow_private`: let webhooks reach loopback and private addresses.
    pub allow_private: bool,
    /// Where email goes; `None`: email deliveries wait (and say why).
    pub mail: Option<MailServer>,
    /// Deliveries sent at once.
    pub concurrency: usize,
    /// How often to look when nothing wakes the loop (writes by other processes on
    /// a SQLite file, retries coming due).
    pub poll: Duration,
}

impl Default for DeliveryOptions {
    fn default() -> Self {
        DeliveryOptions {
            retry_base: Duration::from_secs(10),
            retry_cap: Duration::from_secs(24 * 3600),
            max_attempts: 20,
            webhook_timeout: Duration::from_secs(10),
            allow_private: false,
            mail: None,
            concurrency: 32,
            poll: Duration::from_secs(1),
        }
    }
}

impl DeliveryOptions {
    /// The wait before attempt `attempts + 1`: base * 2^(attempts-1), capped, then
    /// scaled by a random factor in [0.5, 1) so receivers that failed together are not
    /// retried together.
    pub fn backoff(&self, attempts: i64) -> Duration {
        use rand::RngExt;
        let exp = attempts.saturating_sub(1).clamp(0, 40) as u32;
        let raw = self
            .retry_base
            .saturating_mul(2u32.saturating_pow(exp.min(31)))
            .min(self.retry_cap);
        let jitter: f64 = rand::rng().random_range(0.5..1.0);
        raw.mul_f64(jitter)
    }
}

/// The background tasks; dropping or stopping ends them.
pub struct Dispatcher {
    tasks: Vec<JoinHandle<()>>,
    stop: Arc<watch::Sender<bool>>,
}

impl Dispatcher {
    pub fn start(service: Service, options: DeliveryOptions) -> Dispatcher {
        let stop = Arc::new(watch::channel(false).0);
        let sender = match webhook::Sender::new(&options) {
            Ok(s) => Arc::new(s),
            Err(e) => {
                tracing::error!(error = %e, "cannot make the webhook client; notifications are off");
                return Dispatcher {
                    tasks: Vec::new(),
                    stop,
                };
            }
        };
        let mailer = options.mail.as_ref().and_then(|m| {
            match mail::Mailer::new(&m.target, m.password.clone(), options.webhook_timeout) {
                Ok(mailer) => Some(Arc::new(mailer)),
                Err(e) => {
                    tracing::error!(error = %e, "cannot set up the SMTP client; email waits in the outbox");
                    None
                }
            }
        });
        let options = Arc::new(options);
        // The dispatcher wakes the sender when it wrote deliveries.
        let queued = Arc::new(watch::channel(0u64).0);
        let dispatch = tokio::spawn(dispatch_loop(
            service.clone(),
            options.clone(),
            queued.clone(),
            stop.subscribe(),
        ));
        let send = tokio::spawn(send_loop(
            service,
            options,
            Senders {
                webhook: sender,
                mail: mailer,
            },
            queued.subscribe(),
            stop.subscribe(),
        ));
        Dispatcher {
            tasks: vec![dispatch, send],
            stop,
        }
    }

    pub fn stop(&self) {
        self.stop.send_replace(true);
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Drop for Dispatcher {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn dispatch_loop(
    service: Service,
    options: Arc<DeliveryOptions>,
    queued: Arc<watch::Sender<u64>>,
    mut stop: watch::Receiver<bool>,
) {
    let mut wake = service.store().subscribe();
    loop {
        wake.borrow_and_update();
        match service.dispatch_events(500).await {
            Ok(0) => {}
            Ok(_) => {
                queued.send_modify(|n| *n = n.wrapping_add(1));
                // More may be waiting; read again at once.
                continue;
            }
            Err(e) => tracing::warn!(error = %e, "notification dispatcher failed; retrying"),
        }
        tokio::select! {
            _ = tokio::time::timeout(options.poll, wake.changed()) => {}
            _ = stop.changed() => return,
        }
    }
}

/// One sender per channel.
struct Senders {
    webhook: Arc<webhook::Sender>,
    mail: Option<Arc<mail::Mailer>>,
}

async fn send_loop(
    service: Service,
    options: Arc<DeliveryOptions>,
    sender: Senders,
    mut queued: watch::Receiver<u64>,
    mut stop: watch::Receiver<bool>,
) {
    // The lease: a delivery taken but never recorded (this process died) is due again
    // after the longest a send can take, plus a margin.
    let lease = millis(options.webhook_timeout) + 5_000;
    loop {
        queued.borrow_and_update();
        let now = time::now();
        let claimed = match outbox::claim(
            service.store(),
            now,
            lease,
            options.concurrency as u32 * 4,
        )
        .await
        {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "notification sender cannot read the outbox");
                Vec::new()
            }
        };
        if !claimed.is_empty() {
            let results = send_all(&service, &options, &sender, claimed).await;
            if let Err(e) = outbox::record(service.store(), &results, time::now()).await {
                // Left as taken: they come due again when the lease ends.
                tracing::warn!(error = %e, "notification sender cannot record results");
            }
            continue;
        }
        tokio::select! {
            _ = tokio::time::timeout(options.poll, queued.changed()) => {}
            _ = stop.changed() => return,
        }
    }
}

async fn send_all(
    service: &Service,
    options: &DeliveryOptions,
    sender: &Senders,
    claimed: Vec<Claimed>,
) -> Vec<(i64, Outcome)> {
    use futures_util::StreamExt;
    futures_util::stream::iter(claimed)
        .map(|c| async move {
            let id = c.delivery.id;
            let attempts = c.delivery.attempts + 1;
            let result = match c.delivery.channel.as_str() {
                "webhook" => sender.webhook.send(service, &c).await,
                "email" => match &sender.mail {
                    Some(m) => m.send(&c).await,
                    None => Err(SendError::Retry(
                        "no SMTP server is set up ([mail] smtp_url)".into(),
                    )),
                },
                other => Err(SendError::Retry(format!("no sender for `{other}`"))),
            };
            let outcome = match result {
                Ok(()) => Outcome::Delivered,
                Err(SendError::Gone(error)) => Outcome::Dead { error },
                Err(SendError::Retry(error)) if attempts >= options.max_attempts => Outcome::Dead {
                    error: format!("{error} (gave up after {attempts} attempts)"),
                },
                Err(SendError::Retry(error)) => Outcome::Failed {
                    error,
                    next: time::now() + millis(options.backoff(attempts)),
                },
            };
            (id, outcome)
        })
        .buffer_unordered(options.concurrency.max(1))
        .collect()
        .await
}

fn millis(d: Duration) -> Millis {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
