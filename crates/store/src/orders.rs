//! Orders: snapshots upserted by (merchant, external id), and their summaries.

use crate::db::{Store, Tx, with_tx};
use crate::error::StoreError;
use crate::rows::{RowExt, instant, parse_json};
use amiable_domain::ids::{ExternalId, MerchantId, OperatorId, OrderId};
use amiable_domain::order::{Order, OrderInput};
use jiff::Timestamp;
use serde::Serialize;

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpsertOutcome {
    pub order_id: OrderId,
    /// `true` when the order was new, `false` when an existing one was replaced.
    pub created: bool,
}

/// An order with its case counters (the order summary projection).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderSummary {
    pub order: Order,
    pub open_cases: i64,
    pub total_cases: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Filters of the order list.
#[derive(Debug, Clone)]
pub struct OrderFilter {
    pub operator_id: OperatorId,
    pub merchant_id: Option<MerchantId>,
    pub external_id: Option<String>,
    pub buyer_email: Option<String>,
    /// Resume after the order placed at this instant with this id.
    pub after: Option<(Timestamp, OrderId)>,
    pub limit: i64,
}

fn summary_from(row: &impl RowExt) -> Result<OrderSummary, StoreError> {
    Ok(OrderSummary {
        order: parse_json(&row.text("snapshot")?, "order snapshot")?,
        open_cases: row.int("open_cases")?,
        total_cases: row.int("total_cases")?,
        created_at: instant(row.int("created_at")?)?,
        updated_at: instant(row.int("updated_at")?)?,
    })
}

