//! « Délais de service », `/console/settings/sla`: the team's business hours
//! (time zone, up to three shifts per weekday, public holidays, closures,
//! date overrides) and the SLA policies (conditions, and per target a length,
//! a clock and a warning). The marketplace's for its administrators (and a
//! shop's with `?merchant=`), a shop's own for its staff. Saving replaces the
//! document through [`amiable_app::App::set_sla_document`], which re-assesses
//! the open cases.

use super::{Choice, Field, choices, path_steps, rows};
use crate::AppState;
use crate::problem::Problem;
use crate::web::console::staff;
use crate::web::form::{Errors, Form, FormBody};
use crate::web::format;
use crate::web::ui::Ui;
use crate::web::{Ctx, WebError, redirect};
use amiable_app::sla::SlaScope;
use amiable_domain::access::{Action, Principal, Resource, authorize};
use amiable_domain::calendar::Region;
use amiable_domain::case::{CaseKind, Stage};
use amiable_domain::ids::MerchantId;
use amiable_domain::money::Currency;
use amiable_domain::sla::SlaDocument;
use amiable_domain::sla::hours::{Closure, DateOverride, HoursDocument, WeekDocument};
use amiable_domain::sla::policy::{
    ClockKind, Conditions, PolicyDocument, Target, TargetDocument, TargetsDocument,
};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use std::collections::HashMap;

/// The weekdays, as the hours document names them.
pub const DAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// Shifts a day may have on the form.
pub const SHIFTS: usize = 3;

/// One weekday's row.
pub struct DayView {
    pub label: String,
    /// The day's id (its errors: overlapping shifts).
    pub id: String,
    pub error: Option<String>,
    /// From and to of each shift.
    pub shifts: Vec<(Field, Field)>,
}

pub struct HoursView {
    pub time_zone: Field,
    pub holidays: Field,
    pub days: Vec<DayView>,
    /// From, to, label.
    pub closures: Vec<(Field, Field, Field)>,
    /// Date, shifts.
    pub overrides: Vec<(Field, Field)>,
}

/// A target of a policy on the form.
pub struct TargetView {
    pub label: String,
    pub within: Field,
    pub clock: Field,
    pub warn: Field,
}

/// The conditions of a policy or a rule on the form.
pub struct ConditionsView {
    pub kinds: Vec<Choice>,
    pub reasons: Vec<Choice>,
    pub reasons_error: Option<String>,
    pub stages: Vec<Choice>,
    /// Shops the document names (kept as they are: the API sets them).
    pub merchants: Vec<String>,
    /// The minimum and maximum amounts, with their labels.
    pub amounts: Vec<(Field, String)>,
}

pub struct PolicyView {
    /// The legend: « Politique 2 », or « Nouvelle politique ».
    pub legend: String,
    pub prefix: String,
    pub name: Field,
    pub delete: Field,
    pub conditions: ConditionsView,
    pub targets: Vec<TargetView>,
    pub targets_id: String,
    pub targets_error: Option<String>,
    pub is_new: bool,
}

#[derive(Template)]
#[template(path = "console/sla_settings.html")]
struct SlaPage {
    ui: Ui,
    /// The marketplace's name, or the shop's.
    name: String,
    /// The shop's id, sent back by the form.
    merchant: Option<String>,
    may_edit: bool,
    /// The operator's way back to the shop's page.
    back: Option<String>,
    errors: Errors,
    hours: HoursView,
    policies: Vec<PolicyView>,
    zones: &'static [&'static str],
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct ScopeQuery {
    merchant: Option<String>,
}

/// Whose settings: a shop's staff edit their shop's; the marketplace's people edit the
/// marketplace's, or the shop they name.
fn scope_of(principal: &Principal, named: Option<&str>) -> Result<SlaScope, WebError> {
    match (principal.merchant_id(), named.filter(|n| !n.is_empty())) {
        (Some(own), _) => Ok(SlaScope::Merchant(own)),
        (None, Some(named)) => MerchantId::parse(named)
            .map(SlaScope::Merchant)
            .map_err(|_| WebError::not_found()),
        (None, None) => Ok(SlaScope::Marketplace),
    }
}

