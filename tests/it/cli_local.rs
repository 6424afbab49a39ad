//! The script commands against a local store: the real binary, a real SQLite file in a
//! temp directory, nothing from the developer's home.

use crate::cli_common;

use cli_common::{Sandbox, settled};
use desk::cli::{EXIT_REFUSED, EXIT_UNAVAILABLE, EXIT_USAGE};
use desk::client::{Desk, LocalDesk, LocalUser};
use desk::domain::model::{Category, Comment, Priority, Role, Status, Ticket, User};
use desk::domain::requests::{NewTicket, Stats, TicketList, TicketView};
use desk::service::ServiceConfig;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// `value` read as a `T` and written back is `value` again: the output has exactly the
/// shape of the domain type the HTTP API serializes too.
#[track_caller]
fn same_shape<T: DeserializeOwned + Serialize>(value: &Value) -> T {
    let typed: T = serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("not the expected shape ({e}): {value:#}"));
    assert_eq!(
        &serde_json::to_value(&typed).expect("serializes"),
        value,
        "extra or renamed fields"
    );
    typed
}

fn create(sb: &Sandbox, args: &[&str]) -> String {
    let mut all = vec!["tickets", "create"];
    all.extend_from_slice(args);
    let out = sb.run(&all);
    let key = out.ok().trim().to_string();
    assert!(key.starts_with("TKT-"), "create prints the key: {key:?}");
    key
}

/// The same store, opened in-process (for setting up many tickets fast and for
/// reading what the service itself answers).
async fn local_desk(sb: &Sandbox) -> LocalDesk {
    LocalDesk::open(
        sb.database().to_str().expect("utf-8 path"),
        ServiceConfig::default(),
        LocalUser {
            email: "sam@example.com".into(),
            name: "Sam Admin".into(),
            role: Role::Admin,
        },
    )
    .await
    .expect("open the store")
}

#[test]
fn create_show_and_the_json_shapes() {
    let sb = Sandbox::new();
    let out = sb.run(&[
        "tickets",
        "create",
        "--title",
        "Printer on fire",
        "--category",
        "General",
        "--priority",
        "High",
        "--description",
        "Smoke from tray 2",
        "--tag",
        "vip",
        "--tag",
        "printer",
        "--field",
        "trip_id=00123",
        "--field",
        "seats:=[1,2]",
        "--json",
    ]);
    let ticket: Ticket = same_shape(&out.json());
    assert_eq!(ticket.title, "Printer on fire");
    assert_eq!(ticket.priority, "High");
    assert_eq!(ticket.status, "new");
    assert_eq!(ticket.description, "Smoke from tray 2");
    assert_eq!(ticket.tags, vec!["printer", "vip"]);
    assert_eq!(ticket.custom_fields["trip_id"], json!("00123"));
    assert_eq!(ticket.custom_fields["seats"], json!([1, 2]));
    assert_eq!(ticket.requester.email, "sam@example.com");

    // The key alone without --json, lower case accepted.
    let key = create(&sb, &["--title", "Second"]);
    assert_eq!(key, "TKT-2");

    let shown = sb.run(&["tickets", "show", "tkt-1", "--json"]).json();
    let view: TicketView = same_shape(&shown);
    assert_eq!(view.ticket.key, "TKT-1");
    assert_eq!(view.events.len(), 1, "the created event");

    // What the service answers is what the CLI prints.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let from_service = rt.block_on(async {
        let desk = local_desk(&sb).await;
        desk.get_ticket("TKT-1").await.expect("get")
    });
    assert_eq!(
        settled(shown),
        settled(serde_json::to_value(&from_service).expect("json"))
    );

    // People get a readable page with the timeline; no escapes when not a terminal.
    let text = sb.run(&["tickets", "show", "TKT-1"]);
    let text = text.ok();
    assert!(text.starts_with("TKT-1  Printer on fire\n"), "{text}");
    for want in [
        "High",
        "vip",
        "trip_id",
        "00123",
        "Timeline",
        "filed the ticket",
    ] {
        assert!(text.contains(want), "{want} in {text}");
    }
    assert!(!text.contains('\u{1b}'));
}

