//! Incidents and the escalation ladder, rule by rule: given a case's history,
//! when a party sends a command, then these events (or this refusal).
//!
//! Each test names its rule and the article or practice it comes from
//! (docs/DISPUTES.md): the escalation window, responsibility and the proof
//! of delivery (C. conso L216-2), late delivery (L216-1, L216-6, L216-7,
//! L241-4), the carrier's reserves (C. com. L133-3), replacement parcels, the
//! mediator's private channels and requests, decisions paid by the
//! marketplace and recovered, appeals, goodwill budgets and the consumer
//! mediator (L612-1).

use amiable_domain::case::{
    Actor, CaseEvent, CaseKind, CaseState, CaseStatus, Command, ConsumerMediator, Context,
    GoodwillBudget, GoodwillContext, GoodwillKind, IncidentCommand, IncidentEvent, LadderRules,
    LifecycleCommand, MediationCommand, MediationEvent, MoneyCommand, MoneyEvent, Party,
    RecordedEvent, Rejection, ResolutionKind, Stage, decide, ledger_entries,
};
use amiable_domain::case::{
    AppealOutcome, ClaimOutcome, ConversationCommand, EscalationCommand, ReshipmentStatus,
    Responsibility,
};
use amiable_domain::ids::{CaseId, MerchantId, OperatorId, OrderId};
use amiable_domain::law::LawPack;
use amiable_domain::ledger::OrderLedger;
use amiable_domain::money::{Currency, Money};
use amiable_domain::order::{Order, OrderInput};
use amiable_domain::reason::{ReasonCode, ReasonTaxonomy};
use amiable_domain::text::{Body, Label};
use jiff::Timestamp;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// The harness
// ---------------------------------------------------------------------------

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::EUR)
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn body(text: &str) -> Body {
    Body::parse(text).unwrap()
}

fn label(text: &str) -> Label {
    Label::parse(text).unwrap()
}

fn buyer() -> Actor {
    Actor::Buyer
}

fn merchant() -> Actor {
    Actor::MerchantUser { id: "agent".into() }
}

fn mediator() -> Actor {
    Actor::OperatorUser {
        id: "mediator-1".into(),
    }
}

fn second_mediator() -> Actor {
    Actor::OperatorUser {
        id: "mediator-2".into(),
    }
}

/// Two pulls at 45 € and a candle at 20 €, 4.90 € shipping, 114.90 € captured;
/// ordered Monday 2 November 2026. `shipments` as given (none: never shipped).
fn order_with(placed_at: &str, shipments: Value) -> Order {
    let input: OrderInput = serde_json::from_value(json!({
        "external_id": "CMD-INC-1",
        "placed_at": placed_at,
        "currency": "EUR",
        "buyer": {"name": "Claire Martin", "email": "claire.martin@exemple.fr", "locale": "fr"},
        "lines": [
            {"sku": "PULL-M", "title": "Pull en laine", "category": "vêtements", "quantity": 2, "unit_price_minor": 4500},
            {"sku": "BOUGIE", "title": "Bougie", "category": "maison", "quantity": 1, "unit_price_minor": 2000}
        ],
        "shipping_minor": 490,
        "payment": {"provider": "stripe", "transaction_id": "ch_1", "captured_minor": 11490},
        "shipments": shipments,
    }))
    .unwrap();
    Order::from_input(
        OrderId::from_bytes([1; 16]),
        OperatorId::from_bytes([2; 16]),
        MerchantId::from_bytes([3; 16]),
        &input,
    )
    .unwrap()
}

/// Delivered Thursday 5 November 2026 at 11:00 in Paris.
fn delivered_order() -> Order {
    order_with(
        "2026-11-02T09:15:00+01:00",
        json!([{"carrier": "Colissimo", "tracking_number": "6A1", "shipped_at": "2026-11-03T10:00:00Z",
                "delivered_at": "2026-11-05T10:00:00Z",
                "lines": [{"line_id": "1", "quantity": 2}, {"line_id": "2", "quantity": 1}]}]),
    )
}

/// Shipped but never delivered.
fn lost_order() -> Order {
    order_with(
        "2026-11-02T09:15:00+01:00",
        json!([{"carrier": "Colissimo", "tracking_number": "6A1", "shipped_at": "2026-11-03T10:00:00Z",
                "lines": [{"line_id": "1", "quantity": 2}, {"line_id": "2", "quantity": 1}]}]),
    )
}

/// A case, its order, its money and the marketplace's rules, built with the decider.
struct Case {
    order: Order,
    log: Vec<RecordedEvent>,
    ledger: OrderLedger,
    ladder: LadderRules,
    goodwill: Option<GoodwillContext>,
    law: LawPack,
    taxonomy: ReasonTaxonomy,
}

