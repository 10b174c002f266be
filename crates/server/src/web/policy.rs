//! The return policy editor, `/console/policy`: a merchant's policy (or, for
//! the operator, the marketplace's minimum and each shop's), with a preview
//! of what a buyer would be told and the version history. Publishing adds a
//! version through the same function as the API, so the operator's minimum
//! and the policy's bounds are checked the same way.

use super::console::staff;
use super::form::{Errors, Form, FormBody};
use super::ui::Ui;
use super::{Ctx, WebError, redirect};
use crate::AppState;
use crate::problem::Problem;
use amiable_domain::access::{Action, Principal, Resource};
use amiable_domain::case::ResolutionKind;
use amiable_domain::ids::MerchantId;
use amiable_domain::money::{Currency, Money};
use amiable_domain::order::LineFlag;
use amiable_domain::returns::{AutoApproval, RestockingFee, ReturnPolicy, ReturnShipping};
use amiable_store::PolicyScope;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/console/policy", get(page).post(submit))
}

/// Which policy the page edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Minimum,
    Merchant(MerchantId),
}

#[derive(Deserialize, Default)]
struct TargetQuery {
    merchant: Option<String>,
    scope: Option<String>,
}

fn target_of(
    principal: &Principal,
    merchant: Option<&str>,
    scope: Option<&str>,
) -> Result<Target, WebError> {
    if let Some(own) = principal.merchant_id() {
        return Ok(Target::Merchant(own));
    }
    match (scope, merchant) {
        (_, Some(m)) if !m.is_empty() => MerchantId::parse(m)
            .map(Target::Merchant)
            .map_err(|_| WebError::not_found()),
        _ => Ok(Target::Minimum),
    }
}

fn resource_of(principal: &Principal, target: Target) -> Resource {
    match target {
        Target::Minimum => Resource::operator(principal.operator_id()),
        Target::Merchant(m) => Resource::merchant(principal.operator_id(), m),
    }
}

fn scope_of(target: Target) -> PolicyScope {
    match target {
        Target::Minimum => PolicyScope::Operator,
        Target::Merchant(m) => PolicyScope::Merchant(m),
    }
}

/// One published version, as the history lists it.
pub struct VersionRow {
    pub version: u32,
    pub published: String,
    pub by: String,
    pub summary: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "console/policy.html")]
struct PolicyPage {
    ui: Ui,
    heading: String,
    merchant_param: String,
    is_minimum: bool,
    can_edit: bool,
    shops: Vec<(String, String, bool)>,
    form: Form,
    errors: Errors,
    preview: Vec<String>,
    minimum: Vec<String>,
    versions: Vec<VersionRow>,
    in_force: String,
}

impl PolicyPage {
    fn checked(&self, name: &str, value: &str) -> bool {
        self.form.all(name).any(|v| v == value)
    }
}

/// The form's fields for a policy.
fn form_of(ui: &Ui, policy: &ReturnPolicy) -> Form {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut push = |k: &str, v: String| pairs.push((k.to_owned(), v));
    push("window_days", policy.window_days.to_string());
    push(
        "return_shipping",
        match policy.return_shipping {
            ReturnShipping::Buyer => "buyer",
            ReturnShipping::Merchant => "merchant",
        }
        .to_owned(),
    );
    match policy.restocking_fee {
        None => push("restocking", "none".to_owned()),
        Some(RestockingFee::Percent { percent }) => {
            push("restocking", "percent".to_owned());
            push("restocking_percent", percent.to_string());
        }
        Some(RestockingFee::Amount { amount }) => {
            push("restocking", "amount".to_owned());
            push("restocking_amount", ui.money_input(&amount));
        }
    }
    for kind in &policy.allowed_resolutions {
        push("allowed", kind.code().to_owned());
    }
    if let Some(bonus) = policy.store_credit_bonus_percent {
        push("bonus_percent", bonus.to_string());
    }
    if let Some(below) = policy.returnless_below {
        push("returnless_below", ui.money_input(&below));
    }
    push("label_expiry_days", policy.label_expiry_days.to_string());
    if let Some(auto) = &policy.auto_approve {
        push("auto", "1".to_owned());
        if let Some(max) = auto.max_amount {
            push("auto_max_amount", ui.money_input(&max));
        }
        if let Some(n) = auto.max_recent_returns {
            push("auto_max_recent", n.to_string());
        }
    }
    push("categories", policy.non_returnable_categories.join("\n"));
    for flag in &policy.non_returnable_flags {
        push("flags", flag_code(*flag).to_owned());
    }
    if let Some(rules) = &policy.condition_rules {
        push("condition_rules", rules.clone());
    }
    Form::from_pairs(pairs)
}

