-- Notifications: webhook endpoints, the outbox of deliveries derived from the event
-- feed, the dispatcher's durable cursor into that feed, and per-contact mail opt-outs.
CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY,
    url             TEXT NOT NULL,
    -- JSON array of event names ("ticket.created", ..., or "*").
    events          TEXT NOT NULL,
    -- Kept as given: it must be recoverable to sign each request.
    secret          TEXT NOT NULL,
    internal        INTEGER NOT NULL DEFAULT 0,
    active          INTEGER NOT NULL DEFAULT 1,
    disabled_reason TEXT,
    created_at      INTEGER NOT NULL
);

-- How far the dispatcher has read the event feed; advanced in the same transaction
-- that writes the deliveries those events produce.
CREATE TABLE notify_cursor (
    name TEXT PRIMARY KEY,
    seq  INTEGER NOT NULL
);

CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    event_seq       INTEGER NOT NULL,
    ticket_id       INTEGER NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    webhook_id      INTEGER REFERENCES webhooks (id) ON DELETE SET NULL,
    -- An email address or a webhook URL.
    recipient       TEXT NOT NULL,
    -- The email's subject, or the webhook's event name.
    subject         TEXT NOT NULL,
    -- What is sent, rendered once when the delivery is made so retries send the same.
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_queue ON deliveries (ticket_id, recipient, id);

-- One row per contact mailed: the token in their List-Unsubscribe link, and whether
-- they used it.
CREATE TABLE mail_contacts (
    email         TEXT PRIMARY KEY,
    token         TEXT NOT NULL UNIQUE,
    opted_out_at  INTEGER
);
