//! The decider: a command and the current state give events, or a rejection.

use super::event::CaseEvent;
use super::model::*;
use super::state::CaseState;
use crate::money::Money;
use crate::order::Order;
use crate::reason::{ReasonCode, ReasonTaxonomy};
use crate::text::{Body, Label};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What someone asks to do with a case. Every field is already a checked
/// value; the rules that need the case or its order are checked here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    Open {
        kind: CaseKind,
        reason: ReasonCode,
        items: Vec<CaseItem>,
        claimed: Option<Money>,
        description: Body,
        /// Payment disputes may start above negotiation (a chargeback is external at once).
        stage: Option<Stage>,
        /// For a return: the resolution the buyer would like (among the policy's).
        preferred: Option<ResolutionKind>,
    },
    PostMessage {
        body: Body,
    },
    AddNote {
        body: Body,
    },
    AttachFile {
        attachment: AttachmentRef,
        visibility: Visibility,
    },
    ProposeOffer {
        terms: Resolution,
        message: Option<Body>,
    },
    AcceptOffer {
        offer_id: u32,
    },
    DeclineOffer {
        offer_id: u32,
        reason: Option<Label>,
    },
    Escalate {
        /// The stage to reach; the next one when absent.
        to: Option<Stage>,
        reason: Label,
    },
    RecordDecision {
        decision: Decision,
    },
    Resolve {
        resolution: Resolution,
    },
    Reopen {
        reason: Label,
    },
    Close,
    Cancel {
        reason: Label,
    },
    AuthoriseReturn {
        /// The buyer keeps the items and is refunded without sending them back.
        returnless: bool,
    },
    RefuseReturn {
        ground: Label,
    },
    IssueLabel {
        label: ReturnLabel,
    },
    ExpireLabel,
    RecordParcelScan {
        status: ParcelStatus,
        scanned_at: Timestamp,
        location: Option<Label>,
        carrier_event_id: Option<Label>,
    },
    ReceiveReturn {
        lines: Vec<ReceivedLine>,
    },
    InspectReturn {
        lines: Vec<InspectedLine>,
    },
    /// Refund to the original payment. Without an amount: what the return
    /// calls for (lines back, less fees and deductions, plus delivery when due).
    Refund {
        amount: Option<Money>,
        deductions: Vec<Deduction>,
        gateway: Label,
        /// Also resolve the case with this refund.
        resolve: bool,
    },
    SettleRefund {
        refund_id: u32,
        reference: Label,
    },
    FailRefund {
        refund_id: u32,
        error: Label,
    },
    IssueStoreCredit {
        amount: Option<Money>,
        /// The policy's bonus when absent.
        bonus_percent: Option<u8>,
        resolve: bool,
    },
    RecordExchange {
        lines: Vec<ExchangeLine>,
        /// The gateway that refunds a price difference owed to the buyer.
        gateway: Label,
    },
    Compensate {
        kind: GoodwillKind,
        amount: Money,
        note: Option<Label>,
        resolve: bool,
    },
    SendReminder {
        topic: ReminderTopic,
    },
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Open { .. } => "open",
            Command::PostMessage { .. } => "post_message",
            Command::AddNote { .. } => "add_note",
            Command::AttachFile { .. } => "attach_file",
            Command::ProposeOffer { .. } => "propose_offer",
            Command::AcceptOffer { .. } => "accept_offer",
            Command::DeclineOffer { .. } => "decline_offer",
            Command::Escalate { .. } => "escalate",
            Command::RecordDecision { .. } => "record_decision",
            Command::Resolve { .. } => "resolve",
            Command::Reopen { .. } => "reopen",
            Command::Close => "close",
            Command::Cancel { .. } => "cancel",
            Command::AuthoriseReturn { .. } => "authorise_return",
            Command::RefuseReturn { .. } => "refuse_return",
            Command::IssueLabel { .. } => "issue_label",
            Command::ExpireLabel => "expire_label",
            Command::RecordParcelScan { .. } => "record_parcel_scan",
            Command::ReceiveReturn { .. } => "receive_return",
            Command::InspectReturn { .. } => "inspect_return",
            Command::Refund { .. } => "refund",
            Command::SettleRefund { .. } => "settle_refund",
            Command::FailRefund { .. } => "fail_refund",
            Command::IssueStoreCredit { .. } => "issue_store_credit",
            Command::RecordExchange { .. } => "record_exchange",
            Command::Compensate { .. } => "compensate",
            Command::SendReminder { .. } => "send_reminder",
        }
    }

    /// Whether the command may move money: the store loads and locks the
    /// order's ledger for it.
    pub fn moves_money(&self) -> bool {
        matches!(
            self,
            Command::Refund { .. }
                | Command::SettleRefund { .. }
                | Command::FailRefund { .. }
                | Command::IssueStoreCredit { .. }
                | Command::RecordExchange { .. }
                | Command::Compensate { .. }
        )
    }
}

