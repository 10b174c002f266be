-- amiable schema 1 (PostgreSQL): tenants, orders, the case event log, projections, jobs.
-- Instants are BIGINT microseconds since the Unix epoch (UTC); money is BIGINT minor units.

CREATE TABLE operators (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    settings    TEXT NOT NULL DEFAULT '{}',
    created_at  BIGINT NOT NULL
);

CREATE TABLE merchants (
    id          TEXT PRIMARY KEY,
    operator_id TEXT NOT NULL REFERENCES operators(id),
    slug        TEXT NOT NULL,
    name        TEXT NOT NULL,
    settings    TEXT NOT NULL DEFAULT '{}',
    created_at  BIGINT NOT NULL,
    UNIQUE (operator_id, slug)
);

CREATE TABLE orders (
    id                    TEXT PRIMARY KEY,
    operator_id           TEXT NOT NULL REFERENCES operators(id),
    merchant_id           TEXT NOT NULL REFERENCES merchants(id),
    external_id           TEXT NOT NULL,
    buyer_email           TEXT NOT NULL,
    buyer_name            TEXT NOT NULL,
    placed_at             BIGINT NOT NULL,
    currency              TEXT NOT NULL,
    total_minor           BIGINT NOT NULL,
    snapshot              TEXT NOT NULL,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL,
    open_cases            BIGINT NOT NULL DEFAULT 0,
    total_cases           BIGINT NOT NULL DEFAULT 0,
    UNIQUE (merchant_id, external_id)
);
CREATE INDEX orders_by_buyer ON orders (operator_id, buyer_email);

CREATE TABLE case_events (
    case_id        TEXT NOT NULL,
    seq            BIGINT NOT NULL,
    operator_id    TEXT NOT NULL,
    merchant_id    TEXT NOT NULL,
    event_type     TEXT NOT NULL,
    schema_version BIGINT NOT NULL,
    actor          TEXT NOT NULL,
    recorded_at    BIGINT NOT NULL,
    payload        TEXT NOT NULL,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);

-- Append-only, enforced by the database: no UPDATE, DELETE or TRUNCATE.
CREATE FUNCTION case_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case_events is append-only';
END
$$;
CREATE TRIGGER case_events_no_change BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION case_events_append_only();
CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events
    FOR EACH STATEMENT EXECUTE FUNCTION case_events_append_only();

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
    claimed_minor     BIGINT,
    currency          TEXT NOT NULL,
    waiting_on        TEXT,
    resolution_kind   TEXT,
    opened_at         BIGINT NOT NULL,
    last_activity_at  BIGINT NOT NULL,
    version           BIGINT NOT NULL,
    last_hash         TEXT NOT NULL,
    state             TEXT NOT NULL
);
CREATE INDEX cases_inbox ON cases (operator_id, merchant_id, status, last_activity_at);
CREATE INDEX cases_by_order ON cases (order_id);

CREATE TABLE jobs (
    id           BIGSERIAL PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    case_id      TEXT,
    due_at       BIGINT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending',
    attempts     BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL DEFAULT 10,
    lease_owner  TEXT,
    lease_until  BIGINT,
    last_error   TEXT,
    created_at   BIGINT NOT NULL,
    finished_at  BIGINT
);
CREATE INDEX jobs_due ON jobs (status, due_at);
