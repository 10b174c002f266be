//! Return policies and the eligibility of each line: what the merchant
//! offers, what the law guarantees, and an answer that says which applied.
//!
//! The law is a floor (C. conso L221-18 ff.): a policy more generous than the
//! law wins; one less generous is overridden, and the answer says so. Under
//! the statutory withdrawal the buyer bears at most the direct cost of the
//! return, and no restocking fee (L221-23); a merchant's fees apply only to
//! what the merchant grants beyond the law.

use crate::calendar::BusinessCalendar;
use crate::case::ResolutionKind;
use crate::ids::LineId;
use crate::law::conformity::{WithdrawalException, withdrawal_exception};
use crate::law::withdrawal::{
    DeliveryPattern, Information, WithdrawalBasis, WithdrawalRules, withdrawal_period,
};
use crate::money::Money;
use crate::order::{LineFlag, Order};
use crate::validation::{FieldError, ValidationErrors};
use jiff::ToSpan;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// Who pays for sending goods back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ReturnShipping {
    Buyer,
    Merchant,
}

/// A restocking fee, for returns the merchant grants beyond the law.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RestockingFee {
    Amount { amount: Money },
    Percent { percent: u8 },
}

/// A merchant's return policy (or the operator's minimum).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnPolicy {
    /// Days to ask for a return, counted from the receipt of the last item.
    pub window_days: u32,
    /// Categories the merchant does not take back (beyond the law's exceptions).
    #[serde(default)]
    pub non_returnable_categories: Vec<String>,
    /// Line flags the merchant does not take back.
    #[serde(default)]
    pub non_returnable_flags: Vec<LineFlag>,
    pub return_shipping: ReturnShipping,
    #[serde(default)]
    pub restocking_fee: Option<RestockingFee>,
    /// What the buyer may choose (a refund to the original payment is always allowed by law).
    pub allowed_resolutions: Vec<ResolutionKind>,
    /// Extra value of a store credit instead of a refund, in percent.
    #[serde(default)]
    pub store_credit_bonus_percent: Option<u8>,
    /// Below this line value, the buyer keeps the item and is refunded.
    #[serde(default)]
    pub returnless_below: Option<Money>,
    /// Days a prepaid return label stays valid.
    pub label_expiry_days: u32,
    /// Returns that are authorised at once (within the window, under an
    /// amount, buyer not flagged). `None`: every return waits for a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_approve: Option<AutoApproval>,
    /// The condition returned items must be in, in the buyer's words
    /// ("unworn, with tags"), shown with the policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition_rules: Option<String>,
}

impl ReturnPolicy {
    /// The law's floor as a policy: 14 days, no other exclusion, buyer pays the return.
    pub fn statutory() -> Self {
        ReturnPolicy {
            window_days: WithdrawalRules::default().period_days,
            non_returnable_categories: Vec::new(),
            // What the law itself excludes (C. conso L221-28 3°, 4°, 13°); sealed hygiene
            // goods only once unsealed, which inspection establishes.
            non_returnable_flags: vec![
                LineFlag::Personalised,
                LineFlag::Perishable,
                LineFlag::Digital,
            ],
            return_shipping: ReturnShipping::Buyer,
            restocking_fee: None,
            allowed_resolutions: vec![ResolutionKind::ReturnAndRefund],
            store_credit_bonus_percent: None,
            returnless_below: None,
            label_expiry_days: 14,
            auto_approve: None,
            condition_rules: None,
        }
    }

