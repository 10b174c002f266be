//! SLA policies: which targets a case has, chosen by conditions.
//!
//! A policy names the cases it applies to (kinds, reasons, stages, merchants,
//! an amount range) and some targets. For each target, the first policy that
//! applies and defines it wins, in this order: the marketplace's policies that
//! name the case's merchant, the merchant's own, the marketplace's general
//! ones, then amiable's defaults (the seed's « 7 jours sans nouvelles » among
//! them). The marketplace's own target (`marketplace_response`) comes only from
//! the marketplace's policies.

use super::hours::{BusinessHours, HoursDocument};
use crate::case::{CaseKind, CaseState, Stage};
use crate::ids::MerchantId;
use crate::validation::{FieldError, ValidationErrors};
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

/// The longest target: a year.
pub const MAX_TARGET: SignedDuration = SignedDuration::from_hours(366 * 24);
/// At most this many policies per marketplace or merchant.
pub const MAX_POLICIES: usize = 50;

/// The targets a case can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Target {
    /// The merchant's first answer to the buyer.
    FirstResponse,
    /// Each later answer, when the ball is back in the merchant's court.
    NextResponse,
    /// The longest silence towards the buyer.
    BuyerUpdate,
    /// From opening to resolution.
    Resolution,
    /// The marketplace taking up an escalated case (its own target, never the merchant's).
    MarketplaceResponse,
}

impl Target {
    pub const ALL: [Target; 5] = [
        Target::FirstResponse,
        Target::NextResponse,
        Target::BuyerUpdate,
        Target::Resolution,
        Target::MarketplaceResponse,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Target::FirstResponse => "first_response",
            Target::NextResponse => "next_response",
            Target::BuyerUpdate => "buyer_update",
            Target::Resolution => "resolution",
            Target::MarketplaceResponse => "marketplace_response",
        }
    }

    pub fn parse(code: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.code() == code)
    }

    /// Whether the merchant answers for it (scorecards count only these).
    pub fn merchant_answers(self) -> bool {
        self != Target::MarketplaceResponse
    }
}

/// Which time a target counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ClockKind {
    /// The team's opening hours (the merchant's for its targets, the marketplace's for its own).
    #[default]
    Business,
    /// Every hour of every day.
    Calendar,
}

/// A duration as people write it: `4h`, `90m`, `7d`, `1d12h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span(pub SignedDuration);

impl Span {
    pub fn parse(text: &str) -> Option<Span> {
        let text = text.trim();
        if text.is_empty() || text.len() > 20 {
            return None;
        }
        let mut total: i64 = 0;
        let mut number = String::new();
        let mut units = 0;
        for c in text.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let value: i64 = number.parse().ok()?;
            number.clear();
            let seconds = match c {
                'd' => 86_400,
                'h' => 3_600,
                'm' => 60,
                _ => return None,
            };
            total = total.checked_add(value.checked_mul(seconds)?)?;
            units += 1;
        }
        if !number.is_empty() || units == 0 {
            return None;
        }
        Some(Span(SignedDuration::from_secs(total)))
    }

    pub fn render(self) -> String {
        let mut secs = self.0.as_secs();
        let mut out = String::new();
        for (unit, size) in [('d', 86_400), ('h', 3_600), ('m', 60)] {
            if secs >= size {
                out.push_str(&format!("{}{unit}", secs / size));
                secs %= size;
            }
        }
        if out.is_empty() { "0m".to_owned() } else { out }
    }
}

/// One target of a policy, as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TargetDocument {
    /// How long, e.g. `4h`, `2d` (`d` only on the calendar clock), at most a year.
    pub within: String,
    /// `business` (opening hours, the default) or `calendar` (every hour).
    #[serde(default)]
    pub clock: ClockKind,
    /// How long before the breach to warn, e.g. `1h` (default: a quarter of the target, at most a day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn_before: Option<String>,
}

/// The targets of a policy, as written.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TargetsDocument {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response: Option<TargetDocument>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_response: Option<TargetDocument>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_update: Option<TargetDocument>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<TargetDocument>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketplace_response: Option<TargetDocument>,
}

impl TargetsDocument {
    fn get(&self, target: Target) -> Option<&TargetDocument> {
        match target {
            Target::FirstResponse => self.first_response.as_ref(),
            Target::NextResponse => self.next_response.as_ref(),
            Target::BuyerUpdate => self.buyer_update.as_ref(),
            Target::Resolution => self.resolution.as_ref(),
            Target::MarketplaceResponse => self.marketplace_response.as_ref(),
        }
    }
}

/// Which cases a policy applies to; an empty list means any.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conditions {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<CaseKind>,
    /// Reason codes; a parent (`damaged`) matches its children too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<Stage>,
    /// Only in the marketplace's policies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub merchants: Vec<MerchantId>,
    /// The amount claimed (or the order's total) at least this, in minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_amount_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_amount_minor: Option<i64>,
}

