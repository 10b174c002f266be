-- amiable schema 2 (sqlite): the inbox deadline, staff users and sessions, API keys,
-- idempotency keys and server secrets.

-- When the party whose move it is should act (amiable_domain::case::next_deadline).
ALTER TABLE cases ADD COLUMN next_deadline_at INTEGER;
UPDATE cases SET next_deadline_at = last_activity_at + 3600000000 * CASE
        WHEN waiting_on = 'merchant' AND stage = 'negotiation' THEN 48
        WHEN waiting_on = 'merchant' THEN 72
        WHEN waiting_on = 'buyer' THEN 168
        WHEN waiting_on = 'operator' THEN 120
    END
    WHERE status = 'open';
CREATE INDEX cases_by_order_number ON cases (operator_id, order_external_id);
-- The inbox's other indexes: migration 3.
CREATE INDEX orders_by_number ON orders (operator_id, external_id);

-- Staff: operator_admin and mediator (merchant_id NULL), merchant_admin and merchant_agent.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    operator_id   TEXT NOT NULL REFERENCES operators(id),
    merchant_id   TEXT REFERENCES merchants(id),
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    locale        TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    disabled_at   INTEGER,
    CHECK ((role IN ('operator_admin', 'mediator') AND merchant_id IS NULL)
        OR (role IN ('merchant_admin', 'merchant_agent') AND merchant_id IS NOT NULL))
);

-- Login sessions: only the SHA-256 of the cookie's token is kept.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    csrf_token  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Machine access: the key is shown once; only the SHA-256 of its secret is kept.
CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    operator_id TEXT NOT NULL REFERENCES operators(id),
    merchant_id TEXT REFERENCES merchants(id),
    name        TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_by  TEXT,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX api_keys_by_operator ON api_keys (operator_id);

-- Idempotency-Key: the first result of a POST, replayed for retries.
-- status IS NULL while the first request runs (locked_until bounds it).
CREATE TABLE idempotency_keys (
    principal     TEXT NOT NULL,
    idem_key      TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        INTEGER,
    response      TEXT,
    created_at    INTEGER NOT NULL,
    locked_until  INTEGER NOT NULL,
    PRIMARY KEY (principal, idem_key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);

-- Keys shared by every node (e.g. the HMAC key of buyer access links).
CREATE TABLE secrets (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
