//! The case decider, tested through the crate's public API only.
//!
//! The first part reads as given/when/then: given the events already on a
//! case's log, when an actor sends a command, then the decider emits these
//! events (and the folded state looks like this) or refuses with this stable
//! rejection code. The second part runs random command sequences and checks
//! the properties every reachable state must keep.

use amiable_domain::Timestamp;
use amiable_domain::case::{
    Actor, AttachmentRef, CaseEvent, CaseItem, CaseKind, CaseState, CaseStatus, CloseReason,
    Command, Context, Decision, DecisionOutcome, EVENT_SCHEMA_VERSION, EventDecodeError,
    GoodwillKind, OfferStatus, Party, Payer, RecordedEvent, Rejection, Resolution, ResolutionKind,
    ResponseTimes, Stage, Visibility, decide, next_deadline,
};
use amiable_domain::case::{
    ConversationCommand, ConversationEvent, EscalationCommand, EscalationEvent, LifecycleCommand,
    LifecycleEvent,
};
use amiable_domain::ids::{CaseId, LineId, MerchantId, OperatorId, OrderId};
use amiable_domain::money::{Currency, Money};
use amiable_domain::order::{
    BuyerInput, LineInput, Order, OrderInput, PaymentInput, Quantity, ShipmentInput,
    ShipmentLineInput,
};
use amiable_domain::reason::{CustomReason, ReasonCode, ReasonTaxonomy};
use amiable_domain::text::{Body, Label};

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

/// The sample order's total: a 89.00 € jumper, two 18.50 € candles and 4.90 € shipping.
const ORDER_TOTAL: i64 = 8900 + 2 * 1850 + 490;

fn order() -> Order {
    let input = OrderInput {
        external_id: "CMD-2026-0001".into(),
        placed_at: "2026-11-02T09:15:00+01:00".into(),
        currency: "EUR".into(),
        buyer: BuyerInput {
            name: "Claire Martin".into(),
            email: "claire.martin@exemple.fr".into(),
            phone: Some("+33 6 12 34 56 78".into()),
            locale: Some("fr-FR".into()),
        },
        lines: vec![
            LineInput {
                line_id: None,
                sku: "PULL-LAINE-M".into(),
                title: "Pull en laine mérinos".into(),
                category: "vêtements".into(),
                quantity: 1,
                unit_price_minor: 8900,
                flags: vec![],
            },
            LineInput {
                line_id: None,
                sku: "BOUGIE-FIGUE".into(),
                title: "Bougie parfumée figue".into(),
                category: "maison".into(),
                quantity: 2,
                unit_price_minor: 1850,
                flags: vec!["personalised".into()],
            },
        ],
        shipping_minor: Some(490),
        payment: Some(PaymentInput {
            provider: "paypal".into(),
            transaction_id: "5TY05013RG002845M".into(),
            captured_minor: ORDER_TOTAL,
        }),
        shipments: vec![ShipmentInput {
            shipment_id: None,
            carrier: "Colissimo".into(),
            tracking_number: Some("6A12345678901".into()),
            shipped_at: Some("2026-11-03T16:00:00Z".into()),
            delivered_at: Some("2026-11-05T11:20:00Z".into()),
            lines: vec![
                ShipmentLineInput {
                    line_id: "1".into(),
                    quantity: 1,
                },
                ShipmentLineInput {
                    line_id: "2".into(),
                    quantity: 2,
                },
            ],
        }],
        shipping_address: None,
    };
    Order::from_input(
        OrderId::from_bytes([1; 16]),
        OperatorId::from_bytes([2; 16]),
        MerchantId::from_bytes([3; 16]),
        &input,
    )
    .expect("the sample order is valid")
}

fn case_id() -> CaseId {
    CaseId::from_bytes([7; 16])
}

/// The instant the case's first event was recorded, plus `minutes`.
fn minutes(minutes: i64) -> Timestamp {
    let opened: Timestamp = "2026-11-10T10:00:00Z".parse().expect("valid instant");
    Timestamp::from_second(opened.as_second() + minutes * 60).expect("in range")
}

fn buyer() -> Actor {
    Actor::Buyer
}

fn merchant() -> Actor {
    Actor::MerchantUser {
        id: "merchant-user-1".into(),
    }
}

fn operator() -> Actor {
    Actor::OperatorUser {
        id: "operator-user-1".into(),
    }
}

fn system() -> Actor {
    Actor::System {
        id: "inactivity-timer".into(),
    }
}

fn provider() -> Actor {
    Actor::Provider {
        id: "paypal".into(),
    }
}

fn body(text: &str) -> Body {
    Body::parse(text).expect("valid body")
}

fn label(text: &str) -> Label {
    Label::parse(text).expect("valid label")
}

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::EUR)
}

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::parse("USD").expect("known currency"))
}

fn reason(code: &str) -> ReasonCode {
    ReasonCode::parse(code).expect("well-formed reason code")
}

fn item(line: &str, quantity: i64) -> CaseItem {
    CaseItem {
        line_id: LineId::parse(line).expect("valid line id"),
        quantity: Quantity::new(quantity).expect("valid quantity"),
        reason: None,
    }
}

fn attachment() -> AttachmentRef {
    AttachmentRef {
        sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
        filename: label("colis-abime.jpg"),
        content_type: label("image/jpeg"),
        size_bytes: 48_213,
    }
}

// Resolution terms.

fn simple(kind: ResolutionKind) -> Resolution {
    Resolution::simple(kind)
}

fn with_amount(kind: ResolutionKind, amount: Money) -> Resolution {
    Resolution {
        amount: Some(amount),
        ..Resolution::simple(kind)
    }
}

fn partial_refund(minor: i64) -> Resolution {
    with_amount(ResolutionKind::PartialRefund, eur(minor))
}

fn refusal() -> Resolution {
    Resolution {
        note: Some(label("Le pull a été porté et lavé")),
        ..Resolution::simple(ResolutionKind::Refusal)
    }
}

fn store_credit(minor: i64, bonus_percent: Option<u8>) -> Resolution {
    Resolution {
        amount: Some(eur(minor)),
        bonus_percent,
        ..Resolution::simple(ResolutionKind::StoreCredit)
    }
}

fn goodwill(kind: GoodwillKind, minor: i64) -> Resolution {
    Resolution {
        amount: Some(eur(minor)),
        goodwill: Some(kind),
        ..Resolution::simple(ResolutionKind::Goodwill)
    }
}

fn decision(outcome: DecisionOutcome, resolution: Resolution) -> Decision {
    Decision {
        outcome,
        resolution,
        rationale: body("Photos show transport damage"),
        cites: Vec::new(),
        paid_by: Payer::Merchant,
        recover_from_merchant: false,
    }
}

// Events.

fn opened(kind: CaseKind, stage: Stage) -> CaseEvent {
    let order = order();
    CaseEvent::Lifecycle(LifecycleEvent::Opened {
        operator_id: order.operator_id,
        merchant_id: order.merchant_id,
        order_id: order.id,
        kind,
        stage,
        reason: reason("defective"),
        items: vec![item("1", 1)],
        claimed: None,
        order_total: eur(ORDER_TOTAL),
        description: body("Le pull est arrivé troué."),
    })
}

fn offer_proposed(offer_id: u32, to: Party, terms: Resolution) -> CaseEvent {
    CaseEvent::Escalation(EscalationEvent::OfferProposed {
        offer_id,
        to,
        terms,
        message: None,
    })
}

fn escalated(from: Stage, to: Stage) -> CaseEvent {
    CaseEvent::Escalation(EscalationEvent::Escalated {
        from,
        to,
        reason: label("no agreement"),
    })
}

fn resolved(resolution: Resolution) -> CaseEvent {
    CaseEvent::Lifecycle(LifecycleEvent::Resolved { resolution })
}

// Commands.

fn open(kind: CaseKind, items: Vec<CaseItem>, claimed: Option<Money>) -> Command {
    open_at(kind, items, claimed, None)
}

fn open_at(
    kind: CaseKind,
    items: Vec<CaseItem>,
    claimed: Option<Money>,
    stage: Option<Stage>,
) -> Command {
    Command::Lifecycle(LifecycleCommand::Open {
        preferred: None,
        kind,
        reason: reason("defective"),
        items,
        claimed,
        description: body("Le pull est arrivé troué."),
        stage,
    })
}

fn post(text: &str) -> Command {
    Command::Conversation(ConversationCommand::PostMessage { body: body(text) })
}

fn note(text: &str) -> Command {
    Command::Conversation(ConversationCommand::AddNote { body: body(text) })
}

fn attach(visibility: Visibility) -> Command {
    attach_this(attachment(), visibility)
}

fn attach_this(attachment: AttachmentRef, visibility: Visibility) -> Command {
    Command::Conversation(ConversationCommand::AttachFile {
        attachment,
        visibility,
    })
}

fn propose(terms: Resolution) -> Command {
    Command::Escalation(EscalationCommand::ProposeOffer {
        terms,
        message: None,
    })
}

fn accept(offer_id: u32) -> Command {
    Command::Escalation(EscalationCommand::AcceptOffer { offer_id })
}

fn decline(offer_id: u32) -> Command {
    Command::Escalation(EscalationCommand::DeclineOffer {
        offer_id,
        reason: None,
    })
}

fn escalate(to: Option<Stage>) -> Command {
    Command::Escalation(EscalationCommand::Escalate {
        to,
        reason: label("no agreement"),
    })
}

fn record_decision(decision: Decision) -> Command {
    Command::Escalation(EscalationCommand::RecordDecision {
        decision,
        gateway: None,
    })
}

fn resolve(resolution: Resolution) -> Command {
    Command::Lifecycle(LifecycleCommand::Resolve { resolution })
}

fn reopen() -> Command {
    Command::Lifecycle(LifecycleCommand::Reopen {
        reason: label("the replacement is also faulty"),
    })
}

fn cancel() -> Command {
    Command::Lifecycle(LifecycleCommand::Cancel {
        reason: label("opened by mistake"),
    })
}

// Histories.

fn open_return() -> Vec<(Actor, CaseEvent)> {
    vec![(buyer(), opened(CaseKind::Return, Stage::Negotiation))]
}