/// What the decider may read besides the state.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub now: Timestamp,
    pub actor: &'a Actor,
    /// The case's order. Required to open a case; other commands do not read it.
    pub order: Option<&'a Order>,
    pub taxonomy: &'a ReasonTaxonomy,
    /// The rules pack deadlines are computed under.
    pub law: &'a crate::law::LawPack,
    /// The order's money; required by the commands that move it.
    pub ledger: Option<&'a crate::ledger::OrderLedger>,
    /// Required to open a return: the policy and eligibility it is judged by.
    pub returns: Option<&'a crate::returns::ReturnContext>,
}

/// Why a command was refused. Codes are stable: clients and translations key on them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("the case already exists")]
    AlreadyOpened,
    #[error("the case does not exist")]
    NotOpened,
    #[error("'{command}' is not possible while the case is {status}")]
    InvalidStatus {
        command: &'static str,
        status: CaseStatus,
    },
    #[error("the {party} cannot {command} on this case")]
    PartyNotAllowed { command: &'static str, party: Party },
    #[error("the case's order is missing")]
    OrderRequired,
    #[error("{0}")]
    Invalid(#[from] crate::validation::FieldError),
    #[error("no offer {offer_id} is pending on this case")]
    OfferNotPending { offer_id: u32 },
    #[error("an offer is answered by the party it was made to ({to})")]
    OfferNotAddressedToYou { to: Party },
    #[error("the case is already at stage {current}; it can only move up")]
    StageNotHigher { current: Stage },
    #[error("a decision is recorded in arbitration or by an external body, not in {stage}")]
    DecisionStage { stage: Stage },
    #[error("'{command}' is not possible while the return is {stage}")]
    ReturnStage {
        command: &'static str,
        stage: ReturnStage,
    },
}

impl Rejection {
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::AlreadyOpened => "case.already_exists",
            Rejection::NotOpened => "case.not_found",
            Rejection::InvalidStatus { .. } => "case.invalid_status",
            Rejection::PartyNotAllowed { .. } => "case.party_not_allowed",
            Rejection::OrderRequired => "case.order_required",
            Rejection::Invalid(error) => error.code,
            Rejection::OfferNotPending { .. } => "offer.not_pending",
            Rejection::OfferNotAddressedToYou { .. } => "offer.not_addressed_to_you",
            Rejection::StageNotHigher { .. } => "escalation.not_higher",
            Rejection::DecisionStage { .. } => "decision.wrong_stage",
            Rejection::ReturnStage { .. } => "return.invalid_stage",
        }
    }

    /// The request field the rejection is about, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Rejection::Invalid(error) => Some(&error.field),
            Rejection::OfferNotPending { .. } | Rejection::OfferNotAddressedToYou { .. } => {
                Some("offer_id")
            }
            Rejection::StageNotHigher { .. } => Some("to"),
            _ => None,
        }
    }
}

pub(super) fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> Rejection {
    Rejection::Invalid(crate::validation::FieldError::new(field, code, message))
}

pub(super) fn require_party(
    command: &Command,
    party: Party,
    allowed: &[Party],
) -> Result<(), Rejection> {
    if allowed.contains(&party) {
        Ok(())
    } else {
        Err(Rejection::PartyNotAllowed {
            command: command.name(),
            party,
        })
    }
}

pub(super) fn require_status(
    command: &Command,
    state: &CaseState,
    allowed: &[CaseStatus],
) -> Result<(), Rejection> {
    if allowed.contains(&state.status) {
        Ok(())
    } else {
        Err(Rejection::InvalidStatus {
            command: command.name(),
            status: state.status,
        })
    }
}

use CaseStatus::{Cancelled, Closed, Open, Resolved};
use Party::{Buyer, Merchant, Operator, Provider, System};

