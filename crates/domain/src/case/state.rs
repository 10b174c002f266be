//! The current state of a case: a left fold of its events.

use super::event::{CaseEvent, RecordedEvent};
use super::incident::IncidentProgress;
use super::lifecycle::LifecycleEvent;
use super::mediation::MediationProgress;
use super::model::*;
use super::money::{
    CompensationApproval, CompensationRecord, ExchangeRecord, RefundRecord, StoreCreditRecord,
};
use super::returns::ReturnProgress;
use super::{conversation, escalation, helpdesk, incident, lifecycle, mediation, money, returns};
use crate::ids::{CaseId, MerchantId, OperatorId, OrderId};
use crate::money::Money;
use crate::reason::ReasonCode;
use crate::sla::clocks::{Clocks, Court, Step};
use jiff::Timestamp;
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
    /// Terms agreed (an accepted offer) or decided (a binding decision) that call for money
    /// the case has not given yet: the case stays open, the merchant's move, until a money
    /// command carries them out — it is never "settled" before the money is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awaiting_payment: Option<AwaitingPayment>,
    /// An incident's responsibility, late-delivery deadline, carrier claim and replacements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<IncidentProgress>,
    /// Mediation and arbitration: information requests, who decided, the appeal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mediation: Option<MediationProgress>,
    /// Goodwill gestures waiting for (or given) approval.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compensation_approvals: Vec<CompensationApproval>,
    /// Who handles the case (a person, a team's queue), if anyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<helpdesk::Assignee>,
    /// Every party's clock: the facts the service-level targets are computed from.
    #[serde(default)]
    pub clocks: Clocks,
    /// The service-level alerts raised so far (each at most once per target, cycle and kind).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sla_alerts: Vec<helpdesk::AlertKey>,
    /// The automation rules that fired, with what set them off (each fires once per key).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub automations: Vec<helpdesk::FiredKey>,
}

/// What a case waits for once terms calling for money were agreed or decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AwaitingPayment {
    /// The terms to carry out (refund, partial refund, store credit, goodwill, exchange).
    pub terms: Resolution,
    /// Who pays: the merchant (the mediator decides, never moves money).
    pub by: Party,
    /// When the terms were agreed or decided.
    pub since: Timestamp,
    /// By when the payment is expected: 14 days, the delay the law gives a trader to
    /// refund a withdrawal (C. conso L221-24) or a cancelled late delivery (L216-7),
    /// which amiable applies to every agreed payment.
    pub due: Timestamp,
}

/// The days a merchant has to carry out agreed or decided terms (C. conso L221-24, L216-7).
pub const PAYMENT_DAYS: i64 = 14;

