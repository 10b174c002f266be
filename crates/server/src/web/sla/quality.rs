//! Merchant quality in the console: the marketplace's thresholds
//! (`/console/settings/quality`: the window, per figure a warning and a
//! restriction percentage with a minimum volume, what a restriction means), a
//! shop's standing and figures with what to improve and the history of its
//! standing (a section of the operator's shop page, and `/console/quality`
//! for the shop's own staff), and « Réévaluer maintenant ».

use super::{Field, path_steps};
use crate::AppState;
use crate::problem::Problem;
use crate::web::console::staff;
use crate::web::form::{Errors, Form, FormBody};
use crate::web::ui::Ui;
use crate::web::{Ctx, WebError, redirect};
use amiable_app::sla::quality::Quality;
use amiable_domain::access::{Action, Principal, Resource, authorize};
use amiable_domain::ids::MerchantId;
use amiable_domain::sla::quality::{
    Figures, Finding, Metric, QualityDocument, Standing, ThresholdDocument,
};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use std::collections::HashMap;

// ---------------------------------------------------------------- a shop's quality

/// A rate of the window: the figure, its value, over what.
pub struct RateRow {
    pub label: String,
    pub value: String,
    pub over: String,
    /// `under_watch` or `restricted` when it crossed a threshold.
    pub level: Option<&'static str>,
}

/// A threshold crossed, and what to do about it.
pub struct FindingRow {
    pub level_code: &'static str,
    pub level: String,
    pub text: String,
    pub improve: String,
}

/// A change of standing with the figures that caused it.
pub struct ChangeRow {
    pub at: jiff::Timestamp,
    pub to_code: String,
    pub text: String,
    pub findings: Vec<String>,
}

/// A shop's quality as the pages show it.
pub struct QualityView {
    pub merchant_id: String,
    pub standing_code: &'static str,
    pub standing: String,
    pub since: Option<jiff::Timestamp>,
    pub window_days: u32,
    /// What a restriction means here, when the shop is restricted.
    pub restriction: Option<String>,
    /// (label, value) of the times and satisfaction.
    pub times: Vec<(String, String)>,
    pub rates: Vec<RateRow>,
    pub findings: Vec<FindingRow>,
    pub history: Vec<ChangeRow>,
    /// Where « Réévaluer maintenant » is allowed.
    pub may_evaluate: bool,
}

/// The standing's label: « sous surveillance ».
pub fn standing_label(ui: &Ui, code: &str) -> String {
    ui.label("quality-standing", code)
}

/// An average kept ×100, as the language writes it: `4,25` / `4.25`.
fn average(lang: crate::i18n::Lang, x100: i64) -> String {
    let separator = match lang {
        crate::i18n::Lang::Fr => ',',
        crate::i18n::Lang::En => '.',
    };
    format!("{}{separator}{:02}", x100 / 100, x100 % 100)
}

fn percent(ui: &Ui, basis_points: i64) -> String {
    ui.percent(&(basis_points / 10))
}

fn finding_text(ui: &Ui, finding: &Finding) -> String {
    crate::web::i18n::message_with(
        ui.lang,
        "quality-email-finding",
        &[
            ("metric", &ui.label("quality-metric", finding.metric.code())),
            ("value", &percent(ui, finding.value_bp)),
            ("threshold", &percent(ui, finding.threshold_bp)),
            ("part", &finding.part.to_string()),
            ("whole", &finding.whole.to_string()),
        ],
    )
}

