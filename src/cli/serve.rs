//! `desk serve`.

use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr};

use crate::config::Loaded;
use crate::server::compat::{CompatOptions, HelpdeskIds, Surface};
use crate::server::{App, Bound, Limits, ServerOptions, shutdown_signal};
use crate::service::Service;
use crate::store::Store;

use super::{ServeArgs, server_database, service_config};

pub async fn run(loaded: &Loaded, args: ServeArgs) -> Result<i32> {
    init_logging();
    let listen = args
        .listen
        .clone()
        .unwrap_or_else(|| loaded.config.server.listen.clone());
    let database = server_database(loaded, args.db.as_deref());
    let store = Store::open(&database)
        .await
        .wrap_err("desk serve cannot start")?;
    let mut config = service_config(loaded);
    let mail = mail_setup(&loaded.config.mail)?;
    if let Some((policy, _)) = &mail {
        config.mail = Some(policy.clone());
    }
    let service = Service::new(store, config);
    service.seed_defaults().await?;
    let orphans = crate::service::remove_orphan_spools();
    if orphans > 0 {
        tracing::info!("removed {orphans} half-received upload(s) left by a server that stopped");
    }
    if args.demo {
        let tickets = service.count_tickets_unscoped().await?;
        if tickets == 0 {
            let served = crate::demo::load_for_serving(&service).await?;
            if served.new_accounts.is_empty() {
                tracing::info!(
                    "loaded the demo desk: {} tickets; its accounts already existed and keep their passwords",
                    served.tickets
                );
            } else {
                tracing::info!(
                    "loaded the demo desk: {} tickets; the new demo accounts ({}) sign in with password `{}`",
                    served.tickets,
                    served.new_accounts.join(", "),
                    crate::demo::DEMO_PASSWORD
                );
            }
        } else {
            tracing::warn!("--demo ignored: the database already holds {tickets} tickets");
        }
    }
    if loaded.config.compat.helpdesk.enabled {
        warn_unresolved_helpdesk_ids(&service, &loaded.config.compat.helpdesk.ids).await?;
    }
    let server = &loaded.config.server;
    let limits = Limits {
        header_timeout: Duration::from_secs(server.header_timeout_secs),
        idle_timeout: Duration::from_secs(server.idle_timeout_secs),
        max_connections: server
            .max_connections
            .unwrap_or_else(crate::server::default_max_connections),
    };
    if let Some(files) = crate::server::open_files_limit()
        && limits.max_connections as u64 >= files
    {
        tracing::warn!(
            "[server] max_connections = {} is not below the open-files limit ({files}): \
             a flood of connections can make accepting fail",
            limits.max_connections
        );
    }
    tracing::info!(
        "serving at most {} connections at once; request heads within {} s, idle connections closed after {} s",
        limits.max_connections,
        server.header_timeout_secs,
        server.idle_timeout_secs
    );
    let app = App::new(
        service.clone(),
        ServerOptions {
            limits,
            token_ttl_hours: loaded.config.server.token_ttl_hours,
            compat: compat_options(&loaded.config.compat),
            cors: crate::server::CorsOrigins::from_config(&loaded.config.server.cors_origins),
            show_assignee: loaded.config.pages.show_assignee,
            public_url: loaded.config.server.public_url.clone(),
            pages: crate::server::PagesOptions {
                enabled: loaded.config.pages.enabled,
                allow_replies: loaded.config.pages.allow_replies,
                allow_reopen: loaded.config.pages.allow_reopen,
                ..crate::server::PagesOptions::default()
            },
            webhooks_allow_private: loaded.config.webhooks.allow_private,
            ..ServerOptions::default()
        },
    );
    let notifications = &loaded.config.notifications;
    // Started before the server listens, so nothing committed through it is missed
    // (and the cursor carries over restarts anyway).
    let dispatcher = notifications.enabled.then(|| {
        crate::delivery::Dispatcher::start(
            service.clone(),
            crate::delivery::DeliveryOptions {
                retry_base: Duration::from_secs(notifications.retry_base_secs.max(1)),
                retry_cap: Duration::from_secs(notifications.retry_cap_secs.max(1)),
                max_attempts: i64::from(notifications.max_attempts.max(1)),
                webhook_timeout: Duration::from_secs(loaded.config.webhooks.timeout_secs.max(1)),
                allow_private: loaded.config.webhooks.allow_private,
                mail: mail.as_ref().map(|(_, server)| server.clone()),
                ..Default::default()
            },
        )
    });
    let bound = Bound::bind(&listen, app)
        .await
        .wrap_err("desk serve cannot start")?;
    let addr = bound.local_addr()?;
    if let Some((policy, server)) = &mail {
        let base = loaded
            .config
            .server
            .public_url
            .clone()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| format!("http://{addr}"));
        let _ = policy.link_base.set(base);
        tracing::info!(
            "email notifications from {} through {:?}",
            policy.from,
            server
        );
    }
    tracing::info!(
        "desk serve listening on http://{addr} (database: {})",
        crate::store::redact(&database)
    );
    bound.serve(shutdown_signal()).await?;
    if let Some(d) = &dispatcher {
        d.stop();
    }
    service.store().close().await;
    tracing::info!("desk serve stopped");
    Ok(0)
}

