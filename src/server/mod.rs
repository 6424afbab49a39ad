//! `desk serve`: HTTP in front of the service. Handlers translate requests into service
//! calls and answers back; every rule lives in the service.

mod attachments;
mod auth;
pub mod compat;
mod conn;
mod cors;
mod error;
mod etag;
mod extract;
mod feed;
mod notify;
mod openapi;
mod pages;
mod reference;
mod tickets;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_governor::GovernorLayer;
use tower_governor::governor::GovernorConfigBuilder;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::service::Service;

pub use conn::{Limits, default_max_connections, open_files_limit};
pub use cors::CorsOrigins;
pub use error::ApiError;
pub use pages::PagesOptions;

/// Request bodies above this are refused with 413.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// How the server behaves, from the config and the command line.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub token_ttl_hours: u64,
    /// Login attempts per address: a burst, then one every `login_period`.
    pub login_burst: u32,
    pub login_period: Duration,
    /// Anonymous lookups (tracking) per address, likewise.
    pub anonymous_burst: u32,
    pub anonymous_period: Duration,
    pub request_timeout: Duration,
    /// Whether customers tracking a ticket see the assignee's name.
    pub show_assignee: bool,
    /// Which seed-compatible surfaces are served, and how.
    pub compat: compat::CompatOptions,
    /// The customer pages (`/track`, `/new`).
    pub pages: PagesOptions,
    /// Which browser origins may call `/api/v1` and the compat surfaces.
    pub cors: CorsOrigins,
    /// Header-read and idle timeouts, and the cap on connections.
    pub limits: Limits,
    /// `[server] public_url`: how people reach this server, for the links it hands out.
    pub public_url: Option<String>,
    /// `[webhooks] allow_private`: webhooks may point at loopback and private addresses.
    pub webhooks_allow_private: bool,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            token_ttl_hours: 720,
            login_burst: 10,
            login_period: Duration::from_secs(6),
            anonymous_burst: 30,
            anonymous_period: Duration::from_secs(1),
            request_timeout: Duration::from_secs(30),
            show_assignee: true,
            compat: compat::CompatOptions::default(),
            pages: PagesOptions::default(),
            cors: CorsOrigins::Off,
            limits: Limits::default(),
            public_url: None,
            webhooks_allow_private: false,
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct App {
    pub service: Service,
    pub options: Arc<ServerOptions>,
    /// Where links the server hands out point: `[server] public_url`, else the address
    /// it listens on (set when it binds). Never the client's `Host` header.
    pub base_url: Arc<std::sync::OnceLock<String>>,
    /// Becomes true when the server starts shutting down, so that endless answers
    /// (event streams) end and graceful shutdown can finish.
    closing: Arc<watch::Sender<bool>>,
}

impl App {
    pub fn new(service: Service, options: ServerOptions) -> App {
        let base_url = std::sync::OnceLock::new();
        if let Some(url) = &options.public_url {
            let _ = base_url.set(url.trim_end_matches('/').to_string());
        }
        App {
            service,
            base_url: Arc::new(base_url),
            options: Arc::new(options),
            closing: Arc::new(watch::channel(false).0),
        }
    }

    fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }
}

/// One rate limit shared by every door it guards: a client gets one budget of login
/// guesses (or of anonymous lookups) whichever surface it asks through.
#[derive(Clone)]
pub(crate) struct Budget(
    Option<
        Arc<
            tower_governor::governor::GovernorConfig<
                tower_governor::key_extractor::PeerIpKeyExtractor,
                governor::middleware::NoOpMiddleware<governor::clock::QuantaInstant>,
            >,
        >,
    >,
);

impl Budget {
    /// `burst` requests per address, then one every `period`.
    pub(crate) fn new(burst: u32, period: Duration) -> Budget {
        let Some(config) = GovernorConfigBuilder::default()
            .period(period)
            .burst_size(burst.max(1))
            .finish()
        else {
            tracing::warn!("rate limit settings are invalid; the limit is off");
            return Budget(None);
        };
        let limiter = config.limiter().clone();
        // The limiter keeps a cell per address; drop the idle ones now and then.
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                limiter.retain_recent();
            }
        });
        Budget(Some(Arc::new(config)))
    }
}

