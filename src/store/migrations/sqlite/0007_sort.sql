-- `sort:sla` (soonest due first, stopped clocks last) reads this index in order instead
-- of sorting every ticket; the expression is the store's `sort_expr` for the SLA.
CREATE INDEX tickets_sla_order ON tickets (COALESCE(sla_breach_at, 9223372036854775807), id);
