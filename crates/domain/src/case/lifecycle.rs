//! The lifecycle family: opening a case, resolving, reopening, closing and
//! cancelling it.

use super::decide::{Context, Rejection};
use super::event::CaseEvent;
use super::guards::{check_amount, check_terms, invalid, require_party, require_status};
use super::model::*;
use super::state::{CaseState, OfferStatus};
use crate::ids::{MerchantId, OperatorId, OrderId};
use crate::money::Money;
use crate::reason::ReasonCode;
use crate::text::{Body, Label};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use CaseStatus::{Closed, Open, Resolved};
use Party::{Buyer, Merchant, Operator, Provider, System};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum LifecycleCommand {
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
}

impl LifecycleCommand {
    pub const NAMES: &'static [&'static str] = &["open", "resolve", "reopen", "close", "cancel"];

    pub fn name(&self) -> &'static str {
        match self {
            LifecycleCommand::Open { .. } => "open",
            LifecycleCommand::Resolve { .. } => "resolve",
            LifecycleCommand::Reopen { .. } => "reopen",
            LifecycleCommand::Close => "close",
            LifecycleCommand::Cancel { .. } => "cancel",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LifecycleEvent {
    Opened {
        operator_id: OperatorId,
        merchant_id: MerchantId,
        order_id: OrderId,
        kind: CaseKind,
        stage: Stage,
        reason: ReasonCode,
        items: Vec<CaseItem>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        claimed: Option<Money>,
        /// The order total, the ceiling of any refund on this case.
        order_total: Money,
        description: Body,
    },
    Resolved {
        resolution: Resolution,
    },
    Reopened {
        reason: Label,
    },
    Closed {
        reason: CloseReason,
    },
    Cancelled {
        reason: Label,
    },
}

impl LifecycleEvent {
    pub const TYPES: &'static [&'static str] =
        &["opened", "resolved", "reopened", "closed", "cancelled"];

    pub fn event_type(&self) -> &'static str {
        match self {
            LifecycleEvent::Opened { .. } => "opened",
            LifecycleEvent::Resolved { .. } => "resolved",
            LifecycleEvent::Reopened { .. } => "reopened",
            LifecycleEvent::Closed { .. } => "closed",
            LifecycleEvent::Cancelled { .. } => "cancelled",
        }
    }
}

/// Opens a case (there is no state yet): `Opened`, and for a return the
/// return's own events.
/// A problem with goods received is reported on a line that was shipped; a line never
/// shipped can only be late, and only once its delivery was due (C. conso L216-1: 30
/// days from the order when no date was agreed; then L216-6 and L216-7).
fn check_shipped(
    order: &crate::order::Order,
    item: &CaseItem,
    reason: &crate::reason::ReasonCode,
    field: &str,
    ctx: &Context<'_>,
) -> Result<(), Rejection> {
    use crate::reason::BuiltinReason as R;
    let digital = order
        .line(&item.line_id)
        .is_some_and(|l| l.flags.contains(&crate::order::LineFlag::Digital));
    if digital || order.line_shipped(&item.line_id) {
        return Ok(());
    }
    match reason.root() {
        R::NotReceived | R::LateDelivery => {
            let due = order.delivery_due();
            if ctx.now < due {
                let day = ctx.law.date_of(due);
                return Err(invalid(
                    &format!("{field}.line_id"),
                    "delivery.not_yet_due",
                    format!("this item is not shipped yet; its delivery is due by {day}"),
                )
                .with("date", crate::validation::Arg::Date(day)));
            }
            Ok(())
        }
        R::DamagedInTransit | R::MissingItems | R::WrongItem | R::Defective | R::NotAsDescribed => {
            Err(invalid(
                &format!("{field}.line_id"),
                "case.line_not_shipped",
                "this item was not shipped yet: report a late delivery instead",
            )
            .with("line", item.line_id.as_str()))
        }
        _ => Ok(()),
    }
}

pub(super) fn open(
    command: &LifecycleCommand,
    ctx: &Context<'_>,
) -> Result<Vec<CaseEvent>, Rejection> {
    let LifecycleCommand::Open {
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
    let name = command.name();
    let party = ctx.actor.party();
    let order = ctx.order.ok_or(Rejection::OrderRequired)?;
    if *kind == CaseKind::PaymentDispute {
        require_party(name, party, &[Merchant, Operator, Provider, System])?;
    } else {
        require_party(name, party, &[Buyer, Merchant, Operator])?;
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
        )
        .with("reason", reason.as_str()));
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
            .with("line", item.line_id.as_str())
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
            )
            .with("ordered", line.quantity.get()));
        }
        if let Some(line_reason) = &item.reason
            && !ctx.taxonomy.contains(line_reason)
        {
            return Err(invalid(
                &format!("{field}.reason"),
                "reason.unknown",
                format!("unknown reason '{line_reason}'"),
            )
            .with("reason", line_reason.as_str()));
        }
        if *kind == CaseKind::Incident {
            check_shipped(
                order,
                item,
                item.reason.as_ref().unwrap_or(reason),
                &field,
                ctx,
            )?;
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
    let mut events = vec![CaseEvent::from(LifecycleEvent::Opened {
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
    })];
    if *kind == CaseKind::Return
        && let Some(returns) = ctx.returns
    {
        events.extend(super::returns::open_return(
            items, *preferred, reason, order, returns, ctx,
        )?);
    }
    Ok(events)
}

