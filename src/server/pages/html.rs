//! The pages' HTML, written by hand. Every value from a ticket or a form goes through
//! [`esc`]; nothing else builds markup, so there is one place to get escaping right.

use std::fmt::Write;

use crate::domain::attachment::{Limits, human_size};
use crate::domain::model::{Category, EventKind, StatusClass};
use crate::domain::time::Millis;
use crate::service::{PublicAttachment, PublicTicket};

/// Escapes text for element content and quoted attribute values alike.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The whole document around `main`. The script and the style sheet are files, so the
/// Content-Security-Policy can forbid every inline script and style.
pub fn layout(title: &str, main: &str) -> String {
    format!(
        r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Support</title>
<link rel="stylesheet" href="/pages/desk.css">
<script src="/pages/desk.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><nav aria-label="Customer pages"><a href="/track">Track a request</a> <a href="/new">New request</a></nav></header>
<main id="main" tabindex="-1">
{main}
</main>
</body>
</html>
"##,
        title = esc(title),
    )
}

fn hidden(name: &str, value: &str) -> String {
    format!(
        r#"<input type="hidden" name="{}" value="{}">"#,
        esc(name),
        esc(value)
    )
}

fn alert(message: Option<&str>) -> String {
    message.map_or_else(String::new, |m| {
        format!(r#"<p class="alert" role="alert">{}</p>"#, esc(m))
    })
}

fn notice(message: Option<&str>) -> String {
    message.map_or_else(String::new, |m| {
        format!(r#"<p class="notice" role="status">{}</p>"#, esc(m))
    })
}

/// The lookup form. `key` and `email` refill it after a failed lookup.
pub fn track_form(csrf: &str, key: &str, email: &str, error: Option<&str>) -> String {
    let main = format!(
        r#"<h1>Track your request</h1>
<p>Enter the request number you were given and the email you filed it with.</p>
{alert}
<form method="post" action="/track" class="card" id="lookup">
{csrf}
<label for="key">Request number</label>
<input id="key" name="key" required maxlength="64" autocomplete="off" autocapitalize="characters" spellcheck="false" placeholder="TKT-42" value="{key}">
<label for="email">Email</label>
<input id="email" name="email" type="email" required maxlength="320" autocomplete="email" value="{email}">
<button type="submit">Track</button>
</form>
<p><a href="/new">File a new request</a></p>"#,
        alert = alert(error),
        csrf = hidden("csrf", csrf),
        key = esc(key),
        email = esc(email),
    );
    layout("Track your request", &main)
}

/// Words a customer reads for a status, by its key and its current name. A status an
/// admin renamed keeps its new name: the operator chose those words.
fn customer_words(key: &str, name: &str) -> String {
    let default = crate::domain::workflow::STATUSES
        .iter()
        .any(|(k, n, _)| *k == key && *n == name);
    if !default {
        return name.to_string();
    }
    match key {
        "new" => "Received",
        "under_review" => "Being reviewed",
        "approved" => "Approved",
        "rejected" => "Not approved",
        "assigned" => "Assigned to our team",
        "in_progress" | "escalated" => "Being worked on",
        "waiting_on_customer" => "Waiting for your reply",
        "resolved" => "Resolved",
        "closed" => "Closed",
        _ => name,
    }
    .to_string()
}

fn status_words(t: &PublicTicket) -> String {
    customer_words(&t.status, &t.status_name)
}

/// The timeline names statuses by name only; default names map back to their keys.
fn words_for_name(name: &str) -> String {
    crate::domain::workflow::STATUSES
        .iter()
        .find(|(_, n, _)| *n == name)
        .map_or_else(|| name.to_string(), |(k, n, _)| customer_words(k, n))
}

fn class_name(c: StatusClass) -> &'static str {
    match c {
        StatusClass::Open => "open",
        StatusClass::Pending => "pending",
        StatusClass::Done => "done",
    }
}

fn format_at(at: Millis, pattern: &str) -> String {
    chrono::DateTime::from_timestamp_millis(at)
        .map_or_else(String::new, |d| d.format(pattern).to_string())
}

pub fn when(at: Millis) -> String {
    format_at(at, "%Y-%m-%d %H:%M UTC")
}

fn time_el(at: Millis) -> String {
    format!(
        r#"<time datetime="{}">{}</time>"#,
        esc(&crate::domain::time::to_rfc3339(at)),
        esc(&when(at))
    )
}

/// What the result page may offer, from the operator's config and the ticket.
pub struct Offers {
    pub reply: bool,
    pub reopen: bool,
    /// How often the script checks for news.
    pub refresh_secs: u64,
}

/// The ticket as its requester sees it, with the forms to refresh, reply and reopen.
pub fn ticket_page(
    t: &PublicTicket,
    csrf: &str,
    email: &str,
    offers: &Offers,
    message: Option<&str>,
    error: Option<&str>,
    now: Millis,
) -> String {
    let refresh_secs = offers.refresh_secs;
    let mut m = String::new();
    let proof = format!(
        "{}{}{}",
        hidden("csrf", csrf),
        hidden("key", &t.key),
        hidden("email", email)
    );
    let _ = write!(
        m,
        r#"{notice}{alert}<section id="ticket" aria-labelledby="ticket-title" data-key="{key_attr}" data-status="{status_attr}">
<h1 id="ticket-title"><span class="key">{key}</span> {title}</h1>
<dl class="facts">
<dt>Status</dt><dd><span class="status status-{class}">{status}</span></dd>
<dt>Priority</dt><dd>{priority}</dd>
<dt>Category</dt><dd>{category}</dd>
"#,
        notice = notice(message),
        alert = alert(error),
        key_attr = esc(&t.key),
        status_attr = esc(&status_words(t)),
        key = esc(&t.key),
        title = esc(&t.title),
        class = class_name(t.status_class),
        status = esc(&status_words(t)),
        priority = esc(&t.priority),
        category = esc(&t.category),
    );
    if let Some(name) = &t.assignee_name {
        let _ = writeln!(m, "<dt>Handled by</dt><dd>{}</dd>", esc(name));
    }
    let _ = write!(
        m,
        "<dt>Filed</dt><dd>{}</dd>\n<dt>Last change</dt><dd>{}</dd>\n",
        time_el(t.created_at),
        time_el(t.updated_at)
    );
    if let Some(at) = t.resolved_at {
        let _ = writeln!(m, "<dt>Resolved</dt><dd>{}</dd>", time_el(at));
    }
    m.push_str("</dl>\n");

    let notes: Vec<_> = t
        .timeline
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Approved | EventKind::Rejected))
        .filter_map(|e| e.note.as_ref().map(|n| (e, n)))
        .collect();
    if !notes.is_empty() {
        m.push_str(r#"<section class="notes" aria-labelledby="notes-h"><h2 id="notes-h">Notes from our supervisors</h2>"#);
        for (e, note) in notes {
            let kind = if e.kind == EventKind::Rejected {
                "rejected"
            } else {
                "approved"
            };
            let _ = write!(
                m,
                r#"<blockquote class="note note-{kind}"><p>{}</p><footer>{} {}</footer></blockquote>"#,
                esc(note),
                if kind == "rejected" {
                    "Not approved,"
                } else {
                    "Approved,"
                },
                time_el(e.at)
            );
        }
        m.push_str("</section>\n");
    }

    m.push_str(r#"<section aria-labelledby="comments-h"><h2 id="comments-h">Messages</h2>"#);
    if t.comments.is_empty() {
        m.push_str("<p>No messages yet.</p>");
    } else {
        m.push_str(r#"<ol class="comments">"#);
        for c in &t.comments {
            let _ = write!(
                m,
                r#"<li class="comment{mine}"><p class="who">{who} · {at}</p><div class="body">{body}</div>{files}</li>"#,
                mine = if c.from_requester { " mine" } else { "" },
                who = esc(&c.author_name),
                at = time_el(c.created_at),
                body = esc(&c.body),
                files = files(&c.attachments, &proof),
            );
        }
        m.push_str("</ol>");
    }
    m.push_str("</section>\n");
    if !t.attachments.is_empty() {
        let _ = writeln!(
            m,
            r#"<section aria-labelledby="files-h"><h2 id="files-h">Files</h2>{}</section>"#,
            files(&t.attachments, &proof)
        );
    }

    m.push_str(r#"<section aria-labelledby="timeline-h"><h2 id="timeline-h">Timeline</h2><ol class="timeline">"#);
    for e in &t.timeline {
        let status = e.status.as_deref().map(words_for_name);
        let Some(what) =
            crate::present::customer_event_text(e.kind, status.as_deref(), e.actor_name.is_some())
        else {
            continue;
        };
        let _ = write!(
            m,
            "<li>{} <span class=\"what\">{}</span>",
            time_el(e.at),
            esc(&what)
        );
        if let Some(note) = e
            .note
            .as_ref()
            .filter(|_| e.kind == EventKind::StatusChanged)
        {
            let _ = write!(m, r#"<span class="event-note">{}</span>"#, esc(note));
        }
        m.push_str("</li>");
    }
    m.push_str("</ol></section>\n</section>\n");

    let _ = write!(
        m,
        r#"<div class="refresh">
<p id="updated-line">Last updated <time id="updated" datetime="{iso}">{shown}</time>. <span id="refresh-state">This page checks for news every {refresh_secs} seconds.</span></p>
<p id="announce" class="sr-only" aria-live="polite"></p>
<form method="post" action="/track" id="refresh" data-every="{refresh_secs}">{proof}<button type="submit" class="secondary">Refresh now</button></form>
</div>
"#,
        iso = esc(&crate::domain::time::to_rfc3339(now)),
        shown = esc(&format_at(now, "%H:%M:%S UTC")),
    );
    if offers.reply {
        let _ = write!(
            m,
            r#"<form method="post" action="/track/reply" class="card" id="reply" enctype="multipart/form-data">{proof}
<label for="body">Add a reply</label>
<textarea id="body" name="body" rows="4" maxlength="10000"></textarea>
<label for="reply-files">Files (optional)</label>
<input id="reply-files" name="files" type="file" multiple>
<button type="submit">Send reply</button>
</form>
"#
        );
    }
    if offers.reopen {
        let _ = write!(
            m,
            r#"<form method="post" action="/track/reopen" class="card" id="reopen">{proof}
<p>Not solved after all?</p>
<button type="submit">Reopen this request</button>
</form>
"#
        );
    }
    layout(&format!("{} {}", t.key, t.title), &m)
}

/// Public files as download buttons: each posts the page's proof (key, email, token)
/// with the file's id, so no address carries the email.
fn files(list: &[PublicAttachment], proof: &str) -> String {
    if list.is_empty() {
        return String::new();
    }
    let mut out = String::from(r#"<ul class="files">"#);
    for a in list {
        let _ = write!(
            out,
            r#"<li><form method="post" action="/track/file" class="file">{proof}{id}<button type="submit" class="link">{name}</button> <span class="file-meta">{size}, {kind}</span></form></li>"#,
            id = hidden("id", &a.id.to_string()),
            name = esc(&a.name),
            size = esc(&human_size(a.size.max(0) as u64)),
            kind = esc(&a.media_type),
        );
    }
    out.push_str("</ul>");
    out
}

/// What a filled-in request form held, to show it again after a refusal.
#[derive(Default)]
pub struct Filing {
    pub name: String,
    pub email: String,
    pub category: String,
    pub title: String,
    pub description: String,
}

pub fn new_form(
    csrf: &str,
    categories: &[Category],
    limits: &Limits,
    f: &Filing,
    error: Option<&str>,
) -> String {
    let mut options = String::new();
    for c in categories.iter().filter(|c| c.active) {
        let selected = if c.name == f.category {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            options,
            r#"<option value="{v}"{selected}>{v}</option>"#,
            v = esc(&c.name)
        );
    }
    let main = format!(
        r#"<h1>New request</h1>
<p>Tell us what you need. You will get a request number to follow it.</p>
{alert}
<form method="post" action="/new" class="card" id="file" enctype="multipart/form-data">
{csrf}
<label for="name">Your name</label>
<input id="name" name="name" required maxlength="200" autocomplete="name" value="{name}">
<label for="email">Email</label>
<input id="email" name="email" type="email" required maxlength="320" autocomplete="email" value="{email}">
<label for="category">Category</label>
<select id="category" name="category">{options}</select>
<label for="title">Subject</label>
<input id="title" name="title" required maxlength="200" value="{title}">
<label for="description">Description</label>
<textarea id="description" name="description" rows="6" maxlength="20000">{description}</textarea>
<label for="files">Files (optional: screenshots, documents; up to {max_files}, {max_size} each)</label>
<input id="files" name="files" type="file" multiple>
<button type="submit">Send request</button>
</form>"#,
        alert = alert(error),
        csrf = hidden("csrf", csrf),
        name = esc(&f.name),
        email = esc(&f.email),
        title = esc(&f.title),
        description = esc(&f.description),
        max_files = limits.max_per_comment,
        max_size = esc(&human_size(limits.max_bytes)),
    );
    layout("New request", &main)
}

/// After filing: the key, the tracking link and its QR code. The data attributes let
/// the script remember key and email for the next visit.
pub fn filed(key: &str, email: &str, link: &str, qr_svg: Option<&str>) -> String {
    let qr = qr_svg.map_or_else(String::new, |svg| {
        format!(
            r#"<figure class="qr"><div role="img" aria-label="QR code of the tracking link">{svg}</div><figcaption>Scan to open the tracking page on a phone.</figcaption></figure>"#
        )
    });
    let main = format!(
        r#"<section id="filed" data-key="{key}" data-email="{email}">
<h1>Request received</h1>
<p class="notice" role="status">Your request number is <strong class="key" id="filed-key">{key}</strong>. Keep it: with your email it lets you follow the request.</p>
<p>Track it at <a id="track-link" href="{link}">{link}</a></p>
{qr}
</section>"#,
        key = esc(key),
        email = esc(email),
        link = esc(link),
    );
    layout(&format!("Request {key} received"), &main)
}

/// The unsubscribe link's page: one button, so a scanner opening the link stops nothing.
pub fn unsubscribe_form(token: &str) -> String {
    layout(
        "Stop emails",
        &format!(
            r#"<h1>Stop emails</h1>
<p>We send you an email when one of your requests is filed, answered, decided or resolved.</p>
<form method="post" action="/unsubscribe" class="card" id="unsubscribe">{}
<button type="submit">Stop these emails</button>
</form>"#,
            hidden("token", token)
        ),
    )
}

/// Any refusal that is not a form to fill again.
pub fn message_page(title: &str, message: &str) -> String {
    layout(
        title,
        &format!(
            r#"<h1>{}</h1><p class="alert" role="alert">{}</p><p><a href="/track">Track a request</a> · <a href="/new">New request</a></p>"#,
            esc(title),
            esc(message)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }
}
