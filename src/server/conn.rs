//! The connection loop under [`super::Bound::serve`]: hyper's HTTP/1 server with the
//! limits `axum::serve` does not have.
//!
//! - A connection must finish each request head within `header_timeout` of its first
//!   byte (the first one counted from the moment it connects), or it is closed: slow
//!   heads (slow-loris) do not hold a descriptor for longer than that.
//! - A keep-alive connection with no request in flight is closed after `idle_timeout`.
//!   A request in flight (an event stream included) is never cut by either timeout;
//!   the request timeout layer and the stream's own end govern those.
//! - At most `max_connections` are served at once, well under the open-files limit, so
//!   accepting never fails with "Too many open files". When all are taken, the
//!   connection waiting longest for a head (idle or slow) is closed to make room; if
//!   every connection has a request in flight, newcomers wait in the listen backlog.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::time::Instant;
use tower::ServiceExt;

/// How long connections may take and how many there may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: default_max_connections(),
        }
    }
}

/// The process's soft open-files limit (`getrlimit(RLIMIT_NOFILE)`), if it has one.
#[cfg(unix)]
pub fn open_files_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given, which lives on our stack.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    if rc != 0 || limit.rlim_cur == libc::RLIM_INFINITY {
        return None;
    }
    Some(limit.rlim_cur)
}

#[cfg(not(unix))]
pub fn open_files_limit() -> Option<u64> {
    None
}

/// Half the open-files limit (the rest is for the database, logs and the connection
/// being accepted while all are taken), between 16 and 8192; 1024 without a limit.
pub fn default_max_connections() -> usize {
    match open_files_limit() {
        Some(n) => usize::try_from(n / 2).unwrap_or(8192).clamp(16, 8192),
        None => 1024,
    }
}

/// What a connection is doing, for its watchdog and for eviction.
struct Conn {
    id: u64,
    state: Mutex<ConnState>,
    evict: Notify,
}

#[derive(Clone, Copy)]
struct ConnState {
    in_flight: usize,
    /// With nothing in flight: since when it has been idle, or (with `head`) since the
    /// first byte of the head being read arrived.
    since: Instant,
    head: bool,
    evicted: bool,
}

impl Conn {
    fn lock(&self) -> std::sync::MutexGuard<'_, ConnState> {
        // The state is plain data, always consistent; a panic elsewhere cannot break it.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn bytes_arrived(&self) {
        let mut s = self.lock();
        if s.in_flight == 0 && !s.head {
            s.head = true;
            s.since = Instant::now();
        }
    }

    fn begin(self: &Arc<Self>) -> InFlight {
        self.lock().in_flight += 1;
        InFlight(self.clone())
    }

    /// When the connection should close if nothing changes, and why; `None` while a
    /// request is in flight.
    fn deadline(&self, limits: Limits) -> Option<(Instant, &'static str)> {
        let s = self.lock();
        if s.in_flight > 0 {
            None
        } else if s.head {
            Some((
                s.since + limits.header_timeout,
                "request head not sent in time",
            ))
        } else {
            Some((s.since + limits.idle_timeout, "idle"))
        }
    }

    /// Resolves when the connection should be closed, saying why.
    async fn watch(&self, limits: Limits) -> &'static str {
        loop {
            let wake = match self.deadline(limits) {
                Some((at, _)) => at,
                // Deadlines only start when the request ends; look again later.
                None => Instant::now() + limits.header_timeout.min(limits.idle_timeout),
            };
            tokio::select! {
                () = tokio::time::sleep_until(wake) => {}
                () = self.evict.notified() => {
                    let mut s = self.lock();
                    if s.in_flight == 0 {
                        return "closed to make room for a new connection";
                    }
                    // A request began since it was picked: it stays.
                    s.evicted = false;
                    continue;
                }
            }
            // The state may have moved on while we slept; only a deadline that still
            // stands closes the connection.
            if let Some((at, why)) = self.deadline(limits)
                && at <= Instant::now()
            {
                return why;
            }
        }
    }
}

/// A request in flight on a connection; dropped when its answer has been sent (or
/// abandoned), which is when hyper drops the response body.
struct InFlight(Arc<Conn>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut s = self.0.lock();
        s.in_flight = s.in_flight.saturating_sub(1);
        if s.in_flight == 0 {
            s.head = false;
            s.since = Instant::now();
        }
    }
}