/// `GET /console/settings/sla[?merchant=…]`.
pub(super) async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ScopeQuery>,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    let scope = scope_of(&principal, query.merchant.as_deref())?;
    let doc = state.app().sla_document(&principal, scope).await?;
    let form = document_form(&doc, ctx.lang);
    render(
        &state,
        &ctx,
        &principal,
        scope,
        form,
        Errors::default(),
        StatusCode::OK,
    )
    .await
}

/// `POST /console/settings/sla`: the whole document, checked by the use case.
pub(super) async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    ctx.check_csrf(&form)?;
    let scope = scope_of(&principal, Some(form.text("merchant")))?;
    let (doc, slots, mut errors) = document_of(&form, ctx.lang, scope == SlaScope::Marketplace);
    if !errors.any() {
        match state.app().set_sla_document(&principal, scope, doc).await {
            Ok(_) => {
                let to = match (scope, principal.merchant_id()) {
                    (SlaScope::Merchant(id), None) => {
                        format!("/console/settings/sla?merchant={id}&fait=sla-saved")
                    }
                    _ => "/console/settings/sla?fait=sla-saved".to_owned(),
                };
                return Ok(redirect(&to));
            }
            Err(error) if error.kind == amiable_app::Kind::Invalid => {
                errors = Errors::from_problem(&Problem::from(error), ctx.lang, |path| {
                    field_of(path, &slots)
                });
            }
            Err(error) => return Err(error.into()),
        }
    }
    render(
        &state,
        &ctx,
        &principal,
        scope,
        form,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    principal: &Principal,
    scope: SlaScope,
    form: Form,
    errors: Errors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let ui = ctx.ui();
    let (name, merchant, resource) = match scope {
        SlaScope::Marketplace => (
            state
                .store()
                .operator(principal.operator_id())
                .await?
                .ok_or_else(WebError::not_found)?
                .name,
            None,
            Resource::operator(principal.operator_id()),
        ),
        SlaScope::Merchant(id) => (
            state
                .store()
                .merchant(id)
                .await?
                .ok_or_else(WebError::not_found)?
                .name,
            Some(id),
            state.app().merchant_resource(id).await?,
        ),
    };
    let reasons = crate::web::console::reason_options(state, &ui, principal).await?;
    let marketplace = scope == SlaScope::Marketplace;
    let page = SlaPage {
        name,
        merchant: merchant.map(|m| m.to_string()),
        may_edit: authorize(principal, Action::ManageSettings, &resource).is_ok(),
        back: match merchant {
            Some(id) if principal.merchant_id().is_none() => {
                Some(format!("/console/merchants/{id}"))
            }
            _ => None,
        },
        hours: hours_view(&ui, &form, &errors),
        policies: policy_views(&ui, &form, &errors, marketplace, &reasons),
        zones: crate::web::tenant_settings::ZONES,
        errors,
        ui,
    };
    Ok(ctx.render_status(status, &page))
}

// ---------------------------------------------------------------- document → form

fn shift_halves(text: &str) -> (String, String) {
    let text = text.replace('–', "-");
    match text.split_once('-') {
        Some((from, to)) => (from.trim().to_owned(), to.trim().to_owned()),
        None => (text.trim().to_owned(), String::new()),
    }
}

fn week_of(week: &WeekDocument) -> [(&'static str, &Vec<String>); 7] {
    [
        ("monday", &week.monday),
        ("tuesday", &week.tuesday),
        ("wednesday", &week.wednesday),
        ("thursday", &week.thursday),
        ("friday", &week.friday),
        ("saturday", &week.saturday),
        ("sunday", &week.sunday),
    ]
}

fn week_mut<'a>(week: &'a mut WeekDocument, day: &str) -> &'a mut Vec<String> {
    match day {
        "monday" => &mut week.monday,
        "tuesday" => &mut week.tuesday,
        "wednesday" => &mut week.wednesday,
        "thursday" => &mut week.thursday,
        "friday" => &mut week.friday,
        "saturday" => &mut week.saturday,
        _ => &mut week.sunday,
    }
}

