//! The helpdesk: assigning cases, teams, macros (canned replies with variables),
//! who else has a case open, and actions on many cases at once.

use super::cases::{command_response, expected_version_of, parse_case_id, query_pairs};
use crate::AppState;
use crate::auth::Auth;
use crate::json::JsonBody;
use crate::problem::{Problem, current_lang};
use amiable_app::helpdesk::bulk::BulkAction;
use amiable_app::helpdesk::macros::{MacroInput, MacroView, Rendered};
use amiable_app::helpdesk::presence::Present;
use amiable_app::helpdesk::{AssignTarget, TeamInput, TeamView};
use amiable_domain::ids::{CaseId, MerchantId};
use amiable_domain::validation::{FieldError, ValidationErrors};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

// ------------------------------------------------------------- assignment

/// Who takes the case.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssignTo {
    /// The caller (a staff member).
    Me,
    /// The person `user_id` (with `team_id`, as one of the team's members).
    User,
    /// The next member of `team_id` in turn (round-robin).
    Team,
    /// The queue of `team_id`: the team's, nobody in particular.
    Queue,
    /// Nobody (unassigned).
    Nobody,
}

/// Where a case goes.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    pub to: AssignTo,
    /// With `to: user`: a staff user of the case's shop (or, for the marketplace's
    /// staff, of the marketplace).
    #[serde(default)]
    pub user_id: Option<String>,
    /// With `to: team` or `queue` (required), or `user` (optional).
    #[serde(default)]
    pub team_id: Option<String>,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

fn missing(field: &str) -> Problem {
    Problem::field(field, "field.missing", "this field is required here")
}

fn unexpected(field: &str) -> Problem {
    Problem::field(
        field,
        "field.unknown",
        "this field does not go with this `to`",
    )
}

impl AssignBody {
    fn target(&self) -> Result<AssignTarget, Problem> {
        let (user, team) = (self.user_id.clone(), self.team_id.clone());
        Ok(match self.to {
            AssignTo::Me | AssignTo::Nobody => {
                if user.is_some() {
                    return Err(unexpected("user_id"));
                }
                if team.is_some() {
                    return Err(unexpected("team_id"));
                }
                match self.to {
                    AssignTo::Me => AssignTarget::Me,
                    _ => AssignTarget::Nobody,
                }
            }
            AssignTo::User => AssignTarget::User {
                user_id: user.ok_or_else(|| missing("user_id"))?,
                team_id: team,
            },
            AssignTo::Team | AssignTo::Queue => {
                if user.is_some() {
                    return Err(unexpected("user_id"));
                }
                let team_id = team.ok_or_else(|| missing("team_id"))?;
                match self.to {
                    AssignTo::Team => AssignTarget::Team { team_id },
                    _ => AssignTarget::Queue { team_id },
                }
            }
        })
    }
}

/// `POST /api/v1/cases/{case_id}/assignment`.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case_id}/assignment",
    tag = "helpdesk",
    operation_id = "assign_case",
    summary = "Assign a case",
    description = "Gives the case to the caller (`me`), to a person (`user`, optionally as a member of `team_id`), to a team's next member in turn (`team`: round-robin), to a team's queue (`queue`), or to nobody (`nobody`). Recorded as `case_assigned` on the timeline; assigning it where it already is answers 422 `helpdesk.already_assigned`. Unknown people and teams: 422 `assignment.user_unknown`, `assignment.team_unknown`; an empty team: `assignment.team_empty`; `me` with an API key: `assignment.not_a_person`.",
    security(("apiKey" = []), ("session" = [])),
    request_body = AssignBody,
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
pub async fn assign(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<AssignBody>,
) -> Result<Response, Problem> {
    let case_id = parse_case_id(&case_id)?;
    let expected = expected_version_of(&headers, body.expected_version)?;
    let target = body.target()?;
    let outcome = state
        .app()
        .assign(&principal, case_id, expected, target)
        .await?;
    Ok(command_response(StatusCode::OK, &outcome))
}

// ------------------------------------------------------------------ scope

/// `?merchant_id=` of the teams' and macros' lists and creations: whose they are.
fn owner_query(query: Option<&str>) -> Result<Option<MerchantId>, Problem> {
    let mut merchant = None;
    let mut errors = ValidationErrors::default();
    for (key, value) in query_pairs(query) {
        match key.as_str() {
            "merchant_id" => {
                merchant = errors.check(MerchantId::parse(&value).map_err(|e| e.at("merchant_id")))
            }
            other => errors.push(FieldError::new(
                other,
                "field.unknown",
                "unknown query parameter",
            )),
        }
    }
    if errors.is_empty() {
        Ok(merchant)
    } else {
        Err(Problem::bad_query(errors))
    }
}

