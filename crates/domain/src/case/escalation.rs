//! The escalation family: offers and counter-offers, the ladder
//! (negotiation → mediation → arbitration → external) and binding decisions.

use super::decide::{Context, Rejection};
use super::event::CaseEvent;
use super::guards::{check_terms, invalid, require_party, require_status};
use super::model::*;
use super::state::{CaseState, Offer, OfferStatus};
use crate::text::{Body, Label};
use serde::{Deserialize, Serialize};

use CaseStatus::{Open, Resolved};
use Party::{Buyer, Merchant, Operator, Provider, System};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum EscalationCommand {
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
        /// Set by the application: the payment gateway that executes a refund the
        /// marketplace pays (`paid_by: marketplace`).
        #[serde(default)]
        gateway: Option<Label>,
    },
}

impl EscalationCommand {
    pub const NAMES: &'static [&'static str] = &[
        "propose_offer",
        "accept_offer",
        "decline_offer",
        "escalate",
        "record_decision",
    ];

    pub fn name(&self) -> &'static str {
        match self {
            EscalationCommand::ProposeOffer { .. } => "propose_offer",
            EscalationCommand::AcceptOffer { .. } => "accept_offer",
            EscalationCommand::DeclineOffer { .. } => "decline_offer",
            EscalationCommand::Escalate { .. } => "escalate",
            EscalationCommand::RecordDecision { .. } => "record_decision",
        }
    }

    /// A decision the marketplace pays moves money at once.
    pub fn moves_money(&self) -> bool {
        matches!(
            self,
            EscalationCommand::RecordDecision { decision, .. } if decision.paid_by == Payer::Marketplace
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EscalationEvent {
    OfferProposed {
        offer_id: u32,
        to: Party,
        terms: Resolution,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<Body>,
    },
    OfferAccepted {
        offer_id: u32,
    },
    OfferDeclined {
        offer_id: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<Label>,
    },
    Escalated {
        from: Stage,
        to: Stage,
        reason: Label,
    },
    DecisionRecorded {
        decision: Decision,
    },
}

impl EscalationEvent {
    pub const TYPES: &'static [&'static str] = &[
        "offer_proposed",
        "offer_accepted",
        "offer_declined",
        "escalated",
        "decision_recorded",
    ];

    pub fn event_type(&self) -> &'static str {
        match self {
            EscalationEvent::OfferProposed { .. } => "offer_proposed",
            EscalationEvent::OfferAccepted { .. } => "offer_accepted",
            EscalationEvent::OfferDeclined { .. } => "offer_declined",
            EscalationEvent::Escalated { .. } => "escalated",
            EscalationEvent::DecisionRecorded { .. } => "decision_recorded",
        }
    }

    /// An offer or an answer to one, from the merchant, answers the buyer.
    pub(super) fn answers_buyer(&self) -> bool {
        match self {
            EscalationEvent::OfferProposed { .. }
            | EscalationEvent::OfferAccepted { .. }
            | EscalationEvent::OfferDeclined { .. } => true,
            EscalationEvent::Escalated { .. } | EscalationEvent::DecisionRecorded { .. } => false,
        }
    }
}

pub(super) fn decide(
    state: &CaseState,
    command: &EscalationCommand,
    ctx: &Context<'_>,
) -> Result<Vec<CaseEvent>, Rejection> {
    let party = ctx.actor.party();
    let name = command.name();
    let event = match command {
        EscalationCommand::ProposeOffer { terms, message } => {
            require_party(name, party, &[Buyer, Merchant, Operator])?;
            require_status(name, state, &[Open])?;
            require_nothing_awaited(state)?;
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
            EscalationEvent::OfferProposed {
                offer_id: state.offers.len() as u32 + 1,
                to,
                terms: terms.clone(),
                message: message.clone(),
            }
        }
        EscalationCommand::AcceptOffer { offer_id } => {
            answerable(name, state, party, *offer_id)?;
            EscalationEvent::OfferAccepted {
                offer_id: *offer_id,
            }
        }
        EscalationCommand::DeclineOffer { offer_id, reason } => {
            answerable(name, state, party, *offer_id)?;
            EscalationEvent::OfferDeclined {
                offer_id: *offer_id,
                reason: reason.clone(),
            }
        }
        EscalationCommand::Escalate { to, reason } => {
            require_party(name, party, &[Buyer, Merchant, Operator, Provider, System])?;
            require_status(name, state, &[Open, Resolved])?;
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
                Provider => target == Stage::External,
                // amiable itself: a payment dispute outside, or an automation rule of the
                // marketplace handing a case to its mediators (one rung, to mediation).
                System => {
                    target == Stage::External
                        || (target == Stage::Mediation && state.stage == Stage::Negotiation)
                }
            };
            if !allowed {
                return Err(Rejection::PartyNotAllowed {
                    command: name,
                    party,
                });
            }
            // The buyer goes to the marketplace once the merchant answered, or once its
            // response window (working days, the operator's rule) passed without an answer.
            if party == Buyer
                && state.stage == Stage::Negotiation
                && state.merchant_first_response_at.is_none()
            {
                let opens_at = ctx.ladder().escalation_opens_at(state.opened_at, ctx.law);
                if ctx.now < opens_at {
                    let day = ctx.law.date_of(opens_at);
                    return Err(invalid(
                        "to",
                        "escalation.too_early",
                        format!("the merchant has until {day} to answer; the marketplace can be asked to step in after that"),
                    )
                    .with("date", crate::validation::Arg::Date(day)));
                }
            }
            EscalationEvent::Escalated {
                from: state.stage,
                to: target,
                reason: reason.clone(),
            }
        }
        EscalationCommand::RecordDecision { decision, gateway } => {
            require_status(name, state, &[Open])?;
            match (party, state.stage) {
                (Operator, Stage::Arbitration) | (Operator | Provider, Stage::External) => {}
                (Operator, stage) => return Err(Rejection::DecisionStage { stage }),
                _ => {
                    return Err(Rejection::PartyNotAllowed {
                        command: name,
                        party,
                    });
                }
            }
            // The operator's decision awaiting its payment stands; the terms of an accepted
            // offer may still be overruled by the arbiter, and an outside body (a payment
            // provider) may decide otherwise.
            if state.decision.is_some() && party == Operator {
                require_nothing_awaited(state)?;
            }
            if party == Operator {
                check_grounds(decision.rationale.as_str(), "decision.rationale")?;
            }
            check_decision(state, decision, "decision")?;
            let mut events = vec![CaseEvent::from(EscalationEvent::DecisionRecorded {
                decision: decision.clone(),
            })];
            if decision.paid_by == Payer::Marketplace {
                if party != Operator {
                    return Err(invalid(
                        "decision.paid_by",
                        "decision.marketplace_pays_money",
                        "only the marketplace's own decision is paid by the marketplace",
                    ));
                }
                let gateway = gateway
                    .clone()
                    .unwrap_or_else(|| Label::parse("manual").expect("a fixed label"));
                events.extend(super::money::marketplace_payout(
                    state, decision, ctx, &gateway,
                )?);
            } else if decision.recover_from_merchant {
                return Err(invalid(
                    "decision.recover_from_merchant",
                    "decision.recovery_without_payout",
                    "only what the marketplace paid can be recovered from the merchant",
                ));
            }
            return Ok(events);
        }
    };
    Ok(vec![event.into()])
}

