//! Service levels in the store: each case's targets as a projection written
//! with its events (the writer assesses every case it touches, in the same
//! transaction), the index the sweep reads (`cases.sla_next_at`: the cost of a
//! sweep follows what is due, never the number of open cases), and the
//! settings the assessment reads.

use crate::db::{Store, Tx, with_pool, with_tx};
use crate::error::StoreError;
use crate::rows::RowExt;
use amiable_domain::case::CaseState;
use amiable_domain::ids::{CaseId, MerchantId, OperatorId};
use amiable_domain::sla::policy::Owner;
use amiable_domain::sla::rules::RuleDocument;
use amiable_domain::sla::{Assessment, Config, SlaDocument, SlaSettings, TargetReport};
use jiff::Timestamp;
use serde_json::Value;
use std::collections::HashMap;

/// Reads the SLA settings under `sla` of a settings document; what does not parse or
/// check (it was checked when written) reads as the defaults.
pub fn sla_settings(settings: &Value, owner: Owner) -> Option<SlaSettings> {
    let doc: SlaDocument = serde_json::from_value(settings.get("sla")?.clone())
        .inspect_err(|error| tracing::warn!(%error, "unreadable SLA settings; using the defaults"))
        .ok()?;
    doc.check(owner, "sla")
        .inspect_err(|error| tracing::warn!(%error, "invalid SLA settings; using the defaults"))
        .ok()
}

/// The automation rules under `automation` (the defaults when the marketplace set none).
pub fn automation_rules(settings: &Value) -> Vec<RuleDocument> {
    match settings.get("automation") {
        None => amiable_domain::sla::default_rules(),
        Some(value) => serde_json::from_value(value.clone())
            .inspect_err(|error| tracing::warn!(%error, "unreadable automation rules; none apply"))
            .unwrap_or_default(),
    }
}

/// Builds a case's SLA configuration from its marketplace's and merchant's settings.
pub fn config_from(operator: &Value, merchant: Option<&Value>) -> Config {
    Config {
        marketplace: sla_settings(operator, Owner::Marketplace).unwrap_or_default(),
        merchant: merchant.and_then(|m| sla_settings(m, Owner::Merchant)),
        rules: automation_rules(operator),
    }
}

/// The configurations of a batch, loaded once per (marketplace, merchant).
pub(crate) async fn configs_in(
    tx: &mut Tx<'_>,
    pairs: impl IntoIterator<Item = (OperatorId, MerchantId)>,
) -> Result<HashMap<(OperatorId, MerchantId), Config>, StoreError> {
    let mut configs = HashMap::new();
    for (operator_id, merchant_id) in pairs {
        if configs.contains_key(&(operator_id, merchant_id)) {
            continue;
        }
        let (operator, merchant): (Option<String>, Option<String>) = with_tx!(tx, conn => {
            let operator = sqlx::query_scalar("SELECT settings FROM operators WHERE id = $1")
                .bind(operator_id.to_string())
                .fetch_optional(&mut *conn)
                .await?;
            let merchant = sqlx::query_scalar("SELECT settings FROM merchants WHERE id = $1")
                .bind(merchant_id.to_string())
                .fetch_optional(&mut *conn)
                .await?;
            (operator, merchant)
        });
        let parse = |text: Option<String>| {
            text.and_then(|t| serde_json::from_str::<Value>(&t).ok())
                .unwrap_or(Value::Null)
        };
        let merchant = parse(merchant);
        configs.insert(
            (operator_id, merchant_id),
            config_from(&parse(operator), Some(&merchant)),
        );
    }
    Ok(configs)
}

/// One case's SLA row values, as the flush writes them.
pub(crate) struct Projected {
    pub assessment: Assessment,
}

/// Writes the targets of the assessed cases (replacing what they had).
pub(crate) async fn write_targets(
    tx: &mut Tx<'_>,
    cases: &[(&CaseState, &Projected)],
) -> Result<(), StoreError> {
    with_tx!(tx, conn, DB => {
        for chunk in cases.chunks(64) {
            let mut delete = sqlx::QueryBuilder::<DB>::new("DELETE FROM sla_targets WHERE case_id IN (");
            let mut ids = delete.separated(", ");
            for (state, _) in chunk {
                ids.push_bind(state.case_id.to_string());
            }
            delete.push(")");
            delete.build().execute(&mut *conn).await?;
            let rows: Vec<(&CaseState, &TargetReport)> = chunk
                .iter()
                .flat_map(|(state, projected)| projected.assessment.reports.iter().map(move |r| (*state, r)))
                .collect();
            for rows in rows.chunks(64) {
                let mut insert = sqlx::QueryBuilder::<DB>::new(
                    "INSERT INTO sla_targets (case_id, target, operator_id, merchant_id, opened_at, status, policy, due_at, cycles, misses, last_took_seconds, report) ",
                );
                insert.push_values(rows, |mut row, (state, report)| {
                    row.push_bind(state.case_id.to_string())
                        .push_bind(report.target.code())
                        .push_bind(state.operator_id.to_string())
                        .push_bind(state.merchant_id.to_string())
                        .push_bind(crate::to_micros(state.opened_at))
                        .push_bind(report.status.code())
                        .push_bind(report.policy.clone())
                        .push_bind(report.due_at.map(crate::to_micros))
                        .push_bind(i64::from(report.cycles))
                        .push_bind(report.misses.len() as i64)
                        .push_bind(report.last_took_seconds)
                        .push_bind(serde_json::to_string(report).unwrap_or_default());
                });
                insert.build().execute(&mut *conn).await?;
            }
        }
    });
    Ok(())
}

