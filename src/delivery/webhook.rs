//! Webhooks out: one signed POST per delivery. The signature is
//! `X-Desk-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` with the
//! timestamp in `X-Desk-Timestamp`, so a receiver can refuse replays of old requests.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use hmac::{KeyInit, Mac};

use crate::service::{Service, is_private};
use crate::store::outbox::{self, Claimed};

use super::DeliveryOptions;

pub use super::SendError;

/// `sha256=<hex>` for `body` sent at `timestamp` (unix seconds).
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = match hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        // HMAC takes keys of any length; this cannot happen.
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// Resolves names like the system does, then drops private addresses unless allowed,
/// so a public-looking name that points inside the network is refused (SSRF).
struct PublicOnly {
    allow_private: bool,
}

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| allow_private || !is_private(a.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!(
                    "{host} resolves to no public address (private ones need [webhooks] allow_private = true)"
                )
                .into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

pub struct Sender {
    http: reqwest::Client,
    allow_private: bool,
}

impl Sender {
    pub fn new(options: &DeliveryOptions) -> Result<Sender, reqwest::Error> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(options.webhook_timeout)
            // A redirect could point anywhere, including inside the network.
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(PublicOnly {
                allow_private: options.allow_private,
            }))
            .user_agent(concat!("desk-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Sender {
            http,
            allow_private: options.allow_private,
        })
    }

    pub async fn send(&self, service: &Service, c: &Claimed) -> Result<(), SendError> {
        let Some(hook_id) = c.delivery.webhook_id else {
            return Err(SendError::Gone("the webhook was removed".into()));
        };
        let hook = outbox::webhook_by_id(service.store().pool(), hook_id)
            .await
            .map_err(|e| SendError::Retry(e.to_string()))?
            .ok_or_else(|| SendError::Gone("the webhook was removed".into()))?;
        if !hook.hook.active {
            return Err(SendError::Gone("the webhook is disabled".into()));
        }
        self.post(
            &hook.hook.url,
            &hook.secret,
            c.delivery.id,
            &c.delivery.subject,
            c.payload.as_bytes(),
        )
        .await
        .map_err(|e| match e {
            SendError::Gone(reason) => {
                let store = service.store().clone();
                let why = reason.clone();
                tokio::spawn(async move {
                    if let Err(e) = outbox::disable_webhook(&store, hook_id, &why).await {
                        tracing::warn!(error = %e, "cannot disable webhook {hook_id}");
                    }
                });
                SendError::Gone(reason)
            }
            other => other,
        })
    }

    /// One signed POST. Also what `desk webhooks test` uses.
    pub async fn post(
        &self,
        url: &str,
        secret: &str,
        delivery_id: i64,
        event: &str,
        body: &[u8],
    ) -> Result<(), SendError> {
        // A literal address never reaches the resolver: check it here.
        if !self.allow_private
            && let Ok(parsed) = reqwest::Url::parse(url)
            && let Some(host) = parsed.host_str()
            && let Ok(ip) = host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
            && is_private(ip)
        {
            return Err(SendError::Retry(format!(
                "{ip} is a private address (allow it with [webhooks] allow_private = true)"
            )));
        }
        let timestamp = chrono::Utc::now().timestamp();
        let answer = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .header("x-desk-event", event)
            .header("x-desk-delivery", delivery_id.to_string())
            .header("x-desk-timestamp", timestamp.to_string())
            .header("x-desk-signature", signature(secret, timestamp, body))
            .body(body.to_vec())
            .send()
            .await;
        match answer {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) if r.status() == reqwest::StatusCode::GONE => Err(SendError::Gone(
                "the receiver answered 410 Gone; the webhook is disabled".into(),
            )),
            Ok(r) => Err(SendError::Retry(format!(
                "the receiver answered {}",
                r.status()
            ))),
            Err(e) if e.is_timeout() => Err(SendError::Retry("timed out".into())),
            Err(e) => Err(SendError::Retry(error_chain(&e))),
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
