//! TUI benchmark: the release `desk` binary in a pseudo-terminal at 160x48 on a local
//! store of DESK_BENCH_TICKETS tickets (default 100,000), generated once into
//! target/bench-data and reused. Measures what a user feels and what crosses an SSH
//! link: time to the first frame, key-to-frame latency and bytes written per cursor
//! move, output while idle, and resident memory before and after scrolling to the end.
//!
//!     cargo bench --bench tui
//!
//! Results and the machine they were measured on are in BENCHMARKS.md.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const BIN: &str = env!("CARGO_BIN_EXE_desk");
const COLS: u16 = 160;
const ROWS: u16 = 48;
const MOVES: usize = 60;
/// Output that stops for this long means the frame (and any follow-up frame) is done.
const QUIET: Duration = Duration::from_millis(120);

#[derive(Default)]
struct Output {
    /// Every chunk the terminal received, with when it arrived.
    chunks: Vec<(Instant, usize)>,
    parser: Option<vt100::Parser>,
}

fn main() {
    let tickets: usize = std::env::var("DESK_BENCH_TICKETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&dir).expect("bench data dir");
    let db = dir.join(format!("tui-{tickets}.db"));
    if !db.exists() {
        eprintln!("generating {tickets} tickets into {} ...", db.display());
        let status = Command::new(BIN)
            .args(["generate", "--db"])
            .arg(&db)
            .args(["--tickets", &tickets.to_string()])
            .status()
            .expect("desk generate");
        assert!(status.success());
    }
    let home = tempfile::tempdir().expect("temp dir");
    let config = home.path().join("config.toml");
    std::fs::write(&config, "[ui]\nrefresh_interval = 30\n").expect("config");

    let pty = native_pty_system()
        .openpty(PtySize {
            rows: ROWS,
            cols: COLS,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("pty");
    let mut cmd = CommandBuilder::new(BIN);
    cmd.arg("--offline");
    cmd.cwd(home.path());
    cmd.env("TERM", "xterm-256color");
    cmd.env("DESK_DB", db.display().to_string());
    cmd.env("DESK_CONFIG", config.display().to_string());
    cmd.env("DESK_DATA_DIR", home.path().display().to_string());
    cmd.env("DESK_ROLE", "agent");
    cmd.env("HOME", home.path().display().to_string());
    let started = Instant::now();
    let mut child = pty.slave.spawn_command(cmd).expect("spawn");
    drop(pty.slave);
    let pid = child.process_id().expect("pid");
    let mut reader = pty.master.try_clone_reader().expect("reader");
    let mut writer = pty.master.take_writer().expect("writer");
    let out = Arc::new(Mutex::new(Output {
        chunks: Vec::new(),
        parser: Some(vt100::Parser::new(
            std::num::NonZeroU16::new(ROWS).expect("rows"),
            std::num::NonZeroU16::new(COLS).expect("cols"),
            0,
        )),
    }));
    let feed = out.clone();
    std::thread::spawn(move || {
        let _master = pty.master;
        let mut buf = [0u8; 65536];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            let mut o = feed.lock().expect("output");
            o.chunks.push((Instant::now(), n));
            if let Some(p) = o.parser.as_mut() {
                p.process(&buf[..n]);
            }
        }
    });
    let screen = |out: &Arc<Mutex<Output>>| {
        let o = out.lock().expect("output");
        o.parser
            .as_ref()
            .map(|p| p.screen().contents())
            .unwrap_or_default()
    };
    let wait_for = |what: &str, limit: Duration| -> Duration {
        let t = Instant::now();
        loop {
            if screen(&out).contains(what) {
                return t.elapsed();
            }
            assert!(
                t.elapsed() < limit,
                "no {what:?} on screen:\n{}",
                screen(&out)
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    };

    // First frame with tickets in it.
    wait_for(&format!("{tickets} tickets"), Duration::from_secs(30));
    let first_frame = started.elapsed();
    settle(&out);
    let rss_start = rss_kib(pid);

    // Idle: nothing but the status bar's clock, at most once a second.
    let idle_from = out.lock().expect("o").chunks.len();
    std::thread::sleep(Duration::from_secs(5));
    let idle: Vec<usize> = out.lock().expect("o").chunks[idle_from..]
        .iter()
        .map(|c| c.1)
        .collect();

    // Cursor moves: latency to the first byte of the frame, and all bytes it caused
    // (the selection's frame and the detail pane's, once the ticket is read).
    let mut latencies = Vec::new();
    let mut bytes = Vec::new();
    let mut selection_bytes = Vec::new();
    for _ in 0..MOVES {
        let from = out.lock().expect("o").chunks.len();
        let sent = Instant::now();
        writer.write_all(b"j").expect("key");
        writer.flush().expect("flush");
        settle(&out);
        let o = out.lock().expect("o");
        let new = &o.chunks[from..];
        if let Some(first) = new.first() {
            latencies.push(first.0 - sent);
            // The selection's own frame: what arrives before the detail pane follows.
            let frame_end = first.0 + Duration::from_millis(20);
            selection_bytes.push(
                new.iter()
                    .take_while(|c| c.0 <= frame_end)
                    .map(|c| c.1)
                    .sum::<usize>(),
            );
        }
        bytes.push(new.iter().map(|c| c.1).sum::<usize>());
    }

    // To the end of the list: every page loaded, memory after.
    let sent = Instant::now();
    writer.write_all(b"G").expect("key");
    writer.flush().expect("flush");
    wait_for(&format!(" {tickets}/{tickets} "), Duration::from_secs(120));
    let to_end = sent.elapsed();
    settle(&out);
    let rss_end = rss_kib(pid);

    // With every row loaded: a new sort order (the loaded rows sorted at once, then the
    // first page asked again), to the frame that says so and to the last byte.
    let sent = Instant::now();
    writer.write_all(b"S").expect("key");
    writer.flush().expect("flush");
    let to_sorted = wait_for("sorted by", Duration::from_secs(30));
    settle(&out);
    let sorted_settled = last_byte(&out).saturating_duration_since(sent);

    // The dashboard over the whole desk: the key to the frame with its figures.
    let sent = Instant::now();
    writer.write_all(b"d").expect("key");
    writer.flush().expect("flush");
    wait_for("Per day", Duration::from_secs(30));
    let to_dashboard = sent.elapsed();
    settle(&out);
    // A refresh, as the change feed or `r` asks for one.
    let sent = Instant::now();
    writer.write_all(b"r").expect("key");
    writer.flush().expect("flush");
    settle(&out);
    let dashboard_refresh = last_byte(&out).saturating_duration_since(sent);
    writer.write_all(b"\x1b").expect("key");
    writer.flush().expect("flush");
    settle(&out);

    writer.write_all(b"q").expect("quit");
    writer.flush().expect("flush");
    let _ = child.wait();

    latencies.sort();
    bytes.sort_unstable();
    selection_bytes.sort_unstable();
    let pct = |v: &[Duration], p: f64| v[((v.len() - 1) as f64 * p) as usize];
    println!("TUI on {tickets} tickets, {COLS}x{ROWS}, release build");
    println!(
        "  first frame with tickets        {:>8.1} ms",
        ms(first_frame)
    );
    println!(
        "  key to frame (j), p50 / p99     {:>8.2} / {:.2} ms",
        ms(pct(&latencies, 0.5)),
        ms(pct(&latencies, 0.99))
    );
    println!(
        "  bytes of the cursor's frame     {:>8} / {} (p50 / max)",
        selection_bytes[selection_bytes.len() / 2],
        selection_bytes[selection_bytes.len() - 1]
    );
    println!(
        "  with the detail that follows    {:>8} / {} (p50 / max)",
        bytes[bytes.len() / 2],
        bytes[bytes.len() - 1]
    );
    println!(
        "  idle 5 s: writes / bytes        {:>8} / {}",
        idle.len(),
        idle.iter().sum::<usize>()
    );
    println!("  G to the last ticket            {:>8.1} ms", ms(to_end));
    println!(
        "  S (sort) to its frame / settled {:>8.1} / {:.1} ms",
        ms(to_sorted),
        ms(sorted_settled)
    );
    println!(
        "  d to the dashboard / r refresh  {:>8.1} / {:.1} ms",
        ms(to_dashboard),
        ms(dashboard_refresh)
    );
    println!(
        "  resident memory start / end     {:>8.1} / {:.1} MB",
        rss_start as f64 / 1024.0,
        rss_end as f64 / 1024.0
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Waits until the terminal has received nothing for [`QUIET`].
fn settle(out: &Arc<Mutex<Output>>) {
    loop {
        std::thread::sleep(QUIET / 4);
        let last = out.lock().expect("o").chunks.last().map(|c| c.0);
        if last.is_none_or(|t| t.elapsed() >= QUIET) {
            return;
        }
    }
}

/// When the terminal last received anything.
fn last_byte(out: &Arc<Mutex<Output>>) -> Instant {
    let o = out.lock().expect("o");
    o.chunks.last().map_or_else(Instant::now, |c| c.0)
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("status"))
        .unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
