//! `desk tickets …`: every ticket operation the TUI offers, one command each.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{ArgGroup, Args, Subcommand};
use serde_json::Value;

use crate::client::Desk;
use crate::domain::model::{Event, Ticket, Visibility};
use crate::domain::requests::{NewTicket, TicketEdit, TicketList, TicketView, TimelineEntry};
use crate::domain::time::{self, Millis};
use crate::present::{self, SlaState};

use super::fail::{Fail, Outcome};
use super::input;
use super::output::{self, Format, ListFormat, Screen};
use super::table::{self, Cell, Column, Grid, Style};

/// How many tickets `tickets list` shows without `--limit` or `--all`.
pub const DEFAULT_LIMIT: u32 = 50;

#[derive(Debug, Subcommand)]
pub enum TicketsCommand {
    /// List the tickets a query matches (newest activity first).
    List(ListArgs),
    /// Show one ticket: its fields, description, custom fields and timeline.
    Show(ShowArgs),
    /// File a new ticket and print its key.
    Create(Box<CreateArgs>),
    /// Change a ticket's title, description, category, priority, tags or custom fields.
    Edit(Box<EditArgs>),
    /// Add a comment: public, or an internal note with --internal.
    Comment(CommentArgs),
    /// Assign a ticket to someone, to yourself (--me) or to nobody (--none).
    Assign(AssignArgs),
    /// Move a ticket to another status (see `desk statuses list`).
    Status(StatusArgs),
    /// Approve a request that needs approval (supervisors).
    Approve(ApproveArgs),
    /// Reject a request, with a note to the customer (supervisors).
    Reject(RejectArgs),
    /// The statuses you may move a ticket to now.
    Transitions(KeyArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// A query in the desk query language, e.g. `status:open priority:high,critical
    /// assignee:me "printer jam"`; several words are joined with spaces. Empty lists
    /// every ticket you may see. Put `--` before a query that starts with `-`.
    #[arg(value_name = "QUERY")]
    pub query: Vec<String>,
    /// Show at most N tickets [default: 50].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..), conflicts_with = "all")]
    pub limit: Option<u32>,
    /// Show every matching ticket (fetched page by page).
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The ticket's key, e.g. TKT-1042.
    #[arg(value_name = "KEY")]
    pub key: String,
    /// Print `{ticket, comments, events}` as JSON (the API's shape).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct KeyArgs {
    /// The ticket's key, e.g. TKT-1042.
    #[arg(value_name = "KEY")]
    pub key: String,
    /// Print `{"transitions": [...]}` as JSON (the API's shape).
    #[arg(long)]
    pub json: bool,
}

/// What every change accepts.
#[derive(Debug, Clone, Copy, Args)]
pub struct WriteOptions {
    /// Change the ticket only if it is still at this version (exit 1 if someone
    /// changed it since).
    #[arg(long, value_name = "VERSION")]
    pub if_version: Option<i64>,
    /// Print the result as JSON (the API's shape) instead of a summary line.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("description_source").args(["description", "description_file"])))]
pub struct CreateArgs {
    #[arg(long, value_name = "TEXT")]
    pub title: String,
    /// A category name (see `desk categories list`) [default: the desk's, General].
    #[arg(long, value_name = "NAME")]
    pub category: Option<String>,
    /// A priority name (see `desk priorities list`) [default: Medium].
    #[arg(long, value_name = "NAME")]
    pub priority: Option<String>,
    /// The description. Without this or --description-file, it is read from standard
    /// input when that is not a terminal.
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// Read the description from FILE (`-` for standard input).
    #[arg(long, value_name = "FILE")]
    pub description_file: Option<PathBuf>,
    /// A tag; repeat for more.
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// A custom field: `key=text`, or `key:=JSON` for numbers, lists and objects;
    /// repeat for more.
    #[arg(long = "field", value_name = "KEY=VALUE", value_parser = parse_field)]
    pub fields: Vec<(String, Value)>,
    /// Attach a file; repeat for more.
    #[arg(long = "attach", value_name = "FILE")]
    pub attach: Vec<PathBuf>,
    /// File on behalf of this contact (staff only) [default: you].
    #[arg(long, value_name = "EMAIL")]
    pub requester: Option<String>,
    /// The contact's name, when they have no account.
    #[arg(long, value_name = "NAME", requires = "requester")]
    pub requester_name: Option<String>,
    /// Print the new ticket as JSON (the API's shape) instead of its key.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("description_source").args(["description", "description_file"])))]
pub struct EditArgs {
    #[arg(value_name = "KEY")]
    pub key: String,
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// Read the new description from FILE (`-` for standard input).
    #[arg(long, value_name = "FILE")]
    pub description_file: Option<PathBuf>,
    #[arg(long, value_name = "NAME")]
    pub category: Option<String>,
    #[arg(long, value_name = "NAME")]
    pub priority: Option<String>,
    /// Replace all tags with these; repeat for more.
    #[arg(long = "tag", value_name = "TAG", conflicts_with_all = ["add_tags", "remove_tags", "no_tags"])]
    pub tags: Vec<String>,
    /// Remove every tag.
    #[arg(long, conflicts_with_all = ["add_tags", "remove_tags"])]
    pub no_tags: bool,
    /// Add a tag, keeping the others; repeat for more.
    #[arg(long = "add-tag", value_name = "TAG")]
    pub add_tags: Vec<String>,
    /// Remove a tag; repeat for more.
    #[arg(long = "remove-tag", value_name = "TAG")]
    pub remove_tags: Vec<String>,
    /// Set a custom field: `key=text` or `key:=JSON`; repeat for more.
    #[arg(long = "field", value_name = "KEY=VALUE", value_parser = parse_field)]
    pub fields: Vec<(String, Value)>,
    /// Remove a custom field; repeat for more.
    #[arg(long = "unset-field", value_name = "KEY")]
    pub unset_fields: Vec<String>,
    #[command(flatten)]
    pub write: WriteOptions,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("body_source").args(["body", "body_file"])))]
pub struct CommentArgs {
    #[arg(value_name = "KEY")]
    pub key: String,
    /// An internal note, never shown to customers.
    #[arg(long)]
    pub internal: bool,
    /// The comment. Without this or --body-file, it is read from standard input, or
    /// written in $EDITOR when standard input is a terminal.
    #[arg(long, value_name = "TEXT")]
    pub body: Option<String>,
    /// Read the comment from FILE (`-` for standard input).
    #[arg(long, value_name = "FILE")]
    pub body_file: Option<PathBuf>,
    /// Attach a file; repeat for more. With files, the comment text is optional.
    #[arg(long = "attach", value_name = "FILE")]
    pub attach: Vec<PathBuf>,
    #[command(flatten)]
    pub write: WriteOptions,
}

#[derive(Debug, Args)]
#[command(
    group(ArgGroup::new("who").args(["email", "me", "none"]).required(true)),
    override_usage = "desk tickets assign [OPTIONS] <KEY> <EMAIL|--me|--none>"
)]
pub struct AssignArgs {
    #[arg(value_name = "KEY")]
    pub key: String,
    /// The agent, supervisor or admin to assign.
    #[arg(value_name = "EMAIL")]
    pub email: Option<String>,
    /// Assign yourself.
    #[arg(long)]
    pub me: bool,
    /// Unassign.
    #[arg(long)]
    pub none: bool,
    #[command(flatten)]
    pub write: WriteOptions,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[arg(value_name = "KEY")]
    pub key: String,
    /// A status key, e.g. in_progress (see `desk statuses list`).
    #[arg(value_name = "STATUS")]
    pub status: String,
    /// A note for the timeline.
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    #[command(flatten)]
    pub write: WriteOptions,
}

