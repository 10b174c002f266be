//! Merchant quality, enforced: thirty days of figures a merchant answers for,
//! thresholds the marketplace sets, and the standing they give — *good*,
//! *under watch*, *restricted* — as the large marketplaces do (order defect
//! rate, late response rate…).
//!
//! Only what the merchant is answerable for counts: its own targets (never
//! the marketplace's, [`super::policy::Target::merchant_answers`]), its
//! incidents, refunds, escalations, the arbitrations it lost and what buyers
//! said of its cases. Rates are kept in basis points (1 % = 100) so they are
//! exact and compare without rounding.

use crate::ids::MerchantId;
use crate::validation::{FieldError, ValidationErrors};
use serde::{Deserialize, Serialize};

/// The figures a threshold can watch, each a rate where higher is worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Metric {
    /// First responses late, over the cases that had one due.
    FirstResponseBreachRate,
    /// Next responses late, over those due.
    NextResponseBreachRate,
    /// Silences towards the buyer longer than the target, over the silences.
    BuyerUpdateBreachRate,
    /// Cases resolved late, over the cases with a resolution target.
    ResolutionBreachRate,
    /// Incidents (not received, damaged, wrong item…) over the orders.
    IncidentRate,
    /// Orders refunded (in full or in part) over the orders.
    RefundRate,
    /// Cases escalated to the marketplace over the cases.
    EscalationRate,
    /// Arbitrations decided against the merchant over the arbitrations.
    ArbitrationLossRate,
    /// Ratings of 1 or 2 out of 5 over the ratings.
    DissatisfactionRate,
}

impl Metric {
    pub const ALL: [Metric; 9] = [
        Metric::FirstResponseBreachRate,
        Metric::NextResponseBreachRate,
        Metric::BuyerUpdateBreachRate,
        Metric::ResolutionBreachRate,
        Metric::IncidentRate,
        Metric::RefundRate,
        Metric::EscalationRate,
        Metric::ArbitrationLossRate,
        Metric::DissatisfactionRate,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Metric::FirstResponseBreachRate => "first_response_breach_rate",
            Metric::NextResponseBreachRate => "next_response_breach_rate",
            Metric::BuyerUpdateBreachRate => "buyer_update_breach_rate",
            Metric::ResolutionBreachRate => "resolution_breach_rate",
            Metric::IncidentRate => "incident_rate",
            Metric::RefundRate => "refund_rate",
            Metric::EscalationRate => "escalation_rate",
            Metric::ArbitrationLossRate => "arbitration_loss_rate",
            Metric::DissatisfactionRate => "dissatisfaction_rate",
        }
    }

    pub fn parse(code: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.code() == code)
    }
}

/// A count over a base: `part` of `whole`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ratio {
    pub part: i64,
    pub whole: i64,
}

impl Ratio {
    /// In basis points (1 % = 100), rounded down; `None` over nothing.
    pub fn basis_points(self) -> Option<i64> {
        (self.whole > 0).then(|| self.part.saturating_mul(10_000) / self.whole)
    }
}

/// A merchant's figures over the window.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Figures {
    pub cases: i64,
    pub orders: i64,
    /// Seconds of business time, over the first responses given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_median_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_p90_seconds: Option<i64>,
    /// Seconds of the resolution clock, over the cases resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_median_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_p90_seconds: Option<i64>,
    /// Average rating ×100 (4.25 → 425), over the ratings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csat_average_x100: Option<i64>,
    pub ratings: i64,
    /// Each watched rate as a ratio (`[metric, {part, whole}]`).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub rates: Vec<(Metric, Ratio)>,
}

impl Figures {
    pub fn rate(&self, metric: Metric) -> Ratio {
        self.rates
            .iter()
            .find(|(m, _)| *m == metric)
            .map(|(_, r)| *r)
            .unwrap_or_default()
    }
}

/// The median and 90th percentile (nearest-rank) of some durations.
pub fn median_p90(mut values: Vec<i64>) -> (Option<i64>, Option<i64>) {
    if values.is_empty() {
        return (None, None);
    }
    values.sort_unstable();
    let rank = |p: usize| {
        // Nearest rank: the smallest value with at least p % of the values at or below it.
        let index = (p * values.len()).div_ceil(100).max(1) - 1;
        values[index.min(values.len() - 1)]
    };
    (Some(rank(50)), Some(rank(90)))
}

