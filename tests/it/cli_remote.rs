//! The script commands against a real `desk serve` on 127.0.0.1:0: sign-in, saved
//! tokens, every ticket command, and JSON that is exactly what the HTTP API answers.

use crate::cli_common;
use crate::common::server;

use cli_common::{Run, Sandbox, finish, finish_with_stdin, settled};
use desk::cli::{EXIT_REFUSED, EXIT_UNAVAILABLE, EXIT_USAGE};
use desk::domain::model::{Comment, Ticket, User};
use reqwest::StatusCode;
use serde_json::Value;
use server::{PASSWORD, Person, TestServer};

/// Runs the binary off the runtime's threads, so the in-process server keeps serving.
async fn desk(sb: &Sandbox, args: &[&str]) -> Run {
    let cmd = sb.command(args);
    tokio::task::spawn_blocking(move || finish(cmd))
        .await
        .expect("the run finished")
}

async fn desk_stdin(sb: &Sandbox, args: &[&str], input: &str) -> Run {
    let cmd = sb.command(args);
    let input = input.to_string();
    tokio::task::spawn_blocking(move || finish_with_stdin(cmd, &input))
        .await
        .expect("the run finished")
}

/// A sandbox whose commands go to `server` as `who` (through DESK_TOKEN).
fn as_person(server: &TestServer, who: &Person) -> Sandbox {
    let mut sb = Sandbox::new();
    sb.set("DESK_SERVER_URL", &server.base);
    sb.set("DESK_TOKEN", &who.token);
    sb
}

