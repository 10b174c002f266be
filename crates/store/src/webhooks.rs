//! Outbound webhook endpoints: an operator's or a merchant's subscriptions.

use crate::db::{Store, with_pool};
use crate::error::StoreError;
use crate::rows::{RowExt, instant, parse_json};
use amiable_domain::ids::{MerchantId, OperatorId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A signing secret (`whsec_…`), kept until `expires_at` during a rotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSecret {
    pub secret: String,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    pub id: String,
    pub operator_id: OperatorId,
    pub merchant_id: Option<MerchantId>,
    pub url: String,
    pub description: String,
    /// `case.opened`, `case.message_posted`…; empty: every type.
    pub event_types: Vec<String>,
    pub secrets: Vec<WebhookSecret>,
    /// `enabled` or `disabled`.
    pub status: String,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

const COLUMNS: &str = "id, operator_id, merchant_id, url, description, event_types, secrets, status, disabled_reason, failing_since, created_at, updated_at";

fn endpoint_from(row: &impl RowExt) -> Result<WebhookEndpoint, StoreError> {
    Ok(WebhookEndpoint {
        id: row.text("id")?,
        operator_id: OperatorId::parse(&row.text("operator_id")?).map_err(StoreError::corrupt)?,
        merchant_id: row
            .opt_text("merchant_id")?
            .map(|m| MerchantId::parse(&m).map_err(StoreError::corrupt))
            .transpose()?,
        url: row.text("url")?,
        description: row.text("description")?,
        event_types: parse_json(&row.text("event_types")?, "webhook event types")?,
        secrets: parse_json(&row.text("secrets")?, "webhook secrets")?,
        status: row.text("status")?,
        disabled_reason: row.opt_text("disabled_reason")?,
        failing_since: row.opt_int("failing_since")?.map(instant).transpose()?,
        created_at: instant(row.int("created_at")?)?,
        updated_at: instant(row.int("updated_at")?)?,
    })
}

fn json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(StoreError::corrupt)
}

impl Store {
    pub async fn create_webhook_endpoint(
        &self,
        endpoint: &WebhookEndpoint,
    ) -> Result<(), StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query(
                "INSERT INTO webhook_endpoints (id, operator_id, merchant_id, url, description, event_types, secrets, status, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(&endpoint.id)
            .bind(endpoint.operator_id.to_string())
            .bind(endpoint.merchant_id.map(|m| m.to_string()))
            .bind(&endpoint.url)
            .bind(&endpoint.description)
            .bind(json(&endpoint.event_types)?)
            .bind(json(&endpoint.secrets)?)
            .bind(&endpoint.status)
            .bind(crate::to_micros(endpoint.created_at))
            .bind(crate::to_micros(endpoint.updated_at))
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Replaces what an owner may change: URL, description, types, secrets, status.
    pub async fn update_webhook_endpoint(
        &self,
        endpoint: &WebhookEndpoint,
    ) -> Result<bool, StoreError> {
        let updated = with_pool!(&self.db, pool => {
            sqlx::query(
                "UPDATE webhook_endpoints SET url = $2, description = $3, event_types = $4, secrets = $5, status = $6,
                        disabled_reason = $7, failing_since = $8, updated_at = $9 WHERE id = $1",
            )
            .bind(&endpoint.id)
            .bind(&endpoint.url)
            .bind(&endpoint.description)
            .bind(json(&endpoint.event_types)?)
            .bind(json(&endpoint.secrets)?)
            .bind(&endpoint.status)
            .bind(&endpoint.disabled_reason)
            .bind(endpoint.failing_since.map(crate::to_micros))
            .bind(crate::to_micros(Timestamp::now()))
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(updated == 1)
    }

    pub async fn delete_webhook_endpoint(&self, id: &str) -> Result<bool, StoreError> {
        let deleted = with_pool!(&self.db, pool => {
            sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1").bind(id).execute(pool).await?.rows_affected()
        });
        Ok(deleted == 1)
    }

    pub async fn webhook_endpoint(&self, id: &str) -> Result<Option<WebhookEndpoint>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE id = $1");
        with_pool!(&self.db, pool => {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await?.as_ref().map(endpoint_from).transpose()
        })
    }

    /// The endpoints of an operator and of its merchants (`merchant`: only that shop's,
    /// `None`: every one), oldest first.
    pub async fn webhook_endpoints(
        &self,
        operator_id: OperatorId,
        merchant_id: Option<MerchantId>,
    ) -> Result<Vec<WebhookEndpoint>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM webhook_endpoints WHERE operator_id = $1 AND ($2 IS NULL OR merchant_id = $2) ORDER BY created_at, id"
        );
        with_pool!(&self.db, pool => {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(operator_id.to_string())
                .bind(merchant_id.map(|m| m.to_string()))
                .fetch_all(pool)
                .await?
                .iter()
                .map(endpoint_from)
                .collect()
        })
    }

    /// The enabled endpoints an event of this merchant goes to: the operator's own and the merchant's.
    pub async fn webhook_subscribers(
        &self,
        operator_id: OperatorId,
        merchant_id: MerchantId,
    ) -> Result<Vec<WebhookEndpoint>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM webhook_endpoints WHERE operator_id = $1 AND (merchant_id IS NULL OR merchant_id = $2) AND status = 'enabled'"
        );
        with_pool!(&self.db, pool => {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(operator_id.to_string())
                .bind(merchant_id.to_string())
                .fetch_all(pool)
                .await?
                .iter()
                .map(endpoint_from)
                .collect()
        })
    }

    /// Marks an endpoint as failing since `at` unless it already was; returns since when.
    pub async fn webhook_failing(
        &self,
        id: &str,
        at: Timestamp,
    ) -> Result<Option<Timestamp>, StoreError> {
        let since: Option<Option<i64>> = with_pool!(&self.db, pool => {
            sqlx::query_scalar(
                "UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $2) WHERE id = $1 RETURNING failing_since",
            )
            .bind(id)
            .bind(crate::to_micros(at))
            .fetch_optional(pool)
            .await?
        });
        since.flatten().map(instant).transpose()
    }

    pub async fn webhook_succeeded(&self, id: &str) -> Result<(), StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query("UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL")
                .bind(id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Disables an endpoint; false when it already was (so its owner is told once).
    pub async fn disable_webhook_endpoint(
        &self,
        id: &str,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let updated = with_pool!(&self.db, pool => {
            sqlx::query("UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = $2, updated_at = $3 WHERE id = $1 AND status = 'enabled'")
                .bind(id)
                .bind(reason)
                .bind(crate::to_micros(Timestamp::now()))
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(updated == 1)
    }

    /// Queues again every webhook delivery to an endpoint made since `since`.
    pub async fn replay_webhook_deliveries(
        &self,
        endpoint_id: &str,
        since: Timestamp,
        attempts: i64,
    ) -> Result<u64, StoreError> {
        Ok(with_pool!(&self.db, pool => {
            sqlx::query(
                "UPDATE deliveries SET status = 'pending', max_attempts = attempts + $3, due_at = $4, lease_owner = NULL, lease_until = NULL
                 WHERE recipient_key = $1 AND channel = 'webhook' AND created_at >= $2 AND status IN ('dead', 'sent', 'cancelled')",
            )
            .bind(endpoint_id)
            .bind(crate::to_micros(since))
            .bind(attempts.max(1))
            .bind(crate::to_micros(Timestamp::now()))
            .execute(pool)
            .await?
            .rows_affected()
        }))
    }
}