pub(super) fn decide(
    state: &CaseState,
    command: &LifecycleCommand,
    ctx: &Context<'_>,
) -> Result<Vec<CaseEvent>, Rejection> {
    let party = ctx.actor.party();
    let name = command.name();
    let event = match command {
        LifecycleCommand::Open { .. } => return Err(Rejection::AlreadyOpened),
        LifecycleCommand::Resolve { resolution } => {
            require_party(name, party, &[Buyer, Merchant, Operator, System])?;
            require_status(name, state, &[Open])?;
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
            // A replacement on its way settles the case when it arrives, not before.
            if resolution.kind == ResolutionKind::Replacement
                && state
                    .incident
                    .as_ref()
                    .is_some_and(|i| i.in_transit().is_some())
            {
                return Err(invalid(
                    "resolution.kind",
                    "reship.not_delivered",
                    "the replacement is on its way: the case is settled when it is delivered",
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
            // Agreed or decided terms are carried out by money commands.
            super::escalation::require_nothing_awaited(state)?;
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
            if state.returns.is_some()
                && state.money_moved()
                && resolution.kind != ResolutionKind::Withdrawn
            {
                return Err(invalid(
                    "resolution.kind",
                    "case.money_moved",
                    "money was given back on this return: resolve it with a money command",
                ));
            }
            LifecycleEvent::Resolved {
                resolution: resolution.clone(),
            }
        }
        LifecycleCommand::Reopen { reason } => {
            require_party(name, party, &[Buyer, Merchant, Operator])?;
            require_status(name, state, &[Resolved, Closed])?;
            // A binding decision is reopened only by the body that took it.
            if state.decision.is_some() && party != Operator {
                return Err(Rejection::PartyNotAllowed {
                    command: name,
                    party,
                });
            }
            LifecycleEvent::Reopened {
                reason: reason.clone(),
            }
        }
        LifecycleCommand::Close => {
            require_party(name, party, &[Merchant, Operator, System])?;
            require_status(name, state, &[Resolved])?;
            let reason = if party == System {
                CloseReason::Inactivity
            } else {
                CloseReason::Manual
            };
            LifecycleEvent::Closed { reason }
        }
        LifecycleCommand::Cancel { reason } => {
            require_party(name, party, &[Buyer, Merchant, Operator, Provider, System])?;
            require_status(name, state, &[Open])?;
            // Agreed or decided terms are paid, not cancelled.
            super::escalation::require_nothing_awaited(state)?;
            if party == Provider && state.kind != CaseKind::PaymentDispute {
                return Err(Rejection::PartyNotAllowed {
                    command: name,
                    party,
                });
            }
            // Once the parcel has left, the return is settled, not cancelled — by anyone.
            if let Some(progress) = &state.returns
                && progress.parcel_left()
            {
                return Err(Rejection::ReturnStage {
                    command: name,
                    stage: progress.stage,
                });
            }
            if state.money_moved() {
                return Err(invalid(
                    "case_id",
                    "case.money_moved",
                    "money was refunded on this case: resolve it instead",
                ));
            }
            LifecycleEvent::Cancelled {
                reason: reason.clone(),
            }
        }
    };
    Ok(vec![event.into()])
}

/// Folds a lifecycle event into an opened case (`Opened` starts the state; see
/// [`CaseState::evolve`]).
pub(super) fn evolve(
    state: &mut CaseState,
    event: &LifecycleEvent,
    party: Party,
    at: jiff::Timestamp,
) {
    match event {
        LifecycleEvent::Opened { .. } => {}
        LifecycleEvent::Resolved { resolution } => state.resolve(resolution.clone(), at),
        LifecycleEvent::Reopened { .. } => {
            state.status = CaseStatus::Open;
            state.resolution = None;
            state.resolved_at = None;
            state.decision = None;
            state.waiting_on = Some(state.counterpart_of(party).unwrap_or(Party::Merchant));
        }
        LifecycleEvent::Closed { .. } => {
            state.status = CaseStatus::Closed;
            state.waiting_on = None;
        }
        LifecycleEvent::Cancelled { .. } => {
            state.settle_pending(OfferStatus::Lapsed);
            state.status = CaseStatus::Cancelled;
            state.waiting_on = None;
        }
    }
}
