//! Return policies (versioned, per merchant, with the operator's minimum) and
//! each order's money ledger.

use crate::db::{Backend, Store, Tx, with_pool, with_tx};
use crate::error::StoreError;
use crate::rows::{RowExt, instant, parse_json};
use amiable_domain::case::{CaseState, CaseStatus, PolicyRef, PolicySource, ResolutionKind};
use amiable_domain::ids::{CaseId, LineId, MerchantId, OperatorId, OrderId};
use amiable_domain::law::LawPack;
use amiable_domain::law::withdrawal::Information;
use amiable_domain::ledger::OrderLedger;
use amiable_domain::money::{Currency, Money};
use amiable_domain::order::Order;
use amiable_domain::returns::{ReturnContext, ReturnPolicy, eligibility};
use amiable_domain::validation::ValidationErrors;
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;

/// Whose policy: a merchant's, or the operator's minimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyScope {
    Operator,
    Merchant(MerchantId),
}

impl PolicyScope {
    fn key(&self) -> String {
        match self {
            PolicyScope::Operator => "operator".to_owned(),
            PolicyScope::Merchant(id) => id.to_string(),
        }
    }
}

/// One version of a policy.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredPolicy {
    pub version: u32,
    pub policy: ReturnPolicy,
    pub effective_from: Timestamp,
    pub created_by: String,
}

fn policy_from(row: &impl RowExt) -> Result<StoredPolicy, StoreError> {
    Ok(StoredPolicy {
        version: u32::try_from(row.int("version")?).map_err(StoreError::corrupt)?,
        policy: parse_json(&row.text("policy")?, "return policy")?,
        effective_from: instant(row.int("effective_from")?)?,
        created_by: row.text("created_by")?,
    })
}

/// The policy an order is judged by, and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct EffectivePolicy {
    pub reference: PolicyRef,
    pub policy: ReturnPolicy,
    /// The merchant's own version, when it was set aside for undercutting the
    /// operator's minimum in force at the time.
    pub set_aside: Option<u32>,
}

