//! The operator's pages: the merchants with their scorecards, one merchant's
//! view, and the settings (the consumer mediator, the minimum policy, staff
//! users and API keys). Merchant administrators reach the settings too, for
//! their own shop's users and keys.

use super::console::{InboxQuery, InboxRow, inbox_rows, reason_options, staff};
use super::form::{Errors, Form, FormBody};
use super::ui::Ui;
use super::{Ctx, WebError, redirect};
use crate::AppState;
use crate::api::access::CreateUser;
use crate::problem::Problem;
use amiable_domain::access::{Action, Principal, Resource, Role, authorize};
use amiable_domain::contact::Locale;
use amiable_domain::ids::MerchantId;
use amiable_domain::text::Label;
use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use jiff::{SignedDuration, Timestamp};

/// The window of the scorecards' median first response.
pub const SCORECARD_DAYS: i64 = 90;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/merchants", get(merchants))
        .route("/console/merchants/{merchant_id}", get(merchant))
        .route("/console/settings", get(settings))
        .route("/console/settings/mediator", post(save_mediator))
        .route("/console/settings/users", post(add_user))
        .route("/console/settings/api-keys", post(add_key))
        .route(
            "/console/settings/api-keys/{key_id}/revoke",
            post(revoke_key),
        )
}

/// A merchant's line in the operator's list.
pub struct ScoreRow {
    pub href: String,
    pub policy_href: String,
    pub settings_href: String,
    /// The shop's service levels (hours and policies).
    pub sla_href: String,
    pub name: String,
    pub orders: i64,
    pub open: i64,
    pub overdue: i64,
    pub median: Option<String>,
    pub answered: i64,
    /// Cases opened in the window, answered or not.
    pub window: i64,
    pub return_rate: Option<String>,
    /// Its quality standing: `good`, `under_watch` or `restricted`, and in words.
    pub standing_code: String,
    pub standing: String,
}

async fn score_rows(
    state: &AppState,
    ui: &Ui,
    principal: &Principal,
) -> Result<Vec<ScoreRow>, WebError> {
    let now = Timestamp::now();
    let since = now
        .checked_sub(SignedDuration::from_hours(24 * SCORECARD_DAYS))
        .unwrap_or(now);
    let cards = state
        .store()
        .scorecards(principal.operator_id(), now, since)
        .await?;
    let merchants = state.store().merchants(principal.operator_id()).await?;
    let ids: Vec<MerchantId> = cards.iter().map(|c| c.merchant_id).collect();
    let mut standings = super::sla::quality::standings(state, &ids).await?;
    Ok(cards
        .into_iter()
        .filter(|c| principal.merchant_id().is_none_or(|m| m == c.merchant_id))
        .map(|c| ScoreRow {
            href: format!("/console/merchants/{}", c.merchant_id),
            policy_href: format!("/console/policy?merchant={}", c.merchant_id),
            settings_href: format!("/console/settings/shop?merchant={}", c.merchant_id),
            sla_href: format!("/console/settings/sla?merchant={}", c.merchant_id),
            name: merchants
                .iter()
                .find(|m| m.id == c.merchant_id)
                .map(|m| m.name.clone())
                .unwrap_or_default(),
            orders: c.orders,
            open: c.open_cases,
            overdue: c.overdue_cases,
            median: c.median_first_response_seconds.map(|s| ui.seconds(&s)),
            answered: c.answered_cases,
            window: c.window_cases,
            return_rate: c.return_rate_per_thousand().map(|p| ui.percent(&p)),
            standing: super::sla::quality::standing_label(
                ui,
                standings.get(&c.merchant_id).map_or("good", String::as_str),
            ),
            standing_code: standings
                .remove(&c.merchant_id)
                .unwrap_or_else(|| "good".into()),
        })
        .collect())
}

#[derive(Template)]
#[template(path = "console/merchants.html")]
struct MerchantsPage {
    ui: Ui,
    rows: Vec<ScoreRow>,
    days: i64,
}

/// `GET /console/merchants`: every shop with its scorecard.
async fn merchants(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    if principal.merchant_id().is_some() {
        return Err(WebError::page(
            StatusCode::FORBIDDEN,
            "error-forbidden-title",
            "error-forbidden-body",
        ));
    }
    crate::api::allow_role(&principal, Action::ListMerchants)?;
    let ui = ctx.ui();
    let page = MerchantsPage {
        rows: score_rows(&state, &ui, &principal).await?,
        days: SCORECARD_DAYS,
        ui,
    };
    Ok(ctx.render(&page))
}

