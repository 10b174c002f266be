//! The mediation family: the mediator's private channels with each party,
//! requests for information with a deadline, the appeal of a decision heard
//! by another mediator, and the consumer mediator offered at the end
//! (C. conso L612-1).
//!
//! The rules of the ladder (how long the merchant has before the buyer may
//! escalate, how long an appeal stays open, which consumer mediator the
//! marketplace names) are the operator's: [`LadderRules`].

use super::decide::{Context, Rejection};
use super::event::CaseEvent;
use super::guards::{invalid, require_party, require_status};
use super::model::*;
use super::state::CaseState;
use crate::money::Money;
use crate::text::{Body, Label};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use CaseStatus::{Closed, Open, Resolved};
use Party::{Buyer, Merchant, Operator, System};

/// The operator's rules of the ladder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LadderRules {
    /// Working days the merchant has to answer before the buyer may escalate to the
    /// marketplace (3, as eBay's "3 business days").
    pub escalation_window_days: u32,
    /// Days a party has to appeal a decision (10).
    pub appeal_window_days: u32,
    /// The consumer mediator the marketplace names (C. conso L612-1, L616-1).
    pub consumer_mediator: Option<ConsumerMediator>,
}

impl Default for LadderRules {
    fn default() -> Self {
        LadderRules {
            escalation_window_days: 3,
            appeal_window_days: 10,
            consumer_mediator: None,
        }
    }
}

/// A consumer mediator, as named to the buyer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsumerMediator {
    pub name: Label,
    pub website: Label,
}

impl LadderRules {
    /// When the buyer may escalate a case the merchant has not answered: the window's
    /// working days after the opening, at the same time of day, in the pack's zone.
    pub fn escalation_opens_at(
        &self,
        opened_at: Timestamp,
        law: &crate::law::LawPack,
    ) -> Timestamp {
        let zoned = opened_at.to_zoned(law.zone.clone());
        let day = law
            .calendar
            .add_working_days(zoned.date(), self.escalation_window_days);
        day.to_datetime(zoned.time())
            .to_zoned(law.zone.clone())
            .map(|z| z.timestamp())
            .unwrap_or(opened_at)
    }

    /// Until when a decision taken at `decided_at` may be appealed.
    pub fn appeal_until(&self, decided_at: Timestamp) -> Timestamp {
        decided_at
            .checked_add(SignedDuration::from_hours(
                24 * i64::from(self.appeal_window_days),
            ))
            .unwrap_or(decided_at)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum MediationCommand {
    /// A message in the private channel between the mediator and one party (`channel`):
    /// the other party never sees it.
    PostPrivateMessage { channel: Party, body: Body },
    /// The mediator asks a party for information or evidence, by a deadline.
    RequestInformation {
        from: Party,
        request: Body,
        due_at: Timestamp,
    },
    /// The party a decision went against asks another mediator to hear the case again.
    Appeal { grounds: Body },
    /// Another mediator hears the appeal: the decision stands or is replaced. Final
    /// inside the marketplace.
    DecideAppeal {
        outcome: AppealOutcome,
        grounds: Body,
        decision: Option<Decision>,
    },
    /// Names the consumer mediator to the buyer once the marketplace's decision is final.
    OfferConsumerMediation,
}

impl MediationCommand {
    pub const NAMES: &'static [&'static str] = &[
        "post_private_message",
        "request_information",
        "appeal",
        "decide_appeal",
        "offer_consumer_mediation",
    ];

    pub fn name(&self) -> &'static str {
        match self {
            MediationCommand::PostPrivateMessage { .. } => "post_private_message",
            MediationCommand::RequestInformation { .. } => "request_information",
            MediationCommand::Appeal { .. } => "appeal",
            MediationCommand::DecideAppeal { .. } => "decide_appeal",
            MediationCommand::OfferConsumerMediation => "offer_consumer_mediation",
        }
    }

