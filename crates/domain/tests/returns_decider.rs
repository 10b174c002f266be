//! The return lifecycle and money in the decider: a request judged against the
//! policy and the law, authorisation, receipt, inspection, refunds against the
//! order's ledger, the legal refund deadline and its late surcharge.

use amiable_domain::case::{
    Actor, CaseEvent, CaseItem, CaseKind, CaseState, Command, Context, Deduction, InspectedLine,
    ItemCondition, PolicyRef, PolicySource, ReceivedLine, RecordedEvent, ResolutionKind,
    ReturnStage, decide, ledger_entries,
};
use amiable_domain::case::{
    EscalationCommand, LifecycleCommand, MoneyCommand, MoneyEvent, ReturnCommand, ReturnEvent,
};
use amiable_domain::ids::{CaseId, LineId, MerchantId, OperatorId, OrderId};
use amiable_domain::law::LawPack;
use amiable_domain::law::refund::Surcharge;
use amiable_domain::law::withdrawal::Information;
use amiable_domain::ledger::{LedgerEntry, LedgerError, OrderLedger};
use amiable_domain::money::{Currency, Money};
use amiable_domain::order::{Order, OrderInput, Quantity};
use amiable_domain::reason::{ReasonCode, ReasonTaxonomy};
use amiable_domain::returns::{AutoApproval, ReturnContext, ReturnPolicy, eligibility, rma_for};
use amiable_domain::text::{Body, Label};
use jiff::Timestamp;
use proptest::prelude::*;
use serde_json::json;
use std::collections::BTreeMap;

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::parse("EUR").unwrap())
}

