//! The money family: refunds to the original payment (recorded, executed by
//! a payment gateway, settled or failed), store credit, exchanges and
//! goodwill compensation — each checked against the order's ledger, so an
//! order never gives back more than was captured — and the reminders of the
//! legal refund deadline (C. conso L221-24).

use super::decide::{Context, Rejection};
use super::event::CaseEvent;
use super::guards::{invalid, require_party, require_status};
use super::lifecycle::LifecycleEvent;
use super::model::*;
use super::returns::return_stage;
use super::state::{CaseState, OfferStatus};

use crate::law::refund::{Surcharge, days_late, late_refund_surcharge};
use crate::ledger::{LedgerEntry, LedgerError, OrderLedger};
use crate::money::Money;
use crate::text::Label;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use CaseStatus::Open;
use Party::{Merchant, Operator, System};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum MoneyCommand {
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
        /// Set by the application, never by the caller: whether the actor may approve a
        /// gesture above the merchant's threshold or budget (a merchant admin, the marketplace).
        #[serde(default)]
        approver: bool,
        /// Above the threshold or the budget, ask for approval instead of being refused.
        #[serde(default)]
        request_approval: bool,
    },
    /// A merchant admin or the marketplace approves a gesture waiting for approval.
    ApproveCompensation {
        approval_id: u32,
        #[serde(default)]
        approver: bool,
    },
    /// …or declines it.
    DeclineCompensation {
        approval_id: u32,
        reason: Label,
        #[serde(default)]
        approver: bool,
    },
    SendReminder {
        topic: ReminderTopic,
    },
}

impl MoneyCommand {
    pub const NAMES: &'static [&'static str] = &[
        "refund",
        "settle_refund",
        "fail_refund",
        "issue_store_credit",
        "record_exchange",
        "compensate",
        "approve_compensation",
        "decline_compensation",
        "send_reminder",
    ];

    pub fn name(&self) -> &'static str {
        match self {
            MoneyCommand::Refund { .. } => "refund",
            MoneyCommand::SettleRefund { .. } => "settle_refund",
            MoneyCommand::FailRefund { .. } => "fail_refund",
            MoneyCommand::IssueStoreCredit { .. } => "issue_store_credit",
            MoneyCommand::RecordExchange { .. } => "record_exchange",
            MoneyCommand::Compensate { .. } => "compensate",
            MoneyCommand::ApproveCompensation { .. } => "approve_compensation",
            MoneyCommand::DeclineCompensation { .. } => "decline_compensation",
            MoneyCommand::SendReminder { .. } => "send_reminder",
        }
    }

    /// Whether the command may move money: the store loads and locks the
    /// order's ledger for it.
    pub fn moves_money(&self) -> bool {
        match self {
            MoneyCommand::Refund { .. }
            | MoneyCommand::SettleRefund { .. }
            | MoneyCommand::FailRefund { .. }
            | MoneyCommand::IssueStoreCredit { .. }
            | MoneyCommand::RecordExchange { .. }
            | MoneyCommand::Compensate { .. }
            | MoneyCommand::ApproveCompensation { .. } => true,
            MoneyCommand::SendReminder { .. } | MoneyCommand::DeclineCompensation { .. } => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MoneyEvent {
    RefundRecorded {
        refund_id: u32,
        amount: Money,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        deductions: Vec<Deduction>,
        /// The payment gateway that executes it (`manual`: refunded outside amiable).
        gateway: Label,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        late: Option<LateRefund>,
    },
    RefundSettled {
        refund_id: u32,
        reference: Label,
        /// Paid after the legal deadline although recorded before it (a slow gateway):
        /// the surcharge is owed from the day of payment (C. conso L242-4).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        late: Option<LateRefund>,
    },
    RefundFailed {
        refund_id: u32,
        error: Label,
    },
    StoreCreditIssued {
        /// What the credit replaces of a refund (counts against the refundable balance).
        amount: Money,
        /// What the merchant adds on top.
        bonus: Money,
    },
    ExchangeRecorded {
        lines: Vec<ExchangeLine>,
        /// Positive: the buyer owes it; negative: refunded to the buyer (a refund event follows).
        difference: Money,
    },
    CompensationRecorded {
        kind: GoodwillKind,
        amount: Money,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<Label>,
        /// The approval it carries out, when it needed one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        approval_id: Option<u32>,
    },
    /// A gesture above the merchant's threshold or beyond its monthly budget waits for
    /// a merchant admin's or the marketplace's approval.
    CompensationApprovalRequested {
        approval_id: u32,
        kind: GoodwillKind,
        amount: Money,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<Label>,
        /// `true`: beyond the month's budget; `false`: above the threshold only.
        over_budget: bool,
    },
    CompensationDeclined {
        approval_id: u32,
        reason: Label,
    },
    /// The marketplace paid the buyer what its decision awarded (refund or gesture
    /// events precede this one), and whether it recovers it from the merchant.
    MarketplacePaid {
        amount: Money,
        recovered_from_merchant: bool,
    },
    ReminderSent {
        topic: ReminderTopic,
        due_by: Date,
    },
}

impl MoneyEvent {
    pub const TYPES: &'static [&'static str] = &[
        "refund_recorded",
        "refund_settled",
        "refund_failed",
        "store_credit_issued",
        "exchange_recorded",
        "compensation_recorded",
        "compensation_approval_requested",
        "compensation_declined",
        "marketplace_paid",
        "reminder_sent",
    ];

    pub fn event_type(&self) -> &'static str {
        match self {
            MoneyEvent::RefundRecorded { .. } => "refund_recorded",
            MoneyEvent::RefundSettled { .. } => "refund_settled",
            MoneyEvent::RefundFailed { .. } => "refund_failed",
            MoneyEvent::StoreCreditIssued { .. } => "store_credit_issued",
            MoneyEvent::ExchangeRecorded { .. } => "exchange_recorded",
            MoneyEvent::CompensationRecorded { .. } => "compensation_recorded",
            MoneyEvent::CompensationApprovalRequested { .. } => "compensation_approval_requested",
            MoneyEvent::CompensationDeclined { .. } => "compensation_declined",
            MoneyEvent::MarketplacePaid { .. } => "marketplace_paid",
            MoneyEvent::ReminderSent { .. } => "reminder_sent",
        }
    }

    /// Reminders to the merchant about its own deadline are staff business.
    pub fn is_public(&self) -> bool {
        match self {
            MoneyEvent::RefundRecorded { .. }
            | MoneyEvent::RefundSettled { .. }
            | MoneyEvent::RefundFailed { .. }
            | MoneyEvent::StoreCreditIssued { .. }
            | MoneyEvent::ExchangeRecorded { .. }
            | MoneyEvent::CompensationRecorded { .. }
            | MoneyEvent::MarketplacePaid { .. } => true,
            // Approvals and reminders are staff business.
            MoneyEvent::ReminderSent { .. }
            | MoneyEvent::CompensationApprovalRequested { .. }
            | MoneyEvent::CompensationDeclined { .. } => false,
        }
    }
}