#[test]
fn lists_as_table_json_ndjson_and_csv() {
    let sb = Sandbox::new();
    create(
        &sb,
        &["--title", "Alpha, with a comma", "--priority", "Low"],
    );
    create(
        &sb,
        &[
            "--title",
            "Beta \"quoted\"",
            "--priority",
            "Critical",
            "--tag",
            "vip",
        ],
    );
    create(&sb, &["--title", "Gamma", "--tag", "vip"]);

    let table = sb.run(&["tickets", "list"]);
    let table = table.ok();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4, "{table}");
    assert!(lines[0].starts_with("KEY"));
    assert!(table.contains("Alpha, with a comma"));
    assert!(!table.contains('\u{1b}'), "no colour into a pipe");

    let list: TicketList = same_shape(&sb.run(&["tickets", "list", "--json"]).json());
    assert_eq!(list.tickets.len(), 3);
    assert_eq!(list.next_cursor, None);

    let out = sb.run(&["tickets", "list", "tag:vip", "--ndjson"]);
    let lines: Vec<Ticket> = out
        .ok()
        .lines()
        .map(|l| same_shape(&serde_json::from_str::<Value>(l).expect("a JSON line")))
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|t| t.tags.contains(&"vip".to_string())));

    // Query words may come as several arguments.
    let out = sb.run(&["tickets", "list", "tag:vip", "priority:critical", "--json"]);
    let list: TicketList = serde_json::from_value(out.json()).expect("list");
    assert_eq!(list.tickets.len(), 1);
    assert_eq!(list.tickets[0].title, "Beta \"quoted\"");

    // A negated term needs `--` before it.
    let out = sb.run(&["tickets", "list", "--json", "--", "-tag:vip"]);
    let list: TicketList = serde_json::from_value(out.json()).expect("list");
    assert_eq!(list.tickets.len(), 1);

    let csv = sb.run(&["tickets", "list", "--csv"]);
    let csv = csv.ok();
    let mut rows = csv.lines();
    assert!(
        rows.next()
            .expect("header")
            .starts_with("key,title,status,")
    );
    assert!(csv.contains("\"Alpha, with a comma\""), "{csv}");
    assert!(csv.contains("\"Beta \"\"quoted\"\"\""), "{csv}");
    assert_eq!(rows.count(), 3);

    // Only one format at a time.
    sb.run(&["tickets", "list", "--json", "--csv"])
        .fails(EXIT_USAGE, "cannot be used with");
}

#[test]
fn limit_and_all_page_through_everything() {
    let sb = Sandbox::new();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let desk = local_desk(&sb).await;
        for i in 0..510 {
            desk.create_ticket(NewTicket {
                title: format!("Bulk {i}"),
                ..NewTicket::default()
            })
            .await
            .expect("create");
        }
    });
    let page: TicketList =
        serde_json::from_value(sb.run(&["tickets", "list", "--json"]).json()).expect("list");
    assert_eq!(page.tickets.len(), 50, "the default limit");
    assert!(page.next_cursor.is_some());

    let some: TicketList = serde_json::from_value(
        sb.run(&["tickets", "list", "--limit", "505", "--json"])
            .json(),
    )
    .expect("list");
    assert_eq!(some.tickets.len(), 505, "more than one page");
    assert!(some.next_cursor.is_some());

    let all = sb.run(&["tickets", "list", "--all", "--ndjson"]);
    let keys: std::collections::BTreeSet<String> = all
        .ok()
        .lines()
        .map(|l| {
            serde_json::from_str::<Ticket>(l)
                .expect("a ticket per line")
                .key
        })
        .collect();
    assert_eq!(keys.len(), 510, "every ticket once");

    sb.run(&["tickets", "list", "--limit", "0"])
        .fails(EXIT_USAGE, "--limit");
    sb.run(&["tickets", "list", "--limit", "5", "--all"])
        .fails(EXIT_USAGE, "cannot be used with");
}

