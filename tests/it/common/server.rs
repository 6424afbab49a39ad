//! A real `desk serve` on 127.0.0.1:0 over a temp SQLite file — or, with
//! `DESK_TEST_DB=postgres`, over a fresh PostgreSQL database made for this one server and
//! dropped after it — with one signed-in person of each role, and a small HTTP client
//! that keeps every answer whole (status, headers, body) so tests can say what a user of
//! the API would check.
//!
//! Used by the server-facing modules through `crate::common::server`.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use desk::domain::model::{Role, User};
use desk::server::{App, Bound, ServerOptions};
use desk::service::{NewUser, Service, ServiceConfig};
use desk::store::Store;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;
use tokio::sync::{OnceCell, oneshot};

/// Everyone's password. Hashed once per test binary: argon2 is slow in debug builds.
pub const PASSWORD: &str = "correct horse battery";

static PASSWORD_HASH: OnceCell<String> = OnceCell::const_new();

async fn password_hash() -> String {
    PASSWORD_HASH
        .get_or_init(|| async {
            desk::service::hash_password(PASSWORD)
                .await
                .expect("hash password")
        })
        .await
        .clone()
}

/// A person with an account and a live token.
#[derive(Debug, Clone)]
pub struct Person {
    pub user: User,
    pub token: String,
}

impl Person {
    pub fn id(&self) -> i64 {
        self.user.id
    }

    pub fn email(&self) -> &str {
        &self.user.email
    }
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub base: String,
    pub service: Service,
    pub http: reqwest::Client,
    pub customer: Person,
    pub other_customer: Person,
    pub agent: Person,
    pub other_agent: Person,
    pub supervisor: Person,
    pub admin: Person,
    shutdown: Option<oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    pub db: Arc<TestDb>,
}

/// The PostgreSQL server the tests may use: `DESK_TEST_PG`, else the local one.
pub fn pg_admin_url() -> String {
    std::env::var("DESK_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// True when `DESK_TEST_DB=postgres` asks for the suites to run on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("DESK_TEST_DB").is_ok_and(|v| v.eq_ignore_ascii_case("postgres"))
}

/// Whether the PostgreSQL server answers at all (for tests that need it and skip
/// without it).
pub async fn pg_reachable() -> bool {
    use sqlx::Connection;
    let connect = sqlx::postgres::PgConnection::connect(&pg_admin_url());
    matches!(
        tokio::time::timeout(Duration::from_secs(3), connect).await,
        Ok(Ok(_))
    )
}

/// Where one test server keeps its data; removed when dropped.
pub enum TestDb {
    Sqlite(tempfile::TempDir),
    Postgres { name: String, url: String },
}

impl TestDb {
    /// A SQLite file, or a new PostgreSQL database when `DESK_TEST_DB=postgres`.
    pub async fn new() -> TestDb {
        if on_postgres() {
            TestDb::postgres().await
        } else {
            TestDb::Sqlite(tempfile::tempdir().expect("temp dir"))
        }
    }

    /// A new, empty PostgreSQL database with a name no other test uses.
    pub async fn postgres() -> TestDb {
        use sqlx::{Connection, Executor};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let name = format!(
            "desk_test_{}_{}_{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let admin = pg_admin_url();
        let mut conn = sqlx::postgres::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| {
                panic!("DESK_TEST_DB=postgres but no PostgreSQL answers at {admin}: {e}")
            });
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .expect("create test database");
        let _ = conn.close().await;
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        let url = format!("{base}/{name}");
        TestDb::Postgres { name, url }
    }

    /// What `Store::open` and `--db` take.
    pub fn location(&self) -> String {
        match self {
            TestDb::Sqlite(dir) => dir
                .path()
                .join("desk.db")
                .to_str()
                .expect("utf-8 path")
                .to_string(),
            TestDb::Postgres { url, .. } => url.clone(),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let TestDb::Postgres { name, .. } = self else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot be blocked on; a thread
        // with its own runtime can. FORCE ends the connections the server still holds.
        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let admin = pg_admin_url();
        let dropped = std::thread::spawn(move || {
            use sqlx::{Connection, Executor};
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let mut conn = sqlx::postgres::PgConnection::connect(&admin).await?;
                conn.execute(sqlx::AssertSqlSafe(sql)).await?;
                conn.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {name}: {dropped:?}");
        }
    }
}

/// One answer, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
    /// The body as JSON; `Value::Null` when it is empty or not JSON.
    pub json: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `error.code` of a desk error body.
    pub fn code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or_default()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// Panics with the whole answer unless the status is `want`.
    #[track_caller]
    pub fn expect(&self, want: StatusCode) -> &Reply {
        assert_eq!(self.status, want, "unexpected answer: {}", self.text());
        self
    }
}

/// Sends a request and reads the whole answer. A dropped connection or a timeout
/// panics: a server that hangs up on a request is as broken as one that answers 500.
pub async fn send(rb: RequestBuilder) -> Reply {
    let response = rb.send().await.expect("the server answered");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("the whole body").to_vec();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        bytes,
        json,
    }
}

/// A client that never goes through a proxy from the environment.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("http client")
}

