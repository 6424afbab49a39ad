//! The checks shared by the file and the environment. Each says what it expected, as
//! that is what the person fixing the value needs.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Deserializer};

use super::{MAX_REFRESH_INTERVAL, MAX_TOKEN_TTL_HOURS};
use crate::domain::key::valid_prefix;
use crate::domain::model::Role;

pub(super) fn key_prefix(s: String) -> Result<String, String> {
    if valid_prefix(&s) {
        Ok(s)
    } else {
        Err(format!(
            "expected 1 to 10 uppercase ASCII letters like `TKT`, found `{s}`"
        ))
    }
}

pub(super) fn role(s: String) -> Result<Role, String> {
    s.parse()
}

fn refresh_expected() -> String {
    format!("expected a whole number of seconds from 0 (off) to {MAX_REFRESH_INTERVAL}")
}

pub(super) fn refresh_interval(secs: u64) -> Result<u64, String> {
    if secs <= MAX_REFRESH_INTERVAL {
        Ok(secs)
    } else {
        Err(format!("{}, found {secs}", refresh_expected()))
    }
}

/// The environment's version: text, not a TOML integer.
pub(super) fn refresh_interval_text(s: String) -> Result<u64, String> {
    let secs = s.trim().parse().map_err(|_| refresh_expected())?;
    refresh_interval(secs)
}

pub(super) fn token_ttl(hours: u64) -> Result<u64, String> {
    if (1..=MAX_TOKEN_TTL_HOURS).contains(&hours) {
        Ok(hours)
    } else {
        Err(format!(
            "expected a number of hours from 1 to {MAX_TOKEN_TTL_HOURS}, found {hours}"
        ))
    }
}

/// A number of seconds within `range`.
fn secs_within(secs: u64, range: std::ops::RangeInclusive<u64>) -> Result<u64, String> {
    if range.contains(&secs) {
        Ok(secs)
    } else {
        Err(format!(
            "expected a number of seconds from {} to {}, found {secs}",
            range.start(),
            range.end()
        ))
    }
}

/// `[server] max_connections`: at least 1, at most a million.
pub(super) fn max_connections(n: u64) -> Result<Option<usize>, String> {
    match usize::try_from(n) {
        Ok(n) if (1..=1_000_000).contains(&n) => Ok(Some(n)),
        _ => Err(format!(
            "expected a number of connections from 1 to 1000000, found {n}"
        )),
    }
}

pub(super) fn url(s: String) -> Result<String, String> {
    let rest = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"));
    match rest {
        // Without the trailing slash, so API paths can be appended as they are.
        Some(host) if !host.trim_end_matches('/').is_empty() => {
            Ok(s.trim_end_matches('/').to_owned())
        }
        _ => Err(format!(
            "expected an http:// or https:// URL like `http://host:7420`, found `{s}`"
        )),
    }
}

pub(super) fn listen(s: String) -> Result<String, String> {
    // A host name is fine too (`localhost:7420`), so this is not a `SocketAddr` parse.
    match s.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => Ok(s),
        _ => Err(format!(
            "expected HOST:PORT like `127.0.0.1:7420`, found `{s}`"
        )),
    }
}

pub(super) fn email(s: String) -> Result<String, String> {
    match s.split_once('@') {
        Some((user, host))
            if !user.is_empty() && !host.is_empty() && !s.contains(char::is_whitespace) =>
        {
            Ok(s)
        }
        _ => Err(format!(
            "expected an email address like `me@example.com`, found `{s}`"
        )),
    }
}

pub(super) fn non_empty(s: String) -> Result<String, String> {
    if s.trim().is_empty() {
        Err("expected a non-empty string".to_owned())
    } else {
        Ok(s)
    }
}

/// `[server] cors_origins`: exact origins as a browser sends them in `Origin`
/// (`scheme://host[:port]`, no path, no trailing slash), or `"*"` alone.
pub(super) fn cors_origins(list: Vec<String>) -> Result<Vec<String>, String> {
    if list.iter().any(|o| o == "*") {
        return if list.len() == 1 {
            Ok(list)
        } else {
            Err("`\"*\"` cannot be mixed with exact origins: give one or the other".to_owned())
        };
    }
    for o in &list {
        let rest = o
            .strip_prefix("http://")
            .or_else(|| o.strip_prefix("https://"));
        let ok = rest.is_some_and(|host| {
            !host.is_empty()
                && !host.contains(['/', '?', '#', '*', ' '])
                && host.chars().all(|c| c.is_ascii_graphic())
        });
        if !ok {
            return Err(format!(
                "expected exact origins like `http://localhost:3000` (scheme, host and port, \
                 no path or trailing slash) or `\"*\"`, found `{o}`"
            ));
        }
    }
    Ok(list)
}

/// `[compat.reports] categories`: at least one, none blank or repeated.
pub(super) fn report_categories(list: Vec<String>) -> Result<Vec<String>, String> {
    let list: Vec<String> = list.into_iter().map(|c| c.trim().to_owned()).collect();
    if list.is_empty() || list.iter().any(String::is_empty) {
        return Err("expected a list of non-empty category names".to_owned());
    }
    for (i, c) in list.iter().enumerate() {
        if list[..i].iter().any(|d| d.eq_ignore_ascii_case(c)) {
            return Err(format!("category `{c}` is listed twice"));
        }
    }
    Ok(list)
}