#[test]
fn stdin_carries_descriptions_and_comments() {
    let sb = Sandbox::new();
    let out = sb.run_with_stdin(
        &["tickets", "create", "--title", "From monitoring", "--json"],
        "disk /var is 97% full\nhost: web-3\n",
    );
    let t: Ticket = serde_json::from_value(out.json()).expect("ticket");
    assert_eq!(t.description, "disk /var is 97% full\nhost: web-3");

    // --description-file - is stdin too; a file works as well.
    let file = sb.path().join("desc.txt");
    std::fs::write(&file, "from a file").expect("write");
    let t: Ticket = serde_json::from_value(
        sb.run(&[
            "tickets",
            "create",
            "--title",
            "File",
            "--description-file",
            file.to_str().expect("utf-8"),
            "--json",
        ])
        .json(),
    )
    .expect("ticket");
    assert_eq!(t.description, "from a file");
    sb.run(&[
        "tickets",
        "create",
        "--title",
        "x",
        "--description",
        "a",
        "--description-file",
        "-",
    ])
    .fails(EXIT_USAGE, "cannot be used with");
    sb.run(&[
        "tickets",
        "create",
        "--title",
        "x",
        "--description-file",
        "/no/such/file",
    ])
    .fails(EXIT_USAGE, "/no/such/file");

    let out = sb.run_with_stdin(
        &["tickets", "comment", &t.key, "--internal", "--json"],
        "checked the logs\n",
    );
    let c: Comment = same_shape(&out.json());
    assert_eq!(c.body, "checked the logs");
    assert_eq!(c.visibility.as_str(), "internal");

    let out = sb.run(&["tickets", "comment", &t.key, "--body", "public reply"]);
    assert!(out.ok().contains("public comment"), "{}", out.stdout);

    // Nothing on stdin, no --body: an empty comment is refused and nothing is sent.
    sb.run(&["tickets", "comment", &t.key])
        .fails(EXIT_REFUSED, "empty");
    let view: TicketView =
        serde_json::from_value(sb.run(&["tickets", "show", &t.key, "--json"]).json())
            .expect("view");
    assert_eq!(view.comments.len(), 2);
}

#[test]
fn edit_assign_and_the_workflow() {
    let sb = Sandbox::new();
    let key = create(&sb, &["--title", "Old title", "--tag", "a", "--tag", "b"]);

    let t: Ticket = serde_json::from_value(
        sb.run(&[
            "tickets",
            "edit",
            &key,
            "--title",
            "New title",
            "--priority",
            "Critical",
            "--add-tag",
            "c",
            "--remove-tag",
            "a",
            "--field",
            "order=A-1",
            "--json",
        ])
        .json(),
    )
    .expect("ticket");
    assert_eq!(t.title, "New title");
    assert_eq!(t.priority, "Critical");
    assert_eq!(t.tags, vec!["b", "c"]);
    assert_eq!(t.custom_fields["order"], json!("A-1"));

    let t: Ticket = serde_json::from_value(
        sb.run(&[
            "tickets",
            "edit",
            &key,
            "--unset-field",
            "order",
            "--no-tags",
            "--json",
        ])
        .json(),
    )
    .expect("ticket");
    assert!(t.custom_fields.is_empty());
    assert!(t.tags.is_empty());
    sb.run(&["tickets", "edit", &key])
        .fails(EXIT_USAGE, "nothing to change");

    let out = sb.run(&["tickets", "assign", &key, "--me"]);
    assert!(
        out.ok().contains("assigned to sam@example.com"),
        "{}",
        out.stdout
    );
    sb.run(&["tickets", "assign", &key])
        .fails(EXIT_USAGE, "required");
    sb.run(&["tickets", "assign", &key, "nobody@example.com"])
        .fails(EXIT_REFUSED, "nobody@example.com");

    let allowed = sb.run(&["tickets", "transitions", &key, "--json"]).json();
    assert!(
        allowed["transitions"]
            .as_array()
            .is_some_and(|a| a.contains(&json!("in_progress"))),
        "{allowed}"
    );
    let t: Ticket = serde_json::from_value(
        sb.run(&[
            "tickets",
            "status",
            &key,
            "in_progress",
            "--note",
            "on it",
            "--json",
        ])
        .json(),
    )
    .expect("ticket");
    assert_eq!(t.status, "in_progress");
    sb.run(&["tickets", "status", &key, "bogus"])
        .fails(EXIT_REFUSED, "unknown status");

    let t: Ticket = serde_json::from_value(
        sb.run(&["tickets", "assign", &key, "--none", "--json"])
            .json(),
    )
    .expect("ticket");
    assert_eq!(t.assignee, None);

    // Approval: a service request waits for a supervisor (the local admin is one).
    let req = create(
        &sb,
        &["--title", "New laptop", "--category", "Service request"],
    );
    let out = sb.run(&["tickets", "approve", &req, "--note", "budget ok"]);
    assert!(out.ok().contains("approved"), "{}", out.stdout);
    let other = create(
        &sb,
        &["--title", "Second laptop", "--category", "Service request"],
    );
    sb.run(&["tickets", "reject", &other])
        .fails(EXIT_USAGE, "--note");
    let t: Ticket = serde_json::from_value(
        sb.run(&[
            "tickets",
            "reject",
            &other,
            "--note",
            "one per person",
            "--json",
        ])
        .json(),
    )
    .expect("ticket");
    assert_eq!(t.status, "rejected");

    // The timeline shows it all.
    let text = sb.run(&["tickets", "show", &req]);
    assert!(
        text.ok().contains("approved the request: \"budget ok\""),
        "{}",
        text.stdout
    );
}

