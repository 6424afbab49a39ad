-- The dashboard's per-day series counts resolutions by day: an index on the time keeps
-- that to the period asked for.
CREATE INDEX tickets_resolved ON tickets (resolved_at);
