//! Incidents and the escalation ladder over HTTP: responsibility, late
//! delivery, the carrier claim, replacement parcels, the mediator's private
//! channels and requests for information, appeals, the consumer mediator,
//! approvals of goodwill gestures and the case's dossier (PDF).
//!
//! docs/DISPUTES.md walks through them in order.

use super::cases::{command_response, expected_version_of, parse_case_id};
use crate::AppState;
use crate::auth::Auth;
use crate::json::JsonBody;
use crate::problem::Problem;
use amiable_domain::access::Principal;
use amiable_domain::case::{
    AppealOutcome, ClaimOutcome, Decision, IncidentCommand, MediationCommand, Party,
    ReshipmentStatus, Responsibility,
};
use amiable_domain::ids::CaseId;
use amiable_domain::money::Money;
use amiable_domain::order::ShipmentLine;
use amiable_domain::text::{Body, Label};
use amiable_store::CommandOutcome;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jiff::Timestamp;
use serde::Deserialize;

/// The OpenAPI operation of a dispute command, on its handler.
macro_rules! dispute_command {
    ($path:literal, $op:literal, $summary:literal, $description:literal, $body:ty, [$($security:tt)*]; $item:item) => {
        #[utoipa::path(
            post,
            path = $path,
            tag = "disputes",
            operation_id = $op,
            summary = $summary,
            description = $description,
            security($($security)*),
            request_body = $body,
            params(("case_id" = CaseId, Path, description = "The case."), crate::openapi::IfMatch),
            responses(
                (status = 200, response = crate::openapi::CaseUpdated),
                (status = 400, response = crate::openapi::BadRequest),
                (status = 401, response = crate::openapi::Unauthorized),
                (status = 403, response = crate::openapi::Forbidden),
                (status = 404, response = crate::openapi::NotFound),
                (status = 409, response = crate::openapi::Conflict),
                (status = 415, response = crate::openapi::UnsupportedMediaType),
                (status = 422, response = crate::openapi::UnprocessableEntity),
            ),
        )]
        $item
    };
}

/// Answers a command's outcome as the caller may see it.
async fn answer(
    state: &AppState,
    principal: &Principal,
    outcome: CommandOutcome,
) -> Result<Response, Problem> {
    let outcome = state.app().for_principal(principal, outcome).await?;
    Ok(command_response(StatusCode::OK, &outcome))
}

async fn incident(
    state: &AppState,
    principal: &Principal,
    case_id: &str,
    headers: &HeaderMap,
    expected_version: Option<i64>,
    command: IncidentCommand,
) -> Result<Response, Problem> {
    let case_id = parse_case_id(case_id)?;
    let expected = expected_version_of(headers, expected_version)?;
    let outcome = state
        .app()
        .incident(principal, case_id, expected, command)
        .await?;
    answer(state, principal, outcome).await
}

async fn mediation(
    state: &AppState,
    principal: &Principal,
    case_id: &str,
    headers: &HeaderMap,
    expected_version: Option<i64>,
    command: MediationCommand,
) -> Result<Response, Problem> {
    let case_id = parse_case_id(case_id)?;
    let expected = expected_version_of(headers, expected_version)?;
    let outcome = state
        .app()
        .mediation(principal, case_id, expected, command)
        .await?;
    answer(state, principal, outcome).await
}

