-- Statistics without scans (issue 21): the SQLite set's 0003, statement by statement.
-- Counts kept by a trigger in the same transaction as every change to a ticket, and a
-- breach time per ticket with an index (see the SQLite file for the definition).

ALTER TABLE tickets ADD COLUMN sla_breach_at BIGINT GENERATED ALWAYS AS (
    CASE
        WHEN status_class = 'done' THEN NULL
        WHEN first_response_at > response_due_at THEN 0
        WHEN sla_paused_at IS NULL THEN
            CASE WHEN first_response_at IS NULL AND response_due_at IS NOT NULL
                      AND (resolution_due_at IS NULL OR response_due_at < resolution_due_at)
                 THEN response_due_at ELSE resolution_due_at END
        WHEN (CASE WHEN first_response_at IS NULL AND response_due_at IS NOT NULL
                        AND (resolution_due_at IS NULL OR response_due_at < resolution_due_at)
                   THEN response_due_at ELSE resolution_due_at END) < sla_paused_at THEN 0
        ELSE NULL
    END
) STORED;
CREATE INDEX tickets_sla_breach ON tickets (sla_breach_at);
CREATE INDEX tickets_class_created ON tickets (status_class, created_at);

CREATE TABLE ticket_counts (
    dim TEXT NOT NULL,
    key TEXT NOT NULL,
    n   BIGINT NOT NULL,
    PRIMARY KEY (dim, key)
);

CREATE TABLE sla_horizon (
    id       BIGINT PRIMARY KEY CHECK (id = 1),
    at       BIGINT NOT NULL,
    breached BIGINT NOT NULL
);

-- One function for insert, update and delete: OLD is NULL on insert, NEW on delete.
CREATE FUNCTION tickets_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    o BIGINT := CASE WHEN TG_OP = 'INSERT' THEN 0 ELSE -1 END;
    w BIGINT := CASE WHEN TG_OP = 'DELETE' THEN 0 ELSE 1 END;
    horizon BIGINT;
    delta BIGINT;
BEGIN
    INSERT INTO ticket_counts (dim, key, n)
    SELECT d.dim, d.key, SUM(d.n) FROM (VALUES
        ('status', OLD.status, o),
        ('priority', OLD.priority_id::text, o),
        ('category', OLD.category_id::text, o),
        ('priority_open', OLD.priority_id::text,
            CASE WHEN OLD.status_class <> 'done' THEN o ELSE 0 END),
        ('assignee', COALESCE(OLD.assignee_id::text, ''),
            CASE WHEN OLD.status_class <> 'done' THEN o ELSE 0 END),
        ('unassigned_open', '',
            CASE WHEN OLD.status_class = 'open' AND OLD.assignee_id IS NULL THEN o ELSE 0 END),
        ('status', NEW.status, w),
        ('priority', NEW.priority_id::text, w),
        ('category', NEW.category_id::text, w),
        ('priority_open', NEW.priority_id::text,
            CASE WHEN NEW.status_class <> 'done' THEN w ELSE 0 END),
        ('assignee', COALESCE(NEW.assignee_id::text, ''),
            CASE WHEN NEW.status_class <> 'done' THEN w ELSE 0 END),
        ('unassigned_open', '',
            CASE WHEN NEW.status_class = 'open' AND NEW.assignee_id IS NULL THEN w ELSE 0 END)
    ) AS d (dim, key, n)
    GROUP BY d.dim, d.key HAVING SUM(d.n) <> 0
    ON CONFLICT (dim, key) DO UPDATE SET n = ticket_counts.n + excluded.n;
    SELECT at INTO horizon FROM sla_horizon WHERE id = 1;
    delta := (CASE WHEN w = 1 AND NEW.sla_breach_at < horizon THEN 1 ELSE 0 END)
           - (CASE WHEN o = -1 AND OLD.sla_breach_at < horizon THEN 1 ELSE 0 END);
    IF delta <> 0 THEN
        UPDATE sla_horizon SET breached = breached + delta WHERE id = 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER tickets_count_insert AFTER INSERT OR DELETE ON tickets
    FOR EACH ROW EXECUTE FUNCTION tickets_count();
-- Only when something counted changes: a comment or an edit of the text costs nothing.
CREATE TRIGGER tickets_count_update AFTER UPDATE ON tickets FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
       OR OLD.status_class IS DISTINCT FROM NEW.status_class
       OR OLD.priority_id IS DISTINCT FROM NEW.priority_id
       OR OLD.category_id IS DISTINCT FROM NEW.category_id
       OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id
       OR OLD.sla_breach_at IS DISTINCT FROM NEW.sla_breach_at)
    EXECUTE FUNCTION tickets_count();

-- Backfill for desks made before this migration.
INSERT INTO ticket_counts (dim, key, n)
    SELECT 'status', status, COUNT(*) FROM tickets GROUP BY status;
INSERT INTO ticket_counts (dim, key, n)
    SELECT 'priority', priority_id::text, COUNT(*) FROM tickets GROUP BY priority_id;
INSERT INTO ticket_counts (dim, key, n)
    SELECT 'category', category_id::text, COUNT(*) FROM tickets GROUP BY category_id;
INSERT INTO ticket_counts (dim, key, n)
    SELECT 'priority_open', priority_id::text, COUNT(*) FROM tickets
     WHERE status_class <> 'done' GROUP BY priority_id;
INSERT INTO ticket_counts (dim, key, n)
    SELECT 'assignee', COALESCE(assignee_id::text, ''), COUNT(*) FROM tickets
     WHERE status_class <> 'done' GROUP BY assignee_id;
INSERT INTO ticket_counts (dim, key, n)
    SELECT 'unassigned_open', '', COUNT(*) FROM tickets
     WHERE status_class = 'open' AND assignee_id IS NULL;
INSERT INTO sla_horizon (id, at, breached)
    SELECT 1, h.at, (SELECT COUNT(*) FROM tickets WHERE sla_breach_at < h.at)
      FROM (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS at) h;
