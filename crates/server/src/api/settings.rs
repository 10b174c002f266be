//! Settings: a merchant's (return address, contact, time zone, language,
//! withdrawal notice address) and the marketplace's (contact, time zone,
//! language, consumer mediator). `PUT` replaces the whole document: a field
//! left out is unset, so `GET`, edit, `PUT` is the way to change one.

use crate::AppState;
use crate::auth::Auth;
use crate::json::JsonBody;
use crate::problem::Problem;
use amiable_domain::ids::MerchantId;
use amiable_domain::settings::{MerchantSettings, OperatorSettings};
use axum::Json;
use axum::extract::{Path, State};

fn parse_merchant(raw: &str) -> Result<MerchantId, Problem> {
    MerchantId::parse(raw).map_err(|_| Problem::not_found("merchant"))
}

/// `GET /api/v1/merchants/{merchant_id}/settings`.
#[utoipa::path(
    get,
    path = "/api/v1/merchants/{merchant_id}/settings",
    tag = "settings",
    operation_id = "get_merchant_settings",
    summary = "A merchant's settings",
    description = "The return address printed on labels, the contact shown to buyers, the time zone its staff see times in, the default language of its buyers, and the seller's address for withdrawal notices.",
    security(("apiKey" = []), ("session" = [])),
    params(("merchant_id" = MerchantId, Path, description = "The merchant.")),
    responses(
        (status = 200, body = MerchantSettings),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
)]
pub async fn get_merchant(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(merchant_id): Path<String>,
) -> Result<Json<MerchantSettings>, Problem> {
    let merchant_id = parse_merchant(&merchant_id)?;
    Ok(Json(
        state
            .app()
            .merchant_settings(&principal, merchant_id)
            .await?,
    ))
}

/// `PUT /api/v1/merchants/{merchant_id}/settings`.
#[utoipa::path(
    put,
    path = "/api/v1/merchants/{merchant_id}/settings",
    tag = "settings",
    operation_id = "put_merchant_settings",
    summary = "Replace a merchant's settings",
    description = "Every field is checked and each fault named (`return_address.postal_code`, `contact.email`, `time_zone`…); nothing is written unless all pass. A field left out is unset. The merchant's other settings (its return policy, agents…) are left as they are.",
    security(("apiKey" = []), ("session" = [])),
    params(("merchant_id" = MerchantId, Path, description = "The merchant.")),
    request_body = MerchantSettings,
    responses(
        (status = 200, body = MerchantSettings, description = "The settings as stored (trimmed, emails with lower-case domains)."),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn put_merchant(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(merchant_id): Path<String>,
    JsonBody(settings): JsonBody<MerchantSettings>,
) -> Result<Json<MerchantSettings>, Problem> {
    let merchant_id = parse_merchant(&merchant_id)?;
    Ok(Json(
        state
            .app()
            .set_merchant_settings(&principal, merchant_id, settings)
            .await?,
    ))
}

/// `GET /api/v1/settings`.
#[utoipa::path(
    get,
    path = "/api/v1/settings",
    tag = "settings",
    operation_id = "get_operator_settings",
    summary = "The marketplace's settings",
    description = "Its contact for buyers, time zone, default language and consumer mediator (C. conso L616-1). The marketplace's people and integrations only.",
    security(("apiKey" = []), ("session" = [])),
    responses(
        (status = 200, body = OperatorSettings),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
)]
pub async fn get_operator(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<OperatorSettings>, Problem> {
    Ok(Json(state.app().operator_settings(&principal).await?))
}

/// `PUT /api/v1/settings`.
#[utoipa::path(
    put,
    path = "/api/v1/settings",
    tag = "settings",
    operation_id = "put_operator_settings",
    summary = "Replace the marketplace's settings",
    description = "Checked field by field (`mediator.website`, `contact.phone`, `time_zone`…); a field left out is unset.",
    security(("apiKey" = []), ("session" = [])),
    request_body = OperatorSettings,
    responses(
        (status = 200, body = OperatorSettings, description = "The settings as stored."),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn put_operator(
    State(state): State<AppState>,
    Auth(principal): Auth,
    JsonBody(settings): JsonBody<OperatorSettings>,
) -> Result<Json<OperatorSettings>, Problem> {
    Ok(Json(
        state
            .app()
            .set_operator_settings(&principal, settings)
            .await?,
    ))
}