#[derive(Debug, Args)]
pub struct ApproveArgs {
    #[arg(value_name = "KEY")]
    pub key: String,
    /// A note for the timeline.
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    #[command(flatten)]
    pub write: WriteOptions,
}

#[derive(Debug, Args)]
pub struct RejectArgs {
    #[arg(value_name = "KEY")]
    pub key: String,
    /// Why, for the customer (required).
    #[arg(long, value_name = "TEXT")]
    pub note: String,
    #[command(flatten)]
    pub write: WriteOptions,
}

/// `key=text` is a string; `key:=JSON` is any JSON value.
fn parse_field(s: &str) -> Result<(String, Value), String> {
    let (name, value) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not KEY=VALUE or KEY:=JSON"))?;
    let (name, value) = match name.strip_suffix(':') {
        Some(name) => (
            name,
            serde_json::from_str(value)
                .map_err(|e| format!("the value of `{name}` is not JSON: {e}"))?,
        ),
        None => (name, Value::String(value.to_string())),
    };
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("`{s}` has no field name before `=`"));
    }
    Ok((name.to_string(), value))
}

/// Keys are upper case (`tkt-7` is `TKT-7`).
fn key_of(given: &str) -> String {
    given.trim().to_ascii_uppercase()
}

pub async fn run(desk: &dyn Desk, cmd: TicketsCommand) -> Outcome<String> {
    match cmd {
        TicketsCommand::List(args) => list(desk, args).await,
        TicketsCommand::Show(args) => {
            let view = desk.get_ticket(&key_of(&args.key)).await?;
            if args.json {
                output::json(&view)
            } else {
                let screen = Screen::detect();
                Ok(show(&view, time::now(), screen.width))
            }
        }
        TicketsCommand::Create(args) => create(desk, *args).await,
        TicketsCommand::Edit(args) => edit(desk, *args).await,
        TicketsCommand::Comment(args) => comment(desk, args).await,
        TicketsCommand::Assign(args) => {
            let me = desk.info().user.email;
            let who = match (args.me, args.none, args.email.as_deref()) {
                (true, _, _) => Some(me.as_str()),
                (_, true, _) => None,
                (_, _, Some(email)) => Some(email),
                _ => return Err(Fail::usage("say who: EMAIL, --me or --none")),
            };
            let t = desk
                .assign(&key_of(&args.key), who, args.write.if_version)
                .await?;
            written(&t, args.write.json)
        }
        TicketsCommand::Status(args) => {
            let t = desk
                .transition(
                    &key_of(&args.key),
                    args.status.trim(),
                    args.note.as_deref(),
                    args.write.if_version,
                )
                .await?;
            written(&t, args.write.json)
        }
        TicketsCommand::Approve(args) => {
            let t = desk
                .approve(
                    &key_of(&args.key),
                    args.note.as_deref(),
                    args.write.if_version,
                )
                .await?;
            written(&t, args.write.json)
        }
        TicketsCommand::Reject(args) => {
            let t = desk
                .reject(&key_of(&args.key), &args.note, args.write.if_version)
                .await?;
            written(&t, args.write.json)
        }
        TicketsCommand::Transitions(args) => {
            let allowed = desk.allowed_transitions(&key_of(&args.key)).await?;
            if args.json {
                output::json(&serde_json::json!({ "transitions": allowed }))
            } else {
                Ok(allowed.iter().map(|s| format!("{s}\n")).collect())
            }
        }
    }
}

