//! Attachments: files on tickets and comments. Doors stream an upload into a [`Spool`]
//! (a temporary file, hashed and sniffed as it is written, refused the moment it passes
//! the size limit), then hand the finished [`Upload`]s to [`Service::attach`], which
//! checks them and stores them with their comment and event in one transaction. Nothing
//! is visible until that commits, so an upload cut off half way leaves nothing behind
//! but a temporary file that its guard removes.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::domain::attachment::{self, Attachment, human_size, sanitize_name};
use crate::domain::model::{Comment, EventKind, Ticket, Visibility};
use crate::domain::validate::invalid;
use crate::store::attachments::{self as store, ContentStore, NewAttachment};

use super::change::Pending;
use super::comments::{apply_comment, comment_body};
use super::{Actor, Result, Service, ServiceError};

/// A file being received: written to a temporary file as it arrives.
pub struct Spool {
    guard: TempFile,
    file: tokio::fs::File,
    hasher: Sha256,
    size: u64,
    head: Vec<u8>,
    max: u64,
    name: String,
}

/// A received file, ready for [`Service::attach`]. Its temporary file goes when it does.
pub struct Upload {
    guard: TempFile,
    pub name: String,
    pub size: u64,
    pub sha256: String,
    pub media_type: String,
}

struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn spool_error(e: std::io::Error) -> ServiceError {
    ServiceError::Store(crate::store::StoreError::Corrupt(format!(
        "cannot spool an upload: {e}"
    )))
}

/// Deletes the spools of desk processes that are gone (a server killed mid-upload leaves
/// its half-received file behind; nothing in the database points at it). Spools of
/// processes still running, another instance's included, are left alone. Returns how
/// many went. Only where `/proc` tells which processes run (Linux).
pub fn remove_orphan_spools() -> usize {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return 0;
    }
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("desk-upload-"))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id()
            && !proc.join(pid.to_string()).exists()
            && std::fs::remove_file(entry.path()).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

