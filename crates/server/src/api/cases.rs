//! Cases: open, list (the inbox), read with the timeline, and one endpoint
//! per decider command.

use super::allow;
use crate::AppState;
use crate::auth::Auth;
use crate::json::{JsonBody, OptionalJsonBody};
use crate::problem::Problem;
use amiable_domain::access::{Action, Principal};
use amiable_domain::case::{CaseKind, CaseState, CaseStatus, Command, Decision, Resolution, Stage};
use amiable_domain::case::{ConversationCommand, EscalationCommand, LifecycleCommand};
use amiable_domain::ids::{CaseId, MerchantId, OrderId};
use amiable_domain::reason::ReasonCode;
use amiable_domain::text::{Body, Label};
use amiable_domain::validation::{FieldError, ValidationErrors};
use amiable_store::{CaseCursor, CaseFilter, CaseSort, CaseSummary, CommandOutcome, StoredEvent};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// One timeline entry as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    pub seq: i64,
    #[serde(rename = "type")]
    pub event_type: String,
    pub schema_version: i64,
    pub actor: amiable_domain::case::Actor,
    pub recorded_at: Timestamp,
    /// The event's payload, byte for byte the canonical JSON (RFC 8785) that `hash` covers.
    #[schema(value_type = Object)]
    pub data: Box<serde_json::value::RawValue>,
    pub prev_hash: String,
    pub hash: String,
}

impl From<&StoredEvent> for TimelineEntry {
    fn from(event: &StoredEvent) -> Self {
        TimelineEntry {
            seq: event.seq,
            event_type: event.event_type.clone(),
            schema_version: event.schema_version,
            actor: event.actor.clone(),
            recorded_at: event.recorded_at,
            // The stored text is canonical JSON; if it ever were not, fall back to re-encoding.
            data: serde_json::value::RawValue::from_string(event.payload_text.clone())
                .or_else(|_| serde_json::value::to_raw_value(&event.event.payload()))
                .unwrap_or_else(|_| {
                    serde_json::value::RawValue::from_string("{}".to_owned()).expect("valid JSON")
                }),
            prev_hash: event.prev_hash.clone(),
            hash: event.hash.clone(),
        }
    }
}

/// The answer to a command: the case's new version, the events it appended, the state.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CommandResult {
    pub case_id: CaseId,
    pub version: i64,
    pub events: Vec<TimelineEntry>,
    pub case: CaseState,
}

fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).expect("digits are a valid header")
}

pub fn command_response(status: StatusCode, outcome: &CommandOutcome) -> Response {
    let body = CommandResult {
        case_id: outcome.case_id,
        version: outcome.version,
        events: outcome.events.iter().map(TimelineEntry::from).collect(),
        case: outcome.state.clone(),
    };
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::ETAG, etag(outcome.version));
    response
}

pub(crate) fn parse_case_id(raw: &str) -> Result<CaseId, Problem> {
    CaseId::parse(raw).map_err(|_| Problem::not_found("case"))
}

/// The version the client expects: `If-Match: "7"` or the body's `expected_version`.
pub fn expected_version_of(
    headers: &HeaderMap,
    field: Option<i64>,
) -> Result<Option<i64>, Problem> {
    let header = match headers.get(header::IF_MATCH) {
        None => None,
        Some(value) => {
            let text = value.to_str().unwrap_or("").trim();
            let text = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
            Some(text.parse::<i64>().map_err(|_| {
                Problem::new(
                    StatusCode::BAD_REQUEST,
                    "case.version_invalid",
                    "If-Match must be the case version, e.g. \"7\"",
                )
            })?)
        }
    };
    let version = match (header, field) {
        (Some(h), Some(f)) if h != f => {
            return Err(Problem::field(
                "expected_version",
                "case.version_invalid",
                "expected_version and If-Match disagree",
            ));
        }
        (Some(v), _) | (None, Some(v)) => Some(v),
        (None, None) => None,
    };
    if let Some(v) = version
        && v < 1
    {
        return Err(Problem::field(
            "expected_version",
            "case.version_invalid",
            "must be at least 1",
        ));
    }
    Ok(version)
}

