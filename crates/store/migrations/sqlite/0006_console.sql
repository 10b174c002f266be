-- amiable schema 6 (sqlite): what the web console reads — when the merchant first
-- answered each case (for the scorecards' median first response), and saved inbox views.

ALTER TABLE cases ADD COLUMN first_response_at INTEGER;
-- Existing cases: the decider's state holds the instant as RFC 3339 ("…T10:00:00.123456Z");
-- whole seconds from unixepoch(), the fraction (up to 6 digits) read as microseconds.
UPDATE cases SET first_response_at = (
        SELECT unixepoch(substr(v, 1, 19) || 'Z') * 1000000
             + CASE WHEN instr(v, '.') > 0
                    THEN CAST(substr(substr(v, instr(v, '.') + 1, length(v) - instr(v, '.') - 1) || '000000', 1, 6) AS INTEGER)
                    ELSE 0 END
        FROM (SELECT json_extract(state, '$.merchant_first_response_at') AS v)
    )
    WHERE json_extract(state, '$.merchant_first_response_at') IS NOT NULL;

-- An inbox filter a staff member named, to come back to in one click.
CREATE TABLE saved_views (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    name       TEXT NOT NULL,
    query      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (user_id, name)
);
