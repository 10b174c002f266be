//! The plots: how each kind of case unfolds, stage by stage, to reach its
//! target status.

use super::{MAX_EVENTS, Story, Who, body, eur, euros, label, terms};
use crate::demo::cases::Target;
use crate::demo::clock::DAY;
use crate::demo::phrases::{self as say, Facts};
use crate::demo::texts;
use amiable_domain::case::LifecycleCommand;
use amiable_domain::case::{
    CaseItem, CaseKind, CaseStatus, Command, DecisionOutcome, Resolution, ResolutionKind, Stage,
};
use amiable_domain::reason::ReasonCode;
use anyhow::{Context as _, Result};

use CaseStatus::{Cancelled, Closed, Open, Resolved};
use DecisionOutcome::{BuyerFavoured, MerchantFavoured, Split};

impl Story<'_> {
    /// Plays the case to its target status and stage.
    pub(super) fn tell(&mut self) -> Result<()> {
        let Target {
            kind,
            status,
            stage,
        } = self.casting.target;
        if kind == CaseKind::PaymentDispute {
            return self.payment(status);
        }
        if let Some(plot) = self.casting.plot {
            return self.tell_return(plot);
        }
        if let Some(plot) = self.casting.incident {
            return self.tell_incident(plot);
        }
        self.open(None)?;
        match stage {
            Stage::Negotiation => self.negotiation_ends(status),
            Stage::Mediation => {
                self.negotiation_fails(false)?;
                self.mediation_starts()?;
                self.mediation_ends(status)
            }
            Stage::Arbitration => {
                self.negotiation_fails(false)?;
                self.mediation_starts()?;
                self.mediation_fails()?;
                self.arbitration_ends(status)
            }
            Stage::External => {
                self.negotiation_fails(true)?;
                self.mediation_starts()?;
                let why = say::to_arbitration(&self.voice, false);
                self.escalate(Who::Mediator, (48, 120), Stage::Arbitration, why)?;
                let (outcome, resolution, favour) = if self.rng.bool() {
                    (MerchantFavoured, self.refusal()?, Some(false))
                } else {
                    (Split, self.concession(30), None)
                };
                let why = say::rationale(&self.voice, self.reason(), favour);
                self.decide(Who::Mediator, (72, 240), outcome, resolution, why)?;
                let why = say::to_consumer_mediator(&self.voice);
                self.escalate(Who::Mediator, (120, 300), Stage::External, why)?;
                let text = say::consumer_mediator_informed(&self.voice);
                self.message(Who::Mediator, (1, 20), text, true)?;
                self.external_ends(status)
            }
        }
    }

    pub(super) fn items(&self) -> Result<Vec<CaseItem>> {
        self.casting
            .lines
            .iter()
            .map(|&i| {
                let id = &self.order.lines[i].line_id;
                let line = self
                    .order
                    .order
                    .lines
                    .iter()
                    .find(|l| l.line_id.as_str() == id)
                    .with_context(|| format!("line {id} of {}", self.order.external_id))?;
                Ok(CaseItem {
                    line_id: line.line_id.clone(),
                    quantity: line.quantity,
                    reason: None,
                })
            })
            .collect()
    }

    /// The buyer opens the case; a return may name the resolution the buyer would like.
    pub(super) fn open(&mut self, preferred: Option<ResolutionKind>) -> Result<()> {
        let reason = self.reason();
        let description = if self.kind() == CaseKind::Dispute {
            let delivered = self.order.delivered.unwrap_or(self.now - 3 * DAY);
            let earlier = (delivered + DAY + self.rng.i64(0..DAY)).min(self.now - DAY);
            let facts = Facts {
                other_size: self.casting.other_size,
                earlier: self.date(earlier)?,
                ground: self.ground(),
            };
            say::buyer_disputes(&self.voice, reason, &facts)
        } else {
            let facts = Facts {
                other_size: self.casting.other_size,
                earlier: String::new(),
                ground: String::new(),
            };
            say::buyer_opens(&self.voice, reason, &facts)
        };
        let claimed = (reason != "late_delivery").then(|| self.claimed_value());
        self.open_with(preferred, description, claimed)
    }

    /// The buyer opens the case in these words, claiming this much (minor units).
    pub(super) fn open_with(
        &mut self,
        preferred: Option<ResolutionKind>,
        description: String,
        claimed: Option<i64>,
    ) -> Result<()> {
        let command = Command::Lifecycle(LifecycleCommand::Open {
            preferred,
            kind: self.kind(),
            reason: ReasonCode::parse(self.reason())?,
            items: self.items()?,
            claimed: claimed.map(eur),
            description: body(description)?,
            stage: None,
        });
        self.act(Who::Buyer, (0, 0), command, false)
    }

    fn refusal(&self) -> Result<Resolution> {
        Ok(Resolution {
            note: Some(label(self.ground())?),
            ..Resolution::simple(ResolutionKind::Refusal)
        })
    }

    /// Sometimes a refund gets lost on the way: the buyer reopens and the shop pays again.
    fn refund_twist(&mut self, refund: &Resolution) -> Result<()> {
        // Reopen, answer, resolve again, and perhaps close: four more steps.
        if !refund.kind.is_refund()
            || self.rng.u8(0..100) >= 25
            || self.core_events() + 4 > MAX_EVENTS
        {
            return Ok(());
        }
        let why = label(say::buyer_reopens(&self.voice))?;
        self.act(
            Who::Buyer,
            (96, 200),
            Command::Lifecycle(LifecycleCommand::Reopen { reason: why }),
            false,
        )?;
        let text = say::shop_refund_sent(&self.voice);
        self.message(Who::Shop, (1, 24), text, false)?;
        self.resolve(Who::Shop, (0, 1), refund.clone())
    }

    fn negotiation_ends(&mut self, status: CaseStatus) -> Result<()> {
        match status {
            Open => self.negotiation_open(),
            Resolved | Closed => {
                self.settle()?;
                if status == Closed {
                    self.close(Who::Shop)?;
                }
                Ok(())
            }
            Cancelled => {
                // Returns settled between buyer and shop follow their lifecycle (`lifecycle.rs`).
                match self.kind() {
                    CaseKind::Incident => {
                        let text = say::shop_answers_incident(&self.voice, self.reason(), "");
                        self.message(Who::Shop, (1, 28), text, false)?;
                    }
                    _ => {
                        let text = say::shop_maintains(&self.voice, &self.ground());
                        self.message(Who::Shop, (2, 40), text, false)?;
                    }
                }
                let why = say::buyer_cancels(&self.voice, self.reason());
                self.cancel(Who::Buyer, (6, 72), why)
            }
        }
    }

    fn negotiation_open(&mut self) -> Result<()> {
        let reason = self.reason();
        match self.kind() {
            CaseKind::Incident
                if reason.starts_with("damaged_in_transit") || reason.starts_with("defective") =>
            {
                let remedy = self.remedy();
                let text = say::shop_answers_incident(&self.voice, reason, &self.describe(&remedy));
                self.offer(Who::Shop, (1, 28), remedy, Some(text))?;
                Ok(())
            }
            CaseKind::Incident => {
                let text = say::shop_answers_incident(&self.voice, reason, "");
                self.message(Who::Shop, (1, 28), text, false)?;
                if reason.starts_with("not_received") {
                    let reference = format!("ENQ-{:08}", self.rng.u32(0..100_000_000));
                    let text = say::note_investigation(&self.voice.carrier, &reference);
                    self.note(Who::Shop, (0, 2), text)?;
                }
                Ok(())
            }
            _ => {
                let text = say::shop_maintains(&self.voice, &self.ground());
                self.message(Who::Shop, (2, 40), text, false)
            }
        }
    }

    /// Buyer and merchant agree without help.
    fn settle(&mut self) -> Result<()> {
        let reason = self.reason();
        match self.kind() {
            CaseKind::Incident => {
                if reason == "late_delivery" {
                    if self.loyalty >= 3 {
                        let text =
                            say::note_loyal(self.buyer.female, self.loyalty, self.voice.agent);
                        self.note(Who::Shop, (1, 20), text)?;
                    }
                    let gesture = self.gesture();
                    let text =
                        say::shop_answers_incident(&self.voice, reason, &self.describe(&gesture));
                    let id = self.offer(Who::Shop, (1, 28), gesture, Some(text))?;
                    self.accept(Who::Buyer, (1, 30), id)?;
                    self.message(Who::Buyer, (0, 1), say::buyer_thanks(&self.voice), true)
                } else if reason.starts_with("defective") {
                    let repair = terms(ResolutionKind::Repair, None);
                    let text =
                        say::shop_answers_incident(&self.voice, reason, &self.describe(&repair));
                    let id = self.offer(Who::Shop, (1, 28), repair, Some(text))?;
                    if self.rng.bool() {
                        self.accept(Who::Buyer, (2, 40), id)
                    } else {
                        let replacement = terms(ResolutionKind::Replacement, None);
                        let text = say::buyer_counters(&self.voice);
                        let counter = self.offer(Who::Buyer, (2, 40), replacement, Some(text))?;
                        self.accept(Who::Shop, (1, 30), counter)
                    }
                } else if reason.starts_with("damaged_in_transit") {
                    let offer = if self.rng.bool() {
                        self.remedy()
                    } else {
                        terms(ResolutionKind::PartialRefund, Some(self.share(30)))
                    };
                    let text =
                        say::shop_answers_incident(&self.voice, reason, &self.describe(&offer));
                    let id = self.offer(Who::Shop, (1, 28), offer, Some(text))?;
                    self.accept(Who::Buyer, (1, 30), id)?;
                    self.message(Who::Buyer, (0, 1), say::buyer_thanks(&self.voice), true)
                } else {
                    let text = say::shop_answers_incident(&self.voice, reason, "");
                    self.message(Who::Shop, (1, 28), text, false)?;
                    if reason.starts_with("not_received") {
                        let reference = format!("ENQ-{:08}", self.rng.u32(0..100_000_000));
                        let text = say::note_investigation(&self.voice.carrier, &reference);
                        self.note(Who::Shop, (0, 2), text)?;
                    }
                    let remedy =
                        if reason == "wrong_item.variant" && self.casting.other_size.is_some() {
                            terms(ResolutionKind::Exchange, None)
                        } else if reason.starts_with("not_received") {
                            self.remedy()
                        } else {
                            terms(ResolutionKind::Replacement, None)
                        };
                    let wait = if reason.starts_with("not_received") {
                        (40, 110)
                    } else {
                        (1, 8)
                    };
                    let remedy = self.noted(remedy)?;
                    self.resolve(Who::Shop, wait, remedy.clone())?;
                    self.refund_twist(&remedy)
                }
            }
            _ => {
                if self.rng.bool() {
                    let offer = self.concession(40);
                    let text = say::shop_offers(&self.voice, &self.describe(&offer));
                    let id = self.offer(Who::Shop, (2, 40), offer, Some(text))?;
                    self.accept(Who::Buyer, (2, 40), id)
                } else {
                    let text = say::shop_maintains(&self.voice, &self.ground());
                    self.message(Who::Shop, (2, 40), text, false)?;
                    let withdrawn = Resolution {
                        note: Some(label(say::buyer_cancels(&self.voice, "other"))?),
                        ..Resolution::simple(ResolutionKind::Withdrawn)
                    };
                    self.resolve(Who::Buyer, (4, 72), withdrawn)
                }
            }
        }
    }
}