/// A refund and how far it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundRecord {
    pub refund_id: u32,
    pub amount: Money,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deductions: Vec<Deduction>,
    pub gateway: Label,
    pub status: RefundStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<Label>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late: Option<LateRefund>,
    pub recorded_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoreCreditRecord {
    pub amount: Money,
    pub bonus: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompensationRecord {
    pub kind: GoodwillKind,
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExchangeRecord {
    pub lines: Vec<ExchangeLine>,
    pub difference: Money,
}

pub(super) fn check_money(
    amount: &Money,
    ledger: &OrderLedger,
    field: &str,
) -> Result<(), Rejection> {
    if amount.currency != ledger.currency() {
        return Err(invalid(
            &format!("{field}.currency"),
            "money.currency_mismatch",
            format!("must be in {}, the order's currency", ledger.currency()),
        )
        .with("currency", ledger.currency().code()));
    }
    if !amount.is_positive() {
        return Err(invalid(
            &format!("{field}.amount_minor"),
            "money.not_positive",
            "must be greater than zero",
        ));
    }
    Ok(())
}

pub(super) fn check_deductions(
    deductions: &[Deduction],
    currency: crate::money::Currency,
    field: &str,
) -> Result<i64, Rejection> {
    let mut total = 0i64;
    for (index, deduction) in deductions.iter().enumerate() {
        let field = format!("{field}[{index}].amount");
        if deduction.amount.currency != currency {
            return Err(invalid(
                &format!("{field}.currency"),
                "money.currency_mismatch",
                format!("must be in {currency}, the order's currency"),
            )
            .with("currency", currency.code()));
        }
        if !deduction.amount.is_positive() {
            return Err(invalid(
                &format!("{field}.amount_minor"),
                "money.not_positive",
                "must be greater than zero",
            ));
        }
        total = total.saturating_add(deduction.amount.amount_minor);
    }
    Ok(total)
}

/// Applies the ledger entries of `events` to a copy of the ledger: the final
/// word on "never more than what remains refundable".
fn check_ledger(
    state: &CaseState,
    ledger: &OrderLedger,
    events: &[CaseEvent],
    field: &str,
) -> Result<(), Rejection> {
    let mut ledger = *ledger;
    for event in events {
        for entry in crate::ledger::entries(Some(state), event) {
            ledger.apply(&entry).map_err(|error| match error {
                LedgerError::ExceedsRefundable { refundable } => invalid(
                    &format!("{field}.amount_minor"),
                    "refund.exceeds_refundable",
                    format!("only {refundable} remains refundable on this order"),
                )
                .with("refundable", refundable),
                LedgerError::Currency => invalid(
                    &format!("{field}.currency"),
                    "money.currency_mismatch",
                    "must be in the order's currency",
                )
                .with("currency", ledger.currency().code()),
                LedgerError::NotPositive => invalid(
                    &format!("{field}.amount_minor"),
                    "money.not_positive",
                    "must be greater than zero",
                ),
                LedgerError::Overflow => invalid(field, "money.overflow", "amounts overflow"),
            })?;
        }
    }
    Ok(())
}

/// Whether this refund is late, and the surcharge the law adds (C. conso L221-24, L242-4).
/// `excluding` names a refund whose own surcharge is being recomputed (at its settlement).
fn lateness(
    state: &CaseState,
    amount: Money,
    ctx: &Context<'_>,
    excluding: Option<u32>,
) -> Option<LateRefund> {
    // A contract cancelled for late delivery: refunded within 14 days (C. conso L216-7),
    // increased by 10, 20 or 50 % when late (L241-4; no cap at the product's price).
    if let Some(due_by) = state.incident.as_ref().and_then(|i| i.refund_due_by) {
        let late = days_late(due_by, ctx.law.date_of(ctx.now));
        if late == 0 {
            return None;
        }
        let uncapped = Money::new(i64::MAX / 4, amount.currency);
        let surcharge =
            late_refund_surcharge(amount, uncapped, late, &ctx.law.delivery.late_refund)
                .unwrap_or(Surcharge::LegalInterest { days_late: late });
        return Some(LateRefund {
            due_by,
            days_late: late,
            surcharge,
        });
    }
    let progress = state.returns.as_ref()?;
    let due_by = progress.refund_due_by?;
    // The trader may hold the refund until the goods are back or proven sent, the first of the two.
    let held_until = match progress.goods_back_or_sent() {
        Some(at) => Some(ctx.law.date_of(at)),
        None if progress.returnless => None,
        None => return None,
    };
    let due_by = held_until.map_or(due_by, |day| due_by.max(day));
    let today = ctx.law.date_of(ctx.now);
    let late = days_late(due_by, today);
    if late == 0 {
        return None;
    }
    let product_price = progress
        .lines
        .iter()
        .map(|l| {
            l.unit_price
                .amount_minor
                .saturating_mul(i64::from(l.quantity.get()))
        })
        .sum::<i64>();
    // "jusqu'au prix du produit": the cap holds for the case as a whole, so what earlier
    // refunds of it already owe comes off.
    let already: i64 = state
        .refunds
        .iter()
        .filter(|r| r.status != RefundStatus::Failed && Some(r.refund_id) != excluding)
        .filter_map(|r| match r.late.as_ref().map(|l| l.surcharge) {
            Some(Surcharge::Percent { amount, .. }) => Some(amount.amount_minor),
            _ => None,
        })
        .sum();
    let cap = product_price.saturating_sub(already).max(0);
    let surcharge = late_refund_surcharge(
        amount,
        Money::new(cap, amount.currency),
        late,
        &ctx.law.refund,
    )
    .unwrap_or(Surcharge::LegalInterest { days_late: late });
    Some(LateRefund {
        due_by,
        days_late: late,
        surcharge,
    })
}

fn resolved(kind: ResolutionKind, amount: Option<Money>) -> Resolution {
    let mut resolution = Resolution::simple(kind);
    resolution.amount = amount;
    resolution
}

/// The money commands need the order's ledger; the store always supplies it for them.
fn ledger<'a>(ctx: &Context<'a>) -> Result<&'a OrderLedger, Rejection> {
    ctx.ledger.ok_or(Rejection::OrderRequired)
}

