//! The real `desk` binary in a pseudo-terminal, read through a vt100 screen: against a
//! real `desk serve` (another process, on a free port of 127.0.0.1) and against a local
//! store. Keys are typed as a person types them; what is checked is what they would see
//! on the screen and what the desk then holds.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_desk");
const WAIT: Duration = Duration::from_secs(20);

struct Tui {
    screen: Arc<Mutex<vt100::Parser>>,
    /// Every byte desk wrote, for what the vt100 screen does not keep (OSC 8 links).
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Tui {
    fn spawn(args: &[&str], envs: &[(&str, String)], size: (u16, u16)) -> Tui {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: size.1,
                cols: size.0,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pty");
        let mut cmd = CommandBuilder::new(BIN);
        cmd.args(args);
        cmd.cwd(std::env::temp_dir());
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("NO_COLOR");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let child = pty.slave.spawn_command(cmd).expect("spawn desk");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let writer = pty.master.take_writer().expect("writer");
        let rows = std::num::NonZeroU16::new(size.1).expect("rows");
        let cols = std::num::NonZeroU16::new(size.0).expect("cols");
        let screen = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let feed = screen.clone();
        let raw = Arc::new(Mutex::new(Vec::new()));
        let log = raw.clone();
        std::thread::spawn(move || {
            let _master = pty.master;
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut parser) = feed.lock() {
                    parser.process(&buf[..n]);
                }
                if let Ok(mut log) = log.lock() {
                    log.extend_from_slice(&buf[..n]);
                }
            }
        });
        Tui {
            screen,
            raw,
            writer,
            child,
        }
    }

    fn text(&self) -> String {
        self.screen.lock().expect("screen").screen().contents()
    }

    fn raw(&self) -> String {
        String::from_utf8_lossy(&self.raw.lock().expect("raw")).into_owned()
    }

    fn wait_for(&self, what: &str) -> String {
        self.wait_until(what, |text| text.contains(what))
    }

    fn wait_until(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let text = self.text();
            if done(&text) {
                return text;
            }
            if start.elapsed() > WAIT {
                panic!("waited {WAIT:?} for {what}; the screen shows:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).expect("type");
        self.writer.flush().expect("flush");
        // Esc followed at once by a key reads as Alt-key in every terminal.
        std::thread::sleep(Duration::from_millis(if bytes.starts_with('\x1b') {
            150
        } else {
            30
        }));
    }

    fn typing(&mut self, text: &str) {
        for c in text.chars() {
            self.send(&c.to_string());
        }
    }

    fn filter(&mut self, query: &str) {
        self.send("/");
        self.wait_for("Filter");
        for _ in 0..40 {
            self.send("\x7f");
        }
        self.typing(query);
        self.send("\r");
        // The new filter's first page, not only its words: keys act on loaded rows.
        let shown = format!("filter: {query}");
        self.wait_until(&shown, |text| {
            text.contains(&shown) && !text.contains("loading…")
        });
    }

    fn quit(mut self) -> (portable_pty::ExitStatus, bool) {
        self.send("q");
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                // Give the reader thread the last bytes.
                std::thread::sleep(Duration::from_millis(100));
                let alternate = self
                    .screen
                    .lock()
                    .expect("screen")
                    .screen()
                    .alternate_screen();
                return (status, alternate);
            }
            assert!(
                start.elapsed() < WAIT,
                "desk did not quit:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

struct Server {
    child: Child,
}

impl Server {
    fn start(db: &Path, port: u16, demo: bool) -> Server {
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--db"])
            .arg(db)
            .env("DESK_CONFIG", empty_config(db.parent().expect("dir")))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if demo {
            cmd.arg("--demo");
        }
        let child = cmd.spawn().expect("desk serve");
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < WAIT, "desk serve did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Server { child }
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn empty_config(dir: &Path) -> PathBuf {
    let path = dir.join("server.toml");
    std::fs::write(&path, "").expect("config");
    path
}

fn tui_config(dir: &Path) -> PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(&path, "[ui]\nrefresh_interval = 1\n").expect("config");
    path
}

async fn login(base: &str, email: &str) -> String {
    let reply: Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": email, "password": "desk-demo"}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    reply["token"].as_str().expect("token").to_string()
}

async fn get(base: &str, token: &str, path: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{base}/api/v1{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_works_the_desk_over_the_server_and_survives_it_going_away() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("desk.db");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let server = Server::start(&db, port, true);
    let token = login(&base, "almaz.tesfaye@example.com").await;
    let mike = login(&base, "mike.chen@example.com").await;
    // Polling off: what others change must arrive through the server's event stream.
    let config = dir.path().join("no-polling.toml");
    std::fs::write(&config, "[ui]\nrefresh_interval = 0\n").expect("config");
    let envs = vec![
        ("DESK_SERVER_URL", base.clone()),
        ("DESK_TOKEN", token.clone()),
        (
            "DESK_DATA_DIR",
            dir.path().join("data").display().to_string(),
        ),
        ("DESK_CONFIG", config.display().to_string()),
        ("HOME", dir.path().display().to_string()),
    ];
    let mut tui = Tui::spawn(&[], &envs, (80, 24));
    tui.wait_for("● online");
    tui.wait_for("live ·");
    tui.wait_for("TKT-");
    tui.wait_for("Almaz Tesfaye (supervisor)");

    // Navigate: down, open, back.
    tui.send("j");
    tui.send("\r");
    tui.wait_for("Requester:");
    tui.send("\x1b");
    tui.wait_for("┌ Tickets");

    // A public reply.
    tui.filter("key:TKT-7");
    tui.send("c");
    tui.wait_for("public reply");
    tui.typing("Found the invoice, sending it now");
    tui.send("\x13");
    tui.wait_for("reply sent on TKT-7");
    let view = get(&base, &token, "/tickets/TKT-7").await;
    let comments = view["comments"].as_array().expect("comments");
    assert_eq!(
        comments.last().expect("one")["body"],
        "Found the invoice, sending it now"
    );

    // Approve with a note.
    tui.filter("key:TKT-9");
    tui.send("A");
    tui.wait_for("Approve TKT-9");
    tui.typing("Survey booked");
    tui.send("\r");
    tui.wait_for("TKT-9 approved");
    assert_eq!(
        get(&base, &token, "/tickets/TKT-9").await["ticket"]["status"],
        "approved"
    );

    // Reject: the note is required.
    tui.filter("key:TKT-11");
    tui.send("R");
    tui.wait_for("note to the requester");
    tui.typing("Needs the landlord's consent form");
    tui.send("\x13");
    tui.wait_for("TKT-11 rejected");
    let view = get(&base, &token, "/tickets/TKT-11").await;
    assert_eq!(view["ticket"]["status"], "rejected");

    // Someone else's change arrives without a key press, marked as news.
    tui.filter("key:TKT-22");
    let answer = reqwest::Client::new()
        .post(format!("{base}/api/v1/tickets/TKT-22/comments"))
        .bearer_auth(&mike)
        .json(&serde_json::json!({"body": "Called the depot", "visibility": "public"}))
        .send()
        .await
        .expect("comment");
    assert!(answer.status().is_success());
    tui.wait_until("TKT-22 marked as changed", |text| {
        text.lines()
            .any(|l| l.contains("TKT-22") && l.contains('•'))
    });
    tui.send("\r");
    tui.send("G");
    tui.wait_for("Called the depot");
    tui.send("\x1b");

    // The server goes away: the screen keeps its data and says so; a comment is kept.
    server.stop();
    tui.wait_for("offline");
    let screen = tui.text();
    assert!(screen.contains("TKT-22"), "the list stays:\n{screen}");
    tui.send("c");
    tui.typing("Written while the server was down");
    tui.send("\x13");
    tui.wait_for("comment not sent");
    tui.send("\x1b");
    tui.wait_for("Discard this draft?");
    tui.send("k");
    tui.wait_for("draft kept for later");

    // It comes back: the TUI recovers by itself and the draft is sent.
    let _server = Server::start(&db, port, false);
    tui.wait_for("back online");
    tui.send("c");
    tui.wait_for("Written while the server was down");
    tui.send("\x13");
    tui.wait_for("reply sent on TKT-22");
    let view = get(&base, &token, "/tickets/TKT-22").await;
    let bodies: Vec<&str> = view["comments"]
        .as_array()
        .expect("comments")
        .iter()
        .filter_map(|c| c["body"].as_str())
        .collect();
    assert!(
        bodies.contains(&"Written while the server was down"),
        "{bodies:?}"
    );

    // The token is revoked (signed out elsewhere): the screen says so and how to sign in
    // again, and stops retrying instead of claiming to be offline.
    let answer = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("logout");
    assert!(answer.status().is_success());
    tui.send("r");
    let screen = tui.wait_for("signed out");
    assert!(screen.contains(&format!("desk login {base}")), "{screen}");
    assert!(!screen.contains("retrying"), "{screen}");

    let (status, alternate) = tui.quit();
    assert!(status.success(), "{status:?}");
    assert!(!alternate, "the terminal is given back");
}

#[test]
fn opened_while_the_server_is_down_it_waits_for_it_as_the_saved_user() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("desk.db");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let data = dir.path().join("data").display().to_string();
    let server = Server::start(&db, port, true);
    let mut login = Command::new(BIN)
        .args([
            "login",
            &base,
            "--email",
            "almaz.tesfaye@example.com",
            "--password-stdin",
        ])
        .env("DESK_DATA_DIR", &data)
        .env("DESK_CONFIG", empty_config(dir.path()))
        .env_remove("DESK_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("desk login");
    login
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"desk-demo\n")
        .expect("password");
    assert!(login.wait().expect("login").success());
    server.stop();

    let envs = vec![
        ("DESK_SERVER_URL", base.clone()),
        ("DESK_DATA_DIR", data),
        ("DESK_CONFIG", tui_config(dir.path()).display().to_string()),
        ("HOME", dir.path().display().to_string()),
    ];
    let tui = Tui::spawn(&[], &envs, (100, 24));
    tui.wait_for("cannot reach");
    // The long message has the bottom two lines for a few seconds; then the status line
    // says who is looking, and that the desk is offline.
    tui.wait_until("offline, as the saved user", |screen| {
        screen.contains("offline") && screen.contains("Almaz Tesfaye (supervisor)")
    });

    let _server = Server::start(&db, port, false);
    tui.wait_for("back online");
    tui.wait_for("TKT-");
    let (status, _) = tui.quit();
    assert!(status.success(), "{status:?}");
    // What failed is there to read afterwards.
    let log = std::fs::read_to_string(dir.path().join("data").join("tui.log")).expect("tui.log");
    assert!(log.contains("cannot reach"), "{log}");
}

#[tokio::test]
async fn offline_on_a_local_store_files_and_comments() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("local.db");
    let editor = dir.path().join("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\necho 'Written in the editor' > \"$1\"\n",
    )
    .expect("editor");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let mut envs = offline_envs(dir.path(), &db);
    envs.push(("VISUAL", editor.display().to_string()));
    let mut tui = Tui::spawn(&["--offline"], &envs, (80, 24));
    tui.wait_for("offline (local)");
    tui.wait_for("no tickets yet");
    tui.send("+");
    tui.wait_for("New ticket");
    tui.typing("Projector in room 2 flickers");
    // Past requester, category, priority, tags and fields to the description.
    for _ in 0..6 {
        tui.send("\t");
    }
    tui.typing("Since Monday");
    tui.send("\x13");
    tui.wait_for("filed TKT-1");
    tui.wait_for("Projector in room 2 flickers");
    tui.send("c");
    tui.send("\x14");
    tui.wait_for("INTERNAL NOTE");
    tui.typing("Bulb ordered");
    tui.send("\x13");
    tui.wait_for("internal note added to TKT-1");
    // A longer reply in $EDITOR: the screen is handed over and taken back.
    tui.send("c");
    tui.wait_for("public reply");
    tui.send("\x05");
    tui.wait_for("Written in the editor");
    tui.send("\x13");
    tui.wait_for("reply sent on TKT-1");
    let (status, alternate) = tui.quit();
    assert!(status.success());
    assert!(!alternate);

    let view = show_offline(dir.path(), &db, "TKT-1");
    assert_eq!(view["ticket"]["description"], "Since Monday");
    assert_eq!(view["comments"][0]["visibility"], "internal");
    assert_eq!(view["comments"][1]["body"], "Written in the editor");
    assert_eq!(view["comments"][1]["visibility"], "public");
}

/// A local store as sam@example.com, with its own data directory and config.
fn offline_envs(dir: &Path, db: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("DESK_DB", db.display().to_string()),
        ("DESK_DATA_DIR", dir.join("data").display().to_string()),
        ("DESK_CONFIG", tui_config(dir).display().to_string()),
        ("DESK_USER_EMAIL", "sam@example.com".to_string()),
        ("HOME", dir.display().to_string()),
    ]
}

/// `desk --offline tickets show KEY --json`, as a script would read it afterwards.
fn show_offline(dir: &Path, db: &Path, key: &str) -> Value {
    let out = Command::new(BIN)
        .args(["--offline", "tickets", "show", key, "--json"])
        .env("DESK_DB", db)
        .env("DESK_CONFIG", tui_config(dir))
        .env("DESK_USER_EMAIL", "sam@example.com")
        .output()
        .expect("desk tickets show");
    serde_json::from_slice(&out.stdout).expect("json")
}

#[tokio::test]
async fn a_long_paste_arrives_whole_and_the_keys_after_it_act_as_keys() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("local.db");
    let envs = offline_envs(dir.path(), &db);
    let mut tui = Tui::spawn(&["--offline"], &envs, (80, 24));
    tui.wait_for("no tickets yet");
    tui.send("+");
    tui.wait_for("New ticket");
    tui.typing("Log from the failing job");
    // Past requester, category, priority, tags and fields to the description.
    for _ in 0..6 {
        tui.send("\t");
    }
    // 30 KB of log lines into the description, pasted as a terminal pastes (bracketed,
    // lines ended by CR), with the send key right behind it in the same burst of input.
    let lines: Vec<String> = (0..600)
        .map(|i| format!("{i:04} worker[3] retrying upload of chunk {i} after timeout"))
        .collect();
    let pasted = lines.join("\r");
    assert!(pasted.len() >= 30_000, "{}", pasted.len());
    tui.send(&format!("\x1b[200~{pasted}\x1b[201~\x13"));
    tui.wait_for("filed TKT-1");
    let (status, _) = tui.quit();
    assert!(status.success());

    let view = show_offline(dir.path(), &db, "TKT-1");
    let description = view["ticket"]["description"].as_str().expect("description");
    assert_eq!(
        description,
        lines.join("\n"),
        "the paste arrives whole and in order"
    );
}

#[test]
fn a_bad_config_is_reported_with_its_line_before_the_screen_is_taken() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "[ui]\nrefresh_interval = 5\n\n[keys.list]\n\"x\" = \"aprove\"\n",
    )
    .expect("config");
    let envs = vec![
        ("DESK_CONFIG", path.display().to_string()),
        (
            "DESK_DATA_DIR",
            dir.path().join("data").display().to_string(),
        ),
        ("HOME", dir.path().display().to_string()),
    ];
    let tui = Tui::spawn(&[], &envs, (80, 24));
    let screen = tui.wait_for("aprove");
    assert!(screen.contains("config.toml:5:"), "{screen}");
    let mut child = tui;
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.child.try_wait().expect("wait") {
            break s;
        }
        assert!(start.elapsed() < WAIT, "desk kept running");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.exit_code(), 2);
}

