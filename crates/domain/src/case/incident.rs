//! The incident family: what went wrong with a delivery and who answers for
//! it, late delivery (C. conso L216-1, L216-6, L216-7), the claim against
//! the carrier (C. com. L133-3) and the replacement parcel.
//!
//! Towards a consumer the merchant bears the transport risk until the buyer
//! takes physical possession (L216-2): whatever the carrier did, the buyer is
//! owed a remedy by the merchant, who then claims from the carrier. What the
//! carrier pays back is the merchant's, kept apart from what the buyer is owed.

use super::decide::{Context, Rejection};
use super::event::CaseEvent;
use super::guards::{check_amount, invalid, require_party, require_status};
use super::lifecycle::LifecycleEvent;
use super::model::*;
use super::state::CaseState;
use crate::money::Money;
use crate::order::{LineShipping, Order, ShipmentLine};
use crate::reason::BuiltinReason;
use crate::text::{Body, Label};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use CaseStatus::{Open, Resolved};
use Party::{Buyer, Merchant, Operator, System};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum IncidentCommand {
    /// Who answers for the incident, with the grounds shown to the parties.
    DetermineResponsibility {
        responsible: Responsibility,
        grounds: Body,
    },
    /// The buyer's new, reasonable delivery deadline after the first one passed (L216-6).
    SetDeliveryDeadline { deliver_by: Date },
    /// The buyer cancels once that deadline passed too (L216-6): refunded within 14 days (L216-7).
    CancelLateOrder,
    /// The merchant's claim against the carrier, after its reserves (C. com. L133-3).
    FileCarrierClaim {
        carrier: Label,
        reference: Label,
        amount: Money,
        /// When the reserves (the reasoned protest) were sent to the carrier.
        reserves_sent_on: Option<Date>,
    },
    /// The carrier's answer, and what it paid back.
    RecordClaimOutcome {
        outcome: ClaimOutcome,
        recovered: Option<Money>,
    },
    /// A replacement parcel for lines of the order.
    Reship {
        lines: Vec<ShipmentLine>,
        carrier: Label,
        tracking_number: Label,
    },
    /// The carrier's news of the replacement: delivered settles the incident, lost reopens it.
    RecordReshipmentScan { status: ReshipmentStatus },
}

impl IncidentCommand {
    pub const NAMES: &'static [&'static str] = &[
        "determine_responsibility",
        "set_delivery_deadline",
        "cancel_late_order",
        "file_carrier_claim",
        "record_claim_outcome",
        "reship",
        "record_reshipment_scan",
    ];

    pub fn name(&self) -> &'static str {
        match self {
            IncidentCommand::DetermineResponsibility { .. } => "determine_responsibility",
            IncidentCommand::SetDeliveryDeadline { .. } => "set_delivery_deadline",
            IncidentCommand::CancelLateOrder => "cancel_late_order",
            IncidentCommand::FileCarrierClaim { .. } => "file_carrier_claim",
            IncidentCommand::RecordClaimOutcome { .. } => "record_claim_outcome",
            IncidentCommand::Reship { .. } => "reship",
            IncidentCommand::RecordReshipmentScan { .. } => "record_reshipment_scan",
        }
    }

    /// What the carrier pays back is written in the order's ledger.
    pub fn moves_money(&self) -> bool {
        matches!(self, IncidentCommand::RecordClaimOutcome { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum IncidentEvent {
    ResponsibilityDetermined {
        responsible: Responsibility,
        grounds: Body,
        /// Whether the merchant owes the buyer the remedy: always, unless the buyer is
        /// responsible (L216-2: the transport risk is the merchant's until delivery).
        merchant_answers: bool,
    },
    DeliveryDeadlineSet {
        deliver_by: Date,
    },
    LateOrderCancelled {
        /// The last day to refund (L216-7).
        refund_due_by: Date,
    },
    CarrierClaimFiled {
        carrier: Label,
        reference: Label,
        amount: Money,
        /// The last day for reserves (C. com. L133-3), when the goods were received.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reserves_due: Option<Date>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reserves_sent_on: Option<Date>,
    },
    CarrierClaimSettled {
        outcome: ClaimOutcome,
        recovered: Money,
    },
    Reshipped {
        reshipment_id: u32,
        lines: Vec<ShipmentLine>,
        carrier: Label,
        tracking_number: Label,
    },
    ReshipmentDelivered {
        reshipment_id: u32,
    },
    ReshipmentLost {
        reshipment_id: u32,
    },
}

impl IncidentEvent {
    pub const TYPES: &'static [&'static str] = &[
        "responsibility_determined",
        "delivery_deadline_set",
        "late_order_cancelled",
        "carrier_claim_filed",
        "carrier_claim_settled",
        "reshipped",
        "reshipment_delivered",
        "reshipment_lost",
    ];

    pub fn event_type(&self) -> &'static str {
        match self {
            IncidentEvent::ResponsibilityDetermined { .. } => "responsibility_determined",
            IncidentEvent::DeliveryDeadlineSet { .. } => "delivery_deadline_set",
            IncidentEvent::LateOrderCancelled { .. } => "late_order_cancelled",
            IncidentEvent::CarrierClaimFiled { .. } => "carrier_claim_filed",
            IncidentEvent::CarrierClaimSettled { .. } => "carrier_claim_settled",
            IncidentEvent::Reshipped { .. } => "reshipped",
            IncidentEvent::ReshipmentDelivered { .. } => "reshipment_delivered",
            IncidentEvent::ReshipmentLost { .. } => "reshipment_lost",
        }
    }

    /// The carrier claim is between the merchant and its carrier: staff business.
    pub fn is_public(&self) -> bool {
        !matches!(
            self,
            IncidentEvent::CarrierClaimFiled { .. } | IncidentEvent::CarrierClaimSettled { .. }
        )
    }
}

/// The claim against the carrier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CarrierClaim {
    pub carrier: Label,
    pub reference: Label,
    pub amount: Money,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub reserves_due: Option<Date>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub reserves_sent_on: Option<Date>,
    pub filed_at: Timestamp,
    /// `None` while the carrier has not answered.
    pub outcome: Option<ClaimOutcome>,
    pub recovered: Option<Money>,
}

