//! Returns and money: policies, the eligibility answer, the return lifecycle,
//! labels, refunds, store credit, exchanges, compensation and the ledger.

use super::cases::{command_response, expected_version_of, parse_case_id};
use super::{allow, allow_role};
use crate::AppState;
use crate::auth::Auth;
use crate::json::JsonBody;
use crate::problem::Problem;
use amiable_domain::access::{Action, Principal, Resource};
use amiable_domain::case::{
    Command, ExchangeLine, GoodwillKind, InspectedLine, ParcelStatus, ReceivedLine,
};
use amiable_domain::case::{MoneyCommand, ReturnCommand};
use amiable_domain::ids::{CaseId, MerchantId, OrderId};
use amiable_domain::money::Money;
use amiable_domain::returns::ReturnPolicy;
use amiable_domain::text::Label;
use amiable_store::{CommandOutcome, PolicyScope};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::Deserialize;

// ---------------------------------------------------------------- policies

async fn merchant_resource(state: &AppState, merchant_id: MerchantId) -> Result<Resource, Problem> {
    Ok(state.app().merchant_resource(merchant_id).await?)
}

fn parse_merchant(raw: &str) -> Result<MerchantId, Problem> {
    MerchantId::parse(raw).map_err(|_| Problem::not_found("merchant"))
}

/// `GET /api/v1/merchants/{merchant_id}/return-policy`.
#[utoipa::path(
    get,
    path = "/api/v1/merchants/{merchant_id}/return-policy",
    tag = "returns",
    operation_id = "get_return_policy",
    summary = "A merchant's return policy and its versions",
    description = "The current version, every earlier one, the operator's minimum, and which policy a new order is judged by (a merchant version that undercuts the minimum in force is set aside).",
    security(("apiKey" = []), ("session" = [])),
    params(("merchant_id" = MerchantId, Path, description = "The merchant.")),
    responses(
        (status = 200, body = amiable_app::policies::PolicyHistory),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
)]
pub async fn get_policy(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(merchant_id): Path<String>,
) -> Result<Response, Problem> {
    allow_role(&principal, Action::ReadPolicy)?;
    let merchant_id = parse_merchant(&merchant_id)?;
    let resource = merchant_resource(&state, merchant_id).await?;
    allow(&principal, Action::ReadPolicy, &resource, "merchant")?;
    let operator_id = principal.operator_id();
    let body = state
        .app()
        .policy_history(
            operator_id,
            PolicyScope::Merchant(merchant_id),
            Some(merchant_id),
        )
        .await?;
    Ok(Json(body).into_response())
}

/// `POST /api/v1/merchants/{merchant_id}/return-policy`.
#[utoipa::path(
    post,
    path = "/api/v1/merchants/{merchant_id}/return-policy",
    tag = "returns",
    operation_id = "publish_return_policy",
    summary = "Publish a new version of a merchant's return policy",
    description = "Adds a version; earlier versions stay, and orders placed under them keep being judged by them. Refused (422, `policy.below_operator_minimum`, one error per field) when it undercuts the operator's minimum.",
    security(("apiKey" = []), ("session" = [])),
    params(("merchant_id" = MerchantId, Path, description = "The merchant.")),
    request_body = ReturnPolicy,
    responses(
        (status = 201, body = amiable_app::policies::PolicyVersion),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn put_policy(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(merchant_id): Path<String>,
    JsonBody(policy): JsonBody<ReturnPolicy>,
) -> Result<Response, Problem> {
    allow_role(&principal, Action::ManagePolicy)?;
    let merchant_id = parse_merchant(&merchant_id)?;
    let resource = merchant_resource(&state, merchant_id).await?;
    allow(&principal, Action::ManagePolicy, &resource, "merchant")?;
    let stored = state
        .app()
        .publish_policy(&principal, PolicyScope::Merchant(merchant_id), &policy)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(amiable_app::policies::PolicyVersion::from(stored)),
    )
        .into_response())
}

/// `GET /api/v1/return-policy/minimum`.
#[utoipa::path(
    get,
    path = "/api/v1/return-policy/minimum",
    tag = "returns",
    operation_id = "get_minimum_policy",
    summary = "The operator's minimum return policy",
    security(("apiKey" = []), ("session" = [])),
    responses(
        (status = 200, body = amiable_app::policies::PolicyHistory),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
)]
pub async fn get_minimum(
    State(state): State<AppState>,
    Auth(principal): Auth,
) -> Result<Response, Problem> {
    let operator_id = principal.operator_id();
    allow(
        &principal,
        Action::ReadPolicy,
        &Resource::operator(operator_id),
        "policy",
    )?;
    let body = state
        .app()
        .policy_history(operator_id, PolicyScope::Operator, None)
        .await?;
    Ok(Json(body).into_response())
}

