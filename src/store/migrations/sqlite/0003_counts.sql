-- Statistics without scans (issue 21): counts kept by triggers in the same transaction
-- as every change to a ticket, whoever writes it (the service, import, migrate,
-- generate), and a breach time per ticket with an index, so `sla:breached` and the
-- dashboard's breached count are one definition and neither reads every ticket.

-- When the ticket is (or was) past its SLA, as long as the row stays as it is: NULL
-- for done tickets (a done ticket is never breached) and for stopped clocks that
-- stopped in time; 0 for a breach that no longer depends on the time (answered late,
-- or stopped after a due time had passed); else the earliest due time still running.
-- "Breached at T" is `sla_breach_at < T`. The PostgreSQL set has the same expression.
ALTER TABLE tickets ADD COLUMN sla_breach_at INTEGER GENERATED ALWAYS AS (
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
) VIRTUAL;
CREATE INDEX tickets_sla_breach ON tickets (sla_breach_at);
-- The oldest open ticket is the first entry of this index.
CREATE INDEX tickets_class_created ON tickets (status_class, created_at);

-- Tickets per (dimension, key): status (key), priority and category (id), assignee
-- (id, '' for nobody; tickets not done), priority_open (priority id; tickets not done),
-- unassigned_open ('').
CREATE TABLE ticket_counts (
    dim TEXT NOT NULL,
    key TEXT NOT NULL,
    n   INTEGER NOT NULL,
    PRIMARY KEY (dim, key)
);

-- Breaches are counted up to a horizon: `breached` is the number of tickets with
-- sla_breach_at < at, kept by the triggers; a reader adds the few that became due
-- between the horizon and now (an index range), and the horizon moves forward now and
-- then (store::stats::advance_horizon).
CREATE TABLE sla_horizon (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    at       INTEGER NOT NULL,
    breached INTEGER NOT NULL
);

CREATE TRIGGER tickets_count_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_counts (dim, key, n) VALUES
        ('status', NEW.status, 1),
        ('priority', CAST(NEW.priority_id AS TEXT), 1),
        ('category', CAST(NEW.category_id AS TEXT), 1),
        ('priority_open', CAST(NEW.priority_id AS TEXT),
            CASE WHEN NEW.status_class <> 'done' THEN 1 ELSE 0 END),
        ('assignee', COALESCE(CAST(NEW.assignee_id AS TEXT), ''),
            CASE WHEN NEW.status_class <> 'done' THEN 1 ELSE 0 END),
        ('unassigned_open', '',
            CASE WHEN NEW.status_class = 'open' AND NEW.assignee_id IS NULL THEN 1 ELSE 0 END)
    ON CONFLICT (dim, key) DO UPDATE SET n = n + excluded.n;
    UPDATE sla_horizon SET breached = breached + 1 WHERE NEW.sla_breach_at < at;
END;

CREATE TRIGGER tickets_count_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO ticket_counts (dim, key, n) VALUES
        ('status', OLD.status, -1),
        ('priority', CAST(OLD.priority_id AS TEXT), -1),
        ('category', CAST(OLD.category_id AS TEXT), -1),
        ('priority_open', CAST(OLD.priority_id AS TEXT),
            CASE WHEN OLD.status_class <> 'done' THEN -1 ELSE 0 END),
        ('assignee', COALESCE(CAST(OLD.assignee_id AS TEXT), ''),
            CASE WHEN OLD.status_class <> 'done' THEN -1 ELSE 0 END),
        ('unassigned_open', '',
            CASE WHEN OLD.status_class = 'open' AND OLD.assignee_id IS NULL THEN -1 ELSE 0 END)
    ON CONFLICT (dim, key) DO UPDATE SET n = n + excluded.n;
    UPDATE sla_horizon SET breached = breached - 1 WHERE OLD.sla_breach_at < at;
END;

