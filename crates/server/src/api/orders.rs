//! Orders: upsert one or many, read, list, and mint a buyer access link.

use super::allow;
use super::cases::query_pairs;
use crate::AppState;
use crate::auth::{Auth, BUYER_LINK_TTL};
use crate::json::JsonBody;
use crate::problem::Problem;
use amiable_domain::access::{Action, Principal};
use amiable_domain::ids::{MerchantId, OrderId};
use amiable_domain::order::OrderInput;
use amiable_domain::validation::{FieldError, ValidationErrors};
use amiable_store::{OrderFilter, OrderSummary};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use amiable_app::orders::MAX_BULK_ORDERS;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpsertOrder {
    /// Optional for a merchant's own key or users (their merchant is implied).
    #[serde(default)]
    pub merchant_id: Option<MerchantId>,
    pub order: OrderInput,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkUpsert {
    #[serde(default)]
    pub merchant_id: Option<MerchantId>,
    pub orders: Vec<OrderInput>,
}

/// `POST /api/v1/orders`: create or replace an order by (merchant, external id).
#[utoipa::path(
    post,
    path = "/api/v1/orders",
    tag = "orders",
    operation_id = "upsert_order",
    summary = "Create or replace an order",
    description = "Stores an order snapshot, created or replaced by its number (`external_id`) at its merchant. Every field is checked and every fault reported at once. `merchant_id` may be left out by a merchant's own key or users.",
    security(("apiKey" = []), ("session" = [])),
    request_body = UpsertOrder,
    responses(
        (status = 200, description = "Replaced an existing order.", body = amiable_store::OrderSummary, headers(("Location" = String, description = "`/api/v1/orders/{order_id}`."))),
        (status = 201, description = "Created.", body = amiable_store::OrderSummary, headers(("Location" = String, description = "`/api/v1/orders/{order_id}`."))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn upsert(
    State(state): State<AppState>,
    Auth(principal): Auth,
    JsonBody(body): JsonBody<UpsertOrder>,
) -> Result<Response, Problem> {
    let (summary, created) = state
        .app()
        .upsert_order(&principal, body.merchant_id, &body.order)
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let location = format!("/api/v1/orders/{}", summary.order.id);
    Ok((status, [(header::LOCATION, location)], Json(summary)).into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BulkResult {
    pub created: usize,
    pub updated: usize,
    pub orders: Vec<amiable_store::UpsertOutcome>,
}

/// `POST /api/v1/orders/bulk`: up to 500 orders, all or nothing.
#[utoipa::path(
    post,
    path = "/api/v1/orders/bulk",
    tag = "orders",
    operation_id = "upsert_orders",
    summary = "Create or replace many orders",
    description = "Up to 500 orders of one merchant in one transaction: all are stored, or none. Faults are reported for every order at once (`orders[3].lines[0].sku`).",
    security(("apiKey" = []), ("session" = [])),
    request_body = BulkUpsert,
    responses(
        (status = 200, description = "Stored: what happened to each order, in the request's order.", body = BulkResult),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn bulk(
    State(state): State<AppState>,
    Auth(principal): Auth,
    JsonBody(body): JsonBody<BulkUpsert>,
) -> Result<Response, Problem> {
    let outcomes = state
        .app()
        .upsert_orders(&principal, body.merchant_id, body.orders)
        .await?;
    let created = outcomes.iter().filter(|o| o.created).count();
    Ok(Json(BulkResult {
        created,
        updated: outcomes.len() - created,
        orders: outcomes,
    })
    .into_response())
}

async fn order_in_reach(
    state: &AppState,
    principal: &Principal,
    raw_id: &str,
    action: Action,
) -> Result<OrderSummary, Problem> {
    let order_id = OrderId::parse(raw_id).map_err(|_| Problem::not_found("order"))?;
    Ok(state.app().order_for(principal, order_id, action).await?)
}

/// `GET /api/v1/orders/{order_id}`.
#[utoipa::path(
    get,
    path = "/api/v1/orders/{order_id}",
    tag = "orders",
    operation_id = "get_order",
    summary = "Get an order",
    description = "The order snapshot with its case counters. A buyer reaches their own order only.",
    security(("apiKey" = []), ("session" = []), ("buyerToken" = [])),
    params(
        ("order_id" = OrderId, Path, description = "The order (amiable's id)."),
    ),
    responses(
        (status = 200, description = "The order.", body = amiable_store::OrderSummary),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
)]
pub async fn get(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(order_id): Path<String>,
) -> Result<Response, Problem> {
    let summary = order_in_reach(&state, &principal, &order_id, Action::ReadOrder).await?;
    Ok(Json(summary).into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderPage {
    pub items: Vec<OrderSummary>,
    pub next_cursor: Option<String>,
}

/// `GET /api/v1/orders`: newest first. Filters: `merchant_id`, `number`,
/// `buyer_email`; `cursor`; `limit` (1–200, default 50).
#[utoipa::path(
    get,
    path = "/api/v1/orders",
    tag = "orders",
    operation_id = "list_orders",
    summary = "List orders",
    description = "The orders in the caller's reach, most recently placed first. Unknown query parameters are refused.",
    security(("apiKey" = []), ("session" = [])),
    params(
        ("merchant_id" = Option<MerchantId>, Query, description = "Only this merchant's orders."),
        ("number" = Option<String>, Query, description = "Only the order with this number (`external_id`)."),
        ("buyer_email" = Option<String>, Query, description = "Only the orders of this buyer email."),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page."),
        ("limit" = Option<i64>, Query, description = "Page size, 1 to 200 (default 50).", minimum = 1, maximum = 200),
    ),
    responses(
        (status = 200, description = "A page of orders.", body = OrderPage),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    Auth(principal): Auth,
    RawQuery(query): RawQuery,
) -> Result<Response, Problem> {
    super::allow_role(&principal, Action::ListOrders)?;
    let mut filter = OrderFilter {
        operator_id: principal.operator_id(),
        merchant_id: None,
        external_id: None,
        buyer_email: None,
        after: None,
        limit: 50,
    };
    let mut errors = ValidationErrors::default();
    for (key, value) in query_pairs(query.as_deref()) {
        let key = key.as_str();
        match key {
            "merchant_id" => {
                filter.merchant_id = errors.check(MerchantId::parse(&value).map_err(|e| e.at(key)))
            }
            "number" => filter.external_id = Some(value.trim().to_owned()),
            "buyer_email" => filter.buyer_email = Some(value.trim().to_owned()),
            "cursor" => match decode_cursor(&value) {
                Some(after) => filter.after = Some(after),
                None => errors.push(FieldError::new(
                    key,
                    "cursor.invalid",
                    "not a cursor of this list",
                )),
            },
            "limit" => match value.parse::<i64>() {
                Ok(limit) if (1..=200).contains(&limit) => filter.limit = limit,
                _ => errors.push(FieldError::new(
                    key,
                    "field.invalid",
                    "must be an integer from 1 to 200",
                )),
            },
            _ => errors.push(FieldError::new(
                key,
                "field.unknown",
                "unknown query parameter",
            )),
        }
    }
    if !errors.is_empty() {
        return Err(Problem::bad_query(errors));
    }
    let resource = super::list_scope(&state, &principal, filter.merchant_id, None).await?;
    filter.merchant_id = resource.merchant_id;
    allow(&principal, Action::ListOrders, &resource, "order")?;
    let items = state.store().orders(&filter).await?;
    let next_cursor = (items.len() as i64 == filter.limit)
        .then(|| {
            items
                .last()
                .map(|o| encode_cursor(o.order.placed_at, o.order.id))
        })
        .flatten();
    Ok(Json(OrderPage { items, next_cursor }).into_response())
}

fn encode_cursor(placed_at: Timestamp, id: OrderId) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{id}", placed_at.as_microsecond()))
}

fn decode_cursor(raw: &str) -> Option<(Timestamp, OrderId)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).ok()?).ok()?;
    let (micros, id) = text.split_once(':')?;
    Some((
        Timestamp::from_microsecond(micros.parse().ok()?).ok()?,
        OrderId::parse(id).ok()?,
    ))
}

pub use amiable_app::buyers::BuyerAccess;

/// `POST /api/v1/orders/{order_id}/buyer-link`: a link to email to the buyer (valid 7 days).
#[utoipa::path(
    post,
    path = "/api/v1/orders/{order_id}/buyer-link",
    tag = "orders",
    operation_id = "create_buyer_link",
    summary = "Mint a buyer access link",
    description = "A link and token that give the buyer access to this order for 7 days, to send them by email.",
    security(("apiKey" = []), ("session" = [])),
    params(
        ("order_id" = OrderId, Path, description = "The order (amiable's id)."),
    ),
    responses(
        (status = 201, description = "The access.", body = BuyerAccess),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
)]
pub async fn buyer_link(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(order_id): Path<String>,
) -> Result<Response, Problem> {
    let summary = order_in_reach(&state, &principal, &order_id, Action::CreateBuyerLink).await?;
    let access = state.app().buyer_access(&summary.order, BUYER_LINK_TTL);
    Ok((StatusCode::CREATED, Json(access)).into_response())
}