impl Spool {
    /// A spool for a file called `name` (sanitised here), refused past `max` bytes.
    pub async fn new(name: &str, max: u64) -> Result<Spool> {
        let path = std::env::temp_dir().join(format!(
            "desk-upload-{}-{:016x}",
            std::process::id(),
            rand::random::<u64>()
        ));
        let file = tokio::fs::File::create(&path).await.map_err(spool_error)?;
        Ok(Spool {
            guard: TempFile(path),
            file,
            hasher: Sha256::new(),
            size: 0,
            head: Vec::new(),
            max,
            name: sanitize_name(name),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Appends `bytes`; past the limit, the file is refused with the limit in the message.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.size += bytes.len() as u64;
        if self.size > self.max {
            return Err(too_large(&self.name, self.max));
        }
        if self.head.len() < 8192 {
            let take = (8192 - self.head.len()).min(bytes.len());
            self.head.extend_from_slice(&bytes[..take]);
        }
        self.hasher.update(bytes);
        self.file.write_all(bytes).await.map_err(spool_error)
    }

    pub async fn finish(mut self) -> Result<Upload> {
        self.file.flush().await.map_err(spool_error)?;
        let digest = self.hasher.finalize();
        let sha256: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        Ok(Upload {
            guard: self.guard,
            media_type: attachment::sniff(&self.head),
            name: self.name,
            size: self.size,
            sha256,
        })
    }
}

impl Upload {
    /// Spools a file on this machine (the CLI and the local desk).
    pub async fn from_path(path: &Path, max: u64) -> Result<Upload> {
        use tokio::io::AsyncReadExt;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut f = tokio::fs::File::open(path).await.map_err(|e| {
            ServiceError::Invalid(invalid(
                "file",
                format!("cannot read {}: {e}", path.display()),
            ))
        })?;
        let mut spool = Spool::new(&name, max).await?;
        let mut buf = vec![0u8; attachment::CHUNK];
        loop {
            let n = f.read(&mut buf).await.map_err(|e| {
                ServiceError::Invalid(invalid(
                    "file",
                    format!("cannot read {}: {e}", path.display()),
                ))
            })?;
            if n == 0 {
                break;
            }
            spool.write(&buf[..n]).await?;
        }
        spool.finish().await
    }

    pub fn path(&self) -> &Path {
        &self.guard.0
    }
}

pub fn too_large(name: &str, max: u64) -> ServiceError {
    ServiceError::TooLarge(format!(
        "{name} is over the attachment limit of {} ({max} bytes)",
        human_size(max)
    ))
}

/// Where an attachment's content is read from.
pub enum Content {
    /// Chunks in the database, by hash.
    Database { sha256: String },
    /// A file in the content directory.
    File(PathBuf),
}

impl Service {
    pub fn attachment_limits(&self) -> &attachment::Limits {
        &self.config.attachments.limits
    }

    /// Checks uploads against the limits before anything is written.
    pub fn check_uploads(&self, uploads: &[Upload]) -> Result<()> {
        let limits = self.attachment_limits();
        if uploads.is_empty() {
            return Err(invalid("file", "no file given: attach at least one").into());
        }
        if uploads.len() > limits.max_per_comment {
            return Err(ServiceError::TooLarge(format!(
                "{} files in one upload; the limit is {} per comment",
                uploads.len(),
                limits.max_per_comment
            )));
        }
        for u in uploads {
            if u.size == 0 {
                return Err(invalid("file", format!("{} is empty (0 bytes)", u.name)).into());
            }
            if u.size > limits.max_bytes {
                return Err(too_large(&u.name, limits.max_bytes));
            }
            if !limits.allowed.allows(&u.media_type) {
                return Err(ServiceError::Unsupported(format!(
                    "{} is {}, which this desk does not accept",
                    u.name, u.media_type
                )));
            }
        }
        Ok(())
    }

    /// Attaches files to `key`, with a comment when `comment` has a body: one change,
    /// one version, one event (`commented`, noting the files; `attached` without a
    /// comment). `visibility` applies to the comment and its files; customers attach
    /// publicly only.
    pub async fn attach(
        &self,
        actor: &Actor,
        key: &str,
        uploads: Vec<Upload>,
        body: Option<&str>,
        visibility: Visibility,
        expected_version: Option<i64>,
    ) -> Result<(Ticket, Option<Comment>, Vec<Attachment>)> {
        if visibility == Visibility::Internal && !actor.is_staff() {
            return Err(ServiceError::Forbidden(
                "only agents, supervisors and admins may attach internal files".into(),
            ));
        }
        let body = match body.map(str::trim).filter(|b| !b.is_empty()) {
            Some(b) => Some(comment_body(actor, b, visibility)?),
            None => None,
        };
        self.check_uploads(&uploads)?;
        let mut c = self.begin_change(actor, key, expected_version).await?;
        let mut comment = match body {
            Some(body) => Some(apply_comment(&mut c, actor, body, visibility).await?),
            None => None,
        };
        let now = c.now;
        let mut ids = Vec::new();
        for u in &uploads {
            store::put_blob(
                &mut c.w.tx,
                &self.config.attachments.store,
                &u.sha256,
                u.size as i64,
                u.path(),
                now,
            )
            .await?;
            let id = store::insert(
                &mut c.w.tx,
                NewAttachment {
                    ticket_id: Some(c.after.id),
                    comment_id: comment.as_ref().map(|c| c.id),
                    name: &u.name,
                    media_type: &u.media_type,
                    size: u.size as i64,
                    sha256: &u.sha256,
                    uploader_id: actor.user_id(),
                    uploader_email: match actor {
                        Actor::Contact { email } => Some(email),
                        Actor::User(_) => None,
                    },
                    visibility,
                    upload_token: None,
                    at: now,
                },
            )
            .await?;
            ids.push(id);
        }
        let names: Vec<&str> = uploads.iter().map(|u| u.name.as_str()).collect();
        let note = names.join(", ");
        match c.events.iter_mut().find(|e| e.kind == EventKind::Commented) {
            Some(commented) => commented.note = Some(format!("attached {note}")),
            None => {
                let ids_text: Vec<String> = ids.iter().map(i64::to_string).collect();
                let mut e = Pending::new(EventKind::Attached)
                    .field("attachments", None, Some(ids_text.join(",")))
                    .note(Some(note));
                if visibility == Visibility::Internal {
                    e = e.internal();
                }
                c.events.push(e);
            }
        }
        let ticket_id = c.after.id;
        let ticket = self.commit_change(actor, c).await?;
        let mut attached = store::for_ticket(self.store.pool(), ticket_id, false).await?;
        attached.retain(|a| ids.contains(&a.id));
        if let Some(comment) = comment.as_mut() {
            comment.attachments = attached.clone();
        }
        Ok((ticket, comment, attached))
    }

    /// The attachments of `key` the caller may see, oldest first.
    pub async fn attachments(&self, actor: &Actor, key: &str) -> Result<Vec<Attachment>> {
        actor.require_active()?;
        let ticket = self.find_read(actor, key).await?;
        Ok(store::for_ticket(self.store.pool(), ticket.id, !actor.is_staff()).await?)
    }

    /// One attachment and where to read it, with the same rule as its comment: an
    /// attachment the caller may not see does not exist for them.
    pub async fn attachment(&self, actor: &Actor, id: i64) -> Result<(Attachment, Content)> {
        actor.require_active()?;
        let not_found = || ServiceError::not_found("attachment", id);
        let (attachment, ticket_id) = store::get(self.store.pool(), id)
            .await?
            .ok_or_else(not_found)?;
        let ticket_id = ticket_id.ok_or_else(not_found)?;
        let ticket = crate::store::tickets::read(&self.store, ticket_id)
            .await?
            .ok_or_else(not_found)?;
        if !actor.may_read(&ticket)
            || (attachment.visibility == Visibility::Internal && !actor.is_staff())
        {
            return Err(not_found());
        }
        let content = self.content_of(&attachment).await?.ok_or_else(not_found)?;
        Ok((attachment, content))
    }

    /// Chunk `n` of content kept in the database (`None` past the end).
    pub async fn attachment_chunk(&self, sha256: &str, n: i64) -> Result<Option<Vec<u8>>> {
        Ok(store::chunk(self.store.pool(), sha256, n).await?)
    }

    /// Removes an attachment's content for good (admins only, for data-protection
    /// requests). The ticket keeps an `attachment_removed` event naming the file.
    pub async fn remove_attachment(&self, actor: &Actor, id: i64) -> Result<Ticket> {
        actor.require_admin("remove attachments")?;
        let (attachment, _) = self.attachment(actor, id).await?;
        let mut c = self.begin_change(actor, &attachment.ticket, None).await?;
        let gone = store::remove(&mut c.w.tx, id, &attachment.sha256).await?;
        let mut e = Pending::new(EventKind::AttachmentRemoved).field(
            "attachment",
            Some(attachment.name.clone()),
            None,
        );
        if attachment.visibility == Visibility::Internal {
            e = e.internal();
        }
        c.events.push(e);
        let ticket = self.commit_change(actor, c).await?;
        if gone.as_deref() == Some("dir")
            && let ContentStore::Dir(dir) = &self.config.attachments.store
        {
            let _ = tokio::fs::remove_file(store::blob_path(dir, &attachment.sha256)).await;
        }
        Ok(ticket)
    }
}

/// How long an upload may wait for the ticket that links it (seed 002's form uploads,
/// then files): after this it is deleted, content and all.
pub const STAGED_FOR: crate::domain::time::Millis = crate::domain::time::DAY;

/// An upload stored ahead of its ticket, and the secret that proves it: only its hash is
/// kept, as with API tokens, so a copy of the database links and reads nothing.
pub struct Staged {
    pub attachment: Attachment,
    pub secret: String,
}

fn token_hash(secret: &str) -> String {
    super::secrets::hash(secret.trim())
}

/// Whether `actor` is who stored the upload `a`.
fn uploaded_by(actor: &Actor, a: &Attachment) -> bool {
    match actor {
        Actor::User(u) => a.uploader.as_ref().is_some_and(|r| r.id == u.id),
        Actor::Contact { email } => a
            .uploader_email
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(email.trim())),
    }
}

impl Service {
    /// Files a ticket with the files sent beside it (the customer page's form). The files
    /// are checked before anything is written, so a refused file files nothing; they are
    /// stored first and linked in the filing's own transaction, with one `attached`
    /// event. Were the filing refused, they wait unlinked until [`STAGED_FOR`] passes.
    pub async fn create_ticket_with_files(
        &self,
        actor: &Actor,
        new: crate::domain::requests::NewTicket,
        files: Vec<Upload>,
    ) -> Result<Ticket> {
        if files.is_empty() {
            return self.create_ticket(actor, new).await;
        }
        let staged = self.stage_uploads(actor, files).await?;
        let secrets: Vec<String> = staged.into_iter().map(|s| s.secret).collect();
        self.create_ticket_with(actor, new, &secrets).await
    }

