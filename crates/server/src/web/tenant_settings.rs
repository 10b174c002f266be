//! The settings pages: a shop's (`/console/settings/shop`: its return address,
//! the contact shown to buyers, its time zone and language, the address of
//! withdrawal notices, its goodwill budget) and the marketplace's
//! (`/console/settings/marketplace`: its contact, time zone and language, and
//! the rules of its escalation ladder). The forms send what the API's
//! `PUT …/settings` takes, and show its refusals beside the fields.

use super::console::staff;
use super::form::{Errors, Form, FormBody};
use super::ui::Ui;
use super::{Ctx, WebError, redirect};
use crate::AppState;
use crate::i18n::Lang;
use crate::problem::Problem;
use amiable_domain::access::{Action, Principal, authorize};
use amiable_domain::case::GoodwillBudget;
use amiable_domain::contact::{Locale, PostalAddress};
use amiable_domain::ids::MerchantId;
use amiable_domain::settings::{Contact, MerchantSettings, OperatorSettings, WithdrawalNotice};
use amiable_i18n::format;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

/// Time zones offered in the field's list (any IANA name is accepted).
pub(crate) const ZONES: &[&str] = &[
    "Europe/Paris",
    "Europe/Brussels",
    "Europe/Luxembourg",
    "Europe/Zurich",
    "Europe/Monaco",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "America/Guadeloupe",
    "America/Martinique",
    "America/Cayenne",
    "Indian/Reunion",
    "Indian/Mayotte",
    "Pacific/Noumea",
    "Pacific/Tahiti",
    "America/Toronto",
    "UTC",
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/settings/shop", get(shop_page).post(save_shop))
        .route(
            "/console/settings/marketplace",
            get(marketplace_page).post(save_marketplace),
        )
}

#[derive(Template)]
#[template(path = "console/tenant_settings.html")]
struct SettingsPage {
    ui: Ui,
    /// `Some` on a shop's page (its id, as the form sends it back).
    merchant: Option<String>,
    name: String,
    form: Form,
    errors: Errors,
    zones: &'static [&'static str],
    may_edit: bool,
    /// The operator's link back to the shop's page.
    back: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
struct ShopQuery {
    merchant: Option<String>,
}

/// The shop a page is about: a merchant's own, or the one an operator names.
fn shop_of(principal: &Principal, named: Option<&str>) -> Result<MerchantId, WebError> {
    match (principal.merchant_id(), named.filter(|n| !n.is_empty())) {
        (Some(own), _) => Ok(own),
        (None, Some(named)) => MerchantId::parse(named).map_err(|_| WebError::not_found()),
        (None, None) => Err(WebError::Redirect("/console/merchants".into())),
    }
}

async fn shop_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ShopQuery>,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    let merchant_id = shop_of(&principal, query.merchant.as_deref())?;
    let settings = state
        .app()
        .merchant_settings(&principal, merchant_id)
        .await?;
    render_shop(
        &state,
        &ctx,
        &principal,
        merchant_id,
        shop_form(&settings, ctx.lang),
        Errors::default(),
        StatusCode::OK,
    )
    .await
}

async fn render_shop(
    state: &AppState,
    ctx: &Ctx,
    principal: &Principal,
    merchant_id: MerchantId,
    form: Form,
    errors: Errors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let merchant = state
        .store()
        .merchant(merchant_id)
        .await?
        .ok_or_else(WebError::not_found)?;
    let resource = state.app().merchant_resource(merchant_id).await?;
    let page = SettingsPage {
        merchant: Some(merchant_id.to_string()),
        name: merchant.name,
        form,
        errors,
        zones: ZONES,
        may_edit: authorize(principal, Action::ManageSettings, &resource).is_ok(),
        back: principal
            .merchant_id()
            .is_none()
            .then(|| format!("/console/merchants/{merchant_id}")),
        ui: ctx.ui(),
    };
    Ok(ctx.render_status(status, &page))
}