impl Story<'_> {
    /// Buyer and merchant do not agree: the buyer turns to the marketplace.
    fn negotiation_fails(&mut self, short: bool) -> Result<()> {
        // A return's opening already takes two or three events: its story stays short.
        let short = short || self.open_events > 1;
        let variant = if short {
            self.rng.u8(0..2) * 2
        } else {
            self.rng.u8(0..3)
        };
        if self.kind() == CaseKind::Dispute || variant == 0 {
            let ground = self.ground();
            let text = if self.kind() == CaseKind::Dispute {
                say::shop_maintains(&self.voice, &ground)
            } else {
                say::shop_refuses(&self.voice, &ground)
            };
            self.message(Who::Shop, (2, 40), text, false)?;
            let why = say::buyer_escalates(&self.voice, false);
            return self.escalate(Who::Buyer, (6, 72), Stage::Mediation, why);
        }
        if variant == 1 {
            let offer = self.concession(15);
            let kind = offer.kind;
            let text = say::shop_offers(&self.voice, &self.describe(&offer));
            let id = self.offer(Who::Shop, (2, 40), offer, Some(text))?;
            let why = say::buyer_declines(&self.voice, self.reason(), kind);
            self.decline(Who::Buyer, (4, 48), id, why)?;
            let why = say::buyer_escalates(&self.voice, false);
            return self.escalate(Who::Buyer, (1, 24), Stage::Mediation, why);
        }
        let days = self.rng.i64(6..10);
        let text = say::buyer_chases(&self.voice, days);
        self.message(Who::Buyer, (days * 24, days * 24 + 10), text, false)?;
        let why = say::buyer_escalates(&self.voice, true);
        self.escalate(Who::Buyer, (72, 120), Stage::Mediation, why)
    }

    fn mediation_starts(&mut self) -> Result<()> {
        let text = say::mediator_joins(&self.voice, self.reason());
        self.message(Who::Mediator, (3, 48), text, false)?;
        if self.rng.u8(0..100) < 75 {
            let text = say::shop_to_mediator(&self.voice);
            self.message(Who::Shop, (4, 72), text, true)?;
        }
        Ok(())
    }

    fn mediation_ends(&mut self, status: CaseStatus) -> Result<()> {
        match status {
            Open => {
                let text = say::note_mediator(self.reason(), &self.voice.carrier);
                self.note(Who::Mediator, (2, 48), text)
            }
            Resolved | Closed => {
                let proposal = if self.rng.bool() {
                    self.remedy()
                } else {
                    self.concession(50)
                };
                let text = say::mediator_proposes(&self.voice, &self.describe(&proposal));
                let id = self.offer(Who::Mediator, (24, 120), proposal, Some(text))?;
                self.accept(Who::Buyer, (2, 48), id)?;
                self.message(Who::Buyer, (0, 2), say::buyer_thanks(&self.voice), true)?;
                if status == Closed {
                    self.close(Who::Mediator)?;
                }
                Ok(())
            }
            Cancelled => {
                let why = say::operator_cancels(&self.voice, self.rng.bool());
                self.cancel(Who::Mediator, (24, 96), why)
            }
        }
    }

    /// Mediation fails: the case goes to arbitration.
    fn mediation_fails(&mut self) -> Result<()> {
        // Offer, decline and escalation, then the decision and perhaps the closing.
        let room = self.core_events() + 5 <= MAX_EVENTS;
        if self.rng.bool() && room {
            let proposal = self.concession(35);
            let kind = proposal.kind;
            let text = say::mediator_proposes(&self.voice, &self.describe(&proposal));
            let id = self.offer(Who::Mediator, (24, 120), proposal, Some(text))?;
            let why = say::buyer_declines(&self.voice, self.reason(), kind);
            self.decline(Who::Buyer, (4, 72), id, why)?;
            let why = say::to_arbitration(&self.voice, true);
            self.escalate(Who::Buyer, (1, 48), Stage::Arbitration, why)
        } else {
            let why = say::to_arbitration(&self.voice, false);
            self.escalate(Who::Mediator, (72, 144), Stage::Arbitration, why)
        }
    }

    fn arbitration_ends(&mut self, status: CaseStatus) -> Result<()> {
        let text = say::note_mediator(self.reason(), &self.voice.carrier);
        self.note(Who::Mediator, (2, 72), text)?;
        match status {
            Open => self.message(
                Who::Mediator,
                (1, 24),
                say::arbitration_pending(&self.voice),
                false,
            ),
            Resolved | Closed => {
                self.message(
                    Who::Mediator,
                    (1, 24),
                    say::arbitration_pending(&self.voice),
                    true,
                )?;
                let roll = self.rng.u8(0..100);
                let (outcome, resolution, favour) = if roll < 45 {
                    (BuyerFavoured, self.remedy(), Some(true))
                } else if roll < 75 {
                    (MerchantFavoured, self.refusal()?, Some(false))
                } else {
                    (Split, self.concession(50), None)
                };
                let why = say::rationale(&self.voice, self.reason(), favour);
                self.decide(
                    Who::Mediator,
                    (72, 288),
                    outcome,
                    resolution.clone(),
                    why.clone(),
                )?;
                // Now and then a decision is corrected: the delivery charge was forgotten.
                let amount = resolution.amount.map_or(0, |m| m.amount_minor);
                let corrected = amount + self.order.shipping;
                if resolution.kind == ResolutionKind::PartialRefund
                    && self.core_events() + 3 <= MAX_EVENTS
                    && self.order.shipping > 0
                    && corrected <= self.order.total
                    && self.rng.u8(0..100) < 40
                {
                    let reason = label(say::correction(&self.voice))?;
                    self.act(
                        Who::Mediator,
                        (24, 96),
                        Command::Lifecycle(LifecycleCommand::Reopen { reason }),
                        false,
                    )?;
                    let fixed = terms(ResolutionKind::PartialRefund, Some(corrected));
                    self.decide(Who::Mediator, (1, 6), Split, fixed, why)?;
                }
                if status == Closed {
                    self.close(Who::Mediator)?;
                }
                Ok(())
            }
            Cancelled => {
                let why = say::buyer_cancels(&self.voice, self.reason());
                self.cancel(Who::Buyer, (24, 120), why)
            }
        }
    }

    /// The consumer mediator has the case; the marketplace applies its opinion.
    fn external_ends(&mut self, status: CaseStatus) -> Result<()> {
        match status {
            Open => Ok(()),
            Resolved | Closed => {
                let (outcome, resolution) = if self.rng.bool() {
                    (BuyerFavoured, self.remedy())
                } else {
                    (Split, self.concession(50))
                };
                let why = say::consumer_mediator_rationale(&self.voice);
                self.decide(Who::Mediator, (24 * 15, 24 * 35), outcome, resolution, why)?;
                if status == Closed {
                    self.close(Who::Mediator)?;
                }
                Ok(())
            }
            Cancelled => {
                let why = say::operator_cancels(&self.voice, false);
                self.cancel(Who::Mediator, (24, 96), why)
            }
        }
    }

    /// A payment dispute: opened by PayPal or Stripe, at the external stage.
    fn payment(&mut self, status: CaseStatus) -> Result<()> {
        let provider = self.provider();
        let reason = self.reason();
        let total = self.order.total;
        let claimed = match reason {
            "incorrect_amount" => euros(total / 5),
            "not_as_described" => self.share(100),
            _ => total,
        };
        let (dispute_id, days) = if provider == "paypal" {
            (format!("PP-D-{}", self.rng.u32(10_000..100_000)), 10)
        } else {
            let tail: String = (0..24).map(|_| self.rng.alphanumeric()).collect();
            (format!("dp_1{tail}"), 14)
        };
        let due = texts::short_date(self.clock, self.now + days * DAY)?;
        let description = say::provider_opens(
            provider,
            &dispute_id,
            &self.order.transaction_id,
            reason,
            claimed,
            &due,
        );
        let command = Command::Lifecycle(LifecycleCommand::Open {
            preferred: None,
            kind: CaseKind::PaymentDispute,
            reason: ReasonCode::parse(reason)?,
            items: Vec::new(),
            claimed: Some(eur(claimed)),
            description: body(description)?,
            stage: Some(Stage::External),
        });
        self.act(Who::Provider, (0, 0), command, false)?;
        let tracking = self.voice.tracking.clone();
        let text = say::note_evidence(provider, &self.voice.carrier, &tracking);
        self.note(Who::Shop, (2, 40), text)?;
        match status {
            Open => {
                if self.rng.bool() {
                    let text = say::shop_saw_claim(&self.voice, provider);
                    self.message(Who::Shop, (1, 20), text, true)?;
                }
                self.message(
                    Who::Provider,
                    (48, 100),
                    say::provider_reminder(&due),
                    false,
                )
            }
            Resolved | Closed => {
                let merchant_pays = matches!(
                    reason,
                    "duplicate_charge" | "incorrect_amount" | "credit_not_processed"
                ) && self.rng.bool();
                let refund_kind = if claimed == total {
                    ResolutionKind::FullRefund
                } else {
                    ResolutionKind::PartialRefund
                };
                if merchant_pays {
                    let text = say::shop_saw_claim(&self.voice, provider);
                    self.message(Who::Shop, (1, 20), text, true)?;
                    let note = say::payment_refund_note(&self.voice, reason, claimed);
                    let refund = Resolution {
                        note: Some(label(note)?),
                        ..terms(refund_kind, Some(claimed))
                    };
                    self.resolve(Who::Shop, (2, 48), refund)?;
                } else {
                    // A lost parcel is not won on a proof of delivery; fraud is not split.
                    let (merchant_wins, buyer_wins) = match reason {
                        "not_received" => (0, 70),
                        "unauthorised" => (60, 100),
                        _ => (45, 80),
                    };
                    let roll = self.rng.u8(0..100);
                    let (outcome, resolution, favour) = if roll < merchant_wins {
                        let ground = say::provider_rationale(reason, Some(false));
                        let refusal = Resolution {
                            note: Some(label(ground)?),
                            ..Resolution::simple(ResolutionKind::Refusal)
                        };
                        (MerchantFavoured, refusal, Some(false))
                    } else if roll < buyer_wins {
                        (BuyerFavoured, terms(refund_kind, Some(claimed)), Some(true))
                    } else {
                        let half = euros(claimed / 2);
                        (
                            Split,
                            terms(ResolutionKind::PartialRefund, Some(half)),
                            None,
                        )
                    };
                    let why = say::provider_rationale(reason, favour);
                    self.decide(Who::Provider, (24 * 5, 24 * 20), outcome, resolution, why)?;
                }
                if status == Closed {
                    self.close(Who::Shop)?;
                }
                Ok(())
            }
            Cancelled => {
                if self.rng.bool() {
                    let text = say::shop_saw_claim(&self.voice, provider);
                    self.message(Who::Shop, (1, 20), text, true)?;
                }
                let why = say::provider_cancels(provider);
                self.cancel(Who::Provider, (48, 24 * 12), why)
            }
        }
    }
}