/// The form fields of a stored document.
fn document_form(doc: &SlaDocument, lang: crate::i18n::Lang) -> Form {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let hours = doc
        .hours
        .clone()
        .unwrap_or_else(HoursDocument::french_office);
    pairs.push(("time_zone".into(), hours.time_zone.clone()));
    pairs.push((
        "holidays".into(),
        match hours.holidays {
            None => "none",
            Some(Region::France) => "france",
            Some(Region::AlsaceMoselle) => "alsace_moselle",
        }
        .into(),
    ));
    for (day, shifts) in week_of(&hours.week) {
        for (slot, shift) in shifts.iter().enumerate() {
            let (from, to) = shift_halves(shift);
            pairs.push((format!("week_{day}_{slot}_from"), from));
            pairs.push((format!("week_{day}_{slot}_to"), to));
        }
    }
    for (i, closure) in hours.closures.iter().enumerate() {
        pairs.push((format!("closure_{i}_from"), closure.from.to_string()));
        pairs.push((format!("closure_{i}_to"), closure.to.to_string()));
        pairs.push((format!("closure_{i}_label"), closure.label.clone()));
    }
    for (i, item) in hours.overrides.iter().enumerate() {
        pairs.push((format!("override_{i}_date"), item.date.to_string()));
        pairs.push((format!("override_{i}_hours"), item.hours.join(", ")));
    }
    for (i, policy) in doc.policies.iter().enumerate() {
        let p = format!("policy_{i}");
        pairs.push((format!("{p}_name"), policy.name.clone()));
        conditions_pairs(&p, &policy.conditions, lang, &mut pairs);
        for target in Target::ALL {
            let Some(t) = targets_get(&policy.targets, target) else {
                continue;
            };
            let code = target.code();
            pairs.push((format!("{p}_{code}_within"), t.within.clone()));
            pairs.push((format!("{p}_{code}_clock"), clock_code(t.clock).into()));
            pairs.push((
                format!("{p}_{code}_warn"),
                t.warn_before.clone().unwrap_or_default(),
            ));
        }
    }
    Form::from_pairs(pairs)
}

fn clock_code(clock: ClockKind) -> &'static str {
    match clock {
        ClockKind::Business => "business",
        ClockKind::Calendar => "calendar",
    }
}

/// The conditions of a policy or a rule as fields under `prefix`.
pub fn conditions_pairs(
    prefix: &str,
    conditions: &Conditions,
    lang: crate::i18n::Lang,
    pairs: &mut Vec<(String, String)>,
) {
    for kind in &conditions.kinds {
        pairs.push((format!("{prefix}_kind"), kind.code().into()));
    }
    for reason in &conditions.reasons {
        pairs.push((format!("{prefix}_reason"), reason.clone()));
    }
    for stage in &conditions.stages {
        pairs.push((format!("{prefix}_stage"), stage.code().into()));
    }
    for merchant in &conditions.merchants {
        pairs.push((format!("{prefix}_merchant"), merchant.to_string()));
    }
    let amount = |minor: Option<i64>| {
        minor
            .map(|m| {
                format::money_input(lang, &amiable_domain::money::Money::new(m, Currency::EUR))
            })
            .unwrap_or_default()
    };
    pairs.push((format!("{prefix}_min"), amount(conditions.min_amount_minor)));
    pairs.push((format!("{prefix}_max"), amount(conditions.max_amount_minor)));
}

fn targets_get(targets: &TargetsDocument, target: Target) -> Option<&TargetDocument> {
    match target {
        Target::FirstResponse => targets.first_response.as_ref(),
        Target::NextResponse => targets.next_response.as_ref(),
        Target::BuyerUpdate => targets.buyer_update.as_ref(),
        Target::Resolution => targets.resolution.as_ref(),
        Target::MarketplaceResponse => targets.marketplace_response.as_ref(),
    }
}

fn targets_set(targets: &mut TargetsDocument, target: Target, doc: TargetDocument) {
    let slot = match target {
        Target::FirstResponse => &mut targets.first_response,
        Target::NextResponse => &mut targets.next_response,
        Target::BuyerUpdate => &mut targets.buyer_update,
        Target::Resolution => &mut targets.resolution,
        Target::MarketplaceResponse => &mut targets.marketplace_response,
    };
    *slot = Some(doc);
}

