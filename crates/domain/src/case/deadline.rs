//! The next deadline of a case: by when the party whose move it is should act.
//!
//! These are response-time targets (SLAs) of the marketplace, not statutory
//! deadlines: the statutory ones (withdrawal, refund within 14 days, conformity)
//! come with the returns rules. The defaults follow common marketplace practice
//! and the payment networks' rhythm (PayPal gives a seller 10 days to answer
//! an escalated claim, RULES.md §PayPal); an operator can tighten them.

use super::model::{CaseStatus, Party, Stage};
use super::state::CaseState;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// How long each party has to answer, counted from when it became their move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseTimes {
    /// The merchant answering a buyer while the parties negotiate.
    pub merchant_hours: u32,
    /// The merchant answering once the operator mediates or arbitrates.
    pub merchant_escalated_hours: u32,
    /// The buyer answering the merchant (after that the case may be closed).
    pub buyer_hours: u32,
    /// The operator taking up an escalated case.
    pub operator_hours: u32,
}

impl Default for ResponseTimes {
    fn default() -> Self {
        ResponseTimes {
            merchant_hours: 48,
            merchant_escalated_hours: 72,
            buyer_hours: 7 * 24,
            operator_hours: 5 * 24,
        }
    }
}

impl ResponseTimes {
    fn hours_for(&self, party: Party, stage: Stage) -> Option<u32> {
        match party {
            Party::Merchant if stage == Stage::Negotiation => Some(self.merchant_hours),
            Party::Merchant => Some(self.merchant_escalated_hours),
            Party::Buyer => Some(self.buyer_hours),
            Party::Operator => Some(self.operator_hours),
            // A provider's own clock is the provider's; amiable has no move to wait for.
            Party::System | Party::Provider => None,
        }
    }
}

/// The instant by which the party whose move it is should act; `None` when
/// nobody is expected to act (closed, cancelled, resolved, or waiting on a
/// provider).
pub fn next_deadline(state: &CaseState, times: &ResponseTimes) -> Option<Timestamp> {
    if state.status != CaseStatus::Open {
        return None;
    }
    // Agreed or decided terms: the merchant pays within the payment delay.
    if let Some(awaiting) = &state.awaiting_payment {
        return Some(awaiting.due);
    }
    // The mediator's requests for information carry their own deadline.
    let requested = state
        .mediation
        .as_ref()
        .and_then(|m| m.open_requests().map(|r| r.due_at).min());
    if let Some(due) = requested {
        return Some(due);
    }
    let hours = times.hours_for(state.waiting_on?, state.stage)?;
    state
        .waiting_since
        .unwrap_or(state.last_activity_at)
        .checked_add(SignedDuration::from_hours(i64::from(hours)))
        .ok()
}
