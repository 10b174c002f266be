//! The buyer portal, `/suivi`: find an order (order number + email, or the
//! signed link of an email), see what each line can still get and why, start
//! a return or report a problem with photos, follow a case, answer offers,
//! escalate to the marketplace, download the label.
//!
//! Buyers have no account: the lookup (or the link) gives a short-lived signed
//! token per order, kept in an HttpOnly cookie. Every page checks that the
//! order or case in its URL is one of the cookie's orders; any other id is
//! *not found*, exactly like one that does not exist.
//!
//! `disputes` holds the buyer's side of incidents and of the escalation ladder
//! (late delivery, the private channel with the mediator, the appeal, the
//! consumer mediator and the dossier).

mod disputes;

use super::form::{Errors, Form, FormBody, MultipartForm, Upload};
use super::shared::{self, CaseData, Mediator};
use super::timeline::{Entry, resolution_text};
use super::ui::{Ui, reason_label};
use super::{BUYER_COOKIE, Ctx, WebError, redirect, set_cookie};
use crate::AppState;
use crate::api::access::ClientIp;
use crate::auth::{BuyerClaims, cookie};
use crate::problem::Problem;
use amiable_app::cases::OpenCase;
use amiable_app::returns::{EligibilityAnswer, LineAnswer};
use amiable_domain::access::Principal;
use amiable_domain::case::{
    CaseItem, CaseKind, CaseStatus, Command, OfferStatus, Party, Possible, ResolutionKind,
    ReturnStage, Stage, Visibility,
};
use amiable_domain::case::{ConversationCommand, EscalationCommand, LifecycleCommand};
use amiable_domain::ids::{CaseId, OrderId};
use amiable_domain::order::{Order, Quantity};
use amiable_domain::reason::{BuiltinReason, ReasonCode, ReasonTaxonomy};
use amiable_domain::text::{Body, Label};
use amiable_store::{CaseFilter, CaseSort};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use jiff::Timestamp;
use serde::Deserialize;

/// Orders a buyer can hold at once in the portal (one per lookup or link).
const MAX_ORDERS: usize = 8;

pub fn routes(upload_limit: usize) -> Router<AppState> {
    let uploads = axum::extract::DefaultBodyLimit::max(upload_limit);
    Router::new()
        .route("/suivi", get(lookup_page).post(lookup))
        .route("/suivi/commandes", get(orders_page))
        .route("/suivi/deconnexion", post(sign_out))
        .route(
            "/suivi/preferences",
            get(preferences_page).post(save_preferences),
        )
        .route("/suivi/retractation", get(withdrawal_page))
        .route("/suivi/commande/{order_id}", get(order_page))
        .route(
            "/suivi/commande/{order_id}/retour",
            get(return_page).post(start_return).layer(uploads),
        )
        .route(
            "/suivi/commande/{order_id}/signaler",
            get(problem_page).post(report_problem).layer(uploads),
        )
        .route("/suivi/dossier/{case_id}", get(case_page))
        .route(
            "/suivi/dossier/{case_id}/message",
            post(post_message).layer(uploads),
        )
        .route(
            "/suivi/dossier/{case_id}/offre/{offer_id}/{answer}",
            post(answer_offer),
        )
        .route(
            "/suivi/dossier/{case_id}/envoi",
            post(declare_shipment).layer(uploads),
        )
        .route("/suivi/dossier/{case_id}/escalader", post(escalate))
        .route(
            "/suivi/dossier/{case_id}/mediateur",
            post(disputes::private_message),
        )
        .route(
            "/suivi/dossier/{case_id}/nouveau-delai",
            post(disputes::delivery_deadline),
        )
        .route(
            "/suivi/dossier/{case_id}/annulation-retard",
            post(disputes::cancel_late_order),
        )
        .route("/suivi/dossier/{case_id}/recours", post(disputes::appeal))
        .route(
            "/suivi/dossier/{case_id}/dossier.pdf",
            get(disputes::dossier),
        )
        .route("/suivi/dossier/{case_id}/annuler", post(cancel))
        .route("/suivi/dossier/{case_id}/avis", post(give_feedback))
        .route("/suivi/dossier/{case_id}/etiquette", get(label))
        .route("/suivi/dossier/{case_id}/fichier/{sha256}", get(file))
}

// ------------------------------------------------------------ buyer access

/// The still-valid accesses in the visitor's cookie.
fn accesses(state: &AppState, ctx: &Ctx) -> Vec<(String, BuyerClaims)> {
    let now = Timestamp::now();
    cookie(&ctx.headers, BUYER_COOKIE)
        .unwrap_or("")
        .split('~')
        .filter(|t| !t.is_empty())
        .filter_map(|token| {
            state
                .app()
                .buyer_tokens()
                .verify(token, now)
                .ok()
                .map(|claims| (token.to_owned(), claims))
        })
        .collect()
}

fn principal(claims: &BuyerClaims) -> Principal {
    claims.principal()
}

/// The buyer of `order_id`, if the cookie holds its access; otherwise back to
/// the lookup (no access at all) or not found (another order's id).
fn buyer_of(state: &AppState, ctx: &Ctx, order_id: OrderId) -> Result<Principal, WebError> {
    let all = accesses(state, ctx);
    if all.is_empty() {
        return Err(WebError::Redirect("/suivi?acces=expire".to_owned()));
    }
    all.iter()
        .find(|(_, c)| c.order_id == order_id)
        .map(|(_, c)| principal(c))
        .ok_or_else(WebError::not_found)
}

async fn buyer_of_case(
    state: &AppState,
    ctx: &Ctx,
    case_id: &str,
) -> Result<(CaseId, Principal), WebError> {
    let case_id = CaseId::parse(case_id).map_err(|_| WebError::not_found())?;
    if accesses(state, ctx).is_empty() {
        return Err(WebError::Redirect("/suivi?acces=expire".to_owned()));
    }
    let resource = state
        .app()
        .case_resource(case_id)
        .await
        .map_err(|_| WebError::not_found())?;
    let order_id = resource.order_id.ok_or_else(WebError::not_found)?;
    Ok((case_id, buyer_of(state, ctx, order_id)?))
}

/// The cookie with `new` accesses added (newest first, at most [`MAX_ORDERS`]).
fn access_cookie(state: &AppState, ctx: &Ctx, new: &[String]) -> String {
    let mut tokens: Vec<String> = new.to_vec();
    for (token, _) in accesses(state, ctx) {
        if !tokens.contains(&token) {
            tokens.push(token);
        }
    }
    tokens.truncate(MAX_ORDERS);
    format!(
        "{BUYER_COOKIE}={}; Path=/suivi; HttpOnly; SameSite=Lax; Max-Age={}{}",
        tokens.join("~"),
        crate::auth::BUYER_LINK_TTL.as_secs(),
        if ctx.secure { "; Secure" } else { "" }
    )
}

fn parse_order_id(raw: &str) -> Result<OrderId, WebError> {
    OrderId::parse(raw).map_err(|_| WebError::not_found())
}

async fn load_order(state: &AppState, order_id: OrderId) -> Result<Order, WebError> {
    Ok(state
        .store()
        .order(order_id)
        .await?
        .ok_or_else(WebError::not_found)?
        .order)
}

// ------------------------------------------------------------------ lookup

#[derive(Template)]
#[template(path = "buyer/lookup.html")]
struct LookupPage {
    ui: Ui,
    number: String,
    email: String,
    errors: Errors,
    expired: bool,
    /// The marketplaces hosted here, when there are several (slug, name).
    operators: Vec<(String, String)>,
    operator: String,
    /// Orders the visitor already has access to (number, shop, link).
    known: Vec<(String, String, String)>,
}

#[derive(Deserialize)]
struct LookupQuery {
    token: Option<String>,
    acces: Option<String>,
    /// With `token`: the case an emailed link opens.
    dossier: Option<String>,
    /// With `token`: `preferences`, for an email's footer link.
    page: Option<String>,
}

async fn known_orders(state: &AppState, ctx: &Ctx) -> Vec<(String, String, String)> {
    let mut known = Vec::new();
    for (_, claims) in accesses(state, ctx) {
        let Ok(Some(order)) = state.store().order(claims.order_id).await else {
            continue;
        };
        let shop = match state.store().merchant(order.order.merchant_id).await {
            Ok(Some(m)) => m.name,
            _ => String::new(),
        };
        known.push((
            order.order.external_id.as_str().to_owned(),
            shop,
            format!("/suivi/commande/{}", order.order.id),
        ));
    }
    known
}

async fn operator_choices(state: &AppState) -> Result<Vec<(String, String)>, WebError> {
    let all = state.store().operators().await?;
    Ok(if all.len() > 1 {
        all.into_iter()
            .map(|o| (o.slug.as_str().to_owned(), o.name))
            .collect()
    } else {
        Vec::new()
    })
}

/// `GET /suivi`: the lookup form; with `?token=` (the link of an email), the order itself.
async fn lookup_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<LookupQuery>,
) -> Result<Response, WebError> {
    let mut errors = Errors::default();
    if let Some(token) = query.token.as_deref() {
        match state.app().buyer_tokens().verify(token, Timestamp::now()) {
            Ok(claims) => {
                // The token leaves the address bar (and the history, and Referer headers).
                // An emailed link goes on to its case, or to the notification preferences.
                let to = match (query.dossier.as_deref(), query.page.as_deref()) {
                    (_, Some("preferences")) => "/suivi/preferences".to_owned(),
                    (Some(case), _) if CaseId::parse(case).is_ok() => {
                        format!("/suivi/dossier/{case}")
                    }
                    _ => format!("/suivi/commande/{}", claims.order_id),
                };
                let mut response = redirect(&to);
                set_cookie(
                    &mut response,
                    &access_cookie(&state, &ctx, &[token.to_owned()]),
                );
                return Ok(ctx.finish(response));
            }
            Err(problem) => errors.add_general(if problem.code == "auth.token_expired" {
                ctx.ui().t("lookup-link-expired")
            } else {
                ctx.ui().t("lookup-link-invalid")
            }),
        }
    }
    let page = LookupPage {
        number: String::new(),
        email: String::new(),
        expired: query.acces.as_deref() == Some("expire"),
        operators: operator_choices(&state).await?,
        operator: String::new(),
        known: known_orders(&state, &ctx).await,
        errors,
        ui: ctx.ui(),
    };
    Ok(ctx.render(&page))
}