    /// An allowed appeal may release what the merchant owed the marketplace.
    pub fn moves_money(&self) -> bool {
        matches!(self, MediationCommand::DecideAppeal { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MediationEvent {
    PrivateMessagePosted {
        channel: Party,
        body: Body,
    },
    InformationRequested {
        request_id: u32,
        from: Party,
        request: Body,
        due_at: Timestamp,
    },
    Appealed {
        grounds: Body,
        /// Until when the appeal could be lodged.
        window_until: Timestamp,
    },
    AppealDecided {
        outcome: AppealOutcome,
        grounds: Body,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        decision: Option<Decision>,
        /// What the merchant no longer owes the marketplace (a recovery set aside).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recovery_waived: Option<Money>,
    },
    ConsumerMediationOffered {
        mediator: ConsumerMediator,
    },
}

impl MediationEvent {
    pub const TYPES: &'static [&'static str] = &[
        "private_message_posted",
        "information_requested",
        "appealed",
        "appeal_decided",
        "consumer_mediation_offered",
    ];

    pub fn event_type(&self) -> &'static str {
        match self {
            MediationEvent::PrivateMessagePosted { .. } => "private_message_posted",
            MediationEvent::InformationRequested { .. } => "information_requested",
            MediationEvent::Appealed { .. } => "appealed",
            MediationEvent::AppealDecided { .. } => "appeal_decided",
            MediationEvent::ConsumerMediationOffered { .. } => "consumer_mediation_offered",
        }
    }

    /// The private channel an event belongs to (`None`: seen by every party).
    pub fn channel(&self) -> Option<Party> {
        match self {
            MediationEvent::PrivateMessagePosted { channel, .. } => Some(*channel),
            MediationEvent::InformationRequested { from, .. } => Some(*from),
            MediationEvent::Appealed { .. }
            | MediationEvent::AppealDecided { .. }
            | MediationEvent::ConsumerMediationOffered { .. } => None,
        }
    }
}

/// A request for information and whether it was answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InformationRequest {
    pub request_id: u32,
    pub from: Party,
    pub request: Body,
    pub due_at: Timestamp,
    pub requested_at: Timestamp,
    /// When the party answered (a message, a private message or a file from it).
    pub answered_at: Option<Timestamp>,
}

/// An appeal and how it was heard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppealRecord {
    pub by: Party,
    pub grounds: Body,
    pub lodged_at: Timestamp,
    pub outcome: Option<AppealOutcome>,
    pub decided_at: Option<Timestamp>,
}

/// Where mediation and arbitration stand.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MediationProgress {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<InformationRequest>,
    /// Messages in the private channels (the counts, per channel).
    #[serde(default)]
    pub private_to_buyer: u32,
    #[serde(default)]
    pub private_to_merchant: u32,
    /// Who took the standing arbitration decision (a staff user's or key's id) and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<Timestamp>,
    /// Who paid the standing decision, and what the merchant owes back for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recoverable: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appeal: Option<AppealRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer_mediator: Option<ConsumerMediator>,
}

impl MediationProgress {
    /// Requests still waiting for their answer.
    pub fn open_requests(&self) -> impl Iterator<Item = &InformationRequest> {
        self.requests.iter().filter(|r| r.answered_at.is_none())
    }

    /// Whether the marketplace's decision is final: its appeal was heard, or the window
    /// passed without one.
    pub fn decision_final(&self, rules: &LadderRules, now: Timestamp) -> bool {
        match (&self.appeal, self.decided_at) {
            (Some(appeal), _) => appeal.outcome.is_some(),
            (None, Some(at)) => now > rules.appeal_until(at),
            (None, None) => false,
        }
    }
}

/// The id the actor is recorded under (a staff user, a key, a job).
pub(super) fn actor_id(actor: &Actor) -> Option<&str> {
    match actor {
        Actor::OperatorUser { id }
        | Actor::MerchantUser { id }
        | Actor::System { id }
        | Actor::Provider { id } => Some(id),
        Actor::Buyer => None,
    }
}

fn require_mediated(state: &CaseState) -> Result<(), Rejection> {
    if state.stage >= Stage::Mediation {
        Ok(())
    } else {
        Err(invalid(
            "stage",
            "mediation.not_escalated",
            "the marketplace mediates once the case is escalated to it",
        ))
    }
}

fn require_party_channel(field: &str, channel: Party) -> Result<(), Rejection> {
    if matches!(channel, Buyer | Merchant) {
        Ok(())
    } else {
        Err(invalid(
            field,
            "mediation.invalid_channel",
            "a private channel is with the buyer or with the merchant",
        ))
    }
}

