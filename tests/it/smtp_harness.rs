//! The SMTP test harness itself (`common::smtp`): a message sent with `swaks` to the
//! shared smtpd arrives in its recipient's mailbox, parsed (subject, custom header,
//! both bodies of a multipart/alternative message, threading headers), and two
//! recipients never see each other's mail. Skipped where smtpd or swaks is missing.

use std::time::Duration;

use crate::common::smtp::{self, Smtp};

fn setup() -> Option<&'static Smtp> {
    let smtp = smtp::shared()?;
    let has_swaks = std::process::Command::new("swaks")
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_swaks {
        eprintln!("SKIPPED: no swaks installed (Debian: apt-get install swaks)");
        return None;
    }
    Some(smtp)
}

/// Sends `message` (a whole RFC 5322 message, `\n` line ends) to `to` with swaks.
fn swaks(smtp: &Smtp, to: &str, message: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("message.eml");
    std::fs::write(&file, message.replace('\n', "\r\n")).expect("write message");
    let out = std::process::Command::new("swaks")
        .args(["--server", &format!("127.0.0.1:{}", smtp.port())])
        .args(["--from", "support@example.com", "--to", to])
        .arg("--data")
        .arg(&file)
        .output()
        .expect("run swaks");
    assert!(
        out.status.success(),
        "swaks failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn alternative(to: &str, subject: &str, ticket: &str) -> String {
    format!(
        "From: Desk Support <support@example.com>\n\
         To: Jane Smith <{to}>\n\
         Subject: {subject}\n\
         Message-ID: <reply-2.{ticket}@desk.example.test>\n\
         In-Reply-To: <created.{ticket}@desk.example.test>\n\
         References: <created.{ticket}@desk.example.test>\n \
         <reply-1.{ticket}@desk.example.test>\n\
         X-Desk-Ticket: {ticket}\n\
         X-Desk-Note: a header folded\n  over two lines\n\
         MIME-Version: 1.0\n\
         Content-Type: multipart/alternative; boundary=\"b0undary\"\n\
         \n\
         --b0undary\n\
         Content-Type: text/plain; charset=utf-8\n\
         Content-Transfer-Encoding: quoted-printable\n\
         \n\
         Your ticket {ticket} has a new reply =E2=80=94 see below.\n\
         --b0undary\n\
         Content-Type: text/html; charset=utf-8\n\
         \n\
         <p>Your ticket <b>{ticket}</b> has a new reply.</p>\n\
         --b0undary--\n"
    )
}

#[tokio::test]
async fn a_multipart_alternative_message_arrives_parsed() {
    let Some(smtp) = setup() else {
        return;
    };
    assert!(
        smtp.url().starts_with("smtp://127.0.0.1:"),
        "{}",
        smtp.url()
    );
    let jane = smtp.address("jane");
    assert!(jane.ends_with("@example.test"), "{jane}");
    assert!(smtp.received(&jane).is_empty());

    // The subject is an RFC 2047 encoded word: "Re: [HD-7] Printer — jammed".
    let subject = "=?utf-8?q?Re=3A_=5BHD-7=5D_Printer_=E2=80=94_jammed?=";
    swaks(smtp, &jane, &alternative(&jane, subject, "HD-7"));
    let got = smtp.wait_for(&jane, 1, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 1, "{got:?}");
    let mail = &got[0];

    assert_eq!(
        mail.subject().as_deref(),
        Some("Re: [HD-7] Printer — jammed")
    );
    assert_eq!(mail.header("x-desk-ticket").as_deref(), Some("HD-7"));
    assert_eq!(mail.headers("X-Desk-Ticket"), vec!["HD-7".to_string()]);
    assert_eq!(
        mail.header("X-Desk-Note").as_deref(),
        Some("a header folded over two lines")
    );
    assert_eq!(mail.header("X-Not-There"), None);
    assert_eq!(mail.from().as_deref(), Some("support@example.com"));
    assert_eq!(mail.display_name().as_deref(), Some("Desk Support"));
    assert_eq!(mail.to(), vec![jane.clone()]);
    assert_eq!(
        mail.message_id().as_deref(),
        Some("reply-2.HD-7@desk.example.test")
    );
    assert_eq!(
        mail.in_reply_to().as_deref(),
        Some("created.HD-7@desk.example.test")
    );
    assert_eq!(
        mail.references(),
        vec![
            "created.HD-7@desk.example.test".to_string(),
            "reply-1.HD-7@desk.example.test".to_string()
        ]
    );
    assert!(mail.is_multipart_alternative());
    let text = mail.text().expect("a text/plain part");
    assert_eq!(
        text.trim_end(),
        "Your ticket HD-7 has a new reply — see below."
    );
    let html = mail.html().expect("a text/html part");
    assert_eq!(
        html.trim_end(),
        "<p>Your ticket <b>HD-7</b> has a new reply.</p>"
    );
    // The server's own trace headers are there too, above the message's.
    assert!(!mail.headers("Received").is_empty(), "{mail}");
}

#[tokio::test]
async fn recipients_do_not_see_each_others_mail() {
    let Some(smtp) = setup() else {
        return;
    };
    let (ana, ben) = (smtp.address("ana"), smtp.address("ben"));
    assert_ne!(ana, ben);
    let plain = |to: &str, subject: &str| {
        format!("From: support@example.com\nTo: {to}\nSubject: {subject}\n\nHello.\n")
    };
    swaks(smtp, &ana, &plain(&ana, "first for ana"));
    // Delivered before the next is sent, so "oldest first" has one answer.
    smtp.wait_for(&ana, 1, Duration::from_secs(20)).await;
    swaks(smtp, &ben, &plain(&ben, "only for ben"));
    swaks(smtp, &ana, &plain(&ana, "second for ana"));

    let for_ana = smtp.wait_for(&ana, 2, Duration::from_secs(20)).await;
    let for_ben = smtp.wait_for(&ben, 1, Duration::from_secs(20)).await;
    let subjects = |m: &[smtp::Received]| -> Vec<String> {
        m.iter().map(|m| m.subject().unwrap_or_default()).collect()
    };
    assert_eq!(subjects(&for_ana), ["first for ana", "second for ana"]);
    assert_eq!(subjects(&for_ben), ["only for ben"]);
    // A plain message: one text/plain body, no HTML, not multipart.
    let mail = &for_ben[0];
    assert_eq!(mail.text().as_deref().map(str::trim_end), Some("Hello."));
    assert_eq!(mail.html(), None);
    assert!(!mail.is_multipart_alternative());
    assert!(smtp.received(&smtp.address("nobody")).is_empty());
}
