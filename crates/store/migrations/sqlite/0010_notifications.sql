-- amiable schema 10 (SQLite): the notification outbox, deliveries and their attempts,
-- notification preferences, webhook endpoints, inbound mail.

-- The transactional outbox: one row per case event, written in the transaction that
-- appends the event. The dispatcher turns a row into deliveries, then deletes it.
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id      TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    operator_id  TEXT NOT NULL,
    merchant_id  TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    lease_owner  TEXT,
    lease_until  INTEGER,
    UNIQUE (case_id, seq)
);

-- One message to one recipient through one channel. idem_key is unique: a delivery is
-- planned once per (event, channel, recipient) whatever crashes or nodes do.
CREATE TABLE deliveries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    idem_key     TEXT NOT NULL UNIQUE,
    operator_id  TEXT NOT NULL,
    merchant_id  TEXT,
    case_id      TEXT,
    seq          INTEGER,
    channel      TEXT NOT NULL,
    topic        TEXT NOT NULL,
    audience     TEXT NOT NULL,
    recipient    TEXT NOT NULL,
    recipient_key TEXT NOT NULL,
    language     TEXT NOT NULL,
    sender_name  TEXT NOT NULL,
    subject      TEXT NOT NULL,
    body_text    TEXT NOT NULL,
    body_html    TEXT,
    message_id   TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending',
    transport    TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    due_at       INTEGER NOT NULL,
    lease_owner  TEXT,
    lease_until  INTEGER,
    last_error   TEXT,
    created_at   INTEGER NOT NULL,
    sent_at      INTEGER,
    CHECK (status IN ('pending', 'sent', 'dead', 'cancelled'))
);
CREATE INDEX deliveries_due ON deliveries (due_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_operator ON deliveries (operator_id, status, id);
CREATE INDEX deliveries_by_case ON deliveries (case_id, id);
CREATE INDEX deliveries_by_message_id ON deliveries (message_id);
CREATE INDEX deliveries_by_endpoint ON deliveries (recipient_key, id) WHERE channel = 'webhook';

-- Every attempt of a delivery: the delivery log (webhooks show it per endpoint).
CREATE TABLE delivery_attempts (
    delivery_id  INTEGER NOT NULL,
    attempt      INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    ok           INTEGER NOT NULL,
    status_code  INTEGER,
    detail       TEXT,
    duration_ms  INTEGER NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);

-- What a person chose to receive: a buyer (by operator and email) or a staff user.
CREATE TABLE notification_preferences (
    subject      TEXT PRIMARY KEY,
    preferences  TEXT NOT NULL,
    phone        TEXT,
    updated_at   INTEGER NOT NULL
);

-- Outbound webhooks: endpoints of an operator or of a merchant.
CREATE TABLE webhook_endpoints (
    id              TEXT PRIMARY KEY,
    operator_id     TEXT NOT NULL REFERENCES operators(id),
    merchant_id     TEXT REFERENCES merchants(id),
    url             TEXT NOT NULL,
    description     TEXT NOT NULL,
    event_types     TEXT NOT NULL,
    secrets         TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'enabled',
    disabled_reason TEXT,
    failing_since   INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    CHECK (status IN ('enabled', 'disabled'))
);
CREATE INDEX webhook_endpoints_by_tenant ON webhook_endpoints (operator_id, merchant_id);

-- Inbound mail: what came in and what became of it (a message, or why it was dropped).
CREATE TABLE inbound_mail (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at  INTEGER NOT NULL,
    message_id   TEXT,
    sender       TEXT,
    subject      TEXT,
    outcome      TEXT NOT NULL,
    detail       TEXT,
    case_id      TEXT,
    delivery_id  INTEGER
);
CREATE UNIQUE INDEX inbound_mail_once ON inbound_mail (message_id) WHERE message_id IS NOT NULL AND outcome = 'posted';
