//! What a party may do next on a case — asked of the decider itself.
//!
//! The web interface shows one button per possible command. Rather than a
//! second copy of the decider's rules (which would drift), each command is
//! tried with representative input: a refusal because of the case's status,
//! stage, the party, an offer or the return's stage means the command is not
//! possible now; a refusal of the input alone means it is (the form gathers
//! the real input, and the decider judges it again when it is sent).

use super::command::Command;
use super::conversation::ConversationCommand;
use super::decide::{Context, Rejection, decide};
use super::escalation::EscalationCommand;
use super::incident::IncidentCommand;
use super::lifecycle::LifecycleCommand;
use super::mediation::MediationCommand;
use super::model::Stage;
use super::model::*;
use super::money::MoneyCommand;
use super::returns::ReturnCommand;
use super::state::{CaseState, OfferStatus};
use crate::money::Money;
use crate::text::{Body, Label};

/// A command the party may send now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Possible {
    PostMessage,
    AddNote,
    AttachFile,
    ProposeOffer,
    AcceptOffer(u32),
    DeclineOffer(u32),
    Escalate,
    RecordDecision,
    Resolve,
    Reopen,
    Close,
    Cancel,
    AuthoriseReturn,
    RefuseReturn,
    IssueLabel,
    RecordParcelScan,
    DeclareShipment,
    ReceiveReturn,
    InspectReturn,
    Refund,
    SettleRefund(u32),
    FailRefund(u32),
    IssueStoreCredit,
    RecordExchange,
    Compensate,
    ApproveCompensation(u32),
    DetermineResponsibility,
    SetDeliveryDeadline,
    CancelLateOrder,
    FileCarrierClaim,
    RecordClaimOutcome,
    Reship,
    RecordReshipmentScan,
    PostPrivateMessage,
    RequestInformation,
    Appeal,
    DecideAppeal,
    OfferConsumerMediation,
}

/// The order a page lists the commands in.
const ORDER: &[Possible] = &[
    Possible::PostMessage,
    Possible::PostPrivateMessage,
    Possible::AddNote,
    Possible::AttachFile,
    Possible::DetermineResponsibility,
    Possible::SetDeliveryDeadline,
    Possible::CancelLateOrder,
    Possible::Reship,
    Possible::RecordReshipmentScan,
    Possible::FileCarrierClaim,
    Possible::RecordClaimOutcome,
    Possible::AuthoriseReturn,
    Possible::RefuseReturn,
    Possible::IssueLabel,
    Possible::RecordParcelScan,
    Possible::DeclareShipment,
    Possible::ReceiveReturn,
    Possible::InspectReturn,
    Possible::Refund,
    Possible::IssueStoreCredit,
    Possible::RecordExchange,
    Possible::Compensate,
    Possible::ProposeOffer,
    Possible::Escalate,
    Possible::RequestInformation,
    Possible::RecordDecision,
    Possible::Appeal,
    Possible::DecideAppeal,
    Possible::OfferConsumerMediation,
    Possible::Resolve,
    Possible::Reopen,
    Possible::Close,
    Possible::Cancel,
    Possible::AcceptOffer(0),
    Possible::DeclineOffer(0),
    Possible::SettleRefund(0),
    Possible::FailRefund(0),
    Possible::ApproveCompensation(0),
];

fn same_kind(a: Possible, b: Possible) -> bool {
    std::mem::discriminant(&a) == std::mem::discriminant(&b)
}