    /// Stores files that no ticket has yet (seed 002 uploads before it files; the
    /// customer page files with them). Each waits, public and readable only by its
    /// uploader, until a filing names its secret ([`Service::create_ticket_with`]), or
    /// [`STAGED_FOR`] passes and [`Service::purge_staged`] deletes it.
    pub async fn stage_uploads(&self, actor: &Actor, uploads: Vec<Upload>) -> Result<Vec<Staged>> {
        actor.require_active()?;
        self.check_uploads(&uploads)?;
        // Each upload clears what is overdue, so a desk that takes uploads never piles
        // them up, with no timer to run on every instance.
        if let Err(e) = self
            .purge_staged(crate::domain::time::now() - STAGED_FOR)
            .await
        {
            tracing::warn!("cannot delete stale uploads: {e}");
        }
        let mut w = self.store.write().await?;
        let now = crate::domain::time::now();
        let mut staged = Vec::new();
        for u in &uploads {
            store::put_blob(
                &mut w.tx,
                &self.config.attachments.store,
                &u.sha256,
                u.size as i64,
                u.path(),
                now,
            )
            .await?;
            let secret = super::secrets::random_hex(32);
            let hash = token_hash(&secret);
            let id = store::insert(
                &mut w.tx,
                NewAttachment {
                    ticket_id: None,
                    comment_id: None,
                    name: &u.name,
                    media_type: &u.media_type,
                    size: u.size as i64,
                    sha256: &u.sha256,
                    uploader_id: actor.user_id(),
                    uploader_email: match actor {
                        Actor::Contact { email } => Some(email),
                        Actor::User(_) => None,
                    },
                    visibility: Visibility::Public,
                    upload_token: Some(&hash),
                    at: now,
                },
            )
            .await?;
            staged.push((id, secret));
        }
        w.commit().await?;
        let mut out = Vec::new();
        for (id, secret) in staged {
            if let Some((attachment, _)) = store::get(self.store.pool(), id).await? {
                out.push(Staged { attachment, secret });
            }
        }
        Ok(out)
    }