async fn list(desk: &dyn Desk, args: ListArgs) -> Outcome<String> {
    let query = args.query.join(" ");
    let want = if args.all {
        None
    } else {
        Some(args.limit.unwrap_or(DEFAULT_LIMIT))
    };
    let list = fetch(desk, &query, want).await?;
    match args.format.format() {
        Format::Json => output::json(&list),
        Format::Ndjson => output::ndjson(&list.tickets),
        Format::Csv => Ok(tickets_csv(&list.tickets)),
        Format::Human => {
            if list.tickets.is_empty() {
                output::note("no tickets match");
                return Ok(String::new());
            }
            if list.next_cursor.is_some() && output::stderr_is_terminal() {
                output::note(&format!(
                    "showing the first {}; --all shows every match",
                    list.tickets.len()
                ));
            }
            let screen = Screen::detect();
            Ok(tickets_table(&list.tickets, time::now()).render(screen.width, screen.colour))
        }
    }
}

/// Up to `want` tickets (all with `None`), a page at a time. The cursor answered is
/// where the next ticket after these would come from.
pub async fn fetch(desk: &dyn Desk, query: &str, want: Option<u32>) -> Outcome<TicketList> {
    let page_max = crate::service::PAGE_MAX;
    let mut tickets: Vec<Ticket> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let have = u32::try_from(tickets.len()).unwrap_or(u32::MAX);
        let limit = match want {
            Some(n) => n.saturating_sub(have).min(page_max),
            None => page_max,
        };
        if limit == 0 {
            break;
        }
        let page = desk
            .list_tickets(query, Some(limit), cursor.as_deref())
            .await?;
        let got = page.tickets.len();
        tickets.extend(page.tickets);
        cursor = page.next_cursor;
        if cursor.is_none() || got == 0 {
            break;
        }
    }
    Ok(TicketList {
        tickets,
        next_cursor: cursor,
    })
}