-- Only when something counted changes: a comment or an edit of the text costs nothing.
CREATE TRIGGER tickets_count_update AFTER UPDATE ON tickets
WHEN OLD.status IS NOT NEW.status OR OLD.status_class IS NOT NEW.status_class
  OR OLD.priority_id IS NOT NEW.priority_id OR OLD.category_id IS NOT NEW.category_id
  OR OLD.assignee_id IS NOT NEW.assignee_id OR OLD.sla_breach_at IS NOT NEW.sla_breach_at
BEGIN
    INSERT INTO ticket_counts (dim, key, n)
    SELECT dim, key, SUM(n) FROM (
        SELECT 'status' AS dim, OLD.status AS key, -1 AS n
        UNION ALL SELECT 'priority', CAST(OLD.priority_id AS TEXT), -1
        UNION ALL SELECT 'category', CAST(OLD.category_id AS TEXT), -1
        UNION ALL SELECT 'priority_open', CAST(OLD.priority_id AS TEXT),
            CASE WHEN OLD.status_class <> 'done' THEN -1 ELSE 0 END
        UNION ALL SELECT 'assignee', COALESCE(CAST(OLD.assignee_id AS TEXT), ''),
            CASE WHEN OLD.status_class <> 'done' THEN -1 ELSE 0 END
        UNION ALL SELECT 'unassigned_open', '',
            CASE WHEN OLD.status_class = 'open' AND OLD.assignee_id IS NULL THEN -1 ELSE 0 END
        UNION ALL SELECT 'status', NEW.status, 1
        UNION ALL SELECT 'priority', CAST(NEW.priority_id AS TEXT), 1
        UNION ALL SELECT 'category', CAST(NEW.category_id AS TEXT), 1
        UNION ALL SELECT 'priority_open', CAST(NEW.priority_id AS TEXT),
            CASE WHEN NEW.status_class <> 'done' THEN 1 ELSE 0 END
        UNION ALL SELECT 'assignee', COALESCE(CAST(NEW.assignee_id AS TEXT), ''),
            CASE WHEN NEW.status_class <> 'done' THEN 1 ELSE 0 END
        UNION ALL SELECT 'unassigned_open', '',
            CASE WHEN NEW.status_class = 'open' AND NEW.assignee_id IS NULL THEN 1 ELSE 0 END
    ) WHERE true GROUP BY dim, key HAVING SUM(n) <> 0
    ON CONFLICT (dim, key) DO UPDATE SET n = n + excluded.n;
    UPDATE sla_horizon
       SET breached = breached
           + (CASE WHEN NEW.sla_breach_at < at THEN 1 ELSE 0 END)
           - (CASE WHEN OLD.sla_breach_at < at THEN 1 ELSE 0 END)
     WHERE (NEW.sla_breach_at < at) IS NOT (OLD.sla_breach_at < at);
END;

-- Backfill for desks made before this migration.
INSERT INTO ticket_counts (dim, key, n)
    SELECT 'status', status, COUNT(*) FROM tickets GROUP BY status;
INSERT INTO ticket_counts (dim, key, n)
    SELECT 'priority', CAST(priority_id AS TEXT), COUNT(*) FROM tickets GROUP BY priority_id;
INSERT INTO ticket_counts (dim, key, n)
    SELECT 'category', CAST(category_id AS TEXT), COUNT(*) FROM tickets GROUP BY category_id;
INSERT INTO ticket_counts (dim, key, n)
    SELECT 'priority_open', CAST(priority_id AS TEXT), COUNT(*) FROM tickets
     WHERE status_class <> 'done' GROUP BY priority_id;
INSERT INTO ticket_counts (dim, key, n)
    SELECT 'assignee', COALESCE(CAST(assignee_id AS TEXT), ''), COUNT(*) FROM tickets
     WHERE status_class <> 'done' GROUP BY assignee_id;
INSERT INTO ticket_counts (dim, key, n)
    SELECT 'unassigned_open', '', COUNT(*) FROM tickets
     WHERE status_class = 'open' AND assignee_id IS NULL;
INSERT INTO sla_horizon (id, at, breached)
    SELECT 1, h.at, (SELECT COUNT(*) FROM tickets WHERE sla_breach_at < h.at)
      FROM (SELECT CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) AS at) h;
