//! Returns told through their lifecycle: request, authorisation, label,
//! carrier scans, receipt, inspection, and the money — each step the command
//! the API, the carrier, the payment gateway or a timer sends.

use super::{Story, Who, eur, euros, label};
use crate::demo::cases::ReturnPlot;
use crate::demo::clock::{DAY, HOUR, MINUTE};
use crate::demo::labels;
use crate::demo::phrases as say;
use amiable_domain::case::automation::{AUTO_CLOSE_JOB, LABEL_EXPIRY_JOB, REFUND_DEADLINE_JOB};
use amiable_domain::case::{
    Command, Deduction, ExchangeLine, GoodwillKind, InspectedLine, ItemCondition, ParcelStatus,
    ReceivedLine, ReminderTopic, ResolutionKind,
};
use amiable_domain::case::{LifecycleCommand, MoneyCommand, ReturnCommand};
use amiable_domain::law::LawPack;
use amiable_domain::law::refund::refund_due;
use amiable_domain::order::OrderLine;
use anyhow::{Context as _, Result};

/// Who books labels after an authorisation (the server's actor for it).
const LABELS: &str = "labels";
/// The carrier's tracking events.
pub(super) const CARRIER: &str = "carrier:local";
/// The payment gateway confirming refunds.
const GATEWAY: &str = "gateway:manual";

/// How the first line of a return comes back.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Condition {
    AsSent,
    Worn,
    Ruined,
}

