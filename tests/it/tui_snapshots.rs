//! Every pane and overlay of the TUI at 80x24 and 160x48, drawn onto ratatui's test
//! backend from a fixed desk and a fixed clock, so the snapshots change only when the
//! screen does. Colour is checked beside them: without colour nothing may be told by
//! colour alone (the selection is reverse video, breaches carry `!`).

use desk::client::DeskInfo;
use desk::domain::model::{
    Category, Comment, Event, EventKind, Priority, Requester, Role, SlaClock, Status, StatusClass,
    Ticket, User, UserRef, Visibility,
};
use desk::domain::requests::{TicketList, TicketView};
use desk::domain::time::{HOUR, MINUTE};
use desk::tui::drafts::Drafts;
use desk::tui::headless::{render, screen_text};
use desk::tui::keymap::Key;
use desk::tui::refs::Reference;
use desk::tui::theme::Theme;
use desk::tui::{App, Msg, Settings};
use ratatui::style::{Color, Modifier};

const NOW: i64 = 1_796_000_000_000;

fn user(id: i64, name: &str, email: &str, role: Role) -> User {
    User {
        id,
        email: email.into(),
        name: name.into(),
        role,
        active: true,
        created_at: NOW - 400 * HOUR,
    }
}

fn uref(u: &User) -> UserRef {
    UserRef {
        id: u.id,
        email: u.email.clone(),
        name: u.name.clone(),
    }
}

fn almaz() -> User {
    user(1, "Almaz Tesfaye", "almaz@example.com", Role::Supervisor)
}

fn mike() -> User {
    user(2, "Mike Chen", "mike@example.com", Role::Agent)
}

struct Spec {
    id: i64,
    title: &'static str,
    status: &'static str,
    class: StatusClass,
    priority: &'static str,
    category: &'static str,
    assignee: Option<User>,
    age: i64,
    due_in: Option<i64>,
    paused: bool,
}

fn ticket(s: Spec) -> Ticket {
    Ticket {
        id: s.id,
        key: format!("TKT-{}", s.id),
        title: s.title.into(),
        description: "The customer writes that the printer on the third floor jams on every \
                      second page since the firmware update on Monday. They tried a restart."
            .into(),
        requester: Requester {
            user_id: None,
            email: format!("customer{}@example.org", s.id),
            name: Some(format!("Customer {}", s.id)),
        },
        category: s.category.into(),
        priority: s.priority.into(),
        status: s.status.into(),
        status_class: s.class,
        assignee: s.assignee.as_ref().map(uref),
        tags: vec!["printer".into(), "floor-3".into()],
        custom_fields: [("trip_id".to_string(), serde_json::json!("ET-302"))]
            .into_iter()
            .collect(),
        version: 3,
        created_at: NOW - s.age - 2 * HOUR,
        updated_at: NOW - s.age,
        first_response_at: None,
        resolved_at: None,
        closed_at: None,
        approved_at: None,
        sla: SlaClock {
            response_due_at: None,
            resolution_due_at: s.due_in.map(|d| NOW + d),
            paused_at: s.paused.then_some(NOW - HOUR),
            paused_ms: 0,
            breached: s.due_in.is_some_and(|d| d < 0),
        },
    }
}