impl Conditions {
    pub fn matches(&self, state: &CaseState) -> bool {
        let amount = state.claimed.unwrap_or(state.order_total).amount_minor;
        (self.kinds.is_empty() || self.kinds.contains(&state.kind))
            && (self.stages.is_empty() || self.stages.contains(&state.stage))
            && (self.merchants.is_empty() || self.merchants.contains(&state.merchant_id))
            && (self.reasons.is_empty()
                || self.reasons.iter().any(|r| {
                    let code = state.reason.as_str();
                    code == r || code.starts_with(&format!("{r}."))
                }))
            && self.min_amount_minor.is_none_or(|min| amount >= min)
            && self.max_amount_minor.is_none_or(|max| amount <= max)
    }
}

/// A policy as written and stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyDocument {
    /// A short name shown on the targets it sets, e.g. « Retours premium ».
    pub name: String,
    #[serde(default)]
    pub conditions: Conditions,
    pub targets: TargetsDocument,
}

/// The SLA settings of a marketplace or a merchant (the `sla` key of its settings).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaDocument {
    /// The team's opening hours (default: Monday–Friday 9–12 and 14–18, Paris, French holidays).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<HoursDocument>,
    /// In order: the first that applies and sets a target wins it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<PolicyDocument>,
}

/// One checked target.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetRule {
    pub within: SignedDuration,
    pub clock: ClockKind,
    pub warn_before: SignedDuration,
    /// The policy it comes from (`amiable` for the defaults).
    pub policy: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub name: String,
    pub conditions: Conditions,
    pub targets: Vec<(Target, TargetRule)>,
}

/// Checked SLA settings.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaSettings {
    pub hours: BusinessHours,
    pub policies: Vec<Policy>,
}

impl Default for SlaSettings {
    fn default() -> Self {
        SlaSettings {
            hours: default_hours(),
            policies: Vec::new(),
        }
    }
}

fn default_hours() -> BusinessHours {
    BusinessHours::parse(&HoursDocument::french_office(), "")
        .unwrap_or_else(|_| BusinessHours::always())
}

/// Whose settings are being checked: a merchant may not set the marketplace's target
/// nor name merchants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Marketplace,
    Merchant,
}

impl SlaDocument {
    pub fn check(&self, owner: Owner, field: &str) -> Result<SlaSettings, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let at = |name: String| {
            if field.is_empty() {
                name
            } else {
                format!("{field}.{name}")
            }
        };
        let hours = match &self.hours {
            Some(doc) => match BusinessHours::parse(doc, &at("hours".into())) {
                Ok(hours) => Some(hours),
                Err(e) => {
                    errors.0.extend(e.0);
                    None
                }
            },
            None => Some(default_hours()),
        };
        if self.policies.len() > MAX_POLICIES {
            errors.push(FieldError::new(
                at("policies".into()),
                "sla.too_many_policies",
                format!("at most {MAX_POLICIES} policies"),
            ));
        }
        let mut policies = Vec::new();
        for (index, doc) in self.policies.iter().enumerate() {
            let field = at(format!("policies[{index}]"));
            if doc.name.trim().is_empty() || doc.name.chars().count() > 100 {
                errors.push(FieldError::new(
                    format!("{field}.name"),
                    "sla.policy_name_invalid",
                    "name the policy (1 to 100 characters)",
                ));
            }
            let conditions = &doc.conditions;
            if owner == Owner::Merchant && !conditions.merchants.is_empty() {
                errors.push(FieldError::new(
                    format!("{field}.conditions.merchants"),
                    "sla.merchants_not_allowed",
                    "a shop's policy applies to its own cases only",
                ));
            }
            if let (Some(min), Some(max)) =
                (conditions.min_amount_minor, conditions.max_amount_minor)
                && min > max
            {
                errors.push(FieldError::new(
                    format!("{field}.conditions.max_amount_minor"),
                    "sla.amount_range_inverted",
                    "the maximum is at least the minimum",
                ));
            }
            if [conditions.min_amount_minor, conditions.max_amount_minor]
                .iter()
                .flatten()
                .any(|v| *v < 0)
            {
                errors.push(FieldError::new(
                    format!("{field}.conditions"),
                    "sla.amount_negative",
                    "amounts are zero or more",
                ));
            }
            for (i, reason) in conditions.reasons.iter().enumerate() {
                if crate::reason::ReasonCode::parse(reason).is_err() {
                    errors.push(FieldError::new(
                        format!("{field}.conditions.reasons[{i}]"),
                        "reason.unknown",
                        "a reason code such as damaged or not_received",
                    ));
                }
            }
            let mut targets = Vec::new();
            for target in Target::ALL {
                let Some(doc_target) = doc.targets.get(target) else {
                    continue;
                };
                let tfield = format!("{field}.targets.{}", target.code());
                if owner == Owner::Merchant && target == Target::MarketplaceResponse {
                    errors.push(FieldError::new(
                        tfield,
                        "sla.target_not_allowed",
                        "the marketplace sets its own response target",
                    ));
                    continue;
                }
                match target_rule(doc_target, &tfield, &doc.name) {
                    Ok(rule) => targets.push((target, rule)),
                    Err(e) => errors.0.extend(e.0),
                }
            }
            if targets.is_empty() && errors.is_empty() {
                errors.push(FieldError::new(
                    format!("{field}.targets"),
                    "sla.policy_without_target",
                    "set at least one target",
                ));
            }
            policies.push(Policy {
                name: doc.name.trim().to_owned(),
                conditions: conditions.clone(),
                targets,
            });
        }
        errors.into_result()?;
        Ok(SlaSettings {
            hours: hours.unwrap_or_else(default_hours),
            policies,
        })
    }
}