impl Case {
    /// An incident opened by the buyer for `reason` on one pull, on Monday 9 November 2026.
    fn incident(order: Order, reason: &str) -> Case {
        let mut case = Case {
            ledger: OrderLedger::new(eur(11490)),
            order,
            log: Vec::new(),
            ladder: LadderRules {
                consumer_mediator: Some(ConsumerMediator {
                    name: label("CM2C"),
                    website: label("https://www.cm2c.net"),
                }),
                ..LadderRules::default()
            },
            goodwill: None,
            law: LawPack::france(),
            taxonomy: ReasonTaxonomy::default(),
        };
        case.ok(
            buyer(),
            Command::Lifecycle(LifecycleCommand::Open {
                kind: CaseKind::Incident,
                reason: ReasonCode::parse(reason).unwrap(),
                items: serde_json::from_value(json!([{"line_id": "1", "quantity": 1}])).unwrap(),
                claimed: Some(eur(4500)),
                description: body("Le colis n'est jamais arrivé."),
                stage: None,
                preferred: None,
            }),
            "2026-11-09T09:00:00Z",
        );
        case
    }

    fn state(&self) -> Option<CaseState> {
        CaseState::replay(CaseId::from_bytes([9; 16]), &self.log)
    }

    fn now(&self) -> CaseState {
        self.state().unwrap()
    }

    /// When `actor` sends `command` at `when`: the events, or the refusal.
    fn when(
        &self,
        actor: &Actor,
        command: &Command,
        when: &str,
    ) -> Result<Vec<CaseEvent>, Rejection> {
        let state = self.state();
        decide(
            state.as_ref(),
            command,
            &Context {
                now: at(when),
                actor,
                order: Some(&self.order),
                taxonomy: &self.taxonomy,
                law: &self.law,
                ledger: Some(&self.ledger),
                returns: None,
                ladder: Some(&self.ladder),
                goodwill: self.goodwill.as_ref(),
            },
        )
    }

    /// The command is accepted: its events are appended (and its money applied).
    #[track_caller]
    fn ok(&mut self, actor: Actor, command: Command, when: &str) -> Vec<CaseEvent> {
        let events = self
            .when(&actor, &command, when)
            .unwrap_or_else(|e| panic!("{} refused: {} ({e})", command.name(), e.code()));
        let before = self.state();
        for entry in ledger_entries(before.as_ref(), &events) {
            self.ledger.apply(&entry).unwrap();
        }
        for event in &events {
            let seq = self.log.len() as i64 + 1;
            self.log.push(RecordedEvent {
                seq,
                actor: actor.clone(),
                recorded_at: at(when),
                event: event.clone(),
            });
            let state = self.state().unwrap();
            assert_eq!(state.invariant_violation(), None, "after {event:?}");
        }
        events
    }

    /// The command is refused with `code`, and nothing is written.
    #[track_caller]
    fn refused(&self, actor: Actor, command: Command, when: &str, code: &str) -> Rejection {
        match self.when(&actor, &command, when) {
            Ok(events) => panic!("expected {code}, got {events:?}"),
            Err(rejection) => {
                assert_eq!(rejection.code(), code, "{rejection}");
                rejection
            }
        }
    }
}

fn post(text: &str) -> Command {
    Command::Conversation(ConversationCommand::PostMessage { body: body(text) })
}

fn escalate(to: Stage) -> Command {
    Command::Escalation(EscalationCommand::Escalate {
        to: Some(to),
        reason: label("Pas d'accord"),
    })
}

fn decision(value: Value) -> Command {
    Command::Escalation(EscalationCommand::RecordDecision {
        decision: serde_json::from_value(value).unwrap(),
        gateway: Some(label("stripe")),
    })
}

const GROUNDS: &str = "Sans preuve de livraison, le colis n'est pas livré : le risque pèse sur la boutique (C. conso L216-2).";

/// A full refund paid by the marketplace and recovered from the merchant.
fn paid_by_marketplace(recover: bool) -> Command {
    decision(json!({
        "outcome": "buyer_favoured",
        "resolution": {"kind": "full_refund", "amount": eur_json(4500)},
        "rationale": GROUNDS,
        "cites": ["CGV marchands art. 9.2", "C. conso L216-2"],
        "paid_by": "marketplace",
        "recover_from_merchant": recover,
    }))
}

fn eur_json(minor: i64) -> Value {
    json!({"amount_minor": minor, "currency": "EUR"})
}

/// A not-received incident the operator took to arbitration.
fn in_arbitration() -> Case {
    let mut case = Case::incident(lost_order(), "not_received");
    case.ok(
        mediator(),
        escalate(Stage::Arbitration),
        "2026-11-16T09:00:00Z",
    );
    case
}

// ---------------------------------------------------------------------------
// The escalation window
// ---------------------------------------------------------------------------