fn view_of(ui: &Ui, quality: Quality, may_evaluate: bool) -> QualityView {
    let figures: &Figures = &quality.figures;
    let time = |seconds: Option<i64>| {
        seconds
            .map(|s| ui.seconds(&s))
            .unwrap_or_else(|| "—".to_owned())
    };
    // Business time counts in hours: « 1 j 8 h » would read as a calendar day.
    let business = |seconds: Option<i64>| {
        seconds
            .map(|s| {
                let s = s.max(0);
                crate::web::format::duration(ui.lang, 0, s / 3_600, (s % 3_600) / 60)
            })
            .unwrap_or_else(|| "—".to_owned())
    };
    let mut times = vec![
        (
            ui.t("quality-first-response-median"),
            business(figures.first_response_median_seconds),
        ),
        (
            ui.t("quality-first-response-p90"),
            business(figures.first_response_p90_seconds),
        ),
        (
            ui.t("quality-resolution-median"),
            time(figures.resolution_median_seconds),
        ),
        (
            ui.t("quality-resolution-p90"),
            time(figures.resolution_p90_seconds),
        ),
    ];
    times.push((
        ui.t("quality-csat"),
        match figures.csat_average_x100 {
            Some(x100) => ui.ta2(
                "quality-csat-value",
                "average",
                average(ui.lang, x100),
                "count",
                figures.ratings,
            ),
            None => ui.t("quality-csat-none"),
        },
    ));
    times.push((ui.t("quality-cases"), figures.cases.to_string()));
    times.push((ui.t("quality-orders"), figures.orders.to_string()));
    let rates = Metric::ALL
        .iter()
        .map(|metric| {
            let ratio = figures.rate(*metric);
            RateRow {
                label: ui.label("quality-metric", metric.code()),
                value: ratio
                    .basis_points()
                    .map(|bp| percent(ui, bp))
                    .unwrap_or_else(|| "—".to_owned()),
                over: ui.ta2("quality-ratio", "part", ratio.part, "whole", ratio.whole),
                level: quality
                    .findings
                    .iter()
                    .find(|f| f.metric == *metric)
                    .map(|f| f.level.code()),
            }
        })
        .collect();
    let findings = quality
        .findings
        .iter()
        .map(|f| FindingRow {
            level_code: f.level.code(),
            level: standing_label(ui, f.level.code()),
            text: finding_text(ui, f),
            improve: ui.label("quality-improve", f.metric.code()),
        })
        .collect();
    let history = quality
        .history
        .iter()
        .map(|change| {
            let findings: Vec<Finding> =
                serde_json::from_value(change.findings.clone()).unwrap_or_default();
            ChangeRow {
                at: change.changed_at,
                to_code: change.to.clone(),
                text: ui.ta2(
                    "quality-change",
                    "from",
                    standing_label(ui, &change.from),
                    "to",
                    standing_label(ui, &change.to),
                ),
                findings: findings.iter().map(|f| finding_text(ui, f)).collect(),
            }
        })
        .collect();
    QualityView {
        merchant_id: quality.merchant_id.clone(),
        standing_code: quality.standing.code(),
        standing: standing_label(ui, quality.standing.code()),
        since: quality.since,
        window_days: quality.window_days,
        restriction: (quality.standing == Standing::Restricted)
            .then(|| quality.restriction.clone())
            .flatten(),
        times,
        rates,
        findings,
        history,
        may_evaluate,
    }
}

/// A shop's quality for the reader (`None` when they may not read it).
pub async fn quality_view(
    state: &AppState,
    ui: &Ui,
    principal: &Principal,
    merchant_id: MerchantId,
) -> Result<Option<QualityView>, WebError> {
    match state.app().quality(principal, merchant_id, false).await {
        Ok(quality) => Ok(Some(view_of(ui, quality, true))),
        Err(error)
            if matches!(
                error.kind,
                amiable_app::Kind::Forbidden | amiable_app::Kind::NotFound
            ) =>
        {
            Ok(None)
        }
        Err(error) => Err(error.into()),
    }
}

/// Each shop's standing (`good` before any evaluation), for the list of shops.
pub async fn standings(
    state: &AppState,
    merchants: &[MerchantId],
) -> Result<HashMap<MerchantId, String>, WebError> {
    let mut out = HashMap::new();
    for id in merchants {
        let standing = state
            .store()
            .merchant_standing(*id)
            .await?
            .map(|s| s.standing)
            .unwrap_or_else(|| Standing::Good.code().to_owned());
        out.insert(*id, standing);
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "console/quality.html")]
struct QualityPage {
    ui: Ui,
    name: String,
    quality: QualityView,
}