/// An open return that the operator moved straight to `stage`.
fn open_at_stage(stage: Stage) -> Vec<(Actor, CaseEvent)> {
    let mut history = open_return();
    if stage > Stage::Negotiation {
        history.push((operator(), escalated(Stage::Negotiation, stage)));
    }
    history
}

/// An open return with the merchant's offer 1 (a 20 € partial refund) pending for the buyer.
fn with_merchant_offer() -> Vec<(Actor, CaseEvent)> {
    let mut history = open_return();
    history.push((
        merchant(),
        offer_proposed(1, Party::Buyer, partial_refund(2000)),
    ));
    history
}

/// A return the merchant resolved by refusing it.
fn resolved_by_refusal() -> Vec<(Actor, CaseEvent)> {
    let mut history = open_return();
    history.push((merchant(), resolved(refusal())));
    history
}

fn closed_case() -> Vec<(Actor, CaseEvent)> {
    let mut history = resolved_by_refusal();
    history.push((
        merchant(),
        CaseEvent::Lifecycle(LifecycleEvent::Closed {
            reason: CloseReason::Manual,
        }),
    ));
    history
}

fn cancelled_case() -> Vec<(Actor, CaseEvent)> {
    let mut history = open_return();
    history.push((
        buyer(),
        CaseEvent::Lifecycle(LifecycleEvent::Cancelled {
            reason: label("opened by mistake"),
        }),
    ));
    history
}

// ---------------------------------------------------------------------------
// The given/when/then harness
// ---------------------------------------------------------------------------

struct Given {
    log: Vec<RecordedEvent>,
    order: Option<Order>,
    taxonomy: ReasonTaxonomy,
}

/// The events already on the log, one minute apart, numbered from 1.
fn given(history: Vec<(Actor, CaseEvent)>) -> Given {
    let log = history
        .into_iter()
        .enumerate()
        .map(|(index, (actor, event))| RecordedEvent {
            seq: index as i64 + 1,
            actor,
            recorded_at: minutes(index as i64),
            event,
        })
        .collect();
    Given {
        log,
        order: Some(order()),
        taxonomy: ReasonTaxonomy::default(),
    }
}

fn no_case() -> Given {
    given(Vec::new())
}

impl Given {
    fn without_order(mut self) -> Self {
        self.order = None;
        self
    }

    fn with_taxonomy(mut self, taxonomy: ReasonTaxonomy) -> Self {
        self.taxonomy = taxonomy;
        self
    }

    #[track_caller]
    fn state(&self) -> Option<CaseState> {
        let state = CaseState::replay(case_id(), &self.log);
        if let Some(state) = &state {
            assert_eq!(state.invariant_violation(), None, "given state: {state:#?}");
        }
        state
    }

    fn when(&self, actor: Actor, command: Command) -> Then<'_> {
        let state = self.state();
        let now = minutes(self.log.len() as i64);
        let result = decide(
            state.as_ref(),
            &command,
            &Context {
                now,
                actor: &actor,
                order: self.order.as_ref(),
                taxonomy: &self.taxonomy,
                law: &amiable_domain::law::LawPack::france(),
                ledger: None,
                returns: None,
                ladder: None,
                goodwill: None,
            },
        );
        Then {
            log: &self.log,
            state,
            actor,
            now,
            result,
        }
    }
}

struct Then<'a> {
    log: &'a [RecordedEvent],
    state: Option<CaseState>,
    actor: Actor,
    now: Timestamp,
    result: Result<Vec<CaseEvent>, Rejection>,
}

impl Then<'_> {
    /// The command is accepted with exactly `expected`; returns the state after them.
    #[track_caller]
    fn then(self, expected: Vec<CaseEvent>) -> CaseState {
        match &self.result {
            Ok(events) => assert_eq!(events, &expected),
            Err(rejection) => panic!(
                "expected {expected:?}, got rejection {} ({rejection})",
                rejection.code()
            ),
        }
        self.applied()
    }

    /// The command is accepted; returns its events and the state after them.
    #[track_caller]
    fn then_accepted(self) -> (Vec<CaseEvent>, CaseState) {
        let events = match &self.result {
            Ok(events) => events.clone(),
            Err(rejection) => panic!(
                "expected acceptance, got rejection {} ({rejection})",
                rejection.code()
            ),
        };
        (events, self.applied())
    }

    /// The command is refused with `code`.
    #[track_caller]
    fn then_rejected(self, code: &str) -> Rejection {
        match self.result {
            Ok(events) => panic!("expected rejection {code}, got events {events:?}"),
            Err(rejection) => {
                assert_eq!(rejection.code(), code, "{rejection}");
                rejection
            }
        }
    }

    /// Folds the accepted events onto the given state, checking invariants and the version.
    #[track_caller]
    fn applied(self) -> CaseState {
        let events = self.result.expect("accepted");
        assert!(!events.is_empty(), "an accepted command emits events");
        let mut state = self.state;
        let mut seq = self.log.len() as i64;
        for event in events {
            seq += 1;
            let recorded = RecordedEvent {
                seq,
                actor: self.actor.clone(),
                recorded_at: self.now,
                event,
            };
            state = CaseState::evolve(state, case_id(), &recorded);
            let current = state.as_ref().expect("the case exists after its events");
            assert_eq!(current.invariant_violation(), None, "{current:#?}");
            assert_eq!(current.version, seq);
        }
        state.expect("the case exists")
    }
}

// ---------------------------------------------------------------------------
// open
// ---------------------------------------------------------------------------

#[test]
fn open_return_by_buyer_snapshots_the_order() {
    let order = order();
    let state = no_case()
        .when(
            buyer(),
            open(CaseKind::Return, vec![item("2", 2)], Some(eur(3700))),
        )
        .then(vec![CaseEvent::Lifecycle(LifecycleEvent::Opened {
            operator_id: order.operator_id,
            merchant_id: order.merchant_id,
            order_id: order.id,
            kind: CaseKind::Return,
            stage: Stage::Negotiation,
            reason: reason("defective"),
            items: vec![item("2", 2)],
            claimed: Some(eur(3700)),
            order_total: eur(ORDER_TOTAL),
            description: body("Le pull est arrivé troué."),
        })]);
    assert_eq!(state.case_id, case_id());
    assert_eq!(state.status, CaseStatus::Open);
    assert_eq!(state.stage, Stage::Negotiation);
    assert_eq!(state.opened_by, Party::Buyer);
    assert_eq!(state.opened_at, minutes(0));
    assert_eq!(state.waiting_on, Some(Party::Merchant));
    assert_eq!(state.version, 1);
}

#[test]
fn open_by_merchant_waits_on_the_buyer() {
    let state = no_case()
        .when(merchant(), open(CaseKind::Incident, vec![], None))
        .then_accepted()
        .1;
    assert_eq!(state.opened_by, Party::Merchant);
    assert_eq!(state.waiting_on, Some(Party::Buyer));
}

#[test]
fn open_incident_without_items_is_accepted() {
    no_case()
        .when(buyer(), open(CaseKind::Incident, vec![], None))
        .then_accepted();
}

#[test]
fn open_claim_of_exactly_the_order_total_is_accepted() {
    no_case()
        .when(
            buyer(),
            open(CaseKind::Dispute, vec![], Some(eur(ORDER_TOTAL))),
        )
        .then_accepted();
}

#[test]
fn open_payment_dispute_by_provider_may_start_external() {
    let (events, state) = no_case()
        .when(
            provider(),
            open_at(
                CaseKind::PaymentDispute,
                vec![],
                Some(eur(ORDER_TOTAL)),
                Some(Stage::External),
            ),
        )
        .then_accepted();
    assert!(matches!(
        events.as_slice(),
        [CaseEvent::Lifecycle(LifecycleEvent::Opened {
            stage: Stage::External,
            ..
        })]
    ));
    assert_eq!(state.stage, Stage::External);
    assert_eq!(state.opened_by, Party::Provider);
    assert_eq!(state.waiting_on, Some(Party::Merchant));
}

#[test]
fn open_return_may_name_negotiation_explicitly() {
    no_case()
        .when(
            buyer(),
            open_at(
                CaseKind::Return,
                vec![item("1", 1)],
                None,
                Some(Stage::Negotiation),
            ),
        )
        .then_accepted();
}

#[test]
fn open_above_negotiation_is_only_for_payment_disputes() {
    for kind in [CaseKind::Return, CaseKind::Incident, CaseKind::Dispute] {
        let rejection = no_case()
            .when(
                operator(),
                open_at(kind, vec![item("1", 1)], None, Some(Stage::Mediation)),
            )
            .then_rejected("case.stage_not_allowed");
        assert_eq!(rejection.field(), Some("stage"));
    }
}

#[test]
fn open_payment_dispute_by_buyer_is_rejected() {
    no_case()
        .when(buyer(), open(CaseKind::PaymentDispute, vec![], None))
        .then_rejected("case.party_not_allowed");
}

#[test]
fn open_return_by_provider_or_system_is_rejected() {
    for actor in [provider(), system()] {
        no_case()
            .when(actor, open(CaseKind::Return, vec![item("1", 1)], None))
            .then_rejected("case.party_not_allowed");
    }
}

#[test]
fn open_on_an_existing_case_is_rejected() {
    given(open_return())
        .when(buyer(), open(CaseKind::Return, vec![item("1", 1)], None))
        .then_rejected("case.already_exists");
}

#[test]
fn commands_on_a_case_that_does_not_exist_are_rejected() {
    no_case()
        .when(buyer(), post("Bonjour"))
        .then_rejected("case.not_found");
}

#[test]
fn open_without_the_order_is_rejected() {
    no_case()
        .without_order()
        .when(buyer(), open(CaseKind::Return, vec![item("1", 1)], None))
        .then_rejected("case.order_required");
}

#[test]
fn open_with_an_unknown_line_is_rejected() {
    let rejection = no_case()
        .when(
            buyer(),
            open(CaseKind::Return, vec![item("1", 1), item("3", 1)], None),
        )
        .then_rejected("case.unknown_line");
    assert_eq!(rejection.field(), Some("items[1].line_id"));
}

#[test]
fn open_with_more_than_ordered_is_rejected() {
    let rejection = no_case()
        .when(buyer(), open(CaseKind::Return, vec![item("2", 3)], None))
        .then_rejected("case.quantity_exceeds_order");
    assert_eq!(rejection.field(), Some("items[0].quantity"));
}

