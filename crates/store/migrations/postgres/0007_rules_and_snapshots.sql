-- amiable schema 7 (postgres): the rules pack each operator decides under (a code of
-- amiable_domain::law::RULES_PACKS, set when the operator is created), and the shape
-- of each case's state snapshot, so that a snapshot written by an older build is
-- rebuilt from the log rather than misread.

ALTER TABLE operators ADD COLUMN rules_pack TEXT NOT NULL DEFAULT 'fr';
ALTER TABLE cases ADD COLUMN snapshot_version BIGINT NOT NULL DEFAULT 1;