// ---------------------------------------------------------------- form → views

fn hours_view(ui: &Ui, form: &Form, errors: &Errors) -> HoursView {
    let field = |id: String| Field::of(form, errors, id);
    HoursView {
        time_zone: field("time_zone".into()),
        holidays: field("holidays".into()),
        days: DAYS
            .iter()
            .map(|day| {
                let id = format!("week_{day}");
                DayView {
                    label: ui.label("sla-day", day),
                    error: errors.of(&id).map(str::to_owned),
                    shifts: (0..SHIFTS)
                        .map(|slot| {
                            (
                                field(format!("{id}_{slot}_from")),
                                field(format!("{id}_{slot}_to")),
                            )
                        })
                        .collect(),
                    id,
                }
            })
            .collect(),
        closures: (0..rows(form, "closure_"))
            .map(|i| {
                (
                    field(format!("closure_{i}_from")),
                    field(format!("closure_{i}_to")),
                    field(format!("closure_{i}_label")),
                )
            })
            .collect(),
        overrides: (0..rows(form, "override_"))
            .map(|i| {
                (
                    field(format!("override_{i}_date")),
                    field(format!("override_{i}_hours")),
                )
            })
            .collect(),
    }
}

/// Options of a set of checkboxes: (value, label).
pub type Options = Vec<(String, String)>;

/// The kinds and stages a condition may name, as (code, label).
pub fn condition_options(ui: &Ui) -> (Options, Options) {
    let kinds = CaseKind::ALL
        .iter()
        .map(|k| (k.code().to_owned(), ui.label("kind", k.code())))
        .collect();
    let stages = Stage::ALL
        .iter()
        .map(|s| (s.code().to_owned(), ui.label("stage", s.code())))
        .collect();
    (kinds, stages)
}

/// The conditions' fields under `prefix`.
pub fn conditions_view(
    ui: &Ui,
    form: &Form,
    errors: &Errors,
    prefix: &str,
    reasons: &[(String, String)],
) -> ConditionsView {
    let (kinds, stages) = condition_options(ui);
    ConditionsView {
        kinds: choices(form, &format!("{prefix}_kind"), &kinds),
        reasons: choices(form, &format!("{prefix}_reason"), reasons),
        reasons_error: errors.of(&format!("{prefix}_reason")).map(str::to_owned),
        stages: choices(form, &format!("{prefix}_stage"), &stages),
        merchants: form
            .all(&format!("{prefix}_merchant"))
            .map(str::to_owned)
            .collect(),
        amounts: vec![
            (
                Field::of(form, errors, format!("{prefix}_min")),
                ui.t("sla-condition-min"),
            ),
            (
                Field::of(form, errors, format!("{prefix}_max")),
                ui.t("sla-condition-max"),
            ),
        ],
    }
}

fn policy_views(
    ui: &Ui,
    form: &Form,
    errors: &Errors,
    marketplace: bool,
    reasons: &[(String, String)],
) -> Vec<PolicyView> {
    let count = rows(form, "policy_");
    (0..count)
        .map(|i| {
            let prefix = format!("policy_{i}");
            let field = |id: String| Field::of(form, errors, id);
            let is_new = i + 1 == count;
            PolicyView {
                legend: if is_new {
                    ui.t("sla-policy-new")
                } else {
                    ui.ta("sla-policy-number", "number", i + 1)
                },
                name: field(format!("{prefix}_name")),
                delete: field(format!("{prefix}_delete")),
                conditions: conditions_view(ui, form, errors, &prefix, reasons),
                targets: Target::ALL
                    .into_iter()
                    .filter(|t| marketplace || *t != Target::MarketplaceResponse)
                    .map(|t| {
                        let code = t.code();
                        TargetView {
                            label: ui.label("sla-target-title", code),
                            within: field(format!("{prefix}_{code}_within")),
                            clock: field(format!("{prefix}_{code}_clock")),
                            warn: field(format!("{prefix}_{code}_warn")),
                        }
                    })
                    .collect(),
                targets_error: errors.of(&format!("{prefix}_targets")).map(str::to_owned),
                targets_id: format!("{prefix}_targets"),
                is_new,
                prefix,
            }
        })
        .collect()
}