#[test]
fn the_buyer_escalates_only_after_the_merchants_window() {
    let case = Case::incident(lost_order(), "not_received");
    // Opened Monday 9 November at 10:00 in Paris: Tuesday, Thursday (the 11th is a
    // public holiday), Friday — the window closes Friday 13 at 10:00.
    let early = case.refused(
        buyer(),
        escalate(Stage::Mediation),
        "2026-11-13T08:59:00Z",
        "escalation.too_early",
    );
    assert!(early.to_string().contains("2026-11-13"), "{early}");
    case.when(
        &buyer(),
        &escalate(Stage::Mediation),
        "2026-11-13T09:00:00Z",
    )
    .unwrap();
    // The merchant itself may ask the marketplace at any time.
    case.when(
        &merchant(),
        &escalate(Stage::Mediation),
        "2026-11-09T10:00:00Z",
    )
    .unwrap();
}

#[test]
fn once_the_merchant_answered_the_buyer_may_escalate_at_once() {
    let mut case = Case::incident(lost_order(), "not_received");
    case.ok(merchant(), post("Nous enquêtons."), "2026-11-09T10:00:00Z");
    case.when(
        &buyer(),
        &escalate(Stage::Mediation),
        "2026-11-09T10:05:00Z",
    )
    .unwrap();
}

#[test]
fn the_window_is_the_operators_to_set() {
    let mut case = Case::incident(lost_order(), "not_received");
    case.ladder.escalation_window_days = 1;
    case.when(
        &buyer(),
        &escalate(Stage::Mediation),
        "2026-11-10T09:00:00Z",
    )
    .unwrap();
}

// ---------------------------------------------------------------------------
// Responsibility (C. conso L216-2)
// ---------------------------------------------------------------------------

fn responsible(who: Responsibility) -> Command {
    Command::Incident(IncidentCommand::DetermineResponsibility {
        responsible: who,
        grounds: body("Le suivi Colissimo s'arrête au centre de tri."),
    })
}

#[test]
fn without_proof_of_delivery_the_buyer_is_never_responsible_for_a_missing_parcel() {
    let case = Case::incident(lost_order(), "not_received");
    case.refused(
        merchant(),
        responsible(Responsibility::Buyer),
        "2026-11-10T09:00:00Z",
        "incident.no_proof_of_delivery",
    );
    // Proven delivered: the merchant may say the buyer is responsible, with its grounds.
    let delivered = Case::incident(delivered_order(), "not_received");
    let events = delivered
        .when(
            &merchant(),
            &responsible(Responsibility::Buyer),
            "2026-11-10T09:00:00Z",
        )
        .unwrap();
    assert!(matches!(
        &events[0],
        CaseEvent::Incident(IncidentEvent::ResponsibilityDetermined {
            merchant_answers: false,
            ..
        })
    ));
}

#[test]
fn the_carrier_responsible_the_merchant_still_answers_to_the_buyer() {
    let mut case = Case::incident(lost_order(), "not_received");
    let events = case.ok(
        merchant(),
        responsible(Responsibility::Carrier),
        "2026-11-10T09:00:00Z",
    );
    assert!(matches!(
        &events[0],
        CaseEvent::Incident(IncidentEvent::ResponsibilityDetermined {
            responsible: Responsibility::Carrier,
            merchant_answers: true,
            ..
        })
    ));
    let state = case.now();
    assert_eq!(
        state.incident.unwrap().responsible,
        Some(Responsibility::Carrier)
    );
    // Stating it answers the buyer: the escalation window no longer holds the buyer back.
    assert!(state.merchant_first_response_at.is_some());
    // Only staff determine it.
    case.refused(
        buyer(),
        responsible(Responsibility::Merchant),
        "2026-11-10T10:00:00Z",
        "case.party_not_allowed",
    );
}

// ---------------------------------------------------------------------------
// Late delivery (C. conso L216-1, L216-6, L216-7, L241-4)
// ---------------------------------------------------------------------------

/// Ordered 2 November, shipped the next day, never delivered: due by 2 December
/// (30 days, L216-1).
fn late_case() -> Case {
    Case::incident(lost_order(), "not_received")
}

fn deadline(day: &str) -> Command {
    Command::Incident(IncidentCommand::SetDeliveryDeadline {
        deliver_by: day.parse().unwrap(),
    })
}

fn cancel() -> Command {
    Command::Incident(IncidentCommand::CancelLateOrder)
}