#[test]
fn every_kind_of_failure_has_its_exit_code_and_one_line() {
    let sb = Sandbox::new();
    let key = create(&sb, &["--title", "Something"]);

    // Usage: clap's and ours.
    sb.run(&["tickets", "frobnicate"])
        .fails(EXIT_USAGE, "unrecognized");
    sb.run(&["tickets", "create"]).fails(EXIT_USAGE, "--title");
    sb.run(&["tickets", "create", "--title", "x", "--field", "novalue"])
        .fails(EXIT_USAGE, "KEY=VALUE");
    sb.run(&["--offline", "--server", "http://127.0.0.1:9", "whoami"])
        .fails(EXIT_USAGE, "cannot be used with");
    sb.run(&["--server", "not a url", "whoami"])
        .fails(EXIT_USAGE, "not a server URL");

    // Refused: validation, not found, workflow, conflict, query syntax.
    sb.run(&["tickets", "create", "--title", "   "])
        .fails(EXIT_REFUSED, "title");
    sb.run(&[
        "tickets",
        "create",
        "--title",
        "x",
        "--priority",
        "Urgentest",
    ])
    .fails(EXIT_REFUSED, "Urgentest");
    sb.run(&["tickets", "show", "TKT-999"])
        .fails(EXIT_REFUSED, "not found");
    let done = create(&sb, &["--title", "Done already"]);
    sb.run(&["tickets", "status", &done, "resolved"]).expect(0);
    sb.run(&["tickets", "status", &done, "waiting_on_customer"])
        .fails(EXIT_REFUSED, "cannot move from resolved");
    sb.run(&["tickets", "list", "prio:high"])
        .fails(EXIT_REFUSED, "did you mean `priority`");
    let stale = sb.run(&[
        "tickets",
        "edit",
        &key,
        "--title",
        "Changed",
        "--if-version",
        "1",
    ]);
    stale.expect(0);
    sb.run(&[
        "tickets",
        "edit",
        &key,
        "--title",
        "Again",
        "--if-version",
        "1",
    ])
    .fails(EXIT_REFUSED, "version");
    sb.run(&[
        "tickets",
        "edit",
        &key,
        "--add-tag",
        "x",
        "--if-version",
        "1",
    ])
    .fails(EXIT_REFUSED, "version");
    let t: TicketView =
        serde_json::from_value(sb.run(&["tickets", "show", &key, "--json"]).json()).expect("view");
    assert_eq!(
        t.ticket.title, "Changed",
        "the stale writes changed nothing"
    );
    assert!(t.ticket.tags.is_empty());

    // Permission: a customer of the same store.
    let mut customer = Sandbox::new();
    customer.set("DESK_DB", sb.database().to_str().expect("utf-8"));
    customer.set("DESK_USER_EMAIL", "carol@example.com");
    customer.set("DESK_ROLE", "customer");
    customer.run(&["stats"]).fails(EXIT_REFUSED, "");
    customer
        .run(&["tickets", "show", &key])
        .fails(EXIT_REFUSED, "");
    customer
        .run(&["tickets", "comment", &key, "--internal", "--body", "psst"])
        .fails(EXIT_REFUSED, "");
    customer
        .run(&["tickets", "approve", &key])
        .fails(EXIT_REFUSED, "");

    // Unavailable: the store cannot be opened.
    let mut broken = Sandbox::new();
    let not_a_db = broken.path().join("not-a-desk.db");
    std::fs::write(&not_a_db, "this is not SQLite at all").expect("write");
    broken.set("DESK_DB", not_a_db.to_str().expect("utf-8"));
    broken
        .run(&["tickets", "list"])
        .fails(EXIT_UNAVAILABLE, "not a SQLite database");
    let dir = broken.path().to_str().expect("utf-8").to_string();
    broken.set("DESK_DB", &dir);
    broken.run(&["whoami"]).fails(EXIT_UNAVAILABLE, "directory");

    // A server configured but unreachable: 3; --offline still works on the store.
    let mut online = Sandbox::new();
    online.set("DESK_SERVER_URL", &format!("http://{}", closed_port()));
    online.set("DESK_TOKEN", "whatever");
    online
        .run(&["tickets", "list"])
        .fails(EXIT_UNAVAILABLE, "cannot reach");
    online.run(&["--offline", "tickets", "list"]).expect(0);

    // A broken config is a usage error, said in one line.
    let bad = Sandbox::with_config("colour = \"red\"\n");
    bad.run(&["whoami"]).fails(EXIT_USAGE, "config.toml:");
}