/// The budgets every surface shares.
pub(crate) struct Budgets {
    pub login: Budget,
    pub lookups: Budget,
}

/// `routes` limited by `budget`, answering a refusal in desk's error format.
fn rate_limited(routes: Router<App>, budget: &Budget) -> Router<App> {
    rate_limited_as(routes, budget, |status, code, message| {
        ApiError::new(status, code, message).into_response()
    })
}

/// How a refusal by the rate limiter is worded: status, desk error code, message.
/// The seed-compatible surfaces answer in their originals' error shapes.
pub(crate) type Refusal = fn(StatusCode, &'static str, String) -> Response;

/// [`rate_limited`] with the refusal worded by `refuse`.
pub(crate) fn rate_limited_as(
    routes: Router<App>,
    budget: &Budget,
    refuse: Refusal,
) -> Router<App> {
    let Some(config) = budget.0.clone() else {
        return routes;
    };
    routes.layer(GovernorLayer::new(config).error_handler(move |e| {
        let (status, wait, message) = match e {
            tower_governor::GovernorError::TooManyRequests { wait_time, .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                wait_time.max(1),
                format!("too many requests; try again in {} s", wait_time.max(1)),
            ),
            other => (
                StatusCode::BAD_REQUEST,
                1,
                format!("cannot tell who is asking: {other}"),
            ),
        };
        let mut response = refuse(status, "rate_limited", message);
        if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }))
}

/// The whole HTTP surface.
pub fn router(app: App) -> Router {
    let options = app.options.clone();
    let upload_cap = upload_body_cap(app.service.attachment_limits());
    let budgets = Budgets {
        login: Budget::new(options.login_burst, options.login_period),
        lookups: Budget::new(options.anonymous_burst, options.anonymous_period),
    };
    let login = rate_limited(
        Router::new().route("/auth/login", post(auth::login)),
        &budgets.login,
    );
    let anonymous = rate_limited(
        Router::new().route("/track/{key}", get(feed::track)),
        &budgets.lookups,
    );
    let api = Router::new()
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route("/tickets", get(tickets::list).post(tickets::create))
        .route("/tickets/count", get(tickets::count))
        .route("/tickets/{key}", get(tickets::get).patch(tickets::edit))
        .route("/tickets/{key}/transition", post(tickets::transition))
        .route("/tickets/{key}/transitions", get(tickets::transitions))
        .route("/tickets/{key}/assign", post(tickets::assign))
        .route("/tickets/{key}/approve", post(tickets::approve))
        .route("/tickets/{key}/reject", post(tickets::reject))
        .route("/tickets/{key}/comments", post(tickets::comment))
        .route(
            "/tickets/{key}/attachments",
            get(attachments::list).post(attachments::upload),
        )
        .route(
            "/attachments/{id}",
            get(attachments::download).delete(attachments::remove),
        )
        .route("/tickets/{key}/deliveries", get(notify::ticket_deliveries))
        .route(
            "/webhooks",
            get(notify::list_webhooks).post(notify::create_webhook),
        )
        .route("/webhooks/{id}", delete(notify::delete_webhook))
        .route("/webhooks/{id}/test", post(notify::test_webhook))
        .route("/deliveries", get(notify::list_deliveries))
        .route("/deliveries/{id}", get(notify::get_delivery))
        .route("/deliveries/{id}/retry", post(notify::retry_delivery))
        .route("/changes", get(feed::changes))
        .route("/changes/head", get(feed::head))
        .route("/events/stream", get(feed::stream))
        .route("/stats", get(reference::stats))
        .route("/stats/series", get(reference::stats_series))
        .route(
            "/categories",
            get(reference::categories).post(reference::create_category),
        )
        .route("/categories/{id}", patch(reference::update_category))
        .route(
            "/priorities",
            get(reference::priorities).post(reference::create_priority),
        )
        .route("/priorities/{id}", patch(reference::update_priority))
        .route("/statuses", get(reference::statuses))
        .route("/statuses/{key}", patch(reference::rename_status))
        .route("/users", get(reference::users).post(reference::create_user))
        .route("/users/{id}", patch(reference::update_user))
        .route("/openapi.json", get(openapi::document))
        .merge(login)
        .merge(anonymous)
        .method_not_allowed_fallback(method_not_allowed);
    options.cors.announce();
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/api/v1", options.cors.apply(api, true))
        .merge(compat::routes(&options, &budgets))
        .merge(pages::routes(&options, &budgets))
        .merge(openapi::docs())
        .fallback(api_not_found)
        .with_state(app)
        // `body_limit` below sets every request's limit (uploads get theirs); axum's own
        // 2 MB default would otherwise cut every file upload over 2 MB short.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn({
            let options = options.clone();
            move |req, next| body_limit(upload_cap, options.clone(), req, next)
        }))
        // Outside the body limit, so the limit's own plain-text 413 passes through it.
        .layer(axum::middleware::map_response(json_errors))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            options.request_timeout,
        ))
        .layer(TraceLayer::new_for_http())
}

