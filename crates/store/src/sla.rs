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

impl Store {
    /// The next member of a team in turn (round-robin), as a user id; `None` for an
    /// unknown team or one without members. Concurrent picks each get the next member.
    pub async fn team_pick(
        &self,
        operator_id: OperatorId,
        team_id: &str,
    ) -> Result<Option<String>, StoreError> {
        let row: Option<(String, i64)> = with_pool!(&self.db, pool => {
            sqlx::query_as(
                "UPDATE teams SET next_member = next_member + 1 WHERE id = $1 AND operator_id = $2 RETURNING members, next_member - 1",
            )
            .bind(team_id)
            .bind(operator_id.to_string())
            .fetch_optional(pool)
            .await?
        });
        let Some((members, turn)) = row else {
            return Ok(None);
        };
        let members: Vec<String> = serde_json::from_str(&members).map_err(StoreError::corrupt)?;
        if members.is_empty() {
            return Ok(None);
        }
        Ok(Some(
            members[(turn.max(0) as usize) % members.len()].clone(),
        ))
    }
}

/// What a merchant's quality is computed from, over a window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QualityInputs {
    pub cases: i64,
    pub orders: i64,
    pub incidents: i64,
    pub refunded_orders: i64,
    pub escalated: i64,
    pub arbitrated: i64,
    pub arbitrations_lost: i64,
    /// Per target: (cycles, missed cycles).
    pub targets: Vec<(String, i64, i64)>,
    /// Seconds each first response took (business time), and each resolution.
    pub first_responses: Vec<i64>,
    pub resolutions: Vec<i64>,
    /// Ratings 1–5.
    pub ratings: Vec<i64>,
}