#[test]
fn a_new_deadline_comes_once_the_delivery_is_late_and_leaves_a_reasonable_period() {
    let mut case = late_case();
    // Before 2 December the delivery is not late yet.
    case.refused(
        buyer(),
        deadline("2026-12-10"),
        "2026-11-20T09:00:00Z",
        "delivery.not_late_yet",
    );
    // Late: a deadline today is no extra period at all.
    case.refused(
        buyer(),
        deadline("2026-12-03"),
        "2026-12-03T09:00:00Z",
        "delivery.deadline_too_short",
    );
    // Only the buyer sets it (it is the buyer's right).
    case.refused(
        merchant(),
        deadline("2026-12-10"),
        "2026-12-03T09:00:00Z",
        "case.party_not_allowed",
    );
    case.ok(buyer(), deadline("2026-12-10"), "2026-12-03T09:00:00Z");
    let state = case.now();
    assert_eq!(state.waiting_on, Some(Party::Merchant));
    assert_eq!(
        state.incident.unwrap().deliver_by,
        Some("2026-12-10".parse().unwrap())
    );
}

#[test]
fn the_deadline_missed_the_buyer_cancels_and_is_refunded_within_14_days_or_more_is_due() {
    let mut case = late_case();
    case.refused(
        buyer(),
        cancel(),
        "2026-12-03T09:00:00Z",
        "delivery.deadline_required",
    );
    case.ok(buyer(), deadline("2026-12-10"), "2026-12-03T09:00:00Z");
    case.refused(
        buyer(),
        cancel(),
        "2026-12-10T18:00:00Z",
        "delivery.deadline_not_passed",
    );
    case.ok(buyer(), cancel(), "2026-12-11T09:00:00Z");
    let state = case.now();
    // Everything paid, within 14 days (L216-7): the case awaits the merchant's refund.
    let awaiting = state.awaiting_payment.clone().unwrap();
    assert_eq!(awaiting.terms.kind, ResolutionKind::FullRefund);
    assert_eq!(
        state.incident.as_ref().unwrap().refund_due_by,
        Some("2026-12-25".parse().unwrap())
    );
    // Refunded 20 days late (14 January): +20 % (L241-4: more than 14, at most 30 days late).
    let events = case.ok(
        merchant(),
        Command::Money(MoneyCommand::Refund {
            amount: Some(eur(4500)),
            deductions: Vec::new(),
            gateway: label("stripe"),
            resolve: true,
        }),
        "2027-01-14T09:00:00Z",
    );
    let CaseEvent::Money(MoneyEvent::RefundRecorded {
        late: Some(late), ..
    }) = &events[0]
    else {
        panic!("a late refund: {events:?}");
    };
    assert_eq!(late.days_late, 20);
    assert_eq!(
        late.surcharge,
        amiable_domain::law::refund::Surcharge::Percent {
            days_late: 20,
            percent: 20,
            amount: eur(900),
            capped: false
        }
    );
    assert_eq!(case.ledger.surcharge_due, eur(900));
}

#[test]
fn a_delivered_parcel_has_no_new_deadline() {
    let case = Case::incident(delivered_order(), "not_received");
    case.refused(
        buyer(),
        deadline("2026-12-20"),
        "2026-12-10T09:00:00Z",
        "delivery.already_delivered",
    );
}

// ---------------------------------------------------------------------------
// The carrier claim (C. com. L133-3)
// ---------------------------------------------------------------------------

fn claim(reserves_sent_on: Option<&str>) -> Command {
    Command::Incident(IncidentCommand::FileCarrierClaim {
        carrier: label("Colissimo"),
        reference: label("RCL-2026-114"),
        amount: eur(4500),
        reserves_sent_on: reserves_sent_on.map(|d| d.parse().unwrap()),
    })
}

fn claim_outcome(outcome: ClaimOutcome, recovered: Option<i64>) -> Command {
    Command::Incident(IncidentCommand::RecordClaimOutcome {
        outcome,
        recovered: recovered.map(eur),
    })
}

#[test]
fn the_reserves_are_due_three_days_after_receipt_holidays_not_counted() {
    // Received Thursday 5 November: 6, 7, 8 → Sunday 8 (only public holidays are skipped).
    let mut case = Case::incident(delivered_order(), "damaged_in_transit");
    let events = case.ok(
        merchant(),
        claim(Some("2026-11-06")),
        "2026-11-09T10:00:00Z",
    );
    let CaseEvent::Incident(IncidentEvent::CarrierClaimFiled { reserves_due, .. }) = &events[0]
    else {
        panic!("{events:?}");
    };
    assert_eq!(*reserves_due, Some("2026-11-08".parse().unwrap()));
    // One claim per case; the buyer never files it, nor sees it.
    case.refused(
        merchant(),
        claim(None),
        "2026-11-09T11:00:00Z",
        "claim.already_filed",
    );
    assert!(!events[0].visible_to(Party::Buyer));
    assert!(events[0].visible_to(Party::Merchant));
}