fn flag_code(flag: LineFlag) -> &'static str {
    match flag {
        LineFlag::Personalised => "personalised",
        LineFlag::Perishable => "perishable",
        LineFlag::SealedHygiene => "sealed_hygiene",
        LineFlag::SecondHand => "second_hand",
        LineFlag::Digital => "digital",
    }
}

fn number<T: std::str::FromStr>(
    ui: &Ui,
    form: &Form,
    field: &str,
    errors: &mut Errors,
) -> Option<T> {
    match form.text(field) {
        "" => None,
        text => match text.parse() {
            Ok(n) => Some(n),
            // The fields are counts of days, percents and amounts: never below zero.
            Err(_) if text.trim().starts_with('-') => {
                errors.add(field, ui.t("error-number-negative"));
                None
            }
            Err(_) => {
                errors.add(field, ui.t("error-number"));
                None
            }
        },
    }
}

fn amount(ui: &Ui, form: &Form, field: &str, errors: &mut Errors) -> Option<Money> {
    match form.text(field) {
        "" => None,
        text => match super::format::parse_amount(text, Currency::EUR, ui.lang) {
            Ok(m) => Some(m),
            Err(e) => {
                errors.add(field, ui.t(e.key()));
                None
            }
        },
    }
}

/// The policy the form describes, or the errors beside its fields.
fn policy_of(ui: &Ui, form: &Form) -> Result<ReturnPolicy, Errors> {
    let mut errors = Errors::default();
    let window_days = number::<u32>(ui, form, "window_days", &mut errors);
    if window_days.is_none() && !errors.has("window_days") {
        errors.add("window_days", ui.t("error-required"));
    }
    let label_expiry_days = number::<u32>(ui, form, "label_expiry_days", &mut errors);
    if label_expiry_days.is_none() && !errors.has("label_expiry_days") {
        errors.add("label_expiry_days", ui.t("error-required"));
    }
    let return_shipping = match form.text("return_shipping") {
        "merchant" => ReturnShipping::Merchant,
        _ => ReturnShipping::Buyer,
    };
    let restocking_fee = match form.text("restocking") {
        "percent" => number::<u8>(ui, form, "restocking_percent", &mut errors)
            .map(|percent| RestockingFee::Percent { percent }),
        "amount" => amount(ui, form, "restocking_amount", &mut errors)
            .map(|amount| RestockingFee::Amount { amount }),
        _ => None,
    };
    let mut allowed = vec![ResolutionKind::ReturnAndRefund];
    for value in form.all("allowed") {
        if let Some(kind) = ResolutionKind::parse(value)
            && !allowed.contains(&kind)
        {
            allowed.push(kind);
        }
    }
    let bonus = number::<u8>(ui, form, "bonus_percent", &mut errors);
    let returnless_below = amount(ui, form, "returnless_below", &mut errors);
    let auto_approve = form.checked("auto").then(|| AutoApproval {
        max_amount: amount(ui, form, "auto_max_amount", &mut errors),
        max_recent_returns: number::<u32>(ui, form, "auto_max_recent", &mut errors),
    });
    let categories: Vec<String> = form
        .text("categories")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let flags: Vec<LineFlag> = LineFlag::ALL
        .into_iter()
        .filter(|f| form.all("flags").any(|v| v == flag_code(*f)))
        .collect();
    let rules = form.text("condition_rules");
    if errors.any() {
        return Err(errors);
    }
    let policy = ReturnPolicy {
        window_days: window_days.unwrap_or(0),
        non_returnable_categories: categories,
        non_returnable_flags: flags,
        return_shipping,
        restocking_fee,
        allowed_resolutions: allowed,
        store_credit_bonus_percent: bonus,
        returnless_below,
        label_expiry_days: label_expiry_days.unwrap_or(0),
        auto_approve,
        condition_rules: (!rules.is_empty()).then(|| rules.to_owned()),
    };
    if let Err(invalid) = policy.check() {
        let mut errors = Errors::default();
        for e in invalid.0 {
            let field = field_of(&e.field);
            let message = crate::i18n::problem(ui.lang, e.code, &e.args).unwrap_or(e.message);
            errors.add(&field, message);
        }
        return Err(errors);
    }
    Ok(policy)
}