#[derive(Template)]
#[template(path = "console/merchant.html")]
struct MerchantPage {
    ui: Ui,
    title: String,
    card: Option<ScoreRow>,
    days: i64,
    query: InboxQuery,
    rows: Vec<InboxRow>,
    next_href: Option<String>,
    first_page_href: Option<String>,
    merchants: Vec<(String, String)>,
    reasons: Vec<(String, String)>,
    views: Vec<(String, String, String, bool)>,
    current_query: String,
    base: String,
    /// The shop's quality: standing, figures, what to improve, history.
    quality: Option<super::sla::quality::QualityView>,
}

/// `GET /console/merchants/{merchant_id}`: one shop's scorecard and inbox.
async fn merchant(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(merchant_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    let merchant_id = MerchantId::parse(&merchant_id).map_err(|_| WebError::not_found())?;
    let scope = crate::api::list_scope(&state, &principal, Some(merchant_id), None).await?;
    crate::api::allow(&principal, Action::ListCases, &scope, "merchant")?;
    let found = state
        .store()
        .merchant(merchant_id)
        .await?
        .ok_or_else(WebError::not_found)?;
    let ui = ctx
        .ui()
        .with_taxonomy(&state.store().taxonomy(principal.operator_id()).await?);
    let base = format!("/console/merchants/{merchant_id}");
    let mut query = InboxQuery::parse(raw.as_deref());
    query.merchant.clear();
    let (rows, next_href) =
        inbox_rows(&state, &ui, &principal, &query, Some(merchant_id), &base).await?;
    let card = score_rows(&state, &ui, &principal)
        .await?
        .into_iter()
        .find(|r| r.href == base);
    let current_query = query.to_query();
    let quality = super::sla::quality::quality_view(&state, &ui, &principal, merchant_id).await?;
    let page = MerchantPage {
        quality,
        title: found.name,
        card,
        days: SCORECARD_DAYS,
        first_page_href: query
            .cursor
            .is_some()
            .then(|| format!("{base}?{current_query}")),
        reasons: reason_options(&state, &ui, &principal).await?,
        query,
        rows,
        next_href,
        merchants: Vec::new(),
        views: Vec::new(),
        current_query,
        base,
        ui,
    };
    Ok(ctx.render(&page))
}

// ---------------------------------------------------------------- settings

/// A staff member, as the settings list them.
pub struct UserRow {
    pub name: String,
    pub email: String,
    pub role: String,
    pub shop: String,
}

/// An API key, as the settings list it (never its secret).
pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub scope: String,
    pub created: String,
    pub revoked: Option<String>,
}

#[derive(Template)]
#[template(path = "console/settings.html")]
struct SettingsPage {
    ui: Ui,
    operator_admin: bool,
    operator_name: String,
    mediator_form: Form,
    mediator_errors: Errors,
    users: Vec<UserRow>,
    user_form: Form,
    user_errors: Errors,
    keys: Vec<KeyRow>,
    key_form: Form,
    key_errors: Errors,
    new_key: Option<String>,
    shops: Vec<(String, String)>,
    roles: Vec<&'static str>,
}

#[derive(Default)]
struct SettingsForms {
    mediator: Option<Form>,
    mediator_errors: Errors,
    user: Form,
    user_errors: Errors,
    key: Form,
    key_errors: Errors,
    new_key: Option<String>,
}

fn own_scope(principal: &Principal) -> Resource {
    crate::api::own_scope(principal)
}

