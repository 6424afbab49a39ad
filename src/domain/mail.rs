//! Email's rules that need no server: how `[mail] smtp_url` is read, the Message-IDs
//! that thread a ticket's mail, and which notices an event calls for.

use super::model::{Event, EventKind, Visibility};
use super::workflow;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    /// `smtp://` to another host: STARTTLS, required (never falls back to plain text).
    StartTls,
    /// `smtps://`: TLS from the first byte.
    Implicit,
    /// `smtp://` to a loopback host (a local MTA), or `?tls=none` said explicitly.
    None,
}

/// `[mail] smtp_url`, read.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpTarget {
    pub tls: Tls,
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for SmtpTarget {
    // The password never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.redacted())
    }
}

impl SmtpTarget {
    pub fn parse(raw: &str) -> Result<SmtpTarget, String> {
        let url = reqwest::Url::parse(raw.trim())
            .map_err(|e| format!("`{}` is not a URL: {e}", redact(raw)))?;
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| format!("`{}` names no host", redact(raw)))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let plain_asked = url
            .query_pairs()
            .any(|(k, v)| k == "tls" && (v == "none" || v == "off"));
        let (tls, default_port) = match url.scheme() {
            "smtps" => (Tls::Implicit, 465),
            "smtp" if plain_asked || is_loopback(&host) => (Tls::None, 25),
            "smtp" => (Tls::StartTls, 587),
            other => {
                return Err(format!(
                    "expected smtp:// or smtps://, found `{other}://` in `{}`",
                    redact(raw)
                ));
            }
        };
        let decode = |s: &str| {
            percent_decode(s).ok_or_else(|| format!("`{}` has a bad %-escape", redact(raw)))
        };
        let user = match url.username() {
            "" => None,
            u => Some(decode(u)?),
        };
        let password = url.password().map(decode).transpose()?;
        Ok(SmtpTarget {
            tls,
            port: url.port().unwrap_or(default_port),
            host,
            user,
            password,
        })
    }

    /// The URL without its password, for logs and messages.
    pub fn redacted(&self) -> String {
        let scheme = if self.tls == Tls::Implicit {
            "smtps"
        } else {
            "smtp"
        };
        let user = self
            .user
            .as_deref()
            .map_or_else(String::new, |u| format!("{u}@"));
        format!("{scheme}://{user}{}:{}", self.host, self.port)
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `raw` with any password replaced, for error messages.
fn redact(raw: &str) -> String {
    match reqwest::Url::parse(raw.trim()) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => raw.trim().to_string(),
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The Message-ID every mail about ticket `ticket_id` answers (`In-Reply-To` and
/// `References`), so mail clients keep one thread per ticket; the filing notice carries
/// it as its own. Inbound mail is matched by it (`desk.<id>@`).
pub fn thread_id(ticket_id: i64, domain: &str) -> String {
    format!("<desk.{ticket_id}@{domain}>")
}

/// The Message-ID of the notice for event `seq` to recipient number `n`.
pub fn message_id(ticket_id: i64, seq: i64, n: usize, domain: &str) -> String {
    format!("<desk.{ticket_id}.{seq}.{n}@{domain}>")
}

/// The ticket id a desk Message-ID names (`<desk.42@…>`, `<desk.42.7.0@…>`).
pub fn ticket_of_message_id(id: &str) -> Option<i64> {
    let inner = id.trim().trim_start_matches('<');
    let rest = inner.strip_prefix("desk.")?;
    let (local, _) = rest.split_once('@')?;
    local.split('.').next()?.parse().ok()
}

/// `[mail.notify]`: which default notices go, each on unless switched off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailSwitches {
    /// To the requester when their ticket is filed (key, tracking link).
    pub created: bool,
    /// To the requester on a public reply from someone else (the reply itself).
    pub replied: bool,
    /// To the requester when a request is approved or rejected (with the note).
    pub decided: bool,
    /// To the requester when the ticket is resolved (with how to reopen).
    pub resolved: bool,
    /// To an agent when a ticket is assigned to them by someone else.
    pub assigned: bool,
    /// To supervisors when a request waits for approval.
    pub awaiting_approval: bool,
}

impl Default for MailSwitches {
    fn default() -> Self {
        MailSwitches {
            created: true,
            replied: true,
            decided: true,
            resolved: true,
            assigned: true,
            awaiting_approval: true,
        }
    }
}

impl MailSwitches {
    pub fn on(&self, n: Notice) -> bool {
        match n {
            Notice::Created => self.created,
            Notice::Replied => self.replied,
            Notice::Approved | Notice::Rejected => self.decided,
            Notice::Resolved => self.resolved,
            Notice::Assigned => self.assigned,
            Notice::AwaitingApproval => self.awaiting_approval,
        }
    }
}

/// The default notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// The requester: their ticket is filed.
    Created,
    /// The requester: someone else replied publicly.
    Replied,
    /// The requester: their request was approved.
    Approved,
    /// The requester: their request was rejected.
    Rejected,
    /// The requester: the ticket is resolved.
    Resolved,
    /// The new assignee.
    Assigned,
    /// Every supervisor: a request waits for approval.
    AwaitingApproval,
}

impl Notice {
    /// The template's name (`created` reads `created.txt` and `created.html`).
    pub fn template(self) -> &'static str {
        match self {
            Notice::Created => "created",
            Notice::Replied => "replied",
            Notice::Approved => "approved",
            Notice::Rejected => "rejected",
            Notice::Resolved => "resolved",
            Notice::Assigned => "assigned",
            Notice::AwaitingApproval => "awaiting_approval",
        }
    }

    /// Whether it goes to the customer (and so may be unsubscribed from).
    pub fn to_requester(self) -> bool {
        !matches!(self, Notice::Assigned | Notice::AwaitingApproval)
    }
}

