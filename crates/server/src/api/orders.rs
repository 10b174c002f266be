use crate::AppState;
use crate::json::JsonBody;
use crate::problem::Problem;
use amiable_domain::ids::{MerchantId, OrderId};
use amiable_domain::order::OrderInput;
use amiable_domain::validation::FieldError;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpsertOrder {
    pub merchant_id: MerchantId,
    pub order: OrderInput,
}

/// `POST /api/v1/orders`: create or replace an order by (merchant, external id).
pub async fn upsert(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<UpsertOrder>,
) -> Result<Response, Problem> {
    let merchant = state
        .store
        .merchant(body.merchant_id)
        .await?
        .ok_or_else(|| {
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "merchant.not_found",
                "no such merchant",
            )
            .with_fields([FieldError::new(
                "merchant_id",
                "merchant.not_found",
                "no such merchant",
            )])
        })?;
    let outcome = state
        .store
        .upsert_order(
            merchant.operator_id,
            merchant.id,
            &body.order,
            OrderId::from_bytes(state.random_id()),
        )
        .await
        .map_err(|e| match e {
            amiable_store::StoreError::Invalid(mut errors) => {
                for error in &mut errors.0 {
                    error.field = format!("order.{}", error.field);
                }
                Problem::validation(errors)
            }
            other => other.into(),
        })?;
    let summary = state
        .store
        .order(outcome.order_id)
        .await?
        .ok_or_else(|| Problem::not_found("order"))?;
    let status = if outcome.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let location = format!("/api/v1/orders/{}", outcome.order_id);
    Ok((status, [(header::LOCATION, location)], Json(summary)).into_response())
}

/// `GET /api/v1/orders/{order_id}`.
pub async fn get(
    State(state): State<AppState>,
    Path(order_id): Path<String>,
) -> Result<Response, Problem> {
    let order_id = OrderId::parse(&order_id).map_err(|_| Problem::not_found("order"))?;
    let summary = state
        .store
        .order(order_id)
        .await?
        .ok_or_else(|| Problem::not_found("order"))?;
    Ok(Json(summary).into_response())
}
