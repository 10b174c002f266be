//! Returns and money: policies, the eligibility answer, the return lifecycle,
//! labels, refunds, store credit, exchanges, compensation and the ledger.

use super::cases::{case_resource, command_response, expected_version_of, parse_case_id};
use super::{allow, allow_role};
use crate::AppState;
use crate::auth::Auth;
use crate::json::JsonBody;
use crate::problem::Problem;
use amiable_domain::access::{Action, Principal, Resource};
use amiable_domain::case::{
    Actor, Command, Deduction, ExchangeLine, GoodwillKind, InspectedLine, ParcelStatus,
    ReceivedLine,
};
use amiable_domain::case::{MoneyCommand, MoneyEvent, ReturnCommand};
use amiable_domain::ids::{CaseId, MerchantId, OrderId};
use amiable_domain::ledger::OrderLedger;
use amiable_domain::money::Money;
use amiable_domain::returns::{Basis, ReturnPolicy};
use amiable_domain::text::Label;
use amiable_store::{CommandOutcome, CommandRequest, PolicyScope, StoredPolicy};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------- policies

/// One version of a return policy.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PolicyVersion {
    pub version: u32,
    pub policy: ReturnPolicy,
    pub effective_from: Timestamp,
    pub created_by: String,
}

impl From<StoredPolicy> for PolicyVersion {
    fn from(stored: StoredPolicy) -> Self {
        PolicyVersion {
            version: stored.version,
            policy: stored.policy,
            effective_from: stored.effective_from,
            created_by: stored.created_by,
        }
    }
}

/// A policy with its history.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PolicyHistory {
    /// The newest version (`null`: none published yet).
    pub current: Option<PolicyVersion>,
    /// Every version, newest first.
    pub versions: Vec<PolicyVersion>,
    /// The operator's minimum a merchant's policy may not undercut (`null`: the law alone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum: Option<PolicyVersion>,
    /// What a new order would be judged by: `merchant`, `operator` or `statutory`, and its version.
    pub in_force: amiable_domain::case::PolicyRef,
}

fn actor_name(principal: &Principal) -> String {
    match principal.actor() {
        Actor::MerchantUser { id } | Actor::OperatorUser { id } | Actor::System { id } => id,
        Actor::Provider { id } => id,
        Actor::Buyer => "buyer".to_owned(),
    }
}

async fn merchant_resource(state: &AppState, merchant_id: MerchantId) -> Result<Resource, Problem> {
    let merchant = state
        .store()
        .merchant(merchant_id)
        .await?
        .ok_or_else(|| Problem::not_found("merchant"))?;
    Ok(Resource::merchant(merchant.operator_id, merchant.id))
}

fn parse_merchant(raw: &str) -> Result<MerchantId, Problem> {
    MerchantId::parse(raw).map_err(|_| Problem::not_found("merchant"))
}

pub async fn history(
    state: &AppState,
    operator_id: amiable_domain::ids::OperatorId,
    scope: PolicyScope,
    merchant_id: Option<MerchantId>,
) -> Result<PolicyHistory, Problem> {
    let versions: Vec<PolicyVersion> = state
        .store()
        .policy_versions(operator_id, scope)
        .await?
        .into_iter()
        .map(PolicyVersion::from)
        .collect();
    let minimum = match scope {
        PolicyScope::Operator => None,
        PolicyScope::Merchant(_) => state
            .store()
            .policy_versions(operator_id, PolicyScope::Operator)
            .await?
            .into_iter()
            .next()
            .map(PolicyVersion::from),
    };
    let in_force = match merchant_id {
        Some(merchant_id) => {
            state
                .store()
                .effective_policy(operator_id, merchant_id, Timestamp::now())
                .await?
                .reference
        }
        None => amiable_domain::case::PolicyRef {
            source: if versions.is_empty() {
                amiable_domain::case::PolicySource::Statutory
            } else {
                amiable_domain::case::PolicySource::Operator
            },
            version: versions.first().map_or(0, |v| v.version),
        },
    };
    Ok(PolicyHistory {
        current: versions.first().map(|v| PolicyVersion {
            version: v.version,
            policy: v.policy.clone(),
            effective_from: v.effective_from,
            created_by: v.created_by.clone(),
        }),
        versions,
        minimum,
        in_force,
    })
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
        (status = 200, body = PolicyHistory),
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
    let body = history(
        &state,
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
        (status = 201, body = PolicyVersion),
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
    let stored = publish(
        &state,
        &principal,
        PolicyScope::Merchant(merchant_id),
        &policy,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(PolicyVersion::from(stored))).into_response())
}