#[test]
fn what_the_carrier_pays_back_is_the_merchants_not_the_buyers() {
    let mut case = Case::incident(delivered_order(), "damaged_in_transit");
    case.refused(
        merchant(),
        claim_outcome(ClaimOutcome::Accepted, Some(4500)),
        "2026-11-09T10:00:00Z",
        "claim.not_pending",
    );
    case.ok(
        merchant(),
        claim(Some("2026-11-06")),
        "2026-11-09T10:00:00Z",
    );
    case.refused(
        merchant(),
        claim_outcome(ClaimOutcome::Refused, Some(100)),
        "2026-11-20T10:00:00Z",
        "claim.refused_recovers_nothing",
    );
    case.refused(
        merchant(),
        claim_outcome(ClaimOutcome::PartiallyAccepted, Some(9000)),
        "2026-11-20T10:00:00Z",
        "case.amount_exceeds_order",
    );
    let refundable = case.ledger.refundable();
    case.ok(
        merchant(),
        claim_outcome(ClaimOutcome::PartiallyAccepted, Some(3000)),
        "2026-11-20T10:00:00Z",
    );
    assert_eq!(case.ledger.carrier_recovered, eur(3000));
    // The buyer is owed as much as before: the claim is apart.
    assert_eq!(case.ledger.refundable(), refundable);
}

// ---------------------------------------------------------------------------
// Replacement parcels
// ---------------------------------------------------------------------------

fn reship(line: &str, quantity: u32) -> Command {
    Command::Incident(IncidentCommand::Reship {
        lines: serde_json::from_value(json!([{"line_id": line, "quantity": quantity}])).unwrap(),
        carrier: label("Colissimo"),
        tracking_number: label("6A2"),
    })
}

fn scan(status: ReshipmentStatus) -> Command {
    Command::Incident(IncidentCommand::RecordReshipmentScan { status })
}

#[test]
fn a_replacement_is_for_lines_of_the_order() {
    let case = Case::incident(lost_order(), "not_received");
    let rejection = case.refused(
        merchant(),
        reship("9", 1),
        "2026-11-10T09:00:00Z",
        "reship.line_not_in_order",
    );
    assert_eq!(rejection.field(), Some("lines[0].line_id"));
    case.refused(
        merchant(),
        reship("1", 3),
        "2026-11-10T09:00:00Z",
        "reship.quantity_exceeds_order",
    );
}

#[test]
fn a_replacement_delivered_settles_the_incident_and_lost_opens_it_again() {
    let mut case = Case::incident(lost_order(), "not_received");
    case.ok(merchant(), reship("1", 1), "2026-11-10T09:00:00Z");
    let state = case.now();
    assert_eq!(state.status, CaseStatus::Open);
    assert_eq!(state.waiting_on, None, "the carrier's move");
    // Not settled before it arrives.
    case.refused(
        merchant(),
        Command::Lifecycle(LifecycleCommand::Resolve {
            resolution: amiable_domain::case::Resolution::simple(ResolutionKind::Replacement),
        }),
        "2026-11-11T09:00:00Z",
        "reship.not_delivered",
    );
    case.refused(
        merchant(),
        reship("1", 1),
        "2026-11-11T09:00:00Z",
        "reship.already_in_transit",
    );
    // Lost again: the merchant's move, another replacement possible.
    case.ok(
        merchant(),
        scan(ReshipmentStatus::Lost),
        "2026-11-13T09:00:00Z",
    );
    let state = case.now();
    assert_eq!(state.status, CaseStatus::Open);
    assert_eq!(state.waiting_on, Some(Party::Merchant));
    case.ok(merchant(), reship("1", 1), "2026-11-13T10:00:00Z");
    let events = case.ok(
        merchant(),
        scan(ReshipmentStatus::Delivered),
        "2026-11-16T09:00:00Z",
    );
    assert_eq!(events.len(), 2, "delivered, then resolved: {events:?}");
    let state = case.now();
    assert_eq!(state.status, CaseStatus::Resolved);
    assert_eq!(state.resolution.unwrap().kind, ResolutionKind::Replacement);
    let incident = state.incident.unwrap();
    assert_eq!(incident.reshipments.len(), 2);
    assert!(incident.replacement_delivered());
}

// ---------------------------------------------------------------------------
// Mediation: private channels and requests for information
// ---------------------------------------------------------------------------

fn private(channel: Party, text: &str) -> Command {
    Command::Mediation(MediationCommand::PostPrivateMessage {
        channel,
        body: body(text),
    })
}

