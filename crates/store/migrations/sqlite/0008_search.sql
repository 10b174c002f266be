-- amiable schema 8 (sqlite): what a case is found by (amiable_store::search): folded terms —
-- its numbers, the order's number and its parts, the buyer's email and name, the RMA —
-- each searched by prefix through the primary key (operator, term). Terms compare byte
-- by byte, so that a prefix is a range of the index. The cases
-- already stored get their terms when the server first starts on this schema.
CREATE TABLE case_search (
    operator_id TEXT NOT NULL,
    merchant_id TEXT NOT NULL,
    term        TEXT NOT NULL,
    case_id     TEXT NOT NULL,
    PRIMARY KEY (operator_id, term, case_id)
);
-- A shop's search (the usual one) reads only its own terms.
CREATE INDEX case_search_by_merchant ON case_search (merchant_id, term);

-- The buyer's lookup and the order list find an order number in any case (« mdc-2026-005143 »).
CREATE INDEX orders_by_number_folded ON orders (operator_id, lower(external_id));

-- What a case is about in money, for the inbox: the amount claimed, or for a return the price
-- of the lines sent back (a return asked for on the buyer's portal claims no amount).
ALTER TABLE cases ADD COLUMN amount_minor INTEGER;
UPDATE cases SET amount_minor = claimed_minor;