/// Where a merchant stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Standing {
    Good,
    /// Past a warning threshold: watched, told what to improve.
    UnderWatch,
    /// Past a restriction threshold: the marketplace's restriction applies.
    Restricted,
}

impl Standing {
    pub fn code(self) -> &'static str {
        match self {
            Standing::Good => "good",
            Standing::UnderWatch => "under_watch",
            Standing::Restricted => "restricted",
        }
    }

    pub fn parse(code: &str) -> Option<Standing> {
        [Standing::Good, Standing::UnderWatch, Standing::Restricted]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// One threshold as written: percentages (`12.5` is 12.5 %).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ThresholdDocument {
    pub metric: Metric,
    /// At or above this, the merchant is under watch.
    pub warning_percent: f64,
    /// At or above this, the restriction applies.
    pub restriction_percent: f64,
    /// Not judged under this many cases in the base (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_volume: Option<i64>,
}

/// The marketplace's quality settings (the `quality` key of its settings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QualityDocument {
    /// The rolling window, in days (7–90, default 30).
    #[serde(default = "thirty")]
    pub window_days: u32,
    pub thresholds: Vec<ThresholdDocument>,
    /// What a restriction means, told to the merchant, e.g. « suspendu des nouvelles commandes ».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restriction: Option<String>,
}

fn thirty() -> u32 {
    30
}

impl Default for QualityDocument {
    /// What amiable watches unless the marketplace says otherwise.
    fn default() -> Self {
        let t = |metric, warning_percent, restriction_percent| ThresholdDocument {
            metric,
            warning_percent,
            restriction_percent,
            min_volume: None,
        };
        QualityDocument {
            window_days: 30,
            thresholds: vec![
                t(Metric::FirstResponseBreachRate, 10.0, 25.0),
                t(Metric::BuyerUpdateBreachRate, 5.0, 15.0),
                t(Metric::ResolutionBreachRate, 10.0, 25.0),
                t(Metric::ArbitrationLossRate, 40.0, 60.0),
                t(Metric::DissatisfactionRate, 30.0, 50.0),
            ],
            restriction: None,
        }
    }
}

/// A checked threshold, in basis points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Threshold {
    pub metric: Metric,
    pub warning_bp: i64,
    pub restriction_bp: i64,
    pub min_volume: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QualityRules {
    pub window_days: u32,
    pub thresholds: Vec<Threshold>,
    pub restriction: Option<String>,
}

impl QualityDocument {
    pub fn check(&self, field: &str) -> Result<QualityRules, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let at = |rest: &str| {
            if field.is_empty() {
                rest.to_owned()
            } else {
                format!("{field}.{rest}")
            }
        };
        if !(7..=90).contains(&self.window_days) {
            errors.push(FieldError::new(
                at("window_days"),
                "quality.window_invalid",
                "a window of 7 to 90 days",
            ));
        }
        let percent = |value: f64| -> Option<i64> {
            (value.is_finite() && (0.0..=100.0).contains(&value))
                .then(|| (value * 100.0).round() as i64)
        };
        let mut thresholds = Vec::new();
        for (index, doc) in self.thresholds.iter().enumerate() {
            let f = |name: &str| at(&format!("thresholds[{index}].{name}"));
            let warning = percent(doc.warning_percent);
            let restriction = percent(doc.restriction_percent);
            if warning.is_none() {
                errors.push(FieldError::new(
                    f("warning_percent"),
                    "quality.threshold_out_of_range",
                    "a percentage from 0 to 100",
                ));
            }
            if restriction.is_none() {
                errors.push(FieldError::new(
                    f("restriction_percent"),
                    "quality.threshold_out_of_range",
                    "a percentage from 0 to 100",
                ));
            }
            if let (Some(w), Some(r)) = (warning, restriction)
                && r < w
            {
                errors.push(FieldError::new(
                    f("restriction_percent"),
                    "quality.thresholds_inverted",
                    "the restriction threshold is at or above the warning",
                ));
            }
            if self.thresholds[..index]
                .iter()
                .any(|t| t.metric == doc.metric)
            {
                errors.push(FieldError::new(
                    f("metric"),
                    "quality.metric_duplicate",
                    "one threshold per figure",
                ));
            }
            let min_volume = doc.min_volume.unwrap_or(10);
            if !(1..=100_000).contains(&min_volume) {
                errors.push(FieldError::new(
                    f("min_volume"),
                    "quality.min_volume_invalid",
                    "a minimum volume of 1 to 100,000",
                ));
            }
            if let (Some(warning_bp), Some(restriction_bp)) = (warning, restriction) {
                thresholds.push(Threshold {
                    metric: doc.metric,
                    warning_bp,
                    restriction_bp,
                    min_volume,
                });
            }
        }
        if let Some(text) = &self.restriction
            && (text.trim().is_empty() || text.chars().count() > 200)
        {
            errors.push(FieldError::new(
                at("restriction"),
                "quality.restriction_invalid",
                "1 to 200 characters",
            ));
        }
        errors.into_result()?;
        Ok(QualityRules {
            window_days: self.window_days,
            thresholds,
            restriction: self.restriction.clone(),
        })
    }
}

