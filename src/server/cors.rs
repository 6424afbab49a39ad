//! Cross-origin answers for the browser pages that call desk from their own origin (the
//! seed systems' tracker pages, React apps and dashboards). Off until the operator lists
//! origins in `[server] cors_origins`; nothing is implied.
//!
//! desk's tokens travel in headers the page sets itself (`Authorization`, `X-API-Key`),
//! never in cookies, so `Access-Control-Allow-Credentials` is never sent: a listed origin
//! can call desk with a token it holds, and no page can ride on a browser's cookies.

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::App;

/// Who may call from a browser on another origin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CorsOrigins {
    /// No CORS headers at all (the default).
    #[default]
    Off,
    /// Exactly these origins (`scheme://host[:port]`), on every surface.
    List(Vec<String>),
    /// `"*"`: any origin, but only on surfaces whose calls take no token, since a page
    /// from anywhere should not be handed a surface meant for signed-in staff.
    Any,
}

impl CorsOrigins {
    /// From the config's list; the config has already checked each entry.
    pub fn from_config(origins: &[String]) -> CorsOrigins {
        if origins.is_empty() {
            CorsOrigins::Off
        } else if origins.iter().any(|o| o == "*") {
            CorsOrigins::Any
        } else {
            CorsOrigins::List(origins.to_vec())
        }
    }

    /// Says at start what is open to other origins.
    pub(super) fn announce(&self) {
        match self {
            CorsOrigins::Off => {}
            CorsOrigins::List(list) => {
                tracing::info!("CORS: answering browser calls from {}", list.join(", "));
            }
            CorsOrigins::Any => tracing::warn!(
                "CORS: cors_origins = [\"*\"] lets a web page from any origin call the surfaces \
                 that take no token (intake, tracking lookups, anonymous compat surfaces); \
                 /api/v1 and the surfaces that take tokens get no CORS headers: list exact \
                 origins to open them"
            ),
        }
    }

    /// The layer for a surface; `credentials` says whether its calls take a token.
    fn layer(&self, credentials: bool) -> Option<CorsLayer> {
        let origins = match self {
            CorsOrigins::Off => return None,
            CorsOrigins::Any if credentials => return None,
            CorsOrigins::Any => AllowOrigin::any(),
            CorsOrigins::List(list) => {
                let values: Vec<HeaderValue> = list
                    .iter()
                    .filter_map(|o| HeaderValue::from_str(o).ok())
                    .collect();
                AllowOrigin::list(values)
            }
        };
        Some(
            CorsLayer::new()
                .allow_origin(origins)
                .allow_methods([
                    Method::GET,
                    Method::POST,
                    Method::PUT,
                    Method::PATCH,
                    Method::DELETE,
                    Method::OPTIONS,
                ])
                .allow_headers([
                    header::CONTENT_TYPE,
                    header::AUTHORIZATION,
                    HeaderName::from_static("x-api-key"),
                    header::IF_MATCH,
                    header::IF_NONE_MATCH,
                ])
                .expose_headers([header::ETAG, header::LOCATION])
                .max_age(std::time::Duration::from_secs(600)),
        )
    }

    /// `routes` with CORS answers when this policy opens them. Put outside any rate
    /// limit, so that preflights cost nothing and a 429 still reaches the page readably.
    pub(crate) fn apply(&self, routes: Router<App>, credentials: bool) -> Router<App> {
        match self.layer(credentials) {
            Some(layer) => routes
                .layer(layer)
                .layer(axum::middleware::from_fn(preflight_no_content)),
            None => routes,
        }
    }
}

/// tower-http answers a preflight with an empty 200; the seeds' servers (and browsers'
/// expectations for a bodiless answer) say 204.
async fn preflight_no_content(request: Request, next: Next) -> Response {
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = next.run(request).await;
    if preflight && response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::NO_CONTENT;
    }
    response
}