impl TestServer {
    /// A server with the default options; everyone signed in through the login endpoint.
    pub async fn start() -> TestServer {
        TestServer::start_with(ServerOptions::default()).await
    }

    pub async fn start_with(options: ServerOptions) -> TestServer {
        TestServer::launch(options, true).await
    }

    /// Like [`TestServer::start_with`], but the tokens come straight from the service so
    /// the login endpoint's rate limit starts untouched.
    pub async fn start_without_logins(options: ServerOptions) -> TestServer {
        TestServer::launch(options, false).await
    }

    async fn launch(options: ServerOptions, log_in: bool) -> TestServer {
        let db = Arc::new(TestDb::new().await);
        TestServer::launch_on(db, options, log_in).await
    }

    /// A server whose service has `config` (attachment limits, content store).
    pub async fn start_with_service(config: ServiceConfig) -> TestServer {
        let db = Arc::new(TestDb::new().await);
        TestServer::launch_configured(db, ServerOptions::default(), true, config).await
    }

    /// A server with both `options` and a service `config`; tokens straight from the
    /// service.
    pub async fn start_configured(options: ServerOptions, config: ServiceConfig) -> TestServer {
        let db = Arc::new(TestDb::new().await);
        TestServer::launch_configured(db, options, false, config).await
    }

    /// A server over `db`, which must be empty.
    pub async fn launch_on(db: Arc<TestDb>, options: ServerOptions, log_in: bool) -> TestServer {
        TestServer::launch_configured(db, options, log_in, ServiceConfig::default()).await
    }

    async fn launch_configured(
        db: Arc<TestDb>,
        options: ServerOptions,
        log_in: bool,
        config: ServiceConfig,
    ) -> TestServer {
        let store = Store::open(&db.location()).await.expect("open store");
        let service = Service::new(store, config);
        service.seed_defaults().await.expect("seed");
        let hash = password_hash().await;
        let mut users = Vec::new();
        for (email, name, role) in [
            ("jane@example.com", "Jane Smith", Role::Customer),
            ("bob@example.com", "Bob Wilson", Role::Customer),
            ("sarah@example.com", "Sarah Johnson", Role::Agent),
            ("mike@example.com", "Mike Chen", Role::Agent),
            ("almaz@example.com", "Almaz Tesfaye", Role::Supervisor),
            ("admin@example.com", "Admin User", Role::Admin),
        ] {
            let new = NewUser {
                email: email.into(),
                name: name.into(),
                role,
            };
            users.push(service.insert_user(new, Some(&hash)).await.expect("user"));
        }

        let app = App::new(service.clone(), options);
        let bound = Bound::bind("127.0.0.1:0", app).await.expect("bind");
        let addr = bound.local_addr().expect("local addr");
        let (tx, rx) = oneshot::channel::<()>();
        let served = tokio::spawn(bound.serve(async {
            let _ = rx.await;
        }));
        let http = client();
        let base = format!("http://{addr}");

        // Everyone signs in once, through the API as a user would (unless told not to).
        let mut people = Vec::new();
        for user in users {
            let token = if log_in {
                let reply = send(
                    http.post(format!("{base}/api/v1/auth/login"))
                        .json(&serde_json::json!({"email": user.email, "password": PASSWORD})),
                )
                .await;
                reply.expect(StatusCode::OK);
                reply.json["token"].as_str().expect("token").to_string()
            } else {
                service
                    .issue_token(&user, "test", 0)
                    .await
                    .expect("token")
                    .token
            };
            people.push(Person { user, token });
        }
        let mut people = people.into_iter();
        let mut next = || people.next().expect("person");
        TestServer {
            addr,
            base,
            service,
            http,
            customer: next(),
            other_customer: next(),
            agent: next(),
            other_agent: next(),
            supervisor: next(),
            admin: next(),
            shutdown: Some(tx),
            served: Some(served),
            db,
        }
    }