#[test]
fn private_channels_open_with_mediation_and_each_party_writes_in_its_own() {
    let mut case = Case::incident(lost_order(), "not_received");
    case.refused(
        mediator(),
        private(Party::Merchant, "Bonjour"),
        "2026-11-10T09:00:00Z",
        "mediation.not_escalated",
    );
    case.ok(
        mediator(),
        escalate(Stage::Mediation),
        "2026-11-10T09:00:00Z",
    );
    case.refused(
        buyer(),
        private(Party::Merchant, "Je lis vos échanges"),
        "2026-11-10T10:00:00Z",
        "mediation.not_your_channel",
    );
    case.refused(
        mediator(),
        private(Party::Operator, "Note"),
        "2026-11-10T10:00:00Z",
        "mediation.invalid_channel",
    );
    let to_merchant = case.ok(
        mediator(),
        private(Party::Merchant, "Avez-vous une preuve de livraison ?"),
        "2026-11-10T10:00:00Z",
    );
    // Seen by the merchant and the marketplace, never by the buyer.
    assert!(to_merchant[0].visible_to(Party::Merchant));
    assert!(to_merchant[0].visible_to(Party::Operator));
    assert!(!to_merchant[0].visible_to(Party::Buyer));
    let to_buyer = case.ok(
        buyer(),
        private(Party::Buyer, "Le livreur n'est jamais passé."),
        "2026-11-10T11:00:00Z",
    );
    assert!(to_buyer[0].visible_to(Party::Buyer));
    assert!(!to_buyer[0].visible_to(Party::Merchant));
}

#[test]
fn a_request_for_information_has_a_deadline_and_is_answered_by_the_party() {
    let mut case = Case::incident(lost_order(), "not_received");
    case.ok(
        mediator(),
        escalate(Stage::Mediation),
        "2026-11-10T09:00:00Z",
    );
    let request = |due: &str| {
        Command::Mediation(MediationCommand::RequestInformation {
            from: Party::Merchant,
            request: body("Merci de transmettre la preuve de livraison signée."),
            due_at: at(due),
        })
    };
    case.refused(
        mediator(),
        request("2026-11-09T09:00:00Z"),
        "2026-11-10T10:00:00Z",
        "information.due_invalid",
    );
    case.refused(
        merchant(),
        request("2026-11-13T09:00:00Z"),
        "2026-11-10T10:00:00Z",
        "case.party_not_allowed",
    );
    case.ok(
        mediator(),
        request("2026-11-13T17:00:00Z"),
        "2026-11-10T10:00:00Z",
    );
    let state = case.now();
    assert_eq!(state.waiting_on, Some(Party::Merchant));
    assert_eq!(
        amiable_domain::case::next_deadline(&state, &Default::default()),
        Some(at("2026-11-13T17:00:00Z"))
    );
    case.ok(
        merchant(),
        private(
            Party::Merchant,
            "Voici le bon de livraison (aucune signature).",
        ),
        "2026-11-11T10:00:00Z",
    );
    let state = case.now();
    let requests = &state.mediation.unwrap().requests;
    assert_eq!(requests[0].answered_at, Some(at("2026-11-11T10:00:00Z")));
}

// ---------------------------------------------------------------------------
// Decisions: grounds, and the marketplace's payout recovered from the merchant
// ---------------------------------------------------------------------------

#[test]
fn a_decision_states_its_grounds() {
    let case = in_arbitration();
    case.refused(
        mediator(),
        decision(json!({"outcome": "buyer_favoured",
                        "resolution": {"kind": "full_refund", "amount": eur_json(4500)},
                        "rationale": "Remboursé."})),
        "2026-11-17T09:00:00Z",
        "decision.grounds_required",
    );
}

#[test]
fn paid_by_the_marketplace_and_recovered_the_money_moves_at_once() {
    let mut case = in_arbitration();
    let events = case.ok(
        mediator(),
        paid_by_marketplace(true),
        "2026-11-17T09:00:00Z",
    );
    let types: Vec<_> = events.iter().map(|e| e.event_type()).collect();
    assert_eq!(
        types,
        [
            "decision_recorded",
            "refund_recorded",
            "marketplace_paid",
            "resolved"
        ]
    );
    let state = case.now();
    assert_eq!(state.status, CaseStatus::Resolved);
    assert_eq!(state.awaiting_payment, None);
    assert_eq!(case.ledger.refunded, eur(4500));
    assert_eq!(case.ledger.marketplace_paid, eur(4500));
    // What the merchant owes the marketplace.
    assert_eq!(case.ledger.due_from_merchant, eur(4500));
    assert_eq!(state.mediation.unwrap().recoverable, Some(eur(4500)));
}

