-- amiable schema 3 (sqlite): indexes that serve the inbox's pages in order, so a page
-- reads LIMIT rows instead of sorting every match. Keyset cursors compare
-- (sort key, id), hence id last in each; DROP … IF EXISTS makes the set exact
-- whatever an earlier development build created.

DROP INDEX IF EXISTS cases_inbox;
DROP INDEX IF EXISTS cases_by_deadline;
DROP INDEX IF EXISTS cases_by_operator_activity;
DROP INDEX IF EXISTS cases_by_merchant_activity;
DROP INDEX IF EXISTS cases_by_buyer_email;
DROP INDEX IF EXISTS orders_by_buyer_email;

-- A merchant's inbox by status, most recently active first (and the operator's per-merchant views).
CREATE INDEX cases_inbox ON cases (operator_id, merchant_id, status, last_activity_at, id);
-- The same, soonest deadline first.
CREATE INDEX cases_by_deadline ON cases (operator_id, merchant_id, status, next_deadline_at, id);
-- A merchant's cases whatever their status.
CREATE INDEX cases_by_merchant_activity ON cases (operator_id, merchant_id, last_activity_at, id);
-- The operator's inbox across merchants.
CREATE INDEX cases_by_operator_activity ON cases (operator_id, last_activity_at, id);
-- Emails are searched whatever their letter case (the domain is stored lower-case, the local part as given).
CREATE INDEX cases_by_buyer_email ON cases (operator_id, lower(buyer_email));
CREATE INDEX orders_by_buyer_email ON orders (operator_id, lower(buyer_email));
