//! A real SMTP server for the notification tests: Debian's OpenSMTPD on a loopback
//! port, delivering every recipient's mail into its own maildir, and a parsed view of
//! what arrived.
//!
//! One smtpd serves the whole test binary ([`shared`]), and only one can run per machine
//! (it binds the fixed control socket `/var/run/smtpd.sock`). It lives in a fixed
//! directory, `$TMPDIR/desk-test-smtp` (conf, `port` file, `smtpd.log`, `mail/`). A test
//! process cannot stop its child when it exits, so the next run reuses an smtpd that is
//! still running there and answering; CI stops it at the end (`pkill -f desk-test-smtp`).
//!
//! Tests never share a mailbox: each asks [`Smtp::address`] for a fresh recipient.
//! Without `smtpd` installed, or when not running as root (smtpd starts only as root),
//! [`shared`] prints a `SKIPPED:` line and returns `None`; the test then returns early.
#![allow(dead_code)]

use std::hash::{BuildHasher, Hasher};
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use mail_parser::{HeaderForm, HeaderValue, Message, MessageParser, MimeHeaders, PartType};

/// The running smtpd and where it delivers.
#[derive(Debug)]
pub struct Smtp {
    port: u16,
    dir: PathBuf,
    /// The child this process started, if it did not reuse an earlier one. Never
    /// dropped (it is in a static); smtpd outlives the test process on purpose.
    child: Option<std::process::Child>,
}

enum State {
    Ready(Smtp),
    Skipped(String),
    Broken(String),
}

static SHARED: OnceLock<State> = OnceLock::new();

/// The test binary's one smtpd, started (or reused) on first use. `None`, after a
/// `SKIPPED:` line on stderr, where there is no smtpd to run. Panics, in every test
/// that asks, when smtpd is installed but cannot be started.
pub fn shared() -> Option<&'static Smtp> {
    match SHARED.get_or_init(start) {
        State::Ready(smtp) => Some(smtp),
        State::Skipped(why) => {
            eprintln!("SKIPPED: {why}; the mail tests did not run");
            None
        }
        State::Broken(why) => panic!("{why}"),
    }
}

/// The fixed directory the test smtpd lives in.
pub fn home() -> PathBuf {
    std::env::temp_dir().join("desk-test-smtp")
}

fn smtpd_binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/usr/local/sbin".into()])
        .map(|dir| dir.join("smtpd"))
        .find(|p| p.is_file())
}

fn conf_text(port: u16, mail: &Path) -> String {
    format!(
        "# Written by desk's tests (tests/it/common/smtp.rs).\n\
         table vusers {{ \"@\" = \"nobody\" }}\n\
         listen on 127.0.0.1 port {port}\n\
         action \"inbox\" maildir \"{}/%{{rcpt}}\" virtual <vusers>\n\
         match from any for any action \"inbox\"\n",
        mail.display()
    )
}

fn start() -> State {
    let Some(binary) = smtpd_binary() else {
        return State::Skipped(
            "no smtpd installed (Debian: apt-get install opensmtpd swaks)".to_string(),
        );
    };
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return State::Skipped("smtpd starts only as root and these tests are not".to_string());
    }
    match launch(&binary) {
        Ok(smtp) => State::Ready(smtp),
        Err(why) => State::Broken(why),
    }
}