impl Store {
    /// The SLA configuration of a merchant's cases.
    pub async fn sla_config(
        &self,
        operator_id: OperatorId,
        merchant_id: MerchantId,
    ) -> Result<Config, StoreError> {
        let operator = self
            .operator(operator_id)
            .await?
            .ok_or(StoreError::NotFound("operator"))?;
        let merchant = self.merchant(merchant_id).await?;
        Ok(config_from(
            &operator.settings,
            merchant.as_ref().map(|m| &m.settings),
        ))
    }

    /// Cases whose next service-level alarm is due at `now`, earliest first.
    pub async fn sla_due(&self, now: Timestamp, limit: i64) -> Result<Vec<CaseId>, StoreError> {
        let rows: Vec<String> = with_pool!(&self.db, pool => {
            sqlx::query_scalar(
                "SELECT id FROM cases WHERE sla_next_at IS NOT NULL AND sla_next_at <= $1 ORDER BY sla_next_at LIMIT $2",
            )
            .bind(crate::to_micros(now))
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        rows.iter()
            .map(|id| CaseId::parse(id).map_err(StoreError::corrupt))
            .collect()
    }

    /// Moves a case's next alarm (the sweep found nothing more to do before it), unless a
    /// command changed the case meanwhile (its own assessment then stands).
    pub async fn set_sla_next(
        &self,
        case_id: CaseId,
        version: i64,
        next: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query("UPDATE cases SET sla_next_at = $3 WHERE id = $1 AND version = $2")
                .bind(case_id.to_string())
                .bind(version)
                .bind(next.map(crate::to_micros))
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(())
    }

    /// Writes a fresh assessment of one case (after a change of calendar or policy).
    pub async fn write_assessment(
        &self,
        state: &CaseState,
        assessment: Assessment,
    ) -> Result<bool, StoreError> {
        let mut tx = self.db.begin().await?;
        let updated = with_tx!(&mut tx, conn => {
            sqlx::query("UPDATE cases SET sla_due_at = $3, sla_next_at = $4 WHERE id = $1 AND version = $2")
                .bind(state.case_id.to_string())
                .bind(state.version)
                .bind(assessment.nearest_due.map(crate::to_micros))
                .bind(assessment.next_alarm.map(crate::to_micros))
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        if updated == 1 {
            let projected = Projected { assessment };
            write_targets(&mut tx, &[(state, &projected)]).await?;
        }
        tx.commit().await?;
        Ok(updated == 1)
    }

    /// The open cases of a marketplace (optionally one merchant's), a page at a time by id.
    pub async fn open_case_ids(
        &self,
        operator_id: OperatorId,
        merchant_id: Option<MerchantId>,
        after: &str,
        limit: i64,
    ) -> Result<Vec<CaseId>, StoreError> {
        let rows: Vec<String> = with_pool!(&self.db, pool => {
            sqlx::query_scalar(
                "SELECT id FROM cases WHERE operator_id = $1 AND ($2 = '' OR merchant_id = $2) AND status IN ('open', 'resolved') AND id > $3 ORDER BY id LIMIT $4",
            )
            .bind(operator_id.to_string())
            .bind(merchant_id.map(|m| m.to_string()).unwrap_or_default())
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        rows.iter()
            .map(|id| CaseId::parse(id).map_err(StoreError::corrupt))
            .collect()
    }

    /// The targets of some cases as last assessed.
    pub async fn sla_targets(
        &self,
        case_ids: &[CaseId],
    ) -> Result<HashMap<CaseId, Vec<TargetReport>>, StoreError> {
        let mut out: HashMap<CaseId, Vec<TargetReport>> = HashMap::new();
        for chunk in case_ids.chunks(200) {
            let rows = with_pool!(&self.db, pool, DB => {
                let mut query = sqlx::QueryBuilder::<DB>::new("SELECT case_id, report FROM sla_targets WHERE case_id IN (");
                let mut ids = query.separated(", ");
                for id in chunk {
                    ids.push_bind(id.to_string());
                }
                query.push(") ORDER BY case_id, target");
                let mut rows = Vec::new();
                for row in query.build().fetch_all(pool).await? {
                    rows.push((row.text("case_id")?, row.text("report")?));
                }
                rows
            });
            for (case_id, report) in rows {
                let case_id = CaseId::parse(&case_id).map_err(StoreError::corrupt)?;
                let report: TargetReport =
                    serde_json::from_str(&report).map_err(StoreError::corrupt)?;
                out.entry(case_id).or_default().push(report);
            }
        }
        for reports in out.values_mut() {
            reports.sort_by_key(|r| {
                amiable_domain::sla::policy::Target::ALL
                    .iter()
                    .position(|t| *t == r.target)
            });
        }
        Ok(out)
    }
}