#[test]
fn open_with_a_line_twice_is_rejected() {
    let rejection = no_case()
        .when(
            buyer(),
            open(CaseKind::Return, vec![item("2", 1), item("2", 1)], None),
        )
        .then_rejected("case.duplicate_line");
    assert_eq!(rejection.field(), Some("items[1].line_id"));
}

#[test]
fn open_return_without_items_is_rejected() {
    let rejection = no_case()
        .when(buyer(), open(CaseKind::Return, vec![], None))
        .then_rejected("case.items_required");
    assert_eq!(rejection.field(), Some("items"));
}

#[test]
fn open_with_a_claim_in_another_currency_is_rejected() {
    let rejection = no_case()
        .when(buyer(), open(CaseKind::Incident, vec![], Some(usd(1000))))
        .then_rejected("money.currency_mismatch");
    assert_eq!(rejection.field(), Some("claimed.currency"));
}

#[test]
fn open_with_a_claim_above_the_order_total_is_rejected() {
    let rejection = no_case()
        .when(
            buyer(),
            open(CaseKind::Incident, vec![], Some(eur(ORDER_TOTAL + 1))),
        )
        .then_rejected("case.amount_exceeds_order");
    assert_eq!(rejection.field(), Some("claimed.amount_minor"));
}

#[test]
fn open_with_a_zero_claim_is_rejected() {
    no_case()
        .when(buyer(), open(CaseKind::Incident, vec![], Some(eur(0))))
        .then_rejected("money.not_positive");
}

fn open_with_reason(case_reason: &str, line_reason: Option<&str>) -> Command {
    Command::Lifecycle(LifecycleCommand::Open {
        preferred: None,
        kind: CaseKind::Return,
        reason: reason(case_reason),
        items: vec![CaseItem {
            reason: line_reason.map(reason),
            ..item("1", 1)
        }],
        claimed: None,
        description: body("La fermeture éclair est cassée."),
        stage: None,
    })
}

fn zipper_taxonomy() -> ReasonTaxonomy {
    let mut taxonomy = ReasonTaxonomy::default();
    taxonomy
        .add(CustomReason {
            categories: Vec::new(),
            code: reason("defective.zipper"),
            label_fr: "Fermeture éclair cassée".into(),
            label_en: "Broken zipper".into(),
        })
        .expect("defective is a known parent");
    taxonomy
}

#[test]
fn open_with_an_unknown_custom_reason_is_rejected() {
    let rejection = no_case()
        .when(buyer(), open_with_reason("defective.zipper", None))
        .then_rejected("reason.unknown");
    assert_eq!(rejection.field(), Some("reason"));
}

#[test]
fn open_with_an_unknown_custom_line_reason_is_rejected() {
    let rejection = no_case()
        .when(
            buyer(),
            open_with_reason("defective", Some("defective.zipper")),
        )
        .then_rejected("reason.unknown");
    assert_eq!(rejection.field(), Some("items[0].reason"));
}

#[test]
fn open_with_a_custom_reason_of_the_operator_is_accepted() {
    let state = no_case()
        .with_taxonomy(zipper_taxonomy())
        .when(
            buyer(),
            open_with_reason("defective.zipper", Some("defective.zipper")),
        )
        .then_accepted()
        .1;
    assert_eq!(state.reason, reason("defective.zipper"));
    assert_eq!(state.items[0].reason, Some(reason("defective.zipper")));
}

// ---------------------------------------------------------------------------
// post_message
// ---------------------------------------------------------------------------

#[test]
fn buyer_message_waits_on_the_merchant() {
    let state = given(open_return())
        .when(buyer(), post("Des nouvelles ?"))
        .then(vec![CaseEvent::Conversation(
            ConversationEvent::MessagePosted {
                body: body("Des nouvelles ?"),
            },
        )]);
    assert_eq!(state.public_messages, 1);
    assert_eq!(state.waiting_on, Some(Party::Merchant));
    assert_eq!(state.last_activity_at, minutes(1));
}

#[test]
fn merchant_message_is_its_first_response_and_waits_on_the_buyer() {
    let state = given(open_return())
        .when(merchant(), post("Pouvez-vous envoyer une photo ?"))
        .then_accepted()
        .1;
    assert_eq!(state.merchant_first_response_at, Some(minutes(1)));
    assert_eq!(state.waiting_on, Some(Party::Buyer));
}

#[test]
fn messages_in_mediation_wait_on_the_operator() {
    let state = given(open_at_stage(Stage::Mediation))
        .when(buyer(), post("Le vendeur ne répond plus"))
        .then_accepted()
        .1;
    assert_eq!(state.waiting_on, Some(Party::Operator));
}

#[test]
fn message_on_a_resolved_case_is_accepted_and_keeps_it_resolved() {
    let state = given(resolved_by_refusal())
        .when(buyer(), post("Je ne suis pas d'accord"))
        .then_accepted()
        .1;
    assert_eq!(state.status, CaseStatus::Resolved);
    assert_eq!(state.waiting_on, None);
}

#[test]
fn message_on_a_closed_case_is_rejected() {
    given(closed_case())
        .when(buyer(), post("Bonjour"))
        .then_rejected("case.invalid_status");
}

#[test]
fn message_on_a_cancelled_case_is_rejected() {
    given(cancelled_case())
        .when(merchant(), post("Bonjour"))
        .then_rejected("case.invalid_status");
}

#[test]
fn system_cannot_post_a_message() {
    given(open_return())
        .when(system(), post("Rappel"))
        .then_rejected("case.party_not_allowed");
}

// ---------------------------------------------------------------------------
// add_note
// ---------------------------------------------------------------------------

#[test]
fn merchant_note_is_internal_and_not_a_response() {
    let state = given(open_return())
        .when(merchant(), note("Client connu, geste possible"))
        .then(vec![CaseEvent::Conversation(
            ConversationEvent::NoteAdded {
                body: body("Client connu, geste possible"),
            },
        )]);
    assert_eq!(state.internal_notes, 1);
    assert_eq!(state.public_messages, 0);
    assert_eq!(state.merchant_first_response_at, None);
    assert_eq!(state.waiting_on, Some(Party::Merchant));
}

#[test]
fn notes_are_allowed_on_finished_cases() {
    given(closed_case())
        .when(operator(), note("Archivé"))
        .then_accepted();
    given(cancelled_case())
        .when(system(), note("Annulation automatique"))
        .then_accepted();
}

#[test]
fn buyer_cannot_add_an_internal_note() {
    given(open_return())
        .when(buyer(), note("note"))
        .then_rejected("case.party_not_allowed");
}

#[test]
fn provider_cannot_add_an_internal_note() {
    given(open_return())
        .when(provider(), note("note"))
        .then_rejected("case.party_not_allowed");
}

#[test]
fn note_events_are_not_public() {
    assert!(!CaseEvent::Conversation(ConversationEvent::NoteAdded { body: body("x") }).is_public());
    assert!(
        CaseEvent::Conversation(ConversationEvent::MessagePosted { body: body("x") }).is_public()
    );
}

// ---------------------------------------------------------------------------
// attach_file
// ---------------------------------------------------------------------------

#[test]
fn buyer_attaches_a_public_photo() {
    let state = given(open_return())
        .when(buyer(), attach(Visibility::Public))
        .then(vec![CaseEvent::Conversation(
            ConversationEvent::AttachmentAdded {
                attachment: attachment(),
                visibility: Visibility::Public,
            },
        )]);
    assert_eq!(state.attachments, 1);
}

#[test]
fn merchant_attaches_an_internal_file() {
    let (events, _) = given(open_return())
        .when(merchant(), attach(Visibility::Internal))
        .then_accepted();
    assert!(!events[0].is_public());
}

#[test]
fn buyer_and_provider_cannot_attach_internal_files() {
    for actor in [buyer(), provider()] {
        given(open_return())
            .when(actor, attach(Visibility::Internal))
            .then_rejected("case.party_not_allowed");
    }
}

#[test]
fn attachment_hash_must_be_lower_case_sha256() {
    let upper = AttachmentRef {
        sha256: attachment().sha256.to_uppercase(),
        ..attachment()
    };
    let short = AttachmentRef {
        sha256: attachment().sha256[1..].to_owned(),
        ..attachment()
    };
    for bad in [upper, short] {
        let rejection = given(open_return())
            .when(buyer(), attach_this(bad, Visibility::Public))
            .then_rejected("attachment.invalid_hash");
        assert_eq!(rejection.field(), Some("attachment.sha256"));
    }
}

#[test]
fn empty_attachment_is_rejected() {
    let empty = AttachmentRef {
        size_bytes: 0,
        ..attachment()
    };
    given(open_return())
        .when(buyer(), attach_this(empty, Visibility::Public))
        .then_rejected("attachment.empty");
}

#[test]
fn attachment_on_a_closed_case_is_rejected() {
    given(closed_case())
        .when(merchant(), attach(Visibility::Internal))
        .then_rejected("case.invalid_status");
}

// ---------------------------------------------------------------------------
// propose_offer
// ---------------------------------------------------------------------------

#[test]
fn merchant_offer_goes_to_the_buyer() {
    let state = given(open_return())
        .when(
            merchant(),
            Command::Escalation(EscalationCommand::ProposeOffer {
                terms: partial_refund(2000),
                message: Some(body("Nous vous proposons 20 €")),
            }),
        )
        .then(vec![CaseEvent::Escalation(
            EscalationEvent::OfferProposed {
                offer_id: 1,
                to: Party::Buyer,
                terms: partial_refund(2000),
                message: Some(body("Nous vous proposons 20 €")),
            },
        )]);
    let offer = state.pending_offer().expect("pending");
    assert_eq!(
        (offer.offer_id, offer.by, offer.to),
        (1, Party::Merchant, Party::Buyer)
    );
    assert_eq!(state.waiting_on, Some(Party::Buyer));
    assert_eq!(state.merchant_first_response_at, Some(minutes(1)));
}

#[test]
fn counter_offer_supersedes_the_pending_offer() {
    let state = given(with_merchant_offer())
        .when(buyer(), propose(partial_refund(4000)))
        .then(vec![offer_proposed(
            2,
            Party::Merchant,
            partial_refund(4000),
        )]);
    assert_eq!(state.offers.len(), 2);
    assert_eq!(state.offers[0].status, OfferStatus::Superseded);
    assert_eq!(state.offers[1].status, OfferStatus::Pending);
    assert_eq!(state.pending_offer().map(|o| o.offer_id), Some(2));
    assert_eq!(state.waiting_on, Some(Party::Merchant));
}

