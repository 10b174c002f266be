//! Refunds after a withdrawal: when they are due, and what a late one costs.
//!
//! - The trader refunds everything paid, the original standard delivery
//!   included, within 14 days of being told of the withdrawal (C. conso
//!   L221-24; Dir. 2011/83/EU art. 13(1)). A period ending on a Saturday,
//!   Sunday or public holiday runs to the next working day (Reg. 1182/71
//!   art. 3(4)).
//! - Unless the trader collects the goods, the refund may be held until the
//!   goods are received back or the buyer proves they were sent, whichever
//!   comes first (L221-24, third paragraph).
//! - Late, the sums due are increased (C. conso L242-4): legal interest up to
//!   10 days late; 5 % from 10 to 20 days; 10 % from 20 to 30; 20 % from 30
//!   to 60; 50 % from 60 to 90; then 5 more points per further month, up to
//!   the price of the product; then legal interest again.
//!
//! Every number is a field of [`RefundRules`], France/EU defaults.

use crate::calendar::BusinessCalendar;
use crate::money::{Money, MoneyError};
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// One step of the late-refund grid: from `after_days` late (exclusive), `percent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurchargeStep {
    pub after_days: u32,
    pub percent: u32,
}

/// The configurable numbers of refunds after withdrawal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRules {
    /// L221-24: 14 days from the withdrawal notice.
    pub due_within_days: u32,
    /// L242-4: up to this many days late, legal interest only.
    pub legal_interest_until_days: u32,
    /// L242-4: the grid after that, in ascending order.
    pub steps: Vec<SurchargeStep>,
    /// L242-4: after the last step, this many more points per further month…
    pub points_per_further_month: u32,
    /// …of this many days.
    pub month_days: u32,
}

impl Default for RefundRules {
    fn default() -> Self {
        RefundRules {
            due_within_days: 14,
            legal_interest_until_days: 10,
            steps: vec![
                SurchargeStep {
                    after_days: 10,
                    percent: 5,
                },
                SurchargeStep {
                    after_days: 20,
                    percent: 10,
                },
                SurchargeStep {
                    after_days: 30,
                    percent: 20,
                },
                SurchargeStep {
                    after_days: 60,
                    percent: 50,
                },
            ],
            points_per_further_month: 5,
            month_days: 30,
        }
    }
}

/// When a refund is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundDue {
    /// The last day to refund (inclusive).
    pub due_by: Date,
    /// `true` while the trader may still hold the refund: the goods are neither
    /// back nor proven sent (and the trader does not collect them).
    pub may_hold: bool,
}

/// When the refund of a withdrawal notified on `notice` is due.
/// `goods_back_or_sent` is the first day the goods were received back or proven sent.
pub fn refund_due(
    notice: Date,
    goods_back_or_sent: Option<Date>,
    trader_collects: bool,
    rules: &RefundRules,
    calendar: &BusinessCalendar,
) -> Option<RefundDue> {
    let nominal = notice
        .checked_add(i64::from(rules.due_within_days).days())
        .ok()?;
    Some(RefundDue {
        due_by: calendar.on_or_after_working_day(nominal),
        may_hold: !trader_collects && goods_back_or_sent.is_none(),
    })
}

/// What a refund paid late adds to the sums due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Surcharge {
    /// Paid on time.
    None,
    /// Legal interest on the sums due (a rate set each half-year; not a fixed percentage).
    LegalInterest { days_late: u32 },
    /// A percentage of the sums due, capped at the product's price.
    Percent {
        days_late: u32,
        percent: u32,
        amount: Money,
        /// `true` when the cap (the product's price) was reached.
        capped: bool,
    },
}

/// Days between the last day due and the payment day (0 when on time).
pub fn days_late(due_by: Date, paid_on: Date) -> u32 {
    if paid_on <= due_by {
        return 0;
    }
    u32::try_from(due_by.until(paid_on).map(|s| s.get_days()).unwrap_or(0)).unwrap_or(u32::MAX)
}

/// The percentage the grid gives for `days_late` (`None`: legal interest only).
pub fn surcharge_percent(days_late: u32, rules: &RefundRules) -> Option<u32> {
    if days_late <= rules.legal_interest_until_days {
        return None;
    }
    let last = rules.steps.last()?;
    let step = rules
        .steps
        .iter()
        .rev()
        .find(|s| days_late > s.after_days)?;
    // Past the grid's last band (60–90 days by default): more points per further month.
    let last_band_end = last.after_days + rules.month_days;
    if days_late > last_band_end && rules.month_days > 0 {
        let further = (days_late - last_band_end).div_ceil(rules.month_days);
        return Some(last.percent + further * rules.points_per_further_month);
    }
    Some(step.percent)
}

