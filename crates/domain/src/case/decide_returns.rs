//! The decider's half for returns and money: the return lifecycle (request,
//! authorisation, label, carrier scans, receipt, inspection) and the commands
//! that move money (refund, store credit, exchange, compensation), checked
//! against the order's ledger.

use super::decide::{Command, Context, Rejection, invalid, require_party, require_status};
use super::event::CaseEvent;
use super::model::*;
use super::state::CaseState;
use crate::law::refund::{Surcharge, days_late, late_refund_surcharge, refund_due};
use crate::ledger::{LedgerEntry, LedgerError, OrderLedger, entries};
use crate::money::Money;
use crate::order::Order;
use crate::returns::{Basis, ReturnContext, rma_for};
use std::collections::BTreeMap;

use CaseStatus::Open;
use Party::{Merchant, Operator, Provider, System};

/// The return events that follow `Opened` for a case of kind `return`.
pub(super) fn open_return(
    command: &Command,
    order: &Order,
    returns: &ReturnContext,
    ctx: &Context<'_>,
    case_id: &crate::ids::CaseId,
) -> Result<Vec<CaseEvent>, Rejection> {
    let Command::Open {
        items,
        preferred,
        reason,
        ..
    } = command
    else {
        return Err(Rejection::NotOpened);
    };
    let today = ctx.law.date_of(ctx.now);
    let mut lines = Vec::with_capacity(items.len());
    let mut withdrawal = false;
    let mut conformity_return = false;
    for (index, item) in items.iter().enumerate() {
        let field = format!("items[{index}]");
        let line = order.line(&item.line_id).ok_or_else(|| {
            invalid(
                &format!("{field}.line_id"),
                "case.unknown_line",
                "not in the order",
            )
        })?;
        let verdict = returns.line(&item.line_id).ok_or_else(|| {
            invalid(
                &format!("{field}.line_id"),
                "case.unknown_line",
                "not in the order",
            )
        })?;
        // A faulty item goes back under the legal guarantee of conformity, not the
        // withdrawal right: two years from delivery, whatever the policy or the flags.
        let line_reason = item.reason.as_ref().unwrap_or(reason);
        if is_conformity(line_reason) {
            let quantity = check_quantity(order, returns, item, line, &field)?;
            let delivered = delivered_on(order, &item.line_id, ctx);
            let Some(delivered) = delivered else {
                return Err(invalid(
                    &format!("{field}.line_id"),
                    "return.not_delivered",
                    "the guarantee of conformity starts at delivery",
                ));
            };
            let flags: Vec<_> = line.flags.iter().copied().collect();
            let covered = crate::law::conformity::guarantee(delivered, &flags, &ctx.law.conformity)
                .filter(|g| today <= g.until);
            let Some(covered) = covered else {
                return Err(invalid(
                    &format!("{field}.line_id"),
                    "return.guarantee_expired",
                    "the legal guarantee of conformity (2 years from delivery) is over",
                ));
            };
            conformity_return = true;
            // Within the 14 days, the buyer also holds the withdrawal right, which needs no
            // reason: its refund deadline applies too (L221-18, L221-24).
            if verdict.withdrawal {
                withdrawal = true;
            }
            lines.push(ReturnLine {
                line_id: item.line_id.clone(),
                quantity,
                unit_price: line.unit_price,
                until: Some(covered.until),
                basis: "C. conso L217-3".to_owned(),
                restocking_fee: None,
                returnless: false,
            });
            continue;
        }
        if !verdict.eligible {
            return Err(match (verdict.exception, verdict.basis) {
                (Some(exception), _) => invalid(
                    &format!("{field}.line_id"),
                    "return.not_returnable",
                    format!(
                        "this item cannot be returned ({}, {})",
                        serde_json::to_value(exception.flag)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default(),
                        exception.article
                    ),
                ),
                _ if verdict.until.is_none() && !order_delivered(order, &item.line_id) => invalid(
                    &format!("{field}.line_id"),
                    "return.not_returnable",
                    "this item cannot be returned under the merchant's policy",
                ),
                _ => invalid(
                    &format!("{field}.line_id"),
                    "return.window_closed",
                    "the return period for this item is over",
                ),
            });
        }
        check_quantity(order, returns, item, line, &field)?;
        // While the statutory period runs, the return is a withdrawal whatever the
        // policy adds: its refund deadline applies (L221-24).
        let basis = match (verdict.withdrawal_article, verdict.basis) {
            (Some(article), _) if verdict.withdrawal => {
                withdrawal = true;
                article.to_owned()
            }
            (_, Some(Basis::Statute { article })) => {
                withdrawal = true;
                article.to_owned()
            }
            _ => "policy".to_owned(),
        };
        let restocking_fee = match verdict.restocking_fee {
            Some(crate::returns::RestockingFee::Amount { amount }) => Some(amount),
            Some(crate::returns::RestockingFee::Percent { percent }) => {
                let value = line
                    .unit_price
                    .checked_mul(i64::from(item.quantity.get()))
                    .map_err(|_| invalid("items", "money.overflow", "amounts overflow"))?;
                let fee = (i128::from(value.amount_minor) * i128::from(percent) + 50) / 100;
                Some(Money::new(
                    i64::try_from(fee).unwrap_or(i64::MAX),
                    value.currency,
                ))
            }
            None => None,
        }
        .filter(|fee| fee.is_positive());
        lines.push(ReturnLine {
            line_id: item.line_id.clone(),
            quantity: item.quantity,
            unit_price: line.unit_price,
            until: verdict.until,
            basis,
            restocking_fee,
            returnless: verdict.returnless,
        });
    }
    if let Some(kind) = preferred
        && !returns.policy.allowed_resolutions.contains(kind)
    {
        return Err(invalid(
            "preferred_resolution",
            "return.resolution_not_allowed",
            format!(
                "the merchant offers: {}",
                returns
                    .policy
                    .allowed_resolutions
                    .iter()
                    .map(|k| k.code())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    // The whole order withdrawn from: the original standard delivery is refunded too (L221-24).
    let whole_order = order.lines.iter().all(|line| {
        lines
            .iter()
            .find(|l| l.line_id == line.line_id)
            .is_some_and(|l| {
                l.quantity.get()
                    + returns
                        .already_returned
                        .get(&line.line_id)
                        .copied()
                        .unwrap_or(0)
                    >= line.quantity.get()
            })
    });
    let original_shipping =
        (withdrawal && whole_order && order.shipping.is_positive()).then_some(order.shipping);
    // C. conso L221-24: the refund is due within 14 days of the notice of withdrawal.
    let refund_due_by = if withdrawal {
        refund_due(today, None, false, &ctx.law.refund, &ctx.law.calendar).map(|due| due.due_by)
    } else {
        None
    };
    let mut events = vec![CaseEvent::ReturnRequested {
        policy: returns.policy_ref.clone(),
        lines: lines.clone(),
        // Sending back a faulty item costs the buyer nothing (C. conso L217-11).
        return_shipping: if conformity_return {
            crate::returns::ReturnShipping::Merchant
        } else {
            returns.policy.return_shipping
        },
        preferred: *preferred,
        original_shipping,
        refund_due_by,
        allowed_resolutions: returns.policy.allowed_resolutions.clone(),
        store_credit_bonus_percent: returns.policy.store_credit_bonus_percent,
    }];
    if let Some(auto) = &returns.policy.auto_approve {
        let value: i64 = lines
            .iter()
            .map(|l| {
                l.unit_price
                    .amount_minor
                    .saturating_mul(i64::from(l.quantity.get()))
            })
            .sum();
        let small_enough = auto
            .max_amount
            .is_none_or(|max| max.currency == order.currency && value <= max.amount_minor);
        let not_flagged = auto
            .max_recent_returns
            .is_none_or(|max| returns.recent_returns < max);
        if small_enough && not_flagged {
            events.push(CaseEvent::ReturnAuthorised {
                rma: rma_for(case_id),
                returnless: lines.iter().all(|l| l.returnless),
                automatic: true,
            });
        }
    }
    Ok(events)
}

/// The quantity asked for, against what was delivered and what other returns took.
fn check_quantity(
    order: &Order,
    returns: &ReturnContext,
    item: &CaseItem,
    line: &crate::order::OrderLine,
    field: &str,
) -> Result<crate::order::Quantity, Rejection> {
    let taken = returns
        .already_returned
        .get(&item.line_id)
        .copied()
        .unwrap_or(0);
    let delivered = delivered_quantity(order, &item.line_id);
    let ceiling = delivered.unwrap_or(line.quantity.get());
    if taken >= ceiling {
        return Err(invalid(
            &format!("{field}.quantity"),
            "return.already_returned",
            "every unit of this line is already in another return",
        ));
    }
    if item.quantity.get() > ceiling - taken {
        return Err(invalid(
            &format!("{field}.quantity"),
            if delivered.is_some_and(|d| d < line.quantity.get()) {
                "return.quantity_exceeds_delivered"
            } else {
                "return.quantity_exceeds_returnable"
            },
            format!("at most {} can still be returned", ceiling - taken),
        ));
    }
    Ok(item.quantity)
}

/// Reasons that say the goods were not as agreed: the guarantee of conformity
/// (C. conso L217-3 ff.) rather than the withdrawal right.
fn is_conformity(reason: &crate::reason::ReasonCode) -> bool {
    use crate::reason::BuiltinReason as R;
    matches!(
        reason.root(),
        R::Defective | R::NotAsDescribed | R::WrongItem | R::DamagedInTransit
    )
}

/// The day the line was delivered (its last parcel), in the law's zone.
fn delivered_on(
    order: &Order,
    line_id: &crate::ids::LineId,
    ctx: &Context<'_>,
) -> Option<jiff::civil::Date> {
    order
        .shipments
        .iter()
        .filter(|s| s.lines.iter().any(|l| &l.line_id == line_id))
        .filter_map(|s| s.delivered_at)
        .max()
        .map(|at| ctx.law.date_of(at))
}

fn delivered_quantity(order: &Order, line_id: &crate::ids::LineId) -> Option<u32> {
    let mut any = false;
    let mut total = 0u32;
    for shipment in order.shipments.iter().filter(|s| s.delivered_at.is_some()) {
        for line in shipment.lines.iter().filter(|l| &l.line_id == line_id) {
            any = true;
            total = total.saturating_add(line.quantity.get());
        }
    }
    any.then_some(total)
}

fn order_delivered(order: &Order, line_id: &crate::ids::LineId) -> bool {
    delivered_quantity(order, line_id).is_some()
}

fn return_stage(
    command: &Command,
    state: &CaseState,
    allowed: &[ReturnStage],
) -> Result<(), Rejection> {
    let progress = state.returns.as_ref().ok_or_else(|| {
        invalid(
            "case_id",
            "return.not_a_return",
            "this case has no return to act on",
        )
    })?;
    if allowed.contains(&progress.stage) {
        Ok(())
    } else {
        Err(Rejection::ReturnStage {
            command: command.name(),
            stage: progress.stage,
        })
    }
}

fn check_money(amount: &Money, ledger: &OrderLedger, field: &str) -> Result<(), Rejection> {
    if amount.currency != ledger.currency() {
        return Err(invalid(
            &format!("{field}.currency"),
            "money.currency_mismatch",
            format!("must be in {}, the order's currency", ledger.currency()),
        ));
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

fn check_deductions(
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
            ));
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
        for entry in entries(Some(state), event) {
            ledger.apply(&entry).map_err(|error| match error {
                LedgerError::ExceedsRefundable { refundable } => invalid(
                    &format!("{field}.amount_minor"),
                    "refund.exceeds_refundable",
                    format!("only {refundable} remains refundable on this order"),
                ),
                LedgerError::Currency => invalid(
                    &format!("{field}.currency"),
                    "money.currency_mismatch",
                    "must be in the order's currency",
                ),
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
            let lines: i64 = progress
                .lines
                .iter()
                .map(|l| {
                    l.unit_price
                        .amount_minor
                        .saturating_mul(i64::from(l.quantity.get()))
                })
                .fold(0i64, i64::saturating_add);
            let shipping = progress.original_shipping.map_or(0, |m| m.amount_minor);
            Money::new(lines.saturating_add(shipping), state.order_total.currency)
        }
        // What was claimed, or more when an accepted offer or a decision awarded more;
        // never beyond the order.
        None => {
            let agreed = state.resolution.as_ref().and_then(|r| match r.kind {
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

/// The amount a resolution agreed to give back (`None`: nothing in money).
fn agreed_amount(state: &CaseState) -> Option<i64> {
    let resolution = state.resolution.as_ref()?;
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
fn money_status(command: &Command, state: &CaseState) -> Result<(), Rejection> {
    if state.status == Open || agreed_not_paid(state) {
        Ok(())
    } else {
        require_status(command, state, &[Open])
    }
}

/// A case resolved (or closed) with money terms — an accepted offer, a decision, a refund
/// that then failed — that has not given back what was agreed: money commands still run.
fn agreed_not_paid(state: &CaseState) -> bool {
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
        ));
    }
    Ok(())
}

/// Refunds are not possible before a return is authorised, nor after a refusal.
fn refund_stage(command: &Command, state: &CaseState) -> Result<(), Rejection> {
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

/// Decides the return-lifecycle and money commands.
pub(super) fn decide_return_or_money(
    state: &CaseState,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<CaseEvent>, Rejection> {
    let party = ctx.actor.party();
    let events = match command {
        Command::AuthoriseReturn { returnless } => {
            require_party(command, party, &[Merchant, Operator])?;
            require_status(command, state, &[Open])?;
            return_stage(command, state, &[ReturnStage::Requested])?;
            vec![CaseEvent::ReturnAuthorised {
                rma: rma_for(&state.case_id),
                returnless: *returnless,
                automatic: false,
            }]
        }
        Command::RefuseReturn { ground } => {
            require_party(command, party, &[Merchant, Operator])?;
            require_status(command, state, &[Open])?;
            if given_back(state) > 0 || state.exchange.is_some() {
                return Err(invalid(
                    "case_id",
                    "case.money_moved",
                    "money was given back on this return: it cannot be refused now",
                ));
            }
            return_stage(
                command,
                state,
                &[
                    ReturnStage::Requested,
                    ReturnStage::Received,
                    ReturnStage::Inspected,
                ],
            )?;
            vec![CaseEvent::ReturnRefused {
                ground: ground.clone(),
            }]
        }
        Command::IssueLabel { label } => {
            require_party(command, party, &[Merchant, Operator, System])?;
            require_status(command, state, &[Open])?;
            let progress = state.returns.as_ref();
            if progress.is_some_and(|p| p.stage == ReturnStage::Requested || p.rma.is_none()) {
                return Err(invalid(
                    "rma",
                    "label.return_not_authorised",
                    "a label is issued for an authorised return",
                ));
            }
            return_stage(
                command,
                state,
                &[ReturnStage::Authorised, ReturnStage::LabelExpired],
            )?;
            if progress.is_some_and(|p| p.returnless) {
                return Err(invalid(
                    "rma",
                    "label.returnless",
                    "the buyer keeps the items: no label",
                ));
            }
            if label.expires_at <= ctx.now {
                return Err(invalid(
                    "expires_at",
                    "label.expired",
                    "a label expires in the future",
                ));
            }
            if label.parcel_count == 0 || label.weight_grams == 0 {
                return Err(invalid(
                    "parcel_count",
                    "label.invalid_parcel",
                    "at least one parcel, of some weight",
                ));
            }
            vec![CaseEvent::LabelIssued {
                label: label.clone(),
            }]
        }
        Command::ExpireLabel => {
            require_party(command, party, &[System])?;
            require_status(command, state, &[Open])?;
            return_stage(command, state, &[ReturnStage::LabelIssued])?;
            let expires_at = state
                .returns
                .as_ref()
                .and_then(|r| r.label.as_ref())
                .map(|l| l.expires_at);
            if expires_at.is_none_or(|at| at > ctx.now) {
                return Err(invalid(
                    "expires_at",
                    "label.not_expired",
                    "the label is still valid",
                ));
            }
            vec![CaseEvent::LabelExpired {}]
        }
        Command::RecordParcelScan {
            status,
            scanned_at,
            location,
            carrier_event_id,
        } => {
            require_party(command, party, &[Merchant, Operator, System, Provider])?;
            require_status(command, state, &[Open, CaseStatus::Resolved])?;
            return_stage(
                command,
                state,
                &[
                    ReturnStage::LabelIssued,
                    ReturnStage::LabelExpired,
                    ReturnStage::InTransit,
                    ReturnStage::Delivered,
                    ReturnStage::Lost,
                    ReturnStage::Received,
                    ReturnStage::Inspected,
                ],
            )?;
            let progress = state.returns.as_ref().ok_or(Rejection::NotOpened)?;
            if let Some(id) = carrier_event_id
                && progress
                    .carrier_events
                    .iter()
                    .any(|seen| seen == id.as_str())
            {
                // The carrier pushed the same event again: recorded once.
                return Ok(Vec::new());
            }
            if *scanned_at
                > ctx
                    .now
                    .saturating_add(jiff::SignedDuration::from_hours(1))
                    .unwrap_or(ctx.now)
            {
                return Err(invalid(
                    "scanned_at",
                    "tracking.in_the_future",
                    "a scan cannot be in the future",
                ));
            }
            vec![CaseEvent::ParcelScanned {
                status: *status,
                scanned_at: *scanned_at,
                location: location.clone(),
                carrier_event_id: carrier_event_id.clone(),
            }]
        }
        Command::ReceiveReturn { lines } => {
            require_party(command, party, &[Merchant, Operator])?;
            require_status(command, state, &[Open])?;
            return_stage(
                command,
                state,
                &[
                    ReturnStage::Authorised,
                    ReturnStage::LabelIssued,
                    ReturnStage::LabelExpired,
                    ReturnStage::InTransit,
                    ReturnStage::Delivered,
                    ReturnStage::Lost,
                ],
            )?;
            let progress = state.returns.as_ref().ok_or(Rejection::NotOpened)?;
            if progress.returnless {
                return Err(invalid(
                    "lines",
                    "return.returnless",
                    "the buyer keeps the items: nothing to receive",
                ));
            }
            check_lines(
                lines.iter().map(|l| (&l.line_id, l.quantity)),
                progress,
                "lines",
            )?;
            vec![CaseEvent::ReturnReceived {
                lines: lines.clone(),
            }]
        }
        Command::InspectReturn { lines } => {
            require_party(command, party, &[Merchant, Operator])?;
            require_status(command, state, &[Open])?;
            return_stage(command, state, &[ReturnStage::Received])?;
            let progress = state.returns.as_ref().ok_or(Rejection::NotOpened)?;
            if lines.is_empty() {
                return Err(invalid(
                    "lines",
                    "return.lines_required",
                    "name at least one line",
                ));
            }
            let mut seen = std::collections::BTreeSet::new();
            for (index, line) in lines.iter().enumerate() {
                let field = format!("lines[{index}]");
                let Some(received) = progress.received.iter().find(|r| r.line_id == line.line_id)
                else {
                    return Err(invalid(
                        &format!("{field}.line_id"),
                        "return.line_not_received",
                        "this line was not received",
                    ));
                };
                if !seen.insert(&line.line_id) {
                    return Err(invalid(
                        &format!("{field}.line_id"),
                        "case.duplicate_line",
                        "each line appears once",
                    ));
                }
                let returned = progress
                    .lines
                    .iter()
                    .find(|l| l.line_id == line.line_id)
                    .map(|l| l.unit_price);
                let Some(unit_price) = returned else {
                    return Err(invalid(
                        &format!("{field}.line_id"),
                        "return.line_not_in_return",
                        "this line is not in the return",
                    ));
                };
                let total = check_deductions(
                    &line.deductions,
                    unit_price.currency,
                    &format!("{field}.deductions"),
                )?;
                let value = unit_price
                    .amount_minor
                    .saturating_mul(i64::from(received.quantity));
                if total > value {
                    return Err(invalid(
                        &format!("{field}.deductions"),
                        "return.deductions_exceed_value",
                        "deductions exceed what came back",
                    ));
                }
                if line.compliant && !line.deductions.is_empty() {
                    return Err(invalid(
                        &format!("{field}.deductions"),
                        "return.deductions_on_compliant",
                        "a compliant line has no deductions",
                    ));
                }
            }
            vec![CaseEvent::ReturnInspected {
                lines: lines.clone(),
            }]
        }
        Command::Refund {
            amount,
            deductions,
            gateway,
            resolve,
        } => {
            require_party(command, party, &[Merchant, Operator, System])?;
            money_status(command, state)?;
            refund_stage(command, state)?;
            let ledger = ledger(ctx)?;
            let total_deducted = check_deductions(deductions, ledger.currency(), "deductions")?;
            let (suggested, mut itemised) = match &state.returns {
                Some(progress) => progress
                    .suggested_refund()
                    .map_err(|_| invalid("amount", "money.overflow", "amounts overflow"))?,
                None => (state.claimed.unwrap_or(state.order_total), Vec::new()),
            };
            // Deductions come out of what the case is worth, never more.
            if total_deducted > suggested.amount_minor.max(0) {
                return Err(invalid(
                    "deductions",
                    "return.deductions_exceed_value",
                    format!("deductions exceed the {suggested} the case calls for"),
                ));
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
            let mut events = vec![CaseEvent::RefundRecorded {
                refund_id: state.refunds.len() as u32 + 1,
                amount,
                deductions: itemised.clone(),
                gateway: gateway.clone(),
                late,
            }];
            check_ledger(state, ledger, &events, "amount")?;
            if *resolve && state.status == Open {
                // At least what the case calls for, with nothing kept back: a full refund.
                let full = itemised.is_empty() && amount.amount_minor >= suggested.amount_minor;
                let kind = match (state.returns.is_some(), full) {
                    (true, true) => ResolutionKind::ReturnAndRefund,
                    (false, true) if amount == state.order_total => ResolutionKind::FullRefund,
                    _ => ResolutionKind::PartialRefund,
                };
                let amount =
                    (amount.amount_minor <= state.order_total.amount_minor).then_some(amount);
                events.push(CaseEvent::Resolved {
                    resolution: resolved(kind, amount),
                });
            }
            events
        }
        Command::SettleRefund {
            refund_id,
            reference,
        }
        | Command::FailRefund {
            refund_id,
            error: reference,
        } => {
            require_party(command, party, &[Merchant, Operator, System])?;
            let Some(pending) = state
                .refunds
                .iter()
                .find(|r| r.refund_id == *refund_id && r.status == RefundStatus::Pending)
            else {
                return Err(invalid(
                    "refund_id",
                    "refund.not_pending",
                    format!("refund {refund_id} is not waiting for the gateway"),
                ));
            };
            // A refund executed by a payment gateway is settled or failed by that gateway
            // only; a person records the outcome of refunds made outside amiable (`manual`).
            if pending.gateway.as_str() != "manual" && party != System {
                return Err(invalid(
                    "refund_id",
                    "refund.gateway_owned",
                    format!("refund {refund_id} is executed by {}", pending.gateway),
                ));
            }
            match command {
                Command::SettleRefund { .. } => {
                    // What counts is the day the buyer is paid: a refund recorded on time
                    // but paid after the deadline is late.
                    // Recomputed on the day of payment; recorded only when it adds to what the
                    // refund already carried (the ledger owes the difference).
                    let surcharge = |late: Option<&LateRefund>| match late.map(|l| l.surcharge) {
                        Some(Surcharge::Percent { amount, .. }) => amount.amount_minor,
                        _ => 0,
                    };
                    let late =
                        lateness(state, pending.amount, ctx, Some(*refund_id)).filter(|now| {
                            pending.late.is_none()
                                || surcharge(Some(now)) > surcharge(pending.late.as_ref())
                        });
                    vec![CaseEvent::RefundSettled {
                        refund_id: *refund_id,
                        reference: reference.clone(),
                        late,
                    }]
                }
                _ => vec![CaseEvent::RefundFailed {
                    refund_id: *refund_id,
                    error: reference.clone(),
                }],
            }
        }
        Command::IssueStoreCredit {
            amount,
            bonus_percent,
            resolve,
        } => {
            require_party(command, party, &[Merchant, Operator])?;
            money_status(command, state)?;
            refund_stage(command, state)?;
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
                (None, None) => {
                    return Err(invalid(
                        "amount",
                        "resolution.amount_required",
                        "this resolution needs an amount",
                    ));
                }
            };
            check_money(&amount, ledger, "amount")?;
            check_case_ceiling(state, &amount, "amount")?;
            let percent = bonus_percent
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
                i64::try_from((i128::from(amount.amount_minor) * i128::from(percent)) / 100)
                    .unwrap_or(0),
                amount.currency,
            );
            // Under the withdrawal right the refund is by the means of payment used, unless
            // the buyer expressly agrees to another (C. conso L221-24): their preference or an
            // accepted offer says so.
            if let Some(progress) = &state.returns {
                let withdrawal = progress.lines.iter().any(|l| l.basis != "policy");
                let agreed = progress.preferred == Some(ResolutionKind::StoreCredit)
                    || state.offers.iter().any(|o| {
                        o.status == super::state::OfferStatus::Accepted
                            && o.terms.kind == ResolutionKind::StoreCredit
                    });
                if withdrawal && !agreed {
                    return Err(invalid(
                        "amount",
                        "return.buyer_consent_required",
                        "a withdrawal is refunded by the original means of payment unless the buyer chose store credit",
                    ));
                }
            }
            let mut events = vec![CaseEvent::StoreCreditIssued { amount, bonus }];
            check_ledger(state, ledger, &events, "amount")?;
            if *resolve && state.status == Open {
                let mut resolution = resolved(ResolutionKind::StoreCredit, Some(amount));
                resolution.bonus_percent = (percent > 0).then_some(percent);
                events.push(CaseEvent::Resolved { resolution });
            }
            events
        }
        Command::RecordExchange { lines, gateway } => {
            require_party(command, party, &[Merchant, Operator])?;
            money_status(command, state)?;
            if given_back(state) > 0 {
                return Err(invalid(
                    "lines",
                    "exchange.after_money_moved",
                    "this case already gave money or goods back",
                ));
            }
            refund_stage(command, state)?;
            let ledger = ledger(ctx)?;
            if let Some(progress) = &state.returns {
                let withdrawal = progress.lines.iter().any(|l| l.basis != "policy");
                let agreed = progress.preferred == Some(ResolutionKind::Exchange)
                    || state.offers.iter().any(|o| {
                        o.status == super::state::OfferStatus::Accepted
                            && o.terms.kind == ResolutionKind::Exchange
                    });
                if withdrawal && !agreed {
                    return Err(invalid(
                        "lines",
                        "return.buyer_consent_required",
                        "a withdrawal is refunded unless the buyer chose an exchange",
                    ));
                }
            }
            if lines.is_empty() {
                return Err(invalid(
                    "lines",
                    "exchange.lines_required",
                    "name what is sent in exchange",
                ));
            }
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
                    ));
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
            let difference = Money::new(difference, ledger.currency());
            let mut events = vec![CaseEvent::ExchangeRecorded {
                lines: lines.clone(),
                difference,
            }];
            if difference.amount_minor < 0 {
                events.push(CaseEvent::RefundRecorded {
                    refund_id: state.refunds.len() as u32 + 1,
                    amount: Money::new(-difference.amount_minor, difference.currency),
                    deductions: Vec::new(),
                    gateway: gateway.clone(),
                    late: None,
                });
            }
            check_ledger(state, ledger, &events, "lines")?;
            if state.status == Open {
                events.push(CaseEvent::Resolved {
                    resolution: resolved(ResolutionKind::Exchange, None),
                });
            }
            events
        }
        Command::Compensate {
            kind,
            amount,
            note,
            resolve,
        } => {
            require_party(command, party, &[Merchant, Operator])?;
            require_status(command, state, &[Open, CaseStatus::Resolved])?;
            let ledger = ledger(ctx)?;
            check_money(amount, ledger, "amount")?;
            // A gesture is bounded: all of an order's compensation at most what the buyer paid.
            if amount.amount_minor > ledger.captured.amount_minor - ledger.compensation.amount_minor
            {
                return Err(invalid(
                    "amount.amount_minor",
                    "compensation.exceeds_order",
                    format!(
                        "the order's compensation would exceed the {} paid",
                        ledger.captured
                    ),
                ));
            }
            let mut events = vec![CaseEvent::CompensationRecorded {
                kind: *kind,
                amount: *amount,
                note: note.clone(),
            }];
            check_ledger(state, ledger, &events, "amount")?;
            if *resolve && state.status == Open {
                let mut resolution = resolved(ResolutionKind::Goodwill, Some(*amount));
                resolution.goodwill = Some(*kind);
                resolution.note = note.clone();
                events.push(CaseEvent::Resolved { resolution });
            }
            events
        }
        Command::SendReminder { topic } => {
            require_party(command, party, &[System])?;
            require_status(command, state, &[Open])?;
            let progress = state.returns.as_ref().ok_or_else(|| {
                invalid("case_id", "return.not_a_return", "this case has no return")
            })?;
            let due_by = progress.refund_due_by.ok_or_else(|| {
                invalid("topic", "reminder.nothing_due", "no legal refund deadline")
            })?;
            if progress.reminders.contains(topic) || state.refunded() > 0 {
                return Ok(Vec::new());
            }
            vec![CaseEvent::ReminderSent {
                topic: *topic,
                due_by,
            }]
        }
        _ => return Err(Rejection::NotOpened),
    };
    Ok(events)
}

fn check_lines<'a>(
    lines: impl Iterator<Item = (&'a crate::ids::LineId, u32)>,
    progress: &super::state::ReturnProgress,
    field: &str,
) -> Result<(), Rejection> {
    let mut seen: BTreeMap<&crate::ids::LineId, ()> = BTreeMap::new();
    let mut any = false;
    for (index, (line_id, quantity)) in lines.enumerate() {
        any = true;
        let field = format!("{field}[{index}]");
        let Some(line) = progress.lines.iter().find(|l| &l.line_id == line_id) else {
            return Err(invalid(
                &format!("{field}.line_id"),
                "return.line_not_in_return",
                "this line is not in the return",
            ));
        };
        if seen.insert(line_id, ()).is_some() {
            return Err(invalid(
                &format!("{field}.line_id"),
                "case.duplicate_line",
                "each line appears once",
            ));
        }
        if quantity > line.quantity.get() {
            return Err(invalid(
                &format!("{field}.quantity"),
                "return.received_exceeds_returned",
                format!("{} were to come back", line.quantity.get()),
            ));
        }
    }
    if !any {
        return Err(invalid(
            field,
            "return.lines_required",
            "name at least one line",
        ));
    }
    Ok(())
}

/// The ledger entries a command's events make, for the store to apply.
pub fn ledger_entries(state: Option<&CaseState>, events: &[CaseEvent]) -> Vec<LedgerEntry> {
    events.iter().flat_map(|e| entries(state, e)).collect()
}