    /// Another server process-alike on the same database: its own store, pool, event
    /// listener and rate limits, and the first server's people with the same tokens.
    pub async fn second_instance(&self, options: ServerOptions) -> TestServer {
        let store = Store::open(&self.db.location()).await.expect("open store");
        let service = Service::new(store, ServiceConfig::default());
        let app = App::new(service.clone(), options);
        let bound = Bound::bind("127.0.0.1:0", app).await.expect("bind");
        let addr = bound.local_addr().expect("local addr");
        let (tx, rx) = oneshot::channel::<()>();
        let served = tokio::spawn(bound.serve(async {
            let _ = rx.await;
        }));
        TestServer {
            addr,
            base: format!("http://{addr}"),
            service,
            http: client(),
            customer: self.customer.clone(),
            other_customer: self.other_customer.clone(),
            agent: self.agent.clone(),
            other_agent: self.other_agent.clone(),
            supervisor: self.supervisor.clone(),
            admin: self.admin.clone(),
            shutdown: Some(tx),
            served: Some(served),
            db: self.db.clone(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("/api") || path.starts_with("/healthz") || path == "/" {
            format!("{}{path}", self.base)
        } else {
            format!("{}/api/v1{path}", self.base)
        }
    }

    /// A request to `path` (under `/api/v1` unless it says otherwise), with `token`.
    pub fn req(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let rb = self.http.request(method, self.url(path));
        match token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        send(self.req(Method::GET, path, token)).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        send(self.req(Method::POST, path, token).json(&body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        send(self.req(Method::PATCH, path, token).json(&body)).await
    }

    /// Files a ticket as `who` over HTTP and returns its key.
    pub async fn file(&self, who: &Person, title: &str, category: &str) -> String {
        let reply = self
            .post(
                "/tickets",
                Some(&who.token),
                serde_json::json!({
                    "title": title,
                    "description": format!("{title}: details"),
                    "category": category,
                }),
            )
            .await;
        reply.expect(StatusCode::CREATED);
        reply.json["key"].as_str().expect("key").to_string()
    }

    /// How many events the whole desk has recorded, as an admin polling the feed sees.
    pub async fn event_count(&self) -> usize {
        let reply = self.get("/changes?after=0", Some(&self.admin.token)).await;
        reply.expect(StatusCode::OK);
        assert_eq!(reply.json["has_more"], false, "the test desk is small");
        reply.json["events"].as_array().expect("events").len()
    }

    /// The desk statistics, as an admin sees them.
    pub async fn stats(&self) -> Value {
        let reply = self.get("/stats", Some(&self.admin.token)).await;
        reply.expect(StatusCode::OK);
        reply.json.clone()
    }

    /// Stops the server and checks it finished cleanly.
    pub async fn stop(self) {
        let stopped = self.stop_within(Duration::from_secs(5)).await;
        assert!(stopped, "the server did not stop within 5 s");
    }

    /// Asks the server to shut down; true if it finished serving within `limit`.
    pub async fn stop_within(mut self, limit: Duration) -> bool {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.served.take() {
            Some(served) => matches!(tokio::time::timeout(limit, served).await, Ok(Ok(Ok(())))),
            None => true,
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A header value from arbitrary bytes (for malformed headers).
pub fn raw_header(bytes: &[u8]) -> HeaderValue {
    HeaderValue::from_bytes(bytes).expect("a header value")
}

/// Server-sent events read off a streaming response.
pub struct Sse {
    stream: std::pin::Pin<
        Box<dyn futures_util::Stream<Item = reqwest::Result<axum::body::Bytes>> + Send>,
    >,
    buffer: String,
}

/// One server-sent event.
#[derive(Debug, Clone, Default)]
pub struct SseEvent {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: String,
}

impl SseEvent {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data).expect("event data is JSON")
    }
}

impl Sse {
    /// Opens `GET /api/v1/events/stream` as `token` and checks it is an event stream.
    pub async fn open(server: &TestServer, token: &str, last_event_id: Option<i64>) -> Sse {
        Sse::open_at(server, "/events/stream", token, last_event_id).await
    }

    /// Opens the stream at `path` (to pass query parameters).
    pub async fn open_at(
        server: &TestServer,
        path: &str,
        token: &str,
        last_event_id: Option<i64>,
    ) -> Sse {
        let mut rb = server
            .http
            .get(server.url(path))
            .bearer_auth(token)
            .timeout(Duration::from_secs(3600));
        if let Some(id) = last_event_id {
            rb = rb.header("Last-Event-ID", id.to_string());
        }
        let response = rb.send().await.expect("stream opens");
        assert_eq!(response.status(), StatusCode::OK);
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(
            content_type.starts_with("text/event-stream"),
            "content type {content_type}"
        );
        Sse {
            stream: Box::pin(response.bytes_stream()),
            buffer: String::new(),
        }
    }

    /// The next event (comments and keep-alives skipped); `None` when the server ended
    /// the stream.
    pub async fn next(&mut self) -> Option<SseEvent> {
        use futures_util::StreamExt;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = SseEvent::default();
                let mut has_field = false;
                for line in block.lines() {
                    let (name, value) = match line.split_once(':') {
                        Some((n, v)) => (n, v.strip_prefix(' ').unwrap_or(v)),
                        None => (line, ""),
                    };
                    match name {
                        "" => {}
                        "id" => {
                            event.id = Some(value.to_string());
                            has_field = true;
                        }
                        "event" => {
                            event.event = Some(value.to_string());
                            has_field = true;
                        }
                        "data" => {
                            if !event.data.is_empty() {
                                event.data.push('\n');
                            }
                            event.data.push_str(value);
                            has_field = true;
                        }
                        _ => {}
                    }
                }
                if has_field {
                    return Some(event);
                }
                continue;
            }
            match self.stream.next().await {
                Some(Ok(chunk)) => {
                    self.buffer
                        .push_str(&String::from_utf8_lossy(&chunk).replace("\r\n", "\n"));
                }
                Some(Err(_)) | None => return None,
            }
        }
    }

    /// The next event within `within`, or `None` if none came (or the stream ended).
    pub async fn next_within(&mut self, within: Duration) -> Option<SseEvent> {
        tokio::time::timeout(within, self.next())
            .await
            .ok()
            .flatten()
    }
}
