//! What the web console reads and keeps besides cases: saved inbox views,
//! merchant scorecards, and the operator's settings.

use crate::db::{Store, with_pool};
use crate::error::StoreError;
use crate::rows::{RowExt, instant};
use amiable_domain::ids::{MerchantId, OperatorId};
use jiff::Timestamp;
use serde_json::Value;
use std::collections::HashMap;

/// Most saved views one user keeps.
pub const MAX_SAVED_VIEWS: usize = 20;

/// An inbox filter a staff member named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedView {
    pub id: String,
    pub user_id: String,
    pub name: String,
    /// The inbox's query string (`status=open&kind=return`).
    pub query: String,
    pub created_at: Timestamp,
}

/// A merchant's numbers, for the operator's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scorecard {
    pub merchant_id: MerchantId,
    pub orders: i64,
    pub cases: i64,
    pub open_cases: i64,
    /// Open cases whose next deadline has passed.
    pub overdue_cases: i64,
    /// Orders with at least one return.
    pub returned_orders: i64,
    /// Median time from opening to the merchant's first answer, over the cases
    /// opened in the window that got one.
    pub median_first_response_seconds: Option<i64>,
    /// Cases of the window that got a first answer.
    pub answered_cases: i64,
    /// Cases opened in the window, answered or not.
    pub window_cases: i64,
}

impl Scorecard {
    /// Returned orders per thousand orders.
    pub fn return_rate_per_thousand(&self) -> Option<i64> {
        (self.orders > 0).then(|| self.returned_orders * 1000 / self.orders)
    }
}

fn median(mut values: Vec<i64>) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let middle = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2
    })
}