/// `[compat.helpdesk.ids.*]`: keys are the original's ids (whole numbers from 1), values
/// name desk rows; two ids naming one row would give it two numbers, so that is refused.
pub(super) fn original_ids(raw: BTreeMap<String, String>) -> Result<BTreeMap<i64, String>, String> {
    let mut ids = BTreeMap::new();
    for (key, name) in raw {
        let id = key
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|id| *id >= 1)
            .ok_or_else(|| {
                format!("expected the original's ids (1, 2, ...) as keys, found `{key}`")
            })?;
        let name = name.trim().to_owned();
        if name.is_empty() {
            return Err(format!(
                "id {id} names nothing: expected a name or an email"
            ));
        }
        if let Some((other, _)) = ids
            .iter()
            .find(|(_, n): &(&i64, &String)| n.eq_ignore_ascii_case(&name))
        {
            return Err(format!("`{name}` is given two ids, {other} and {id}"));
        }
        ids.insert(id, name);
    }
    Ok(ids)
}

/// Defines a `deserialize_with` function that reads a `$raw` and passes it through a
/// check, so the error carries the value's span and the check's message.
macro_rules! checked {
    ($name:ident: $raw:ty => $out:ty, $check:expr) => {
        pub(super) fn $name<'de, D: Deserializer<'de>>(d: D) -> Result<$out, D::Error> {
            let raw = <$raw>::deserialize(d)?;
            ($check)(raw).map_err(serde::de::Error::custom)
        }
    };
}

checked!(de_key_prefix: String => String, key_prefix);
checked!(de_attachment_store: String => String, attachment_store);
checked!(de_max_bytes: u64 => u64, max_bytes);

pub(super) fn attachment_store(s: String) -> Result<String, String> {
    match crate::store::attachments::ContentStore::parse(&s) {
        Some(_) => Ok(s),
        None => Err(format!(
            "expected `db` or `dir:PATH` (a directory for the files), found `{s}`"
        )),
    }
}

pub(super) fn max_bytes(n: u64) -> Result<u64, String> {
    if n >= 1 {
        Ok(n)
    } else {
        Err("expected a number of bytes from 1, found 0".into())
    }
}
checked!(de_smtp_url: String => String, smtp_url);
checked!(de_mailbox_opt: String => String, mailbox_opt);

pub(super) fn smtp_url(s: String) -> Result<String, String> {
    if s.trim().is_empty() {
        return Ok(String::new());
    }
    crate::domain::mail::SmtpTarget::parse(&s).map(|_| s)
}

/// An address with an optional display name, or nothing (the setting is off).
pub(super) fn mailbox_opt(s: String) -> Result<String, String> {
    if s.trim().is_empty() {
        return Ok(String::new());
    }
    match s.trim().parse::<lettre::message::Mailbox>() {
        Ok(_) => Ok(s.trim().to_string()),
        Err(e) => Err(format!(
            "expected an address like `Support <support@example.com>`, found `{s}` ({e})"
        )),
    }
}

checked!(de_role: String => Role, role);
checked!(de_notify: Vec<String> => Vec<String>, notify);

/// `[ui] notify`: the events the TUI rings for.
pub(super) fn notify(list: Vec<String>) -> Result<Vec<String>, String> {
    for n in &list {
        let ok = match n.split_once(':') {
            Some(("new_in_view", view)) => !view.trim().is_empty(),
            Some(_) => false,
            None => matches!(n.as_str(), "assigned_to_me" | "approval_waiting"),
        };
        if !ok {
            return Err(format!(
                "expected \"assigned_to_me\", \"approval_waiting\" or \"new_in_view:VIEW\", found `{n}`"
            ));
        }
    }
    Ok(list)
}
checked!(de_refresh_interval: u64 => u64, refresh_interval);
checked!(de_token_ttl: u64 => u64, token_ttl);
checked!(de_header_timeout: u64 => u64, |s| secs_within(s, 1..=3600));
checked!(de_idle_timeout: u64 => u64, |s| secs_within(s, 1..=86_400));
checked!(de_max_connections: u64 => Option<usize>, max_connections);
checked!(de_url: String => Option<String>, |s| url(s).map(Some));
checked!(de_listen: String => String, listen);
checked!(de_database_url: String => Option<String>, |s| non_empty(s).map(Some));
checked!(de_email: String => String, email);
checked!(de_non_empty: String => String, non_empty);
checked!(de_cors_origins: Vec<String> => Vec<String>, cors_origins);
checked!(de_report_categories: Vec<String> => Vec<String>, report_categories);
checked!(de_original_ids: BTreeMap<String, String> => BTreeMap<i64, String>, original_ids);
checked!(de_path: String => PathBuf, |s| non_empty(s).map(PathBuf::from));
checked!(de_opt_path: String => Option<PathBuf>, |s| non_empty(s).map(|s| Some(home_path(&s))));

/// `~/x` as the user means it.
fn home_path(s: &str) -> PathBuf {
    match (s.strip_prefix("~/"), directories::BaseDirs::new()) {
        (Some(rest), Some(dirs)) => dirs.home_dir().join(rest),
        _ => PathBuf::from(s),
    }
}
