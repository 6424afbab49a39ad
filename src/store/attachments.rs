//! Attachment rows and their content: blobs by SHA-256, in chunks of
//! [`crate::domain::attachment::CHUNK`] bytes, or in a directory by hash.

use std::path::{Path, PathBuf};

use sqlx::{Any, Executor, Row, Transaction};
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::domain::attachment::{Attachment, CHUNK};
use crate::domain::model::{UserRef, Visibility};
use crate::domain::time::Millis;

use super::StoreError;

/// Where new content goes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ContentStore {
    /// In the database (the default): every server on it sees every file.
    #[default]
    Database,
    /// Under this directory, at `ab/cd/<sha256>`, written to a temporary name and renamed.
    Dir(PathBuf),
}

impl ContentStore {
    /// `db`, or `dir:PATH` as `[attachments] store` takes it.
    pub fn parse(s: &str) -> Option<ContentStore> {
        let s = s.trim();
        if s.is_empty() || s == "db" || s == "database" {
            return Some(ContentStore::Database);
        }
        let dir = s.strip_prefix("dir:")?.trim();
        (!dir.is_empty()).then(|| ContentStore::Dir(PathBuf::from(dir)))
    }
}

/// Where a blob lives in a content directory.
pub fn blob_path(dir: &Path, sha256: &str) -> PathBuf {
    let (a, rest) = sha256.split_at(2.min(sha256.len()));
    let b = rest.get(..2).unwrap_or_default();
    dir.join(a).join(b).join(sha256)
}

/// Stores the content of `file` (already hashed) unless a blob with this hash exists.
pub async fn put_blob(
    tx: &mut Transaction<'static, Any>,
    store: &ContentStore,
    sha256: &str,
    size: i64,
    file: &Path,
    now: Millis,
) -> Result<(), StoreError> {
    if !claim_blob(tx, store, sha256, size, now).await? {
        return Ok(());
    }
    let mut f = tokio::fs::File::open(file).await.map_err(io)?;
    write_content(tx, store, sha256, &mut f).await
}

/// [`put_blob`] for content already in memory (an import's embedded files): the same
/// chunking, the same directory layout.
pub async fn put_blob_bytes(
    tx: &mut Transaction<'static, Any>,
    store: &ContentStore,
    sha256: &str,
    content: &[u8],
    now: Millis,
) -> Result<(), StoreError> {
    let size = i64::try_from(content.len())
        .map_err(|_| StoreError::Corrupt(format!("attachment content {sha256} is too big")))?;
    if !claim_blob(tx, store, sha256, size, now).await? {
        return Ok(());
    }
    let mut reader = content;
    write_content(tx, store, sha256, &mut reader).await
}