async fn save_shop(
    State(state): State<AppState>,
    ctx: Ctx,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    ctx.check_csrf(&form)?;
    let merchant_id = shop_of(&principal, Some(form.text("merchant")))?;
    // What the form does not show stays as it was.
    let kept = state
        .store()
        .merchant(merchant_id)
        .await?
        .map(|m| MerchantSettings::read(&m.settings))
        .unwrap_or_default();
    let errors = match merchant_settings_of(&form, ctx.lang, kept) {
        Err(errors) => errors,
        Ok(settings) => match state
            .app()
            .set_merchant_settings(&principal, merchant_id, settings)
            .await
        {
            Ok(_) => {
                let back = match principal.merchant_id() {
                    Some(_) => "/console/settings/shop?fait=settings-saved".to_owned(),
                    None => {
                        format!("/console/settings/shop?merchant={merchant_id}&fait=settings-saved")
                    }
                };
                return Ok(redirect(&back));
            }
            Err(error) => refusal(error, &ctx)?,
        },
    };
    render_shop(
        &state,
        &ctx,
        &principal,
        merchant_id,
        form,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// A refused change, as errors beside the form's fields; anything but a refusal of
/// the input is the error page.
fn refusal(error: amiable_app::Error, ctx: &Ctx) -> Result<Errors, WebError> {
    if error.kind != amiable_app::Kind::Invalid {
        return Err(error.into());
    }
    Ok(Errors::from_problem(
        &Problem::from(error),
        ctx.lang,
        |path| Some(field_of(path)),
    ))
}

async fn marketplace_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    let settings = state.app().operator_settings(&principal).await?;
    render_marketplace(
        &state,
        &ctx,
        &principal,
        marketplace_form(&settings),
        Errors::default(),
        StatusCode::OK,
    )
    .await
}

async fn render_marketplace(
    state: &AppState,
    ctx: &Ctx,
    principal: &Principal,
    form: Form,
    errors: Errors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let operator = state
        .store()
        .operator(principal.operator_id())
        .await?
        .ok_or_else(WebError::not_found)?;
    let page = SettingsPage {
        merchant: None,
        name: operator.name,
        form,
        errors,
        zones: ZONES,
        may_edit: authorize(
            principal,
            Action::ManageSettings,
            &amiable_domain::access::Resource::operator(principal.operator_id()),
        )
        .is_ok(),
        back: None,
        ui: ctx.ui(),
    };
    Ok(ctx.render_status(status, &page))
}

async fn save_marketplace(
    State(state): State<AppState>,
    ctx: Ctx,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    ctx.check_csrf(&form)?;
    let current = state.app().operator_settings(&principal).await?;
    let errors = match operator_settings_of(&form, ctx.lang, current) {
        Err(errors) => errors,
        Ok(settings) => match state
            .app()
            .set_operator_settings(&principal, settings)
            .await
        {
            Ok(_) => {
                return Ok(redirect(
                    "/console/settings/marketplace?fait=settings-saved",
                ));
            }
            Err(error) => refusal(error, &ctx)?,
        },
    };
    render_marketplace(
        &state,
        &ctx,
        &principal,
        form,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// The form's field for an API path: `return_address.lines[1]` → `return_line2`.
fn field_of(path: &str) -> String {
    let (prefix, rest) = if let Some(rest) = path.strip_prefix("return_address") {
        ("return", rest)
    } else if let Some(rest) = path.strip_prefix("withdrawal_notice.address") {
        ("notice", rest)
    } else if let Some(rest) = path.strip_prefix("withdrawal_notice") {
        ("notice", rest)
    } else if path == "withdrawal_information" {
        return "withdrawal_information_date".to_owned();
    } else if path.starts_with("goodwill_budget.approval_above") {
        return "goodwill_approval_above".to_owned();
    } else if path.starts_with("goodwill_budget") {
        return "goodwill_monthly".to_owned();
    } else if let Some(rest) = path.strip_prefix("contact") {
        ("contact", rest)
    } else {
        return path.to_owned();
    };
    let rest = rest.trim_start_matches('.');
    let name = match rest {
        "" if prefix == "contact" => "email".to_owned(),
        "" | "lines" => "line1".to_owned(),
        lines if lines.starts_with("lines[") => {
            let index: usize = lines
                .trim_start_matches("lines[")
                .trim_end_matches(']')
                .parse()
                .unwrap_or(0);
            format!("line{}", index + 1)
        }
        other => other.to_owned(),
    };
    format!("{prefix}_{name}")
}

fn address_pairs(prefix: &str, address: Option<&PostalAddress>, pairs: &mut Vec<(String, String)>) {
    let line = |i: usize| {
        address
            .and_then(|a| a.lines.get(i))
            .cloned()
            .unwrap_or_default()
    };
    pairs.push((
        format!("{prefix}_name"),
        address.and_then(|a| a.name.clone()).unwrap_or_default(),
    ));
    for i in 0..3 {
        pairs.push((format!("{prefix}_line{}", i + 1), line(i)));
    }
    pairs.push((
        format!("{prefix}_postal_code"),
        address.map(|a| a.postal_code.clone()).unwrap_or_default(),
    ));
    pairs.push((
        format!("{prefix}_city"),
        address.map(|a| a.city.clone()).unwrap_or_default(),
    ));
    pairs.push((
        format!("{prefix}_country"),
        address
            .map(|a| a.country.clone())
            .unwrap_or_else(|| "FR".into()),
    ));
}

fn contact_pairs(contact: Option<&Contact>, pairs: &mut Vec<(String, String)>) {
    let text = |v: Option<&String>| v.cloned().unwrap_or_default();
    pairs.push((
        "contact_email".into(),
        text(contact.and_then(|c| c.email.as_ref())),
    ));
    pairs.push((
        "contact_phone".into(),
        text(contact.and_then(|c| c.phone.as_ref())),
    ));
    pairs.push((
        "contact_hours".into(),
        text(contact.and_then(|c| c.hours.as_ref())),
    ));
}

fn shop_form(settings: &MerchantSettings, lang: Lang) -> Form {
    let mut pairs = Vec::new();
    address_pairs("return", settings.return_address.as_ref(), &mut pairs);
    contact_pairs(settings.contact.as_ref(), &mut pairs);
    pairs.push((
        "time_zone".into(),
        settings.time_zone.clone().unwrap_or_default(),
    ));
    pairs.push((
        "language".into(),
        settings
            .language
            .map(|l| l.code().to_owned())
            .unwrap_or_default(),
    ));
    let notice = settings.withdrawal_notice.as_ref();
    address_pairs("notice", notice.map(|n| &n.address), &mut pairs);
    pairs.push((
        "notice_email".into(),
        notice.and_then(|n| n.email.clone()).unwrap_or_default(),
    ));
    let (information, date) = match settings.withdrawal_information.as_deref() {
        None | Some("given") => ("", ""),
        Some("not_given") => ("not_given", ""),
        Some(date) => ("late", date),
    };
    pairs.push(("withdrawal_information".into(), information.into()));
    pairs.push(("withdrawal_information_date".into(), date.into()));
    let budget = settings.goodwill_budget.as_ref();
    pairs.push((
        "goodwill_monthly".into(),
        budget
            .map(|b| format::money_input(lang, &b.monthly))
            .unwrap_or_default(),
    ));
    pairs.push((
        "goodwill_approval_above".into(),
        budget
            .and_then(|b| b.approval_above.as_ref())
            .map(|m| format::money_input(lang, m))
            .unwrap_or_default(),
    ));
    Form::from_pairs(pairs)
}

fn marketplace_form(settings: &OperatorSettings) -> Form {
    let mut pairs = Vec::new();
    contact_pairs(settings.contact.as_ref(), &mut pairs);
    let days = |value: Option<u32>| value.map(|d| d.to_string()).unwrap_or_default();
    pairs.push((
        "escalation_window_days".into(),
        days(settings.escalation_window_days),
    ));
    pairs.push((
        "appeal_window_days".into(),
        days(settings.appeal_window_days),
    ));
    pairs.push((
        "time_zone".into(),
        settings.time_zone.clone().unwrap_or_default(),
    ));
    pairs.push((
        "language".into(),
        settings
            .language
            .map(|l| l.code().to_owned())
            .unwrap_or_default(),
    ));
    Form::from_pairs(pairs)
}

/// An address from its fields: `None` when they are all empty (the country alone does not count).
fn address_of(form: &Form, prefix: &str) -> Option<PostalAddress> {
    let field = |name: &str| form.text(&format!("{prefix}_{name}")).to_owned();
    let lines: Vec<String> = (1..=3)
        .map(|i| field(&format!("line{i}")))
        .filter(|l| !l.is_empty())
        .collect();
    let name = field("name");
    let (postal_code, city) = (field("postal_code"), field("city"));
    if lines.is_empty() && name.is_empty() && postal_code.is_empty() && city.is_empty() {
        return None;
    }
    Some(PostalAddress {
        name: (!name.is_empty()).then_some(name),
        lines,
        postal_code,
        city,
        country: field("country").to_uppercase(),
    })
}

fn contact_of(form: &Form) -> Option<Contact> {
    let text = |name: &str| Some(form.text(name).to_owned()).filter(|v| !v.is_empty());
    let contact = Contact {
        email: text("contact_email"),
        phone: text("contact_phone"),
        hours: text("contact_hours"),
    };
    (contact != Contact::default()).then_some(contact)
}

fn language_of(form: &Form, lang: Lang) -> Result<Option<Locale>, Errors> {
    match form.text("language") {
        "" => Ok(None),
        code => Locale::parse(code).map(Some).map_err(|error| {
            let mut errors = Errors::default();
            errors.add(
                "language",
                crate::i18n::problem(lang, error.code, &error.args).unwrap_or(error.message),
            );
            errors
        }),
    }
}

fn zone_of(form: &Form) -> Option<String> {
    Some(form.text("time_zone").to_owned()).filter(|z| !z.is_empty())
}

fn merchant_settings_of(
    form: &Form,
    lang: Lang,
    kept: MerchantSettings,
) -> Result<MerchantSettings, Errors> {
    let notice_address = address_of(form, "notice");
    let notice_email = Some(form.text("notice_email").to_owned()).filter(|e| !e.is_empty());
    let withdrawal_notice = match (notice_address, notice_email) {
        (Some(address), email) => Some(WithdrawalNotice { address, email }),
        // An email without an address: the address is what the model form needs.
        (None, Some(email)) => Some(WithdrawalNotice {
            address: PostalAddress::default(),
            email: Some(email),
        }),
        (None, None) => None,
    };
    let withdrawal_information = match form.text("withdrawal_information") {
        "" | "given" => None,
        "late" => Some(form.text("withdrawal_information_date").to_owned()),
        other => Some(other.to_owned()),
    };
    Ok(MerchantSettings {
        return_address: address_of(form, "return"),
        contact: contact_of(form),
        time_zone: zone_of(form),
        language: language_of(form, lang)?,
        withdrawal_notice,
        withdrawal_information,
        goodwill_budget: goodwill_budget_of(form, lang, kept.goodwill_budget)?,
    })
}

/// The goodwill budget typed: a monthly envelope and, optionally, the amount above
/// which one gesture needs a merchant admin's or the marketplace's approval; none
/// when both are empty. In the budget's currency (euros for a first budget).
fn goodwill_budget_of(
    form: &Form,
    lang: Lang,
    kept: Option<GoodwillBudget>,
) -> Result<Option<GoodwillBudget>, Errors> {
    let currency = kept
        .map(|b| b.monthly.currency)
        .unwrap_or(amiable_domain::money::Currency::EUR);
    let mut errors = Errors::default();
    let mut amount = |field: &str| match form.text(field) {
        "" => None,
        text => match format::parse_amount(text, currency, lang) {
            Ok(money) => Some(money),
            Err(e) => {
                errors.add(field, crate::web::i18n::message(lang, e.key(), None));
                None
            }
        },
    };
    let monthly = amount("goodwill_monthly");
    let approval_above = amount("goodwill_approval_above");
    if monthly.is_none() && approval_above.is_some() && !errors.has("goodwill_monthly") {
        errors.add(
            "goodwill_monthly",
            crate::web::i18n::message(lang, "settings-goodwill-monthly-required", None),
        );
    }
    if errors.any() {
        return Err(errors);
    }
    Ok(monthly.map(|monthly| GoodwillBudget {
        monthly,
        approval_above,
    }))
}

/// The marketplace's form changes its contact, zone and language, and the rules of
/// its ladder; the mediator (set on the settings page) stays as it is.
fn operator_settings_of(
    form: &Form,
    lang: Lang,
    current: OperatorSettings,
) -> Result<OperatorSettings, Errors> {
    let mut errors = Errors::default();
    let mut days = |field: &str| match form.text(field) {
        "" => None,
        text => match text.parse::<u32>() {
            Ok(days) => Some(days),
            Err(_) => {
                errors.add(field, crate::web::i18n::message(lang, "error-number", None));
                None
            }
        },
    };
    let escalation_window_days = days("escalation_window_days");
    let appeal_window_days = days("appeal_window_days");
    let language = language_of(form, lang);
    if let Err(language) = &language {
        for (field, message) in language.all() {
            match field {
                Some(field) => errors.add(&field, message),
                None => errors.add_general(message),
            }
        }
    }
    if errors.any() {
        return Err(errors);
    }
    Ok(OperatorSettings {
        contact: contact_of(form),
        time_zone: zone_of(form),
        language: language?,
        escalation_window_days,
        appeal_window_days,
        ..current
    })
}

#[cfg(test)]
mod tests {
    use super::field_of;

    #[test]
    fn api_paths_name_the_form_fields() {
        assert_eq!(field_of("return_address.lines[1]"), "return_line2");
        assert_eq!(field_of("return_address.lines"), "return_line1");
        assert_eq!(field_of("return_address.postal_code"), "return_postal_code");
        assert_eq!(field_of("withdrawal_notice.address.city"), "notice_city");
        assert_eq!(field_of("withdrawal_notice.email"), "notice_email");
        assert_eq!(field_of("contact"), "contact_email");
        assert_eq!(field_of("contact.phone"), "contact_phone");
        assert_eq!(field_of("time_zone"), "time_zone");
        assert_eq!(
            field_of("goodwill_budget.monthly.amount_minor"),
            "goodwill_monthly"
        );
        assert_eq!(
            field_of("goodwill_budget.approval_above"),
            "goodwill_approval_above"
        );
        assert_eq!(field_of("appeal_window_days"), "appeal_window_days");
    }
}