/// `POST /suivi`: order number + email. A wrong number and a wrong email get
/// the same answer (the API's lookup, rate-limited per IP).
async fn lookup(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(ip): ClientIp,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form)?;
    let number = form.text("order_number").to_owned();
    let email = form.text("email").to_owned();
    let operator = form.text("operator").to_owned();
    let mut errors = Errors::default();
    let ui = ctx.ui();
    if number.is_empty() {
        errors.add("order_number", ui.t("lookup-number-required"));
    }
    if email.is_empty() {
        errors.add("email", ui.t("lookup-email-required"));
    }
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if !errors.any() {
        let slug = (!operator.is_empty()).then_some(operator.as_str());
        match state
            .app()
            .lookup_orders(ip, slug, &number, &email)
            .await
            .map_err(Problem::from)
        {
            Ok(found) => {
                let tokens: Vec<String> = found.iter().map(|a| a.token.clone()).collect();
                let target = match found.as_slice() {
                    [one] => format!("/suivi/commande/{}", one.order_id),
                    _ => "/suivi/commandes".to_owned(),
                };
                let mut response = redirect(&target);
                set_cookie(&mut response, &access_cookie(&state, &ctx, &tokens));
                return Ok(ctx.finish(response));
            }
            Err(problem) => {
                status = StatusCode::from_u16(problem.status).unwrap_or(status);
                if problem.code == "buyer.lookup_failed" {
                    errors.add_general(ui.t("lookup-failed"));
                } else if problem.code == "rate_limited" {
                    errors.add_general(ui.t("error-rate-body"));
                } else {
                    errors = Errors::from_problem(&problem, ctx.lang, |field| {
                        matches!(field, "order_number" | "email" | "operator")
                            .then(|| field.to_owned())
                    });
                }
            }
        }
    }
    let page = LookupPage {
        number,
        email,
        expired: false,
        operators: operator_choices(&state).await?,
        operator,
        known: known_orders(&state, &ctx).await,
        errors: errors.titled("lookup-errors-title"),
        ui,
    };
    Ok(ctx.render_status(status, &page))
}

#[derive(Template)]
#[template(path = "buyer/orders.html")]
struct OrdersPage {
    ui: Ui,
    known: Vec<(String, String, String)>,
}

/// `GET /suivi/commandes`: the orders a lookup matched (several shops may share a number).
async fn orders_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let known = known_orders(&state, &ctx).await;
    if known.is_empty() {
        return Err(WebError::Redirect("/suivi?acces=expire".to_owned()));
    }
    Ok(ctx.render(&OrdersPage {
        ui: ctx.ui(),
        known,
    }))
}

#[derive(Template)]
#[template(path = "buyer/preferences.html")]
struct PreferencesPage {
    ui: Ui,
    intro: String,
    email: bool,
    updates: bool,
    sms: bool,
    phone: String,
    back: Option<String>,
    errors: Errors,
}

/// Whose preferences the page sets: the buyer of the newest order in the cookie
/// (a marketplace and an email address), with the order's page to go back to.
async fn preferences_owner(
    state: &AppState,
    ctx: &Ctx,
) -> Result<(amiable_domain::ids::OperatorId, String, String, String), WebError> {
    let claims = accesses(state, ctx)
        .into_iter()
        .map(|(_, claims)| claims)
        .next()
        .ok_or_else(|| WebError::Redirect("/suivi?acces=expire".to_owned()))?;
    let order = load_order(state, claims.order_id).await?;
    let operator = operator_of(state, &order).await?;
    Ok((
        claims.operator_id,
        order.buyer.email.as_str().to_owned(),
        operator.name,
        format!("/suivi/commande/{}", claims.order_id),
    ))
}

fn preferences_view(
    ctx: &Ctx,
    email: &str,
    operator: &str,
    back: String,
    preferences: amiable_domain::notify::Preferences,
    phone: String,
    errors: Errors,
) -> PreferencesPage {
    let ui = ctx.ui();
    PreferencesPage {
        intro: ui.ta2("prefs-intro", "email", email, "operator", operator),
        email: preferences.email,
        updates: preferences.updates,
        sms: preferences.sms,
        phone,
        back: Some(back),
        errors,
        ui,
    }
}

/// `GET /suivi/preferences`: what the buyer receives about their orders on this marketplace.
async fn preferences_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let (operator_id, email, operator, back) = preferences_owner(&state, &ctx).await?;
    let (preferences, phone) = state
        .app()
        .buyer_preferences(operator_id, &email)
        .await
        .map_err(Problem::from)?;
    let phone = phone.map(|p| p.as_str().to_owned()).unwrap_or_default();
    Ok(ctx.render(&preferences_view(
        &ctx,
        &email,
        &operator,
        back,
        preferences,
        phone,
        Errors::default(),
    )))
}