/// Writes the blob's row; false when a blob with this hash is there already.
async fn claim_blob(
    tx: &mut Transaction<'static, Any>,
    store: &ContentStore,
    sha256: &str,
    size: i64,
    now: Millis,
) -> Result<bool, StoreError> {
    let exists: Option<String> =
        sqlx::query_scalar("SELECT location FROM attachment_blobs WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(&mut **tx)
            .await?;
    if exists.is_some() {
        return Ok(false);
    }
    let location = match store {
        ContentStore::Database => "db",
        ContentStore::Dir(_) => "dir",
    };
    sqlx::query(
        "INSERT INTO attachment_blobs (sha256, size, location, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(sha256)
    .bind(size)
    .bind(location)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

/// The one place content is cut into chunks (or copied into the directory).
async fn write_content<R>(
    tx: &mut Transaction<'static, Any>,
    store: &ContentStore,
    sha256: &str,
    from: &mut R,
) -> Result<(), StoreError>
where
    R: AsyncRead + Unpin + Send,
{
    match store {
        ContentStore::Database => {
            let mut buf = vec![0u8; CHUNK];
            let mut n: i64 = 0;
            loop {
                let got = read_full(from, &mut buf).await?;
                if got == 0 {
                    break;
                }
                sqlx::query("INSERT INTO attachment_chunks (sha256, n, data) VALUES ($1, $2, $3)")
                    .bind(sha256)
                    .bind(n)
                    .bind(&buf[..got])
                    .execute(&mut **tx)
                    .await?;
                n += 1;
                if got < CHUNK {
                    break;
                }
            }
        }
        ContentStore::Dir(dir) => write_into_dir(dir, sha256, from).await?,
    }
    Ok(())
}

/// Copies `from` to its content address: a temporary name in the same directory, synced,
/// then renamed, so a reader never sees half a file and a crash leaves only a temp file.
async fn write_into_dir<R>(dir: &Path, sha256: &str, from: &mut R) -> Result<(), StoreError>
where
    R: AsyncRead + Unpin + Send,
{
    let target = blob_path(dir, sha256);
    if tokio::fs::try_exists(&target).await.unwrap_or(false) {
        return Ok(());
    }
    let parent = target.parent().unwrap_or(dir);
    tokio::fs::create_dir_all(parent).await.map_err(io)?;
    let temp = parent.join(format!(".{sha256}.{:016x}.tmp", rand::random::<u64>()));
    let copied = async {
        let mut to = tokio::fs::File::create(&temp).await?;
        tokio::io::copy(from, &mut to).await?;
        to.sync_all().await?;
        tokio::fs::rename(&temp, &target).await
    }
    .await;
    if let Err(e) = copied {
        let _ = tokio::fs::remove_file(&temp).await;
        return Err(io(e));
    }
    Ok(())
}

async fn read_full<R>(f: &mut R, buf: &mut [u8]) -> Result<usize, StoreError>
where
    R: AsyncRead + Unpin,
{
    let mut got = 0;
    while got < buf.len() {
        let n = f.read(&mut buf[got..]).await.map_err(io)?;
        if n == 0 {
            break;
        }
        got += n;
    }
    Ok(got)
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Corrupt(format!("attachment content: {e}"))
}

pub struct NewAttachment<'a> {
    pub ticket_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub name: &'a str,
    pub media_type: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub uploader_id: Option<i64>,
    pub uploader_email: Option<&'a str>,
    pub visibility: Visibility,
    pub upload_token: Option<&'a str>,
    pub at: Millis,
}

pub async fn insert(
    tx: &mut Transaction<'static, Any>,
    a: NewAttachment<'_>,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO attachments (ticket_id, comment_id, name, media_type, size, sha256,
             uploader_id, uploader_email, visibility, upload_token, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(a.ticket_id)
    .bind(a.comment_id)
    .bind(a.name)
    .bind(a.media_type)
    .bind(a.size)
    .bind(a.sha256)
    .bind(a.uploader_id)
    .bind(a.uploader_email)
    .bind(a.visibility.as_str())
    .bind(a.upload_token)
    .bind(a.at)
    .fetch_one(&mut **tx)
    .await?)
}

const SELECT: &str = "SELECT a.id, COALESCE(t.key, ''), a.comment_id, a.name, a.media_type,
        a.size, a.sha256, a.uploader_id, u.email, u.name, a.uploader_email, a.visibility,
        a.created_at, a.ticket_id
   FROM attachments a LEFT JOIN tickets t ON t.id = a.ticket_id
   LEFT JOIN users u ON u.id = a.uploader_id";

fn row(r: &sqlx::any::AnyRow) -> Result<(Attachment, Option<i64>), StoreError> {
    let vis: String = r.try_get(11)?;
    let uploader_id: Option<i64> = r.try_get(7)?;
    let attachment = Attachment {
        id: r.try_get(0)?,
        ticket: r.try_get(1)?,
        comment_id: r.try_get(2)?,
        name: r.try_get(3)?,
        media_type: r.try_get(4)?,
        size: r.try_get(5)?,
        sha256: r.try_get(6)?,
        uploader: match uploader_id {
            Some(id) => Some(UserRef {
                id,
                email: r.try_get::<Option<String>, _>(8)?.unwrap_or_default(),
                name: r.try_get::<Option<String>, _>(9)?.unwrap_or_default(),
            }),
            None => None,
        },
        uploader_email: r.try_get(10)?,
        visibility: Visibility::parse(&vis)
            .ok_or_else(|| StoreError::Corrupt(format!("attachment visibility `{vis}`")))?,
        created_at: r.try_get(12)?,
    };
    Ok((attachment, r.try_get(13)?))
}

/// One attachment and the id of its ticket (`None` while it waits to be linked).
pub async fn get<'c, E>(ex: E, id: i64) -> Result<Option<(Attachment, Option<i64>)>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let sql = format!("{SELECT} WHERE a.id = $1");
    match sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(ex)
        .await?
    {
        Some(r) => Ok(Some(row(&r)?)),
        None => Ok(None),
    }
}

/// A ticket's attachments, oldest first; `public_only` for customers.
pub async fn for_ticket<'c, E>(
    ex: E,
    ticket_id: i64,
    public_only: bool,
) -> Result<Vec<Attachment>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let sql = format!(
        "{SELECT} WHERE a.ticket_id = $1 AND ($2 = 0 OR a.visibility = 'public') ORDER BY a.id"
    );
    let found = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(ticket_id)
        .bind(i64::from(public_only))
        .fetch_all(ex)
        .await?;
    found.iter().map(|r| row(r).map(|(a, _)| a)).collect()
}