// ---------------------------------------------------------------- form → document

/// Where each entry of the document came from on the form (its row), to put the use
/// case's refusals beside the right fields.
#[derive(Debug, Default)]
struct Slots {
    week: HashMap<&'static str, Vec<usize>>,
    closures: Vec<usize>,
    overrides: Vec<usize>,
    policies: Vec<usize>,
}

/// A time as people type it: `9h30`, `9:30`, `09.30`, `9h` → `9:30`, `9:00`.
fn time_text(text: &str) -> String {
    let text: String = text
        .trim()
        .chars()
        .map(|c| if matches!(c, 'h' | 'H' | '.') { ':' } else { c })
        .collect();
    if text.ends_with(':') {
        format!("{text}00")
    } else {
        text
    }
}

fn message(lang: crate::i18n::Lang, code: &str) -> String {
    crate::i18n::problem(lang, code, &[]).unwrap_or_else(|| code.to_owned())
}

/// A date of a `type=date` field (`2026-12-24`).
fn date_of(
    form: &Form,
    name: &str,
    lang: crate::i18n::Lang,
    errors: &mut Errors,
) -> Option<jiff::civil::Date> {
    match form.text(name) {
        "" => None,
        text => match text.parse() {
            Ok(date) => Some(date),
            Err(_) => {
                errors.add(name, crate::web::i18n::message(lang, "error-date", None));
                None
            }
        },
    }
}

/// The conditions under `prefix` (amounts in euros, the demo's and France's currency).
pub fn conditions_of(
    form: &Form,
    prefix: &str,
    lang: crate::i18n::Lang,
    errors: &mut Errors,
) -> Conditions {
    let mut amount = |name: String| match form.text(&name) {
        "" => None,
        text => match format::parse_amount(text, Currency::EUR, lang) {
            Ok(money) => Some(money.amount_minor),
            Err(e) => {
                errors.add(&name, crate::web::i18n::message(lang, e.key(), None));
                None
            }
        },
    };
    Conditions {
        kinds: form
            .all(&format!("{prefix}_kind"))
            .filter_map(CaseKind::parse)
            .collect(),
        reasons: form
            .all(&format!("{prefix}_reason"))
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .collect(),
        stages: form
            .all(&format!("{prefix}_stage"))
            .filter_map(Stage::parse)
            .collect(),
        merchants: form
            .all(&format!("{prefix}_merchant"))
            .filter_map(|m| MerchantId::parse(m).ok())
            .collect(),
        min_amount_minor: amount(format!("{prefix}_min")),
        max_amount_minor: amount(format!("{prefix}_max")),
    }
}