async fn latest_in(
    tx: &mut Tx<'_>,
    operator_id: OperatorId,
    scope: &str,
    at: Option<Timestamp>,
) -> Result<Option<StoredPolicy>, StoreError> {
    let at = at.map_or(i64::MAX, crate::to_micros);
    with_tx!(tx, conn => {
        sqlx::query("SELECT version, policy, effective_from, created_by FROM return_policies
                     WHERE operator_id = $1 AND scope = $2 AND effective_from <= $3 ORDER BY version DESC LIMIT 1")
            .bind(operator_id.to_string())
            .bind(scope)
            .bind(at)
            .fetch_optional(&mut *conn)
            .await?
            .map(|row| policy_from(&row))
            .transpose()
    })
}

/// The policy in force for a merchant's order placed at `placed_at`.
pub(crate) async fn policy_in_force(
    tx: &mut Tx<'_>,
    operator_id: OperatorId,
    merchant_id: MerchantId,
    placed_at: Timestamp,
) -> Result<EffectivePolicy, StoreError> {
    let minimum = latest_in(tx, operator_id, "operator", Some(placed_at)).await?;
    let own = latest_in(tx, operator_id, &merchant_id.to_string(), Some(placed_at)).await?;
    let operator = |stored: &StoredPolicy| EffectivePolicy {
        reference: PolicyRef {
            source: PolicySource::Operator,
            version: stored.version,
        },
        policy: stored.policy.clone(),
        set_aside: None,
    };
    Ok(match (own, minimum) {
        (Some(own), Some(minimum)) if !own.policy.undercuts(&minimum.policy).is_empty() => {
            EffectivePolicy {
                set_aside: Some(own.version),
                ..operator(&minimum)
            }
        }
        (Some(own), _) => EffectivePolicy {
            reference: PolicyRef {
                source: PolicySource::Merchant,
                version: own.version,
            },
            policy: own.policy,
            set_aside: None,
        },
        (None, Some(minimum)) => operator(&minimum),
        (None, None) => EffectivePolicy {
            reference: PolicyRef {
                source: PolicySource::Statutory,
                version: 0,
            },
            policy: ReturnPolicy::statutory(),
            set_aside: None,
        },
    })
}

/// Whether the merchant gave the withdrawal information (merchant setting
/// `withdrawal_information`: `given` by default, `not_given`, or a date it was given late).
async fn information(tx: &mut Tx<'_>, merchant_id: MerchantId) -> Result<Information, StoreError> {
    let settings: Option<String> = with_tx!(tx, conn => {
        sqlx::query_scalar("SELECT settings FROM merchants WHERE id = $1")
            .bind(merchant_id.to_string())
            .fetch_optional(&mut *conn)
            .await?
    });
    let settings: serde_json::Value = match settings {
        Some(text) => parse_json(&text, "merchant settings")?,
        None => serde_json::Value::Null,
    };
    Ok(information_from(&settings))
}

fn information_from(settings: &serde_json::Value) -> Information {
    match settings
        .get("withdrawal_information")
        .and_then(|v| v.as_str())
    {
        Some("not_given") => Information::NotGiven,
        Some(date) => match date.parse() {
            Ok(date) => Information::GivenOn { date },
            Err(_) => Information::Given,
        },
        None => Information::Given,
    }
}

/// Cases the current batch already changed, as the batch sees them: the
/// database does not have them yet (they are written when the batch flushes).
pub(crate) struct BatchCases<'a> {
    pub states: Vec<&'a CaseState>,
    /// Those of them that the batch opened (not in the database at all).
    pub opened: Vec<(CaseId, &'a str)>,
}

/// Everything the decider needs to judge a return on `order`, read under the order's lock.
pub(crate) async fn return_context(
    tx: &mut Tx<'_>,
    case_id: CaseId,
    order: &Order,
    now: Timestamp,
    law: &LawPack,
    batch: &BatchCases<'_>,
) -> Result<ReturnContext, StoreError> {
    let effective =
        policy_in_force(tx, order.operator_id, order.merchant_id, order.placed_at).await?;
    let information = information(tx, order.merchant_id).await?;
    let today = law.date_of(now);
    let verdicts = eligibility(
        order,
        &effective.policy,
        information,
        today,
        &law.zone,
        &law.calendar,
    );
    let rows: Vec<(String, String, i64)> = with_tx!(tx, conn => {
        sqlx::query_as("SELECT id, state, snapshot_version FROM cases WHERE order_id = $1 AND kind = 'return' AND status <> 'cancelled' AND id <> $2")
            .bind(order.id.to_string())
            .bind(case_id.to_string())
            .fetch_all(&mut *conn)
            .await?
    });
    let in_batch = |id: &CaseId| batch.states.iter().any(|s| s.case_id == *id);
    let mut states = Vec::new();
    for (id, text, snapshot_version) in rows {
        let id = CaseId::parse(&id).map_err(StoreError::corrupt)?;
        // The batch's view of a case it changed is newer than the database's.
        if !in_batch(&id) {
            states.push(crate::snapshot::read_in(tx, id, &text, snapshot_version).await?);
        }
    }
    states.extend(
        batch
            .states
            .iter()
            .filter(|s| s.order_id == order.id && s.kind == amiable_domain::case::CaseKind::Return)
            .filter(|s| s.case_id != case_id)
            .map(|s| (*s).clone()),
    );
    let mut already_returned: BTreeMap<LineId, u32> = BTreeMap::new();
    for state in states {
        let refused = state
            .resolution
            .as_ref()
            .is_some_and(|r| r.kind == ResolutionKind::Refusal)
            || state.status == CaseStatus::Cancelled;
        if refused {
            continue;
        }
        for item in &state.items {
            *already_returned.entry(item.line_id.clone()).or_default() += item.quantity.get();
        }
    }
    let since = now
        .checked_sub(SignedDuration::from_hours(90 * 24))
        .unwrap_or(now);
    let recent: i64 = with_tx!(tx, conn => {
        sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE operator_id = $1 AND lower(buyer_email) = lower($2) AND kind = 'return' AND opened_at >= $3")
            .bind(order.operator_id.to_string())
            .bind(order.buyer.email.to_string())
            .bind(crate::to_micros(since))
            .fetch_one(&mut *conn)
            .await?
    });
    // Returns this batch opened for the same buyer are not in the database yet.
    let email = order.buyer.email.to_string();
    let recent = recent
        + batch
            .opened
            .iter()
            .filter(|(id, buyer)| *id != case_id && buyer.eq_ignore_ascii_case(&email))
            .filter(|(id, _)| {
                batch
                    .states
                    .iter()
                    .any(|s| s.case_id == *id && s.kind == amiable_domain::case::CaseKind::Return)
            })
            .count() as i64;
    Ok(ReturnContext {
        case_id,
        policy: effective.policy,
        policy_ref: effective.reference,
        eligibility: verdicts,
        already_returned,
        recent_returns: u32::try_from(recent).unwrap_or(u32::MAX),
    })
}

/// What the buyer paid: the payment's capture, or the order total when no payment is known.
pub fn captured(order: &Order) -> Money {
    match &order.payment {
        Some(payment) => payment.captured,
        None => order
            .total()
            .unwrap_or_else(|_| Money::zero(order.currency)),
    }
}

fn ledger_from(row: &impl RowExt) -> Result<OrderLedger, StoreError> {
    let currency = Currency::parse(&row.text("currency")?).map_err(StoreError::corrupt)?;
    let money =
        |column: &str| -> Result<Money, StoreError> { Ok(Money::new(row.int(column)?, currency)) };
    Ok(OrderLedger {
        captured: money("captured_minor")?,
        refunded: money("refunded_minor")?,
        store_credit: money("store_credit_minor")?,
        store_credit_bonus: money("store_credit_bonus_minor")?,
        compensation: money("compensation_minor")?,
        surcharge_due: money("surcharge_minor")?,
        due_from_buyer: money("due_from_buyer_minor")?,
        marketplace_paid: money("marketplace_paid_minor")?,
        due_from_merchant: money("due_from_merchant_minor")?,
        carrier_recovered: money("carrier_recovered_minor")?,
    })
}

const LEDGER_COLUMNS: &str = "currency, captured_minor, refunded_minor, store_credit_minor, store_credit_bonus_minor, compensation_minor, surcharge_minor, due_from_buyer_minor, marketplace_paid_minor, due_from_merchant_minor, carrier_recovered_minor";

/// The order's ledger, created on first use and locked for the transaction.
pub(crate) async fn ledger_for_update(
    tx: &mut Tx<'_>,
    order: &Order,
) -> Result<OrderLedger, StoreError> {
    let captured = captured(order);
    // The columns are constants; nothing from outside is formatted into the statement.
    let select = sqlx::AssertSqlSafe(match tx.backend() {
        Backend::Sqlite => {
            format!("SELECT {LEDGER_COLUMNS} FROM order_ledgers WHERE order_id = $1")
        }
        Backend::Postgres => {
            format!("SELECT {LEDGER_COLUMNS} FROM order_ledgers WHERE order_id = $1 FOR UPDATE")
        }
    });
    with_tx!(tx, conn => {
        sqlx::query("INSERT INTO order_ledgers (order_id, operator_id, merchant_id, currency, captured_minor, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (order_id) DO NOTHING")
            .bind(order.id.to_string())
            .bind(order.operator_id.to_string())
            .bind(order.merchant_id.to_string())
            .bind(captured.currency.code())
            .bind(captured.amount_minor)
            .bind(crate::to_micros(Timestamp::now()))
            .execute(&mut *conn)
            .await?;
        let row = sqlx::query(select).bind(order.id.to_string()).fetch_one(&mut *conn).await?;
        ledger_from(&row)
    })
}

/// One row of an order's ledger.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LedgerRow {
    pub case_id: CaseId,
    pub seq: i64,
    pub kind: String,
    pub amount: Money,
    pub recorded_at: Timestamp,
}

