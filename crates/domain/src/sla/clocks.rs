//! The clocks of a case: facts folded from its events, independent of any
//! policy or calendar.
//!
//! Each clock is a list of cycles (when it started, when it stopped, and the
//! stretches it spent paused and why). A policy and business hours turn them
//! into targets with due dates ([`super::evaluate`]); since the facts are kept,
//! changing the policy or the calendar recomputes every due date from them,
//! and the time already used and the pauses are never lost.
//!
//! - `merchant`: each time the ball is in the merchant's court, until the
//!   merchant answers the buyer (the first cycle is the first response, the
//!   others the next responses). Paused while the case waits on the carrier or
//!   on the marketplace: a case late because of the platform is not the
//!   merchant's lateness.
//! - `marketplace`: each time the ball is in the marketplace's court (mediation,
//!   arbitration), until the marketplace acts.
//! - `buyer_update`: each silence towards the buyer, from one piece of news (a
//!   message, a decision, any step the buyer sees from someone else) to the
//!   next. Paused while the case waits on the buyer — but not while it waits on
//!   the carrier: that is when a buyer most needs news (seed 003: « si vous ne
//!   recevez informations en 7 jours … »).
//! - `resolution`: from opening (or reopening) to resolution, paused while the
//!   case waits on the buyer, the carrier or the marketplace.

use crate::case::{CaseState, CaseStatus, Party};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// What a paused clock waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PauseReason {
    /// The buyer's answer, their parcel on its way back.
    Buyer,
    /// The carrier or a payment provider (a replacement parcel in transit, a claim).
    Carrier,
    /// The marketplace's mediator.
    Marketplace,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pause {
    pub from: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Timestamp>,
    pub waiting_on: PauseReason,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cycle {
    pub started_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pauses: Vec<Pause>,
}

impl Cycle {
    fn new(at: Timestamp) -> Cycle {
        Cycle {
            started_at: at,
            ended_at: None,
            pauses: Vec::new(),
        }
    }

    pub fn is_running(&self) -> bool {
        self.ended_at.is_none()
    }

    /// Why the cycle is paused now, if it is.
    pub fn paused(&self) -> Option<PauseReason> {
        self.pauses
            .last()
            .filter(|p| p.until.is_none())
            .map(|p| p.waiting_on)
    }

    fn set_paused(&mut self, reason: Option<PauseReason>, at: Timestamp) {
        if self.paused() == reason {
            return;
        }
        if let Some(open) = self.pauses.last_mut().filter(|p| p.until.is_none()) {
            open.until = Some(at);
        }
        if let Some(waiting_on) = reason {
            self.pauses.push(Pause {
                from: at,
                until: None,
                waiting_on,
            });
        }
    }

    fn end(&mut self, at: Timestamp) {
        self.set_paused(None, at);
        self.ended_at = Some(at);
    }
}

/// The four clocks of a case.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Clocks {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merchant: Vec<Cycle>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marketplace: Vec<Cycle>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buyer_update: Vec<Cycle>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolution: Vec<Cycle>,
}

/// In whose court the ball is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Court {
    Merchant,
    Buyer,
    Marketplace,
    /// Nobody's move but an outsider's: a parcel in transit, a carrier's or provider's answer.
    Carrier,
    /// The case is not open.
    Closed,
}

impl Court {
    pub fn of(state: &CaseState) -> Court {
        if state.status != CaseStatus::Open {
            return Court::Closed;
        }
        match state.waiting_on {
            Some(Party::Merchant) => Court::Merchant,
            Some(Party::Buyer) => Court::Buyer,
            Some(Party::Operator) => Court::Marketplace,
            Some(Party::System | Party::Provider) | None => Court::Carrier,
        }
    }
}

/// What one event was, as far as the clocks are concerned.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    pub at: Timestamp,
    /// Who acted.
    pub party: Party,
    /// Whether the buyer sees the event (news for them when someone else made it).
    pub seen_by_buyer: bool,
    /// Whether the merchant answered the buyer with it.
    pub merchant_answered: bool,
}

impl Clocks {
    /// The clocks of a case just opened.
    pub fn opened(state: &CaseState, at: Timestamp) -> Clocks {
        let mut clocks = Clocks {
            resolution: vec![Cycle::new(at)],
            buyer_update: vec![Cycle::new(at)],
            ..Clocks::default()
        };
        clocks.follow(Court::Closed, Court::of(state), at);
        clocks
    }