pub(super) fn evolve(
    state: &mut CaseState,
    event: &EscalationEvent,
    party: Party,
    at: jiff::Timestamp,
) {
    match event {
        EscalationEvent::OfferProposed {
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
        EscalationEvent::OfferAccepted { offer_id } => {
            if let Some(offer) = state.offers.iter_mut().find(|o| o.offer_id == *offer_id) {
                offer.status = OfferStatus::Accepted;
                let terms = offer.terms.clone();
                state.agree(terms, at);
            }
        }
        EscalationEvent::OfferDeclined { offer_id, .. } => {
            if let Some(offer) = state.offers.iter_mut().find(|o| o.offer_id == *offer_id) {
                offer.status = OfferStatus::Declined;
                state.waiting_on = Some(offer.by);
            }
        }
        EscalationEvent::Escalated { to, .. } => {
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
        EscalationEvent::DecisionRecorded { decision } => {
            state.decision = Some(decision.clone());
            if party == Provider {
                // A payment provider's decision moves the money itself (a chargeback, a
                // claim decided by PayPal): nothing is left for the merchant to pay here.
                state.resolve(decision.resolution.clone(), at);
            } else {
                state.agree(decision.resolution.clone(), at);
            }
        }
    }
}

/// Terms agreed or decided that await their payment leave no room for other terms.
pub(super) fn require_nothing_awaited(state: &CaseState) -> Result<(), Rejection> {
    match &state.awaiting_payment {
        Some(_) => Err(invalid(
            "resolution",
            "case.payment_awaited",
            "the agreed terms await payment: carry them out with a money command",
        )),
        None => Ok(()),
    }
}

/// An offer is answered while it is pending, by the party it was made to.
fn answerable(
    name: &'static str,
    state: &CaseState,
    party: Party,
    offer_id: u32,
) -> Result<(), Rejection> {
    require_party(name, party, &[Buyer, Merchant])?;
    require_status(name, state, &[Open])?;
    let offer = state
        .pending_offer()
        .filter(|o| o.offer_id == offer_id)
        .ok_or(Rejection::OfferNotPending { offer_id })?;
    if offer.to != party {
        return Err(Rejection::OfferNotAddressedToYou { to: offer.to });
    }
    Ok(())
}

/// The written grounds of a decision: the facts found and why they lead to it.
pub(super) fn check_grounds(text: &str, field: &str) -> Result<(), Rejection> {
    if text.trim().chars().count() < 20 {
        return Err(invalid(
            field,
            "decision.grounds_required",
            "state the grounds: the facts found, and the clause or article that decides (at least 20 characters)",
        ));
    }
    Ok(())
}

/// A decision holds together: its terms, its outcome, and the buyer's consent rules.
pub(super) fn check_decision(
    state: &CaseState,
    decision: &Decision,
    field: &str,
) -> Result<(), Rejection> {
    check_terms(&decision.resolution, state, &format!("{field}.resolution"))?;
    check_outcome(decision)?;
    // C. conso L221-24: a withdrawal is refunded by the means of payment used; store
    // credit or an exchange only with the buyer's consent, which no decision gives.
    let kind = decision.resolution.kind;
    if matches!(kind, ResolutionKind::StoreCredit | ResolutionKind::Exchange)
        && super::money::withdrawal_without_consent(state, kind)
    {
        return Err(invalid(
            &format!("{field}.resolution.kind"),
            "return.buyer_consent_required",
            "a withdrawal is refunded by the original means of payment unless the buyer chose otherwise",
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