async fn settings_page(
    state: &AppState,
    ctx: &Ctx,
    principal: &Principal,
    forms: SettingsForms,
    status: StatusCode,
) -> Result<Response, WebError> {
    let scope = own_scope(principal);
    let may_users = authorize(principal, Action::ManageUsers, &scope).is_ok();
    let may_keys = authorize(principal, Action::ManageApiKeys, &scope).is_ok();
    if !may_users && !may_keys {
        return Err(WebError::page(
            StatusCode::FORBIDDEN,
            "error-forbidden-title",
            "error-forbidden-body",
        ));
    }
    let ui = ctx.ui();
    let operator = state
        .store()
        .operator(principal.operator_id())
        .await?
        .ok_or_else(WebError::not_found)?;
    let merchants = state.store().merchants(principal.operator_id()).await?;
    let shop_of = |id: Option<MerchantId>| match id {
        Some(id) => merchants
            .iter()
            .find(|m| m.id == id)
            .map(|m| m.name.clone())
            .unwrap_or_default(),
        None => operator.name.clone(),
    };
    let users = state
        .store()
        .users(principal.operator_id(), principal.merchant_id())
        .await?
        .into_iter()
        .map(|u| UserRow {
            role: ui.label("role", u.role.code()),
            shop: shop_of(u.merchant_id),
            name: u.name,
            email: u.email,
        })
        .collect();
    let keys = state
        .store()
        .api_keys(principal.operator_id(), principal.merchant_id())
        .await?
        .into_iter()
        .map(|k| KeyRow {
            scope: shop_of(k.merchant_id),
            created: ui.day_of(&k.created_at),
            revoked: k.revoked_at.map(|at| ui.day_of(&at)),
            id: k.id,
            name: k.name,
        })
        .collect();
    let mediator_form = forms.mediator.unwrap_or_else(|| {
        let m = operator.settings.get("mediator");
        let text = |key: &str| {
            m.and_then(|m| m.get(key))
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_owned()
        };
        Form::from_pairs(vec![
            ("name".into(), text("name")),
            ("website".into(), text("website")),
            ("email".into(), text("email")),
        ])
    });
    let operator_admin = principal.merchant_id().is_none()
        && authorize(
            principal,
            Action::ManagePolicy,
            &Resource::operator(principal.operator_id()),
        )
        .is_ok();
    let roles = if principal.merchant_id().is_some() {
        vec!["merchant_agent", "merchant_admin"]
    } else {
        vec![
            "merchant_agent",
            "merchant_admin",
            "mediator",
            "operator_admin",
        ]
    };
    let page = SettingsPage {
        operator_admin,
        operator_name: operator.name.clone(),
        mediator_form,
        mediator_errors: forms.mediator_errors,
        users,
        user_form: forms.user,
        user_errors: forms.user_errors,
        keys,
        key_form: forms.key,
        key_errors: forms.key_errors,
        new_key: forms.new_key,
        shops: if principal.merchant_id().is_none() {
            merchants
                .iter()
                .map(|m| (m.id.to_string(), m.name.clone()))
                .collect()
        } else {
            Vec::new()
        },
        roles,
        ui,
    };
    Ok(ctx.render_status(status, &page))
}

/// `GET /console/settings`.
async fn settings(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    settings_page(
        &state,
        &ctx,
        &principal,
        SettingsForms::default(),
        StatusCode::OK,
    )
    .await
}