/// Runs one command on an existing case for the caller and answers with the caller's view.
async fn run(
    state: &AppState,
    principal: &Principal,
    case_id: CaseId,
    action: Action,
    expected: Option<i64>,
    command: Command,
) -> Result<Response, Problem> {
    let app = state.app();
    let outcome = app
        .execute_for(principal, case_id, action, expected, command)
        .await?;
    let outcome = app.for_principal(principal, outcome).await?;
    Ok(command_response(StatusCode::OK, &outcome))
}

/// `POST /api/v1/cases`: open a case on an order.
#[utoipa::path(
    post,
    path = "/api/v1/cases",
    tag = "cases",
    operation_id = "open_case",
    summary = "Open a case",
    description = "Opens a case on an order: its kind, reason, the items concerned, the amount claimed and a first message. It starts in `negotiation` unless `stage` says otherwise. With an `Idempotency-Key`, the case's id derives from the key, so a retry never opens a second case.",
    security(("apiKey" = []), ("session" = []), ("buyerToken" = [])),
    request_body = amiable_app::cases::OpenCase,
    responses(
        (status = 201, description = "Opened: the events appended and the case's state.", body = CommandResult, headers(("ETag" = String, description = "The case's version, `\"1\"`."), ("Location" = String, description = "`/api/v1/cases/{case_id}`."))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, response = crate::openapi::Conflict),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn open(
    State(state): State<AppState>,
    Auth(principal): Auth,
    headers: HeaderMap,
    JsonBody(body): JsonBody<amiable_app::cases::OpenCase>,
) -> Result<Response, Problem> {
    let key = crate::idempotency::key_of(&headers);
    let app = state.app();
    let (outcome, _) = app.open_case(&principal, body, key).await?;
    let case_id = outcome.case_id;
    let outcome = app.for_principal(&principal, outcome).await?;
    let mut response = command_response(StatusCode::CREATED, &outcome);
    response.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(&format!("/api/v1/cases/{case_id}")).expect("ascii"),
    );
    Ok(response)
}

/// The case with its timeline as the caller may see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    pub case: CaseState,
    pub order_external_id: String,
    pub buyer_email: String,
    pub last_hash: String,
    /// When the party whose move it is should act.
    pub next_deadline_at: Option<Timestamp>,
    pub timeline: Vec<TimelineEntry>,
    /// Whether internal entries were left out (buyers never see them).
    pub internal_hidden: bool,
}

/// `GET /api/v1/cases/{case_id}`.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{case_id}",
    tag = "cases",
    operation_id = "get_case",
    summary = "Get a case",
    description = "The case's state and its timeline as the caller may see it: buyers never see internal notes and internal attachments. The `ETag` is the case's version, for `If-Match` on the next command.",
    security(("apiKey" = []), ("session" = []), ("buyerToken" = [])),
    params(
        ("case_id" = CaseId, Path, description = "The case."),
    ),
    responses(
        (status = 200, description = "The case.", body = CaseView, headers(("ETag" = String, description = "The case's version, `\"<version>\"`."))),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
)]
pub async fn get(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
) -> Result<Response, Problem> {
    let case_id = parse_case_id(&case_id)?;
    let read = state.app().read_case(&principal, case_id).await?;
    let case = read.record.state;
    let version = case.version;
    let view = CaseView {
        next_deadline_at: amiable_domain::case::next_deadline(
            &case,
            &amiable_domain::case::ResponseTimes::default(),
        ),
        case,
        order_external_id: read.record.order_external_id,
        buyer_email: read.record.buyer_email,
        last_hash: read.record.last_hash,
        timeline: read.timeline.iter().map(TimelineEntry::from).collect(),
        internal_hidden: read.internal_hidden,
    };
    let mut response = Json(view).into_response();
    response.headers_mut().insert(header::ETAG, etag(version));
    Ok(response)
}

/// A page of the inbox.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CasePage {
    pub items: Vec<CaseSummary>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

pub fn encode_cursor(sort: CaseSort, cursor: CaseCursor) -> String {
    let sort = match sort {
        CaseSort::LastActivity => "a",
        CaseSort::Deadline => "d",
        CaseSort::SlaDue => "s",
    };
    URL_SAFE_NO_PAD.encode(format!("{sort}:{}:{}", cursor.key, cursor.case_id))
}

