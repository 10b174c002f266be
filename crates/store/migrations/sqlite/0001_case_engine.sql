-- amiable schema 1 (SQLite): tenants, orders, the case event log, projections, jobs.
-- Instants are INTEGER microseconds since the Unix epoch (UTC); money is INTEGER minor units.

CREATE TABLE operators (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    settings    TEXT NOT NULL DEFAULT '{}',
    created_at  INTEGER NOT NULL
);

CREATE TABLE merchants (
    id          TEXT PRIMARY KEY,
    operator_id TEXT NOT NULL REFERENCES operators(id),
    slug        TEXT NOT NULL,
    name        TEXT NOT NULL,
    settings    TEXT NOT NULL DEFAULT '{}',
    created_at  INTEGER NOT NULL,
    UNIQUE (operator_id, slug)
);

CREATE TABLE orders (
    id                    TEXT PRIMARY KEY,
    operator_id           TEXT NOT NULL REFERENCES operators(id),
    merchant_id           TEXT NOT NULL REFERENCES merchants(id),
    external_id           TEXT NOT NULL,
    buyer_email           TEXT NOT NULL,
    buyer_name            TEXT NOT NULL,
    placed_at             INTEGER NOT NULL,
    currency              TEXT NOT NULL,
    total_minor           INTEGER NOT NULL,
    snapshot              TEXT NOT NULL,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    -- order summary projection, maintained in the transaction that appends case events
    open_cases            INTEGER NOT NULL DEFAULT 0,
    total_cases           INTEGER NOT NULL DEFAULT 0,
    UNIQUE (merchant_id, external_id)
);
CREATE INDEX orders_by_buyer ON orders (operator_id, buyer_email);

-- The timeline: append-only, one hash chain per case.
CREATE TABLE case_events (
    case_id        TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    operator_id    TEXT NOT NULL,
    merchant_id    TEXT NOT NULL,
    event_type     TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    actor          TEXT NOT NULL,
    recorded_at    INTEGER NOT NULL,
    payload        TEXT NOT NULL,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
) WITHOUT ROWID;

CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only');
END;

CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only');
END;

-- The case projection: inbox rows plus the decider's state snapshot.
CREATE TABLE cases (
    id                TEXT PRIMARY KEY,
    operator_id       TEXT NOT NULL,
    merchant_id       TEXT NOT NULL,
    order_id          TEXT NOT NULL REFERENCES orders(id),
    order_external_id TEXT NOT NULL,
    buyer_email       TEXT NOT NULL,
    kind              TEXT NOT NULL,
    status            TEXT NOT NULL,
    stage             TEXT NOT NULL,
    reason            TEXT NOT NULL,
    claimed_minor     INTEGER,
    currency          TEXT NOT NULL,
    waiting_on        TEXT,
    resolution_kind   TEXT,
    opened_at         INTEGER NOT NULL,
    last_activity_at  INTEGER NOT NULL,
    version           INTEGER NOT NULL,
    last_hash         TEXT NOT NULL,
    state             TEXT NOT NULL
);
CREATE INDEX cases_inbox ON cases (operator_id, merchant_id, status, last_activity_at);
CREATE INDEX cases_by_order ON cases (order_id);

-- Delayed work: timers, reminders, notifications.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    case_id      TEXT,
    due_at       INTEGER NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending',
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 10,
    lease_owner  TEXT,
    lease_until  INTEGER,
    last_error   TEXT,
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER
);
CREATE INDEX jobs_due ON jobs (status, due_at);