/// What a case can give back at most: the return's lines and the original delivery, or
/// the amount claimed (the order total when none was).
fn case_value(state: &CaseState) -> Money {
    match &state.returns {
        Some(progress) => {
            let shipping = progress.original_shipping.map_or(0, |m| m.amount_minor);
            Money::new(
                progress.lines_value().saturating_add(shipping),
                state.order_total.currency,
            )
        }
        // What was claimed, or more when an accepted offer or a decision awarded more;
        // never beyond the order.
        None => {
            let agreed = agreed_terms(state).and_then(|r| match r.kind {
                ResolutionKind::FullRefund => Some(state.order_total.amount_minor),
                _ => r.amount.map(|a| a.amount_minor),
            });
            let claimed = state.claimed.map_or(state.order_total.amount_minor, |c| {
                c.amount_minor.max(agreed.unwrap_or(0))
            });
            Money::new(
                claimed.min(state.order_total.amount_minor),
                state.order_total.currency,
            )
        }
    }
}

/// What this case already gave back: refunds not failed, and store credit.
fn given_back(state: &CaseState) -> i64 {
    // Goods sent in exchange replace the value of the lines they stand for.
    let exchanged: i64 = match (&state.exchange, &state.returns) {
        (Some(exchange), Some(progress)) => exchange
            .lines
            .iter()
            .map(|e| {
                let price = progress
                    .lines
                    .iter()
                    .find(|l| l.line_id == e.line_id)
                    .map_or(0, |l| l.unit_price.amount_minor);
                price.saturating_mul(i64::from(e.quantity.get()))
            })
            .fold(0, i64::saturating_add),
        _ => 0,
    };
    state
        .refunded()
        .saturating_add(
            state
                .store_credit
                .as_ref()
                .map_or(0, |c| c.amount.amount_minor),
        )
        .saturating_add(exchanged)
}

/// The terms agreed or decided: those awaiting payment, or those the case was resolved with.
fn agreed_terms(state: &CaseState) -> Option<&Resolution> {
    state
        .awaiting_payment
        .as_ref()
        .map(|a| &a.terms)
        .or(state.resolution.as_ref())
}

/// What the case calls for when nothing says how much: the return's lines (less fees), or
/// what was claimed, or the whole order.
fn suggestion(state: &CaseState) -> Result<(Money, Vec<Deduction>), Rejection> {
    match &state.returns {
        Some(progress) => progress
            .suggested_refund()
            .map_err(|_| invalid("amount", "money.overflow", "amounts overflow")),
        None => Ok((state.claimed.unwrap_or(state.order_total), Vec::new())),
    }
}

/// What `terms` give the buyer in money (minor units): their amount, or for a full refund
/// what the case calls for — never more than the case can give back; `None` for terms that
/// move no money.
fn owed_by(state: &CaseState, terms: &Resolution) -> Option<i64> {
    use ResolutionKind as K;
    let ceiling = case_value(state).amount_minor;
    match terms.kind {
        K::FullRefund | K::ReturnAndRefund => Some(
            match terms.amount {
                Some(amount) => amount.amount_minor,
                None => suggestion(state).map_or(0, |(m, _)| m.amount_minor),
            }
            .min(ceiling),
        ),
        K::PartialRefund | K::StoreCredit => terms.amount.map(|a| a.amount_minor.min(ceiling)),
        // A gesture is bounded by the order, not by the case (check_ledger).
        K::Goodwill => terms.amount.map(|a| a.amount_minor),
        _ => None,
    }
}

/// Whether agreed or decided `terms` wait for money (or goods) the case has not given yet.
pub(super) fn calls_for_payment(state: &CaseState, terms: &Resolution) -> bool {
    use ResolutionKind as K;
    match terms.kind {
        K::FullRefund | K::ReturnAndRefund | K::PartialRefund | K::StoreCredit => {
            owed_by(state, terms).is_some_and(|owed| owed > given_back(state))
        }
        K::Goodwill => owed_by(state, terms).is_some_and(|owed| owed > 0),
        // An exchange is goods sent back on a return; a replacement or a repair outside a
        // return has no command of its own yet and settles as before.
        K::Exchange => state.returns.is_some() && state.exchange.is_none(),
        K::Replacement | K::Repair | K::Refusal | K::Withdrawn => false,
    }
}

/// The terms awaiting payment that a payment of `kinds` completes, with `paying` more
/// (minor units) given back: the case is then resolved with them.
fn completes(state: &CaseState, kinds: &[ResolutionKind], paying: i64) -> Option<Resolution> {
    let awaiting = state.awaiting_payment.as_ref()?;
    if !kinds.contains(&awaiting.terms.kind) {
        return None;
    }
    let owed = owed_by(state, &awaiting.terms).unwrap_or(0);
    let given = match awaiting.terms.kind {
        ResolutionKind::Goodwill => state
            .compensations
            .iter()
            .map(|c| c.amount.amount_minor)
            .fold(0, i64::saturating_add),
        _ => given_back(state),
    };
    (given.saturating_add(paying) >= owed).then(|| awaiting.terms.clone())
}

/// What a refund or store credit without an amount gives now: what the case calls for (the
/// terms awaiting payment, the return's lines less fees, the claim, or the whole order) less
/// what it already gave back. The forms suggest it.
pub fn money_suggestion(state: &CaseState) -> Option<Money> {
    let (suggested, _) = suggestion(state).ok()?;
    let owed = state
        .awaiting_payment
        .as_ref()
        .and_then(|a| owed_by(state, &a.terms))
        .unwrap_or(suggested.amount_minor);
    Some(Money::new(
        owed.saturating_sub(given_back(state)).max(0),
        suggested.currency,
    ))
}

/// What is still owed under the terms awaiting payment, when they name an amount of money.
fn still_owed(state: &CaseState) -> Option<i64> {
    let awaiting = state.awaiting_payment.as_ref()?;
    let owed = owed_by(state, &awaiting.terms)?;
    Some(owed.saturating_sub(given_back(state)).max(0))
}

/// The amount a resolution agreed to give back (`None`: nothing in money).
fn agreed_amount(state: &CaseState) -> Option<i64> {
    let resolution = agreed_terms(state)?;
    match resolution.kind {
        ResolutionKind::FullRefund | ResolutionKind::ReturnAndRefund | ResolutionKind::Exchange => {
            Some(
                resolution
                    .amount
                    .map_or(case_value(state).amount_minor, |a| a.amount_minor),
            )
        }
        ResolutionKind::PartialRefund | ResolutionKind::StoreCredit => {
            resolution.amount.map(|a| a.amount_minor)
        }
        _ => None,
    }
}

/// Money commands run on an open case, or on a case resolved with money terms
/// (an accepted offer) that nothing has executed yet.
fn money_status(command: &'static str, state: &CaseState) -> Result<(), Rejection> {
    if state.status == Open || agreed_not_paid(state) {
        Ok(())
    } else {
        require_status(command, state, &[Open])
    }
}

