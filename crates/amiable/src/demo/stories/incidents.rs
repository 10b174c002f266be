//! Incidents told around who answers for them: the responsibility and its
//! grounds, the claim against the carrier, the replacement parcel, late
//! delivery (C. conso L216-6, L216-7), gestures within the shop's goodwill
//! budget or waiting for approval, and a dispute taken through private
//! mediation to a decision the marketplace pays and recovers from the shop,
//! then appealed before a second mediator.

use super::lifecycle::CARRIER;
use super::{Story, Who, body, eur, goodwill, label, terms};
use crate::demo::cases::IncidentPlot;
use crate::demo::catalog::{Carrier, STAFF_MEDIATORS};
use crate::demo::clock::{DAY, HOUR, MINUTE, timestamp};
use crate::demo::phrases::{self as say, Facts};
use crate::demo::texts::{self, Lang};
use amiable_domain::case::{
    AppealOutcome, ClaimOutcome, Command, Decision, DecisionOutcome, EscalationCommand,
    GoodwillKind, IncidentCommand, MediationCommand, MoneyCommand, Party, Payer, ReshipmentStatus,
    Resolution, ResolutionKind, Responsibility, Stage,
};
use amiable_domain::law::LawPack;
use amiable_domain::order::{LineShipping, ShipmentLine};
use anyhow::{Context as _, Result};
use jiff::civil::Date;

/// The clauses an arbitration decision paid by the marketplace applies.
const DECISION_CITES: [&str; 2] = [
    "Conditions générales marchands, art. 9.2",
    "C. conso L216-2",
];

