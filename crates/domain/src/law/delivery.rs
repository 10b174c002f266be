//! Delivery to a consumer: who bears the transport risk, late delivery, and
//! the carrier claim.
//!
//! - Risk passes to the consumer when they (or a third party they named, not
//!   the carrier) take physical possession of the goods (C. conso L216-2);
//!   the trader answers for a parcel the carrier lost (Cass. 1re civ.,
//!   3 February 2021, no. 19-21.046). A parcel without proof of delivery is
//!   therefore not delivered.
//! - Without an agreed date the trader delivers within 30 days (L216-1). Late,
//!   the consumer sets a new reasonable deadline by a durable medium and, if it
//!   passes too, may cancel (L216-6); the trader then refunds everything within
//!   14 days (L216-7), increased by 10 % up to 14 days late, 20 % up to 30 days
//!   and 50 % beyond (L241-4).
//! - A claim against the carrier for loss or damage needs a reasoned protest
//!   within three days of receipt, public holidays not counted (C. com.
//!   L133-3).
//!
//! Every number is a field of [`DeliveryRules`], France defaults.

use super::refund::{RefundRules, SurchargeStep};
use crate::calendar::BusinessCalendar;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The configurable numbers of delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRules {
    /// L216-7: the refund after a cancellation for late delivery, in days.
    pub refund_within_days: u32,
    /// C. com. L133-3: days to protest to the carrier after receipt, public holidays excluded.
    pub reserves_days: u32,
    /// The least the buyer's new deadline must leave the trader (L216-6: "un délai
    /// supplémentaire raisonnable"); amiable's floor, in days from the day it is set.
    pub min_extra_days: u32,
    /// L241-4: the late-refund grid.
    pub late_refund: RefundRules,
}

impl Default for DeliveryRules {
    fn default() -> Self {
        DeliveryRules {
            refund_within_days: 14,
            reserves_days: 3,
            min_extra_days: 1,
            // L241-4: +10 % when paid at most 14 days late, +20 % up to 30, +50 % beyond;
            // no legal-interest band and no further points.
            late_refund: RefundRules {
                due_within_days: 14,
                legal_interest_until_days: 0,
                steps: vec![
                    SurchargeStep {
                        after_days: 0,
                        percent: 10,
                    },
                    SurchargeStep {
                        after_days: 14,
                        percent: 20,
                    },
                    SurchargeStep {
                        after_days: 30,
                        percent: 50,
                    },
                ],
                points_per_further_month: 0,
                month_days: 0,
            },
        }
    }
}

impl DeliveryRules {
    /// The last day to protest to the carrier for goods received on `received`:
    /// `reserves_days` days after it, public holidays not counted (C. com. L133-3).
    pub fn reserves_due(&self, received: Date, calendar: &BusinessCalendar) -> Date {
        let mut day = received;
        let mut counted = 0;
        // Bounded: a handful of holidays at most in any window of days.
        for _ in 0..(self.reserves_days * 4 + 10) {
            if counted == self.reserves_days {
                break;
            }
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
            if !calendar.is_holiday(day) {
                counted += 1;
            }
        }
        day
    }

    /// The last day to refund a contract cancelled on `cancelled_on` for late delivery (L216-7).
    pub fn refund_due(&self, cancelled_on: Date) -> Date {
        cancelled_on
            .checked_add(jiff::Span::new().days(i64::from(self.refund_within_days)))
            .unwrap_or(cancelled_on)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::law::refund::{Surcharge, late_refund_surcharge, surcharge_percent};
    use crate::money::{Currency, Money};
    use jiff::civil::date;

    #[test]
    fn reserves_run_three_days_holidays_not_counted() {
        let rules = DeliveryRules::default();
        let france = BusinessCalendar::france();
        // Received Monday 2 March 2026: Tuesday, Wednesday, Thursday.
        assert_eq!(
            rules.reserves_due(date(2026, 3, 2), &france),
            date(2026, 3, 5)
        );
        // Received Tuesday 12 May 2026: 13, then 14 May is Ascension (not counted), 15, 16.
        assert_eq!(
            rules.reserves_due(date(2026, 5, 12), &france),
            date(2026, 5, 16)
        );
        // Received 24 December 2026: 25 December is a holiday; 26, 27, 28.
        assert_eq!(
            rules.reserves_due(date(2026, 12, 24), &france),
            date(2026, 12, 28)
        );
    }

    #[test]
    fn a_late_refund_after_cancellation_follows_the_l241_4_grid() {
        let rules = DeliveryRules::default().late_refund;
        assert_eq!(surcharge_percent(0, &rules), None);
        assert_eq!(surcharge_percent(1, &rules), Some(10));
        assert_eq!(surcharge_percent(14, &rules), Some(10));
        assert_eq!(surcharge_percent(15, &rules), Some(20));
        assert_eq!(surcharge_percent(30, &rules), Some(20));
        assert_eq!(surcharge_percent(31, &rules), Some(50));
        assert_eq!(surcharge_percent(400, &rules), Some(50));
        let due = Money::new(10_000, Currency::EUR);
        assert_eq!(
            late_refund_surcharge(due, due, 20, &rules).unwrap(),
            Surcharge::Percent {
                days_late: 20,
                percent: 20,
                amount: Money::new(2_000, Currency::EUR),
                capped: false
            }
        );
    }

    #[test]
    fn the_refund_is_due_fourteen_days_after_cancelling() {
        assert_eq!(
            DeliveryRules::default().refund_due(date(2026, 12, 20)),
            date(2027, 1, 3)
        );
    }
}