fn tickets() -> Vec<Ticket> {
    use StatusClass::*;
    let spec = |id, title, status, class, priority, category, assignee, age, due_in, paused| Spec {
        id,
        title,
        status,
        class,
        priority,
        category,
        assignee,
        age,
        due_in,
        paused,
    };
    vec![
        ticket(spec(
            42,
            "Printer on floor 3 jams on every second page",
            "in_progress",
            Open,
            "High",
            "Technical Support",
            Some(mike()),
            5 * MINUTE,
            Some(3 * HOUR),
            false,
        )),
        ticket(spec(
            41,
            "New electricity connection for a house in Bole",
            "new",
            Open,
            "Medium",
            "Service request",
            None,
            40 * MINUTE,
            Some(20 * HOUR),
            false,
        )),
        ticket(spec(
            40,
            "Charged twice for reservation RES-20931",
            "escalated",
            Open,
            "Critical",
            "Billing & Payments",
            Some(almaz()),
            2 * HOUR,
            Some(-5 * HOUR),
            false,
        )),
        ticket(spec(
            39,
            "Payment declined for subscription renewal",
            "waiting_on_customer",
            Pending,
            "Low",
            "Billing & Payments",
            Some(mike()),
            26 * HOUR,
            None,
            true,
        )),
        ticket(spec(
            38,
            "Feature request: dark mode",
            "resolved",
            Done,
            "Low",
            "Product Features",
            Some(mike()),
            3 * 24 * HOUR,
            None,
            false,
        )),
    ]
}

fn reference() -> Reference {
    let status = |key: &str, name: &str, class, position| Status {
        key: key.into(),
        name: name.into(),
        class,
        position,
        transitions: Vec::new(),
    };
    let priority = |id, name: &str, rank| Priority {
        id,
        name: name.into(),
        rank,
        color: String::new(),
        response_hours: 4.0,
        resolution_hours: 24.0,
    };
    let category = |id, name: &str, approval| Category {
        id,
        name: name.into(),
        description: String::new(),
        sla_hours: None,
        requires_approval: approval,
        active: true,
    };
    Reference {
        statuses: vec![
            status("new", "New", StatusClass::Open, 1),
            status("under_review", "Under review", StatusClass::Open, 2),
            status("in_progress", "In progress", StatusClass::Open, 3),
            status("escalated", "Escalated", StatusClass::Open, 4),
            status(
                "waiting_on_customer",
                "Waiting on customer",
                StatusClass::Pending,
                5,
            ),
            status("resolved", "Resolved", StatusClass::Done, 6),
        ],
        priorities: vec![
            priority(1, "Critical", 1),
            priority(2, "High", 2),
            priority(3, "Medium", 3),
            priority(4, "Low", 4),
        ],
        categories: vec![
            category(1, "General", false),
            category(2, "Service request", true),
            category(3, "Technical Support", false),
        ],
        users: vec![almaz(), mike()],
        me: Some(almaz()),
        open_by_assignee: vec![desk::domain::requests::Count {
            name: mike().email,
            count: 3,
        }],
    }
}

fn view() -> TicketView {
    let t = tickets().remove(0);
    let comment = |id, author: &User, body: &str, visibility, ago| Comment {
        id,
        ticket_id: t.id,
        author: Some(uref(author)),
        author_email: None,
        body: body.into(),
        visibility,
        created_at: NOW - ago,
        attachments: Vec::new(),
    };
    let event =
        |seq, kind, actor: Option<&User>, old: Option<&str>, new: Option<&str>, ago| Event {
            seq,
            ticket_id: t.id,
            ticket_key: t.key.clone(),
            version: seq,
            kind,
            actor: actor.map(uref),
            at: NOW - ago,
            field: None,
            old: old.map(str::to_string),
            new: new.map(str::to_string),
            note: None,
            visibility: Visibility::Public,
        };
    TicketView {
        comments: vec![
            comment(
                1,
                &mike(),
                "Which model is it? A photo of the error would help.",
                Visibility::Public,
                90 * MINUTE,
            ),
            comment(
                2,
                &mike(),
                "Firmware 4.2 is known to do this; rollback planned.",
                Visibility::Internal,
                10 * MINUTE,
            ),
        ],
        events: vec![
            event(1, EventKind::Created, None, None, None, 125 * MINUTE),
            event(
                2,
                EventKind::Assigned,
                Some(&almaz()),
                None,
                Some("Mike Chen"),
                2 * HOUR,
            ),
            event(
                3,
                EventKind::StatusChanged,
                Some(&mike()),
                Some("assigned"),
                Some("in_progress"),
                95 * MINUTE,
            ),
        ],
        ticket: t,
        attachments: Vec::new(),
    }
}