/// Publishes a new version of a policy (the caller was allowed `ManagePolicy` on its
/// scope): amounts in euros, the policy's own checks, and for a merchant the operator's
/// minimum (`policy.below_operator_minimum`, one error per field).
pub async fn publish(
    state: &AppState,
    principal: &Principal,
    scope: PolicyScope,
    policy: &ReturnPolicy,
) -> Result<StoredPolicy, Problem> {
    check_policy_currency(state, policy).await?;
    state
        .store()
        .put_policy(
            principal.operator_id(),
            scope,
            policy,
            &actor_name(principal),
            Timestamp::now(),
        )
        .await
        .map_err(undercut_problem)
}

/// A policy refused for undercutting the operator's minimum answers with that code.
fn undercut_problem(error: amiable_store::StoreError) -> Problem {
    match error {
        amiable_store::StoreError::Invalid(errors)
            if !errors.0.is_empty()
                && errors
                    .0
                    .iter()
                    .all(|e| e.code == "policy.below_operator_minimum") =>
        {
            let mut problem = Problem::validation(errors);
            problem.code = "policy.below_operator_minimum".to_owned();
            problem.kind = "urn:amiable:problem:policy.below_operator_minimum".to_owned();
            problem
        }
        other => other.into(),
    }
}

/// Amounts in a policy are in euros: the marketplace's currency.
async fn check_policy_currency(_state: &AppState, policy: &ReturnPolicy) -> Result<(), Problem> {
    let amounts = [
        ("returnless_below", policy.returnless_below),
        (
            "auto_approve.max_amount",
            policy.auto_approve.as_ref().and_then(|a| a.max_amount),
        ),
        (
            "restocking_fee.amount",
            match policy.restocking_fee {
                Some(amiable_domain::returns::RestockingFee::Amount { amount }) => Some(amount),
                _ => None,
            },
        ),
    ];
    for (field, amount) in amounts {
        if let Some(amount) = amount
            && amount.currency.code() != "EUR"
        {
            return Err(Problem::field(
                &format!("{field}.currency"),
                "money.currency_mismatch",
                "policy amounts are in EUR",
            ));
        }
    }
    Ok(())
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
        (status = 200, body = PolicyHistory),
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
    let body = history(&state, operator_id, PolicyScope::Operator, None).await?;
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
        (status = 201, body = PolicyVersion),
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
    let stored = publish(&state, &principal, PolicyScope::Operator, &policy).await?;
    Ok((StatusCode::CREATED, Json(PolicyVersion::from(stored))).into_response())
}

// ------------------------------------------------------------- eligibility

/// What one line of an order can still get, and why.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LineAnswer {
    pub line_id: String,
    pub title: String,
    pub ordered: u32,
    /// Units not already in another return.
    pub returnable_quantity: u32,
    pub eligible: bool,
    /// The last day to ask (Europe/Paris); `null` when the period has not started (not delivered).
    #[schema(value_type = Option<String>, format = Date)]
    pub until: Option<jiff::civil::Date>,
    /// `policy`, or `statute` with the article.
    pub basis: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    /// A withdrawal exception (C. conso L221-28) that applies to the line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<String>,
    /// The merchant's policy said less than the law, which prevailed.
    pub policy_overridden_by_law: bool,
    /// Who pays the return shipping: `buyer` or `merchant`.
    pub return_shipping: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub restocking_fee: Option<amiable_domain::returns::RestockingFee>,
    /// Refunded without sending it back.
    pub returnless: bool,
    /// The statutory withdrawal right applies today (no restocking fee; the refund is due within 14 days).
    pub withdrawal: bool,
    /// The last day of the statutory withdrawal period.
    #[schema(value_type = Option<String>, format = Date)]
    pub withdrawal_until: Option<jiff::civil::Date>,
    /// A fault is covered by the legal guarantee of conformity until this day (C. conso
    /// L217-3: two years from delivery), whatever the return period says.
    #[schema(value_type = Option<String>, format = Date)]
    pub guarantee_until: Option<jiff::civil::Date>,
    /// The answer in one sentence, in the caller's language.
    pub why: String,
}