/// Decides what a command means for a case. `state` is `None` for a case that
/// has not been opened yet.
pub fn decide(
    state: Option<&CaseState>,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<CaseEvent>, Rejection> {
    let party = ctx.actor.party();
    let Some(state) = state else {
        return match command {
            Command::Open { .. } => open(command, ctx),
            _ => Err(Rejection::NotOpened),
        };
    };
    let events = match command {
        Command::Open { .. } => return Err(Rejection::AlreadyOpened),
        Command::PostMessage { body } => {
            require_party(command, party, &[Buyer, Merchant, Operator, Provider])?;
            require_status(command, state, &[Open, Resolved])?;
            vec![CaseEvent::MessagePosted { body: body.clone() }]
        }
        Command::AddNote { body } => {
            require_party(command, party, &[Merchant, Operator, System])?;
            require_status(command, state, &[Open, Resolved, Closed, Cancelled])?;
            vec![CaseEvent::NoteAdded { body: body.clone() }]
        }
        Command::AttachFile {
            attachment,
            visibility,
        } => {
            let staff = [Merchant, Operator, System];
            if *visibility == Visibility::Internal {
                require_party(command, party, &staff)?;
            } else {
                require_party(
                    command,
                    party,
                    &[Buyer, Merchant, Operator, Provider, System],
                )?;
            }
            require_status(command, state, &[Open, Resolved])?;
            check_attachment(attachment)?;
            vec![CaseEvent::AttachmentAdded {
                attachment: attachment.clone(),
                visibility: *visibility,
            }]
        }
        Command::ProposeOffer { terms, message } => {
            require_party(command, party, &[Buyer, Merchant, Operator])?;
            require_status(command, state, &[Open])?;
            if party == Operator && state.stage < Stage::Mediation {
                return Err(invalid(
                    "stage",
                    "offer.operator_needs_mediation",
                    "the operator proposes terms from mediation on",
                ));
            }
            if !terms.kind.can_be_offered() {
                return Err(invalid(
                    "terms.kind",
                    "offer.kind_not_offerable",
                    "a refusal or a withdrawal is not an offer",
                ));
            }
            check_terms(terms, state, "terms")?;
            // A merchant's or the mediator's offer goes to the buyer; a buyer's counter-offer to the merchant.
            let to = if party == Buyer { Merchant } else { Buyer };
            vec![CaseEvent::OfferProposed {
                offer_id: state.offers.len() as u32 + 1,
                to,
                terms: terms.clone(),
                message: message.clone(),
            }]
        }
        Command::AcceptOffer { offer_id } | Command::DeclineOffer { offer_id, .. } => {
            require_party(command, party, &[Buyer, Merchant])?;
            require_status(command, state, &[Open])?;
            let offer = state
                .pending_offer()
                .filter(|o| o.offer_id == *offer_id)
                .ok_or(Rejection::OfferNotPending {
                    offer_id: *offer_id,
                })?;
            if offer.to != party {
                return Err(Rejection::OfferNotAddressedToYou { to: offer.to });
            }
            match command {
                Command::DeclineOffer { reason, .. } => {
                    vec![CaseEvent::OfferDeclined {
                        offer_id: *offer_id,
                        reason: reason.clone(),
                    }]
                }
                _ => vec![CaseEvent::OfferAccepted {
                    offer_id: *offer_id,
                }],
            }
        }
        Command::Escalate { to, reason } => {
            require_party(
                command,
                party,
                &[Buyer, Merchant, Operator, Provider, System],
            )?;
            require_status(command, state, &[Open, Resolved])?;
            let target = match to {
                Some(stage) => *stage,
                None => state.stage.next().ok_or(Rejection::StageNotHigher {
                    current: state.stage,
                })?,
            };
            if target <= state.stage {
                return Err(Rejection::StageNotHigher {
                    current: state.stage,
                });
            }
            let allowed = match party {
                // The parties climb one rung at a time and cannot go outside on their own here.
                Buyer | Merchant => {
                    Some(target) == state.stage.next() && target <= Stage::Arbitration
                }
                Operator => true,
                Provider | System => target == Stage::External,
            };
            if !allowed {
                return Err(Rejection::PartyNotAllowed {
                    command: command.name(),
                    party,
                });
            }
            vec![CaseEvent::Escalated {
                from: state.stage,
                to: target,
                reason: reason.clone(),
            }]
        }
        Command::RecordDecision { decision } => {
            require_status(command, state, &[Open])?;
            match (party, state.stage) {
                (Operator, Stage::Arbitration) | (Operator | Provider, Stage::External) => {}
                (Operator, stage) => return Err(Rejection::DecisionStage { stage }),
                _ => {
                    return Err(Rejection::PartyNotAllowed {
                        command: command.name(),
                        party,
                    });
                }
            }
            check_terms(&decision.resolution, state, "decision.resolution")?;
            check_outcome(decision)?;
            vec![CaseEvent::DecisionRecorded {
                decision: decision.clone(),
            }]
        }
        Command::Resolve { resolution } => {
            require_party(command, party, &[Buyer, Merchant, Operator, System])?;
            require_status(command, state, &[Open])?;
            if party == Buyer && resolution.kind != ResolutionKind::Withdrawn {
                return Err(invalid(
                    "resolution.kind",
                    "resolution.buyer_can_only_withdraw",
                    "a buyer ends a case by withdrawing it or by accepting an offer",
                ));
            }
            if party != Buyer && resolution.kind == ResolutionKind::Withdrawn {
                return Err(invalid(
                    "resolution.kind",
                    "resolution.only_buyer_withdraws",
                    "only the buyer withdraws a claim",
                ));
            }
            // Once the operator arbitrates (or an external body decides), a refusal is
            // theirs to pronounce; the merchant can still settle in the buyer's favour.
            if party == Merchant
                && state.stage >= Stage::Arbitration
                && resolution.kind == ResolutionKind::Refusal
            {
                return Err(invalid(
                    "resolution.kind",
                    "resolution.refusal_reserved_to_arbiter",
                    "in arbitration, only the arbiter can refuse the claim",
                ));
            }
            check_terms(resolution, state, "resolution")?;
            // On a return, money is moved by its own commands, which the ledger checks, and a
            // refusal goes through `refuse_return` (with its stage rules).
            if state.returns.is_some()
                && (resolution.kind.is_refund()
                    || matches!(
                        resolution.kind,
                        ResolutionKind::StoreCredit | ResolutionKind::Exchange
                    ))
            {
                return Err(invalid(
                    "resolution.kind",
                    "resolution.money_command_required",
                    "resolve a return with a refund, store credit or exchange command",
                ));
            }
            if state.returns.is_some() && resolution.kind == ResolutionKind::Refusal {
                return Err(invalid(
                    "resolution.kind",
                    "resolution.use_refuse_return",
                    "refuse a return with return/refuse",
                ));
            }
            let money_moved = state
                .refunds
                .iter()
                .any(|r| r.status != RefundStatus::Failed)
                || state.store_credit.is_some()
                || state.exchange.is_some();
            if state.returns.is_some()
                && money_moved
                && resolution.kind != ResolutionKind::Withdrawn
            {
                return Err(invalid(
                    "resolution.kind",
                    "case.money_moved",
                    "money was given back on this return: resolve it with a money command",
                ));
            }
            vec![CaseEvent::Resolved {
                resolution: resolution.clone(),
            }]
        }
        Command::Reopen { reason } => {
            require_party(command, party, &[Buyer, Merchant, Operator])?;
            require_status(command, state, &[Resolved, Closed])?;
            // A binding decision is reopened only by the body that took it.
            if state.decision.is_some() && party != Operator {
                return Err(Rejection::PartyNotAllowed {
                    command: command.name(),
                    party,
                });
            }
            vec![CaseEvent::Reopened {
                reason: reason.clone(),
            }]
        }
        Command::Close => {
            require_party(command, party, &[Merchant, Operator, System])?;
            require_status(command, state, &[Resolved])?;
            let reason = if party == System {
                CloseReason::Inactivity
            } else {
                CloseReason::Manual
            };
            vec![CaseEvent::Closed { reason }]
        }
        Command::Cancel { reason } => {
            require_party(
                command,
                party,
                &[Buyer, Merchant, Operator, Provider, System],
            )?;
            require_status(command, state, &[Open])?;
            if party == Provider && state.kind != CaseKind::PaymentDispute {
                return Err(Rejection::PartyNotAllowed {
                    command: command.name(),
                    party,
                });
            }
            // Once the parcel has left, the return is settled, not cancelled — by anyone.
            if let Some(progress) = &state.returns
                && matches!(
                    progress.stage,
                    ReturnStage::InTransit
                        | ReturnStage::Delivered
                        | ReturnStage::Lost
                        | ReturnStage::Received
                        | ReturnStage::Inspected
                )
            {
                return Err(Rejection::ReturnStage {
                    command: command.name(),
                    stage: progress.stage,
                });
            }
            if state
                .refunds
                .iter()
                .any(|r| r.status != RefundStatus::Failed)
                || state.store_credit.is_some()
                || state.exchange.is_some()
            {
                return Err(invalid(
                    "case_id",
                    "case.money_moved",
                    "money was refunded on this case: resolve it instead",
                ));
            }
            vec![CaseEvent::Cancelled {
                reason: reason.clone(),
            }]
        }
        _ => return super::decide_returns::decide_return_or_money(state, command, ctx),
    };
    Ok(events)
}

fn open(command: &Command, ctx: &Context<'_>) -> Result<Vec<CaseEvent>, Rejection> {
    let Command::Open {
        kind,
        reason,
        items,
        claimed,
        description,
        stage,
        preferred,
    } = command
    else {
        return Err(Rejection::NotOpened);
    };
    let party = ctx.actor.party();
    let order = ctx.order.ok_or(Rejection::OrderRequired)?;
    if *kind == CaseKind::PaymentDispute {
        require_party(command, party, &[Merchant, Operator, Provider, System])?;
    } else {
        require_party(command, party, &[Buyer, Merchant, Operator])?;
    }
    let stage = match stage {
        Some(stage) if *stage != Stage::Negotiation && *kind != CaseKind::PaymentDispute => {
            return Err(invalid(
                "stage",
                "case.stage_not_allowed",
                "only payment disputes may open above negotiation",
            ));
        }
        Some(stage) => *stage,
        None => Stage::Negotiation,
    };
    if !ctx.taxonomy.contains(reason) {
        return Err(invalid(
            "reason",
            "reason.unknown",
            format!("unknown reason '{reason}'"),
        ));
    }
    if *kind == CaseKind::Return && items.is_empty() {
        return Err(invalid(
            "items",
            "case.items_required",
            "a return names the items sent back",
        ));
    }
    let mut seen = BTreeSet::new();
    for (index, item) in items.iter().enumerate() {
        let field = format!("items[{index}]");
        let line = order.line(&item.line_id).ok_or_else(|| {
            invalid(
                &format!("{field}.line_id"),
                "case.unknown_line",
                format!("line {} is not in the order", item.line_id),
            )
        })?;
        if !seen.insert(&item.line_id) {
            return Err(invalid(
                &format!("{field}.line_id"),
                "case.duplicate_line",
                "each line appears once",
            ));
        }
        if item.quantity > line.quantity {
            return Err(invalid(
                &format!("{field}.quantity"),
                "case.quantity_exceeds_order",
                format!("{} ordered", line.quantity.get()),
            ));
        }
        if let Some(line_reason) = &item.reason
            && !ctx.taxonomy.contains(line_reason)
        {
            return Err(invalid(
                &format!("{field}.reason"),
                "reason.unknown",
                format!("unknown reason '{line_reason}'"),
            ));
        }
    }
    let order_total = order
        .total()
        .map_err(|_| invalid("order", "money.overflow", "the order total overflows"))?;
    if let Some(claimed) = claimed {
        check_amount(claimed, &order_total, "claimed", true)?;
    }
    if preferred.is_some() && *kind != CaseKind::Return {
        return Err(invalid(
            "preferred_resolution",
            "case.preferred_only_for_returns",
            "only a return names a preferred resolution",
        ));
    }
    let mut events = vec![CaseEvent::Opened {
        operator_id: order.operator_id,
        merchant_id: order.merchant_id,
        order_id: order.id,
        kind: *kind,
        stage,
        reason: reason.clone(),
        items: items.clone(),
        claimed: *claimed,
        order_total,
        description: description.clone(),
    }];
    if *kind == CaseKind::Return
        && let Some(returns) = ctx.returns
    {
        events.extend(super::decide_returns::open_return(
            command,
            order,
            returns,
            ctx,
            &returns.case_id,
        )?);
    }
    Ok(events)
}

/// An amount must be positive, in the order's currency and, when `capped`, at most the order total.
fn check_amount(
    amount: &Money,
    order_total: &Money,
    field: &str,
    capped: bool,
) -> Result<(), Rejection> {
    if amount.currency != order_total.currency {
        return Err(invalid(
            &format!("{field}.currency"),
            "money.currency_mismatch",
            format!("must be in {}, the order's currency", order_total.currency),
        ));
    }
    if !amount.is_positive() {
        return Err(invalid(
            &format!("{field}.amount_minor"),
            "money.not_positive",
            "must be greater than zero",
        ));
    }
    if capped && amount.amount_minor > order_total.amount_minor {
        return Err(invalid(
            &format!("{field}.amount_minor"),
            "case.amount_exceeds_order",
            format!("must not exceed the order total of {order_total}"),
        ));
    }
    Ok(())
}

fn check_terms(terms: &Resolution, state: &CaseState, field: &str) -> Result<(), Rejection> {
    match (&terms.amount, terms.kind.requires_amount()) {
        (None, true) => {
            return Err(invalid(
                &format!("{field}.amount"),
                "resolution.amount_required",
                "this resolution needs an amount",
            ));
        }
        (Some(amount), _) => {
            if matches!(
                terms.kind,
                ResolutionKind::Refusal | ResolutionKind::Withdrawn
            ) {
                return Err(invalid(
                    &format!("{field}.amount"),
                    "resolution.amount_not_allowed",
                    "no amount for this resolution",
                ));
            }
            check_amount(
                amount,
                &state.order_total,
                &format!("{field}.amount"),
                terms.kind.is_refund(),
            )?;
        }
        (None, false) => {}
    }
    if terms.bonus_percent.is_some() && terms.kind != ResolutionKind::StoreCredit {
        return Err(invalid(
            &format!("{field}.bonus_percent"),
            "resolution.bonus_only_for_store_credit",
            "only store credit has a bonus",
        ));
    }
    if terms.bonus_percent.is_some_and(|b| b > 100) {
        return Err(invalid(
            &format!("{field}.bonus_percent"),
            "resolution.bonus_too_large",
            "must be between 0 and 100",
        ));
    }
    match (terms.kind, terms.goodwill) {
        (ResolutionKind::Goodwill, None) => {
            return Err(invalid(
                &format!("{field}.goodwill"),
                "resolution.goodwill_kind_required",
                "voucher, shipping_refund or gift",
            ));
        }
        (kind, Some(_)) if kind != ResolutionKind::Goodwill => {
            return Err(invalid(
                &format!("{field}.goodwill"),
                "resolution.goodwill_only_for_goodwill",
                "only a goodwill gesture has a goodwill kind",
            ));
        }
        _ => {}
    }
    if terms.kind == ResolutionKind::Refusal && terms.note.is_none() {
        return Err(invalid(
            &format!("{field}.note"),
            "resolution.ground_required",
            "a refusal states its ground",
        ));
    }
    Ok(())
}

/// A decision's outcome must agree with its terms.
fn check_outcome(decision: &Decision) -> Result<(), Rejection> {
    use ResolutionKind as K;
    let kind = decision.resolution.kind;
    let agrees = match decision.outcome {
        DecisionOutcome::MerchantFavoured => kind == K::Refusal,
        DecisionOutcome::BuyerFavoured => !matches!(kind, K::Refusal | K::Withdrawn),
        DecisionOutcome::Split => matches!(kind, K::PartialRefund | K::StoreCredit | K::Goodwill),
    };
    if agrees {
        Ok(())
    } else {
        Err(invalid(
            "decision.outcome",
            "decision.outcome_mismatch",
            format!("a {} decision cannot resolve as {}", decision.outcome, kind),
        ))
    }
}

fn check_attachment(attachment: &AttachmentRef) -> Result<(), Rejection> {
    let hex_ok = attachment.sha256.len() == 64
        && attachment
            .sha256
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
    if !hex_ok {
        return Err(invalid(
            "attachment.sha256",
            "attachment.invalid_hash",
            "must be 64 lower-case hex digits",
        ));
    }
    if attachment.size_bytes == 0 {
        return Err(invalid(
            "attachment.size_bytes",
            "attachment.empty",
            "an attachment has content",
        ));
    }
    Ok(())
}