#[test]
fn the_demo_copy_goes_when_the_terminal_hangs_up() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tmp = dir.path().join("tmp");
    std::fs::create_dir_all(&tmp).expect("tmp");
    // Left by a desk killed before it could clean up: its process is long gone.
    let stale = tmp.join("desk-demo-999999999-abc");
    std::fs::create_dir_all(&stale).expect("stale copy");
    let envs = vec![
        ("TMPDIR", tmp.display().to_string()),
        (
            "DESK_DATA_DIR",
            dir.path().join("data").display().to_string(),
        ),
        ("DESK_CONFIG", tui_config(dir.path()).display().to_string()),
        ("HOME", dir.path().display().to_string()),
    ];
    let mut tui = Tui::spawn(&["--demo"], &envs, (100, 30));
    tui.wait_for("TKT-");
    assert!(!stale.exists(), "a stale demo copy is swept");
    let copies = || {
        std::fs::read_dir(&tmp)
            .expect("tmp")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("desk-demo-"))
            .count()
    };
    assert_eq!(copies(), 1, "the running demo's copy");
    let pid = tui.child.process_id().expect("pid");
    let hup = Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(hup.success());
    let start = Instant::now();
    while tui.child.try_wait().expect("wait").is_none() {
        assert!(start.elapsed() < WAIT, "desk did not leave on SIGHUP");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(copies(), 0, "the demo copy is removed");
}