/// The most an upload's body may hold: every file at the limit, plus room for the text
/// parts and the multipart framing.
fn upload_body_cap(limits: &crate::domain::attachment::Limits) -> usize {
    let files = limits
        .max_bytes
        .saturating_mul(limits.max_per_comment as u64)
        .saturating_add(BODY_LIMIT as u64);
    usize::try_from(files).unwrap_or(usize::MAX)
}

/// Whether a request carries files: those bodies may be as large as the attachment
/// limits allow; every other body stays under [`BODY_LIMIT`].
fn is_upload(method: &axum::http::Method, path: &str) -> bool {
    method == axum::http::Method::POST
        && ((path.starts_with("/api/v1/tickets/") && path.ends_with("/attachments"))
            || path == "/api/uploads/service-documents"
            || path == "/new"
            || path == "/track/reply")
}

/// [`BODY_LIMIT`], or the upload cap for uploads: a declared length over it is refused
/// at once, and a body that runs past it is cut off (its reader sees a 413).
async fn body_limit(
    upload_cap: usize,
    options: Arc<ServerOptions>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let limit = if is_upload(req.method(), req.uri().path()) {
        upload_cap
    } else {
        BODY_LIMIT
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        let message = format!("the request body is over the limit of {limit} bytes");
        return compat::too_large(&options.compat, req.uri().path(), &message).unwrap_or_else(
            || ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message).into_response(),
        );
    }
    let req = req.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, limit)));
    next.run(req).await
}

/// Liveness
///
/// Answers while the server is up. No token needed.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "meta",
    responses((status = 200, description = "The server is up", content_type = "application/json",
        body = Object, example = json!({"status": "ok"}))),
)]
async fn healthz() -> Response {
    axum::Json(serde_json::json!({"status": "ok"})).into_response()
}

async fn api_not_found() -> ApiError {
    ApiError::not_found("no such endpoint; see /api/v1/openapi.json")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take that method; see /api/v1/openapi.json",
    )
}

/// Layers below the router (the body limit) answer in plain text; give those answers
/// desk's JSON error shape too, so clients parse every refusal the same way.
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    // Only axum's own plain-text refusals: a page's HTML answer stays a page.
    let is_plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if status == StatusCode::PAYLOAD_TOO_LARGE && is_plain {
        return ApiError::new(
            status,
            "too_large",
            format!("the request body is over the limit of {BODY_LIMIT} bytes"),
        )
        .into_response();
    }
    response
}

/// A server bound to its address, not yet serving.
pub struct Bound {
    listener: TcpListener,
    app: App,
}

impl Bound {
    /// Binds `listen` (`127.0.0.1:0` picks a free port). A taken port is a clear error.
    pub async fn bind(listen: &str, app: App) -> std::io::Result<Bound> {
        let listener = TcpListener::bind(listen).await.map_err(|e| {
            std::io::Error::new(e.kind(), format!("cannot listen on {listen}: {e}"))
        })?;
        // Without a public URL, links name the address bound (a no-op when it is set).
        let _ = app
            .base_url
            .set(format!("http://{}", listener.local_addr()?));
        Ok(Bound { listener, app })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, then lets requests in flight finish.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let closing = self.app.closing.clone();
        let shutdown = async move {
            shutdown.await;
            closing.send_replace(true);
        };
        let limits = self.app.options.limits;
        conn::serve(self.listener, router(self.app), limits, shutdown).await
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