impl Store {
    /// A merchant's figures since `since` (cases opened, orders placed, ratings given).
    pub async fn quality_inputs(
        &self,
        operator_id: OperatorId,
        merchant_id: MerchantId,
        since: Timestamp,
    ) -> Result<QualityInputs, StoreError> {
        let (op, merchant, since) = (
            operator_id.to_string(),
            merchant_id.to_string(),
            crate::to_micros(since),
        );
        let mut inputs = QualityInputs::default();
        with_pool!(&self.db, pool => {
            let row = sqlx::query(
                "SELECT COUNT(*) AS cases,
                        SUM(CASE WHEN kind = 'incident' THEN 1 ELSE 0 END) AS incidents,
                        SUM(CASE WHEN stage <> 'negotiation' THEN 1 ELSE 0 END) AS escalated,
                        SUM(CASE WHEN stage = 'arbitration' AND status IN ('resolved', 'closed') THEN 1 ELSE 0 END) AS arbitrated,
                        SUM(CASE WHEN stage = 'arbitration' AND status IN ('resolved', 'closed')
                                 AND resolution_kind IS NOT NULL AND resolution_kind NOT IN ('refusal', 'withdrawn') THEN 1 ELSE 0 END) AS lost
                 FROM cases WHERE operator_id = $1 AND merchant_id = $2 AND opened_at >= $3",
            )
            .bind(&op).bind(&merchant).bind(since)
            .fetch_one(pool).await?;
            inputs.cases = row.int("cases")?;
            inputs.incidents = row.opt_int("incidents")?.unwrap_or(0);
            inputs.escalated = row.opt_int("escalated")?.unwrap_or(0);
            inputs.arbitrated = row.opt_int("arbitrated")?.unwrap_or(0);
            inputs.arbitrations_lost = row.opt_int("lost")?.unwrap_or(0);
            inputs.orders = sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM orders WHERE operator_id = $1 AND merchant_id = $2 AND placed_at >= $3",
            )
            .bind(&op).bind(&merchant).bind(since)
            .fetch_one(pool).await?;
            inputs.refunded_orders = sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(DISTINCT l.order_id) FROM ledger_entries l JOIN orders o ON o.id = l.order_id
                 WHERE o.operator_id = $1 AND o.merchant_id = $2 AND o.placed_at >= $3 AND l.kind = 'refund'",
            )
            .bind(&op).bind(&merchant).bind(since)
            .fetch_one(pool).await?;
            for row in sqlx::query(
                "SELECT target, CAST(SUM(cycles) AS BIGINT) AS cycles, CAST(SUM(misses) AS BIGINT) AS misses FROM sla_targets
                 WHERE operator_id = $1 AND merchant_id = $2 AND opened_at >= $3 GROUP BY target",
            )
            .bind(&op).bind(&merchant).bind(since)
            .fetch_all(pool).await?
            {
                inputs.targets.push((
                    row.text("target")?,
                    row.opt_int("cycles")?.unwrap_or(0),
                    row.opt_int("misses")?.unwrap_or(0),
                ));
            }
            for row in sqlx::query(
                "SELECT target, last_took_seconds FROM sla_targets
                 WHERE operator_id = $1 AND merchant_id = $2 AND opened_at >= $3
                   AND target IN ('first_response', 'resolution') AND last_took_seconds IS NOT NULL",
            )
            .bind(&op).bind(&merchant).bind(since)
            .fetch_all(pool).await?
            {
                let took = row.int("last_took_seconds")?;
                if row.text("target")? == "first_response" {
                    inputs.first_responses.push(took);
                } else {
                    inputs.resolutions.push(took);
                }
            }
            inputs.ratings = sqlx::query_scalar::<_, i64>(
                "SELECT rating FROM case_feedback WHERE operator_id = $1 AND merchant_id = $2 AND updated_at >= $3",
            )
            .bind(&op).bind(&merchant).bind(since)
            .fetch_all(pool).await?;
        });
        Ok(inputs)
    }

    /// Where a merchant stands now (`None` before its first evaluation).
    pub async fn merchant_standing(
        &self,
        merchant_id: MerchantId,
    ) -> Result<Option<StoredStanding>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query("SELECT standing, since, findings, figures, evaluated_at FROM merchant_standing WHERE merchant_id = $1")
                .bind(merchant_id.to_string())
                .fetch_optional(pool)
                .await?
                .map(|row| -> Result<StoredStanding, StoreError> {
                    Ok(StoredStanding {
                        standing: row.text("standing")?,
                        since: crate::rows::instant(row.int("since")?)?,
                        findings: crate::rows::parse_json(&row.text("findings")?, "standing findings")?,
                        figures: crate::rows::parse_json(&row.text("figures")?, "standing figures")?,
                        evaluated_at: crate::rows::instant(row.int("evaluated_at")?)?,
                    })
                })
                .transpose()
        })
    }

    /// Records an evaluation; when the standing changed, the change too (one transaction).
    /// Returns whether it changed (from what).
    pub async fn record_standing(
        &self,
        operator_id: OperatorId,
        merchant_id: MerchantId,
        standing: &str,
        findings: &Value,
        figures: &Value,
        at: Timestamp,
    ) -> Result<Option<String>, StoreError> {
        let mut tx = self.db.begin().await?;
        let (op, merchant, at) = (
            operator_id.to_string(),
            merchant_id.to_string(),
            crate::to_micros(at),
        );
        let changed = with_tx!(&mut tx, conn => {
            let before: Option<String> = sqlx::query_scalar("SELECT standing FROM merchant_standing WHERE merchant_id = $1")
                .bind(&merchant).fetch_optional(&mut *conn).await?;
            let from = before.clone().unwrap_or_else(|| "good".to_owned());
            let changed = from != standing;
            let since_sql = if changed {
                "INSERT INTO merchant_standing (merchant_id, operator_id, standing, since, findings, figures, evaluated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $4)
                 ON CONFLICT (merchant_id) DO UPDATE SET standing = excluded.standing, since = excluded.since,
                   findings = excluded.findings, figures = excluded.figures, evaluated_at = excluded.evaluated_at"
            } else {
                "INSERT INTO merchant_standing (merchant_id, operator_id, standing, since, findings, figures, evaluated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $4)
                 ON CONFLICT (merchant_id) DO UPDATE SET findings = excluded.findings, figures = excluded.figures,
                   evaluated_at = excluded.evaluated_at"
            };
            sqlx::query(sqlx::AssertSqlSafe(since_sql))
                .bind(&merchant).bind(&op).bind(standing).bind(at)
                .bind(findings.to_string()).bind(figures.to_string())
                .execute(&mut *conn).await?;
            if changed {
                sqlx::query(
                    "INSERT INTO merchant_standing_changes (operator_id, merchant_id, from_standing, to_standing, findings, figures, changed_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&op).bind(&merchant).bind(&from).bind(standing)
                .bind(findings.to_string()).bind(figures.to_string()).bind(at)
                .execute(&mut *conn).await?;
                Some(from)
            } else {
                None
            }
        });
        tx.commit().await?;
        Ok(changed)
    }

    /// A merchant's standing changes, newest first.
    pub async fn standing_changes(
        &self,
        operator_id: OperatorId,
        merchant_id: MerchantId,
        limit: i64,
    ) -> Result<Vec<StandingChangeRow>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query(
                "SELECT from_standing, to_standing, findings, figures, changed_at FROM merchant_standing_changes
                 WHERE operator_id = $1 AND merchant_id = $2 ORDER BY changed_at DESC, id DESC LIMIT $3",
            )
            .bind(operator_id.to_string())
            .bind(merchant_id.to_string())
            .bind(limit)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|row| -> Result<StandingChangeRow, StoreError> {
                Ok(StandingChangeRow {
                    from: row.text("from_standing")?,
                    to: row.text("to_standing")?,
                    findings: crate::rows::parse_json(&row.text("findings")?, "standing findings")?,
                    figures: crate::rows::parse_json(&row.text("figures")?, "standing figures")?,
                    changed_at: crate::rows::instant(row.int("changed_at")?)?,
                })
            })
            .collect()
        })
    }
}

/// A merchant's standing as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredStanding {
    pub standing: String,
    pub since: Timestamp,
    pub findings: Value,
    pub figures: Value,
    pub evaluated_at: Timestamp,
}

/// One recorded change of standing.
#[derive(Debug, Clone, PartialEq)]
pub struct StandingChangeRow {
    pub from: String,
    pub to: String,
    pub findings: Value,
    pub figures: Value,
    pub changed_at: Timestamp,
}
