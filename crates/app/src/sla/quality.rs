//! Merchant quality, enforced: a shop's figures over the rolling window, judged
//! against the marketplace's thresholds; each change of standing recorded with
//! the figures that caused it, sent to the shop platform as a webhook
//! (`merchant.standing_changed`) and explained to the shop's administrators by
//! email, with what to improve.

use crate::access::allow;
use crate::notifications::webhooks::{WEBHOOK_ATTEMPTS, webhook_id};
use crate::{App, Error};
use amiable_domain::access::{Action, Principal, Role};
use amiable_domain::ids::{MerchantId, OperatorId};
use amiable_domain::sla::quality::{
    Figures, Finding, Metric, QualityDocument, Ratio, Standing, judge, median_p90,
};
use amiable_i18n::{self as catalogue, Lang};
use amiable_store::NewDelivery;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// The webhook event type of a change of standing.
pub const STANDING_EVENT: &str = "merchant.standing_changed";

/// The quality settings in a marketplace's settings document (the defaults when unset).
pub fn quality_of(settings: &serde_json::Value) -> QualityDocument {
    settings
        .get("quality")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

/// A merchant's quality now.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quality {
    pub merchant_id: String,
    pub window_days: u32,
    pub standing: Standing,
    /// Since when it stands there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<Timestamp>,
    pub figures: Figures,
    /// The thresholds crossed, worst first.
    pub findings: Vec<Finding>,
    /// What a restriction means on this marketplace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restriction: Option<String>,
    /// The changes of standing, newest first.
    pub history: Vec<StandingChange>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StandingChange {
    pub from: String,
    pub to: String,
    pub changed_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub findings: serde_json::Value,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub figures: serde_json::Value,
}

fn figures_from(inputs: amiable_store::sla::QualityInputs) -> Figures {
    let target = |code: &str| {
        inputs
            .targets
            .iter()
            .find(|(t, _, _)| t == code)
            .map(|(_, cycles, misses)| Ratio {
                part: *misses,
                whole: *cycles,
            })
            .unwrap_or_default()
    };
    let (fr_median, fr_p90) = median_p90(inputs.first_responses.clone());
    let (res_median, res_p90) = median_p90(inputs.resolutions.clone());
    let ratings = inputs.ratings.len() as i64;
    let csat = (ratings > 0).then(|| inputs.ratings.iter().sum::<i64>() * 100 / ratings);
    let unhappy = inputs.ratings.iter().filter(|r| **r <= 2).count() as i64;
    Figures {
        cases: inputs.cases,
        orders: inputs.orders,
        first_response_median_seconds: fr_median,
        first_response_p90_seconds: fr_p90,
        resolution_median_seconds: res_median,
        resolution_p90_seconds: res_p90,
        csat_average_x100: csat,
        ratings,
        rates: vec![
            (Metric::FirstResponseBreachRate, target("first_response")),
            (Metric::NextResponseBreachRate, target("next_response")),
            (Metric::BuyerUpdateBreachRate, target("buyer_update")),
            (Metric::ResolutionBreachRate, target("resolution")),
            (
                Metric::IncidentRate,
                Ratio {
                    part: inputs.incidents,
                    whole: inputs.orders,
                },
            ),
            (
                Metric::RefundRate,
                Ratio {
                    part: inputs.refunded_orders,
                    whole: inputs.orders,
                },
            ),
            (
                Metric::EscalationRate,
                Ratio {
                    part: inputs.escalated,
                    whole: inputs.cases,
                },
            ),
            (
                Metric::ArbitrationLossRate,
                Ratio {
                    part: inputs.arbitrations_lost,
                    whole: inputs.arbitrated,
                },
            ),
            (
                Metric::DissatisfactionRate,
                Ratio {
                    part: unhappy,
                    whole: ratings,
                },
            ),
        ],
    }
}

impl App {
    /// A merchant's figures and standing as of `now`, judged and recorded: a change of
    /// standing is stored with its figures, sent as a webhook and explained by email.
    pub async fn evaluate_quality(
        &self,
        operator_id: OperatorId,
        merchant_id: MerchantId,
        now: Timestamp,
    ) -> Result<(Standing, Figures, Vec<Finding>), Error> {
        let operator = self
            .store()
            .operator(operator_id)
            .await?
            .ok_or_else(|| Error::not_found("operator"))?;
        let doc = quality_of(&operator.settings);
        let rules = doc.check("").unwrap_or_else(|_| {
            QualityDocument::default()
                .check("")
                .unwrap_or_else(|_| unreachable!("the defaults are valid"))
        });
        let since = now
            .checked_sub(SignedDuration::from_hours(
                24 * i64::from(rules.window_days),
            ))
            .unwrap_or(now);
        let inputs = self
            .store()
            .quality_inputs(operator_id, merchant_id, since)
            .await?;
        let figures = figures_from(inputs);
        let (standing, findings) = judge(&rules, &figures);
        let findings_json = serde_json::to_value(&findings).unwrap_or_default();
        let figures_json = serde_json::to_value(&figures).unwrap_or_default();
        let changed = self
            .store()
            .record_standing(
                operator_id,
                merchant_id,
                standing.code(),
                &findings_json,
                &figures_json,
                now,
            )
            .await?;
        if let Some(from) = changed {
            tracing::info!(%merchant_id, from, to = standing.code(), "merchant standing changed");
            self.announce_standing(
                operator_id,
                merchant_id,
                &from,
                standing,
                &findings,
                &figures,
                rules.restriction.as_deref(),
                now,
            )
            .await?;
        }
        Ok((standing, figures, findings))
    }

    /// Evaluates every merchant of a marketplace (the daily pass, or on demand).
    pub async fn evaluate_all_quality(
        &self,
        operator_id: OperatorId,
        now: Timestamp,
    ) -> Result<usize, Error> {
        let merchants = self.store().merchants(operator_id).await?;
        for merchant in &merchants {
            self.evaluate_quality(operator_id, merchant.id, now).await?;
        }
        Ok(merchants.len())
    }

    /// A merchant's quality, for the marketplace or the merchant's own staff.
    pub async fn quality(
        &self,
        principal: &Principal,
        merchant_id: MerchantId,
        evaluate: bool,
    ) -> Result<Quality, Error> {
        crate::access::allow_role(principal, Action::ReadSettings)?;
        let resource = self.merchant_resource(merchant_id).await?;
        allow(principal, Action::ReadSettings, &resource, "merchant")?;
        let operator_id = principal.operator_id();
        let now = Timestamp::now();
        let (standing, figures, findings) = if evaluate {
            self.evaluate_quality(operator_id, merchant_id, now).await?
        } else {
            match self.store().merchant_standing(merchant_id).await? {
                Some(stored) => (
                    Standing::parse(&stored.standing).unwrap_or(Standing::Good),
                    serde_json::from_value(stored.figures).unwrap_or_default(),
                    serde_json::from_value(stored.findings).unwrap_or_default(),
                ),
                None => self.evaluate_quality(operator_id, merchant_id, now).await?,
            }
        };
        let operator = self
            .store()
            .operator(operator_id)
            .await?
            .ok_or_else(|| Error::not_found("operator"))?;
        let doc = quality_of(&operator.settings);
        let since = self
            .store()
            .merchant_standing(merchant_id)
            .await?
            .map(|s| s.since);
        let history = self
            .store()
            .standing_changes(operator_id, merchant_id, 50)
            .await?
            .into_iter()
            .map(|c| StandingChange {
                from: c.from,
                to: c.to,
                changed_at: c.changed_at,
                findings: c.findings,
                figures: c.figures,
            })
            .collect();
        Ok(Quality {
            merchant_id: merchant_id.to_string(),
            window_days: doc.window_days,
            standing,
            since,
            figures,
            findings,
            restriction: doc.restriction,
            history,
        })
    }

    #[allow(clippy::too_many_arguments)]
    async fn announce_standing(
        &self,
        operator_id: OperatorId,
        merchant_id: MerchantId,
        from: &str,
        to: Standing,
        findings: &[Finding],
        figures: &Figures,
        restriction: Option<&str>,
        now: Timestamp,
    ) -> Result<(), Error> {
        let stamp = now.as_microsecond();
        let mut deliveries = Vec::new();
        // The shop platform acts on it (suspends new orders, shows a badge…).
        let payload = serde_json::json!({
            "type": STANDING_EVENT,
            "timestamp": now.to_string(),
            "data": {
                "merchant_id": merchant_id.to_string(),
                "operator_id": operator_id.to_string(),
                "from": from,
                "to": to.code(),
                "restriction": if to == Standing::Restricted { restriction } else { None },
                "findings": findings,
                "figures": figures,
            }
        })
        .to_string();
        for endpoint in self
            .store()
            .webhook_subscribers(operator_id, merchant_id)
            .await?
            .into_iter()
            .filter(|e| {
                e.event_types.is_empty() || e.event_types.iter().any(|t| t == STANDING_EVENT)
            })
        {
            let idem_key = format!("standing:{merchant_id}:{stamp}:webhook:{}", endpoint.id);
            deliveries.push(NewDelivery {
                message_id: webhook_id(&idem_key),
                idem_key,
                operator_id: operator_id.to_string(),
                merchant_id: Some(merchant_id.to_string()),
                case_id: None,
                seq: None,
                channel: "webhook".into(),
                topic: STANDING_EVENT.into(),
                audience: if endpoint.merchant_id.is_some() {
                    "merchant"
                } else {
                    "operator"
                }
                .into(),
                recipient: endpoint.url.clone(),
                recipient_key: endpoint.id.clone(),
                language: "en".into(),
                sender_name: String::new(),
                subject: STANDING_EVENT.into(),
                body_text: payload.clone(),
                body_html: None,
                max_attempts: WEBHOOK_ATTEMPTS,
                due_at: now,
            });
        }
        // The shop's administrators are told why, and what to improve.
        let operator = self
            .store()
            .operator(operator_id)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let shop = self
            .store()
            .merchant(merchant_id)
            .await?
            .map(|m| m.name)
            .unwrap_or_default();
        for user in self
            .store()
            .users(operator_id, Some(merchant_id))
            .await?
            .into_iter()
            .filter(|u| u.role == Role::MerchantAdmin && u.disabled_at.is_none())
        {
            let lang = if user.locale == "fr" {
                Lang::Fr
            } else {
                Lang::En
            };
            let (subject, body) = standing_email(lang, &shop, &operator, to, findings, restriction);
            let idem_key = format!("standing:{merchant_id}:{stamp}:email:{}", user.id);
            deliveries.push(NewDelivery {
                message_id: format!("<{}@amiable.localhost>", webhook_id(&idem_key)),
                idem_key,
                operator_id: operator_id.to_string(),
                merchant_id: Some(merchant_id.to_string()),
                case_id: None,
                seq: None,
                channel: "email".into(),
                topic: "standing_changed".into(),
                audience: "merchant".into(),
                recipient: user.email.clone(),
                recipient_key: user.id.clone(),
                language: lang.as_str().into(),
                sender_name: operator.clone(),
                subject,
                body_text: body,
                body_html: None,
                max_attempts: crate::notifications::MESSAGE_ATTEMPTS,
                due_at: now,
            });
        }
        if !deliveries.is_empty() {
            self.store().plan_deliveries(&deliveries).await?;
        }
        Ok(())
    }
}

/// The email that explains a change of standing: the figures and what to improve.
pub fn standing_email(
    lang: Lang,
    shop: &str,
    operator: &str,
    to: Standing,
    findings: &[Finding],
    restriction: Option<&str>,
) -> (String, String) {
    let t = |key: &str, args: &[(&str, &str)]| catalogue::message_with(lang, key, args);
    let standing = t(&format!("quality-standing-{}", to.code()), &[]);
    let subject = t(
        "quality-email-subject",
        &[("shop", shop), ("standing", &standing)],
    );
    let mut body = t(
        "quality-email-intro",
        &[
            ("shop", shop),
            ("standing", &standing),
            ("operator", operator),
        ],
    );
    if to == Standing::Restricted
        && let Some(restriction) = restriction
    {
        body.push_str("\n\n");
        body.push_str(&t(
            "quality-email-restriction",
            &[("restriction", restriction)],
        ));
    }
    for finding in findings {
        let value = amiable_i18n::format::percent(lang, finding.value_bp / 10);
        let threshold = amiable_i18n::format::percent(lang, finding.threshold_bp / 10);
        body.push_str("\n\n- ");
        body.push_str(&t(
            "quality-email-finding",
            &[
                (
                    "metric",
                    &t(&format!("quality-metric-{}", finding.metric.code()), &[]),
                ),
                ("value", &value),
                ("threshold", &threshold),
                ("part", &finding.part.to_string()),
                ("whole", &finding.whole.to_string()),
            ],
        ));
        body.push_str("\n  ");
        body.push_str(&t(
            &format!("quality-improve-{}", finding.metric.code()),
            &[],
        ));
    }
    if findings.is_empty() {
        body.push_str("\n\n");
        body.push_str(&t("quality-email-good", &[]));
    }
    (subject, body)
}
