//! A whole desk out and in. Both act with the database's own authority (like
//! `desk users add`): whoever can open the file or URL may dump or fill it.
//!
//! Attachments travel with their tickets: an export embeds each file's content once per
//! SHA-256, in base64, so a dump needs nothing beside it; an import checks every file
//! against its hash and size before it writes anything, then stores it through the
//! target's own content store. Uploads still waiting for a ticket are left out.

use std::collections::{HashMap, HashSet};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};

use crate::domain::key::parse_key_number;
use crate::domain::model::Visibility;
use crate::domain::requests::{DUMP_FORMAT, DUMP_VERSION, DeskDump, DumpAttachment, DumpBlob};
use crate::domain::time;
use crate::domain::validate::invalid;
use crate::store::attachments::{self as files, BlobReader, BlobRow, NewAttachment};
use crate::store::{
    Page, Scope, TicketFilter, comments, dump, events, reference, search, tickets, users,
};

use super::attachments::Spool;
use super::{Result, Service, ServiceError};

/// Rows read per query while exporting.
const PAGE: u32 = 500;

fn refuse(message: impl Into<String>) -> ServiceError {
    invalid("import", message).into()
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where an import finds the attachments' content.
pub(super) enum Contents<'a> {
    /// In the dump's `blobs`, base64 (`desk import`).
    Embedded,
    /// In the desk being moved, streamed blob by blob (`desk migrate`): every blob it
    /// holds, its uploads still waiting for a ticket included.
    Moved {
        source: &'a Service,
        blobs: &'a [BlobRow],
    },
}

impl Service {
    /// Everything in the desk except passwords and tokens, attachments' content embedded.
    pub async fn export_all(&self) -> Result<DeskDump> {
        let mut d = self.export_rows().await?;
        for blob in &mut d.blobs {
            blob.content = BASE64.encode(self.read_blob(&blob.sha256, blob.size).await?);
        }
        Ok(d)
    }

    /// One blob's whole content, checked against its hash and size.
    async fn read_blob(&self, sha256: &str, size: i64) -> Result<Vec<u8>> {
        let pool = self.store.pool();
        let damaged = |what: &str| {
            ServiceError::Store(crate::store::StoreError::Corrupt(format!(
                "attachment content {sha256} {what}"
            )))
        };
        let mut reader = BlobReader::open(pool, &self.config.attachments.store, sha256)
            .await?
            .ok_or_else(|| damaged("is missing"))?;
        let mut content = Vec::with_capacity(usize::try_from(size).unwrap_or_default());
        while let Some(piece) = reader.next(pool).await? {
            content.extend_from_slice(&piece);
        }
        if content.len() as i64 != size || hex(&Sha256::digest(&content)) != sha256 {
            return Err(damaged(
                "does not match its SHA-256 or size (the stored file is damaged)",
            ));
        }
        Ok(content)
    }

