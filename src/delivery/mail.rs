//! Email out: one SMTP submission per delivery, of the message rendered when the
//! delivery was written (`service::MailPayload`). lettre speaks SMTP; this module only
//! turns a payload into a message and an SMTP answer into an outcome.

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::domain::mail::{SmtpTarget, Tls};
use crate::service::MailPayload;
use crate::store::outbox::Claimed;

use super::SendError;

/// A connection pool to the configured SMTP server.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    /// For logs: the URL without its password.
    pub target: String,
}

impl Mailer {
    /// `password` (from `DESK_MAIL_PASSWORD`) wins over one in the URL.
    pub fn new(
        target: &SmtpTarget,
        password: Option<String>,
        timeout: std::time::Duration,
    ) -> Result<Mailer, String> {
        let builder = match target.tls {
            Tls::Implicit => AsyncSmtpTransport::<Tokio1Executor>::relay(&target.host)
                .map_err(|e| format!("{}: {e}", target.redacted()))?,
            Tls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&target.host)
                .map_err(|e| format!("{}: {e}", target.redacted()))?,
            Tls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&target.host),
        };
        let mut builder = builder.port(target.port).timeout(Some(timeout));
        if let Some(user) = &target.user {
            let password = password
                .or_else(|| target.password.clone())
                .unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(Mailer {
            transport: builder.build(),
            target: target.redacted(),
        })
    }

    pub async fn send(&self, c: &Claimed) -> Result<(), SendError> {
        let payload: MailPayload = serde_json::from_str(&c.payload)
            .map_err(|e| SendError::Gone(format!("the stored message does not read: {e}")))?;
        let message = build(&payload).map_err(SendError::Gone)?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            // 5xx: the server refuses this message for good (an unknown mailbox, say).
            Err(e) if e.is_permanent() => Err(SendError::Gone(format!("{}: {e}", self.target))),
            Err(e) => Err(SendError::Retry(format!("{}: {e}", self.target))),
        }
    }
}

fn header(name: &'static str, value: String) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
}

/// The message: text and HTML alternatives, threaded on the ticket, marked automatic
/// (so auto-responders stay quiet), with one-click unsubscribe for customers.
pub fn build(p: &MailPayload) -> Result<Message, String> {
    let mailbox = |s: &str, what: &str| {
        s.parse::<Mailbox>()
            .map_err(|e| format!("the {what} address `{s}` does not parse: {e}"))
    };
    let mut b = Message::builder()
        .from(mailbox(&p.from, "from")?)
        .to(mailbox(&p.to, "recipient")?)
        .subject(p.subject.clone())
        .message_id(Some(p.message_id.clone()))
        .raw_header(header("Auto-Submitted", "auto-generated".into()));
    if let Some(r) = &p.reply_to {
        b = b.reply_to(mailbox(r, "reply-to")?);
    }
    if let Some(thread) = &p.in_reply_to {
        b = b.in_reply_to(thread.clone()).references(thread.clone());
    }
    if let Some(url) = &p.unsubscribe_url {
        b = b
            .raw_header(header("List-Unsubscribe", format!("<{url}>")))
            .raw_header(header(
                "List-Unsubscribe-Post",
                "List-Unsubscribe=One-Click".into(),
            ));
    }
    b.multipart(MultiPart::alternative_plain_html(
        p.text.clone(),
        p.html.clone(),
    ))
    .map_err(|e| format!("cannot build the message: {e}"))
}