fn target_rule(
    doc: &TargetDocument,
    field: &str,
    policy: &str,
) -> Result<TargetRule, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let within = match Span::parse(&doc.within) {
        None => {
            errors.push(FieldError::new(
                format!("{field}.within"),
                "sla.duration_invalid",
                "a duration such as 4h, 90m or 7d",
            ));
            None
        }
        Some(Span(d)) if d <= SignedDuration::ZERO || d > MAX_TARGET => {
            errors.push(FieldError::new(
                format!("{field}.within"),
                "sla.target_out_of_range",
                "a target of more than zero and at most a year",
            ));
            None
        }
        Some(_) if doc.clock == ClockKind::Business && doc.within.contains('d') => {
            errors.push(FieldError::new(
                format!("{field}.within"),
                "sla.days_need_calendar_clock",
                "in opening hours, count hours (16h); days are for the calendar clock",
            ));
            None
        }
        Some(Span(d)) => Some(d),
    };
    let warn_before = match doc.warn_before.as_deref().map(Span::parse) {
        None => None,
        Some(None) => {
            errors.push(FieldError::new(
                format!("{field}.warn_before"),
                "sla.duration_invalid",
                "a duration such as 1h or 30m",
            ));
            None
        }
        Some(Some(Span(w))) => {
            if within.is_some_and(|d| w <= SignedDuration::ZERO || w >= d) {
                errors.push(FieldError::new(
                    format!("{field}.warn_before"),
                    "sla.warning_out_of_range",
                    "a warning comes after the start and before the breach",
                ));
            }
            Some(w)
        }
    };
    errors.into_result()?;
    let within = within.unwrap_or(SignedDuration::ZERO);
    Ok(TargetRule {
        within,
        clock: doc.clock,
        warn_before: warn_before.unwrap_or_else(|| default_warning(within)),
        policy: policy.trim().to_owned(),
    })
}

/// A quarter of the target, at most a day.
fn default_warning(within: SignedDuration) -> SignedDuration {
    (within / 4).min(SignedDuration::from_hours(24))
}

/// amiable's defaults: what applies when no policy sets a target.
pub fn default_rule(target: Target) -> TargetRule {
    let (within, clock, warn) = match target {
        // One working day (8 business hours), warned 2 hours before.
        Target::FirstResponse => (8, ClockKind::Business, 2),
        // Two working days.
        Target::NextResponse => (16, ClockKind::Business, 4),
        // Seven days without news at most (seed 003), warned a day before: on day 6.
        Target::BuyerUpdate => (7 * 24, ClockKind::Calendar, 24),
        // Thirty days of the merchant's time.
        Target::Resolution => (30 * 24, ClockKind::Calendar, 3 * 24),
        // The marketplace takes up an escalated case within two working days.
        Target::MarketplaceResponse => (16, ClockKind::Business, 4),
    };
    TargetRule {
        within: SignedDuration::from_hours(within),
        clock,
        warn_before: SignedDuration::from_hours(warn),
        policy: "amiable".to_owned(),
    }
}

/// The rules in force for one case.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub rules: Vec<(Target, TargetRule)>,
}

/// Picks each target's rule for `state` (see the module's order).
pub fn applicable(
    state: &CaseState,
    marketplace: &SlaSettings,
    merchant: Option<&SlaSettings>,
) -> Applied {
    let named: Vec<&Policy> = marketplace
        .policies
        .iter()
        .filter(|p| !p.conditions.merchants.is_empty())
        .collect();
    let general: Vec<&Policy> = marketplace
        .policies
        .iter()
        .filter(|p| p.conditions.merchants.is_empty())
        .collect();
    let own: Vec<&Policy> = merchant
        .map(|m| m.policies.iter().collect())
        .unwrap_or_default();
    let rules = Target::ALL
        .into_iter()
        .map(|target| {
            let chain: Vec<&&Policy> = if target == Target::MarketplaceResponse {
                named.iter().chain(general.iter()).collect()
            } else {
                named
                    .iter()
                    .chain(own.iter())
                    .chain(general.iter())
                    .collect()
            };
            let rule = chain
                .into_iter()
                .filter(|p| p.conditions.matches(state))
                .find_map(|p| {
                    p.targets
                        .iter()
                        .find(|(t, _)| *t == target)
                        .map(|(_, r)| r.clone())
                })
                .unwrap_or_else(|| default_rule(target));
            (target, rule)
        })
        .collect();
    Applied { rules }
}