#[test]
fn operator_offer_needs_mediation() {
    let rejection = given(open_return())
        .when(operator(), propose(partial_refund(2000)))
        .then_rejected("offer.operator_needs_mediation");
    assert_eq!(rejection.field(), Some("stage"));
}

#[test]
fn operator_offer_in_mediation_goes_to_the_buyer() {
    given(open_at_stage(Stage::Mediation))
        .when(operator(), propose(partial_refund(3000)))
        .then(vec![offer_proposed(1, Party::Buyer, partial_refund(3000))]);
}

#[test]
fn refusal_and_withdrawal_are_not_offers() {
    for terms in [refusal(), simple(ResolutionKind::Withdrawn)] {
        given(open_return())
            .when(merchant(), propose(terms))
            .then_rejected("offer.kind_not_offerable");
    }
}

#[test]
fn system_and_provider_cannot_propose() {
    for actor in [system(), provider()] {
        given(open_at_stage(Stage::Mediation))
            .when(actor, propose(partial_refund(2000)))
            .then_rejected("case.party_not_allowed");
    }
}

#[test]
fn offer_on_a_resolved_case_is_rejected() {
    given(resolved_by_refusal())
        .when(merchant(), propose(partial_refund(2000)))
        .then_rejected("case.invalid_status");
}

#[test]
fn offer_terms_are_checked() {
    let rejection = given(open_return())
        .when(
            merchant(),
            propose(with_amount(
                ResolutionKind::PartialRefund,
                eur(ORDER_TOTAL + 1),
            )),
        )
        .then_rejected("case.amount_exceeds_order");
    assert_eq!(rejection.field(), Some("terms.amount.amount_minor"));
}

// ---------------------------------------------------------------------------
// accept_offer
// ---------------------------------------------------------------------------

/// Terms that call for money are not a settlement: the case stays open, the merchant's
/// move, with the terms awaiting payment within 14 days (C. conso L221-24).
#[test]
fn accepting_terms_that_call_for_money_leaves_the_case_awaiting_payment() {
    let state = given(with_merchant_offer())
        .when(buyer(), accept(1))
        .then(vec![CaseEvent::Escalation(
            EscalationEvent::OfferAccepted { offer_id: 1 },
        )]);
    assert_eq!(state.status, CaseStatus::Open);
    assert_eq!(state.resolution, None);
    let awaiting = state.awaiting_payment.clone().expect("awaiting payment");
    assert_eq!(awaiting.terms, partial_refund(2000));
    assert_eq!(awaiting.by, Party::Merchant);
    assert_eq!(awaiting.since, minutes(2));
    assert_eq!(
        awaiting.due,
        minutes(2) + jiff::SignedDuration::from_hours(24 * 14)
    );
    assert_eq!(state.offers[0].status, OfferStatus::Accepted);
    assert_eq!(state.pending_offer(), None);
    assert_eq!(state.waiting_on, Some(Party::Merchant));
    // It stays in the merchant's inbox, with the payment's due date as its deadline.
    assert_eq!(
        next_deadline(&state, &ResponseTimes::default()),
        Some(awaiting.due)
    );
    // Nothing else is settled meanwhile: no new terms, no resolution, no cancelling.
    let mut history = with_merchant_offer();
    history.push((
        buyer(),
        CaseEvent::Escalation(EscalationEvent::OfferAccepted { offer_id: 1 }),
    ));
    nothing_else_while_awaiting(history);
}

/// What may not happen while agreed terms await their payment.
fn nothing_else_while_awaiting(history: Vec<(Actor, CaseEvent)>) {
    for (actor, command) in [
        (merchant(), propose(partial_refund(1000))),
        (merchant(), resolve(simple(ResolutionKind::FullRefund))),
        (buyer(), resolve(simple(ResolutionKind::Withdrawn))),
        (merchant(), cancel()),
    ] {
        given(history.clone())
            .when(actor, command)
            .then_rejected("case.payment_awaited");
    }
}

#[test]
fn accepting_terms_without_money_resolves_at_once() {
    let mut history = vec![(buyer(), opened(CaseKind::Incident, Stage::Negotiation))];
    history.push((
        merchant(),
        offer_proposed(1, Party::Buyer, simple(ResolutionKind::Repair)),
    ));
    let state = given(history)
        .when(buyer(), accept(1))
        .then(vec![CaseEvent::Escalation(
            EscalationEvent::OfferAccepted { offer_id: 1 },
        )]);
    assert_eq!(state.status, CaseStatus::Resolved);
    assert_eq!(state.resolution, Some(simple(ResolutionKind::Repair)));
    assert_eq!(state.awaiting_payment, None);
    assert_eq!(state.waiting_on, None);
}

#[test]
fn merchant_accepts_the_buyer_counter_offer() {
    let mut history = with_merchant_offer();
    history.push((
        buyer(),
        offer_proposed(2, Party::Merchant, partial_refund(4000)),
    ));
    let state = given(history)
        .when(merchant(), accept(2))
        .then(vec![CaseEvent::Escalation(
            EscalationEvent::OfferAccepted { offer_id: 2 },
        )]);
    assert_eq!(
        state.awaiting_payment.map(|a| a.terms),
        Some(partial_refund(4000))
    );
    assert_eq!(state.offers[0].status, OfferStatus::Superseded);
    assert_eq!(state.offers[1].status, OfferStatus::Accepted);
}

#[test]
fn only_the_addressee_accepts_an_offer() {
    let rejection = given(with_merchant_offer())
        .when(merchant(), accept(1))
        .then_rejected("offer.not_addressed_to_you");
    assert_eq!(rejection.field(), Some("offer_id"));
}

#[test]
fn accepting_a_superseded_or_unknown_offer_is_rejected() {
    let mut history = with_merchant_offer();
    history.push((
        buyer(),
        offer_proposed(2, Party::Merchant, partial_refund(4000)),
    ));
    given(history.clone())
        .when(buyer(), accept(1))
        .then_rejected("offer.not_pending");
    given(history)
        .when(merchant(), accept(9))
        .then_rejected("offer.not_pending");
}

#[test]
fn operator_cannot_accept_an_offer() {
    given(with_merchant_offer())
        .when(operator(), accept(1))
        .then_rejected("case.party_not_allowed");
}

#[test]
fn accepting_an_accepted_offer_again_is_rejected() {
    let mut history = with_merchant_offer();
    history.push((
        buyer(),
        CaseEvent::Escalation(EscalationEvent::OfferAccepted { offer_id: 1 }),
    ));
    given(history)
        .when(buyer(), accept(1))
        .then_rejected("offer.not_pending");
}

// ---------------------------------------------------------------------------
// decline_offer
// ---------------------------------------------------------------------------

#[test]
fn declining_returns_the_turn_to_the_proposer() {
    let state = given(with_merchant_offer())
        .when(
            buyer(),
            Command::Escalation(EscalationCommand::DeclineOffer {
                offer_id: 1,
                reason: Some(label("trop peu")),
            }),
        )
        .then(vec![CaseEvent::Escalation(
            EscalationEvent::OfferDeclined {
                offer_id: 1,
                reason: Some(label("trop peu")),
            },
        )]);
    assert_eq!(state.status, CaseStatus::Open);
    assert_eq!(state.offers[0].status, OfferStatus::Declined);
    assert_eq!(state.pending_offer(), None);
    assert_eq!(state.waiting_on, Some(Party::Merchant));
}

#[test]
fn only_the_addressee_declines_an_offer() {
    given(with_merchant_offer())
        .when(merchant(), decline(1))
        .then_rejected("offer.not_addressed_to_you");
}

#[test]
fn declining_twice_is_rejected() {
    let mut history = with_merchant_offer();
    history.push((
        buyer(),
        CaseEvent::Escalation(EscalationEvent::OfferDeclined {
            offer_id: 1,
            reason: None,
        }),
    ));
    given(history)
        .when(buyer(), decline(1))
        .then_rejected("offer.not_pending");
}

#[test]
fn system_cannot_decline_an_offer() {
    given(with_merchant_offer())
        .when(system(), decline(1))
        .then_rejected("case.party_not_allowed");
}

// ---------------------------------------------------------------------------
// escalate
// ---------------------------------------------------------------------------

/// An open return the merchant answered: the buyer may then escalate at once.
fn answered_return() -> Vec<(Actor, CaseEvent)> {
    let mut history = open_return();
    history.push((
        merchant(),
        CaseEvent::Conversation(ConversationEvent::MessagePosted {
            body: body("Nous regardons votre demande."),
        }),
    ));
    history
}

#[test]
fn buyer_escalates_to_the_next_stage() {
    let state = given(answered_return())
        .when(buyer(), escalate(None))
        .then(vec![escalated(Stage::Negotiation, Stage::Mediation)]);
    assert_eq!(state.stage, Stage::Mediation);
    assert_eq!(state.waiting_on, Some(Party::Operator));
    given(answered_return())
        .when(buyer(), escalate(Some(Stage::Mediation)))
        .then(vec![escalated(Stage::Negotiation, Stage::Mediation)]);
}

#[test]
fn merchant_escalates_from_mediation_to_arbitration() {
    given(open_at_stage(Stage::Mediation))
        .when(merchant(), escalate(None))
        .then(vec![escalated(Stage::Mediation, Stage::Arbitration)]);
}

#[test]
fn parties_climb_one_rung_at_a_time() {
    for actor in [buyer(), merchant()] {
        given(open_return())
            .when(actor, escalate(Some(Stage::Arbitration)))
            .then_rejected("case.party_not_allowed");
    }
}

#[test]
fn parties_cannot_go_external_on_their_own() {
    for actor in [buyer(), merchant()] {
        given(open_at_stage(Stage::Arbitration))
            .when(actor.clone(), escalate(None))
            .then_rejected("case.party_not_allowed");
        given(open_at_stage(Stage::Arbitration))
            .when(actor, escalate(Some(Stage::External)))
            .then_rejected("case.party_not_allowed");
    }
}