pub fn decode_cursor(sort: CaseSort, raw: &str) -> Option<CaseCursor> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).ok()?).ok()?;
    let mut parts = text.splitn(3, ':');
    let expected = match sort {
        CaseSort::LastActivity => "a",
        CaseSort::Deadline => "d",
        CaseSort::SlaDue => "s",
    };
    if parts.next()? != expected {
        return None;
    }
    let key = parts.next()?.parse().ok()?;
    let case_id = CaseId::parse(parts.next()?).ok()?;
    Some(CaseCursor { key, case_id })
}

/// Splits a query string into decoded pairs.
pub fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    fn decode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match (
                bytes[i],
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) {
                (b'+', _, _) => out.push(b' '),
                (b'%', Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 2;
                }
                (b, _, _) => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// `GET /api/v1/cases`: the inbox. Filters: `merchant_id`, `order_id`, `kind`,
/// `status`, `stage`, `reason`, `deadline_before`, `q`; `sort` = `last_activity`
/// (default) or `deadline`; `cursor`; `limit` (1–200, default 50).
#[utoipa::path(
    get,
    path = "/api/v1/cases",
    tag = "cases",
    operation_id = "list_cases",
    summary = "List cases (the inbox)",
    description = "The cases in the caller's reach (a buyer's are those of their order), most recent activity first, or nearest deadline first with `sort=deadline`. Unknown query parameters are refused.",
    security(("apiKey" = []), ("session" = []), ("buyerToken" = [])),
    params(
        ("merchant_id" = Option<MerchantId>, Query, description = "Only this merchant's cases."),
        ("order_id" = Option<OrderId>, Query, description = "Only this order's cases."),
        ("kind" = Option<CaseKind>, Query, description = "Only cases of this kind."),
        ("status" = Option<CaseStatus>, Query, description = "Only cases in this status."),
        ("stage" = Option<Stage>, Query, description = "Only cases at this stage."),
        ("reason" = Option<ReasonCode>, Query, description = "Only cases with this reason or one of its sub-reasons (`damaged_in_transit` matches `damaged_in_transit.packaging`)."),
        ("deadline_before" = Option<Timestamp>, Query, description = "Only cases whose next deadline is before this instant (RFC 3339, e.g. `2026-11-22T12:00:00Z`)."),
        ("q" = Option<String>, Query, description = "Search: each word (up to 6) begins one of what identifies the case — its number (full or the 8 characters printed on the pages), the order number or any part of it (`005143`, `mdc-2026-005143`), the buyer's email or name, the return's RMA number. In any case and without accents (`helene` finds « Hélène »). 1 to 320 characters."),
        ("assignee" = Option<String>, Query, description = "Whose cases: `me` (the caller's, a staff member), `none` (nobody in particular: unassigned, a team's queue included), `my_teams` (those of the teams the caller belongs to), `team:<team_id>` (one team's)."),
        ("sort" = Option<String>, Query, description = "`last_activity` (default, most recent first) or `deadline` (nearest first)."),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page, with the same `sort`."),
        ("limit" = Option<i64>, Query, description = "Page size, 1 to 200 (default 50).", minimum = 1, maximum = 200),
    ),
    responses(
        (status = 200, description = "A page of cases.", body = CasePage),
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
    super::allow_role(&principal, Action::ListCases)?;
    let mut filter = CaseFilter {
        operator_id: Some(principal.operator_id()),
        limit: 50,
        ..Default::default()
    };
    let mut cursor = None;
    let mut assignee = None;
    let mut errors = ValidationErrors::default();
    for (key, value) in query_pairs(query.as_deref()) {
        let key = key.as_str();
        let invalid = |code: &'static str, message: &str| FieldError::new(key, code, message);
        match key {
            "merchant_id" => {
                filter.merchant_id = errors.check(MerchantId::parse(&value).map_err(|e| e.at(key)))
            }
            "order_id" => {
                filter.order_id = errors.check(OrderId::parse(&value).map_err(|e| e.at(key)))
            }
            "kind" => {
                filter.kind = errors.check(
                    CaseKind::parse(&value)
                        .ok_or_else(|| invalid("field.unknown_value", "unknown kind")),
                )
            }
            "status" => {
                filter.status = errors.check(
                    CaseStatus::parse(&value)
                        .ok_or_else(|| invalid("field.unknown_value", "unknown status")),
                )
            }
            "stage" => {
                filter.stage = errors.check(
                    Stage::parse(&value)
                        .ok_or_else(|| invalid("field.unknown_value", "unknown stage")),
                )
            }
            "reason" => {
                filter.reason = errors.check(
                    ReasonCode::parse(&value)
                        .map(|r| r.as_str().to_owned())
                        .map_err(|e| e.at(key)),
                )
            }
            "deadline_before" => {
                filter.deadline_before = errors.check(value.parse::<Timestamp>().map_err(|_| {
                    invalid(
                        "field.invalid",
                        "must be an RFC 3339 instant, e.g. 2026-11-22T12:00:00Z",
                    )
                }))
            }
            "q" => {
                let q = value.trim();
                if q.is_empty() || q.len() > 320 {
                    errors.push(invalid("field.invalid", "must be 1 to 320 characters"));
                } else {
                    filter.search = Some(q.to_owned());
                }
            }
            "sort" => match value.as_str() {
                "last_activity" => filter.sort = CaseSort::LastActivity,
                "deadline" => filter.sort = CaseSort::Deadline,
                _ => errors.push(invalid(
                    "field.unknown_value",
                    "must be last_activity or deadline",
                )),
            },
            "cursor" => cursor = Some(value.clone()),
            "assignee" => assignee = Some(value.clone()),
            "limit" => match value.parse::<i64>() {
                Ok(limit) if (1..=200).contains(&limit) => filter.limit = limit,
                _ => errors.push(invalid("field.invalid", "must be an integer from 1 to 200")),
            },
            _ => errors.push(invalid("field.unknown", "unknown query parameter")),
        }
    }
    if let Some(raw) = assignee {
        use amiable_store::AssigneeFilter;
        let invalid = |message: &str| FieldError::new("assignee", "field.unknown_value", message);
        match (raw.as_str(), &principal) {
            ("me", Principal::Staff { user_id, .. }) => {
                filter.assignee = Some(AssigneeFilter::Mine(user_id.clone()))
            }
            ("me", _) => errors.push(invalid("an API key has no cases of its own")),
            ("none", _) => filter.assignee = Some(AssigneeFilter::Unassigned),
            ("my_teams", _) => {
                filter.assignee = Some(AssigneeFilter::Teams(
                    state.app().my_teams(&principal).await?,
                ))
            }
            (other, _) => match other.strip_prefix("team:") {
                Some(team) if !team.is_empty() && team.len() <= 64 => {
                    filter.assignee = Some(AssigneeFilter::Teams(vec![team.to_owned()]))
                }
                _ => errors.push(invalid("must be me, none, my_teams or team:<team_id>")),
            },
        }
    }
    if let Some(raw) = cursor {
        match decode_cursor(filter.sort, &raw) {
            Some(c) => filter.after = Some(c),
            None => errors.push(FieldError::new(
                "cursor",
                "cursor.invalid",
                "not a cursor of this list (was the sort changed?)",
            )),
        }
    }
    if !errors.is_empty() {
        return Err(Problem::bad_query(errors));
    }
    // Narrow the query to what the caller reaches, and check any narrower filter is in reach.
    let resource =
        super::list_scope(&state, &principal, filter.merchant_id, filter.order_id).await?;
    filter.merchant_id = resource.merchant_id;
    filter.order_id = resource.order_id;
    allow(&principal, Action::ListCases, &resource, "case")?;
    let items = state.store().cases(&filter).await?;
    let next_cursor = if items.len() as i64 == filter.limit {
        items
            .last()
            .and_then(|last| last.cursor(filter.sort))
            .map(|c| encode_cursor(filter.sort, c))
    } else {
        None
    };
    Ok(Json(CasePage { items, next_cursor }).into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageBody {
    pub body: Body,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

/// `POST /api/v1/cases/{case_id}/messages`: a public message.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/messages",
    tag = "cases",
    operation_id = "post_message",
    summary = "Post a message",
    description = "A public message, seen by every party.",
    security(("apiKey" = []), ("session" = []), ("buyerToken" = [])),
    request_body = MessageBody,
    params(
        ("case_id" = CaseId, Path, description = "The case."),
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
pub async fn post_message(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<MessageBody>,
) -> Result<Response, Problem> {
    let case_id = parse_case_id(&case_id)?;
    let expected = expected_version_of(&headers, body.expected_version)?;
    let command = Command::Conversation(ConversationCommand::PostMessage { body: body.body });
    run(
        &state,
        &principal,
        case_id,
        Action::PostMessage,
        expected,
        command,
    )
    .await
}

/// `POST /api/v1/cases/{case_id}/notes`: an internal note (staff only).
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/notes",
    tag = "cases",
    operation_id = "add_note",
    summary = "Add an internal note",
    description = "A note for staff only: buyers never see it.",
    security(("apiKey" = []), ("session" = [])),
    request_body = MessageBody,
    params(
        ("case_id" = CaseId, Path, description = "The case."),
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
pub async fn add_note(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<MessageBody>,
) -> Result<Response, Problem> {
    let case_id = parse_case_id(&case_id)?;
    let expected = expected_version_of(&headers, body.expected_version)?;
    let command = Command::Conversation(ConversationCommand::AddNote { body: body.body });
    run(
        &state,
        &principal,
        case_id,
        Action::AddNote,
        expected,
        command,
    )
    .await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferBody {
    pub terms: Resolution,
    #[serde(default)]
    pub message: Option<Body>,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

/// `POST /api/v1/cases/{case_id}/offers`: propose terms to the other party.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/offers",
    tag = "cases",
    operation_id = "propose_offer",
    summary = "Propose an offer",
    description = "Terms proposed to the other party, who may accept or decline them. A new offer supersedes a pending one.",
    security(("apiKey" = []), ("session" = []), ("buyerToken" = [])),
    request_body = OfferBody,
    params(
        ("case_id" = CaseId, Path, description = "The case."),
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
pub async fn propose_offer(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<OfferBody>,
) -> Result<Response, Problem> {
    let case_id = parse_case_id(&case_id)?;
    let expected = expected_version_of(&headers, body.expected_version)?;
    let command = Command::Escalation(EscalationCommand::ProposeOffer {
        terms: body.terms,
        message: body.message,
    });
    run(
        &state,
        &principal,
        case_id,
        Action::ProposeOffer,
        expected,
        command,
    )
    .await
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionBody {
    #[serde(default)]
    pub expected_version: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineBody {
    #[serde(default)]
    pub reason: Option<Label>,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

fn parse_offer_id(raw: &str) -> Result<u32, Problem> {
    raw.parse().map_err(|_| Problem::not_found("offer"))
}

/// `POST /api/v1/cases/{case_id}/offers/{offer_id}/accept`.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/offers/{offer_id}/accept",
    tag = "cases",
    operation_id = "accept_offer",
    summary = "Accept an offer",
    description = "Accepts a pending offer made to the caller's party: the case is resolved on its terms. The body may be left out.",
    security(("apiKey" = []), ("session" = []), ("buyerToken" = [])),
    request_body = Option<VersionBody>,
    params(
        ("case_id" = CaseId, Path, description = "The case."),
        ("offer_id" = u32, Path, description = "The offer's number in the case (`offers[].offer_id`)."),
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
pub async fn accept_offer(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path((case_id, offer_id)): Path<(String, String)>,
    headers: HeaderMap,
    OptionalJsonBody(body): OptionalJsonBody<VersionBody>,
) -> Result<Response, Problem> {
    let case_id = parse_case_id(&case_id)?;
    let offer_id = parse_offer_id(&offer_id)?;
    let body = body.unwrap_or_default();
    let expected = expected_version_of(&headers, body.expected_version)?;
    let command = Command::Escalation(EscalationCommand::AcceptOffer { offer_id });
    run(
        &state,
        &principal,
        case_id,
        Action::AnswerOffer,
        expected,
        command,
    )
    .await
}

/// `POST /api/v1/cases/{case_id}/offers/{offer_id}/decline`.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/offers/{offer_id}/decline",
    tag = "cases",
    operation_id = "decline_offer",
    summary = "Decline an offer",
    description = "Declines a pending offer made to the caller's party, optionally saying why.",
    security(("apiKey" = []), ("session" = []), ("buyerToken" = [])),
    request_body = DeclineBody,
    params(
        ("case_id" = CaseId, Path, description = "The case."),
        ("offer_id" = u32, Path, description = "The offer's number in the case (`offers[].offer_id`)."),
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
pub async fn decline_offer(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path((case_id, offer_id)): Path<(String, String)>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<DeclineBody>,
) -> Result<Response, Problem> {
    let case_id = parse_case_id(&case_id)?;
    let offer_id = parse_offer_id(&offer_id)?;
    let expected = expected_version_of(&headers, body.expected_version)?;
    let command = Command::Escalation(EscalationCommand::DeclineOffer {
        offer_id,
        reason: body.reason,
    });
    run(
        &state,
        &principal,
        case_id,
        Action::AnswerOffer,
        expected,
        command,
    )
    .await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalateBody {
    #[serde(default)]
    pub to: Option<Stage>,
    pub reason: Label,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

/// `POST /api/v1/cases/{case_id}/escalate`: up one stage, or to `to`.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/escalate",
    tag = "cases",
    operation_id = "escalate_case",
    summary = "Escalate",
    description = "Moves the case up one stage (`negotiation` → `mediation` → `arbitration` → `external`), or straight to `to`.",
    security(("apiKey" = []), ("session" = []), ("buyerToken" = [])),
    request_body = EscalateBody,
    params(
        ("case_id" = CaseId, Path, description = "The case."),
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
pub async fn escalate(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<EscalateBody>,
) -> Result<Response, Problem> {
    let case_id = parse_case_id(&case_id)?;
    let expected = expected_version_of(&headers, body.expected_version)?;
    let command = Command::Escalation(EscalationCommand::Escalate {
        to: body.to,
        reason: body.reason,
    });
    run(
        &state,
        &principal,
        case_id,
        Action::Escalate,
        expected,
        command,
    )
    .await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    pub decision: Decision,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

/// `POST /api/v1/cases/{case_id}/decision`: a binding decision (operator only).
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/decision",
    tag = "cases",
    operation_id = "record_decision",
    summary = "Record a binding decision",
    description = "The operator's decision in arbitration, or a provider's, with its written grounds (`rationale`, at least 20 characters) and the clauses or articles it applies (`cites`). By default the merchant carries it out (the case waits for its payment, 14 days). With `paid_by: marketplace` the marketplace pays the buyer at once — a refund through the payment gateway, up to what remains refundable — and with `recover_from_merchant` the ledger records what the merchant owes the marketplace; a payout above the refundable balance is refused (`decision.payout_exceeds_refundable`) unless it is recovered. Either party that lost may appeal within the operator's window (10 days by default). Operator staff (mediators included) and operator keys only.",
    security(("apiKey" = []), ("session" = [])),
    request_body = DecisionBody,
    params(
        ("case_id" = CaseId, Path, description = "The case."),
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
pub async fn record_decision(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<DecisionBody>,
) -> Result<Response, Problem> {
    let case_id = parse_case_id(&case_id)?;
    let expected = expected_version_of(&headers, body.expected_version)?;
    let app = state.app();
    let outcome = app
        .record_decision(&principal, case_id, expected, body.decision)
        .await?;
    let outcome = app.for_principal(&principal, outcome).await?;
    Ok(command_response(StatusCode::OK, &outcome))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    pub resolution: Resolution,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

/// `POST /api/v1/cases/{case_id}/resolve`.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/resolve",
    tag = "cases",
    operation_id = "resolve_case",
    summary = "Resolve",
    description = "Ends the case on the given terms. A buyer may only withdraw (`withdrawn`).",
    security(("apiKey" = []), ("session" = []), ("buyerToken" = [])),
    request_body = ResolveBody,
    params(
        ("case_id" = CaseId, Path, description = "The case."),
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
pub async fn resolve(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<ResolveBody>,
) -> Result<Response, Problem> {
    let case_id = parse_case_id(&case_id)?;
    let expected = expected_version_of(&headers, body.expected_version)?;
    let command = Command::Lifecycle(LifecycleCommand::Resolve {
        resolution: body.resolution,
    });
    run(
        &state,
        &principal,
        case_id,
        Action::Resolve,
        expected,
        command,
    )
    .await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: Label,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

/// `POST /api/v1/cases/{case_id}/reopen`.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/reopen",
    tag = "cases",
    operation_id = "reopen_case",
    summary = "Reopen",
    description = "Reopens a resolved case, saying why; a standing decision is set aside.",
    security(("apiKey" = []), ("session" = []), ("buyerToken" = [])),
    request_body = ReasonBody,
    params(
        ("case_id" = CaseId, Path, description = "The case."),
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
pub async fn reopen(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<ReasonBody>,
) -> Result<Response, Problem> {
    let case_id = parse_case_id(&case_id)?;
    let expected = expected_version_of(&headers, body.expected_version)?;
    let command = Command::Lifecycle(LifecycleCommand::Reopen {
        reason: body.reason,
    });
    run(
        &state,
        &principal,
        case_id,
        Action::Reopen,
        expected,
        command,
    )
    .await
}

/// `POST /api/v1/cases/{case_id}/close`.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/close",
    tag = "cases",
    operation_id = "close_case",
    summary = "Close",
    description = "Closes a resolved case for good. The body may be left out.",
    security(("apiKey" = []), ("session" = [])),
    request_body = Option<VersionBody>,
    params(
        ("case_id" = CaseId, Path, description = "The case."),
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
pub async fn close(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    OptionalJsonBody(body): OptionalJsonBody<VersionBody>,
) -> Result<Response, Problem> {
    let case_id = parse_case_id(&case_id)?;
    let body = body.unwrap_or_default();
    let expected = expected_version_of(&headers, body.expected_version)?;
    run(
        &state,
        &principal,
        case_id,
        Action::Close,
        expected,
        Command::Lifecycle(LifecycleCommand::Close),
    )
    .await
}

/// `POST /api/v1/cases/{case_id}/cancel`.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/cancel",
    tag = "cases",
    operation_id = "cancel_case",
    summary = "Cancel",
    description = "Cancels an open case, saying why.",
    security(("apiKey" = []), ("session" = []), ("buyerToken" = [])),
    request_body = ReasonBody,
    params(
        ("case_id" = CaseId, Path, description = "The case."),
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
pub async fn cancel(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<ReasonBody>,
) -> Result<Response, Problem> {
    let case_id = parse_case_id(&case_id)?;
    let expected = expected_version_of(&headers, body.expected_version)?;
    let command = Command::Lifecycle(LifecycleCommand::Cancel {
        reason: body.reason,
    });
    run(
        &state,
        &principal,
        case_id,
        Action::Cancel,
        expected,
        command,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_are_bound_to_their_sort() {
        let cursor = CaseCursor {
            key: 1_790_000_000_000_000,
            case_id: CaseId::from_bytes([5; 16]),
        };
        let text = encode_cursor(CaseSort::Deadline, cursor);
        assert_eq!(decode_cursor(CaseSort::Deadline, &text), Some(cursor));
        assert_eq!(decode_cursor(CaseSort::LastActivity, &text), None);
        assert_eq!(decode_cursor(CaseSort::Deadline, "garbage!"), None);
    }

    #[test]
    fn query_pairs_decode_percent_and_plus() {
        assert_eq!(
            query_pairs(Some("q=jean%2Bdupont%40exemple.fr&x=a+b&bad=%zz&end=%4")),
            vec![
                ("q".into(), "jean+dupont@exemple.fr".into()),
                ("x".into(), "a b".into()),
                ("bad".into(), "%zz".into()),
                ("end".into(), "%4".into()),
            ]
        );
    }
}