/// `POST /api/v1/return-policy/minimum`.
#[utoipa::path(
    post,
    path = "/api/v1/return-policy/minimum",
    tag = "returns",
    operation_id = "publish_minimum_policy",
    summary = "Publish a new version of the operator's minimum policy",
    description = "Every merchant's policy must be at least as generous; a merchant version that undercuts it is set aside for orders placed from now on.",
    security(("apiKey" = []), ("session" = [])),
    request_body = ReturnPolicy,
    responses(
        (status = 201, body = amiable_app::policies::PolicyVersion),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn put_minimum(
    State(state): State<AppState>,
    Auth(principal): Auth,
    JsonBody(policy): JsonBody<ReturnPolicy>,
) -> Result<Response, Problem> {
    let operator_id = principal.operator_id();
    allow(
        &principal,
        Action::ManagePolicy,
        &Resource::operator(operator_id),
        "policy",
    )?;
    let stored = state
        .app()
        .publish_policy(&principal, PolicyScope::Operator, &policy)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(amiable_app::policies::PolicyVersion::from(stored)),
    )
        .into_response())
}

// ------------------------------------------------------------- eligibility

/// `GET /api/v1/orders/{order_id}/eligibility`.
#[utoipa::path(
    get,
    path = "/api/v1/orders/{order_id}/eligibility",
    tag = "returns",
    operation_id = "order_eligibility",
    summary = "What each line of an order can still get, and why",
    description = "For each line: eligible or not, until when, under the merchant's policy or the statute (with its article), the fees, and a sentence saying why. A policy more generous than the law wins; one less generous is overridden and the answer says so.",
    security(("apiKey" = []), ("session" = []), ("buyerToken" = [])),
    params(("order_id" = OrderId, Path, description = "The order.")),
    responses(
        (status = 200, body = amiable_app::returns::EligibilityAnswer),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
)]
pub async fn eligibility(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(order_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let order = load_order(&state, &principal, &order_id).await?;
    let lang = crate::i18n::negotiate(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    Ok(Json(state.app().eligibility(&order, lang).await?).into_response())
}

async fn load_order(
    state: &AppState,
    principal: &Principal,
    raw: &str,
) -> Result<amiable_domain::order::Order, Problem> {
    let order_id = OrderId::parse(raw).map_err(|_| Problem::not_found("order"))?;
    Ok(state.app().readable_order(principal, order_id).await?)
}

// ------------------------------------------------------------------ ledger

/// `GET /api/v1/orders/{order_id}/ledger`.
#[utoipa::path(
    get,
    path = "/api/v1/orders/{order_id}/ledger",
    tag = "returns",
    operation_id = "order_ledger",
    summary = "An order's money",
    description = "Captured, refunded, store credit (and bonus), compensation, late-refund surcharges due, what the buyer owes for exchanges, and every movement with the case event that made it.",
    security(("apiKey" = []), ("session" = []), ("buyerToken" = [])),
    params(("order_id" = OrderId, Path, description = "The order.")),
    responses(
        (status = 200, body = amiable_app::money::LedgerAnswer),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
)]
pub async fn ledger(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(order_id): Path<String>,
) -> Result<Response, Problem> {
    let order = load_order(&state, &principal, &order_id).await?;
    Ok(Json(state.app().ledger(&order).await?).into_response())
}

// --------------------------------------------------------------- lifecycle

/// Parses the case id and the expected version of a request, then runs its command.
async fn outcome_for(
    state: &AppState,
    principal: &Principal,
    case_id: &str,
    headers: &HeaderMap,
    expected_version: Option<i64>,
    action: Action,
    command: Command,
) -> Result<CommandOutcome, Problem> {
    let case_id = parse_case_id(case_id)?;
    let expected = expected_version_of(headers, expected_version)?;
    Ok(state
        .app()
        .execute_for(principal, case_id, action, expected, command)
        .await?)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthoriseBody {
    /// The buyer keeps the items and is refunded without sending them back.
    #[serde(default)]
    pub returnless: bool,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

/// The OpenAPI operation of a case command of the returns and money API, on its handler.
macro_rules! case_command {
    ($method:ident, $path:literal, $op:literal, $summary:literal, $description:literal, $body:ty, refund; $item:item) => {
        #[utoipa::path(
            $method,
            path = $path,
            tag = "returns",
            operation_id = $op,
            summary = $summary,
            description = $description,
            security(("apiKey" = []), ("session" = [])),
            request_body = $body,
            params(
                ("case_id" = CaseId, Path, description = "The case."),
                ("refund_id" = u32, Path, description = "The refund (1, 2, 3… on the case)."),
            ),
            responses(
                (status = 200, response = crate::openapi::CaseUpdated),
                (status = 400, response = crate::openapi::BadRequest),
                (status = 401, response = crate::openapi::Unauthorized),
                (status = 403, response = crate::openapi::Forbidden),
                (status = 404, response = crate::openapi::NotFound),
                (status = 409, response = crate::openapi::Conflict),
                (status = 422, response = crate::openapi::UnprocessableEntity),
            ),
        )]
        $item
    };
    ($method:ident, $path:literal, $op:literal, $summary:literal, $description:literal, $body:ty; $item:item) => {
        #[utoipa::path(
            $method,
            path = $path,
            tag = "returns",
            operation_id = $op,
            summary = $summary,
            description = $description,
            security(("apiKey" = []), ("session" = [])),
            request_body = $body,
            params(("case_id" = CaseId, Path, description = "The case."), crate::openapi::IfMatch),
            responses(
                (status = 200, response = crate::openapi::CaseUpdated),
                (status = 400, response = crate::openapi::BadRequest),
                (status = 401, response = crate::openapi::Unauthorized),
                (status = 403, response = crate::openapi::Forbidden),
                (status = 404, response = crate::openapi::NotFound),
                (status = 409, response = crate::openapi::Conflict),
                (status = 422, response = crate::openapi::UnprocessableEntity),
            ),
        )]
        $item
    };
}