#[test]
fn operator_escalates_to_any_higher_stage() {
    let state = given(open_return())
        .when(operator(), escalate(Some(Stage::External)))
        .then(vec![escalated(Stage::Negotiation, Stage::External)]);
    assert_eq!(state.waiting_on, Some(Party::Provider));
    given(open_return())
        .when(operator(), escalate(Some(Stage::Arbitration)))
        .then_accepted();
}

#[test]
fn provider_and_system_only_escalate_to_external() {
    for actor in [provider(), system()] {
        given(open_return())
            .when(actor.clone(), escalate(Some(Stage::External)))
            .then(vec![escalated(Stage::Negotiation, Stage::External)]);
        // amiable's automation rules hand a negotiation to the marketplace's mediators.
        if actor == system() {
            given(open_return())
                .when(actor.clone(), escalate(None))
                .then(vec![escalated(Stage::Negotiation, Stage::Mediation)]);
        } else {
            given(open_return())
                .when(actor.clone(), escalate(None))
                .then_rejected("case.party_not_allowed");
        }
        given(open_at_stage(Stage::Mediation))
            .when(actor.clone(), escalate(None))
            .then_rejected("case.party_not_allowed");
        given(open_return())
            .when(actor.clone(), escalate(Some(Stage::Arbitration)))
            .then_rejected("case.party_not_allowed");
        given(open_at_stage(Stage::Arbitration))
            .when(actor, escalate(None))
            .then(vec![escalated(Stage::Arbitration, Stage::External)]);
    }
}

#[test]
fn escalation_never_goes_down_or_sideways() {
    for to in [Stage::Negotiation, Stage::Mediation] {
        let rejection = given(open_at_stage(Stage::Mediation))
            .when(operator(), escalate(Some(to)))
            .then_rejected("escalation.not_higher");
        assert_eq!(rejection.field(), Some("to"));
    }
    given(open_at_stage(Stage::External))
        .when(operator(), escalate(None))
        .then_rejected("escalation.not_higher");
}

#[test]
fn escalating_a_resolved_case_reopens_it() {
    let state = given(resolved_by_refusal())
        .when(buyer(), escalate(None))
        .then(vec![escalated(Stage::Negotiation, Stage::Mediation)]);
    assert_eq!(state.status, CaseStatus::Open);
    assert_eq!(state.stage, Stage::Mediation);
    assert_eq!(state.resolution, None);
    assert_eq!(state.resolved_at, None);
    assert_eq!(state.waiting_on, Some(Party::Operator));
}

#[test]
fn escalating_lapses_the_pending_offer() {
    let state = given(with_merchant_offer())
        .when(buyer(), escalate(None))
        .then_accepted()
        .1;
    assert_eq!(state.offers[0].status, OfferStatus::Lapsed);
    assert_eq!(state.pending_offer(), None);
}

#[test]
fn escalating_a_finished_case_is_rejected() {
    given(closed_case())
        .when(operator(), escalate(None))
        .then_rejected("case.invalid_status");
    given(cancelled_case())
        .when(operator(), escalate(None))
        .then_rejected("case.invalid_status");
}

// ---------------------------------------------------------------------------
// record_decision
// ---------------------------------------------------------------------------

#[test]
fn operator_decides_in_arbitration() {
    let ruling = decision(DecisionOutcome::BuyerFavoured, partial_refund(5000));
    let state = given(open_at_stage(Stage::Arbitration))
        .when(operator(), record_decision(ruling.clone()))
        .then(vec![CaseEvent::Escalation(
            EscalationEvent::DecisionRecorded {
                decision: ruling.clone(),
            },
        )]);
    // A decision that calls for money is paid by the merchant, never "settled" before.
    assert_eq!(state.status, CaseStatus::Open);
    assert_eq!(state.decision.as_ref(), Some(&ruling));
    assert_eq!(state.resolution, None);
    assert_eq!(
        state.awaiting_payment.as_ref().map(|a| &a.terms),
        Some(&partial_refund(5000))
    );
    assert_eq!(state.waiting_on, Some(Party::Merchant));
    let mut history = open_at_stage(Stage::Arbitration);
    history.push((
        operator(),
        CaseEvent::Escalation(EscalationEvent::DecisionRecorded { decision: ruling }),
    ));
    nothing_else_while_awaiting(history.clone());
    // The mediator cannot take another decision over it meanwhile.
    let again = decision(
        DecisionOutcome::MerchantFavoured,
        simple(ResolutionKind::Refusal),
    );
    given(history)
        .when(operator(), record_decision(again))
        .then_rejected("case.payment_awaited");
}

#[test]
fn a_decision_that_moves_no_money_settles_at_once() {
    let ruling = decision(
        DecisionOutcome::BuyerFavoured,
        simple(ResolutionKind::Repair),
    );
    let state = given(open_at_stage(Stage::Arbitration))
        .when(operator(), record_decision(ruling.clone()))
        .then(vec![CaseEvent::Escalation(
            EscalationEvent::DecisionRecorded { decision: ruling },
        )]);
    assert_eq!(state.status, CaseStatus::Resolved);
    assert_eq!(state.awaiting_payment, None);
}

#[test]
fn operator_and_provider_decide_in_external() {
    for actor in [operator(), provider()] {
        given(open_at_stage(Stage::External))
            .when(
                actor,
                record_decision(decision(
                    DecisionOutcome::BuyerFavoured,
                    simple(ResolutionKind::FullRefund),
                )),
            )
            .then_accepted();
    }
}

#[test]
fn decision_lapses_the_pending_offer() {
    let mut history = open_at_stage(Stage::Arbitration);
    history.push((
        merchant(),
        offer_proposed(1, Party::Buyer, partial_refund(1000)),
    ));
    let state = given(history)
        .when(
            operator(),
            record_decision(decision(DecisionOutcome::MerchantFavoured, refusal())),
        )
        .then_accepted()
        .1;
    assert_eq!(state.offers[0].status, OfferStatus::Lapsed);
}

#[test]
fn decision_before_arbitration_is_rejected() {
    let ruling = decision(DecisionOutcome::Split, partial_refund(3000));
    for stage in [Stage::Negotiation, Stage::Mediation] {
        given(open_at_stage(stage))
            .when(operator(), record_decision(ruling.clone()))
            .then_rejected("decision.wrong_stage");
    }
    given(open_at_stage(Stage::Arbitration))
        .when(provider(), record_decision(ruling))
        .then_rejected("case.party_not_allowed");
}

#[test]
fn buyer_merchant_and_system_cannot_decide() {
    let ruling = decision(DecisionOutcome::Split, partial_refund(3000));
    for actor in [buyer(), merchant(), system()] {
        for stage in [Stage::Arbitration, Stage::External] {
            given(open_at_stage(stage))
                .when(actor.clone(), record_decision(ruling.clone()))
                .then_rejected("case.party_not_allowed");
        }
    }
}

#[test]
fn decision_on_a_resolved_case_is_rejected() {
    let mut history = open_at_stage(Stage::Arbitration);
    history.push((merchant(), resolved(refusal())));
    given(history)
        .when(
            operator(),
            record_decision(decision(DecisionOutcome::Split, partial_refund(3000))),
        )
        .then_rejected("case.invalid_status");
}

#[test]
fn decision_terms_are_checked() {
    let rejection = given(open_at_stage(Stage::Arbitration))
        .when(
            operator(),
            record_decision(decision(
                DecisionOutcome::Split,
                simple(ResolutionKind::PartialRefund),
            )),
        )
        .then_rejected("resolution.amount_required");
    assert_eq!(rejection.field(), Some("decision.resolution.amount"));
}

// ---------------------------------------------------------------------------
// resolve
// ---------------------------------------------------------------------------

#[test]
fn merchant_resolves_with_a_full_refund() {
    let state = given(open_return())
        .when(merchant(), resolve(simple(ResolutionKind::FullRefund)))
        .then(vec![resolved(simple(ResolutionKind::FullRefund))]);
    assert_eq!(state.status, CaseStatus::Resolved);
    assert_eq!(state.resolution, Some(simple(ResolutionKind::FullRefund)));
    assert_eq!(state.resolved_at, Some(minutes(1)));
    assert_eq!(state.waiting_on, None);
}

#[test]
fn buyer_resolves_by_withdrawing() {
    given(with_merchant_offer())
        .when(buyer(), resolve(simple(ResolutionKind::Withdrawn)))
        .then(vec![resolved(simple(ResolutionKind::Withdrawn))]);
}

#[test]
fn buyer_can_only_withdraw() {
    for terms in [
        simple(ResolutionKind::FullRefund),
        partial_refund(100),
        refusal(),
    ] {
        let rejection = given(open_return())
            .when(buyer(), resolve(terms))
            .then_rejected("resolution.buyer_can_only_withdraw");
        assert_eq!(rejection.field(), Some("resolution.kind"));
    }
}

#[test]
fn provider_cannot_resolve() {
    given(open_return())
        .when(provider(), resolve(simple(ResolutionKind::FullRefund)))
        .then_rejected("case.party_not_allowed");
}

#[test]
fn resolving_a_resolved_or_cancelled_case_is_rejected() {
    given(resolved_by_refusal())
        .when(operator(), resolve(simple(ResolutionKind::FullRefund)))
        .then_rejected("case.invalid_status");
    given(cancelled_case())
        .when(operator(), resolve(simple(ResolutionKind::FullRefund)))
        .then_rejected("case.invalid_status");
}

#[test]
fn resolution_terms_that_are_accepted() {
    for terms in [
        simple(ResolutionKind::FullRefund),
        with_amount(ResolutionKind::FullRefund, eur(ORDER_TOTAL)),
        simple(ResolutionKind::ReturnAndRefund),
        partial_refund(1),
        simple(ResolutionKind::Replacement),
        simple(ResolutionKind::Exchange),
        simple(ResolutionKind::Repair),
        store_credit(10_000, None),
        store_credit(10_000, Some(10)),
        // Store credit is not money paid back, so the order total does not cap it.
        store_credit(ORDER_TOTAL * 2, Some(100)),
        goodwill(GoodwillKind::Voucher, 1000),
        goodwill(GoodwillKind::ShippingRefund, 490),
        goodwill(GoodwillKind::Gift, 1500),
        refusal(),
    ] {
        given(open_return())
            .when(merchant(), resolve(terms.clone()))
            .then(vec![resolved(terms)]);
    }
}