/// Why a merchant stands where it does: one line per threshold crossed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    pub metric: Metric,
    pub level: Standing,
    /// The rate, in basis points (1 % = 100).
    pub value_bp: i64,
    /// The threshold it reached, in basis points.
    pub threshold_bp: i64,
    pub part: i64,
    pub whole: i64,
}

/// The standing the figures give, and the thresholds crossed (worst first).
pub fn judge(rules: &QualityRules, figures: &Figures) -> (Standing, Vec<Finding>) {
    let mut findings: Vec<Finding> = rules
        .thresholds
        .iter()
        .filter_map(|t| {
            let ratio = figures.rate(t.metric);
            if ratio.whole < t.min_volume {
                return None;
            }
            let value = ratio.basis_points()?;
            let (level, threshold_bp) = if value >= t.restriction_bp {
                (Standing::Restricted, t.restriction_bp)
            } else if value >= t.warning_bp {
                (Standing::UnderWatch, t.warning_bp)
            } else {
                return None;
            };
            Some(Finding {
                metric: t.metric,
                level,
                value_bp: value,
                threshold_bp,
                part: ratio.part,
                whole: ratio.whole,
            })
        })
        .collect();
    findings.sort_by(|a, b| b.level.cmp(&a.level).then(b.value_bp.cmp(&a.value_bp)));
    let standing = findings
        .first()
        .map_or(Standing::Good, |finding| finding.level);
    (standing, findings)
}

/// A merchant's standing changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StandingChange {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub merchant_id: MerchantId,
    pub from: Standing,
    pub to: Standing,
    pub findings: Vec<Finding>,
    pub figures: Figures,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        assert_eq!(median_p90(vec![]), (None, None));
        assert_eq!(median_p90(vec![7]), (Some(7), Some(7)));
        let values: Vec<i64> = (1..=10).collect();
        assert_eq!(median_p90(values), (Some(5), Some(9)));
    }

    #[test]
    fn thresholds_give_the_worst_standing() {
        let rules = QualityDocument::default().check("").unwrap();
        let mut figures = Figures {
            rates: vec![(
                Metric::FirstResponseBreachRate,
                Ratio { part: 3, whole: 20 },
            )],
            ..Figures::default()
        };
        let (standing, findings) = judge(&rules, &figures);
        assert_eq!(standing, Standing::UnderWatch);
        assert_eq!(findings[0].value_bp, 1500);
        figures
            .rates
            .push((Metric::ResolutionBreachRate, Ratio { part: 6, whole: 20 }));
        assert_eq!(judge(&rules, &figures).0, Standing::Restricted);
        // Under the minimum volume, nothing is judged.
        let few = Figures {
            rates: vec![(Metric::FirstResponseBreachRate, Ratio { part: 3, whole: 4 })],
            ..Figures::default()
        };
        assert_eq!(judge(&rules, &few).0, Standing::Good);
    }

    #[test]
    fn out_of_range_thresholds_are_refused() {
        let doc = QualityDocument {
            window_days: 30,
            thresholds: vec![ThresholdDocument {
                metric: Metric::RefundRate,
                warning_percent: 120.0,
                restriction_percent: 5.0,
                min_volume: None,
            }],
            restriction: None,
        };
        let errors = doc.check("quality").unwrap_err();
        assert_eq!(errors.0[0].field, "quality.thresholds[0].warning_percent");
        assert_eq!(errors.0[0].code, "quality.threshold_out_of_range");
    }
}
