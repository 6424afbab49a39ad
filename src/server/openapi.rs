//! The OpenAPI document (`GET /api/v1/openapi.json`), generated from the handlers'
//! `#[utoipa::path]` annotations and the types' `ToSchema` derives, and the interactive
//! page over it (`/docs`): Swagger UI compiled into the binary, so it works with no
//! internet.
//!
//! A route added to `router()` must be added to `paths(...)` below as well;
//! `tests/it/api_openapi.rs` fails until it is.

use std::sync::OnceLock;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::{Config, SwaggerUi};

use super::{attachments, auth, feed, notify, reference, tickets};

/// Where the document is served.
pub const DOCUMENT_PATH: &str = "/api/v1/openapi.json";

/// Where the interactive page is served.
pub const DOCS_PATH: &str = "/docs";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "desk",
        version = env!("CARGO_PKG_VERSION"),
        description = "The HTTP API of desk, a support desk. Every rule (roles, workflow, SLA, \
            audit) lives in the server; this API is how clients reach it.\n\n\
            **Signing in.** `POST /api/v1/auth/login` with an email and password answers a \
            token; send it as `Authorization: Bearer <token>` (or `X-API-Key: <token>`). \
            Roles are `customer`, `agent`, `supervisor` and `admin`; each operation says who \
            may call it.\n\n\
            **Errors** are `{\"error\": {\"code\", \"message\", \"field\"?}}` with the status \
            that says whose fault it is; `code` is stable, `message` is for people.\n\n\
            **Caching and conflicts.** Reads carry a strong `ETag`; send it back in \
            `If-None-Match` to get 304. Writes to a ticket accept `If-Match: <version>` and \
            answer 412, with the ticket as it is now in `current`, when someone changed it \
            first.\n\n\
            **Limits.** Request bodies above 1 MiB get 413 (uploads: `[attachments] max_bytes` per file). Login and tracking are rate \
            limited per client address (429 with `Retry-After`).",
    ),
    paths(
        super::healthz,
        document,
        auth::login,
        auth::logout,
        auth::me,
        tickets::list,
        tickets::count,
        tickets::create,
        tickets::get,
        tickets::edit,
        tickets::transition,
        tickets::transitions,
        tickets::assign,
        tickets::approve,
        tickets::reject,
        tickets::comment,
        attachments::upload,
        attachments::list,
        attachments::download,
        attachments::remove,
        feed::changes,
        feed::head,
        feed::stream,
        feed::track,
        reference::stats,
        reference::stats_series,
        reference::categories,
        reference::create_category,
        reference::update_category,
        reference::priorities,
        reference::create_priority,
        reference::update_priority,
        reference::statuses,
        reference::rename_status,
        reference::users,
        reference::create_user,
        reference::update_user,
        notify::create_webhook,
        notify::list_webhooks,
        notify::delete_webhook,
        notify::test_webhook,
        notify::list_deliveries,
        notify::get_delivery,
        notify::retry_delivery,
        notify::ticket_deliveries,
    ),
    components(schemas(
        crate::wire::ErrorBody,
        super::feed::StreamEvent,
        crate::wire::ErrorDetail,
        crate::wire::Login,
        crate::wire::LoginAnswer,
        crate::wire::UserJson,
        crate::wire::Transition,
        crate::wire::FeedHead,
        crate::wire::AllowedTransitions,
        crate::wire::Assignment,
        crate::wire::Decision,
        crate::wire::NewComment,
        crate::domain::model::WorkflowStep,
        reference::CreateUser,
        reference::PatchUser,
        reference::CategoryBody,
        reference::PriorityBody,
        reference::RenameStatus,
        crate::domain::model::Role,
        crate::domain::model::Requester,
        crate::domain::model::UserRef,
        crate::domain::model::StatusClass,
        crate::domain::model::Status,
        crate::domain::model::Category,
        crate::domain::model::Priority,
        crate::domain::model::Visibility,
        crate::domain::model::SlaClock,
        crate::domain::model::Ticket,
        crate::domain::model::Comment,
        crate::domain::attachment::Attachment,
        crate::domain::attachment::Attached,
        crate::domain::model::EventKind,
        crate::domain::model::Event,
        crate::domain::requests::NewTicket,
        crate::domain::requests::TicketEdit,
        crate::domain::requests::TicketView,
        crate::domain::requests::TicketList,
        crate::wire::TicketCount,
        crate::domain::requests::Changes,
        crate::domain::requests::Count,
        crate::domain::requests::Stats,
        crate::domain::requests::Series,
        crate::domain::requests::SeriesDay,
        crate::service::PublicTicket,
        crate::service::PublicComment,
        crate::service::PublicEvent,
        crate::service::NewWebhook,
        crate::service::DeliveryDetail,
        crate::store::outbox::Webhook,
        crate::store::outbox::Delivery,
    )),
    modifiers(&BearerToken, &OptionalBodies),
    tags(
        (name = "auth", description = "Signing in and out, and who the token belongs to"),
        (name = "tickets", description = "Filing, reading, editing and working tickets through the workflow"),
        (name = "feed", description = "What changed: the change feed for pollers and the live event stream"),
        (name = "reference", description = "Categories, priorities, statuses and the workflow, and desk statistics"),
        (name = "people", description = "Accounts: who works the desk and who files tickets"),
        (name = "tracking", description = "A customer's view of one ticket, without an account"),
        (name = "notifications", description = "Webhooks and the outbox of notifications desk sends"),
        (name = "meta", description = "The server itself: liveness and this document"),
    )
)]
pub struct ApiDoc;

/// The `bearer` security scheme the operations refer to.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("opaque")
                    .description(Some(
                        "An opaque token from `POST /api/v1/auth/login` (they start with \
                         `desk_`). `X-API-Key: <token>` is accepted too.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Bodies that may be left out but are never `null`: utoipa describes an optional body
/// (`Option<T>`) as "T or null", and the server refuses a `null` body like any other
/// body that is not an object.
struct OptionalBodies;

impl Modify for OptionalBodies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{Ref, RefOr};
        let approve = openapi
            .paths
            .paths
            .get_mut("/api/v1/tickets/{key}/approve")
            .and_then(|item| item.post.as_mut())
            .and_then(|op| op.request_body.as_mut());
        if let Some(RefOr::T(body)) = approve {
            for content in body.content.values_mut() {
                if let RefOr::T(content) = content {
                    content.schema = Some(RefOr::Ref(Ref::from_schema_name("Decision")));
                }
            }
        }
    }
}

/// The document as JSON bytes, built on first use.
pub fn document_bytes() -> &'static [u8] {
    static DOCUMENT: OnceLock<Vec<u8>> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        // Serialising the document cannot fail: it is maps, strings and numbers.
        serde_json::to_vec(&ApiDoc::openapi()).unwrap_or_default()
    })
}

/// This document
///
/// The OpenAPI 3.1 description of this API, generated from the server's code. No token
/// needed.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "openapi_document",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object)),
)]
pub async fn document() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        document_bytes(),
    )
        .into_response()
}

/// Swagger UI at [`DOCS_PATH`], reading [`DOCUMENT_PATH`]. Its files are compiled in.
pub fn docs<S: Clone + Send + Sync + 'static>() -> Router<S> {
    SwaggerUi::new(DOCS_PATH)
        .config(
            Config::new([DOCUMENT_PATH])
                // The default sends the document to validator.swagger.io.
                .validator_url("none"),
        )
        .into()
}