#[test]
fn resolution_terms_that_are_rejected() {
    let cases = [
        (
            simple(ResolutionKind::PartialRefund),
            "resolution.amount_required",
            "resolution.amount",
        ),
        (
            simple(ResolutionKind::StoreCredit),
            "resolution.amount_required",
            "resolution.amount",
        ),
        (
            Resolution {
                goodwill: Some(GoodwillKind::Voucher),
                ..simple(ResolutionKind::Goodwill)
            },
            "resolution.amount_required",
            "resolution.amount",
        ),
        (
            simple(ResolutionKind::Refusal),
            "resolution.ground_required",
            "resolution.note",
        ),
        (
            with_amount(ResolutionKind::Refusal, eur(100)),
            "resolution.amount_not_allowed",
            "resolution.amount",
        ),
        (
            with_amount(ResolutionKind::Withdrawn, eur(100)),
            "resolution.only_buyer_withdraws",
            "resolution.kind",
        ),
        (
            Resolution {
                bonus_percent: Some(10),
                ..partial_refund(1000)
            },
            "resolution.bonus_only_for_store_credit",
            "resolution.bonus_percent",
        ),
        (
            store_credit(1000, Some(101)),
            "resolution.bonus_too_large",
            "resolution.bonus_percent",
        ),
        (
            with_amount(ResolutionKind::Goodwill, eur(1000)),
            "resolution.goodwill_kind_required",
            "resolution.goodwill",
        ),
        (
            Resolution {
                goodwill: Some(GoodwillKind::Gift),
                ..partial_refund(1000)
            },
            "resolution.goodwill_only_for_goodwill",
            "resolution.goodwill",
        ),
        (
            partial_refund(ORDER_TOTAL + 1),
            "case.amount_exceeds_order",
            "resolution.amount.amount_minor",
        ),
        (
            with_amount(ResolutionKind::FullRefund, eur(ORDER_TOTAL + 1)),
            "case.amount_exceeds_order",
            "resolution.amount.amount_minor",
        ),
        (
            with_amount(ResolutionKind::ReturnAndRefund, eur(ORDER_TOTAL + 1)),
            "case.amount_exceeds_order",
            "resolution.amount.amount_minor",
        ),
        (
            with_amount(ResolutionKind::PartialRefund, usd(1000)),
            "money.currency_mismatch",
            "resolution.amount.currency",
        ),
        (
            partial_refund(0),
            "money.not_positive",
            "resolution.amount.amount_minor",
        ),
        (
            partial_refund(-500),
            "money.not_positive",
            "resolution.amount.amount_minor",
        ),
    ];
    for (terms, code, field) in cases {
        let rejection = given(open_return())
            .when(merchant(), resolve(terms.clone()))
            .then_rejected(code);
        assert_eq!(rejection.field(), Some(field), "{terms:?}");
    }
}

// ---------------------------------------------------------------------------
// reopen
// ---------------------------------------------------------------------------

#[test]
fn buyer_reopens_a_resolved_case() {
    let state = given(resolved_by_refusal())
        .when(buyer(), reopen())
        .then(vec![CaseEvent::Lifecycle(LifecycleEvent::Reopened {
            reason: label("the replacement is also faulty"),
        })]);
    assert_eq!(state.status, CaseStatus::Open);
    assert_eq!(state.resolution, None);
    assert_eq!(state.resolved_at, None);
    assert_eq!(state.waiting_on, Some(Party::Merchant));
}

#[test]
fn operator_reopens_a_closed_case() {
    let state = given(closed_case())
        .when(operator(), reopen())
        .then_accepted()
        .1;
    assert_eq!(state.status, CaseStatus::Open);
    assert_eq!(state.waiting_on, Some(Party::Buyer));
}

#[test]
fn reopening_an_open_or_cancelled_case_is_rejected() {
    given(open_return())
        .when(buyer(), reopen())
        .then_rejected("case.invalid_status");
    given(cancelled_case())
        .when(operator(), reopen())
        .then_rejected("case.invalid_status");
}

#[test]
fn system_and_provider_cannot_reopen() {
    for actor in [system(), provider()] {
        given(resolved_by_refusal())
            .when(actor, reopen())
            .then_rejected("case.party_not_allowed");
    }
}

// ---------------------------------------------------------------------------
// close
// ---------------------------------------------------------------------------

#[test]
fn merchant_closes_a_resolved_case() {
    let state = given(resolved_by_refusal())
        .when(merchant(), Command::Lifecycle(LifecycleCommand::Close))
        .then(vec![CaseEvent::Lifecycle(LifecycleEvent::Closed {
            reason: CloseReason::Manual,
        })]);
    assert_eq!(state.status, CaseStatus::Closed);
    assert_eq!(state.resolution, Some(refusal()));
    assert_eq!(state.waiting_on, None);
}

#[test]
fn system_closes_for_inactivity() {
    given(resolved_by_refusal())
        .when(system(), Command::Lifecycle(LifecycleCommand::Close))
        .then(vec![CaseEvent::Lifecycle(LifecycleEvent::Closed {
            reason: CloseReason::Inactivity,
        })]);
}

#[test]
fn close_only_from_resolved() {
    given(open_return())
        .when(operator(), Command::Lifecycle(LifecycleCommand::Close))
        .then_rejected("case.invalid_status");
    given(closed_case())
        .when(operator(), Command::Lifecycle(LifecycleCommand::Close))
        .then_rejected("case.invalid_status");
    given(cancelled_case())
        .when(operator(), Command::Lifecycle(LifecycleCommand::Close))
        .then_rejected("case.invalid_status");
}

#[test]
fn buyer_and_provider_cannot_close() {
    for actor in [buyer(), provider()] {
        given(resolved_by_refusal())
            .when(actor, Command::Lifecycle(LifecycleCommand::Close))
            .then_rejected("case.party_not_allowed");
    }
}

// ---------------------------------------------------------------------------
// cancel
// ---------------------------------------------------------------------------

#[test]
fn cancelling_lapses_the_pending_offer_and_waits_on_nobody() {
    let state = given(with_merchant_offer())
        .when(buyer(), cancel())
        .then(vec![CaseEvent::Lifecycle(LifecycleEvent::Cancelled {
            reason: label("opened by mistake"),
        })]);
    assert_eq!(state.status, CaseStatus::Cancelled);
    assert_eq!(state.offers[0].status, OfferStatus::Lapsed);
    assert_eq!(state.waiting_on, None);
}

#[test]
fn cancel_only_an_open_case() {
    given(resolved_by_refusal())
        .when(merchant(), cancel())
        .then_rejected("case.invalid_status");
    given(cancelled_case())
        .when(operator(), cancel())
        .then_rejected("case.invalid_status");
    given(closed_case())
        .when(operator(), cancel())
        .then_rejected("case.invalid_status");
}

// ---------------------------------------------------------------------------
// Stored events
// ---------------------------------------------------------------------------

#[test]
fn stored_events_are_decoded_strictly() {
    let event = CaseEvent::Escalation(EscalationEvent::OfferAccepted { offer_id: 3 });
    assert_eq!(
        CaseEvent::from_stored("offer_accepted", EVENT_SCHEMA_VERSION, &event.payload()),
        Ok(event.clone())
    );
    assert!(matches!(
        CaseEvent::from_stored("offer_exploded", EVENT_SCHEMA_VERSION, &event.payload()),
        Err(EventDecodeError::UnknownType(_))
    ));
    assert!(matches!(
        CaseEvent::from_stored("offer_accepted", EVENT_SCHEMA_VERSION + 1, &event.payload()),
        Err(EventDecodeError::UnsupportedVersion { .. })
    ));
    assert!(matches!(
        CaseEvent::from_stored(
            "offer_accepted",
            EVENT_SCHEMA_VERSION,
            &CaseEvent::Conversation(ConversationEvent::NoteAdded { body: body("x") }).payload()
        ),
        Err(EventDecodeError::InvalidPayload { .. })
    ));
    assert!(CaseEvent::types().any(|t| t == event.event_type()));
}

// ---------------------------------------------------------------------------
// Regression tests: only answering the buyer counts as the merchant's first response.
// ---------------------------------------------------------------------------

/// `merchant_first_response_at` is documented as "when the merchant first
/// answered the buyer (message, offer or resolution)", but evolve stamps it on
/// any merchant event other than a note or an attachment.
#[test]
fn closing_a_case_is_not_the_merchant_first_response() {
    let mut history = open_return();
    history.push((operator(), resolved(simple(ResolutionKind::FullRefund))));
    let state = given(history)
        .when(merchant(), Command::Lifecycle(LifecycleCommand::Close))
        .then_accepted()
        .1;
    assert_eq!(state.merchant_first_response_at, None);
}

#[test]
fn escalating_is_not_the_merchant_first_response() {
    let state = given(open_return())
        .when(merchant(), escalate(None))
        .then_accepted()
        .1;
    assert_eq!(state.merchant_first_response_at, None);
}

// ---------------------------------------------------------------------------
// Properties over random command sequences
// ---------------------------------------------------------------------------

mod properties {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::select;
    use proptest::test_runner::{Config, TestCaseError};

    /// After terms were agreed or decided: settled with them when they move no money,
    /// otherwise open and awaiting their payment by the merchant.
    fn agreed(after: &CaseState, terms: &Resolution) -> Result<(), TestCaseError> {
        match &after.awaiting_payment {
            Some(awaiting) => {
                prop_assert_eq!(after.status, CaseStatus::Open);
                prop_assert_eq!(&awaiting.terms, terms);
                prop_assert_eq!(after.waiting_on, Some(Party::Merchant));
                prop_assert!(after.resolution.is_none());
            }
            None => {
                prop_assert_eq!(after.status, CaseStatus::Resolved);
                prop_assert_eq!(after.resolution.as_ref(), Some(terms));
            }
        }
        Ok(())
    }

    /// Who sends a command: one of the five parties.
    fn actor(index: usize) -> Actor {
        match index % 5 {
            0 => buyer(),
            1 => merchant(),
            2 => operator(),
            3 => system(),
            _ => provider(),
        }
    }

    fn actor_of(party: Party) -> Actor {
        match party {
            Party::Buyer => buyer(),
            Party::Merchant => merchant(),
            Party::Operator => operator(),
            Party::System => system(),
            Party::Provider => provider(),
        }
    }