impl Store {
    pub async fn saved_views(&self, user_id: &str) -> Result<Vec<SavedView>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query("SELECT id, user_id, name, query, created_at FROM saved_views WHERE user_id = $1 ORDER BY created_at, id")
                .bind(user_id)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|row| {
                    Ok(SavedView {
                        id: row.text("id")?,
                        user_id: row.text("user_id")?,
                        name: row.text("name")?,
                        query: row.text("query")?,
                        created_at: instant(row.int("created_at")?)?,
                    })
                })
                .collect()
        })
    }

    /// Saves a view; a name the user already has is replaced. At most
    /// [`MAX_SAVED_VIEWS`] per user (`StoreError::Duplicate("saved_views")` beyond).
    pub async fn save_view(&self, view: &SavedView) -> Result<(), StoreError> {
        let existing = self.saved_views(&view.user_id).await?;
        let replaces = existing.iter().any(|v| v.name == view.name);
        if !replaces && existing.len() >= MAX_SAVED_VIEWS {
            return Err(StoreError::Duplicate("saved_views"));
        }
        with_pool!(&self.db, pool => {
            sqlx::query(
                "INSERT INTO saved_views (id, user_id, name, query, created_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (user_id, name) DO UPDATE SET query = excluded.query",
            )
            .bind(&view.id)
            .bind(&view.user_id)
            .bind(&view.name)
            .bind(&view.query)
            .bind(crate::to_micros(view.created_at))
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    /// Deletes one of the user's views; `false` when they have none by that id.
    pub async fn delete_view(&self, user_id: &str, id: &str) -> Result<bool, StoreError> {
        let deleted = with_pool!(&self.db, pool => {
            sqlx::query("DELETE FROM saved_views WHERE user_id = $1 AND id = $2")
                .bind(user_id)
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(deleted == 1)
    }

    /// Replaces an operator's settings (mediator, minimum policy notes, reasons…).
    pub async fn update_operator_settings(
        &self,
        operator_id: OperatorId,
        settings: &Value,
    ) -> Result<(), StoreError> {
        let updated = with_pool!(&self.db, pool => {
            sqlx::query("UPDATE operators SET settings = $2 WHERE id = $1")
                .bind(operator_id.to_string())
                .bind(settings.to_string())
                .execute(pool)
                .await?
                .rows_affected()
        });
        if updated == 1 {
            Ok(())
        } else {
            Err(StoreError::NotFound("operator"))
        }
    }

    /// Every merchant's numbers: cases open and overdue at `now`, the return
    /// rate, and the median first response over the cases opened since `since`.
    pub async fn scorecards(
        &self,
        operator_id: OperatorId,
        now: Timestamp,
        since: Timestamp,
    ) -> Result<Vec<Scorecard>, StoreError> {
        let operator = operator_id.to_string();
        let mut cards: HashMap<String, Scorecard> = HashMap::new();
        let mut responses: HashMap<String, Vec<i64>> = HashMap::new();
        with_pool!(&self.db, pool => {
            for row in sqlx::query("SELECT id FROM merchants WHERE operator_id = $1")
                .bind(&operator)
                .fetch_all(pool)
                .await?
            {
                let id = row.text("id")?;
                let merchant_id = MerchantId::parse(&id).map_err(StoreError::corrupt)?;
                cards.insert(id, Scorecard {
                    merchant_id,
                    orders: 0,
                    cases: 0,
                    open_cases: 0,
                    overdue_cases: 0,
                    returned_orders: 0,
                    median_first_response_seconds: None,
                    answered_cases: 0,
                    window_cases: 0,
                });
            }
            for row in sqlx::query(
                "SELECT merchant_id, COUNT(*) AS cases,
                        SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END) AS open_cases,
                        SUM(CASE WHEN status = 'open' AND next_deadline_at < $2 THEN 1 ELSE 0 END) AS overdue_cases,
                        COUNT(DISTINCT CASE WHEN kind = 'return' THEN order_id END) AS returned_orders
                 FROM cases WHERE operator_id = $1 GROUP BY merchant_id",
            )
            .bind(&operator)
            .bind(crate::to_micros(now))
            .fetch_all(pool)
            .await?
            {
                if let Some(card) = cards.get_mut(&row.text("merchant_id")?) {
                    card.cases = row.int("cases")?;
                    card.open_cases = row.opt_int("open_cases")?.unwrap_or(0);
                    card.overdue_cases = row.opt_int("overdue_cases")?.unwrap_or(0);
                    card.returned_orders = row.int("returned_orders")?;
                }
            }
            for row in sqlx::query(
                "SELECT merchant_id, COUNT(*) AS orders FROM orders WHERE operator_id = $1 GROUP BY merchant_id",
            )
            .bind(&operator)
            .fetch_all(pool)
            .await?
            {
                if let Some(card) = cards.get_mut(&row.text("merchant_id")?) {
                    card.orders = row.int("orders")?;
                }
            }
            for row in sqlx::query(
                "SELECT merchant_id, first_response_at - opened_at AS waited FROM cases
                 WHERE operator_id = $1 AND opened_at >= $2",
            )
            .bind(&operator)
            .bind(crate::to_micros(since))
            .fetch_all(pool)
            .await?
            {
                let merchant = row.text("merchant_id")?;
                if let Some(card) = cards.get_mut(&merchant) {
                    card.window_cases += 1;
                }
                if let Some(waited) = row.opt_int("waited")? {
                    responses.entry(merchant).or_default().push(waited / 1_000_000);
                }
            }
        });
        for (merchant, waits) in responses {
            if let Some(card) = cards.get_mut(&merchant) {
                card.answered_cases = waits.len() as i64;
                card.median_first_response_seconds = median(waits);
            }
        }
        let mut cards: Vec<Scorecard> = cards.into_values().collect();
        cards.sort_by(|a, b| {
            b.open_cases
                .cmp(&a.open_cases)
                .then(a.merchant_id.to_string().cmp(&b.merchant_id.to_string()))
        });
        Ok(cards)
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn medians() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![5]), Some(5));
        assert_eq!(median(vec![9, 1, 5]), Some(5));
        assert_eq!(median(vec![4, 1, 3, 2]), Some(2));
    }
}
