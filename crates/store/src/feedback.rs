//! What buyers think of how their case was settled: one answer per case.

use crate::db::{Store, with_pool};
use crate::error::StoreError;
use crate::rows::{RowExt, instant};
use amiable_domain::ids::{CaseId, MerchantId, OperatorId};
use jiff::Timestamp;
use serde::Serialize;

/// A buyer's answer to the satisfaction question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Feedback {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub case_id: CaseId,
    /// 1 (very dissatisfied) to 5 (very satisfied).
    pub rating: i64,
    pub comment: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub updated_at: Timestamp,
}

impl Store {
    /// Records (or changes) the answer about `case_id`.
    pub async fn set_feedback(
        &self,
        case_id: CaseId,
        owner: (OperatorId, MerchantId),
        rating: i64,
        comment: Option<&str>,
        now: Timestamp,
    ) -> Result<Feedback, StoreError> {
        let at = crate::to_micros(now);
        with_pool!(&self.db, pool => {
            sqlx::query(
                "INSERT INTO case_feedback (case_id, operator_id, merchant_id, rating, comment, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $6)
                 ON CONFLICT (case_id) DO UPDATE SET rating = excluded.rating, comment = excluded.comment,
                                                     updated_at = excluded.updated_at",
            )
            .bind(case_id.to_string())
            .bind(owner.0.to_string())
            .bind(owner.1.to_string())
            .bind(rating)
            .bind(comment)
            .bind(at)
            .execute(pool)
            .await?;
        });
        self.feedback(case_id)
            .await?
            .ok_or_else(|| StoreError::corrupt("the feedback just written is missing"))
    }

    /// The answer about `case_id`, if the buyer gave one.
    pub async fn feedback(&self, case_id: CaseId) -> Result<Option<Feedback>, StoreError> {
        with_pool!(&self.db, pool => {
            sqlx::query("SELECT case_id, rating, comment, created_at, updated_at FROM case_feedback WHERE case_id = $1")
                .bind(case_id.to_string())
                .fetch_optional(pool)
                .await?
                .map(|row| -> Result<Feedback, StoreError> {
                    Ok(Feedback {
                        case_id: CaseId::parse(&row.text("case_id")?).map_err(StoreError::corrupt)?,
                        rating: row.int("rating")?,
                        comment: row.opt_text("comment")?,
                        created_at: instant(row.int("created_at")?)?,
                        updated_at: instant(row.int("updated_at")?)?,
                    })
                })
                .transpose()
        })
    }
}