/// The TUI on a demo server as the supervisor, polling off.
async fn on_demo_server(dir: &Path, port: u16) -> (Server, Tui) {
    let db = dir.join("desk.db");
    let base = format!("http://127.0.0.1:{port}");
    let server = Server::start(&db, port, true);
    let token = login(&base, "almaz.tesfaye@example.com").await;
    let config = dir.join("no-polling.toml");
    std::fs::write(&config, "[ui]\nrefresh_interval = 0\n").expect("config");
    let envs = vec![
        ("DESK_SERVER_URL", base),
        ("DESK_TOKEN", token),
        ("DESK_DATA_DIR", dir.join("data").display().to_string()),
        ("DESK_CONFIG", config.display().to_string()),
        ("HOME", dir.display().to_string()),
    ];
    // Wide: the detail follows the selection.
    let tui = Tui::spawn(&[], &envs, (160, 40));
    tui.wait_for("● online");
    tui.wait_for("TKT-");
    (server, tui)
}

#[tokio::test]
async fn a_refused_filter_is_shown_in_the_bar_and_the_desk_stays_online() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_server, mut tui) = on_demo_server(dir.path(), free_port()).await;
    tui.send("/");
    tui.wait_for("Filter");
    tui.typing("status:nonsense");
    tui.send("\r");
    let screen = tui.wait_for("the desk refused this filter");
    assert!(screen.contains("nonsense"), "{screen}");
    std::thread::sleep(Duration::from_millis(500));
    let screen = tui.text();
    assert!(!screen.contains("offline"), "{screen}");
    tui.send("\x1b");
    let screen = tui.wait_for("TKT-");
    assert!(!screen.contains("back online"), "{screen}");
    let (status, _) = tui.quit();
    assert!(status.success(), "{status:?}");
}

