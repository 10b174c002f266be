//! Orders: upsert one or many, read, list, and mint a buyer access link.

use super::allow;
use super::cases::query_pairs;
use crate::AppState;
use crate::auth::{Auth, BUYER_LINK_TTL, BuyerClaims};
use crate::json::JsonBody;
use crate::problem::Problem;
use amiable_domain::access::{Action, Principal, Resource};
use amiable_domain::ids::{MerchantId, OrderId};
use amiable_domain::order::{Order, OrderInput};
use amiable_domain::validation::{FieldError, ValidationErrors};
use amiable_store::{OrderFilter, OrderSummary, StoreError};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The most orders in one bulk request.
pub const MAX_BULK_ORDERS: usize = 500;

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

/// The merchant the orders go to, checked against the caller's reach.
async fn target_merchant(
    state: &AppState,
    principal: &Principal,
    merchant_id: Option<MerchantId>,
) -> Result<MerchantId, Problem> {
    super::allow_role(principal, Action::WriteOrders)?;
    let not_found = || Problem::field("merchant_id", "merchant.not_found", "no such merchant");
    let merchant_id = match (merchant_id, principal.merchant_id()) {
        (Some(m), _) | (None, Some(m)) => m,
        (None, None) => {
            return Err(Problem::field(
                "merchant_id",
                "field.required",
                "name the merchant the order belongs to",
            ));
        }
    };
    let merchant = state
        .store()
        .merchant(merchant_id)
        .await?
        .ok_or_else(not_found)?;
    let resource = Resource::merchant(merchant.operator_id, merchant.id);
    super::allow_referenced(principal, Action::WriteOrders, &resource, not_found)?;
    Ok(merchant.id)
}

fn prefixed(error: StoreError, prefix: &str) -> Problem {
    match error {
        StoreError::Invalid(mut errors) => {
            for error in &mut errors.0 {
                error.field = format!("{prefix}.{}", error.field);
            }
            Problem::validation(errors)
        }
        other => other.into(),
    }
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
    let merchant_id = target_merchant(&state, &principal, body.merchant_id).await?;
    let outcome = state
        .store()
        .upsert_order(
            principal.operator_id(),
            merchant_id,
            &body.order,
            OrderId::from_bytes(state.random_id()),
        )
        .await
        .map_err(|e| prefixed(e, "order"))?;
    let summary = state
        .store()
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
    let merchant_id = target_merchant(&state, &principal, body.merchant_id).await?;
    if body.orders.is_empty() || body.orders.len() > MAX_BULK_ORDERS {
        return Err(Problem::field(
            "orders",
            "field.invalid",
            &format!("send 1 to {MAX_BULK_ORDERS} orders"),
        ));
    }
    let operator_id = principal.operator_id();
    // Check every order first, so the answer names every faulty field at once.
    let mut errors = ValidationErrors::default();
    let mut seen = std::collections::HashSet::new();
    for (i, input) in body.orders.iter().enumerate() {
        let id = OrderId::from_bytes([0; 16]);
        if let Err(e) = Order::from_input(id, operator_id, merchant_id, input) {
            for mut error in e.0 {
                error.field = format!("orders[{i}].{}", error.field);
                errors.push(error);
            }
        }
        if !seen.insert(input.external_id.trim().to_owned()) {
            errors.push(FieldError::new(
                format!("orders[{i}].external_id"),
                "order.duplicate_in_request",
                "this order number appears twice in the request",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let rows: Vec<_> = body
        .orders
        .into_iter()
        .map(|input| {
            (
                operator_id,
                merchant_id,
                input,
                OrderId::from_bytes(state.random_id()),
            )
        })
        .collect();
    let outcomes = state
        .store()
        .upsert_orders(&rows)
        .await
        .map_err(|e| prefixed(e, "orders"))?;
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
    let summary = state
        .store()
        .order(order_id)
        .await?
        .ok_or_else(|| Problem::not_found("order"))?;
    let resource = Resource::order(
        summary.order.operator_id,
        summary.order.merchant_id,
        summary.order.id,
    );
    allow(principal, action, &resource, "order")?;
    Ok(summary)
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

/// A buyer's access to one order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BuyerAccess {
    pub order_id: OrderId,
    pub merchant_id: MerchantId,
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// The same access as a link to email (relative when no public URL is configured).
    pub link: String,
    pub expires_at: Timestamp,
}

pub fn buyer_access(state: &AppState, order: &Order, ttl: jiff::SignedDuration) -> BuyerAccess {
    let expires_at = Timestamp::now()
        .checked_add(ttl)
        .unwrap_or(Timestamp::MAX)
        .round(jiff::Unit::Second)
        .unwrap_or(Timestamp::MAX);
    let token = state.buyer_tokens().mint(&BuyerClaims {
        operator_id: order.operator_id,
        merchant_id: order.merchant_id,
        order_id: order.id,
        expires_at,
    });
    BuyerAccess {
        order_id: order.id,
        merchant_id: order.merchant_id,
        link: format!("{}/suivi?token={token}", state.public_url()),
        token,
        expires_at,
    }
}

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
    let access = buyer_access(&state, &summary.order, BUYER_LINK_TTL);
    Ok((StatusCode::CREATED, Json(access)).into_response())
}
