//! The satisfaction question of a settled case (its link is in the "case resolved"
//! email): the buyer answers, staff and integrations read it.

use super::cases::parse_case_id;
use crate::AppState;
use crate::auth::Auth;
use crate::json::JsonBody;
use crate::problem::Problem;
use amiable_app::feedback::FeedbackInput;
use amiable_store::Feedback;
use axum::Json;
use axum::extract::{Path, State};

/// `GET /api/v1/cases/{case_id}/feedback`.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{case_id}/feedback",
    tag = "cases",
    operation_id = "get_feedback",
    summary = "The buyer's opinion of how a case was settled",
    description = "The buyer's answer to the satisfaction question (1 very dissatisfied … 5 very satisfied, and why), or `null` when none was given yet.",
    security(("apiKey" = []), ("session" = []), ("buyerToken" = [])),
    params(("case_id" = String, Path, description = "The case.")),
    responses(
        (status = 200, body = Option<Feedback>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
    ),
)]
pub async fn get_feedback(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
) -> Result<Json<Option<Feedback>>, Problem> {
    let case_id = parse_case_id(&case_id)?;
    Ok(Json(state.app().feedback(&principal, case_id).await?))
}

/// `PUT /api/v1/cases/{case_id}/feedback`.
#[utoipa::path(
    put,
    path = "/api/v1/cases/{case_id}/feedback",
    tag = "cases",
    operation_id = "give_feedback",
    summary = "Answer the satisfaction question",
    description = "The buyer rates how their case was settled, once it is resolved or closed: `rating` 1 (very dissatisfied) to 5 (very satisfied), and an optional `comment`. Answering again replaces the answer. Buyers only.",
    security(("buyerToken" = [])),
    params(("case_id" = String, Path, description = "The case.")),
    request_body = FeedbackInput,
    responses(
        (status = 200, body = Feedback),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn give_feedback(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    JsonBody(input): JsonBody<FeedbackInput>,
) -> Result<Json<Feedback>, Problem> {
    let case_id = parse_case_id(&case_id)?;
    Ok(Json(
        state
            .app()
            .give_feedback(&principal, case_id, &input)
            .await?,
    ))
}
