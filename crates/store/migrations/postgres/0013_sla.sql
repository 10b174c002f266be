-- amiable schema 13 (postgres): service levels, assignment, macros, teams, presence and
-- merchant standing.

-- Who handles a case, and the service-level projection the inbox sorts by and the sweep
-- reads: the nearest due date of a running target, and the next instant something is due
-- (a warning, a breach, an automation's silence). Both recomputed with every command.
ALTER TABLE cases ADD COLUMN assignee_id TEXT;
ALTER TABLE cases ADD COLUMN team_id TEXT;
ALTER TABLE cases ADD COLUMN sla_due_at BIGINT;
ALTER TABLE cases ADD COLUMN sla_next_at BIGINT;
-- The sweep costs in proportion to what is due: it reads this index from its start.
CREATE INDEX cases_sla_next ON cases (sla_next_at) WHERE sla_next_at IS NOT NULL;
CREATE INDEX cases_sla_due ON cases (operator_id, sla_due_at);
CREATE INDEX cases_by_assignee ON cases (operator_id, assignee_id, last_activity_at);

-- Each target of each case as last evaluated (the report is the whole story, the columns
-- what scorecards and badges read).
CREATE TABLE sla_targets (
    case_id            TEXT NOT NULL,
    target             TEXT NOT NULL,
    operator_id        TEXT NOT NULL,
    merchant_id        TEXT NOT NULL,
    opened_at          BIGINT NOT NULL,
    status             TEXT NOT NULL,
    policy             TEXT NOT NULL,
    due_at             BIGINT,
    cycles             BIGINT NOT NULL,
    misses             BIGINT NOT NULL,
    last_took_seconds  BIGINT,
    report             TEXT NOT NULL,
    PRIMARY KEY (case_id, target)
);
CREATE INDEX sla_targets_by_merchant ON sla_targets (operator_id, merchant_id, opened_at);

-- Teams of a shop (or of the marketplace: merchant_id NULL) and their round-robin.
CREATE TABLE teams (
    id           TEXT PRIMARY KEY,
    operator_id  TEXT NOT NULL,
    merchant_id  TEXT,
    name         TEXT NOT NULL,
    members      TEXT NOT NULL,
    next_member  BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL
);
CREATE INDEX teams_by_owner ON teams (operator_id, merchant_id);

-- Canned replies with variables, in French and English, a shop's own (or the marketplace's).
CREATE TABLE macros (
    id           TEXT PRIMARY KEY,
    operator_id  TEXT NOT NULL,
    merchant_id  TEXT,
    title_fr     TEXT NOT NULL,
    title_en     TEXT NOT NULL,
    body_fr      TEXT NOT NULL,
    body_en      TEXT NOT NULL,
    updated_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX macros_by_owner ON macros (operator_id, merchant_id);

-- Who has a case open right now, and whether they are writing (heartbeats, seconds apart).
CREATE TABLE case_presence (
    case_id   TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    name      TEXT NOT NULL,
    typing    BIGINT NOT NULL DEFAULT 0,
    seen_at   BIGINT NOT NULL,
    PRIMARY KEY (case_id, user_id)
);

-- Where each merchant stands, and every change with the figures that caused it.
CREATE TABLE merchant_standing (
    merchant_id   TEXT PRIMARY KEY,
    operator_id   TEXT NOT NULL,
    standing      TEXT NOT NULL,
    since         BIGINT NOT NULL,
    findings      TEXT NOT NULL,
    figures       TEXT NOT NULL,
    evaluated_at  BIGINT NOT NULL
);
CREATE TABLE merchant_standing_changes (
    id             BIGSERIAL PRIMARY KEY,
    operator_id    TEXT NOT NULL,
    merchant_id    TEXT NOT NULL,
    from_standing  TEXT NOT NULL,
    to_standing    TEXT NOT NULL,
    findings       TEXT NOT NULL,
    figures        TEXT NOT NULL,
    changed_at     BIGINT NOT NULL
);
CREATE INDEX merchant_standing_changes_by_merchant ON merchant_standing_changes (operator_id, merchant_id, changed_at);