/// Input refusals that mean "not now" rather than "not with this input".
pub const NOT_NOW: &[&str] = &[
    "return.not_a_return",
    "case.money_moved",
    "label.returnless",
    "label.return_not_authorised",
    "label.not_expired",
    "exchange.after_money_moved",
    "return.returnless",
    "return.shipment_already_known",
    "refund.exceeds_refundable",
    "refund.exceeds_case_value",
    "refund.gateway_owned",
    "refund.not_pending",
    "return.buyer_consent_required",
    "return.lines_required",
    "exchange.lines_required",
    "compensation.exceeds_order",
    "reminder.nothing_due",
    // The operator proposes terms from mediation on: a stage rule.
    "offer.operator_needs_mediation",
    // A return is refused with refuse_return, and resolved by its money commands.
    "resolution.use_refuse_return",
    "resolution.money_command_required",
    // Who may resolve how: party rules, spoken as refusals of the resolution's kind.
    "resolution.buyer_can_only_withdraw",
    "resolution.only_buyer_withdraws",
    "resolution.refusal_reserved_to_arbiter",
    // Agreed or decided terms wait for their payment: nothing else until then.
    "case.payment_awaited",
    // The ladder's rules: when one may escalate, appeal, and who hears an appeal.
    "escalation.too_early",
    "mediation.not_escalated",
    "mediation.not_your_channel",
    "mediation.invalid_channel",
    "mediation.consumer_mediator_offered",
    "mediation.decision_not_final",
    "mediation.no_consumer_mediator",
    "appeal.no_decision",
    "appeal.already_lodged",
    "appeal.party_won",
    "appeal.window_closed",
    "appeal.not_pending",
    "appeal.same_mediator",
    // An incident's steps, each in its time.
    "incident.not_an_incident",
    "incident.no_proof_of_delivery",
    "delivery.not_about_delivery",
    "delivery.already_delivered",
    "delivery.not_late_yet",
    "delivery.deadline_not_passed",
    "delivery.deadline_required",
    "claim.already_filed",
    "claim.not_pending",
    "reship.already_in_transit",
    "reship.none_in_transit",
    "reship.not_delivered",
    "goodwill.approval_not_pending",
    "goodwill.not_an_approver",
];

/// Refusals of a refund or credit *without an amount* that mean there is nothing to
/// give back yet (what the return calls for came to zero, or the case needs an amount):
/// the one-cent probe that follows decides.
const NOTHING_DUE: &[&str] = &["money.not_positive", "resolution.amount_required"];

fn label(text: &str) -> Label {
    Label::parse(text).expect("a fixed label")
}

fn body(text: &str) -> Body {
    Body::parse(text).expect("a fixed body")
}

/// Whether the decider would take `command` from the context's actor now.
pub fn allows(state: &CaseState, command: &Command, ctx: &Context<'_>) -> bool {
    match decide(Some(state), command, ctx) {
        Ok(_) => true,
        Err(Rejection::Invalid(error)) => !NOT_NOW.contains(&error.code),
        Err(_) => false,
    }
}

/// The commands the context's actor may send on `state` now, in the order a
/// page lists them. Money commands need `ctx.ledger`.
pub fn available(state: &CaseState, ctx: &Context<'_>) -> Vec<Possible> {
    let mut possible = Vec::new();
    for (what, command) in probes(state, ctx) {
        if command.moves_money() && ctx.ledger.is_none() {
            continue;
        }
        if !possible.contains(&what) && probe_takes(state, &command, ctx) {
            possible.push(what);
        }
    }
    // In the page's order, whatever probe found each.
    possible.sort_by_key(|p| {
        ORDER
            .iter()
            .position(|o| same_kind(*o, *p))
            .unwrap_or(usize::MAX)
    });
    possible
}

/// Whether a probe of [`probes`] finds its command possible: like [`allows`], and an
/// amount-less refund or credit refused because nothing is due counts as "not now".
pub fn probe_takes(state: &CaseState, command: &Command, ctx: &Context<'_>) -> bool {
    let amountless = matches!(
        command,
        Command::Money(MoneyCommand::Refund { amount: None, .. })
            | Command::Money(MoneyCommand::IssueStoreCredit { amount: None, .. })
    );
    match decide(Some(state), command, ctx) {
        Ok(_) => true,
        Err(Rejection::Invalid(error)) => {
            let not_now = NOT_NOW.contains(&error.code);
            let nothing_due = amountless && NOTHING_DUE.contains(&error.code);
            !(not_now || nothing_due)
        }
        Err(_) => false,
    }
}