/// `GET /console/quality`: a shop's own quality (the marketplace sees each shop's on its page).
pub(super) async fn own_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    let Some(merchant_id) = principal.merchant_id() else {
        return Err(WebError::Redirect("/console/merchants".into()));
    };
    let ui = ctx.ui();
    let quality = quality_view(&state, &ui, &principal, merchant_id)
        .await?
        .ok_or_else(WebError::not_found)?;
    let name = state
        .store()
        .merchant(merchant_id)
        .await?
        .map(|m| m.name)
        .unwrap_or_default();
    Ok(ctx.render(&QualityPage { ui, name, quality }))
}

/// `POST /console/quality/evaluate`: the shop's figures as of now, judged (a change of
/// standing is announced as the daily pass would).
pub(super) async fn evaluate(
    State(state): State<AppState>,
    ctx: Ctx,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    ctx.check_csrf(&form)?;
    let merchant_id = match principal.merchant_id() {
        Some(own) => own,
        None => MerchantId::parse(form.text("merchant")).map_err(|_| WebError::not_found())?,
    };
    state.app().quality(&principal, merchant_id, true).await?;
    Ok(redirect(&match principal.merchant_id() {
        Some(_) => "/console/quality?fait=quality-evaluated".to_owned(),
        None => format!("/console/merchants/{merchant_id}?fait=quality-evaluated#quality"),
    }))
}

// ---------------------------------------------------------------- the thresholds

pub struct ThresholdView {
    pub label: String,
    pub watched: Field,
    /// The warning, the restriction and the minimum volume, with their labels.
    pub inputs: Vec<(Field, String)>,
}

#[derive(Template)]
#[template(path = "console/sla_quality.html")]
struct ThresholdsPage {
    ui: Ui,
    errors: Errors,
    may_edit: bool,
    window_days: Field,
    restriction: Field,
    thresholds: Vec<ThresholdView>,
}

/// A percentage as the language writes it: `12,5` / `12.5`.
fn percent_input(lang: crate::i18n::Lang, value: f64) -> String {
    let text = format!("{}", (value * 100.0).round() / 100.0);
    match lang {
        crate::i18n::Lang::Fr => text.replace('.', ","),
        crate::i18n::Lang::En => text,
    }
}

fn thresholds_form(doc: &QualityDocument, lang: crate::i18n::Lang) -> Form {
    let mut pairs = vec![("window_days".to_owned(), doc.window_days.to_string())];
    for t in &doc.thresholds {
        let m = t.metric.code();
        pairs.push((format!("q_{m}_on"), "1".into()));
        pairs.push((
            format!("q_{m}_warning"),
            percent_input(lang, t.warning_percent),
        ));
        pairs.push((
            format!("q_{m}_restriction"),
            percent_input(lang, t.restriction_percent),
        ));
        pairs.push((
            format!("q_{m}_min"),
            t.min_volume.map(|v| v.to_string()).unwrap_or_default(),
        ));
    }
    pairs.push((
        "restriction".into(),
        doc.restriction.clone().unwrap_or_default(),
    ));
    Form::from_pairs(pairs)
}

/// The thresholds the form describes (and the figure of each, for its refusals).
fn thresholds_of(form: &Form, lang: crate::i18n::Lang) -> (QualityDocument, Vec<Metric>, Errors) {
    let mut errors = Errors::default();
    let number = |name: String, errors: &mut Errors| -> Option<f64> {
        let text = form
            .text(&name)
            .trim_end_matches('%')
            .trim()
            .replace(',', ".");
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() => Some(value),
            _ => {
                errors.add(
                    &name,
                    crate::web::i18n::message(lang, "quality-error-percent", None),
                );
                None
            }
        }
    };
    let mut thresholds = Vec::new();
    let mut metrics = Vec::new();
    for metric in Metric::ALL {
        let m = metric.code();
        if !form.checked(&format!("q_{m}_on")) {
            continue;
        }
        let warning = number(format!("q_{m}_warning"), &mut errors);
        let restriction = number(format!("q_{m}_restriction"), &mut errors);
        let (Some(warning_percent), Some(restriction_percent)) = (warning, restriction) else {
            continue;
        };
        let min_name = format!("q_{m}_min");
        let min_volume = match form.text(&min_name) {
            "" => None,
            text => match text.parse::<i64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    errors.add(
                        &min_name,
                        crate::web::i18n::message(lang, "error-number", None),
                    );
                    None
                }
            },
        };
        thresholds.push(ThresholdDocument {
            metric,
            warning_percent,
            restriction_percent,
            min_volume,
        });
        metrics.push(metric);
    }
    let window_days = match form.text("window_days").parse::<u32>() {
        Ok(days) => days,
        Err(_) => {
            errors.add(
                "window_days",
                crate::web::i18n::message(lang, "error-number", None),
            );
            30
        }
    };
    let doc = QualityDocument {
        window_days,
        thresholds,
        restriction: Some(form.text("restriction").to_owned()).filter(|r| !r.is_empty()),
    };
    (doc, metrics, errors)
}

