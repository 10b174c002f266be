//! The returns family: a return's journey after it is asked for —
//! authorisation (RMA number) or refusal, the prepaid label, the carrier's
//! scans, receipt and inspection. The money that settles a return is the
//! money family's.

use super::decide::{Context, Rejection};
use super::event::CaseEvent;
use super::guards::{invalid, require_party, require_status};
use super::model::*;
use super::money::check_deductions;
use super::state::CaseState;
use crate::law::refund::refund_due;
use crate::money::{Money, MoneyError};
use crate::order::{Order, OrderLine};
use crate::reason::ReasonCode;
use crate::returns::{
    Basis, LineEligibility, ReturnContext, ReturnPolicy, ReturnShipping, rma_for,
};
use crate::text::Label;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use CaseStatus::Open;
use Party::{Merchant, Operator, Provider, System};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum ReturnCommand {
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
    /// The buyer says they sent the parcel themselves (no prepaid label): the
    /// carrier, the tracking number, when, and a photo of the deposit receipt.
    DeclareShipment {
        shipment: DeclaredShipment,
    },
}

/// A return parcel the buyer sent at their own cost, as they declare it: their
/// proof of shipment (C. conso L221-24: the merchant may hold the refund until
/// the goods are back *or the buyer proves having sent them*, whichever is first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeclaredShipment {
    pub carrier: Label,
    pub tracking_number: Label,
    pub shipped_at: Timestamp,
    /// The photo or PDF of the deposit receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub receipt: Option<AttachmentRef>,
}

impl ReturnCommand {
    pub const NAMES: &'static [&'static str] = &[
        "authorise_return",
        "refuse_return",
        "issue_label",
        "expire_label",
        "record_parcel_scan",
        "receive_return",
        "inspect_return",
        "declare_shipment",
    ];

    pub fn name(&self) -> &'static str {
        match self {
            ReturnCommand::AuthoriseReturn { .. } => "authorise_return",
            ReturnCommand::RefuseReturn { .. } => "refuse_return",
            ReturnCommand::IssueLabel { .. } => "issue_label",
            ReturnCommand::ExpireLabel => "expire_label",
            ReturnCommand::RecordParcelScan { .. } => "record_parcel_scan",
            ReturnCommand::ReceiveReturn { .. } => "receive_return",
            ReturnCommand::InspectReturn { .. } => "inspect_return",
            ReturnCommand::DeclareShipment { .. } => "declare_shipment",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReturnEvent {
    /// A return asked for, with each line judged against the policy and the law.
    ReturnRequested {
        policy: PolicyRef,
        lines: Vec<ReturnLine>,
        return_shipping: ReturnShipping,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        preferred: Option<ResolutionKind>,
        /// Original standard delivery costs, refundable when the whole order is
        /// withdrawn from (C. conso L221-24).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        original_shipping: Option<Money>,
        /// The legal refund deadline, for a return under the withdrawal right (L221-24).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        refund_due_by: Option<Date>,
        /// What the policy offers instead of a refund.
        allowed_resolutions: Vec<ResolutionKind>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        store_credit_bonus_percent: Option<u8>,
    },
    ReturnAuthorised {
        rma: String,
        /// The buyer keeps the items (returnless refund).
        returnless: bool,
        /// Granted by the policy's auto-approval rules rather than by a person.
        automatic: bool,
    },
    ReturnRefused {
        ground: Label,
    },
    LabelIssued {
        label: ReturnLabel,
    },
    LabelExpired {},
    ParcelScanned {
        status: ParcelStatus,
        scanned_at: Timestamp,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        location: Option<Label>,
        /// The carrier's id for the event, so a pushed event is recorded once.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        carrier_event_id: Option<Label>,
    },
    ReturnReceived {
        lines: Vec<ReceivedLine>,
    },
    ReturnInspected {
        lines: Vec<InspectedLine>,
    },
    /// The buyer's own proof of shipment.
    ShipmentDeclared {
        shipment: DeclaredShipment,
    },
}

impl ReturnEvent {
    pub const TYPES: &'static [&'static str] = &[
        "return_requested",
        "return_authorised",
        "return_refused",
        "label_issued",
        "label_expired",
        "parcel_scanned",
        "return_received",
        "return_inspected",
        "shipment_declared",
    ];

    pub fn event_type(&self) -> &'static str {
        match self {
            ReturnEvent::ReturnRequested { .. } => "return_requested",
            ReturnEvent::ReturnAuthorised { .. } => "return_authorised",
            ReturnEvent::ReturnRefused { .. } => "return_refused",
            ReturnEvent::LabelIssued { .. } => "label_issued",
            ReturnEvent::LabelExpired {} => "label_expired",
            ReturnEvent::ParcelScanned { .. } => "parcel_scanned",
            ReturnEvent::ReturnReceived { .. } => "return_received",
            ReturnEvent::ReturnInspected { .. } => "return_inspected",
            ReturnEvent::ShipmentDeclared { .. } => "shipment_declared",
        }
    }
}