/// Every attachment with an id after `after`, for an export.
pub async fn page_after<'c, E>(ex: E, after: i64, limit: u32) -> Result<Vec<Attachment>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let sql =
        format!("{SELECT} WHERE a.id > $1 AND a.ticket_id IS NOT NULL ORDER BY a.id LIMIT $2");
    let found = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(ex)
        .await?;
    found.iter().map(|r| row(r).map(|(a, _)| a)).collect()
}

/// Where a blob's content lives: `db` or `dir`; `None` when it is gone.
pub async fn blob_location<'c, E>(ex: E, sha256: &str) -> Result<Option<String>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    Ok(
        sqlx::query_scalar("SELECT location FROM attachment_blobs WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(ex)
            .await?,
    )
}

/// Chunk `n` of a blob stored in the database.
pub async fn chunk<'c, E>(ex: E, sha256: &str, n: i64) -> Result<Option<Vec<u8>>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    Ok(
        sqlx::query_scalar("SELECT data FROM attachment_chunks WHERE sha256 = $1 AND n = $2")
            .bind(sha256)
            .bind(n)
            .fetch_optional(ex)
            .await?,
    )
}

/// An upload waiting to be linked, by the hash of its secret.
pub async fn staged_by_token<'c, E>(
    ex: E,
    token_hash: &str,
) -> Result<Option<(Attachment, Option<i64>)>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let sql = format!("{SELECT} WHERE a.upload_token = $1");
    match sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(token_hash)
        .fetch_optional(ex)
        .await?
    {
        Some(r) => Ok(Some(row(&r)?)),
        None => Ok(None),
    }
}

/// Links the waiting upload `id` to a ticket; false when it was linked already (or is
/// gone), so two filings naming one upload cannot both take it. The token stays, so the
/// upload's `url` keeps working for those who may read the ticket.
pub async fn link_upload(
    tx: &mut Transaction<'static, Any>,
    ticket_id: i64,
    id: i64,
) -> Result<bool, StoreError> {
    Ok(
        sqlx::query("UPDATE attachments SET ticket_id = $1 WHERE id = $2 AND ticket_id IS NULL")
            .bind(ticket_id)
            .bind(id)
            .execute(&mut **tx)
            .await?
            .rows_affected()
            == 1,
    )
}

/// Uploads never linked to a ticket, made before `before`: (id, sha256).
pub async fn stale_uploads<'c, E>(
    ex: E,
    before: Millis,
    limit: u32,
) -> Result<Vec<(i64, String)>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let found = sqlx::query(
        "SELECT id, sha256 FROM attachments WHERE ticket_id IS NULL AND created_at < $1
          ORDER BY id LIMIT $2",
    )
    .bind(before)
    .bind(i64::from(limit))
    .fetch_all(ex)
    .await?;
    found
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// Deletes an attachment row, and its blob when no other row uses it. Returns the blob's
/// hash and location when the blob went (a directory's file is then the caller's to
/// delete, after the commit).
pub async fn remove(
    tx: &mut Transaction<'static, Any>,
    id: i64,
    sha256: &str,
) -> Result<Option<String>, StoreError> {
    sqlx::query("DELETE FROM attachments WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let others: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attachments WHERE sha256 = $1")
        .bind(sha256)
        .fetch_one(&mut **tx)
        .await?;
    if others > 0 {
        return Ok(None);
    }
    let location = blob_location(&mut **tx, sha256).await?;
    sqlx::query("DELETE FROM attachment_chunks WHERE sha256 = $1")
        .bind(sha256)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM attachment_blobs WHERE sha256 = $1")
        .bind(sha256)
        .execute(&mut **tx)
        .await?;
    Ok(location)
}

/// Attachments linked to a ticket with an id after `after`, with their ticket's id: what
/// an export or a move carries (uploads still waiting for a ticket are not among them).
pub async fn linked_after<'c, E>(
    ex: E,
    after: i64,
    limit: u32,
) -> Result<Vec<(Attachment, i64)>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let sql =
        format!("{SELECT} WHERE a.id > $1 AND a.ticket_id IS NOT NULL ORDER BY a.id LIMIT $2");
    let found = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(ex)
        .await?;
    found
        .iter()
        .map(|r| {
            let (a, ticket_id) = row(r)?;
            let ticket_id = ticket_id.ok_or_else(|| {
                StoreError::Corrupt(format!("attachment {} lost its ticket", a.id))
            })?;
            Ok((a, ticket_id))
        })
        .collect()
}