/// A replacement parcel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reshipment {
    pub reshipment_id: u32,
    pub lines: Vec<ShipmentLine>,
    pub carrier: Label,
    pub tracking_number: Label,
    pub status: ReshipmentStatus,
    pub shipped_at: Timestamp,
    pub delivered_at: Option<Timestamp>,
}

/// Where an incident stands, beside the case's status.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentProgress {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible: Option<Responsibility>,
    /// The buyer's new delivery deadline (L216-6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub deliver_by: Option<Date>,
    /// Set when the buyer cancelled for late delivery: the last day to refund (L216-7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub refund_due_by: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<CarrierClaim>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reshipments: Vec<Reshipment>,
}

impl IncidentProgress {
    /// The replacement on its way, if any.
    pub fn in_transit(&self) -> Option<&Reshipment> {
        self.reshipments
            .iter()
            .find(|r| r.status == ReshipmentStatus::InTransit)
    }

    /// Whether a replacement reached the buyer.
    pub fn replacement_delivered(&self) -> bool {
        self.reshipments
            .iter()
            .any(|r| r.status == ReshipmentStatus::Delivered)
    }
}

/// The last day for reserves to the carrier on the case's goods: three days from
/// their receipt, holidays not counted (C. com. L133-3). `None` before delivery.
pub fn reserves_due(state: &CaseState, order: &Order, law: &crate::law::LawPack) -> Option<Date> {
    let received = delivered_at(state, order)?;
    Some(
        law.delivery
            .reserves_due(law.date_of(received), &law.calendar),
    )
}

/// When the case's goods (every item, or the whole order when it names none) were
/// delivered, if they all were: the proof of delivery.
pub fn delivered_at(state: &CaseState, order: &Order) -> Option<Timestamp> {
    let lines: Vec<_> = if state.items.is_empty() {
        order.lines.iter().map(|l| l.line_id.clone()).collect()
    } else {
        state.items.iter().map(|i| i.line_id.clone()).collect()
    };
    let mut last: Option<Timestamp> = None;
    for line in &lines {
        match order.line_shipping(line) {
            LineShipping::Delivered { at, .. } => last = Some(last.map_or(at, |l| l.max(at))),
            _ => return None,
        }
    }
    last
}

fn require_incident(state: &CaseState) -> Result<(), Rejection> {
    if state.kind == CaseKind::Incident {
        Ok(())
    } else {
        Err(invalid(
            "case_id",
            "incident.not_an_incident",
            "only an incident has a responsibility, a carrier claim or a replacement",
        ))
    }
}