    /// [`Service::export_all`] without the attachments' content (`blobs` list hashes and
    /// sizes, their `content` empty): what a move reads, streaming content separately.
    pub(super) async fn export_rows(&self) -> Result<DeskDump> {
        let pool = self.store.pool();
        let everything = TicketFilter {
            scope: Scope::All,
            clauses: Vec::new(),
            now: time::now(),
            sort: None,
        };
        let mut all_tickets = Vec::new();
        let mut cursor = None;
        loop {
            let page = tickets::page(
                &self.store,
                &everything,
                Page {
                    limit: PAGE,
                    cursor,
                },
            )
            .await?;
            all_tickets.extend(page.tickets);
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        all_tickets.sort_by_key(|t| t.id);
        let mut all_comments = Vec::new();
        loop {
            let after = all_comments
                .last()
                .map_or(0, |c: &crate::domain::model::Comment| c.id);
            let page = comments::page_after(pool, after, PAGE).await?;
            if page.is_empty() {
                break;
            }
            all_comments.extend(page);
        }
        let mut all_events = Vec::new();
        loop {
            let after = all_events
                .last()
                .map_or(0, |e: &crate::domain::model::Event| e.seq);
            let page = events::after(pool, after, PAGE, &Scope::All).await?;
            if page.is_empty() {
                break;
            }
            all_events.extend(page);
        }
        let mut all_attachments: Vec<DumpAttachment> = Vec::new();
        loop {
            let after = all_attachments.last().map_or(0, |a| a.id);
            let page = files::linked_after(pool, after, PAGE).await?;
            if page.is_empty() {
                break;
            }
            all_attachments.extend(page.into_iter().map(|(a, ticket_id)| DumpAttachment {
                id: a.id,
                ticket_id,
                comment_id: a.comment_id,
                name: a.name,
                media_type: a.media_type,
                size: a.size,
                sha256: a.sha256,
                uploader: a.uploader,
                uploader_email: a.uploader_email,
                visibility: a.visibility,
                created_at: a.created_at,
            }));
        }
        let used: HashSet<&str> = all_attachments.iter().map(|a| a.sha256.as_str()).collect();
        let blobs = all_blobs(pool)
            .await?
            .into_iter()
            .filter(|b| used.contains(b.sha256.as_str()))
            .map(|b| DumpBlob {
                sha256: b.sha256,
                size: b.size,
                content: String::new(),
            })
            .collect::<Vec<_>>();
        if blobs.len() != used.len() {
            return Err(ServiceError::Store(crate::store::StoreError::Corrupt(
                "an attachment names content the desk does not hold".into(),
            )));
        }
        Ok(DeskDump {
            format: DUMP_FORMAT.into(),
            version: DUMP_VERSION,
            key_prefix: self.key_prefix().to_string(),
            statuses: reference::statuses(pool).await?,
            categories: reference::categories(pool).await?,
            priorities: reference::priorities(pool).await?,
            users: users::list(pool, false).await?,
            tickets: all_tickets,
            comments: all_comments,
            events: all_events,
            attachments: all_attachments,
            blobs,
        })
    }

    /// Refuses a desk that holds tickets or people: an import never merges.
    pub(super) async fn ensure_empty(&self) -> Result<()> {
        let existing_tickets = self.count_tickets_unscoped().await?;
        let existing_users = users::list(self.store.pool(), false).await?.len();
        if existing_tickets > 0 || existing_users > 0 {
            return Err(refuse(format!(
                "the target desk is not empty ({existing_tickets} tickets, {existing_users} people); import into a new database"
            )));
        }
        Ok(())
    }

    /// Fills an empty desk (no tickets, no people) from a dump, in one transaction. The
    /// whole dump is checked first; a dump that does not hold together writes nothing.
    pub async fn import_all(&self, d: &DeskDump) -> Result<usize> {
        self.import_with(d, None, Contents::Embedded).await
    }

    /// [`Service::import_all`], plus the secrets of a desk being moved, in the same
    /// transaction.
    pub(super) async fn import_with(
        &self,
        d: &DeskDump,
        secrets: Option<&dump::Secrets>,
        contents: Contents<'_>,
    ) -> Result<usize> {
        check(d, self.key_prefix())?;
        match &contents {
            Contents::Embedded => check_content(d)?,
            Contents::Moved { blobs, .. } => {
                let held: HashSet<&str> = blobs.iter().map(|b| b.sha256.as_str()).collect();
                let staged = secrets.map(|s| s.staged.as_slice()).unwrap_or_default();
                if let Some(sha256) = d
                    .blobs
                    .iter()
                    .map(|b| &b.sha256)
                    .chain(staged.iter().map(|s| &s.sha256))
                    .find(|sha256| !held.contains(sha256.as_str()))
                {
                    return Err(refuse(format!(
                        "an attachment names content {sha256} the source does not hold"
                    )));
                }
            }
        }
        self.ensure_empty().await?;
        let category_ids: HashMap<&str, i64> = d
            .categories
            .iter()
            .map(|c| (c.name.as_str(), c.id))
            .collect();
        let priority_ids: HashMap<&str, i64> = d
            .priorities
            .iter()
            .map(|p| (p.name.as_str(), p.id))
            .collect();
        let mut w = self.store.write().await?;
        dump::clear_reference(&mut w.tx).await?;
        for s in &d.statuses {
            reference::save_status(&mut *w.tx, s).await?;
        }
        for c in &d.categories {
            dump::insert_category(&mut w.tx, c).await?;
        }
        for p in &d.priorities {
            dump::insert_priority(&mut w.tx, p).await?;
        }
        for u in &d.users {
            dump::insert_user(&mut w.tx, u).await?;
        }
        for t in &d.tickets {
            // `check` made sure both names exist.
            let ids = tickets::RefIds {
                category_id: category_ids
                    .get(t.category.as_str())
                    .copied()
                    .unwrap_or_default(),
                priority_id: priority_ids
                    .get(t.priority.as_str())
                    .copied()
                    .unwrap_or_default(),
            };
            tickets::insert(&mut w.tx, t, ids).await?;
        }
        for c in &d.comments {
            dump::insert_comment(&mut w.tx, c).await?;
        }
        let commented: HashSet<i64> = d.comments.iter().map(|c| c.ticket_id).collect();
        for id in commented {
            search::reindex(&mut w.tx, id).await?;
        }
        for e in &d.events {
            dump::insert_event(&mut w.tx, e).await?;
        }
        // Content first (attachments point at it), through this desk's own store. A file
        // written into a content directory stays there should the transaction fail: it
        // is named by its hash, so it is harmless and the next try finds it.
        let store = &self.config.attachments.store;
        match contents {
            Contents::Embedded => {
                let mut first_use: HashMap<&str, time::Millis> = HashMap::new();
                for a in &d.attachments {
                    let at = first_use.entry(a.sha256.as_str()).or_insert(a.created_at);
                    *at = (*at).min(a.created_at);
                }
                for b in &d.blobs {
                    // Content no attachment uses (one deleted from the dump by hand, say)
                    // is not kept.
                    let Some(at) = first_use.get(b.sha256.as_str()).copied() else {
                        continue;
                    };
                    // `check_content` decoded and hashed it already.
                    let content = BASE64
                        .decode(&b.content)
                        .map_err(|e| refuse(format!("content {}: {e}", b.sha256)))?;
                    files::put_blob_bytes(&mut w.tx, store, &b.sha256, &content, at).await?;
                }
            }
            Contents::Moved { source, blobs } => {
                for b in blobs {
                    let spooled = source.spool_blob(b).await?;
                    files::put_blob(
                        &mut w.tx,
                        store,
                        &b.sha256,
                        b.size,
                        spooled.path(),
                        b.created_at,
                    )
                    .await?;
                }
            }
        }
        for a in &d.attachments {
            files::insert_with_id(
                &mut w.tx,
                a.id,
                NewAttachment {
                    ticket_id: Some(a.ticket_id),
                    comment_id: a.comment_id,
                    name: &a.name,
                    media_type: &a.media_type,
                    size: a.size,
                    sha256: &a.sha256,
                    uploader_id: a.uploader.as_ref().map(|u| u.id),
                    uploader_email: a.uploader_email.as_deref(),
                    visibility: a.visibility,
                    upload_token: None,
                    at: a.created_at,
                },
            )
            .await?;
        }
        let highest = d.tickets.iter().map(|t| t.id).max().unwrap_or(0);
        dump::set_ticket_counter(&mut w.tx, highest).await?;
        if let Some(secrets) = secrets {
            dump::write_secrets(&mut w.tx, secrets).await?;
        }
        dump::reset_sequences(&mut w.tx).await?;
        w.commit().await?;
        self.refs_changed();
        Ok(d.tickets.len())
    }
}

impl Service {
    /// A copy of one of this desk's blobs in a temporary file, read piece by piece and
    /// checked against its hash and size on the way: what a move stores on the target.
    async fn spool_blob(&self, b: &BlobRow) -> Result<super::attachments::Upload> {
        let pool = self.store.pool();
        let mut reader = BlobReader::open(pool, &self.config.attachments.store, &b.sha256)
            .await?
            .ok_or_else(|| refuse(format!("the source lost the content of {}", b.sha256)))?;
        let mut spool = Spool::new(&b.sha256, u64::MAX).await?;
        while let Some(piece) = reader.next(pool).await? {
            spool.write(&piece).await?;
        }
        let spooled = spool.finish().await?;
        if spooled.sha256 != b.sha256 || i64::try_from(spooled.size).ok() != Some(b.size) {
            return Err(refuse(format!(
                "the source's content {} does not match its SHA-256 or size ({} bytes read, {} recorded): the source is damaged",
                b.sha256, spooled.size, b.size
            )));
        }
        Ok(spooled)
    }
}

/// Every blob row of a desk, in hash order (metadata only).
pub(super) async fn all_blobs(pool: &sqlx::AnyPool) -> Result<Vec<BlobRow>> {
    let mut all: Vec<BlobRow> = Vec::new();
    loop {
        let after = all.last().map(|b| b.sha256.clone()).unwrap_or_default();
        let page = files::blobs_after(pool, &after, PAGE).await?;
        if page.is_empty() {
            return Ok(all);
        }
        all.extend(page);
    }
}

/// Each embedded file against its hash and size, one at a time, before anything is
/// written: a dump whose content was changed is refused whole.
fn check_content(d: &DeskDump) -> Result<()> {
    for b in &d.blobs {
        let content = BASE64.decode(&b.content).map_err(|e| {
            refuse(format!(
                "the content of {} is not base64 ({e}); the dump was damaged",
                b.sha256
            ))
        })?;
        if content.len() as i64 != b.size {
            return Err(refuse(format!(
                "the content of {} is {} bytes, not the {} the dump gives; the dump was changed or damaged",
                b.sha256,
                content.len(),
                b.size
            )));
        }
        if hex(&Sha256::digest(&content)) != b.sha256 {
            return Err(refuse(format!(
                "the content of {} does not match its SHA-256; the dump was changed or damaged",
                b.sha256
            )));
        }
    }
    Ok(())
}

/// Everything an import relies on, before anything is written.
fn check(d: &DeskDump, key_prefix: &str) -> Result<()> {
    if d.format != DUMP_FORMAT {
        return Err(refuse(format!(
            "not a desk dump (format `{}`, expected `{DUMP_FORMAT}`)",
            d.format
        )));
    }
    if d.version > DUMP_VERSION {
        return Err(refuse(format!(
            "the dump was written by a newer desk (dump version {}, this desk reads up to {DUMP_VERSION})",
            d.version
        )));
    }
    if d.key_prefix != key_prefix {
        return Err(refuse(format!(
            "the dump's tickets are keyed `{}-…` but this desk's prefix is `{key_prefix}`; set `[desk] key_prefix = \"{}\"` first",
            d.key_prefix, d.key_prefix
        )));
    }
    let unique = |what: &str, ids: Vec<i64>| -> Result<HashSet<i64>> {
        let n = ids.len();
        let set: HashSet<i64> = ids.into_iter().collect();
        if set.len() != n {
            return Err(refuse(format!("the dump repeats {what} ids")));
        }
        Ok(set)
    };
    let user_ids = unique("user", d.users.iter().map(|u| u.id).collect())?;
    let ticket_ids = unique("ticket", d.tickets.iter().map(|t| t.id).collect())?;
    unique("comment", d.comments.iter().map(|c| c.id).collect())?;
    unique("attachment", d.attachments.iter().map(|a| a.id).collect())?;
    unique("event", d.events.iter().map(|e| e.seq).collect())?;
    unique("category", d.categories.iter().map(|c| c.id).collect())?;
    unique("priority", d.priorities.iter().map(|p| p.id).collect())?;
    let statuses: HashSet<&str> = d.statuses.iter().map(|s| s.key.as_str()).collect();
    let categories: HashSet<&str> = d.categories.iter().map(|c| c.name.as_str()).collect();
    let priorities: HashSet<&str> = d.priorities.iter().map(|p| p.name.as_str()).collect();
    let known_user = |id: Option<i64>| id.is_none_or(|id| user_ids.contains(&id));
    for t in &d.tickets {
        let at = |what: String| refuse(format!("ticket {}: {what}", t.key));
        if parse_key_number(key_prefix, &t.key) != Some(t.id) {
            return Err(at(format!("its key does not match its id {}", t.id)));
        }
        if !statuses.contains(t.status.as_str()) {
            return Err(at(format!("unknown status `{}`", t.status)));
        }
        if !categories.contains(t.category.as_str()) {
            return Err(at(format!("unknown category `{}`", t.category)));
        }
        if !priorities.contains(t.priority.as_str()) {
            return Err(at(format!("unknown priority `{}`", t.priority)));
        }
        if !known_user(t.requester.user_id) || !known_user(t.assignee.as_ref().map(|a| a.id)) {
            return Err(at("names a person the dump does not hold".into()));
        }
    }
    for c in &d.comments {
        if !ticket_ids.contains(&c.ticket_id) || !known_user(c.author.as_ref().map(|a| a.id)) {
            return Err(refuse(format!(
                "comment {} points at a ticket or person the dump does not hold",
                c.id
            )));
        }
    }
    for e in &d.events {
        if !ticket_ids.contains(&e.ticket_id) || !known_user(e.actor.as_ref().map(|a| a.id)) {
            return Err(refuse(format!(
                "event {} points at a ticket or person the dump does not hold",
                e.seq
            )));
        }
    }
    let mut blobs: HashMap<&str, i64> = HashMap::new();
    for b in &d.blobs {
        let well_formed = b.sha256.len() == 64
            && b.sha256
                .bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
        if !well_formed || b.size < 0 {
            return Err(refuse(format!(
                "content `{}` is not named by a hex SHA-256 or has a negative size",
                b.sha256
            )));
        }
        if blobs.insert(b.sha256.as_str(), b.size).is_some() {
            return Err(refuse(format!("the dump repeats content {}", b.sha256)));
        }
    }
    let comments: HashMap<i64, (i64, Visibility)> = d
        .comments
        .iter()
        .map(|c| (c.id, (c.ticket_id, c.visibility)))
        .collect();
    for a in &d.attachments {
        let at = |what: &str| refuse(format!("attachment {} ({}) {what}", a.id, a.name));
        if !ticket_ids.contains(&a.ticket_id) {
            return Err(at("points at a ticket the dump does not hold"));
        }
        if let Some(comment_id) = a.comment_id {
            match comments.get(&comment_id) {
                None => return Err(at("points at a comment the dump does not hold")),
                Some((ticket_id, _)) if *ticket_id != a.ticket_id => {
                    return Err(at("points at a comment on another ticket"));
                }
                Some((_, visibility)) if *visibility != a.visibility => {
                    return Err(at("does not have the visibility of its comment"));
                }
                Some(_) => {}
            }
        }
        if !known_user(a.uploader.as_ref().map(|u| u.id)) {
            return Err(at("names a person the dump does not hold"));
        }
        match blobs.get(a.sha256.as_str()) {
            None => return Err(at("names content the dump does not hold")),
            Some(size) if *size != a.size => {
                return Err(at("gives another size than its content"));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dump_with(content: &[u8]) -> DeskDump {
        DeskDump {
            format: DUMP_FORMAT.into(),
            version: DUMP_VERSION,
            key_prefix: "TKT".into(),
            statuses: Vec::new(),
            categories: Vec::new(),
            priorities: Vec::new(),
            users: Vec::new(),
            tickets: Vec::new(),
            comments: Vec::new(),
            events: Vec::new(),
            attachments: Vec::new(),
            blobs: vec![DumpBlob {
                sha256: hex(&Sha256::digest(content)),
                size: content.len() as i64,
                content: BASE64.encode(content),
            }],
        }
    }

    fn says(r: Result<()>) -> String {
        match r {
            Ok(()) => "ok".into(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn embedded_content_is_checked_against_its_hash_and_size() {
        let good = dump_with(b"hello, desk");
        assert_eq!(says(check_content(&good)), "ok");
        assert_eq!(says(check(&good, "TKT")), "ok");

        let mut changed = good.clone();
        changed.blobs[0].content = BASE64.encode(b"hello, DESK");
        assert!(says(check_content(&changed)).contains("does not match its SHA-256"));

        let mut shorter = good.clone();
        shorter.blobs[0].content = BASE64.encode(b"hello");
        assert!(says(check_content(&shorter)).contains("is 5 bytes, not the 11"));

        let mut garbled = good.clone();
        garbled.blobs[0].content = "***".into();
        assert!(says(check_content(&garbled)).contains("not base64"));

        let mut twice = good.clone();
        twice.blobs.push(good.blobs[0].clone());
        assert!(says(check(&twice, "TKT")).contains("repeats content"));

        let mut badly_named = good;
        badly_named.blobs[0].sha256 = "../../etc/passwd".into();
        assert!(says(check(&badly_named, "TKT")).contains("not named by a hex SHA-256"));
    }

    #[test]
    fn an_attachment_must_name_what_the_dump_holds() {
        let mut d = dump_with(b"a file");
        d.attachments.push(DumpAttachment {
            id: 1,
            ticket_id: 7,
            comment_id: None,
            name: "a.txt".into(),
            media_type: "text/plain".into(),
            size: 6,
            sha256: d.blobs[0].sha256.clone(),
            uploader: None,
            uploader_email: None,
            visibility: Visibility::Public,
            created_at: 0,
        });
        assert!(says(check(&d, "TKT")).contains("points at a ticket the dump does not hold"));
    }
}