/// A case resolved (or closed) with money terms — an accepted offer, a decision, a refund
/// that then failed — that has not given back what was agreed: money commands still run.
fn agreed_not_paid(state: &CaseState) -> bool {
    if state.awaiting_payment.is_some() {
        return true;
    }
    matches!(state.status, CaseStatus::Resolved | CaseStatus::Closed)
        && agreed_amount(state).is_some_and(|agreed| given_back(state) < agreed)
        && !(state.exchange.is_some()
            && state
                .resolution
                .as_ref()
                .is_some_and(|r| r.kind == ResolutionKind::Exchange))
}

/// Refuses more than the case can still give back.
fn check_case_ceiling(state: &CaseState, amount: &Money, field: &str) -> Result<(), Rejection> {
    let remaining = case_value(state)
        .amount_minor
        .saturating_sub(given_back(state));
    if amount.amount_minor > remaining {
        return Err(invalid(
            &format!("{field}.amount_minor"),
            "refund.exceeds_case_value",
            format!(
                "this case can give back {} more",
                Money::new(remaining.max(0), amount.currency)
            ),
        )
        .with("remaining", Money::new(remaining.max(0), amount.currency)));
    }
    Ok(())
}

/// Refunds are not possible before a return is authorised, nor after a refusal.
fn refund_stage(command: &'static str, state: &CaseState) -> Result<(), Rejection> {
    // An offer accepted (or a decision taken) before the return was authorised is paid as agreed.
    let agreed_early = agreed_not_paid(state)
        && state
            .returns
            .as_ref()
            .is_some_and(|r| r.stage == ReturnStage::Requested);
    if state.returns.is_some() && !agreed_early {
        return_stage(
            command,
            state,
            &[
                ReturnStage::Authorised,
                ReturnStage::LabelIssued,
                ReturnStage::LabelExpired,
                ReturnStage::InTransit,
                ReturnStage::Delivered,
                ReturnStage::Received,
                ReturnStage::Inspected,
                ReturnStage::Lost,
            ],
        )?;
    }
    Ok(())
}

/// A refund waiting for its gateway, which the party may settle or fail.
fn pending_refund<'s>(
    name: &'static str,
    state: &'s CaseState,
    party: Party,
    refund_id: u32,
) -> Result<&'s RefundRecord, Rejection> {
    require_party(name, party, &[Merchant, Operator, System])?;
    let Some(pending) = state
        .refunds
        .iter()
        .find(|r| r.refund_id == refund_id && r.status == RefundStatus::Pending)
    else {
        return Err(invalid(
            "refund_id",
            "refund.not_pending",
            format!("refund {refund_id} is not waiting for the gateway"),
        )
        .with("refund_id", refund_id));
    };
    // A refund executed by a payment gateway is settled or failed by that gateway
    // only; a person records the outcome of refunds made outside amiable (`manual`).
    if pending.gateway.as_str() != "manual" && party != System {
        return Err(invalid(
            "refund_id",
            "refund.gateway_owned",
            format!("refund {refund_id} is executed by {}", pending.gateway),
        )
        .with("refund_id", refund_id)
        .with("gateway", pending.gateway.as_str()));
    }
    Ok(pending)
}

impl CaseState {
    /// What this case already gave back: refunds not failed, store credit, goods exchanged.
    pub(super) fn given_back(&self) -> i64 {
        given_back(self)
    }

    /// Whether money (or goods in exchange) moved on this case: refunds not failed,
    /// store credit or an exchange.
    pub(super) fn money_moved(&self) -> bool {
        self.refunds
            .iter()
            .any(|r| r.status != RefundStatus::Failed)
            || self.store_credit.is_some()
            || self.exchange.is_some()
    }

    /// Refunds that still count (pending or settled).
    pub fn refunded(&self) -> i64 {
        self.refunds
            .iter()
            .filter(|r| r.status != RefundStatus::Failed)
            .map(|r| r.amount.amount_minor)
            .sum()
    }
}

/// The ledger entries a command's events make, for the store to apply.
pub fn ledger_entries(state: Option<&CaseState>, events: &[CaseEvent]) -> Vec<LedgerEntry> {
    events
        .iter()
        .flat_map(|e| crate::ledger::entries(state, e))
        .collect()
}

pub(super) fn decide(
    state: &CaseState,
    command: &MoneyCommand,
    ctx: &Context<'_>,
) -> Result<Vec<CaseEvent>, Rejection> {
    let name = command.name();
    match command {
        MoneyCommand::Refund {
            amount,
            deductions,
            gateway,
            resolve,
        } => refund(state, ctx, name, amount, deductions, gateway, *resolve),
        MoneyCommand::SettleRefund {
            refund_id,
            reference,
        } => settle_refund(state, ctx, name, *refund_id, reference),
        MoneyCommand::FailRefund { refund_id, error } => {
            fail_refund(state, ctx, name, *refund_id, error)
        }
        MoneyCommand::IssueStoreCredit {
            amount,
            bonus_percent,
            resolve,
        } => issue_store_credit(state, ctx, name, amount, bonus_percent, *resolve),
        MoneyCommand::RecordExchange { lines, gateway } => {
            record_exchange(state, ctx, name, lines, gateway)
        }
        MoneyCommand::Compensate {
            kind,
            amount,
            note,
            resolve,
            approver,
            request_approval,
        } => compensate(
            state,
            ctx,
            name,
            Gesture {
                kind: *kind,
                amount: *amount,
                note: note.clone(),
            },
            *resolve,
            *approver,
            *request_approval,
        ),
        MoneyCommand::ApproveCompensation {
            approval_id,
            approver,
        } => approve_compensation(state, ctx, name, *approval_id, *approver),
        MoneyCommand::DeclineCompensation {
            approval_id,
            reason,
            approver,
        } => {
            require_party(name, ctx.actor.party(), &[Merchant, Operator])?;
            require_approver(*approver)?;
            pending_approval(state, *approval_id)?;
            Ok(vec![CaseEvent::from(MoneyEvent::CompensationDeclined {
                approval_id: *approval_id,
                reason: reason.clone(),
            })])
        }
        MoneyCommand::SendReminder { topic } => send_reminder(state, ctx, name, topic),
    }
}