fn app(size: (u16, u16), colour: bool) -> App {
    themed(size, Theme::new(colour))
}

fn themed(size: (u16, u16), theme: Theme) -> App {
    let info = DeskInfo {
        location: "http://desk.example.com:7420".into(),
        online: true,
        user: almaz(),
    };
    let settings = Settings {
        refresh_interval: 30,
        views: vec![
            desk::config::View {
                name: "Mine".into(),
                query: "assignee:me".into(),
            },
            desk::config::View {
                name: "Urgent".into(),
                query: "priority:critical,high".into(),
            },
        ],
        theme,
        ..Settings::default()
    };
    let mut app = App::new(info, settings, Drafts::in_memory(), NOW);
    let _ = app.resize(size.0, size.1);
    let _ = app.start();
    let epoch = app.list.epoch;
    let _ = app.on_msg(Msg::Reference(Ok(reference())));
    let _ = app.on_msg(Msg::Head(Ok(100)));
    let _ = app.on_msg(Msg::Page {
        epoch,
        result: Ok(TicketList {
            tickets: tickets(),
            next_cursor: None,
        }),
    });
    let _ = app.on_msg(Msg::Count {
        epoch,
        result: Ok(5),
    });
    let _ = app.on_msg(Msg::Detail {
        key: "TKT-42".into(),
        result: Ok(view()),
        sent: sent(),
    });
    app.ctx.now = NOW + 12_000;
    app
}

/// What desk told people about TKT-42: the requester's mail went out, a webhook failed.
fn sent() -> Vec<desk::store::outbox::Delivery> {
    let delivery = |id, channel: &str, recipient: &str, subject: &str, status: &str| {
        desk::store::outbox::Delivery {
            id,
            event_seq: id,
            ticket_key: "TKT-42".into(),
            channel: channel.into(),
            webhook_id: (channel == "webhook").then_some(1),
            recipient: recipient.into(),
            subject: subject.into(),
            status: status.into(),
            attempts: 1,
            last_error: (status == "failed").then(|| "HTTP 503 Service Unavailable".into()),
            next_attempt_at: NOW,
            created_at: NOW - 2 * HOUR + MINUTE,
            delivered_at: None,
        }
    };
    vec![
        delivery(
            1,
            "email",
            "customer42@example.org",
            "[TKT-42] We have your request: Printer on floor 3 jams",
            "delivered",
        ),
        delivery(
            2,
            "webhook",
            "https://hooks.example.com/desk",
            "ticket.created",
            "failed",
        ),
    ]
}

/// Enter on the selected ticket, and its detail arriving from the desk.
fn open_detail(app: &mut App) {
    press(app, &["enter"]);
    let _ = app.on_msg(Msg::Detail {
        key: "TKT-42".into(),
        result: Ok(view()),
        sent: sent(),
    });
}

fn press(app: &mut App, keys: &[&str]) {
    for k in keys {
        let key = Key::parse(k).expect("key");
        let _ = app.on_key(key);
    }
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        let _ = app.on_key(Key::plain(c));
    }
}

/// Draws `setup` at both sizes, snapshots the text, and checks the colour rules.
fn check(name: &str, setup: impl Fn(&mut App)) {
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut coloured = app((w, h), true);
        setup(&mut coloured);
        let buffer = render(&coloured);
        let text = screen_text(&buffer);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text);

        let mut plain = app((w, h), false);
        setup(&mut plain);
        let mono = render(&plain);
        assert_eq!(
            screen_text(&mono),
            text,
            "{name}: colour changes only colour"
        );
        for cell in mono.content() {
            assert!(
                matches!(cell.fg, Color::Reset) && matches!(cell.bg, Color::Reset),
                "{name}: a colour without NO_COLOR"
            );
        }
        let coloured_cells = buffer
            .content()
            .iter()
            .filter(|c| c.fg != Color::Reset)
            .count();
        assert!(coloured_cells > 0, "{name}: colour mode shows colour");
    }
}

