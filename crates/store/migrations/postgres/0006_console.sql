-- amiable schema 6 (postgres): what the web console reads — when the merchant first
-- answered each case (for the scorecards' median first response), and saved inbox views.

ALTER TABLE cases ADD COLUMN first_response_at BIGINT;
UPDATE cases SET first_response_at =
        (EXTRACT(EPOCH FROM ((state::jsonb) ->> 'merchant_first_response_at')::timestamptz) * 1000000)::BIGINT
    WHERE (state::jsonb) ->> 'merchant_first_response_at' IS NOT NULL;

-- An inbox filter a staff member named, to come back to in one click.
CREATE TABLE saved_views (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    name       TEXT NOT NULL,
    query      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, name)
);