/// The document the form describes, where each entry came from, and what could not be
/// read at all (a date, an amount, a shift with one end).
fn document_of(
    form: &Form,
    lang: crate::i18n::Lang,
    marketplace: bool,
) -> (SlaDocument, Slots, Errors) {
    let mut errors = Errors::default();
    let mut slots = Slots::default();
    let mut week = WeekDocument::default();
    for day in DAYS {
        for slot in 0..SHIFTS {
            let from_name = format!("week_{day}_{slot}_from");
            let to_name = format!("week_{day}_{slot}_to");
            let (from, to) = (
                time_text(form.text(&from_name)),
                time_text(form.text(&to_name)),
            );
            match (from.is_empty(), to.is_empty()) {
                (true, true) => continue,
                (true, false) => errors.add(&from_name, message(lang, "calendar.hours_invalid")),
                (false, true) => errors.add(&to_name, message(lang, "calendar.hours_invalid")),
                (false, false) => {
                    week_mut(&mut week, day).push(format!("{from}-{to}"));
                    slots.week.entry(day).or_default().push(slot);
                }
            }
        }
    }
    let mut closures = Vec::new();
    for i in 0..rows(form, "closure_") {
        let label = form.text(&format!("closure_{i}_label")).to_owned();
        let from = date_of(form, &format!("closure_{i}_from"), lang, &mut errors);
        let to = date_of(form, &format!("closure_{i}_to"), lang, &mut errors);
        match (from, to) {
            (Some(from), to) => {
                closures.push(Closure {
                    from,
                    // One day when the end is left empty.
                    to: to.unwrap_or(from),
                    label,
                });
                slots.closures.push(i);
            }
            (None, to) if to.is_some() || !label.is_empty() => {
                if !errors.has(&format!("closure_{i}_from")) {
                    errors.add(
                        &format!("closure_{i}_from"),
                        crate::web::i18n::message(lang, "error-date", None),
                    );
                }
            }
            (None, _) => {}
        }
    }
    let mut overrides = Vec::new();
    for i in 0..rows(form, "override_") {
        let name = format!("override_{i}_date");
        let hours: Vec<String> = form
            .text(&format!("override_{i}_hours"))
            .split([',', ';'])
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(|s| {
                let (from, to) = shift_halves(s);
                format!("{}-{}", time_text(&from), time_text(&to))
            })
            .collect();
        match date_of(form, &name, lang, &mut errors) {
            Some(date) => {
                overrides.push(DateOverride { date, hours });
                slots.overrides.push(i);
            }
            None if !hours.is_empty() && !errors.has(&name) => {
                errors.add(&name, crate::web::i18n::message(lang, "error-date", None));
            }
            None => {}
        }
    }
    let hours = HoursDocument {
        time_zone: form.text("time_zone").to_owned(),
        week,
        holidays: match form.text("holidays") {
            "france" => Some(Region::France),
            "alsace_moselle" => Some(Region::AlsaceMoselle),
            _ => None,
        },
        closures,
        overrides,
    };
    let mut policies = Vec::new();
    for i in 0..rows(form, "policy_") {
        let prefix = format!("policy_{i}");
        if form.checked(&format!("{prefix}_delete")) {
            continue;
        }
        let name = form.text(&format!("{prefix}_name")).to_owned();
        let conditions = conditions_of(form, &prefix, lang, &mut errors);
        let mut targets = TargetsDocument::default();
        let mut any_target = false;
        for target in Target::ALL {
            if target == Target::MarketplaceResponse && !marketplace {
                continue;
            }
            let code = target.code();
            let within = form.text(&format!("{prefix}_{code}_within"));
            if within.is_empty() {
                continue;
            }
            any_target = true;
            let warn = form.text(&format!("{prefix}_{code}_warn"));
            targets_set(
                &mut targets,
                target,
                TargetDocument {
                    within: within.replace(' ', ""),
                    clock: match form.text(&format!("{prefix}_{code}_clock")) {
                        "calendar" => ClockKind::Calendar,
                        _ => ClockKind::Business,
                    },
                    warn_before: (!warn.is_empty()).then(|| warn.replace(' ', "")),
                },
            );
        }
        // A blank row is no policy.
        if name.is_empty() && !any_target && conditions == Conditions::default() {
            continue;
        }
        policies.push(PolicyDocument {
            name,
            conditions,
            targets,
        });
        slots.policies.push(i);
    }
    (
        SlaDocument {
            hours: Some(hours),
            policies,
        },
        slots,
        errors,
    )
}

