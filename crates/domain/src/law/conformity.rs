//! What the law grants on each line of an order, whatever the merchant's
//! policy: the withdrawal right (unless an exception of L221-28 applies) and
//! the legal guarantee of conformity.
//!
//! - Exceptions to the withdrawal right from the line's flags (C. conso
//!   L221-28): goods made to the buyer's specification (3°), perishable goods
//!   (4°), goods sealed for health or hygiene once unsealed (5°), digital
//!   content not on a tangible medium once started with consent (13°).
//! - Legal guarantee of conformity: 2 years from delivery (L217-3); a defect
//!   appearing within 24 months (12 for second-hand goods) is presumed to have
//!   existed at delivery (L217-7); repair or replacement within 30 days of the
//!   request (L217-10).

use crate::order::LineFlag;
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The configurable numbers of the conformity guarantee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConformityRules {
    /// L217-3: 24 months from delivery.
    pub guarantee_months: u32,
    /// L217-7: presumption of a prior defect, new goods.
    pub presumption_months_new: u32,
    /// L217-7: presumption of a prior defect, second-hand goods.
    pub presumption_months_second_hand: u32,
    /// L217-10: repair or replacement within 30 days of the request.
    pub remedy_within_days: u32,
}

impl Default for ConformityRules {
    fn default() -> Self {
        ConformityRules {
            guarantee_months: 24,
            presumption_months_new: 24,
            presumption_months_second_hand: 12,
            remedy_within_days: 30,
        }
    }
}

/// Why a line has no withdrawal right, with the article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WithdrawalException {
    pub flag: LineFlag,
    pub article: &'static str,
}

/// The first exception of L221-28 the line's flags call for, if any.
/// `unsealed` says whether sealed hygiene goods were opened (only then excluded).
pub fn withdrawal_exception(flags: &[LineFlag], unsealed: bool) -> Option<WithdrawalException> {
    flags.iter().find_map(|flag| {
        let article = match flag {
            LineFlag::Personalised => "C. conso L221-28 3°",
            LineFlag::Perishable => "C. conso L221-28 4°",
            LineFlag::SealedHygiene if unsealed => "C. conso L221-28 5°",
            LineFlag::Digital => "C. conso L221-28 13°",
            LineFlag::SealedHygiene | LineFlag::SecondHand => return None,
        };
        Some(WithdrawalException {
            flag: *flag,
            article,
        })
    })
}

/// The guarantee of conformity of goods delivered on `delivered`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guarantee {
    /// The last day of the guarantee (L217-3).
    pub until: Date,
    /// The last day a defect is presumed to have existed at delivery (L217-7).
    pub presumed_until: Date,
    pub second_hand: bool,
}

pub fn guarantee(
    delivered: Date,
    flags: &[LineFlag],
    rules: &ConformityRules,
) -> Option<Guarantee> {
    let second_hand = flags.contains(&LineFlag::SecondHand);
    let presumption = if second_hand {
        rules.presumption_months_second_hand
    } else {
        rules.presumption_months_new
    };
    // Counted like every legal period (Reg. 1182/71 art. 3(2)(c)): it ends on the same
    // date in the last month, or on that month's last day when it has no such date.
    let end =
        |months: u32| -> Option<Date> { delivered.checked_add(i64::from(months).months()).ok() };
    Some(Guarantee {
        until: end(rules.guarantee_months)?,
        presumed_until: end(presumption)?,
        second_hand,
    })
}

/// The last day to repair or replace goods after a request made on `requested`.
pub fn remedy_due(requested: Date, rules: &ConformityRules) -> Option<Date> {
    requested
        .checked_add(i64::from(rules.remedy_within_days).days())
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn exceptions_follow_the_flags() {
        assert_eq!(withdrawal_exception(&[], false), None);
        assert_eq!(
            withdrawal_exception(&[LineFlag::Personalised], false).map(|e| e.article),
            Some("C. conso L221-28 3°")
        );
        assert_eq!(
            withdrawal_exception(&[LineFlag::Perishable], false).map(|e| e.article),
            Some("C. conso L221-28 4°")
        );
        // Sealed hygiene goods are excluded only once unsealed.
        assert_eq!(
            withdrawal_exception(&[LineFlag::SealedHygiene], false),
            None
        );
        assert_eq!(
            withdrawal_exception(&[LineFlag::SealedHygiene], true).map(|e| e.flag),
            Some(LineFlag::SealedHygiene)
        );
        assert_eq!(
            withdrawal_exception(&[LineFlag::Digital], false).map(|e| e.article),
            Some("C. conso L221-28 13°")
        );
        // Second-hand goods keep the withdrawal right.
        assert_eq!(withdrawal_exception(&[LineFlag::SecondHand], false), None);
    }

    #[test]
    fn two_years_of_guarantee_and_the_presumption() {
        let rules = ConformityRules::default();
        let new = guarantee(date(2026, 11, 5), &[], &rules).unwrap();
        assert_eq!(new.until, date(2028, 11, 5));
        assert_eq!(new.presumed_until, date(2028, 11, 5));
        let used = guarantee(date(2026, 11, 5), &[LineFlag::SecondHand], &rules).unwrap();
        assert_eq!(used.until, date(2028, 11, 5));
        assert_eq!(used.presumed_until, date(2027, 11, 5));
        assert!(used.second_hand);
        // Delivered on 29 February: 2030 has no 29 February, so the last day of that month.
        let leap = guarantee(date(2028, 2, 29), &[], &rules).unwrap();
        assert_eq!(leap.until, date(2030, 2, 28));
        assert_eq!(
            remedy_due(date(2026, 11, 5), &rules),
            Some(date(2026, 12, 5))
        );
    }
}