/// `q` returns at once whatever is in flight: here a refresh to a server that stopped
/// answering (a dropped route: the connection stays open, nothing comes back), then
/// one that is gone.
#[tokio::test]
async fn q_quits_at_once_when_the_server_hangs_or_is_gone() {
    for gone in [false, true] {
        let dir = tempfile::tempdir().expect("temp dir");
        let (server, mut tui) = on_demo_server(dir.path(), free_port()).await;
        let pid = server.child.id().to_string();
        let signal = if gone { "-KILL" } else { "-STOP" };
        let killed = Command::new("kill").args([signal, &pid]).status();
        assert!(killed.is_ok_and(|s| s.success()), "kill {signal}");
        // A refresh and a ticket's detail in flight.
        tui.send("r");
        tui.send("j");
        std::thread::sleep(Duration::from_millis(300));
        let start = Instant::now();
        let (status, _) = tui.quit();
        let took = start.elapsed();
        let _ = Command::new("kill").args(["-CONT", &pid]).status();
        assert!(status.success(), "{status:?}");
        // The target is 200 ms (measured in BENCHMARKS.md); the bound here leaves room
        // for a loaded CI machine and the 50 ms polling of `quit`.
        assert!(
            took < Duration::from_millis(1000),
            "quitting took {took:?} (server {signal})"
        );
        eprintln!("q with the server {signal}: {took:?}");
    }
}

