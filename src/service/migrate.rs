//! Moving a whole desk from one database to another (SQLite to PostgreSQL, usually):
//! everything an export holds plus what it leaves out on purpose (password hashes, API
//! tokens, the ticket counter, uploads still waiting for a ticket), written in one
//! transaction, then checked against the source by row counts and checksums before
//! anyone is told it worked. Attachments' content is streamed blob by blob (a temporary
//! file each, never a whole desk's files in memory), through the target's own content
//! store, and every copied blob is read back from the target and hashed.

use sha2::{Digest, Sha256};

use crate::domain::requests::DeskDump;
use crate::store::attachments::{self as files, BlobRow};
use crate::store::dump;

use super::dump::{Contents, all_blobs};
use super::{Service, ServiceError};

#[derive(Debug, thiserror::Error)]
pub enum MoveError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// Written, but not what the source holds: the target must not be used.
    #[error("the copy does not match the source: {0}")]
    Mismatch(String),
}

impl From<crate::store::StoreError> for MoveError {
    fn from(e: crate::store::StoreError) -> Self {
        MoveError::Service(e.into())
    }
}

/// What a move wrote and how it was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveReport {
    /// Rows per table, equal on both sides.
    pub counts: Vec<(&'static str, i64)>,
    /// SHA-256 of the whole desk as read back from the target, equal to the source's.
    pub checksum: String,
    /// Attachment files read back from the target and found to match their SHA-256.
    pub files_verified: usize,
}

impl Service {
    /// Copies this desk into `target`, which must be empty, and verifies the copy. On a
    /// mismatch the target is left as written (it was empty, so it can be dropped) and
    /// the error says what differs.
    pub async fn move_into(&self, target: &Service) -> Result<MoveReport, MoveError> {
        // Checked again inside the import; this spares reading a big desk for nothing.
        target.ensure_empty().await?;
        let pool = self.store().pool();
        let source = self.export_rows().await?;
        let secrets = dump::read_secrets(pool).await?;
        let blobs = all_blobs(pool).await?;
        let source_counts = dump::table_counts(pool).await?;
        let source_sum = checksum(&source, &secrets, &blobs);

        let contents = Contents::Moved {
            source: self,
            blobs: &blobs,
        };
        target
            .import_with(&source, Some(&secrets), contents)
            .await?;

        let tpool = target.store().pool();
        let target_counts = dump::table_counts(tpool).await?;
        if target_counts != source_counts {
            let differs: Vec<String> = source_counts
                .iter()
                .zip(&target_counts)
                .filter(|(a, b)| a != b)
                .map(|((t, a), (_, b))| format!("{t}: {a} in the source, {b} in the target"))
                .collect();
            return Err(MoveError::Mismatch(differs.join("; ")));
        }
        let copied = target.export_rows().await?;
        let copied_secrets = dump::read_secrets(tpool).await?;
        let copied_blobs = all_blobs(tpool).await?;
        let target_sum = checksum(&copied, &copied_secrets, &copied_blobs);
        if target_sum != source_sum {
            return Err(MoveError::Mismatch(format!(
                "checksums differ ({})",
                first_difference(&source, &copied)
            )));
        }
        // The checksum covers the files' hashes; this reads what was stored under them.
        let tstore = &target.config.attachments.store;
        for b in &copied_blobs {
            let read = files::digest_blob(tpool, tstore, &b.sha256).await?;
            if read.as_ref() != Some(&(b.sha256.clone(), b.size)) {
                return Err(MoveError::Mismatch(format!(
                    "attachment content {} reads back from the target as {}",
                    b.sha256,
                    match read {
                        Some((sha256, size)) => format!("{size} bytes hashing to {sha256}"),
                        None => "missing".into(),
                    }
                )));
            }
        }
        Ok(MoveReport {
            counts: target_counts,
            checksum: target_sum,
            files_verified: copied_blobs.len(),
        })
    }
}

/// One digest over every part of a desk, each part in a fixed order. Breach flags are
/// left out: they are judged against the clock at read time, not stored.
/// Blobs count by hash, size and age; where each is kept (database or directory) may
/// differ between the two desks.
fn checksum(d: &DeskDump, s: &dump::Secrets, blobs: &[BlobRow]) -> String {
    let mut h = Sha256::new();
    let mut part = |name: &str, json: serde_json::Result<Vec<u8>>| {
        h.update(name.as_bytes());
        h.update(json.unwrap_or_default());
    };
    let mut tickets = d.tickets.clone();
    for t in &mut tickets {
        t.sla.breached = false;
    }
    part("statuses", serde_json::to_vec(&d.statuses));
    part("categories", serde_json::to_vec(&d.categories));
    part("priorities", serde_json::to_vec(&d.priorities));
    part("users", serde_json::to_vec(&d.users));
    part("tickets", serde_json::to_vec(&tickets));
    part("comments", serde_json::to_vec(&d.comments));
    part("events", serde_json::to_vec(&d.events));
    part("attachments", serde_json::to_vec(&d.attachments));
    part("blobs", serde_json::to_vec(&d.blobs));
    for b in blobs {
        h.update(format!("blob {} {} {};", b.sha256, b.size, b.created_at).as_bytes());
    }
    h.update(format!("{:?}", s).as_bytes());
    h.finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
}

/// A hint at where two dumps part, for the error message.
fn first_difference(a: &DeskDump, b: &DeskDump) -> String {
    let json = |v: &dyn erased::Json| v.to_json();
    let parts: [(&str, &dyn erased::Json, &dyn erased::Json); 8] = [
        ("statuses", &a.statuses, &b.statuses),
        ("categories", &a.categories, &b.categories),
        ("priorities", &a.priorities, &b.priorities),
        ("users", &a.users, &b.users),
        ("comments", &a.comments, &b.comments),
        ("events", &a.events, &b.events),
        ("attachments", &a.attachments, &b.attachments),
        ("blobs", &a.blobs, &b.blobs),
    ];
    for (name, x, y) in parts {
        if json(x) != json(y) {
            return format!("{name} differ");
        }
    }
    for (x, y) in a.tickets.iter().zip(&b.tickets) {
        let (mut x, mut y) = (x.clone(), y.clone());
        x.sla.breached = false;
        y.sla.breached = false;
        if serde_json::to_string(&x).ok() != serde_json::to_string(&y).ok() {
            return format!("ticket {} differs", x.key);
        }
    }
    "password hashes, tokens, waiting uploads or blob rows differ".into()
}

mod erased {
    pub trait Json {
        fn to_json(&self) -> Option<String>;
    }
    impl<T: serde::Serialize> Json for Vec<T> {
        fn to_json(&self) -> Option<String> {
            serde_json::to_string(self).ok()
        }
    }
}