#[test]
fn a_payout_above_what_remains_refundable_needs_a_recovery() {
    let mut case = in_arbitration();
    // Another case of the order was refunded 100 €: 14.90 € remain refundable of 114.90 €.
    case.ledger
        .apply(&amiable_domain::ledger::LedgerEntry::Refund { amount: eur(10000) })
        .unwrap();
    let over = || {
        decision(json!({
            "outcome": "buyer_favoured",
            "resolution": {"kind": "full_refund", "amount": eur_json(4500)},
            "rationale": GROUNDS,
            "paid_by": "marketplace",
        }))
    };
    case.refused(
        mediator(),
        over(),
        "2026-11-17T09:00:00Z",
        "decision.payout_exceeds_refundable",
    );
    // Recovered from the merchant: the rest is paid as a gesture by the marketplace.
    let mut recovered = over();
    if let Command::Escalation(EscalationCommand::RecordDecision { decision, .. }) = &mut recovered
    {
        decision.recover_from_merchant = true;
    }
    let events = case.ok(mediator(), recovered, "2026-11-17T09:00:00Z");
    assert!(matches!(
        &events[1],
        CaseEvent::Money(MoneyEvent::RefundRecorded { amount, .. }) if *amount == eur(1490)
    ));
    assert_eq!(case.ledger.refundable(), eur(0));
    assert_eq!(case.ledger.compensation, eur(3010));
    assert_eq!(case.ledger.marketplace_paid, eur(4500));
    assert_eq!(case.ledger.due_from_merchant, eur(4500));
}

#[test]
fn only_what_the_marketplace_paid_is_recovered_and_a_mediator_never_refunds_directly() {
    let case = in_arbitration();
    case.refused(
        mediator(),
        decision(json!({
            "outcome": "buyer_favoured",
            "resolution": {"kind": "full_refund", "amount": eur_json(4500)},
            "rationale": GROUNDS,
            "recover_from_merchant": true,
        })),
        "2026-11-17T09:00:00Z",
        "decision.recovery_without_payout",
    );
    // Decided for the merchant to pay: the case waits for the merchant's refund.
    let mut case = in_arbitration();
    case.ok(
        mediator(),
        decision(json!({
            "outcome": "buyer_favoured",
            "resolution": {"kind": "full_refund", "amount": eur_json(4500)},
            "rationale": GROUNDS,
        })),
        "2026-11-17T09:00:00Z",
    );
    let state = case.now();
    assert_eq!(state.status, CaseStatus::Open);
    assert_eq!(state.awaiting_payment.unwrap().by, Party::Merchant);
    assert_eq!(case.ledger.refunded, eur(0));
}

// ---------------------------------------------------------------------------
// Appeals, and the consumer mediator at the end (C. conso L612-1)
// ---------------------------------------------------------------------------

fn appeal() -> Command {
    Command::Mediation(MediationCommand::Appeal {
        grounds: body("Le colis a été remis au voisin désigné par le client."),
    })
}

fn hear(outcome: AppealOutcome, new: Option<Value>) -> Command {
    Command::Mediation(MediationCommand::DecideAppeal {
        outcome,
        grounds: body(
            "Le voisin n'était pas un tiers désigné par le client : la décision est confirmée.",
        ),
        decision: new.map(|d| serde_json::from_value(d).unwrap()),
    })
}

fn decided_for_the_buyer() -> Case {
    let mut case = in_arbitration();
    case.ok(
        mediator(),
        paid_by_marketplace(true),
        "2026-11-17T09:00:00Z",
    );
    case
}

#[test]
fn only_the_losing_party_appeals_once_within_the_window() {
    let mut case = decided_for_the_buyer();
    case.refused(
        buyer(),
        appeal(),
        "2026-11-18T09:00:00Z",
        "appeal.party_won",
    );
    // Ten days by default: until 27 November, 09:00.
    case.refused(
        merchant(),
        appeal(),
        "2026-11-27T09:01:00Z",
        "appeal.window_closed",
    );
    case.ok(merchant(), appeal(), "2026-11-27T09:00:00Z");
    case.refused(
        merchant(),
        appeal(),
        "2026-11-27T10:00:00Z",
        "appeal.already_lodged",
    );
}

#[test]
fn an_appeal_is_heard_by_another_mediator_and_is_final() {
    let mut case = decided_for_the_buyer();
    case.ok(merchant(), appeal(), "2026-11-20T09:00:00Z");
    case.refused(
        mediator(),
        hear(AppealOutcome::Dismissed, None),
        "2026-11-23T09:00:00Z",
        "appeal.same_mediator",
    );
    case.refused(
        second_mediator(),
        hear(AppealOutcome::Allowed, None),
        "2026-11-23T09:00:00Z",
        "appeal.decision_required",
    );
    let events = case.ok(
        second_mediator(),
        hear(AppealOutcome::Dismissed, None),
        "2026-11-23T09:00:00Z",
    );
    // Final: the buyer is offered the consumer mediator in the same breath.
    assert!(matches!(
        &events[1],
        CaseEvent::Mediation(MediationEvent::ConsumerMediationOffered { mediator })
            if mediator.name.as_str() == "CM2C"
    ));
    // The recovery stands.
    assert_eq!(case.ledger.due_from_merchant, eur(4500));
    case.refused(
        second_mediator(),
        hear(AppealOutcome::Dismissed, None),
        "2026-11-24T09:00:00Z",
        "appeal.not_pending",
    );
}