#[tokio::test]
async fn a_click_in_the_real_terminal_selects_the_row() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_server, mut tui) = on_demo_server(dir.path(), free_port()).await;
    tui.wait_for(" 1/25 ");
    // SGR mouse reports, as xterm sends them (1-based): press and release on the
    // screen's 6th line, the list's third row (top bar, border, header come first).
    tui.send("\x1b[<0;10;6M");
    tui.send("\x1b[<0;10;6m");
    tui.wait_for(" 3/25 ");
    let (status, _) = tui.quit();
    assert!(status.success(), "{status:?}");
}

/// A web address in a ticket's text reaches the terminal as an OSC 8 hyperlink, which
/// terminals that know it open on a click; `[ui] hyperlinks = false` writes plain text.
#[tokio::test]
async fn a_web_address_in_the_detail_is_a_hyperlink_unless_turned_off() {
    const URL: &str = "https://status.example.com/incident/42";
    for hyperlinks in [true, false] {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("local.db");
        let mut envs = offline_envs(dir.path(), &db);
        let config = dir.path().join("links.toml");
        std::fs::write(&config, format!("[ui]\nhyperlinks = {hyperlinks}\n")).expect("config");
        envs.retain(|(k, _)| *k != "DESK_CONFIG");
        envs.push(("DESK_CONFIG", config.display().to_string()));
        let mut tui = Tui::spawn(&["--offline"], &envs, (160, 48));
        tui.wait_for("no tickets yet");
        tui.send("+");
        tui.wait_for("New ticket");
        tui.typing("Portal down");
        for _ in 0..6 {
            tui.send("\t");
        }
        tui.typing(&format!("See {URL} for the outage"));
        tui.send("\x13");
        tui.wait_for("filed TKT-1");
        tui.wait_for(URL);
        // The link is written after the frame that drew the text.
        std::thread::sleep(Duration::from_millis(300));
        let raw = tui.raw();
        let opened = format!("\x1b]8;id=desk0;{URL}\x1b\\");
        assert_eq!(
            raw.contains(&opened),
            hyperlinks,
            "hyperlinks = {hyperlinks}: the OSC 8 link for {URL}"
        );
        if hyperlinks {
            let after = raw.split(&opened).last().unwrap_or_default();
            assert!(after.contains("\x1b]8;;\x1b\\"), "the link is closed");
        }
        let (status, _) = tui.quit();
        assert!(status.success(), "{status:?}");
    }
}