#[test]
fn list_and_detail() {
    check("list", |_| {});
    // The selection is reverse video in both modes.
    let plain = app((160, 48), false);
    let buffer = render(&plain);
    let row = (0..48)
        .find(|&y| {
            (0..160)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
                .contains("TKT-42 High")
        })
        .expect("selected row");
    assert!(buffer[(5, row)].modifier.contains(Modifier::REVERSED));
}

/// The styles of a screen, one line per run of cells styled alike: what a theme
/// changes, where the text snapshots cannot see it.
fn styles(buffer: &ratatui::buffer::Buffer) -> String {
    let mut out = String::new();
    let area = buffer.area;
    for y in 0..area.height {
        let mut x = 0;
        while x < area.width {
            let style = |x| {
                let c = &buffer[(x, y)];
                (c.fg, c.bg, c.modifier)
            };
            let here = style(x);
            let start = x;
            let mut text = String::new();
            while x < area.width && style(x) == here {
                text.push_str(buffer[(x, y)].symbol());
                x += 1;
            }
            if here != (Color::Reset, Color::Reset, Modifier::empty()) {
                out.push_str(&format!(
                    "{y:>2}:{start:<3} {:?} {:?} {:?} {:?}\n",
                    here.0,
                    here.1,
                    here.2,
                    text.trim_end()
                ));
            }
        }
    }
    out
}

#[test]
fn every_theme_shows_the_same_screen_in_its_own_styles() {
    use desk::config::ThemeName;
    let dark_text = screen_text(&render(&themed((80, 24), Theme::named(ThemeName::Dark))));
    for (name, theme) in [
        ("dark", ThemeName::Dark),
        ("light", ThemeName::Light),
        ("high_contrast", ThemeName::HighContrast),
        ("mono", ThemeName::Mono),
    ] {
        let mut app = themed((80, 24), Theme::named(theme));
        // An internal note and a breach on screen, besides the list's own styles.
        open_detail(&mut app);
        let buffer = render(&app);
        let list = render(&themed((80, 24), Theme::named(theme)));
        assert_eq!(
            screen_text(&list),
            dark_text,
            "{name}: a theme changes only styles"
        );
        insta::assert_snapshot!(
            format!("theme_{name}_80x24"),
            format!("{}\n{}", styles(&list), styles(&buffer))
        );
        let fgs: Vec<Color> = buffer.content().iter().map(|c| c.fg).collect();
        let mods = || buffer.content().iter().map(|c| c.modifier);
        match theme {
            // Yellow and cyan text vanish on a white background.
            ThemeName::Light => assert!(
                !fgs.iter()
                    .any(|c| matches!(c, Color::Yellow | Color::Cyan | Color::LightYellow)),
                "light: no yellow or cyan"
            ),
            ThemeName::HighContrast => {
                assert!(
                    !mods().any(|m| m.contains(Modifier::DIM)),
                    "high contrast: nothing dim"
                );
                assert!(
                    list.content()
                        .iter()
                        .any(|c| c.modifier.contains(Modifier::REVERSED | Modifier::BOLD)),
                    "high contrast: the selection is bold too"
                );
            }
            ThemeName::Mono => assert!(fgs.iter().all(|c| *c == Color::Reset), "mono: no colour"),
            _ => assert!(fgs.contains(&Color::Cyan), "dark: cyan accents"),
        }
    }
}

#[test]
fn breaches_are_red_and_marked_with_a_bang() {
    let app = app((160, 48), true);
    let buffer = render(&app);
    let text = screen_text(&buffer);
    let (y, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("TKT-40"))
        .expect("row");
    let x = line.find("!5h late").expect("marker") as u16;
    // Column by characters: the line is ASCII up to the marker.
    assert_eq!(buffer[(x, y as u16)].fg, Color::Red);
}

#[test]
fn detail_full_width_when_narrow() {
    check("detail_open", open_detail);
    check("detail_scrolled", |app| {
        open_detail(app);
        press(app, &["ctrl-d"]);
    });
}

