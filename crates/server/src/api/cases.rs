use crate::AppState;
use crate::json::JsonBody;
use crate::problem::Problem;
use amiable_domain::case::{Actor, CaseItem, CaseKind, CaseStatus, Command, Stage};
use amiable_domain::ids::{CaseId, MerchantId, OperatorId, OrderId};
use amiable_domain::money::Money;
use amiable_domain::reason::ReasonCode;
use amiable_domain::text::Body;
use amiable_domain::validation::FieldError;
use amiable_store::{CaseFilter, CommandOutcome, CommandRequest, StoredEvent};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

fn buyer() -> Actor {
    Actor::Buyer
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenCase {
    pub order_id: OrderId,
    pub kind: CaseKind,
    pub reason: ReasonCode,
    #[serde(default)]
    pub items: Vec<CaseItem>,
    #[serde(default)]
    pub claimed: Option<Money>,
    pub description: Body,
    #[serde(default)]
    pub stage: Option<Stage>,
    #[serde(default = "buyer")]
    pub actor: Actor,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseCommand {
    /// The version of the case the client saw; a stale one is a 409.
    pub expected_version: i64,
    pub actor: Actor,
    pub command: Command,
}

/// One timeline entry as the API shows it.
#[derive(Debug, Serialize)]
pub struct TimelineEntry {
    pub seq: i64,
    #[serde(rename = "type")]
    pub event_type: String,
    pub schema_version: i64,
    pub actor: Actor,
    pub recorded_at: Timestamp,
    pub data: Value,
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
            data: event.event.payload(),
            prev_hash: event.prev_hash.clone(),
            hash: event.hash.clone(),
        }
    }
}

fn outcome_body(outcome: &CommandOutcome) -> Value {
    json!({
        "case_id": outcome.case_id,
        "version": outcome.version,
        "events": outcome.events.iter().map(TimelineEntry::from).collect::<Vec<_>>(),
        "case": outcome.state,
    })
}

/// `POST /api/v1/cases`: open a case on an order.
pub async fn open(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<OpenCase>,
) -> Result<Response, Problem> {
    let case_id = CaseId::from_bytes(state.random_id());
    let command = Command::Open {
        kind: body.kind,
        reason: body.reason,
        items: body.items,
        claimed: body.claimed,
        description: body.description,
        stage: body.stage,
    };
    let request = CommandRequest {
        case_id,
        expected_version: Some(0),
        command,
        actor: body.actor,
        order_id: Some(body.order_id),
        at: None,
    };
    let outcome = state.store.execute(request).await?;
    let location = format!("/api/v1/cases/{case_id}");
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(outcome_body(&outcome)),
    )
        .into_response())
}

/// `POST /api/v1/cases/{case_id}/commands`: apply one decider command.
pub async fn command(
    State(state): State<AppState>,
    Path(case_id): Path<String>,
    JsonBody(body): JsonBody<CaseCommand>,
) -> Result<Response, Problem> {
    let case_id = CaseId::parse(&case_id).map_err(|_| Problem::not_found("case"))?;
    if matches!(body.command, Command::Open { .. }) {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "case.open_via_cases",
            "open a case with POST /api/v1/cases",
        )
        .with_fields([FieldError::new(
            "command",
            "case.open_via_cases",
            "open is not a command on an existing case",
        )]));
    }
    if body.expected_version < 1 {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "case.version_invalid",
            "expected_version starts at 1",
        )
        .with_fields([FieldError::new(
            "expected_version",
            "case.version_invalid",
            "must be at least 1",
        )]));
    }
    let request = CommandRequest {
        case_id,
        expected_version: Some(body.expected_version),
        command: body.command,
        actor: body.actor,
        order_id: None,
        at: None,
    };
    let outcome = state.store.execute(request).await?;
    Ok(Json(outcome_body(&outcome)).into_response())
}

/// `GET /api/v1/cases/{case_id}`: the case and its whole timeline.
pub async fn get(
    State(state): State<AppState>,
    Path(case_id): Path<String>,
) -> Result<Response, Problem> {
    let case_id = CaseId::parse(&case_id).map_err(|_| Problem::not_found("case"))?;
    let record = state
        .store
        .case(case_id)
        .await?
        .ok_or_else(|| Problem::not_found("case"))?;
    let timeline = state.store.timeline(case_id).await?;
    Ok(Json(json!({
        "case": record.state,
        "order_external_id": record.order_external_id,
        "buyer_email": record.buyer_email,
        "last_hash": record.last_hash,
        "timeline": timeline.iter().map(TimelineEntry::from).collect::<Vec<_>>(),
    }))
    .into_response())
}

/// `GET /api/v1/cases?merchant_id=&operator_id=&kind=&status=&stage=&limit=`: most recently active first.
pub async fn list(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, Problem> {
    let mut filter = CaseFilter {
        limit: 50,
        ..Default::default()
    };
    let mut errors = amiable_domain::validation::ValidationErrors::default();
    for pair in query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let invalid = |code: &'static str, message: &str| FieldError::new(key, code, message);
        match key {
            "merchant_id" => {
                filter.merchant_id = errors.check(MerchantId::parse(value).map_err(|e| e.at(key)))
            }
            "operator_id" => {
                filter.operator_id = errors.check(OperatorId::parse(value).map_err(|e| e.at(key)))
            }
            "kind" => {
                filter.kind = errors.check(
                    CaseKind::parse(value)
                        .ok_or_else(|| invalid("field.unknown_value", "unknown kind")),
                )
            }
            "status" => {
                filter.status = errors.check(
                    CaseStatus::parse(value)
                        .ok_or_else(|| invalid("field.unknown_value", "unknown status")),
                )
            }
            "stage" => {
                filter.stage = errors.check(
                    Stage::parse(value)
                        .ok_or_else(|| invalid("field.unknown_value", "unknown stage")),
                )
            }
            "limit" => match value.parse::<i64>() {
                Ok(limit) if (1..=1000).contains(&limit) => filter.limit = limit,
                _ => errors.push(invalid(
                    "field.invalid",
                    "must be an integer from 1 to 1000",
                )),
            },
            _ => errors.push(invalid("field.unknown", "unknown query parameter")),
        }
    }
    if !errors.is_empty() {
        let mut problem = Problem::validation(errors);
        problem.status = 400;
        problem.title = "Bad Request".into();
        problem.code = "query.invalid".into();
        problem.kind = "urn:amiable:problem:query.invalid".into();
        return Err(problem);
    }
    let items = state.store.cases(&filter).await?;
    Ok(Json(json!({ "items": items })).into_response())
}