/// Refund records the refund; with `resolve`, it also resolves the case: in full when
/// nothing is kept back of what the case calls for.
fn refund(
    state: &CaseState,
    ctx: &Context<'_>,
    name: &'static str,
    amount: &Option<Money>,
    deductions: &[Deduction],
    gateway: &Label,
    resolve: bool,
) -> Result<Vec<CaseEvent>, Rejection> {
    let party = ctx.actor.party();
    require_party(name, party, &[Merchant, Operator, System])?;
    money_status(name, state)?;
    refund_stage(name, state)?;
    let ledger = ledger(ctx)?;
    let total_deducted = check_deductions(deductions, ledger.currency(), "deductions")?;
    let (mut suggested, mut itemised) = suggestion(state)?;
    // Terms awaiting payment say what the case calls for.
    if let Some(awaiting) = &state.awaiting_payment
        && let Some(owed) = owed_by(state, &awaiting.terms)
        && awaiting.terms.kind.is_refund()
    {
        suggested = Money::new(owed, suggested.currency);
    }
    // Deductions come out of what the case is worth, never more.
    if total_deducted > suggested.amount_minor.max(0) {
        return Err(invalid(
            "deductions",
            "return.deductions_exceed_value",
            format!("deductions exceed the {suggested} the case calls for"),
        )
        .with("value", suggested));
    }
    let amount = match amount {
        Some(amount) => *amount,
        // What the case calls for, less what it already gave back.
        None => Money::new(
            suggested.amount_minor - total_deducted - given_back(state),
            suggested.currency,
        ),
    };
    check_money(&amount, ledger, "amount")?;
    check_case_ceiling(state, &amount, "amount")?;
    itemised.extend(deductions.iter().cloned());
    let late = lateness(state, amount, ctx, None);
    let mut events = vec![CaseEvent::from(MoneyEvent::RefundRecorded {
        refund_id: state.refunds.len() as u32 + 1,
        amount,
        deductions: itemised.clone(),
        gateway: gateway.clone(),
        late,
    })];
    check_ledger(state, ledger, &events, "amount")?;
    let kinds = [
        ResolutionKind::FullRefund,
        ResolutionKind::PartialRefund,
        ResolutionKind::ReturnAndRefund,
    ];
    if let Some(resolution) = completes(state, &kinds, amount.amount_minor) {
        // The agreed or decided refund is paid (recorded with the gateway): settled as agreed.
        events.push(CaseEvent::from(LifecycleEvent::Resolved { resolution }));
    } else if resolve && state.status == Open && state.awaiting_payment.is_none() {
        // At least what the case calls for, with nothing kept back: a full refund.
        let full = itemised.is_empty() && amount.amount_minor >= suggested.amount_minor;
        let kind = match (state.returns.is_some(), full) {
            (true, true) => ResolutionKind::ReturnAndRefund,
            (false, true) if amount == state.order_total => ResolutionKind::FullRefund,
            _ => ResolutionKind::PartialRefund,
        };
        let amount = (amount.amount_minor <= state.order_total.amount_minor).then_some(amount);
        events.push(CaseEvent::from(LifecycleEvent::Resolved {
            resolution: resolved(kind, amount),
        }));
    }
    Ok(events)
}

/// The gateway paid a pending refund.
fn settle_refund(
    state: &CaseState,
    ctx: &Context<'_>,
    name: &'static str,
    refund_id: u32,
    reference: &Label,
) -> Result<Vec<CaseEvent>, Rejection> {
    let party = ctx.actor.party();
    let pending = pending_refund(name, state, party, refund_id)?;
    // What counts is the day the buyer is paid: a refund recorded on time
    // but paid after the deadline is late.
    // Recomputed on the day of payment; recorded only when it adds to what the
    // refund already carried (the ledger owes the difference).
    let surcharge = |late: Option<&LateRefund>| match late.map(|l| l.surcharge) {
        Some(Surcharge::Percent { amount, .. }) => amount.amount_minor,
        _ => 0,
    };
    let late = lateness(state, pending.amount, ctx, Some(refund_id)).filter(|now| {
        pending.late.is_none() || surcharge(Some(now)) > surcharge(pending.late.as_ref())
    });
    Ok(vec![CaseEvent::from(MoneyEvent::RefundSettled {
        refund_id,
        reference: reference.clone(),
        late,
    })])
}

/// The gateway could not pay a pending refund.
fn fail_refund(
    state: &CaseState,
    ctx: &Context<'_>,
    name: &'static str,
    refund_id: u32,
    error: &Label,
) -> Result<Vec<CaseEvent>, Rejection> {
    let party = ctx.actor.party();
    pending_refund(name, state, party, refund_id)?;
    Ok(vec![CaseEvent::from(MoneyEvent::RefundFailed {
        refund_id,
        error: error.clone(),
    })])
}

/// Store credit instead of a refund, with the policy's bonus.
fn issue_store_credit(
    state: &CaseState,
    ctx: &Context<'_>,
    name: &'static str,
    amount: &Option<Money>,
    bonus_percent: &Option<u8>,
    resolve: bool,
) -> Result<Vec<CaseEvent>, Rejection> {
    let party = ctx.actor.party();
    require_party(name, party, &[Merchant, Operator])?;
    money_status(name, state)?;
    refund_stage(name, state)?;
    let ledger = ledger(ctx)?;
    let amount = match (amount, &state.returns) {
        (Some(amount), _) => *amount,
        (None, Some(progress)) => {
            let suggested = progress
                .suggested_refund()
                .map_err(|_| invalid("amount", "money.overflow", "amounts overflow"))?
                .0;
            Money::new(
                suggested.amount_minor - given_back(state),
                suggested.currency,
            )
        }
        (None, None) => match still_owed(state) {
            Some(owed) if owed > 0 => Money::new(owed, state.order_total.currency),
            _ => {
                return Err(invalid(
                    "amount",
                    "resolution.amount_required",
                    "this resolution needs an amount",
                ));
            }
        },
    };
    check_money(&amount, ledger, "amount")?;
    check_case_ceiling(state, &amount, "amount")?;
    let agreed_bonus = state
        .awaiting_payment
        .as_ref()
        .filter(|a| a.terms.kind == ResolutionKind::StoreCredit)
        .and_then(|a| a.terms.bonus_percent);
    let percent = bonus_percent
        .or(agreed_bonus)
        .or(state
            .returns
            .as_ref()
            .and_then(|r| r.store_credit_bonus_percent))
        .unwrap_or(0);
    if percent > 100 {
        return Err(invalid(
            "bonus_percent",
            "resolution.bonus_too_large",
            "must be between 0 and 100",
        ));
    }
    let bonus = Money::new(
        i64::try_from((i128::from(amount.amount_minor) * i128::from(percent)) / 100).unwrap_or(0),
        amount.currency,
    );
    // C. conso L221-24: store credit for a withdrawal only with the buyer's consent.
    if withdrawal_without_consent(state, ResolutionKind::StoreCredit) {
        return Err(invalid(
            "amount",
            "return.buyer_consent_required",
            "a withdrawal is refunded by the original means of payment unless the buyer chose store credit",
        ));
    }
    let mut events = vec![CaseEvent::from(MoneyEvent::StoreCreditIssued {
        amount,
        bonus,
    })];
    check_ledger(state, ledger, &events, "amount")?;
    if let Some(resolution) = completes(state, &[ResolutionKind::StoreCredit], amount.amount_minor)
    {
        events.push(CaseEvent::from(LifecycleEvent::Resolved { resolution }));
    } else if resolve && state.status == Open && state.awaiting_payment.is_none() {
        let mut resolution = resolved(ResolutionKind::StoreCredit, Some(amount));
        resolution.bonus_percent = (percent > 0).then_some(percent);
        events.push(CaseEvent::from(LifecycleEvent::Resolved { resolution }));
    }
    Ok(events)
}

