//! The FastAPI helpdesk surface's own description of itself, as the original served it
//! at `/openapi.json` and `/redoc`: its clients' generators and the people migrating
//! read it. Written by hand, because the surface's shapes are the seed's, not desk's
//! types; served offline (the `/redoc` page is plain HTML, no script from elsewhere).

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

fn int_param(name: &str, place: &str, required: bool) -> Value {
    json!({"name": name, "in": place, "required": required, "schema": {"type": "integer"}})
}

fn ok(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn invalid() -> Value {
    ok("Validation Error", reference("HTTPValidationError"))
}

fn op(summary: &str, params: Vec<Value>, body: Option<&str>, answer: Value) -> Value {
    let mut o = json!({
        "summary": summary,
        "parameters": params,
        "responses": {"200": answer, "422": invalid()},
    });
    if let Some(schema) = body {
        o["requestBody"] = json!({"required": true,
            "content": {"application/json": {"schema": reference(schema)}}});
    }
    o
}

fn object(required: &[&str], props: &[(&str, &str)]) -> Value {
    let properties: Map<String, Value> = props
        .iter()
        .map(|(k, t)| ((*k).to_string(), json!({"type": t})))
        .collect();
    json!({"type": "object", "required": required, "properties": properties})
}

/// The OpenAPI 3.1 document of the helpdesk surface.
pub(super) fn document() -> Value {
    let id = || int_param("ticket_id", "path", true);
    let user = || int_param("user_id", "query", true);
    let list = |s: &str| json!({"type": "array", "items": reference(s)});
    let any = json!({"type": "object"});
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Helpdesk API (served by desk)",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The FastAPI helpdesk's wire format, answered by desk: ticket \
                `id` N is desk ticket N and `ticket_number` its key. Send a desk token \
                (`Authorization: Bearer`) unless the operator made this surface anonymous.",
        },
        "paths": {
            "/": {"get": op("Root", vec![], None, ok("Running", any.clone()))},
            "/health": {"get": op("Health", vec![], None, ok("Healthy", any.clone()))},
            "/tickets": {
                "get": op("List tickets, newest first", vec![
                    json!({"name": "limit", "in": "query", "schema":
                        {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}}),
                    json!({"name": "offset", "in": "query", "schema":
                        {"type": "integer", "minimum": 0, "default": 0}}),
                    int_param("status_id", "query", false),
                    int_param("priority_id", "query", false),
                    int_param("category_id", "query", false),
                ], None, ok("Tickets", list("Ticket"))),
                "post": op("Create a ticket", vec![], Some("TicketCreate"),
                    ok("Created", object(&["message", "ticket_id", "ticket_number"],
                        &[("message", "string"), ("ticket_id", "integer"),
                          ("ticket_number", "string")]))),
            },
            "/tickets/{ticket_id}": {
                "get": op("One ticket", vec![id()], None, ok("The ticket", reference("Ticket"))),
                "put": op("Update a ticket as user_id", vec![id(), user()], Some("TicketUpdate"),
                    ok("Updated", object(&["message"], &[("message", "string")]))),
            },
            "/tickets/{ticket_id}/comments": {
                "get": op("Public comments", vec![id()], None, ok("Comments", json!({"type": "array"}))),
                "post": op("Comment as user_id", vec![id(), user()], Some("CommentCreate"),
                    ok("Added", object(&["message", "comment_id"],
                        &[("message", "string"), ("comment_id", "integer")]))),
            },
            "/tickets/{ticket_id}/history": {
                "get": op("Changes, as {id, ticket_id, user_id, action: updated_<field>, \
                    old_value, new_value, created_at, username, full_name}",
                    vec![id()], None, ok("History", json!({"type": "array"}))),
            },
            "/categories": {"get": op("Categories", vec![], None, ok("Categories", json!({"type": "array"})))},
            "/priorities": {"get": op("Priorities", vec![], None, ok("Priorities", json!({"type": "array"})))},
            "/statuses": {"get": op("Statuses", vec![], None, ok("Statuses", json!({"type": "array"})))},
            "/users": {"get": op("People (staff only)", vec![], None, ok("People", json!({"type": "array"})))},
            "/stats": {"get": op("Counts", vec![], None, ok("Counts", any.clone()))},
            "/search": {"get": op("Search", vec![
                json!({"name": "query", "in": "query", "required": true,
                    "schema": {"type": "string", "minLength": 2}}),
                json!({"name": "limit", "in": "query", "schema":
                    {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}}),
            ], None, ok("Results", any.clone()))},
            "/dashboard": {"get": op("Stats and recent tickets", vec![], None, ok("Dashboard", any))},
        },
        "components": {"schemas": {
            "Ticket": object(&["id", "ticket_number", "title"], &[
                ("id", "integer"), ("ticket_number", "string"), ("title", "string"),
                ("description", "string"), ("user_id", "integer"), ("category_id", "integer"),
                ("priority_id", "integer"), ("status_id", "integer"), ("assigned_to", "integer"),
                ("created_at", "string"), ("updated_at", "string"), ("resolved_at", "string"),
                ("due_date", "string"), ("tags", "string"),
            ]),
            "TicketCreate": object(&["title", "description", "user_id", "category_id", "priority_id"], &[
                ("title", "string"), ("description", "string"), ("user_id", "integer"),
                ("category_id", "integer"), ("priority_id", "integer"), ("tags", "string"),
            ]),
            "TicketUpdate": object(&[], &[
                ("title", "string"), ("description", "string"), ("category_id", "integer"),
                ("priority_id", "integer"), ("status_id", "integer"), ("assigned_to", "integer"),
                ("tags", "string"),
            ]),
            "CommentCreate": object(&["comment"], &[("comment", "string"), ("is_internal", "boolean")]),
            "ValidationError": object(&["type", "loc", "msg"], &[
                ("type", "string"), ("loc", "array"), ("msg", "string"),
            ]),
            "HTTPValidationError": {"type": "object", "properties":
                {"detail": {"type": "array", "items": reference("ValidationError")}}},
        }},
    })
}