    /// Every field that is out of bounds.
    pub fn check(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if !(1..=3650).contains(&self.window_days) {
            errors.push(FieldError::new(
                "window_days",
                "policy.window_invalid",
                "from 1 to 3650 days",
            ));
        }
        if !(1..=365).contains(&self.label_expiry_days) {
            errors.push(FieldError::new(
                "label_expiry_days",
                "policy.label_expiry_invalid",
                "from 1 to 365 days",
            ));
        }
        match self.restocking_fee {
            Some(RestockingFee::Percent { percent }) if percent > 100 => {
                errors.push(FieldError::new(
                    "restocking_fee.percent",
                    "policy.percent_invalid",
                    "at most 100",
                ))
            }
            Some(RestockingFee::Amount { amount }) if amount.amount_minor < 0 => {
                errors.push(FieldError::new(
                    "restocking_fee.amount.amount_minor",
                    "money.negative",
                    "must not be negative",
                ))
            }
            _ => {}
        }
        if self.store_credit_bonus_percent.is_some_and(|p| p > 100) {
            errors.push(FieldError::new(
                "store_credit_bonus_percent",
                "policy.percent_invalid",
                "at most 100",
            ));
        }
        if self.allowed_resolutions.is_empty() {
            errors.push(FieldError::new(
                "allowed_resolutions",
                "policy.no_resolution",
                "allow at least one resolution",
            ));
        }
        if self.non_returnable_categories.len() > 100 {
            errors.push(FieldError::new(
                "non_returnable_categories",
                "policy.too_many_categories",
                "at most 100 categories",
            ));
        }
        for (index, category) in self.non_returnable_categories.iter().enumerate() {
            if category.trim().is_empty() || category.chars().count() > 100 {
                errors.push(FieldError::new(
                    format!("non_returnable_categories[{index}]"),
                    "policy.category_invalid",
                    "1 to 100 characters",
                ));
            }
        }
        if self.allowed_resolutions.len() > 20 {
            errors.push(FieldError::new(
                "allowed_resolutions",
                "policy.too_many_resolutions",
                "at most 20 resolutions",
            ));
        }
        if self
            .condition_rules
            .as_ref()
            .is_some_and(|text| text.chars().count() > 2000)
        {
            errors.push(FieldError::new(
                "condition_rules",
                "text.too_long",
                "at most 2000 characters",
            ));
        }
        if let Some(auto) = &self.auto_approve
            && auto.max_amount.is_some_and(|m| !m.is_positive())
        {
            errors.push(FieldError::new(
                "auto_approve.max_amount.amount_minor",
                "money.not_positive",
                "must be greater than zero",
            ));
        }
        if self.returnless_below.is_some_and(|m| m.amount_minor < 0) {
            errors.push(FieldError::new(
                "returnless_below.amount_minor",
                "money.negative",
                "must not be negative",
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Where this policy is less generous than the operator's `minimum`, one error per field.
    pub fn undercuts(&self, minimum: &ReturnPolicy) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let below = |field: &str, message: String| {
            FieldError::new(field, "policy.below_operator_minimum", message)
        };
        if self.window_days < minimum.window_days {
            errors.push(below(
                "window_days",
                format!(
                    "the marketplace requires at least {} days",
                    minimum.window_days
                ),
            ));
        }
        for category in &self.non_returnable_categories {
            if !minimum.non_returnable_categories.contains(category) {
                errors.push(below(
                    "non_returnable_categories",
                    format!("the marketplace requires '{category}' to be returnable"),
                ));
            }
        }
        for flag in &self.non_returnable_flags {
            if !minimum.non_returnable_flags.contains(flag) {
                errors.push(below(
                    "non_returnable_flags",
                    "the marketplace requires these items to be returnable".to_owned(),
                ));
            }
        }
        if minimum.return_shipping == ReturnShipping::Merchant
            && self.return_shipping == ReturnShipping::Buyer
        {
            errors.push(below(
                "return_shipping",
                "the marketplace requires free returns".to_owned(),
            ));
        }
        if self.restocking_fee.is_some() && minimum.restocking_fee.is_none() {
            errors.push(below(
                "restocking_fee",
                "the marketplace does not allow restocking fees".to_owned(),
            ));
        }
        for kind in &minimum.allowed_resolutions {
            if !self.allowed_resolutions.contains(kind) {
                errors.push(below(
                    "allowed_resolutions",
                    format!("the marketplace requires offering {kind}"),
                ));
            }
        }
        errors
    }
}

/// Which rule made a line returnable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Basis {
    /// The merchant's policy (more generous than the law here).
    Policy,
    /// The law: the withdrawal right.
    Statute { article: &'static str },
}

/// The answer for one line: may it be returned, until when, why, at what cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineEligibility {
    pub line_id: LineId,
    /// Some of the line is in a shipment (or it is digital): otherwise a withdrawal
    /// cancels it, with nothing to send back.
    pub shipped: bool,
    pub eligible: bool,
    /// The last day to ask (inclusive); `None` while the goods are not received
    /// (the withdrawal right is open from the order on) or when not eligible.
    pub until: Option<Date>,
    pub basis: Option<Basis>,
    /// The law's exception that applies to the line, if any.
    pub exception: Option<WithdrawalException>,
    /// The policy excluded or shortened what the law grants: the law applied instead.
    pub policy_overridden_by_law: bool,
    /// Who pays the return shipping.
    pub return_shipping: ReturnShipping,
    /// The merchant's restocking fee, when the basis is the policy.
    pub restocking_fee: Option<RestockingFee>,
    /// The buyer keeps the item (the line is under the returnless threshold).
    pub returnless: bool,
    /// The statutory withdrawal right applies today, whatever the basis of `until`:
    /// the refund deadline of L221-24 runs and no restocking fee may be charged (L221-23).
    pub withdrawal: bool,
    /// The last day of the statutory withdrawal period, once it has started.
    pub withdrawal_until: Option<Date>,
    /// The article granting the withdrawal right (L221-18, or L221-20 when extended).
    pub withdrawal_article: Option<&'static str>,
}

/// Eligibility of every line of `order` on `today` (in `zone`).
pub fn eligibility(
    order: &Order,
    policy: &ReturnPolicy,
    information: Information,
    today: Date,
    zone: &TimeZone,
    calendar: &BusinessCalendar,
) -> Vec<LineEligibility> {
    let rules = WithdrawalRules::default();
    // The last item is the last parcel of the order: while a parcel is on its way, or
    // goods of the order are not shipped yet, the period has not started (C. conso
    // L221-18: from the receipt of the last good). Digital content is never shipped and
    // does not hold it back.
    let in_transit = order.shipments.iter().any(|s| s.delivered_at.is_none());
    let unshipped = order.lines.iter().any(|l| {
        !l.flags.contains(&crate::order::LineFlag::Digital) && !order.line_shipped(&l.line_id)
    });
    let receipts: Vec<Date> = if in_transit || unshipped {
        Vec::new()
    } else {
        order
            .shipments
            .iter()
            .filter_map(|s| s.delivered_at)
            .map(|at| at.to_zoned(zone.clone()).date())
            .collect()
    };
    order
        .lines
        .iter()
        .map(|line| {
            // The receipts of this line: the deliveries of the shipments that carry it.
            // The period runs from the receipt of the order's last item (C. conso L221-18:
            // "dernier bien"), for every line; it has not started while something is missing.
            let receipts = receipts.clone();
            let flags: Vec<LineFlag> = line.flags.iter().copied().collect();
            let exception = withdrawal_exception(&flags, false);
            let statute_until = if exception.is_some() {
                None
            } else {
                withdrawal_period(
                    &receipts,
                    DeliveryPattern::Separate,
                    information,
                    &rules,
                    calendar,
                )
                .map(|p| (p.last_day, p.basis))
            };
            let statute_open =
                exception.is_none() && statute_until.is_none_or(|(day, _)| today <= day);
            let policy_excludes = policy
                .non_returnable_flags
                .iter()
                .any(|f| line.flags.contains(f))
                || policy
                    .non_returnable_categories
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(line.category.as_str()));
            let policy_until = if policy_excludes {
                None
            } else {
                receipts
                    .iter()
                    .max()
                    .and_then(|d| d.checked_add(i64::from(policy.window_days).days()).ok())
                    .map(|d| calendar.on_or_after_working_day(d))
            };
            let policy_open = !policy_excludes && policy_until.is_none_or(|day| today <= day);
            let statute_basis = |basis: WithdrawalBasis| Basis::Statute {
                article: basis.article(),
            };
            // The later of the two open windows wins; on a tie, the law (it allows no fees).
            let (eligible, until, basis) = match (statute_open, policy_open) {
                (false, false) => (false, None, None),
                (true, false) => (
                    true,
                    statute_until.map(|(d, _)| d),
                    Some(statute_basis(
                        statute_until.map_or(WithdrawalBasis::Standard, |(_, b)| b),
                    )),
                ),
                (false, true) => (true, policy_until, Some(Basis::Policy)),
                (true, true) => match (statute_until, policy_until) {
                    (Some((s, _)), Some(p)) if p > s => (true, Some(p), Some(Basis::Policy)),
                    (Some((s, b)), _) => (true, Some(s), Some(statute_basis(b))),
                    (None, _) => (true, None, Some(statute_basis(WithdrawalBasis::Standard))),
                },
            };
            let under_policy = basis == Some(Basis::Policy);
            // The law overrides the policy where the policy would have said no (or less).
            let policy_shorter = policy_until
                .zip(statute_until)
                .is_some_and(|(p, (s, _))| p < s);
            let policy_overridden_by_law =
                eligible && !under_policy && (!policy_open || policy_shorter);
            let returnless = policy.returnless_below.is_some_and(|limit| {
                line.total()
                    .ok()
                    .and_then(|total| total.checked_cmp(&limit).ok())
                    == Some(std::cmp::Ordering::Less)
            });
            // A physical line in no shipment has nothing to send back: withdrawing from it
            // before delivery cancels it (L221-18: the right runs from the contract).
            let shipped = line.flags.contains(&crate::order::LineFlag::Digital)
                || order.line_shipped(&line.line_id);
            LineEligibility {
                line_id: line.line_id.clone(),
                shipped,
                eligible,
                until: if eligible { until } else { None },
                basis,
                exception,
                policy_overridden_by_law,
                return_shipping: policy.return_shipping,
                // Fees only on what the merchant grants beyond the law: never while the
                // statutory withdrawal period is running (C. conso L221-23).
                restocking_fee: if under_policy && !statute_open {
                    policy.restocking_fee
                } else {
                    None
                },
                returnless: eligible && (returnless || !shipped),
                withdrawal: statute_open,
                withdrawal_until: if statute_open {
                    statute_until.map(|(d, _)| d)
                } else {
                    None
                },
                withdrawal_article: statute_open.then(|| {
                    statute_until
                        .map_or(WithdrawalBasis::Standard, |(_, b)| b)
                        .article()
                }),
            }
        })
        .collect()
}

/// When a policy lets a return through without a person looking at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AutoApproval {
    /// Only returns worth at most this much (all lines together).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_amount: Option<Money>,
    /// Only buyers with fewer than this many returns in the last 90 days (a
    /// buyer at or above it is "flagged" and waits for a person).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_recent_returns: Option<u32>,
}