/// A list of teams.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TeamList {
    pub items: Vec<TeamView>,
}

/// A list of macros.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MacroList {
    pub items: Vec<MacroView>,
}

// ------------------------------------------------------------------ teams

/// `GET /api/v1/teams`.
#[utoipa::path(
    get,
    path = "/api/v1/teams",
    tag = "helpdesk",
    operation_id = "list_teams",
    summary = "Teams",
    description = "A shop's teams (a shop's staff and keys: their own; the marketplace's staff: with `merchant_id`), or the marketplace's own (the marketplace's staff, without `merchant_id`), by name.",
    security(("apiKey" = []), ("session" = [])),
    params(("merchant_id" = Option<MerchantId>, Query, description = "The shop whose teams (the marketplace's staff).")),
    responses(
        (status = 200, body = TeamList),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
)]
pub async fn list_teams(
    State(state): State<AppState>,
    Auth(principal): Auth,
    RawQuery(query): RawQuery,
) -> Result<Json<TeamList>, Problem> {
    let merchant = owner_query(query.as_deref())?;
    Ok(Json(TeamList {
        items: state.app().teams(&principal, merchant).await?,
    }))
}

/// `POST /api/v1/teams`.
#[utoipa::path(
    post,
    path = "/api/v1/teams",
    tag = "helpdesk",
    operation_id = "create_team",
    summary = "Create a team",
    description = "A team of the caller's shop (or, for the marketplace's staff, of the shop named by `merchant_id`, else of the marketplace): a name and members in round-robin order, each a staff user of the same shop (or of the marketplace). Refusals: `team.name_invalid`, `team.member_unknown`, `team.member_duplicate`, `team.too_many_members`.",
    security(("apiKey" = []), ("session" = [])),
    params(("merchant_id" = Option<MerchantId>, Query, description = "The shop whose team (the marketplace's staff).")),
    request_body = TeamInput,
    responses(
        (status = 201, body = TeamView),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn create_team(
    State(state): State<AppState>,
    Auth(principal): Auth,
    RawQuery(query): RawQuery,
    JsonBody(input): JsonBody<TeamInput>,
) -> Result<Response, Problem> {
    let merchant = owner_query(query.as_deref())?;
    let team = state
        .app()
        .create_team(&principal, merchant, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(team)).into_response())
}