impl CaseState {
    /// The shape of the stored snapshot of a case's state (the `cases.state` column).
    /// Bump it when a change to [`CaseState`] would make an older snapshot read
    /// wrongly; the store then rebuilds such snapshots from the log, which is the
    /// source of truth, instead of trusting them.
    /// 2: terms calling for money keep the case open until paid (`awaiting_payment`).
    /// 3: incidents, mediation and goodwill approvals.
    /// 4: the clocks of the service-level targets, and the assignee.
    pub const SNAPSHOT_VERSION: i64 = 4;

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
                CaseEvent::Lifecycle(LifecycleEvent::Opened {
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
                }),
            ) => {
                let mut opened = CaseState {
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
                    awaiting_payment: None,
                    incident: None,
                    mediation: None,
                    compensation_approvals: Vec::new(),
                    assignee: None,
                    clocks: Clocks::default(),
                    sla_alerts: Vec::new(),
                    automations: Vec::new(),
                };
                opened.clocks = Clocks::opened(&opened, at);
                return Some(opened);
            }
            (None, _) => return None,
            (Some(state), _) => state,
        };
        state.version = recorded.seq;
        state.last_activity_at = state.last_activity_at.max(at);
        let was_waiting_on = state.waiting_on;
        let court_before = Court::of(&state);
        // First response: the merchant's first message, offer, answer to an offer or resolution.
        let answers_buyer = party == Party::Merchant && recorded.event.answers_buyer();
        if answers_buyer && state.merchant_first_response_at.is_none() {
            state.merchant_first_response_at = Some(at);
        }
        match &recorded.event {
            CaseEvent::Lifecycle(event) => lifecycle::evolve(&mut state, event, party, at),
            CaseEvent::Conversation(event) => conversation::evolve(&mut state, event, party),
            CaseEvent::Escalation(event) => escalation::evolve(&mut state, event, party, at),
            CaseEvent::Returns(event) => returns::evolve(&mut state, event, at),
            CaseEvent::Money(event) => money::evolve(&mut state, event, at),
            CaseEvent::Incident(event) => incident::evolve(&mut state, event, at),
            CaseEvent::Mediation(event) => mediation::evolve(&mut state, event, party, at),
            CaseEvent::Helpdesk(event) => helpdesk::evolve(&mut state, event),
        }
        // What the marketplace decided, and by whose hand: an appeal goes to another mediator.
        if let CaseEvent::Escalation(escalation::EscalationEvent::DecisionRecorded { .. }) =
            &recorded.event
            && party == Party::Operator
        {
            let progress = state.mediation.get_or_insert_with(Default::default);
            progress.decided_by = mediation::actor_id(&recorded.actor).map(str::to_owned);
            progress.decided_at = Some(at);
            progress.appeal = None;
            progress.recoverable = None;
        }
        // A party's word answers the mediator's requests to it.
        if matches!(party, Party::Buyer | Party::Merchant)
            && matches!(
                &recorded.event,
                CaseEvent::Conversation(
                    conversation::ConversationEvent::MessagePosted { .. }
                        | conversation::ConversationEvent::AttachmentAdded { .. }
                ) | CaseEvent::Mediation(mediation::MediationEvent::PrivateMessagePosted { .. })
            )
        {
            mediation::answer_requests(&mut state, party, at);
        }
        if state.waiting_on != was_waiting_on {
            state.waiting_since = state.waiting_on.map(|_| at);
        }
        let court_after = Court::of(&state);
        let mut clocks = std::mem::take(&mut state.clocks);
        clocks.observe(
            court_before,
            court_after,
            Step {
                at,
                party,
                seen_by_buyer: recorded.event.visible_to(Party::Buyer),
                merchant_answered: answers_buyer,
            },
        );
        state.clocks = clocks;
        Some(state)
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

    pub(super) fn resolve(&mut self, resolution: Resolution, at: Timestamp) {
        self.settle_pending(OfferStatus::Lapsed);
        self.status = CaseStatus::Resolved;
        self.resolution = Some(resolution);
        self.resolved_at = Some(at);
        self.waiting_on = None;
        self.awaiting_payment = None;
    }

    /// Terms agreed or decided: settled at once when they call for no money (or the money
    /// was already given), otherwise the case waits for the merchant to pay.
    pub(super) fn agree(&mut self, terms: Resolution, at: Timestamp) {
        if !money::calls_for_payment(self, &terms) {
            self.resolve(terms, at);
            return;
        }
        self.settle_pending(OfferStatus::Lapsed);
        let due = at
            .checked_add(jiff::SignedDuration::from_hours(24 * PAYMENT_DAYS))
            .unwrap_or(at);
        self.awaiting_payment = Some(AwaitingPayment {
            terms,
            by: Party::Merchant,
            since: at,
            due,
        });
        self.waiting_on = Some(Party::Merchant);
    }

    pub(super) fn settle_pending(&mut self, outcome: OfferStatus) {
        for offer in &mut self.offers {
            if offer.status == OfferStatus::Pending {
                offer.status = outcome;
            }
        }
    }

    /// Who is expected to answer `party` at the current stage.
    pub(super) fn counterpart_of(&self, party: Party) -> Option<Party> {
        let mediated = self.stage >= Stage::Mediation;
        match party {
            Party::Buyer if mediated => Some(Party::Operator),
            Party::Buyer => Some(Party::Merchant),
            Party::Merchant if mediated => Some(Party::Operator),
            Party::Merchant => Some(Party::Buyer),
            Party::Operator | Party::System | Party::Provider => Some(Party::Buyer),
        }
    }

    /// What the case is about in money, for the inbox: the amount claimed, or for a return
    /// the price of the lines sent back.
    pub fn amount_at_stake(&self) -> Option<Money> {
        if let Some(claimed) = self.claimed {
            return Some(claimed);
        }
        let progress = self.returns.as_ref()?;
        Some(Money::new(
            progress.lines_value(),
            self.order_total.currency,
        ))
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
        if let Some(decision) = &self.decision {
            let awaited = self.status == CaseStatus::Open
                && self.awaiting_payment.as_ref().map(|a| &a.terms) == Some(&decision.resolution);
            let resolved = self.status != CaseStatus::Open
                && self.resolution.as_ref() == Some(&decision.resolution);
            if !(awaited || resolved) {
                return Some("a standing decision awaits its payment or is what resolved the case");
            }
        }
        if self.awaiting_payment.is_some() && self.status != CaseStatus::Open {
            return Some("only an open case awaits a payment");
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
