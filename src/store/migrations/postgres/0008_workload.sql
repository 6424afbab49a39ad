-- The dashboard's per-agent figures: `assignee:X sla:breached` is a range of the first
-- index, and each agent's oldest not-done ticket (`assignee:X -status:done sort:created`,
-- the class written as `IN ('open', 'pending')`) the first rows of the second.
CREATE INDEX tickets_assignee_breach ON tickets (assignee_id, sla_breach_at);
CREATE INDEX tickets_assignee_class_created ON tickets (assignee_id, status_class, created_at, id);