pub(super) async fn openapi() -> Response {
    axum::Json(document()).into_response()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The document as a readable page, in place of ReDoc's script (which would have to be
/// fetched from elsewhere).
pub(super) async fn redoc() -> Response {
    let doc = document();
    let mut html = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Helpdesk API</title>\
         <style>body{font-family:sans-serif;max-width:60em;margin:2em auto}\
         code{background:#f4f4f4;padding:0 .2em}</style></head><body>",
    );
    html.push_str(&format!(
        "<h1>{}</h1><p>{}</p><p>Machine-readable: <a href=\"/openapi.json\">/openapi.json</a></p>",
        escape(doc["info"]["title"].as_str().unwrap_or_default()),
        escape(doc["info"]["description"].as_str().unwrap_or_default())
    ));
    if let Some(paths) = doc["paths"].as_object() {
        for (path, methods) in paths {
            let Some(methods) = methods.as_object() else {
                continue;
            };
            for (method, op) in methods {
                html.push_str(&format!(
                    "<h2><code>{} {}</code></h2><p>{}</p>",
                    escape(&method.to_uppercase()),
                    escape(path),
                    escape(op["summary"].as_str().unwrap_or_default())
                ));
                let params: Vec<String> = op["parameters"]
                    .as_array()
                    .map(|ps| {
                        ps.iter()
                            .map(|p| {
                                format!(
                                    "<code>{}</code> ({})",
                                    escape(p["name"].as_str().unwrap_or_default()),
                                    escape(p["in"].as_str().unwrap_or_default())
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                if !params.is_empty() {
                    html.push_str(&format!("<p>Parameters: {}</p>", params.join(", ")));
                }
            }
        }
    }
    html.push_str("</body></html>");
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}