    /// Indexes 0 to 4 name a party; any other the one the case waits on, so
    /// that offers get answered by their addressee often enough.
    fn step_actor(index: usize, state: &CaseState) -> Actor {
        match (index, state.waiting_on) {
            (0..5, _) => actor(index),
            (_, Some(party)) => actor_of(party),
            (_, None) => actor(index),
        }
    }

    #[derive(Debug, Clone)]
    struct OpenSpec {
        kind: CaseKind,
        opener: usize,
        stage: Stage,
        claimed: Option<i64>,
        with_items: bool,
    }

    impl OpenSpec {
        /// A valid opening: the opener and stage are chosen among those the kind allows.
        fn actor_and_command(&self) -> (Actor, Command) {
            let (openers, stage): (&[usize], _) = if self.kind == CaseKind::PaymentDispute {
                (&[1, 2, 3, 4], Some(self.stage))
            } else {
                (&[0, 1, 2], None)
            };
            let items = if self.kind == CaseKind::Return || self.with_items {
                vec![item("1", 1), item("2", 2)]
            } else {
                vec![]
            };
            let command = Command::Lifecycle(LifecycleCommand::Open {
                preferred: None,
                kind: self.kind,
                reason: reason("not_as_described"),
                items,
                claimed: self.claimed.map(eur),
                description: body("Pas conforme à la description"),
                stage,
            });
            (actor(openers[self.opener % openers.len()]), command)
        }
    }

    fn open_spec() -> impl Strategy<Value = OpenSpec> {
        (
            select(CaseKind::ALL),
            0usize..5,
            select(Stage::ALL),
            proptest::option::of(1i64..=ORDER_TOTAL),
            any::<bool>(),
        )
            .prop_map(|(kind, opener, stage, claimed, with_items)| OpenSpec {
                kind,
                opener,
                stage,
                claimed,
                with_items,
            })
    }

    /// Terms for an offer, a decision or a resolution: valid for their kind
    /// most of the time, otherwise broken in one of several ways.
    fn terms() -> impl Strategy<Value = Resolution> {
        (
            select(ResolutionKind::ALL),
            1i64..=ORDER_TOTAL,
            prop::bool::weighted(0.8),
            0u8..7,
            0u8..=120,
            select(GoodwillKind::ALL),
        )
            .prop_map(|(kind, amount, valid, breakage, bonus, goodwill_kind)| {
                let mut terms = Resolution::simple(kind);
                if kind.requires_amount() || (kind.is_refund() && amount % 2 == 0) {
                    terms.amount = Some(eur(amount));
                }
                if kind == ResolutionKind::StoreCredit && bonus <= 100 {
                    terms.bonus_percent = Some(bonus);
                }
                if kind == ResolutionKind::Goodwill {
                    terms.goodwill = Some(goodwill_kind);
                }
                if kind == ResolutionKind::Refusal || amount % 3 == 0 {
                    terms.note = Some(label("motif"));
                }
                if !valid {
                    match breakage {
                        0 => terms.amount = None,
                        1 => terms.amount = Some(eur(ORDER_TOTAL + amount)),
                        2 => terms.amount = Some(usd(amount)),
                        3 => terms.bonus_percent = Some(bonus),
                        4 => {
                            terms.goodwill = match terms.goodwill {
                                Some(_) => None,
                                None => Some(goodwill_kind),
                            }
                        }
                        5 => terms.note = None,
                        _ => terms.amount = Some(eur(0)),
                    }
                }
                terms
            })
    }

    #[derive(Debug, Clone)]
    enum Op {
        Post,
        Note,
        Attach { public: bool, valid: bool },
        Propose(Resolution),
        Accept { pick: u8 },
        Decline { pick: u8, with_reason: bool },
        Escalate(Option<Stage>),
        Decide(DecisionOutcome, Resolution),
        Resolve(Resolution),
        Reopen,
        Close,
        Cancel,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => Just(Op::Post),
            2 => Just(Op::Note),
            2 => (any::<bool>(), prop::bool::weighted(0.9))
                .prop_map(|(public, valid)| Op::Attach { public, valid }),
            8 => terms().prop_map(Op::Propose),
            6 => any::<u8>().prop_map(|pick| Op::Accept { pick }),
            4 => (any::<u8>(), any::<bool>())
                .prop_map(|(pick, with_reason)| Op::Decline { pick, with_reason }),
            6 => proptest::option::of(select(Stage::ALL)).prop_map(Op::Escalate),
            4 => (select(DecisionOutcome::ALL), terms()).prop_map(|(o, t)| Op::Decide(o, t)),
            6 => terms().prop_map(Op::Resolve),
            4 => Just(Op::Reopen),
            4 => Just(Op::Close),
            1 => Just(Op::Cancel),
        ]
    }

    impl Op {
        /// The command, aimed at the state it will meet: offer ids mostly name
        /// the pending offer, sometimes an arbitrary one.
        fn command(&self, state: &CaseState) -> Command {
            let offer_id = |pick: u8| match state.pending_offer() {
                Some(offer) if !pick.is_multiple_of(5) => offer.offer_id,
                _ => u32::from(pick % 4),
            };
            match self {
                Op::Post => post("message"),
                Op::Note => note("note"),
                Op::Attach { public, valid } => {
                    let visibility = if *public {
                        Visibility::Public
                    } else {
                        Visibility::Internal
                    };
                    let mut file = attachment();
                    if !valid {
                        file.size_bytes = 0;
                    }
                    attach_this(file, visibility)
                }
                Op::Propose(terms) => propose(terms.clone()),
                Op::Accept { pick } => accept(offer_id(*pick)),
                Op::Decline { pick, with_reason } => {
                    Command::Escalation(EscalationCommand::DeclineOffer {
                        offer_id: offer_id(*pick),
                        reason: with_reason.then(|| label("non")),
                    })
                }
                Op::Escalate(to) => escalate(*to),
                Op::Decide(outcome, terms) => record_decision(decision(*outcome, terms.clone())),
                Op::Resolve(terms) => resolve(terms.clone()),
                Op::Reopen => reopen(),
                Op::Close => Command::Lifecycle(LifecycleCommand::Close),
                Op::Cancel => cancel(),
            }
        }
    }

    /// One step: who acts, what they ask, and how many seconds passed (often none).
    fn step() -> impl Strategy<Value = (usize, Op, i64)> {
        (
            0usize..7,
            op(),
            prop_oneof![1 => Just(0i64), 3 => 1i64..=86_400],
        )
    }

    /// Checks what an accepted command must have done to the state.
    fn check_effect(
        command: &Command,
        before: &CaseState,
        after: &CaseState,
    ) -> Result<(), TestCaseError> {
        match command {
            Command::Conversation(ConversationCommand::PostMessage { .. }) => {
                prop_assert_eq!(after.public_messages, before.public_messages + 1);
                prop_assert_eq!(after.status, before.status);
            }
            Command::Conversation(ConversationCommand::AddNote { .. }) => {
                prop_assert_eq!(after.internal_notes, before.internal_notes + 1);
                prop_assert_eq!(after.status, before.status);
            }
            Command::Conversation(ConversationCommand::AttachFile { .. }) => {
                prop_assert_eq!(after.attachments, before.attachments + 1);
                prop_assert_eq!(after.status, before.status);
            }
            Command::Escalation(EscalationCommand::ProposeOffer { terms, .. }) => {
                let pending = after.pending_offer();
                prop_assert!(pending.is_some());
                let pending = pending.unwrap();
                prop_assert_eq!(pending.offer_id as usize, after.offers.len());
                prop_assert_eq!(&pending.terms, terms);
                prop_assert_eq!(after.waiting_on, Some(pending.to));
            }
            Command::Escalation(EscalationCommand::AcceptOffer { offer_id }) => {
                let offer = &after.offers[*offer_id as usize - 1];
                prop_assert_eq!(offer.status, OfferStatus::Accepted);
                agreed(after, &offer.terms)?;
            }
            Command::Escalation(EscalationCommand::DeclineOffer { offer_id, .. }) => {
                let offer = &after.offers[*offer_id as usize - 1];
                prop_assert_eq!(offer.status, OfferStatus::Declined);
                prop_assert_eq!(after.status, CaseStatus::Open);
                prop_assert_eq!(after.waiting_on, Some(offer.by));
            }
            Command::Escalation(EscalationCommand::Escalate { .. }) => {
                prop_assert!(after.stage > before.stage);
                prop_assert_eq!(after.status, CaseStatus::Open);
                prop_assert!(after.pending_offer().is_none());
            }
            Command::Escalation(EscalationCommand::RecordDecision { decision, .. }) => {
                prop_assert_eq!(after.decision.as_ref(), Some(decision));
                agreed(after, &decision.resolution)?;
            }
            Command::Lifecycle(LifecycleCommand::Resolve { resolution }) => {
                prop_assert_eq!(after.status, CaseStatus::Resolved);
                prop_assert_eq!(after.resolution.as_ref(), Some(resolution));
            }
            Command::Lifecycle(LifecycleCommand::Reopen { .. }) => {
                prop_assert_eq!(after.status, CaseStatus::Open)
            }
            Command::Lifecycle(LifecycleCommand::Close) => {
                prop_assert_eq!(after.status, CaseStatus::Closed)
            }
            Command::Lifecycle(LifecycleCommand::Cancel { .. }) => {
                prop_assert_eq!(after.status, CaseStatus::Cancelled)
            }
            Command::Lifecycle(LifecycleCommand::Open { .. }) => {
                prop_assert!(false, "open accepted on an existing case")
            }
            // The generator issues no return or money commands (tested in returns_decider.rs).
            other => prop_assert!(false, "unexpected command {}", other.name()),
        }
        // A finished case only takes notes, and a closed one may be reopened.
        match before.status {
            CaseStatus::Cancelled => {
                let note_only = matches!(
                    command,
                    Command::Conversation(ConversationCommand::AddNote { .. })
                );
                prop_assert!(note_only, "{} accepted on a cancelled case", command.name());
            }
            CaseStatus::Closed => {
                let allowed = matches!(
                    command,
                    Command::Conversation(ConversationCommand::AddNote { .. })
                        | Command::Lifecycle(LifecycleCommand::Reopen { .. })
                );
                prop_assert!(allowed, "{} accepted on a closed case", command.name());
            }
            CaseStatus::Open | CaseStatus::Resolved => {}
        }
        Ok(())
    }

    /// Appends accepted events to the log and folds them, checking each one.
    fn record(
        log: &mut Vec<RecordedEvent>,
        state: &mut Option<CaseState>,
        actor: &Actor,
        at: Timestamp,
        events: Vec<CaseEvent>,
    ) -> Result<(), TestCaseError> {
        prop_assert!(!events.is_empty(), "an accepted command emits events");
        for event in events {
            let decoded =
                CaseEvent::from_stored(event.event_type(), EVENT_SCHEMA_VERSION, &event.payload());
            prop_assert_eq!(decoded.as_ref(), Ok(&event));
            let stage_before = state.as_ref().map(|s| s.stage);
            let recorded = RecordedEvent {
                seq: log.len() as i64 + 1,
                actor: actor.clone(),
                recorded_at: at,
                event,
            };
            log.push(recorded);
            *state = CaseState::evolve(state.take(), case_id(), log.last().expect("pushed"));
            let current = state.as_ref();
            prop_assert!(current.is_some(), "the case exists after its events");
            let current = current.expect("checked");
            prop_assert_eq!(current.invariant_violation(), None, "{:#?}", current);
            prop_assert_eq!(current.version, log.len() as i64);
            if let Some(stage_before) = stage_before {
                prop_assert!(current.stage >= stage_before, "the stage went down");
            }
        }
        Ok(())
    }

    fn run(open: OpenSpec, steps: Vec<(usize, Op, i64)>) -> Result<(), TestCaseError> {
        let order = order();
        let taxonomy = ReasonTaxonomy::default();
        let mut log = Vec::new();
        let mut state = None;
        let mut now = minutes(0);

        let (opener, command) = open.actor_and_command();
        let ctx = Context {
            now,
            actor: &opener,
            order: Some(&order),
            taxonomy: &taxonomy,
            law: &amiable_domain::law::LawPack::france(),
            ledger: None,
            returns: None,
            ladder: None,
            goodwill: None,
        };
        let events = decide(None, &command, &ctx);
        prop_assert!(events.is_ok(), "a valid opening is accepted: {:?}", events);
        record(&mut log, &mut state, &opener, now, events.expect("checked"))?;

        for (who, op, elapsed) in steps {
            now = Timestamp::from_second(now.as_second() + elapsed).expect("in range");
            let before = state.clone().expect("opened");
            let actor = step_actor(who, &before);
            let command = op.command(&before);
            let ctx = Context {
                now,
                actor: &actor,
                order: Some(&order),
                taxonomy: &taxonomy,
                law: &amiable_domain::law::LawPack::france(),
                ledger: None,
                returns: None,
                ladder: None,
                goodwill: None,
            };
            let result = decide(Some(&before), &command, &ctx);
            // The decider is a pure function.
            prop_assert_eq!(&decide(Some(&before), &command, &ctx), &result);
            match result {
                Err(rejection) => {
                    prop_assert!(!rejection.code().is_empty());
                    prop_assert_eq!(state.as_ref(), Some(&before));
                    prop_assert_eq!(before.version, log.len() as i64);
                }
                Ok(events) => {
                    record(&mut log, &mut state, &actor, now, events)?;
                    check_effect(&command, &before, state.as_ref().expect("opened"))?;
                }
            }
            prop_assert_eq!(&CaseState::replay(case_id(), &log), &state);
        }
        prop_assert_eq!(&CaseState::replay(case_id(), &log), &state);
        Ok(())
    }

    proptest! {
        #![proptest_config(Config {
            cases: 2000,
            failure_persistence: None,
            ..Config::default()
        })]

        #[test]
        fn random_command_sequences_keep_the_case_consistent(
            open in open_spec(),
            steps in proptest::collection::vec(step(), 0..40),
        ) {
            run(open, steps)?;
        }
    }
}

