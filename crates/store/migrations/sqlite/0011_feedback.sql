-- amiable schema 11 (SQLite): what buyers think of how their case was settled.

-- One answer per case (the buyer may change it): 1 (very dissatisfied) to 5 (very satisfied),
-- and what they wrote. Kept beside the case, not in its timeline: an opinion, not a step.
CREATE TABLE case_feedback (
    case_id      TEXT PRIMARY KEY,
    operator_id  TEXT NOT NULL,
    merchant_id  TEXT NOT NULL,
    rating       INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment      TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX case_feedback_by_merchant ON case_feedback (operator_id, merchant_id, created_at);
