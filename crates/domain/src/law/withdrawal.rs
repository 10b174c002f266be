//! The right of withdrawal of a distance sale: when its 14 days end.
//!
//! - 14 days, no reason needed (C. conso L221-18; Dir. 2011/83/EU art. 9(1)).
//! - For goods, counted from the receipt of the goods; several items or lots
//!   delivered separately: the receipt of the **last** one; regular deliveries
//!   over a period: the **first** one (L221-18 2°, Dir. art. 9(2)(b)).
//! - Counted from the day after the event that starts it, and a period ending
//!   on a Saturday, a Sunday or a public holiday runs to the next working day
//!   (Reg. (EEC, Euratom) 1182/71 art. 3(1) and 3(4)).
//! - Information on the right not given: the period is extended by 12 months
//!   from the expiry of the initial one; given during that extension, it ends
//!   14 days after the consumer received it (L221-20; Dir. art. 10).
//!
//! Every number is a field of [`WithdrawalRules`], France/EU defaults.

use crate::calendar::BusinessCalendar;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

/// The configurable numbers of the withdrawal right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithdrawalRules {
    /// C. conso L221-18: 14 days.
    pub period_days: u32,
    /// C. conso L221-20: 12 months more when the information was not given.
    pub uninformed_extension_months: u32,
}

impl Default for WithdrawalRules {
    fn default() -> Self {
        WithdrawalRules {
            period_days: 14,
            uninformed_extension_months: 12,
        }
    }
}

/// How the goods of the order reach the buyer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryPattern {
    /// One parcel, or several items or lots delivered separately: the last receipt counts.
    Separate,
    /// Regular deliveries over a period (a subscription box): the first receipt counts.
    Regular,
}

/// Whether the merchant gave the pre-contractual information on the right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Information {
    /// Given before the contract, as L221-5 requires.
    Given,
    /// Never given.
    NotGiven,
    /// Given late: received by the buyer on this day.
    GivenOn { date: Date },
}

/// Which rule set the last day, for the answer's "why".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WithdrawalBasis {
    /// The 14 days (L221-18).
    Standard,
    /// Extended by 12 months: no information given (L221-20, first paragraph).
    Extended,
    /// 14 days from the late information (L221-20, second paragraph).
    FromLateInformation,
}

impl WithdrawalBasis {
    pub fn article(self) -> &'static str {
        match self {
            WithdrawalBasis::Standard => "C. conso L221-18",
            WithdrawalBasis::Extended | WithdrawalBasis::FromLateInformation => "C. conso L221-20",
        }
    }
}

/// The end of the withdrawal period, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithdrawalPeriod {
    /// The day whose end starts the count (the receipt that counts).
    pub starts_after: Date,
    /// The last day on which the buyer may withdraw (inclusive).
    pub last_day: Date,
    /// The day the period would have ended without the working-day rule, when it moved.
    pub moved_from: Option<Date>,
    pub basis: WithdrawalBasis,
}

impl WithdrawalPeriod {
    /// The instant the period is over: midnight at the end of `last_day` in `zone`.
    pub fn ends_at(&self, zone: &TimeZone) -> Option<Timestamp> {
        let next = self.last_day.tomorrow().ok()?;
        Some(next.to_zoned(zone.clone()).ok()?.timestamp())
    }
}

/// `date` plus `days`, rolled to a working day; with the unrolled day when it moved.
fn period_end(calendar: &BusinessCalendar, date: Date, days: i64) -> Option<(Date, Option<Date>)> {
    let nominal = date.checked_add(days.days()).ok()?;
    let last = calendar.on_or_after_working_day(nominal);
    Some((last, (last != nominal).then_some(nominal)))
}

/// When the withdrawal period of goods received on `receipts` ends.
/// `None` when there is no receipt yet (the period has not started).
pub fn withdrawal_period(
    receipts: &[Date],
    pattern: DeliveryPattern,
    information: Information,
    rules: &WithdrawalRules,
    calendar: &BusinessCalendar,
) -> Option<WithdrawalPeriod> {
    let starts_after = match pattern {
        DeliveryPattern::Separate => receipts.iter().max()?,
        DeliveryPattern::Regular => receipts.iter().min()?,
    };
    let starts_after = *starts_after;
    let (initial, moved) = period_end(calendar, starts_after, i64::from(rules.period_days))?;
    let standard = WithdrawalPeriod {
        starts_after,
        last_day: initial,
        moved_from: moved,
        basis: WithdrawalBasis::Standard,
    };
    // The extension runs from the expiry of the initial period, working-day rule applied.
    let extended = || -> Option<WithdrawalPeriod> {
        let nominal = initial
            .checked_add(i64::from(rules.uninformed_extension_months).months())
            .ok()?;
        let last = calendar.on_or_after_working_day(nominal);
        Some(WithdrawalPeriod {
            starts_after,
            last_day: last,
            moved_from: (last != nominal).then_some(nominal),
            basis: WithdrawalBasis::Extended,
        })
    };
    match information {
        Information::Given => Some(standard),
        Information::NotGiven => extended(),
        // Received before the initial period ran out: that period stands.
        Information::GivenOn { date } if date <= initial => Some(standard),
        Information::GivenOn { date } => {
            let extension = extended()?;
            if date > extension.last_day {
                // Too late to reopen anything: the extended period had already ended.
                return Some(extension);
            }
            let (last, moved) = period_end(calendar, date, i64::from(rules.period_days))?;
            Some(WithdrawalPeriod {
                starts_after: date,
                last_day: last,
                moved_from: moved,
                basis: WithdrawalBasis::FromLateInformation,
            })
        }
    }
}