    /// The waiting uploads `secrets` name that `actor` stored, as (id, name): what a
    /// filing links. Secrets of others' uploads, of linked or expired ones, and anything
    /// that is not a secret are passed over: the filing keeps them only as the metadata
    /// it sent.
    pub(super) async fn linkable(
        &self,
        actor: &Actor,
        secrets: &[String],
    ) -> Result<Vec<(i64, String)>> {
        let mut out: Vec<(i64, String)> = Vec::new();
        for secret in secrets {
            let Some((a, ticket)) =
                store::staged_by_token(self.store.pool(), &token_hash(secret)).await?
            else {
                continue;
            };
            if ticket.is_none() && uploaded_by(actor, &a) && !out.iter().any(|(id, _)| *id == a.id)
            {
                out.push((a.id, a.name));
            }
        }
        Ok(out)
    }

    /// An upload by its secret: while it waits, only for its uploader; once linked, for
    /// whoever may read it on its ticket. Everyone else is told it does not exist.
    pub async fn staged_upload(
        &self,
        actor: &Actor,
        secret: &str,
    ) -> Result<(Attachment, Content)> {
        actor.require_active()?;
        let not_found = || ServiceError::not_found("upload", "with that address");
        let (a, ticket) = store::staged_by_token(self.store.pool(), &token_hash(secret))
            .await?
            .ok_or_else(not_found)?;
        match ticket {
            Some(_) => self.attachment(actor, a.id).await.map_err(|e| match e {
                ServiceError::NotFound { .. } => not_found(),
                other => other,
            }),
            None if uploaded_by(actor, &a)
                && a.created_at >= crate::domain::time::now() - STAGED_FOR =>
            {
                let content = self.content_of(&a).await?.ok_or_else(not_found)?;
                Ok((a, content))
            }
            None => Err(not_found()),
        }
    }

    /// Deletes uploads never linked to a ticket that were made before `before`, with
    /// their content when nothing else uses it. Returns how many went.
    pub async fn purge_staged(&self, before: crate::domain::time::Millis) -> Result<usize> {
        let mut gone = 0;
        loop {
            let stale = store::stale_uploads(self.store.pool(), before, 100).await?;
            if stale.is_empty() {
                return Ok(gone);
            }
            let mut w = self.store.write().await?;
            let mut files = Vec::new();
            for (id, sha256) in &stale {
                if store::remove(&mut w.tx, *id, sha256).await?.as_deref() == Some("dir") {
                    files.push(sha256.clone());
                }
            }
            w.commit().await?;
            if let ContentStore::Dir(dir) = &self.config.attachments.store {
                for sha256 in files {
                    let _ = tokio::fs::remove_file(store::blob_path(dir, &sha256)).await;
                }
            }
            gone += stale.len();
        }
    }

    /// Where `a`'s content is read from; `None` when it is gone.
    pub(super) async fn content_of(&self, a: &Attachment) -> Result<Option<Content>> {
        Ok(
            match store::blob_location(self.store.pool(), &a.sha256)
                .await?
                .as_deref()
            {
                Some("db") => Some(Content::Database {
                    sha256: a.sha256.clone(),
                }),
                Some(_) => match &self.config.attachments.store {
                    ContentStore::Dir(dir) => Some(Content::File(store::blob_path(dir, &a.sha256))),
                    ContentStore::Database => {
                        return Err(ServiceError::Invalid(invalid(
                            "attachment",
                            "its content is in a content directory this desk is not configured with ([attachments] store)",
                        )));
                    }
                },
                None => None,
            },
        )
    }
}