/// What the decider needs to judge a return request: the policy in force when
/// the order was placed, each line's eligibility, and what other returns of
/// the same order already took. The store computes it under the order's lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnContext {
    /// The case being opened (its RMA number derives from it).
    pub case_id: crate::ids::CaseId,
    pub policy: ReturnPolicy,
    pub policy_ref: crate::case::PolicyRef,
    pub eligibility: Vec<LineEligibility>,
    /// Quantities of each line in other returns of the order that are not cancelled or refused.
    pub already_returned: std::collections::BTreeMap<LineId, u32>,
    /// The buyer's returns in the last 90 days (for auto-approval).
    pub recent_returns: u32,
}

impl ReturnContext {
    /// The line's verdict.
    pub fn line(&self, line_id: &LineId) -> Option<&LineEligibility> {
        self.eligibility.iter().find(|l| &l.line_id == line_id)
    }
}

/// The return merchandise authorisation number of a case: stable (derived from
/// the case id, so a retried authorisation gives the same number), short, and
/// made of characters Code 128 and people read without confusion.
pub fn rma_for(case_id: &crate::ids::CaseId) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let bytes = case_id.as_bytes();
    // The last bytes of a v7 UUID are random: 8 symbols of 5 bits = 40 bits.
    let mut value = u64::from_be_bytes([
        0, 0, 0, bytes[11], bytes[12], bytes[13], bytes[14], bytes[15],
    ]);
    let mut symbols = [0u8; 8];
    for symbol in symbols.iter_mut().rev() {
        *symbol = ALPHABET[(value & 31) as usize];
        value >>= 5;
    }
    format!("RMA-{}", String::from_utf8_lossy(&symbols))
}