/// `POST /suivi/preferences`: saves them; a wrong phone number stays in the form with its error.
async fn save_preferences(
    State(state): State<AppState>,
    ctx: Ctx,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    ctx.check_csrf(&form)?;
    let (operator_id, email, operator, back) = preferences_owner(&state, &ctx).await?;
    let chosen = amiable_domain::notify::Preferences {
        email: form.checked("email"),
        updates: form.checked("updates"),
        sms: form.checked("sms"),
        daily_digest: false,
    };
    let phone = form.text("phone").to_owned();
    match state
        .app()
        .set_buyer_preferences(operator_id, &email, chosen, Some(&phone))
        .await
    {
        Ok(_) => Ok(ctx.finish(redirect("/suivi/preferences?fait=preferences-saved"))),
        Err(error) => {
            let problem = Problem::from(error);
            let errors = Errors::from_problem(&problem, ctx.lang, |field| {
                (field == "phone").then(|| "phone".to_owned())
            });
            let page = preferences_view(&ctx, &email, &operator, back, chosen, phone, errors);
            Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

/// `POST /suivi/deconnexion`: forgets the visitor's orders.
async fn sign_out(ctx: Ctx, FormBody(form): FormBody) -> Result<Response, WebError> {
    ctx.check_csrf(&form)?;
    let mut response = redirect("/suivi");
    set_cookie(
        &mut response,
        &format!("{BUYER_COOKIE}=; Path=/suivi; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    Ok(response)
}

// ------------------------------------------------------------- order page

/// One line of the order and what it can still get.
pub struct LineView {
    pub index: usize,
    pub line_id: String,
    pub title: String,
    pub quantity: u32,
    pub unit_price: String,
    pub returnable: u32,
    pub eligible: bool,
    /// The line's own way to the buyer: delivered, on its way, not shipped.
    pub shipping: String,
    /// The answer in one sentence, without articles.
    pub verdict: String,
    /// Why, with the law's articles, shown on demand (one or more sentences).
    pub why: Vec<String>,
    /// Fees and conditions (who pays the return, restocking fee, keep the item).
    pub terms: Vec<String>,
    /// The reasons the buyer may give for it (on the return form).
    pub reasons: Vec<ReasonChoice>,
}

/// The eligibility answer in sentences built from its fields.
fn line_views(ui: &Ui, order: &Order, answer: &EligibilityAnswer) -> Vec<LineView> {
    order
        .lines
        .iter()
        .enumerate()
        .map(|(index, line)| {
            let found = answer
                .lines
                .iter()
                .find(|a| a.line_id == line.line_id.as_str());
            let sealed = line.has(amiable_domain::order::LineFlag::SealedHygiene);
            let (eligible, returnable, verdict, why, terms) = match found {
                Some(a) => (
                    a.eligible,
                    a.returnable_quantity,
                    verdict(ui, a, sealed),
                    why(ui, a, sealed),
                    terms(ui, a),
                ),
                None => (false, 0, ui.t("why-unknown"), Vec::new(), Vec::new()),
            };
            LineView {
                index,
                line_id: line.line_id.as_str().to_owned(),
                title: line.title.as_str().to_owned(),
                quantity: line.quantity.get(),
                unit_price: ui.money(&line.unit_price),
                returnable,
                eligible,
                shipping: line_shipping(ui, order, &line.line_id),
                verdict,
                why,
                terms,
                reasons: Vec::new(),
            }
        })
        .collect()
}

fn flag_label(ui: &Ui, exception: &str) -> (String, String) {
    let (flag, article) = exception.split_once(", ").unwrap_or((exception, ""));
    (ui.label("flag", flag), ui.law(article))
}

/// Where one line is, in words: « Livré le 3 déc. », « Expédié le 2 déc., en route »…
fn line_shipping(ui: &Ui, order: &Order, line_id: &amiable_domain::ids::LineId) -> String {
    use amiable_domain::order::LineShipping;
    match order.line_shipping(line_id) {
        LineShipping::NotShipped => ui.t("line-not-shipped"),
        LineShipping::Shipped { at: Some(at) } => ui.ta("line-shipped", "date", ui.day_of(&at)),
        LineShipping::Shipped { at: None } => ui.t("line-shipped-undated"),
        LineShipping::Delivered { at, partial: false } => {
            ui.ta("line-delivered", "date", ui.day_of(&at))
        }
        LineShipping::Delivered { at, partial: true } => {
            ui.ta("line-partly-delivered", "date", ui.day_of(&at))
        }
    }
}

/// The answer for a line in one sentence, without the law's articles (those are
/// in [`why`], shown on demand).
fn verdict(ui: &Ui, line: &LineAnswer, sealed: bool) -> String {
    let sentence = if line.exception.is_some() {
        ui.t("verdict-not-returnable")
    } else if line.ordered > 0 && line.in_returns >= line.ordered {
        // Everything of it is in a request already: say so, whatever the period.
        if line.shipping == "not_shipped" {
            ui.t("verdict-cancel-asked")
        } else {
            ui.t("why-already-returned")
        }
    } else if line.eligible && line.shipping == "not_shipped" {
        ui.t("verdict-cancel")
    } else if line.eligible {
        match line.until {
            Some(until) => ui.ta("verdict-until", "date", ui.date(&until)),
            None => ui.t("verdict-until-delivery"),
        }
    } else if line.ordered > 0
        && line.returnable_quantity == 0
        && line
            .until
            .is_some_and(|u| u >= ui.now.to_zoned(super::format::zone()).date())
    {
        ui.t("why-already-returned")
    } else {
        ui.t("why-window-closed")
    };
    if sealed && line.eligible {
        format!("{sentence} {}", ui.t("verdict-if-sealed"))
    } else {
        sentence
    }
}

fn why(ui: &Ui, line: &LineAnswer, sealed: bool) -> Vec<String> {
    let mut out = Vec::new();
    if line.exception.is_none() && line.ordered > 0 && line.in_returns >= line.ordered {
        // Nothing more to explain than the request itself, on the case's page.
        return out;
    }
    if line.eligible && line.shipping == "not_shipped" {
        out.push(ui.t("why-not-shipped"));
    } else if let Some(exception) = &line.exception {
        let (what, article) = flag_label(ui, exception);
        out.push(ui.ta2("why-exception", "what", what, "article", article));
    } else if line.eligible {
        match (line.basis.as_deref(), line.until) {
            (Some("policy"), Some(until)) => {
                out.push(ui.ta("why-policy-until", "date", ui.date(&until)));
                if let (true, Some(w)) = (line.withdrawal, line.withdrawal_until) {
                    out.push(ui.ta("why-withdrawal-inside", "date", ui.date(&w)));
                }
            }
            (Some("policy"), None) => out.push(ui.t("why-policy-open")),
            (_, Some(until)) => out.push(ui.ta2(
                "why-statute-until",
                "date",
                ui.date(&until),
                "article",
                ui.law(line.article.as_deref().unwrap_or("C. conso L221-18")),
            )),
            (_, None) => out.push(ui.ta(
                "why-not-delivered",
                "article",
                ui.law(line.article.as_deref().unwrap_or("C. conso L221-18")),
            )),
        }
        if line.policy_overridden_by_law {
            out.push(ui.t("why-overridden"));
        }
        // Sealed for hygiene: returnable only while still sealed (C. conso L221-28 5°).
        if sealed {
            out.push(ui.t("why-if-sealed"));
        }
    } else if line.ordered > 0
        && line.returnable_quantity == 0
        && line
            .until
            .is_some_and(|u| u >= ui.now.to_zoned(super::format::zone()).date())
    {
        out.push(ui.t("why-already-returned"));
    } else {
        out.push(ui.t("why-window-closed"));
    }
    if let Some(guarantee) = line.guarantee_until {
        out.push(ui.ta("why-guarantee", "date", ui.date(&guarantee)));
    }
    out
}

fn terms(ui: &Ui, line: &LineAnswer) -> Vec<String> {
    if !line.eligible {
        return Vec::new();
    }
    let mut out = Vec::new();
    if line.shipping == "not_shipped" {
        out.push(ui.t("terms-cancel"));
    } else if line.returnless {
        out.push(ui.t("terms-returnless"));
    } else if line.return_shipping == "merchant" {
        out.push(ui.t("terms-free-return"));
    } else {
        out.push(ui.t("terms-buyer-pays"));
    }
    match &line.restocking_fee {
        Some(amiable_domain::returns::RestockingFee::Percent { percent }) => {
            out.push(ui.ta("terms-restocking-percent", "percent", percent))
        }
        Some(amiable_domain::returns::RestockingFee::Amount { amount }) => {
            out.push(ui.ta("terms-restocking-amount", "amount", ui.money(amount)))
        }
        None => {}
    }
    out
}

/// A case of the order, as the order page lists it.
pub struct CaseRow {
    pub href: String,
    pub title: String,
    /// The items it names, by their titles (empty when none).
    pub items: String,
    pub status: String,
    pub status_code: &'static str,
    pub opened: String,
}

#[derive(Template)]
#[template(path = "buyer/order.html")]
struct OrderPage {
    ui: Ui,
    order_id: String,
    number: String,
    shop: String,
    placed: String,
    total: String,
    delivery: Vec<String>,
    lines: Vec<LineView>,
    cases: Vec<CaseRow>,
    can_return: bool,
    mediator: Option<Mediator>,
    /// How to reach the shop (its setting), when it gave one.
    contact: Option<ContactView>,
}

/// A shop's contact for its buyers, with the phone as a `tel:` link wants it.
struct ContactView {
    email: Option<String>,
    phone: Option<String>,
    tel: String,
    hours: Option<String>,
}

impl ContactView {
    fn of(contact: amiable_domain::settings::Contact) -> ContactView {
        ContactView {
            tel: contact
                .phone
                .as_deref()
                .unwrap_or("")
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '+')
                .collect(),
            email: contact.email,
            phone: contact.phone,
            hours: contact.hours,
        }
    }
}

async fn order_cases(state: &AppState, ui: &Ui, order: &Order) -> Result<Vec<CaseRow>, WebError> {
    let cases = state
        .store()
        .cases(&CaseFilter {
            order_id: Some(order.id),
            sort: CaseSort::LastActivity,
            limit: 50,
            ..CaseFilter::default()
        })
        .await?;
    let mut rows = Vec::with_capacity(cases.len());
    for c in cases {
        // What the case is about, so that two requests on one order read apart.
        let items: Vec<String> = match state.store().case(c.case_id).await? {
            Some(record) => record
                .state
                .items
                .iter()
                .filter_map(|item| order.line(&item.line_id))
                .map(|line| line.title.as_str().to_owned())
                .collect(),
            None => Vec::new(),
        };
        rows.push(CaseRow {
            href: format!("/suivi/dossier/{}", c.case_id),
            title: format!(
                "{} — {}",
                ui.label("kind", c.kind.code()),
                ui.reason(&c.reason)
            ),
            items: items.join(", "),
            status: ui.label("status", c.status.code()),
            status_code: c.status.code(),
            opened: ui.day_of(&c.opened_at),
        });
    }
    Ok(rows)
}

fn delivery_lines(ui: &Ui, order: &Order) -> Vec<String> {
    order
        .shipments
        .iter()
        .map(|s| match (s.delivered_at, s.shipped_at) {
            (Some(at), _) => ui.ta2(
                "order-delivered",
                "what",
                s.carrier.as_str(),
                "date",
                ui.day_of(&at),
            ),
            (None, Some(at)) => ui.ta2(
                "order-shipped",
                "what",
                s.carrier.as_str(),
                "date",
                ui.day_of(&at),
            ),
            (None, None) => ui.t("order-not-shipped"),
        })
        .chain({
            // Lines in no parcel yet: the order is not wholly on its way.
            let waiting: u32 = order
                .lines
                .iter()
                .filter(|l| {
                    !l.has(amiable_domain::order::LineFlag::Digital)
                        && !order.line_shipped(&l.line_id)
                })
                .map(|l| l.quantity.get())
                .sum();
            (waiting > 0 && !order.shipments.is_empty())
                .then(|| ui.tn("order-lines-waiting", waiting))
        })
        .collect()
}

async fn operator_of(state: &AppState, order: &Order) -> Result<amiable_store::Operator, WebError> {
    state
        .store()
        .operator(order.operator_id)
        .await?
        .ok_or_else(WebError::not_found)
}

async fn shop_name(state: &AppState, order: &Order) -> Result<String, WebError> {
    Ok(state
        .store()
        .merchant(order.merchant_id)
        .await?
        .map(|m| m.name)
        .unwrap_or_default())
}

/// `GET /suivi/commande/{order_id}`.
async fn order_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(order_id): Path<String>,
) -> Result<Response, WebError> {
    let order_id = parse_order_id(&order_id)?;
    buyer_of(&state, &ctx, order_id)?;
    let order = load_order(&state, order_id).await?;
    let ui = ctx
        .ui()
        .with_taxonomy(&state.store().taxonomy(order.operator_id).await?);
    let answer = state.app().eligibility(&order, ctx.lang).await?;
    let lines = line_views(&ui, &order, &answer);
    let operator = operator_of(&state, &order).await?;
    let merchant = state.store().merchant(order.merchant_id).await?;
    let contact = merchant.as_ref().and_then(|m| {
        amiable_domain::settings::MerchantSettings::read(&m.settings)
            .contact
            .map(ContactView::of)
    });
    let page = OrderPage {
        order_id: order.id.to_string(),
        number: order.external_id.as_str().to_owned(),
        shop: merchant.map(|m| m.name).unwrap_or_default(),
        contact,
        placed: ui.day_of(&order.placed_at),
        total: order.total().map(|t| ui.money(&t)).unwrap_or_default(),
        delivery: delivery_lines(&ui, &order),
        can_return: lines.iter().any(|l| l.eligible && l.returnable > 0),
        cases: order_cases(&state, &ui, &order).await?,
        lines,
        mediator: shared::mediator(&operator),
        ui,
    };
    Ok(ctx.render(&page))
}

// ------------------------------------------------------------ return form

/// The reasons a buyer may give for returning one line: a line not shipped yet can only
/// be withdrawn from (it is cancelled); the operator's own reasons only where they fit the
/// product's category.
fn line_reasons(
    ui: &Ui,
    taxonomy: &ReasonTaxonomy,
    order: &Order,
    line_id: &str,
) -> Vec<ReasonChoice> {
    let Some(line) = order.lines.iter().find(|l| l.line_id.as_str() == line_id) else {
        return Vec::new();
    };
    let roots: &[BuiltinReason] = if order.line_shipped(&line.line_id)
        || line.has(amiable_domain::order::LineFlag::Digital)
    {
        RETURN_REASONS
    } else {
        &[BuiltinReason::ChangedMind]
    };
    reason_choices(ui, taxonomy, roots, &[line.category.as_str()])
}

/// A reason the buyer may pick, with its label.
pub struct ReasonChoice {
    pub code: String,
    pub label: String,
}

const RETURN_REASONS: &[BuiltinReason] = &[
    BuiltinReason::ChangedMind,
    BuiltinReason::Defective,
    BuiltinReason::NotAsDescribed,
    BuiltinReason::WrongItem,
    BuiltinReason::DamagedInTransit,
    BuiltinReason::Other,
];

const PROBLEM_REASONS: &[BuiltinReason] = &[
    BuiltinReason::NotReceived,
    BuiltinReason::LateDelivery,
    BuiltinReason::DamagedInTransit,
    BuiltinReason::MissingItems,
    BuiltinReason::WrongItem,
    BuiltinReason::Defective,
    BuiltinReason::NotAsDescribed,
    BuiltinReason::Other,
];

/// The built-in reasons and the operator's own below them, in the page's language: of
/// the operator's, those that fit one of `categories` (all when `categories` is empty).
fn reason_choices(
    ui: &Ui,
    taxonomy: &ReasonTaxonomy,
    roots: &[BuiltinReason],
    categories: &[&str],
) -> Vec<ReasonChoice> {
    let mut out = Vec::new();
    for root in roots {
        out.push(ReasonChoice {
            code: root.code().to_owned(),
            label: reason_label(ui.lang, root.code()),
        });
        for custom in &taxonomy.custom {
            let fits = categories.is_empty() || categories.iter().any(|c| custom.fits(c));
            if custom.code.root() == *root && fits {
                out.push(ReasonChoice {
                    code: custom.code.as_str().to_owned(),
                    label: format!(
                        "{} — {}",
                        reason_label(ui.lang, root.code()),
                        match ui.lang {
                            crate::i18n::Lang::Fr => &custom.label_fr,
                            crate::i18n::Lang::En => &custom.label_en,
                        }
                    ),
                });
            }
        }
    }
    out
}

/// A resolution the buyer may prefer, with what it means.
pub struct ResolutionChoice {
    pub code: &'static str,
    pub label: String,
    pub hint: String,
}

fn resolution_choices(ui: &Ui, answer: &EligibilityAnswer) -> Vec<ResolutionChoice> {
    let mut kinds = vec![ResolutionKind::ReturnAndRefund];
    for kind in &answer.allowed_resolutions {
        if !kinds.contains(kind) {
            kinds.push(*kind);
        }
    }
    kinds
        .into_iter()
        .map(|kind| ResolutionChoice {
            code: kind.code(),
            label: ui.label("prefer", kind.code()),
            hint: match (kind, answer.store_credit_bonus_percent) {
                (ResolutionKind::StoreCredit, Some(bonus)) if bonus > 0 => {
                    ui.ta("prefer-store_credit-bonus", "percent", bonus)
                }
                _ => ui.label("prefer-hint", kind.code()),
            },
        })
        .collect()
}

#[derive(Template)]
#[template(path = "buyer/return.html")]
struct ReturnPage {
    ui: Ui,
    order_id: String,
    number: String,
    shop: String,
    lines: Vec<LineView>,
    resolutions: Vec<ResolutionChoice>,
    condition_rules: Option<String>,
    form: Form,
    errors: Errors,
    submission: String,
    max_bytes: usize,
    max_size: String,
    max_files: usize,
}

impl ReturnPage {
    fn qty(&self, index: impl std::fmt::Display) -> String {
        self.form.text(&format!("qty_{index}")).to_owned()
    }

    fn reason_of(&self, index: impl std::fmt::Display) -> String {
        let chosen = self.form.text(&format!("reason_{index}"));
        if chosen.is_empty() {
            "changed_mind".to_owned()
        } else {
            chosen.to_owned()
        }
    }

    fn preferred(&self) -> String {
        let chosen = self.form.text("preferred");
        if chosen.is_empty() {
            "return_and_refund".to_owned()
        } else {
            chosen.to_owned()
        }
    }
}

/// `GET /suivi/commande/{order_id}/retour`.
async fn return_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(order_id): Path<String>,
) -> Result<Response, WebError> {
    let order_id = parse_order_id(&order_id)?;
    buyer_of(&state, &ctx, order_id)?;
    let order = load_order(&state, order_id).await?;
    let page = return_form(&state, &ctx, &order, Form::default(), Errors::default()).await?;
    Ok(ctx.render(&page))
}

/// What the return and problem forms both start from: the eligibility of the lines,
/// the operator's reasons, and the form's submission id (its idempotency key), kept
/// across a refused submission so that the next one opens at most one case.
async fn form_basis(
    state: &AppState,
    ctx: &Ctx,
    order: &Order,
    form: &Form,
) -> Result<(EligibilityAnswer, ReasonTaxonomy, String), WebError> {
    let answer = state.app().eligibility(order, ctx.lang).await?;
    let taxonomy = state.store().taxonomy(order.operator_id).await?;
    let submission = match form.text("submission") {
        "" => crate::auth::random_token(),
        given => given.to_owned(),
    };
    Ok((answer, taxonomy, submission))
}

async fn return_form(
    state: &AppState,
    ctx: &Ctx,
    order: &Order,
    form: Form,
    errors: Errors,
) -> Result<ReturnPage, WebError> {
    let ui = ctx.ui();
    let (answer, taxonomy, submission) = form_basis(state, ctx, order, &form).await?;
    Ok(ReturnPage {
        order_id: order.id.to_string(),
        number: order.external_id.as_str().to_owned(),
        shop: shop_name(state, order).await?,
        lines: line_views(&ui, order, &answer)
            .into_iter()
            .map(|mut view| {
                view.reasons = line_reasons(&ui, &taxonomy, order, &view.line_id);
                view
            })
            .collect(),
        resolutions: resolution_choices(&ui, &answer),
        condition_rules: answer.condition_rules.clone(),
        form,
        errors,
        submission,
        max_bytes: state.inner.config.max_upload_bytes,
        max_size: super::format::size(ctx.lang, state.inner.config.max_upload_bytes as u64),
        max_files: super::form::MAX_FILES,
        ui,
    })
}

/// Checks photos before anything is written: images only, within the limits.
fn check_photos(ui: &Ui, submission: &super::form::Submission, errors: &mut Errors, field: &str) {
    if submission.too_large {
        errors.add(field, ui.t("photos-too-large"));
    }
    if submission.too_many {
        errors.add(
            field,
            ui.ta("photos-too-many", "count", super::form::MAX_FILES),
        );
    }
    for upload in &submission.uploads {
        match amiable_domain::sniff::sniff(&upload.bytes) {
            Some(kind) if kind.content_type.starts_with("image/") => {}
            _ => errors.add(
                field,
                ui.ta(
                    "photos-wrong-type",
                    "name",
                    upload.filename.as_deref().unwrap_or("?"),
                ),
            ),
        }
    }
}

/// Records the photos on the case (after it was opened).
async fn attach_photos(
    state: &AppState,
    principal: &Principal,
    case_id: CaseId,
    uploads: &[Upload],
) -> Result<(), WebError> {
    for upload in uploads {
        state
            .app()
            .attach(
                principal,
                case_id,
                None,
                upload.filename.as_deref(),
                &upload.bytes,
                Visibility::Public,
            )
            .await?;
    }
    Ok(())
}

/// `POST /suivi/commande/{order_id}/retour`: opens the return, then adds the photos.
async fn start_return(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(order_id): Path<String>,
    MultipartForm(submission): MultipartForm,
) -> Result<Response, WebError> {
    let order_id = parse_order_id(&order_id)?;
    let buyer = buyer_of(&state, &ctx, order_id)?;
    ctx.check_csrf(&submission.form)?;
    let order = load_order(&state, order_id).await?;
    let ui = ctx.ui();
    let form = &submission.form;
    let mut errors = Errors::default();
    let taxonomy = state.store().taxonomy(order.operator_id).await?;
    // Which form index each item of the request comes from, to place its errors.
    let mut items = Vec::new();
    let mut origin = Vec::new();
    for (index, line) in order.lines.iter().enumerate() {
        let raw = form.text(&format!("qty_{index}"));
        let quantity: u32 = match raw {
            "" | "0" => continue,
            text => match text.parse() {
                Ok(q) => q,
                Err(_) => {
                    errors.add(&format!("qty_{index}"), ui.t("error-quantity"));
                    continue;
                }
            },
        };
        let reason_field = format!("reason_{index}");
        let offered = line_reasons(&ui, &taxonomy, &order, line.line_id.as_str());
        let chosen = form.text(&reason_field);
        let reason = match taxonomy.resolve(chosen) {
            Ok(reason) if offered.iter().any(|r| r.code == chosen) => reason,
            _ => {
                errors.add(&reason_field, ui.t("error-reason"));
                continue;
            }
        };
        let Ok(quantity) = Quantity::new(i64::from(quantity)) else {
            errors.add(&format!("qty_{index}"), ui.t("error-quantity"));
            continue;
        };
        items.push(CaseItem {
            line_id: line.line_id.clone(),
            quantity,
            reason: Some(reason),
        });
        origin.push(index);
    }
    if items.is_empty() && !errors.any() {
        errors.add("qty_0", ui.t("return-choose-items"));
    }
    let preferred = match ResolutionKind::parse(form.text("preferred")) {
        Some(kind) => Some(kind),
        None if form.text("preferred").is_empty() => None,
        None => {
            errors.add("preferred", ui.t("error-choice"));
            None
        }
    };
    let comment = form.text("comment");
    let description = if comment.is_empty() {
        Body::parse(&ui.t("return-default-description"))
    } else {
        Body::parse(comment)
    };
    let description = match description {
        Ok(d) => Some(d),
        Err(e) => {
            errors.add_text("comment", &e, ui.lang, "error-required");
            None
        }
    };
    check_photos(&ui, &submission, &mut errors, "photos");
    let (Some(description), false) = (description, errors.any()) else {
        let page = return_form(&state, &ctx, &order, submission.form.clone(), errors).await?;
        return Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    // The case's reason: the first line's (each line keeps its own).
    let reason = items
        .first()
        .and_then(|i| i.reason.clone())
        .unwrap_or_else(|| ReasonCode::builtin(BuiltinReason::ChangedMind));
    let request = OpenCase {
        order_id,
        kind: CaseKind::Return,
        reason,
        items,
        claimed: None,
        description,
        stage: None,
        preferred_resolution: preferred,
    };
    // The form's submission id is the idempotency key: a double click opens one return.
    let key = format!("web-return-{}", form.text("submission"));
    let (outcome, opened) = match state
        .app()
        .open_case(&buyer, request, Some(&key))
        .await
        .map_err(Problem::from)
    {
        Ok(answer) => answer,
        Err(problem) if problem.status < 500 => {
            let errors = Errors::from_problem(&problem, ctx.lang, |path| {
                let rest = path.strip_prefix("items[")?;
                let (n, field) = rest.split_once(']')?;
                let index = origin.get(n.parse::<usize>().ok()?)?;
                Some(if field.contains("reason") {
                    format!("reason_{index}")
                } else {
                    format!("qty_{index}")
                })
            });
            let page = return_form(&state, &ctx, &order, submission.form.clone(), errors).await?;
            return Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
        Err(problem) => return Err(problem.into()),
    };
    // A second submission of the same form finds its case: the photos came with the first.
    if opened {
        attach_photos(&state, &buyer, outcome.case_id, &submission.uploads).await?;
    }
    Ok(redirect(&format!(
        "/suivi/dossier/{}?fait=return-requested",
        outcome.case_id
    )))
}

// ----------------------------------------------------------- problem form

#[derive(Template)]
#[template(path = "buyer/problem.html")]
struct ProblemPage {
    ui: Ui,
    order_id: String,
    number: String,
    shop: String,
    lines: Vec<LineView>,
    reasons: Vec<ReasonChoice>,
    form: Form,
    errors: Errors,
    submission: String,
    max_bytes: usize,
    max_size: String,
    max_files: usize,
    currency: String,
}

impl ProblemPage {
    fn qty(&self, index: impl std::fmt::Display) -> String {
        self.form.text(&format!("qty_{index}")).to_owned()
    }
}

async fn problem_form(
    state: &AppState,
    ctx: &Ctx,
    order: &Order,
    form: Form,
    errors: Errors,
) -> Result<ProblemPage, WebError> {
    let ui = ctx.ui();
    let (answer, taxonomy, submission) = form_basis(state, ctx, order, &form).await?;
    Ok(ProblemPage {
        order_id: order.id.to_string(),
        number: order.external_id.as_str().to_owned(),
        shop: shop_name(state, order).await?,
        lines: line_views(&ui, order, &answer),
        reasons: reason_choices(
            &ui,
            &taxonomy,
            PROBLEM_REASONS,
            &order
                .lines
                .iter()
                .map(|l| l.category.as_str())
                .collect::<Vec<_>>(),
        ),
        form,
        errors,
        submission,
        max_bytes: state.inner.config.max_upload_bytes,
        max_size: super::format::size(ctx.lang, state.inner.config.max_upload_bytes as u64),
        max_files: super::form::MAX_FILES,
        currency: order.currency.code().to_owned(),
        ui,
    })
}

/// `GET /suivi/commande/{order_id}/signaler`.
async fn problem_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(order_id): Path<String>,
) -> Result<Response, WebError> {
    let order_id = parse_order_id(&order_id)?;
    buyer_of(&state, &ctx, order_id)?;
    let order = load_order(&state, order_id).await?;
    let page = problem_form(&state, &ctx, &order, Form::default(), Errors::default()).await?;
    Ok(ctx.render(&page))
}

/// `POST /suivi/commande/{order_id}/signaler`: opens an incident, then adds the photos.
async fn report_problem(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(order_id): Path<String>,
    MultipartForm(submission): MultipartForm,
) -> Result<Response, WebError> {
    let order_id = parse_order_id(&order_id)?;
    let buyer = buyer_of(&state, &ctx, order_id)?;
    ctx.check_csrf(&submission.form)?;
    let order = load_order(&state, order_id).await?;
    let ui = ctx.ui();
    let form = &submission.form;
    let mut errors = Errors::default();
    let taxonomy = state.store().taxonomy(order.operator_id).await?;
    let reason = match taxonomy.resolve(form.text("reason")) {
        Ok(reason) => Some(reason),
        Err(_) => {
            errors.add("reason", ui.t("problem-choose-reason"));
            None
        }
    };
    let mut items = Vec::new();
    let mut origin = Vec::new();
    for (index, line) in order.lines.iter().enumerate() {
        match form.text(&format!("qty_{index}")) {
            "" | "0" => {}
            text => match text
                .parse::<u32>()
                .ok()
                .and_then(|q| Quantity::new(i64::from(q)).ok())
            {
                Some(quantity) => {
                    items.push(CaseItem {
                        line_id: line.line_id.clone(),
                        quantity,
                        reason: None,
                    });
                    origin.push(index);
                }
                None => errors.add(&format!("qty_{index}"), ui.t("error-quantity")),
            },
        }
    }
    let claimed = match form.text("claimed") {
        "" => None,
        text => match super::format::parse_amount(text, order.currency, ctx.lang) {
            Ok(amount) if amount.is_positive() => Some(amount),
            Ok(_) => {
                errors.add("claimed", ui.t("error-amount-positive"));
                None
            }
            Err(e) => {
                errors.add("claimed", ui.t(e.key()));
                None
            }
        },
    };
    let description = match Body::parse(form.text("description")) {
        Ok(body) => Some(body),
        Err(e) if e.code == "text.empty" => {
            errors.add("description", ui.t("problem-describe"));
            None
        }
        Err(e) => {
            errors.add_text("description", &e, ui.lang, "error-required");
            None
        }
    };
    check_photos(&ui, &submission, &mut errors, "photos");
    let (Some(reason), Some(description), false) = (reason, description, errors.any()) else {
        let page = problem_form(&state, &ctx, &order, submission.form.clone(), errors).await?;
        return Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let request = OpenCase {
        order_id,
        kind: CaseKind::Incident,
        reason,
        items,
        claimed,
        description,
        stage: None,
        preferred_resolution: None,
    };
    let key = format!("web-problem-{}", form.text("submission"));
    let (outcome, opened) = match state
        .app()
        .open_case(&buyer, request, Some(&key))
        .await
        .map_err(Problem::from)
    {
        Ok(answer) => answer,
        Err(problem) if problem.status < 500 => {
            let errors = Errors::from_problem(&problem, ctx.lang, |path| {
                if let Some(rest) = path.strip_prefix("items[") {
                    let (n, _) = rest.split_once(']')?;
                    let index = origin.get(n.parse::<usize>().ok()?)?;
                    return Some(format!("qty_{index}"));
                }
                match path.split('.').next()? {
                    "claimed" => Some("claimed".to_owned()),
                    "description" => Some("description".to_owned()),
                    "reason" => Some("reason".to_owned()),
                    _ => None,
                }
            });
            let page = problem_form(&state, &ctx, &order, submission.form.clone(), errors).await?;
            return Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
        Err(problem) => return Err(problem.into()),
    };
    if opened {
        attach_photos(&state, &buyer, outcome.case_id, &submission.uploads).await?;
    }
    Ok(redirect(&format!(
        "/suivi/dossier/{}?fait=problem-reported",
        outcome.case_id
    )))
}

// -------------------------------------------------------------- case page

/// A step of a return's progress.
pub struct Step {
    pub label: String,
    /// `done`, `current` or `todo`.
    pub state: &'static str,
}

/// An offer waiting for the buyer's answer.
pub struct OfferView {
    pub offer_id: u32,
    pub terms: String,
    pub note: Option<String>,
}

/// A refund, store credit or gesture the buyer got.
pub struct MoneyLine {
    pub text: String,
    pub detail: Vec<String>,
}

#[derive(Template)]
#[template(path = "buyer/case.html")]
struct CasePage {
    ui: Ui,
    /// Resolved or closed: the satisfaction question is asked.
    settled: bool,
    survey_given: bool,
    survey_rating: i64,
    survey_comment: String,
    survey_errors: Errors,
    survey_choices: Vec<(i64, String)>,
    case_id: String,
    short_id: String,
    order_id: String,
    number: String,
    shop: String,
    title: String,
    status: String,
    status_code: &'static str,
    stage: String,
    next: String,
    next_is_yours: bool,
    steps: Vec<Step>,
    rma: Option<String>,
    label_until: Option<String>,
    has_label: bool,
    timeline: Vec<Entry>,
    files_base: String,
    offers: Vec<OfferView>,
    money: Vec<MoneyLine>,
    can_message: bool,
    can_escalate: bool,
    can_cancel: bool,
    /// The buyer sends the parcel themselves (no label of ours): they may declare it.
    can_ship: bool,
    ship: Form,
    ship_errors: Errors,
    today: String,
    /// Where the parcel goes, for a buyer who sends it themselves.
    ship_to: Vec<String>,
    escalate_title: &'static str,
    escalate_intro: &'static str,
    operator_name: String,
    mediator: Option<Mediator>,
    message: String,
    message_errors: Errors,
    escalate_reason: String,
    escalate_errors: Errors,
    action_errors: Errors,
    max_bytes: usize,
    max_size: String,
    max_files: usize,
    version: i64,
    /// The incident and the ladder, as the buyer sees them.
    ladder: disputes::LadderView,
    private_message: String,
    private_errors: Errors,
    deadline: String,
    deadline_errors: Errors,
    appeal_grounds: String,
    appeal_errors: Errors,
}

fn steps(ui: &Ui, data: &CaseData) -> Vec<Step> {
    let Some(progress) = &data.state.returns else {
        return Vec::new();
    };
    // A refused, lost or cancelled return did not go the usual way: the next step says what
    // happened instead of steps that were never taken.
    if matches!(progress.stage, ReturnStage::Refused | ReturnStage::Lost)
        || data.state.status == CaseStatus::Cancelled
    {
        return Vec::new();
    }
    let reached = match progress.stage {
        ReturnStage::Requested => 0,
        ReturnStage::Authorised | ReturnStage::Refused => 1,
        ReturnStage::LabelIssued | ReturnStage::LabelExpired => 2,
        ReturnStage::InTransit | ReturnStage::Lost => 3,
        ReturnStage::Delivered | ReturnStage::Received => 4,
        ReturnStage::Inspected => 5,
    };
    let settled = matches!(data.state.status, CaseStatus::Resolved | CaseStatus::Closed);
    // Settled before any parcel left (a partial refund, store credit or a gesture while the
    // buyer keeps the goods): no ticks for steps that were never taken.
    if settled && reached < 3 && !progress.returnless {
        return Vec::new();
    }
    let reached = if settled { 6 } else { reached };
    // Each step with its place in the full path (0 requested … 6 settled). A returnless
    // return skips the parcel; a buyer who sends it their own way has no label step.
    let own_shipping = progress.label.is_none()
        && progress.labels_issued == 0
        && progress.return_shipping == amiable_domain::returns::ReturnShipping::Buyer;
    let all: [(usize, &str); 7] = [
        (0, "step-requested"),
        (1, "step-authorised"),
        (2, "step-label"),
        (3, "step-shipped"),
        (4, "step-received"),
        (5, "step-inspected"),
        (6, "step-settled"),
    ];
    let names: Vec<(usize, &str)> = all
        .into_iter()
        .filter(|(place, _)| {
            if progress.returnless {
                matches!(place, 0 | 1 | 6)
            } else {
                !(own_shipping && *place == 2)
            }
        })
        .collect();
    // The label step skipped: a return authorised waits for the parcel.
    let reached = if own_shipping && reached == 1 && !progress.returnless {
        3
    } else {
        reached
    };
    names
        .iter()
        .map(|(place, key)| (*place, key))
        .map(|(place, key)| Step {
            label: ui.t(key),
            state: if place < reached || (settled && place == 6) {
                "done"
            } else if place == reached {
                "current"
            } else {
                "todo"
            },
        })
        .collect()
}

/// What happens next, in one sentence, and whether it is the buyer's move.
fn next_step(ui: &Ui, data: &CaseData) -> (String, bool) {
    let state = &data.state;
    let by = |key: &str| match data.next_deadline {
        Some(at) => {
            ui.ta("next-by", "date", ui.datetime(&at)).to_string() + &format!(" {}", ui.t(key))
        }
        None => ui.t(key),
    };
    match state.status {
        CaseStatus::Cancelled => return (ui.t("next-cancelled"), false),
        CaseStatus::Closed => return (ui.t("next-closed"), false),
        CaseStatus::Resolved => {
            let resolution = state
                .resolution
                .as_ref()
                .map(|r| resolution_text(ui, r))
                .unwrap_or_default();
            let refusal = state
                .resolution
                .as_ref()
                .is_some_and(|r| r.kind == ResolutionKind::Refusal);
            let mut text = ui.ta("next-resolved", "what", resolution);
            if refusal && data.can(Possible::Escalate) {
                text.push(' ');
                text.push_str(&ui.t("next-resolved-escalate"));
            }
            return (text, false);
        }
        CaseStatus::Open => {}
    }
    // Terms agreed or decided: what is owed, by whom, by when — not "settled" yet.
    if let Some(awaiting) = &state.awaiting_payment {
        let text = ui.ta2(
            "next-awaiting-payment",
            "what",
            resolution_text(ui, &awaiting.terms),
            "date",
            ui.day_of(&awaiting.due),
        );
        return (text, false);
    }
    if state
        .offers
        .iter()
        .any(|o| o.status == OfferStatus::Pending && o.to == Party::Buyer)
    {
        return (ui.t("next-answer-offer"), true);
    }
    // The mediator waits for the buyer's answer (the page keeps only the buyer's requests).
    if let Some(request) = state.mediation.as_ref().and_then(|m| {
        m.open_requests()
            .filter(|r| r.from == Party::Buyer)
            .min_by_key(|r| r.due_at)
    }) {
        return (
            ui.ta(
                "next-information-requested",
                "date",
                ui.datetime(&request.due_at),
            ),
            true,
        );
    }
    if let Some(progress) = &state.returns {
        let text = match progress.stage {
            ReturnStage::Requested => by("next-return-review"),
            // Nothing of it was shipped: cancelled before delivery, refunded (L221-24).
            ReturnStage::Authorised
                if progress.returnless
                    && progress
                        .lines
                        .iter()
                        .all(|l| !data.order.line_shipped(&l.line_id)) =>
            {
                match progress.refund_due_by {
                    Some(due) => ui.ta("next-unshipped-by", "date", ui.date(&due)),
                    None => ui.t("next-unshipped"),
                }
            }
            ReturnStage::Authorised if progress.returnless => ui.t("next-returnless"),
            ReturnStage::Authorised
                if progress.return_shipping == amiable_domain::returns::ReturnShipping::Buyer =>
            {
                return (ui.t("next-send-yourself"), true);
            }
            ReturnStage::Authorised => ui.t("next-label-coming"),
            ReturnStage::LabelIssued => {
                let until = progress
                    .label
                    .as_ref()
                    .map(|l| ui.day_of(&l.expires_at))
                    .unwrap_or_default();
                return (ui.ta("next-drop-off", "date", until), true);
            }
            ReturnStage::LabelExpired => ui.t("next-label-expired"),
            ReturnStage::InTransit => ui.t("next-in-transit"),
            ReturnStage::Delivered | ReturnStage::Received => ui.t("next-checking"),
            ReturnStage::Inspected => match progress.refund_due_by {
                Some(due) => ui.ta("next-refund-by", "date", ui.date(&due)),
                None => ui.t("next-refund-soon"),
            },
            ReturnStage::Lost => ui.t("next-lost"),
            ReturnStage::Refused => ui.t("next-refused"),
        };
        return (text, false);
    }
    match state.waiting_on {
        // Once the marketplace mediates, it is the mediator who waits for the buyer.
        Some(Party::Buyer) if state.stage >= Stage::Mediation => {
            (ui.t("next-your-turn-mediator"), true)
        }
        Some(Party::Buyer) => (ui.t("next-your-turn"), true),
        Some(Party::Operator) => (by("next-operator"), false),
        Some(Party::Merchant) => (by("next-merchant"), false),
        _ => (ui.t("next-nothing"), false),
    }
}

fn money_lines(ui: &Ui, data: &CaseData) -> Vec<MoneyLine> {
    let state = &data.state;
    let mut out = Vec::new();
    for refund in &state.refunds {
        let mut detail = Vec::new();
        for d in &refund.deductions {
            detail.push(ui.ta2(
                "timeline-deduction",
                "what",
                d.label.as_str(),
                "amount",
                ui.money(&d.amount),
            ));
        }
        if let Some(late) = &refund.late {
            detail.push(super::timeline::late_text(ui, late));
        }
        out.push(MoneyLine {
            text: ui.ta2(
                "money-refund",
                "amount",
                ui.money(&refund.amount),
                "status",
                ui.label("refund", refund.status.code()),
            ),
            detail,
        });
    }
    if let Some(credit) = &state.store_credit {
        out.push(MoneyLine {
            text: ui.ta("timeline-store-credit", "amount", ui.money(&credit.amount)),
            detail: if credit.bonus.is_positive() {
                vec![ui.ta("timeline-bonus", "amount", ui.money(&credit.bonus))]
            } else {
                Vec::new()
            },
        });
    }
    for gesture in &state.compensations {
        out.push(MoneyLine {
            text: ui.ta2(
                "timeline-compensation",
                "what",
                ui.label("goodwill", gesture.kind.code()),
                "amount",
                ui.money(&gesture.amount),
            ),
            detail: Vec::new(),
        });
    }
    out
}

async fn case_view(
    state: &AppState,
    ctx: &Ctx,
    buyer: &Principal,
    case_id: CaseId,
    forms: CaseForms,
) -> Result<CasePage, WebError> {
    let data = shared::load_case(state, buyer, case_id).await?;
    let ui = ctx
        .ui()
        .with_taxonomy(&state.store().taxonomy(data.state.operator_id).await?);
    let (next, next_is_yours) = next_step(&ui, &data);
    let ladder = disputes::ladder_view(state, &ui, &data).await?;
    let progress = data.state.returns.as_ref();
    let offers = data
        .state
        .offers
        .iter()
        .filter(|o| o.status == OfferStatus::Pending && o.to == Party::Buyer)
        .filter(|o| data.can(Possible::AcceptOffer(o.offer_id)))
        .map(|o| OfferView {
            offer_id: o.offer_id,
            terms: resolution_text(&ui, &o.terms),
            note: o.terms.note.as_ref().map(|n| n.as_str().to_owned()),
        })
        .collect();
    // From negotiation the marketplace mediates; from mediation it decides; then the
    // consumer mediator (C. conso L612-1).
    let (escalate_title, escalate_intro) = match data.state.stage.next() {
        Some(Stage::Arbitration) => ("escalate-title-arbitration", "escalate-intro-arbitration"),
        Some(Stage::External) => ("escalate-title-external", "escalate-intro-external"),
        _ => ("escalate-title", "escalate-intro"),
    };
    let settled = matches!(data.state.status, CaseStatus::Resolved | CaseStatus::Closed);
    let given = if settled {
        state
            .app()
            .feedback(buyer, case_id)
            .await
            .map_err(Problem::from)?
    } else {
        None
    };
    let (survey_rating, survey_comment) = match (&forms.survey, &given) {
        (Some((rating, comment)), _) => (*rating, comment.clone()),
        (None, Some(f)) => (f.rating, f.comment.clone().unwrap_or_default()),
        (None, None) => (0, String::new()),
    };
    Ok(CasePage {
        settled,
        survey_given: given.is_some() && forms.survey.is_none(),
        survey_rating,
        survey_comment,
        survey_errors: forms.survey_errors,
        survey_choices: (1..=5)
            .rev()
            .map(|n| (n, ui.t(&format!("survey-rating-{n}"))))
            .collect(),
        case_id: case_id.to_string(),
        short_id: shared::short_id(&case_id),
        order_id: data.order.id.to_string(),
        number: data.order.external_id.as_str().to_owned(),
        shop: data.merchant.name.clone(),
        title: format!(
            "{} — {}",
            ui.label("kind", data.state.kind.code()),
            ui.reason(data.state.reason.as_str())
        ),
        status: match &data.state.awaiting_payment {
            Some(_) => ui.t("status-awaiting-payment"),
            None => ui.label("status", data.state.status.code()),
        },
        status_code: match &data.state.awaiting_payment {
            Some(_) => "awaiting-payment",
            None => data.state.status.code(),
        },
        stage: if data.state.stage == Stage::Negotiation {
            String::new()
        } else {
            ui.label("stage", data.state.stage.code())
        },
        next,
        next_is_yours,
        steps: steps(&ui, &data),
        rma: progress.and_then(|p| p.rma.clone()),
        label_until: progress
            .and_then(|p| p.label.as_ref())
            .map(|l| ui.day_of(&l.expires_at)),
        has_label: progress.is_some_and(|p| p.label.is_some())
            && progress.is_some_and(|p| p.stage == ReturnStage::LabelIssued),
        timeline: data.timeline(&ui, Party::Buyer),
        files_base: format!("/suivi/dossier/{case_id}/fichier"),
        offers,
        money: money_lines(&ui, &data),
        can_message: data.can(Possible::PostMessage),
        can_escalate: data.can(Possible::Escalate),
        can_cancel: data.can(Possible::Cancel),
        can_ship: data.can(Possible::DeclareShipment)
            && progress.is_some_and(|p| p.stage != ReturnStage::LabelIssued),
        ship: forms.ship,
        ship_errors: forms.ship_errors,
        today: ui.now.to_zoned(super::format::zone()).date().to_string(),
        ship_to: amiable_domain::settings::MerchantSettings::read(&data.merchant.settings)
            .return_address
            .map(|a| address_lines(&a, None))
            .unwrap_or_default(),
        escalate_title,
        escalate_intro,
        operator_name: data.operator.name.clone(),
        mediator: shared::mediator(&data.operator),
        message: forms.message,
        message_errors: forms.message_errors,
        escalate_reason: forms.escalate_reason,
        escalate_errors: forms.escalate_errors,
        action_errors: forms.action_errors,
        max_bytes: state.inner.config.max_upload_bytes,
        max_size: super::format::size(ctx.lang, state.inner.config.max_upload_bytes as u64),
        max_files: super::form::MAX_FILES,
        version: data.state.version,
        ladder,
        private_message: forms.private_message,
        private_errors: forms.private_errors,
        deadline: forms.deadline,
        deadline_errors: forms.deadline_errors,
        appeal_grounds: forms.appeal_grounds,
        appeal_errors: forms.appeal_errors,
        ui,
    })
}

/// What the case page's forms show back after a refused submission.
#[derive(Default)]
struct CaseForms {
    /// The satisfaction answer sent back (rating, comment) after a refusal.
    survey: Option<(i64, String)>,
    survey_errors: Errors,
    message: String,
    message_errors: Errors,
    escalate_reason: String,
    escalate_errors: Errors,
    action_errors: Errors,
    ship: Form,
    ship_errors: Errors,
    private_message: String,
    private_errors: Errors,
    /// The new delivery deadline typed (`YYYY-MM-DD`).
    deadline: String,
    deadline_errors: Errors,
    appeal_grounds: String,
    appeal_errors: Errors,
}

/// `GET /suivi/dossier/{case_id}`.
async fn case_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
) -> Result<Response, WebError> {
    let (case_id, buyer) = buyer_of_case(&state, &ctx, &case_id).await?;
    let page = case_view(&state, &ctx, &buyer, case_id, CaseForms::default()).await?;
    Ok(ctx.render(&page))
}

async fn refused(
    state: &AppState,
    ctx: &Ctx,
    buyer: &Principal,
    case_id: CaseId,
    forms: CaseForms,
) -> Result<Response, WebError> {
    let page = case_view(state, ctx, buyer, case_id, forms).await?;
    Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

fn back(case_id: CaseId, notice: &str) -> Response {
    redirect(&format!("/suivi/dossier/{case_id}?fait={notice}"))
}

/// `POST /suivi/dossier/{case_id}/envoi`: the buyer sent the parcel themselves —
/// carrier, tracking number, the day, and a photo of the deposit receipt. Their
/// proof of shipment ends the refund hold (C. conso L221-24).
async fn declare_shipment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
    MultipartForm(submission): MultipartForm,
) -> Result<Response, WebError> {
    let (case_id, buyer) = buyer_of_case(&state, &ctx, &case_id).await?;
    let form = &submission.form;
    ctx.check_csrf(form)?;
    let ui = ctx.ui();
    let mut errors = Errors::default();
    let mut text = |field: &str| match Label::parse(form.text(field)) {
        Ok(label) => Some(label),
        Err(e) => {
            errors.add_text(field, &e, ui.lang, "error-required");
            None
        }
    };
    let carrier = text("carrier");
    let tracking = text("tracking_number");
    // The day the parcel was dropped off, in the buyer's zone: now when it is today,
    // else midday of that day (never in the future).
    let now = jiff::Timestamp::now();
    let zone = super::format::zone();
    let shipped_at = match form.text("shipped_on").parse::<jiff::civil::Date>() {
        Ok(day) if day == now.to_zoned(zone.clone()).date() => Some(now),
        Ok(day) if day < now.to_zoned(zone.clone()).date() => day
            .at(12, 0, 0, 0)
            .to_zoned(zone)
            .ok()
            .map(|z| z.timestamp()),
        Ok(_) => {
            errors.add("shipped_on", ui.t("ship-date-future"));
            None
        }
        Err(_) => {
            errors.add("shipped_on", ui.t("ship-date-invalid"));
            None
        }
    };
    let receipts: Vec<&Upload> = submission
        .uploads
        .iter()
        .filter(|u| !u.bytes.is_empty())
        .collect();
    if receipts.len() > 1 || submission.too_many {
        errors.add("receipt", ui.t("ship-one-receipt"));
    }
    if let Some(upload) = receipts.first()
        && amiable_domain::sniff::sniff(&upload.bytes).is_none()
    {
        errors.add(
            "receipt",
            ui.ta(
                "photos-wrong-type",
                "name",
                upload.filename.as_deref().unwrap_or("?"),
            ),
        );
    }
    let forms = |errors: Errors| CaseForms {
        ship: form.clone(),
        ship_errors: errors,
        ..CaseForms::default()
    };
    let (Some(carrier), Some(tracking), Some(shipped_at)) = (carrier, tracking, shipped_at) else {
        return refused(&state, &ctx, &buyer, case_id, forms(errors)).await;
    };
    if errors.any() {
        return refused(&state, &ctx, &buyer, case_id, forms(errors)).await;
    }
    let receipt = match receipts.first() {
        Some(upload) => amiable_app::attachments::Receipt::New {
            filename: upload.filename.as_deref(),
            bytes: &upload.bytes,
        },
        None => amiable_app::attachments::Receipt::None,
    };
    match state
        .app()
        .declare_shipment(
            &buyer,
            case_id,
            form.version()?,
            carrier,
            tracking,
            Some(shipped_at),
            receipt,
        )
        .await
        .map_err(Problem::from)
    {
        Ok(_) => Ok(back(case_id, "shipment-declared")),
        Err(problem) => {
            let problem_errors = Errors::from_problem(&problem, ctx.lang, |path| {
                Some(
                    match path {
                        "shipped_at" => "shipped_on",
                        "receipt" | "file" => "receipt",
                        "carrier" => "carrier",
                        _ => "tracking_number",
                    }
                    .to_owned(),
                )
            });
            if problem.status >= 500 || problem.status == 404 || problem.status == 403 {
                return Err(problem.into());
            }
            refused(&state, &ctx, &buyer, case_id, forms(problem_errors)).await
        }
    }
}

/// `POST /suivi/dossier/{case_id}/message`: a message, with photos.
async fn post_message(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
    MultipartForm(submission): MultipartForm,
) -> Result<Response, WebError> {
    let (case_id, buyer) = buyer_of_case(&state, &ctx, &case_id).await?;
    ctx.check_csrf(&submission.form)?;
    let ui = ctx.ui();
    let text = submission.form.text("body").to_owned();
    let mut errors = Errors::default();
    check_photos(&ui, &submission, &mut errors, "photos");
    // Photos are checked before the message is written: all of it goes in, or nothing.
    if !submission.uploads.is_empty() {
        let data = shared::load_case(&state, &buyer, case_id).await?;
        if !data.can(Possible::AttachFile) {
            errors.add("photos", ui.t("files-not-now"));
        }
    }
    let body = match Body::parse(&text) {
        Ok(body) => Some(body),
        Err(_) if text.is_empty() && !submission.uploads.is_empty() => None,
        Err(e) if e.code == "text.empty" => {
            errors.add("body", ui.t("message-empty"));
            None
        }
        Err(e) => {
            errors.add_text("body", &e, ui.lang, "error-required");
            None
        }
    };
    if errors.any() {
        return refused(
            &state,
            &ctx,
            &buyer,
            case_id,
            CaseForms {
                message: text,
                message_errors: errors,
                ..CaseForms::default()
            },
        )
        .await;
    }
    if let Some(body) = body {
        let result = state
            .app()
            .execute_for(
                &buyer,
                case_id,
                amiable_domain::access::Action::PostMessage,
                None,
                Command::Conversation(ConversationCommand::PostMessage { body }),
            )
            .await
            .map_err(Problem::from);
        if let Err(problem) = result {
            return refused_with(&state, &ctx, &buyer, case_id, problem, |f| CaseForms {
                message: text.clone(),
                message_errors: f,
                ..CaseForms::default()
            })
            .await;
        }
    }
    attach_photos(&state, &buyer, case_id, &submission.uploads).await?;
    Ok(back(case_id, "message-sent"))
}

async fn refused_with(
    state: &AppState,
    ctx: &Ctx,
    buyer: &Principal,
    case_id: CaseId,
    problem: Problem,
    forms: impl FnOnce(Errors) -> CaseForms,
) -> Result<Response, WebError> {
    if problem.status >= 500 || problem.status == 404 || problem.status == 403 {
        return Err(problem.into());
    }
    let errors = Errors::from_problem(&problem, ctx.lang, |_| None);
    refused(state, ctx, buyer, case_id, forms(errors)).await
}

/// Runs one of the buyer's case commands: back to the case with `notice`, or the case
/// page again with the refusal shown where `forms` puts it.
#[allow(clippy::too_many_arguments)]
async fn run_for_buyer(
    state: &AppState,
    ctx: &Ctx,
    buyer: &Principal,
    case_id: CaseId,
    action: amiable_domain::access::Action,
    expected: Option<i64>,
    command: Command,
    notice: &str,
    forms: impl FnOnce(Errors) -> CaseForms,
) -> Result<Response, WebError> {
    match state
        .app()
        .execute_for(buyer, case_id, action, expected, command)
        .await
        .map_err(Problem::from)
    {
        Ok(_) => Ok(back(case_id, notice)),
        Err(problem) => refused_with(state, ctx, buyer, case_id, problem, forms).await,
    }
}

/// `POST /suivi/dossier/{case_id}/offre/{offer_id}/{accepter|refuser}`.
async fn answer_offer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((case_id, offer_id, answer)): Path<(String, String, String)>,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (case_id, buyer) = buyer_of_case(&state, &ctx, &case_id).await?;
    ctx.check_csrf(&form)?;
    let offer_id: u32 = offer_id.parse().map_err(|_| WebError::not_found())?;
    let (command, notice) = match answer.as_str() {
        "accepter" => (
            Command::Escalation(EscalationCommand::AcceptOffer { offer_id }),
            "offer-accepted",
        ),
        "refuser" => (
            Command::Escalation(EscalationCommand::DeclineOffer {
                offer_id,
                reason: Label::parse(form.text("reason")).ok(),
            }),
            "offer-declined",
        ),
        _ => return Err(WebError::not_found()),
    };
    run_for_buyer(
        &state,
        &ctx,
        &buyer,
        case_id,
        amiable_domain::access::Action::AnswerOffer,
        form.version()?,
        command,
        notice,
        |errors| CaseForms {
            action_errors: errors,
            ..CaseForms::default()
        },
    )
    .await
}

/// `POST /suivi/dossier/{case_id}/escalader`: asks the marketplace to step in.
async fn escalate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (case_id, buyer) = buyer_of_case(&state, &ctx, &case_id).await?;
    ctx.check_csrf(&form)?;
    let ui = ctx.ui();
    let text = form.text("reason").to_owned();
    let reason = match Label::parse(&text) {
        Ok(reason) => reason,
        Err(e) => {
            let mut errors = Errors::default();
            errors.add_text("reason", &e, ui.lang, "escalate-why");
            return refused(
                &state,
                &ctx,
                &buyer,
                case_id,
                CaseForms {
                    escalate_reason: text,
                    escalate_errors: errors,
                    ..CaseForms::default()
                },
            )
            .await;
        }
    };
    run_for_buyer(
        &state,
        &ctx,
        &buyer,
        case_id,
        amiable_domain::access::Action::Escalate,
        form.version()?,
        Command::Escalation(EscalationCommand::Escalate { to: None, reason }),
        "escalated",
        |errors| CaseForms {
            escalate_reason: text,
            escalate_errors: errors,
            ..CaseForms::default()
        },
    )
    .await
}

/// `POST /suivi/dossier/{case_id}/annuler`: the buyer withdraws the request.
async fn cancel(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (case_id, buyer) = buyer_of_case(&state, &ctx, &case_id).await?;
    ctx.check_csrf(&form)?;
    let ui = ctx.ui();
    let reason = Label::parse(form.text("reason"))
        .or_else(|_| Label::parse(&ui.t("cancel-default-reason")))
        .map_err(|_| Problem::internal())?;
    run_for_buyer(
        &state,
        &ctx,
        &buyer,
        case_id,
        amiable_domain::access::Action::Cancel,
        form.version()?,
        Command::Lifecycle(LifecycleCommand::Cancel { reason }),
        "cancelled",
        |errors| CaseForms {
            action_errors: errors,
            ..CaseForms::default()
        },
    )
    .await
}

/// `POST /suivi/dossier/{case_id}/avis`: the satisfaction answer (1–5, and why).
async fn give_feedback(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
    FormBody(form): FormBody,
) -> Result<Response, WebError> {
    let (case_id, buyer) = buyer_of_case(&state, &ctx, &case_id).await?;
    ctx.check_csrf(&form)?;
    let rating = form.text("rating").parse::<i64>().unwrap_or(0);
    let comment = form.text("comment").to_owned();
    let input = amiable_app::feedback::FeedbackInput {
        rating,
        comment: Some(comment.clone()),
    };
    match state.app().give_feedback(&buyer, case_id, &input).await {
        Ok(_) => Ok(ctx.finish(redirect(&format!(
            "/suivi/dossier/{case_id}?fait=feedback-saved#avis"
        )))),
        Err(error) => {
            let problem = Problem::from(error);
            let mut errors = Errors::from_problem(&problem, ctx.lang, |field| {
                ["rating", "comment"]
                    .contains(&field)
                    .then(|| field.to_owned())
            });
            if problem.code == "feedback.rating_invalid" && rating == 0 {
                errors = Errors::default();
                errors.add("rating", ctx.ui().t("survey-rating-missing"));
            }
            refused(
                &state,
                &ctx,
                &buyer,
                case_id,
                CaseForms {
                    survey: Some((rating, comment)),
                    survey_errors: errors,
                    ..CaseForms::default()
                },
            )
            .await
        }
    }
}

/// `GET /suivi/dossier/{case_id}/etiquette[?format=a4]`: the prepaid label.
async fn label(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(case_id): Path<String>,
    Query(query): Query<shared::LabelQuery>,
) -> Result<Response, WebError> {
    let (case_id, buyer) = buyer_of_case(&state, &ctx, &case_id).await?;
    let size = query.size()?;
    Ok(crate::api::returns::label_response(&state, &buyer, case_id, Some(size)).await?)
}

/// `GET /suivi/dossier/{case_id}/fichier/{sha256}`: a photo or document of the case.
async fn file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((case_id, sha256)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let (case_id, buyer) = buyer_of_case(&state, &ctx, &case_id).await?;
    Ok(crate::api::attachments::file_response(&state, &buyer, case_id, &sha256).await?)
}

// ---------------------------------------------------------- withdrawal

/// A postal address as printed, line by line: the addressee (unless it is `known`, the
/// name already said), the street lines, « 69002 Lyon », and the country outside France.
fn address_lines(a: &amiable_domain::contact::PostalAddress, known: Option<&str>) -> Vec<String> {
    let mut lines: Vec<String> = a
        .name
        .iter()
        .filter(|name| known.is_none_or(|k| name.trim() != k.trim()))
        .cloned()
        .collect();
    lines.extend(a.lines.iter().cloned());
    lines.push(format!("{} {}", a.postal_code, a.city));
    if a.country != "FR" {
        lines.push(a.country.clone());
    }
    lines
}

/// A seller as the model withdrawal form addresses it: its name, postal
/// address and email (annex to C. conso R221-1).
pub struct SellerView {
    pub name: String,
    pub address: Vec<String>,
    pub email: Option<String>,
}

impl SellerView {
    fn of(merchant: &amiable_store::Merchant) -> SellerView {
        let settings = amiable_domain::settings::MerchantSettings::read(&merchant.settings);
        let notice = settings.withdrawal_notice;
        let address = notice
            .as_ref()
            .filter(|n| n.address.check("address").is_ok())
            // The addressee, unless it is the shop's name said again.
            .map(|n| address_lines(&n.address, Some(&merchant.name)))
            .unwrap_or_default();
        // The notice's email, else the contact the shop gives its buyers.
        let email = notice
            .and_then(|n| n.email)
            .or_else(|| settings.contact.and_then(|c| c.email));
        SellerView {
            name: merchant.name.clone(),
            address,
            email,
        }
    }
}

#[derive(Template)]
#[template(path = "buyer/withdrawal.html")]
struct WithdrawalPage {
    ui: Ui,
    mediator: Option<Mediator>,
    /// The sellers of the visitor's orders (none without an order: the form says where to find them).
    sellers: Vec<SellerView>,
}

/// `GET /suivi/retractation`: the withdrawal right and its model form (C. conso
/// L221-5 and annex to R221-1), addressed to the seller of the visitor's orders,
/// and the consumer mediator (L616-1).
async fn withdrawal_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    // The marketplace of the visitor's order, when they have one; otherwise the one hosted
    // here (the first, when there are several: the page names it).
    let operators = state.store().operators().await?;
    let mine = accesses(&state, &ctx);
    let operator = operators
        .iter()
        .find(|o| mine.first().is_some_and(|(_, c)| c.operator_id == o.id))
        .or(operators.first());
    let mut sellers: Vec<SellerView> = Vec::new();
    let mut seen = Vec::new();
    for (_, claims) in &mine {
        if seen.contains(&claims.merchant_id) {
            continue;
        }
        seen.push(claims.merchant_id);
        if let Some(merchant) = state.store().merchant(claims.merchant_id).await? {
            sellers.push(SellerView::of(&merchant));
        }
    }
    let page = WithdrawalPage {
        mediator: operator.and_then(shared::mediator),
        sellers,
        ui: ctx.ui(),
    };
    Ok(ctx.render(&page))
}