/// Goods sent in exchange; a price difference owed to the buyer is refunded.
fn record_exchange(
    state: &CaseState,
    ctx: &Context<'_>,
    name: &'static str,
    lines: &[ExchangeLine],
    gateway: &Label,
) -> Result<Vec<CaseEvent>, Rejection> {
    let party = ctx.actor.party();
    require_party(name, party, &[Merchant, Operator])?;
    money_status(name, state)?;
    if given_back(state) > 0 {
        return Err(invalid(
            "lines",
            "exchange.after_money_moved",
            "this case already gave money or goods back",
        ));
    }
    refund_stage(name, state)?;
    // Terms awaiting payment other than an exchange are paid as agreed, not exchanged.
    if state
        .awaiting_payment
        .as_ref()
        .is_some_and(|a| a.terms.kind != ResolutionKind::Exchange)
    {
        super::escalation::require_nothing_awaited(state)?;
    }
    let ledger = ledger(ctx)?;
    // C. conso L221-24: an exchange for a withdrawal only with the buyer's consent.
    if withdrawal_without_consent(state, ResolutionKind::Exchange) {
        return Err(invalid(
            "lines",
            "return.buyer_consent_required",
            "a withdrawal is refunded unless the buyer chose an exchange",
        ));
    }
    if lines.is_empty() {
        return Err(invalid(
            "lines",
            "exchange.lines_required",
            "name what is sent in exchange",
        ));
    }
    let difference = exchange_difference(state, lines, ledger)?;
    let mut events = vec![CaseEvent::from(MoneyEvent::ExchangeRecorded {
        lines: lines.to_vec(),
        difference,
    })];
    if difference.amount_minor < 0 {
        events.push(CaseEvent::from(MoneyEvent::RefundRecorded {
            refund_id: state.refunds.len() as u32 + 1,
            amount: Money::new(-difference.amount_minor, difference.currency),
            deductions: Vec::new(),
            gateway: gateway.clone(),
            late: None,
        }));
    }
    check_ledger(state, ledger, &events, "lines")?;
    if let Some(resolution) = completes(state, &[ResolutionKind::Exchange], 0) {
        events.push(CaseEvent::from(LifecycleEvent::Resolved { resolution }));
    } else if state.status == Open {
        events.push(CaseEvent::from(LifecycleEvent::Resolved {
            resolution: resolved(ResolutionKind::Exchange, None),
        }));
    }
    Ok(events)
}

/// Under the withdrawal right the buyer is refunded by the means of payment they used,
/// unless they expressly agree to something else (C. conso L221-24): their preference
/// on the return, or an offer of that kind they accepted.
pub(super) fn withdrawal_without_consent(state: &CaseState, kind: ResolutionKind) -> bool {
    let Some(progress) = &state.returns else {
        return false;
    };
    let withdrawal = progress.lines.iter().any(|l| l.basis != "policy");
    let agreed = progress.preferred == Some(kind)
        || state
            .offers
            .iter()
            .any(|o| o.status == OfferStatus::Accepted && o.terms.kind == kind);
    withdrawal && !agreed
}

/// What the goods sent in exchange are worth over the goods that came back, line by line:
/// negative when the buyer is owed the difference. Each line is in the case, once, for at
/// most the quantity returned.
fn exchange_difference(
    state: &CaseState,
    lines: &[ExchangeLine],
    ledger: &OrderLedger,
) -> Result<Money, Rejection> {
    let mut difference: i64 = 0;
    let mut seen = std::collections::BTreeSet::new();
    for (index, line) in lines.iter().enumerate() {
        let field = format!("lines[{index}]");
        check_money(&line.unit_price, ledger, &format!("{field}.unit_price"))?;
        if !seen.insert(&line.line_id) {
            return Err(invalid(
                &format!("{field}.line_id"),
                "case.duplicate_line",
                "each line appears once",
            ));
        }
        let returned = match &state.returns {
            Some(progress) => progress
                .lines
                .iter()
                .find(|l| l.line_id == line.line_id)
                .map(|l| (l.unit_price, l.quantity.get())),
            None => state
                .items
                .iter()
                .find(|i| i.line_id == line.line_id)
                .map(|_| (line.unit_price, line.quantity.get())),
        };
        let Some((old_price, old_quantity)) = returned else {
            return Err(invalid(
                &format!("{field}.line_id"),
                "return.line_not_in_return",
                "this line is not in the case",
            ));
        };
        if line.quantity.get() > old_quantity {
            return Err(invalid(
                &format!("{field}.quantity"),
                "exchange.quantity_exceeds_return",
                format!("at most {old_quantity}"),
            )
            .with("max", old_quantity));
        }
        let overflow = || {
            invalid(
                &format!("{field}.unit_price"),
                "money.overflow",
                "amounts overflow",
            )
        };
        let quantity = i64::from(line.quantity.get());
        let new_value = line
            .unit_price
            .amount_minor
            .checked_mul(quantity)
            .ok_or_else(overflow)?;
        let old_value = old_price
            .amount_minor
            .checked_mul(quantity)
            .ok_or_else(overflow)?;
        difference = new_value
            .checked_sub(old_value)
            .and_then(|d| difference.checked_add(d))
            .ok_or_else(overflow)?;
    }
    Ok(Money::new(difference, ledger.currency()))
}

/// A goodwill gesture.
/// A goodwill gesture: what, how much, why.
#[derive(Debug, Clone)]
struct Gesture {
    kind: GoodwillKind,
    amount: Money,
    note: Option<Label>,
}

/// A merchant's goodwill budget (its settings): a monthly envelope and the amount
/// above which a gesture needs a merchant admin's or the marketplace's approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GoodwillBudget {
    /// What the merchant's gestures may total in a calendar month (the marketplace's zone).
    pub monthly: Money,
    /// A single gesture above this needs approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_above: Option<Money>,
}

/// The budget as the decider sees it: the envelope and what the month already spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoodwillContext {
    pub budget: GoodwillBudget,
    pub spent_this_month: Money,
}