/// The eligibility answer for an order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EligibilityAnswer {
    pub order_id: OrderId,
    #[schema(value_type = String, format = Date)]
    pub today: jiff::civil::Date,
    pub policy: amiable_domain::case::PolicyRef,
    pub allowed_resolutions: Vec<amiable_domain::case::ResolutionKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store_credit_bonus_percent: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition_rules: Option<String>,
    pub lines: Vec<LineAnswer>,
}

fn why(
    lang: crate::i18n::Lang,
    verdict: &amiable_domain::returns::LineEligibility,
    exception: Option<&str>,
    overridden: bool,
    returnable: u32,
) -> String {
    use crate::i18n::Lang;
    let (eligible, until, basis) = (verdict.eligible, verdict.until, verdict.basis);
    let article = match verdict.basis {
        Some(Basis::Statute { article }) => article,
        _ => verdict.withdrawal_article.unwrap_or("C. conso L221-18"),
    };
    // Inside the statutory period, a generous policy adds days; the law still applies now.
    let withdrawal_fr = match (verdict.withdrawal, verdict.withdrawal_until) {
        (true, Some(d)) => format!(
            " Jusqu'au {}, c'est aussi le droit de rétractation ({article}) : sans frais de reprise.",
            d.strftime("%d/%m/%Y")
        ),
        _ => String::new(),
    };
    let withdrawal_en = match (verdict.withdrawal, verdict.withdrawal_until) {
        (true, Some(d)) => format!(
            " Until {}, it is also the statutory withdrawal right ({article}): no restocking fee.",
            d.strftime("%Y-%m-%d")
        ),
        _ => String::new(),
    };
    let day = |d: jiff::civil::Date| match lang {
        Lang::Fr => d.strftime("%d/%m/%Y").to_string(),
        Lang::En => d.strftime("%Y-%m-%d").to_string(),
    };
    match (lang, eligible, basis) {
        (Lang::Fr, _, _) if exception.is_some() => format!(
            "Non retournable : exception au droit de rétractation ({}).",
            exception.unwrap_or_default()
        ),
        (Lang::En, _, _) if exception.is_some() => format!(
            "Not returnable: an exception to the withdrawal right ({}).",
            exception.unwrap_or_default()
        ),
        (Lang::Fr, true, _) if returnable == 0 => "Déjà retourné en totalité.".to_owned(),
        (Lang::En, true, _) if returnable == 0 => "Already returned in full.".to_owned(),
        (Lang::Fr, false, _) => "Le délai de retour est dépassé.".to_owned(),
        (Lang::En, false, _) => "The return period is over.".to_owned(),
        (Lang::Fr, true, Some(Basis::Policy)) => match until {
            Some(d) => format!(
                "Retournable jusqu'au {} selon la politique du vendeur, plus généreuse que la loi.{withdrawal_fr}",
                day(d)
            ),
            None => "Retournable selon la politique du vendeur.".to_owned(),
        },
        (Lang::En, true, Some(Basis::Policy)) => match until {
            Some(d) => format!(
                "Returnable until {} under the merchant's policy, more generous than the law.{withdrawal_en}",
                day(d)
            ),
            None => "Returnable under the merchant's policy.".to_owned(),
        },
        (Lang::Fr, true, _) => {
            let law = if overridden {
                " La politique du vendeur, moins favorable, est écartée par la loi."
            } else {
                ""
            };
            match until {
                Some(d) => format!(
                    "Retournable jusqu'au {} au titre du droit de rétractation ({article}).{law}",
                    day(d)
                ),
                None => format!(
                    "Retournable : le délai de rétractation courra à compter de la livraison ({article}).{law}"
                ),
            }
        }
        (Lang::En, true, _) => {
            let law = if overridden {
                " The merchant's less generous policy is overridden by the law."
            } else {
                ""
            };
            match until {
                Some(d) => format!(
                    "Returnable until {} under the statutory withdrawal right ({article}).{law}",
                    day(d)
                ),
                None => format!(
                    "Returnable: the withdrawal period will run from delivery ({article}).{law}"
                ),
            }
        }
    }
}

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
        (status = 200, body = EligibilityAnswer),
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
    Ok(Json(eligibility_answer(&state, &order, lang).await?).into_response())
}

