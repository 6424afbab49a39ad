//! Every integration test in one binary: one link instead of one per file, which was
//! most of CI's time on two cores. Each module is one area; `common` and `cli_common`
//! hold the real desk, server and CLI sandboxes they share.

mod cli_common;
mod common;

mod api_attachments;
mod api_authz;
mod api_day;
mod api_http;
mod api_malformed;
mod api_openapi;
mod api_tokens;
mod approval_gate;
mod cli_dump;
mod cli_local;
mod cli_remote;
mod compat_helpdesk;
mod compat_helpdesk_ids;
mod compat_intake;
mod compat_malformed;
mod compat_reports;
mod compat_service_documents;
mod compat_service_requests;
mod compat_tracking;
mod conflicts;
mod generate;
mod list_sort;
mod notify_mail;
mod notify_webhooks;
mod pages_browser;
mod pages_files;
mod pages_http;
mod pg_instances;
mod pg_migrate;
mod query_sql;
mod roles;
mod server_limits;
mod sla;
mod smoke;
mod smtp_harness;
mod stats_counts;
mod store;
mod tui_attachments;
mod tui_headless;
mod tui_notify;
mod tui_pty;
mod tui_snapshots;
mod validation;
mod workflow;
