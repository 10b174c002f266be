-- amiable schema 10 (PostgreSQL): the notification outbox, deliveries and their attempts,
-- notification preferences, webhook endpoints, inbound mail.

-- The transactional outbox: one row per case event, written in the transaction that
-- appends the event. The dispatcher turns a row into deliveries, then deletes it.
CREATE TABLE outbox (
    id           BIGSERIAL PRIMARY KEY,
    case_id      TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    operator_id  TEXT NOT NULL,
    merchant_id  TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    lease_owner  TEXT,
    lease_until  BIGINT,
    UNIQUE (case_id, seq)
);

-- One message to one recipient through one channel. idem_key is unique: a delivery is
-- planned once per (event, channel, recipient) whatever crashes or nodes do.
CREATE TABLE deliveries (
    id           BIGSERIAL PRIMARY KEY,
    idem_key     TEXT NOT NULL UNIQUE,
    operator_id  TEXT NOT NULL,
    merchant_id  TEXT,
    case_id      TEXT,
    seq          BIGINT,
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
    attempts     BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    due_at       BIGINT NOT NULL,
    lease_owner  TEXT,
    lease_until  BIGINT,
    last_error   TEXT,
    created_at   BIGINT NOT NULL,
    sent_at      BIGINT,
    CHECK (status IN ('pending', 'sent', 'dead', 'cancelled'))
);
CREATE INDEX deliveries_due ON deliveries (due_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_operator ON deliveries (operator_id, status, id);
CREATE INDEX deliveries_by_case ON deliveries (case_id, id);
CREATE INDEX deliveries_by_message_id ON deliveries (message_id);
CREATE INDEX deliveries_by_endpoint ON deliveries (recipient_key, id) WHERE channel = 'webhook';

-- Every attempt of a delivery: the delivery log (webhooks show it per endpoint).
CREATE TABLE delivery_attempts (
    delivery_id  BIGINT NOT NULL,
    attempt      BIGINT NOT NULL,
    at           BIGINT NOT NULL,
    ok           BIGINT NOT NULL,
    status_code  BIGINT,
    detail       TEXT,
    duration_ms  BIGINT NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);

-- What a person chose to receive: a buyer (by operator and email) or a staff user.
CREATE TABLE notification_preferences (
    subject      TEXT PRIMARY KEY,
    preferences  TEXT NOT NULL,
    phone        TEXT,
    updated_at   BIGINT NOT NULL
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
    failing_since   BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    CHECK (status IN ('enabled', 'disabled'))
);
CREATE INDEX webhook_endpoints_by_tenant ON webhook_endpoints (operator_id, merchant_id);

-- Inbound mail: what came in and what became of it (a message, or why it was dropped).
CREATE TABLE inbound_mail (
    id           BIGSERIAL PRIMARY KEY,
    received_at  BIGINT NOT NULL,
    message_id   TEXT,
    sender       TEXT,
    subject      TEXT,
    outcome      TEXT NOT NULL,
    detail       TEXT,
    case_id      TEXT,
    delivery_id  BIGINT
);
CREATE UNIQUE INDEX inbound_mail_once ON inbound_mail (message_id) WHERE message_id IS NOT NULL AND outcome = 'posted';