/// The surcharge on `sums_due` refunded `days_late` days late, capped at
/// `product_price` (amounts rounded half up to the minor unit, in the buyer's favour).
pub fn late_refund_surcharge(
    sums_due: Money,
    product_price: Money,
    days_late: u32,
    rules: &RefundRules,
) -> Result<Surcharge, MoneyError> {
    if days_late == 0 {
        return Ok(Surcharge::None);
    }
    let Some(percent) = surcharge_percent(days_late, rules) else {
        return Ok(Surcharge::LegalInterest { days_late });
    };
    let raw = i128::from(sums_due.amount_minor) * i128::from(percent);
    let minor = i64::try_from((raw + 50) / 100).map_err(|_| MoneyError::Overflow)?;
    let amount = Money::new(minor, sums_due.currency);
    // "jusqu'au prix du produit, puis du taux d'intérêt légal"
    if amount.checked_cmp(&product_price)? != std::cmp::Ordering::Less {
        return Ok(Surcharge::Percent {
            days_late,
            percent,
            amount: product_price,
            capped: true,
        });
    }
    Ok(Surcharge::Percent {
        days_late,
        percent,
        amount,
        capped: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use jiff::civil::date;

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::parse("EUR").unwrap())
    }

    #[test]
    fn the_grid_of_l242_4_band_by_band() {
        let rules = RefundRules::default();
        let cases = [
            (1, None),
            (10, None),
            (11, Some(5)),
            (20, Some(5)),
            (21, Some(10)),
            (30, Some(10)),
            (31, Some(20)),
            (60, Some(20)),
            (61, Some(50)),
            (90, Some(50)),
            (91, Some(55)),
            (120, Some(55)),
            (121, Some(60)),
            (151, Some(65)),
            (365, Some(100)),
        ];
        for (days, expected) in cases {
            assert_eq!(
                surcharge_percent(days, &rules),
                expected,
                "{days} days late"
            );
        }
    }

    #[test]
    fn surcharges_are_exact_and_capped_at_the_price() {
        let rules = RefundRules::default();
        assert_eq!(
            late_refund_surcharge(eur(13_090), eur(8_900), 0, &rules),
            Ok(Surcharge::None)
        );
        assert_eq!(
            late_refund_surcharge(eur(13_090), eur(8_900), 7, &rules),
            Ok(Surcharge::LegalInterest { days_late: 7 })
        );
        // 5 % of 130,90 € = 6,545 € → 6,55 € (half up, in the buyer's favour).
        assert_eq!(
            late_refund_surcharge(eur(13_090), eur(8_900), 15, &rules),
            Ok(Surcharge::Percent {
                days_late: 15,
                percent: 5,
                amount: eur(655),
                capped: false
            })
        );
        // 100 % of 130,90 € is over the 89 € product: capped at the price.
        assert_eq!(
            late_refund_surcharge(eur(13_090), eur(8_900), 365, &rules),
            Ok(Surcharge::Percent {
                days_late: 365,
                percent: 100,
                amount: eur(8_900),
                capped: true
            })
        );
    }

    #[test]
    fn due_in_fourteen_days_moved_off_weekends_and_held_until_the_goods() {
        let calendar = BusinessCalendar::france();
        let rules = RefundRules::default();
        // Notice on Friday 6 November 2026: due Friday 20.
        let due = refund_due(date(2026, 11, 6), None, false, &rules, &calendar).unwrap();
        assert_eq!(
            due,
            RefundDue {
                due_by: date(2026, 11, 20),
                may_hold: true
            }
        );
        // Notice on Saturday 7: the 21st is a Saturday → Monday 23; goods proven sent.
        let due = refund_due(
            date(2026, 11, 7),
            Some(date(2026, 11, 9)),
            false,
            &rules,
            &calendar,
        )
        .unwrap();
        assert_eq!(
            due,
            RefundDue {
                due_by: date(2026, 11, 23),
                may_hold: false
            }
        );
        // The trader collects: nothing to hold for.
        assert!(
            !refund_due(date(2026, 11, 7), None, true, &rules, &calendar)
                .unwrap()
                .may_hold
        );
        assert_eq!(days_late(date(2026, 11, 23), date(2026, 11, 23)), 0);
        assert_eq!(days_late(date(2026, 11, 23), date(2026, 12, 8)), 15);
    }
}
