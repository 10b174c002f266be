//! The France/EU rules that a policy cannot undercut, each citing its
//! article (docs/RULES.md). Pure: dates in, dated answers out.

pub mod conformity;
pub mod delivery;
pub mod refund;
pub mod withdrawal;

use crate::calendar::BusinessCalendar;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// The rules pack a decision is taken under: the time zone deadlines are
/// counted in, the business calendar and the numbers of each rule.
#[derive(Debug, Clone)]
pub struct LawPack {
    pub zone: TimeZone,
    pub calendar: BusinessCalendar,
    pub withdrawal: withdrawal::WithdrawalRules,
    pub refund: refund::RefundRules,
    pub conformity: conformity::ConformityRules,
    pub delivery: delivery::DeliveryRules,
}

/// The rules packs this build knows, by code: what an operator names in its
/// `rules_pack`. A marketplace under another EU country's law is one more
/// entry here, with its zone, calendar and numbers (the rules are data).
pub const RULES_PACKS: &[&str] = &["fr"];

static FRANCE: std::sync::LazyLock<LawPack> = std::sync::LazyLock::new(LawPack::france);

impl LawPack {
    /// The rules pack of a code of [`RULES_PACKS`] (case-insensitive).
    pub fn by_code(code: &str) -> Option<&'static LawPack> {
        match code.to_ascii_lowercase().as_str() {
            "fr" => Some(&FRANCE),
            _ => None,
        }
    }

    /// France (metropolitan), Europe/Paris; every number at its statutory default.
    pub fn france() -> Self {
        LawPack {
            zone: TimeZone::get("Europe/Paris").unwrap_or(TimeZone::UTC),
            calendar: BusinessCalendar::france(),
            withdrawal: withdrawal::WithdrawalRules::default(),
            refund: refund::RefundRules::default(),
            conformity: conformity::ConformityRules::default(),
            delivery: delivery::DeliveryRules::default(),
        }
    }

    /// The civil date of an instant in the pack's zone.
    pub fn date_of(&self, at: Timestamp) -> Date {
        at.to_zoned(self.zone.clone()).date()
    }
}
