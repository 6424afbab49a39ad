//! `[ui] notify` driven headless against the real demo desk: colleagues and customers
//! act through the same service, a refresh brings their events, and the TUI rings
//! (OSC 9 / OSC 777, captured here) for exactly what the config names.

use std::sync::Arc;

use desk::client::{Desk, LocalDesk};
use desk::config::Loaded;
use desk::domain::time;
use desk::tui::Settings;
use desk::tui::drafts::Drafts;
use desk::tui::headless::Headless;

struct Setup {
    desk: Arc<LocalDesk>,
    _demo: desk::cli::tempfile_dir::Guard,
}

async fn setup() -> Setup {
    let (desk, demo) = desk::cli::open_demo(&Loaded::default())
        .await
        .expect("demo desk");
    Setup {
        desk: Arc::new(desk),
        _demo: demo,
    }
}

/// Someone else on the demo desk.
async fn as_user(s: &Setup, email: &str) -> LocalDesk {
    let service = s.desk.service().clone();
    let user = service
        .user_by_email(email)
        .await
        .expect("lookup")
        .expect("demo user");
    LocalDesk::acting_as(service, user)
}

fn new_ticket(title: &str, category: &str) -> desk::domain::requests::NewTicket {
    desk::domain::requests::NewTicket {
        title: title.into(),
        description: "filed by the test".into(),
        category: Some(category.into()),
        priority: None,
        tags: Vec::new(),
        custom_fields: Default::default(),
        requester_email: None,
        requester_name: None,
    }
}

#[tokio::test]
async fn notify_rings_for_what_the_config_names_and_not_for_ones_own_changes() {
    let s = setup().await;
    let settings = Settings {
        notify: vec![
            "assigned_to_me".into(),
            "approval_waiting".into(),
            "new_in_view:Billing".into(),
            "new_in_view:Nope".into(),
        ],
        views: vec![desk::config::View {
            name: "Billing".into(),
            query: "category:\"Billing & Payments\"".into(),
        }],
        ..Settings::default()
    };
    let desk: Arc<dyn Desk> = s.desk.clone();
    let mut h = Headless::start(desk, settings, Drafts::in_memory(), (160, 48), time::now()).await;
    let messages: Vec<String> = h
        .app
        .status
        .log
        .iter()
        .map(|m| m.notice.text.clone())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("no saved view named Nope")),
        "{messages:?}"
    );

    // Almaz takes the unassigned TKT-7 herself: nothing rings.
    h.press("/").await;
    for _ in 0..200 {
        h.press("backspace").await;
    }
    h.type_text("key:TKT-7").await;
    h.press("enter").await;
    h.press("a").await;
    assert!(h.app.overlay().is_none(), "taken without a question");
    h.press("r").await;
    assert!(h.notified.is_empty(), "{:?}", h.notified);
    assert_eq!(
        s.desk
            .get_ticket("TKT-7")
            .await
            .expect("ticket")
            .ticket
            .assignee
            .map(|a| a.email),
        Some("almaz.tesfaye@example.com".to_string())
    );

    let mike = as_user(&s, "mike.chen@example.com").await;
    let jam = mike
        .create_ticket(new_ticket("Printer jam", "Technical Support"))
        .await
        .expect("mike files");
    mike.assign(&jam.key, Some("almaz.tesfaye@example.com"), None)
        .await
        .expect("mike assigns");
    let abebe = as_user(&s, "abebe.kebede@example.com").await;
    let request = abebe
        .create_ticket(new_ticket(
            "Building permit for a new shop",
            "Service request",
        ))
        .await
        .expect("abebe files");
    let billing = mike
        .create_ticket(new_ticket("Refund twice charged", "Billing & Payments"))
        .await
        .expect("mike files");
    h.press("r").await;
    let titles: Vec<&str> = h.notified.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            format!("{} assigned to you", jam.key),
            format!("{} awaits your approval", request.key),
            format!("new in Billing: {}", billing.key),
        ]
    );
    assert_eq!(
        h.notified[0].body,
        format!("Mike Chen assigned you {} Printer jam", jam.key)
    );
    assert!(h.screen().contains("(and 2 more)"), "{}", h.screen());
    // Heard once: the next refresh has nothing new to ring for.
    h.press("r").await;
    assert_eq!(h.notified.len(), 3);
}
