//! The connection limits of `desk serve` (issue 23, High): slow request heads and
//! idle keep-alive connections are closed, a cap keeps connections under the
//! open-files limit, and a flood of slow heads does not stop anyone else being answered.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use desk::server::{Limits, ServerOptions};
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::server::{Sse, TestServer};

fn limits(header: Duration, idle: Duration, max: usize) -> ServerOptions {
    ServerOptions {
        limits: Limits {
            header_timeout: header,
            idle_timeout: idle,
            max_connections: max,
        },
        ..ServerOptions::default()
    }
}

/// Waits until the server closes `tcp` (EOF or reset); how long that took, or `None`
/// if it stayed open for `limit`.
async fn closed_within(tcp: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit.saturating_sub(start.elapsed()), tcp.read(&mut buf)).await
        {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(start.elapsed()),
            // An answer (a 408, say): keep reading until the close.
            Ok(Ok(_)) => {}
        }
    }
}

/// One request on `tcp`, the answer's status line read back.
async fn ask(tcp: &mut TcpStream) -> String {
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !got.ends_with(b"{\"status\":\"ok\"}") {
        let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut buf))
            .await
            .expect("an answer in time")
            .expect("read");
        assert!(n > 0, "closed before answering");
        got.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&got)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn a_slow_request_head_is_closed_within_the_header_timeout() {
    let s = TestServer::start_with(limits(
        Duration::from_millis(800),
        Duration::from_secs(30),
        64,
    ))
    .await;
    // Half a head, then nothing.
    let mut slow = TcpStream::connect(s.addr).await.expect("connect");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHo")
        .await
        .expect("write");
    // A connection that never says anything.
    let mut silent = TcpStream::connect(s.addr).await.expect("connect");
    let slow_took = closed_within(&mut slow, Duration::from_secs(5)).await;
    let silent_took = closed_within(&mut silent, Duration::from_secs(5)).await;
    assert!(
        slow_took.is_some_and(|t| t < Duration::from_millis(2500)),
        "a half-sent head was held open: {slow_took:?}"
    );
    assert!(
        silent_took.is_some(),
        "a connection that sent nothing was held open"
    );
    s.stop().await;
}

#[tokio::test]
async fn keep_alive_outlives_the_header_timeout_but_not_the_idle_timeout() {
    let s = TestServer::start_with(limits(
        Duration::from_millis(500),
        Duration::from_millis(1500),
        64,
    ))
    .await;
    let mut tcp = TcpStream::connect(s.addr).await.expect("connect");
    assert!(ask(&mut tcp).await.contains("200"));
    // Idle for longer than the header timeout: still open, and it answers again.
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert!(ask(&mut tcp).await.contains("200"));
    let took = closed_within(&mut tcp, Duration::from_secs(5)).await;
    assert!(
        took.is_some_and(|t| t >= Duration::from_millis(1200) && t < Duration::from_secs(4)),
        "an idle keep-alive connection should close after the idle timeout: {took:?}"
    );
    s.stop().await;
}

#[tokio::test]
async fn the_event_stream_is_not_cut_by_the_idle_or_header_timeout() {
    let s = TestServer::start_with(limits(
        Duration::from_millis(300),
        Duration::from_millis(300),
        64,
    ))
    .await;
    let mut sse = Sse::open(&s, &s.agent.token, None).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let key = s.file(&s.customer, "Printer on fire", "General").await;
    let event = sse
        .next_within(Duration::from_secs(5))
        .await
        .expect("the stream is still open and delivers the new ticket");
    assert!(event.data.contains(&key), "{}", event.data);
    // Graceful shutdown still ends the stream and the server.
    s.stop().await;
}

#[tokio::test]
async fn at_the_cap_a_newcomer_is_served_in_place_of_a_waiting_connection() {
    let s =
        TestServer::start_with(limits(Duration::from_secs(30), Duration::from_secs(30), 8)).await;
    let mut held = Vec::new();
    for _ in 0..20 {
        let mut tcp = TcpStream::connect(s.addr).await.expect("connect");
        tcp.write_all(b"GET /healthz HTTP/1.1\r\n")
            .await
            .expect("write");
        held.push(tcp);
    }
    let start = Instant::now();
    let reply = s.get("/healthz", None).await;
    reply.expect(StatusCode::OK);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "the probe waited {:?} behind slow heads",
        start.elapsed()
    );
    drop(held);
    s.stop().await;
}

/// The slow-loris of the issue against the real binary under a small open-files limit:
/// more slow heads than the process could hold, a probe answered throughout.
#[cfg(unix)]
#[tokio::test]
async fn slow_loris_under_a_small_file_limit_does_not_stop_a_probe() {
    const FILES: usize = 512;
    const SLOW: usize = 600;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("server.toml");
    std::fs::write(&config, "[server]\nheader_timeout_secs = 2\n").expect("config");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -n {FILES} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_desk"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--db"])
        .arg(dir.path().join("desk.db"))
        .env("DESK_CONFIG", &config)
        .env("DESK_DATA_DIR", dir.path().join("data"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("desk serve");
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("desk serve did not start");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The attackers: each connects and sends one byte of a head every 300 ms.
    let attack = tokio::spawn(async move {
        let mut slow = Vec::new();
        for _ in 0..SLOW {
            if let Ok(mut tcp) = TcpStream::connect(("127.0.0.1", port)).await {
                let _ = tcp.write_all(b"G").await;
                slow.push(tcp);
            }
        }
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            for tcp in &mut slow {
                let _ = tcp.write_all(b"E").await;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        slow.len()
    });
    let http = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(3))
        .build()
        .expect("client");
    let mut worst = Duration::ZERO;
    let mut failed = Vec::new();
    let mut took = Vec::new();
    let probing = Instant::now();
    tokio::time::sleep(Duration::from_millis(300)).await;
    while probing.elapsed() < Duration::from_secs(4) {
        let asked = Instant::now();
        match http
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
        {
            Ok(r) if r.status() == StatusCode::OK => {
                worst = worst.max(asked.elapsed());
                took.push(asked.elapsed());
            }
            Ok(r) => failed.push(format!("{}", r.status())),
            Err(e) => failed.push(e.to_string()),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let opened = attack.await.expect("attack");
    took.sort();
    eprintln!(
        "slow-loris: {opened} slow heads under ulimit -n {FILES}; {} probes answered, median {:?}, worst {worst:?}",
        took.len(),
        took.get(took.len() / 2).copied().unwrap_or_default()
    );
    let _ = child.kill();
    let _ = child.wait();
    assert!(opened > FILES, "only {opened} slow connections were opened");
    assert!(failed.is_empty(), "probes failed: {failed:?}");
    assert!(
        worst < Duration::from_secs(1),
        "the slowest probe took {worst:?}"
    );
}