impl Store {
    /// Checks and stores one order, replacing the snapshot of an order with the
    /// same external id at the same merchant. `new_id` is used only when the
    /// order is new.
    pub async fn upsert_order(
        &self,
        operator_id: OperatorId,
        merchant_id: MerchantId,
        input: &OrderInput,
        new_id: OrderId,
    ) -> Result<UpsertOutcome, StoreError> {
        // Two concurrent first imports of one order: the loser of the unique
        // index retries once and finds the winner's row.
        for attempt in 0..2 {
            let mut tx = self.db.begin().await?;
            match upsert_in(&mut tx, operator_id, merchant_id, input, new_id).await {
                Ok(outcome) => {
                    tx.commit().await?;
                    return Ok(outcome);
                }
                Err(StoreError::Database(e))
                    if attempt == 0 && StoreError::is_unique_violation(&e) =>
                {
                    continue;
                }
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Duplicate("order"))
    }

    /// Upserts many checked orders in one transaction (imports). All or nothing.
    pub async fn upsert_orders(
        &self,
        orders: &[(OperatorId, MerchantId, OrderInput, OrderId)],
    ) -> Result<Vec<UpsertOutcome>, StoreError> {
        let mut tx = self.db.begin().await?;
        let mut outcomes = Vec::with_capacity(orders.len());
        for (operator_id, merchant_id, input, new_id) in orders {
            outcomes.push(upsert_in(&mut tx, *operator_id, *merchant_id, input, *new_id).await?);
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    pub async fn order(&self, id: OrderId) -> Result<Option<OrderSummary>, StoreError> {
        crate::db::with_pool!(&self.db, pool => {
            sqlx::query("SELECT id, operator_id, merchant_id, external_id, buyer_email, buyer_name, placed_at, currency, total_minor, snapshot, created_at, updated_at, open_cases, total_cases FROM orders WHERE id = $1").bind(id.to_string()).fetch_optional(pool).await?
                .map(|row| summary_from(&row)).transpose()
        })
    }

    pub async fn order_by_external_id(
        &self,
        merchant_id: MerchantId,
        external_id: &ExternalId,
    ) -> Result<Option<OrderSummary>, StoreError> {
        crate::db::with_pool!(&self.db, pool => {
            sqlx::query("SELECT id, operator_id, merchant_id, external_id, buyer_email, buyer_name, placed_at, currency, total_minor, snapshot, created_at, updated_at, open_cases, total_cases FROM orders WHERE merchant_id = $1 AND external_id = $2")
                .bind(merchant_id.to_string()).bind(external_id.as_str()).fetch_optional(pool).await?
                .map(|row| summary_from(&row)).transpose()
        })
    }

    /// Orders of a merchant, newest first (served by the (merchant_id, external_id) index;
    /// a second index led PostgreSQL's cached generic plans astray on the upsert lookup).
    pub async fn orders_of_merchant(
        &self,
        merchant_id: MerchantId,
        limit: i64,
    ) -> Result<Vec<OrderSummary>, StoreError> {
        crate::db::with_pool!(&self.db, pool => {
            sqlx::query("SELECT id, operator_id, merchant_id, external_id, buyer_email, buyer_name, placed_at, currency, total_minor, snapshot, created_at, updated_at, open_cases, total_cases FROM orders WHERE merchant_id = $1 ORDER BY placed_at DESC, id LIMIT $2")
                .bind(merchant_id.to_string()).bind(limit).fetch_all(pool).await?
                .iter().map(summary_from).collect()
        })
    }

    /// Orders with this number in an operator's marketplace (one per merchant at most).
    pub async fn orders_by_number(
        &self,
        operator_id: OperatorId,
        external_id: &str,
    ) -> Result<Vec<OrderSummary>, StoreError> {
        crate::db::with_pool!(&self.db, pool => {
            sqlx::query("SELECT id, operator_id, merchant_id, external_id, buyer_email, buyer_name, placed_at, currency, total_minor, snapshot, created_at, updated_at, open_cases, total_cases FROM orders WHERE operator_id = $1 AND lower(external_id) = lower($2) ORDER BY id")
                .bind(operator_id.to_string()).bind(external_id).fetch_all(pool).await?
                .iter().map(summary_from).collect()
        })
    }

    /// One page of orders, newest first.
    pub async fn orders(&self, filter: &OrderFilter) -> Result<Vec<OrderSummary>, StoreError> {
        crate::db::with_pool!(&self.db, pool => {
            let mut query = sqlx::QueryBuilder::new("SELECT id, operator_id, merchant_id, external_id, buyer_email, buyer_name, placed_at, currency, total_minor, snapshot, created_at, updated_at, open_cases, total_cases FROM orders WHERE operator_id = ");
            query.push_bind(filter.operator_id.to_string());
            if let Some(id) = filter.merchant_id {
                query.push(" AND merchant_id = ").push_bind(id.to_string());
            }
            if let Some(number) = &filter.external_id {
                // In any case: « mdc-2026-005143 » is « MDC-2026-005143 » (orders_by_number_folded).
                query
                    .push(" AND lower(external_id) = lower(")
                    .push_bind(number.clone())
                    .push(")");
            }
            if let Some(email) = &filter.buyer_email {
                query
                    .push(" AND lower(buyer_email) = lower(")
                    .push_bind(email.clone())
                    .push(")");
            }
            if let Some((placed_at, id)) = filter.after {
                query
                    .push(" AND (placed_at < ")
                    .push_bind(crate::to_micros(placed_at))
                    .push(" OR (placed_at = ")
                    .push_bind(crate::to_micros(placed_at))
                    .push(" AND id < ")
                    .push_bind(id.to_string())
                    .push("))");
            }
            query.push(" ORDER BY placed_at DESC, id DESC LIMIT ").push_bind(filter.limit.clamp(1, 1000));
            query.build().fetch_all(pool).await?.iter().map(summary_from).collect()
        })
    }

    pub async fn count_orders(&self) -> Result<i64, StoreError> {
        Ok(
            crate::db::with_pool!(&self.db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM orders").fetch_one(pool).await?),
        )
    }
}

async fn upsert_in(
    tx: &mut Tx<'_>,
    operator_id: OperatorId,
    merchant_id: MerchantId,
    input: &OrderInput,
    new_id: OrderId,
) -> Result<UpsertOutcome, StoreError> {
    let external_id =
        ExternalId::parse(&input.external_id).map_err(|e| StoreError::Invalid(e.into()))?;
    let merchant_operator: Option<String> = with_tx!(tx, conn => {
        sqlx::query_scalar("SELECT operator_id FROM merchants WHERE id = $1")
            .bind(merchant_id.to_string())
            .fetch_optional(&mut *conn)
            .await?
    });
    if merchant_operator.as_deref() != Some(operator_id.to_string().as_str()) {
        return Err(StoreError::NotFound("merchant"));
    }
    let existing: Option<String> = with_tx!(tx, conn => {
        sqlx::query_scalar("SELECT id FROM orders WHERE merchant_id = $1 AND external_id = $2")
            .bind(merchant_id.to_string())
            .bind(external_id.as_str())
            .fetch_optional(&mut *conn)
            .await?
    });
    let (id, created) = match existing {
        Some(id) => (OrderId::parse(&id).map_err(StoreError::corrupt)?, false),
        None => (new_id, true),
    };
    let order =
        Order::from_input(id, operator_id, merchant_id, input).map_err(StoreError::Invalid)?;
    let total = order.total().map_err(|e| {
        StoreError::Invalid(
            amiable_domain::validation::FieldError::new("lines", e.code(), e.to_string()).into(),
        )
    })?;
    let snapshot = serde_json::to_string(&order).map_err(StoreError::corrupt)?;
    let now = crate::to_micros(Timestamp::now());
    with_tx!(tx, conn => {
        if created {
            sqlx::query(
                "INSERT INTO orders (id, operator_id, merchant_id, external_id, buyer_email, buyer_name, placed_at, currency, total_minor, snapshot, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
            )
            .bind(id.to_string())
            .bind(operator_id.to_string())
            .bind(merchant_id.to_string())
            .bind(external_id.as_str())
            .bind(order.buyer.email.as_str())
            .bind(order.buyer.name.as_str())
            .bind(crate::to_micros(order.placed_at))
            .bind(order.currency.code())
            .bind(total.amount_minor)
            .bind(&snapshot)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        } else {
            sqlx::query(
                "UPDATE orders SET buyer_email = $2, buyer_name = $3, placed_at = $4, currency = $5, total_minor = $6, snapshot = $7, updated_at = $8
                 WHERE id = $1",
            )
            .bind(id.to_string())
            .bind(order.buyer.email.as_str())
            .bind(order.buyer.name.as_str())
            .bind(crate::to_micros(order.placed_at))
            .bind(order.currency.code())
            .bind(total.amount_minor)
            .bind(&snapshot)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            // The ledger follows the payment; it cannot fall below what was already given back,
            // nor change currency once money moved.
            let captured = crate::returns::captured(&order);
            let ledger: Option<(i64, String)> = sqlx::query_as(
                "SELECT refunded_minor + store_credit_minor, currency FROM order_ledgers WHERE order_id = $1",
            )
            .bind(id.to_string())
            .fetch_optional(&mut *conn)
            .await?;
            if let Some((given_back, currency)) = ledger {
                if currency != captured.currency.code() || captured.amount_minor < given_back {
                    return Err(StoreError::Invalid(
                        amiable_domain::validation::FieldError::new(
                            "payment.captured_minor",
                            "order.capture_below_refunded",
                            format!("{given_back} (minor units) were already given back on this order"),
                        )
                        .into(),
                    ));
                }
                // Guarded: a refund committed since the read cannot be undercut either.
                let updated = sqlx::query(
                    "UPDATE order_ledgers SET captured_minor = $2, updated_at = $3
                     WHERE order_id = $1 AND refunded_minor + store_credit_minor <= $2",
                )
                .bind(id.to_string())
                .bind(captured.amount_minor)
                .bind(now)
                .execute(&mut *conn)
                .await?
                .rows_affected();
                if updated != 1 {
                    return Err(StoreError::Invalid(
                        amiable_domain::validation::FieldError::new(
                            "payment.captured_minor",
                            "order.capture_below_refunded",
                            "more was already given back on this order",
                        )
                        .into(),
                    ));
                }
            }
        }
    });
    Ok(UpsertOutcome {
        order_id: id,
        created,
    })
}

/// Loads the order a case is opened on, inside the command's transaction.
pub(crate) async fn order_in(tx: &mut Tx<'_>, id: OrderId) -> Result<Option<Order>, StoreError> {
    let snapshot: Option<String> = with_tx!(tx, conn => {
        sqlx::query_scalar("SELECT snapshot FROM orders WHERE id = $1").bind(id.to_string()).fetch_optional(&mut *conn).await?
    });
    snapshot
        .map(|s| parse_json(&s, "order snapshot"))
        .transpose()
}
