-- amiable schema 12: what the marketplace paid on its decisions, what merchants
-- owe it back, and what carriers paid back on claims (each order's ledger).
ALTER TABLE order_ledgers ADD COLUMN marketplace_paid_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_ledgers ADD COLUMN due_from_merchant_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_ledgers ADD COLUMN carrier_recovered_minor BIGINT NOT NULL DEFAULT 0;

-- A merchant's goodwill spent in a month: compensation rows by merchant and time.
CREATE INDEX order_ledgers_by_merchant ON order_ledgers (merchant_id);
CREATE INDEX ledger_entries_by_kind ON ledger_entries (kind, recorded_at);