impl Story<'_> {
    /// Plays an incident told around who answers for it to where `plot` ends.
    pub(super) fn tell_incident(&mut self, plot: IncidentPlot) -> Result<()> {
        use IncidentPlot::*;
        match plot {
            WrongItemRefunded => self.wrong_item_refunded(),
            LostAndRecovered => self.lost_and_recovered(),
            DamagedPartlyRefunded => self.damaged_partly_refunded(),
            ReshipDelivered => self.reship_delivered(),
            ReshipLost => self.reship_lost(),
            DeliveryProven => self.delivery_proven(),
            UnknownCauseGoodwill => self.unknown_cause_goodwill(),
            GoodwillAwaitingApproval => self.goodwill_awaiting_approval(),
            LateDeliveryCancelled => self.late_delivery_cancelled(),
            AppealDismissed => self.arbitrated_and_appealed(true),
            AppealPending => self.arbitrated_and_appealed(false),
        }
    }

    // ---- The plots --------------------------------------------------

    /// The shop packed another product: it answers for it and refunds the item.
    fn wrong_item_refunded(&mut self) -> Result<()> {
        self.open(None)?;
        let slip = self.slip();
        let grounds = say::grounds_wrong_item(&self.voice, &slip);
        self.responsibility(Who::Shop, (1, 20), Responsibility::Merchant, grounds)?;
        let amount = self.claimed_value();
        let refund = self.noted(terms(ResolutionKind::FullRefund, Some(amount)))?;
        let text = say::shop_wrong_item_refund(&self.voice, amount);
        let id = self.offer(Who::Shop, (0, 1), refund, Some(text))?;
        self.accept(Who::Buyer, (2, 30), id)?;
        self.message(Who::Buyer, (0, 2), say::buyer_thanks(&self.voice), true)
    }

    /// The carrier lost the parcel: the shop refunds at once, then claims from the carrier,
    /// which pays the value back.
    fn lost_and_recovered(&mut self) -> Result<()> {
        let claimed = self.whole_order_claim();
        let description = self.opening();
        self.open_with(None, description, Some(claimed))?;
        let text = say::shop_answers_incident(&self.voice, self.reason(), "");
        self.message(Who::Shop, (1, 20), text, false)?;
        let enquiry = format!("ENQ-{:08}", self.rng.u32(0..100_000_000));
        self.note(
            Who::Shop,
            (0, 2),
            say::note_investigation(&self.voice.carrier, &enquiry),
        )?;
        let grounds = say::grounds_parcel_lost(&self.voice, &enquiry);
        self.responsibility(Who::Shop, (40, 100), Responsibility::Carrier, grounds)?;
        let text = say::shop_refunds_lost(&self.voice, claimed);
        self.message(Who::Shop, (0, 1), text, false)?;
        self.refund((0, 1))?;
        let reference = self.claim((2, 48), claimed, None)?;
        self.claim_paid((24 * 8, 24 * 10), claimed)?;
        let carrier = self.voice.carrier.clone();
        self.note(
            Who::Shop,
            (0, 2),
            say::note_claim_paid(&carrier, &reference, claimed),
        )
    }

    /// Broken on the way: the shop protests to the carrier within three days (C. com.
    /// L133-3), the buyer keeps the item with a partial refund, the carrier pays it back.
    fn damaged_partly_refunded(&mut self) -> Result<()> {
        self.open(None)?;
        let text = say::shop_answers_incident(&self.voice, self.reason(), "");
        self.message(Who::Shop, (1, 20), text, false)?;
        let answered = self.now;
        self.message(
            Who::Buyer,
            (1, 12),
            say::buyer_sends_photos(&self.voice),
            true,
        )?;
        let sent = self.reserves_sent_on(answered)?;
        let sent_text = self.day(sent, self.voice.lang)?;
        let grounds = say::grounds_damaged(&self.voice, &sent_text);
        self.responsibility(Who::Shop, (1, 8), Responsibility::Carrier, grounds)?;
        let percent = self.rng.i64(30..=45);
        let amount = self.share(percent);
        let offer = self.noted(terms(ResolutionKind::PartialRefund, Some(amount)))?;
        let text = say::shop_offers_for_damage(&self.voice, &self.describe(&offer));
        let id = self.offer(Who::Shop, (0, 1), offer, Some(text))?;
        self.accept(Who::Buyer, (2, 30), id)?;
        self.claim((1, 48), amount, Some(sent))?;
        self.claim_paid((24 * 9, 24 * 11), amount)
    }

    /// Another size was packed: the right one is reshipped, and its delivery settles the case.
    fn reship_delivered(&mut self) -> Result<()> {
        self.open(None)?;
        let sent = self
            .casting
            .other_size
            .context("a wrong size without the size sent")?;
        let slip = self.slip();
        let grounds = say::grounds_wrong_size(&self.voice, sent, &slip);
        self.responsibility(Who::Shop, (1, 20), Responsibility::Merchant, grounds)?;
        let (carrier, tracking) = self.reship((0, 4))?;
        let text = say::shop_reshipped(&self.voice, &carrier, &tracking);
        self.message(Who::Shop, (0, 1), text, false)?;
        self.reshipment_scan(ReshipmentStatus::Delivered, (1, 3))?;
        self.message(Who::Buyer, (1, 30), say::buyer_thanks(&self.voice), true)
    }

    /// Broken on the way: a replacement sent and agreed, lost too; the case reopens and
    /// the item is refunded.
    fn reship_lost(&mut self) -> Result<()> {
        self.open(None)?;
        let text = say::shop_answers_incident(&self.voice, self.reason(), "");
        self.message(Who::Shop, (1, 20), text, false)?;
        self.message(
            Who::Buyer,
            (1, 12),
            say::buyer_sends_photos(&self.voice),
            true,
        )?;
        let grounds = say::grounds_carrier_fault(&self.voice, self.reason());
        self.responsibility(Who::Shop, (1, 8), Responsibility::Carrier, grounds)?;
        let (carrier, tracking) = self.reship((0, 3))?;
        let replacement = self.noted(terms(ResolutionKind::Replacement, None))?;
        let text = say::shop_reship_offer(&self.voice, &carrier, &tracking);
        let id = self.offer(Who::Shop, (0, 1), replacement, Some(text))?;
        self.accept(Who::Buyer, (1, 24), id)?;
        self.reshipment_scan(ReshipmentStatus::Lost, (5, 9))?;
        let text = say::shop_replacement_lost(&self.voice, self.claimed_value());
        self.message(Who::Shop, (1, 24), text, false)?;
        self.refund((0, 1))
    }

    /// Marked delivered, not received: the proof of delivery at the buyer's address puts it
    /// on the buyer's side, and the buyer finds the parcel at home.
    fn delivery_proven(&mut self) -> Result<()> {
        self.open(None)?;
        let text = say::shop_answers_incident(&self.voice, self.reason(), "");
        self.message(Who::Shop, (1, 20), text, false)?;
        let delivered = self
            .lines_delivered_at()
            .context("a proven delivery without a delivery")?;
        let when = self.moment(delivered)?;
        let address = {
            let a = &self.buyer.address;
            format!("{}, {} {}", a.lines.join(", "), a.postal_code, a.city)
        };
        let grounds = say::grounds_delivery_proven(&self.voice, &when, &address);
        self.responsibility(Who::Shop, (30, 72), Responsibility::Buyer, grounds)?;
        let text = say::shop_shares_proof(&self.voice, &when);
        self.message(Who::Shop, (0, 1), text, false)?;
        let text = say::buyer_found_parcel(&self.voice);
        self.message(Who::Buyer, (2, 30), text, false)?;
        let withdrawn = Resolution {
            note: Some(label(say::parcel_found(&self.voice))?),
            ..Resolution::simple(ResolutionKind::Withdrawn)
        };
        self.resolve(Who::Buyer, (0, 1), withdrawn)
    }

    /// Nobody can say why: an agent grants a gesture within the shop's budget, on its own.
    fn unknown_cause_goodwill(&mut self) -> Result<()> {
        self.open(None)?;
        let text = say::shop_looks_into(&self.voice, self.reason());
        self.message(Who::Shop, (1, 20), text, false)?;
        let grounds = say::grounds_unknown(&self.voice, self.reason());
        self.responsibility(Who::Shop, (24, 72), Responsibility::Unknown, grounds)?;
        let threshold = self.approval_threshold()?;
        let shipping = self.order.shipping;
        let gesture = if shipping > 0 && shipping <= threshold && self.rng.bool() {
            goodwill(GoodwillKind::ShippingRefund, shipping)
        } else {
            let amount = (500 * self.rng.i64(2..5))
                .min(threshold)
                .min(self.order.total);
            goodwill(GoodwillKind::Voucher, amount)
        };
        let gesture = self.gesture_noted(gesture)?;
        let text = say::shop_offers_gesture_anyway(&self.voice, &self.describe(&gesture));
        let id = self.offer(Who::Shop, (0, 1), gesture.clone(), Some(text))?;
        self.agree(Who::Buyer, (1, 30), id)?;
        self.gesture_by_agent((1, 24), &gesture, false)?;
        self.message(Who::Buyer, (0, 2), say::buyer_thanks(&self.voice), true)
    }

    /// The carrier's fault: an agent agrees a gesture above the shop's threshold with the
    /// buyer, and it waits for the manager's approval.
    fn goodwill_awaiting_approval(&mut self) -> Result<()> {
        self.open(None)?;
        let late = self.reason() == "late_delivery";
        if !late {
            self.message(
                Who::Buyer,
                (0, 2),
                say::buyer_sends_photos(&self.voice),
                false,
            )?;
        }
        let photos = self.now;
        let grounds = say::grounds_carrier_fault(&self.voice, self.reason());
        self.responsibility(Who::Shop, (1, 20), Responsibility::Carrier, grounds)?;
        let threshold = self.approval_threshold()?;
        let amount = (threshold + 500 * self.rng.i64(1..=3)).min(self.order.total);
        let gesture = self.gesture_noted(goodwill(GoodwillKind::Voucher, amount))?;
        let offer = self.describe(&gesture);
        let text = if late {
            say::shop_answers_incident(&self.voice, self.reason(), &offer)
        } else {
            say::shop_offers_for_damage(&self.voice, &offer)
        };
        let id = self.offer(Who::Shop, (0, 2), gesture.clone(), Some(text))?;
        self.agree(Who::Buyer, (1, 30), id)?;
        if !late {
            // The shop claims the item's lost value from the carrier; the answer is to come.
            let sent = self.reserves_sent_on(photos)?;
            self.claim((0, 4), amount, Some(sent))?;
        }
        self.gesture_by_agent((1, 24), &gesture, true)?;
        self.note(
            Who::Shop,
            (0, 1),
            say::note_approval_asked(amount, threshold),
        )?;
        self.message(
            Who::Shop,
            (0, 1),
            say::shop_gesture_pending(&self.voice),
            true,
        )
    }

    /// Never delivered: the buyer sets a new deadline, it passes, the buyer cancels and the
    /// refund of everything paid is due within 14 days.
    fn late_delivery_cancelled(&mut self) -> Result<()> {
        let description = say::buyer_still_waiting(&self.voice);
        self.open_with(None, description, None)?;
        let text = say::shop_parcel_held_up(&self.voice);
        self.message(Who::Shop, (1, 20), text, false)?;
        // A week more: the buyer writes within three days, and the new date is eight days
        // after that at least (L216-6: a reasonable extra period).
        let deliver_by = self
            .clock
            .date_of(self.now + 3 * DAY)?
            .checked_add(jiff::ToSpan::days(8))?;
        let deadline = self.day(deliver_by, self.voice.lang)?;
        self.act(
            Who::Buyer,
            (20, 60),
            Command::Incident(IncidentCommand::SetDeliveryDeadline { deliver_by }),
            false,
        )?;
        let text = say::buyer_sets_deadline(&self.voice, &deadline);
        self.message(Who::Buyer, (0, 1), text, false)?;
        self.message(
            Who::Shop,
            (4, 48),
            say::shop_chased_carrier(&self.voice),
            true,
        )?;
        // The day after the deadline, still nothing: the buyer cancels.
        let morning = self.clock.local(deliver_by.tomorrow()?, 8, 0, 0)?;
        self.now = self.now.max(morning + self.rng.i64(0..10 * HOUR));
        self.act(
            Who::Buyer,
            (0, 0),
            Command::Incident(IncidentCommand::CancelLateOrder),
            false,
        )?;
        let law = LawPack::france();
        let due = law.delivery.refund_due(self.clock.date_of(self.now)?);
        let text = say::buyer_cancels_late(&self.voice, &deadline);
        self.message(Who::Buyer, (0, 1), text, false)?;
        let due = self.day(due, self.voice.lang)?;
        let text = say::shop_refund_due(&self.voice, self.order.total, &due);
        self.message(Who::Shop, (1, 20), text, true)
    }

    /// Marked delivered, not received, the shop refuses: mediation, where the mediator asks
    /// the shop in private for the proof of delivery by a date; arbitration, where the
    /// marketplace refunds the buyer at once and recovers it from the shop; the shop's appeal,
    /// heard by a second mediator (`heard`) who dismisses it and names the consumer mediator.
    fn arbitrated_and_appealed(&mut self, heard: bool) -> Result<()> {
        // The demo's own mediator logins: the first decides, the second hears the appeal.
        self.mediator = &STAFF_MEDIATORS[0];
        self.voice.mediator = self.mediator.name;
        self.voice.mediator_female = self.mediator.female;
        let claimed = self.whole_order_claim();
        let description = self.opening();
        self.open_with(None, description, Some(claimed))?;
        let text = say::shop_refuses(&self.voice, &self.ground());
        self.message(Who::Shop, (2, 30), text, false)?;
        let why = say::buyer_escalates(&self.voice, false);
        self.escalate(Who::Buyer, (6, 48), Stage::Mediation, why)?;
        let text = say::mediator_joins(&self.voice, self.reason());
        self.message(Who::Mediator, (3, 30), text, false)?;

        // In private: the proof of delivery from the shop, within a week.
        let due_day = self.clock.date_of(self.now + 7 * DAY)?;
        let due_at = self.clock.local(due_day, 18, 0, 0)?;
        let due = self.day(due_day, Lang::Fr)?;
        let request = body(say::mediator_requests_proof(&self.voice, &due))?;
        self.act(
            Who::Mediator,
            (0, 2),
            Command::Mediation(MediationCommand::RequestInformation {
                from: Party::Merchant,
                request,
                due_at: timestamp(due_at)?,
            }),
            false,
        )?;
        let text = say::mediator_asks_buyer(&self.voice);
        self.private(Who::Mediator, Party::Buyer, (0, 1), text, true)?;
        let text = say::buyer_private_answer(&self.voice);
        self.private(Who::Buyer, Party::Buyer, (2, 30), text, true)?;
        let delivered = self
            .lines_delivered_at()
            .context("marked delivered without a delivery")?;
        let delivered_fr = texts::date(self.clock, Lang::Fr, delivered)?;
        let text = say::shop_private_proof(&self.voice, &delivered_fr);
        self.private(Who::Shop, Party::Merchant, (20, 48), text, false)?;

        // Arbitration: the marketplace pays, and the shop owes it back.
        let why = say::to_arbitration(&self.voice, false);
        self.escalate(Who::Mediator, (24, 72), Stage::Arbitration, why)?;
        let delivered_text = self.voice.delivered.clone();
        let decision = Decision {
            outcome: DecisionOutcome::BuyerFavoured,
            resolution: self.noted(terms(ResolutionKind::FullRefund, Some(claimed)))?,
            rationale: body(say::rationale_not_proven(&self.voice, &delivered_text))?,
            cites: DECISION_CITES
                .iter()
                .map(|c| label((*c).to_owned()))
                .collect::<Result<_>>()?,
            paid_by: Payer::Marketplace,
            recover_from_merchant: true,
        };
        self.act(
            Who::Mediator,
            (48, 96),
            Command::Escalation(EscalationCommand::RecordDecision {
                decision,
                gateway: Some(label("manual".to_owned())?),
            }),
            false,
        )?;
        // The decision recorded the case's first refund; the gateway confirms it.
        self.settle_refund_numbered(1)?;

        // The shop lost: it appeals within the window.
        let grounds = body(say::shop_appeals(&self.voice))?;
        self.act(
            Who::Shop,
            (24, 72),
            Command::Mediation(MediationCommand::Appeal { grounds }),
            false,
        )?;
        if !heard {
            return self.message(
                Who::Mediator,
                (1, 24),
                say::appeal_lodged(&self.voice),
                true,
            );
        }
        self.mediator = &STAFF_MEDIATORS[1];
        let (name, female) = (self.mediator.name, self.mediator.female);
        let grounds = body(say::appeal_dismissed(&self.voice, female))?;
        self.act(
            Who::Mediator,
            (48, 96),
            Command::Mediation(MediationCommand::DecideAppeal {
                outcome: AppealOutcome::Dismissed,
                grounds,
                decision: None,
            }),
            false,
        )?;
        let text = say::appeal_closing(&self.voice, name, female, claimed);
        self.message(Who::Mediator, (0, 1), text, true)
    }

    // ---- Steps ------------------------------------------------------

    fn responsibility(
        &mut self,
        who: Who,
        hours: (i64, i64),
        responsible: Responsibility,
        grounds: String,
    ) -> Result<()> {
        let command = Command::Incident(IncidentCommand::DetermineResponsibility {
            responsible,
            grounds: body(grounds)?,
        });
        self.act(who, hours, command, false)
    }

    /// An offer accepted whose terms the story carries out itself.
    fn agree(&mut self, who: Who, hours: (i64, i64), offer_id: u32) -> Result<()> {
        self.act(
            who,
            hours,
            Command::Escalation(EscalationCommand::AcceptOffer { offer_id }),
            false,
        )
    }

    /// A message in a private channel of the mediation.
    fn private(
        &mut self,
        who: Who,
        channel: Party,
        hours: (i64, i64),
        text: String,
        optional: bool,
    ) -> Result<()> {
        let command = Command::Mediation(MediationCommand::PostPrivateMessage {
            channel,
            body: body(text)?,
        });
        self.act(who, hours, command, optional)
    }

    /// An agent (no approver) pays an agreed gesture: within the shop's goodwill budget it
    /// goes through, above its threshold it waits for approval.
    fn gesture_by_agent(
        &mut self,
        hours: (i64, i64),
        gesture: &Resolution,
        request_approval: bool,
    ) -> Result<()> {
        let amount = gesture
            .amount
            .context("a gesture without an amount")?
            .amount_minor;
        let command = Command::Money(MoneyCommand::Compensate {
            kind: gesture.goodwill.unwrap_or(GoodwillKind::Voucher),
            amount: eur(amount),
            note: gesture.note.clone(),
            resolve: true,
            approver: false,
            request_approval,
        });
        self.act(Who::Shop, hours, command, false)
    }

    /// A replacement parcel for the case's lines; returns its carrier and tracking number.
    fn reship(&mut self, hours: (i64, i64)) -> Result<(String, String)> {
        let carrier = self.order.carrier.unwrap_or(Carrier::Colissimo);
        let tracking = carrier.tracking_number(self.rng);
        let lines = self
            .items()?
            .into_iter()
            .map(|item| ShipmentLine {
                line_id: item.line_id,
                quantity: item.quantity,
            })
            .collect();
        let command = Command::Incident(IncidentCommand::Reship {
            lines,
            carrier: label(carrier.name().to_owned())?,
            tracking_number: label(tracking.clone())?,
        });
        self.act(Who::Shop, hours, command, false)?;
        Ok((carrier.name().to_owned(), tracking))
    }

    /// The carrier's news of the replacement, some days after it left.
    fn reshipment_scan(&mut self, status: ReshipmentStatus, days: (i64, i64)) -> Result<()> {
        let wanted = self.now + self.rng.i64(days.0 * DAY..days.1 * DAY);
        let scanned = self.clock.office_hours(wanted, self.rng)?;
        let at = scanned + self.rng.i64(2 * MINUTE..40 * MINUTE);
        self.system(
            CARRIER,
            at,
            Command::Incident(IncidentCommand::RecordReshipmentScan { status }),
        );
        Ok(())
    }

    /// The shop's claim against the carrier; returns its reference.
    fn claim(
        &mut self,
        hours: (i64, i64),
        amount: i64,
        reserves_sent_on: Option<Date>,
    ) -> Result<String> {
        let year = self.clock.date_of(self.now)?.year();
        let reference = format!("RC-{year}-{:06}", self.rng.u32(0..1_000_000));
        let command = Command::Incident(IncidentCommand::FileCarrierClaim {
            carrier: label(self.voice.carrier.clone())?,
            reference: label(reference.clone())?,
            amount: eur(amount),
            reserves_sent_on,
        });
        self.act(Who::Shop, hours, command, false)?;
        Ok(reference)
    }

    /// The carrier accepts the claim and pays `amount` back to the shop.
    fn claim_paid(&mut self, hours: (i64, i64), amount: i64) -> Result<()> {
        let command = Command::Incident(IncidentCommand::RecordClaimOutcome {
            outcome: ClaimOutcome::Accepted,
            recovered: Some(eur(amount)),
        });
        self.act(Who::Shop, hours, command, false)
    }

    // ---- Facts ------------------------------------------------------

    /// When the shop sent its reserves to the carrier: on the day of `reported`, never later
    /// than the three days the law allows from the receipt (C. com. L133-3).
    fn reserves_sent_on(&self, reported: i64) -> Result<Date> {
        let law = LawPack::france();
        let delivered = self
            .lines_delivered_at()
            .context("a damaged parcel that was never delivered")?;
        let due = law
            .delivery
            .reserves_due(self.clock.date_of(delivered)?, &law.calendar);
        Ok(self.clock.date_of(reported)?.min(due))
    }

    /// A gesture with its note for the buyer.
    fn gesture_noted(&self, mut gesture: Resolution) -> Result<Resolution> {
        let amount = gesture.amount.map_or(0, |m| m.amount_minor);
        let shipping = gesture.goodwill == Some(GoodwillKind::ShippingRefund);
        gesture.note = Some(label(say::gesture_note(&self.voice, shipping, amount))?);
        Ok(gesture)
    }

    /// The buyer's first message, as for any incident of this reason.
    fn opening(&self) -> String {
        let facts = Facts {
            other_size: self.casting.other_size,
            earlier: String::new(),
            ground: String::new(),
        };
        say::buyer_opens(&self.voice, self.reason(), &facts)
    }

    /// What a parcel that never came is worth to the buyer: its items and the delivery.
    fn whole_order_claim(&self) -> i64 {
        (self.claimed_value() + self.order.shipping).min(self.order.total)
    }

    /// The shop's approval threshold for gestures.
    fn approval_threshold(&self) -> Result<i64> {
        self.order
            .merchant()
            .goodwill_budget
            .map(|(_, threshold)| threshold)
            .context("a goodwill story at a shop without a goodwill budget")
    }

    fn slip(&mut self) -> String {
        format!("BP-{:06}", self.rng.u32(0..1_000_000))
    }

    /// When the case's lines were delivered (the whole order's delivery when it names none).
    fn lines_delivered_at(&self) -> Option<i64> {
        let items = self.items().ok()?;
        if items.is_empty() {
            return self.order.delivered;
        }
        let mut last: Option<i64> = None;
        for item in items {
            match self.order.order.line_shipping(&item.line_id) {
                LineShipping::Delivered { at, .. } => {
                    let at = at.as_second();
                    last = Some(last.map_or(at, |l| l.max(at)));
                }
                _ => return None,
            }
        }
        last
    }

    /// A day in words: "22 novembre 2026" / "22 November 2026".
    fn day(&self, date: Date, lang: Lang) -> Result<String> {
        texts::date(self.clock, lang, self.clock.local(date, 12, 0, 0)?)
    }

    /// A day and time in the buyer's words: "22 novembre 2026 à 14 h 32".
    fn moment(&self, secs: i64) -> Result<String> {
        let day = texts::date(self.clock, self.voice.lang, secs)?;
        let (hour, minute) = self.clock.hour_minute(secs)?;
        Ok(match self.voice.lang {
            Lang::Fr => format!("{day} à {hour} h {minute:02}"),
            Lang::En => format!("{day} at {hour:02}:{minute:02}"),
        })
    }
}

