-- amiable schema 9: a case's own search terms, so that a search for a word many cases
-- have walks the inbox in its order and checks each case by this index (a seek), rather
-- than gathering every match first (amiable_store::search::Plan).
CREATE INDEX case_search_by_case ON case_search (case_id, term);
