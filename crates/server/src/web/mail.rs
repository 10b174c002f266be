//! The console's mail: every email, text message and webhook call amiable
//! planned (with no SMTP server configured — the demo — this is the mailbox
//! where they are kept), the dead letters with their error and "send again",
//! and a preview of every template in both languages with sample data.

use super::console::staff;
use super::form::FormBody;
use super::ui::Ui;
use super::{Ctx, WebError, redirect};
use crate::AppState;
use amiable_app::notifications::render;
use amiable_domain::access::{Action, Resource, authorize};
use amiable_domain::notify::Topic;
use amiable_i18n::Lang;
use amiable_store::{Attempt, Delivery, DeliveryFilter};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/mail", get(list))
        .route("/console/mail/{id}", get(one))
        .route("/console/mail/{id}/html", get(html))
        .route("/console/mail/{id}/resend", post(resend))
        .route("/console/mail/preview/{topic}/{lang}", get(preview))
        .route(
            "/console/preferences",
            get(preferences_page).post(save_preferences),
        )
}

#[derive(Template)]
#[template(path = "console/preferences.html")]
struct PreferencesPage {
    ui: Ui,
    intro: String,
    digest_label: String,
    email: bool,
    daily_digest: bool,
}

/// `GET /console/preferences`: what the signed-in staff member receives by email.
async fn preferences_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let (_, user) = staff(&ctx)?;
    let preferences = state.app().staff_preferences(&user.id).await?;
    let ui = ctx.ui();
    Ok(ctx.render(&PreferencesPage {
        intro: ui.ta("sprefs-intro", "email", &user.email),
        digest_label: ui.ta(
            "sprefs-digest",
            "hour",
            amiable_app::notifications::DIGEST_HOUR,
        ),
        email: preferences.email,
        daily_digest: preferences.daily_digest,
        ui,
    }))
}

/// `POST /console/preferences`.
async fn save_preferences(
    State(state): State<AppState>,
    ctx: Ctx,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (_, user) = staff(&ctx)?;
    ctx.check_csrf(&form)?;
    let current = state.app().staff_preferences(&user.id).await?;
    state
        .app()
        .set_staff_preferences(
            &user.id,
            amiable_domain::notify::Preferences {
                email: form.checked("email"),
                daily_digest: form.checked("daily_digest"),
                ..current
            },
        )
        .await?;
    Ok(ctx.finish(redirect("/console/preferences?fait=preferences-saved")))
}

#[derive(Deserialize)]
struct ListQuery {
    statut: Option<String>,
    canal: Option<String>,
    avant: Option<i64>,
    /// One case's messages.
    dossier: Option<String>,
}

const PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "console/mail.html")]
struct MailPage {
    ui: Ui,
    rows: Vec<Delivery>,
    status: String,
    next: Option<String>,
    counts: Vec<(String, i64)>,
    topics: Vec<&'static str>,
}

/// `GET /console/mail[?statut=dead&canal=email]`.
async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ListQuery>,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    let status = query
        .statut
        .filter(|s| ["pending", "sent", "dead", "cancelled"].contains(&s.as_str()));
    let channel = query
        .canal
        .filter(|c| ["email", "sms", "webhook", "digest"].contains(&c.as_str()));
    let rows = state
        .app()
        .deliveries(
            &principal,
            DeliveryFilter {
                status: status.clone(),
                channel: channel.clone(),
                case_id: query
                    .dossier
                    .as_deref()
                    .and_then(|c| amiable_domain::ids::CaseId::parse(c).ok()),
                before_id: query.avant,
                limit: PAGE,
                ..Default::default()
            },
        )
        .await?;
    let full = rows.len() as i64 == PAGE;
    let last_id = rows.last().map(|d| d.id);
    let rows = super::shared::readable_deliveries(&state, &principal, rows).await?;
    let next = full.then_some(last_id).flatten().map(|last| {
        format!(
            "/console/mail?statut={}&canal={}&dossier={}&avant={}",
            status.as_deref().unwrap_or_default(),
            channel.as_deref().unwrap_or_default(),
            query.dossier.as_deref().unwrap_or_default(),
            last
        )
    });
    let counts = if principal.merchant_id().is_none() {
        state
            .store()
            .delivery_counts(principal.operator_id())
            .await?
    } else {
        Vec::new()
    };
    let page = MailPage {
        ui: ctx.ui(),
        rows,
        status: status.unwrap_or_default(),
        next,
        counts,
        topics: Topic::ALL.iter().map(|t| t.code()).collect(),
    };
    Ok(ctx.render(&page))
}

#[derive(Template)]
#[template(path = "console/mail_one.html")]
struct OnePage {
    ui: Ui,
    d: Delivery,
    attempts: Vec<Attempt>,
    may_resend: bool,
}

async fn one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    let (d, attempts) = readable(&state, &principal, id).await?;
    let tenant = match principal.merchant_id() {
        Some(m) => Resource::merchant(principal.operator_id(), m),
        None => Resource::operator(principal.operator_id()),
    };
    let may_resend =
        authorize(&principal, Action::ManageSettings, &tenant).is_ok() && d.status != "pending";
    Ok(ctx.render(&OnePage {
        ui: ctx.ui(),
        d,
        attempts,
        may_resend,
    }))
}

/// One delivery the caller may read (another party's private channel is not found).
async fn readable(
    state: &AppState,
    principal: &amiable_domain::access::Principal,
    id: i64,
) -> Result<(Delivery, Vec<Attempt>), WebError> {
    let (d, attempts) = state.app().delivery(principal, id).await?;
    let mut kept = super::shared::readable_deliveries(state, principal, vec![d]).await?;
    match kept.pop() {
        Some(d) => Ok((d, attempts)),
        None => Err(WebError::not_found()),
    }
}

/// An HTML body, shown in a sandbox (no scripts, no forms, nothing from outside).
fn sandboxed(html: String) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:",
            ),
        ],
        html,
    )
        .into_response()
}

/// `GET /console/mail/{id}/html`: the HTML part as the recipient sees it.
async fn html(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    let (d, _) = readable(&state, &principal, id).await?;
    let body = d
        .body_html
        .unwrap_or_else(|| format!("<pre>{}</pre>", render::escape(&d.body_text)));
    Ok(sandboxed(body))
}

/// `POST /console/mail/{id}/resend`: "send again".
async fn resend(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (principal, _) = staff(&ctx)?;
    ctx.check_csrf(&form)?;
    state.app().resend_delivery(&principal, id).await?;
    Ok(redirect(&format!("/console/mail/{id}?fait=mail-resent")))
}

/// `GET /console/mail/preview/{topic}/{fr|en}`: a template with sample data.
async fn preview(
    ctx: Ctx,
    Path((topic, lang)): Path<(String, String)>,
) -> Result<Response, WebError> {
    staff(&ctx)?;
    let (Some(topic), Some(lang)) = (
        Topic::parse(&topic),
        match lang.as_str() {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        },
    ) else {
        return Err(WebError::not_found());
    };
    let rendered = render::render(topic, lang, &render::sample(topic, lang))
        .map_err(|_| WebError::not_found())?;
    let page = rendered.html.replace(
        "<body ",
        &format!(
            "<body data-subject=\"{}\" ",
            render::escape(&rendered.subject)
        ),
    );
    Ok(sandboxed(page))
}