impl Store {
    /// Adds a version to a policy. A merchant's policy must not undercut the
    /// operator's minimum in force; the check and the insert are one transaction.
    pub async fn put_policy(
        &self,
        operator_id: OperatorId,
        scope: PolicyScope,
        policy: &ReturnPolicy,
        created_by: &str,
        effective_from: Timestamp,
    ) -> Result<StoredPolicy, StoreError> {
        policy.check().map_err(StoreError::Invalid)?;
        let mut tx = self.db.begin().await?;
        if let PolicyScope::Merchant(_) = scope
            && let Some(minimum) = latest_in(&mut tx, operator_id, "operator", None).await?
        {
            let errors = policy.undercuts(&minimum.policy);
            if !errors.is_empty() {
                let _ = tx.rollback().await;
                let mut all = ValidationErrors::default();
                for error in errors {
                    all.push(error);
                }
                return Err(StoreError::Invalid(all));
            }
        }
        let key = scope.key();
        let latest: Option<i64> = with_tx!(&mut tx, conn => {
            sqlx::query_scalar("SELECT MAX(version) FROM return_policies WHERE operator_id = $1 AND scope = $2")
                .bind(operator_id.to_string())
                .bind(&key)
                .fetch_one(&mut *conn)
                .await?
        });
        let version = latest.unwrap_or(0) + 1;
        let text = serde_json::to_string(policy).map_err(StoreError::corrupt)?;
        with_tx!(&mut tx, conn => {
            sqlx::query("INSERT INTO return_policies (operator_id, scope, version, policy, effective_from, created_by) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(operator_id.to_string())
                .bind(&key)
                .bind(version)
                .bind(&text)
                .bind(crate::to_micros(effective_from))
                .bind(created_by)
                .execute(&mut *conn)
                .await?;
        });
        tx.commit().await?;
        Ok(StoredPolicy {
            version: u32::try_from(version).map_err(StoreError::corrupt)?,
            policy: policy.clone(),
            effective_from,
            created_by: created_by.to_owned(),
        })
    }

    /// Every version of a policy, newest first.
    pub async fn policy_versions(
        &self,
        operator_id: OperatorId,
        scope: PolicyScope,
    ) -> Result<Vec<StoredPolicy>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query("SELECT version, policy, effective_from, created_by FROM return_policies WHERE operator_id = $1 AND scope = $2 ORDER BY version DESC")
                .bind(operator_id.to_string())
                .bind(scope.key())
                .fetch_all(pool)
                .await?
                .iter()
                .map(policy_from)
                .collect()
        })
    }

    /// The policy an order placed at `placed_at` is judged by.
    pub async fn effective_policy(
        &self,
        operator_id: OperatorId,
        merchant_id: MerchantId,
        placed_at: Timestamp,
    ) -> Result<EffectivePolicy, StoreError> {
        let mut tx = self.db.begin_read().await?;
        let effective = policy_in_force(&mut tx, operator_id, merchant_id, placed_at).await;
        let _ = tx.rollback().await;
        effective
    }

    /// The return context of a (future) return on `order` as of `now`: the
    /// eligibility answer the API serves, computed the way the decider sees it.
    pub async fn return_context(
        &self,
        order: &Order,
        now: Timestamp,
        law: &LawPack,
    ) -> Result<ReturnContext, StoreError> {
        let mut tx = self.db.begin_read().await?;
        let case_id = CaseId::from_bytes([0; 16]);
        let batch = BatchCases {
            states: Vec::new(),
            opened: Vec::new(),
        };
        let context = return_context(&mut tx, case_id, order, now, law, &batch).await;
        let _ = tx.rollback().await;
        context
    }

    /// The merchant's `withdrawal_information` setting.
    pub async fn withdrawal_information(
        &self,
        merchant_id: MerchantId,
    ) -> Result<Information, StoreError> {
        let merchant = self.merchant(merchant_id).await?;
        Ok(merchant.map_or(Information::Given, |m| information_from(&m.settings)))
    }

    /// An order's balance (`None` before any money moved on it).
    pub async fn ledger(&self, order_id: OrderId) -> Result<Option<OrderLedger>, StoreError> {
        let select = format!("SELECT {LEDGER_COLUMNS} FROM order_ledgers WHERE order_id = $1");
        with_pool!(&self.db, pool => {
            sqlx::query(sqlx::AssertSqlSafe(select.clone())).bind(order_id.to_string()).fetch_optional(pool).await?
                .map(|row| ledger_from(&row)).transpose()
        })
    }

    /// An order's ledger rows, oldest first.
    pub async fn ledger_rows(&self, order_id: OrderId) -> Result<Vec<LedgerRow>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query("SELECT case_id, seq, kind, amount_minor, currency, recorded_at FROM ledger_entries WHERE order_id = $1 ORDER BY recorded_at, case_id, seq, position")
                .bind(order_id.to_string())
                .fetch_all(pool)
                .await?
                .iter()
                .map(|row| {
                    let currency = Currency::parse(&row.text("currency")?).map_err(StoreError::corrupt)?;
                    Ok(LedgerRow {
                        case_id: CaseId::parse(&row.text("case_id")?).map_err(StoreError::corrupt)?,
                        seq: row.int("seq")?,
                        kind: row.text("kind")?,
                        amount: Money::new(row.int("amount_minor")?, currency),
                        recorded_at: instant(row.int("recorded_at")?)?,
                    })
                })
                .collect()
        })
    }
}
