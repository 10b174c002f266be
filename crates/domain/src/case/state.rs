//! The current state of a case: a left fold of its events.

use super::event::{CaseEvent, RecordedEvent};
use super::model::*;
use crate::ids::{CaseId, MerchantId, OperatorId, OrderId};
use crate::money::{Money, MoneyError};
use crate::reason::ReasonCode;
use crate::returns::ReturnShipping;
use crate::text::Label;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OfferStatus {
    Pending,
    Accepted,
    Declined,
    /// Replaced by a newer offer or counter-offer.
    Superseded,
    /// The case was resolved, escalated or cancelled while it was pending.
    Lapsed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Offer {
    pub offer_id: u32,
    pub by: Party,
    pub to: Party,
    pub terms: Resolution,
    pub status: OfferStatus,
    pub proposed_at: Timestamp,
}

/// Everything the decider needs to know about a case, and what the inbox shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseState {
    pub case_id: CaseId,
    pub operator_id: OperatorId,
    pub merchant_id: MerchantId,
    pub order_id: OrderId,
    pub kind: CaseKind,
    pub status: CaseStatus,
    pub stage: Stage,
    pub reason: ReasonCode,
    pub items: Vec<CaseItem>,
    pub claimed: Option<Money>,
    pub order_total: Money,
    pub opened_by: Party,
    pub opened_at: Timestamp,
    pub last_activity_at: Timestamp,
    /// Whose move it is; `None` when nobody is expected to act.
    pub waiting_on: Option<Party>,
    /// Since when it has been that party's move: the deadline counts from here, so a
    /// reminder from the waiting side or an internal note does not move it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_since: Option<Timestamp>,
    /// When the merchant first answered the buyer (message, offer or resolution).
    pub merchant_first_response_at: Option<Timestamp>,
    pub offers: Vec<Offer>,
    pub resolution: Option<Resolution>,
    pub resolved_at: Option<Timestamp>,
    /// The binding decision that resolved the case, while it stands
    /// (a reopening or an escalation sets it aside; the timeline keeps it).
    pub decision: Option<Decision>,
    pub public_messages: u32,
    pub internal_notes: u32,
    pub attachments: u32,
    /// Number of events folded: the version a command must name.
    pub version: i64,
    /// The return's progress, for a case of kind `return`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returns: Option<ReturnProgress>,
    /// Refunds recorded on this case (refund ids are 1, 2, 3…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refunds: Vec<RefundRecord>,
    /// Store credit issued on this case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_credit: Option<StoreCreditRecord>,
    /// Goodwill compensation given on this case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compensations: Vec<CompensationRecord>,
    /// The exchange recorded on this case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange: Option<ExchangeRecord>,
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
    /// The first carrier scan: the proof of shipment (L221-24).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipped_at: Option<Timestamp>,
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

impl CaseState {
    /// Folds one event. `state` is `None` before the case is opened.
    ///
    /// Evolve never fails: the decider only emits events that apply, and
    /// events are facts. An event that does not fit (impossible unless the
    /// log was tampered with, which `verify` detects) leaves the state as is
    /// apart from the version.
    pub fn evolve(
        state: Option<CaseState>,
        case_id: CaseId,
        recorded: &RecordedEvent,
    ) -> Option<CaseState> {
        let party = recorded.actor.party();
        let at = recorded.recorded_at;
        let mut state = match (state, &recorded.event) {
            (
                None,
                CaseEvent::Opened {
                    operator_id,
                    merchant_id,
                    order_id,
                    kind,
                    stage,
                    reason,
                    items,
                    claimed,
                    order_total,
                    ..
                },
            ) => {
                return Some(CaseState {
                    case_id,
                    operator_id: *operator_id,
                    merchant_id: *merchant_id,
                    order_id: *order_id,
                    kind: *kind,
                    status: CaseStatus::Open,
                    stage: *stage,
                    reason: reason.clone(),
                    items: items.clone(),
                    claimed: *claimed,
                    order_total: *order_total,
                    opened_by: party,
                    opened_at: at,
                    last_activity_at: at,
                    waiting_on: Some(match party {
                        Party::Merchant | Party::Operator => Party::Buyer,
                        _ => Party::Merchant,
                    }),
                    waiting_since: Some(at),
                    merchant_first_response_at: None,
                    offers: Vec::new(),
                    resolution: None,
                    resolved_at: None,
                    decision: None,
                    public_messages: 0,
                    internal_notes: 0,
                    attachments: 0,
                    version: recorded.seq,
                    returns: None,
                    refunds: Vec::new(),
                    store_credit: None,
                    compensations: Vec::new(),
                    exchange: None,
                });
            }
            (None, _) => return None,
            (Some(state), _) => state,
        };
        state.version = recorded.seq;
        state.last_activity_at = state.last_activity_at.max(at);
        let was_waiting_on = state.waiting_on;
        // First response: the merchant's first message, offer, answer to an offer or resolution.
        let answers_buyer = party == Party::Merchant
            && matches!(
                recorded.event,
                CaseEvent::MessagePosted { .. }
                    | CaseEvent::OfferProposed { .. }
                    | CaseEvent::OfferAccepted { .. }
                    | CaseEvent::OfferDeclined { .. }
                    | CaseEvent::Resolved { .. }
            );
        if answers_buyer && state.merchant_first_response_at.is_none() {
            state.merchant_first_response_at = Some(at);
        }
        match &recorded.event {
            CaseEvent::Opened { .. } => {}
            CaseEvent::MessagePosted { .. } => {
                state.public_messages += 1;
                if state.status == CaseStatus::Open {
                    state.waiting_on = state.counterpart_of(party);
                }
            }
            CaseEvent::NoteAdded { .. } => state.internal_notes += 1,
            CaseEvent::AttachmentAdded { .. } => state.attachments += 1,
            CaseEvent::OfferProposed {
                offer_id,
                to,
                terms,
                ..
            } => {
                state.settle_pending(OfferStatus::Superseded);
                state.offers.push(Offer {
                    offer_id: *offer_id,
                    by: party,
                    to: *to,
                    terms: terms.clone(),
                    status: OfferStatus::Pending,
                    proposed_at: at,
                });
                state.waiting_on = Some(*to);
            }
            CaseEvent::OfferAccepted { offer_id } => {
                if let Some(offer) = state.offers.iter_mut().find(|o| o.offer_id == *offer_id) {
                    offer.status = OfferStatus::Accepted;
                    let terms = offer.terms.clone();
                    state.resolve(terms, at);
                }
            }
            CaseEvent::OfferDeclined { offer_id, .. } => {
                if let Some(offer) = state.offers.iter_mut().find(|o| o.offer_id == *offer_id) {
                    offer.status = OfferStatus::Declined;
                    state.waiting_on = Some(offer.by);
                }
            }
            CaseEvent::Escalated { to, .. } => {
                state.stage = state.stage.max(*to);
                state.settle_pending(OfferStatus::Lapsed);
                if state.status == CaseStatus::Resolved {
                    state.status = CaseStatus::Open;
                    state.resolution = None;
                    state.resolved_at = None;
                    // The decision that resolved it (if any) is history now: the timeline keeps it.
                    state.decision = None;
                }
                state.waiting_on = Some(if *to == Stage::External {
                    Party::Provider
                } else {
                    Party::Operator
                });
            }
            CaseEvent::DecisionRecorded { decision } => {
                state.decision = Some(decision.clone());
                state.resolve(decision.resolution.clone(), at);
            }
            CaseEvent::Resolved { resolution } => state.resolve(resolution.clone(), at),
            CaseEvent::Reopened { .. } => {
                state.status = CaseStatus::Open;
                state.resolution = None;
                state.resolved_at = None;
                state.decision = None;
                state.waiting_on = Some(state.counterpart_of(party).unwrap_or(Party::Merchant));
            }
            CaseEvent::Closed { .. } => {
                state.status = CaseStatus::Closed;
                state.waiting_on = None;
            }
            CaseEvent::Cancelled { .. } => {
                state.settle_pending(OfferStatus::Lapsed);
                state.status = CaseStatus::Cancelled;
                state.waiting_on = None;
            }
            event => state.evolve_return_or_money(event, at),
        }
        if state.waiting_on != was_waiting_on {
            state.waiting_since = state.waiting_on.map(|_| at);
        }
        Some(state)
    }

    /// Folds the events of the return lifecycle and of money.
    fn evolve_return_or_money(&mut self, event: &CaseEvent, at: Timestamp) {
        match event {
            CaseEvent::ReturnRequested {
                policy,
                lines,
                return_shipping,
                preferred,
                original_shipping,
                refund_due_by,
                allowed_resolutions,
                store_credit_bonus_percent,
            } => {
                self.returns = Some(ReturnProgress {
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
                    received: Vec::new(),
                    received_at: None,
                    inspected: Vec::new(),
                    refund_due_by: *refund_due_by,
                    reminders: Vec::new(),
                    allowed_resolutions: allowed_resolutions.clone(),
                    store_credit_bonus_percent: *store_credit_bonus_percent,
                });
                self.waiting_on = Some(Party::Merchant);
            }
            CaseEvent::ReturnAuthorised {
                rma,
                returnless,
                automatic,
            } => {
                if let Some(r) = &mut self.returns {
                    r.stage = ReturnStage::Authorised;
                    r.rma = Some(rma.clone());
                    r.returnless = *returnless;
                    r.automatic = *automatic;
                }
                self.waiting_on = Some(Party::Merchant);
            }
            CaseEvent::ReturnRefused { ground } => {
                if let Some(r) = &mut self.returns {
                    r.stage = ReturnStage::Refused;
                }
                let mut refusal = Resolution::simple(ResolutionKind::Refusal);
                refusal.note = Some(ground.clone());
                self.resolve(refusal, at);
            }
            CaseEvent::LabelIssued { label } => {
                if let Some(r) = &mut self.returns {
                    r.stage = ReturnStage::LabelIssued;
                    r.label = Some(label.clone());
                    r.labels_issued += 1;
                }
                self.attachments += 1;
                self.waiting_on = Some(Party::Buyer);
            }
            CaseEvent::LabelExpired {} => {
                if let Some(r) = &mut self.returns {
                    r.stage = ReturnStage::LabelExpired;
                }
                self.waiting_on = Some(Party::Merchant);
            }
            CaseEvent::ParcelScanned {
                status,
                scanned_at,
                location,
                carrier_event_id,
            } => {
                if let Some(r) = &mut self.returns {
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
                                self.waiting_on = Some(Party::Merchant);
                            }
                            ParcelStatus::Delivered => {
                                r.stage = ReturnStage::Delivered;
                                self.waiting_on = Some(Party::Merchant);
                            }
                            ParcelStatus::Lost => {
                                r.stage = ReturnStage::Lost;
                                self.waiting_on = Some(Party::Merchant);
                            }
                            ParcelStatus::Exception => {}
                        }
                    }
                }
            }
            CaseEvent::ReturnReceived { lines } => {
                if let Some(r) = &mut self.returns {
                    r.stage = ReturnStage::Received;
                    r.received = lines.clone();
                    r.received_at = Some(at);
                }
                self.waiting_on = Some(Party::Merchant);
            }
            CaseEvent::ReturnInspected { lines } => {
                if let Some(r) = &mut self.returns {
                    r.stage = ReturnStage::Inspected;
                    r.inspected = lines.clone();
                }
                self.waiting_on = Some(Party::Merchant);
            }
            CaseEvent::RefundRecorded {
                refund_id,
                amount,
                deductions,
                gateway,
                late,
            } => self.refunds.push(RefundRecord {
                refund_id: *refund_id,
                amount: *amount,
                deductions: deductions.clone(),
                gateway: gateway.clone(),
                status: RefundStatus::Pending,
                reference: None,
                late: late.clone(),
                recorded_at: at,
            }),
            CaseEvent::RefundSettled {
                refund_id,
                reference,
                late,
            } => {
                if let Some(refund) = self.refunds.iter_mut().find(|r| r.refund_id == *refund_id) {
                    refund.status = RefundStatus::Settled;
                    refund.reference = Some(reference.clone());
                    if late.is_some() {
                        refund.late = late.clone();
                    }
                }
            }
            CaseEvent::RefundFailed { refund_id, .. } => {
                if let Some(refund) = self.refunds.iter_mut().find(|r| r.refund_id == *refund_id) {
                    refund.status = RefundStatus::Failed;
                }
            }
            CaseEvent::StoreCreditIssued { amount, bonus } => {
                let record = match self.store_credit.take() {
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
                self.store_credit = Some(record);
            }
            CaseEvent::ExchangeRecorded { lines, difference } => {
                self.exchange = Some(ExchangeRecord {
                    lines: lines.clone(),
                    difference: *difference,
                });
            }
            CaseEvent::CompensationRecorded { kind, amount, .. } => {
                self.compensations.push(CompensationRecord {
                    kind: *kind,
                    amount: *amount,
                });
            }
            CaseEvent::ReminderSent { topic, .. } => {
                if let Some(r) = &mut self.returns
                    && !r.reminders.contains(topic)
                {
                    r.reminders.push(*topic);
                }
            }
            _ => {}
        }
    }

    /// Refunds that still count (pending or settled).
    pub fn refunded(&self) -> i64 {
        self.refunds
            .iter()
            .filter(|r| r.status != RefundStatus::Failed)
            .map(|r| r.amount.amount_minor)
            .sum()
    }

    /// Replays a whole log.
    pub fn replay<'a>(
        case_id: CaseId,
        events: impl IntoIterator<Item = &'a RecordedEvent>,
    ) -> Option<CaseState> {
        events.into_iter().fold(None, |state, event| {
            CaseState::evolve(state, case_id, event)
        })
    }

    fn resolve(&mut self, resolution: Resolution, at: Timestamp) {
        self.settle_pending(OfferStatus::Lapsed);
        self.status = CaseStatus::Resolved;
        self.resolution = Some(resolution);
        self.resolved_at = Some(at);
        self.waiting_on = None;
    }

    fn settle_pending(&mut self, outcome: OfferStatus) {
        for offer in &mut self.offers {
            if offer.status == OfferStatus::Pending {
                offer.status = outcome;
            }
        }
    }

    /// Who is expected to answer `party` at the current stage.
    fn counterpart_of(&self, party: Party) -> Option<Party> {
        let mediated = self.stage >= Stage::Mediation;
        match party {
            Party::Buyer if mediated => Some(Party::Operator),
            Party::Buyer => Some(Party::Merchant),
            Party::Merchant if mediated => Some(Party::Operator),
            Party::Merchant => Some(Party::Buyer),
            Party::Operator | Party::System | Party::Provider => Some(Party::Buyer),
        }
    }

    pub fn pending_offer(&self) -> Option<&Offer> {
        self.offers
            .iter()
            .find(|o| o.status == OfferStatus::Pending)
    }

    /// The invariants every reachable state holds; the property tests check
    /// them after every event. Returns the first one violated.
    pub fn invariant_violation(&self) -> Option<&'static str> {
        let resolved_like = matches!(self.status, CaseStatus::Resolved | CaseStatus::Closed);
        if resolved_like != self.resolution.is_some() {
            return Some("a resolution exists exactly when the case is resolved or closed");
        }
        if resolved_like != self.resolved_at.is_some() {
            return Some("resolved_at is set exactly when the case is resolved or closed");
        }
        if self
            .offers
            .iter()
            .filter(|o| o.status == OfferStatus::Pending)
            .count()
            > 1
        {
            return Some("at most one offer is pending");
        }
        if self.pending_offer().is_some() && self.status != CaseStatus::Open {
            return Some("an offer can only be pending on an open case");
        }
        if self.decision.is_some() && self.stage < Stage::Arbitration {
            return Some("decisions exist only from arbitration on");
        }
        if let Some(decision) = &self.decision
            && (self.status == CaseStatus::Open
                || self.resolution.as_ref() != Some(&decision.resolution))
        {
            return Some("a standing decision is what resolved the case");
        }
        if self.last_activity_at < self.opened_at {
            return Some("last activity is never before opening");
        }
        if self.kind == CaseKind::Return && self.items.is_empty() {
            return Some("a return has items");
        }
        if matches!(self.status, CaseStatus::Closed | CaseStatus::Cancelled)
            && self.waiting_on.is_some()
        {
            return Some("nobody is waited on in a finished case");
        }
        if self
            .offers
            .iter()
            .enumerate()
            .any(|(i, o)| o.offer_id != i as u32 + 1)
        {
            return Some("offers are numbered 1, 2, 3…");
        }
        if self.returns.is_some() && self.kind != CaseKind::Return {
            return Some("only a return has return progress");
        }
        if self
            .refunds
            .iter()
            .enumerate()
            .any(|(i, r)| r.refund_id != i as u32 + 1)
        {
            return Some("refunds are numbered 1, 2, 3…");
        }
        if self.version < 1 {
            return Some("an opened case has a version of at least 1");
        }
        None
    }
}