/// What each line of `order` can still get, and why, in `lang` (the caller has
/// already been allowed to read the order).
pub async fn eligibility_answer(
    state: &AppState,
    order: &amiable_domain::order::Order,
    lang: crate::i18n::Lang,
) -> Result<EligibilityAnswer, Problem> {
    let law = state.store().rules_pack(order.operator_id).await?;
    let now = Timestamp::now();
    let context = state.store().return_context(order, now, law).await?;
    let lines = order
        .lines
        .iter()
        .filter_map(|line| {
            let verdict = context.line(&line.line_id)?;
            let taken = context
                .already_returned
                .get(&line.line_id)
                .copied()
                .unwrap_or(0);
            let returnable = line.quantity.get().saturating_sub(taken);
            // The statutory default is the law itself: nothing of the merchant's to override.
            let overridden = verdict.policy_overridden_by_law
                && context.policy_ref.source != amiable_domain::case::PolicySource::Statutory;
            let exception = verdict.exception.map(|e| {
                let flag = serde_json::to_value(e.flag)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                format!("{flag}, {}", e.article)
            });
            Some(LineAnswer {
                line_id: line.line_id.to_string(),
                title: line.title.as_str().to_owned(),
                ordered: line.quantity.get(),
                returnable_quantity: if verdict.eligible { returnable } else { 0 },
                eligible: verdict.eligible && returnable > 0,
                until: verdict.until,
                basis: verdict.basis.map(|b| match b {
                    Basis::Policy => "policy".to_owned(),
                    Basis::Statute { .. } => "statute".to_owned(),
                }),
                article: verdict.basis.and_then(|b| match b {
                    Basis::Statute { article } => Some(article.to_owned()),
                    Basis::Policy => None,
                }),
                exception: exception.clone(),
                policy_overridden_by_law: overridden,
                return_shipping: match verdict.return_shipping {
                    amiable_domain::returns::ReturnShipping::Buyer => "buyer".to_owned(),
                    amiable_domain::returns::ReturnShipping::Merchant => "merchant".to_owned(),
                },
                restocking_fee: verdict.restocking_fee,
                returnless: verdict.returnless,
                withdrawal: verdict.withdrawal,
                withdrawal_until: verdict.withdrawal_until,
                guarantee_until: order
                    .shipments
                    .iter()
                    .filter(|s| s.lines.iter().any(|l| l.line_id == line.line_id))
                    .filter_map(|s| s.delivered_at)
                    .max()
                    .and_then(|at| {
                        let flags: Vec<_> = line.flags.iter().copied().collect();
                        amiable_domain::law::conformity::guarantee(
                            law.date_of(at),
                            &flags,
                            &law.conformity,
                        )
                    })
                    .map(|g| g.until),
                why: why(lang, verdict, exception.as_deref(), overridden, returnable),
            })
        })
        .collect();
    Ok(EligibilityAnswer {
        order_id: order.id,
        today: law.date_of(now),
        policy: context.policy_ref.clone(),
        allowed_resolutions: context.policy.allowed_resolutions.clone(),
        store_credit_bonus_percent: context.policy.store_credit_bonus_percent,
        condition_rules: context.policy.condition_rules.clone(),
        lines,
    })
}

async fn load_order(
    state: &AppState,
    principal: &Principal,
    raw: &str,
) -> Result<amiable_domain::order::Order, Problem> {
    let order_id = OrderId::parse(raw).map_err(|_| Problem::not_found("order"))?;
    let summary = state
        .store()
        .order(order_id)
        .await?
        .ok_or_else(|| Problem::not_found("order"))?;
    let order = summary.order;
    allow(
        principal,
        Action::ReadOrder,
        &Resource::order(order.operator_id, order.merchant_id, order.id),
        "order",
    )?;
    Ok(order)
}