impl GoodwillContext {
    /// Whether `amount` needs approval, and whether because it is beyond the budget.
    pub fn needs_approval(&self, amount: Money) -> Option<bool> {
        let after = self
            .spent_this_month
            .amount_minor
            .saturating_add(amount.amount_minor);
        if after > self.budget.monthly.amount_minor {
            return Some(true);
        }
        match self.budget.approval_above {
            Some(limit) if amount.amount_minor > limit.amount_minor => Some(false),
            _ => None,
        }
    }
}

/// A gesture waiting for approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompensationApproval {
    pub approval_id: u32,
    pub kind: GoodwillKind,
    pub amount: Money,
    pub note: Option<Label>,
    pub over_budget: bool,
    /// `pending`, `approved` or `declined`.
    pub status: ApprovalStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ApprovalStatus {
    Pending,
    Approved,
    Declined,
}

fn require_approver(approver: bool) -> Result<(), Rejection> {
    if approver {
        Ok(())
    } else {
        Err(invalid(
            "approval_id",
            "goodwill.not_an_approver",
            "a merchant admin or the marketplace approves gestures",
        ))
    }
}

fn pending_approval(
    state: &CaseState,
    approval_id: u32,
) -> Result<&CompensationApproval, Rejection> {
    state
        .compensation_approvals
        .iter()
        .find(|a| a.approval_id == approval_id && a.status == ApprovalStatus::Pending)
        .ok_or_else(|| {
            invalid(
                "approval_id",
                "goodwill.approval_not_pending",
                format!("no gesture {approval_id} waits for approval"),
            )
        })
}

fn compensate(
    state: &CaseState,
    ctx: &Context<'_>,
    name: &'static str,
    gesture: Gesture,
    resolve: bool,
    approver: bool,
    request_approval: bool,
) -> Result<Vec<CaseEvent>, Rejection> {
    let party = ctx.actor.party();
    require_party(name, party, &[Merchant, Operator])?;
    require_status(name, state, &[Open, CaseStatus::Resolved])?;
    let ledger = ledger(ctx)?;
    check_money(&gesture.amount, ledger, "amount")?;
    check_gesture_bound(ledger, gesture.amount)?;
    // Above the threshold or beyond the month's budget: an approver's hand, or a request.
    if !approver
        && let Some(over_budget) = ctx.goodwill.and_then(|g| g.needs_approval(gesture.amount))
    {
        if !request_approval {
            let (code, message) = if over_budget {
                (
                    "goodwill.over_budget",
                    "this gesture goes beyond the merchant's monthly goodwill budget: ask for approval",
                )
            } else {
                (
                    "goodwill.approval_required",
                    "a gesture of this amount needs a merchant admin's or the marketplace's approval",
                )
            };
            return Err(invalid("amount.amount_minor", code, message));
        }
        return Ok(vec![CaseEvent::from(
            MoneyEvent::CompensationApprovalRequested {
                approval_id: state.compensation_approvals.len() as u32 + 1,
                kind: gesture.kind,
                amount: gesture.amount,
                note: gesture.note,
                over_budget,
            },
        )]);
    }
    record_gesture(state, ledger, gesture, resolve, None)
}

/// A gesture is bounded: all of an order's compensation at most what the buyer paid.
fn check_gesture_bound(ledger: &OrderLedger, amount: Money) -> Result<(), Rejection> {
    if amount.amount_minor > ledger.captured.amount_minor - ledger.compensation.amount_minor {
        return Err(invalid(
            "amount.amount_minor",
            "compensation.exceeds_order",
            format!(
                "the order's compensation would exceed the {} paid",
                ledger.captured
            ),
        )
        .with("captured", ledger.captured));
    }
    Ok(())
}

fn approve_compensation(
    state: &CaseState,
    ctx: &Context<'_>,
    name: &'static str,
    approval_id: u32,
    approver: bool,
) -> Result<Vec<CaseEvent>, Rejection> {
    require_party(name, ctx.actor.party(), &[Merchant, Operator])?;
    require_approver(approver)?;
    require_status(name, state, &[Open, CaseStatus::Resolved])?;
    let pending = pending_approval(state, approval_id)?;
    let ledger = ledger(ctx)?;
    check_gesture_bound(ledger, pending.amount)?;
    let gesture = Gesture {
        kind: pending.kind,
        amount: pending.amount,
        note: pending.note.clone(),
    };
    record_gesture(state, ledger, gesture, false, Some(approval_id))
}

fn record_gesture(
    state: &CaseState,
    ledger: &OrderLedger,
    gesture: Gesture,
    resolve: bool,
    approval_id: Option<u32>,
) -> Result<Vec<CaseEvent>, Rejection> {
    let Gesture { kind, amount, note } = gesture;
    let mut events = vec![CaseEvent::from(MoneyEvent::CompensationRecorded {
        kind,
        amount,
        note: note.clone(),
        approval_id,
    })];
    check_ledger(state, ledger, &events, "amount")?;
    if let Some(resolution) = completes(state, &[ResolutionKind::Goodwill], amount.amount_minor) {
        events.push(CaseEvent::from(LifecycleEvent::Resolved { resolution }));
    } else if resolve && state.status == Open && state.awaiting_payment.is_none() {
        let mut resolution = resolved(ResolutionKind::Goodwill, Some(amount));
        resolution.goodwill = Some(kind);
        resolution.note = note;
        events.push(CaseEvent::from(LifecycleEvent::Resolved { resolution }));
    }
    Ok(events)
}