/// The last thing a carrier said about the return parcel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParcelScan {
    pub status: ParcelStatus,
    pub scanned_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Label>,
}

/// Where a return stands: what was asked, granted, sent, received and inspected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnProgress {
    pub stage: ReturnStage,
    pub policy: PolicyRef,
    pub lines: Vec<ReturnLine>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub return_shipping: ReturnShipping,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred: Option<ResolutionKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_shipping: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rma: Option<String>,
    #[serde(default)]
    pub returnless: bool,
    #[serde(default)]
    pub automatic: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<ReturnLabel>,
    #[serde(default)]
    pub labels_issued: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_scan: Option<ParcelScan>,
    /// Carrier event ids already recorded (a pushed event is recorded once).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub carrier_events: Vec<String>,
    /// The first carrier scan or the buyer's declared shipment: the proof of shipment (L221-24).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipped_at: Option<Timestamp>,
    /// The parcel the buyer says they sent themselves (no prepaid label).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared: Option<DeclaredShipment>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub received: Vec<ReceivedLine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inspected: Vec<InspectedLine>,
    /// The legal refund deadline, for a return under the withdrawal right (L221-24).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub refund_due_by: Option<Date>,
    /// Reminders already sent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reminders: Vec<ReminderTopic>,
    /// What the policy offers (the buyer chooses among them).
    #[serde(default)]
    pub allowed_resolutions: Vec<ResolutionKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_credit_bonus_percent: Option<u8>,
}

impl ReturnProgress {
    /// The parcel has left the buyer: from then on a return is settled, not cancelled.
    pub fn parcel_left(&self) -> bool {
        match self.stage {
            ReturnStage::InTransit
            | ReturnStage::Delivered
            | ReturnStage::Lost
            | ReturnStage::Received
            | ReturnStage::Inspected => true,
            ReturnStage::Requested
            | ReturnStage::Authorised
            | ReturnStage::LabelIssued
            | ReturnStage::LabelExpired
            | ReturnStage::Refused => false,
        }
    }