#[test]
fn the_merchant_winning_on_appeal_no_longer_owes_the_marketplace() {
    let mut case = decided_for_the_buyer();
    case.ok(merchant(), appeal(), "2026-11-20T09:00:00Z");
    case.ok(
        second_mediator(),
        hear(
            AppealOutcome::Allowed,
            Some(json!({"outcome": "merchant_favoured",
                        "resolution": {"kind": "refusal", "note": "Livré au tiers désigné"},
                        "rationale": "Le client avait désigné ce voisin dans sa commande."})),
        ),
        "2026-11-23T09:00:00Z",
    );
    assert_eq!(case.ledger.due_from_merchant, eur(0));
    let state = case.now();
    assert_eq!(
        state.decision.unwrap().resolution.kind,
        ResolutionKind::Refusal
    );
    assert_eq!(state.status, CaseStatus::Resolved);
}

#[test]
fn the_consumer_mediator_is_offered_once_the_decision_is_final() {
    let mut case = decided_for_the_buyer();
    let offer = || Command::Mediation(MediationCommand::OfferConsumerMediation);
    case.refused(
        mediator(),
        offer(),
        "2026-11-20T09:00:00Z",
        "mediation.decision_not_final",
    );
    // The window closed without an appeal (what the appeal-window job sends).
    let system = Actor::System {
        id: "mediation.appeal_window".into(),
    };
    case.ok(system.clone(), offer(), "2026-11-27T09:02:00Z");
    case.refused(
        system,
        offer(),
        "2026-11-28T09:00:00Z",
        "mediation.consumer_mediator_offered",
    );
    // Without a mediator in the marketplace's settings there is none to name.
    let mut silent = decided_for_the_buyer();
    silent.ladder.consumer_mediator = None;
    silent.refused(
        mediator(),
        offer(),
        "2026-11-28T09:00:00Z",
        "mediation.no_consumer_mediator",
    );
}

// ---------------------------------------------------------------------------
// Goodwill within budgets
// ---------------------------------------------------------------------------

fn gesture(amount: i64, approver: bool, request_approval: bool) -> Command {
    Command::Money(MoneyCommand::Compensate {
        kind: GoodwillKind::Voucher,
        amount: eur(amount),
        note: Some(label("Pour le retard")),
        resolve: false,
        approver,
        request_approval,
    })
}

fn budgeted(spent: i64) -> Case {
    let mut case = Case::incident(lost_order(), "not_received");
    case.goodwill = Some(GoodwillContext {
        budget: GoodwillBudget {
            monthly: eur(20_000),
            approval_above: Some(eur(1_500)),
        },
        spent_this_month: eur(spent),
    });
    case
}

#[test]
fn a_gesture_within_the_threshold_and_the_budget_needs_no_approval() {
    let mut case = budgeted(0);
    case.ok(
        merchant(),
        gesture(1_000, false, false),
        "2026-11-10T09:00:00Z",
    );
    assert_eq!(case.ledger.compensation, eur(1_000));
}

#[test]
fn above_the_threshold_an_agent_asks_and_an_admin_approves() {
    let mut case = budgeted(0);
    case.refused(
        merchant(),
        gesture(2_000, false, false),
        "2026-11-10T09:00:00Z",
        "goodwill.approval_required",
    );
    case.ok(
        merchant(),
        gesture(2_000, false, true),
        "2026-11-10T09:00:00Z",
    );
    assert_eq!(case.ledger.compensation, eur(0), "nothing moves yet");
    let approve = |approver| {
        Command::Money(MoneyCommand::ApproveCompensation {
            approval_id: 1,
            approver,
        })
    };
    case.refused(
        merchant(),
        approve(false),
        "2026-11-10T10:00:00Z",
        "goodwill.not_an_approver",
    );
    case.ok(merchant(), approve(true), "2026-11-10T10:00:00Z");
    assert_eq!(case.ledger.compensation, eur(2_000));
    case.refused(
        merchant(),
        approve(true),
        "2026-11-10T11:00:00Z",
        "goodwill.approval_not_pending",
    );
}

#[test]
fn beyond_the_monthly_budget_even_a_small_gesture_waits_for_approval() {
    let case = budgeted(19_500);
    case.refused(
        merchant(),
        gesture(1_000, false, false),
        "2026-11-10T09:00:00Z",
        "goodwill.over_budget",
    );
    let events = case
        .when(
            &merchant(),
            &gesture(1_000, false, true),
            "2026-11-10T09:00:00Z",
        )
        .unwrap();
    assert!(matches!(
        &events[0],
        CaseEvent::Money(MoneyEvent::CompensationApprovalRequested {
            over_budget: true,
            ..
        })
    ));
    // An admin's own gesture is its own approval.
    case.when(
        &merchant(),
        &gesture(1_000, true, false),
        "2026-11-10T09:00:00Z",
    )
    .unwrap();
}