impl Story<'_> {
    /// Plays a return through its lifecycle to where `plot` ends.
    pub(super) fn tell_return(&mut self, plot: ReturnPlot) -> Result<()> {
        use ReturnPlot::*;
        let preferred = match plot {
            StoreCredit => Some(ResolutionKind::StoreCredit),
            Exchanged => Some(ResolutionKind::Exchange),
            _ => None,
        };
        self.open(preferred)?;
        match plot {
            AwaitingAuthorisation => {
                let text = say::buyer_adds_detail(&self.voice, self.reason());
                return self.message(Who::Buyer, (1, 20), text, false);
            }
            ReturnlessAuthorised | ReturnlessRefunded => {
                self.authorise(true)?;
                let text = say::shop_returnless(&self.voice, self.claimed_value());
                self.message(Who::Shop, (0, 1), text, false)?;
                if plot == ReturnlessRefunded {
                    self.refund((2, 30))?;
                }
                return Ok(());
            }
            KeptWithGoodwill => return self.kept_with_goodwill(),
            _ => {}
        }
        self.authorise(false)?;
        self.issue_label()?;
        let instructions_optional = plot != LabelIssued;
        self.instructions(instructions_optional)?;
        match plot {
            LabelIssued => return Ok(()),
            LabelExpired => {
                self.expire_label()?;
                let text = say::buyer_asks_new_label(&self.voice);
                return self.message(Who::Buyer, (3, 60), text, true);
            }
            CancelledByBuyer => {
                let why = say::buyer_cancels(&self.voice, self.reason());
                return self.cancel(Who::Buyer, (12, 96), why);
            }
            _ => {}
        }
        let dropped = self.drop_off()?;
        match plot {
            InTransit => Ok(()),
            LostAndRefunded => {
                self.lost(dropped)?;
                let text = say::shop_parcel_lost(&self.voice);
                self.message(Who::Shop, (1, 24), text, true)?;
                self.refund((0, 2))
            }
            Delivered => {
                self.arrive(dropped)?;
                Ok(())
            }
            Received => {
                let arrived = self.arrive(dropped)?;
                self.receive(Condition::AsSent, arrived, (2, 30))
            }
            InspectedWithDeduction => {
                self.receive(Condition::Worn, dropped, (40, 100))?;
                let amount = self.inspect(Condition::Worn)?;
                let (finding, _) = say::wear(&self.voice, self.voice.trade);
                let text = say::shop_explains_deduction(&self.voice, &finding, amount);
                self.message(Who::Shop, (0, 2), text, true)
            }
            RefusedAfterInspection => {
                self.receive(Condition::Ruined, dropped, (40, 100))?;
                self.inspect(Condition::Ruined)?;
                let ground = say::refusal_ground(&self.voice, self.voice.trade);
                let command = Command::Returns(ReturnCommand::RefuseReturn {
                    ground: label(ground.clone())?,
                });
                self.act(Who::Shop, (0, 3), command, false)?;
                let text = say::shop_refuses_return(&self.voice, &ground);
                self.message(Who::Shop, (0, 1), text, true)
            }
            Refunded | PartiallyRefunded => {
                let condition = if plot == Refunded {
                    Condition::AsSent
                } else {
                    Condition::Worn
                };
                self.receive(condition, dropped, (40, 100))?;
                self.inspect(condition)?;
                self.refund((1, 24))
            }
            StoreCredit => {
                self.receive(Condition::AsSent, dropped, (40, 100))?;
                let command = Command::Money(MoneyCommand::IssueStoreCredit {
                    amount: None,
                    bonus_percent: None,
                    resolve: true,
                });
                self.act(Who::Shop, (1, 24), command, false)?;
                let bonus = self.order.merchant().store_credit_bonus_percent;
                let text = say::shop_store_credit(&self.voice, self.suggested_refund(), bonus);
                self.message(Who::Shop, (0, 1), text, true)
            }
            Exchanged => {
                self.receive(Condition::AsSent, dropped, (40, 100))?;
                let lines = self.exchange_lines()?;
                self.act(
                    Who::Shop,
                    (1, 24),
                    Command::Money(MoneyCommand::RecordExchange {
                        lines,
                        gateway: amiable_domain::text::Label::parse("manual").expect("label"),
                    }),
                    false,
                )?;
                let text = say::shop_exchange_sent(&self.voice, self.casting.other_size);
                self.message(Who::Shop, (0, 1), text, true)
            }
            RefundedThenClosed => {
                self.receive(Condition::AsSent, dropped, (40, 100))?;
                self.refund((1, 24))?;
                // Nothing happens for 14 days: the auto-close timer closes the case.
                let at = self.now + 14 * DAY + self.rng.i64(MINUTE..2 * HOUR);
                self.system(
                    AUTO_CLOSE_JOB,
                    at,
                    Command::Lifecycle(LifecycleCommand::Close),
                );
                Ok(())
            }
            RefundedLate => self.refunded_late(dropped),
            AwaitingAuthorisation
            | ReturnlessAuthorised
            | ReturnlessRefunded
            | KeptWithGoodwill
            | LabelIssued
            | LabelExpired
            | CancelledByBuyer => Ok(()),
        }
    }

    /// What the decider suggests for a return that came back whole: the lines,
    /// plus the original delivery when the whole order is withdrawn from under
    /// the law (L221-24; a policy longer than the law's 14 days is the basis instead).
    fn suggested_refund(&self) -> i64 {
        let withdrawal = self.order.merchant().window_days <= 14;
        let whole = self.casting.lines.len() == self.order.lines.len();
        let shipping = if withdrawal && whole {
            self.order.shipping
        } else {
            0
        };
        self.claimed_value() + shipping
    }

    fn order_line(&self, index: usize) -> Result<&OrderLine> {
        let id = &self.order.lines[index].line_id;
        self.order
            .order
            .lines
            .iter()
            .find(|l| l.line_id.as_str() == id)
            .with_context(|| format!("line {id} of {}", self.order.external_id))
    }

    /// The shop authorises the return, unless the policy did at once.
    fn authorise(&mut self, returnless: bool) -> Result<()> {
        if self.authorised_at_open() {
            return Ok(());
        }
        self.act(
            Who::Shop,
            (2, 30),
            Command::Returns(ReturnCommand::AuthoriseReturn { returnless }),
            false,
        )
    }

    /// amiable books the label with the carrier right after the authorisation.
    fn issue_label(&mut self) -> Result<()> {
        let at = self.now + self.rng.i64(MINUTE..4 * MINUTE);
        let days = i64::from(self.order.merchant().label_expiry_days);
        let label = labels::book(&self.rma, at, at + days * DAY)?;
        self.system(
            LABELS,
            at,
            Command::Returns(ReturnCommand::IssueLabel { label }),
        );
        Ok(())
    }

    fn label_expiry(&self) -> Result<(i64, String)> {
        let label = self
            .steps
            .iter()
            .rev()
            .find_map(|s| match &s.command {
                Command::Returns(ReturnCommand::IssueLabel { label }) => Some(label),
                _ => None,
            })
            .context("a return without a label")?;
        Ok((
            label.expires_at.as_second(),
            label.tracking_number.as_str().to_owned(),
        ))
    }

    /// The shop tells the buyer how to send the parcel back.
    fn instructions(&mut self, optional: bool) -> Result<()> {
        let (expires, _) = self.label_expiry()?;
        let deadline = self.date(expires)?;
        let prepaid = self.order.merchant().prepaid_returns();
        let text = say::shop_accepts_return(&self.voice, prepaid, &self.rma, &deadline);
        self.message(Who::Shop, (0, 2), text, optional)
    }

    /// The label's date passes: the expiry timer marks it expired.
    fn expire_label(&mut self) -> Result<()> {
        let (expires, _) = self.label_expiry()?;
        let at = expires + self.rng.i64(MINUTE..3 * HOUR);
        self.system(
            LABEL_EXPIRY_JOB,
            at,
            Command::Returns(ReturnCommand::ExpireLabel),
        );
        Ok(())
    }

    /// The buyer drops the parcel off; the carrier's first scan reaches amiable.
    /// Returns when the parcel was scanned.
    fn drop_off(&mut self) -> Result<i64> {
        let (_, tracking) = self.label_expiry()?;
        let wanted = self.now + self.rng.i64(18 * HOUR..80 * HOUR);
        let scanned = self.clock.office_hours(wanted, self.rng)?;
        let location = say::drop_off_point(&self.buyer.address.city);
        let scanned = self.scan(ParcelStatus::InTransit, scanned, &location)?;
        let text = say::buyer_sent_parcel(&self.voice, &tracking);
        self.message(Who::Buyer, (0, 6), text, true)?;
        Ok(scanned)
    }

    /// The carrier delivers the parcel to the shop. Returns when.
    fn arrive(&mut self, dropped: i64) -> Result<i64> {
        let wanted = dropped + self.rng.i64(30 * HOUR..80 * HOUR);
        let scanned = self.clock.office_hours(wanted, self.rng)?;
        let location = say::delivery_point(self.voice.city);
        self.scan(ParcelStatus::Delivered, scanned, &location)
    }

    fn lost(&mut self, dropped: i64) -> Result<()> {
        let wanted = dropped + self.rng.i64(6 * DAY..10 * DAY);
        let scanned = self.clock.office_hours(wanted, self.rng)?;
        self.scan(ParcelStatus::Lost, scanned, &say::lost_at())?;
        Ok(())
    }

    /// A carrier event, pushed a few minutes after the scan. Returns when the scan was.
    fn scan(&mut self, status: ParcelStatus, scanned: i64, location: &str) -> Result<i64> {
        let scanned = scanned.max(self.now + MINUTE);
        let at = scanned + self.rng.i64(2 * MINUTE..40 * MINUTE);
        let event = format!("{}-{}", status.code(), scanned);
        let command = Command::Returns(ReturnCommand::RecordParcelScan {
            status,
            scanned_at: crate::demo::clock::timestamp(scanned)?,
            location: Some(label(location.to_owned())?),
            carrier_event_id: Some(label(event)?),
        });
        self.system(CARRIER, at, command);
        Ok(scanned)
    }

    /// The shop unpacks the parcel, `hours` after `since`.
    fn receive(&mut self, condition: Condition, since: i64, hours: (i64, i64)) -> Result<()> {
        self.now = self.now.max(since);
        let (finding, _) = say::wear(&self.voice, self.voice.trade);
        let mut lines = Vec::new();
        for (position, item) in self.items()?.into_iter().enumerate() {
            let (condition, note) = match (position, condition) {
                (0, Condition::Worn) => (ItemCondition::Used, Some(label(finding.clone())?)),
                (0, Condition::Ruined) => (ItemCondition::Damaged, Some(label(finding.clone())?)),
                _ if self.rng.bool() => (ItemCondition::New, None),
                _ => (ItemCondition::LikeNew, None),
            };
            lines.push(ReceivedLine {
                line_id: item.line_id,
                quantity: item.quantity.get(),
                condition,
                note,
            });
        }
        self.act(
            Who::Shop,
            hours,
            Command::Returns(ReturnCommand::ReceiveReturn { lines }),
            false,
        )
    }

    /// The shop checks what came back; returns the deduction noted, if any.
    fn inspect(&mut self, condition: Condition) -> Result<i64> {
        let (_, reason) = say::wear(&self.voice, self.voice.trade);
        let mut lines = Vec::new();
        let mut deducted = 0;
        for (position, item) in self.items()?.into_iter().enumerate() {
            let first = position == 0;
            let deductions = if first && condition == Condition::Worn {
                let line = self.order_line(self.casting.lines[0])?;
                let value = line.unit_price.amount_minor * i64::from(item.quantity.get());
                // The loss of value from handling beyond what trying needs (L221-23).
                let amount = euros(value * self.rng.i64(15..31) / 100).min(value - 100);
                deducted = amount;
                vec![Deduction {
                    label: label(reason.clone())?,
                    amount: eur(amount),
                }]
            } else {
                Vec::new()
            };
            lines.push(InspectedLine {
                line_id: item.line_id,
                compliant: !(first && condition != Condition::AsSent),
                deductions,
            });
        }
        self.act(
            Who::Shop,
            (1, 26),
            Command::Returns(ReturnCommand::InspectReturn { lines }),
            false,
        )?;
        Ok(deducted)
    }

    /// The shop refunds what the return calls for and the gateway confirms it.
    pub(super) fn refund(&mut self, hours: (i64, i64)) -> Result<()> {
        let command = Command::Money(MoneyCommand::Refund {
            amount: None,
            deductions: Vec::new(),
            gateway: label("manual".to_owned())?,
            resolve: true,
        });
        self.act(Who::Shop, hours, command, false)?;
        self.settle_refund()
    }

    /// The payment gateway confirms the refund a minute later.
    pub(super) fn settle_refund(&mut self) -> Result<()> {
        let refund_id = self
            .steps
            .iter()
            .filter(|s| matches!(s.command, Command::Money(MoneyCommand::Refund { .. })))
            .count() as u32;
        self.settle_refund_numbered(refund_id)
    }

    /// The payment gateway confirms refund `refund_id` a minute later.
    pub(super) fn settle_refund_numbered(&mut self, refund_id: u32) -> Result<()> {
        let case = self.case_id.to_string();
        let reference = label(format!("manual-{}-{refund_id}", &case[..8]))?;
        let at = self.now + self.rng.i64(MINUTE..3 * MINUTE);
        self.system(
            GATEWAY,
            at,
            Command::Money(MoneyCommand::SettleRefund {
                refund_id,
                reference,
            }),
        );
        Ok(())
    }

    fn exchange_lines(&mut self) -> Result<Vec<ExchangeLine>> {
        let index = *self
            .casting
            .lines
            .first()
            .context("an exchange without lines")?;
        let demo = &self.order.lines[index];
        let size = self
            .casting
            .other_size
            .context("an exchange without another size")?;
        let line = self.order_line(index)?;
        Ok(vec![ExchangeLine {
            line_id: line.line_id.clone(),
            quantity: line.quantity,
            sku: label(format!("{}-{size}", demo.product.sku))?,
            title: label(format!("{} – taille {size}", demo.product.title))?,
            unit_price: line.unit_price,
        }])
    }

    /// Before authorising, the shop offers a voucher for keeping the item; the buyer agrees.
    fn kept_with_goodwill(&mut self) -> Result<()> {
        let value = self.claimed_value();
        let amount = euros(value * 20 / 100).clamp(500, 2000).min(value);
        let text = say::shop_offers_to_keep(&self.voice, amount);
        self.message(Who::Shop, (2, 30), text, false)?;
        let text = say::buyer_keeps_it(&self.voice);
        self.message(Who::Buyer, (2, 40), text, false)?;
        let command = Command::Money(MoneyCommand::Compensate {
            kind: GoodwillKind::Voucher,
            amount: eur(amount),
            note: Some(label(say::goodwill_note(&self.voice, amount))?),
            resolve: true,
            approver: true,
            request_approval: false,
        });
        self.act(Who::Shop, (1, 24), command, false)
    }

    /// The parcel is back long before the legal deadline, but the refund
    /// waits weeks past it: the overdue reminder goes out, and the refund
    /// carries the surcharge of C. conso L242-4 (10 % from 20 days late).
    fn refunded_late(&mut self, dropped: i64) -> Result<()> {
        self.receive(Condition::AsSent, dropped, (40, 100))?;
        let law = LawPack::france();
        let opened = self.steps.first().map_or(self.now, |s| s.at);
        let notice = self.clock.date_of(opened)?;
        // C. conso L221-24: 14 days from the notice of withdrawal (the request).
        let due_by = refund_due(notice, None, false, &law.refund, &law.calendar)
            .context("the refund deadline")?
            .due_by
            .max(self.clock.date_of(dropped)?);
        // The deadline timer's morning after the deadline: 08:00 UTC.
        let morning = |date: jiff::civil::Date| -> Result<i64> {
            Ok(date
                .at(8, 0, 0, 0)
                .to_zoned(jiff::tz::TimeZone::UTC)?
                .timestamp()
                .as_second())
        };
        let overdue = morning(due_by.tomorrow()?)?;
        self.system(
            REFUND_DEADLINE_JOB,
            overdue,
            Command::Money(MoneyCommand::SendReminder {
                topic: ReminderTopic::RefundOverdue,
            }),
        );
        let late_day = due_by.checked_add(jiff::ToSpan::days(23))?;
        self.now = self.clock.local(late_day, 9, 0, 0)? - HOUR;
        self.refund((0, 6))
    }
}