pub(super) fn decide(
    state: &CaseState,
    command: &MediationCommand,
    ctx: &Context<'_>,
) -> Result<Vec<CaseEvent>, Rejection> {
    let party = ctx.actor.party();
    let name = command.name();
    let rules = ctx.ladder();
    let progress = state.mediation.clone().unwrap_or_default();
    let event = match command {
        MediationCommand::PostPrivateMessage { channel, body } => {
            require_party(name, party, &[Buyer, Merchant, Operator])?;
            require_status(name, state, &[Open, Resolved])?;
            require_mediated(state)?;
            require_party_channel("channel", *channel)?;
            // A party writes in its own channel only; the mediator in either.
            if party != Operator && *channel != party {
                return Err(invalid(
                    "channel",
                    "mediation.not_your_channel",
                    "a party writes to the mediator in its own channel",
                ));
            }
            MediationEvent::PrivateMessagePosted {
                channel: *channel,
                body: body.clone(),
            }
        }
        MediationCommand::RequestInformation {
            from,
            request,
            due_at,
        } => {
            require_party(name, party, &[Operator])?;
            require_status(name, state, &[Open])?;
            require_mediated(state)?;
            require_party_channel("from", *from)?;
            let latest = ctx
                .now
                .checked_add(SignedDuration::from_hours(24 * 30))
                .unwrap_or(ctx.now);
            if *due_at <= ctx.now || *due_at > latest {
                return Err(invalid(
                    "due_at",
                    "information.due_invalid",
                    "the deadline is in the future, at most 30 days away",
                ));
            }
            MediationEvent::InformationRequested {
                request_id: progress.requests.len() as u32 + 1,
                from: *from,
                request: request.clone(),
                due_at: *due_at,
            }
        }
        MediationCommand::Appeal { grounds } => {
            require_party(name, party, &[Buyer, Merchant])?;
            require_status(name, state, &[Open, Resolved, Closed])?;
            let (Some(decision), Some(decided_at)) = (&state.decision, progress.decided_at) else {
                return Err(invalid(
                    "case_id",
                    "appeal.no_decision",
                    "only a decision of the marketplace can be appealed",
                ));
            };
            if progress.appeal.is_some() {
                return Err(invalid(
                    "case_id",
                    "appeal.already_lodged",
                    "a decision is appealed once; the appeal's decision is final",
                ));
            }
            let won = match decision.outcome {
                DecisionOutcome::BuyerFavoured => party == Buyer,
                DecisionOutcome::MerchantFavoured => party == Merchant,
                DecisionOutcome::Split => false,
            };
            if won {
                return Err(invalid(
                    "case_id",
                    "appeal.party_won",
                    "the decision went your way: only the other party may appeal it",
                ));
            }
            let window_until = rules.appeal_until(decided_at);
            if ctx.now > window_until {
                return Err(invalid(
                    "case_id",
                    "appeal.window_closed",
                    format!(
                        "the appeal window closed on {}",
                        ctx.law.date_of(window_until)
                    ),
                )
                .with(
                    "date",
                    crate::validation::Arg::Date(ctx.law.date_of(window_until)),
                ));
            }
            MediationEvent::Appealed {
                grounds: grounds.clone(),
                window_until,
            }
        }
        MediationCommand::DecideAppeal {
            outcome,
            grounds,
            decision,
        } => {
            require_party(name, party, &[Operator])?;
            let pending = progress
                .appeal
                .as_ref()
                .is_some_and(|a| a.outcome.is_none());
            if !pending {
                return Err(invalid(
                    "outcome",
                    "appeal.not_pending",
                    "no appeal awaits its hearing",
                ));
            }
            // Heard by another mediator than the one who decided.
            if actor_id(ctx.actor).is_some()
                && actor_id(ctx.actor) == progress.decided_by.as_deref()
            {
                return Err(invalid(
                    "outcome",
                    "appeal.same_mediator",
                    "an appeal is heard by another mediator than the one who decided",
                ));
            }
            super::escalation::check_grounds(grounds.as_str(), "grounds")?;
            let mut waived = None;
            match (outcome, decision) {
                (AppealOutcome::Dismissed, None) => {}
                (AppealOutcome::Dismissed, Some(_)) => {
                    return Err(invalid(
                        "decision",
                        "appeal.decision_not_expected",
                        "a dismissed appeal leaves the decision as it was",
                    ));
                }
                (AppealOutcome::Allowed, None) => {
                    return Err(invalid(
                        "decision",
                        "appeal.decision_required",
                        "an allowed appeal replaces the decision: give the new one",
                    ));
                }
                (AppealOutcome::Allowed, Some(new)) => {
                    if new.paid_by == Payer::Marketplace {
                        return Err(invalid(
                            "decision.paid_by",
                            "appeal.merchant_pays",
                            "on appeal the merchant carries out the new decision",
                        ));
                    }
                    super::escalation::check_decision(state, new, "decision")?;
                    // The merchant won on appeal: what it owed the marketplace is set aside.
                    if new.outcome == DecisionOutcome::MerchantFavoured {
                        waived = progress.recoverable;
                    }
                }
            }
            if waived.is_some() && ctx.ledger.is_none() {
                return Err(Rejection::OrderRequired);
            }
            let mut events: Vec<CaseEvent> = vec![
                MediationEvent::AppealDecided {
                    outcome: *outcome,
                    grounds: grounds.clone(),
                    decision: decision.clone(),
                    recovery_waived: waived,
                }
                .into(),
            ];
            // Final inside the marketplace: the buyer may now go to the consumer mediator.
            if let Some(mediator) = &rules.consumer_mediator
                && progress.consumer_mediator.is_none()
            {
                events.push(
                    MediationEvent::ConsumerMediationOffered {
                        mediator: mediator.clone(),
                    }
                    .into(),
                );
            }
            return Ok(events);
        }
        MediationCommand::OfferConsumerMediation => {
            require_party(name, party, &[Operator, System])?;
            if progress.consumer_mediator.is_some() {
                return Err(invalid(
                    "case_id",
                    "mediation.consumer_mediator_offered",
                    "the consumer mediator was already named to the buyer",
                ));
            }
            if !progress.decision_final(rules, ctx.now) {
                return Err(invalid(
                    "case_id",
                    "mediation.decision_not_final",
                    "the consumer mediator is offered once the marketplace's decision is final",
                ));
            }
            let Some(mediator) = &rules.consumer_mediator else {
                return Err(invalid(
                    "mediator",
                    "mediation.no_consumer_mediator",
                    "name the marketplace's consumer mediator in its settings first (C. conso L616-1)",
                ));
            };
            MediationEvent::ConsumerMediationOffered {
                mediator: mediator.clone(),
            }
        }
    };
    Ok(vec![event.into()])
}