    /// When the goods were back or proven sent: from then on the refund cannot be held (L221-24).
    pub fn goods_back_or_sent(&self) -> Option<Timestamp> {
        match (self.shipped_at, self.received_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The refund the return calls for: each line's price for what came back
    /// (or was asked for, when nothing is to come back), less restocking fees
    /// and inspection deductions, plus the original delivery costs when the
    /// whole order was withdrawn from. Deductions are itemised.
    /// What the lines sent back are worth at their price (minor units, saturating).
    pub fn lines_value(&self) -> i64 {
        self.lines
            .iter()
            .map(|l| {
                l.unit_price
                    .amount_minor
                    .saturating_mul(i64::from(l.quantity.get()))
            })
            .fold(0i64, i64::saturating_add)
    }

    pub fn suggested_refund(&self) -> Result<(Money, Vec<Deduction>), MoneyError> {
        let currency = self
            .lines
            .first()
            .map(|l| l.unit_price.currency)
            .or(self.original_shipping.map(|m| m.currency));
        let Some(currency) = currency else {
            return Err(MoneyError::Overflow);
        };
        let mut total = Money::zero(currency);
        let mut deductions = Vec::new();
        let all_back = self.received.is_empty() || {
            self.lines.iter().all(|line| {
                self.received
                    .iter()
                    .find(|r| r.line_id == line.line_id)
                    .is_some_and(|r| r.quantity >= line.quantity.get())
            })
        };
        for line in &self.lines {
            let quantity = if self.received.is_empty() || self.returnless {
                line.quantity.get()
            } else {
                self.received
                    .iter()
                    .find(|r| r.line_id == line.line_id)
                    .map_or(0, |r| r.quantity.min(line.quantity.get()))
            };
            total = total.checked_add(line.unit_price.checked_mul(i64::from(quantity))?)?;
            if let Some(fee) = line.restocking_fee
                && quantity > 0
            {
                deductions.push(Deduction {
                    label: Label::parse("restocking_fee").map_err(|_| MoneyError::Overflow)?,
                    amount: fee,
                });
            }
        }
        for inspected in &self.inspected {
            deductions.extend(inspected.deductions.iter().cloned());
        }
        if let Some(shipping) = self.original_shipping
            && all_back
        {
            total = total.checked_add(shipping)?;
        }
        for deduction in &deductions {
            total = total.checked_sub(deduction.amount)?;
        }
        if total.amount_minor < 0 {
            total = Money::zero(currency);
        }
        Ok((total, deductions))
    }
}

/// The return events that follow `Opened` for a case of kind `return`.
pub(super) fn open_return(
    items: &[CaseItem],
    preferred: Option<ResolutionKind>,
    reason: &ReasonCode,
    order: &Order,
    returns: &ReturnContext,
    ctx: &Context<'_>,
) -> Result<Vec<CaseEvent>, Rejection> {
    let today = ctx.law.date_of(ctx.now);
    let mut lines = Vec::with_capacity(items.len());
    let mut withdrawal = false;
    let mut conformity_return = false;
    for (index, item) in items.iter().enumerate() {
        let field = format!("items[{index}]");
        let unknown = || {
            invalid(
                &format!("{field}.line_id"),
                "case.unknown_line",
                "not in the order",
            )
            .with("line", item.line_id.as_str())
        };
        let line = order.line(&item.line_id).ok_or_else(unknown)?;
        let verdict = returns.line(&item.line_id).ok_or_else(unknown)?;
        let line_reason = item.reason.as_ref().unwrap_or(reason);
        // A faulty item goes back under the legal guarantee of conformity, not the
        // withdrawal right.
        if is_conformity(line_reason) {
            lines.push(conformity_line(
                order, returns, item, line, &field, today, ctx,
            )?);
            conformity_return = true;
            // Within the 14 days, the buyer also holds the withdrawal right, which needs no
            // reason: its refund deadline applies too (L221-18, L221-24).
            withdrawal |= verdict.withdrawal;
            continue;
        }
        if !verdict.eligible {
            return Err(not_returnable(order, item, verdict, &field));
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
        let restocking_fee = restocking_fee(verdict, line, item)?;
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
    check_preferred(preferred.as_ref(), &returns.policy)?;
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
    let mut events = vec![CaseEvent::from(ReturnEvent::ReturnRequested {
        policy: returns.policy_ref.clone(),
        lines: lines.clone(),
        // Sending back a faulty item costs the buyer nothing (C. conso L217-11).
        return_shipping: if conformity_return {
            crate::returns::ReturnShipping::Merchant
        } else {
            returns.policy.return_shipping
        },
        preferred,
        original_shipping,
        refund_due_by,
        allowed_resolutions: returns.policy.allowed_resolutions.clone(),
        store_credit_bonus_percent: returns.policy.store_credit_bonus_percent,
    })];
    // Nothing of it was shipped: withdrawing before delivery cancels the lines. There is
    // nothing to authorise or send back; the refund is due within 14 days (L221-24).
    let cancellation = !lines.is_empty()
        && lines.iter().all(|l| {
            returns
                .line(&l.line_id)
                .is_some_and(|verdict| !verdict.shipped)
        });
    if cancellation {
        events.push(CaseEvent::from(ReturnEvent::ReturnAuthorised {
            rma: rma_for(&returns.case_id),
            returnless: true,
            automatic: true,
        }));
    } else {
        events.extend(automatic_authorisation(returns, order, &lines).map(CaseEvent::from));
    }
    Ok(events)
}

/// A faulty line goes back under the legal guarantee of conformity (C. conso L217-3):
/// two years from delivery, whatever the policy or the flags.
fn conformity_line(
    order: &Order,
    returns: &ReturnContext,
    item: &CaseItem,
    line: &OrderLine,
    field: &str,
    today: Date,
    ctx: &Context<'_>,
) -> Result<ReturnLine, Rejection> {
    let quantity = check_quantity(order, returns, item, line, field)?;
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
    Ok(ReturnLine {
        line_id: item.line_id.clone(),
        quantity,
        unit_price: line.unit_price,
        until: Some(covered.until),
        basis: "C. conso L217-3".to_owned(),
        restocking_fee: None,
        returnless: false,
    })
}

/// Why a line the buyer asked to return cannot go back: an exception of the law, the
/// merchant's policy before delivery, or a period that is over.
fn not_returnable(
    order: &Order,
    item: &CaseItem,
    verdict: &LineEligibility,
    field: &str,
) -> Rejection {
    let line_id = format!("{field}.line_id");
    match (verdict.exception, verdict.basis) {
        (Some(exception), _) => {
            let exception = format!(
                "{}, {}",
                serde_json::to_value(exception.flag)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                exception.article
            );
            invalid(
                &line_id,
                "return.not_returnable",
                format!("this item cannot be returned ({exception})"),
            )
            .with("basis", "exception")
            .with("exception", exception)
        }
        _ if verdict.until.is_none() && !order_delivered(order, &item.line_id) => invalid(
            &line_id,
            "return.not_returnable",
            "this item cannot be returned under the merchant's policy",
        )
        .with("basis", "policy"),
        _ => invalid(
            &line_id,
            "return.window_closed",
            "the return period for this item is over",
        ),
    }
}

/// The policy's restocking fee on a line, a fixed amount or a share of its value
/// (rounded half up); none when it comes to nothing.
fn restocking_fee(
    verdict: &LineEligibility,
    line: &OrderLine,
    item: &CaseItem,
) -> Result<Option<Money>, Rejection> {
    Ok(match verdict.restocking_fee {
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
    .filter(|fee| fee.is_positive()))
}

/// The buyer's preferred resolution is one the merchant offers.
fn check_preferred(
    preferred: Option<&ResolutionKind>,
    policy: &ReturnPolicy,
) -> Result<(), Rejection> {
    let Some(kind) = preferred else {
        return Ok(());
    };
    if policy.allowed_resolutions.contains(kind) {
        return Ok(());
    }
    let allowed = policy
        .allowed_resolutions
        .iter()
        .map(|k| k.code())
        .collect::<Vec<_>>()
        .join(", ");
    Err(invalid(
        "preferred_resolution",
        "return.resolution_not_allowed",
        format!("the merchant offers: {allowed}"),
    )
    .with("allowed", allowed))
}

/// The policy authorises small returns from buyers who do not return often by itself.
fn automatic_authorisation(
    returns: &ReturnContext,
    order: &Order,
    lines: &[ReturnLine],
) -> Option<ReturnEvent> {
    let auto = returns.policy.auto_approve.as_ref()?;
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
    (small_enough && not_flagged).then(|| ReturnEvent::ReturnAuthorised {
        rma: rma_for(&returns.case_id),
        returnless: lines.iter().all(|l| l.returnless),
        automatic: true,
    })
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
        )
        .with("max", ceiling - taken));
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

pub(super) fn return_stage(
    command: &'static str,
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
            command,
            stage: progress.stage,
        })
    }
}

/// Terms agreed or decided that leave the goods with the buyer (a partial refund, store
/// credit, a gesture, a refund without return) leave nothing to authorise or send back:
/// no label for a parcel that will never move. A refund or an exchange against the
/// goods still wants them back.
fn goods_still_expected(state: &CaseState) -> Result<(), Rejection> {
    match &state.awaiting_payment {
        Some(awaiting)
            if !matches!(
                awaiting.terms.kind,
                ResolutionKind::ReturnAndRefund | ResolutionKind::Exchange
            ) =>
        {
            super::escalation::require_nothing_awaited(state)
        }
        _ => Ok(()),
    }
}

pub(super) fn decide(
    state: &CaseState,
    command: &ReturnCommand,
    ctx: &Context<'_>,
) -> Result<Vec<CaseEvent>, Rejection> {
    let party = ctx.actor.party();
    let name = command.name();
    let event = match command {
        ReturnCommand::AuthoriseReturn { returnless } => {
            require_party(name, party, &[Merchant, Operator])?;
            require_status(name, state, &[Open])?;
            goods_still_expected(state)?;
            return_stage(name, state, &[ReturnStage::Requested])?;
            ReturnEvent::ReturnAuthorised {
                rma: rma_for(&state.case_id),
                returnless: *returnless,
                automatic: false,
            }
        }
        ReturnCommand::RefuseReturn { ground } => {
            require_party(name, party, &[Merchant, Operator])?;
            require_status(name, state, &[Open])?;
            // Terms agreed or decided are paid, not refused.
            super::escalation::require_nothing_awaited(state)?;
            if state.given_back() > 0 || state.exchange.is_some() {
                return Err(invalid(
                    "case_id",
                    "case.money_moved",
                    "money was given back on this return: it cannot be refused now",
                ));
            }
            return_stage(
                name,
                state,
                &[
                    ReturnStage::Requested,
                    ReturnStage::Received,
                    ReturnStage::Inspected,
                ],
            )?;
            ReturnEvent::ReturnRefused {
                ground: ground.clone(),
            }
        }
        ReturnCommand::IssueLabel { label } => {
            require_party(name, party, &[Merchant, Operator, System])?;
            require_status(name, state, &[Open])?;
            goods_still_expected(state)?;
            check_label(state, ctx, name, label)?;
            ReturnEvent::LabelIssued {
                label: label.clone(),
            }
        }
        ReturnCommand::ExpireLabel => {
            require_party(name, party, &[System])?;
            require_status(name, state, &[Open])?;
            return_stage(name, state, &[ReturnStage::LabelIssued])?;
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
            ReturnEvent::LabelExpired {}
        }
        ReturnCommand::RecordParcelScan {
            status,
            scanned_at,
            location,
            carrier_event_id,
        } => match record_parcel_scan(
            state,
            ctx,
            name,
            *status,
            *scanned_at,
            location,
            carrier_event_id,
        )? {
            Some(event) => event,
            // The carrier pushed the same event again: recorded once.
            None => return Ok(Vec::new()),
        },
        ReturnCommand::ReceiveReturn { lines } => {
            require_party(name, party, &[Merchant, Operator])?;
            require_status(name, state, &[Open])?;
            return_stage(
                name,
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
            ReturnEvent::ReturnReceived {
                lines: lines.clone(),
            }
        }
        ReturnCommand::InspectReturn { lines } => {
            require_party(name, party, &[Merchant, Operator])?;
            require_status(name, state, &[Open])?;
            return_stage(name, state, &[ReturnStage::Received])?;
            let progress = state.returns.as_ref().ok_or(Rejection::NotOpened)?;
            if lines.is_empty() {
                return Err(invalid(
                    "lines",
                    "return.lines_required",
                    "name at least one line",
                ));
            }
            check_inspection(progress, lines)?;
            ReturnEvent::ReturnInspected {
                lines: lines.clone(),
            }
        }
        ReturnCommand::DeclareShipment { shipment } => {
            declare_shipment(state, ctx, name, shipment)?;
            ReturnEvent::ShipmentDeclared {
                shipment: shipment.clone(),
            }
        }
    };
    Ok(vec![event.into()])
}

/// The buyer (or the shop on their behalf) declares a parcel sent without a
/// label of ours: once, for an authorised return with goods to send back, never
/// dated in the future.
fn declare_shipment(
    state: &CaseState,
    ctx: &Context<'_>,
    name: &'static str,
    shipment: &DeclaredShipment,
) -> Result<(), Rejection> {
    require_party(name, ctx.actor.party(), &[Party::Buyer, Merchant, Operator])?;
    require_status(name, state, &[Open])?;
    goods_still_expected(state)?;
    let progress = state.returns.as_ref().ok_or(Rejection::NotOpened)?;
    if progress.declared.is_some() || progress.shipped_at.is_some() {
        return Err(invalid(
            "tracking_number",
            "return.shipment_already_known",
            "the parcel's shipment is already on record",
        ));
    }
    return_stage(
        name,
        state,
        &[
            ReturnStage::Authorised,
            ReturnStage::LabelIssued,
            ReturnStage::LabelExpired,
        ],
    )?;
    if progress.returnless {
        return Err(invalid(
            "tracking_number",
            "return.returnless",
            "the buyer keeps the items: nothing to send",
        ));
    }
    let tolerance = ctx
        .now
        .saturating_add(jiff::SignedDuration::from_hours(1))
        .unwrap_or(ctx.now);
    if shipment.shipped_at > tolerance {
        return Err(invalid(
            "shipped_at",
            "tracking.in_the_future",
            "a parcel cannot be sent in the future",
        ));
    }
    if let Some(receipt) = &shipment.receipt {
        super::conversation::check_attachment(receipt)?;
    }
    Ok(())
}

/// A label is issued for an authorised return that has goods to send back, and is
/// valid from now on for at least one parcel of some weight.
fn check_label(
    state: &CaseState,
    ctx: &Context<'_>,
    name: &'static str,
    label: &ReturnLabel,
) -> Result<(), Rejection> {
    let progress = state.returns.as_ref();
    if progress.is_some_and(|p| p.stage == ReturnStage::Requested || p.rma.is_none()) {
        return Err(invalid(
            "rma",
            "label.return_not_authorised",
            "a label is issued for an authorised return",
        ));
    }
    return_stage(
        name,
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
    Ok(())
}

/// A carrier's scan of the return parcel; `None` when the carrier sent that event before.
fn record_parcel_scan(
    state: &CaseState,
    ctx: &Context<'_>,
    name: &'static str,
    status: ParcelStatus,
    scanned_at: Timestamp,
    location: &Option<Label>,
    carrier_event_id: &Option<Label>,
) -> Result<Option<ReturnEvent>, Rejection> {
    let party = ctx.actor.party();
    require_party(name, party, &[Merchant, Operator, System, Provider])?;
    require_status(name, state, &[Open, CaseStatus::Resolved])?;
    return_stage(
        name,
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
        return Ok(None);
    }
    if scanned_at
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
    Ok(Some(ReturnEvent::ParcelScanned {
        status,
        scanned_at,
        location: location.clone(),
        carrier_event_id: carrier_event_id.clone(),
    }))
}

/// Each inspected line was received and is in the return, once; its deductions, in the
/// line's currency, never exceed what came back, and a compliant line has none.
fn check_inspection(progress: &ReturnProgress, lines: &[InspectedLine]) -> Result<(), Rejection> {
    let mut seen = std::collections::BTreeSet::new();
    for (index, line) in lines.iter().enumerate() {
        let field = format!("lines[{index}]");
        let Some(received) = progress.received.iter().find(|r| r.line_id == line.line_id) else {
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
            )
            .with("value", Money::new(value, unit_price.currency)));
        }
        if line.compliant && !line.deductions.is_empty() {
            return Err(invalid(
                &format!("{field}.deductions"),
                "return.deductions_on_compliant",
                "a compliant line has no deductions",
            ));
        }
    }
    Ok(())
}

fn check_lines<'a>(
    lines: impl Iterator<Item = (&'a crate::ids::LineId, u32)>,
    progress: &ReturnProgress,
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
            )
            .with("max", line.quantity.get()));
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

