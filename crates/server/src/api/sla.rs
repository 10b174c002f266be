//! Service levels over HTTP: the marketplace's and each shop's SLA settings
//! (business hours, policies), the marketplace's automation rules and quality
//! thresholds, a shop's quality and standing, and one case's targets now.
//! `PUT` replaces the whole document and re-assesses the open cases.

use crate::AppState;
use crate::auth::Auth;
use crate::json::JsonBody;
use crate::problem::Problem;
use amiable_app::sla::quality::Quality;
use amiable_app::sla::{CaseSla, Recomputed, SlaScope};
use amiable_domain::ids::{CaseId, MerchantId};
use amiable_domain::sla::SlaDocument;
use amiable_domain::sla::quality::QualityDocument;
use amiable_domain::sla::rules::RuleDocument;
use axum::Json;
use axum::extract::{Path, State};

fn parse_merchant(raw: &str) -> Result<MerchantId, Problem> {
    MerchantId::parse(raw).map_err(|_| Problem::not_found("merchant"))
}

/// `GET /api/v1/sla/settings`.
#[utoipa::path(
    get,
    path = "/api/v1/sla/settings",
    tag = "sla",
    operation_id = "get_marketplace_sla",
    summary = "The marketplace's SLA settings",
    description = "The marketplace team's business hours (time zone, shifts per weekday, public holidays, closures, date overrides) and its SLA policies, in order: for each target, the first policy whose conditions hold wins (policies naming a merchant first, then the shop's own, then the marketplace's general ones, then amiable's defaults).",
    security(("apiKey" = []), ("session" = [])),
    responses(
        (status = 200, body = SlaDocument),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    ),
)]
pub async fn get_marketplace(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<SlaDocument>, Problem> {
    Ok(Json(
        state
            .app()
            .sla_document(&principal, SlaScope::Marketplace)
            .await?,
    ))
}

/// `PUT /api/v1/sla/settings`.
#[utoipa::path(
    put,
    path = "/api/v1/sla/settings",
    tag = "sla",
    operation_id = "put_marketplace_sla",
    summary = "Replace the marketplace's SLA settings",
    description = "Each field is checked (`sla.target_out_of_range`, `calendar.hours_overlap`, `calendar.hours_inverted`, `calendar.never_open`, `calendar.time_zone_unknown`…); nothing is written unless all pass. The open cases are then re-assessed from their clocks: due dates move, the time already used and the pauses stay.",
    security(("apiKey" = []), ("session" = [])),
    request_body = SlaDocument,
    responses(
        (status = 200, body = Recomputed, description = "How many open cases were re-assessed."),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn put_marketplace(
    State(state): State<AppState>,
    Auth(principal): Auth,
    JsonBody(doc): JsonBody<SlaDocument>,
) -> Result<Json<Recomputed>, Problem> {
    Ok(Json(
        state
            .app()
            .set_sla_document(&principal, SlaScope::Marketplace, doc)
            .await?,
    ))
}

/// `GET /api/v1/merchants/{merchant_id}/sla/settings`.
#[utoipa::path(
    get,
    path = "/api/v1/merchants/{merchant_id}/sla/settings",
    tag = "sla",
    operation_id = "get_merchant_sla",
    summary = "A shop's SLA settings",
    description = "The shop's business hours (its own targets count in them) and its own policies.",
    security(("apiKey" = []), ("session" = [])),
    params(("merchant_id" = MerchantId, Path, description = "The merchant.")),
    responses(
        (status = 200, body = SlaDocument),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
)]
pub async fn get_merchant(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(merchant_id): Path<String>,
) -> Result<Json<SlaDocument>, Problem> {
    let merchant_id = parse_merchant(&merchant_id)?;
    Ok(Json(
        state
            .app()
            .sla_document(&principal, SlaScope::Merchant(merchant_id))
            .await?,
    ))
}

/// `PUT /api/v1/merchants/{merchant_id}/sla/settings`.
#[utoipa::path(
    put,
    path = "/api/v1/merchants/{merchant_id}/sla/settings",
    tag = "sla",
    operation_id = "put_merchant_sla",
    summary = "Replace a shop's SLA settings",
    description = "As for the marketplace's, except that a shop's policy may not set the marketplace's own target (`sla.target_not_allowed`) nor name merchants (`sla.merchants_not_allowed`). The shop's open cases are re-assessed.",
    security(("apiKey" = []), ("session" = [])),
    params(("merchant_id" = MerchantId, Path, description = "The merchant.")),
    request_body = SlaDocument,
    responses(
        (status = 200, body = Recomputed),
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
    JsonBody(doc): JsonBody<SlaDocument>,
) -> Result<Json<Recomputed>, Problem> {
    let merchant_id = parse_merchant(&merchant_id)?;
    Ok(Json(
        state
            .app()
            .set_sla_document(&principal, SlaScope::Merchant(merchant_id), doc)
            .await?,
    ))
}

/// `GET /api/v1/automation/rules`.
#[utoipa::path(
    get,
    path = "/api/v1/automation/rules",
    tag = "sla",
    operation_id = "get_automation_rules",
    summary = "The marketplace's automation rules",
    description = "When (an event, an SLA warning or breach, a silence towards the buyer) and conditions, then actions (notify, assign, escalate, send the buyer a status update, close). Without rules of its own, a marketplace has amiable's: a status update before the seventh day without news.",
    security(("apiKey" = []), ("session" = [])),
    responses(
        (status = 200, body = Vec<RuleDocument>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    ),
)]
pub async fn get_rules(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<Vec<RuleDocument>>, Problem> {
    Ok(Json(state.app().automation_rules(&principal).await?))
}

/// `PUT /api/v1/automation/rules`.
#[utoipa::path(
    put,
    path = "/api/v1/automation/rules",
    tag = "sla",
    operation_id = "put_automation_rules",
    summary = "Replace the marketplace's automation rules",
    description = "A rule whose actions would set it off again, directly or through other rules, is refused (`automation.rule_loops`, naming the rule). `[]` leaves no rule at all.",
    security(("apiKey" = []), ("session" = [])),
    request_body = Vec<RuleDocument>,
    responses(
        (status = 200, body = Recomputed),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn put_rules(
    State(state): State<AppState>,
    Auth(principal): Auth,
    JsonBody(rules): JsonBody<Vec<RuleDocument>>,
) -> Result<Json<Recomputed>, Problem> {
    Ok(Json(
        state.app().set_automation_rules(&principal, rules).await?,
    ))
}

/// `GET /api/v1/quality/settings`.
#[utoipa::path(
    get,
    path = "/api/v1/quality/settings",
    tag = "sla",
    operation_id = "get_quality_settings",
    summary = "The marketplace's quality thresholds",
    description = "The rolling window (7–90 days) and, per figure, the warning (under watch) and restriction thresholds in percent, with the minimum volume under which a figure is not judged.",
    security(("apiKey" = []), ("session" = [])),
    responses(
        (status = 200, body = QualityDocument),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    ),
)]
pub async fn get_quality_settings(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Json<QualityDocument>, Problem> {
    Ok(Json(state.app().quality_document(&principal).await?))
}

/// `PUT /api/v1/quality/settings`.
#[utoipa::path(
    put,
    path = "/api/v1/quality/settings",
    tag = "sla",
    operation_id = "put_quality_settings",
    summary = "Replace the marketplace's quality thresholds",
    description = "Thresholds are percentages from 0 to 100 (`quality.threshold_out_of_range`), the restriction at or above the warning (`quality.thresholds_inverted`).",
    security(("apiKey" = []), ("session" = [])),
    request_body = QualityDocument,
    responses(
        (status = 200, body = QualityDocument),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn put_quality_settings(
    State(state): State<AppState>,
    Auth(principal): Auth,
    JsonBody(doc): JsonBody<QualityDocument>,
) -> Result<Json<QualityDocument>, Problem> {
    Ok(Json(
        state.app().set_quality_document(&principal, doc).await?,
    ))
}

/// `GET /api/v1/merchants/{merchant_id}/quality`.
#[utoipa::path(
    get,
    path = "/api/v1/merchants/{merchant_id}/quality",
    tag = "sla",
    operation_id = "get_merchant_quality",
    summary = "A shop's quality and standing",
    description = "The figures of the rolling window (first-response and resolution times, median and p90; breach rate per target; incident, refund, escalation and arbitration-loss rates; CSAT), the standing they gave at the last evaluation (`good`, `under_watch`, `restricted`), the thresholds crossed, and every change of standing with its figures.",
    security(("apiKey" = []), ("session" = [])),
    params(("merchant_id" = MerchantId, Path, description = "The merchant.")),
    responses(
        (status = 200, body = Quality),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
)]
pub async fn get_quality(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(merchant_id): Path<String>,
) -> Result<Json<Quality>, Problem> {
    let merchant_id = parse_merchant(&merchant_id)?;
    Ok(Json(
        state.app().quality(&principal, merchant_id, false).await?,
    ))
}

/// `POST /api/v1/merchants/{merchant_id}/quality/evaluation`.
#[utoipa::path(
    post,
    path = "/api/v1/merchants/{merchant_id}/quality/evaluation",
    tag = "sla",
    operation_id = "evaluate_merchant_quality",
    summary = "Evaluate a shop's quality now",
    description = "Computes the figures as of now and judges them (the daily pass does it for every shop). A change of standing is recorded with its figures, sent as the `merchant.standing_changed` webhook and explained to the shop's administrators by email.",
    security(("apiKey" = []), ("session" = [])),
    params(("merchant_id" = MerchantId, Path, description = "The merchant.")),
    responses(
        (status = 200, body = Quality),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
)]
pub async fn evaluate_quality(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(merchant_id): Path<String>,
) -> Result<Json<Quality>, Problem> {
    let merchant_id = parse_merchant(&merchant_id)?;
    Ok(Json(
        state.app().quality(&principal, merchant_id, true).await?,
    ))
}

/// `GET /api/v1/cases/{case_id}/sla`.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{case_id}/sla",
    tag = "sla",
    operation_id = "get_case_sla",
    summary = "A case's service-level targets now",
    description = "Each target (first response, next response, buyer update, resolution, the marketplace's own response) with its status (`active`, `hit`, `missed`, `active_with_misses`), the policy that set it, its due and warning dates, what it waits for while paused, and a record per miss; every pause of the case's clocks; who handles the case. For the staff of the shop and of the marketplace.",
    security(("apiKey" = []), ("session" = [])),
    params(("case_id" = CaseId, Path, description = "The case.")),
    responses(
        (status = 200, body = CaseSla),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
)]
pub async fn get_case(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
) -> Result<Json<CaseSla>, Problem> {
    let case_id = CaseId::parse(&case_id).map_err(|_| Problem::not_found("case"))?;
    Ok(Json(state.app().case_sla(&principal, case_id).await?))
}