/// The form field of a policy's field path.
fn field_of(path: &str) -> String {
    match path.split(['.', '[']).next().unwrap_or(path) {
        "restocking_fee" if path.contains("percent") => "restocking_percent",
        "restocking_fee" => "restocking_amount",
        "allowed_resolutions" => "allowed",
        "store_credit_bonus_percent" => "bonus_percent",
        "non_returnable_categories" => "categories",
        "non_returnable_flags" => "flags",
        "auto_approve" => "auto_max_amount",
        other => other,
    }
    .to_owned()
}

/// What a buyer is told of a policy, in sentences.
pub fn sentences(ui: &Ui, policy: &ReturnPolicy) -> Vec<String> {
    let mut out = vec![ui.ta("policy-says-window", "days", policy.window_days)];
    if policy.window_days < 14 {
        out.push(ui.t("policy-says-law-floor"));
    }
    out.push(match policy.return_shipping {
        ReturnShipping::Merchant => ui.t("terms-free-return"),
        ReturnShipping::Buyer => ui.t("terms-buyer-pays"),
    });
    match &policy.restocking_fee {
        Some(RestockingFee::Percent { percent }) => out.push(format!(
            "{} {}",
            ui.ta("terms-restocking-percent", "percent", percent),
            ui.t("policy-says-fee-beyond-law")
        )),
        Some(RestockingFee::Amount { amount }) => out.push(format!(
            "{} {}",
            ui.ta("terms-restocking-amount", "amount", ui.money(amount)),
            ui.t("policy-says-fee-beyond-law")
        )),
        None => {}
    }
    let choices: Vec<String> = policy
        .allowed_resolutions
        .iter()
        .map(|k| ui.label("prefer", k.code()).to_lowercase())
        .collect();
    out.push(ui.ta("policy-says-choices", "what", choices.join(", ")));
    if let Some(bonus) = policy.store_credit_bonus_percent.filter(|b| *b > 0)
        && policy
            .allowed_resolutions
            .contains(&ResolutionKind::StoreCredit)
    {
        out.push(ui.ta("prefer-store_credit-bonus", "percent", bonus));
    }
    if let Some(below) = &policy.returnless_below {
        out.push(ui.ta("policy-says-returnless", "amount", ui.money(below)));
    }
    out.push(ui.ta("policy-says-label", "days", policy.label_expiry_days));
    if !policy.non_returnable_categories.is_empty() {
        out.push(ui.ta(
            "policy-says-categories",
            "what",
            policy.non_returnable_categories.join(", "),
        ));
    }
    if !policy.non_returnable_flags.is_empty() {
        let flags: Vec<String> = policy
            .non_returnable_flags
            .iter()
            .map(|f| ui.label("flag", flag_code(*f)))
            .collect();
        out.push(ui.ta("policy-says-flags", "what", flags.join(", ")));
    }
    if let Some(rules) = &policy.condition_rules {
        out.push(ui.ta("return-condition", "what", rules));
    }
    match &policy.auto_approve {
        Some(auto) => out.push(match auto.max_amount {
            Some(max) => ui.ta("policy-says-auto-under", "amount", ui.money(&max)),
            None => ui.t("policy-says-auto"),
        }),
        None => out.push(ui.t("policy-says-manual")),
    }
    out.push(ui.t("policy-says-law"));
    out
}