fn launch(binary: &Path) -> Result<Smtp, String> {
    use std::os::unix::fs::PermissionsExt;
    let dir = home();
    let mail = dir.join("mail");
    let conf = dir.join("smtpd.conf");
    let port_file = dir.join("port");
    let log = dir.join("smtpd.log");
    let io = |what: &str, e: std::io::Error| format!("test smtpd: {what}: {e}");

    std::fs::create_dir_all(&mail).map_err(|e| io("create its directory", e))?;
    // smtpd delivers as `nobody`, which must reach and write the maildir root.
    let mode = |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m));
    mode(&dir, 0o755).map_err(|e| io("chmod its directory", e))?;
    mode(&mail, 0o777).map_err(|e| io("chmod the maildir root", e))?;

    // Another test binary (a concurrent `cargo test`) may be starting one right now.
    let lock = std::fs::File::create(dir.join("lock")).map_err(|e| io("lock file", e))?;
    lock.lock().map_err(|e| io("lock", e))?;

    let conf_arg = conf.to_str().ok_or("test smtpd: non-UTF-8 temp dir")?;
    let recorded = std::fs::read_to_string(&port_file)
        .ok()
        .and_then(|s| s.trim().parse::<u16>().ok());
    if let Some(port) = recorded {
        let same_conf = std::fs::read_to_string(&conf).is_ok_and(|c| c == conf_text(port, &mail));
        if same_conf && running(conf_arg) && greets(port) {
            return Ok(Smtp {
                port,
                dir,
                child: None,
            });
        }
    }

    // Nothing usable: stop a stale one of ours, then start afresh with empty mailboxes.
    if running(conf_arg) {
        let _ = Command::new("pkill").args(["-f", conf_arg]).status();
        let start = Instant::now();
        while running(conf_arg) {
            if start.elapsed() > Duration::from_secs(10) {
                return Err(format!("a stale test smtpd ({conf_arg}) would not stop"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    let _ = std::fs::remove_dir_all(&mail);
    std::fs::create_dir_all(&mail).map_err(|e| io("create the maildir root", e))?;
    mode(&mail, 0o777).map_err(|e| io("chmod the maildir root", e))?;

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| io("find a free port", e))?;
    std::fs::write(&conf, conf_text(port, &mail)).map_err(|e| io("write the conf", e))?;
    mode(&conf, 0o600).map_err(|e| io("chmod the conf", e))?;
    std::fs::write(&port_file, format!("{port}\n")).map_err(|e| io("write the port file", e))?;

    let out = std::fs::File::create(&log).map_err(|e| io("create the log", e))?;
    let err = out.try_clone().map_err(|e| io("log", e))?;
    // The server outlives this test process and must not keep its files open: a build
    // lock handed down by `flock ... cargo test` would stay held until smtpd stops. So
    // every inherited descriptor past stderr is marked close-on-exec in the child
    // (fcntl is async-signal-safe; closing them instead would also close std's own
    // exec-error pipe, which is close-on-exec already).
    // SAFETY: sysconf has no preconditions.
    let max_fd = match unsafe { libc::sysconf(libc::_SC_OPEN_MAX) } {
        n if n > 3 => n.min(1 << 16) as libc::c_int,
        _ => 1024,
    };
    let mut command = Command::new(binary);
    command
        .args(["-d", "-f", conf_arg])
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    // SAFETY: the closure runs between fork and exec and only calls fcntl.
    unsafe {
        use std::os::unix::process::CommandExt;
        command.pre_exec(move || {
            for fd in 3..max_fd {
                let flags = libc::fcntl(fd, libc::F_GETFD);
                if flags >= 0 && flags & libc::FD_CLOEXEC == 0 {
                    libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC);
                }
            }
            Ok(())
        });
    }
    let mut child = command
        .spawn()
        .map_err(|e| io(&format!("run {}", binary.display()), e))?;

    let start = Instant::now();
    loop {
        if greets(port) {
            return Ok(Smtp {
                port,
                dir,
                child: Some(child),
            });
        }
        let log_text = tail(&log);
        if let Ok(Some(status)) = child.try_wait() {
            if log_text.contains("control socket already listening") {
                return Err(format!(
                    "another smtpd, not started by these tests, holds /var/run/smtpd.sock \
                     (only one can run per machine); stop it (e.g. `pkill -x smtpd`) and \
                     run the tests again.\nrunning: {}\n{}:\n{log_text}",
                    pgrep_smtpd(),
                    log.display()
                ));
            }
            return Err(format!(
                "the test smtpd exited ({status}) before it answered on port {port}\n{}:\n{log_text}",
                log.display()
            ));
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "the test smtpd did not answer on port {port} within 20 s\n{}:\n{log_text}",
                log.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether an smtpd started with this conf is running.
fn running(conf: &str) -> bool {
    Command::new("pgrep")
        .args(["-f", conf])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn pgrep_smtpd() -> String {
    Command::new("pgrep")
        .args(["-a", "smtpd"])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .replace('\n', "; ")
        })
        .unwrap_or_default()
}

/// Whether an SMTP server on the port says hello (220).
fn greets(port: u16) -> bool {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut line = String::new();
    let greeted = BufReader::new(&stream).read_line(&mut line).is_ok() && line.starts_with("220");
    if greeted {
        use std::io::Write;
        let _ = (&stream).write_all(b"QUIT\r\n");
    }
    greeted
}

/// The last 40 lines of a file.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

impl Smtp {
    /// `smtp://127.0.0.1:PORT` (plain SMTP, no TLS, no authentication).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A recipient no other test (or earlier run) uses: `{label}-{16 hex}@example.test`.
    /// `label` should be lowercase letters, digits and dashes.
    pub fn address(&self, label: &str) -> String {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(NEXT.fetch_add(1, Ordering::Relaxed));
        h.write_u32(std::process::id());
        h.write_u128(
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
        );
        format!("{label}-{:016x}@example.test", h.finish())
    }

    /// The server's log (for failure messages).
    pub fn log(&self) -> String {
        tail(&self.dir.join("smtpd.log"))
    }

    fn mailbox(&self, address: &str) -> PathBuf {
        self.dir.join("mail").join(address)
    }

    /// What has arrived for `address` so far (possibly nothing), oldest first.
    pub fn received(&self, address: &str) -> Vec<Received> {
        let mailbox = self.mailbox(address);
        let mut files = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(mailbox.join(sub)) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let modified = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .unwrap_or(SystemTime::UNIX_EPOCH);
                let name = entry.file_name();
                files.push((modified, name, path));
            }
        }
        files.sort();
        files
            .into_iter()
            .filter_map(|(_, _, path)| {
                // A file that vanished (moved new/ -> cur/) is read on the next poll.
                let raw = std::fs::read(&path).ok()?;
                Some(Received::parse(path, raw))
            })
            .collect()
    }

    /// Waits until at least `n` messages have arrived for `address` and returns them
    /// all, oldest first. Panics with what did arrive (and the server's log) after
    /// `timeout`.
    pub async fn wait_for(&self, address: &str, n: usize, timeout: Duration) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.received(address);
            if got.len() >= n {
                return got;
            }
            if start.elapsed() > timeout {
                let shown: Vec<String> = got.iter().map(|m| m.to_string()).collect();
                panic!(
                    "{} message(s) for {address} after {timeout:?}, wanted {n}:\n{}\n-- smtpd.log:\n{}",
                    got.len(),
                    shown.join("\n----\n"),
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// One delivered message: its bytes as the server stored them (with the server's
/// `Received:` and `Delivered-To:` headers on top) and a parsed view.
pub struct Received {
    pub raw: Vec<u8>,
    pub path: PathBuf,
    message: Message<'static>,
}

impl std::fmt::Debug for Received {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Received")
            .field("path", &self.path)
            .field("subject", &self.subject())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Display for Received {
    /// The path and the whole raw message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:\n{}",
            self.path.display(),
            String::from_utf8_lossy(&self.raw)
        )
    }
}

fn value_text(value: &HeaderValue<'_>) -> String {
    match value {
        HeaderValue::Text(t) => t.to_string(),
        HeaderValue::TextList(list) => list.join(" "),
        _ => String::new(),
    }
}

impl Received {
    fn parse(path: PathBuf, raw: Vec<u8>) -> Received {
        let message = MessageParser::default()
            .parse(&raw)
            .unwrap_or_else(|| panic!("not a mail message: {}", path.display()))
            .into_owned();
        Received { raw, path, message }
    }

    /// The parsed message, for anything the helpers below do not cover.
    pub fn message(&self) -> &Message<'static> {
        &self.message
    }

    /// The first `name` header (case-insensitive), unfolded and with RFC 2047 encoded
    /// words decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers(name).into_iter().next()
    }

    /// Every `name` header, in order, like [`Received::header`].
    pub fn headers(&self, name: &str) -> Vec<String> {
        self.message
            .header_as(name.to_string(), HeaderForm::Text)
            .iter()
            .map(value_text)
            .collect()
    }

    pub fn subject(&self) -> Option<String> {
        self.message.subject().map(str::to_string)
    }

    /// The first From address (just the address, no display name).
    pub fn from(&self) -> Option<String> {
        self.message
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(str::to_string)
    }

    /// The From address's display name, if any.
    pub fn display_name(&self) -> Option<String> {
        self.message
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.name())
            .map(str::to_string)
    }

    /// Every To address (no display names).
    pub fn to(&self) -> Vec<String> {
        self.message
            .all_to()
            .flat_map(|a| a.iter())
            .filter_map(|a| a.address())
            .map(str::to_string)
            .collect()
    }

    /// Message-ID without the angle brackets.
    pub fn message_id(&self) -> Option<String> {
        self.message.message_id().map(str::to_string)
    }

    /// The first In-Reply-To id, without the angle brackets.
    pub fn in_reply_to(&self) -> Option<String> {
        ids(self.message.in_reply_to()).into_iter().next()
    }

    /// The References ids in order, without the angle brackets.
    pub fn references(&self) -> Vec<String> {
        ids(self.message.references())
    }

    /// The first text/plain body part, decoded (transfer encoding and charset).
    pub fn text(&self) -> Option<String> {
        self.message
            .text_bodies()
            .find_map(|part| match &part.body {
                PartType::Text(text) => Some(text.to_string()),
                _ => None,
            })
    }

    /// The first text/html body part, decoded.
    pub fn html(&self) -> Option<String> {
        self.message
            .html_bodies()
            .find_map(|part| match &part.body {
                PartType::Html(html) => Some(html.to_string()),
                _ => None,
            })
    }

    /// Whether the message itself is `multipart/alternative`.
    pub fn is_multipart_alternative(&self) -> bool {
        self.message.root_part().content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("multipart")
                && ct
                    .subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case("alternative"))
        })
    }
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(id) => vec![id.to_string()],
        HeaderValue::TextList(ids) => ids.iter().map(|id| id.to_string()).collect(),
        _ => Vec::new(),
    }
}