/// `POST /console/settings/mediator`: the consumer mediator buyers are told of
/// (C. conso L616-1: its name and website, on the site and in the terms of sale).
async fn save_mediator(
    State(state): State<AppState>,
    ctx: Ctx,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    ctx.check_csrf(&form)?;
    let mediator = amiable_domain::settings::Mediator {
        name: form.text("name").to_owned(),
        website: form.text("website").to_owned(),
        email: Some(form.text("email").to_owned()).filter(|e| !e.is_empty()),
    };
    match state.app().set_mediator(&principal, mediator).await {
        Ok(()) => {}
        Err(error) if error.kind == amiable_app::Kind::Invalid => {
            let errors = Errors::from_problem(&Problem::from(error), ctx.lang, |path| {
                Some(match path {
                    "mediator.email" => "mediator-email".to_owned(),
                    other => other.trim_start_matches("mediator.").to_owned(),
                })
            });
            return settings_page(
                &state,
                &ctx,
                &principal,
                SettingsForms {
                    mediator: Some(form),
                    mediator_errors: errors,
                    ..SettingsForms::default()
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(error) => return Err(error.into()),
    }
    Ok(redirect("/console/settings?fait=mediator-saved"))
}

/// `POST /console/settings/users`: a new staff member (the API's checks).
async fn add_user(
    State(state): State<AppState>,
    ctx: Ctx,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    ctx.check_csrf(&form)?;
    crate::api::allow(
        &principal,
        Action::ManageUsers,
        &own_scope(&principal),
        "merchant",
    )?;
    let ui = ctx.ui();
    let mut errors = Errors::default();
    let role = Role::parse(form.text("role"));
    if role.is_none() {
        errors.add("role", ui.t("error-choice"));
    }
    let name = match Label::parse(form.text("name")) {
        Ok(name) => Some(name),
        Err(_) => {
            errors.add("user-name", ui.t("error-required"));
            None
        }
    };
    let merchant_id = match (role, principal.merchant_id()) {
        (_, Some(own)) => Some(own),
        (Some(r), None) if r.is_merchant_side() => match MerchantId::parse(form.text("merchant")) {
            Ok(m) => Some(m),
            Err(_) => {
                errors.add("merchant", ui.t("user-shop-required"));
                None
            }
        },
        _ => None,
    };
    let refuse = |errors: Errors, form: Form| async {
        settings_page(
            &state,
            &ctx,
            &principal,
            SettingsForms {
                user: form,
                user_errors: errors,
                ..SettingsForms::default()
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await
    };
    let (Some(role), Some(name), false) = (role, name, errors.any()) else {
        return refuse(errors, without_password(&form)).await;
    };
    let body = CreateUser {
        email: form.text("email").to_owned(),
        name,
        role,
        merchant_id,
        password: form.get("password").unwrap_or("").to_owned(),
        locale: Locale::parse(if ctx.lang == crate::i18n::Lang::En {
            "en"
        } else {
            "fr"
        })
        .ok(),
    };
    match state
        .app()
        .create_user(principal.operator_id(), principal.merchant_id(), body)
        .await
        .map_err(Problem::from)
    {
        Ok(_) => Ok(redirect("/console/settings?fait=user-added")),
        Err(problem) if problem.status < 500 => {
            let errors = Errors::from_problem(&problem, ctx.lang, |path| match path {
                "merchant_id" => Some("merchant".to_owned()),
                "email" | "password" | "role" | "name" => Some(path.to_owned()),
                _ => None,
            });
            refuse(errors, without_password(&form)).await
        }
        Err(problem) => Err(problem.into()),
    }
}

/// The form to show back, without the password typed.
fn without_password(form: &Form) -> Form {
    Form::from_pairs(
        ["email", "name", "role", "merchant"]
            .iter()
            .map(|k| ((*k).to_owned(), form.text(k).to_owned()))
            .collect(),
    )
}

/// `POST /console/settings/api-keys`: a new key, shown once on the answer.
async fn add_key(
    State(state): State<AppState>,
    ctx: Ctx,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    ctx.check_csrf(&form)?;
    let ui = ctx.ui();
    let mut errors = Errors::default();
    let name = match Label::parse(form.text("name")) {
        Ok(name) => Some(name),
        Err(_) => {
            errors.add("key-name", ui.t("error-required"));
            None
        }
    };
    let merchant_id = match form.text("merchant") {
        "" => None,
        raw => match MerchantId::parse(raw) {
            Ok(m) => Some(m),
            Err(_) => {
                errors.add("key-merchant", ui.t("error-choice"));
                None
            }
        },
    };
    let (Some(name), false) = (name, errors.any()) else {
        return settings_page(
            &state,
            &ctx,
            &principal,
            SettingsForms {
                key: form,
                key_errors: errors,
                ..SettingsForms::default()
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    match state
        .app()
        .issue_key(&principal, name, merchant_id)
        .await
        .map_err(Problem::from)
    {
        Ok(issued) => {
            // Shown on this answer only: the page is never cached (`no-store`).
            settings_page(
                &state,
                &ctx,
                &principal,
                SettingsForms {
                    new_key: Some(issued.key),
                    ..SettingsForms::default()
                },
                StatusCode::CREATED,
            )
            .await
        }
        Err(problem) if problem.status == 422 => {
            let errors = Errors::from_problem(&problem, ctx.lang, |path| {
                (path == "merchant_id").then(|| "key-merchant".to_owned())
            });
            settings_page(
                &state,
                &ctx,
                &principal,
                SettingsForms {
                    key: form,
                    key_errors: errors,
                    ..SettingsForms::default()
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(problem) => Err(problem.into()),
    }
}

async fn revoke_key(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(key_id): Path<String>,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    ctx.check_csrf(&form)?;
    state.app().revoke_key(&principal, &key_id).await?;
    Ok(redirect("/console/settings?fait=key-revoked"))
}