/// The representative commands [`available`] tries, each with what it stands for
/// (several may stand for one: the first that passes lists it).
pub fn probes(state: &CaseState, ctx: &Context<'_>) -> Vec<(Possible, Command)> {
    let currency = state.order_total.currency;
    let one = Money::new(1, currency);
    let returned: Vec<&ReturnLine> = state
        .returns
        .as_ref()
        .map(|r| r.lines.iter().collect())
        .unwrap_or_default();
    let received: Vec<ReceivedLine> = match &state.returns {
        Some(r) if !r.received.is_empty() => r.received.clone(),
        _ => returned
            .iter()
            .map(|l| ReceivedLine {
                line_id: l.line_id.clone(),
                quantity: l.quantity.get(),
                condition: ItemCondition::New,
                note: None,
            })
            .collect(),
    };
    let inspected: Vec<InspectedLine> = received
        .iter()
        .map(|l| InspectedLine {
            line_id: l.line_id.clone(),
            compliant: true,
            deductions: Vec::new(),
        })
        .collect();
    let exchange: Vec<ExchangeLine> = if state.returns.is_some() {
        returned
            .iter()
            .map(|l| ExchangeLine {
                line_id: l.line_id.clone(),
                quantity: l.quantity,
                sku: label("EXCHANGE"),
                title: label("Exchange"),
                unit_price: l.unit_price,
            })
            .collect()
    } else {
        // Another kind of case exchanges the items it is about, at their price.
        state
            .items
            .iter()
            .map(|item| ExchangeLine {
                line_id: item.line_id.clone(),
                quantity: item.quantity,
                sku: label("EXCHANGE"),
                title: label("Exchange"),
                unit_price: ctx
                    .order
                    .and_then(|o| o.line(&item.line_id))
                    .map_or(one, |l| l.unit_price),
            })
            .collect()
    };
    let resolution = |kind| Resolution {
        kind,
        amount: None,
        bonus_percent: None,
        goodwill: None,
        note: Some(label("n")),
    };
    let mut probes: Vec<(Possible, Command)> = vec![
        (
            Possible::PostMessage,
            Command::Conversation(ConversationCommand::PostMessage { body: body("x") }),
        ),
        (
            Possible::AddNote,
            Command::Conversation(ConversationCommand::AddNote { body: body("x") }),
        ),
        (
            Possible::AttachFile,
            Command::Conversation(ConversationCommand::AttachFile {
                attachment: AttachmentRef {
                    sha256: "0".repeat(64),
                    filename: label("photo.jpg"),
                    content_type: label("image/jpeg"),
                    size_bytes: 1,
                },
                visibility: Visibility::Public,
            }),
        ),
        (
            Possible::AuthoriseReturn,
            Command::Returns(ReturnCommand::AuthoriseReturn { returnless: false }),
        ),
        (
            Possible::RefuseReturn,
            Command::Returns(ReturnCommand::RefuseReturn { ground: label("x") }),
        ),
        (
            Possible::IssueLabel,
            Command::Returns(ReturnCommand::IssueLabel {
                label: ReturnLabel {
                    carrier: label("probe"),
                    tracking_number: label("probe"),
                    attachment: AttachmentRef {
                        sha256: "0".repeat(64),
                        filename: label("label.pdf"),
                        content_type: label("application/pdf"),
                        size_bytes: 1,
                    },
                    issued_at: ctx.now,
                    expires_at: ctx
                        .now
                        .checked_add(jiff::SignedDuration::from_hours(24 * 14))
                        .unwrap_or(ctx.now),
                    parcel_count: 1,
                    weight_grams: 1000,
                },
            }),
        ),
        (
            Possible::RecordParcelScan,
            Command::Returns(ReturnCommand::RecordParcelScan {
                status: ParcelStatus::InTransit,
                scanned_at: ctx.now,
                location: None,
                carrier_event_id: None,
            }),
        ),
        (
            Possible::DeclareShipment,
            Command::Returns(ReturnCommand::DeclareShipment {
                shipment: super::returns::DeclaredShipment {
                    carrier: label("Colissimo"),
                    tracking_number: label("0"),
                    shipped_at: ctx.now,
                    receipt: None,
                },
            }),
        ),
        (
            Possible::ReceiveReturn,
            Command::Returns(ReturnCommand::ReceiveReturn {
                lines: received.clone(),
            }),
        ),
        (
            Possible::InspectReturn,
            Command::Returns(ReturnCommand::InspectReturn { lines: inspected }),
        ),
        (
            Possible::Refund,
            Command::Money(MoneyCommand::Refund {
                amount: None,
                deductions: Vec::new(),
                gateway: label("probe"),
                resolve: true,
            }),
        ),
        (
            Possible::IssueStoreCredit,
            Command::Money(MoneyCommand::IssueStoreCredit {
                amount: None,
                bonus_percent: None,
                resolve: true,
            }),
        ),
        (
            Possible::RecordExchange,
            Command::Money(MoneyCommand::RecordExchange {
                lines: exchange,
                gateway: label("probe"),
            }),
        ),
        (
            Possible::Compensate,
            Command::Money(MoneyCommand::Compensate {
                kind: GoodwillKind::Voucher,
                amount: one,
                note: None,
                resolve: false,
                approver: true,
                request_approval: false,
            }),
        ),
        (
            Possible::ProposeOffer,
            Command::Escalation(EscalationCommand::ProposeOffer {
                terms: Resolution {
                    amount: Some(one),
                    ..resolution(ResolutionKind::PartialRefund)
                },
                message: None,
            }),
        ),
        (
            Possible::Escalate,
            Command::Escalation(EscalationCommand::Escalate {
                to: None,
                reason: label("x"),
            }),
        ),
        (
            Possible::RecordDecision,
            Command::Escalation(EscalationCommand::RecordDecision {
                decision: Decision {
                    outcome: DecisionOutcome::MerchantFavoured,
                    resolution: resolution(ResolutionKind::Refusal),
                    rationale: body("x"),
                    cites: Vec::new(),
                    paid_by: Payer::Merchant,
                    recover_from_merchant: false,
                },
                gateway: None,
            }),
        ),
        (
            Possible::Resolve,
            Command::Lifecycle(LifecycleCommand::Resolve {
                resolution: resolution(ResolutionKind::Refusal),
            }),
        ),
        (
            Possible::Reopen,
            Command::Lifecycle(LifecycleCommand::Reopen { reason: label("x") }),
        ),
        (Possible::Close, Command::Lifecycle(LifecycleCommand::Close)),
        (
            Possible::Cancel,
            Command::Lifecycle(LifecycleCommand::Cancel { reason: label("x") }),
        ),
    ];
    // A refund or credit without an amount is refused when nothing is due yet (before
    // the inspection of a return, say) or when less remains than the case calls for:
    // one of a cent tells whether one is possible at all.
    probes.push((
        Possible::Refund,
        Command::Money(MoneyCommand::Refund {
            amount: Some(one),
            deductions: Vec::new(),
            gateway: label("probe"),
            resolve: true,
        }),
    ));
    probes.push((
        Possible::IssueStoreCredit,
        Command::Money(MoneyCommand::IssueStoreCredit {
            amount: Some(one),
            bonus_percent: None,
            resolve: true,
        }),
    ));
    // A resolution the buyer may take (withdrawing), or staff may record (a refusal is
    // refused on a return, which has refuse_return; a replacement is not).
    for kind in [ResolutionKind::Withdrawn, ResolutionKind::Replacement] {
        probes.push((
            Possible::Resolve,
            Command::Lifecycle(LifecycleCommand::Resolve {
                resolution: resolution(kind),
            }),
        ));
    }
    // A provider or amiable itself may only take a case outside.
    probes.push((
        Possible::Escalate,
        Command::Escalation(EscalationCommand::Escalate {
            to: Some(Stage::External),
            reason: label("x"),
        }),
    ));
    let party = ctx.actor.party();
    let later = |hours: i64| {
        ctx.now
            .checked_add(jiff::SignedDuration::from_hours(hours))
            .unwrap_or(ctx.now)
    };
    let first_line = state.items.first().map(|i| i.line_id.clone()).or_else(|| {
        ctx.order
            .and_then(|o| o.lines.first())
            .map(|l| l.line_id.clone())
    });
    let mut more: Vec<(Possible, Command)> = vec![
        (
            Possible::DetermineResponsibility,
            IncidentCommand::DetermineResponsibility {
                responsible: Responsibility::Merchant,
                grounds: body("x"),
            }
            .into(),
        ),
        (
            Possible::SetDeliveryDeadline,
            IncidentCommand::SetDeliveryDeadline {
                deliver_by: ctx.law.date_of(later(24 * 30)),
            }
            .into(),
        ),
        (
            Possible::CancelLateOrder,
            IncidentCommand::CancelLateOrder.into(),
        ),
        (
            Possible::FileCarrierClaim,
            IncidentCommand::FileCarrierClaim {
                carrier: label("x"),
                reference: label("x"),
                amount: one,
                reserves_sent_on: None,
            }
            .into(),
        ),
        (
            Possible::RecordClaimOutcome,
            IncidentCommand::RecordClaimOutcome {
                outcome: ClaimOutcome::Refused,
                recovered: None,
            }
            .into(),
        ),
        (
            Possible::RecordReshipmentScan,
            IncidentCommand::RecordReshipmentScan {
                status: ReshipmentStatus::Delivered,
            }
            .into(),
        ),
        (
            Possible::PostPrivateMessage,
            MediationCommand::PostPrivateMessage {
                channel: if party == Party::Merchant {
                    Party::Merchant
                } else {
                    Party::Buyer
                },
                body: body("x"),
            }
            .into(),
        ),
        (
            Possible::RequestInformation,
            MediationCommand::RequestInformation {
                from: Party::Merchant,
                request: body("x"),
                due_at: later(72),
            }
            .into(),
        ),
        (
            Possible::Appeal,
            MediationCommand::Appeal { grounds: body("x") }.into(),
        ),
        (
            Possible::DecideAppeal,
            MediationCommand::DecideAppeal {
                outcome: AppealOutcome::Dismissed,
                grounds: body("x"),
                decision: None,
            }
            .into(),
        ),
        (
            Possible::OfferConsumerMediation,
            MediationCommand::OfferConsumerMediation.into(),
        ),
    ];
    if let Some(line_id) = first_line {
        more.push((
            Possible::Reship,
            IncidentCommand::Reship {
                lines: vec![crate::order::ShipmentLine {
                    line_id,
                    quantity: crate::order::Quantity::new(1).expect("one"),
                }],
                carrier: label("x"),
                tracking_number: label("x"),
            }
            .into(),
        ));
    }
    probes.extend(more);
    for approval in &state.compensation_approvals {
        if approval.status == super::money::ApprovalStatus::Pending {
            probes.push((
                Possible::ApproveCompensation(approval.approval_id),
                Command::Money(MoneyCommand::ApproveCompensation {
                    approval_id: approval.approval_id,
                    approver: true,
                }),
            ));
        }
    }
    for offer in &state.offers {
        if offer.status == OfferStatus::Pending {
            probes.push((
                Possible::AcceptOffer(offer.offer_id),
                Command::Escalation(EscalationCommand::AcceptOffer {
                    offer_id: offer.offer_id,
                }),
            ));
            probes.push((
                Possible::DeclineOffer(offer.offer_id),
                Command::Escalation(EscalationCommand::DeclineOffer {
                    offer_id: offer.offer_id,
                    reason: None,
                }),
            ));
        }
    }
    for refund in &state.refunds {
        if refund.status == crate::case::RefundStatus::Pending {
            probes.push((
                Possible::SettleRefund(refund.refund_id),
                Command::Money(MoneyCommand::SettleRefund {
                    refund_id: refund.refund_id,
                    reference: label("x"),
                }),
            ));
            probes.push((
                Possible::FailRefund(refund.refund_id),
                Command::Money(MoneyCommand::FailRefund {
                    refund_id: refund.refund_id,
                    error: label("x"),
                }),
            ));
        }
    }
    probes
}