pub(super) fn evolve(state: &mut CaseState, event: &MediationEvent, party: Party, at: Timestamp) {
    let mut progress = state.mediation.take().unwrap_or_default();
    match event {
        MediationEvent::PrivateMessagePosted { channel, .. } => {
            match channel {
                Party::Buyer => progress.private_to_buyer += 1,
                _ => progress.private_to_merchant += 1,
            }
            if state.status == CaseStatus::Open && state.awaiting_payment.is_none() {
                state.waiting_on = Some(if party == Party::Operator {
                    *channel
                } else {
                    Party::Operator
                });
            }
        }
        MediationEvent::InformationRequested {
            request_id,
            from,
            request,
            due_at,
        } => {
            progress.requests.push(InformationRequest {
                request_id: *request_id,
                from: *from,
                request: request.clone(),
                due_at: *due_at,
                requested_at: at,
                answered_at: None,
            });
            state.waiting_on = Some(*from);
        }
        MediationEvent::Appealed { grounds, .. } => {
            progress.appeal = Some(AppealRecord {
                by: party,
                grounds: grounds.clone(),
                lodged_at: at,
                outcome: None,
                decided_at: None,
            });
            if state.status == CaseStatus::Open {
                state.waiting_on = Some(Party::Operator);
            }
        }
        MediationEvent::AppealDecided {
            outcome,
            decision,
            recovery_waived,
            ..
        } => {
            if let Some(appeal) = &mut progress.appeal {
                appeal.outcome = Some(*outcome);
                appeal.decided_at = Some(at);
            }
            if recovery_waived.is_some() {
                progress.recoverable = None;
            }
            if let Some(new) = decision {
                // The appeal's decision replaces the first one: the case is settled anew.
                state.decision = Some(new.clone());
                state.status = CaseStatus::Open;
                state.resolution = None;
                state.resolved_at = None;
                state.awaiting_payment = None;
                state.mediation = Some(progress);
                state.agree(new.resolution.clone(), at);
                return;
            }
            if state.status == CaseStatus::Open && state.awaiting_payment.is_none() {
                state.waiting_on = None;
            }
        }
        MediationEvent::ConsumerMediationOffered { mediator } => {
            progress.consumer_mediator = Some(mediator.clone());
        }
    }
    state.mediation = Some(progress);
}

/// A party's message, private message or file answers the requests made to it.
pub(super) fn answer_requests(state: &mut CaseState, party: Party, at: Timestamp) {
    if let Some(progress) = &mut state.mediation {
        for request in &mut progress.requests {
            if request.from == party && request.answered_at.is_none() {
                request.answered_at = Some(at);
            }
        }
    }
}