/// Two pulls at 45 € (line 1) and a personalised candle (line 2), delivered
/// Thursday 5 November 2026; 4.90 € shipping; 114.80 € captured.
fn order() -> Order {
    let input: OrderInput = serde_json::from_value(json!({
        "external_id": "CMD-RET-1",
        "placed_at": "2026-11-02T09:15:00+01:00",
        "currency": "EUR",
        "buyer": {"name": "Claire Martin", "email": "claire.martin@exemple.fr", "locale": "fr"},
        "lines": [
            {"sku": "PULL-M", "title": "Pull en laine", "category": "vêtements", "quantity": 2, "unit_price_minor": 4500},
            {"sku": "BOUGIE", "title": "Bougie gravée", "category": "maison", "quantity": 1, "unit_price_minor": 2000, "flags": ["personalised"]}
        ],
        "shipping_minor": 490,
        "payment": {"provider": "stripe", "transaction_id": "ch_1", "captured_minor": 11490},
        "shipments": [
            {"carrier": "Colissimo", "shipped_at": "2026-11-03T10:00:00Z", "delivered_at": "2026-11-05T10:00:00Z",
             "lines": [{"line_id": "1", "quantity": 2}, {"line_id": "2", "quantity": 1}]}
        ]
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

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn case_id() -> CaseId {
    CaseId::from_bytes([9; 16])
}

fn context(order: &Order, policy: ReturnPolicy, now: Timestamp, taken: u32) -> ReturnContext {
    let law = LawPack::france();
    let mut already_returned = BTreeMap::new();
    if taken > 0 {
        already_returned.insert(LineId::parse("1").unwrap(), taken);
    }
    ReturnContext {
        case_id: case_id(),
        eligibility: eligibility(
            order,
            &policy,
            Information::Given,
            law.date_of(now),
            &law.zone,
            &law.calendar,
        ),
        policy,
        policy_ref: PolicyRef {
            source: PolicySource::Merchant,
            version: 3,
        },
        already_returned,
        recent_returns: 0,
    }
}

fn open_return(line: &str, quantity: u32) -> Command {
    Command::Lifecycle(LifecycleCommand::Open {
        kind: CaseKind::Return,
        reason: ReasonCode::parse("changed_mind").unwrap(),
        items: vec![CaseItem {
            line_id: LineId::parse(line).unwrap(),
            quantity: Quantity::new(i64::from(quantity)).unwrap(),
            reason: None,
        }],
        claimed: None,
        description: Body::parse("Trop grand.").unwrap(),
        stage: None,
        preferred: Some(ResolutionKind::ReturnAndRefund),
    })
}

/// A case's log, folded as the store folds it.
struct Log {
    order: Order,
    law: LawPack,
    taxonomy: ReasonTaxonomy,
    events: Vec<RecordedEvent>,
    ledger: OrderLedger,
}

impl Log {
    fn new() -> Self {
        let order = order();
        Log {
            ledger: OrderLedger::new(order.payment.as_ref().unwrap().captured),
            order,
            law: LawPack::france(),
            taxonomy: ReasonTaxonomy::default(),
            events: Vec::new(),
        }
    }

    fn state(&self) -> Option<CaseState> {
        CaseState::replay(case_id(), &self.events)
    }

    fn decide(
        &self,
        actor: &Actor,
        command: &Command,
        now: Timestamp,
        returns: Option<&ReturnContext>,
    ) -> Result<Vec<CaseEvent>, amiable_domain::case::Rejection> {
        let state = self.state();
        decide(
            state.as_ref(),
            command,
            &Context {
                now,
                actor,
                order: Some(&self.order),
                taxonomy: &self.taxonomy,
                law: &self.law,
                ledger: Some(&self.ledger),
                returns,
                ladder: None,
                goodwill: None,
            },
        )
    }

    fn apply(
        &mut self,
        actor: Actor,
        command: Command,
        now: &str,
        returns: Option<&ReturnContext>,
    ) -> Vec<CaseEvent> {
        let now = at(now);
        let events = self
            .decide(&actor, &command, now, returns)
            .unwrap_or_else(|e| panic!("{} refused: {e}", command.name()));
        let before = self.state();
        for entry in ledger_entries(before.as_ref(), &events) {
            self.ledger.apply(&entry).unwrap();
        }
        for event in &events {
            let seq = self.events.len() as i64 + 1;
            self.events.push(RecordedEvent {
                seq,
                actor: actor.clone(),
                recorded_at: now,
                event: event.clone(),
            });
        }
        let state = self.state().unwrap();
        assert_eq!(state.invariant_violation(), None);
        events
    }

    fn rejected(&self, actor: Actor, command: Command, now: &str) -> String {
        self.decide(&actor, &command, at(now), None)
            .map(|events| panic!("{} accepted: {events:?}", command.name()))
            .unwrap_err()
            .code()
            .to_owned()
    }
}

fn merchant() -> Actor {
    Actor::MerchantUser { id: "m".into() }
}

fn line(id: &str) -> LineId {
    LineId::parse(id).unwrap()
}

/// Opened 9 November (within the 14 days from 5 November), authorised, received.
fn received_return() -> Log {
    let mut log = Log::new();
    let now = "2026-11-09T10:00:00Z";
    let ctx = context(&log.order, ReturnPolicy::statutory(), at(now), 0);
    log.apply(Actor::Buyer, open_return("1", 2), now, Some(&ctx));
    log.apply(
        merchant(),
        Command::Returns(ReturnCommand::AuthoriseReturn { returnless: false }),
        "2026-11-09T12:00:00Z",
        None,
    );
    log.apply(
        merchant(),
        Command::Returns(ReturnCommand::ReceiveReturn {
            lines: vec![ReceivedLine {
                line_id: line("1"),
                quantity: 2,
                condition: ItemCondition::LikeNew,
                note: None,
            }],
        }),
        "2026-11-13T09:00:00Z",
        None,
    );
    log
}

#[test]
fn a_request_is_judged_and_records_the_policy_version_and_the_refund_deadline() {
    let mut log = Log::new();
    let now = "2026-11-09T10:00:00Z";
    let ctx = context(&log.order, ReturnPolicy::statutory(), at(now), 0);
    let events = log.apply(Actor::Buyer, open_return("1", 2), now, Some(&ctx));
    let CaseEvent::Returns(ReturnEvent::ReturnRequested {
        policy,
        lines,
        original_shipping,
        refund_due_by,
        ..
    }) = &events[1]
    else {
        panic!("expected return_requested: {events:?}");
    };
    assert_eq!(policy.version, 3);
    // Delivered Thu 5 Nov: the 14 days end Thu 19 Nov (C. conso L221-18).
    assert_eq!(lines[0].until, Some(jiff::civil::date(2026, 11, 19)));
    assert_eq!(lines[0].basis, "C. conso L221-18");
    // The candle stays: not the whole order, no delivery refund.
    assert_eq!(*original_shipping, None);
    // Notice on Mon 9 Nov + 14 days = Mon 23 Nov (L221-24).
    assert_eq!(*refund_due_by, Some(jiff::civil::date(2026, 11, 23)));
    let state = log.state().unwrap();
    assert_eq!(state.returns.unwrap().stage, ReturnStage::Requested);
}

#[test]
fn requests_outside_the_rules_are_refused_with_their_code() {
    let log = Log::new();
    let decide_open = |command: Command, now: &str, taken: u32| {
        let ctx = context(&log.order, ReturnPolicy::statutory(), at(now), taken);
        log.decide(&Actor::Buyer, &command, at(now), Some(&ctx))
            .unwrap_err()
            .code()
            .to_owned()
    };
    // Past Thursday 19 November.
    assert_eq!(
        decide_open(open_return("1", 1), "2026-11-20T10:00:00Z", 0),
        "return.window_closed"
    );
    // The personalised candle (L221-28 3°).
    assert_eq!(
        decide_open(open_return("2", 1), "2026-11-09T10:00:00Z", 0),
        "return.not_returnable"
    );
    // Both pulls already in another return.
    assert_eq!(
        decide_open(open_return("1", 1), "2026-11-09T10:00:00Z", 2),
        "return.already_returned"
    );
    // One already returned, two asked.
    assert_eq!(
        decide_open(open_return("1", 2), "2026-11-09T10:00:00Z", 1),
        "return.quantity_exceeds_returnable"
    );
    assert_eq!(
        decide_open(open_return("7", 1), "2026-11-09T10:00:00Z", 0),
        "case.unknown_line"
    );
}

#[test]
fn the_policy_auto_approves_small_returns_of_unflagged_buyers() {
    let mut log = Log::new();
    let now = "2026-11-09T10:00:00Z";
    let mut policy = ReturnPolicy::statutory();
    policy.auto_approve = Some(AutoApproval {
        max_amount: Some(eur(5000)),
        max_recent_returns: Some(3),
    });
    let ctx = context(&log.order, policy.clone(), at(now), 0);
    let events = log.apply(Actor::Buyer, open_return("1", 1), now, Some(&ctx));
    assert!(matches!(
        &events[2],
        CaseEvent::Returns(ReturnEvent::ReturnAuthorised { automatic: true, rma, .. }) if *rma == rma_for(&case_id())
    ));
    // Two pulls (90 €) are above the 50 € ceiling: a person decides.
    let fresh = Log::new();
    let ctx = context(&fresh.order, policy.clone(), at(now), 0);
    let events = fresh
        .decide(&Actor::Buyer, &open_return("1", 2), at(now), Some(&ctx))
        .unwrap();
    assert_eq!(events.len(), 2);
    // A flagged buyer (3 returns in 90 days) waits too.
    let mut ctx = context(&fresh.order, policy, at(now), 0);
    ctx.recent_returns = 3;
    let events = fresh
        .decide(&Actor::Buyer, &open_return("1", 1), at(now), Some(&ctx))
        .unwrap();
    assert_eq!(events.len(), 2);
}

#[test]
fn a_label_needs_an_authorised_return() {
    let mut log = Log::new();
    let now = "2026-11-09T10:00:00Z";
    let ctx = context(&log.order, ReturnPolicy::statutory(), at(now), 0);
    log.apply(Actor::Buyer, open_return("1", 1), now, Some(&ctx));
    let label = amiable_domain::case::ReturnLabel {
        carrier: Label::parse("Transporteur local").unwrap(),
        tracking_number: Label::parse("CR123456785FR").unwrap(),
        attachment: amiable_domain::case::AttachmentRef {
            sha256: "a".repeat(64),
            filename: Label::parse("etiquette.pdf").unwrap(),
            content_type: Label::parse("application/pdf").unwrap(),
            size_bytes: 100,
        },
        issued_at: at(now),
        expires_at: at("2026-11-23T10:00:00Z"),
        parcel_count: 1,
        weight_grams: 800,
    };
    assert_eq!(
        log.rejected(
            merchant(),
            Command::Returns(ReturnCommand::IssueLabel {
                label: label.clone()
            }),
            now
        ),
        "label.return_not_authorised"
    );
    log.apply(
        merchant(),
        Command::Returns(ReturnCommand::AuthoriseReturn { returnless: false }),
        now,
        None,
    );
    log.apply(
        merchant(),
        Command::Returns(ReturnCommand::IssueLabel { label }),
        now,
        None,
    );
    // The label expires on its date, not before.
    assert_eq!(
        log.rejected(
            Actor::System { id: "t".into() },
            Command::Returns(ReturnCommand::ExpireLabel),
            "2026-11-20T10:00:00Z"
        ),
        "label.not_expired"
    );
    log.apply(
        Actor::System { id: "t".into() },
        Command::Returns(ReturnCommand::ExpireLabel),
        "2026-11-23T10:00:01Z",
        None,
    );
    assert_eq!(
        log.state().unwrap().returns.unwrap().stage,
        ReturnStage::LabelExpired
    );
}

#[test]
fn a_refund_with_inspection_deductions_is_itemised_and_resolves_partially() {
    let mut log = received_return();
    log.apply(
        merchant(),
        Command::Returns(ReturnCommand::InspectReturn {
            lines: vec![InspectedLine {
                line_id: line("1"),
                compliant: false,
                deductions: vec![Deduction {
                    label: Label::parse("Tache sur la manche").unwrap(),
                    amount: eur(900),
                }],
            }],
        }),
        "2026-11-13T10:00:00Z",
        None,
    );
    let events = log.apply(
        merchant(),
        Command::Money(MoneyCommand::Refund {
            amount: None,
            deductions: Vec::new(),
            gateway: Label::parse("manual").unwrap(),
            resolve: true,
        }),
        "2026-11-14T10:00:00Z",
        None,
    );
    let CaseEvent::Money(MoneyEvent::RefundRecorded {
        amount,
        deductions,
        late,
        ..
    }) = &events[0]
    else {
        panic!("{events:?}");
    };
    assert_eq!(*amount, eur(9000 - 900));
    assert_eq!(deductions.len(), 1);
    assert_eq!(*late, None);
    let state = log.state().unwrap();
    assert_eq!(
        state.resolution.as_ref().unwrap().kind,
        ResolutionKind::PartialRefund
    );
    assert_eq!(log.ledger.refunded, eur(8100));
}

#[test]
fn a_late_refund_carries_the_l242_4_surcharge() {
    let mut log = received_return();
    // Due Monday 23 November; paid Friday 18 December: 25 days late → 10 %.
    let events = log.apply(
        merchant(),
        Command::Money(MoneyCommand::Refund {
            amount: None,
            deductions: Vec::new(),
            gateway: Label::parse("manual").unwrap(),
            resolve: true,
        }),
        "2026-12-18T10:00:00Z",
        None,
    );
    let CaseEvent::Money(MoneyEvent::RefundRecorded {
        late: Some(late), ..
    }) = &events[0]
    else {
        panic!("{events:?}");
    };
    assert_eq!(late.due_by, jiff::civil::date(2026, 11, 23));
    assert_eq!(late.days_late, 25);
    assert!(
        matches!(late.surcharge, Surcharge::Percent { percent: 10, amount, .. } if amount == eur(900)),
        "{:?}",
        late.surcharge
    );
    assert_eq!(log.ledger.surcharge_due, eur(900));
}

#[test]
fn refunds_never_exceed_what_remains_refundable() {
    let mut log = received_return();
    log.apply(
        merchant(),
        Command::Money(MoneyCommand::Refund {
            amount: Some(eur(9_000)),
            deductions: Vec::new(),
            gateway: Label::parse("manual").unwrap(),
            resolve: false,
        }),
        "2026-11-14T10:00:00Z",
        None,
    );
    // The two pulls (90 €) are all this case can give back, whatever the order still holds.
    let over = Command::Money(MoneyCommand::Refund {
        amount: Some(eur(1)),
        deductions: Vec::new(),
        gateway: Label::parse("manual").unwrap(),
        resolve: false,
    });
    assert_eq!(
        log.rejected(merchant(), over, "2026-11-14T11:00:00Z"),
        "refund.exceeds_case_value"
    );
    let foreign = Command::Money(MoneyCommand::Refund {
        amount: Some(Money::new(100, Currency::parse("USD").unwrap())),
        deductions: Vec::new(),
        gateway: Label::parse("manual").unwrap(),
        resolve: false,
    });
    assert_eq!(
        log.rejected(merchant(), foreign, "2026-11-14T11:00:00Z"),
        "money.currency_mismatch"
    );
    let negative = Command::Money(MoneyCommand::Refund {
        amount: Some(eur(-5)),
        deductions: Vec::new(),
        gateway: Label::parse("manual").unwrap(),
        resolve: false,
    });
    assert_eq!(
        log.rejected(merchant(), negative, "2026-11-14T11:00:00Z"),
        "money.not_positive"
    );
    // A failed refund releases its amount.
    log.apply(
        Actor::System { id: "gw".into() },
        Command::Money(MoneyCommand::FailRefund {
            refund_id: 1,
            error: Label::parse("carte expirée").unwrap(),
        }),
        "2026-11-14T12:00:00Z",
        None,
    );
    assert_eq!(log.ledger.refundable(), eur(11_490));
}

#[test]
fn a_buyer_cannot_cancel_once_the_goods_are_back() {
    let log = received_return();
    assert_eq!(
        log.rejected(
            Actor::Buyer,
            Command::Lifecycle(LifecycleCommand::Cancel {
                reason: Label::parse("Finalement je garde").unwrap()
            }),
            "2026-11-13T12:00:00Z"
        ),
        "return.invalid_stage"
    );
}

#[derive(Debug, Clone)]
enum Move {
    Refund(i64),
    Credit(i64, i64),
    Release(usize),
    Compensate(i64),
}

fn moves() -> impl Strategy<Value = Vec<Move>> {
    prop::collection::vec(
        prop_oneof![
            (-100i64..20_000).prop_map(Move::Refund),
            ((-100i64..20_000), (0i64..2_000)).prop_map(|(a, b)| Move::Credit(a, b)),
            (0usize..8).prop_map(Move::Release),
            (1i64..5_000).prop_map(Move::Compensate),
        ],
        0..40,
    )
}

proptest! {
    /// Whatever the order of refunds, credits and releases, what went back never
    /// exceeds what was captured, and a refusal is exactly "over the balance".
    #[test]
    fn the_ledger_never_gives_back_more_than_was_captured(captured in 1i64..50_000, moves in moves()) {
        let mut ledger = OrderLedger::new(eur(captured));
        let mut refunds: Vec<i64> = Vec::new();
        for step in moves {
            let before = ledger;
            let entry = match step {
                Move::Refund(amount) => LedgerEntry::Refund { amount: eur(amount) },
                Move::Credit(amount, bonus) => LedgerEntry::StoreCredit { amount: eur(amount), bonus: eur(bonus) },
                Move::Release(index) => match refunds.get(index) {
                    Some(amount) => LedgerEntry::RefundReleased { amount: eur(*amount) },
                    None => continue,
                },
                Move::Compensate(amount) => LedgerEntry::Compensation { amount: eur(amount) },
            };
            let result = ledger.apply(&entry);
            let given_back = |l: &OrderLedger| l.refunded.amount_minor + l.store_credit.amount_minor;
            match (&entry, &result) {
                (LedgerEntry::Refund { amount } | LedgerEntry::StoreCredit { amount, .. }, Err(LedgerError::ExceedsRefundable { refundable })) => {
                    prop_assert!(amount.amount_minor > refundable.amount_minor);
                    prop_assert_eq!(*refundable, before.refundable());
                }
                (_, Err(LedgerError::NotPositive)) => prop_assert!(entry.amount().amount_minor <= 0),
                (_, Err(other)) => prop_assert!(false, "unexpected {:?}", other),
                (LedgerEntry::Refund { amount }, Ok(())) => {
                    prop_assert!(amount.amount_minor <= before.refundable().amount_minor);
                    refunds.push(amount.amount_minor);
                }
                (LedgerEntry::RefundReleased { amount }, Ok(())) => {
                    if let Some(position) = refunds.iter().position(|r| *r == amount.amount_minor) {
                        refunds.remove(position);
                    }
                }
                _ => {}
            }
            if result.is_err() {
                prop_assert_eq!(ledger, before, "a refused entry changes nothing");
            }
            prop_assert!(given_back(&ledger) <= captured);
            prop_assert!(ledger.refunded.amount_minor >= 0);
        }
    }
}

#[test]
fn a_faulty_item_goes_back_under_the_guarantee_after_the_withdrawal_period() {
    let log = Log::new();
    // 9 months after delivery: the 14 days are long over, the 2 years are not.
    let now = "2027-08-05T10:00:00Z";
    let ctx = context(&log.order, ReturnPolicy::statutory(), at(now), 0);
    let mut faulty = open_return("2", 1);
    if let Command::Lifecycle(LifecycleCommand::Open { reason, .. }) = &mut faulty {
        *reason = ReasonCode::parse("defective").unwrap();
    }
    let events = log
        .decide(&Actor::Buyer, &faulty, at(now), Some(&ctx))
        .unwrap();
    let CaseEvent::Returns(ReturnEvent::ReturnRequested {
        lines,
        return_shipping,
        refund_due_by,
        ..
    }) = &events[1]
    else {
        panic!("{events:?}");
    };
    // Even the personalised candle: a fault is not a change of mind.
    assert_eq!(lines[0].basis, "C. conso L217-3");
    assert_eq!(lines[0].until, Some(jiff::civil::date(2028, 11, 5)));
    assert_eq!(
        *return_shipping,
        amiable_domain::returns::ReturnShipping::Merchant
    );
    assert_eq!(*refund_due_by, None);
    // A change of mind at the same date is too late.
    let code = log
        .decide(&Actor::Buyer, &open_return("1", 1), at(now), Some(&ctx))
        .unwrap_err()
        .code()
        .to_owned();
    assert_eq!(code, "return.window_closed");
    // Past the two years, the guarantee is over too.
    let late = "2028-11-06T10:00:00Z";
    let ctx = context(&log.order, ReturnPolicy::statutory(), at(late), 0);
    let code = log
        .decide(&Actor::Buyer, &faulty, at(late), Some(&ctx))
        .unwrap_err()
        .code()
        .to_owned();
    assert_eq!(code, "return.guarantee_expired");
}

#[test]
fn a_refund_recorded_on_time_but_paid_late_carries_the_surcharge_from_payment() {
    let mut log = received_return();
    // Recorded on Friday 20 November, before the deadline (Monday 23)…
    let events = log.apply(
        merchant(),
        Command::Money(MoneyCommand::Refund {
            amount: None,
            deductions: Vec::new(),
            gateway: Label::parse("stripe").unwrap(),
            resolve: true,
        }),
        "2026-11-20T10:00:00Z",
        None,
    );
    assert!(matches!(
        &events[0],
        CaseEvent::Money(MoneyEvent::RefundRecorded { late: None, .. })
    ));
    // …paid by the gateway on Wednesday 9 December: 16 days late → 5 %.
    let events = log.apply(
        Actor::System { id: "gw".into() },
        Command::Money(MoneyCommand::SettleRefund {
            refund_id: 1,
            reference: Label::parse("re_123").unwrap(),
        }),
        "2026-12-09T10:00:00Z",
        None,
    );
    let CaseEvent::Money(MoneyEvent::RefundSettled {
        late: Some(late), ..
    }) = &events[0]
    else {
        panic!("{events:?}");
    };
    assert_eq!(late.days_late, 16);
    assert!(
        matches!(late.surcharge, Surcharge::Percent { percent: 5, amount, .. } if amount == eur(450))
    );
    assert_eq!(log.ledger.surcharge_due, eur(450));
    assert_eq!(log.state().unwrap().refunds[0].late.as_ref(), Some(late));
}

fn refund(amount: Option<i64>, gateway: &str, resolve: bool) -> Command {
    Command::Money(MoneyCommand::Refund {
        amount: amount.map(eur),
        deductions: Vec::new(),
        gateway: Label::parse(gateway).unwrap(),
        resolve,
    })
}

#[test]
fn an_exchange_cannot_follow_money_already_given_back() {
    let mut log = received_return();
    log.apply(
        merchant(),
        refund(Some(2000), "manual", false),
        "2026-11-14T10:00:00Z",
        None,
    );
    let exchange = Command::Money(MoneyCommand::RecordExchange {
        lines: vec![amiable_domain::case::ExchangeLine {
            line_id: line("1"),
            quantity: Quantity::new(2).unwrap(),
            sku: Label::parse("PULL-L").unwrap(),
            title: Label::parse("Pull en laine, taille L").unwrap(),
            unit_price: eur(1),
        }],
        gateway: Label::parse("manual").unwrap(),
    });
    assert_eq!(
        log.rejected(merchant(), exchange, "2026-11-14T11:00:00Z"),
        "exchange.after_money_moved"
    );
}

#[test]
fn a_gateway_refund_is_settled_or_failed_by_the_gateway_only_and_a_failure_keeps_the_resolution() {
    let mut log = received_return();
    log.apply(
        merchant(),
        refund(None, "stripe", true),
        "2026-11-14T10:00:00Z",
        None,
    );
    let settle = Command::Money(MoneyCommand::SettleRefund {
        refund_id: 1,
        reference: Label::parse("à la main").unwrap(),
    });
    assert_eq!(
        log.rejected(merchant(), settle, "2026-11-14T11:00:00Z"),
        "refund.gateway_owned"
    );
    log.apply(
        Actor::System {
            id: "gateway:stripe".into(),
        },
        Command::Money(MoneyCommand::FailRefund {
            refund_id: 1,
            error: Label::parse("carte expirée").unwrap(),
        }),
        "2026-11-14T12:00:00Z",
        None,
    );
    // The agreed resolution stands; the money is still owed and can be paid again.
    let state = log.state().unwrap();
    assert_eq!(state.status, amiable_domain::case::CaseStatus::Resolved);
    assert_eq!(
        state.resolution.unwrap().kind,
        ResolutionKind::ReturnAndRefund
    );
    log.apply(
        merchant(),
        refund(None, "manual", true),
        "2026-11-15T10:00:00Z",
        None,
    );
    assert_eq!(log.ledger.refunded, eur(9000));
}

#[test]
fn an_offer_accepted_before_authorisation_is_paid_as_agreed() {
    let mut log = Log::new();
    let now = "2026-11-09T10:00:00Z";
    let ctx = context(&log.order, ReturnPolicy::statutory(), at(now), 0);
    log.apply(Actor::Buyer, open_return("1", 1), now, Some(&ctx));
    let mut terms = amiable_domain::case::Resolution::simple(ResolutionKind::PartialRefund);
    terms.amount = Some(eur(3000));
    log.apply(
        merchant(),
        Command::Escalation(EscalationCommand::ProposeOffer {
            terms,
            message: None,
        }),
        "2026-11-09T11:00:00Z",
        None,
    );
    log.apply(
        Actor::Buyer,
        Command::Escalation(EscalationCommand::AcceptOffer { offer_id: 1 }),
        "2026-11-09T12:00:00Z",
        None,
    );
    log.apply(
        merchant(),
        refund(Some(3000), "manual", true),
        "2026-11-09T13:00:00Z",
        None,
    );
    assert_eq!(log.ledger.refunded, eur(3000));
    // Paid: nothing more is agreed.
    assert_eq!(
        log.rejected(
            merchant(),
            refund(Some(100), "manual", false),
            "2026-11-09T14:00:00Z"
        ),
        "case.invalid_status"
    );
}

#[test]
fn a_return_is_refused_through_its_own_command_and_not_after_money_moved() {
    let mut log = received_return();
    let mut refusal = amiable_domain::case::Resolution::simple(ResolutionKind::Refusal);
    refusal.note = Some(Label::parse("Article porté").unwrap());
    assert_eq!(
        log.rejected(
            merchant(),
            Command::Lifecycle(LifecycleCommand::Resolve {
                resolution: refusal
            }),
            "2026-11-13T10:00:00Z"
        ),
        "resolution.use_refuse_return"
    );
    log.apply(
        merchant(),
        refund(Some(4500), "manual", false),
        "2026-11-13T11:00:00Z",
        None,
    );
    assert_eq!(
        log.rejected(
            merchant(),
            Command::Returns(ReturnCommand::RefuseReturn {
                ground: Label::parse("Article porté").unwrap()
            }),
            "2026-11-13T12:00:00Z"
        ),
        "case.money_moved"
    );
}

#[test]
fn the_surcharge_is_capped_at_the_price_for_the_case_as_a_whole() {
    let mut log = received_return();
    // 400 days late: 50 % + 11 months × 5 points = 105 % of each 45 € refund.
    let when = "2027-12-28T10:00:00Z";
    log.apply(merchant(), refund(Some(4500), "manual", false), when, None);
    assert_eq!(log.ledger.surcharge_due, eur(4725));
    log.apply(merchant(), refund(Some(4500), "manual", false), when, None);
    // Not 2 × 47.25 €: at most the price of what was returned (90 €), L242-4.
    assert_eq!(log.ledger.surcharge_due, eur(9000));
}