fn order<'a>(ctx: &Context<'a>) -> Result<&'a Order, Rejection> {
    ctx.order.ok_or(Rejection::OrderRequired)
}

fn progress(state: &CaseState) -> IncidentProgress {
    state.incident.clone().unwrap_or_default()
}

/// Whether the reason is about a parcel that did not come (or not in time).
fn about_delivery(state: &CaseState) -> bool {
    matches!(
        state.reason.root(),
        BuiltinReason::NotReceived | BuiltinReason::LateDelivery
    )
}

pub(super) fn decide(
    state: &CaseState,
    command: &IncidentCommand,
    ctx: &Context<'_>,
) -> Result<Vec<CaseEvent>, Rejection> {
    let party = ctx.actor.party();
    let name = command.name();
    require_incident(state)?;
    let progress = progress(state);
    let event = match command {
        IncidentCommand::DetermineResponsibility {
            responsible,
            grounds,
        } => {
            require_party(name, party, &[Merchant, Operator])?;
            require_status(name, state, &[Open, Resolved])?;
            // A parcel without proof of delivery is not delivered: the buyer cannot be
            // held responsible for not receiving it (L216-2; Cass. 1re civ. 3 Feb. 2021).
            if *responsible == Responsibility::Buyer
                && about_delivery(state)
                && delivered_at(state, order(ctx)?).is_none()
            {
                return Err(invalid(
                    "responsible",
                    "incident.no_proof_of_delivery",
                    "without proof of delivery the parcel is not delivered: the transport risk is the merchant's (C. conso L216-2)",
                ));
            }
            IncidentEvent::ResponsibilityDetermined {
                responsible: *responsible,
                grounds: grounds.clone(),
                merchant_answers: *responsible != Responsibility::Buyer,
            }
        }
        IncidentCommand::SetDeliveryDeadline { deliver_by } => {
            require_party(name, party, &[Buyer])?;
            require_status(name, state, &[Open])?;
            let order = order(ctx)?;
            late_delivery_possible(state, order, ctx)?;
            let today = ctx.law.date_of(ctx.now);
            let earliest = today
                .checked_add(jiff::Span::new().days(i64::from(ctx.law.delivery.min_extra_days)))
                .unwrap_or(today);
            if *deliver_by < earliest {
                return Err(invalid(
                    "deliver_by",
                    "delivery.deadline_too_short",
                    format!("give the merchant a reasonable extra period: {earliest} at the earliest (C. conso L216-6)"),
                )
                .with("date", crate::validation::Arg::Date(earliest)));
            }
            IncidentEvent::DeliveryDeadlineSet {
                deliver_by: *deliver_by,
            }
        }
        IncidentCommand::CancelLateOrder => {
            require_party(name, party, &[Buyer])?;
            require_status(name, state, &[Open])?;
            let order = order(ctx)?;
            late_delivery_possible(state, order, ctx)?;
            let today = ctx.law.date_of(ctx.now);
            match progress.deliver_by {
                Some(day) if today > day => {}
                Some(day) => {
                    return Err(invalid(
                        "deliver_by",
                        "delivery.deadline_not_passed",
                        format!("the merchant has until {day} to deliver (C. conso L216-6)"),
                    )
                    .with("date", crate::validation::Arg::Date(day)));
                }
                None => {
                    return Err(invalid(
                        "deliver_by",
                        "delivery.deadline_required",
                        "set a new delivery deadline first; the order can be cancelled once it passes (C. conso L216-6)",
                    ));
                }
            }
            IncidentEvent::LateOrderCancelled {
                refund_due_by: ctx.law.delivery.refund_due(today),
            }
        }
        IncidentCommand::FileCarrierClaim {
            carrier,
            reference,
            amount,
            reserves_sent_on,
        } => {
            require_party(name, party, &[Merchant, Operator])?;
            require_status(name, state, &[Open, Resolved, CaseStatus::Closed])?;
            if progress.claim.is_some() {
                return Err(invalid(
                    "reference",
                    "claim.already_filed",
                    "a claim against the carrier is already filed on this case",
                ));
            }
            check_amount(amount, &state.order_total, "amount", true)?;
            let reserves_due = reserves_due(state, order(ctx)?, ctx.law);
            if let Some(sent) = reserves_sent_on
                && *sent > ctx.law.date_of(ctx.now)
            {
                return Err(invalid(
                    "reserves_sent_on",
                    "claim.reserves_in_future",
                    "reserves are sent on a day that has come",
                ));
            }
            IncidentEvent::CarrierClaimFiled {
                carrier: carrier.clone(),
                reference: reference.clone(),
                amount: *amount,
                reserves_due,
                reserves_sent_on: *reserves_sent_on,
            }
        }
        IncidentCommand::RecordClaimOutcome { outcome, recovered } => {
            require_party(name, party, &[Merchant, Operator])?;
            let claim = match &progress.claim {
                Some(claim) if claim.outcome.is_none() => claim,
                _ => {
                    return Err(invalid(
                        "outcome",
                        "claim.not_pending",
                        "no claim against the carrier awaits its answer",
                    ));
                }
            };
            let recovered = match (outcome, recovered) {
                (ClaimOutcome::Refused, Some(m)) if m.amount_minor != 0 => {
                    return Err(invalid(
                        "recovered",
                        "claim.refused_recovers_nothing",
                        "a refused claim recovers nothing",
                    ));
                }
                (ClaimOutcome::Refused, _) => Money::zero(claim.amount.currency),
                (_, Some(m)) => {
                    check_amount(m, &claim.amount, "recovered", true)?;
                    *m
                }
                (_, None) => {
                    return Err(invalid(
                        "recovered",
                        "claim.recovered_required",
                        "say what the carrier paid back",
                    ));
                }
            };
            IncidentEvent::CarrierClaimSettled {
                outcome: *outcome,
                recovered,
            }
        }
        IncidentCommand::Reship {
            lines,
            carrier,
            tracking_number,
        } => {
            require_party(name, party, &[Merchant, Operator])?;
            require_status(name, state, &[Open])?;
            if progress.in_transit().is_some() {
                return Err(invalid(
                    "lines",
                    "reship.already_in_transit",
                    "a replacement is already on its way; record its delivery or loss first",
                ));
            }
            check_lines(lines, order(ctx)?)?;
            IncidentEvent::Reshipped {
                reshipment_id: progress.reshipments.len() as u32 + 1,
                lines: lines.clone(),
                carrier: carrier.clone(),
                tracking_number: tracking_number.clone(),
            }
        }
        IncidentCommand::RecordReshipmentScan { status } => {
            require_party(name, party, &[Merchant, Operator, System])?;
            let Some(parcel) = progress.in_transit() else {
                return Err(invalid(
                    "status",
                    "reship.none_in_transit",
                    "no replacement is on its way",
                ));
            };
            let reshipment_id = parcel.reshipment_id;
            return match status {
                ReshipmentStatus::InTransit => Err(invalid(
                    "status",
                    "reship.invalid_scan",
                    "record `delivered` or `lost`",
                )),
                ReshipmentStatus::Delivered => {
                    let mut events =
                        vec![IncidentEvent::ReshipmentDelivered { reshipment_id }.into()];
                    if state.status == Open {
                        // Settled only now that the replacement arrived.
                        let terms = match &state.awaiting_payment {
                            Some(a) if a.terms.kind == ResolutionKind::Replacement => {
                                a.terms.clone()
                            }
                            _ => Resolution::simple(ResolutionKind::Replacement),
                        };
                        events.push(LifecycleEvent::Resolved { resolution: terms }.into());
                    }
                    Ok(events)
                }
                ReshipmentStatus::Lost => {
                    let mut events: Vec<CaseEvent> =
                        vec![IncidentEvent::ReshipmentLost { reshipment_id }.into()];
                    if state.status != Open {
                        events.push(
                            LifecycleEvent::Reopened {
                                reason: Label::parse("replacement lost in transit")
                                    .expect("a fixed label"),
                            }
                            .into(),
                        );
                    }
                    Ok(events)
                }
            };
        }
    };
    Ok(vec![event.into()])
}