/// The connections being served, for eviction.
#[derive(Default)]
struct Registry {
    next: AtomicU64,
    conns: Mutex<HashMap<u64, Arc<Conn>>>,
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Conn>>> {
        self.conns
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn add(&self) -> Arc<Conn> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn {
            id,
            state: Mutex::new(ConnState {
                in_flight: 0,
                since: Instant::now(),
                // A new connection owes a request head.
                head: true,
                evicted: false,
            }),
            evict: Notify::new(),
        });
        self.lock().insert(id, conn.clone());
        conn
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// Closes the connection that has waited longest for a request head, if any has
    /// nothing in flight. True if one was told to close.
    fn evict_one(&self) -> bool {
        let conns = self.lock();
        let mut oldest: Option<(Instant, &Arc<Conn>)> = None;
        for conn in conns.values() {
            let s = *conn.lock();
            if s.in_flight == 0 && !s.evicted && oldest.is_none_or(|(since, _)| s.since < since) {
                oldest = Some((s.since, conn));
            }
        }
        match oldest {
            Some((_, conn)) => {
                conn.lock().evicted = true;
                conn.evict.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Serves `router` on `listener` within `limits` until `shutdown` resolves, then
/// lets every connection finish what it has in flight.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let max = limits
        .max_connections
        .clamp(1, Semaphore::MAX_PERMITS.min(1 << 20));
    let slots = Arc::new(Semaphore::new(max));
    let registry = Arc::new(Registry::default());
    let (closing, closing_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, addr) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    if !is_connection_error(&e) {
                        // Out of descriptors (the cap leaves room, but other files
                        // count too): wait a moment instead of spinning.
                        tracing::error!("accepting a connection failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    continue;
                }
            }
        };
        let permit = match slots.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                registry.evict_one();
                let permit = loop {
                    tokio::select! {
                        biased;
                        () = &mut shutdown => break None,
                        permit = slots.clone().acquire_owned() => break permit.ok(),
                        () = tokio::time::sleep(Duration::from_millis(100)) => {
                            registry.evict_one();
                        }
                    }
                };
                match permit {
                    Some(permit) => permit,
                    None => break,
                }
            }
        };
        // Small answers go out at once instead of waiting on Nagle's algorithm.
        let _ = stream.set_nodelay(true);
        let conn = registry.add();
        let registry = registry.clone();
        let router = router.clone();
        let closing = closing_rx.clone();
        tokio::spawn(async move {
            serve_one(stream, addr, router, limits, conn.clone(), closing).await;
            registry.remove(conn.id);
            drop(permit);
        });
    }
    drop(listener);
    closing.send_replace(true);
    // Every connection holds a slot until it is done.
    let _ = slots
        .acquire_many(u32::try_from(max).unwrap_or(u32::MAX))
        .await;
    Ok(())
}

/// Errors that concern one connection only, not the listener.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

async fn serve_one(
    stream: TcpStream,
    addr: SocketAddr,
    router: Router,
    limits: Limits,
    conn: Arc<Conn>,
    mut closing: watch::Receiver<bool>,
) {
    let io = TokioIo::new(Watched {
        inner: stream,
        conn: conn.clone(),
    });
    let requests = conn.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(addr));
        let in_flight = requests.begin();
        let router = router.clone();
        async move {
            let response = match router.oneshot(request.map(Body::new)).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            Ok::<_, Infallible>(response.map(|body| Tracked {
                inner: body,
                _in_flight: in_flight,
            }))
        }
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    // The watchdog below times heads; hyper's own timer would also close idle
    // keep-alive connections at the header timeout.
    http.header_read_timeout(None);
    let connection = http.serve_connection(io, service).with_upgrades();
    tokio::pin!(connection);
    let watchdog = conn.watch(limits);
    tokio::pin!(watchdog);
    let mut shutting_down = false;
    loop {
        tokio::select! {
            done = connection.as_mut() => {
                if let Err(e) = done {
                    tracing::debug!("connection from {addr}: {e}");
                }
                break;
            }
            _ = closing.wait_for(|c| *c), if !shutting_down => {
                connection.as_mut().graceful_shutdown();
                shutting_down = true;
            }
            why = &mut watchdog => {
                tracing::debug!("closing the connection from {addr}: {why}");
                break;
            }
        }
    }
}

/// A response body that marks its request finished when it is dropped.
struct Tracked {
    inner: Body,
    _in_flight: InFlight,
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The socket, telling its connection when request bytes arrive.
struct Watched {
    inner: TcpStream,
    conn: Arc<Conn>,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.conn.bytes_arrived();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