/// Checks that an incident plot ended as it tells: who answers for it, the claim, the
/// replacements, the money and the mediation.
#[cfg(test)]
pub(super) fn check_end(
    plot: IncidentPlot,
    state: &amiable_domain::case::CaseState,
    ledger: &amiable_domain::ledger::OrderLedger,
    clock: &crate::demo::clock::Clock,
    anchor: i64,
    context: &str,
) {
    use IncidentPlot::*;
    use amiable_domain::case::{ApprovalStatus, ClaimOutcome};
    let incident = state.incident.clone().unwrap_or_default();
    let responsible = incident.responsible;
    let resolution = state.resolution.as_ref().map(|r| r.kind);
    let scans: Vec<ReshipmentStatus> = incident.reshipments.iter().map(|r| r.status).collect();
    let claim_paid = |claim: &Option<amiable_domain::case::CarrierClaim>| {
        let claim = claim.as_ref().expect("a carrier claim");
        assert_eq!(claim.outcome, Some(ClaimOutcome::Accepted), "{context}");
        let recovered = claim.recovered.expect("recovered");
        assert!(recovered.is_positive(), "{context}");
        assert_eq!(ledger.carrier_recovered, recovered, "{context}");
        claim.clone()
    };
    let refunded = state.refunded();
    match plot {
        WrongItemRefunded => {
            assert_eq!(responsible, Some(Responsibility::Merchant), "{context}");
            assert_eq!(resolution, Some(ResolutionKind::FullRefund), "{context}");
            assert!(refunded > 0, "{context}");
        }
        LostAndRecovered => {
            assert_eq!(responsible, Some(Responsibility::Carrier), "{context}");
            assert!(resolution.is_some_and(|k| k.is_refund()), "{context}");
            let claim = claim_paid(&incident.claim);
            assert_eq!(claim.recovered, Some(claim.amount), "{context}");
            assert!(refunded > 0, "{context}");
        }
        DamagedPartlyRefunded => {
            assert_eq!(responsible, Some(Responsibility::Carrier), "{context}");
            assert_eq!(resolution, Some(ResolutionKind::PartialRefund), "{context}");
            let claim = claim_paid(&incident.claim);
            // C. com. L133-3: reserves within three days of receipt.
            let (sent, due) = (claim.reserves_sent_on, claim.reserves_due);
            assert!(
                sent.is_some() && due.is_some() && sent <= due,
                "{context}: {sent:?} {due:?}"
            );
            assert_eq!(
                claim.recovered.map(|m| m.amount_minor),
                Some(refunded),
                "{context}"
            );
        }
        ReshipDelivered => {
            assert_eq!(responsible, Some(Responsibility::Merchant), "{context}");
            assert_eq!(scans, [ReshipmentStatus::Delivered], "{context}");
            assert_eq!(resolution, Some(ResolutionKind::Replacement), "{context}");
        }
        ReshipLost => {
            assert_eq!(responsible, Some(Responsibility::Carrier), "{context}");
            assert_eq!(scans, [ReshipmentStatus::Lost], "{context}");
            assert!(resolution.is_some_and(|k| k.is_refund()), "{context}");
            assert!(refunded > 0, "{context}");
        }
        DeliveryProven => {
            assert_eq!(responsible, Some(Responsibility::Buyer), "{context}");
            assert_eq!(resolution, Some(ResolutionKind::Withdrawn), "{context}");
        }
        UnknownCauseGoodwill => {
            assert_eq!(responsible, Some(Responsibility::Unknown), "{context}");
            assert_eq!(resolution, Some(ResolutionKind::Goodwill), "{context}");
            assert_eq!(state.compensations.len(), 1, "{context}");
            assert!(state.compensation_approvals.is_empty(), "{context}");
        }
        GoodwillAwaitingApproval => {
            assert_eq!(responsible, Some(Responsibility::Carrier), "{context}");
            assert!(state.compensations.is_empty(), "{context}");
            let statuses: Vec<_> = state
                .compensation_approvals
                .iter()
                .map(|a| a.status)
                .collect();
            assert_eq!(statuses, [ApprovalStatus::Pending], "{context}");
            assert!(state.awaiting_payment.is_some(), "{context}");
        }
        LateDeliveryCancelled => {
            assert!(incident.deliver_by.is_some(), "{context}");
            let due = incident.refund_due_by.expect("a refund deadline");
            // Still to come at the anchor: the demo shows a refund due, not one overdue.
            assert!(due > clock.date_of(anchor).unwrap(), "{context}: due {due}");
            let awaiting = state.awaiting_payment.as_ref().expect("a refund awaited");
            assert_eq!(awaiting.terms.kind, ResolutionKind::FullRefund, "{context}");
        }
        AppealDismissed | AppealPending => {
            let decision = state.decision.as_ref().expect("a decision");
            assert_eq!(decision.paid_by, Payer::Marketplace, "{context}");
            assert!(decision.recover_from_merchant, "{context}");
            assert_eq!(decision.cites.len(), 2, "{context}");
            assert!(ledger.marketplace_paid.is_positive(), "{context}");
            assert_eq!(
                ledger.due_from_merchant, ledger.marketplace_paid,
                "{context}"
            );
            assert_eq!(ledger.refunded, ledger.marketplace_paid, "{context}");
            let mediation = state.mediation.as_ref().expect("a mediation");
            assert_eq!(mediation.decided_by.as_deref(), Some(STAFF_MEDIATORS[0].id));
            let request = mediation.requests.first().expect("a request");
            assert_eq!(request.from, Party::Merchant, "{context}");
            assert!(
                request.answered_at.is_some_and(|a| a <= request.due_at),
                "{context}"
            );
            assert!(mediation.private_to_merchant >= 1, "{context}");
            let appeal = mediation.appeal.as_ref().expect("an appeal");
            assert_eq!(appeal.by, Party::Merchant, "{context}");
            if plot == AppealDismissed {
                assert_eq!(appeal.outcome, Some(AppealOutcome::Dismissed), "{context}");
                assert!(mediation.consumer_mediator.is_some(), "{context}");
            } else {
                assert_eq!(appeal.outcome, None, "{context}");
            }
        }
    }
}