// ------------------------------------------------------------------ ledger

/// One movement of an order's money.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LedgerLine {
    pub case_id: CaseId,
    pub seq: i64,
    /// `refund`, `refund_released`, `store_credit`, `compensation`, `surcharge`, `due_from_buyer`.
    pub kind: String,
    pub amount: Money,
    pub recorded_at: Timestamp,
}

/// An order's money.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LedgerAnswer {
    pub order_id: OrderId,
    pub balance: OrderLedger,
    /// What can still be refunded or credited: captured − refunded − store credit.
    pub refundable: Money,
    pub entries: Vec<LedgerLine>,
}

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
        (status = 200, body = LedgerAnswer),
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
    let balance = state
        .store()
        .ledger(order.id)
        .await?
        .unwrap_or_else(|| OrderLedger::new(amiable_store::captured(&order)));
    let entries = state
        .store()
        .ledger_rows(order.id)
        .await?
        .into_iter()
        .map(|row| LedgerLine {
            case_id: row.case_id,
            seq: row.seq,
            kind: row.kind,
            amount: row.amount,
            recorded_at: row.recorded_at,
        })
        .collect();
    Ok(Json(LedgerAnswer {
        order_id: order.id,
        refundable: balance.refundable(),
        balance,
        entries,
    })
    .into_response())
}

// --------------------------------------------------------------- lifecycle

use super::cases::execute_for as run;

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
    run(state, principal, case_id, action, expected, command).await
}

/// Appends a later outcome's events to an earlier one, for one answer.
pub fn chain(mut first: CommandOutcome, then: CommandOutcome) -> CommandOutcome {
    first.events.extend(then.events);
    first.version = then.version;
    first.state = then.state;
    first
}

/// After an authorisation: the label, unless the buyer keeps the items or no address is set.
pub async fn label_after_authorisation(
    state: &AppState,
    outcome: CommandOutcome,
) -> CommandOutcome {
    let needs_label = outcome
        .state
        .returns
        .as_ref()
        .is_some_and(|r| r.rma.is_some() && !r.returnless && r.label.is_none())
        && outcome.state.status == amiable_domain::case::CaseStatus::Open;
    if !needs_label {
        return outcome;
    }
    let actor = Actor::System {
        id: "labels".into(),
    };
    match crate::labels::issue(
        state,
        &outcome.state,
        actor,
        crate::labels::DEFAULT_WEIGHT_GRAMS,
        1,
    )
    .await
    {
        Ok(labelled) => chain(outcome, labelled),
        Err(problem) => {
            // The return stays authorised; staff issue the label once the cause is fixed.
            tracing::warn!(code = %problem.code, "no label after authorisation");
            outcome
        }
    }
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

macro_rules! case_command_doc {
    ($name:ident, $method:ident, $path:literal, $op:literal, $summary:literal, $description:literal, $body:ty, refund) => {
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
        #[allow(dead_code)]
        fn $name() {}
    };
    ($name:ident, $method:ident, $path:literal, $op:literal, $summary:literal, $description:literal, $body:ty) => {
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
        #[allow(dead_code)]
        fn $name() {}
    };
}

case_command_doc!(
    authorise_doc,
    post,
    "/api/v1/cases/{case_id}/return/authorise",
    "authorise_return",
    "Authorise a return",
    "Issues the RMA number; then, unless the buyer keeps the items, books the prepaid label and attaches it (the answer includes `label_issued`).",
    AuthoriseBody
);

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
    let outcome = authorise_return(&state, &principal, case_id, expected, body.returnless).await?;
    Ok(command_response(StatusCode::OK, &outcome))
}