#[test]
fn filter_bar() {
    check("filter_error", |app| {
        press(app, &["/"]);
        type_text(app, "prio:high");
    });
}

#[test]
fn pickers() {
    check("facets", |app| press(app, &["f"]));
    check("facet_values", |app| {
        press(app, &["f"]);
        type_text(app, "prio");
        press(app, &["enter", "space"]);
    });
    check("assign", |app| press(app, &["@"]));
    check("priority", |app| press(app, &["p"]));
    check("palette", |app| {
        press(app, &[":"]);
        type_text(app, "assign");
    });
    check("status", |app| {
        let _ = app.on_msg(Msg::Transitions {
            keys: vec!["TKT-42".into()],
            result: Ok(vec!["waiting_on_customer".into(), "resolved".into()]),
        });
    });
}

#[test]
fn prompts() {
    check("approve", |app| {
        press(app, &["j", "A"]);
        type_text(app, "Survey booked");
    });
    check("tags", |app| press(app, &["t"]));
}

#[test]
fn composer() {
    check("comment_public", |app| {
        press(app, &["c"]);
        type_text(app, "Rolled back the firmware; please try again.");
    });
    check("comment_internal", |app| {
        press(app, &["c", "ctrl-t"]);
        type_text(app, "Vendor ticket 5512 opened");
    });
    check("comment_discard", |app| {
        press(app, &["c"]);
        type_text(app, "Half a thought");
        press(app, &["esc"]);
    });
    check("reject", |app| {
        press(app, &["j", "R"]);
        type_text(app, "Not covered by the contract");
    });
    check("new_ticket", |app| {
        press(app, &["+"]);
        type_text(app, "Projector in room 2 flickers");
        press(app, &["tab"]);
        type_text(app, "jane@example.com");
        press(app, &["tab", "right"]);
    });
}

/// Opens the dashboard and answers its counts with made-up but fixed numbers.
fn open_dashboard(app: &mut App) {
    use desk::domain::requests::{Series, SeriesDay};
    use desk::tui::panes::dashboard::{Figures, Item};
    use desk::tui::protocol::{Call, Effect};
    let effects = app.on_key(Key::parse("d").expect("key"));
    let ask = effects
        .into_iter()
        .find_map(|e| match e {
            Effect::Desk(Call::Dashboard(ask)) => Some(ask),
            _ => None,
        })
        .expect("the dashboard asks for its counts");
    let items = ask
        .counts()
        .into_iter()
        .enumerate()
        .map(|(i, w)| {
            // Those that missed a target are some of those resolved, as on a real desk.
            let count = if w.query.contains("sla:missed") {
                2
            } else {
                (i as i64 * 7) % 23
            };
            (
                w.section,
                Item {
                    label: w.label,
                    count,
                    query: w.query,
                    oldest: w.oldest.map(|_| NOW - (i as i64 + 1) * 5 * HOUR),
                },
            )
        })
        .collect();
    let days = (0..ask.days)
        .map(|d| SeriesDay {
            date: format!("2026-11-{:02}", d + 1),
            created: i64::from((d * 5) % 9),
            resolved: i64::from((d * 3) % 7),
        })
        .collect();
    let _ = app.on_msg(Msg::Dashboard {
        query: ask.query.clone(),
        result: Ok(Figures {
            items,
            series: Series { q: ask.query, days },
        }),
    });
}

#[test]
fn dashboard() {
    check("dashboard", open_dashboard);
    // At the bottom the window follows: at 80x24 the per-agent numbers scroll in.
    check("dashboard_bottom", |app| {
        open_dashboard(app);
        press(app, &["G"]);
    });
}

#[test]
fn help_and_marks() {
    check("help", |app| press(app, &["?"]));
    check("marked", |app| press(app, &["space", "space"]));
}