/// An address where nothing listens.
fn closed_port() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    addr
}

#[test]
fn whoami_stats_and_reference_lists() {
    let sb = Sandbox::new();
    create(&sb, &["--title", "One", "--priority", "High"]);

    let me: User = same_shape(&sb.run(&["whoami", "--json"]).json());
    assert_eq!(me.email, "sam@example.com");
    assert_eq!(me.role, Role::Admin);
    let text = sb.run(&["whoami"]);
    assert!(
        text.ok().contains("Sam Admin <sam@example.com>, admin"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("offline"));

    let stats: Stats = same_shape(&sb.run(&["stats", "--json"]).json());
    assert_eq!(stats.total, 1);
    assert!(sb.run(&["stats"]).ok().contains("tickets"));

    let categories: Vec<Category> = same_shape(&sb.run(&["categories", "list", "--json"]).json());
    assert!(
        categories
            .iter()
            .any(|c| c.name == "Service request" && c.requires_approval)
    );
    let priorities: Vec<Priority> = same_shape(&sb.run(&["priorities", "list", "--json"]).json());
    assert_eq!(priorities.len(), 4);
    let statuses: Vec<Status> = same_shape(&sb.run(&["statuses", "list", "--json"]).json());
    assert!(statuses.iter().any(|s| s.key == "waiting_on_customer"));
    let users: Vec<User> = same_shape(&sb.run(&["users", "list", "--json"]).json());
    assert_eq!(users.len(), 1);

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (c, p, s) = rt.block_on(async {
        let desk = local_desk(&sb).await;
        (
            desk.categories().await.expect("categories"),
            desk.priorities().await.expect("priorities"),
            desk.statuses().await.expect("statuses"),
        )
    });
    assert_eq!((categories, priorities, statuses), (c, p, s));

    for list in ["categories", "priorities", "statuses", "users"] {
        let table = sb.run(&[list, "list"]);
        assert!(table.ok().lines().count() >= 2, "{list}: {}", table.stdout);
        let csv = sb.run(&[list, "list", "--csv"]);
        assert!(!csv.ok().is_empty());
        let nd = sb.run(&[list, "list", "--ndjson"]);
        for line in nd.ok().lines() {
            serde_json::from_str::<Value>(line).expect("a JSON line");
        }
    }

    // `users list --db` still reads the database directly, as before.
    let db = sb.database();
    let direct = sb.run(&["users", "list", "--db", db.to_str().expect("utf-8")]);
    assert!(
        direct.ok().contains("<sam@example.com>"),
        "{}",
        direct.stdout
    );
}

#[test]
fn completions_and_man_page_come_from_the_definitions() {
    let sb = Sandbox::new();
    for shell in ["bash", "zsh", "fish"] {
        let out = sb.run(&["completions", shell]);
        let script = out.ok();
        for word in ["tickets", "approve", "ndjson", "whoami"] {
            assert!(script.contains(word), "{shell} completion knows {word}");
        }
    }
    sb.run(&["completions", "tcsh"]).fails(EXIT_USAGE, "tcsh");

    let man = sb.run(&["man"]);
    let man = man.ok();
    assert!(man.contains(".TH desk 1"), "roff title");
    for section in ["DESK TICKETS LIST", "DESK TICKETS REJECT", "DESK LOGIN"] {
        assert!(man.contains(section), "{section} in the man page");
    }
    assert!(man.contains("password\\-stdin"));

    let dir = sb.path().join("man");
    sb.run(&["man", "--dir", dir.to_str().expect("utf-8")])
        .expect(0);
    for page in ["desk.1", "desk-tickets.1", "desk-tickets-create.1"] {
        assert!(dir.join(page).exists(), "{page}");
    }
}
