-- amiable schema 5: return policies (versioned), and each order's money.

-- A policy change adds a version; versions are never edited. scope is a
-- merchant id, or 'operator' for the marketplace's minimum policy.
CREATE TABLE return_policies (
    operator_id    TEXT NOT NULL REFERENCES operators(id),
    scope          TEXT NOT NULL,
    version        INTEGER NOT NULL,
    policy         TEXT NOT NULL,
    effective_from INTEGER NOT NULL,
    created_by     TEXT NOT NULL,
    PRIMARY KEY (operator_id, scope, version)
);

-- One balance per order, changed in the transaction that appends the money
-- event, after the decider checked it. The row is also the order's lock.
CREATE TABLE order_ledgers (
    order_id                 TEXT PRIMARY KEY REFERENCES orders(id),
    operator_id              TEXT NOT NULL,
    merchant_id              TEXT NOT NULL,
    currency                 TEXT NOT NULL,
    captured_minor           INTEGER NOT NULL,
    refunded_minor           INTEGER NOT NULL DEFAULT 0,
    store_credit_minor       INTEGER NOT NULL DEFAULT 0,
    store_credit_bonus_minor INTEGER NOT NULL DEFAULT 0,
    compensation_minor       INTEGER NOT NULL DEFAULT 0,
    surcharge_minor          INTEGER NOT NULL DEFAULT 0,
    due_from_buyer_minor     INTEGER NOT NULL DEFAULT 0,
    updated_at               INTEGER NOT NULL,
    CHECK (refunded_minor >= 0 AND store_credit_minor >= 0 AND refunded_minor + store_credit_minor <= captured_minor)
);

-- Every movement, with the case event that made it.
CREATE TABLE ledger_entries (
    order_id     TEXT NOT NULL,
    case_id      TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    position     INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    recorded_at  INTEGER NOT NULL,
    PRIMARY KEY (case_id, seq, position)
);
CREATE INDEX ledger_entries_by_order ON ledger_entries (order_id, recorded_at);

-- Returns of an order, for "already returned" and per-buyer counts.
CREATE INDEX cases_by_order_kind ON cases (order_id, kind);