/// Late delivery is for lines still not delivered once their delivery was due (L216-1).
fn late_delivery_possible(
    state: &CaseState,
    order: &Order,
    ctx: &Context<'_>,
) -> Result<(), Rejection> {
    if !about_delivery(state) {
        return Err(invalid(
            "case_id",
            "delivery.not_about_delivery",
            "only a parcel not received or late has a delivery deadline",
        ));
    }
    if delivered_at(state, order).is_some() {
        return Err(invalid(
            "case_id",
            "delivery.already_delivered",
            "the carrier proved delivery of these items",
        ));
    }
    let due = order.delivery_due();
    if ctx.now < due {
        let day = ctx.law.date_of(due);
        return Err(invalid(
            "deliver_by",
            "delivery.not_late_yet",
            format!("the delivery is due by {day}; a new deadline comes after it"),
        )
        .with("date", crate::validation::Arg::Date(day)));
    }
    Ok(())
}

/// A replacement is for lines of the order, at most as many as were ordered.
fn check_lines(lines: &[ShipmentLine], order: &Order) -> Result<(), Rejection> {
    if lines.is_empty() {
        return Err(invalid(
            "lines",
            "reship.lines_required",
            "name the lines the replacement carries",
        ));
    }
    for (index, line) in lines.iter().enumerate() {
        let Some(ordered) = order.line(&line.line_id) else {
            return Err(invalid(
                &format!("lines[{index}].line_id"),
                "reship.line_not_in_order",
                format!("the order has no line {}", line.line_id),
            ));
        };
        if line.quantity.get() > ordered.quantity.get() {
            return Err(invalid(
                &format!("lines[{index}].quantity"),
                "reship.quantity_exceeds_order",
                format!("the order has {} of this line", ordered.quantity.get()),
            ));
        }
    }
    Ok(())
}