// ---------------------------------------------------------------------------
// Rules tightened after review
// ---------------------------------------------------------------------------

#[test]
fn a_decision_outcome_must_agree_with_its_terms() {
    for (outcome, terms) in [
        (DecisionOutcome::MerchantFavoured, partial_refund(3000)),
        (DecisionOutcome::BuyerFavoured, refusal()),
        (DecisionOutcome::Split, simple(ResolutionKind::FullRefund)),
    ] {
        let rejection = given(open_at_stage(Stage::Arbitration))
            .when(operator(), record_decision(decision(outcome, terms)))
            .then_rejected("decision.outcome_mismatch");
        assert_eq!(rejection.field(), Some("decision.outcome"));
    }
    given(open_at_stage(Stage::Arbitration))
        .when(
            operator(),
            record_decision(decision(DecisionOutcome::MerchantFavoured, refusal())),
        )
        .then_accepted();
}

#[test]
fn only_the_buyer_withdraws() {
    for actor in [merchant(), operator(), system()] {
        given(open_return())
            .when(actor, resolve(simple(ResolutionKind::Withdrawn)))
            .then_rejected("resolution.only_buyer_withdraws");
    }
    given(open_return())
        .when(buyer(), resolve(simple(ResolutionKind::Withdrawn)))
        .then_accepted();
}

#[test]
fn in_arbitration_only_the_arbiter_refuses() {
    given(open_at_stage(Stage::Arbitration))
        .when(merchant(), resolve(refusal()))
        .then_rejected("resolution.refusal_reserved_to_arbiter");
    // The merchant can still settle in the buyer's favour.
    given(open_at_stage(Stage::Arbitration))
        .when(merchant(), resolve(partial_refund(2000)))
        .then_accepted();
}

#[test]
fn a_binding_decision_is_reopened_only_by_the_operator() {
    let mut decided = open_at_stage(Stage::Arbitration);
    decided.push((
        operator(),
        CaseEvent::Escalation(EscalationEvent::DecisionRecorded {
            decision: decision(DecisionOutcome::MerchantFavoured, refusal()),
        }),
    ));
    for actor in [buyer(), merchant()] {
        given(decided.clone())
            .when(actor, reopen())
            .then_rejected("case.party_not_allowed");
    }
    given(decided).when(operator(), reopen()).then_accepted();
}

#[test]
fn a_provider_cancels_only_payment_disputes() {
    given(open_return())
        .when(provider(), cancel())
        .then_rejected("case.party_not_allowed");
    let dispute = vec![(
        provider(),
        opened(CaseKind::PaymentDispute, Stage::External),
    )];
    given(dispute).when(provider(), cancel()).then_accepted();
}

#[test]
fn a_reopened_or_escalated_case_sets_its_decision_aside() {
    let mut decided = open_at_stage(Stage::Arbitration);
    decided.push((
        operator(),
        CaseEvent::Escalation(EscalationEvent::DecisionRecorded {
            decision: decision(DecisionOutcome::MerchantFavoured, refusal()),
        }),
    ));
    let (_, reopened) = given(decided.clone())
        .when(operator(), reopen())
        .then_accepted();
    assert_eq!(reopened.decision, None);
    // Once set aside, the case is an ordinary open case again: the merchant may settle
    // and the buyer may later reopen that settlement.
    let mut history = decided;
    history.push((
        operator(),
        CaseEvent::Lifecycle(LifecycleEvent::Reopened {
            reason: label("nouvel élément"),
        }),
    ));
    history.push((merchant(), resolved(simple(ResolutionKind::FullRefund))));
    let (_, state) = given(history).when(buyer(), reopen()).then_accepted();
    assert_eq!(state.decision, None);
    assert_eq!(state.invariant_violation(), None);
}

// ---------------------------------------------------------------------------
// The inbox deadline: by when the party whose move it is should act.

#[test]
fn the_deadline_follows_whose_move_it_is() {
    use amiable_domain::case::{ResponseTimes, next_deadline};
    let times = ResponseTimes::default();
    let hours = |h: i64| jiff::SignedDuration::from_hours(h);
    // A buyer opened a return: the merchant has 48 hours from the last activity.
    let state = given(open_return()).state().unwrap();
    assert_eq!(state.waiting_on, Some(Party::Merchant));
    assert_eq!(
        next_deadline(&state, &times),
        Some(state.last_activity_at + hours(48))
    );
    // The merchant made an offer: now the buyer has 7 days.
    let state = given(with_merchant_offer()).state().unwrap();
    assert_eq!(state.waiting_on, Some(Party::Buyer));
    assert_eq!(
        next_deadline(&state, &times),
        Some(state.last_activity_at + hours(7 * 24))
    );
    // Escalated to mediation: the operator has 5 days.
    let mut history = open_return();
    history.push((buyer(), escalated(Stage::Negotiation, Stage::Mediation)));
    let state = given(history).state().unwrap();
    assert_eq!(state.waiting_on, Some(Party::Operator));
    assert_eq!(
        next_deadline(&state, &times),
        Some(state.last_activity_at + hours(5 * 24))
    );
    // Nobody owes a move on a resolved, closed or cancelled case.
    for history in [resolved_by_refusal(), closed_case(), cancelled_case()] {
        let state = given(history).state().unwrap();
        assert_eq!(next_deadline(&state, &times), None, "{:?}", state.status);
    }
    // An internal note, or a reminder from the waiting side, does not move it.
    let opened = given(open_return()).state().unwrap();
    let mut history = open_return();
    history.push((
        merchant(),
        CaseEvent::Conversation(ConversationEvent::NoteAdded {
            body: body("à rappeler"),
        }),
    ));
    history.push((
        buyer(),
        CaseEvent::Conversation(ConversationEvent::MessagePosted {
            body: body("Des nouvelles ?"),
        }),
    ));
    let reminded = given(history).state().unwrap();
    assert!(reminded.last_activity_at > opened.last_activity_at);
    assert_eq!(reminded.waiting_on, Some(Party::Merchant));
    assert_eq!(
        next_deadline(&reminded, &times),
        next_deadline(&opened, &times)
    );
    // Tighter targets move the deadline.
    let tight = ResponseTimes {
        merchant_hours: 24,
        ..times
    };
    let state = given(open_return()).state().unwrap();
    assert_eq!(
        next_deadline(&state, &tight),
        Some(state.last_activity_at + hours(24))
    );
}