/// Authorises a return (RMA number) and, unless returnless, books its label.
pub async fn authorise_return(
    state: &AppState,
    principal: &Principal,
    case_id: CaseId,
    expected: Option<i64>,
    returnless: bool,
) -> Result<CommandOutcome, Problem> {
    let outcome = run(
        state,
        principal,
        case_id,
        Action::HandleReturn,
        expected,
        Command::Returns(ReturnCommand::AuthoriseReturn { returnless }),
    )
    .await?;
    Ok(label_after_authorisation(state, outcome).await)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefuseBody {
    /// The ground, shown to the buyer.
    pub ground: Label,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

case_command_doc!(
    refuse_doc,
    post,
    "/api/v1/cases/{case_id}/return/refuse",
    "refuse_return",
    "Refuse a return",
    "Refuses with a stated ground (before authorisation, or after inspection); the case is resolved as a refusal, which the buyer can escalate.",
    RefuseBody
);

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

case_command_doc!(
    label_doc,
    post,
    "/api/v1/cases/{case_id}/return/label",
    "issue_label",
    "Issue (or reissue) the prepaid label",
    "Books the return with the carrier, renders the PDF (Code 128 RMA barcode and QR code), stores it as a public attachment of the case and records `label_issued`. For an authorised return without a label, or whose label expired.",
    LabelBody
);

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
    let outcome = issue_label_for(
        &state,
        &principal,
        case_id,
        expected,
        body.weight_grams,
        body.parcel_count,
    )
    .await?;
    Ok(command_response(StatusCode::OK, &outcome))
}

/// Books the return with the carrier and records the (new) label.
pub async fn issue_label_for(
    state: &AppState,
    principal: &Principal,
    case_id: CaseId,
    expected: Option<i64>,
    weight_grams: Option<u32>,
    parcel_count: Option<u32>,
) -> Result<CommandOutcome, Problem> {
    let resource = case_resource(state, case_id).await?;
    allow(principal, Action::HandleReturn, &resource, "case")?;
    let record = state
        .store()
        .case(case_id)
        .await?
        .ok_or_else(|| Problem::not_found("case"))?;
    if let Some(expected) = expected
        && expected != record.state.version
    {
        return Err(amiable_store::CommandError::Conflict {
            current_version: record.state.version,
        }
        .into());
    }
    if record
        .state
        .returns
        .as_ref()
        .is_some_and(|r| r.rma.is_none())
    {
        return Err(Problem::field(
            "rma",
            "label.return_not_authorised",
            "a label is issued for an authorised return",
        ));
    }
    crate::labels::issue(
        state,
        &record.state,
        principal.actor(),
        weight_grams.unwrap_or(crate::labels::DEFAULT_WEIGHT_GRAMS),
        parcel_count.unwrap_or(1),
    )
    .await
}

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
    let resource = case_resource(state, case_id).await?;
    allow(principal, Action::ReadCase, &resource, "case")?;
    let record = state
        .store()
        .case(case_id)
        .await?
        .ok_or_else(|| Problem::not_found("case"))?;
    let label = record
        .state
        .returns
        .as_ref()
        .and_then(|r| r.label.clone())
        .ok_or_else(|| Problem::not_found("label"))?;
    let bytes = match size {
        None | Some("a6") => state
            .inner
            .blobs
            .open(&label.attachment.sha256)
            .await
            .map_err(|error| {
                tracing::error!(%error, "cannot read a label");
                Problem::internal()
            })?
            .ok_or_else(|| Problem::not_found("label"))?,
        Some("a4") => {
            crate::labels::render(state, &record.state, amiable_labels::PageSize::A4).await?
        }
        Some(_) => {
            return Err(Problem::field("size", "label.size_invalid", "a6 or a4"));
        }
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!(
            "inline; filename=\"{}\"",
            label.attachment.filename.as_str()
        ))
        .unwrap_or(HeaderValue::from_static("inline")),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
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

case_command_doc!(
    scan_doc,
    post,
    "/api/v1/cases/{case_id}/return/tracking",
    "record_parcel_scan",
    "Push a carrier tracking event",
    "In transit, out for delivery, delivered, exception or lost. The first scan is the proof of shipment that ends the merchant's right to hold the refund (C. conso L221-24).",
    ScanBody
);

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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveBody {
    pub lines: Vec<ReceivedLine>,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

case_command_doc!(
    receive_doc,
    post,
    "/api/v1/cases/{case_id}/return/receive",
    "receive_return",
    "Record what came back",
    "Per line: the quantity received and its condition (`new`, `like_new`, `used`, `damaged`).",
    ReceiveBody
);

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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectBody {
    pub lines: Vec<InspectedLine>,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

case_command_doc!(
    inspect_doc,
    post,
    "/api/v1/cases/{case_id}/return/inspect",
    "inspect_return",
    "Record the inspection",
    "Per received line: compliant, or not with itemised deductions (each at most what came back is worth).",
    InspectBody
);

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

// ------------------------------------------------------------------- money

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundBody {
    /// Without it: what the return calls for (lines back, less fees and deductions, plus the original delivery when due).
    #[serde(default)]
    pub amount: Option<Money>,
    /// Sums kept back, itemised for the buyer.
    #[serde(default)]
    pub deductions: Vec<Deduction>,
    /// The payment provider's reference when the merchant already refunded outside amiable.
    #[serde(default)]
    pub reference: Option<Label>,
    /// Also resolve the case with this refund (default true).
    #[serde(default = "yes")]
    pub resolve: bool,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

fn yes() -> bool {
    true
}

case_command_doc!(
    refund_doc,
    post,
    "/api/v1/cases/{case_id}/refunds",
    "refund",
    "Refund to the original payment",
    "Records the refund (never more than what remains refundable on the order, `refund.exceeds_refundable`), executes it through the payment gateway and records its settlement. A refund after the legal deadline (C. conso L221-24) carries the L242-4 surcharge due. Send an `Idempotency-Key`.",
    RefundBody
);

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
    let outcome = refund_case(&state, &principal, case_id, expected, body).await?;
    Ok(command_response(StatusCode::OK, &outcome))
}

/// Records a refund, then executes it through the payment gateway (or records it
/// as paid outside amiable when a reference is given).
pub async fn refund_case(
    state: &AppState,
    principal: &Principal,
    case_id: CaseId,
    expected: Option<i64>,
    body: RefundBody,
) -> Result<CommandOutcome, Problem> {
    let gateway = if body.reference.is_some() {
        "manual"
    } else {
        state.inner.gateway.name()
    };
    let command = Command::Money(MoneyCommand::Refund {
        amount: body.amount,
        deductions: body.deductions,
        gateway: Label::parse(gateway).map_err(|_| Problem::internal())?,
        resolve: body.resolve,
    });
    let outcome = run(
        state,
        principal,
        case_id,
        Action::MoveMoney,
        expected,
        command,
    )
    .await?;
    settle(state, principal, outcome, body.reference).await
}

/// Settles the refunds a command recorded: with the merchant's reference, or through the gateway.
async fn settle(
    state: &AppState,
    principal: &Principal,
    outcome: CommandOutcome,
    reference: Option<Label>,
) -> Result<CommandOutcome, Problem> {
    // Only the refunds this command recorded: an earlier one still pending belongs to the
    // gateway (and its retry job), not to this request's reference.
    let recorded: Vec<u32> = outcome
        .events
        .iter()
        .filter_map(|e| match &e.event {
            amiable_domain::case::CaseEvent::Money(MoneyEvent::RefundRecorded {
                refund_id,
                ..
            }) => Some(*refund_id),
            _ => None,
        })
        .collect();
    let pending: Vec<u32> = outcome
        .state
        .refunds
        .iter()
        .filter(|r| r.status == amiable_domain::case::RefundStatus::Pending)
        .filter(|r| recorded.contains(&r.refund_id))
        .map(|r| r.refund_id)
        .collect();
    if pending.is_empty() {
        return Ok(outcome);
    }
    if let Some(reference) = reference {
        let mut outcome = outcome;
        for refund_id in pending {
            let request = CommandRequest {
                case_id: outcome.case_id,
                expected_version: None,
                command: Command::Money(MoneyCommand::SettleRefund {
                    refund_id,
                    reference: reference.clone(),
                }),
                actor: principal.actor(),
                order_id: None,
                at: None,
            };
            let settled = state.store().execute(request).await?;
            outcome = chain(outcome, settled);
        }
        return Ok(outcome);
    }
    let before = outcome.version;
    let transaction_id = state
        .store()
        .order(outcome.state.order_id)
        .await?
        .and_then(|o| {
            o.order
                .payment
                .map(|p| p.transaction_id.as_str().to_owned())
        });
    if let Err(error) = crate::payments::execute_pending(
        state.store(),
        state.inner.gateway.as_ref(),
        &outcome.state,
        transaction_id,
    )
    .await
    {
        // Recorded and reserved; the refund.execute job retries it.
        tracing::warn!(%error, "refund recorded; the gateway will be retried");
        return Ok(outcome);
    }
    // Answer with everything that happened since the command.
    let Some(record) = state.store().case(outcome.case_id).await? else {
        return Ok(outcome);
    };
    let timeline = state.store().timeline(outcome.case_id).await?;
    let mut outcome = outcome;
    outcome
        .events
        .extend(timeline.into_iter().filter(|e| e.seq > before));
    outcome.version = record.state.version;
    outcome.state = record.state;
    Ok(outcome)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettleBody {
    /// The provider's reference of the refund.
    pub reference: Label,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

case_command_doc!(
    settle_doc,
    post,
    "/api/v1/cases/{case_id}/refunds/{refund_id}/settle",
    "settle_refund",
    "Record that a pending refund was paid",
    "For refunds made outside amiable: the provider's reference.",
    SettleBody,
    refund
);

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
    let outcome = run(
        state,
        principal,
        case_id,
        Action::MoveMoney,
        expected,
        command(refund_id),
    )
    .await?;
    Ok(command_response(StatusCode::OK, &outcome))
}

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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FailBody {
    /// Why the provider refused it; the amount becomes refundable again.
    pub error: Label,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

case_command_doc!(
    fail_doc,
    post,
    "/api/v1/cases/{case_id}/refunds/{refund_id}/fail",
    "fail_refund",
    "Record that a pending refund failed",
    "Releases the amount in the order's ledger.",
    FailBody,
    refund
);

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

case_command_doc!(
    credit_doc,
    post,
    "/api/v1/cases/{case_id}/store-credit",
    "issue_store_credit",
    "Issue store credit (avoir)",
    "In place of a refund (it counts against what remains refundable), with the policy's bonus on top unless `bonus_percent` says otherwise.",
    StoreCreditBody
);

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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExchangeBody {
    pub lines: Vec<ExchangeLine>,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

case_command_doc!(
    exchange_doc,
    post,
    "/api/v1/cases/{case_id}/exchange",
    "record_exchange",
    "Exchange for another item",
    "Per returned line, what is sent instead. A price difference is owed by the buyer (recorded in the ledger) or refunded to them (a refund is recorded).",
    ExchangeBody
);

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
    let outcome = exchange_case(&state, &principal, case_id, expected, body.lines).await?;
    Ok(command_response(StatusCode::OK, &outcome))
}

/// Records an exchange; a price difference owed to the buyer is refunded through the gateway.
pub async fn exchange_case(
    state: &AppState,
    principal: &Principal,
    case_id: CaseId,
    expected: Option<i64>,
    lines: Vec<ExchangeLine>,
) -> Result<CommandOutcome, Problem> {
    let command = Command::Money(MoneyCommand::RecordExchange {
        lines,
        gateway: Label::parse(state.inner.gateway.name()).map_err(|_| Problem::internal())?,
    });
    let outcome = run(
        state,
        principal,
        case_id,
        Action::MoveMoney,
        expected,
        command,
    )
    .await?;
    settle(state, principal, outcome, None).await
}

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
    #[serde(default)]
    pub expected_version: Option<i64>,
}

case_command_doc!(
    compensation_doc,
    post,
    "/api/v1/cases/{case_id}/compensation",
    "compensate",
    "Give a goodwill gesture (geste commercial)",
    "A voucher, a shipping refund or a gift, recorded in the order's ledger.",
    CompensationBody
);

/// `POST /api/v1/cases/{case_id}/compensation`.
pub async fn compensation(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(case_id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<CompensationBody>,
) -> Result<Response, Problem> {
    let outcome = outcome_for(
        &state,
        &principal,
        &case_id,
        &headers,
        body.expected_version,
        Action::MoveMoney,
        Command::Money(MoneyCommand::Compensate {
            kind: body.kind,
            amount: body.amount,
            note: body.note,
            resolve: body.resolve,
        }),
    )
    .await?;
    Ok(command_response(StatusCode::OK, &outcome))
}