pub(super) fn evolve(state: &mut CaseState, event: &IncidentEvent, at: Timestamp) {
    let mut progress = state.incident.take().unwrap_or_default();
    match event {
        IncidentEvent::ResponsibilityDetermined { responsible, .. } => {
            progress.responsible = Some(*responsible);
        }
        IncidentEvent::DeliveryDeadlineSet { deliver_by } => {
            progress.deliver_by = Some(*deliver_by);
            if state.status == CaseStatus::Open {
                state.waiting_on = Some(Party::Merchant);
            }
        }
        IncidentEvent::LateOrderCancelled { refund_due_by } => {
            progress.refund_due_by = Some(*refund_due_by);
            // The cancellation calls for everything paid back, within 14 days (L216-7).
            let mut terms = Resolution::simple(ResolutionKind::FullRefund);
            terms.note = Label::parse("C. conso L216-6, L216-7").ok();
            state.incident = Some(progress);
            state.agree(terms, at);
            return;
        }
        IncidentEvent::CarrierClaimFiled {
            carrier,
            reference,
            amount,
            reserves_due,
            reserves_sent_on,
        } => {
            progress.claim = Some(CarrierClaim {
                carrier: carrier.clone(),
                reference: reference.clone(),
                amount: *amount,
                reserves_due: *reserves_due,
                reserves_sent_on: *reserves_sent_on,
                filed_at: at,
                outcome: None,
                recovered: None,
            });
        }
        IncidentEvent::CarrierClaimSettled { outcome, recovered } => {
            if let Some(claim) = &mut progress.claim {
                claim.outcome = Some(*outcome);
                claim.recovered = Some(*recovered);
            }
        }
        IncidentEvent::Reshipped {
            reshipment_id,
            lines,
            carrier,
            tracking_number,
        } => {
            progress.reshipments.push(Reshipment {
                reshipment_id: *reshipment_id,
                lines: lines.clone(),
                carrier: carrier.clone(),
                tracking_number: tracking_number.clone(),
                status: ReshipmentStatus::InTransit,
                shipped_at: at,
                delivered_at: None,
            });
            // Nobody's move: the carrier's.
            if state.status == CaseStatus::Open {
                state.waiting_on = None;
            }
        }
        IncidentEvent::ReshipmentDelivered { reshipment_id } => {
            if let Some(r) = progress
                .reshipments
                .iter_mut()
                .find(|r| r.reshipment_id == *reshipment_id)
            {
                r.status = ReshipmentStatus::Delivered;
                r.delivered_at = Some(at);
            }
        }
        IncidentEvent::ReshipmentLost { reshipment_id } => {
            if let Some(r) = progress
                .reshipments
                .iter_mut()
                .find(|r| r.reshipment_id == *reshipment_id)
            {
                r.status = ReshipmentStatus::Lost;
            }
            // Back to the merchant: another replacement, or the money.
            if state.status == CaseStatus::Open {
                state.waiting_on = Some(Party::Merchant);
            }
        }
    }
    state.incident = Some(progress);
}