/// [`insert`] with the id it had (an import or a move); the blob must be in already.
pub async fn insert_with_id(
    tx: &mut Transaction<'static, Any>,
    id: i64,
    a: NewAttachment<'_>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO attachments (id, ticket_id, comment_id, name, media_type, size, sha256,
             uploader_id, uploader_email, visibility, upload_token, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(id)
    .bind(a.ticket_id)
    .bind(a.comment_id)
    .bind(a.name)
    .bind(a.media_type)
    .bind(a.size)
    .bind(a.sha256)
    .bind(a.uploader_id)
    .bind(a.uploader_email)
    .bind(a.visibility.as_str())
    .bind(a.upload_token)
    .bind(a.at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A blob's row: its hash, size, where its content is (`db` or `dir`) and when it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRow {
    pub sha256: String,
    pub size: i64,
    pub location: String,
    pub created_at: Millis,
}

/// Blobs with a hash after `after` (`""` for the first), in hash order.
pub async fn blobs_after<'c, E>(ex: E, after: &str, limit: u32) -> Result<Vec<BlobRow>, StoreError>
where
    E: Executor<'c, Database = Any>,
{
    let found = sqlx::query(
        "SELECT sha256, size, location, created_at FROM attachment_blobs WHERE sha256 > $1
          ORDER BY sha256 LIMIT $2",
    )
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(ex)
    .await?;
    found
        .iter()
        .map(|r| {
            Ok(BlobRow {
                sha256: r.try_get(0)?,
                size: r.try_get(1)?,
                location: r.try_get(2)?,
                created_at: r.try_get(3)?,
            })
        })
        .collect()
}

/// Reads a blob's content piece by piece (at most [`CHUNK`] bytes at a time), from the
/// database's chunks or the content directory, so no caller holds a whole file.
pub struct BlobReader {
    sha256: String,
    from: BlobSource,
}

enum BlobSource {
    Chunks { next: i64 },
    File(tokio::fs::File),
    Done,
}

impl BlobReader {
    /// `None` when no blob has this hash. `store` is the reading desk's content store: a
    /// blob kept in a directory needs it to be that directory.
    pub async fn open<'c, E>(
        ex: E,
        store: &ContentStore,
        sha256: &str,
    ) -> Result<Option<BlobReader>, StoreError>
    where
        E: Executor<'c, Database = Any>,
    {
        let from = match blob_location(ex, sha256).await?.as_deref() {
            None => return Ok(None),
            Some("db") => BlobSource::Chunks { next: 0 },
            Some(_) => match store {
                ContentStore::Dir(dir) => BlobSource::File(
                    tokio::fs::File::open(blob_path(dir, sha256))
                        .await
                        .map_err(io)?,
                ),
                ContentStore::Database => {
                    return Err(StoreError::Corrupt(format!(
                        "the content of {sha256} is in a content directory this desk is not configured with ([attachments] store)"
                    )));
                }
            },
        };
        Ok(Some(BlobReader {
            sha256: sha256.to_string(),
            from,
        }))
    }

    /// The next piece; `None` at the end.
    pub async fn next<'c, E>(&mut self, ex: E) -> Result<Option<Vec<u8>>, StoreError>
    where
        E: Executor<'c, Database = Any>,
    {
        match &mut self.from {
            BlobSource::Done => Ok(None),
            BlobSource::Chunks { next } => match chunk(ex, &self.sha256, *next).await? {
                Some(data) => {
                    *next += 1;
                    Ok(Some(data))
                }
                None => {
                    self.from = BlobSource::Done;
                    Ok(None)
                }
            },
            BlobSource::File(f) => {
                let mut buf = vec![0u8; CHUNK];
                let got = read_full(f, &mut buf).await?;
                if got == 0 {
                    self.from = BlobSource::Done;
                    return Ok(None);
                }
                buf.truncate(got);
                Ok(Some(buf))
            }
        }
    }
}

/// The hex SHA-256 and size of a blob's content as stored, read piece by piece; `None`
/// when no blob has this hash. What a move checks each copied file with.
pub async fn digest_blob<'c, E>(
    ex: E,
    store: &ContentStore,
    sha256: &str,
) -> Result<Option<(String, i64)>, StoreError>
where
    E: Executor<'c, Database = Any> + Copy,
{
    use sha2::Digest;
    let Some(mut reader) = BlobReader::open(ex, store, sha256).await? else {
        return Ok(None);
    };
    let mut hasher = sha2::Sha256::new();
    let mut size: i64 = 0;
    while let Some(piece) = reader.next(ex).await? {
        size += piece.len() as i64;
        hasher.update(&piece);
    }
    let digest: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Some((digest, size)))
}