const TICKET_COLUMNS: [Column; 8] = [
    Column::fixed("KEY"),
    Column::fixed("PRIORITY"),
    Column::fixed("STATUS"),
    Column::flex("TITLE", 1, 16),
    Column::flex("REQUESTER", 2, 12).optional(2),
    Column::flex("ASSIGNEE", 3, 8).optional(4),
    Column::fixed("SLA").optional(3),
    Column::fixed("UPDATED").optional(1),
];

pub fn tickets_table(list: &[Ticket], now: Millis) -> Grid<'static> {
    let rows = list
        .iter()
        .map(|t| {
            let sla = SlaState::of(t, now);
            let sla_style = if sla.breached() {
                Style::Alert
            } else {
                Style::Plain
            };
            vec![
                Cell::from(t.key.as_str()),
                Cell::from(t.priority.as_str()),
                Cell::from(t.status.as_str()),
                Cell::from(t.title.as_str()),
                Cell::from(t.requester.email.as_str()),
                t.assignee.as_ref().map_or_else(
                    || Cell::styled("-", Style::Dim),
                    |a| Cell::from(a.name.as_str()),
                ),
                Cell::styled(present::sla_short(sla), sla_style),
                Cell::from(format!("{} ago", time::humanize(now - t.updated_at))),
            ]
        })
        .collect();
    Grid {
        columns: &TICKET_COLUMNS,
        rows,
    }
}

const CSV_HEADER: [&str; 20] = [
    "key",
    "title",
    "status",
    "status_class",
    "priority",
    "category",
    "requester_email",
    "requester_name",
    "assignee_email",
    "assignee_name",
    "tags",
    "version",
    "created_at",
    "updated_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "response_due_at",
    "resolution_due_at",
    "sla_breached",
];

/// One row per ticket; times in RFC 3339 as in JSON; tags space-separated.
pub fn tickets_csv(list: &[Ticket]) -> String {
    let opt_time = |t: Option<Millis>| t.map(time::to_rfc3339).unwrap_or_default();
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|t| {
            vec![
                t.key.clone(),
                t.title.clone(),
                t.status.clone(),
                t.status_class.as_str().to_string(),
                t.priority.clone(),
                t.category.clone(),
                t.requester.email.clone(),
                t.requester.name.clone().unwrap_or_default(),
                t.assignee
                    .as_ref()
                    .map(|a| a.email.clone())
                    .unwrap_or_default(),
                t.assignee
                    .as_ref()
                    .map(|a| a.name.clone())
                    .unwrap_or_default(),
                t.tags.join(" "),
                t.version.to_string(),
                time::to_rfc3339(t.created_at),
                time::to_rfc3339(t.updated_at),
                opt_time(t.first_response_at),
                opt_time(t.resolved_at),
                opt_time(t.closed_at),
                opt_time(t.sla.response_due_at),
                opt_time(t.sla.resolution_due_at),
                t.sla.breached.to_string(),
            ]
        })
        .collect();
    output::csv(&CSV_HEADER, &rows)
}

async fn create(desk: &dyn Desk, args: CreateArgs) -> Outcome<String> {
    let description = match (args.description, args.description_file) {
        (Some(text), _) => text,
        (None, Some(file)) => input::read_file(&file)?,
        (None, None) if !input::stdin_is_terminal() => input::read_stdin()?,
        (None, None) => String::new(),
    };
    let new = NewTicket {
        title: args.title,
        description,
        category: args.category,
        priority: args.priority,
        tags: args.tags,
        custom_fields: args.fields.into_iter().collect(),
        requester_email: args.requester,
        requester_name: args.requester_name,
    };
    let mut ticket = desk.create_ticket(new).await?;
    if !args.attach.is_empty() {
        ticket = desk
            .attach(&ticket.key, &args.attach, None, Visibility::Public, None)
            .await?
            .ticket;
    }
    if args.json {
        output::json(&ticket)
    } else {
        Ok(format!("{}\n", ticket.key))
    }
}