case_command!(
    post,
    "/api/v1/cases/{case_id}/return/authorise",
    "authorise_return",
    "Authorise a return",
    "Issues the RMA number; then, unless the buyer keeps the items, books the prepaid label and attaches it (the answer includes `label_issued`).",
    AuthoriseBody;
/// `POST /api/v1/cases/{case_id}/return/authorise`.
pub async fn authorise(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<AuthoriseBody>,
) -> Result<Response, Problem> {
    let case_id = parse_case_id(&case_id)?;
    let expected = expected_version_of(&headers, body.expected_version)?;
    let outcome = state
        .app()
        .authorise_return(&principal, case_id, expected, body.returnless)
        .await?;
    Ok(command_response(StatusCode::OK, &outcome))
}
);

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefuseBody {
    /// The ground, shown to the buyer.
    pub ground: Label,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

case_command!(
    post,
    "/api/v1/cases/{case_id}/return/refuse",
    "refuse_return",
    "Refuse a return",
    "Refuses with a stated ground (before authorisation, or after inspection); the case is resolved as a refusal, which the buyer can escalate.",
    RefuseBody;
/// `POST /api/v1/cases/{case_id}/return/refuse`.
pub async fn refuse(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<RefuseBody>,
) -> Result<Response, Problem> {
    let outcome = outcome_for(
        &state,
        &principal,
        &case_id,
        &headers,
        body.expected_version,
        Action::HandleReturn,
        Command::Returns(ReturnCommand::RefuseReturn {
            ground: body.ground,
        }),
    )
    .await?;
    Ok(command_response(StatusCode::OK, &outcome))
}
);

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelBody {
    /// Parcel weight in grams (default 1000).
    #[serde(default)]
    pub weight_grams: Option<u32>,
    /// Number of parcels (default 1, at most 20).
    #[serde(default)]
    pub parcel_count: Option<u32>,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

case_command!(
    post,
    "/api/v1/cases/{case_id}/return/label",
    "issue_label",
    "Issue (or reissue) the prepaid label",
    "Books the return with the carrier, renders the PDF (Code 128 RMA barcode and QR code), stores it as a public attachment of the case and records `label_issued`. For an authorised return without a label, or whose label expired.",
    LabelBody;
/// `POST /api/v1/cases/{case_id}/return/label`.
pub async fn issue_label(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<LabelBody>,
) -> Result<Response, Problem> {
    let case_id = parse_case_id(&case_id)?;
    let expected = expected_version_of(&headers, body.expected_version)?;
    let outcome = state
        .app()
        .issue_label(
            &principal,
            case_id,
            expected,
            body.weight_grams,
            body.parcel_count,
        )
        .await?;
    Ok(command_response(StatusCode::OK, &outcome))
}
);

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LabelQuery {
    /// `a6` (default: the label itself) or `a4` (label, instructions and packing slip).
    #[serde(default)]
    pub size: Option<String>,
}

/// `GET /api/v1/cases/{case_id}/return/label`.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{case_id}/return/label",
    tag = "returns",
    operation_id = "download_label",
    summary = "Download the return label (PDF)",
    description = "The prepaid label as a PDF: A6 (the attachment recorded on the case) or A4 (to print at home, with instructions and a packing slip).",
    security(("apiKey" = []), ("session" = []), ("buyerToken" = [])),
    params(("case_id" = CaseId, Path, description = "The case."), LabelQuery),
    responses(
        (status = 200, description = "The PDF.", content_type = "application/pdf"),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
)]
pub async fn download_label(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    Query(query): Query<LabelQuery>,
) -> Result<Response, Problem> {
    let case_id = parse_case_id(&case_id)?;
    label_response(&state, &principal, case_id, query.size.as_deref()).await
}

/// The return label as a PDF answer: A6 (the recorded attachment) or A4.
pub async fn label_response(
    state: &AppState,
    principal: &Principal,
    case_id: CaseId,
    size: Option<&str>,
) -> Result<Response, Problem> {
    let pdf = state.app().label_pdf(principal, case_id, size).await?;
    Ok(pdf_answer(pdf.bytes, &pdf.filename, "inline"))
}

/// A PDF as an answer: its type, its name (`disposition` `inline` or `attachment`), never sniffed.
pub fn pdf_answer(bytes: Vec<u8>, filename: &str, disposition: &'static str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("{disposition}; filename=\"{filename}\""))
            .unwrap_or(HeaderValue::from_static(disposition)),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanBody {
    pub status: ParcelStatus,
    /// When the carrier scanned it (RFC 3339).
    pub scanned_at: Timestamp,
    #[serde(default)]
    pub location: Option<Label>,
    /// The carrier's id for the event: the same id pushed twice is recorded once.
    #[serde(default)]
    pub carrier_event_id: Option<Label>,
}

case_command!(
    post,
    "/api/v1/cases/{case_id}/return/tracking",
    "record_parcel_scan",
    "Push a carrier tracking event",
    "In transit, out for delivery, delivered, exception or lost. The first scan is the proof of shipment that ends the merchant's right to hold the refund (C. conso L221-24).",
    ScanBody;
/// `POST /api/v1/cases/{case_id}/return/tracking`.
pub async fn scan(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<ScanBody>,
) -> Result<Response, Problem> {
    let outcome = outcome_for(
        &state,
        &principal,
        &case_id,
        &headers,
        None,
        Action::HandleReturn,
        Command::Returns(ReturnCommand::RecordParcelScan {
            status: body.status,
            scanned_at: body.scanned_at,
            location: body.location,
            carrier_event_id: body.carrier_event_id,
        }),
    )
    .await?;
    Ok(command_response(StatusCode::OK, &outcome))
}
);

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipmentBody {
    /// The carrier the buyer chose, e.g. `Colissimo`.
    pub carrier: Label,
    pub tracking_number: Label,
    /// When the parcel was dropped off; now when absent. Never in the future.
    #[serde(default)]
    pub shipped_at: Option<Timestamp>,
    /// The deposit receipt: a file uploaded to the case before (`POST /cases/{case_id}/attachments`), by its SHA-256.
    #[serde(default)]
    pub receipt_sha256: Option<String>,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

case_command!(
    post,
    "/api/v1/cases/{case_id}/return/shipment",
    "declare_shipment",
    "Declare a parcel the buyer sent themselves",
    "For a return the buyer sends at their own cost (no prepaid label): the carrier, the tracking number, when, and the deposit receipt. The first proof of shipment ends the merchant's right to hold the refund (C. conso L221-24), as a carrier scan does; it is recorded once (`return.shipment_already_known` after).",
    ShipmentBody;
/// `POST /api/v1/cases/{case_id}/return/shipment`.
pub async fn declare_shipment(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<ShipmentBody>,
) -> Result<Response, Problem> {
    let case_id = parse_case_id(&case_id)?;
    let expected = expected_version_of(&headers, body.expected_version)?;
    let receipt = match body.receipt_sha256.as_deref() {
        Some(sha) => amiable_app::attachments::Receipt::Known(sha),
        None => amiable_app::attachments::Receipt::None,
    };
    let outcome = state
        .app()
        .declare_shipment(
            &principal,
            case_id,
            expected,
            body.carrier,
            body.tracking_number,
            body.shipped_at,
            receipt,
        )
        .await?;
    Ok(command_response(StatusCode::OK, &outcome))
}
);

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveBody {
    pub lines: Vec<ReceivedLine>,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

case_command!(
    post,
    "/api/v1/cases/{case_id}/return/receive",
    "receive_return",
    "Record what came back",
    "Per line: the quantity received and its condition (`new`, `like_new`, `used`, `damaged`).",
    ReceiveBody;
/// `POST /api/v1/cases/{case_id}/return/receive`.
pub async fn receive(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<ReceiveBody>,
) -> Result<Response, Problem> {
    let outcome = outcome_for(
        &state,
        &principal,
        &case_id,
        &headers,
        body.expected_version,
        Action::HandleReturn,
        Command::Returns(ReturnCommand::ReceiveReturn { lines: body.lines }),
    )
    .await?;
    Ok(command_response(StatusCode::OK, &outcome))
}
);

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectBody {
    pub lines: Vec<InspectedLine>,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

case_command!(
    post,
    "/api/v1/cases/{case_id}/return/inspect",
    "inspect_return",
    "Record the inspection",
    "Per received line: compliant, or not with itemised deductions (each at most what came back is worth).",
    InspectBody;
/// `POST /api/v1/cases/{case_id}/return/inspect`.
pub async fn inspect(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<InspectBody>,
) -> Result<Response, Problem> {
    let outcome = outcome_for(
        &state,
        &principal,
        &case_id,
        &headers,
        body.expected_version,
        Action::HandleReturn,
        Command::Returns(ReturnCommand::InspectReturn { lines: body.lines }),
    )
    .await?;
    Ok(command_response(StatusCode::OK, &outcome))
}
);

// ------------------------------------------------------------------- money

pub use amiable_app::money::RefundRequest as RefundBody;

fn yes() -> bool {
    true
}

case_command!(
    post,
    "/api/v1/cases/{case_id}/refunds",
    "refund",
    "Refund to the original payment",
    "Records the refund (never more than what remains refundable on the order, `refund.exceeds_refundable`), executes it through the payment gateway and records its settlement. A refund after the legal deadline (C. conso L221-24) carries the L242-4 surcharge due. Send an `Idempotency-Key`.",
    RefundBody;
/// `POST /api/v1/cases/{case_id}/refunds`.
pub async fn refund(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<RefundBody>,
) -> Result<Response, Problem> {
    let case_id = parse_case_id(&case_id)?;
    let expected = expected_version_of(&headers, body.expected_version)?;
    let outcome = state
        .app()
        .refund(&principal, case_id, expected, body)
        .await?;
    Ok(command_response(StatusCode::OK, &outcome))
}
);

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettleBody {
    /// The provider's reference of the refund.
    pub reference: Label,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

fn parse_refund_id(raw: &str) -> Result<u32, Problem> {
    raw.parse::<u32>()
        .ok()
        .filter(|id| *id >= 1)
        .ok_or_else(|| Problem::not_found("refund"))
}

/// Settles or fails refund `refund_id` of a case: the command made from the refund's id.
async fn refund_outcome(
    state: &AppState,
    principal: &Principal,
    (case_id, refund_id): (String, String),
    headers: &HeaderMap,
    expected_version: Option<i64>,
    command: impl FnOnce(u32) -> Command,
) -> Result<Response, Problem> {
    let case_id = parse_case_id(&case_id)?;
    let refund_id = parse_refund_id(&refund_id)?;
    let expected = expected_version_of(headers, expected_version)?;
    let outcome = state
        .app()
        .execute_for(
            principal,
            case_id,
            Action::MoveMoney,
            expected,
            command(refund_id),
        )
        .await?;
    Ok(command_response(StatusCode::OK, &outcome))
}

case_command!(
    post,
    "/api/v1/cases/{case_id}/refunds/{refund_id}/settle",
    "settle_refund",
    "Record that a pending refund was paid",
    "For refunds made outside amiable: the provider's reference.",
    SettleBody,
    refund;
/// `POST /api/v1/cases/{case_id}/refunds/{refund_id}/settle`.
pub async fn settle_refund(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(ids): Path<(String, String)>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<SettleBody>,
) -> Result<Response, Problem> {
    refund_outcome(
        &state,
        &principal,
        ids,
        &headers,
        body.expected_version,
        |refund_id| {
            Command::Money(MoneyCommand::SettleRefund {
                refund_id,
                reference: body.reference,
            })
        },
    )
    .await
}
);

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FailBody {
    /// Why the provider refused it; the amount becomes refundable again.
    pub error: Label,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

case_command!(
    post,
    "/api/v1/cases/{case_id}/refunds/{refund_id}/fail",
    "fail_refund",
    "Record that a pending refund failed",
    "Releases the amount in the order's ledger.",
    FailBody,
    refund;
/// `POST /api/v1/cases/{case_id}/refunds/{refund_id}/fail`.
pub async fn fail_refund(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(ids): Path<(String, String)>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<FailBody>,
) -> Result<Response, Problem> {
    refund_outcome(
        &state,
        &principal,
        ids,
        &headers,
        body.expected_version,
        |refund_id| {
            Command::Money(MoneyCommand::FailRefund {
                refund_id,
                error: body.error,
            })
        },
    )
    .await
}
);

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StoreCreditBody {
    /// Without it: what the return calls for.
    #[serde(default)]
    pub amount: Option<Money>,
    /// Without it: the policy's bonus.
    #[serde(default)]
    pub bonus_percent: Option<u8>,
    #[serde(default = "yes")]
    pub resolve: bool,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

case_command!(
    post,
    "/api/v1/cases/{case_id}/store-credit",
    "issue_store_credit",
    "Issue store credit (avoir)",
    "In place of a refund (it counts against what remains refundable), with the policy's bonus on top unless `bonus_percent` says otherwise.",
    StoreCreditBody;
/// `POST /api/v1/cases/{case_id}/store-credit`.
pub async fn store_credit(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<StoreCreditBody>,
) -> Result<Response, Problem> {
    let outcome = outcome_for(
        &state,
        &principal,
        &case_id,
        &headers,
        body.expected_version,
        Action::MoveMoney,
        Command::Money(MoneyCommand::IssueStoreCredit {
            amount: body.amount,
            bonus_percent: body.bonus_percent,
            resolve: body.resolve,
        }),
    )
    .await?;
    Ok(command_response(StatusCode::OK, &outcome))
}
);

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExchangeBody {
    pub lines: Vec<ExchangeLine>,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

case_command!(
    post,
    "/api/v1/cases/{case_id}/exchange",
    "record_exchange",
    "Exchange for another item",
    "Per returned line, what is sent instead. A price difference is owed by the buyer (recorded in the ledger) or refunded to them (a refund is recorded).",
    ExchangeBody;
/// `POST /api/v1/cases/{case_id}/exchange`.
pub async fn exchange(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<ExchangeBody>,
) -> Result<Response, Problem> {
    let case_id = parse_case_id(&case_id)?;
    let expected = expected_version_of(&headers, body.expected_version)?;
    let outcome = state
        .app()
        .exchange(&principal, case_id, expected, body.lines)
        .await?;
    Ok(command_response(StatusCode::OK, &outcome))
}
);

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompensationBody {
    pub kind: GoodwillKind,
    pub amount: Money,
    #[serde(default)]
    pub note: Option<Label>,
    /// Also resolve the case with this gesture (default false: it comes on top of another resolution).
    #[serde(default)]
    pub resolve: bool,
    /// Above the shop's approval threshold or beyond its monthly goodwill budget, ask a
    /// merchant admin or the marketplace to approve it (default false: refused with
    /// `goodwill.approval_required` or `goodwill.over_budget`). Admins' gestures need no approval.
    #[serde(default)]
    pub request_approval: bool,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

case_command!(
    post,
    "/api/v1/cases/{case_id}/compensation",
    "compensate",
    "Give a goodwill gesture (geste commercial)",
    "A voucher, a shipping refund or a gift, recorded in the order's ledger.",
    CompensationBody;
/// `POST /api/v1/cases/{case_id}/compensation`.
pub async fn compensation(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<CompensationBody>,
) -> Result<Response, Problem> {
    let case_id = super::cases::parse_case_id(&case_id)?;
    let expected = super::cases::expected_version_of(&headers, body.expected_version)?;
    let app = state.app();
    let outcome = app
        .compensate(
            &principal,
            case_id,
            expected,
            amiable_app::disputes::Gesture {
                kind: body.kind,
                amount: body.amount,
                note: body.note,
                resolve: body.resolve,
                request_approval: body.request_approval,
            },
        )
        .await?;
    let outcome = app.for_principal(&principal, outcome).await?;
    Ok(command_response(StatusCode::OK, &outcome))
}
);