#[test]
fn offline_status_bar() {
    check("offline", |app| {
        let _ = app.on_msg(Msg::Refreshed {
            epoch: app.list.epoch,
            result: Err(desk::client::DeskError::Unavailable(
                "cannot reach http://desk.example.com:7420: connection refused".into(),
            )),
        });
        app.ctx.now += 2_000;
        let _ = app.tick(app.ctx.now);
    });
}

/// The app with the config's `[keys]` merged over the defaults.
fn app_with_keys(config: &str) -> App {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("config.toml");
    std::fs::write(&path, config).expect("config");
    let loaded = desk::config::Config::load(Some(&path)).expect("config loads");
    let mut app = app((80, 24), false);
    app.ctx.settings.keymap = desk::tui::Keymap::from_config(&loaded).expect("keys are fine");
    app
}

#[test]
fn rebound_keys_change_what_the_prompts_say() {
    let config = "[keys.prompt]\n\"ctrl-o\" = \"confirm\"\n\"enter\" = \"none\"\n\n\
                  [keys.discard]\n\"x\" = \"discard\"\n\"y\" = \"none\"\n";
    let mut approve = app_with_keys(config);
    press(&mut approve, &["j", "A"]);
    let screen = screen_text(&render(&approve));
    assert!(screen.contains("ctrl-o approves, esc cancels"), "{screen}");
    assert!(!screen.contains("enter approves"), "{screen}");
    insta::assert_snapshot!("rebound_approve_80x24", screen);

    let mut discard = app_with_keys(config);
    press(&mut discard, &["c"]);
    type_text(&mut discard, "Half a thought");
    press(&mut discard, &["esc"]);
    let screen = screen_text(&render(&discard));
    assert!(
        screen.contains("x discard · k keep it for later"),
        "{screen}"
    );
    insta::assert_snapshot!("rebound_discard_80x24", screen);
    // The rebound key does what the screen says.
    press(&mut discard, &["x"]);
    assert!(discard.overlay().is_none(), "x discarded the draft");
}

/// The last line of the screen: the hint bar.
fn hint_bar(app: &App) -> String {
    let screen = screen_text(&render(app));
    screen.lines().last().unwrap_or_default().to_string()
}

#[test]
fn hints_help_and_palette_offer_only_what_the_viewer_may_do() {
    let mut supervisor = app((160, 48), false);
    assert!(hint_bar(&supervisor).contains("A approve"));
    press(&mut supervisor, &[":"]);
    assert!(screen_text(&render(&supervisor)).contains("approve the request"));

    let mut agent = app((160, 48), true);
    agent.ctx.info.user.role = Role::Agent;
    let hints = hint_bar(&agent);
    assert!(hints.contains("a take"), "{hints}");
    assert!(
        !hints.contains("approve") && !hints.contains("reject"),
        "{hints}"
    );
    press(&mut agent, &[":"]);
    let palette = screen_text(&render(&agent));
    assert!(palette.contains("assign to me"), "{palette}");
    assert!(!palette.contains("approve the request"), "{palette}");
    assert!(
        !palette.contains("saved view 3"),
        "only the two configured views are offered:\n{palette}"
    );
    press(&mut agent, &["esc", "?"]);
    // In the help an agent still reads about approving, dimmed.
    let help = render(&agent);
    let text = screen_text(&help);
    let (y, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("approve the request"))
        .expect("help lists approve");
    let x = line.find("approve the request").expect("column") as u16;
    let cell = &help[(x, y as u16)];
    assert!(
        cell.modifier.contains(Modifier::DIM),
        "approve is dimmed for an agent"
    );
    let (y, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("assign to me"))
        .expect("help lists assign");
    let x = line.find("assign to me").expect("column") as u16;
    assert!(!help[(x, y as u16)].modifier.contains(Modifier::DIM));

    let mut customer = app((160, 48), false);
    customer.ctx.info.user.role = Role::Customer;
    let hints = hint_bar(&customer);
    assert!(
        hints.contains("c comment") && !hints.contains("a take"),
        "{hints}"
    );
}