pub(super) fn evolve(state: &mut CaseState, event: &ReturnEvent, at: Timestamp) {
    match event {
        ReturnEvent::ReturnRequested {
            policy,
            lines,
            return_shipping,
            preferred,
            original_shipping,
            refund_due_by,
            allowed_resolutions,
            store_credit_bonus_percent,
        } => {
            state.returns = Some(ReturnProgress {
                stage: ReturnStage::Requested,
                policy: policy.clone(),
                lines: lines.clone(),
                return_shipping: *return_shipping,
                preferred: *preferred,
                original_shipping: *original_shipping,
                rma: None,
                returnless: false,
                automatic: false,
                label: None,
                labels_issued: 0,
                last_scan: None,
                carrier_events: Vec::new(),
                shipped_at: None,
                declared: None,
                received: Vec::new(),
                received_at: None,
                inspected: Vec::new(),
                refund_due_by: *refund_due_by,
                reminders: Vec::new(),
                allowed_resolutions: allowed_resolutions.clone(),
                store_credit_bonus_percent: *store_credit_bonus_percent,
            });
            state.waiting_on = Some(Party::Merchant);
        }
        ReturnEvent::ReturnAuthorised {
            rma,
            returnless,
            automatic,
        } => {
            if let Some(r) = &mut state.returns {
                r.stage = ReturnStage::Authorised;
                r.rma = Some(rma.clone());
                r.returnless = *returnless;
                r.automatic = *automatic;
            }
            state.waiting_on = Some(Party::Merchant);
        }
        ReturnEvent::ReturnRefused { ground } => {
            if let Some(r) = &mut state.returns {
                r.stage = ReturnStage::Refused;
            }
            let mut refusal = Resolution::simple(ResolutionKind::Refusal);
            refusal.note = Some(ground.clone());
            state.resolve(refusal, at);
        }
        ReturnEvent::LabelIssued { label } => {
            if let Some(r) = &mut state.returns {
                r.stage = ReturnStage::LabelIssued;
                r.label = Some(label.clone());
                r.labels_issued += 1;
            }
            state.attachments += 1;
            state.waiting_on = Some(Party::Buyer);
        }
        ReturnEvent::LabelExpired {} => {
            if let Some(r) = &mut state.returns {
                r.stage = ReturnStage::LabelExpired;
            }
            state.waiting_on = Some(Party::Merchant);
        }
        ReturnEvent::ParcelScanned {
            status,
            scanned_at,
            location,
            carrier_event_id,
        } => {
            if let Some(r) = &mut state.returns {
                if let Some(id) = carrier_event_id {
                    r.carrier_events.push(id.as_str().to_owned());
                }
                r.last_scan = Some(ParcelScan {
                    status: *status,
                    scanned_at: *scanned_at,
                    location: location.clone(),
                });
                if matches!(
                    status,
                    ParcelStatus::InTransit
                        | ParcelStatus::OutForDelivery
                        | ParcelStatus::Delivered
                ) && r.shipped_at.is_none_or(|first| *scanned_at < first)
                {
                    // The earliest scan is the proof of shipment, whatever order they come in.
                    r.shipped_at = Some(*scanned_at);
                }
                let before_receipt = matches!(
                    r.stage,
                    ReturnStage::Authorised
                        | ReturnStage::LabelIssued
                        | ReturnStage::LabelExpired
                        | ReturnStage::InTransit
                        | ReturnStage::Delivered
                        | ReturnStage::Lost
                );
                if before_receipt {
                    match status {
                        ParcelStatus::InTransit | ParcelStatus::OutForDelivery => {
                            r.stage = ReturnStage::InTransit;
                            state.waiting_on = Some(Party::Merchant);
                        }
                        ParcelStatus::Delivered => {
                            r.stage = ReturnStage::Delivered;
                            state.waiting_on = Some(Party::Merchant);
                        }
                        ParcelStatus::Lost => {
                            r.stage = ReturnStage::Lost;
                            state.waiting_on = Some(Party::Merchant);
                        }
                        ParcelStatus::Exception => {}
                    }
                }
            }
        }
        ReturnEvent::ShipmentDeclared { shipment } => {
            if let Some(r) = &mut state.returns {
                r.stage = ReturnStage::InTransit;
                if r.shipped_at.is_none_or(|first| shipment.shipped_at < first) {
                    // The buyer's proof of shipment ends the refund hold (L221-24).
                    r.shipped_at = Some(shipment.shipped_at);
                }
                r.declared = Some(shipment.clone());
            }
            if shipment.receipt.is_some() {
                state.attachments += 1;
            }
            state.waiting_on = Some(Party::Merchant);
        }
        ReturnEvent::ReturnReceived { lines } => {
            if let Some(r) = &mut state.returns {
                r.stage = ReturnStage::Received;
                r.received = lines.clone();
                r.received_at = Some(at);
            }
            state.waiting_on = Some(Party::Merchant);
        }
        ReturnEvent::ReturnInspected { lines } => {
            if let Some(r) = &mut state.returns {
                r.stage = ReturnStage::Inspected;
                r.inspected = lines.clone();
            }
            state.waiting_on = Some(Party::Merchant);
        }
    }
}
