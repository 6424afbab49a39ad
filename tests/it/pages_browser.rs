//! The customer pages in a real browser: headless Chromium (Debian's `chromium`)
//! against a real `desk serve` on 127.0.0.1:0, driven over the DevTools protocol on a
//! pipe (`--remote-debugging-pipe`: NUL-separated JSON on fds 3 and 4), so no driver
//! crate is needed. Screenshots of every step land in target/tmp/pages-e2e/.
//! Without Chromium the test says so and passes.

use crate::common::server;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use base64::Engine;
use desk::server::{PagesOptions, ServerOptions};
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::TestServer;

const EMAIL: &str = "ann@example.com";

fn chromium() -> Option<String> {
    let candidates = [
        std::env::var("DESK_CHROMIUM").unwrap_or_default(),
        "chromium".into(),
        "chromium-browser".into(),
    ];
    candidates.into_iter().filter(|c| !c.is_empty()).find(|c| {
        Command::new(c)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

struct Browser {
    child: Child,
    input: ChildStdin,
    output: Receiver<Value>,
    next: u64,
    session: String,
    shots: PathBuf,
    step: usize,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn launch(program: &str, shots: PathBuf) -> Browser {
        let profile = tempfile::tempdir().expect("profile dir");
        let log = std::fs::File::create(shots.join("chromium.log")).expect("log file");
        // The shell hands our pipes to Chromium as fds 3 (commands) and 4 (answers).
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#"exec "$0" "$@" 3<&0 4>&1 </dev/null >/dev/null"#)
            .arg(program)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start chromium");
        let input = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut buf = Vec::new();
                match reader.read_until(0, &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        buf.pop();
                        if let Ok(v) = serde_json::from_slice::<Value>(&buf)
                            && tx.send(v).is_err()
                        {
                            break;
                        }
                    }
                }
            }
        });
        let mut b = Browser {
            child,
            input,
            output: rx,
            next: 0,
            session: String::new(),
            shots,
            step: 0,
            _profile: profile,
        };
        let target = b.call("Target.createTarget", json!({"url": "about:blank"}));
        let target = target["targetId"].as_str().expect("target id").to_string();
        let attached = b.call(
            "Target.attachToTarget",
            json!({"targetId": target, "flatten": true}),
        );
        b.session = attached["sessionId"].as_str().expect("session").to_string();
        // A phone: 390 CSS pixels wide, like the brief's reference device.
        b.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true}),
        );
        b
    }

    /// One protocol call; the answer's `result`, or the error as `{"error": ...}`.
    fn send(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        let mut message = json!({"id": id, "method": method, "params": params});
        if !self.session.is_empty() {
            message["sessionId"] = json!(self.session);
        }
        let mut bytes = serde_json::to_vec(&message).expect("json");
        bytes.push(0);
        self.input.write_all(&bytes).expect("write to chromium");
        self.input.flush().expect("flush");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let v = self
                .output
                .recv_timeout(left)
                .unwrap_or_else(|e| panic!("chromium did not answer {method}: {e}"));
            if v["id"].as_u64() == Some(id) {
                return match v.get("error") {
                    Some(e) => json!({"error": e}),
                    None => v["result"].clone(),
                };
            }
        }
    }

    #[track_caller]
    fn call(&mut self, method: &str, params: Value) -> Value {
        let r = self.send(method, params);
        assert!(r.get("error").is_none(), "{method}: {r}");
        r
    }

    /// Evaluates `js` in the page; its value, or `None` if the page was between loads.
    fn try_eval(&mut self, js: &str) -> Option<Value> {
        let r = self.send(
            "Runtime.evaluate",
            json!({"expression": js, "returnByValue": true, "awaitPromise": true}),
        );
        if r.get("error").is_some() || r.get("exceptionDetails").is_some() {
            return None;
        }
        Some(r["result"]["value"].clone())
    }

    #[track_caller]
    fn eval(&mut self, js: &str) -> Value {
        self.try_eval(js)
            .unwrap_or_else(|| panic!("script failed: {js}"))
    }

    #[track_caller]
    fn wait_for(&mut self, js: &str, within: Duration) {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if self.try_eval(js) == Some(json!(true)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let body = self.try_eval("document.body && document.body.innerText");
        panic!("timed out waiting for {js}; page: {body:?}");
    }

    fn goto(&mut self, url: &str) {
        self.call("Page.navigate", json!({"url": url}));
        self.wait_for(
            &format!(
                "location.href.startsWith({}) && document.readyState === 'complete'",
                json!(url)
            ),
            Duration::from_secs(15),
        );
    }

    fn screenshot(&mut self, name: &str) -> PathBuf {
        self.step += 1;
        let shot = self.call("Page.captureScreenshot", json!({"format": "png"}));
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("png data"))
            .expect("base64");
        let path = self.shots.join(format!("{:02}-{name}.png", self.step));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// Whether the page fits the phone's width: no sideways scrolling.
    fn fits_width(&mut self) -> bool {
        self.eval("document.documentElement.scrollWidth <= window.innerWidth") == json!(true)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn shots_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pages-e2e");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

/// A JS string literal.
fn lit(s: &str) -> String {
    json!(s).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_files_tracks_and_replies_in_a_real_browser() {
    let Some(program) = chromium() else {
        // Straight to stderr: the test harness captures println!, and a skip must show.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: chromium not found (apt-get install chromium, or set DESK_CHROMIUM); the browser test did not run"
        );
        return;
    };
    let s = TestServer::start_with(ServerOptions {
        pages: PagesOptions {
            // Short, so the script's refresh shows within the test.
            refresh_every: Duration::from_secs(2),
            ..PagesOptions::default()
        },
        ..ServerOptions::default()
    })
    .await;
    let shots = shots_dir();
    let base = s.base.clone();
    let mut b = tokio::task::block_in_place(|| Browser::launch(&program, shots.clone()));

    // 1. File a request through /new, with a hostile title.
    let hostile = "<script>window.pwned=1</script><img src=x onerror=window.pwned=2>Printer";
    let key = tokio::task::block_in_place(|| {
        b.goto(&format!("{base}/new"));
        assert!(b.fits_width(), "the form fits a phone");
        b.screenshot("new-form");
        b.eval(&format!(
            "(() => {{ const f = document.getElementById('file');
               f.elements.name.value = 'Ann Customer'; f.elements.email.value = {};
               f.elements.category.value = 'General'; f.elements.title.value = {};
               f.elements.description.value = 'It prints nothing.'; f.requestSubmit(); return true; }})()",
            lit(EMAIL),
            lit(hostile)
        ));
        b.wait_for(
            "!!document.getElementById('filed-key')",
            Duration::from_secs(15),
        );
        b.screenshot("filed");
        assert!(b.fits_width(), "the result with its QR code fits a phone");
        assert_eq!(b.eval("!!document.querySelector('.qr svg')"), json!(true));
        let key = b.eval("document.getElementById('filed-key').textContent");
        let key = key.as_str().expect("key").to_string();
        assert_eq!(
            b.eval("localStorage.getItem('desk.track.key')"),
            json!(key),
            "the key is remembered"
        );
        key
    });

    // 2. Track it: the form comes back filled from the last visit.
    tokio::task::block_in_place(|| {
        b.goto(&format!("{base}/track"));
        b.wait_for(
            &format!("document.getElementById('key').value === {}", lit(&key)),
            Duration::from_secs(5),
        );
        assert_eq!(
            b.eval("document.getElementById('email').value"),
            json!(EMAIL)
        );
        b.screenshot("track-form-remembered");
        b.eval("document.getElementById('lookup').requestSubmit(), true");
        b.wait_for(
            "!!document.getElementById('ticket')",
            Duration::from_secs(15),
        );
        let title = b.eval("document.getElementById('ticket-title').textContent");
        assert!(
            title.as_str().is_some_and(|t| t.contains(hostile)),
            "the hostile title shows as text: {title}"
        );
        assert_eq!(
            b.eval("window.pwned === undefined"),
            json!(true),
            "nothing ran"
        );
        // The style sheet applied under the CSP: buttons are not the browser's grey.
        let bg =
            b.eval("getComputedStyle(document.querySelector('#reply button')).backgroundColor");
        assert_ne!(bg, json!("rgb(239, 239, 239)"), "styles load");
        assert!(b.fits_width(), "the ticket fits a phone");
        b.screenshot("ticket");
    });

    // 3. Staff work on it from the native API, with an internal note on the side.
    s.post(
        &format!("/tickets/{key}/comments"),
        Some(&s.agent.token),
        json!({"body": "SECRET-NOTE do not show", "visibility": "internal"}),
    )
    .await
    .expect(StatusCode::CREATED);
    s.post(
        &format!("/tickets/{key}/transition"),
        Some(&s.agent.token),
        json!({"status": "in_progress"}),
    )
    .await
    .expect(StatusCode::OK);

    // 4. The page picks the change up by itself, keeping what the reader typed.
    tokio::task::block_in_place(|| {
        b.eval("document.getElementById('body').value = 'half-typed draft', window.scrollTo(0, 200), true");
        b.wait_for(
            "document.querySelector('#ticket .status').textContent === 'Being worked on'",
            Duration::from_secs(20),
        );
        assert_eq!(
            b.eval("document.getElementById('body').value"),
            json!("half-typed draft"),
            "the reply box keeps its text across refreshes"
        );
        let text = b.eval("document.body.innerText");
        assert!(
            !text.as_str().unwrap_or("").contains("SECRET-NOTE"),
            "{text}"
        );
        assert_eq!(
            b.eval("document.getElementById('announce').textContent"),
            json!("Status is now Being worked on")
        );
        b.screenshot("refreshed");
    });

    // 5. The customer replies; staff see it in the native API.
    tokio::task::block_in_place(|| {
        b.eval("document.getElementById('body').value = 'Thanks, from the browser', document.getElementById('reply').requestSubmit(), true");
        b.wait_for(
            "!!document.querySelector('.notice') && document.querySelector('.notice').textContent.includes('reply was added')",
            Duration::from_secs(15),
        );
        assert!(b.fits_width());
        b.screenshot("replied");
    });
    let api = s
        .get(&format!("/tickets/{key}"), Some(&s.agent.token))
        .await;
    assert!(
        api.text().contains("Thanks, from the browser"),
        "{}",
        api.text()
    );
    let html = tokio::task::block_in_place(|| b.eval("document.documentElement.outerHTML"));
    assert!(!html.as_str().unwrap_or("").contains("SECRET-NOTE"));

    drop(b);
    let _ = writeln!(std::io::stderr(), "screenshots in {}", shots.display());
    s.stop().await;
}