fn threshold_field(path: &str, metrics: &[Metric]) -> Option<String> {
    match path_steps(path).as_slice() {
        [("window_days", None)] => Some("window_days".into()),
        [("restriction", None)] => Some("restriction".into()),
        [("thresholds", Some(k)), (name, None)] => {
            let m = metrics.get(*k)?.code();
            Some(match *name {
                "warning_percent" => format!("q_{m}_warning"),
                "restriction_percent" => format!("q_{m}_restriction"),
                "min_volume" => format!("q_{m}_min"),
                _ => format!("q_{m}_warning"),
            })
        }
        _ => None,
    }
}

async fn render_thresholds(
    ctx: &Ctx,
    principal: &Principal,
    form: Form,
    errors: Errors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let ui = ctx.ui();
    let field = |id: String| Field::of(&form, &errors, id);
    let page = ThresholdsPage {
        may_edit: authorize(
            principal,
            Action::ManageSettings,
            &Resource::operator(principal.operator_id()),
        )
        .is_ok(),
        window_days: field("window_days".into()),
        restriction: field("restriction".into()),
        thresholds: Metric::ALL
            .iter()
            .map(|metric| {
                let m = metric.code();
                let label = ui.label("quality-metric", m);
                ThresholdView {
                    watched: field(format!("q_{m}_on")),
                    inputs: vec![
                        (
                            field(format!("q_{m}_warning")),
                            ui.ta("quality-warning-of", "metric", &label),
                        ),
                        (
                            field(format!("q_{m}_restriction")),
                            ui.ta("quality-restriction-of", "metric", &label),
                        ),
                        (
                            field(format!("q_{m}_min")),
                            ui.ta("quality-min-of", "metric", &label),
                        ),
                    ],
                    label,
                }
            })
            .collect(),
        errors: errors.clone(),
        ui,
    };
    Ok(ctx.render_status(status, &page))
}

/// `GET /console/settings/quality`.
pub(super) async fn settings_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    let doc = state.app().quality_document(&principal).await?;
    render_thresholds(
        &ctx,
        &principal,
        thresholds_form(&doc, ctx.lang),
        Errors::default(),
        StatusCode::OK,
    )
    .await
}

/// `POST /console/settings/quality`.
pub(super) async fn save_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    ctx.check_csrf(&form)?;
    let (doc, metrics, mut errors) = thresholds_of(&form, ctx.lang);
    if !errors.any() {
        match state.app().set_quality_document(&principal, doc).await {
            Ok(_) => return Ok(redirect("/console/settings/quality?fait=quality-saved")),
            Err(error) if error.kind == amiable_app::Kind::Invalid => {
                errors = Errors::from_problem(&Problem::from(error), ctx.lang, |path| {
                    threshold_field(path, &metrics)
                });
            }
            Err(error) => return Err(error.into()),
        }
    }
    render_thresholds(
        &ctx,
        &principal,
        form,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_reads_back_the_thresholds_it_shows() {
        let mut doc = QualityDocument::default();
        doc.thresholds[0].warning_percent = 12.5;
        doc.thresholds[1].min_volume = Some(5);
        doc.restriction = Some("suspendue des nouvelles commandes".into());
        for lang in [crate::i18n::Lang::Fr, crate::i18n::Lang::En] {
            let (read, metrics, errors) = thresholds_of(&thresholds_form(&doc, lang), lang);
            assert!(!errors.any(), "{errors:?}");
            assert_eq!(read, doc);
            assert_eq!(
                threshold_field("thresholds[1].min_volume", &metrics).unwrap(),
                format!("q_{}_min", doc.thresholds[1].metric.code())
            );
        }
    }
}