async fn edit(desk: &dyn Desk, args: EditArgs) -> Outcome<String> {
    let key = key_of(&args.key);
    let description = match (args.description, args.description_file) {
        (Some(text), _) => Some(text),
        (None, Some(file)) => Some(input::read_file(&file)?),
        (None, None) => None,
    };
    let mut fields: BTreeMap<String, Value> = args.fields.into_iter().collect();
    for name in args.unset_fields {
        fields.insert(name.trim().to_string(), Value::Null);
    }
    let tags = if args.no_tags {
        Some(Vec::new())
    } else if !args.tags.is_empty() {
        Some(args.tags)
    } else {
        None
    };
    let edit = TicketEdit {
        title: args.title,
        description,
        category: args.category,
        priority: args.priority,
        tags,
        add_tags: args.add_tags,
        remove_tags: args.remove_tags,
        custom_fields: (!fields.is_empty()).then_some(fields),
    };
    if edit.is_empty() {
        return Err(Fail::usage(
            "nothing to change: give --title, --description, --category, --priority, tags or fields",
        ));
    }
    let ticket = desk.edit_ticket(&key, edit, args.write.if_version).await?;
    written(&ticket, args.write.json)
}

async fn comment(desk: &dyn Desk, args: CommentArgs) -> Outcome<String> {
    let key = key_of(&args.key);
    let visibility = if args.internal {
        Visibility::Internal
    } else {
        Visibility::Public
    };
    if !args.attach.is_empty() {
        // Files alone need no text: the body is read only when one is named.
        let body = match (args.body, args.body_file) {
            (Some(text), _) => Some(text),
            (None, Some(file)) => Some(input::read_file(&file)?),
            (None, None) => None,
        };
        let body = body
            .as_deref()
            .map(str::trim_end)
            .filter(|b| !b.trim().is_empty());
        let done = desk
            .attach(&key, &args.attach, body, visibility, args.write.if_version)
            .await?;
        if args.write.json {
            return output::json(&done);
        }
        let names: Vec<String> = done
            .attachments
            .iter()
            .map(|a| format!("{} ({})", a.name, a.id))
            .collect();
        return Ok(format!(
            "{key}: {} attached {}\n",
            visibility.as_str(),
            names.join(", ")
        ));
    }
    let body = match (args.body, args.body_file) {
        (Some(text), _) => text,
        (None, Some(file)) => input::read_file(&file)?,
        (None, None) if !input::stdin_is_terminal() => input::read_stdin()?,
        (None, None) => input::edit("comment")?,
    };
    let body = body.trim_end();
    if body.trim().is_empty() {
        return Err(Fail::refused("the comment is empty; nothing was sent"));
    }
    let comment = desk
        .comment(&key, body, visibility, args.write.if_version)
        .await?;
    if args.write.json {
        output::json(&comment)
    } else {
        Ok(format!(
            "{key}: {} comment {} added\n",
            comment.visibility.as_str(),
            comment.id
        ))
    }
}

/// What a change prints: the ticket as JSON, or one line a person can read.
fn written(t: &Ticket, json: bool) -> Outcome<String> {
    if json {
        return output::json(t);
    }
    let assignee = t.assignee.as_ref().map_or("unassigned".to_string(), |a| {
        format!("assigned to {}", a.email)
    });
    Ok(format!(
        "{}: {}, {}, version {}\n",
        t.key, t.status, assignee, t.version
    ))
}

/// A local date and time for people.
fn when(ms: Millis) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || time::to_rfc3339(ms),
        |t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        },
    )
}

fn ago(ms: Millis, now: Millis) -> String {
    if ms <= now {
        format!("{} ({} ago)", when(ms), time::humanize(now - ms))
    } else {
        format!("{} (in {})", when(ms), time::humanize(ms - now))
    }
}