/// The notices `e` calls for. Internal events make none for customers; whether each goes (the
/// config's switches, never to the person who made the change) is decided after.
/// `needs_approval`: the ticket's category wants a supervisor's approval.
pub fn notices_for(e: &Event, needs_approval: bool) -> Vec<Notice> {
    let to = e.new.as_deref();
    let all = match e.kind {
        EventKind::Created if needs_approval => vec![Notice::Created, Notice::AwaitingApproval],
        EventKind::Created => vec![Notice::Created],
        EventKind::Commented => vec![Notice::Replied],
        EventKind::Approved => vec![Notice::Approved],
        EventKind::Rejected => vec![Notice::Rejected],
        EventKind::StatusChanged if to == Some(workflow::RESOLVED) => vec![Notice::Resolved],
        EventKind::StatusChanged if to == Some(workflow::UNDER_REVIEW) => {
            vec![Notice::AwaitingApproval]
        }
        EventKind::Assigned if to.is_some() => vec![Notice::Assigned],
        _ => Vec::new(),
    };
    // Staff hear of internal changes too; customers never.
    all.into_iter()
        .filter(|n| e.visibility == Visibility::Public || !n.to_requester())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_choose_their_protection() {
        let t = SmtpTarget::parse("smtp://desk%40example.com:s3cr%2Ft@mail.example.com")
            .expect("parses");
        assert_eq!(t.tls, Tls::StartTls);
        assert_eq!(t.port, 587);
        assert_eq!(t.user.as_deref(), Some("desk@example.com"));
        assert_eq!(t.password.as_deref(), Some("s3cr/t"));
        assert!(!format!("{t:?}").contains("s3cr"), "{t:?}");
        let t = SmtpTarget::parse("smtps://mail.example.com").expect("parses");
        assert_eq!((t.tls, t.port), (Tls::Implicit, 465));
        let t = SmtpTarget::parse("smtp://localhost:25").expect("parses");
        assert_eq!((t.tls, t.port), (Tls::None, 25));
        let t = SmtpTarget::parse("smtp://127.0.0.1:2525").expect("parses");
        assert_eq!((t.tls, t.port), (Tls::None, 2525));
        let t = SmtpTarget::parse("smtp://relay.internal:25?tls=none").expect("parses");
        assert_eq!(t.tls, Tls::None);
        let bad = SmtpTarget::parse("http://u:hunter2@mail.example.com").expect_err("refused");
        assert!(bad.contains("smtp://") && !bad.contains("hunter2"), "{bad}");
        assert!(SmtpTarget::parse("not a url").is_err());
    }

    #[test]
    fn message_ids_name_their_ticket() {
        assert_eq!(
            ticket_of_message_id(&thread_id(42, "example.com")),
            Some(42)
        );
        assert_eq!(
            ticket_of_message_id(&message_id(42, 7, 1, "example.com")),
            Some(42)
        );
        assert_eq!(ticket_of_message_id("<abc@example.com>"), None);
    }
}