/// `PUT /api/v1/teams/{team_id}`.
#[utoipa::path(
    put,
    path = "/api/v1/teams/{team_id}",
    tag = "helpdesk",
    operation_id = "update_team",
    summary = "Rename a team, change its members",
    description = "Replaces the team's name and members (same checks as creating it). Its round-robin turn goes on from where it was.",
    security(("apiKey" = []), ("session" = [])),
    params(("team_id" = String, Path, description = "The team.")),
    request_body = TeamInput,
    responses(
        (status = 200, body = TeamView),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn update_team(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(team_id): Path<String>,
    JsonBody(input): JsonBody<TeamInput>,
) -> Result<Json<TeamView>, Problem> {
    Ok(Json(
        state
            .app()
            .update_team(&principal, &team_id, &input)
            .await?,
    ))
}

/// `DELETE /api/v1/teams/{team_id}`.
#[utoipa::path(
    delete,
    path = "/api/v1/teams/{team_id}",
    tag = "helpdesk",
    operation_id = "delete_team",
    summary = "Delete a team",
    description = "The cases it had keep its name on their timeline; reassign them as needed.",
    security(("apiKey" = []), ("session" = [])),
    params(("team_id" = String, Path, description = "The team.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
)]
pub async fn delete_team(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(team_id): Path<String>,
) -> Result<StatusCode, Problem> {
    state.app().delete_team(&principal, &team_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ----------------------------------------------------------------- macros

/// `GET /api/v1/macros`.
#[utoipa::path(
    get,
    path = "/api/v1/macros",
    tag = "helpdesk",
    operation_id = "list_macros",
    summary = "Macros (canned replies)",
    description = "A shop's macros (its staff and keys: their own; the marketplace's staff: with `merchant_id`), or the marketplace's own, oldest first. Each shop starts with six defaults, written the first time its macros are listed; they are then its own to change or delete.",
    security(("apiKey" = []), ("session" = [])),
    params(("merchant_id" = Option<MerchantId>, Query, description = "The shop whose macros (the marketplace's staff).")),
    responses(
        (status = 200, body = MacroList),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
)]
pub async fn list_macros(
    State(state): State<AppState>,
    Auth(principal): Auth,
    RawQuery(query): RawQuery,
) -> Result<Json<MacroList>, Problem> {
    let merchant = owner_query(query.as_deref())?;
    Ok(Json(MacroList {
        items: state.app().macros(&principal, merchant).await?,
    }))
}

/// `POST /api/v1/macros`.
#[utoipa::path(
    post,
    path = "/api/v1/macros",
    tag = "helpdesk",
    operation_id = "create_macro",
    summary = "Create a macro",
    description = "A title (1 to 100 characters) and a text (1 to 5,000) in French and in English — each language whole or left empty, at least one whole. The text may hold variables, filled in from the case in its buyer's language when the macro is used: `{client}`, `{commande}`/`{order}`, `{dossier}`/`{case}`, `{boutique}`/`{shop}`, `{agent}`, `{echeance}`/`{due}`. An unknown variable is refused (`macro.variable_unknown`, naming the field).",
    security(("apiKey" = []), ("session" = [])),
    params(("merchant_id" = Option<MerchantId>, Query, description = "The shop whose macro (the marketplace's staff).")),
    request_body = MacroInput,
    responses(
        (status = 201, body = MacroView),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn create_macro(
    State(state): State<AppState>,
    Auth(principal): Auth,
    RawQuery(query): RawQuery,
    JsonBody(input): JsonBody<MacroInput>,
) -> Result<Response, Problem> {
    let merchant = owner_query(query.as_deref())?;
    let item = state
        .app()
        .create_macro(&principal, merchant, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(item)).into_response())
}

/// `PUT /api/v1/macros/{macro_id}`.
#[utoipa::path(
    put,
    path = "/api/v1/macros/{macro_id}",
    tag = "helpdesk",
    operation_id = "update_macro",
    summary = "Change a macro",
    description = "Replaces its titles and texts (same checks as creating one).",
    security(("apiKey" = []), ("session" = [])),
    params(("macro_id" = String, Path, description = "The macro.")),
    request_body = MacroInput,
    responses(
        (status = 200, body = MacroView),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn update_macro(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(macro_id): Path<String>,
    JsonBody(input): JsonBody<MacroInput>,
) -> Result<Json<MacroView>, Problem> {
    Ok(Json(
        state
            .app()
            .update_macro(&principal, &macro_id, &input)
            .await?,
    ))
}

/// `DELETE /api/v1/macros/{macro_id}`.
#[utoipa::path(
    delete,
    path = "/api/v1/macros/{macro_id}",
    tag = "helpdesk",
    operation_id = "delete_macro",
    summary = "Delete a macro",
    security(("apiKey" = []), ("session" = [])),
    params(("macro_id" = String, Path, description = "The macro.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
)]
pub async fn delete_macro(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(macro_id): Path<String>,
) -> Result<StatusCode, Problem> {
    state.app().delete_macro(&principal, &macro_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/macros/{macro_id}/preview?case_id=`.
#[utoipa::path(
    post,
    path = "/api/v1/macros/{macro_id}/preview",
    tag = "helpdesk",
    operation_id = "preview_macro",
    summary = "A macro filled in for a case",
    description = "The macro's title and text with the case's variables, in the buyer's language (or the only language the macro has). Nothing is sent.",
    security(("apiKey" = []), ("session" = [])),
    params(
        ("macro_id" = String, Path, description = "The macro."),
        ("case_id" = CaseId, Query, description = "The case to fill it in for."),
    ),
    responses(
        (status = 200, body = Rendered),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn preview_macro(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(macro_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Rendered>, Problem> {
    let mut case = None;
    let mut errors = ValidationErrors::default();
    for (key, value) in query_pairs(query.as_deref()) {
        match key.as_str() {
            "case_id" => {
                case = errors.check(CaseId::parse(&value).map_err(|e| e.at("case_id")));
            }
            other => errors.push(FieldError::new(
                other,
                "field.unknown",
                "unknown query parameter",
            )),
        }
    }
    if case.is_none() && errors.is_empty() {
        errors.push(FieldError::new(
            "case_id",
            "field.missing",
            "the case to fill the macro in for",
        ));
    }
    let Some(case_id) = case.filter(|_| errors.is_empty()) else {
        return Err(Problem::bad_query(errors));
    };
    Ok(Json(
        state
            .app()
            .preview_macro(&principal, &macro_id, case_id)
            .await?,
    ))
}

// ------------------------------------------------------------------- bulk

/// What to do to every case of a bulk action.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum BulkActionBody {
    /// Assign each case (same fields as `POST /cases/{case_id}/assignment`).
    Assign {
        to: AssignTo,
        #[serde(default)]
        user_id: Option<String>,
        #[serde(default)]
        team_id: Option<String>,
    },
    /// Send each case's buyer the macro, filled in for their case and language.
    ReplyWithMacro { macro_id: String },
    /// Close each case (resolved ones; others answer `case.invalid_status`).
    Close,
}

/// Cases and what to do to each.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkBody {
    /// 1 to 100 cases, each once.
    #[schema(value_type = Vec<String>)]
    pub case_ids: Vec<CaseId>,
    pub action: BulkActionBody,
}

/// What happened to one case.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BulkItem {
    pub case_id: CaseId,
    pub ok: bool,
    /// The case's version after the action.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// Why nothing was written for this case: the problem document a request on this
    /// case alone would have answered (404 out of reach, 409 the wrong status, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::openapi::ProblemDocument>)]
    pub problem: Option<serde_json::Value>,
}

/// The answer of a bulk action, case by case.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BulkResult {
    pub succeeded: usize,
    pub failed: usize,
    pub items: Vec<BulkItem>,
}

/// `POST /api/v1/cases/bulk`.
#[utoipa::path(
    post,
    path = "/api/v1/cases/bulk",
    tag = "helpdesk",
    operation_id = "bulk_cases",
    summary = "Assign, answer with a macro, or close many cases",
    description = "Runs one action on up to 100 cases, each as its own command with its own access check: a case out of reach or in the wrong state is reported in its item (with the problem document it would have answered alone) and nothing is written for it; the others go on. The list is refused as a whole only when empty (`bulk.empty`), too long (`bulk.too_many`), naming a case twice (`bulk.case_repeated`) or naming an unknown macro.",
    security(("apiKey" = []), ("session" = [])),
    request_body = BulkBody,
    responses(
        (status = 200, body = BulkResult),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn bulk(
    State(state): State<AppState>,
    Auth(principal): Auth,
    JsonBody(body): JsonBody<BulkBody>,
) -> Result<Json<BulkResult>, Problem> {
    let action = match body.action {
        BulkActionBody::Assign {
            to,
            user_id,
            team_id,
        } => BulkAction::Assign(
            AssignBody {
                to,
                user_id,
                team_id,
                expected_version: None,
            }
            .target()
            .map_err(|mut problem| {
                for field in &mut problem.errors {
                    field.field = format!("action.{}", field.field);
                }
                problem
            })?,
        ),
        BulkActionBody::ReplyWithMacro { macro_id } => BulkAction::ReplyWithMacro { macro_id },
        BulkActionBody::Close => BulkAction::Close,
    };
    let outcomes = state
        .app()
        .bulk(&principal, &body.case_ids, &action)
        .await?;
    let lang = current_lang();
    let items: Vec<BulkItem> = outcomes
        .into_iter()
        .map(|outcome| match outcome.result {
            Ok(version) => BulkItem {
                case_id: outcome.case_id,
                ok: true,
                version: Some(version),
                problem: None,
            },
            Err(error) => BulkItem {
                case_id: outcome.case_id,
                ok: false,
                version: None,
                problem: Some(Problem::from(error).document(lang)),
            },
        })
        .collect();
    let succeeded = items.iter().filter(|i| i.ok).count();
    Ok(Json(BulkResult {
        failed: items.len() - succeeded,
        succeeded,
        items,
    }))
}

// --------------------------------------------------------------- presence

/// A heartbeat.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresenceBody {
    /// Whether the caller is writing a reply right now.
    #[serde(default)]
    pub typing: bool,
}

/// Who else has the case open.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PresenceAnswer {
    pub others: Vec<Present>,
}

/// `PUT /api/v1/cases/{case_id}/presence`.
#[utoipa::path(
    put,
    path = "/api/v1/cases/{case_id}/presence",
    tag = "helpdesk",
    operation_id = "case_presence",
    summary = "Say you have a case open; see who else has",
    description = "A heartbeat, every few seconds while a case is open (the console sends one every 5 s): records that the caller has it open, and whether they are writing a reply (`typing`). Answers the others seen on it in the last 20 seconds, and whether each is writing — so two people do not answer the same buyer at once.",
    security(("apiKey" = []), ("session" = [])),
    params(("case_id" = CaseId, Path, description = "The case.")),
    request_body = PresenceBody,
    responses(
        (status = 200, body = PresenceAnswer),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::UnprocessableEntity),
    ),
)]
pub async fn presence(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    JsonBody(body): JsonBody<PresenceBody>,
) -> Result<Json<PresenceAnswer>, Problem> {
    let case_id = parse_case_id(&case_id)?;
    let others = state
        .app()
        .heartbeat(&principal, case_id, body.typing)
        .await?;
    Ok(Json(PresenceAnswer { others }))
}
