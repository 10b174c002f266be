# The case's dossier (PDF): what a consumer mediator or a court reads. The
# timeline's sentences are the pages' (ui.ftl: timeline-*, kind-*, status-*…);
# these are the dossier's own headings, labels and statements.

dossier-title = Case file { $reference }
dossier-footer = Case file { $reference } — { $marketplace } — { $copy }
dossier-copy-buyer = The customer's copy
dossier-copy-merchant = The shop's copy
dossier-copy-operator = The marketplace's copy
dossier-field-copy = Copy
dossier-field-marketplace = Marketplace
dossier-field-shop = Shop
dossier-field-buyer = Customer
dossier-field-order = Order
dossier-order-placed = { $reference }, placed on { $date }
dossier-field-kind = Kind
dossier-field-reason = Reason
dossier-field-status = Status
dossier-field-stage = Stage
dossier-field-opened = Opened on
dossier-field-state-at = As of
dossier-state-at = { $date } (version { $version })

dossier-claim = The claim
dossier-field-claimed = Amount claimed
dossier-no-claimed-amount = No amount stated
dossier-field-items = Items concerned
dossier-field-description = Statement

dossier-timeline = Timeline
dossier-timeline-intro = Every event of the case, in the order it was recorded, numbered as in the hash chain (times in { $zone }).
dossier-internal = Internal: seen by staff only, never by the customer.
dossier-private-buyer = Private exchange between the customer and the mediator: the shop does not see it.
dossier-private-merchant = Private exchange between the shop and the mediator: the customer does not see it.

dossier-evidence = Evidence
dossier-evidence-intro = The files added to the case. Their SHA-256 fingerprint shows whether a file produced later is the one that was filed.
dossier-column-file = File and SHA-256 fingerprint
dossier-column-type = Type
dossier-column-size = Size
dossier-file-added = Filed on { $date } — { $who }
dossier-no-evidence = No file was added to the case.

dossier-money = Money
dossier-money-intro = The money movements of order { $reference }, across all of the order's cases.
dossier-column-date = Date
dossier-column-movement = Movement
dossier-column-amount = Amount
dossier-ledger-refund = Refund to the customer
dossier-ledger-refund_released = Refund failed: refundable again
dossier-ledger-store_credit = Store credit
dossier-ledger-compensation = Goodwill gesture
dossier-ledger-surcharge = Statutory surcharge for a late refund (French Consumer Code L242-4)
dossier-ledger-surcharge_released = Surcharge carried over (refund failed)
dossier-ledger-due_from_buyer = Owed by the customer (price difference of an exchange)
dossier-ledger-marketplace_paid = Paid to the customer by the marketplace
dossier-ledger-due_from_merchant = Owed by the shop to the marketplace
dossier-ledger-recovery_waived = Recovery from the shop waived
dossier-ledger-carrier_recovered = Carrier's compensation to the shop
dossier-ledger-other-case = { $what } (case { $reference })
dossier-no-money = No money movement was recorded on this order.

dossier-decision = Decision
dossier-decision-of = Decision of { $date }
dossier-field-outcome = Outcome
dossier-field-terms = Terms
dossier-field-grounds = Grounds
dossier-field-cites = Clauses and articles applied
dossier-field-paid-by = Paid by
dossier-paid-by-merchant = The shop
dossier-paid-by-marketplace = The marketplace
dossier-paid-by-marketplace-recovered = The marketplace, which recovers it from the shop
dossier-field-resolution = Outcome of the case
dossier-no-decision = No decision was taken in this case.

dossier-appeal = Appeal
dossier-field-appellant = Lodged by
dossier-field-lodged = Lodged on
dossier-field-appeal-grounds = Grounds of appeal
dossier-field-appeal-outcome = Decision on the appeal
dossier-field-appeal-decided = Taken on
dossier-appeal-pending = Awaiting the decision of another mediator
dossier-no-appeal = No appeal was lodged.

dossier-mediator = Consumer mediator
dossier-field-mediator-name = Mediator
dossier-field-mediator-website = Website
dossier-mediator-offered = Offered to the customer on { $date }. The customer may turn to the mediator free of charge if the dispute is not settled (French Consumer Code L612-1).
dossier-mediator-named = Named by the marketplace, not offered in this case yet. Turning to the mediator is free of charge for the customer (French Consumer Code L612-1).
dossier-no-mediator = The marketplace has not named a consumer mediator.

dossier-integrity = Integrity
dossier-field-events = Events of the case
dossier-field-shown = Reproduced here
dossier-field-last-hash = Fingerprint of the last event
dossier-integrity-verified = The hash chain was verified when this document was made: the case's events are in the order they were recorded, and none was altered, removed or inserted since.
dossier-integrity-broken = The hash chain breaks at event { $seq }: the case was altered outside amiable, and this document cannot be relied on.
dossier-integrity-partial = The events this copy does not reproduce (internal notes, the other party's private exchange with the mediator) are covered by the same chain.
dossier-integrity-method = Each event is sealed with a SHA-256 fingerprint computed together with the previous event's: altering a single event would change every fingerprint after it.