fn compat_options(c: &crate::config::Compat) -> CompatOptions {
    let surface = |s: crate::config::CompatSurface| Surface {
        enabled: s.enabled,
        anonymous: s.anonymous,
    };
    CompatOptions {
        tracking: surface(c.tracking),
        intake: surface(c.intake),
        service_requests: surface(c.service_requests),
        reports: surface(c.reports.surface()),
        report_categories: c.reports.categories.clone(),
        helpdesk: surface(c.helpdesk.surface()),
        helpdesk_ids: helpdesk_ids(&c.helpdesk.ids),
    }
}

/// Says which of `[compat.helpdesk.ids]` name nothing on this desk (their ids are refused
/// until they do), so a typo in a migrated team's mapping shows at start.
async fn warn_unresolved_helpdesk_ids(
    service: &Service,
    ids: &crate::config::HelpdeskIds,
) -> Result<()> {
    for line in helpdesk_ids(ids).unresolved(service).await? {
        tracing::warn!("[compat.helpdesk.ids] {line}: clients sending that id are refused");
    }
    Ok(())
}

pub(super) fn helpdesk_ids(ids: &crate::config::HelpdeskIds) -> HelpdeskIds {
    HelpdeskIds {
        categories: ids.categories.clone(),
        priorities: ids.priorities.clone(),
        users: ids.users.clone(),
    }
}

/// Logs to stderr; `RUST_LOG` picks the level (default: info).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// `[mail]` made ready: the templates loaded and checked, the SMTP server read. `None`
/// when mail is not set up (no `smtp_url` or no `from`).
fn mail_setup(
    m: &crate::config::Mail,
) -> Result<
    Option<(
        std::sync::Arc<crate::service::MailPolicy>,
        crate::delivery::MailServer,
    )>,
> {
    if m.smtp_url.trim().is_empty() || m.from.trim().is_empty() {
        if !m.smtp_url.trim().is_empty() || !m.from.trim().is_empty() {
            tracing::warn!("[mail] needs both smtp_url and from; email notifications are off");
        }
        return Ok(None);
    }
    // Both were checked when the config was read; this names them again if not.
    let target = crate::domain::mail::SmtpTarget::parse(&m.smtp_url)
        .map_err(|e| color_eyre::eyre::eyre!("[mail] smtp_url: {e}"))?;
    let reply_to = Some(m.reply_to.trim()).filter(|r| !r.is_empty());
    let policy =
        crate::service::MailPolicy::new(m.from.trim(), reply_to, m.notify, m.templates.as_deref())
            .wrap_err("[mail] cannot be used")?;
    let password = std::env::var("DESK_MAIL_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    Ok(Some((
        std::sync::Arc::new(policy),
        crate::delivery::MailServer { target, password },
    )))
}