/// The form's field of an error path of the document (`hours.week.monday[1]`,
/// `policies[0].targets.resolution.within`); `None` for the top of the form.
fn field_of(path: &str, slots: &Slots) -> Option<String> {
    let steps = path_steps(path);
    match steps.as_slice() {
        [("hours", None), ("time_zone", None)] => Some("time_zone".into()),
        // Never open: beside the first day.
        [("hours", None), ("week", None)] => Some("week_monday".into()),
        [("hours", None), ("week", None), (day, None)] => Some(format!("week_{day}")),
        [("hours", None), ("week", None), (day, Some(k))] => {
            let slot = slots.week.get(day)?.get(*k)?;
            Some(format!("week_{day}_{slot}_from"))
        }
        [("hours", None), ("closures", Some(k)), rest @ ..] => {
            let slot = slots.closures.get(*k)?;
            Some(match rest {
                [("label", None)] => format!("closure_{slot}_label"),
                _ => format!("closure_{slot}_from"),
            })
        }
        [("hours", None), ("overrides", Some(k)), rest @ ..] => {
            let slot = slots.overrides.get(*k)?;
            Some(match rest {
                [("date", None)] => format!("override_{slot}_date"),
                _ => format!("override_{slot}_hours"),
            })
        }
        [("policies", Some(k)), rest @ ..] => {
            let p = format!("policy_{}", slots.policies.get(*k)?);
            match rest {
                [("name", None)] => Some(format!("{p}_name")),
                [("conditions", None)] => Some(format!("{p}_min")),
                [("conditions", None), ("max_amount_minor", None)] => Some(format!("{p}_max")),
                [("conditions", None), ("min_amount_minor", None)] => Some(format!("{p}_min")),
                [("conditions", None), ("reasons", _)] => Some(format!("{p}_reason")),
                [("targets", None)] => Some(format!("{p}_targets")),
                [("targets", None), (target, None)] => Some(format!("{p}_{target}_within")),
                [("targets", None), (target, None), ("warn_before", None)] => {
                    Some(format!("{p}_{target}_warn"))
                }
                [("targets", None), (target, None), _] => Some(format!("{p}_{target}_within")),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Form {
        Form::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn the_form_reads_back_the_document_it_shows() {
        let mut doc = SlaDocument {
            hours: Some(HoursDocument::french_office()),
            policies: vec![PolicyDocument {
                name: "Retours premium".into(),
                conditions: Conditions {
                    kinds: vec![CaseKind::Return],
                    min_amount_minor: Some(15_000),
                    ..Conditions::default()
                },
                targets: TargetsDocument {
                    first_response: Some(TargetDocument {
                        within: "4h".into(),
                        clock: ClockKind::Business,
                        warn_before: Some("1h".into()),
                    }),
                    ..TargetsDocument::default()
                },
            }],
        };
        if let Some(hours) = doc.hours.as_mut() {
            hours.closures.push(Closure {
                from: jiff::civil::date(2026, 8, 10),
                to: jiff::civil::date(2026, 8, 21),
                label: "Congés d’été".into(),
            });
            hours.overrides.push(DateOverride {
                date: jiff::civil::date(2026, 12, 24),
                hours: vec!["09:00-12:00".into()],
            });
        }
        for lang in [crate::i18n::Lang::Fr, crate::i18n::Lang::En] {
            let (read, slots, errors) = document_of(&document_form(&doc, lang), lang, true);
            assert!(!errors.any(), "{errors:?}");
            assert_eq!(read, doc);
            assert_eq!(slots.policies, vec![0]);
        }
    }

    #[test]
    fn shifts_are_read_as_people_type_them_and_refusals_find_their_field() {
        let f = form(&[
            ("time_zone", "Europe/Paris"),
            ("week_monday_0_from", "9h"),
            ("week_monday_0_to", "12h30"),
            ("week_monday_2_from", "11:00"),
            ("week_monday_2_to", "18:00"),
            ("week_tuesday_1_from", "14:00"),
            ("policy_0_name", ""),
            ("policy_1_name", "Urgent"),
            ("policy_1_first_response_within", "2h"),
        ]);
        let (doc, slots, errors) = document_of(&f, crate::i18n::Lang::Fr, false);
        let hours = doc.hours.unwrap();
        assert_eq!(hours.week.monday, ["9:00-12:30", "11:00-18:00"]);
        assert!(hours.week.tuesday.is_empty());
        assert!(errors.has("week_tuesday_1_to"), "{errors:?}");
        assert_eq!(doc.policies.len(), 1, "the blank row is no policy");
        assert_eq!(
            field_of("hours.week.monday[1]", &slots).unwrap(),
            "week_monday_2_from"
        );
        assert_eq!(
            field_of("hours.week.monday", &slots).unwrap(),
            "week_monday"
        );
        assert_eq!(
            field_of("policies[0].targets.first_response.warn_before", &slots).unwrap(),
            "policy_1_first_response_warn"
        );
        assert_eq!(
            field_of("policies[0].name", &slots).unwrap(),
            "policy_1_name"
        );
        assert_eq!(field_of("hours", &slots), None);
    }
}
