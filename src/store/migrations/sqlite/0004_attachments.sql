-- Attachments (issue 15). Content is kept once per SHA-256 (`attachment_blobs`), in
-- 256 KiB chunks so no reader or writer holds a whole file in memory, or in a directory
-- (`[attachments] store = "dir:PATH"`, location 'dir'). `attachments` rows point at a
-- blob; several rows may share one. Visibility is copied from the comment at upload
-- (comments never change visibility) so reads filter without a join.

CREATE TABLE attachment_blobs (
    sha256     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    location   TEXT NOT NULL CHECK (location IN ('db', 'dir')),
    created_at INTEGER NOT NULL
);

CREATE TABLE attachment_chunks (
    sha256 TEXT NOT NULL REFERENCES attachment_blobs (sha256) ON DELETE CASCADE,
    n      INTEGER NOT NULL,
    data   BLOB NOT NULL,
    PRIMARY KEY (sha256, n)
);

-- ticket_id is NULL for an upload not yet linked to a ticket (seed 002 uploads before
-- it files); upload_token is the secret that links it.
CREATE TABLE attachments (
    id             INTEGER PRIMARY KEY,
    ticket_id      INTEGER REFERENCES tickets (id) ON DELETE CASCADE,
    comment_id     INTEGER REFERENCES comments (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    media_type     TEXT NOT NULL,
    size           INTEGER NOT NULL,
    sha256         TEXT NOT NULL REFERENCES attachment_blobs (sha256),
    uploader_id    INTEGER REFERENCES users (id),
    uploader_email TEXT,
    visibility     TEXT NOT NULL CHECK (visibility IN ('public', 'internal')),
    upload_token   TEXT UNIQUE,
    created_at     INTEGER NOT NULL
);
CREATE INDEX attachments_ticket ON attachments (ticket_id, id);
CREATE INDEX attachments_sha256 ON attachments (sha256);
