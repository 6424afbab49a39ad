//! What the compat suites share: a server with one surface switched on, and requests to
//! paths outside `/api/v1` with raw bodies, as the seed clients send them.
#![allow(dead_code)]

use desk::server::ServerOptions;
use desk::server::compat::{CompatOptions, Surface};
use reqwest::Method;
use serde_json::Value;

use super::server::{Reply, TestServer, send};

pub const ON: Surface = Surface {
    enabled: true,
    anonymous: false,
};

pub const ANONYMOUS: Surface = Surface {
    enabled: true,
    anonymous: true,
};

/// Server options with the surfaces `pick` turns on.
pub fn options(pick: impl FnOnce(&mut CompatOptions)) -> ServerOptions {
    let mut compat = CompatOptions::default();
    pick(&mut compat);
    ServerOptions {
        compat,
        ..ServerOptions::default()
    }
}

/// A request to `path` as given (not under `/api/v1`).
pub fn at(
    s: &TestServer,
    method: Method,
    path: &str,
    token: Option<&str>,
) -> reqwest::RequestBuilder {
    let rb = s.http.request(method, format!("{}{path}", s.base));
    match token {
        Some(t) => rb.bearer_auth(t),
        None => rb,
    }
}

pub async fn get(s: &TestServer, path: &str, token: Option<&str>) -> Reply {
    send(at(s, Method::GET, path, token)).await
}

pub async fn json(
    s: &TestServer,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> Reply {
    send(at(s, method, path, token).json(&body)).await
}

/// A body that is not JSON, labelled as JSON, as a broken client sends it.
pub async fn garbage(s: &TestServer, method: Method, path: &str, token: Option<&str>) -> Reply {
    send(
        at(s, method, path, token)
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await
}
