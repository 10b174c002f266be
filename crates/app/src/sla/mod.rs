//! Service levels, the use cases: the marketplace's and each shop's SLA
//! settings (business hours and policies), the marketplace's automation rules
//! and quality thresholds, a case's targets as of now, the sweep that raises
//! warnings and breaches and runs the rules ([`sweep`]), and merchant quality
//! ([`quality`]).
//!
//! Settings are checked field by field (every refusal a 422 naming the field,
//! nothing written) and stored in the tenant's settings document; a change
//! recomputes the targets of every open case from their clocks, which are facts
//! folded from the event log — the time already used and the pauses are kept.

pub mod quality;
pub mod status;
pub mod sweep;

use crate::access::{allow, allow_role};
use crate::{App, Error};
use amiable_domain::access::{Action, Principal, Resource};
use amiable_domain::case::Assignee;
use amiable_domain::ids::{CaseId, MerchantId, OperatorId};
use amiable_domain::sla::hours::HoursDocument;
use amiable_domain::sla::policy::Owner;
use amiable_domain::sla::quality::QualityDocument;
use amiable_domain::sla::rules::RuleDocument;
use amiable_domain::sla::{SlaDocument, TargetReport, assess};
use amiable_store::SettingsOf;
use jiff::Timestamp;
use serde::Serialize;

/// Whose SLA settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaScope {
    /// The caller's marketplace.
    Marketplace,
    Merchant(MerchantId),
}

/// A case's service levels as of now.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseSla {
    pub case_id: String,
    /// When they were evaluated.
    pub at: Timestamp,
    pub targets: Vec<TargetReport>,
    /// The nearest due date of a running target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nearest_due: Option<Timestamp>,
    /// Every pause of the case's clocks, in order.
    pub pauses: Vec<PauseView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<Assignee>,
}

/// One pause of a clock.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PauseView {
    /// `merchant`, `resolution` or `buyer_update`.
    pub clock: &'static str,
    pub from: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<Timestamp>,
    pub waiting_on: amiable_domain::sla::clocks::PauseReason,
}

/// How many open cases a settings change re-assessed.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recomputed {
    pub cases: u64,
}

fn settings_of(scope: SlaScope, operator_id: OperatorId) -> SettingsOf {
    match scope {
        SlaScope::Marketplace => SettingsOf::Operator(operator_id),
        SlaScope::Merchant(id) => SettingsOf::Merchant(id),
    }
}

impl App {
    async fn sla_scope_resource(
        &self,
        principal: &Principal,
        scope: SlaScope,
        action: Action,
    ) -> Result<Resource, Error> {
        // The marketplace's own settings are out of a shop's or a buyer's reach (404, as for
        // its other settings); a shop's are refused to a role without the action (403).
        let resource = match scope {
            SlaScope::Marketplace => Resource::operator(principal.operator_id()),
            SlaScope::Merchant(id) => {
                allow_role(principal, action)?;
                self.merchant_resource(id).await?
            }
        };
        let what = match scope {
            SlaScope::Marketplace => "operator",
            SlaScope::Merchant(_) => "merchant",
        };
        allow(principal, action, &resource, what)?;
        Ok(resource)
    }

    /// The stored settings document of a scope.
    async fn settings_value(
        &self,
        principal: &Principal,
        scope: SlaScope,
    ) -> Result<serde_json::Value, Error> {
        Ok(match scope {
            SlaScope::Marketplace => {
                self.store()
                    .operator(principal.operator_id())
                    .await?
                    .ok_or_else(|| Error::not_found("operator"))?
                    .settings
            }
            SlaScope::Merchant(id) => {
                self.store()
                    .merchant(id)
                    .await?
                    .ok_or_else(|| Error::not_found("merchant"))?
                    .settings
            }
        })
    }

    /// The SLA settings of a scope (the defaults' hours filled in when none are set).
    pub async fn sla_document(
        &self,
        principal: &Principal,
        scope: SlaScope,
    ) -> Result<SlaDocument, Error> {
        self.sla_scope_resource(principal, scope, Action::ReadSettings)
            .await?;
        let settings = self.settings_value(principal, scope).await?;
        let mut doc: SlaDocument = settings
            .get("sla")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default();
        if doc.hours.is_none() {
            doc.hours = Some(HoursDocument::french_office());
        }
        Ok(doc)
    }

    /// Replaces the SLA settings of a scope, then re-assesses its open cases.
    pub async fn set_sla_document(
        &self,
        principal: &Principal,
        scope: SlaScope,
        doc: SlaDocument,
    ) -> Result<Recomputed, Error> {
        self.sla_scope_resource(principal, scope, Action::ManageSettings)
            .await?;
        let owner = match scope {
            SlaScope::Marketplace => Owner::Marketplace,
            SlaScope::Merchant(_) => Owner::Merchant,
        };
        doc.check(owner, "").map_err(Error::validation)?;
        let value =
            serde_json::to_value(&doc).map_err(|e| Error::internal_because("SLA settings", e))?;
        self.edit_settings(settings_of(scope, principal.operator_id()), |stored| {
            if let Some(map) = stored.as_object_mut() {
                map.insert("sla".into(), value);
            }
            Ok(())
        })
        .await?;
        let merchant = match scope {
            SlaScope::Marketplace => None,
            SlaScope::Merchant(id) => Some(id),
        };
        self.recompute_sla(principal.operator_id(), merchant).await
    }

