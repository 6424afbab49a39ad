-- desk schema, version 1 (SQLite). Times are Unix milliseconds; booleans are 0/1
-- integers; JSON is text. A PostgreSQL set mirrors this file statement by statement.

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('ticket', 0);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('customer', 'agent', 'supervisor', 'admin')),
    active        INTEGER NOT NULL DEFAULT 1,
    password_hash TEXT,
    created_at    INTEGER NOT NULL
);

CREATE TABLE categories (
    id                INTEGER PRIMARY KEY,
    name              TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    sla_hours         REAL,
    requires_approval INTEGER NOT NULL DEFAULT 0,
    active            INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX categories_name ON categories (lower(name));

CREATE TABLE priorities (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL,
    rank             INTEGER NOT NULL,
    color            TEXT NOT NULL,
    response_hours   REAL NOT NULL,
    resolution_hours REAL NOT NULL
);
CREATE UNIQUE INDEX priorities_name ON priorities (lower(name));

CREATE TABLE statuses (
    key      TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    class    TEXT NOT NULL CHECK (class IN ('open', 'pending', 'done')),
    position INTEGER NOT NULL
);

CREATE TABLE tickets (
    id                INTEGER PRIMARY KEY,
    key               TEXT NOT NULL UNIQUE,
    title             TEXT NOT NULL,
    description       TEXT NOT NULL,
    requester_id      INTEGER REFERENCES users (id),
    requester_email   TEXT NOT NULL,
    requester_name    TEXT,
    category_id       INTEGER NOT NULL REFERENCES categories (id),
    priority_id       INTEGER NOT NULL REFERENCES priorities (id),
    status            TEXT NOT NULL REFERENCES statuses (key),
    status_class      TEXT NOT NULL,
    assignee_id       INTEGER REFERENCES users (id),
    tags              TEXT NOT NULL DEFAULT '[]',
    custom_fields     TEXT NOT NULL DEFAULT '{}',
    version           INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    first_response_at INTEGER,
    resolved_at       INTEGER,
    closed_at         INTEGER,
    approved_at       INTEGER,
    response_due_at   INTEGER,
    resolution_due_at INTEGER,
    sla_paused_at     INTEGER,
    sla_paused_ms     INTEGER NOT NULL DEFAULT 0
);
-- One index per filter of the query language, each ending in the default sort so the
-- first page of a single-field filter is an index range read.
CREATE INDEX tickets_updated ON tickets (updated_at, id);
CREATE INDEX tickets_status ON tickets (status, updated_at, id);
CREATE INDEX tickets_status_class ON tickets (status_class, updated_at, id);
CREATE INDEX tickets_priority ON tickets (priority_id, updated_at, id);
CREATE INDEX tickets_category ON tickets (category_id, updated_at, id);
CREATE INDEX tickets_assignee ON tickets (assignee_id, updated_at, id);
CREATE INDEX tickets_requester_email ON tickets (requester_email, updated_at, id);
CREATE INDEX tickets_requester ON tickets (requester_id, updated_at, id);
CREATE INDEX tickets_created ON tickets (created_at);
CREATE INDEX tickets_resolution_due ON tickets (resolution_due_at);

-- Tags as rows for filtering; `tickets.tags` keeps the display copy. The row carries
-- the ticket's update time so `tag:x` pages come straight off this index.
CREATE TABLE ticket_tags (
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    tag        TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, tag)
);
CREATE INDEX ticket_tags_tag ON ticket_tags (tag, updated_at, ticket_id);

CREATE TABLE comments (
    id           INTEGER PRIMARY KEY,
    ticket_id    INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_id    INTEGER REFERENCES users (id),
    author_email TEXT,
    body         TEXT NOT NULL,
    visibility   TEXT NOT NULL CHECK (visibility IN ('public', 'internal')),
    created_at   INTEGER NOT NULL
);
CREATE INDEX comments_ticket ON comments (ticket_id, id);

-- The audit trail and the change feed in one: seq is global and strictly increasing.
CREATE TABLE events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    actor_id   INTEGER REFERENCES users (id),
    at         INTEGER NOT NULL,
    field      TEXT,
    old_value  TEXT,
    new_value  TEXT,
    note       TEXT,
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'internal'))
);
CREATE INDEX events_ticket ON events (ticket_id, seq);

-- Full-text index over a ticket's words. Contentless: the text lives in tickets and
-- comments; rows are rewritten whole when a ticket's text changes. Internal notes sit in
-- their own column so customer searches can leave them out.
CREATE VIRTUAL TABLE ticket_search USING fts5 (
    title, description, public_comments, internal_notes,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