    /// Folds one event: `before` and `after` are the courts around it.
    pub fn observe(&mut self, before: Court, after: Court, step: Step) {
        let at = step.at;
        // Reopened: the resolution and the buyer's news start again.
        if before == Court::Closed && after != Court::Closed {
            self.resolution.push(Cycle::new(at));
            self.buyer_update.push(Cycle::new(at));
        }
        // News for the buyer: the silence ends, a new one begins (unless it only just began
        // with this very news: a reopening by the merchant or the marketplace).
        if step.seen_by_buyer
            && step.party != Party::Buyer
            && let Some(cycle) = running(&mut self.buyer_update)
            && cycle.started_at < at
        {
            cycle.end(at);
            if after != Court::Closed {
                self.buyer_update.push(Cycle::new(at));
            }
        }
        // The merchant answered: its response cycle is over.
        if step.party == Party::Merchant
            && (step.merchant_answered || step.seen_by_buyer)
            && let Some(cycle) = running(&mut self.merchant)
        {
            cycle.end(at);
        }
        // The buyer wrote to a merchant whose answer left the ball in its court (a status
        // update, a file, its responsibility stated): another answer is due.
        if step.party == Party::Buyer
            && step.seen_by_buyer
            && before == Court::Merchant
            && after == Court::Merchant
            && running(&mut self.merchant).is_none()
        {
            self.merchant.push(Cycle::new(at));
        }
        // The marketplace acted where a party sees it (an internal note or an assignment
        // is not an answer): its cycle is over.
        if step.party == Party::Operator
            && step.seen_by_buyer
            && let Some(cycle) = running(&mut self.marketplace)
        {
            cycle.end(at);
        }
        self.follow(before, after, at);
        // A party wrote while the marketplace holds the ball: it owes them an answer again.
        if after == Court::Marketplace
            && matches!(step.party, Party::Buyer | Party::Merchant)
            && running(&mut self.marketplace).is_none()
        {
            self.marketplace.push(Cycle::new(at));
        }
    }

    /// Starts, pauses, resumes and stops cycles as the ball moves.
    fn follow(&mut self, before: Court, after: Court, at: Timestamp) {
        if after == Court::Closed {
            for clock in [
                &mut self.merchant,
                &mut self.marketplace,
                &mut self.buyer_update,
                &mut self.resolution,
            ] {
                if let Some(cycle) = running(clock) {
                    cycle.end(at);
                }
            }
            return;
        }
        // The merchant's clock.
        match after {
            Court::Merchant if before != Court::Merchant => match running(&mut self.merchant) {
                Some(cycle) => cycle.set_paused(None, at),
                None => self.merchant.push(Cycle::new(at)),
            },
            Court::Merchant => {}
            Court::Buyer => {
                if let Some(cycle) = running(&mut self.merchant) {
                    cycle.end(at);
                }
            }
            Court::Carrier => {
                if let Some(cycle) = running(&mut self.merchant) {
                    cycle.set_paused(Some(PauseReason::Carrier), at);
                }
            }
            Court::Marketplace => {
                if let Some(cycle) = running(&mut self.merchant) {
                    cycle.set_paused(Some(PauseReason::Marketplace), at);
                }
            }
            Court::Closed => {}
        }
        // The marketplace's clock.
        if after == Court::Marketplace && before != Court::Marketplace {
            if running(&mut self.marketplace).is_none() {
                self.marketplace.push(Cycle::new(at));
            }
        } else if after != Court::Marketplace
            && let Some(cycle) = running(&mut self.marketplace)
        {
            cycle.end(at);
        }
        // Resolution pauses while anyone but the merchant holds the ball.
        let resolution_pause = match after {
            Court::Buyer => Some(PauseReason::Buyer),
            Court::Carrier => Some(PauseReason::Carrier),
            Court::Marketplace => Some(PauseReason::Marketplace),
            Court::Merchant | Court::Closed => None,
        };
        if let Some(cycle) = running(&mut self.resolution) {
            cycle.set_paused(resolution_pause, at);
        }
        // Silence towards the buyer pauses only while the buyer has the ball.
        let buyer_pause = (after == Court::Buyer).then_some(PauseReason::Buyer);
        if let Some(cycle) = running(&mut self.buyer_update) {
            cycle.set_paused(buyer_pause, at);
        }
    }

    /// Every pause of the case, in order, with the clock it paused: the timeline shows them.
    pub fn pauses(&self) -> Vec<(&'static str, &Pause)> {
        let mut all: Vec<(&'static str, &Pause)> = [
            ("merchant", &self.merchant),
            ("resolution", &self.resolution),
            ("buyer_update", &self.buyer_update),
        ]
        .into_iter()
        .flat_map(|(name, cycles)| {
            cycles
                .iter()
                .flat_map(move |c| c.pauses.iter().map(move |p| (name, p)))
        })
        .collect();
        all.sort_by_key(|(_, p)| p.from);
        all
    }
}

fn running(cycles: &mut [Cycle]) -> Option<&mut Cycle> {
    cycles.last_mut().filter(|c| c.is_running())
}