    /// The marketplace's automation rules (amiable's defaults when it set none).
    pub async fn automation_rules(
        &self,
        principal: &Principal,
    ) -> Result<Vec<RuleDocument>, Error> {
        self.sla_scope_resource(principal, SlaScope::Marketplace, Action::ReadSettings)
            .await?;
        let settings = self
            .settings_value(principal, SlaScope::Marketplace)
            .await?;
        Ok(amiable_store::sla::automation_rules(&settings))
    }

    /// Replaces the marketplace's automation rules (refusing any that would set itself off).
    pub async fn set_automation_rules(
        &self,
        principal: &Principal,
        rules: Vec<RuleDocument>,
    ) -> Result<Recomputed, Error> {
        self.sla_scope_resource(principal, SlaScope::Marketplace, Action::ManageSettings)
            .await?;
        amiable_domain::sla::rules::check(&rules, "rules").map_err(Error::validation)?;
        let value =
            serde_json::to_value(&rules).map_err(|e| Error::internal_because("SLA settings", e))?;
        self.edit_settings(SettingsOf::Operator(principal.operator_id()), |stored| {
            if let Some(map) = stored.as_object_mut() {
                map.insert("automation".into(), value);
            }
            Ok(())
        })
        .await?;
        self.recompute_sla(principal.operator_id(), None).await
    }

    /// The marketplace's quality thresholds (amiable's defaults when it set none).
    pub async fn quality_document(&self, principal: &Principal) -> Result<QualityDocument, Error> {
        self.sla_scope_resource(principal, SlaScope::Marketplace, Action::ReadSettings)
            .await?;
        let settings = self
            .settings_value(principal, SlaScope::Marketplace)
            .await?;
        Ok(quality::quality_of(&settings))
    }

    /// Replaces the marketplace's quality thresholds.
    pub async fn set_quality_document(
        &self,
        principal: &Principal,
        doc: QualityDocument,
    ) -> Result<QualityDocument, Error> {
        self.sla_scope_resource(principal, SlaScope::Marketplace, Action::ManageSettings)
            .await?;
        doc.check("").map_err(Error::validation)?;
        let value =
            serde_json::to_value(&doc).map_err(|e| Error::internal_because("SLA settings", e))?;
        self.edit_settings(SettingsOf::Operator(principal.operator_id()), |stored| {
            if let Some(map) = stored.as_object_mut() {
                map.insert("quality".into(), value);
            }
            Ok(())
        })
        .await?;
        Ok(doc)
    }

    /// Re-assesses the open (and resolved) cases of a marketplace, or of one of its shops,
    /// with the settings in force: due dates move, the time used and the pauses stay.
    pub async fn recompute_sla(
        &self,
        operator_id: OperatorId,
        merchant_id: Option<MerchantId>,
    ) -> Result<Recomputed, Error> {
        let mut after = String::new();
        let mut cases = 0u64;
        let mut configs = std::collections::HashMap::new();
        let now = Timestamp::now();
        loop {
            let page = self
                .store()
                .open_case_ids(operator_id, merchant_id, &after, 500)
                .await?;
            let Some(last) = page.last() else {
                break;
            };
            after = last.to_string();
            for case_id in page {
                let Some(record) = self.store().case(case_id).await? else {
                    continue;
                };
                let state = record.state;
                let config = match configs.get(&state.merchant_id) {
                    Some(config) => config,
                    None => {
                        let config = self
                            .store()
                            .sla_config(state.operator_id, state.merchant_id)
                            .await?;
                        configs.entry(state.merchant_id).or_insert(config)
                    }
                };
                let assessment = assess(&state, config, now);
                if self.store().write_assessment(&state, assessment).await? {
                    cases += 1;
                }
            }
        }
        Ok(Recomputed { cases })
    }

    /// A case's targets as of now, for whoever may read the case's staff side.
    pub async fn case_sla(&self, principal: &Principal, case_id: CaseId) -> Result<CaseSla, Error> {
        self.allow_on_case(principal, Action::ReadInternal, case_id)
            .await?;
        let record = self
            .store()
            .case(case_id)
            .await?
            .ok_or_else(|| Error::not_found("case"))?;
        let state = record.state;
        let config = self
            .store()
            .sla_config(state.operator_id, state.merchant_id)
            .await?;
        let now = Timestamp::now();
        let assessment = assess(&state, &config, now);
        // A merchant's staff see the marketplace's own target too: it explains the pauses.
        let pauses = state
            .clocks
            .pauses()
            .into_iter()
            .map(|(clock, pause)| PauseView {
                clock,
                from: pause.from,
                until: pause.until,
                waiting_on: pause.waiting_on,
            })
            .collect();
        Ok(CaseSla {
            case_id: case_id.to_string(),
            at: now,
            nearest_due: assessment.nearest_due,
            targets: assessment.reports,
            pauses,
            assignee: state.assignee,
        })
    }
}
