//! The satisfaction question every resolved case ends on (its link is in the
//! "case resolved" email): the buyer rates how it was settled, 1 to 5, and may
//! say why. One answer per case, which the buyer may change.

use crate::{App, Error};
use amiable_domain::access::{Action, Principal};
use amiable_domain::case::CaseStatus;
use amiable_domain::ids::CaseId;
use amiable_domain::text::Body;
use amiable_store::Feedback;
use jiff::Timestamp;
use serde::Deserialize;

/// What the buyer answers.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FeedbackInput {
    /// 1 (very dissatisfied) to 5 (very satisfied).
    pub rating: i64,
    /// Why, in their words (at most 10,000 characters).
    #[serde(default)]
    pub comment: Option<String>,
}

impl App {
    /// The buyer's answer about a settled case (resolved or closed).
    pub async fn give_feedback(
        &self,
        principal: &Principal,
        case_id: CaseId,
        input: &FeedbackInput,
    ) -> Result<Feedback, Error> {
        self.allow_on_case(principal, Action::ReadCase, case_id)
            .await?;
        if !matches!(principal, Principal::Buyer { .. }) {
            return Err(Error::forbidden());
        }
        if !(1..=5).contains(&input.rating) {
            return Err(Error::invalid_field(
                "rating",
                "feedback.rating_invalid",
                "the rating is a whole number from 1 to 5",
            ));
        }
        let comment = match input.comment.as_deref().map(str::trim) {
            Some(text) if !text.is_empty() => Some(Body::parse(text).map_err(|e| {
                Error::field(amiable_domain::validation::FieldError {
                    field: "comment".into(),
                    ..e
                })
            })?),
            _ => None,
        };
        let record = self
            .store()
            .case(case_id)
            .await?
            .ok_or_else(|| Error::not_found("case"))?;
        if !matches!(
            record.state.status,
            CaseStatus::Resolved | CaseStatus::Closed
        ) {
            return Err(Error::new(
                crate::Kind::Conflict,
                "feedback.case_not_settled",
                "a case is rated once it is resolved",
            ));
        }
        Ok(self
            .store()
            .set_feedback(
                case_id,
                (record.state.operator_id, record.state.merchant_id),
                input.rating,
                comment.as_ref().map(Body::as_str),
                Timestamp::now(),
            )
            .await?)
    }

    /// The buyer's answer about a case, for whoever may read the case.
    pub async fn feedback(
        &self,
        principal: &Principal,
        case_id: CaseId,
    ) -> Result<Option<Feedback>, Error> {
        self.allow_on_case(principal, Action::ReadCase, case_id)
            .await?;
        Ok(self.store().feedback(case_id).await?)
    }
}