// ---------------------------------------------------------------- incidents

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponsibilityBody {
    pub responsible: Responsibility,
    /// The grounds, shown to the parties (tracking, photos, the carrier's report…).
    pub grounds: Body,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

dispute_command!(
    "/api/v1/cases/{case_id}/responsibility",
    "determine_responsibility",
    "Determine who is responsible for an incident",
    "Records who answers for the incident — `merchant`, `carrier`, `buyer` or `unknown` — with its grounds, shown to the parties. Towards a consumer the merchant bears the transport risk until the buyer takes physical possession (C. conso L216-2): a buyer is never responsible for a parcel that did not come without a proof of delivery (`incident.no_proof_of_delivery`). Merchant staff, the operator admin and integrations.",
    ResponsibilityBody,
    [("apiKey" = []), ("session" = [])];
/// `POST /api/v1/cases/{case_id}/responsibility`.
pub async fn responsibility(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<ResponsibilityBody>,
) -> Result<Response, Problem> {
    let command = IncidentCommand::DetermineResponsibility {
        responsible: body.responsible,
        grounds: body.grounds,
    };
    incident(&state, &principal, &case_id, &headers, body.expected_version, command).await
}
);

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryDeadlineBody {
    /// The new, reasonable deadline the buyer gives the merchant (a date, `2026-12-20`).
    #[schema(value_type = String, format = Date)]
    pub deliver_by: jiff::civil::Date,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

dispute_command!(
    "/api/v1/cases/{case_id}/delivery-deadline",
    "set_delivery_deadline",
    "Set a new delivery deadline (buyer)",
    "Once the delivery date passed (30 days after the order when none was agreed, C. conso L216-1), the buyer gives the merchant a reasonable extra period by a durable medium (L216-6). Refused before the delivery is due (`delivery.not_yet_due`), after a proven delivery (`delivery.already_delivered`) or too short (`delivery.deadline_too_short`). The buyer only.",
    DeliveryDeadlineBody,
    [("buyerToken" = [])];
/// `POST /api/v1/cases/{case_id}/delivery-deadline`.
pub async fn delivery_deadline(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<DeliveryDeadlineBody>,
) -> Result<Response, Problem> {
    let command = IncidentCommand::SetDeliveryDeadline {
        deliver_by: body.deliver_by,
    };
    incident(&state, &principal, &case_id, &headers, body.expected_version, command).await
}
);

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionOnly {
    #[serde(default)]
    pub expected_version: Option<i64>,
}

dispute_command!(
    "/api/v1/cases/{case_id}/cancel-late-order",
    "cancel_late_order",
    "Cancel a late order (buyer)",
    "When the extra period set with `delivery-deadline` passed without delivery, the buyer cancels the contract (C. conso L216-6): the merchant owes everything paid within 14 days (L216-7), increased by 10 to 50 % when late (L241-4). The case then awaits that refund. The buyer only.",
    VersionOnly,
    [("buyerToken" = [])];
/// `POST /api/v1/cases/{case_id}/cancel-late-order`.
pub async fn cancel_late_order(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<VersionOnly>,
) -> Result<Response, Problem> {
    incident(
        &state,
        &principal,
        &case_id,
        &headers,
        body.expected_version,
        IncidentCommand::CancelLateOrder,
    )
    .await
}
);

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CarrierClaimBody {
    pub carrier: Label,
    /// The carrier's claim reference.
    pub reference: Label,
    /// What is claimed from the carrier.
    pub amount: Money,
    /// When the reserves (the reasoned protest) were sent; their deadline is three days
    /// after receipt, public holidays not counted (C. com. L133-3).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub reserves_sent_on: Option<jiff::civil::Date>,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

dispute_command!(
    "/api/v1/cases/{case_id}/carrier-claim",
    "file_carrier_claim",
    "File a claim against the carrier",
    "The merchant's claim for a parcel lost or damaged in transit, tracked on its own: carrier, reference, amount, and the reserves' deadline (three days after receipt, holidays not counted, C. com. L133-3) computed from the delivery. Kept apart from what the buyer is owed: the buyer's remedy does not wait for the carrier. Staff only; never shown to the buyer.",
    CarrierClaimBody,
    [("apiKey" = []), ("session" = [])];
/// `POST /api/v1/cases/{case_id}/carrier-claim`.
pub async fn carrier_claim(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<CarrierClaimBody>,
) -> Result<Response, Problem> {
    let command = IncidentCommand::FileCarrierClaim {
        carrier: body.carrier,
        reference: body.reference,
        amount: body.amount,
        reserves_sent_on: body.reserves_sent_on,
    };
    incident(&state, &principal, &case_id, &headers, body.expected_version, command).await
}
);

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimOutcomeBody {
    pub outcome: ClaimOutcome,
    /// What the carrier paid back (required unless `refused`).
    #[serde(default)]
    pub recovered: Option<Money>,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

dispute_command!(
    "/api/v1/cases/{case_id}/carrier-claim/outcome",
    "record_claim_outcome",
    "Record the carrier's answer to a claim",
    "`accepted`, `partially_accepted` or `refused`, with what the carrier paid back: recorded in the order's ledger as `carrier_recovered`, the merchant's money, apart from the buyer's. Staff only.",
    ClaimOutcomeBody,
    [("apiKey" = []), ("session" = [])];
/// `POST /api/v1/cases/{case_id}/carrier-claim/outcome`.
pub async fn claim_outcome(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<ClaimOutcomeBody>,
) -> Result<Response, Problem> {
    let command = IncidentCommand::RecordClaimOutcome {
        outcome: body.outcome,
        recovered: body.recovered,
    };
    incident(&state, &principal, &case_id, &headers, body.expected_version, command).await
}
);

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReshipBody {
    /// Lines of the order the replacement carries, at most as many as ordered.
    pub lines: Vec<ShipmentLine>,
    pub carrier: Label,
    pub tracking_number: Label,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

dispute_command!(
    "/api/v1/cases/{case_id}/reshipments",
    "reship",
    "Send a replacement parcel",
    "A new shipment for lines of the order (`reship.line_not_in_order` otherwise). The incident is settled only when it is delivered (`reshipments/scan` with `delivered`); lost, the incident is open again for another remedy.",
    ReshipBody,
    [("apiKey" = []), ("session" = [])];
/// `POST /api/v1/cases/{case_id}/reshipments`.
pub async fn reship(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<ReshipBody>,
) -> Result<Response, Problem> {
    let command = IncidentCommand::Reship {
        lines: body.lines,
        carrier: body.carrier,
        tracking_number: body.tracking_number,
    };
    incident(&state, &principal, &case_id, &headers, body.expected_version, command).await
}
);

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReshipmentScanBody {
    /// `delivered` (settles the incident) or `lost` (opens it again).
    pub status: ReshipmentStatus,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

dispute_command!(
    "/api/v1/cases/{case_id}/reshipments/scan",
    "record_reshipment_scan",
    "Record the carrier's news of a replacement",
    "Delivered: the case is resolved with the replacement. Lost: it is open again, the merchant's move.",
    ReshipmentScanBody,
    [("apiKey" = []), ("session" = [])];
/// `POST /api/v1/cases/{case_id}/reshipments/scan`.
pub async fn reshipment_scan(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<ReshipmentScanBody>,
) -> Result<Response, Problem> {
    let command = IncidentCommand::RecordReshipmentScan {
        status: body.status,
    };
    incident(&state, &principal, &case_id, &headers, body.expected_version, command).await
}
);

// ---------------------------------------------------------------- mediation

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrivateMessageBody {
    /// `buyer` or `merchant`: the channel between that party and the mediator. A party
    /// writes in its own channel only.
    pub channel: Party,
    pub body: Body,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

dispute_command!(
    "/api/v1/cases/{case_id}/private-messages",
    "post_private_message",
    "Write in a private channel with the mediator",
    "Once the case is escalated to the marketplace, the mediator has a private channel with each party: mediator ↔ buyer and mediator ↔ merchant, never visible to the other party (nor to its webhooks). A party's message answers the mediator's open requests to it.",
    PrivateMessageBody,
    [("apiKey" = []), ("session" = []), ("buyerToken" = [])];
/// `POST /api/v1/cases/{case_id}/private-messages`.
pub async fn private_message(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<PrivateMessageBody>,
) -> Result<Response, Problem> {
    let command = MediationCommand::PostPrivateMessage {
        channel: body.channel,
        body: body.body,
    };
    mediation(&state, &principal, &case_id, &headers, body.expected_version, command).await
}
);

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InformationRequestBody {
    /// `buyer` or `merchant`.
    pub from: Party,
    /// What is asked (a proof of delivery, photos of the packaging…).
    pub request: Body,
    /// By when (RFC 3339; in the future, at most 30 days away).
    pub due_at: Timestamp,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

dispute_command!(
    "/api/v1/cases/{case_id}/information-requests",
    "request_information",
    "Ask a party for information or evidence",
    "The mediator asks the buyer or the merchant, in that party's private channel, by a deadline: the case becomes that party's move and the deadline its next one. Answered by the party's next message, private message or file. Operator staff and keys.",
    InformationRequestBody,
    [("apiKey" = []), ("session" = [])];
/// `POST /api/v1/cases/{case_id}/information-requests`.
pub async fn information_request(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<InformationRequestBody>,
) -> Result<Response, Problem> {
    let command = MediationCommand::RequestInformation {
        from: body.from,
        request: body.request,
        due_at: body.due_at,
    };
    mediation(&state, &principal, &case_id, &headers, body.expected_version, command).await
}
);

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealBody {
    /// Why the decision should be heard again.
    pub grounds: Body,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

dispute_command!(
    "/api/v1/cases/{case_id}/appeal",
    "appeal_decision",
    "Appeal the marketplace's decision",
    "The party the decision went against (either, for a split) appeals once, within the operator's window (10 days by default): `appeal.party_won`, `appeal.window_closed` and `appeal.already_lodged` otherwise. Another mediator than the decision's author hears it.",
    AppealBody,
    [("apiKey" = []), ("session" = []), ("buyerToken" = [])];
/// `POST /api/v1/cases/{case_id}/appeal`.
pub async fn appeal(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<AppealBody>,
) -> Result<Response, Problem> {
    let command = MediationCommand::Appeal {
        grounds: body.grounds,
    };
    mediation(&state, &principal, &case_id, &headers, body.expected_version, command).await
}
);

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealDecisionBody {
    /// `dismissed` (the decision stands) or `allowed` (replaced by `decision`).
    pub outcome: AppealOutcome,
    /// The appeal's grounds (at least 20 characters).
    pub grounds: Body,
    /// The new decision of an allowed appeal, carried out by the merchant. A merchant who
    /// wins on appeal no longer owes the marketplace what it paid.
    #[serde(default)]
    pub decision: Option<Decision>,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

dispute_command!(
    "/api/v1/cases/{case_id}/appeal/decision",
    "decide_appeal",
    "Hear an appeal",
    "Another mediator than the one who decided (`appeal.same_mediator`) dismisses the appeal or allows it with a new decision. Final inside the marketplace: the buyer is then offered the consumer mediator named in the marketplace's settings (C. conso L612-1). Operator staff and keys.",
    AppealDecisionBody,
    [("apiKey" = []), ("session" = [])];
/// `POST /api/v1/cases/{case_id}/appeal/decision`.
pub async fn decide_appeal(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<AppealDecisionBody>,
) -> Result<Response, Problem> {
    let command = MediationCommand::DecideAppeal {
        outcome: body.outcome,
        grounds: body.grounds,
        decision: body.decision,
    };
    mediation(&state, &principal, &case_id, &headers, body.expected_version, command).await
}
);

dispute_command!(
    "/api/v1/cases/{case_id}/consumer-mediation",
    "offer_consumer_mediation",
    "Offer the consumer mediator",
    "Names the marketplace's consumer mediator to the buyer once its decision is final (its appeal heard, or the window passed; a job does it by itself when the window closes). Refused before (`mediation.decision_not_final`) or without a mediator in the settings (`mediation.no_consumer_mediator`). Operator staff and keys.",
    VersionOnly,
    [("apiKey" = []), ("session" = [])];
/// `POST /api/v1/cases/{case_id}/consumer-mediation`.
pub async fn consumer_mediation(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<VersionOnly>,
) -> Result<Response, Problem> {
    mediation(
        &state,
        &principal,
        &case_id,
        &headers,
        body.expected_version,
        MediationCommand::OfferConsumerMediation,
    )
    .await
}
);

// ---------------------------------------------------------------- goodwill approvals

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GestureAnswerBody {
    /// Declines the gesture with this reason; absent, approves it.
    #[serde(default)]
    pub decline: Option<Label>,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/compensation/{approval_id}/answer",
    tag = "disputes",
    operation_id = "answer_gesture",
    summary = "Approve or decline a goodwill gesture",
    description = "A gesture above the shop's approval threshold, or beyond its monthly goodwill budget, asked by an agent with `request_approval`, waits for a merchant admin or the marketplace: approved, it is recorded in the ledger; declined, nothing moves.",
    security(("apiKey" = []), ("session" = [])),
    request_body = GestureAnswerBody,
    params(
        ("case_id" = CaseId, Path, description = "The case."),
        ("approval_id" = u32, Path, description = "The gesture waiting for approval (1, 2, 3… on the case)."),
        crate::openapi::IfMatch,
    ),
    responses(
        (status = 200, response = crate::openapi::CaseUpdated),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn answer_gesture(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path((case_id, approval_id)): Path<(String, String)>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<GestureAnswerBody>,
) -> Result<Response, Problem> {
    let case_id = parse_case_id(&case_id)?;
    let approval_id: u32 = approval_id
        .parse()
        .map_err(|_| Problem::not_found("approval"))?;
    let expected = expected_version_of(&headers, body.expected_version)?;
    let outcome = state
        .app()
        .answer_gesture(&principal, case_id, expected, approval_id, body.decline)
        .await?;
    answer(&state, &principal, outcome).await
}

// ---------------------------------------------------------------- the dossier

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DossierQuery {
    /// `fr` or `en` (the buyer's language when absent).
    pub lang: Option<String>,
}

/// `GET /api/v1/cases/{case_id}/dossier.pdf`.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{case_id}/dossier.pdf",
    tag = "disputes",
    operation_id = "download_dossier",
    summary = "Download the case's dossier (PDF)",
    description = "The case as a consumer mediator or a court reads it: the parties, the order, the timeline as the caller may see it (each party's private channel with the mediator stays out of the other's copy), the evidence with its SHA-256, the money moved, the decision and its grounds, the appeal, and whether the timeline's hash chain verifies.",
    security(("apiKey" = []), ("session" = []), ("buyerToken" = [])),
    params(("case_id" = CaseId, Path, description = "The case."), DossierQuery),
    responses(
        (status = 200, description = "The PDF.", content_type = "application/pdf"),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
)]
pub async fn download_dossier(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    Query(query): Query<DossierQuery>,
) -> Result<Response, Problem> {
    let case_id = parse_case_id(&case_id)?;
    dossier_response(&state, &principal, case_id, query.lang.as_deref()).await
}

/// The dossier as a PDF answer (the API's and the pages' download).
pub async fn dossier_response(
    state: &AppState,
    principal: &Principal,
    case_id: CaseId,
    lang: Option<&str>,
) -> Result<Response, Problem> {
    let pdf = state.app().dossier(principal, case_id, lang).await?;
    Ok(super::returns::pdf_answer(
        pdf.bytes,
        &pdf.filename,
        "attachment",
    ))
}