/// One ticket for a person: fields, description, custom fields, timeline.
pub fn show(view: &TicketView, now: Millis, width: Option<usize>) -> String {
    let t = &view.ticket;
    let clean = table::clean;
    let mut out = format!("{}  {}\n\n", t.key, clean(&t.title));
    let mut field = |name: &str, value: String| {
        out.push_str(&format!("  {name:<12}{}\n", clean(&value)));
    };
    field(
        "status",
        format!("{} ({})", t.status, t.status_class.as_str()),
    );
    field("priority", t.priority.clone());
    field("category", t.category.clone());
    field(
        "requester",
        match &t.requester.name {
            Some(name) => format!("{name} <{}>", t.requester.email),
            None => t.requester.email.clone(),
        },
    );
    field(
        "assignee",
        t.assignee
            .as_ref()
            .map_or("-".into(), |a| format!("{} <{}>", a.name, a.email)),
    );
    field(
        "tags",
        if t.tags.is_empty() {
            "-".into()
        } else {
            t.tags.join(", ")
        },
    );
    field("SLA", present::sla_long(SlaState::of(t, now)));
    if let Some(due) = t
        .sla
        .response_due_at
        .filter(|_| t.first_response_at.is_none())
    {
        field("response by", ago(due, now));
    }
    if let Some(due) = t.sla.resolution_due_at.filter(|_| t.resolved_at.is_none()) {
        field("resolve by", ago(due, now));
    }
    field("created", ago(t.created_at, now));
    field("updated", ago(t.updated_at, now));
    for (name, at) in [
        ("responded", t.first_response_at),
        ("approved", t.approved_at),
        ("resolved", t.resolved_at),
        ("closed", t.closed_at),
    ] {
        if let Some(at) = at {
            field(name, ago(at, now));
        }
    }
    field("version", t.version.to_string());

    let wrap_at = width.map(|w| w.saturating_sub(4).max(20));
    out.push_str("\nDescription\n");
    if t.description.trim().is_empty() {
        out.push_str("  (none)\n");
    } else {
        out.push_str(&indent(&t.description, "  ", wrap_at));
    }
    if !t.custom_fields.is_empty() {
        out.push_str("\nCustom fields\n");
        let wide = t
            .custom_fields
            .keys()
            .map(|k| k.chars().count())
            .max()
            .unwrap_or(0);
        for (k, v) in &t.custom_fields {
            let value = crate::domain::model::custom_field_text(v);
            out.push_str(&format!("  {:<wide$}  {}\n", clean(k), clean(&value)));
        }
    }
    out.push_str("\nTimeline\n");
    for entry in view.timeline() {
        match entry {
            TimelineEntry::Comment(c) => {
                let who = c.author_name();
                let kind = match c.visibility {
                    Visibility::Internal => "internal note",
                    Visibility::Public => "comment",
                };
                out.push_str(&format!(
                    "  {}  {}, {kind}:\n",
                    when(c.created_at),
                    clean(&who)
                ));
                out.push_str(&indent(
                    &c.body,
                    "      ",
                    wrap_at.map(|w| w.saturating_sub(4)),
                ));
            }
            TimelineEntry::Event(e) => {
                let who = e.actor.as_ref().map_or("desk", |a| a.name.as_str());
                out.push_str(&format!(
                    "  {}  {} {}\n",
                    when(e.at),
                    clean(who),
                    clean(&describe(e))
                ));
            }
        }
    }
    out
}

fn describe(e: &Event) -> String {
    // Without the desk's statuses at hand, statuses are shown by key.
    let mut text = present::event_text(e, str::to_string);
    if e.visibility == Visibility::Internal {
        text.push_str(" (internal)");
    }
    if let Some(note) = e.note.as_deref().filter(|n| !n.trim().is_empty()) {
        text.push_str(&format!(": \"{note}\""));
    }
    text
}

/// Text indented, control characters other than line ends removed, and long lines
/// wrapped at word boundaries when there is a width to keep to.
fn indent(text: &str, prefix: &str, width: Option<usize>) -> String {
    let mut out = String::new();
    for line in text.trim_end().lines() {
        let line = table::clean(line);
        let Some(width) = width else {
            out.push_str(prefix);
            out.push_str(line.trim_end());
            out.push('\n');
            continue;
        };
        let mut current = String::new();
        for word in line.split(' ') {
            let len = current.chars().count();
            if len > 0 && len + 1 + word.chars().count() > width {
                out.push_str(prefix);
                out.push_str(current.trim_end());
                out.push('\n');
                current.clear();
            } else if len > 0 {
                current.push(' ');
            }
            current.push_str(word);
        }
        out.push_str(prefix);
        out.push_str(current.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_text_unless_marked_json() {
        assert_eq!(
            parse_field("trip=00123"),
            Ok(("trip".into(), Value::String("00123".into())))
        );
        assert_eq!(
            parse_field("n:=42"),
            Ok(("n".into(), serde_json::json!(42)))
        );
        assert_eq!(
            parse_field("url=https://x/?a=b"),
            Ok(("url".into(), Value::String("https://x/?a=b".into())))
        );
        assert!(parse_field("novalue").is_err());
        assert!(parse_field("=x").is_err());
        assert!(parse_field("n:={").is_err());
    }

    #[test]
    fn long_lines_wrap_at_words() {
        let out = indent("one two three four", "  ", Some(9));
        assert_eq!(out, "  one two\n  three\n  four\n");
    }
}