/// What a decision paid by the marketplace moves at once: a refund to the original
/// payment up to what remains refundable, the rest (only when recovered from the
/// merchant) as a gesture, the marketplace's payment, and the case settled.
pub(super) fn marketplace_payout(
    state: &CaseState,
    decision: &Decision,
    ctx: &Context<'_>,
    gateway: &Label,
) -> Result<Vec<CaseEvent>, Rejection> {
    use ResolutionKind as K;
    let terms = &decision.resolution;
    let ledger = ledger(ctx)?;
    let currency = ledger.currency();
    let (refund, gesture) = match terms.kind {
        K::FullRefund | K::PartialRefund | K::ReturnAndRefund => {
            let owed = owed_by(state, terms)
                .unwrap_or(0)
                .saturating_sub(given_back(state))
                .max(0);
            let refundable = ledger.refundable().amount_minor;
            if owed > refundable && !decision.recover_from_merchant {
                return Err(invalid(
                    "decision.recover_from_merchant",
                    "decision.payout_exceeds_refundable",
                    format!(
                        "the payout is more than the {} still refundable on the order: the rest can only be paid as a recovered gesture",
                        ledger.refundable()
                    ),
                )
                .with("refundable", ledger.refundable()));
            }
            (owed.min(refundable), owed.saturating_sub(refundable).max(0))
        }
        K::Goodwill => (0, terms.amount.map_or(0, |a| a.amount_minor)),
        _ => {
            return Err(invalid(
                "decision.paid_by",
                "decision.marketplace_pays_money",
                "the marketplace pays money: a refund or a gesture",
            ));
        }
    };
    let total = refund.saturating_add(gesture);
    if total <= 0 {
        return Err(invalid(
            "decision.paid_by",
            "decision.nothing_to_pay",
            "the buyer was already given what the decision awards",
        ));
    }
    let mut events = Vec::new();
    if refund > 0 {
        events.push(CaseEvent::from(MoneyEvent::RefundRecorded {
            refund_id: state.refunds.len() as u32 + 1,
            amount: Money::new(refund, currency),
            deductions: Vec::new(),
            gateway: gateway.clone(),
            late: lateness(state, Money::new(refund, currency), ctx, None),
        }));
    }
    if gesture > 0 {
        events.push(CaseEvent::from(MoneyEvent::CompensationRecorded {
            kind: terms.goodwill.unwrap_or(GoodwillKind::Voucher),
            amount: Money::new(gesture, currency),
            note: terms.note.clone(),
            approval_id: None,
        }));
    }
    events.push(CaseEvent::from(MoneyEvent::MarketplacePaid {
        amount: Money::new(total, currency),
        recovered_from_merchant: decision.recover_from_merchant,
    }));
    check_ledger(state, ledger, &events, "decision.resolution.amount")?;
    events.push(CaseEvent::from(LifecycleEvent::Resolved {
        resolution: terms.clone(),
    }));
    Ok(events)
}

/// The reminder of the legal refund deadline, sent once per topic.
fn send_reminder(
    state: &CaseState,
    ctx: &Context<'_>,
    name: &'static str,
    topic: &ReminderTopic,
) -> Result<Vec<CaseEvent>, Rejection> {
    let party = ctx.actor.party();
    require_party(name, party, &[System])?;
    require_status(name, state, &[Open])?;
    let progress = state
        .returns
        .as_ref()
        .ok_or_else(|| invalid("case_id", "return.not_a_return", "this case has no return"))?;
    if *topic == ReminderTopic::LabelExpiring {
        // Only while the label is the way back and the parcel has not left.
        let label = match (&progress.label, progress.stage) {
            (Some(label), ReturnStage::LabelIssued) if label.expires_at > ctx.now => label,
            _ => return Ok(Vec::new()),
        };
        if progress.reminders.contains(topic) {
            return Ok(Vec::new());
        }
        return Ok(vec![CaseEvent::from(MoneyEvent::ReminderSent {
            topic: *topic,
            due_by: ctx.law.date_of(label.expires_at),
        })]);
    }
    let due_by = progress
        .refund_due_by
        .ok_or_else(|| invalid("topic", "reminder.nothing_due", "no legal refund deadline"))?;
    if progress.reminders.contains(topic) || state.refunded() > 0 {
        return Ok(Vec::new());
    }
    Ok(vec![CaseEvent::from(MoneyEvent::ReminderSent {
        topic: *topic,
        due_by,
    })])
}

pub(super) fn evolve(state: &mut CaseState, event: &MoneyEvent, at: Timestamp) {
    match event {
        MoneyEvent::RefundRecorded {
            refund_id,
            amount,
            deductions,
            gateway,
            late,
        } => state.refunds.push(RefundRecord {
            refund_id: *refund_id,
            amount: *amount,
            deductions: deductions.clone(),
            gateway: gateway.clone(),
            status: RefundStatus::Pending,
            reference: None,
            late: late.clone(),
            recorded_at: at,
        }),
        MoneyEvent::RefundSettled {
            refund_id,
            reference,
            late,
        } => {
            if let Some(refund) = state.refunds.iter_mut().find(|r| r.refund_id == *refund_id) {
                refund.status = RefundStatus::Settled;
                refund.reference = Some(reference.clone());
                if late.is_some() {
                    refund.late = late.clone();
                }
            }
        }
        MoneyEvent::RefundFailed { refund_id, .. } => {
            if let Some(refund) = state.refunds.iter_mut().find(|r| r.refund_id == *refund_id) {
                refund.status = RefundStatus::Failed;
            }
        }
        MoneyEvent::StoreCreditIssued { amount, bonus } => {
            let record = match state.store_credit.take() {
                Some(before) => StoreCreditRecord {
                    amount: Money::new(
                        before
                            .amount
                            .amount_minor
                            .saturating_add(amount.amount_minor),
                        amount.currency,
                    ),
                    bonus: Money::new(
                        before.bonus.amount_minor.saturating_add(bonus.amount_minor),
                        bonus.currency,
                    ),
                },
                None => StoreCreditRecord {
                    amount: *amount,
                    bonus: *bonus,
                },
            };
            state.store_credit = Some(record);
        }
        MoneyEvent::ExchangeRecorded { lines, difference } => {
            state.exchange = Some(ExchangeRecord {
                lines: lines.to_vec(),
                difference: *difference,
            });
        }
        MoneyEvent::CompensationRecorded {
            kind,
            amount,
            approval_id,
            ..
        } => {
            state.compensations.push(CompensationRecord {
                kind: *kind,
                amount: *amount,
            });
            if let Some(a) = state
                .compensation_approvals
                .iter_mut()
                .find(|a| Some(a.approval_id) == *approval_id)
            {
                a.status = ApprovalStatus::Approved;
            }
        }
        MoneyEvent::CompensationApprovalRequested {
            approval_id,
            kind,
            amount,
            note,
            over_budget,
        } => state.compensation_approvals.push(CompensationApproval {
            approval_id: *approval_id,
            kind: *kind,
            amount: *amount,
            note: note.clone(),
            over_budget: *over_budget,
            status: ApprovalStatus::Pending,
        }),
        MoneyEvent::CompensationDeclined { approval_id, .. } => {
            if let Some(a) = state
                .compensation_approvals
                .iter_mut()
                .find(|a| a.approval_id == *approval_id)
            {
                a.status = ApprovalStatus::Declined;
            }
        }
        MoneyEvent::MarketplacePaid {
            amount,
            recovered_from_merchant,
        } => {
            let progress = state.mediation.get_or_insert_with(Default::default);
            if *recovered_from_merchant {
                progress.recoverable = Some(*amount);
            }
        }
        MoneyEvent::ReminderSent { topic, .. } => {
            if let Some(r) = &mut state.returns
                && !r.reminders.contains(topic)
            {
                r.reminders.push(*topic);
            }
        }
    }
}