fn saved(sb: &Sandbox) -> Value {
    let text =
        std::fs::read_to_string(sb.data_dir().join("credentials.json")).expect("credentials.json");
    serde_json::from_str(&text).expect("credentials are JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_whoami_logout() {
    let server = TestServer::start().await;
    let mut sb = Sandbox::new();
    let url = server.base.clone();

    // Not signed in yet.
    desk(&sb, &["--server", &url, "whoami"])
        .await
        .fails(EXIT_REFUSED, "not signed in");
    // No server named or configured.
    desk_stdin(
        &sb,
        &["login", "--email", "x@example.com", "--password-stdin"],
        "pw\n",
    )
    .await
    .fails(EXIT_USAGE, "which server");
    // A wrong password is refused and saves nothing.
    desk_stdin(
        &sb,
        &[
            "login",
            &url,
            "--email",
            "sarah@example.com",
            "--password-stdin",
        ],
        "wrong password\n",
    )
    .await
    .fails(EXIT_REFUSED, "refused");
    assert!(!sb.data_dir().join("credentials.json").exists());

    // The right one, with a trailing slash on the URL: saved under the plain URL.
    let out = desk_stdin(
        &sb,
        &[
            "login",
            &format!("{url}/"),
            "--email",
            "sarah@example.com",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    )
    .await;
    assert_eq!(out.ok(), "", "login prints nothing on stdout");
    assert!(out.stderr.contains("signed in"), "{}", out.stderr);
    let file = sb.data_dir().join("credentials.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "credentials are the owner's only");
    }
    let creds = saved(&sb);
    let token = creds["servers"][&url]["token"]
        .as_str()
        .expect("a token saved under the URL")
        .to_string();
    assert_eq!(creds["servers"][&url]["email"], "sarah@example.com");
    server.get("/me", Some(&token)).await.expect(StatusCode::OK);

    // whoami: the account, in the API's shape.
    sb.set("DESK_SERVER_URL", &url);
    let me = desk(&sb, &["whoami", "--json"]).await.json();
    let user: User = serde_json::from_value(me.clone()).expect("a user");
    assert_eq!(user.email, "sarah@example.com");
    let api = server.get("/me", Some(&token)).await;
    assert_eq!(me, api.json, "whoami --json is GET /me");
    let text = desk(&sb, &["whoami"]).await;
    assert!(
        text.ok()
            .contains("Sarah Johnson <sarah@example.com>, agent"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("online"));

    // DESK_TOKEN wins over the saved token; a bad one is refused.
    sb.set("DESK_TOKEN", &server.admin.token);
    let me = desk(&sb, &["whoami", "--json"]).await.json();
    assert_eq!(me["email"], "admin@example.com");
    sb.set("DESK_TOKEN", "not-a-token");
    desk(&sb, &["whoami"])
        .await
        .fails(EXIT_REFUSED, "DESK_TOKEN");
    sb.set("DESK_TOKEN", "");

    // --offline ignores the server.
    let local = desk(&sb, &["--offline", "whoami", "--json"]).await.json();
    assert_eq!(local["email"], "sam@example.com");

    // Logout revokes the token on the server and forgets it here.
    let out = desk(&sb, &["logout"]).await;
    assert_eq!(out.ok(), "");
    assert!(saved(&sb)["servers"].get(&url).is_none(), "forgotten");
    server
        .get("/me", Some(&token))
        .await
        .expect(StatusCode::UNAUTHORIZED);
    desk(&sb, &["whoami"])
        .await
        .fails(EXIT_REFUSED, "not signed in");

    // A server that is not there.
    let gone = format!("http://{}", closed_port());
    desk_stdin(
        &sb,
        &[
            "login",
            &gone,
            "--email",
            "sarah@example.com",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    )
    .await
    .fails(EXIT_UNAVAILABLE, "cannot reach");
    sb.set("DESK_TOKEN", "some-token");
    desk(&sb, &["--server", &gone, "tickets", "list"])
        .await
        .fails(EXIT_UNAVAILABLE, "cannot reach");
    server.stop().await;
}

fn closed_port() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tickets_over_http_are_what_the_api_says() {
    let server = TestServer::start().await;
    let customer = as_person(&server, &server.customer);
    let agent = as_person(&server, &server.agent);
    let supervisor = as_person(&server, &server.supervisor);

    // A customer files from a pipe.
    let out = desk_stdin(
        &customer,
        &[
            "tickets",
            "create",
            "--title",
            "Refund not received",
            "--category",
            "General",
            "--priority",
            "High",
            "--tag",
            "billing",
            "--field",
            "order=A-17",
            "--json",
        ],
        "I was promised a refund two weeks ago.\n",
    )
    .await;
    let created = out.json();
    let ticket: Ticket = serde_json::from_value(created.clone()).expect("a ticket");
    assert_eq!(ticket.requester.email, "jane@example.com");
    assert_eq!(ticket.description, "I was promised a refund two weeks ago.");
    let key = ticket.key.clone();
    let api = server
        .get(&format!("/tickets/{key}"), Some(&server.customer.token))
        .await;
    assert_eq!(settled(created), settled(api.json["ticket"].clone()));

    // show --json and list --json are the API's answers, byte for byte in meaning.
    let shown = desk(&agent, &["tickets", "show", &key, "--json"])
        .await
        .json();
    let api = server
        .get(&format!("/tickets/{key}"), Some(&server.agent.token))
        .await;
    assert_eq!(settled(shown), settled(api.json));
    let listed = desk(&agent, &["tickets", "list", "--json"]).await.json();
    let api = server
        .get("/tickets?limit=50", Some(&server.agent.token))
        .await;
    assert_eq!(settled(listed), settled(api.json));
    let out = desk(&agent, &["tickets", "list", "status:new", "--ndjson"]).await;
    assert_eq!(out.ok().lines().count(), 1);

    // Comments: public from stdin; a customer cannot write internal notes.
    let c = desk_stdin(
        &customer,
        &["tickets", "comment", &key, "--json"],
        "Any news?\n",
    )
    .await
    .json();
    let c: Comment = serde_json::from_value(c).expect("a comment");
    assert_eq!(c.body, "Any news?");
    desk(
        &customer,
        &["tickets", "comment", &key, "--internal", "--body", "x"],
    )
    .await
    .fails(EXIT_REFUSED, "");
    desk(
        &agent,
        &[
            "tickets",
            "comment",
            &key,
            "--internal",
            "--body",
            "Checking with finance",
        ],
    )
    .await
    .expect(0);

    // Assign, move, conflict, not found.
    let t: Ticket = serde_json::from_value(
        desk(&agent, &["tickets", "assign", &key, "--me", "--json"])
            .await
            .json(),
    )
    .expect("ticket");
    assert_eq!(
        t.assignee.as_ref().map(|a| a.email.as_str()),
        Some("sarah@example.com")
    );
    let version = t.version.to_string();
    desk(
        &agent,
        &[
            "tickets",
            "status",
            &key,
            "in_progress",
            "--if-version",
            &version,
        ],
    )
    .await
    .expect(0);
    desk(
        &agent,
        &[
            "tickets",
            "status",
            &key,
            "resolved",
            "--if-version",
            &version,
        ],
    )
    .await
    .fails(EXIT_REFUSED, "");
    desk(&agent, &["tickets", "show", "TKT-4040"])
        .await
        .fails(EXIT_REFUSED, "not found");
    desk(&customer, &["tickets", "assign", &key, "--none"])
        .await
        .fails(EXIT_REFUSED, "");
    desk(&agent, &["tickets", "edit", &key, "--add-tag", "refund"])
        .await
        .expect(0);

    // Approvals are for supervisors.
    let request = server
        .file(&server.customer, "New laptop", "Service request")
        .await;
    desk(&agent, &["tickets", "approve", &request])
        .await
        .fails(EXIT_REFUSED, "");
    let t: Ticket = serde_json::from_value(
        desk(
            &supervisor,
            &["tickets", "approve", &request, "--note", "ok", "--json"],
        )
        .await
        .json(),
    )
    .expect("ticket");
    assert_eq!(t.status, "approved");
    let other = server
        .file(&server.customer, "Second laptop", "Service request")
        .await;
    let t: Ticket = serde_json::from_value(
        desk(
            &supervisor,
            &["tickets", "reject", &other, "--note", "one each", "--json"],
        )
        .await
        .json(),
    )
    .expect("ticket");
    assert_eq!(t.status, "rejected");

    // The timeline as a person reads it.
    let text = desk(&agent, &["tickets", "show", &key]).await;
    for want in [
        "Refund not received",
        "Any news?",
        "internal note",
        "Checking with finance",
    ] {
        assert!(text.ok().contains(want), "{want} in {}", text.stdout);
    }
    // ...and the customer never sees the internal note.
    let text = desk(&customer, &["tickets", "show", &key]).await;
    assert!(!text.ok().contains("Checking with finance"));

    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_and_reference_lists_are_the_api_shapes() {
    let server = TestServer::start().await;
    server.file(&server.customer, "One", "General").await;
    let customer = as_person(&server, &server.customer);
    let admin = as_person(&server, &server.admin);

    desk(&customer, &["stats"]).await.fails(EXIT_REFUSED, "");
    desk(&customer, &["users", "list"])
        .await
        .fails(EXIT_REFUSED, "");
    let stats = desk(&admin, &["stats", "--json"]).await.json();
    assert_eq!(stats, server.stats().await);

    for (list, path) in [
        ("categories", "/categories"),
        ("priorities", "/priorities"),
        ("statuses", "/statuses"),
        ("users", "/users"),
    ] {
        let cli = desk(&admin, &[list, "list", "--json"]).await.json();
        let api = server.get(path, Some(&server.admin.token)).await.json;
        assert_eq!(cli, api, "{list} list --json is GET {path}");
        let nd = desk(&admin, &[list, "list", "--ndjson"]).await;
        let lines: Vec<Value> = nd
            .ok()
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect();
        assert_eq!(Value::Array(lines), api);
    }
    server.stop().await;
}

/// `desk serve --demo` on a database that already has people: an account that shares a
/// demo address keeps its own password; only the accounts the demo creates get the
/// public demo password.
#[tokio::test]
async fn serve_demo_never_resets_an_existing_password() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("desk.db");
    {
        let store = desk::store::Store::open(db.to_str().expect("utf-8"))
            .await
            .expect("store");
        let service = desk::service::Service::new(store, desk::service::ServiceConfig::default());
        service.seed_defaults().await.expect("defaults");
        let hash = desk::service::hash_password("the operator's own secret")
            .await
            .expect("hash");
        let admin = service
            .insert_user(
                desk::service::NewUser {
                    email: "admin@example.com".into(),
                    name: "The Operator".into(),
                    role: desk::domain::model::Role::Admin,
                },
                Some(&hash),
            )
            .await
            .expect("the operator's account");
        assert_eq!(admin.email, "admin@example.com");
        service.store().close().await;
    }
    let config = dir.path().join("server.toml");
    std::fs::write(&config, "").expect("config");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let mut child = Command::new(env!("CARGO_BIN_EXE_desk"))
        .args([
            "serve",
            "--demo",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--db",
        ])
        .arg(&db)
        .env("DESK_CONFIG", &config)
        .env("DESK_DATA_DIR", dir.path().join("data"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("desk serve --demo");
    // The demo is loaded before the server listens.
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("desk serve --demo did not start");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let http = server::client();
    let login = |email: &'static str, password: &'static str| {
        let http = http.clone();
        async move {
            http.post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
                .json(&serde_json::json!({"email": email, "password": password}))
                .send()
                .await
                .expect("login answered")
                .status()
        }
    };
    let own = login("admin@example.com", "the operator's own secret").await;
    let public = login("admin@example.com", desk::demo::DEMO_PASSWORD).await;
    let created = login(desk::demo::DEMO_SUPERVISOR, desk::demo::DEMO_PASSWORD).await;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(own, StatusCode::OK, "the operator's password still works");
    assert_eq!(
        public,
        StatusCode::UNAUTHORIZED,
        "the demo password does not"
    );
    assert_eq!(created, StatusCode::OK, "a demo account it created does");
}

async fn login_to(sb: &Sandbox, url: &str, email: &str, extra: &[&str]) -> Run {
    let mut args = vec!["login", url, "--email", email, "--password-stdin"];
    args.extend_from_slice(extra);
    desk_stdin(sb, &args, &format!("{PASSWORD}\n")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_login_makes_the_default_desk_and_servers_switch_it() {
    let one = TestServer::start().await;
    let two = TestServer::start().await;
    let sb = Sandbox::new();

    // Nothing configured: the first sign-in becomes where `desk` goes, and says so.
    let out = login_to(&sb, &one.base, "sarah@example.com", &[]).await;
    assert_eq!(out.ok(), "");
    assert!(
        out.stderr.contains("now the default desk"),
        "{}",
        out.stderr
    );
    let me = desk(&sb, &["whoami"]).await;
    assert!(me.ok().contains("sarah@example.com"), "{}", me.stdout);
    assert!(me.stdout.contains(&one.base), "{}", me.stdout);

    // A second server does not take the default, --no-default or not.
    let out = login_to(&sb, &two.base, "mike@example.com", &[]).await;
    assert!(!out.stderr.contains("default"), "{}", out.stderr);
    assert_eq!(saved(&sb)["default"], one.base.as_str());
    let listed = desk(&sb, &["servers", "list", "--json"]).await.json();
    let rows = listed.as_array().expect("a list");
    assert_eq!(rows.len(), 2);
    let row = |url: &str| {
        rows.iter()
            .find(|r| r["url"] == url)
            .expect("listed")
            .clone()
    };
    assert_eq!(row(&one.base)["default"], true);
    assert_eq!(row(&two.base)["default"], false);
    assert_eq!(row(&two.base)["email"], "mike@example.com");
    let text = desk(&sb, &["servers", "list"]).await;
    assert!(
        text.ok().contains(&format!("* {}", one.base)),
        "{}",
        text.stdout
    );

    // Switching, as `gh auth switch` does; only to a server signed in to.
    desk(&sb, &["servers", "use", &two.base]).await.ok();
    let me = desk(&sb, &["whoami", "--json"]).await.json();
    assert_eq!(me["email"], "mike@example.com");
    let nowhere = format!("http://{}", closed_port());
    desk(&sb, &["servers", "use", &nowhere])
        .await
        .fails(EXIT_REFUSED, "not signed in");
    // --server still names another for one command.
    let me = desk(&sb, &["--server", &one.base, "whoami", "--json"])
        .await
        .json();
    assert_eq!(me["email"], "sarah@example.com");

    // Signing out of the default leaves none: back to the local store.
    desk(&sb, &["logout", &two.base]).await.ok();
    assert!(saved(&sb).get("default").is_none(), "{}", saved(&sb));
    let me = desk(&sb, &["whoami", "--json"]).await.json();
    assert_eq!(me["email"], "sam@example.com", "the local store's user");

    // --no-default: signed in, not the default.
    let fresh = Sandbox::new();
    let out = login_to(&fresh, &two.base, "mike@example.com", &["--no-default"]).await;
    assert!(!out.stderr.contains("default"), "{}", out.stderr);
    assert!(saved(&fresh).get("default").is_none());
    one.stop().await;
    two.stop().await;
}