fn summary(ui: &Ui, policy: &ReturnPolicy) -> String {
    let mut parts = vec![ui.tn("policy-days", policy.window_days)];
    parts.push(match policy.return_shipping {
        ReturnShipping::Merchant => ui.t("policy-free"),
        ReturnShipping::Buyer => ui.t("policy-paid"),
    });
    let kinds: Vec<String> = policy
        .allowed_resolutions
        .iter()
        .map(|k| ui.label("prefer", k.code()))
        .collect();
    parts.push(kinds.join(", "));
    parts.join(" · ")
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    principal: &Principal,
    target: Target,
    form: Option<Form>,
    errors: Errors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let ui = ctx.ui();
    let resource = resource_of(principal, target);
    crate::api::allow(principal, Action::ReadPolicy, &resource, "merchant")?;
    let can_edit =
        amiable_domain::access::authorize(principal, Action::ManagePolicy, &resource).is_ok();
    let (heading, merchant_id) = match target {
        Target::Minimum => (ui.t("policy-minimum-title"), None),
        Target::Merchant(m) => {
            let merchant = state
                .store()
                .merchant(m)
                .await?
                .filter(|x| x.operator_id == principal.operator_id())
                .ok_or_else(WebError::not_found)?;
            (ui.ta("policy-title", "shop", merchant.name), Some(m))
        }
    };
    let history = state
        .app()
        .policy_history(principal.operator_id(), scope_of(target), merchant_id)
        .await?;
    let users = state.store().users(principal.operator_id(), None).await?;
    let name_of = |id: &str| {
        users
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.name.clone())
            .unwrap_or_else(|| id.to_owned())
    };
    let current = history.current.as_ref().map(|v| v.policy.clone());
    let form = form.unwrap_or_else(|| {
        form_of(
            &ui,
            &current.clone().unwrap_or_else(|| match &history.minimum {
                Some(minimum) => minimum.policy.clone(),
                None => ReturnPolicy::statutory(),
            }),
        )
    });
    let preview = match policy_of(&ui, &form) {
        Ok(policy) => sentences(&ui, &policy),
        Err(_) => Vec::new(),
    };
    let shops = if principal.merchant_id().is_none() {
        state
            .store()
            .merchants(principal.operator_id())
            .await?
            .into_iter()
            .map(|m| {
                let active = Some(m.id) == merchant_id;
                (m.id.to_string(), m.name, active)
            })
            .collect()
    } else {
        Vec::new()
    };
    let in_force = ui.ta2(
        "return-policy-ref",
        "what",
        ui.label("policy-source", history.in_force.source.code()),
        "version",
        history.in_force.version,
    );
    let page = PolicyPage {
        heading,
        merchant_param: merchant_id.map(|m| m.to_string()).unwrap_or_default(),
        is_minimum: target == Target::Minimum,
        can_edit,
        shops,
        preview,
        minimum: history
            .minimum
            .as_ref()
            .map(|m| sentences(&ui, &m.policy))
            .unwrap_or_default(),
        versions: history
            .versions
            .iter()
            .enumerate()
            .map(|(i, v)| VersionRow {
                version: v.version,
                published: ui.datetime(&v.effective_from),
                by: name_of(&v.created_by),
                summary: summary(&ui, &v.policy),
                current: i == 0,
            })
            .collect(),
        in_force,
        form,
        errors,
        ui,
    };
    Ok(ctx.render_status(status, &page))
}

/// `GET /console/policy[?merchant=…]`.
async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<TargetQuery>,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    let target = target_of(
        &principal,
        query.merchant.as_deref(),
        query.scope.as_deref(),
    )?;
    render(
        &state,
        &ctx,
        &principal,
        target,
        None,
        Errors::default(),
        StatusCode::OK,
    )
    .await
}

/// `POST /console/policy`: preview (`intent=preview`) or publish a new version.
async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    ctx.check_csrf(&form)?;
    let merchant = form.text("merchant").to_owned();
    let target = target_of(&principal, Some(&merchant), None)?;
    // A shop of this marketplace, looked up (the form names it).
    if let Target::Merchant(m) = target {
        state
            .store()
            .merchant(m)
            .await?
            .filter(|x| x.operator_id == principal.operator_id())
            .ok_or_else(WebError::not_found)?;
    }
    let resource = resource_of(&principal, target);
    let ui = ctx.ui();
    let preview = form.text("intent") == "preview";
    let policy = match policy_of(&ui, &form) {
        Ok(policy) => policy,
        Err(errors) => {
            // A preview answers 200 with the errors (htmx swaps it in: no stale preview).
            let status = if preview {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            return render(&state, &ctx, &principal, target, Some(form), errors, status).await;
        }
    };
    if preview {
        return render(
            &state,
            &ctx,
            &principal,
            target,
            Some(form),
            Errors::default(),
            StatusCode::OK,
        )
        .await;
    }
    crate::api::allow(&principal, Action::ManagePolicy, &resource, "merchant")?;
    match state
        .app()
        .publish_policy(&principal, scope_of(target), &policy)
        .await
        .map_err(Problem::from)
    {
        Ok(_) => {
            let back = match target {
                Target::Minimum => "/console/policy?fait=policy-published".to_owned(),
                Target::Merchant(m) if principal.merchant_id().is_none() => {
                    format!("/console/policy?merchant={m}&fait=policy-published")
                }
                Target::Merchant(_) => "/console/policy?fait=policy-published".to_owned(),
            };
            Ok(redirect(&back))
        }
        Err(problem) if problem.status == 422 => {
            let errors = Errors::from_problem(&problem, ctx.lang, |path| Some(field_of(path)));
            render(
                &state,
                &ctx,
                &principal,
                target,
                Some(form),
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(problem) => Err(problem.into()),
    }
}
